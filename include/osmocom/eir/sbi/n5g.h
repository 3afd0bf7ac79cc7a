/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* N5g-eir_EquipmentIdentityCheck without a connection (src/sbi/n5g_codec.c): the :method and :path of a request in,
 * a request (the IMEI key to check), the PEI policy's verdict or a problem description out; and the answer (a
 * verdict or a problem) encoded as status and JSON body. No nghttp2, no stream, no counter: unit tests and fuzz
 * targets call these as they are. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/sbi/server.h>

#define N5G_API_PATH "/n5g-eir-eic/v1/equipment-status"
#define N5G_CT_JSON "application/json"
#define N5G_CT_PROBLEM "application/problem+json"
#define N5G_PARAM_MAX 256	/* a decoded query value longer than this is malformed anyway */
#define N5G_NAME_MAX 64		/* an unknown parameter's name is kept (and answered) up to this many bytes */
#define N5G_MAX_INVALID 5	/* pei, supi, gpsi, supported-features and one unknown parameter */
/* The body buffer of every answer (the server's, per stream). The longest answer is a 400 listing every parameter
 * (pei, supi, gpsi, supported-features and one unknown one, whose name of up to 64 bytes comes back escaped, up to
 * 6 bytes each): about 870 bytes. n5g_encode_problem() still writes valid JSON should a body not fit. */
#define N5G_BODY_MAX 1024

/*! The problems, each with its status, title, detail and cause (n5g_codec.c) and its counter (n5g_eir.c). */
enum n5g_problem_kind {
	N5G_PB_400,		/*!< a query parameter missing or wrong: cause and invalidParams say which */
	N5G_PB_404_PATH,	/*!< RESOURCE_URI_STRUCTURE_NOT_FOUND: not the equipment-status resource */
	N5G_PB_405,		/*!< not GET; Allow: GET */
	N5G_PB_414,		/*!< :path over max-uri-length */
	N5G_PB_431,		/*!< header block over max-header-size */
	N5G_PB_UNKNOWN,		/*!< 404 ERROR_EQUIPMENT_UNKNOWN: the verdict UNKNOWN on the wire */
	N5G_PB_503,		/*!< the store cannot be read and store-unavailable says error */
	_N5G_PB_COUNT
};

struct n5g_invalid_param {
	const char *param;	/*!< "pei", "supi", ... or the unknown name (n5g_problem.unknown) */
	const char *reason;
};

/*! A ProblemDetails (TS 29.571) to answer. */
struct n5g_problem {
	enum n5g_problem_kind kind;
	unsigned status;
	const char *title;
	const char *detail;	/*!< NULL: none */
	const char *cause;	/*!< NULL: none */
	const char *allow;	/*!< the Allow header (405), NULL: none */
	struct n5g_invalid_param ip[N5G_MAX_INVALID];
	unsigned n_ip;
	char unknown[N5G_NAME_MAX + 1];	/*!< the first unsupported parameter's name, decoded */
};

/*! The pseudo-headers of a request, as the HTTP/2 layer read them. */
struct n5g_http {
	const char *path;	/*!< :path with its query string, NULL: missing (or not kept: too long) */
	bool get;		/*!< :method is GET */
	bool uri_too_long;	/*!< :path was over max-uri-length */
	bool hdr_too_large;	/*!< the header block was over max-header-size */
};

/*! A request to decide on: a PEI that carries an IMEI, and the optional parameters, decoded. */
struct n5g_req {
	uint64_t imei;		/*!< the IMEI key (14 digits) */
	int sv;			/*!< software version 0..99 (imeisv-), -1: none */
	bool have_imsi;		/*!< supi is imsi-<5 to 15 digits> */
	uint8_t imsi[8];	/*!< packed, when have_imsi */
	const char *imsi_str;	/*!< its digits (in supi) when have_imsi, else NULL */
	bool have_supi, have_gpsi, have_sf;
	char pei[N5G_PARAM_MAX + 1], supi[N5G_PARAM_MAX + 1], gpsi[N5G_PARAM_MAX + 1];
	char sf[N5G_PARAM_MAX + 1];	/*!< supported-features, hexadecimal */
};

enum n5g_parsed {
	N5G_REQUEST,		/*!< req holds an IMEI to decide on */
	N5G_PEI_OTHER,		/*!< a PEI that is no IMEI (mac-, eui-, ...): answer cfg->pei_other_verdict */
	N5G_PROBLEM,		/*!< answer pb */
};

/*! Parse one request (TS 29.511 §6.1.3.2.3.1, TS 29.500 §5.2.7.2). Uses cfg's pei_other and max_uri_len. */
enum n5g_parsed n5g_parse(const struct sbi_cfg *cfg, const struct n5g_http *h, struct n5g_req *req,
			  struct n5g_problem *pb);
/*! Fill pb with kind's status, title, detail, cause and Allow, no parameters (a 400's come from n5g_parse()). */
void n5g_problem_set(struct n5g_problem *pb, enum n5g_problem_kind kind);

/*! An answer's status line and headers; its body is in the caller's buffer. */
struct n5g_answer {
	unsigned status;
	const char *content_type;
	const char *allow;	/*!< NULL: no Allow header */
	size_t len;		/*!< body bytes */
	bool shortened;		/*!< the ProblemDetails did not fit: sent without detail and invalidParams */
};

/*! Encode a ProblemDetails into buf (cap >= N5G_BODY_MIN): valid JSON, whatever the problem holds. */
void n5g_encode_problem(const struct n5g_problem *pb, char *buf, size_t cap, struct n5g_answer *a);
/*! Encode a verdict: 200 EirResponseData, or for UNKNOWN 404 ERROR_EQUIPMENT_UNKNOWN. */
void n5g_encode_verdict(enum eir_verdict v, char *buf, size_t cap, struct n5g_answer *a);
#define N5G_BODY_MIN 128	/* the shortened ProblemDetails and every verdict fit in this */
