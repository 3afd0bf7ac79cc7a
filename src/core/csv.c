/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A streaming RFC 4180 CSV reader: reads through a callback in 64 KiB blocks and holds one record at a time, so
 * a 10M-row list costs no more memory than a 10-row one; and the writer whose output it reads back. */

#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/eir/csv.h>

#define BUF_SIZE 65536

struct eir_csv {
	eir_csv_read_fn read_fn;
	void *arg;

	uint8_t buf[BUF_SIZE];
	size_t pos, len;		/* unparsed input is buf[pos..len) */
	uint8_t last;			/* the byte before buf[0] (the end of the previous block) */
	bool eof;
	bool started;			/* the first block was read (and a BOM skipped) */
	int io_errno;			/* a read failed: sticky, every later call returns -EIO */

	unsigned long line;		/* line number of buf[pos] (1-based) */
	unsigned long long bytes_in;	/* returned by the read callback so far */

	/* the record being parsed: fields with NUL terminators, at most raw + 1 <= EIR_CSV_MAX_RECORD + 1 bytes */
	char rec[EIR_CSV_MAX_RECORD + 1];
	char err[128];
};

/* Byte classes: what ends a run of plain bytes in an unquoted field, in a quoted field, or when looking for the end
 * of a line. */
enum {
	C_UNQ = 1,
	C_Q = 2,
	C_EOL = 4,
};

static const uint8_t cls[256] = {
	['\0'] = C_UNQ | C_Q,
	[','] = C_UNQ,
	['"'] = C_UNQ | C_Q,
	['\n'] = C_UNQ | C_Q | C_EOL,
	['\r'] = C_UNQ | C_Q | C_EOL,
};

static ssize_t file_read(void *arg, void *buf, size_t len)
{
	FILE *f = arg;
	size_t n = fread(buf, 1, len, f);

	if (n == 0 && ferror(f)) {
		if (!errno)
			errno = EIO;
		return -1;
	}
	return (ssize_t)n;
}

/*! Create a reader that gets its input through a callback.
 *  \param[in] ctx talloc context.
 *  \param[in] read_fn called with a buffer to fill; returns the number of bytes stored, 0 at the end of the input,
 *  or a negative value on error (the error is errno, or -return if the callback returns a negative errno other
 *  than -1).
 *  \param[in] arg passed to read_fn.
 *  \returns the reader, NULL when out of memory. */
struct eir_csv *eir_csv_new(void *ctx, eir_csv_read_fn read_fn, void *arg)
{
	struct eir_csv *c = talloc_zero(ctx, struct eir_csv);

	if (!c)
		return NULL;
	c->read_fn = read_fn;
	c->arg = arg;
	c->line = 1;
	return c;
}

/*! Create a reader for a stdio stream (which stays open and owned by the caller). */
struct eir_csv *eir_csv_new_file(void *ctx, FILE *f)
{
	return eir_csv_new(ctx, file_read, f);
}

struct mem_src {
	const uint8_t *data;
	size_t len, pos;
};

static ssize_t mem_read(void *arg, void *buf, size_t len)
{
	struct mem_src *m = arg;
	size_t n = m->len - m->pos;

	if (n > len)
		n = len;
	memcpy(buf, m->data + m->pos, n);
	m->pos += n;
	return (ssize_t)n;
}

/*! Create a reader for len bytes in memory (kept by the caller while it reads): the unit tests and fuzz targets. */
struct eir_csv *eir_csv_new_mem(void *ctx, const void *data, size_t len)
{
	struct eir_csv *c = eir_csv_new(ctx, mem_read, NULL);
	struct mem_src *m = c ? talloc_zero(c, struct mem_src) : NULL;

	if (!m) {
		talloc_free(c);
		return NULL;
	}
	m->data = data;
	m->len = len;
	c->arg = m;
	return c;
}

void eir_csv_free(struct eir_csv *c)
{
	talloc_free(c);
}

/*! \returns the reason of the last -EINVAL or -EIO from eir_csv_next(), "" if there was none. */
const char *eir_csv_error(const struct eir_csv *c)
{
	return c->err;
}

/*! \returns the number of input bytes consumed so far (a skipped BOM included). */
unsigned long long eir_csv_bytes(const struct eir_csv *c)
{
	return c->bytes_in - (c->len - c->pos);
}

/* Read one block; only called when all of buf is consumed.
 * \returns 1 when there is input at buf[pos], 0 at the end of the input, -EIO on a read error. */
