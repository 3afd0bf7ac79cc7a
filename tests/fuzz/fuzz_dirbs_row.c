/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the DIRBS list rows (feed_header_check() and feed_row_parse(), src/feed/dirbs.c) of each list. A row
 * accepted has a valid 14-digit IMEI key that its IMEI field parses to, numbers that unpack, the list's own fields
 * only; a row refused says why; the header decides the number of fields of every row. */

#include <string.h>

#include <talloc.h>

#include <osmocom/eir/csv.h>
#include <osmocom/eir/feed.h>
#include <osmocom/eir/imei.h>
#include "fuzz.h"

static void check_row(const struct feed_rows *fr, const struct eir_csv_row *row, const struct feed_row *r)
{
	const struct feed_columns *col = &feed_columns[fr->list];
	struct eir_imei imei;
	const char *s = row->f[col->imei], *why;
	size_t len = row->len[col->imei];
	char buf[32];
	static const uint8_t none[8] = { 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff };

	FUZZ_ASSERT(r->imei <= 99999999999999ULL);
	eir_csv_trim(&s, &len);
	FUZZ_ASSERT(len < sizeof(buf));
	memcpy(buf, s, len);
	buf[len] = '\0';
	FUZZ_ASSERT(eir_imei_parse(buf, &imei, &why) == 0 && imei.key == r->imei);
	FUZZ_ASSERT(strlen(r->reasons) <= EIR_CSV_MAX_RECORD);
	if (col->imsi < 0)
		FUZZ_ASSERT(!memcmp(r->imsi, none, 8) && !memcmp(r->msisdn, none, 8));
	else
		FUZZ_ASSERT(eir_imsi_unpack(buf, sizeof(buf), r->imsi)[0]);
	if (col->block_date < 0)
		FUZZ_ASSERT(r->block == 0);
	if (col->reasons < 0)
		FUZZ_ASSERT(!r->reasons[0]);
	if (!fr->amnesty)
		FUZZ_ASSERT(!r->amnesty);
}

/* Input: byte 0: the list (low 2 bits, mod 3), bit 2: the list's header put in front; then the CSV text. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct feed_rows *fr;
	struct eir_csv *c;
	struct eir_csv_row row;
	struct feed_row r;
	enum feed_list l;
	char why[512], seen[256];
	uint8_t *text;
	size_t hl = 0;
	int rc;

	if (size < 1)
		return 0;
	l = (enum feed_list)((data[0] & 3) % _FEED_LIST_COUNT);
	fr = talloc_zero(NULL, struct feed_rows);
	text = talloc_size(fr, size + 64);
	if (data[0] & 4) {
		hl = strlen(feed_list_headers[l]);
		memcpy(text, feed_list_headers[l], hl);
		text[hl++] = '\n';
	}
	memcpy(text + hl, data + 1, size - 1);
	c = eir_csv_new_mem(fr, text, hl + size - 1);
	if (eir_csv_next(c, &row) != 1)
		goto out;
	if (feed_header_check(fr, l, &row, seen, sizeof(seen))) {
		FUZZ_ASSERT(!(data[0] & 4));
		goto out;
	}
	FUZZ_ASSERT(fr->list == l && fr->n_fields == row.n && (!fr->amnesty || l == FEED_NOTIF));
	while ((rc = eir_csv_next(c, &row)) == 1) {
		why[0] = '\0';
		rc = feed_row_parse(fr, &row, &r, why, sizeof(why));
		FUZZ_ASSERT(rc == FEED_ROW_OK || rc == FEED_ROW_SKIP || rc == FEED_ROW_BAD);
		FUZZ_ASSERT((rc == FEED_ROW_BAD) == (row.n != fr->n_fields));
		if (rc == FEED_ROW_OK)
			check_row(fr, &row, &r);
		else
			FUZZ_ASSERT(why[0]);
		FUZZ_ASSERT(!fr->warn[0] || rc != FEED_ROW_BAD);
	}
out:
	eir_csv_free(c);
	talloc_free(fr);
	return 0;
}
