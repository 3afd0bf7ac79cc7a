/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the fuzz targets: how a broken invariant is reported (in both the libFuzzer and the replay build). */

#include <stdio.h>
#include <stdlib.h>

#include "fuzz.h"

void fuzz_fail(const char *cond, const char *file, int line)
{
	fprintf(stderr, "%s:%d: invariant broken: %s\n", file, line, cond);
	abort();
}
