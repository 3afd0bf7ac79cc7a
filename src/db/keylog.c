/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The key log of a part (store_internal.h): the IMEI keys a write transaction put, gathered while it runs and
 * written as its entry before its commit, so that another process's lookup filter can take them (filter.c's
 * catch-up) instead of a new build. */

#include <stdlib.h>
#include <string.h>

#include <osmocom/core/bit64gen.h>
#include "store_internal.h"

void db_klog_free(struct eir_db_txn *txn)
{
	free(txn->klog);
	txn->klog = NULL;
	txn->klog_n = txn->klog_cap = 0;
}

static void too_many(struct eir_db_txn *txn)
{
	db_klog_free(txn);
	txn->klog_many = true;
}

static void add(struct eir_db_txn *txn, const uint8_t *keys, size_t n)
{
	if (txn->klog_many || !n)
		return;
	if (txn->klog_n + n > KLOG_MAX_KEYS) {
		too_many(txn);
		return;
	}
	if (txn->klog_n + n > txn->klog_cap) {
		size_t cap = txn->klog_cap ? txn->klog_cap : 64;
		uint8_t *k;

		while (cap < txn->klog_n + n)
			cap *= 2;
		k = realloc(txn->klog, cap * KEY_IMEI_LEN);
		if (!k) {
			/* a filter elsewhere is built again: slower there, never wrong */
			too_many(txn);
			return;
		}
		txn->klog = k;
		txn->klog_cap = cap;
	}
	memcpy(txn->klog + txn->klog_n * KEY_IMEI_LEN, keys, n * KEY_IMEI_LEN);
	txn->klog_n += n;
}

/* a key put into the IMEI table (KEY_IMEI_LEN bytes, as encoded) */
void db_klog_add(struct eir_db_txn *txn, const uint8_t *key)
{
	add(txn, key, 1);
}

/* a nested transaction committed into its parent: its keys are the parent's; sub's are freed */
void db_klog_merge(struct eir_db_txn *txn, struct eir_db_txn *sub)
{
	if (sub->klog_many)
		too_many(txn);
	else
		add(txn, sub->klog, sub->klog_n);
	db_klog_free(sub);
}

/* In the transaction, before its commit: its entry (unless no catch-up will read it) and the entries now too old
 * deleted. \returns 0 or an LMDB error */
int db_klog_save(struct eir_db_txn *txn)
{
	MDB_dbi dbi = txn->p->dbi[DBI_KEYLOG];
	uint64_t id = mdb_txn_id(txn->txn);
	uint8_t key[8];
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	MDB_cursor *cur;
	int rc;

	if (!txn->p->keylog || !db_filter_log_needed(txn->db, txn->part, id))
		return 0;
	osmo_store64be(id, key);
	v.mv_size = KLOG_HDR + (txn->klog_many ? 0 : txn->klog_n * KEY_IMEI_LEN);
	rc = mdb_put(txn->txn, dbi, &k, &v, MDB_RESERVE);
	if (rc)
		return rc;
	((uint8_t *)v.mv_data)[0] = txn->klog_many ? KLOG_MANY : KLOG_KEYS;
	osmo_store64be((uint64_t)txn->now, (uint8_t *)v.mv_data + 1);
	if (!txn->klog_many && txn->klog_n)
		memcpy((uint8_t *)v.mv_data + KLOG_HDR, txn->klog, txn->klog_n * KEY_IMEI_LEN);

	rc = mdb_cursor_open(txn->txn, dbi, &cur);
	if (rc)
		return rc;
	/* oldest first; usually one entry goes, the one KLOG_KEEP transactions back */
	while ((rc = mdb_cursor_get(cur, &k, &v, MDB_FIRST)) == 0) {
		uint64_t kid = k.mv_size == 8 ? osmo_load64be(k.mv_data) : 0;
		bool old = k.mv_size != 8 || v.mv_size < KLOG_HDR || kid + KLOG_KEEP <= id ||
			   (int64_t)osmo_load64be((uint8_t *)v.mv_data + 1) + KLOG_AGE < txn->now;

		if (!old || kid == id)
			break;
		rc = mdb_cursor_del(cur, 0);
		if (rc)
			break;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}
