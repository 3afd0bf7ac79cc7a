/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The national feed's names and indexes: DIRBS list file names (anchored on the operator id, which may contain
 * underscores), the RUNS manifest and the SHA256SUMS index. */

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <talloc.h>
#include <osmocom/eir/feed.h>

const char *const feed_list_names[_FEED_LIST_COUNT] = {
	[FEED_BLACK] = "blacklist",
	[FEED_NOTIF] = "notifications",
	[FEED_EXC] = "exceptions",
};

const char *const feed_change_names[_FEED_CHANGE_COUNT] = {
	[FC_BLOCKED] = "blocked",
	[FC_UNBLOCKED] = "unblocked",
	[FC_CHANGED] = "changed",
	[FC_NEW] = "new",
	[FC_RESOLVED] = "resolved",
	[FC_BLACKLISTED] = "blacklisted",
	[FC_NO_LONGER_SEEN] = "no_longer_seen",
	[FC_ADDED] = "added",
	[FC_REMOVED] = "removed",
};

bool feed_change_valid(enum feed_list l, enum feed_change c)
{
	switch (l) {
	case FEED_BLACK:
		return c == FC_BLOCKED || c == FC_UNBLOCKED || c == FC_CHANGED;
	case FEED_NOTIF:
		return c == FC_NEW || c == FC_RESOLVED || c == FC_BLACKLISTED || c == FC_NO_LONGER_SEEN ||
		       c == FC_CHANGED;
	case FEED_EXC:
		return c == FC_ADDED || c == FC_REMOVED;
	default:
		return false;
	}
}

bool feed_change_removes(enum feed_change c)
{
	return c == FC_UNBLOCKED || c == FC_RESOLVED || c == FC_BLACKLISTED || c == FC_NO_LONGER_SEEN ||
	       c == FC_REMOVED;
}

/*! YYYYMMDD_HHMMSS */
bool feed_date_valid(const char *s)
{
	int i;

	for (i = 0; i < FEED_DATE_LEN; i++) {
		if (i == 8 ? s[i] != '_' : !isdigit((unsigned char)s[i]))
			return false;
	}
	return true;
}

/*! A name the feed may use: no path separators, no "..", printable, not empty. */
bool feed_file_name_safe(const char *name)
{
	const char *p;

	if (!*name || strchr(name, '/') || strchr(name, '\\') || strstr(name, ".."))
		return false;
	for (p = name; *p; p++) {
		if (!isgraph((unsigned char)*p))
			return false;
	}
	return strlen(name) < 256;
}

