/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The N5g-eir service on the HTTP/2 server: each request parsed (n5g_codec.c), decided (eir_decide()), encoded and
 * counted; and sbi_server_alloc(), which makes the server with this handler and the decision step. */

#include <string.h>

#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/logging.h>
#include <osmocom/eir/sbi/n5g.h>
#include "sbi_internal.h"

/* the counter of each problem; UNKNOWN is a verdict, counted as one (by the decision step or the PEI policy) */
static const int problem_ctr[_N5G_PB_COUNT] = {
	[N5G_PB_400] = SBI_CTR_RSP_400,
	[N5G_PB_404_PATH] = SBI_CTR_RSP_404_PATH,
	[N5G_PB_405] = SBI_CTR_RSP_405,
	[N5G_PB_414] = SBI_CTR_RSP_414,
	[N5G_PB_431] = SBI_CTR_RSP_431,
	[N5G_PB_UNKNOWN] = -1,
	[N5G_PB_503] = SBI_CTR_RSP_503,
};

static void answer_set(struct sbi_answer *ans, const struct n5g_answer *a)
{
	ans->status = a->status;
	ans->content_type = a->content_type;
	ans->allow = a->allow;
	ans->len = a->len;
}

static void answer_problem(struct sbi_server *srv, const struct sbi_request *rq, const struct n5g_problem *pb,
			   struct sbi_answer *ans)
{
	struct n5g_answer a;

	if (problem_ctr[pb->kind] >= 0)
		sbi_ctr_inc(srv, problem_ctr[pb->kind]);
	if (pb->kind == N5G_PB_400)
		LOGP(DSBI, LOGL_INFO, "%s: 400 %s (%s)\n", rq->peer, pb->cause, pb->ip[0].param);
	n5g_encode_problem(pb, ans->body, ans->cap, &a);
	if (a.shortened)
		LOGP(DSBI, LOGL_ERROR, "%s: a %u ProblemDetails did not fit in %zu bytes: sent without detail\n",
		     rq->peer, pb->status, ans->cap);
	answer_set(ans, &a);
}

static void answer_verdict(enum eir_verdict v, struct sbi_answer *ans)
{
	struct n5g_answer a;

	n5g_encode_verdict(v, ans->body, ans->cap, &a);
	answer_set(ans, &a);
}

/* the server's request handler: parse, decide, encode */
static void n5g_eir_request(struct sbi_server *srv, const struct sbi_request *rq, struct sbi_answer *ans)
{
	struct n5g_http h = { .path = rq->path, .get = rq->get, .uri_too_long = rq->err == 414,
			      .hdr_too_large = rq->err == 431 };
	struct n5g_req req;
	struct n5g_problem pb;
	struct eir_query qy;
	struct eir_decision d;

	switch (n5g_parse(srv->cfg, &h, &req, &pb)) {
	case N5G_PROBLEM:
		answer_problem(srv, rq, &pb, ans);
		return;
	case N5G_PEI_OTHER:
		eir_decide_count(&srv->dec, srv->cfg->pei_other_verdict);
		answer_verdict(srv->cfg->pei_other_verdict, ans);
		return;
	case N5G_REQUEST:
		break;
	}
	qy = (struct eir_query){ .iface = EIR_IFACE_N5G_EIR, .imei = req.imei, .sv = req.sv,
				 .imsi = req.have_imsi ? req.imsi : NULL, .imsi_str = req.imsi_str, .imsi_len = -1,
				 .peer = rq->peer, .rat = srv->cfg->rat };
	/* a GPSI of the msisdn- form is the subscriber's number (validated by n5g_parse()): for the history */
	if (req.have_gpsi && !strncmp(req.gpsi, "msisdn-", 7))
		qy.msisdn = req.gpsi + 7;
	eir_decide(&srv->dec, &qy, &d);
	if (d.error) {
		n5g_problem_set(&pb, N5G_PB_503);
		answer_problem(srv, rq, &pb, ans);
		return;
	}
	answer_verdict(d.verdict, ans);
}

struct sbi_server *sbi_server_alloc(void *ctx, struct sbi_cfg *cfg, struct eir_db *db,
				   const struct eir_policy *policy)
{
	struct sbi_server *srv = sbi_http_alloc(ctx, cfg, n5g_eir_request);

	srv->db = db;
	srv->policy = policy;
	srv->dec = (struct eir_decider){
		.db = db, .policy = policy, .log_ss = DSBI, .ctrs = srv->ctrs,
		.ctr = {
			[EIR_DCTR_WHITE] = SBI_CTR_RSP_WHITE,
			[EIR_DCTR_GREY] = SBI_CTR_RSP_GREY,
			[EIR_DCTR_BLACK] = SBI_CTR_RSP_BLACK,
			[EIR_DCTR_UNKNOWN] = SBI_CTR_RSP_UNKNOWN,
			[EIR_DCTR_STORE_FAIL] = SBI_CTR_STORE_FAIL,
			[EIR_DCTR_LOG_SUPPRESSED] = SBI_CTR_LOG_SUPPRESSED,
		},
	};
	return srv;
}
