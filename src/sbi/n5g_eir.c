/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* N5g-eir_EquipmentIdentityCheck (TS 29.511 §5.2.2, TS 29.571 ProblemDetails): decode the request's query,
 * ask eir_check(), answer EirResponseData or ProblemDetails. */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include "sbi_internal.h"

#define API_PATH "/n5g-eir-eic/v1/equipment-status"
#define CT_JSON "application/json"
#define CT_PROBLEM "application/problem+json"
#define PARAM_MAX 256		/* a decoded query value longer than this is malformed anyway */
#define MAX_INVALID 6

/* A JSON body built in the stream's buffer. Each piece goes in whole or not at all (one escape is one piece), and a
 * body that did not fit is replaced by a short one (problem()): whatever the client sent, the body is valid JSON. */
struct jbuf {
	char *p;
	size_t len, cap;
	bool overflow;
};

static void jb_printf(struct jbuf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (b->overflow)
		return;
	va_start(ap, fmt);
	n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= b->cap - b->len) {
		b->overflow = true;
		b->p[b->len] = '\0';
		return;
	}
	b->len += (size_t)n;
}

/* a JSON string of text that came from the client (a query parameter's name) */
static void jb_str(struct jbuf *b, const char *s, size_t max)
{
	jb_printf(b, "\"");
	for (; *s && max; s++, max--) {
		unsigned char ch = (unsigned char)*s;

		if (ch == '"' || ch == '\\')
			jb_printf(b, "\\%c", ch);
		else if (ch < 0x20 || ch >= 0x7f)
			jb_printf(b, "\\u%04x", ch);
		else
			jb_printf(b, "%c", ch);
	}
	jb_printf(b, "\"");
}

struct invalid_param {
	const char *param;	/*!< "pei", "supi", ... or the unknown name */
	const char *reason;
};

struct query {
	char pei[PARAM_MAX + 1], supi[PARAM_MAX + 1], gpsi[PARAM_MAX + 1], sf[PARAM_MAX + 1];
	bool have_pei, have_supi, have_gpsi, have_sf;
	bool bad_pei, bad_supi, bad_gpsi, bad_sf;	/*!< repeated, or not decodable */
	char unknown[65];				/*!< the first unsupported parameter */
	bool have_unknown;
};

static int hexval(char ch)
{
	if (ch >= '0' && ch <= '9')
		return ch - '0';
	if (ch >= 'a' && ch <= 'f')
		return ch - 'a' + 10;
	if (ch >= 'A' && ch <= 'F')
		return ch - 'A' + 10;
	return -1;
}

/* Percent-decode s[0..n) into out (RFC 3986 §2.1; '+' stays '+'). \returns 0, or -1 for a broken escape, a NUL
 * or a result longer than max */
static int pct_decode(char *out, size_t max, const char *s, size_t n)
{
	size_t i, o = 0;

	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '%') {
			int hi, lo;

			if (i + 2 >= n)
				return -1;
			hi = hexval(s[i + 1]);
			lo = hexval(s[i + 2]);
			if (hi < 0 || lo < 0)
				return -1;
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch == 0 || o == max)
			return -1;
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return 0;
}

static void set_param(char *dst, bool *have, bool *bad, const char *v, size_t vlen)
{
	if (*have) {
		*bad = true;	/* a parameter given twice is ambiguous */
		return;
	}
	*have = true;
	if (pct_decode(dst, PARAM_MAX, v, vlen))
		*bad = true;
}

static void parse_query(struct query *q, const char *s)
{
	memset(q, 0, sizeof(*q));
	while (*s) {
		const char *end = strchr(s, '&'), *eq;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char name[65];
		size_t nlen;

		eq = memchr(s, '=', len);
		nlen = eq ? (size_t)(eq - s) : len;
		if (len) {
			const char *v = eq ? eq + 1 : s + len;
			size_t vlen = eq ? len - nlen - 1 : 0;

			if (pct_decode(name, sizeof(name) - 1, s, nlen))
				snprintf(name, sizeof(name), "%.*s", (int)OSMO_MIN(nlen, 64), s);
			if (!strcmp(name, "pei"))
				set_param(q->pei, &q->have_pei, &q->bad_pei, v, vlen);
			else if (!strcmp(name, "supi"))
				set_param(q->supi, &q->have_supi, &q->bad_supi, v, vlen);
			else if (!strcmp(name, "gpsi"))
				set_param(q->gpsi, &q->have_gpsi, &q->bad_gpsi, v, vlen);
			else if (!strcmp(name, "supported-features"))
				set_param(q->sf, &q->have_sf, &q->bad_sf, v, vlen);
			else if (!q->have_unknown) {
				q->have_unknown = true;
				OSMO_STRLCPY_ARRAY(q->unknown, name);
			}
		}
		if (!end)
			break;
		s = end + 1;
	}
}

static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s), i;

	if (n < min || n > max)
		return false;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

