/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The DIRBS list files' columns and rows (national-feed.md §3): the header of each list, and one CSV record of a list
 * into its key (IMEI, IMSI, MSISDN), block date, reasons and amnesty flag. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <osmocom/eir/feed.h>
#include <osmocom/eir/imei.h>

#define FIELD_MAX 128	/* a field other than the reasons: longer is invalid */

const char *const feed_list_headers[_FEED_LIST_COUNT] = {
	[FEED_BLACK] = FEED_HEADER_BLACKLIST,
	[FEED_NOTIF] = FEED_HEADER_NOTIFICATIONS,
	[FEED_EXC] = FEED_HEADER_EXCEPTIONS,
};

const struct feed_columns feed_columns[_FEED_LIST_COUNT] = {
	[FEED_BLACK] = { .imei = 0, .imsi = -1, .msisdn = -1, .block_date = 1, .reasons = 2, .amnesty = -1,
			 .key_fields = 1 },
	[FEED_NOTIF] = { .imei = 0, .imsi = 1, .msisdn = 2, .block_date = 3, .reasons = 4, .amnesty = 5,
			 .key_fields = 3 },
	[FEED_EXC] = { .imei = 0, .imsi = 1, .msisdn = 2, .block_date = -1, .reasons = -1, .amnesty = -1,
		       .key_fields = 3 },
};

/*! Check the header row of a file of list l (names case-insensitive, white space around them ignored) and make fr
 *  ready to read its rows.
 *  \param[out] seen the header as read, for the message ("" if seenlen is 0)
 *  \returns 0, or -EINVAL: not the list's header (expected: feed_list_headers[l]) */
int feed_header_check(struct feed_rows *fr, enum feed_list l, const struct eir_csv_row *hdr, char *seen,
		      size_t seenlen)
{
	char h[256] = "";
	size_t used = 0;
	unsigned i;

	for (i = 0; i < hdr->n && used < sizeof(h) - 64; i++) {
		const char *s = hdr->f[i];
		size_t len = hdr->len[i];

		eir_csv_trim(&s, &len);
		used += (size_t)snprintf(h + used, sizeof(h) - used, "%s%.*s", i ? "," : "", (int)len, s);
	}
	if (seenlen)
		snprintf(seen, seenlen, "%s", h);
	memset(fr, 0, sizeof(*fr));
	fr->list = l;
	fr->n_fields = hdr->n;
	if (!strcasecmp(h, feed_list_headers[l]))
		return 0;
	if (l == FEED_NOTIF && !strcasecmp(h, FEED_HEADER_NOTIFICATIONS_AMNESTY)) {
		fr->amnesty = true;
		return 0;
	}
	return -EINVAL;
}

static int day_parse(struct feed_rows *fr, const char *s, eir_day_t *d)
{
	size_t len = strlen(s);

	if (len < sizeof(fr->last_date) && !strcmp(s, fr->last_date)) {
		*d = fr->last_day;
		return fr->last_date_rc;
	}
	fr->last_date_rc = eir_day_parse(s, &fr->last_day);
	*d = fr->last_day;
	if (len < sizeof(fr->last_date))
		memcpy(fr->last_date, s, len + 1);
	return fr->last_date_rc;
}

static bool truthy(const char *s)
{
	return !strcasecmp(s, "true") || !strcasecmp(s, "t") || !strcmp(s, "1") || !strcasecmp(s, "yes");
}

/*! One data row of the list whose header feed_header_check() read. A MSISDN DIRBS would never write (its pattern is 1
 *  to 15 digits) is taken as "no MSISDN" and said in fr->warn, the row kept: a skip could block an owner.
 *  \param[out] why why the row is skipped or bad
 *  \returns FEED_ROW_OK, FEED_ROW_SKIP or FEED_ROW_BAD */
int feed_row_parse(struct feed_rows *fr, const struct eir_csv_row *row, struct feed_row *out, char *why,
		   size_t whylen)
{
	const struct feed_columns *col = &feed_columns[fr->list];
	char fld[EIR_CSV_MAX_FIELDS][FIELD_MAX];
	struct eir_imei imei;
	const char *w;
	unsigned i;

	fr->warn[0] = '\0';
	if (row->n != fr->n_fields) {
		snprintf(why, whylen, "%u fields, expected %u", row->n, fr->n_fields);
		return FEED_ROW_BAD;
	}
	fr->reasons[0] = '\0';
	for (i = 0; i < row->n; i++) {
		const char *s = row->f[i];
		size_t len = row->len[i];

		eir_csv_trim(&s, &len);
		if ((int)i == col->reasons) {
			/* kept whole */
			memcpy(fr->reasons, s, len);
			fr->reasons[len] = '\0';
			fld[i][0] = '\0';
			continue;
		}
		if (len >= sizeof(fld[i])) {
			snprintf(why, whylen, "field %u too long", i + 1);
			return FEED_ROW_SKIP;
		}
		memcpy(fld[i], s, len);
		fld[i][len] = '\0';
	}
	memset(out, 0, sizeof(*out));
	memset(out->imsi, 0xff, sizeof(out->imsi));
	memset(out->msisdn, 0xff, sizeof(out->msisdn));
	out->reasons = fr->reasons;
	if (eir_imei_parse(fld[col->imei], &imei, &w)) {
		snprintf(why, whylen, "invalid IMEI '%s': %s", fld[col->imei], w);
		return FEED_ROW_SKIP;
	}
	out->imei = imei.key;
	if (col->imsi >= 0 && eir_imsi_pack(fld[col->imsi], out->imsi, &w)) {
		snprintf(why, whylen, "invalid IMSI '%s': %s", fld[col->imsi], w);
		return FEED_ROW_SKIP;
	}
	/* part of the row's key (DIRBS keys rows by IMEI, IMSI and MSISDN) */
	if (col->msisdn >= 0 && fld[col->msisdn][0] && eir_msisdn_pack(fld[col->msisdn], out->msisdn, &w)) {
		snprintf(fr->warn, sizeof(fr->warn), "invalid MSISDN '%s' (%s): taken as none", fld[col->msisdn], w);
		memset(out->msisdn, 0xff, sizeof(out->msisdn));
	}
	if (col->block_date >= 0 && day_parse(fr, fld[col->block_date], &out->block)) {
		snprintf(why, whylen, "invalid block_date '%s'", fld[col->block_date]);
		return FEED_ROW_SKIP;
	}
	if (fr->amnesty)
		out->amnesty = truthy(fld[col->amnesty]);
	return FEED_ROW_OK;
}
