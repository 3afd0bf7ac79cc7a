/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The equipment store's handle: eir_db_open() wires the layers for each part (environment, schema, read snapshot)
 * and eir_db_close() takes them down. */

#include <errno.h>
#include <string.h>
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
	db_filter_close(db);
	pthread_rwlock_destroy(&db->map_lock);
	pthread_mutex_destroy(&db->write_mutex);
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
	pthread_mutex_init(&db->write_mutex, NULL);
	pthread_rwlock_init(&db->map_lock, NULL);
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

/*! A handle for one other thread on the environments of db (never a second open of them, see db.h): its own
 *  error text, no read snapshot, writes under db's write mutex and never growing the map. Freed with
 *  eir_db_close() (which leaves db's environments alone), before db. \returns NULL when out of memory. */
struct eir_db *eir_db_thread_handle(void *ctx, struct eir_db *db)
{
	struct eir_db *t = talloc_zero(ctx, struct eir_db);
	int i;

	if (!t)
		return NULL;
	talloc_set_name_const(t, "eir_db thread handle");
	t->dir = db->dir;
	t->opts = db->opts;
	t->origin = db->origin ? db->origin : db;
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		/* the environment and its sub-databases, which do not change after the open; nothing of the snapshot */
		t->p[i].env = db->p[i].env;
		memcpy(t->p[i].dbi, db->p[i].dbi, sizeof(t->p[i].dbi));
		t->p[i].path = db->p[i].path;
		t->p[i].lock_fd = -1;
	}
	return t;
}

void eir_db_close(struct eir_db *db)
{
	talloc_free(db);
}

