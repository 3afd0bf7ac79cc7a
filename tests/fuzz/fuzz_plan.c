/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the run planner (feed_plan_make(), src/feed/plan.c) over a RUNS text, a run held and an operator id.
 * A plan names only runs and files of RUNS (members only of their zips), is a contiguous chain from the run held or
 * from full lists to the newest run; a refusal has a class and a message. */

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>

#include <osmocom/eir/feed.h>
#include "fuzz.h"

#define OPS_CODE 42	/* what need() returns for a file not "listed" */
#define MAX_MEMBERS 64

/* Input: "<held> <operator>\n", the RUNS text, then optionally a line "--" followed by lines "<zip> <member>" (the
 * members of the zips) and "!<file>" (a file need() refuses, as if not listed in SHA256SUMS). */
struct input {
	const struct feed_runs *runs;
	char *zip[MAX_MEMBERS], *member[MAX_MEMBERS], *refused[MAX_MEMBERS];
	unsigned n_members, n_refused;
};

static bool in_runs(const struct feed_runs *runs, const char *file)
{
	unsigned i, j;

	for (i = 0; i < runs->n; i++) {
		for (j = 0; j < runs->r[i].n_files; j++) {
			if (!strcmp(runs->r[i].files[j], file))
				return true;
		}
	}
	return false;
}

static int need(void *arg, const char *file, char *err, size_t errlen)
{
	struct input *in = arg;
	unsigned i;

	FUZZ_ASSERT(in_runs(in->runs, file));
	for (i = 0; i < in->n_refused; i++) {
		if (!strcmp(in->refused[i], file)) {
			snprintf(err, errlen, "%s is not listed", file);
			return OPS_CODE;
		}
	}
	return 0;
}

static int members(void *arg, const char *zip, const char *const **names, unsigned *n, char *err, size_t errlen)
{
	static const char *m[MAX_MEMBERS];
	struct input *in = arg;
	unsigned i;

	FUZZ_ASSERT(in_runs(in->runs, zip));
	*n = 0;
	for (i = 0; i < in->n_members; i++) {
		if (!strcmp(in->zip[i], zip))
			m[(*n)++] = in->member[i];
	}
	*names = m;
	return 0;
}

static bool is_member(const struct input *in, const char *zip, const char *member)
{
	unsigned i;

	for (i = 0; i < in->n_members; i++) {
		if (!strcmp(in->zip[i], zip) && !strcmp(in->member[i], member))
			return true;
	}
	return false;
}

static bool run_has(const struct feed_run *r, const char *file)
{
	unsigned j;

	for (j = 0; j < r->n_files; j++) {
		if (!strcmp(r->files[j], file))
			return true;
	}
	return false;
}

static void check_plan(const struct input *in, const struct feed_plan *p, int64_t held, const char *op)
{
	const struct feed_run *newest = &in->runs->r[in->runs->n - 1];
	unsigned i, j;

	if (p->up_to_date) {
		FUZZ_ASSERT(newest->run == held && p->n_runs == 0);
		return;
	}
	FUZZ_ASSERT(newest->run > held && p->n_runs >= 1 && p->n_runs <= in->runs->n);
	FUZZ_ASSERT(p->runs[p->n_runs - 1].run == newest->run);
	/* from the run held, or from full lists (with our notifications and exceptions) */
	FUZZ_ASSERT(p->runs[0].full || (held >= 0 && p->runs[0].base == held));
	if (p->runs[0].full) {
		FUZZ_ASSERT(feed_plan_run_has_full(&p->runs[0], FEED_BLACK));
		FUZZ_ASSERT(feed_plan_run_has_full(&p->runs[0], FEED_NOTIF));
		FUZZ_ASSERT(feed_plan_run_has_full(&p->runs[0], FEED_EXC));
	}
	for (i = 0; i < p->n_runs; i++) {
		const struct feed_plan_run *pr = &p->runs[i];
		const struct feed_run *r = feed_runs_find(in->runs, pr->run);

		FUZZ_ASSERT(r && r->base == pr->base && !strcmp(r->date, pr->date));
		/* contiguous: each later step is the deltas of the run after the one before */
		if (i)
			FUZZ_ASSERT(!pr->full && pr->base == p->runs[i - 1].run);
		for (j = 0; j < pr->n_files; j++) {
			const struct feed_plan_file *pf = &pr->files[j];
			struct feed_name fn;

			FUZZ_ASSERT(run_has(r, pf->file));
			FUZZ_ASSERT(!pf->member || is_member(in, pf->file, pf->member));
			FUZZ_ASSERT(feed_name_parse(pf->member ? pf->member : pf->file, op, &fn) == 0);
			FUZZ_ASSERT(!fn.zip && fn.list == pf->list && fn.delta == pf->delta && !strcmp(fn.date, r->date));
			if (fn.delta)
				FUZZ_ASSERT(fn.change == pf->change && fn.base == r->base && fn.run == r->run);
			/* a delta step takes deltas only; a full step its full lists, or adding deltas from nothing */
			if (!pr->full)
				FUZZ_ASSERT(pf->delta && !pf->full_src);
			else
				FUZZ_ASSERT(pf->full_src && (!pf->delta || (r->base == -1 &&
									   !feed_change_removes(pf->change))));
		}
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	void *ctx = talloc_named_const(NULL, 0, "fuzz_plan");
	char *text = talloc_strndup(ctx, (const char *)data, size), *nl, *runs_text, *extra = NULL, *line, *save = NULL;
	struct input in = { 0 };
	struct feed_runs runs;
	struct feed_plan p;
	const struct feed_plan_ops ops = { .need = need, .members = members, .arg = &in };
	char err[512], op[64] = "";
	long long held = -1;
	int rc;

	nl = strchr(text, '\n');
	if (!nl || sscanf(text, "%lld %63s", &held, op) != 2 || held < -1 || !op[0])
		goto out;
	runs_text = nl + 1;
	extra = strstr(runs_text, "\n--\n");
	if (extra) {
		extra[1] = '\0';
		extra += 4;
		for (line = strtok_r(extra, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
			char *sp = strchr(line, ' ');

			if (line[0] == '!' && in.n_refused < MAX_MEMBERS) {
				in.refused[in.n_refused++] = line + 1;
			} else if (sp && in.n_members < MAX_MEMBERS) {
				*sp = '\0';
				in.zip[in.n_members] = line;
				in.member[in.n_members++] = sp + 1;
			}
		}
	}
	if (feed_runs_parse(ctx, runs_text, strlen(runs_text), &runs, err, sizeof(err)))
		goto out;
	in.runs = &runs;
	rc = feed_plan_make(ctx, &runs, held, op, &ops, &p, err, sizeof(err));
	FUZZ_ASSERT(rc >= FEED_PLAN_OK && rc <= FEED_PLAN_E_OPS);
	if (rc) {
		/* a refusal: its class and message, no plan */
		FUZZ_ASSERT(err[0] && p.n_runs == 0 && !p.up_to_date);
		FUZZ_ASSERT(rc != FEED_PLAN_E_OPS || p.ops_code == OPS_CODE);
		FUZZ_ASSERT(rc != FEED_PLAN_E_REPLAY || (runs.n && runs.r[runs.n - 1].run < held));
		FUZZ_ASSERT(strcmp(feed_plan_err_name(rc), "?"));
	} else {
		check_plan(&in, &p, held, op);
	}
out:
	talloc_free(ctx);
	return 0;
}
