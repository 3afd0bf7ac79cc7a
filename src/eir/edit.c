/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* One way to change the local lists: the change, what was there before and the audit record, in one
 * transaction. The VTY, CTRL and osmo-eir-db only parse their syntax and call eir_edit_apply(). */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/utils.h>

#include <osmocom/eir/edit.h>
#include <osmocom/eir/imei.h>

const struct value_string eir_edit_kind_names[] = {
	{ EIR_EDIT_IMEI, "imei" },
	{ EIR_EDIT_RANGE, "range" },
	{ EIR_EDIT_TAC, "tac" },
	{ EIR_EDIT_PAIR, "pair" },
	{ 0, NULL }
};

static int key_err(char *err, size_t len, const char *what, const char *s, const char *why)
{
	snprintf(err, len, "invalid %s '%s': %s", what, s, why);
	return -EINVAL;
}

/* An IMEI named by an edit: a 15th digit that is neither the check digit nor the spare 0 is a typo, which would
 * block or unblock another handset, so it is refused here, once for every front end. Imports, the feed and
 * the wire take it (they count it); lookups too: they change nothing. */
static int key_imei(const char *s, bool lookup, uint64_t *key, char *err, size_t len)
{
	struct eir_imei im;
	const char *why;

	if (eir_imei_parse(s, &im, &why))
		return key_err(err, len, "IMEI", s, why);
	if (im.status == EIR_IMEI_LUHN_MISMATCH && !lookup) {
		snprintf(err, len, "check digit %c of %s is wrong (expected %c); give the 14 digits to store it anyway",
			 im.check_digit, s, im.luhn);
		return -EINVAL;
	}
	*key = im.key;
	return 0;
}

/*! Fill the key fields of ed from text: imei IMEI; range FIRST LAST (del: FIRST, b NULL); tac TAC;
 *  pair IMEI IMSI. A 15-digit IMEI must carry its check digit or the spare 0, unless ed->lookup was set.
 *  \returns 0 or -EINVAL with a message in err. */
int eir_edit_key(struct eir_edit *ed, enum eir_edit_kind kind, const char *a, const char *b, char *err,
		 size_t len)
{
	const char *why;
	uint32_t tac;

	ed->kind = kind;
	memset(ed->e.msisdn, EIR_NO_NUMBER_BYTE, sizeof(ed->e.msisdn));
	if (kind == EIR_EDIT_TAC) {
		if (eir_tac_parse(a, &tac, &why))
			return key_err(err, len, "TAC", a, why);
		ed->e.imei = (uint64_t)tac * 1000000;
		ed->e.last = ed->e.imei + 999999;
		return 0;
	}
	if (key_imei(a, ed->lookup, &ed->e.imei, err, len))
		return -EINVAL;
	ed->e.last = ed->e.imei;
	if (kind == EIR_EDIT_RANGE && b) {
		if (key_imei(b, ed->lookup, &ed->e.last, err, len))
			return -EINVAL;
		if (ed->e.last < ed->e.imei) {
			snprintf(err, len, "first IMEI %s is after last IMEI %s", a, b);
			return -EINVAL;
		}
	}
	if (kind == EIR_EDIT_PAIR && eir_imsi_pack(b, ed->e.imsi, &why))
		return key_err(err, len, "IMSI", b, why);
	return 0;
}

/*! "imei 35693803564380", "range 35000004000100..35000004000199", "tac 35000004", "pair IMEI IMSI" */
char *eir_edit_describe(char *buf, size_t len, const struct eir_edit *ed)
{
	char a[16], b[16], imsi[20];

	eir_imei_str(a, sizeof(a), ed->e.imei);
	switch (ed->kind) {
	case EIR_EDIT_RANGE:
		if (ed->del)
			snprintf(buf, len, "range %s", a);
		else
			snprintf(buf, len, "range %s..%s", a, eir_imei_str(b, sizeof(b), ed->e.last));
		break;
	case EIR_EDIT_TAC:
		snprintf(buf, len, "tac %08u", eir_imei_tac(ed->e.imei));
		break;
	case EIR_EDIT_PAIR:
		snprintf(buf, len, "pair %s %s", a, eir_imsi_unpack(imsi, sizeof(imsi), ed->e.imsi));
		break;
	default:
		snprintf(buf, len, "imei %s", a);
		break;
	}
	return buf;
}

/* "black \"Reported stolen\" listed 2026-11-23", the range's bounds first for ranges; "none" when absent */
static void entry_str(char *buf, size_t len, struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *e)
{
	char reason[256], day[16], a[16], b[16];
	struct osmo_strbuf sb = { .buf = buf, .len = len };

	if (!e || e->list == EIR_LIST_NONE) {
		snprintf(buf, len, "none");
		return;
	}
	if (t == EIR_T_RANGE)
		OSMO_STRBUF_PRINTF(sb, "%s..%s ", eir_imei_str(a, sizeof(a), e->imei),
				   eir_imei_str(b, sizeof(b), e->last));
	OSMO_STRBUF_PRINTF(sb, "%s", eir_list_name(e->list));
	if (eir_db_txn_reason_text(txn, e->reason_id, reason, sizeof(reason)) == 0 && reason[0]) {
		/* quoted and escaped: one record stays one line, whatever the reason holds */
		OSMO_STRBUF_PRINTF(sb, " ");
		OSMO_STRBUF_APPEND(sb, osmo_quote_cstr_buf, reason, -1);
	}
	if (e->listed)
		OSMO_STRBUF_PRINTF(sb, " listed %s", eir_day_str(day, sizeof(day), e->listed));
}

