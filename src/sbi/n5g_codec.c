/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* N5g-eir_EquipmentIdentityCheck (TS 29.511 §5.2.2, TS 29.571 ProblemDetails) without a connection: the path and
 * query parsed into a request or a problem, and answers encoded as JSON (include/osmocom/eir/sbi/n5g.h). */

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/utils.h>

#include <osmocom/eir/imei.h>
#include <osmocom/eir/json.h>
#include <osmocom/eir/sbi/n5g.h>

/* every problem but the 400's cause and parameters: one row each */
static const struct {
	unsigned status;
	const char *title, *detail, *cause, *allow;
} problems[_N5G_PB_COUNT] = {
	[N5G_PB_400] = { 400, "Bad Request" },
	[N5G_PB_404_PATH] = { 404, "Not Found", "no such resource; this server has " N5G_API_PATH,
			      "RESOURCE_URI_STRUCTURE_NOT_FOUND" },
	[N5G_PB_405] = { 405, "Method Not Allowed", "equipment-status allows GET only", NULL, "GET" },
	[N5G_PB_414] = { 414, "URI Too Long", "the request URI is longer than this server accepts" },
	[N5G_PB_431] = { 431, "Request Header Fields Too Large" },
	[N5G_PB_UNKNOWN] = { 404, "Not Found", "PEI not found", "ERROR_EQUIPMENT_UNKNOWN" },
	[N5G_PB_503] = { 503, "Service Unavailable", "the equipment store cannot be read" },
};

void n5g_problem_set(struct n5g_problem *pb, enum n5g_problem_kind kind)
{
	pb->kind = kind;
	pb->status = problems[kind].status;
	pb->title = problems[kind].title;
	pb->detail = problems[kind].detail;
	pb->cause = problems[kind].cause;
	pb->allow = problems[kind].allow;
	pb->n_ip = 0;
}

/* --- the query --- */

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

/* Percent-decode s[0..n) into out (max + 1 bytes; RFC 3986 §2.1; '+' stays '+'). out is a string afterwards, also
 * when the decoding failed (what was decoded until then), since the checks after it read it either way.
 * \returns 0, or -1 for a broken escape, a NUL or a result longer than max */
static int pct_decode(char *out, size_t max, const char *s, size_t n)
{
	size_t i, o = 0;
	int rc = 0;

	for (i = 0; i < n; i++) {
		int ch = (unsigned char)s[i];

		if (ch == '%') {
			int hi = i + 2 < n ? hexval(s[i + 1]) : -1;
			int lo = i + 2 < n ? hexval(s[i + 2]) : -1;

			if (hi < 0 || lo < 0) {
				rc = -1;
				break;
			}
			ch = hi * 16 + lo;
			i += 2;
		}
		if (ch == 0 || o == max) {
			rc = -1;
			break;
		}
		out[o++] = (char)ch;
	}
	out[o] = '\0';
	return rc;
}

/* the query as given: each known parameter decoded, whether it was there and whether it was usable */
struct query {
	bool have_pei, have_supi, have_gpsi, have_sf;
	bool bad_pei, bad_supi, bad_gpsi, bad_sf;	/*!< repeated, or not decodable */
	bool have_unknown;
};

static void set_param(char *dst, bool *have, bool *bad, const char *v, size_t vlen)
{
	if (*have) {
		*bad = true;	/* a parameter given twice is ambiguous */
		return;
	}
	*have = true;
	if (pct_decode(dst, N5G_PARAM_MAX, v, vlen))
		*bad = true;
}

