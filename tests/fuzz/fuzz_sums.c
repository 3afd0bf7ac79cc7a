/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the national feed's SHA256SUMS index (feed_sums_parse()), as osmo-eir-sync reads it before it
 * trusts any list file. A parsed index has safe names, finds each of them, and written out again in the same form
 * parses to the same entries. Kept thin, like fuzz_runs.c. */

#include <string.h>

#include <talloc.h>

#include <osmocom/eir/feed.h>
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_named_const(NULL, 0, "fuzz_sums");
	struct feed_sums sums, again;
	char err[256] = "", hex[65], *text;
	unsigned i;

	if (feed_sums_parse(ctx, (const char *)data, size, &sums, err, sizeof(err)) == 0) {
		text = talloc_strdup(ctx, "");
		for (i = 0; i < sums.n; i++) {
			FUZZ_ASSERT(feed_file_name_safe(sums.e[i].name));
			FUZZ_ASSERT(feed_sums_get(&sums, sums.e[i].name));
			text = talloc_asprintf_append(text, "%s  %s\n", feed_hex(hex, sums.e[i].sha), sums.e[i].name);
		}
		FUZZ_ASSERT(feed_sums_parse(ctx, text, strlen(text), &again, err, sizeof(err)) == 0);
		FUZZ_ASSERT(again.n == sums.n);
		for (i = 0; i < sums.n; i++)
			FUZZ_ASSERT(!strcmp(again.e[i].name, sums.e[i].name) &&
				    !memcmp(again.e[i].sha, sums.e[i].sha, 32));
	} else {
		FUZZ_ASSERT(err[0] || !size);
	}
	talloc_free(ctx);
	return 0;
}
