/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The N5g-eir HTTP/2 server: listening socket, connections (cleartext with prior knowledge, or TLS with ALPN h2)
 * each with one nghttp2 session fed from the osmocom select loop, bounded output, idle and stall timeouts, and a
 * plain "505 HTTP Version Not Supported" for HTTP/1.x clients. Each request goes to the handler the server was
 * given (n5g_eir.c's), which fills in the answer this file sends. */

#include <errno.h>
#include <fcntl.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>
#include <osmocom/netif/stream.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/sock.h>
#include <osmocom/eir/tls.h>
#include "sbi_internal.h"

static const struct rate_ctr_desc sbi_ctr_desc[] = {
	[SBI_CTR_CONN_ACCEPTED] = { "conn:accepted", "HTTP/2 connections accepted" },
	[SBI_CTR_CONN_CLOSED] = { "conn:closed", "HTTP/2 connections closed" },
	[SBI_CTR_CONN_REFUSED] = { "conn:refused", "Connections closed at once: max-connections reached, each with a "
				   "request" },
	[SBI_CTR_CONN_REFUSED_SOURCE] = { "conn:refused_source", "Connections closed at once: "
					  "max-connections-per-source reached" },
	[SBI_CTR_CONN_EVICTED] = { "conn:evicted", "Connections without a request closed for a new one at "
				   "max-connections" },
	[SBI_CTR_CONN_PREFACE_TIMEOUT] = { "conn:preface_timeout", "Connections closed: no HTTP/2 preface (or TLS "
					   "handshake) within preface-timeout" },
	[SBI_CTR_CONN_IDLE] = { "conn:idle", "Connections closed for inactivity" },
	[SBI_CTR_CONN_STALLED] = { "conn:stalled", "Connections closed: the client did not read its answers" },
	[SBI_CTR_CONN_PROTO_ERROR] = { "conn:proto_error", "Connections closed for an HTTP/2 protocol error" },
	[SBI_CTR_TLS_FAIL] = { "conn:tls_fail", "TLS handshakes that failed" },
	[SBI_CTR_TLS_CLIENT_CERT] = { "conn:tls_client_cert", "TLS handshakes refused for the client certificate "
				      "(none, or not from tls ca-file)" },
	[SBI_CTR_HTTP1] = { "conn:http1", "HTTP/1.x requests answered with 505 and closed" },
	[SBI_CTR_REQ] = { "req:rx", "HTTP/2 requests received" },
	[SBI_CTR_RSP_WHITE] = { "rsp:whitelisted", "200 WHITELISTED" },
	[SBI_CTR_RSP_GREY] = { "rsp:greylisted", "200 GREYLISTED" },
	[SBI_CTR_RSP_BLACK] = { "rsp:blacklisted", "200 BLACKLISTED" },
	[SBI_CTR_RSP_UNKNOWN] = { "rsp:unknown", "404 ERROR_EQUIPMENT_UNKNOWN" },
	[SBI_CTR_RSP_400] = { "rsp:400", "400 Bad Request (query parameters)" },
	[SBI_CTR_RSP_404_PATH] = { "rsp:404_path", "404 for a path that is not the equipment-status resource" },
	[SBI_CTR_RSP_405] = { "rsp:405", "405 Method Not Allowed" },
	[SBI_CTR_RSP_414] = { "rsp:414", "414 URI Too Long" },
	[SBI_CTR_RSP_431] = { "rsp:431", "431 Request Header Fields Too Large" },
	[SBI_CTR_RSP_503] = { "rsp:503", "503 Service Unavailable (the store cannot be read)" },
	[SBI_CTR_STORE_FAIL] = { "store:fail", "Verdicts the store could not give" },
	[SBI_CTR_LOG_SUPPRESSED] = { "log:suppressed", "Verdict log lines left out by the rate limit" },
	[SBI_CTR_NRF_REGISTER] = { "nrf:register", "NFRegister answered with success" },
	[SBI_CTR_NRF_HEARTBEAT] = { "nrf:heartbeat", "NFUpdate heartbeats answered with success" },
	[SBI_CTR_NRF_FAIL] = { "nrf:fail", "NRF requests that failed" },
	[SBI_CTR_NRF_TLS_FAIL] = { "nrf:tls_fail", "TLS handshakes with the NRF that failed (certificate, name, "
				   "ALPN)" },
};

static const struct rate_ctr_group_desc sbi_ctrg_desc = {
	.group_name_prefix = "sbi",
	.group_description = "N5g-eir HTTP/2 server",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_ctr = ARRAY_SIZE(sbi_ctr_desc),
	.ctr_desc = sbi_ctr_desc,
};

static const struct osmo_stat_item_desc sbi_stat_desc[] = {
	[SBI_STAT_CONNS] = { "connections", "HTTP/2 connections", "", 16, 0 },
	[SBI_STAT_NRF_REGISTERED] = { "nrf:registered", "Registered with the NRF (1) or not (0)", "", 16, 0 },
};

static const struct osmo_stat_item_group_desc sbi_statg_desc = {
	.group_name_prefix = "sbi",
	.group_description = "N5g-eir HTTP/2 server",
	.class_id = OSMO_STATS_CLASS_GLOBAL,
	.num_items = ARRAY_SIZE(sbi_stat_desc),
	.item_desc = sbi_stat_desc,
};

void sbi_cfg_init(void *ctx, struct sbi_cfg *cfg)
{
	memset(cfg, 0, sizeof(*cfg));
	cfg->listen_addr = talloc_strdup(ctx, "127.0.0.1");
	cfg->listen_port = SBI_DEFAULT_PORT;
	cfg->max_conns = SBI_DEFAULT_MAX_CONNS;
	cfg->max_streams = SBI_DEFAULT_MAX_STREAMS;
	cfg->max_header_size = SBI_DEFAULT_MAX_HEADER_SIZE;
	cfg->max_uri_len = SBI_DEFAULT_MAX_URI_LEN;
	cfg->idle_timeout_sec = SBI_DEFAULT_IDLE_TIMEOUT_SEC;
	cfg->preface_timeout_sec = SBI_DEFAULT_PREFACE_TIMEOUT_SEC;
	cfg->pei_other = SBI_PEI_OTHER_VERDICT;
	cfg->pei_other_verdict = EIR_UNKNOWN;
	cfg->nrf_heartbeat_sec = SBI_DEFAULT_NRF_HEARTBEAT_SEC;
}

static void update_stats(struct sbi_server *srv)
{
	osmo_stat_item_set(osmo_stat_item_group_get_item(srv->stats, SBI_STAT_CONNS), srv->n_conns);
}

/* --- connections --- */

static void conn_free(struct sbi_conn *c)
{
	struct sbi_server *srv = c->srv;

	osmo_timer_del(&c->timer);
	if (c->ofd.fd >= 0) {
		osmo_fd_unregister(&c->ofd);
		close(c->ofd.fd);
		c->ofd.fd = -1;
	}
	if (c->ssl)
		SSL_free(c->ssl);
	nghttp2_session_del(c->h2);
	llist_del(&c->list);
	srv->n_conns--;
	update_stats(srv);
	talloc_free(c);
}

static void conn_close(struct sbi_conn *c, const char *why)
{
	if (c->dead)
		return;
	LOGP(DSBI, LOGL_INFO, "%s: closed: %s\n", c->name, why);
	sbi_ctr_inc(c->srv, SBI_CTR_CONN_CLOSED);
	c->dead = true;
	if (!c->in_cb)
		conn_free(c);
}

static void touch(struct sbi_conn *c)
{
	osmo_clock_gettime(CLOCK_MONOTONIC, &c->last_active);
}

static size_t out_pending(const struct sbi_conn *c)
{
	return c->out_len - c->out_off;
}

static void out_append(struct sbi_conn *c, const uint8_t *d, size_t n)
{
	if (c->out_off) {
		memmove(c->out, c->out + c->out_off, out_pending(c));
		c->out_len -= c->out_off;
		c->out_off = 0;
	}
	if (c->out_len + n > c->out_cap) {
		size_t cap = c->out_cap ? c->out_cap : 16384;

		while (cap < c->out_len + n)
			cap *= 2;
		c->out = talloc_realloc_size(c, c->out, cap);
		c->out_cap = cap;
	}
	memcpy(c->out + c->out_len, d, n);
	c->out_len += n;
}

static bool tls_ready(const struct sbi_conn *c)
{
	return !c->ssl || SSL_is_init_finished(c->ssl);
}

/* Write what is pending. \returns 0, or -1 when the connection died. */
static int conn_flush(struct sbi_conn *c)
{
	while (out_pending(c) && tls_ready(c)) {
		ssize_t n;

		if (c->ssl) {
			int rc = SSL_write(c->ssl, c->out + c->out_off, (int)out_pending(c));

			if (rc <= 0) {
				int err = SSL_get_error(c->ssl, rc);

				if (err == SSL_ERROR_WANT_WRITE || err == SSL_ERROR_WANT_READ)
					break;
				conn_close(c, "TLS write failed");
				return -1;
			}
			n = rc;
		} else {
			n = write(c->ofd.fd, c->out + c->out_off, out_pending(c));
			if (n < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				conn_close(c, strerror(errno));
				return -1;
			}
		}
		c->out_off += (size_t)n;
		touch(c);
	}
	if (!out_pending(c)) {
		c->out_off = c->out_len = 0;
		if (c->close_after_flush) {
			if (c->ssl)
				SSL_shutdown(c->ssl);
			else
				shutdown(c->ofd.fd, SHUT_WR);
			conn_close(c, "answer sent, closing");
			return -1;
		}
	}
	return 0;
}

/* Let nghttp2 serialise what it has queued (up to the high-water mark), write it, and choose what to wait for. */
static void conn_io(struct sbi_conn *c)
{
	unsigned what = 0;

	if (c->dead)
		return;
	/* nothing goes out before the client preface is complete: an HTTP/1.x client must see only the 505 */
	while (!c->close_after_flush && c->preface_seen >= NGHTTP2_CLIENT_MAGIC_LEN && out_pending(c) < SBI_OUT_HIGH) {
		const uint8_t *d;
		ssize_t n = nghttp2_session_mem_send(c->h2, &d);

		if (n < 0) {
			sbi_ctr_inc(c->srv, SBI_CTR_CONN_PROTO_ERROR);
			conn_close(c, nghttp2_strerror((int)n));
			return;
		}
		if (n == 0)
			break;
		out_append(c, d, (size_t)n);
	}
	if (conn_flush(c))
		return;
	if (!c->close_after_flush && !out_pending(c) && !nghttp2_session_want_read(c->h2) &&
	    !nghttp2_session_want_write(c->h2)) {
		conn_close(c, "HTTP/2 session ended");
		return;
	}
	/* a client that does not take its answers is not read any more: its requests wait in TCP */
	if (!c->close_after_flush && out_pending(c) < SBI_OUT_HIGH)
		what |= OSMO_FD_READ;
	if (out_pending(c) || (c->ssl && !SSL_is_init_finished(c->ssl) && SSL_want_write(c->ssl)))
		what |= OSMO_FD_WRITE;
	if (c->ssl && !SSL_is_init_finished(c->ssl))
		what |= OSMO_FD_READ;
	osmo_fd_update_when(&c->ofd, ~(OSMO_FD_READ | OSMO_FD_WRITE), what);
}

#define HTTP1_BODY "{\"title\":\"HTTP Version Not Supported\",\"status\":505," \
	"\"detail\":\"HTTP/2 only: prior knowledge, or TLS with ALPN h2\"}"

static void send_505(struct sbi_conn *c)
{
	char hdr[200];
	int n = snprintf(hdr, sizeof(hdr), "HTTP/1.1 505 HTTP Version Not Supported\r\n"
			 "Content-Type: application/problem+json\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n",
			 sizeof(HTTP1_BODY) - 1);

	out_append(c, (const uint8_t *)hdr, (size_t)n);
	out_append(c, (const uint8_t *)HTTP1_BODY, sizeof(HTTP1_BODY) - 1);
}

/* The first bytes of a connection must be the HTTP/2 client preface; anything else (an HTTP/1.1 request, also
 * one with "Upgrade: h2c") gets a 505 and the connection closes. \returns true when the bytes may go to nghttp2. */
static bool check_preface(struct sbi_conn *c, const uint8_t *buf, size_t n)
{
	static const char magic[] = NGHTTP2_CLIENT_MAGIC;
	size_t k;

	if (c->preface_seen >= NGHTTP2_CLIENT_MAGIC_LEN)
		return true;
	k = NGHTTP2_CLIENT_MAGIC_LEN - c->preface_seen;
	if (k > n)
		k = n;
	if (!memcmp(buf, magic + c->preface_seen, k)) {
		c->preface_seen += k;
		return true;
	}
	LOGP(DSBI, LOGL_INFO, "%s: not HTTP/2 (HTTP/1.x?): answering 505\n", c->name);
	sbi_ctr_inc(c->srv, SBI_CTR_HTTP1);
	send_505(c);
	c->close_after_flush = true;
	return false;
}

static void conn_rx(struct sbi_conn *c, const uint8_t *buf, size_t n)
{
	ssize_t rv;

	touch(c);
	if (!check_preface(c, buf, n))
		return;
	rv = nghttp2_session_mem_recv(c->h2, buf, n);
	if (rv < 0) {
		LOGP(DSBI, LOGL_INFO, "%s: HTTP/2 error: %s\n", c->name, nghttp2_strerror((int)rv));
		sbi_ctr_inc(c->srv, SBI_CTR_CONN_PROTO_ERROR);
		conn_close(c, "HTTP/2 protocol error");
	}
}

static void conn_read(struct sbi_conn *c)
{
	uint8_t buf[16384];
	ssize_t n;

	if (!c->ssl) {
		n = read(c->ofd.fd, buf, sizeof(buf));
		if (n == 0) {
			conn_close(c, "client closed the connection");
		} else if (n < 0) {
			if (errno != EAGAIN && errno != EINTR)
				conn_close(c, strerror(errno));
		} else {
			conn_rx(c, buf, (size_t)n);
		}
		return;
	}

	if (!SSL_is_init_finished(c->ssl)) {
		int rc = SSL_do_handshake(c->ssl);

		if (rc != 1) {
			int err = SSL_get_error(c->ssl, rc);

			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
				return;
			sbi_ctr_inc(c->srv, SBI_CTR_TLS_FAIL);
			if (c->srv->cfg->tls_ca_file && eir_tls_fail_is_cert(c->ssl)) {
				/* no client certificate, or one not from the CA: a notice, but a flood stays bounded */
				sbi_ctr_inc(c->srv, SBI_CTR_TLS_CLIENT_CERT);
				if (eir_ratelimit_allow(&c->srv->tls_log_rl, EIR_CONN_LOG_PER_SEC))
					LOGP(DSBI, LOGL_NOTICE, "%s: TLS client refused: %s\n", c->name,
					     eir_tls_fail_reason(c->ssl));
				else
					ERR_clear_error();
			} else {
				LOGP(DSBI, LOGL_INFO, "%s: TLS handshake failed: %s\n", c->name,
				     eir_tls_fail_reason(c->ssl));
			}
			conn_close(c, "TLS handshake failed");
			return;
		}
		{
			const unsigned char *alpn = NULL;
			unsigned alpn_len = 0;

			SSL_get0_alpn_selected(c->ssl, &alpn, &alpn_len);
			LOGP(DSBI, LOGL_INFO, "%s: TLS %s, ALPN %.*s\n", c->name, SSL_get_version(c->ssl),
			     alpn ? (int)alpn_len : 4, alpn ? (const char *)alpn : "none");
		}
	}
	/* TLS may hold decrypted bytes that no select() will announce: take all of them */
	do {
		int rc = SSL_read(c->ssl, buf, sizeof(buf));

		if (rc <= 0) {
			int err = SSL_get_error(c->ssl, rc);

			if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
				return;
			ERR_clear_error();
			conn_close(c, err == SSL_ERROR_ZERO_RETURN ? "client closed TLS" : "TLS read failed");
			return;
		}
		conn_rx(c, buf, (size_t)rc);
	} while (!c->dead && !c->close_after_flush && SSL_pending(c->ssl) > 0);
}

static int conn_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct sbi_conn *c = ofd->data;

	c->in_cb = true;
	if ((what & OSMO_FD_WRITE) && c->ssl && !SSL_is_init_finished(c->ssl))
		what |= OSMO_FD_READ;	/* the handshake continues from the read path */
	/* records TLS decrypted while reading was paused: no select() announces them, take them once there is room */
	if (c->ssl && SSL_pending(c->ssl) > 0 && out_pending(c) < SBI_OUT_HIGH)
		what |= OSMO_FD_READ;
	if ((what & OSMO_FD_READ) && !c->close_after_flush) {
		/* one store snapshot for every request of this read (never kept past this callback) */
		bool snap = eir_db_read_begin(c->srv->db) == 0;

		conn_read(c);
		if (snap)
			eir_db_read_end(c->srv->db);
	}
	conn_io(c);
	c->in_cb = false;
	if (c->dead)
		conn_free(c);
	return 0;
}

