/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* osmo-eir-db: the offline tool for the store: create, import, export, lookup with the reason, add/del, stats. */

#include <errno.h>
#include <getopt.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>

#include <talloc.h>
#include <osmocom/core/application.h>
#include <osmocom/core/logging.h>
#include <osmocom/core/utils.h>

#include <osmocom/eir/check.h>
#include <osmocom/eir/db.h>
#include <osmocom/eir/edit.h>
#include <osmocom/eir/history.h>
#include <osmocom/eir/imei.h>
#include <osmocom/eir/logging.h>
#include <osmocom/eir/sync_status.h>
#include <osmocom/eir/tool.h>
#include <osmocom/eir/xsort.h>
#include "db_dump.h"
#include "db_import.h"

static void *ctx;
static const char *db_dir = "/var/lib/osmocom/osmo-eir";
static uint64_t map_mib;
static struct eir_policy policy = EIR_POLICY_DEFAULT;

#define MAP_MIB_MAX (1ULL << 24)	/* 16 TiB */

static void usage(FILE *f)
{
	fprintf(f,
		"Usage: osmo-eir-db [-l DIR] [-m MAP_MIB] [-d VERDICT] COMMAND [ARGS]\n"
		"  -l, --database DIR         the store (default /var/lib/osmocom/osmo-eir)\n"
		"  -m, --map-size MIB         initial map size of each part (default 1024; it grows when full)\n"
		"  -d, --default-verdict V    lookup: the answer for an IMEI on no list: white (default), grey,\n"
		"                             black or unknown\n"
		"  -h, --help  -V, --version\n"
		"Commands:\n"
		"  create\n"
		"  import FILE|- [--mem-budget SIZE] [--tmp DIR]\n"
		"                             CSV into the local lists, one transaction; entries and pairs sorted\n"
		"                             by key first in SIZE (default 256M; k, M, G), beyond it in temporary\n"
		"                             files in DIR (default: the store's DIR)\n"
		"  export [entries|ranges|pairs|notifications|exceptions] [FILE|-]\n"
		"  lookup IMEI [IMSI]         the verdict, then why\n"
		"  add imei IMEI LIST [REASON...]\n"
		"  add range FIRST LAST LIST [REASON...]\n"
		"  add tac TAC LIST [REASON...]\n"
		"  add pair IMEI IMSI LIST [REASON...]\n"
		"  del imei IMEI | del range FIRST | del tac TAC | del pair IMEI IMSI\n"
		"  stats\n"
		"  audit [N]                  the last N (default 20) changes of the local lists: who, what, before, "
		"after\n"
		"  export-dump --operator ID --from YYYYMMDD --to YYYYMMDD (--plmn MCCMNC ... | --all-imsis)\n"
		"              [--history DIR] [--spool DIR] [--msisdn-file FILE]\n"
		"                             the DIRBS operator data dump from the device history:\n"
		"                             SPOOL/ID_FROM_TO.zip (date,imei,imsi,msisdn,rat)\n"
		"  export-events [--since ID] [--kind KIND] [--history DIR]\n"
		"                             the history's events after ID as JSON lines (KIND: sighting, new-sim,\n"
		"                             new-handset, clone-suspect; DIR default: the store's ../history)\n"
		"Exit: 0 done; 1 failed, nothing changed; 2 import applied with rows skipped;\n"
		"      export-dump: 3 no history or no pair rows in it, 4 the spool cannot be written.\n");
}

/* A usage error: the syntax that was expected, and where to read more. \returns 1, the exit code */
static int bad_usage(const char *syntax)
{
	fprintf(stderr, "usage: osmo-eir-db [-l DIR] [-m MAP_MIB] [-d VERDICT] %s\n"
			"(osmo-eir-db --help lists the commands)\n", syntax);
	return 1;
}

/* Ask a running osmo-eir to lend its local lists to this import (src/osmo-eir/lend.c): it pauses its edits and
 * releases the writer lock. The socket stays open until this process exits, which gives them back.
 * \returns 0 when lent, -1 when there is no such osmo-eir or it lends them to another import already. */
