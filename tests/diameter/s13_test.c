/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The S13 decoder and encoders without a socket: every error an ECR can be answered with (5001, 5004, 5005 for
 * each mandatory AVP, 5009, 5014, 3002, 3003, 5012, 5011 and 5015 for a broken header), the ECA of each verdict
 * and of the digest's vectors, and the base protocol's answers (3001, 3007, 3008, CEA, DWA, DPA, DWR, DPR), byte
 * for byte: each answer is printed AVP by AVP and in hex. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <netinet/in.h>
#include <arpa/inet.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/diameter/answer.h>
#include <osmocom/eir/diameter/s13.h>
#include <osmocom/eir/diameter/server.h>
#include "dump.h"

#define V DIAM_AVP_V
#define M DIAM_AVP_M
#define V3 DIAM_VENDOR_3GPP

static struct diam_cfg cfg;
static const struct diam_ident id = {
	.origin_host = "eir.example.org", .origin_realm = "example.org", .origin_state_id = 0x5f5e1000,
	.vendor_id = 0,
};
static uint8_t req[70000], ans[DIAM_ANSWER_MAX], tmp[8192];

/* --- building requests --- */

/* the parts of a standard ECR, in the order the MME sends them */
enum {
	P_SID = 1 << 0, P_VSAI = 1 << 1, P_ASS = 1 << 2, P_OH = 1 << 3, P_OR = 1 << 4, P_DR = 1 << 5, P_TI = 1 << 6,
	P_ALL = (1 << 7) - 1,
};

struct ecr_spec {
	unsigned parts;		/*!< 0: P_ALL */
	const char *imei;	/*!< NULL: "35358511003417"; "-": no IMEI */
	const char *sv;		/*!< NULL: none */
	const char *imsi;	/*!< User-Name, NULL: none */
	const char *dest_realm;	/*!< NULL: example.org */
	const char *dest_host;	/*!< NULL: none */
	uint8_t flags;		/*!< 0: R|P */
	const uint8_t *extra;	/*!< raw AVPs appended */
	size_t extra_len;
	const uint8_t *ti_extra;	/*!< raw AVPs appended inside Terminal-Information */
	size_t ti_extra_len;
};

static size_t build_ecr(const struct ecr_spec *s)
{
	unsigned parts = s->parts ? s->parts : P_ALL;
	struct diam_enc e;
	int len;

	diam_enc_init(&e, req, sizeof(req));
	diam_enc_hdr(&e, s->flags ? s->flags : DIAM_CMD_R | DIAM_CMD_P, DIAM_CMD_ME_IDENTITY_CHECK, DIAM_APP_S13,
		     0x11223344, 0x55667788);
	if (parts & P_SID)
		diam_enc_cstr(&e, DA_SESSION_ID, "mme.example.org;1;1");
	if (parts & P_VSAI) {
		diam_enc_group_begin(&e, DA_VSAI);
		diam_enc_u32(&e, DA_VENDOR_ID, V3);
		diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
		diam_enc_group_end(&e);
	}
	if (parts & P_ASS)
		diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1);
	if (parts & P_OH)
		diam_enc_cstr(&e, DA_ORIGIN_HOST, "mme.example.org");
	if (parts & P_OR)
		diam_enc_cstr(&e, DA_ORIGIN_REALM, "example.org");
	if (s->dest_host)
		diam_enc_cstr(&e, DA_DESTINATION_HOST, s->dest_host);
	if (parts & P_DR)
		diam_enc_cstr(&e, DA_DESTINATION_REALM, s->dest_realm ? s->dest_realm : "example.org");
	if (parts & P_TI) {
		diam_enc_group_begin(&e, DA_TERMINAL_INFORMATION);
		if (!s->imei || strcmp(s->imei, "-"))
			diam_enc_cstr(&e, DA_IMEI, s->imei ? s->imei : "35358511003417");
		if (s->sv)
			diam_enc_cstr(&e, DA_SOFTWARE_VERSION, s->sv);
		if (s->ti_extra)
			diam_enc_raw(&e, s->ti_extra, s->ti_extra_len);
		diam_enc_group_end(&e);
	}
	if (s->imsi)
		diam_enc_cstr(&e, DA_USER_NAME, s->imsi);
	if (s->extra)
		diam_enc_raw(&e, s->extra, s->extra_len);
	len = diam_enc_finish(&e);
	OSMO_ASSERT(len > 0);
	return (size_t)len;
}

