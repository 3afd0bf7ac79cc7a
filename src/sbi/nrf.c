/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The NRF client (TS 29.510 Nnrf_NFManagement): NFRegister (PUT of our NFProfile as 5G_EIR with the n5g-eir-eic
 * service), a heartbeat (PATCH nfStatus) at the interval the NRF answers, NFDeregister (DELETE) on shutdown. One
 * HTTP/2 connection from the select loop, cleartext (prior knowledge) or TLS (ALPN h2, the NRF's certificate and
 * name verified), reconnected when it breaks. */

#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/gsm_utils.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/tls.h>
#include "sbi_internal.h"

#define NRF_RETRY_SEC 5
#define NRF_ANSWER_TIMEOUT_SEC 3
#define NRF_BODY_MAX 4096
/* TS 29.500 §5.2.2.2: the User-Agent of every SBI request starts with the NF type */
#define NRF_USER_AGENT "5G_EIR-osmo-eir"
/* the TS 29.511 API version the server implements: Rel-16 (V16.5.0, OpenAPI 1.1.2), which added
 * supported-features */
#define N5G_EIR_API_FULL_VERSION "1.1.2"

enum nrf_state {
	NRF_S_UNREGISTERED,	/*!< next: NFRegister */
	NRF_S_REGISTERED,	/*!< next: heartbeat */
	NRF_S_DEREGISTERING,	/*!< DELETE sent on shutdown */
	NRF_S_DONE,		/*!< deregistered, or given up */
};

enum nrf_req {
	NRF_REQ_NONE,
	NRF_REQ_REGISTER,
	NRF_REQ_HEARTBEAT,
	NRF_REQ_DEREGISTER,
};

struct sbi_nrf {
	struct sbi_server *srv;
	char host[256];
	char authority[280];
	char port[8];
	char path[320];			/*!< [apiPrefix]/nnrf-nfm/v1/nf-instances/{id} */
	char *nf_instance_id;
	bool tls;			/*!< https:// */
	SSL_CTX *ssl_ctx;		/*!< with tls: the CA to verify the NRF with, ALPN h2 */
	SSL *ssl;			/*!< with tls, once TCP is connected */
	struct osmo_fd ofd;
	nghttp2_session *h2;
	bool connected;			/*!< TCP connected */
	bool ready;			/*!< connected, and with tls the handshake done: HTTP/2 bytes may flow */
	uint8_t *out;
	size_t out_len, out_off;
	struct osmo_timer_list timer;
	enum nrf_state state;
	unsigned hb_sec;
	enum nrf_req req;		/*!< the request in flight (one at a time) */
	int32_t stream_id;
	int status;
	char rsp[NRF_BODY_MAX + 1];
	size_t rsp_len;
	char body[NRF_BODY_MAX];
	size_t body_len, body_off;
	bool in_cb, dead_conn;
};

static void nrf_send_next(struct sbi_nrf *n);

static void stat_registered(struct sbi_nrf *n, bool reg)
{
	osmo_stat_item_set(osmo_stat_item_group_get_item(n->srv->stats, SBI_STAT_NRF_REGISTERED), reg);
}

static void nrf_disconnect(struct sbi_nrf *n, const char *why)
{
	if (n->ofd.fd >= 0) {
		LOGP(DSBI, LOGL_INFO, "NRF %s: disconnected: %s\n", n->authority, why);
		osmo_fd_unregister(&n->ofd);
		close(n->ofd.fd);
		n->ofd.fd = -1;
	}
	if (n->ssl) {
		SSL_free(n->ssl);
		n->ssl = NULL;
	}
	ERR_clear_error();
	if (n->h2) {
		nghttp2_session_del(n->h2);
		n->h2 = NULL;
	}
	n->connected = n->ready = false;
	n->out_len = n->out_off = 0;
	if (n->req != NRF_REQ_NONE) {
		sbi_ctr_inc(n->srv, SBI_CTR_NRF_FAIL);
		n->req = NRF_REQ_NONE;
		if (n->state == NRF_S_DEREGISTERING)
			n->state = NRF_S_DONE;
		else if (!osmo_timer_pending(&n->timer))
			osmo_timer_schedule(&n->timer, NRF_RETRY_SEC, 0);
	}
}

