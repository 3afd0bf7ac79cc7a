/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* Downloading the feed's files to local files with libcurl: http(s) and file URLs, conditional GET on the
 * index (ETag / If-Modified-Since), redirects, timeouts, TLS verification on unless told otherwise. */

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <strings.h>
#include <unistd.h>

#include <curl/curl.h>
#include <openssl/evp.h>
#include <osmocom/core/logging.h>
#include <osmocom/eir/logging.h>

#include "sync.h"

uint64_t fetch_bytes_total;
void (*fetch_progress_cb)(void);

struct sink {
	FILE *f;
	uint64_t n, max;
	bool too_big, write_failed;
	int write_errno;
	struct fetch_cond *got;
	EVP_MD_CTX *md;		/* the SHA-256 of the body, computed as it arrives */
};

int fetch_global_init(void)
{
	return curl_global_init(CURL_GLOBAL_DEFAULT) == CURLE_OK ? 0 : -EIO;
}

static size_t write_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb;

	if (s->max && s->n + n > s->max) {
		s->too_big = true;
		return 0;
	}
	if (fwrite(p, 1, n, s->f) != n) {
		s->write_failed = true;
		s->write_errno = errno;
		return 0;
	}
	if (s->md)
		EVP_DigestUpdate(s->md, p, n);
	s->n += n;
	fetch_bytes_total += n;
	if (fetch_progress_cb)
		fetch_progress_cb();
	return n;
}

static size_t header_cb(char *p, size_t size, size_t nmemb, void *arg)
{
	struct sink *s = arg;
	size_t n = size * nmemb, vlen;
	const char *v;

	if (n > 5 && !strncasecmp(p, "ETag:", 5) && s->got) {
		v = p + 5;
		while (v < p + n && (*v == ' ' || *v == '\t'))
			v++;
		vlen = (size_t)(p + n - v);
		while (vlen && (v[vlen - 1] == '\r' || v[vlen - 1] == '\n' || v[vlen - 1] == ' '))
			vlen--;
		if (vlen < sizeof(s->got->etag)) {
			memcpy(s->got->etag, v, vlen);
			s->got->etag[vlen] = '\0';
		}
	}
	return n;
}

/*! Download url into the file path (created or truncated).
 *  \param[in] max_size refuse a body larger than this (0: no limit)
 *  \param[in] cond if not NULL, ask for the body only when it changed since cond (http(s) only)
 *  \param[out] got if not NULL, the ETag and Last-Modified of the answer
 *  \param[out] not_modified set when the server said it did not change (then path is left empty)
 *  \param[out] sha256 if not NULL, the SHA-256 of what was written to path
 *  \returns 0, or a SYNC_E_* exit code with err saying why */
