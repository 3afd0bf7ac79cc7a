/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir's side of list management: edits from the VTY and CTRL go through eir_edit_apply() (one transaction
 * with the audit record), are counted and logged here; the store summary and its stat items. */

#include <errno.h>
#include <netdb.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>

#include <osmocom/vty/command.h>

#include <osmocom/eir/eir.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/edit_writer.h>
#include <osmocom/eir/filter_builder.h>
#include "lists.h"

/* the daemon's state (include/osmocom/eir/eir.h), defined here at the bottom of src/osmo-eir: main() fills it and
 * every other file of the daemon reads it, none of them calling main's file back */
struct eir_global *g_eir;

static const struct rate_ctr_desc lists_ctr_desc[] = {
	[EIR_LISTS_CTR_EDIT_VTY] = { "edit:vty", "List changes made on the VTY" },
	[EIR_LISTS_CTR_EDIT_CTRL] = { "edit:ctrl", "List changes made over CTRL" },
	[EIR_LISTS_CTR_EDIT_FAILED] = { "edit:failed", "List changes refused (not found, overlap, store error)" },
	[EIR_LISTS_CTR_QUERY] = { "query:operator", "Verdicts asked by an operator (VTY show, CTRL GET)" },
	[EIR_LISTS_CTR_VTY_LINE_DROPPED] = { "vty:line_too_long",
					     "VTY connections closed for a line over 4096 characters" },
	[EIR_LISTS_CTR_EDIT_CTRL_COMMIT] = { "edit:ctrl:commit",
					     "Durable commits of CTRL list changes (the changes waiting together share one)" },
	[EIR_LISTS_CTR_EDIT_CTRL_BUSY] = { "edit:ctrl:busy",
					   "CTRL list changes refused at once: too many waiting for the store" },
	[EIR_LISTS_CTR_VTY_REFUSED] = { "vty:session_refused",
					"VTY connections closed at once: 'vty max-sessions' open already" },
	[EIR_LISTS_CTR_CTRL_REFUSED] = { "ctrl:session_refused",
					 "CTRL connections closed at once: 'ctrl max-sessions' open already" },
	[EIR_LISTS_CTR_LISTEN_PAUSED] = { "listen:paused",
					  "Listeners not read for 100 ms: a connection could not be accepted (no "
					  "descriptor or memory left)" },
	[EIR_LISTS_CTR_FILTER_BUILT] = { "filter:built",
					 "Lookup filters built (at the start; when full; after another process's "
					 "commit the key log does not list)" },
	[EIR_LISTS_CTR_FILTER_CAUGHT_UP] = { "filter:caught-up", "Lookup filters brought past another process's "
					     "commits with their keys from the key log (no build)" },
	[EIR_LISTS_CTR_FILTER_SKIP] = { "filter:skip", "Lookups of an IMEI the lookup filter answered (not listed)" },
};

static const struct rate_ctr_group_desc lists_ctrg_desc = {
	.group_name_prefix = "lists",
	.group_description = "Operator list management",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(lists_ctr_desc),
	.ctr_desc = lists_ctr_desc,
};

