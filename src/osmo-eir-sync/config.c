/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-sync's settings: the command line and the config file ("name value" lines named like the long options),
 * checked before anything is fetched. */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/eir/cfgfile.h>

#include <osmocom/eir/xsort.h>

#include "sync.h"

struct sync_cfg g_sync = {
	.db_dir = "/var/lib/osmocom/osmo-eir",
	.feed = "national",
	.mem_budget = XSORT_DEFAULT_MEM,
	.fo = { .connect_timeout = 10, .timeout = 600, .low_speed_time = 30 },
	.limit = { .pct = 10, .notif_pct = 50, .min = 1000, .accept = { -1, -1 } },
};

static bool from_file;	/* the setting being set comes from the config file (else the command line) */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: osmo-eir-sync [-c FILE] [-l DIR] [OPTIONS]\n"
		"  -c, --config FILE          read the settings below from FILE (\"name value\" lines, # comments)\n"
		"  -l, --database DIR         the store (default /var/lib/osmocom/osmo-eir)\n"
		"  -n, --feed NAME            the feed's name (default national)\n"
		"  -u, --url URL              the feed's base URL: https://, http:// or file://\n"
		"  -k, --public-key FILE      the feed's Ed25519 public key (PEM)\n"
		"      --insecure-no-signature  accept a feed with no key (its index is not checked)\n"
		"  -o, --operator ID          our operator id in the list file names\n"
		"      --ca-file FILE         CA bundle for https (default: the system's)\n"
		"      --connect-timeout S    (default 10)\n"
		"      --timeout S            one file's whole transfer (default 600)\n"
		"      --low-speed-time S     abort a transfer slower than 1 KiB/s for S seconds (default 30)\n"
		"      --tmp-dir DIR          where downloads are kept until applied (default: the store's DIR)\n"
		"      --mem-budget SIZE      memory for sorting a list file by key before it is applied (default\n"
		"                             256M; k, M, G), beyond it sorted runs in temporary files beside the\n"
		"                             downloads\n"
		"  -m, --map-size MIB         initial map size of each part (it grows when full)\n"
		"      --map-max MIB          the map grows up to this (default 1048576, 1 TiB)\n"
		"      --once                 one attempt, then exit (the default)\n"
		"  -p, --poll S               stay up and try every S seconds\n"
		"      --removal-limit PCT    refuse a sync removing more than PCT %% of the blacklist or of the\n"
		"                             exceptions held (default 10)\n"
		"      --removal-limit-notifications PCT  the same for notification rows (default 50), not counting\n"
		"                             rows whose IMEI moved to the blacklist\n"
		"      --removal-limit-min N  lists holding fewer than N rows are not limited (default 1000)\n"
		"      --accept-removals RUN  accept the removals of the sync to run RUN above the limits (also in\n"
		"                             the config file, read again before each attempt)\n"
		"  -v, --verbose              log each step\n"
		"  -h, --help  -V, --version\n"
		"Exit: 0 applied or up to date; 1 usage or configuration; 2 transfer failed; 3 timeout;\n"
		"4 bad or missing signature; 5 hash mismatch; 6 truncated or garbled file; 7 replayed older index;\n"
		"8 chain gap with no full lists; 9 map or disk full; 10 other store error;\n"
		"11 another sync is running; 12 a run with full lists but none for our operator;\n"
		"13 removals above the safety limit.\n");
}

static int parse_secs(const char *name, const char *s, long *out, long min)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < min || v > 86400 * 7)
		return eir_fail(SYNC_E_USAGE, "invalid %s '%s': seconds, %ld or more", name, s, min);
	*out = v;
	return 0;
}

static int parse_pct(const char *name, const char *s, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !*s || !(v >= 0 && v <= 100))
		return eir_fail(SYNC_E_USAGE, "invalid %s '%s': a percentage, 0 to 100", name, s);
	*out = v;
	return 0;
}

enum {
	O_INSECURE = 256, O_CA, O_CONNECT_TIMEOUT, O_TIMEOUT, O_LOW_SPEED, O_TMP, O_ONCE, O_TLS_NO_VERIFY, O_MAP_MAX,
	O_LIMIT, O_LIMIT_NOTIF, O_LIMIT_MIN, O_ACCEPT, O_MEM_BUDGET,
};

static bool yes(const char *s)
{
	return !strcasecmp(s, "yes") || !strcasecmp(s, "true") || !strcmp(s, "1");
}

