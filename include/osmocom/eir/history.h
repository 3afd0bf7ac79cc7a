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
	unsigned coalesce_entries;	/*!< keys the repeat filter holds, per table (IMEIs, IMSIs): 24 bytes each */
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
#define EIR_HIST_COALESCE_ENTRIES_DEFAULT 1048576
/* the same listed (IMEI, IMSI) again within this time is a repeat, not a new sighting */
#define EIR_HIST_SIGHTING_REPEAT_SEC 3600
#define EIR_HIST_CFG_DEFAULT { .full = false, .sightings = true, .sightings_grey = false, \
	.retention_days = EIR_HIST_RETENTION_DEFAULT, .clone_imsis = EIR_HIST_CLONE_IMSIS_DEFAULT, \
	.clone_window_hours = EIR_HIST_CLONE_WINDOW_DEFAULT, .queue_len = EIR_HIST_QUEUE_DEFAULT, \
	.coalesce_sec = EIR_HIST_COALESCE_DEFAULT, \
	.coalesce_entries = EIR_HIST_COALESCE_ENTRIES_DEFAULT, .map_size_mib = EIR_HIST_MAP_DEFAULT }

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
	uint8_t rat;		/*!< the DIRBS RAT code of the asking front end (EIR_RAT_*), 0: none */
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
	uint16_t rats;		/*!< the RATs it was seen on (eir_rat_bit() of each), 0: none known */
};

/*! DIRBS-Core's radio access technology codes (its radio_access_technology_map; the operator data's 'rat' column
 *  takes these, joined by '|'). It has none for NR: a 5G check has no code. */
enum eir_rat {
	EIR_RAT_NONE = 0,
	EIR_RAT_UTRAN = 1,
	EIR_RAT_GERAN = 2,
	EIR_RAT_WLAN = 3,
	EIR_RAT_GAN = 4,
	EIR_RAT_HSPA_EVOLUTION = 5,
	EIR_RAT_EUTRAN = 6,
	EIR_RAT_VIRTUAL = 7,
	EIR_RAT_IEEE_802_16 = 101,
	EIR_RAT_3GPP2_EHRPD = 102,
	EIR_RAT_3GPP2_HRPD = 103,
	EIR_RAT_3GPP2_1XRTT = 104,
	EIR_RAT_3GPP2_UMB = 105,
};
/*! A code's bit in eir_hist_pair.rats, 0 for none or an unknown code. */
uint16_t eir_rat_bit(unsigned code);
/*! "006", "001|006" (codes ascending), "" for none. */
char *eir_rats_str(char *buf, size_t len, uint16_t rats);
/*! "006" or "6" (a DIRBS code) -> the code; "none" -> 0. \returns 0, or -EINVAL. */
int eir_rat_parse(const char *s, uint8_t *code);
/*! The config word of a code: "006", "none". */
char *eir_rat_word(char *buf, size_t len, uint8_t code);
/* the 'rat' VTY commands' argument and help (the Diameter and N5g-eir nodes) */
#define EIR_RAT_VTY_ARGS "(001|002|003|004|005|006|007|101|102|103|104|105|none)"
#define EIR_RAT_VTY_HELP "The radio access technology the device history records for the DIRBS operator dump\n" \
	"UTRAN\n" "GERAN\n" "WLAN\n" "GAN\n" "HSPA Evolution\n" "E-UTRAN\n" "Virtual\n" "IEEE 802.16\n" \
	"3GPP2 eHRPD\n" "3GPP2 HRPD\n" "3GPP2 1xRTT\n" "3GPP2 UMB\n" "None: the dump's rat column is empty\n"

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
/*! Open an existing history for reading only, beside the running osmo-eir that writes it (LMDB readers need no
 *  writer lock): the tools' way in (osmo-eir-db export-dump and export-events, osmo-eir-push). Never creates or
 *  writes anything. \returns 0, -ENOENT (no history in dir, or one osmo-eir has not opened yet), -EIO; err says
 *  why. */
int eir_hist_open_ro(void *ctx, struct eir_hist **h, const char *dir, char *err, size_t len);
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
/*! The retention the writer last ran with (kept in the history), EIR_HIST_RETENTION_DEFAULT if it never said. */
unsigned eir_hist_retention(struct eir_hist *h);
/*! Every pair row in key order (IMEI, IMSI, MSISDN) with its days seen in [from, to] (eir_day_t, UTC days) that
 *  are within the retention: bit j of days is day from + j; rows seen on none of them are left out. \returns 0, the
 *  callback's non-zero, or -EIO. */
typedef int (*eir_hist_days_cb)(void *data, const struct eir_hist_pair *p, const uint64_t *days);
int eir_hist_pairs_days(struct eir_hist *h, unsigned from, unsigned to, eir_hist_days_cb cb, void *data);
/*! The events with an id above after, oldest first, at most max (0: no limit); kind 0: all kinds. Stops early when
 *  cb returns non-zero. \returns 0 or -EIO. */
int eir_hist_events_after(struct eir_hist *h, uint64_t after, unsigned max, enum eir_hist_kind kind, eir_hist_ev_cb cb,
			  void *data);
/*! The next event id the writer will give (1 + the last one given), as committed. \returns 0 or -EIO. */
int eir_hist_next_id(struct eir_hist *h, uint64_t *next);

/* --- the events as JSON (src/eir/history_json.c; doc/schemas/osmo-eir-event.schema.json) --- */
struct eir_db;
/*! One event as one JSON object, no newline; its reason text looked up in db (the lists store) when db is not NULL,
 *  else only its id given. \returns the length, or -ENOSPC when cap was too small (buf then holds no object). */
int eir_hist_event_json(const struct eir_hist_event *ev, struct eir_db *db, char *buf, size_t cap);
#define EIR_HIST_JSON_MAX 2048	/* enough for any event */

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
/*! Start fetching the repeat filter's slots of imei and imsi (packed; NULL: none) into the cache, before the lookup
 *  whose check will be pushed: their memory latency then overlaps the lookup's (the filter's tables are far larger
 *  than the caches). On the loop, like the push. */
void eir_hist_writer_prefetch(const struct eir_hist_writer *w, uint64_t imei, const uint8_t *imsi);
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
