/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* S13 without a connection: decode an ME-Identity-Check-Request into struct diam_ecr or the error to answer
 * (struct diam_error), and build the ECA from the request and the decision. Only the first error found is
 * reported (RFC 6733 §7). */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <osmocom/core/utils.h>

#include <osmocom/eir/imei.h>
#include <osmocom/eir/diameter/s13.h>
#include <osmocom/eir/diameter/server.h>

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

/* the error of an AVP (a, in the group parent or -1) */
static int fail(struct diam_error *err, uint32_t code, int kind, const struct diam_avp *a, int missing, int parent)
{
	diam_error_set(err, code, kind, a, missing, parent);
	return -1;
}

/* the top level of the ECR */
static int decode_top(const uint8_t *msg, const struct diam_hdr *h, struct diam_ecr *r, struct diam_error *err)
{
	struct diam_avp_iter it;
	struct diam_avp a;
	int rc;

	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		struct diam_avp *slot = NULL;

		if (!diam_avp_len_ok(&a))
			return fail(err, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, -1);
		switch (a.id) {
		case DA_SESSION_ID:
			slot = &r->session_id;
			break;
		case DA_ORIGIN_HOST:
			slot = &r->origin_host;
			break;
		case DA_ORIGIN_REALM:
			slot = &r->origin_realm;
			break;
		case DA_DESTINATION_HOST:
			slot = &r->dest_host;
			break;
		case DA_DESTINATION_REALM:
			slot = &r->dest_realm;
			break;
		case DA_TERMINAL_INFORMATION:
			slot = &r->ti;
			break;
		case DA_USER_NAME:
			slot = &r->user_name;
			break;
		case DA_AUTH_SESSION_STATE:
			slot = &r->ass;
			break;
		case DA_PROXY_INFO:
			if (r->n_proxy_info == DIAM_MAX_PROXY_INFO)
				return fail(err, DIAM_AVP_OCCURS_TOO_MANY_TIMES, DIAM_FAILED_COPY, &a, 0, -1);
			r->proxy_info[r->n_proxy_info++] = a;
			r->proxy_bytes += a.raw_len + 4;
			break;
		case -1:
			if (a.flags & DIAM_AVP_M)
				return fail(err, DIAM_AVP_UNSUPPORTED, DIAM_FAILED_COPY, &a, 0, -1);
			break;
		default:
			/* known, not used here: VSAI, DRMP, Route-Record, Supported-Features, ... */
			break;
		}
		if (slot) {
			if (slot->id >= 0)
				return fail(err, DIAM_AVP_OCCURS_TOO_MANY_TIMES, DIAM_FAILED_COPY, &a, 0, -1);
			*slot = a;
		}
	}
	if (rc < 0)
		return fail(err, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, -1);
	return 0;
}

/* Terminal-Information */
static int decode_ti(struct diam_ecr *r, struct diam_error *err)
{
	struct diam_avp_iter it;
	struct diam_avp a;
	int rc;

	diam_avp_iter_init(&it, r->ti.data, r->ti.len);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		struct diam_avp *slot = NULL;

		if (!diam_avp_len_ok(&a))
			return fail(err, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, DA_TERMINAL_INFORMATION);
		if (a.id == DA_IMEI)
			slot = &r->imei;
		else if (a.id == DA_SOFTWARE_VERSION)
			slot = &r->sv;
		else if (a.id < 0 && (a.flags & DIAM_AVP_M))
			return fail(err, DIAM_AVP_UNSUPPORTED, DIAM_FAILED_COPY, &a, 0, DA_TERMINAL_INFORMATION);
		if (slot) {
			if (slot->id >= 0)
				return fail(err, DIAM_AVP_OCCURS_TOO_MANY_TIMES, DIAM_FAILED_COPY, &a, 0,
					    DA_TERMINAL_INFORMATION);
			*slot = a;
		}
	}
	if (rc < 0)
		return fail(err, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, DA_TERMINAL_INFORMATION);
	if (r->imei.id < 0)
		return fail(err, DIAM_MISSING_AVP, DIAM_FAILED_MISSING, NULL, DA_IMEI, DA_TERMINAL_INFORMATION);
	return 0;
}

/*! Decode an ECR (h its parsed header, h->len bytes at msg) for the server of cfg (its Origin-Host, its realms).
 *  \returns 0 with *r filled, or -1 with *err the answer to give. A bad Software-Version or User-Name is no
 *  error: it is left out (r->bad_sv, r->bad_user_name say why) and the IMEI still gets its verdict, so that a
 *  handset cannot escape its check; without the IMSI no pair exception applies (the safe side). */
int diam_s13_ecr_decode(const struct diam_cfg *cfg, const uint8_t *msg, const struct diam_hdr *h,
			struct diam_ecr *r, struct diam_error *err)
{
	static const int required[] = { DA_SESSION_ID, DA_AUTH_SESSION_STATE, DA_ORIGIN_HOST, DA_ORIGIN_REALM,
					DA_DESTINATION_REALM, DA_TERMINAL_INFORMATION };
	const struct diam_avp *have[] = { &r->session_id, &r->ass, &r->origin_host, &r->origin_realm, &r->dest_realm,
					  &r->ti };
	struct eir_imei imei;
	const char *why = NULL;
	unsigned i;

