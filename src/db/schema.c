/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The schema: the sub-databases of a part, the schema version and part name in its meta table, the per-list
 * counts that schema 2 added, and the in-place upgrades of older stores. */

#include <errno.h>
#include <string.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/logging.h>
#include <osmocom/core/bit32gen.h>
#include <osmocom/core/bit64gen.h>
#include "store_internal.h"

static const char *const dbi_names[_DBI_COUNT] = {
	[EIR_T_IMEI] = "imei",
	[EIR_T_PAIR] = "pair",
	[EIR_T_RANGE] = "range",
	[EIR_T_NOTIF] = "notif",
	[EIR_T_EXC] = "exc",
	[EIR_T_REASON] = "reason",
	[DBI_REASON_IDX] = "reason_idx",
	[DBI_META] = "meta",
	[DBI_AUDIT] = "audit",
};

/* the first sub-database each schema version added: a read-only open of an older store misses it */
#define DBI_FIRST_OF_SCHEMA_2 DBI_AUDIT

int db_meta_get_u32(MDB_txn *txn, MDB_dbi dbi, const char *key, uint32_t *val)
{
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key }, v;
	int rc = mdb_get(txn, dbi, &k, &v);

	if (rc)
		return rc;
	if (v.mv_size != 4)
		return MDB_CORRUPTED;
	*val = osmo_load32be(v.mv_data);
	return 0;
}

static int meta_put_raw(MDB_txn *txn, MDB_dbi dbi, const char *key, const void *val, size_t len)
{
	MDB_val k = { .mv_size = strlen(key), .mv_data = (void *)key };
	MDB_val v = { .mv_size = len, .mv_data = (void *)val };

	return mdb_put(txn, dbi, &k, &v, 0);
}

/* Upgrades of the on-disk layout, one step per version: step N turns schema N into N+1 inside the write
 * transaction that also records N+1. New sub-databases are created before the steps run (MDB_CREATE). */
typedef int (*schema_upgrade_fn)(struct eir_db *db, struct part *p, MDB_txn *txn);

static const char *const count_keys[4] = {
	"count:imei:none", "count:imei:white", "count:imei:grey", "count:imei:black",
};

/*! The number of IMEI records per list (index enum eir_list) as the meta table holds them. */
int db_counts_get(MDB_txn *txn, struct part *p, uint64_t count[4])
{
	MDB_val k, v;
	int i, rc;

	for (i = 0; i < 4; i++) {
		k.mv_size = strlen(count_keys[i]);
		k.mv_data = (void *)count_keys[i];
		count[i] = 0;
		rc = mdb_get(txn, p->dbi[DBI_META], &k, &v);
		if (rc == MDB_NOTFOUND)
			continue;
		if (rc)
			return rc;
		if (v.mv_size != 8)
			return MDB_CORRUPTED;
		count[i] = osmo_load64be(v.mv_data);
	}
	return 0;
}

int db_counts_put(MDB_txn *txn, struct part *p, const uint64_t count[4])
{
	uint8_t v[8];
	int i, rc;

	for (i = 0; i < 4; i++) {
		osmo_store64be(count[i], v);
		rc = meta_put_raw(txn, p->dbi[DBI_META], count_keys[i], v, 8);
		if (rc)
			return rc;
	}
	return 0;
}

/* 1 → 2: the audit table (created empty by part_open_dbis()) and the per-list counts of the IMEI records,
 * counted once here and kept up to date by every write from now on */
static int upgrade_1_to_2(struct eir_db *db, struct part *p, MDB_txn *txn)
{
	uint64_t count[4] = { 0 };
	struct eir_entry e;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(txn, p->dbi[EIR_T_IMEI], &cur);
	if (rc)
		return db_lmdb_err(db, rc, "open cursor");
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		memset(&e, 0, sizeof(e));
		if (db_rec_dec(EIR_T_IMEI, &v, &e) || e.list > EIR_LIST_BLACK) {
			rc = MDB_CORRUPTED;
			break;
		}
		count[e.list]++;
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_lmdb_err(db, rc, "count IMEI records");
	rc = db_counts_put(txn, p, count);
	return rc ? db_lmdb_err(db, rc, "write counts") : 0;
}