static bool prefaced(const struct sbi_conn *c)
{
	return c->preface_seen >= NGHTTP2_CLIENT_MAGIC_LEN;
}

/* Say GOAWAY (when the session is up), write what can be written, and close. */
static void conn_goaway_close(struct sbi_conn *c, const char *why)
{
	bool in_cb = c->in_cb;

	if (prefaced(c) && !c->close_after_flush) {
		nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
		c->in_cb = true;
		conn_io(c);
		c->in_cb = in_cb;
	}
	if (!c->dead)
		conn_close(c, why);
	else if (!in_cb)
		conn_free(c);
}

/* the time left of a limit of sec seconds from since, to the microsecond (counted in whole seconds, a 4 s
 * idle-timeout closed a connection as early as 3 s after its last activity); \returns true and schedules the timer
 * for it if any */
static bool timer_left(struct sbi_conn *c, const struct timespec *now, const struct timespec *since, unsigned sec)
{
	long long left = (long long)sec * 1000000000 - ((long long)(now->tv_sec - since->tv_sec) * 1000000000 +
							 (now->tv_nsec - since->tv_nsec));

	if (left <= 0)
		return false;
	/* rounded up: never before the limit */
	osmo_timer_schedule(&c->timer, left / 1000000000, (left % 1000000000 + 999) / 1000);
	return true;
}