static int borrow_lists(void)
{
	struct sockaddr_un sa = { .sun_family = AF_UNIX };
	struct pollfd pfd;
	char buf[16] = "";
	ssize_t n;
	int fd;

	if ((size_t)snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/local/import.sock", db_dir) >= sizeof(sa.sun_path))
		return -1;
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	pfd = (struct pollfd){ .fd = fd, .events = POLLIN };
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) || send(fd, "lend\n", 5, MSG_NOSIGNAL) != 5 ||
	    poll(&pfd, 1, 10000) != 1 || (n = read(fd, buf, sizeof(buf) - 1)) <= 0 || strncmp(buf, "lent\n", 5)) {
		close(fd);
		return -1;
	}
	/* fd stays open: closed when we exit, however we exit */
	return 0;
}

/* Open the store; for writing, also take the local writer lock (refused while osmo-eir runs, unless borrow: then a
 * running osmo-eir is asked to lend its lists, as for an import). */
static struct eir_db *open_db_borrow(bool write, bool create, bool borrow)
{
	struct eir_db_opts o = { .create = create, .read_only = !write, .map_size = map_mib << 20 };
	struct eir_db *db = NULL;
	int rc;

	rc = eir_db_open(ctx, &db, db_dir, &o);
	if (rc) {
		if (db) {
			eir_fail(1, "%s", eir_db_errstr(db));
			eir_db_close(db);
		} else {
			eir_fail(1, "cannot open the store %s: %s", db_dir, strerror(-rc));
		}
		return NULL;
	}
	if (write) {
		rc = eir_db_writer_lock(db, EIR_DB_LOCAL, "osmo-eir-db");
		if (rc == -EBUSY && borrow && borrow_lists() == 0) {
			/* lent: the lock is free once osmo-eir has let go of it (at once; a few tries for safety) */
			for (int i = 0; i < 100 && (rc = eir_db_writer_lock(db, EIR_DB_LOCAL, "osmo-eir-db")) == -EBUSY; i++)
				usleep(20000);
			if (!rc)
				fputs("osmo-eir-db: the running osmo-eir lent its local lists to this import: it answers "
				      "throughout; its CTRL edits wait and its VTY edits are refused until the import is done\n",
				      stderr);
		}
		if (rc) {
			eir_fail(1, "%s", eir_db_errstr(db));
			if (rc == -EBUSY)
				fputs("the local lists are being served by a running osmo-eir: make changes on its"
				      " VTY or CTRL interface instead\n", stderr);
			eir_db_close(db);
			return NULL;
		}
	}
	return db;
}

static struct eir_db *open_db(bool write, bool create)
{
	return open_db_borrow(write, create, false);
}

static char *join(int argc, char **argv)
{
	char *s = talloc_strdup(ctx, "");
	int i;

	for (i = 0; i < argc; i++)
		s = talloc_asprintf_append(s, "%s%s", i ? " " : "", argv[i]);
	return s;
}

static int cmd_lookup(int argc, char **argv)
{
	struct eir_db *db;
	struct eir_imei im;
	struct eir_result res;
	uint8_t imsi[8];
	const char *why;
	char buf[768];
	unsigned i;
	int rc;

	if (argc < 1 || argc > 2)
		return bad_usage("lookup IMEI [IMSI]");
	if (eir_imei_parse(argv[0], &im, &why))
		return eir_fail(1, "invalid IMEI '%s': %s", argv[0], why);
	if (argc == 2 && eir_imsi_pack(argv[1], imsi, &why))
		return eir_fail(1, "invalid IMSI '%s': %s", argv[1], why);
	db = open_db(false, false);
	if (!db)
		return 1;
	rc = eir_check(db, &policy, im.key, im.sv, argc == 2 ? imsi : NULL, EIR_CHECK_ALL, &res);
	if (rc) {
		eir_fail(1, "cannot read the store: %s", eir_db_errstr(db));
		eir_db_close(db);
		return 1;
	}
	printf("%s by %s", eir_verdict_name(res.verdict), eir_match_applied_str(buf, sizeof(buf), db, &res.why));
	if (im.status == EIR_IMEI_LUHN_MISMATCH)
		printf(" (check digit %c is wrong, expected %c)", im.check_digit, im.luhn);
	else if (im.status == EIR_IMEI_SPARE_ZERO)
		printf(" (15th digit 0 taken as the spare digit; the check digit would be %c)", im.luhn);
	printf("\n");
	for (i = 1; i < res.n_matches; i++)
		printf("  also: %s\n", eir_match_applied_str(buf, sizeof(buf), db, &res.matches[i]));
	eir_db_close(db);
	return 0;
}

