/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-bench: S13 load generator. N Diameter/TCP connections each send W pipelined ECRs to an EIR, every ECA
 * is checked against the expected verdict, and answers/s and latency percentiles are reported. */

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

static const char *const verdict_names[_V_COUNT] = { "WHITELISTED", "BLACKLISTED", "GREYLISTED", "UNKNOWN" };

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
	uint64_t paced_sent;
	uint64_t sent, answered;
};

static struct {
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
	size_t next_q;

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
} B;

static volatile sig_atomic_t got_signal;

/* --- latency histogram: log-linear, 128 buckets per power of two (< 0.8 % error), in ns --- */

#define HIST_SUB_BITS 7
#define HIST_SUB (1u << HIST_SUB_BITS)
#define HIST_BUCKETS ((64 - HIST_SUB_BITS + 1) * HIST_SUB)

static uint64_t hist[HIST_BUCKETS];
static uint64_t hist_n, hist_max;

static inline void hist_add(uint64_t v)
{
	unsigned idx, e;

	if (v < HIST_SUB) {
		idx = (unsigned)v;
	} else {
		e = 63u - (unsigned)__builtin_clzll(v);
		idx = ((e - HIST_SUB_BITS + 1) << HIST_SUB_BITS) + (unsigned)((v >> (e - HIST_SUB_BITS)) - HIST_SUB);
	}
	hist[idx]++;
	hist_n++;
	if (v > hist_max)
		hist_max = v;
}

/* the middle of a bucket */
static uint64_t hist_value(unsigned idx)
{
	unsigned b = idx >> HIST_SUB_BITS;
	uint64_t m = idx & (HIST_SUB - 1);

	if (b == 0)
		return m;
	return ((m + HIST_SUB) << (b - 1)) + ((1ULL << (b - 1)) >> 1);
}

/*! \returns the latency in ns below which a fraction p of the samples lie */
static uint64_t hist_pct(double p)
{
	uint64_t rank, sum = 0;
	unsigned i;

	if (!hist_n)
		return 0;
	rank = (uint64_t)(p * (double)hist_n + 0.999999);
	if (rank < 1)
		rank = 1;
	for (i = 0; i < HIST_BUCKETS; i++) {
		sum += hist[i];
		if (sum >= rank)
			return OSMO_MIN(hist_value(i), hist_max);
	}
	return hist_max;
}

/* --- helpers --- */

static inline uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * NSEC + (uint64_t)ts.tv_nsec;
}

static void die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
static void die(const char *fmt, ...)
{
	va_list ap;

	fputs("osmo-eir-bench: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static void report_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void report_error(const char *fmt, ...)
{
	va_list ap;

	if (B.n_err_reported++ >= REPORT_MAX) {
		if (B.n_err_reported == REPORT_MAX + 1)
			fputs("osmo-eir-bench: more errors not shown\n", stderr);
		return;
	}
	fputs("osmo-eir-bench: error: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
}

static uint64_t parse_u64(const char *s, uint64_t min, uint64_t max, const char *what)
{
	char *end;
	unsigned long long v;

	errno = 0;
	v = strtoull(s, &end, 10);
	if (errno || end == s || *end || s[0] == '-' || v < min || v > max)
		die("%s: expected a number from %" PRIu64 " to %" PRIu64 ", got '%s'", what, min, max, s);
	return v;
}

static double parse_double(const char *s, double min, double max, const char *what)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || end == s || *end || !(v >= min && v <= max))
		die("%s: expected a number from %g to %g, got '%s'", what, min, max, s);
	return v;
}

static bool all_digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return n > 0;
}

static int verdict_parse(const char *s)
{
	static const struct {
		const char *name;
		enum verdict v;
	} names[] = {
		{ "WHITELISTED", V_WHITE }, { "WHITE", V_WHITE },
		{ "BLACKLISTED", V_BLACK }, { "BLACK", V_BLACK },
		{ "GREYLISTED", V_GREY }, { "GREY", V_GREY },
		{ "UNKNOWN", V_UNKNOWN },
	};
	unsigned i;

	if (!*s)
		return V_NONE;
	for (i = 0; i < ARRAY_SIZE(names); i++)
		if (!strcasecmp(s, names[i].name))
			return names[i].v;
	return -2;
}

/* --- the IMEI list --- */

static char *trim(char *s)
{
	char *e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\r' || e[-1] == '\n'))
		*--e = 0;
	return s;
}

/* room for one more query (plain realloc: a list of millions is beyond talloc's 256 MiB limit) */
static void query_add(size_t *alloc)
{
	if (B.nq == *alloc) {
		*alloc = *alloc ? *alloc * 2 : 4096;
		B.q = realloc(B.q, *alloc * sizeof(*B.q));
		if (!B.q)
			die("out of memory");
	}
}

/*! Parse "imei[,imsi][,expected]"; \returns NULL or why the line is bad. */
static const char *query_parse(char *line, struct query *q)
{
	char *f[4] = { NULL };
	unsigned n = 0;
	char *p = line, *imsi = NULL, *exp = NULL;
	size_t len;
	int v;

	while (n < 4) {
		f[n++] = p;
		p = strchr(p, ',');
		if (!p)
			break;
		*p++ = 0;
	}
	if (p)
		return "more than three fields";
	memset(q, 0, sizeof(*q));
	f[0] = trim(f[0]);
	len = strlen(f[0]);
	if (!all_digits(f[0], len) || len < 14 || len > 16)
		return "IMEI must be 14 or 15 digits, or an IMEISV of 16";
	if (len == 16) {
		memcpy(q->imei, f[0], 14);
		q->imei_len = 14;
		memcpy(q->sv, f[0] + 14, 2);
		q->has_sv = true;
	} else {
		memcpy(q->imei, f[0], len);
		q->imei_len = (uint8_t)len;
	}
	if (n == 3) {
		imsi = trim(f[1]);
		exp = trim(f[2]);
	} else if (n == 2) {
		/* "imei,imsi" or "imei,expected" */
		f[1] = trim(f[1]);
		if (all_digits(f[1], strlen(f[1])))
			imsi = f[1];
		else
			exp = f[1];
	}
	if (imsi && *imsi) {
		len = strlen(imsi);
		if (!all_digits(imsi, len) || len < 5 || len > 15)
			return "IMSI must be 5 to 15 digits";
		memcpy(q->imsi, imsi, len);
		q->imsi_len = (uint8_t)len;
	}
	v = exp ? verdict_parse(exp) : V_NONE;
	if (v == -2)
		return "expected verdict must be WHITELISTED, GREYLISTED, BLACKLISTED, UNKNOWN or empty";
	q->expect = (int8_t)v;
	return NULL;
}

