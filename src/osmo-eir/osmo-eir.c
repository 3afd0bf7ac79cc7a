/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir: wires the store, the verdict engine, the S13 server and the VTY together and runs the select loop. */

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>

#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/msgb.h>
#include <osmocom/core/rate_ctr.h>
#include <osmocom/core/select.h>
#include <osmocom/core/stats.h>
#include <osmocom/core/timer.h>
#include <osmocom/ctrl/control_vty.h>
#include <osmocom/vty/command.h>
#include <osmocom/vty/logging.h>
#include <osmocom/vty/misc.h>
#include <osmocom/vty/stats.h>
#include <osmocom/vty/telnet_interface.h>
#include <osmocom/vty/vty.h>

#include <osmocom/eir/eir.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/sock.h>
#include "history.h"
#include "lists.h"


static const char *config_file = "osmo-eir.cfg";
static int daemonize;
static volatile sig_atomic_t quit_signal;
static volatile sig_atomic_t report_signal;

static struct vty_app_info vty_info = {
	.name = "OsmoEIR",
	.version = PACKAGE_VERSION,
	.copyright = "Copyright (C) 2026 the osmo-eir authors\r\n"
		     "License AGPLv3+: GNU AGPL version 3 or later <http://gnu.org/licenses/agpl-3.0.html>\r\n"
		     "This is free software: you are free to change and redistribute it.\r\n"
		     "There is NO WARRANTY, to the extent permitted by law.\r\n",
};

static void print_help(void)
{
	printf("Usage: osmo-eir [-c CONFIG] [-l DBDIR] [-m MAP_MIB] [-D] [-V]\n"
	       "  -h --help                  this text\n"
	       "  -c --config-file FILE      configuration file (default osmo-eir.cfg)\n"
	       "  -l --database DIR          the store (default /var/lib/osmocom/osmo-eir)\n"
	       "  -m --map-size MIB          initial map size of each part of the store (default 1024; it grows\n"
	       "                             when full)\n"
	       "  -D --daemonize             fork into the background\n"
	       "  -V --version               print the version\n"
	       "     --vty-ref-xml           write the VTY reference as XML to stdout and exit\n"
	       "     --vty-ref-mode MODE     default, expert or hidden (with --vty-ref-xml)\n");
}

static void handle_options(int argc, char **argv)
{
	static int long_opt;
	enum vty_ref_gen_mode mode = VTY_REF_GEN_MODE_DEFAULT;
	bool ref_xml = false;
	int mib;

	while (1) {
		int idx = 0, c;
		static const struct option opts[] = {
			{ "help", 0, 0, 'h' },
			{ "config-file", 1, 0, 'c' },
			{ "database", 1, 0, 'l' },
			{ "map-size", 1, 0, 'm' },
			{ "daemonize", 0, 0, 'D' },
			{ "version", 0, 0, 'V' },
			{ "vty-ref-xml", 0, &long_opt, 1 },
			{ "vty-ref-mode", 1, &long_opt, 2 },
			{ 0, 0, 0, 0 }
		};

		c = getopt_long(argc, argv, "hc:l:m:DV", opts, &idx);
		if (c == -1)
			break;
		switch (c) {
		case 0:
			if (long_opt == 1)
				ref_xml = true;
			else if (!strcmp(optarg, "expert"))
				mode = VTY_REF_GEN_MODE_EXPERT;
			else if (!strcmp(optarg, "hidden"))
				mode = VTY_REF_GEN_MODE_HIDDEN;
			break;
		case 'h':
			print_help();
			exit(0);
		case 'c':
			config_file = optarg;
			break;
		case 'l':
			g_eir->db_dir = talloc_strdup(g_eir, optarg);
			break;
		case 'm':
			if (osmo_str_to_int(&mib, optarg, 10, 1, 1024 * 1024)) {
				fprintf(stderr, "osmo-eir: invalid map size '%s': 1 to 1048576 MiB\n", optarg);
				exit(2);
			}
			g_eir->map_size_mib = mib;
			break;
		case 'D':
			daemonize = 1;
			break;
		case 'V':
			print_version(1);
			exit(0);
		default:
			print_help();
			exit(2);
		}
	}
	if (argc > optind) {
		fprintf(stderr, "osmo-eir: unexpected argument '%s'\n", argv[optind]);
		exit(2);
	}
	if (ref_xml) {
		vty_dump_xml_ref_mode(stdout, mode);
		exit(0);
	}
}

