/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The store: CRUD of every table, pair flags, national rows keyed by (IMEI, IMSI, MSISDN), ranges at their
 * boundaries and overlapping, schema mismatch and upgrades (1, 2 and 3 forged; the table of upgrade steps; upgrades
 * that fill the map, grown or refused at the limit; a schema no step starts from), a full map (grow and redo; a
 * clear error at the limit, nothing half written). */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <lmdb.h>	/* only to forge older and newer stores below; the store's callers never need it */
#include <talloc.h>
#include <osmocom/core/bit32gen.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/imei.h>

static void *ctx;
static char dir[64];

#define RC(expr) do { int _rc = (expr); printf("%s -> %s\n", #expr, rcname(_rc)); } while (0)

static const char *rcname(int rc)
{
	static char buf[32];

	switch (rc) {
	case 0: return "0";
	case -ENOENT: return "-ENOENT";
	case -EEXIST: return "-EEXIST";
	case -EINVAL: return "-EINVAL";
	case -ENOSPC: return "-ENOSPC";
	case -EPROTO: return "-EPROTO";
	case -EBUSY: return "-EBUSY";
	case -EIO: return "-EIO";
	case -EROFS: return "-EROFS";
	}
	snprintf(buf, sizeof(buf), "%d", rc);
	return buf;
}

static uint64_t imei(const char *s)
{
	struct eir_imei im;

	OSMO_ASSERT(eir_imei_parse(s, &im, NULL) == 0);
	return im.key;
}

static struct eir_entry pair(const char *i, const char *imsi, enum eir_list l)
{
	struct eir_entry e = { .imei = imei(i), .list = l };

	OSMO_ASSERT(eir_imsi_pack(imsi, e.imsi, NULL) == 0);
	memset(e.msisdn, 0xff, 8);
	return e;
}

static void show(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, struct eir_entry e)
{
	char reason[64], im[16], imsi[20];
	int rc;

	eir_db_read_begin(db);
	rc = eir_db_get(db, part, t, &e);
	eir_db_read_end(db);
	printf("  get %s.%s %s", get_value_string(eir_db_part_names, part), get_value_string(eir_db_table_names, t),
	       eir_imei_str(im, sizeof(im), e.imei));
	if (t != EIR_T_IMEI)
		printf("/%s", eir_imsi_unpack(imsi, sizeof(imsi), e.imsi));
	if (rc) {
		printf(": %s\n", rcname(rc));
		return;
	}
	eir_db_reason(db, part, e.reason_id, reason, sizeof(reason));
	printf(": list=%s flags=0x%02x reason=\"%s\" listed=%u block=%u\n", eir_list_name(e.list), e.flags, reason,
	       e.listed, e.block);
}

static void range_at(struct eir_db *db, const char *s)
{
	struct eir_entry e;
	char a[16], b[16];
	int rc;

	eir_db_read_begin(db);
	rc = eir_db_range_find(db, imei(s), &e);
	eir_db_read_end(db);
	if (rc)
		printf("  range at %s: %s\n", s, rcname(rc));
	else
		printf("  range at %s: %s..%s %s\n", s, eir_imei_str(a, sizeof(a), e.imei),
		       eir_imei_str(b, sizeof(b), e.last), eir_list_name(e.list));
}

/* --- write callbacks --- */

struct op {
	enum eir_db_table t;
	struct eir_entry e;
	const char *reason;
	bool del;
	int rc;
};

static int do_op(struct eir_db_txn *txn, void *arg)
{
	struct op *op = arg;

	if (op->reason) {
		op->rc = eir_db_txn_reason(txn, op->reason, &op->e.reason_id);
		if (op->rc)
			return op->rc;
	}
	if (op->del)
		op->rc = eir_db_txn_del(txn, op->t, &op->e);
	else if (op->t == EIR_T_RANGE)
		op->rc = eir_db_txn_put_range(txn, &op->e);
	else
		op->rc = eir_db_txn_put(txn, op->t, &op->e);
	return op->rc;
}

static int put(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, struct eir_entry e, const char *reason)
{
	struct op op = { .t = t, .e = e, .reason = reason };

	return eir_db_write(db, part, do_op, &op);
}

static int del(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, struct eir_entry e)
{
	struct op op = { .t = t, .e = e, .del = true };

	return eir_db_write(db, part, do_op, &op);
}

static int range(struct eir_db *db, const char *first, const char *last, enum eir_list l)
{
	struct eir_entry e = { .imei = imei(first), .last = imei(last), .list = l };
	int rc = put(db, EIR_DB_LOCAL, EIR_T_RANGE, e, NULL);

	if (rc == -EEXIST || rc == -EINVAL)
		printf("  (%s)\n", eir_db_errstr(db));
	return rc;
}

