/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The store's concurrency contract, with real processes:
 *  1. readers in other processes see the old state or the new one, never a mix, and never wait for a writer
 *     (a reader completes a whole pass while a write transaction is half done);
 *  2. a national feed write held open (as by a long sync) makes neither a local edit nor a verdict wait.
 * The processes hand over through pipes, so the interleaving is forced, not left to timing; an alarm turns a
 * deadlock (someone waiting on a lock) into a failure instead of a hang. */

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/check.h>
#include <osmocom/eir/db.h>

#define N 2000
#define GENERATIONS 12
#define FIRST 35000000000000ULL

static char dir[64];
static void *ctx;

static void say(int fd, char c)
{
	OSMO_ASSERT(write(fd, &c, 1) == 1);
}

static char hear(int fd)
{
	char c = 0;

	OSMO_ASSERT(read(fd, &c, 1) == 1);
	return c;
}

static struct eir_db *open_db(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { 0 };

	OSMO_ASSERT(eir_db_open(ctx, &db, dir, &o) == 0);
	return db;
}

/* --- 1. whole generations --- */

struct gen {
	unsigned g;
	int to_reader, from_reader;
};

static int gen_cb(struct eir_db_txn *txn, void *arg)
{
	struct gen *gen = arg;
	unsigned i;

	for (i = 0; i < N; i++) {
		struct eir_entry e = { .imei = FIRST + i, .list = EIR_LIST_BLACK, .listed = (eir_day_t)gen->g };

		OSMO_ASSERT(eir_db_txn_put(txn, EIR_T_IMEI, &e) == 0);
		if (i == N / 2) {
			/* half written: a reader must still complete a pass, and see the previous generation */
			say(gen->to_reader, 'p');
			OSMO_ASSERT(hear(gen->from_reader) == (char)('0' + gen->g - 1));
		}
	}
	return 0;
}

/* One pass over all entries in one snapshot. \returns the generation seen, -1 for a mix. */
static int reader_pass(struct eir_db *db)
{
	unsigned i;
	int seen = -2;

	OSMO_ASSERT(eir_db_read_begin(db) == 0);
	for (i = 0; i < N; i++) {
		struct eir_entry e = { .imei = FIRST + i };
		int g = eir_db_get(db, EIR_DB_LOCAL, EIR_T_IMEI, &e) == 0 ? e.listed : 0;

		if (seen == -2)
			seen = g;
		else if (seen != g)
			seen = -1;
	}
	eir_db_read_end(db);
	return seen;
}

static void reader(int from_writer, int to_writer)
{
	struct eir_db *db = open_db();
	char c;
	int g;

	while ((c = hear(from_writer)) != 'q') {
		g = reader_pass(db);
		/* 'p': mid-transaction pass; 'c': committed */
		say(to_writer, g < 0 ? 'X' : (char)('0' + g));
	}
	eir_db_close(db);
	talloc_free(ctx);
	exit(0);
}

