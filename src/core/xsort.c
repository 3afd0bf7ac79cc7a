/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* External merge sort of fixed-size records (osmo-eir-feed publish; the sync's apply and osmo-eir-db import, which
 * insert in key order): records gather in a buffer of at most the given memory; a full buffer is sorted and written
 * as a run to a temporary file that is unlinked as soon as it is made (nothing is left behind on any exit, even
 * kill -9); runs are merged FANIN at a time, the last merge streamed to the reader. Input that fits is sorted in
 * memory and never touches the disk. */

#define _GNU_SOURCE	/* O_TMPFILE, mkostemp() */
#include <errno.h>
#include <fcntl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>

#include <osmocom/eir/xsort.h>

#define FANIN 16		/* runs merged at once: FANIN read buffers of RUN_BUF bytes */
#define RUN_BUF 65536
#define MAX_RUNS (FANIN * 24)	/* at most FANIN - 1 runs per level, 24 levels: more than any disk holds */

struct run {
	int fd;
	uint64_t n;		/* records in it */
	unsigned level;		/* 0: written from the buffer; L + 1: merged from FANIN runs of level L */
};

/* one run being read in a merge */
struct reader {
	int fd;
	uint64_t left;		/* records not yet read into buf */
	char *buf;
	size_t pos, len;	/* bytes */
};

struct merge {
	struct reader r[FANIN];
	unsigned nr;			/* readers (their fds are the merge's) */
	unsigned heap[FANIN], n;	/* readers with records left, a min-heap on their current record */
	size_t rec;
	int (*cmp)(const void *a, const void *b);
};

struct xsort {
	size_t rec;		/* record size */
	size_t max;		/* records the buffer may hold */
	int (*cmp)(const void *a, const void *b);
	const char *tmpdir;
	char *buf;		/* the records not yet in a run */
	size_t n, cap;
	struct run runs[MAX_RUNS];
	unsigned n_runs, spilled;
	bool finished;
	size_t pos;		/* finished in memory: the next record in buf */
	struct merge *m;	/* finished on disk: the last merge */
	char err[512];
};

static int fail(struct xsort *s, int err, const char *what)
{
	snprintf(s->err, sizeof(s->err), "%s in %s: %s", what, s->tmpdir, strerror(err));
	return -1;
}

static void run_close(struct run *r)
{
	if (r->fd >= 0)
		close(r->fd);
	r->fd = -1;
}

static int xsort_destructor(struct xsort *s)
{
	unsigned i;

	for (i = 0; i < s->n_runs; i++)
		run_close(&s->runs[i]);
	free(s->buf);
	return 0;
}

/*! A sorter of records of rec_size bytes in order cmp (a total order: equal records are interchangeable), holding at
 *  most mem bytes of them in memory, its runs in tmpdir. \returns it (talloc_free() it), or NULL out of memory */
struct xsort *xsort_new(void *ctx, size_t rec_size, int (*cmp)(const void *a, const void *b), size_t mem,
			const char *tmpdir)
{
	struct xsort *s = talloc_zero(ctx, struct xsort);

	if (!s)
		return NULL;
	s->rec = rec_size;
	s->max = mem / rec_size < 16 ? 16 : mem / rec_size;
	s->cmp = cmp;
	s->tmpdir = talloc_strdup(s, tmpdir);
	talloc_set_destructor(s, xsort_destructor);
	return s;
}

/* A temporary file no name points to: gone when closed, however the process ends. */
static int tmp_open(struct xsort *s)
{
	char *path;
	int fd;

	fd = open(s->tmpdir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
	if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR && errno != EINVAL))
		return fd >= 0 ? fd : fail(s, errno, "cannot make a temporary file");
	/* a file system without O_TMPFILE: a named file, unlinked at once */
	path = talloc_asprintf(s, "%s/.osmo-eir-sort-XXXXXX", s->tmpdir);
	fd = path ? mkostemp(path, O_CLOEXEC) : -1;
	if (fd < 0) {
		talloc_free(path);
		return fail(s, errno ? errno : ENOMEM, "cannot make a temporary file");
	}
	unlink(path);
	talloc_free(path);
	return fd;
}

