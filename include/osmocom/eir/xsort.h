/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A sort of fixed-size records in bounded memory (xsort.c): sorted runs spilled to unlinked temporary files, merged
 * as a stream, so that osmo-eir-feed publish diffs lists, and the sync and the importer insert them in key order,
 * of any length in the memory they are given. */
#pragma once

#include <stddef.h>
#include <stdint.h>

struct xsort;

struct xsort *xsort_new(void *ctx, size_t rec_size, int (*cmp)(const void *a, const void *b), size_t mem,
			const char *tmpdir);
int xsort_add(struct xsort *s, const void *rec);
int xsort_finish(struct xsort *s);
int xsort_next(struct xsort *s, void *rec);
unsigned xsort_spilled(const struct xsort *s);
const char *xsort_error(const struct xsort *s);
int xsort_parse_size(const char *s, size_t *out);

/* the default memory budget of a sort (--mem-budget) */
#define XSORT_DEFAULT_MEM ((size_t)256 << 20)
