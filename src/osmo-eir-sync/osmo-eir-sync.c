/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-sync: fetch the signed national feed, verify it whole into local files, pick the run chain from the
 * run held (national-feed.md §5) and apply it to the national part in one transaction; once or polling. */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <talloc.h>
#include <zip.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/db.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/sync_status.h>
#include "sync.h"

#define INDEX_MAX (16 << 20)	/* SHA256SUMS and RUNS */
#define SIG_MAX 1024
#define INDEX_CACHE "sync-index"
#define TMP_PREFIX "sync-tmp."


static void *ctx;
static void *actx;	/* one attempt's allocations */
static bool tty;
static volatile sig_atomic_t stop;

/* one attempt */
struct attempt {
	char dir[4096];		/* working directory for the downloads */
	struct eir_db *db;
	struct feed_sums sums;
	struct feed_runs runs;
	char err[1024];
	double t0, last_progress;
};

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static struct attempt *cur;

static void progress_line(unsigned long rows)
{
	double t = now(), dt;

	if (!tty || !cur || t - cur->last_progress < 0.25)
		return;
	cur->last_progress = t;
	dt = t - cur->t0;
	fprintf(stderr, "\r%.1f MB fetched, %lu rows applied, %.0f rows/s   ", fetch_bytes_total / 1e6, rows,
		dt > 0 ? rows / dt : 0);
}

static void fetch_progress(void)
{
	progress_line(0);
}

static void apply_progress(const struct apply_stats *st)
{
	progress_line(st->rows);
}

static void progress_end(void)
{
	if (tty && cur && cur->last_progress > 0)
		fputs("\r\033[K", stderr);
}

static int refuse(struct attempt *a, int code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct attempt *a, int code, const char *fmt, ...)
{
	char buf[sizeof(a->err)];
	va_list ap;

	/* the arguments may include a->err itself */
	va_start(ap, fmt);
	vsnprintf(buf, sizeof(buf), fmt, ap);
	va_end(ap);
	memcpy(a->err, buf, sizeof(buf));
	return code;
}

static char *url_of(const char *name)
{
	size_t n = strlen(g_sync.url);

	return talloc_asprintf(actx, "%s%s%s", g_sync.url, n && g_sync.url[n - 1] == '/' ? "" : "/", name);
}

static char *path_of(struct attempt *a, const char *name)
{
	return talloc_asprintf(actx, "%s/%s", a->dir, name);
}

static int read_whole(const char *path, char **buf, size_t *len)
{
	FILE *f = fopen(path, "rb");
	long n;

	if (!f)
		return -errno;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	rewind(f);
	*buf = talloc_size(actx, (size_t)n + 1);
	if (!*buf || fread(*buf, 1, (size_t)n, f) != (size_t)n) {
		fclose(f);
		return -EIO;
	}
	(*buf)[n] = '\0';
	*len = (size_t)n;
	fclose(f);
	return 0;
}

/* --- the conditional GET's memory: ETag and Last-Modified of the index last applied or found up to date --- */

static void cache_path(char *buf, size_t len)
{
	snprintf(buf, len, "%s/%s", g_sync.db_dir, INDEX_CACHE);
}

static void cache_load(struct fetch_cond *c, int64_t held)
{
	char path[4096], line[512], url[4096] = "";
	long long lm = 0, run = -1;
	FILE *f;

	memset(c, 0, sizeof(*c));
	cache_path(path, sizeof(path));
	f = fopen(path, "r");
	if (!f)
		return;
	while (fgets(line, sizeof(line), f)) {
		line[strcspn(line, "\n")] = '\0';
		if (!strncmp(line, "etag ", 5))
			OSMO_STRLCPY_ARRAY(c->etag, line + 5);
		else if (!strncmp(line, "last_modified ", 14))
			lm = atoll(line + 14);
		else if (!strncmp(line, "url ", 4))
			OSMO_STRLCPY_ARRAY(url, line + 4);
		else if (!strncmp(line, "run ", 4))
			run = atoll(line + 4);
	}
	fclose(f);
	c->last_modified = lm;
	/* another feed's, or saved with another run held (a store restored from a backup): ask unconditionally */
	if (strcmp(url, g_sync.url) || run != held)
		memset(c, 0, sizeof(*c));
}

static void cache_forget(void);

