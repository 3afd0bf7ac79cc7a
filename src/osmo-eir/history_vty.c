/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir's device history: the 'history' config node (written back with defaults left out), the views on the
 * enable node only (the IMSI-IMEI history is personal data; CTRL carries counters and TRAPs, never history), the hook
 * on each front end's decision step, and the events handed back by the writer thread: logged, counted, TRAPped. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <talloc.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/ctrl/control_if.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/eir.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/ratelimit.h>
#include "history.h"
#include "lists.h"

/* TRAPs per second at most: a flood of sightings must not flood the CTRL clients */
#define TRAP_PER_SEC 20
#define SHOW_DEFAULT 20

enum {
	H_CTR_RECORDED,
	H_CTR_DROPPED,
	H_CTR_FAILED,
	H_CTR_PRUNED,
	H_CTR_EV_SIGHTING,
	H_CTR_EV_NEW_SIM,
	H_CTR_EV_NEW_HANDSET,
	H_CTR_EV_CLONE,
	H_CTR_EV_DROPPED,
	H_CTR_TRAP_SUPPRESSED,
	H_CTR_COALESCED,
	H_CTR_EV_CLONE_NODES,
};

static const struct rate_ctr_desc hist_ctr_desc[] = {
	[H_CTR_RECORDED] = { "record:queued", "Network checks queued for the history" },
	[H_CTR_DROPPED] = { "record:dropped", "Network checks not recorded: the writer's queue was full" },
	[H_CTR_FAILED] = { "record:failed", "Network checks lost in a failed history commit (map full, I/O)" },
	[H_CTR_PRUNED] = { "record:pruned", "History rows and events removed by the retention" },
	[H_CTR_EV_SIGHTING] = { "event:sighting", "Sightings: a listed handset was checked" },
	[H_CTR_EV_NEW_SIM] = { "event:new-sim", "Events: an IMEI with an IMSI other than its last" },
	[H_CTR_EV_NEW_HANDSET] = { "event:new-handset", "Events: an IMSI with an IMEI other than its last" },
	[H_CTR_EV_CLONE] = { "event:clone-suspect", "Events: an IMEI with many IMSIs within the window, or two nodes" },
	[H_CTR_EV_DROPPED] = { "event:not-reported", "Events stored but not logged or TRAPped (hand-back queue full)" },
	[H_CTR_TRAP_SUPPRESSED] = { "trap:suppressed", "Event TRAPs left out by the rate limit" },
	[H_CTR_COALESCED] = { "record:coalesced", "Network checks not queued: a repeat within coalesce-seconds" },
	[H_CTR_EV_CLONE_NODES] = { "event:clone-two-nodes",
				   "Events: clone suspects of the two-nodes kind (counted in event:clone-suspect too)" },
};

static const struct rate_ctr_group_desc hist_ctrg_desc = {
	.group_name_prefix = "history",
	.group_description = "Device history and sightings",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(hist_ctr_desc),
	.ctr_desc = hist_ctr_desc,
};

static const unsigned kind_ctr[_EIR_HIST_EV_COUNT] = {
	[EIR_HIST_EV_SIGHTING] = H_CTR_EV_SIGHTING,
	[EIR_HIST_EV_NEW_SIM] = H_CTR_EV_NEW_SIM,
	[EIR_HIST_EV_NEW_HANDSET] = H_CTR_EV_NEW_HANDSET,
	[EIR_HIST_EV_CLONE] = H_CTR_EV_CLONE,
};

static struct {
	struct eir_hist_cfg cfg;
	bool recording;			/*!< 'recording off': no history at all, no thread */
	struct eir_hist *h;
	struct eir_hist_writer *w;
	struct rate_ctr_group *ctrs;
	struct osmo_timer_list stats_timer;
	struct eir_hist_stats last;	/*!< the writer's figures already added to the counters */
	uint64_t last_ev_dropped;
	struct eir_ratelimit trap_rl;
} G = {
	.cfg = EIR_HIST_CFG_DEFAULT,
	.recording = true,
};

static struct cmd_node history_node = {
	HISTORY_NODE,
	"%s(config-history)# ",
	1,
};

/* --- formatting --- */

