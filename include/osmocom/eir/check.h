/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The one decision function: (IMEI, SV, IMSI) → verdict + why. Every front end calls it. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/eir/types.h>
#include <osmocom/eir/db.h>

/*! Precedence, most specific first. The first level that matches decides. */
enum eir_level {
	EIR_LVL_LOCAL_PAIR = 0,	/*!< operator (IMEI, IMSI) pair */
	EIR_LVL_NAT_EXC,	/*!< national exception (IMEI, IMSI) */
	EIR_LVL_LOCAL_IMEI,	/*!< operator IMEI entry */
	EIR_LVL_NAT_BLACK,	/*!< national blacklist */
	EIR_LVL_NAT_NOTIF,	/*!< national notification (greylist) */
	EIR_LVL_LOCAL_RANGE,	/*!< operator range / TAC */
	EIR_LVL_DEFAULT,	/*!< policy for an IMEI on no list */
	EIR_LVL_STORE_FAIL,	/*!< the store could not be read: no list decided (store-unavailable policy) */
	_EIR_LVL_COUNT
};
extern const struct value_string eir_level_names[];

/*! The operator's policy (the 'eir' node): one for every front end, so S13 and N5g-eir never disagree. */
struct eir_policy {
	enum eir_verdict default_verdict;	/*!< for an IMEI on no list: EIR_WHITELISTED unless configured */
	bool store_fail_error;			/*!< store unreadable: an error (S13 5012, N5g-eir 503) ... */
	enum eir_verdict store_fail_verdict;	/*!< ... else this verdict */
	unsigned log_verdict_per_sec;		/*!< BLACKLISTED/GREYLISTED log lines per second, per front end */
};
#define EIR_DEFAULT_LOG_VERDICT_PER_SEC 100
#define EIR_POLICY_DEFAULT { .default_verdict = EIR_WHITELISTED, .store_fail_error = true, \
			     .store_fail_verdict = EIR_WHITELISTED, \
			     .log_verdict_per_sec = EIR_DEFAULT_LOG_VERDICT_PER_SEC }

struct eir_match {
	enum eir_level level;
	enum eir_db_part part;
	enum eir_list list;
	struct eir_entry entry;
};

struct eir_result {
	enum eir_verdict verdict;
	struct eir_match why;			/*!< the match that decided */
	unsigned n_matches;			/*!< with EIR_CHECK_ALL: every match, deciding one first */
	struct eir_match matches[_EIR_LVL_COUNT];
};

#define EIR_CHECK_ALL 0x01	/*!< look at every level and list all matches (for "why"), not just the first */

int eir_check(struct eir_db *db, const struct eir_policy *pol, uint64_t imei, int sv, const uint8_t *imsi,
	      unsigned flags, struct eir_result *res);
char *eir_match_str(char *buf, size_t len, struct eir_db *db, const struct eir_match *m);
/* eir_match_str() and, for a match of an entry, when it was applied to this store (", applied 2026-12-01 14:03:07
 * UTC", ", applied unknown"): the VTY's and osmo-eir-db's why lines */
char *eir_match_applied_str(char *buf, size_t len, struct eir_db *db, const struct eir_match *m);
