/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The equipment store: opening both LMDB parts, schema, writer lock, record codecs and statistics. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/logging.h>
#include <osmocom/core/bit16gen.h>
#include <osmocom/core/bit32gen.h>
#include <osmocom/core/bit64gen.h>
#include "store_internal.h"

#define MIB (1024ULL * 1024ULL)
#define DEFAULT_MAP_SIZE (1024 * MIB)
#define DEFAULT_MAP_MAX (1024 * 1024 * MIB)

const struct value_string eir_db_part_names[] = {
	{ EIR_DB_LOCAL, "local" },
	{ EIR_DB_NATIONAL, "national" },
	{ 0, NULL }
};

const struct value_string eir_db_table_names[] = {
	{ EIR_T_IMEI, "imei" },
	{ EIR_T_PAIR, "pair" },
	{ EIR_T_RANGE, "range" },
	{ EIR_T_NOTIF, "notif" },
	{ EIR_T_EXC, "exc" },
	{ EIR_T_REASON, "reason" },
	{ 0, NULL }
};

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

void db_errf(struct eir_db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	/* callers report the error (eir_db_errstr()) where it matters; here only for debugging */
	LOGP(DDB, LOGL_DEBUG, "%s\n", db->err);
}

void db_val_str(char *buf, size_t len, const MDB_val *v)
{
	size_t n;

	if (!len)
		return;
	/* never strlen() the value: it is not NUL-terminated, and in a write transaction it sits in a heap page */
	n = OSMO_MIN(len - 1, v->mv_size);
	memcpy(buf, v->mv_data, n);
	buf[n] = '\0';
}

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

/*! Turn an LMDB error into ours, with a message naming what failed. */
int db_lmdb_err(struct eir_db *db, int rc, const char *what)
{
	switch (rc) {
	case MDB_NOTFOUND:
		return -ENOENT;
	case MDB_MAP_FULL:
		db_errf(db, "%s: the store's map is full", what);
		return -ENOSPC;
	case ENOSPC:
		db_errf(db, "%s: no space left on the disk", what);
		return -ENOSPC;
	default:
		db_errf(db, "%s: %s", what, mdb_strerror(rc));
		return -EIO;
	}
}

const char *eir_db_errstr(const struct eir_db *db)
{
	return db->err[0] ? db->err : "no error";
}

const char *eir_db_dir(const struct eir_db *db)
{
	return db->dir;
}

/* --- record codecs: big-endian keys so that memcmp order is numeric order --- */

uint64_t db_be48_get(const uint8_t *p)
{
	return ((uint64_t)p[0] << 40) | ((uint64_t)p[1] << 32) | ((uint64_t)p[2] << 24) | ((uint64_t)p[3] << 16) |
	       ((uint64_t)p[4] << 8) | p[5];
}

void db_be48_put(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)(v >> 40);
	p[1] = (uint8_t)(v >> 32);
	p[2] = (uint8_t)(v >> 24);
	p[3] = (uint8_t)(v >> 16);
	p[4] = (uint8_t)(v >> 8);
	p[5] = (uint8_t)v;
}

int db_key_len(enum eir_db_table t)
{
	switch (t) {
	case EIR_T_PAIR:
		return KEY_PAIR_LEN;
	case EIR_T_NOTIF:
	case EIR_T_EXC:
		return KEY_ROW_LEN;
	default:
		return KEY_IMEI_LEN;
	}
}

int db_rec_len(enum eir_db_table t)
{
	return t == EIR_T_RANGE ? REC_RANGE_LEN : REC_LEN;
}

static bool is_row_table(enum eir_db_table t)
{
	return t == EIR_T_NOTIF || t == EIR_T_EXC;
}

void db_key_enc(enum eir_db_table t, const struct eir_entry *e, uint8_t *key)
{
	db_be48_put(key, e->imei);
	if (db_key_len(t) >= KEY_PAIR_LEN)
		memcpy(key + KEY_IMEI_LEN, e->imsi, 8);
	if (is_row_table(t))
		memcpy(key + KEY_PAIR_LEN, e->msisdn, 8);
}

