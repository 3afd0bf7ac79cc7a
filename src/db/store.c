/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The equipment store's handle: eir_db_open() wires the layers for each part (environment, schema, read snapshot)
 * and eir_db_close() takes them down. */

#include <errno.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/logging.h>

#include <osmocom/eir/logging.h>
#include "store_internal.h"

#define MIB (1024ULL * 1024ULL)
#define DEFAULT_MAP_SIZE (1024 * MIB)
#define DEFAULT_MAP_MAX (1024 * 1024 * MIB)

static int part_open(struct eir_db *db, enum eir_db_part part)
{
	int rc;

	rc = db_env_open(db, part);
	if (!rc)
		rc = db_schema_open(db, part);
	if (!rc)
		rc = db_read_init(db, &db->p[part]);
	return rc;
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

