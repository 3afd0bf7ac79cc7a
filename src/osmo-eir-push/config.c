/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-push's settings: the command line over a config file of "name value" lines named like the long
 * options, all checked before anything is read or sent. */

#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/cfgfile.h>
#include <osmocom/eir/history.h>

#include "push.h"

struct push_cfg g_push = {
	.history = "/var/lib/osmocom/history",
	.db_dir = "/var/lib/osmocom/osmo-eir",
	.state = "/var/lib/osmocom/osmo-eir-push.state",
	.connect_timeout = 10,
	.timeout = 30,
	.poll = 5,
	.retry_min = 1,
	.retry_max = 300,
	.batch = 100,
};

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: osmo-eir-push [-c FILE] [OPTIONS]\n"
		"  -c, --config FILE          read the settings below from FILE (\"name value\" lines, # comments)\n"
		"  -u, --url URL              POST the events here (https:// only); without it nothing is sent\n"
		"  -H, --history DIR          the device history, opened read-only (default /var/lib/osmocom/history)\n"
		"  -l, --database DIR         the lists store, read-only, for the reasons' texts\n"
		"                             (default /var/lib/osmocom/osmo-eir; unreadable: reasons by id only)\n"
		"  -s, --state-file FILE      the last event id delivered (default /var/lib/osmocom/osmo-eir-push.state)\n"
		"      --ca-file FILE         the CA the receiver's certificate must chain to (default: the system's)\n"
		"      --cert-file FILE       a client certificate (PEM) for receivers that ask for one ...\n"
		"      --key-file FILE        ... and its key (PEM; default: in the certificate file)\n"
		"      --connect-timeout S    (default 10)\n"
		"      --timeout S            one POST, whole (default 30)\n"
		"  -p, --poll S               look for new events every S seconds (default 5)\n"
		"      --retry-min S          the first wait after a failed POST (default 1), doubled each time ...\n"
		"      --retry-max S          ... up to this (default 300)\n"
		"  -b, --batch N              events per POST at most (default 100)\n"
		"  -k, --kind KIND            only this kind: sighting, new-sim, new-handset, clone-suspect (default all)\n"
		"      --once                 deliver the events there are, then exit\n"
		"  -v, --verbose              log each POST\n"
		"  -h, --help  -V, --version\n"
		"Exit: 0 stopped (SIGTERM) or, with --once, all delivered; 1 usage or configuration;\n"
		"2 (--once) not all delivered; 3 the history or the state file cannot be read or written.\n");
}

static int parse_num(const char *name, const char *s, long *out, long min, long max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end || !*s || v < min || v > max)
		return eir_fail(PUSH_E_USAGE, "invalid %s '%s': %ld to %ld", name, s, min, max);
	*out = v;
	return 0;
}

enum { O_CA = 256, O_CERT, O_KEY, O_CONNECT_TIMEOUT, O_TIMEOUT, O_RETRY_MIN, O_RETRY_MAX, O_ONCE };

static const struct option opts[] = {
	{ "config", 1, 0, 'c' },
	{ "url", 1, 0, 'u' },
	{ "history", 1, 0, 'H' },
	{ "database", 1, 0, 'l' },
	{ "state-file", 1, 0, 's' },
	{ "ca-file", 1, 0, O_CA },
	{ "cert-file", 1, 0, O_CERT },
	{ "key-file", 1, 0, O_KEY },
	{ "connect-timeout", 1, 0, O_CONNECT_TIMEOUT },
	{ "timeout", 1, 0, O_TIMEOUT },
	{ "poll", 1, 0, 'p' },
	{ "retry-min", 1, 0, O_RETRY_MIN },
	{ "retry-max", 1, 0, O_RETRY_MAX },
	{ "batch", 1, 0, 'b' },
	{ "kind", 1, 0, 'k' },
	{ "once", 0, 0, O_ONCE },
	{ "verbose", 0, 0, 'v' },
	{ "help", 0, 0, 'h' },
	{ "version", 0, 0, 'V' },
	{ 0, 0, 0, 0 }
};