static const struct osmo_stat_item_desc lists_stat_desc[] = {
	[EIR_LISTS_STAT_LOCAL_IMEI] = { "local:imei", "IMEI entries on the operator's lists", "", 16, 0 },
	[EIR_LISTS_STAT_NAT_BLACK] = { "national:blacklist", "IMEIs on the national blacklist", "", 16, 0 },
	[EIR_LISTS_STAT_NAT_NOTIF] = { "national:notifications", "National notification rows", "", 16, 0 },
	[EIR_LISTS_STAT_NAT_EXC] = { "national:exceptions", "National exception rows", "", 16, 0 },
	/* statsd has no negative gauges: "never" is synced 0, not a -1 run or age */
	[EIR_LISTS_STAT_FEED_SYNCED] = { "feed:synced", "1 once a national feed run was applied, else 0", "", 16, 0 },
	[EIR_LISTS_STAT_FEED_RUN] = { "feed:run", "Run id of the national feed applied last (0: never)", "", 16, 0 },
	[EIR_LISTS_STAT_FEED_AGE] = { "feed:age", "Seconds since the national feed was last applied (0: never)",
				      "s", 16, 0 },
	[EIR_LISTS_STAT_SYNC_FAILED] = { "sync:failed", "1 when osmo-eir-sync's last attempt failed, else 0", "", 16,
					 0 },
	[EIR_LISTS_STAT_SYNC_LIMIT] = { "sync:limit_refused", "Syncs refused for removals above the safety limit",
					"", 16, 0 },
	[EIR_LISTS_STAT_MAP_USE_LOCAL] = { "map:local", "Use of the local part's map", "%", 16, 0 },
	[EIR_LISTS_STAT_MAP_USE_NAT] = { "map:national", "Use of the national part's map", "%", 16, 0 },
	[EIR_LISTS_STAT_FILTER_LOCAL] = { "filter:local", "Keys in the local part's lookup filter (0: none, or not "
					  "trusted yet after another process's commit)", "", 16, 0 },
	[EIR_LISTS_STAT_FILTER_NAT] = { "filter:national", "Keys in the national part's lookup filter (0: none, or "
					"not trusted yet after another process's commit)", "", 16, 0 },
	[EIR_LISTS_STAT_FILTER_KIB] = { "filter:memory", "Memory of the lookup filters", "KiB", 16, 0 },
};

static const struct osmo_stat_item_group_desc lists_statg_desc = {
	.group_name_prefix = "store",
	.group_description = "The equipment store",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(lists_stat_desc),
	.item_desc = lists_stat_desc,
};

static const struct osmo_stat_item_desc oam_stat_desc[] = {
	[EIR_OAM_STAT_VTY_SESSIONS] = { "vty:sessions", "VTY connections open", "", 16, 0 },
	[EIR_OAM_STAT_CTRL_SESSIONS] = { "ctrl:sessions", "CTRL connections open", "", 16, 0 },
};

static const struct osmo_stat_item_group_desc oam_statg_desc = {
	.group_name_prefix = "oam",
	.group_description = "Operator interfaces",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(oam_stat_desc),
	.item_desc = oam_stat_desc,
};

static struct {
	struct rate_ctr_group *ctrs;
	struct osmo_stat_item_group *stats;
	struct osmo_stat_item_group *oam;
	struct osmo_timer_list timer;
	struct eir_edit_writer *writer;
	struct eir_filter_builder *filters;
	struct osmo_timer_list ftimer;
	uint64_t filter_skips;		/* counted into EIR_LISTS_CTR_FILTER_SKIP so far */
	unsigned filter_ticks;		/* since the stat items were set */
	char lent_to[96];		/* non-empty: the local lists are lent to an import (lend.c) */
} L;

#define STATS_INTERVAL_SEC 10

void eir_lists_ctr_inc(enum eir_lists_ctr c)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(L.ctrs, c));
}

void eir_oam_stat_set(enum eir_oam_stat s, int32_t value)
{
	/* (sessions may close after eir_lists_free(), at exit) */
	if (L.oam)
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.oam, s), value);
}

/*! Gather the figures of 'show equipment summary' (and CTRL's equipment.summary). \returns 0 or -EIO. */
int eir_lists_summary(struct eir_summary *s)
{
	int i, rc;

	memset(s, 0, sizeof(*s));
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		rc = eir_db_stats(g_eir->db, i, &s->st[i]);
		if (rc)
			return rc;
	}
	s->audit_records = eir_db_audit_count(g_eir->db);
	s->feed_age = -1;
	if (eir_db_feed_state_get(g_eir->db, &s->feed) == 0) {
		s->feed_synced = true;
		s->feed_age = (int64_t)time(NULL) - s->feed.applied_at;
	}
	/* the agent's last attempt, kept apart from the lists so that a refused sync still says why */
	s->sync_known = eir_sync_status_read(g_eir->db_dir, &s->sync) == 0;
	return 0;
}

static unsigned map_pct(const struct eir_db_stats *st)
{
	return st->map_size ? (unsigned)(st->map_used * 100 / st->map_size) : 0;
}