/* Write to the NRF, through TLS or not. \returns bytes written, 0 when it would block, -1 on error */
static ssize_t nrf_write(struct sbi_nrf *n, const uint8_t *d, size_t len)
{
	ssize_t w;

	if (n->ssl) {
		int rc = SSL_write(n->ssl, d, (int)OSMO_MIN(len, (size_t)INT_MAX));

		if (rc > 0)
			return rc;
		rc = SSL_get_error(n->ssl, rc);
		return rc == SSL_ERROR_WANT_WRITE || rc == SSL_ERROR_WANT_READ ? 0 : -1;
	}
	w = write(n->ofd.fd, d, len);
	if (w < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return w;
}

/* Read from the NRF. \returns bytes read, 0 when nothing is there, -1 when the connection is gone */
static ssize_t nrf_read(struct sbi_nrf *n, uint8_t *buf, size_t len)
{
	ssize_t r;

	if (n->ssl) {
		int rc = SSL_read(n->ssl, buf, (int)OSMO_MIN(len, (size_t)INT_MAX));

		if (rc > 0)
			return rc;
		rc = SSL_get_error(n->ssl, rc);
		return rc == SSL_ERROR_WANT_READ || rc == SSL_ERROR_WANT_WRITE ? 0 : -1;
	}
	r = read(n->ofd.fd, buf, len);
	if (r == 0)
		return -1;
	if (r < 0)
		return errno == EAGAIN || errno == EINTR ? 0 : -1;
	return r;
}

static void nrf_io(struct sbi_nrf *n)
{
	unsigned what = OSMO_FD_READ;

	if (!n->h2 || n->ofd.fd < 0)
		return;
	for (;;) {
		const uint8_t *d;
		ssize_t k = nghttp2_session_mem_send(n->h2, &d);

		if (k < 0) {
			nrf_disconnect(n, nghttp2_strerror((int)k));
			return;
		}
		if (k == 0)
			break;
		n->out = talloc_realloc_size(n, n->out, n->out_len + (size_t)k);
		memcpy(n->out + n->out_len, d, (size_t)k);
		n->out_len += (size_t)k;
	}
	if (n->ready) {
		while (n->out_off < n->out_len) {
			ssize_t w = nrf_write(n, n->out + n->out_off, n->out_len - n->out_off);

			if (w < 0) {
				nrf_disconnect(n, n->ssl ? "TLS write failed" : strerror(errno));
				return;
			}
			if (w == 0)
				break;
			n->out_off += (size_t)w;
		}
		if (n->out_off == n->out_len)
			n->out_off = n->out_len = 0;
	}
	if (!n->connected || (n->ready && n->out_len) || (n->ssl && SSL_want_write(n->ssl)))
		what |= OSMO_FD_WRITE;
	osmo_fd_update_when(&n->ofd, ~(OSMO_FD_READ | OSMO_FD_WRITE), what);
}

/* Once TCP is up: the TLS client side, verifying the NRF's certificate chain against the CA and its name (an IP
 * address in the URI against the certificate's IP SANs, a host name against its DNS names, also sent as SNI). */
static int nrf_tls_start(struct sbi_nrf *n)
{
	struct in6_addr a6;
	bool ip = inet_pton(AF_INET, n->host, &a6) == 1 || inet_pton(AF_INET6, n->host, &a6) == 1;

	n->ssl = SSL_new(n->ssl_ctx);
	if (!n->ssl || !SSL_set_fd(n->ssl, n->ofd.fd))
		return -ENOMEM;
	SSL_set_connect_state(n->ssl);
	SSL_set_verify(n->ssl, SSL_VERIFY_PEER, NULL);
	if (ip) {
		if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(n->ssl), n->host) != 1)
			return -EINVAL;
	} else {
		SSL_set_hostflags(n->ssl, X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS);
		if (SSL_set1_host(n->ssl, n->host) != 1 || SSL_set_tlsext_host_name(n->ssl, n->host) != 1)
			return -EINVAL;
	}
	return 0;
}