static void queries_load(const char *path)
{
	FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
	char *line = NULL, *s;
	size_t cap = 0, alloc = 0;
	unsigned long lineno = 0;
	const char *why;

	if (!f)
		die("%s: %s", path, strerror(errno));
	while (getline(&line, &cap, f) > 0) {
		lineno++;
		s = trim(line);
		if (!*s || *s == '#')
			continue;
		/* a header row */
		if (lineno == 1 && (*s < '0' || *s > '9'))
			continue;
		query_add(&alloc);
		why = query_parse(s, &B.q[B.nq]);
		if (why)
			die("%s:%lu: %s", path, lineno, why);
		if (B.q[B.nq].expect != V_NONE)
			B.nq_checked++;
		B.nq++;
	}
	free(line);
	if (ferror(f))
		die("%s: %s", path, strerror(errno));
	if (f != stdin)
		fclose(f);
	if (!B.nq)
		die("%s: no IMEIs", path);
}

static uint64_t splitmix64(uint64_t *s)
{
	uint64_t z = (*s += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* N random 14-digit IMEIs (first digit not 0), no expected verdict; written to -o as "imei,," */
static void queries_generate(void)
{
	uint64_t s = B.seed;
	size_t alloc = 0, i;
	FILE *f = NULL;
	char buf[16];

	if (B.out_file && !(f = fopen(B.out_file, "w")))
		die("%s: %s", B.out_file, strerror(errno));
	for (i = 0; i < B.gen; i++) {
		uint64_t imei = 10000000000000ULL + splitmix64(&s) % 90000000000000ULL;

		query_add(&alloc);
		memset(&B.q[B.nq], 0, sizeof(B.q[B.nq]));
		snprintf(buf, sizeof(buf), "%014" PRIu64, imei);
		memcpy(B.q[B.nq].imei, buf, 14);
		B.q[B.nq].imei_len = 14;
		B.q[B.nq].expect = V_NONE;
		B.nq++;
		if (f)
			fprintf(f, "%s,,\n", buf);
	}
	if (f && (fflush(f) || ferror(f) || fclose(f)))
		die("%s: write failed", B.out_file);
}

/* --- connections: I/O --- */

static void conn_events(struct conn *c, uint32_t mask)
{
	struct epoll_event ev = { .events = mask, .data.u32 = c->idx };

	if (c->ev_mask == mask || c->fd < 0)
		return;
	if (epoll_ctl(B.ep, EPOLL_CTL_MOD, c->fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
	c->ev_mask = mask;
}

static void conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(B.ep, EPOLL_CTL_DEL, c->fd, NULL);
		close(c->fd);
		c->fd = -1;
	}
	c->state = C_DONE;
}

/* a connection broke: what it has outstanding stays unanswered (reported as missing) */
static void conn_fail(struct conn *c, const char *why)
{
	if (c->state == C_DONE)
		return;
	B.conn_errors++;
	report_error("connection %u (%s): %s, %u requests outstanding", c->idx, c->origin_host, why, c->inflight);
	conn_close(c);
}

static void conn_flush(struct conn *c)
{
	ssize_t n;

	if (c->fd < 0)
		return;
	while (c->woff < c->wlen) {
		n = send(c->fd, c->wbuf + c->woff, c->wlen - c->woff, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK)
				break;
			conn_fail(c, strerror(errno));
			return;
		}
		c->woff += (size_t)n;
	}
	if (c->woff == c->wlen)
		c->woff = c->wlen = 0;
	conn_events(c, EPOLLIN | (c->woff < c->wlen ? EPOLLOUT : 0));
}

/*! Room for at least n more bytes at the end of the write buffer. */
static uint8_t *conn_room(struct conn *c, size_t n)
{
	if (c->wsize - c->wlen < n && c->woff) {
		memmove(c->wbuf, c->wbuf + c->woff, c->wlen - c->woff);
		c->wlen -= c->woff;
		c->woff = 0;
	}
	return c->wsize - c->wlen < n ? NULL : c->wbuf + c->wlen;
}

static void conn_commit(struct conn *c, struct diam_enc *e)
{
	int len = diam_enc_finish(e);

	if (len < 0)
		die("connection %u: message does not fit the write buffer", c->idx);
	c->wlen += (size_t)len;
}

/* --- base protocol: CER, DPR, answers to the EIR's DWR/DPR --- */

static void enc_host_ip(struct diam_enc *e, int fd)
{
	struct sockaddr_storage ss;
	socklen_t sl = sizeof(ss);
	static const uint8_t lo[4] = { 127, 0, 0, 1 };

	if (getsockname(fd, (struct sockaddr *)&ss, &sl) == 0 && ss.ss_family == AF_INET6) {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&ss;

		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET, &s6->sin6_addr.s6_addr[12]);
		else
			diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET6, &s6->sin6_addr);
	} else if (ss.ss_family == AF_INET) {
		diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET, &((struct sockaddr_in *)&ss)->sin_addr);
	} else {
		diam_enc_addr(e, DA_HOST_IP_ADDRESS, AF_INET, lo);
	}
}

