/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Writing the store: one write transaction per call, map growth with a clean redo, and the row operations
 * that keep an IMEI record's pair flags true to its pair tables. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/core/bit16gen.h>
#include <osmocom/core/bit32gen.h>
#include "store_internal.h"

#define MIB (1024ULL * 1024ULL)

struct eir_db *eir_db_txn_db(struct eir_db_txn *txn)
{
	return txn->db;
}

int64_t eir_db_txn_time(const struct eir_db_txn *txn)
{
	return txn->now;
}

/* an entry as a put writes it: no pair flags (the store keeps those), applied now unless the writer kept one */
static struct eir_entry stamped(const struct eir_db_txn *txn, const struct eir_entry *e)
{
	struct eir_entry rec = *e;

	rec.flags = 0;
	if (!rec.applied)
		rec.applied = (uint32_t)txn->now;
	return rec;
}

void eir_db_txn_errf(struct eir_db_txn *txn, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(txn->db->err, sizeof(txn->db->err), fmt, ap);
	va_end(ap);
}

/* An LMDB failure inside the transaction: remember a full map (eir_db_write() grows and redoes), and that the
 * transaction can no longer be committed. */
static int txn_fail(struct eir_db_txn *txn, int rc, const char *what)
{
	if (rc == MDB_NOTFOUND)
		return -ENOENT;
	if (rc == MDB_KEYEXIST)
		return -EEXIST;
	if (rc == MDB_MAP_FULL)
		txn->map_full = true;
	txn->failed = true;
	return db_lmdb_err(txn->db, rc, what);
}

static uint8_t pair_flag(enum eir_db_table t)
{
	switch (t) {
	case EIR_T_PAIR:
		return EIR_F_PAIR;
	case EIR_T_NOTIF:
		return EIR_F_NOTIF;
	case EIR_T_EXC:
		return EIR_F_EXC;
	default:
		return 0;
	}
}

static bool table_in_part(enum eir_db_part part, enum eir_db_table t)
{
	switch (t) {
	case EIR_T_PAIR:
	case EIR_T_RANGE:
		return part == EIR_DB_LOCAL;
	case EIR_T_NOTIF:
	case EIR_T_EXC:
		return part == EIR_DB_NATIONAL;
	default:
		return true;
	}
}

static int check_table(struct eir_db_txn *txn, enum eir_db_table t)
{
	if (txn->failed)
		return txn->map_full ? -ENOSPC : -EIO;
	if (t >= EIR_T_REASON || !table_in_part(txn->part, t)) {
		eir_db_txn_errf(txn, "the %s part has no %s table", get_value_string(eir_db_part_names, txn->part),
				get_value_string(eir_db_table_names, t));
		return -EINVAL;
	}
	return 0;
}

static int raw_get(struct eir_db_txn *txn, enum eir_db_table t, struct eir_entry *e)
{
	uint8_t key[KEY_MAX_LEN];
	MDB_val k = { .mv_size = (size_t)db_key_len(t), .mv_data = key }, v;
	int rc;

	db_key_enc(t, e, key);
	rc = mdb_get(txn->txn, txn->p->dbi[t], &k, &v);
	if (rc)
		return txn_fail(txn, rc, "lookup");
	if (db_rec_dec(t, &v, e)) {
		eir_db_txn_errf(txn, "corrupt %s record", get_value_string(eir_db_table_names, t));
		return -EIO;
	}
	return 0;
}

/* Put a row; when keys arrive in ascending order (a sorted import), append them with MDB_APPEND, which fills
 * pages completely and skips the tree search. The first key out of order switches to ordinary puts. */
