/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Diameter codec against the vectors of protocol-digest.md §5: decoding captured messages and encoding
 * AVPs and messages from the dictionary, byte for byte. */

#include <stdio.h>
#include <string.h>
#include <sys/socket.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/diameter/msg.h>
#include "dump.h"

static uint8_t buf[4096];

static size_t unhex(const char *hex, uint8_t *out, size_t size)
{
	int rc = osmo_hexparse(hex, out, size);

	OSMO_ASSERT(rc > 0);
	return (size_t)rc;
}

static void decode(const char *name, const char *hex)
{
	struct diam_hdr h;
	size_t len = unhex(hex, buf, sizeof(buf));

	diam_hdr_parse(buf, &h);
	printf("== %s: %zu bytes, version %u, length %u, flags 0x%02x, cmd %u, app %u, hbh 0x%x, e2e 0x%x\n", name,
	       len, h.version, h.len, h.flags, h.cmd, h.app, h.hbh, h.e2e);
	dump_avps(buf + DIAM_HDR_LEN, h.len - DIAM_HDR_LEN, 1);
}

static void expect(const char *name, const uint8_t *got, size_t len, const char *hex)
{
	uint8_t want[512];
	size_t wlen = unhex(hex, want, sizeof(want));

	printf("%s: %s\n", name, len == wlen && !memcmp(got, want, len) ? "identical" : "DIFFERENT");
	if (len != wlen || memcmp(got, want, len))
		printf("  got  %s\n  want %s\n", osmo_hexdump_nospc(got, len), hex);
}

int main(void)
{
	struct diam_enc e;
	int len;

	decode("V1 Huawei HSS9860 CER",
	       "010001848000010100000000000000720000007200000108400000186873732e656d62726174656c2e636f6d0000012840"
	       "000014656d62726174656c2e636f6d000001014000000e0001ac1a008600000000010a4000000c000007db0000010d0000"
	       "000f48535339383630000000012b4000000c0000000000000104400000200000010a4000000c000028af00000102400000"
	       "0c0100000000000104400000200000010a4000000c000028af000001024000000c01000001000001044000002000000"
	       "10a4000000c000028af000001024000000c0100002400000104400000200000010a4000000c000028af000001024000000c"
	       "0100002300000104400000200000010a4000000c000028af000001024000000c0100003100000104400000200000010a40"
	       "00000c000028af000001024000000c0100004b00000104400000200000010a4000000c000028af000001024000000c0100"
	       "000500000104400000200000010a4000000c000007db000001024000000cf5c6f5150000010b0000000c00000000");
	decode("V3 DWR", "01000034800001180000000030fa20a508db4bcd000001084000001048656e7269717565000001284000001048"
			 "656e7269717565");
	decode("V4 Terminal-Information in a message",
	       "0100004c0000000000000000000000000000000000000579c0000038000028af0000057ac000001a000028af33353335383531"
	       "3130303334313700000000057bc000000e000028af30350000");

	printf("== encoding from the dictionary\n");
	diam_enc_init(&e, buf, sizeof(buf));
	diam_enc_group_begin(&e, DA_EXPERIMENTAL_RESULT);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_EXPERIMENTAL_RESULT_CODE, DIAM_ERROR_EQUIPMENT_UNKNOWN);
	diam_enc_group_end(&e);
	expect("Experimental-Result {10415, 5422} (contains V5)", buf, e.len,
	       "00000129400000200000010a4000000c000028af0000012a4000000c0000152e");
	diam_enc_init(&e, buf, sizeof(buf));
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	expect("VSAI {10415, S13} (V6)", buf, e.len,
	       "00000104400000200000010a4000000c000028af000001024000000c01000024");
	diam_enc_init(&e, buf, sizeof(buf));
	diam_enc_u32(&e, DA_EQUIPMENT_STATUS, 0);
	expect("Equipment-Status 0", buf, e.len, "000005a5c0000010000028af00000000");
	diam_enc_init(&e, buf, sizeof(buf));
	diam_enc_group_begin(&e, DA_TERMINAL_INFORMATION);
	diam_enc_cstr(&e, DA_IMEI, "35358511003417");
	diam_enc_cstr(&e, DA_SOFTWARE_VERSION, "05");
	diam_enc_group_end(&e);
	expect("Terminal-Information (V4)", buf, e.len,
	       "00000579c0000038000028af0000057ac000001a000028af3335333538353131303033343137"
	       "00000000057bc000000e000028af30350000");
	{
		static const uint8_t lo[4] = { 127, 0, 0, 1 };

		diam_enc_init(&e, buf, sizeof(buf));
		diam_enc_addr(&e, DA_HOST_IP_ADDRESS, AF_INET, lo);
		expect("Host-IP-Address 127.0.0.1 (length 14, padded)", buf, e.len, "000001014000000e00017f0000010000");
	}
	diam_enc_init(&e, buf, sizeof(buf));
	diam_enc_hdr(&e, 0, DIAM_CMD_DW, 0, 0xabcd, 0xabcd);
	diam_enc_u32(&e, DA_RESULT_CODE, DIAM_SUCCESS);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, "eir.example.org");
	diam_enc_cstr(&e, DA_ORIGIN_REALM, "example.org");
	diam_enc_u32(&e, DA_ORIGIN_STATE_ID, 0x6553f100);
	len = diam_enc_finish(&e);
	expect("C6 DWA", buf, (size_t)len,
	       "0100005800000118000000000000abcd0000abcd0000010c4000000c000007d100000108400000176569722e6578616d706c"
	       "652e6f72670000000128400000136578616d706c652e6f726700000001164000000c6553f100");

	printf("== limits\n");
	diam_enc_init(&e, buf, 30);
	diam_enc_hdr(&e, 0, DIAM_CMD_DW, 0, 1, 1);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, "a-name-that-does-not-fit");
	printf("encoding past the buffer: finish -> %d\n", diam_enc_finish(&e));
	printf("dictionary lookups: 264 -> %s, 1445/10415 -> %s, 1445/0 -> %d, 99999 -> %d\n",
	       diam_dict[diam_dict_lookup(264, 0)].name, diam_dict[diam_dict_lookup(1445, DIAM_VENDOR_3GPP)].name,
	       diam_dict_lookup(1445, 0), diam_dict_lookup(99999, 0));
	{
		/* an AVP whose length runs past its span, and one shorter than its header */
		static const char *bad[] = { "0000010c4000001000000000", "0000010c40000004" };
		unsigned i;

		for (i = 0; i < ARRAY_SIZE(bad); i++) {
			struct diam_avp_iter it;
			struct diam_avp a;
			size_t n = unhex(bad[i], buf, sizeof(buf));

			int rc;

			diam_avp_iter_init(&it, buf, n);
			rc = diam_avp_next(&it, &a);
			printf("malformed AVP %s: next -> %d (code %u)\n", bad[i], rc, a.code);
		}
	}
	return 0;
}
