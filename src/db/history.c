/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The history store (include/osmocom/eir/history.h): an LMDB environment of its own, apart from the lists, so that a
 * full or slow history never stops an answer; the event detection, which needs the history, runs here too. Here:
 * open, apply a batch, prune; the reads are in history_read.c, the layout they share in history_internal.h. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <lmdb.h>
#include <talloc.h>

#include <osmocom/eir/history.h>
#include "history_internal.h"
#include <osmocom/eir/imei.h>
#include <osmocom/eir/types.h>

static const char *const dbi_names[_D_COUNT] = {
	"pair", "pair_imsi", "recent", "imei_last", "imsi_last", "event", "sight", "meta", "imei_node",
};

/* rows looked at per pruning step: small, so that one batch never waits long for it; while steps find much to
 * remove (a retention shortened, or a history back from a long stop), each one looks at twice as many, up to
 * PRUNE_STEP_MAX (a few milliseconds) */
#define PRUNE_STEP 1024
#define PRUNE_STEP_MAX 8192
/* a clone count stops here: the threshold is far lower */
#define CLONE_SCAN_MAX 1024

const struct value_string eir_hist_kind_names[] = {
	{ EIR_HIST_EV_SIGHTING, "sighting" },
	{ EIR_HIST_EV_NEW_SIM, "new-sim" },
	{ EIR_HIST_EV_NEW_HANDSET, "new-handset" },
	{ EIR_HIST_EV_CLONE, "clone-suspect" },
	{ 0, NULL }
};

const struct value_string eir_hist_clone_names[] = {
	{ EIR_HIST_CLONE_IMSIS, "imsis" },
	{ EIR_HIST_CLONE_NODES, "two-nodes" },
	{ 0, NULL }
};

static const uint8_t zero8[8];

/* DIRBS's codes in bit order: 001..007, then 101..105 */
uint16_t eir_rat_bit(unsigned code)
{
	if (code >= 1 && code <= 7)
		return 1 << (code - 1);
	if (code >= 101 && code <= 105)
		return 1 << (code - 101 + 7);
	return 0;
}

char *eir_rats_str(char *buf, size_t len, uint16_t rats)
{
	size_t n = 0;

	if (len)
		buf[0] = '\0';
	for (unsigned b = 0; b < 12 && n < len; b++) {
		if (!(rats & (1 << b)))
			continue;
		n += snprintf(buf + n, len - n, "%s%03u", n ? "|" : "", b < 7 ? b + 1 : b - 7 + 101);
	}
	return buf;
}

char *eir_rat_word(char *buf, size_t len, uint8_t code)
{
	if (!eir_rat_bit(code)) {
		snprintf(buf, len, "none");
		return buf;
	}
	return eir_rats_str(buf, len, eir_rat_bit(code));
}

int eir_rat_parse(const char *s, uint8_t *code)
{
	char *end;
	unsigned long v;

	if (!strcmp(s, "none")) {
		*code = EIR_RAT_NONE;
		return 0;
	}
	if (!*s || strlen(s) > 3 || strspn(s, "0123456789") != strlen(s))
		return -EINVAL;
	v = strtoul(s, &end, 10);
	if (!eir_rat_bit(v))
		return -EINVAL;
	*code = v;
	return 0;
}

static time_t clock_default(void)
{
	return time(NULL);
}

/* --- the days bitmap: bit i is day last_day - i --- */

static void days_shift(uint64_t *b, unsigned k)
{
	unsigned w = k / 64, s = k % 64;

	if (k >= DAY_WORDS * 64) {
		memset(b, 0, DAY_WORDS * sizeof(*b));
		return;
	}
	for (int i = DAY_WORDS - 1; i >= 0; i--) {
		uint64_t v = 0;

		if (i - (int)w >= 0)
			v = b[i - w] << s;
		if (s && i - (int)w - 1 >= 0)
			v |= b[i - w - 1] >> (64 - s);
		b[i] = v;
	}
}

static void days_mark(struct pair_val *pv, unsigned day)
{
	if (day > pv->last_day) {
		days_shift(pv->days, day - pv->last_day);
		pv->last_day = day;
	}
	if (pv->last_day - day < DAY_WORDS * 64)
		pv->days[(pv->last_day - day) / 64] |= 1ULL << ((pv->last_day - day) % 64);
}

