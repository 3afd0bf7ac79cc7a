/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Diameter base protocol of a responder (RFC 6733 §5, §6.2, §7): capabilities exchange with the peer ACL,
 * the watchdog, disconnection, answers to locally processed requests and error answers, and the dispatch of
 * requests to S13. */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <netinet/in.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/logging.h>
#include "diam_internal.h"

#define PRODUCT_NAME "osmo-eir"
#define ANSWER_BASE 512	/* room for the fixed AVPs of any answer we build */

const struct value_string diam_peer_state_names[] = {
	{ DIAM_PS_WAIT_CER, "WAIT_CER" },
	{ DIAM_PS_OPEN, "OPEN" },
	{ DIAM_PS_CLOSING, "CLOSING" },
	{ DIAM_PS_REFUSED, "REFUSED" },
	{ 0, NULL }
};

/* --- building answers --- */

/*! Start an answer to req in the connection's send queue. \returns false when there is no room (closed). */
bool diam_answer_begin(struct diam_conn *c, struct diam_enc *e, size_t need, const struct diam_hdr *req,
		       uint8_t flags)
{
	uint8_t *buf = diam_conn_tx_reserve(c, OSMO_MIN(need, (size_t)DIAM_TX_CHUNK));

	if (!buf)
		return false;
	diam_enc_init(e, buf, OSMO_MIN(need, (size_t)DIAM_TX_CHUNK));
	diam_enc_hdr(e, flags, req->cmd, req->app, req->hbh, req->e2e);
	return true;
}

void diam_answer_send(struct diam_conn *c, struct diam_enc *e)
{
	int len = diam_enc_finish(e);

	if (len < 0) {
		LOGP(DDIAM, LOGL_ERROR, "%s: answer does not fit %zu bytes: dropped\n", c->name, e->size);
		return;
	}
	diam_conn_tx_commit(c, (size_t)len);
}

static size_t min_payload(int id)
{
	if (id < 0)
		return 0;
	switch (diam_dict[id].type) {
	case DIAM_T_U32:
	case DIAM_T_I32:
	case DIAM_T_ENUM:
		return 4;
	case DIAM_T_U64:
		return 8;
	case DIAM_T_ADDRESS:
		return 2;
	default:
		return 0;
	}
}

size_t diam_failed_size(const struct diam_failed *f)
{
	switch (f->kind) {
	case DIAM_FAILED_COPY:
		return 32 + f->avp.raw_len;
	case DIAM_FAILED_NONE:
		return 0;
	default:
		return 64;
	}
}

/*! Encode a Failed-AVP for f (nothing for DIAM_FAILED_NONE). */
void diam_enc_failed(struct diam_enc *e, const struct diam_failed *f)
{
	static const uint8_t zeros[8];

	if (f->kind == DIAM_FAILED_NONE)
		return;
	diam_enc_group_begin(e, DA_FAILED_AVP);
	if (f->parent >= 0)
		diam_enc_group_begin(e, f->parent);
	switch (f->kind) {
	case DIAM_FAILED_COPY:
		diam_enc_raw(e, f->avp.raw, f->avp.raw_len);
		break;
	case DIAM_FAILED_EXAMPLE:
		diam_enc_avp_hdr(e, f->avp.code, f->avp.flags & (DIAM_AVP_V | DIAM_AVP_M), f->avp.vendor, zeros,
				 min_payload(f->avp.id));
		break;
	case DIAM_FAILED_MISSING:
		diam_enc_avp_hdr(e, diam_dict[f->missing].code, diam_dict[f->missing].flags,
				 diam_dict[f->missing].vendor, zeros, min_payload(f->missing));
		break;
	default:
		break;
	}
	if (f->parent >= 0)
		diam_enc_group_end(e);
	diam_enc_group_end(e);
}

