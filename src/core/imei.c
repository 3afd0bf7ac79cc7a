/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* IMEI, IMEISV, TAC and IMSI parsing, and the packed forms the store keys on. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/imei.h>

static __thread char why_buf[96];

static int digits_only(const char *s, size_t len, const char **why)
{
	size_t i;

	for (i = 0; i < len; i++) {
		if (s[i] < '0' || s[i] > '9') {
			if (why) {
				if (s[i] >= 0x21 && s[i] < 0x7f)
					snprintf(why_buf, sizeof(why_buf), "'%c' at position %zu is not a digit", s[i],
						 i + 1);
				else
					snprintf(why_buf, sizeof(why_buf), "byte 0x%02x at position %zu is not a digit",
						 (unsigned char)s[i], i + 1);
				*why = why_buf;
			}
			return -EINVAL;
		}
	}
	return 0;
}

static uint64_t digits_value(const char *s, size_t len)
{
	uint64_t v = 0;
	size_t i;

	for (i = 0; i < len; i++)
		v = v * 10 + (uint64_t)(s[i] - '0');
	return v;
}

/*! Parse an IMEI of 14 digits (TAC+SNR), 15 (with check or spare digit) or 16 (IMEISV).
 *  A wrong check digit is reported in out->status, not rejected: MEs and feeds get it wrong, and the
 *  14 digits are the identity. (An operator's edit is another matter: eir_edit_key() refuses it as a typo.)
 *  \param[in] s the digits (need not be NUL-terminated)
 *  \param[in] len their count
 *  \param[out] out the parsed IMEI
 *  \param[out] why on error, a precise reason (static storage, valid until the next call in this thread)
 *  \returns 0, or a negative enum eir_imei_err */
int eir_imei_parse_n(const char *s, size_t len, struct eir_imei *out, const char **why)
{
	if (!s || !len) {
		if (why)
			*why = "empty IMEI";
		return EIR_IMEI_E_EMPTY;
	}
	if (digits_only(s, len, why))
		return EIR_IMEI_E_NONDIGIT;
	if (len < 14 || len > 16) {
		if (why) {
			snprintf(why_buf, sizeof(why_buf),
				 "%zu digits: an IMEI has 14, 15 (with check digit) or 16 (IMEISV)", len);
			*why = why_buf;
		}
		return len < 14 ? EIR_IMEI_E_TOO_SHORT : EIR_IMEI_E_TOO_LONG;
	}

	memset(out, 0, sizeof(*out));
	out->key = digits_value(s, 14);
	out->sv = -1;
	out->luhn = osmo_luhn(s, 14);
	out->status = EIR_IMEI_OK;
	if (len == 15) {
		out->check_digit = s[14];
		if (s[14] != out->luhn)
			out->status = s[14] == '0' ? EIR_IMEI_SPARE_ZERO : EIR_IMEI_LUHN_MISMATCH;
	} else if (len == 16) {
		out->sv = (int)digits_value(s + 14, 2);
	}
	return 0;
}

/*! Parse a NUL-terminated IMEI; see eir_imei_parse_n(). */
int eir_imei_parse(const char *s, struct eir_imei *out, const char **why)
{
	return eir_imei_parse_n(s, s ? strlen(s) : 0, out, why);
}

uint32_t eir_imei_tac(uint64_t key)
{
	return (uint32_t)(key / 1000000);
}

/*! The 14-digit form of a key. */
char *eir_imei_str(char *buf, size_t len, uint64_t key)
{
	snprintf(buf, len, "%014llu", (unsigned long long)key);
	return buf;
}

/*! The 15-digit form of a key, with its Luhn check digit. */
char *eir_imei15_str(char *buf, size_t len, uint64_t key)
{
	char d[16];

	snprintf(d, sizeof(d), "%014llu", (unsigned long long)key);
	snprintf(buf, len, "%s%c", d, osmo_luhn(d, 14));
	return buf;
}