static void test_crud(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { .create = true };
	struct eir_entry a = {
		.imei = imei("35693803564380"), .list = EIR_LIST_BLACK, .listed = 20000, .block = 20001
	};

	printf("\n== entries and pairs\n");
	RC(eir_db_open(ctx, &db, dir, &o));
	RC(put(db, EIR_DB_LOCAL, EIR_T_IMEI, a, "Reported stolen"));
	show(db, EIR_DB_LOCAL, EIR_T_IMEI, a);
	show(db, EIR_DB_NATIONAL, EIR_T_IMEI, a);
	printf("overwrite with another list and the same reason text (stored once):\n");
	a.list = EIR_LIST_GREY;
	RC(put(db, EIR_DB_LOCAL, EIR_T_IMEI, a, "Reported stolen"));
	show(db, EIR_DB_LOCAL, EIR_T_IMEI, a);
	printf("a pair sets the IMEI's pair flag; deleting the entry keeps a flags-only record:\n");
	RC(put(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000001", EIR_LIST_WHITE), "VIP"));
	RC(put(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000002", EIR_LIST_BLACK), NULL));
	show(db, EIR_DB_LOCAL, EIR_T_IMEI, a);
	show(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000001", 0));
	show(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000003", 0));
	RC(del(db, EIR_DB_LOCAL, EIR_T_IMEI, a));
	show(db, EIR_DB_LOCAL, EIR_T_IMEI, a);
	RC(del(db, EIR_DB_LOCAL, EIR_T_IMEI, a));
	RC(del(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000001", 0)));
	show(db, EIR_DB_LOCAL, EIR_T_IMEI, a);
	printf("the last pair goes, and with it the record:\n");
	RC(del(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000002", 0)));
	show(db, EIR_DB_LOCAL, EIR_T_IMEI, a);
	RC(del(db, EIR_DB_LOCAL, EIR_T_PAIR, pair("35693803564380", "001010000000002", 0)));

	printf("national: blacklist entry, notification and exception rows set their flags:\n");
	a.list = EIR_LIST_BLACK;
	RC(put(db, EIR_DB_NATIONAL, EIR_T_IMEI, a, "Reported stolen|Police case"));
	RC(put(db, EIR_DB_NATIONAL, EIR_T_NOTIF, pair("35693803564380", "001010000000009", EIR_LIST_GREY), NULL));
	RC(put(db, EIR_DB_NATIONAL, EIR_T_EXC, pair("35693803564380", "001010000000001", EIR_LIST_WHITE), NULL));
	show(db, EIR_DB_NATIONAL, EIR_T_IMEI, a);
	printf("tables that belong to the other part are refused:\n");
	RC(put(db, EIR_DB_NATIONAL, EIR_T_PAIR, pair("35693803564380", "001010000000001", EIR_LIST_WHITE), NULL));
	RC(put(db, EIR_DB_LOCAL, EIR_T_EXC, pair("35693803564380", "001010000000001", EIR_LIST_WHITE), NULL));
	printf("an entry needs a list:\n");
	a.list = EIR_LIST_NONE;
	RC(put(db, EIR_DB_LOCAL, EIR_T_IMEI, a, NULL));
	printf("national statistics (a reason text is stored once):\n");
	{
		struct eir_db_stats st;

		RC(eir_db_stats(db, EIR_DB_NATIONAL, &st));
		printf("  national: schema=%u imei=%llu notif=%llu exc=%llu reasons=%llu\n", st.schema,
		       (unsigned long long)st.t[EIR_T_IMEI].entries, (unsigned long long)st.t[EIR_T_NOTIF].entries,
		       (unsigned long long)st.t[EIR_T_EXC].entries, (unsigned long long)st.t[EIR_T_REASON].entries);
	}
	eir_db_close(db);
}

static struct eir_entry row(const char *i, const char *imsi, const char *msisdn, enum eir_list l)
{
	struct eir_entry e = pair(i, imsi, l);

	if (msisdn)
		OSMO_ASSERT(eir_msisdn_pack(msisdn, e.msisdn, NULL) == 0);
	return e;
}

/* what eir_db_row_find() finds for (imei, imsi), as the verdict engine asks it */
static void find(struct eir_db *db, enum eir_db_table t, const char *i, const char *imsi)
{
	struct eir_entry e, k = pair(i, imsi, 0);
	char a[16], b[20], m[20];
	int rc;

	eir_db_read_begin(db);
	rc = eir_db_row_find(db, t, k.imei, k.imsi, &e);
	eir_db_read_end(db);
	printf("  find %s %s/%s: ", get_value_string(eir_db_table_names, t), i, imsi);
	if (rc) {
		printf("%s\n", rcname(rc));
		return;
	}
	printf("%s/%s msisdn %s list=%s block=%u amnesty=%d\n", eir_imei_str(a, sizeof(a), e.imei),
	       eir_imsi_unpack(b, sizeof(b), e.imsi),
	       e.msisdn[0] == 0xff ? "none" : eir_imsi_unpack(m, sizeof(m), e.msisdn),
	       eir_list_name(e.list), e.block, e.amnesty);
}

static int rows_cb(const struct eir_entry *e, void *arg)
{
	char a[16], b[20], m[20];

	printf("    %s %s %s\n", eir_imei_str(a, sizeof(a), e->imei), eir_imsi_unpack(b, sizeof(b), e->imsi),
	       e->msisdn[0] == 0xff ? "none" : eir_imsi_unpack(m, sizeof(m), e->msisdn));
	return 0;
}

static void flags_of(struct eir_db *db, const char *i)
{
	struct eir_entry e = { .imei = imei(i) };
	int rc;

	eir_db_read_begin(db);
	rc = eir_db_get(db, EIR_DB_NATIONAL, EIR_T_IMEI, &e);
	eir_db_read_end(db);
	if (rc)
		printf("  IMEI record %s: %s\n", i, rcname(rc));
	else
		printf("  IMEI record %s: list=%s flags=0x%02x\n", i, eir_list_name(e.list), e.flags);
}

/* DIRBS keys notifications and exceptions by (IMEI, IMSI, MSISDN): one pair may have a row per MSISDN, each
 * removed on its own; the pair stays excepted while any of its rows remains */
static void test_rows(void)
{
	static const char *I = "35693803564381";
	struct eir_db *db;
	struct eir_db_opts o = { .create = true };
	struct eir_entry n = row(I, "001010000000005", "447700900005", EIR_LIST_GREY);
	char path[80];
	int it;

	printf("\n== national rows keyed by (IMEI, IMSI, MSISDN)\n");
	snprintf(path, sizeof(path), "%s/rows", dir);
	RC(eir_db_open(ctx, &db, path, &o));
	printf("one pair under two MSISDNs, and another IMSI of the IMEI:\n");
	RC(put(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900001", EIR_LIST_WHITE), NULL));
	RC(put(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900002", EIR_LIST_WHITE), NULL));
	RC(put(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000002", "4477", EIR_LIST_WHITE), NULL));
	printf("  rows:\n");
	RC(eir_db_iter(db, EIR_DB_NATIONAL, EIR_T_EXC, NULL, rows_cb, NULL));
	find(db, EIR_T_EXC, I, "001010000000001");
	find(db, EIR_T_EXC, I, "001010000000002");
	printf("an IMSI between two held ones, and one after them, find nothing (the prefix is compared):\n");
	find(db, EIR_T_EXC, I, "00101000000000");
	find(db, EIR_T_EXC, I, "001010000000003");
	find(db, EIR_T_EXC, "35693803564382", "001010000000001");
	printf("the first MSISDN's row goes: the pair is still excepted, by the other row:\n");
	RC(del(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900001", 0)));
	RC(del(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900001", 0)));
	find(db, EIR_T_EXC, I, "001010000000001");
	flags_of(db, I);
	printf("a row without an MSISDN is a row of its own:\n");
	RC(del(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", NULL, 0)));
	printf("the second goes: the pair is no longer excepted; the other IMSI still is:\n");
	RC(del(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900002", 0)));
	find(db, EIR_T_EXC, I, "001010000000001");
	find(db, EIR_T_EXC, I, "001010000000002");
	flags_of(db, I);
	RC(del(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000002", "4477", 0)));
	flags_of(db, I);

	printf("notifications: the IMEI's flag stays while any row remains:\n");
	n.block = 20100;
	n.amnesty = true;
	RC(put(db, EIR_DB_NATIONAL, EIR_T_NOTIF, n, NULL));
	RC(put(db, EIR_DB_NATIONAL, EIR_T_NOTIF, row(I, "001010000000005", "447700900006", EIR_LIST_GREY), NULL));
	find(db, EIR_T_NOTIF, I, "001010000000005");
	RC(del(db, EIR_DB_NATIONAL, EIR_T_NOTIF, n));
	flags_of(db, I);
	find(db, EIR_T_NOTIF, I, "001010000000005");
	RC(del(db, EIR_DB_NATIONAL, EIR_T_NOTIF, row(I, "001010000000005", "447700900006", 0)));
	flags_of(db, I);
	printf("only notifications and exceptions have rows to find:\n");
	eir_db_read_begin(db);
	it = eir_db_row_find(db, EIR_T_PAIR, n.imei, n.imsi, &n);
	eir_db_read_end(db);
	printf("  eir_db_row_find(pair) -> %s\n", rcname(it));
	eir_db_close(db);
}

static int clear_cb(struct eir_db_txn *txn, void *arg)
{
	return eir_db_txn_clear(txn, *(enum eir_db_table *)arg);
}

static void test_clear(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { 0 };
	struct eir_entry a = { .imei = imei("35693803564380") };
	enum eir_db_table t;

	printf("\n== clear (a full list replaces the previous one)\n");
	RC(eir_db_open(ctx, &db, dir, &o));
	t = EIR_T_IMEI;
	RC(eir_db_write(db, EIR_DB_NATIONAL, clear_cb, &t));
	show(db, EIR_DB_NATIONAL, EIR_T_IMEI, a);
	t = EIR_T_NOTIF;
	RC(eir_db_write(db, EIR_DB_NATIONAL, clear_cb, &t));
	show(db, EIR_DB_NATIONAL, EIR_T_IMEI, a);
	t = EIR_T_EXC;
	RC(eir_db_write(db, EIR_DB_NATIONAL, clear_cb, &t));
	show(db, EIR_DB_NATIONAL, EIR_T_IMEI, a);
	eir_db_close(db);
}

static void test_ranges(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { 0 };

	printf("\n== ranges\n");
	RC(eir_db_open(ctx, &db, dir, &o));
	range_at(db, "35000000000000");
	RC(range(db, "35000000000100", "35000000000199", EIR_LIST_BLACK));
	RC(range(db, "35000000000300", "35000000000300", EIR_LIST_GREY));
	RC(range(db, "35111111000000", "35111111999999", EIR_LIST_WHITE));
	printf("boundaries:\n");
	range_at(db, "35000000000099");
	range_at(db, "35000000000100");
	range_at(db, "35000000000150");
	range_at(db, "35000000000199");
	range_at(db, "35000000000200");
	range_at(db, "35000000000299");
	range_at(db, "35000000000300");
	range_at(db, "35000000000301");
	range_at(db, "35111110999999");
	range_at(db, "35111111000000");
	range_at(db, "35111111999999");
	range_at(db, "35111112000000");
	range_at(db, "99999999999999");
	range_at(db, "00000000000000");
	printf("overlaps are refused, naming the range:\n");
	RC(range(db, "35000000000050", "35000000000100", EIR_LIST_BLACK));
	RC(range(db, "35000000000199", "35000000000250", EIR_LIST_BLACK));
	RC(range(db, "35000000000120", "35000000000130", EIR_LIST_BLACK));
	RC(range(db, "35000000000000", "35999999999999", EIR_LIST_BLACK));
	RC(range(db, "35000000000300", "35000000000300", EIR_LIST_BLACK));
	RC(range(db, "35000000000200", "35000000000100", EIR_LIST_BLACK));
	printf("adjacent ranges are fine:\n");
	RC(range(db, "35000000000200", "35000000000299", EIR_LIST_GREY));
	RC(range(db, "35000000000000", "35000000000099", EIR_LIST_WHITE));
	range_at(db, "35000000000099");
	range_at(db, "35000000000200");
	printf("delete by first IMEI:\n");
	{
		struct eir_entry e = { .imei = imei("35000000000100") };

		RC(del(db, EIR_DB_LOCAL, EIR_T_RANGE, e));
		RC(del(db, EIR_DB_LOCAL, EIR_T_RANGE, e));
		e.imei = imei("35000000000150");
		RC(del(db, EIR_DB_LOCAL, EIR_T_RANGE, e));
	}
	range_at(db, "35000000000150");
	eir_db_close(db);
}

static void test_iter_cb_print(const struct eir_entry *e)
{
	char a[16];

	printf("  %s %s\n", eir_imei_str(a, sizeof(a), e->imei), eir_list_name(e->list));
}

static int iter_cb(const struct eir_entry *e, void *arg)
{
	int *n = arg;

	test_iter_cb_print(e);
	return ++*n >= 3 ? 1 : 0;
}

static void test_iter(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { 0 };
	struct eir_entry from = { .imei = imei("35000000000150") };
	int n = 0;

	printf("\n== iteration with a start key and a stop\n");
	RC(eir_db_open(ctx, &db, dir, &o));
	RC(eir_db_iter(db, EIR_DB_LOCAL, EIR_T_RANGE, &from, iter_cb, &n));
	eir_db_close(db);
}

/* map full: a transaction that needs more than the map first grows it and is redone from the start; at the
 * limit it fails with -ENOSPC and nothing of it is written */
struct bulk {
	uint64_t first;
	unsigned n;
	unsigned runs;
};

static int bulk_cb(struct eir_db_txn *txn, void *arg)
{
	struct bulk *b = arg;
	unsigned i;
	int rc;

	b->runs++;
	for (i = 0; i < b->n; i++) {
		struct eir_entry e = { .imei = b->first + i * 7, .list = EIR_LIST_BLACK };

		rc = eir_db_txn_put(txn, EIR_T_IMEI, &e);
		if (rc)
			return rc;
	}
	return 0;
}

static void test_map_full(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { .create = true, .map_size = 256 * 1024, .map_max = 1024 * 1024 };
	struct eir_db_stats st;
	struct bulk b = { .first = 35000000000000ULL, .n = 20000 };
	char sub[80];

	printf("\n== map full\n");
	snprintf(sub, sizeof(sub), "%s/small", dir);
	RC(eir_db_open(ctx, &db, sub, &o));
	RC(eir_db_write(db, EIR_DB_LOCAL, bulk_cb, &b));
	printf("  runs=%u (grown and redone)\n", b.runs);
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	printf("  entries=%llu map=%llu KiB\n", (unsigned long long)st.t[EIR_T_IMEI].entries,
	       (unsigned long long)st.map_size / 1024);
	b = (struct bulk){ .first = 36000000000000ULL, .n = 60000 };
	RC(eir_db_write(db, EIR_DB_LOCAL, bulk_cb, &b));
	printf("  %s\n", strstr(eir_db_errstr(db), "the store's map is full at its limit of 1 MiB") ?
		"error says: map full at its limit of 1 MiB" : eir_db_errstr(db));
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	printf("  entries=%llu (nothing of the failed transaction)\n", (unsigned long long)st.t[EIR_T_IMEI].entries);
	eir_db_close(db);
}

/* eir_db_reserve(): the map grown at once before a big write, which then runs once; an estimate beyond the limit
 * is said, and the write still goes as far as the limit allows */
static void test_reserve(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { .create = true, .map_size = 256 * 1024, .map_max = 16 << 20 };
	struct eir_db_stats st;
	struct bulk b = { .first = 35000000000000ULL, .n = 20000 };
	char sub[80];

	printf("\n== reserve\n");
	snprintf(sub, sizeof(sub), "%s/reserve", dir);
	RC(eir_db_open(ctx, &db, sub, &o));
	RC(eir_db_reserve(db, EIR_DB_LOCAL, 2 << 20));
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	printf("  map=%llu KiB (256 KiB doubled past 2 MiB more than in use)\n", (unsigned long long)st.map_size / 1024);
	RC(eir_db_write(db, EIR_DB_LOCAL, bulk_cb, &b));
	printf("  runs=%u (the write ran once)\n", b.runs);
	RC(eir_db_reserve(db, EIR_DB_LOCAL, 1 << 20));
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	printf("  map=%llu KiB (room left: unchanged)\n", (unsigned long long)st.map_size / 1024);
	RC(eir_db_reserve(db, EIR_DB_LOCAL, 64 << 20));
	printf("  %s\n", strstr(eir_db_errstr(db), "limit of 16 MiB is below") ? "error says: the limit is below" :
	       eir_db_errstr(db));
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	printf("  map=%llu KiB (grown to the limit) entries=%llu\n", (unsigned long long)st.map_size / 1024,
	       (unsigned long long)st.t[EIR_T_IMEI].entries);
	eir_db_close(db);
}

/* One row rewritten into an older layout: key and record in, new key and record out (at most 22 and 20 bytes). */
typedef void (*forge_row_fn)(const char *table, const MDB_val *k, const MDB_val *v, uint8_t *key, size_t *klen,
			     uint8_t *rec, size_t *rlen);

/* Rewrite every row of the tables of the part in path with fn and record the schema version. Returns the bytes in
 * use afterwards (up to the last page). */
static uint64_t forge(const char *path, const char *const *tables, unsigned n_tables, uint32_t schema, forge_row_fn fn)
{
	uint8_t *keys, *recs, ver[4];
	MDB_val k, v, sk = { .mv_size = 6, .mv_data = "schema" };
	size_t *klen, *rlen;
	MDB_envinfo info;
	MDB_cursor *cur;
	MDB_stat st;
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	unsigned t, i, n;

	OSMO_ASSERT(mdb_env_create(&env) == 0);
	mdb_env_set_maxdbs(env, 16);
	/* room for the rewrite; the store's own open sets its map size again */
	mdb_env_set_mapsize(env, 64 << 20);
	OSMO_ASSERT(mdb_env_open(env, path, 0, 0640) == 0);
	OSMO_ASSERT(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	for (t = 0; t < n_tables; t++) {
		OSMO_ASSERT(mdb_dbi_open(txn, tables[t], 0, &dbi) == 0);
		OSMO_ASSERT(mdb_stat(txn, dbi, &st) == 0);
		keys = talloc_array(ctx, uint8_t, 22 * (st.ms_entries + 1));
		recs = talloc_array(ctx, uint8_t, 20 * (st.ms_entries + 1));
		klen = talloc_array(ctx, size_t, st.ms_entries + 1);
		rlen = talloc_array(ctx, size_t, st.ms_entries + 1);
		OSMO_ASSERT(mdb_cursor_open(txn, dbi, &cur) == 0);
		for (n = 0; mdb_cursor_get(cur, &k, &v, n ? MDB_NEXT : MDB_FIRST) == 0; n++) {
			OSMO_ASSERT(n < st.ms_entries);
			fn(tables[t], &k, &v, keys + 22 * n, &klen[n], recs + 20 * n, &rlen[n]);
		}
		mdb_cursor_close(cur);
		OSMO_ASSERT(mdb_drop(txn, dbi, 0) == 0);
		for (i = 0; i < n; i++) {
			k = (MDB_val){ .mv_size = klen[i], .mv_data = keys + 22 * i };
			v = (MDB_val){ .mv_size = rlen[i], .mv_data = recs + 20 * i };
			OSMO_ASSERT(mdb_put(txn, dbi, &k, &v, 0) == 0);
		}
		talloc_free(keys);
		talloc_free(recs);
		talloc_free(klen);
		talloc_free(rlen);
	}
	OSMO_ASSERT(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
	osmo_store32be(schema, ver);
	v = (MDB_val){ .mv_size = 4, .mv_data = ver };
	OSMO_ASSERT(mdb_put(txn, dbi, &sk, &v, 0) == 0);
	OSMO_ASSERT(mdb_txn_commit(txn) == 0);
	OSMO_ASSERT(mdb_env_info(env, &info) == 0);
	OSMO_ASSERT(mdb_env_stat(env, &st) == 0);
	mdb_env_close(env);
	return (uint64_t)(info.me_last_pgno + 1) * st.ms_psize;
}

/* schema 4 → 3: the record without its applied time (14 → 10 bytes, a range 20 → 16) */
static void row_to_3(const char *table, const MDB_val *k, const MDB_val *v, uint8_t *key, size_t *klen, uint8_t *rec,
		     size_t *rlen)
{
	OSMO_ASSERT(k->mv_size <= 22 && v->mv_size == (strcmp(table, "range") ? 14 : 20));
	memcpy(key, k->mv_data, k->mv_size);
	*klen = k->mv_size;
	memcpy(rec, v->mv_data, v->mv_size - 4);
	*rlen = v->mv_size - 4;
}

/* schema 3 → 2 (a national row): (IMEI, IMSI, MSISDN) → record becomes (IMEI, IMSI) → record + MSISDN */
static void row_to_2(const char *table, const MDB_val *k, const MDB_val *v, uint8_t *key, size_t *klen, uint8_t *rec,
		     size_t *rlen)
{
	OSMO_ASSERT(k->mv_size == 22 && v->mv_size == 10);
	memcpy(key, k->mv_data, 14);
	*klen = 14;
	memcpy(rec, v->mv_data, 10);
	memcpy(rec + 10, (const uint8_t *)k->mv_data + 14, 8);
	*rlen = 18;
}

/* Turn every record of the part in path back into the schema 3 layout (no applied time) and record schema 3. */
static uint64_t forge_schema_3(const char *path)
{
	static const char *const tables[] = { "imei", "pair", "range", "notif", "exc" };

	return forge(path, tables, ARRAY_SIZE(tables), 3, row_to_3);
}

/* Turn the national rows of the store in path back into the schema 2 layout: (IMEI, IMSI) → record + MSISDN, the
 * records of schema 3. Returns the bytes in use afterwards (up to the last page). */
static uint64_t forge_schema_2(const char *path)
{
	static const char *const tables[] = { "notif", "exc" };

	forge_schema_3(path);
	return forge(path, tables, ARRAY_SIZE(tables), 2, row_to_2);
}

/* Set the schema version recorded in the meta table of the part in path (forging an older or a newer store). */
static void forge_version(const char *path, uint32_t schema)
{
	MDB_val k = { .mv_size = 6, .mv_data = "schema" }, v;
	uint8_t ver[4];
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;

	OSMO_ASSERT(mdb_env_create(&env) == 0);
	mdb_env_set_maxdbs(env, 16);
	OSMO_ASSERT(mdb_env_open(env, path, 0, 0640) == 0);
	OSMO_ASSERT(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	OSMO_ASSERT(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
	osmo_store32be(schema, ver);
	v = (MDB_val){ .mv_size = 4, .mv_data = ver };
	OSMO_ASSERT(mdb_put(txn, dbi, &k, &v, 0) == 0);
	OSMO_ASSERT(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
}

/* An older store: a read-only open says it needs the upgrade, the read-write open that follows upgrades it. */
static struct eir_db *open_older(const char *path)
{
	struct eir_db_opts o = { .read_only = true };
	struct eir_db *db;
	const char *err;

	RC(eir_db_open(ctx, &db, path, &o));
	err = strstr(eir_db_errstr(db), "store schema");
	printf("  read-only: %s\n", err ? err : eir_db_errstr(db));
	eir_db_close(db);
	o.read_only = false;
	RC(eir_db_open(ctx, &db, path, &o));
	return db;
}

/* a store of schema 2 (one row per (IMEI, IMSI), its MSISDN in the record) keeps its rows, now keyed by the
 * triplet, and their pair flags; it answers as before */
static void test_schema_2(void)
{
	static const char *I = "35693803564383", *J = "35693803564384";
	struct eir_db_opts o = { .create = true };
	struct eir_entry e, n = row(J, "001010000000003", "447700900003", EIR_LIST_GREY);
	struct eir_db_stats st;
	struct eir_db *db;
	char path[80], reason[64];

	printf("a schema 2 store is upgraded by the first read-write open, its national rows kept:\n");
	snprintf(path, sizeof(path), "%s/v2", dir);
	OSMO_ASSERT(eir_db_open(ctx, &db, path, &o) == 0);
	e = (struct eir_entry){ .imei = imei(I), .list = EIR_LIST_BLACK };
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_IMEI, e, "Stolen") == 0);
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900001", EIR_LIST_WHITE),
			NULL) == 0);
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000002", NULL, EIR_LIST_WHITE), NULL) == 0);
	n.block = 20100;
	n.amnesty = true;
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_NOTIF, n, "Duplicate IMEI") == 0);
	eir_db_close(db);
	snprintf(path, sizeof(path), "%s/v2/national", dir);
	forge_schema_2(path);

	snprintf(path, sizeof(path), "%s/v2", dir);
	db = open_older(path);
	RC(eir_db_stats(db, EIR_DB_NATIONAL, &st));
	printf("  read-write: schema=%u notif=%llu exc=%llu\n", st.schema,
	       (unsigned long long)st.t[EIR_T_NOTIF].entries,
	       (unsigned long long)st.t[EIR_T_EXC].entries);
	printf("  exception rows:\n");
	RC(eir_db_iter(db, EIR_DB_NATIONAL, EIR_T_EXC, NULL, rows_cb, NULL));
	printf("  notification rows:\n");
	RC(eir_db_iter(db, EIR_DB_NATIONAL, EIR_T_NOTIF, NULL, rows_cb, NULL));
	find(db, EIR_T_EXC, I, "001010000000001");
	find(db, EIR_T_EXC, I, "001010000000002");
	find(db, EIR_T_NOTIF, J, "001010000000003");
	e = row(J, "001010000000003", "447700900003", 0);
	eir_db_read_begin(db);
	RC(eir_db_get(db, EIR_DB_NATIONAL, EIR_T_NOTIF, &e));
	eir_db_read_end(db);
	eir_db_reason(db, EIR_DB_NATIONAL, e.reason_id, reason, sizeof(reason));
	printf("  the notification keeps its reason \"%s\"\n", reason);
	flags_of(db, I);
	flags_of(db, J);
	printf("  a row of the upgraded store goes by its triplet:\n");
	RC(del(db, EIR_DB_NATIONAL, EIR_T_EXC, row(I, "001010000000001", "447700900001", 0)));
	find(db, EIR_T_EXC, I, "001010000000001");
	eir_db_close(db);
	printf("  opened again: no second upgrade\n");
	RC(eir_db_open(ctx, &db, path, &o));
	RC(eir_db_stats(db, EIR_DB_NATIONAL, &st));
	printf("  schema=%u exc=%llu\n", st.schema, (unsigned long long)st.t[EIR_T_EXC].entries);
	eir_db_close(db);
}

static int count_cb(const struct eir_entry *e, void *arg);

/* when an entry was applied, as the test can say it: unknown, the time of the write that put it (between the test's
 * clock before and after that write), or something else (a failure) */
static const char *applied_of(uint32_t applied, time_t before, time_t after)
{
	static char buf[32];

	if (!applied)
		return "unknown";
	if (applied >= before && applied <= after)
		return "its write's time";
	snprintf(buf, sizeof(buf), "%u (wrong)", applied);
	return buf;
}

static void show_applied(struct eir_db *db, enum eir_db_part part, enum eir_db_table t, struct eir_entry e,
			 time_t before, time_t after)
{
	char reason[64], im[16], imsi[20];
	int rc;

	eir_db_read_begin(db);
	rc = t == EIR_T_RANGE ? eir_db_range_find(db, e.imei, &e) : eir_db_get(db, part, t, &e);
	eir_db_read_end(db);
	printf("  %s.%s %s", get_value_string(eir_db_part_names, part), get_value_string(eir_db_table_names, t),
	       eir_imei_str(im, sizeof(im), e.imei));
	if (t != EIR_T_IMEI && t != EIR_T_RANGE)
		printf("/%s", eir_imsi_unpack(imsi, sizeof(imsi), e.imsi));
	if (rc) {
		printf(": %s\n", rcname(rc));
		return;
	}
	eir_db_reason(db, part, e.reason_id, reason, sizeof(reason));
	printf(": list=%s reason=\"%s\" listed=%u block=%u amnesty=%d applied %s\n", eir_list_name(e.list), reason,
	       e.listed, e.block, e.amnesty, applied_of(e.applied, before, after));
}

/* A schema 3 store (no applied time) is upgraded in both parts: every entry keeps its data and its applied time is
 * unknown; a write after the upgrade stamps its entries with its time, a delete of the list clears it. */
static void test_schema_3(void)
{
	static const char *I = "35693803564385", *J = "35693803564386";
	struct eir_db_opts o = { .create = true };
	struct eir_entry n = row(J, "001010000000005", "447700900005", EIR_LIST_GREY);
	struct eir_entry x = row(I, "001010000000004", NULL, EIR_LIST_WHITE);
	struct eir_entry b = { .imei = imei(I), .list = EIR_LIST_BLACK, .listed = 20400, .block = 20401 };
	struct eir_entry p = pair(I, "001010000000004", EIR_LIST_WHITE);
	struct eir_entry r = { .imei = imei("35000007000000"), .last = imei("35000007999999"), .list = EIR_LIST_GREY };
	struct eir_db_stats st;
	struct eir_db *db;
	char path[80], part[96];
	const struct {
		enum eir_db_part part;
		enum eir_db_table t;
		const struct eir_entry *e;
	} all[] = {
		{ EIR_DB_LOCAL, EIR_T_IMEI, &b }, { EIR_DB_LOCAL, EIR_T_PAIR, &p }, { EIR_DB_LOCAL, EIR_T_RANGE, &r },
		{ EIR_DB_NATIONAL, EIR_T_IMEI, &b }, { EIR_DB_NATIONAL, EIR_T_EXC, &x },
		{ EIR_DB_NATIONAL, EIR_T_NOTIF, &n },
	};
	time_t t0, t1;

	printf("\n== schema 3 to 4: the time each entry was applied\n");
	snprintf(path, sizeof(path), "%s/v3", dir);
	t0 = time(NULL);
	OSMO_ASSERT(eir_db_open(ctx, &db, path, &o) == 0);
	OSMO_ASSERT(put(db, EIR_DB_LOCAL, EIR_T_IMEI, b, "Stolen") == 0);
	OSMO_ASSERT(put(db, EIR_DB_LOCAL, EIR_T_PAIR, p, "Owner") == 0);
	OSMO_ASSERT(put(db, EIR_DB_LOCAL, EIR_T_RANGE, r, "Batch") == 0);
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_IMEI, b, "Stolen") == 0);
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_EXC, x, NULL) == 0);
	n.block = 20402;
	n.amnesty = true;
	OSMO_ASSERT(put(db, EIR_DB_NATIONAL, EIR_T_NOTIF, n, "Duplicate IMEI") == 0);
	t1 = time(NULL);
	printf("written by schema 4, each entry has its write's time:\n");
	for (unsigned i = 0; i < ARRAY_SIZE(all); i++)
		show_applied(db, all[i].part, all[i].t, *all[i].e, t0, t1);
	eir_db_close(db);
	snprintf(part, sizeof(part), "%s/local", path);
	forge_schema_3(part);
	snprintf(part, sizeof(part), "%s/national", path);
	forge_schema_3(part);

	printf("forged back to schema 3:\n");
	db = open_older(path);
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	printf("  read-write: local schema=%u imei=%llu pair=%llu range=%llu\n", st.schema,
	       (unsigned long long)st.t[EIR_T_IMEI].entries, (unsigned long long)st.t[EIR_T_PAIR].entries,
	       (unsigned long long)st.t[EIR_T_RANGE].entries);
	RC(eir_db_stats(db, EIR_DB_NATIONAL, &st));
	printf("  national schema=%u imei=%llu notif=%llu exc=%llu\n", st.schema,
	       (unsigned long long)st.t[EIR_T_IMEI].entries, (unsigned long long)st.t[EIR_T_NOTIF].entries,
	       (unsigned long long)st.t[EIR_T_EXC].entries);
	printf("  every entry keeps its data, applied unknown:\n");
	for (unsigned i = 0; i < ARRAY_SIZE(all); i++)
		show_applied(db, all[i].part, all[i].t, *all[i].e, t0, t1);
	flags_of(db, I);
	flags_of(db, J);
	printf("  a new write gets its time, the others stay unknown:\n");
	t0 = time(NULL);
	b.list = EIR_LIST_GREY;
	OSMO_ASSERT(put(db, EIR_DB_LOCAL, EIR_T_IMEI, b, "Under investigation") == 0);
	t1 = time(NULL);
	show_applied(db, EIR_DB_LOCAL, EIR_T_IMEI, b, t0, t1);
	show_applied(db, EIR_DB_LOCAL, EIR_T_PAIR, p, t0, t1);
	printf("  a writer that keeps an applied time (osmo-eir-sync for a changed row) writes it:\n");
	b.applied = 1234567890;
	OSMO_ASSERT(put(db, EIR_DB_LOCAL, EIR_T_IMEI, b, NULL) == 0);
	eir_db_read_begin(db);
	b.applied = 0;
	RC(eir_db_get(db, EIR_DB_LOCAL, EIR_T_IMEI, &b));
	eir_db_read_end(db);
	printf("  applied=%u\n", b.applied);
	printf("  deleting the entry of an IMEI with pairs keeps a flags-only record, its applied cleared:\n");
	RC(del(db, EIR_DB_LOCAL, EIR_T_IMEI, b));
	eir_db_read_begin(db);
	RC(eir_db_get(db, EIR_DB_LOCAL, EIR_T_IMEI, &b));
	eir_db_read_end(db);
	printf("  list=%s flags=0x%02x applied=%u\n", eir_list_name(b.list), b.flags, b.applied);
	eir_db_close(db);
}

/* A store in DIR/name whose part (DIR/name/PART, in part_dir) fill() fills and forge_part() forges to an older
 * schema, then opened with a map limit just above what it holds (*used bytes): the upgrade fills the map, the open
 * fails with step_err, and a read-only look finds the old schema; then opened with room to grow and returned. */
static struct eir_db *upgrade_at_map_limit(const char *name, enum eir_db_part pt, eir_db_write_fn fill, void *arg,
					   uint64_t (*forge_part)(const char *), const char *step_err, char *part_dir,
					   size_t len, uint64_t *used)
{
	struct eir_db_opts o = { .create = true, .map_size = 256 * 1024, .map_max = 64 << 20 };
	struct eir_db *db;
	char path[80];
	const char *err;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	snprintf(part_dir, len, "%s/%s", path, get_value_string(eir_db_part_names, pt));
	OSMO_ASSERT(eir_db_open(ctx, &db, path, &o) == 0);
	OSMO_ASSERT(eir_db_write(db, pt, fill, arg) == 0);
	eir_db_close(db);
	*used = forge_part(part_dir);
	o = (struct eir_db_opts){ .map_size = 256 * 1024, .map_max = *used + 64 * 1024 };

	RC(eir_db_open(ctx, &db, path, &o));
	err = strstr(eir_db_errstr(db), step_err);
	printf("  %s\n", err ? err : eir_db_errstr(db));
	eir_db_close(db);
	o.read_only = true;
	RC(eir_db_open(ctx, &db, path, &o));
	err = strstr(eir_db_errstr(db), "store schema");
	printf("  nothing changed: %s\n", err ? err : eir_db_errstr(db));
	eir_db_close(db);
	printf("with room to grow:\n");
	o = (struct eir_db_opts){ .map_size = 256 * 1024, .map_max = 64 << 20 };
	RC(eir_db_open(ctx, &db, path, &o));
	return db;
}

/* A schema 3 store whose upgrade fills the map: at the limit the open fails and the store stays schema 3 with every
 * entry; with room the map grows, the upgrade runs again and every entry is there, applied unknown. */
static void test_schema_3_map(void)
{
	struct bulk b = { .first = 35000000000000ULL, .n = 20000 };
	struct eir_entry e = { .imei = 35000000000000ULL + 7 * 19999 };
	struct eir_db_opts o = { .create = true };
	struct eir_db_stats st, fresh;
	struct eir_db *db;
	char part[96];
	uint64_t used;
	unsigned n = 0;

	printf("\n== an upgrade to schema 4 that fills the map\n");
	printf("a schema 3 store of %u IMEI entries, the map at its limit of what it holds:\n", b.n);
	db = upgrade_at_map_limit("v3map", EIR_DB_LOCAL, bulk_cb, &b, forge_schema_3, "add the applied", part,
				  sizeof(part), &used);
	RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
	RC(eir_db_iter(db, EIR_DB_LOCAL, EIR_T_IMEI, NULL, count_cb, &n));
	eir_db_read_begin(db);
	RC(eir_db_get(db, EIR_DB_LOCAL, EIR_T_IMEI, &e));
	eir_db_read_end(db);
	printf("  schema=%u imei=%llu black=%llu read=%u, the last one %s applied=%u; the map grew: %s\n", st.schema,
	       (unsigned long long)st.t[EIR_T_IMEI].entries, (unsigned long long)st.imei_lists[EIR_LIST_BLACK], n,
	       eir_list_name(e.list), e.applied, st.map_size > used ? "yes" : "no");
	eir_db_close(db);
	/* the rows go back by appending: the upgraded table as compact as the same entries written fresh (rewritten
	 * where they stood, every full page would split in two) */
	snprintf(part, sizeof(part), "%s/v4fresh", dir);
	OSMO_ASSERT(eir_db_open(ctx, &db, part, &o) == 0);
	OSMO_ASSERT(eir_db_write(db, EIR_DB_LOCAL, bulk_cb, &b) == 0);
	OSMO_ASSERT(eir_db_stats(db, EIR_DB_LOCAL, &fresh) == 0);
	eir_db_close(db);
	printf("  the upgraded table as compact as the same entries written fresh (%s pages): %s\n",
	       st.t[EIR_T_IMEI].pages == fresh.t[EIR_T_IMEI].pages ? "the same" : "other",
	       st.t[EIR_T_IMEI].pages <= fresh.t[EIR_T_IMEI].pages ? "yes" : "no");
}

/* The upgrade path is a table: each step listed once, in order, each starting where the one before ended, the last
 * ending at the current schema. */
static void test_schema_steps(void)
{
	uint32_t from, to, prev = 0;
	const char *what;
	unsigned i;

	printf("\n== the upgrade steps\n");
	for (i = 0; eir_db_schema_step(i, &from, &to, &what) == 0; i++) {
		printf("  %u -> %u: %s\n", from, to, what);
		OSMO_ASSERT(to == from + 1);
		OSMO_ASSERT(i == 0 || from == prev);
		prev = to;
	}
	printf("  %u steps, the last ending at schema %u (current: %u)\n", i, prev, EIR_DB_SCHEMA_VERSION);
	OSMO_ASSERT(i > 0 && prev == EIR_DB_SCHEMA_VERSION);
	RC(eir_db_schema_step(i, NULL, NULL, NULL));
}

struct exc_rows {
	unsigned n;
};

static int exc_rows_cb(struct eir_db_txn *txn, void *arg)
{
	struct exc_rows *x = arg;
	unsigned i;
	int rc;

	for (i = 0; i < x->n; i++) {
		struct eir_entry e = pair("35000000000000", "001010000000000", EIR_LIST_WHITE);

		e.imei += i;
		osmo_store32be(i, e.imsi + 4);
		osmo_store32be(i, e.msisdn);
		rc = eir_db_txn_put(txn, EIR_T_EXC, &e);
		if (rc)
			return rc;
	}
	return 0;
}

static int count_cb(const struct eir_entry *e, void *arg)
{
	(*(unsigned *)arg)++;
	return 0;
}

/* An upgrade rewrites whole tables in one transaction: when that fills the map, the map grows and the upgrade runs
 * again from the start; at the map's limit the open fails with the step's message and the store stays as it was
 * (schema 2, every row), to be upgraded by a later open with room. A schema no step starts from is refused. */
static void test_schema_upgrade_map(void)
{
	struct eir_db_opts o = { 0 };
	struct exc_rows x = { .n = 20000 };
	struct eir_db_stats st;
	struct eir_db *db;
	char path[80], part[96];
	uint64_t used;
	unsigned n = 0;
	const char *err;

	printf("\n== an upgrade that fills the map\n");
	printf("a schema 2 store of %u exception rows, the map at its limit of what it holds:\n", x.n);
	/* 2 → 3 fits; the step after it, on the same rows, fills the map */
	db = upgrade_at_map_limit("upmap", EIR_DB_NATIONAL, exc_rows_cb, &x, forge_schema_2, "add the applied", part,
				  sizeof(part), &used);
	RC(eir_db_stats(db, EIR_DB_NATIONAL, &st));
	RC(eir_db_iter(db, EIR_DB_NATIONAL, EIR_T_EXC, NULL, count_cb, &n));
	printf("  schema=%u exc=%llu rows read=%u, the map grew beyond what the store held: %s\n", st.schema,
	       (unsigned long long)st.t[EIR_T_EXC].entries, n, st.map_size > used ? "yes" : "no");
	eir_db_close(db);

	printf("a schema that no step starts from:\n");
	forge_version(part, 0);
	snprintf(path, sizeof(path), "%s/upmap", dir);
	RC(eir_db_open(ctx, &db, path, &o));
	err = strstr(eir_db_errstr(db), "store schema");
	printf("  %s\n", err ? err : eir_db_errstr(db));
	eir_db_close(db);
}

static void test_schema(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { 0 };
	MDB_env *env;
	MDB_txn *txn;
	MDB_dbi dbi;
	MDB_val k = { .mv_size = 6, .mv_data = "schema" }, v;
	uint8_t ver[4];
	char path[80];
	const char *err;

	printf("\n== schema version\n");
	RC(eir_db_open(ctx, &db, dir, &o));
	eir_db_close(db);

	/* forge a schema 1 store (before the audit table and the per-list counts) from the 'small' one */
	printf("a schema 1 store is upgraded by the first read-write open:\n");
	snprintf(path, sizeof(path), "%s/small/local", dir);
	forge_schema_3(path);
	OSMO_ASSERT(mdb_env_create(&env) == 0);
	mdb_env_set_maxdbs(env, 16);
	OSMO_ASSERT(mdb_env_open(env, path, 0, 0640) == 0);
	OSMO_ASSERT(mdb_txn_begin(env, NULL, 0, &txn) == 0);
	OSMO_ASSERT(mdb_dbi_open(txn, "audit", 0, &dbi) == 0);
	OSMO_ASSERT(mdb_drop(txn, dbi, 1) == 0);
	OSMO_ASSERT(mdb_dbi_open(txn, "meta", 0, &dbi) == 0);
	for (int i = 0; i < 4; i++) {
		static const char *const ck[] = { "count:imei:none", "count:imei:white", "count:imei:grey",
						  "count:imei:black" };
		MDB_val ckey = { .mv_size = strlen(ck[i]), .mv_data = (void *)ck[i] };

		mdb_del(txn, dbi, &ckey, NULL);
	}
	osmo_store32be(1, ver);
	v.mv_size = 4;
	v.mv_data = ver;
	OSMO_ASSERT(mdb_put(txn, dbi, &k, &v, 0) == 0);
	OSMO_ASSERT(mdb_txn_commit(txn) == 0);
	mdb_env_close(env);
	snprintf(path, sizeof(path), "%s/small", dir);
	o.read_only = true;
	RC(eir_db_open(ctx, &db, path, &o));
	err = strstr(eir_db_errstr(db), "the store needs");
	printf("  read-only: %s\n", err ? err : eir_db_errstr(db));
	eir_db_close(db);
	o.read_only = false;
	RC(eir_db_open(ctx, &db, path, &o));
	{
		struct eir_db_stats st;

		RC(eir_db_stats(db, EIR_DB_LOCAL, &st));
		printf("  read-write: schema=%u imei=%llu counted white=%llu grey=%llu black=%llu flags-only=%llu "
		       "audit=%llu\n",
		       st.schema, (unsigned long long)st.t[EIR_T_IMEI].entries,
		       (unsigned long long)st.imei_lists[EIR_LIST_WHITE],
		       (unsigned long long)st.imei_lists[EIR_LIST_GREY],
		       (unsigned long long)st.imei_lists[EIR_LIST_BLACK],
		       (unsigned long long)st.imei_lists[EIR_LIST_NONE], (unsigned long long)eir_db_audit_count(db));
	}
	eir_db_close(db);
	test_schema_2();
	/* forge a store written by a future osmo-eir */
	snprintf(path, sizeof(path), "%s/national", dir);
	forge_version(path, EIR_DB_SCHEMA_VERSION + 1);

	RC(eir_db_open(ctx, &db, dir, &o));
	err = strstr(eir_db_errstr(db), "national: ");
	printf("  %s\n", err ? err : eir_db_errstr(db));
	eir_db_close(db);

	printf("a directory with no store, without create:\n");
	snprintf(path, sizeof(path), "%s/none", dir);
	RC(eir_db_open(ctx, &db, path, &o));
	printf("  %s\n", strstr(eir_db_errstr(db), "create one with") ? "says how to create one" : eir_db_errstr(db));
	eir_db_close(db);
	printf("read-only open refuses writes:\n");
	snprintf(path, sizeof(path), "%s/small", dir);
	o.read_only = true;
	RC(eir_db_open(ctx, &db, path, &o));
	{
		struct bulk b = { .first = 1, .n = 1 };

		RC(eir_db_write(db, EIR_DB_LOCAL, bulk_cb, &b));
	}
	eir_db_close(db);
}

static void print_counts(struct eir_db *db)
{
	struct eir_db_stats st;

	OSMO_ASSERT(eir_db_stats(db, EIR_DB_LOCAL, &st) == 0);
	printf("  counts: imei records %llu = white %llu + grey %llu + black %llu + flags-only %llu; pairs %llu; "
	       "ranges %llu\n", (unsigned long long)st.t[EIR_T_IMEI].entries,
	       (unsigned long long)st.imei_lists[EIR_LIST_WHITE], (unsigned long long)st.imei_lists[EIR_LIST_GREY],
	       (unsigned long long)st.imei_lists[EIR_LIST_BLACK], (unsigned long long)st.imei_lists[EIR_LIST_NONE],
	       (unsigned long long)st.t[EIR_T_PAIR].entries, (unsigned long long)st.t[EIR_T_RANGE].entries);
}

static void edit(struct eir_db *db, bool del, enum eir_edit_kind kind, const char *a, const char *b,
		 enum eir_list l, const char *reason)
{
	struct eir_edit ed = { .del = del, .reason = reason, .who = "db_test" };
	struct eir_audit au;
	char err[128];
	int rc;

	ed.e.list = l;
	OSMO_ASSERT(eir_day_parse("20261101", &ed.e.listed) == 0);
	rc = eir_edit_key(&ed, kind, a, b, err, sizeof(err));
	if (rc) {
		printf("%s %s %s: %s\n", del ? "del" : "add", a, b ? b : "", err);
		return;
	}
	rc = eir_edit_apply(db, &ed, &au);
	printf("%s -> %s", au.what, rcname(rc));
	if (rc == 0)
		printf(" (audit #%llu: %s -> %s)", (unsigned long long)au.seq, au.before, au.after);
	else if (rc != -ENOENT)
		printf(" (%s)", eir_db_errstr(db));
	printf("\n");
}

static int print_audit(const struct eir_audit *a, void *arg)
{
	printf("  #%llu %s: %s: %s -> %s\n", (unsigned long long)a->seq, a->who, a->what, a->before, a->after);
	return 0;
}

static void test_edit_audit(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { .create = true };
	char path[80];

	printf("\n== edits keep the per-list counts and write the audit trail\n");
	snprintf(path, sizeof(path), "%s/edit", dir);
	RC(eir_db_open(ctx, &db, path, &o));
	edit(db, false, EIR_EDIT_IMEI, "35693803564380", NULL, EIR_LIST_BLACK, "Reported stolen");
	edit(db, false, EIR_EDIT_IMEI, "356938035643809", NULL, EIR_LIST_GREY, "Under investigation");
	edit(db, false, EIR_EDIT_IMEI, "35000001000002", NULL, EIR_LIST_WHITE, NULL);
	print_counts(db);
	edit(db, false, EIR_EDIT_PAIR, "35693803564380", "001010000000001", EIR_LIST_WHITE, "Owner");
	edit(db, false, EIR_EDIT_PAIR, "35000009000009", "001010000000002", EIR_LIST_BLACK, NULL);
	print_counts(db);
	edit(db, true, EIR_EDIT_IMEI, "35693803564380", NULL, 0, NULL);
	edit(db, true, EIR_EDIT_IMEI, "35693803564380", NULL, 0, NULL);
	print_counts(db);
	edit(db, true, EIR_EDIT_PAIR, "35693803564380", "001010000000001", 0, NULL);
	edit(db, true, EIR_EDIT_PAIR, "35000009000009", "001010000000002", 0, NULL);
	print_counts(db);
	edit(db, false, EIR_EDIT_RANGE, "35000004000100", "35000004000199", EIR_LIST_BLACK, "Counterfeit");
	edit(db, false, EIR_EDIT_RANGE, "35000004000100", "35000004000199", EIR_LIST_GREY, "Checked");
	edit(db, false, EIR_EDIT_RANGE, "35000004000150", "35000004000250", EIR_LIST_BLACK, NULL);
	edit(db, false, EIR_EDIT_RANGE, "35000004000300", "35000004000200", EIR_LIST_BLACK, NULL);
	edit(db, false, EIR_EDIT_TAC, "35000005", NULL, EIR_LIST_BLACK, "Counterfeit TAC");
	edit(db, true, EIR_EDIT_TAC, "35000004", NULL, 0, NULL);
	edit(db, true, EIR_EDIT_TAC, "35000005", NULL, 0, NULL);
	edit(db, true, EIR_EDIT_RANGE, "35000004000100", NULL, 0, NULL);
	edit(db, false, EIR_EDIT_IMEI, "3569380356438", NULL, EIR_LIST_BLACK, NULL);
	edit(db, false, EIR_EDIT_PAIR, "35693803564380", "00101x", EIR_LIST_BLACK, NULL);
	print_counts(db);
	printf("the last 5 audit records, oldest first (%llu in all):\n", (unsigned long long)eir_db_audit_count(db));
	RC(eir_db_audit_last(db, 5, print_audit, NULL));
	printf("more asked than held:\n");
	eir_db_close(db);
	snprintf(path, sizeof(path), "%s/edit2", dir);
	RC(eir_db_open(ctx, &db, path, &o));
	RC(eir_db_audit_last(db, 5, print_audit, NULL));
	edit(db, false, EIR_EDIT_IMEI, "35693803564380", NULL, EIR_LIST_BLACK, NULL);
	RC(eir_db_audit_last(db, 5, print_audit, NULL));
	eir_db_close(db);
}

static void test_lock(void)
{
	struct eir_db *a, *b;
	struct eir_db_opts o = { 0 };
	char path[80];

	printf("\n== writer lock\n");
	snprintf(path, sizeof(path), "%s/small", dir);
	RC(eir_db_open(ctx, &a, path, &o));
	RC(eir_db_open(ctx, &b, path, &o));
	RC(eir_db_writer_lock(a, EIR_DB_LOCAL, "osmo-eir"));
	RC(eir_db_writer_lock(b, EIR_DB_LOCAL, "osmo-eir-db"));
	printf("  %s\n", strstr(eir_db_errstr(b), "locked by osmo-eir (pid ") ? "names the holder and its pid" :
		eir_db_errstr(b));
	RC(eir_db_writer_lock(b, EIR_DB_NATIONAL, "osmo-eir-sync"));
	eir_db_writer_unlock(a, EIR_DB_LOCAL);
	RC(eir_db_writer_lock(b, EIR_DB_LOCAL, "osmo-eir-db"));
	eir_db_close(a);
	eir_db_close(b);
}

int main(void)
{
	char cmd[128];

	ctx = talloc_named_const(NULL, 0, "db_test");
	snprintf(dir, sizeof(dir), "/tmp/eir-db-test.XXXXXX");
	OSMO_ASSERT(mkdtemp(dir));

	test_crud();
	test_rows();
	test_clear();
	test_ranges();
	test_iter();
	test_map_full();
	test_reserve();
	test_lock();
	test_schema();
	test_schema_steps();
	test_schema_upgrade_map();
	test_schema_3();
	test_schema_3_map();
	test_edit_audit();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	OSMO_ASSERT(system(cmd) == 0);
	OSMO_ASSERT(talloc_total_blocks(ctx) == 1);
	talloc_free(ctx);
	return 0;
}
