/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The result of osmo-eir-sync's last attempt, in DBDIR/sync-status: kept apart from the store so that a refused
 * sync (even a full map) still records why, and readable by the daemon for `show equipment summary`. */
#pragma once

#include <stdint.h>

#define EIR_SYNC_STATUS_FILE "sync-status"

struct eir_sync_status {
	char feed[64];		/*!< feed name */
	int64_t attempt_at;	/*!< unix time of the last attempt */
	int64_t ok_at;		/*!< unix time of the last successful attempt (applied or up to date), 0: never */
	int exit_code;		/*!< osmo-eir-sync's exit code of the last attempt (0: success) */
	char result[256];	/*!< one line: what happened */
	int64_t run_id;		/*!< the run held after the attempt, -1: none */
	char run_date[16];	/*!< its date, YYYYMMDD_HHMMSS, "" for none */
	uint64_t limit_refused;	/*!< syncs of this feed refused by the safety limit, ever (exit 13) */
};

int eir_sync_status_read(const char *dbdir, struct eir_sync_status *st);
int eir_sync_status_write(const char *dbdir, const struct eir_sync_status *st);