static void stats_update(void *data)
{
	struct eir_summary s;

	if (eir_lists_summary(&s) == 0) {
		const struct eir_db_stats *l = &s.st[EIR_DB_LOCAL], *n = &s.st[EIR_DB_NATIONAL];

		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_LOCAL_IMEI),
				   (int32_t)(l->t[EIR_T_IMEI].entries - l->imei_lists[EIR_LIST_NONE]));
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_NAT_BLACK),
				   (int32_t)n->imei_lists[EIR_LIST_BLACK]);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_NAT_NOTIF),
				   (int32_t)n->t[EIR_T_NOTIF].entries);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_NAT_EXC),
				   (int32_t)n->t[EIR_T_EXC].entries);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_FEED_SYNCED), s.feed_synced);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_FEED_RUN),
				   s.feed_synced ? (int32_t)s.feed.run_id : 0);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_FEED_AGE),
				   s.feed_synced && s.feed_age > 0 ? (int32_t)s.feed_age : 0);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_SYNC_FAILED),
				   s.sync_known && s.sync.exit_code != 0);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_SYNC_LIMIT),
				   s.sync_known ? (int32_t)s.sync.limit_refused : 0);
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_MAP_USE_LOCAL), map_pct(l));
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_MAP_USE_NAT), map_pct(n));
	}
	osmo_timer_schedule(&L.timer, STATS_INTERVAL_SEC, 0);
}

static void edit_done(void *cb_data, const struct eir_edit_done *d);

/* the lookup filters: a catch-up or build due is asked for every FILTER_TICK_MS (the time a filter may stay behind
 * another process's commit), their state goes to the stat items once a second */
static void filter_tick(void *data)
{
	static const enum eir_lists_stat item[] = { [EIR_DB_LOCAL] = EIR_LISTS_STAT_FILTER_LOCAL,
						    [EIR_DB_NATIONAL] = EIR_LISTS_STAT_FILTER_NAT };
	struct eir_db_filter_info fi;
	uint64_t skips = 0, bytes = 0;

	eir_filter_builder_tick(L.filters, g_eir->lookup_filter_off);
	osmo_timer_schedule(&L.ftimer, 0, EIR_FILTER_TICK_MS * 1000);
	if (++L.filter_ticks < 1000 / EIR_FILTER_TICK_MS)
		return;
	L.filter_ticks = 0;
	for (int i = 0; i < _EIR_DB_PART_COUNT; i++) {
		eir_db_filter_info(g_eir->db, i, &fi);
		skips += fi.skips;
		bytes += fi.bytes;
		osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, item[i]),
				   fi.bytes && fi.current ? (int32_t)OSMO_MIN(fi.keys + fi.added, INT32_MAX) : -1);
	}
	osmo_stat_item_set(osmo_stat_item_group_get_item(L.stats, EIR_LISTS_STAT_FILTER_KIB), (int32_t)(bytes / 1024));
	rate_ctr_add(rate_ctr_group_get_ctr(L.ctrs, EIR_LISTS_CTR_FILTER_SKIP), (int64_t)(skips - L.filter_skips));
	L.filter_skips = skips;
}

static void filter_built(void *cb_data, const struct eir_filter_built *b)
{
	const char *part = get_value_string(eir_db_part_names, b->part);

	if (b->dropped) {
		LOGP(DDB, LOGL_NOTICE, "lookup filter of the %s lists taken away (lookup-filter off)\n", part);
	} else if (b->rc == 0 && b->caught_up) {
		eir_lists_ctr_inc(EIR_LISTS_CTR_FILTER_CAUGHT_UP);
		LOGP(DDB, LOGL_DEBUG, "lookup filter of the %s lists: %llu keys of another process's commits taken "
		     "from the key log in %.3f s\n", part, (unsigned long long)b->keys, b->secs);
	} else if (b->rc == 0) {
		eir_lists_ctr_inc(EIR_LISTS_CTR_FILTER_BUILT);
		LOGP(DDB, LOGL_INFO, "lookup filter of the %s lists: %llu keys in %llu KiB, built in %.2f s\n", part,
		     (unsigned long long)b->info.keys, (unsigned long long)(b->info.bytes / 1024), b->secs);
	} else {
		/* written by another process meanwhile: simply the next tick's build */
		LOGP(DDB, b->rc == -EAGAIN ? LOGL_DEBUG : LOGL_NOTICE, "lookup filter of the %s lists not built: %s\n",
		     part, b->err);
	}
}

