/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The verdict engine's precedence table: each level against the next, and the "why" it gives; national rows
 * keyed by (IMEI, IMSI, MSISDN), each MSISDN's row leaving on its own. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/eir/check.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>

static uint64_t imei(const char *s)
{
	struct eir_imei im;

	OSMO_ASSERT(eir_imei_parse(s, &im, NULL) == 0);
	return im.key;
}

struct row {
	enum eir_db_part part;
	enum eir_db_table t;
	const char *imei;
	const char *last_or_imsi;
	enum eir_list list;
	const char *reason;
	const char *msisdn;
};

/* the data: national rows as a feed would write them, local rows as an operator would */
static const struct row rows[] = {
	/* A: national blacklist, national exception for Y, local pair for Y (black) */
	{ EIR_DB_NATIONAL, EIR_T_IMEI, "35000001000001", NULL, EIR_LIST_BLACK, "Reported stolen" },
	{ EIR_DB_NATIONAL, EIR_T_EXC, "35000001000001", "001010000000002", EIR_LIST_WHITE, NULL },
	{ EIR_DB_LOCAL, EIR_T_PAIR, "35000001000001", "001010000000002", EIR_LIST_BLACK, "Fraud on this account" },
	{ EIR_DB_NATIONAL, EIR_T_EXC, "35000001000001", "001010000000003", EIR_LIST_WHITE, NULL },
	/* B: local black entry, national exception for X */
	{ EIR_DB_LOCAL, EIR_T_IMEI, "35000001000002", NULL, EIR_LIST_BLACK, "Operator block" },
	{ EIR_DB_NATIONAL, EIR_T_EXC, "35000001000002", "001010000000001", EIR_LIST_WHITE, NULL },
	/* C: national blacklist, local white entry (an audited unblock) */
	{ EIR_DB_NATIONAL, EIR_T_IMEI, "35000001000003", NULL, EIR_LIST_BLACK, "Reported lost" },
	{ EIR_DB_LOCAL, EIR_T_IMEI, "35000001000003", NULL, EIR_LIST_WHITE, "Recovered, ticket 42" },
	/* D: national blacklist and notification */
	{ EIR_DB_NATIONAL, EIR_T_IMEI, "35000001000004", NULL, EIR_LIST_BLACK, "Reported stolen" },
	{ EIR_DB_NATIONAL, EIR_T_NOTIF, "35000001000004", "001010000000001", EIR_LIST_GREY, NULL },
	/* E: national notification inside a local white range */
	{ EIR_DB_NATIONAL, EIR_T_NOTIF, "35000002000005", "001010000000009", EIR_LIST_GREY, NULL },
	{ EIR_DB_LOCAL, EIR_T_RANGE, "35000002000000", "35000002000099", EIR_LIST_WHITE, "Test devices" },
	/* F: national blacklist inside a whitelisted TAC */
	{ EIR_DB_NATIONAL, EIR_T_IMEI, "35000003123456", NULL, EIR_LIST_BLACK, "Reported stolen" },
	{ EIR_DB_LOCAL, EIR_T_RANGE, "35000003000000", "35000003999999", EIR_LIST_WHITE, "Approved model" },
	/* G: a black range; H: on no list */
	{ EIR_DB_LOCAL, EIR_T_RANGE, "35000004000100", "35000004000199", EIR_LIST_BLACK, "Counterfeit batch" },
	/* I: a local pair only */
	{ EIR_DB_LOCAL, EIR_T_PAIR, "35000005000001", "001010000000002", EIR_LIST_GREY, NULL },
	/* J: a local grey entry inside a black range: the exact entry wins */
	{ EIR_DB_LOCAL, EIR_T_IMEI, "35000004000150", NULL, EIR_LIST_GREY, "Under investigation" },
	/* K: national blacklist; one pair excepted under two MSISDNs, another IMSI under one */
	{ EIR_DB_NATIONAL, EIR_T_IMEI, "35000006000001", NULL, EIR_LIST_BLACK, "Reported stolen" },
	{ EIR_DB_NATIONAL, EIR_T_EXC, "35000006000001", "001010000000001", EIR_LIST_WHITE, NULL, "447700900001" },
	{ EIR_DB_NATIONAL, EIR_T_EXC, "35000006000001", "001010000000001", EIR_LIST_WHITE, NULL, "447700900002" },
	{ EIR_DB_NATIONAL, EIR_T_EXC, "35000006000001", "001010000000002", EIR_LIST_WHITE, NULL, "447700900003" },
	/* L: notifications under two IMSIs, one of them under two MSISDNs */
	{ EIR_DB_NATIONAL, EIR_T_NOTIF, "35000006000002", "001010000000001", EIR_LIST_GREY, "Duplicate",
	  "447700900001" },
	{ EIR_DB_NATIONAL, EIR_T_NOTIF, "35000006000002", "001010000000001", EIR_LIST_GREY, "Duplicate",
	  "447700900004" },
	{ EIR_DB_NATIONAL, EIR_T_NOTIF, "35000006000002", "001010000000002", EIR_LIST_GREY, "Duplicate",
	  "447700900005" },
};

