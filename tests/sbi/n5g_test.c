/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* N5g-eir without a socket (src/sbi/n5g_codec.c): every request tests/sbi/curl.sh sends, parsed, and its answer
 * (status, content type, Allow, body) as the server sends it; every body checked to be valid JSON. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/sbi/n5g.h>

#include "json_valid.h"

static struct sbi_cfg cfg;
static unsigned n_fail;

static void print_answer(const struct n5g_answer *a, const char *body)
{
	printf("  %u %s%s%s%s\n", a->status, a->content_type, a->allow ? " allow: " : "", a->allow ? a->allow : "",
	       a->shortened ? " (shortened)" : "");
	printf("  %.*s\n", (int)a->len, body);
	if (!json_valid(body, a->len) || strlen(body) != a->len) {
		printf("  NOT VALID JSON\n");
		n_fail++;
	}
}

/* one request as the HTTP/2 layer hands it over: parse, then what the handler answers (with verdict as the
 * decision step's for a request) */
static void req_h(const char *desc, const struct n5g_http *h, enum eir_verdict verdict)
{
	struct n5g_req r;
	struct n5g_problem pb;
	struct n5g_answer a;
	char body[N5G_BODY_MAX], im[16];

	printf("%s\n", desc);
	memset(&r, 0xa5, sizeof(r));	/* nothing read that the parse did not write */
	memset(&pb, 0xa5, sizeof(pb));
	switch (n5g_parse(&cfg, h, &r, &pb)) {
	case N5G_PROBLEM:
		n5g_encode_problem(&pb, body, sizeof(body), &a);
		break;
	case N5G_PEI_OTHER:
		printf("  PEI without IMEI: %s, the policy's verdict\n", r.pei);
		n5g_encode_verdict(cfg.pei_other_verdict, body, sizeof(body), &a);
		break;
	case N5G_REQUEST:
		printf("  IMEI %s SV %d IMSI %s%s%s%s%s\n", eir_imei_str(im, sizeof(im), r.imei), r.sv,
		       r.have_imsi ? r.imsi_str : "-", r.have_gpsi ? " GPSI " : "", r.have_gpsi ? r.gpsi : "",
		       r.have_sf ? " supported-features " : "", r.have_sf ? r.sf : "");
		n5g_encode_verdict(verdict, body, sizeof(body), &a);
		break;
	default:
		OSMO_ASSERT(0);
	}
	print_answer(&a, body);
}

/* GET equipment-status?QUERY */
static void q(const char *desc, const char *query, enum eir_verdict verdict)
{
	char path[sizeof(N5G_API_PATH) + 4096];
	struct n5g_http h = { .path = path, .get = true };

	snprintf(path, sizeof(path), N5G_API_PATH "?%s", query);
	req_h(desc, &h, verdict);
}

static char *rep(char *buf, size_t cap, const char *piece, unsigned n)
{
	buf[0] = '\0';
	while (n--)
		strncat(buf, piece, cap - strlen(buf) - 1);
	return buf;
}

static void verdicts(void)
{
	printf("-- requests: what the decision step is asked (its verdict given here as it would be)\n");
	q("black IMEI (15 digits)", "pei=imei-356938035643809", EIR_BLACKLISTED);
	q("black IMEISV", "pei=imeisv-3569380356438005", EIR_BLACKLISTED);
	q("grey IMEISV", "pei=imeisv-3500000100000101", EIR_GREYLISTED);
	q("white entry", "pei=imeisv-3500000100000201", EIR_WHITELISTED);
	q("pair exception: black IMEI with its owner's SUPI", "pei=imei-356938035643809&supi=imsi-001010000000001",
	  EIR_WHITELISTED);
	q("non-IMSI SUPI is accepted and not used", "pei=imei-356938035643809&supi=nai-user@example.org",
	  EIR_BLACKLISTED);
	q("gpsi and supported-features accepted",
	  "pei=imei-356938035643809&gpsi=msisdn-4915112345678&supported-features=0A&supi=imsi-001010000000002",
	  EIR_BLACKLISTED);
	q("gpsi extid accepted", "pei=imei-356938035643809&gpsi=extid-abc%40example.org", EIR_BLACKLISTED);
	q("percent-encoded PEI", "pei=imei%2D356938035643809", EIR_BLACKLISTED);
	q("parameters in any order", "supi=imsi-001010000000001&pei=imei-356938035643809", EIR_WHITELISTED);
	q("IMEI on no list with default-verdict unknown: 404", "pei=imeisv-3599999900000101", EIR_UNKNOWN);
}