static uint32_t next_e2e(void)
{
	static uint32_t n;

	/* RFC 6733 §3: high 12 bits from the start time, low 20 bits a counter */
	return (B.osi << 20) | (++n & 0xfffff);
}

static void send_cer(struct conn *c)
{
	struct diam_enc e;
	uint8_t *p = conn_room(c, WBUF_EXTRA);

	OSMO_ASSERT(p);
	c->hbh_ctl = 0x80000000u | c->idx;
	diam_enc_init(&e, p, WBUF_EXTRA);
	diam_enc_hdr(&e, DIAM_CMD_R, DIAM_CMD_CE, DIAM_APP_COMMON, c->hbh_ctl, next_e2e());
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, B.realm);
	enc_host_ip(&e, c->fd);
	diam_enc_u32(&e, DA_VENDOR_ID, 0);
	diam_enc_cstr(&e, DA_PRODUCT_NAME, "osmo-eir-bench");
	diam_enc_u32(&e, DA_ORIGIN_STATE_ID, B.osi);
	diam_enc_u32(&e, DA_SUPPORTED_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	conn_commit(c, &e);
	c->state = C_WAIT_CEA;
	conn_flush(c);
}

static void send_dpr(struct conn *c)
{
	struct diam_enc e;
	uint8_t *p = conn_room(c, WBUF_EXTRA);

	if (!p) {
		conn_close(c);
		return;
	}
	c->hbh_ctl = 0x80000000u | c->idx;
	diam_enc_init(&e, p, WBUF_EXTRA);
	diam_enc_hdr(&e, DIAM_CMD_R, DIAM_CMD_DP, DIAM_APP_COMMON, c->hbh_ctl, next_e2e());
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, B.realm);
	diam_enc_u32(&e, DA_DISCONNECT_CAUSE, 0 /* REBOOTING */);
	conn_commit(c, &e);
	c->state = C_CLOSING;
	conn_flush(c);
}

/* DWA or DPA (Result-Code 2001) to a request of the EIR */
static void send_base_answer(struct conn *c, const struct diam_hdr *h)
{
	struct diam_enc e;
	uint8_t *p = conn_room(c, WBUF_EXTRA);

	if (!p)
		return;
	diam_enc_init(&e, p, WBUF_EXTRA);
	diam_enc_hdr(&e, 0, h->cmd, h->app, h->hbh, h->e2e);
	diam_enc_u32(&e, DA_RESULT_CODE, DIAM_SUCCESS);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, B.realm);
	if (h->cmd == DIAM_CMD_DW)
		diam_enc_u32(&e, DA_ORIGIN_STATE_ID, B.osi);
	conn_commit(c, &e);
}

/* --- S13 --- */

/*! Build the constant AVPs of this connection's ECRs with the encoder; each ECR then copies them and only its
 *  Session-Id counter, header ids and Terminal-Information differ. */
static void conn_make_template(struct conn *c)
{
	struct diam_enc e;
	char sid[300];
	int n;

	n = snprintf(sid, sizeof(sid), "%s;%u;%0*u", c->origin_host, B.osi, SID_DIGITS, 0);
	OSMO_ASSERT(n > 0 && (size_t)n < sizeof(sid));
	diam_enc_init(&e, c->tmpl, sizeof(c->tmpl));
	diam_enc_cstr(&e, DA_SESSION_ID, sid);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1 /* NO_STATE_MAINTAINED */);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, B.realm);
	diam_enc_cstr(&e, DA_DESTINATION_REALM, B.dest_realm);
	OSMO_ASSERT(!e.overflow && (e.len & 3) == 0);
	c->tmpl_len = e.len;
	c->sid_len = (size_t)n;
	c->sid_digits = 8 + (size_t)n - SID_DIGITS;	/* Session-Id is first, an 8-byte AVP header */
	/* header + constant part + Terminal-Information{IMEI(15), SV} (12 + 28 + 16) + User-Name (8 + 15 + 1) */
	c->ecr_max = DIAM_HDR_LEN + c->tmpl_len + 56 + 24;
}

static inline void sid_increment(uint8_t *d)
{
	int i;

	for (i = SID_DIGITS - 1; i >= 0; i--) {
		if (d[i] != '9') {
			d[i]++;
			return;
		}
		d[i] = '0';
	}
}

/*! Encode one ECR into the write buffer. \returns false when the window or the buffer is full. */
static bool send_ecr(struct conn *c, uint64_t now)
{
	const struct query *q;
	struct diam_enc e;
	struct slot *s;
	uint8_t *p;
	int32_t si;

	if (c->free_head < 0)
		return false;
	p = conn_room(c, c->ecr_max);
	if (!p)
		return false;
	si = c->free_head;
	s = &c->slots[si];
	c->free_head = s->next_free;
	s->busy = true;
	s->hbh = (++c->seq << c->slot_bits) | (uint32_t)si;
	s->e2e = next_e2e();
	s->sid = ++c->sid_counter;
	s->query = (uint32_t)B.next_q;
	s->t_sent = now;
	q = &B.q[B.next_q];
	if (++B.next_q == B.nq)
		B.next_q = 0;

	sid_increment(c->tmpl + c->sid_digits);
	diam_enc_init(&e, p, c->ecr_max);
	diam_enc_hdr(&e, DIAM_CMD_R | DIAM_CMD_P, DIAM_CMD_ME_IDENTITY_CHECK, DIAM_APP_S13, s->hbh, s->e2e);
	diam_enc_raw(&e, c->tmpl, c->tmpl_len);
	diam_enc_group_begin(&e, DA_TERMINAL_INFORMATION);
	diam_enc_str(&e, DA_IMEI, q->imei, q->imei_len);
	if (q->has_sv)
		diam_enc_str(&e, DA_SOFTWARE_VERSION, q->sv, 2);
	diam_enc_group_end(&e);
	if (q->imsi_len)
		diam_enc_str(&e, DA_USER_NAME, q->imsi, q->imsi_len);
	conn_commit(c, &e);

	c->inflight++;
	c->sent++;
	B.sent++;
	if (!B.t_first_send)
		B.t_first_send = now;
	return true;
}

