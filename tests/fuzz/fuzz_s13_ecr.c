/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the whole ECR -> ECA path without a socket, as src/diameter/s13.c runs it: the S13 decoder
 * (diam_s13_ecr_decode()), the decision step (eir_decide()) against a small store made at start in a temporary
 * directory (store.c), and the ECA or error answer encoders. The input is the message; its header is made one
 * the transport would hand over (version 1, its length a multiple of 4, R set, E clear, ECR of S13). Every
 * request gets exactly one answer (the only documented drop, an answer over its buffer, needs an Origin-Host
 * longer than the one here); the answer is a valid Diameter message with the request's command, application,
 * hop-by-hop and end-to-end ids, P copied, E set exactly for 3xxx, the request's first Session-Id, and a
 * Result-Code (or the Experimental-Result 5422) of the allowed set. */

#include <string.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/db.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/diameter/s13.h>
#include <osmocom/eir/diameter/server.h>
#include "fuzz.h"

static void *ctx;
static struct eir_db *db;
static struct eir_policy policy = EIR_POLICY_DEFAULT;
static struct eir_decider dec;
static struct diam_cfg cfg;
static const struct diam_ident id = { .origin_host = "eir.example.org", .origin_realm = "example.org" };
static uint8_t req[DIAM_MAX_MSG_SIZE_LIMIT], ans[DIAM_ANSWER_MAX];

static void init(void)
{
	struct diam_realm *r;

	ctx = talloc_named_const(NULL, 0, "fuzz_s13_ecr");
	db = fuzz_store(ctx);
	/* the verdict log is rate limited to 0 lines: the fuzzer's output stays its own */
	policy.log_verdict_per_sec = 0;
	dec = (struct eir_decider){ .db = db, .policy = &policy, .log_ss = 0 };
	cfg.origin_host = talloc_strdup(ctx, id.origin_host);
	cfg.origin_realm = talloc_strdup(ctx, id.origin_realm);
	INIT_LLIST_HEAD(&cfg.peers);
	INIT_LLIST_HEAD(&cfg.realms);
	r = talloc_zero(ctx, struct diam_realm);
	r->name = talloc_strdup(r, "served.example.com");
	llist_add_tail(&r->list, &cfg.realms);
}

static bool allowed(uint32_t code)
{
	switch (code) {
	case DIAM_SUCCESS:
	case DIAM_UNABLE_TO_DELIVER:
	case DIAM_REALM_NOT_SERVED:
	case DIAM_AVP_UNSUPPORTED:
	case DIAM_INVALID_AVP_VALUE:
	case DIAM_MISSING_AVP:
	case DIAM_AVP_OCCURS_TOO_MANY_TIMES:
	case DIAM_UNABLE_TO_COMPLY:
	case DIAM_INVALID_AVP_LENGTH:
		return true;
	default:
		return false;
	}
}

