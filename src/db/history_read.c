/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The history store's reads (include/osmocom/eir/history.h): the pairs of an IMEI or an IMSI, the last partners,
 * the events and sightings, the counts, and the day walk of the DIRBS operator dump; each in a read transaction of
 * its own, on any thread. The layout is history_internal.h's. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <lmdb.h>

#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/types.h>
#include "history_internal.h"

static void pair_dec(const struct eir_hist *h, const uint8_t *key, const struct pair_val *pv, struct eir_hist_pair *p,
		     unsigned today)
{
	memset(p, 0, sizeof(*p));
	p->imei = get_be64(key);
	memcpy(p->imsi, key + 8, 8);
	memcpy(p->msisdn, key + 16, 8);
	p->first = pv->first;
	p->last = pv->last;
	p->count = pv->count;
	p->days = hist_days_count(pv, today, __atomic_load_n(&h->retention_rd, __ATOMIC_RELAXED));
	p->sv = pv->sv;
	p->iface = pv->iface;
	p->verdict = pv->verdict;
	p->flags = pv->flags;
	p->why = pv->why;
	memcpy(p->node, pv->node, sizeof(p->node));
	p->node[sizeof(p->node) - 1] = '\0';
	p->rats = pv->rats;
}

/* the rows of 'table' whose key starts with prefix (8 bytes); for the IMSI index, the pair rows they name */
static int pairs_by(struct eir_hist *h, int table, const uint8_t prefix[8], eir_hist_pair_cb cb, void *data)
{
	uint8_t key[24] = { 0 };
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	MDB_val k = { .mv_size = 24, .mv_data = key }, v;
	unsigned today = h->now() / DAY_SEC;
	int rc;

	memcpy(key, prefix, 8);
	rc = mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return -EIO;
	rc = mdb_cursor_open(txn, h->dbi[table], &cur);
	if (!rc)
		rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE);
	for (; !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		uint8_t pkey[24];
		struct pair_val pv;
		struct eir_hist_pair p;

		if (k.mv_size != 24 || memcmp(k.mv_data, prefix, 8))
			break;
		memcpy(pkey, k.mv_data, 24);
		if (table == D_PAIR_IMSI) {
			memcpy(pkey, (uint8_t *)k.mv_data + 8, 8);
			memcpy(pkey + 8, k.mv_data, 8);
			if (hist_get_val(txn, h->dbi[D_PAIR], pkey, 24, &pv, sizeof(pv)))
				continue;
		} else if (v.mv_size == sizeof(pv)) {
			memcpy(&pv, v.mv_data, sizeof(pv));
		} else {
			continue;
		}
		pair_dec(h, pkey, &pv, &p, today);
		if (cb(data, &p))
			break;
	}
	/* a read-only transaction's cursor is not closed with it */
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc && rc != MDB_NOTFOUND ? -EIO : 0;
}

int eir_hist_pairs_imei(struct eir_hist *h, uint64_t imei, eir_hist_pair_cb cb, void *data)
{
	uint8_t k[8];

	put_be64(k, imei);
	return pairs_by(h, D_PAIR, k, cb, data);
}

int eir_hist_pairs_imsi(struct eir_hist *h, const uint8_t imsi[8], eir_hist_pair_cb cb, void *data)
{
	return pairs_by(h, D_PAIR_IMSI, imsi, cb, data);
}

/* one value, in a read transaction of its own; \returns 0, -ENOENT, -EIO */
static int get_ro(struct eir_hist *h, int d, const void *key, size_t klen, void *val, size_t vlen)
{
	MDB_txn *txn;
	int rc;

	if (mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn))
		return -EIO;
	rc = hist_get_val(txn, h->dbi[d], key, klen, val, vlen);
	mdb_txn_abort(txn);
	if (rc)
		return rc == MDB_NOTFOUND ? -ENOENT : -EIO;
	return 0;
}

int eir_hist_last_imsi(struct eir_hist *h, uint64_t imei, uint8_t imsi[8], int64_t *t)
{
	struct imei_last_val il;
	uint8_t k[8];
	int rc;

	put_be64(k, imei);
	rc = get_ro(h, D_IMEI_LAST, k, 8, &il, sizeof(il));
	if (rc)
		return rc;
	memcpy(imsi, il.imsi, 8);
	*t = il.t;
	return 0;
}

int eir_hist_last_imei(struct eir_hist *h, const uint8_t imsi[8], uint64_t *imei, int64_t *t)
{
	struct imsi_last_val sl;
	int rc;

	rc = get_ro(h, D_IMSI_LAST, imsi, 8, &sl, sizeof(sl));
	if (rc)
		return rc;
	*imei = sl.imei;
	*t = sl.t;
	return 0;
}

char *eir_hist_other_str(char *buf, size_t len, const struct eir_hist_event *ev)
{
	if (ev->kind == EIR_HIST_EV_NEW_SIM)
		return eir_imsi_unpack(buf, len, ev->other);
	if (ev->kind == EIR_HIST_EV_NEW_HANDSET)
		return eir_imei_str(buf, len, get_be64(ev->other));
	if (ev->kind == EIR_HIST_EV_CLONE && ev->clone == EIR_HIST_CLONE_NODES) {
		snprintf(buf, len, "%.*s", EIR_HIST_NODE_LEN, ev->other_node);
		return buf;
	}
	if (len)
		buf[0] = '\0';
	return buf;
}

bool eir_hist_since_applied(const struct eir_hist_rec *r, int64_t *sec)
{
	/* the hook leaves applied 0 when no entry decided; an entry applied after the check is a clock gone back */
	if (!r->applied || r->t < r->applied)
		return false;
	*sec = r->t - r->applied;
	return true;
}