/*! Send up to max ECRs (window, buffer and budget permitting). \returns how many were sent. */
static unsigned conn_fill(struct conn *c, uint64_t max)
{
	uint64_t now;
	unsigned n = 0;

	if (c->state != C_OPEN || !B.sending)
		return 0;
	if (B.count && max > B.budget)
		max = B.budget;
	if (!max || c->free_head < 0)
		return 0;
	now = now_ns();
	while (n < max && send_ecr(c, now))
		n++;
	if (B.count)
		B.budget -= n;
	return n;
}

static void slot_free(struct conn *c, struct slot *s)
{
	s->busy = false;
	s->next_free = c->free_head;
	c->free_head = (int32_t)(s - c->slots);
	c->inflight--;
}

static const char *imei_str(const struct query *q, char *buf, size_t len)
{
	snprintf(buf, len, "%.*s%.*s", q->imei_len, q->imei, q->has_sv ? 2 : 0, q->sv);
	return buf;
}

/* the Session-Id of an answer: the request's, byte for byte */
static bool sid_ok(const struct conn *c, const struct diam_avp *a, uint64_t n)
{
	const uint8_t *d;
	uint64_t v = 0;
	unsigned i;

	if (a->id < 0 || a->len != c->sid_len || memcmp(a->data, c->tmpl + 8, c->sid_len - SID_DIGITS))
		return false;
	d = a->data + c->sid_len - SID_DIGITS;
	for (i = 0; i < SID_DIGITS; i++) {
		if (d[i] < '0' || d[i] > '9')
			return false;
		v = v * 10 + (uint64_t)(d[i] - '0');
	}
	return v == n % 10000000000ULL;
}

/* Check one ECA against its request: Hop-by-Hop, End-to-End and Session-Id, Result-Code 2001 with an
 * Equipment-Status or Experimental-Result 5422, and the verdict against the expected one. */
static void rx_eca(struct conn *c, const uint8_t *msg, const struct diam_hdr *h, uint64_t now)
{
	uint32_t si = h->hbh & ((1u << c->slot_bits) - 1);
	struct diam_avp_iter it, git;
	struct diam_avp a, g, sid = { .id = -1 };
	bool have_rc = false, have_erc = false, have_es = false;
	uint32_t rc = 0, erc = 0, es = 0;
	const struct query *q;
	struct slot *s;
	char why[128], ib[20];
	int r, v = V_NONE;

	if (si >= B.window || !c->slots[si].busy || c->slots[si].hbh != h->hbh) {
		B.unmatched++;
		report_error("connection %u: answer with unknown Hop-by-Hop id 0x%08x: discarded", c->idx, h->hbh);
		return;
	}
	s = &c->slots[si];
	q = &B.q[s->query];
	hist_add(now - s->t_sent);
	B.t_last_answer = now;
	c->answered++;
	B.answers++;

	why[0] = 0;
	diam_avp_iter_init(&it, msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN);
	while ((r = diam_avp_next(&it, &a)) > 0) {
		if (!diam_avp_len_ok(&a)) {
			r = -1;
			break;
		}
		switch (a.id) {
		case DA_SESSION_ID:
			if (sid.id < 0)
				sid = a;
			break;
		case DA_RESULT_CODE:
			have_rc = true;
			rc = diam_avp_u32(&a);
			break;
		case DA_EXPERIMENTAL_RESULT:
			diam_avp_iter_init(&git, a.data, a.len);
			while (diam_avp_next(&git, &g) > 0) {
				if (g.id == DA_EXPERIMENTAL_RESULT_CODE && diam_avp_len_ok(&g)) {
					have_erc = true;
					erc = diam_avp_u32(&g);
				}
			}
			break;
		case DA_EQUIPMENT_STATUS:
			have_es = true;
			es = diam_avp_u32(&a);
			break;
		default:
			break;
		}
	}
	if (r < 0)
		snprintf(why, sizeof(why), "malformed AVP (code %u)", a.code);
	else if (h->e2e != s->e2e)
		snprintf(why, sizeof(why), "End-to-End id 0x%08x, request had 0x%08x", h->e2e, s->e2e);
	else if (h->flags & DIAM_CMD_E)
		snprintf(why, sizeof(why), "E bit set, Result-Code %u", rc);
	else if (h->app != DIAM_APP_S13)
		snprintf(why, sizeof(why), "Application-Id %u", h->app);
	else if (!sid_ok(c, &sid, s->sid))
		snprintf(why, sizeof(why), "Session-Id missing or not the request's");
	else if (have_rc && rc == DIAM_SUCCESS && !have_erc && have_es && es <= V_GREY)
		v = (int)es;
	else if (have_rc && rc == DIAM_SUCCESS && !have_erc)
		snprintf(why, sizeof(why), "Result-Code 2001 without a valid Equipment-Status");
	else if (!have_rc && have_erc && erc == DIAM_ERROR_EQUIPMENT_UNKNOWN && !have_es)
		v = V_UNKNOWN;
	else if (have_rc && have_erc)
		snprintf(why, sizeof(why), "both Result-Code %u and Experimental-Result-Code %u", rc, erc);
	else if (have_rc)
		snprintf(why, sizeof(why), "Result-Code %u", rc);
	else if (have_erc)
		snprintf(why, sizeof(why), "Experimental-Result-Code %u%s", erc,
			 have_es ? " with Equipment-Status" : "");
	else
		snprintf(why, sizeof(why), "neither Result-Code nor Experimental-Result");

	if (v == V_NONE) {
		B.error++;
		report_error("connection %u: IMEI %s: %s", c->idx, imei_str(q, ib, sizeof(ib)), why);
	} else {
		B.verdicts[v]++;
		if (q->expect != V_NONE && q->expect != v) {
			B.mismatch++;
			if (B.n_mis_reported++ < REPORT_MAX)
				fprintf(stderr, "osmo-eir-bench: mismatch: IMEI %s%s%.*s: expected %s, got %s\n",
					imei_str(q, ib, sizeof(ib)), q->imsi_len ? " IMSI " : "", q->imsi_len, q->imsi,
					verdict_names[q->expect], verdict_names[v]);
		} else {
			B.ok++;
		}
	}
	slot_free(c, s);
}