static int parse_i64(const char *s, size_t len, int64_t *out)
{
	char buf[24], *end;

	if (!len || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	if (!isdigit((unsigned char)buf[0]) && !(buf[0] == '-' && len > 1))
		return -EINVAL;
	errno = 0;
	*out = strtoll(buf, &end, 10);
	return (*end || errno) ? -EINVAL : 0;
}

/* "{base}_{run}_{change}.csv" */
static int parse_delta(const char *s, enum feed_list l, struct feed_name *out)
{
	const char *u1, *u2, *ext;
	size_t clen;
	int i;

	u1 = strchr(s[0] == '-' ? s + 1 : s, '_');
	if (!u1)
		return -EINVAL;
	u2 = strchr(u1 + 1, '_');
	if (!u2)
		return -EINVAL;
	/* base -1: DIRBS's first run (no earlier successful run), whose deltas are from nothing */
	if (parse_i64(s, (size_t)(u1 - s), &out->base) || parse_i64(u1 + 1, (size_t)(u2 - u1 - 1), &out->run) ||
	    out->base < -1 || out->run <= out->base)
		return -EINVAL;
	ext = strrchr(u2 + 1, '.');
	if (!ext || strcmp(ext, ".csv"))
		return -EINVAL;
	clen = (size_t)(ext - u2 - 1);
	for (i = 0; i < _FEED_CHANGE_COUNT; i++) {
		if (strlen(feed_change_names[i]) == clen && !strncmp(u2 + 1, feed_change_names[i], clen) &&
		    feed_change_valid(l, i)) {
			out->change = i;
			out->delta = true;
			return 0;
		}
	}
	return -EINVAL;
}

/* "{list}_{x}.zip" with x a case-insensitive prefix of op (not empty): DIRBS zips "{date}_{list}_{x}*.csv", so the
 * zip named after operator x also holds the files of every operator whose id starts with x */
static bool zip_may_hold(const char *rest, enum feed_list l, const char *op)
{
	size_t llen = strlen(feed_list_names[l]), xlen;

	if (l == FEED_BLACK || strncmp(rest, feed_list_names[l], llen) || rest[llen] != '_')
		return false;
	rest += llen + 1;
	xlen = strlen(rest);
	if (xlen <= 4 || strcmp(rest + xlen - 4, ".zip"))
		return false;
	xlen -= 4;
	return xlen <= strlen(op) && !strncasecmp(rest, op, xlen);
}

/*! Classify a list file name for operator op (matched case-insensitively: DIRBS lowercases operator ids).
 *  A zip of the notifications or exceptions named after an operator whose id is a prefix of ours is ours too: it
 *  may hold our files (look at its members).
 *  \returns 0 when it is one of our lists (out filled), -ENOENT when it is another operator's list or no list at
 *  all, -EINVAL when it starts like one of ours but is malformed. */
int feed_name_parse(const char *name, const char *op, struct feed_name *out)
{
	const char *rest;
	size_t plen;
	int l;

	memset(out, 0, sizeof(*out));
	out->base = out->run = -1;
	if (strlen(name) < FEED_DATE_LEN + 2 || !feed_date_valid(name) || name[FEED_DATE_LEN] != '_')
		return -ENOENT;
	memcpy(out->date, name, FEED_DATE_LEN);
	rest = name + FEED_DATE_LEN + 1;
	for (l = 0; l < _FEED_LIST_COUNT; l++) {
		char prefix[128];

		if (l == FEED_BLACK)
			snprintf(prefix, sizeof(prefix), "%s", feed_list_names[l]);
		else
			snprintf(prefix, sizeof(prefix), "%s_%s", feed_list_names[l], op);
		plen = strlen(prefix);
		out->list = l;
		if (strncasecmp(rest, prefix, plen)) {
			if (zip_may_hold(rest, l, op)) {
				out->zip = true;
				return 0;
			}
			continue;
		}
		if (!strcmp(rest + plen, ".csv"))
			return 0;
		if (!strcmp(rest + plen, ".zip")) {
			out->zip = true;
			return 0;
		}
		if (!strncmp(rest + plen, "_delta_", 7))
			return parse_delta(rest + plen + 7, l, out) ? -EINVAL : 0;
		/* "notifications_OP_x.csv": another operator whose id starts with ours */
		return l == FEED_BLACK ? -EINVAL : -ENOENT;
	}
	return -ENOENT;
}

/*! Classify a list file name of any operator (the publisher's view of a dirbs-listgen output directory): like
 *  feed_name_parse(), the operator id (which may contain underscores) found between the list name and the fixed
 *  suffixes, copied to op. \returns 0, or -EINVAL when it is no list file name */
int feed_name_parse_any(const char *name, struct feed_name *out, char *op, size_t oplen)
{
	const char *rest, *p, *d;
	size_t llen;
	int l;

	memset(out, 0, sizeof(*out));
	out->base = out->run = -1;
	op[0] = '\0';
	if (strlen(name) < FEED_DATE_LEN + 2 || !feed_date_valid(name) || name[FEED_DATE_LEN] != '_')
		return -EINVAL;
	memcpy(out->date, name, FEED_DATE_LEN);
	rest = name + FEED_DATE_LEN + 1;
	for (l = 0; l < _FEED_LIST_COUNT; l++) {
		llen = strlen(feed_list_names[l]);
		if (!strncmp(rest, feed_list_names[l], llen) && (rest[llen] == '_' || rest[llen] == '.'))
			break;
	}
	if (l == _FEED_LIST_COUNT)
		return -EINVAL;
	out->list = l;
	p = rest + llen;
	if (l != FEED_BLACK) {
		if (*p++ != '_')
			return -EINVAL;
		/* the last "_delta_" that a valid delta suffix follows ends the operator id */
		for (d = p + strlen(p); d > p; d--) {
			struct feed_name tmp = *out;

			if (!strncmp(d, "_delta_", 7) && !parse_delta(d + 7, l, &tmp)) {
				*out = tmp;
				break;
			}
		}
		if (d == p)
			d = p + strlen(p) - (strlen(p) >= 4 ? 4 : strlen(p));
		if (d == p || (size_t)(d - p) >= oplen)
			return -EINVAL;
		memcpy(op, p, (size_t)(d - p));
		op[d - p] = '\0';
		if (out->delta)
			return 0;
		p = d;
	} else if (!strncmp(p, "_delta_", 7)) {
		return parse_delta(p + 7, l, out) ? -EINVAL : 0;
	}
	if (!strcmp(p, ".csv"))
		return 0;
	if (!strcmp(p, ".zip")) {
		out->zip = true;
		return 0;
	}
	return -EINVAL;
}

/*! The file name for n (op: operator id for the notifications and exceptions). \returns snprintf's result */
int feed_name_make(char *buf, size_t len, const struct feed_name *n, const char *op)
{
	char list[128];

	if (n->list == FEED_BLACK)
		snprintf(list, sizeof(list), "%s", feed_list_names[n->list]);
	else
		snprintf(list, sizeof(list), "%s_%s", feed_list_names[n->list], op);
	if (n->zip)
		return snprintf(buf, len, "%s_%s.zip", n->date, list);
	if (n->delta)
		return snprintf(buf, len, "%s_%s_delta_%" PRId64 "_%" PRId64 "_%s.csv", n->date, list, n->base,
				n->run, feed_change_names[n->change]);
	return snprintf(buf, len, "%s_%s.csv", n->date, list);
}

/* Split text into lines (LF, a CR before it ignored); calls fn for each non-empty line. */
typedef int (*line_fn)(void *ctx, char *line, unsigned long no, void *arg, char *err, size_t errlen);
static int each_line(void *ctx, const char *text, size_t len, line_fn fn, void *arg, char *err, size_t errlen)
{
	const char *p = text, *end = text + len, *nl;
	unsigned long no = 0;
	char *line;
	size_t n;
	int rc;

	if (memchr(text, '\0', len)) {
		snprintf(err, errlen, "binary data");
		return -EINVAL;
	}
	while (p < end) {
		no++;
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl) {
			snprintf(err, errlen, "line %lu: no line end (truncated?)", no);
			return -EINVAL;
		}
		n = (size_t)(nl - p);
		if (n && p[n - 1] == '\r')
			n--;
		if (n) {
			line = talloc_strndup(ctx, p, n);
			if (!line)
				return -ENOMEM;
			rc = fn(ctx, line, no, arg, err, errlen);
			talloc_free(line);
			if (rc)
				return rc;
		}
		p = nl + 1;
	}
	return 0;
}

