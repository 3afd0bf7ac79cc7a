/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Socket helpers shared by the daemon's servers (S13, N5g-eir, CTRL). */

#define _GNU_SOURCE	/* accept4() */

#include <errno.h>
#include <netdb.h>
#include <poll.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <sys/un.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/utils.h>
#include <osmocom/core/write_queue.h>
#include <osmocom/gsm/protocol/ipaccess.h>
#include <osmocom/eir/ratelimit.h>
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

/* --- listening sockets that cannot accept --- */

/* A listener's callback (libosmo-netif's, libosmoctrl's, libosmovty's, the daemon's own) accepts one connection and
 * returns < 0 when accept() failed. Out of file descriptors (EMFILE) or of kernel memory, the connection stays in
 * the backlog, poll() reports the listener readable again at once, and the loop spins, logging each failure (a
 * daemon at its descriptor limit wrote 100k lines a second and used a whole core). A guard wraps the callback:
 * after a failure that leaves a connection waiting, the listener is not read for EIR_LISTEN_PAUSE_MS; the
 * connection is accepted once a descriptor is free again (the peer's connect() completed in the kernel: it waits,
 * nothing is refused). */
struct listen_guard {
	struct osmo_fd *ofd;
	int (*orig_cb)(struct osmo_fd *ofd, unsigned int what);
	struct osmo_timer_list resume;
	struct eir_ratelimit log_rl;
	unsigned long pauses;
	char name[64];
};

static struct listen_guard guards[EIR_LISTEN_GUARD_MAX];
static unsigned n_guards;
static int guard_subsys;
static eir_listen_pause_cb guard_on_pause;

static void listen_resume(void *data)
{
	struct listen_guard *g = data;

	osmo_fd_read_enable(g->ofd);
}

static int listen_guard_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct pollfd p = { .fd = ofd->fd, .events = POLLIN };
	struct listen_guard *g = NULL;
	unsigned i;
	int rc, err;

	for (i = 0; i < n_guards && !g; i++)
		g = guards[i].ofd == ofd ? &guards[i] : NULL;
	if (!g)
		return 0;
	rc = g->orig_cb(ofd, what);
	err = errno;
	/* a connection gone before it was taken, or nothing left waiting: the next round goes on as ever */
	if (rc >= 0 || err == ECONNABORTED || err == EINTR || err == EAGAIN || err == EWOULDBLOCK ||
	    poll(&p, 1, 0) != 1 || !(p.revents & POLLIN))
		return rc;
	osmo_fd_read_disable(ofd);
	osmo_timer_schedule(&g->resume, 0, EIR_LISTEN_PAUSE_MS * 1000);
	g->pauses++;
	if (guard_on_pause)
		guard_on_pause();
	if (eir_ratelimit_allow(&g->log_rl, 1)) {
		struct rlimit lim = { 0 };
		char why[96];

		if (err == EMFILE && !getrlimit(RLIMIT_NOFILE, &lim))
			snprintf(why, sizeof(why), "%s: the limit is %llu", strerror(err),
				 (unsigned long long)lim.rlim_cur);
		else
			snprintf(why, sizeof(why), "%s", strerror(err));
		LOGP(guard_subsys, LOGL_ERROR, "%s: cannot accept a connection (%s): the connections wait, tried again "
		     "every %d ms (%lu pauses so far)\n", g->name, why, EIR_LISTEN_PAUSE_MS, g->pauses);
	}
	return rc;
}

/* "127.0.0.1:3868", "[::1]:7777", or a socket file's path */
static void listen_name(int fd, char *buf, size_t len)
{
	struct sockaddr_storage sa;
	socklen_t sl = sizeof(sa);
	char host[INET6_ADDRSTRLEN], port[8];

	if (getsockname(fd, (struct sockaddr *)&sa, &sl)) {
		snprintf(buf, len, "listening socket %d", fd);
	} else if (sa.ss_family == AF_UNIX) {
		osmo_strlcpy(buf, ((struct sockaddr_un *)&sa)->sun_path, len);
	} else if (getnameinfo((struct sockaddr *)&sa, sl, host, sizeof(host), port, sizeof(port),
			       NI_NUMERICHOST | NI_NUMERICSERV) == 0) {
		snprintf(buf, len, sa.ss_family == AF_INET6 ? "[%s]:%s" : "%s:%s", host, port);
	} else {
		snprintf(buf, len, "listening socket %d", fd);
	}
}

/* the listening socket the select loop polls next from *fd on (whoever opened it), or NULL */
static struct osmo_fd *next_listener(int *fd)
{
	long max = OSMO_MIN(sysconf(_SC_OPEN_MAX), 65536L);

	for (; *fd < max; (*fd)++) {
		struct osmo_fd *ofd = osmo_fd_get_by_fd(*fd);
		socklen_t l = sizeof(int);
		int on = 0;

		if (ofd && !getsockopt(*fd, SOL_SOCKET, SO_ACCEPTCONN, &on, &l) && on)
			return ofd;
	}
	return NULL;
}

