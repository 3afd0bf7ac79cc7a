/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* IMEI / IMEISV / IMSI parsing and the packed forms the store keys on. */
#pragma once

#include <stdbool.h>
#include <stdint.h>
#include <stddef.h>

#define EIR_IMEI_KEY_DIGITS 14	/* TAC (8) + SNR (6) */
#define EIR_TAC_DIGITS 8
#define EIR_IMEI_MAX 99999999999999ULL

enum eir_imei_status {
	EIR_IMEI_OK = 0,		/*!< 14 digits, or 15/16 that parsed cleanly */
	EIR_IMEI_LUHN_MISMATCH,		/*!< 15 digits, check digit wrong (reported, not rejected; edits refuse
					 *   it) */
	EIR_IMEI_SPARE_ZERO,		/*!< 15 digits, 15th digit 0 (spare digit) although Luhn wants another */
};

enum eir_imei_err {
	EIR_IMEI_E_EMPTY = -1,
	EIR_IMEI_E_NONDIGIT = -2,
	EIR_IMEI_E_TOO_SHORT = -3,
	EIR_IMEI_E_TOO_LONG = -4,
};

/*! A parsed IMEI: the 14-digit key plus what else came with it. */
struct eir_imei {
	uint64_t key;		/*!< TAC+SNR as a number, 0 .. 10^14-1 */
	int sv;			/*!< software version 0..99 from an IMEISV, or -1 */
	char check_digit;	/*!< the 15th digit as given, or 0 */
	char luhn;		/*!< the correct check digit for the key */
	enum eir_imei_status status;
};

int eir_imei_parse(const char *s, struct eir_imei *out, const char **why);
int eir_imei_parse_n(const char *s, size_t len, struct eir_imei *out, const char **why);
uint32_t eir_imei_tac(uint64_t key);
char *eir_imei_str(char *buf, size_t len, uint64_t key);
char *eir_imei15_str(char *buf, size_t len, uint64_t key);
const char *eir_imei_status_name(enum eir_imei_status st);

/*! IMSI packed into 8 bytes (BCD, 0xF filler): leading zeros are significant. */
int eir_imsi_pack(const char *imsi, uint8_t out[8], const char **why);
int eir_imsi_pack_n(const char *imsi, size_t len, uint8_t out[8], const char **why);
char *eir_imsi_unpack(char *buf, size_t len, const uint8_t in[8]);
/* An MSISDN as DIRBS has it (1 to 15 digits), packed like an IMSI (eir_imsi_unpack() reads it back). */
int eir_msisdn_pack(const char *msisdn, uint8_t out[8], const char **why);

int eir_tac_parse(const char *s, uint32_t *tac, const char **why);