static void cache_save(const struct fetch_cond *c, int64_t held)
{
	char path[4096], tmp[4200];
	FILE *f;

	/* Racy validators (like git's racily clean index entries): an index modified in the second it was fetched
	 * can be rewritten within that second to the same size, and keep its Last-Modified and, with nginx, its
	 * ETag (mtime and size). Remember nothing then: the next sync asks unconditionally. */
	if (c->last_modified && c->fetched_at && c->last_modified >= c->fetched_at) {
		cache_forget();
		return;
	}
	cache_path(path, sizeof(path));
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	f = fopen(tmp, "w");
	if (!f)
		return;
	fprintf(f, "url %s\nrun %lld\netag %s\nlast_modified %lld\n", g_sync.url, (long long)held, c->etag,
		(long long)c->last_modified);
	if (fclose(f) == 0)
		rename(tmp, path);
}

static void cache_forget(void)
{
	char path[4096];

	cache_path(path, sizeof(path));
	unlink(path);
}

/* --- downloads --- */

static int rm_rf(const char *dir)
{
	struct dirent *de;
	char p[4400];
	DIR *d = opendir(dir);

	if (!d)
		return -errno;
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		unlink(p);
	}
	closedir(d);
	return rmdir(dir) ? -errno : 0;
}

/* Working directories of attempts that were killed. */
static void clean_leftovers(const char *tmp_dir)
{
	struct dirent *de;
	char p[4400];
	DIR *d = opendir(tmp_dir);

	if (!d)
		return;
	while ((de = readdir(d))) {
		if (strncmp(de->d_name, TMP_PREFIX, strlen(TMP_PREFIX)))
			continue;
		snprintf(p, sizeof(p), "%s/%s", tmp_dir, de->d_name);
		LOGP(DSYNC, LOGL_INFO, "removing %s, left by an earlier attempt\n", p);
		rm_rf(p);
	}
	closedir(d);
}

/* Download a file listed in SHA256SUMS and check its hash. \returns 0 or a SYNC_E_* code */
static int fetch_verified(struct attempt *a, const char *name)
{
	const uint8_t *want = feed_sums_get(&a->sums, name);
	char *url, *path, hw[65], hg[65];
	uint8_t got[32];
	struct stat st;
	int rc;

	if (!want)
		return refuse(a, SYNC_E_HASH, "%s is not listed in SHA256SUMS", name);
	path = path_of(a, name);
	if (stat(path, &st) == 0)
		return 0;	/* fetched and checked already in this attempt */
	url = url_of(name);
	rc = fetch_file(&g_sync.fo, url, path, 0, NULL, NULL, NULL, got, a->err, sizeof(a->err));
	if (rc) {
		unlink(path);
		return rc;
	}
	if (memcmp(got, want, 32)) {
		unlink(path);
		return refuse(a, SYNC_E_HASH, "%s: SHA-256 %s, SHA256SUMS says %s (truncated or altered)", name,
			      feed_hex(hg, got), feed_hex(hw, want));
	}
	return 0;
}

static int add_file(struct attempt *a, struct apply_run *ar, const struct feed_name *fn, const char *name,
		    const char *path, const char *member)
{
	const char *fname = member ? member : name;
	struct apply_file *af;
	unsigned i;

	/* one list file in two places (two zips, or a zip and a plain file) would be applied twice */
	for (i = 0; i < ar->n_files; i++) {
		const struct apply_file *o = &ar->files[i];

		if (!strcmp(o->member ? o->member : o->name, fname))
			return refuse(a, SYNC_E_FORMAT, "run %" PRId64 ": %s and %s are the same list file", ar->run,
				      o->name, member ? talloc_asprintf(actx, "%s:%s", name, member) : name);
	}
	ar->files = talloc_realloc(actx, ar->files, struct apply_file, ar->n_files + 1);
	af = &ar->files[ar->n_files++];
	memset(af, 0, sizeof(*af));
	af->list = fn->list;
	af->delta = fn->delta;
	af->full_src = !fn->delta;
	af->change = fn->change;
	af->path = talloc_strdup(actx, path);
	af->member = member ? talloc_strdup(actx, member) : NULL;
	af->name = member ? talloc_asprintf(actx, "%s:%s", name, member) : talloc_strdup(actx, name);
	return 0;
}

