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

# S13 over TLS (after tests/s13/lib-eir.sh): dia_tls_certs NAME:DNSNAME...: in $T the CAs dia-ca (the peers') and
# other-ca (nobody's), osmo-eir's certificate eir (eir.example.org), and for each NAME:DNSNAME a certificate of
# dia-ca with subject CN and SAN dNSName DNSNAME; rogue: mme.fd.test, of other-ca. Output in $T/openssl-tls.log.
dia_tls_certs() {
	(
		cd "$T" || exit 1
		tls_ca dia-ca && tls_ca other-ca || exit 1
		for c in eir:eir.example.org "$@"; do
			tls_cert "${c%%:*}" dia-ca "${c#*:}" "subjectAltName=DNS:${c#*:}" || exit 1
		done
		tls_cert rogue other-ca mme.fd.test "subjectAltName=DNS:mme.fd.test"
	) > "$T/openssl-tls.log" 2>&1 && return 0
	sed 's/^/#   /' "$T/openssl-tls.log"
	return 1
}

# dia_tls_start [EXTRA_DIAMETER_LINES]: osmo-eir (eir_start, any peer accepted, cer-timeout 3) with a TLS listener
# on a free port TLS_PORT, with the certificates of dia_tls_certs
dia_tls_start() {
	read -r TLS_PORT <<PORTS
$(free_port)
PORTS
	eir_start " unknown-peers accept
 cer-timeout 3
 tls listen 127.0.0.1 $TLS_PORT
 tls certificate $T/eir.pem
 tls private-key $T/eir.key
 tls ca-file $T/dia-ca.pem
${1:-}"
}

# dia_ctr NAME: the value of the Diameter group's counter NAME (show rate-counters on the VTY)
dia_ctr() {
	/usr/bin/python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show rate-counters" 2>/dev/null |
		sed -n '/^Diameter S13 server/,/^[^ ]/p' | awk -v n="$1:" '$1 == n { print $2; exit }'
}
