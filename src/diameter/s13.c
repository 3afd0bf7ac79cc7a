/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* S13 (TS 29.272 §5.2.4, §7.2.19-20): decode an ME-Identity-Check-Request, ask eir_check(), answer. */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include "diam_internal.h"

struct ecr {
	struct diam_avp session_id, origin_host, dest_host, dest_realm, ti, imei, sv, user_name, ass, origin_realm;
	struct diam_avp proxy_info[DIAM_MAX_PROXY_INFO];
	unsigned n_proxy_info;
	size_t proxy_bytes;
};

static void fail(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h, uint32_t code, int kind,
		 const struct diam_avp *a, int missing, int parent)
{
	struct diam_failed f = { .kind = kind, .missing = missing, .parent = parent };

	if (a)
		f.avp = *a;
	diam_ctr_inc(c->srv, DIAM_CTR_ECA_ERROR);
	diam_answer_error(c, msg, h, code, &f, NULL);
}

/* Decode the ECR's top level and Terminal-Information. \returns 0, or answers the error itself and returns -1.
 * Only the first error found is reported (RFC 6733 §7). */
static int ecr_decode(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h, struct ecr *r)
{
	struct diam_avp_iter it;
	struct diam_avp a;
	int rc;

	memset(r, 0, sizeof(*r));
	r->session_id.id = r->origin_host.id = r->dest_host.id = r->dest_realm.id = r->ti.id = r->imei.id = -1;
	r->sv.id = r->user_name.id = r->ass.id = r->origin_realm.id = -1;

	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		struct diam_avp *slot = NULL;

		if (!diam_avp_len_ok(&a)) {
			fail(c, msg, h, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, -1);
			return -1;
		}
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
			if (r->n_proxy_info == DIAM_MAX_PROXY_INFO) {
				fail(c, msg, h, DIAM_AVP_OCCURS_TOO_MANY_TIMES, DIAM_FAILED_COPY, &a, 0, -1);
				return -1;
			}
			r->proxy_info[r->n_proxy_info++] = a;
			r->proxy_bytes += a.raw_len + 4;
			break;
		case -1:
			if (a.flags & DIAM_AVP_M) {
				fail(c, msg, h, DIAM_AVP_UNSUPPORTED, DIAM_FAILED_COPY, &a, 0, -1);
				return -1;
			}
			break;
		default:
			/* known, not used here: VSAI, DRMP, Route-Record, Supported-Features, ... */
			break;
		}
		if (slot) {
			if (slot->id >= 0) {
				fail(c, msg, h, DIAM_AVP_OCCURS_TOO_MANY_TIMES, DIAM_FAILED_COPY, &a, 0, -1);
				return -1;
			}
			*slot = a;
		}
	}
	if (rc < 0) {
		fail(c, msg, h, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, -1);
		return -1;
	}

	/* not for us: Destination-Host names another host */
	if (r->dest_host.id >= 0 && (r->dest_host.len != strlen(c->srv->cfg->origin_host) ||
				     strncasecmp((const char *)r->dest_host.data, c->srv->cfg->origin_host,
						 r->dest_host.len))) {
		diam_ctr_inc(c->srv, DIAM_CTR_ECA_ERROR);
		diam_answer_error(c, msg, h, DIAM_UNABLE_TO_DELIVER, NULL, "Destination-Host is not this EIR");
		return -1;
	}
	/* no Destination-Host: for us only when Destination-Realm is a realm we serve (RFC 6733 §6.1.4) */
	if (r->dest_host.id < 0 && r->dest_realm.id >= 0 &&
	    !diam_realm_served(c->srv->cfg, r->dest_realm.data, r->dest_realm.len)) {
		LOGP(DDIAM, LOGL_INFO, "%s: ECR for realm '%s', which is not served here\n", c->name,
		     osmo_escape_str((const char *)r->dest_realm.data, OSMO_MIN(r->dest_realm.len, 255u)));
		diam_ctr_inc(c->srv, DIAM_CTR_ECA_ERROR);
		diam_answer_error(c, msg, h, DIAM_REALM_NOT_SERVED, NULL, "Destination-Realm is not served here");
		return -1;
	}

	{
		static const int required[] = { DA_SESSION_ID, DA_AUTH_SESSION_STATE, DA_ORIGIN_HOST, DA_ORIGIN_REALM,
						DA_DESTINATION_REALM, DA_TERMINAL_INFORMATION };
		const struct diam_avp *have[] = { &r->session_id, &r->ass, &r->origin_host, &r->origin_realm,
						  &r->dest_realm, &r->ti };
		unsigned i;

		for (i = 0; i < ARRAY_SIZE(required); i++) {
			if (have[i]->id < 0) {
				fail(c, msg, h, DIAM_MISSING_AVP, DIAM_FAILED_MISSING, NULL, required[i], -1);
				return -1;
			}
		}
	}

	diam_avp_iter_init(&it, r->ti.data, r->ti.len);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		struct diam_avp *slot = NULL;

		if (!diam_avp_len_ok(&a)) {
			fail(c, msg, h, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, DA_TERMINAL_INFORMATION);
			return -1;
		}
		if (a.id == DA_IMEI)
			slot = &r->imei;
		else if (a.id == DA_SOFTWARE_VERSION)
			slot = &r->sv;
		else if (a.id < 0 && (a.flags & DIAM_AVP_M)) {
			fail(c, msg, h, DIAM_AVP_UNSUPPORTED, DIAM_FAILED_COPY, &a, 0, DA_TERMINAL_INFORMATION);
			return -1;
		}
		if (slot) {
			if (slot->id >= 0) {
				fail(c, msg, h, DIAM_AVP_OCCURS_TOO_MANY_TIMES, DIAM_FAILED_COPY, &a, 0,
				     DA_TERMINAL_INFORMATION);
				return -1;
			}
			*slot = a;
		}
	}
	if (rc < 0) {
		fail(c, msg, h, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, DA_TERMINAL_INFORMATION);
		return -1;
	}
	if (r->imei.id < 0) {
		fail(c, msg, h, DIAM_MISSING_AVP, DIAM_FAILED_MISSING, NULL, DA_IMEI, DA_TERMINAL_INFORMATION);
		return -1;
	}
	return 0;
}

