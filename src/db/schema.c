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
	[DBI_KEYLOG] = "keylog",
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

/* 1 → 2: the audit table (created empty by open_dbis()) and the per-list counts of the IMEI records,
 * counted once here and kept up to date by every write from now on */
static int upgrade_1_to_2(struct eir_db *db, struct part *p, MDB_txn *txn)
{
	uint64_t count[4] = { 0 };
	uint8_t list;
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(txn, p->dbi[EIR_T_IMEI], &cur);
	if (rc)
		return db_lmdb_err(db, rc, "open cursor");
	/* a schema 1 record has the layout of schema 3 (REC_LEN_V3), its list in the first byte */
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		list = *(const uint8_t *)v.mv_data;
		if (v.mv_size != REC_LEN_V3 || list > EIR_LIST_BLACK) {
			rc = MDB_CORRUPTED;
			break;
		}
		count[list]++;
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
	uint8_t key[KEY_ROW_LEN], rec[REC_LEN_V3];
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
			memcpy(key + KEY_PAIR_LEN, (const uint8_t *)v.mv_data + REC_LEN_V3, 8);
			memcpy(rec, v.mv_data, REC_LEN_V3);
			rc = mdb_cursor_del(cur, 0);
			if (rc)
				break;
			k = (MDB_val){ .mv_size = KEY_ROW_LEN, .mv_data = key };
			v = (MDB_val){ .mv_size = REC_LEN_V3, .mv_data = rec };
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

/* Put every row of table `from` into the empty table `to` in key order (MDB_APPEND: full pages), each record of
 * from_len bytes padded with zeroes to to_len. */
static int append_rows(MDB_txn *txn, MDB_dbi from, MDB_dbi to, size_t from_len, size_t to_len)
{
	uint8_t rec[REC_RANGE_LEN];
	MDB_cursor *cur;
	MDB_val k, v;
	int rc;

	rc = mdb_cursor_open(txn, from, &cur);
	if (rc)
		return rc;
	memset(rec, 0, sizeof(rec));
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) == 0) {
		if (v.mv_size != from_len) {
			rc = MDB_CORRUPTED;
			break;
		}
		memcpy(rec, v.mv_data, from_len);
		v = (MDB_val){ .mv_size = to_len, .mv_data = rec };
		rc = mdb_put(txn, to, &k, &v, MDB_APPEND);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* 3 → 4 for one table: each record gains the time its entry was applied to this store, 4 bytes at its end, 0 for
 * every entry already there ("unknown": nobody knows when they came). Rewriting each record where it stands would
 * split every page in two (about 53 bytes an entry instead of 30, measured on 1M sorted IMEIs): the rows go to a
 * scratch table in key order and back, both by appending, so that the table ends as compact as a sorted import. */
static int upgrade_applied_3_to_4(struct eir_db *db, struct part *p, MDB_txn *txn, enum eir_db_table t)
{
	size_t old_len = t == EIR_T_RANGE ? 6 + REC_LEN_V3 : REC_LEN_V3;
	size_t new_len = (size_t)db_rec_len(t);
	MDB_dbi scratch;
	MDB_stat st;
	int rc;

	rc = mdb_stat(txn, p->dbi[t], &st);
	if (rc || !st.ms_entries)
		return rc ? db_lmdb_err(db, rc, "add the applied time") : 0;
	rc = mdb_dbi_open(txn, "upgrade", MDB_CREATE, &scratch);
	if (!rc)
		rc = mdb_drop(txn, scratch, 0);
	if (!rc)
		rc = append_rows(txn, p->dbi[t], scratch, old_len, new_len);
	if (!rc)
		rc = mdb_drop(txn, p->dbi[t], 0);
	if (!rc)
		rc = append_rows(txn, scratch, p->dbi[t], new_len, new_len);
	if (!rc)
		rc = mdb_drop(txn, scratch, 1);
	return rc ? db_lmdb_err(db, rc, "add the applied time") : 0;
}

static int upgrade_3_to_4(struct eir_db *db, struct part *p, MDB_txn *txn)
{
	static const enum eir_db_table tables[] = { EIR_T_IMEI, EIR_T_PAIR, EIR_T_RANGE, EIR_T_NOTIF, EIR_T_EXC };
	int rc = 0;

	for (unsigned int i = 0; i < ARRAY_SIZE(tables) && !rc; i++)
		rc = upgrade_applied_3_to_4(db, p, txn, tables[i]);
	return rc;
}

/* The upgrades of the on-disk layout, oldest first: each step turns schema `from` into `to` inside the one write
 * transaction that also records `to` (so a crash leaves the old schema whole). New sub-databases are created
 * before the steps run (MDB_CREATE). A new schema version is one row here and its function above. */
static const struct schema_step {
	uint32_t from, to;
	int (*run)(struct eir_db *db, struct part *p, MDB_txn *txn);
	const char *what;
} schema_steps[] = {
	{ 1, 2, upgrade_1_to_2, "the audit table, and the per-list counts of the IMEI records (counted once)" },
	{ 2, 3, upgrade_2_to_3, "national notification and exception rows keyed by (IMEI, IMSI, MSISDN)" },
	{ 3, 4, upgrade_3_to_4,
	  "the time each entry was applied to this store (unknown for the entries already there)" },
};

/*! Step i of the upgrade path (0: the oldest), for tools and tests.
 *  \returns 0 with from, to and what filled (each may be NULL), or -ENOENT past the last step */
int eir_db_schema_step(unsigned int i, uint32_t *from, uint32_t *to, const char **what)
{
	if (i >= ARRAY_SIZE(schema_steps))
		return -ENOENT;
	if (from)
		*from = schema_steps[i].from;
	if (to)
		*to = schema_steps[i].to;
	if (what)
		*what = schema_steps[i].what;
	return 0;
}

static const struct schema_step *schema_step_from(uint32_t from)
{
	unsigned int i;

	for (i = 0; i < ARRAY_SIZE(schema_steps); i++) {
		if (schema_steps[i].from == from)
			return &schema_steps[i];
	}
	return NULL;
}

/* What one pass over a part (schema_pass()) may ask for besides success (0) or an error (< 0): */
enum {
	PASS_NEEDS_WRITE = 1,	/* a read-only look found work: tables or the schema record to create, an
				 * upgrade */
	PASS_NEEDS_MAP,		/* the upgrade filled the map (-ENOSPC): grow it and upgrade again */
};

/* Open the sub-databases; a reader that misses one asks for a write (which creates it), unless read-only. */
static int open_dbis(struct eir_db *db, struct part *p, MDB_txn *txn, bool write)
{
	int i, rc;

	for (i = 0; i < _DBI_COUNT; i++) {
		rc = mdb_dbi_open(txn, dbi_names[i], write ? MDB_CREATE : 0, &p->dbi[i]);
		if (i == DBI_KEYLOG)
			p->keylog = rc == 0;
		if (rc == 0)
			continue;
		if (rc != MDB_NOTFOUND)
			return db_lmdb_err(db, rc, "open table");
		if (!write && !db->opts.read_only)
			return PASS_NEEDS_WRITE;
		/* the key log only serves another process's lookup filter: a read-only open does without */
		if (i == DBI_KEYLOG)
			continue;
		if (i >= DBI_FIRST_OF_SCHEMA_2) {
			db_errf(db, "%s: the store needs an upgrade to schema version %u: open it once read-write "
				"(start osmo-eir on it, or any osmo-eir-db command that writes)", p->path,
				EIR_DB_SCHEMA_VERSION);
			return -EPROTO;
		}
		db_errf(db, "%s: not an osmo-eir store (no '%s' table); create it with 'osmo-eir-db -l %s create'",
			p->path, dbi_names[i], db->dir);
		return -ENOENT;
	}
	return 0;
}

/* The schema version in *schema; an empty part without one gets the current version and its part name
 * (a write), a part with entries but no version is refused. */
static int read_schema(struct eir_db *db, struct part *p, MDB_txn *txn, bool write, const char *pname,
		       uint32_t *schema)
{
	uint8_t v[4];
	MDB_stat st;
	int rc;

	rc = db_meta_get_u32(txn, p->dbi[DBI_META], "schema", schema);
	if (rc != MDB_NOTFOUND)
		return rc ? db_lmdb_err(db, rc, "read schema version") : 0;
	mdb_stat(txn, p->dbi[EIR_T_IMEI], &st);
	if (st.ms_entries) {
		db_errf(db, "%s: holds entries but no schema version: not an osmo-eir store", p->path);
		return -EIO;
	}
	if (!write && db->opts.read_only) {
		db_errf(db, "%s: store not initialised; create it with 'osmo-eir-db -l %s create'", p->path, db->dir);
		return -ENOENT;
	}
	if (!write)
		return PASS_NEEDS_WRITE;
	osmo_store32be(EIR_DB_SCHEMA_VERSION, v);
	rc = meta_put_raw(txn, p->dbi[DBI_META], "schema", v, 4);
	if (!rc)
		rc = meta_put_raw(txn, p->dbi[DBI_META], "part", pname, strlen(pname));
	if (rc)
		return db_lmdb_err(db, rc, "write schema version");
	*schema = EIR_DB_SCHEMA_VERSION;
	return 0;
}

/* A newer schema is refused; an older one needs a write transaction, which a read-only open cannot have. */
static int check_version(struct eir_db *db, struct part *p, uint32_t schema, bool write)
{
	if (schema > EIR_DB_SCHEMA_VERSION) {
		db_errf(db, "%s: store schema version %u is newer than this osmo-eir supports (%u): upgrade osmo-eir",
			p->path, schema, EIR_DB_SCHEMA_VERSION);
		return -EPROTO;
	}
	if (schema == EIR_DB_SCHEMA_VERSION || write)
		return 0;
	if (db->opts.read_only) {
		db_errf(db, "%s: store schema version %u needs an upgrade to %u: open it once read-write", p->path,
			schema, EIR_DB_SCHEMA_VERSION);
		return -EPROTO;
	}
	return PASS_NEEDS_WRITE;
}

/* Run the steps from schema up to the current version in the write transaction, recording each version. */
static int upgrade(struct eir_db *db, struct part *p, MDB_txn *txn, uint32_t schema)
{
	const struct schema_step *step;
	uint8_t v[4];
	int rc;

	while (schema < EIR_DB_SCHEMA_VERSION) {
		step = schema_step_from(schema);
		if (!step) {
			db_errf(db, "%s: store schema version %u cannot be upgraded to %u", p->path, schema,
				EIR_DB_SCHEMA_VERSION);
			return -EPROTO;
		}
		rc = step->run(db, p, txn);
		/* an upgrade rewrites whole tables in one transaction: a big store may need more map */
		if (rc)
			return rc == -ENOSPC ? PASS_NEEDS_MAP : rc;
		schema = step->to;
		osmo_store32be(schema, v);
		rc = meta_put_raw(txn, p->dbi[DBI_META], "schema", v, 4);
		if (rc)
			return db_lmdb_err(db, rc, "write schema version");
		LOGP(DDB, LOGL_NOTICE, "%s: upgraded store schema to version %u: %s\n", p->path, schema, step->what);
	}
	return 0;
}

/* The part's name in its meta table, if recorded, must be the part it is opened as. */
static int check_part_name(struct eir_db *db, struct part *p, MDB_txn *txn, const char *pname)
{
	MDB_val k = { .mv_size = 4, .mv_data = "part" }, v;

	if (mdb_get(txn, p->dbi[DBI_META], &k, &v) == 0 &&
	    (v.mv_size != strlen(pname) || memcmp(v.mv_data, pname, v.mv_size))) {
		db_errf(db, "%s: this directory holds the '%.*s' part, not '%s'", p->path, (int)v.mv_size,
			(const char *)v.mv_data, pname);
		return -EIO;
	}
	return 0;
}

/* One look at a part in one transaction, read-only or writing: open its sub-databases, read (or record) the
 * schema version, upgrade an older one, check the part's name; committed when all is well, else aborted here
 * and nowhere else. \returns 0, PASS_NEEDS_WRITE, PASS_NEEDS_MAP or a negative error with its message. */
static int schema_pass(struct eir_db *db, enum eir_db_part part, bool write)
{
	struct part *p = &db->p[part];
	const char *pname = get_value_string(eir_db_part_names, part);
	uint32_t schema = 0;
	MDB_txn *txn;
	int rc;

	rc = db_txn_begin(db, p, write ? 0 : MDB_RDONLY, &txn);
	if (rc)
		return db_lmdb_err(db, rc, "begin transaction");
	rc = open_dbis(db, p, txn, write);
	if (!rc)
		rc = read_schema(db, p, txn, write, pname, &schema);
	if (!rc)
		rc = check_version(db, p, schema, write);
	if (!rc && write)
		rc = upgrade(db, p, txn, schema);
	if (!rc)
		rc = check_part_name(db, p, txn, pname);
	if (rc) {
		mdb_txn_abort(txn);
		return rc;
	}
	rc = mdb_txn_commit(txn);
	return rc ? db_lmdb_err(db, rc, "commit") : 0;
}

/*! Open the sub-databases of a part whose environment is open. A read-only look first, so that merely opening
 *  never waits for another process's long write; a write transaction only when that look found something to
 *  create or upgrade; and, when an upgrade fills the map, a larger map and the upgrade again from the start.
 *  \returns 0, -ENOENT (no store), -EPROTO (schema too new, or needing an upgrade read-only), -ENOSPC or -EIO */
int db_schema_open(struct eir_db *db, enum eir_db_part part)
{
	bool write = false;
	int rc;

	for (;;) {
		rc = schema_pass(db, part, write);
		if (rc == PASS_NEEDS_WRITE && !write) {
			write = true;
			continue;
		}
		if (rc == PASS_NEEDS_MAP) {
			/* with the upgrade's message ("...: the store's map is full") when the map cannot grow */
			if (db_env_grow(db, &db->p[part], 0, " for the schema upgrade"))
				return -ENOSPC;
			continue;
		}
		OSMO_ASSERT(rc <= 0);
		return rc;
	}
}
