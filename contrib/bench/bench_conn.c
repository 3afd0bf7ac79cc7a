/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-bench: one connection to the EIR: its I/O, the base protocol (CER, DPR, answers to DWR/DPR) and the
 * S13 requests and the checking of their answers. */

#include "bench.h"

/* --- connections: I/O --- */

static void conn_events(struct conn *c, uint32_t mask)
{
	struct epoll_event ev = { .events = mask, .data.u32 = c->idx };

	if (c->ev_mask == mask || c->fd < 0)
		return;
	if (epoll_ctl(bench_g.ep, EPOLL_CTL_MOD, c->fd, &ev))
		eir_die(2, "epoll_ctl: %s", strerror(errno));
	c->ev_mask = mask;
}

void bench_conn_close(struct conn *c)
{
	if (c->fd >= 0) {
		epoll_ctl(bench_g.ep, EPOLL_CTL_DEL, c->fd, NULL);
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
	bench_g.conn_errors++;
	bench_report_error("connection %u (%s): %s, %u requests outstanding", c->idx, c->origin_host, why, c->inflight);
	bench_conn_close(c);
}

void bench_conn_flush(struct conn *c)
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
		eir_die(2, "connection %u: message does not fit the write buffer", c->idx);
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
	return (bench_g.osi << 20) | (++n & 0xfffff);
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
	diam_enc_cstr(&e, DA_ORIGIN_REALM, bench_g.realm);
	enc_host_ip(&e, c->fd);
	diam_enc_u32(&e, DA_VENDOR_ID, 0);
	diam_enc_cstr(&e, DA_PRODUCT_NAME, "osmo-eir-bench");
	diam_enc_u32(&e, DA_ORIGIN_STATE_ID, bench_g.osi);
	diam_enc_u32(&e, DA_SUPPORTED_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	conn_commit(c, &e);
	c->state = C_WAIT_CEA;
	bench_conn_flush(c);
}

void bench_send_dpr(struct conn *c)
{
	struct diam_enc e;
	uint8_t *p = conn_room(c, WBUF_EXTRA);

	if (!p) {
		bench_conn_close(c);
		return;
	}
	c->hbh_ctl = 0x80000000u | c->idx;
	diam_enc_init(&e, p, WBUF_EXTRA);
	diam_enc_hdr(&e, DIAM_CMD_R, DIAM_CMD_DP, DIAM_APP_COMMON, c->hbh_ctl, next_e2e());
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, bench_g.realm);
	diam_enc_u32(&e, DA_DISCONNECT_CAUSE, 0 /* REBOOTING */);
	conn_commit(c, &e);
	c->state = C_CLOSING;
	bench_conn_flush(c);
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
	diam_enc_cstr(&e, DA_ORIGIN_REALM, bench_g.realm);
	if (h->cmd == DIAM_CMD_DW)
		diam_enc_u32(&e, DA_ORIGIN_STATE_ID, bench_g.osi);
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

	n = snprintf(sid, sizeof(sid), "%s;%u;%0*u", c->origin_host, bench_g.osi, SID_DIGITS, 0);
	OSMO_ASSERT(n > 0 && (size_t)n < sizeof(sid));
	diam_enc_init(&e, c->tmpl, sizeof(c->tmpl));
	diam_enc_cstr(&e, DA_SESSION_ID, sid);
	diam_enc_group_begin(&e, DA_VSAI);
	diam_enc_u32(&e, DA_VENDOR_ID, DIAM_VENDOR_3GPP);
	diam_enc_u32(&e, DA_AUTH_APP_ID, DIAM_APP_S13);
	diam_enc_group_end(&e);
	diam_enc_u32(&e, DA_AUTH_SESSION_STATE, 1 /* NO_STATE_MAINTAINED */);
	diam_enc_cstr(&e, DA_ORIGIN_HOST, c->origin_host);
	diam_enc_cstr(&e, DA_ORIGIN_REALM, bench_g.realm);
	diam_enc_cstr(&e, DA_DESTINATION_REALM, bench_g.dest_realm);
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
	if (bench_g.sticky) {
		/* queries idx, idx + conns, ...: each (IMEI, IMSI) always through the same connection, as a handset is
		 * attached to one MME (the device history takes one seen from two at once for a clone) */
		s->query = (uint32_t)c->next_q;
		c->next_q += bench_g.nq > bench_g.conns ? bench_g.conns : 1;
		if (c->next_q >= bench_g.nq)
			c->next_q = bench_g.nq > bench_g.conns ? c->idx : 0;
	} else {
		/* every connection takes the next query of the list: each line as often as the others */
		s->query = (uint32_t)bench_g.next_q;
		if (++bench_g.next_q == bench_g.nq)
			bench_g.next_q = 0;
	}
	s->t_sent = now;
	q = &bench_g.q[s->query];

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
	bench_g.sent++;
	if (!bench_g.t_first_send)
		bench_g.t_first_send = now;
	return true;
}