static void problem(struct sbi_stream *st, unsigned status, const char *title, const char *detail, const char *cause,
		    const struct invalid_param *ip, unsigned n_ip, const char *allow)
{
	struct jbuf b = { .p = st->body, .cap = sizeof(st->body) };
	unsigned i;

	jb_printf(&b, "{\"title\":\"%s\",\"status\":%u", title, status);
	if (detail)
		jb_printf(&b, ",\"detail\":\"%s\"", detail);
	if (cause)
		jb_printf(&b, ",\"cause\":\"%s\"", cause);
	if (n_ip) {
		jb_printf(&b, ",\"invalidParams\":[");
		for (i = 0; i < n_ip; i++) {
			char param[80];

			snprintf(param, sizeof(param), "query %s", ip[i].param);
			jb_printf(&b, "%s{\"param\":", i ? "," : "");
			jb_str(&b, param, sizeof(param));
			jb_printf(&b, ",\"reason\":\"%s\"}", ip[i].reason);
		}
		jb_printf(&b, "]");
	}
	jb_printf(&b, "}");
	if (b.overflow) {
		/* SBI_BODY_MAX is sized for the longest body; should that ever be wrong, still valid JSON */
		LOGP(DSBI, LOGL_ERROR, "%s: a %u ProblemDetails did not fit in %zu bytes: sent without detail\n",
		     st->c->name, status, sizeof(st->body));
		b = (struct jbuf){ .p = st->body, .cap = sizeof(st->body) };
		jb_printf(&b, "{\"title\":\"%s\",\"status\":%u", title, status);
		if (cause)
			jb_printf(&b, ",\"cause\":\"%s\"", cause);
		jb_printf(&b, "}");
		OSMO_ASSERT(!b.overflow);
	}
	st->body_len = b.len;
	sbi_respond(st, status, CT_PROBLEM, allow);
}

static void status_200(struct sbi_stream *st, enum eir_verdict v)
{
	st->body_len = (size_t)snprintf(st->body, sizeof(st->body), "{\"status\":\"%s\"}", eir_verdict_name(v));
	sbi_respond(st, 200, CT_JSON, NULL);
}

/* the verdict on the wire; decided ones are counted by the decision step, the PEI policy's by the caller */
static void answer_verdict(struct sbi_stream *st, enum eir_verdict v)
{
	if (v == EIR_UNKNOWN)
		problem(st, 404, "Not Found", "PEI not found", "ERROR_EQUIPMENT_UNKNOWN", NULL, 0, NULL);
	else
		status_200(st, v);
}

/* Check the query parameters (TS 29.511 §6.1.3.2.3.1, TS 29.500 §5.2.7.2). \returns 0, or answered 400 */
static int validate(struct sbi_stream *st, const struct query *q)
{
	struct invalid_param ip[MAX_INVALID];
	const char *cause = NULL;
	unsigned n = 0;
	size_t l;

	if (!q->have_pei) {
		ip[n++] = (struct invalid_param){ "pei", "missing" };
		cause = "MANDATORY_QUERY_PARAM_MISSING";
	} else if (q->bad_pei || !q->pei[0]) {
		ip[n++] = (struct invalid_param){ "pei", q->bad_pei ? "repeated or badly percent-encoded" : "empty" };
		cause = "MANDATORY_QUERY_PARAM_INCORRECT";
	} else if (!strncmp(q->pei, "imei-", 5) && !all_digits(q->pei + 5, 15, 15)) {
		ip[n++] = (struct invalid_param){ "pei", "imei- must be followed by 15 digits" };
		cause = "MANDATORY_QUERY_PARAM_INCORRECT";
	} else if (!strncmp(q->pei, "imeisv-", 7) && !all_digits(q->pei + 7, 16, 16)) {
		ip[n++] = (struct invalid_param){ "pei", "imeisv- must be followed by 16 digits" };
		cause = "MANDATORY_QUERY_PARAM_INCORRECT";
	} else if (strncmp(q->pei, "imei-", 5) && strncmp(q->pei, "imeisv-", 7) &&
		   st->c->srv->cfg->pei_other == SBI_PEI_OTHER_REJECT) {
		ip[n++] = (struct invalid_param){ "pei", "only imei- and imeisv- are accepted" };
		cause = "MANDATORY_QUERY_PARAM_INCORRECT";
	}

	if (q->have_supi && (q->bad_supi || !q->supi[0] ||
			     (!strncmp(q->supi, "imsi-", 5) && !all_digits(q->supi + 5, 5, 15)))) {
		ip[n++] = (struct invalid_param){ "supi", "imsi- must be followed by 5 to 15 digits" };
		cause = cause ? : "OPTIONAL_QUERY_PARAM_INCORRECT";
	}
	if (q->have_gpsi) {
		const char *at = strchr(q->gpsi, '@');
		bool bad = q->bad_gpsi || !q->gpsi[0];

		if (!strncmp(q->gpsi, "msisdn-", 7) && !all_digits(q->gpsi + 7, 5, 15))
			bad = true;
		if (!strncmp(q->gpsi, "extid-", 6) && (!at || at == q->gpsi + 6 || !at[1] || strchr(at + 1, '@')))
			bad = true;
		if (bad) {
			ip[n++] = (struct invalid_param){ "gpsi",
							  "not msisdn-<5 to 15 digits> or extid-<id>@<domain>" };
			cause = cause ? : "OPTIONAL_QUERY_PARAM_INCORRECT";
		}
	}
	if (q->have_sf) {
		bool bad = q->bad_sf;

		for (l = 0; q->sf[l]; l++)
			if (hexval(q->sf[l]) < 0)
				bad = true;
		if (bad) {
			ip[n++] = (struct invalid_param){ "supported-features", "not hexadecimal" };
			cause = cause ? : "OPTIONAL_QUERY_PARAM_INCORRECT";
		}
	}
	if (q->have_unknown) {
		ip[n++] = (struct invalid_param){ q->unknown, "not a parameter of this operation" };
		cause = cause ? : "INVALID_QUERY_PARAM";
	}
	if (!n)
		return 0;
	sbi_ctr_inc(st->c->srv, SBI_CTR_RSP_400);
	LOGP(DSBI, LOGL_INFO, "%s: 400 %s (%s)\n", st->c->name, cause, ip[0].param);
	problem(st, 400, "Bad Request", NULL, cause, ip, n, NULL);
	return -1;
}

