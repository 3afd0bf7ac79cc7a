/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* CSV import and export of the operator's local lists, and export of the national rows, for osmo-eir-db. */
#pragma once

#include <stdio.h>
#include <osmocom/eir/db.h>

enum import_result {
	IMPORT_ALL = 0,		/*!< every row applied */
	IMPORT_NOTHING = 1,	/*!< nothing applied */
	IMPORT_SKIPPED = 2,	/*!< applied, some rows skipped */
};

enum export_form {
	EXPORT_ENTRIES,
	EXPORT_RANGES,
	EXPORT_PAIRS,
	/*! national, as DIRBS writes them: imei,imsi,msisdn,block_date,reasons,amnesty_granted */
	EXPORT_NOTIFICATIONS,
	EXPORT_EXCEPTIONS,	/*!< national: imei,imsi,msisdn */
};

/* the rows are sorted in mem_budget bytes, beyond that in temporary files in tmp_dir */
enum import_result db_import(void *ctx, struct eir_db *db, const char *path, size_t mem_budget, const char *tmp_dir);
int db_export(struct eir_db *db, enum export_form form, FILE *out);
