/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Store benchmark (not a test): verdicts/s of eir_check() against raw single mdb_get() lookups on the same store
 * in the same run, bulk load rows/s, and bytes on disk per entry. It includes <lmdb.h> only for the raw
 * reference; osmo-eir itself reaches LMDB only through src/db/. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <sys/mman.h>

#include <lmdb.h>
#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/check.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/imei.h>

#define FIRST 35000000000000ULL
#define STRIDE 7
#define RANGE_BASE 86000000000000ULL
#define RANGE_SPACING 1000
#define RANGE_LEN 100

static unsigned long long n_entries = 1000000, n_ranges = 100000, n_queries = 2000000, n_exc = 0;
static unsigned seed = 1;
static bool layouts;

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* xorshift64*: fast, reproducible */
static uint64_t rng_state;
static uint64_t rnd(void)
{
	rng_state ^= rng_state >> 12;
	rng_state ^= rng_state << 25;
	rng_state ^= rng_state >> 27;
	return rng_state * 2685821657736338717ULL;
}

/* listed IMEI number i: sorted, unique, irregular gaps */
static uint64_t listed(uint64_t i)
{
	return FIRST + i * STRIDE + (i * 2654435761ULL >> 7) % STRIDE;
}

static int load_entries(struct eir_db_txn *txn, void *arg)
{
	uint32_t reason;
	uint64_t i;
	int rc;

	rc = eir_db_txn_reason(txn, "Reported stolen", &reason);
	if (rc)
		return rc;
	for (i = 0; i < n_entries; i++) {
		struct eir_entry e = { .imei = listed(i), .list = EIR_LIST_BLACK, .reason_id = reason,
				       .listed = 20000, .block = 20001 };

		rc = eir_db_txn_put(txn, EIR_T_IMEI, &e);
		if (rc)
			return rc;
	}
	return 0;
}

/* the subscriber of listed IMEI i's exception row */
static void exc_imsi(uint64_t i, uint8_t imsi[8])
{
	char s[32];

	snprintf(s, sizeof(s), "00101%010llu", (unsigned long long)(i % 10000000000ULL));
	OSMO_ASSERT(eir_imsi_pack(s, imsi, NULL) == 0);
}

/* national exception rows (IMEI, IMSI, no MSISDN) for the first n_exc listed IMEIs */
static int load_exceptions(struct eir_db_txn *txn, void *arg)
{
	uint64_t i;
	int rc;

	for (i = 0; i < n_exc; i++) {
		struct eir_entry e = { .imei = listed(i), .list = EIR_LIST_WHITE };

		exc_imsi(i, e.imsi);
		memset(e.msisdn, 0xff, sizeof(e.msisdn));
		rc = eir_db_txn_put(txn, EIR_T_EXC, &e);
		if (rc)
			return rc;
	}
	return 0;
}

static int load_ranges(struct eir_db_txn *txn, void *arg)
{
	uint64_t j;
	int rc;

	for (j = 0; j < n_ranges; j++) {
		struct eir_entry e = { .imei = RANGE_BASE + j * RANGE_SPACING,
				       .last = RANGE_BASE + j * RANGE_SPACING + RANGE_LEN - 1,
				       .list = (j & 1) ? EIR_LIST_GREY : EIR_LIST_WHITE };

		rc = eir_db_txn_put_range(txn, &e);
		if (rc)
			return rc;
	}
	return 0;
}

/* the Eytzinger array of -L, filled in order from the sorted keys: \returns the next sorted index */
static uint64_t *eyt;
static size_t eyt_fill(const uint64_t *sorted, size_t at, size_t k)
{
	if (k > n_entries)
		return at;
	at = eyt_fill(sorted, at, 2 * k);
	eyt[k] = sorted[at++];
	return eyt_fill(sorted, at, 2 * k + 1);
}

/* -L: the national keys in two in-memory layouts, for the design of a denser index than LMDB's B-tree (not
 * something osmo-eir has): a sorted array with a binary search, and the same in Eytzinger order (a[1] the root,
 * a[2k] and a[2k+1] the children of a[k]) on 2 MiB-aligned memory advised for huge pages, its descent prefetching
 * four levels ahead. Each must find as many of the queries as the raw gets did (found). \returns 0 or -1 */