/* UTC: for people "YYYY-MM-DD HH:MM:SS", for machines (iso) "YYYY-MM-DDTHH:MM:SSZ" */
static char *time_fmt(char *buf, size_t len, int64_t t, bool iso)
{
	time_t tt = t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, len, iso ? "%Y-%m-%dT%H:%M:%SZ" : "%Y-%m-%d %H:%M:%S", &tm))
		snprintf(buf, len, "%lld", (long long)t);
	return buf;
}

static char *time_str(char *buf, size_t len, int64_t t)
{
	return time_fmt(buf, len, t, false);
}

static const char *packed_str(char *buf, size_t len, const uint8_t *p, bool have)
{
	if (!have)
		return "-";
	return eir_imsi_unpack(buf, len, p);
}

/* "local entry, list black, source local, reason "Reported stolen"" (the reason looked up now, in the lists) */
static char *why_str(char *buf, size_t len, const struct eir_hist_why *w, bool error)
{
	char reason[256] = "";

	if (error) {
		snprintf(buf, len, "store-unavailable, answered with an error");
		return buf;
	}
	if (w->level == EIR_LVL_DEFAULT || w->level == EIR_LVL_STORE_FAIL) {
		snprintf(buf, len, "%s", get_value_string(eir_level_names, w->level));
		return buf;
	}
	if (g_eir->db && w->reason_id)
		eir_db_reason(g_eir->db, w->part, w->reason_id, reason, sizeof(reason));
	snprintf(buf, len, "%s, list %s, source %s%s%s%s", get_value_string(eir_level_names, w->level),
		 eir_list_name(w->list), get_value_string(eir_source_names, w->part == EIR_DB_NATIONAL ?
							  EIR_SRC_NATIONAL : EIR_SRC_LOCAL),
		 reason[0] ? ", reason \"" : "", reason, reason[0] ? "\"" : "");
	return buf;
}

/* what an event says beyond the check: the time from the entry's apply to a sighting (the network-side time-to-block),
 * the previous IMSI or IMEI, the clone count or the other node */
static char *ev_extra(char *buf, size_t len, const struct eir_hist_event *ev)
{
	char o[EIR_HIST_NODE_LEN + 8];
	int64_t since;

	switch (ev->kind) {
	case EIR_HIST_EV_SIGHTING:
		if (eir_hist_since_applied(&ev->rec, &since))
			snprintf(buf, len, ", applied %lld s before", (long long)since);
		else
			snprintf(buf, len, ", applied unknown");
		break;
	case EIR_HIST_EV_NEW_SIM:
		snprintf(buf, len, ", previous IMSI %s", eir_hist_other_str(o, sizeof(o), ev));
		break;
	case EIR_HIST_EV_NEW_HANDSET:
		snprintf(buf, len, ", previous IMEI %s", eir_hist_other_str(o, sizeof(o), ev));
		break;
	case EIR_HIST_EV_CLONE:
		if (ev->clone == EIR_HIST_CLONE_NODES)
			snprintf(buf, len, ", two nodes: node %s %u s before", eir_hist_other_str(o, sizeof(o), ev),
				 ev->n);
		else
			snprintf(buf, len, ", %u IMSIs within %u h", ev->n, G.cfg.clone_window_hours);
		break;
	default:
		buf[0] = '\0';
	}
	return buf;
}

/* one line for the log and the VTY */
static char *ev_str(char *buf, size_t len, const struct eir_hist_event *ev)
{
	const struct eir_hist_rec *r = &ev->rec;
	char ts[32], im[16], is[20], ms[20], why[400], extra[EIR_HIST_NODE_LEN + 64];

	snprintf(buf, len, "event %llu %s at %s: IMEI %s IMSI %s MSISDN %s SV %d, %s (%s), %s node %s%s",
		 (unsigned long long)ev->id, get_value_string(eir_hist_kind_names, ev->kind),
		 time_str(ts, sizeof(ts), r->t),
		 eir_imei_str(im, sizeof(im), r->imei), packed_str(is, sizeof(is), r->imsi, r->flags & EIR_HIST_F_IMSI),
		 packed_str(ms, sizeof(ms), r->msisdn, r->flags & EIR_HIST_F_MSISDN), r->sv,
		 eir_verdict_name(r->verdict), why_str(why, sizeof(why), &r->why, r->flags & EIR_HIST_F_ERROR),
		 get_value_string(eir_iface_names, r->iface), r->node[0] ? r->node : "-",
		 ev_extra(extra, sizeof(extra), ev));
	return buf;
}

