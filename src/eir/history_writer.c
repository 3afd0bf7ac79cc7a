/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The history writer thread (include/osmocom/eir/history.h): the select loop copies each network check into a
 * bounded ring; one pthread drains it into the history store in batches and hands the events back to the loop.
 *
 * The threading pattern of osmo-eir, for this thread and every one the daemon gains:
 *  - work goes in through a bounded queue filled on the loop without blocking: when it is full the item is dropped
 *    and counted, never waited for (here a single-producer single-consumer ring of fixed slots, C11 atomics);
 *  - one pthread drains it; it owns its own LMDB environment (never a second open of one the loop writes) and
 *    commits in batches (a batch per COMMIT_MS, or sooner when the ring fills past half);
 *  - results go back to the loop through libosmocore's osmo_it_q, read by the select loop: talloc, logging, rate
 *    counters, VTY and CTRL are touched on the loop only; the thread allocates with malloc, the loop frees;
 *  - counters the thread keeps are atomics the loop reads;
 *  - shutdown: a stop flag and a wake-up; the thread drains the queue, commits and ends; the loop joins it and then
 *    handles what is left in the osmo_it_q.
 * kill -9 loses at most the batch not yet committed (COMMIT_MS of records). */

#define _GNU_SOURCE	/* pthread_setname_np() */

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include <sys/mman.h>

#include <talloc.h>
#include <osmocom/core/it_q.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/history.h>
#include <osmocom/eir/thread.h>

#define COMMIT_MS 100		/* a batch at least this often while records come */
/* records per transaction at most: the random keys of a batch copy-on-write most leaf pages they touch, so a large
 * batch (when the writer is behind) writes each page once for many records */
#define BATCH_MAX 32768
#define IDLE_PRUNE_MS 10000	/* with no records, a pruning step this often (every tick while it finds rows) */
#define IDLE_PRUNE_ROWS 1024
#define HANDBACK_MAX 4096	/* events waiting for the loop; more are dropped (they are in the store) and counted */
/* the thread yields the CPU to the answering loop: when both want it, the ring fills and records are dropped and
 * counted rather than answers delayed (on Linux a nice value is per thread) */
#define WRITER_NICE 10

/* the repeat filter (on the loop only): tables of the last check queued per IMEI and per IMSI, 4-way set-associative
 * (a new key takes the oldest slot of its set once that one's window is over); a key without a slot makes one more
 * record queued, never a wrong one */
#define COAL_WAYS 4u

struct coal_slot {
	uint64_t imei;
	uint64_t imsi;		/*!< the packed IMSI's 8 bytes; 0: none */
	uint32_t tag;		/*!< a hash of what else the row keeps (MSISDN, SV, interface, node, verdict, why) */
	uint32_t t;		/*!< when the check last queued for this key was made */
};

/* what goes back to the loop: an event, or a message of the writer's (it does not log itself) */
struct handback {
	struct llist_head list;
	struct eir_hist_event ev;
	char err[200];		/*!< non-empty: a failed commit, logged by the loop */
};

struct eir_hist_writer {
	struct eir_hist *h;
	struct eir_hist_cfg cfg;
	/* the ring: the loop writes head, the thread writes tail */
	struct eir_hist_rec *ring;
	unsigned cap;
	_Atomic uint64_t head, tail;
	_Atomic uint64_t dropped, ev_dropped;
	_Atomic bool stop, kicked, niced;
	int wake_fd;
	pthread_t thread;
	bool running;
	/* a configuration change from the VTY, taken by the thread at its next batch */
	pthread_mutex_t cfg_mutex;
	_Atomic bool cfg_changed;
	struct eir_hist_cfg cfg_new;
	struct eir_hist_rec *batch;	/*!< the thread's copy of one batch */
	struct osmo_it_q *itq;
	eir_hist_loop_cb cb;
	void *cb_data;
	/* the repeat filter (loop side) */
	unsigned coal_sec;
	unsigned coal_bits;		/*!< log2 of the sets per table */
	struct coal_slot *by_imei, *by_imsi;
};

/* --- on the writer thread --- */

