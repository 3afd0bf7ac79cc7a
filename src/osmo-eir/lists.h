/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir's side of list management: edits from the VTY and CTRL (counted, logged, audited), the store
 * summary both show, and the store's stat items. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/sync_status.h>

enum eir_lists_ctr {
	EIR_LISTS_CTR_EDIT_VTY,
	EIR_LISTS_CTR_EDIT_CTRL,
	EIR_LISTS_CTR_EDIT_FAILED,
	EIR_LISTS_CTR_QUERY,
	EIR_LISTS_CTR_VTY_LINE_DROPPED,
	EIR_LISTS_CTR_EDIT_CTRL_COMMIT,
	EIR_LISTS_CTR_EDIT_CTRL_BUSY,
	EIR_LISTS_CTR_VTY_REFUSED,
	EIR_LISTS_CTR_CTRL_REFUSED,
	EIR_LISTS_CTR_LISTEN_PAUSED,
	EIR_LISTS_CTR_FILTER_BUILT,
	EIR_LISTS_CTR_FILTER_CAUGHT_UP,
	EIR_LISTS_CTR_FILTER_SKIP,
};

enum eir_lists_stat {
	EIR_LISTS_STAT_LOCAL_IMEI,
	EIR_LISTS_STAT_NAT_BLACK,
	EIR_LISTS_STAT_NAT_NOTIF,
	EIR_LISTS_STAT_NAT_EXC,
	EIR_LISTS_STAT_FEED_SYNCED,
	EIR_LISTS_STAT_FEED_RUN,
	EIR_LISTS_STAT_FEED_AGE,
	EIR_LISTS_STAT_SYNC_FAILED,
	EIR_LISTS_STAT_SYNC_LIMIT,
	EIR_LISTS_STAT_MAP_USE_LOCAL,
	EIR_LISTS_STAT_MAP_USE_NAT,
	EIR_LISTS_STAT_FILTER_LOCAL,
	EIR_LISTS_STAT_FILTER_NAT,
	EIR_LISTS_STAT_FILTER_KIB,
};

/* the operator interfaces' sessions (vty_guard.c, eir_ctrl.c) */
enum eir_oam_stat {
	EIR_OAM_STAT_VTY_SESSIONS,
	EIR_OAM_STAT_CTRL_SESSIONS,
};

struct eir_summary {
	struct eir_db_stats st[_EIR_DB_PART_COUNT];
	uint64_t audit_records;
	bool feed_synced;
	struct eir_feed_state feed;
	int64_t feed_age;		/*!< seconds since the last applied run, -1: never */
	bool sync_known;		/*!< osmo-eir-sync left a record of its last attempt */
	struct eir_sync_status sync;	/*!< that record (DBDIR/sync-status) */
};

int eir_lists_init(void *ctx);
void eir_lists_free(void);
int eir_lists_edit(struct eir_edit *ed, bool ctrl, struct eir_audit *au, char *err, size_t len);
/* an edit's outcome, on the loop: rc 0 once durable, else err says why */
typedef void (*eir_lists_edit_cb)(void *data, int rc, const char *err);
int eir_lists_edit_async(const struct eir_edit *ed, eir_lists_edit_cb cb, void *data, char *err, size_t len);
int eir_lists_summary(struct eir_summary *s);
int eir_lists_lend(const char *to);
void eir_lists_who(char *buf, size_t len, const char *iface, int fd);
void eir_lists_ctr_inc(enum eir_lists_ctr c);
void eir_oam_stat_set(enum eir_oam_stat s, int32_t value);

/* eir_ctrl.c: the CTRL interface, for TRAPs (NULL: none) */
extern struct ctrl_handle *eir_ctrl_handle;

/* lend.c: the local lists lent to an import (osmo-eir-db import while osmo-eir runs) over DIR/local/import.sock */
int eir_lend_start(void *ctx);
void eir_lend_stop(void);

/* vty_guard.c, once the VTY listens */
int eir_vty_guard_init(void);
