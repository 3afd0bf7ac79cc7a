/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DIRBS list columns and rows (src/feed/dirbs.c, national-feed.md §3): a list file's text in, its header check and
 * each row's key, block date, reasons and amnesty flag, or why it is skipped or refused, out. */

#include <stdio.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/eir/csv.h>
#include <osmocom/eir/feed.h>
#include <osmocom/eir/imei.h>

static const char *const rc_names[] = {
	[FEED_ROW_OK] = "ok",
	[FEED_ROW_SKIP] = "skip",
	[FEED_ROW_BAD] = "bad",
};

static void list(const char *what, enum feed_list l, const char *text)
{
	struct eir_csv *c = eir_csv_new_mem(NULL, text, strlen(text));
	struct feed_rows *fr = talloc_zero(NULL, struct feed_rows);
	struct eir_csv_row row;
	struct feed_row r;
	char seen[256], why[256], a[20], b[20], d[16];
	int rc;

	printf("case \"%s\": %s\n", what, feed_list_names[l]);
	rc = eir_csv_next(c, &row);
	if (rc != 1) {
		printf("  no header: %s\n", rc == 0 ? "empty" : eir_csv_error(c));
		goto out;
	}
	if (feed_header_check(fr, l, &row, seen, sizeof(seen))) {
		printf("  header '%s' refused, expected '%s'\n", seen, feed_list_headers[l]);
		goto out;
	}
	printf("  header '%s': %u fields%s\n", seen, fr->n_fields, fr->amnesty ? ", amnesty" : "");
	while ((rc = eir_csv_next(c, &row)) == 1) {
		rc = feed_row_parse(fr, &row, &r, why, sizeof(why));
		printf("  line %lu: %s", row.line, rc_names[rc]);
		if (rc) {
			printf(": %s\n", why);
			continue;
		}
		printf(" imei %s", eir_imei_str(a, sizeof(a), r.imei));
		if (l != FEED_BLACK)
			printf(" imsi %s msisdn '%s'", eir_imsi_unpack(a, sizeof(a), r.imsi),
			       eir_imsi_unpack(b, sizeof(b), r.msisdn));
		if (l != FEED_EXC)
			printf(" block '%s' reasons '%s'", eir_day_str(d, sizeof(d), r.block), r.reasons);
		if (fr->amnesty)
			printf(" amnesty %s", r.amnesty ? "yes" : "no");
		printf("\n");
		if (fr->warn[0])
			printf("    warning: %s\n", fr->warn);
	}
	if (rc < 0)
		printf("  csv: %s\n", eir_csv_error(c));
out:
	eir_csv_free(c);
	talloc_free(fr);
}

int main(void)
{
	enum feed_list l;

	for (l = 0; l < _FEED_LIST_COUNT; l++) {
		const struct feed_columns *col = &feed_columns[l];

		printf("%-13s '%s': imei %d imsi %d msisdn %d block_date %d reasons %d amnesty %d, key of %u\n",
		       feed_list_names[l], feed_list_headers[l], col->imei, col->imsi, col->msisdn, col->block_date,
		       col->reasons, col->amnesty, col->key_fields);
	}
	list("blacklist rows", FEED_BLACK,
	     "imei,block_date,reasons\n"
	     "35693803564380,20261120,stolen\n"
	     "356938035643809,20261120,\"stolen|lost, reported\"\n"
	     " 35693803564381 , 2026-11-21 ,  theft  \n"
	     "3569380356438A,20261120,stolen\n"
	     "35693803564382,2026112,stolen\n"
	     "35693803564383,20261120\n"
	     "35693803564384,20261120,stolen,extra\n"
	     "12345678901234567890123456789012345678901234567890123456789012345678901234567890"
	     "123456789012345678901234567890123456789012345678901234567890,20261120,x\n"
	     "35693803564385,,\n");
	list("CRLF line ends and an uppercase header", FEED_BLACK,
	     "IMEI, Block_Date ,REASONS\r\n"
	     "35693803564380,20261120,stolen\r\n"
	     "35693803564381,20261121,\"a\r\nb\"\r\n");
	list("notifications", FEED_NOTIF,
	     "imei,imsi,msisdn,block_date,reasons\n"
	     "35693803564380,262011234567890,491701234567,20261201,\"not registered\"\n"
	     "35693803564380,262011234567890,,20261201,dup\n"
	     "35693803564381,262011234567890,49-170,20261201,odd msisdn\n"
	     "35693803564382,26201,491701234567,20261201,short imsi\n"
	     "35693803564383,262011234567890,491701234567,notadate,x\n");
	list("notifications with amnesty", FEED_NOTIF,
	     "imei,imsi,msisdn,block_date,reasons,amnesty_granted\n"
	     "35693803564380,262011234567890,491701234567,20261201,r,True\n"
	     "35693803564381,262011234567890,491701234567,20261201,r,f\n"
	     "35693803564382,262011234567890,491701234567,20261201,r,1\n");
	list("exceptions", FEED_EXC,
	     "imei,imsi,msisdn\n"
	     "35693803564380,262011234567890,491701234567\n"
	     "35693803564381,262011234567890,\n"
	     "35693803564382,x,491701234567\n"
	     "35693803564383,262011234567890\n");
	list("the blacklist's header on notifications", FEED_NOTIF, "imei,block_date,reasons\n");
	list("amnesty_granted on the blacklist", FEED_BLACK, "imei,block_date,reasons,amnesty_granted\n");
	list("exceptions with reasons", FEED_EXC, "imei,imsi,msisdn,reasons\n");
	list("empty", FEED_EXC, "");
	return 0;
}
