#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Diameter over TLS/TCP (RFC 6733 §13.1) with a raw client (tests/s13/s13_errors.py over Python's ssl): a peer
# whose certificate names its Origin-Host is served (200 pipelined ECRs in one TLS write); one whose certificate
# names another host gets CEA 3010 with the E bit and is closed (counted); no client certificate, one of another
# CA, a plain TCP peer and a socket that never starts its handshake are dropped before any Diameter byte, counted
# and logged with the peer; the tls lines are written back; a TLS listener without its CA, or with one that cannot
# be read, does not start. The interop with freeDiameter: tests/s13/freediameter-tls.sh.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/lib-tls.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v openssl >/dev/null || { echo "SKIP: no openssl"; exit 77; }
ERR="$PY $top_srcdir/tests/s13/s13_errors.py"
VTY="$PY $top_srcdir/tests/vty.py"

dia_tls_certs mme:mme.tls.test other:other.tls.test || { not_ok "openssl made the test certificates"; finish; }
dia_tls_start || exit 1
check "osmo-eir: the TLS listener is up" grep -q "S13 TLS on 127.0.0.1:$TLS_PORT (tcp, peer certificate of" "$EIR_LOG"

$ERR tls_pipeline $TLS_PORT "$T/dia-ca.pem" "$T/mme.pem" "$T/mme.key" mme.tls.test 200 > "$T/pipe.out" 2>&1
check "the certificate names the Origin-Host: CEA 2001, 200 pipelined ECRs answered" [ $? -eq 0 ]
sed 's/^/#   /' "$T/pipe.out"
check "osmo-eir: TLS with the peer certificate /CN=mme.tls.test" \
	grep -q "TLS TLSv1.[23], peer certificate /CN=mme.tls.test" "$EIR_LOG"

$ERR tls_host $TLS_PORT "$T/dia-ca.pem" "$T/other.pem" "$T/other.key" mme.tls.test > "$T/host.out" 2>&1
check "a certificate of another host: CEA 3010, closed" [ $? -eq 0 ]
sed 's/^/#   /' "$T/host.out"
check "osmo-eir says why" grep -q \
	"CER Origin-Host mme.tls.test is not named by the peer's TLS certificate /CN=other.tls.test: refused" "$EIR_LOG"
check "cer:tls_host_mismatch counted ($(dia_ctr cer:tls_host_mismatch))" [ "$(dia_ctr cer:tls_host_mismatch)" -eq 1 ]

# refused in the handshake: no certificate, another CA, not TLS at all
echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile "$T/dia-ca.pem" > "$T/nocert.out" 2>&1
echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile "$T/dia-ca.pem" -cert "$T/rogue.pem" \
	-key "$T/rogue.key" > "$T/rogue.out" 2>&1
$ERR tls_plain $TLS_PORT $EIR_PORT > "$T/plain.out" 2>&1
check "a plain TCP peer on the TLS port: dropped unanswered; the plain port answers" [ $? -eq 0 ]
sed 's/^/#   /' "$T/plain.out"
tls_fail_is() {
	[ "$(dia_ctr conn:tls_fail)" = "$1" ]
}
wait_for 5 tls_fail_is 3
check "conn:tls_fail counted the 3 failed handshakes ($(dia_ctr conn:tls_fail))" tls_fail_is 3
check "osmo-eir: no client certificate, logged with the peer" \
	grep -q "127.0.0.1:[0-9]*: TLS handshake failed: peer did not return a certificate" "$EIR_LOG"
check "osmo-eir: a certificate of another CA, logged with the peer" \
	grep -q "127.0.0.1:[0-9]*: TLS handshake failed: certificate verify failed: unable to get local issuer" \
	"$EIR_LOG"
check "osmo-eir: the plain peer's bytes are no TLS" grep -q "TLS handshake failed: wrong version number" "$EIR_LOG"
check "each closed before its CER (no Diameter byte read)" \
	[ "$(grep -c '(no CER): closing: TLS handshake failed' "$EIR_LOG")" -eq 3 ]
