/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* DBDIR/sync-status: one "key value" line per field, written whole to a temporary file and renamed over the
 * old one, so that a reader sees the previous attempt or the last one, never half of one. */

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <osmocom/eir/sync_status.h>

static void copy_line(char *dst, size_t len, const char *s)
{
	size_t n = strcspn(s, "\r\n");

	if (n >= len)
		n = len - 1;
	memcpy(dst, s, n);
	dst[n] = '\0';
}

/*! Read the last attempt's record.
 *  \param[in] dbdir the store's directory
 *  \param[out] st the record (zeroed, run_id -1, when there is none)
 *  \returns 0, -ENOENT (no sync attempted yet) or -EIO (unreadable) */
int eir_sync_status_read(const char *dbdir, struct eir_sync_status *st)
{
	char path[4096], line[512], *val;
	bool have_attempt = false;
	FILE *f;

	memset(st, 0, sizeof(*st));
	st->run_id = -1;
	snprintf(path, sizeof(path), "%s/%s", dbdir, EIR_SYNC_STATUS_FILE);
	f = fopen(path, "r");
	if (!f)
		return errno == ENOENT ? -ENOENT : -EIO;
	while (fgets(line, sizeof(line), f)) {
		val = strchr(line, ' ');
		if (!val)
			continue;
		*val++ = '\0';
		if (!strcmp(line, "feed"))
			copy_line(st->feed, sizeof(st->feed), val);
		else if (!strcmp(line, "attempt_at"))
			have_attempt = sscanf(val, "%" SCNd64, &st->attempt_at) == 1;
		else if (!strcmp(line, "ok_at"))
			sscanf(val, "%" SCNd64, &st->ok_at);
		else if (!strcmp(line, "exit_code"))
			sscanf(val, "%d", &st->exit_code);
		else if (!strcmp(line, "result"))
			copy_line(st->result, sizeof(st->result), val);
		else if (!strcmp(line, "run_id"))
			sscanf(val, "%" SCNd64, &st->run_id);
		else if (!strcmp(line, "run_date"))
			copy_line(st->run_date, sizeof(st->run_date), val);
		else if (!strcmp(line, "limit_refused"))
			sscanf(val, "%" SCNu64, &st->limit_refused);
	}
	if (ferror(f) || !have_attempt) {
		fclose(f);
		return -EIO;
	}
	fclose(f);
	return 0;
}

/*! Replace the record atomically (temporary file, fsync, rename). \returns 0 or -errno */
int eir_sync_status_write(const char *dbdir, const struct eir_sync_status *st)
{
	char path[4096], tmp[4200], result[256];
	FILE *f;
	int rc = 0;

	snprintf(path, sizeof(path), "%s/%s", dbdir, EIR_SYNC_STATUS_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	copy_line(result, sizeof(result), st->result);
	f = fopen(tmp, "w");
	if (!f)
		return -errno;
	fprintf(f, "feed %s\nattempt_at %" PRId64 "\nok_at %" PRId64 "\nexit_code %d\nresult %s\nrun_id %" PRId64
		"\nrun_date %s\nlimit_refused %" PRIu64 "\n", st->feed, st->attempt_at, st->ok_at, st->exit_code,
		result, st->run_id, st->run_date, st->limit_refused);
	if (fflush(f) || fsync(fileno(f)))
		rc = -errno;
	if (fclose(f) && !rc)
		rc = -errno;
	if (!rc && rename(tmp, path))
		rc = -errno;
	if (rc)
		unlink(tmp);
	return rc;
}
