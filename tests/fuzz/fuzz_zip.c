/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: a run's zips (src/feed/zip.c, libzip) as osmo-eir-sync and osmo-eir-feed open them: the input is
 * the zip file. Opened strictly or refused with a message; each named member is found by its name and reads as
 * CSV to its end or to an error (at most 64 KiB of rows per member: a zip bomb is the sync's size limit's business,
 * not the reader's); nothing leaks. */

#include <errno.h>
#include <string.h>

#include <talloc.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/feed.h>
#include "fuzz.h"

#define MAX_MEMBERS 8
#define MAX_ROWS 4096

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_named_const(NULL, 0, "fuzz_zip");
	const char *const *names;
	struct feed_zip *z;
	char err[512] = "";
	unsigned n, i, rows;

	z = feed_zip_open_mem(ctx, data, size, "in.zip", err, sizeof(err));
	if (!z) {
		FUZZ_ASSERT(!strncmp(err, "in.zip: not a readable zip file", 31));
		goto out;
	}
	FUZZ_ASSERT(feed_zip_members(z, ctx, &names, &n) == 0);
	for (i = 0; i < n && i < MAX_MEMBERS; i++) {
		struct eir_csv *csv;
		struct eir_csv_row row;
		int rc;

		if (!names[i])
			continue;
		FUZZ_ASSERT(feed_zip_has(z, names[i]));
		err[0] = '\0';
		csv = feed_zip_csv(z, names[i], err, sizeof(err));
		if (!csv) {
			FUZZ_ASSERT(!strncmp(err, "in.zip: ", 8));
			continue;
		}
		for (rows = 0; rows < MAX_ROWS && (rc = eir_csv_next(csv, &row)) != 0; rows++) {
			if (rc < 0)
				FUZZ_ASSERT(eir_csv_error(csv)[0]);
			if (rc == -EIO)
				break;	/* a read error (a broken deflate stream) is final */
		}
		eir_csv_free(csv);
	}
out:
	talloc_free(ctx);
	return 0;
}
