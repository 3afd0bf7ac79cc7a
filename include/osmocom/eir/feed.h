/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The national-feed library (doc: national-feed.md), shared by osmo-eir-sync, osmo-eir-feed and osmo-eir-db: list
 * file names, the RUNS manifest, the SHA256SUMS index, hashes and Ed25519 signatures, the DIRBS list columns and
 * rows, and the run planner. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/types.h>

enum feed_list {
	FEED_BLACK,
	FEED_NOTIF,
	FEED_EXC,
	_FEED_LIST_COUNT
};
extern const char *const feed_list_names[_FEED_LIST_COUNT];	/* "blacklist", "notifications", "exceptions" */

/* change types of the delta lists, per list, in the order a run applies them: removals, then inserts */
enum feed_change {
	FC_BLOCKED, FC_UNBLOCKED, FC_CHANGED,				/* blacklist */
	FC_NEW, FC_RESOLVED, FC_BLACKLISTED, FC_NO_LONGER_SEEN,		/* notifications (+ changed) */
	FC_ADDED, FC_REMOVED,						/* exceptions */
	_FEED_CHANGE_COUNT
};
extern const char *const feed_change_names[_FEED_CHANGE_COUNT];
bool feed_change_valid(enum feed_list l, enum feed_change c);
bool feed_change_removes(enum feed_change c);

#define FEED_DATE_LEN 15	/* YYYYMMDD_HHMMSS */

/*! What a list file name says. */
struct feed_name {
	enum feed_list list;
	bool zip;		/*!< {date}_{list}.zip: holds the run's files of that list */
	bool delta;		/*!< a delta list (else the full list) */
	char date[FEED_DATE_LEN + 1];
	int64_t base, run;	/*!< delta: from run base to run */
	enum feed_change change;
};

bool feed_date_valid(const char *s);
bool feed_file_name_safe(const char *name);
int feed_name_parse(const char *name, const char *op, struct feed_name *out);
int feed_name_parse_any(const char *name, struct feed_name *out, char *op, size_t oplen);
int feed_name_make(char *buf, size_t len, const struct feed_name *n, const char *op);

/*! One run of the manifest. */
struct feed_run {
	int64_t run;
	char date[FEED_DATE_LEN + 1];
	int64_t base;		/*!< -1: its deltas, if any, are from nothing (its entire lists) */
	unsigned n_files;
	char **files;
};

struct feed_runs {
	unsigned n;
	struct feed_run *r;	/*!< in increasing run order */
};

int feed_runs_parse(void *ctx, const char *text, size_t len, struct feed_runs *out, char *err, size_t errlen);
struct feed_run *feed_runs_find(const struct feed_runs *runs, int64_t run);

/*! The SHA256SUMS index. */
struct feed_sum {
	char *name;
	uint8_t sha[32];
};
struct feed_sums {
	unsigned n;
	struct feed_sum *e;
};
int feed_sums_parse(void *ctx, const char *text, size_t len, struct feed_sums *out, char *err, size_t errlen);
const uint8_t *feed_sums_get(const struct feed_sums *sums, const char *name);

/* verify.c: OpenSSL */
int feed_sha256_file(const char *path, uint8_t out[32], char *err, size_t errlen);
char *feed_hex(char *buf, const uint8_t sha[32]);
int feed_verify(const char *pubkey_path, const void *msg, size_t len, const void *sig, size_t siglen, char *err,
		size_t errlen);
int feed_sign(const char *key_path, const void *msg, size_t len, uint8_t sig[64], char *err, size_t errlen);

/* dirbs.c: the DIRBS list columns (national-feed.md §3). Every list starts with the IMEI; notifications and
 * exceptions then have the IMSI and the MSISDN (the three are how DIRBS keys their rows). */
#define FEED_HEADER_BLACKLIST "imei,block_date,reasons"
#define FEED_HEADER_NOTIFICATIONS "imei,imsi,msisdn,block_date,reasons"
#define FEED_HEADER_NOTIFICATIONS_AMNESTY FEED_HEADER_NOTIFICATIONS ",amnesty_granted"
#define FEED_HEADER_EXCEPTIONS "imei,imsi,msisdn"
extern const char *const feed_list_headers[_FEED_LIST_COUNT];	/* the FEED_HEADER_* above, per list */