static int run_line(void *ctx, char *line, unsigned long no, void *arg, char *err, size_t errlen)
{
	struct feed_runs *runs = arg;
	struct feed_run *r;
	char *tok, *save = NULL;
	unsigned field = 0;

	runs->r = talloc_realloc(ctx, runs->r, struct feed_run, runs->n + 1);
	if (!runs->r)
		return -ENOMEM;
	r = &runs->r[runs->n];
	memset(r, 0, sizeof(*r));
	for (tok = strtok_r(line, " ", &save); tok; tok = strtok_r(NULL, " ", &save), field++) {
		switch (field) {
		case 0:
			if (parse_i64(tok, strlen(tok), &r->run) || r->run < 0)
				goto bad;
			break;
		case 1:
			if (strlen(tok) != FEED_DATE_LEN || !feed_date_valid(tok))
				goto bad;
			memcpy(r->date, tok, FEED_DATE_LEN + 1);
			break;
		case 2:
			if (parse_i64(tok, strlen(tok), &r->base) || r->base < -1 || r->base >= r->run)
				goto bad;
			break;
		default:
			if (!feed_file_name_safe(tok)) {
				snprintf(err, errlen, "line %lu: file name '%s' refused", no, tok);
				return -EINVAL;
			}
			r->files = talloc_realloc(ctx, r->files, char *, r->n_files + 1);
			if (!r->files)
				return -ENOMEM;
			r->files[r->n_files++] = talloc_strdup(r->files, tok);
			break;
		}
	}
	if (field < 4)
		goto bad;
	if (runs->n && r->run <= runs->r[runs->n - 1].run) {
		snprintf(err, errlen, "line %lu: run %" PRId64 " not after run %" PRId64, no, r->run,
			 runs->r[runs->n - 1].run);
		return -EINVAL;
	}
	runs->n++;
	return 0;
bad:
	snprintf(err, errlen, "line %lu: not '<run> <YYYYMMDD_HHMMSS> <base> <file>...'", no);
	return -EINVAL;
}

