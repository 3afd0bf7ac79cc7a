/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The feed's zips (libzip): DIRBS ships each list of a run as a zip of its files. Opening one, listing its members
 * and reading a member as a CSV stream, once for osmo-eir-sync and osmo-eir-feed (include/osmocom/eir/feed.h). */

#include <errno.h>
#include <stdio.h>

#include <talloc.h>
#include <zip.h>

#include <osmocom/eir/feed.h>

struct feed_zip {
	zip_t *za;
	zip_file_t *zf;		/*!< the member being read, if any */
	char name[256];		/*!< for messages */
};

static int feed_zip_destructor(struct feed_zip *z)
{
	if (z->zf)
		zip_fclose(z->zf);
	if (z->za)
		zip_discard(z->za);
	return 0;
}

static struct feed_zip *zip_new(void *ctx, const char *name)
{
	struct feed_zip *z = talloc_zero(ctx, struct feed_zip);

	if (!z)
		return NULL;
	snprintf(z->name, sizeof(z->name), "%s", name);
	talloc_set_destructor(z, feed_zip_destructor);
	return z;
}

/*! Open the zip at path (name: for messages). Strict: a zip whose central directory and entries disagree is refused.
 *  \returns the zip (free it with talloc_free()), or NULL with err set */
struct feed_zip *feed_zip_open(void *ctx, const char *path, const char *name, char *err, size_t errlen)
{
	struct feed_zip *z = zip_new(ctx, name);
	int zerr = 0;

	if (!z) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	z->za = zip_open(path, ZIP_RDONLY | ZIP_CHECKCONS, &zerr);
	if (!z->za) {
		snprintf(err, errlen, "%s: not a readable zip file (libzip error %d)", name, zerr);
		talloc_free(z);
		return NULL;
	}
	return z;
}

/*! The same from len bytes at buf, which must stay until the zip is freed (the fuzz target's way in). */
struct feed_zip *feed_zip_open_mem(void *ctx, const void *buf, size_t len, const char *name, char *err,
				   size_t errlen)
{
	struct feed_zip *z = zip_new(ctx, name);
	zip_source_t *src;
	zip_error_t ze;

	if (!z) {
		snprintf(err, errlen, "%s: out of memory", name);
		return NULL;
	}
	zip_error_init(&ze);
	src = zip_source_buffer_create(buf, len, 0, &ze);
	if (src)
		z->za = zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &ze);
	if (!z->za) {
		snprintf(err, errlen, "%s: not a readable zip file (libzip error %d)", name, zip_error_code_zip(&ze));
		if (src)
			zip_source_free(src);
		zip_error_fini(&ze);
		talloc_free(z);
		return NULL;
	}
	zip_error_fini(&ze);
	return z;
}

/*! The members' names, in the zip's order, allocated under ctx (they outlive the zip); NULL where a member has no
 *  name (the planner refuses those). \returns 0, or -ENOMEM */
int feed_zip_members(struct feed_zip *z, void *ctx, const char *const **names, unsigned *n)
{
	zip_int64_t count = zip_get_num_entries(z->za, 0), i;
	const char **m;

	*n = count > 0 ? (unsigned)count : 0;
	m = talloc_zero_array(ctx, const char *, *n ? *n : 1);
	if (!m) {
		*n = 0;
		return -ENOMEM;
	}
	for (i = 0; i < count; i++) {
		const char *name = zip_get_name(z->za, (zip_uint64_t)i, 0);

		m[i] = name ? talloc_strdup(m, name) : NULL;
	}
	*names = m;
	return 0;
}

/*! \returns whether the zip has a member of this name */
bool feed_zip_has(struct feed_zip *z, const char *member)
{
	return zip_name_locate(z->za, member, 0) >= 0;
}

static ssize_t member_read(void *arg, void *buf, size_t len)
{
	zip_int64_t n = zip_fread(arg, buf, len);

	return n < 0 ? -EIO : (ssize_t)n;
}

/*! Read a member as CSV (one member of a zip at a time; the stream ends with the zip or the next call).
 *  \returns the reader (free it with eir_csv_free() before the zip), or NULL with err set */
struct eir_csv *feed_zip_csv(struct feed_zip *z, const char *member, char *err, size_t errlen)
{
	struct eir_csv *csv;

	if (z->zf)
		zip_fclose(z->zf);
	z->zf = zip_fopen(z->za, member, 0);
	if (!z->zf) {
		snprintf(err, errlen, "%s: %s: %s", z->name, member, zip_strerror(z->za));
		return NULL;
	}
	csv = eir_csv_new(NULL, member_read, z->zf);
	if (!csv)
		snprintf(err, errlen, "%s: %s: out of memory", z->name, member);
	return csv;
}