/* Drive the TLS handshake. \returns 1 when done, 0 to wait for the socket, -1 when it failed (disconnected) */
static int nrf_tls_handshake(struct sbi_nrf *n)
{
	const unsigned char *alpn = NULL;
	unsigned alpn_len = 0;
	int rc = SSL_do_handshake(n->ssl);

	if (rc != 1) {
		int err = SSL_get_error(n->ssl, rc);

		if (err == SSL_ERROR_WANT_READ || err == SSL_ERROR_WANT_WRITE)
			return 0;
		sbi_ctr_inc(n->srv, SBI_CTR_NRF_TLS_FAIL);
		LOGP(DSBI, LOGL_ERROR, "NRF %s: TLS handshake failed: %s\n", n->authority, eir_tls_fail_reason(n->ssl));
		nrf_disconnect(n, "TLS handshake failed");
		return -1;
	}
	SSL_get0_alpn_selected(n->ssl, &alpn, &alpn_len);
	if (alpn_len != 2 || memcmp(alpn, "h2", 2)) {
		sbi_ctr_inc(n->srv, SBI_CTR_NRF_TLS_FAIL);
		LOGP(DSBI, LOGL_ERROR, "NRF %s: TLS without ALPN h2 (HTTP/2 is required)\n", n->authority);
		nrf_disconnect(n, "no ALPN h2");
		return -1;
	}
	LOGP(DSBI, LOGL_INFO, "NRF %s: TLS %s, ALPN h2, certificate verified\n", n->authority,
	     SSL_get_version(n->ssl));
	return 1;
}

static int nrf_fd_cb(struct osmo_fd *ofd, unsigned int what)
{
	struct sbi_nrf *n = ofd->data;

	if (!n->connected && (what & (OSMO_FD_WRITE | OSMO_FD_READ))) {
		int err = 0;
		socklen_t len = sizeof(err);

		getsockopt(ofd->fd, SOL_SOCKET, SO_ERROR, &err, &len);
		if (err) {
			LOGP(DSBI, LOGL_ERROR, "NRF %s: cannot connect: %s\n", n->authority, strerror(err));
			nrf_disconnect(n, "connect failed");
			return 0;
		}
		n->connected = true;
		if (n->tls && nrf_tls_start(n)) {
			LOGP(DSBI, LOGL_ERROR, "NRF %s: cannot set up TLS\n", n->authority);
			nrf_disconnect(n, "TLS set-up failed");
			return 0;
		}
		n->ready = !n->tls;
	}
	if (n->connected && !n->ready) {
		int rc = nrf_tls_handshake(n);

		if (rc < 0)
			return 0;
		if (rc == 0) {
			nrf_io(n);
			return 0;
		}
		n->ready = true;
	}
	/* TLS may hold decrypted records no select() announces (also right after the handshake): always try */
	if (n->ssl)
		what |= OSMO_FD_READ;
	while (what & OSMO_FD_READ) {
		uint8_t buf[8192];
		ssize_t r = nrf_read(n, buf, sizeof(buf));

		if (r < 0) {
			nrf_disconnect(n, n->ssl ? "TLS connection closed" : "NRF closed the connection");
			return 0;
		}
		if (r == 0)
			break;
		if (nghttp2_session_mem_recv(n->h2, buf, (size_t)r) < 0) {
			nrf_disconnect(n, "HTTP/2 error");
			return 0;
		}
		if (!n->ssl || SSL_pending(n->ssl) <= 0)
			break;
	}
	nrf_io(n);
	return 0;
}

/* --- nghttp2 client callbacks --- */

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name, size_t namelen,
		     const uint8_t *value, size_t valuelen, uint8_t flags, void *user_data)
{
	struct sbi_nrf *n = user_data;

	if (frame->hd.stream_id == n->stream_id && namelen == 7 && !memcmp(name, ":status", 7))
		n->status = atoi((const char *)value);
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data, size_t len,
		   void *user_data)
{
	struct sbi_nrf *n = user_data;

	if (stream_id != n->stream_id)
		return 0;
	len = OSMO_MIN(len, NRF_BODY_MAX - n->rsp_len);
	memcpy(n->rsp + n->rsp_len, data, len);
	n->rsp_len += len;
	n->rsp[n->rsp_len] = '\0';
	return 0;
}