static int raw_put(struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *e)
{
	uint8_t key[KEY_MAX_LEN], rec[REC_RANGE_LEN];
	size_t klen = (size_t)db_key_len(t);
	MDB_val k = { .mv_size = klen, .mv_data = key };
	MDB_val v = { .mv_size = (size_t)db_rec_len(t), .mv_data = rec };
	unsigned int flags = 0;
	int rc;

	db_key_enc(t, e, key);
	db_rec_enc(t, e, rec);
	if (!txn->cur[t]) {
		MDB_val lk, lv;

		rc = mdb_cursor_open(txn->txn, txn->p->dbi[t], &txn->cur[t]);
		if (rc)
			return txn_fail(txn, rc, "open cursor");
		rc = mdb_cursor_get(txn->cur[t], &lk, &lv, MDB_LAST);
		if (rc == 0 && lk.mv_size == klen) {
			memcpy(txn->last_key[t], lk.mv_data, klen);
			txn->append[t] = 1;
		} else if (rc == MDB_NOTFOUND) {
			memset(txn->last_key[t], 0, klen);
			txn->append[t] = 2;	/* empty: any first key appends */
		} else {
			txn->append[t] = -1;
		}
	}
	if (txn->append[t] > 0 && (txn->append[t] == 2 || memcmp(key, txn->last_key[t], klen) > 0))
		flags = MDB_APPEND;
	else
		txn->append[t] = -1;

	if (t == EIR_T_IMEI) {
		db_filter_add(txn->db, txn->part, e->imei);	/* before the commit that makes it visible */
		db_klog_add(txn, key);
	}
	rc = mdb_cursor_put(txn->cur[t], &k, &v, flags);
	if (rc)
		return txn_fail(txn, rc, "write");
	if (flags) {
		memcpy(txn->last_key[t], key, klen);
		txn->append[t] = 1;
	}
	return 0;
}

static int raw_del(struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *e)
{
	uint8_t key[KEY_MAX_LEN];
	MDB_val k = { .mv_size = (size_t)db_key_len(t), .mv_data = key };
	int rc;

	db_key_enc(t, e, key);
	rc = mdb_del(txn->txn, txn->p->dbi[t], &k, NULL);
	if (rc)
		return txn_fail(txn, rc, "delete");
	/* a deletion may have moved the append cursor's idea of the last key */
	if (txn->append[t] > 0)
		txn->append[t] = -1;
	return 0;
}