/* one AVP with explicit header fields into tmp at *off (len bytes of data; -1: strlen) */
static void raw_avp_n(size_t *off, uint32_t code, uint8_t flags, uint32_t vendor, const char *data, int len)
{
	struct diam_enc e;

	diam_enc_init(&e, tmp + *off, sizeof(tmp) - *off);
	diam_enc_avp_hdr(&e, code, flags, vendor, data, len < 0 ? strlen(data) : (size_t)len);
	OSMO_ASSERT(!e.overflow);
	*off += e.len;
}

static void raw_avp(size_t *off, uint32_t code, uint8_t flags, uint32_t vendor, const char *data)
{
	raw_avp_n(off, code, flags, vendor, data, -1);
}

/* --- running the decoder and the encoders --- */

/* with S13_TEST_CORPUS=DIR in the environment, each request is also written to DIR/NAME (the seeds of the fuzz
 * targets diam_msg and s13_ecr: tests/fuzz/corpus/) */
static void save_request(const char *name, size_t len)
{
	const char *dir = getenv("S13_TEST_CORPUS");
	char path[512], *p;
	FILE *f;

	if (!dir)
		return;
	snprintf(path, sizeof(path), "%s/%.40s", dir, name);
	for (p = path + strlen(dir) + 1; *p; p++)
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9')))
			*p = '-';
	f = fopen(path, "wb");
	OSMO_ASSERT(f && fwrite(req, 1, len, f) == len);
	fclose(f);
}

static const struct eir_decision white = { .verdict = EIR_WHITELISTED };

static void show_error(const struct diam_error *err)
{
	printf("  error %u%s, Failed-AVP %s", err->code, diam_result_is_protocol(err->code) ? " (E bit)" : "",
	       err->failed.kind == DIAM_FAILED_NONE ? "none" : err->failed.kind == DIAM_FAILED_COPY ? "copy" :
	       err->failed.kind == DIAM_FAILED_EXAMPLE ? "example" : "missing");
	if (err->errmsg)
		printf(", Error-Message \"%s\"", err->errmsg);
	if (err->log[0])
		printf(", log \"%s\"", err->log);
	printf("\n");
}

/* a case: its name printed, its request saved, its header parsed */
static void begin_case(const char *name, size_t len, struct diam_hdr *h)
{
	printf("== %s\n", name);
	save_request(name, len);
	diam_hdr_parse(req, h);
	OSMO_ASSERT(h->len == len);
}

/* decode msg; on success answer it with the decision d */
static void ecr(const char *name, size_t len, const struct eir_decision *d)
{
	struct diam_hdr h;
	struct diam_ecr r;
	struct diam_error err;
	size_t size;
	int n;

	begin_case(name, len, &h);
	if (diam_s13_ecr_decode(&cfg, req, &h, &r, &err)) {
		show_error(&err);
		size = diam_error_answer_prepare(req, &h, &err);
		if (err.errmsg && !strcmp(err.errmsg, "too many Proxy-Info"))
			printf("  answered as %u: %s\n", err.code, err.errmsg);
		n = diam_enc_error_answer(ans, size, &id, req, &h, &err);
	} else {
		struct eir_query q;

		diam_s13_query(&r, &q);
		printf("  ECR: IMEI key %llu, SV %d, IMSI %s, %u Proxy-Info%s%s%s%s\n", (unsigned long long)q.imei,
		       q.sv, q.imsi ? osmo_hexdump_nospc(q.imsi, 8) : "none", r.n_proxy_info,
		       r.bad_sv ? ", Software-Version ignored: " : "", r.bad_sv ? r.bad_sv : "",
		       r.bad_user_name ? ", User-Name ignored: " : "", r.bad_user_name ? r.bad_user_name : "");
		if (!d)
			return;
		size = diam_s13_eca_size(&r);
		n = diam_s13_eca_encode(ans, size, &id, &h, &r, d);
	}
	OSMO_ASSERT(n > 0);
	dump_msg(ans, (size_t)n);
}