/* A list file name in run r: ours and consistent with the run, or not ours. \returns 0, 1 (not ours), or a code */
static int check_name(struct attempt *a, const struct feed_run *r, const char *name, struct feed_name *fn)
{
	int rc = feed_name_parse(name, g_sync.op, fn);

	if (rc == -ENOENT)
		return 1;
	if (rc)
		return refuse(a, SYNC_E_FORMAT, "run %" PRId64 ": malformed list file name '%s'", r->run, name);
	if (strcmp(fn->date, r->date))
		return refuse(a, SYNC_E_FORMAT, "run %" PRId64 ": file '%s' is not dated %s", r->run, name, r->date);
	if (fn->delta && (fn->run != r->run || fn->base != r->base))
		return refuse(a, SYNC_E_FORMAT, "run %" PRId64 " (base %" PRId64 "): delta file '%s' is for another "
			      "run",
			      r->run, r->base, name);
	return 0;
}

/* Does a file of run r belong in this step: its full lists (full), or its deltas? A run from nothing (base -1)
 * offers its adding deltas as full lists too: DIRBS's first run, or any run with --no-full-lists, has no other. */
static bool wanted(const struct feed_run *r, const struct feed_name *fn, bool full)
{
	if (!full)
		return fn->delta;
	return !fn->delta || (r->base == -1 && !feed_change_removes(fn->change));
}

/* In a run applied from its full lists, per list: its full list file when it has one, else its deltas from nothing
 * (the same rows: DIRBS writes both unless told --no-full-lists). */
static void keep_full_sources(struct apply_run *ar)
{
	bool has_full[_FEED_LIST_COUNT] = { false };
	unsigned i, n;

	for (i = 0; i < ar->n_files; i++)
		has_full[ar->files[i].list] |= !ar->files[i].delta;
	for (i = n = 0; i < ar->n_files; i++) {
		if (has_full[ar->files[i].list] && ar->files[i].delta)
			continue;
		ar->files[n] = ar->files[i];
		ar->files[n++].full_src = true;
	}
	ar->n_files = n;
}

/* Download what a run contributes: its full lists (full) or its deltas, plain or inside its zips. Our files are
 * found by their member names in every zip of their list that may hold them (feed_name_parse()). */
static int prepare_run(struct attempt *a, const struct feed_run *r, bool full, struct apply_run *ar)
{
	struct feed_name fn, mn;
	unsigned i;
	int rc;

	memset(ar, 0, sizeof(*ar));
	ar->run = r->run;
	OSMO_STRLCPY_ARRAY(ar->date, r->date);
	ar->full = full;
	for (i = 0; i < r->n_files; i++) {
		const char *name = r->files[i];

		rc = check_name(a, r, name, &fn);
		if (rc == 1)
			continue;
		if (rc)
			return rc;
		if (!fn.zip && !wanted(r, &fn, full))
			continue;
		rc = fetch_verified(a, name);
		if (rc)
			return rc;
		if (!fn.zip) {
			rc = add_file(a, ar, &fn, name, path_of(a, name), NULL);
			if (rc)
				return rc;
		} else {
			char *path = path_of(a, name);
			zip_int64_t n, j;
			int zerr;
			zip_t *za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);

			if (!za)
				return refuse(a, SYNC_E_FORMAT, "%s: not a readable zip file (error %d)", name, zerr);
			n = zip_get_num_entries(za, 0);
			for (j = 0; j < n; j++) {
				const char *m = zip_get_name(za, (zip_uint64_t)j, 0);

				if (!m || !feed_file_name_safe(m)) {
					zip_discard(za);
					return refuse(a, SYNC_E_FORMAT, "%s: member name refused", name);
				}
				rc = check_name(a, r, m, &mn);
				if (rc == 0 && (mn.zip || mn.list != fn.list))
					rc = refuse(a, SYNC_E_FORMAT, "%s: member '%s' does not belong in it", name, m);
				if (rc == 0 && wanted(r, &mn, full))
					rc = add_file(a, ar, &mn, name, path, m);
				if (rc > 1) {
					zip_discard(za);
					return rc;
				}
			}
			zip_discard(za);
		}
	}
	if (full)
		keep_full_sources(ar);
	return 0;
}

static bool has_full_list(const struct apply_run *ar, enum feed_list l)
{
	unsigned i;

	for (i = 0; i < ar->n_files; i++) {
		if (ar->files[i].list == l && ar->files[i].full_src)
			return true;
	}
	return false;
}

/* --- one attempt --- */

struct outcome {
	int code;
	int64_t run_id;
	char run_date[16];
	char result[256];
};

