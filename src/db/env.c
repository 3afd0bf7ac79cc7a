/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The store's environment: error texts of the handle. */

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>

#include <osmocom/core/logging.h>
#include <osmocom/eir/logging.h>
#include "store_internal.h"

void db_errf(struct eir_db *db, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(db->err, sizeof(db->err), fmt, ap);
	va_end(ap);
	/* callers report the error (eir_db_errstr()) where it matters; here only for debugging */
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