/* the TRAP's value: key=value pairs, the reason last (it may hold commas); clone= says which clone suspect, applied=
 * the deciding entry's apply time and since-applied= the seconds from it to the check (both empty: unknown) */
static char *ev_trap_str(char *buf, size_t len, const struct eir_hist_event *ev)
{
	const struct eir_hist_rec *r = &ev->rec;
	char ts[32], im[16], is[20], ms[20], other[EIR_HIST_NODE_LEN + 8], reason[256] = "";
	char at[32] = "", since_s[24] = "";
	int64_t since;

	eir_hist_other_str(other, sizeof(other), ev);
	if (eir_hist_since_applied(r, &since)) {
		time_fmt(at, sizeof(at), r->applied, true);
		snprintf(since_s, sizeof(since_s), "%lld", (long long)since);
	}
	if (g_eir->db && r->why.reason_id && r->why.level < EIR_LVL_DEFAULT)
		eir_db_reason(g_eir->db, r->why.part, r->why.reason_id, reason, sizeof(reason));
	snprintf(buf, len, "id=%llu,kind=%s,time=%s,imei=%s,imsi=%s,msisdn=%s,sv=%d,verdict=%s,level=%s,list=%s,"
		 "source=%s,iface=%s,node=%s,other=%s,n=%u,clone=%s,applied=%s,since-applied=%s,reason=%s",
		 (unsigned long long)ev->id, get_value_string(eir_hist_kind_names, ev->kind),
		 time_fmt(ts, sizeof(ts), r->t, true), eir_imei_str(im, sizeof(im), r->imei),
		 r->flags & EIR_HIST_F_IMSI ? eir_imsi_unpack(is, sizeof(is), r->imsi) : "",
		 r->flags & EIR_HIST_F_MSISDN ? eir_imsi_unpack(ms, sizeof(ms), r->msisdn) : "", r->sv,
		 eir_verdict_name(r->verdict), get_value_string(eir_level_names, r->why.level),
		 eir_list_name(r->why.list),
		 r->why.part == EIR_DB_NATIONAL ? "national" : "local", get_value_string(eir_iface_names, r->iface),
		 r->node, other, ev->n,
		 ev->kind == EIR_HIST_EV_CLONE ? get_value_string(eir_hist_clone_names, ev->clone) : "", at, since_s,
		 reason);
	return buf;
}

/* --- on the loop: what the writer hands back --- */

static void on_event(void *data, const struct eir_hist_event *ev, const char *err)
{
	char buf[1024];

	if (!ev) {
		LOGP(DHIST, LOGL_ERROR, "%s\n", err);
		return;
	}
	if (ev->kind < _EIR_HIST_EV_COUNT && kind_ctr[ev->kind])
		rate_ctr_inc2(G.ctrs, kind_ctr[ev->kind]);
	if (ev->kind == EIR_HIST_EV_CLONE && ev->clone == EIR_HIST_CLONE_NODES)
		rate_ctr_inc2(G.ctrs, H_CTR_EV_CLONE_NODES);
	LOGP(DHIST, LOGL_NOTICE, "%s\n", ev_str(buf, sizeof(buf), ev));
	if (!eir_ctrl_handle)
		return;
	if (!eir_ratelimit_allow(&G.trap_rl, TRAP_PER_SEC)) {
		rate_ctr_inc2(G.ctrs, H_CTR_TRAP_SUPPRESSED);
		return;
	}
	ctrl_cmd_send_trap(eir_ctrl_handle, "equipment.event", ev_trap_str(buf, sizeof(buf), ev));
}

/* the writer's own figures (atomics) into the rate counters, once a second */
static void stats_cb(void *data)
{
	struct eir_hist_stats st;
	uint64_t evd;

	eir_hist_stats_get(G.h, &st);
	rate_ctr_add(rate_ctr_group_get_ctr(G.ctrs, H_CTR_FAILED), st.failed - G.last.failed);
	rate_ctr_add(rate_ctr_group_get_ctr(G.ctrs, H_CTR_PRUNED), st.pruned - G.last.pruned);
	G.last = st;
	evd = eir_hist_writer_ev_dropped(G.w);
	rate_ctr_add(rate_ctr_group_get_ctr(G.ctrs, H_CTR_EV_DROPPED), evd - G.last_ev_dropped);
	G.last_ev_dropped = evd;
	osmo_timer_schedule(&G.stats_timer, 1, 0);
}

