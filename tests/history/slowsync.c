/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* slowsync.so: an LD_PRELOAD shim for tests/history/stress.sh that makes every fsync, fdatasync and msync take
 * SLOWSYNC_MS milliseconds (default 200): a slow disk under the history's writer thread. The lists' own syncs are
 * slowed too, but the test edits nothing while it runs. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdlib.h>
#include <time.h>
#include <sys/mman.h>
#include <unistd.h>

static void slow(void)
{
	const char *e = getenv("SLOWSYNC_MS");
	long ms = e ? atol(e) : 200;
	struct timespec ts = { .tv_sec = ms / 1000, .tv_nsec = (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

int fsync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fsync");

	slow();
	return real(fd);
}

int fdatasync(int fd)
{
	int (*real)(int) = (int (*)(int))dlsym(RTLD_NEXT, "fdatasync");

	slow();
	return real(fd);
}

int msync(void *addr, size_t len, int flags)
{
	int (*real)(void *, size_t, int) = (int (*)(void *, size_t, int))dlsym(RTLD_NEXT, "msync");

	slow();
	return real(addr, len, flags);
}
