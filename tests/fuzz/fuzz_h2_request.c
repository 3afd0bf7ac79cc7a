/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the HTTP/2 request path as a client's bytes reach it. The daemon's N5g-eir server (src/sbi: nghttp2
 * session, callbacks, handler, decision step) listens on a loopback port against a small store made at start in
 * a temp dir; each input is sent by a new TCP client, which reads until the server closes or has nothing more
 * to say, then resets the connection. Checks: the server ends the connection (no hang), at most one response per
 * stream and never more responses than requests, each :status one the server has, each complete body valid JSON;
 * no leak, no crash. */

#define _GNU_SOURCE	/* nftw() */
#include <errno.h>
#include <signal.h>
#include <fcntl.h>
#include <ftw.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <linux/sockios.h>

#include <nghttp2/nghttp2.h>
#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/netif/stream.h>

#include <osmocom/eir/db.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/sbi/n5g.h>
#include <osmocom/eir/sbi/server.h>

#include "fuzz.h"
#include "../sbi/json_valid.h"

#define INPUT_MAX 8192
#define OUT_MAX (4 << 20)
#define MAX_STREAMS 2048	/* more requests than an 8 KiB input can hold */

static struct {
	void *ctx;
	char dir[64];
	struct eir_db *db;
	struct eir_policy policy;
	struct sbi_cfg cfg;
	struct sbi_server *srv;
	struct sockaddr_in addr;
	uint8_t *out;
} g;

static int rm_cb(const char *path, const struct stat *sb, int flag, struct FTW *ftw)
{
	return remove(path);
}

static void cleanup(void)
{
	if (g.dir[0])
		nftw(g.dir, rm_cb, 8, FTW_DEPTH | FTW_PHYS);
}

static void setup(void)
{
	struct eir_db_opts o = { .create = true, .map_size = 16 << 20 };
	struct eir_edit ed = { .who = "fuzz", .reason = "Reported stolen" };
	struct eir_audit au;
	socklen_t sl = sizeof(g.addr);
	char err[128];

	signal(SIGPIPE, SIG_IGN);	/* as osmo-eir: a peer gone is an error return, not a signal */
	g.ctx = talloc_named_const(NULL, 0, "fuzz_h2_request");
	osmo_init_logging2(g.ctx, &eir_log_info);
	log_set_log_level(osmo_stderr_target, LOGL_FATAL);
	rate_ctr_init(g.ctx);
	osmo_stats_init(g.ctx);

	/* the store: one black IMEI (tests/s13/lib-eir.sh's), everything else the default verdict */
	snprintf(g.dir, sizeof(g.dir), "/tmp/fuzz-h2.XXXXXX");
	OSMO_ASSERT(mkdtemp(g.dir));
	atexit(cleanup);
	OSMO_ASSERT(eir_db_open(g.ctx, &g.db, g.dir, &o) == 0);
	OSMO_ASSERT(eir_db_writer_lock(g.db, EIR_DB_LOCAL, "fuzz") == 0);
	OSMO_ASSERT(eir_edit_key(&ed, EIR_EDIT_IMEI, "356938035643809", NULL, err, sizeof(err)) == 0);
	ed.e.list = EIR_LIST_BLACK;
	OSMO_ASSERT(eir_edit_apply(g.db, &ed, &au) == 0);

	/* the server as osmo-eir runs it, on a port the kernel picks */
	g.policy = (struct eir_policy)EIR_POLICY_DEFAULT;
	sbi_cfg_init(g.ctx, &g.cfg);
	g.cfg.enabled = true;
	g.cfg.listen_port = 0;
	g.srv = sbi_server_alloc(g.ctx, &g.cfg, g.db, &g.policy);
	OSMO_ASSERT(sbi_server_start(g.srv) == 0);
	OSMO_ASSERT(getsockname(osmo_stream_srv_link_get_ofd(g.srv->link)->fd, (struct sockaddr *)&g.addr,
				&sl) == 0);
	g.out = malloc(OUT_MAX);
}

