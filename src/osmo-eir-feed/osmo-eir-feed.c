/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-feed: the publisher side of the national feed (national-feed.md §6). Takes the new full lists as CSV,
 * assigns the next run id, computes the deltas against the previous run's full lists, writes the run (plain or
 * zipped), appends it to RUNS, rewrites and signs SHA256SUMS; prune keeps the last N runs. */

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <talloc.h>
#include <zip.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/feed.h>
#include "feed_pub.h"
#include <osmocom/eir/xsort.h>

#define STATE_DIR ".osmo-eir-feed"	/* the last published full lists, for the next run's deltas */
#define MAX_OPS 16

static bool opt_zip, opt_no_full, opt_no_deltas, opt_keep_full = true;
static size_t opt_mem_budget = XSORT_DEFAULT_MEM;	/* for the deltas' sorts (--mem-budget) */
static const char *tmp_dir;			/* their runs (--tmp; default the state directory) */

/* the change type of each kind of difference, per list */
static const enum feed_change ch_added[_FEED_LIST_COUNT] = { FC_BLOCKED, FC_NEW, FC_ADDED };
static const enum feed_change ch_changed[_FEED_LIST_COUNT] = { FC_CHANGED, FC_CHANGED, FC_ADDED };
static const enum feed_change ch_removed[_FEED_LIST_COUNT] = { FC_UNBLOCKED, FC_RESOLVED, FC_REMOVED };

/* --- rows, keys and hashes --- */

struct row {
	uint64_t k0, k1, k2;	/* the entry's key: IMEI, and IMSI and MSISDN for notifications and exceptions */
	uint64_t h;		/* hash of the other fields */
	uint64_t idx;		/* position in the file: the last of duplicate keys wins */
};

static uint64_t fnv(uint64_t h, const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++)
		h = (h ^ (uint8_t)s[i]) * 1099511628211ULL;
	return h;
}

/* One key field as a word: its packed digits when it is valid, else a hash of its text (marked by the top bit). */
static uint64_t field_word(const struct eir_csv_row *row, unsigned i,
			   int (*pack)(const char *s, uint8_t out[8], const char **why))
{
	const char *s = row->f[i], *why;
	size_t len = row->len[i];
	uint8_t b[8];
	char buf[64];
	uint64_t w = 0;
	unsigned j;

	eir_csv_trim(&s, &len);
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 60 ? len : 60), s);
	if (pack(buf, b, &why))
		return fnv(14695981039346656037ULL, s, len) | (1ULL << 63);
	for (j = 0; j < 8; j++)
		w = w << 8 | b[j];
	return w;
}

/* The key and content hash of a row of list l: the IMEI (14- and 15-digit forms of one IMEI are one key), and for
 * notifications and exceptions the IMSI and the MSISDN, as DIRBS keys them: a row whose MSISDN changes is another
 * row, published as the old one removed and the new one added. */
static void row_key(enum feed_list l, const struct eir_csv_row *row, struct row *out)
{
	const struct feed_columns *col = &feed_columns[l];
	const char *s, *why;
	struct eir_imei imei;
	size_t len;
	unsigned i;
	char buf[64];

	memset(out, 0, sizeof(*out));
	s = row->f[col->imei];
	len = row->len[col->imei];
	eir_csv_trim(&s, &len);
	snprintf(buf, sizeof(buf), "%.*s", (int)(len < 60 ? len : 60), s);
	if (eir_imei_parse(buf, &imei, &why) == 0)
		out->k0 = imei.key;
	else
		out->k0 = fnv(14695981039346656037ULL, s, len) | (1ULL << 63);
	if (col->imsi >= 0 && row->n > (unsigned)col->imsi)
		out->k1 = field_word(row, col->imsi, eir_imsi_pack);
	if (col->msisdn >= 0 && row->n > (unsigned)col->msisdn)
		out->k2 = field_word(row, col->msisdn, eir_msisdn_pack);
	/* the other fields, the row's content */
	out->h = 14695981039346656037ULL;
	for (i = col->key_fields; i < row->n; i++) {
		s = row->f[i];
		len = row->len[i];
		eir_csv_trim(&s, &len);
		out->h = fnv(out->h, s, len);
		out->h = fnv(out->h, "\x1f", 1);
	}
}