static void bad_requests(void)
{
	static const char *const esc[] = { "%22", "%5C", "%FF", "%7F", "%0A" };
	char n01[400], big[4096], desc[64];
	unsigned i;

	printf("-- 400\n");
	q("pei missing", "", 0);
	q("pei missing, supi given", "supi=imsi-001010000000001", 0);
	q("pei without '='", "pei", 0);
	q("pei empty", "pei=", 0);
	q("imei- with 14 digits", "pei=imei-35693803564380", 0);
	q("imei- with a letter", "pei=imei-35693803564380A", 0);
	q("imeisv- with 15 digits", "pei=imeisv-356938035643800", 0);
	q("pei twice", "pei=imei-356938035643809&pei=imei-356938035643809", 0);
	q("pei with a broken percent escape", "pei=imei-35693803564380%G9", 0);
	q("pei with a percent escape cut short", "pei=imei-35693803564380%3", 0);
	q("pei with an encoded NUL", "pei=imei-35693803564380%009", 0);
	snprintf(big, sizeof(big), "pei=imei-%s", rep(n01, sizeof(n01), "9", 260));
	q("pei longer than 256 bytes decoded", big, 0);
	q("supi imsi- too short", "pei=imei-356938035643809&supi=imsi-1234", 0);
	q("supi imsi- with a letter", "pei=imei-356938035643809&supi=imsi-00101000000000x", 0);
	q("supi imsi- with 16 digits", "pei=imei-356938035643809&supi=imsi-0010100000000011", 0);
	q("supi empty", "pei=imei-356938035643809&supi=", 0);
	q("supi twice", "pei=imei-356938035643809&supi=imsi-001010000000001&supi=imsi-001010000000001", 0);
	q("gpsi msisdn- not digits", "pei=imei-356938035643809&gpsi=msisdn-12ab5", 0);
	q("gpsi extid- without @", "pei=imei-356938035643809&gpsi=extid-abc", 0);
	q("gpsi extid- with two @", "pei=imei-356938035643809&gpsi=extid-a%40b%40c", 0);
	q("gpsi extid- with nothing before @", "pei=imei-356938035643809&gpsi=extid-%40b", 0);
	q("gpsi empty", "pei=imei-356938035643809&gpsi=", 0);
	q("supported-features not hex", "pei=imei-356938035643809&supported-features=xyz", 0);
	q("supported-features badly percent-encoded", "pei=imei-356938035643809&supported-features=%zz", 0);
	/* found by fuzz_n5g_query: a value cut at a broken escape was left without its NUL, and read past its end */
	q("supported-features with a broken escape after two digits", "pei=imei-356938035643809&supported-features=0A%",
	  0);
	q("gpsi with a broken escape after extid-a@", "pei=imei-356938035643809&gpsi=extid-a%40%4", 0);
	q("unknown parameter", "pei=imei-356938035643809&colour=red", 0);
	q("unknown parameter with a quote in its name is escaped", "pei=imei-356938035643809&a%22b=1", 0);
	q("unknown parameter whose name does not decode: answered as sent", "pei=imei-356938035643809&a%zb=1", 0);
	q("an empty piece is skipped; '+' stays '+' (a+b: unknown)", "pei=imei-356938035643809&&a+b=1", 0);
	q("two unknown parameters: the first one named", "pei=imei-356938035643809&colour=red&size=9", 0);
	q("mandatory beats optional, every bad parameter listed", "pei=imei-1&supi=imsi-1", 0);
	q("mandatory beats optional: bad pei and gpsi", "gpsi=msisdn-1&pei=imei-1", 0);
	q("mandatory beats optional: missing pei, bad supported-features", "supported-features=xyz", 0);
	q("unknown parameter and a missing pei: MANDATORY_QUERY_PARAM_MISSING", "colour=red", 0);
	q("unknown parameter and a bad pei: MANDATORY_QUERY_PARAM_INCORRECT", "colour=red&pei=imei-1", 0);
	q("unknown parameter and a bad supi: OPTIONAL_QUERY_PARAM_INCORRECT",
	  "colour=red&pei=imei-356938035643809&supi=imsi-1", 0);
	q("unknown parameter and a bad gpsi: OPTIONAL_QUERY_PARAM_INCORRECT",
	  "colour=red&pei=imei-356938035643809&gpsi=msisdn-1", 0);
	q("unknown parameter and a bad supported-features: OPTIONAL_QUERY_PARAM_INCORRECT",
	  "colour=red&pei=imei-356938035643809&supported-features=xyz", 0);

	/* a name that comes back escaped to six bytes a byte stays whole (once cut at 639 bytes: invalid JSON) */
	rep(n01, sizeof(n01), "%01", 64);
	snprintf(big, sizeof(big), "%s=1", n01);
	q("64 x %01 as a parameter name, no pei: the whole name escaped, valid JSON", big, 0);
	snprintf(big, sizeof(big), "pei=imeisv-1&supi=imsi-1&gpsi=msisdn-x&supported-features=z&%s=1", n01);
	q("the longest 400: every parameter bad, and that name", big, 0);
	for (i = 0; i < ARRAY_SIZE(esc); i++) {
		snprintf(big, sizeof(big), "pei=imeisv-1&supi=imsi-1&gpsi=msisdn-x&supported-features=z&%s=1",
			 rep(n01, sizeof(n01), esc[i], 64));
		snprintf(desc, sizeof(desc), "every parameter bad and 64 x %s", esc[i]);
		q(desc, big, 0);
	}
	snprintf(big, sizeof(big), "pei=imei-356938035643809&%s=1", rep(n01, sizeof(n01), "%01", 65));
	q("a name of 65 x %01 does not decode into 64 bytes: its first 64 bytes as sent", big, 0);
}