static void handback(struct eir_hist_writer *w, const struct eir_hist_event *ev, const char *err)
{
	struct handback *hb = calloc(1, sizeof(*hb));

	if (!hb) {
		atomic_fetch_add_explicit(&w->ev_dropped, 1, memory_order_relaxed);
		return;
	}
	if (ev)
		hb->ev = *ev;
	if (err)
		osmo_strlcpy(hb->err, err, sizeof(hb->err));
	if (osmo_it_q_enqueue(w->itq, hb, list)) {
		free(hb);
		atomic_fetch_add_explicit(&w->ev_dropped, 1, memory_order_relaxed);
	}
}

static void event_cb(void *data, const struct eir_hist_event *ev)
{
	handback(data, ev, NULL);
}

/* take up to BATCH_MAX records out of the ring and apply them; \returns how many */
static unsigned drain_once(struct eir_hist_writer *w)
{
	uint64_t t = atomic_load_explicit(&w->tail, memory_order_relaxed);
	uint64_t hd = atomic_load_explicit(&w->head, memory_order_acquire);
	unsigned n = hd - t > BATCH_MAX ? BATCH_MAX : hd - t;
	char err[200];

	for (unsigned i = 0; i < n; i++)
		w->batch[i] = w->ring[(t + i) % w->cap];
	/* the slots are free again as soon as they are copied */
	atomic_store_explicit(&w->tail, t + n, memory_order_release);
	if (!n)
		return 0;
	if (eir_hist_apply(w->h, w->batch, n, event_cb, w, err, sizeof(err))) {
		handback(w, NULL, err);
		/* the batch's own pruning step went with it: prune alone, so that a full map makes room again */
		eir_hist_prune(w->h, 1024);
	}
	return n;
}

static void take_cfg(struct eir_hist_writer *w)
{
	if (!atomic_exchange(&w->cfg_changed, false))
		return;
	pthread_mutex_lock(&w->cfg_mutex);
	eir_hist_set_cfg(w->h, &w->cfg_new);
	pthread_mutex_unlock(&w->cfg_mutex);
}

static void *writer_main(void *arg)
{
	struct eir_hist_writer *w = arg;
	struct pollfd pfd = { .fd = w->wake_fd, .events = POLLIN };
	unsigned idle_ms = 0;

	/* may be refused (a seccomp filter without @resources): then the thread runs at the loop's priority */
	atomic_store(&w->niced, eir_thread_nice(WRITER_NICE));
	while (1) {
		bool stopping = atomic_load(&w->stop);
		uint64_t v;

		take_cfg(w);
		if (drain_once(w)) {
			idle_ms = 0;
			/* a whole batch waiting already: go on at once; else wait for the next tick, so that a steady
			 * stream of checks makes a commit per COMMIT_MS, not a commit (and its sync) per few records */
			if (atomic_load(&w->head) - atomic_load(&w->tail) >= BATCH_MAX)
				continue;
		} else if (stopping) {
			break;
		} else if (idle_ms >= IDLE_PRUNE_MS) {
			/* a step that found rows to remove is followed by another at the next tick */
			idle_ms = eir_hist_prune(w->h, IDLE_PRUNE_ROWS) > 0 ? IDLE_PRUNE_MS - COMMIT_MS : 0;
		}
		if (stopping)
			continue;
		if (poll(&pfd, 1, COMMIT_MS) > 0 && read(w->wake_fd, &v, sizeof(v)) < 0)
			v = 0;
		atomic_store(&w->kicked, false);
		idle_ms += COMMIT_MS;
	}
	return NULL;
}

/* --- the repeat filter (on the loop) --- */

static uint32_t mix64(uint64_t x)
{
	/* the finaliser of MurmurHash3: every input bit moves every output bit */
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdULL;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ULL;
	x ^= x >> 33;
	return (uint32_t)x;
}

static uint64_t tag_step(uint64_t h, uint64_t v)
{
	h = (h ^ v) * 0x9e3779b97f4a7c15ULL;
	return h ^ (h >> 29);
}

