/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Logging categories of osmo-eir, one per module. */
#pragma once

#include <osmocom/core/logging.h>

enum {
	DMAIN,		/* daemon / tool main */
	DDB,		/* the store */
	DEIR,		/* verdicts */
	DIMPORT,	/* imports and exports */
	DDIAM,		/* Diameter base + S13 */
	DSBI,		/* N5g-eir HTTP/2 */
	DSYNC,		/* national feed sync */
	DCTRLIF,	/* VTY / CTRL list edits */
	DHIST,		/* device history, sightings and events */
	DPUSH,		/* delivery of the events (osmo-eir-push) */
};

extern const struct log_info eir_log_info;