static void conn_timer_cb(void *data)
{
	struct sbi_conn *c = data;
	struct sbi_cfg *cfg = c->srv->cfg;
	struct timespec now;

	osmo_clock_gettime(CLOCK_MONOTONIC, &now);
	/* a socket that never says HTTP/2 holds a max-connections place for nothing: a short deadline */
	if (!prefaced(c) && !c->close_after_flush) {
		if (timer_left(c, &now, &c->connected, cfg->preface_timeout_sec))
			return;
		sbi_ctr_inc(c->srv, SBI_CTR_CONN_PREFACE_TIMEOUT);
		LOGP(DSBI, LOGL_INFO, "%s: no HTTP/2 preface within %u s\n", c->name, cfg->preface_timeout_sec);
		conn_close(c, c->ssl && !SSL_is_init_finished(c->ssl) ? "no TLS handshake in time" :
			   "no HTTP/2 preface in time");
		return;
	}
	if (timer_left(c, &now, &c->last_active, cfg->idle_timeout_sec))
		return;
	if (out_pending(c)) {
		sbi_ctr_inc(c->srv, SBI_CTR_CONN_STALLED);
		conn_close(c, "client does not read its answers");
		return;
	}
	sbi_ctr_inc(c->srv, SBI_CTR_CONN_IDLE);
	conn_goaway_close(c, "idle");
}

