/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the national feed's RUNS manifest (feed_runs_parse()) and the list file names in it
 * (feed_name_parse()), as osmo-eir-sync reads them from the publisher. A parsed manifest is in run order with
 * safe file names; a parsed name is made again by feed_name_make() and parses back to the same. Kept thin: the
 * calls into the feed library (include/osmocom/eir/feed.h) are the lines below, so a changed signature is a one-line
 * change here. */

#include <string.h>

#include <talloc.h>

#include <osmocom/eir/feed.h>
#include "fuzz.h"

static const char *const ops[] = { "operator_1", "op1" };

static void check_name(const char *name, const char *op)
{
	struct feed_name n, n2;
	char buf[512];
	int rc;

	rc = feed_name_parse(name, op, &n);
	FUZZ_ASSERT(rc == 0 || rc < 0);
	if (rc)
		return;
	FUZZ_ASSERT(n.list < _FEED_LIST_COUNT && feed_date_valid(n.date));
	if (n.delta)
		FUZZ_ASSERT(n.change < _FEED_CHANGE_COUNT && feed_change_valid(n.list, n.change) && n.run > n.base);
	FUZZ_ASSERT(feed_name_make(buf, sizeof(buf), &n, op) < (int)sizeof(buf));
	FUZZ_ASSERT(feed_name_parse(buf, op, &n2) == 0);
	FUZZ_ASSERT(n2.list == n.list && n2.zip == n.zip && n2.delta == n.delta && !strcmp(n2.date, n.date));
	if (n.delta)
		FUZZ_ASSERT(n2.base == n.base && n2.run == n.run && n2.change == n.change);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_named_const(NULL, 0, "fuzz_runs");
	struct feed_runs runs;
	char err[256] = "";
	unsigned i, j, o;

	if (feed_runs_parse(ctx, (const char *)data, size, &runs, err, sizeof(err)) == 0) {
		for (i = 0; i < runs.n; i++) {
			const struct feed_run *r = &runs.r[i];

			FUZZ_ASSERT(r->run >= 0 && r->base >= -1 && r->base < r->run && r->n_files >= 1);
			FUZZ_ASSERT(!i || runs.r[i - 1].run < r->run);
			FUZZ_ASSERT(feed_runs_find(&runs, r->run) == r);
			for (j = 0; j < r->n_files; j++) {
				FUZZ_ASSERT(feed_file_name_safe(r->files[j]));
				for (o = 0; o < sizeof(ops) / sizeof(ops[0]); o++)
					check_name(r->files[j], ops[o]);
			}
		}
	} else {
		FUZZ_ASSERT(err[0] || !size);
	}
	talloc_free(ctx);
	return 0;
}
