/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The equipment store. Two LMDB environments behind one handle, one per writer:
 *   DIR/local     the operator's own lists (written by osmo-eir, or osmo-eir-db while no daemon runs)
 *   DIR/national  the national feed (written only by osmo-eir-sync, possibly for seconds at a time)
 * so that a long feed apply never makes a local edit wait, and readers never wait for anyone.
 * Only src/db/ includes <lmdb.h>; callers see the functions below, which return 0, -ENOENT, -EEXIST,
 * -ENOSPC (map full at its limit), -EBUSY or -EIO, with a readable message in eir_db_errstr(). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <osmocom/eir/types.h>

/* 2: audit table; 3: national rows keyed by (IMEI, IMSI, MSISDN); 4: the time each entry was applied */
#define EIR_DB_SCHEMA_VERSION 4

struct eir_db;
struct eir_db_txn;

enum eir_db_part {
	EIR_DB_LOCAL = 0,
	EIR_DB_NATIONAL = 1,
	_EIR_DB_PART_COUNT
};
extern const struct value_string eir_db_part_names[];	/* "local", "national" */

enum eir_db_table {
	EIR_T_IMEI = 0,	/*!< both parts: IMEI → list + pair flags */
	EIR_T_PAIR,	/*!< local: (IMEI, IMSI) → list, overrides the IMEI's list for that IMSI */
	EIR_T_RANGE,	/*!< local: first IMEI → last IMEI + list; never overlapping */
	EIR_T_NOTIF,	/*!< national: (IMEI, IMSI, MSISDN) notification rows; any row greylists the IMEI */
	EIR_T_EXC,	/*!< national: (IMEI, IMSI, MSISDN) exception rows; any row of a pair whitelists it */
	EIR_T_REASON,	/*!< both: reason id → text (each text stored once) */
	_EIR_T_COUNT
};
extern const struct value_string eir_db_table_names[];

/* flags on an EIR_T_IMEI record: which pair tables hold rows for this IMEI */
#define EIR_F_PAIR	0x01
#define EIR_F_NOTIF	0x02
#define EIR_F_EXC	0x04

#define EIR_NO_NUMBER_BYTE 0xff	/* imsi/msisdn fields filled with 0xff: none */

/*! One row of any table, decoded. Which fields matter depends on the table. */
struct eir_entry {
	uint64_t imei;		/*!< 14-digit key; first IMEI of a range */
	uint64_t last;		/*!< EIR_T_RANGE: last IMEI, inclusive */
	uint8_t imsi[8];	/*!< EIR_T_PAIR/NOTIF/EXC: packed IMSI (eir_imsi_pack()) */
	uint8_t msisdn[8];	/*!< EIR_T_NOTIF/EXC: packed MSISDN (part of the key, as DIRBS keys rows), 0xff:
				 *   none */
	enum eir_list list;	/*!< EIR_LIST_NONE on an IMEI record that only carries flags */
	uint8_t flags;		/*!< EIR_F_* (EIR_T_IMEI only; maintained by the store) */
	bool amnesty;		/*!< EIR_T_NOTIF: amnesty_granted (shown, never used in a verdict) */
	uint32_t reason_id;	/*!< 0: no reason */
	eir_day_t listed;	/*!< when it was listed (day), 0: unknown */
	eir_day_t block;	/*!< block date (day), 0: none */
	uint32_t applied;	/*!< when it was applied to this store (unix seconds), 0: unknown (before schema 4).
				 *   A put with 0 gets the transaction's time (eir_db_txn_time()) */
};

struct eir_db_opts {
	uint64_t map_size;	/*!< initial map size of each part, bytes (0: 1 GiB) */
	uint64_t map_max;	/*!< the map grows on demand up to this (0: 1 TiB) */
	bool create;		/*!< create DIR and the parts when missing */
	bool read_only;		/*!< never write (opening a missing store fails) */
};

int eir_db_open(void *ctx, struct eir_db **out, const char *dir, const struct eir_db_opts *opts);
void eir_db_close(struct eir_db *db);
/* Step i (0: the oldest) of the in-place upgrades an older store gets at its first read-write open: schema from →
 * to, and what it changes. Returns 0, or -ENOENT past the last step. */
int eir_db_schema_step(unsigned int i, uint32_t *from, uint32_t *to, const char **what);
const char *eir_db_errstr(const struct eir_db *db);
const char *eir_db_dir(const struct eir_db *db);
int eir_db_reader_check(struct eir_db *db);

