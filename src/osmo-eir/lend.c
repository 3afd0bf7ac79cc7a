/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The local lists lent to an import while osmo-eir runs (issue #15): osmo-eir-db import, finding the lists locked
 * by osmo-eir, connects to DIR/local/import.sock and asks "lend"; osmo-eir pauses its edit writer (CTRL edits wait
 * in its bounded queue), refuses VTY edits, releases the writer lock and answers "lent"; the import takes the lock,
 * runs its one transaction and exits. When the connection closes (the import done, or killed), osmo-eir takes the
 * lock back and applies the waiting edits. It answers S13 and N5g-eir throughout (the import is another process:
 * LMDB readers never wait for a writer). One borrower at a time. */

#define _GNU_SOURCE	/* accept4(), struct ucred */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>

#include <osmocom/eir/eir.h>
#include <osmocom/eir/logging.h>
#include "lists.h"

#define RETRY_MS 100		/* the lock back: the import's process may hold it a moment after the socket closed */

static struct {
	struct osmo_fd listen, conn;
	char *path;
	char line[64];
	size_t len;
	bool lent;
	char who[96];
	struct osmo_timer_list retry;
} S = { .listen = { .fd = -1 }, .conn = { .fd = -1 } };

static void say(const char *what)
{
	/* a few bytes on a fresh local socket: its buffer takes them */
	if (send(S.conn.fd, what, strlen(what), MSG_NOSIGNAL) < 0)
		LOGP(DMAIN, LOGL_NOTICE, "%s: cannot answer on %s: %s\n", S.who, S.path, strerror(errno));
}

static void take_back(void *data)
{
	if (eir_lists_lend(NULL)) {
		osmo_timer_schedule(&S.retry, 0, RETRY_MS * 1000);
		return;
	}
	S.lent = false;
	LOGP(DMAIN, LOGL_NOTICE, "took the local lists back from %s: edits go on\n", S.who);
}

static void conn_close(void)
{
	osmo_fd_unregister(&S.conn);
	close(S.conn.fd);
	S.conn.fd = -1;
	S.len = 0;
	if (S.lent)
		take_back(NULL);
}

static int conn_cb(struct osmo_fd *ofd, unsigned int what)
{
	ssize_t n = read(ofd->fd, S.line + S.len, sizeof(S.line) - 1 - S.len);
	char *nl;

	if (n <= 0) {
		if (n < 0 && errno == EAGAIN)
			return 0;
		conn_close();
		return 0;
	}
	if (S.lent)
		return 0;	/* nothing more is asked: the close says it is done */
	S.len += n;
	S.line[S.len] = '\0';
	nl = strchr(S.line, '\n');
	if (!nl) {
		if (S.len == sizeof(S.line) - 1)
			conn_close();
		return 0;
	}
	*nl = '\0';
	if (strcmp(S.line, "lend")) {
		say("error: unknown request\n");
		conn_close();
		return 0;
	}
	eir_lists_lend(S.who);
	S.lent = true;
	LOGP(DMAIN, LOGL_NOTICE, "lent the local lists to an import by %s: CTRL edits wait, VTY edits are refused\n",
	     S.who);
	say("lent\n");
	return 0;
}

static int accept_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct ucred cr;
	socklen_t l = sizeof(cr);
	int fd = accept4(ofd->fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	/* (errno kept: a failure that leaves the borrower waiting pauses the listener, eir_listen_guard_all()) */
	if (fd < 0)
		return -1;
	if (S.conn.fd >= 0) {
		if (send(fd, "busy\n", 5, MSG_NOSIGNAL) < 0)
			LOGP(DMAIN, LOGL_DEBUG, "cannot answer a second borrower\n");
		close(fd);
		return 0;
	}
	/* who, from the kernel: for the log and the VTY's refusals */
	if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cr, &l) == 0)
		snprintf(S.who, sizeof(S.who), "pid %d uid %u", (int)cr.pid, (unsigned)cr.uid);
	else
		snprintf(S.who, sizeof(S.who), "a local process");
	osmo_fd_setup(&S.conn, fd, OSMO_FD_READ, conn_cb, NULL, 0);
	if (osmo_fd_register(&S.conn)) {
		close(fd);
		S.conn.fd = -1;
	}
	return 0;
}

/*! Listen on DIR/local/import.sock (replacing one a previous run left). \returns 0 or -EIO (logged). */
int eir_lend_start(void *ctx)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	int fd;

	S.path = talloc_asprintf(ctx, "%s/local/import.sock", g_eir->db_dir);
	osmo_timer_setup(&S.retry, take_back, NULL);
	if (strlen(S.path) >= sizeof(sa.sun_path)) {
		LOGP(DMAIN, LOGL_ERROR, "%s: path too long for a socket: imports into the running osmo-eir are off\n",
		     S.path);
		return 0;
	}
	osmo_strlcpy(sa.sun_path, S.path, sizeof(sa.sun_path));
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd >= 0)
		unlink(S.path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sa, sizeof(sa)) || chmod(S.path, 0660) || listen(fd, 4)) {
		LOGP(DMAIN, LOGL_FATAL, "cannot listen on %s: %s\n", S.path, strerror(errno));
		if (fd >= 0)
			close(fd);
		return -EIO;
	}
	osmo_fd_setup(&S.listen, fd, OSMO_FD_READ, accept_cb, NULL, 0);
	if (osmo_fd_register(&S.listen)) {
		close(fd);
		S.listen.fd = -1;
		return -EIO;
	}
	return 0;
}

void eir_lend_stop(void)
{
	osmo_timer_del(&S.retry);
	if (S.conn.fd >= 0) {
		osmo_fd_unregister(&S.conn);
		close(S.conn.fd);
		S.conn.fd = -1;
	}
	if (S.listen.fd >= 0) {
		osmo_fd_unregister(&S.listen);
		close(S.listen.fd);
		S.listen.fd = -1;
		unlink(S.path);
	}
}
