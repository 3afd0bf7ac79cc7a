/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* One Diameter connection's I/O: an osmo_fd, a receive buffer framed into whole messages (every message in a
 * read is handled, not one per poll event), and a bounded queue of answers flushed with sendmsg() (writev with
 * MSG_NOSIGNAL) that survives partial writes. When a peer's answers pile up (it sends faster than it reads),
 * its requests are not read until they drain, so TCP slows it down; a peer that takes none of its answers for
 * the stall timeout is closed. Nothing a peer does grows our memory beyond its bounds; a peer that sends
 * garbage is closed without our reading unbounded data. A connection of the TLS listener (RFC 6733 §13.1) runs its
 * handshake first (the CER deadline bounds it) and then the same framing and queue through SSL_read/SSL_write.
 * The transport knows the layer above only through the struct diam_conn_ops it was given: one rx call per whole
 * message. */

#include <errno.h>
#include <limits.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netdb.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/utils.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/tls.h>
#include "diam_internal.h"

#define RX_READ 65536
/* the receive buffer, made when the peer first sends: room for a CER; it grows as the peer sends more (up to one
 * max-size message plus RX_READ), so idle or unauthenticated sockets cost little */
#define RX_INITIAL 4096
#define TX_IOV 64

static void conn_free(struct diam_conn *c)
{
	struct diam_tx_chunk *ch, *tmp;

	osmo_timer_del(&c->timer);
	osmo_timer_del(&c->stall_timer);
	if (c->ssl) {
		/* a close_notify when the session is up (best effort: the socket is non-blocking) */
		if (c->tls_up)
			SSL_shutdown(c->ssl);
		ERR_clear_error();
		SSL_free(c->ssl);
		c->ssl = NULL;
	}
	if (c->ofd.fd >= 0) {
		osmo_fd_unregister(&c->ofd);
		close(c->ofd.fd);
		c->ofd.fd = -1;
	}
	llist_for_each_entry_safe(ch, tmp, &c->tx, list) {
		llist_del(&ch->list);
		talloc_free(ch);
	}
	c->ops->closed(c);
	talloc_free(c);
}

/*! Close a connection now (its queued answers are dropped). Safe inside the read callback. */
void diam_conn_close(struct diam_conn *c, const char *why)
{
	if (c->dead)
		return;
	LOGP(DDIAM, LOGL_NOTICE, "%s (%s): closing: %s\n", c->name, c->origin_host ? c->origin_host : "no CER",
	     why);
	rate_ctr_inc2(c->ctrs, DIAM_CTR_CONN_CLOSED);
	c->dead = true;
	if (!c->in_rx)
		conn_free(c);
}

/*! Room for an answer of at most max bytes at the end of the queue.
 *  \returns where to write it, or NULL when the queue is over its limit (the connection is then closed). */
uint8_t *diam_conn_tx_reserve(struct diam_conn *c, size_t max)
{
	struct diam_tx_chunk *ch = llist_empty(&c->tx) ? NULL : llist_last_entry(&c->tx, struct diam_tx_chunk, list);

	OSMO_ASSERT(max <= DIAM_TX_CHUNK);
	if (c->dead)
		return NULL;
	if (ch && DIAM_TX_CHUNK - ch->len >= max)
		return ch->data + ch->len;
	/* counted in 64 KiB units as before chunks got room for the largest answer: max-send-queue keeps its meaning */
	if ((size_t)c->tx_chunks * DIAM_MAX_MSG_SIZE_LIMIT > c->cfg->max_queue_bytes) {
		rate_ctr_inc2(c->ctrs, DIAM_CTR_QUEUE_OVERFLOW);
		diam_conn_close(c, "peer does not read its answers: send queue full");
		return NULL;
	}
	ch = talloc_size(c, sizeof(*ch));
	if (!ch)
		return NULL;
	talloc_set_name_const(ch, "diam_tx_chunk");
	ch->off = ch->len = 0;
	llist_add_tail(&ch->list, &c->tx);
	c->tx_chunks++;
	return ch->data;
}

void diam_conn_tx_commit(struct diam_conn *c, size_t len)
{
	struct diam_tx_chunk *ch = llist_last_entry(&c->tx, struct diam_tx_chunk, list);

	ch->len += len;
	c->tx_bytes += len;
}

/* one chunk through TLS (a record each: no writev); \returns bytes, or -1 with errno EAGAIN or EPIPE */
static ssize_t tls_write(struct diam_conn *c, const struct iovec *iov)
{
	int rc;

	if (!c->tls_up) {
		/* answers cannot exist before the handshake; wait for it all the same */
		errno = EAGAIN;
		return -1;
	}
	rc = SSL_write(c->ssl, iov->iov_base, (int)iov->iov_len);
	if (rc > 0)
		return rc;
	/* WANT_READ (no renegotiation is allowed, so only with a TLS 1.3 key update): the read side drives it */
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_WRITE:
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	default:
		ERR_clear_error();
		errno = EPIPE;
		return -1;
	}
}