/* The single writer of the local lists holds this lock (osmo-eir while it runs, or osmo-eir-db for one
 * command). Returns -EBUSY with the holder's pid and name in eir_db_errstr() when someone else has it. */
int eir_db_writer_lock(struct eir_db *db, enum eir_db_part part, const char *who);
void eir_db_writer_unlock(struct eir_db *db, enum eir_db_part part);

/* Reading: a snapshot of both parts. Never keep one across event loop iterations. */
int eir_db_read_begin(struct eir_db *db);
void eir_db_read_end(struct eir_db *db);
bool eir_db_read_empty(struct eir_db *db, enum eir_db_part part, enum eir_db_table t);
int eir_db_get(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, struct eir_entry *e);
int eir_db_range_find(struct eir_db *db, uint64_t imei, struct eir_entry *e);
/* The first notification or exception row (national) of (imei, imsi), whatever its MSISDN. */
int eir_db_row_find(struct eir_db *db, enum eir_db_table t, uint64_t imei, const uint8_t *imsi, struct eir_entry *e);
int eir_db_reason(struct eir_db *db, enum eir_db_part part, uint32_t id, char *buf, size_t len);
int eir_db_meta_get(struct eir_db *db, enum eir_db_part part, const char *key, void *buf, size_t *len);
typedef int (*eir_db_iter_cb)(const struct eir_entry *e, void *arg);
int eir_db_iter(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, const struct eir_entry *from,
		eir_db_iter_cb cb, void *arg);

/* Writing: fn runs inside one write transaction of one part, which is committed when fn returns 0 and
 * aborted when it returns < 0. If the map fills, the transaction is aborted, the map grown and fn run
 * again from the start (so fn must be re-runnable), up to opts.map_max. */
typedef int (*eir_db_write_fn)(struct eir_db_txn *txn, void *arg);
int eir_db_write(struct eir_db *db, enum eir_db_part part, eir_db_write_fn fn, void *arg);
/* Several changes in one write transaction, each of which may fail alone: fn in a nested transaction. */
int eir_db_txn_sub(struct eir_db_txn *txn, eir_db_write_fn fn, void *arg);

/* Threads. A handle belongs to the thread that opened it (osmo-eir: the select loop), which alone reads through it
 * (the snapshot is the handle's) and grows the map. Another thread that writes takes a handle of its own on the
 * same environments with eir_db_thread_handle() (LMDB allows one open of an environment per process, and the
 * environments are MDB_NOTLS, so the loop's snapshot is no thread's business but the loop's):
 *  - the thread handle only writes (eir_db_write(), eir_db_errstr() of its own writes, no logging);
 *  - every eir_db_write() of either handle holds one mutex from the transaction's begin to its commit, map growth
 *    and redo included: the writers take turns (a VTY edit on the loop waits for the thread's current batch), and
 *    the map never grows while a write transaction is open;
 *  - the map grows only on the owner's thread, with no snapshot open (mdb_env_set_mapsize() wants no transaction
 *    open in the process): a thread handle's write that finds the map full returns -EAGAIN; the owner then calls
 *    eir_db_grow() (between two snapshots) and the thread writes again from the start. */
struct eir_db *eir_db_thread_handle(void *ctx, struct eir_db *db);
int eir_db_grow(struct eir_db *db, enum eir_db_part part);
/* Before a big write: the map grown at once to hold about bytes more (see write.c). */
int eir_db_reserve(struct eir_db *db, enum eir_db_part part, uint64_t bytes);
/* After another process wrote the part (a lent writer lock): adopt its map size before a thread handle writes. */
void eir_db_map_adopt(struct eir_db *db, enum eir_db_part part);

/* The lookup filter of a part (src/db/filter.c): a Bloom filter of its IMEI keys in memory, asked before the B-tree so
 * that an IMEI on no list costs no search. Exact: it only skips lookups that would find nothing, and is trusted only
 * for the snapshots it is known to hold (every write of this process feeds it; after a write of another process it
 * waits until a thread takes that write's keys from the key log, or builds it again). Built and caught up on a thread
 * handle's thread, asked by the owner's reads, freed on the owner's thread. */
