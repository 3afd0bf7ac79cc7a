/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* VTY of osmo-eir: the 'eir' node (policy) and the 'diameter' node (S13 server), each writing back its own
 * configuration with defaults left out; 'show diameter peers'. */

#include <string.h>
#include <strings.h>
#include <time.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <osmocom/vty/misc.h>

#include <osmocom/eir/eir.h>
#include "../diameter/diam_internal.h"

#define VERDICT_ARGS "(whitelisted|greylisted|blacklisted|unknown)"
#define VERDICT_HELP "Answer WHITELISTED\n" "Answer GREYLISTED\n" "Answer BLACKLISTED\n" \
	"Answer unknown equipment (S13 Experimental-Result 5422, N5g-eir 404)\n"

static const char *verdict_word(enum eir_verdict v)
{
	static const char *const w[] = {
		[EIR_WHITELISTED] = "whitelisted",
		[EIR_BLACKLISTED] = "blacklisted",
		[EIR_GREYLISTED] = "greylisted",
		[EIR_UNKNOWN] = "unknown",
	};
	return w[v];
}

static struct cmd_node eir_node = {
	EIR_NODE,
	"%s(config-eir)# ",
	1,
};

static struct cmd_node diameter_node = {
	DIAMETER_NODE,
	"%s(config-diameter)# ",
	1,
};

