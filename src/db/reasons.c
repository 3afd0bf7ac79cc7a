/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The reason cache of the bulk writers: text → id through a direct-mapped cache over the store's reason table, so
 * that a sync or import of millions of rows looks each distinct text up about once. */

#include <string.h>

#include <talloc.h>
#include <osmocom/eir/reasons.h>

/* FNV-1a */
static uint32_t reason_hash(const char *s)
{
	uint32_t h = 2166136261u;

	for (; *s; s++)
		h = (h ^ (uint8_t)*s) * 16777619u;
	return h;
}

/*! The id of a reason text in txn, made when new; "" is 0 (no reason).
 *  \returns 0, or eir_db_txn_reason()'s error (-EINVAL: the text refused, eir_db_errstr() says why) */
int eir_reasons_id(struct eir_reasons *rs, struct eir_db_txn *txn, const char *text, uint32_t *id)
{
	unsigned i;
	int rc;

	if (!*text) {
		*id = 0;
		return 0;
	}
	i = reason_hash(text) % EIR_REASONS_SLOTS;
	if (rs->slot[i].text && !strcmp(rs->slot[i].text, text)) {
		*id = rs->slot[i].id;
		return 0;
	}
	rc = eir_db_txn_reason(txn, text, id);
	if (rc)
		return rc;
	talloc_free(rs->slot[i].text);
	rs->slot[i].text = talloc_strdup(NULL, text);
	rs->slot[i].id = *id;
	return 0;
}

/*! Forget every id: the transaction they were got in ended (or is redone after the map grew). */
void eir_reasons_clear(struct eir_reasons *rs)
{
	unsigned i;

	for (i = 0; i < EIR_REASONS_SLOTS; i++)
		TALLOC_FREE(rs->slot[i].text);
}
