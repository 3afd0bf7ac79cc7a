/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Socket helpers shared by the daemon's servers (S13, N5g-eir, CTRL). */
#pragma once

void eir_listen_backlog(int fd, int log_subsys, const char *what);