static void test_generations(void)
{
	int w2r[2], r2w[2];
	struct eir_db *db;
	pid_t pid;
	int status;
	unsigned g, ok = 0;

	printf("-- a writer and a reader process: whole generations only, reader never waits\n");
	OSMO_ASSERT(pipe(w2r) == 0 && pipe(r2w) == 0);
	fflush(stdout);
	pid = fork();
	OSMO_ASSERT(pid >= 0);
	if (pid == 0) {
		close(w2r[1]);
		close(r2w[0]);
		reader(w2r[0], r2w[1]);
	}
	close(w2r[0]);
	close(r2w[1]);
	db = open_db();
	for (g = 1; g <= GENERATIONS; g++) {
		struct gen gen = { .g = g, .to_reader = w2r[1], .from_reader = r2w[0] };
		char c;

		OSMO_ASSERT(eir_db_write(db, EIR_DB_LOCAL, gen_cb, &gen) == 0);
		say(w2r[1], 'c');
		c = hear(r2w[0]);
		if (c == (char)('0' + g))
			ok++;
		else
			printf("generation %u: reader saw '%c'\n", g, c);
	}
	say(w2r[1], 'q');
	OSMO_ASSERT(waitpid(pid, &status, 0) == pid);
	printf("generations committed: %u, seen whole by the reader mid-write and after commit: %u\n", GENERATIONS,
	       ok);
	printf("reader exit status: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	eir_db_close(db);
}

/* --- 2. a long national write does not stop local edits or verdicts --- */

struct hold {
	int to_parent, from_parent;
};

static int hold_cb(struct eir_db_txn *txn, void *arg)
{
	struct hold *h = arg;
	unsigned i;

	for (i = 0; i < N; i++) {
		struct eir_entry e = { .imei = FIRST + 500000 + i, .list = EIR_LIST_BLACK };

		OSMO_ASSERT(eir_db_txn_put(txn, EIR_T_IMEI, &e) == 0);
	}
	say(h->to_parent, 'h');			/* holding the national write lock now */
	OSMO_ASSERT(hear(h->from_parent) == 'g');	/* until the parent has done its work */
	return 0;
}

static int local_edit_cb(struct eir_db_txn *txn, void *arg)
{
	struct eir_entry e = { .imei = FIRST + 900000, .list = EIR_LIST_GREY };

	return eir_db_txn_put(txn, EIR_T_IMEI, &e);
}

static const char *verdict_of(struct eir_db *db, uint64_t imei)
{
	struct eir_policy pol = EIR_POLICY_DEFAULT;
	struct eir_result res;

	OSMO_ASSERT(eir_check(db, &pol, imei, -1, NULL, 0, &res) == 0);
	return eir_verdict_name(res.verdict);
}

static void test_no_wait(void)
{
	int p2c[2], c2p[2];
	struct eir_db *db;
	pid_t pid;
	int status;

	printf("-- a national write held open in another process\n");
	OSMO_ASSERT(pipe(p2c) == 0 && pipe(c2p) == 0);
	fflush(stdout);
	pid = fork();
	OSMO_ASSERT(pid >= 0);
	if (pid == 0) {
		struct eir_db *cdb = open_db();
		struct hold h = { .to_parent = c2p[1], .from_parent = p2c[0] };

		OSMO_ASSERT(eir_db_writer_lock(cdb, EIR_DB_NATIONAL, "osmo-eir-sync") == 0);
		OSMO_ASSERT(eir_db_write(cdb, EIR_DB_NATIONAL, hold_cb, &h) == 0);
		eir_db_close(cdb);
		talloc_free(ctx);
		exit(0);
	}
	db = open_db();
	OSMO_ASSERT(hear(c2p[0]) == 'h');
	/* if any of these waited for the child's transaction, they would wait forever: the child waits for us */
	printf("while it is open: local edit -> %d\n", eir_db_write(db, EIR_DB_LOCAL, local_edit_cb, NULL));
	printf("while it is open: verdict of the local edit -> %s\n", verdict_of(db, FIRST + 900000));
	printf("while it is open: verdict of an IMEI it is adding -> %s\n", verdict_of(db, FIRST + 500000));
	printf("while it is open: national writer lock for another sync -> %d\n",
	       eir_db_writer_lock(db, EIR_DB_NATIONAL, "osmo-eir-sync"));
	say(p2c[1], 'g');
	OSMO_ASSERT(waitpid(pid, &status, 0) == pid);
	printf("after it committed: verdict of an IMEI it added -> %s\n", verdict_of(db, FIRST + 500000));
	printf("writer exit status: %d\n", WIFEXITED(status) ? WEXITSTATUS(status) : -1);
	eir_db_close(db);
}

/* --- 3. another process grows the map: readers adopt the new size (MDB_MAP_RESIZED) --- */

static int grow_cb(struct eir_db_txn *txn, void *arg)
{
	unsigned i;

	for (i = 0; i < 60000; i++) {
		struct eir_entry e = { .imei = FIRST + 1000000 + i * 3, .list = EIR_LIST_GREY };
		int rc = eir_db_txn_put(txn, EIR_T_IMEI, &e);

		if (rc)
			return rc;
	}
	return 0;
}

static void test_map_resized(void)
{
	struct eir_db_opts o = { .map_size = 256 * 1024 };
	struct eir_db *db;
	pid_t pid;
	int status;
	char sub[96];

	printf("-- another process grows the map while this one has the store open\n");
	snprintf(sub, sizeof(sub), "%s/resize", dir);
	o.create = true;
	OSMO_ASSERT(eir_db_open(ctx, &db, sub, &o) == 0);
	printf("before: verdict -> %s\n", verdict_of(db, FIRST + 1000000 + 3 * 59999));
	fflush(stdout);
	pid = fork();
	OSMO_ASSERT(pid >= 0);
	if (pid == 0) {
		struct eir_db *cdb;
		struct eir_db_stats st;

		o.create = false;
		OSMO_ASSERT(eir_db_open(ctx, &cdb, sub, &o) == 0);
		OSMO_ASSERT(eir_db_write(cdb, EIR_DB_LOCAL, grow_cb, NULL) == 0);
		OSMO_ASSERT(eir_db_stats(cdb, EIR_DB_LOCAL, &st) == 0);
		eir_db_close(cdb);
		/* _exit: the parent's store handle was inherited by fork() and must not be closed here (closing an
		 * LMDB environment releases the reader slots of the pid that opened it: the parent's) */
		_exit(st.map_size > 256 * 1024 ? 0 : 2);
	}
	OSMO_ASSERT(waitpid(pid, &status, 0) == pid);
	printf("writer grew the map: %s\n", WIFEXITED(status) && WEXITSTATUS(status) == 0 ? "yes" : "no");
	printf("after: verdict -> %s\n", verdict_of(db, FIRST + 1000000 + 3 * 59999));
	eir_db_close(db);
}

int main(void)
{
	struct eir_db *db;
	struct eir_db_opts o = { .create = true };
	char cmd[96];

	alarm(60);
	ctx = talloc_named_const(NULL, 0, "concurrency_test");
	snprintf(dir, sizeof(dir), "/tmp/eir-conc-test.XXXXXX");
	OSMO_ASSERT(mkdtemp(dir));
	OSMO_ASSERT(eir_db_open(ctx, &db, dir, &o) == 0);
	eir_db_close(db);

	test_generations();
	test_no_wait();
	test_map_resized();

	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	OSMO_ASSERT(system(cmd) == 0);
	talloc_free(ctx);
	return 0;
}