/* 2 → 3 for one table: a row (IMEI, IMSI) → record + MSISDN becomes (IMEI, IMSI, MSISDN) → record, so that one
 * pair may hold a row per MSISDN as DIRBS keys them. The new key sorts right after the old one (which is its
 * prefix), so the cursor, left on the new key by the put, goes on with the next old row. */
static int upgrade_rows_2_to_3(struct eir_db *db, struct part *p, MDB_txn *txn, enum eir_db_table t)
{
	uint8_t key[KEY_ROW_LEN], rec[REC_LEN];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(txn, p->dbi[t], &cur);
	if (rc)
		return db_lmdb_err(db, rc, "open cursor");
	rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST);
	while (rc == 0) {
		if (k.mv_size != KEY_ROW_LEN) {
			if (k.mv_size != KEY_PAIR_LEN || v.mv_size != REC_ROW_LEN_V2) {
				rc = MDB_CORRUPTED;
				break;
			}
			memcpy(key, k.mv_data, KEY_PAIR_LEN);
			memcpy(key + KEY_PAIR_LEN, (const uint8_t *)v.mv_data + REC_LEN, 8);
			memcpy(rec, v.mv_data, REC_LEN);
			rc = mdb_cursor_del(cur, 0);
			if (rc)
				break;
			k = (MDB_val){ .mv_size = KEY_ROW_LEN, .mv_data = key };
			v = (MDB_val){ .mv_size = REC_LEN, .mv_data = rec };
			rc = mdb_cursor_put(cur, &k, &v, 0);
			if (rc)
				break;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	mdb_cursor_close(cur);
	if (rc != MDB_NOTFOUND)
		return db_lmdb_err(db, rc, "upgrade the rows");
	return 0;
}

static int upgrade_2_to_3(struct eir_db *db, struct part *p, MDB_txn *txn)
{
	int rc = upgrade_rows_2_to_3(db, p, txn, EIR_T_NOTIF);

	return rc ? rc : upgrade_rows_2_to_3(db, p, txn, EIR_T_EXC);
}

static schema_upgrade_fn schema_upgrade_step(uint32_t from)
{
	switch (from) {
	case 1:
		return upgrade_1_to_2;
	case 2:
		return upgrade_2_to_3;
	default:
		return NULL;
	}
}

/* Double the map for an upgrade that filled it, up to opts.map_max. \returns 0 or -ENOSPC (at the limit). */
static int grow_for_upgrade(struct eir_db *db, struct part *p)
{
	MDB_envinfo info;
	uint64_t size;

	mdb_env_info(p->env, &info);
	if (info.me_mapsize >= db->opts.map_max)
		return -ENOSPC;
	size = OSMO_MIN((uint64_t)info.me_mapsize * 2, db->opts.map_max);
	LOGP(DDB, LOGL_NOTICE, "%s: the upgrade needs more map: %llu KiB\n", p->path,
	     (unsigned long long)(size / 1024));
	/* called with no transaction of ours active, as mdb_env_set_mapsize() wants */
	return mdb_env_set_mapsize(p->env, size) ? -ENOSPC : 0;
}

/* Open the sub-databases in a read transaction; create them (and the schema record) in a write transaction
 * only when they are missing, so that merely opening never waits for another process's long write. */
int db_schema_open(struct eir_db *db, enum eir_db_part part)
{
	struct part *p = &db->p[part];
	const char *pname = get_value_string(eir_db_part_names, part);
	MDB_txn *txn;
	uint32_t schema = 0;
	MDB_stat st;
	bool write = false;
	int i, rc;

again:
	rc = mdb_txn_begin(p->env, NULL, write ? 0 : MDB_RDONLY, &txn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(p->env, 0);
		goto again;
	}
	if (rc)
		return db_lmdb_err(db, rc, "begin transaction");
	for (i = 0; i < _DBI_COUNT; i++) {
		rc = mdb_dbi_open(txn, dbi_names[i], write ? MDB_CREATE : 0, &p->dbi[i]);
		if (rc == MDB_NOTFOUND && !write && !db->opts.read_only) {
			mdb_txn_abort(txn);
			write = true;
			goto again;
		}
		if (rc == MDB_NOTFOUND && i >= DBI_FIRST_OF_SCHEMA_2) {
			mdb_txn_abort(txn);
			db_errf(db, "%s: the store needs an upgrade to schema version %u: open it once read-write "
				"(start osmo-eir on it, or any osmo-eir-db command that writes)", p->path,
				EIR_DB_SCHEMA_VERSION);
			return -EPROTO;
		}
		if (rc == MDB_NOTFOUND) {
			mdb_txn_abort(txn);
			db_errf(db, "%s: not an osmo-eir store (no '%s' table); create it with 'osmo-eir-db -l %s create'",
				p->path, dbi_names[i], db->dir);
			return -ENOENT;
		}
		if (rc) {
			mdb_txn_abort(txn);
			return db_lmdb_err(db, rc, "open table");
		}
	}

	rc = db_meta_get_u32(txn, p->dbi[DBI_META], "schema", &schema);
	if (rc == MDB_NOTFOUND) {
		mdb_stat(txn, p->dbi[EIR_T_IMEI], &st);
		if (st.ms_entries) {
			mdb_txn_abort(txn);
			db_errf(db, "%s: holds entries but no schema version: not an osmo-eir store", p->path);
			return -EIO;
		}
		if (!write) {
			if (db->opts.read_only) {
				mdb_txn_abort(txn);
				db_errf(db, "%s: store not initialised; create it with 'osmo-eir-db -l %s create'",
					p->path, db->dir);
				return -ENOENT;
			}
			mdb_txn_abort(txn);
			write = true;
			goto again;
		}
		uint8_t v[4];
		osmo_store32be(EIR_DB_SCHEMA_VERSION, v);
		rc = meta_put_raw(txn, p->dbi[DBI_META], "schema", v, 4);
		if (!rc)
			rc = meta_put_raw(txn, p->dbi[DBI_META], "part", pname, strlen(pname));
		if (rc) {
			mdb_txn_abort(txn);
			return db_lmdb_err(db, rc, "write schema version");
		}
		schema = EIR_DB_SCHEMA_VERSION;
	} else if (rc) {
		mdb_txn_abort(txn);
		return db_lmdb_err(db, rc, "read schema version");
	}

	if (schema > EIR_DB_SCHEMA_VERSION) {
		mdb_txn_abort(txn);
		db_errf(db, "%s: store schema version %u is newer than this osmo-eir supports (%u): upgrade osmo-eir",
			p->path, schema, EIR_DB_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (schema < EIR_DB_SCHEMA_VERSION) {
		if (!write) {
			mdb_txn_abort(txn);
			if (db->opts.read_only) {
				db_errf(db, "%s: store schema version %u needs an upgrade to %u: open it once read-write",
					p->path, schema, EIR_DB_SCHEMA_VERSION);
				return -EPROTO;
			}
			write = true;
			goto again;
		}
		while (schema < EIR_DB_SCHEMA_VERSION) {
			schema_upgrade_fn fn = schema_upgrade_step(schema);
			uint8_t v[4];

			if (!fn) {
				mdb_txn_abort(txn);
				db_errf(db, "%s: store schema version %u cannot be upgraded to %u", p->path, schema,
					EIR_DB_SCHEMA_VERSION);
				return -EPROTO;
			}
			rc = fn(db, p, txn);
			if (rc) {
				mdb_txn_abort(txn);
				/* an upgrade rewrites whole tables in one transaction: a big store may need more map */
				if (rc == -ENOSPC && grow_for_upgrade(db, p) == 0)
					goto again;
				return rc;
			}
			schema++;
			osmo_store32be(schema, v);
			rc = meta_put_raw(txn, p->dbi[DBI_META], "schema", v, 4);
			if (rc) {
				mdb_txn_abort(txn);
				return db_lmdb_err(db, rc, "write schema version");
			}
			LOGP(DDB, LOGL_NOTICE, "%s: upgraded store schema to version %u\n", p->path, schema);
		}
	}

	{
		MDB_val k = { .mv_size = 4, .mv_data = "part" }, v;

		rc = mdb_get(txn, p->dbi[DBI_META], &k, &v);
		if (rc == 0 && (v.mv_size != strlen(pname) || memcmp(v.mv_data, pname, v.mv_size))) {
			mdb_txn_abort(txn);
			db_errf(db, "%s: this directory holds the '%.*s' part, not '%s'", p->path, (int)v.mv_size,
				(const char *)v.mv_data, pname);
			return -EIO;
		}
	}

	rc = mdb_txn_commit(txn);
	if (rc)
		return db_lmdb_err(db, rc, "commit");
	return 0;
}
