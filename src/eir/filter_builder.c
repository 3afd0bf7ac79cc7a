/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The filter builder (include/osmocom/eir/filter_builder.h), after the threading pattern of src/eir/history_writer.c:
 *  - in: a mask of the parts to build, under a mutex, set on the loop without blocking;
 *  - the thread builds one part at a time through a thread handle of the daemon's store (eir_db_filter_build(): its
 *    own short read transactions, never a second open of an environment), below the loop's priority;
 *  - the outcome goes back to the loop through osmo_it_q (one item per part, never more than one in flight); the loop
 *    frees the filter replaced (no read of the loop can be under way then), logs and counts; the thread logs
 *    nothing and touches no talloc context.
 * A part is due when it has no filter, when another process wrote it since (osmo-eir-sync's commit, an import the
 * lists were lent to: eir_db_filter_info()), or when writes added more keys than its filter was made for. Behind
 * another process's commits, the filter is first brought on from the key log (eir_db_filter_catch_up(): the keys
 * those commits put, no build); only when that cannot be done is it built again. A build that failed because the
 * part was written meanwhile is tried again at the next tick, any other failure a minute later.
 * Turned off ('eir' / 'lookup-filter off'), the filters are taken away the same way, and no more are built. */

#define _GNU_SOURCE	/* pthread_setname_np() */

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <talloc.h>
#include <osmocom/core/linuxlist.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/filter_builder.h>
#include <osmocom/eir/thread.h>

#define BUILDER_NICE 10
#define RETRY_TICKS (60000 / EIR_FILTER_TICK_MS)	/* a minute */

struct result {
	struct llist_head list;
	enum eir_db_part part;
	bool drop;
	bool caught_up;
	uint64_t keys;
	int rc;
	double secs;
	struct eir_db_filter *old;
	char err[512];
};

struct eir_filter_builder {
	struct eir_db *db;		/* the loop's handle */
	struct eir_db *tdb;		/* the thread's */
	pthread_t thread;
	bool running;
	pthread_mutex_t mutex;		/* want, stop */
	pthread_cond_t cond;
	unsigned want;			/* parts to build (bit per part) */
	unsigned drop;			/* parts whose filter to take away */
	bool stop;
	struct osmo_it_q *itq;
	struct result res[_EIR_DB_PART_COUNT];
	/* on the loop */
	bool inflight[_EIR_DB_PART_COUNT];
	unsigned wait[_EIR_DB_PART_COUNT];	/* ticks before the next try */
	uint64_t behind[_EIR_DB_PART_COUNT];	/* upto of the filter last seen not current (0: it was) */
	eir_filter_built_cb cb;
	void *cb_data;
};