/* Whether any row of pair table t remains for imei. */
static int pair_rows_left(struct eir_db_txn *txn, enum eir_db_table t, uint64_t imei)
{
	uint8_t key[KEY_IMEI_LEN];
	MDB_val k = { .mv_size = KEY_IMEI_LEN, .mv_data = key }, v;
	MDB_cursor *cur;
	int rc;

	db_be48_put(key, imei);
	rc = mdb_cursor_open(txn->txn, txn->p->dbi[t], &cur);
	if (rc)
		return txn_fail(txn, rc, "open cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	mdb_cursor_close(cur);
	if (rc == MDB_NOTFOUND)
		return 0;
	if (rc)
		return txn_fail(txn, rc, "pair lookup");
	return db_be48_get(k.mv_data) == imei;
}

/* Set or clear a pair flag on the IMEI record, creating or removing a flags-only record as needed. */
static int imei_flag(struct eir_db_txn *txn, uint64_t imei, uint8_t flag, bool set)
{
	struct eir_entry rec = { .imei = imei };
	int rc;

	rc = raw_get(txn, EIR_T_IMEI, &rec);
	if (rc == -ENOENT) {
		if (!set)
			return 0;
		memset(&rec, 0, sizeof(rec));
		rec.imei = imei;
		rec.list = EIR_LIST_NONE;
		txn->dcount[EIR_LIST_NONE]++;
	} else if (rc) {
		return rc;
	}
	if (set == !!(rec.flags & flag))
		return 0;
	if (set)
		rec.flags |= flag;
	else
		rec.flags &= ~flag;
	if (rec.list == EIR_LIST_NONE && !rec.flags) {
		txn->dcount[EIR_LIST_NONE]--;
		return raw_del(txn, EIR_T_IMEI, &rec);
	}
	return raw_put(txn, EIR_T_IMEI, &rec);
}

/*! Insert or overwrite a row of EIR_T_IMEI, EIR_T_PAIR, EIR_T_NOTIF or EIR_T_EXC (ranges: eir_db_txn_put_range()).
 *  An IMEI record keeps its pair flags; a pair row sets its flag on the IMEI record.
 *  \returns 0, -EINVAL, -ENOSPC or -EIO */
int eir_db_txn_put(struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *e)
{
	struct eir_entry rec, old;
	uint8_t key[KEY_IMEI_LEN];
	int rc;

	rc = check_table(txn, t);
	if (rc)
		return rc;
	if (t == EIR_T_RANGE)
		return eir_db_txn_put_range(txn, e);
	if (e->imei > EIR_IMEI_MAX) {
		eir_db_txn_errf(txn, "IMEI key out of range");
		return -EINVAL;
	}
	if (t == EIR_T_IMEI) {
		if (e->list == EIR_LIST_NONE) {
			eir_db_txn_errf(txn, "an entry needs a list");
			return -EINVAL;
		}
		rec = stamped(txn, e);
		/* in a sorted run a key above the last one cannot exist yet: skip the lookup that keeps old flags */
		db_key_enc(t, e, key);
		if (txn->append[t] > 0 && memcmp(key, txn->last_key[t], KEY_IMEI_LEN) > 0) {
			txn->dcount[rec.list]++;
			return raw_put(txn, t, &rec);
		}
		old = (struct eir_entry){ .imei = e->imei };
		rc = raw_get(txn, t, &old);
		if (rc == 0) {
			rec.flags = old.flags;
			txn->dcount[old.list]--;
		} else if (rc != -ENOENT) {
			return rc;
		}
		txn->dcount[rec.list]++;
		return raw_put(txn, t, &rec);
	}

	rec = stamped(txn, e);
	rc = raw_put(txn, t, &rec);
	if (rc)
		return rc;
	return imei_flag(txn, e->imei, pair_flag(t), true);
}

/*! Delete a row by its key fields. An IMEI record whose pair flags are still set stays, with no list.
 *  \returns 0, -ENOENT (not there), -ENOSPC or -EIO */
int eir_db_txn_del(struct eir_db_txn *txn, enum eir_db_table t, const struct eir_entry *key)
{
	struct eir_entry rec = *key;
	int rc;

	rc = check_table(txn, t);
	if (rc)
		return rc;
	if (t == EIR_T_RANGE)
		return eir_db_txn_del_range(txn, key->imei);
	if (t == EIR_T_IMEI) {
		rc = raw_get(txn, t, &rec);
		if (rc)
			return rc;
		if (rec.list == EIR_LIST_NONE)
			return -ENOENT;
		txn->dcount[rec.list]--;
		if (!rec.flags)
			return raw_del(txn, t, &rec);
		txn->dcount[EIR_LIST_NONE]++;
		rec.list = EIR_LIST_NONE;
		rec.reason_id = 0;
		rec.listed = rec.block = 0;
		rec.applied = 0;
		return raw_put(txn, t, &rec);
	}
	rc = raw_del(txn, t, &rec);
	if (rc)
		return rc;
	rc = pair_rows_left(txn, t, key->imei);
	if (rc < 0)
		return rc;
	return rc ? 0 : imei_flag(txn, key->imei, pair_flag(t), false);
}

/*! Look up a row inside the write transaction (sees its own changes). \returns 0, -ENOENT, -EIO */
int eir_db_txn_get(struct eir_db_txn *txn, enum eir_db_table t, struct eir_entry *e)
{
	int rc = check_table(txn, t);

	return rc ? rc : raw_get(txn, t, e);
}

/* floor (greatest first <= imei) or ceiling (least first >= imei) range */
static int range_near(struct eir_db_txn *txn, uint64_t imei, bool ceiling, struct eir_entry *e)
{
	uint8_t key[KEY_IMEI_LEN];
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	MDB_cursor *cur;
	int rc;

	db_be48_put(key, imei);
	rc = mdb_cursor_open(txn->txn, txn->p->dbi[EIR_T_RANGE], &cur);
	if (rc)
		return txn_fail(txn, rc, "open cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	if (!ceiling) {
		if (rc == 0 && db_be48_get(k.mv_data) != imei)
			rc = mdb_cursor_get(cur, &k, &v, MDB_PREV);
		else if (rc == MDB_NOTFOUND)
			rc = mdb_cursor_get(cur, &k, &v, MDB_LAST);
	}
	if (rc == 0) {
		memset(e, 0, sizeof(*e));
		e->imei = db_be48_get(k.mv_data);
		if (db_rec_dec(EIR_T_RANGE, &v, e))
			rc = MDB_CORRUPTED;
	}
	mdb_cursor_close(cur);
	return rc ? txn_fail(txn, rc, "range lookup") : 0;
}

/*! Add a range e->imei .. e->last (inclusive). Ranges never overlap: one that would is refused with -EEXIST and
 *  a message naming the range it overlaps.  \returns 0, -EINVAL, -EEXIST, -ENOSPC or -EIO */
int eir_db_txn_put_range(struct eir_db_txn *txn, const struct eir_entry *e)
{
	struct eir_entry near, rec;
	char a[16], b[16], c[16], d[16];
	int rc;

	rc = check_table(txn, EIR_T_RANGE);
	if (rc)
		return rc;
	if (e->imei > e->last || e->last > EIR_IMEI_MAX || e->list == EIR_LIST_NONE) {
		eir_db_txn_errf(txn, "invalid range %s..%s", eir_imei_str(a, sizeof(a), e->imei),
				eir_imei_str(b, sizeof(b), e->last));
		return -EINVAL;
	}
	rc = range_near(txn, e->imei, false, &near);
	if (rc == 0 && near.last < e->imei)
		rc = -ENOENT;
	if (rc == -ENOENT) {
		rc = range_near(txn, e->imei, true, &near);
		if (rc == 0 && near.imei > e->last)
			rc = -ENOENT;
	}
	if (rc == 0) {
		eir_db_txn_errf(txn, "range %s..%s overlaps range %s..%s (%s)", eir_imei_str(a, sizeof(a), e->imei),
				eir_imei_str(b, sizeof(b), e->last), eir_imei_str(c, sizeof(c), near.imei),
				eir_imei_str(d, sizeof(d), near.last), eir_list_name(near.list));
		return -EEXIST;
	}
	if (rc != -ENOENT)
		return rc;
	rec = stamped(txn, e);
	return raw_put(txn, EIR_T_RANGE, &rec);
}

/*! Remove the range that starts at first. \returns 0, -ENOENT, -EIO */
int eir_db_txn_del_range(struct eir_db_txn *txn, uint64_t first)
{
	struct eir_entry e = { .imei = first };
	int rc = check_table(txn, EIR_T_RANGE);

	return rc ? rc : raw_del(txn, EIR_T_RANGE, &e);
}

/* Rewrite every IMEI record after a table was emptied: drop the pair flag(s) in clear_flags, and with
 * clear_list the record's list too. A record left with no list and no flags is deleted. */
static int strip_imei_records(struct eir_db_txn *txn, uint8_t clear_flags, bool clear_list)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct eir_entry e;
	uint8_t rec[REC_LEN];
	int rc;

	rc = mdb_cursor_open(txn->txn, txn->p->dbi[EIR_T_IMEI], &cur);
	if (rc)
		return txn_fail(txn, rc, "open cursor");
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		memset(&e, 0, sizeof(e));
		if (db_rec_dec(EIR_T_IMEI, &v, &e)) {
			rc = MDB_CORRUPTED;
			break;
		}
		if (!(e.flags & clear_flags) && !(clear_list && e.list != EIR_LIST_NONE))
			continue;
		txn->dcount[e.list]--;
		e.flags &= ~clear_flags;
		if (clear_list) {
			e.list = EIR_LIST_NONE;
			e.reason_id = 0;
			e.listed = e.block = 0;
			e.applied = 0;
		}
		if (e.list == EIR_LIST_NONE && !e.flags) {
			rc = mdb_cursor_del(cur, 0);
		} else {
			txn->dcount[e.list]++;
			db_rec_enc(EIR_T_IMEI, &e, rec);
			v.mv_data = rec;
			rc = mdb_cursor_put(cur, &k, &v, MDB_CURRENT);
		}
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : txn_fail(txn, rc, "clear");
}