/* heartBeatTimer from the NRF's NFProfile, or 0 */
static unsigned parse_heartbeat(const char *body)
{
	const char *p = strstr(body, "\"heartBeatTimer\"");

	if (!p)
		return 0;
	p += strlen("\"heartBeatTimer\"");
	while (*p == ' ' || *p == '\t' || *p == '\r' || *p == '\n' || *p == ':')
		p++;
	if (*p < '1' || *p > '9')
		return 0;
	return (unsigned)OSMO_MIN(strtoul(p, NULL, 10), 86400UL);
}

static void nrf_response(struct sbi_nrf *n)
{
	enum nrf_req req = n->req;
	int st = n->status;

	n->req = NRF_REQ_NONE;
	switch (req) {
	case NRF_REQ_REGISTER:
		if (st == 200 || st == 201) {
			unsigned hb = parse_heartbeat(n->rsp);

			n->hb_sec = hb ? hb : n->srv->cfg->nrf_heartbeat_sec;
			n->state = NRF_S_REGISTERED;
			stat_registered(n, true);
			sbi_ctr_inc(n->srv, SBI_CTR_NRF_REGISTER);
			LOGP(DSBI, LOGL_NOTICE, "NRF %s: registered as 5G_EIR %s (%d), heartbeat every %u s\n",
			     n->authority, n->nf_instance_id, st, n->hb_sec);
			osmo_timer_schedule(&n->timer, n->hb_sec, 0);
		} else {
			sbi_ctr_inc(n->srv, SBI_CTR_NRF_FAIL);
			LOGP(DSBI, LOGL_ERROR, "NRF %s: NFRegister answered %d; retrying in %d s\n", n->authority, st,
			     NRF_RETRY_SEC);
			osmo_timer_schedule(&n->timer, NRF_RETRY_SEC, 0);
		}
		break;
	case NRF_REQ_HEARTBEAT:
		if (st == 200 || st == 204) {
			sbi_ctr_inc(n->srv, SBI_CTR_NRF_HEARTBEAT);
		} else {
			sbi_ctr_inc(n->srv, SBI_CTR_NRF_FAIL);
			LOGP(DSBI, LOGL_ERROR, "NRF %s: heartbeat answered %d%s\n", n->authority, st,
			     st == 404 ? ": registering again" : "");
			if (st == 404) {
				n->state = NRF_S_UNREGISTERED;
				stat_registered(n, false);
				osmo_timer_schedule(&n->timer, 0, 0);
				break;
			}
		}
		if (n->state == NRF_S_REGISTERED)
			osmo_timer_schedule(&n->timer, n->hb_sec, 0);
		break;
	case NRF_REQ_DEREGISTER:
		LOGP(DSBI, LOGL_NOTICE, "NRF %s: deregistered (%d)\n", n->authority, st);
		osmo_timer_del(&n->timer);
		n->state = NRF_S_DONE;
		stat_registered(n, false);
		break;
	case NRF_REQ_NONE:
		break;
	}
}

static int on_stream_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *user_data)
{
	struct sbi_nrf *n = user_data;

	if (stream_id == n->stream_id) {
		n->stream_id = -1;
		if (!n->status)
			n->status = 599;	/* reset without an answer */
		nrf_response(n);
	}
	return 0;
}

static ssize_t body_read(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length, uint32_t *data_flags,
			 nghttp2_data_source *source, void *user_data)
{
	struct sbi_nrf *n = user_data;
	size_t k = OSMO_MIN(length, n->body_len - n->body_off);

	memcpy(buf, n->body + n->body_off, k);
	n->body_off += k;
	if (n->body_off == n->body_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)k;
}