struct eir_db_filter;
struct eir_db_filter_info {
	uint64_t keys;		/*!< keys read by its build */
	uint64_t added;		/*!< keys added by writes since */
	uint64_t cap;		/*!< keys it was made for */
	uint64_t bytes;		/*!< its memory */
	uint64_t skips;		/*!< lookups it answered since the store was opened */
	uint64_t upto;		/*!< the last transaction id it holds */
	uint64_t catch_ups;	/*!< times it was brought past another process's commits (eir_db_filter_catch_up()) */
	bool current;		/*!< trusted for the latest snapshot */
};
int eir_db_filter_build(struct eir_db *t, enum eir_db_part part, const bool *cancel, struct eir_db_filter **old);
int eir_db_filter_catch_up(struct eir_db *t, enum eir_db_part part, uint64_t *keys);
void eir_db_filter_drop(struct eir_db *t, enum eir_db_part part, struct eir_db_filter **old);
void eir_db_filter_free(struct eir_db_filter *f);
bool eir_db_filter_info(struct eir_db *db, enum eir_db_part part, struct eir_db_filter_info *fi);

int eir_db_txn_put(struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *e);
int eir_db_txn_del(struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *key);
int eir_db_txn_get(struct eir_db_txn *txn, enum eir_db_table t, struct eir_entry *e);
int eir_db_txn_put_range(struct eir_db_txn *txn, const struct eir_entry *e);
int eir_db_txn_del_range(struct eir_db_txn *txn, uint64_t first);
int eir_db_txn_clear(struct eir_db_txn *txn, enum eir_db_table t);
int eir_db_txn_reason(struct eir_db_txn *txn, const char *text, uint32_t *id);
/* Call cb for each row of a table in key order, inside the write transaction (it sees the transaction's own
 * changes). cb must not write; collect what to change and change it afterwards. */
int eir_db_txn_iter(struct eir_db_txn *txn, enum eir_db_table t, eir_db_iter_cb cb, void *arg);
int eir_db_txn_meta_put(struct eir_db_txn *txn, const char *key, const void *val, size_t len);
void eir_db_txn_errf(struct eir_db_txn *txn, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
struct eir_db *eir_db_txn_db(struct eir_db_txn *txn);
/* The transaction's time (unix seconds, taken once when eir_db_write() starts, the same in a redo after the map
 * grew): every entry put with applied 0 gets it. */
int64_t eir_db_txn_time(const struct eir_db_txn *txn);

/* Per-feed state, kept in the national part's meta and written in the same transaction as the lists. */
struct eir_feed_state {
	char name[64];		/*!< feed name */
	int64_t run_id;		/*!< last run applied */
	char run_date[16];	/*!< its date, YYYYMMDD_HHMMSS */
	int64_t applied_at;	/*!< unix time of the apply */
};
int eir_db_feed_state_get(struct eir_db *db, struct eir_feed_state *st);
int eir_db_txn_feed_state_put(struct eir_db_txn *txn, const struct eir_feed_state *st);

/* The audit trail of list changes (local part): every change made from the VTY, CTRL or osmo-eir-db, recorded
 * in the same write transaction as the change itself. The oldest records go beyond EIR_DB_AUDIT_KEEP. */
#define EIR_DB_AUDIT_KEEP 1000000
struct eir_audit {
	uint64_t seq;		/*!< assigned by eir_db_txn_audit_add(), increasing */
	int64_t when_ms;	/*!< unix time in milliseconds */
	char who[96];		/*!< e.g. "vty 127.0.0.1:40312", "ctrl 127.0.0.1:40000", "osmo-eir-db uid 0" */
	char what[160];		/*!< the change, e.g. "add imei 35693803564380" */
	char before[256];	/*!< the entry before ("none" when absent) */
	char after[256];	/*!< and after */
};
int eir_db_txn_audit_add(struct eir_db_txn *txn, struct eir_audit *a);
typedef int (*eir_db_audit_cb)(const struct eir_audit *a, void *arg);
int eir_db_audit_last(struct eir_db *db, unsigned n, eir_db_audit_cb cb, void *arg);
uint64_t eir_db_audit_count(struct eir_db *db);
int eir_db_txn_reason_text(struct eir_db_txn *txn, uint32_t id, char *buf, size_t len);

struct eir_db_stats {
	uint32_t schema;
	uint32_t page_size;
	uint64_t map_size;		/*!< bytes mapped */
	uint64_t map_used;		/*!< bytes up to the last page in use */
	uint64_t file_size;		/*!< data.mdb on disk */
	unsigned readers;		/*!< reader slots in use */
	uint64_t imei_lists[4];		/*!< EIR_T_IMEI records per list (enum eir_list; none: pair flags
					 *   only) */
	struct {
		uint64_t entries;
		uint64_t pages;		/*!< branch + leaf + overflow pages */
	} t[_EIR_T_COUNT];
};
int eir_db_stats(struct eir_db *db, enum eir_db_part part, struct eir_db_stats *st);
