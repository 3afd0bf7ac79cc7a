/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Socket helpers shared by the daemon's servers (S13, N5g-eir, CTRL). */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

struct osmo_wqueue;
struct msgb;

void eir_listen_backlog(int fd, int log_subsys, const char *what);

/* a listening socket whose connection could not be accepted (out of file descriptors, of memory) is not read for
 * this long: the connection waits in the backlog, the loop does not spin on it */
#define EIR_LISTEN_PAUSE_MS 100
/* listening sockets a process guards at most */
#define EIR_LISTEN_GUARD_MAX 16
/* called on the loop each time a guarded listener pauses (a rate counter of the caller's, say) */
typedef void (*eir_listen_pause_cb)(void);
unsigned eir_listen_guard_all(int log_subsys, eir_listen_pause_cb on_pause);
void eir_listen_guard_release(void);
struct osmo_fd *eir_listen_find(uint16_t port);
int eir_listen_refuse(int lfd, const char *text);

#define EIR_WQUEUE_JOIN_MAX 64
ssize_t eir_wqueue_writev(int fd, struct osmo_wqueue *q, struct msgb *msg);

/* IPA framing, as the CTRL interface uses it: a 3-byte header (the payload's length, big-endian; the protocol), then
 * the payload. libosmoctrl reads frames of at most this many bytes in all (IPA_ALLOC_SIZE in libosmogsm). */
#define EIR_IPA_HDR_LEN 3
#define EIR_IPA_FRAME_MAX 1200
int eir_ipa_ctrl_frame(const uint8_t *p, size_t len, size_t *flen);

/* a whole frame of an IPA stream, header included; nonzero stops the read round and is what eir_ipa_read() returns */
typedef int (*eir_ipa_frame_cb)(void *data, const uint8_t *frame, size_t len);
/* what one read round peeks at: more than the longest frame */
#define EIR_IPA_READ_PEEK 4096
int eir_ipa_read(int fd, struct msgb **part, unsigned max, eir_ipa_frame_cb frame_cb, void *data);