static int del_cb(struct eir_db_txn *txn, void *arg)
{
	const struct row *r = arg;
	struct eir_entry e = { .imei = imei(r->imei) };

	OSMO_ASSERT(eir_imsi_pack(r->last_or_imsi, e.imsi, NULL) == 0);
	OSMO_ASSERT(eir_msisdn_pack(r->msisdn, e.msisdn, NULL) == 0);
	return eir_db_txn_del(txn, r->t, &e);
}

/* remove the row rows[i] */
static void del_row(struct eir_db *db, unsigned i)
{
	printf("  (row %s %s MSISDN %s removed)\n", rows[i].imei, rows[i].last_or_imsi, rows[i].msisdn);
	OSMO_ASSERT(eir_db_write(db, rows[i].part, del_cb, (void *)&rows[i]) == 0);
}

static int load_cb(struct eir_db_txn *txn, void *arg)
{
	const struct row *r = arg;
	struct eir_entry e = { .imei = imei(r->imei), .list = r->list, .listed = 20000 };
	int rc;

	memset(e.msisdn, 0xff, sizeof(e.msisdn));
	if (r->reason) {
		rc = eir_db_txn_reason(txn, r->reason, &e.reason_id);
		if (rc)
			return rc;
	}
	if (r->t == EIR_T_RANGE) {
		e.last = imei(r->last_or_imsi);
		return eir_db_txn_put_range(txn, &e);
	}
	if (r->last_or_imsi)
		OSMO_ASSERT(eir_imsi_pack(r->last_or_imsi, e.imsi, NULL) == 0);
	if (r->msisdn)
		OSMO_ASSERT(eir_msisdn_pack(r->msisdn, e.msisdn, NULL) == 0);
	return eir_db_txn_put(txn, r->t, &e);
}

static void check(struct eir_db *db, const struct eir_policy *pol, const char *im, const char *imsi, unsigned flags)
{
	struct eir_result res;
	struct eir_imei p;
	uint8_t ib[8];
	char buf[768];
	unsigned i;

	OSMO_ASSERT(eir_imei_parse(im, &p, NULL) == 0);
	if (imsi)
		OSMO_ASSERT(eir_imsi_pack(imsi, ib, NULL) == 0);
	OSMO_ASSERT(eir_check(db, pol, p.key, p.sv, imsi ? ib : NULL, flags, &res) == 0);
	printf("%s %-15s -> %-11s by %s\n", im, imsi ? imsi : "-", eir_verdict_name(res.verdict),
	       eir_match_str(buf, sizeof(buf), db, &res.why));
	if (flags & EIR_CHECK_ALL)
		for (i = 1; i < res.n_matches; i++)
			printf("    also: %s\n", eir_match_str(buf, sizeof(buf), db, &res.matches[i]));
}

/* --- the decision step (decide.h): what the front ends answer, count and hand to the hook --- */
static const struct rate_ctr_desc dctr_desc[] = {
	[EIR_DCTR_WHITE] = { "white", "" }, [EIR_DCTR_GREY] = { "grey", "" }, [EIR_DCTR_BLACK] = { "black", "" },
	[EIR_DCTR_UNKNOWN] = { "unknown", "" }, [EIR_DCTR_STORE_FAIL] = { "store_fail", "" },
	[EIR_DCTR_LOG_SUPPRESSED] = { "log_suppressed", "" },
};
static const struct rate_ctr_group_desc dctrg_desc = {
	.group_name_prefix = "check_test", .group_description = "decide", .class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(dctr_desc), .ctr_desc = dctr_desc,
};

static unsigned hook_calls;

static void hook(void *data, const struct eir_query *q, const struct eir_decision *d)
{
	hook_calls++;
	printf("    hook %s: IMEI key %" PRIu64 " %s, %s, why %s\n", (const char *)data, q->imei,
	       d->error ? "error" : "answered", eir_verdict_name(d->verdict),
	       get_value_string(eir_level_names, d->why.level));
}

/* before the lookup, with the query the hook will get */
static void prefetch_cb(void *data, const struct eir_query *q)
{
	printf("    prefetch %s: IMEI key %" PRIu64 "\n", (const char *)data, q->imei);
}

static void print_ctrs(const struct eir_decider *d)
{
	unsigned i;

	printf("    counted:");
	for (i = 0; i < _EIR_DCTR_COUNT; i++)
		printf(" %s=%" PRIu64, dctr_desc[i].name, rate_ctr_group_get_ctr(d->ctrs, d->ctr[i])->current);
	printf("\n");
}