static void rx_cea(struct conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	struct diam_avp a;
	uint32_t rc = 0;
	char em[128] = "";

	if (diam_avp_find(msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN, DA_RESULT_CODE, &a) == 1)
		rc = diam_avp_u32(&a);
	if (rc == DIAM_SUCCESS) {
		c->state = C_OPEN;
		return;
	}
	if (diam_avp_find(msg + DIAM_HDR_LEN, h->len - DIAM_HDR_LEN, DA_ERROR_MESSAGE, &a) == 1)
		snprintf(em, sizeof(em), " (%.*s)", (int)OSMO_MIN(a.len, 100u), (const char *)a.data);
	die("connection %u: CER of %s refused: Result-Code %u%s", c->idx, c->origin_host, rc, em);
}

/* one whole message from the EIR */
static void conn_rx(struct conn *c, const uint8_t *msg, uint64_t now)
{
	struct diam_hdr h;

	diam_hdr_parse(msg, &h);
	if (h.flags & DIAM_CMD_R) {
		if (h.app == DIAM_APP_COMMON && h.cmd == DIAM_CMD_DW) {
			send_base_answer(c, &h);
		} else if (h.app == DIAM_APP_COMMON && h.cmd == DIAM_CMD_DP) {
			send_base_answer(c, &h);
			if (c->state == C_OPEN)
				report_error("connection %u: the EIR sent a DPR: no more requests on it", c->idx);
			c->state = C_CLOSING;
		} else {
			B.unmatched++;
			report_error("connection %u: unexpected request (command %u, application %u): ignored", c->idx,
				     h.cmd, h.app);
		}
		return;
	}
	if (h.cmd == DIAM_CMD_ME_IDENTITY_CHECK && c->state != C_WAIT_CEA) {
		rx_eca(c, msg, &h, now);
		return;
	}
	if (h.hbh == c->hbh_ctl && h.cmd == DIAM_CMD_CE && c->state == C_WAIT_CEA) {
		rx_cea(c, msg, &h);
		return;
	}
	if (h.hbh == c->hbh_ctl && h.cmd == DIAM_CMD_DP && c->state == C_CLOSING) {
		/* the receiver of the DPA closes the transport (RFC 6733 §5.4) */
		conn_close(c);
		return;
	}
	B.unmatched++;
	report_error("connection %u: unexpected answer (command %u, Hop-by-Hop 0x%08x): discarded", c->idx, h.cmd,
		     h.hbh);
}

/* one read, framed into whole messages: every answer it brought is handled */
static void conn_read(struct conn *c)
{
	size_t off = 0;
	uint64_t now;
	ssize_t n;

	n = recv(c->fd, c->rbuf + c->rlen, c->rsize - c->rlen, MSG_DONTWAIT);
	if (n == 0) {
		if (c->state == C_CLOSING && !c->inflight)
			conn_close(c);
		else
			conn_fail(c, "the EIR closed the connection");
		return;
	}
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_fail(c, strerror(errno));
		return;
	}
	now = now_ns();
	c->rlen += (size_t)n;
	while (c->rlen - off >= 4) {
		const uint8_t *p = c->rbuf + off;
		uint32_t len = ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];

		if (p[0] != DIAM_VERSION || len < DIAM_HDR_LEN || (len & 3) || len > MAX_MSG) {
			conn_fail(c, "bad Diameter header");
			return;
		}
		if (c->rlen - off < len)
			break;
		conn_rx(c, p, now);
		if (c->state == C_DONE)
			return;
		off += len;
	}
	if (off) {
		memmove(c->rbuf, c->rbuf + off, c->rlen - off);
		c->rlen -= off;
	}
}

static void conn_event(struct conn *c, uint32_t events)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err)
			die("connect to %s port %s: %s", B.host, B.port, strerror(err));
		send_cer(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_read(c);
	if (c->state == C_DONE)
		return;
	/* pipelining: one more request per answer, all written at once */
	if (!B.rate)
		conn_fill(c, UINT64_MAX);
	conn_flush(c);
}

static void conn_connect(struct conn *c, const struct addrinfo *ai)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = c->idx };
	int one = 1;

	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0)
		die("socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		die("connect to %s port %s: %s", B.host, B.port, strerror(errno));
	c->state = C_CONNECTING;
	c->ev_mask = EPOLLOUT;
	if (epoll_ctl(B.ep, EPOLL_CTL_ADD, c->fd, &ev))
		die("epoll_ctl: %s", strerror(errno));
}

/* copy NAME, with a "%d" in it replaced by the connection number */
static void conn_name(struct conn *c)
{
	const char *pct = B.origin_host ? strstr(B.origin_host, "%d") : NULL;
	int n;

	if (!B.origin_host)
		n = snprintf(c->origin_host, sizeof(c->origin_host), "mme-bench-%u.%s", c->idx, B.realm);
	else if (pct)
		n = snprintf(c->origin_host, sizeof(c->origin_host), "%.*s%u%s", (int)(pct - B.origin_host),
			     B.origin_host, c->idx, pct + 2);
	else
		n = snprintf(c->origin_host, sizeof(c->origin_host), "%s", B.origin_host);
	if (n < 0 || (size_t)n >= sizeof(c->origin_host))
		die("Origin-Host too long");
}

