/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The run planner (src/feed/plan.c, national-feed.md §5): a RUNS text, the run held and our operator id in, the plan
 * (steps, files, the files asked for in order) or the refusal class and message out. The .ok file reads as the
 * specification of which runs a sync applies. */

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/eir/feed.h>

/* What the feed publishes besides RUNS: the files SHA256SUMS lists (NULL: every file of RUNS), and the members of
 * each zip ("zip:member" entries). */
struct feed {
	const char *const *listed;
	const char *const *members;
	void *ctx;
};

static int need(void *arg, const char *file, char *err, size_t errlen)
{
	struct feed *f = arg;
	unsigned i;

	printf("  need %s\n", file);
	if (!f->listed)
		return 0;
	for (i = 0; f->listed[i]; i++) {
		if (!strcmp(f->listed[i], file))
			return 0;
	}
	snprintf(err, errlen, "%s is not listed in SHA256SUMS", file);
	return 5;	/* the caller's code (osmo-eir-sync: SYNC_E_HASH) */
}

static int members(void *arg, const char *zip, const char *const **names, unsigned *n, char *err, size_t errlen)
{
	struct feed *f = arg;
	const char **m = talloc_zero_array(f->ctx, const char *, 16);
	size_t zl = strlen(zip);
	unsigned i;

	*n = 0;
	for (i = 0; f->members && f->members[i] && *n < 16; i++) {
		if (!strncmp(f->members[i], zip, zl) && f->members[i][zl] == ':')
			m[(*n)++] = f->members[i] + zl + 1;
	}
	*names = m;
	return 0;
}

static void plan(const char *what, const char *runs_text, int64_t held, const char *op, const char *const *listed,
		 const char *const *zip_members)
{
	void *ctx = talloc_named_const(NULL, 0, "plan");
	struct feed f = { .listed = listed, .members = zip_members, .ctx = ctx };
	const struct feed_plan_ops ops = { .need = need, .members = members, .arg = &f };
	struct feed_runs runs;
	struct feed_plan p;
	char err[512];
	unsigned i, j;
	int rc;

	printf("case \"%s\": held %" PRId64 ", operator %s\n", what, held, op);
	if (feed_runs_parse(ctx, runs_text, strlen(runs_text), &runs, err, sizeof(err))) {
		printf("  RUNS refused: %s\n", err);
		goto out;
	}
	rc = feed_plan_make(ctx, &runs, held, op, &ops, &p, err, sizeof(err));
	if (rc) {
		printf("  refused (%s", feed_plan_err_name(rc));
		if (rc == FEED_PLAN_E_OPS)
			printf(" %d", p.ops_code);
		printf("): %s\n", err);
		goto out;
	}
	if (p.up_to_date) {
		printf("  up to date\n");
		goto out;
	}
	for (i = 0; i < p.n_runs; i++) {
		const struct feed_plan_run *r = &p.runs[i];

		printf("  step %u: run %" PRId64 " %s (base %" PRId64 ")\n", i + 1, r->run,
		       r->full ? "full lists" : "deltas", r->base);
		for (j = 0; j < r->n_files; j++) {
			const struct feed_plan_file *pf = &r->files[j];

			printf("    %-13s %-5s %-14s %s%s\n", feed_list_names[pf->list], pf->delta ? "delta" : "full",
			       pf->delta ? feed_change_names[pf->change] : "-", pf->name, pf->full_src ? " (full)" : "");
		}
	}
out:
	talloc_free(ctx);
}

#define FULL41 "41 20261120_020000 -1 20261120_020000_blacklist.csv 20261120_020000_notifications_op1.csv " \
	"20261120_020000_exceptions_op1.csv\n"
#define D42 "42 20261121_020000 41 20261121_020000_blacklist_delta_41_42_blocked.csv " \
	"20261121_020000_blacklist_delta_41_42_unblocked.csv 20261121_020000_exceptions_op1_delta_41_42_added.csv\n"
