/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* SHA-256 of the feed's files and the Ed25519 signature of its index, with OpenSSL's EVP interface. */

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include <osmocom/eir/feed.h>

static void ssl_err(char *err, size_t errlen, const char *what)
{
	unsigned long e = ERR_get_error();
	char buf[256] = "";

	if (e)
		ERR_error_string_n(e, buf, sizeof(buf));
	snprintf(err, errlen, "%s%s%s", what, buf[0] ? ": " : "", buf);
	ERR_clear_error();
}

char *feed_hex(char *buf, const uint8_t sha[32])
{
	int i;

	for (i = 0; i < 32; i++)
		sprintf(buf + 2 * i, "%02x", sha[i]);
	return buf;
}

/*! SHA-256 of a file. \returns 0, -EIO (err says why) */
int feed_sha256_file(const char *path, uint8_t out[32], char *err, size_t errlen)
{
	static unsigned char buf[1 << 16];
	EVP_MD_CTX *md;
	unsigned int n = 32;
	size_t got;
	FILE *f;
	int rc = 0;

	f = fopen(path, "rb");
	if (!f) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -EIO;
	}
	md = EVP_MD_CTX_new();
	if (!md || !EVP_DigestInit_ex(md, EVP_sha256(), NULL)) {
		ssl_err(err, errlen, "SHA-256");
		rc = -EIO;
		goto out;
	}
	while ((got = fread(buf, 1, sizeof(buf), f)) > 0)
		EVP_DigestUpdate(md, buf, got);
	if (ferror(f)) {
		snprintf(err, errlen, "%s: read error", path);
		rc = -EIO;
	} else if (!EVP_DigestFinal_ex(md, out, &n)) {
		ssl_err(err, errlen, "SHA-256");
		rc = -EIO;
	}
out:
	EVP_MD_CTX_free(md);
	fclose(f);
	return rc;
}

static EVP_PKEY *read_key(const char *path, bool priv, char *err, size_t errlen)
{
	EVP_PKEY *k;
	FILE *f = fopen(path, "r");

	if (!f) {
		snprintf(err, errlen, "cannot read the %s key %s: %s", priv ? "private" : "public", path,
			 strerror(errno));
		return NULL;
	}
	k = priv ? PEM_read_PrivateKey(f, NULL, NULL, NULL) : PEM_read_PUBKEY(f, NULL, NULL, NULL);
	fclose(f);
	if (!k) {
		char what[512];

		snprintf(what, sizeof(what), "%s: not a PEM %s key", path, priv ? "private" : "public");
		ssl_err(err, errlen, what);
		return NULL;
	}
	if (EVP_PKEY_get_id(k) != EVP_PKEY_ED25519) {
		snprintf(err, errlen, "%s: not an Ed25519 key", path);
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

/*! Check an Ed25519 signature of msg with the public key in pubkey_path (PEM).
 *  \returns 0 valid, -EBADMSG invalid, -EINVAL (unusable key) with err saying why */
int feed_verify(const char *pubkey_path, const void *msg, size_t len, const void *sig, size_t siglen, char *err,
		size_t errlen)
{
	EVP_PKEY *k = read_key(pubkey_path, false, err, errlen);
	EVP_MD_CTX *md;
	int rc;

	if (!k)
		return -EINVAL;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestVerifyInit(md, NULL, NULL, NULL, k) != 1) {
		ssl_err(err, errlen, "Ed25519");
		rc = -EINVAL;
	} else if (siglen != 64 || EVP_DigestVerify(md, sig, siglen, msg, len) != 1) {
		snprintf(err, errlen, "the signature does not match the index and the key %s", pubkey_path);
		ERR_clear_error();
		rc = -EBADMSG;
	} else {
		rc = 0;
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}

/*! Sign msg with the Ed25519 private key in key_path (PEM). \returns 0 or -EINVAL (err says why) */
int feed_sign(const char *key_path, const void *msg, size_t len, uint8_t sig[64], char *err, size_t errlen)
{
	EVP_PKEY *k = read_key(key_path, true, err, errlen);
	EVP_MD_CTX *md;
	size_t siglen = 64;
	int rc = 0;

	if (!k)
		return -EINVAL;
	md = EVP_MD_CTX_new();
	if (!md || EVP_DigestSignInit(md, NULL, NULL, NULL, k) != 1 ||
	    EVP_DigestSign(md, sig, &siglen, msg, len) != 1 || siglen != 64) {
		ssl_err(err, errlen, "Ed25519 signing");
		rc = -EINVAL;
	}
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(k);
	return rc;
}
