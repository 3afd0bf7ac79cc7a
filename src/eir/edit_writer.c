/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The edit writer (include/osmocom/eir/edit_writer.h): one thread applying edits of the local lists in group
 * commits, after the threading pattern of src/eir/history_writer.c:
 *  - in: a bounded list under a mutex, filled on the loop without blocking; when EIR_EDIT_QUEUE_MAX edits are in
 *    flight a new one is refused at once (its sender gets an error: an edit is never dropped silently);
 *  - the thread takes whatever waits (up to EIR_EDIT_BATCH_MAX edits) into ONE write transaction, each edit in a
 *    nested one (a refused edit leaves the others), and ONE durable commit for them all: while it commits, the next
 *    edits gather, so the busier the interface, the more edits share a commit (and its fsync);
 *  - it writes through a thread handle of the daemon's store (the same LMDB environments; the rules in db.h): it
 *    never grows the map; a full map goes back to the loop (osmo_it_q), which grows it between two snapshots while
 *    the thread waits with no transaction open, and the batch is written again from the start;
 *  - results go back to the loop through osmo_it_q, the loop logs, counts and replies; the thread logs nothing and
 *    touches no talloc context (its jobs are malloc'd by the loop, which frees them); its counts are atomics.
 * An edit's outcome is handed back only after the commit holding it: an acknowledged edit is durable. kill -9 loses
 * the transaction being written, wholly, and no acknowledged edit. */

#define _GNU_SOURCE	/* pthread_setname_np() */

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/edit_writer.h>
#include <osmocom/eir/thread.h>

/* below the answering loop, as the history writer: when both want the CPU, an edit waits, not an answer */
#define WRITER_NICE 10

struct job {
	struct llist_head list;		/* in w->in, then (a batch's first job) in the osmo_it_q */
	struct llist_head more;		/* the first job of a batch: the batch's other jobs */
	struct eir_edit ed;
	struct eir_audit au;
	char who[sizeof(((struct eir_audit *)0)->who)];
	char *reason;			/* malloc'd copy, or NULL */
	int rc;
	bool commit;
	char err[512];
	void *data;
};

enum grow_state { GROW_NONE, GROW_ASKED, GROW_DONE };

struct eir_edit_writer {
	struct eir_db *db;		/* the loop's handle: grows the map */
	struct eir_db *tdb;		/* the thread's handle: writes */
	pthread_t thread;
	bool running;
	unsigned inflight;		/* on the loop: submitted, outcome not handled yet */
	pthread_mutex_t mutex;		/* in, stop, grow* */
	pthread_cond_t cond;		/* the thread waits here for edits, a grown map, or the stop */
	struct llist_head in;
	bool stop;
	bool paused;			/* no batch is taken (the lists are lent to an import) */
	bool busy;			/* a batch is being written */
	pthread_cond_t idle;		/* the loop waits here for the batch under way when it pauses the writer */
	enum grow_state grow;
	int grow_rc;
	char grow_err[512];
	struct llist_head grow_item;	/* handed to the loop: "the map is full, grow it" */
	struct osmo_it_q *itq;
	eir_edit_done_cb cb;
	void *cb_data;
	_Atomic uint64_t commits, edits, grows;
};

struct batch {
	struct job *jobs[EIR_EDIT_BATCH_MAX];
	unsigned n;
	struct eir_db *tdb;
};

/* --- on the writer thread --- */

static int batch_fn(struct eir_db_txn *txn, void *arg)
{
	struct batch *b = arg;

	for (unsigned i = 0; i < b->n; i++) {
		struct job *j = b->jobs[i];

		j->err[0] = '\0';
		j->rc = eir_edit_apply_txn(txn, &j->ed, &j->au);
		if (j->rc && j->rc != -ENOENT)
			osmo_strlcpy(j->err, eir_db_errstr(b->tdb), sizeof(j->err));
	}
	/* commit what was not refused (a failure of the store itself has failed the transaction: nothing is) */
	return 0;
}

/* the map is full: the loop grows it; we wait with no transaction open. \returns eir_db_grow()'s result */
static int ask_grow(struct eir_edit_writer *w, char *err, size_t len)
{
	int rc;

	atomic_fetch_add(&w->grows, 1);
	pthread_mutex_lock(&w->mutex);
	w->grow = GROW_ASKED;
	pthread_mutex_unlock(&w->mutex);
	if (_osmo_it_q_enqueue(w->itq, &w->grow_item)) {
		osmo_strlcpy(err, "the store's map is full and cannot be grown now", len);
		return -ENOSPC;
	}
	pthread_mutex_lock(&w->mutex);
	while (w->grow == GROW_ASKED && !w->stop)
		pthread_cond_wait(&w->cond, &w->mutex);
	if (w->grow == GROW_DONE) {
		rc = w->grow_rc;
		osmo_strlcpy(err, w->grow_err, len);
	} else {
		rc = -ENOSPC;
		osmo_strlcpy(err, "the store's map is full and osmo-eir is stopping: not applied", len);
	}
	w->grow = GROW_NONE;
	pthread_mutex_unlock(&w->mutex);
	return rc;
}

static void run_batch(struct eir_edit_writer *w, struct batch *b)
{
	char err[512] = "";
	int rc;

	while ((rc = eir_db_write(w->tdb, EIR_DB_LOCAL, batch_fn, b)) == -EAGAIN) {
		rc = ask_grow(w, err, sizeof(err));
		if (rc)
			break;
	}
	if (rc == 0) {
		atomic_fetch_add(&w->commits, 1);
		atomic_fetch_add(&w->edits, b->n);
	} else if (!err[0]) {
		/* the write itself failed (I/O, disk full); else err is why the map could not grow */
		osmo_strlcpy(err, eir_db_errstr(w->tdb), sizeof(err));
	}
	for (unsigned i = 0; i < b->n; i++) {
		struct job *j = b->jobs[i];

		/* nothing was committed: every edit the store did not refuse by itself failed with the batch */
		if (rc && (j->rc == 0 || j->rc == -EIO || j->rc == -ENOSPC)) {
			j->rc = rc;
			osmo_strlcpy(j->err, err, sizeof(j->err));
		}
		j->commit = i == 0 && rc == 0;
		INIT_LLIST_HEAD(&j->more);
		if (i)
			llist_add_tail(&j->list, &b->jobs[0]->more);
	}
	/* the whole batch as one item (one wake-up of the loop, which then has every reply of the commit at once to
	 * send); the queue holds every edit in flight (eir_edit_writer_submit() bounds them): this cannot fail */
	_osmo_it_q_enqueue(w->itq, &b->jobs[0]->list);
}

static void *writer_main(void *arg)
{
	struct eir_edit_writer *w = arg;
	struct batch b = { .tdb = w->tdb };

	eir_thread_nice(WRITER_NICE);
	pthread_mutex_lock(&w->mutex);
	while (1) {
		while ((llist_empty(&w->in) || w->paused) && !w->stop)
			pthread_cond_wait(&w->cond, &w->mutex);
		/* stopping: what waits is applied, unless the lists are lent out (those edits were never acknowledged) */
		if (llist_empty(&w->in) || w->paused)
			break;
		b.n = 0;
		while (!llist_empty(&w->in) && b.n < EIR_EDIT_BATCH_MAX) {
			struct job *j = llist_first_entry(&w->in, struct job, list);

			llist_del(&j->list);
			b.jobs[b.n++] = j;
		}
		w->busy = true;
		pthread_mutex_unlock(&w->mutex);
		run_batch(w, &b);
		pthread_mutex_lock(&w->mutex);
		w->busy = false;
		pthread_cond_signal(&w->idle);
	}
	pthread_mutex_unlock(&w->mutex);
	return NULL;
}

/* --- on the loop --- */

static void do_grow(struct eir_edit_writer *w)
{
	int rc;

	if (!w->running)
		return;		/* drained after the stop: the thread gave up waiting */
	/* between two events of the loop: no snapshot is open */
	rc = eir_db_grow(w->db, EIR_DB_LOCAL);
	pthread_mutex_lock(&w->mutex);
	w->grow_rc = rc;
	osmo_strlcpy(w->grow_err, rc ? eir_db_errstr(w->db) : "", sizeof(w->grow_err));
	w->grow = GROW_DONE;
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mutex);
}