static int parse_list_arg(const char *s, enum eir_list *l)
{
	int rc = eir_list_parse(s);

	if (rc < 0)
		return eir_fail(1, "unknown list '%s': white, grey or black", s);
	*l = rc;
	return 0;
}

static const char *edit_syntax(bool del, const char *what)
{
	if (!strcmp(what, "imei"))
		return del ? "del imei IMEI" : "add imei IMEI LIST [REASON...]";
	if (!strcmp(what, "range"))
		return del ? "del range FIRST" : "add range FIRST LAST LIST [REASON...]";
	if (!strcmp(what, "tac"))
		return del ? "del tac TAC" : "add tac TAC LIST [REASON...]";
	return del ? "del pair IMEI IMSI" : "add pair IMEI IMSI LIST [REASON...]";
}

static int cmd_edit(bool del, int argc, char **argv)
{
	struct eir_edit ed = { .del = del };
	enum eir_edit_kind kind;
	struct eir_audit au;
	struct eir_db *db;
	const char *what;
	char err[256], desc[128], who[64];
	int n, rc;

	if (argc < 1)
		return bad_usage(del ? "del imei|range|tac|pair ..." : "add imei|range|tac|pair ...");
	what = argv[0];
	rc = get_string_value(eir_edit_kind_names, what);
	if (rc < 0)
		return eir_fail(1, "%s what? imei, range, tac or pair", del ? "del" : "add");
	kind = rc;
	/* arguments before the list: imei 1, range 2 (del: 1), tac 1, pair 2 */
	n = kind == EIR_EDIT_PAIR || (kind == EIR_EDIT_RANGE && !del) ? 2 : 1;
	if (argc < 1 + n + (del ? 0 : 1) || (del && argc != 1 + n))
		return bad_usage(edit_syntax(del, what));
	rc = eir_edit_key(&ed, kind, argv[1], n > 1 ? argv[2] : NULL, err, sizeof(err));
	if (rc)
		return eir_fail(1, "%s", err);
	if (!del) {
		if (parse_list_arg(argv[1 + n], &ed.e.list))
			return 1;
		ed.reason = join(argc - 2 - n, argv + 2 + n);
	}
	snprintf(who, sizeof(who), "osmo-eir-db uid %u", (unsigned)getuid());
	ed.who = who;

	db = open_db(true, false);
	if (!db)
		return 1;
	rc = eir_edit_apply(db, &ed, &au);
	if (rc == -ENOENT) {
		eir_db_close(db);
		return eir_fail(1, "%s: not found", eir_edit_describe(desc, sizeof(desc), &ed));
	}
	if (rc == -ESRCH) {
		eir_fail(1, "tac %s: %s", argv[1], eir_db_errstr(db));
		eir_db_close(db);
		return 1;
	}
	if (rc) {
		eir_fail(1, "%s", eir_db_errstr(db));
		eir_db_close(db);
		return 1;
	}
	printf("%s: %s -> %s\n", au.what, au.before, au.after);
	eir_db_close(db);
	return 0;
}

static int cmd_export(int argc, char **argv)
{
	enum export_form form = EXPORT_ENTRIES;
	const char *path = "-";
	struct eir_db *db;
	FILE *out = stdout;
	int rc;

	if (argc > 2)
		return bad_usage("export [entries|ranges|pairs|notifications|exceptions] [FILE|-]");
	if (argc >= 1) {
		if (!strcmp(argv[0], "entries"))
			form = EXPORT_ENTRIES;
		else if (!strcmp(argv[0], "ranges"))
			form = EXPORT_RANGES;
		else if (!strcmp(argv[0], "pairs"))
			form = EXPORT_PAIRS;
		else if (!strcmp(argv[0], "notifications"))
			form = EXPORT_NOTIFICATIONS;
		else if (!strcmp(argv[0], "exceptions"))
			form = EXPORT_EXCEPTIONS;
		else
			return eir_fail(1, "export what? entries, ranges, pairs, notifications or exceptions");
	}
	if (argc == 2)
		path = argv[1];
	db = open_db(false, false);
	if (!db)
		return 1;
	if (strcmp(path, "-")) {
		out = fopen(path, "w");
		if (!out) {
			eir_db_close(db);
			return eir_fail(1, "cannot write %s: %s", path, strerror(errno));
		}
	}
	rc = db_export(db, form, out);
	if (out != stdout && fclose(out))
		rc = -EIO;
	if (rc)
		eir_fail(1, "export failed: %s", rc == -EIO ? "write error" : eir_db_errstr(db));
	eir_db_close(db);
	return rc ? 1 : 0;
}