struct apply {
	struct eir_edit *ed;
	struct eir_audit *audit;
};

static int apply_cb(struct eir_db_txn *txn, void *arg)
{
	struct apply *ap = arg;
	struct eir_edit *ed = ap->ed;
	struct eir_audit *au = ap->audit;
	enum eir_db_table t = ed->kind == EIR_EDIT_IMEI ? EIR_T_IMEI :
			      ed->kind == EIR_EDIT_PAIR ? EIR_T_PAIR : EIR_T_RANGE;
	struct eir_entry old = ed->e, new = ed->e;
	char a[16], b[16];
	bool had;
	int rc;

	rc = eir_db_txn_get(txn, t, &old);
	if (rc && rc != -ENOENT)
		return rc;
	had = rc == 0 && old.list != EIR_LIST_NONE;
	entry_str(au->before, sizeof(au->before), txn, t, had ? &old : NULL);

	if (ed->del) {
		if (!had)
			return -ENOENT;
		/* a TAC removes only the range that covers exactly that TAC, not another starting there */
		if (ed->kind == EIR_EDIT_TAC && old.last != ed->e.last) {
			eir_db_txn_errf(txn,
					"no range for the whole TAC, but range %s..%s starts there: 'del range %s' "
					"removes that one",
					eir_imei_str(a, sizeof(a), old.imei), eir_imei_str(b, sizeof(b), old.last), a);
			return -ESRCH;
		}
		rc = eir_db_txn_del(txn, t, &old);
		if (rc)
			return rc;
		entry_str(au->after, sizeof(au->after), txn, t, NULL);
	} else {
		rc = eir_db_txn_reason(txn, ed->reason ? ed->reason : "", &new.reason_id);
		if (rc)
			return rc;
		if (!new.listed)
			new.listed = eir_day_today();
		if (t == EIR_T_RANGE) {
			/* the same range again changes it; any other overlap is refused by the store */
			if (had && old.last == new.last) {
				rc = eir_db_txn_del_range(txn, old.imei);
				if (rc)
					return rc;
			}
			rc = eir_db_txn_put_range(txn, &new);
		} else {
			rc = eir_db_txn_put(txn, t, &new);
		}
		if (rc)
			return rc;
		entry_str(au->after, sizeof(au->after), txn, t, &new);
	}
	return eir_db_txn_audit_add(txn, au);
}

static void audit_init(struct eir_edit *ed, struct eir_audit *audit)
{
	struct timespec ts;
	char what[128];

	memset(audit, 0, sizeof(*audit));
	clock_gettime(CLOCK_REALTIME, &ts);
	audit->when_ms = (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
	osmo_strlcpy(audit->who, ed->who ? ed->who : "unknown", sizeof(audit->who));
	snprintf(audit->what, sizeof(audit->what), "%s %s", ed->del ? "del" : "add",
		 eir_edit_describe(what, sizeof(what), ed));
}

/*! Apply one change to the local lists with its audit record, in one transaction.
 *  \param[out] audit the record written (who, what, before, after, seq), also on -ENOENT (before filled)
 *  \returns 0; -ENOENT (nothing to delete); -EEXIST (overlapping range); -ESRCH (TAC removal that would hit
 *  a different range); -EINVAL, -ENOSPC, -EBUSY, -EIO with a message in eir_db_errstr(). */
int eir_edit_apply(struct eir_db *db, struct eir_edit *ed, struct eir_audit *audit)
{
	struct apply ap = { .ed = ed, .audit = audit };

	audit_init(ed, audit);
	return eir_db_write(db, EIR_DB_LOCAL, apply_cb, &ap);
}

/*! The same inside a write transaction of the local part holding other edits too (a group commit): a refused edit
 *  leaves txn as it was. \returns as eir_edit_apply(); committed only with txn. */
int eir_edit_apply_txn(struct eir_db_txn *txn, struct eir_edit *ed, struct eir_audit *audit)
{
	struct apply ap = { .ed = ed, .audit = audit };

	audit_init(ed, audit);
	return eir_db_txn_sub(txn, apply_cb, &ap);
}

/*! One audit record on one line: "2026-11-23 10:31:15.123 UTC #13 vty 127.0.0.1:40312: add imei 35693803564380:
 *  none -> black \"Reported stolen\" listed 2026-11-23" */
char *eir_audit_str(char *buf, size_t len, const struct eir_audit *a)
{
	time_t t = (time_t)(a->when_ms / 1000);
	struct tm tm;
	char ts[32];

	gmtime_r(&t, &tm);
	strftime(ts, sizeof(ts), "%Y-%m-%d %H:%M:%S", &tm);
	snprintf(buf, len, "%s.%03u UTC #%llu %s: %s: %s -> %s", ts, (unsigned)(a->when_ms % 1000),
		 (unsigned long long)a->seq, a->who, a->what, a->before, a->after);
	return buf;
}
