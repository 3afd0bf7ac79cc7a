/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-sync's parts: fetching (libcurl), applying a run chain to the national part, and the exit codes. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/feed.h>
#include <osmocom/eir/tool.h>

/* Exit codes: one per refusal class (doc/osmo-eir-sync.8). */
enum sync_exit {
	SYNC_OK = 0,		/* applied, or nothing new */
	SYNC_E_USAGE = 1,	/* bad option or configuration (a feed with no key and not marked insecure) */
	SYNC_E_TRANSFER = 2,	/* HTTP error, connection or TLS failure, missing file */
	SYNC_E_TIMEOUT = 3,	/* a transfer timed out */
	SYNC_E_SIGNATURE = 4,	/* SHA256SUMS.sig missing or not matching */
	SYNC_E_HASH = 5,	/* a file not matching, or not listed in, SHA256SUMS */
	SYNC_E_FORMAT = 6,	/* a truncated or garbled file: RUNS, a CSV, a zip, a file name */
	SYNC_E_REPLAY = 7,	/* the feed's newest run is older than the run held */
	SYNC_E_GAP = 8,		/* no delta chain from the run held and no full lists to fall back on */
	SYNC_E_FULL = 9,	/* the store's map at its limit, or the disk full */
	SYNC_E_STORE = 10,	/* another store error */
	SYNC_E_BUSY = 11,	/* another osmo-eir-sync is writing the national lists */
	SYNC_E_OPERATOR = 12,	/* a run with full lists, but no notifications or exceptions of ours */
	SYNC_E_LIMIT = 13,	/* more removals than the safety limit allows, and the run not accepted */
};

/* fetch.c */
struct fetch_opts {
	const char *ca_file;	/* NULL: the system's CA store */
	long connect_timeout;	/* seconds */
	long timeout;		/* seconds, whole transfer */
	long low_speed_time;	/* abort a transfer slower than 1 KiB/s for this long (seconds) */
	bool tls_no_verify;	/* only for tests with a self-made certificate and no CA at hand */
};

struct fetch_cond {
	char etag[256];
	int64_t last_modified;	/* unix time, 0: unknown */
	int64_t fetched_at;	/* unix time the request was made (set in got) */
};

int fetch_global_init(void);
int fetch_file(const struct fetch_opts *o, const char *url, const char *path, uint64_t max_size,
	       const struct fetch_cond *cond, struct fetch_cond *got, bool *not_modified, uint8_t *sha256, char *err,
	       size_t errlen);
extern uint64_t fetch_bytes_total;	/* bytes fetched by this process, for the progress line */
extern void (*fetch_progress_cb)(void);

/* apply.c */
struct apply_stats {
	unsigned long added, removed, changed, unchanged, skipped, absent;
	unsigned long rows;	/* data rows read */
	unsigned long gone[_FEED_LIST_COUNT];	/* removals counted against the safety limit, per list */
	unsigned long routine;	/* notification rows removed as their IMEI went onto the blacklist: not counted */
};

/* the safety limit (national-feed.md §4): a sync may remove at most pct % of what a list held at its start */
struct apply_limit {
	double pct;		/* blacklist entries and exception rows (default 10) */
	double notif_pct;	/* notification rows, other than those moved to the blacklist (default 50) */
	uint64_t min;		/* lists smaller than this are not limited (default 1000) */
	int64_t accept[2];	/* runs whose removals the operator accepted (command line, config file), -1: none */
};

struct apply_plan {
	const char *feed;
	const char *dir;	/* where the plan's files are (verified local copies, by their names in RUNS); the
				 * sort's runs go there too */
	size_t mem_budget;	/* the memory each file's sort by key may hold (beyond it: runs on disk) */
	int64_t held;		/* -1: none */
	unsigned n_runs;
	const struct feed_plan_run *runs;	/* feed_plan_make()'s */
	struct apply_stats st;
	struct apply_limit limit;
	uint64_t held_rows[_FEED_LIST_COUNT];	/* what each list held at the start */
	bool over_accepted;	/* removals above the limit, accepted for this run */
	char err[512];		/* why the apply failed */
	int exit_code;		/* its class */
	unsigned attempt;	/* 1, then 2.. after the map grew */
};

int apply_plan(struct eir_db *db, struct apply_plan *plan);
extern void (*apply_progress_cb)(const struct apply_stats *st);

/* config.c: the settings, from the config file and the command line */
struct sync_cfg {
	const char *db_dir;
	const char *feed;
	const char *url;
	const char *pubkey;
	const char *op;
	const char *tmp_dir;
	size_t mem_budget;	/* --mem-budget */
	bool insecure;
	bool once;
	long poll;
	uint64_t map_mib;
	uint64_t map_max_mib;
	struct fetch_opts fo;
	struct apply_limit limit;	/* accept[0] from the command line, accept[1] from the config file */
	const char *config;		/* the config file, read again before each attempt for accept-removals */
};
extern struct sync_cfg g_sync;
int sync_config(int argc, char **argv, bool *verbose);
int sync_config_accept(void);