int eir_lists_init(void *ctx)
{
	L.ctrs = rate_ctr_group_alloc(ctx, &lists_ctrg_desc, 0);
	L.stats = osmo_stat_item_group_alloc(ctx, &lists_statg_desc, 0);
	L.oam = osmo_stat_item_group_alloc(ctx, &oam_statg_desc, 0);
	/* the writer of CTRL's edits: a thread with a handle of its own on the daemon's store */
	L.writer = eir_edit_writer_alloc(ctx, g_eir->db, edit_done, NULL);
	/* the lookup filters' builder: another thread with a handle of its own */
	L.filters = eir_filter_builder_alloc(ctx, g_eir->db, filter_built, NULL);
	if (!L.ctrs || !L.stats || !L.oam || !L.writer || eir_edit_writer_start(L.writer) || !L.filters ||
	    eir_filter_builder_start(L.filters))
		return -ENOMEM;
	osmo_timer_setup(&L.timer, stats_update, NULL);
	stats_update(NULL);
	osmo_timer_setup(&L.ftimer, filter_tick, NULL);
	L.filter_ticks = 1000 / EIR_FILTER_TICK_MS;	/* the stat items set at once */
	filter_tick(NULL);
	return 0;
}

void eir_lists_free(void)
{
	/* the edits still queued are applied and their outcomes handled (their replies queued) before it goes */
	eir_edit_writer_stop(L.writer);
	eir_filter_builder_stop(L.filters);
	osmo_timer_del(&L.timer);
	osmo_timer_del(&L.ftimer);
	rate_ctr_group_free(L.ctrs);
	osmo_stat_item_group_free(L.stats);
	osmo_stat_item_group_free(L.oam);
	memset(&L, 0, sizeof(L));
}

/*! Who makes a change, for the audit trail: "vty 127.0.0.1:40312", "ctrl 127.0.0.1:40000", or just the interface
 *  when the session has no peer address (fd < 0). */