static void ecr_spec(const char *name, const struct ecr_spec *s, const struct eir_decision *d)
{
	ecr(name, build_ecr(s), d);
}

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	int rc = osmo_hexparse(hex, out, size);

	OSMO_ASSERT(rc > 0);
	return (size_t)rc;
}

/* protocol-digest.md §5.2 */
static const char *C1 =
	"010000ecc0000144010000241122334455667788000001074000001b6d6d652e6578616d706c652e6f72673b313b3100000001044000"
	"00200000010a4000000c000028af000001024000000c01000024000001154000000c0000000100000108400000176d6d652e6578616d"
	"706c652e6f72670000000128400000136578616d706c652e6f7267000000011b400000136578616d706c652e6f726700000005"
	"79c0000038000028af0000057ac000001a000028af333533353835313130303334313700000000057bc000000e000028af30350000"
	"000000014000001730303130313030303030303030303100";
static const char *C2 =
	"010000a440000144010000241122334455667788000001074000001b6d6d652e6578616d706c652e6f72673b313b310000000104"
	"400000200000010a4000000c000028af000001024000000c010000240000010c4000000c000007d1000001154000000c00000001"
	"00000108400000176569722e6578616d706c652e6f72670000000128400000136578616d706c652e6f726700000005a5c0000010"
	"000028af00000000";
static const char *C3 =
	"010000a840000144010000241122334455667788000001074000001b6d6d652e6578616d706c652e6f72673b313b310000000104"
	"400000200000010a4000000c000028af000001024000000c0100002400000129400000200000010a4000000c000028af0000012a"
	"4000000c0000152e000001154000000c0000000100000108400000176569722e6578616d706c652e6f7267000000012840000013"
	"6578616d706c652e6f726700";

static void vector(const char *name, const struct eir_decision *d, const char *expect)
{
	uint8_t want[512];
	struct diam_hdr h;
	struct diam_ecr r;
	struct diam_error err;
	size_t wlen = unhex(expect, want, sizeof(want));
	int n;

	unhex(C1, req, sizeof(req));
	diam_hdr_parse(req, &h);
	OSMO_ASSERT(diam_s13_ecr_decode(&cfg, req, &h, &r, &err) == 0);
	n = diam_s13_eca_encode(ans, diam_s13_eca_size(&r), &id, &h, &r, d);
	printf("== %s: %s\n", name, n == (int)wlen && !memcmp(ans, want, wlen) ? "exactly as the digest" : "DIFFERS");
}

