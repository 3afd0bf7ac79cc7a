/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-push: delivers the device history's events (sightings, SIM and handset changes, clone suspects) to a
 * receiver over HTTPS, at least once. The history store is the spool: the agent reads it read-only from where
 * the state file says it stopped, so nothing is lost while the receiver is down, and osmo-eir never waits for it. */

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>

#include <osmocom/eir/db.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/json.h>
#include <osmocom/eir/logging.h>

#include "push.h"

/* events looked at per round at most, when a kind filter skips most of them */
#define SCAN_MAX 10000

static volatile int push_stop;	/* SIGTERM or SIGINT */

/* the state file's content */
struct push_state {
	uint64_t last_id;	/*!< the last event acknowledged (or skipped: another kind, pruned) */
	uint64_t pruned;	/*!< events the retention removed before they were delivered, all time */
};

/* this run's figures, logged at the end */
static struct {
	uint64_t delivered, posts, failed_posts, pruned;
} stats;

static void *ctx;
static struct eir_hist *hist;
static struct eir_db *db;
static bool db_tried;	/* the lists store is opened once: the reasons are an extra */
static char *body;
static size_t body_cap;

static void on_signal(int sig)
{
	(void)sig;
	push_stop = 1;
}

/* sleep s seconds, or less when asked to stop */
static void nap(long s)
{
	for (long i = 0; i < s * 10 && !push_stop; i++)
		usleep(100000);
}

/* \returns 0 (a missing file is the start: nothing delivered yet), or -1 (said why) */
static int state_read(struct push_state *st)
{
	char line[256], key[32];
	unsigned long long v;
	FILE *f;
	int rc = 0;

	*st = (struct push_state){ 0 };
	f = fopen(g_push.state, "r");
	if (!f) {
		if (errno == ENOENT)
			return 0;
		LOGP(DPUSH, LOGL_ERROR, "cannot read the state file %s: %s\n", g_push.state, strerror(errno));
		return -1;
	}
	while (!rc && fgets(line, sizeof(line), f)) {
		if (line[0] == '#' || line[0] == '\n')
			continue;
		if (sscanf(line, "%31s %llu", key, &v) != 2) {
			rc = -1;
		} else if (!strcmp(key, "last-id")) {
			st->last_id = v;
		} else if (!strcmp(key, "pruned")) {
			st->pruned = v;
		} else {
			rc = -1;
		}
	}
	fclose(f);
	/* never guess a place: a wrong one would skip events or send them all again */
	if (rc)
		LOGP(DPUSH, LOGL_ERROR, "the state file %s is garbled: fix or remove it (removed: every event kept is "
		     "sent again)\n", g_push.state);
	return rc;
}

