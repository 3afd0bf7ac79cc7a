/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The streaming CSV reader: RFC 4180 cases fed in chunks of every size, each malformed case with its message and
 * the record after it, read errors, and a large generated input. The .ok file is the specification. */

#include <errno.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/eir/csv.h>

#define ARRAY_LEN(a) (sizeof(a) / sizeof((a)[0]))

/* Input from memory, in chunks of a given size; fails (once pos reaches fail_at) with fail_rc, or with -1 and
 * errno = EIO when fail_rc is 0. */
struct src {
	const char *data;
	size_t len, pos, chunk;
	long fail_at;
	int fail_rc;
};

static ssize_t src_read(void *arg, void *buf, size_t len)
{
	struct src *s = arg;
	size_t n = s->len - s->pos;

	if (s->fail_at >= 0) {
		if (s->pos >= (size_t)s->fail_at) {
			if (s->fail_rc)
				return s->fail_rc;
			errno = EIO;
			return -1;
		}
		if (n > (size_t)s->fail_at - s->pos)
			n = (size_t)s->fail_at - s->pos;
	}
	if (n > s->chunk)
		n = s->chunk;
	if (n > len)
		n = len;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

/* The output of one run, to compare the runs with different chunk sizes. */
static char out[16384];
static size_t out_len;

static void __attribute__((format(printf, 1, 2))) outf(const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out + out_len, sizeof(out) - out_len, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(out) - out_len) {
		printf("OUTPUT TOO LONG\n");
		exit(1);
	}
	out_len += (size_t)n;
}

/* A field in brackets: \r, \n, \t, \\ and bytes outside printable ASCII escaped; long fields abbreviated. */
static void out_field(const char *f, size_t len)
{
	size_t i;

	outf(" [");
	if (len > 40) {
		outf("%.10s...(%zu bytes)]", f, len);
		return;
	}
	for (i = 0; i < len; i++) {
		unsigned char ch = (unsigned char)f[i];

		if (ch == '\r')
			outf("\\r");
		else if (ch == '\n')
			outf("\\n");
		else if (ch == '\t')
			outf("\\t");
		else if (ch == '\\')
			outf("\\\\");
		else if (ch < 0x20 || ch >= 0x7f)
			outf("\\x%02x", ch);
		else
			outf("%c", ch);
	}
	outf("]");
}

static const char *rc_name(int rc)
{
	static char buf[16];

	switch (rc) {
	case -EINVAL:
		return "-EINVAL";
	case -EIO:
		return "-EIO";
	default:
		snprintf(buf, sizeof(buf), "%d", rc);
		return buf;
	}
}

/* Parse the whole input, one output line per eir_csv_next() call, until the end or a second -EIO. */
static void run(void *ctx, const char *data, size_t len, size_t chunk, long fail_at, int fail_rc)
{
	struct src s = { .data = data, .len = len, .chunk = chunk, .fail_at = fail_at, .fail_rc = fail_rc };
	struct eir_csv *c = eir_csv_new(ctx, src_read, &s);
	struct eir_csv_row row;
	unsigned i, calls, eio = 0;
	int rc;

	out_len = 0;
	out[0] = '\0';
	for (calls = 0; calls < 100; calls++) {
		memset(&row, 0xa5, sizeof(row));
		rc = eir_csv_next(c, &row);
		outf("  rc=%s", rc_name(rc));
		if (rc == 1) {
			outf(" line=%lu n=%u", row.line, row.n);
			for (i = 0; i < row.n && i < EIR_CSV_MAX_FIELDS; i++) {
				out_field(row.f[i], row.len[i]);
				if (strlen(row.f[i]) != row.len[i])
					outf("(LENGTH MISMATCH)");
			}
		} else if (rc == -EINVAL) {
			outf(" line=%lu \"%s\"", row.line, eir_csv_error(c));
		} else if (rc == -EIO) {
			outf(" \"%s\"", eir_csv_error(c));
		}
		outf(" bytes=%llu\n", eir_csv_bytes(c));
		if (rc == 0 || (rc == -EIO && ++eio == 2))
			break;
	}
	eir_csv_free(c);
}