static void test_ecr(void)
{
	static const struct eir_decision black = { .verdict = EIR_BLACKLISTED };
	static const struct eir_decision grey = { .verdict = EIR_GREYLISTED };
	static const struct eir_decision unknown = { .verdict = EIR_UNKNOWN };
	static const struct eir_decision store_fail = { .error = true };
	static const char *const bad_imei[] = { "3569380356438A", "3569380356438", "35693803564380123", "" };
	static const unsigned mandatory[] = { P_SID, P_ASS, P_OH, P_OR, P_DR, P_TI };
	static const char *const mandatory_name[] = { "Session-Id", "Auth-Session-State", "Origin-Host",
						      "Origin-Realm", "Destination-Realm", "Terminal-Information" };
	char name[128];
	size_t off, len;
	unsigned i;

	vector("C1 WHITELISTED is C2", &white, C2);
	vector("C1 unknown is C3 (Experimental-Result 5422)", &unknown, C3);
	ecr("C1 BLACKLISTED", unhex(C1, req, sizeof(req)), &black);
	ecr("C1 GREYLISTED", unhex(C1, req, sizeof(req)), &grey);
	ecr("C1, the store fails: 5012, no Equipment-Status", unhex(C1, req, sizeof(req)), &store_fail);
	ecr_spec("ECR without P: answer flags 0x00", &(struct ecr_spec){ .flags = DIAM_CMD_R }, &white);
	ecr_spec("IMEISV: its SV", &(struct ecr_spec){ .imei = "3569380356438007" }, NULL);
	ecr_spec("Software-Version \"12\" wins over the IMEISV's",
		 &(struct ecr_spec){ .imei = "3569380356438007", .sv = "12" }, NULL);
	ecr_spec("Software-Version \"5\": ignored, verdict given", &(struct ecr_spec){ .sv = "5" }, &black);
	ecr_spec("Software-Version \"5a\": ignored", &(struct ecr_spec){ .sv = "5a" }, NULL);
	ecr_spec("User-Name an IMSI", &(struct ecr_spec){ .imsi = "001010000000001" }, NULL);
	ecr_spec("User-Name of 5 digits is an IMSI", &(struct ecr_spec){ .imsi = "00101" }, NULL);
	ecr_spec("User-Name \"00101x\": ignored, no pair exception", &(struct ecr_spec){ .imsi = "00101x" }, &black);
	ecr_spec("User-Name of 16 digits: ignored", &(struct ecr_spec){ .imsi = "0010100000000011" }, NULL);

	/* 5005 for each mandatory AVP, and for the IMEI inside Terminal-Information */
	for (i = 0; i < ARRAY_SIZE(mandatory); i++) {
		snprintf(name, sizeof(name), "missing %s: 5005 naming it", mandatory_name[i]);
		ecr_spec(name, &(struct ecr_spec){ .parts = P_ALL & ~mandatory[i] }, &white);
	}
	ecr_spec("Terminal-Information without IMEI: 5005 {Terminal-Information {IMEI}}",
		 &(struct ecr_spec){ .imei = "-", .sv = "05" }, &white);

	/* 5004: the IMEI's value */
	for (i = 0; i < ARRAY_SIZE(bad_imei); i++) {
		snprintf(name, sizeof(name), "IMEI \"%s\": 5004 with the value", bad_imei[i]);
		ecr_spec(name, &(struct ecr_spec){ .imei = bad_imei[i] }, &white);
	}

	/* 5001: an unknown AVP with M; without M it is ignored, as are known ones not used here */
	off = 0;
	raw_avp(&off, 99999, M, 0, "surprise");
	ecr_spec("unknown AVP with M: 5001, Failed-AVP the whole AVP",
		 &(struct ecr_spec){ .extra = tmp, .extra_len = off }, &white);
	ecr_spec("unknown M AVP inside Terminal-Information: 5001 {Terminal-Information {it}}",
		 &(struct ecr_spec){ .ti_extra = tmp, .ti_extra_len = off }, &white);
	off = 0;
	raw_avp(&off, 99999, 0, 0, "x");
	raw_avp_n(&off, 301, M, 0, "\x00\x00\x00\x03", 4);
	raw_avp(&off, 282, M, 0, "relay.example.org");
	ecr_spec("unknown AVP without M, DRMP with M, Route-Record: ignored",
		 &(struct ecr_spec){ .extra = tmp, .extra_len = off }, &white);

	/* 5009 */
	off = 0;
	raw_avp(&off, 1401, V | M, V3, "");
	ecr_spec("two Terminal-Information: 5009 naming the second",
		 &(struct ecr_spec){ .extra = tmp, .extra_len = off }, &white);
	off = 0;
	raw_avp(&off, 263, M, 0, "mme.example.org;2;2");
	ecr_spec("two Session-Id: 5009", &(struct ecr_spec){ .extra = tmp, .extra_len = off }, &white);
	off = 0;
	raw_avp(&off, 1402, V | M, V3, "35693803564380");
	ecr_spec("two IMEI: 5009 {Terminal-Information {IMEI}}",
		 &(struct ecr_spec){ .ti_extra = tmp, .ti_extra_len = off }, &white);
	off = 0;
	for (i = 0; i < 2; i++) {
		struct diam_enc e;

		diam_enc_init(&e, tmp + off, sizeof(tmp) - off);
		diam_enc_group_begin(&e, DA_PROXY_INFO);
		diam_enc_cstr(&e, DA_PROXY_HOST, i ? "proxy2.example.org" : "proxy1.example.org");
		diam_enc_cstr(&e, DA_PROXY_STATE, i ? "state-2" : "state-1");
		diam_enc_group_end(&e);
		off += e.len;
	}
	ecr_spec("two Proxy-Info: both echoed, in order", &(struct ecr_spec){ .extra = tmp, .extra_len = off }, &white);
	ecr_spec("two Proxy-Info on a 5005: both echoed",
		 &(struct ecr_spec){ .parts = P_ALL & ~P_TI, .extra = tmp, .extra_len = off }, &white);
	off = 0;
	for (i = 0; i < 17; i++) {
		struct diam_enc e;
		char st[8];

		snprintf(st, sizeof(st), "s%u", i);
		diam_enc_init(&e, tmp + off, sizeof(tmp) - off);
		diam_enc_group_begin(&e, DA_PROXY_INFO);
		diam_enc_cstr(&e, DA_PROXY_HOST, "p");
		diam_enc_cstr(&e, DA_PROXY_STATE, st);
		diam_enc_group_end(&e);
		off += e.len;
	}
	ecr_spec("17 Proxy-Info: 5009 naming the 17th, the first 16 echoed",
		 &(struct ecr_spec){ .extra = tmp, .extra_len = off }, &white);
	ecr_spec("17 Proxy-Info on a 5005: 5009 instead",
		 &(struct ecr_spec){ .parts = P_ALL & ~P_OH, .extra = tmp, .extra_len = off }, &white);

	/* 5014: lengths */
	off = 0;
	raw_avp_n(&off, 277, M, 0, "\x00\x00\x00\x01\x00", 5);
	ecr_spec("Auth-Session-State of 5 bytes: 5014, Failed-AVP with a zero payload",
		 &(struct ecr_spec){ .parts = P_ALL & ~P_ASS, .extra = tmp, .extra_len = off }, &white);
	len = build_ecr(&(struct ecr_spec){ 0 });
	/* an AVP header claiming 200 bytes where 8 remain: the message grows by 8, its length field with it */
	memcpy(req + len, "\x00\x00\x00\x01\x40\x00\x00\xc8", 8);
	len += 8;
	req[1] = (uint8_t)(len >> 16);
	req[2] = (uint8_t)(len >> 8);
	req[3] = (uint8_t)len;
	ecr("AVP length beyond the message: 5014", len, &white);
	len = build_ecr(&(struct ecr_spec){ 0 });
	/* the message ends 4 bytes into an AVP header */
	memcpy(req + len, "\x00\x00\x01\x07", 4);
	len += 4;
	req[3] = (uint8_t)len;
	ecr("message ends inside an AVP header: 5014", len, &white);
	off = 0;
	raw_avp(&off, 1403, V | M, V3, "05");
	tmp[7] = 0x40;	/* the Software-Version's length (14) becomes 64, past its group */
	ecr_spec("AVP inside Terminal-Information beyond it: 5014 {Terminal-Information {example}}",
		 &(struct ecr_spec){ .ti_extra = tmp, .ti_extra_len = off }, &white);

	/* 3002, 3003: not for us */
	ecr_spec("Destination-Host not us: 3002", &(struct ecr_spec){ .dest_host = "other-eir.example.org" }, &white);
	ecr_spec("Destination-Host us in another case: answered", &(struct ecr_spec){ .dest_host = "EIR.example.org" },
		 &white);
	ecr_spec("foreign Destination-Realm: 3003, E bit, answer-message grammar",
		 &(struct ecr_spec){ .dest_realm = "other.example.net" }, &white);
	ecr_spec("Destination-Realm with our realm as a prefix: 3003",
		 &(struct ecr_spec){ .dest_realm = "example.org.evil" }, &white);
	ecr_spec("Destination-Realm ours in another case: answered", &(struct ecr_spec){ .dest_realm = "EXAMPLE.org" },
		 NULL);
	ecr_spec("Destination-Realm a served-realm: answered", &(struct ecr_spec){ .dest_realm = "served.example.com" },
		 NULL);
	ecr_spec("Destination-Host us with a foreign Destination-Realm: answered",
		 &(struct ecr_spec){ .dest_host = "eir.example.org", .dest_realm = "other.example.net" }, NULL);
	ecr_spec("foreign Destination-Realm before a missing IMEI: 3003 first",
		 &(struct ecr_spec){ .imei = "-", .dest_realm = "other.example.net" }, &white);
}

