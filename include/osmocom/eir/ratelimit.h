/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* At most N events per second (the verdict log lines of every front end): police trace stolen phones with them,
 * but a flood of them must never slow the answers down. */
#pragma once

#include <stdbool.h>
#include <time.h>

/* log lines per second about connections refused or evicted at a server's cap: a flood must not flood the log */
#define EIR_CONN_LOG_PER_SEC 10

struct eir_ratelimit {
	time_t second;
	unsigned count;
};

/*! \returns true when one more event fits into this second's per_sec */
static inline bool eir_ratelimit_allow(struct eir_ratelimit *rl, unsigned per_sec)
{
	time_t now = time(NULL);

	if (now != rl->second) {
		rl->second = now;
		rl->count = 0;
	}
	return rl->count++ < per_sec;
}
