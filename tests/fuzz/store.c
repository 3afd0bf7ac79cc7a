/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the Diameter fuzz targets: a small store made once in a temporary directory (a black, a grey and a
 * white IMEI), removed at exit. */

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/db.h>
#include <osmocom/eir/imei.h>
#include "fuzz.h"

static struct eir_db *db;
static char dir[64] = "/tmp/fuzz-eir-store.XXXXXX";

static const struct {
	const char *imei;
	enum eir_list list;
} entries[] = {
	{ "35693803564380", EIR_LIST_BLACK },
	{ "35000001000001", EIR_LIST_GREY },
	{ "35000001000002", EIR_LIST_WHITE },
};

static int load_cb(struct eir_db_txn *txn, void *arg)
{
	unsigned i;

	for (i = 0; i < ARRAY_SIZE(entries); i++) {
		struct eir_entry e = { .list = entries[i].list, .listed = 20000 };
		struct eir_imei p;

		FUZZ_ASSERT(eir_imei_parse(entries[i].imei, &p, NULL) == 0);
		e.imei = p.key;
		memset(e.msisdn, 0xff, sizeof(e.msisdn));
		if (eir_db_txn_put(txn, EIR_T_IMEI, &e))
			return -1;
	}
	return 0;
}

static void cleanup(void)
{
	char cmd[96];

	eir_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd))
		fprintf(stderr, "cannot remove %s\n", dir);
}

/*! The store, made on the first call. */
struct eir_db *fuzz_store(void *ctx)
{
	struct eir_db_opts o = { .create = true, .map_size = 16 << 20 };

	if (db)
		return db;
	FUZZ_ASSERT(mkdtemp(dir));
	FUZZ_ASSERT(eir_db_open(ctx, &db, dir, &o) == 0);
	FUZZ_ASSERT(eir_db_write(db, EIR_DB_LOCAL, load_cb, NULL) == 0);
	atexit(cleanup);
	return db;
}
