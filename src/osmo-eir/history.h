/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir's side of the device history (include/osmocom/eir/history.h): the 'history' config node, the VTY views,
 * the hook on the front ends' decision step and the events' log lines, counters and CTRL TRAPs. */
#pragma once

#include <osmocom/eir/decide.h>

void eir_history_vty_init(void);
/*! Open the history (its own LMDB environment) and start its writer thread; if it cannot, osmo-eir runs without
 * (logged). \returns -1 only when out of memory. */
int eir_history_start(void *ctx, const char *db_dir);
/*! Record this front end's network checks (sets its decider's hook). */
void eir_history_attach(struct eir_decider *d);
/*! Drain, commit, join the thread, close (after the front ends have stopped answering). */
void eir_history_stop(void);
