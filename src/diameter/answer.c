/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The answers of the Diameter responder built into a buffer (RFC 6733 §6.2, §7): error answers with Failed-AVP,
 * CEA, DWA, DPA, and the DWR/DPR we send. Knows no connection: the peer layer hands it a buffer of its send
 * queue, a unit test a local one. */

#include <string.h>
#include <netinet/in.h>

#include <osmocom/core/utils.h>

#include <osmocom/eir/diameter/answer.h>

#define PRODUCT_NAME "osmo-eir"

/*! Fill err with a Result-Code and what its Failed-AVP holds (kind DIAM_FAILED_*, a the offending AVP or NULL). */
void diam_error_set(struct diam_error *err, uint32_t code, int kind, const struct diam_avp *a, int missing,
		    int parent)
{
	memset(err, 0, sizeof(*err));
	err->code = code;
	err->failed.kind = kind;
	err->failed.missing = missing;
	err->failed.parent = parent;
	if (a)
		err->failed.avp = *a;
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

static void enc_begin(struct diam_enc *e, uint8_t *buf, size_t size, const struct diam_hdr *req, uint8_t flags)
{
	diam_enc_init(e, buf, size);
	diam_enc_hdr(e, flags, req->cmd, req->app, req->hbh, req->e2e);
}

/*! Before answering a request with an error: a request with more than DIAM_MAX_PROXY_INFO Proxy-Info is answered
 *  5009 instead, naming the first one over, as an ECR is (so that every answer fits its buffer and none is
 *  dropped); err is changed then. \returns the room the answer needs (at most DIAM_ANSWER_MAX). */
size_t diam_error_answer_prepare(const uint8_t *msg, const struct diam_hdr *h, struct diam_error *err)
{
	struct diam_avp_iter it;
	struct diam_avp a;
	bool sid = false;
	size_t need = DIAM_ANSWER_BASE;
	unsigned n_pi = 0;

	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	while (diam_avp_next(&it, &a) > 0) {
		if (a.id == DA_SESSION_ID && !sid) {
			sid = true;
			need += a.raw_len + 4;
		}
		if (a.id != DA_PROXY_INFO)
			continue;
		if (n_pi++ == DIAM_MAX_PROXY_INFO) {
			err->code = DIAM_AVP_OCCURS_TOO_MANY_TIMES;
			err->failed = (struct diam_failed){ .kind = DIAM_FAILED_COPY, .avp = a, .parent = -1 };
			err->errmsg = "too many Proxy-Info";
			break;
		}
		need += a.raw_len + 4;
	}
	need += (err->errmsg ? strlen(err->errmsg) : 0) + diam_failed_size(&err->failed);
	return OSMO_MIN(need, (size_t)DIAM_ANSWER_MAX);
}

/*! Answer a request with an error (err as diam_error_answer_prepare() left it). 3xxx: the answer-message grammar
 *  with the E bit (RFC 6733 §7.2); others: the command's answer grammar, E clear, plus Auth-Session-State for
 *  S13. Session-Id and the request's Proxy-Infos are copied, in order. \returns the length, or -ENOSPC. */
int diam_enc_error_answer(uint8_t *buf, size_t size, const struct diam_ident *id, const uint8_t *msg,
			  const struct diam_hdr *h, const struct diam_error *err)
{
	struct diam_avp_iter it;
	struct diam_avp a;
	struct diam_enc e;
	bool proto = diam_result_is_protocol(err->code);
	unsigned i;

	enc_begin(&e, buf, size, h, (h->flags & DIAM_CMD_P) | (proto ? DIAM_CMD_E : 0));
	/* the first Session-Id, as diam_error_answer_prepare() counted it: before any Proxy-Info over the limit */
	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	i = 0;
	while (diam_avp_next(&it, &a) > 0) {
		if (a.id == DA_SESSION_ID) {
			diam_enc_raw(&e, a.raw, a.raw_len);
			break;
		}
		if (a.id == DA_PROXY_INFO && i++ == DIAM_MAX_PROXY_INFO)
			break;
	}
	if (!proto && h->app == DIAM_APP_S13)
		diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, id->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, id->origin_realm);
	diam_enc_u32(&e, DA_RESULT_CODE, err->code);
	if (err->errmsg)
		diam_enc_cstr(&e, DA_ERROR_MESSAGE, err->errmsg);
	diam_enc_failed(&e, &err->failed);
	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	i = 0;
	while (i < DIAM_MAX_PROXY_INFO && diam_avp_next(&it, &a) > 0) {
		if (a.id != DA_PROXY_INFO)
			continue;
		diam_enc_raw(&e, a.raw, a.raw_len);
		i++;
	}
	return diam_enc_finish(&e);
}