static void conn_init(void *ctx, struct conn *c, unsigned idx, const struct addrinfo *ai)
{
	unsigned i;

	c->idx = idx;
	c->fd = -1;
	conn_name(c);
	conn_make_template(c);
	while ((1u << c->slot_bits) < B.window)
		c->slot_bits++;
	c->slots = talloc_zero_array(ctx, struct slot, B.window);
	c->wsize = (size_t)B.window * c->ecr_max + WBUF_EXTRA;
	c->wbuf = talloc_size(ctx, c->wsize);
	c->rsize = RBUF_READ + MAX_MSG;
	c->rbuf = talloc_size(ctx, c->rsize);
	if (!c->slots || !c->wbuf || !c->rbuf)
		die("out of memory");
	for (i = 0; i < B.window; i++)
		c->slots[i].next_free = i + 1 < B.window ? (int32_t)i + 1 : -1;
	c->free_head = 0;
	c->rate = B.rate / B.conns;
	conn_connect(c, ai);
}

/* --- the run --- */

enum phase {
	PH_SETUP,		/*!< connecting, CER/CEA */
	PH_RUN,			/*!< sending */
	PH_DRAIN,		/*!< waiting for the outstanding answers */
	PH_CLOSE,		/*!< DPR/DPA */
	PH_END,
};

static enum phase phase;
static bool timed_out;

static void pace(uint64_t now)
{
	uint64_t due;
	unsigned i;

	for (i = 0; i < B.conns; i++) {
		struct conn *c = &B.c[i];

		if (c->state != C_OPEN)
			continue;
		due = (uint64_t)(c->rate * (double)(now - B.t0) / (double)NSEC);
		if (due > c->paced_sent) {
			c->paced_sent += conn_fill(c, due - c->paced_sent);
			conn_flush(c);
		}
	}
}

static void timer_set(uint64_t interval_ns)
{
	struct itimerspec its = {
		.it_interval = { .tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC) },
		.it_value = { .tv_sec = (time_t)(interval_ns / NSEC), .tv_nsec = (long)(interval_ns % NSEC) },
	};

	if (timerfd_settime(B.tfd, 0, &its, NULL))
		die("timerfd_settime: %s", strerror(errno));
}

static void start_run(uint64_t now)
{
	unsigned i;

	phase = PH_RUN;
	B.sending = true;
	B.t0 = now;
	B.t_end = now + (uint64_t)(B.duration * (double)NSEC);
	if (B.rate) {
		timer_set((uint64_t)B.tick_us * 1000);
		return;
	}
	for (i = 0; i < B.conns; i++) {
		conn_fill(&B.c[i], UINT64_MAX);
		conn_flush(&B.c[i]);
	}
}

static void start_close(uint64_t now)
{
	unsigned i;

	B.sending = false;
	if (B.rate)
		timer_set(0);
	for (i = 0; i < B.conns; i++)
		if (B.c[i].state == C_OPEN)
			send_dpr(&B.c[i]);
	B.t_close_end = now + CLOSE_TIMEOUT_NS;
	phase = PH_CLOSE;
}

static void advance(uint64_t now)
{
	unsigned i, open = 0, live = 0, inflight = 0;

	for (i = 0; i < B.conns; i++) {
		struct conn *c = &B.c[i];

		open += c->state == C_OPEN;
		if (c->state != C_DONE) {
			live++;
			inflight += c->inflight;
		}
	}
	if (phase != PH_END && now >= B.t_hard) {
		/* the EIR does not answer: no DPR/DPA either */
		timed_out = phase < PH_CLOSE;
		for (i = 0; i < B.conns; i++)
			conn_close(&B.c[i]);
		phase = PH_END;
		return;
	}
	switch (phase) {
	case PH_SETUP:
		if (got_signal)
			die("interrupted while connecting");
		if (live < B.conns)
			die("a connection failed during the capabilities exchange");
		if (open == B.conns)
			start_run(now);
		else if (now >= B.t_setup_end)
			die("no CEA on every connection within %llu s", SETUP_TIMEOUT_NS / NSEC);
		break;
	case PH_RUN:
		if (!(got_signal || (B.count && !B.budget) || (!B.count && now >= B.t_end) || !open))
			break;
		B.sending = false;
		if (B.rate)
			timer_set(0);
		phase = PH_DRAIN;
		/* fall through */
	case PH_DRAIN:
		if (!inflight)
			start_close(now);
		break;
	case PH_CLOSE:
		if (!live || now >= B.t_close_end) {
			for (i = 0; i < B.conns; i++)
				conn_close(&B.c[i]);
			phase = PH_END;
		}
		break;
	case PH_END:
		break;
	}
}

static int loop_timeout_ms(uint64_t now)
{
	uint64_t t = B.t_hard;

	if (phase == PH_SETUP)
		t = OSMO_MIN(t, B.t_setup_end);
	else if (phase == PH_RUN && !B.count)
		t = OSMO_MIN(t, B.t_end);
	else if (phase == PH_CLOSE)
		t = OSMO_MIN(t, B.t_close_end);
	if (t <= now)
		return 0;
	return (int)OSMO_MIN((t - now + 999999) / 1000000, (uint64_t)1000);
}

