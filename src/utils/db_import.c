/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Import of CSV lists into the local part in one transaction (the form is told by the header row; bad rows are
 * reported with their line numbers and skipped), and export in the same forms, so that one round-trips. */

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/types.h>
#include "db_import.h"

#define MAX_REPORTED 100
#define REASON_CACHE 1024

enum form {
	F_DIRBS,	/* imei,block_date,reasons */
	F_ENTRIES,	/* imei,list[,reason[,block_date]] */
	F_RANGES,	/* first,last,list[,reason] */
	F_TACS,		/* tac,list[,reason] */
	F_PAIRS,	/* imei,imsi,list[,reason] */
};

static const struct {
	enum form form;
	const char *header;
} forms[] = {
	{ F_DIRBS, "imei,block_date,reasons" },
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

struct reason_slot {
	char *text;
	uint32_t id;
};

struct import {
	void *ctx;
	const char *name;	/* for messages */
	FILE *f;
	enum form form;
	unsigned n_fields;
	eir_day_t today;
	unsigned run;		/* 1, then 2.. when the map grew and the transaction is redone */
	unsigned long applied, skipped, warnings, reported;
	struct reason_slot cache[REASON_CACHE];
};

static char *trim(char *s)
{
	char *e;

	while (isspace((unsigned char)*s))
		s++;
	e = s + strlen(s);
	while (e > s && isspace((unsigned char)e[-1]))
		*--e = '\0';
	return s;
}

static void report(struct import *im, unsigned long line, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static void report(struct import *im, unsigned long line, const char *fmt, ...)
{
	va_list ap;

	/* a redone transaction sees the same rows again: say it once */
	if (im->run > 1)
		return;
	if (im->reported++ >= MAX_REPORTED)
		return;
	fprintf(stderr, "%s:%lu: ", im->name, line);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static int reason_id(struct import *im, struct eir_db_txn *txn, const char *text, uint32_t *id)
{
	uint32_t h = 2166136261u;
	const char *p;
	struct reason_slot *slot;
	int rc;

	if (!*text) {
		*id = 0;
		return 0;
	}
	for (p = text; *p; p++)
		h = (h ^ (uint8_t)*p) * 16777619u;
	slot = &im->cache[h % REASON_CACHE];
	if (slot->text && !strcmp(slot->text, text)) {
		*id = slot->id;
		return 0;
	}
	rc = eir_db_txn_reason(txn, text, id);
	if (rc)
		return rc;
	talloc_free(slot->text);
	slot->text = talloc_strdup(im->ctx, text);
	slot->id = *id;
	return 0;
}

static void cache_clear(struct import *im)
{
	unsigned i;

	for (i = 0; i < REASON_CACHE; i++)
		TALLOC_FREE(im->cache[i].text);
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
		if (im->run == 1)
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

/* One data row. \returns 0 applied, -EINVAL skipped (reported), or a store error that aborts the import. */
static int import_row(struct import *im, struct eir_db_txn *txn, struct eir_csv_row *row)
{
	struct eir_entry e = { .listed = im->today };
	enum eir_db_table t = EIR_T_IMEI;
	char *f[EIR_CSV_MAX_FIELDS];
	const char *reason = "";
	uint32_t tac;
	const char *why;
	unsigned i;
	int rc;

	if (row->n != im->n_fields) {
		report(im, row->line, "%u fields, expected %u", row->n, im->n_fields);
		return -EINVAL;
	}
	for (i = 0; i < row->n; i++)
		f[i] = trim((char *)row->f[i]);
	memset(e.msisdn, 0xff, sizeof(e.msisdn));

	switch (im->form) {
	case F_DIRBS:
		if (parse_imei(im, row->line, "IMEI", f[0], &e.imei))
			return -EINVAL;
		if (eir_day_parse(f[1], &e.block)) {
			report(im, row->line, "invalid block_date '%s': YYYYMMDD", f[1]);
			return -EINVAL;
		}
		e.list = EIR_LIST_BLACK;
		reason = f[2];
		break;
	case F_ENTRIES:
		if (parse_imei(im, row->line, "IMEI", f[0], &e.imei) || parse_list(im, row->line, f[1], &e.list))
			return -EINVAL;
		if (row->n > 2)
			reason = f[2];
		if (row->n > 3 && eir_day_parse(f[3], &e.block)) {
			report(im, row->line, "invalid block_date '%s': YYYYMMDD", f[3]);
			return -EINVAL;
		}
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
	rc = reason_id(im, txn, reason, &e.reason_id);
	if (rc == -EINVAL) {
		report(im, row->line, "%s", eir_db_errstr(eir_db_txn_db(txn)));
		return -EINVAL;
	}
	if (rc)
		return rc;
	rc = t == EIR_T_RANGE ? eir_db_txn_put_range(txn, &e) : eir_db_txn_put(txn, t, &e);
	if (rc == -EEXIST || rc == -EINVAL) {
		report(im, row->line, "%s", eir_db_errstr(eir_db_txn_db(txn)));
		return -EINVAL;
	}
	return rc;
}

static int import_cb(struct eir_db_txn *txn, void *arg)
{
	struct import *im = arg;
	struct eir_csv *csv;
	struct eir_csv_row row;
	int rc;

	im->run++;
	im->applied = im->skipped = 0;
	im->reported = 0;
	cache_clear(im);
	rewind(im->f);
	csv = eir_csv_new_file(im->ctx, im->f);
	rc = eir_csv_next(csv, &row);	/* the header, checked before */
	while (rc >= 0 && (rc = eir_csv_next(csv, &row)) != 0) {
		if (rc == -EIO) {
			fprintf(stderr, "%s: %s\n", im->name, eir_csv_error(csv));
			break;
		}
		if (rc == -EINVAL) {
			report(im, row.line, "%s", strchr(eir_csv_error(csv), ':') ? strchr(eir_csv_error(csv), ':') + 2 :
			       eir_csv_error(csv));
			im->skipped++;
			rc = 0;
			continue;
		}
		rc = import_row(im, txn, &row);
		if (rc == -EINVAL) {
			im->skipped++;
			rc = 0;
			continue;
		}
		if (rc)
			break;
		im->applied++;
	}
	eir_csv_free(csv);
	if (rc < 0)
		return rc;
	if (!im->applied && im->skipped)
		return -ENODATA;
	return 0;
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/*! Import path ("-" for stdin) into the local lists of db, in one transaction. */
enum import_result db_import(void *ctx, struct eir_db *db, const char *path)
{
	struct import *im = talloc_zero(ctx, struct import);
	struct eir_csv *csv;
	struct eir_csv_row row;
	char header[256] = "";
	double t0 = now(), dt;
	unsigned i;
	int rc;

	im->ctx = im;
	im->today = eir_day_today();
	im->name = strcmp(path, "-") ? path : "stdin";
	im->f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	if (im->f) {
		struct stat st;

		/* the transaction may have to be redone from the start: keep a copy of a pipe or FIFO */
		if (fstat(fileno(im->f), &st) == 0 && !S_ISREG(st.st_mode)) {
			FILE *in = im->f;
			char buf[65536];
			size_t n;

			im->f = tmpfile();
			while (im->f && (n = fread(buf, 1, sizeof(buf), in)) > 0)
				if (fwrite(buf, 1, n, im->f) != n)
					break;
			if (in != stdin)
				fclose(in);
		}
	}
	if (!im->f) {
		fprintf(stderr, "osmo-eir-db: cannot read %s: %s\n", path, strerror(errno));
		talloc_free(im);
		return IMPORT_NOTHING;
	}
	rewind(im->f);

	csv = eir_csv_new_file(im, im->f);
	rc = eir_csv_next(csv, &row);
	if (rc == 1) {
		struct osmo_strbuf sb = { .buf = header, .len = sizeof(header) };

		for (i = 0; i < row.n; i++) {
			char *s = trim((char *)row.f[i]);
			char *p;

			for (p = s; *p; p++)
				*p = (char)tolower((unsigned char)*p);
			OSMO_STRBUF_PRINTF(sb, "%s%s", i ? "," : "", s);
		}
		im->n_fields = row.n;
	}
	eir_csv_free(csv);
	for (i = 0; i < ARRAY_SIZE(forms); i++)
		if (!strcmp(header, forms[i].header))
			break;
	if (rc != 1 || i == ARRAY_SIZE(forms)) {
		fprintf(stderr, "osmo-eir-db: %s: %s header '%s'; the forms are:\n", im->name,
			rc == 1 ? "unknown" : "no", header);
		for (i = 0; i < ARRAY_SIZE(forms); i++)
			fprintf(stderr, "  %s\n", forms[i].header);
		fprintf(stderr, "nothing imported\n");
		if (im->f != stdin)
			fclose(im->f);
		talloc_free(im);
		return IMPORT_NOTHING;
	}
	im->form = forms[i].form;

	rc = eir_db_write(db, EIR_DB_LOCAL, import_cb, im);
	dt = now() - t0;
	if (im->f != stdin)
		fclose(im->f);
	cache_clear(im);
	if (im->reported > MAX_REPORTED)
		fprintf(stderr, "%s: ... %lu more\n", im->name, im->reported - MAX_REPORTED);
	if (rc == -ENODATA) {
		fprintf(stderr, "osmo-eir-db: %s: no valid row (%lu skipped): nothing imported\n", im->name,
			im->skipped);
		talloc_free(im);
		return IMPORT_NOTHING;
	}
	if (rc) {
		fprintf(stderr, "osmo-eir-db: %s: %s: nothing imported\n", im->name, eir_db_errstr(db));
		talloc_free(im);
		return IMPORT_NOTHING;
	}
	fprintf(stderr, "imported %lu rows (%lu skipped, %lu check-digit warnings) in %.2f s (%.0f rows/s)\n",
		im->applied, im->skipped, im->warnings, dt, dt > 0 ? im->applied / dt : 0);
	rc = im->skipped ? IMPORT_SKIPPED : IMPORT_ALL;
	talloc_free(im);
	return rc;
}

/* --- export --- */

/*! One CSV field, quoted when it has to be (RFC 4180). */
void csv_put_field(FILE *out, const char *s)
{
	if (!strpbrk(s, ",\"\r\n")) {
		fputs(s, out);
		return;
	}
	fputc('"', out);
	for (; *s; s++) {
		if (*s == '"')
			fputc('"', out);
		fputc(*s, out);
	}
	fputc('"', out);
}

struct export {
	struct eir_db *db;
	enum export_form form;
	FILE *out;
	uint32_t last_reason_id;
	char reason[512];
};

static const char *export_reason(struct export *x, uint32_t id)
{
	if (id != x->last_reason_id) {
		eir_db_reason(x->db, EIR_DB_LOCAL, id, x->reason, sizeof(x->reason));
		x->last_reason_id = id;
	}
	return x->reason;
}

static int export_cb(const struct eir_entry *e, void *arg)
{
	struct export *x = arg;
	char a[16], b[20], d[16];

	switch (x->form) {
	case EXPORT_ENTRIES:
		if (e->list == EIR_LIST_NONE)
			return 0;
		fprintf(x->out, "%s,%s,", eir_imei_str(a, sizeof(a), e->imei), eir_list_name(e->list));
		csv_put_field(x->out, export_reason(x, e->reason_id));
		if (e->block) {
			eir_day_str(d, sizeof(d), e->block);
			fprintf(x->out, ",%.4s%.2s%.2s\n", d, d + 5, d + 8);
		} else {
			fputs(",\n", x->out);
		}
		break;
	case EXPORT_RANGES:
		fprintf(x->out, "%s,", eir_imei_str(a, sizeof(a), e->imei));
		fprintf(x->out, "%s,%s,", eir_imei_str(a, sizeof(a), e->last), eir_list_name(e->list));
		csv_put_field(x->out, export_reason(x, e->reason_id));
		fputc('\n', x->out);
		break;
	case EXPORT_PAIRS:
		fprintf(x->out, "%s,%s,%s,", eir_imei_str(a, sizeof(a), e->imei), eir_imsi_unpack(b, sizeof(b), e->imsi),
			eir_list_name(e->list));
		csv_put_field(x->out, export_reason(x, e->reason_id));
		fputc('\n', x->out);
		break;
	}
	return ferror(x->out) ? -EIO : 0;
}

/*! Write the local lists of one form as CSV that db_import() reads back. \returns 0 or -EIO */
int db_export(struct eir_db *db, enum export_form form, FILE *out)
{
	static const char *const headers[] = {
		[EXPORT_ENTRIES] = "imei,list,reason,block_date",
		[EXPORT_RANGES] = "first,last,list,reason",
		[EXPORT_PAIRS] = "imei,imsi,list,reason",
	};
	static const enum eir_db_table tables[] = {
		[EXPORT_ENTRIES] = EIR_T_IMEI,
		[EXPORT_RANGES] = EIR_T_RANGE,
		[EXPORT_PAIRS] = EIR_T_PAIR,
	};
	struct export x = { .db = db, .form = form, .out = out };
	int rc;

	fprintf(out, "%s\n", headers[form]);
	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	/* one snapshot for the whole export: reasons are read in it too */
	rc = eir_db_iter(db, EIR_DB_LOCAL, tables[form], NULL, export_cb, &x);
	eir_db_read_end(db);
	if (fflush(out))
		rc = -EIO;
	return rc;
}
