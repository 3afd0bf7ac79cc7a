/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* What osmo-eir-sync and osmo-eir-feed share about the national feed (doc: national-feed.md): list file names,
 * the RUNS manifest, the SHA256SUMS index, hashes and Ed25519 signatures. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

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
