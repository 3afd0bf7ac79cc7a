/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The Diameter responder: listening socket, per-peer connections with bounded buffers, the base protocol peer
 * state (CER/CEA, DWR/DWA, DPR/DPA, watchdog) and the dispatch of S13 requests. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <netinet/in.h>

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/select.h>
#include <osmocom/core/timer.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/ratelimit.h>
#include <osmocom/core/stat_item.h>

#include <osmocom/eir/check.h>

struct osmo_stream_srv_link;
struct diam_handler;

enum diam_transport {
	DIAM_TRANSPORT_TCP,
	DIAM_TRANSPORT_SCTP,
};

/*! A peer allowed to connect: matched by Origin-Host, and optionally realm and source address. */
struct diam_peer_acl {
	struct llist_head list;
	char *origin_host;
	char *realm;		/*!< NULL: any */
	char *addr;		/*!< NULL: any source address */
	bool rat_set;		/*!< 'peer HOST rat CODE': its RAT, else the diameter node's */
	uint8_t rat;		/*!< DIRBS RAT code (enum eir_rat in history.h), 0: none */
};

/*! A realm served besides origin-realm: requests without Destination-Host must name one of them (else 3003). */
struct diam_realm {
	struct llist_head list;
	char *name;
};

/* defaults, used by diam_cfg_init() and left out when the VTY writes the configuration back */
#define DIAM_DEFAULT_TW_SEC 30
#define DIAM_DEFAULT_CER_TIMEOUT_SEC 10
#define DIAM_DEFAULT_MAX_MSG_SIZE 65536
#define DIAM_DEFAULT_MAX_QUEUE_BYTES (4 * 1024 * 1024)
#define DIAM_DEFAULT_STALL_TIMEOUT_SEC 10
#define DIAM_DEFAULT_MAX_CONNS 256
#define DIAM_DEFAULT_RAT 6		/* E-UTRAN: S13 is the MME's (SGSN's S13' would be UTRAN or GERAN) */

struct diam_cfg {
	char *origin_host;
	char *origin_realm;
	char *listen_addr;
	uint16_t listen_port;
	enum diam_transport transport;
	bool accept_unknown_peers;
	struct llist_head peers;	/*!< struct diam_peer_acl */
	struct llist_head realms;	/*!< struct diam_realm: served besides origin_realm */
	unsigned tw_sec;		/*!< watchdog interval */
	unsigned cer_timeout_sec;	/*!< a new connection must send a CER within this */
	unsigned dpa_timeout_sec;	/*!< after DPR/DPA, close after this at the latest */
	uint32_t max_msg_size;		/*!< larger messages close the connection */
	uint32_t max_queue_bytes;	/*!< answers waiting for a peer: above half of it, its requests are not read */
	unsigned stall_timeout_sec;	/*!< a peer that takes none of its answers for this long is closed */
	unsigned max_conns;		/*!< connections at most, any state */
	uint32_t vendor_id;
	/* TLS/TCP (RFC 6733 §13.1, TLS from the first byte): a second listener, NULL address: none */
	char *tls_listen_addr;
	uint16_t tls_listen_port;
	char *tls_cert;			/*!< PEM files: our certificate and key, and the CA a peer's must come from */
	char *tls_key;
	char *tls_ca_file;
	uint8_t rat;			/*!< the RAT recorded for checks of peers without their own (DIRBS code) */
};

enum diam_ctr {
	DIAM_CTR_CONN_ACCEPTED,
	DIAM_CTR_CONN_CLOSED,
	DIAM_CTR_CONN_REFUSED,
	DIAM_CTR_PROTO_ERROR_CLOSE,
	DIAM_CTR_QUEUE_OVERFLOW,
	DIAM_CTR_CER,
	DIAM_CTR_CER_REJECTED,
	DIAM_CTR_DWR_RX,
	DIAM_CTR_DWR_TX,
	DIAM_CTR_DPR_RX,
	DIAM_CTR_DPR_TX,
	DIAM_CTR_ECR,
	DIAM_CTR_ECA_WHITE,
	DIAM_CTR_ECA_GREY,
	DIAM_CTR_ECA_BLACK,
	DIAM_CTR_ECA_UNKNOWN,
	DIAM_CTR_ECA_ERROR,
	DIAM_CTR_ANS_3XXX,
	DIAM_CTR_STORE_FAIL,
	DIAM_CTR_LOG_SUPPRESSED,
	DIAM_CTR_RX_REFUSED,
	DIAM_CTR_ECR_BAD_SV,
	DIAM_CTR_ECR_BAD_USER_NAME,
	DIAM_CTR_CONN_LIMIT,
	DIAM_CTR_TLS_FAIL,
	DIAM_CTR_TLS_HOST_MISMATCH,
};

enum diam_stat {
	DIAM_STAT_PEERS_OPEN,
	DIAM_STAT_CONNS,
};

struct diam_server {
	void *ctx;
	struct diam_cfg *cfg;
	struct eir_db *db;
	const struct eir_policy *policy;
	struct osmo_stream_srv_link *link;
	struct osmo_stream_srv_link *tls_link;	/*!< the TLS listener, NULL: none */
	void *ssl_ctx;			/*!< SSL_CTX * of the TLS listener */
	struct eir_ratelimit tls_log_rl;	/* failed TLS handshakes logged per second */
	struct llist_head conns;	/*!< struct diam_conn */
	uint32_t origin_state_id;
	uint32_t next_hbh;
	const struct diam_handler *handlers;	/*!< the dispatch table: (application, command, R) -> handler */
	unsigned n_handlers;
	struct rate_ctr_group *ctrs;
	struct osmo_stat_item_group *stats;
	/* rate limit of verdict log lines */
	struct eir_decider dec;		/* the decision step: verdicts, their counters and log lines */
	struct eir_ratelimit conn_log_rl;	/* refused-connection log lines per second (EIR_CONN_LOG_PER_SEC) */
	bool shutting_down;
};

struct diam_server *diam_server_alloc(void *ctx, struct diam_cfg *cfg, struct eir_db *db,
				      const struct eir_policy *policy);
int diam_server_start(struct diam_server *srv);
int diam_server_adopt(struct diam_server *srv, int fd);
void diam_server_shutdown(struct diam_server *srv, void (*done_cb)(void *data), void *data);
void diam_server_free(struct diam_server *srv);
void diam_cfg_init(void *ctx, struct diam_cfg *cfg);
bool diam_sctp_available(void);
unsigned diam_server_peer_count(const struct diam_server *srv);
bool diam_server_idle(const struct diam_server *srv);

/*! One connection, as 'show diameter peers' lists it. */
struct diam_peer_info {
	const char *name;		/*!< "ADDR:PORT" */
	const char *state;		/*!< WAIT_CER, OPEN, CLOSING, REFUSED */
	const char *origin_host;	/*!< NULL: no CER yet */
	long uptime_sec;
	uint64_t n_rx, n_ecr, n_err;
	bool suspect;			/*!< no answer to our DWR */
};
void diam_server_foreach_peer(const struct diam_server *srv, void (*cb)(const struct diam_peer_info *p, void *data),
			      void *data);

/* diam_vty.c: the 'diameter' node (node: its number in the program's enum) and 'show diameter peers', on cfg and
 * the server *srv (NULL while not running) */
void diam_vty_init(void *ctx, struct diam_cfg *cfg, struct diam_server **srv, int node);
