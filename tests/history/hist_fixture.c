/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* For tests/history/push.sh: a history whose first events the retention has already pruned (which a real daemon
 * only shows after days): hist_fixture DIR OLD NEW makes OLD sightings 10 days ago and NEW ones now, with a
 * retention of 3 days, and prunes; it prints the ids kept. */

#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>

static int print_id(void *data, const struct eir_hist_event *ev)
{
	printf("%llu\n", (unsigned long long)ev->id);
	return 0;
}

int main(int argc, char **argv)
{
	struct eir_hist_cfg cfg = EIR_HIST_CFG_DEFAULT;
	struct eir_hist *h;
	char err[256];
	int n_old, n_new;
	time_t now = time(NULL);

	if (argc != 4)
		return 1;
	n_old = atoi(argv[2]);
	n_new = atoi(argv[3]);
	cfg.retention_days = 3;
	if (eir_hist_open(NULL, &h, argv[1], &cfg, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	for (int i = 0; i < n_old + n_new; i++) {
		struct eir_hist_rec r = { .t = i < n_old ? now - 10 * 86400 : now, .imei = 35000004000100ULL + i,
					  .sv = -1, .iface = EIR_IFACE_S13, .verdict = EIR_BLACKLISTED,
					  .flags = EIR_HIST_F_IMSI };

		char imsi[24];

		snprintf(imsi, sizeof(imsi), "00101000000%04u", (unsigned)i % 10000);
		OSMO_ASSERT(!eir_imsi_pack(imsi, r.imsi, NULL));
		r.why = (struct eir_hist_why){ .level = EIR_LVL_LOCAL_IMEI, .list = EIR_LIST_BLACK };
		osmo_strlcpy(r.node, "mme-fixture", sizeof(r.node));
		if (eir_hist_apply(h, &r, 1, NULL, NULL, err, sizeof(err))) {
			fprintf(stderr, "%s\n", err);
			return 1;
		}
	}
	for (int i = 0; i < 100 && eir_hist_prune(h, 256) > 0; i++)
		;
	eir_hist_events_after(h, 0, 0, 0, print_id, NULL);
	eir_hist_close(h);
	return 0;
}
