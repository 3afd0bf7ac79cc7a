/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* VTY of the N5g-eir server: the 'sbi' node (listen address, TLS, limits, PEI policy, NRF registration), written
 * back with defaults left out; 'show sbi connections'. */

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include <osmocom/eir/history.h>
#include "sbi_internal.h"

/* what sbi_vty_init() was handed: the node number the daemon gave the 'sbi' node, the config the commands set (its
 * strings allocated on ctx), and where the server will be once it runs (allocated after the config file is read) */
static struct cmd_node sbi_node = {
	.prompt = "%s(config-sbi)# ",
	.vtysh = 1,
};
static void *sbi_ctx;
static struct sbi_cfg *sbi_cfg;
static struct sbi_server **sbi_srv;

#define SBI_CFG sbi_cfg

/* the VTY's X:X::X:X matches loosely (2001:db8::zz passes): check that it is an address */
static bool is_ip_addr(const char *s)
{
	struct in6_addr a;

	return inet_pton(AF_INET, s, &a) == 1 || inet_pton(AF_INET6, s, &a) == 1;
}

DEFUN(cfg_sbi, cfg_sbi_cmd, "sbi", "Configure the N5g-eir HTTP/2 server (5G service-based interface)\n")
{
	SBI_CFG->enabled = true;
	vty->node = sbi_node.node;
	return CMD_SUCCESS;
}