void sbi_n5g_eir_request(struct sbi_stream *st)
{
	struct sbi_server *srv = st->c->srv;
	struct sbi_cfg *cfg = srv->cfg;
	const char *qs;
	size_t plen;
	struct query q;
	struct eir_imei imei;
	struct eir_query qy;
	struct eir_decision d;
	uint8_t imsi[8];
	bool have_imsi = false;
	const char *why = NULL;
	int rc;

	if (st->err == 414) {
		sbi_ctr_inc(srv, SBI_CTR_RSP_414);
		problem(st, 414, "URI Too Long", "the request URI is longer than this server accepts", NULL, NULL, 0,
			NULL);
		return;
	}
	if (st->err == 431) {
		sbi_ctr_inc(srv, SBI_CTR_RSP_431);
		problem(st, 431, "Request Header Fields Too Large", NULL, NULL, NULL, 0, NULL);
		return;
	}
	qs = st->path ? strchr(st->path, '?') : NULL;
	plen = st->path ? (qs ? (size_t)(qs - st->path) : strlen(st->path)) : 0;
	if (plen != sizeof(API_PATH) - 1 || memcmp(st->path, API_PATH, plen)) {
		sbi_ctr_inc(srv, SBI_CTR_RSP_404_PATH);
		problem(st, 404, "Not Found", "no such resource; this server has " API_PATH,
			"RESOURCE_URI_STRUCTURE_NOT_FOUND", NULL, 0, NULL);
		return;
	}
	if (!st->get) {
		sbi_ctr_inc(srv, SBI_CTR_RSP_405);
		problem(st, 405, "Method Not Allowed", "equipment-status allows GET only", NULL, NULL, 0, "GET");
		return;
	}
	parse_query(&q, qs ? qs + 1 : "");
	if (validate(st, &q))
		return;

	if (strncmp(q.pei, "imei-", 5) && strncmp(q.pei, "imeisv-", 7)) {
		/* mac-…, eui-…, anything else: no IMEI to look up, the policy decides */
		static const unsigned ctr[] = {
			[EIR_WHITELISTED] = SBI_CTR_RSP_WHITE,
			[EIR_BLACKLISTED] = SBI_CTR_RSP_BLACK,
			[EIR_GREYLISTED] = SBI_CTR_RSP_GREY,
			[EIR_UNKNOWN] = SBI_CTR_RSP_UNKNOWN,
		};

		sbi_ctr_inc(srv, ctr[cfg->pei_other_verdict]);
		answer_verdict(st, cfg->pei_other_verdict);
		return;
	}
	rc = eir_imei_parse(strchr(q.pei, '-') + 1, &imei, &why);
	if (rc < 0) {
		/* cannot happen after validate(); answered as malformed all the same */
		struct invalid_param ip = { "pei", why ? why : "not an IMEI" };

		sbi_ctr_inc(srv, SBI_CTR_RSP_400);
		problem(st, 400, "Bad Request", NULL, "MANDATORY_QUERY_PARAM_INCORRECT", &ip, 1, NULL);
		return;
	}
	if (q.have_supi && !strncmp(q.supi, "imsi-", 5))
		have_imsi = eir_imsi_pack(q.supi + 5, imsi, &why) == 0;

	qy = (struct eir_query){ .iface = EIR_IFACE_N5G_EIR, .imei = imei.key, .sv = imei.sv,
				 .imsi = have_imsi ? imsi : NULL, .imsi_str = q.supi + 5, .imsi_len = -1,
				 .peer = st->c->name };
	eir_decide(&srv->dec, &qy, &d);
	if (d.error) {
		sbi_ctr_inc(srv, SBI_CTR_RSP_503);
		problem(st, 503, "Service Unavailable", "the equipment store cannot be read", NULL, NULL, 0, NULL);
		return;
	}
	answer_verdict(st, d.verdict);
}