/* --- the hook: on the answering path, so it only copies the check into the ring --- */

static void hook(void *data, const struct eir_query *q, const struct eir_decision *d)
{
	struct eir_hist_rec r;
	const char *node = q->node ? q->node : q->peer;

	if (!eir_hist_wanted(&G.cfg, q->imsi, d->verdict, d->error))
		return;
	r.t = time(NULL);
	r.imei = q->imei;
	r.sv = q->sv;
	r.iface = q->iface;
	r.verdict = d->verdict;
	r.flags = d->error ? EIR_HIST_F_ERROR : 0;
	if (q->imsi) {
		memcpy(r.imsi, q->imsi, 8);
		r.flags |= EIR_HIST_F_IMSI;
	} else {
		memset(r.imsi, 0, 8);
	}
	memset(r.msisdn, 0, 8);
	if (q->msisdn && !eir_msisdn_pack(q->msisdn, r.msisdn, NULL))
		r.flags |= EIR_HIST_F_MSISDN;
	r.why = (struct eir_hist_why){ .level = d->why.level, .part = d->why.part, .list = d->why.list,
				       .listed = d->why.entry.listed, .reason_id = d->why.entry.reason_id,
				       .first = d->why.entry.imei, .last = d->why.entry.last };
	/* for the time-to-block of a sighting; only an entry has one (the default policy's entry is all zero) */
	r.applied = d->why.level < EIR_LVL_DEFAULT ? d->why.entry.applied : 0;
	osmo_strlcpy(r.node, node ? node : "", sizeof(r.node));
	r.rat = q->rat;
	switch (eir_hist_writer_push(G.w, &r)) {
	case EIR_HIST_QUEUED:
		rate_ctr_inc2(G.ctrs, H_CTR_RECORDED);
		break;
	case EIR_HIST_COALESCED:
		rate_ctr_inc2(G.ctrs, H_CTR_COALESCED);
		break;
	case EIR_HIST_DROPPED:
		rate_ctr_inc2(G.ctrs, H_CTR_DROPPED);
		break;
	}
}

/* before the lookup: the filter's slots for this check start coming into the cache meanwhile */
static void hook_prefetch(void *data, const struct eir_query *q)
{
	eir_hist_writer_prefetch(G.w, q->imei, q->imsi);
}

void eir_history_attach(struct eir_decider *d)
{
	if (!G.w || !d)
		return;
	d->hook = hook;
	d->prefetch = hook_prefetch;
	d->hook_data = NULL;
}

int eir_history_start(void *ctx, const char *db_dir)
{
	char err[512];
	char *dir;

	G.ctrs = rate_ctr_group_alloc(ctx, &hist_ctrg_desc, 0);
	if (!G.ctrs)
		return -1;
	if (!G.recording) {
		LOGP(DHIST, LOGL_NOTICE, "device history: recording off\n");
		return 0;
	}
	/* a history that cannot be opened never stops the answers: osmo-eir runs without it, and says so */
	dir = G.cfg.path ? talloc_strdup(ctx, G.cfg.path) : talloc_asprintf(ctx, "%s/../history", db_dir);
	if (eir_hist_open(ctx, &G.h, dir, &G.cfg, err, sizeof(err))) {
		LOGP(DHIST, LOGL_ERROR, "device history off: %s\n", err);
		talloc_free(dir);
		return 0;
	}
	G.w = eir_hist_writer_alloc(ctx, G.h, &G.cfg, on_event, NULL);
	if (!G.w || eir_hist_writer_start(G.w)) {
		LOGP(DHIST, LOGL_ERROR, "device history off: cannot start its writer thread\n");
		talloc_free(G.w);
		G.w = NULL;
		eir_hist_close(G.h);
		G.h = NULL;
		talloc_free(dir);
		return 0;
	}
	osmo_timer_setup(&G.stats_timer, stats_cb, NULL);
	osmo_timer_schedule(&G.stats_timer, 1, 0);
	LOGP(DHIST, LOGL_NOTICE, "device history in %s: full history %s, sightings %s%s, retention %u days\n", dir,
	     G.cfg.full ? "on" : "off", G.cfg.sightings ? "on" : "off",
	     G.cfg.sightings && G.cfg.sightings_grey ? " (and greylisted)" : "", G.cfg.retention_days);
	talloc_free(dir);
	return 0;
}

