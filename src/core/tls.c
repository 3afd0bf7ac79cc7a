/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The OpenSSL context of every TLS end (include/osmocom/eir/tls.h): one place for the protocol floor, the modes
 * the non-blocking select loops need, credentials, peer verification and ALPN, so the N5g-eir server, the NRF
 * client and the Diameter listener cannot drift apart. */

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <osmocom/core/logging.h>

#include <osmocom/eir/tls.h>

static int alpn_select(SSL *ssl, const unsigned char **out, unsigned char *outlen, const unsigned char *in,
		       unsigned int inlen, void *arg)
{
	const unsigned char *ours = arg;

	if (SSL_select_next_proto((unsigned char **)out, outlen, ours, (unsigned)strlen((const char *)ours), in,
				  inlen) != OPENSSL_NPN_NEGOTIATED)
		return SSL_TLSEXT_ERR_NOACK;	/* not offered: the protocol that follows decides (HTTP/1.1: 505) */
	return SSL_TLSEXT_ERR_OK;
}

static const char *last_err(void)
{
	const char *r = ERR_reason_error_string(ERR_peek_last_error());

	return r ? r : "?";
}

/*! A context for o, or NULL (the reason logged in o->log_ss). */
SSL_CTX *eir_tls_ctx_new(const struct eir_tls_opts *o)
{
	SSL_CTX *ctx = SSL_CTX_new(o->server ? TLS_server_method() : TLS_client_method());

	if (!ctx) {
		LOGP(o->log_ss, LOGL_ERROR, "%s: cannot make a TLS context: %s\n", o->what, last_err());
		ERR_clear_error();
		return NULL;
	}
	SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
	SSL_CTX_set_mode(ctx, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER |
			 SSL_MODE_RELEASE_BUFFERS);
	/* a peer that closes without close_notify has just closed: HTTP/2 and Diameter frame their own messages, so
	 * a cut cannot pass for a whole one */
	if (o->server)
		SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION |
				    SSL_OP_CIPHER_SERVER_PREFERENCE | SSL_OP_IGNORE_UNEXPECTED_EOF);
	if (o->no_tickets)
		SSL_CTX_set_num_tickets(ctx, 0);
	if (o->cert && SSL_CTX_use_certificate_chain_file(ctx, o->cert) != 1) {
		LOGP(o->log_ss, LOGL_ERROR, "%s certificate %s: cannot load it: %s\n", o->what, o->cert,
		     last_err());
		goto fail;
	}
	if (o->cert && (SSL_CTX_use_PrivateKey_file(ctx, o->key, SSL_FILETYPE_PEM) != 1 ||
			SSL_CTX_check_private_key(ctx) != 1)) {
		LOGP(o->log_ss, LOGL_ERROR, "%s private-key %s: cannot load it, or it does not match the "
		     "certificate: %s\n", o->what, o->key, last_err());
		goto fail;
	}
	if (o->ca_file ? SSL_CTX_load_verify_locations(ctx, o->ca_file, NULL) != 1 :
			 !o->server && SSL_CTX_set_default_verify_paths(ctx) != 1) {
		LOGP(o->log_ss, LOGL_ERROR, "%s ca-file %s: cannot load it: %s\n", o->what,
		     o->ca_file ? o->ca_file : "(system default)", last_err());
		goto fail;
	}
	if (o->server && o->ca_file) {
		/* the CA's name in the CertificateRequest: a client with several certificates picks the right one */
		STACK_OF(X509_NAME) *names = SSL_load_client_CA_file(o->ca_file);

		if (names)
			SSL_CTX_set_client_CA_list(ctx, names);
		SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER | SSL_VERIFY_FAIL_IF_NO_PEER_CERT, NULL);
	}
	if (o->alpn && o->server)
		SSL_CTX_set_alpn_select_cb(ctx, alpn_select, (void *)o->alpn);
	/* SSL_CTX_set_alpn_protos returns 0 on success */
	if (o->alpn && !o->server && SSL_CTX_set_alpn_protos(ctx, (const unsigned char *)o->alpn,
							     (unsigned)strlen(o->alpn)))
		goto fail;
	ERR_clear_error();
	return ctx;
fail:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return NULL;
}

bool eir_tls_fail_is_cert(SSL *ssl)
{
	unsigned long e = ERR_peek_last_error();

	if (SSL_get_verify_result(ssl) != X509_V_OK)
		return true;
	return ERR_GET_LIB(e) == ERR_LIB_SSL && (ERR_GET_REASON(e) == SSL_R_PEER_DID_NOT_RETURN_A_CERTIFICATE ||
						 ERR_GET_REASON(e) == SSL_R_CERTIFICATE_VERIFY_FAILED);
}

const char *eir_tls_fail_reason(SSL *ssl)
{
	static char buf[160];
	long vr = SSL_get_verify_result(ssl);
	const char *r;

	if (vr != X509_V_OK) {
		snprintf(buf, sizeof(buf), "certificate verify failed: %s", X509_verify_cert_error_string(vr));
	} else {
		r = ERR_reason_error_string(ERR_peek_last_error());
		snprintf(buf, sizeof(buf), "%s", r ? r : "connection closed");
	}
	ERR_clear_error();
	return buf;
}

static bool asn1_is(const ASN1_STRING *s, const char *host)
{
	size_t n = strlen(host);

	/* an embedded NUL in a name would otherwise match a prefix */
	return s && (size_t)ASN1_STRING_length(s) == n && !strncasecmp((const char *)ASN1_STRING_get0_data(s), host, n);
}

bool eir_tls_peer_names(SSL *ssl, const char *host)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);
	GENERAL_NAMES *sans;
	bool dns_seen = false, match = false;
	int i;

	if (!cert || !host || SSL_get_verify_result(ssl) != X509_V_OK)
		return false;
	sans = X509_get_ext_d2i(cert, NID_subject_alt_name, NULL, NULL);
	for (i = 0; sans && i < sk_GENERAL_NAME_num(sans); i++) {
		const GENERAL_NAME *gn = sk_GENERAL_NAME_value(sans, i);

		if (gn->type != GEN_DNS)
			continue;
		dns_seen = true;
		match = match || asn1_is(gn->d.dNSName, host);
	}
	GENERAL_NAMES_free(sans);
	if (!dns_seen) {
		X509_NAME *subj = X509_get_subject_name(cert);
		int k = X509_NAME_get_index_by_NID(subj, NID_commonName, -1);

		if (k >= 0)
			match = asn1_is(X509_NAME_ENTRY_get_data(X509_NAME_get_entry(subj, k)), host);
	}
	return match;
}

const char *eir_tls_peer_subject(SSL *ssl, char *buf, size_t size)
{
	X509 *cert = SSL_get0_peer_certificate(ssl);

	if (!cert)
		snprintf(buf, size, "(none)");
	else
		X509_NAME_oneline(X509_get_subject_name(cert), buf, (int)size);
	return buf;
}
