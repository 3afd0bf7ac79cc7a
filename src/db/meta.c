/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The meta on top of the store: statistics of a part and the national feed's state. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include "store_internal.h"

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
	db_meta_get_u32(txn, p->dbi[DBI_META], "schema", &st->schema);
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
