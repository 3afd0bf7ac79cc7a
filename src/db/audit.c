/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The audit trail: who changed which list entry, from what to what, and when; kept in the local part next to
 * the lists it describes and written in the same transaction, so a change and its record never part. */

#include <errno.h>
#include <stdbool.h>
#include <string.h>

#include <osmocom/core/bit64gen.h>
#include <osmocom/core/utils.h>

#include "store_internal.h"

/* record: 8 bytes when_ms (BE), then who, what, before, after, each NUL-terminated */
static size_t audit_enc(const struct eir_audit *a, uint8_t *buf, size_t len)
{
	const char *s[] = { a->who, a->what, a->before, a->after };
	size_t n = 8, i, l;

	osmo_store64be((uint64_t)a->when_ms, buf);
	for (i = 0; i < ARRAY_SIZE(s); i++) {
		l = strnlen(s[i], 255);
		if (n + l + 1 > len)
			l = len - n - 1;
		memcpy(buf + n, s[i], l);
		buf[n + l] = '\0';
		n += l + 1;
	}
	return n;
}

static int audit_dec(const MDB_val *k, const MDB_val *v, struct eir_audit *a)
{
	char *d[] = { a->who, a->what, a->before, a->after };
	size_t sz[] = { sizeof(a->who), sizeof(a->what), sizeof(a->before), sizeof(a->after) };
	const uint8_t *p = v->mv_data, *end = p + v->mv_size, *z;
	size_t i;

	if (k->mv_size != 8 || v->mv_size < 8 + 4)
		return -EIO;
	memset(a, 0, sizeof(*a));
	a->seq = osmo_load64be(k->mv_data);
	a->when_ms = (int64_t)osmo_load64be(p);
	p += 8;
	for (i = 0; i < ARRAY_SIZE(d); i++) {
		z = memchr(p, '\0', (size_t)(end - p));
		if (!z)
			return -EIO;
		osmo_strlcpy(d[i], (const char *)p, OSMO_MIN(sz[i], (size_t)(z - p) + 1));
		p = z + 1;
	}
	return 0;
}

/*! Append a record to the audit trail of the transaction's part; sets a->seq. Drops the oldest records beyond
 *  EIR_DB_AUDIT_KEEP. \returns 0, -ENOSPC or -EIO (the transaction then fails as a whole). */
int eir_db_txn_audit_add(struct eir_db_txn *txn, struct eir_audit *a)
{
	MDB_dbi dbi = txn->p->dbi[DBI_AUDIT];
	uint8_t key[8], rec[8 + 4 * 256];
	MDB_val k, v;
	MDB_cursor *cur;
	MDB_stat st;
	int rc;

	if (txn->failed)
		return txn->map_full ? -ENOSPC : -EIO;
	rc = mdb_cursor_open(txn->txn, dbi, &cur);
	if (rc)
		goto fail;
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	if (rc == MDB_NOTFOUND)
		a->seq = 1;
	else if (rc == 0 && k.mv_size == 8)
		a->seq = osmo_load64be(k.mv_data) + 1;
	else
		goto fail_cur;
	osmo_store64be(a->seq, key);
	k.mv_size = 8;
	k.mv_data = key;
	v.mv_size = audit_enc(a, rec, sizeof(rec));
	v.mv_data = rec;
	rc = mdb_cursor_put(cur, &k, &v, MDB_APPEND);
	if (rc)
		goto fail_cur;
	rc = mdb_stat(txn->txn, dbi, &st);
	if (!rc && st.ms_entries > EIR_DB_AUDIT_KEEP) {
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
		if (!rc)
			rc = mdb_cursor_del(cur, 0);
	}
	if (rc)
		goto fail_cur;
	mdb_cursor_close(cur);
	return 0;
fail_cur:
	mdb_cursor_close(cur);
fail:
	if (rc == MDB_MAP_FULL)
		txn->map_full = true;
	txn->failed = true;
	if (rc == MDB_MAP_FULL)
		return -ENOSPC;
	db_lmdb_err(txn->db, rc, "write audit record");
	return -EIO;
}

/*! Call cb for the last n audit records of the local part, oldest first, in one snapshot.
 *  \returns what cb returned to stop, 0, or -EIO. */
int eir_db_audit_last(struct eir_db *db, unsigned n, eir_db_audit_cb cb, void *arg)
{
	struct part *p = &db->p[EIR_DB_LOCAL];
	struct eir_audit a;
	MDB_cursor *cur;
	MDB_val k, v;
	unsigned back = 1;
	bool any;
	int rc, ret = 0;

	if (!n)
		return 0;
	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	rc = mdb_cursor_open(p->rtxn, p->dbi[DBI_AUDIT], &cur);
	if (rc) {
		eir_db_read_end(db);
		return db_lmdb_err(db, rc, "open cursor");
	}
	/* walk back n - 1 records from the last one, then forward */
	rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	any = !rc;
	while (!rc && back++ < n)
		rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
	if (rc == MDB_NOTFOUND && any)
		rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (!rc) {
		if (audit_dec(&k, &v, &a)) {
			db_errf(db, "%s: corrupt audit record", p->path);
			ret = -EIO;
			break;
		}
		ret = cb(&a, arg);
		if (ret)
			break;
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (rc && rc != MDB_NOTFOUND)
		ret = db_lmdb_err(db, rc, "read audit");
	mdb_cursor_close(cur);
	eir_db_read_end(db);
	return ret;
}

/*! \returns the number of audit records held (0 when it cannot be read). */
uint64_t eir_db_audit_count(struct eir_db *db)
{
	struct part *p = &db->p[EIR_DB_LOCAL];
	MDB_stat st;
	uint64_t n = 0;

	if (eir_db_read_begin(db))
		return 0;
	if (!mdb_stat(p->rtxn, p->dbi[DBI_AUDIT], &st))
		n = st.ms_entries;
	eir_db_read_end(db);
	return n;
}

/*! The text of reason id as the write transaction sees it ("" for id 0). \returns 0, -ENOENT or -EIO. */
int eir_db_txn_reason_text(struct eir_db_txn *txn, uint32_t id, char *buf, size_t len)
{
	int rc = db_reason_get(txn->txn, txn->p, id, buf, len);

	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	return rc ? db_lmdb_err(txn->db, rc, "reason lookup") : 0;
}