static int do_attempt(struct attempt *a, struct outcome *out)
{
	struct eir_db_opts o = { .map_size = g_sync.map_mib << 20, .map_max = g_sync.map_max_mib << 20 };
	struct fetch_cond cond, got;
	struct eir_feed_state fs;
	struct apply_plan plan = { .feed = g_sync.feed, .held = -1 };
	struct feed_run *newest, **path = NULL;
	char *buf, *sig;
	size_t len, siglen;
	bool not_modified;
	unsigned n_path = 0, k, i;
	int64_t held = -1;
	enum feed_list l;
	int rc;
	double dt;

	rc = eir_db_open(actx, &a->db, g_sync.db_dir, &o);
	if (rc)
		return refuse(a, SYNC_E_STORE, "%s", a->db ? eir_db_errstr(a->db) : strerror(-rc));
	rc = eir_db_writer_lock(a->db, EIR_DB_NATIONAL, "osmo-eir-sync");
	if (rc)
		return refuse(a, rc == -EBUSY ? SYNC_E_BUSY : SYNC_E_STORE, "%s", eir_db_errstr(a->db));
	rc = eir_db_feed_state_get(a->db, &fs);
	if (rc == 0) {
		out->run_id = fs.run_id;
		OSMO_STRLCPY_ARRAY(out->run_date, fs.run_date);
	}
	if (rc == 0 && strcmp(fs.name, g_sync.feed)) {
		LOGP(DSYNC, LOGL_NOTICE, "the store holds run %" PRId64 " of feed '%s', not '%s': starting from the "
		     "full lists\n", fs.run_id, fs.name, g_sync.feed);
	} else if (rc == 0) {
		held = fs.run_id;
	} else if (rc != -ENOENT) {
		return refuse(a, SYNC_E_STORE, "%s", eir_db_errstr(a->db));
	}

	snprintf(a->dir, sizeof(a->dir), "%s/" TMP_PREFIX "XXXXXX", g_sync.tmp_dir ? g_sync.tmp_dir : g_sync.db_dir);
	clean_leftovers(g_sync.tmp_dir ? g_sync.tmp_dir : g_sync.db_dir);
	if (!mkdtemp(a->dir)) {
		rc = errno;
		a->dir[0] = '\0';
		return refuse(a, rc == ENOSPC ? SYNC_E_FULL : SYNC_E_STORE, "cannot make a working directory: %s",
			      strerror(rc));
	}

	/* the index: only when it changed since the run we hold */
	if (held >= 0)
		cache_load(&cond, held);
	else
		memset(&cond, 0, sizeof(cond));
	rc = fetch_file(&g_sync.fo, url_of("SHA256SUMS"), path_of(a, "SHA256SUMS"), INDEX_MAX, &cond, &got,
			&not_modified, NULL, a->err, sizeof(a->err));
	if (rc)
		return rc;
	if (not_modified) {
		snprintf(out->result, sizeof(out->result), "unchanged: the index was not modified, run %" PRId64
			 " held", held);
		return SYNC_OK;
	}
	rc = read_whole(path_of(a, "SHA256SUMS"), &buf, &len);
	if (rc)
		return refuse(a, SYNC_E_STORE, "SHA256SUMS: %s", strerror(-rc));
	if (g_sync.pubkey) {
		rc = fetch_file(&g_sync.fo, url_of("SHA256SUMS.sig"), path_of(a, "SHA256SUMS.sig"), SIG_MAX, NULL, NULL,
				NULL, NULL, a->err, sizeof(a->err));
		if (rc == SYNC_E_TRANSFER || rc == SYNC_E_FORMAT)
			return refuse(a, SYNC_E_SIGNATURE, "no usable signature: %s", a->err);
		if (rc)
			return rc;
		rc = read_whole(path_of(a, "SHA256SUMS.sig"), &sig, &siglen);
		if (rc)
			return refuse(a, SYNC_E_STORE, "SHA256SUMS.sig: %s", strerror(-rc));
		rc = feed_verify(g_sync.pubkey, buf, len, sig, siglen, a->err, sizeof(a->err));
		if (rc == -EINVAL)
			return SYNC_E_USAGE;
		if (rc)
			return refuse(a, SYNC_E_SIGNATURE, "SHA256SUMS: bad signature: %s", a->err);
	} else {
		LOGP(DSYNC, LOGL_NOTICE, "feed '%s' configured insecure: the index is NOT checked for a signature\n",
		     g_sync.feed);
	}
	if (feed_sums_parse(actx, buf, len, &a->sums, a->err, sizeof(a->err)))
		return refuse(a, SYNC_E_FORMAT, "SHA256SUMS: %s", a->err);
	rc = fetch_verified(a, "RUNS");
	if (rc)
		return rc;
	rc = read_whole(path_of(a, "RUNS"), &buf, &len);
	if (rc)
		return refuse(a, SYNC_E_STORE, "RUNS: %s", strerror(-rc));
	if (feed_runs_parse(actx, buf, len, &a->runs, a->err, sizeof(a->err)))
		return refuse(a, SYNC_E_FORMAT, "RUNS: %s", a->err);
	if (!a->runs.n)
		return refuse(a, SYNC_E_FORMAT, "RUNS lists no run");
	newest = &a->runs.r[a->runs.n - 1];
	if (newest->run < held)
		return refuse(a, SYNC_E_REPLAY, "the feed's newest run %" PRId64 " (%s) is older than run %" PRId64
			      " held: a replayed old index must not unblock phones", newest->run, newest->date, held);
	if (newest->run == held) {
		cache_save(&got, held);
		snprintf(out->result, sizeof(out->result), "up to date: run %" PRId64 " (%s) held", held,
			 out->run_date);
		return SYNC_OK;
	}

	/* the path from the newest run back along its bases */
	for (newest = &a->runs.r[a->runs.n - 1]; newest; newest = newest->base >= 0 ?
	     feed_runs_find(&a->runs, newest->base) : NULL) {
		path = talloc_realloc(actx, path, struct feed_run *, n_path + 1);
		path[n_path++] = newest;
		if (held >= 0 && newest->base == held)
			break;
	}
	plan.held = held;
	plan.runs = talloc_zero_array(actx, struct apply_run, n_path);
	if (held >= 0 && path[n_path - 1]->base == held) {
		/* the delta chain from the run held */
		for (k = n_path; k-- > 0;) {
			rc = prepare_run(a, path[k], false, &plan.runs[plan.n_runs++]);
			if (rc)
				return rc;
		}
	} else {
		/* the newest run with full lists on the path, then the deltas of the later runs */
		for (k = 0; k < n_path; k++) {
			rc = prepare_run(a, path[k], true, &plan.runs[0]);
			if (rc)
				return rc;
			if (has_full_list(&plan.runs[0], FEED_BLACK))
				break;
		}
		if (k == n_path)
			return refuse(a, SYNC_E_GAP, "no delta chain from %s to run %" PRId64 " and no full lists to "
				      "fall back on (oldest run on the way: %" PRId64 ", base %" PRId64 ")",
				      held >= 0 ? talloc_asprintf(actx, "run %" PRId64, held) : "an empty store",
				      a->runs.r[a->runs.n - 1].run, path[n_path - 1]->run, path[n_path - 1]->base);
		/* DIRBS always writes every operator's lists in a run with full lists, header-only when empty: none for
		 * us is a wrong operator id or a broken publisher, never "no rows" (that would delete all we hold) */
		for (l = FEED_NOTIF; l <= FEED_EXC; l++) {
			if (!has_full_list(&plan.runs[0], l))
				return refuse(a, SYNC_E_OPERATOR, "run %" PRId64 " has full lists but no %s file for "
					      "operator '%s' (a wrong operator id, or a broken publisher?)",
					      path[k]->run, feed_list_names[l], g_sync.op);
		}
		plan.n_runs = 1;
		for (i = k; i-- > 0;) {
			rc = prepare_run(a, path[i], false, &plan.runs[plan.n_runs++]);
			if (rc)
				return rc;
		}
	}

	plan.limit = g_sync.limit;
	rc = apply_plan(a->db, &plan);
	progress_end();
	if (rc)
		return refuse(a, rc, "%s", plan.err);
	dt = now() - a->t0;
	out->run_id = plan.runs[plan.n_runs - 1].run;
	OSMO_STRLCPY_ARRAY(out->run_date, plan.runs[plan.n_runs - 1].date);
	cache_save(&got, out->run_id);
	snprintf(out->result, sizeof(out->result), "run %" PRId64 " (%s) applied %s run %" PRId64 ": %lu added, "
		 "%lu removed, %lu changed, %lu skipped, %lu absent, %.2f s%s", out->run_id, out->run_date,
		 plan.runs[0].full ? "from the full lists of" : "as deltas from",
		 plan.runs[0].full ? plan.runs[0].run : held, plan.st.added,
		 plan.st.removed, plan.st.changed, plan.st.skipped, plan.st.absent, dt,
		 plan.over_accepted ? "; removals above the safety limit accepted" : "");
	return SYNC_OK;
}