/* --- the base protocol's answers, as peer.c asks for them --- */

static void error_answer(const char *name, size_t len, uint32_t code, const char *errmsg)
{
	struct diam_error err;
	struct diam_hdr h;
	size_t size;
	int n;

	begin_case(name, len, &h);
	diam_error_set(&err, code, DIAM_FAILED_NONE, NULL, 0, -1);
	err.errmsg = errmsg;
	size = diam_error_answer_prepare(req, &h, &err);
	n = diam_enc_error_answer(ans, size, &id, req, &h, &err);
	OSMO_ASSERT(n > 0);
	dump_msg(ans, (size_t)n);
}

static size_t build_base(uint8_t flags, uint32_t cmd, uint32_t app, bool with_sid)
{
	struct diam_enc e;
	int len;

	diam_enc_init(&e, req, sizeof(req));
	diam_enc_hdr(&e, flags, cmd, app, 0x77, 0x78);
	if (with_sid)
		diam_enc_cstr(&e, DA_SESSION_ID, "mme.example.org;1;1");
	diam_enc_cstr(&e, DA_ORIGIN_HOST, "mme.example.org");
	diam_enc_cstr(&e, DA_ORIGIN_REALM, "example.org");
	len = diam_enc_finish(&e);
	OSMO_ASSERT(len > 0);
	return (size_t)len;
}