static void job_done(struct eir_edit_writer *w, struct job *j)
{
	struct eir_edit_done d = { .ed = &j->ed, .au = &j->au, .rc = j->rc, .err = j->err, .commit = j->commit,
				   .data = j->data };

	w->inflight--;
	if (w->cb)
		w->cb(w->cb_data, &d);
	free(j->reason);
	free(j);
}

static void itq_read(struct osmo_it_q *q, struct llist_head *item)
{
	struct eir_edit_writer *w = q->data;
	struct job *first, *j, *tmp;
	LLIST_HEAD(rest);

	if (item == &w->grow_item) {
		do_grow(w);
		return;
	}
	/* a batch: its first job, then the others in their order */
	first = llist_entry(item, struct job, list);
	llist_splice_init(&first->more, &rest);
	job_done(w, first);
	llist_for_each_entry_safe(j, tmp, &rest, list) {
		llist_del(&j->list);
		job_done(w, j);
	}
}

static int writer_free(struct eir_edit_writer *w)
{
	if (w->itq)
		osmo_it_q_destroy(w->itq);
	if (w->tdb)
		eir_db_close(w->tdb);
	pthread_cond_destroy(&w->cond);
	pthread_cond_destroy(&w->idle);
	pthread_mutex_destroy(&w->mutex);
	return 0;
}

