/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the files of the Diameter responder only. */
#pragma once

#include <time.h>
#include <sys/socket.h>

#include <osmocom/eir/diameter/msg.h>
#include <osmocom/eir/diameter/server.h>

enum diam_peer_state {
	DIAM_PS_WAIT_CER,	/*!< connected, no CER yet */
	DIAM_PS_OPEN,		/*!< capabilities exchanged */
	DIAM_PS_CLOSING,	/*!< DPR sent or answered: waiting for DPA / the peer to close */
	DIAM_PS_REFUSED,	/*!< its CER was refused: nothing it sends is processed, closed once the CEA is out */
};
extern const struct value_string diam_peer_state_names[];

/* one answer fits in one chunk: the largest request's Session-Id and Proxy-Infos echoed (at most
 * DIAM_MAX_MSG_SIZE_LIMIT bytes in all) plus our own AVPs */
#define DIAM_MAX_MSG_SIZE_LIMIT 65536
#define DIAM_TX_CHUNK (DIAM_MAX_MSG_SIZE_LIMIT + 4096)
/* Proxy-Info echoed in an answer at most; a request with more is answered 5009 naming the first one over */
#define DIAM_MAX_PROXY_INFO 16

struct diam_tx_chunk {
	struct llist_head list;
	size_t off;		/*!< sent up to here */
	size_t len;		/*!< filled up to here */
	uint8_t data[DIAM_TX_CHUNK];
};

struct diam_conn {
	struct llist_head list;
	struct diam_server *srv;
	struct osmo_fd ofd;
	struct sockaddr_storage local;
	char name[80];			/*!< "ADDR:PORT" of the peer */
	char ip[64];			/*!< its address alone, for the ACL */
	enum diam_peer_state state;
	char *origin_host;
	char *origin_realm;
	uint32_t peer_osi;		/*!< the peer's Origin-State-Id, 0: none */
	struct timespec connected;
	struct timespec last_rx;
	struct osmo_timer_list timer;	/*!< CER wait, watchdog, closing */
	struct osmo_timer_list stall_timer;	/*!< reading paused and the peer takes none of its answers */
	bool read_paused;		/*!< answer queue above the high-water mark: not reading the peer */
	bool dw_pending;
	bool suspect;
	bool close_after_flush;
	bool rx_done;			/*!< framing lost: nothing more is read from this peer */
	/* receive buffer: at most one max-size message plus what one read brings */
	uint8_t *rx;
	size_t rx_len;
	size_t rx_size;
	/* answers waiting to be sent, bounded by cfg->max_queue_bytes */
	struct llist_head tx;
	size_t tx_bytes;
	unsigned tx_chunks;
	/* per-peer counters, for show diameter peers */
	uint64_t n_rx;
	uint64_t n_ecr;
	uint64_t n_err;
	uint64_t n_dropped;		/*!< messages dropped after its CER was refused */
	bool in_rx;			/*!< inside the read callback: free later */
	bool dead;
};

/* conn.c */
struct diam_conn *diam_conn_alloc(struct diam_server *srv, int fd);
void diam_conn_close(struct diam_conn *c, const char *why);
uint8_t *diam_conn_tx_reserve(struct diam_conn *c, size_t max);
void diam_conn_tx_commit(struct diam_conn *c, size_t len);
void diam_conn_flush(struct diam_conn *c);
void diam_conn_timer(struct diam_conn *c, unsigned sec);

/* server.c */
void diam_server_update_stats(struct diam_server *srv);

/* peer.c: the base protocol */
void diam_peer_rx(struct diam_conn *c, const uint8_t *msg, uint32_t len);
void diam_peer_timeout(struct diam_conn *c);
void diam_peer_send_dpr(struct diam_conn *c, uint32_t cause);
void diam_peer_rx_bad_header(struct diam_conn *c, const uint8_t *hdr, uint32_t code);
bool diam_realm_served(const struct diam_cfg *cfg, const uint8_t *realm, size_t len);

/*! What goes into a Failed-AVP (RFC 6733 §7.5). */
struct diam_failed {
	enum {
		DIAM_FAILED_NONE,
		DIAM_FAILED_COPY,	/*!< the whole offending AVP */
		DIAM_FAILED_EXAMPLE,	/*!< its header with a zero-filled minimum payload (bad length) */
		DIAM_FAILED_MISSING,	/*!< an example of a missing AVP */
	} kind;
	struct diam_avp avp;
	int missing;		/*!< enum diam_avp_id, for DIAM_FAILED_MISSING */
	int parent;		/*!< enum diam_avp_id of the group it sits in, or -1 */
};

bool diam_answer_begin(struct diam_conn *c, struct diam_enc *e, size_t need, const struct diam_hdr *req,
		       uint8_t flags);
void diam_answer_send(struct diam_conn *c, struct diam_enc *e);
void diam_answer_error(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h, uint32_t code,
		       const struct diam_failed *failed, const char *errmsg);
void diam_enc_failed(struct diam_enc *e, const struct diam_failed *f);
size_t diam_failed_size(const struct diam_failed *f);

/* s13.c */
void diam_s13_rx_ecr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);

static inline void diam_ctr_inc(struct diam_server *srv, unsigned idx)
{
	rate_ctr_inc2(srv->ctrs, idx);
}