static void bad_header(const char *name, const char *hex)
{
	struct diam_error err;
	struct diam_hdr h;
	int n;

	printf("== %s\n", name);
	unhex(hex, req, sizeof(req));
	diam_bad_header_request(req, req[0] != DIAM_VERSION ? DIAM_UNSUPPORTED_VERSION : DIAM_INVALID_MESSAGE_LENGTH,
				&h, &err);
	show_error(&err);
	n = diam_enc_error_answer(ans, diam_error_answer_prepare(req, &h, &err), &id, req, &h, &err);
	OSMO_ASSERT(n > 0);
	dump_msg(ans, (size_t)n);
}

static void cea(const char *name, uint32_t code, const char *errmsg, int missing, const struct sockaddr_storage *ss)
{
	struct diam_error err;
	struct diam_hdr h = { .cmd = DIAM_CMD_CE, .app = 0, .hbh = 1, .e2e = 1, .flags = DIAM_CMD_R };
	int n;

	printf("== %s\n", name);
	diam_error_set(&err, code, missing >= 0 ? DIAM_FAILED_MISSING : DIAM_FAILED_NONE, NULL, missing, -1);
	err.errmsg = errmsg;
	n = diam_enc_cea(ans, diam_cea_size(&err), &id, ss, &h, &err);
	OSMO_ASSERT(n > 0);
	dump_msg(ans, (size_t)n);
}

