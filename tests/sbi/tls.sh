#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# N5g-eir over TLS: a CA and a server certificate made here with openssl; curl --http2 --cacert gets HTTP/2 through
# ALPN h2; HTTP/1.1 over TLS gets 505; a client that does not trust the CA fails; cleartext on the TLS port fails
# the handshake without harming anyone else; no handshake within preface-timeout closes; h2load over TLS.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
sbi_tls_tools

cd "$T" || exit 1
printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' > san.ext
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
		-days 2 -subj /CN=osmo-eir-test-ca &&
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv.key -out srv.csr \
		-subj /CN=localhost &&
	openssl x509 -req -in srv.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out srv.pem -days 2 -extfile san.ext
} > openssl.log 2>&1 || { cat openssl.log; echo "# cannot make the test certificates"; exit 1; }

sbi_start " tls certificate $T/srv.pem
 tls private-key $T/srv.key
 preface-timeout 3" || exit 1
check "the log says TLS" grep -q "N5g-eir on 127.0.0.1:$SBI_PORT (TLS, ALPN h2)" "$EIR_LOG"
URL="https://127.0.0.1:$SBI_PORT/n5g-eir-eic/v1/equipment-status"

out=$(curl -sS --http2 --cacert ca.pem --max-time 10 -w ' %{http_code} %{content_type} %{http_version}' \
	"$URL?pei=imei-356938035643809")
check "TLS: curl --http2 --cacert: HTTP/2 200 BLACKLISTED" \
	[ "$out" = '{"status":"BLACKLISTED"} 200 application/json 2' ]
out=$(curl -sS --http2 --cacert ca.pem --max-time 10 -w ' %{http_code} %{content_type} %{http_version}' \
	"$URL?pei=imei-12")
check "TLS: 400 with its problem body" [ "$out" = "$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei \
	'imei- must be followed by 15 digits') 400 application/problem+json 2" ]
out=$(curl -sS --http2 --cacert ca.pem --max-time 10 -v "$URL?pei=imei-356938035643809" 2>&1 >/dev/null)
check "TLS: ALPN h2 chosen" has "$out" "ALPN.*server accepted h2\|ALPN: server accepted h2"
out=$(curl -sS -i --http1.1 --cacert ca.pem --max-time 10 "$URL?pei=imei-356938035643809")
check "TLS: HTTP/1.1 (no h2 in ALPN) gets 505" sh -c 'printf "%s\n" "$1" | head -n 1 | grep -q "^HTTP/1.1 505"' _ "$out"
curl -sS --http2 --max-time 10 -o /dev/null "$URL?pei=imei-356938035643809" 2>/dev/null
check "TLS: a client without the CA refuses the certificate (curl exit 60)" [ $? -eq 60 ]
out=$(echo | openssl s_client -connect 127.0.0.1:$SBI_PORT -alpn h2 -CAfile ca.pem 2>&1)
check "openssl s_client: ALPN protocol h2" has "$out" "ALPN protocol: h2"
check "openssl s_client: certificate verified with the test CA" has "$out" "Verify return code: 0 (ok)"
curl -sS --http2-prior-knowledge --max-time 5 -o /dev/null \
	"http://127.0.0.1:$SBI_PORT/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809" 2>/dev/null
check "cleartext HTTP/2 on the TLS port fails" [ $? -ne 0 ]
out=$(curl -sS --http2 --cacert ca.pem --max-time 10 "$URL?pei=imei-356938035643809")
check "TLS still served after a failed handshake" [ "$out" = '{"status":"BLACKLISTED"}' ]
if command -v h2load >/dev/null; then
	out=$(h2load -n 2000 -c 2 -m 16 -t 1 "$URL?pei=imei-356938035643809" 2>&1)
	check "h2load over TLS: 2000 responses 2xx" has "$out" "status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx"
	check "h2load over TLS negotiated h2" has "$out" "Application protocol: h2"
else
	echo "# h2load missing: no load over TLS"
fi
# TCP connections that never start their TLS handshake: closed after preface-timeout, which covers the handshake
$PY "$top_srcdir/tests/sbi/silent.py" "$SBI_PORT" 2 20 > silent.out 2>&1
check "no TLS handshake within preface-timeout: closed" [ "$(grep -c '^closed' silent.out)" = 2 ]
out=$(vty "show rate-counters")
check_ctr "$out" conn:preface_timeout -eq 2
check_ctr "$out" conn:tls_fail -gt 0
out=$(vty "show running-config")
check "config write: tls lines" sh -c 'printf "%s\n" "$1" | grep -q "^ tls certificate $2/srv.pem" &&
	printf "%s\n" "$1" | grep -q "^ tls private-key $2/srv.key"' _ "$out" "$T"
check "clean shutdown" eir_stop

# a key that does not match the certificate: refuse to start, say why
openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other.key -out other.csr \
	-subj /CN=x >/dev/null 2>&1
{ eir_ports_cfg; printf 'sbi\n listen 127.0.0.1 %s\n tls certificate %s/srv.pem\n tls private-key %s/other.key\n' \
	"$(free_port)" "$T" "$T"; } > mismatch.cfg
"$EIR" -c mismatch.cfg -l "$T/store" > mismatch.log 2>&1
check "mismatched key: exit non-zero" [ $? -ne 0 ]
check "and says why" grep -q "does not match" mismatch.log
finish