static int write_all(struct xsort *s, int fd, const char *p, size_t len)
{
	ssize_t w;

	while (len) {
		w = write(fd, p, len);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0)
			return fail(s, w < 0 ? errno : ENOSPC, "cannot write a temporary file");
		p += w;
		len -= (size_t)w;
	}
	return 0;
}

/* --- merging --- */

static int reader_fill(struct xsort *s, struct reader *r)
{
	size_t want = RUN_BUF / s->rec;
	ssize_t got;

	if (want > r->left)
		want = (size_t)r->left;
	want *= s->rec;
	r->pos = r->len = 0;
	while (r->len < want) {
		got = read(r->fd, r->buf + r->len, want - r->len);
		if (got < 0 && errno == EINTR)
			continue;
		if (got <= 0)
			return fail(s, got < 0 ? errno : EIO, "cannot read back a temporary file");
		r->len += (size_t)got;
	}
	r->left -= want / s->rec;
	return 0;
}

static int head_cmp(const struct merge *m, unsigned a, unsigned b)
{
	return m->cmp(m->r[a].buf + m->r[a].pos, m->r[b].buf + m->r[b].pos);
}

static void sift_down(struct merge *m, unsigned i)
{
	unsigned c, t;

	for (;;) {
		c = 2 * i + 1;
		if (c >= m->n)
			return;
		if (c + 1 < m->n && head_cmp(m, m->heap[c + 1], m->heap[c]) < 0)
			c++;
		if (head_cmp(m, m->heap[c], m->heap[i]) >= 0)
			return;
		t = m->heap[c];
		m->heap[c] = m->heap[i];
		m->heap[i] = t;
		i = c;
	}
}

static int merge_destructor(struct merge *m)
{
	unsigned i;

	for (i = 0; i < m->nr; i++)
		close(m->r[i].fd);
	return 0;
}

/* Start merging runs[first..first+n-1] (their fds then belong to the merge). */
static struct merge *merge_start(struct xsort *s, unsigned first, unsigned n)
{
	struct merge *m = talloc_zero(s, struct merge);
	unsigned i;

	if (!m) {
		snprintf(s->err, sizeof(s->err), "out of memory");
		return NULL;
	}
	talloc_set_destructor(m, merge_destructor);
	m->rec = s->rec;
	m->cmp = s->cmp;
	for (i = 0; i < n; i++) {
		struct run *run = &s->runs[first + i];
		struct reader *r = &m->r[i];

		r->fd = run->fd;
		run->fd = -1;
		m->nr++;
		r->left = run->n;
		r->buf = talloc_size(m, RUN_BUF);
		if (!r->buf) {
			snprintf(s->err, sizeof(s->err), "out of memory");
			talloc_free(m);
			return NULL;
		}
		if (lseek(r->fd, 0, SEEK_SET) < 0) {
			fail(s, errno, "cannot read back a temporary file");
			talloc_free(m);
			return NULL;
		}
		if (r->left && reader_fill(s, r)) {
			talloc_free(m);
			return NULL;
		}
		if (r->len)
			m->heap[m->n++] = i;
	}
	for (i = m->n / 2; i-- > 0;)
		sift_down(m, i);
	return m;
}

/* \returns 1 with the smallest record copied to rec, 0 at the end, -1 on error */
static int merge_next(struct xsort *s, struct merge *m, void *rec)
{
	struct reader *r;

	if (!m->n)
		return 0;
	r = &m->r[m->heap[0]];
	memcpy(rec, r->buf + r->pos, m->rec);
	r->pos += m->rec;
	if (r->pos == r->len) {
		if (r->left) {
			if (reader_fill(s, r))
				return -1;
		} else {
			m->heap[0] = m->heap[--m->n];
		}
	}
	sift_down(m, 0);
	return 1;
}

/* Merge the last n runs into one run of the next level. */
static int merge_runs(struct xsort *s, unsigned n)
{
	unsigned first = s->n_runs - n, i;
	struct run out = { .level = s->runs[first].level + 1 };
	struct merge *m;
	char *wbuf = NULL;
	size_t wlen = 0, wmax = RUN_BUF / s->rec * s->rec;
	int rc = -1;

	out.fd = tmp_open(s);
	if (out.fd < 0)
		return -1;
	m = merge_start(s, first, n);
	wbuf = talloc_size(s, wmax);
	if (!m || !wbuf)
		goto out;
	while ((rc = merge_next(s, m, wbuf + wlen)) > 0) {
		wlen += s->rec;
		out.n++;
		if (wlen == wmax) {
			if (write_all(s, out.fd, wbuf, wlen))
				goto out;
			wlen = 0;
		}
	}
	if (rc == 0)
		rc = write_all(s, out.fd, wbuf, wlen);
out:
	talloc_free(m);
	talloc_free(wbuf);
	for (i = first; i < s->n_runs; i++)
		run_close(&s->runs[i]);
	s->n_runs = first;
	if (rc) {
		close(out.fd);
		return -1;
	}
	s->runs[s->n_runs++] = out;
	return 0;
}

