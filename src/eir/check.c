/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The verdict engine: one pure function over the store that every front end (S13, N5g-eir, VTY, tools)
 * calls, so that every interface gives the same answer for the same handset. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/check.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>

const struct value_string eir_level_names[] = {
	{ EIR_LVL_LOCAL_PAIR, "local pair" },
	{ EIR_LVL_NAT_EXC, "national exception" },
	{ EIR_LVL_LOCAL_IMEI, "local entry" },
	{ EIR_LVL_NAT_BLACK, "national blacklist" },
	{ EIR_LVL_NAT_NOTIF, "national notification" },
	{ EIR_LVL_LOCAL_RANGE, "local range" },
	{ EIR_LVL_DEFAULT, "default policy" },
	{ EIR_LVL_STORE_FAIL, "store-unavailable" },
	{ 0, NULL }
};

/* Record a match; the first one decides. \returns true when the caller may stop looking. */
static bool add_match(struct eir_result *res, unsigned flags, enum eir_level lvl, enum eir_db_part part,
		      enum eir_list list, const struct eir_entry *e)
{
	struct eir_match *m = &res->matches[res->n_matches++];

	m->level = lvl;
	m->part = part;
	m->list = list;
	if (e)
		m->entry = *e;
	else
		memset(&m->entry, 0, sizeof(m->entry));
	if (res->n_matches == 1) {
		res->why = *m;
		res->verdict = lvl == EIR_LVL_DEFAULT ? res->verdict : eir_list_verdict(list);
	}
	return !(flags & EIR_CHECK_ALL);
}

struct notif_find {
	uint64_t imei;
	struct eir_entry row;
	bool found;
};

static int notif_first_cb(const struct eir_entry *e, void *arg)
{
	struct notif_find *nf = arg;

	if (e->imei == nf->imei) {
		nf->row = *e;
		nf->found = true;
	}
	return 1;
}

/* For "why": the notification row itself (its IMSI, reasons, block date, amnesty), the asking subscriber's if
 * there is one, else the IMEI's first; the IMEI record only says that rows exist. */
static int notif_row(struct eir_db *db, uint64_t imei, const uint8_t *imsi, struct eir_entry *out)
{
	struct notif_find nf = { .imei = imei };
	struct eir_entry from = { .imei = imei };
	int rc;

	if (imsi) {
		rc = eir_db_row_find(db, EIR_T_NOTIF, imei, imsi, out);
		if (rc != -ENOENT)
			return rc;
	}
	rc = eir_db_iter(db, EIR_DB_NATIONAL, EIR_T_NOTIF, &from, notif_first_cb, &nf);
	if (rc < 0)
		return rc;
	if (!nf.found)
		return -ENOENT;
	*out = nf.row;
	return 0;
}

/*! Decide what to answer for a handset.
 *  Precedence, most specific first (enum eir_level): operator (IMEI, IMSI) pair > national exception pair >
 *  operator IMEI entry > national blacklist > national notification (grey) > operator range/TAC > default.
 *  A miss on every list costs one lookup per part plus one range search, not one per level: an IMEI's record
 *  carries flags saying whether it has pair rows at all, and empty tables are skipped without a lookup. The
 *  national exception, keyed by (IMEI, IMSI, MSISDN), is one cursor search on its (IMEI, IMSI) prefix.
 *  \param[in] db the store
 *  \param[in] pol the policy (default verdict for an IMEI on no list)
 *  \param[in] imei the 14-digit key (struct eir_imei.key)
 *  \param[in] sv software version or -1 (not used by the policy yet; passed so that front ends need not change)
 *  \param[in] imsi packed IMSI (eir_imsi_pack()) or NULL
 *  \param[in] flags EIR_CHECK_ALL to collect every match, not only the deciding one
 *  \param[out] res verdict, the deciding match, and with EIR_CHECK_ALL every match
 *  \returns 0, or -EIO when the store cannot be read (the caller answers an error or its fallback); then res says
 *  EIR_UNKNOWN, why EIR_LVL_STORE_FAIL, no matches: never left uninitialised */