void eir_history_stop(void)
{
	if (G.w) {
		eir_hist_writer_stop(G.w);
		G.w = NULL;
		osmo_timer_del(&G.stats_timer);
	}
	if (G.h) {
		eir_hist_close(G.h);
		G.h = NULL;
	}
	rate_ctr_group_free(G.ctrs);
	G.ctrs = NULL;
}

/* --- the config node --- */

/* a change on a running daemon reaches the writer at its next batch */
static void cfg_changed(void)
{
	if (G.w)
		eir_hist_writer_set_cfg(G.w, &G.cfg);
}

#define ONOFF "(on|off)"
#define ONOFF_HELP "On\n" "Off\n"

DEFUN(cfg_history, cfg_history_cmd, "history", "Configure the device history and sightings\n")
{
	vty->node = HISTORY_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_h_recording, cfg_h_recording_cmd, "recording " ONOFF,
      "Record network checks at all (off: no history, no sightings, no events; at start)\n" ONOFF_HELP)
{
	G.recording = !strcmp(argv[0], "on");
	return CMD_SUCCESS;
}

DEFUN(cfg_h_full, cfg_h_full_cmd, "history " ONOFF,
      "Full history: a row per (IMEI, IMSI, MSISDN) with first/last seen and the days seen\n" ONOFF_HELP)
{
	G.cfg.full = !strcmp(argv[0], "on");
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_sightings, cfg_h_sightings_cmd, "sightings " ONOFF,
      "Sightings: an event when a BLACKLISTED handset is checked\n" ONOFF_HELP)
{
	G.cfg.sightings = !strcmp(argv[0], "on");
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_sightings_grey, cfg_h_sightings_grey_cmd, "sightings greylisted " ONOFF,
      "Sightings\n" "Of GREYLISTED handsets too\n" ONOFF_HELP)
{
	G.cfg.sightings_grey = !strcmp(argv[0], "on");
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_retention, cfg_h_retention_cmd, "retention-days <1-366>",
      "Rows and events older than this are removed\n" "Days (default 30)\n")
{
	G.cfg.retention_days = atoi(argv[0]);
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_clone_imsis, cfg_h_clone_imsis_cmd, "clone-imsis <0-1000>",
      "Clone suspect: an IMEI with this many distinct IMSIs within the window\n" "IMSIs (default 3; 0: off)\n")
{
	G.cfg.clone_imsis = atoi(argv[0]);
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_clone_window, cfg_h_clone_window_cmd, "clone-window-hours <1-8760>",
      "The clone suspect's window\n" "Hours (default 24)\n")
{
	G.cfg.clone_window_hours = atoi(argv[0]);
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_clone_nodes, cfg_h_clone_nodes_cmd, "clone-two-nodes-seconds <0-3600>",
      "Clone suspect: an IMEI checked by two nodes of one interface (two MMEs, two AMFs) at once\n"
      "Seconds between the two checks at most (default 0: off; 1 suggested, see the manual)\n")
{
	G.cfg.clone_nodes_sec = atoi(argv[0]);
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_queue, cfg_h_queue_cmd, "queue-length <16-1048576>",
      "Checks waiting for the writer thread; more are dropped and counted (at start)\n" "Records (default 65536)\n")
{
	G.cfg.queue_len = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_h_coalesce, cfg_h_coalesce_cmd, "coalesce-seconds <0-3600>",
      "A check repeating the last one recorded for its IMEI and IMSI this recently is not recorded again\n"
      "Seconds: how old a row's last-seen time may be (default 300; 0: record every check)\n")
{
	G.cfg.coalesce_sec = atoi(argv[0]);
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_coalesce_entries, cfg_h_coalesce_entries_cmd, "coalesce-entries <1024-16777216>",
      "How many IMEIs (and as many IMSIs) the repeat filter holds: 24 bytes each, taken as they are used\n"
      "Entries, rounded down to a power of two (default 1048576; more distinct handsets than this within "
      "coalesce-seconds are recorded at every check)\n")
{
	G.cfg.coalesce_entries = atoi(argv[0]);
	cfg_changed();
	return CMD_SUCCESS;
}

