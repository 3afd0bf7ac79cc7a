/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Device history and sightings (issue #12): what the network checks saw — per (IMEI, IMSI, MSISDN) first and last
 * seen, the days seen, the last verdict — and the events found in it (sightings of listed handsets, SIM and
 * handset changes, clone suspects), kept in an LMDB environment of its own (src/db/history.c), written by one
 * writer thread (src/eir/history_writer.c) that the select loop feeds through a bounded ring. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <time.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/types.h>

/*! The configuration ('history' node); the writer thread takes a copy when it starts. */
struct eir_hist_cfg {
	bool full;			/*!< keep every (IMEI, IMSI, MSISDN) row (default off) */
	bool sightings;			/*!< raise sightings of BLACKLISTED handsets (default on) ... */
	bool sightings_grey;		/*!< ... and of GREYLISTED ones (default off) */
	unsigned retention_days;	/*!< rows and events older than this are pruned (default 30, at most 366) */
	unsigned clone_imsis;		/*!< a clone suspect: this many distinct IMSIs in one IMEI ... (0: off) */
	unsigned clone_window_hours;	/*!< ... within this many hours */
	unsigned queue_len;		/*!< records waiting for the writer; more are dropped and counted */
	unsigned coalesce_sec;		/*!< a check equal to one queued this long ago or less is not queued (0: off) */
	unsigned clone_nodes_sec;	/*!< a clone suspect: one IMEI checked by two nodes of one interface this many
					 *   seconds apart or less (0: off, the default) */
	unsigned map_size_mib;		/*!< the history environment's fixed map size */
	char *path;			/*!< its directory; NULL: <store dir>/../history */
};
#define EIR_HIST_RETENTION_DEFAULT 30
#define EIR_HIST_RETENTION_MAX 366	/* the days bitmap holds this many */
#define EIR_HIST_CLONE_IMSIS_DEFAULT 3
#define EIR_HIST_CLONE_WINDOW_DEFAULT 24
#define EIR_HIST_QUEUE_DEFAULT 65536
#define EIR_HIST_MAP_DEFAULT 1024
#define EIR_HIST_COALESCE_DEFAULT 300
/* the same listed (IMEI, IMSI) again within this time is a repeat, not a new sighting */
#define EIR_HIST_SIGHTING_REPEAT_SEC 3600
#define EIR_HIST_CFG_DEFAULT { .full = false, .sightings = true, .sightings_grey = false, \
	.retention_days = EIR_HIST_RETENTION_DEFAULT, .clone_imsis = EIR_HIST_CLONE_IMSIS_DEFAULT, \
	.clone_window_hours = EIR_HIST_CLONE_WINDOW_DEFAULT, .queue_len = EIR_HIST_QUEUE_DEFAULT, \
	.coalesce_sec = EIR_HIST_COALESCE_DEFAULT, .map_size_mib = EIR_HIST_MAP_DEFAULT }

#define EIR_HIST_NODE_LEN 48	/* the asking node, truncated: enough for an Origin-Host or NF instance id */

#define EIR_HIST_F_IMSI 0x01	/*!< imsi is set */
#define EIR_HIST_F_MSISDN 0x02	/*!< msisdn is set */
#define EIR_HIST_F_ERROR 0x04	/*!< the check was answered with an error (the store failed) */

/*! The "why" of a verdict, small: enough to name the deciding entry and look its reason up in the lists store. */
struct eir_hist_why {
	uint8_t level;		/*!< enum eir_level */
	uint8_t part;		/*!< enum eir_db_part */
	uint8_t list;		/*!< enum eir_list */
	uint16_t listed;	/*!< eir_day_t the entry was listed */
	uint32_t reason_id;	/*!< in that part's reasons */
	uint64_t first, last;	/*!< the entry's IMEI (a range: its bounds) */
} __attribute__((packed));

/*! One network check, as the hook copies it into the ring (~110 bytes). */
struct eir_hist_rec {
	int64_t t;		/*!< when (unix seconds) */
	uint64_t imei;
	uint8_t imsi[8];	/*!< packed (eir_imsi_pack()) */
	uint8_t msisdn[8];	/*!< packed (eir_msisdn_pack()) */
	int8_t sv;		/*!< -1: none */
	uint8_t iface;		/*!< enum eir_iface */
	uint8_t verdict;	/*!< enum eir_verdict */
	uint8_t flags;		/*!< EIR_HIST_F_* */
	struct eir_hist_why why;
	char node[EIR_HIST_NODE_LEN];	/*!< NUL-terminated */
	int64_t applied;	/*!< when the deciding entry was applied to the lists store (unix seconds; 0:
				 *   unknown, or no entry decided) */
};

