/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The operator's commands on the VTY (ENABLE node): change the local lists, ask why an IMEI gets its answer,
 * page through the lists, the store summary and the audit trail. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/eir.h>
#include <osmocom/eir/imei.h>
#include "lists.h"

#define EQUIP_STR "The operator's equipment lists\n"
#define ADD_STR "Add an entry to the local lists, or change the one there\n"
#define DEL_STR "Remove an entry from the local lists\n"
/* a word, not (white|grey|black): a mistyped list then gets a message naming the lists, not "Unknown command" */
#define LIST_ARGS "LIST"
#define LIST_HELP "white, grey or black\n"
#define REASON_HELP "Why (free text, stored once and shown with every verdict it decides)\n"
#define PAGE_DEFAULT 20

/* argv: key arguments (1 or 2), then for an add the list and the reason words */
static int do_edit(struct vty *vty, bool del, enum eir_edit_kind kind, int nkey, int argc, const char **argv)
{
	struct eir_edit ed = { .del = del };
	struct eir_audit au;
	char err[512], who[96], *reason = NULL;
	int rc;

	if (eir_edit_key(&ed, kind, argv[0], nkey > 1 ? argv[1] : NULL, err, sizeof(err))) {
		vty_out(vty, "%% %s%s", err, VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (!del) {
		rc = eir_list_parse(argv[nkey]);
		if (rc < 0 || rc == EIR_LIST_NONE) {
			vty_out(vty, "%% unknown list '%s': white, grey or black%s", argv[nkey], VTY_NEWLINE);
			return CMD_WARNING;
		}
		ed.e.list = rc;
		if (argc > nkey + 1)
			reason = argv_concat(argv, argc, nkey + 1);
		ed.reason = reason;
	}
	eir_lists_who(who, sizeof(who), "vty", vty->fd);
	ed.who = who;
	rc = eir_lists_edit(&ed, false, &au, err, sizeof(err));
	talloc_free(reason);
	if (rc) {
		vty_out(vty, "%% %s%s", err, VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "%s: %s -> %s%s", au.what, au.before, au.after, VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(equip_add_imei, equip_add_imei_cmd, "equipment add imei IMEI " LIST_ARGS " .REASON",
      EQUIP_STR ADD_STR "One IMEI\n" "14 digits, or 15 with the check digit, or an IMEISV (16)\n" LIST_HELP
      REASON_HELP)
{
	return do_edit(vty, false, EIR_EDIT_IMEI, 1, argc, argv);
}
ALIAS(equip_add_imei, equip_add_imei_noreason_cmd, "equipment add imei IMEI " LIST_ARGS,
      EQUIP_STR ADD_STR "One IMEI\n" "14 digits, or 15 with the check digit, or an IMEISV (16)\n" LIST_HELP)

DEFUN(equip_add_range, equip_add_range_cmd, "equipment add range FIRST LAST " LIST_ARGS " .REASON",
      EQUIP_STR ADD_STR "A range of IMEIs (never overlapping another)\n" "First IMEI\n" "Last IMEI (inclusive)\n"
      LIST_HELP REASON_HELP)
{
	return do_edit(vty, false, EIR_EDIT_RANGE, 2, argc, argv);
}
ALIAS(equip_add_range, equip_add_range_noreason_cmd, "equipment add range FIRST LAST " LIST_ARGS,
      EQUIP_STR ADD_STR "A range of IMEIs (never overlapping another)\n" "First IMEI\n" "Last IMEI (inclusive)\n"
      LIST_HELP)

DEFUN(equip_add_tac, equip_add_tac_cmd, "equipment add tac TAC " LIST_ARGS " .REASON",
      EQUIP_STR ADD_STR "Every IMEI of a Type Allocation Code (the range TAC000000..TAC999999)\n" "8 digits\n"
      LIST_HELP REASON_HELP)
{
	return do_edit(vty, false, EIR_EDIT_TAC, 1, argc, argv);
}
ALIAS(equip_add_tac, equip_add_tac_noreason_cmd, "equipment add tac TAC " LIST_ARGS,
      EQUIP_STR ADD_STR "Every IMEI of a Type Allocation Code (the range TAC000000..TAC999999)\n" "8 digits\n"
      LIST_HELP)

DEFUN(equip_add_pair, equip_add_pair_cmd, "equipment add pair IMEI IMSI " LIST_ARGS " .REASON",
      EQUIP_STR ADD_STR "An (IMEI, IMSI) exception: this list for this subscriber only\n" "IMEI\n" "IMSI\n"
      LIST_HELP REASON_HELP)
{
	return do_edit(vty, false, EIR_EDIT_PAIR, 2, argc, argv);
}
ALIAS(equip_add_pair, equip_add_pair_noreason_cmd, "equipment add pair IMEI IMSI " LIST_ARGS,
      EQUIP_STR ADD_STR "An (IMEI, IMSI) exception: this list for this subscriber only\n" "IMEI\n" "IMSI\n"
      LIST_HELP)

DEFUN(equip_del_imei, equip_del_imei_cmd, "equipment del imei IMEI", EQUIP_STR DEL_STR "One IMEI\n" "IMEI\n")
{
	return do_edit(vty, true, EIR_EDIT_IMEI, 1, argc, argv);
}

DEFUN(equip_del_range, equip_del_range_cmd, "equipment del range FIRST",
      EQUIP_STR DEL_STR "A range\n" "Its first IMEI\n")
{
	return do_edit(vty, true, EIR_EDIT_RANGE, 1, argc, argv);
}

DEFUN(equip_del_tac, equip_del_tac_cmd, "equipment del tac TAC", EQUIP_STR DEL_STR "A whole TAC\n" "8 digits\n")
{
	return do_edit(vty, true, EIR_EDIT_TAC, 1, argc, argv);
}

DEFUN(equip_del_pair, equip_del_pair_cmd, "equipment del pair IMEI IMSI",
      EQUIP_STR DEL_STR "An (IMEI, IMSI) exception\n" "IMEI\n" "IMSI\n")
{
	return do_edit(vty, true, EIR_EDIT_PAIR, 2, argc, argv);
}

/* --- why --- */

static int show_why(struct vty *vty, const char *imei_s, const char *imsi_s)
{
	struct eir_result res;
	struct eir_imei im;
	uint8_t imsi[8];
	const char *why;
	char buf[768];
	unsigned i;
	int rc;

	if (eir_imei_parse(imei_s, &im, &why)) {
		vty_out(vty, "%% invalid IMEI '%s': %s%s", imei_s, why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (imsi_s && eir_imsi_pack(imsi_s, imsi, &why)) {
		vty_out(vty, "%% invalid IMSI '%s': %s%s", imsi_s, why, VTY_NEWLINE);
		return CMD_WARNING;
	}
	eir_lists_ctr_inc(EIR_LISTS_CTR_QUERY);
	rc = eir_check(g_eir->db, &g_eir->policy, im.key, im.sv, imsi_s ? imsi : NULL, EIR_CHECK_ALL, &res);
	if (rc) {
		vty_out(vty, "%% cannot read the store: %s%s", eir_db_errstr(g_eir->db), VTY_NEWLINE);
		return CMD_WARNING;
	}
	vty_out(vty, "IMEI %s%s%s: %s%s", eir_imei_str(buf, sizeof(buf), im.key), imsi_s ? " IMSI " : "",
		imsi_s ? imsi_s : "", eir_verdict_name(res.verdict), VTY_NEWLINE);
	if (im.status == EIR_IMEI_LUHN_MISMATCH)
		vty_out(vty, "  note: check digit %c is wrong, expected %c%s", im.check_digit, im.luhn, VTY_NEWLINE);
	vty_out(vty, "  decided by: %s%s", eir_match_applied_str(buf, sizeof(buf), g_eir->db, &res.why), VTY_NEWLINE);
	for (i = 1; i < res.n_matches; i++)
		vty_out(vty, "  also matched: %s%s",
			eir_match_applied_str(buf, sizeof(buf), g_eir->db, &res.matches[i]),
			VTY_NEWLINE);
	return CMD_SUCCESS;
}

DEFUN(show_equip_imei, show_equip_imei_cmd, "show equipment imei IMEI",
      SHOW_STR EQUIP_STR "The verdict for an IMEI, the entry that decided it and every other that matched\n"
      "IMEI (14 or 15 digits) or IMEISV (16)\n")
{
	return show_why(vty, argv[0], NULL);
}

DEFUN(show_equip_imei_imsi, show_equip_imei_imsi_cmd, "show equipment imei IMEI imsi IMSI",
      SHOW_STR EQUIP_STR "The verdict for an IMEI, the entry that decided it and every other that matched\n"
      "IMEI (14 or 15 digits) or IMEISV (16)\n" "As asked for this subscriber (pair exceptions)\n" "IMSI\n")
{
	return show_why(vty, argv[0], argv[1]);
}

/* --- summary --- */

static void age_str(char *buf, size_t len, int64_t s)
{
	if (s < 0)
		snprintf(buf, len, "in the future: check the clock");
	else if (s < 120)
		snprintf(buf, len, "%llds ago", (long long)s);
	else if (s < 7200)
		snprintf(buf, len, "%lldm ago", (long long)(s / 60));
	else if (s < 2 * 86400)
		snprintf(buf, len, "%lldh %lldm ago", (long long)(s / 3600), (long long)(s % 3600 / 60));
	else
		snprintf(buf, len, "%lld days ago", (long long)(s / 86400));
}

DEFUN(show_equip_summary, show_equip_summary_cmd, "show equipment summary",
      SHOW_STR EQUIP_STR "What the store holds: counts per list and source, size, the national feed's last run\n")
{
	struct eir_summary s;
	const struct eir_db_stats *l, *n;
	char when[32], age[48];
	int i;

	if (eir_lists_summary(&s)) {
		vty_out(vty, "%% cannot read the store: %s%s", eir_db_errstr(g_eir->db), VTY_NEWLINE);
		return CMD_WARNING;
	}
	l = &s.st[EIR_DB_LOCAL];
	n = &s.st[EIR_DB_NATIONAL];
	vty_out(vty, "Store %s, schema %u%s", g_eir->db_dir, l->schema, VTY_NEWLINE);
	vty_out(vty, " local (operator's lists):%s", VTY_NEWLINE);
	vty_out(vty, "  IMEI entries %llu: white %llu, grey %llu, black %llu%s",
		(unsigned long long)(l->imei_lists[EIR_LIST_WHITE] + l->imei_lists[EIR_LIST_GREY] +
				     l->imei_lists[EIR_LIST_BLACK]),
		(unsigned long long)l->imei_lists[EIR_LIST_WHITE], (unsigned long long)l->imei_lists[EIR_LIST_GREY],
		(unsigned long long)l->imei_lists[EIR_LIST_BLACK], VTY_NEWLINE);
	vty_out(vty, "  ranges and TACs %llu, (IMEI, IMSI) pairs %llu, reasons %llu%s",
		(unsigned long long)l->t[EIR_T_RANGE].entries, (unsigned long long)l->t[EIR_T_PAIR].entries,
		(unsigned long long)l->t[EIR_T_REASON].entries, VTY_NEWLINE);
	vty_out(vty, " national (feed):%s", VTY_NEWLINE);
	vty_out(vty, "  blacklist %llu IMEIs, notifications %llu rows, exceptions %llu rows, reasons %llu%s",
		(unsigned long long)n->imei_lists[EIR_LIST_BLACK], (unsigned long long)n->t[EIR_T_NOTIF].entries,
		(unsigned long long)n->t[EIR_T_EXC].entries, (unsigned long long)n->t[EIR_T_REASON].entries,
		VTY_NEWLINE);
	if (s.feed_synced) {
		time_t t = (time_t)s.feed.applied_at;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		age_str(age, sizeof(age), s.feed_age);
		vty_out(vty, "  feed %s: run %lld of %s, applied %s (%s)%s", s.feed.name, (long long)s.feed.run_id,
			s.feed.run_date, when, age, VTY_NEWLINE);
	} else {
		vty_out(vty, "  feed: never synced%s", VTY_NEWLINE);
	}
	if (s.sync_known) {
		time_t t = (time_t)s.sync.attempt_at;
		struct tm tm;

		gmtime_r(&t, &tm);
		strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", &tm);
		age_str(age, sizeof(age), (int64_t)time(NULL) - s.sync.attempt_at);
		vty_out(vty, "  last sync attempt: %s (%s), feed %s, %s (exit %d): %s%s", when, age, s.sync.feed,
			s.sync.exit_code ? "FAILED" : "ok", s.sync.exit_code, s.sync.result, VTY_NEWLINE);
		if (s.sync.limit_refused)
			vty_out(vty, "  syncs refused by the safety limit (too many removals): %llu%s",
				(unsigned long long)s.sync.limit_refused, VTY_NEWLINE);
	} else {
		vty_out(vty, "  last sync attempt: none recorded%s", VTY_NEWLINE);
	}
	vty_out(vty, " storage:%s", VTY_NEWLINE);
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		const struct eir_db_stats *st = &s.st[i];

		vty_out(vty, "  %-8s file %llu KiB, map %llu of %llu KiB used (%llu %%), %u readers%s",
			get_value_string(eir_db_part_names, i), (unsigned long long)(st->file_size / 1024),
			(unsigned long long)(st->map_used / 1024), (unsigned long long)(st->map_size / 1024),
			(unsigned long long)(st->map_size ? st->map_used * 100 / st->map_size : 0), st->readers,
			VTY_NEWLINE);
	}
	for (i = 0; i < _EIR_DB_PART_COUNT; i++) {
		struct eir_db_filter_info fi;

		eir_db_filter_info(g_eir->db, i, &fi);
		if (!fi.bytes)
			vty_out(vty, "  %-8s lookup filter: %s%s", get_value_string(eir_db_part_names, i),
				g_eir->lookup_filter_off ? "off" : "none yet", VTY_NEWLINE);
		else
			vty_out(vty, "  %-8s lookup filter: %llu keys + %llu added, %llu KiB, %s, %llu lookups "
				"answered%s", get_value_string(eir_db_part_names, i), (unsigned long long)fi.keys,
				(unsigned long long)fi.added, (unsigned long long)(fi.bytes / 1024),
				fi.current ? "trusted" : "not trusted yet (another process wrote)",
				(unsigned long long)fi.skips, VTY_NEWLINE);
	}
	vty_out(vty, " audit trail: %llu records%s", (unsigned long long)s.audit_records, VTY_NEWLINE);
	return CMD_SUCCESS;
}

/* --- paging through the lists --- */

struct page {
	struct vty *vty;
	enum eir_db_part part;
	enum eir_db_table t;
	unsigned left;
	bool more;
	uint64_t next;
	bool shown;		/* a row was shown; last: its IMEI */
	uint64_t last;
};

static int page_cb(const struct eir_entry *e, void *arg)
{
	struct page *pg = arg;
	struct vty *vty = pg->vty;	/* VTY_NEWLINE needs it */
	char a[16], b[16], imsi[20], msisdn[20], reason[512], day[16], blk[16];

	/* IMEI records that only carry pair flags are not entries */
	if (pg->t == EIR_T_IMEI && e->list == EIR_LIST_NONE)
		return 0;
	/* a page ends between IMEIs, never inside one IMEI's rows (pairs, or notification and exception rows under
	 * several IMSIs and MSISDNs): the next page starts 'from' an IMEI and would show the same rows again */
	if (!pg->left && !(pg->shown && e->imei == pg->last)) {
		pg->more = true;
		pg->next = e->imei;
		return 1;
	}
	if (pg->left)
		pg->left--;
	pg->shown = true;
	pg->last = e->imei;
	eir_imei_str(a, sizeof(a), e->imei);
	eir_db_reason(g_eir->db, pg->part, e->reason_id, reason, sizeof(reason));
	eir_day_str(day, sizeof(day), e->listed);
	eir_day_str(blk, sizeof(blk), e->block);
	switch (pg->t) {
	case EIR_T_RANGE:
		vty_out(vty, " %s..%s %-5s %-10s %s%s", a, eir_imei_str(b, sizeof(b), e->last),
			eir_list_name(e->list), day, reason, VTY_NEWLINE);
		break;
	case EIR_T_PAIR:
		vty_out(vty, " %s %-15s %-5s %-10s %s%s", a, eir_imsi_unpack(imsi, sizeof(imsi), e->imsi),
			eir_list_name(e->list), day, reason, VTY_NEWLINE);
		break;
	case EIR_T_NOTIF:
	case EIR_T_EXC:
		vty_out(vty, " %s %-15s msisdn %-15s block %-10s%s %s%s", a,
			eir_imsi_unpack(imsi, sizeof(imsi), e->imsi),
			eir_imsi_unpack(msisdn, sizeof(msisdn), e->msisdn),
			e->block ? blk : "-", e->amnesty ? " amnesty" : "", reason, VTY_NEWLINE);
		break;
	default:
		vty_out(vty, " %s %-5s %-10s %s%s%s%s", a, eir_list_name(e->list), day, e->block ? "block " : "",
			e->block ? blk : "", e->block ? " " : "", reason);
		vty_out(vty, "%s", VTY_NEWLINE);
		break;
	}
	return 0;
}

static const struct value_string table_words[] = {
	{ EIR_T_IMEI, "imei" },
	{ EIR_T_RANGE, "range" },
	{ EIR_T_PAIR, "pair" },
	{ EIR_T_NOTIF, "notification" },
	{ EIR_T_EXC, "exception" },
	{ 0, NULL }
};

static int show_page(struct vty *vty, const char *part_s, const char *table_s, const char *from_s, const char *count_s)
{
	struct page pg = { .vty = vty, .left = count_s ? atoi(count_s) : PAGE_DEFAULT };
	struct eir_entry from = { 0 };
	struct eir_imei im;
	const char *why;
	char a[16];
	int rc;

	pg.part = !strcmp(part_s, "local") ? EIR_DB_LOCAL : EIR_DB_NATIONAL;
	pg.t = get_string_value(table_words, table_s);
	if ((pg.part == EIR_DB_LOCAL && (pg.t == EIR_T_NOTIF || pg.t == EIR_T_EXC)) ||
	    (pg.part == EIR_DB_NATIONAL && (pg.t == EIR_T_RANGE || pg.t == EIR_T_PAIR))) {
		vty_out(vty, "%% the %s lists have no %s table: local has imei, range, pair; national has imei, "
			"notification, exception%s", part_s, table_s, VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (from_s) {
		/* a prefix is a search: 'from 35693803' starts at the first IMEI of that TAC */
		size_t len = strlen(from_s);
		char padded[16];

		if (len < EIR_IMEI_KEY_DIGITS && len && strspn(from_s, "0123456789") == len) {
			snprintf(padded, sizeof(padded), "%s%0*d", from_s, (int)(EIR_IMEI_KEY_DIGITS - len), 0);
			from_s = padded;
		}
		if (eir_imei_parse(from_s, &im, &why)) {
			vty_out(vty, "%% invalid IMEI '%s': %s%s", from_s, why, VTY_NEWLINE);
			return CMD_WARNING;
		}
		from.imei = im.key;
	}
	rc = eir_db_iter(g_eir->db, pg.part, pg.t, &from, page_cb, &pg);
	if (rc < 0) {
		vty_out(vty, "%% cannot read the store: %s%s", eir_db_errstr(g_eir->db), VTY_NEWLINE);
		return CMD_WARNING;
	}
	if (pg.more)
		vty_out(vty, "%% more: show equipment %s %s from %s%s%s%s", part_s, table_s,
			eir_imei_str(a, sizeof(a), pg.next), count_s ? " count " : "", count_s ? count_s : "",
			VTY_NEWLINE);
	else
		vty_out(vty, "%% end of the %s %s list%s", part_s, table_s, VTY_NEWLINE);
	return CMD_SUCCESS;
}

#define PAGE_CMD "show equipment (local|national) (imei|range|pair|notification|exception)"
#define PAGE_HELP SHOW_STR EQUIP_STR "The operator's lists\n" "The national feed's lists\n" \
	"IMEI entries (national: the blacklist)\n" "Ranges and TACs (local)\n" "(IMEI, IMSI) pairs (local)\n" \
	"Notifications (national)\n" "Exceptions (national)\n"
#define FROM_HELP "Start at this IMEI, or at the first one with this prefix (e.g. a TAC)\n" "IMEI or prefix\n"
#define COUNT_HELP "How many to show (default 20)\n" "Entries\n"

DEFUN(show_equip_page, show_equip_page_cmd, PAGE_CMD, PAGE_HELP)
{
	return show_page(vty, argv[0], argv[1], NULL, NULL);
}

DEFUN(show_equip_page_from, show_equip_page_from_cmd, PAGE_CMD " from DIGITS", PAGE_HELP FROM_HELP)
{
	return show_page(vty, argv[0], argv[1], argv[2], NULL);
}

DEFUN(show_equip_page_count, show_equip_page_count_cmd, PAGE_CMD " count <1-1000>", PAGE_HELP COUNT_HELP)
{
	return show_page(vty, argv[0], argv[1], NULL, argv[2]);
}

DEFUN(show_equip_page_from_count, show_equip_page_from_count_cmd, PAGE_CMD " from DIGITS count <1-1000>",
      PAGE_HELP FROM_HELP COUNT_HELP)
{
	return show_page(vty, argv[0], argv[1], argv[2], argv[3]);
}

/* --- audit --- */

static int audit_cb(const struct eir_audit *a, void *arg)
{
	struct vty *vty = arg;
	char buf[1024];

	vty_out(vty, "%s%s", eir_audit_str(buf, sizeof(buf), a), VTY_NEWLINE);
	return 0;
}

static int show_audit(struct vty *vty, unsigned n)
{
	if (eir_db_audit_last(g_eir->db, n, audit_cb, vty) < 0) {
		vty_out(vty, "%% cannot read the audit trail: %s%s", eir_db_errstr(g_eir->db), VTY_NEWLINE);
		return CMD_WARNING;
	}
	return CMD_SUCCESS;
}

DEFUN(show_audit_default, show_audit_cmd, "show audit",
      SHOW_STR "The last 20 changes of the local lists: when, who, what, before and after\n")
{
	return show_audit(vty, PAGE_DEFAULT);
}

DEFUN(show_audit_last, show_audit_last_cmd, "show audit last <1-10000>",
      SHOW_STR "Changes of the local lists: when, who, what, before and after\n" "The last N, oldest first\n"
      "N\n")
{
	return show_audit(vty, atoi(argv[0]));
}

void eir_equipment_vty_init(void)
{
	install_element(ENABLE_NODE, &equip_add_imei_cmd);
	install_element(ENABLE_NODE, &equip_add_imei_noreason_cmd);
	install_element(ENABLE_NODE, &equip_add_range_cmd);
	install_element(ENABLE_NODE, &equip_add_range_noreason_cmd);
	install_element(ENABLE_NODE, &equip_add_tac_cmd);
	install_element(ENABLE_NODE, &equip_add_tac_noreason_cmd);
	install_element(ENABLE_NODE, &equip_add_pair_cmd);
	install_element(ENABLE_NODE, &equip_add_pair_noreason_cmd);
	install_element(ENABLE_NODE, &equip_del_imei_cmd);
	install_element(ENABLE_NODE, &equip_del_range_cmd);
	install_element(ENABLE_NODE, &equip_del_tac_cmd);
	install_element(ENABLE_NODE, &equip_del_pair_cmd);

	install_element_ve(&show_equip_imei_cmd);
	install_element_ve(&show_equip_imei_imsi_cmd);
	install_element_ve(&show_equip_summary_cmd);
	install_element_ve(&show_equip_page_cmd);
	install_element_ve(&show_equip_page_from_cmd);
	install_element_ve(&show_equip_page_count_cmd);
	install_element_ve(&show_equip_page_from_count_cmd);
	install_element_ve(&show_audit_cmd);
	install_element_ve(&show_audit_last_cmd);
}
