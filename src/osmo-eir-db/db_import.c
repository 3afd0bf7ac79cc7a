/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Import of CSV lists into the local part in one transaction (the form is told by the header row; bad rows are
 * reported with their line numbers and skipped), and export in the same forms, so that one round-trips. Entries and
 * pairs are sorted by their key first (in bounded memory, src/core/xsort.c) so that the store appends them: a list in
 * any order loads at the speed of a sorted one. */

#include <errno.h>
#include <stdbool.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/feed.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/reasons.h>
#include <osmocom/eir/types.h>
#include <osmocom/eir/xsort.h>
#include "db_import.h"

#define MAX_REPORTED 100

enum form {
	F_DIRBS,	/* a DIRBS blacklist: imei,block_date,reasons (feed_columns[FEED_BLACK]) */
	F_ENTRIES,	/* imei,list[,reason[,block_date]] */
	F_RANGES,	/* first,last,list[,reason] */
	F_TACS,		/* tac,list[,reason] */
	F_PAIRS,	/* imei,imsi,list[,reason] */
};

static const struct {
	enum form form;
	const char *header;
} forms[] = {
	{ F_DIRBS, FEED_HEADER_BLACKLIST },
	{ F_ENTRIES, "imei,list" },
	{ F_ENTRIES, "imei,list,reason" },
	{ F_ENTRIES, "imei,list,reason,block_date" },
	{ F_RANGES, "first,last,list" },
	{ F_RANGES, "first,last,list,reason" },
	{ F_TACS, "tac,list" },
	{ F_TACS, "tac,list,reason" },
	{ F_PAIRS, "imei,imsi,list" },
	{ F_PAIRS, "imei,imsi,list,reason" },
};

struct import {
	const char *name;	/* the file, for messages */
	FILE *f;
	enum form form;
	unsigned n_fields;
	eir_day_t today;
	unsigned run;		/* 1, then 2.. when the map grew and the transaction is redone from the start */
	/* A redone transaction sees the same rows again; each message is said once. Checking a row is the same in
	 * every run, so its messages were said if an earlier run got to the row; what the store says about it
	 * only if an earlier run got past the row (the map may have filled while writing it). */
	unsigned long seen_line, done_line;	/* the furthest row any run got to, and got past */
	unsigned long quiet_seen, quiet_done;	/* the same when this run started */
	bool in_store;				/* the current row is being written */
	unsigned long applied, skipped;	/* of this run */
	unsigned long read;		/* rows read in this run (sorted ones are applied after the last) */
	unsigned long warnings;		/* over all runs, each row once */
	unsigned long reported;		/* messages, over all runs, each once */
	bool tty;			/* stderr is a terminal: the rows so far are shown as they go */
	char fields[EIR_CSV_MAX_RECORD + EIR_CSV_MAX_FIELDS];	/* the row's fields, trimmed */
	struct eir_reasons reasons;	/* ids of this run's transaction */
	/* entries and pairs: checked rows sorted by key, then written (ranges are written as read: which of two
	 * overlapping ranges is refused depends on their order in the file) */
	size_t mem_budget;
	const char *tmp_dir;
	struct xsort *sort;
	bool writing;				/* the sorted rows are being written */
	unsigned long put_idx;			/* the sorted row being written, from 1 */
	unsigned long put_done, quiet_put;	/* as done_line, counted in sorted rows */
};

/* A checked row waiting in the sort: what its entry needs and its line (for messages, and the order within one key);
 * 32 bytes, as little as the sort's memory and disk traffic can be. */
struct sorted_row {
	uint64_t imei;
	uint8_t imsi[8];
	uint64_t line;
	uint32_t reason_id;
	eir_day_t block;
	uint8_t list;
};

/* The store's key order (the IMEI, then the IMSI of a pair), then the file's: a later row for a key still wins. */
static int sorted_row_cmp(const void *a, const void *b)
{
	const struct sorted_row *x = a, *y = b;
	int c;

	if (x->imei != y->imei)
		return x->imei < y->imei ? -1 : 1;
	c = memcmp(x->imsi, y->imsi, sizeof(x->imsi));
	if (c)
		return c;
	return x->line < y->line ? -1 : x->line > y->line;
}