/*! Send what is queued, as far as the socket takes it. */
void diam_conn_flush(struct diam_conn *c)
{
	struct iovec iov[TX_IOV];
	struct msghdr mh = { .msg_iov = iov };
	struct diam_tx_chunk *ch, *tmp;
	ssize_t n;
	int i;

	while (!c->dead && c->tx_bytes) {
		i = 0;
		llist_for_each_entry(ch, &c->tx, list) {
			if (i == TX_IOV)
				break;
			iov[i].iov_base = ch->data + ch->off;
			iov[i].iov_len = ch->len - ch->off;
			i++;
		}
		mh.msg_iovlen = i;
		n = c->ssl ? tls_write(c, &iov[0]) : sendmsg(c->ofd.fd, &mh, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR)
				break;
			diam_conn_close(c, c->ssl ? "TLS write failed" : strerror(errno));
			return;
		}
		c->tx_bytes -= (size_t)n;
		if (c->read_paused && n > 0)
			osmo_timer_schedule(&c->stall_timer, c->cfg->stall_timeout_sec, 0);
		llist_for_each_entry_safe(ch, tmp, &c->tx, list) {
			size_t left = ch->len - ch->off;

			if ((size_t)n < left) {
				ch->off += (size_t)n;
				break;
			}
			n -= (ssize_t)left;
			/* keep the last chunk for reuse when it is the only one */
			if (ch->list.next == &c->tx) {
				ch->off = ch->len = 0;
				break;
			}
			llist_del(&ch->list);
			talloc_free(ch);
			c->tx_chunks--;
		}
	}
	if (c->dead)
		return;
	if (c->tx_bytes)
		osmo_fd_write_enable(&c->ofd);
	else
		osmo_fd_write_disable(&c->ofd);
	/* flow control: stop reading a peer whose answers pile up, read again once they drained */
	if (!c->read_paused && c->tx_bytes >= c->cfg->max_queue_bytes / 2) {
		c->read_paused = true;
		osmo_fd_read_disable(&c->ofd);
		osmo_timer_schedule(&c->stall_timer, c->cfg->stall_timeout_sec, 0);
	} else if (c->read_paused && c->tx_bytes < c->cfg->max_queue_bytes / 4) {
		c->read_paused = false;
		if (!c->rx_done)
			osmo_fd_read_enable(&c->ofd);
		osmo_timer_del(&c->stall_timer);
	}
	if (!c->tx_bytes && c->close_after_flush)
		diam_conn_close(c, "closed after the last answer");
}

static int frame_and_dispatch(struct diam_conn *c)
{
	size_t off = 0;
	uint32_t len;

	while (!c->dead && c->rx_len - off >= 4) {
		const uint8_t *p = c->rx + off;

		len = ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
		if (p[0] != DIAM_VERSION || len < DIAM_HDR_LEN || (len & 3) || len > c->cfg->max_msg_size) {
			bool answer = len >= DIAM_HDR_LEN && len <= c->cfg->max_msg_size;

			/* a request whose header is whole gets its 5011 / 5015 (RFC 6733 §7.1.5) */
			if (answer && c->rx_len - off < DIAM_HDR_LEN)
				break;
			rate_ctr_inc2(c->ctrs, DIAM_CTR_PROTO_ERROR_CLOSE);
			/* the layer above answers the request, unless its peer may not be answered */
			answer = answer && (p[4] & DIAM_CMD_R) &&
				 c->ops->rx_bad_header(c, p, p[0] != DIAM_VERSION ? DIAM_UNSUPPORTED_VERSION :
						       DIAM_INVALID_MESSAGE_LENGTH);
			LOGP(DDIAM, LOGL_ERROR, "%s: bad message header (version %u, length %u, limit %u): %s\n",
			     c->name, p[0], len, c->cfg->max_msg_size, answer ? "answered, closing" : "closing");
			/* the framing is lost: read nothing more, close once the answers are out (its own, and those
			 * the requests before it in this read earned: a refused CER's CEA among them) */
			c->rx_len = 0;
			diam_conn_close_when_flushed(c, "bad message header");
			return -1;
		}
		if (c->rx_len - off < len)
			break;
		c->ops->rx(c, p, len);
		off += len;
	}
	if (off && !c->dead) {
		memmove(c->rx, c->rx + off, c->rx_len - off);
		c->rx_len -= off;
	}
	return 0;
}