/* distinct days seen among the last retention days before today */
unsigned hist_days_count(const struct pair_val *pv, unsigned today, unsigned retention)
{
	unsigned n = 0, off = today > pv->last_day ? today - pv->last_day : 0;

	for (unsigned i = 0; i < DAY_WORDS * 64 && i + off < retention; i++)
		if (pv->days[i / 64] & (1ULL << (i % 64)))
			n++;
	return n;
}

/* --- open / close --- */

static int mkdir_p(const char *dir)
{
	char buf[4096];
	size_t n = strlen(dir);

	if (n >= sizeof(buf))
		return -ENAMETOOLONG;
	memcpy(buf, dir, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0750) && errno != EEXIST)
			return -errno;
		*p = '/';
	}
	if (mkdir(buf, 0750) && errno != EEXIST)
		return -errno;
	return 0;
}

static int hist_free(struct eir_hist *h)
{
	free(h->evs);
	if (h->env)
		mdb_env_close(h->env);
	return 0;
}

/* a transaction's end: committed if all went well (rc 0), else aborted; \returns rc or the commit's error */
static int txn_end(MDB_txn *txn, int rc)
{
	if (!rc)
		return mdb_txn_commit(txn);
	mdb_txn_abort(txn);
	return rc;
}

/* a handle with its defaults, freed with talloc_free() */
static struct eir_hist *hist_alloc(void *ctx, const struct eir_hist_cfg *cfg, char *err, size_t len)
{
	struct eir_hist *h = talloc_zero(ctx, struct eir_hist);

	if (!h) {
		snprintf(err, len, "out of memory");
		return NULL;
	}
	talloc_set_destructor(h, hist_free);
	eir_hist_set_cfg(h, cfg);
	h->now = clock_default;
	h->prune_budget = PRUNE_STEP;
	return h;
}

/* the environment (map_mib 0: the size its writer set); \returns 0, or an LMDB or errno code (said in err) */
static int env_open(struct eir_hist *h, const char *dir, unsigned flags, unsigned map_mib, char *err, size_t len)
{
	int rc = mdb_env_create(&h->env);

	if (!rc)
		rc = mdb_env_set_maxdbs(h->env, _D_COUNT);
	if (!rc && map_mib)
		rc = mdb_env_set_mapsize(h->env, (size_t)map_mib << 20);
	if (!rc)
		rc = mdb_env_open(h->env, dir, flags, 0640);
	if (rc)
		snprintf(err, len, "cannot open the history %s: %s", dir, mdb_strerror(rc));
	return rc;
}

int eir_hist_open(void *ctx, struct eir_hist **hp, const char *dir, const struct eir_hist_cfg *cfg, char *err,
		  size_t len)
{
	struct eir_hist *h;
	MDB_txn *txn;
	MDB_val k = { .mv_size = 7, .mv_data = "next_id" }, v;
	int rc;

	*hp = NULL;
	h = hist_alloc(ctx, cfg, err, len);
	if (!h)
		return -ENOMEM;
	rc = mkdir_p(dir);
	if (rc) {
		snprintf(err, len, "cannot create %s: %s", dir, strerror(-rc));
		goto fail;
	}
	/* NOMETASYNC: a crash of the machine may undo the last batch, never corrupt; kill -9 loses nothing committed */
	if (env_open(h, dir, MDB_NOMETASYNC, cfg->map_size_mib ? cfg->map_size_mib : EIR_HIST_MAP_DEFAULT, err, len)) {
		rc = -EIO;
		goto fail;
	}
	rc = mdb_txn_begin(h->env, NULL, 0, &txn);
	for (int i = 0; !rc && i < _D_COUNT; i++)
		rc = mdb_dbi_open(txn, dbi_names[i], MDB_CREATE, &h->dbi[i]);
	if (!rc) {
		rc = mdb_get(txn, h->dbi[D_META], &k, &v);
		if (!rc && v.mv_size == 8)
			memcpy(&h->next_id, v.mv_data, 8);
		else if (rc == MDB_NOTFOUND)
			rc = 0;
	}
	rc = txn_end(txn, rc);
	if (rc) {
		snprintf(err, len, "cannot open the history %s: %s", dir, mdb_strerror(rc));
		rc = -EIO;
		goto fail;
	}
	if (!h->next_id)
		h->next_id = 1;
	*hp = h;
	return 0;
fail:
	talloc_free(h);
	return rc;
}

