/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the streaming CSV reader (src/core/csv.c) that reads every list file. Input: one byte for the
 * size of the blocks the read callback hands over (1..256), then the CSV text. The records, the errors and their
 * line numbers must not depend on how the input was cut, every call must make progress, and a field is what its
 * length says. */

#include <errno.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/eir/csv.h>

#include "fuzz.h"

struct src {
	const uint8_t *data;
	size_t len, pos, chunk;
};

static ssize_t src_read(void *arg, void *buf, size_t len)
{
	struct src *s = arg;
	size_t n = s->len - s->pos;

	if (n > s->chunk)
		n = s->chunk;
	if (n > len)
		n = len;
	memcpy(buf, s->data + s->pos, n);
	s->pos += n;
	return (ssize_t)n;
}

/* FNV-1a over everything the reader returned: cheap to compare two readings */
static void mix(uint64_t *h, const void *p, size_t n)
{
	const uint8_t *b = p;

	while (n--)
		*h = (*h ^ *b++) * 1099511628211ULL;
}

static uint64_t read_all(const uint8_t *data, size_t len, size_t chunk)
{
	struct src s = { .data = data, .len = len, .chunk = chunk };
	struct eir_csv *c = eir_csv_new(NULL, src_read, &s);
	struct eir_csv_row row;
	uint64_t h = 14695981039346656037ULL;
	size_t calls = 0;
	unsigned i;
	int rc;

	FUZZ_ASSERT(c);
	do {
		/* each record or error consumes at least one byte: more calls than bytes is a loop */
		FUZZ_ASSERT(++calls <= len + 1);
		rc = eir_csv_next(c, &row);
		mix(&h, &rc, sizeof(rc));
		if (rc == 1) {
			FUZZ_ASSERT(row.n >= 1 && row.n <= EIR_CSV_MAX_FIELDS);
			mix(&h, &row.line, sizeof(row.line));
			for (i = 0; i < row.n; i++) {
				FUZZ_ASSERT(row.len[i] <= EIR_CSV_MAX_RECORD && strlen(row.f[i]) == row.len[i]);
				mix(&h, row.f[i], row.len[i] + 1);
			}
		} else if (rc == -EINVAL) {
			FUZZ_ASSERT(eir_csv_error(c)[0]);
			mix(&h, &row.line, sizeof(row.line));
			mix(&h, eir_csv_error(c), strlen(eir_csv_error(c)));
		} else {
			FUZZ_ASSERT(rc == 0);
		}
	} while (rc != 0);
	FUZZ_ASSERT(eir_csv_bytes(c) == len);
	eir_csv_free(c);
	return h;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t chunk;

	if (size < 1)
		return 0;
	chunk = (size_t)data[0] + 1;
	FUZZ_ASSERT(read_all(data + 1, size - 1, chunk) == read_all(data + 1, size - 1, size));
	return 0;
}