/*! Empty a table (for a full list that replaces the previous one). \returns 0, -EINVAL, -ENOSPC, -EIO */
int eir_db_txn_clear(struct eir_db_txn *txn, enum eir_db_table t)
{
	int rc = check_table(txn, t);

	if (rc)
		return rc;
	if (txn->cur[t]) {
		mdb_cursor_close(txn->cur[t]);
		txn->cur[t] = NULL;
	}
	txn->append[t] = 0;
	if (t == EIR_T_IMEI)
		return strip_imei_records(txn, 0, true);
	rc = mdb_drop(txn->txn, txn->p->dbi[t], 0);
	if (rc)
		return txn_fail(txn, rc, "clear");
	if (pair_flag(t))
		return strip_imei_records(txn, pair_flag(t), false);
	return 0;
}

/*! The id of a reason text, adding it when new: each text is stored once and entries refer to it.
 *  "" gives id 0. \returns 0, -EINVAL (too long), -ENOSPC, -EIO */
int eir_db_txn_reason(struct eir_db_txn *txn, const char *text, uint32_t *id)
{
	size_t len = strlen(text);
	MDB_val k = { .mv_size = len, .mv_data = (void *)text }, v;
	uint8_t idb[4];
	int rc;

	if (txn->failed)
		return txn->map_full ? -ENOSPC : -EIO;
	if (!len) {
		*id = 0;
		return 0;
	}
	if (len > REASON_MAX) {
		eir_db_txn_errf(txn, "reason longer than %d bytes", REASON_MAX);
		return -EINVAL;
	}
	rc = mdb_get(txn->txn, txn->p->dbi[DBI_REASON_IDX], &k, &v);
	if (rc == 0 && v.mv_size == 4) {
		*id = osmo_load32be(v.mv_data);
		return 0;
	}
	if (rc != MDB_NOTFOUND)
		return txn_fail(txn, rc ? rc : MDB_CORRUPTED, "reason lookup");

	if (!txn->next_reason) {
		MDB_cursor *cur;
		MDB_val lk, lv;

		rc = mdb_cursor_open(txn->txn, txn->p->dbi[EIR_T_REASON], &cur);
		if (rc)
			return txn_fail(txn, rc, "open cursor");
		rc = mdb_cursor_get(cur, &lk, &lv, MDB_LAST);
		mdb_cursor_close(cur);
		if (rc == 0 && lk.mv_size == 4)
			txn->next_reason = osmo_load32be(lk.mv_data) + 1;
		else if (rc == MDB_NOTFOUND)
			txn->next_reason = 1;
		else
			return txn_fail(txn, rc ? rc : MDB_CORRUPTED, "reason lookup");
	}
	*id = txn->next_reason++;
	osmo_store32be(*id, idb);
	v.mv_size = 4;
	v.mv_data = idb;
	rc = mdb_put(txn->txn, txn->p->dbi[DBI_REASON_IDX], &k, &v, MDB_NOOVERWRITE);
	if (rc)
		return txn_fail(txn, rc, "write reason");
	k.mv_size = 4;
	k.mv_data = idb;
	v.mv_size = len;
	v.mv_data = (void *)text;
	rc = mdb_put(txn->txn, txn->p->dbi[EIR_T_REASON], &k, &v, MDB_APPEND);
	if (rc)
		return txn_fail(txn, rc, "write reason");
	return 0;
}

