/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the files of the N5g-eir server only. */
#pragma once

#include <stddef.h>
#include <stdint.h>
#include <time.h>
#include <arpa/inet.h>

#include <nghttp2/nghttp2.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>

#include <osmocom/eir/sbi/server.h>

#define SBI_OUT_HIGH 65536	/* answers not yet taken by the client: above this, stop reading it */
/* The longest answer is a 400 listing every parameter (pei, supi, gpsi, supported-features and one unknown one, whose
 * name of up to 64 bytes comes back escaped, up to 6 bytes each): about 870 bytes. n5g_eir.c's problem() still
 * sends valid JSON should a body not fit. */
#define SBI_BODY_MAX 1024

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
	bool close_after_flush;
	bool in_cb;
	bool dead;
};

struct sbi_stream {
	struct sbi_conn *c;
	int32_t id;
	bool get;
	bool head;			/*!< HEAD: the answer has no body */
	bool have_method;
	char *path;			/*!< :path, NULL when missing or too long */
	size_t hdr_bytes;
	unsigned err;			/*!< 414 or 431 found while reading headers */
	char body[SBI_BODY_MAX];
	size_t body_len, body_off;
};

static inline void sbi_ctr_inc(struct sbi_server *srv, unsigned ctr)
{
	rate_ctr_inc(rate_ctr_group_get_ctr(srv->ctrs, ctr));
}

/* server.c */
int sbi_respond(struct sbi_stream *st, unsigned status, const char *content_type, const char *allow);

/* n5g_eir.c */
void sbi_n5g_eir_request(struct sbi_stream *st);