struct eir_edit_writer *eir_edit_writer_alloc(void *ctx, struct eir_db *db, eir_edit_done_cb cb, void *cb_data)
{
	struct eir_edit_writer *w = talloc_zero(ctx, struct eir_edit_writer);

	if (!w)
		return NULL;
	pthread_mutex_init(&w->mutex, NULL);
	pthread_cond_init(&w->cond, NULL);
	pthread_cond_init(&w->idle, NULL);
	INIT_LLIST_HEAD(&w->in);
	INIT_LLIST_HEAD(&w->grow_item);
	talloc_set_destructor(w, writer_free);
	w->db = db;
	w->cb = cb;
	w->cb_data = cb_data;
	w->tdb = eir_db_thread_handle(w, db);
	/* every edit in flight fits, and the request to grow the map */
	w->itq = eir_itq_alloc(w, "eir-edits", EIR_EDIT_QUEUE_MAX + 1, itq_read, w);
	if (!w->tdb || !w->itq) {
		talloc_free(w);
		return NULL;
	}
	return w;
}

int eir_edit_writer_start(struct eir_edit_writer *w)
{
	int rc = pthread_create(&w->thread, NULL, writer_main, w);

	if (rc)
		return -rc;
	/* its name in top -H, ps -T and perf (at most 15 characters) */
	pthread_setname_np(w->thread, "eir-edits");
	w->running = true;
	return 0;
}

int eir_edit_writer_submit(struct eir_edit_writer *w, const struct eir_edit *ed, void *data)
{
	struct job *j;

	if (w->inflight >= EIR_EDIT_QUEUE_MAX)
		return -ENOBUFS;
	j = calloc(1, sizeof(*j));
	if (!j)
		return -ENOMEM;
	j->ed = *ed;
	osmo_strlcpy(j->who, ed->who ? ed->who : "unknown", sizeof(j->who));
	j->ed.who = j->who;
	if (ed->reason) {
		j->reason = strdup(ed->reason);
		if (!j->reason) {
			free(j);
			return -ENOMEM;
		}
	}
	j->ed.reason = j->reason;
	j->data = data;
	w->inflight++;
	pthread_mutex_lock(&w->mutex);
	llist_add_tail(&j->list, &w->in);
	pthread_cond_signal(&w->cond);
	pthread_mutex_unlock(&w->mutex);
	return 0;
}

void eir_edit_writer_pause(struct eir_edit_writer *w, bool pause)
{
	pthread_mutex_lock(&w->mutex);
	w->paused = pause;
	if (pause) {
		/* at most one batch; its outcomes reach the loop through the osmo_it_q as usual */
		while (w->busy)
			pthread_cond_wait(&w->idle, &w->mutex);
	} else {
		pthread_cond_signal(&w->cond);
	}
	pthread_mutex_unlock(&w->mutex);
}

void eir_edit_writer_stop(struct eir_edit_writer *w)
{
	if (!w)
		return;
	if (w->running) {
		pthread_mutex_lock(&w->mutex);
		w->stop = true;
		pthread_cond_signal(&w->cond);
		pthread_mutex_unlock(&w->mutex);
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	/* the outcomes the loop has not read yet (the thread is gone: nobody enqueues) */
	eir_itq_drain(w->itq);
	/* edits of a writer never started, or left waiting while the lists were lent to an import */
	while (!llist_empty(&w->in)) {
		struct job *j = llist_first_entry(&w->in, struct job, list);

		llist_del(&j->list);
		free(j->reason);
		free(j);
	}
	talloc_free(w);
}

void eir_edit_writer_counts(const struct eir_edit_writer *w, uint64_t *commits, uint64_t *edits, uint64_t *grows)
{
	struct eir_edit_writer *ww = (struct eir_edit_writer *)w;

	*commits = atomic_load(&ww->commits);
	*edits = atomic_load(&ww->edits);
	*grows = atomic_load(&ww->grows);
}