/*! Call cb for each row of table t in key order, inside the write transaction; see db.h.
 *  \returns what cb returned to stop, 0 at the end, -EINVAL or -EIO */
int eir_db_txn_iter(struct eir_db_txn *txn, enum eir_db_table t, eir_db_iter_cb cb, void *arg)
{
	MDB_cursor *cur;
	MDB_val k, v;
	struct eir_entry e;
	int rc, ret = 0;

	rc = check_table(txn, t);
	if (rc)
		return rc;
	rc = mdb_cursor_open(txn->txn, txn->p->dbi[t], &cur);
	if (rc)
		return txn_fail(txn, rc, "open cursor");
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		memset(&e, 0, sizeof(e));
		if (k.mv_size != (size_t)db_key_len(t) || db_rec_dec(t, &v, &e)) {
			rc = MDB_CORRUPTED;
			break;
		}
		db_key_dec(t, k.mv_data, &e);
		ret = cb(&e, arg);
		if (ret)
			break;
	}
	mdb_cursor_close(cur);
	if (ret)
		return ret;
	return rc == MDB_NOTFOUND ? 0 : txn_fail(txn, rc, "iterate");
}

int eir_db_txn_meta_put(struct eir_db_txn *txn, const char *key, const void *val, size_t len)
{
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key };
	MDB_val v = { .mv_size = len, .mv_data = (void *)val };
	int rc;

	if (txn->failed)
		return txn->map_full ? -ENOSPC : -EIO;
	rc = mdb_put(txn->txn, txn->p->dbi[DBI_META], &k, &v, 0);
	return rc ? txn_fail(txn, rc, "write meta") : 0;
}