static void signal_handler(int sig)
{
	switch (sig) {
	case SIGINT:
	case SIGTERM:
		quit_signal = sig;
		break;
	case SIGUSR1:
		report_signal = 1;
		break;
	}
}

static struct osmo_timer_list reader_check_timer;
static void reader_check_cb(void *data)
{
	eir_db_reader_check(g_eir->db);
	osmo_timer_schedule(&reader_check_timer, 60, 0);
}

/* descriptors beyond the connections and the VTY and CTRL sessions: the store, the history, the listeners, logs */
#define EIR_FD_SPARE 64

static void listen_paused(void)
{
	eir_lists_ctr_inc(EIR_LISTS_CTR_LISTEN_PAUSED);
}

/* The connections the configuration allows must fit the limit of open files: a shell's soft limit is 1024, the
 * packaged unit's 65536. The soft limit is raised as far as needed (up to the hard limit); what still does not fit
 * is said once, at start: the connections beyond it wait until a descriptor is free (eir_listen_guard_all()). */
static void fd_limit_check(void)
{
	unsigned long need = g_eir->diam.max_conns + (g_eir->sbi.enabled ? g_eir->sbi.max_conns : 0) +
			     g_eir->vty_max_sessions + (g_eir->ctrl_port ? g_eir->ctrl_max_sessions : 0) + EIR_FD_SPARE;
	struct rlimit lim;

	if (getrlimit(RLIMIT_NOFILE, &lim) || lim.rlim_cur == RLIM_INFINITY || lim.rlim_cur >= need)
		return;
	if (lim.rlim_max == RLIM_INFINITY || lim.rlim_max >= need) {
		lim.rlim_cur = need;
		if (!setrlimit(RLIMIT_NOFILE, &lim)) {
			LOGP(DMAIN, LOGL_INFO, "open files limit raised: %lu (max-connections, max-sessions)\n", need);
			return;
		}
	} else if (lim.rlim_max > lim.rlim_cur) {
		lim.rlim_cur = lim.rlim_max;
		setrlimit(RLIMIT_NOFILE, &lim);
	}
	getrlimit(RLIMIT_NOFILE, &lim);
	LOGP(DMAIN, LOGL_NOTICE, "the limit of open files (%llu) is below what max-connections and max-sessions allow "
	     "(%lu with %d to spare): connections beyond it wait until one closes; raise LimitNOFILE or ulimit -n\n",
	     (unsigned long long)lim.rlim_cur, need, EIR_FD_SPARE);
}

