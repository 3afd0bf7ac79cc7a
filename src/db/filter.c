/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The lookup filter of a part: a blocked Bloom filter of the keys of its IMEI table, in memory, so that an IMEI on no
 * list (most of an EIR's traffic) is answered without a search of the B-tree, whose leaves miss the caches on a big
 * list. It can only say "certainly not there"; a key it may hold is looked up in LMDB as before.
 *
 * When may a reader trust it? A filter holds every key of the part's IMEI table in every snapshot whose transaction
 * id lies in [base, upto]:
 *  - it is built from the table by a thread (eir_db_filter_build()), and published for the writers of this process
 *    before the build reads its first key, so that a write while it is built adds its keys too;
 *  - every write of this process adds each key it puts into the table (db_filter_add(), under the write mutex,
 *    before its commit), and after the commit moves upto on to the new transaction id, but only when upto was the
 *    id just before it and the environment's last transaction is that commit (db_filter_committed()): a commit of
 *    another process (osmo-eir-sync in the national part, an import lent the local writer lock) breaks the chain;
 *  - every write of any process also leaves the keys it put in the part's key log (write.c, store_internal.h), so
 *    that a thread can bring the filter past the other process's commits: it adds the keys of each transaction
 *    after upto, then moves upto on to the snapshot it read them in (eir_db_filter_catch_up()). When one of those
 *    transactions left no list (too many keys, too old, a writer without the log), the filter is built again. A
 *    write of this process that every filter of it will chain leaves no entry (db_filter_log_needed()): its commit
 *    costs no more than without the log;
 *  - keys deleted stay in it (a false "maybe", never a false "no"); too many added keys make it rebuild.
 * A reader whose snapshot is outside [base, upto] looks up as if there were no filter. */

#include <errno.h>
#include <stdatomic.h>
#include <string.h>
#include <sys/mman.h>

#include <osmocom/core/utils.h>
#include <osmocom/core/bit64gen.h>
#include "store_internal.h"

#define FILTER_BITS_PER_KEY 12		/* false "maybe": 0.17 % after a build, 0.54 % at its capacity */
#define FILTER_CHUNK 65536		/* keys read in one read transaction of the build */

/* 32-byte blocks of eight 32-bit words; a key sets one bit in each word of one block (a "split block" filter:
 * one cache line per lookup) */
struct eir_db_filter {
	uint64_t base;			/* the first snapshot it holds (set when installed) */
	_Atomic uint64_t upto;		/* the last snapshot it holds */
	uint64_t nblocks;
	uint64_t cap;			/* keys planned for */
	_Atomic uint64_t added;		/* keys added by writes since the build began */
	uint64_t keys;			/* keys read by the build */
	_Atomic uint64_t catch_ups;	/* eir_db_filter_catch_up() that moved it on */
	size_t bytes;
	uint32_t (*blocks)[8];
};

static const uint32_t salt[8] = { 0x47b6137bU, 0x44974d91U, 0x8824ad5bU, 0xa2b7289dU,
				  0x705495c7U, 0x2df1424bU, 0x9efc4947U, 0x5c6bfb31U };

static inline uint64_t key_hash(uint64_t imei)
{
	uint64_t h = imei * 0x9e3779b97f4a7c15ULL;

	h ^= h >> 29;
	h *= 0xbf58476d1ce4e5b9ULL;
	return h ^ (h >> 32);
}

static inline uint32_t *key_block(const struct eir_db_filter *f, uint64_t h)
{
	return f->blocks[(uint64_t)(((unsigned __int128)h * f->nblocks) >> 64)];
}

static void filter_set(struct eir_db_filter *f, uint64_t imei)
{
	uint64_t h = key_hash(imei);
	uint32_t *b = key_block(f, h), x = (uint32_t)h;

	/* relaxed: the reader is told of the new bits by upto (release at the commit, acquire in the reader) */
	for (int i = 0; i < 8; i++)
		__atomic_fetch_or(&b[i], 1U << ((x * salt[i]) >> 27), __ATOMIC_RELAXED);
}

static bool filter_maybe(const struct eir_db_filter *f, uint64_t imei)
{
	uint64_t h = key_hash(imei);
	uint32_t *b = key_block(f, h), x = (uint32_t)h;

	for (int i = 0; i < 8; i++) {
		if (!(__atomic_load_n(&b[i], __ATOMIC_RELAXED) & (1U << ((x * salt[i]) >> 27))))
			return false;
	}
	return true;
}

static struct eir_db_filter *filter_alloc(uint64_t entries)
{
	struct eir_db_filter *f = calloc(1, sizeof(*f));
	void *m;

	if (!f)
		return NULL;
	f->cap = entries + entries / 4 + 4096;
	f->nblocks = (f->cap * FILTER_BITS_PER_KEY + 255) / 256;
	f->bytes = f->nblocks * sizeof(f->blocks[0]);
	m = mmap(NULL, f->bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (m == MAP_FAILED) {
		free(f);
		return NULL;
	}
	/* no MADV_HUGEPAGE: under the usual THP "defrag madvise" it makes the faults of a build compact memory
	 * synchronously, and eir_bench at 10M keys measured no gain from it (0.95-0.97x raw either way) */
	f->blocks = m;
	return f;
}

void eir_db_filter_free(struct eir_db_filter *f)
{
	if (!f)
		return;
	munmap(f->blocks, f->bytes);
	free(f);
}

static struct eir_db *owner_of(struct eir_db *db)
{
	return db->origin ? db->origin : db;
}

/* --- writers (under the write mutex) --- */

void db_filter_add(struct eir_db *db, enum eir_db_part part, uint64_t imei)
{
	struct eir_db *o = owner_of(db);
	struct eir_db_filter *f = atomic_load_explicit(&o->filter[part], memory_order_relaxed);

	if (f) {
		filter_set(f, imei);
		atomic_fetch_add_explicit(&f->added, 1, memory_order_relaxed);
	}
	if (o->fnext[part]) {
		filter_set(o->fnext[part], imei);
		atomic_fetch_add_explicit(&o->fnext[part]->added, 1, memory_order_relaxed);
	}
}

static void chain(struct eir_db_filter *f, uint64_t id)
{
	uint64_t prev = id - 1;

	if (f)
		atomic_compare_exchange_strong_explicit(&f->upto, &prev, id, memory_order_release,
							memory_order_relaxed);
}

/* After a commit of this process whose transaction id was id. */
void db_filter_committed(struct eir_db *db, enum eir_db_part part, uint64_t id)
{
	struct eir_db *o = owner_of(db);
	MDB_envinfo info;

	if (!atomic_load_explicit(&o->filter[part], memory_order_relaxed) && !o->fnext[part])
		return;
	/* the environment's last transaction must be this commit: not an empty one that left the id unused, nor one of
	 * another process after it */
	if (mdb_env_info(o->p[part].env, &info) || info.me_last_txnid != id)
		return;
	chain(atomic_load_explicit(&o->filter[part], memory_order_relaxed), id);
	chain(o->fnext[part], id);
}

/* Under the write mutex, in the write transaction that will be id: whether its keys must go to the key log. Not when
 * this process holds a filter of the part and every filter it holds or builds will chain the commit (upto is id - 1:
 * it holds every snapshot before, and no other process can commit while the transaction is open): no catch-up will
 * ever read its entry then. Else yes: another process's filter, or this one's catch-up past another's commit, may. */
bool db_filter_log_needed(struct eir_db *db, enum eir_db_part part, uint64_t id)
{
	struct eir_db *o = owner_of(db);
	struct eir_db_filter *f = atomic_load_explicit(&o->filter[part], memory_order_relaxed);
	struct eir_db_filter *n = o->fnext[part];

	if (!f && !n)
		return true;
	if (f && atomic_load_explicit(&f->upto, memory_order_relaxed) != id - 1)
		return true;
	return n && atomic_load_explicit(&n->upto, memory_order_relaxed) != id - 1;
}

/* --- the reader (the owner's thread, in a snapshot) --- */

bool db_filter_absent(struct eir_db *db, enum eir_db_part part, uint64_t imei)
{
	struct eir_db_filter *f = atomic_load_explicit(&db->filter[part], memory_order_acquire);
	uint64_t id;

	if (!f)
		return false;
	id = mdb_txn_id(db->p[part].rtxn);
	if (id < f->base || id > atomic_load_explicit(&f->upto, memory_order_acquire))
		return false;
	if (filter_maybe(f, imei))
		return false;
	db->filter_skips[part]++;
	return true;
}

/* --- building and catching up (a thread handle's thread) --- */

/* A read transaction of a thread, under the map lock (no map resize while it is open), which the caller releases
 * whatever this returns. \returns 0, -EAGAIN (another process grew the map: the owner adopts it at its next
 * snapshot; later) or -EIO */
static int thread_read_begin(struct eir_db *t, struct eir_db *o, struct part *p, MDB_txn **txn)
{
	int rc;

	*txn = NULL;
	pthread_rwlock_rdlock(&o->map_lock);
	rc = mdb_txn_begin(p->env, NULL, MDB_RDONLY, txn);
	if (rc == MDB_MAP_RESIZED) {
		db_errf(t, "%s: the map was grown by another process", p->path);
		*txn = NULL;
		return -EAGAIN;
	}
	if (rc) {
		*txn = NULL;
		return db_lmdb_err(t, rc, "begin read transaction");
	}
	return 0;
}

/* One read transaction of the build: up to FILTER_CHUNK keys after *last (all from the first with *started false),
 * under the map lock (no map resize while it is open). \returns 0 (more to read), 1 (done) or an error */
static int build_chunk(struct eir_db *t, struct eir_db *o, struct part *p, enum eir_db_part part,
		       struct eir_db_filter **fp, uint64_t *last, bool *started)
{
	uint8_t key[KEY_IMEI_LEN];
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	MDB_cursor *cur = NULL;
	MDB_txn *txn = NULL;
	MDB_stat st;
	unsigned n = 0;
	bool first = !*fp;
	int rc;

	/* the first chunk takes the latest snapshot with no write of this process under way (the write mutex, always
	 * taken before the map lock) */
	if (first)
		pthread_mutex_lock(&o->write_mutex);
	rc = thread_read_begin(t, o, p, &txn);
	if (rc)
		goto out;
	if (!*fp) {
		/* the first chunk: sized by the table now, published for the writers before any key is read */
		rc = mdb_stat(txn, p->dbi[EIR_T_IMEI], &st);
		if (rc) {
			rc = db_lmdb_err(t, rc, "table statistics");
			goto out;
		}
		*fp = filter_alloc(st.ms_entries);
		if (!*fp) {
			db_errf(t, "%s: no memory for a lookup filter of %zu keys", p->path, st.ms_entries);
			rc = -ENOMEM;
			goto out;
		}
		atomic_store(&(*fp)->upto, mdb_txn_id(txn));
		o->fnext[part] = *fp;
		pthread_mutex_unlock(&o->write_mutex);
		first = false;
	}
	rc = mdb_cursor_open(txn, p->dbi[EIR_T_IMEI], &cur);
	if (rc) {
		rc = db_lmdb_err(t, rc, "open cursor");
		goto out;
	}
	if (*started) {
		db_be48_put(key, *last);
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
		if (rc == 0 && db_be48_get(k.mv_data) == *last)
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	} else {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	}
	while (rc == 0) {
		if (k.mv_size != KEY_IMEI_LEN) {
			rc = MDB_CORRUPTED;
			break;
		}
		*last = db_be48_get(k.mv_data);
		*started = true;
		filter_set(*fp, *last);
		(*fp)->keys++;
		if (++n == FILTER_CHUNK)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc == MDB_NOTFOUND)
		rc = 1;
	else if (rc)
		rc = db_lmdb_err(t, rc, "read keys");
out:
	if (cur)
		mdb_cursor_close(cur);
	if (txn)
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&o->map_lock);
	if (first)
		pthread_mutex_unlock(&o->write_mutex);
	return rc;
}

/*! On a thread handle's thread: build the lookup filter of a part from its IMEI table, in read transactions of
 *  FILTER_CHUNK keys (none held for long: no map resize waits on more than one), and install it for the owner's reads.
 *  \param[in] cancel when not NULL, read between two read transactions: true ends the build (-ECANCELED)
 *  \param[out] old the filter it replaces: the caller frees it (eir_db_filter_free()) on the owner's thread, where
 *	no read can be under way
 *  \returns 0; -EAGAIN (another process wrote the part during the build, or grew the map: build again later);
 *	-ECANCELED; -ENOMEM; -EIO; the message in eir_db_errstr() of t */
int eir_db_filter_build(struct eir_db *t, enum eir_db_part part, const bool *cancel, struct eir_db_filter **old)
{
	struct eir_db *o = owner_of(t);
	struct part *p = &o->p[part];
	struct eir_db_filter *f = NULL;
	bool started = false;
	uint64_t last = 0;
	MDB_envinfo info;
	int rc;

	*old = NULL;
	while ((rc = build_chunk(t, o, p, part, &f, &last, &started)) == 0) {
		if (cancel && __atomic_load_n(cancel, __ATOMIC_RELAXED)) {
			db_errf(t, "%s: the build was cancelled", p->path);
			rc = -ECANCELED;
			break;
		}
	}
	pthread_mutex_lock(&o->write_mutex);
	if (rc == 1) {
		/* every commit since the build began must have been this process's own, each adding its keys */
		if (mdb_env_info(p->env, &info) || atomic_load(&f->upto) != info.me_last_txnid) {
			db_errf(t, "%s: written by another process during the build", p->path);
			rc = -EAGAIN;
		} else {
			f->base = info.me_last_txnid;
			*old = atomic_load_explicit(&o->filter[part], memory_order_relaxed);
			atomic_store_explicit(&o->filter[part], f, memory_order_release);
			rc = 0;
		}
	}
	o->fnext[part] = NULL;
	pthread_mutex_unlock(&o->write_mutex);
	if (rc)
		eir_db_filter_free(f);
	return rc;
}

/* The keys the transactions (from, to] put, from the key log, in the read transaction txn, into f; *n counts them. A
 * failure part way leaves the keys added so far in f: more "maybe", never a false "no".
 * \returns 0, -ENOENT (a transaction without its list of keys) or an error */
static int log_keys(struct eir_db *t, struct part *p, MDB_txn *txn, uint64_t from, uint64_t to,
		    struct eir_db_filter *f, uint64_t *n)
{
	uint8_t key[8];
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	int rc;

	for (uint64_t id = from + 1; id <= to; id++) {
		const uint8_t *kp;
		size_t nk;

		osmo_store64be(id, key);
		rc = mdb_get(txn, p->dbi[DBI_KEYLOG], &k, &v);
		if (rc == MDB_NOTFOUND) {
			db_errf(t, "%s: transaction %llu is not in the key log", p->path, (unsigned long long)id);
			return -ENOENT;
		}
		if (rc)
			return db_lmdb_err(t, rc, "read the key log");
		kp = v.mv_data;
		if (v.mv_size < KLOG_HDR || (kp[0] != KLOG_MANY && kp[0] != KLOG_KEYS) ||
		    (v.mv_size - KLOG_HDR) % KEY_IMEI_LEN) {
			db_errf(t, "%s: corrupt key log entry of transaction %llu", p->path, (unsigned long long)id);
			return -EIO;
		}
		if (kp[0] == KLOG_MANY) {
			db_errf(t, "%s: transaction %llu put too many keys to list them", p->path,
				(unsigned long long)id);
			return -ENOENT;
		}
		nk = (v.mv_size - KLOG_HDR) / KEY_IMEI_LEN;
		for (kp += KLOG_HDR; nk; nk--, kp += KEY_IMEI_LEN, (*n)++)
			filter_set(f, db_be48_get(kp));
	}
	return 0;
}

/*! On a thread handle's thread (the one that builds): bring the lookup filter of a part on to the latest snapshot
 *  without a build, with the keys the commits after it put (another process's: the key log). The filter built last
 *  stays; the reads trust it for the new snapshots from the moment this returns 0.
 *  \param[out] keys the keys added (0 when it was current)
 *  \returns 0; -ENOENT (no filter, one with more keys than it was made for, or a commit that left no list of its
 *	keys: build it again); -EAGAIN (the map was grown by another process: later); -EIO; the message in
 *	eir_db_errstr() of t */
int eir_db_filter_catch_up(struct eir_db *t, enum eir_db_part part, uint64_t *keys)
{
	struct eir_db *o = owner_of(t);
	struct part *p = &o->p[part];
	struct eir_db_filter *f = atomic_load_explicit(&o->filter[part], memory_order_acquire);
	uint64_t upto, id, n = 0;
	MDB_txn *txn = NULL;
	int rc;

	*keys = 0;
	if (!f || !p->keylog || atomic_load(&f->added) + f->keys > f->cap) {
		db_errf(t, "%s: %s", p->path, !f ? "no lookup filter" : !p->keylog ? "no key log" :
			"the lookup filter holds more keys than it was made for");
		return -ENOENT;
	}
	/* upto read before the snapshot: a commit of this process that left no entry, caught between its commit and its
	 * chain step, then fails this catch-up (-ENOENT: a build), never passes it. The caller asks only for a filter
	 * seen behind at the same upto twice, which such a commit is not. */
	upto = atomic_load_explicit(&f->upto, memory_order_acquire);
	rc = thread_read_begin(t, o, p, &txn);
	if (rc)
		goto out;
	id = mdb_txn_id(txn);
	if (id > upto && id - upto > KLOG_KEEP) {
		db_errf(t, "%s: the lookup filter is %llu transactions behind", p->path,
			(unsigned long long)(id - upto));
		rc = -ENOENT;
		goto out;
	}
	if (id > upto) {
		rc = log_keys(t, p, txn, upto, id, f, &n);
		/* counted whatever the outcome: they are in the filter, towards its capacity */
		atomic_fetch_add_explicit(&f->added, n, memory_order_relaxed);
		if (rc)
			goto out;
		/* this process's own commits may move upto meanwhile (db_filter_committed()): on to id, never back */
		while (upto < id && !atomic_compare_exchange_weak_explicit(&f->upto, &upto, id, memory_order_release,
									   memory_order_relaxed))
			;
		atomic_fetch_add_explicit(&f->catch_ups, 1, memory_order_relaxed);
	}
	*keys = n;
	rc = 0;
out:
	if (txn)
		mdb_txn_abort(txn);
	pthread_rwlock_unlock(&o->map_lock);
	return rc;
}

/*! On a thread handle's thread: take the filter of a part away (the lookups search the B-tree again).
 *  \param[out] old the filter taken: the caller frees it on the owner's thread */
void eir_db_filter_drop(struct eir_db *t, enum eir_db_part part, struct eir_db_filter **old)
{
	struct eir_db *o = owner_of(t);

	pthread_mutex_lock(&o->write_mutex);
	*old = atomic_load_explicit(&o->filter[part], memory_order_relaxed);
	atomic_store_explicit(&o->filter[part], NULL, memory_order_release);
	pthread_mutex_unlock(&o->write_mutex);
}

/*! On the owner's thread: the state of a part's filter (no side effect). \returns whether it should be built
 *  (again): there is none, another process wrote the part since (not current), or it holds more keys than it was
 *  made for. A caller that asks often should wait for a second look at the same upto before building on "not
 *  current": one of this process's commits may be between its commit and its chain step. */
bool eir_db_filter_info(struct eir_db *db, enum eir_db_part part, struct eir_db_filter_info *fi)
{
	struct eir_db_filter *f = atomic_load_explicit(&db->filter[part], memory_order_acquire);
	MDB_envinfo info;

	memset(fi, 0, sizeof(*fi));
	fi->skips = db->filter_skips[part];
	if (!f)
		return true;
	fi->upto = atomic_load(&f->upto);
	fi->keys = f->keys;
	fi->added = atomic_load(&f->added);
	fi->cap = f->cap;
	fi->bytes = f->bytes;
	fi->catch_ups = atomic_load_explicit(&f->catch_ups, memory_order_relaxed);
	fi->current = mdb_env_info(db->p[part].env, &info) || info.me_last_txnid <= fi->upto;
	return !fi->current || fi->added + f->keys > f->cap;
}

/* the owner's eir_db_close() */
void db_filter_close(struct eir_db *db)
{
	for (int i = 0; i < _EIR_DB_PART_COUNT; i++) {
		eir_db_filter_free(atomic_load(&db->filter[i]));
		db->filter[i] = NULL;
	}
}
