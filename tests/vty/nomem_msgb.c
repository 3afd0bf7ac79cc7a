/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* A test's fault injection, preloaded into osmo-eir (LD_PRELOAD, tests/vty/ctrl-nomem.sh): msgb_alloc() fails, as
 * when memory runs out, for the messages named in the environment variable EIR_NOMEM_MSGB (names separated by '|');
 * every other msgb is allocated as ever. Nothing of the daemon knows about it. */

#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

struct msgb;

struct msgb *msgb_alloc(uint16_t size, const char *name)
{
	static struct msgb *(*real)(uint16_t, const char *);
	const char *fail = getenv("EIR_NOMEM_MSGB"), *p;
	size_t len = name ? strlen(name) : 0;

	for (p = fail; p && len; p = strchr(p, '|') ? strchr(p, '|') + 1 : NULL) {
		if (!strncmp(p, name, len) && (p[len] == '|' || !p[len]))
			return NULL;
	}
	if (!real)
		real = (struct msgb *(*)(uint16_t, const char *))dlsym(RTLD_NEXT, "msgb_alloc");
	return real ? real(size, name) : NULL;
}