void eir_lists_who(char *buf, size_t len, const char *iface, int fd)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char peer[INET6_ADDRSTRLEN], port[8];

	/* one getpeername() (osmo_sock_get_remote_ip() and its _port() make one each) */
	if (fd >= 0 && getpeername(fd, (struct sockaddr *)&sa, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&sa, sl, peer, sizeof(peer), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(buf, len, "%s %s:%s", iface, peer, port);
	else
		snprintf(buf, len, "%s", iface);
}

/* an edit's outcome: counted, logged, and a message for the operator in err when it failed */
static void edit_outcome(const struct eir_edit *ed, bool ctrl, const struct eir_audit *au, int rc, const char *dberr,
			 char *err, size_t len)
{
	char desc[128];

	if (rc) {
		eir_lists_ctr_inc(EIR_LISTS_CTR_EDIT_FAILED);
		if (rc == -ENOENT)
			snprintf(err, len, "%s: not on the local lists", eir_edit_describe(desc, sizeof(desc), ed));
		else
			snprintf(err, len, "%s", dberr);
		LOGP(DCTRLIF, LOGL_NOTICE, "%s: %s refused: %s\n", au->who, au->what, err);
		return;
	}
	eir_lists_ctr_inc(ctrl ? EIR_LISTS_CTR_EDIT_CTRL : EIR_LISTS_CTR_EDIT_VTY);
	LOGP(DCTRLIF, LOGL_NOTICE, "%s: %s: %s -> %s (audit #%llu)\n", au->who, au->what, au->before, au->after,
	     (unsigned long long)au->seq);
}

/*! Apply an edit of the local lists now, on the loop (the VTY): counted, logged, audited (ed->who says who). It waits
 *  for the edit writer's transaction under way, if any (db.h: the writers take turns).
 *  \param[out] err a message for the operator when it fails. \returns eir_edit_apply()'s result. */
int eir_lists_edit(struct eir_edit *ed, bool ctrl, struct eir_audit *au, char *err, size_t len)
{
	int rc;

	if (L.lent_to[0]) {
		/* the VTY cannot wait for it: refused at once, nothing changed */
		memset(au, 0, sizeof(*au));
		snprintf(err, len, "the local lists are lent to an import by %s: try again when it is done", L.lent_to);
		eir_lists_ctr_inc(EIR_LISTS_CTR_EDIT_FAILED);
		LOGP(DCTRLIF, LOGL_NOTICE, "%s: list change refused: %s\n", ed->who ? ed->who : "vty", err);
		return -EBUSY;
	}
	rc = eir_edit_apply(g_eir->db, ed, au);
	edit_outcome(ed, ctrl, au, rc, eir_db_errstr(g_eir->db), err, len);
	if (!rc)
		stats_update(NULL);
	return rc;
}

struct pending {
	eir_lists_edit_cb cb;
	void *data;
};

static void edit_done(void *cb_data, const struct eir_edit_done *d)
{
	struct pending *p = d->data;
	char err[512] = "";

	if (d->commit) {
		eir_lists_ctr_inc(EIR_LISTS_CTR_EDIT_CTRL_COMMIT);
		/* once per commit, not per edit: the figures of all the edits it held */
		stats_update(NULL);
	}
	edit_outcome(d->ed, true, d->au, d->rc, d->err, err, sizeof(err));
	p->cb(p->data, d->rc, err);
	talloc_free(p);
}

/*! Hand an edit of the local lists to the edit writer (CTRL): applied with the others waiting in one transaction;
 *  cb(data, rc, err) is called on the loop once its commit is durable (or it failed: err says why), counted, logged
 *  and audited as eir_lists_edit(). ed's strings are copied.
 *  \returns 0; -ENOBUFS (too many edits waiting: err says so, cb is not called) or -ENOMEM. */
int eir_lists_edit_async(const struct eir_edit *ed, eir_lists_edit_cb cb, void *data, char *err, size_t len)
{
	struct pending *p = talloc_zero(g_eir, struct pending);
	int rc;

	if (!p) {
		snprintf(err, len, "out of memory");
		return -ENOMEM;
	}
	p->cb = cb;
	p->data = data;
	rc = eir_edit_writer_submit(L.writer, ed, p);
	if (rc) {
		talloc_free(p);
		eir_lists_ctr_inc(EIR_LISTS_CTR_EDIT_FAILED);
		if (rc == -ENOBUFS) {
			eir_lists_ctr_inc(EIR_LISTS_CTR_EDIT_CTRL_BUSY);
			snprintf(err, len, "too many list changes waiting for the store (%d): try again",
				 EIR_EDIT_QUEUE_MAX);
		} else {
			snprintf(err, len, "out of memory");
		}
		LOGP(DCTRLIF, LOGL_NOTICE, "%s: list change refused: %s\n", ed->who ? ed->who : "ctrl", err);
	}
	return rc;
}

/*! Lend the local lists to an import by another process (to: who, for the messages), or take them back (to NULL).
 *  Lent: the edit writer takes no more batches (CTRL edits wait in its queue), VTY edits are refused, the writer
 *  lock is released. Taken back: the lock is taken again and the waiting edits are applied.
 *  \returns 0; taking back: -EBUSY while the import still holds the lock (try again), with the message in
 *  eir_db_errstr(). */
int eir_lists_lend(const char *to)
{
	int rc;

	if (to) {
		eir_edit_writer_pause(L.writer, true);
		eir_db_writer_unlock(g_eir->db, EIR_DB_LOCAL);
		osmo_strlcpy(L.lent_to, to, sizeof(L.lent_to));
		return 0;
	}
	rc = eir_db_writer_lock(g_eir->db, EIR_DB_LOCAL, "osmo-eir");
	if (rc)
		return rc;
	L.lent_to[0] = '\0';
	/* the import may have grown the map: adopted here, on the loop, before the writer thread writes again */
	eir_db_map_adopt(g_eir->db, EIR_DB_LOCAL);
	eir_edit_writer_pause(L.writer, false);
	stats_update(NULL);
	return 0;
}