static double now_secs(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* --- on the thread --- */

static void *builder_main(void *arg)
{
	struct eir_filter_builder *b = arg;

	eir_thread_nice(BUILDER_NICE);
	pthread_mutex_lock(&b->mutex);
	while (1) {
		int part;

		while (!b->want && !b->drop && !b->stop)
			pthread_cond_wait(&b->cond, &b->mutex);
		if (b->stop)
			break;
		part = __builtin_ctz(b->want | b->drop);
		struct result *r = &b->res[part];

		r->drop = b->drop & (1U << part);
		b->want &= ~(1U << part);
		b->drop &= ~(1U << part);
		pthread_mutex_unlock(&b->mutex);

		double t0 = now_secs();

		r->caught_up = false;
		r->keys = 0;
		if (r->drop) {
			eir_db_filter_drop(b->tdb, part, &r->old);
			r->rc = 0;
		} else {
			r->rc = eir_db_filter_catch_up(b->tdb, part, &r->keys);
			r->caught_up = r->rc == 0;
			if (r->rc == -ENOENT)
				r->rc = eir_db_filter_build(b->tdb, part, &b->stop, &r->old);
		}
		r->secs = now_secs() - t0;
		osmo_strlcpy(r->err, r->rc ? eir_db_errstr(b->tdb) : "", sizeof(r->err));
		/* the queue holds one item per part, and a part is asked for again only after its item was read */
		_osmo_it_q_enqueue(b->itq, &r->list);
		pthread_mutex_lock(&b->mutex);
	}
	pthread_mutex_unlock(&b->mutex);
	return NULL;
}

/* --- on the loop --- */

static void itq_read(struct osmo_it_q *q, struct llist_head *item)
{
	struct eir_filter_builder *b = q->data;
	struct result *r = llist_entry(item, struct result, list);
	struct eir_filter_built out = { .part = r->part, .dropped = r->drop, .caught_up = r->caught_up,
					.keys = r->keys, .rc = r->rc, .err = r->err, .secs = r->secs };

	eir_db_filter_free(r->old);
	r->old = NULL;
	b->inflight[r->part] = false;
	b->wait[r->part] = r->rc == 0 || r->rc == -EAGAIN ? 0 : RETRY_TICKS;
	if (!r->rc)
		eir_db_filter_info(b->db, r->part, &out.info);
	if (b->cb)
		b->cb(b->cb_data, &out);
}

void eir_filter_builder_tick(struct eir_filter_builder *b, bool off)
{
	struct eir_db_filter_info fi;
	unsigned want = 0, drop = 0;

	if (!b->running)
		return;
	for (int i = 0; i < _EIR_DB_PART_COUNT; i++) {
		if (b->inflight[i])
			continue;
		if (off) {
			eir_db_filter_info(b->db, i, &fi);
			if (fi.bytes) {
				b->inflight[i] = true;
				drop |= 1U << i;
			}
			continue;
		}
		if (b->wait[i]) {
			b->wait[i]--;
			continue;
		}
		bool due = eir_db_filter_info(b->db, i, &fi);

		/* not current: only when seen so at two ticks with the same upto, not a commit of this process between its
		 * commit (its fsync included) and its chain step, which a catch-up could not pass (it leaves no entry in
		 * the key log) */
		if (fi.bytes && !fi.current) {
			due = b->behind[i] == fi.upto;
			b->behind[i] = fi.upto;
		} else {
			b->behind[i] = 0;
		}
		if (due) {
			b->inflight[i] = true;
			want |= 1U << i;
		}
	}
	if (!want && !drop)
		return;
	pthread_mutex_lock(&b->mutex);
	b->want |= want;
	b->drop |= drop;
	pthread_cond_signal(&b->cond);
	pthread_mutex_unlock(&b->mutex);
}

static int builder_free(struct eir_filter_builder *b)
{
	if (b->itq)
		osmo_it_q_destroy(b->itq);
	if (b->tdb)
		eir_db_close(b->tdb);
	pthread_cond_destroy(&b->cond);
	pthread_mutex_destroy(&b->mutex);
	return 0;
}

struct eir_filter_builder *eir_filter_builder_alloc(void *ctx, struct eir_db *db, eir_filter_built_cb cb,
						    void *cb_data)
{
	struct eir_filter_builder *b = talloc_zero(ctx, struct eir_filter_builder);

	if (!b)
		return NULL;
	pthread_mutex_init(&b->mutex, NULL);
	pthread_cond_init(&b->cond, NULL);
	talloc_set_destructor(b, builder_free);
	b->db = db;
	b->cb = cb;
	b->cb_data = cb_data;
	for (int i = 0; i < _EIR_DB_PART_COUNT; i++) {
		INIT_LLIST_HEAD(&b->res[i].list);
		b->res[i].part = i;
	}
	b->tdb = eir_db_thread_handle(b, db);
	b->itq = eir_itq_alloc(b, "eir-filter", _EIR_DB_PART_COUNT, itq_read, b);
	if (!b->tdb || !b->itq) {
		talloc_free(b);
		return NULL;
	}
	return b;
}

int eir_filter_builder_start(struct eir_filter_builder *b)
{
	int rc = pthread_create(&b->thread, NULL, builder_main, b);

	if (rc)
		return -rc;
	pthread_setname_np(b->thread, "eir-filter");
	b->running = true;
	return 0;
}

void eir_filter_builder_stop(struct eir_filter_builder *b)
{
	if (!b)
		return;
	if (b->running) {
		pthread_mutex_lock(&b->mutex);
		/* also read by a build under way, between two of its read transactions: it ends there */
		__atomic_store_n(&b->stop, true, __ATOMIC_RELAXED);
		pthread_cond_signal(&b->cond);
		pthread_mutex_unlock(&b->mutex);
		pthread_join(b->thread, NULL);
		b->running = false;
	}
	/* outcomes not read yet: the filters they replaced are freed there */
	eir_itq_drain(b->itq);
	talloc_free(b);
}
