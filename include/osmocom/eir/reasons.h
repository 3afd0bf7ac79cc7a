/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Reason text → id for the bulk writers (osmo-eir-sync, osmo-eir-db import): a small direct-mapped cache in front of
 * eir_db_txn_reason(), since a list repeats a handful of texts over millions of rows. */
#pragma once

#include <stdint.h>
#include <osmocom/eir/db.h>

#define EIR_REASONS_SLOTS 1024

/*! The cache: embed it zeroed; its ids are only valid in the transaction they were got in. */
struct eir_reasons {
	struct {
		char *text;	/* talloc'd, NULL: empty slot */
		uint32_t id;
	} slot[EIR_REASONS_SLOTS];
};

int eir_reasons_id(struct eir_reasons *rs, struct eir_db_txn *txn, const char *text, uint32_t *id);
void eir_reasons_clear(struct eir_reasons *rs);