static void paths_and_methods(void)
{
	static const char *const paths[] = {
		"/", "/n5g-eir-eic/v1", "/n5g-eir-eic/v2/equipment-status", "/n5g-eir-eic/v1/equipment-status/x",
		"/n5g-eir-eic/v1/equipment-statusx",
	};
	char path[4096], desc[128], long9[3001];
	struct n5g_http h = { .path = path, .get = true };
	unsigned i;

	printf("-- 404, 405, 414, 431\n");
	for (i = 0; i < ARRAY_SIZE(paths); i++) {
		snprintf(path, sizeof(path), "%s?pei=imei-356938035643809", paths[i]);
		snprintf(desc, sizeof(desc), "404 for %s", paths[i]);
		req_h(desc, &h, 0);
	}
	h.path = NULL;
	req_h("no :path: 404", &h, 0);
	h.path = N5G_API_PATH;
	req_h("no query at all: 400 pei missing", &h, 0);
	h.get = false;
	snprintf(path, sizeof(path), N5G_API_PATH "?pei=imei-356938035643809");
	h.path = path;
	req_h("POST, PUT, DELETE, PATCH, HEAD (or none): 405, Allow: GET", &h, 0);
	snprintf(path, sizeof(path), "/x?pei=imei-356938035643809");
	req_h("not GET on a wrong path: the path's 404 first", &h, 0);
	h.get = true;
	memset(long9, '9', 3000);
	long9[3000] = '\0';
	snprintf(path, sizeof(path), N5G_API_PATH "?pei=imei-%s", long9);
	req_h("URI longer than max-uri-length: 414", &h, 0);
	h = (struct n5g_http){ .path = NULL, .get = true, .uri_too_long = true };
	req_h("URI longer than max-uri-length, not kept by the server: 414", &h, 0);
	h = (struct n5g_http){ .path = NULL, .get = false, .uri_too_long = true, .hdr_too_large = true };
	req_h("414 before 431, before 404 and 405", &h, 0);
	h = (struct n5g_http){ .path = NULL, .get = false, .hdr_too_large = true };
	req_h("header block above max-header-size: 431", &h, 0);
	cfg.max_uri_len = 100;
	snprintf(path, sizeof(path), N5G_API_PATH "?pei=imei-356938035643809&gpsi=msisdn-%.80s", long9);
	h = (struct n5g_http){ .path = path, .get = true };
	req_h("max-uri-length 100", &h, 0);
	cfg.max_uri_len = SBI_DEFAULT_MAX_URI_LEN;
}