DEFUN(cfg_no_sbi, cfg_no_sbi_cmd, "no sbi", NO_STR "Do not run the N5g-eir HTTP/2 server\n")
{
	SBI_CFG->enabled = false;
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_listen, cfg_sbi_listen_cmd, "listen (A.B.C.D|X:X::X:X) <1-65535>",
      "Where to accept HTTP/2 connections\n" "IPv4 address\n" "IPv6 address\n" "Port\n")
{
	if (!is_ip_addr(argv[0])) {
		vty_out(vty, "%% not an IP address: %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->listen_addr, argv[0]);
	SBI_CFG->listen_port = atoi(argv[1]);
	return CMD_SUCCESS;
}

#define TLS_STR "TLS (with ALPN h2) instead of cleartext HTTP/2; needs both a certificate and a private key\n"

DEFUN(cfg_sbi_tls_cert, cfg_sbi_tls_cert_cmd, "tls certificate FILE",
      TLS_STR "The server certificate (PEM; may be followed by its chain)\n" "File name\n")
{
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->tls_cert, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_tls_key, cfg_sbi_tls_key_cmd, "tls private-key FILE", TLS_STR "The private key (PEM)\n" "File name\n")
{
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->tls_key, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_tls_ca, cfg_sbi_tls_ca_cmd, "tls ca-file FILE",
      TLS_STR "Mutual TLS (TS 33.501 13.1): every client (AMF) must present a certificate issued by a CA of this "
      "file; a client without one, or with one from another CA, fails the handshake\n"
      "PEM file of the CA certificate(s)\n")
{
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->tls_ca_file, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_no_tls_ca, cfg_sbi_no_tls_ca_cmd, "no tls ca-file",
      NO_STR TLS_STR "No client certificate asked for (server-only TLS)\n")
{
	TALLOC_FREE(SBI_CFG->tls_ca_file);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_no_tls, cfg_sbi_no_tls_cmd, "no tls", NO_STR "Cleartext HTTP/2 (prior knowledge)\n")
{
	TALLOC_FREE(SBI_CFG->tls_cert);
	TALLOC_FREE(SBI_CFG->tls_key);
	TALLOC_FREE(SBI_CFG->tls_ca_file);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_max_conns, cfg_sbi_max_conns_cmd, "max-connections <1-65536>",
      "Connections at once; beyond, the oldest that has sent no request is closed, else the new one\n"
      "Connections\n")
{
	SBI_CFG->max_conns = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_max_conns_src, cfg_sbi_max_conns_src_cmd, "max-connections-per-source <1-65536>",
      "Close a new connection from a client address that already has this many (AMFs behind one NAT address "
      "share it)\n" "Connections\n")
{
	SBI_CFG->max_conns_per_source = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_no_max_conns_src, cfg_sbi_no_max_conns_src_cmd, "no max-connections-per-source",
      NO_STR "No cap per client address (the default)\n")
{
	SBI_CFG->max_conns_per_source = 0;
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_max_streams, cfg_sbi_max_streams_cmd, "max-concurrent-streams <1-65536>",
      "SETTINGS_MAX_CONCURRENT_STREAMS: requests in progress per connection\n" "Streams\n")
{
	SBI_CFG->max_streams = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_max_header, cfg_sbi_max_header_cmd, "max-header-size <256-65536>",
      "Answer 431 to a request whose header fields take more (RFC 9113 size: name + value + 32 each)\n"
      "Bytes\n")
{
	SBI_CFG->max_header_size = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_max_uri, cfg_sbi_max_uri_cmd, "max-uri-length <64-65536>",
      "Answer 414 to a request URI (:path) longer than this\n" "Bytes\n")
{
	SBI_CFG->max_uri_len = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_idle, cfg_sbi_idle_cmd, "idle-timeout <1-86400>",
      "Close a connection that sends nothing, or takes none of its answers, for this long\n" "Seconds\n")
{
	SBI_CFG->idle_timeout_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_preface, cfg_sbi_preface_cmd, "preface-timeout <1-300>",
      "Close a connection that has not completed its TLS handshake and HTTP/2 preface this long after it came\n"
      "Seconds\n")
{
	SBI_CFG->preface_timeout_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_pei_other, cfg_sbi_pei_other_cmd, "pei-other (reject|unknown|whitelisted|greylisted|blacklisted)",
      "What to answer for a PEI that is not imei-… or imeisv-… (mac-…, eui-…)\n"
      "400 MANDATORY_QUERY_PARAM_INCORRECT\n" "404 ERROR_EQUIPMENT_UNKNOWN (default)\n"
      "200 WHITELISTED\n" "200 GREYLISTED\n" "200 BLACKLISTED\n")
{
	if (!strcmp(argv[0], "reject")) {
		SBI_CFG->pei_other = SBI_PEI_OTHER_REJECT;
	} else {
		SBI_CFG->pei_other = SBI_PEI_OTHER_VERDICT;
		SBI_CFG->pei_other_verdict = eir_verdict_parse(argv[0]);
	}
	return CMD_SUCCESS;
}

#define NRF_STR "Register with an NRF (TS 29.510 NFRegister, heartbeat, NFDeregister on shutdown)\n"

DEFUN(cfg_sbi_rat, cfg_sbi_rat_cmd, "rat " EIR_RAT_VTY_ARGS, EIR_RAT_VTY_HELP)
{
	/* the VTY took only the listed words */
	eir_rat_parse(argv[0], &sbi_cfg->rat);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_nrf_uri, cfg_sbi_nrf_uri_cmd, "nrf uri URI",
      NRF_STR "The NRF's apiRoot\n"
      "http://ADDR[:PORT] (cleartext HTTP/2, prior knowledge) or https://HOST[:PORT] (TLS, ALPN h2)\n")
{
	if (strncmp(argv[0], "http://", 7) && strncmp(argv[0], "https://", 8)) {
		vty_out(vty, "%% only http://ADDR[:PORT] and https://HOST[:PORT] are supported%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->nrf_uri, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_nrf_id, cfg_sbi_nrf_id_cmd, "nrf nf-instance-id UUID",
      NRF_STR "This EIR's nfInstanceId\n" "A UUID, e.g. 3f0c7b1e-0b5d-4c4e-9a53-5e1d2f6a7b80\n")
{
	if (strlen(argv[0]) != 36) {
		vty_out(vty, "%% a UUID has 36 characters%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->nf_instance_id, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_nrf_ca, cfg_sbi_nrf_ca_cmd, "nrf ca-file FILE",
      NRF_STR "The CA certificate(s) to verify an https:// NRF with (default: the system's CAs)\n"
      "PEM file\n")
{
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->nrf_ca_file, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_no_nrf_ca, cfg_sbi_no_nrf_ca_cmd, "no nrf ca-file",
      NO_STR NRF_STR "Verify an https:// NRF with the system's CAs\n")
{
	TALLOC_FREE(SBI_CFG->nrf_ca_file);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_nrf_addr, cfg_sbi_nrf_addr_cmd, "nrf advertise-address (A.B.C.D|X:X::X:X)",
      NRF_STR "The address in the NFProfile (default: the listen address; never a wildcard)\n" "IPv4 address\n"
      "IPv6 address\n")
{
	if (!is_ip_addr(argv[0])) {
		vty_out(vty, "%% not an IP address: %s%s", argv[0], VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_talloc_replace_string(sbi_ctx, &SBI_CFG->nrf_advertise_addr, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_nrf_hb, cfg_sbi_nrf_hb_cmd, "nrf heartbeat <1-3600>",
      NRF_STR "The heartBeatTimer to ask for; the NRF's answer decides\n" "Seconds\n")
{
	SBI_CFG->nrf_heartbeat_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_sbi_no_nrf, cfg_sbi_no_nrf_cmd, "no nrf", NO_STR "Do not register with an NRF\n")
{
	TALLOC_FREE(SBI_CFG->nrf_uri);
	return CMD_SUCCESS;
}

static int config_write_sbi(struct vty *vty)
{
	struct sbi_cfg *s = SBI_CFG;
	char rat[8];

	if (!s->enabled)
		return CMD_SUCCESS;
	vty_out(vty, "sbi%s", VTY_NEWLINE);
	vty_out(vty, " listen %s %u%s", s->listen_addr, s->listen_port, VTY_NEWLINE);
	if (s->tls_cert)
		vty_out(vty, " tls certificate %s%s", s->tls_cert, VTY_NEWLINE);
	if (s->tls_key)
		vty_out(vty, " tls private-key %s%s", s->tls_key, VTY_NEWLINE);
	if (s->tls_ca_file)
		vty_out(vty, " tls ca-file %s%s", s->tls_ca_file, VTY_NEWLINE);
	if (s->max_conns != SBI_DEFAULT_MAX_CONNS)
		vty_out(vty, " max-connections %u%s", s->max_conns, VTY_NEWLINE);
	if (s->max_conns_per_source)
		vty_out(vty, " max-connections-per-source %u%s", s->max_conns_per_source, VTY_NEWLINE);
	if (s->max_streams != SBI_DEFAULT_MAX_STREAMS)
		vty_out(vty, " max-concurrent-streams %u%s", s->max_streams, VTY_NEWLINE);
	if (s->max_header_size != SBI_DEFAULT_MAX_HEADER_SIZE)
		vty_out(vty, " max-header-size %u%s", s->max_header_size, VTY_NEWLINE);
	if (s->max_uri_len != SBI_DEFAULT_MAX_URI_LEN)
		vty_out(vty, " max-uri-length %u%s", s->max_uri_len, VTY_NEWLINE);
	if (s->idle_timeout_sec != SBI_DEFAULT_IDLE_TIMEOUT_SEC)
		vty_out(vty, " idle-timeout %u%s", s->idle_timeout_sec, VTY_NEWLINE);
	if (s->preface_timeout_sec != SBI_DEFAULT_PREFACE_TIMEOUT_SEC)
		vty_out(vty, " preface-timeout %u%s", s->preface_timeout_sec, VTY_NEWLINE);
	if (s->pei_other == SBI_PEI_OTHER_REJECT)
		vty_out(vty, " pei-other reject%s", VTY_NEWLINE);
	else if (s->pei_other_verdict != EIR_UNKNOWN)
		vty_out(vty, " pei-other %s%s", eir_verdict_word(s->pei_other_verdict), VTY_NEWLINE);
	if (s->nrf_uri)
		vty_out(vty, " nrf uri %s%s", s->nrf_uri, VTY_NEWLINE);
	if (s->nrf_ca_file)
		vty_out(vty, " nrf ca-file %s%s", s->nrf_ca_file, VTY_NEWLINE);
	if (s->nf_instance_id)
		vty_out(vty, " nrf nf-instance-id %s%s", s->nf_instance_id, VTY_NEWLINE);
	if (s->nrf_advertise_addr)
		vty_out(vty, " nrf advertise-address %s%s", s->nrf_advertise_addr, VTY_NEWLINE);
	if (s->nrf_heartbeat_sec != SBI_DEFAULT_NRF_HEARTBEAT_SEC)
		vty_out(vty, " nrf heartbeat %u%s", s->nrf_heartbeat_sec, VTY_NEWLINE);
	if (s->rat)
		vty_out(vty, " rat %s%s", eir_rat_word(rat, sizeof(rat), s->rat), VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_sbi_connections, show_sbi_connections_cmd, "show sbi connections",
      SHOW_STR "N5g-eir HTTP/2 server\n" "Client connections\n")
{
	struct sbi_server *srv = *sbi_srv;
	struct sbi_conn *c;
	struct timespec now;

	if (!srv) {
		vty_out(vty, "%% N5g-eir server not running (no 'sbi' node in the configuration)%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	vty_out(vty, "%-24s %-5s %8s %10s %8s %10s%s", "address", "tls", "uptime", "requests", "streams", "unsent",
		VTY_NEWLINE);
	llist_for_each_entry(c, &srv->conns, list) {
		if (c->dead)
			continue;
		vty_out(vty, "%-24s %-5s %7lds %10llu %8u %10zu%s", c->name, c->ssl ? "yes" : "no",
			(long)(now.tv_sec - c->connected.tv_sec), (unsigned long long)c->n_req, c->n_streams,
			c->out_len - c->out_off, VTY_NEWLINE);
	}
	vty_out(vty, "%u connection(s)%s", srv->n_conns, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/*! Install the 'sbi' node as node, setting cfg (strings on ctx); 'show sbi connections' shows *srv (NULL: not
 *  running). */
void sbi_vty_init(void *ctx, struct sbi_cfg *cfg, struct sbi_server **srv, int node)
{
	sbi_ctx = ctx;
	sbi_cfg = cfg;
	sbi_srv = srv;
	sbi_node.node = node;
	install_element(CONFIG_NODE, &cfg_sbi_cmd);
	install_element(CONFIG_NODE, &cfg_no_sbi_cmd);
	install_node(&sbi_node, config_write_sbi);
	install_element(node, &cfg_sbi_listen_cmd);
	install_element(node, &cfg_sbi_rat_cmd);
	install_element(node, &cfg_sbi_tls_cert_cmd);
	install_element(node, &cfg_sbi_tls_key_cmd);
	install_element(node, &cfg_sbi_tls_ca_cmd);
	install_element(node, &cfg_sbi_no_tls_ca_cmd);
	install_element(node, &cfg_sbi_no_tls_cmd);
	install_element(node, &cfg_sbi_max_conns_cmd);
	install_element(node, &cfg_sbi_max_conns_src_cmd);
	install_element(node, &cfg_sbi_no_max_conns_src_cmd);
	install_element(node, &cfg_sbi_max_streams_cmd);
	install_element(node, &cfg_sbi_max_header_cmd);
	install_element(node, &cfg_sbi_max_uri_cmd);
	install_element(node, &cfg_sbi_idle_cmd);
	install_element(node, &cfg_sbi_preface_cmd);
	install_element(node, &cfg_sbi_pei_other_cmd);
	install_element(node, &cfg_sbi_nrf_uri_cmd);
	install_element(node, &cfg_sbi_nrf_id_cmd);
	install_element(node, &cfg_sbi_nrf_ca_cmd);
	install_element(node, &cfg_sbi_no_nrf_ca_cmd);
	install_element(node, &cfg_sbi_nrf_addr_cmd);
	install_element(node, &cfg_sbi_nrf_hb_cmd);
	install_element(node, &cfg_sbi_no_nrf_cmd);

	install_element_ve(&show_sbi_connections_cmd);
}