DEFUN(cfg_h_map, cfg_h_map_cmd, "map-size-mib <16-1048576>",
      "The history's fixed map size: when it is full, records are lost and counted (at start)\n"
      "MiB (default 1024)\n")
{
	G.cfg.map_size_mib = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_h_path, cfg_h_path_cmd, "path DIR",
      "The history's directory, created if missing (at start; default: the store's directory/../history)\n"
      "Directory\n")
{
	osmo_talloc_replace_string(g_eir->ctx, &G.cfg.path, argv[0]);
	return CMD_SUCCESS;
}

static int config_write_history(struct vty *vty)
{
	const struct eir_hist_cfg def = EIR_HIST_CFG_DEFAULT;
	const struct eir_hist_cfg *c = &G.cfg;

	if (G.recording && c->full == def.full && c->sightings == def.sightings &&
	    c->sightings_grey == def.sightings_grey && c->retention_days == def.retention_days &&
	    c->clone_imsis == def.clone_imsis && c->clone_window_hours == def.clone_window_hours &&
	    c->queue_len == def.queue_len && c->coalesce_sec == def.coalesce_sec &&
	    c->coalesce_entries == def.coalesce_entries && c->map_size_mib == def.map_size_mib &&
	    c->clone_nodes_sec == def.clone_nodes_sec && !c->path)
		return CMD_SUCCESS;
	vty_out(vty, "history%s", VTY_NEWLINE);
	if (!G.recording)
		vty_out(vty, " recording off%s", VTY_NEWLINE);
	if (c->full != def.full)
		vty_out(vty, " history %s%s", c->full ? "on" : "off", VTY_NEWLINE);
	if (c->sightings != def.sightings)
		vty_out(vty, " sightings %s%s", c->sightings ? "on" : "off", VTY_NEWLINE);
	if (c->sightings_grey != def.sightings_grey)
		vty_out(vty, " sightings greylisted %s%s", c->sightings_grey ? "on" : "off", VTY_NEWLINE);
	if (c->retention_days != def.retention_days)
		vty_out(vty, " retention-days %u%s", c->retention_days, VTY_NEWLINE);
	if (c->clone_imsis != def.clone_imsis)
		vty_out(vty, " clone-imsis %u%s", c->clone_imsis, VTY_NEWLINE);
	if (c->clone_window_hours != def.clone_window_hours)
		vty_out(vty, " clone-window-hours %u%s", c->clone_window_hours, VTY_NEWLINE);
	if (c->clone_nodes_sec != def.clone_nodes_sec)
		vty_out(vty, " clone-two-nodes-seconds %u%s", c->clone_nodes_sec, VTY_NEWLINE);
	if (c->queue_len != def.queue_len)
		vty_out(vty, " queue-length %u%s", c->queue_len, VTY_NEWLINE);
	if (c->coalesce_sec != def.coalesce_sec)
		vty_out(vty, " coalesce-seconds %u%s", c->coalesce_sec, VTY_NEWLINE);
	if (c->coalesce_entries != def.coalesce_entries)
		vty_out(vty, " coalesce-entries %u%s", c->coalesce_entries, VTY_NEWLINE);
	if (c->map_size_mib != def.map_size_mib)
		vty_out(vty, " map-size-mib %u%s", c->map_size_mib, VTY_NEWLINE);
	if (c->path)
		vty_out(vty, " path %s%s", c->path, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* --- the views (enable node; they read the history from disk in a read transaction of their own) --- */

#define SHOW_EQ_STR SHOW_STR "Equipment (IMEI) lists, verdicts and history\n"

static bool hist_ready(struct vty *vty)
{
	if (G.h)
		return true;
	vty_out(vty, "%% device history is off ('recording off', or it could not be opened: the DHIST log says)%s",
		VTY_NEWLINE);
	return false;
}

struct show_ctx {
	struct vty *vty;
	unsigned n;
};

static int show_pair(void *data, const struct eir_hist_pair *p)
{
	struct show_ctx *sc = data;
	struct vty *vty = sc->vty;
	char im[16], is[20], ms[20], f[32], l[32], why[400];

	vty_out(vty, " IMEI %s IMSI %s MSISDN %s: first %s, last %s, %u check%s, %u day%s, SV %d, %s, node %s, "
		"last %s (%s)%s", eir_imei_str(im, sizeof(im), p->imei),
		packed_str(is, sizeof(is), p->imsi, p->flags & EIR_HIST_F_IMSI),
		packed_str(ms, sizeof(ms), p->msisdn, p->flags & EIR_HIST_F_MSISDN), time_str(f, sizeof(f), p->first),
		time_str(l, sizeof(l), p->last), p->count, p->count == 1 ? "" : "s", p->days, p->days == 1 ? "" : "s",
		p->sv, get_value_string(eir_iface_names, p->iface), p->node[0] ? p->node : "-",
		eir_verdict_name(p->verdict), why_str(why, sizeof(why), &p->why, p->flags & EIR_HIST_F_ERROR),
		VTY_NEWLINE);
	sc->n++;
	return 0;
}

static int show_pairs_end(struct vty *vty, int rc, unsigned n)
{
	if (rc) {
		vty_out(vty, "%% cannot read the history%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (!n)
		vty_out(vty, " no (IMEI, IMSI) rows%s%s", G.cfg.full ? "" : ": full history is off", VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_hist_imei, show_hist_imei_cmd, "show equipment history imei IMEI",
      SHOW_EQ_STR "The history of network checks (S13, N5g-eir)\n" "Of a handset\n" "IMEI (14 to 16 digits)\n")
{
	struct eir_imei im;
	const char *why;
	uint8_t imsi[8];
	int64_t t;
	char is[20], ts[32], ims[16];
	struct show_ctx sc = { .vty = vty };
	int rc;

	if (!hist_ready(vty))
		return CMD_WARNING;
	if (eir_imei_parse(argv[0], &im, &why)) {
		vty_out(vty, "%% invalid IMEI '%s': %s%s", argv[0], why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (eir_hist_last_imsi(G.h, im.key, imsi, &t) == 0)
		vty_out(vty, "IMEI %s: last IMSI %s at %s%s", eir_imei_str(ims, sizeof(ims), im.key),
			eir_imsi_unpack(is, sizeof(is), imsi), time_str(ts, sizeof(ts), t), VTY_NEWLINE);
	else
		vty_out(vty, "IMEI %s: no last IMSI%s", eir_imei_str(ims, sizeof(ims), im.key), VTY_NEWLINE);
	rc = eir_hist_pairs_imei(G.h, im.key, show_pair, &sc);
	return show_pairs_end(vty, rc, sc.n);
}

DEFUN(show_hist_imsi, show_hist_imsi_cmd, "show equipment history imsi IMSI",
      SHOW_EQ_STR "The history of network checks (S13, N5g-eir)\n" "Of a subscriber\n" "IMSI (5 to 15 digits)\n")
{
	const char *why;
	uint8_t imsi[8];
	uint64_t imei;
	int64_t t;
	char is[20], ts[32], ims[16];
	struct show_ctx sc = { .vty = vty };
	int rc;

	if (!hist_ready(vty))
		return CMD_WARNING;
	if (eir_imsi_pack(argv[0], imsi, &why)) {
		vty_out(vty, "%% invalid IMSI '%s': %s%s", argv[0], why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	eir_imsi_unpack(is, sizeof(is), imsi);
	if (eir_hist_last_imei(G.h, imsi, &imei, &t) == 0)
		vty_out(vty, "IMSI %s: last IMEI %s at %s%s", is, eir_imei_str(ims, sizeof(ims), imei),
			time_str(ts, sizeof(ts), t), VTY_NEWLINE);
	else
		vty_out(vty, "IMSI %s: no last IMEI%s", is, VTY_NEWLINE);
	rc = eir_hist_pairs_imsi(G.h, imsi, show_pair, &sc);
	return show_pairs_end(vty, rc, sc.n);
}

static int show_ev(void *data, const struct eir_hist_event *ev)
{
	struct vty *vty = data;
	char buf[1024];

	vty_out(vty, " %s%s", ev_str(buf, sizeof(buf), ev), VTY_NEWLINE);
	return 0;
}

static int show_evs(struct vty *vty, int argc, const char **argv, bool sightings)
{
	unsigned n = argc ? atoi(argv[0]) : SHOW_DEFAULT;

	if (!hist_ready(vty))
		return CMD_WARNING;
	vty_out(vty, "The last %u %s, newest first:%s", n, sightings ? "sightings" : "events", VTY_NEWLINE);
	if (eir_hist_events(G.h, n, sightings, show_ev, vty)) {
		vty_out(vty, "%% cannot read the history%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

#define SIGHT_HELP "Sightings: listed handsets checked by the network\n"
#define EVENTS_HELP "Events: sightings, new SIM in a handset, SIM in a new handset, clone suspects\n"
#define LAST_HELP "Only the newest\n" "How many (default 20)\n"

DEFUN(show_sightings, show_sightings_cmd, "show equipment sightings", SHOW_EQ_STR SIGHT_HELP)
{
	return show_evs(vty, 0, argv, true);
}

DEFUN(show_sightings_n, show_sightings_n_cmd, "show equipment sightings last <1-100000>",
      SHOW_EQ_STR SIGHT_HELP LAST_HELP)
{
	return show_evs(vty, 1, argv, true);
}

DEFUN(show_events_all, show_events_cmd, "show equipment events", SHOW_EQ_STR EVENTS_HELP)
{
	return show_evs(vty, 0, argv, false);
}

DEFUN(show_events_n, show_events_n_cmd, "show equipment events last <1-100000>", SHOW_EQ_STR EVENTS_HELP LAST_HELP)
{
	return show_evs(vty, 1, argv, false);
}

DEFUN(show_hist_summary, show_hist_summary_cmd, "show equipment history summary",
      SHOW_EQ_STR "The history of network checks (S13, N5g-eir)\n" "Its figures\n")
{
	uint64_t pairs, events, imeis, imsis;
	struct eir_hist_stats st;

	if (!hist_ready(vty))
		return CMD_WARNING;
	if (eir_hist_counts(G.h, &pairs, &events, &imeis, &imsis)) {
		vty_out(vty, "%% cannot read the history%s", VTY_NEWLINE);
		return CMD_WARNING;
	}
	eir_hist_stats_get(G.h, &st);
	vty_out(vty, "full history %s, sightings %s%s, retention %u days, clone suspect at %u IMSIs in %u h%s",
		G.cfg.full ? "on" : "off", G.cfg.sightings ? "on" : "off",
		G.cfg.sightings_grey ? " (and greylisted)" : "",
		G.cfg.retention_days, G.cfg.clone_imsis, G.cfg.clone_window_hours, VTY_NEWLINE);
	vty_out(vty, "rows: %llu pairs, %llu events, %llu IMEIs, %llu IMSIs%s", (unsigned long long)pairs,
		(unsigned long long)events, (unsigned long long)imeis, (unsigned long long)imsis, VTY_NEWLINE);
	vty_out(vty, "writer: %llu records in %llu batches, %llu lost, %llu pruned, %llu dropped at the queue, "
		"%u waiting, %s%s", (unsigned long long)st.records, (unsigned long long)st.batches,
		(unsigned long long)st.failed, (unsigned long long)st.pruned,
		(unsigned long long)eir_hist_writer_dropped(G.w), eir_hist_writer_fill(G.w),
		eir_hist_writer_niced(G.w) ? "at nice 10" : "at the loop's priority (setpriority refused)",
		VTY_NEWLINE);
	return CMD_SUCCESS;
}

void eir_history_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_history_cmd);
	install_node(&history_node, config_write_history);
	install_element(HISTORY_NODE, &cfg_h_recording_cmd);
	install_element(HISTORY_NODE, &cfg_h_full_cmd);
	install_element(HISTORY_NODE, &cfg_h_sightings_cmd);
	install_element(HISTORY_NODE, &cfg_h_sightings_grey_cmd);
	install_element(HISTORY_NODE, &cfg_h_retention_cmd);
	install_element(HISTORY_NODE, &cfg_h_clone_imsis_cmd);
	install_element(HISTORY_NODE, &cfg_h_clone_window_cmd);
	install_element(HISTORY_NODE, &cfg_h_clone_nodes_cmd);
	install_element(HISTORY_NODE, &cfg_h_queue_cmd);
	install_element(HISTORY_NODE, &cfg_h_coalesce_cmd);
	install_element(HISTORY_NODE, &cfg_h_coalesce_entries_cmd);
	install_element(HISTORY_NODE, &cfg_h_map_cmd);
	install_element(HISTORY_NODE, &cfg_h_path_cmd);
	install_element(ENABLE_NODE, &show_hist_imei_cmd);
	install_element(ENABLE_NODE, &show_hist_imsi_cmd);
	install_element(ENABLE_NODE, &show_hist_summary_cmd);
	install_element(ENABLE_NODE, &show_sightings_cmd);
	install_element(ENABLE_NODE, &show_sightings_n_cmd);
	install_element(ENABLE_NODE, &show_events_cmd);
	install_element(ENABLE_NODE, &show_events_n_cmd);
}
