/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Diameter base protocol of a responder (RFC 6733 §5, §6.2, §7), above the transport: the peer state machine
 * (capabilities exchange with the peer ACL, the watchdog, disconnection), the dispatch of every message through
 * the server's table of handlers, and the queueing of the answers answer.c builds. */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/tls.h>
#include "diam_internal.h"

const struct value_string diam_peer_state_names[] = {
	{ DIAM_PS_WAIT_CER, "WAIT_CER" },
	{ DIAM_PS_OPEN, "OPEN" },
	{ DIAM_PS_CLOSING, "CLOSING" },
	{ DIAM_PS_REFUSED, "REFUSED" },
	{ 0, NULL }
};

/*! A new connection of srv: a peer waiting for its CER. */
void diam_peer_init(struct diam_conn *c, struct diam_server *srv)
{
	c->srv = srv;
	c->state = DIAM_PS_WAIT_CER;
	llist_add_tail(&c->list, &srv->conns);
	diam_peer_update_stats(srv);
}

/*! Update the stat items after a connection opened, changed state or closed. */
void diam_peer_update_stats(struct diam_server *srv)
{
	const struct diam_conn *c;
	int32_t open = 0, all = 0;

	llist_for_each_entry(c, &srv->conns, list) {
		if (c->dead)
			continue;
		all++;
		if (c->state == DIAM_PS_OPEN)
			open++;
	}
	osmo_stat_item_set(osmo_stat_item_group_get_item(srv->stats, DIAM_STAT_PEERS_OPEN), open);
	osmo_stat_item_set(osmo_stat_item_group_get_item(srv->stats, DIAM_STAT_CONNS), all);
}

/*! The transport frees the connection. */
void diam_peer_closed(struct diam_conn *c)
{
	llist_del(&c->list);
	diam_peer_update_stats(c->srv);
}

/* --- queueing answers --- */

/*! An answer of len bytes (the encoder's return value) was built in the size bytes diam_conn_tx_reserve() gave:
 *  queue it, or log why it is dropped. */
void diam_peer_commit(struct diam_conn *c, int len, size_t size)
{
	if (len < 0) {
		LOGP(DDIAM, LOGL_ERROR, "%s: answer does not fit %zu bytes: dropped\n", c->name, size);
		return;
	}
	diam_conn_tx_commit(c, (size_t)len);
}

/*! Answer a request with the error err (it may become 5009: diam_error_answer_prepare()), count and log it. */
void diam_peer_answer_error(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h,
			    struct diam_error *err)
{
	const struct diam_ident id = diam_ident_of(c->srv);
	size_t size = diam_error_answer_prepare(msg, h, err);
	uint8_t *buf = diam_conn_tx_reserve(c, size);
	bool proto = diam_result_is_protocol(err->code);

	if (!buf)
		return;
	diam_peer_commit(c, diam_enc_error_answer(buf, size, &id, msg, h, err), size);
	c->n_err++;
	if (proto)
		diam_ctr_inc(c->srv, DIAM_CTR_ANS_3XXX);
	LOGP(DDIAM, LOGL_INFO, "%s: cmd %u app %u answered %u%s%s\n", c->name, h->cmd, h->app, err->code,
	     err->errmsg ? ": " : "", err->errmsg ? err->errmsg : "");
}

static void answer_error(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h, uint32_t code,
			 const char *errmsg)
{
	struct diam_error err;

	diam_error_set(&err, code, DIAM_FAILED_NONE, NULL, 0, -1);
	err.errmsg = errmsg;
	diam_peer_answer_error(c, msg, h, &err);
}

/*! A request whose header cannot be framed: answered 5011 / 5015 unless the peer was refused; then the peer is
 *  closing. \returns whether it was answered. */