/* --- nghttp2 callbacks --- */

static int on_begin_headers(nghttp2_session *s, const nghttp2_frame *frame, void *user_data)
{
	struct sbi_conn *c = user_data;
	struct sbi_stream *st;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if (c->spare) {
		st = c->spare;
		c->spare = st->next_spare;
		c->n_spare--;
		memset(st, 0, offsetof(struct sbi_stream, next_spare));
	} else {
		st = talloc_zero(c, struct sbi_stream);
	}
	st->c = c;
	st->id = frame->hd.stream_id;
	c->n_streams++;
	nghttp2_session_set_stream_user_data(s, st->id, st);
	return 0;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
		     const uint8_t *value, size_t valuelen, uint8_t flags, void *user_data)
{
	struct sbi_conn *c = user_data;
	struct sbi_stream *st;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
	if (!st || st->err)
		return 0;
	/* RFC 9113 §6.5.2: name + value + 32 per field */
	st->hdr_bytes += namelen + valuelen + 32;
	if (namelen == 5 && !memcmp(name, ":path", 5)) {
		if (valuelen > c->srv->cfg->max_uri_len) {
			st->err = 414;
			return 0;
		}
		if (valuelen >= st->path_cap) {
			talloc_free(st->path_buf);
			st->path_cap = OSMO_MAX(valuelen + 1, (size_t)256);
			st->path_buf = talloc_size(st, st->path_cap);
		}
		memcpy(st->path_buf, value, valuelen);
		st->path_buf[valuelen] = '\0';
		st->path = st->path_buf;
	} else if (namelen == 7 && !memcmp(name, ":method", 7)) {
		st->have_method = true;
		st->get = valuelen == 3 && !memcmp(value, "GET", 3);
		st->head = valuelen == 4 && !memcmp(value, "HEAD", 4);
	}
	if (st->hdr_bytes > c->srv->cfg->max_header_size) {
		st->err = 431;
		st->path = NULL;
	}
	return 0;
}

