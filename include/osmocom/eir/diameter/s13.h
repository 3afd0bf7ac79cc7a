/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* S13 (TS 29.272 §5.2.4, §7.2.19-20) without a connection: the ME-Identity-Check-Request decoded into a request
 * or an error description, and the ECA built from the request and the decision. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include <osmocom/eir/decide.h>
#include <osmocom/eir/diameter/answer.h>
#include <osmocom/eir/diameter/msg.h>

struct diam_cfg;

/*! A decoded ECR: its AVPs (pointing into the message) and what they say. */
struct diam_ecr {
	struct diam_avp session_id, origin_host, dest_host, dest_realm, ti, imei, sv, user_name, ass, origin_realm;
	struct diam_avp proxy_info[DIAM_MAX_PROXY_INFO];
	unsigned n_proxy_info;
	size_t proxy_bytes;
	uint64_t imei_key;		/*!< the IMEI (14 digits) as a key */
	int sv_num;			/*!< the software version: Software-Version, else the IMEISV's, else -1 */
	uint8_t imsi[8];		/*!< User-Name packed, when have_imsi */
	bool have_imsi;
	const char *bad_sv;		/*!< not NULL: Software-Version was ignored (not 2 digits): why */
	const char *bad_user_name;	/*!< not NULL: User-Name was ignored (not an IMSI): why */
};

int diam_s13_ecr_decode(const struct diam_cfg *cfg, const uint8_t *msg, const struct diam_hdr *h,
			struct diam_ecr *r, struct diam_error *err);
void diam_s13_query(const struct diam_ecr *r, struct eir_query *q);
size_t diam_s13_eca_size(const struct diam_ecr *r);
int diam_s13_eca_encode(uint8_t *buf, size_t size, const struct diam_ident *id, const struct diam_hdr *h,
			const struct diam_ecr *r, const struct eir_decision *d);
bool diam_realm_served(const struct diam_cfg *cfg, const uint8_t *realm, size_t len);