/* osmo-eir-sync's last attempt, kept beside the store (DIR/sync-status) */
static void print_sync_status(void)
{
	struct eir_sync_status ss;
	char when[32] = "?";
	time_t at;
	int rc = eir_sync_status_read(db_dir, &ss);

	if (rc == -ENOENT) {
		printf("  last sync attempt: none\n");
		return;
	}
	if (rc) {
		printf("  last sync attempt: %s/%s unreadable\n", db_dir, EIR_SYNC_STATUS_FILE);
		return;
	}
	at = (time_t)ss.attempt_at;
	strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&at));
	printf("  last sync attempt: feed %s at %s, exit %d: %s\n", ss.feed, when, ss.exit_code, ss.result);
}

static void print_stats(struct eir_db *db, enum eir_db_part part)
{
	struct eir_db_stats st;
	struct eir_feed_state fs;
	unsigned t;
	int rc;

	if (eir_db_stats(db, part, &st)) {
		printf("%s: %s\n", get_value_string(eir_db_part_names, part), eir_db_errstr(db));
		return;
	}
	printf("%s: schema %u, map %llu MiB, %llu KiB in use, file %llu KiB, %u readers\n",
	       get_value_string(eir_db_part_names, part), st.schema, (unsigned long long)(st.map_size >> 20),
	       (unsigned long long)(st.map_used >> 10), (unsigned long long)(st.file_size >> 10), st.readers);
	for (t = 0; t < _EIR_T_COUNT; t++) {
		if ((part == EIR_DB_LOCAL && (t == EIR_T_NOTIF || t == EIR_T_EXC)) ||
		    (part == EIR_DB_NATIONAL && (t == EIR_T_PAIR || t == EIR_T_RANGE)))
			continue;
		printf("  %-7s %12llu entries %10llu pages", get_value_string(eir_db_table_names, t),
		       (unsigned long long)st.t[t].entries, (unsigned long long)st.t[t].pages);
		if (st.t[t].entries)
			printf("  %.1f bytes/entry", (double)st.t[t].pages * st.page_size / st.t[t].entries);
		printf("\n");
	}
	if (part == EIR_DB_NATIONAL) {
		rc = eir_db_feed_state_get(db, &fs);
		if (rc == 0) {
			time_t at = (time_t)fs.applied_at;
			char when[32] = "?";

			if (at)
				strftime(when, sizeof(when), "%Y-%m-%d %H:%M:%S UTC", gmtime(&at));
			printf("  feed %s: run %lld of %s, applied %s\n", fs.name, (long long)fs.run_id, fs.run_date,
			       when);
		} else if (rc == -ENOENT) {
			printf("  feed: never synced\n");
		} else {
			printf("  feed: %s\n", eir_db_errstr(db));
		}
		print_sync_status();
	}
}

static int cmd_stats(void)
{
	struct eir_db *db = open_db(false, false);

	if (!db)
		return 1;
	print_stats(db, EIR_DB_LOCAL);
	print_stats(db, EIR_DB_NATIONAL);
	eir_db_close(db);
	return 0;
}

/* Log lines go to stderr as "osmo-eir-db: message". The store's errors are left out: each also comes back through
 * eir_db_errstr() and the command prints it, once. */
static void log_output(struct log_target *target, int subsys, unsigned int level, const char *file, int line,
		       int cont, const char *format, va_list ap)
{
	if ((subsys == DDB || subsys == DEIR) && level >= LOGL_ERROR)
		return;
	if (!cont)
		fputs("osmo-eir-db: ", stderr);
	vfprintf(stderr, format, ap);
}

static int print_audit(const struct eir_audit *a, void *arg)
{
	char buf[1024];

	printf("%s\n", eir_audit_str(buf, sizeof(buf), a));
	return 0;
}

