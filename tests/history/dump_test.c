/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the DIRBS dump reads from the history (src/db/history.c) with a controlled clock: the RAT codes, the RATs a
 * pair row gathers, the days of a period from the days bitmap (none outside the period, none past the retention
 * while the row still stands), the retention kept for another process, and the read-only open. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/decide.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/types.h>

#define DAY 86400
#define D0 20000		/* day numbers of the test: D0 is 2024-10-04 */
#define IMEI_A 35693803564380ULL
#define IMEI_B 35000001000002ULL
#define IMEI_C 35000009000001ULL

static time_t fake_now;
static time_t clock_fake(void)
{
	return fake_now;
}

static struct eir_hist_rec rec(unsigned day, unsigned sec, uint64_t imei, const char *imsi, const char *msisdn,
			       uint8_t rat)
{
	struct eir_hist_rec r = { .t = (time_t)day * DAY + sec, .imei = imei, .sv = 1, .iface = EIR_IFACE_S13,
				  .verdict = EIR_WHITELISTED, .rat = rat };

	OSMO_ASSERT(!eir_imsi_pack(imsi, r.imsi, NULL));
	r.flags |= EIR_HIST_F_IMSI;
	if (msisdn) {
		OSMO_ASSERT(!eir_msisdn_pack(msisdn, r.msisdn, NULL));
		r.flags |= EIR_HIST_F_MSISDN;
	}
	return r;
}

static unsigned g_from;

static int days_cb(void *data, const struct eir_hist_pair *p, const uint64_t *days)
{
	char im[16], is[20], ms[20] = "-", rats[64];

	if (p->flags & EIR_HIST_F_MSISDN)
		eir_imsi_unpack(ms, sizeof(ms), p->msisdn);
	printf("  IMEI %s IMSI %s MSISDN %s rat '%s' days:", eir_imei_str(im, sizeof(im), p->imei),
	       eir_imsi_unpack(is, sizeof(is), p->imsi), ms, eir_rats_str(rats, sizeof(rats), p->rats));
	for (unsigned j = 0; j < 366; j++)
		if (days[j / 64] & (1ULL << (j % 64)))
			printf(" D0%+d", (int)(g_from + j) - D0);
	printf("\n");
	return 0;
}

static void show(struct eir_hist *h, int from, int to)
{
	int rc;

	g_from = D0 + from;
	printf(" period D0%+d .. D0%+d (today D0%+d):\n", from, to, (int)(fake_now / DAY) - D0);
	rc = eir_hist_pairs_days(h, D0 + from, D0 + to, days_cb, NULL);
	if (rc)
		printf("  rc %d\n", rc);
}

static void test_rat_codes(void)
{
	static const char *const in[] = { "006", "6", "001", "105", "none", "000", "008", "100", "106", "0006", "x",
					  "" };
	char buf[64];
	uint8_t c;

	printf("%s: DIRBS's codes 001-007, 101-105, joined by '|'\n", __func__);
	for (unsigned i = 0; i < ARRAY_SIZE(in); i++) {
		int rc = eir_rat_parse(in[i], &c);

		printf("  parse '%s': %s", in[i], rc ? "invalid" : "ok");
		if (!rc)
			printf(" %u -> '%s'", c, eir_rats_str(buf, sizeof(buf), eir_rat_bit(c)));
		printf("\n");
	}
	printf("  all: '%s'\n", eir_rats_str(buf, sizeof(buf), 0xfff));
}

static const char *push_str(struct eir_hist_writer *w, struct eir_hist_rec r)
{
	static const char *const s[] = { [EIR_HIST_QUEUED] = "queued", [EIR_HIST_COALESCED] = "coalesced",
					 [EIR_HIST_DROPPED] = "dropped" };

	return s[eir_hist_writer_push(w, &r)];
}