static void send_eca(struct diam_conn *c, const struct diam_hdr *h, const struct ecr *r, bool ok, uint32_t code,
		     enum eir_verdict v)
{
	struct diam_enc e;
	unsigned i;

	if (!diam_answer_begin(c, &e, 320 + r->session_id.raw_len + r->proxy_bytes, h, h->flags & DIAM_CMD_P))
		return;
	diam_enc_raw(&e, r->session_id.raw, r->session_id.raw_len);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	if (ok && v == EIR_UNKNOWN) {
		diam_enc_group_begin(&e, DA_EXPERIMENTAL_RESULT);
		diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
		diam_enc_u32(&e, DA_EXPERIMENTAL_RESULT_CODE, DIAM_ERROR_EQUIPMENT_UNKNOWN);
		diam_enc_group_end(&e);
	} else {
		diam_enc_u32(&e, DA_RESULT_CODE, code);
	}
	diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->srv->cfg->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, c->srv->cfg->origin_realm);
	if (ok && v != EIR_UNKNOWN)
		diam_enc_u32(&e, DA_EQUIPMENT_STATUS, (uint32_t)v);
	for (i = 0; i < r->n_proxy_info; i++)
		diam_enc_raw(&e, r->proxy_info[i].raw, r->proxy_info[i].raw_len);
	diam_answer_send(c, &e);
}

void diam_s13_rx_ecr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	struct diam_server *srv = c->srv;
	struct ecr r;
	struct eir_imei imei;
	struct eir_query q;
	struct eir_decision d;
	uint8_t imsi[8];
	const char *why = NULL;
	bool have_imsi = false;
	int sv;

	diam_ctr_inc(srv, DIAM_CTR_ECR);
	c->n_ecr++;
	/* requests still arriving while DPR/DPA are on their way (a graceful restart) get their verdict too */
	if (ecr_decode(c, msg, h, &r))
		return;
	if (eir_imei_parse_n((const char *)r.imei.data, r.imei.len, &imei, &why)) {
		LOGP(DDIAM, LOGL_INFO, "%s: ECR with invalid IMEI: %s\n", c->name, why);
		fail(c, msg, h, DIAM_INVALID_AVP_VALUE, DIAM_FAILED_COPY, &r.imei, 0, DA_TERMINAL_INFORMATION);
		return;
	}
	/* a bad Software-Version or User-Name must not let the handset escape its check: both are left out and the
	 * IMEI still gets its verdict; without the IMSI no pair exception applies (the safe side) */
	sv = imei.sv;
	if (r.sv.id >= 0) {
		if (r.sv.len != 2 || r.sv.data[0] < '0' || r.sv.data[0] > '9' || r.sv.data[1] < '0' ||
		    r.sv.data[1] > '9') {
			LOGP(DDIAM, LOGL_INFO, "%s: ECR with invalid Software-Version (%u bytes): ignored\n", c->name,
			     r.sv.len);
			diam_ctr_inc(srv, DIAM_CTR_ECR_BAD_SV);
		} else {
			sv = (r.sv.data[0] - '0') * 10 + (r.sv.data[1] - '0');
		}
	}
	if (r.user_name.id >= 0) {
		if (eir_imsi_pack_n((const char *)r.user_name.data, r.user_name.len, imsi, &why)) {
			LOGP(DDIAM, LOGL_INFO, "%s: ECR with invalid User-Name: %s: ignored, no pair exception\n",
			     c->name, why);
			diam_ctr_inc(srv, DIAM_CTR_ECR_BAD_USER_NAME);
		} else {
			have_imsi = true;
		}
	}

	q = (struct eir_query){ .iface = EIR_IFACE_S13, .imei = imei.key, .sv = sv, .imsi = have_imsi ? imsi : NULL,
				.imsi_str = (const char *)r.user_name.data, .imsi_len = r.user_name.len,
				.node = c->origin_host, .peer = c->name };
	eir_decide(&srv->dec, &q, &d);
	if (d.error) {
		diam_ctr_inc(srv, DIAM_CTR_ECA_ERROR);
		send_eca(c, h, &r, false, DIAM_UNABLE_TO_COMPLY, EIR_UNKNOWN);
		return;
	}
	send_eca(c, h, &r, true, DIAM_SUCCESS, d.verdict);
}