static int cmd_audit(int argc, char **argv)
{
	struct eir_db *db;
	char *end;
	unsigned long n = 20;
	int rc;

	if (argc > 1)
		return bad_usage("audit [N]");
	if (argc == 1) {
		n = strtoul(argv[0], &end, 10);
		if (*end || !n || n > 1000000)
			return eir_fail(1, "invalid count '%s': 1 to 1000000", argv[0]);
	}
	db = open_db(false, false);
	if (!db)
		return 1;
	rc = eir_db_audit_last(db, (unsigned)n, print_audit, NULL);
	if (rc)
		eir_fail(1, "cannot read the audit trail: %s", eir_db_errstr(db));
	eir_db_close(db);
	return rc ? 1 : 0;
}

struct ev_out {
	struct eir_db *db;
	unsigned n;
	bool failed;
};

static int print_event(void *data, const struct eir_hist_event *ev)
{
	struct ev_out *o = data;
	char buf[EIR_HIST_JSON_MAX];
	int n = eir_hist_event_json(ev, o->db, buf, sizeof(buf));

	if (n < 0 || printf("%s\n", buf) < 0) {
		o->failed = true;
		return 1;
	}
	o->n++;
	return 0;
}

/* The history's events as JSON lines (doc/schemas/osmo-eir-event.schema.json), read-only, the reasons looked up
 * in the lists store when it can be opened. */
static int cmd_export_events(int argc, char **argv)
{
	static const char *const syntax = "export-events [--since ID] [--kind KIND] [--history DIR]";
	const char *hdir = NULL;
	uint64_t since = 0;
	int kind = 0, i, rc;
	struct eir_db_opts o = { .read_only = true };
	struct ev_out out = { 0 };
	struct eir_hist *h;
	char err[512], *end;

	for (i = 0; i < argc; i++) {
		if (i + 1 >= argc)
			return bad_usage(syntax);
		if (!strcmp(argv[i], "--since")) {
			errno = 0;
			since = strtoull(argv[++i], &end, 10);
			if (errno || *end || !argv[i][0] || argv[i][0] == '-')
				return eir_fail(1, "invalid event id '%s': a number", argv[i]);
		} else if (!strcmp(argv[i], "--kind")) {
			kind = get_string_value(eir_hist_kind_names, argv[++i]);
			if (kind <= 0)
				return eir_fail(1, "invalid event kind '%s': sighting, new-sim, new-handset or "
						"clone-suspect", argv[i]);
		} else if (!strcmp(argv[i], "--history")) {
			hdir = argv[++i];
		} else {
			return bad_usage(syntax);
		}
	}
	if (!hdir)
		hdir = talloc_asprintf(ctx, "%s/../history", db_dir);
	rc = eir_hist_open_ro(ctx, &h, hdir, err, sizeof(err));
	if (rc)
		return eir_fail(1, "%s", err);
	/* without the lists the events still go out, with their reason ids */
	if (eir_db_open(ctx, &out.db, db_dir, &o)) {
		fprintf(stderr, "osmo-eir-db: the store %s cannot be read: reasons given by id only\n", db_dir);
		eir_db_close(out.db);
		out.db = NULL;
	}
	rc = eir_hist_events_after(h, since, 0, kind, print_event, &out);
	if (fflush(stdout))
		out.failed = true;
	if (out.db)
		eir_db_close(out.db);
	eir_hist_close(h);
	if (rc)
		return eir_fail(1, "cannot read the history %s", hdir);
	if (out.failed)
		return eir_fail(1, "cannot write the events: %s", strerror(errno));
	return 0;
}