/* Run a case with big and tiny chunks; all must give the same output. */
static void t_fail(void *ctx, const char *name, const char *data, size_t len, long fail_at, int fail_rc)
{
	static const size_t chunks[] = { 65536, 1, 2, 3, 7, 4096 };
	static char first[sizeof(out)];
	unsigned i;

	printf("case \"%s\"\n", name);
	run(ctx, data, len, chunks[0], fail_at, fail_rc);
	memcpy(first, out, out_len + 1);
	printf("%s", first);
	for (i = 1; i < ARRAY_LEN(chunks); i++) {
		run(ctx, data, len, chunks[i], fail_at, fail_rc);
		if (strcmp(first, out))
			printf("MISMATCH with %zu-byte chunks:\n%s", chunks[i], out);
	}
}

static void t(void *ctx, const char *name, const char *data, size_t len)
{
	t_fail(ctx, name, data, len, -1, 0);
}

#define T(name, lit) t(ctx, name, lit, sizeof(lit) - 1)

static void test_rfc4180(void *ctx)
{
	T("plain LF", "imei,list,reason\n35693803564380,black,stolen\n");
	T("CRLF", "a,b\r\nc,d\r\n");
	T("lone CR ends a line too", "a,b\rc,d\r");
	T("mixed line ends, empty lines in between", "a\r\n\rb\n\r\nc");
	T("no line end after the last record", "a,b\nc,d");
	T("quoted field last, no line end", "a,\"b\"");
	T("empty input", "");
	T("only empty lines", "\n\r\n\n\r");
	T("empty lines are skipped, line numbers go on", "\n\na\n\r\n\nb\n\n");
	T("quoted comma", "a,\"b,c\",d\n");
	T("doubled quotes", "\"say \"\"hi\"\"\",x\n\"\"\"\"\n\"\"\"\"\"\"\n");
	T("a quoted empty field is a record", "\"\"\n\"\",\"\"\n");
	T("LF inside quotes", "\"one\ntwo\",x\nnext,1\n");
	T("CRLF inside quotes", "\"a\r\nb\r\nc\",x\r\nnext\r\n");
	T("lone CR inside quotes", "\"a\rb\",x\nnext\n");
	T("line break right after the opening quote and before the closing one", "x,\"\nmid\n\"\nnext\n");
	T("empty fields", "a,,b\n,\n,,\n\"\",x\nend,\n");
	T("spaces are kept", " a , b \n\t x\t,\n");
	T("UTF-8 is passed through", "\"M\xc3\xbcller\",\xe2\x82\xac\n");
	T("BOM is skipped", "\xef\xbb\xbfimei,list\n1,2\n");
	T("BOM only", "\xef\xbb\xbf");
	T("BOM then a quoted field", "\xef\xbb\xbf\"a\",b");
	T("BOM not at the start is data", "a\n\xef\xbb\xbf" "b\n");
	T("half a BOM is data", "\xef\xbbx\n");
}

static void test_malformed(void *ctx)
{
	T("unterminated quote at the end", "a,b\n\"open,c\nd\n");
	T("just a quote", "\"");
	T("quote in unquoted field", "ab\"c,d\nnext,ok\n");
	T("quote after a space", "x, \"a\",b\nnext\n");
	T("text after a closing quote", "\"a\"b,c\nnext,ok\n");
	T("space after a closing quote, CRLF", "\"a\" ,c\r\nnext\r\n");
	T("error in a record spanning lines: skip to the end of the line of the error", "x,\"a\nb\"c\nnext\n");
	T("NUL byte", "a\0b,c\nnext,ok\n");
	T("NUL byte in quotes", "\"a\0\"\nnext\n");
	T("NUL byte after a closing quote", "\"a\"\0\nnext\n");
	T("NUL byte as a whole line", "\0\r\nnext\n");
	T("two bad lines in a row", "a\"\n\"b\"c\nok\n");
	T("16 fields are fine, 17 are not",
	  "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16\n"
	  "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,16,17\n"
	  "next,ok\n"
	  "1,2,3,4,5,6,7,8,9,10,11,12,13,14,15,\n"
	  ",,,,,,,,,,,,,,,,\n"
	  "last\n");
}