DEFUN(cfg_eir, cfg_eir_cmd, "eir", "Configure the EIR's policy\n")
{
	vty->node = EIR_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_default_verdict, cfg_default_verdict_cmd, "default-verdict " VERDICT_ARGS,
      "What to answer for an IMEI that is on no list\n" VERDICT_HELP)
{
	g_eir->policy.default_verdict = eir_verdict_parse(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_store_unavailable, cfg_store_unavailable_cmd,
      "store-unavailable (error|whitelisted|greylisted|blacklisted)",
      "What to answer when the store cannot be read\n"
      "An error (S13: 5012 DIAMETER_UNABLE_TO_COMPLY; N5g-eir: 503)\n"
      "Answer WHITELISTED\n" "Answer GREYLISTED\n" "Answer BLACKLISTED\n")
{
	g_eir->policy.store_fail_error = !strcmp(argv[0], "error");
	if (!g_eir->policy.store_fail_error)
		g_eir->policy.store_fail_verdict = eir_verdict_parse(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_log_verdicts, cfg_log_verdicts_cmd, "log-verdicts-per-second <0-1000000>",
      "Rate limit of the log lines for BLACKLISTED and GREYLISTED answers (counters always count)\n"
      "Lines per second\n")
{
	g_eir->policy.log_verdict_per_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_ctrl_port, cfg_ctrl_port_cmd, "ctrl-port <0-65535>",
      "TCP port of the CTRL interface (its address: 'ctrl' / 'bind', default 127.0.0.1)\n"
      "Port (default 4291; 0: no CTRL interface)\n")
{
	g_eir->ctrl_port = atoi(argv[0]);
	return CMD_SUCCESS;
}

static int config_write_eir(struct vty *vty)
{
	vty_out(vty, "eir%s", VTY_NEWLINE);
	if (g_eir->policy.default_verdict != EIR_WHITELISTED)
		vty_out(vty, " default-verdict %s%s", verdict_word(g_eir->policy.default_verdict), VTY_NEWLINE);
	if (!g_eir->policy.store_fail_error)
		vty_out(vty, " store-unavailable %s%s", verdict_word(g_eir->policy.store_fail_verdict), VTY_NEWLINE);
	if (g_eir->policy.log_verdict_per_sec != EIR_DEFAULT_LOG_VERDICT_PER_SEC)
		vty_out(vty, " log-verdicts-per-second %u%s", g_eir->policy.log_verdict_per_sec, VTY_NEWLINE);
	if (g_eir->ctrl_port != OSMO_CTRL_PORT_EIR)
		vty_out(vty, " ctrl-port %u%s", g_eir->ctrl_port, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* --- diameter --- */

DEFUN(cfg_diameter, cfg_diameter_cmd, "diameter", "Configure the Diameter S13 server\n")
{
	vty->node = DIAMETER_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_origin_host, cfg_origin_host_cmd, "origin-host NAME",
      "This EIR's Diameter identity (Origin-Host)\n" "Fully qualified host name\n")
{
	osmo_talloc_replace_string(g_eir->ctx, &g_eir->diam.origin_host, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_origin_realm, cfg_origin_realm_cmd, "origin-realm NAME", "This EIR's realm (Origin-Realm)\n" "Realm\n")
{
	osmo_talloc_replace_string(g_eir->ctx, &g_eir->diam.origin_realm, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_listen, cfg_listen_cmd, "listen (A.B.C.D|X:X::X:X) <1-65535> [(tcp|sctp)]",
      "Where to accept S13 connections\n" "IPv4 address\n" "IPv6 address\n" "Port (3868 is Diameter's)\n"
      "TCP (default)\n" "SCTP (where the kernel has it)\n")
{
	osmo_talloc_replace_string(g_eir->ctx, &g_eir->diam.listen_addr, argv[0]);
	g_eir->diam.listen_port = atoi(argv[1]);
	g_eir->diam.transport = argc > 2 && !strcmp(argv[2], "sctp") ? DIAM_TRANSPORT_SCTP : DIAM_TRANSPORT_TCP;
	return CMD_SUCCESS;
}

DEFUN(cfg_served_realm, cfg_served_realm_cmd, "served-realm NAME",
      "Another realm this EIR serves: an ECR without Destination-Host must name origin-realm or one of these "
      "(else 3003)\n" "Realm\n")
{
	struct diam_realm *r;

	llist_for_each_entry(r, &g_eir->diam.realms, list)
		if (!strcasecmp(r->name, argv[0]))
			return CMD_SUCCESS;
	r = talloc_zero(g_eir->ctx, struct diam_realm);
	r->name = talloc_strdup(r, argv[0]);
	llist_add_tail(&r->list, &g_eir->diam.realms);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_served_realm, cfg_no_served_realm_cmd, "no served-realm NAME",
      NO_STR "Stop serving a realm added with served-realm\n" "Realm\n")
{
	struct diam_realm *r;

	llist_for_each_entry(r, &g_eir->diam.realms, list) {
		if (!strcasecmp(r->name, argv[0])) {
			llist_del(&r->list);
			talloc_free(r);
			return CMD_SUCCESS;
		}
	}
	vty_out(vty, "%% no served-realm %s%s", argv[0], VTY_NEWLINE);
	return CMD_WARNING;
}

static void set_peer(const char *host, const char *realm, const char *addr)
{
	struct diam_peer_acl *acl;

	llist_for_each_entry(acl, &g_eir->diam.peers, list)
		if (!strcasecmp(acl->origin_host, host))
			break;
	if (&acl->list == &g_eir->diam.peers) {
		acl = talloc_zero(g_eir->ctx, struct diam_peer_acl);
		acl->origin_host = talloc_strdup(acl, host);
		llist_add_tail(&acl->list, &g_eir->diam.peers);
	}
	TALLOC_FREE(acl->realm);
	TALLOC_FREE(acl->addr);
	if (realm)
		acl->realm = talloc_strdup(acl, realm);
	if (addr)
		acl->addr = talloc_strdup(acl, addr);
}

#define PEER_HELP "Allow a Diameter peer (MME, SGSN) by its Origin-Host\n" "Its Origin-Host\n"
#define REALM_HELP "Also require this Origin-Realm\n" "Realm\n"
#define ADDR_HELP "Also require this source address\n" "IPv4 address\n" "IPv6 address\n"

DEFUN(cfg_peer, cfg_peer_cmd, "peer ORIGIN_HOST", PEER_HELP)
{
	set_peer(argv[0], NULL, NULL);
	return CMD_SUCCESS;
}

DEFUN(cfg_peer_realm, cfg_peer_realm_cmd, "peer ORIGIN_HOST realm REALM", PEER_HELP REALM_HELP)
{
	set_peer(argv[0], argv[1], NULL);
	return CMD_SUCCESS;
}

DEFUN(cfg_peer_addr, cfg_peer_addr_cmd, "peer ORIGIN_HOST address (A.B.C.D|X:X::X:X)", PEER_HELP ADDR_HELP)
{
	set_peer(argv[0], NULL, argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_peer_realm_addr, cfg_peer_realm_addr_cmd, "peer ORIGIN_HOST realm REALM address (A.B.C.D|X:X::X:X)",
      PEER_HELP REALM_HELP ADDR_HELP)
{
	set_peer(argv[0], argv[1], argv[2]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_peer, cfg_no_peer_cmd, "no peer ORIGIN_HOST", NO_STR "Remove an allowed peer\n" "Its Origin-Host\n")
{
	struct diam_peer_acl *acl;

	llist_for_each_entry(acl, &g_eir->diam.peers, list) {
		if (!strcasecmp(acl->origin_host, argv[0])) {
			llist_del(&acl->list);
			talloc_free(acl);
			return CMD_SUCCESS;
		}
	}
	vty_out(vty, "%% no peer %s%s", argv[0], VTY_NEWLINE);
	return CMD_WARNING;
}

DEFUN(cfg_unknown_peers, cfg_unknown_peers_cmd, "unknown-peers (accept|reject)",
      "Peers that are not configured with 'peer'\n" "Accept them (lab use)\n"
      "Refuse their CER with 3010 DIAMETER_UNKNOWN_PEER (default)\n")
{
	g_eir->diam.accept_unknown_peers = !strcmp(argv[0], "accept");
	return CMD_SUCCESS;
}

DEFUN(cfg_tw, cfg_tw_cmd, "watchdog-timer <6-3600>", "Tw: send DWR after this many idle seconds\n" "Seconds\n")
{
	g_eir->diam.tw_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_cer_timeout, cfg_cer_timeout_cmd, "cer-timeout <1-600>",
      "Close a new connection that sends no CER in this time\n" "Seconds\n")
{
	g_eir->diam.cer_timeout_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_msg, cfg_max_msg_cmd, "max-message-size <1024-65536>",
      "Close a connection that announces a longer message\n" "Bytes\n")
{
	g_eir->diam.max_msg_size = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_queue, cfg_max_queue_cmd, "max-send-queue <65536-1073741824>",
      "Answers waiting for a peer: above half of this its requests are not read until they drain\n" "Bytes\n")
{
	g_eir->diam.max_queue_bytes = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_stall, cfg_stall_cmd, "send-stall-timeout <1-3600>",
      "Close a peer that takes none of its waiting answers for this long\n" "Seconds\n")
{
	g_eir->diam.stall_timeout_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_conns, cfg_max_conns_cmd, "max-connections <1-65535>",
      "Connections at most (any state); at the limit the oldest one without CER makes room, else the new one is "
      "closed\n" "Connections (default 256)\n")
{
	g_eir->diam.max_conns = atoi(argv[0]);
	return CMD_SUCCESS;
}

static int config_write_diameter(struct vty *vty)
{
	struct diam_cfg *d = &g_eir->diam;
	struct diam_peer_acl *acl;
	struct diam_realm *r;

	vty_out(vty, "diameter%s", VTY_NEWLINE);
	vty_out(vty, " origin-host %s%s", d->origin_host, VTY_NEWLINE);
	vty_out(vty, " origin-realm %s%s", d->origin_realm, VTY_NEWLINE);
	llist_for_each_entry(r, &d->realms, list)
		vty_out(vty, " served-realm %s%s", r->name, VTY_NEWLINE);
	vty_out(vty, " listen %s %u%s%s", d->listen_addr, d->listen_port,
		d->transport == DIAM_TRANSPORT_SCTP ? " sctp" : "", VTY_NEWLINE);
	if (d->accept_unknown_peers)
		vty_out(vty, " unknown-peers accept%s", VTY_NEWLINE);
	llist_for_each_entry(acl, &d->peers, list) {
		vty_out(vty, " peer %s", acl->origin_host);
		if (acl->realm)
			vty_out(vty, " realm %s", acl->realm);
		if (acl->addr)
			vty_out(vty, " address %s", acl->addr);
		vty_out(vty, "%s", VTY_NEWLINE);
	}
	if (d->tw_sec != DIAM_DEFAULT_TW_SEC)
		vty_out(vty, " watchdog-timer %u%s", d->tw_sec, VTY_NEWLINE);
	if (d->cer_timeout_sec != DIAM_DEFAULT_CER_TIMEOUT_SEC)
		vty_out(vty, " cer-timeout %u%s", d->cer_timeout_sec, VTY_NEWLINE);
	if (d->max_msg_size != DIAM_DEFAULT_MAX_MSG_SIZE)
		vty_out(vty, " max-message-size %u%s", d->max_msg_size, VTY_NEWLINE);
	if (d->max_queue_bytes != DIAM_DEFAULT_MAX_QUEUE_BYTES)
		vty_out(vty, " max-send-queue %u%s", d->max_queue_bytes, VTY_NEWLINE);
	if (d->stall_timeout_sec != DIAM_DEFAULT_STALL_TIMEOUT_SEC)
		vty_out(vty, " send-stall-timeout %u%s", d->stall_timeout_sec, VTY_NEWLINE);
	if (d->max_conns != DIAM_DEFAULT_MAX_CONNS)
		vty_out(vty, " max-connections %u%s", d->max_conns, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_diameter_peers, show_diameter_peers_cmd, "show diameter peers",
      SHOW_STR "Diameter S13 server\n" "Connections and their peer state\n")
{
	struct diam_conn *c;
	struct timespec now;

	if (!g_eir->diam_srv) {
		vty_out(vty, "%% S13 server not running%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	vty_out(vty, "%-22s %-9s %-28s %-8s %10s %10s %8s%s", "address", "state", "origin-host", "uptime", "requests",
		"ecr", "errors", VTY_NEWLINE);
	llist_for_each_entry(c, &g_eir->diam_srv->conns, list) {
		if (c->dead)
			continue;
		vty_out(vty, "%-22s %-9s %-28s %7lds %10llu %10llu %8llu%s%s", c->name,
			get_value_string(diam_peer_state_names, c->state), c->origin_host ? c->origin_host : "-",
			(long)(now.tv_sec - c->connected.tv_sec), (unsigned long long)c->n_rx,
			(unsigned long long)c->n_ecr, (unsigned long long)c->n_err, c->suspect ? " SUSPECT" : "",
			VTY_NEWLINE);
	}
	return CMD_SUCCESS;
}

void eir_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_eir_cmd);
	install_node(&eir_node, config_write_eir);
	install_element(EIR_NODE, &cfg_default_verdict_cmd);
	install_element(EIR_NODE, &cfg_store_unavailable_cmd);
	install_element(EIR_NODE, &cfg_log_verdicts_cmd);
	install_element(EIR_NODE, &cfg_ctrl_port_cmd);

	install_element(CONFIG_NODE, &cfg_diameter_cmd);
	install_node(&diameter_node, config_write_diameter);
	install_element(DIAMETER_NODE, &cfg_origin_host_cmd);
	install_element(DIAMETER_NODE, &cfg_origin_realm_cmd);
	install_element(DIAMETER_NODE, &cfg_served_realm_cmd);
	install_element(DIAMETER_NODE, &cfg_no_served_realm_cmd);
	install_element(DIAMETER_NODE, &cfg_listen_cmd);
	install_element(DIAMETER_NODE, &cfg_peer_cmd);
	install_element(DIAMETER_NODE, &cfg_peer_realm_cmd);
	install_element(DIAMETER_NODE, &cfg_peer_addr_cmd);
	install_element(DIAMETER_NODE, &cfg_peer_realm_addr_cmd);
	install_element(DIAMETER_NODE, &cfg_no_peer_cmd);
	install_element(DIAMETER_NODE, &cfg_unknown_peers_cmd);
	install_element(DIAMETER_NODE, &cfg_tw_cmd);
	install_element(DIAMETER_NODE, &cfg_cer_timeout_cmd);
	install_element(DIAMETER_NODE, &cfg_max_msg_cmd);
	install_element(DIAMETER_NODE, &cfg_max_queue_cmd);
	install_element(DIAMETER_NODE, &cfg_stall_cmd);
	install_element(DIAMETER_NODE, &cfg_max_conns_cmd);

	install_element_ve(&show_diameter_peers_cmd);
}
