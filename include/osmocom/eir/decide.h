/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The one decision step of every network front end (S13, N5g-eir, and whatever comes next): a query in; the
 * verdict with its why out, the store-unavailable policy applied, the outcome counted in the front end's own
 * counters and the listed verdicts logged under one rate limit; then the hook that records the check (device
 * history, sightings) is called, once, off the wire. The front ends keep only their wire mapping. VTY, CTRL
 * and the tools call eir_check() directly: an operator looking up an IMEI is not a network check. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/eir/check.h>
#include <osmocom/eir/ratelimit.h>

/*! The front ends that ask. */
enum eir_iface {
	EIR_IFACE_S13,		/*!< Diameter S13, from an MME */
	EIR_IFACE_N5G_EIR,	/*!< N5g-eir over HTTP/2, from an AMF */
	_EIR_IFACE_COUNT
};
extern const struct value_string eir_iface_names[];

/*! One network check, as its decoder found it. */
struct eir_query {
	enum eir_iface iface;
	uint64_t imei;		/*!< the IMEI key (14 digits) */
	int sv;			/*!< software version 0..99, -1: none */
	const uint8_t *imsi;	/*!< packed (eir_imsi_pack()), NULL: none or invalid */
	const char *imsi_str;	/*!< the IMSI's digits, for the log (with imsi) */
	int imsi_len;		/*!< its length, -1: NUL-terminated */
	const char *node;	/*!< the asking node: Origin-Host, NF instance; NULL: not known */
	const char *peer;	/*!< the connection ("addr:port") */
	const char *msisdn;	/*!< N5g-eir gpsi "msisdn-" digits, NUL-terminated; NULL: none (S13 has none) */
	uint8_t rat;		/*!< the DIRBS RAT code (enum eir_rat) the front end is configured with, 0: none */
};

/*! The counters the step counts in, as indexes into the front end's rate counter group. */
enum eir_decide_ctr {
	EIR_DCTR_WHITE,		/*!< verdicts given (including the store-unavailable fallback) */
	EIR_DCTR_GREY,
	EIR_DCTR_BLACK,
	EIR_DCTR_UNKNOWN,
	EIR_DCTR_STORE_FAIL,	/*!< the store could not be read */
	EIR_DCTR_LOG_SUPPRESSED,	/*!< listed-verdict log lines left out by the rate limit */
	_EIR_DCTR_COUNT
};

struct eir_decision;

/*! Called after every decision (the history and sightings hook): must not block or write; it queues. */
typedef void (*eir_decide_hook_t)(void *data, const struct eir_query *q, const struct eir_decision *d);
/*! Called before the lookup with the same query and data: the hook may start fetching into the cache what it will
 *  read (its memory's latency then overlaps the lookup's); must not block or write. */
typedef void (*eir_decide_prefetch_t)(void *data, const struct eir_query *q);

/*! One per front end: what it decides with, where it counts and logs. */
struct eir_decider {
	struct eir_db *db;
	const struct eir_policy *policy;
	int log_ss;					/*!< the front end's logging category */
	struct rate_ctr_group *ctrs;			/*!< the front end's counters ... */
	unsigned ctr[_EIR_DCTR_COUNT];			/*!< ... at these indexes */
	struct eir_ratelimit log_rl;			/*!< policy->log_verdict_per_sec */
	eir_decide_hook_t hook;				/*!< NULL: none */
	eir_decide_prefetch_t prefetch;			/*!< NULL: none */
	void *hook_data;
};

/*! What the front end answers. */
struct eir_decision {
	bool error;			/*!< answer an error (S13 5012, N5g-eir 503): the store failed and the
					 *   policy says so */
	enum eir_verdict verdict;	/*!< otherwise this verdict */
	struct eir_match why;		/*!< level EIR_LVL_STORE_FAIL when the store failed */
};

void eir_decide(struct eir_decider *d, const struct eir_query *q, struct eir_decision *out);
void eir_decide_count(struct eir_decider *d, enum eir_verdict v);
/*! The step after eir_check() (rc its return value, res its result): policy, counters, log, hook. */
void eir_decide_apply(struct eir_decider *d, const struct eir_query *q, int rc, const struct eir_result *res,
		      struct eir_decision *out);
