/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The store's environment: the handle's error texts, each part's LMDB environment (opening, beginning a
 * transaction on a map another process grew, growing the map), the reader check and the writer lock. */

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/core/logging.h>
#include <osmocom/eir/logging.h>
#include "store_internal.h"

void db_errf(struct eir_db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	/* callers report the error (eir_db_errstr()) where it matters; here only for debugging, and never from a
	 * thread handle's thread (logging is the select loop's) */
	if (!db->origin)
		LOGP(DDB, LOGL_DEBUG, "%s\n", db->err);
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

/* --- the environment of a part --- */

/*! Create and open the LMDB environment of a part (its directory too, with opts.create), at opts.map_size.
 *  \returns 0, -ENOENT or -EIO */
int db_env_open(struct eir_db *db, enum eir_db_part part)
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
	mdb_env_set_maxdbs(p->env, _DBI_COUNT + 1);	/* + the schema upgrade's scratch table */
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
	return 0;
}

/*! Begin a transaction of part p; when another process grew the map, adopt its size and begin again.
 *  \returns 0 or an LMDB error */
int db_txn_begin(struct eir_db *db, struct part *p, unsigned int flags, MDB_txn **txn)
{
	int rc;

	while ((rc = mdb_txn_begin(p->env, NULL, flags, txn)) == MDB_MAP_RESIZED)
		db_env_set_mapsize(db, p, 0);
	return rc;
}

/*! mdb_env_set_mapsize() on an open environment of db's, with no read transaction of another thread open (the map
 *  lock; the owner's other transactions are the caller's business). eturns its result */
int db_env_set_mapsize(struct eir_db *db, struct part *p, size_t size)
{
	struct eir_db *o = db->origin ? db->origin : db;
	int rc;

	pthread_rwlock_wrlock(&o->map_lock);
	rc = mdb_env_set_mapsize(p->env, size);
	pthread_rwlock_unlock(&o->map_lock);
	return rc;
}

/*! Double the map of part p, again until it holds at least min_size bytes (0: once), up to opts.map_max. LMDB wants
 *  no transaction of this process active then; the callers have none but the read snapshot, which is refused here.
 *  \param[in] why appended to the log line
 *  \returns 0, -ENOSPC (at the limit), -EBUSY (a read snapshot is open) or an LMDB error (> 0) */
int db_env_grow(struct eir_db *db, struct part *p, uint64_t min_size, const char *why)
{
	MDB_envinfo info;
	uint64_t size;
	int rc;

	mdb_env_info(p->env, &info);
	if (info.me_mapsize >= db->opts.map_max)
		return -ENOSPC;
	if (p->rtxn_active)
		return -EBUSY;
	for (size = (uint64_t)info.me_mapsize * 2; size < min_size && size < db->opts.map_max; size *= 2)
		;
	size = OSMO_MIN(size, db->opts.map_max);
	rc = db_env_set_mapsize(db, p, size);
	if (rc)
		return rc;
	LOGP(DDB, LOGL_NOTICE, "%s: map grown to %llu KiB%s\n", p->path, (unsigned long long)(size / 1024), why);
	return 0;
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
