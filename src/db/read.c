/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reading the store: snapshots of both parts, point lookups, the range floor search and iteration. */

#include <errno.h>
#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/logging.h>
#include <osmocom/core/bit16gen.h>
#include <osmocom/core/bit32gen.h>
#include "store_internal.h"

int db_reason_get(MDB_txn *txn, const struct part *p, uint32_t id, char *buf, size_t len)
{
	uint8_t key[4];
	MDB_val k = { .mv_size = 4, .mv_data = key }, v;
	int rc;

	if (len)
		buf[0] = '\0';
	if (!id)
		return 0;
	osmo_store32be(id, key);
	rc = mdb_get(txn, p->dbi[EIR_T_REASON], &k, &v);
	if (!rc)
		db_val_str(buf, len, &v);
	return rc;
}

/*! Create the read transaction of part p and its cursors, left reset for eir_db_read_begin() to renew.
 *  \returns 0 or -EIO */
int db_read_init(struct eir_db *db, struct part *p)
{
	int rc;

	rc = db_txn_begin(db, p, MDB_RDONLY, &p->rtxn);
	if (rc)
		return db_lmdb_err(db, rc, "begin read transaction");
	rc = mdb_cursor_open(p->rtxn, p->dbi[EIR_T_RANGE], &p->rcur_range);
	if (!rc)
		rc = mdb_cursor_open(p->rtxn, p->dbi[EIR_T_NOTIF], &p->rcur_row[0]);
	if (!rc)
		rc = mdb_cursor_open(p->rtxn, p->dbi[EIR_T_EXC], &p->rcur_row[1]);
	if (rc)
		return db_lmdb_err(db, rc, "open cursor");
	mdb_txn_reset(p->rtxn);
	return 0;
}

static int part_renew(struct eir_db *db, struct part *p)
{
	int rc;

	rc = mdb_txn_renew(p->rtxn);
	if (rc == MDB_MAP_RESIZED) {
		/* another process grew the map: adopt its size, then try again */
		db_env_set_mapsize(db, p, 0);
		rc = mdb_txn_renew(p->rtxn);
	}
	if (rc)
		return db_lmdb_err(db, rc, "begin read transaction");
	rc = mdb_cursor_renew(p->rtxn, p->rcur_range);
	if (rc) {
		mdb_txn_reset(p->rtxn);
		return db_lmdb_err(db, rc, "renew cursor");
	}
	p->rcur_row_fresh[0] = p->rcur_row_fresh[1] = false;
	p->rtxn_active = true;
	return 0;
}

/*! Take a snapshot of both parts. Calls nest: only the outermost takes the snapshot.
 *  \returns 0 or -EIO (the store cannot be read). */
int eir_db_read_begin(struct eir_db *db)
{
	int i, rc;

	if (db->origin) {
		db_errf(db, "a thread handle of the store does not read");
		return -EIO;
	}
	if (db->read_depth++)
		return 0;
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		rc = part_renew(db, &db->p[i]);
		if (rc) {
			while (--i >= 0) {
				mdb_txn_reset(db->p[i].rtxn);
				db->p[i].rtxn_active = false;
			}
			db->read_depth = 0;
			return rc;
		}
	}
	return 0;
}

void eir_db_read_end(struct eir_db *db)
{
	int i;

	OSMO_ASSERT(db->read_depth > 0);
	if (--db->read_depth)
		return;
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		mdb_txn_reset(db->p[i].rtxn);
		db->p[i].rtxn_active = false;
	}
}

/*! Whether a table of a part is empty in the current snapshot (costs no page access: the count sits in the
 *  transaction's copy of the table record). */
bool eir_db_read_empty(struct eir_db *db, enum eir_db_part part, enum eir_db_table t)
{
	struct part *p = &db->p[part];
	MDB_stat st;

	OSMO_ASSERT(p->rtxn_active);
	if (mdb_stat(p->rtxn, p->dbi[t], &st))
		return false;
	return st.ms_entries == 0;
}

/*! Look up one row by its key fields in e (imei, and imsi for pair tables); fill in the rest.
 *  \returns 0, -ENOENT or -EIO. */
int eir_db_get(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, struct eir_entry *e)
{
	struct part *p = &db->p[part];
	uint8_t key[KEY_MAX_LEN];
	MDB_val k = { .mv_size = (size_t)db_key_len(t), .mv_data = key }, v;
	int rc;

	OSMO_ASSERT(p->rtxn_active);
	if (t == EIR_T_IMEI && db_filter_absent(db, part, e->imei))
		return -ENOENT;
	db_key_enc(t, e, key);
	rc = mdb_get(p->rtxn, p->dbi[t], &k, &v);
	if (rc)
		return db_lmdb_err(db, rc, "lookup");
	if (db_rec_dec(t, &v, e)) {
		db_errf(db, "%s: corrupt %s record", p->path, get_value_string(eir_db_table_names, t));
		return -EIO;
	}
	return 0;
}

/*! The range containing imei, if any: a floor search (greatest first <= imei), O(log n).
 *  \returns 0 with *e filled, -ENOENT or -EIO. */
int eir_db_range_find(struct eir_db *db, uint64_t imei, struct eir_entry *e)
{
	struct part *p = &db->p[EIR_DB_LOCAL];
	uint8_t key[KEY_IMEI_LEN];
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	int rc;

	OSMO_ASSERT(p->rtxn_active);
	db_be48_put(key, imei);
	rc = mdb_cursor_get(p->rcur_range, &k, &v, MDB_SET_RANGE);
	if (rc == 0 && db_be48_get(k.mv_data) != imei)
		rc = mdb_cursor_get(p->rcur_range, &k, &v, MDB_PREV);
	else if (rc == MDB_NOTFOUND)
		rc = mdb_cursor_get(p->rcur_range, &k, &v, MDB_LAST);
	if (rc)
		return db_lmdb_err(db, rc, "range lookup");
	memset(e, 0, sizeof(*e));
	e->imei = db_be48_get(k.mv_data);
	if (db_rec_dec(EIR_T_RANGE, &v, e)) {
		db_errf(db, "%s: corrupt range record", p->path);
		return -EIO;
	}
	return imei <= e->last ? 0 : -ENOENT;
}

