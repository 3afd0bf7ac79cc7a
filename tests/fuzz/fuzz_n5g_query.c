/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the N5g-eir request's path and query (src/sbi/n5g_codec.c: PEI, SUPI, GPSI, supported-features,
 * percent-decoding) and the answers encoded from it. Checks what the parse promises: a request only with a valid
 * IMEI key, a problem only with its status, and every body valid JSON that fits the server's buffer. */

#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/sbi/n5g.h>

#include "fuzz.h"
#include "../sbi/json_valid.h"

/* min..max digits and nothing else (written differently from the parser's check, on purpose) */
static bool all_digits(const char *s, size_t min, size_t max)
{
	size_t n = strlen(s);

	return n >= min && n <= max && strspn(s, "0123456789") == n;
}

static bool is_imei_pei(const char *pei)
{
	return strstr(pei, "imei-") == pei || strstr(pei, "imeisv-") == pei;
}

static void check_request(const struct n5g_req *r)
{
	char im[16], imsi[20];

	FUZZ_ASSERT(r->imei <= EIR_IMEI_MAX);
	FUZZ_ASSERT(r->sv >= -1 && r->sv <= 99);
	if (!strncmp(r->pei, "imeisv-", 7))
		FUZZ_ASSERT(all_digits(r->pei + 7, 16, 16) && r->sv == (r->pei[21] - '0') * 10 + r->pei[22] - '0');
	else
		FUZZ_ASSERT(!strncmp(r->pei, "imei-", 5) && all_digits(r->pei + 5, 15, 15) && r->sv == -1);
	/* the key is the PEI's first 14 digits */
	FUZZ_ASSERT(!strncmp(eir_imei_str(im, sizeof(im), r->imei), strchr(r->pei, '-') + 1, 14));
	if (r->have_imsi) {
		FUZZ_ASSERT(r->have_supi && r->imsi_str == r->supi + 5 && all_digits(r->imsi_str, 5, 15));
		eir_imsi_unpack(imsi, sizeof(imsi), r->imsi);
		FUZZ_ASSERT(!strcmp(imsi, r->imsi_str));
	} else {
		FUZZ_ASSERT(!r->imsi_str && (!r->have_supi || strncmp(r->supi, "imsi-", 5)));
	}
	if (r->have_sf) {
		size_t i;

		for (i = 0; r->sf[i]; i++)
			FUZZ_ASSERT(strchr("0123456789abcdefABCDEF", r->sf[i]));
	}
}

static void check_body(const char *body, const struct n5g_answer *a, size_t cap)
{
	FUZZ_ASSERT(a->len < cap && strlen(body) == a->len);
	FUZZ_ASSERT(json_valid(body, a->len));
}

static void check_problem(const struct n5g_problem *pb, const struct n5g_http *h)
{
	char body[N5G_BODY_MAX];
	struct n5g_answer a;
	unsigned i;

	FUZZ_ASSERT(pb->status == 400 || pb->status == 404 || pb->status == 405 || pb->status == 414 ||
		    (pb->status == 431 && h->hdr_too_large));
	FUZZ_ASSERT((pb->kind == N5G_PB_400) == (pb->status == 400));
	FUZZ_ASSERT(pb->kind != N5G_PB_UNKNOWN && pb->kind != N5G_PB_503);
	if (pb->status == 400) {
		FUZZ_ASSERT(pb->n_ip >= 1 && pb->n_ip <= N5G_MAX_INVALID && pb->cause);
		for (i = 0; i < pb->n_ip; i++)
			FUZZ_ASSERT(pb->ip[i].param && pb->ip[i].reason && strlen(pb->ip[i].param) <= N5G_NAME_MAX);
	} else {
		FUZZ_ASSERT(pb->n_ip == 0);
	}
	FUZZ_ASSERT((pb->status == 405) == (pb->allow && !strcmp(pb->allow, "GET")));

	/* the server's buffer holds every ProblemDetails whole */
	n5g_encode_problem(pb, body, sizeof(body), &a);
	check_body(body, &a, sizeof(body));
	FUZZ_ASSERT(!a.shortened && a.status == pb->status && !strcmp(a.content_type, N5G_CT_PROBLEM));
	/* and a buffer too small for it still gets valid JSON */
	n5g_encode_problem(pb, body, N5G_BODY_MIN, &a);
	check_body(body, &a, N5G_BODY_MIN);
}

/* byte 0: bit 0 GET, bit 1 pei-other reject, bits 2-3 pei-other verdict, bit 4 URI too long, bit 5 header block
 * too large, bit 6 no :path, bit 7 the rest is the query of equipment-status (else the whole :path); byte 1:
 * max-uri-length / 16; then the text, up to its first NUL (as the server keeps it) */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const enum eir_verdict verdicts[] = { EIR_UNKNOWN, EIR_WHITELISTED, EIR_GREYLISTED, EIR_BLACKLISTED };
	char path[4200];
	struct sbi_cfg cfg = { 0 };
	struct n5g_http h;
	struct n5g_req r;
	struct n5g_problem pb;
	size_t n, off = 0;
	uint8_t f;

	if (size < 2 || size > 4000)
		return 0;
	f = data[0];
	cfg.pei_other = f & 2 ? SBI_PEI_OTHER_REJECT : SBI_PEI_OTHER_VERDICT;
	cfg.pei_other_verdict = verdicts[(f >> 2) & 3];
	cfg.max_uri_len = data[1] ? data[1] * 16u : SBI_DEFAULT_MAX_URI_LEN;
	if (f & 0x80) {
		memcpy(path, N5G_API_PATH "?", sizeof(N5G_API_PATH));
		off = sizeof(N5G_API_PATH);
	}
	n = strnlen((const char *)data + 2, size - 2);
	memcpy(path + off, data + 2, n);
	path[off + n] = '\0';
	h = (struct n5g_http){ .path = f & 0x40 ? NULL : path, .get = f & 1, .uri_too_long = f & 0x10,
			       .hdr_too_large = f & 0x20 };

	memset(&r, 0xa5, sizeof(r));	/* nothing read that the parse did not write */
	memset(&pb, 0xa5, sizeof(pb));
	switch (n5g_parse(&cfg, &h, &r, &pb)) {
	case N5G_REQUEST:
		FUZZ_ASSERT(h.path && h.get && !h.uri_too_long && !h.hdr_too_large);
		FUZZ_ASSERT(strlen(h.path) <= cfg.max_uri_len);
		check_request(&r);
		break;
	case N5G_PEI_OTHER:
		FUZZ_ASSERT(h.path && h.get && cfg.pei_other == SBI_PEI_OTHER_VERDICT);
		FUZZ_ASSERT(r.pei[0] && !is_imei_pei(r.pei));
		break;
	case N5G_PROBLEM:
		check_problem(&pb, &h);
		break;
	default:
		FUZZ_ASSERT(0);
	}
	return 0;
}
