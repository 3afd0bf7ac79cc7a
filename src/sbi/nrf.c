/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The NRF client (TS 29.510 Nnrf_NFManagement): NFRegister (PUT of our NFProfile as 5G_EIR with the n5g-eir-eic
 * service), a heartbeat (PATCH nfStatus) at the interval the NRF answers, NFDeregister (DELETE) on shutdown. One
 * cleartext HTTP/2 connection (prior knowledge) from the select loop, reconnected when it breaks. */

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <talloc.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/socket.h>
#include <osmocom/core/utils.h>
#include <osmocom/gsm/gsm_utils.h>

#include <osmocom/eir/logging.h>
#include "sbi_internal.h"

#define NRF_RETRY_SEC 5
#define NRF_ANSWER_TIMEOUT_SEC 3
#define NRF_BODY_MAX 4096

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
	char path[128];			/*!< /nnrf-nfm/v1/nf-instances/{id} */
	char *nf_instance_id;
	struct osmo_fd ofd;
	nghttp2_session *h2;
	bool connected;
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
	if (n->h2) {
		nghttp2_session_del(n->h2);
		n->h2 = NULL;
	}
	n->connected = false;
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
	if (n->connected) {
		while (n->out_off < n->out_len) {
			ssize_t w = write(n->ofd.fd, n->out + n->out_off, n->out_len - n->out_off);

			if (w < 0) {
				if (errno == EAGAIN || errno == EINTR)
					break;
				nrf_disconnect(n, strerror(errno));
				return;
			}
			n->out_off += (size_t)w;
		}
		if (n->out_off == n->out_len)
			n->out_off = n->out_len = 0;
	}
	if (!n->connected || n->out_len)
		what |= OSMO_FD_WRITE;
	osmo_fd_update_when(&n->ofd, ~(OSMO_FD_READ | OSMO_FD_WRITE), what);
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
	}
	if (what & OSMO_FD_READ) {
		uint8_t buf[8192];
		ssize_t r = read(ofd->fd, buf, sizeof(buf));

		if (r == 0) {
			nrf_disconnect(n, "NRF closed the connection");
			return 0;
		}
		if (r < 0) {
			if (errno != EAGAIN && errno != EINTR)
				nrf_disconnect(n, strerror(errno));
			return 0;
		}
		if (nghttp2_session_mem_recv(n->h2, buf, (size_t)r) < 0) {
			nrf_disconnect(n, "HTTP/2 error");
			return 0;
		}
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
	n->connected = false;
	nghttp2_session_client_new(&n->h2, cbs, n);
	nghttp2_submit_settings(n->h2, NGHTTP2_FLAG_NONE, NULL, 0);
	return 0;
}

static void nrf_request(struct sbi_nrf *n, enum nrf_req req, const char *method, const char *ctype)
{
	char len_str[12];
	nghttp2_nv nva[6];
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
	nva[k++] = NV(":scheme", "http");
	nva[k++] = NV(":authority", n->authority);
	nva[k++] = NV(":path", n->path);
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

static void nrf_register(struct sbi_nrf *n)
{
	struct sbi_cfg *cfg = n->srv->cfg;
	const char *addr = cfg->nrf_advertise_addr ? : cfg->listen_addr;
	bool v6 = strchr(addr, ':') != NULL;

	n->body_len = (size_t)snprintf(n->body, sizeof(n->body),
		"{\"nfInstanceId\":\"%s\",\"nfType\":\"5G_EIR\",\"nfStatus\":\"REGISTERED\",\"heartBeatTimer\":%u,"
		"\"%s\":[\"%s\"],\"allowedNfTypes\":[\"AMF\"],"
		"\"nfServices\":[{\"serviceInstanceId\":\"n5g-eir-eic\",\"serviceName\":\"n5g-eir-eic\","
		"\"versions\":[{\"apiVersionInUri\":\"v1\",\"apiFullVersion\":\"1.0.3\"}],\"scheme\":\"%s\","
		"\"nfServiceStatus\":\"REGISTERED\","
		"\"ipEndPoints\":[{\"%s\":\"%s\",\"transport\":\"TCP\",\"port\":%u}],"
		"\"allowedNfTypes\":[\"AMF\"]}]}",
		n->nf_instance_id, cfg->nrf_heartbeat_sec, v6 ? "ipv6Addresses" : "ipv4Addresses", addr,
		cfg->tls_cert ? "https" : "http", v6 ? "ipv6Address" : "ipv4Address", addr, cfg->listen_port);
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

/*! Parse 'nrf uri', start NFRegister. \returns 0 or -EINVAL */
int sbi_nrf_start(struct sbi_server *srv)
{
	struct sbi_cfg *cfg = srv->cfg;
	struct sbi_nrf *n = talloc_zero(srv, struct sbi_nrf);
	const char *hp = cfg->nrf_uri + strlen("http://"), *colon, *end;

	n->srv = srv;
	n->ofd.fd = -1;
	n->stream_id = -1;
	srv->nrf = n;
	osmo_timer_setup(&n->timer, nrf_timer_cb, n);
	end = hp + strcspn(hp, "/");
	if (*hp == '[') {
		const char *rb = memchr(hp, ']', end - hp);

		if (!rb || rb[1] != ':')
			goto bad;
		snprintf(n->host, sizeof(n->host), "%.*s", (int)(rb - hp - 1), hp + 1);
		colon = rb + 1;
	} else {
		colon = memchr(hp, ':', end - hp);
		if (!colon)
			goto bad;
		snprintf(n->host, sizeof(n->host), "%.*s", (int)(colon - hp), hp);
	}
	snprintf(n->port, sizeof(n->port), "%.*s", (int)(end - colon - 1), colon + 1);
	if (!atoi(n->port) || !n->host[0])
		goto bad;
	snprintf(n->authority, sizeof(n->authority), "%.*s", (int)(end - hp), hp);
	n->nf_instance_id = cfg->nf_instance_id ? talloc_strdup(n, cfg->nf_instance_id) : make_uuid(n);
	if (!n->nf_instance_id)
		goto bad;
	snprintf(n->path, sizeof(n->path), "/nnrf-nfm/v1/nf-instances/%s", n->nf_instance_id);
	LOGP(DSBI, LOGL_NOTICE, "NRF %s: registering nfInstanceId %s\n", n->authority, n->nf_instance_id);
	nrf_send_next(n);
	return 0;
bad:
	LOGP(DSBI, LOGL_ERROR, "nrf uri %s: expected http://ADDR:PORT\n", cfg->nrf_uri);
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
	TALLOC_FREE(srv->nrf);
}