static void run(void)
{
	struct epoll_event ev[64];
	uint64_t now, ticks;
	int n, i;

	while (phase != PH_END) {
		n = epoll_wait(B.ep, ev, ARRAY_SIZE(ev), loop_timeout_ms(now_ns()));
		if (n < 0) {
			if (errno != EINTR)
				die("epoll_wait: %s", strerror(errno));
			n = 0;
		}
		for (i = 0; i < n; i++) {
			if (ev[i].data.u32 == EV_TIMER) {
				if (read(B.tfd, &ticks, sizeof(ticks)) > 0 && B.sending)
					pace(now_ns());
				continue;
			}
			if (B.c[ev[i].data.u32].state != C_DONE)
				conn_event(&B.c[ev[i].data.u32], ev[i].events);
		}
		now = now_ns();
		advance(now);
	}
}

static void on_signal(int sig)
{
	got_signal = 1;
}

/* --- report --- */

static int report(void)
{
	uint64_t missing = B.sent - B.answers, errors = B.error + B.unmatched + B.conn_errors;
	double t = B.t_last_answer > B.t_first_send ? (double)(B.t_last_answer - B.t_first_send) / NSEC : 0;
	struct rusage ru;
	double cpu;

	getrusage(RUSAGE_SELF, &ru);
	cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
	      (double)ru.ru_stime.tv_usec / 1e6;
	printf("# osmo-eir-bench: %u connection%s to %s port %s, W=%u, ", B.conns, B.conns == 1 ? "" : "s", B.host,
	       B.port, B.window);
	if (B.count)
		printf("%" PRIu64 " requests", B.count);
	else
		printf("%g s", B.duration);
	if (B.rate)
		printf(" paced at %g/s (achieved %.0f/s)", B.rate, t > 0 ? (double)B.sent / t : 0.0);
	printf(", %zu IMEIs (%zu with expected verdicts)\n", B.nq, B.nq_checked);
	printf("# sent=%" PRIu64 " WHITELISTED=%" PRIu64 " BLACKLISTED=%" PRIu64 " GREYLISTED=%" PRIu64
	       " UNKNOWN=%" PRIu64 " client-cpu=%.2fs (%.2fus/answer)\n", B.sent, B.verdicts[V_WHITE],
	       B.verdicts[V_BLACK], B.verdicts[V_GREY], B.verdicts[V_UNKNOWN], cpu,
	       B.answers ? cpu * 1e6 / (double)B.answers : 0.0);
	if (timed_out)
		fprintf(stderr, "osmo-eir-bench: hard timeout (%g s): %" PRIu64 " requests unanswered\n", B.timeout,
			missing);
	else if (missing)
		fprintf(stderr, "osmo-eir-bench: %" PRIu64 " requests unanswered\n", missing);
	fflush(stderr);
	printf("answers=%" PRIu64 " time=%.3fs rate=%.0f/s p50=%" PRIu64 "us p99=%" PRIu64 "us p99.9=%" PRIu64
	       "us max=%" PRIu64 "us ok=%" PRIu64 " mismatch=%" PRIu64 " error=%" PRIu64 " missing=%" PRIu64 "\n",
	       B.answers, t, t > 0 ? (double)B.answers / t : 0.0, (hist_pct(0.50) + 500) / 1000,
	       (hist_pct(0.99) + 500) / 1000, (hist_pct(0.999) + 500) / 1000, (hist_max + 500) / 1000, B.ok,
	       B.mismatch, errors, missing);
	fflush(stdout);
	return B.mismatch || errors || missing || timed_out ? 1 : 0;
}

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: osmo-eir-bench [-H HOST] [-p PORT] -c CONNS -w WINDOW (-n COUNT | -d SECONDS) [-r RATE]\n"
		"                      (-i IMEI_FILE | -g N [-o FILE]) [options]\n"
		"  -H, --host HOST         the EIR (default 127.0.0.1)\n"
		"  -p, --port PORT         its Diameter TCP port (default 3868)\n"
		"  -c, --connections N     TCP connections, each with its own CER (default 1)\n"
		"  -w, --window W          requests in flight per connection (default 1)\n"
		"  -n, --count N           stop after N answers in total\n"
		"  -d, --duration S        stop sending after S seconds, then collect the outstanding answers\n"
		"  -r, --rate R            pace to R requests/s in total, sent every tick\n"
		"      --tick US           pacing tick in microseconds (default 1000)\n"
		"  -t, --timeout S         hard limit of the whole run (default: duration + 10; with -n 60, or more\n"
		"                          when -r makes the run longer: COUNT / RATE + 10)\n"
		"  -i, --imei-file FILE    lines imei[,imsi][,expected], expected one of WHITELISTED, GREYLISTED,\n"
		"                          BLACKLISTED, UNKNOWN or empty (not checked); '-' reads standard input\n"
		"  -g, --generate N        N random 14-digit IMEIs instead (not checked)\n"
		"  -o, --output FILE       write the generated IMEIs to FILE as imei,, (without -n/-d: only that)\n"
		"  -s, --seed S            seed of -g (default 1)\n"
		"      --origin-host NAME  Origin-Host; a %%d in it becomes the connection number\n"
		"                          (default mme-bench-<k>.REALM)\n"
		"      --realm R           Origin-Realm (default example.org)\n"
		"      --dest-realm R      Destination-Realm (default: the Origin-Realm)\n"
		"  -h, --help  -V, --version\n"
		"Prints one result line last:\n"
		"  answers=N time=Ts rate=R/s p50=Xus p99=Xus p99.9=Xus max=Xus ok=N mismatch=N error=N missing=N\n"
		"Exit: 0 every answer as expected; 1 mismatches, errors or unanswered requests; 2 usage or setup\n"
		"error.\n");
}

enum {
	OPT_ORIGIN_HOST = 256,
	OPT_REALM,
	OPT_DEST_REALM,
	OPT_TICK,
};

