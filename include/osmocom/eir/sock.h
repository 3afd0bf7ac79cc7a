/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Socket helpers shared by the daemon's servers (S13, N5g-eir, CTRL). */
#pragma once

#include <sys/types.h>

struct osmo_wqueue;
struct msgb;

void eir_listen_backlog(int fd, int log_subsys, const char *what);

#define EIR_WQUEUE_JOIN_MAX 64
ssize_t eir_wqueue_writev(int fd, struct osmo_wqueue *q, struct msgb *msg);