void db_key_dec(enum eir_db_table t, const uint8_t *key, struct eir_entry *e)
{
	e->imei = db_be48_get(key);
	if (db_key_len(t) >= KEY_PAIR_LEN)
		memcpy(e->imsi, key + KEY_IMEI_LEN, 8);
	if (is_row_table(t))
		memcpy(e->msisdn, key + KEY_PAIR_LEN, 8);
}

void db_rec_enc(enum eir_db_table t, const struct eir_entry *e, uint8_t *rec)
{
	uint8_t *r = rec;

	if (t == EIR_T_RANGE) {
		db_be48_put(r, e->last);
		r += 6;
	}
	r[0] = (uint8_t)e->list;
	r[1] = t == EIR_T_NOTIF ? (uint8_t)e->amnesty : e->flags;
	osmo_store32be(e->reason_id, r + 2);
	osmo_store16be(e->listed, r + 6);
	osmo_store16be(e->block, r + 8);
}

/*! Decode a record into e (key fields are left as they are; the MSISDN of a table without one is set to none).
 *  \returns 0 or -EIO for a record of the wrong size. */
int db_rec_dec(enum eir_db_table t, const MDB_val *v, struct eir_entry *e)
{
	const uint8_t *r = v->mv_data;

	if (v->mv_size != (size_t)db_rec_len(t))
		return -EIO;
	if (t == EIR_T_RANGE) {
		e->last = db_be48_get(r);
		r += 6;
	}
	e->list = r[0] <= EIR_LIST_BLACK ? (enum eir_list)r[0] : EIR_LIST_NONE;
	e->flags = t == EIR_T_NOTIF ? 0 : r[1];
	e->amnesty = t == EIR_T_NOTIF ? r[1] != 0 : false;
	e->reason_id = osmo_load32be(r + 2);
	e->listed = osmo_load16be(r + 6);
	e->block = osmo_load16be(r + 8);
	if (!is_row_table(t))
		memset(e->msisdn, EIR_NO_NUMBER_BYTE, 8);
	return 0;
}

/* --- opening --- */

static int meta_get_u32(MDB_txn *txn, MDB_dbi dbi, const char *key, uint32_t *val)
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
static int part_open_dbis(struct eir_db *db, enum eir_db_part part)
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

	rc = meta_get_u32(txn, p->dbi[DBI_META], "schema", &schema);
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

static int part_open(struct eir_db *db, enum eir_db_part part)
{
	struct part *p = &db->p[part];
	unsigned int flags = MDB_NOTLS | MDB_NORDAHEAD;
	struct stat st;
	int rc;

	p->lock_fd = -1;
	p->path = talloc_asprintf(db, "%s/%s", db->dir, get_value_string(eir_db_part_names, part));
	if (stat(p->path, &st)) {
		if (errno != ENOENT || !db->opts.create) {
			db_errf(db, "%s: %s%s", p->path, strerror(errno),
				errno == ENOENT ? " (no store here: create one with 'osmo-eir-db create')" : "");
			return -ENOENT;
		}
		if (mkdir(p->path, 0750) && errno != EEXIST) {
			db_errf(db, "cannot create %s: %s", p->path, strerror(errno));
			return -EIO;
		}
	}

	rc = mdb_env_create(&p->env);
	if (rc)
		return db_lmdb_err(db, rc, "create environment");
	mdb_env_set_maxdbs(p->env, _DBI_COUNT);
	mdb_env_set_maxreaders(p->env, 1024);
	mdb_env_set_mapsize(p->env, db->opts.map_size);
	if (db->opts.read_only)
		flags |= MDB_RDONLY;
	/* never MDB_WRITEMAP: with it, a full disk becomes SIGBUS instead of an error */
	rc = mdb_env_open(p->env, p->path, flags, 0640);
	if (rc) {
		db_errf(db, "%s: cannot open: %s", p->path, mdb_strerror(rc));
		return rc == ENOENT ? -ENOENT : -EIO;
	}
	rc = part_open_dbis(db, part);
	if (rc)
		return rc;
	rc = mdb_txn_begin(p->env, NULL, MDB_RDONLY, &p->rtxn);
	if (rc == MDB_MAP_RESIZED) {
		mdb_env_set_mapsize(p->env, 0);
		rc = mdb_txn_begin(p->env, NULL, MDB_RDONLY, &p->rtxn);
	}
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

static int eir_db_destructor(struct eir_db *db)
{
	int i;

	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		struct part *p = &db->p[i];

		if (p->rcur_range)
			mdb_cursor_close(p->rcur_range);
		for (int j = 0; j < 2; j++) {
			if (p->rcur_row[j])
				mdb_cursor_close(p->rcur_row[j]);
		}
		if (p->rtxn)
			mdb_txn_abort(p->rtxn);
		if (p->env)
			mdb_env_close(p->env);
		if (p->lock_fd >= 0)
			close(p->lock_fd);
		p->env = NULL;
	}
	return 0;
}

