/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* hist_fill: fill a device history (full history on) with N random (IMEI, IMSI) rows for the benchmarks, a given
 * number of them last seen EXPIRED_DAYS ago and the rest within the last 20 hours, through the history's own
 * batch apply (src/db/history.c). Not a test; run by contrib/bench/run-history-prune-bench.sh.
 *
 *   hist_fill DIR ROWS EXPIRED [MAP_MIB]
 */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/check.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/tool.h>

#define BATCH 32768
#define RECENT_SEC (20 * 3600)	/* within the clone window: only the expired rows are for pruning */
#define EXPIRED_DAYS 40
#define DAY 86400

static uint64_t rng = 88172645463325252ULL;

static uint64_t next_rand(void)
{
	/* xorshift64: fast, and the same rows every run */
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

int main(int argc, char **argv)
{
	struct eir_hist_cfg cfg = EIR_HIST_CFG_DEFAULT;
	struct eir_hist_rec *b;
	struct eir_hist *h;
	struct timespec t0, t1;
	uint64_t rows, expired;
	time_t now = time(NULL);
	char err[256];
	void *ctx;

	if (argc < 4)
		eir_die(2, "usage: hist_fill DIR ROWS EXPIRED [MAP_MIB]");
	rows = strtoull(argv[2], NULL, 10);
	expired = strtoull(argv[3], NULL, 10);
	if (expired > rows)
		eir_die(2, "EXPIRED > ROWS");
	ctx = talloc_named_const(NULL, 0, "hist_fill");
	cfg.full = true;
	/* nothing pruned while filling: the rows EXPIRED_DAYS old are for the daemon's 30 days to remove */
	cfg.retention_days = EIR_HIST_RETENTION_MAX;
	cfg.clone_imsis = 0;
	cfg.map_size_mib = argc > 4 ? atoi(argv[4]) : 16384;
	if (eir_hist_open(ctx, &h, argv[1], &cfg, err, sizeof(err)))
		eir_die(1, "%s", err);
	b = talloc_array(ctx, struct eir_hist_rec, BATCH);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (uint64_t done = 0; done < rows;) {
		unsigned n = rows - done > BATCH ? BATCH : (unsigned)(rows - done);

		for (unsigned i = 0; i < n; i++, done++) {
			struct eir_hist_rec *r = &b[i];
			uint64_t x = next_rand();
			char imsi[16];

			memset(r, 0, sizeof(*r));
			/* every n-th row of the list expired, spread over the whole key space */
			r->t = done * expired / rows != (done + 1) * expired / rows ? now - EXPIRED_DAYS * DAY :
				now - (time_t)(x % RECENT_SEC);
			r->imei = 35000000000000ULL + next_rand() % 10000000000000ULL;
			snprintf(imsi, sizeof(imsi), "00101%010llu", (unsigned long long)(next_rand() % 10000000000ULL));
			if (eir_imsi_pack(imsi, r->imsi, NULL))
				eir_die(1, "bad IMSI %s", imsi);
			r->flags = EIR_HIST_F_IMSI;
			r->sv = 1;
			r->iface = EIR_IFACE_S13;
			r->verdict = EIR_WHITELISTED;
			r->why.level = EIR_LVL_DEFAULT;
			osmo_strlcpy(r->node, "mme-bench-0.bench", sizeof(r->node));
		}
		if (eir_hist_apply(h, b, n, NULL, NULL, err, sizeof(err)))
			eir_die(1, "%s", err);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	{
		uint64_t pairs, events, imeis, imsis;

		if (eir_hist_counts(h, &pairs, &events, &imeis, &imsis))
			eir_die(1, "cannot count the rows");
		printf("filled %" PRIu64 " rows (%" PRIu64 " expired) in %.1f s: %" PRIu64 " pairs, %" PRIu64
		       " events, %" PRIu64 " IMEIs, %" PRIu64 " IMSIs\n", rows, expired,
		       (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9, pairs, events, imeis, imsis);
	}
	eir_hist_close(h);
	talloc_free(ctx);
	return 0;
}
