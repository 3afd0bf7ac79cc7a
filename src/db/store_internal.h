/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What the store's own files share: the LMDB handles and the record codecs. Nothing outside src/db/.
 *
 * The store is a one-way stack: each file calls by name only the files below it, never one above.
 *
 *   reasons.c  the bulk writers' reason cache                 -> write
 *   meta.c     stats, the national feed's state               -> write, read, schema, env
 *   audit.c    the audit trail of list changes                -> read, env
 *   write.c    write transactions, map growth, row operations -> keylog, schema (counts), filter, env, codec
 *   keylog.c   the keys a write transaction put, its key log entry -> filter
 *   read.c     snapshots, lookups, iteration                  -> filter, env, codec
 *   schema.c   sub-databases, schema version, upgrade steps   -> env, codec
 *   filter.c   the lookup filters of the IMEI tables          -> env, codec
 *   env.c      errors, LMDB environments, map, writer lock    -> codec (names)
 *   codec.c    names, keys and records (pure)                 -> nothing
 *   store.c    eir_db_open()/eir_db_close(): wires env, schema and read for each part; nothing calls it
 *   history.c  the device history: an LMDB environment of its own, beside (include/osmocom/eir/history.h)
 *   history_read.c  its reads                                 -> history (history_internal.h)
 *   history_prune.c its pruning, called by history.c           -> nothing (history_internal.h)
 *
 * (checked with nm on the objects: tests/build/layers.sh; callers outside src/db see only db.h.) */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <pthread.h>
#include <stdatomic.h>
#include <lmdb.h>

#include <osmocom/eir/db.h>

/* sub-databases of each part; the first _EIR_T_COUNT are the public tables */
enum {
	DBI_REASON_IDX = _EIR_T_COUNT,	/* reason text → id */
	DBI_META,			/* schema version, part name, feed state */
	DBI_AUDIT,			/* schema 2: sequence number → list change record (local part) */
	DBI_KEYLOG,			/* transaction id → the IMEI keys it put (not in the schema version: a store
					 * without it is opened, and the log made at the first read-write open) */
	_DBI_COUNT
};

#define KEY_IMEI_LEN 6
#define KEY_PAIR_LEN 14		/* IMEI, IMSI: local pairs (and national rows up to schema 2) */
#define KEY_ROW_LEN 22		/* IMEI, IMSI, MSISDN: national notification and exception rows (schema 3) */
#define KEY_MAX_LEN KEY_ROW_LEN
#define REC_LEN 14		/* list, flags, reason, listed, block, applied */
#define REC_RANGE_LEN (6 + REC_LEN)
#define REC_LEN_V3 10		/* up to schema 3: no applied time */
#define REC_ROW_LEN_V2 (REC_LEN_V3 + 8)	/* schema 2 rows: the MSISDN after the record, not in the key */
#define REASON_MAX 500

/* The key log (DBI_KEYLOG): every write transaction of any process leaves one entry, so that a lookup filter of
 * another process can take its keys without a new build (filter.c); except one that every filter of its own
 * process will chain (db_filter_log_needed()): no catch-up reads it. Key: the transaction id (8 bytes, big-endian);
 * value: a kind, the commit's time (8 bytes, big-endian, seconds) and for KLOG_KEYS the keys it put into the IMEI
 * table (KEY_IMEI_LEN each, in the order put). Entries more than KLOG_KEEP transactions or KLOG_AGE seconds old
 * are deleted by the writes. */
#define KLOG_KEYS 'k'
#define KLOG_MANY 'm'		/* it put more than KLOG_MAX_KEYS keys: not listed (a filter is built again) */
#define KLOG_HDR 9
#define KLOG_MAX_KEYS 262144
#define KLOG_KEEP 1024
#define KLOG_AGE 3600

struct part {
	MDB_env *env;
	MDB_dbi dbi[_DBI_COUNT];
	MDB_txn *rtxn;			/* read transaction, reset between snapshots */
	MDB_cursor *rcur_range;		/* floor search cursor, renewed with rtxn */
	MDB_cursor *rcur_row[2];	/* prefix search cursors on notif and exc, renewed on first use */
	bool rcur_row_fresh[2];		/* renewed in the current snapshot */
	bool rtxn_active;
	bool keylog;			/* DBI_KEYLOG is open (a read-only open of a store without one: false) */
	int lock_fd;			/* writer lock, -1 when not held */
	char *path;
};

