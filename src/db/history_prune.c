/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The history store's pruning (include/osmocom/eir/history.h): rows past their keeping removed a bounded step at a
 * time, each table from where its last step stopped, in the writer's transaction (eir_hist_apply()) or one of its
 * own (eir_hist_prune()). The layout is history_internal.h's. */

#include <errno.h>
#include <stdint.h>
#include <string.h>

#include <lmdb.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/history.h>
#include "history_internal.h"

/* How long a node's last check of an IMEI is kept: the two-nodes interval, and at least the sightings' repeat interval,
 * which is also the shortest time between two two-nodes clones of one IMEI. */
static int64_t node_keep(const struct eir_hist_cfg *cfg)
{
	int64_t keep = 2 * (int64_t)cfg->clone_nodes_sec;

	return keep > EIR_HIST_SIGHTING_REPEAT_SEC ? keep : EIR_HIST_SIGHTING_REPEAT_SEC;
}

/* the time a row was last touched, -1: keep it */
static int64_t row_time(int d, const MDB_val *v)
{
	switch (d) {
	case D_PAIR:
		return v->mv_size == sizeof(struct pair_val) ? ((const struct pair_val *)v->mv_data)->last : 0;
	case D_RECENT:
		return v->mv_size == sizeof(struct recent_val) ? ((const struct recent_val *)v->mv_data)->last : 0;
	case D_IMEI_LAST:
		return v->mv_size == sizeof(struct imei_last_val) ? ((const struct imei_last_val *)v->mv_data)->t : 0;
	case D_IMSI_LAST:
		return v->mv_size == sizeof(struct imsi_last_val) ? ((const struct imsi_last_val *)v->mv_data)->t : 0;
	case D_EVENT:
		/* both layouts begin with the id and the record's time */
		return v->mv_size == sizeof(struct eir_hist_event) || v->mv_size == sizeof(struct event_v1) ?
		       ((const struct event_v1 *)v->mv_data)->rec.t : 0;
	case D_IMEI_NODE:
		return v->mv_size == sizeof(struct node_val) ? ((const struct node_val *)v->mv_data)->t : 0;
	}
	return -1;
}

/* remove a row's companions: a pair's index entry, an event's sighting mark */
static int row_del_extra(struct eir_hist *h, MDB_txn *txn, int d, const MDB_val *k)
{
	uint8_t ikey[24];
	MDB_val ik;
	int rc;

	if (d == D_PAIR && k->mv_size == 24) {
		memcpy(ikey, (uint8_t *)k->mv_data + 8, 8);
		memcpy(ikey + 8, k->mv_data, 8);
		memcpy(ikey + 16, (uint8_t *)k->mv_data + 16, 8);
		ik = (MDB_val){ .mv_size = 24, .mv_data = ikey };
		rc = mdb_del(txn, h->dbi[D_PAIR_IMSI], &ik, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	if (d == D_EVENT) {
		ik = *k;
		rc = mdb_del(txn, h->dbi[D_SIGHT], &ik, NULL);
		return rc == MDB_NOTFOUND ? 0 : rc;
	}
	return 0;
}

/* look at up to *budget rows of table d from where its last step stopped, remove those older than cutoff */
static int prune_table(struct eir_hist *h, MDB_txn *txn, int d, int64_t cutoff, unsigned *budget, unsigned *removed)
{
	struct rr_pos *pos = &h->rr[d];
	MDB_cursor *cur;
	MDB_val k = { .mv_size = pos->len, .mv_data = pos->key }, v;
	int rc;

	rc = mdb_cursor_open(txn, h->dbi[d], &cur);
	if (rc)
		return rc;
	rc = mdb_cursor_get(cur, &k, &v, pos->len ? MDB_SET_RANGE : MDB_FIRST);
	while (!rc && *budget) {
		(*budget)--;
		if (row_time(d, &v) < cutoff) {
			rc = row_del_extra(h, txn, d, &k);
			if (!rc)
				rc = mdb_cursor_del(cur, 0);
			if (rc)
				break;
			(*removed)++;
			/* after a delete the cursor stands on the next row: MDB_NEXT returns that one */
			rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
			continue;
		}
		/* events are in time order: the first one kept ends the step */
		if (d == D_EVENT) {
			rc = MDB_NOTFOUND;
			break;
		}
		rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT);
	}
	if (!rc && k.mv_size <= sizeof(pos->key)) {
		memcpy(pos->key, k.mv_data, k.mv_size);
		pos->len = k.mv_size;
	} else if (rc == MDB_NOTFOUND) {
		/* at the end: start over next time */
		pos->len = 0;
		rc = 0;
	}
	mdb_cursor_close(cur);
	return rc;
}

static bool db_empty(MDB_txn *txn, MDB_dbi dbi)
{
	MDB_stat st;

	return mdb_stat(txn, dbi, &st) == 0 && !st.ms_entries;
}

int hist_prune_step(struct eir_hist *h, MDB_txn *txn, unsigned max, unsigned *removed)
{
	static const int tables[] = { D_EVENT, D_PAIR, D_RECENT, D_IMEI_LAST, D_IMSI_LAST, D_IMEI_NODE };
	/* the two-nodes table only while it holds rows: off (the default), it takes no share of the budget */
	unsigned n_tables = ARRAY_SIZE(tables) - (db_empty(txn, h->dbi[D_IMEI_NODE]) ? 1 : 0);
	int64_t now = h->now();
	int64_t keep = (int64_t)h->cfg.retention_days * DAY_SEC;
	int64_t recent_keep = (int64_t)h->cfg.clone_window_hours * 3600;
	unsigned budget = max;
	int rc = 0;

	if (recent_keep < EIR_HIST_SIGHTING_REPEAT_SEC)
		recent_keep = EIR_HIST_SIGHTING_REPEAT_SEC;
	*removed = 0;
	/* each step starts with the next table, so that a large one cannot starve the others */
	for (unsigned i = 0; i < n_tables && budget && !rc; i++) {
		int d = tables[(h->rr_turn + i) % n_tables];
		unsigned b = budget / (n_tables - i) ? : 1;
		int64_t k = d == D_RECENT ? recent_keep : d == D_IMEI_NODE ? node_keep(&h->cfg) : keep;

		budget -= b;
		rc = prune_table(h, txn, d, now - k, &b, removed);
		budget += b;
	}
	h->rr_turn++;
	return rc;
}

int eir_hist_prune(struct eir_hist *h, unsigned max)
{
	MDB_txn *txn;
	unsigned removed;
	int rc;

	rc = mdb_txn_begin(h->env, NULL, 0, &txn);
	if (rc)
		return -EIO;
	rc = hist_prune_step(h, txn, max, &removed);
	if (rc) {
		mdb_txn_abort(txn);
		memset(h->rr, 0, sizeof(h->rr));
		return -EIO;
	}
	if (mdb_txn_commit(txn)) {
		memset(h->rr, 0, sizeof(h->rr));
		return -EIO;
	}
	hist_stat_add(&h->st_pruned, removed);
	return removed;
}
