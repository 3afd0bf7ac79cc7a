/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Names of lists, verdicts and sources, and the day dates the store keeps. */

#include <errno.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <time.h>

#include <osmocom/eir/types.h>

const struct value_string eir_list_names[] = {
	{ EIR_LIST_NONE, "none" },
	{ EIR_LIST_WHITE, "white" },
	{ EIR_LIST_GREY, "grey" },
	{ EIR_LIST_BLACK, "black" },
	{ 0, NULL }
};

const struct value_string eir_verdict_names[] = {
	{ EIR_WHITELISTED, "WHITELISTED" },
	{ EIR_BLACKLISTED, "BLACKLISTED" },
	{ EIR_GREYLISTED, "GREYLISTED" },
	{ EIR_UNKNOWN, "UNKNOWN" },
	{ 0, NULL }
};

const struct value_string eir_source_names[] = {
	{ EIR_SRC_LOCAL, "local" },
	{ EIR_SRC_NATIONAL, "national" },
	{ 0, NULL }
};

/*! Parse a list name: white/whitelist, grey/gray/greylist, black/blacklist, any case.
 *  \returns enum eir_list, or -EINVAL. */
int eir_list_parse(const char *s)
{
	static const struct {
		const char *name;
		enum eir_list list;
	} names[] = {
		{ "white", EIR_LIST_WHITE }, { "whitelist", EIR_LIST_WHITE }, { "whitelisted", EIR_LIST_WHITE },
		{ "grey", EIR_LIST_GREY }, { "gray", EIR_LIST_GREY }, { "greylist", EIR_LIST_GREY },
		{ "greylisted", EIR_LIST_GREY },
		{ "black", EIR_LIST_BLACK }, { "blacklist", EIR_LIST_BLACK }, { "blacklisted", EIR_LIST_BLACK },
	};
	unsigned i;

	if (!s)
		return -EINVAL;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].list;
	return -EINVAL;
}

/*! The word a config file writes for a verdict (eir_verdict_parse() reads it back). */
const char *eir_verdict_word(enum eir_verdict v)
{
	static const char *const w[] = {
		[EIR_WHITELISTED] = "whitelisted",
		[EIR_BLACKLISTED] = "blacklisted",
		[EIR_GREYLISTED] = "greylisted",
		[EIR_UNKNOWN] = "unknown",
	};

	return (unsigned)v < ARRAY_SIZE(w) ? w[v] : "unknown";
}

/*! Parse a verdict: a list name as for eir_list_parse(), or "unknown".  \returns enum eir_verdict or -EINVAL. */
int eir_verdict_parse(const char *s)
{
	int l;

	if (s && !strcasecmp(s, "unknown"))
		return EIR_UNKNOWN;
	l = eir_list_parse(s);
	if (l < 0)
		return l;
	return eir_list_verdict(l);
}

enum eir_verdict eir_list_verdict(enum eir_list l)
{
	switch (l) {
	case EIR_LIST_WHITE:
		return EIR_WHITELISTED;
	case EIR_LIST_GREY:
		return EIR_GREYLISTED;
	case EIR_LIST_BLACK:
		return EIR_BLACKLISTED;
	default:
		return EIR_UNKNOWN;
	}
}

eir_day_t eir_day_today(void)
{
	return (eir_day_t)(time(NULL) / 86400);
}

/*! Parse "YYYYMMDD" or "YYYY-MM-DD" (UTC). The empty string gives 0 (no date).
 *  \returns 0, or -EINVAL for anything else, including impossible dates and dates before 1970-01-02. */
int eir_day_parse(const char *s, eir_day_t *out)
{
	unsigned y, m, d;
	static const unsigned mdays[] = { 31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };
	struct tm tm;
	long days;
	char tail;

	if (!s || !*s) {
		*out = 0;
		return 0;
	}
	if (strlen(s) == 8 && strspn(s, "0123456789") == 8) {
		if (sscanf(s, "%4u%2u%2u", &y, &m, &d) != 3)
			return -EINVAL;
	} else if (sscanf(s, "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3 || strlen(s) != 10) {
		return -EINVAL;
	}
	if (m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return -EINVAL;
	if (m == 2 && d == 29 && !((y % 4 == 0 && y % 100 != 0) || y % 400 == 0))
		return -EINVAL;
	tm = (struct tm){ .tm_year = (int)y - 1900, .tm_mon = (int)m - 1, .tm_mday = (int)d };
	days = (long)(timegm(&tm) / 86400);
	if (days < 1 || days > 65535)
		return -EINVAL;
	*out = (eir_day_t)days;
	return 0;
}

/* when an entry was applied to the store (struct eir_entry .applied), to the second: a time-to-block is measured
 * in seconds; 0 is an entry from before schema 4, whose time nobody knows */
char *eir_applied_str(char *buf, size_t len, int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!t) {
		snprintf(buf, len, "unknown");
		return buf;
	}
	gmtime_r(&tt, &tm);
	strftime(buf, len, "%Y-%m-%d %H:%M:%S UTC", &tm);
	return buf;
}

char *eir_day_str(char *buf, size_t len, eir_day_t d)
{
	time_t t = (time_t)d * 86400;
	struct tm tm;

	if (!d) {
		if (len)
			buf[0] = '\0';
		return buf;
	}
	gmtime_r(&t, &tm);
	snprintf(buf, len, "%04d-%02d-%02d", tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday);
	return buf;
}
