/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Socket helpers shared by the daemon's servers (S13, N5g-eir, CTRL). */

#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include <osmocom/core/logging.h>
#include <osmocom/eir/sock.h>

/*! Raise a listening socket's backlog to SOMAXCONN. libosmo-netif and libosmoctrl listen with 10: the SYNs of a
 *  burst of peers reconnecting after a restart would be dropped and retried 1 s, 3 s, ... later. listen() again
 *  only changes the backlog (the kernel caps it at net.core.somaxconn); a failure is logged, never fatal.
 *  \param[in] fd the listening socket  \param[in] log_subsys where to log  \param[in] what its name, for the log */
void eir_listen_backlog(int fd, int log_subsys, const char *what)
{
	if (listen(fd, SOMAXCONN) < 0)
		LOGP(log_subsys, LOGL_NOTICE, "cannot raise the %s listen backlog to %d: %s\n", what, SOMAXCONN,
		     strerror(errno));
}
