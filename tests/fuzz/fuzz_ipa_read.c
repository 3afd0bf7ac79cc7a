/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: eir_ipa_read() (src/core/sock.c), how osmo-eir reads the IPA frames of a CTRL connection, over a
 * socketpair the input is written into in chunks. Byte 0: the chunk size - 1 (1..256); byte 1: the frames a round
 * may take (low 5 bits + 1); then the stream. Checks that the frames handed over are exactly those a split of the
 * whole stream finds (eir_ipa_ctrl_frame() over it at once), in order, whatever the chunks and the rounds' limit;
 * that a frame that cannot be taken ends the reading with its error and nothing after it handed over; that the end
 * of the stream is seen (-EPIPE) with a frame in parts never handed over; and that every round makes progress. */

#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/ioctl.h>
#include <sys/socket.h>

#include <osmocom/core/msgb.h>
#include <osmocom/eir/sock.h>

#include "fuzz.h"

struct seen {
	const uint8_t *want;	/* the stream */
	size_t off, end;	/* handed over so far; where the whole frames end */
	unsigned frames, round_frames, max;
};

static int got_frame(void *data, const uint8_t *p, size_t len)
{
	struct seen *s = data;
	size_t flen;

	FUZZ_ASSERT(eir_ipa_ctrl_frame(p, len, &flen) == 1 && flen == len);
	FUZZ_ASSERT(s->off + len <= s->end && !memcmp(s->want + s->off, p, len));
	s->off += len;
	s->frames++;
	s->round_frames++;
	FUZZ_ASSERT(s->round_frames <= s->max);
	return 0;
}

static int pending(int fd)
{
	int n = 0;

	FUZZ_ASSERT(ioctl(fd, FIONREAD, &n) == 0);
	return n;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct seen s = { 0 };
	struct msgb *part = NULL;
	size_t chunk, len, off = 0, flen = 0, sent = 0;
	int sv[2], rc = 0, want_rc = -EPIPE, r = 0;
	unsigned rounds = 0;

	if (size < 2 || size > 2 + 65536)
		return 0;
	chunk = (size_t)data[0] + 1;
	s.max = (data[1] & 31) + 1;
	s.want = data + 2;
	len = size - 2;
	/* the reference: the whole stream split at once */
	while (off < len && (r = eir_ipa_ctrl_frame(s.want + off, len - off, &flen)) == 1)
		off += flen;
	s.end = off;
	if (off < len && r < 0)
		want_rc = r;

	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	while (rc == 0) {
		if (sent < len) {
			size_t n = len - sent < chunk ? len - sent : chunk;

			FUZZ_ASSERT(write(sv[1], s.want + sent, n) == (ssize_t)n);
			sent += n;
			if (sent == len)
				shutdown(sv[1], SHUT_WR);
		} else if (!len) {
			shutdown(sv[1], SHUT_WR);
		}
		/* the rounds poll() would make: while there is something to read (or the end) */
		while (rc == 0 && (pending(sv[0]) || sent == len)) {
			int before = pending(sv[0]);

			s.round_frames = 0;
			rc = eir_ipa_read(sv[0], &part, s.max, got_frame, &s);
			FUZZ_ASSERT(++rounds <= 2 * len + 4);
			/* progress: bytes taken, or the end or an error seen */
			FUZZ_ASSERT(rc != 0 || pending(sv[0]) < before || !before);
			if (rc == 0 && !before && sent == len)
				FUZZ_ASSERT(0 && "the end of the stream not seen");
		}
	}
	FUZZ_ASSERT(rc == want_rc);
	FUZZ_ASSERT(s.off == s.end);
	/* a frame in parts at the end is kept, never handed over */
	FUZZ_ASSERT(!part || rc == -EPIPE || rc == -EPROTO || rc == -EMSGSIZE);
	msgb_free(part);
	close(sv[0]);
	close(sv[1]);
	return 0;
}
