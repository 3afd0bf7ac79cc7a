/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* S13 (TS 29.272 §5.2.4): the ME-Identity-Check-Request handler, one row of the dispatch table: decode
 * (s13_codec.c), eir_decide(), encode, queue. Its counters and log lines are here, its wire rules there. */

#include <osmocom/core/logging.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/diameter/s13.h>
#include "diam_internal.h"

void diam_s13_rx_ecr(struct diam_conn *c, const uint8_t *msg, const struct diam_hdr *h)
{
	struct diam_server *srv = c->srv;
	struct diam_ecr r;
	struct diam_error err;
	struct eir_query q;
	struct eir_decision d;
	size_t size;
	uint8_t *buf;

	diam_ctr_inc(srv, DIAM_CTR_ECR);
	c->n_ecr++;
	/* requests still arriving while DPR/DPA are on their way (a graceful restart) get their verdict too */
	if (diam_s13_ecr_decode(srv->cfg, msg, h, &r, &err)) {
		if (err.log[0])
			LOGP(DDIAM, LOGL_INFO, "%s: %s\n", c->name, err.log);
		diam_ctr_inc(srv, DIAM_CTR_ECA_ERROR);
		diam_peer_answer_error(c, msg, h, &err);
		return;
	}
	if (r.bad_sv) {
		LOGP(DDIAM, LOGL_INFO, "%s: ECR with invalid Software-Version (%u bytes): ignored\n", c->name,
		     r.sv.len);
		diam_ctr_inc(srv, DIAM_CTR_ECR_BAD_SV);
	}
	if (r.bad_user_name) {
		LOGP(DDIAM, LOGL_INFO, "%s: ECR with invalid User-Name: %s: ignored, no pair exception\n", c->name,
		     r.bad_user_name);
		diam_ctr_inc(srv, DIAM_CTR_ECR_BAD_USER_NAME);
	}
	diam_s13_query(&r, &q);
	q.node = c->origin_host;
	q.peer = c->name;
	q.rat = c->rat;
	eir_decide(&srv->dec, &q, &d);
	if (d.error)
		diam_ctr_inc(srv, DIAM_CTR_ECA_ERROR);
	size = diam_s13_eca_size(&r);
	buf = diam_conn_tx_reserve(c, size);
	if (buf) {
		const struct diam_ident id = diam_ident_of(srv);

		diam_peer_commit(c, diam_s13_eca_encode(buf, size, &id, h, &r, &d), size);
	}
}