/*! Close once every answer queued is out (RFC 6733: a DPA's receiver closes the transport, but not over the answers
 *  the requests before it earned): nothing more is read; closed at once when nothing is queued. The peer's timer
 *  closes it if the peer takes none of them. */
void diam_conn_close_when_flushed(struct diam_conn *c, const char *why)
{
	if (!c->tx_bytes) {
		diam_conn_close(c, why);
		return;
	}
	LOGP(DDIAM, LOGL_INFO, "%s: %s: closing once the answers queued are out\n", c->name, why);
	c->rx_done = true;
	osmo_fd_read_disable(&c->ofd);
	c->close_after_flush = true;
}

/* the peer's first bytes are there, or a read filled the buffer: make it, or double it up to one max-size message
 * plus a read */
static int rx_grow(struct diam_conn *c)
{
	size_t max = c->cfg->max_msg_size + RX_READ;
	size_t size = c->rx_size ? OSMO_MIN(c->rx_size * 2, OSMO_MAX(max, c->rx_size)) : RX_INITIAL;
	uint8_t *rx;

	if (size <= c->rx_size)
		return 0;
	rx = talloc_realloc_size(c, c->rx, size);
	if (!rx) {
		diam_conn_close(c, "out of memory for the receive buffer");
		return -1;
	}
	c->rx = rx;
	c->rx_size = size;
	return 0;
}

/* \returns bytes read into the receive buffer, 0 when the peer closed, -1 with errno EAGAIN or EPIPE */
static ssize_t tls_read(struct diam_conn *c, size_t room)
{
	int rc = SSL_read(c->ssl, c->rx + c->rx_len, (int)OSMO_MIN(room, (size_t)INT_MAX));

	if (rc > 0)
		return rc;
	switch (SSL_get_error(c->ssl, rc)) {
	case SSL_ERROR_WANT_WRITE:
		osmo_fd_write_enable(&c->ofd);
		/* fall through */
	case SSL_ERROR_WANT_READ:
		errno = EAGAIN;
		return -1;
	case SSL_ERROR_ZERO_RETURN:
		return 0;
	default:
		ERR_clear_error();
		errno = EPIPE;
		return -1;
	}
}

/* Records TLS decrypted but not yet handed over: no select() announces them. */
static bool tls_pending(const struct diam_conn *c)
{
	return c->ssl && c->tls_up && !c->dead && !c->read_paused && !c->rx_done && SSL_pending(c->ssl) > 0;
}

/* Drive the TLS handshake. \returns 1 when done, 0 to wait for the socket, -1 when it failed (closed) */
static int tls_handshake(struct diam_conn *c)
{
	int rc = SSL_do_handshake(c->ssl);
	char subj[256];

	if (rc != 1) {
		int err = SSL_get_error(c->ssl, rc);

		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE) {
			osmo_fd_update_when(&c->ofd, ~(OSMO_FD_READ | OSMO_FD_WRITE), OSMO_FD_READ |
					    (err == SSL_ERROR_WANT_WRITE ? OSMO_FD_WRITE : 0));
			return 0;
		}
		rate_ctr_inc2(c->ctrs, DIAM_CTR_TLS_FAIL);
		/* a flood of failing handshakes must not flood the log: every one is counted */
		if (eir_ratelimit_allow(c->tls_log_rl, EIR_CONN_LOG_PER_SEC))
			LOGP(DDIAM, LOGL_NOTICE, "%s: TLS handshake failed: %s\n", c->name,
			     eir_tls_fail_reason(c->ssl));
		ERR_clear_error();
		diam_conn_close(c, "TLS handshake failed");
		return -1;
	}
	c->tls_up = true;
	LOGP(DDIAM, LOGL_INFO, "%s: TLS %s, peer certificate %s\n", c->name, SSL_get_version(c->ssl),
	     eir_tls_peer_subject(c->ssl, subj, sizeof(subj)));
	osmo_fd_update_when(&c->ofd, ~(OSMO_FD_READ | OSMO_FD_WRITE), OSMO_FD_READ);
	return 1;
}

static int conn_read(struct diam_conn *c)
{
	size_t room;
	ssize_t n;

	if (!c->rx && rx_grow(c))
		return -1;
	room = c->rx_size - c->rx_len;
	if (!room) {
		/* cannot happen: the buffer grew after the read that filled it */
		diam_conn_close(c, "receive buffer full");
		return -1;
	}
	n = c->ssl ? tls_read(c, room) : read(c->ofd.fd, c->rx + c->rx_len, room);
	if (n == 0) {
		diam_conn_close(c, c->ssl ? "peer closed TLS" : "peer closed the connection");
		return -1;
	}
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		diam_conn_close(c, c->ssl ? "TLS read failed" : strerror(errno));
		return -1;
	}
	c->rx_len += (size_t)n;
	osmo_clock_gettime(CLOCK_MONOTONIC, &c->last_rx);
	frame_and_dispatch(c);
	/* the read took all the room there was: more may be waiting (a pipelining peer, a long message) */
	if (!c->dead && (size_t)n == room && rx_grow(c))
		return -1;
	return tls_pending(c) ? conn_read(c) : 0;
}

