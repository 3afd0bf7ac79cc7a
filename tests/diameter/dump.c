/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Printing Diameter messages for the unit tests' .ok files: each AVP by its dictionary name, groups indented. */

#include <stdio.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/diameter/msg.h>
#include "dump.h"

void dump_avps(const uint8_t *data, size_t len, int depth)
{
	struct diam_avp_iter it;
	struct diam_avp a;
	int rc;

	diam_avp_iter_init(&it, data, len);
	while ((rc = diam_avp_next(&it, &a)) > 0) {
		const char *name = a.id >= 0 ? diam_dict[a.id].name : "?";

		printf("%*s%s (%u, vendor %u) flags 0x%02x len %u", depth * 2, "", name, a.code, a.vendor, a.flags,
		       a.len);
		if (a.id >= 0 && diam_dict[a.id].type == DIAM_T_GROUPED) {
			printf("\n");
			dump_avps(a.data, a.len, depth + 1);
			continue;
		}
		if (a.id >= 0 && (diam_dict[a.id].type == DIAM_T_U32 || diam_dict[a.id].type == DIAM_T_ENUM))
			printf(" = %u%s", diam_avp_u32(&a), diam_avp_len_ok(&a) ? "" : " (bad length)");
		else if (a.id >= 0 && (diam_dict[a.id].type == DIAM_T_UTF8 || diam_dict[a.id].type == DIAM_T_IDENT))
			printf(" = \"%.*s\"", (int)a.len, a.data);
		else
			printf(" = %s", osmo_hexdump_nospc(a.data, a.len));
		printf("\n");
	}
	if (rc < 0)
		printf("%*smalformed AVP (code %u)\n", depth * 2, "", a.code);
}

/*! The header, every AVP, and the bytes in hex (64 digits a line). */
void dump_msg(const uint8_t *msg, size_t len)
{
	struct diam_hdr h;
	size_t i;

	diam_hdr_parse(msg, &h);
	printf("  answer %zu bytes: version %u, length %u, flags 0x%02x, cmd %u, app %u, hbh 0x%x, e2e 0x%x\n", len,
	       h.version, h.len, h.flags, h.cmd, h.app, h.hbh, h.e2e);
	dump_avps(msg + DIAM_HDR_LEN, len - DIAM_HDR_LEN, 2);
	for (i = 0; i < len; i += 32)
		printf("  | %s\n", osmo_hexdump_nospc(msg + i, len - i < 32 ? len - i : 32));
}
