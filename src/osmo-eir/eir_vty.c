/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* VTY of osmo-eir: the 'eir' node (policy), writing back its configuration with defaults left out. The
 * 'diameter' node is src/diameter/diam_vty.c's, the 'sbi' node src/sbi's. */

#include <string.h>
#include <strings.h>
#include <time.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/vty.h>
#include <osmocom/vty/misc.h>

#include <osmocom/eir/eir.h>

#define VERDICT_ARGS "(whitelisted|greylisted|blacklisted|unknown)"
#define VERDICT_HELP "Answer WHITELISTED\n" "Answer GREYLISTED\n" "Answer BLACKLISTED\n" \
	"Answer unknown equipment (S13 Experimental-Result 5422, N5g-eir 404)\n"

static struct cmd_node eir_node = {
	EIR_NODE,
	"%s(config-eir)# ",
	1,
};

DEFUN(cfg_eir, cfg_eir_cmd, "eir", "Configure the EIR's policy\n")
{
	vty->node = EIR_NODE;
	return CMD_SUCCESS;
}

DEFUN(cfg_default_verdict, cfg_default_verdict_cmd, "default-verdict " VERDICT_ARGS,
      "What to answer for an IMEI that is on no list\n" VERDICT_HELP)
{
	g_eir->policy.default_verdict = eir_verdict_parse(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_store_unavailable, cfg_store_unavailable_cmd,
      "store-unavailable (error|whitelisted|greylisted|blacklisted)",
      "What to answer when the store cannot be read\n"
      "An error (S13: 5012 DIAMETER_UNABLE_TO_COMPLY; N5g-eir: 503)\n"
      "Answer WHITELISTED\n" "Answer GREYLISTED\n" "Answer BLACKLISTED\n")
{
	g_eir->policy.store_fail_error = !strcmp(argv[0], "error");
	if (!g_eir->policy.store_fail_error)
		g_eir->policy.store_fail_verdict = eir_verdict_parse(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_log_verdicts, cfg_log_verdicts_cmd, "log-verdicts-per-second <0-1000000>",
      "Rate limit of the log lines for BLACKLISTED and GREYLISTED answers (counters always count)\n"
      "Lines per second\n")
{
	g_eir->policy.log_verdict_per_sec = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_ctrl_port, cfg_ctrl_port_cmd, "ctrl-port <0-65535>",
      "TCP port of the CTRL interface (its address: 'ctrl' / 'bind', default 127.0.0.1)\n"
      "Port (default 4291; 0: no CTRL interface)\n")
{
	g_eir->ctrl_port = atoi(argv[0]);
	return CMD_SUCCESS;
}

DEFUN(cfg_max_sessions, cfg_max_sessions_cmd, "(vty|ctrl) max-sessions <1-1000>",
      "The VTY (telnet)\n" "The CTRL interface\n"
      "Connections open at once; one more is closed at once, counted (default 32)\n" "Connections\n")
{
	unsigned n = atoi(argv[1]);

	if (argv[0][0] == 'v')
		g_eir->vty_max_sessions = n;
	else
		g_eir->ctrl_max_sessions = n;
	return CMD_SUCCESS;
}

DEFUN(cfg_lookup_filter, cfg_lookup_filter_cmd, "lookup-filter (on|off)",
      "The lookup filters: the IMEI keys of each part in memory (12 bits a key), so that an IMEI on no list is "
      "answered without a search of the store\n"
      "On (default): built at the start and after each commit of another process (osmo-eir-sync)\n"
      "Off: taken away within a second; every lookup searches the store\n")
{
	g_eir->lookup_filter_off = argv[0][1] == 'f';
	return CMD_SUCCESS;
}

static int config_write_eir(struct vty *vty)
{
	vty_out(vty, "eir%s", VTY_NEWLINE);
	if (g_eir->policy.default_verdict != EIR_WHITELISTED)
		vty_out(vty, " default-verdict %s%s", eir_verdict_word(g_eir->policy.default_verdict), VTY_NEWLINE);
	if (!g_eir->policy.store_fail_error)
		vty_out(vty, " store-unavailable %s%s", eir_verdict_word(g_eir->policy.store_fail_verdict), VTY_NEWLINE);
	if (g_eir->policy.log_verdict_per_sec != EIR_DEFAULT_LOG_VERDICT_PER_SEC)
		vty_out(vty, " log-verdicts-per-second %u%s", g_eir->policy.log_verdict_per_sec, VTY_NEWLINE);
	if (g_eir->ctrl_port != OSMO_CTRL_PORT_EIR)
		vty_out(vty, " ctrl-port %u%s", g_eir->ctrl_port, VTY_NEWLINE);
	if (g_eir->vty_max_sessions != EIR_DEFAULT_MAX_SESSIONS)
		vty_out(vty, " vty max-sessions %u%s", g_eir->vty_max_sessions, VTY_NEWLINE);
	if (g_eir->ctrl_max_sessions != EIR_DEFAULT_MAX_SESSIONS)
		vty_out(vty, " ctrl max-sessions %u%s", g_eir->ctrl_max_sessions, VTY_NEWLINE);
	if (g_eir->lookup_filter_off)
		vty_out(vty, " lookup-filter off%s", VTY_NEWLINE);
	return CMD_SUCCESS;
}

void eir_vty_init(void)
{
	install_element(CONFIG_NODE, &cfg_eir_cmd);
	install_node(&eir_node, config_write_eir);
	install_element(EIR_NODE, &cfg_default_verdict_cmd);
	install_element(EIR_NODE, &cfg_store_unavailable_cmd);
	install_element(EIR_NODE, &cfg_log_verdicts_cmd);
	install_element(EIR_NODE, &cfg_ctrl_port_cmd);
	install_element(EIR_NODE, &cfg_max_sessions_cmd);
	install_element(EIR_NODE, &cfg_lookup_filter_cmd);
	diam_vty_init(g_eir, &g_eir->diam, &g_eir->diam_srv, DIAMETER_NODE);
}