/* a hash of what the row keeps besides the key and the time, eight bytes a step (it runs for every check) */
static uint32_t rec_tag(const struct eir_hist_rec *r)
{
	uint64_t why[(sizeof(r->why) + 7) / 8] = { 0 }, node[EIR_HIST_NODE_LEN / 8] = { 0 }, m, h = 0xcbf29ce484222325ULL;
	size_t nl = strnlen(r->node, sizeof(r->node));

	memcpy(why, &r->why, sizeof(r->why));
	memcpy(node, r->node, nl);
	memcpy(&m, r->msisdn, sizeof(m));
	h = tag_step(h, m);
	for (unsigned i = 0; i < ARRAY_SIZE(why); i++)
		h = tag_step(h, why[i]);
	for (unsigned i = 0; i < (nl + 7) / 8; i++)
		h = tag_step(h, node[i]);
	/* the RAT too: the pair row gathers the RATs it was seen on (the DIRBS dump's rat column) */
	h = tag_step(h, (uint64_t)(uint8_t)r->sv | (uint64_t)r->iface << 8 | (uint64_t)r->verdict << 16 |
			(uint64_t)r->flags << 24 | (uint64_t)r->rat << 32 | (uint64_t)nl << 40);
	h = tag_step(h, (uint64_t)r->applied);
	return (uint32_t)(h ^ (h >> 32));
}

static struct coal_slot *coal_set_of(const struct eir_hist_writer *w, struct coal_slot *tab, uint64_t key)
{
	return &tab[(mix64(key) >> (32 - w->coal_bits)) * COAL_WAYS];
}

static void coal_prefetch(const struct coal_slot *set)
{
	__builtin_prefetch(set);
	__builtin_prefetch((const char *)set + sizeof(*set) * COAL_WAYS - 1);
}

/* the slot of key in its set, or NULL */
static const struct coal_slot *coal_find(const struct eir_hist_writer *w, struct coal_slot *tab, uint64_t key,
					 bool by_imsi)
{
	const struct coal_slot *set = coal_set_of(w, tab, key);

	for (unsigned i = 0; i < COAL_WAYS; i++)
		if ((by_imsi ? set[i].imsi : set[i].imei) == key)
			return &set[i];
	return NULL;
}

/* true: r repeats the last check queued for its IMEI and its IMSI, on the same day, within coal_sec */
static bool coal_repeat(const struct eir_hist_writer *w, const struct eir_hist_rec *r, uint64_t imsi, uint32_t tag)
{
	const struct coal_slot *a = coal_find(w, w->by_imei, r->imei, false), *b;
	uint32_t t = (uint32_t)r->t;

	/* each key's window a little shorter than coal_sec, by up to a quarter, from its hash: the checks of a mass
	 * re-attach (after an outage, or a benchmark's first pass) do not all fall due at once again */
	if (!a || a->imsi != imsi || a->tag != tag || t < a->t ||
	    t - a->t > w->coal_sec - mix64(r->imei ^ imsi) % (w->coal_sec / 4 + 1) || t / 86400 != a->t / 86400)
		return false;
	if (!(r->flags & EIR_HIST_F_IMSI))
		return true;
	/* the IMSI's last IMEI too, or a SIM moved back to this handset would go unseen */
	b = coal_find(w, w->by_imsi, imsi, true);
	return b && b->imei == r->imei;
}

/* into key's slot, else the oldest of its set if that one's window is over; else nowhere: a set's keys within their
 * window stay, and the one more key is queued each time (pushing out the oldest would make a set of five keys
 * checked in turn miss every time) */
static void coal_put(const struct eir_hist_writer *w, struct coal_slot *tab, uint64_t key, bool by_imsi,
		     const struct coal_slot *s)
{
	struct coal_slot *set = coal_set_of(w, tab, key), *v = &set[0];

	for (unsigned i = 0; i < COAL_WAYS; i++) {
		if ((by_imsi ? set[i].imsi : set[i].imei) == key) {
			set[i] = *s;
			return;
		}
		if (set[i].t < v->t)
			v = &set[i];
	}
	if (s->t >= v->t && s->t - v->t > w->coal_sec)
		*v = *s;
}

static void coal_note(struct eir_hist_writer *w, const struct eir_hist_rec *r, uint64_t imsi, uint32_t tag)
{
	struct coal_slot s = { .imei = r->imei, .imsi = imsi, .tag = tag, .t = (uint32_t)r->t };

	coal_put(w, w->by_imei, r->imei, false, &s);
	if (r->flags & EIR_HIST_F_IMSI)
		coal_put(w, w->by_imsi, imsi, true, &s);
}

/* a table of the filter: anonymous memory, zero until touched, in huge pages where the kernel gives them (the
 * lookups are random: with 4 KiB pages nearly each one is a TLB miss as well as a cache miss) */