static int respond(struct sbi_stream *st, const struct sbi_answer *ans);

static int on_frame_recv(nghttp2_session *s, const nghttp2_frame *frame, void *user_data)
{
	struct sbi_stream *st;
	struct sbi_request rq;
	struct sbi_answer ans;

	if (frame->hd.type != NGHTTP2_HEADERS || frame->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	st = nghttp2_session_get_stream_user_data(s, frame->hd.stream_id);
	if (!st)
		return 0;
	/* a GET has no body: answer at the end of the header block, whether or not END_STREAM came with it */
	sbi_ctr_inc(st->c->srv, SBI_CTR_REQ);
	st->c->n_req++;
	rq = (struct sbi_request){ .path = st->path, .get = st->get, .err = st->err, .peer = st->c->name };
	ans = (struct sbi_answer){ .body = st->body, .cap = sizeof(st->body) };
	st->c->srv->handler(st->c->srv, &rq, &ans);
	st->body_len = ans.len;
	respond(st, &ans);
	return 0;
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user_data)
{
	struct sbi_conn *c = user_data;
	struct sbi_stream *st = nghttp2_session_get_stream_user_data(s, stream_id);

	if (st) {
		nghttp2_session_set_stream_user_data(s, stream_id, NULL);
		c->n_streams--;
		if (c->n_spare < SBI_SPARE_STREAMS) {
			st->next_spare = c->spare;
			c->spare = st;
			c->n_spare++;
		} else {
			talloc_free(st);
		}
	}
	return 0;
}

static ssize_t body_read(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length, uint32_t *data_flags,
			 nghttp2_data_source *source, void *user_data)
{
	struct sbi_stream *st = source->ptr;
	size_t n = st->body_len - st->body_off;

	if (n > length)
		n = length;
	memcpy(buf, st->body + st->body_off, n);
	st->body_off += n;
	if (st->body_off == st->body_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* v in decimal, ending at end[-1] (a NUL at end[0]); \returns where it starts. snprintf() took a tenth of the loop's
 * instructions per answer for this and the status. */
static char *dec_str(char *end, size_t v)
{
	*end = '\0';
	do
		*--end = (char)('0' + v % 10);
	while (v /= 10);
	return end;
}

/* Queue the answer of a stream: st->body (st->body_len bytes) with the handler's status, content type and Allow
 * header (NULL: none). \returns 0 or an nghttp2 error */
static int respond(struct sbi_stream *st, const struct sbi_answer *ans)
{
	unsigned status = ans->status;
	const char *content_type = ans->content_type, *allow = ans->allow;
	char st_str[4], len_buf[21], *len_str = dec_str(len_buf + sizeof(len_buf) - 1, st->body_len);
	nghttp2_nv nva[4];
	nghttp2_data_provider prd = { .source.ptr = st, .read_callback = body_read };
	size_t n = 0;

#define NV(N, V) (nghttp2_nv){ (uint8_t *)(N), (uint8_t *)(V), sizeof(N) - 1, strlen(V), \
			       NGHTTP2_NV_FLAG_NO_COPY_NAME }
	OSMO_ASSERT(status >= 100 && status <= 999);
	st_str[0] = (char)('0' + status / 100);
	st_str[1] = (char)('0' + status / 10 % 10);
	st_str[2] = (char)('0' + status % 10);
	st_str[3] = '\0';
	nva[n++] = NV(":status", st_str);
	nva[n++] = NV("content-type", content_type);
	nva[n++] = NV("content-length", len_str);
	if (allow)
		nva[n++] = NV("allow", allow);
#undef NV
	return nghttp2_submit_response(st->c->h2, st->id, nva, n, st->body_len && !st->head ? &prd : NULL);
}

static nghttp2_session_callbacks *h2_callbacks(void)
{
	static nghttp2_session_callbacks *cbs;

	if (!cbs) {
		nghttp2_session_callbacks_new(&cbs);
		nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, on_begin_headers);
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, on_frame_recv);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	}
	return cbs;
}