	memset(r, 0, sizeof(*r));
	r->session_id.id = r->origin_host.id = r->dest_host.id = r->dest_realm.id = r->ti.id = r->imei.id = -1;
	r->sv.id = r->user_name.id = r->ass.id = r->origin_realm.id = -1;

	if (decode_top(msg, h, r, err))
		return -1;
	/* not for us: Destination-Host names another host */
	if (r->dest_host.id >= 0 &&
	    (r->dest_host.len != strlen(cfg->origin_host) ||
	     strncasecmp((const char *)r->dest_host.data, cfg->origin_host, r->dest_host.len))) {
		fail(err, DIAM_UNABLE_TO_DELIVER, DIAM_FAILED_NONE, NULL, 0, -1);
		err->errmsg = "Destination-Host is not this EIR";
		return -1;
	}
	/* no Destination-Host: for us only when Destination-Realm is a realm we serve (RFC 6733 §6.1.4) */
	if (r->dest_host.id < 0 && r->dest_realm.id >= 0 &&
	    !diam_realm_served(cfg, r->dest_realm.data, r->dest_realm.len)) {
		fail(err, DIAM_REALM_NOT_SERVED, DIAM_FAILED_NONE, NULL, 0, -1);
		err->errmsg = "Destination-Realm is not served here";
		snprintf(err->log, sizeof(err->log), "ECR for realm '%s', which is not served here",
			 osmo_escape_str((const char *)r->dest_realm.data, OSMO_MIN(r->dest_realm.len, 255u)));
		return -1;
	}
	for (i = 0; i < ARRAY_SIZE(required); i++)
		if (have[i]->id < 0)
			return fail(err, DIAM_MISSING_AVP, DIAM_FAILED_MISSING, NULL, required[i], -1);
	if (decode_ti(r, err))
		return -1;

	if (eir_imei_parse_n((const char *)r->imei.data, r->imei.len, &imei, &why)) {
		fail(err, DIAM_INVALID_AVP_VALUE, DIAM_FAILED_COPY, &r->imei, 0, DA_TERMINAL_INFORMATION);
		snprintf(err->log, sizeof(err->log), "ECR with invalid IMEI: %s", why);
		return -1;
	}
	r->imei_key = imei.key;
	r->sv_num = imei.sv;
	if (r->sv.id >= 0) {
		if (r->sv.len != 2 || r->sv.data[0] < '0' || r->sv.data[0] > '9' || r->sv.data[1] < '0' ||
		    r->sv.data[1] > '9')
			r->bad_sv = "not 2 digits";
		else
			r->sv_num = (r->sv.data[0] - '0') * 10 + (r->sv.data[1] - '0');
	}
	if (r->user_name.id >= 0) {
		if (eir_imsi_pack_n((const char *)r->user_name.data, r->user_name.len, r->imsi, &why))
			r->bad_user_name = why ? why : "not an IMSI";
		else
			r->have_imsi = true;
	}
	return 0;
}

/*! The decision step's query of a decoded ECR (iface, IMEI, SV, IMSI; node and peer are the caller's). */
void diam_s13_query(const struct diam_ecr *r, struct eir_query *q)
{
	*q = (struct eir_query){ .iface = EIR_IFACE_S13, .imei = r->imei_key, .sv = r->sv_num,
				 .imsi = r->have_imsi ? r->imsi : NULL, .imsi_str = (const char *)r->user_name.data,
				 .imsi_len = (int)r->user_name.len };
}

/*! The room the ECA of r needs (at most DIAM_ANSWER_MAX). */
size_t diam_s13_eca_size(const struct diam_ecr *r)
{
	return OSMO_MIN(320 + r->session_id.raw_len + r->proxy_bytes, (size_t)DIAM_ANSWER_MAX);
}

/*! The ECA of r for the decision d: Equipment-Status with 2001, Experimental-Result 5422 for UNKNOWN, 5012 when
 *  the decision is an error. \returns the length, or -ENOSPC. */
int diam_s13_eca_encode(uint8_t *buf, size_t size, const struct diam_ident *id, const struct diam_hdr *h,
			const struct diam_ecr *r, const struct eir_decision *d)
{
	struct diam_enc e;
	unsigned i;

	diam_enc_init(&e, buf, size);
	diam_enc_hdr(&e, h->flags & DIAM_CMD_P, h->cmd, h->app, h->hbh, h->e2e);
	diam_enc_raw(&e, r->session_id.raw, r->session_id.raw_len);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	if (!d->error && d->verdict == EIR_UNKNOWN) {
		diam_enc_group_begin(&e, DA_EXPERIMENTAL_RESULT);
		diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
		diam_enc_u32(&e, DA_EXPERIMENTAL_RESULT_CODE, DIAM_ERROR_EQUIPMENT_UNKNOWN);
		diam_enc_group_end(&e);
	} else {
		diam_enc_u32(&e, DA_RESULT_CODE, d->error ? DIAM_UNABLE_TO_COMPLY : DIAM_SUCCESS);
	}
	diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, id->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, id->origin_realm);
	if (!d->error && d->verdict != EIR_UNKNOWN)
		diam_enc_u32(&e, DA_EQUIPMENT_STATUS, (uint32_t)d->verdict);
	for (i = 0; i < r->n_proxy_info; i++)
		diam_enc_raw(&e, r->proxy_info[i].raw, r->proxy_info[i].raw_len);
	return diam_enc_finish(&e);
}
