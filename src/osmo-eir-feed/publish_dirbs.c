/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-feed publish-dirbs: one dirbs-listgen output directory published unchanged as the feed's next run (its
 * files copied as they are, zips and all; the run and base read from its delta names), then RUNS, SHA256SUMS and the
 * signature rewritten. */

#include <dirent.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <talloc.h>

#include "feed_pub.h"

/* what the directory's names say about its run */
struct listgen_run {
	char date[FEED_DATE_LEN + 1];
	int64_t base, run;	/* from the delta names; run -1: none seen yet */
	const char *delta_name;	/* the first delta name seen, for messages */
	bool blacklist;
};

/* One list file name, plain or a zip member (in zip: the zip's name), checked against the run's other names. */
static int check_one(struct listgen_run *lr, const char *name, const char *zip, const struct feed_name *zfn)
{
	struct feed_name fn;
	char op[128], where[600];

	snprintf(where, sizeof(where), "%s%s%s", zip ? zip : "", zip ? ": member " : "", name);
	if (!feed_file_name_safe(name) || feed_name_parse_any(name, &fn, op, sizeof(op)))
		return eir_fail(1, "%s: not a dirbs-listgen list file name", where);
	if (zip && (fn.zip || fn.list != zfn->list))
		return eir_fail(1, "%s: does not belong in a zip of the %s", where, feed_list_names[zfn->list]);
	if (!lr->date[0])
		memcpy(lr->date, fn.date, sizeof(lr->date));
	else if (strcmp(lr->date, fn.date))
		return eir_fail(1, "%s: dated %s, the other files %s (one run per directory)", where, fn.date,
				lr->date);
	lr->blacklist |= fn.list == FEED_BLACK;
	if (!fn.delta)
		return 0;
	if (lr->run < 0) {
		lr->base = fn.base;
		lr->run = fn.run;
		lr->delta_name = talloc_strdup(ctx, where);
	} else if (fn.base != lr->base || fn.run != lr->run) {
		return eir_fail(
			1, "%s: a delta from run %" PRId64 " to %" PRId64 ", but %s is from %" PRId64 " to %" PRId64,
			where, fn.base, fn.run, lr->delta_name, lr->base, lr->run);
	}
	return 0;
}

/* A zip's members: list files of the zip's list (none at all is fine: DIRBS's zip of op10 when op1's took them). */
static int check_zip(struct listgen_run *lr, const char *path, const char *name, const struct feed_name *zfn)
{
	const char *const *m;
	struct feed_zip *z;
	char err[512];
	unsigned n, i;
	int rc = 0;

	z = feed_zip_open(NULL, path, name, err, sizeof(err));
	if (!z)
		return eir_fail(1, "%s", err);
	if (feed_zip_members(z, z, &m, &n))
		rc = eir_fail(1, "%s: out of memory", name);
	for (i = 0; i < n && !rc; i++)
		rc = m[i] ? check_one(lr, m[i], name, zfn) : eir_fail(1, "%s: member %u has no name", name, i);
	talloc_free(z);
	return rc;
}

static int name_cmp(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/*! Publish the dirbs-listgen output directory src as the feed's next run. \returns 0 or 1 (said why) */
int cmd_publish_dirbs(const char *src)
{
	struct listgen_run lr = { .base = -1, .run = -1 };
	struct feed_runs runs;
	struct feed_sums sums;
	struct feed_run *r;
	struct feed_name fn;
	struct dirent *de;
	struct stat st;
	char **names = NULL, op[128];
	unsigned n = 0, i;
	DIR *d;

	d = opendir(src);
	if (!d)
		return eir_fail(1, "cannot read the dirbs-listgen directory %s: %s", src, strerror(errno));
	while ((de = readdir(d))) {
		if (!strcmp(de->d_name, ".") || !strcmp(de->d_name, ".."))
			continue;
		names = talloc_realloc(ctx, names, char *, n + 1);
		names[n++] = talloc_strdup(ctx, de->d_name);
	}
	closedir(d);
	if (!n)
		return eir_fail(1, "%s is empty: no dirbs-listgen lists", src);
	qsort(names, n, sizeof(names[0]), name_cmp);
	for (i = 0; i < n; i++) {
		char *path = pathf("%s/%s", src, names[i]);

		if (stat(path, &st) || !S_ISREG(st.st_mode))
			return eir_fail(1, "%s: not a regular file", path);
		if (check_one(&lr, names[i], NULL, NULL))
			return 1;
		feed_name_parse_any(names[i], &fn, op, sizeof(op));
		if (fn.zip && check_zip(&lr, path, names[i], &fn))
			return 1;
	}
	if (lr.run < 0)
		return eir_fail(1,
				"%s has no delta lists: the run id is only in their names (dirbs-listgen always writes "
				"them)",
				src);
	if (!lr.blacklist)
		return eir_fail(1, "%s has no blacklist (dirbs-listgen always writes it)", src);

	if (mkdir(dir, 0755) && errno != EEXIST)
		return eir_fail(1, "cannot make %s: %s", dir, strerror(errno));
	if (load_runs(&runs, &sums))
		return 1;
	if (runs.n && lr.run <= runs.r[runs.n - 1].run)
		return eir_fail(1, "run %" PRId64 " of %s is not after the feed's newest run %" PRId64, lr.run, src,
			   runs.r[runs.n - 1].run);
	for (i = 0; i < runs.n; i++) {
		if (!strcmp(runs.r[i].date, lr.date))
			return eir_fail(
				1, "run %" PRId64 " of the feed has the date %s already: its files would be replaced",
				runs.r[i].run, lr.date);
	}
	if (lr.base >= 0 && !feed_runs_find(&runs, lr.base))
		printf("note: base run %" PRId64 " is not in the feed: a consumer falls back to the newest full "
		       "lists\n", lr.base);

	runs.r = talloc_realloc(ctx, runs.r, struct feed_run, runs.n + 1);
	r = &runs.r[runs.n];
	memset(r, 0, sizeof(*r));
	r->run = lr.run;
	r->base = lr.base;
	memcpy(r->date, lr.date, sizeof(r->date));
	for (i = 0; i < n; i++) {
		if (copy_file(pathf("%s/%s", src, names[i]), pathf("%s/%s", dir, names[i])))
			return 1;
		run_add_file(r, names[i]);
	}
	runs.n++;
	if (write_indexes(&runs, &sums))
		return 1;
	printf("published dirbs-listgen run %" PRId64 " (%s, base %" PRId64 ") in %s: %u files\n", r->run, r->date,
	       r->base, dir, r->n_files);
	return 0;
}