/*! Answer a request with an error. 3xxx: the answer-message grammar with the E bit (RFC 6733 §7.2); others: the
 *  command's answer grammar, E clear, plus Auth-Session-State for S13. Session-Id and every Proxy-Info of the
 *  request are copied, in order; a request with more than DIAM_MAX_PROXY_INFO of them is answered 5009 instead,
 *  naming the first one over, as an ECR is (so that every answer fits its chunk and none is dropped). */
void diam_answer_error(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h, uint32_t code,
		       const struct diam_failed *failed, const char *errmsg)
{
	struct diam_avp_iter it;
	struct diam_avp a, sid = { .id = -1 };
	struct diam_failed excess = { .kind = DIAM_FAILED_COPY, .parent = -1 };
	struct diam_enc e;
	size_t need = ANSWER_BASE;
	unsigned n_pi = 0, i;
	bool proto;

	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	while (diam_avp_next(&it, &a) > 0) {
		if (a.id == DA_SESSION_ID && sid.id < 0) {
			sid = a;
			need += a.raw_len + 4;
		}
		if (a.id != DA_PROXY_INFO)
			continue;
		if (n_pi++ == DIAM_MAX_PROXY_INFO) {
			excess.avp = a;
			break;
		}
		need += a.raw_len + 4;
	}
	if (n_pi > DIAM_MAX_PROXY_INFO) {
		code = DIAM_AVP_OCCURS_TOO_MANY_TIMES;
		failed = &excess;
		errmsg = "too many Proxy-Info";
	}
	proto = code >= 3000 && code < 4000;
	need += (errmsg ? strlen(errmsg) : 0) + (failed ? diam_failed_size(failed) : 0);
	if (!diam_answer_begin(c, &e, need, h, (h->flags & DIAM_CMD_P) | (proto ? DIAM_CMD_E : 0)))
		return;
	if (sid.id >= 0)
		diam_enc_raw(&e, sid.raw, sid.raw_len);
	if (!proto && h->app == DIAM_APP_S13)
		diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->srv->cfg->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, c->srv->cfg->origin_realm);
	diam_enc_u32(&e, DA_RESULT_CODE, code);
	if (errmsg)
		diam_enc_cstr(&e, DA_ERROR_MESSAGE, errmsg);
	if (failed)
		diam_enc_failed(&e, failed);
	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	i = 0;
	while (i < DIAM_MAX_PROXY_INFO && diam_avp_next(&it, &a) > 0) {
		if (a.id != DA_PROXY_INFO)
			continue;
		diam_enc_raw(&e, a.raw, a.raw_len);
		i++;
	}
	diam_answer_send(c, &e);
	c->n_err++;
	if (proto)
		diam_ctr_inc(c->srv, DIAM_CTR_ANS_3XXX);
	LOGP(DDIAM, LOGL_INFO, "%s: cmd %u app %u answered %u%s%s\n", c->name, h->cmd, h->app, code,
	     errmsg ? ": " : "", errmsg ? errmsg : "");
}

/*! Answer a request whose header cannot be framed (5011 version, 5015 length: RFC 6733 §7.1.5) from its 20 header
 *  bytes alone; none of its AVPs is read. The caller closes the connection after the answer. */
void diam_peer_rx_bad_header(struct diam_conn *c, const uint8_t *hdr, uint32_t code)
{
	struct diam_hdr h;

	diam_hdr_parse(hdr, &h);
	h.len = DIAM_HDR_LEN;
	diam_answer_error(c, hdr, &h, code, NULL, code == DIAM_UNSUPPORTED_VERSION ? "Diameter version 1 only" :
			  "message length not a multiple of 4");
}

/*! Whether a Destination-Realm is ours: origin-realm or one of the served-realm lines (case-insensitive). */
bool diam_realm_served(const struct diam_cfg *cfg, const uint8_t *realm, size_t len)
{
	const struct diam_realm *r;

	if (len == strlen(cfg->origin_realm) && !strncasecmp((const char *)realm, cfg->origin_realm, len))
		return true;
	llist_for_each_entry(r, &cfg->realms, list)
		if (len == strlen(r->name) && !strncasecmp((const char *)realm, r->name, len))
			return true;
	return false;
}