/* read-only: no MDB_CREATE, the map size the writer set, a read transaction that is committed to keep the handles */
int eir_hist_open_ro(void *ctx, struct eir_hist **hp, const char *dir, char *err, size_t len)
{
	struct eir_hist_cfg cfg = EIR_HIST_CFG_DEFAULT;
	struct eir_hist *h;
	MDB_txn *txn = NULL;
	struct stat st;
	uint32_t rd;
	char path[4096];
	int rc;

	*hp = NULL;
	snprintf(path, sizeof(path), "%s/data.mdb", dir);
	if (stat(path, &st)) {
		snprintf(err, len, "no history in %s: %s", dir, strerror(errno));
		return -ENOENT;
	}
	h = hist_alloc(ctx, &cfg, err, len);
	if (!h)
		return -ENOMEM;
	/* map size 0: a reader takes the one in the file; no lock of the writer's is needed */
	rc = env_open(h, dir, MDB_RDONLY, 0, err, len);
	if (!rc)
		rc = mdb_txn_begin(h->env, NULL, MDB_RDONLY, &txn);
	if (rc) {
		snprintf(err, len, "cannot open the history %s: %s", dir, mdb_strerror(rc));
		talloc_free(h);
		return -EIO;
	}
	for (int i = 0; !rc && i < _D_COUNT; i++) {
		rc = mdb_dbi_open(txn, dbi_names[i], 0, &h->dbi[i]);
		if (rc == MDB_NOTFOUND) {
			/* a history osmo-eir has not opened yet has no tables */
			snprintf(err, len, "%s holds no history (table %s missing: has osmo-eir opened it?)", dir,
				 dbi_names[i]);
			mdb_txn_abort(txn);
			talloc_free(h);
			return -ENOENT;
		}
	}
	if (!rc && !hist_get_val(txn, h->dbi[D_META], "retention", 9, &rd, sizeof(rd)))
		cfg.retention_days = rd;
	/* committed, not aborted: an abort would close the table handles opened in it */
	rc = txn_end(txn, rc);
	if (rc) {
		snprintf(err, len, "cannot read the history %s: %s", dir, mdb_strerror(rc));
		talloc_free(h);
		return -EIO;
	}
	eir_hist_set_cfg(h, &cfg);
	*hp = h;
	return 0;
}

unsigned eir_hist_retention(struct eir_hist *h)
{
	return __atomic_load_n(&h->retention_rd, __ATOMIC_RELAXED);
}

void eir_hist_close(struct eir_hist *h)
{
	talloc_free(h);
}

void eir_hist_set_clock(struct eir_hist *h, time_t (*now)(void))
{
	h->now = now ? now : clock_default;
}

void eir_hist_set_cfg(struct eir_hist *h, const struct eir_hist_cfg *cfg)
{
	h->cfg = *cfg;
	__atomic_store_n(&h->retention_rd, cfg->retention_days, __ATOMIC_RELAXED);
}

void eir_hist_stats_get(struct eir_hist *h, struct eir_hist_stats *st)
{
	st->records = __atomic_load_n(&h->st_records, __ATOMIC_RELAXED);
	st->batches = __atomic_load_n(&h->st_batches, __ATOMIC_RELAXED);
	st->failed = __atomic_load_n(&h->st_failed, __ATOMIC_RELAXED);
	st->pruned = __atomic_load_n(&h->st_pruned, __ATOMIC_RELAXED);
	st->events = __atomic_load_n(&h->st_events, __ATOMIC_RELAXED);
}

/* --- applying a batch --- */

int hist_get_val(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, void *val, size_t vlen)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key }, v;
	int rc = mdb_get(txn, dbi, &k, &v);

	if (rc)
		return rc;
	if (v.mv_size != vlen)
		return MDB_CORRUPTED;
	memcpy(val, v.mv_data, vlen);
	return 0;
}

