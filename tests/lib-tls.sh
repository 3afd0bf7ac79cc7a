# SPDX-License-Identifier: AGPL-3.0-or-later
# For the TLS shell tests (source after tests/lib.sh): test CAs and certificates made with openssl in the current
# directory (the scratch directory $T), P-256 keys, valid 2 days.

# tls_ca NAME: a self-signed CA, NAME.pem and NAME.key, subject CN=NAME
tls_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$1.key" -out "$1.pem" \
		-days 2 -subj "/CN=$1"
}

# tls_cert NAME CA CN [EXT...]: NAME.key and NAME.pem signed by CA (CA.pem, CA.key), subject CN=CN, with the
# extension lines EXT (e.g. subjectAltName=DNS:mme.example.org; default: basicConstraints=CA:FALSE)
tls_cert() {
	name=$1
	ca=$2
	cn=$3
	shift 3
	[ $# -gt 0 ] || set -- basicConstraints=CA:FALSE
	printf '%s\n' "$@" > "$name.ext"
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$name.key" -out "$name.csr" \
		-subj "/CN=$cn" &&
	openssl x509 -req -in "$name.csr" -CA "$ca.pem" -CAkey "$ca.key" -CAcreateserial -out "$name.pem" -days 2 \
		-extfile "$name.ext"
}
