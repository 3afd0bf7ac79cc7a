/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The feed directory as osmo-eir-feed's commands (publish, publish-dirbs, prune) share it: messages, paths, copies,
 * and its indexes: RUNS and SHA256SUMS read, then rewritten and signed, each atomically. */

#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <talloc.h>
#include <osmocom/eir/feed.h>
#include "feed_pub.h"

void *ctx;
const char *dir;
const char *key_path;

char *pathf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = talloc_vasprintf(ctx, fmt, ap);
	va_end(ap);
	return s;
}

int copy_file(const char *from, const char *to)
{
	char buf[1 << 16];
	FILE *in, *out;
	size_t n;
	int rc = 0;

	in = fopen(from, "rb");
	if (!in)
		return eir_fail(1, "cannot read %s: %s", from, strerror(errno));
	out = fopen(to, "wb");
	if (!out) {
		fclose(in);
		return eir_fail(1, "cannot write %s: %s", to, strerror(errno));
	}
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0) {
		if (fwrite(buf, 1, n, out) != n) {
			rc = eir_fail(1, "cannot write %s: %s", to, strerror(errno));
			break;
		}
	}
	if (ferror(in))
		rc = eir_fail(1, "cannot read %s", from);
	if (fclose(out) && !rc)
		rc = eir_fail(1, "cannot write %s: %s", to, strerror(errno));
	fclose(in);
	return rc;
}

static char *read_text(const char *path, size_t *len)
{
	struct stat st;
	char *buf;
	FILE *f = fopen(path, "rb");

	*len = 0;
	if (!f)
		return NULL;
	fstat(fileno(f), &st);
	buf = talloc_size(ctx, (size_t)st.st_size + 1);
	*len = fread(buf, 1, (size_t)st.st_size, f);
	buf[*len] = '\0';
	fclose(f);
	return buf;
}

int load_runs(struct feed_runs *runs, struct feed_sums *sums)
{
	char err[256];
	size_t len;
	char *t;

	t = read_text(pathf("%s/RUNS", dir), &len);
	memset(runs, 0, sizeof(*runs));
	memset(sums, 0, sizeof(*sums));
	if (t && feed_runs_parse(ctx, t, len, runs, err, sizeof(err)))
		return eir_fail(1, "%s/RUNS: %s", dir, err);
	t = read_text(pathf("%s/SHA256SUMS", dir), &len);
	if (t && feed_sums_parse(ctx, t, len, sums, err, sizeof(err)))
		return eir_fail(1, "%s/SHA256SUMS: %s", dir, err);
	return 0;
}

/* Rewrite RUNS, SHA256SUMS (hashing only files it does not list yet) and its signature, each atomically. */
int write_indexes(const struct feed_runs *runs, const struct feed_sums *old)
{
	char err[512], hex[65], *runs_tmp, *sums_tmp, *sig_tmp, *sums_path, *text;
	uint8_t sha[32], sig[64];
	const uint8_t *known;
	struct stat st;
	unsigned i, j;
	size_t len;
	FILE *f;
	int fd;

	runs_tmp = pathf("%s/RUNS.tmp", dir);
	f = fopen(runs_tmp, "w");
	if (!f)
		return eir_fail(1, "cannot write %s: %s", runs_tmp, strerror(errno));
	for (i = 0; i < runs->n; i++) {
		const struct feed_run *r = &runs->r[i];

		fprintf(f, "%" PRId64 " %s %" PRId64, r->run, r->date, r->base);
		for (j = 0; j < r->n_files; j++)
			fprintf(f, " %s", r->files[j]);
		fputc('\n', f);
	}
	if (fclose(f))
		return eir_fail(1, "cannot write %s: %s", runs_tmp, strerror(errno));

	sums_tmp = pathf("%s/SHA256SUMS.tmp", dir);
	f = fopen(sums_tmp, "w");
	if (!f)
		return eir_fail(1, "cannot write %s: %s", sums_tmp, strerror(errno));
	if (feed_sha256_file(runs_tmp, sha, err, sizeof(err)))
		return eir_fail(1, "%s", err);
	fprintf(f, "%s  RUNS\n", feed_hex(hex, sha));
	for (i = 0; i < runs->n; i++) {
		for (j = 0; j < runs->r[i].n_files; j++) {
			const char *name = runs->r[i].files[j];

			known = feed_sums_get(old, name);
			if (!known) {
				if (feed_sha256_file(pathf("%s/%s", dir, name), sha, err, sizeof(err)))
					return eir_fail(1, "%s", err);
				known = sha;
			}
			fprintf(f, "%s  %s\n", feed_hex(hex, known), name);
		}
	}
	if (fclose(f))
		return eir_fail(1, "cannot write %s: %s", sums_tmp, strerror(errno));

	text = read_text(sums_tmp, &len);
	if (!text || feed_sign(key_path, text, len, sig, err, sizeof(err)))
		return eir_fail(1, "cannot sign the index: %s", text ? err : "cannot read it back");
	sig_tmp = pathf("%s/SHA256SUMS.sig.tmp", dir);
	fd = open(sig_tmp, O_WRONLY | O_CREAT | O_TRUNC, 0644);
	if (fd < 0 || write(fd, sig, sizeof(sig)) != (ssize_t)sizeof(sig) || close(fd))
		return eir_fail(1, "cannot write %s: %s", sig_tmp, strerror(errno));

	/* a changed index gets a later modification time than the one it replaces, even within one second, so that
	 * a conditional GET (If-Modified-Since, or an ETag made of the time) never takes it for the old one */
	sums_path = pathf("%s/SHA256SUMS", dir);
	if (stat(sums_path, &st) == 0) {
		struct stat nst;

		if (stat(sums_tmp, &nst) == 0 && nst.st_mtim.tv_sec <= st.st_mtim.tv_sec) {
			struct timespec ts[2] = { { .tv_nsec = UTIME_OMIT }, { .tv_sec = st.st_mtim.tv_sec + 1 } };

			utimensat(AT_FDCWD, sums_tmp, ts, 0);
		}
	}
	if (rename(runs_tmp, pathf("%s/RUNS", dir)) || rename(sums_tmp, sums_path) ||
	    rename(sig_tmp, pathf("%s/SHA256SUMS.sig", dir)))
		return eir_fail(1, "cannot replace the indexes in %s: %s", dir, strerror(errno));
	return 0;
}

void run_add_file(struct feed_run *r, const char *name)
{
	r->files = talloc_realloc(ctx, r->files, char *, r->n_files + 1);
	r->files[r->n_files++] = talloc_strdup(ctx, name);
}