/* the client's address as text (src), its port, whether it is IPv6 */
static void peer_addr(int fd, char src[INET6_ADDRSTRLEN], int *port, bool *v6)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);

	strcpy(src, "?");
	*port = 0;
	*v6 = false;
	if (getpeername(fd, (struct sockaddr *)&ss, &sl))
		return;
	if (ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((struct sockaddr_in6 *)&ss)->sin6_addr, src, INET6_ADDRSTRLEN);
		*port = ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
		*v6 = true;
	} else {
		inet_ntop(AF_INET, &((struct sockaddr_in *)&ss)->sin_addr, src, INET6_ADDRSTRLEN);
		*port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
	}
}

static void conn_alloc(struct sbi_server *srv, int fd)
{
	struct sbi_conn *c = talloc_zero(srv, struct sbi_conn);
	int port, one = 1;
	bool v6;
	nghttp2_settings_entry iv[] = {
		{ NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, srv->cfg->max_streams },
		{ NGHTTP2_SETTINGS_ENABLE_PUSH, 0 },
	};

	talloc_set_name_const(c, "sbi_conn");
	peer_addr(fd, c->src, &port, &v6);
	snprintf(c->name, sizeof(c->name), v6 ? "[%s]:%d" : "%s:%d", c->src, port);
	c->srv = srv;
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	osmo_fd_setup(&c->ofd, fd, OSMO_FD_READ, conn_cb, c, 0);
	osmo_timer_setup(&c->timer, conn_timer_cb, c);
	llist_add_tail(&c->list, &srv->conns);
	srv->n_conns++;
	update_stats(srv);
	touch(c);
	c->connected = c->last_active;

	if (srv->ssl_ctx) {
		c->ssl = SSL_new(srv->ssl_ctx);
		SSL_set_fd(c->ssl, fd);
		SSL_set_accept_state(c->ssl);
	}
	if (nghttp2_session_server_new(&c->h2, h2_callbacks(), c)) {
		LOGP(DSBI, LOGL_ERROR, "%s: cannot make an HTTP/2 session\n", c->name);
		if (c->ssl)
			SSL_free(c->ssl);
		llist_del(&c->list);
		srv->n_conns--;
		update_stats(srv);
		close(fd);
		talloc_free(c);
		return;
	}
	nghttp2_submit_settings(c->h2, NGHTTP2_FLAG_NONE, iv, ARRAY_SIZE(iv));
	if (osmo_fd_register(&c->ofd)) {
		c->ofd.fd = -1;
		close(fd);
		conn_free(c);
		return;
	}
	sbi_ctr_inc(srv, SBI_CTR_CONN_ACCEPTED);
	LOGP(DSBI, LOGL_INFO, "%s: connected%s\n", c->name, c->ssl ? " (TLS)" : "");
	osmo_timer_schedule(&c->timer, OSMO_MIN(srv->cfg->preface_timeout_sec, srv->cfg->idle_timeout_sec), 0);
	c->in_cb = true;
	conn_io(c);
	c->in_cb = false;
	if (c->dead)
		conn_free(c);
}

