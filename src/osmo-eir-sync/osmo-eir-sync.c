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

/* The planner's callbacks: a file it takes is fetched and checked against SHA256SUMS, a zip's members listed. */
static int plan_need(void *arg, const char *file, char *err, size_t errlen)
{
	struct attempt *a = arg;
	int rc = fetch_verified(a, file);

	if (rc)
		snprintf(err, errlen, "%s", a->err);
	return rc;
}

static int plan_members(void *arg, const char *zip, const char *const **names, unsigned *n, char *err, size_t errlen)
{
	struct attempt *a = arg;
	struct feed_zip *z = feed_zip_open(actx, path_of(a, zip), zip, err, errlen);
	int rc;

	if (!z)
		return SYNC_E_FORMAT;
	/* the names stay until the attempt ends (actx): the planner reads them until it returns */
	rc = feed_zip_members(z, actx, names, n);
	talloc_free(z);
	if (rc) {
		snprintf(err, errlen, "%s: out of memory", zip);
		return SYNC_E_STORE;
	}
	return 0;
}

/* A refusal of the planner as the exit code of its class. */
static int plan_exit(const struct feed_plan *fp, int rc)
{
	switch (rc) {
	case FEED_PLAN_E_REPLAY:
		return SYNC_E_REPLAY;
	case FEED_PLAN_E_GAP:
		return SYNC_E_GAP;
	case FEED_PLAN_E_OPERATOR:
		return SYNC_E_OPERATOR;
	case FEED_PLAN_E_OPS:
		return fp->ops_code;
	default:
		return SYNC_E_FORMAT;
	}
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
	const struct feed_plan_ops ops = { .need = plan_need, .members = plan_members, .arg = a };
	struct feed_plan fp;
	char *buf, *sig, perr[sizeof(a->err)];
	size_t len, siglen;
	bool not_modified;
	int64_t held = -1;
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
	rc = feed_plan_make(actx, &a->runs, held, g_sync.op, &ops, &fp, perr, sizeof(perr));
	if (rc)
		return refuse(a, plan_exit(&fp, rc), "%s", perr);
	if (fp.up_to_date) {
		cache_save(&got, held);
		snprintf(out->result, sizeof(out->result), "up to date: run %" PRId64 " (%s) held", held,
			 out->run_date);
		return SYNC_OK;
	}
	plan.held = held;
	plan.dir = a->dir;
	plan.runs = fp.runs;
	plan.n_runs = fp.n_runs;
	plan.limit = g_sync.limit;
	plan.mem_budget = g_sync.mem_budget;
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
