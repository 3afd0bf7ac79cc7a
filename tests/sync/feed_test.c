/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The feed's names and indexes (src/feed/runs.c) and the sync status file (src/feed/sync_status.c): each input and what
 * it gives, so that the .ok file reads as the specification of national-feed.md §1-3. */

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/eir/sync_status.h>
#include <osmocom/eir/feed.h>

static void name(const char *n, const char *op)
{
	struct feed_name fn;
	int rc = feed_name_parse(n, op, &fn);

	printf("%-70s op %-11s ", n, op);
	if (rc == -ENOENT) {
		printf("not ours\n");
		return;
	}
	if (rc) {
		printf("malformed\n");
		return;
	}
	printf("%s %s", feed_list_names[fn.list], fn.zip ? "zip" : fn.delta ? "delta" : "full");
	if (fn.delta)
		printf(" %" PRId64 "->%" PRId64 " %s", fn.base, fn.run, feed_change_names[fn.change]);
	printf("\n");
}

static void name_any(const char *n)
{
	struct feed_name fn;
	char op[64];
	int rc = feed_name_parse_any(n, &fn, op, sizeof(op));

	printf("any operator: %-70s ", n);
	if (rc) {
		printf("no list file\n");
		return;
	}
	printf("%s%s%s %s", feed_list_names[fn.list], op[0] ? " of " : "", op,
	       fn.zip ? "zip" : fn.delta ? "delta" : "full");
	if (fn.delta)
		printf(" %" PRId64 "->%" PRId64 " %s", fn.base, fn.run, feed_change_names[fn.change]);
	printf("\n");
}

static void runs(const char *text)
{
	void *ctx = talloc_new(NULL);
	struct feed_runs r;
	char err[256] = "";
	unsigned i;
	int rc = feed_runs_parse(ctx, text, strlen(text), &r, err, sizeof(err));

	printf("RUNS %s", text[0] ? "" : "(empty)\n");
	for (const char *p = text; *p; p++)
		putchar(*p == '\n' ? '|' : *p);
	if (text[0])
		putchar('\n');
	if (rc)
		printf("  -> %s\n", err);
	else
		for (i = 0; i < r.n; i++)
			printf("  -> run %" PRId64 " date %s base %" PRId64 ", %u files\n", r.r[i].run, r.r[i].date,
			       r.r[i].base, r.r[i].n_files);
	talloc_free(ctx);
}

static void sums(const char *text)
{
	void *ctx = talloc_new(NULL);
	struct feed_sums s;
	char err[256] = "";
	int rc = feed_sums_parse(ctx, text, strlen(text), &s, err, sizeof(err));

	printf("SHA256SUMS line '%.*s...': %s\n", 20, text, rc ? err : "ok");
	talloc_free(ctx);
}