static struct coal_slot *coal_alloc(unsigned bits)
{
	size_t len = sizeof(struct coal_slot) * (COAL_WAYS << bits);
	void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);

	if (p == MAP_FAILED)
		return NULL;
	/* may be refused (THP off, an old kernel): then 4 KiB pages */
	madvise(p, len, MADV_HUGEPAGE);
	return p;
}

static void coal_free(struct eir_hist_writer *w)
{
	size_t len = sizeof(struct coal_slot) * (COAL_WAYS << w->coal_bits);

	if (w->by_imei)
		munmap(w->by_imei, len);
	if (w->by_imsi)
		munmap(w->by_imsi, len);
	w->by_imei = w->by_imsi = NULL;
}

/* the filter's window and size (entries per table, rounded down to a power of two, at least 1024) */
static void coal_set(struct eir_hist_writer *w, unsigned sec, unsigned entries)
{
	unsigned bits = 8;	/* 1024 slots at least: the shift in coal_set_of() needs a bit */

	while (bits < 24 && (COAL_WAYS << (bits + 1)) <= entries)
		bits++;
	if (!sec || bits != w->coal_bits)
		coal_free(w);
	w->coal_sec = sec;
	w->coal_bits = bits;
	if (!sec)
		return;
	if (!w->by_imei)
		w->by_imei = coal_alloc(bits);
	if (!w->by_imsi)
		w->by_imsi = coal_alloc(bits);
	if (!w->by_imei || !w->by_imsi) {
		/* no memory for it: run without the filter rather than without the history */
		coal_free(w);
		w->coal_sec = 0;
	}
}

/* --- on the loop --- */

static void handle(struct eir_hist_writer *w, struct handback *hb)
{
	if (w->cb)
		w->cb(w->cb_data, hb->err[0] ? NULL : &hb->ev, hb->err[0] ? hb->err : NULL);
	free(hb);
}

static void itq_read(struct osmo_it_q *q, struct llist_head *item)
{
	struct eir_hist_writer *w = q->data;
	struct handback *hb = llist_entry(item, struct handback, list);

	handle(w, hb);
}

static int writer_free(struct eir_hist_writer *w)
{
	coal_free(w);
	if (w->wake_fd >= 0)
		close(w->wake_fd);
	if (w->itq)
		osmo_it_q_destroy(w->itq);
	pthread_mutex_destroy(&w->cfg_mutex);
	return 0;
}

struct eir_hist_writer *eir_hist_writer_alloc(void *ctx, struct eir_hist *h, const struct eir_hist_cfg *cfg,
					      eir_hist_loop_cb cb, void *data)
{
	struct eir_hist_writer *w = talloc_zero(ctx, struct eir_hist_writer);

	if (!w)
		return NULL;
	w->wake_fd = -1;
	pthread_mutex_init(&w->cfg_mutex, NULL);
	talloc_set_destructor(w, writer_free);
	w->h = h;
	w->cfg = *cfg;
	w->cap = cfg->queue_len ? cfg->queue_len : EIR_HIST_QUEUE_DEFAULT;
	w->cb = cb;
	w->cb_data = data;
	w->ring = talloc_array(w, struct eir_hist_rec, w->cap);
	w->batch = talloc_array(w, struct eir_hist_rec, BATCH_MAX);
	w->wake_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	w->itq = eir_itq_alloc(w, "eir-history", HANDBACK_MAX, itq_read, w);
	if (!w->ring || !w->batch || w->wake_fd < 0 || !w->itq) {
		talloc_free(w);
		return NULL;
	}
	eir_hist_set_cfg(h, cfg);
	coal_set(w, cfg->coalesce_sec, cfg->coalesce_entries);
	return w;
}

int eir_hist_writer_start(struct eir_hist_writer *w)
{
	int rc = pthread_create(&w->thread, NULL, writer_main, w);

	if (rc)
		return -rc;
	/* its name in top -H, ps -T and perf (at most 15 characters) */
	pthread_setname_np(w->thread, "eir-history");
	w->running = true;
	return 0;
}