/*! The listening socket the select loop polls on TCP port (any address), e.g. libosmovty's, which it keeps to
 *  itself. \returns it, or NULL */
struct osmo_fd *eir_listen_find(uint16_t port)
{
	struct osmo_fd *ofd;
	int fd;

	for (fd = 0; (ofd = next_listener(&fd)); fd++) {
		struct sockaddr_storage sa;
		socklen_t sl = sizeof(sa);

		if (getsockname(fd, (struct sockaddr *)&sa, &sl))
			continue;
		if ((sa.ss_family == AF_INET && ntohs(((struct sockaddr_in *)&sa)->sin_port) == port) ||
		    (sa.ss_family == AF_INET6 && ntohs(((struct sockaddr_in6 *)&sa)->sin6_port) == port))
			return ofd;
	}
	return NULL;
}

/*! For a listener whose sessions are capped: take the connection waiting on it and close it at once, after a line
 *  of text for its peer (best effort, never blocking; NULL: none). \returns 0, or -1 with errno when accept()
 *  failed (the guard above then pauses the listener, as after its own callback's failure) */
int eir_listen_refuse(int lfd, const char *text)
{
	int fd = accept4(lfd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);

	if (fd < 0)
		return -1;
	/* (a peer gone already is told nothing) */
	if (text)
		(void)send(fd, text, strlen(text), MSG_NOSIGNAL);
	close(fd);
	return 0;
}

/*! Guard every listening socket the select loop polls (whoever opened it), once they are all open: see above.
 *  \param[in] log_subsys where to log a pause  \param[in] on_pause called at each pause (NULL: nothing)
 *  \returns how many are guarded */
unsigned eir_listen_guard_all(int log_subsys, eir_listen_pause_cb on_pause)
{
	struct osmo_fd *ofd;
	int fd;

	guard_subsys = log_subsys;
	guard_on_pause = on_pause;
	for (fd = 0; (ofd = next_listener(&fd)); fd++) {
		struct listen_guard *g;

		if (ofd->cb == listen_guard_cb)
			continue;
		if (n_guards == EIR_LISTEN_GUARD_MAX) {
			LOGP(log_subsys, LOGL_ERROR, "more than %d listening sockets: socket %d is not guarded\n",
			     EIR_LISTEN_GUARD_MAX, fd);
			continue;
		}
		g = &guards[n_guards++];
		*g = (struct listen_guard){ .ofd = ofd, .orig_cb = ofd->cb };
		osmo_timer_setup(&g->resume, listen_resume, g);
		listen_name(fd, g->name, sizeof(g->name));
		ofd->cb = listen_guard_cb;
	}
	return n_guards;
}

/*! Give every guarded listener its own callback back, reading again (before its owner closes it). */
void eir_listen_guard_release(void)
{
	unsigned i;

	for (i = 0; i < n_guards; i++) {
		osmo_timer_del(&guards[i].resume);
		guards[i].ofd->cb = guards[i].orig_cb;
		osmo_fd_read_enable(guards[i].ofd);
	}
	n_guards = 0;
}

/*! For a write queue's write callback: write msg (just taken off q by libosmocore, which writes one message per
 *  poll round) and the messages queued behind it, up to EIR_WQUEUE_JOIN_MAX in all, in one writev(). Those behind
 *  it that were written entirely leave the queue (freed); a partly written one, msg included, keeps its rest (pulled).
 *  msg itself stays the caller's. \returns what writev() returned: <= 0 nothing written (errno set), less than
 *  msg's length (before) msg only partly written and nothing else changed, else msg wholly written. */
ssize_t eir_wqueue_writev(int fd, struct osmo_wqueue *q, struct msgb *msg)
{
	struct iovec iov[EIR_WQUEUE_JOIN_MAX];
	struct msgb *m, *tmp;
	unsigned n = 1;
	ssize_t rc, left;

	iov[0] = (struct iovec){ .iov_base = msg->data, .iov_len = msg->len };
	llist_for_each_entry(m, &q->msg_queue, list) {
		if (n == EIR_WQUEUE_JOIN_MAX)
			break;
		iov[n++] = (struct iovec){ .iov_base = m->data, .iov_len = m->len };
	}
	rc = writev(fd, iov, n);
	if (rc <= 0)
		return rc;
	if (rc < msg->len) {
		msgb_pull(msg, rc);
		return rc;
	}
	left = rc - msg->len;
	llist_for_each_entry_safe(m, tmp, &q->msg_queue, list) {
		if (!left)
			break;
		if (left < m->len) {
			msgb_pull(m, left);
			break;
		}
		left -= m->len;
		llist_del(&m->list);
		q->current_length--;
		msgb_free(m);
	}
	return rc;
}

