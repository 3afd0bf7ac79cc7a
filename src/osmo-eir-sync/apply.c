/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Applying a run chain to the national part in one write transaction: the full lists of the first run (when the
 * chain starts from full lists) by difference against what is held, then each run's deltas; the run id and date
 * in the same transaction. Every input is a verified local file, read again from the start when the store redoes
 * the transaction after growing its map. Each file's rows are checked in file order, then sorted by their store key
 * (in bounded memory, src/core/xsort.c) and written in that order: the store appends them to an empty table, and
 * touches each page of a full one once, whatever the order of the file. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sys/stat.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/reasons.h>
#include <osmocom/eir/types.h>
#include <osmocom/eir/xsort.h>
#include "sync.h"

#define MAX_REPORTED 20
#define PROGRESS_ROWS 65536

void (*apply_progress_cb)(const struct apply_stats *st);

static const enum eir_db_table list_table[_FEED_LIST_COUNT] = {
	[FEED_BLACK] = EIR_T_IMEI,
	[FEED_NOTIF] = EIR_T_NOTIF,
	[FEED_EXC] = EIR_T_EXC,
};

/* the keys of a full list, to find what the store holds that the list no longer has */
struct keyvec {
	uint64_t *k;		/* width words per key */
	size_t n, cap;
	unsigned width;
	bool sorted;
};

struct ctx {
	struct apply_plan *plan;
	struct eir_db_txn *txn;
	eir_day_t today;
	unsigned long reported;
	struct eir_reasons reasons;
	struct keyvec moved;	/* IMEIs of notification rows removed as blacklisted: routine if now blacklisted */
	/* the file being read */
	const struct feed_plan_file *file;
	FILE *f;
	struct feed_zip *zip;	/* the zip of the file being read, if it is a member */
	struct feed_rows rows;
	/* the highest key put so far from a full list onto an empty table (see upsert()) */
	uint64_t top_key[3];
	bool have_top;
};

static void report(struct ctx *c, unsigned long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct ctx *c, unsigned long line, const char *fmt, ...)
{
	char buf[512];
	va_list ap;

	/* said once, in the first attempt; a redone transaction meets the same rows again */
	if (c->plan->attempt > 1 || c->reported++ >= MAX_REPORTED)
		return;
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	LOGP(DSYNC, LOGL_NOTICE, "%s:%lu: %s\n", c->file->name, line, buf);
}