static int accept_cb(struct osmo_stream_srv_link *link, int fd)
{
	struct sbi_server *srv = osmo_stream_srv_link_get_data(link);
	struct sbi_conn *c;

	if (srv->shutting_down) {
		close(fd);
		return 0;
	}
	if (srv->cfg->max_conns_per_source) {
		char src[INET6_ADDRSTRLEN];
		unsigned n = 0;
		int port;
		bool v6;

		peer_addr(fd, src, &port, &v6);
		llist_for_each_entry(c, &srv->conns, list)
			n += !c->dead && !strcmp(c->src, src);
		if (n >= srv->cfg->max_conns_per_source) {
			sbi_ctr_inc(srv, SBI_CTR_CONN_REFUSED_SOURCE);
			if (eir_ratelimit_allow(&srv->conn_log_rl, EIR_CONN_LOG_PER_SEC))
				LOGP(DSBI, LOGL_NOTICE, "max-connections-per-source (%u) reached by %s: closing a new "
				     "connection\n", srv->cfg->max_conns_per_source, src);
			close(fd);
			return 0;
		}
	}
	if (srv->n_conns >= srv->cfg->max_conns) {
		struct sbi_conn *victim = NULL;

		/* Connections that never sent a request (silent sockets, a flood of them) must not lock every AMF
		 * out: the oldest of them makes room. Only when every one has sent a request is the new one refused. */
		llist_for_each_entry(c, &srv->conns, list) {
			if (!c->dead && !c->n_req) {
				victim = c;
				break;
			}
		}
		if (!victim) {
			sbi_ctr_inc(srv, SBI_CTR_CONN_REFUSED);
			if (eir_ratelimit_allow(&srv->conn_log_rl, EIR_CONN_LOG_PER_SEC))
				LOGP(DSBI, LOGL_NOTICE, "max-connections (%u) reached, each with a request: closing a "
				     "new connection\n", srv->cfg->max_conns);
			close(fd);
			return 0;
		}
		sbi_ctr_inc(srv, SBI_CTR_CONN_EVICTED);
		if (eir_ratelimit_allow(&srv->conn_log_rl, EIR_CONN_LOG_PER_SEC))
			LOGP(DSBI, LOGL_NOTICE, "max-connections (%u) reached: evicting %s, which has sent no "
			     "request\n", srv->cfg->max_conns, victim->name);
		conn_goaway_close(victim, "evicted for a new connection (no request yet)");
	}
	conn_alloc(srv, fd);
	return 0;
}

/* --- TLS --- */

/* TLS 1.2 or later, ALPN h2; with 'tls ca-file' every client must show a certificate from that CA (mutual TLS,
 * TS 33.501 §13.1: an AMF without one fails the handshake) */
static int tls_setup(struct sbi_server *srv)
{
	struct sbi_cfg *cfg = srv->cfg;
	struct eir_tls_opts o = { .server = true, .cert = cfg->tls_cert, .key = cfg->tls_key,
				  .ca_file = cfg->tls_ca_file, .alpn = "\x02h2", .log_ss = DSBI, .what = "sbi tls" };

	srv->ssl_ctx = eir_tls_ctx_new(&o);
	return srv->ssl_ctx ? 0 : -EINVAL;
}

/* --- the server --- */

struct sbi_server *sbi_http_alloc(void *ctx, struct sbi_cfg *cfg, sbi_handler_t handler)
{
	struct sbi_server *srv = talloc_zero(ctx, struct sbi_server);

	srv->ctx = srv;
	srv->cfg = cfg;
	srv->handler = handler;
	INIT_LLIST_HEAD(&srv->conns);
	srv->ctrs = rate_ctr_group_alloc(srv, &sbi_ctrg_desc, 0);
	srv->stats = osmo_stat_item_group_alloc(srv, &sbi_statg_desc, 0);
	return srv;
}

static bool addr_is_wildcard(const char *addr)
{
	struct in_addr a4;
	struct in6_addr a6;

	if (inet_pton(AF_INET, addr, &a4) == 1)
		return a4.s_addr == htonl(INADDR_ANY);
	return inet_pton(AF_INET6, addr, &a6) == 1 && IN6_IS_ADDR_UNSPECIFIED(&a6);
}