/* Records around EIR_CSV_MAX_RECORD bytes, built at run time */
static void test_long(void *ctx)
{
	char *s = talloc_size(ctx, 4 * EIR_CSV_MAX_RECORD + 256);
	size_t l;

#define ADD_X(count) do { memset(s + l, 'x', count); l += count; } while (0)
#define ADD(str) do { memcpy(s + l, str, strlen(str)); l += strlen(str); } while (0)

	/* unquoted: 8192 bytes are fine, 8193 are not */
	l = 0;
	ADD_X(EIR_CSV_MAX_RECORD);
	ADD("\n");
	ADD_X(EIR_CSV_MAX_RECORD + 1);
	ADD("\nnext\n");
	t(ctx, "unquoted record of 8192 bytes is fine, 8193 bytes are not", s, l);

	/* the record length counts separators and quotes, not the line end */
	l = 0;
	ADD("a,\"");
	ADD_X(EIR_CSV_MAX_RECORD - 6);
	ADD("\",b\r\n");
	ADD("a,\"");
	ADD_X(EIR_CSV_MAX_RECORD - 5);
	ADD("\",b\r\nnext");
	t(ctx, "separators and quotes count, CRLF does not", s, l);

	/* the limit reached inside a quoted field with line breaks: resync at the end of the line of the error */
	l = 0;
	ADD("\"");
	ADD_X(EIR_CSV_MAX_RECORD - 100);
	ADD("\n");
	ADD_X(200);
	ADD("\"\nnext\n");
	t(ctx, "too long in the second line of a quoted field", s, l);

	/* the limit reached at a line break inside quotes: that line break ends the skipping, so the rest of the quoted
	 * field is a new (here: bad) record */
	l = 0;
	ADD("\"");
	ADD_X(EIR_CSV_MAX_RECORD - 1);
	ADD("\ny\"\nnext\n");
	t(ctx, "too long at a line break inside quotes", s, l);

	talloc_free(s);
}

static void test_read_errors(void *ctx)
{
	static const char abc[] = "a,b\nc,d\ne,f\n";

	t_fail(ctx, "read error inside a record, then it stays", abc, sizeof(abc) - 1, 6, 0);
	t_fail(ctx, "read error at the start", abc, sizeof(abc) - 1, 0, 0);
	t_fail(ctx, "read error as a negative errno", abc, sizeof(abc) - 1, 4, -ENOENT);
	t_fail(ctx, "read error after a CR: the record is returned, then the error", "a,b\r", 4, 4, 0);
	t_fail(ctx, "read error while skipping a bad line: -EINVAL first, then -EIO", "x\"y\nnext\n", 9, 3, 0);
	t_fail(ctx, "read error at the end (instead of EOF)", abc, sizeof(abc) - 1, sizeof(abc) - 1, 0);
}

static void test_file(void *ctx)
{
	static char data[] = "\xef\xbb\xbfimei,list\r\n\"35693803564380\",black\r\n";
	FILE *f = fmemopen(data, sizeof(data) - 1, "r");
	struct eir_csv *c = eir_csv_new_file(ctx, f);
	struct eir_csv_row row;
	int rc;

	printf("case \"eir_csv_new_file()\"\n");
	while ((rc = eir_csv_next(c, &row)) == 1)
		printf("  rc=1 line=%lu n=%u [%s] [%s] bytes=%llu\n", row.line, row.n, row.f[0], row.f[1],
		       eir_csv_bytes(c));
	printf("  rc=%d bytes=%llu\n", rc, eir_csv_bytes(c));
	eir_csv_free(c);
	fclose(f);
}

/* A large input made on the fly, in chunks of varying size: "%014u,black,\"reason, %u\"\r\n", and an empty line
 * before every 10000th row. */
struct gen {
	unsigned long rows, done, calls;
	unsigned long long bytes;
	char line[64];
	size_t lpos, llen;
};

static ssize_t gen_read(void *arg, void *buf, size_t len)
{
	struct gen *g = arg;
	size_t n = 0, want;

	/* 1 .. 5000 bytes, varying */
	g->calls++;
	want = 1 + (g->calls * 7919) % 5000;
	if (want > len)
		want = len;
	while (n < want) {
		if (g->lpos == g->llen) {
			if (g->done == g->rows)
				break;
			g->llen = (size_t)snprintf(g->line, sizeof(g->line), "%s%014lu,black,\"reason, %lu\"\r\n",
						   g->done % 10000 ? "" : "\r\n", 35000000000000UL + g->done,
						   g->done % 10);
			g->lpos = 0;
			g->done++;
		}
		((char *)buf)[n++] = g->line[g->lpos++];
	}
	g->bytes += n;
	return (ssize_t)n;
}

