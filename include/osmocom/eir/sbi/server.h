/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The N5g-eir server (TS 29.511): HTTP/2 over cleartext (prior knowledge) or TLS (ALPN h2) on libnghttp2, driven
 * by the osmocom select loop, answering GET /n5g-eir-eic/v1/equipment-status; and the NRF client. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#include <osmocom/core/linuxlist.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/eir/decide.h>
#include <osmocom/eir/ratelimit.h>
#include <osmocom/core/stat_item.h>
#include <osmocom/core/timer.h>

#include <osmocom/eir/check.h>

struct osmo_stream_srv_link;
struct sbi_nrf;
struct sbi_server;
struct sbi_request;
struct sbi_answer;

/*! The request handler the HTTP/2 layer is given (src/sbi/sbi_internal.h): fills in the answer. */
typedef void (*sbi_handler_t)(struct sbi_server *srv, const struct sbi_request *rq, struct sbi_answer *ans);

/*! What to answer for a PEI that is neither imei-… nor imeisv-… (mac-…, eui-…, anything else). */
enum sbi_pei_other {
	SBI_PEI_OTHER_REJECT,	/*!< 400 MANDATORY_QUERY_PARAM_INCORRECT */
	SBI_PEI_OTHER_VERDICT,	/*!< the configured verdict (unknown: 404 ERROR_EQUIPMENT_UNKNOWN) */
};

/* defaults, used by sbi_cfg_init() and left out when the VTY writes the configuration back */
#define SBI_DEFAULT_PORT 7777
#define SBI_DEFAULT_MAX_CONNS 256
#define SBI_DEFAULT_MAX_STREAMS 128
#define SBI_DEFAULT_MAX_HEADER_SIZE 8192
#define SBI_DEFAULT_MAX_URI_LEN 2048
#define SBI_DEFAULT_IDLE_TIMEOUT_SEC 120
#define SBI_DEFAULT_PREFACE_TIMEOUT_SEC 5
#define SBI_DEFAULT_NRF_HEARTBEAT_SEC 10

struct sbi_cfg {
	bool enabled;			/*!< the 'sbi' node is in the configuration */
	char *listen_addr;
	uint16_t listen_port;
	char *tls_cert;			/*!< PEM files; both set: TLS with ALPN h2, else cleartext */
	char *tls_key;
	char *tls_ca_file;		/*!< set: mutual TLS, a client certificate from this CA required */
	unsigned max_conns;		/*!< beyond: the oldest without a request is evicted, else the new one
					 *   closed */
	unsigned max_conns_per_source;	/*!< from one client address, beyond: the new one closed; 0: no cap */
	unsigned max_streams;		/*!< SETTINGS_MAX_CONCURRENT_STREAMS */
	unsigned max_header_size;	/*!< request header block above it: 431 */
	unsigned max_uri_len;		/*!< :path above it: 414 */
	unsigned idle_timeout_sec;	/*!< close a connection idle, or with answers unread, this long */
	unsigned preface_timeout_sec;	/*!< close a connection without HTTP/2 preface (and TLS handshake) by
					 *   then */
	enum sbi_pei_other pei_other;
	enum eir_verdict pei_other_verdict;
	/* NRF registration, when nrf_uri is set */
	char *nrf_uri;			/*!< http://ADDR[:PORT] (prior knowledge) or https://HOST[:PORT]
					 *   (ALPN h2) */
	char *nrf_ca_file;		/*!< PEM CA(s) to verify an https NRF with; NULL: the system's */
	char *nf_instance_id;		/*!< UUID */
	char *nrf_advertise_addr;	/*!< IPv4 or IPv6 address in the NFProfile; NULL: listen_addr */
	unsigned nrf_heartbeat_sec;	/*!< asked for in the profile; the NRF's answer decides */
	uint8_t rat;			/*!< DIRBS RAT code the history records (enum eir_rat), 0: none (the
					 *   default: DIRBS has no code for NR) */
};

enum sbi_ctr {
	SBI_CTR_CONN_ACCEPTED,
	SBI_CTR_CONN_CLOSED,
	SBI_CTR_CONN_REFUSED,
	SBI_CTR_CONN_REFUSED_SOURCE,
	SBI_CTR_CONN_EVICTED,
	SBI_CTR_CONN_PREFACE_TIMEOUT,
	SBI_CTR_CONN_IDLE,
	SBI_CTR_CONN_STALLED,
	SBI_CTR_CONN_PROTO_ERROR,
	SBI_CTR_TLS_FAIL,
	SBI_CTR_TLS_CLIENT_CERT,
	SBI_CTR_HTTP1,
	SBI_CTR_REQ,
	SBI_CTR_RSP_WHITE,
	SBI_CTR_RSP_GREY,
	SBI_CTR_RSP_BLACK,
	SBI_CTR_RSP_UNKNOWN,
	SBI_CTR_RSP_400,
	SBI_CTR_RSP_404_PATH,
	SBI_CTR_RSP_405,
	SBI_CTR_RSP_414,
	SBI_CTR_RSP_431,
	SBI_CTR_RSP_503,
	SBI_CTR_STORE_FAIL,
	SBI_CTR_LOG_SUPPRESSED,
	SBI_CTR_NRF_REGISTER,
	SBI_CTR_NRF_HEARTBEAT,
	SBI_CTR_NRF_FAIL,
	SBI_CTR_NRF_TLS_FAIL,
};

enum sbi_stat {
	SBI_STAT_CONNS,
	SBI_STAT_NRF_REGISTERED,
};

struct sbi_server {
	void *ctx;
	struct sbi_cfg *cfg;
	struct eir_db *db;
	const struct eir_policy *policy;
	struct osmo_stream_srv_link *link;
	void *ssl_ctx;			/*!< SSL_CTX *, NULL for cleartext */
	struct llist_head conns;	/*!< struct sbi_conn */
	unsigned n_conns;
	struct rate_ctr_group *ctrs;
	struct osmo_stat_item_group *stats;
	struct sbi_nrf *nrf;
	sbi_handler_t handler;		/* called once per complete request (n5g_eir.c's) */
	struct eir_decider dec;		/* the decision step: verdicts, their counters and log lines */
	struct eir_ratelimit tls_log_rl;	/* client certificate refusals logged per second */
	struct eir_ratelimit conn_log_rl;	/* evicted/refused log lines per second (EIR_CONN_LOG_PER_SEC) */
	bool shutting_down;
};

/* server.c */
void sbi_cfg_init(void *ctx, struct sbi_cfg *cfg);
/* n5g_eir.c: the HTTP/2 server answering N5g-eir from db */
struct sbi_server *sbi_server_alloc(void *ctx, struct sbi_cfg *cfg, struct eir_db *db,
				   const struct eir_policy *policy);
/* server.c */
int sbi_server_start(struct sbi_server *srv);
void sbi_server_shutdown(struct sbi_server *srv);
bool sbi_server_idle(const struct sbi_server *srv);
void sbi_server_free(struct sbi_server *srv);

/* nrf.c */
int sbi_nrf_start(struct sbi_server *srv);
void sbi_nrf_deregister(struct sbi_server *srv);
bool sbi_nrf_done(const struct sbi_server *srv);
void sbi_nrf_free(struct sbi_server *srv);

/* sbi_vty.c */
void sbi_vty_init(void *ctx, struct sbi_cfg *cfg, struct sbi_server **srv, int node);