static int attempt(void)
{
	struct attempt a = { .t0 = now() };
	struct outcome out = { .run_id = -1 };
	struct eir_sync_status st, prev;
	int code;

	actx = talloc_named_const(ctx, 0, "attempt");
	cur = &a;
	fetch_bytes_total = 0;
	/* the operator may have accepted a refused run in the config file since the last attempt */
	code = sync_config_accept();
	if (code == SYNC_OK)
		code = do_attempt(&a, &out);
	else
		snprintf(a.err, sizeof(a.err), "the config file %s is unreadable or wrong", g_sync.config);
	progress_end();
	cur = NULL;
	if (a.dir[0])
		rm_rf(a.dir);
	if (code == SYNC_OK) {
		printf("osmo-eir-sync: feed %s: %s\n", g_sync.feed, out.result);
		fflush(stdout);
	} else {
		fprintf(stderr, "osmo-eir-sync: feed %s: refused (exit %d): %s; the lists stay as they were\n",
			g_sync.feed, code, a.err);
		snprintf(out.result, sizeof(out.result), "refused: %.240s", a.err);
		if (code == SYNC_E_REPLAY)
			cache_forget();
	}
	/* the record of this attempt, for the daemon */
	memset(&st, 0, sizeof(st));
	OSMO_STRLCPY_ARRAY(st.feed, g_sync.feed);
	st.attempt_at = time(NULL);
	st.exit_code = code;
	OSMO_STRLCPY_ARRAY(st.result, out.result);
	if (eir_sync_status_read(g_sync.db_dir, &prev) == 0 && !strcmp(prev.feed, g_sync.feed)) {
		st.ok_at = prev.ok_at;
		st.limit_refused = prev.limit_refused;
	}
	if (code == SYNC_OK)
		st.ok_at = st.attempt_at;
	if (code == SYNC_E_LIMIT)
		st.limit_refused++;
	st.run_id = out.run_id;
	OSMO_STRLCPY_ARRAY(st.run_date, out.run_date);
	if (a.db) {
		eir_db_close(a.db);	/* the lock too */
		a.db = NULL;
	}
	if (code != SYNC_E_USAGE && eir_sync_status_write(g_sync.db_dir, &st))
		LOGP(DSYNC, LOGL_ERROR, "cannot write %s/%s\n", g_sync.db_dir, EIR_SYNC_STATUS_FILE);
	talloc_free(actx);
	actx = NULL;
	return code;
}

