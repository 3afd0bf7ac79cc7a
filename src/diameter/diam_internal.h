/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Shared by the files of the Diameter responder only (no file outside src/diameter includes it).
 *
 * The layers, bottom to top. A file calls by name only into the files below it; a lower layer reaches the one
 * above only through the callbacks it was handed (struct diam_conn_ops, the table of struct diam_handler):
 *   msg.c, dict.c   the codec: header, AVPs, the dictionary (include/osmocom/eir/diameter/msg.h)
 *   answer.c        answers (errors with Failed-AVP, CEA, DWA, DPA) and our DWR/DPR built into a buffer
 *                   (include/osmocom/eir/diameter/answer.h)
 *   s13_codec.c     the ECR decoder and the ECA encoder, pure (include/osmocom/eir/diameter/s13.h)
 *   conn.c          the transport: one socket (TLS on it for the TLS listener), framing into whole messages,
 *                   the send queue, flow control; calls up through the struct diam_conn_ops it is given (one rx
 *                   per whole message)
 *   peer.c          the peer state machine (CER/CEA with the ACL, DWR/DWA and the watchdog, DPR/DPA) and the
 *                   dispatch of every request through the server's table of (application, command, R) rows
 *   s13.c           the S13 ECR handler, one row of the table: decode, eir_decide(), encode, queue
 *   server.c        the server: listening socket, accepting, the table and the transport callbacks, counters,
 *                   shutdown, the walk over the peers for the VTY
 *   diam_vty.c      the 'diameter' VTY node and 'show diameter peers', handed its config and server
 */
#pragma once

#include <time.h>
#include <sys/socket.h>

#include <osmocom/eir/diameter/answer.h>
#include <osmocom/eir/diameter/msg.h>
#include <osmocom/eir/diameter/server.h>

enum diam_peer_state {
	DIAM_PS_WAIT_CER,	/*!< connected, no CER yet */
	DIAM_PS_OPEN,		/*!< capabilities exchanged */
	DIAM_PS_CLOSING,	/*!< DPR sent or answered: waiting for DPA / the peer to close */
	DIAM_PS_REFUSED,	/*!< its CER was refused: nothing it sends is processed, closed once the CEA is out */
};
extern const struct value_string diam_peer_state_names[];

#define DIAM_TX_CHUNK DIAM_ANSWER_MAX

struct diam_tx_chunk {
	struct llist_head list;
	size_t off;		/*!< sent up to here */
	size_t len;		/*!< filled up to here */
	uint8_t data[DIAM_TX_CHUNK];
};

struct diam_conn;
struct ssl_st;
struct ssl_ctx_st;

/*! What the transport calls in the layer above it (the server hands these to every connection). */
struct diam_conn_ops {
	/*! one whole message (len bytes, its header checked for version and length) */
	void (*rx)(struct diam_conn *c, const uint8_t *msg, uint32_t len);
	/*! a request whose header is whole but cannot be framed (code 5011 / 5015): \returns whether it was
	 *  answered (the connection closes once the answer is out), else the connection closes now */
	bool (*rx_bad_header)(struct diam_conn *c, const uint8_t *hdr, uint32_t code);
	/*! before and after the messages of one read */
	void (*read_begin)(struct diam_conn *c);
	void (*read_end)(struct diam_conn *c);
	/*! the connection's timer (diam_conn_timer()) fired */
	void (*timeout)(struct diam_conn *c);
	/*! the connection is about to be freed */
	void (*closed)(struct diam_conn *c);
};