/*! Where the IPA stream of a CTRL connection stands at p (len bytes of it): a whole frame libosmoctrl's
 *  ctrl_handle_msg() takes (an IPA CCM message with its type byte, or an OSMO one with the CTRL extension byte), a
 *  frame not yet wholly there, or one that cannot be taken. Nothing is read past the header before the frame is
 *  whole, except the extension byte, which is checked as soon as it is there.
 *  \param[out] flen the frame's length with its header once the header is there, else 0
 *  \returns 1 a whole frame; 0 not yet whole; -EMSGSIZE longer than EIR_IPA_FRAME_MAX; -EPROTO another protocol,
 *  extension, or an empty payload */
int eir_ipa_ctrl_frame(const uint8_t *p, size_t len, size_t *flen)
{
	size_t plen;

	*flen = 0;
	if (len < EIR_IPA_HDR_LEN)
		return 0;
	plen = (size_t)p[0] << 8 | p[1];
	*flen = EIR_IPA_HDR_LEN + plen;
	if (*flen > EIR_IPA_FRAME_MAX)
		return -EMSGSIZE;
	if (!plen || (p[2] != IPAC_PROTO_OSMO && p[2] != IPAC_PROTO_IPACCESS))
		return -EPROTO;
	if (p[2] == IPAC_PROTO_OSMO && len > EIR_IPA_HDR_LEN && p[EIR_IPA_HDR_LEN] != IPAC_PROTO_EXT_CTRL)
		return -EPROTO;
	return len >= *flen;
}

/* the rest of a frame that arrived in parts (*part): at most two recv(), the header's rest then the payload's. Not
 * libosmogsm's ipa_msg_recv_buffered(): it checks neither protocol nor extension before the frame is whole, and after
 * an over-long header it discards the header and reads on out of step; here each step is eir_ipa_ctrl_frame()'s. */
static int ipa_read_rest(int fd, struct msgb **part, eir_ipa_frame_cb frame_cb, void *data)
{
	struct msgb *p = *part;
	size_t flen, need;
	ssize_t got;
	int rc;

	while ((rc = eir_ipa_ctrl_frame(p->data, p->len, &flen)) == 0) {
		need = (flen ? flen : EIR_IPA_HDR_LEN) - p->len;
		got = recv(fd, p->tail, need, MSG_DONTWAIT);
		if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
			return 0;
		if (got <= 0)
			return -EPIPE;
		msgb_put(p, got);
		if ((size_t)got < need)
			return 0;
	}
	if (rc < 0)
		return rc;
	*part = NULL;
	rc = frame_cb(data, p->data, p->len);
	msgb_free(p);
	return rc;
}

/*! One round of reading a non-blocking IPA stream socket (a CTRL connection): a peek at what has arrived, the whole
 *  frames in it (at most max, at least 1) taken off in one recv() and handed to frame_cb one by one, header included;
 *  the rest stays in the socket for the next round (which poll() then reports), so nothing is kept between rounds
 *  but the start of a frame that arrived in parts, in *part (a msgb made here, NULL when none; the caller frees what
 *  is left when it closes).
 *  \returns 0 go on; nonzero what frame_cb returned (it stops the round: it must not close fd, the caller does);
 *  -EPIPE the peer closed or the socket failed; -EPROTO, -EMSGSIZE a frame that cannot be taken
 *  (eir_ipa_ctrl_frame()); -ENOMEM; -EIO the bytes peeked could not be taken off */
int eir_ipa_read(int fd, struct msgb **part, unsigned max, eir_ipa_frame_cb frame_cb, void *data)
{
	uint8_t buf[EIR_IPA_READ_PEEK];
	size_t off = 0, flen;
	unsigned n = 0;
	ssize_t got;
	int rc = 0;

	if (*part)
		return ipa_read_rest(fd, part, frame_cb, data);
	if (!max)
		max = 1;
	got = recv(fd, buf, sizeof(buf), MSG_PEEK | MSG_DONTWAIT);
	if (got < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR))
		return 0;
	if (got <= 0)
		return -EPIPE;
	while (n < max && (rc = eir_ipa_ctrl_frame(buf + off, got - off, &flen)) > 0) {
		off += flen;
		n++;
	}
	if (!n && rc < 0)
		return rc;
	if (!n) {
		/* the start of a frame, all that is there (frames are shorter than the peek): kept for its rest */
		*part = msgb_alloc(EIR_IPA_FRAME_MAX, "IPA frame in parts");
		if (!*part)
			return -ENOMEM;
		off = got;
	}
	/* the same bytes again, now taken off */
	if (recv(fd, n ? buf : msgb_put(*part, off), off, MSG_DONTWAIT) != (ssize_t)off)
		return -EIO;
	for (off = 0; n; n--) {
		eir_ipa_ctrl_frame(buf + off, got - off, &flen);
		rc = frame_cb(data, buf + off, flen);
		if (rc)
			return rc;
		off += flen;
	}
	return 0;
}