/* the event a cursor stands on: in the sightings index (its key names the event) or in the events table */
static bool ev_get(struct eir_hist *h, MDB_txn *txn, bool via_sight, const MDB_val *k, const MDB_val *v,
		   struct eir_hist_event *ev)
{
	MDB_val key = *k, val = *v;

	if (via_sight && mdb_get(txn, h->dbi[D_EVENT], &key, &val))
		return false;
	return hist_event_dec(&val, ev);
}

/* up to max events (0: no limit) of kind (0: all), newest first from the last one when after is NULL, else oldest
 * first from the id after it; through the sightings index for sightings */
static int events_scan(struct eir_hist *h, const uint64_t *after, unsigned max, enum eir_hist_kind kind,
		       eir_hist_ev_cb cb, void *data)
{
	bool via_sight = kind == EIR_HIST_EV_SIGHTING;
	uint8_t key[8];
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	MDB_val k = { .mv_size = 8, .mv_data = key }, v;
	unsigned got = 0;
	int rc;

	if (after) {
		if (*after == UINT64_MAX)
			return 0;
		put_be64(key, *after + 1);
	}
	if (mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn))
		return -EIO;
	rc = mdb_cursor_open(txn, h->dbi[via_sight ? D_SIGHT : D_EVENT], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, after ? MDB_SET_RANGE : MDB_LAST); !rc && (!max || got < max);
	     rc = mdb_cursor_get(cur, &k, &v, after ? MDB_NEXT : MDB_PREV)) {
		struct eir_hist_event ev;

		if (!ev_get(h, txn, via_sight, &k, &v, &ev))
			continue;
		/* the other kinds have no index: few enough to filter */
		if (kind && ev.kind != kind)
			continue;
		got++;
		if (cb(data, &ev))
			break;
	}
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	return rc && rc != MDB_NOTFOUND ? -EIO : 0;
}

int eir_hist_events(struct eir_hist *h, unsigned n, bool sightings_only, eir_hist_ev_cb cb, void *data)
{
	/* n 0 is no event here, not all of them */
	if (!n)
		return 0;
	return events_scan(h, NULL, n, sightings_only ? EIR_HIST_EV_SIGHTING : 0, cb, data);
}

int eir_hist_events_after(struct eir_hist *h, uint64_t after, unsigned max, enum eir_hist_kind kind, eir_hist_ev_cb cb,
			  void *data)
{
	return events_scan(h, &after, max, kind, cb, data);
}

int eir_hist_next_id(struct eir_hist *h, uint64_t *next)
{
	MDB_val k = { .mv_size = 7, .mv_data = "next_id" }, v;
	MDB_txn *txn;
	int rc;

	*next = 1;
	if (mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn))
		return -EIO;
	rc = mdb_get(txn, h->dbi[D_META], &k, &v);
	if (!rc && v.mv_size == 8)
		memcpy(next, v.mv_data, 8);
	mdb_txn_abort(txn);
	return rc && rc != MDB_NOTFOUND ? -EIO : 0;
}

int eir_hist_counts(struct eir_hist *h, uint64_t *pairs, uint64_t *events, uint64_t *imeis, uint64_t *imsis)
{
	static const int d[4] = { D_PAIR, D_EVENT, D_IMEI_LAST, D_IMSI_LAST };
	uint64_t *out[4] = { pairs, events, imeis, imsis };
	MDB_txn *txn;
	MDB_stat st;
	int rc = 0;

	if (mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn))
		return -EIO;
	for (int i = 0; i < 4 && !rc; i++) {
		rc = mdb_stat(txn, h->dbi[d[i]], &st);
		*out[i] = st.ms_entries;
	}
	mdb_txn_abort(txn);
	return rc ? -EIO : 0;
}

int eir_hist_pairs_days(struct eir_hist *h, unsigned from, unsigned to, eir_hist_days_cb cb, void *data)
{
	unsigned today = h->now() / DAY_SEC, retention = eir_hist_retention(h);
	uint64_t days[DAY_WORDS];
	MDB_txn *txn;
	MDB_cursor *cur = NULL;
	MDB_val k, v;
	int rc, cbrc = 0;

	if (to < from || to - from >= DAY_WORDS * 64)
		return -EINVAL;
	/* one read transaction: a consistent picture while the writer goes on */
	rc = mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn);
	if (rc)
		return -EIO;
	rc = mdb_cursor_open(txn, h->dbi[D_PAIR], &cur);
	for (rc = rc ? rc : mdb_cursor_get(cur, &k, &v, MDB_FIRST); !rc; rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct pair_val pv;
		struct eir_hist_pair p;
		bool any = false;

		if (k.mv_size != 24 || v.mv_size != sizeof(pv))
			continue;
		memcpy(&pv, v.mv_data, sizeof(pv));
		memset(days, 0, sizeof(days));
		for (unsigned d = from; d <= to && d <= pv.last_day; d++) {
			unsigned i = pv.last_day - d;

			/* a bit older than the retention is kept until the row is pruned: it no longer counts */
			if (i >= DAY_WORDS * 64 || d > today || today - d >= retention)
				continue;
			if (pv.days[i / 64] & (1ULL << (i % 64))) {
				days[(d - from) / 64] |= 1ULL << ((d - from) % 64);
				any = true;
			}
		}
		if (!any)
			continue;
		pair_dec(h, k.mv_data, &pv, &p, today);
		cbrc = cb(data, &p, days);
		if (cbrc)
			break;
	}
	if (cur)
		mdb_cursor_close(cur);
	mdb_txn_abort(txn);
	if (cbrc)
		return cbrc;
	return rc && rc != MDB_NOTFOUND ? -EIO : 0;
}