/*! Open (or create) the store in dir.
 *  \param[in] ctx talloc parent
 *  \param[out] out the handle; on failure a handle is still returned so that eir_db_errstr() can say why,
 *	and must be freed with eir_db_close()
 *  \returns 0, -ENOENT (no store and opts->create not set), -EPROTO (schema mismatch) or -EIO */
int eir_db_open(void *ctx, struct eir_db **out, const char *dir, const struct eir_db_opts *opts)
{
	struct eir_db *db = talloc_zero(ctx, struct eir_db);
	int i, rc;

	talloc_set_name_const(db, "eir_db");
	talloc_set_destructor(db, eir_db_destructor);
	*out = db;
	for (i = 0; i < _EIR_DB_PART_COUNT; i++)
		db->p[i].lock_fd = -1;
	if (opts)
		db->opts = *opts;
	if (!db->opts.map_size)
		db->opts.map_size = DEFAULT_MAP_SIZE;
	if (!db->opts.map_max)
		db->opts.map_max = DEFAULT_MAP_MAX;
	if (db->opts.map_max < db->opts.map_size)
		db->opts.map_max = db->opts.map_size;
	db->dir = talloc_strdup(db, dir);

	if (db->opts.create && !db->opts.read_only && mkdir(dir, 0750) && errno != EEXIST) {
		db_errf(db, "cannot create %s: %s", dir, strerror(errno));
		return -EIO;
	}
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		rc = part_open(db, i);
		if (rc)
			return rc;
	}
	rc = eir_db_reader_check(db);
	if (rc < 0)
		return rc;
	LOGP(DDB, LOGL_INFO, "opened store %s\n", dir);
	return 0;
}

void eir_db_close(struct eir_db *db)
{
	talloc_free(db);
}

/*! Clear reader slots left behind by processes that died. \returns number cleared, or -EIO. */
int eir_db_reader_check(struct eir_db *db)
{
	int i, dead, total = 0;

	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		if (!db->p[i].env)
			continue;
		dead = 0;
		if (mdb_reader_check(db->p[i].env, &dead))
			return -EIO;
		if (dead)
			LOGP(DDB, LOGL_NOTICE, "%s: cleared %d stale reader slot(s)\n", db->p[i].path, dead);
		total += dead;
	}
	return total;
}

/* --- the writer lock --- */

int eir_db_writer_lock(struct eir_db *db, enum eir_db_part part, const char *who)
{
	struct part *p = &db->p[part];
	char *path, buf[128];
	ssize_t n;
	int fd;

	if (p->lock_fd >= 0)
		return 0;
	path = talloc_asprintf(db, "%s/writer.lock", p->path);
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0640);
	if (fd < 0) {
		db_errf(db, "cannot open %s: %s", path, strerror(errno));
		talloc_free(path);
		return -EIO;
	}
	if (flock(fd, LOCK_EX | LOCK_NB)) {
		n = pread(fd, buf, sizeof(buf) - 1, 0);
		buf[n > 0 ? n : 0] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		snprintf(db->err, sizeof(db->err), "the %s lists are locked by %s",
			 get_value_string(eir_db_part_names, part), buf[0] ? buf : "another process");
		close(fd);
		talloc_free(path);
		return -EBUSY;
	}
	if (ftruncate(fd, 0) == 0) {
		n = snprintf(buf, sizeof(buf), "%s (pid %d)\n", who, (int)getpid());
		if (pwrite(fd, buf, n, 0) != n)
			LOGP(DDB, LOGL_NOTICE, "cannot write %s\n", path);
	}
	talloc_free(path);
	p->lock_fd = fd;
	return 0;
}