static void pei_other(void)
{
	printf("-- PEIs that are no IMEI\n");
	q("other PEI (MAC): unknown by default", "pei=mac-00-11-22-33-44-55", 0);
	cfg.pei_other_verdict = EIR_GREYLISTED;
	q("pei-other greylisted", "pei=eui-00-11-22-33-44-55-66-77", 0);
	cfg.pei_other = SBI_PEI_OTHER_REJECT;
	q("pei-other reject: MAC gives 400", "pei=mac-00-11-22-33-44-55", 0);
	q("pei-other reject: an IMEI is still answered", "pei=imei-356938035643809", EIR_BLACKLISTED);
	cfg.pei_other = SBI_PEI_OTHER_VERDICT;
	cfg.pei_other_verdict = EIR_UNKNOWN;
}

static void answers(void)
{
	struct n5g_problem pb;
	struct n5g_answer a;
	char body[N5G_BODY_MAX];
	unsigned v;

	printf("-- verdicts and the store failing, encoded\n");
	for (v = EIR_WHITELISTED; v <= EIR_UNKNOWN; v++) {
		printf("%s\n", eir_verdict_name(v));
		n5g_encode_verdict(v, body, sizeof(body), &a);
		print_answer(&a, body);
	}
	printf("store unreadable, store-unavailable error: 503\n");
	n5g_problem_set(&pb, N5G_PB_503);
	n5g_encode_problem(&pb, body, sizeof(body), &a);
	print_answer(&a, body);

	/* the buffer sized wrong: still valid JSON, title, status and cause */
	printf("the longest 400 in a buffer of N5G_BODY_MIN bytes: shortened, valid JSON\n");
	n5g_problem_set(&pb, N5G_PB_400);
	pb.cause = "MANDATORY_QUERY_PARAM_INCORRECT";
	memset(pb.unknown, 1, N5G_NAME_MAX);
	pb.unknown[N5G_NAME_MAX] = '\0';
	pb.ip[pb.n_ip++] = (struct n5g_invalid_param){ "pei", "imeisv- must be followed by 16 digits" };
	pb.ip[pb.n_ip++] = (struct n5g_invalid_param){ pb.unknown, "not a parameter of this operation" };
	n5g_encode_problem(&pb, body, N5G_BODY_MIN, &a);
	print_answer(&a, body);
}

int main(void)
{
	memset(&cfg, 0, sizeof(cfg));
	cfg.max_uri_len = SBI_DEFAULT_MAX_URI_LEN;
	cfg.pei_other = SBI_PEI_OTHER_VERDICT;
	cfg.pei_other_verdict = EIR_UNKNOWN;

	verdicts();
	bad_requests();
	paths_and_methods();
	pei_other();
	answers();
	printf("%s\n", n_fail ? "SOME BODIES ARE NOT VALID JSON" : "every body valid JSON");
	return n_fail ? 1 : 0;
}
