/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The history store and its event detection without a daemon (src/db/history.c, src/eir/history_writer.c): repeats
 * coalesce, the days seen, each event kind, the clone threshold, retention pruning with a controlled clock, event
 * ids across a reopen, a full queue dropping and counting, a sighting's time since its entry was applied, and the
 * two-nodes clone suspect. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <lmdb.h>	/* only to forge an event of the first layout */
#include <talloc.h>
#include <osmocom/core/select.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/types.h>

#include "../sbi/json_valid.h"

#define DAY 86400
#define T0 ((time_t)20000 * DAY + 3600)	/* a day number the days bitmap starts from, 01:00 UTC */
#define IMEI_A 35693803564380ULL
#define IMEI_B 35000001000002ULL
#define IMEI_C 35000009000001ULL

static time_t fake_now = T0;
static time_t clock_fake(void)
{
	return fake_now;
}

static void *ctx;
static char dir[64];
static struct eir_hist *h;

static struct eir_hist_rec rec(time_t t, uint64_t imei, const char *imsi, const char *msisdn, enum eir_verdict v,
			       const char *node)
{
	struct eir_hist_rec r = { .t = t, .imei = imei, .sv = 1, .iface = EIR_IFACE_S13, .verdict = v };

	if (imsi) {
		OSMO_ASSERT(!eir_imsi_pack(imsi, r.imsi, NULL));
		r.flags |= EIR_HIST_F_IMSI;
	}
	if (msisdn) {
		OSMO_ASSERT(!eir_msisdn_pack(msisdn, r.msisdn, NULL));
		r.flags |= EIR_HIST_F_MSISDN;
	}
	r.why.level = v == EIR_WHITELISTED ? EIR_LVL_DEFAULT : EIR_LVL_LOCAL_IMEI;
	r.why.list = v == EIR_BLACKLISTED ? EIR_LIST_BLACK : v == EIR_GREYLISTED ? EIR_LIST_GREY : EIR_LIST_NONE;
	osmo_strlcpy(r.node, node, sizeof(r.node));
	return r;
}

static void print_event(const struct eir_hist_event *ev)
{
	char im[16], is[20], other[EIR_HIST_NODE_LEN + 8], extra[64] = "";
	int64_t since;

	eir_hist_other_str(other, sizeof(other), ev);
	if (ev->kind == EIR_HIST_EV_SIGHTING && eir_hist_since_applied(&ev->rec, &since))
		snprintf(extra, sizeof(extra), " applied %llds before", (long long)since);
	else if (ev->kind == EIR_HIST_EV_SIGHTING)
		snprintf(extra, sizeof(extra), " applied unknown");
	else if (ev->kind == EIR_HIST_EV_CLONE)
		snprintf(extra, sizeof(extra), " by %s", get_value_string(eir_hist_clone_names, ev->clone));
	printf("  event %llu %s t=+%llds IMEI %s IMSI %s %s%s%s n=%u%s\n", (unsigned long long)ev->id,
	       get_value_string(eir_hist_kind_names, ev->kind), (long long)(ev->rec.t - T0),
	       eir_imei_str(im, sizeof(im), ev->rec.imei),
	       ev->rec.flags & EIR_HIST_F_IMSI ? eir_imsi_unpack(is, sizeof(is), ev->rec.imsi) : "-",
	       eir_verdict_name(ev->rec.verdict), other[0] ? " other " : "", other, ev->n, extra);
}

static void ev_cb(void *data, const struct eir_hist_event *ev)
{
	print_event(ev);
}

static void apply(const struct eir_hist_rec *r, unsigned n)
{
	char err[256];

	if (eir_hist_apply(h, r, n, ev_cb, NULL, err, sizeof(err)))
		printf("  apply failed: %s\n", err);
}

static void apply1(struct eir_hist_rec r)
{
	apply(&r, 1);
}

static int pair_cb(void *data, const struct eir_hist_pair *p)
{
	char im[16], is[20], ms[20];

	printf("  pair IMEI %s IMSI %s MSISDN %s first=+%llds last=+%llds count=%u days=%u %s node %s\n",
	       eir_imei_str(im, sizeof(im), p->imei),
	       p->flags & EIR_HIST_F_IMSI ? eir_imsi_unpack(is, sizeof(is), p->imsi) : "-",
	       p->flags & EIR_HIST_F_MSISDN ? eir_imsi_unpack(ms, sizeof(ms), p->msisdn) : "-",
	       (long long)(p->first - T0), (long long)(p->last - T0), p->count, p->days, eir_verdict_name(p->verdict),
	       p->node);
	return 0;
}

static void show_pairs(uint64_t imei)
{
	if (eir_hist_pairs_imei(h, imei, pair_cb, NULL))
		printf("  cannot read pairs\n");
}

