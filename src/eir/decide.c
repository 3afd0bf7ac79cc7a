/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The decision step of every network front end (include/osmocom/eir/decide.h): eir_check(), then the policy for
 * an unreadable store, the counters, the rate-limited log line and the hook, written once for all of them. */

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/decide.h>
#include <osmocom/eir/imei.h>

const struct value_string eir_iface_names[] = {
	{ EIR_IFACE_S13, "S13" },
	{ EIR_IFACE_N5G_EIR, "N5g-eir" },
	{ 0, NULL }
};

/* who asked, in the log line: S13 names its peer by Origin-Host and connection, N5g-eir its client */
static const char *const asker_word[_EIR_IFACE_COUNT] = {
	[EIR_IFACE_S13] = "peer",
	[EIR_IFACE_N5G_EIR] = "client",
};

static const enum eir_decide_ctr verdict_ctr[] = {
	[EIR_WHITELISTED] = EIR_DCTR_WHITE,
	[EIR_GREYLISTED] = EIR_DCTR_GREY,
	[EIR_BLACKLISTED] = EIR_DCTR_BLACK,
	[EIR_UNKNOWN] = EIR_DCTR_UNKNOWN,
};

static void count(struct eir_decider *d, enum eir_decide_ctr c)
{
	if (d->ctrs)
		rate_ctr_inc2(d->ctrs, d->ctr[c]);
}

/* BLACKLISTED/GREYLISTED: police trace stolen phones with these lines, but a flood must not slow the answers */
static void log_listed(struct eir_decider *d, const struct eir_query *q, const struct eir_decision *out)
{
	char im[16];

	if (!eir_ratelimit_allow(&d->log_rl, d->policy->log_verdict_per_sec)) {
		count(d, EIR_DCTR_LOG_SUPPRESSED);
		return;
	}
	if (q->node)
		LOGP(d->log_ss, LOGL_NOTICE, "%s IMEI %s IMSI %.*s SV %d %s %s (%s) by %s\n",
		     eir_verdict_name(out->verdict), eir_imei_str(im, sizeof(im), q->imei), q->imsi ? q->imsi_len : 1,
		     q->imsi ? q->imsi_str : "-", q->sv, asker_word[q->iface], q->node, q->peer,
		     get_value_string(eir_level_names, out->why.level));
	else
		LOGP(d->log_ss, LOGL_NOTICE, "%s IMEI %s IMSI %.*s SV %d %s %s by %s\n",
		     eir_verdict_name(out->verdict), eir_imei_str(im, sizeof(im), q->imei), q->imsi ? q->imsi_len : 1,
		     q->imsi ? q->imsi_str : "-", q->sv, asker_word[q->iface], q->peer,
		     get_value_string(eir_level_names, out->why.level));
}

/*! Count a verdict a front end gave by its own policy, without a check (N5g-eir's pei-other for a PEI with no
 *  IMEI), in the same counter a decided one goes to. */
void eir_decide_count(struct eir_decider *d, enum eir_verdict v)
{
	count(d, verdict_ctr[v]);
}

void eir_decide_apply(struct eir_decider *d, const struct eir_query *q, int rc, const struct eir_result *res,
		      struct eir_decision *out)
{
	if (rc) {
		count(d, EIR_DCTR_STORE_FAIL);
		out->error = d->policy->store_fail_error;
		out->verdict = out->error ? EIR_UNKNOWN : d->policy->store_fail_verdict;
		out->why = (struct eir_match){ .level = EIR_LVL_STORE_FAIL, .list = EIR_LIST_NONE };
	} else {
		out->error = false;
		out->verdict = res->verdict;
		out->why = res->why;
	}
	if (!out->error) {
		eir_decide_count(d, out->verdict);
		if (out->verdict == EIR_BLACKLISTED || out->verdict == EIR_GREYLISTED)
			log_listed(d, q, out);
	}
	if (d->hook)
		d->hook(d->hook_data, q, out);
}

void eir_decide(struct eir_decider *d, const struct eir_query *q, struct eir_decision *out)
{
	struct eir_result res;
	int rc;

	if (d->prefetch)
		d->prefetch(d->hook_data, q);
	rc = eir_check(d->db, d->policy, q->imei, q->sv, q->imsi, 0, &res);
	eir_decide_apply(d, q, rc, &res, out);
}