static int nrf_connect(struct sbi_nrf *n)
{
	static nghttp2_session_callbacks *cbs;
	int fd;

	if (!cbs) {
		nghttp2_session_callbacks_new(&cbs);
		nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
		nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
		nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_stream_close);
	}
	fd = osmo_sock_init(AF_UNSPEC, SOCK_STREAM, IPPROTO_TCP, n->host, atoi(n->port),
			    OSMO_SOCK_F_CONNECT | OSMO_SOCK_F_NONBLOCK);
	if (fd < 0) {
		LOGP(DSBI, LOGL_ERROR, "NRF %s: cannot connect\n", n->authority);
		return -EIO;
	}
	osmo_fd_setup(&n->ofd, fd, OSMO_FD_READ | OSMO_FD_WRITE, nrf_fd_cb, n, 0);
	osmo_fd_register(&n->ofd);
	n->connected = n->ready = false;
	nghttp2_session_client_new(&n->h2, cbs, n);
	nghttp2_submit_settings(n->h2, NGHTTP2_FLAG_NONE, NULL, 0);
	return 0;
}

static void nrf_request(struct sbi_nrf *n, enum nrf_req req, const char *method, const char *ctype)
{
	char len_str[12];
	nghttp2_nv nva[7];
	nghttp2_data_provider prd = { .read_callback = body_read };
	size_t k = 0;

	if (!n->h2 && nrf_connect(n)) {
		sbi_ctr_inc(n->srv, SBI_CTR_NRF_FAIL);
		if (n->state == NRF_S_DEREGISTERING)
			n->state = NRF_S_DONE;
		else
			osmo_timer_schedule(&n->timer, NRF_RETRY_SEC, 0);
		return;
	}
#define NV(N, V) (nghttp2_nv){ (uint8_t *)(N), (uint8_t *)(V), strlen(N), strlen(V), NGHTTP2_NV_FLAG_NONE }
	nva[k++] = NV(":method", method);
	nva[k++] = NV(":scheme", n->tls ? "https" : "http");
	nva[k++] = NV(":authority", n->authority);
	nva[k++] = NV(":path", n->path);
	nva[k++] = NV("user-agent", NRF_USER_AGENT);
	if (ctype) {
		snprintf(len_str, sizeof(len_str), "%zu", n->body_len);
		nva[k++] = NV("content-type", ctype);
		nva[k++] = NV("content-length", len_str);
	}
#undef NV
	n->body_off = 0;
	n->status = 0;
	n->rsp_len = 0;
	n->rsp[0] = '\0';
	n->req = req;
	/* an NRF that never answers must not stop the heartbeats for good */
	osmo_timer_schedule(&n->timer, NRF_ANSWER_TIMEOUT_SEC, 0);
	n->stream_id = nghttp2_submit_request(n->h2, NULL, nva, k, ctype ? &prd : NULL, NULL);
	if (n->stream_id < 0) {
		nrf_disconnect(n, nghttp2_strerror(n->stream_id));
		return;
	}
	nrf_io(n);
}

/* The NFProfile: the one NFService both in nfServiceList (a map keyed by serviceInstanceId, TS 29.510 Rel-16 on)
 * and in nfServices (the Rel-15 array, deprecated since Rel-16, still all that older NRFs read). */
static void nrf_register(struct sbi_nrf *n)
{
	struct sbi_cfg *cfg = n->srv->cfg;
	const char *addr = cfg->nrf_advertise_addr ? : cfg->listen_addr;
	bool v6 = strchr(addr, ':') != NULL;
	char svc[1024];

	snprintf(svc, sizeof(svc),
		 "{\"serviceInstanceId\":\"n5g-eir-eic\",\"serviceName\":\"n5g-eir-eic\","
		 "\"versions\":[{\"apiVersionInUri\":\"v1\",\"apiFullVersion\":\"" N5G_EIR_API_FULL_VERSION "\"}],"
		 "\"scheme\":\"%s\",\"nfServiceStatus\":\"REGISTERED\","
		 "\"ipEndPoints\":[{\"%s\":\"%s\",\"transport\":\"TCP\",\"port\":%u}],"
		 "\"allowedNfTypes\":[\"AMF\"]}",
		 cfg->tls_cert ? "https" : "http", v6 ? "ipv6Address" : "ipv4Address", addr, cfg->listen_port);
	n->body_len = (size_t)snprintf(n->body, sizeof(n->body),
		"{\"nfInstanceId\":\"%s\",\"nfType\":\"5G_EIR\",\"nfStatus\":\"REGISTERED\",\"heartBeatTimer\":%u,"
		"\"%s\":[\"%s\"],\"allowedNfTypes\":[\"AMF\"],"
		"\"nfServices\":[%s],\"nfServiceList\":{\"n5g-eir-eic\":%s}}",
		n->nf_instance_id, cfg->nrf_heartbeat_sec, v6 ? "ipv6Addresses" : "ipv4Addresses", addr, svc, svc);
	OSMO_ASSERT(n->body_len < sizeof(n->body));
	nrf_request(n, NRF_REQ_REGISTER, "PUT", "application/json");
}

