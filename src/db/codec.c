/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The record codec: the names of parts and tables, and the byte layout of keys and records (big-endian keys, so
 * that memcmp order is numeric order). Pure: no environment, no transaction. */

#include <errno.h>
#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/core/bit16gen.h>
#include <osmocom/core/bit32gen.h>
#include "store_internal.h"

const struct value_string eir_db_part_names[] = {
	{ EIR_DB_LOCAL, "local" },
	{ EIR_DB_NATIONAL, "national" },
	{ 0, NULL }
};

const struct value_string eir_db_table_names[] = {
	{ EIR_T_IMEI, "imei" },
	{ EIR_T_PAIR, "pair" },
	{ EIR_T_RANGE, "range" },
	{ EIR_T_NOTIF, "notif" },
	{ EIR_T_EXC, "exc" },
	{ EIR_T_REASON, "reason" },
	{ 0, NULL }
};

void db_val_str(char *buf, size_t len, const MDB_val *v)
{
	size_t n;

	if (!len)
		return;
	/* never strlen() the value: it is not NUL-terminated, and in a write transaction it sits in a heap page */
	n = OSMO_MIN(len - 1, v->mv_size);
	memcpy(buf, v->mv_data, n);
	buf[n] = '\0';
}

uint64_t db_be48_get(const uint8_t *p)
{
	return ((uint64_t)p[0] << 40) | ((uint64_t)p[1] << 32) | ((uint64_t)p[2] << 24) | ((uint64_t)p[3] << 16) |
	       ((uint64_t)p[4] << 8) | p[5];
}

void db_be48_put(uint8_t *p, uint64_t v)
{
	p[0] = (uint8_t)(v >> 40);
	p[1] = (uint8_t)(v >> 32);
	p[2] = (uint8_t)(v >> 24);
	p[3] = (uint8_t)(v >> 16);
	p[4] = (uint8_t)(v >> 8);
	p[5] = (uint8_t)v;
}

int db_key_len(enum eir_db_table t)
{
	switch (t) {
	case EIR_T_PAIR:
		return KEY_PAIR_LEN;
	case EIR_T_NOTIF:
	case EIR_T_EXC:
		return KEY_ROW_LEN;
	default:
		return KEY_IMEI_LEN;
	}
}

int db_rec_len(enum eir_db_table t)
{
	return t == EIR_T_RANGE ? REC_RANGE_LEN : REC_LEN;
}

static bool is_row_table(enum eir_db_table t)
{
	return t == EIR_T_NOTIF || t == EIR_T_EXC;
}

void db_key_enc(enum eir_db_table t, const struct eir_entry *e, uint8_t *key)
{
	db_be48_put(key, e->imei);
	if (db_key_len(t) >= KEY_PAIR_LEN)
		memcpy(key + KEY_IMEI_LEN, e->imsi, 8);
	if (is_row_table(t))
		memcpy(key + KEY_PAIR_LEN, e->msisdn, 8);
}

void db_key_dec(enum eir_db_table t, const uint8_t *key, struct eir_entry *e)
{
	e->imei = db_be48_get(key);
	if (db_key_len(t) >= KEY_PAIR_LEN)
		memcpy(e->imsi, key + KEY_IMEI_LEN, 8);
	if (is_row_table(t))
		memcpy(e->msisdn, key + KEY_PAIR_LEN, 8);
}

void db_rec_enc(enum eir_db_table t, const struct eir_entry *e, uint8_t *rec)
{
	uint8_t *r = rec;

	if (t == EIR_T_RANGE) {
		db_be48_put(r, e->last);
		r += 6;
	}
	r[0] = (uint8_t)e->list;
	r[1] = t == EIR_T_NOTIF ? (uint8_t)e->amnesty : e->flags;
	osmo_store32be(e->reason_id, r + 2);
	osmo_store16be(e->listed, r + 6);
	osmo_store16be(e->block, r + 8);
	osmo_store32be(e->applied, r + 10);
}

/*! Decode a record into e (key fields are left as they are; the MSISDN of a table without one is set to none).
 *  \returns 0 or -EIO for a record of the wrong size. */
int db_rec_dec(enum eir_db_table t, const MDB_val *v, struct eir_entry *e)
{
	const uint8_t *r = v->mv_data;

	if (v->mv_size != (size_t)db_rec_len(t))
		return -EIO;
	if (t == EIR_T_RANGE) {
		e->last = db_be48_get(r);
		r += 6;
	}
	e->list = r[0] <= EIR_LIST_BLACK ? (enum eir_list)r[0] : EIR_LIST_NONE;
	e->flags = t == EIR_T_NOTIF ? 0 : r[1];
	e->amnesty = t == EIR_T_NOTIF ? r[1] != 0 : false;
	e->reason_id = osmo_load32be(r + 2);
	e->listed = osmo_load16be(r + 6);
	e->block = osmo_load16be(r + 8);
	e->applied = osmo_load32be(r + 10);
	if (!is_row_table(t))
		memset(e->msisdn, EIR_NO_NUMBER_BYTE, 8);
	return 0;
}
