/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* One POST of a batch of events with libcurl: https only, the receiver's certificate verified (host name too)
 * against the configured CA, an optional client certificate, bounded in time; the answer's body is not kept. */

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include <curl/curl.h>

#include "push.h"

static CURL *curl;
static struct curl_slist *headers;
static volatile int *stop;	/* a POST under way ends when this is set */

int post_init(volatile int *stop_flag)
{
	stop = stop_flag;
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
		return -EIO;
	headers = curl_slist_append(NULL, "Content-Type: application/json");
	if (headers)
		headers = curl_slist_append(headers, "Accept: application/json, */*");
	/* the handle is kept: its connection is reused from one POST to the next */
	curl = curl_easy_init();
	return curl && headers ? 0 : -ENOMEM;
}

void post_fini(void)
{
	if (curl)
		curl_easy_cleanup(curl);
	curl_slist_free_all(headers);
	curl = NULL;
	headers = NULL;
	curl_global_cleanup();
}

/* the receiver's answer is not read: its status says it all */
static size_t discard(char *p, size_t size, size_t nmemb, void *arg)
{
	(void)p;
	(void)arg;
	return size * nmemb;
}

/* a stop request ends a POST under way: its events were not acknowledged, the next start sends them again */
static int xferinfo(void *arg, curl_off_t dt, curl_off_t dn, curl_off_t ut, curl_off_t un)
{
	(void)arg;
	(void)dt;
	(void)dn;
	(void)ut;
	(void)un;
	return *stop ? 1 : 0;
}

long post_events(const char *body, size_t len, char *err, size_t errlen)
{
	char ebuf[CURL_ERROR_SIZE] = "";
	long status = 0;
	CURLcode rc;

	curl_easy_reset(curl);
	curl_easy_setopt(curl, CURLOPT_URL, g_push.url);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS_STR, "https");
#else
	curl_easy_setopt(curl, CURLOPT_PROTOCOLS, CURLPROTO_HTTPS);
#endif
	curl_easy_setopt(curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYPEER, 1L);
	curl_easy_setopt(curl, CURLOPT_SSL_VERIFYHOST, 2L);
	if (g_push.ca_file)
		curl_easy_setopt(curl, CURLOPT_CAINFO, g_push.ca_file);
	if (g_push.cert_file) {
		curl_easy_setopt(curl, CURLOPT_SSLCERT, g_push.cert_file);
		curl_easy_setopt(curl, CURLOPT_SSLKEY, g_push.key_file ? g_push.key_file : g_push.cert_file);
	}
	curl_easy_setopt(curl, CURLOPT_CONNECTTIMEOUT, g_push.connect_timeout);
	curl_easy_setopt(curl, CURLOPT_TIMEOUT, g_push.timeout);
	curl_easy_setopt(curl, CURLOPT_HTTPHEADER, headers);
	curl_easy_setopt(curl, CURLOPT_POST, 1L);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDS, body);
	curl_easy_setopt(curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)len);
	curl_easy_setopt(curl, CURLOPT_WRITEFUNCTION, discard);
	curl_easy_setopt(curl, CURLOPT_ERRORBUFFER, ebuf);
	curl_easy_setopt(curl, CURLOPT_NOPROGRESS, 0L);
	curl_easy_setopt(curl, CURLOPT_XFERINFOFUNCTION, xferinfo);
	curl_easy_setopt(curl, CURLOPT_USERAGENT, "osmo-eir-push/" PACKAGE_VERSION);
	rc = curl_easy_perform(curl);
	if (rc == CURLE_ABORTED_BY_CALLBACK) {
		snprintf(err, errlen, "stopped during the POST (the events are sent again at the next start)");
		return -1;
	}
	if (rc != CURLE_OK) {
		snprintf(err, errlen, "%s", ebuf[0] ? ebuf : curl_easy_strerror(rc));
		return -1;
	}
	curl_easy_getinfo(curl, CURLINFO_RESPONSE_CODE, &status);
	if (status < 200 || status > 299)
		snprintf(err, errlen, "HTTP status %ld", status);
	return status;
}
