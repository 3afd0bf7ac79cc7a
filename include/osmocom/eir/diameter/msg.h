/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Diameter (RFC 6733) message codec, driven by a dictionary table of AVP codes, vendors, types and flags. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define DIAM_HDR_LEN 20
#define DIAM_VERSION 1

#define DIAM_CMD_R 0x80
#define DIAM_CMD_P 0x40
#define DIAM_CMD_E 0x20
#define DIAM_CMD_T 0x10

#define DIAM_AVP_V 0x80
#define DIAM_AVP_M 0x40
#define DIAM_AVP_P 0x20

#define DIAM_VENDOR_3GPP 10415
#define DIAM_APP_COMMON 0
#define DIAM_APP_RELAY 0xffffffff
#define DIAM_APP_S13 16777252

enum diam_cmd {
	DIAM_CMD_CE = 257,
	DIAM_CMD_DW = 280,
	DIAM_CMD_DP = 282,
	DIAM_CMD_ME_IDENTITY_CHECK = 324,
};

enum diam_result {
	DIAM_SUCCESS = 2001,
	DIAM_COMMAND_UNSUPPORTED = 3001,
	DIAM_UNABLE_TO_DELIVER = 3002,
	DIAM_REALM_NOT_SERVED = 3003,
	DIAM_APPLICATION_UNSUPPORTED = 3007,
	DIAM_INVALID_HDR_BITS = 3008,
	DIAM_INVALID_AVP_BITS = 3009,
	DIAM_UNKNOWN_PEER = 3010,
	DIAM_AVP_UNSUPPORTED = 5001,
	DIAM_INVALID_AVP_VALUE = 5004,
	DIAM_MISSING_AVP = 5005,
	DIAM_AVP_NOT_ALLOWED = 5008,
	DIAM_AVP_OCCURS_TOO_MANY_TIMES = 5009,
	DIAM_NO_COMMON_APPLICATION = 5010,
	DIAM_UNSUPPORTED_VERSION = 5011,
	DIAM_UNABLE_TO_COMPLY = 5012,
	DIAM_INVALID_AVP_LENGTH = 5014,
	DIAM_INVALID_MESSAGE_LENGTH = 5015,
	DIAM_ERROR_EQUIPMENT_UNKNOWN = 5422,	/* 3GPP, in Experimental-Result */
};

enum diam_type {
	DIAM_T_OCTETS,
	DIAM_T_UTF8,
	DIAM_T_IDENT,		/* DiameterIdentity */
	DIAM_T_U32,
	DIAM_T_I32,
	DIAM_T_ENUM,
	DIAM_T_U64,
	DIAM_T_ADDRESS,
	DIAM_T_GROUPED,
};

/*! The AVPs osmo-eir understands: index into diam_dict[]. */
enum diam_avp_id {
	DA_USER_NAME,
	DA_PROXY_STATE,
	DA_HOST_IP_ADDRESS,
	DA_AUTH_APP_ID,
	DA_ACCT_APP_ID,
	DA_VSAI,
	DA_SESSION_ID,
	DA_ORIGIN_HOST,
	DA_SUPPORTED_VENDOR_ID,
	DA_VENDOR_ID,
	DA_FIRMWARE_REVISION,
	DA_RESULT_CODE,
	DA_PRODUCT_NAME,
	DA_DISCONNECT_CAUSE,
	DA_AUTH_SESSION_STATE,
	DA_ORIGIN_STATE_ID,
	DA_FAILED_AVP,
	DA_PROXY_HOST,
	DA_ERROR_MESSAGE,
	DA_ROUTE_RECORD,
	DA_DESTINATION_REALM,
	DA_PROXY_INFO,
	DA_DESTINATION_HOST,
	DA_ERROR_REPORTING_HOST,
	DA_ORIGIN_REALM,
	DA_EXPERIMENTAL_RESULT,
	DA_EXPERIMENTAL_RESULT_CODE,
	DA_INBAND_SECURITY_ID,
	DA_DRMP,
	DA_TERMINAL_INFORMATION,
	DA_IMEI,
	DA_SOFTWARE_VERSION,
	DA_3GPP2_MEID,
	DA_EQUIPMENT_STATUS,
	DA_SUPPORTED_FEATURES,
	DA_FEATURE_LIST_ID,
	DA_FEATURE_LIST,
	_DA_COUNT
};

struct diam_avp_def {
	uint32_t code;
	uint32_t vendor;	/*!< 0: no Vendor-Id */
	enum diam_type type;
	uint8_t flags;		/*!< flags to send: M when the AVP MUST have it, V with a vendor */
	const char *name;
};

extern const struct diam_avp_def diam_dict[_DA_COUNT];
int diam_dict_lookup(uint32_t code, uint32_t vendor);

struct diam_hdr {
	uint8_t version;
	uint8_t flags;
	uint32_t len;
	uint32_t cmd;
	uint32_t app;
	uint32_t hbh;
	uint32_t e2e;
};

/*! One AVP inside a received message; points into the message buffer. */
struct diam_avp {
	int id;			/*!< enum diam_avp_id, or -1 when not in the dictionary */
	uint32_t code;
	uint32_t vendor;
	uint8_t flags;
	const uint8_t *data;	/*!< payload */
	uint32_t len;		/*!< payload length */
	const uint8_t *raw;	/*!< the whole AVP, header included, without padding */
	uint32_t raw_len;
};

void diam_hdr_parse(const uint8_t *buf, struct diam_hdr *h);

struct diam_avp_iter {
	const uint8_t *p;
	const uint8_t *end;
};
void diam_avp_iter_init(struct diam_avp_iter *it, const uint8_t *data, size_t len);
int diam_avp_next(struct diam_avp_iter *it, struct diam_avp *a);
bool diam_avp_len_ok(const struct diam_avp *a);
uint32_t diam_avp_u32(const struct diam_avp *a);
int diam_avp_find(const uint8_t *data, size_t len, enum diam_avp_id id, struct diam_avp *out);

/*! Building a message in a caller-provided buffer. Overflow is remembered and reported by diam_enc_finish(). */
#define DIAM_ENC_MAX_DEPTH 4
struct diam_enc {
	uint8_t *buf;
	size_t size;
	size_t len;
	bool overflow;
	unsigned depth;
	size_t group[DIAM_ENC_MAX_DEPTH];
};

void diam_enc_init(struct diam_enc *e, uint8_t *buf, size_t size);
void diam_enc_hdr(struct diam_enc *e, uint8_t flags, uint32_t cmd, uint32_t app, uint32_t hbh, uint32_t e2e);
void diam_enc_u32(struct diam_enc *e, enum diam_avp_id id, uint32_t v);
void diam_enc_u64(struct diam_enc *e, enum diam_avp_id id, uint64_t v);
void diam_enc_str(struct diam_enc *e, enum diam_avp_id id, const void *s, size_t len);
void diam_enc_cstr(struct diam_enc *e, enum diam_avp_id id, const char *s);
void diam_enc_addr(struct diam_enc *e, enum diam_avp_id id, int family, const void *addr);
void diam_enc_raw(struct diam_enc *e, const uint8_t *raw, size_t len);
void diam_enc_avp_hdr(struct diam_enc *e, uint32_t code, uint8_t flags, uint32_t vendor, const void *data,
		      size_t len);
void diam_enc_group_begin(struct diam_enc *e, enum diam_avp_id id);
void diam_enc_group_end(struct diam_enc *e);
int diam_enc_finish(struct diam_enc *e);