/* the answer of n bytes to the request h */
static void check_answer(const struct diam_hdr *h, int n, const struct diam_avp *sid)
{
	struct diam_avp_iter it;
	struct diam_avp a, g;
	struct diam_hdr ah;
	uint32_t code = 0;
	bool have_sid = false, first = true, exp = false;
	int rc;

	FUZZ_ASSERT(n >= DIAM_HDR_LEN && (n & 3) == 0 && n <= DIAM_ANSWER_MAX);
	diam_hdr_parse(ans, &ah);
	FUZZ_ASSERT(ah.version == DIAM_VERSION && ah.len == (uint32_t)n && !(ah.flags & DIAM_CMD_R));
	FUZZ_ASSERT(ah.cmd == h->cmd && ah.app == h->app && ah.hbh == h->hbh && ah.e2e == h->e2e);
	FUZZ_ASSERT((ah.flags & DIAM_CMD_P) == (h->flags & DIAM_CMD_P));
	diam_avp_iter_init(&it, ans + DIAM_HDR_LEN, (size_t)n - DIAM_HDR_LEN);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		FUZZ_ASSERT(diam_avp_len_ok(&a));
		if (a.id == DA_SESSION_ID) {
			/* the request's, and first */
			FUZZ_ASSERT(first && !have_sid && sid && a.raw_len == sid->raw_len &&
				    !memcmp(a.raw, sid->raw, a.raw_len));
			have_sid = true;
		} else if (a.id == DA_RESULT_CODE) {
			FUZZ_ASSERT(!code);
			code = diam_avp_u32(&a);
		} else if (a.id == DA_EXPERIMENTAL_RESULT) {
			FUZZ_ASSERT(!code && diam_avp_find(a.data, a.len, DA_EXPERIMENTAL_RESULT_CODE, &g) > 0);
			code = diam_avp_u32(&g);
			FUZZ_ASSERT(code == DIAM_ERROR_EQUIPMENT_UNKNOWN);
			exp = true;
		}
		first = false;
	}
	FUZZ_ASSERT(rc == 0);
	FUZZ_ASSERT(code && (exp || allowed(code)));
	FUZZ_ASSERT(!!(ah.flags & DIAM_CMD_E) == diam_result_is_protocol(code));
	FUZZ_ASSERT(have_sid == !!sid);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diam_avp_iter it;
	struct diam_avp a, sid_avp, *sid = NULL;
	struct diam_hdr h;
	struct diam_ecr r;
	struct diam_error err;
	size_t len = OSMO_MIN(size, sizeof(req)) & ~(size_t)3;
	unsigned n_pi = 0;
	int n;

	if (!ctx)
		init();
	if (len < DIAM_HDR_LEN)
		return 0;
	memcpy(req, data, len);
	req[0] = DIAM_VERSION;
	req[1] = (uint8_t)(len >> 16);
	req[2] = (uint8_t)(len >> 8);
	req[3] = (uint8_t)len;
	req[4] = (req[4] | DIAM_CMD_R) & ~DIAM_CMD_E;
	req[5] = 0;
	req[6] = DIAM_CMD_ME_IDENTITY_CHECK >> 8;
	req[7] = DIAM_CMD_ME_IDENTITY_CHECK & 0xff;
	req[8] = DIAM_APP_S13 >> 24;
	req[9] = (DIAM_APP_S13 >> 16) & 0xff;
	req[10] = (DIAM_APP_S13 >> 8) & 0xff;
	req[11] = DIAM_APP_S13 & 0xff;
	diam_hdr_parse(req, &h);

	/* the Session-Id the answer must carry: the first, unless more than DIAM_MAX_PROXY_INFO Proxy-Info or a
	 * broken AVP come before it */
	diam_avp_iter_init(&it, req + DIAM_HDR_LEN, len - DIAM_HDR_LEN);
	while (diam_avp_next(&it, &a) > 0) {
		if (a.id == DA_SESSION_ID) {
			sid_avp = a;
			sid = &sid_avp;
			break;
		}
		if (a.id == DA_PROXY_INFO && n_pi++ == DIAM_MAX_PROXY_INFO)
			break;
	}

	if (diam_s13_ecr_decode(&cfg, req, &h, &r, &err)) {
		size_t need = diam_error_answer_prepare(req, &h, &err);

		FUZZ_ASSERT(err.code != DIAM_SUCCESS && need <= sizeof(ans));
		n = diam_enc_error_answer(ans, need, &id, req, &h, &err);
	} else {
		struct eir_query q;
		struct eir_decision d;

		FUZZ_ASSERT(r.session_id.id == DA_SESSION_ID && r.imei.id == DA_IMEI &&
			    r.imei_key < 100000000000000ULL);
		FUZZ_ASSERT(r.sv_num >= -1 && r.sv_num <= 99 && r.n_proxy_info <= DIAM_MAX_PROXY_INFO);
		diam_s13_query(&r, &q);
		q.node = "mme.example.org";
		q.peer = "fuzz";
		eir_decide(&dec, &q, &d);
		FUZZ_ASSERT(!d.error);
		n = diam_s13_eca_encode(ans, diam_s13_eca_size(&r), &id, &h, &r, &d);
	}
	check_answer(&h, n, sid);
	return 0;
}
