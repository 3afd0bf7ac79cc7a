/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A streaming RFC 4180 CSV reader (one record at a time, bounded memory, whatever the file size) and its writer. */
#pragma once

#include <stdbool.h>
#include <stdio.h>
#include <stddef.h>
#include <sys/types.h>

#define EIR_CSV_MAX_FIELDS 16
#define EIR_CSV_MAX_RECORD 8192	/* bytes of one record, all fields together */

typedef ssize_t (*eir_csv_read_fn)(void *arg, void *buf, size_t len);

struct eir_csv;

struct eir_csv_row {
	unsigned n;				/*!< number of fields */
	const char *f[EIR_CSV_MAX_FIELDS];	/*!< NUL-terminated fields, valid until the next call */
	size_t len[EIR_CSV_MAX_FIELDS];		/*!< their lengths */
	unsigned long line;			/*!< line number where the record starts (1-based) */
};

struct eir_csv *eir_csv_new(void *ctx, eir_csv_read_fn read, void *arg);
struct eir_csv *eir_csv_new_file(void *ctx, FILE *f);
struct eir_csv *eir_csv_new_mem(void *ctx, const void *data, size_t len);
int eir_csv_next(struct eir_csv *c, struct eir_csv_row *row);
const char *eir_csv_error(const struct eir_csv *c);
unsigned long long eir_csv_bytes(const struct eir_csv *c);
void eir_csv_free(struct eir_csv *c);

void eir_csv_trim(const char **s, size_t *len);

/* the writer: fields quoted only where RFC 4180 needs it (a comma, a quote, CR or LF), so a reader gets them back */
bool eir_csv_needs_quotes(const char *s, size_t len);
void eir_csv_put_field(FILE *out, const char *s, size_t len);
void eir_csv_put_str(FILE *out, const char *s);
void eir_csv_put_row(FILE *out, const struct eir_csv_row *row);