int fetch_file(const struct fetch_opts *o, const char *url, const char *path, uint64_t max_size,
	       const struct fetch_cond *cond, struct fetch_cond *got, bool *not_modified, uint8_t *sha256, char *err,
	       size_t errlen)
{
	struct sink s = { .max = max_size, .got = got };
	struct curl_slist *hdrs = NULL;
	char ebuf[CURL_ERROR_SIZE] = "", h[300];
	long code = 0, unmet = 0, ftime = -1;
	bool is_http = !strncasecmp(url, "http://", 7) || !strncasecmp(url, "https://", 8);
	CURLcode cc;
	CURL *c;
	int rc = 0;

	if (not_modified)
		*not_modified = false;
	if (got)
		memset(got, 0, sizeof(*got));
	s.f = fopen(path, "wb");
	if (!s.f) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(errno));
		return errno == ENOSPC ? SYNC_E_FULL : SYNC_E_STORE;
	}
	if (sha256) {
		s.md = EVP_MD_CTX_new();
		if (!s.md || !EVP_DigestInit_ex(s.md, EVP_sha256(), NULL)) {
			EVP_MD_CTX_free(s.md);
			fclose(s.f);
			snprintf(err, errlen, "SHA-256: cannot initialise");
			return SYNC_E_STORE;
		}
	}
	c = curl_easy_init();
	if (!c) {
		EVP_MD_CTX_free(s.md);
		fclose(s.f);
		snprintf(err, errlen, "libcurl: out of memory");
		return SYNC_E_TRANSFER;
	}
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_PROTOCOLS_STR, "http,https,file");
	curl_easy_setopt(c, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(c, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(c, CURLOPT_MAXREDIRS, 5L);
	curl_easy_setopt(c, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(c, CURLOPT_FAILONERROR, 0L);
	curl_easy_setopt(c, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, write_cb);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &s);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, header_cb);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &s);
	curl_easy_setopt(c, CURLOPT_FILETIME, 1L);
	curl_easy_setopt(c, CURLOPT_USERAGENT, "osmo-eir-sync");
	curl_easy_setopt(c, CURLOPT_CONNECTTIMEOUT, o->connect_timeout);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, o->timeout);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_LIMIT, 1024L);
	curl_easy_setopt(c, CURLOPT_LOW_SPEED_TIME, o->low_speed_time);
	if (o->ca_file)
		curl_easy_setopt(c, CURLOPT_CAINFO, o->ca_file);
	if (o->tls_no_verify) {
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYPEER, 0L);
		curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L);
	}
	if (got)
		got->fetched_at = (int64_t)time(NULL);
	if (cond && is_http) {
		/* RFC 9110 13.1.3: with an entity tag, If-None-Match alone. A time condition besides it would make
		 * libcurl drop a 200 whose Last-Modified is not later (CURLINFO_CONDITION_UNMET), although the ETag
		 * changed. */
		if (cond->etag[0]) {
			snprintf(h, sizeof(h), "If-None-Match: %s", cond->etag);
			hdrs = curl_slist_append(hdrs, h);
			curl_easy_setopt(c, CURLOPT_HTTPHEADER, hdrs);
		} else if (cond->last_modified > 0) {
			curl_easy_setopt(c, CURLOPT_TIMECONDITION, (long)CURL_TIMECOND_IFMODSINCE);
			curl_easy_setopt(c, CURLOPT_TIMEVALUE_LARGE, (curl_off_t)cond->last_modified);
		}
	}

	cc = curl_easy_perform(c);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &code);
	curl_easy_getinfo(c, CURLINFO_CONDITION_UNMET, &unmet);
	curl_easy_getinfo(c, CURLINFO_FILETIME, &ftime);
	if (fclose(s.f) && cc == CURLE_OK && !s.write_failed) {
		s.write_failed = true;
		s.write_errno = errno;
	}

	if (s.too_big) {
		snprintf(err, errlen, "%s: larger than %llu bytes", url, (unsigned long long)max_size);
		rc = SYNC_E_FORMAT;
	} else if (s.write_failed) {
		snprintf(err, errlen, "cannot write %s: %s", path, strerror(s.write_errno));
		rc = s.write_errno == ENOSPC ? SYNC_E_FULL : SYNC_E_STORE;
	} else if (cc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(err, errlen, "%s: timed out: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(cc));
		rc = SYNC_E_TIMEOUT;
	} else if (cc != CURLE_OK) {
		snprintf(err, errlen, "%s: %s", url, ebuf[0] ? ebuf : curl_easy_strerror(cc));
		rc = SYNC_E_TRANSFER;
	} else if (is_http && (code == 304 || unmet)) {
		if (not_modified)
			*not_modified = true;
	} else if (is_http && code != 200) {
		snprintf(err, errlen, "%s: HTTP status %ld", url, code);
		rc = SYNC_E_TRANSFER;
	}
	if (!rc && got && ftime > 0)
		got->last_modified = ftime;
	if (s.md) {
		unsigned int n = 32;

		if (!rc && !EVP_DigestFinal_ex(s.md, sha256, &n)) {
			snprintf(err, errlen, "SHA-256: cannot finish");
			rc = SYNC_E_STORE;
		}
		EVP_MD_CTX_free(s.md);
	}
	LOGP(DSYNC, LOGL_DEBUG, "%s: %s, %llu bytes\n", url, rc ? err : "done", (unsigned long long)s.n);
	curl_slist_free_all(hdrs);
	curl_easy_cleanup(c);
	return rc;
}
