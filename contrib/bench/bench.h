/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-bench's shared state and functions: the run's options and results (bench_g), the IMEI list, the latency
 * histogram, and the connections (bench_conn.c). */
#pragma once


#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/timerfd.h>

#include <talloc.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/diameter/msg.h>
#include <osmocom/eir/tool.h>


#define NSEC 1000000000ULL
#define MAX_WINDOW 65536
#define MAX_CONNS 1024
#define MAX_MSG 65536		/* larger answers close the connection */
#define RBUF_READ (256 * 1024)	/* what one read() may bring, on top of a partial message */
#define WBUF_EXTRA 4096		/* CER, DPR, DWA/DPA answers besides the ECRs */
#define SID_DIGITS 10		/* Session-Id "<host>;<state id>;<10-digit counter>" */
#define TMPL_MAX 1024
#define SETUP_TIMEOUT_NS (10 * NSEC)
#define CLOSE_TIMEOUT_NS (2 * NSEC)
#define REPORT_MAX 10		/* detailed error/mismatch lines on stderr */
#define EV_TIMER UINT32_MAX

/* Equipment-Status values on the wire (TS 29.272 §7.3.51), plus UNKNOWN = Experimental-Result 5422 */
enum verdict {
	V_NONE = -1,		/*!< expected verdict not given: not checked */
	V_WHITE = 0,
	V_BLACK = 1,
	V_GREY = 2,
	V_UNKNOWN = 3,
	_V_COUNT
};

extern const char *const bench_verdict_names[_V_COUNT];

/*! One line of the IMEI file. */
struct query {
	char imei[15];		/*!< as sent in the IMEI AVP: 14 or 15 digits, not terminated */
	char sv[2];		/*!< Software-Version, from a 16-digit IMEISV */
	char imsi[15];
	uint8_t imei_len;
	uint8_t imsi_len;	/*!< 0: no User-Name */
	bool has_sv;
	int8_t expect;		/*!< enum verdict */
};

/*! An outstanding request. */
struct slot {
	uint64_t t_sent;
	uint64_t sid;		/*!< Session-Id counter */
	uint32_t hbh;
	uint32_t e2e;
	uint32_t query;
	int32_t next_free;
	bool busy;
};

enum conn_state {
	C_CONNECTING,
	C_WAIT_CEA,
	C_OPEN,
	C_CLOSING,		/*!< DPR sent, or the EIR's DPR answered: no more requests */
	C_DONE,
};

struct conn {
	unsigned idx;
	int fd;
	enum conn_state state;
	uint32_t ev_mask;
	char origin_host[256];
	/* what is to be sent: [woff, wlen) */
	uint8_t *wbuf;
	size_t wsize, woff, wlen;
	/* what was received and not yet framed */
	uint8_t *rbuf;
	size_t rsize, rlen;
	/* the constant AVPs of every ECR (Session-Id .. Destination-Realm), built once with the encoder */
	uint8_t tmpl[TMPL_MAX];
	size_t tmpl_len;
	size_t sid_digits;	/*!< offset of the counter digits in tmpl */
	size_t sid_len;		/*!< Session-Id payload length */
	uint64_t sid_counter;
	size_t ecr_max;		/*!< largest ECR this connection can build */
	/* outstanding requests */
	struct slot *slots;
	unsigned slot_bits;
	int32_t free_head;
	unsigned inflight;
	uint32_t seq;
	uint32_t hbh_ctl;	/*!< hbh of our CER / DPR */
	/* pacing */
	double rate;		/*!< this connection's share of -r, requests/s */
	size_t next_q;		/*!< with --sticky, its next query: its own share of the list */
	uint64_t paced_sent;
	uint64_t sent, answered;
};

struct bench {
	/* options */
	const char *host;
	const char *port;
	unsigned conns;
	unsigned window;
	uint64_t count;		/*!< 0: run for duration */
	double duration;
	double rate;		/*!< 0: not paced */
	unsigned tick_us;
	double timeout;		/*!< hard timeout, s */
	const char *imei_file;
	uint64_t gen;
	const char *out_file;
	uint64_t seed;
	const char *origin_host;
	const char *realm;
	const char *dest_realm;

	struct query *q;
	size_t nq, nq_checked;
	size_t next_q;		/*!< the next query of all connections, in turn */
	bool sticky;		/*!< --sticky: each connection sends its own share (queries idx, idx + conns, ...) */

	struct conn *c;
	int ep, tfd;
	uint32_t osi;
	uint64_t t_start, t_hard, t_setup_end, t0, t_end, t_first_send, t_last_answer, t_close_end;
	bool sending;
	uint64_t budget;	/*!< requests still to send in count mode */

	/* results */
	uint64_t sent, answers, ok, mismatch, error, unmatched, conn_errors;
	uint64_t verdicts[_V_COUNT];
	unsigned n_err_reported, n_mis_reported;
};
extern struct bench bench_g;

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)
extern uint64_t bench_hist[HIST_BUCKETS];
extern uint64_t bench_hist_n, bench_hist_max;

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

void bench_hist_add(uint64_t v);
uint64_t bench_hist_pct(double p);
uint64_t bench_parse_u64(const char *s, uint64_t min, uint64_t max, const char *what);
double bench_parse_double(const char *s, double min, double max, const char *what);
void bench_queries_load(const char *path);
void bench_queries_generate(void);
void bench_conn_close(struct conn *c);
void bench_conn_flush(struct conn *c);
void bench_send_dpr(struct conn *c);
unsigned bench_conn_fill(struct conn *c, uint64_t max);
void bench_conn_event(struct conn *c, uint32_t events);
void bench_conn_init(void *ctx, struct conn *c, unsigned idx, const struct addrinfo *ai);
void bench_report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
