/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Verdicts, lists and sources shared by every part of osmo-eir. */
#pragma once

#include <stdint.h>
#include <osmocom/core/utils.h>

/*! The lists an entry can be on; EIR_LIST_NONE marks a record that only carries pair flags. */
enum eir_list {
	EIR_LIST_NONE = 0,
	EIR_LIST_WHITE = 1,
	EIR_LIST_GREY = 2,
	EIR_LIST_BLACK = 3,
};
extern const struct value_string eir_list_names[];	/* "none", "white", "grey", "black" */
static inline const char *eir_list_name(enum eir_list l) { return get_value_string(eir_list_names, l); }
int eir_list_parse(const char *s);	/* "white"/"whitelist"/"grey"/"gray"/"black"... → enum, -EINVAL */

/*! The answer: values equal TS 29.272 Equipment-Status where one exists. */
enum eir_verdict {
	EIR_WHITELISTED = 0,
	EIR_BLACKLISTED = 1,
	EIR_GREYLISTED = 2,
	EIR_UNKNOWN = 3,
};
extern const struct value_string eir_verdict_names[];	/* "WHITELISTED", ... */
static inline const char *eir_verdict_name(enum eir_verdict v) { return get_value_string(eir_verdict_names, v); }
int eir_verdict_parse(const char *s);	/* accepts "white", "whitelisted", "unknown", any case */
const char *eir_verdict_word(enum eir_verdict v);	/* "whitelisted", ...: the config files' word */
enum eir_verdict eir_list_verdict(enum eir_list l);

/*! Where an entry came from. */
enum eir_source {
	EIR_SRC_LOCAL = 0,	/*!< the operator's own lists */
	EIR_SRC_NATIONAL = 1,	/*!< the national feed (its name is in the store's feed state) */
};
extern const struct value_string eir_source_names[];

/*! Days since 1970-01-01 UTC; 0 means "no date". */
typedef uint16_t eir_day_t;
eir_day_t eir_day_today(void);
int eir_day_parse(const char *yyyymmdd, eir_day_t *out);	/* "YYYYMMDD" or "YYYY-MM-DD"; "" → 0 */
char *eir_day_str(char *buf, size_t len, eir_day_t d);		/* "YYYY-MM-DD", "" for 0 */
char *eir_applied_str(char *buf, size_t len, int64_t t);	/* "YYYY-MM-DD HH:MM:SS UTC", "unknown" for 0 */