/*! Load the TLS credentials (if configured), open the listening socket, start the NRF registration.
 *  \returns 0 or a negative errno */
int sbi_server_start(struct sbi_server *srv)
{
	struct sbi_cfg *cfg = srv->cfg;
	int rc;

	/* an NRF hands the advertised address to AMFs: a wildcard would send them nowhere */
	if (cfg->nrf_uri && cfg->nrf_advertise_addr && addr_is_wildcard(cfg->nrf_advertise_addr)) {
		LOGP(DSBI, LOGL_FATAL, "sbi: 'nrf advertise-address %s' is a wildcard address, which AMFs cannot "
		     "reach: set 'nrf advertise-address' to this EIR's own address\n", cfg->nrf_advertise_addr);
		return -EINVAL;
	}
	if (cfg->nrf_uri && !cfg->nrf_advertise_addr && addr_is_wildcard(cfg->listen_addr)) {
		LOGP(DSBI, LOGL_FATAL, "sbi: 'listen %s' is a wildcard address, which the NRF cannot hand to AMFs: "
		     "set 'nrf advertise-address' to this EIR's own address\n", cfg->listen_addr);
		return -EINVAL;
	}

	if (!!cfg->tls_cert != !!cfg->tls_key) {
		LOGP(DSBI, LOGL_ERROR, "TLS needs both 'tls certificate' and 'tls private-key'\n");
		return -EINVAL;
	}
	if (cfg->tls_ca_file && !cfg->tls_cert) {
		LOGP(DSBI, LOGL_ERROR, "'tls ca-file' (client certificates) needs 'tls certificate' and "
		     "'tls private-key'\n");
		return -EINVAL;
	}
	if (cfg->tls_cert) {
		rc = tls_setup(srv);
		if (rc)
			return rc;
	}
	srv->link = osmo_stream_srv_link_create(srv);
	osmo_stream_srv_link_set_addr(srv->link, cfg->listen_addr);
	osmo_stream_srv_link_set_port(srv->link, cfg->listen_port);
	osmo_stream_srv_link_set_nodelay(srv->link, true);
	osmo_stream_srv_link_set_data(srv->link, srv);
	osmo_stream_srv_link_set_accept_cb(srv->link, accept_cb);
	if (osmo_stream_srv_link_open(srv->link) < 0) {
		LOGP(DSBI, LOGL_ERROR, "cannot listen on %s:%u: %s\n", cfg->listen_addr, cfg->listen_port,
		     strerror(errno));
		return -EADDRINUSE;
	}
	eir_listen_backlog(osmo_stream_srv_link_get_ofd(srv->link)->fd, DSBI, "N5g-eir");
	LOGP(DSBI, LOGL_NOTICE, "N5g-eir on %s:%u (%s%s)\n", cfg->listen_addr, cfg->listen_port,
	     srv->ssl_ctx ? "TLS, ALPN h2" : "cleartext HTTP/2, prior knowledge",
	     cfg->tls_ca_file ? ", client certificate required" : "");
	if (cfg->nrf_uri)
		return sbi_nrf_start(srv);
	return 0;
}

/*! Stop accepting, send GOAWAY on every connection, NFDeregister. Poll sbi_server_idle() until it is done. */
void sbi_server_shutdown(struct sbi_server *srv)
{
	struct sbi_conn *c, *tmp;

	srv->shutting_down = true;
	if (srv->link)
		osmo_stream_srv_link_close(srv->link);
	llist_for_each_entry_safe(c, tmp, &srv->conns, list) {
		nghttp2_session_terminate_session(c->h2, NGHTTP2_NO_ERROR);
		c->in_cb = true;
		conn_io(c);
		if (!c->dead)
			c->close_after_flush = true;
		conn_io(c);
		c->in_cb = false;
		if (c->dead)
			conn_free(c);
	}
	sbi_nrf_deregister(srv);
}

/*! Whether the shutdown finished: every connection closed and the NFDeregister answered (or given up). */
bool sbi_server_idle(const struct sbi_server *srv)
{
	return llist_empty(&srv->conns) && sbi_nrf_done(srv);
}

void sbi_server_free(struct sbi_server *srv)
{
	struct sbi_conn *c, *tmp;

	sbi_nrf_free(srv);
	llist_for_each_entry_safe(c, tmp, &srv->conns, list)
		conn_close(c, "server stopped");
	if (srv->link)
		osmo_stream_srv_link_destroy(srv->link);
	if (srv->ssl_ctx)
		SSL_CTX_free(srv->ssl_ctx);
	talloc_free(srv);
}