static void decide_test(void *ctx, struct eir_db *db)
{
	struct eir_policy pol = EIR_POLICY_DEFAULT;
	struct eir_decider d = { .db = db, .policy = &pol, .log_ss = DEIR, .hook = hook, .prefetch = prefetch_cb,
				 .hook_data = "S13" };
	struct eir_query q = { .iface = EIR_IFACE_S13, .sv = 1, .node = "mme.example.org", .peer = "127.0.0.1:1" };
	struct eir_decision out;
	struct eir_result res;
	unsigned i;

	d.ctrs = rate_ctr_group_alloc(ctx, &dctrg_desc, 0);
	OSMO_ASSERT(d.ctrs);
	for (i = 0; i < _EIR_DCTR_COUNT; i++)
		d.ctr[i] = i;

	printf("-- the decision step: every verdict counted once, the prefetch then the hook called once per check\n");
	q.imei = imei("35000001000004");	/* national blacklist */
	eir_decide(&d, &q, &out);
	q.imei = imei("35000002000005");	/* national notification */
	eir_decide(&d, &q, &out);
	q.imei = imei("35000009999999");	/* on no list */
	eir_decide(&d, &q, &out);
	print_ctrs(&d);

	/* eir_decide_apply() has no lookup of its own to overlap: the hook, no prefetch */
	printf("-- a failing store: its own level in the why, never an uninitialised one\n");
	memset(&res, 0x5a, sizeof(res));	/* what eir_check() leaves behind is not read */
	q.imei = imei("35000001000004");
	eir_decide_apply(&d, &q, -EIO, &res, &out);
	printf("    store-unavailable error: error=%d verdict %s why %s\n", out.error, eir_verdict_name(out.verdict),
	       get_value_string(eir_level_names, out.why.level));
	pol.store_fail_error = false;
	pol.store_fail_verdict = EIR_GREYLISTED;
	eir_decide_apply(&d, &q, -EIO, &res, &out);
	printf("    store-unavailable greylisted: error=%d verdict %s why %s\n", out.error,
	       eir_verdict_name(out.verdict), get_value_string(eir_level_names, out.why.level));
	print_ctrs(&d);

	printf("-- the listed-verdict log lines under the rate limit: 1 per second, the rest counted\n");
	pol.log_verdict_per_sec = 1;
	d.log_rl = (struct eir_ratelimit){ 0 };
	d.hook = NULL;
	d.prefetch = NULL;
	q.imei = imei("35000001000004");
	for (i = 0; i < 3; i++)
		eir_decide(&d, &q, &out);
	/* a second boundary may fall between the three: then two lines pass; never zero suppressed of three in one */
	printf("    suppressed: %s\n",
	       rate_ctr_group_get_ctr(d.ctrs, EIR_DCTR_LOG_SUPPRESSED)->current >= 1 ? "at least one" : "none");
	printf("    hook calls: %u\n", hook_calls);
	rate_ctr_group_free(d.ctrs);
}

/* The why lines of the VTY and osmo-eir-db end with when the deciding entry was applied to the store: to the second,
 * UTC; unknown for an entry from before schema 4; nothing for the default policy, which is no entry. */
static void applied_test(struct eir_db *db)
{
	struct eir_match m = {
		.level = EIR_LVL_LOCAL_IMEI, .part = EIR_DB_LOCAL, .list = EIR_LIST_BLACK,
		.entry = { .imei = imei("35000001000003"), .list = EIR_LIST_BLACK, .applied = 1764597787 },
	};
	char buf[512];

	printf("-- the why with the time the entry was applied\n");
	printf("%s\n", eir_match_applied_str(buf, sizeof(buf), db, &m));
	m.entry.applied = 0;
	printf("%s\n", eir_match_applied_str(buf, sizeof(buf), db, &m));
	printf("cut to fit: %s\n", eir_match_applied_str(buf, 12, db, &m));
	m = (struct eir_match){ .level = EIR_LVL_DEFAULT };
	printf("%s\n", eir_match_applied_str(buf, sizeof(buf), db, &m));
}