static void show_counts(void)
{
	uint64_t pairs, events, imeis, imsis;

	OSMO_ASSERT(!eir_hist_counts(h, &pairs, &events, &imeis, &imsis));
	printf("  counts: %llu pairs, %llu events, %llu IMEIs, %llu IMSIs\n", (unsigned long long)pairs,
	       (unsigned long long)events, (unsigned long long)imeis, (unsigned long long)imsis);
}

static struct eir_hist_cfg cfg = EIR_HIST_CFG_DEFAULT;

static void hist_open(void)
{
	char err[256];

	if (eir_hist_open(ctx, &h, dir, &cfg, err, sizeof(err))) {
		printf("open failed: %s\n", err);
		exit(1);
	}
	eir_hist_set_clock(h, clock_fake);
}

static void test_coalesce(void)
{
	struct eir_hist_rec b[3];

	printf("%s: a handset re-attaching updates one row\n", __func__);
	for (int i = 0; i < 3; i++)
		b[i] = rec(T0 + 300 * i, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme1");
	apply(b, 3);
	apply1(rec(T0 + 1200, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme2"));
	/* the MSISDN is part of the row's key (DIRBS keys rows by IMEI, IMSI, MSISDN) */
	apply1(rec(T0 + 1300, IMEI_B, "001010000000001", "4915112345678", EIR_WHITELISTED, "amf1"));
	/* a late record (older than the row's last check) counts, but is not the last */
	apply1(rec(T0 + 100, IMEI_B, "001010000000001", NULL, EIR_GREYLISTED, "late"));
	show_pairs(IMEI_B);
}

static void test_days(void)
{
	printf("%s: the days seen within the retention\n", __func__);
	apply1(rec(T0 + 1 * DAY, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme1"));
	apply1(rec(T0 + 3 * DAY, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme1"));
	fake_now = T0 + 3 * DAY;
	show_pairs(IMEI_B);
	/* on day 30: day 0 is outside the 30 days (today and the 29 before), days 1 and 3 are in */
	fake_now = T0 + 30 * DAY;
	show_pairs(IMEI_B);
	fake_now = T0;
}

static void test_sightings(void)
{
	printf("%s: a listed handset checked; the repeat within an hour is no new sighting\n", __func__);
	apply1(rec(T0, IMEI_A, "001010000000002", NULL, EIR_BLACKLISTED, "mme1"));
	apply1(rec(T0 + 60, IMEI_A, "001010000000002", NULL, EIR_BLACKLISTED, "mme1"));
	apply1(rec(T0 + EIR_HIST_SIGHTING_REPEAT_SEC + 60, IMEI_A, "001010000000002", NULL, EIR_BLACKLISTED, "mme1"));
	printf(" no IMSI: a sighting too\n");
	apply1(rec(T0, IMEI_C, NULL, NULL, EIR_BLACKLISTED, "mme1"));
	printf(" greylisted: none unless configured\n");
	apply1(rec(T0, IMEI_C + 1, "001010000000005", NULL, EIR_GREYLISTED, "mme1"));
	cfg.sightings_grey = true;
	eir_hist_set_cfg(h, &cfg);
	apply1(rec(T0, IMEI_C + 2, "001010000000006", NULL, EIR_GREYLISTED, "mme1"));
	cfg.sightings_grey = false;
	printf(" sightings off: none\n");
	cfg.sightings = false;
	eir_hist_set_cfg(h, &cfg);
	apply1(rec(T0, IMEI_C + 3, "001010000000007", NULL, EIR_BLACKLISTED, "mme1"));
	cfg.sightings = true;
	eir_hist_set_cfg(h, &cfg);
	printf(" an error answer (store failed) is no sighting\n");
	{
		struct eir_hist_rec r = rec(T0, IMEI_C + 4, "001010000000008", NULL, EIR_BLACKLISTED, "mme1");

		r.flags |= EIR_HIST_F_ERROR;
		apply1(r);
	}
}

static void test_sim_changes(void)
{
	const time_t s = T0 + 4 * DAY;

	printf("%s: a new SIM in a handset, the SIM in a new handset\n", __func__);
	apply1(rec(s + 10, IMEI_B, "001010000000003", NULL, EIR_WHITELISTED, "mme1"));
	printf(" the same SIM back in its handset: a new SIM again; the IMSI's last IMEI unchanged: nothing else\n");
	apply1(rec(s + 20, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme1"));
	printf(" the SIM moves to another handset\n");
	apply1(rec(s + 30, IMEI_C + 10, "001010000000003", NULL, EIR_WHITELISTED, "mme1"));
	printf(" a plain repeat: nothing\n");
	apply1(rec(s + 40, IMEI_C + 10, "001010000000003", NULL, EIR_WHITELISTED, "mme1"));
}

static void test_clone(void)
{
	const time_t c = T0 + 5 * DAY;
	uint64_t imei = 35000007000001ULL;
	char imsi[16];

	printf("%s: clone suspect at %u IMSIs within %u h\n", __func__, cfg.clone_imsis, cfg.clone_window_hours);
	for (int i = 0; i < 4; i++) {
		snprintf(imsi, sizeof(imsi), "00102000000000%d", i);
		printf(" IMSI %d\n", i + 1);
		apply1(rec(c + 60 * i, imei, imsi, NULL, EIR_WHITELISTED, "mme1"));
	}
	printf(" a second handset, its IMSIs spread wider than the window: no clone\n");
	for (int i = 0; i < 3; i++) {
		snprintf(imsi, sizeof(imsi), "00103000000000%d", i);
		apply1(rec(c + (time_t)i * 13 * 3600, imei + 1, imsi, NULL, EIR_WHITELISTED, "mme1"));
	}
	printf(" the first handset after the window: counted afresh, a new clone suspect\n");
	for (int i = 4; i < 7; i++) {
		snprintf(imsi, sizeof(imsi), "00102000000000%d", i);
		apply1(rec(c + 25 * 3600 + 60 * i, imei, imsi, NULL, EIR_WHITELISTED, "mme1"));
	}
}

static void test_full_off(void)
{
	printf("%s: with full history off no pair rows, the events still\n", __func__);
	cfg.full = false;
	eir_hist_set_cfg(h, &cfg);
	apply1(rec(T0 + 7 * DAY + 50, 35000008000001ULL, "001010000000009", NULL, EIR_BLACKLISTED, "mme1"));
	show_pairs(35000008000001ULL);
	{
		uint8_t imsi[8];
		char is[20];
		int64_t t;

		OSMO_ASSERT(!eir_hist_last_imsi(h, 35000008000001ULL, imsi, &t));
		printf("  last IMSI %s t=+%llds\n", eir_imsi_unpack(is, sizeof(is), imsi), (long long)(t - T0));
	}
	printf("  what the hook queues (full history off): with an IMSI %d, a sighting without one %d, "
	       "a greylisted one %d, an error %d, a whitelisted one without an IMSI %d\n",
	       eir_hist_wanted(&cfg, true, EIR_WHITELISTED, false),
	       eir_hist_wanted(&cfg, false, EIR_BLACKLISTED, false),
	       eir_hist_wanted(&cfg, false, EIR_GREYLISTED, false), eir_hist_wanted(&cfg, false, EIR_BLACKLISTED, true),
	       eir_hist_wanted(&cfg, false, EIR_WHITELISTED, false));
	cfg.full = true;
	eir_hist_set_cfg(h, &cfg);
	printf("  with full history on, every check: %d\n", eir_hist_wanted(&cfg, false, EIR_WHITELISTED, false));
}

static int ev_print_cb(void *data, const struct eir_hist_event *ev)
{
	print_event(ev);
	return 0;
}

static void test_read_events(void)
{
	printf("%s: the last 3 sightings, newest first\n", __func__);
	OSMO_ASSERT(!eir_hist_events(h, 3, true, ev_print_cb, NULL));
	printf(" the last 2 events\n");
	OSMO_ASSERT(!eir_hist_events(h, 2, false, ev_print_cb, NULL));
}

static void test_reopen(void)
{
	printf("%s: the history and the event ids survive a reopen\n", __func__);
	show_counts();
	eir_hist_close(h);
	hist_open();
	show_counts();
	apply1(rec(T0 + 7 * DAY + 100, IMEI_A, "001010000000002", NULL, EIR_BLACKLISTED, "mme1"));
}

static int ev_id_cb(void *data, const struct eir_hist_event *ev)
{
	printf(" %llu:%s", (unsigned long long)ev->id, get_value_string(eir_hist_kind_names, ev->kind));
	return 0;
}

static void test_events_after(void)
{
	uint64_t next;

	printf("%s: the events after an id, oldest first (what osmo-eir-push and export-events read)\n", __func__);
	OSMO_ASSERT(!eir_hist_next_id(h, &next));
	printf(" next id %llu\n after 0, at most 4:", (unsigned long long)next);
	OSMO_ASSERT(!eir_hist_events_after(h, 0, 4, 0, ev_id_cb, NULL));
	printf("\n after 3, sightings:");
	OSMO_ASSERT(!eir_hist_events_after(h, 3, 0, EIR_HIST_EV_SIGHTING, ev_id_cb, NULL));
	printf("\n after 3, new SIMs:");
	OSMO_ASSERT(!eir_hist_events_after(h, 3, 0, EIR_HIST_EV_NEW_SIM, ev_id_cb, NULL));
	printf("\n after the last one:");
	OSMO_ASSERT(!eir_hist_events_after(h, next - 1, 0, 0, ev_id_cb, NULL));
	printf("\n");
}

/* render one event, check it is one valid JSON value, print it */
static void json_print(const struct eir_hist_event *ev)
{
	char buf[EIR_HIST_JSON_MAX];
	int n = eir_hist_event_json(ev, NULL, buf, sizeof(buf));

	OSMO_ASSERT(n > 0 && (size_t)n == strlen(buf));
	printf("  %s json_valid=%d\n", buf, json_valid(buf, n));
}

static void test_json(void)
{
	struct eir_hist_event ev = { .id = 17, .kind = EIR_HIST_EV_SIGHTING };
	char small[64];

	printf("%s: one JSON object per event\n", __func__);
	ev.rec = rec(T0, IMEI_A, "001010000000002", "4915112345678", EIR_BLACKLISTED, "mme1.example.org");
	ev.rec.why = (struct eir_hist_why){ .level = EIR_LVL_NAT_BLACK, .part = EIR_DB_NATIONAL, .list = EIR_LIST_BLACK,
					    .listed = 20000, .reason_id = 3 };
	ev.rec.iface = EIR_IFACE_N5G_EIR;
	json_print(&ev);
	printf(" the deciding entry applied 42 s before the check: its time and the time to block\n");
	ev.rec.applied = T0 - 42;
	json_print(&ev);
	ev.rec.applied = 0;
	printf(" the node escaped: a quote, a backslash, a control character, UTF-8 (2, 3, 4 bytes), a byte that is "
	       "not UTF-8\n");
	osmo_strlcpy(ev.rec.node, "a\"b\\c\x01" "d\xc3\xa9\xe2\x82\xac\xf0\x9f\x93\xb1\xffz", sizeof(ev.rec.node));
	json_print(&ev);
	printf(" a node of 48 bytes without a NUL is cut at 47\n");
	memset(ev.rec.node, 'n', sizeof(ev.rec.node));
	json_print(&ev);
	printf(" no IMSI, no SV, a local range, no reason; the store failed\n");
	ev.rec = rec(T0 + 61, IMEI_B, NULL, NULL, EIR_BLACKLISTED, "");
	ev.rec.sv = -1;
	ev.rec.why = (struct eir_hist_why){ .level = EIR_LVL_LOCAL_RANGE, .list = EIR_LIST_BLACK, .first = IMEI_B,
					    .last = IMEI_B + 99 };
	json_print(&ev);
	ev.rec.flags |= EIR_HIST_F_ERROR;
	json_print(&ev);
	printf(" the other kinds\n");
	ev.rec = rec(T0, IMEI_A, "001010000000003", NULL, EIR_WHITELISTED, "mme2");
	ev.kind = EIR_HIST_EV_NEW_SIM;
	OSMO_ASSERT(!eir_imsi_pack("001010000000002", ev.other, NULL));
	json_print(&ev);
	ev.kind = EIR_HIST_EV_NEW_HANDSET;
	for (int i = 0; i < 8; i++)
		ev.other[i] = (IMEI_C >> (56 - 8 * i)) & 0xff;
	json_print(&ev);
	ev.kind = EIR_HIST_EV_CLONE;
	ev.n = 3;
	json_print(&ev);
	printf(" a clone suspect by two nodes, 1 s apart\n");
	ev.clone = EIR_HIST_CLONE_NODES;
	ev.n = 1;
	osmo_strlcpy(ev.other_node, "mme9.example.org", sizeof(ev.other_node));
	json_print(&ev);
	printf(" a buffer too small: -ENOSPC, nothing half written: %d '%s'\n",
	       eir_hist_event_json(&ev, NULL, small, sizeof(small)), small);
}

/* the read-only open of another process's history (after the writer's handle is closed: one environment per
 * process) */
static void test_open_ro(const char *base)
{
	struct eir_hist *ro;
	char err[256], missing[96];
	uint64_t next;
	int rc;

	printf("%s: a reader's open\n", __func__);
	OSMO_ASSERT(!eir_hist_open_ro(ctx, &ro, dir, err, sizeof(err)));
	OSMO_ASSERT(!eir_hist_next_id(ro, &next));
	printf(" next id %llu, the last two:", (unsigned long long)next);
	OSMO_ASSERT(!eir_hist_events_after(ro, next - 3, 0, 0, ev_id_cb, NULL));
	printf("\n");
	eir_hist_close(ro);
	snprintf(missing, sizeof(missing), "%s/none", base);
	rc = eir_hist_open_ro(ctx, &ro, missing, err, sizeof(err));
	printf(" a missing one: %d (%s), nothing created: %s\n", rc, rc == -ENOENT ? "ENOENT" : "?",
	       access(missing, F_OK) ? "yes" : "no");
	OSMO_ASSERT(!ro);
}

/* prune until a step removes nothing; \returns the rows removed */
static int prune_all(void)
{
	int n, total = 0, steps = 0;

	while ((n = eir_hist_prune(h, 8)) > 0 && steps < 1000) {
		OSMO_ASSERT(n <= 8);
		total += n;
		steps++;
	}
	OSMO_ASSERT(n == 0);
	printf("  pruned %d rows in steps of at most 8 (more than one step: %s)\n", total, steps > 1 ? "yes" : "no");
	return total;
}

static void test_prune(void)
{
	printf("%s: on day 33 what was last seen before day 3 is past the retention\n", __func__);
	fake_now = T0 + 33 * DAY;
	prune_all();
	show_counts();
	show_pairs(IMEI_B);
	printf(" the events left, newest first\n");
	OSMO_ASSERT(!eir_hist_events(h, 100, false, ev_print_cb, NULL));
	printf(" on day 40 everything is\n");
	fake_now = T0 + 40 * DAY;
	prune_all();
	show_counts();
	printf(" a pair checked again after the prune starts afresh\n");
	apply1(rec(fake_now, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme1"));
	show_pairs(IMEI_B);
	fake_now = T0;
}

static void test_prune_catch_up(void)
{
	struct eir_hist_rec b[1000];
	struct eir_hist_stats st0, st1;
	uint64_t pairs, events, imeis, imsis;
	char err[256];

	printf("%s: while steps find much to remove, each batch's step looks at twice as many rows\n", __func__);
	for (int k = 0; k < 8; k++) {
		for (int i = 0; i < 1000; i++)
			b[i] = rec(T0 + 50 * DAY, 35000020000000ULL + k * 1000 + i, NULL, NULL, EIR_WHITELISTED, "mme1");
		for (int i = 0; i < 1000; i++)
			OSMO_ASSERT(!eir_imsi_pack("001010000000030", b[i].imsi, NULL));
		for (int i = 0; i < 1000; i++)
			b[i].flags |= EIR_HIST_F_IMSI;
		fake_now = T0 + 50 * DAY;
		OSMO_ASSERT(!eir_hist_apply(h, b, 1000, NULL, NULL, err, sizeof(err)));
	}
	OSMO_ASSERT(!eir_hist_counts(h, &pairs, &events, &imeis, &imsis));
	printf("  8000 pairs of day 50 (%llu pairs in all); on day 90 they are all past the retention\n",
	       (unsigned long long)pairs);
	fake_now = T0 + 90 * DAY;
	for (int n = 1; n <= 7; n++) {
		struct eir_hist_rec r = rec(fake_now, IMEI_B, "001010000000001", NULL, EIR_WHITELISTED, "mme1");

		eir_hist_stats_get(h, &st0);
		apply1(r);
		eir_hist_stats_get(h, &st1);
		printf("  batch %d: %llu rows removed\n", n, (unsigned long long)(st1.pruned - st0.pruned));
	}
	while (eir_hist_prune(h, 8192) > 0)
		;
	show_counts();
	fake_now = T0;
}

static unsigned loop_events;
static void loop_cb(void *data, const struct eir_hist_event *ev, const char *err)
{
	if (ev)
		loop_events++;
	else
		printf("  writer error: %s\n", err);
}

static bool push_black(struct eir_hist_writer *w, uint64_t imei)
{
	struct eir_hist_rec r = { .t = T0, .imei = imei, .iface = EIR_IFACE_S13, .verdict = EIR_BLACKLISTED };

	return eir_hist_writer_push(w, &r) == EIR_HIST_QUEUED;
}

static void test_queue_full(void)
{
	struct eir_hist_cfg c = cfg;
	struct eir_hist_writer *w;
	struct eir_hist_stats st0, st1;
	unsigned ok = 0;

	printf("%s: a full queue drops and counts, never waits\n", __func__);
	c.queue_len = 16;
	eir_hist_stats_get(h, &st0);
	w = eir_hist_writer_alloc(ctx, h, &c, loop_cb, NULL);
	OSMO_ASSERT(w);
	/* no thread yet: nothing drains the ring */
	for (int i = 0; i < 20; i++)
		ok += push_black(w, 35000006000000ULL + i);
	printf("  pushed 20: %u queued, %llu dropped, %u waiting\n", ok, (unsigned long long)eir_hist_writer_dropped(w),
	       eir_hist_writer_fill(w));
	printf("  drained without the thread: %u\n", eir_hist_writer_drain(w));
	eir_hist_writer_stop(w);
	printf("  %u sightings handed back to the loop\n", loop_events);
	loop_events = 0;
	eir_hist_stats_get(h, &st1);
	printf("  committed %llu records\n", (unsigned long long)(st1.records - st0.records));

	printf(" with the thread: every record pushed is committed by the stop, the events handed back\n");
	c.queue_len = 4096;
	w = eir_hist_writer_alloc(ctx, h, &c, loop_cb, NULL);
	OSMO_ASSERT(w && !eir_hist_writer_start(w));
	ok = 0;
	for (int i = 0; i < 1000; i++)
		ok += push_black(w, 35000005000000ULL + i);
	eir_hist_writer_stop(w);
	eir_hist_stats_get(h, &st0);
	printf("  pushed %u, committed %llu, %u sightings handed back to the loop\n", ok,
	       (unsigned long long)(st0.records - st1.records), loop_events);
}

static const char *push_str(struct eir_hist_writer *w, struct eir_hist_rec r)
{
	static const char *const s[] = { [EIR_HIST_QUEUED] = "queued", [EIR_HIST_COALESCED] = "coalesced",
					 [EIR_HIST_DROPPED] = "dropped" };

	return s[eir_hist_writer_push(w, &r)];
}

static void test_repeat_filter(void)
{
	struct eir_hist_cfg c = cfg;
	struct eir_hist_writer *w;
	struct eir_hist_rec r0 = rec(T0, IMEI_C + 20, "001010000000020", NULL, EIR_WHITELISTED, "mme1"), r;

	printf("%s: a repeat within coalesce-seconds is not queued; anything the row keeps that changed is\n",
	       __func__);
	c.coalesce_sec = 60;
	c.queue_len = 64;
	w = eir_hist_writer_alloc(ctx, h, &c, loop_cb, NULL);
	OSMO_ASSERT(w);
	printf("  first: %s\n", push_str(w, r0));
	r = r0;
	r.t += 30;
	printf("  the same 30 s later: %s\n", push_str(w, r));
	/* each key's window is 45 to 60 s (coalesce-seconds less up to a quarter, from its hash) */
	r.t = T0 + 45;
	printf("  the same 45 s later: %s\n", push_str(w, r));
	r.t = T0 + 61;
	printf("  the same 61 s later: %s (and it starts a new window)\n", push_str(w, r));
	r.t = T0 + 90;
	printf("  the same 90 s later: %s\n", push_str(w, r));
	r.verdict = EIR_BLACKLISTED;
	printf("  another verdict: %s\n", push_str(w, r));
	r = r0;
	r.t = T0 + 91;
	printf("  the first verdict again: %s\n", push_str(w, r));
	r.sv = 7;
	printf("  another software version: %s\n", push_str(w, r));
	osmo_strlcpy(r.node, "mme2", sizeof(r.node));
	printf("  from another node: %s\n", push_str(w, r));
	r = rec(T0 + 92, IMEI_C + 20, "001010000000020", "4915112345678", EIR_WHITELISTED, "mme2");
	r.sv = 7;
	printf("  with an MSISDN: %s\n", push_str(w, r));
	r.t = T0 + 93;
	printf("  again: %s\n", push_str(w, r));

	printf(" SIM changes are never coalesced\n");
	r = rec(T0 + 100, IMEI_C + 20, "001010000000021", NULL, EIR_WHITELISTED, "mme2");
	printf("  a new SIM in the handset: %s\n", push_str(w, r));
	r = rec(T0 + 101, IMEI_C + 20, "001010000000020", "4915112345678", EIR_WHITELISTED, "mme2");
	r.sv = 7;
	printf("  the old SIM back, within the window of its last record: %s\n", push_str(w, r));
	r = rec(T0 + 102, IMEI_C + 21, "001010000000020", NULL, EIR_WHITELISTED, "mme2");
	printf("  that SIM in another handset: %s\n", push_str(w, r));
	r = rec(T0 + 103, IMEI_C + 20, "001010000000020", "4915112345678", EIR_WHITELISTED, "mme2");
	r.sv = 7;
	printf("  and back in the first: %s\n", push_str(w, r));

	printf(" a new day is a new row's day\n");
	r = rec(T0 - 3600 + DAY - 10, IMEI_C + 22, "001010000000022", NULL, EIR_WHITELISTED, "mme1");
	printf("  10 s before midnight: %s\n", push_str(w, r));
	r.t = T0 - 3600 + DAY + 10;
	printf("  10 s after: %s\n", push_str(w, r));

	printf(" a record dropped at a full ring is not taken for queued\n");
	for (int i = 0; eir_hist_writer_fill(w) < 64; i++)
		push_black(w, 35000007000000ULL + i);
	r = rec(T0 + 200, IMEI_C + 23, "001010000000023", NULL, EIR_WHITELISTED, "mme1");
	printf("  at a full ring: %s\n", push_str(w, r));
	eir_hist_writer_drain(w);
	r.t++;
	printf("  its repeat once there is room: %s\n", push_str(w, r));

	printf(" coalesce-seconds 0: every check queued\n");
	c.coalesce_sec = 0;
	eir_hist_writer_set_cfg(w, &c);
	r.t++;
	printf("  the repeat: %s\n", push_str(w, r));
	eir_hist_writer_stop(w);
	loop_events = 0;
}

/* Store a sighting as the first layout kept it (136 bytes: the record without its applied time, then kind, other,
 * n), with an id above the others, beside the store (closed and opened again around it). */
static void forge_event_v1(void)
{
	struct eir_hist_rec r = rec(T0 + 9 * DAY + 70, 35000010000004ULL, "001040000000004", NULL, EIR_BLACKLISTED,
				    "mme9");
	uint8_t v1[136] = { 0 }, key[8];
	uint64_t id = 900000;
	MDB_val k = { .mv_size = 8, .mv_data = key }, v = { .mv_size = sizeof(v1), .mv_data = v1 };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi ev, sight;

	r.applied = T0;		/* not in the first layout: lost */
	memcpy(v1, &id, 8);
	memcpy(v1 + 8, &r, 112);
	v1[120] = EIR_HIST_EV_SIGHTING;
	for (int i = 0; i < 8; i++)
		key[i] = (uint8_t)(id >> (56 - 8 * i));
	eir_hist_close(h);
	OSMO_ASSERT(mdb_env_create(&env) == 0);
	mdb_env_set_maxdbs(env, 16);
	OSMO_ASSERT(mdb_env_open(env, dir, 0, 0640) == 0);
	OSMO_ASSERT(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	OSMO_ASSERT(mdb_dbi_open(txn, "event", 0, &ev) == 0 && mdb_dbi_open(txn, "sight", 0, &sight) == 0);
	OSMO_ASSERT(mdb_put(txn, ev, &k, &v, 0) == 0);
	v.mv_size = 0;
	OSMO_ASSERT(mdb_put(txn, sight, &k, &v, 0) == 0);
	/* the store's next id, as the writer of that event would have left it (host order, as the store keeps it) */
	id++;
	k = (MDB_val){ .mv_size = 7, .mv_data = "next_id" };
	v = (MDB_val){ .mv_size = 8, .mv_data = &id };
	OSMO_ASSERT(mdb_dbi_open(txn, "meta", 0, &ev) == 0 && mdb_put(txn, ev, &k, &v, 0) == 0);
	OSMO_ASSERT(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
	hist_open();
}

/* The sighting carries the time from the deciding entry's apply to the check (the network-side time-to-block): the
 * record's time minus the entry's applied time, both set here like the clock */
static void test_time_to_block(void)
{
	const time_t s = T0 + 9 * DAY;
	struct eir_hist_rec r;

	printf("%s: a sighting says how long after its entry was applied it came\n", __func__);
	r = rec(s + 42, 35000010000001ULL, "001040000000001", NULL, EIR_BLACKLISTED, "mme1");
	r.applied = s;
	apply1(r);
	printf(" an entry applied before schema 4 (unknown): unknown\n");
	r = rec(s + 50, 35000010000002ULL, "001040000000002", NULL, EIR_BLACKLISTED, "mme1");
	apply1(r);
	printf(" an entry applied after the check (a clock set back): unknown, never negative\n");
	r = rec(s + 60, 35000010000003ULL, "001040000000003", NULL, EIR_BLACKLISTED, "mme1");
	r.applied = s + 61;
	apply1(r);
	printf(" read back from the store, the same\n");
	OSMO_ASSERT(!eir_hist_events(h, 3, true, ev_print_cb, NULL));
	forge_event_v1();
	printf(" an event stored in the first layout (before the applied time) reads back, applied unknown\n");
	OSMO_ASSERT(!eir_hist_events(h, 1, true, ev_print_cb, NULL));
}

/* A clone suspect of the other kind: one IMEI checked by two nodes of one interface within clone-two-nodes-seconds */
static void test_two_nodes(void)
{
	const time_t c = T0 + 10 * DAY;
	struct eir_hist_rec r;

	printf("%s: off by default: two MMEs in the same second, no event\n", __func__);
	apply1(rec(c, 35000011000001ULL, "001050000000001", NULL, EIR_WHITELISTED, "mme1"));
	apply1(rec(c, 35000011000001ULL, "001050000000001", NULL, EIR_WHITELISTED, "mme2"));
	cfg.clone_nodes_sec = 1;
	eir_hist_set_cfg(h, &cfg);
	printf(" clone-two-nodes-seconds 1: two MMEs 1 s apart, one event naming the other node\n");
	apply1(rec(c + 10, 35000011000002ULL, "001050000000002", NULL, EIR_WHITELISTED, "mme1"));
	apply1(rec(c + 11, 35000011000002ULL, "001050000000002", NULL, EIR_WHITELISTED, "mme2"));
	printf(" and back at once: no second event within the hour\n");
	apply1(rec(c + 11, 35000011000002ULL, "001050000000002", NULL, EIR_WHITELISTED, "mme1"));
	printf(" after the hour, again\n");
	apply1(rec(c + 11 + 3600, 35000011000002ULL, "001050000000002", NULL, EIR_WHITELISTED, "mme2"));
	apply1(rec(c + 11 + 3600, 35000011000002ULL, "001050000000002", NULL, EIR_WHITELISTED, "mme1"));
	printf(" 2 s apart: beyond the interval, none\n");
	apply1(rec(c + 20, 35000011000003ULL, "001050000000003", NULL, EIR_WHITELISTED, "mme1"));
	apply1(rec(c + 22, 35000011000003ULL, "001050000000003", NULL, EIR_WHITELISTED, "mme2"));
	printf(" the same node again at once: none\n");
	apply1(rec(c + 30, 35000011000004ULL, "001050000000004", NULL, EIR_WHITELISTED, "mme1"));
	apply1(rec(c + 30, 35000011000004ULL, "001050000000004", NULL, EIR_WHITELISTED, "mme1"));
	printf(" an MME and an AMF at once (S13 and N5g-eir): none, each interface is looked at apart\n");
	apply1(rec(c + 40, 35000011000005ULL, "001050000000005", NULL, EIR_WHITELISTED, "mme1"));
	r = rec(c + 40, 35000011000005ULL, "001050000000005", NULL, EIR_WHITELISTED, "amf1");
	r.iface = EIR_IFACE_N5G_EIR;
	apply1(r);
	printf(" one peer address on two connections (ports): one node, none; another address: an event\n");
	r = rec(c + 50, 35000011000006ULL, "001050000000006", NULL, EIR_WHITELISTED, "192.0.2.1:40000");
	r.iface = EIR_IFACE_N5G_EIR;
	apply1(r);
	osmo_strlcpy(r.node, "192.0.2.1:40001", sizeof(r.node));
	apply1(r);
	osmo_strlcpy(r.node, "192.0.2.2:40001", sizeof(r.node));
	apply1(r);
	printf(" a late record (older than the last) from another node within the interval: an event\n");
	apply1(rec(c + 61, 35000011000007ULL, "001050000000007", NULL, EIR_WHITELISTED, "mme1"));
	apply1(rec(c + 60, 35000011000007ULL, "001050000000007", NULL, EIR_WHITELISTED, "mme2"));
	cfg.clone_nodes_sec = 0;
	eir_hist_set_cfg(h, &cfg);
}

static void test_map_full(const char *base)
{
	struct eir_hist_cfg c = cfg;
	struct eir_hist *small, *keep = h;
	struct eir_hist_rec b[500];
	struct eir_hist_stats st;
	uint64_t pairs, events, imeis, imsis, pairs_before = 0;
	char d[64], err[256];
	int rc = 0, batches = 0;

	printf("%s: a full map loses the batch as a whole, counted; the batches before it stay\n", __func__);
	snprintf(d, sizeof(d), "%s/small", base);
	c.map_size_mib = 1;
	c.full = true;
	OSMO_ASSERT(!eir_hist_open(ctx, &small, d, &c, err, sizeof(err)));
	h = small;
	for (unsigned n = 0; !rc && batches < 1000; batches++) {
		for (int i = 0; i < 500; i++, n++)
			b[i] = rec(T0 + n, 35000010000000ULL + n, "001010000000001", NULL, EIR_BLACKLISTED, "mme1");
		OSMO_ASSERT(!eir_hist_counts(h, &pairs_before, &events, &imeis, &imsis));
		rc = eir_hist_apply(h, b, 500, NULL, NULL, err, sizeof(err));
	}
	eir_hist_stats_get(h, &st);
	OSMO_ASSERT(!eir_hist_counts(h, &pairs, &events, &imeis, &imsis));
	printf("  a batch failed (%s, more than one batch fitted: %s): %llu records lost, %llu committed; "
	       "rows unchanged by it: %s; the error: %s\n", rc == -ENOSPC ? "-ENOSPC" : "?",
	       batches > 1 ? "yes" : "no", (unsigned long long)st.failed, (unsigned long long)st.records,
	       pairs == pairs_before ? "yes" : "no", err);
	eir_hist_close(small);
	h = keep;
}

int main(void)
{
	char base[32] = "/tmp/history_test.XXXXXX", cmd[64];

	ctx = talloc_named_const(NULL, 0, "history_test");
	OSMO_ASSERT(mkdtemp(base));
	/* the store creates its directory (and the missing parents) */
	snprintf(dir, sizeof(dir), "%s/sub/history", base);
	cfg.full = true;
	hist_open();

	test_coalesce();
	test_days();
	test_sightings();
	test_sim_changes();
	test_clone();
	test_full_off();
	test_read_events();
	test_reopen();
	test_events_after();
	test_json();
	test_prune();
	test_prune_catch_up();
	test_queue_full();
	test_repeat_filter();
	test_time_to_block();
	test_two_nodes();
	test_map_full(base);

	eir_hist_close(h);
	test_open_ro(base);
	talloc_free(ctx);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", base);
	OSMO_ASSERT(!system(cmd));
	printf("done\n");
	return 0;
}