static int put_val_f(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen,
		     unsigned flags)
{
	MDB_val k = { .mv_size = klen, .mv_data = (void *)key }, v = { .mv_size = vlen, .mv_data = (void *)val };

	return mdb_put(txn, dbi, &k, &v, flags);
}

static int put_val(MDB_txn *txn, MDB_dbi dbi, const void *key, size_t klen, const void *val, size_t vlen)
{
	return put_val_f(txn, dbi, key, klen, val, vlen, 0);
}

/* A stored event, in this layout or the first one. \returns false for a value of neither size */
bool hist_event_dec(const MDB_val *v, struct eir_hist_event *ev)
{
	const struct event_v1 *o = v->mv_data;

	if (v->mv_size == sizeof(*ev)) {
		memcpy(ev, v->mv_data, sizeof(*ev));
		return true;
	}
	if (v->mv_size != sizeof(*o))
		return false;
	memset(ev, 0, sizeof(*ev));
	ev->id = o->id;
	ev->rec.t = o->rec.t;
	ev->rec.imei = o->rec.imei;
	memcpy(ev->rec.imsi, o->rec.imsi, 8);
	memcpy(ev->rec.msisdn, o->rec.msisdn, 8);
	ev->rec.sv = o->rec.sv;
	ev->rec.iface = o->rec.iface;
	ev->rec.verdict = o->rec.verdict;
	ev->rec.flags = o->rec.flags;
	ev->rec.why = o->rec.why;
	memcpy(ev->rec.node, o->rec.node, sizeof(ev->rec.node));
	ev->kind = o->kind;
	memcpy(ev->other, o->other, 8);
	ev->n = o->n;
	return true;
}

/* store an event (its id assigned here) and keep it for the hand-out after the commit */
static int event_put(struct eir_hist *h, MDB_txn *txn, const struct eir_hist_event *e)
{
	struct eir_hist_event *ev;
	uint8_t key[8];
	int rc;

	if (h->n_evs == h->max_evs) {
		unsigned m = h->max_evs ? 2 * h->max_evs : 16;
		/* malloc, not talloc: this runs on the writer thread */
		void *p = realloc(h->evs, m * sizeof(*h->evs));

		if (!p)
			return ENOMEM;
		h->evs = p;
		h->max_evs = m;
	}
	ev = &h->evs[h->n_evs];
	memcpy(ev, e, sizeof(*ev));
	ev->id = h->next_id;
	put_be64(key, ev->id);
	/* ids only grow: appended at the end of the tree, no search, no page split in the middle */
	rc = put_val_f(txn, h->dbi[D_EVENT], key, 8, ev, sizeof(*ev), MDB_APPEND);
	if (!rc && ev->kind == EIR_HIST_EV_SIGHTING)
		rc = put_val_f(txn, h->dbi[D_SIGHT], key, 8, "", 0, MDB_APPEND);
	if (rc)
		return rc;
	h->next_id++;
	h->n_evs++;
	return 0;
}

static int event_add(struct eir_hist *h, MDB_txn *txn, const struct eir_hist_rec *r, enum eir_hist_kind kind,
		     const uint8_t *other, uint32_t n)
{
	struct eir_hist_event ev;

	memset(&ev, 0, sizeof(ev));
	ev.rec = *r;
	ev.kind = kind;
	if (other)
		memcpy(ev.other, other, 8);
	ev.n = n;
	return event_put(h, txn, &ev);
}