enum eir_hist_kind {
	EIR_HIST_EV_SIGHTING = 1,	/*!< a listed handset was checked */
	EIR_HIST_EV_NEW_SIM,		/*!< an IMEI with an IMSI other than its last (other: that IMSI) */
	EIR_HIST_EV_NEW_HANDSET,	/*!< an IMSI with an IMEI other than its last (other: that IMEI) */
	EIR_HIST_EV_CLONE,		/*!< an IMEI with clone_imsis or more IMSIs within the window (n: how
					 *   many), or checked by two nodes at once (clone EIR_HIST_CLONE_NODES) */
	_EIR_HIST_EV_COUNT
};
/* "sighting", "new-sim", "new-handset", "clone-suspect" */
extern const struct value_string eir_hist_kind_names[];

/*! An event, as kept and as handed back to the loop. */
struct eir_hist_event {
	uint64_t id;		/*!< unique in this history, increasing */
	struct eir_hist_rec rec;	/*!< the check that raised it */
	uint8_t kind;		/*!< enum eir_hist_kind */
	uint8_t other[8];	/*!< NEW_SIM: the previous IMSI (packed); NEW_HANDSET: the previous IMEI (BE) */
	uint32_t n;		/*!< CLONE: distinct IMSIs within the window; CLONE_NODES: seconds between the
				 *   checks */
	/* since the time-to-block and the two-nodes clone (an event stored before is read with these zero) */
	uint8_t clone;		/*!< CLONE: enum eir_hist_clone */
	char other_node[EIR_HIST_NODE_LEN];	/*!< CLONE_NODES: the other node */
};

enum eir_hist_clone {
	EIR_HIST_CLONE_IMSIS = 0,	/*!< clone_imsis distinct IMSIs within the window */
	EIR_HIST_CLONE_NODES,		/*!< two nodes of one interface within clone_nodes_sec */
};
/* "imsis", "two-nodes" */
extern const struct value_string eir_hist_clone_names[];
/*! Seconds from the deciding entry's apply to the check, for a sighting; false when unknown. */
bool eir_hist_since_applied(const struct eir_hist_rec *r, int64_t *sec);

/*! One (IMEI, IMSI, MSISDN) row. */
struct eir_hist_pair {
	uint64_t imei;
	uint8_t imsi[8], msisdn[8];
	int64_t first, last;	/*!< first and last seen */
	uint32_t count;		/*!< checks seen */
	unsigned days;		/*!< distinct days seen within the retention */
	int8_t sv;
	uint8_t iface, verdict, flags;
	struct eir_hist_why why;
	char node[EIR_HIST_NODE_LEN];
};

/*! The writer side's figures (read by the loop). */
struct eir_hist_stats {
	uint64_t records;	/*!< records committed */
	uint64_t batches;	/*!< commits */
	uint64_t failed;	/*!< records lost because a commit failed (map full, I/O) */
	uint64_t pruned;	/*!< rows and events removed by the retention */
	uint64_t events;	/*!< events raised */
};

struct eir_hist;

/* --- the store (src/db/history.c) --- */
int eir_hist_open(void *ctx, struct eir_hist **h, const char *dir, const struct eir_hist_cfg *cfg, char *err,
		  size_t len);
void eir_hist_close(struct eir_hist *h);
bool eir_hist_sighting(const struct eir_hist_cfg *cfg, enum eir_verdict v, bool error);
bool eir_hist_wanted(const struct eir_hist_cfg *cfg, bool have_imsi, enum eir_verdict v, bool error);
/*! The clock pruning reads (default time()); tests set their own. */
void eir_hist_set_clock(struct eir_hist *h, time_t (*now)(void));
/*! The configuration the next batches use (the writer's copy). */
void eir_hist_set_cfg(struct eir_hist *h, const struct eir_hist_cfg *cfg);
typedef void (*eir_hist_event_cb)(void *data, const struct eir_hist_event *ev);
/*! Apply n records in one write transaction, with one small pruning step: events raised are stored and passed to
 * cb (after the commit). \returns 0, or a negative errno (the whole batch lost) with the reason in err. */
