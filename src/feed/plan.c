/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The run planner (national-feed.md §5): from RUNS, the run held and our operator id, which runs to apply and which
 * of their files: the delta chain from the run held, or the newest run with full lists and the later deltas. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/feed.h>

struct planner {
	void *ctx;
	const char *op;
	const struct feed_plan_ops *ops;
	struct feed_plan *out;
	char *err;
	size_t errlen;
};

static int refuse(struct planner *p, enum feed_plan_err code, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int refuse(struct planner *p, enum feed_plan_err code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(p->err, p->errlen, fmt, ap);
	va_end(ap);
	return code;
}

/* A callback's refusal: its own code kept for the caller, its message already in err. */
static int ops_refused(struct planner *p, int code)
{
	p->out->ops_code = code;
	return FEED_PLAN_E_OPS;
}

static int add_file(struct planner *p, struct feed_plan_run *pr, const struct feed_name *fn, const char *name,
		    const char *member)
{
	const char *fname = member ? member : name;
	struct feed_plan_file *pf;
	unsigned i;

	/* one list file in two places (two zips, or a zip and a plain file) would be applied twice */
	for (i = 0; i < pr->n_files; i++) {
		const struct feed_plan_file *o = &pr->files[i];

		if (!strcmp(o->member ? o->member : o->name, fname))
			return refuse(p, FEED_PLAN_E_FORMAT, "run %" PRId64 ": %s and %s are the same list file", pr->run,
				      o->name, member ? talloc_asprintf(p->ctx, "%s:%s", name, member) : name);
	}
	pr->files = talloc_realloc(p->ctx, pr->files, struct feed_plan_file, pr->n_files + 1);
	OSMO_ASSERT(pr->files);
	pf = &pr->files[pr->n_files++];
	memset(pf, 0, sizeof(*pf));
	pf->list = fn->list;
	pf->delta = fn->delta;
	pf->full_src = !fn->delta;
	pf->change = fn->change;
	pf->file = talloc_strdup(p->ctx, name);
	pf->member = member ? talloc_strdup(p->ctx, member) : NULL;
	pf->name = member ? talloc_asprintf(p->ctx, "%s:%s", name, member) : talloc_strdup(p->ctx, name);
	return 0;
}

/* A list file name in run r: ours and consistent with the run, or not ours. \returns 0, -ENOENT (not ours), or a
 * refusal */
static int check_name(struct planner *p, const struct feed_run *r, const char *name, struct feed_name *fn)
{
	int rc = feed_name_parse(name, p->op, fn);

	if (rc == -ENOENT)
		return -ENOENT;
	if (rc)
		return refuse(p, FEED_PLAN_E_FORMAT, "run %" PRId64 ": malformed list file name '%s'", r->run, name);
	if (strcmp(fn->date, r->date))
		return refuse(p, FEED_PLAN_E_FORMAT, "run %" PRId64 ": file '%s' is not dated %s", r->run, name,
			      r->date);
	if (fn->delta && (fn->run != r->run || fn->base != r->base))
		return refuse(p, FEED_PLAN_E_FORMAT, "run %" PRId64 " (base %" PRId64 "): delta file '%s' is for "
			      "another run", r->run, r->base, name);
	return 0;
}

/* Does a file of run r belong in this step: its full lists (full), or its deltas? A run from nothing (base -1)
 * offers its adding deltas as full lists too: DIRBS's first run, or any run with --no-full-lists, has no other. */
static bool wanted(const struct feed_run *r, const struct feed_name *fn, bool full)
{
	if (!full)
		return fn->delta;
	return !fn->delta || (r->base == -1 && !feed_change_removes(fn->change));
}

/* In a run applied from its full lists, per list: its full list file when it has one, else its deltas from nothing
 * (the same rows: DIRBS writes both unless told --no-full-lists). */
static void keep_full_sources(struct feed_plan_run *pr)
{
	bool has_full[_FEED_LIST_COUNT] = { false };
	unsigned i, n;

	for (i = 0; i < pr->n_files; i++)
		has_full[pr->files[i].list] |= !pr->files[i].delta;
	for (i = n = 0; i < pr->n_files; i++) {
		if (has_full[pr->files[i].list] && pr->files[i].delta)
			continue;
		pr->files[n] = pr->files[i];
		pr->files[n++].full_src = true;
	}
	pr->n_files = n;
}

/* The members of one of our zips: each ours and of the zip's list, or not ours. */
static int zip_members(struct planner *p, const struct feed_run *r, const char *name, const struct feed_name *fn,
		       bool full, struct feed_plan_run *pr)
{
	const char *const *m;
	struct feed_name mn;
	unsigned n, j;
	int rc;

	rc = p->ops->members(p->ops->arg, name, &m, &n, p->err, p->errlen);
	if (rc)
		return ops_refused(p, rc);
	for (j = 0; j < n; j++) {
		if (!m[j] || !feed_file_name_safe(m[j]))
			return refuse(p, FEED_PLAN_E_FORMAT, "%s: member name refused", name);
		rc = check_name(p, r, m[j], &mn);
		if (rc == -ENOENT)
			continue;
		if (rc)
			return rc;
		if (mn.zip || mn.list != fn->list)
			return refuse(p, FEED_PLAN_E_FORMAT, "%s: member '%s' does not belong in it", name, m[j]);
		if (wanted(r, &mn, full)) {
			rc = add_file(p, pr, &mn, name, m[j]);
			if (rc)
				return rc;
		}
	}
	return 0;
}

/* What a run contributes to one step: its full lists (full) or its deltas, plain or inside its zips. Our files are
 * found by their member names in every zip of their list that may hold them (feed_name_parse()). */
static int plan_run(struct planner *p, const struct feed_run *r, bool full, struct feed_plan_run *pr)
{
	struct feed_name fn;
	unsigned i;
	int rc;

	memset(pr, 0, sizeof(*pr));
	pr->run = r->run;
	pr->base = r->base;
	memcpy(pr->date, r->date, sizeof(pr->date));
	pr->full = full;
	for (i = 0; i < r->n_files; i++) {
		const char *name = r->files[i];

		rc = check_name(p, r, name, &fn);
		if (rc == -ENOENT)
			continue;
		if (rc)
			return rc;
		if (!fn.zip && !wanted(r, &fn, full))
			continue;
		rc = p->ops->need(p->ops->arg, name, p->err, p->errlen);
		if (rc)
			return ops_refused(p, rc);
		rc = fn.zip ? zip_members(p, r, name, &fn, full, pr) : add_file(p, pr, &fn, name, NULL);
		if (rc)
			return rc;
	}
	if (full)
		keep_full_sources(pr);
	return 0;
}

/*! Does this step of a plan hold (part of) the full list l? */
bool feed_plan_run_has_full(const struct feed_plan_run *pr, enum feed_list l)
{
	unsigned i;

	for (i = 0; i < pr->n_files; i++) {
		if (pr->files[i].list == l && pr->files[i].full_src)
			return true;
	}
	return false;
}

/*! Plan a sync (national-feed.md §5): the delta chain from the run held to the newest run of RUNS, or where there is
 *  none the newest run on the way that has full lists, then the deltas of the later runs. Pure but for ops: need()
 *  is told each file the plan takes (a zip before its members() are asked), in the order the plan takes them, and
 *  may refuse it (the caller fetches and checks it there).
 *  \param[in] ctx talloc context of the plan
 *  \param[in] runs the parsed RUNS
 *  \param[in] held the run the store holds of this feed, -1: none
 *  \param[in] op our operator id
 *  \param[out] out the plan: up_to_date, or n_runs steps (the first one full, or a delta from held)
 *  \returns FEED_PLAN_OK, or a refusal class with err saying why (FEED_PLAN_E_OPS: a callback's, out->ops_code) */
int feed_plan_make(void *ctx, const struct feed_runs *runs, int64_t held, const char *op,
		   const struct feed_plan_ops *ops, struct feed_plan *out, char *err, size_t errlen)
{
	struct planner p = { .ctx = ctx, .op = op, .ops = ops, .out = out, .err = err, .errlen = errlen };
	const struct feed_run *newest, *r, **path = NULL;
	unsigned n_path = 0, k, i;
	enum feed_list l;
	int rc;

	memset(out, 0, sizeof(*out));
	if (errlen)
		err[0] = '\0';
	if (!runs->n)
		return refuse(&p, FEED_PLAN_E_FORMAT, "RUNS lists no run");
	newest = &runs->r[runs->n - 1];
	if (newest->run < held)
		return refuse(&p, FEED_PLAN_E_REPLAY, "the feed's newest run %" PRId64 " (%s) is older than run %" PRId64
			      " held: a replayed old index must not unblock phones", newest->run, newest->date, held);
	if (newest->run == held) {
		out->up_to_date = true;
		return FEED_PLAN_OK;
	}

	/* the path from the newest run back along its bases (each base is older than its run: it ends) */
	for (r = newest; r; r = r->base >= 0 ? feed_runs_find(runs, r->base) : NULL) {
		path = talloc_realloc(ctx, path, const struct feed_run *, n_path + 1);
		OSMO_ASSERT(path);
		path[n_path++] = r;
		if (held >= 0 && r->base == held)
			break;
	}
	out->runs = talloc_zero_array(ctx, struct feed_plan_run, n_path);
	OSMO_ASSERT(out->runs);
	if (held >= 0 && path[n_path - 1]->base == held) {
		/* the delta chain from the run held */
		for (k = n_path; k-- > 0;) {
			rc = plan_run(&p, path[k], false, &out->runs[out->n_runs++]);
			if (rc)
				goto fail;
		}
		rc = FEED_PLAN_OK;
		goto out;
	}
	/* the newest run with full lists on the path, then the deltas of the later runs */
	for (k = 0; k < n_path; k++) {
		rc = plan_run(&p, path[k], true, &out->runs[0]);
		if (rc)
			goto fail;
		if (feed_plan_run_has_full(&out->runs[0], FEED_BLACK))
			break;
	}
	if (k == n_path) {
		rc = refuse(&p, FEED_PLAN_E_GAP, "no delta chain from %s to run %" PRId64 " and no full lists to fall "
			    "back on (oldest run on the way: %" PRId64 ", base %" PRId64 ")",
			    held >= 0 ? talloc_asprintf(ctx, "run %" PRId64, held) : "an empty store", newest->run,
			    path[n_path - 1]->run, path[n_path - 1]->base);
		goto fail;
	}
	/* DIRBS always writes every operator's lists in a run with full lists, header-only when empty: none for us is a
	 * wrong operator id or a broken publisher, never "no rows" (that would delete all we hold) */
	for (l = FEED_NOTIF; l <= FEED_EXC; l++) {
		if (!feed_plan_run_has_full(&out->runs[0], l)) {
			rc = refuse(&p, FEED_PLAN_E_OPERATOR, "run %" PRId64 " has full lists but no %s file for operator "
				    "'%s' (a wrong operator id, or a broken publisher?)", path[k]->run, feed_list_names[l],
				    op);
			goto fail;
		}
	}
	out->n_runs = 1;
	for (i = k; i-- > 0;) {
		rc = plan_run(&p, path[i], false, &out->runs[out->n_runs++]);
		if (rc)
			goto fail;
	}
	rc = FEED_PLAN_OK;
	goto out;
fail:
	out->n_runs = 0;
out:
	talloc_free(path);
	return rc;
}

/*! The name of a refusal class, for tests and logs. */
const char *feed_plan_err_name(int code)
{
	switch (code) {
	case FEED_PLAN_OK:
		return "ok";
	case FEED_PLAN_E_FORMAT:
		return "format";
	case FEED_PLAN_E_REPLAY:
		return "replay";
	case FEED_PLAN_E_GAP:
		return "gap";
	case FEED_PLAN_E_OPERATOR:
		return "operator";
	case FEED_PLAN_E_OPS:
		return "ops";
	}
	return "?";
}