static void test_base(void)
{
	struct sockaddr_storage v4 = { 0 }, v6 = { 0 }, mapped = { 0 };
	struct diam_hdr h = { .cmd = DIAM_CMD_DW, .app = 0, .hbh = 0x77, .e2e = 0x78, .flags = DIAM_CMD_R };
	struct diam_error err;
	struct diam_avp a;
	int n;

	((struct sockaddr_in *)&v4)->sin_family = AF_INET;
	inet_pton(AF_INET, "127.0.0.1", &((struct sockaddr_in *)&v4)->sin_addr);
	((struct sockaddr_in6 *)&v6)->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "2001:db8::1", &((struct sockaddr_in6 *)&v6)->sin6_addr);
	((struct sockaddr_in6 *)&mapped)->sin6_family = AF_INET6;
	inet_pton(AF_INET6, "::ffff:10.0.0.1", &((struct sockaddr_in6 *)&mapped)->sin6_addr);

	error_answer("unknown command in S13: 3001, E, P copied, Session-Id",
		     build_base(DIAM_CMD_R | DIAM_CMD_P, 999, DIAM_APP_S13, true), DIAM_COMMAND_UNSUPPORTED, NULL);
	error_answer("unknown base command: 3001", build_base(DIAM_CMD_R, 999, 0, false), DIAM_COMMAND_UNSUPPORTED,
		     NULL);
	error_answer("S6a ULR: 3007, answer-message grammar", build_base(DIAM_CMD_R | DIAM_CMD_P, 316, 16777251, true),
		     DIAM_APPLICATION_UNSUPPORTED, NULL);
	error_answer("E bit in a request: 3008", build_base(DIAM_CMD_R | DIAM_CMD_P | DIAM_CMD_E, 324, DIAM_APP_S13,
							    true), DIAM_INVALID_HDR_BITS, "E bit set in a request");
	bad_header("version 2: 5011 from the header alone",
		   "020000308000014401000024abcdef01ef01ef01000001074000001b6d6d652e6578616d706c652e6f72673b313b3100");
	bad_header("length 37: 5015", "01000025800001180000000000001234000056780000000000000000000000000000000000");

	cea("CEA 2001 (Host-IP-Address 127.0.0.1)", DIAM_SUCCESS, NULL, -1, &v4);
	cea("CEA 2001 over IPv6", DIAM_SUCCESS, NULL, -1, &v6);
	cea("CEA 2001 over a v4-mapped address: an IPv4 Host-IP-Address", DIAM_SUCCESS, NULL, -1, &mapped);
	cea("CEA 3010 unknown peer, E bit", DIAM_UNKNOWN_PEER, "unknown peer", -1, &v4);
	cea("CEA 5010 no common application", DIAM_NO_COMMON_APPLICATION, "osmo-eir serves S13 (16777252) only", -1,
	    &v4);
	cea("CEA 5012 capabilities already exchanged", DIAM_UNABLE_TO_COMPLY, "capabilities already exchanged", -1,
	    &v4);
	cea("CEA 5005 no Origin-Host", DIAM_MISSING_AVP, NULL, DA_ORIGIN_HOST, &v4);
	printf("== CEA 5014 Origin-State-Id of 5 bytes\n");
	memset(&a, 0, sizeof(a));
	a.id = DA_ORIGIN_STATE_ID;
	a.code = 278;
	a.flags = M;
	diam_error_set(&err, DIAM_INVALID_AVP_LENGTH, DIAM_FAILED_EXAMPLE, &a, 0, -1);
	err.errmsg = "invalid AVP length";
	h.cmd = DIAM_CMD_CE;
	n = diam_enc_cea(ans, diam_cea_size(&err), &id, &v4, &h, &err);
	OSMO_ASSERT(n > 0);
	dump_msg(ans, (size_t)n);

	h.cmd = DIAM_CMD_DW;
	printf("== DWA: 2001 with Origin-State-Id\n");
	n = diam_enc_base_answer(ans, DIAM_ANSWER_BASE, &id, &h, true);
	dump_msg(ans, (size_t)n);
	h.cmd = DIAM_CMD_DP;
	printf("== DPA: 2001\n");
	n = diam_enc_base_answer(ans, DIAM_ANSWER_BASE, &id, &h, false);
	dump_msg(ans, (size_t)n);
	printf("== DWR we send\n");
	n = diam_enc_base_request(ans, DIAM_ANSWER_BASE, &id, DIAM_CMD_DW, 1, 0x5e100001, false, 0);
	dump_msg(ans, (size_t)n);
	printf("== DPR we send: Disconnect-Cause REBOOTING\n");
	n = diam_enc_base_request(ans, DIAM_ANSWER_BASE, &id, DIAM_CMD_DP, 2, 0x5e100002, true, 0);
	dump_msg(ans, (size_t)n);
	printf("== an answer that does not fit its buffer: -ENOSPC\n");
	printf("  %d\n", diam_enc_base_answer(ans, 40, &id, &h, true));
}

int main(void)
{
	void *ctx = talloc_named_const(NULL, 0, "s13_test");
	struct diam_realm *r;

	/* what the decoder reads of the server's configuration (diam_cfg_init() is the listening server's) */
	cfg.origin_host = talloc_strdup(ctx, "eir.example.org");
	cfg.origin_realm = talloc_strdup(ctx, "example.org");
	INIT_LLIST_HEAD(&cfg.peers);
	INIT_LLIST_HEAD(&cfg.realms);
	r = talloc_zero(ctx, struct diam_realm);
	r->name = talloc_strdup(r, "served.example.com");
	llist_add_tail(&r->list, &cfg.realms);

	test_ecr();
	test_base();
	talloc_free(ctx);
	return 0;
}