static int run(const char *cmd, int argc, char **argv)
{
	struct eir_db *db;
	int rc;

	if (!strcmp(cmd, "create")) {
		if (argc)
			return bad_usage("create");
		db = open_db(true, true);
		if (!db)
			return 1;
		printf("store ready in %s\n", db_dir);
		eir_db_close(db);
		return 0;
	}
	if (!strcmp(cmd, "import")) {
		size_t mem_budget = XSORT_DEFAULT_MEM;
		const char *tmp_dir = db_dir;
		const char *file = NULL;
		struct stat st;
		int i;

		/* the options before or after the file (a file named like one: ./--tmp) */
		for (i = 0; i < argc; i++) {
			bool mem = !strcmp(argv[i], "--mem-budget"), tmp = !strcmp(argv[i], "--tmp");

			if ((mem || tmp) && i + 1 < argc) {
				if (mem && (xsort_parse_size(argv[i + 1], &mem_budget) || mem_budget < 4096))
					return eir_fail(1, "invalid --mem-budget '%s': a size in bytes (k, M or G), "
							"4096 or more", argv[i + 1]);
				if (tmp)
					tmp_dir = argv[i + 1];
				i++;
			} else if (!file && !mem && !tmp) {
				file = argv[i];
			} else {
				file = NULL;
				break;
			}
		}
		if (!file)
			return bad_usage("import FILE|- [--mem-budget SIZE] [--tmp DIR]");
		errno = 0;
		if (tmp_dir != db_dir && (stat(tmp_dir, &st) || !S_ISDIR(st.st_mode) || access(tmp_dir, W_OK | X_OK)))
			return eir_fail(1, "--tmp %s: %s", tmp_dir, errno ? strerror(errno) : "not a directory");
		/* the lock first, then the file: a FIFO is opened while we hold the lists; a running osmo-eir lends them */
		db = open_db_borrow(true, false, true);
		if (!db)
			return 1;
		rc = db_import(ctx, db, file, mem_budget, tmp_dir);
		eir_db_close(db);
		return rc;
	}
	if (!strcmp(cmd, "export"))
		return cmd_export(argc, argv);
	if (!strcmp(cmd, "lookup"))
		return cmd_lookup(argc, argv);
	if (!strcmp(cmd, "add"))
		return cmd_edit(false, argc, argv);
	if (!strcmp(cmd, "del"))
		return cmd_edit(true, argc, argv);
	if (!strcmp(cmd, "stats")) {
		if (argc)
			return bad_usage("stats");
		return cmd_stats();
	}
	if (!strcmp(cmd, "audit"))
		return cmd_audit(argc, argv);
	if (!strcmp(cmd, "export-dump"))
		return db_export_dump(ctx, db_dir, argc, argv);
	if (!strcmp(cmd, "export-events"))
		return cmd_export_events(argc, argv);
	eir_fail(1, "unknown command '%s'", cmd);
	return bad_usage("create|import|export|export-dump|export-events|lookup|add|del|stats|audit ...");
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "database", 1, 0, 'l' },
		{ "map-size", 1, 0, 'm' },
		{ "default-verdict", 1, 0, 'd' },
		{ "help", 0, 0, 'h' },
		{ "version", 0, 0, 'V' },
		{ 0, 0, 0, 0 }
	};
	char *end;
	int c, rc = -1;

	ctx = talloc_named_const(NULL, 0, "osmo-eir-db");
	osmo_init_logging2(ctx, &eir_log_info);
	osmo_stderr_target->raw_output = log_output;
	log_set_log_level(osmo_stderr_target, LOGL_NOTICE);

	while (rc < 0 && (c = getopt_long(argc, argv, "+l:m:d:hV", opts, NULL)) != -1) {
		switch (c) {
		case 'l':
			db_dir = optarg;
			break;
		case 'm':
			errno = 0;
			map_mib = strtoull(optarg, &end, 10);
			if (errno || *end || !map_mib || map_mib > MAP_MIB_MAX || optarg[0] == '-')
				rc = eir_fail(1, "invalid map size '%s': MiB, 1 to %llu", optarg, MAP_MIB_MAX);
			break;
		case 'd':
			c = eir_verdict_parse(optarg);
			if (c < 0)
				rc = eir_fail(1, "invalid default verdict '%s': white, grey, black or unknown", optarg);
			else
				policy.default_verdict = c;
			break;
		case 'h':
			usage(stdout);
			rc = 0;
			break;
		case 'V':
			printf("osmo-eir-db %s\n", PACKAGE_VERSION);
			rc = 0;
			break;
		default:
			rc = bad_usage("COMMAND [ARGS]");
			break;
		}
	}
	if (rc < 0) {
		if (optind >= argc)
			rc = bad_usage("COMMAND [ARGS]");
		else
			rc = run(argv[optind], argc - optind - 1, argv + optind + 1);
	}
	log_fini();
	talloc_free(ctx);
	return rc;
}