/*! A request whose header cannot be framed (5011 version, 5015 length: RFC 6733 §7.1.5) is answered from its 20
 *  header bytes alone; none of its AVPs is read: h and err describe it for diam_enc_error_answer(). */
void diam_bad_header_request(const uint8_t *hdr, uint32_t code, struct diam_hdr *h, struct diam_error *err)
{
	diam_hdr_parse(hdr, h);
	h->len = DIAM_HDR_LEN;
	diam_error_set(err, code, DIAM_FAILED_NONE, NULL, 0, -1);
	err->errmsg = code == DIAM_UNSUPPORTED_VERSION ? "Diameter version 1 only" :
		"message length not a multiple of 4";
}

static void enc_host_ip(struct diam_enc *e, const struct sockaddr_storage *ss)
{
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

size_t diam_cea_size(const struct diam_error *err)
{
	return DIAM_ANSWER_BASE + diam_failed_size(&err->failed);
}

/*! The CEA: err->code DIAM_SUCCESS, or the refusal with its Error-Message and Failed-AVP. local is our address on
 *  the connection (Host-IP-Address). \returns the length, or -ENOSPC. */
int diam_enc_cea(uint8_t *buf, size_t size, const struct diam_ident *id, const struct sockaddr_storage *local,
		 const struct diam_hdr *req, const struct diam_error *err)
{
	struct diam_enc e;

	/* CER/CEA are never proxiable: P stays clear */
	enc_begin(&e, buf, size, req, diam_result_is_protocol(err->code) ? DIAM_CMD_E : 0);
	diam_enc_u32(&e, DA_RESULT_CODE, err->code);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, id->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, id->origin_realm);
	enc_host_ip(&e, local);
	diam_enc_u32(&e, DA_VENDOR_ID, id->vendor_id);
	diam_enc_cstr(&e, DA_PRODUCT_NAME, PRODUCT_NAME);
	diam_enc_u32(&e, DA_ORIGIN_STATE_ID, id->origin_state_id);
	if (err->errmsg)
		diam_enc_cstr(&e, DA_ERROR_MESSAGE, err->errmsg);
	diam_enc_failed(&e, &err->failed);
	diam_enc_u32(&e, DA_SUPPORTED_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	return diam_enc_finish(&e);
}

/*! DWA (with_osi) or DPA: 2001, our identity. \returns the length, or -ENOSPC. */
int diam_enc_base_answer(uint8_t *buf, size_t size, const struct diam_ident *id, const struct diam_hdr *req,
			 bool with_osi)
{
	struct diam_enc e;

	enc_begin(&e, buf, size, req, 0);
	diam_enc_u32(&e, DA_RESULT_CODE, DIAM_SUCCESS);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, id->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, id->origin_realm);
	if (with_osi)
		diam_enc_u32(&e, DA_ORIGIN_STATE_ID, id->origin_state_id);
	return diam_enc_finish(&e);
}

/*! DWR, or DPR (dpr) with its Disconnect-Cause. \returns the length, or -ENOSPC. */
int diam_enc_base_request(uint8_t *buf, size_t size, const struct diam_ident *id, uint32_t cmd, uint32_t hbh,
			  uint32_t e2e, bool dpr, uint32_t cause)
{
	struct diam_hdr h = { .cmd = cmd, .app = DIAM_APP_COMMON, .hbh = hbh, .e2e = e2e };
	struct diam_enc e;

	enc_begin(&e, buf, size, &h, DIAM_CMD_R);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, id->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, id->origin_realm);
	if (dpr)
		diam_enc_u32(&e, DA_DISCONNECT_CAUSE, cause);
	else
		diam_enc_u32(&e, DA_ORIGIN_STATE_ID, id->origin_state_id);
	return diam_enc_finish(&e);
}