static int key_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->k0 != y->k0)
		return x->k0 < y->k0 ? -1 : 1;
	if (x->k1 != y->k1)
		return x->k1 < y->k1 ? -1 : 1;
	return x->k2 < y->k2 ? -1 : x->k2 > y->k2;
}

/* Open a list CSV and check its header. \returns the reader (f set), or NULL with a message printed */
static struct eir_csv *open_list(enum feed_list l, const char *path, FILE **f, struct eir_csv_row *hdr)
{
	struct feed_rows fr;
	struct eir_csv *csv;
	char h[256];
	int rc;

	*f = fopen(path, "rb");
	if (!*f) {
		eir_fail(1, "cannot read %s: %s", path, strerror(errno));
		return NULL;
	}
	csv = eir_csv_new_file(NULL, *f);
	rc = eir_csv_next(csv, hdr);
	if (rc != 1) {
		eir_fail(1, "%s: %s", path, rc == 0 ? "empty, no header" : eir_csv_error(csv));
		goto err;
	}
	if (feed_header_check(&fr, l, hdr, h, sizeof(h))) {
		eir_fail(1, "%s: header '%s', expected '%s'", path, h, feed_list_headers[l]);
		goto err;
	}
	return csv;
err:
	eir_csv_free(csv);
	fclose(*f);
	return NULL;
}

/* The order of the key sort: by key, and within a key the last row of the file first (it is the one that counts) */
static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;
	int c = key_cmp(a, b);

	if (c)
		return c;
	return x->idx > y->idx ? -1 : x->idx < y->idx;
}

/* A row of a list file to copy into a delta: its position in the file << 2 | which delta (0 added, 1 changed, 2
 * removed); sorted by position, so that the deltas keep the rows in the order of the file they come from. */
