/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: IMEI, TAC and IMSI parsing (src/core/imei.c), as the wire, the files and the operators give them.
 * Checks what a parse promises: a key of at most 14 digits, the check digit status, and exact round trips. */

#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/imei.h>

#include "fuzz.h"

static void check_imei(const char *s, size_t len)
{
	struct eir_imei im, im2;
	const char *why = NULL;
	char buf[32];
	char z[64];
	int rc;

	rc = eir_imei_parse_n(s, len, &im, &why);
	if (rc) {
		FUZZ_ASSERT(rc < 0 && why && why[0]);
		return;
	}
	FUZZ_ASSERT(len >= 14 && len <= 16);
	FUZZ_ASSERT(im.key <= EIR_IMEI_MAX);
	FUZZ_ASSERT(im.sv == -1 || (len == 16 && im.sv >= 0 && im.sv <= 99));
	FUZZ_ASSERT(im.luhn == osmo_luhn(s, 14));
	if (len == 15)
		FUZZ_ASSERT((im.status == EIR_IMEI_OK) == (s[14] == im.luhn));
	else
		FUZZ_ASSERT(im.status == EIR_IMEI_OK);
	FUZZ_ASSERT(strcmp(eir_imei_status_name(im.status), "?"));

	/* the 14- and 15-digit forms parse back to the same key, cleanly */
	FUZZ_ASSERT(!strncmp(eir_imei_str(buf, sizeof(buf), im.key), s, 14));
	FUZZ_ASSERT(eir_imei_parse(buf, &im2, NULL) == 0 && im2.key == im.key && im2.status == EIR_IMEI_OK);
	eir_imei15_str(buf, sizeof(buf), im.key);
	FUZZ_ASSERT(strlen(buf) == 15);
	FUZZ_ASSERT(eir_imei_parse(buf, &im2, NULL) == 0 && im2.key == im.key && im2.status == EIR_IMEI_OK);
	FUZZ_ASSERT(eir_imei_tac(im.key) <= 99999999);

	/* the NUL-terminated entry point agrees */
	memcpy(z, s, len);
	z[len] = '\0';
	FUZZ_ASSERT(eir_imei_parse(z, &im2, NULL) == 0 && !memcmp(&im, &im2, sizeof(im)));
}

static void check_imsi(const char *s, size_t len)
{
	uint8_t packed[8];
	const char *why = NULL;
	char buf[20];

	if (eir_imsi_pack_n(s, len, packed, &why)) {
		FUZZ_ASSERT(why && why[0]);
		return;
	}
	FUZZ_ASSERT(len >= 5 && len <= 15);
	eir_imsi_unpack(buf, sizeof(buf), packed);
	FUZZ_ASSERT(strlen(buf) == len && !memcmp(buf, s, len));
}

static void check_tac(const char *s, size_t len)
{
	char z[64];
	uint32_t tac = 0;
	const char *why = NULL;

	memcpy(z, s, len);
	z[len] = '\0';
	if (eir_tac_parse(z, &tac, &why)) {
		FUZZ_ASSERT(why && why[0]);
		return;
	}
	FUZZ_ASSERT(strlen(z) == 8 && tac <= 99999999);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *s = (const char *)data;

	/* the parsers take at most a handful of digits: longer inputs only test the length check */
	if (size > 40)
		return 0;
	check_imei(s, size);
	check_imsi(s, size);
	check_tac(s, size);
	return 0;
}