const char *eir_imei_status_name(enum eir_imei_status st)
{
	switch (st) {
	case EIR_IMEI_OK:
		return "ok";
	case EIR_IMEI_LUHN_MISMATCH:
		return "check digit wrong";
	case EIR_IMEI_SPARE_ZERO:
		return "spare digit 0";
	}
	return "?";
}

/*! Parse a TAC: exactly 8 digits. \returns 0 or -EINVAL with *why set. */
int eir_tac_parse(const char *s, uint32_t *tac, const char **why)
{
	size_t len = s ? strlen(s) : 0;

	if (!len) {
		if (why)
			*why = "empty TAC";
		return -EINVAL;
	}
	if (digits_only(s, len, why))
		return -EINVAL;
	if (len != EIR_TAC_DIGITS) {
		if (why) {
			snprintf(why_buf, sizeof(why_buf), "%zu digits: a TAC has 8", len);
			*why = why_buf;
		}
		return -EINVAL;
	}
	*tac = (uint32_t)digits_value(s, len);
	return 0;
}

/* up to 15 digits into 8 bytes, two per byte, first digit in the high nibble, the unused nibbles 0xf */
static void pack_digits(const char *s, size_t len, uint8_t out[8])
{
	size_t i;

	memset(out, 0xff, 8);
	for (i = 0; i < len; i++) {
		uint8_t d = (uint8_t)(s[i] - '0');

		if (i & 1)
			out[i / 2] = (out[i / 2] & 0xf0) | d;
		else
			out[i / 2] = (uint8_t)((d << 4) | 0x0f);
	}
}

/*! Pack an IMSI of 5..15 digits into 8 BCD bytes, first digit in the high nibble, 0xF filler.
 *  \returns 0 or -EINVAL with *why set. */
int eir_imsi_pack_n(const char *imsi, size_t len, uint8_t out[8], const char **why)
{
	if (!imsi || !len) {
		if (why)
			*why = "empty IMSI";
		return -EINVAL;
	}
	if (digits_only(imsi, len, why))
		return -EINVAL;
	if (len < 5 || len > 15) {
		if (why) {
			snprintf(why_buf, sizeof(why_buf), "%zu digits: an IMSI has 5 to 15", len);
			*why = why_buf;
		}
		return -EINVAL;
	}
	pack_digits(imsi, len, out);
	return 0;
}

int eir_imsi_pack(const char *imsi, uint8_t out[8], const char **why)
{
	return eir_imsi_pack_n(imsi, imsi ? strlen(imsi) : 0, out, why);
}

/*! Pack an MSISDN of 1 to 15 digits (DIRBS's own pattern, ^[0-9]{1,15}$): part of the key of a national row.
 *  \returns 0 or -EINVAL with *why set */
int eir_msisdn_pack(const char *msisdn, uint8_t out[8], const char **why)
{
	size_t len = msisdn ? strlen(msisdn) : 0;

	if (!len) {
		if (why)
			*why = "empty MSISDN";
		return -EINVAL;
	}
	if (digits_only(msisdn, len, why))
		return -EINVAL;
	if (len > 15) {
		if (why) {
			snprintf(why_buf, sizeof(why_buf), "%zu digits: an MSISDN has 1 to 15", len);
			*why = why_buf;
		}
		return -EINVAL;
	}
	pack_digits(msisdn, len, out);
	return 0;
}

/*! Unpack what eir_imsi_pack() packed; an all-0xff field gives "". */
char *eir_imsi_unpack(char *buf, size_t len, const uint8_t in[8])
{
	size_t i, n = 0;

	for (i = 0; i < 16 && n + 1 < len; i++) {
		uint8_t d = (i & 1) ? (in[i / 2] & 0x0f) : (in[i / 2] >> 4);

		if (d > 9)
			break;
		buf[n++] = (char)('0' + d);
	}
	if (len)
		buf[n] = '\0';
	return buf;
}