/* The buffer sorted and written as a run of level 0; FANIN runs of one level merged into one of the next. */
static int spill(struct xsort *s)
{
	struct run r = { .n = s->n };

	if (!s->n)
		return 0;
	qsort(s->buf, s->n, s->rec, s->cmp);
	r.fd = tmp_open(s);
	if (r.fd < 0)
		return -1;
	if (write_all(s, r.fd, s->buf, s->n * s->rec)) {
		close(r.fd);
		return -1;
	}
	s->runs[s->n_runs++] = r;
	s->spilled++;
	s->n = 0;
	while (s->n_runs >= FANIN && s->runs[s->n_runs - FANIN].level == s->runs[s->n_runs - 1].level) {
		if (merge_runs(s, FANIN))
			return -1;
	}
	return 0;
}

/* --- the interface --- */

/*! Add one record. \returns 0, or -1 (xsort_error() says why) */
int xsort_add(struct xsort *s, const void *rec)
{
	if (s->n == s->max && spill(s))
		return -1;
	if (s->n == s->cap) {
		size_t cap = s->cap ? s->cap * 2 : 1024;
		char *b;

		if (cap > s->max)
			cap = s->max;
		b = realloc(s->buf, cap * s->rec);
		if (!b) {
			snprintf(s->err, sizeof(s->err), "out of memory");
			return -1;
		}
		s->buf = b;
		s->cap = cap;
	}
	memcpy(s->buf + s->n * s->rec, rec, s->rec);
	s->n++;
	return 0;
}

/*! No more records: sort what is left, ready for xsort_next(). \returns 0, or -1 (xsort_error() says why) */
int xsort_finish(struct xsort *s)
{
	s->finished = true;
	if (!s->n_runs) {
		if (s->n)
			qsort(s->buf, s->n, s->rec, s->cmp);
		return 0;
	}
	if (spill(s))
		return -1;
	free(s->buf);
	s->buf = NULL;
	s->cap = 0;
	while (s->n_runs > FANIN) {
		if (merge_runs(s, FANIN))
			return -1;
	}
	s->m = merge_start(s, 0, s->n_runs);	/* the runs' fds are the merge's now */
	return s->m ? 0 : -1;
}

/*! The next record in order into rec. \returns 1, 0 at the end, -1 on error (xsort_error() says why) */
int xsort_next(struct xsort *s, void *rec)
{
	int rc;

	if (!s->m) {
		if (s->pos == s->n)
			return 0;
		memcpy(rec, s->buf + s->pos * s->rec, s->rec);
		s->pos++;
		return 1;
	}
	rc = merge_next(s, s->m, rec);
	if (rc == 0)
		TALLOC_FREE(s->m);	/* the runs' files go now, not when the sorter does */
	return rc;
}

/*! \returns how many runs went to disk (0: sorted in memory) */
unsigned xsort_spilled(const struct xsort *s)
{
	return s->spilled;
}

/*! A memory budget: a size in bytes, with an optional k, M or G (powers of 1024). \returns 0, or -1 */
int xsort_parse_size(const char *s, size_t *out)
{
	unsigned long long v;
	char *end;
	unsigned shift = 0;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (end == s || errno || *s == '-')
		return -1;
	if (*end == 'k' || *end == 'K')
		shift = 10;
	else if (*end == 'm' || *end == 'M')
		shift = 20;
	else if (*end == 'g' || *end == 'G')
		shift = 30;
	if (shift)
		end++;
	if (*end || v > (SIZE_MAX >> shift))
		return -1;
	*out = (size_t)(v << shift);
	return 0;
}

const char *xsort_error(const struct xsort *s)
{
	return s->err;
}