static int time_layouts(const uint64_t *q, uint64_t found, double t_raw)
{
	size_t bytes = ((n_entries + 1) * sizeof(uint64_t) + (2 << 20) - 1) & ~(size_t)((2 << 20) - 1);
	uint64_t *sorted = malloc(n_entries * sizeof(uint64_t)), i, f_sorted = 0, f_eyt = 0;	/* over talloc's limit */
	double t0, t_sorted, t_eyt;

	OSMO_ASSERT(sorted);
	OSMO_ASSERT(posix_memalign((void **)&eyt, 2 << 20, bytes) == 0);
	madvise(eyt, bytes, MADV_HUGEPAGE);
	for (i = 0; i < n_entries; i++)
		sorted[i] = listed(i);
	OSMO_ASSERT(eyt_fill(sorted, 0, 1) == n_entries);

	t0 = now();
	for (i = 0; i < n_queries; i++) {
		size_t lo = 0, hi = n_entries;

		while (lo < hi) {
			size_t m = lo + (hi - lo) / 2;

			if (sorted[m] < q[i])
				lo = m + 1;
			else
				hi = m;
		}
		f_sorted += lo < n_entries && sorted[lo] == q[i];
	}
	t_sorted = now() - t0;

	t0 = now();
	for (i = 0; i < n_queries; i++) {
		size_t k = 1;

		while (k <= n_entries) {
			__builtin_prefetch(eyt + 16 * k);	/* a[16k .. 16k+15]: four levels down, two lines */
			k = 2 * k + (eyt[k] < q[i]);
		}
		k >>= __builtin_ffsll(~(long long)k);	/* back up to the last left turn: the lower bound */
		f_eyt += k && eyt[k] == q[i];
	}
	t_eyt = now() - t0;

	printf("layouts of the national keys in memory (-L): sorted array %.0f /s = %.2fx raw, Eytzinger with "
	       "prefetch %.0f /s = %.2fx raw; found %llu and %llu\n", n_queries / t_sorted, t_raw / t_sorted,
	       n_queries / t_eyt, t_raw / t_eyt, (unsigned long long)f_sorted, (unsigned long long)f_eyt);
	free(eyt);
	free(sorted);
	if (f_sorted != found || f_eyt != found) {
		fprintf(stderr, "layouts: %llu raw hits\n", (unsigned long long)found);
		return -1;
	}
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: eir_bench -l DIR [-n ENTRIES] [-r RANGES] [-x EXCEPTIONS] [-q QUERIES] [-s SEED] [-L]\n"
			"  creates a fresh store in DIR (national blacklist of ENTRIES, RANGES local ranges), then\n"
			"  times QUERIES raw mdb_get() lookups and QUERIES eir_check() verdicts on the same keys;\n"
			"  with -x, EXCEPTIONS national exception rows on listed IMEIs, and QUERIES verdicts for\n"
			"  those IMEIs with an IMSI (half the row's: WHITELISTED, half another: BLACKLISTED); with -L,\n"
			"  the same queries against the national keys as a sorted array and in Eytzinger order\n");
	exit(1);
}