/* A copy of s without surrounding white space. */
static char *trim_copy(char **dst, const char *s, size_t len)
{
	char *out = *dst;

	eir_csv_trim(&s, &len);
	memcpy(out, s, len);
	out[len] = '\0';
	*dst += len + 1;
	return out;
}

static void report(struct import *im, unsigned long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct import *im, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	if (im->writing ? im->put_idx <= im->quiet_put : line <= (im->in_store ? im->quiet_done : im->quiet_seen))
		return;
	if (im->reported++ >= MAX_REPORTED)
		return;
	if (im->tty)
		fputs("\r\033[K", stderr);	/* over the progress line */
	fprintf(stderr, "%s:%lu: ", im->name, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int parse_imei(struct import *im, unsigned long line, const char *field, const char *s, uint64_t *key)
{
	struct eir_imei imei;
	const char *why = NULL;

	if (eir_imei_parse(s, &imei, &why)) {
		report(im, line, "invalid %s '%s': %s", field, s, why);
		return -EINVAL;
	}
	if (imei.status == EIR_IMEI_LUHN_MISMATCH) {
		report(im, line, "warning: %s %s: check digit %c is wrong, expected %c; imported as %.14s", field, s,
		       imei.check_digit, imei.luhn, s);
		if (line > im->quiet_seen)
			im->warnings++;
	}
	*key = imei.key;
	return 0;
}

static int parse_list(struct import *im, unsigned long line, const char *s, enum eir_list *l)
{
	int rc = eir_list_parse(s);

	if (rc < 0) {
		report(im, line, "unknown list '%s': white, grey or black", s);
		return -EINVAL;
	}
	*l = rc;
	return 0;
}

static int parse_date(struct import *im, unsigned long line, const char *s, eir_day_t *d)
{
	if (eir_day_parse(s, d)) {
		report(im, line, "invalid block_date '%s': YYYYMMDD", s);
		return -EINVAL;
	}
	return 0;
}

/* Write one checked row. \returns 0 applied, -EINVAL skipped (reported), or a store error that aborts the import. */
static int put_row(struct import *im, struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *e,
		   unsigned long line)
{
	int rc = t == EIR_T_RANGE ? eir_db_txn_put_range(txn, e) : eir_db_txn_put(txn, t, e);

	if (rc == -EEXIST || rc == -EINVAL) {
		/* the store's message, e.g. the range this one overlaps */
		report(im, line, "%s", eir_db_errstr(eir_db_txn_db(txn)));
		return -EINVAL;
	}
	return rc;
}

/* One data row: written, or into the sort. \returns 0 applied or sorted, -EINVAL skipped (reported), or a store
 * error that aborts the import. */
static int import_row(struct import *im, struct eir_db_txn *txn, const struct eir_csv_row *row)
{
	struct eir_entry e = { .listed = im->today };
	enum eir_db_table t = EIR_T_IMEI;
	const char *f[EIR_CSV_MAX_FIELDS];
	const char *reason = "";
	char *dst = im->fields;
	const char *why;
	uint32_t tac;
	unsigned i;
	int rc;

	if (row->n != im->n_fields) {
		report(im, row->line, "%u field%s, expected %u", row->n, row->n == 1 ? "" : "s", im->n_fields);
		return -EINVAL;
	}
	for (i = 0; i < row->n; i++)
		f[i] = trim_copy(&dst, row->f[i], row->len[i]);
	memset(e.imsi, EIR_NO_NUMBER_BYTE, sizeof(e.imsi));
	memset(e.msisdn, EIR_NO_NUMBER_BYTE, sizeof(e.msisdn));

	switch (im->form) {
	case F_DIRBS:
		if (parse_imei(im, row->line, "IMEI", f[feed_columns[FEED_BLACK].imei], &e.imei) ||
		    parse_date(im, row->line, f[feed_columns[FEED_BLACK].block_date], &e.block))
			return -EINVAL;
		e.list = EIR_LIST_BLACK;
		reason = f[feed_columns[FEED_BLACK].reasons];
		break;
	case F_ENTRIES:
		if (parse_imei(im, row->line, "IMEI", f[0], &e.imei) || parse_list(im, row->line, f[1], &e.list))
			return -EINVAL;
		if (row->n > 2)
			reason = f[2];
		if (row->n > 3 && parse_date(im, row->line, f[3], &e.block))
			return -EINVAL;
		break;
	case F_RANGES:
		if (parse_imei(im, row->line, "first IMEI", f[0], &e.imei) ||
		    parse_imei(im, row->line, "last IMEI", f[1], &e.last) || parse_list(im, row->line, f[2], &e.list))
			return -EINVAL;
		if (e.imei > e.last) {
			report(im, row->line, "first IMEI %s is after last IMEI %s", f[0], f[1]);
			return -EINVAL;
		}
		if (row->n > 3)
			reason = f[3];
		t = EIR_T_RANGE;
		break;
	case F_TACS:
		if (eir_tac_parse(f[0], &tac, &why)) {
			report(im, row->line, "invalid TAC '%s': %s", f[0], why);
			return -EINVAL;
		}
		if (parse_list(im, row->line, f[1], &e.list))
			return -EINVAL;
		e.imei = (uint64_t)tac * 1000000;
		e.last = e.imei + 999999;
		if (row->n > 2)
			reason = f[2];
		t = EIR_T_RANGE;
		break;
	case F_PAIRS:
		if (parse_imei(im, row->line, "IMEI", f[0], &e.imei))
			return -EINVAL;
		if (eir_imsi_pack(f[1], e.imsi, &why)) {
			report(im, row->line, "invalid IMSI '%s': %s", f[1], why);
			return -EINVAL;
		}
		if (parse_list(im, row->line, f[2], &e.list))
			return -EINVAL;
		if (row->n > 3)
			reason = f[3];
		t = EIR_T_PAIR;
		break;
	}
	im->in_store = true;
	rc = eir_reasons_id(&im->reasons, txn, reason, &e.reason_id);
	if (rc == -EINVAL) {
		report(im, row->line, "%s", eir_db_errstr(eir_db_txn_db(txn)));
		return -EINVAL;
	}
	if (rc)
		return rc;
	if (im->sort) {
		struct sorted_row r;

		memset(&r, 0, sizeof(r));	/* no stray padding bytes in the runs on disk */
		r.imei = e.imei;
		memcpy(r.imsi, e.imsi, sizeof(r.imsi));
		r.line = row->line;
		r.reason_id = e.reason_id;
		r.block = e.block;
		r.list = (uint8_t)e.list;
		if (xsort_add(im->sort, &r)) {
			eir_db_txn_errf(txn, "cannot sort %s: %s", im->name, xsort_error(im->sort));
			return -EIO;
		}
		return 0;
	}
	return put_row(im, txn, t, &e, row->line);
}

/* The sorted rows into the store, in key order (appended). \returns 0 or a store error */
static int put_sorted(struct import *im, struct eir_db_txn *txn)
{
	enum eir_db_table t = im->form == F_PAIRS ? EIR_T_PAIR : EIR_T_IMEI;
	struct sorted_row r;
	int rc, n;

	if (xsort_finish(im->sort)) {
		eir_db_txn_errf(txn, "cannot sort %s: %s", im->name, xsort_error(im->sort));
		return -EIO;
	}
	im->writing = true;
	im->put_idx = 0;
	while ((n = xsort_next(im->sort, &r)) > 0) {
		struct eir_entry e = { .imei = r.imei, .list = r.list, .reason_id = r.reason_id, .listed = im->today,
				       .block = r.block };

		memcpy(e.imsi, r.imsi, sizeof(e.imsi));
		memset(e.msisdn, EIR_NO_NUMBER_BYTE, sizeof(e.msisdn));
		im->put_idx++;
		rc = put_row(im, txn, t, &e, (unsigned long)r.line);
		if (rc == -EINVAL) {
			im->skipped++;
		} else if (rc) {
			im->writing = false;
			return rc;
		} else {
			im->applied++;
		}
		if (im->put_idx > im->put_done)
			im->put_done = im->put_idx;
		if (im->tty && !(im->put_idx & 0xffff))
			fprintf(stderr, "\r%s: %lu rows written...", im->name, im->put_idx);
	}
	im->writing = false;
	if (n < 0) {
		eir_db_txn_errf(txn, "cannot sort %s: %s", im->name, xsort_error(im->sort));
		return -EIO;
	}
	return 0;
}

/* One audit record for the whole import, in its transaction: rows one by one would bury the trail. */
static int audit_import(struct import *im, struct eir_db_txn *txn)
{
	struct eir_audit a = { 0 };
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	a.when_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	snprintf(a.who, sizeof(a.who), "osmo-eir-db uid %u", (unsigned)getuid());
	snprintf(a.what, sizeof(a.what), "import %s", im->name);
	snprintf(a.before, sizeof(a.before), "-");
	snprintf(a.after, sizeof(a.after), "%lu rows added or changed, %lu skipped", im->applied, im->skipped);
	return eir_db_txn_audit_add(txn, &a);
}

/* The write transaction: every row from the top. eir_db_write() runs it again from the start after growing the
 * map, so it rewinds the input and forgets the reason ids of the aborted transaction. */
static int import_cb(struct eir_db_txn *txn, void *arg)
{
	struct import *im = arg;
	struct eir_csv *csv;
	struct eir_csv_row row;
	int rc;

	im->run++;
	im->quiet_seen = im->seen_line;
	im->quiet_done = im->done_line;
	im->quiet_put = im->put_done;
	im->applied = im->skipped = im->read = 0;
	eir_reasons_clear(&im->reasons);
	if (im->run > 1)
		LOGP(DIMPORT, LOGL_INFO, "%s: starting again from the top (run %u)\n", im->name, im->run);
	rewind(im->f);
	TALLOC_FREE(im->sort);
	if (im->form != F_RANGES && im->form != F_TACS) {
		/* half the budget: glibc's qsort() sorts the buffer through a scratch copy of it */
		im->sort = xsort_new(im, sizeof(struct sorted_row), sorted_row_cmp, im->mem_budget / 2, im->tmp_dir);
		if (!im->sort) {
			eir_db_txn_errf(txn, "out of memory");
			return -ENOMEM;
		}
	}
	csv = eir_csv_new_file(im, im->f);
	if (!csv) {
		eir_db_txn_errf(txn, "out of memory");
		return -ENOMEM;
	}
	rc = eir_csv_next(csv, &row);	/* the header, checked before */
	while (rc >= 0 && (rc = eir_csv_next(csv, &row)) != 0) {
		im->in_store = false;
		if (row.line > im->seen_line)
			im->seen_line = row.line;
		if (rc == -EIO) {
			eir_db_txn_errf(txn, "%s: %s", im->name, eir_csv_error(csv));
			break;
		}
		if (rc == -EINVAL) {
			/* "line N: why": the line is said in front already */
			const char *why = eir_csv_error(csv), *colon = strstr(why, ": ");

			report(im, row.line, "%s", colon ? colon + 2 : why);
			rc = -EINVAL;
		} else {
			rc = import_row(im, txn, &row);
		}
		if (rc == -EINVAL) {
			im->skipped++;
			rc = 0;
		} else if (rc) {
			break;
		} else if (!im->sort) {
			im->applied++;
		}
		im->read++;
		if (row.line > im->done_line)
			im->done_line = row.line;
		if (im->tty && !(row.line & 0xffff))
			fprintf(stderr, "\r%s: %lu rows...", im->name, im->read);
	}
	eir_csv_free(csv);
	if (rc >= 0 && im->sort)
		rc = put_sorted(im, txn);
	if (im->tty)
		fputs("\r\033[K", stderr);
	TALLOC_FREE(im->sort);	/* its runs on disk go now, whatever happens to the transaction */
	if (rc < 0)
		return rc;
	if (!im->applied && im->skipped)
		return -ENODATA;	/* every row bad: commit nothing */
	return audit_import(im, txn);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Copy a stream that cannot be rewound (stdin, a pipe, a FIFO) to an unlinked temporary file in $TMPDIR, since
 * the transaction may have to be redone from the start. \returns the copy, or NULL with a message printed. */
static FILE *spool(FILE *in, const char *name)
{
	const char *dir = getenv("TMPDIR");
	char path[4096], buf[65536];
	FILE *out;
	size_t n;
	int fd;

	if (!dir || !*dir)
		dir = "/tmp";
	snprintf(path, sizeof(path), "%s/osmo-eir-db.XXXXXX", dir);
	fd = mkstemp(path);
	if (fd < 0) {
		fprintf(stderr, "osmo-eir-db: cannot create a temporary file in %s for %s: %s\n", dir, name,
			strerror(errno));
		return NULL;
	}
	unlink(path);
	out = fdopen(fd, "w+");
	if (!out) {
		close(fd);
		fprintf(stderr, "osmo-eir-db: %s: %s\n", path, strerror(errno));
		return NULL;
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, out) != n) {
			fprintf(stderr, "osmo-eir-db: cannot copy %s to a temporary file in %s: %s\n", name, dir,
				strerror(errno));
			fclose(out);
			return NULL;
		}
	}
	if (ferror(in)) {
		fprintf(stderr, "osmo-eir-db: cannot read %s: %s\n", name, strerror(errno));
		fclose(out);
		return NULL;
	}
	if (fflush(out)) {
		fprintf(stderr, "osmo-eir-db: cannot copy %s to a temporary file in %s: %s\n", name, dir,
			strerror(errno));
		fclose(out);
		return NULL;
	}
	return out;
}

/* Open the input; a stream that cannot be rewound is copied first. \returns NULL with a message printed. */
static FILE *open_input(const char *path, const char *name)
{
	struct stat st;
	FILE *f, *copy;

	f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (!f) {
		fprintf(stderr, "osmo-eir-db: cannot read %s: %s\n", path, strerror(errno));
		return NULL;
	}
	if (fstat(fileno(f), &st)) {
		fprintf(stderr, "osmo-eir-db: cannot read %s: %s\n", path, strerror(errno));
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	if (S_ISREG(st.st_mode))
		return f;
	if (S_ISDIR(st.st_mode)) {
		fprintf(stderr, "osmo-eir-db: cannot read %s: %s\n", path, strerror(EISDIR));
		if (f != stdin)
			fclose(f);
		return NULL;
	}
	copy = spool(f, name);
	if (f != stdin)
		fclose(f);
	return copy;
}

/* Tell the form from the header row (names case-insensitive, white space around them ignored).
 * \returns 0, or -EINVAL with the reason and the accepted forms printed. */
static int read_header(struct import *im)
{
	struct osmo_strbuf sb;
	struct eir_csv_row row;
	struct eir_csv *csv;
	char header[256] = "";
	char *dst = im->fields;
	unsigned i;
	int rc;

	rewind(im->f);
	csv = eir_csv_new_file(im, im->f);
	if (!csv) {
		fprintf(stderr, "osmo-eir-db: out of memory\n");
		return -ENOMEM;
	}
	rc = eir_csv_next(csv, &row);
	if (rc == 1) {
		sb = (struct osmo_strbuf){ .buf = header, .len = sizeof(header) };
		for (i = 0; i < row.n; i++)
			OSMO_STRBUF_PRINTF(sb, "%s%s", i ? "," : "", trim_copy(&dst, row.f[i], row.len[i]));
		im->n_fields = row.n;
		for (i = 0; i < ARRAY_SIZE(forms); i++) {
			if (!strcasecmp(header, forms[i].header)) {
				im->form = forms[i].form;
				eir_csv_free(csv);
				return 0;
			}
		}
		fprintf(stderr, "osmo-eir-db: %s: unknown header '%s'", im->name, header);
	} else if (rc == 0) {
		fprintf(stderr, "osmo-eir-db: %s: empty file, no header", im->name);
	} else {
		fprintf(stderr, "osmo-eir-db: %s: cannot read the header: %s", im->name, eir_csv_error(csv));
	}
	eir_csv_free(csv);
	if (rc == -EIO) {
		fputc('\n', stderr);
		return -EIO;
	}
	fprintf(stderr, "; the first row names the columns, one of:\n");
	for (i = 0; i < ARRAY_SIZE(forms); i++)
		fprintf(stderr, "  %s\n", forms[i].header);
	return -EINVAL;
}

/*! Import path ("-" for stdin) into the local lists of db, in one transaction. The caller holds the writer lock. */
enum import_result db_import(void *ctx, struct eir_db *db, const char *path, size_t mem_budget, const char *tmp_dir)
{
	struct import *im;
	enum import_result res;
	struct stat st;
	double t0 = now(), dt;
	int rc;

	im = talloc_zero(ctx, struct import);
	if (!im) {
		fprintf(stderr, "osmo-eir-db: out of memory\n");
		return IMPORT_NOTHING;
	}
	im->today = eir_day_today();
	im->mem_budget = mem_budget;
	im->tmp_dir = tmp_dir;
	im->tty = isatty(STDERR_FILENO);
	im->name = strcmp(path, "-") ? path : "stdin";
	im->f = open_input(path, im->name);
	if (!im->f)
		goto nothing;
	if (read_header(im)) {
		fprintf(stderr, "osmo-eir-db: %s: nothing imported\n", im->name);
		goto nothing;
	}

	/* room for it in the map at once: each doubling of a full map would redo the whole import (the input's
	 * size, a pipe's spooled copy's too, is about what its rows take in the store) */
	if (!fstat(fileno(im->f), &st) && eir_db_reserve(db, EIR_DB_LOCAL, (uint64_t)st.st_size))
		fprintf(stderr, "osmo-eir-db: %s\n", eir_db_errstr(db));
	rc = eir_db_write(db, EIR_DB_LOCAL, import_cb, im);
	dt = now() - t0;
	eir_reasons_clear(&im->reasons);
	if (im->reported > MAX_REPORTED)
		fprintf(stderr, "%s: ... %lu more\n", im->name, im->reported - MAX_REPORTED);
	if (rc == -ENODATA) {
		fprintf(stderr, "osmo-eir-db: %s: no valid row (%lu skipped): nothing imported\n", im->name,
			im->skipped);
		goto nothing;
	}
	if (rc) {
		fprintf(stderr, "osmo-eir-db: %s\nosmo-eir-db: %s: nothing imported\n", eir_db_errstr(db), im->name);
		goto nothing;
	}
	fprintf(stderr, "imported %lu rows (%lu skipped, %lu check-digit warnings) in %.2f s (%.0f rows/s)\n",
		im->applied, im->skipped, im->warnings, dt, dt > 0 ? im->applied / dt : 0);
	res = im->skipped ? IMPORT_SKIPPED : IMPORT_ALL;
	if (im->f != stdin)
		fclose(im->f);
	talloc_free(im);
	return res;

nothing:
	if (im->f && im->f != stdin)
		fclose(im->f);
	talloc_free(im);
	return IMPORT_NOTHING;
}

/* --- export --- */

struct export {
	struct eir_db *db;
	enum eir_db_part part;
	enum export_form form;
	FILE *out;
	uint32_t last_reason_id;
	char reason[512];
};

static const char *export_reason(struct export *x, uint32_t id)
{
	if (id != x->last_reason_id) {
		if (eir_db_reason(x->db, x->part, id, x->reason, sizeof(x->reason)))
			x->reason[0] = '\0';
		x->last_reason_id = id;
	}
	return x->reason;
}

static int export_cb(const struct eir_entry *e, void *arg)
{
	struct export *x = arg;
	char a[16], b[20], d[16], m[20];

	switch (x->form) {
	case EXPORT_ENTRIES:
		if (e->list == EIR_LIST_NONE)
			return 0;	/* a record that only says "this IMEI has pairs" */
		fprintf(x->out, "%s,%s,", eir_imei_str(a, sizeof(a), e->imei), eir_list_name(e->list));
		eir_csv_put_str(x->out, export_reason(x, e->reason_id));
		if (e->block) {
			eir_day_str(d, sizeof(d), e->block);	/* YYYY-MM-DD → YYYYMMDD */
			fprintf(x->out, ",%.4s%.2s%.2s\n", d, d + 5, d + 8);
		} else {
			fputs(",\n", x->out);
		}
		break;
	case EXPORT_RANGES:
		fprintf(x->out, "%s,", eir_imei_str(a, sizeof(a), e->imei));
		fprintf(x->out, "%s,%s,", eir_imei_str(a, sizeof(a), e->last), eir_list_name(e->list));
		eir_csv_put_str(x->out, export_reason(x, e->reason_id));
		fputc('\n', x->out);
		break;
	case EXPORT_PAIRS:
		fprintf(x->out, "%s,%s,%s,", eir_imei_str(a, sizeof(a), e->imei),
			eir_imsi_unpack(b, sizeof(b), e->imsi), eir_list_name(e->list));
		eir_csv_put_str(x->out, export_reason(x, e->reason_id));
		fputc('\n', x->out);
		break;
	case EXPORT_NOTIFICATIONS:
	case EXPORT_EXCEPTIONS:
		/* one line per row: the MSISDN is part of its key, as DIRBS keys the rows */
		fprintf(x->out, "%s,%s,%s", eir_imei_str(a, sizeof(a), e->imei), eir_imsi_unpack(b, sizeof(b), e->imsi),
			eir_imsi_unpack(m, sizeof(m), e->msisdn));
		if (x->form == EXPORT_EXCEPTIONS) {
			fputc('\n', x->out);
			break;
		}
		if (e->block) {
			eir_day_str(d, sizeof(d), e->block);
			fprintf(x->out, ",%.4s%.2s%.2s,", d, d + 5, d + 8);
		} else {
			fputs(",,", x->out);
		}
		eir_csv_put_str(x->out, export_reason(x, e->reason_id));
		fprintf(x->out, ",%s\n", e->amnesty ? "True" : "False");
		break;
	}
	return ferror(x->out) ? -EIO : 0;
}

/*! Write the local lists of one form as CSV that db_import() reads back, or the national notification or exception
 *  rows as DIRBS writes them (osmo-eir-feed publishes them back).
 *  \returns 0, -EIO (write error) or a store error (eir_db_errstr()) */
int db_export(struct eir_db *db, enum export_form form, FILE *out)
{
	static const char *const headers[] = {
		[EXPORT_ENTRIES] = "imei,list,reason,block_date",
		[EXPORT_RANGES] = "first,last,list,reason",
		[EXPORT_PAIRS] = "imei,imsi,list,reason",
		[EXPORT_NOTIFICATIONS] = FEED_HEADER_NOTIFICATIONS_AMNESTY,
		[EXPORT_EXCEPTIONS] = FEED_HEADER_EXCEPTIONS,
	};
	static const enum eir_db_table tables[] = {
		[EXPORT_ENTRIES] = EIR_T_IMEI,
		[EXPORT_RANGES] = EIR_T_RANGE,
		[EXPORT_PAIRS] = EIR_T_PAIR,
		[EXPORT_NOTIFICATIONS] = EIR_T_NOTIF,
		[EXPORT_EXCEPTIONS] = EIR_T_EXC,
	};
	struct export x = { .db = db, .form = form, .out = out };
	int rc;

	fprintf(out, "%s\n", headers[form]);
	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	/* one snapshot for the whole export: reasons are read in it too */
	x.part = form >= EXPORT_NOTIFICATIONS ? EIR_DB_NATIONAL : EIR_DB_LOCAL;
	rc = eir_db_iter(db, x.part, tables[form], NULL, export_cb, &x);
	eir_db_read_end(db);
	if (fflush(out) || ferror(out))
		rc = -EIO;
	return rc;
}
