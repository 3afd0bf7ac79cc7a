/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Changes to the operator's local lists, as every front end makes them (VTY, CTRL, osmo-eir-db): one write
 * transaction holding the change and its audit record (who, what, before, after). */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>
#include <osmocom/eir/db.h>

enum eir_edit_kind {
	EIR_EDIT_IMEI,		/*!< one IMEI */
	EIR_EDIT_RANGE,		/*!< IMEI range, first..last */
	EIR_EDIT_TAC,		/*!< a whole TAC: the range TAC000000..TAC999999 */
	EIR_EDIT_PAIR,		/*!< (IMEI, IMSI) exception */
};
extern const struct value_string eir_edit_kind_names[];	/* "imei", "range", "tac", "pair" */

struct eir_edit {
	bool del;
	bool lookup;		/*!< set before eir_edit_key() by a reader: it then takes a wrong check digit too */
	enum eir_edit_kind kind;
	struct eir_entry e;	/*!< imei (first of a range), last, imsi, list */
	const char *reason;	/*!< NULL or "": none */
	const char *who;	/*!< for the audit trail */
};

int eir_edit_key(struct eir_edit *ed, enum eir_edit_kind kind, const char *a, const char *b, char *err,
		 size_t len);
int eir_edit_apply(struct eir_db *db, struct eir_edit *ed, struct eir_audit *audit);
int eir_edit_apply_txn(struct eir_db_txn *txn, struct eir_edit *ed, struct eir_audit *audit);
char *eir_edit_describe(char *buf, size_t len, const struct eir_edit *ed);
char *eir_audit_str(char *buf, size_t len, const struct eir_audit *a);