# a socket that never starts its handshake: the CER deadline (cer-timeout 3) closes it
$PY "$top_srcdir/tests/sbi/silent.py" "$TLS_PORT" 1 15 > "$T/silent.out" 2>&1
check "no TLS handshake within cer-timeout: closed" grep -q '^closed' "$T/silent.out"
check "osmo-eir: no TLS handshake in time" grep -q "closing: no TLS handshake in time" "$EIR_LOG"
$ERR tls_pipeline $TLS_PORT "$T/dia-ca.pem" "$T/mme.pem" "$T/mme.key" mme.tls.test 5 > "$T/pipe2.out" 2>&1
check "after all that: the TLS peer served again" [ $? -eq 0 ]

# the connection cap holds for TLS sockets too: at max-connections 4, sockets that never start their handshake make
# room for a peer (the oldest without CER is closed), so they cannot lock the MMEs out
$VTY "$EIR_VTY_PORT" enable "configure terminal" "diameter" "max-connections 4" "end" > /dev/null 2>&1
lim0=$(dia_ctr conn:limit)
$PY "$top_srcdir/tests/sbi/silent.py" "$TLS_PORT" 4 10 --stop "$T/stop" > "$T/hold.out" 2>&1 &
hold=$!
wait_for 5 grep -q "^open 4" "$T/hold.out"
$ERR tls_pipeline $TLS_PORT "$T/dia-ca.pem" "$T/mme.pem" "$T/mme.key" mme.tls.test 5 > "$T/pipe3.out" 2>&1
check "4 silent sockets at max-connections 4: the TLS peer still served" [ $? -eq 0 ]
touch "$T/stop"
wait $hold
check "one silent socket made room ($(grep -c '^closed' "$T/hold.out") closed; conn:limit $(dia_ctr conn:limit))" \
	[ "$(dia_ctr conn:limit)" -gt "${lim0:-0}" ] && grep -q '^closed 0' "$T/hold.out"

# the configuration written back
out=$($VTY "$EIR_VTY_PORT" enable "show running-config" 2>/dev/null)
for l in "tls listen 127.0.0.1 $TLS_PORT" "tls certificate $T/eir.pem" "tls private-key $T/eir.key" \
	"tls ca-file $T/dia-ca.pem"; do
	check "running-config: $l" sh -c 'printf "%s\n" "$1" | grep -qx " $2"' _ "$out" "$l"
done
$VTY "$EIR_VTY_PORT" enable "write file" > /dev/null 2>&1
check "write file: the tls lines in the file" grep -qx " tls ca-file $T/dia-ca.pem" "$T/osmo-eir.cfg"
out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "diameter" "no tls" "end" "show running-config" 2>/dev/null)
check "no tls: every tls line gone" sh -c '! printf "%s\n" "$1" | grep -q "^ tls "' _ "$out"
check "clean shutdown" eir_stop

# start-up refusals, each with its reason
{ eir_ports_cfg; printf ' tls listen 127.0.0.1 %s\n tls certificate %s/eir.pem\n tls private-key %s/eir.key\n' \
	"$(free_port)" "$T" "$T"; } > "$T/noca.cfg"
"$EIR" -c "$T/noca.cfg" -l "$T/store" > "$T/noca.log" 2>&1
check "tls listen without tls ca-file: exit non-zero" [ $? -ne 0 ]
check "and says why" grep -q "'tls listen' needs 'tls certificate', 'tls private-key' and 'tls ca-file'" "$T/noca.log"
{ cat "$T/noca.cfg"; printf ' tls ca-file %s/missing.pem\n' "$T"; } > "$T/missing.cfg"
"$EIR" -c "$T/missing.cfg" -l "$T/store" > "$T/missing.log" 2>&1
check "unreadable tls ca-file: exit non-zero" [ $? -ne 0 ]
check "and says which" grep -q "diameter tls ca-file $T/missing.pem: cannot load it" "$T/missing.log"
finish