static void parse_query(struct query *q, struct n5g_req *r, char *unknown, const char *s)
{
	memset(q, 0, sizeof(*q));
	r->pei[0] = r->supi[0] = r->gpsi[0] = r->sf[0] = '\0';
	while (*s) {
		const char *end = strchr(s, '&'), *eq;
		size_t len = end ? (size_t)(end - s) : strlen(s);
		char name[N5G_NAME_MAX + 1];
		size_t nlen;

		eq = memchr(s, '=', len);
		nlen = eq ? (size_t)(eq - s) : len;
		if (len) {
			const char *v = eq ? eq + 1 : s + len;
			size_t vlen = eq ? len - nlen - 1 : 0;

			/* a name that does not decode is answered as sent (its first N5G_NAME_MAX bytes) */
			if (pct_decode(name, N5G_NAME_MAX, s, nlen))
				snprintf(name, sizeof(name), "%.*s", (int)OSMO_MIN(nlen, N5G_NAME_MAX), s);
			if (!strcmp(name, "pei"))
				set_param(r->pei, &q->have_pei, &q->bad_pei, v, vlen);
			else if (!strcmp(name, "supi"))
				set_param(r->supi, &q->have_supi, &q->bad_supi, v, vlen);
			else if (!strcmp(name, "gpsi"))
				set_param(r->gpsi, &q->have_gpsi, &q->bad_gpsi, v, vlen);
			else if (!strcmp(name, "supported-features"))
				set_param(r->sf, &q->have_sf, &q->bad_sf, v, vlen);
			else if (!q->have_unknown) {
				q->have_unknown = true;
				memcpy(unknown, name, sizeof(name));
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

static bool is_imei_pei(const char *pei)
{
	return !strncmp(pei, "imei-", 5) || !strncmp(pei, "imeisv-", 7);
}

static void bad_param(struct n5g_problem *pb, const char *param, const char *reason, const char *cause)
{
	pb->ip[pb->n_ip++] = (struct n5g_invalid_param){ param, reason };
	/* the first cause wins: pei's (mandatory) before the optional ones before an unknown parameter */
	if (!pb->cause)
		pb->cause = cause;
}

/* Check the query parameters. \returns the number of invalid ones, listed in pb */
static unsigned validate(const struct sbi_cfg *cfg, const struct query *q, const struct n5g_req *r,
			 struct n5g_problem *pb)
{
	size_t l;

	n5g_problem_set(pb, N5G_PB_400);
	if (!q->have_pei)
		bad_param(pb, "pei", "missing", "MANDATORY_QUERY_PARAM_MISSING");
	else if (q->bad_pei || !r->pei[0])
		bad_param(pb, "pei", q->bad_pei ? "repeated or badly percent-encoded" : "empty",
			  "MANDATORY_QUERY_PARAM_INCORRECT");
	else if (!strncmp(r->pei, "imei-", 5) && !all_digits(r->pei + 5, 15, 15))
		bad_param(pb, "pei", "imei- must be followed by 15 digits", "MANDATORY_QUERY_PARAM_INCORRECT");
	else if (!strncmp(r->pei, "imeisv-", 7) && !all_digits(r->pei + 7, 16, 16))
		bad_param(pb, "pei", "imeisv- must be followed by 16 digits", "MANDATORY_QUERY_PARAM_INCORRECT");
	else if (!is_imei_pei(r->pei) && cfg->pei_other == SBI_PEI_OTHER_REJECT)
		bad_param(pb, "pei", "only imei- and imeisv- are accepted", "MANDATORY_QUERY_PARAM_INCORRECT");

	if (q->have_supi && (q->bad_supi || !r->supi[0] ||
			     (!strncmp(r->supi, "imsi-", 5) && !all_digits(r->supi + 5, 5, 15))))
		bad_param(pb, "supi", "imsi- must be followed by 5 to 15 digits", "OPTIONAL_QUERY_PARAM_INCORRECT");
	if (q->have_gpsi) {
		const char *at = strchr(r->gpsi, '@');
		bool bad = q->bad_gpsi || !r->gpsi[0];

		if (!strncmp(r->gpsi, "msisdn-", 7) && !all_digits(r->gpsi + 7, 5, 15))
			bad = true;
		if (!strncmp(r->gpsi, "extid-", 6) && (!at || at == r->gpsi + 6 || !at[1] || strchr(at + 1, '@')))
			bad = true;
		if (bad)
			bad_param(pb, "gpsi", "not msisdn-<5 to 15 digits> or extid-<id>@<domain>",
				  "OPTIONAL_QUERY_PARAM_INCORRECT");
	}
	if (q->have_sf) {
		bool bad = q->bad_sf;

		for (l = 0; r->sf[l]; l++)
			if (hexval(r->sf[l]) < 0)
				bad = true;
		if (bad)
			bad_param(pb, "supported-features", "not hexadecimal", "OPTIONAL_QUERY_PARAM_INCORRECT");
	}
	if (q->have_unknown)
		bad_param(pb, pb->unknown, "not a parameter of this operation", "INVALID_QUERY_PARAM");
	return pb->n_ip;
}

enum n5g_parsed n5g_parse(const struct sbi_cfg *cfg, const struct n5g_http *h, struct n5g_req *req,
			  struct n5g_problem *pb)
{
	const char *qs, *why = NULL;
	size_t plen;
	struct query q;
	struct eir_imei imei;

	if (h->uri_too_long || (h->path && strlen(h->path) > cfg->max_uri_len)) {
		n5g_problem_set(pb, N5G_PB_414);
		return N5G_PROBLEM;
	}
	if (h->hdr_too_large) {
		n5g_problem_set(pb, N5G_PB_431);
		return N5G_PROBLEM;
	}
	qs = h->path ? strchr(h->path, '?') : NULL;
	plen = h->path ? (qs ? (size_t)(qs - h->path) : strlen(h->path)) : 0;
	if (plen != sizeof(N5G_API_PATH) - 1 || memcmp(h->path, N5G_API_PATH, plen)) {
		n5g_problem_set(pb, N5G_PB_404_PATH);
		return N5G_PROBLEM;
	}
	if (!h->get) {
		n5g_problem_set(pb, N5G_PB_405);
		return N5G_PROBLEM;
	}
	parse_query(&q, req, pb->unknown, qs ? qs + 1 : "");
	if (validate(cfg, &q, req, pb))
		return N5G_PROBLEM;

	req->have_supi = q.have_supi;
	req->have_gpsi = q.have_gpsi;
	req->have_sf = q.have_sf;
	/* mac-…, eui-…, anything else: no IMEI to look up, the policy decides */
	if (!is_imei_pei(req->pei))
		return N5G_PEI_OTHER;
	if (eir_imei_parse(strchr(req->pei, '-') + 1, &imei, &why) < 0) {
		/* cannot happen after validate(); answered as malformed all the same */
		bad_param(pb, "pei", why ? why : "not an IMEI", "MANDATORY_QUERY_PARAM_INCORRECT");
		return N5G_PROBLEM;
	}
	req->imei = imei.key;
	req->sv = imei.sv;
	req->have_imsi = q.have_supi && !strncmp(req->supi, "imsi-", 5) &&
			 eir_imsi_pack(req->supi + 5, req->imsi, &why) == 0;
	req->imsi_str = req->have_imsi ? req->supi + 5 : NULL;
	return N5G_REQUEST;
}

/* --- the answers --- */

/* A JSON body built in the caller's buffer (include/osmocom/eir/json.h): a body that did not fit is replaced by a
 * short one, so that whatever the client sent, the body is valid JSON. */

void n5g_encode_problem(const struct n5g_problem *pb, char *buf, size_t cap, struct n5g_answer *a)
{
	struct eir_jbuf b = { .p = buf, .cap = cap };
	unsigned i;

	eir_jb_printf(&b, "{\"title\":\"%s\",\"status\":%u", pb->title, pb->status);
	if (pb->detail)
		eir_jb_printf(&b, ",\"detail\":\"%s\"", pb->detail);
	if (pb->cause)
		eir_jb_printf(&b, ",\"cause\":\"%s\"", pb->cause);
	if (pb->n_ip) {
		eir_jb_printf(&b, ",\"invalidParams\":[");
		for (i = 0; i < pb->n_ip; i++) {
			eir_jb_printf(&b, "%s{\"param\":", i ? "," : "");
			eir_jb_str(&b, "query ", pb->ip[i].param);
			eir_jb_printf(&b, ",\"reason\":\"%s\"}", pb->ip[i].reason);
		}
		eir_jb_printf(&b, "]");
	}
	eir_jb_printf(&b, "}");
	a->shortened = b.overflow;
	if (b.overflow) {
		/* N5G_BODY_MAX is sized for the longest body; should that ever be wrong, still valid JSON */
		b = (struct eir_jbuf){ .p = buf, .cap = cap };
		eir_jb_printf(&b, "{\"title\":\"%s\",\"status\":%u", pb->title, pb->status);
		if (pb->cause)
			eir_jb_printf(&b, ",\"cause\":\"%s\"", pb->cause);
		eir_jb_printf(&b, "}");
		OSMO_ASSERT(!b.overflow);
	}
	a->status = pb->status;
	a->content_type = N5G_CT_PROBLEM;
	a->allow = pb->allow;
	a->len = b.len;
}

void n5g_encode_verdict(enum eir_verdict v, char *buf, size_t cap, struct n5g_answer *a)
{
	struct n5g_problem pb;

	if (v == EIR_UNKNOWN) {
		n5g_problem_set(&pb, N5G_PB_UNKNOWN);
		n5g_encode_problem(&pb, buf, cap, a);
		return;
	}
	static const char head[] = "{\"status\":\"", tail[] = "\"}";
	const char *name = eir_verdict_name(v);
	size_t nl = strlen(name);

	*a = (struct n5g_answer){ .status = 200, .content_type = N5G_CT_JSON };
	/* by hand: snprintf() cost as much as the rest of the request's own code */
	a->len = sizeof(head) - 1 + nl + sizeof(tail) - 1;
	OSMO_ASSERT(a->len < cap);
	memcpy(buf, head, sizeof(head) - 1);
	memcpy(buf + sizeof(head) - 1, name, nl);
	memcpy(buf + sizeof(head) - 1 + nl, tail, sizeof(tail));
}
