/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A history event as one JSON object (doc/schemas/osmo-eir-event.schema.json): the one renderer of
 * `osmo-eir-db export-events` and osmo-eir-push, for the police systems that take sightings. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/json.h>

/* the interface names of the schema: lower case, as 3GPP names the reference points */
static const char *const iface_json[_EIR_IFACE_COUNT] = {
	[EIR_IFACE_S13] = "s13",
	[EIR_IFACE_N5G_EIR] = "n5g-eir",
};

/* The network-side time-to-block of a sighting: how long after the deciding entry was applied to this store it was
 * checked, -1 where not known (an entry of a store before schema 4, or a clock gone back) */
static long long time_to_block_s(const struct eir_hist_event *ev)
{
	int64_t sec;

	return eir_hist_since_applied(&ev->rec, &sec) ? (long long)sec : -1;
}

/* unix seconds as RFC 3339 UTC; \returns false when they cannot be (buf then holds nothing to use) */
static bool rfc3339(char *buf, size_t len, int64_t sec)
{
	time_t t = sec;
	struct tm tm;

	return gmtime_r(&t, &tm) && strftime(buf, len, "%Y-%m-%dT%H:%M:%SZ", &tm);
}

static void why_json(struct eir_jbuf *b, const struct eir_hist_rec *r, struct eir_db *db)
{
	const struct eir_hist_why *w = &r->why;
	char reason[256] = "", day[16];

	eir_jb_printf(b, ",\"why\":{\"level\":");
	eir_jb_str(b, "", r->flags & EIR_HIST_F_ERROR ? "store-unavailable" : get_value_string(eir_level_names,
											   w->level));
	/* the default policy and a failed store decided without an entry: no list, source or reason */
	if ((r->flags & EIR_HIST_F_ERROR) || w->level >= EIR_LVL_DEFAULT) {
		eir_jb_printf(b, "}");
		return;
	}
	eir_jb_printf(b, ",\"list\":\"%s\",\"source\":\"%s\"", eir_list_name(w->list),
		      w->part == EIR_DB_NATIONAL ? "national" : "local");
	if (w->level == EIR_LVL_LOCAL_RANGE) {
		char f[16], l[16];

		eir_jb_printf(b, ",\"range\":{\"first\":\"%s\",\"last\":\"%s\"}", eir_imei_str(f, sizeof(f), w->first),
			      eir_imei_str(l, sizeof(l), w->last));
	}
	if (w->listed)
		eir_jb_printf(b, ",\"listed\":\"%s\"", eir_day_str(day, sizeof(day), w->listed));
	if (r->applied) {
		char ts[32];

		if (rfc3339(ts, sizeof(ts), r->applied))
			eir_jb_printf(b, ",\"applied\":\"%s\"", ts);
	}
	if (w->reason_id) {
		eir_jb_printf(b, ",\"reason_id\":%u", w->reason_id);
		/* the text lives in the lists store; an id whose text is gone (or no store) gives the id only */
		if (db && !eir_db_reason(db, w->part, w->reason_id, reason, sizeof(reason)) && reason[0]) {
			eir_jb_printf(b, ",\"reason\":");
			eir_jb_str(b, "", reason);
		}
	}
	eir_jb_printf(b, "}");
}

int eir_hist_event_json(const struct eir_hist_event *ev, struct eir_db *db, char *buf, size_t cap)
{
	const struct eir_hist_rec *r = &ev->rec;
	struct eir_jbuf b = { .p = buf, .cap = cap };
	char ts[32], im[16], im15[17], num[20], node[EIR_HIST_NODE_LEN];
	long long ttb;

	if (!cap)
		return -ENOSPC;
	if (!rfc3339(ts, sizeof(ts), r->t))
		snprintf(ts, sizeof(ts), "1970-01-01T00:00:00Z");
	eir_jb_printf(&b, "{\"id\":%llu,\"kind\":\"%s\",\"time\":\"%s\",\"imei\":\"%s\",\"imei15\":\"%s\"",
		      (unsigned long long)ev->id, get_value_string(eir_hist_kind_names, ev->kind), ts,
		      eir_imei_str(im, sizeof(im), r->imei), eir_imei15_str(im15, sizeof(im15), r->imei));
	if (r->flags & EIR_HIST_F_IMSI)
		eir_jb_printf(&b, ",\"imsi\":\"%s\"", eir_imsi_unpack(num, sizeof(num), r->imsi));
	if (r->flags & EIR_HIST_F_MSISDN)
		eir_jb_printf(&b, ",\"msisdn\":\"%s\"", eir_imsi_unpack(num, sizeof(num), r->msisdn));
	if (r->sv >= 0)
		eir_jb_printf(&b, ",\"sv\":%d", r->sv);
	eir_jb_printf(&b, ",\"verdict\":\"%s\"", eir_verdict_name(r->verdict));
	if (r->flags & EIR_HIST_F_ERROR)
		eir_jb_printf(&b, ",\"error\":true");
	why_json(&b, r, db);
	eir_jb_printf(&b, ",\"interface\":\"%s\",\"node\":", r->iface < _EIR_IFACE_COUNT ? iface_json[r->iface] : "?");
	/* the node came from the network (Origin-Host, NF instance): escaped, and never read past the record */
	memcpy(node, r->node, sizeof(node));
	node[sizeof(node) - 1] = '\0';
	eir_jb_str(&b, "", node);
	switch (ev->kind) {
	case EIR_HIST_EV_NEW_SIM:
		eir_jb_printf(&b, ",\"previous_imsi\":\"%s\"", eir_hist_other_str(num, sizeof(num), ev));
		break;
	case EIR_HIST_EV_NEW_HANDSET:
		eir_jb_printf(&b, ",\"previous_imei\":\"%s\"", eir_hist_other_str(num, sizeof(num), ev));
		break;
	case EIR_HIST_EV_CLONE:
		eir_jb_printf(&b, ",\"clone\":\"%s\"", get_value_string(eir_hist_clone_names, ev->clone));
		if (ev->clone == EIR_HIST_CLONE_NODES) {
			memcpy(node, ev->other_node, sizeof(node));
			node[sizeof(node) - 1] = '\0';
			eir_jb_printf(&b, ",\"other_node\":");
			eir_jb_str(&b, "", node);
			eir_jb_printf(&b, ",\"seconds_apart\":%u", ev->n);
		} else {
			eir_jb_printf(&b, ",\"imsis\":%u", ev->n);
		}
		break;
	default:
		break;
	}
	ttb = ev->kind == EIR_HIST_EV_SIGHTING ? time_to_block_s(ev) : -1;
	if (ttb >= 0)
		eir_jb_printf(&b, ",\"time_to_block_s\":%lld", ttb);
	eir_jb_printf(&b, "}");
	if (b.overflow) {
		buf[0] = '\0';
		return -ENOSPC;
	}
	return (int)b.len;
}
