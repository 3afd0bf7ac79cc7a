/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The history store's insides, shared by its three files: history.c (open, apply a batch with its event detection),
 * history_prune.c (pruning) and history_read.c (the reads: pairs, last partners, events, the dump's day walk).
 * Nothing outside src/db includes it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <string.h>
#include <time.h>

#include <lmdb.h>

#include <osmocom/eir/history.h>

/*
 * Sub-databases (keys big-endian so that LMDB's order is numeric):
 *   pair       IMEI(8) IMSI(8) MSISDN(8) -> struct pair_val       only with full history
 *   pair_imsi  IMSI(8) IMEI(8) MSISDN(8) -> ""                    its index by IMSI
 *   recent     IMEI(8) IMSI(8)           -> struct recent_val     the last check of a pair: sighting repeats and
 *                                                                 clone counts (kept max(window, 1 h))
 *   imei_last  IMEI(8)                   -> struct imei_last_val  the IMEI's last IMSI (new SIM events)
 *   imsi_last  IMSI(8)                   -> struct imsi_last_val  the IMSI's last IMEI (new handset events)
 *   event      id(8)                     -> struct eir_hist_event (or struct event_v1, stored before the
 *                                                                 applied time and the two-nodes clone)
 *   sight      id(8)                     -> ""                    the sightings among the events
 *   meta       "next_id"                 -> uint64_t
 *   imei_node  IMEI(8) iface(1)          -> struct node_val       the last node that checked an IMEI on an
 *                                                                 interface (two-nodes clones; kept 1 h)
 *              "retention"               -> uint32_t              the writer's retention_days (for the dump)
 * A missing IMSI or MSISDN is 8 zero bytes in a key (packed digits are never all zero bytes: the filler is 0xF).
 */
enum { D_PAIR, D_PAIR_IMSI, D_RECENT, D_IMEI_LAST, D_IMSI_LAST, D_EVENT, D_SIGHT, D_META, D_IMEI_NODE, _D_COUNT };

#define DAY_WORDS 6	/* 384 bits >= EIR_HIST_RETENTION_MAX */
#define DAY_SEC 86400

struct pair_val {
	int64_t first, last;
	uint64_t days[DAY_WORDS];
	uint32_t count;
	uint16_t last_day;		/*!< bit i of days: seen on day last_day - i */
	int8_t sv;
	uint8_t iface, verdict, flags;
	struct eir_hist_why why;
	char node[EIR_HIST_NODE_LEN];
	/* the RATs seen (eir_rat_bit()): it took what was the struct's tail padding, which every row wrote as zero
	 * (memset when the row was made), so rows from before read as "none known" and the row size is the same */
	uint16_t rats;
};
_Static_assert(sizeof(struct pair_val) == 152, "the stored pair row changed size: old rows would be unreadable");

struct imei_last_val {
	uint8_t imsi[8];
	int64_t t;
	int64_t clone_at;		/*!< last clone suspect raised for this IMEI, 0: none */
} __attribute__((packed));

struct imsi_last_val {
	uint64_t imei;
	int64_t t;
} __attribute__((packed));

struct recent_val {
	int64_t last;			/*!< last check of this (IMEI, IMSI) */
	int64_t sighted;		/*!< last sighting raised for it, 0: none */
} __attribute__((packed));

struct node_val {
	int64_t t;			/*!< the last check of this IMEI on this interface ... */
	int64_t clone_at;		/*!< last two-nodes clone raised for it, 0: none */
	char node[EIR_HIST_NODE_LEN];	/*!< ... and the node that asked */
} __attribute__((packed));

/* The event layout before the applied time and the two-nodes clone (frozen: events stored then are read with it) */
struct rec_v1 {
	int64_t t;
	uint64_t imei;
	uint8_t imsi[8], msisdn[8];
	int8_t sv;
	uint8_t iface, verdict, flags;
	struct eir_hist_why why;
	char node[EIR_HIST_NODE_LEN];
};

struct event_v1 {
	uint64_t id;
	struct rec_v1 rec;
	uint8_t kind;
	uint8_t other[8];
	uint32_t n;
};
_Static_assert(sizeof(struct event_v1) == 136, "the stored layout of the first events");

/* a round-robin pruning cursor: where the last step stopped */
struct rr_pos {
	uint8_t key[24];
	size_t len;			/*!< 0: from the start */
};

struct eir_hist {
	MDB_env *env;
	MDB_dbi dbi[_D_COUNT];
	struct eir_hist_cfg cfg;		/*!< the writer's */
	unsigned retention_rd;			/*!< cfg.retention_days for readers on other threads (atomic) */
	time_t (*now)(void);
	uint64_t next_id;
	unsigned retention_stored;	/*!< the retention in meta, 0: not yet written */
	struct rr_pos rr[_D_COUNT];
	unsigned rr_turn;		/*!< which table the next step starts with */
	unsigned prune_budget;		/*!< rows the next batch's step looks at */
	/* events of the batch being applied, handed out after the commit */
	struct eir_hist_event *evs;
	unsigned n_evs, max_evs;
	/* read by the loop while the writer counts */
	uint64_t st_records, st_batches, st_failed, st_pruned, st_events;
};

static inline void put_be64(uint8_t *p, uint64_t v)
{
	for (int i = 7; i >= 0; i--, v >>= 8)
		p[i] = (uint8_t)v;
}

static inline uint64_t get_be64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 0; i < 8; i++)
		v = v << 8 | p[i];
	return v;
}

/* a figure the loop reads while the writer counts */
static inline void hist_stat_add(uint64_t *c, uint64_t n)
{
	__atomic_add_fetch(c, n, __ATOMIC_RELAXED);
}

/* one value of a sub-database into val (exactly vlen bytes). \returns 0, MDB_NOTFOUND, MDB_CORRUPTED for a value of
 * another size, or an LMDB error */
int hist_get_val(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, void *val, size_t vlen);
/* days seen of a pair row within the retention, as of today (a day number) */
unsigned hist_days_count(const struct pair_val *pv, unsigned today, unsigned retention);
/* a stored event, either layout, into ev; false: not a readable one */
bool hist_event_dec(const MDB_val *v, struct eir_hist_event *ev);
/* one pruning step in txn: up to max rows looked at, those past their keeping removed (history_prune.c) */
int hist_prune_step(struct eir_hist *h, MDB_txn *txn, unsigned max, unsigned *removed);