struct diam_conn {
	/* --- the transport's (conn.c) --- */
	const struct diam_conn_ops *ops;
	const struct diam_cfg *cfg;
	struct rate_ctr_group *ctrs;
	struct osmo_fd ofd;
	struct sockaddr_storage local;
	char name[80];			/*!< "ADDR:PORT" of the peer */
	char ip[64];			/*!< its address alone, for the ACL */
	struct timespec connected;
	struct timespec last_rx;
	struct osmo_timer_list timer;	/*!< CER wait, watchdog, closing */
	struct osmo_timer_list stall_timer;	/*!< reading paused and the peer takes none of its answers */
	bool read_paused;		/*!< answer queue above the high-water mark: not reading the peer */
	bool close_after_flush;
	bool dpr_sent;			/*!< we sent a DPR: its DPA closes the connection */
	bool rx_done;			/*!< framing lost: nothing more is read from this peer */
	/* receive buffer: at most one max-size message plus what one read brings */
	uint8_t *rx;
	size_t rx_len;
	size_t rx_size;
	/* answers waiting to be sent, bounded by cfg->max_queue_bytes */
	struct llist_head tx;
	size_t tx_bytes;
	unsigned tx_chunks;
	bool in_rx;			/*!< inside a callback: free later */
	bool dead;
	/* TLS (RFC 6733 §13.1: from the first byte, on the TLS port): no Diameter byte before the handshake is done */
	struct ssl_st *ssl;		/*!< NULL: plain TCP or SCTP */
	bool tls_up;			/*!< handshake done, the peer's certificate verified */
	struct eir_ratelimit *tls_log_rl;	/*!< the server's: failed handshakes logged per second */

	/* --- the peer's (peer.c, s13.c, server.c) --- */
	struct llist_head list;		/*!< in srv->conns */
	struct diam_server *srv;
	enum diam_peer_state state;
	char *origin_host;
	char *origin_realm;
	uint8_t rat;			/*!< DIRBS RAT code for the history (its ACL entry or cfg), at CER */
	uint32_t peer_osi;		/*!< the peer's Origin-State-Id, 0: none */
	bool dw_pending;
	bool suspect;
	bool snap;			/*!< a store snapshot is open for this read */
	/* per-peer counters, for show diameter peers */
	uint64_t n_rx;
	uint64_t n_ecr;
	uint64_t n_err;
	uint64_t n_dropped;		/*!< messages dropped after its CER was refused */
};

/*! A request (or answer) handler: one row of the dispatch table. */
typedef void (*diam_handler_fn)(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);
struct diam_handler {
	uint32_t app;
	uint32_t cmd;
	bool request;		/*!< R bit set */
	diam_handler_fn fn;
};

/* conn.c: the transport */
struct diam_conn *diam_conn_alloc(void *ctx, int fd, const struct diam_cfg *cfg, struct rate_ctr_group *ctrs,
				  const struct diam_conn_ops *ops);
void diam_conn_close(struct diam_conn *c, const char *why);
void diam_conn_close_when_flushed(struct diam_conn *c, const char *why);
uint8_t *diam_conn_tx_reserve(struct diam_conn *c, size_t max);
void diam_conn_tx_commit(struct diam_conn *c, size_t len);
void diam_conn_flush(struct diam_conn *c);
void diam_conn_timer(struct diam_conn *c, unsigned sec);
int diam_conn_tls_accept(struct diam_conn *c, struct ssl_ctx_st *ctx, struct eir_ratelimit *log_rl);

/* peer.c: the base protocol and the dispatch */
void diam_peer_init(struct diam_conn *c, struct diam_server *srv);
void diam_peer_rx(struct diam_conn *c, const uint8_t *msg, uint32_t len);
bool diam_peer_rx_bad_header(struct diam_conn *c, const uint8_t *hdr, uint32_t code);
void diam_peer_timeout(struct diam_conn *c);
void diam_peer_closed(struct diam_conn *c);
void diam_peer_send_dpr(struct diam_conn *c, uint32_t cause);
void diam_peer_update_stats(struct diam_server *srv);
void diam_peer_answer_error(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h,
			    struct diam_error *err);
void diam_peer_commit(struct diam_conn *c, int len, size_t size);
void diam_peer_rx_cer(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);
void diam_peer_rx_dwr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);
void diam_peer_rx_dpr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);
void diam_peer_rx_dwa(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);
void diam_peer_rx_dpa(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);

/* s13.c: the S13 application */
void diam_s13_rx_ecr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h);

/*! Who we are in every answer, read from the configuration each time (the VTY may change it). */
static inline struct diam_ident diam_ident_of(const struct diam_server *srv)
{
	return (struct diam_ident){ .origin_host = srv->cfg->origin_host, .origin_realm = srv->cfg->origin_realm,
				    .origin_state_id = srv->origin_state_id, .vendor_id = srv->cfg->vendor_id };
}

static inline void diam_ctr_inc(struct diam_server *srv, unsigned idx)
{
	rate_ctr_inc2(srv->ctrs, idx);
}