int eir_check(struct eir_db *db, const struct eir_policy *pol, uint64_t imei, int sv, const uint8_t *imsi,
	      unsigned flags, struct eir_result *res)
{
	struct eir_entry nat = { .imei = imei }, loc = { .imei = imei }, e;
	bool have_nat = false, have_loc = false;
	int rc;

	res->n_matches = 0;
	res->verdict = pol->default_verdict;
	rc = eir_db_read_begin(db);
	if (rc)
		goto fail;

	if (!eir_db_read_empty(db, EIR_DB_NATIONAL, EIR_T_IMEI)) {
		rc = eir_db_get(db, EIR_DB_NATIONAL, EIR_T_IMEI, &nat);
		if (rc && rc != -ENOENT)
			goto err;
		have_nat = rc == 0;
	}
	if (!eir_db_read_empty(db, EIR_DB_LOCAL, EIR_T_IMEI)) {
		rc = eir_db_get(db, EIR_DB_LOCAL, EIR_T_IMEI, &loc);
		if (rc && rc != -ENOENT)
			goto err;
		have_loc = rc == 0;
	}

	if (imsi && have_loc && (loc.flags & EIR_F_PAIR)) {
		e = (struct eir_entry){ .imei = imei };
		memcpy(e.imsi, imsi, sizeof(e.imsi));
		rc = eir_db_get(db, EIR_DB_LOCAL, EIR_T_PAIR, &e);
		if (rc && rc != -ENOENT)
			goto err;
		if (rc == 0 && add_match(res, flags, EIR_LVL_LOCAL_PAIR, EIR_DB_LOCAL, e.list, &e))
			goto done;
	}
	if (imsi && have_nat && (nat.flags & EIR_F_EXC)) {
		/* rows are keyed by (IMEI, IMSI, MSISDN): the pair is excepted while any of its rows remains */
		rc = eir_db_row_find(db, EIR_T_EXC, imei, imsi, &e);
		if (rc && rc != -ENOENT)
			goto err;
		if (rc == 0 && add_match(res, flags, EIR_LVL_NAT_EXC, EIR_DB_NATIONAL, EIR_LIST_WHITE, &e))
			goto done;
	}
	if (have_loc && loc.list != EIR_LIST_NONE &&
	    add_match(res, flags, EIR_LVL_LOCAL_IMEI, EIR_DB_LOCAL, loc.list, &loc))
		goto done;
	if (have_nat && nat.list == EIR_LIST_BLACK &&
	    add_match(res, flags, EIR_LVL_NAT_BLACK, EIR_DB_NATIONAL, EIR_LIST_BLACK, &nat))
		goto done;
	if (have_nat && (nat.flags & EIR_F_NOTIF)) {
		e = nat;
		if ((flags & EIR_CHECK_ALL) && notif_row(db, imei, imsi, &e) < 0)
			e = nat;
		if (add_match(res, flags, EIR_LVL_NAT_NOTIF, EIR_DB_NATIONAL, EIR_LIST_GREY, &e))
			goto done;
	}
	if (!eir_db_read_empty(db, EIR_DB_LOCAL, EIR_T_RANGE)) {
		rc = eir_db_range_find(db, imei, &e);
		if (rc && rc != -ENOENT)
			goto err;
		if (rc == 0 && add_match(res, flags, EIR_LVL_LOCAL_RANGE, EIR_DB_LOCAL, e.list, &e))
			goto done;
	}
	if (!res->n_matches)
		add_match(res, flags, EIR_LVL_DEFAULT, EIR_DB_LOCAL, EIR_LIST_NONE, NULL);
done:
	eir_db_read_end(db);
	return 0;
err:
	eir_db_read_end(db);
fail:
	LOGP(DEIR, LOGL_ERROR, "cannot read the store: %s\n", eir_db_errstr(db));
	res->n_matches = 0;
	res->verdict = EIR_UNKNOWN;
	res->why = (struct eir_match){ .level = EIR_LVL_STORE_FAIL, .list = EIR_LIST_NONE };
	return -EIO;
}

#define OTHER_ROWS_SHOWN 4

/* the other rows beside a national row that decided: of its pair for an exception (any of them excepts it), of its
 * IMEI for a notification (any of them greylists it) */
struct other_rows {
	const struct eir_entry *row;
	bool same_imsi;
	unsigned n;
	struct osmo_strbuf *sb;
};

static int other_rows_cb(const struct eir_entry *e, void *arg)
{
	struct other_rows *o = arg;
	char imsi[20], msisdn[20];

	if (e->imei != o->row->imei || (o->same_imsi && memcmp(e->imsi, o->row->imsi, sizeof(e->imsi))))
		return 1;
	if (!memcmp(e->imsi, o->row->imsi, sizeof(e->imsi)) && !memcmp(e->msisdn, o->row->msisdn, sizeof(e->msisdn)))
		return 0;
	if (o->n++ < OTHER_ROWS_SHOWN) {
		eir_imsi_unpack(msisdn, sizeof(msisdn), e->msisdn);
		if (o->same_imsi)
			OSMO_STRBUF_PRINTF(*o->sb, "%s MSISDN %s", o->n > 1 ? "," : ", also under",
					   msisdn[0] ? msisdn : "none");
		else
			OSMO_STRBUF_PRINTF(*o->sb, "%s IMSI %s MSISDN %s", o->n > 1 ? "," : ", also",
					   eir_imsi_unpack(imsi, sizeof(imsi), e->imsi), msisdn[0] ? msisdn : "none");
	}
	return 0;
}

