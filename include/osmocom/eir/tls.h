/* SPDX-License-Identifier: AGPL-3.0-or-later */
/* The one OpenSSL context set-up of every TLS end of osmo-eir (the N5g-eir server, the NRF client, the Diameter
 * TLS listener): certificate and key, CA and peer verification, TLS 1.2 or later, ALPN; and the checks on a peer's
 * certificate that more than one of them needs. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include <openssl/ssl.h>

struct eir_tls_opts {
	bool server;
	const char *cert;		/*!< PEM certificate (its chain may follow), NULL: none (a client only) */
	const char *key;		/*!< PEM private key of cert */
	/*! server: the CA a client's certificate must come from; with it a client without a certificate, or with
	 *  one from another CA, fails the handshake. NULL: no client certificate asked for.
	 *  client: the CA to verify the server with; NULL: the system's CAs */
	const char *ca_file;
	/*! ALPN in wire format ("\x02h2"), NULL: none. A server selects it (and ignores a client that does not
	 *  offer it: the protocol that follows decides); a client offers it. The string must outlive the context. */
	const char *alpn;
	/*! server: no TLS 1.3 session tickets (a long-lived connection is never resumed; freeDiameter's GnuTLS logs
	 *  each ticket it reads as an error) */
	bool no_tickets;
	int log_ss;			/*!< the logging category of the errors */
	const char *what;		/*!< the configuration's prefix in errors: "sbi tls", "nrf" */
};

SSL_CTX *eir_tls_ctx_new(const struct eir_tls_opts *o);

/*! Why a handshake failed, for the log: the certificate verification's reason when that failed, else OpenSSL's
 *  last error (the error queue is cleared). */
const char *eir_tls_fail_reason(SSL *ssl);

/*! Whether the handshake failed over the peer's certificate (none sent, or not verified against the CA). */
bool eir_tls_fail_is_cert(SSL *ssl);

/*! Whether the peer's verified certificate names host: one of its SAN dNSNames, or its subject CN when it has no
 *  dNSName (RFC 6125 §6.4.4); case-insensitive, no wildcards. False without a peer certificate. */
bool eir_tls_peer_names(SSL *ssl, const char *host);

/*! The peer certificate's subject as one line ("/CN=..."), "(none)" without one; in buf, returned. */
const char *eir_tls_peer_subject(SSL *ssl, char *buf, size_t size);