#define D43 "43 20261122_020000 42 20261122_020000_blacklist_delta_42_43_blocked.csv " \
	"20261122_020000_notifications_op1_delta_42_43_new.csv\n"
#define D44 "44 20261123_020000 43 20261123_020000_blacklist_delta_43_44_changed.csv\n"
#define FULL45 "45 20261124_020000 44 20261124_020000_blacklist.csv 20261124_020000_notifications_op1.csv " \
	"20261124_020000_exceptions_op1.csv 20261124_020000_blacklist_delta_44_45_blocked.csv\n"

int main(void)
{
	static const char *const dash1[] = {
		"20261120_020000_blacklist_delta_-1_41_blocked.csv",
		"20261120_020000_blacklist_delta_-1_41_unblocked.csv",
		"20261120_020000_blacklist_delta_-1_41_changed.csv",
		"20261120_020000_notifications_op1_delta_-1_41_new.csv",
		"20261120_020000_notifications_op1_delta_-1_41_resolved.csv",
		"20261120_020000_exceptions_op1_delta_-1_41_added.csv",
		"20261120_020000_exceptions_op1_delta_-1_41_removed.csv",
		NULL
	};
	static const char *const zips[] = {
		"20261122_020000_blacklist.zip:20261122_020000_blacklist.csv",
		"20261122_020000_blacklist.zip:20261122_020000_blacklist_delta_-1_43_blocked.csv",
		"20261122_020000_notifications_op1.zip:20261122_020000_notifications_op1.csv",
		"20261122_020000_notifications_op1.zip:20261122_020000_notifications_op10.csv",
		"20261122_020000_notifications_op1.zip:20261122_020000_exceptions_op1.csv",
		"20261122_020000_exceptions_op10.zip:20261122_020000_exceptions_op1.csv",
		"20261122_020000_exceptions_op10.zip:20261122_020000_exceptions_op10.csv",
		NULL
	};
	static const char *const zips_ok[] = {
		"20261122_020000_blacklist.zip:20261122_020000_blacklist.csv",
		"20261122_020000_blacklist.zip:20261122_020000_blacklist_delta_-1_43_blocked.csv",
		"20261122_020000_notifications_op1.zip:20261122_020000_notifications_op1.csv",
		"20261122_020000_notifications_op1.zip:20261122_020000_notifications_op10.csv",
		"20261122_020000_exceptions_op1.zip:20261122_020000_exceptions_op1.csv",
		"20261122_020000_exceptions_op1.zip:20261122_020000_exceptions_op10.csv",
		"20261122_020000_exceptions_op10.zip:20261122_020000_exceptions_op10.csv",
		NULL
	};
	static const char *const bad_member[] = {
		"20261120_020000_blacklist.zip:../20261120_020000_blacklist.csv",
		NULL
	};
	static const char *const not_listed[] = {
		"20261121_020000_blacklist_delta_41_42_blocked.csv",
		NULL
	};
	char runs[1024];

	/* the first sync, a delta chain, nothing new, a replay */
	plan("first sync: the full lists", FULL41, -1, "op1", NULL, NULL);
	plan("one delta", FULL41 D42, 41, "op1", NULL, NULL);
	plan("a chain of three deltas", FULL41 D42 D43 D44, 41, "op1", NULL, NULL);
	plan("the chain from the middle", FULL41 D42 D43 D44, 43, "op1", NULL, NULL);
	plan("nothing new", FULL41 D42, 42, "op1", NULL, NULL);
	plan("replay: the feed's newest run is older than the run held", FULL41 D42, 43, "op1", NULL, NULL);

	/* no chain: the newest run with full lists on the way, then the later deltas */
	plan("first sync: the full lists of 41, then deltas 42 to 44", FULL41 D42 D43 D44, -1, "op1", NULL, NULL);
	plan("first sync: the newest run has full lists, its deltas are not taken", FULL41 D42 D43 D44 FULL45, -1,
	     "op1", NULL, NULL);
	plan("a chain exists: deltas, not the newest full lists", FULL41 D42 D43 D44 FULL45, 43, "op1", NULL, NULL);
	plan("a run held that is not in RUNS, older than every base: the fallback", FULL41 D42 D43 D44, 40, "op1",
	     NULL, NULL);
	plan("a run held that is not in RUNS (pruned), but the base of the next", D43 D44, 42, "op1", NULL, NULL);
	plan("gap: no chain from the run held and no full lists", D42 D43 D44, 40, "op1", NULL, NULL);
	plan("gap: an empty store and deltas only", D43 D44, -1, "op1", NULL, NULL);

	/* base -1: the adding deltas from nothing are the full lists (DIRBS --no-full-lists) */
	snprintf(runs, sizeof(runs), "41 20261120_020000 -1 %s %s %s %s %s %s %s\n%s", dash1[0], dash1[1], dash1[2],
		 dash1[3], dash1[4], dash1[5], dash1[6], D42);
	plan("base -1 without full lists: the adding deltas are the full lists", runs, -1, "op1", NULL, NULL);
	plan("held 41 of base -1: the delta of 42 only", runs, 41, "op1", NULL, NULL);
	plan("a chain never passes through base -1", runs, 40, "op1", NULL, NULL);
	snprintf(runs, sizeof(runs), "41 20261120_020000 -1 20261120_020000_blacklist.csv "
		 "20261120_020000_notifications_op1.csv 20261120_020000_exceptions_op1.csv %s %s %s\n", dash1[0], dash1[3],
		 dash1[5]);
	plan("base -1 with full lists and deltas: the full list files only", runs, -1, "op1", NULL, NULL);

	/* our operator's lists */
	plan("a run with full lists and none of our files (exit 12)", FULL41, -1, "op2", NULL, NULL);
	plan("operator ids match case-insensitively", FULL41, -1, "OP1", NULL, NULL);
	plan("deltas of another operator are not ours", FULL41 D42, 41, "op2", NULL, NULL);
	plan("a run with full lists, our exceptions missing",
	     "41 20261120_020000 -1 20261120_020000_blacklist.csv 20261120_020000_notifications_op1.csv\n", -1, "op1",
	     NULL, NULL);

	/* zips: our files found by their member names in any zip of their list */
	plan("zips: our members, not op10's",
	     "43 20261122_020000 -1 20261122_020000_blacklist.zip 20261122_020000_notifications_op1.zip "
	     "20261122_020000_exceptions_op1.zip 20261122_020000_exceptions_op10.zip\n", -1, "op1", NULL, zips_ok);
	plan("a zip member of another list",
	     "43 20261122_020000 -1 20261122_020000_blacklist.zip 20261122_020000_notifications_op1.zip "
	     "20261122_020000_exceptions_op10.zip\n", -1, "op1", NULL, zips);
	plan("a zip member name with ..",
	     "41 20261120_020000 -1 20261120_020000_blacklist.zip\n", -1, "op1", NULL, bad_member);
	plan("one list file in a zip and plain",
	     "43 20261122_020000 -1 20261122_020000_blacklist.zip 20261122_020000_blacklist.csv\n", -1, "op1", NULL,
	     zips_ok);

	/* the files themselves */
	plan("a file the plan takes, not listed in SHA256SUMS: the callback's refusal", FULL41 D42, 41, "op1",
	     not_listed, NULL);
	plan("a malformed list file name of ours", "41 20261120_020000 -1 20261120_020000_blacklist_x.csv\n", -1,
	     "op1", NULL, NULL);
	plan("a file not dated as its run", "41 20261120_020000 -1 20261120_030000_blacklist.csv\n", -1, "op1", NULL,
	     NULL);
	plan("a delta of another run", FULL41 "42 20261121_020000 41 20261121_020000_blacklist_delta_40_42_blocked.csv\n",
	     41, "op1", NULL, NULL);
	plan("RUNS with no run", "", -1, "op1", NULL, NULL);
	return 0;
}
