/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The osmo-eir daemon's global state, shared by main and the VTY. */
#pragma once

#include <osmocom/eir/check.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/diameter/server.h>
#include <osmocom/eir/sbi/server.h>

#define OSMO_VTY_PORT_EIR 4290	/* not in Osmocom's assigned list (4236..4278 in libosmocore 1.7) */
#define OSMO_CTRL_PORT_EIR 4291
/* sessions open at once on each of the VTY and CTRL (a script that leaks them would take every descriptor) */
#define EIR_DEFAULT_MAX_SESSIONS 32

enum eir_vty_node {
	EIR_NODE = _LAST_OSMOVTY_NODE + 1,
	DIAMETER_NODE,
	SBI_NODE,
	HISTORY_NODE,
};

struct eir_global {
	void *ctx;
	char *db_dir;
	uint64_t map_size_mib;
	struct eir_policy policy;
	uint16_t ctrl_port;		/*!< 0: no CTRL interface */
	unsigned vty_max_sessions;	/*!< VTY connections open at once; beyond, refused with a message */
	unsigned ctrl_max_sessions;	/*!< CTRL connections open at once; beyond, closed at once */
	bool lookup_filter_off;		/*!< 'lookup-filter off': no lookup filters (db.h), the lookups all search */
	struct eir_db *db;
	struct diam_cfg diam;
	struct diam_server *diam_srv;
	struct sbi_cfg sbi;
	struct sbi_server *sbi_srv;
};

extern struct eir_global *g_eir;

void eir_vty_init(void);
void eir_equipment_vty_init(void);
int eir_ctrl_start(void *ctx);