static int fill(struct eir_csv *c)
{
	ssize_t n;

	if (c->io_errno)
		return -EIO;
	while (c->pos == c->len) {
		if (c->len)
			c->last = c->buf[c->len - 1];
		c->pos = c->len = 0;
		/* the first block is at least 3 bytes long (or all there is), to see a UTF-8 BOM whole */
		do {
			if (c->eof)
				break;
			n = c->read_fn(c->arg, c->buf + c->len, sizeof(c->buf) - c->len);
			if (n < 0) {
				c->io_errno = n < -1 ? (int)-n : errno;
				if (!c->io_errno)
					c->io_errno = EIO;
				return -EIO;
			}
			if ((size_t)n > sizeof(c->buf) - c->len) {
				c->io_errno = EOVERFLOW;
				return -EIO;
			}
			if (n == 0)
				c->eof = true;
			c->len += (size_t)n;
			c->bytes_in += (size_t)n;
		} while (!c->started && c->len < 3);
		if (!c->started) {
			c->started = true;
			if (c->len >= 3 && c->buf[0] == 0xef && c->buf[1] == 0xbb && c->buf[2] == 0xbf)
				c->pos = 3;
		}
		if (c->pos == c->len && c->eof)
			return 0;
	}
	return 1;
}

/* After a CR that ended a line: consume the LF of a CRLF, if there is one. */
static int eat_lf(struct eir_csv *c)
{
	int rc;

	if (c->pos == c->len) {
		rc = fill(c);
		if (rc <= 0)
			return rc;
	}
	if (c->buf[c->pos] == '\n')
		c->pos++;
	return 0;
}

/* After a malformed record: skip to the start of the next line (quotes are not looked at). */
static int skip_line(struct eir_csv *c)
{
	size_t i;
	uint8_t ch;
	int rc;

	for (;;) {
		if (c->pos == c->len) {
			rc = fill(c);
			if (rc <= 0)
				return rc;
		}
		for (i = c->pos; i < c->len && !(cls[c->buf[i]] & C_EOL); i++)
			;
		c->pos = i;
		if (i < c->len)
			break;
	}
	ch = c->buf[c->pos++];
	c->line++;
	return ch == '\r' ? eat_lf(c) : 0;
}

/* Report a malformed record starting at row->line, then skip to the next line. A read error while skipping is
 * reported by the next call. */
static int bad(struct eir_csv *c, struct eir_csv_row *row, const char *what)
{
	snprintf(c->err, sizeof(c->err), "line %lu: %s", row->line, what);
	row->n = 0;
	skip_line(c);
	return -EINVAL;
}

static int io_error(struct eir_csv *c, struct eir_csv_row *row)
{
	snprintf(c->err, sizeof(c->err), "read error: %s", strerror(c->io_errno));
	row->n = 0;
	return -EIO;
}

/*! Read the next record; empty lines are skipped.
 *  \param[in] c the reader.
 *  \param[out] row the record: fields point into the reader and are valid until the next call. row->line is the
 *  line where the record starts, also for a malformed one.
 *  \returns 1 with *row filled, 0 at the end of the input, -EINVAL for a malformed record (eir_csv_error() says why
 *  and where; the reader has skipped to the start of the next line, so the next call continues there), -EIO when
 *  the read callback failed (then every later call returns -EIO too). */