static int pair_update(struct eir_hist *h, MDB_txn *txn, const struct eir_hist_rec *r)
{
	uint8_t key[24], ikey[24];
	struct pair_val pv;
	int rc;

	put_be64(key, r->imei);
	memcpy(key + 8, r->flags & EIR_HIST_F_IMSI ? r->imsi : zero8, 8);
	memcpy(key + 16, r->flags & EIR_HIST_F_MSISDN ? r->msisdn : zero8, 8);
	rc = hist_get_val(txn, h->dbi[D_PAIR], key, sizeof(key), &pv, sizeof(pv));
	if (rc == MDB_NOTFOUND) {
		memset(&pv, 0, sizeof(pv));
		pv.first = pv.last = r->t;
		pv.last_day = r->t / DAY_SEC;
		memcpy(ikey, key + 8, 8);
		memcpy(ikey + 8, key, 8);
		memcpy(ikey + 16, key + 16, 8);
		rc = put_val(txn, h->dbi[D_PAIR_IMSI], ikey, sizeof(ikey), "", 0);
	}
	if (rc)
		return rc;
	days_mark(&pv, r->t / DAY_SEC);
	pv.count++;
	/* a record older than the row's last check (a late batch) still counts its day, not as the last */
	if (r->t >= pv.last) {
		pv.last = r->t;
		pv.sv = r->sv;
		pv.iface = r->iface;
		pv.verdict = r->verdict;
		pv.flags = r->flags;
		pv.why = r->why;
		memcpy(pv.node, r->node, sizeof(pv.node));
	}
	pv.rats |= eir_rat_bit(r->rat);
	if (r->t < pv.first)
		pv.first = r->t;
	return put_val(txn, h->dbi[D_PAIR], key, sizeof(key), &pv, sizeof(pv));
}

/*! Whether a check with this verdict is a sighting under cfg (an error answer never is). */
bool eir_hist_sighting(const struct eir_hist_cfg *cfg, enum eir_verdict v, bool error)
{
	if (!cfg->sightings || error)
		return false;
	return v == EIR_BLACKLISTED || (cfg->sightings_grey && v == EIR_GREYLISTED);
}

/*! Whether the history keeps anything of a check: with full history off, one without an IMSI that is no sighting
 *  changes nothing (no pair row; its no-IMSI row only serves the sightings' repeat interval). The hook asks this
 *  before it queues, so that such checks cost the writer nothing. */
bool eir_hist_wanted(const struct eir_hist_cfg *cfg, bool have_imsi, enum eir_verdict v, bool error)
{
	return cfg->full || have_imsi || eir_hist_sighting(cfg, v, error);
}

static bool listed(const struct eir_hist *h, const struct eir_hist_rec *r)
{
	return eir_hist_sighting(&h->cfg, r->verdict, r->flags & EIR_HIST_F_ERROR);
}

/* distinct IMSIs of an IMEI checked since 'since' (at most CLONE_SCAN_MAX) */
static int clone_count(struct eir_hist *h, MDB_txn *txn, uint64_t imei, int64_t since, uint32_t *n)
{
	uint8_t key[16] = { 0 };
	MDB_cursor *cur;
	MDB_val k = { .mv_size = sizeof(key), .mv_data = key }, v;
	int rc;

	*n = 0;
	put_be64(key, imei);
	rc = mdb_cursor_open(txn, h->dbi[D_RECENT], &cur);
	if (rc)
		return rc;
	for (rc = mdb_cursor_get(cur, &k, &v, MDB_SET_RANGE); !rc && *n < CLONE_SCAN_MAX;
	     rc = mdb_cursor_get(cur, &k, &v, MDB_NEXT)) {
		struct recent_val rv;

		if (k.mv_size != 16 || get_be64(k.mv_data) != imei)
			break;
		if (v.mv_size != sizeof(rv))
			continue;
		memcpy(&rv, v.mv_data, sizeof(rv));
		/* the no-IMSI row is no SIM */
		if (rv.last >= since && memcmp((uint8_t *)k.mv_data + 8, zero8, 8))
			(*n)++;
	}
	mdb_cursor_close(cur);
	return rc == MDB_NOTFOUND ? 0 : rc;
}

/* The length of a node's name without a trailing ":port": a peer address (N5g-eir without an NF instance id) is one
 * node whichever of its connections asked; an Origin-Host or an NF instance id has no such tail. */
static size_t node_id_len(const char *node)
{
	size_t n = strnlen(node, EIR_HIST_NODE_LEN), i = n;

	while (i && node[i - 1] >= '0' && node[i - 1] <= '9')
		i--;
	return i < n && i > 1 && node[i - 1] == ':' ? i - 1 : n;
}

static bool node_same(const char *a, const char *b)
{
	size_t la = node_id_len(a), lb = node_id_len(b);

	return la == lb && !memcmp(a, b, la);
}

/* A clone suspect: the IMEI checked on this interface by another node than last time, within clone_nodes_sec. One
 * handset is attached to one MME (one AMF) at a time, and moving to another takes a new attach or tracking area
 * update, which is seconds away; two interfaces (S13 and N5g-eir) may well ask at once for one handset, so each
 * interface is looked at apart. */