static void txn_close_cursors(struct eir_db_txn *txn)
{
	int i;

	for (i = 0; i < _EIR_T_COUNT; i++) {
		if (txn->cur[i])
			mdb_cursor_close(txn->cur[i]);
		txn->cur[i] = NULL;
	}
}

/* add the transaction's changes to the per-list counts of IMEI records */
static int save_counts(struct eir_db_txn *txn)
{
	uint64_t count[4];
	bool changed = false;
	int i, rc;

	for (i = 0; i < 4; i++)
		changed |= txn->dcount[i] != 0;
	if (!changed)
		return 0;
	rc = db_counts_get(txn->txn, txn->p, count);
	if (rc)
		return txn_fail(txn, rc, "read counts");
	for (i = 0; i < 4; i++)
		count[i] = (int64_t)count[i] + txn->dcount[i] < 0 ? 0 : count[i] + txn->dcount[i];
	rc = db_counts_put(txn->txn, txn->p, count);
	return rc ? txn_fail(txn, rc, "write counts") : 0;
}

static int grow_map(struct eir_db *db, struct part *p)
{
	int rc = db_env_grow(db, p, 0, "");

	if (rc == -ENOSPC)
		db_errf(db, "%s: the store's map is full at its limit of %llu MiB: raise the map size limit",
			p->path, (unsigned long long)(db->opts.map_max / MIB));
	else if (rc == -EBUSY)
		db_errf(db, "%s: the map is full and cannot grow while a read snapshot is open", p->path);
	else if (rc)
		return db_lmdb_err(db, rc, "grow map");
	return rc ? -ENOSPC : 0;
}

/* LMDB reports a write cut short by a full disk as EIO (0.9: a short pwrite is not an errno); the part's file
 * system with less than 1 MiB left after it says which it was, so that the caller can tell the operator. */
static bool disk_full(const char *path)
{
	struct statvfs st;

	return statvfs(path, &st) == 0 && (unsigned long long)st.f_bavail * st.f_frsize < 1024 * 1024;
}

