/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* DBDIR/sync-status: one "key value" line per field, written whole to a temporary file and renamed over the
 * old one, so that a reader sees the previous attempt or the last one, never half of one. Every record is
 * padded to RECORD_SIZE: on a full disk, where no temporary file can be written, the record is rewritten in
 * place over the old one's blocks, so that the failed attempt still shows. */

#include <errno.h>
#include <stdbool.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
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

#define RECORD_SIZE 1024	/* > the longest record (feed 63, result 255, numbers) */

/* write the whole buffer at offset 0 of fd and make it durable. \returns 0 or -errno */
static int write_all(int fd, const char *buf, size_t len)
{
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pwrite(fd, buf + done, len - done, (off_t)done);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return -errno;
		}
		done += (size_t)n;
	}
	return fdatasync(fd) ? -errno : 0;
}

/* a full disk: overwrite the old record, which is as long, in place (a reader may then, rarely, see a torn one) */
static int rewrite_in_place(const char *path, const char *buf)
{
	struct stat stt;
	int fd, rc;

	fd = open(path, O_WRONLY | O_CLOEXEC);
	if (fd < 0)
		return -errno;
	if (fstat(fd, &stt) || stt.st_size < RECORD_SIZE) {
		close(fd);
		return -ENOSPC;
	}
	rc = write_all(fd, buf, RECORD_SIZE);
	if (close(fd) && !rc)
		rc = -errno;
	return rc;
}

/*! Replace the record atomically (temporary file, fsync, rename); on a full disk, in place.
 *  \returns 0 or -errno */
int eir_sync_status_write(const char *dbdir, const struct eir_sync_status *st)
{
	char path[4096], tmp[4200], result[256], buf[RECORD_SIZE];
	int fd, n, rc;

	snprintf(path, sizeof(path), "%s/%s", dbdir, EIR_SYNC_STATUS_FILE);
	snprintf(tmp, sizeof(tmp), "%s.tmp.%d", path, (int)getpid());
	copy_line(result, sizeof(result), st->result);
	n = snprintf(buf, sizeof(buf),
		     "feed %s\nattempt_at %" PRId64 "\nok_at %" PRId64 "\nexit_code %d\n"
		     "result %s\nrun_id %" PRId64 "\nrun_date %s\nlimit_refused %" PRIu64 "\n",
		     st->feed, st->attempt_at, st->ok_at, st->exit_code, result, st->run_id, st->run_date,
		     st->limit_refused);
	if (n < 0 || n >= RECORD_SIZE)
		return -EINVAL;
	/* the padding: empty lines, which a reader skips */
	memset(buf + n, '\n', RECORD_SIZE - n);
	fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0666);
	if (fd < 0) {
		rc = -errno;
	} else {
		rc = write_all(fd, buf, RECORD_SIZE);
		if (close(fd) && !rc)
			rc = -errno;
		if (!rc && rename(tmp, path))
			rc = -errno;
		if (rc)
			unlink(tmp);
	}
	if (rc == -ENOSPC || rc == -EDQUOT)
		rc = rewrite_in_place(path, buf);
	return rc;
}