void eir_hist_writer_prefetch(const struct eir_hist_writer *w, uint64_t imei, const uint8_t *imsi)
{
	uint64_t k;

	if (!w->coal_sec)
		return;
	coal_prefetch(coal_set_of(w, w->by_imei, imei));
	if (imsi) {
		memcpy(&k, imsi, sizeof(k));
		coal_prefetch(coal_set_of(w, w->by_imsi, k));
	}
}

enum eir_hist_push eir_hist_writer_push(struct eir_hist_writer *w, const struct eir_hist_rec *r)
{
	uint64_t hd = atomic_load_explicit(&w->head, memory_order_relaxed);
	uint64_t t = atomic_load_explicit(&w->tail, memory_order_acquire);
	uint64_t imsi = 0;
	uint32_t tag = 0;

	if (w->coal_sec) {
		memcpy(&imsi, r->imsi, sizeof(imsi));
		/* the two sets (96 bytes each: two cache lines) are cache misses unless eir_hist_writer_prefetch() started
		 * them before the lookup: start them now, hash the tag meanwhile */
		coal_prefetch(coal_set_of(w, w->by_imei, r->imei));
		if (r->flags & EIR_HIST_F_IMSI)
			coal_prefetch(coal_set_of(w, w->by_imsi, imsi));
		tag = rec_tag(r);
		if (coal_repeat(w, r, imsi, tag))
			return EIR_HIST_COALESCED;
	}
	if (hd - t >= w->cap) {
		atomic_fetch_add_explicit(&w->dropped, 1, memory_order_relaxed);
		return EIR_HIST_DROPPED;
	}
	if (w->coal_sec)
		coal_note(w, r, imsi, tag);
	w->ring[hd % w->cap] = *r;
	atomic_store_explicit(&w->head, hd + 1, memory_order_release);
	/* past half full: wake the thread now rather than at its next tick (once, not a syscall per record) */
	if (hd + 1 - t >= w->cap / 2 && w->running &&
	    !atomic_exchange_explicit(&w->kicked, true, memory_order_relaxed)) {
		uint64_t one = 1;

		if (write(w->wake_fd, &one, sizeof(one)) < 0)
			atomic_store(&w->kicked, false);
	}
	return EIR_HIST_QUEUED;
}

void eir_hist_writer_set_cfg(struct eir_hist_writer *w, const struct eir_hist_cfg *cfg)
{
	pthread_mutex_lock(&w->cfg_mutex);
	w->cfg_new = *cfg;
	pthread_mutex_unlock(&w->cfg_mutex);
	coal_set(w, cfg->coalesce_sec, cfg->coalesce_entries);
	atomic_store(&w->cfg_changed, true);
	if (!w->running)
		take_cfg(w);
}

/*! Without a thread (tests): apply what is in the ring now, on the caller's thread. \returns records applied. */
unsigned eir_hist_writer_drain(struct eir_hist_writer *w)
{
	unsigned n = 0, m;

	take_cfg(w);
	while ((m = drain_once(w)))
		n += m;
	return n;
}

void eir_hist_writer_stop(struct eir_hist_writer *w)
{
	uint64_t one = 1;

	if (!w)
		return;
	if (w->running) {
		atomic_store(&w->stop, true);
		/* if this fails, the thread wakes within COMMIT_MS anyway */
		if (write(w->wake_fd, &one, sizeof(one)) < 0)
			atomic_store(&w->kicked, false);
		pthread_join(w->thread, NULL);
		w->running = false;
	}
	/* the events the loop has not read yet (the thread is gone: nobody enqueues) */
	eir_itq_drain(w->itq);
	talloc_free(w);
}

uint64_t eir_hist_writer_dropped(const struct eir_hist_writer *w)
{
	return atomic_load_explicit(&((struct eir_hist_writer *)w)->dropped, memory_order_relaxed);
}

uint64_t eir_hist_writer_ev_dropped(const struct eir_hist_writer *w)
{
	return atomic_load_explicit(&((struct eir_hist_writer *)w)->ev_dropped, memory_order_relaxed);
}

unsigned eir_hist_writer_fill(const struct eir_hist_writer *w)
{
	struct eir_hist_writer *ww = (struct eir_hist_writer *)w;

	return atomic_load(&ww->head) - atomic_load(&ww->tail);
}

bool eir_hist_writer_niced(const struct eir_hist_writer *w)
{
	return atomic_load(&((struct eir_hist_writer *)w)->niced);
}