static void other_rows_str(struct osmo_strbuf *sb, struct eir_db *db, enum eir_db_table t, const struct eir_entry *row)
{
	struct other_rows o = { .row = row, .same_imsi = t == EIR_T_EXC, .sb = sb };
	struct eir_entry from = { .imei = row->imei };

	if (o.same_imsi)
		memcpy(from.imsi, row->imsi, sizeof(from.imsi));
	eir_db_iter(db, EIR_DB_NATIONAL, t, &from, other_rows_cb, &o);
	if (o.n > OTHER_ROWS_SHOWN)
		OSMO_STRBUF_PRINTF(*sb, " and %u more", o.n - OTHER_ROWS_SHOWN);
}

/*! Describe a match for people: which entry, which list, which source, the reason and dates; for a national
 *  notification or exception row its MSISDN, and the other rows that give the same verdict. */
char *eir_match_str(char *buf, size_t len, struct eir_db *db, const struct eir_match *m)
{
	const struct eir_entry *e = &m->entry;
	char imei[16], last[16], imsi[20], msisdn[20], reason[512] = "", listed[16], block[16], src[96];
	struct eir_feed_state fs;
	struct osmo_strbuf sb = { .buf = buf, .len = len };

	if (m->level == EIR_LVL_DEFAULT) {
		snprintf(buf, len, "default policy for an IMEI on no list");
		return buf;
	}
	if (m->level == EIR_LVL_STORE_FAIL) {
		snprintf(buf, len, "store-unavailable policy: the store could not be read");
		return buf;
	}
	if (m->part == EIR_DB_NATIONAL)
		snprintf(src, sizeof(src), "national feed %s",
			 eir_db_feed_state_get(db, &fs) == 0 ? fs.name : "(never synced)");
	else
		snprintf(src, sizeof(src), "local");
	eir_db_reason(db, m->part, e->reason_id, reason, sizeof(reason));
	eir_imei_str(imei, sizeof(imei), e->imei);

	switch (m->level) {
	case EIR_LVL_NAT_NOTIF:
		/* with EIR_CHECK_ALL the entry is a notification row (it has an IMSI), else the IMEI record */
		if (!memcmp(e->imsi, "\0\0\0\0\0\0\0\0", sizeof(e->imsi))) {
			OSMO_STRBUF_PRINTF(sb, "%s IMEI %s", get_value_string(eir_level_names, m->level), imei);
			break;
		}
		/* fall through */
	case EIR_LVL_NAT_EXC:
		eir_imsi_unpack(msisdn, sizeof(msisdn), e->msisdn);
		OSMO_STRBUF_PRINTF(sb, "%s IMEI %s IMSI %s MSISDN %s", get_value_string(eir_level_names, m->level),
				   imei, eir_imsi_unpack(imsi, sizeof(imsi), e->imsi), msisdn[0] ? msisdn : "none");
		other_rows_str(&sb, db, m->level == EIR_LVL_NAT_EXC ? EIR_T_EXC : EIR_T_NOTIF, e);
		break;
	case EIR_LVL_LOCAL_PAIR:
		OSMO_STRBUF_PRINTF(sb, "%s IMEI %s IMSI %s", get_value_string(eir_level_names, m->level), imei,
				   eir_imsi_unpack(imsi, sizeof(imsi), e->imsi));
		break;
	case EIR_LVL_LOCAL_RANGE:
		OSMO_STRBUF_PRINTF(sb, "%s %s..%s", get_value_string(eir_level_names, m->level), imei,
				   eir_imei_str(last, sizeof(last), e->last));
		break;
	default:
		OSMO_STRBUF_PRINTF(sb, "%s IMEI %s", get_value_string(eir_level_names, m->level), imei);
		break;
	}
	OSMO_STRBUF_PRINTF(sb, ": list %s, source %s", eir_list_name(m->list), src);
	if (reason[0])
		OSMO_STRBUF_PRINTF(sb, ", reason \"%s\"", reason);
	if (e->listed)
		OSMO_STRBUF_PRINTF(sb, ", listed %s", eir_day_str(listed, sizeof(listed), e->listed));
	if (e->block)
		OSMO_STRBUF_PRINTF(sb, ", block date %s", eir_day_str(block, sizeof(block), e->block));
	if (e->amnesty)
		OSMO_STRBUF_PRINTF(sb, ", amnesty granted");
	return buf;
}

char *eir_match_applied_str(char *buf, size_t len, struct eir_db *db, const struct eir_match *m)
{
	size_t n;
	char at[32];

	eir_match_str(buf, len, db, m);
	if (m->level >= EIR_LVL_DEFAULT)
		return buf;
	n = strlen(buf);
	if (n < len)
		snprintf(buf + n, len - n, ", applied %s", eir_applied_str(at, sizeof(at), m->entry.applied));
	return buf;
}
