/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* IMEI, TAC and IMSI parsing vectors; the .ok file is the specification. */

#include <stdio.h>
#include <string.h>

#include <osmocom/core/utils.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/types.h>

static void t_imei(const char *in)
{
	struct eir_imei im;
	const char *why = NULL;
	char k[16], k15[16];
	int rc = eir_imei_parse(in, &im, &why);

	if (rc) {
		printf("imei \"%s\": rc=%d (%s)\n", osmo_escape_str(in, -1), rc, why);
		return;
	}
	printf("imei \"%s\": key=%s tac=%08u sv=%d check=%c luhn=%c status=%s 15=%s\n", in,
	       eir_imei_str(k, sizeof(k), im.key), eir_imei_tac(im.key), im.sv, im.check_digit ? im.check_digit : '-',
	       im.luhn, eir_imei_status_name(im.status), eir_imei15_str(k15, sizeof(k15), im.key));
}

static void t_imsi(const char *in)
{
	uint8_t p[8];
	char back[20];
	const char *why = NULL;
	int rc = eir_imsi_pack(in, p, &why);

	if (rc) {
		printf("imsi \"%s\": rc=%d (%s)\n", in, rc, why);
		return;
	}
	printf("imsi \"%s\": %02x%02x%02x%02x%02x%02x%02x%02x -> \"%s\"\n", in, p[0], p[1], p[2], p[3], p[4], p[5],
	       p[6], p[7], eir_imsi_unpack(back, sizeof(back), p));
}

static void t_tac(const char *in)
{
	uint32_t tac;
	const char *why = NULL;
	int rc = eir_tac_parse(in, &tac, &why);

	if (rc)
		printf("tac \"%s\": rc=%d (%s)\n", in, rc, why);
	else
		printf("tac \"%s\": %08u\n", in, tac);
}

static void t_day(const char *in)
{
	eir_day_t d = 0;
	char buf[16];
	int rc = eir_day_parse(in, &d);

	printf("day \"%s\": rc=%d day=%u str=\"%s\"\n", in, rc, d, eir_day_str(buf, sizeof(buf), d));
}

int main(void)
{
	printf("-- valid 14 (TAC+SNR), 15 (check digit), 16 (IMEISV)\n");
	t_imei("35693803564380");
	t_imei("356938035643809");
	t_imei("3569380356438012");
	t_imei("49015420323751");
	t_imei("490154203237518");
	t_imei("00000000000000");
	t_imei("99999999999999");
	printf("-- wrong check digit: reported, not rejected\n");
	t_imei("356938035643801");
	printf("-- spare digit 0\n");
	t_imei("356938035643800");
	t_imei("490154203237510");
	printf("-- rejected\n");
	t_imei("");
	t_imei("3569380356438");
	t_imei("35693803564380123");
	t_imei("3569380356438A");
	t_imei("35693803 564380");
	t_imei("-35693803564380");
	t_imei("3569380356438\xff");

	printf("-- IMSI\n");
	t_imsi("001010123456789");
	t_imsi("262420000000001");
	t_imsi("00101");
	t_imsi("0010");
	t_imsi("0010101234567890");
	t_imsi("00101012345678x");
	t_imsi("");

	printf("-- TAC\n");
	t_tac("35693803");
	t_tac("00000001");
	t_tac("3569380");
	t_tac("356938031");
	t_tac("3569380x");

	printf("-- list and verdict names\n");
	printf("white=%d Grey=%d gray=%d BLACKLIST=%d pink=%d\n", eir_list_parse("white"), eir_list_parse("Grey"),
	       eir_list_parse("gray"), eir_list_parse("BLACKLIST"), eir_list_parse("pink"));
	printf("unknown=%s black=%s whitelisted=%s none=%d\n", eir_verdict_name(eir_verdict_parse("unknown")),
	       eir_verdict_name(eir_verdict_parse("black")), eir_verdict_name(eir_verdict_parse("whitelisted")),
	       eir_verdict_parse("none"));

	printf("-- dates\n");
	t_day("20261123");
	t_day("2026-11-23");
	t_day("19700102");
	t_day("20240229");
	t_day("20230229");
	t_day("20261301");
	t_day("2026112");
	t_day("19700101");
	t_day("");
	return 0;
}