int main(void)
{
	void *ctx = talloc_named_const(NULL, 0, "check_test");
	struct eir_policy pol = EIR_POLICY_DEFAULT;
	struct eir_db_opts o = { .create = true };
	struct eir_db *db;
	char dir[64] = "/tmp/eir-check-test.XXXXXX", cmd[96];
	unsigned i;

	OSMO_ASSERT(mkdtemp(dir));
	OSMO_ASSERT(eir_db_open(ctx, &db, dir, &o) == 0);

	printf("-- on an empty store every IMEI gets the default policy\n");
	check(db, &pol, "35000001000001", NULL, 0);

	for (i = 0; i < ARRAY_SIZE(rows); i++)
		OSMO_ASSERT(eir_db_write(db, rows[i].part, load_cb, (void *)&rows[i]) == 0);

	printf("-- precedence, one level against the next\n");
	printf("local pair > national exception:\n");
	check(db, &pol, "35000001000001", "001010000000002", 0);
	printf("national exception > national blacklist; other IMSIs are not affected:\n");
	check(db, &pol, "35000001000001", "001010000000003", 0);
	check(db, &pol, "35000001000001", "001010000000004", 0);
	check(db, &pol, "35000001000001", NULL, 0);
	printf("national exception > local entry:\n");
	check(db, &pol, "35000001000002", "001010000000001", 0);
	check(db, &pol, "35000001000002", "001010000000002", 0);
	printf("local entry > national blacklist:\n");
	check(db, &pol, "35000001000003", NULL, 0);
	printf("national blacklist > national notification:\n");
	check(db, &pol, "35000001000004", "001010000000001", 0);
	printf("national notification > local range, whatever IMSI asks:\n");
	check(db, &pol, "35000002000005", "001010000000009", 0);
	check(db, &pol, "35000002000005", "001010000000001", 0);
	check(db, &pol, "35000002000006", NULL, 0);
	printf("national blacklist > local range: a whitelisted TAC never unblocks a stolen phone:\n");
	check(db, &pol, "35000003123456", NULL, 0);
	check(db, &pol, "35000003123457", NULL, 0);
	printf("local entry > local range:\n");
	check(db, &pol, "35000004000150", NULL, 0);
	check(db, &pol, "35000004000151", NULL, 0);
	printf("local range > default; the range's edges:\n");
	check(db, &pol, "35000004000099", NULL, 0);
	check(db, &pol, "35000004000100", NULL, 0);
	check(db, &pol, "35000004000199", NULL, 0);
	check(db, &pol, "35000004000200", NULL, 0);
	printf("a pair only for its IMSI:\n");
	check(db, &pol, "35000005000001", "001010000000002", 0);
	check(db, &pol, "35000005000001", "001010000000003", 0);
	printf("15- and 16-digit forms of the same IMEI:\n");
	check(db, &pol, "350000010000034", NULL, 0);
	check(db, &pol, "3500000100000307", NULL, 0);

	printf("-- every match, for \"why\"\n");
	check(db, &pol, "35000001000001", "001010000000002", EIR_CHECK_ALL);
	check(db, &pol, "35000002000005", NULL, EIR_CHECK_ALL);
	check(db, &pol, "35000009999999", NULL, EIR_CHECK_ALL);

	printf("-- national rows keyed by (IMEI, IMSI, MSISDN)\n");
	printf("an exception under two MSISDNs excepts its pair while either row remains:\n");
	check(db, &pol, "35000006000001", "001010000000001", EIR_CHECK_ALL);
	check(db, &pol, "35000006000001", "001010000000002", 0);
	check(db, &pol, "35000006000001", "001010000000003", 0);
	del_row(db, ARRAY_SIZE(rows) - 6);
	check(db, &pol, "35000006000001", "001010000000001", 0);
	del_row(db, ARRAY_SIZE(rows) - 5);
	check(db, &pol, "35000006000001", "001010000000001", 0);
	check(db, &pol, "35000006000001", "001010000000002", 0);
	printf("notifications greylist the IMEI, whatever IMSI asks, while any row remains:\n");
	check(db, &pol, "35000006000002", "001010000000001", EIR_CHECK_ALL);
	check(db, &pol, "35000006000002", "001010000000009", EIR_CHECK_ALL);
	check(db, &pol, "35000006000002", NULL, 0);
	del_row(db, ARRAY_SIZE(rows) - 3);
	check(db, &pol, "35000006000002", "001010000000001", EIR_CHECK_ALL);
	del_row(db, ARRAY_SIZE(rows) - 2);
	check(db, &pol, "35000006000002", "001010000000001", EIR_CHECK_ALL);
	del_row(db, ARRAY_SIZE(rows) - 1);
	check(db, &pol, "35000006000002", "001010000000002", EIR_CHECK_ALL);

	printf("-- default policy for an IMEI on no list\n");
	for (i = EIR_WHITELISTED; i <= EIR_UNKNOWN; i++) {
		pol.default_verdict = i;
		check(db, &pol, "35000009999999", NULL, 0);
	}
	printf("the default never changes a listed IMEI:\n");
	pol.default_verdict = EIR_UNKNOWN;
	check(db, &pol, "35000004000150", NULL, 0);

	decide_test(ctx, db);
	applied_test(db);

	eir_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	OSMO_ASSERT(system(cmd) == 0);
	talloc_free(ctx);
	return 0;
}