static int two_nodes(struct eir_hist *h, MDB_txn *txn, const struct eir_hist_rec *r)
{
	uint8_t key[9];
	struct node_val nv;
	int64_t dt;
	int rc;

	put_be64(key, r->imei);
	key[8] = r->iface;
	rc = hist_get_val(txn, h->dbi[D_IMEI_NODE], key, sizeof(key), &nv, sizeof(nv));
	if (rc == MDB_NOTFOUND)
		memset(&nv, 0, sizeof(nv));
	else if (rc)
		return rc;
	dt = r->t >= nv.t ? r->t - nv.t : nv.t - r->t;
	if (nv.t && nv.node[0] && !node_same(nv.node, r->node) && dt <= h->cfg.clone_nodes_sec &&
	    (!nv.clone_at || r->t - nv.clone_at >= EIR_HIST_SIGHTING_REPEAT_SEC)) {
		struct eir_hist_event ev;

		memset(&ev, 0, sizeof(ev));
		ev.rec = *r;
		ev.kind = EIR_HIST_EV_CLONE;
		ev.clone = EIR_HIST_CLONE_NODES;
		ev.n = (uint32_t)dt;
		memcpy(ev.other_node, nv.node, sizeof(ev.other_node));
		ev.other_node[sizeof(ev.other_node) - 1] = '\0';
		rc = event_put(h, txn, &ev);
		if (rc)
			return rc;
		nv.clone_at = r->t;
	}
	if (r->t >= nv.t) {
		nv.t = r->t;
		memcpy(nv.node, r->node, sizeof(nv.node));
	}
	return put_val(txn, h->dbi[D_IMEI_NODE], key, sizeof(key), &nv, sizeof(nv));
}

static int apply_one(struct eir_hist *h, MDB_txn *txn, const struct eir_hist_rec *r)
{
	bool have_imsi = r->flags & EIR_HIST_F_IMSI;
	int64_t window = (int64_t)h->cfg.clone_window_hours * 3600;
	uint8_t rkey[16], ikey[8];
	struct recent_val rv;
	struct imei_last_val il;
	struct imsi_last_val sl;
	bool new_in_window;
	int rc;

	if (h->cfg.full) {
		rc = pair_update(h, txn, r);
		if (rc)
			return rc;
	}

	/* the pair's last check: a sighting once per repeat interval, and the clone count */
	put_be64(rkey, r->imei);
	memcpy(rkey + 8, have_imsi ? r->imsi : zero8, 8);
	rc = hist_get_val(txn, h->dbi[D_RECENT], rkey, sizeof(rkey), &rv, sizeof(rv));
	if (rc == MDB_NOTFOUND)
		rv = (struct recent_val){ 0 };
	else if (rc)
		return rc;
	new_in_window = !rv.last || r->t - rv.last >= window;
	if (listed(h, r) && (!rv.sighted || r->t - rv.sighted >= EIR_HIST_SIGHTING_REPEAT_SEC)) {
		rc = event_add(h, txn, r, EIR_HIST_EV_SIGHTING, NULL, 0);
		if (rc)
			return rc;
		rv.sighted = r->t;
	}
	if (r->t > rv.last)
		rv.last = r->t;
	rc = put_val(txn, h->dbi[D_RECENT], rkey, sizeof(rkey), &rv, sizeof(rv));
	if (!rc && h->cfg.clone_nodes_sec && r->node[0])
		rc = two_nodes(h, txn, r);
	if (rc || !have_imsi)
		return rc;

	/* a new SIM in this handset */
	put_be64(ikey, r->imei);
	rc = hist_get_val(txn, h->dbi[D_IMEI_LAST], ikey, 8, &il, sizeof(il));
	if (rc == MDB_NOTFOUND) {
		il = (struct imei_last_val){ .t = 0 };
	} else if (rc) {
		return rc;
	} else if (memcmp(il.imsi, r->imsi, 8) && r->t >= il.t) {
		rc = event_add(h, txn, r, EIR_HIST_EV_NEW_SIM, il.imsi, 0);
		if (rc)
			return rc;
	}
	/* a clone: a new IMSI in the window that brings the count to the threshold */
	if (h->cfg.clone_imsis >= 2 && new_in_window && (!il.clone_at || r->t - il.clone_at >= window)) {
		uint32_t n;

		rc = clone_count(h, txn, r->imei, r->t - window, &n);
		if (rc)
			return rc;
		if (n >= h->cfg.clone_imsis) {
			rc = event_add(h, txn, r, EIR_HIST_EV_CLONE, NULL, n);
			if (rc)
				return rc;
			il.clone_at = r->t;
		}
	}
	if (r->t >= il.t) {
		memcpy(il.imsi, r->imsi, 8);
		il.t = r->t;
	}
	rc = put_val(txn, h->dbi[D_IMEI_LAST], ikey, 8, &il, sizeof(il));
	if (rc)
		return rc;

	/* this SIM in a new handset */
	rc = hist_get_val(txn, h->dbi[D_IMSI_LAST], r->imsi, 8, &sl, sizeof(sl));
	if (rc == MDB_NOTFOUND) {
		sl = (struct imsi_last_val){ .t = 0 };
	} else if (rc) {
		return rc;
	} else if (sl.imei != r->imei && r->t >= sl.t) {
		uint8_t other[8];

		put_be64(other, sl.imei);
		rc = event_add(h, txn, r, EIR_HIST_EV_NEW_HANDSET, other, 0);
		if (rc)
			return rc;
	}
	if (r->t >= sl.t) {
		sl.imei = r->imei;
		sl.t = r->t;
	}
	return put_val(txn, h->dbi[D_IMSI_LAST], r->imsi, 8, &sl, sizeof(sl));
}