static void test_large(void *ctx)
{
	struct gen g = { .rows = 200000 };
	struct eir_csv *c = eir_csv_new(ctx, gen_read, &g);
	struct eir_csv_row row;
	unsigned long rows = 0, last = 0, bad = 0;
	size_t mem = talloc_total_size(ctx);
	char imei[16], reason[16];
	int rc;

	while ((rc = eir_csv_next(c, &row)) == 1) {
		snprintf(imei, sizeof(imei), "%014lu", 35000000000000UL + rows);
		snprintf(reason, sizeof(reason), "reason, %lu", rows % 10);
		if (row.n != 3 || strcmp(row.f[0], imei) || strcmp(row.f[1], "black") || strcmp(row.f[2], reason)
		    || row.len[0] != 14 || row.len[2] != 9 || row.line != rows + 1 + rows / 10000 + 1)
			bad++;
		rows++;
		last = row.line;
	}
	printf("case \"200000 generated rows\": rc=%d rows=%lu bad=%lu last line=%lu bytes=%llu (generated %llu)"
	       " memory %s\n", rc, rows, bad, last, eir_csv_bytes(c), g.bytes,
	       talloc_total_size(ctx) == mem ? "constant" : "GREW");
	eir_csv_free(c);
}

static void print_escaped(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] == '\n')
			printf("\\n");
		else if (s[i] == '\r')
			printf("\\r");
		else
			putchar(s[i]);
	}
}

/* The writer: each field as written (CR and LF shown as \r and \n), then all of them as one row and as records
 * "N,field", read back by the reader unchanged. */
static void test_writer(void *ctx)
{
	static const char *const fields[] = {
		"plain", "", "a,b", "say \"hi\"", "\"", "line\nbreak", "cr\rlf\r\n", " spaced ", "a|b|c", ",",
	};
	struct eir_csv_row in = { .n = ARRAY_LEN(fields) }, back;
	struct eir_csv *c;
	char *buf = NULL;
	size_t len = 0, i;
	unsigned bad = 0;
	FILE *f;

	printf("case \"writer\"\n");
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		in.f[i] = fields[i];
		in.len[i] = strlen(fields[i]);
		f = open_memstream(&buf, &len);
		eir_csv_put_str(f, fields[i]);
		fclose(f);
		printf("  [");
		print_escaped(fields[i], in.len[i]);
		printf("] -> [");
		print_escaped(buf, len);
		printf("]%s\n", eir_csv_needs_quotes(fields[i], in.len[i]) ? " quoted" : "");
		free(buf);
		buf = NULL;
	}
	f = open_memstream(&buf, &len);
	eir_csv_put_row(f, &in);
	for (i = 0; i < ARRAY_LEN(fields); i++) {
		fprintf(f, "%zu,", i);
		eir_csv_put_field(f, fields[i], in.len[i]);
		fputc('\n', f);
	}
	fclose(f);
	printf("  row: ");
	print_escaped(buf, len);
	printf("\n");
	f = fmemopen(buf, len, "r");
	c = eir_csv_new_file(ctx, f);
	if (eir_csv_next(c, &back) != 1 || back.n != in.n) {
		printf("  row read back: %u fields, expected %u\n", back.n, in.n);
		bad++;
	}
	for (i = 0; i < back.n && i < in.n; i++) {
		if (back.len[i] != in.len[i] || memcmp(back.f[i], fields[i], in.len[i])) {
			printf("  row field %zu read back differs\n", i);
			bad++;
		}
	}
	for (i = 0; i < ARRAY_LEN(fields) && eir_csv_next(c, &back) == 1; i++) {
		if (back.n != 2 || back.len[1] != in.len[i] || memcmp(back.f[1], fields[i], in.len[i])) {
			printf("  record %zu read back differs\n", i);
			bad++;
		}
	}
	if (i != ARRAY_LEN(fields) || eir_csv_next(c, &back) != 0)
		bad++;
	printf("  read back: %s\n", bad ? "DIFFERENT" : "the same");
	eir_csv_free(c);
	fclose(f);
	free(buf);
}

int main(void)
{
	void *ctx = talloc_named_const(NULL, 0, "csv_test");

	test_rfc4180(ctx);
	test_malformed(ctx);
	test_long(ctx);
	test_read_errors(ctx);
	test_file(ctx);
	test_large(ctx);
	test_writer(ctx);

	if (talloc_total_blocks(ctx) != 1) {
		printf("LEAK\n");
		talloc_report_full(ctx, stdout);
		return 1;
	}
	talloc_free(ctx);
	return 0;
}
