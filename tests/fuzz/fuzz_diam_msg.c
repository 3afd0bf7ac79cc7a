/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the Diameter message and AVP decoder (src/diameter/msg.c): the input as a whole message (its header
 * parsed, its AVPs walked to the depth of the groups the dictionary knows) and as a bare AVP span. Every decoded
 * AVP lies inside its span, its payload inside itself; a known AVP is the dictionary's (code, vendor); encoded
 * again from its fields (diam_enc_avp_hdr()) an AVP gives its own bytes, and a header its own. */

#include <string.h>

#include <osmocom/eir/diameter/msg.h>
#include "fuzz.h"

static uint8_t enc[65536 + 64];

static void walk(const uint8_t *span, size_t len, unsigned depth)
{
	struct diam_avp_iter it;
	struct diam_avp a, f;
	struct diam_enc e;
	int rc;

	diam_avp_iter_init(&it, span, len);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		uint32_t hlen = (a.flags & DIAM_AVP_V) ? 12 : 8;

		FUZZ_ASSERT(a.raw >= span && a.raw_len >= hlen && a.raw + a.raw_len <= span + len);
		FUZZ_ASSERT(a.data == a.raw + hlen && a.len + hlen == a.raw_len);
		FUZZ_ASSERT(it.p > a.raw && it.p <= span + len);
		if (a.id >= 0)
			FUZZ_ASSERT(diam_dict[a.id].code == a.code && diam_dict[a.id].vendor == a.vendor);
		else
			FUZZ_ASSERT(diam_dict_lookup(a.code, a.vendor) < 0);
		(void)diam_avp_len_ok(&a);
		(void)diam_avp_u32(&a);
		/* the AVP made again from what was decoded: the same bytes, then zero padding */
		diam_enc_init(&e, enc, sizeof(enc));
		diam_enc_avp_hdr(&e, a.code, a.flags, a.vendor, a.data, a.len);
		FUZZ_ASSERT(!e.overflow && e.len == ((a.raw_len + 3) & ~3u) && !memcmp(enc, a.raw, a.raw_len));
		if (a.id >= 0 && diam_dict[a.id].type == DIAM_T_GROUPED && depth < 4)
			walk(a.data, a.len, depth + 1);
	}
	if (rc < 0)
		FUZZ_ASSERT(a.raw >= span && a.raw + a.raw_len <= span + len && it.p == span + len);
	/* the first AVP of each known kind in the span: found where the walk finds it */
	if (len && diam_avp_find(span, len, DA_SESSION_ID, &f) > 0)
		FUZZ_ASSERT(f.id == DA_SESSION_ID && f.raw >= span && f.raw + f.raw_len <= span + len);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct diam_hdr h;
	struct diam_enc e;

	walk(data, size, 0);
	if (size < DIAM_HDR_LEN)
		return 0;
	diam_hdr_parse(data, &h);
	FUZZ_ASSERT(h.len < (1u << 24) && h.cmd < (1u << 24));
	diam_enc_init(&e, enc, sizeof(enc));
	diam_enc_hdr(&e, h.flags, h.cmd, h.app, h.hbh, h.e2e);
	FUZZ_ASSERT(e.len == DIAM_HDR_LEN && enc[0] == DIAM_VERSION && !memcmp(enc + 4, data + 4, DIAM_HDR_LEN - 4));
	/* as the transport hands a message over: only its own length, at most what is there */
	if (h.len >= DIAM_HDR_LEN && h.len <= size)
		walk(data + DIAM_HDR_LEN, h.len - DIAM_HDR_LEN, 0);
	return 0;
}