bool diam_peer_rx_bad_header(struct diam_conn *c, const uint8_t *hdr, uint32_t code)
{
	struct diam_error err;
	struct diam_hdr h;

	if (c->state == DIAM_PS_REFUSED)
		return false;
	diam_bad_header_request(hdr, code, &h, &err);
	diam_peer_answer_error(c, hdr, &h, &err);
	c->state = DIAM_PS_CLOSING;
	diam_conn_timer(c, c->srv->cfg->dpa_timeout_sec);
	diam_peer_update_stats(c->srv);
	return true;
}

/* --- base protocol messages we send --- */

static void send_cea(struct diam_conn *c, const struct diam_hdr *h, uint32_t code, const char *errmsg,
		     const struct diam_failed *failed)
{
	const struct diam_ident id = diam_ident_of(c->srv);
	struct diam_error err;
	size_t size;
	uint8_t *buf;

	diam_error_set(&err, code, DIAM_FAILED_NONE, NULL, 0, -1);
	err.errmsg = errmsg;
	if (failed)
		err.failed = *failed;
	size = OSMO_MIN(diam_cea_size(&err), (size_t)DIAM_TX_CHUNK);
	buf = diam_conn_tx_reserve(c, size);
	if (buf)
		diam_peer_commit(c, diam_enc_cea(buf, size, &id, &c->local, h, &err), size);
}

static void send_base_answer(struct diam_conn *c, const struct diam_hdr *h, bool with_osi)
{
	const struct diam_ident id = diam_ident_of(c->srv);
	uint8_t *buf = diam_conn_tx_reserve(c, DIAM_ANSWER_BASE);

	if (buf)
		diam_peer_commit(c, diam_enc_base_answer(buf, DIAM_ANSWER_BASE, &id, h, with_osi),
				 DIAM_ANSWER_BASE);
}

static void send_request(struct diam_conn *c, uint32_t cmd, bool dpr, uint32_t cause)
{
	struct diam_server *srv = c->srv;
	const struct diam_ident id = diam_ident_of(srv);
	uint32_t hbh = ++srv->next_hbh;
	uint8_t *buf = diam_conn_tx_reserve(c, DIAM_ANSWER_BASE);

	if (buf)
		diam_peer_commit(c, diam_enc_base_request(buf, DIAM_ANSWER_BASE, &id, cmd, hbh,
							   (srv->origin_state_id << 20) | (hbh & 0xfffff), dpr, cause),
				 DIAM_ANSWER_BASE);
}

/*! Say goodbye: DPR with a Disconnect-Cause (0 REBOOTING), then wait for the DPA or the timeout. */
void diam_peer_send_dpr(struct diam_conn *c, uint32_t cause)
{
	if (c->state != DIAM_PS_OPEN) {
		diam_conn_close(c, "shutting down");
		return;
	}
	send_request(c, DIAM_CMD_DP, true, cause);
	diam_ctr_inc(c->srv, DIAM_CTR_DPR_TX);
	c->dpr_sent = true;
	c->state = DIAM_PS_CLOSING;
	diam_conn_timer(c, c->srv->cfg->dpa_timeout_sec);
	diam_conn_flush(c);
}

/* --- capabilities exchange --- */

static char *avp_strdup(void *ctx, const struct diam_avp *a)
{
	return talloc_strndup(ctx, (const char *)a->data, a->len);
}

static bool peer_allowed(struct diam_conn *c, const char *host, const char *realm)
{
	struct diam_peer_acl *acl;

	llist_for_each_entry(acl, &c->srv->cfg->peers, list) {
		if (strcasecmp(acl->origin_host, host))
			continue;
		if (acl->realm && strcasecmp(acl->realm, realm))
			continue;
		if (acl->addr && strcmp(acl->addr, c->ip))
			continue;
		c->rat = acl->rat_set ? acl->rat : c->srv->cfg->rat;
		return true;
	}
	c->rat = c->srv->cfg->rat;
	return c->srv->cfg->accept_unknown_peers;
}

/*! The CER was answered with an error: from now on nothing the peer sends is processed (an allow-list that let
 *  requests through after its 3010 would be no allow-list); the connection closes once the CEA is out, or after
 *  the DPA timeout when the peer does not take it. */
