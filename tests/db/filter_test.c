/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The lookup filter (src/db/filter.c) never hides a key: after every kind of write (this process's before, during and
 * after a build, another process's, deletions, a table emptied), every IMEI record of the table is found by
 * eir_db_get(), and an IMEI on no list is answered by the filter (no B-tree search) only while it is trusted. Another
 * process's commits are taken from the key log (eir_db_filter_catch_up()) unless one of them could not list its keys
 * or the filter is further behind than the log keeps: then it is built again. */

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include <lmdb.h>	/* only to count the key log's entries (a child process opens the part on its own) */
#include <talloc.h>
#include <osmocom/core/utils.h>
#include <osmocom/eir/db.h>

#define BASE 35000000000000ULL
#define OFF 1000000000ULL	/* unlisted IMEIs: BASE + OFF + i */
#define KLOG_MAX_KEYS 262144	/* as in src/db/store_internal.h: keys one commit lists in the key log */
#define KLOG_KEEP 1024		/* and the transactions it keeps */

static char dir[64];
static void *ctx;
static struct eir_db *db, *tdb;

struct span {
	uint64_t first;
	unsigned n, step;
	enum eir_db_table t;
	bool del;
};

static int span_cb(struct eir_db_txn *txn, void *arg)
{
	const struct span *s = arg;

	for (unsigned i = 0; i < s->n; i++) {
		struct eir_entry e = { .imei = s->first + (uint64_t)i * s->step, .list = EIR_LIST_BLACK };

		int rc = s->del ? eir_db_txn_del(txn, EIR_T_IMEI, &e) : eir_db_txn_put(txn, s->t, &e);

		OSMO_ASSERT(rc == 0);
	}
	return 0;
}

static void put(struct eir_db *d, enum eir_db_part part, uint64_t first, unsigned n, unsigned step)
{
	struct span s = { .first = first, .n = n, .step = step, .t = EIR_T_IMEI };

	OSMO_ASSERT(eir_db_write(d, part, span_cb, &s) == 0);
}

static void del(enum eir_db_part part, uint64_t first, unsigned n, unsigned step)
{
	struct span s = { .first = first, .n = n, .step = step, .del = true };

	OSMO_ASSERT(eir_db_write(db, part, span_cb, &s) == 0);
}

struct keys {
	uint64_t *k;
	size_t n, cap;
};

static int collect_cb(const struct eir_entry *e, void *arg)
{
	struct keys *ks = arg;

	if (ks->n == ks->cap) {
		ks->cap = ks->cap ? ks->cap * 2 : 1024;
		ks->k = realloc(ks->k, ks->cap * sizeof(*ks->k));
		OSMO_ASSERT(ks->k);
	}
	ks->k[ks->n++] = e->imei;
	return 0;
}

static int clear_cb(struct eir_db_txn *txn, void *arg)
{
	return eir_db_txn_clear(txn, EIR_T_IMEI);
}

static unsigned check_all(enum eir_db_part part, unsigned unlisted, struct eir_db_filter_info *a,
			  struct eir_db_filter_info *b);

/* every record of the part's IMEI table found by a lookup, in one snapshot (check_all(): the filter's state before and
 * after in a and b, the records counted); and how many of n unlisted IMEIs the filter answered. Prints what does not
 * depend on the hash. */
static void verify(const char *what, enum eir_db_part part, unsigned unlisted)
{
	struct eir_db_filter_info a, b;
	unsigned rows = check_all(part, unlisted, &a, &b);

	printf("%s: %u records, all found; filter %s; unlisted answered by it: %s\n", what, rows,
	       a.current ? "trusted" : "not trusted",
	       b.skips - a.skips == 0 ? "none" : b.skips - a.skips >= unlisted * 9 / 10 ? "most" : "FEW");
}

static unsigned check_all(enum eir_db_part part, unsigned unlisted, struct eir_db_filter_info *a,
			  struct eir_db_filter_info *b)
{
	struct eir_entry from = { 0 };
	unsigned found = 0, rows = 0;
	struct keys ks = { 0 };

	OSMO_ASSERT(eir_db_read_begin(db) == 0);
	/* the table's keys, read by iteration (which the filter does not touch) */
	OSMO_ASSERT(eir_db_iter(db, part, EIR_T_IMEI, &from, collect_cb, &ks) >= 0);
	eir_db_filter_info(db, part, a);
	for (size_t i = 0; i < ks.n; i++) {
		struct eir_entry e = { .imei = ks.k[i] };

		rows++;
		if (eir_db_get(db, part, EIR_T_IMEI, &e) == 0)
			found++;
	}
	for (unsigned i = 0; i < unlisted; i++) {
		struct eir_entry e = { .imei = BASE + OFF + i };

		OSMO_ASSERT(eir_db_get(db, part, EIR_T_IMEI, &e) == -ENOENT);
	}
	eir_db_filter_info(db, part, b);
	eir_db_read_end(db);
	free(ks.k);
	OSMO_ASSERT(found == rows);
	return rows;
}

static void build(enum eir_db_part part, int want)
{
	struct eir_db_filter *old;
	int rc = eir_db_filter_build(tdb, part, NULL, &old);

	if (rc != want)
		printf("build: %d (%s), wanted %d\n", rc, eir_db_errstr(tdb), want);
	OSMO_ASSERT(rc == want);
	eir_db_filter_free(old);
}

/* --- writes of this process during a build --- */

struct writer {
	volatile unsigned rounds;	/* 40 commits of 100 keys, the build started after the third */
	struct eir_db *wdb;		/* its thread handle (talloc'd and freed on the main thread) */
};

static void *writer_main(void *arg)
{
	struct writer *w = arg;

	while (w->rounds < 40) {
		put(w->wdb, EIR_DB_LOCAL, BASE + 5000000 + w->rounds * 100, 100, 1);
		w->rounds++;
	}
	return NULL;
}

/* another process writes the national part, as osmo-eir-sync does: commits of n keys from first on, 10 apart
 * \returns its pid */
static pid_t foreign_start(uint64_t first, unsigned commits, unsigned n)
{
	pid_t pid;

	fflush(stdout);
	pid = fork();
	OSMO_ASSERT(pid >= 0);
	if (pid == 0) {
		struct eir_db *d;
		struct eir_db_opts o = { 0 };

		OSMO_ASSERT(eir_db_open(NULL, &d, dir, &o) == 0);
		for (unsigned i = 0; i < commits; i++)
			put(d, EIR_DB_NATIONAL, first + (uint64_t)i * n * 10, n, 1);
		eir_db_close(d);
		_exit(0);
	}
	return pid;
}

static void foreign_put(uint64_t first, unsigned n)
{
	pid_t pid = foreign_start(first, 1, n);
	int status;

	OSMO_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

static void catch_up(enum eir_db_part part, int want, uint64_t want_keys)
{
	uint64_t keys;
	int rc = eir_db_filter_catch_up(tdb, part, &keys);

	if (rc != want || (rc == 0 && keys != want_keys))
		printf("catch-up: %d (%s), %llu keys; wanted %d, %llu keys\n", rc, rc ? eir_db_errstr(tdb) : "",
		       (unsigned long long)keys, want, (unsigned long long)want_keys);
	OSMO_ASSERT(rc == want && (rc || keys == want_keys));
}

/* the entries of a part's key log, counted by a child process with an environment of its own */
static size_t keylog_entries(const char *pname)
{
	size_t n = 0;
	int fd[2], status;
	pid_t pid;

	fflush(stdout);
	OSMO_ASSERT(pipe(fd) == 0);
	pid = fork();
	OSMO_ASSERT(pid >= 0);
	if (pid == 0) {
		char path[96];
		MDB_env *env;
		MDB_txn *txn;
		MDB_dbi dbi;
		MDB_stat st;

		close(fd[0]);
		snprintf(path, sizeof(path), "%s/%s", dir, pname);
		if (mdb_env_create(&env) || mdb_env_set_maxdbs(env, 16) || mdb_env_open(env, path, MDB_RDONLY, 0600) ||
		    mdb_txn_begin(env, NULL, MDB_RDONLY, &txn) || mdb_dbi_open(txn, "keylog", 0, &dbi) ||
		    mdb_stat(txn, dbi, &st))
			_exit(1);
		n = st.ms_entries;
		_exit(write(fd[1], &n, sizeof(n)) == sizeof(n) ? 0 : 1);
	}
	close(fd[1]);
	OSMO_ASSERT(read(fd[0], &n, sizeof(n)) == sizeof(n));
	close(fd[0]);
	OSMO_ASSERT(waitpid(pid, &status, 0) == pid && WIFEXITED(status) && WEXITSTATUS(status) == 0);
	return n;
}

int main(void)
{
	struct eir_db_opts o = { .create = true };
	struct eir_db_filter_info fi;
	struct writer w = { 0 };
	pthread_t th;
	char cmd[96];

	alarm(120);
	ctx = talloc_named_const(NULL, 0, "filter_test");
	snprintf(dir, sizeof(dir), "/tmp/eir-filter-test.XXXXXX");
	OSMO_ASSERT(mkdtemp(dir));
	OSMO_ASSERT(eir_db_open(ctx, &db, dir, &o) == 0);
	tdb = eir_db_thread_handle(ctx, db);

	printf("-- no filter: every lookup searches\n");
	put(db, EIR_DB_LOCAL, BASE, 200000, 3);
	verify("local, 200000 keys", EIR_DB_LOCAL, 10000);
	OSMO_ASSERT(eir_db_filter_info(db, EIR_DB_LOCAL, &fi));

	printf("-- built (several read transactions: more keys than one holds)\n");
	build(EIR_DB_LOCAL, 0);
	verify("local", EIR_DB_LOCAL, 10000);
	OSMO_ASSERT(!eir_db_filter_info(db, EIR_DB_LOCAL, &fi) && fi.current && fi.keys == 200000);

	printf("-- this process writes after the build: trusted still, the new keys found\n");
	put(db, EIR_DB_LOCAL, BASE + 1, 1000, 3);
	del(EIR_DB_LOCAL, BASE, 500, 3);
	verify("local after puts and deletions", EIR_DB_LOCAL, 10000);

	printf("-- a thread writes while the filter is built\n");
	w.wdb = eir_db_thread_handle(ctx, db);
	OSMO_ASSERT(pthread_create(&th, NULL, writer_main, &w) == 0);
	while (w.rounds < 3)
		usleep(1000);
	build(EIR_DB_LOCAL, 0);
	pthread_join(th, NULL);
	eir_db_close(w.wdb);
	verify("local after the writing thread", EIR_DB_LOCAL, 10000);

	printf("-- a table emptied and filled again\n");
	OSMO_ASSERT(eir_db_write(db, EIR_DB_LOCAL, clear_cb, NULL) == 0);
	put(db, EIR_DB_LOCAL, BASE + 2, 5000, 7);
	verify("local refilled", EIR_DB_LOCAL, 10000);

	printf("-- another process writes the national part: not trusted until built again (or caught up)\n");
	foreign_put(BASE, 100000);
	build(EIR_DB_NATIONAL, 0);
	verify("national", EIR_DB_NATIONAL, 10000);
	foreign_put(BASE + 2000000, 1000);
	verify("national after the other process's write", EIR_DB_NATIONAL, 10000);
	/* due for a build: not current */
	OSMO_ASSERT(eir_db_filter_info(db, EIR_DB_NATIONAL, &fi) && !fi.current);
	build(EIR_DB_NATIONAL, 0);
	verify("national built again", EIR_DB_NATIONAL, 10000);
	printf("-- and while it is built: refused, to be built again\n");
	{
		pid_t pid = foreign_start(BASE + 3000000, 400, 10);
		int status;

		/* a build of 100k keys takes several read transactions; a commit between any two of them, or between
		 * the build's start and its end, must refuse it */
		unsigned refused = 0, built = 0;

		while (waitpid(pid, &status, WNOHANG) == 0) {
			struct eir_db_filter *old;
			int rc = eir_db_filter_build(tdb, EIR_DB_NATIONAL, NULL, &old);

			OSMO_ASSERT(rc == 0 || rc == -EAGAIN);
			eir_db_filter_free(old);
			if (rc)
				refused++;
			else
				built++;
			/* whatever the outcome, nothing hidden (checked outside verify: the writes go on) */
			OSMO_ASSERT(eir_db_read_begin(db) == 0);
			for (unsigned i = 0; i < 100000; i += 97) {
				struct eir_entry e = { .imei = BASE + i };

				OSMO_ASSERT(eir_db_get(db, EIR_DB_NATIONAL, EIR_T_IMEI, &e) == 0);
			}
			eir_db_read_end(db);
		}
		OSMO_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		printf("builds during the other process's 400 commits: %s refused\n", refused ? "some" : "NONE");
		eir_db_filter_info(db, EIR_DB_NATIONAL, &fi);
		if (!fi.current)
			build(EIR_DB_NATIONAL, 0);
		verify("national built after them", EIR_DB_NATIONAL, 10000);
	}

	printf("-- another process's commits taken from the key log: trusted again without a build\n");
	foreign_start(BASE + 4000000, 5, 100);
	OSMO_ASSERT(wait(NULL) > 0);
	verify("national after five commits of another process", EIR_DB_NATIONAL, 10000);
	catch_up(EIR_DB_NATIONAL, 0, 500);
	verify("national caught up", EIR_DB_NATIONAL, 10000);
	OSMO_ASSERT(!eir_db_filter_info(db, EIR_DB_NATIONAL, &fi) && fi.current && fi.catch_ups == 1);
	catch_up(EIR_DB_NATIONAL, 0, 0);
	{
		pid_t pid = foreign_start(BASE + 5000000, 300, 10);
		uint64_t keys, taken = 0;
		int status;

		/* while the other process goes on committing: every catch-up brings it to the snapshot it read, and in
		 * every snapshot after it, trusted or not, every record is found */
		while (waitpid(pid, &status, WNOHANG) == 0) {
			struct eir_db_filter_info a, b;

			OSMO_ASSERT(eir_db_filter_catch_up(tdb, EIR_DB_NATIONAL, &keys) == 0);
			taken += keys;
			check_all(EIR_DB_NATIONAL, 100, &a, &b);
		}
		OSMO_ASSERT(WIFEXITED(status) && WEXITSTATUS(status) == 0);
		/* and the commits after the loop's last catch-up: each key once, however the commits fell */
		OSMO_ASSERT(eir_db_filter_catch_up(tdb, EIR_DB_NATIONAL, &keys) == 0);
		taken += keys;
		printf("keys taken by the catch-ups during and after the other process's 300 commits: %llu\n",
		       (unsigned long long)taken);
	}
	verify("national caught up after them", EIR_DB_NATIONAL, 10000);
	printf("-- a commit of too many keys to list: built again\n");
	foreign_put(BASE + 10000000, KLOG_MAX_KEYS + 1);
	catch_up(EIR_DB_NATIONAL, -ENOENT, 0);
	verify("national after the big commit", EIR_DB_NATIONAL, 10000);
	build(EIR_DB_NATIONAL, 0);
	verify("national built again", EIR_DB_NATIONAL, 10000);
	printf("-- further behind than the log keeps: built again; the log keeps no more\n");
	foreign_start(BASE + 11000000, KLOG_KEEP + 1, 1);
	OSMO_ASSERT(wait(NULL) > 0);
	catch_up(EIR_DB_NATIONAL, -ENOENT, 0);
	build(EIR_DB_NATIONAL, 0);
	verify("national built again", EIR_DB_NATIONAL, 10000);
	printf("key log entries: %s\n", keylog_entries("national") <= KLOG_KEEP ? "at most as many as it keeps" :
	       "TOO MANY");
	printf("-- this process's commits that its filter chains: no key log entry (nothing will read it)\n");
	{
		size_t n0 = keylog_entries("national");

		OSMO_ASSERT(eir_db_filter_info(db, EIR_DB_NATIONAL, &fi) == false && fi.current);
		for (unsigned i = 0; i < 5; i++)
			put(db, EIR_DB_NATIONAL, BASE + 12000000 + i * 10, 10, 1);
		printf("key log entries added by 5 chained commits: %zu\n", keylog_entries("national") - n0);
		verify("national after them", EIR_DB_NATIONAL, 10000);
	}
	printf("-- this process's commits after another's: their keys taken from the log as well\n");
	foreign_put(BASE + 13000000, 100);
	put(db, EIR_DB_NATIONAL, BASE + 13500000, 10, 1);
	OSMO_ASSERT(eir_db_filter_info(db, EIR_DB_NATIONAL, &fi) && !fi.current);
	catch_up(EIR_DB_NATIONAL, 0, 110);
	verify("national caught up", EIR_DB_NATIONAL, 10000);

	printf("-- a build cancelled (osmo-eir stopping): the filter it would replace stays\n");
	{
		struct eir_db_filter *old;
		bool cancel = true;

		OSMO_ASSERT(eir_db_filter_build(tdb, EIR_DB_NATIONAL, &cancel, &old) == -ECANCELED && !old);
		verify("national after the cancelled build", EIR_DB_NATIONAL, 10000);
	}

	printf("-- the map grown while a filter is in use\n");
	OSMO_ASSERT(eir_db_grow(db, EIR_DB_LOCAL) == 0);
	put(db, EIR_DB_LOCAL, BASE + 7000000, 1000, 1);
	verify("local after the map grew", EIR_DB_LOCAL, 10000);

	eir_db_close(tdb);
	eir_db_close(db);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	OSMO_ASSERT(system(cmd) == 0);
	talloc_free(ctx);
	return 0;
}