int main(void)
{
	const char *hex = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct eir_sync_status st, back;
	char dir[] = "/tmp/feed_test.XXXXXX", buf[512], path[600];
	FILE *f;

	printf("== list file names\n");
	name("20261120_020000_blacklist.csv", "operator_1");
	name("20261120_020000_blacklist.zip", "operator_1");
	name("20261121_020000_blacklist_delta_41_42_blocked.csv", "operator_1");
	name("20261121_020000_blacklist_delta_41_42_unblocked.csv", "operator_1");
	name("20261121_020000_blacklist_delta_41_42_new.csv", "operator_1");
	name("20261121_020000_blacklist_delta_-1_42_changed.csv", "operator_1");
	name("20261121_020000_blacklist_delta_x_42_changed.csv", "operator_1");
	name("20261121_020000_blacklist_extra.csv", "operator_1");
	name("20261120_020000_notifications_operator_1.csv", "operator_1");
	name("20261120_020000_notifications_operator_1.csv", "operator");
	name("20261120_020000_notifications_operator.csv", "operator_1");
	name("20261120_020000_notifications_operator_1_delta_41_42_no_longer_seen.csv", "operator_1");
	name("20261120_020000_notifications_operator_1_delta_41_42_no_longer_seen.csv", "operator");
	name("20261120_020000_notifications_operator_1_delta_41_42_added.csv", "operator_1");
	name("20261120_020000_exceptions_operator_1.zip", "operator_1");
	name("20261120_020000_exceptions_operator_1_delta_41_42_removed.csv", "operator_1");
	name("20261120_020000_exceptions_operator_1_delta_41_42_removed.zip", "operator_1");
	name("20261120_020000_exceptions_operator_2.csv", "operator_1");
	name("2026112_020000_blacklist.csv", "operator_1");
	name("RUNS", "operator_1");
	/* DIRBS's first run: base -1 */
	name("20261121_020000_blacklist_delta_-2_42_changed.csv", "operator_1");
	name("20261121_020000_exceptions_op1_delta_-1_1_added.csv", "op1");
	/* operator ids case-insensitively (DIRBS lowercases them) */
	name("20261120_020000_notifications_operator_1.csv", "OPERATOR_1");
	name("20261120_020000_NOTIFICATIONS_Operator_1_delta_41_42_new.csv", "operator_1");
	/* DIRBS zips {date}_notifications_{op}*.csv: op1's zip holds op10's files, op10's zip none */
	name("20261120_020000_notifications_op1.zip", "op10");
	name("20261120_020000_notifications_OP1.zip", "op10");
	name("20261120_020000_notifications_op10.zip", "op1");
	name("20261120_020000_notifications_op10_delta_-1_5_new.csv", "op1");
	name("20261120_020000_notifications_op10_delta_-1_5_new.csv", "OP10");
	name("20261120_020000_exceptions_op2.zip", "op10");
	name("20261120_020000_exceptions_.zip", "op10");
	name("20261120_020000_notifications_operator.zip", "operator_1");

	printf("== list file names of any operator (publishing a dirbs-listgen directory)\n");
	name_any("20261120_020000_blacklist.zip");
	name_any("20261120_020000_blacklist_delta_-1_1_blocked.csv");
	name_any("20261120_020000_notifications_operator_1.zip");
	name_any("20261120_020000_notifications_operator_1_delta_-1_1_no_longer_seen.csv");
	name_any("20261120_020000_exceptions_op_delta_x_delta_3_4_removed.csv");
	name_any("20261120_020000_exceptions_op10.csv");
	name_any("20261120_020000_exceptions_.csv");
	name_any("20261120_020000_exceptions_op10.txt");
	name_any("20261120_020000_pairing_list.csv");
	name_any("README");

	printf("== file names a feed may use\n");
	printf("'a.csv' %d, '../x' %d, 'a/b' %d, 'a\\\\b' %d, '' %d, 'a b' %d\n", feed_file_name_safe("a.csv"),
	       feed_file_name_safe("../x"), feed_file_name_safe("a/b"), feed_file_name_safe("a\\b"),
	       feed_file_name_safe(""), feed_file_name_safe("a b"));

	printf("== RUNS\n");
	runs("41 20261120_020000 -1 20261120_020000_blacklist.csv\n"
	     "42 20261121_020000 41 20261121_020000_blacklist.zip 20261121_020000_notifications_opx.zip\r\n");
	runs("");
	runs("41 20261120_020000 -1\n");
	runs("41 20261120_02000 -1 a.csv\n");
	runs("41 20261120_020000 41 a.csv\n");
	runs("42 20261120_020000 -1 a.csv\n41 20261121_020000 -1 b.csv\n");
	runs("41 20261120_020000 -1 ../etc/passwd\n");
	runs("41 20261120_020000 -1 a.csv");
	runs("x 20261120_020000 -1 a.csv\n");

	printf("== SHA256SUMS\n");
	snprintf(buf, sizeof(buf), "%s  RUNS\n", hex);
	sums(buf);
	snprintf(buf, sizeof(buf), "%s *RUNS\n", hex);
	sums(buf);
	snprintf(buf, sizeof(buf), "%.63s  RUNS\n", hex);
	sums(buf);
	snprintf(buf, sizeof(buf), "%.63sG  RUNS\n", hex);
	sums(buf);
	snprintf(buf, sizeof(buf), "%s  ../RUNS\n", hex);
	sums(buf);

	printf("== sync-status\n");
	if (!mkdtemp(dir))
		return 1;
	printf("read, none yet: %d (-ENOENT %d)\n", eir_sync_status_read(dir, &back), -ENOENT);
	memset(&st, 0, sizeof(st));
	strcpy(st.feed, "national");
	st.attempt_at = 1795430207;
	st.ok_at = 1795430100;
	st.exit_code = 5;
	strcpy(st.result, "refused: x.csv: SHA-256 ..., a line\nwith a break");
	st.run_id = 42;
	strcpy(st.run_date, "20261121_020000");
	st.limit_refused = 3;
	printf("write: %d\n", eir_sync_status_write(dir, &st));
	printf("read: %d\n", eir_sync_status_read(dir, &back));
	printf("  feed %s attempt_at %" PRId64 " ok_at %" PRId64 " exit %d run %" PRId64 " %s\n  result '%s'\n",
	       back.feed, back.attempt_at, back.ok_at, back.exit_code, back.run_id, back.run_date, back.result);
	printf("  refused by the safety limit %" PRIu64 " times\n", back.limit_refused);
	snprintf(path, sizeof(path), "%s/%s", dir, EIR_SYNC_STATUS_FILE);
	f = fopen(path, "w");
	fputs("garbage\n", f);
	fclose(f);
	printf("read garbage: %d (-EIO %d)\n", eir_sync_status_read(dir, &back), -EIO);
	unlink(path);
	rmdir(dir);
	return 0;
}