/* One setting. val is kept (the caller gives a copy that lives as long as the process). \returns 0 or 1 */
static int set(int opt, const char *val)
{
	long n;

	switch (opt) {
	case 'u':
		/* the events are personal data: never in clear text */
		if (strncasecmp(val, "https://", 8) || !val[8])
			return eir_fail(PUSH_E_USAGE, "invalid URL '%s': https:// only", val);
		g_push.url = val;
		return 0;
	case 'H':
		g_push.history = val;
		return 0;
	case 'l':
		g_push.db_dir = val;
		return 0;
	case 's':
		g_push.state = val;
		return 0;
	case O_CA:
		g_push.ca_file = val;
		return 0;
	case O_CERT:
		g_push.cert_file = val;
		return 0;
	case O_KEY:
		g_push.key_file = val;
		return 0;
	case O_CONNECT_TIMEOUT:
		return parse_num("connect timeout", val, &g_push.connect_timeout, 1, 3600);
	case O_TIMEOUT:
		return parse_num("timeout", val, &g_push.timeout, 1, 3600);
	case 'p':
		return parse_num("poll interval", val, &g_push.poll, 1, 86400);
	case O_RETRY_MIN:
		return parse_num("retry-min", val, &g_push.retry_min, 1, 86400);
	case O_RETRY_MAX:
		return parse_num("retry-max", val, &g_push.retry_max, 1, 86400);
	case 'b':
		if (parse_num("batch", val, &n, 1, 10000))
			return PUSH_E_USAGE;
		g_push.batch = n;
		return 0;
	case 'k':
		g_push.kind = get_string_value(eir_hist_kind_names, val);
		if (g_push.kind <= 0)
			return eir_fail(PUSH_E_USAGE, "invalid kind '%s': sighting, new-sim, new-handset or clone-suspect",
					val);
		return 0;
	case O_ONCE:
		g_push.once = true;
		return 0;
	case 'v':
		g_push.verbose = true;
		return 0;
	}
	return eir_fail(PUSH_E_USAGE, "unknown setting");
}

/* a setting from the config file: its value copied, set() keeps it */
static int set_line(void *ctx, const struct option *o, char *val)
{
	return set(o->val, val ? talloc_strdup(ctx, val) : NULL);
}

static int readable(const char *what, const char *path)
{
	if (path && access(path, R_OK))
		return eir_fail(PUSH_E_USAGE, "cannot read the %s %s: %s", what, path, strerror(errno));
	return 0;
}

int push_config(void *ctx, int argc, char **argv)
{
	int c, i;

	/* the config file first, so that the command line overrides it */
	for (i = 1; i < argc - 1; i++) {
		if (!strcmp(argv[i], "-c") || !strcmp(argv[i], "--config"))
			g_push.config = argv[i + 1];
	}
	for (i = 1; i < argc; i++) {
		if (!strncmp(argv[i], "--config=", 9))
			g_push.config = argv[i] + 9;
	}
	if (g_push.config && eir_cfgfile_read(g_push.config, opts, "chV", PUSH_E_USAGE, NULL, set_line, ctx))
		return PUSH_E_USAGE;
	while ((c = getopt_long(argc, argv, "c:u:H:l:s:p:b:k:vhV", opts, NULL)) != -1) {
		switch (c) {
		case 'c':
			break;
		case 'h':
			usage(stdout);
			return 0;
		case 'V':
			printf("osmo-eir-push %s\n", PACKAGE_VERSION);
			return 0;
		case '?':
			return eir_fail(PUSH_E_USAGE, "see --help");
		default:
			if (set(c, optarg))
				return PUSH_E_USAGE;
			break;
		}
	}
	if (optind < argc)
		return eir_fail(PUSH_E_USAGE, "unexpected argument '%s'", argv[optind]);
	if (!g_push.url)
		return eir_fail(PUSH_E_USAGE, "no receiver configured (--url or 'url' in the config file): nothing is "
				"sent");
	if (g_push.retry_max < g_push.retry_min)
		return eir_fail(PUSH_E_USAGE, "retry-max %ld is below retry-min %ld", g_push.retry_max,
				g_push.retry_min);
	if (g_push.key_file && !g_push.cert_file)
		return eir_fail(PUSH_E_USAGE, "a key-file without a cert-file");
	if (readable("CA file", g_push.ca_file) || readable("client certificate", g_push.cert_file) ||
	    readable("client key", g_push.key_file))
		return PUSH_E_USAGE;
	return -1;
}
