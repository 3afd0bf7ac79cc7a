/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the files of the N5g-eir server only (src/sbi; no file outside includes it).
 *
 * The layers, each calling by name only the ones below it; what calls up is a callback it was given:
 *   sbi_vty.c     the 'sbi' node and 'show sbi connections': handed its config and server (sbi_vty_init())
 *   n5g_eir.c     the N5g-eir service: parse -> eir_decide() -> encode, its counters; makes the server with
 *                 sbi_http_alloc(), handing it its request handler
 *   server.c      HTTP/2 (nghttp2) and TLS connections; calls the handler it was given once per request and
 *                 sends the answer it fills in; starts and stops nrf.c
 *   nrf.c         the NRF client (NFRegister, heartbeat, NFDeregister)
 *   n5g_codec.c   the path and query parsed, answers encoded: pure, no nghttp2 (include/osmocom/eir/sbi/n5g.h)
 * Below them: the decision step (src/eir/decide.c) and the store. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <arpa/inet.h>

#include <nghttp2/nghttp2.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>

#include <osmocom/eir/sbi/n5g.h>
#include <osmocom/eir/sbi/server.h>

#define SBI_OUT_HIGH 65536	/* answers not yet taken by the client: above this, stop reading it */

struct sbi_conn {
	struct llist_head list;
	struct sbi_server *srv;
	struct osmo_fd ofd;
	char name[64];			/*!< "ADDR:PORT" of the client */
	char src[INET6_ADDRSTRLEN];	/*!< "ADDR" of the client, for max-connections-per-source */
	nghttp2_session *h2;
	void *ssl;			/*!< SSL *, or NULL */
	unsigned preface_seen;		/*!< bytes of the HTTP/2 client preface checked so far */
	uint8_t *out;			/*!< bytes to write */
	size_t out_len, out_off, out_cap;
	struct osmo_timer_list timer;	/*!< idle and stall */
	struct timespec last_active;	/*!< last request, or last write progress */
	struct timespec connected;
	uint64_t n_req;			/*!< requests on this connection, for show sbi connections */
	unsigned n_streams;
	struct sbi_stream *spare;	/*!< closed streams kept for the next ones (SBI_SPARE_STREAMS at most) */
	unsigned n_spare;
	bool close_after_flush;
	bool in_cb;
	bool dead;
};

/*! A connection keeps up to this many closed streams to reuse, with their path buffers: no allocation per request
 * once a connection has seen its usual number of concurrent streams. */
#define SBI_SPARE_STREAMS 32

struct sbi_stream {
	/* what a new stream starts with zeroed (memset up to next_spare) */
	struct sbi_conn *c;
	int32_t id;
	bool get;
	bool head;			/*!< HEAD: the answer has no body */
	bool have_method;
	char *path;			/*!< :path (in path_buf), NULL when missing or too long */
	size_t hdr_bytes;
	unsigned err;			/*!< 414 or 431 found while reading headers */
	size_t body_len, body_off;
	/* kept when the stream is reused */
	struct sbi_stream *next_spare;
	char *path_buf;			/*!< talloc child, path_cap bytes */
	size_t path_cap;
	char body[N5G_BODY_MAX];	/*!< the answer's (include/osmocom/eir/sbi/n5g.h) */
};

static inline void sbi_ctr_inc(struct sbi_server *srv, unsigned ctr)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(srv->ctrs, ctr));
}

/*! One request as the HTTP/2 layer hands it to its handler. */
struct sbi_request {
	const char *path;	/*!< :path, NULL when missing or too long */
	bool get;		/*!< :method GET */
	unsigned err;		/*!< 414 or 431 found while reading the headers, else 0 */
	const char *peer;	/*!< the client, "ADDR:PORT" */
};

/*! The answer the handler fills in; the body goes into body (cap bytes, the stream's buffer). */
struct sbi_answer {
	unsigned status;
	const char *content_type;
	const char *allow;	/*!< the Allow header, NULL: none */
	char *body;
	size_t cap, len;
};

/* server.c: a server that hands each complete request to handler (a HEAD's answer is sent without its body) */
struct sbi_server *sbi_http_alloc(void *ctx, struct sbi_cfg *cfg, sbi_handler_t handler);