int eir_csv_next(struct eir_csv *c, struct eir_csv_row *row)
{
	enum { FIELD_START, UNQUOTED, QUOTED, QUOTED_QUOTE } st;
	size_t rec_len, raw, fstart, i, span;
	unsigned n;
	uint8_t ch;
	int rc;

	if (c->io_errno)
		return io_error(c, row);

next_record:
	st = FIELD_START;
	rec_len = 0;	/* bytes in c->rec */
	raw = 0;	/* input bytes of the record so far, without the line end */
	fstart = 0;	/* where the current field starts in c->rec */
	n = 0;		/* complete fields */
	row->line = c->line;

	for (;;) {
		if (c->pos == c->len) {
			rc = fill(c);
			if (rc < 0)
				return io_error(c, row);
			if (rc == 0)
				goto end_of_input;
		}

		/* fast paths: copy a run of plain bytes */
		if (st == UNQUOTED || st == QUOTED) {
			uint8_t stop = st == UNQUOTED ? C_UNQ : C_Q;

			for (i = c->pos; i < c->len && !(cls[c->buf[i]] & stop); i++)
				;
			span = i - c->pos;
			if (raw + span > EIR_CSV_MAX_RECORD)
				goto too_long;
			memcpy(c->rec + rec_len, c->buf + c->pos, span);
			rec_len += span;
			raw += span;
			c->pos = i;
			if (i == c->len)
				continue;
		}

		ch = c->buf[c->pos];
		if (ch == '\0')
			return bad(c, row, "NUL byte in the data");

		switch (st) {
		case FIELD_START:
			if (ch == '"') {
				if (++raw > EIR_CSV_MAX_RECORD)
					goto too_long;
				c->pos++;
				st = QUOTED;
				continue;
			}
			if (ch == ',' || ch == '\n' || ch == '\r')
				break;
			st = UNQUOTED;
			continue;
		case UNQUOTED:
			if (ch == '"')
				return bad(c, row, "quote in unquoted field");
			break;
		case QUOTED:
			/* a quote, CR or LF: the run stopped there */
			if (++raw > EIR_CSV_MAX_RECORD)
				goto too_long;
			c->pos++;
			if (ch == '"') {
				st = QUOTED_QUOTE;
				continue;
			}
			/* a line break inside the field: CR, LF or CRLF count as one line */
			if (ch == '\r' || (c->pos >= 2 ? c->buf[c->pos - 2] : c->last) != '\r')
				c->line++;
			c->rec[rec_len++] = (char)ch;
			continue;
		case QUOTED_QUOTE:
			if (ch == '"') {
				/* "" is one quote */
				if (++raw > EIR_CSV_MAX_RECORD)
					goto too_long;
				c->pos++;
				c->rec[rec_len++] = '"';
				st = QUOTED;
				continue;
			}
			if (ch != ',' && ch != '\n' && ch != '\r')
				return bad(c, row, "characters after a closing quote");
			break;
		}

		/* a separator or the end of the record */
		if (ch == ',') {
			if (n + 1 >= EIR_CSV_MAX_FIELDS) {
				char what[48];

				snprintf(what, sizeof(what), "more than %d fields", EIR_CSV_MAX_FIELDS);
				return bad(c, row, what);
			}
			if (++raw > EIR_CSV_MAX_RECORD)
				goto too_long;
			c->pos++;
			c->rec[rec_len] = '\0';
			row->f[n] = c->rec + fstart;
			row->len[n] = rec_len - fstart;
			n++;
			fstart = ++rec_len;
			st = FIELD_START;
			continue;
		}

		/* CR, LF or CRLF */
		c->pos++;
		c->line++;
		if (ch == '\r')
			eat_lf(c);	/* a read error is reported by the next fill() */
		if (n == 0 && st == FIELD_START)
			goto next_record;	/* an empty line */
		goto end_of_record;
	}

end_of_input:
	if (st == QUOTED)
		return bad(c, row, "unterminated quoted field");	/* and the reader stays at the end */
	if (n == 0 && st == FIELD_START) {
		row->n = 0;
		return 0;
	}
	/* the last record has no line end */

end_of_record:
	c->rec[rec_len] = '\0';
	row->f[n] = c->rec + fstart;
	row->len[n] = rec_len - fstart;
	row->n = n + 1;
	return 1;

too_long:
	{
		char what[48];

		snprintf(what, sizeof(what), "record longer than %d bytes", EIR_CSV_MAX_RECORD);
		return bad(c, row, what);
	}
}

/*! Narrow a field to what is between its leading and trailing white space (the lists' readers ignore it). */
void eir_csv_trim(const char **s, size_t *len)
{
	while (*len && isspace((unsigned char)**s)) {
		(*s)++;
		(*len)--;
	}
	while (*len && isspace((unsigned char)(*s)[*len - 1]))
		(*len)--;
}

/* --- the writer --- */

/*! Must this field be quoted (RFC 4180 §2.6: it holds a comma, a double quote, CR or LF)? */
bool eir_csv_needs_quotes(const char *s, size_t len)
{
	return memchr(s, ',', len) || memchr(s, '"', len) || memchr(s, '\r', len) || memchr(s, '\n', len);
}

/*! One field of len bytes, quoted when it has to be, a double quote inside doubled (RFC 4180 §2.7). */
void eir_csv_put_field(FILE *out, const char *s, size_t len)
{
	size_t i;

	if (!eir_csv_needs_quotes(s, len)) {
		fwrite(s, 1, len, out);
		return;
	}
	fputc('"', out);
	for (i = 0; i < len; i++) {
		if (s[i] == '"')
			fputc('"', out);
		fputc(s[i], out);
	}
	fputc('"', out);
}

/*! One NUL-terminated field, as eir_csv_put_field(). */
void eir_csv_put_str(FILE *out, const char *s)
{
	eir_csv_put_field(out, s, strlen(s));
}

/*! A whole record as the reader gave it, ended by LF. */
void eir_csv_put_row(FILE *out, const struct eir_csv_row *row)
{
	unsigned i;

	for (i = 0; i < row->n; i++) {
		if (i)
			fputc(',', out);
		eir_csv_put_field(out, row->f[i], row->len[i]);
	}
	fputc('\n', out);
}