/* The write loop of eir_db_write(), under the write mutex. */
static int write_locked(struct eir_db *db, enum eir_db_part part, eir_db_write_fn fn, void *arg)
{
	struct part *p = &db->p[part];
	/* one time for every attempt: a redo after the map grew stamps the same */
	int64_t now = time(NULL);
	struct eir_db_txn txn;
	int rc;

	for (;;) {
		memset(&txn, 0, sizeof(txn));
		txn.db = db;
		txn.part = part;
		txn.p = p;
		txn.now = now;
		/* a thread handle does not adopt a map another process grew either: the owner does (eir_db_grow()) */
		rc = db->origin ? mdb_txn_begin(p->env, NULL, 0, &txn.txn) : db_txn_begin(db, p, 0, &txn.txn);
		if (rc == MDB_MAP_RESIZED) {
			db_errf(db, "%s: another process grew the map: grow it here (eir_db_grow()) and write again",
				p->path);
			return -EAGAIN;
		}
		if (rc)
			return db_lmdb_err(db, rc, "begin write transaction");

		rc = fn(&txn, arg);
		txn_close_cursors(&txn);
		if (rc == 0 && !txn.failed)
			rc = save_counts(&txn);
		if (rc == 0 && !txn.failed) {
			rc = db_klog_save(&txn);
			if (rc)
				rc = txn_fail(&txn, rc, "write the key log");
		}
		db_klog_free(&txn);
		if (rc == 0 && !txn.failed) {
			uint64_t id = mdb_txn_id(txn.txn);

			rc = mdb_txn_commit(txn.txn);
			if (rc == 0) {
				db_filter_committed(db, part, id);
				return 0;
			}
			if (rc == MDB_MAP_FULL) {
				txn.map_full = true;
			} else {
				if (rc == EIO && disk_full(p->path))
					rc = ENOSPC;
				return db_lmdb_err(db, rc, "commit");
			}
		} else {
			mdb_txn_abort(txn.txn);
		}
		if (!txn.map_full)
			return rc < 0 ? rc : -EIO;
		/* a thread handle never grows the map: its owner does, on its own thread (db.h) */
		if (db->origin) {
			db_errf(db, "%s: the map is full: grow it (eir_db_grow()) and write again", p->path);
			return -EAGAIN;
		}
		rc = grow_map(db, p);
		if (rc)
			return rc;
	}
}

/*! Run fn in one write transaction of a part and commit it; see db.h.
 *  \returns 0 when committed; fn's negative return (aborted); -ENOSPC (map full at its limit, or disk full);
 *  -EAGAIN (a thread handle's map full: eir_db_grow() it, then call again); -EIO. Nothing is written unless 0 is
 *  returned. */
int eir_db_write(struct eir_db *db, enum eir_db_part part, eir_db_write_fn fn, void *arg)
{
	struct eir_db *owner = db->origin ? db->origin : db;
	int rc;

	if (db->opts.read_only) {
		db_errf(db, "%s: store opened read-only", db->p[part].path);
		return -EROFS;
	}
	pthread_mutex_lock(&owner->write_mutex);
	rc = write_locked(db, part, fn, arg);
	pthread_mutex_unlock(&owner->write_mutex);
	return rc;
}

/*! Grow the map of a part for a thread handle's write that found it full (-EAGAIN), on db's own thread with no read
 *  snapshot open. \returns 0, -ENOSPC (at the limit, or a snapshot open) or -EIO, with the message in
 *  eir_db_errstr(). */
int eir_db_grow(struct eir_db *db, enum eir_db_part part)
{
	int rc;

	if (db->origin) {
		db_errf(db, "a thread handle of the store does not grow the map");
		return -EINVAL;
	}
	pthread_mutex_lock(&db->write_mutex);
	rc = grow_map(db, &db->p[part]);
	pthread_mutex_unlock(&db->write_mutex);
	return rc;
}

/*! Before a big write (an import, a first sync): grow the map of a part at once to hold about bytes more than its
 *  pages in use, doubling as a full map would, up to opts.map_max. A write that fills the map is redone from the
 *  start after each doubling (one LMDB transaction cannot grow its map): 200M rows into 1 GiB took four passes.
 *  On db's own thread, no snapshot open. An estimate too small only leaves the doublings to the write.
 *  \returns 0, or -ENOSPC / -EIO with the message in eir_db_errstr() (the write may still fit: not fatal). */