/* One setting, from the command line or the config file. \returns 0 or SYNC_E_USAGE */
static int set(int opt, const char *val)
{
	char *end;

	switch (opt) {
	case 'l':
		g_sync.db_dir = val;
		return 0;
	case 'n':
		if (!*val || strlen(val) >= 64 || strpbrk(val, " \t\n"))
			return eir_fail(SYNC_E_USAGE, "invalid feed name '%s': 1 to 63 characters, no spaces", val);
		g_sync.feed = val;
		return 0;
	case 'u':
		if (strncasecmp(val, "https://", 8) && strncasecmp(val, "http://", 7) && strncasecmp(val, "file://", 7))
			return eir_fail(SYNC_E_USAGE, "invalid URL '%s': https://, http:// or file://", val);
		g_sync.url = val;
		return 0;
	case 'k':
		g_sync.pubkey = val;
		return 0;
	case 'o':
		if (!*val || strpbrk(val, "/\\ \t") || strstr(val, ".."))
			return eir_fail(SYNC_E_USAGE, "invalid operator id '%s'", val);
		g_sync.op = val;
		return 0;
	case O_INSECURE:
		g_sync.insecure = !val || yes(val);
		return 0;
	case O_TLS_NO_VERIFY:
		g_sync.fo.tls_no_verify = !val || yes(val);
		return 0;
	case O_CA:
		g_sync.fo.ca_file = val;
		return 0;
	case O_CONNECT_TIMEOUT:
		return parse_secs("connect timeout", val, &g_sync.fo.connect_timeout, 1);
	case O_TIMEOUT:
		return parse_secs("timeout", val, &g_sync.fo.timeout, 1);
	case O_LOW_SPEED:
		return parse_secs("low speed time", val, &g_sync.fo.low_speed_time, 1);
	case O_TMP:
		g_sync.tmp_dir = val;
		return 0;
	case O_MEM_BUDGET:
		if (xsort_parse_size(val, &g_sync.mem_budget) || g_sync.mem_budget < 4096)
			return eir_fail(SYNC_E_USAGE, "invalid memory budget '%s': a size in bytes (k, M or G), 4096 or "
					"more", val);
		return 0;
	case 'm':
		errno = 0;
		g_sync.map_mib = strtoull(val, &end, 10);
		if (errno || *end || !g_sync.map_mib || val[0] == '-')
			return eir_fail(SYNC_E_USAGE, "invalid map size '%s': MiB", val);
		return 0;
	case O_MAP_MAX:
		errno = 0;
		g_sync.map_max_mib = strtoull(val, &end, 10);
		if (errno || *end || !g_sync.map_max_mib || val[0] == '-')
			return eir_fail(SYNC_E_USAGE, "invalid map size limit '%s': MiB", val);
		return 0;
	case O_ONCE:
		g_sync.once = true;
		g_sync.poll = 0;
		return 0;
	case 'p':
		return parse_secs("poll interval", val, &g_sync.poll, 1);
	case O_LIMIT:
		return parse_pct("removal limit", val, &g_sync.limit.pct);
	case O_LIMIT_NOTIF:
		return parse_pct("notification removal limit", val, &g_sync.limit.notif_pct);
	case O_LIMIT_MIN:
		errno = 0;
		g_sync.limit.min = strtoull(val, &end, 10);
		if (errno || *end || !*val || val[0] == '-')
			return eir_fail(SYNC_E_USAGE, "invalid removal limit minimum '%s': a number of rows", val);
		return 0;
	case O_ACCEPT: {
		long long run;

		errno = 0;
		run = strtoll(val, &end, 10);
		if (errno || *end || !*val || run < 0)
			return eir_fail(SYNC_E_USAGE, "invalid run to accept removals of '%s': a run id", val);
		g_sync.limit.accept[from_file] = run;
		return 0;
	}
	}
	return eir_fail(SYNC_E_USAGE, "unknown setting");
}