static void refuse(struct diam_conn *c)
{
	diam_ctr_inc(c->srv, DIAM_CTR_CER_REJECTED);
	c->close_after_flush = true;
	c->state = DIAM_PS_REFUSED;
	diam_conn_timer(c, c->srv->cfg->dpa_timeout_sec);
	diam_peer_update_stats(c->srv);
}

static void cer_exchange(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	struct diam_avp_iter it, git;
	struct diam_avp a, g, oh = { .id = -1 }, orr = { .id = -1 };
	struct diam_failed failed = { .kind = DIAM_FAILED_NONE, .parent = -1 };
	struct diam_conn *other, *tmp;
	bool common = false;
	uint32_t osi = 0;
	int rc;

	diam_ctr_inc(c->srv, DIAM_CTR_CER);
	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		if (!diam_avp_len_ok(&a)) {
			rc = -1;
			break;
		}
		switch (a.id) {
		case DA_ORIGIN_HOST:
			oh = a;
			break;
		case DA_ORIGIN_REALM:
			orr = a;
			break;
		case DA_ORIGIN_STATE_ID:
			osi = diam_avp_u32(&a);
			break;
		case DA_AUTH_APP_ID:
		case DA_ACCT_APP_ID:
			if (diam_avp_u32(&a) == DIAM_APP_S13 || diam_avp_u32(&a) == DIAM_APP_RELAY)
				common = true;
			break;
		case DA_VSAI:
			diam_avp_iter_init(&git, a.data, a.len);
			while (diam_avp_next(&git, &g) > 0)
				if ((g.id == DA_AUTH_APP_ID || g.id == DA_ACCT_APP_ID) && g.len == 4 &&
				    (diam_avp_u32(&g) == DIAM_APP_S13 || diam_avp_u32(&g) == DIAM_APP_RELAY))
					common = true;
			break;
		default:
			break;
		}
	}
	if (rc < 0) {
		failed.kind = DIAM_FAILED_EXAMPLE;
		failed.avp = a;
		send_cea(c, h, DIAM_INVALID_AVP_LENGTH, "invalid AVP length", &failed);
		goto reject;
	}
	if (oh.id < 0 || orr.id < 0) {
		failed.kind = DIAM_FAILED_MISSING;
		failed.missing = oh.id < 0 ? DA_ORIGIN_HOST : DA_ORIGIN_REALM;
		send_cea(c, h, DIAM_MISSING_AVP, NULL, &failed);
		goto reject;
	}
	c->origin_host = avp_strdup(c, &oh);
	c->origin_realm = avp_strdup(c, &orr);
	c->peer_osi = osi;
	if (!peer_allowed(c, c->origin_host, c->origin_realm)) {
		LOGP(DDIAM, LOGL_NOTICE, "%s: CER from unknown peer %s realm %s: refused\n", c->name,
		     c->origin_host, c->origin_realm);
		send_cea(c, h, DIAM_UNKNOWN_PEER, "unknown peer", NULL);
		diam_ctr_inc(c->srv, DIAM_CTR_CONN_REFUSED);
		goto reject;
	}
	/* over TLS the certificate is the peer's identity: an Origin-Host it does not name is a peer we do not know
	 * (RFC 6733 §13.1: the peer's identity must be verified; 3010 as for an Origin-Host not allowed) */
	if (c->ssl && !eir_tls_peer_names(c->ssl, c->origin_host)) {
		char subj[256];

		LOGP(DDIAM, LOGL_NOTICE, "%s: CER Origin-Host %s is not named by the peer's TLS certificate %s: "
		     "refused\n", c->name, c->origin_host, eir_tls_peer_subject(c->ssl, subj, sizeof(subj)));
		send_cea(c, h, DIAM_UNKNOWN_PEER, "Origin-Host not in the TLS certificate", NULL);
		diam_ctr_inc(c->srv, DIAM_CTR_TLS_HOST_MISMATCH);
		goto reject;
	}
	if (!common) {
		send_cea(c, h, DIAM_NO_COMMON_APPLICATION, "osmo-eir serves S13 (16777252) only", NULL);
		goto reject;
	}
	/* one connection per peer identity: a new one replaces an old one only when the peer restarted (its
	 * Origin-State-Id changed or is not sent) or the old one stopped answering */
	llist_for_each_entry_safe(other, tmp, &c->srv->conns, list) {
		if (other == c || other->dead || other->state == DIAM_PS_WAIT_CER || other->state == DIAM_PS_REFUSED ||
		    !other->origin_host || strcasecmp(other->origin_host, c->origin_host))
			continue;
		if (other->suspect || !osi || osi != other->peer_osi) {
			diam_conn_close(other, "replaced by a new connection of the same peer");
			continue;
		}
		send_cea(c, h, DIAM_UNABLE_TO_COMPLY, "peer already connected", NULL);
		goto reject;
	}
	send_cea(c, h, DIAM_SUCCESS, NULL, NULL);
	c->state = DIAM_PS_OPEN;
	diam_peer_update_stats(c->srv);
	diam_conn_timer(c, c->srv->cfg->tw_sec);
	LOGP(DDIAM, LOGL_NOTICE, "%s: peer %s (realm %s) is open\n", c->name, c->origin_host, c->origin_realm);
	return;