/* --- base protocol messages we send --- */

static void enc_host_ip(struct diam_enc *e, const struct diam_conn *c)
{
	const struct sockaddr_storage *ss = &c->local;

	if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET, &s6->sin6_addr.s6_addr[12]);
		else
			diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET6, &s6->sin6_addr);
	} else {
		const struct sockaddr_in *s4 = (const struct sockaddr_in *)ss;

		diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET, &s4->sin_addr);
	}
}

static void send_cea(struct diam_conn *c, const struct diam_hdr *h, uint32_t code, const char *errmsg,
		     const struct diam_failed *failed)
{
	struct diam_cfg *cfg = c->srv->cfg;
	bool proto = code >= 3000 && code < 4000;
	struct diam_enc e;

	/* CER/CEA are never proxiable: P stays clear */
	if (!diam_answer_begin(c, &e, ANSWER_BASE + (failed ? diam_failed_size(failed) : 0), h,
			       proto ? DIAM_CMD_E : 0))
		return;
	diam_enc_u32(&e, DA_RESULT_CODE, code);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, cfg->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, cfg->origin_realm);
	enc_host_ip(&e, c);
	diam_enc_u32(&e, DA_VENDOR_ID, cfg->vendor_id);
	diam_enc_cstr(&e, DA_PRODUCT_NAME, PRODUCT_NAME);
	diam_enc_u32(&e, DA_ORIGIN_STATE_ID, c->srv->origin_state_id);
	if (errmsg)
		diam_enc_cstr(&e, DA_ERROR_MESSAGE, errmsg);
	if (failed)
		diam_enc_failed(&e, failed);
	diam_enc_u32(&e, DA_SUPPORTED_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	diam_answer_send(c, &e);
}

static void send_simple_answer(struct diam_conn *c, const struct diam_hdr *h, bool with_osi)
{
	struct diam_enc e;

	if (!diam_answer_begin(c, &e, ANSWER_BASE, h, 0))
		return;
	diam_enc_u32(&e, DA_RESULT_CODE, DIAM_SUCCESS);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->srv->cfg->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, c->srv->cfg->origin_realm);
	if (with_osi)
		diam_enc_u32(&e, DA_ORIGIN_STATE_ID, c->srv->origin_state_id);
	diam_answer_send(c, &e);
}

static void send_request(struct diam_conn *c, uint32_t cmd, bool dpr, uint32_t cause)
{
	struct diam_server *srv = c->srv;
	struct diam_hdr h = {
		.cmd = cmd,
		.app = DIAM_APP_COMMON,
		.hbh = ++srv->next_hbh,
		.e2e = (srv->origin_state_id << 20) | (srv->next_hbh & 0xfffff),
	};
	struct diam_enc e;

	if (!diam_answer_begin(c, &e, ANSWER_BASE, &h, DIAM_CMD_R))
		return;
	diam_enc_cstr(&e, DA_ORIGIN_HOST, srv->cfg->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, srv->cfg->origin_realm);
	if (dpr)
		diam_enc_u32(&e, DA_DISCONNECT_CAUSE, cause);
	else
		diam_enc_u32(&e, DA_ORIGIN_STATE_ID, srv->origin_state_id);
	diam_answer_send(c, &e);
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
		return true;
	}
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
	diam_server_update_stats(c->srv);
}

static void rx_cer(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
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
	diam_server_update_stats(c->srv);
	diam_conn_timer(c, c->srv->cfg->tw_sec);
	LOGP(DDIAM, LOGL_NOTICE, "%s: peer %s (realm %s) is open\n", c->name, c->origin_host, c->origin_realm);
	return;
reject:
	refuse(c);
}

/* --- dispatch --- */

