/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Diameter server, the top of src/diameter (layers: diam_internal.h): configuration defaults, the listening
 * sockets (libosmo-netif's stream server links: TCP or SCTP, and TLS/TCP), the dispatch table and the transport's
 * callbacks, counters, the walk over the peers for the VTY, and an orderly shutdown that says DPR to every open
 * peer. */

#include <errno.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/socket.h>
#include <netinet/in.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/utils.h>
#include <osmocom/netif/stream.h>

#include <osmocom/eir/db.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/sock.h>
#include <osmocom/eir/tls.h>
#include "diam_internal.h"

#ifndef IPPROTO_SCTP
#define IPPROTO_SCTP 132
#endif

static const struct rate_ctr_desc diam_ctr_desc[] = {
	[DIAM_CTR_CONN_ACCEPTED] = { "conn:accepted", "Connections accepted" },
	[DIAM_CTR_CONN_CLOSED] = { "conn:closed", "Connections closed" },
	[DIAM_CTR_CONN_REFUSED] = { "conn:refused", "CER from unknown peers refused (3010)" },
	[DIAM_CTR_PROTO_ERROR_CLOSE] = { "conn:proto_error", "Connections closed for a broken message header or "
								"no CER" },
	[DIAM_CTR_QUEUE_OVERFLOW] = { "conn:queue_overflow", "Connections closed: peer did not read its answers" },
	[DIAM_CTR_CER] = { "cer:rx", "CER received" },
	[DIAM_CTR_CER_REJECTED] = { "cer:rejected", "CER answered with an error" },
	[DIAM_CTR_DWR_RX] = { "dwr:rx", "DWR received" },
	[DIAM_CTR_DWR_TX] = { "dwr:tx", "DWR sent (watchdog)" },
	[DIAM_CTR_DPR_RX] = { "dpr:rx", "DPR received" },
	[DIAM_CTR_DPR_TX] = { "dpr:tx", "DPR sent" },
	[DIAM_CTR_ECR] = { "ecr:rx", "ME-Identity-Check requests received" },
	[DIAM_CTR_ECA_WHITE] = { "eca:whitelisted", "ECA WHITELISTED" },
	[DIAM_CTR_ECA_GREY] = { "eca:greylisted", "ECA GREYLISTED" },
	[DIAM_CTR_ECA_BLACK] = { "eca:blacklisted", "ECA BLACKLISTED" },
	[DIAM_CTR_ECA_UNKNOWN] = { "eca:unknown", "ECA DIAMETER_ERROR_EQUIPMENT_UNKNOWN (5422)" },
	[DIAM_CTR_ECA_ERROR] = { "eca:error", "ECR answered with an error Result-Code" },
	[DIAM_CTR_ANS_3XXX] = { "answer:protocol_error", "Requests answered with a 3xxx protocol error" },
	[DIAM_CTR_STORE_FAIL] = { "store:fail", "Verdicts the store could not give" },
	[DIAM_CTR_LOG_SUPPRESSED] = { "log:suppressed", "Verdict log lines left out by the rate limit" },
	[DIAM_CTR_RX_REFUSED] = { "conn:refused_rx", "Messages dropped unanswered (their peer's CER was refused)" },
	[DIAM_CTR_ECR_BAD_SV] = { "ecr:bad_sv", "ECR Software-Version not 2 digits (ignored, verdict given)" },
	[DIAM_CTR_CONN_LIMIT] = { "conn:limit", "Connections closed at max-connections (the oldest without CER, or "
							"the new one)" },
	[DIAM_CTR_TLS_FAIL] = { "conn:tls_fail", "TLS handshakes that failed (no peer certificate, another CA, not "
						"TLS)" },
	[DIAM_CTR_TLS_HOST_MISMATCH] = { "cer:tls_host_mismatch", "CER over TLS whose Origin-Host the peer's "
							       "certificate does not name (3010)" },
	[DIAM_CTR_ECR_BAD_USER_NAME] = { "ecr:bad_user_name", "ECR User-Name not an IMSI (ignored, no pair "
									"exception, verdict given)" },
};

static const struct rate_ctr_group_desc diam_ctrg_desc = {
	.group_name_prefix = "diameter",
	.group_description = "Diameter S13 server",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(diam_ctr_desc),
	.ctr_desc = diam_ctr_desc,
};

static const struct osmo_stat_item_desc diam_stat_desc[] = {
	[DIAM_STAT_PEERS_OPEN] = { "peers:open", "Diameter peers in state OPEN", "", 16, 0 },
	[DIAM_STAT_CONNS] = { "connections", "Diameter connections, any state", "", 16, 0 },
};

static const struct osmo_stat_item_group_desc diam_statg_desc = {
	.group_name_prefix = "diameter",
	.group_description = "Diameter S13 server",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(diam_stat_desc),
	.item_desc = diam_stat_desc,
};

void diam_cfg_init(void *ctx, struct diam_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->origin_host = talloc_strdup(ctx, "eir.localdomain");
	cfg->origin_realm = talloc_strdup(ctx, "localdomain");
	cfg->listen_addr = talloc_strdup(ctx, "127.0.0.1");
	cfg->listen_port = 3868;
	cfg->transport = DIAM_TRANSPORT_TCP;
	INIT_LLIST_HEAD(&cfg->peers);
	INIT_LLIST_HEAD(&cfg->realms);
	cfg->tw_sec = DIAM_DEFAULT_TW_SEC;
	cfg->rat = DIAM_DEFAULT_RAT;
	cfg->cer_timeout_sec = DIAM_DEFAULT_CER_TIMEOUT_SEC;
	cfg->dpa_timeout_sec = 5;
	cfg->max_msg_size = DIAM_DEFAULT_MAX_MSG_SIZE;
	cfg->max_queue_bytes = DIAM_DEFAULT_MAX_QUEUE_BYTES;
	cfg->stall_timeout_sec = DIAM_DEFAULT_STALL_TIMEOUT_SEC;
	cfg->max_conns = DIAM_DEFAULT_MAX_CONNS;
}

/*! Whether this kernel can make SCTP sockets at all. */
bool diam_sctp_available(void)
{
	int fd = socket(AF_INET, SOCK_STREAM, IPPROTO_SCTP);

	if (fd < 0)
		return false;
	close(fd);
	return true;
}

/* every message a peer may send: a new application or command is one row (an answer row has request false);
 * the ECR, nearly all of the traffic, first */
static const struct diam_handler diam_handlers[] = {
	{ DIAM_APP_S13, DIAM_CMD_ME_IDENTITY_CHECK, true, diam_s13_rx_ecr },
	{ DIAM_APP_COMMON, DIAM_CMD_CE, true, diam_peer_rx_cer },
	{ DIAM_APP_COMMON, DIAM_CMD_DW, true, diam_peer_rx_dwr },
	{ DIAM_APP_COMMON, DIAM_CMD_DP, true, diam_peer_rx_dpr },
	{ DIAM_APP_COMMON, DIAM_CMD_DW, false, diam_peer_rx_dwa },
	{ DIAM_APP_COMMON, DIAM_CMD_DP, false, diam_peer_rx_dpa },
};

/* one store snapshot for every request of a read (never kept past the read): the verdicts inside nest into it
 * instead of renewing two read transactions each */
static void conn_read_begin(struct diam_conn *c)
{
	c->snap = eir_db_read_begin(c->srv->db) == 0;
}

static void conn_read_end(struct diam_conn *c)
{
	if (c->snap)
		eir_db_read_end(c->srv->db);
	c->snap = false;
}

static const struct diam_conn_ops conn_ops = {
	.rx = diam_peer_rx,
	.rx_bad_header = diam_peer_rx_bad_header,
	.read_begin = conn_read_begin,
	.read_end = conn_read_end,
	.timeout = diam_peer_timeout,
	.closed = diam_peer_closed,
};

/* a new connection, the cap applied; tls: one of the TLS listener */
static int adopt(struct diam_server *srv, int fd, bool tls)
{
	struct diam_conn *c, *oldest = NULL;
	unsigned n = 0;

	if (srv->shutting_down) {
		close(fd);
		return -1;
	}
	/* at the cap, sockets that never sent a CER (or were refused) must not lock the MMEs out: the oldest of them
	 * makes room; when every connection is a peer's, the new one is turned away */
	llist_for_each_entry(c, &srv->conns, list) {
		if (c->dead)
			continue;
		n++;
		if (!oldest && (c->state == DIAM_PS_WAIT_CER || c->state == DIAM_PS_REFUSED))
			oldest = c;
	}
	if (n >= srv->cfg->max_conns) {
		diam_ctr_inc(srv, DIAM_CTR_CONN_LIMIT);
		if (!oldest) {
			/* the counter counts them all */
			if (eir_ratelimit_allow(&srv->conn_log_rl, EIR_CONN_LOG_PER_SEC))
				LOGP(DDIAM, LOGL_NOTICE, "max-connections %u reached, all of them peers: new "
				     "connection refused\n", srv->cfg->max_conns);
			close(fd);
			return -1;
		}
		diam_conn_close(oldest, "max-connections reached: the oldest connection without CER makes room");
	}
	c = diam_conn_alloc(srv, fd, srv->cfg, srv->ctrs, &conn_ops);
	if (!c)
		return -1;
	diam_peer_init(c, srv);
	if (tls)
		return diam_conn_tls_accept(c, srv->ssl_ctx, &srv->tls_log_rl);
	return 0;
}

/*! Take over a connected socket as a new peer connection, as an accepted one is (the connection cap applies;
 *  the fuzz target diam_base hands it one end of a socketpair). \returns 0, or -1 when it was closed instead. */
int diam_server_adopt(struct diam_server *srv, int fd)
{
	return adopt(srv, fd, false);
}

static int accept_cb(struct osmo_stream_srv_link *link, int fd)
{
	diam_server_adopt(osmo_stream_srv_link_get_data(link), fd);
	return 0;
}

static int tls_accept_cb(struct osmo_stream_srv_link *link, int fd)
{
	adopt(osmo_stream_srv_link_get_data(link), fd, true);
	return 0;
}

struct diam_server *diam_server_alloc(void *ctx, struct diam_cfg *cfg, struct eir_db *db,
				      const struct eir_policy *policy)
{
	struct diam_server *srv = talloc_zero(ctx, struct diam_server);

	srv->ctx = srv;
	srv->cfg = cfg;
	srv->db = db;
	srv->policy = policy;
	INIT_LLIST_HEAD(&srv->conns);
	srv->origin_state_id = (uint32_t)time(NULL);
	srv->handlers = diam_handlers;
	srv->n_handlers = ARRAY_SIZE(diam_handlers);
	srv->ctrs = rate_ctr_group_alloc(srv, &diam_ctrg_desc, 0);
	srv->dec = (struct eir_decider){
		.db = db, .policy = policy, .log_ss = DDIAM, .ctrs = srv->ctrs,
		.ctr = {
			[EIR_DCTR_WHITE] = DIAM_CTR_ECA_WHITE,
			[EIR_DCTR_GREY] = DIAM_CTR_ECA_GREY,
			[EIR_DCTR_BLACK] = DIAM_CTR_ECA_BLACK,
			[EIR_DCTR_UNKNOWN] = DIAM_CTR_ECA_UNKNOWN,
			[EIR_DCTR_STORE_FAIL] = DIAM_CTR_STORE_FAIL,
			[EIR_DCTR_LOG_SUPPRESSED] = DIAM_CTR_LOG_SUPPRESSED,
		},
	};
	srv->stats = osmo_stat_item_group_alloc(srv, &diam_statg_desc, 0);
	return srv;
}

/* The TLS listener (RFC 6733 §13.1: TLS from the first byte, port 5658 by convention; over TCP only, no DTLS):
 * every peer must show a certificate of tls ca-file, and its CER's Origin-Host must be a name of it (peer.c). */
static int tls_start(struct diam_server *srv)
{
	struct diam_cfg *cfg = srv->cfg;
	struct eir_tls_opts o = { .server = true, .cert = cfg->tls_cert, .key = cfg->tls_key,
				  .ca_file = cfg->tls_ca_file, .no_tickets = true, .log_ss = DDIAM,
				  .what = "diameter tls" };

	if (!cfg->tls_cert || !cfg->tls_key || !cfg->tls_ca_file) {
		LOGP(DDIAM, LOGL_ERROR, "'tls listen' needs 'tls certificate', 'tls private-key' and 'tls ca-file' "
		     "(the CA of the peers' certificates)\n");
		return -EINVAL;
	}
	srv->ssl_ctx = eir_tls_ctx_new(&o);
	if (!srv->ssl_ctx)
		return -EINVAL;
	srv->tls_link = osmo_stream_srv_link_create(srv);
	osmo_stream_srv_link_set_addr(srv->tls_link, cfg->tls_listen_addr);
	osmo_stream_srv_link_set_port(srv->tls_link, cfg->tls_listen_port);
	osmo_stream_srv_link_set_proto(srv->tls_link, IPPROTO_TCP);
	osmo_stream_srv_link_set_nodelay(srv->tls_link, true);
	osmo_stream_srv_link_set_data(srv->tls_link, srv);
	osmo_stream_srv_link_set_accept_cb(srv->tls_link, tls_accept_cb);
	if (osmo_stream_srv_link_open(srv->tls_link) < 0) {
		LOGP(DDIAM, LOGL_ERROR, "cannot listen on %s:%u (tls): %s\n", cfg->tls_listen_addr,
		     cfg->tls_listen_port, strerror(errno));
		return -EADDRINUSE;
	}
	eir_listen_backlog(osmo_stream_srv_link_get_ofd(srv->tls_link)->fd, DDIAM, "S13 TLS");
	LOGP(DDIAM, LOGL_NOTICE, "S13 TLS on %s:%u (tcp, peer certificate of %s required, bound to Origin-Host)\n",
	     cfg->tls_listen_addr, cfg->tls_listen_port, cfg->tls_ca_file);
	return 0;
}

/*! Open the listening socket. \returns 0, or a negative errno (SCTP where the kernel has none: -EPROTONOSUPPORT) */
int diam_server_start(struct diam_server *srv)
{
	struct diam_cfg *cfg = srv->cfg;
	int rc;

	if (cfg->transport == DIAM_TRANSPORT_SCTP && !diam_sctp_available()) {
		LOGP(DDIAM, LOGL_ERROR, "SCTP configured, but this kernel has no SCTP support\n");
		return -EPROTONOSUPPORT;
	}
	srv->link = osmo_stream_srv_link_create(srv);
	osmo_stream_srv_link_set_addr(srv->link, cfg->listen_addr);
	osmo_stream_srv_link_set_port(srv->link, cfg->listen_port);
	osmo_stream_srv_link_set_proto(srv->link, cfg->transport == DIAM_TRANSPORT_SCTP ? IPPROTO_SCTP : IPPROTO_TCP);
	osmo_stream_srv_link_set_nodelay(srv->link, true);
	osmo_stream_srv_link_set_data(srv->link, srv);
	osmo_stream_srv_link_set_accept_cb(srv->link, accept_cb);
	rc = osmo_stream_srv_link_open(srv->link);
	if (rc < 0) {
		LOGP(DDIAM, LOGL_ERROR, "cannot listen on %s:%u (%s): %s\n", cfg->listen_addr, cfg->listen_port,
		     cfg->transport == DIAM_TRANSPORT_SCTP ? "sctp" : "tcp", strerror(errno));
		return -EADDRINUSE;
	}
	eir_listen_backlog(osmo_stream_srv_link_get_ofd(srv->link)->fd, DDIAM, "S13");
	if (cfg->tls_listen_addr) {
		rc = tls_start(srv);
		if (rc)
			return rc;
	}
	LOGP(DDIAM, LOGL_NOTICE, "S13 on %s:%u (%s), Origin-Host %s, Origin-Realm %s\n", cfg->listen_addr,
	     cfg->listen_port, cfg->transport == DIAM_TRANSPORT_SCTP ? "sctp" : "tcp", cfg->origin_host,
	     cfg->origin_realm);
	return 0;
}

unsigned diam_server_peer_count(const struct diam_server *srv)
{
	const struct diam_conn *c;
	unsigned n = 0;

	llist_for_each_entry(c, &srv->conns, list)
		if (c->state == DIAM_PS_OPEN && !c->dead)
			n++;
	return n;
}

/*! Call cb for every connection of srv (any state but closed), for 'show diameter peers'. */
void diam_server_foreach_peer(const struct diam_server *srv, void (*cb)(const struct diam_peer_info *p, void *data),
			      void *data)
{
	const struct diam_conn *c;
	struct timespec now;

	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	llist_for_each_entry(c, &srv->conns, list) {
		struct diam_peer_info p;

		if (c->dead)
			continue;
		p = (struct diam_peer_info){
			.name = c->name, .state = get_value_string(diam_peer_state_names, c->state),
			.origin_host = c->origin_host, .uptime_sec = (long)(now.tv_sec - c->connected.tv_sec),
			.n_rx = c->n_rx, .n_ecr = c->n_ecr, .n_err = c->n_err, .suspect = c->suspect,
		};
		cb(&p, data);
	}
}

/*! Whether every connection is gone (after diam_server_shutdown(): the DPAs are in). */
bool diam_server_idle(const struct diam_server *srv)
{
	return llist_empty(&srv->conns);
}

/*! Stop accepting, send DPR (REBOOTING) to every open peer and close the others. Connections close when their
 *  DPA arrives or the DPA timeout passes; poll diam_server_idle(). */
void diam_server_shutdown(struct diam_server *srv, void (*done_cb)(void *data), void *data)
{
	struct diam_conn *c, *tmp;

	srv->shutting_down = true;
	if (srv->link)
		osmo_stream_srv_link_close(srv->link);
	if (srv->tls_link)
		osmo_stream_srv_link_close(srv->tls_link);
	llist_for_each_entry_safe(c, tmp, &srv->conns, list)
		diam_peer_send_dpr(c, 0);
	if (done_cb)
		done_cb(data);
}

void diam_server_free(struct diam_server *srv)
{
	struct diam_conn *c, *tmp;

	llist_for_each_entry_safe(c, tmp, &srv->conns, list)
		diam_conn_close(c, "server stopped");
	if (srv->link)
		osmo_stream_srv_link_destroy(srv->link);
	if (srv->tls_link)
		osmo_stream_srv_link_destroy(srv->tls_link);
	if (srv->ssl_ctx)
		SSL_CTX_free(srv->ssl_ctx);
	/* out of libosmocore's lists of groups before their memory goes */
	rate_ctr_group_free(srv->ctrs);
	osmo_stat_item_group_free(srv->stats);
	talloc_free(srv);
}