/*! Send up to max ECRs (window, buffer and budget permitting). \returns how many were sent. */
unsigned bench_conn_fill(struct conn *c, uint64_t max)
{
	uint64_t now;
	unsigned n = 0;

	if (c->state != C_OPEN || !bench_g.sending)
		return 0;
	if (bench_g.count && max > bench_g.budget)
		max = bench_g.budget;
	if (!max || c->free_head < 0)
		return 0;
	now = now_ns();
	while (n < max && send_ecr(c, now))
		n++;
	if (bench_g.count)
		bench_g.budget -= n;
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

	if (si >= bench_g.window || !c->slots[si].busy || c->slots[si].hbh != h->hbh) {
		bench_g.unmatched++;
		bench_report_error("connection %u: answer with unknown Hop-by-Hop id 0x%08x: discarded", c->idx,
				   h->hbh);
		return;
	}
	s = &c->slots[si];
	q = &bench_g.q[s->query];
	bench_hist_add(now - s->t_sent);
	bench_g.t_last_answer = now;
	c->answered++;
	bench_g.answers++;

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
		bench_g.error++;
		bench_report_error("connection %u: IMEI %s: %s", c->idx, imei_str(q, ib, sizeof(ib)), why);
	} else {
		bench_g.verdicts[v]++;
		if (q->expect != V_NONE && q->expect != v) {
			bench_g.mismatch++;
			if (bench_g.n_mis_reported++ < REPORT_MAX)
				fprintf(stderr, "osmo-eir-bench: mismatch: IMEI %s%s%.*s: expected %s, got %s\n",
					imei_str(q, ib, sizeof(ib)), q->imsi_len ? " IMSI " : "", q->imsi_len, q->imsi,
					bench_verdict_names[q->expect], bench_verdict_names[v]);
		} else {
			bench_g.ok++;
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
	eir_die(2, "connection %u: CER of %s refused: Result-Code %u%s", c->idx, c->origin_host, rc, em);
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
				bench_report_error("connection %u: the EIR sent a DPR: no more requests on it", c->idx);
			c->state = C_CLOSING;
		} else {
			bench_g.unmatched++;
			bench_report_error("connection %u: unexpected request (command %u, application %u): ignored",
					   c->idx, h.cmd, h.app);
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
		bench_conn_close(c);
		return;
	}
	bench_g.unmatched++;
	bench_report_error("connection %u: unexpected answer (command %u, Hop-by-Hop 0x%08x): discarded", c->idx, h.cmd,
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
			bench_conn_close(c);
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

void bench_conn_event(struct conn *c, uint32_t events)
{
	if (c->state == C_CONNECTING) {
		int err = 0;
		socklen_t sl = sizeof(err);

		if (getsockopt(c->fd, SOL_SOCKET, SO_ERROR, &err, &sl) == 0 && err)
			eir_die(2, "connect to %s port %s: %s", bench_g.host, bench_g.port, strerror(err));
		send_cer(c);
		return;
	}
	if (events & (EPOLLIN | EPOLLERR | EPOLLHUP))
		conn_read(c);
	if (c->state == C_DONE)
		return;
	/* pipelining: one more request per answer, all written at once */
	if (!bench_g.rate)
		bench_conn_fill(c, UINT64_MAX);
	bench_conn_flush(c);
}

static void conn_connect(struct conn *c, const struct addrinfo *ai)
{
	struct epoll_event ev = { .events = EPOLLOUT, .data.u32 = c->idx };
	int one = 1;

	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, IPPROTO_TCP);
	if (c->fd < 0)
		eir_die(2, "socket: %s", strerror(errno));
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (connect(c->fd, ai->ai_addr, ai->ai_addrlen) && errno != EINPROGRESS)
		eir_die(2, "connect to %s port %s: %s", bench_g.host, bench_g.port, strerror(errno));
	c->state = C_CONNECTING;
	c->ev_mask = EPOLLOUT;
	if (epoll_ctl(bench_g.ep, EPOLL_CTL_ADD, c->fd, &ev))
		eir_die(2, "epoll_ctl: %s", strerror(errno));
}

/* copy NAME, with a "%d" in it replaced by the connection number */
static void conn_name(struct conn *c)
{
	const char *pct = bench_g.origin_host ? strstr(bench_g.origin_host, "%d") : NULL;
	int n;

	if (!bench_g.origin_host)
		n = snprintf(c->origin_host, sizeof(c->origin_host), "mme-bench-%u.%s", c->idx, bench_g.realm);
	else if (pct)
		n = snprintf(c->origin_host, sizeof(c->origin_host), "%.*s%u%s", (int)(pct - bench_g.origin_host),
			     bench_g.origin_host, c->idx, pct + 2);
	else
		n = snprintf(c->origin_host, sizeof(c->origin_host), "%s", bench_g.origin_host);
	if (n < 0 || (size_t)n >= sizeof(c->origin_host))
		eir_die(2, "Origin-Host too long");
}

void bench_conn_init(void *ctx, struct conn *c, unsigned idx, const struct addrinfo *ai)
{
	unsigned i;

	c->idx = idx;
	c->next_q = bench_g.nq > bench_g.conns ? idx : 0;
	c->fd = -1;
	conn_name(c);
	conn_make_template(c);
	while ((1u << c->slot_bits) < bench_g.window)
		c->slot_bits++;
	c->slots = talloc_zero_array(ctx, struct slot, bench_g.window);
	c->wsize = (size_t)bench_g.window * c->ecr_max + WBUF_EXTRA;
	c->wbuf = talloc_size(ctx, c->wsize);
	c->rsize = RBUF_READ + MAX_MSG;
	c->rbuf = talloc_size(ctx, c->rsize);
	if (!c->slots || !c->wbuf || !c->rbuf)
		eir_die(2, "out of memory");
	for (i = 0; i < bench_g.window; i++)
		c->slots[i].next_free = i + 1 < bench_g.window ? (int32_t)i + 1 : -1;
	c->free_head = 0;
	c->rate = bench_g.rate / bench_g.conns;
	conn_connect(c, ai);
}

