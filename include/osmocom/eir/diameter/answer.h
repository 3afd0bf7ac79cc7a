/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Building Diameter answers (error answers, CEA, DWA, DPA) and the base protocol requests we send (DWR, DPR) into
 * a caller's buffer, from the request and a description of the error: no connection, no socket, so every answer
 * can be checked byte for byte by a unit test. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/socket.h>

#include <osmocom/eir/diameter/msg.h>

/* one answer fits in one buffer of DIAM_ANSWER_MAX: the largest request's Session-Id and Proxy-Infos echoed (at
 * most DIAM_MAX_MSG_SIZE_LIMIT bytes in all) plus our own AVPs */
#define DIAM_MAX_MSG_SIZE_LIMIT 65536
#define DIAM_ANSWER_MAX (DIAM_MAX_MSG_SIZE_LIMIT + 4096)
/* Proxy-Info echoed in an answer at most; a request with more is answered 5009 naming the first one over */
#define DIAM_MAX_PROXY_INFO 16
/* room for the fixed AVPs of any answer we build */
#define DIAM_ANSWER_BASE 512

/*! What goes into a Failed-AVP (RFC 6733 §7.5). */
struct diam_failed {
	enum {
		DIAM_FAILED_NONE,
		DIAM_FAILED_COPY,	/*!< the whole offending AVP */
		DIAM_FAILED_EXAMPLE,	/*!< its header with a zero-filled minimum payload (bad length) */
		DIAM_FAILED_MISSING,	/*!< an example of a missing AVP */
	} kind;
	struct diam_avp avp;
	int missing;		/*!< enum diam_avp_id, for DIAM_FAILED_MISSING */
	int parent;		/*!< enum diam_avp_id of the group it sits in, or -1 */
};

/*! A request's error, as a decoder found it: what the answer says, and what the log line says. */
struct diam_error {
	uint32_t code;			/*!< Result-Code; 3xxx: E bit set, answer-message grammar */
	struct diam_failed failed;	/*!< kind DIAM_FAILED_NONE: no Failed-AVP */
	const char *errmsg;		/*!< Error-Message, NULL: none */
	char log[192];			/*!< the log line's reason ("" when the answer line says enough) */
};

/*! Who we are, in every answer. */
struct diam_ident {
	const char *origin_host;
	const char *origin_realm;
	uint32_t origin_state_id;
	uint32_t vendor_id;
};

/*! Whether an answer with this Result-Code is a protocol error (3xxx): E bit, answer-message grammar. */
static inline bool diam_result_is_protocol(uint32_t code)
{
	return code >= 3000 && code < 4000;
}

void diam_error_set(struct diam_error *err, uint32_t code, int kind, const struct diam_avp *a, int missing,
		    int parent);
size_t diam_failed_size(const struct diam_failed *f);
void diam_enc_failed(struct diam_enc *e, const struct diam_failed *f);

size_t diam_error_answer_prepare(const uint8_t *msg, const struct diam_hdr *h, struct diam_error *err);
int diam_enc_error_answer(uint8_t *buf, size_t size, const struct diam_ident *id, const uint8_t *msg,
			  const struct diam_hdr *h, const struct diam_error *err);
void diam_bad_header_request(const uint8_t *hdr, uint32_t code, struct diam_hdr *h, struct diam_error *err);

size_t diam_cea_size(const struct diam_error *err);
int diam_enc_cea(uint8_t *buf, size_t size, const struct diam_ident *id, const struct sockaddr_storage *local,
		 const struct diam_hdr *req, const struct diam_error *err);
int diam_enc_base_answer(uint8_t *buf, size_t size, const struct diam_ident *id, const struct diam_hdr *req,
			 bool with_osi);
int diam_enc_base_request(uint8_t *buf, size_t size, const struct diam_ident *id, uint32_t cmd, uint32_t hbh,
			  uint32_t e2e, bool dpr, uint32_t cause);
