/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The equipment store: opening both LMDB parts, the writer lock and the reader check. */

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/logging.h>
#include "store_internal.h"

#define MIB (1024ULL * 1024ULL)
#define DEFAULT_MAP_SIZE (1024 * MIB)
#define DEFAULT_MAP_MAX (1024 * 1024 * MIB)

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
	rc = db_schema_open(db, part);
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