static void rx_answer(struct diam_conn *c, const struct diam_hdr *h)
{
	if (h->cmd == DIAM_CMD_DW) {
		c->dw_pending = false;
		return;
	}
	if (h->cmd == DIAM_CMD_DP && c->state == DIAM_PS_CLOSING) {
		/* the receiver of the DPA closes the transport */
		diam_conn_close(c, "DPA received");
		return;
	}
	LOGP(DDIAM, LOGL_INFO, "%s: unexpected answer cmd %u hbh 0x%08x: discarded\n", c->name, h->cmd, h->hbh);
}

/*! Handle one whole message from a peer. */
void diam_peer_rx(struct diam_conn *c, const uint8_t *msg, uint32_t len)
{
	struct diam_hdr h;

	diam_hdr_parse(msg, &h);
	if (c->state == DIAM_PS_REFUSED) {
		/* counted, never answered: the CEA that refused it is the last thing this peer gets */
		diam_ctr_inc(c->srv, DIAM_CTR_RX_REFUSED);
		if (!c->n_dropped++)
			LOGP(DDIAM, LOGL_NOTICE, "%s (%s): its CER was refused: dropping what it sends (cmd %u)\n",
			     c->name, c->origin_host ? c->origin_host : "-", h.cmd);
		return;
	}
	if (c->state == DIAM_PS_WAIT_CER) {
		if (h.cmd != DIAM_CMD_CE || !(h.flags & DIAM_CMD_R) || h.app != DIAM_APP_COMMON) {
			diam_ctr_inc(c->srv, DIAM_CTR_PROTO_ERROR_CLOSE);
			diam_conn_close(c, "first message is not a CER");
			return;
		}
		if (h.flags & DIAM_CMD_E) {
			diam_ctr_inc(c->srv, DIAM_CTR_CER);
			diam_answer_error(c, msg, &h, DIAM_INVALID_HDR_BITS, NULL, "E bit set in a request");
			refuse(c);
			return;
		}
		rx_cer(c, msg, &h);
		return;
	}
	if (!(h.flags & DIAM_CMD_R)) {
		rx_answer(c, &h);
		return;
	}
	if (h.flags & DIAM_CMD_E) {
		diam_answer_error(c, msg, &h, DIAM_INVALID_HDR_BITS, NULL, "E bit set in a request");
		return;
	}
	if (h.app == DIAM_APP_S13) {
		if (h.cmd == DIAM_CMD_ME_IDENTITY_CHECK)
			diam_s13_rx_ecr(c, msg, &h);
		else
			diam_answer_error(c, msg, &h, DIAM_COMMAND_UNSUPPORTED, NULL, NULL);
		return;
	}
	if (h.app != DIAM_APP_COMMON) {
		diam_answer_error(c, msg, &h, DIAM_APPLICATION_UNSUPPORTED, NULL, NULL);
		return;
	}
	switch (h.cmd) {
	case DIAM_CMD_DW:
		diam_ctr_inc(c->srv, DIAM_CTR_DWR_RX);
		send_simple_answer(c, &h, true);
		break;
	case DIAM_CMD_DP:
		diam_ctr_inc(c->srv, DIAM_CTR_DPR_RX);
		send_simple_answer(c, &h, false);
		/* the peer closes when it has our DPA; close ourselves if it does not */
		c->state = DIAM_PS_CLOSING;
		diam_conn_timer(c, c->srv->cfg->dpa_timeout_sec);
		break;
	case DIAM_CMD_CE:
		/* a CEA like any other, refusing; the connection stays as it was */
		diam_ctr_inc(c->srv, DIAM_CTR_CER);
		diam_ctr_inc(c->srv, DIAM_CTR_CER_REJECTED);
		send_cea(c, &h, DIAM_UNABLE_TO_COMPLY, "capabilities already exchanged", NULL);
		c->n_err++;
		break;
	default:
		diam_answer_error(c, msg, &h, DIAM_COMMAND_UNSUPPORTED, NULL, NULL);
		break;
	}
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
		diam_conn_close(c, "no CER in time");
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