static void nrf_heartbeat(struct sbi_nrf *n)
{
	static const char patch[] = "[{\"op\":\"replace\",\"path\":\"/nfStatus\",\"value\":\"REGISTERED\"}]";

	memcpy(n->body, patch, sizeof(patch) - 1);
	n->body_len = sizeof(patch) - 1;
	nrf_request(n, NRF_REQ_HEARTBEAT, "PATCH", "application/json-patch+json");
}

static void nrf_send_next(struct sbi_nrf *n)
{
	if (n->req != NRF_REQ_NONE)
		return;
	if (n->state == NRF_S_UNREGISTERED)
		nrf_register(n);
	else if (n->state == NRF_S_REGISTERED)
		nrf_heartbeat(n);
}

static void nrf_timer_cb(void *data)
{
	struct sbi_nrf *n = data;

	if (n->req != NRF_REQ_NONE) {
		LOGP(DSBI, LOGL_ERROR, "NRF %s: no answer within %d s\n", n->authority, NRF_ANSWER_TIMEOUT_SEC);
		nrf_disconnect(n, "no answer");
		return;
	}
	nrf_send_next(n);
}

/* a version 4 UUID, for a configuration without 'nrf nf-instance-id' */
static char *make_uuid(void *ctx)
{
	uint8_t r[16];

	if (osmo_get_rand_id(r, sizeof(r)))
		return NULL;
	r[6] = (r[6] & 0x0f) | 0x40;
	r[8] = (r[8] & 0x3f) | 0x80;
	return talloc_asprintf(ctx, "%s-%s-%s-%s-%s", osmo_hexdump_nospc(r, 4), osmo_hexdump_nospc(r + 4, 2),
			       osmo_hexdump_nospc(r + 6, 2), osmo_hexdump_nospc(r + 8, 2),
			       osmo_hexdump_nospc(r + 10, 6));
}

/* The TLS client context for an https:// NRF: TLS 1.2 or later, ALPN h2, the CA file (or the system's CAs); our
 * own 'tls certificate' as the client certificate when the NRF asks for one (mutual TLS, TS 33.501 §13.1).
 * \returns 0 or -EINVAL (logged) */
static int nrf_tls_setup(struct sbi_nrf *n)
{
	const struct sbi_cfg *cfg = n->srv->cfg;
	struct eir_tls_opts o = { .cert = cfg->tls_cert, .key = cfg->tls_key, .ca_file = cfg->nrf_ca_file,
				  .alpn = "\x02h2", .log_ss = DSBI, .what = "nrf" };

	n->ssl_ctx = eir_tls_ctx_new(&o);
	return n->ssl_ctx ? 0 : -EINVAL;
}

/*! Parse 'nrf uri' (http:// or https://, host or [IPv6], port 80 or 443 when left out), set up TLS for https,
 *  start NFRegister. \returns 0 or -EINVAL (logged) */