reject:
	refuse(c);
}

/* --- the rows of the base protocol --- */

/*! CER: the capabilities exchange of a new connection; on an open one a CEA like any other, refusing (the
 *  connection stays as it was). */
void diam_peer_rx_cer(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	if (c->state == DIAM_PS_WAIT_CER) {
		cer_exchange(c, msg, h);
		return;
	}
	diam_ctr_inc(c->srv, DIAM_CTR_CER);
	diam_ctr_inc(c->srv, DIAM_CTR_CER_REJECTED);
	send_cea(c, h, DIAM_UNABLE_TO_COMPLY, "capabilities already exchanged", NULL);
	c->n_err++;
}

void diam_peer_rx_dwr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	diam_ctr_inc(c->srv, DIAM_CTR_DWR_RX);
	send_base_answer(c, h, true);
}

void diam_peer_rx_dpr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	diam_ctr_inc(c->srv, DIAM_CTR_DPR_RX);
	send_base_answer(c, h, false);
	/* the peer closes when it has our DPA; close ourselves if it does not */
	c->state = DIAM_PS_CLOSING;
	diam_conn_timer(c, c->srv->cfg->dpa_timeout_sec);
}

void diam_peer_rx_dwa(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	c->dw_pending = false;
}

void diam_peer_rx_dpa(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	if (c->state == DIAM_PS_CLOSING && c->dpr_sent) {
		/* the receiver of the DPA closes the transport: after the answers the peer's earlier requests earned
		 * (a DPA we did not ask for, after the peer's own DPR say, closes nothing: it is discarded below) */
		diam_conn_close_when_flushed(c, "DPA received");
		return;
	}
	LOGP(DDIAM, LOGL_INFO, "%s: unexpected answer cmd %u hbh 0x%08x: discarded\n", c->name, h->cmd, h->hbh);
}

/* --- dispatch --- */

/* the row of (app, cmd, request); *app_known: whether any row has that application */
static const struct diam_handler *find_handler(const struct diam_server *srv, uint32_t app, uint32_t cmd,
					       bool request, bool *app_known)
{
	unsigned i;

	*app_known = false;
	for (i = 0; i < srv->n_handlers; i++) {
		const struct diam_handler *row = &srv->handlers[i];

		if (row->app != app)
			continue;
		*app_known = true;
		if (row->cmd == cmd && row->request == request)
			return row;
	}
	return NULL;
}

