/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* eir_wqueue_writev() (src/core/sock.c): a write queue's messages joined into one writev() arrive whole and in
 * their order through a socket that takes only part of them at a time; the queue's length stays its list's.
 * eir_ipa_ctrl_frame(): where a CTRL connection's IPA stream stands, for each way a frame can be. */

#include <errno.h>
#include <stdbool.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <talloc.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/utils.h>
#include <osmocom/core/write_queue.h>

#include <osmocom/eir/sock.h>

#define MSGS 200
#define MSG_LEN 1500

static unsigned queue_count(struct osmo_wqueue *q)
{
	struct msgb *m;
	unsigned n = 0;

	llist_for_each_entry(m, &q->msg_queue, list)
		n++;
	return n;
}

/* as libosmocore's write queue drives its callback: take the head, write it (and those behind it), requeue a rest */
static void run(const char *what, unsigned count, unsigned len, bool say_cut)
{
	static uint8_t sent[MSGS * MSG_LEN], got[MSGS * MSG_LEN];
	struct osmo_wqueue q;
	struct msgb *msg = NULL;
	size_t total = (size_t)count * len, rcvd = 0, written = 0;
	unsigned calls = 0, cut = 0, joined = 0, len_ok = 1;
	int sv[2], sndbuf = 4096;

	OSMO_ASSERT(socketpair(AF_UNIX, SOCK_STREAM, 0, sv) == 0);
	OSMO_ASSERT(setsockopt(sv[0], SOL_SOCKET, SO_SNDBUF, &sndbuf, sizeof(sndbuf)) == 0);
	OSMO_ASSERT(fcntl(sv[0], F_SETFL, O_NONBLOCK) == 0);
	osmo_wqueue_init(&q, count + 1);
	for (unsigned i = 0; i < count; i++) {
		struct msgb *m = msgb_alloc(len, "test");

		for (unsigned k = 0; k < len; k++)
			sent[i * len + k] = (uint8_t)(i * 7 + k / 3);
		memcpy(msgb_put(m, len), &sent[i * len], len);
		OSMO_ASSERT(osmo_wqueue_enqueue(&q, m) == 0);
	}
	while (rcvd < total && calls < 100000) {
		ssize_t rc, r;
		unsigned before;

		if (!msg)
			msg = msgb_dequeue_count(&q.msg_queue, &q.current_length);
		if (msg) {
			before = msg->len;
			rc = eir_wqueue_writev(sv[0], &q, msg);
			calls++;
			if (rc > 0) {
				written += rc;
				/* the messages are all of one length: a write that ends inside one cut it */
				cut += written % len != 0;
			}
			if (rc < 0) {
				OSMO_ASSERT(errno == EAGAIN);
			} else if (rc < (ssize_t)before) {
				/* msg's rest is written next */
			} else {
				joined += rc > (ssize_t)before;
				msgb_free(msg);
				msg = NULL;
			}
			len_ok &= q.current_length == queue_count(&q);
		}
		/* the peer reads a little at a time */
		r = read(sv[1], got + rcvd, OSMO_MIN((size_t)3000, total - rcvd));
		if (r > 0)
			rcvd += r;
	}
	printf("%s: %u x %u bytes: %zu of %zu bytes received, %s; several written in one call: %s; the queue's length "
	       "its list's: %s; left queued: %u\n", what, count, len, rcvd, total,
	       memcmp(sent, got, total) ? "NOT in order" : "in order", joined ? "yes" : "no", len_ok ? "yes" : "no",
	       queue_count(&q) + (msg ? 1 : 0));
	/* (whether a small message is cut depends on where the socket's buffer fills: not printed) */
	if (say_cut)
		printf("  a message cut by a full socket, its rest written next: %s\n", cut ? "yes" : "no");
	if (msg)
		msgb_free(msg);
	close(sv[0]);
	close(sv[1]);
}

static void frame(const char *what, const uint8_t *p, size_t len)
{
	size_t flen = 12345;
	int rc = eir_ipa_ctrl_frame(p, len, &flen);

	printf("frame: %s (%zu bytes there): %s, length %zu\n", what, len,
	       rc == 1 ? "whole" : rc == 0 ? "not yet whole" : rc == -EMSGSIZE ? "-EMSGSIZE" : rc == -EPROTO ? "-EPROTO" :
	       "?", flen);
}

static void frames(void)
{
	static uint8_t big[EIR_IPA_FRAME_MAX + 1] = { (EIR_IPA_FRAME_MAX - 3) >> 8, (EIR_IPA_FRAME_MAX - 3) & 0xff, 0xee };
	const uint8_t get[] = { 0, 8, 0xee, 0, 'G', 'E', 'T', ' ', '1', ' ', 'x', 0xaa };
	const uint8_t ping[] = { 0, 1, 0xfe, 0 };
	const uint8_t other_ext[] = { 0, 8, 0xee, 1, 'G' };
	const uint8_t other_proto[] = { 0, 8, 0x12, 0, 'G' };
	const uint8_t empty[] = { 0, 0, 0xee };
	const uint8_t huge[] = { 0xff, 0xff, 0xee, 0 };

	frame("nothing", get, 0);
	frame("2 bytes of a header", get, 2);
	frame("a header", get, 3);
	frame("a header and its extension byte", get, 4);
	frame("all but the last byte", get, 10);
	frame("a whole CTRL frame", get, 11);
	frame("a whole CTRL frame, the next one's first byte behind it", get, 12);
	frame("an IPA PING", ping, sizeof(ping));
	frame("another extension, as soon as its byte is there", other_ext, sizeof(other_ext));
	frame("another protocol, from its header", other_proto, 3);
	frame("an empty payload", empty, sizeof(empty));
	frame("a length of 65535, from its header", huge, 3);
	frame("the largest frame, whole", big, EIR_IPA_FRAME_MAX);
	big[1]++;
	frame("one byte longer", big, EIR_IPA_FRAME_MAX + 1);
}

int main(void)
{
	frames();
	run("small messages", MSGS, 40, false);
	run("more than the socket takes at once", MSGS, MSG_LEN, true);
	run("one message", 1, MSG_LEN, false);
	return 0;
}
