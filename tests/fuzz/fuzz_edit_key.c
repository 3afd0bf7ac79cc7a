/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the key of a list edit, eir_edit_key(), which parses the IMEIs, ranges, TACs and IMSIs that the VTY,
 * CTRL and osmo-eir-db are given. Input: one byte for the kind ("irtp"; upper case: a lookup, which takes a wrong
 * check digit), then the first argument, a space, and the second. A parsed key must describe itself in words that
 * parse back to the same key. */

#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/imei.h>

#include "fuzz.h"

static const char kinds[] = "irtp";

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct eir_edit ed, ed2;
	char buf[160], err[256], desc[128], *a, *b, *sp, *w[3];
	const char *k;
	int c, i;

	if (size < 1 || size >= sizeof(buf))
		return 0;
	c = data[0];
	memcpy(buf, data + 1, size - 1);
	buf[size - 1] = '\0';
	a = buf;
	sp = strchr(buf, ' ');
	b = sp ? sp + 1 : NULL;
	if (sp)
		*sp = '\0';

	memset(&ed, 0, sizeof(ed));
	k = c ? strchr(kinds, c | 0x20) : NULL;
	ed.lookup = c >= 'A' && c <= 'Z';
	err[0] = '\0';
	if (eir_edit_key(&ed, k ? (enum eir_edit_kind)(k - kinds) : EIR_EDIT_IMEI, a, b, err, sizeof(err))) {
		FUZZ_ASSERT(err[0] && strlen(err) < sizeof(err));
		return 0;
	}
	FUZZ_ASSERT(ed.e.imei <= EIR_IMEI_MAX && ed.e.last <= EIR_IMEI_MAX && ed.e.imei <= ed.e.last);
	switch (ed.kind) {
	case EIR_EDIT_TAC:
		FUZZ_ASSERT(ed.e.imei % 1000000 == 0 && ed.e.last == ed.e.imei + 999999);
		break;
	case EIR_EDIT_RANGE:
		break;
	default:
		FUZZ_ASSERT(ed.e.last == ed.e.imei);
		break;
	}
	/* an edit never takes a 15th digit that is neither the check digit nor the spare 0 */
	if (!ed.lookup && ed.kind != EIR_EDIT_TAC) {
		for (i = 0; i < 2; i++) {
			const char *s = i ? b : a;
			struct eir_imei im;

			if (s && (i == 0 || ed.kind == EIR_EDIT_RANGE) && !eir_imei_parse(s, &im, NULL))
				FUZZ_ASSERT(im.status != EIR_IMEI_LUHN_MISMATCH);
		}
	}

	/* "imei K", "range F..L", "tac T", "pair K IMSI": the same key again from those words */
	eir_edit_describe(desc, sizeof(desc), &ed);
	w[0] = strtok(desc, " ");
	w[1] = strtok(NULL, " ");
	w[2] = strtok(NULL, " ");
	FUZZ_ASSERT(w[0] && w[1] && !strcmp(w[0], get_value_string(eir_edit_kind_names, ed.kind)));
	if (ed.kind == EIR_EDIT_RANGE) {
		char *dots = strstr(w[1], "..");

		FUZZ_ASSERT(dots);
		*dots = '\0';
		w[2] = dots + 2;
	}
	memset(&ed2, 0, sizeof(ed2));
	FUZZ_ASSERT(eir_edit_key(&ed2, ed.kind, w[1], w[2], err, sizeof(err)) == 0);
	FUZZ_ASSERT(ed2.e.imei == ed.e.imei && ed2.e.last == ed.e.last);
	if (ed.kind == EIR_EDIT_PAIR)
		FUZZ_ASSERT(!memcmp(ed2.e.imsi, ed.e.imsi, sizeof(ed.e.imsi)));
	return 0;
}