int main(int argc, char **argv)
{
	void *ctx = talloc_named_const(NULL, 0, "osmo-eir");
	/* never create a store: a mistyped -l would otherwise serve an empty one and whitelist every phone */
	struct eir_db_opts dbo = { .create = false };
	struct timespec deadline, now;
	int rc;

	msgb_talloc_ctx_init(ctx, 0);
	g_eir = talloc_zero(ctx, struct eir_global);
	g_eir->ctx = g_eir;
	g_eir->db_dir = talloc_strdup(g_eir, "/var/lib/osmocom/osmo-eir");
	g_eir->policy = (struct eir_policy)EIR_POLICY_DEFAULT;
	g_eir->ctrl_port = OSMO_CTRL_PORT_EIR;
	g_eir->vty_max_sessions = EIR_DEFAULT_MAX_SESSIONS;
	g_eir->ctrl_max_sessions = EIR_DEFAULT_MAX_SESSIONS;
	diam_cfg_init(g_eir, &g_eir->diam);
	sbi_cfg_init(g_eir, &g_eir->sbi);

	osmo_init_logging2(ctx, &eir_log_info);
	vty_info.tall_ctx = ctx;
	vty_init(&vty_info);
	logging_vty_add_cmds();
	osmo_stats_vty_add_cmds();
	osmo_talloc_vty_add_cmds();
	ctrl_vty_init(ctx);
	eir_vty_init();
	eir_equipment_vty_init();
	sbi_vty_init(g_eir, &g_eir->sbi, &g_eir->sbi_srv, SBI_NODE);
	eir_history_vty_init();

	handle_options(argc, argv);

	rate_ctr_init(ctx);
	osmo_stats_init(ctx);

	rc = vty_read_config_file(config_file, NULL);
	if (rc < 0) {
		LOGP(DMAIN, LOGL_FATAL, "cannot read the configuration file '%s'\n", config_file);
		return 1;
	}
	rc = telnet_init_default(ctx, NULL, OSMO_VTY_PORT_EIR);
	if (rc < 0) {
		LOGP(DMAIN, LOGL_FATAL, "cannot open the VTY on %s:%d\n", vty_get_bind_addr(), OSMO_VTY_PORT_EIR);
		return 1;
	}
	if (eir_vty_guard_init())
		LOGP(DMAIN, LOGL_ERROR, "VTY listener not found: its sessions are not counted nor capped\n");

	if (g_eir->map_size_mib)
		dbo.map_size = g_eir->map_size_mib << 20;
	rc = eir_db_open(g_eir, &g_eir->db, g_eir->db_dir, &dbo);
	if (rc) {
		LOGP(DMAIN, LOGL_FATAL, "cannot open the store %s: %s\n", g_eir->db_dir, eir_db_errstr(g_eir->db));
		return 1;
	}
	rc = eir_db_writer_lock(g_eir->db, EIR_DB_LOCAL, "osmo-eir");
	if (rc) {
		LOGP(DMAIN, LOGL_FATAL, "%s: is another osmo-eir, or osmo-eir-db, running on %s?\n",
		     eir_db_errstr(g_eir->db), g_eir->db_dir);
		return 1;
	}
	if (eir_lists_init(g_eir)) {
		LOGP(DMAIN, LOGL_FATAL, "out of memory\n");
		return 1;
	}
	osmo_timer_setup(&reader_check_timer, reader_check_cb, NULL);
	osmo_timer_schedule(&reader_check_timer, 60, 0);
	if (eir_history_start(g_eir, g_eir->db_dir))
		return 1;

	g_eir->diam_srv = diam_server_alloc(g_eir, &g_eir->diam, g_eir->db, &g_eir->policy);
	eir_history_attach(&g_eir->diam_srv->dec);
	rc = diam_server_start(g_eir->diam_srv);
	if (rc)
		return 1;
	rc = eir_ctrl_start(g_eir);
	if (rc)
		return 1;
	if (eir_lend_start(g_eir))
		return 1;
	if (g_eir->sbi.enabled) {
		g_eir->sbi_srv = sbi_server_alloc(g_eir, &g_eir->sbi, g_eir->db, &g_eir->policy);
		eir_history_attach(&g_eir->sbi_srv->dec);
		if (sbi_server_start(g_eir->sbi_srv))
			return 1;
	}

	/* every listener (S13, N5g-eir, VTY, CTRL, the import socket): no spinning at the file descriptor limit */
	eir_listen_guard_all(DMAIN, listen_paused);
	fd_limit_check();

	signal(SIGINT, signal_handler);
	signal(SIGTERM, signal_handler);
	signal(SIGUSR1, signal_handler);
	signal(SIGPIPE, SIG_IGN);
	osmo_init_ignore_signals();
	signal(SIGPIPE, SIG_IGN);

	if (daemonize) {
		rc = osmo_daemonize();
		if (rc < 0) {
			perror("osmo-eir: cannot daemonize");
			return 1;
		}
	}
	LOGP(DMAIN, LOGL_NOTICE, "osmo-eir %s running, store %s\n", PACKAGE_VERSION, g_eir->db_dir);

	while (!quit_signal) {
		osmo_select_main_ctx(0);
		if (report_signal) {
			report_signal = 0;
			talloc_report_full(ctx, stderr);
		}
	}

	/* orderly shutdown: DPR to every peer, GOAWAY to HTTP/2 clients, NFDeregister; then wait for the DPAs and
	 * the NRF's answer (or the timeout) */
	LOGP(DMAIN, LOGL_NOTICE, "signal %d: shutting down\n", quit_signal);
	eir_listen_guard_release();
	diam_server_shutdown(g_eir->diam_srv, NULL, NULL);
	if (g_eir->sbi_srv)
		sbi_server_shutdown(g_eir->sbi_srv);
	osmo_clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += g_eir->diam.dpa_timeout_sec + 1;
	while (!diam_server_idle(g_eir->diam_srv) || (g_eir->sbi_srv && !sbi_server_idle(g_eir->sbi_srv))) {
		osmo_clock_gettime(CLOCK_MONOTONIC, &now);
		if (now.tv_sec >= deadline.tv_sec)
			break;
		osmo_select_main_ctx(0);
	}
	diam_server_free(g_eir->diam_srv);
	if (g_eir->sbi_srv)
		sbi_server_free(g_eir->sbi_srv);
	osmo_timer_del(&reader_check_timer);
	/* after the front ends: every check they answered is in the ring, the writer commits it all */
	eir_history_stop();
	eir_lend_stop();
	eir_lists_free();
	eir_db_close(g_eir->db);
	log_fini();
	talloc_free(g_eir);
	return 0;
}