int eir_db_reserve(struct eir_db *db, enum eir_db_part part, uint64_t bytes)
{
	struct part *p = &db->p[part];
	MDB_envinfo info;
	MDB_stat st;
	uint64_t want;
	char why[64];
	int rc = 0;

	if (db->origin || db->opts.read_only)
		return 0;
	pthread_mutex_lock(&db->write_mutex);
	if (mdb_env_info(p->env, &info) || mdb_env_stat(p->env, &st)) {
		db_errf(db, "%s: cannot read the map's size", p->path);
		rc = -EIO;
		goto out;
	}
	want = (uint64_t)(info.me_last_pgno + 1) * st.ms_psize + bytes;
	if (want <= info.me_mapsize)
		goto out;
	snprintf(why, sizeof(why), " (room for a write of ~%llu MiB)", (unsigned long long)(bytes / MIB));
	rc = db_env_grow(db, p, want, why);
	if (rc == -EBUSY)
		db_errf(db, "%s: the map cannot grow while a read snapshot is open", p->path);
	else if (rc > 0)
		rc = db_lmdb_err(db, rc, "grow map");
	else if (!rc && want > db->opts.map_max)
		rc = -ENOSPC;	/* grown to the limit, which is short of it */
	if (rc == -ENOSPC)
		db_errf(db, "%s: the map's limit of %llu MiB is below the ~%llu MiB this write may need", p->path,
			(unsigned long long)(db->opts.map_max / MIB), (unsigned long long)(want / MIB));
out:
	pthread_mutex_unlock(&db->write_mutex);
	return rc;
}

/*! Adopt the map size another process gave a part (it wrote while this one lent it the writer lock), on db's own
 *  thread with no snapshot open: else the next snapshot would adopt it while a thread handle may be writing. */
void eir_db_map_adopt(struct eir_db *db, enum eir_db_part part)
{
	pthread_mutex_lock(&db->write_mutex);
	if (!db->origin && !db->p[part].rtxn_active)
		db_env_set_mapsize(db, &db->p[part], 0);
	pthread_mutex_unlock(&db->write_mutex);
}

/*! Run fn in a transaction nested in txn: when fn fails (< 0) its changes alone are undone and txn goes on, as if
 *  fn had not run; a failure of the store itself (map full, I/O) fails txn as a whole. \returns fn's result. */
int eir_db_txn_sub(struct eir_db_txn *txn, eir_db_write_fn fn, void *arg)
{
	struct eir_db_txn sub;
	int rc, i;

	if (txn->failed)
		return txn->map_full ? -ENOSPC : -EIO;
	/* LMDB: a parent transaction does nothing while a child is open, its cursors included */
	txn_close_cursors(txn);
	memset(txn->append, 0, sizeof(txn->append));
	memset(&sub, 0, sizeof(sub));
	sub.db = txn->db;
	sub.part = txn->part;
	sub.p = txn->p;
	sub.now = txn->now;
	sub.next_reason = txn->next_reason;
	rc = mdb_txn_begin(txn->p->env, txn->txn, 0, &sub.txn);
	if (rc)
		return txn_fail(txn, rc, "begin nested transaction");
	rc = fn(&sub, arg);
	txn_close_cursors(&sub);
	if (rc == 0 && !sub.failed) {
		rc = mdb_txn_commit(sub.txn);
		if (rc) {
			db_klog_free(&sub);
			return txn_fail(txn, rc, "commit nested transaction");
		}
		for (i = 0; i < 4; i++)
			txn->dcount[i] += sub.dcount[i];
		txn->next_reason = sub.next_reason;
		db_klog_merge(txn, &sub);
		return 0;
	}
	db_klog_free(&sub);
	mdb_txn_abort(sub.txn);
	if (sub.failed) {
		txn->failed = true;
		txn->map_full = sub.map_full;
	}
	return rc < 0 ? rc : -EIO;
}
