#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# An https:// NRF: the stand-in (nrf_standin.py --tls) with a certificate from a CA made here with openssl.
# osmo-eir registers over TLS with ALPN h2 when 'nrf ca-file' names that CA (by IP address and by host name), and
# refuses an NRF whose certificate another CA signed, that names another address or host name, or that does not
# choose ALPN h2 (nothing sent, counted, logged with the reason); a CA file that cannot be read stops the start
# with exit 1; 'nrf ca-file' is written back.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/lib-tls.sh"
PY=/usr/bin/python3
[ -x $PY ] && $PY -c 'import h2, ssl' 2>/dev/null || { echo "SKIP: no python3-h2"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }

cd "$T" || exit 1
{
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.pem \
		-days 2 -subj /CN=osmo-eir-test-nrf-ca &&
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout other-ca.key \
		-out other-ca.pem -days 2 -subj /CN=another-ca &&
	tls_cert nrf ca nrf "subjectAltName=IP:127.0.0.1,DNS:nrf.example.org" &&
	tls_cert stranger other-ca stranger "subjectAltName=IP:127.0.0.1" &&
	tls_cert elsewhere ca elsewhere "subjectAltName=IP:127.0.0.2,DNS:nrf.example.org" &&
	tls_cert localhost ca localhost "subjectAltName=DNS:localhost"
} > openssl.log 2>&1 || { cat openssl.log; echo "# cannot make the test certificates"; exit 1; }

# standin NAME CERT [--no-alpn]: an https NRF stand-in on a free port (NRF_PORT), its requests in NAME.log
standin() {
	NRF_PORT=$(free_port)
	: > "$1.log"
	$PY "$top_srcdir/tests/sbi/nrf_standin.py" "$NRF_PORT" "$T/$1.log" 1 --tls "$2.pem" "$2.key" ${3:-} \
		> "$1.out" 2>&1 &
	nrf=$!
	i=0
	while ! grep -q listening "$1.out" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
}
trap 'kill $nrf 2>/dev/null; rm -rf "$T"' EXIT

ID=3f0c7b1e-0b5d-4c4e-9a53-5e1d2f6a7b80
standin good nrf
sbi_start " nrf uri https://127.0.0.1:$NRF_PORT
 nrf ca-file $T/ca.pem
 nrf nf-instance-id $ID" || exit 1
i=0
while [ "$(grep -c '"PATCH"' good.log)" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "https NRF: registered" grep -q "NRF 127.0.0.1:$NRF_PORT: registered as 5G_EIR $ID (201)" "$EIR_LOG"
q "https NRF: still serving" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
out=$(vty "show running-config")
check "config write: nrf uri https://" has "$out" "^ nrf uri https://127.0.0.1:$NRF_PORT\$"
check "config write: nrf ca-file" has "$out" "^ nrf ca-file $T/ca.pem\$"
check "https NRF: clean shutdown" eir_stop
kill $nrf
got=$($PY -c 'import json, sys
recs = [json.loads(l) for l in open(sys.argv[1])]
print(" ".join(r["method"] for r in recs[:3]), recs[-1]["method"],
      all(r["tls"] and r["alpn"] == "h2" and r["scheme"] == "https" and r["user-agent"] == "5G_EIR-osmo-eir"
          for r in recs))' good.log)
check "https NRF: PUT PATCH PATCH ... DELETE, each over TLS with ALPN h2, :scheme https, User-Agent ($got)" \
	[ "$got" = "PUT PATCH PATCH DELETE True" ]

# verified_refused NAME CERT URI WHY: an NRF with this certificate gets nothing; the log gives WHY
verified_refused() {
	standin "$1" "$2"
	rm -rf "$T/store"
	uri=$(echo "$3" | sed "s/PORT/$NRF_PORT/")
	sbi_start " nrf uri $uri
 nrf ca-file $T/ca.pem" || exit 1
	i=0
	while ! grep -q "TLS handshake failed" "$EIR_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	check "$1: refused: $4" grep -q "NRF ${uri#https://}: TLS handshake failed: certificate verify failed: $4" \
		"$EIR_LOG"
	out=$(vty "show rate-counters")
	n=$(sbi_ctr "$out" nrf:tls_fail)
	check "$1: rate counter sbi nrf:tls_fail ($n)" [ "${n:-0}" -gt 0 ]
	out=$(vty "show stats")
	check "$1: not registered" has "$out" "Registered with the NRF (1) or not (0): *0"
	q "$1: still serving" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
	check "$1: clean shutdown" eir_stop
	kill $nrf
	check "$1: the NRF got no request" [ ! -s "$1.log" ]
}
verified_refused stranger stranger "https://127.0.0.1:PORT" "unable to get local issuer certificate"
verified_refused elsewhere elsewhere "https://127.0.0.1:PORT" "IP address mismatch"
# a host name is checked against the certificate's DNS names (nrf.pem has nrf.example.org and 127.0.0.1)
verified_refused wrongname nrf "https://localhost:PORT" "hostname mismatch"

# and a certificate for that host name passes (localhost: the stand-in listens on 127.0.0.1 and ::1)
standin byname localhost
rm -rf "$T/store"
sbi_start " nrf uri https://localhost:$NRF_PORT
 nrf ca-file $T/ca.pem" || exit 1
i=0
while ! grep -q '"PATCH"' byname.log && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "https://localhost: its DNS name verified, registered" grep -q "NRF localhost:$NRF_PORT: registered as 5G_EIR" \
	"$EIR_LOG"
check "https://localhost: clean shutdown" eir_stop
kill $nrf
got=$($PY -c 'import json, sys; r = json.loads(open(sys.argv[1]).readline()); print(r["authority"], r["alpn"])' \
	byname.log)
check "https://localhost: :authority localhost:PORT, ALPN h2 ($got)" [ "$got" = "localhost:$NRF_PORT h2" ]

# a TLS NRF that does not choose h2 in ALPN: refused, nothing sent
standin noalpn nrf --no-alpn
rm -rf "$T/store"
sbi_start " nrf uri https://127.0.0.1:$NRF_PORT
 nrf ca-file $T/ca.pem" || exit 1
i=0
while ! grep -q "TLS without ALPN" "$EIR_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "no ALPN h2: refused" grep -q "NRF 127.0.0.1:$NRF_PORT: TLS without ALPN h2 (HTTP/2 is required)" "$EIR_LOG"
check "no ALPN h2: clean shutdown" eir_stop
kill $nrf
check "no ALPN h2: the NRF got no request" [ ! -s noalpn.log ]

# a CA file that cannot be read: exit 1 at start, saying which
eir_ports_cfg > bad.cfg
printf 'sbi\n listen 127.0.0.1 %s\n nrf uri https://127.0.0.1:%s\n nrf ca-file %s/missing.pem\n' \
	"$(free_port)" "$(free_port)" "$T" >> bad.cfg
timeout 20 "$EIR" -c bad.cfg -l "$T/store" > bad.log 2>&1
check "unreadable nrf ca-file: exit 1" [ $? -eq 1 ]
check "unreadable nrf ca-file: says which" grep -q "nrf ca-file $T/missing.pem: cannot load it" bad.log
finish