/*! Handle one whole message from a peer: the state's checks, then its row of the dispatch table. */
void diam_peer_rx(struct diam_conn *c, const uint8_t *msg, uint32_t len)
{
	const struct diam_handler *row;
	struct diam_hdr h;
	bool request, app_known;

	c->n_rx++;
	/* the peer is heard from: no longer SUSPECT (the watchdog, RFC 3539) */
	c->suspect = false;
	diam_hdr_parse(msg, &h);
	request = h.flags & DIAM_CMD_R;
	if (c->state == DIAM_PS_REFUSED) {
		/* counted, never answered: the CEA that refused it is the last thing this peer gets */
		diam_ctr_inc(c->srv, DIAM_CTR_RX_REFUSED);
		if (!c->n_dropped++)
			LOGP(DDIAM, LOGL_NOTICE, "%s (%s): its CER was refused: dropping what it sends (cmd %u)\n",
			     c->name, c->origin_host ? c->origin_host : "-", h.cmd);
		return;
	}
	if (c->state == DIAM_PS_WAIT_CER) {
		if (h.cmd != DIAM_CMD_CE || !request || h.app != DIAM_APP_COMMON) {
			diam_ctr_inc(c->srv, DIAM_CTR_PROTO_ERROR_CLOSE);
			diam_conn_close(c, "first message is not a CER");
			return;
		}
		if (h.flags & DIAM_CMD_E) {
			diam_ctr_inc(c->srv, DIAM_CTR_CER);
			answer_error(c, msg, &h, DIAM_INVALID_HDR_BITS, "E bit set in a request");
			refuse(c);
			return;
		}
	}
	if (request && (h.flags & DIAM_CMD_E)) {
		answer_error(c, msg, &h, DIAM_INVALID_HDR_BITS, "E bit set in a request");
		return;
	}
	row = find_handler(c->srv, h.app, h.cmd, request, &app_known);
	if (row) {
		row->fn(c, msg, &h);
		return;
	}
	if (!request)
		LOGP(DDIAM, LOGL_INFO, "%s: unexpected answer cmd %u hbh 0x%08x: discarded\n", c->name, h.cmd, h.hbh);
	else
		answer_error(c, msg, &h, app_known ? DIAM_COMMAND_UNSUPPORTED : DIAM_APPLICATION_UNSUPPORTED, NULL);
}

/*! The connection's timer: CER wait, watchdog (RFC 3539 as freeDiameter does it: DWR after Tw of silence,
 *  SUSPECT after another Tw, closed after 2 Tw more), or the end of closing. */
void diam_peer_timeout(struct diam_conn *c)
{
	struct timespec now;
	unsigned tw = c->srv->cfg->tw_sec;
	long idle;

	switch (c->state) {
	case DIAM_PS_WAIT_CER:
		diam_ctr_inc(c->srv, DIAM_CTR_PROTO_ERROR_CLOSE);
		diam_conn_close(c, c->ssl && !c->tls_up ? "no TLS handshake in time" : "no CER in time");
		return;
	case DIAM_PS_CLOSING:
	case DIAM_PS_REFUSED:
		diam_conn_close(c, "closing timeout");
		return;
	case DIAM_PS_OPEN:
		break;
	}
	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	idle = now.tv_sec - c->last_rx.tv_sec;
	if (!c->dw_pending && idle < (long)tw) {
		diam_conn_timer(c, tw - (unsigned)idle);
		return;
	}
	if (!c->dw_pending) {
		send_request(c, DIAM_CMD_DW, false, 0);
		diam_ctr_inc(c->srv, DIAM_CTR_DWR_TX);
		c->dw_pending = true;
		diam_conn_timer(c, tw);
		return;
	}
	if (!c->suspect) {
		LOGP(DDIAM, LOGL_NOTICE, "%s (%s): no answer to DWR: SUSPECT\n", c->name, c->origin_host);
		c->suspect = true;
		diam_conn_timer(c, 2 * tw);
		return;
	}
	diam_conn_close(c, "watchdog: peer does not answer");
}