int eir_hist_apply(struct eir_hist *h, const struct eir_hist_rec *recs, unsigned n, eir_hist_event_cb cb, void *data,
		   char *err, size_t len)
{
	uint64_t first_id = h->next_id;
	MDB_val k = { .mv_size = 7, .mv_data = "next_id" }, v;
	unsigned removed = 0;
	MDB_txn *txn;
	int rc;

	h->n_evs = 0;
	rc = mdb_txn_begin(h->env, NULL, 0, &txn);
	for (unsigned i = 0; !rc && i < n; i++)
		rc = apply_one(h, txn, &recs[i]);
	if (!rc)
		rc = hist_prune_step(h, txn, h->prune_budget, &removed);
	if (!rc && h->next_id != first_id) {
		v = (MDB_val){ .mv_size = 8, .mv_data = &h->next_id };
		rc = mdb_put(txn, h->dbi[D_META], &k, &v, 0);
	}
	/* the dump (another process) must know which days of a row still count */
	if (!rc && h->retention_stored != h->cfg.retention_days) {
		uint32_t rd = h->cfg.retention_days;

		rc = put_val(txn, h->dbi[D_META], "retention", 9, &rd, sizeof(rd));
	}
	if (!rc) {
		rc = mdb_txn_commit(txn);
	} else if (txn) {
		mdb_txn_abort(txn);
	}
	if (rc) {
		/* the batch is lost as a whole; ids are not reused, the pruning cursors start over */
		snprintf(err, len, "%u history records lost: %s", n, mdb_strerror(rc));
		h->next_id = first_id;
		h->retention_stored = 0;
		h->n_evs = 0;
		memset(h->rr, 0, sizeof(h->rr));
		hist_stat_add(&h->st_failed, n);
		return rc == MDB_MAP_FULL ? -ENOSPC : -EIO;
	}
	/* one row in 16 of those looked at removed: there is a backlog */
	if (removed >= h->prune_budget / 16)
		h->prune_budget = OSMO_MIN(h->prune_budget * 2, PRUNE_STEP_MAX);
	else
		h->prune_budget = PRUNE_STEP;
	h->retention_stored = h->cfg.retention_days;
	hist_stat_add(&h->st_records, n);
	hist_stat_add(&h->st_batches, 1);
	hist_stat_add(&h->st_pruned, removed);
	hist_stat_add(&h->st_events, h->n_evs);
	for (unsigned i = 0; cb && i < h->n_evs; i++)
		cb(data, &h->evs[i]);
	h->n_evs = 0;
	return 0;
}

