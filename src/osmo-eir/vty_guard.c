/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Bounds what one VTY connection can make osmo-eir hold: libosmovty 1.7 grows a connection's line buffer, and the
 * echo of it for a client that does not read, for as long as no newline comes (a 20 MiB line held 40 MiB). A
 * line longer than EIR_VTY_LINE_MAX closes the connection, with a message, and is counted. */

#include <osmocom/core/signal.h>
#include <osmocom/core/logging.h>
#include <osmocom/vty/vty.h>

#include <osmocom/eir/logging.h>
#include "lists.h"

/* far above any command osmo-eir has (a reason is at most 500 bytes) */
#define EIR_VTY_LINE_MAX 4096

static int vty_guard_cb(unsigned int subsys, unsigned int signal, void *handler_data, void *signal_data)
{
	struct vty_signal_data *sig = signal_data;
	struct vty *vty;

	if (subsys != SS_L_VTY || signal != S_VTY_EVENT || sig->event != VTY_READ)
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

/*! Watch every VTY connection's line length (libosmovty's S_VTY_EVENT signal). */
void eir_vty_guard_init(void)
{
	osmo_signal_register_handler(SS_L_VTY, vty_guard_cb, NULL);
}