/*! Where each field of a list is: a column index, -1 where the list has none. */
struct feed_columns {
	int imei, imsi, msisdn, block_date, reasons, amnesty;
	unsigned key_fields;	/*!< the row's key: the first 1 (IMEI) or 3 (IMEI, IMSI, MSISDN) columns */
};
extern const struct feed_columns feed_columns[_FEED_LIST_COUNT];	/* amnesty: where the header has it */

/*! Reading the rows of one list file. */
struct feed_rows {
	enum feed_list list;
	unsigned n_fields;	/*!< of the header: every row has as many */
	bool amnesty;		/*!< the header has amnesty_granted */
	char warn[256];		/*!< after feed_row_parse(): a warning about an applied row, "" when none */
	char reasons[EIR_CSV_MAX_RECORD + 1];
	/* the last block_date parsed: a list repeats a few dates over millions of rows, and parsing one is costly */
	char last_date[16];
	eir_day_t last_day;
	int last_date_rc;
};

/*! One data row of a list. */
struct feed_row {
	uint64_t imei;		/*!< the 14-digit key (14 and 15 digits are one IMEI) */
	uint8_t imsi[8];	/*!< packed (eir_imsi_pack()); all 0xff in the blacklist */
	uint8_t msisdn[8];	/*!< packed (eir_msisdn_pack()); all 0xff: none */
	eir_day_t block;	/*!< 0 in the exceptions */
	bool amnesty;
	const char *reasons;	/*!< the reasons field, trimmed, whole ("" in the exceptions); in struct feed_rows */
};

enum feed_row_rc {
	FEED_ROW_OK = 0,
	FEED_ROW_SKIP,		/*!< an invalid field: skip the row (why says which) and go on */
	FEED_ROW_BAD,		/*!< garbled (another number of fields than the header): refuse the file */
};

int feed_header_check(struct feed_rows *fr, enum feed_list l, const struct eir_csv_row *hdr, char *seen,
		      size_t seenlen);
int feed_row_parse(struct feed_rows *fr, const struct eir_csv_row *row, struct feed_row *out, char *why,
		   size_t whylen);

/* plan.c: which runs and files a sync applies (national-feed.md §5) */
enum feed_plan_err {
	FEED_PLAN_OK = 0,
	FEED_PLAN_E_FORMAT,	/*!< RUNS lists no run; a malformed, misdated, misplaced or repeated list file */
	FEED_PLAN_E_REPLAY,	/*!< the feed's newest run is older than the run held */
	FEED_PLAN_E_GAP,	/*!< no delta chain from the run held and no full lists to fall back on */
	FEED_PLAN_E_OPERATOR,	/*!< a run with full lists, but no notifications or exceptions of ours */
	FEED_PLAN_E_OPS,	/*!< a callback refused (struct feed_plan ops_code, its message in err) */
};

/*! One list file of a step. */
struct feed_plan_file {
	enum feed_list list;
	bool delta;
	bool full_src;		/*!< (part of) its list's full list: the full list, or an adding delta from -1 */
	enum feed_change change;
	const char *file;	/*!< the file of RUNS that holds it (the zip for a member) */
	const char *member;	/*!< the zip member, NULL for a plain file */
	const char *name;	/*!< for messages: file, or file:member */
};

/*! One step: a run's full lists (the first step of a fallback), or its deltas. */
struct feed_plan_run {
	int64_t run;
	int64_t base;
	char date[FEED_DATE_LEN + 1];
	bool full;
	unsigned n_files;
	struct feed_plan_file *files;
};

struct feed_plan {
	bool up_to_date;	/*!< the newest run is the run held: nothing to do */
	unsigned n_runs;
	struct feed_plan_run *runs;	/*!< in the order to apply them */
	int ops_code;		/*!< FEED_PLAN_E_OPS: what the callback returned */
};

/*! What the planner asks of its caller: each returns 0 or a code of the caller's (non-zero) with err set. */
struct feed_plan_ops {
	/*! a file of RUNS the plan takes (fetch and check it here) */
	int (*need)(void *arg, const char *file, char *err, size_t errlen);
	/*! the member names of a zip the plan took (after need()), valid until the planner returns */
	int (*members)(void *arg, const char *zip, const char *const **names, unsigned *n, char *err, size_t errlen);
	void *arg;
};

int feed_plan_make(void *ctx, const struct feed_runs *runs, int64_t held, const char *op,
		   const struct feed_plan_ops *ops, struct feed_plan *out, char *err, size_t errlen);
bool feed_plan_run_has_full(const struct feed_plan_run *pr, enum feed_list l);
const char *feed_plan_err_name(int code);