static int conn_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct diam_conn *c = ofd->data;

	c->in_rx = true;
	if (c->ssl && !c->tls_up && tls_handshake(c) <= 0)
		goto out;
	if (what & OSMO_FD_READ) {
		c->ops->read_begin(c);
		conn_read(c);
		c->ops->read_end(c);
	}
	/* answer everything this read produced with as few system calls as possible */
	if (!c->dead && (c->tx_bytes || (what & OSMO_FD_WRITE)))
		diam_conn_flush(c);
	/* reading resumed (the queue drained) over records TLS already holds: take them now */
	if (tls_pending(c)) {
		c->ops->read_begin(c);
		conn_read(c);
		c->ops->read_end(c);
		if (!c->dead && c->tx_bytes)
			diam_conn_flush(c);
	}
out:
	c->in_rx = false;
	if (c->dead)
		conn_free(c);
	return 0;
}

static void conn_timer_cb(void *data)
{
	struct diam_conn *c = data;

	c->in_rx = true;
	c->ops->timeout(c);
	if (!c->dead && c->tx_bytes)
		diam_conn_flush(c);
	c->in_rx = false;
	if (c->dead)
		conn_free(c);
}

static void conn_stall_cb(void *data)
{
	struct diam_conn *c = data;

	rate_ctr_inc2(c->ctrs, DIAM_CTR_QUEUE_OVERFLOW);
	diam_conn_close(c, "peer does not read its answers: send queue stalled");
}

void diam_conn_timer(struct diam_conn *c, unsigned sec)
{
	osmo_timer_schedule(&c->timer, sec, 0);
}

/*! Make c a TLS server connection of ctx (before any byte is read): the handshake runs first, bounded by the
 *  connection's CER deadline. \returns 0, or -1 (the connection is closed then). */
int diam_conn_tls_accept(struct diam_conn *c, struct ssl_ctx_st *ctx, struct eir_ratelimit *log_rl)
{
	c->ssl = SSL_new(ctx);
	if (!c->ssl || SSL_set_fd(c->ssl, c->ofd.fd) != 1) {
		ERR_clear_error();
		diam_conn_close(c, "cannot set up TLS");
		return -1;
	}
	SSL_set_accept_state(c->ssl);
	c->tls_log_rl = log_rl;
	return 0;
}

/*! Take over an accepted socket; ops are the layer above (the caller puts the connection in its list).
 *  \returns the connection, or NULL (the fd is closed then). */
struct diam_conn *diam_conn_alloc(void *ctx, int fd, const struct diam_cfg *cfg, struct rate_ctr_group *ctrs,
				  const struct diam_conn_ops *ops)
{
	struct diam_conn *c = talloc_zero(ctx, struct diam_conn);
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	char port[16];

	if (!c) {
		close(fd);
		return NULL;
	}
	talloc_set_name_const(c, "diam_conn");
	c->cfg = cfg;
	c->ctrs = ctrs;
	c->ops = ops;
	INIT_LLIST_HEAD(&c->tx);
	INIT_LLIST_HEAD(&c->list);
	osmo_fd_setup(&c->ofd, fd, OSMO_FD_READ, conn_cb, c, 0);
	osmo_timer_setup(&c->timer, conn_timer_cb, c);
	osmo_timer_setup(&c->stall_timer, conn_stall_cb, c);
	if (getpeername(fd, (struct sockaddr *)&ss, &sl) == 0 &&
	    getnameinfo((struct sockaddr *)&ss, sl, c->ip, sizeof(c->ip), port, sizeof(port),
			NI_NUMERICHOST | NI_NUMERICSERV) == 0)
		snprintf(c->name, sizeof(c->name), "%s:%s", c->ip, port);
	else
		snprintf(c->name, sizeof(c->name), "fd %d", fd);
	sl = sizeof(c->local);
	getsockname(fd, (struct sockaddr *)&c->local, &sl);
	osmo_clock_gettime(CLOCK_MONOTONIC, &c->connected);
	c->last_rx = c->connected;
	if (osmo_fd_register(&c->ofd)) {
		c->ofd.fd = -1;
		close(fd);
		talloc_free(c);
		return NULL;
	}
	diam_conn_timer(c, cfg->cer_timeout_sec);
	rate_ctr_inc2(ctrs, DIAM_CTR_CONN_ACCEPTED);
	LOGP(DDIAM, LOGL_INFO, "%s: connected\n", c->name);
	return c;
}
