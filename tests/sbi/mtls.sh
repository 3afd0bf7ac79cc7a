#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# N5g-eir mutual TLS (TS 33.501 §13.1): with 'tls ca-file' an AMF must show a certificate from that CA. Two CAs made
# here with openssl: curl and nghttp with a client certificate of the configured CA get their verdict; curl without
# a certificate, and with one of the other CA, fail in the handshake (TLS 1.3 and 1.2), counted and logged with the
# client's address; 'write file' keeps the ca-file line; a ca-file that cannot be read, or one without a server
# certificate, stops the start with the reason.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/lib-tls.sh"
PY=/usr/bin/python3
sbi_tls_tools

cd "$T" || exit 1
{
	tls_ca ca-amf && tls_ca ca-other &&
	tls_cert srv ca-amf localhost "subjectAltName=IP:127.0.0.1,DNS:localhost" &&
	tls_cert amf ca-amf amf.5gc.mnc001.mcc001.3gppnetwork.org &&
	tls_cert rogue ca-other amf.5gc.mnc001.mcc001.3gppnetwork.org
} > openssl.log 2>&1 || { cat openssl.log; echo "# cannot make the test certificates"; exit 1; }

sbi_start " tls certificate $T/srv.pem
 tls private-key $T/srv.key
 tls ca-file $T/ca-amf.pem" || exit 1
check "the log says a client certificate is required" \
	grep -q "N5g-eir on 127.0.0.1:$SBI_PORT (TLS, ALPN h2, client certificate required)" "$EIR_LOG"
URL="https://127.0.0.1:$SBI_PORT/n5g-eir-eic/v1/equipment-status"
C="curl -sS --http2 --cacert ca-amf.pem --max-time 10"

out=$($C --cert amf.pem --key amf.key -w ' %{http_code} %{http_version}' "$URL?pei=imei-356938035643809")
check "client certificate of the CA: HTTP/2 200 BLACKLISTED" [ "$out" = '{"status":"BLACKLISTED"} 200 2' ]
out=$($C --cert amf.pem --key amf.key --tls-max 1.2 -w ' %{http_code}' "$URL?pei=imei-350000010000028")
check "the same over TLS 1.2: 200 WHITELISTED" [ "$out" = '{"status":"WHITELISTED"} 200' ]

# refused in the handshake, never an HTTP status. TLS 1.2: the handshake fails on the client too, curl exits 35.
# TLS 1.3: the client is done with its Finished and sends its first HTTP/2 bytes before the server's alert comes;
# curl then exits 56 (it reads the alert), 16 (the close of a socket with its unread bytes reset it first) or 55
# (the reset came before curl asked the socket for its peer: getpeername() ENOTCONN, seen under load).
refused() {
	desc=$1
	want=$2
	shift 2
	$C -o refused.body -w '%{http_code}' "$@" "$URL?pei=imei-356938035643809" > refused.meta 2> refused.err
	rc=$?
	if printf ' %s ' "$want" | grep -q " $rc " && [ "$(cat refused.meta)" = 000 ] && [ ! -s refused.body ]; then
		ok "$desc (curl exit $rc, no HTTP status)"
	else
		not_ok "$desc: curl exit $rc (want $want), status $(cat refused.meta): $(cat refused.err)"
	fi
}
refused "no client certificate, TLS 1.3: refused" "16 55 56"
refused "no client certificate, TLS 1.2: refused" 35 --tls-max 1.2
refused "client certificate of another CA, TLS 1.3: refused" "16 55 56" --cert rogue.pem --key rogue.key
refused "client certificate of another CA, TLS 1.2: refused" 35 --cert rogue.pem --key rogue.key --tls-max 1.2
out=$(vty "show rate-counters")
check_ctr "$out" conn:tls_client_cert -eq 4
check "the log names the client and the reason: no certificate" \
	grep -q "127.0.0.1:[0-9]*: TLS client refused: peer did not return a certificate" "$EIR_LOG"
check "the log names the client and the reason: another CA" \
	grep -q "127.0.0.1:[0-9]*: TLS client refused: certificate verify failed: unable to get local issuer" \
	"$EIR_LOG"
out=$($C --cert amf.pem --key amf.key "$URL?pei=imei-356938035643809")
check "the AMF is still served after the refusals" [ "$out" = '{"status":"BLACKLISTED"}' ]

if command -v nghttp >/dev/null; then
	# (nghttp warns that it does not verify the server: stderr)
	out=$(nghttp --cert amf.pem --key amf.key "$URL?pei=imei-350000010000010" 2>nghttp.err)
	check "nghttp with the AMF's certificate: GREYLISTED" [ "$out" = '{"status":"GREYLISTED"}' ]
	# (nghttp exits 0 when its only request failed: what counts is that no answer came)
	nghttp "$URL?pei=imei-350000010000010" > nghttp.out 2> nghttp.err
	check "nghttp without a certificate: no answer" [ ! -s nghttp.out ]
	sed 's/^/#   nghttp: /' nghttp.err | head -n 3
else
	echo "# nghttp missing (nghttp2-client): no second client"
fi

# a flood of refusals: every one counted, the log lines bounded (at most 10 a second)
i=0
while [ $i -lt 30 ]; do
	$C --tls-max 1.2 -o /dev/null "$URL?pei=imei-356938035643809" 2>/dev/null
	i=$((i + 1))
done
out=$(vty "show rate-counters")
check_ctr "$out" conn:tls_client_cert -ge 34
n=$(grep -c "TLS client refused" "$EIR_LOG")
check "refusals logged, but fewer than counted ($n lines)" [ "$n" -ge 10 ] && [ "$n" -lt 34 ]

out=$(vty "show running-config")
check "running-config: tls ca-file" has "$out" "^ tls ca-file $T/ca-amf.pem"
vty "write file" > write.out
check "write file: the ca-file line in the file" grep -q "^ tls ca-file $T/ca-amf.pem" "$T/osmo-eir.cfg"
out=$(vty "configure terminal" "sbi" "no tls ca-file" "end" "show running-config")
check "no tls ca-file: the line gone" hasnt "$out" "tls ca-file"
check "clean shutdown" eir_stop

# start-up refusals, each with its reason
{ eir_ports_cfg; printf 'sbi\n listen 127.0.0.1 %s\n tls certificate %s/srv.pem\n tls private-key %s/srv.key\n' \
	"$(free_port)" "$T" "$T"; printf ' tls ca-file %s/missing.pem\n' "$T"; } > missing.cfg
"$EIR" -c missing.cfg -l "$T/store" > missing.log 2>&1
check "unreadable tls ca-file: exit non-zero" [ $? -ne 0 ]
check "and says which" grep -q "sbi tls ca-file $T/missing.pem: cannot load it" missing.log
{ eir_ports_cfg; printf 'sbi\n listen 127.0.0.1 %s\n tls ca-file %s/ca-amf.pem\n' "$(free_port)" "$T"; } > nocert.cfg
"$EIR" -c nocert.cfg -l "$T/store" > nocert.log 2>&1
check "tls ca-file without a certificate: exit non-zero" [ $? -ne 0 ]
check "and says why" grep -q "'tls ca-file' (client certificates) needs 'tls certificate'" nocert.log
finish