/* the repeat filter on the loop must not swallow a check over another RAT: the row would miss that RAT */
static void test_coalesce_rat(void *ctx, struct eir_hist *h)
{
	struct eir_hist_cfg c = EIR_HIST_CFG_DEFAULT;
	struct eir_hist_writer *w;
	struct eir_hist_rec r = rec(D0 + 12, 3600, IMEI_A, "001010000000009", NULL, EIR_RAT_EUTRAN);

	printf("test_coalesce_rat: a repeat over another RAT is recorded\n");
	c.full = true;
	c.coalesce_sec = 60;
	c.queue_len = 16;
	w = eir_hist_writer_alloc(ctx, h, &c, NULL, NULL);
	OSMO_ASSERT(w);
	printf("  first: %s\n", push_str(w, r));
	r.t += 10;
	printf("  the same 10 s later: %s\n", push_str(w, r));
	r.t += 10;
	r.rat = EIR_RAT_UTRAN;
	printf("  the same over UTRAN: %s\n", push_str(w, r));
	eir_hist_writer_stop(w);
}

int main(void)
{
	void *ctx = talloc_named_const(NULL, 0, "dump_test");
	struct eir_hist_cfg cfg = EIR_HIST_CFG_DEFAULT;
	char base[] = "/tmp/eir-dump-test.XXXXXX", dir[64], err[256];
	struct eir_hist *h;
	struct eir_hist_rec r[8];
	unsigned n = 0;

	test_rat_codes();
	OSMO_ASSERT(mkdtemp(base));
	snprintf(dir, sizeof(dir), "%s/history", base);

	printf("test_ro_missing: no history yet\n");
	n = eir_hist_open_ro(ctx, &h, dir, err, sizeof(err)) == -ENOENT;
	printf("  -ENOENT %u: %s\n", n, strstr(err, "no history in /tmp/") ? "no history in ..." : err);
	n = 0;

	printf("test_days: the days of a period, the RATs, the retention\n");
	cfg.full = true;
	cfg.retention_days = 10;
	fake_now = (time_t)(D0 + 12) * DAY + 7200;
	OSMO_ASSERT(!eir_hist_open(ctx, &h, dir, &cfg, err, sizeof(err)));
	eir_hist_set_clock(h, clock_fake);
	/* A on D0+4, D0+5 (twice) over E-UTRAN, D0+8 over UTRAN: one row, RATs 001|006 */
	r[n++] = rec(D0 + 4, 100, IMEI_A, "001010000000001", NULL, EIR_RAT_EUTRAN);
	r[n++] = rec(D0 + 5, 100, IMEI_A, "001010000000001", NULL, EIR_RAT_EUTRAN);
	r[n++] = rec(D0 + 5, 86000, IMEI_A, "001010000000001", NULL, EIR_RAT_EUTRAN);
	r[n++] = rec(D0 + 8, 0, IMEI_A, "001010000000001", NULL, EIR_RAT_UTRAN);
	/* B with an MSISDN and no RAT (N5g-eir) on D0+12, today */
	r[n++] = rec(D0 + 12, 60, IMEI_B, "001010000000002", "4915112345678", EIR_RAT_NONE);
	/* C on D0+1 (11 days ago: past the 10 days kept, while the row stands) and D0+10 */
	r[n++] = rec(D0 + 1, 0, IMEI_C, "001010000000003", NULL, EIR_RAT_GERAN);
	r[n++] = rec(D0 + 10, 0, IMEI_C, "001010000000003", NULL, EIR_RAT_GERAN);
	OSMO_ASSERT(!eir_hist_apply(h, r, n, NULL, NULL, err, sizeof(err)));
	show(h, 0, 12);
	show(h, 5, 8);
	show(h, 6, 7);
	test_coalesce_rat(ctx, h);
	eir_hist_close(h);

	printf("test_ro: read-only, the retention the writer ran with\n");
	OSMO_ASSERT(!eir_hist_open_ro(ctx, &h, dir, err, sizeof(err)));
	eir_hist_set_clock(h, clock_fake);
	printf("  retention %u\n", eir_hist_retention(h));
	show(h, 3, 12);
	/* the next day: D0+3 falls out of the 10 days, D0+4 with it once the clock moves on */
	fake_now += 2 * DAY;
	show(h, 3, 14);
	printf("  a backwards period: %d\n", eir_hist_pairs_days(h, D0 + 5, D0 + 4, days_cb, NULL));
	eir_hist_close(h);

	char cmd[128];
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	OSMO_ASSERT(!system(cmd));
	talloc_free(ctx);
	return 0;
}