static void parse_options(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", 1, 0, 'H' },
		{ "port", 1, 0, 'p' },
		{ "connections", 1, 0, 'c' },
		{ "window", 1, 0, 'w' },
		{ "count", 1, 0, 'n' },
		{ "duration", 1, 0, 'd' },
		{ "rate", 1, 0, 'r' },
		{ "tick", 1, 0, OPT_TICK },
		{ "timeout", 1, 0, 't' },
		{ "imei-file", 1, 0, 'i' },
		{ "generate", 1, 0, 'g' },
		{ "output", 1, 0, 'o' },
		{ "seed", 1, 0, 's' },
		{ "origin-host", 1, 0, OPT_ORIGIN_HOST },
		{ "realm", 1, 0, OPT_REALM },
		{ "dest-realm", 1, 0, OPT_DEST_REALM },
		{ "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' },
		{ 0 }
	};
	int o;

	B.host = "127.0.0.1";
	B.port = "3868";
	B.conns = 1;
	B.window = 1;
	B.tick_us = 1000;
	B.seed = 1;
	B.realm = "example.org";
	while ((o = getopt_long(argc, argv, "H:p:c:w:n:d:r:t:i:g:o:s:hV", opts, NULL)) != -1) {
		switch (o) {
		case 'H':
			B.host = optarg;
			break;
		case 'p':
			parse_u64(optarg, 1, 65535, "-p");
			B.port = optarg;
			break;
		case 'c':
			B.conns = (unsigned)parse_u64(optarg, 1, MAX_CONNS, "-c");
			break;
		case 'w':
			B.window = (unsigned)parse_u64(optarg, 1, MAX_WINDOW, "-w");
			break;
		case 'n':
			B.count = parse_u64(optarg, 1, UINT64_MAX / 2, "-n");
			break;
		case 'd':
			B.duration = parse_double(optarg, 0.001, 86400, "-d");
			break;
		case 'r':
			B.rate = parse_double(optarg, 1, 1e9, "-r");
			break;
		case OPT_TICK:
			B.tick_us = (unsigned)parse_u64(optarg, 10, 1000000, "--tick");
			break;
		case 't':
			B.timeout = parse_double(optarg, 0.1, 86400 * 2, "-t");
			break;
		case 'i':
			B.imei_file = optarg;
			break;
		case 'g':
			B.gen = parse_u64(optarg, 1, 10000000, "-g");
			break;
		case 'o':
			B.out_file = optarg;
			break;
		case 's':
			B.seed = parse_u64(optarg, 0, UINT64_MAX, "-s");
			break;
		case OPT_ORIGIN_HOST:
			B.origin_host = optarg;
			break;
		case OPT_REALM:
			B.realm = optarg;
			break;
		case OPT_DEST_REALM:
			B.dest_realm = optarg;
			break;
		case 'h':
			usage(stdout);
			exit(0);
		case 'V':
			printf("osmo-eir-bench %s\n", PACKAGE_VERSION);
			exit(0);
		default:
			usage(stderr);
			exit(2);
		}
	}
	if (optind < argc)
		die("unexpected argument '%s' (see --help)", argv[optind]);
	if (!B.dest_realm)
		B.dest_realm = B.realm;
	if (!!B.imei_file + !!B.gen != 1)
		die("give either -i IMEI_FILE or -g N (see --help)");
	if (B.out_file && !B.gen)
		die("-o needs -g");
	if (B.count && B.duration)
		die("give either -n or -d, not both");
	if (!B.count && !B.duration && !(B.gen && B.out_file))
		die("give -n COUNT or -d SECONDS (see --help)");
	if (strlen(B.realm) > 200 || strlen(B.dest_realm) > 200 || (B.origin_host && strlen(B.origin_host) > 200))
		die("realm or Origin-Host longer than 200 characters");
	if (B.origin_host && B.conns > 1 && !strstr(B.origin_host, "%d"))
		fprintf(stderr, "osmo-eir-bench: warning: %u connections share the Origin-Host %s; an EIR may refuse "
			"or replace all but one (put %%d in the name for distinct ones)\n", B.conns, B.origin_host);
	if (!B.timeout && B.count)
		B.timeout = B.rate ? OSMO_MAX(60.0, (double)B.count / B.rate + 10) : 60;
	else if (!B.timeout)
		B.timeout = B.duration + 10;
}

int main(int argc, char **argv)
{
	void *ctx = talloc_named_const(NULL, 0, "osmo-eir-bench");
	struct epoll_event ev = { .events = EPOLLIN, .data.u32 = EV_TIMER };
	struct addrinfo hints = { .ai_family = AF_UNSPEC, .ai_socktype = SOCK_STREAM }, *ai;
	struct sigaction sa = { .sa_handler = on_signal, .sa_flags = SA_RESETHAND };
	unsigned i;
	int rc;

	parse_options(argc, argv);
	if (B.gen)
		queries_generate();
	else
		queries_load(B.imei_file);
	if (!B.count && !B.duration)
		return 0;	/* only -g N -o FILE */

	rc = getaddrinfo(B.host, B.port, &hints, &ai);
	if (rc)
		die("%s: %s", B.host, gai_strerror(rc));
	B.ep = epoll_create1(EPOLL_CLOEXEC);
	B.tfd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
	if (B.ep < 0 || B.tfd < 0 || epoll_ctl(B.ep, EPOLL_CTL_ADD, B.tfd, &ev))
		die("epoll/timerfd: %s", strerror(errno));
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);

	B.osi = (uint32_t)time(NULL);
	B.budget = B.count;
	B.t_start = now_ns();
	B.t_hard = B.t_start + (uint64_t)(B.timeout * (double)NSEC);
	B.t_setup_end = B.t_start + SETUP_TIMEOUT_NS;
	B.c = talloc_zero_array(ctx, struct conn, B.conns);
	if (!B.c)
		die("out of memory");
	for (i = 0; i < B.conns; i++)
		conn_init(ctx, &B.c[i], i, ai);
	freeaddrinfo(ai);

	run();
	rc = report();
	talloc_free(ctx);
	free(B.q);
	return rc;
}