int main(int argc, char **argv)
{
	void *ctx = talloc_named_const(NULL, 0, "eir_bench");
	struct eir_db_opts o = { .create = true, .map_size = 4ULL << 30 };
	struct eir_policy pol = EIR_POLICY_DEFAULT;
	const char *dir = NULL;
	struct eir_db *db;
	struct eir_db_stats st;
	uint64_t *q, i, hits = 0, found = 0, verdicts[4] = { 0 };
	double t0, t_load, t_ranges, t_raw, t_check, t_filter;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	char path[512], cmd[600];
	int c;

	while ((c = getopt(argc, argv, "l:n:r:x:q:s:Lh")) != -1) {
		switch (c) {
		case 'l': dir = optarg; break;
		case 'n': n_entries = strtoull(optarg, NULL, 0); break;
		case 'r': n_ranges = strtoull(optarg, NULL, 0); break;
		case 'q': n_queries = strtoull(optarg, NULL, 0); break;
		case 'x': n_exc = strtoull(optarg, NULL, 0); break;
		case 's': seed = (unsigned)strtoul(optarg, NULL, 0); break;
		case 'L': layouts = true; break;
		default: usage();
		}
	}
	if (!dir || !n_queries || n_exc > n_entries)
		usage();
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd))
		return 1;
	if (eir_db_open(ctx, &db, dir, &o)) {
		fprintf(stderr, "%s\n", eir_db_errstr(db));
		return 1;
	}

	t0 = now();
	if (eir_db_write(db, EIR_DB_NATIONAL, load_entries, NULL)) {
		fprintf(stderr, "load: %s\n", eir_db_errstr(db));
		return 1;
	}
	t_load = now() - t0;
	if (n_exc && eir_db_write(db, EIR_DB_NATIONAL, load_exceptions, NULL)) {
		fprintf(stderr, "exceptions: %s\n", eir_db_errstr(db));
		return 1;
	}
	t0 = now();
	if (n_ranges && eir_db_write(db, EIR_DB_LOCAL, load_ranges, NULL)) {
		fprintf(stderr, "ranges: %s\n", eir_db_errstr(db));
		return 1;
	}
	t_ranges = now() - t0;

	/* queries: 45% listed IMEIs, 45% random IMEIs among them (mostly misses), 10% in the ranges' area */
	rng_state = 0x9e3779b97f4a7c15ULL ^ seed;
	q = talloc_array(ctx, uint64_t, n_queries);
	for (i = 0; i < n_queries; i++) {
		unsigned r = rnd() % 100;

		if (r < 45)
			q[i] = listed(rnd() % n_entries);
		else if (r < 90)
			q[i] = FIRST + rnd() % (n_entries * STRIDE);
		else
			q[i] = RANGE_BASE + rnd() % ((n_ranges ? n_ranges : 1) * RANGE_SPACING);
	}

	/* reference: raw single gets, one read transaction, the same keys. LMDB must not have one environment open
	 * twice in a process (closing one drops the other's reader slots), so the store is closed meanwhile. */
	eir_db_close(db);
	snprintf(path, sizeof(path), "%s/national", dir);
	OSMO_ASSERT(mdb_env_create(&env) == 0);
	mdb_env_set_maxdbs(env, 16);
	mdb_env_set_mapsize(env, o.map_size);
	OSMO_ASSERT(mdb_env_open(env, path, MDB_RDONLY | MDB_NOTLS | MDB_NORDAHEAD, 0640) == 0);
	OSMO_ASSERT(mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) == 0);
	OSMO_ASSERT(mdb_dbi_open(txn, "imei", 0, &dbi) == 0);
	t0 = now();
	for (i = 0; i < n_queries; i++) {
		uint8_t key[6];
		MDB_val k = { .mv_size = 6, .mv_data = key }, v;
		uint64_t x = q[i];

		key[0] = x >> 40; key[1] = x >> 32; key[2] = x >> 24; key[3] = x >> 16; key[4] = x >> 8; key[5] = x;
		if (mdb_get(txn, dbi, &k, &v) == 0)
			found++;
	}
	t_raw = now() - t0;
	mdb_txn_abort(txn);
	mdb_env_close(env);
	o.create = false;
	if (eir_db_open(ctx, &db, dir, &o)) {
		fprintf(stderr, "%s\n", eir_db_errstr(db));
		return 1;
	}

	t0 = now();
	for (i = 0; i < n_queries; i++) {
		struct eir_result res;

		if (eir_check(db, &pol, q[i], -1, NULL, 0, &res))
			return 1;
		verdicts[res.verdict]++;
		hits += res.verdict == EIR_BLACKLISTED;
	}
	t_check = now() - t0;
	if (layouts && time_layouts(q, found, t_raw))
		return 1;

	/* the same verdicts with the lookup filters built (osmo-eir builds them on a thread; here on this one) */
	{
		struct eir_db *tdb = eir_db_thread_handle(ctx, db);
		struct eir_db_filter *old;
		struct eir_db_filter_info fi;
		uint64_t fhits = 0;
		double t_build;

		t0 = now();
		if (eir_db_filter_build(tdb, EIR_DB_NATIONAL, NULL, &old) ||
		    eir_db_filter_build(tdb, EIR_DB_LOCAL, NULL, &old)) {
			fprintf(stderr, "lookup filter: %s\n", eir_db_errstr(tdb));
			return 1;
		}
		t_build = now() - t0;
		eir_db_filter_info(db, EIR_DB_NATIONAL, &fi);
		t0 = now();
		for (i = 0; i < n_queries; i++) {
			struct eir_result res;

			if (eir_check(db, &pol, q[i], -1, NULL, 0, &res))
				return 1;
			fhits += res.verdict == EIR_BLACKLISTED;
		}
		t_filter = now() - t0;
		if (fhits != hits) {
			fprintf(stderr, "lookup filter: %llu blacklisted verdicts, %llu without it\n",
				(unsigned long long)fhits, (unsigned long long)hits);
			return 1;
		}
		eir_db_filter_info(db, EIR_DB_NATIONAL, &fi);
		/* every query makes one national lookup: those that find nothing and are not answered by the filter are
		 * its false "maybe"s */
		printf("lookup filters built in %.2f s (national: %llu keys, %.1f MiB); eir_check with them: %.0f /s = "
		       "%.2fx raw, %.2fx without them (%.1f %% of the lookups answered by the filter; false \"maybe\" "
		       "%.2f %% of the %llu misses)\n", t_build, (unsigned long long)fi.keys, fi.bytes / 1048576.0,
		       n_queries / t_filter, t_raw / t_filter, t_check / t_filter, 100.0 * fi.skips / n_queries,
		       100.0 * (double)(n_queries - found - fi.skips) / (double)(n_queries - found),
		       (unsigned long long)(n_queries - found));
		eir_db_close(tdb);
	}

	/* verdicts by where they come from: exact hits (listed IMEIs: one get) against range hits (an IMEI in a local
	 * range: the national get misses, then the floor search of the ranges) */
	if (n_ranges) {
		double t_exact, t_range;
		uint64_t wrong = 0;

		for (i = 0; i < n_queries; i++)
			q[i] = listed(rnd() % n_entries);
		t0 = now();
		for (i = 0; i < n_queries; i++) {
			struct eir_result res;

			if (eir_check(db, &pol, q[i], -1, NULL, 0, &res))
				return 1;
			wrong += res.verdict != EIR_BLACKLISTED;
		}
		t_exact = now() - t0;
		for (i = 0; i < n_queries; i++) {
			uint64_t j = rnd() % n_ranges;

			q[i] = RANGE_BASE + j * RANGE_SPACING + rnd() % RANGE_LEN;
		}
		t0 = now();
		for (i = 0; i < n_queries; i++) {
			struct eir_result res;

			if (eir_check(db, &pol, q[i], -1, NULL, 0, &res))
				return 1;
			wrong += res.why.level != EIR_LVL_LOCAL_RANGE;
		}
		t_range = now() - t0;
		if (wrong)
			fprintf(stderr, "exact/range verdicts: %llu wrong\n", (unsigned long long)wrong);
		printf("eir_check exact hits (listed IMEIs): %.0f /s; range hits (IMEIs in local ranges): %.0f /s = %.2fx "
		       "exact\n", n_queries / t_exact, n_queries / t_range, t_exact / t_range);
	}

	if (n_exc) {
		uint64_t wrong = 0, pv[4] = { 0 }, *pk = talloc_array(ctx, uint64_t, n_queries);
		uint8_t (*pi)[8] = talloc_size(ctx, n_queries * 8);
		double t_pair;

		/* odd queries ask with another subscriber's IMSI (one no row has) */
		for (i = 0; i < n_queries; i++) {
			uint64_t k = q[i] % n_exc;

			pk[i] = listed(k);
			exc_imsi(i & 1 ? (k + 1) % n_exc + n_exc : k, pi[i]);
		}
		t0 = now();
		for (i = 0; i < n_queries; i++) {
			struct eir_result res;

			if (eir_check(db, &pol, pk[i], -1, pi[i], 0, &res))
				return 1;
			pv[res.verdict]++;
			wrong += res.verdict != (i & 1 ? EIR_BLACKLISTED : EIR_WHITELISTED);
		}
		t_pair = now() - t0;
		if (wrong) {
			fprintf(stderr, "pair verdicts: %llu wrong\n", (unsigned long long)wrong);
			return 1;
		}
		printf("eir_check with IMSI on IMEIs with exception rows (%llu rows; white %llu, black %llu): "
		       "%.0f /s = %.2fx the verdicts above\n", n_exc, (unsigned long long)pv[EIR_WHITELISTED],
		       (unsigned long long)pv[EIR_BLACKLISTED], n_queries / t_pair, t_check / t_pair);
	}
	if (hits != found) {
		fprintf(stderr, "mismatch: %llu blacklisted verdicts, %llu raw hits\n", (unsigned long long)hits,
			(unsigned long long)found);
		return 1;
	}
	eir_db_stats(db, EIR_DB_NATIONAL, &st);
	printf("entries=%llu ranges=%llu queries=%llu (black %llu, white %llu, grey %llu)\n", n_entries, n_ranges,
	       n_queries, (unsigned long long)verdicts[EIR_BLACKLISTED], (unsigned long long)verdicts[EIR_WHITELISTED],
	       (unsigned long long)verdicts[EIR_GREYLISTED]);
	printf("load national (API, sorted, one txn): %.2f s, %.0f rows/s\n", t_load, n_entries / t_load);
	printf("load local ranges (one txn): %.2f s\n", t_ranges);
	printf("raw mdb_get (one read txn): %.0f /s\n", n_queries / t_raw);
	printf("eir_check verdicts: %.0f /s = %.2fx raw\n", n_queries / t_check, t_raw / t_check);
	printf("bytes per entry: %.1f (%llu pages x %u B / %llu entries), data.mdb %.1f MiB\n",
	       (double)st.t[EIR_T_IMEI].pages * st.page_size / st.t[EIR_T_IMEI].entries,
	       (unsigned long long)st.t[EIR_T_IMEI].pages, st.page_size,
	       (unsigned long long)st.t[EIR_T_IMEI].entries, st.file_size / 1048576.0);
	eir_db_close(db);
	talloc_free(ctx);
	return 0;
}