void eir_db_writer_unlock(struct eir_db *db, enum eir_db_part part)
{
	struct part *p = &db->p[part];

	if (p->lock_fd < 0)
		return;
	if (ftruncate(p->lock_fd, 0))
		LOGP(DDB, LOGL_DEBUG, "cannot truncate writer lock\n");
	close(p->lock_fd);
	p->lock_fd = -1;
}

/* --- statistics --- */

int eir_db_stats(struct eir_db *db, enum eir_db_part part, struct eir_db_stats *st)
{
	struct part *p = &db->p[part];
	MDB_envinfo info;
	MDB_stat ms;
	MDB_txn *txn;
	struct stat fst;
	char *file;
	int i, rc;

	memset(st, 0, sizeof(*st));
	rc = mdb_env_stat(p->env, &ms);
	if (rc)
		return db_lmdb_err(db, rc, "environment stat");
	st->page_size = ms.ms_psize;
	rc = eir_db_read_begin(db);
	if (rc)
		return rc;
	txn = p->rtxn;
	mdb_env_info(p->env, &info);
	st->map_size = info.me_mapsize;
	st->map_used = (uint64_t)(info.me_last_pgno + 1) * ms.ms_psize;
	st->readers = info.me_numreaders;
	meta_get_u32(txn, p->dbi[DBI_META], "schema", &st->schema);
	db_counts_get(txn, p, st->imei_lists);
	for (i = 0; i < _EIR_T_COUNT; i++) {
		if (mdb_stat(txn, p->dbi[i], &ms))
			continue;
		st->t[i].entries = ms.ms_entries;
		st->t[i].pages = ms.ms_branch_pages + ms.ms_leaf_pages + ms.ms_overflow_pages;
	}
	eir_db_read_end(db);
	file = talloc_asprintf(db, "%s/data.mdb", p->path);
	if (!stat(file, &fst))
		st->file_size = (uint64_t)fst.st_size;
	talloc_free(file);
	return 0;
}

/* --- feed state in the national part's meta --- */

int eir_db_feed_state_get(struct eir_db *db, struct eir_feed_state *st)
{
	char buf[256];
	size_t len = sizeof(buf) - 1;
	long long run, at;
	int rc;

	memset(st, 0, sizeof(*st));
	rc = eir_db_meta_get(db, EIR_DB_NATIONAL, "feed", buf, &len);
	if (rc)
		return rc;
	buf[len] = '\0';
	if (sscanf(buf, "%63s %lld %15s %lld", st->name, &run, st->run_date, &at) != 4) {
		db_errf(db, "national feed state unreadable: '%s'", buf);
		return -EIO;
	}
	st->run_id = run;
	st->applied_at = at;
	return 0;
}

int eir_db_txn_feed_state_put(struct eir_db_txn *txn, const struct eir_feed_state *st)
{
	char buf[256];
	int n;

	if (txn->part != EIR_DB_NATIONAL || !st->name[0] || strpbrk(st->name, " \t\n") ||
	    strpbrk(st->run_date, " \t\n") || !st->run_date[0]) {
		eir_db_txn_errf(txn, "invalid feed state");
		return -EINVAL;
	}
	n = snprintf(buf, sizeof(buf), "%s %lld %s %lld", st->name, (long long)st->run_id, st->run_date,
		     (long long)st->applied_at);
	return eir_db_txn_meta_put(txn, "feed", buf, (size_t)n);
}
