/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The 'diameter' VTY node (the S13 server's configuration, written back with defaults left out) and 'show
 * diameter peers'. Handed its configuration and server by diam_vty_init(): it knows no program's globals. */

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <osmocom/vty/misc.h>

#include <osmocom/eir/diameter/server.h>
#include <osmocom/eir/history.h>

static void *g_ctx;
static struct diam_cfg *g_cfg;
static struct diam_server **g_srv;

static struct cmd_node diameter_node = {
	0,	/* set by diam_vty_init() */
	"%s(config-diameter)# ",
	1,
};

DEFUN(cfg_diameter, cfg_diameter_cmd, "diameter", "Configure the Diameter S13 server\n")
{
	vty->node = diameter_node.node;
	return CMD_SUCCESS;
}

DEFUN(cfg_origin_host, cfg_origin_host_cmd, "origin-host NAME",
      "This EIR's Diameter identity (Origin-Host)\n" "Fully qualified host name\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->origin_host, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_origin_realm, cfg_origin_realm_cmd, "origin-realm NAME", "This EIR's realm (Origin-Realm)\n" "Realm\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->origin_realm, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_listen, cfg_listen_cmd, "listen (A.B.C.D|X:X::X:X) <1-65535> [(tcp|sctp)]",
      "Where to accept S13 connections\n" "IPv4 address\n" "IPv6 address\n" "Port (3868 is Diameter's)\n"
      "TCP (default)\n" "SCTP (where the kernel has it)\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->listen_addr, argv[0]);
	g_cfg->listen_port = atoi(argv[1]);
	g_cfg->transport = argc > 2 && !strcmp(argv[2], "sctp") ? DIAM_TRANSPORT_SCTP : DIAM_TRANSPORT_TCP;
	return CMD_SUCCESS;
}

DEFUN(cfg_served_realm, cfg_served_realm_cmd, "served-realm NAME",
      "Another realm this EIR serves: an ECR without Destination-Host must name origin-realm or one of these "
      "(else 3003)\n" "Realm\n")
{
	struct diam_realm *r;

	llist_for_each_entry(r, &g_cfg->realms, list)
		if (!strcasecmp(r->name, argv[0]))
			return CMD_SUCCESS;
	r = talloc_zero(g_ctx, struct diam_realm);
	r->name = talloc_strdup(r, argv[0]);
	llist_add_tail(&r->list, &g_cfg->realms);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_served_realm, cfg_no_served_realm_cmd, "no served-realm NAME",
      NO_STR "Stop serving a realm added with served-realm\n" "Realm\n")
{
	struct diam_realm *r;

	llist_for_each_entry(r, &g_cfg->realms, list) {
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

	llist_for_each_entry(acl, &g_cfg->peers, list)
		if (!strcasecmp(acl->origin_host, host))
			break;
	if (&acl->list == &g_cfg->peers) {
		acl = talloc_zero(g_ctx, struct diam_peer_acl);
		acl->origin_host = talloc_strdup(acl, host);
		llist_add_tail(&acl->list, &g_cfg->peers);
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

DEFUN(cfg_rat, cfg_rat_cmd, "rat " EIR_RAT_VTY_ARGS, EIR_RAT_VTY_HELP)
{
	/* the VTY took only the listed words: the parse cannot fail */
	eir_rat_parse(argv[0], &g_cfg->rat);
	return CMD_SUCCESS;
}

DEFUN(cfg_peer_rat, cfg_peer_rat_cmd, "peer ORIGIN_HOST rat " EIR_RAT_VTY_ARGS,
      "A Diameter peer (MME, SGSN) by its Origin-Host, allowed if it is not yet\n" "Its Origin-Host\n"
      EIR_RAT_VTY_HELP)
{
	struct diam_peer_acl *acl;

	llist_for_each_entry(acl, &g_cfg->peers, list)
		if (!strcasecmp(acl->origin_host, argv[0]))
			break;
	if (&acl->list == &g_cfg->peers) {
		set_peer(argv[0], NULL, NULL);
		acl = llist_last_entry(&g_cfg->peers, struct diam_peer_acl, list);
	}
	eir_rat_parse(argv[1], &acl->rat);
	acl->rat_set = true;
	return CMD_SUCCESS;
}

DEFUN(cfg_no_peer, cfg_no_peer_cmd, "no peer ORIGIN_HOST", NO_STR "Remove an allowed peer\n" "Its Origin-Host\n")
{
	struct diam_peer_acl *acl;

	llist_for_each_entry(acl, &g_cfg->peers, list) {
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
	g_cfg->accept_unknown_peers = !strcmp(argv[0], "accept");
	return CMD_SUCCESS;
}

DEFUN(cfg_tw, cfg_tw_cmd, "watchdog-timer <6-3600>", "Tw: send DWR after this many idle seconds\n" "Seconds\n")
{
	g_cfg->tw_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_cer_timeout, cfg_cer_timeout_cmd, "cer-timeout <1-600>",
      "Close a new connection that sends no CER in this time\n" "Seconds\n")
{
	g_cfg->cer_timeout_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_msg, cfg_max_msg_cmd, "max-message-size <1024-65536>",
      "Close a connection that announces a longer message\n" "Bytes\n")
{
	g_cfg->max_msg_size = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_queue, cfg_max_queue_cmd, "max-send-queue <65536-1073741824>",
      "Answers waiting for a peer: above half of this its requests are not read until they drain\n" "Bytes\n")
{
	g_cfg->max_queue_bytes = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_stall, cfg_stall_cmd, "send-stall-timeout <1-3600>",
      "Close a peer that takes none of its waiting answers for this long\n" "Seconds\n")
{
	g_cfg->stall_timeout_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_conns, cfg_max_conns_cmd, "max-connections <1-65535>",
      "Connections at most (any state); at the limit the oldest one without CER makes room, else the new one is "
      "closed\n" "Connections (default 256)\n")
{
	g_cfg->max_conns = atoi(argv[0]);
	return CMD_SUCCESS;
}

#define TLS_STR "Diameter over TLS/TCP (RFC 6733 13.1): a second listener where TLS starts at once; every peer must " \
	"show a certificate of tls ca-file that names its Origin-Host\n"

DEFUN(cfg_tls_listen, cfg_tls_listen_cmd, "tls listen (A.B.C.D|X:X::X:X) <1-65535>",
      TLS_STR "Where to accept TLS connections (TCP; needs tls certificate, private-key and ca-file)\n"
      "IPv4 address\n" "IPv6 address\n" "Port (5658 is Diameter's over TLS)\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->tls_listen_addr, argv[0]);
	g_cfg->tls_listen_port = atoi(argv[1]);
	return CMD_SUCCESS;
}

DEFUN(cfg_tls_cert, cfg_tls_cert_cmd, "tls certificate FILE",
      TLS_STR "This EIR's certificate (PEM; may be followed by its chain), naming its origin-host\n" "File name\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->tls_cert, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_tls_key, cfg_tls_key_cmd, "tls private-key FILE", TLS_STR "The private key (PEM)\n" "File name\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->tls_key, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_tls_ca, cfg_tls_ca_cmd, "tls ca-file FILE",
      TLS_STR "The CA certificate(s) the peers' certificates must come from (required)\n" "PEM file\n")
{
	osmo_talloc_replace_string(g_ctx, &g_cfg->tls_ca_file, argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_no_tls, cfg_no_tls_cmd, "no tls", NO_STR "No TLS listener (the TCP/SCTP listen stays)\n")
{
	TALLOC_FREE(g_cfg->tls_listen_addr);
	g_cfg->tls_listen_port = 0;
	TALLOC_FREE(g_cfg->tls_cert);
	TALLOC_FREE(g_cfg->tls_key);
	TALLOC_FREE(g_cfg->tls_ca_file);
	return CMD_SUCCESS;
}

static void config_write_tls(struct vty *vty, const struct diam_cfg *d)
{
	if (d->tls_listen_addr)
		vty_out(vty, " tls listen %s %u%s", d->tls_listen_addr, d->tls_listen_port, VTY_NEWLINE);
	if (d->tls_cert)
		vty_out(vty, " tls certificate %s%s", d->tls_cert, VTY_NEWLINE);
	if (d->tls_key)
		vty_out(vty, " tls private-key %s%s", d->tls_key, VTY_NEWLINE);
	if (d->tls_ca_file)
		vty_out(vty, " tls ca-file %s%s", d->tls_ca_file, VTY_NEWLINE);
}

static int config_write_diameter(struct vty *vty)
{
	struct diam_cfg *d = g_cfg;
	struct diam_peer_acl *acl;
	struct diam_realm *r;
	char rat[8];

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
		if (acl->rat_set)
			vty_out(vty, " peer %s rat %s%s", acl->origin_host, eir_rat_word(rat, sizeof(rat), acl->rat),
				VTY_NEWLINE);
	}
	if (d->rat != DIAM_DEFAULT_RAT)
		vty_out(vty, " rat %s%s", eir_rat_word(rat, sizeof(rat), d->rat), VTY_NEWLINE);
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
	config_write_tls(vty, d);
	return CMD_SUCCESS;
}

static void show_peer(const struct diam_peer_info *p, void *data)
{
	struct vty *vty = data;

	vty_out(vty, "%-22s %-9s %-28s %7lds %10llu %10llu %8llu%s%s", p->name, p->state,
		p->origin_host ? p->origin_host : "-", p->uptime_sec, (unsigned long long)p->n_rx,
		(unsigned long long)p->n_ecr, (unsigned long long)p->n_err, p->suspect ? " SUSPECT" : "", VTY_NEWLINE);
}

DEFUN(show_diameter_peers, show_diameter_peers_cmd, "show diameter peers",
      SHOW_STR "Diameter S13 server\n" "Connections and their peer state\n")
{
	if (!*g_srv) {
		vty_out(vty, "%% S13 server not running%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "%-22s %-9s %-28s %-8s %10s %10s %8s%s", "address", "state", "origin-host", "uptime", "requests",
		"ecr", "errors", VTY_NEWLINE);
	diam_server_foreach_peer(*g_srv, show_peer, vty);
	return CMD_SUCCESS;
}

/*! Install the 'diameter' node as node number node (the program's enum), configuring cfg (its lists allocated
 *  under ctx); 'show diameter peers' shows *srv, NULL while the server is not running. */
void diam_vty_init(void *ctx, struct diam_cfg *cfg, struct diam_server **srv, int node)
{
	g_ctx = ctx;
	g_cfg = cfg;
	g_srv = srv;
	diameter_node.node = node;
	install_element(CONFIG_NODE, &cfg_diameter_cmd);
	install_node(&diameter_node, config_write_diameter);
	install_element(node, &cfg_origin_host_cmd);
	install_element(node, &cfg_origin_realm_cmd);
	install_element(node, &cfg_served_realm_cmd);
	install_element(node, &cfg_no_served_realm_cmd);
	install_element(node, &cfg_listen_cmd);
	install_element(node, &cfg_peer_cmd);
	install_element(node, &cfg_peer_realm_cmd);
	install_element(node, &cfg_peer_addr_cmd);
	install_element(node, &cfg_peer_realm_addr_cmd);
	install_element(node, &cfg_no_peer_cmd);
	install_element(node, &cfg_peer_rat_cmd);
	install_element(node, &cfg_rat_cmd);
	install_element(node, &cfg_unknown_peers_cmd);
	install_element(node, &cfg_tw_cmd);
	install_element(node, &cfg_cer_timeout_cmd);
	install_element(node, &cfg_max_msg_cmd);
	install_element(node, &cfg_max_queue_cmd);
	install_element(node, &cfg_stall_cmd);
	install_element(node, &cfg_max_conns_cmd);
	install_element(node, &cfg_tls_listen_cmd);
	install_element(node, &cfg_tls_cert_cmd);
	install_element(node, &cfg_tls_key_cmd);
	install_element(node, &cfg_tls_ca_cmd);
	install_element(node, &cfg_no_tls_cmd);

	install_element_ve(&show_diameter_peers_cmd);
}