static void log_output(struct log_target *target, int subsys, unsigned int level, const char *file, int line,
		       int cont, const char *format, va_list ap)
{
	if ((subsys == DDB || subsys == DEIR) && level >= LOGL_ERROR)
		return;
	if (!cont) {
		progress_end();
		fputs("osmo-eir-sync: ", stderr);
	}
	vfprintf(stderr, format, ap);
}

static void on_signal(int sig)
{
	stop = 1;
}

int main(int argc, char **argv)
{
	int rc;
	bool verbose = false;

	ctx = talloc_named_const(NULL, 0, "osmo-eir-sync");
	osmo_init_logging2(ctx, &eir_log_info);
	osmo_stderr_target->raw_output = log_output;
	log_set_log_level(osmo_stderr_target, LOGL_NOTICE);

	rc = sync_config(argc, argv, &verbose);
	if (rc >= 0)
		return rc;
	if (verbose) {
		log_set_category_filter(osmo_stderr_target, DSYNC, 1, LOGL_DEBUG);
	}
	tty = isatty(2);
	fetch_progress_cb = fetch_progress;
	apply_progress_cb = apply_progress;
	if (fetch_global_init())
		return eir_fail(SYNC_E_USAGE, "libcurl: cannot initialise");

	if (!g_sync.poll) {
		rc = attempt();
	} else {
		signal(SIGTERM, on_signal);
		signal(SIGINT, on_signal);
		LOGP(DSYNC, LOGL_NOTICE, "polling feed '%s' at %s every %ld s\n", g_sync.feed, g_sync.url, g_sync.poll);
		while (!stop) {
			long s;

			attempt();
			for (s = 0; s < g_sync.poll * 10 && !stop; s++)
				usleep(100000);
		}
		rc = 0;
	}
	log_fini();
	talloc_free(ctx);
	return rc;
}