/*! The first row of EIR_T_NOTIF or EIR_T_EXC (national part) whose key starts with (imei, imsi), whatever its
 *  MSISDN: one cursor search (MDB_SET_RANGE, O(log n), as an exact lookup) and a compare of the prefix. The
 *  cursor is renewed on its first use in a snapshot, so that a check that needs no row search pays nothing.
 *  \returns 0 with *e filled (key fields too), -ENOENT or -EIO. */
int eir_db_row_find(struct eir_db *db, enum eir_db_table t, uint64_t imei, const uint8_t *imsi, struct eir_entry *e)
{
	struct part *p = &db->p[EIR_DB_NATIONAL];
	uint8_t key[KEY_PAIR_LEN];
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	MDB_cursor *cur;
	int i, rc;

	OSMO_ASSERT(p->rtxn_active);
	if (t != EIR_T_NOTIF && t != EIR_T_EXC)
		return -EINVAL;
	i = t == EIR_T_EXC;
	cur = p->rcur_row[i];
	if (!p->rcur_row_fresh[i]) {
		rc = mdb_cursor_renew(p->rtxn, cur);
		if (rc)
			return db_lmdb_err(db, rc, "renew cursor");
		p->rcur_row_fresh[i] = true;
	}
	db_be48_put(key, imei);
	memcpy(key + KEY_IMEI_LEN, imsi, 8);
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (rc)
		return db_lmdb_err(db, rc, "row lookup");
	if (k.mv_size != KEY_ROW_LEN || memcmp(k.mv_data, key, KEY_PAIR_LEN))
		return -ENOENT;
	memset(e, 0, sizeof(*e));
	db_key_dec(t, k.mv_data, e);
	if (db_rec_dec(t, &v, e)) {
		db_errf(db, "%s: corrupt %s record", p->path, get_value_string(eir_db_table_names, t));
		return -EIO;
	}
	return 0;
}

/*! Copy the text of reason id into buf ("" for id 0). \returns 0, -ENOENT or -EIO. */
int eir_db_reason(struct eir_db *db, enum eir_db_part part, uint32_t id, char *buf, size_t len)
{
	struct part *p = &db->p[part];
	int rc;

	if (len)
		buf[0] = '\0';
	if (!id)
		return 0;
	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	rc = db_reason_get(p->rtxn, p, id, buf, len);
	eir_db_read_end(db);
	return rc ? db_lmdb_err(db, rc, "reason lookup") : 0;
}

/*! Read a meta value. \param[inout] len buffer size in, value size out. \returns 0, -ENOENT, -ENOSPC, -EIO. */
int eir_db_meta_get(struct eir_db *db, enum eir_db_part part, const char *key, void *buf, size_t *len)
{
	struct part *p = &db->p[part];
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key }, v;
	int rc;

	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	rc = mdb_get(p->rtxn, p->dbi[DBI_META], &k, &v);
	if (rc) {
		eir_db_read_end(db);
		return rc == MDB_NOTFOUND ? -ENOENT : db_lmdb_err(db, rc, "meta lookup");
	}
	if (v.mv_size > *len) {
		eir_db_read_end(db);
		return -ENOSPC;
	}
	memcpy(buf, v.mv_data, v.mv_size);
	*len = v.mv_size;
	eir_db_read_end(db);
	return 0;
}

/*! Call cb for each row of a table in key order, starting at the key fields of from (NULL: the first row),
 *  inside one snapshot. cb returns 0 to go on, anything else to stop.
 *  \returns what cb returned to stop, 0 at the end, or -EIO. */
int eir_db_iter(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, const struct eir_entry *from,
		eir_db_iter_cb cb, void *arg)
{
	struct part *p = &db->p[part];
	uint8_t key[KEY_MAX_LEN];
	MDB_val k, v;
	MDB_cursor *cur;
	struct eir_entry e;
	MDB_cursor_op op;
	int rc, ret = 0;

	if (t == EIR_T_REASON)
		return -EINVAL;
	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	rc = mdb_cursor_open(p->rtxn, p->dbi[t], &cur);
	if (rc) {
		eir_db_read_end(db);
		return db_lmdb_err(db, rc, "open cursor");
	}
	if (from) {
		db_key_enc(t, from, key);
		k.mv_size = (size_t)db_key_len(t);
		k.mv_data = key;
		op = MDB_SET_RANGE;
	} else {
		op = MDB_FIRST;
	}
	while ((rc = mdb_cursor_get(cur, &k, &v, op)) == 0) {
		op = MDB_NEXT;
		memset(&e, 0, sizeof(e));
		if (k.mv_size != (size_t)db_key_len(t) || db_rec_dec(t, &v, &e)) {
			db_errf(db, "%s: corrupt %s record", p->path, get_value_string(eir_db_table_names, t));
			ret = -EIO;
			break;
		}
		db_key_dec(t, k.mv_data, &e);
		ret = cb(&e, arg);
		if (ret)
			break;
	}
	if (rc && rc != MDB_NOTFOUND)
		ret = db_lmdb_err(db, rc, "iterate");
	mdb_cursor_close(cur);
	eir_db_read_end(db);
	return ret;
}
