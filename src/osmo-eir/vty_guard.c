/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Bounds what the VTY can make osmo-eir hold. libosmovty 1.7 grows a connection's line buffer, and the echo of it
 * for a client that does not read, for as long as no newline comes (a 20 MiB line held 40 MiB): a line longer than
 * EIR_VTY_LINE_MAX closes the connection, with a message, and is counted. And it takes every connection that comes
 * (a script that leaks them would take every descriptor, and S13 and N5g-eir peers could not connect): beyond
 * 'eir' / 'vty max-sessions', a connection is closed at once, with a message, and counted. */

#include <errno.h>
#include <stdio.h>

#include <osmocom/core/signal.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/select.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>

#include <osmocom/eir/eir.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/ratelimit.h>
#include <osmocom/eir/sock.h>
#include "lists.h"

/* far above any command osmo-eir has (a reason is at most 500 bytes) */
#define EIR_VTY_LINE_MAX 4096

static unsigned vty_sessions;
static int (*vty_accept_orig)(struct osmo_fd *ofd, unsigned int what);
static struct eir_ratelimit refuse_rl;

/* libosmovty's accept (0: a session opened), unless as many are open as allowed */
static int vty_accept(struct osmo_fd *ofd, unsigned int what)
{
	char msg[80];
	int rc;

	if (vty_sessions >= g_eir->vty_max_sessions) {
		snprintf(msg, sizeof(msg), "%% %u VTY sessions open already (vty max-sessions): closing\r\n",
			 vty_sessions);
		rc = eir_listen_refuse(ofd->fd, msg);
		if (rc)
			return rc;
		eir_lists_ctr_inc(EIR_LISTS_CTR_VTY_REFUSED);
		if (eir_ratelimit_allow(&refuse_rl, 1))
			LOGP(DCTRLIF, LOGL_NOTICE, "VTY: %u sessions open already (vty max-sessions): a new connection "
			     "closed\n", vty_sessions);
		return 0;
	}
	rc = vty_accept_orig(ofd, what);
	if (rc == 0)
		eir_oam_stat_set(EIR_OAM_STAT_VTY_SESSIONS, ++vty_sessions);
	return rc;
}

static int vty_guard_cb(unsigned int subsys, unsigned int signal, void *handler_data, void *signal_data)
{
	struct vty_signal_data *sig = signal_data;
	struct vty *vty;

	if (subsys != SS_L_VTY || signal != S_VTY_EVENT)
		return 0;
	/* (libosmovty signals only its telnet connections' events, VTY_CLOSED once for each) */
	if (sig->event == VTY_CLOSED && vty_sessions) {
		eir_oam_stat_set(EIR_OAM_STAT_VTY_SESSIONS, --vty_sessions);
		return 0;
	}
	if (sig->event != VTY_READ)
		return 0;
	vty = sig->vty;
	/* called after each read of at most VTY_READ_BUFSIZ bytes: the buffer stays below LINE_MAX + 2 reads */
	if (!vty || vty->length <= EIR_VTY_LINE_MAX)
		return 0;
	if (vty->status == VTY_CLOSE)
		return 0;
	LOGP(DCTRLIF, LOGL_NOTICE, "VTY: a line longer than %d characters: connection closed\n", EIR_VTY_LINE_MAX);
	eir_lists_ctr_inc(EIR_LISTS_CTR_VTY_LINE_DROPPED);
	vty->length = 0;
	vty->cp = 0;
	vty->buf[0] = '\0';
	vty_out(vty, "%s%% line longer than %d characters: closing%s", VTY_NEWLINE, EIR_VTY_LINE_MAX, VTY_NEWLINE);
	/* libosmovty closes it at its next read: not from inside its own read handler */
	vty->status = VTY_CLOSE;
	return 0;
}

/*! Watch every VTY connection's line length (libosmovty's S_VTY_EVENT signal), and count the connections open
 *  (libosmovty's listener, found by its port, gets the accept above). \returns 0, or -ENOENT when no VTY listens */
int eir_vty_guard_init(void)
{
	struct osmo_fd *lfd = eir_listen_find(vty_get_bind_port(OSMO_VTY_PORT_EIR));

	osmo_signal_register_handler(SS_L_VTY, vty_guard_cb, NULL);
	if (!lfd)
		return -ENOENT;
	vty_accept_orig = lfd->cb;
	lfd->cb = vty_accept;
	return 0;
}