static int fail(struct ctx *c, int exit_code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(struct ctx *c, int exit_code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(c->plan->err, sizeof(c->plan->err), fmt, ap);
	va_end(ap);
	c->plan->exit_code = exit_code;
	return -ECANCELED;
}

/* A store error: its class and message. */
static int store_fail(struct ctx *c, int rc)
{
	if (rc == -ECANCELED)
		return rc;
	if (rc == -ENOSPC) {
		/* the map filled: eir_db_write() grows it and runs us again, or gives up with its own message */
		return rc;
	}
	return fail(c, SYNC_E_STORE, "%s", eir_db_errstr(eir_db_txn_db(c->txn)));
}

static uint64_t be64(const uint8_t *b)
{
	uint64_t v = 0;
	int i;

	for (i = 0; i < 8; i++)
		v = v << 8 | b[i];
	return v;
}

/* A row's key as words: the IMEI, and for notifications and exceptions the IMSI and the MSISDN (DIRBS keys those
 * rows by the triplet: one pair may have a row per MSISDN, and each comes and goes on its own). */
static void key_words(const struct eir_entry *e, unsigned width, uint64_t *k)
{
	k[0] = e->imei;
	if (width == 3) {
		k[1] = be64(e->imsi);
		k[2] = be64(e->msisdn);
	}
}

static void words_key(const uint64_t *k, unsigned width, struct eir_entry *e)
{
	int b;

	memset(e, 0, sizeof(*e));
	e->imei = k[0];
	if (width != 3)
		return;
	for (b = 0; b < 8; b++) {
		e->imsi[b] = (uint8_t)(k[1] >> (56 - 8 * b));
		e->msisdn[b] = (uint8_t)(k[2] >> (56 - 8 * b));
	}
}

static int cmp_words(const uint64_t *x, const uint64_t *y, unsigned width)
{
	unsigned i;

	for (i = 0; i < width; i++) {
		if (x[i] != y[i])
			return x[i] < y[i] ? -1 : 1;
	}
	return 0;
}

static int cmp1(const void *a, const void *b)
{
	return cmp_words(a, b, 1);
}

static int cmp3(const void *a, const void *b)
{
	return cmp_words(a, b, 3);
}

static int keyvec_add(struct ctx *c, struct keyvec *kv, const struct eir_entry *e)
{
	uint64_t k[3];

	key_words(e, kv->width, k);
	if (kv->n == kv->cap) {
		size_t cap = kv->cap ? kv->cap * 2 : 65536;
		uint64_t *nk = realloc(kv->k, cap * kv->width * sizeof(uint64_t));

		if (!nk)
			return fail(c, SYNC_E_STORE, "out of memory for %zu keys", cap);
		kv->k = nk;
		kv->cap = cap;
	}
	if (kv->n && kv->sorted && cmp_words(&kv->k[(kv->n - 1) * kv->width], k, kv->width) > 0)
		kv->sorted = false;
	memcpy(&kv->k[kv->n * kv->width], k, kv->width * sizeof(uint64_t));
	kv->n++;
	return 0;
}

/* --- reading one list file, plain or a zip member --- */

static void file_close(struct ctx *c)
{
	talloc_free(c->zip);
	if (c->f)
		fclose(c->f);
	c->zip = NULL;
	c->f = NULL;
}

static struct eir_csv *file_open(struct ctx *c, const struct feed_plan_file *af)
{
	char path[4400], err[512];
	struct eir_csv *csv;

	c->file = af;
	snprintf(path, sizeof(path), "%s/%s", c->plan->dir, af->file);
	if (!af->member) {
		c->f = fopen(path, "rb");
		if (!c->f) {
			fail(c, SYNC_E_STORE, "cannot read %s: %s", path, strerror(errno));
			return NULL;
		}
		return eir_csv_new_file(NULL, c->f);
	}
	c->zip = feed_zip_open(NULL, path, af->file, err, sizeof(err));
	if (!c->zip) {
		fail(c, SYNC_E_FORMAT, "%s", err);
		return NULL;
	}
	csv = feed_zip_csv(c->zip, af->member, err, sizeof(err));
	if (!csv)
		fail(c, SYNC_E_FORMAT, "%s", err);
	return csv;
}

static int check_header(struct ctx *c, const struct eir_csv_row *row)
{
	char h[256];

	if (!feed_header_check(&c->rows, c->file->list, row, h, sizeof(h)))
		return 0;
	return fail(c, SYNC_E_FORMAT, "%s: header '%s', expected '%s'", c->file->name, h,
		    feed_list_headers[c->file->list]);
}

/* A data row into an entry. \returns 0, -EINVAL (skipped, reported) or -ECANCELED (garbled: refuse the run) */
static int parse_row(struct ctx *c, const struct eir_csv_row *row, struct eir_entry *e, const char **reason)
{
	static const enum eir_list list_of[_FEED_LIST_COUNT] = {
		[FEED_BLACK] = EIR_LIST_BLACK,
		[FEED_NOTIF] = EIR_LIST_GREY,
		[FEED_EXC] = EIR_LIST_WHITE,
	};
	struct feed_row r;
	char why[512];
	int rc = feed_row_parse(&c->rows, row, &r, why, sizeof(why));

	if (c->rows.warn[0])
		report(c, row->line, "%s", c->rows.warn);
	if (rc == FEED_ROW_BAD)
		return fail(c, SYNC_E_FORMAT, "%s:%lu: %s", c->file->name, row->line, why);
	if (rc == FEED_ROW_SKIP) {
		report(c, row->line, "%s", why);
		return -EINVAL;
	}
	memset(e, 0, sizeof(*e));
	e->imei = r.imei;
	memcpy(e->imsi, r.imsi, sizeof(e->imsi));
	memcpy(e->msisdn, r.msisdn, sizeof(e->msisdn));
	e->list = list_of[c->file->list];
	e->block = r.block;
	e->amnesty = r.amnesty;
	*reason = r.reasons;
	return 0;
}

static bool same(enum eir_db_table t, const struct eir_entry *a, const struct eir_entry *b)
{
	return a->list == b->list && a->reason_id == b->reason_id && a->block == b->block &&
	       (t == EIR_T_IMEI || a->amnesty == b->amnesty);
}

/* Onto an empty table, a key above every key put so far from this file is new without a lookup (a sorted list
 * costs no lookups); any other key may have been put by this file already: the 14- and 15-digit forms of one IMEI,
 * or a repeated row. */
static bool key_is_new(struct ctx *c, enum eir_db_table t, const struct eir_entry *e)
{
	unsigned w = t == EIR_T_IMEI ? 1 : 3;
	uint64_t k[3];

	key_words(e, w, k);
	if (c->have_top && cmp_words(k, c->top_key, w) <= 0)
		return false;
	memcpy(c->top_key, k, w * sizeof(k[0]));
	c->have_top = true;
	return true;
}

/* Insert or overwrite one row, counting what it did (each key once). */
static int upsert(struct ctx *c, enum eir_db_table t, struct eir_entry *e, bool held_empty)
{
	struct eir_entry old = *e;
	int rc;

	e->listed = c->today;
	if (!held_empty || !key_is_new(c, t, e)) {
		rc = eir_db_txn_get(c->txn, t, &old);
		if (rc == 0 && old.list != EIR_LIST_NONE) {
			/* a changed row was in force already: it keeps the day it was listed and the time it was
			 * applied (one unknown since the upgrade to schema 4 gets this run's) */
			e->listed = old.listed;
			e->applied = old.applied;
			if (same(t, e, &old)) {
				c->plan->st.unchanged++;
				return 0;
			}
			c->plan->st.changed++;
		} else if (rc == 0 || rc == -ENOENT) {
			c->plan->st.added++;
		} else {
			return store_fail(c, rc);
		}
	} else {
		c->plan->st.added++;
	}
	rc = eir_db_txn_put(c->txn, t, e);
	return rc ? store_fail(c, rc) : 0;
}

/* Delete one row, counting it against the safety limit of its list; a notification row that may have moved to the
 * blacklist (moved: a `blacklisted` delta, or gone from a full list) is counted at the end unless it did. */
static int remove_row(struct ctx *c, enum feed_list l, const struct eir_entry *e, bool moved)
{
	int rc = eir_db_txn_del(c->txn, list_table[l], e);

	if (rc == -ENOENT) {
		c->plan->st.absent++;
		return 0;
	}
	if (rc)
		return store_fail(c, rc);
	c->plan->st.removed++;
	if (l == FEED_NOTIF && moved)
		return keyvec_add(c, &c->moved, e);
	c->plan->st.gone[l]++;
	return 0;
}

static void progress(struct ctx *c)
{
	if (!(++c->plan->st.rows % PROGRESS_ROWS) && apply_progress_cb)
		apply_progress_cb(&c->plan->st);
}

/* A checked row of a file waiting in the sort: its store key as words (the IMEI's alone for the blacklist), its line
 * (within one key the file's order: a later row still wins) and the rest of its entry; 40 bytes, as little as the
 * sort's memory and disk traffic can be. */
struct sorted_row {
	uint64_t k[3];
	uint64_t line;
	uint32_t reason_id;
	eir_day_t block;
	uint8_t list;
	bool amnesty;
};

static int sorted_row_cmp(const void *a, const void *b)
{
	const struct sorted_row *x = a, *y = b;
	int c = cmp_words(x->k, y->k, 3);

	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* The sorted rows of one file into the store: a delta operation each or, for a full list, an upsert and the key
 * vector (sorted then, as the sweep wants it). */
static int write_sorted(struct ctx *c, const struct feed_plan_file *af, struct xsort *sort, struct keyvec *kv,
			bool held_empty)
{
	enum eir_db_table t = list_table[af->list];
	bool removes = !af->full_src && feed_change_removes(af->change);
	struct sorted_row r;
	int rc = 0, n;

	if (xsort_finish(sort))
		return fail(c, SYNC_E_STORE, "cannot sort %s: %s", af->name, xsort_error(sort));
	while (!rc && (n = xsort_next(sort, &r)) > 0) {
		struct eir_entry e;

		words_key(r.k, 3, &e);
		e.list = r.list;
		e.reason_id = r.reason_id;
		e.block = r.block;
		e.amnesty = r.amnesty;
		if (removes) {
			rc = remove_row(c, af->list, &e, af->change == FC_BLACKLISTED);
			continue;
		}
		if (kv && !held_empty) {
			rc = keyvec_add(c, kv, &e);
			if (rc)
				break;
		}
		rc = upsert(c, t, &e, held_empty);
	}
	if (!rc && n < 0)
		return fail(c, SYNC_E_STORE, "cannot sort %s: %s", af->name, xsort_error(sort));
	return rc;
}

/* Read one file: each valid row is checked (and its reason given an id) in the file's order, then sorted by key and
 * written by write_sorted(). */
static int read_file(struct ctx *c, const struct feed_plan_file *af, struct keyvec *kv, bool held_empty)
{
	unsigned w = list_table[af->list] == EIR_T_IMEI ? 1 : 3;
	struct eir_csv_row row;
	struct eir_csv *csv;
	struct sorted_row r;
	struct eir_entry e;
	struct xsort *sort;
	const char *reason = NULL;	/* set by parse_row() for every row it accepts */
	int rc;

	c->have_top = false;
	/* half the budget: glibc's qsort() sorts the buffer through a scratch copy of it (or of pointers to it) */
	sort = xsort_new(NULL, sizeof(r), sorted_row_cmp, c->plan->mem_budget / 2, c->plan->dir);
	if (!sort)
		return fail(c, SYNC_E_STORE, "out of memory");
	csv = file_open(c, af);
	if (!csv) {
		file_close(c);
		talloc_free(sort);
		return -ECANCELED;
	}
	rc = eir_csv_next(csv, &row);
	if (rc == 0) {
		rc = fail(c, SYNC_E_FORMAT, "%s: empty, no header", af->name);
		goto out;
	}
	if (rc < 0) {
		rc = fail(c, SYNC_E_FORMAT, "%s: %s", af->name, eir_csv_error(csv));
		goto out;
	}
	rc = check_header(c, &row);
	while (rc == 0 && (rc = eir_csv_next(csv, &row)) == 1) {
		progress(c);
		memset(&r, 0, sizeof(r));	/* no stray padding bytes in the runs on disk */
		r.line = row.line;
		rc = parse_row(c, &row, &e, &reason);
		if (rc == -EINVAL) {
			c->plan->st.skipped++;
			rc = 0;
			continue;
		}
		if (rc)
			break;
		key_words(&e, w, r.k);
		r.list = (uint8_t)e.list;
		r.block = e.block;
		r.amnesty = e.amnesty;
		if (!af->full_src && feed_change_removes(af->change)) {
			if (xsort_add(sort, &r))
				rc = fail(c, SYNC_E_STORE, "cannot sort %s: %s", af->name, xsort_error(sort));
			continue;
		}
		rc = eir_reasons_id(&c->reasons, c->txn, reason, &r.reason_id);
		if (rc == -EINVAL) {
			report(c, row.line, "%s", eir_db_errstr(eir_db_txn_db(c->txn)));
			c->plan->st.skipped++;
			rc = 0;
			continue;
		}
		if (rc) {
			rc = store_fail(c, rc);
			break;
		}
		if (xsort_add(sort, &r))
			rc = fail(c, SYNC_E_STORE, "cannot sort %s: %s", af->name, xsort_error(sort));
	}
	if (rc < 0 && rc != -ECANCELED && rc != -ENOSPC)
		rc = fail(c, SYNC_E_FORMAT, "%s: %s", af->name, eir_csv_error(csv)[0] ? eir_csv_error(csv) :
			  "unreadable (truncated or corrupt?)");
out:
	eir_csv_free(csv);
	file_close(c);
	if (rc >= 0)
		rc = write_sorted(c, af, sort, kv, held_empty);
	talloc_free(sort);	/* its runs on disk go with it, on every path */
	return rc < 0 ? rc : 0;
}

struct sweep {
	struct ctx *c;
	struct keyvec *kv;
	size_t i;
	enum eir_db_table t;
	struct keyvec del;
};

static int sweep_cb(const struct eir_entry *e, void *arg)
{
	struct sweep *s = arg;
	uint64_t k[3];
	int cmp;

	if (s->t == EIR_T_IMEI && e->list == EIR_LIST_NONE)
		return 0;	/* a record that only carries the pair flags of the other lists */
	key_words(e, s->kv->width, k);
	for (;;) {
		if (s->i >= s->kv->n) {
			cmp = 1;
			break;
		}
		cmp = cmp_words(k, &s->kv->k[s->i * s->kv->width], s->kv->width);
		if (cmp <= 0)
			break;
		s->i++;
	}
	if (cmp == 0)
		return 0;
	return keyvec_add(s->c, &s->del, e);
}

static int table_empty_cb(const struct eir_entry *e, void *arg)
{
	enum eir_db_table *t = arg;

	return (*t == EIR_T_IMEI && e->list == EIR_LIST_NONE) ? 0 : 1;
}

/* A full list replaces what the store holds of that list: upsert every row, then delete what it no longer has. The
 * list is one file, or the adding deltas of a run from nothing (base -1), or none (an empty list). */
static int apply_full(struct ctx *c, enum feed_list l, const struct feed_plan_file **af, unsigned n_af)
{
	enum eir_db_table t = list_table[l];
	struct keyvec kv = { .width = l == FEED_BLACK ? 1 : 3, .sorted = true };
	struct sweep s = { .c = c, .kv = &kv, .t = t, .del = { .width = kv.width } };
	struct eir_entry e;
	bool held_empty;
	size_t i;
	int rc;

	rc = eir_db_txn_iter(c->txn, t, table_empty_cb, &t);
	if (rc < 0)
		return store_fail(c, rc);
	held_empty = rc == 0;
	for (i = 0; i < n_af; i++) {
		/* a second file of the list is read against what the first put in: its rows may be there already */
		rc = read_file(c, af[i], &kv, held_empty && i == 0);
		if (rc)
			goto out;
	}
	if (held_empty)
		goto out;
	if (!kv.sorted)
		qsort(kv.k, kv.n, kv.width * sizeof(uint64_t), kv.width == 3 ? cmp3 : cmp1);
	rc = eir_db_txn_iter(c->txn, t, sweep_cb, &s);
	if (rc < 0) {
		rc = store_fail(c, rc);
		goto out;
	}
	for (i = 0; i < s.del.n && !rc; i++) {
		words_key(&s.del.k[i * kv.width], kv.width, &e);
		rc = remove_row(c, l, &e, true);
	}
out:
	free(kv.k);
	free(s.del.k);
	return rc;
}

/* The safety limit (national-feed.md §4), once every run is applied, in the transaction still open: removals above
 * it abort the transaction, unless the operator accepted this run's. */
static int check_limit(struct ctx *c, int64_t run)
{
	struct apply_plan *p = c->plan;
	const struct apply_limit *lim = &p->limit;
	char over[400] = "";
	size_t used = 0, i;
	int l, rc;

	/* a notification row whose IMEI is on the new blacklist moved there (DIRBS's cohort on its block date) */
	for (i = 0; i < c->moved.n; i++) {
		struct eir_entry e = { .imei = c->moved.k[i] };

		rc = eir_db_txn_get(c->txn, EIR_T_IMEI, &e);
		if (rc && rc != -ENOENT)
			return store_fail(c, rc);
		if (rc == 0 && e.list == EIR_LIST_BLACK)
			p->st.routine++;
		else
			p->st.gone[FEED_NOTIF]++;
	}
	for (l = 0; l < _FEED_LIST_COUNT; l++) {
		double pct = l == FEED_NOTIF ? lim->notif_pct : lim->pct;
		uint64_t held = p->held_rows[l];

		if (held < lim->min || p->st.gone[l] * 100.0 <= pct * (double)held)
			continue;
		used += (size_t)snprintf(over + used, sizeof(over) - used, "%s%lu of %" PRIu64 " %s %s (%.1f %%)",
					 used ? ", " : "", p->st.gone[l], held, feed_list_names[l],
					 l == FEED_BLACK ? "entries" : "rows", p->st.gone[l] * 100.0 / (double)held);
		if (used >= sizeof(over))
			break;
	}
	if (!used)
		return 0;
	if (run == lim->accept[0] || run == lim->accept[1]) {
		p->over_accepted = true;
		if (p->attempt == 1)
			LOGP(DSYNC, LOGL_NOTICE, "the sync to run %" PRId64 " removes %s: above the safety limit, "
			     "accepted by the operator\n", run, over);
		return 0;
	}
	return fail(c, SYNC_E_LIMIT, "the sync to run %" PRId64 " would remove %s, above the safety limit (%g %% "
		    "of the blacklist or exceptions, %g %% of the notifications, of a list of %" PRIu64 " or more): "
		    "accept this run with --accept-removals %" PRId64 " or 'accept-removals %" PRId64 "' in the config "
		    "file", run, over, lim->pct, lim->notif_pct, lim->min, run, run);
}

static int apply_cb(struct eir_db_txn *txn, void *arg)
{
	struct apply_plan *plan = arg;
	struct ctx c = { .plan = plan, .txn = txn, .today = eir_day_today(), .moved = { .width = 1 } };
	struct eir_feed_state fs = { 0 };
	const struct feed_plan_run *last = NULL;
	unsigned i, j, l, pass;
	int rc = 0;

	plan->attempt++;
	plan->over_accepted = false;
	memset(&plan->st, 0, sizeof(plan->st));
	if (plan->attempt > 1)
		LOGP(DSYNC, LOGL_INFO, "the map grew: applying again from the start (attempt %u)\n", plan->attempt);
	for (i = 0; i < plan->n_runs && !rc; i++) {
		const struct feed_plan_run *r = &plan->runs[i];

		if (r->full) {
			const struct feed_plan_file **full = talloc_array(NULL, const struct feed_plan_file *,
									 r->n_files + 1);
			unsigned n_full;

			if (!full)
				rc = fail(&c, SYNC_E_STORE, "out of memory");
			for (l = 0; l < _FEED_LIST_COUNT && !rc; l++) {
				for (j = n_full = 0; j < r->n_files; j++) {
					if (r->files[j].list == l && r->files[j].full_src)
						full[n_full++] = &r->files[j];
				}
				rc = apply_full(&c, l, full, n_full);
			}
			talloc_free(full);
		} else {
			/* per list, removals first, then inserts */
			for (l = 0; l < _FEED_LIST_COUNT && !rc; l++) {
				for (pass = 0; pass < 2 && !rc; pass++) {
					for (j = 0; j < r->n_files && !rc; j++) {
						const struct feed_plan_file *af = &r->files[j];

						if (af->list != l || af->full_src ||
						    feed_change_removes(af->change) != (pass == 0))
							continue;
						rc = read_file(&c, af, NULL, false);
					}
				}
			}
		}
		last = r;
	}
	eir_reasons_clear(&c.reasons);
	if (!rc && last)
		rc = check_limit(&c, last->run);
	free(c.moved.k);
	if (rc)
		return rc;
	if (!last)
		return fail(&c, SYNC_E_STORE, "nothing to apply");
	OSMO_STRLCPY_ARRAY(fs.name, plan->feed);
	fs.run_id = last->run;
	OSMO_STRLCPY_ARRAY(fs.run_date, last->date);
	/* the time every entry this run added was stamped with */
	fs.applied_at = eir_db_txn_time(txn);
	rc = eir_db_txn_feed_state_put(txn, &fs);
	return rc ? store_fail(&c, rc) : 0;
}

/* About what the plan's files take in the store: their sizes (each file once), a zip's as 8 times (CSV lists
 * compress 4-8x); the store takes ~30 bytes an entry against the 40-odd of a CSV row (eir_db_reserve()) */
static uint64_t plan_bytes(const struct apply_plan *plan)
{
	const char *seen[64];
	unsigned i, j, k, n_seen = 0;
	uint64_t sum = 0;

	for (i = 0; i < plan->n_runs; i++) {
		for (j = 0; j < plan->runs[i].n_files; j++) {
			const struct feed_plan_file *f = &plan->runs[i].files[j];
			char path[4400];
			struct stat st;

			for (k = 0; k < n_seen && strcmp(seen[k], f->file); k++)
				;
			if (k < n_seen)
				continue;
			if (n_seen < ARRAY_SIZE(seen))
				seen[n_seen++] = f->file;
			snprintf(path, sizeof(path), "%s/%s", plan->dir, f->file);
			if (!stat(path, &st))
				sum += (uint64_t)st.st_size * (f->member ? 8 : 1);
		}
	}
	return sum;
}

/*! Apply the plan in one write transaction of the national part.
 *  \returns SYNC_OK, or a SYNC_E_* code with plan->err saying why (the store unchanged) */
int apply_plan(struct eir_db *db, struct apply_plan *plan)
{
	struct eir_db_stats ds;
	int rc;

	plan->attempt = 0;
	plan->exit_code = 0;
	plan->err[0] = '\0';
	/* what the lists hold at the start, for the safety limit: this process holds the national writer lock, so
	 * it is also what the write transaction starts from */
	rc = eir_db_stats(db, EIR_DB_NATIONAL, &ds);
	if (rc) {
		snprintf(plan->err, sizeof(plan->err), "%s", eir_db_errstr(db));
		return SYNC_E_STORE;
	}
	plan->held_rows[FEED_BLACK] = ds.imei_lists[EIR_LIST_BLACK];
	plan->held_rows[FEED_NOTIF] = ds.t[EIR_T_NOTIF].entries;
	plan->held_rows[FEED_EXC] = ds.t[EIR_T_EXC].entries;
	/* room for it in the map at once (else each doubling redoes the whole apply); too small an estimate only
	 * leaves the doublings to the write */
	if (eir_db_reserve(db, EIR_DB_NATIONAL, plan_bytes(plan)))
		LOGP(DSYNC, LOGL_NOTICE, "%s\n", eir_db_errstr(db));
	rc = eir_db_write(db, EIR_DB_NATIONAL, apply_cb, plan);
	if (rc == 0)
		return SYNC_OK;
	if (plan->exit_code)
		return plan->exit_code;
	snprintf(plan->err, sizeof(plan->err), "%s", eir_db_errstr(db));
	return rc == -ENOSPC ? SYNC_E_FULL : SYNC_E_STORE;
}
