/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Fuzz target: the Diameter responder's whole stack above the socket (src/diameter: framing and send queue,
 * the peer state machine with CER/CEA and the ACL, DWR/DWA, DPR/DPA, the dispatch table, S13) on one end of a
 * socketpair, no listening socket and no network. The input is what a peer sends, then it stops sending (EOF).
 * Checked: the connection is gone at the end and nothing of it is left; everything the server sent is a valid
 * Diameter message (version 1, length a multiple of 4, AVPs that walk to the end); each answer answers a request
 * of the input (its hop-by-hop id) with its command; a request the server sends is a DWR or DPR; a whole CER
 * first is answered first. */

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>

#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/diameter/msg.h>
#include <osmocom/eir/diameter/server.h>
#include "fuzz.h"

static void *ctx;
static struct eir_db *db;
static struct eir_policy policy = EIR_POLICY_DEFAULT;
static struct diam_cfg cfg;
static struct diam_server *srv;
static uint8_t out[1 << 20];

static void init(void)
{
	struct diam_peer_acl *acl;

	ctx = talloc_named_const(NULL, 0, "fuzz_diam_base");
	osmo_init_logging2(ctx, &eir_log_info);
	/* quiet, so that the fuzzer's output stays its own; FUZZ_LOG=1 in the environment keeps the log */
	if (!getenv("FUZZ_LOG"))
		log_target_destroy(osmo_stderr_target);
	rate_ctr_init(ctx);
	osmo_stats_init(ctx);
	db = fuzz_store(ctx);
	policy.log_verdict_per_sec = 0;
	diam_cfg_init(ctx, &cfg);
	osmo_talloc_replace_string(ctx, &cfg.origin_host, "eir.example.org");
	osmo_talloc_replace_string(ctx, &cfg.origin_realm, "example.org");
	acl = talloc_zero(ctx, struct diam_peer_acl);
	acl->origin_host = talloc_strdup(acl, "mme.example.org");
	llist_add_tail(&acl->list, &cfg.peers);
	/* one server for the run: each input's connection must be gone at its end */
	srv = diam_server_alloc(ctx, &cfg, db, &policy);
}

/* whether the input holds a request (R set) with this hop-by-hop id and command, framed as the server frames */
static bool asked(const uint8_t *data, size_t size, uint32_t hbh, uint32_t cmd)
{
	size_t off = 0;

	while (size - off >= DIAM_HDR_LEN) {
		struct diam_hdr h;

		diam_hdr_parse(data + off, &h);
		if (h.len < DIAM_HDR_LEN || (h.len & 3))
			/* a broken header is answered from its header alone */
			return h.hbh == hbh && h.cmd == cmd;
		if ((h.flags & DIAM_CMD_R) && h.hbh == hbh && h.cmd == cmd)
			return true;
		if (h.len > size - off)
			return false;
		off += h.len;
	}
	return false;
}

static void check_output(const uint8_t *data, size_t size, size_t n)
{
	size_t off = 0;

	while (off < n) {
		struct diam_avp_iter it;
		struct diam_avp a;
		struct diam_hdr h;

		FUZZ_ASSERT(n - off >= DIAM_HDR_LEN);
		diam_hdr_parse(out + off, &h);
		FUZZ_ASSERT(h.version == DIAM_VERSION && h.len >= DIAM_HDR_LEN && !(h.len & 3) && h.len <= n - off);
		diam_avp_iter_init(&it, out + off + DIAM_HDR_LEN, h.len - DIAM_HDR_LEN);
		while (diam_avp_next(&it, &a) > 0)
			FUZZ_ASSERT(a.id < 0 || diam_avp_len_ok(&a) || a.id == DA_FAILED_AVP);
		FUZZ_ASSERT(it.p == it.end);
		if (h.flags & DIAM_CMD_R)
			FUZZ_ASSERT(h.cmd == DIAM_CMD_DW || h.cmd == DIAM_CMD_DP);
		else
			FUZZ_ASSERT(asked(data, size, h.hbh, h.cmd));
		off += h.len;
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	size_t sent = 0, n = 0;
	int sv[2], i;

	if (!ctx)
		init();
	FUZZ_ASSERT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0, sv) == 0);
	FUZZ_ASSERT(diam_server_adopt(srv, sv[0]) == 0);
	/* the peer sends its input (as far as the socket takes it at a time), reads what comes back, then stops
	 * sending; the server closes at EOF or at the first broken header */
	for (i = 0; i < 1000 && !diam_server_idle(srv); i++) {
		ssize_t r;

		if (sent < size) {
			r = send(sv[1], data + sent, size - sent, MSG_NOSIGNAL);
			if (r > 0)
				sent += (size_t)r;
			else if (r < 0 && errno != EAGAIN)
				sent = size;
			if (sent == size)
				shutdown(sv[1], SHUT_WR);
		} else if (!size) {
			shutdown(sv[1], SHUT_WR);
		}
		osmo_select_main(1);
		while ((r = read(sv[1], out + n, sizeof(out) - n)) > 0)
			n += (size_t)r;
		FUZZ_ASSERT(n < sizeof(out));
	}
	FUZZ_ASSERT(diam_server_idle(srv));
	close(sv[1]);
	check_output(data, size, n);
	/* a whole CER first: the first thing sent back is its CEA (an error one included) */
	if (size >= DIAM_HDR_LEN) {
		struct diam_hdr h, a;

		diam_hdr_parse(data, &h);
		if (h.version == DIAM_VERSION && h.len >= DIAM_HDR_LEN && !(h.len & 3) && h.len <= size &&
		    h.len <= cfg.max_msg_size && h.cmd == DIAM_CMD_CE && h.app == DIAM_APP_COMMON &&
		    (h.flags & DIAM_CMD_R)) {
			FUZZ_ASSERT(n >= DIAM_HDR_LEN);
			diam_hdr_parse(out, &a);
			FUZZ_ASSERT(a.cmd == DIAM_CMD_CE && !(a.flags & DIAM_CMD_R) && a.hbh == h.hbh &&
				    a.e2e == h.e2e);
		}
	}
	return 0;
}