int sbi_nrf_start(struct sbi_server *srv)
{
	struct sbi_cfg *cfg = srv->cfg;
	struct sbi_nrf *n = talloc_zero(srv, struct sbi_nrf);
	const char *hp, *colon, *end;

	n->srv = srv;
	n->ofd.fd = -1;
	n->stream_id = -1;
	srv->nrf = n;
	osmo_timer_setup(&n->timer, nrf_timer_cb, n);
	if (!strncmp(cfg->nrf_uri, "https://", 8)) {
		n->tls = true;
		hp = cfg->nrf_uri + 8;
	} else if (!strncmp(cfg->nrf_uri, "http://", 7)) {
		hp = cfg->nrf_uri + 7;
	} else {
		goto bad;
	}
	end = hp + strcspn(hp, "/");
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', end - hp);

		if (!rb || (rb + 1 != end && rb[1] != ':'))
			goto bad;
		snprintf(n->host, sizeof(n->host), "%.*s", (int)(rb - hp - 1), hp + 1);
		colon = rb + 1 == end ? NULL : rb + 1;
	} else {
		colon = memchr(hp, ':', end - hp);
		snprintf(n->host, sizeof(n->host), "%.*s", (int)((colon ? colon : end) - hp), hp);
	}
	if (colon)
		snprintf(n->port, sizeof(n->port), "%.*s", (int)(end - colon - 1), colon + 1);
	else
		OSMO_STRLCPY_ARRAY(n->port, n->tls ? "443" : "80");
	if (atoi(n->port) <= 0 || atoi(n->port) > 65535 || !n->host[0])
		goto bad;
	snprintf(n->authority, sizeof(n->authority), "%.*s", (int)(end - hp), hp);
	if (n->tls && nrf_tls_setup(n))
		return -EINVAL;
	if (!n->tls && cfg->nrf_ca_file)
		LOGP(DSBI, LOGL_NOTICE, "nrf ca-file %s: not used for an http:// NRF\n", cfg->nrf_ca_file);
	n->nf_instance_id = cfg->nf_instance_id ? talloc_strdup(n, cfg->nf_instance_id) : make_uuid(n);
	if (!n->nf_instance_id)
		goto bad;
	/* an apiRoot may end in an apiPrefix (TS 29.501 §4.4.1) */
	if (snprintf(n->path, sizeof(n->path), "%.*s/nnrf-nfm/v1/nf-instances/%s",
		     (int)(strlen(end) - (strlen(end) && end[strlen(end) - 1] == '/')), end, n->nf_instance_id) >=
	    (int)sizeof(n->path))
		goto bad;
	LOGP(DSBI, LOGL_NOTICE, "NRF %s: registering nfInstanceId %s%s\n", n->authority, n->nf_instance_id,
	     n->tls ? " (TLS)" : "");
	nrf_send_next(n);
	return 0;
bad:
	LOGP(DSBI, LOGL_ERROR, "nrf uri %s: expected http://ADDR[:PORT] or https://HOST[:PORT]\n", cfg->nrf_uri);
	return -EINVAL;
}

/*! On shutdown: NFDeregister when registered; poll sbi_nrf_done(). */
void sbi_nrf_deregister(struct sbi_server *srv)
{
	struct sbi_nrf *n = srv->nrf;

	if (!n)
		return;
	osmo_timer_del(&n->timer);
	if (n->state != NRF_S_REGISTERED) {
		n->state = NRF_S_DONE;
		return;
	}
	n->state = NRF_S_DEREGISTERING;
	if (n->req != NRF_REQ_NONE) {
		/* a heartbeat in flight: the DELETE goes after it on the same connection */
		nghttp2_submit_rst_stream(n->h2, NGHTTP2_FLAG_NONE, n->stream_id, NGHTTP2_CANCEL);
		n->req = NRF_REQ_NONE;
		n->stream_id = -1;
	}
	n->body_len = 0;
	LOGP(DSBI, LOGL_NOTICE, "NRF %s: NFDeregister\n", n->authority);
	nrf_request(n, NRF_REQ_DEREGISTER, "DELETE", NULL);
}

bool sbi_nrf_done(const struct sbi_server *srv)
{
	return !srv->nrf || srv->nrf->state == NRF_S_DONE;
}

void sbi_nrf_free(struct sbi_server *srv)
{
	if (!srv->nrf)
		return;
	osmo_timer_del(&srv->nrf->timer);
	srv->nrf->req = NRF_REQ_NONE;
	nrf_disconnect(srv->nrf, "stopped");
	SSL_CTX_free(srv->nrf->ssl_ctx);
	TALLOC_FREE(srv->nrf);
}