static int mark_cmp(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

/* A sorter of a quarter of the budget: two key sorts and two mark sorts are alive at once (publish_deltas()). */
static struct xsort *sorter(void *tctx, size_t rec, int (*cmp)(const void *a, const void *b))
{
	struct xsort *s = xsort_new(tctx, rec, cmp, opt_mem_budget / 4, tmp_dir);

	if (!s)
		eir_fail(1, "out of memory");
	return s;
}

/* Every row's key and hash, sorted by row_cmp() (on disk beyond the budget). \returns the sorter, or NULL (said why) */
static struct xsort *sort_rows(void *tctx, enum feed_list l, const char *path)
{
	struct eir_csv_row row;
	struct eir_csv *csv;
	struct xsort *s;
	struct row r;
	uint64_t n = 0;
	FILE *f;
	int rc = 0;

	s = sorter(tctx, sizeof(struct row), row_cmp);
	if (!s)
		return NULL;
	if (path) {
		csv = open_list(l, path, &f, &row);
		if (!csv)
			return NULL;
		while ((rc = eir_csv_next(csv, &row)) != 0) {
			if (rc < 0) {
				rc = eir_fail(1, "%s: %s", path, eir_csv_error(csv));
				break;
			}
			row_key(l, &row, &r);
			r.idx = n++;
			if (xsort_add(s, &r)) {
				rc = eir_fail(1, "cannot sort %s: %s", path, xsort_error(s));
				break;
			}
		}
		eir_csv_free(csv);
		fclose(f);
		if (rc)
			return NULL;
	}
	if (xsort_finish(s)) {
		eir_fail(1, "cannot sort %s: %s", path, xsort_error(s));
		return NULL;
	}
	if (xsort_spilled(s))
		printf("%s: sorted in %u runs on disk (memory budget %zu bytes)\n", path, xsort_spilled(s),
		       opt_mem_budget);
	return s;
}

/* One delta file of a list: made only when it has rows. */
struct out_set {
	const char *path;
	FILE *f;
	size_t keys;	/* the entries it holds (a key repeated in the file is one entry, its rows all copied) */
};

/* Copy the rows of path that marks name (sorted by mark_cmp()) to the sets they name, sets[first..first+n_sets-1]. */
static int write_marked(enum feed_list l, const char *path, struct xsort *marks, struct out_set *sets,
			unsigned first, unsigned n_sets)
{
	struct eir_csv_row row;
	struct eir_csv *csv;
	uint64_t m, idx;
	unsigned i;
	int have, rc = 0;
	FILE *f;

	csv = open_list(l, path, &f, &row);
	if (!csv)
		return 1;
	for (i = first; i < first + n_sets; i++) {
		if (!sets[i].keys)
			continue;
		sets[i].f = fopen(sets[i].path, "w");
		if (!sets[i].f) {
			rc = eir_fail(1, "cannot write %s: %s", sets[i].path, strerror(errno));
			goto out;
		}
		eir_csv_put_row(sets[i].f, &row);
	}
	have = xsort_next(marks, &m);
	for (idx = 0; have >= 0 && (rc = eir_csv_next(csv, &row)) > 0; idx++) {
		if (have > 0 && m >> 2 == idx) {
			eir_csv_put_row(sets[m & 3].f, &row);
			have = xsort_next(marks, &m);
		}
	}
	if (have < 0)
		rc = eir_fail(1, "cannot sort %s: %s", path, xsort_error(marks));
	else if (rc < 0)
		rc = eir_fail(1, "%s: %s", path, eir_csv_error(csv));
out:
	for (i = first; i < first + n_sets; i++) {
		if (sets[i].f && fclose(sets[i].f) && !rc)
			rc = eir_fail(1, "cannot write %s: %s", sets[i].path, strerror(errno));
		sets[i].f = NULL;
	}
	eir_csv_free(csv);
	fclose(f);
	return rc ? 1 : 0;
}

/* a sorted stream of rows, one ahead */
struct stream {
	struct xsort *s;
	struct row cur;
	int have;	/* 1: cur is a row, 0: the end, -1: an error */
};

static void stream_next(struct stream *st)
{
	st->have = xsort_next(st->s, &st->cur);
}

/* Mark the rows of the entry at the head of st (every row of its key) for delta cls, or skip them (cls < 0). */
static int mark_entry(struct stream *st, struct xsort *marks, int cls)
{
	struct row k = st->cur;

	do {
		if (cls >= 0) {
			uint64_t m = st->cur.idx << 2 | (unsigned)cls;

			if (xsort_add(marks, &m))
				return -1;
		}
		stream_next(st);
	} while (st->have > 0 && !key_cmp(&st->cur, &k));
	return 0;
}

/* The deltas of list l from the previous full list prev (NULL: none) to the new one, as streams: both lists' keys
 * sorted, merged to find the added, changed and removed entries, their rows then copied in file order. */
static int publish_deltas(enum feed_list l, const char *prev, const char *path, struct out_set *sets)
{
	void *tctx = talloc_new(ctx);
	struct stream a = { 0 }, b = { 0 };
	struct xsort *mnew, *mold;
	int rc = 1, c, cls;

	a.s = sort_rows(tctx, l, path);
	b.s = a.s ? sort_rows(tctx, l, prev) : NULL;
	mnew = b.s ? sorter(tctx, sizeof(uint64_t), mark_cmp) : NULL;
	mold = mnew ? sorter(tctx, sizeof(uint64_t), mark_cmp) : NULL;
	if (!mold)
		goto out;
	stream_next(&a);
	stream_next(&b);
	while ((a.have > 0 || b.have > 0) && a.have >= 0 && b.have >= 0) {
		c = a.have <= 0 ? 1 : b.have <= 0 ? -1 : key_cmp(&a.cur, &b.cur);
		if (c <= 0) {
			/* exceptions have no "changed": a changed row is added again (insert or overwrite) */
			cls = c < 0 ? 0 : a.cur.h == b.cur.h ? -1 : l == FEED_EXC ? 0 : 1;
			if (cls >= 0)
				sets[cls].keys++;
			if (mark_entry(&a, mnew, cls) || (c == 0 && mark_entry(&b, mold, -1))) {
				eir_fail(1, "cannot sort %s: %s", path, xsort_error(mnew));
				goto out;
			}
		} else {
			sets[2].keys++;
			if (mark_entry(&b, mold, 2)) {
				eir_fail(1, "cannot sort %s: %s", prev, xsort_error(mold));
				goto out;
			}
		}
	}
	if (a.have < 0 || b.have < 0) {
		eir_fail(1, "cannot sort %s: %s", a.have < 0 ? path : prev, xsort_error(a.have < 0 ? a.s : b.s));
		goto out;
	}
	talloc_free(a.s);
	talloc_free(b.s);
	if (xsort_finish(mnew) || xsort_finish(mold)) {
		eir_fail(1, "cannot sort the deltas of %s: %s", path, xsort_error(xsort_error(mnew)[0] ? mnew : mold));
		goto out;
	}
	rc = write_marked(l, path, mnew, sets, 0, 2);
	if (!rc && prev)
		rc = write_marked(l, prev, mold, sets, 2, 1);
out:
	talloc_free(tctx);
	return rc;
}

/* --- publish --- */

struct input {
	enum feed_list list;
	const char *op;		/* NULL for the blacklist */
	const char *path;
};

static int utc_date(char *buf, time_t t)
{
	struct tm tm;

	gmtime_r(&t, &tm);
	return (int)strftime(buf, FEED_DATE_LEN + 1, "%Y%m%d_%H%M%S", &tm);
}

static time_t date_time(const char *d)
{
	struct tm tm = { 0 };

	sscanf(d, "%4d%2d%2d_%2d%2d%2d", &tm.tm_year, &tm.tm_mon, &tm.tm_mday, &tm.tm_hour, &tm.tm_min, &tm.tm_sec);
	tm.tm_year -= 1900;
	tm.tm_mon -= 1;
	return timegm(&tm);
}

static char *pending[1 + 2 * MAX_OPS];	/* state files to replace once the run is published */
static unsigned n_pending;

/* The files of one list of the run: the full list and its deltas against the previous full list. */
static int publish_list(const struct input *in, struct feed_run *r, bool deltas, char ***made, unsigned *n_made)
{
	const char *op = in->op ? in->op : "";
	struct feed_name fn = { .list = in->list, .base = r->base, .run = r->run };
	char name[512], *state, *prev;
	struct stat st;
	unsigned i;

	memcpy(fn.date, r->date, sizeof(fn.date));
	state = in->op ? pathf("%s/%s/%s_%s.csv", dir, STATE_DIR, feed_list_names[in->list], op)
		       : pathf("%s/%s/%s.csv", dir, STATE_DIR, feed_list_names[in->list]);
	prev = stat(state, &st) == 0 ? state : NULL;

	if (!opt_no_full) {
		feed_name_make(name, sizeof(name), &fn, op);
		if (copy_file(in->path, pathf("%s/%s", dir, name)))
			return 1;
		(*made)[(*n_made)++] = talloc_strdup(ctx, name);
	}
	if (deltas) {
		struct out_set sets[3] = { { 0 } };

		fn.delta = true;
		for (i = 0; i < 3; i++) {
			fn.change = i == 0 ? ch_added[in->list] : i == 1 ? ch_changed[in->list] : ch_removed[in->list];
			feed_name_make(name, sizeof(name), &fn, op);
			sets[i].path = pathf("%s/%s", dir, name);
		}
		if (publish_deltas(in->list, prev, in->path, sets))
			return 1;
		for (i = 0; i < 3; i++) {
			if (sets[i].keys)
				(*made)[(*n_made)++] = talloc_strdup(ctx, strrchr(sets[i].path, '/') + 1);
		}
		printf("%s%s%s: %zu added, %zu changed, %zu removed\n", feed_list_names[in->list], in->op ? " " : "",
		       op, sets[0].keys, sets[1].keys, sets[2].keys);
	}
	/* the state for the next run's deltas: in place once the run is published (commit_state()) */
	if (copy_file(in->path, pathf("%s.new", state)))
		return eir_fail(1, "cannot keep the published list in %s", state);
	pending[n_pending++] = state;
	return 0;
}

static int commit_state(void)
{
	unsigned i;

	for (i = 0; i < n_pending; i++) {
		if (rename(pathf("%s.new", pending[i]), pending[i]))
			return eir_fail(1, "cannot keep the published list in %s: %s", pending[i], strerror(errno));
	}
	return 0;
}

static int zip_files(const char *zip_path, char **names, unsigned n)
{
	zip_source_t *src;
	zip_t *za;
	unsigned i;
	int zerr;

	unlink(zip_path);
	za = zip_open(zip_path, ZIP_CREATE | ZIP_EXCL, &zerr);
	if (!za)
		return eir_fail(1, "cannot create %s (libzip error %d)", zip_path, zerr);
	for (i = 0; i < n; i++) {
		src = zip_source_file(za, pathf("%s/%s", dir, names[i]), 0, -1);
		if (!src || zip_file_add(za, names[i], src, ZIP_FL_ENC_UTF_8) < 0) {
			zip_source_free(src);
			eir_fail(1, "%s: %s", zip_path, zip_strerror(za));
			zip_discard(za);
			return 1;
		}
	}
	if (zip_close(za) < 0) {
		eir_fail(1, "%s: %s", zip_path, zip_strerror(za));
		zip_discard(za);
		return 1;
	}
	for (i = 0; i < n; i++)
		unlink(pathf("%s/%s", dir, names[i]));
	return 0;
}

static int cmd_publish(struct input *in, unsigned n_in)
{
	struct feed_runs runs;
	struct feed_sums sums;
	struct feed_run *r, *prev;
	char **made;
	unsigned i, j, n_made;
	time_t t = time(NULL);
	bool deltas;

	if (!n_in || in[0].list != FEED_BLACK)
		return eir_fail(1, "publish needs the full blacklist: --blacklist FILE");
	if (mkdir(dir, 0755) && errno != EEXIST)
		return eir_fail(1, "cannot make %s: %s", dir, strerror(errno));
	if (mkdir(pathf("%s/%s", dir, STATE_DIR), 0755) && errno != EEXIST)
		return eir_fail(1, "cannot make %s/%s: %s", dir, STATE_DIR, strerror(errno));
	if (!tmp_dir) {
		tmp_dir = pathf("%s/%s", dir, STATE_DIR);
	} else {
		struct stat st;

		/* said now, not at the first spill half-way through the lists */
		errno = 0;
		if (stat(tmp_dir, &st) || !S_ISDIR(st.st_mode) || access(tmp_dir, W_OK | X_OK))
			return eir_fail(1, "--tmp %s: %s", tmp_dir, errno ? strerror(errno) : "not a directory");
	}
	if (load_runs(&runs, &sums))
		return 1;
	prev = runs.n ? &runs.r[runs.n - 1] : NULL;
	deltas = prev && !opt_no_deltas;
	if (opt_no_full && !deltas)
		return eir_fail(1, "--no-full-lists needs a previous run to make deltas from, and no --no-deltas");
	runs.r = talloc_realloc(ctx, runs.r, struct feed_run, runs.n + 1);
	prev = runs.n ? &runs.r[runs.n - 1] : NULL;
	r = &runs.r[runs.n];
	memset(r, 0, sizeof(*r));
	r->run = prev ? prev->run + 1 : 1;
	r->base = deltas ? prev->run : -1;
	if (prev && date_time(prev->date) >= t)
		t = date_time(prev->date) + 1;	/* one file name prefix per run, even within one second */
	utc_date(r->date, t);

	for (i = 0; i < n_in; i++) {
		made = talloc_zero_array(ctx, char *, 4);
		n_made = 0;
		if (publish_list(&in[i], r, deltas, &made, &n_made))
			return 1;
		if (opt_zip && n_made) {
			struct feed_name fn = { .list = in[i].list, .zip = true };
			char name[512];

			memcpy(fn.date, r->date, sizeof(fn.date));
			feed_name_make(name, sizeof(name), &fn, in[i].op ? in[i].op : "");
			if (zip_files(pathf("%s/%s", dir, name), made, n_made))
				return 1;
			run_add_file(r, name);
		} else {
			for (j = 0; j < n_made; j++)
				run_add_file(r, made[j]);
		}
	}
	if (!r->n_files) {
		/* deltas only, and nothing changed: RUNS names at least one file, so an empty delta list */
		char *name = talloc_asprintf(ctx, "%s_blacklist_delta_%" PRId64 "_%" PRId64 "_changed.csv", r->date,
					     r->base, r->run);
		FILE *f = fopen(pathf("%s/%s", dir, name), "w");

		if (!f || fprintf(f, "%s\n", feed_list_headers[FEED_BLACK]) < 0 || fclose(f))
			return eir_fail(1, "cannot write %s/%s", dir, name);
		run_add_file(r, name);
	}
	runs.n++;
	if (write_indexes(&runs, &sums) || commit_state())
		return 1;
	printf("published run %" PRId64 " (%s, base %" PRId64 ") in %s: %u files\n", r->run, r->date, r->base, dir,
	       r->n_files);
	return 0;
}

/* --- prune --- */

static bool run_has_full(const struct feed_run *r)
{
	struct feed_name fn;
	unsigned i;
	char want[64];

	/* a run from nothing (base -1) holds its entire lists: full lists, or deltas from -1 (dirbs-listgen) */
	if (r->base == -1)
		return true;
	snprintf(want, sizeof(want), "%s_blacklist.csv", r->date);
	for (i = 0; i < r->n_files; i++) {
		if (feed_name_parse(r->files[i], "", &fn) || fn.list != FEED_BLACK)
			continue;
		if (!fn.zip && !fn.delta)
			return true;
		if (fn.zip) {
			char err[512];
			struct feed_zip *z = feed_zip_open(NULL, pathf("%s/%s", dir, r->files[i]), r->files[i], err,
							   sizeof(err));
			bool has = z && feed_zip_has(z, want);

			talloc_free(z);
			if (has)
				return true;
		}
	}
	return false;
}

static int cmd_prune(unsigned keep)
{
	struct feed_runs runs;
	struct feed_sums sums;
	bool *kept;
	unsigned i, j, n, newest_full = UINT32_MAX, removed = 0;

	if (load_runs(&runs, &sums))
		return 1;
	if (!runs.n)
		return eir_fail(1, "%s has no runs", dir);
	kept = talloc_zero_array(ctx, bool, runs.n);
	for (i = runs.n; i-- > 0;) {
		if (runs.n - i <= keep)
			kept[i] = true;
		if (newest_full == UINT32_MAX && run_has_full(&runs.r[i]))
			newest_full = i;
	}
	if (opt_keep_full && newest_full != UINT32_MAX)
		kept[newest_full] = true;
	for (i = n = 0; i < runs.n; i++) {
		if (kept[i]) {
			runs.r[n++] = runs.r[i];
			continue;
		}
		for (j = 0; j < runs.r[i].n_files; j++)
			unlink(pathf("%s/%s", dir, runs.r[i].files[j]));
		removed++;
	}
	runs.n = n;
	if (write_indexes(&runs, &sums))
		return 1;
	printf("pruned %u runs from %s, %u kept\n", removed, dir, n);
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: osmo-eir-feed -d DIR -k KEY COMMAND\n"
		"  -d, --dir DIR        the feed's directory (what the web server serves)\n"
		"  -k, --key FILE       the feed's Ed25519 private key (PEM)\n"
		"  -h, --help  -V, --version\n"
		"Commands:\n"
		"  publish [--zip] [--no-full-lists] [--no-deltas] [--mem-budget SIZE] [--tmp DIR]\n"
		"          --blacklist FILE [--notifications OP=FILE]... [--exceptions OP=FILE]...\n"
		"      the next run from these full lists: the full lists (unless --no-full-lists) and the deltas\n"
		"      against the previous run (unless --no-deltas), each list zipped with --zip; the deltas are\n"
		"      sorted in SIZE bytes of memory (k, M, G; default 256M), beyond that in temporary files in DIR\n"
		"      (default DIR/.osmo-eir-feed of the feed)\n"
		"  publish-dirbs LISTGEN_DIR\n"
		"      the next run: a dirbs-listgen output directory as it is (its run and base read from its delta\n"
		"      names), appended to RUNS, hashed and signed\n"
		"  prune [--no-keep-full] N\n"
		"      keep the last N runs, and the newest run with full lists (unless --no-keep-full)\n"
		"Exit: 0 done, 1 failed.\n");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "dir", 1, 0, 'd' },
		{ "key", 1, 0, 'k' },
		{ "zip", 0, 0, 'z' },
		{ "no-full-lists", 0, 0, 'F' },
		{ "no-deltas", 0, 0, 'D' },
		{ "no-keep-full", 0, 0, 'K' },
		{ "mem-budget", 1, 0, 'M' },
		{ "tmp", 1, 0, 'T' },
		{ "blacklist", 1, 0, 'b' },
		{ "notifications", 1, 0, 'n' },
		{ "exceptions", 1, 0, 'e' },
		{ "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' },
		{ 0, 0, 0, 0 }
	};
	struct input in[1 + 2 * MAX_OPS];
	unsigned n_in = 1, keep;
	const char *cmd;
	char *eq, *end;
	int c, rc;

	ctx = talloc_named_const(NULL, 0, "osmo-eir-feed");
	osmo_init_logging2(ctx, &eir_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_NOTICE);
	memset(in, 0, sizeof(in));
	in[0].list = _FEED_LIST_COUNT;	/* no blacklist yet */
	while ((c = getopt_long(argc, argv, "d:k:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'd':
			dir = optarg;
			break;
		case 'k':
			key_path = optarg;
			break;
		case 'z':
			opt_zip = true;
			break;
		case 'F':
			opt_no_full = true;
			break;
		case 'D':
			opt_no_deltas = true;
			break;
		case 'K':
			opt_keep_full = false;
			break;
		case 'M':
			if (xsort_parse_size(optarg, &opt_mem_budget) || opt_mem_budget < 4096)
				return eir_fail(1, "invalid --mem-budget '%s': a size in bytes (k, M or G), "
						"at least 4k", optarg);
			break;
		case 'T':
			tmp_dir = optarg;
			break;
		case 'b':
			in[0] = (struct input){ .list = FEED_BLACK, .path = optarg };
			break;
		case 'n':
		case 'e':
			eq = strchr(optarg, '=');
			if (!eq || eq == optarg || !eq[1])
				return eir_fail(1, "--%s OP=FILE", c == 'n' ? "notifications" : "exceptions");
			*eq = '\0';
			if (strpbrk(optarg, "/\\ ") || strstr(optarg, ".."))
				return eir_fail(1, "invalid operator id '%s'", optarg);
			if (n_in >= ARRAY_SIZE(in))
				return eir_fail(1, "at most %d operators", MAX_OPS);
			in[n_in++] = (struct input){ .list = c == 'n' ? FEED_NOTIF : FEED_EXC, .op = optarg,
						     .path = eq + 1 };
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("osmo-eir-feed %s\n", PACKAGE_VERSION);
			return 0;
		default:
			usage(stderr);
			return 1;
		}
	}
	if (!dir || !key_path || optind >= argc) {
		usage(stderr);
		return 1;
	}
	cmd = argv[optind];
	if (!strcmp(cmd, "publish")) {
		if (optind + 1 != argc)
			return eir_fail(1, "publish takes options, no arguments");
		rc = cmd_publish(in, in[0].list == FEED_BLACK ? n_in : 0);
	} else if (!strcmp(cmd, "publish-dirbs")) {
		if (optind + 2 != argc)
			return eir_fail(1, "publish-dirbs LISTGEN_DIR");
		rc = cmd_publish_dirbs(argv[optind + 1]);
	} else if (!strcmp(cmd, "prune")) {
		if (optind + 2 != argc)
			return eir_fail(1, "prune N");
		keep = (unsigned)strtoul(argv[optind + 1], &end, 10);
		if (*end || !keep)
			return eir_fail(1, "invalid number of runs to keep '%s'", argv[optind + 1]);
		rc = cmd_prune(keep);
	} else {
		usage(stderr);
		rc = 1;
	}
	talloc_free(ctx);
	return rc;
}