/* written to a temporary file, synced and renamed over the old one: a crash leaves the old place or the new one */
static int state_write(const struct push_state *st)
{
	char *tmp = talloc_asprintf(ctx, "%s.tmp", g_push.state), *dcopy;
	int fd, dfd, rc = -1;
	FILE *f;

	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
	if (fd < 0)
		goto out;
	f = fdopen(fd, "w");
	if (!f) {
		close(fd);
		goto out;
	}
	fprintf(f, "# osmo-eir-push: the last event id the receiver acknowledged; the events after it are sent next\n"
		   "last-id %" PRIu64 "\npruned %" PRIu64 "\n", st->last_id, st->pruned);
	if (fflush(f) || fsync(fd)) {
		fclose(f);
		goto out;
	}
	if (fclose(f) || rename(tmp, g_push.state))
		goto out;
	dcopy = talloc_strdup(ctx, g_push.state);
	dfd = open(dirname(dcopy), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	talloc_free(dcopy);
	if (dfd >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (rc) {
		LOGP(DPUSH, LOGL_ERROR, "cannot write the state file %s: %s (a restart sends the events since the "
		     "last write again)\n", g_push.state, strerror(errno));
		unlink(tmp);
	}
	talloc_free(tmp);
	return rc;
}

/* one round's batch */
struct batch {
	struct eir_jbuf b;
	unsigned n, examined;
	uint64_t first_seen, first_sent, last_seen;
	bool too_big;
};

static int collect(void *data, const struct eir_hist_event *ev)
{
	struct batch *c = data;
	char obj[EIR_HIST_JSON_MAX];
	int n;

	if (!c->examined)
		c->first_seen = ev->id;
	c->examined++;
	c->last_seen = ev->id;
	if (g_push.kind && ev->kind != g_push.kind)
		return c->examined >= SCAN_MAX;
	n = eir_hist_event_json(ev, db, obj, sizeof(obj));
	if (n < 0) {
		/* cannot happen (EIR_HIST_JSON_MAX holds any event); should it, the event is skipped and said */
		LOGP(DPUSH, LOGL_ERROR, "event %" PRIu64 " does not fit %u bytes: skipped\n", ev->id,
		     EIR_HIST_JSON_MAX);
		return 0;
	}
	if (!c->n)
		c->first_sent = ev->id;
	eir_jb_printf(&c->b, "%s%s", c->n ? ",\n" : "[", obj);
	c->n++;
	return c->n >= g_push.batch || c->examined >= SCAN_MAX;
}

static void gap(struct push_state *st, uint64_t from, uint64_t to)
{
	uint64_t n = to - from + 1;

	st->pruned += n;
	stats.pruned += n;
	LOGP(DPUSH, LOGL_ERROR, "events %" PRIu64 "..%" PRIu64 " (%" PRIu64 ") were pruned by the history retention "
	     "before they were delivered (%" PRIu64 " in all)\n", from, to, n, st->pruned);
}

static void hist_close(void)
{
	if (hist)
		eir_hist_close(hist);
	hist = NULL;
}

/* the history, and the lists for the reasons; \returns 0 or -1 (said why, once per failure run) */
static int open_stores(bool *said)
{
	struct eir_db_opts o = { .read_only = true };
	char err[512];

	if (!hist && eir_hist_open_ro(ctx, &hist, g_push.history, err, sizeof(err))) {
		if (g_push.once)
			LOGP(DPUSH, LOGL_ERROR, "%s\n", err);
		else if (!*said)
			LOGP(DPUSH, LOGL_ERROR, "%s; trying again every %ld s\n", err, g_push.poll);
		*said = true;
		hist = NULL;
		return -1;
	}
	*said = false;
	if (!db_tried && eir_db_open(ctx, &db, g_push.db_dir, &o)) {
		LOGP(DPUSH, LOGL_NOTICE, "the lists store %s cannot be read: reasons are given by id only\n",
		     g_push.db_dir);
		eir_db_close(db);
		db = NULL;
	}
	db_tried = true;
	return 0;
}

/* \returns 1: delivered or nothing to do (busy: more may be there), 0: idle, -1: history error, -2: POST failed */
static int round_once(struct push_state *st, long *backoff)
{
	struct batch c = { .b = { .p = body, .cap = body_cap } };
	char err[512], again[48] = "";
	uint64_t next;
	long status;
	int rc;

	if (eir_hist_next_id(hist, &next))
		return -1;
	rc = eir_hist_events_after(hist, st->last_id, 0, 0, collect, &c);
	if (rc)
		return -1;
	if (!c.examined) {
		if (next - 1 > st->last_id) {
			/* all after our place pruned, none newer yet */
			gap(st, st->last_id + 1, next - 1);
			st->last_id = next - 1;
			state_write(st);
		} else if (next - 1 < st->last_id) {
			LOGP(DPUSH, LOGL_ERROR, "the history's last event is %" PRIu64 ", the state file says %" PRIu64
			     " was delivered: a new history; starting from its first event\n", next - 1, st->last_id);
			st->last_id = 0;
			state_write(st);
			return 1;
		}
		return 0;
	}
	if (c.first_seen > st->last_id + 1) {
		/* the place moves past the pruned ones at once: a failed POST after this must not count them again */
		gap(st, st->last_id + 1, c.first_seen - 1);
		st->last_id = c.first_seen - 1;
		state_write(st);
	}
	if (!c.n) {
		/* only other kinds: nothing to send, the place moves on */
		st->last_id = c.last_seen;
		state_write(st);
		return 1;
	}
	eir_jb_printf(&c.b, "]\n");
	if (c.b.overflow) {
		LOGP(DPUSH, LOGL_ERROR, "a batch does not fit %zu bytes\n", body_cap);
		return -1;
	}
	stats.posts++;
	status = post_events(c.b.p, c.b.len, err, sizeof(err));
	if (status >= 200 && status <= 299) {
		LOGP(DPUSH, g_push.verbose ? LOGL_NOTICE : LOGL_INFO, "delivered events %" PRIu64 "..%" PRIu64
		     " (%u), HTTP %ld\n", c.first_sent, c.last_seen, c.n, status);
		stats.delivered += c.n;
		st->last_id = c.last_seen;
		state_write(st);
		*backoff = g_push.retry_min;
		return 1;
	}
	stats.failed_posts++;
	if (!g_push.once)
		snprintf(again, sizeof(again), "; again in %ld s", *backoff);
	LOGP(DPUSH, LOGL_ERROR, "POST of events %" PRIu64 "..%" PRIu64 " (%u) to %s failed: %s%s\n", c.first_sent,
	     c.last_seen, c.n, g_push.url, err, again);
	return -2;
}

static int run(void)
{
	struct push_state st;
	long backoff = g_push.retry_min;
	bool said = false;
	int rc = PUSH_OK;

	if (state_read(&st))
		return PUSH_E_STATE;
	body_cap = (size_t)g_push.batch * (EIR_HIST_JSON_MAX + 2) + 8;
	body = talloc_size(ctx, body_cap);
	if (!body)
		return PUSH_E_STATE;
	LOGP(DPUSH, LOGL_NOTICE, "delivering %s events of %s after id %" PRIu64 " to %s%s\n",
	     g_push.kind ? get_value_string(eir_hist_kind_names, g_push.kind) : "all", g_push.history, st.last_id,
	     g_push.url, g_push.once ? " (once)" : "");
	while (!push_stop) {
		if (open_stores(&said)) {
			if (g_push.once)
				return PUSH_E_STATE;
			nap(g_push.poll);
			continue;
		}
		rc = round_once(&st, &backoff);
		if (rc == 1)
			continue;
		if (rc == 0) {
			if (g_push.once)
				return PUSH_OK;
			/* opened again after each idle wait: a history removed and made anew is seen (its files are
			 * new), and no reader slot is held while there is nothing to do */
			hist_close();
			nap(g_push.poll);
		} else if (rc == -1) {
			LOGP(DPUSH, LOGL_ERROR, "cannot read the history %s; opening it again\n", g_push.history);
			hist_close();
			if (g_push.once)
				return PUSH_E_STATE;
			nap(g_push.poll);
		} else {
			if (g_push.once)
				return PUSH_E_DELIVERY;
			nap(backoff);
			backoff = backoff * 2 > g_push.retry_max ? g_push.retry_max : backoff * 2;
		}
	}
	return PUSH_OK;
}

static void log_output(struct log_target *target, int subsys, unsigned int level, const char *file, int line,
		       int cont, const char *format, va_list ap)
{
	(void)target;
	(void)subsys;
	(void)level;
	(void)file;
	(void)line;
	if (!cont)
		fputs("osmo-eir-push: ", stderr);
	vfprintf(stderr, format, ap);
}

int main(int argc, char **argv)
{
	struct sigaction sa = { .sa_handler = on_signal };
	int rc;

	ctx = talloc_named_const(NULL, 0, "osmo-eir-push");
	osmo_init_logging2(ctx, &eir_log_info);
	osmo_stderr_target->raw_output = log_output;
	log_set_log_level(osmo_stderr_target, LOGL_NOTICE);
	rc = push_config(ctx, argc, argv);
	if (rc >= 0)
		goto out;
	if (g_push.verbose)
		log_set_category_filter(osmo_stderr_target, DPUSH, 1, LOGL_DEBUG);
	if (post_init(&push_stop)) {
		rc = eir_fail(PUSH_E_USAGE, "libcurl: cannot initialise");
		goto out;
	}
	sigemptyset(&sa.sa_mask);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	rc = run();
	LOGP(DPUSH, LOGL_NOTICE, "%s: %" PRIu64 " events delivered in %" PRIu64 " POSTs, %" PRIu64 " POSTs failed, %"
	     PRIu64 " events pruned before delivery\n", push_stop ? "stopped" : "done", stats.delivered, stats.posts,
	     stats.failed_posts, stats.pruned);
	post_fini();
	hist_close();
	if (db)
		eir_db_close(db);
out:
	log_fini();
	talloc_free(ctx);
	return rc;
}
