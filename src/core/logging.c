/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir's logging categories, shared by the daemon, the tools and the tests. */

#include <osmocom/core/utils.h>
#include <osmocom/eir/logging.h>

static const struct log_info_cat eir_log_cats[] = {
	[DMAIN] = { .name = "DMAIN", .description = "Main program", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DDB] = { .name = "DDB", .description = "Equipment store (LMDB)", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DEIR] = { .name = "DEIR", .description = "Verdicts", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DIMPORT] = { .name = "DIMPORT", .description = "List import and export", .enabled = 1,
		      .loglevel = LOGL_NOTICE },
	[DDIAM] = { .name = "DDIAM", .description = "Diameter base protocol and S13", .enabled = 1,
		    .loglevel = LOGL_NOTICE },
	[DSBI] = { .name = "DSBI", .description = "N5g-eir over HTTP/2", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DSYNC] = { .name = "DSYNC", .description = "National feed sync", .enabled = 1, .loglevel = LOGL_NOTICE },
	[DCTRLIF] = { .name = "DCTRLIF", .description = "List edits from VTY and CTRL", .enabled = 1,
		      .loglevel = LOGL_NOTICE },
	[DHIST] = { .name = "DHIST", .description = "Device history, sightings and events", .enabled = 1,
		    .loglevel = LOGL_NOTICE },
	[DPUSH] = { .name = "DPUSH", .description = "Delivery of the events (osmo-eir-push)", .enabled = 1,
		    .loglevel = LOGL_NOTICE },
};

const struct log_info eir_log_info = {
	.cat = eir_log_cats,
	.num_cat = ARRAY_SIZE(eir_log_cats),
};