struct eir_db {
	char *dir;
	struct eir_db_opts opts;
	struct part p[_EIR_DB_PART_COUNT];
	unsigned read_depth;
	char err[512];
	/* held for the whole of eir_db_write() (begin, commit, map growth, redo) by whichever thread writes: the map
	 * only ever grows with no write transaction open in the process (see eir_db_thread_handle() in db.h) */
	pthread_mutex_t write_mutex;
	/* a thread handle (eir_db_thread_handle()): the handle it was made from, whose environments and write mutex it
	 * uses; NULL on a handle of eir_db_open() */
	struct eir_db *origin;
	/* taken to write by every mdb_env_set_mapsize() on an open environment (db_env_set_mapsize()) and to read by a
	 * thread's read transaction (the lookup filter's build): LMDB resizes a map only with no transaction open in
	 * the process. Always after the write mutex when both are held. */
	pthread_rwlock_t map_lock;
	/* the lookup filters (filter.c): read by the owner's snapshots, swapped and fed under the write mutex */
	struct eir_db_filter *_Atomic filter[_EIR_DB_PART_COUNT];
	struct eir_db_filter *fnext[_EIR_DB_PART_COUNT];	/* being built: fed by the writes, not read yet */
	uint64_t filter_skips[_EIR_DB_PART_COUNT];	/* lookups it answered (the owner's thread) */
};

struct eir_db_txn {
	struct eir_db *db;
	enum eir_db_part part;
	struct part *p;
	MDB_txn *txn;
	MDB_cursor *cur[_EIR_T_COUNT];	/* append cursors, opened on first use */
	uint8_t last_key[_EIR_T_COUNT][KEY_MAX_LEN];
	int8_t append[_EIR_T_COUNT];	/* 0: not looked yet, 1: keys in order so far (MDB_APPEND), -1: not */
	uint32_t next_reason;		/* 0: not looked up yet */
	int64_t now;			/* eir_db_txn_time() */
	int64_t dcount[4];		/* change of the IMEI records per list (enum eir_list), saved at commit */
	uint8_t *klog;			/* the IMEI keys put, for the key log (KEY_IMEI_LEN each) */
	size_t klog_n, klog_cap;	/* keys in it, room for */
	bool klog_many;			/* more than KLOG_MAX_KEYS (or no memory for them): logged as KLOG_MANY */
	bool map_full;
	bool failed;
};

/* codec.c */
int db_key_len(enum eir_db_table t);
int db_rec_len(enum eir_db_table t);
void db_key_enc(enum eir_db_table t, const struct eir_entry *e, uint8_t *key);
void db_key_dec(enum eir_db_table t, const uint8_t *key, struct eir_entry *e);
void db_rec_enc(enum eir_db_table t, const struct eir_entry *e, uint8_t *rec);
int db_rec_dec(enum eir_db_table t, const MDB_val *v, struct eir_entry *e);
uint64_t db_be48_get(const uint8_t *p);
void db_be48_put(uint8_t *p, uint64_t v);
/* copy an LMDB value that is text without a terminating NUL into buf, NUL-terminated, cut to fit */
void db_val_str(char *buf, size_t len, const MDB_val *v);

/* env.c */
void db_errf(struct eir_db *db, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int db_lmdb_err(struct eir_db *db, int rc, const char *what);
int db_env_open(struct eir_db *db, enum eir_db_part part);
int db_txn_begin(struct eir_db *db, struct part *p, unsigned int flags, MDB_txn **txn);
int db_env_set_mapsize(struct eir_db *db, struct part *p, size_t size);
int db_env_grow(struct eir_db *db, struct part *p, uint64_t min_size, const char *why);

/* schema.c: open (create, check, upgrade) the sub-databases of a part whose environment is open */
int db_schema_open(struct eir_db *db, enum eir_db_part part);
/* a 4-byte big-endian meta value ("schema"): 0, MDB_NOTFOUND, MDB_CORRUPTED (wrong size) or an LMDB error */
int db_meta_get_u32(MDB_txn *txn, MDB_dbi dbi, const char *key, uint32_t *val);
/* IMEI records per list, kept in meta "count:imei:<list>" (schema 2) so that summaries never scan 100M entries */
int db_counts_get(MDB_txn *txn, struct part *p, uint64_t count[4]);
int db_counts_put(MDB_txn *txn, struct part *p, const uint64_t count[4]);

/* filter.c: the writes of this process feed the lookup filters, the reads ask them */
void db_filter_add(struct eir_db *db, enum eir_db_part part, uint64_t imei);
void db_filter_committed(struct eir_db *db, enum eir_db_part part, uint64_t id);
bool db_filter_log_needed(struct eir_db *db, enum eir_db_part part, uint64_t id);
bool db_filter_absent(struct eir_db *db, enum eir_db_part part, uint64_t imei);
void db_filter_close(struct eir_db *db);

/* keylog.c: the key log entry of a write transaction (write.c) */
void db_klog_add(struct eir_db_txn *txn, const uint8_t *key);
void db_klog_merge(struct eir_db_txn *txn, struct eir_db_txn *sub);
int db_klog_save(struct eir_db_txn *txn);
void db_klog_free(struct eir_db_txn *txn);

/* read.c: the part's read transaction and cursors, created once at open */
int db_read_init(struct eir_db *db, struct part *p);
/* the text of reason id in a transaction of part p into buf ("" for id 0): 0, MDB_NOTFOUND or an LMDB error */
int db_reason_get(MDB_txn *txn, const struct part *p, uint32_t id, char *buf, size_t len);