static uint64_t ctr(unsigned i)
{
	return rate_ctr_group_get_ctr(g.srv->ctrs, i)->current;
}

struct stream_seen {
	int32_t id;
	unsigned status;
	bool ended;
	size_t body_len;
	char body[N5G_BODY_MAX];
};

/* what the server sent: HTTP/2 frames after its SETTINGS, or a plain HTTP/1.1 505 */
struct out_check {
	struct stream_seen *st;
	unsigned n_st, n_rsp;
};

static struct stream_seen *stream(struct out_check *oc, int32_t id)
{
	unsigned i;

	for (i = 0; i < oc->n_st; i++)
		if (oc->st[i].id == id)
			return &oc->st[i];
	FUZZ_ASSERT(oc->n_st < MAX_STREAMS);
	oc->st[oc->n_st] = (struct stream_seen){ .id = id };
	return &oc->st[oc->n_st++];
}

static void check_headers(struct out_check *oc, nghttp2_hd_inflater *inf, int32_t id, const uint8_t *p, size_t n,
			  bool final)
{
	struct stream_seen *s = stream(oc, id);

	for (;;) {
		nghttp2_nv nv;
		int fl = 0;
		ssize_t rv = nghttp2_hd_inflate_hd2(inf, &nv, &fl, p, n, final);

		FUZZ_ASSERT(rv >= 0);
		p += rv;
		n -= (size_t)rv;
		if (fl & NGHTTP2_HD_INFLATE_EMIT && nv.namelen == 7 && !memcmp(nv.name, ":status", 7)) {
			char st[4] = { 0 };

			FUZZ_ASSERT(!s->status);	/* one response per stream */
			FUZZ_ASSERT(nv.valuelen == 3);
			memcpy(st, nv.value, 3);
			s->status = (unsigned)atoi(st);
			FUZZ_ASSERT(strstr(" 200 400 404 405 414 431 503 ", st));
			oc->n_rsp++;
		}
		if (fl & NGHTTP2_HD_INFLATE_FINAL) {
			nghttp2_hd_inflate_end_headers(inf);
			break;
		}
		if (!(fl & NGHTTP2_HD_INFLATE_EMIT) && !n)
			break;
	}
}