static const struct option opts[] = {
	{ "config", 1, 0, 'c' },
	{ "database", 1, 0, 'l' },
	{ "feed", 1, 0, 'n' },
	{ "url", 1, 0, 'u' },
	{ "public-key", 1, 0, 'k' },
	{ "insecure-no-signature", 0, 0, O_INSECURE },
	{ "operator", 1, 0, 'o' },
	{ "ca-file", 1, 0, O_CA },
	{ "tls-no-verify", 0, 0, O_TLS_NO_VERIFY },
	{ "connect-timeout", 1, 0, O_CONNECT_TIMEOUT },
	{ "timeout", 1, 0, O_TIMEOUT },
	{ "low-speed-time", 1, 0, O_LOW_SPEED },
	{ "tmp-dir", 1, 0, O_TMP },
	{ "mem-budget", 1, 0, O_MEM_BUDGET },
	{ "map-size", 1, 0, 'm' },
	{ "map-max", 1, 0, O_MAP_MAX },
	{ "once", 0, 0, O_ONCE },
	{ "poll", 1, 0, 'p' },
	{ "removal-limit", 1, 0, O_LIMIT },
	{ "removal-limit-notifications", 1, 0, O_LIMIT_NOTIF },
	{ "removal-limit-min", 1, 0, O_LIMIT_MIN },
	{ "accept-removals", 1, 0, O_ACCEPT },
	{ "verbose", 0, 0, 'v' },
	{ "help", 0, 0, 'h' },
	{ "version", 0, 0, 'V' },
	{ 0, 0, 0, 0 }
};

/* Settings whose value set() keeps (the others are parsed at once): only theirs are copied from the config file's
 * line buffer, so that nothing is left unreachable (a leak to the sanitizers, which changes the exit code). */
static bool keeps_value(int opt)
{
	return opt == 'l' || opt == 'n' || opt == 'u' || opt == 'k' || opt == 'o' || opt == O_CA || opt == O_TMP;
}

static bool accept_line(const struct option *o)
{
	return o && o->val == O_ACCEPT;
}

static int set_line(void *data, const struct option *o, char *val)
{
	int rc;

	(void)data;
	from_file = true;
	rc = set(o->val, !val ? NULL : keeps_value(o->val) ? talloc_strdup(NULL, val) : val);
	from_file = false;
	return rc;
}

/* The config file (src/core/cfgfile.c). accept_only: only accept-removals, read again before each attempt (the
 * operator's answer to a refusal, without a restart). */
static int read_config(const char *path, bool accept_only)
{
	return eir_cfgfile_read(path, opts, "chVv", SYNC_E_USAGE, accept_only ? accept_line : NULL, set_line, NULL);
}

/*! Read the config file (-c) and then the command line over it, and check the result.
 *  \returns -1 to go on, or the exit code (0 after --help or --version, SYNC_E_USAGE) */
int sync_config(int argc, char **argv, bool *verbose)
{
	const char *config = NULL;
	int c, rc = -1, i;

	/* the config file first, so that the command line overrides it */
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config"))
			config = argv[i + 1];
		else if (!strncmp(argv[i], "--config=", 9))
			config = argv[i] + 9;
	}
	g_sync.config = config;
	if (config && read_config(config, false))
		return SYNC_E_USAGE;
	while (rc < 0 && (c = getopt_long(argc, argv, "c:l:n:u:k:o:m:p:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 'v':
			*verbose = true;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			break;
		case 'V':
			printf("osmo-eir-sync %s\n", PACKAGE_VERSION);
			rc = 0;
			break;
		case '?':
			rc = eir_fail(SYNC_E_USAGE, "see --help");
			break;
		default:
			if (set(c, optarg))
				rc = SYNC_E_USAGE;
			break;
		}
	}
	if (rc >= 0)
		return rc;
	if (optind < argc)
		return eir_fail(SYNC_E_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!g_sync.url)
		return eir_fail(SYNC_E_USAGE, "no feed URL: --url or 'url' in the config file");
	if (!g_sync.op)
		return eir_fail(SYNC_E_USAGE, "no operator id: --operator or 'operator' in the config file");
	if (!g_sync.pubkey && !g_sync.insecure)
		return eir_fail(
			SYNC_E_USAGE,
			"feed '%s' has no public key: --public-key FILE, or --insecure-no-signature to accept an "
			"unsigned feed",
			g_sync.feed);
	if (g_sync.pubkey && access(g_sync.pubkey, R_OK))
		return eir_fail(SYNC_E_USAGE, "cannot read the public key %s: %s", g_sync.pubkey, strerror(errno));
	return -1;
}

/*! Read accept-removals from the config file again (before each attempt of the poller).
 *  \returns 0, or SYNC_E_USAGE (said why; the setting from the file is then none) */
int sync_config_accept(void)
{
	g_sync.limit.accept[1] = -1;
	if (!g_sync.config)
		return 0;
	if (read_config(g_sync.config, true)) {
		g_sync.limit.accept[1] = -1;
		return SYNC_E_USAGE;
	}
	return 0;
}