int eir_hist_apply(struct eir_hist *h, const struct eir_hist_rec *recs, unsigned n, eir_hist_event_cb cb, void *data,
		   char *err, size_t len);
/*! One pruning step of at most max rows (eir_hist_apply() runs one per batch). \returns rows removed, or < 0. */
int eir_hist_prune(struct eir_hist *h, unsigned max);
void eir_hist_stats_get(struct eir_hist *h, struct eir_hist_stats *st);

/* reading (any thread, a read transaction of its own: they read the disk) */
typedef int (*eir_hist_pair_cb)(void *data, const struct eir_hist_pair *p);
int eir_hist_pairs_imei(struct eir_hist *h, uint64_t imei, eir_hist_pair_cb cb, void *data);
int eir_hist_pairs_imsi(struct eir_hist *h, const uint8_t imsi[8], eir_hist_pair_cb cb, void *data);
/*! Kept even with full history off: an IMEI's last IMSI, an IMSI's last IMEI. \returns 0, -ENOENT, -EIO. */
int eir_hist_last_imsi(struct eir_hist *h, uint64_t imei, uint8_t imsi[8], int64_t *t);
int eir_hist_last_imei(struct eir_hist *h, const uint8_t imsi[8], uint64_t *imei, int64_t *t);
/*! An event's other party: NEW_SIM the previous IMSI, NEW_HANDSET the previous IMEI, a two-nodes clone the other
 * node, else "". */
char *eir_hist_other_str(char *buf, size_t len, const struct eir_hist_event *ev);
typedef int (*eir_hist_ev_cb)(void *data, const struct eir_hist_event *ev);
/*! The last n events, newest first; sightings_only: only sightings. */
int eir_hist_events(struct eir_hist *h, unsigned n, bool sightings_only, eir_hist_ev_cb cb, void *data);
/*! Rows in the history: pairs, events, IMEIs and IMSIs with a last partner. */
int eir_hist_counts(struct eir_hist *h, uint64_t *pairs, uint64_t *events, uint64_t *imeis, uint64_t *imsis);

/* --- the writer thread (src/eir/history_writer.c) --- */
struct eir_hist_writer;
/*! On the loop: called for each event the writer raised (log, counters, TRAP), or with ev NULL and err the text
 * when a batch was lost (the writer thread does not log). */
typedef void (*eir_hist_loop_cb)(void *data, const struct eir_hist_event *ev, const char *err);
struct eir_hist_writer *eir_hist_writer_alloc(void *ctx, struct eir_hist *h, const struct eir_hist_cfg *cfg,
					      eir_hist_loop_cb cb, void *data);
int eir_hist_writer_start(struct eir_hist_writer *w);
enum eir_hist_push {
	EIR_HIST_QUEUED,	/*!< in the ring */
	EIR_HIST_COALESCED,	/*!< a repeat of a check queued within coalesce_sec: nothing to write */
	EIR_HIST_DROPPED,	/*!< the ring was full: dropped and counted */
};
/*! On the loop, never blocks. A repeat (the same IMEI with the same IMSI, MSISDN, software version, interface, node
 * and verdict as the last check queued for it, that IMSI's last IMEI the same too, on the same day, within
 * coalesce_sec) is not queued: the stored row already says all of it but the last-seen time, which is then up to
 * coalesce_sec old. */
enum eir_hist_push eir_hist_writer_push(struct eir_hist_writer *w, const struct eir_hist_rec *r);
/*! A new configuration (VTY), taken by the thread at its next batch (queue_len only at a restart). */
void eir_hist_writer_set_cfg(struct eir_hist_writer *w, const struct eir_hist_cfg *cfg);
/*! Without a thread (tests): apply what is in the ring now, on the caller's thread. \returns records applied. */
unsigned eir_hist_writer_drain(struct eir_hist_writer *w);
/*! Stop: the thread drains the ring, commits and ends; the events still queued are handed to cb; then freed. */
void eir_hist_writer_stop(struct eir_hist_writer *w);
uint64_t eir_hist_writer_dropped(const struct eir_hist_writer *w);	/*!< records dropped at a full ring */
uint64_t eir_hist_writer_ev_dropped(const struct eir_hist_writer *w);	/*!< events not handed back (queue full) */
unsigned eir_hist_writer_fill(const struct eir_hist_writer *w);	/*!< records in the ring now */
bool eir_hist_writer_niced(const struct eir_hist_writer *w);	/*!< the thread runs at a lower priority */