static void check_output(const uint8_t *o, size_t n, uint64_t n_req)
{
	static const char h1[] = "HTTP/1.1 505 HTTP Version Not Supported\r\n";
	static struct stream_seen seen[MAX_STREAMS];
	struct out_check oc = { .st = seen };
	nghttp2_hd_inflater *inf;
	size_t off = 0;
	unsigned i;

	if (n >= sizeof(h1) - 1 && !memcmp(o, h1, sizeof(h1) - 1)) {
		FUZZ_ASSERT(n_req == 0);
		return;
	}
	FUZZ_ASSERT(nghttp2_hd_inflate_new(&inf) == 0);
	/* frames: the last one may be cut by the close */
	while (off + 9 <= n) {
		size_t len = (size_t)o[off] << 16 | (size_t)o[off + 1] << 8 | o[off + 2];
		uint8_t type = o[off + 3], flags = o[off + 4];
		int32_t id = (int32_t)((uint32_t)(o[off + 5] & 0x7f) << 24 | (uint32_t)o[off + 6] << 16 |
				       (uint32_t)o[off + 7] << 8 | o[off + 8]);
		const uint8_t *p = o + off + 9;
		struct stream_seen *s;

		if (off + 9 + len > n)
			break;
		off += 9 + len;
		switch (type) {
		case NGHTTP2_HEADERS:
		case NGHTTP2_CONTINUATION:
			FUZZ_ASSERT(id > 0 && !(flags & (NGHTTP2_FLAG_PADDED | NGHTTP2_FLAG_PRIORITY)));
			check_headers(&oc, inf, id, p, len, flags & NGHTTP2_FLAG_END_HEADERS);
			if (flags & NGHTTP2_FLAG_END_STREAM)
				stream(&oc, id)->ended = true;
			break;
		case NGHTTP2_DATA:
			s = stream(&oc, id);
			FUZZ_ASSERT(s->status && !s->ended && !(flags & NGHTTP2_FLAG_PADDED));
			FUZZ_ASSERT(s->body_len + len <= sizeof(s->body));
			memcpy(s->body + s->body_len, p, len);
			s->body_len += len;
			if (flags & NGHTTP2_FLAG_END_STREAM)
				s->ended = true;
			break;
		default:
			break;
		}
	}
	if (getenv("FUZZ_H2_VERBOSE"))
		fprintf(stderr, "%zu bytes out, %llu requests, %u responses\n", n, (unsigned long long)n_req, oc.n_rsp);
	FUZZ_ASSERT(oc.n_rsp <= n_req);
	for (i = 0; i < oc.n_st; i++)
		if (oc.st[i].ended && oc.st[i].body_len)
			FUZZ_ASSERT(json_valid(oc.st[i].body, oc.st[i].body_len));
	nghttp2_hd_inflate_del(inf);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	uint64_t req0;
	size_t sent = 0, got = 0;
	unsigned conns0, idle = 0, quiet = 0;
	bool eof = false;
	int fd;

	if (size > INPUT_MAX)
		return 0;
	if (!g.srv)
		setup();
	req0 = ctr(SBI_CTR_REQ);
	conns0 = g.srv->n_conns;
	fd = socket(AF_INET, SOCK_STREAM, 0);
	FUZZ_ASSERT(fd >= 0);
	/* non-blocking: libFuzzer's timer signals would interrupt a blocking connect; the loop below finishes it */
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
	if (connect(fd, (struct sockaddr *)&g.addr, sizeof(g.addr)) && errno != EINPROGRESS && errno != EINTR) {
		fprintf(stderr, "connect: %s\n", strerror(errno));
		FUZZ_ASSERT(0);
	}

	/* The select loop turns until the server has closed, or has taken every byte and says nothing more for a
	 * while (the loop is synchronous over loopback: quiet means done); every turn sends what fits and reads what
	 * came. Then a reset, not a FIN: a FIN first would leave this side in TIME_WAIT, and a connection per input
	 * takes every ephemeral port within a minute. */
	while (!eof && quiet < 16) {
		ssize_t n;
		bool progress = false;
		int unacked = 0;

		osmo_select_main(1);
		if (sent < size) {
			n = send(fd, data + sent, size - sent, MSG_NOSIGNAL);
			if (n > 0) {
				sent += (size_t)n;
				progress = true;
			}
		}
		n = read(fd, g.out + got, OUT_MAX - got);
		if (n == 0 || (n < 0 && errno == ECONNRESET)) {
			eof = true;
		} else if (n > 0) {
			got += (size_t)n;
			progress = true;
			FUZZ_ASSERT(got < OUT_MAX);
		}
		ioctl(fd, SIOCOUTQ, &unacked);
		quiet = progress || sent < size || unacked ? 0 : quiet + 1;
		idle = progress ? 0 : idle + 1;
		FUZZ_ASSERT(idle < 100000);	/* the server hangs: it neither reads, writes nor closes */
	}
	setsockopt(fd, SOL_SOCKET, SO_LINGER, &(struct linger){ .l_onoff = 1, .l_linger = 0 }, sizeof(struct linger));
	close(fd);
	/* the server closes its side on the reset (or had closed it) */
	for (idle = 0; g.srv->n_conns > conns0; idle++) {
		FUZZ_ASSERT(idle < 100000);
		osmo_select_main(1);
	}
	check_output(g.out, got, ctr(SBI_CTR_REQ) - req0);
	return 0;
}