/*! Parse RUNS. The file names are kept on ctx. \returns 0, -EINVAL (err says why) or -ENOMEM */
int feed_runs_parse(void *ctx, const char *text, size_t len, struct feed_runs *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return each_line(ctx, text, len, run_line, out, err, errlen);
}

struct feed_run *feed_runs_find(const struct feed_runs *runs, int64_t run)
{
	unsigned i;

	for (i = 0; i < runs->n; i++) {
		if (runs->r[i].run == run)
			return &runs->r[i];
	}
	return NULL;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

static int sum_line(void *ctx, char *line, unsigned long no, void *arg, char *err, size_t errlen)
{
	struct feed_sums *sums = arg;
	struct feed_sum *s;
	const char *name;
	int i;

	if (strlen(line) < 67 || line[64] != ' ' || line[65] != ' ')
		goto bad;
	name = line + 66;
	if (!feed_file_name_safe(name)) {
		snprintf(err, errlen, "line %lu: file name '%s' refused", no, name);
		return -EINVAL;
	}
	sums->e = talloc_realloc(ctx, sums->e, struct feed_sum, sums->n + 1);
	if (!sums->e)
		return -ENOMEM;
	s = &sums->e[sums->n];
	for (i = 0; i < 32; i++) {
		int hi = hexval(line[2 * i]), lo = hexval(line[2 * i + 1]);

		if (hi < 0 || lo < 0)
			goto bad;
		s->sha[i] = (uint8_t)(hi << 4 | lo);
	}
	s->name = talloc_strdup(sums->e, name);
	sums->n++;
	return 0;
bad:
	snprintf(err, errlen, "line %lu: not '<64 lowercase hex digits>  <file>'", no);
	return -EINVAL;
}

/*! Parse SHA256SUMS. \returns 0, -EINVAL (err says why) or -ENOMEM */
int feed_sums_parse(void *ctx, const char *text, size_t len, struct feed_sums *out, char *err, size_t errlen)
{
	memset(out, 0, sizeof(*out));
	return each_line(ctx, text, len, sum_line, out, err, errlen);
}

const uint8_t *feed_sums_get(const struct feed_sums *sums, const char *name)
{
	unsigned i;

	for (i = 0; i < sums->n; i++) {
		if (!strcmp(sums->e[i].name, name))
			return sums->e[i].sha;
	}
	return NULL;
}
