#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Diameter over TLS/TCP (RFC 6733 §13.1) against freeDiameter 1.2.1 (GnuTLS) as the MME: TLS from the first byte on
# osmo-eir's 'tls listen' port (no Inband-Security-Id negotiation), certificates of a CA made here. freeDiameter with
# its certificate gets its ECRs answered over TLS and stays open; a freeDiameter whose (wildcard) certificate does
# not name its Origin-Host exactly gets CEA 3010; a raw client with another host's certificate gets 3010 with the
# E bit and is closed; no client certificate, one of another CA, a plain TCP peer and a silent socket on the TLS
# port are dropped in (or for want of) the handshake, counted, the other peers unaffected; 'write file' keeps the
# tls lines; tls listen without a CA does not start. SKIP (77) as tests/s13/freediameter.sh.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/s13/lib-fd.sh"
. "$top_srcdir/tests/lib-tls.sh"
ERR="$PY $top_srcdir/tests/s13/s13_errors.py"

# --- certificates: a CA for every Diameter node, a second CA nobody trusts ---
# each NAME:DNSNAME a certificate of dia-ca for DNSNAME (subject CN and SAN)
mk_certs() {
	tls_ca dia-ca && tls_ca other-ca || return 1
	for c in eir:eir.example.org mme:mme.fd.test 'wild:*.fd.test' other:other.fd.test mme2:mme2.fd.test; do
		tls_cert "${c%%:*}" dia-ca "${c#*:}" "subjectAltName=DNS:${c#*:}" || return 1
	done
	tls_cert rogue other-ca mme.fd.test "subjectAltName=DNS:mme.fd.test"
}
cd "$T" || exit 1
if ! mk_certs > "$T/openssl-tls.log" 2>&1; then
	not_ok "openssl made the test CAs and certificates"
	sed 's/^/#   /' "$T/openssl-tls.log"
	finish
fi

read -r TLS_PORT <<PORTS
$(free_port)
PORTS
eir_start " unknown-peers accept
 cer-timeout 3
 tls listen 127.0.0.1 $TLS_PORT
 tls certificate $T/eir.pem
 tls private-key $T/eir.key
 tls ca-file $T/dia-ca.pem" || exit 1
check "osmo-eir: the TLS listener is up" grep -q "S13 TLS on 127.0.0.1:$TLS_PORT (tcp, peer certificate of" "$EIR_LOG"

# dia_ctr NAME: the Diameter group's counter NAME
dia_ctr() {
	$VTY "$EIR_VTY_PORT" "show rate-counters" 2>/dev/null | sed -n '/^Diameter S13 server/,/^[^ ]/p' |
		awk -v n="$1:" '$1 == n { print $2; exit }'
}

# --- freeDiameter over TLS: ConnectPeer on the TLS port without No_TLS (TLS_old_method off: TLS at once) ---
TLS_PEER="Port = $TLS_PORT;"
fd_conf t1 "35693803564380 1
35000001000001 2
35000001000002/05 0
35999999000001 0
35693803564380 001010000000001 0" "$T/mme.pem" "$T/mme.key" "$T/dia-ca.pem" "$TLS_PEER"
fd_run t1
check "over TLS: fd_ecr finished its ECRs within 30 s" [ $? -eq 0 ]
check "over TLS: every ECA as expected (black 1, grey 2, white 0, unlisted 0, pair)" grep -qx "done 5 5" "$T/t1.result"
check "freeDiameter: peer eir.example.org OPEN over TLS" \
	grep -q "'STATE_WAITCEA'.*-> 'STATE_OPEN'.*'eir.example.org'" "$T/t1.log"
check "osmo-eir: TLS with the peer certificate /CN=mme.fd.test" \
	grep -q "TLS TLSv1.[23], peer certificate /CN=mme.fd.test" "$EIR_LOG"
check "osmo-eir: peer mme.fd.test (realm mme.test) is open" grep -q "peer mme.fd.test (realm mme.test) is open" \
	"$EIR_LOG"
FD1_PID=$FD_PID
# its connection's name in osmo-eir's log: "ADDR:PORT"
FD1_CONN=$(sed -n 's/.* \([0-9.]*:[0-9]*\): peer mme.fd.test (realm mme.test) is open.*/\1/p' "$EIR_LOG" | head -n 1)
FD_MORE_PIDS=$FD1_PID

# --- a freeDiameter whose certificate (*.fd.test) GnuTLS accepts for its Identity, but names no single host ---
fd_conf t2 "35693803564380 1" "$T/wild.pem" "$T/wild.key" "$T/dia-ca.pem" "$TLS_PEER"
freeDiameterd -c "$T/t2.conf" > "$T/t2.log" 2>&1 &
FD_PID=$!
wait_for 20 grep -q "DIAMETER_UNKNOWN_PEER" "$T/t2.log"
check "freeDiameter with a wildcard certificate: CEA DIAMETER_UNKNOWN_PEER (3010)" \
	grep -q "Capabilities-Exchange-Answer.*DIAMETER_UNKNOWN_PEER' (3010" "$T/t2.log"
check "osmo-eir says why" grep -q \
	"CER Origin-Host mme.fd.test is not named by the peer's TLS certificate /CN=\*.fd.test: refused" "$EIR_LOG"
stop_pid $FD_PID 10 >/dev/null
FD_PID=$FD1_PID
check "cer:tls_host_mismatch counted ($(dia_ctr cer:tls_host_mismatch))" [ "$(dia_ctr cer:tls_host_mismatch)" -ge 1 ]

# --- a raw client: the certificate of other.fd.test, Origin-Host mme3.fd.test ---
$ERR tls_host $TLS_PORT "$T/dia-ca.pem" "$T/other.pem" "$T/other.key" mme3.fd.test > "$T/host.out" 2>&1
check "raw client: CEA 3010 for a certificate of another host" [ $? -eq 0 ]
sed 's/^/#   /' "$T/host.out"

# --- refused in the handshake: no certificate, another CA, not TLS at all ---
n0=$(dia_ctr conn:tls_fail)
echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile "$T/dia-ca.pem" > "$T/nocert.out" 2>&1
echo | openssl s_client -connect 127.0.0.1:$TLS_PORT -CAfile "$T/dia-ca.pem" -cert "$T/rogue.pem" \
	-key "$T/rogue.key" > "$T/rogue.out" 2>&1
$ERR tls_plain $TLS_PORT $EIR_PORT > "$T/plain.out" 2>&1
check "a plain TCP peer on the TLS port: dropped unanswered; the plain port answers" [ $? -eq 0 ]
sed 's/^/#   /' "$T/plain.out"
tls_fail_ge() {
	[ "$(dia_ctr conn:tls_fail)" -ge "$1" ] 2>/dev/null
}
wait_for 5 tls_fail_ge $((${n0:-0} + 3))
check "conn:tls_fail counted the 3 failed handshakes ($(dia_ctr conn:tls_fail))" \
	[ "$(dia_ctr conn:tls_fail)" -eq $((${n0:-0} + 3)) ]
check "osmo-eir: no client certificate, logged with the peer" \
	grep -q "127.0.0.1:[0-9]*: TLS handshake failed: peer did not return a certificate" "$EIR_LOG"
check "osmo-eir: a certificate of another CA, logged with the peer" \
	grep -q "127.0.0.1:[0-9]*: TLS handshake failed: certificate verify failed: unable to get local issuer" \
	"$EIR_LOG"
check "osmo-eir: the plain peer's bytes are no TLS" grep -q "TLS handshake failed: wrong version number" "$EIR_LOG"
# a socket that never starts its handshake: the CER deadline (cer-timeout 3) closes it
$PY "$top_srcdir/tests/sbi/silent.py" "$TLS_PORT" 1 15 > "$T/silent.out" 2>&1
check "no TLS handshake within cer-timeout: closed" grep -q '^closed' "$T/silent.out"
check "osmo-eir: no TLS handshake in time" grep -q "closing: no TLS handshake in time" "$EIR_LOG"

# the other peers: the first freeDiameter still open, a second good peer served
$ERR tls_pipeline $TLS_PORT "$T/dia-ca.pem" "$T/mme2.pem" "$T/mme2.key" mme2.fd.test 200 > "$T/pipe.out" 2>&1
check "another TLS peer: CEA 2001, 200 pipelined ECRs answered" [ $? -eq 0 ]
sed 's/^/#   /' "$T/pipe.out"
check "freeDiameter ($FD1_CONN) was never closed meanwhile" \
	sh -c "! grep -q '$FD1_CONN (mme.fd.test): closing' '$EIR_LOG'"
check "freeDiameter: stayed OPEN" sh -c "! grep -q 'STATE_SUSPECT\|STATE_REOPEN\|STATE_CLOSED' '$T/t1.log'"

# --- the configuration written back ---
out=$($VTY "$EIR_VTY_PORT" enable "show running-config" 2>/dev/null)
for l in "tls listen 127.0.0.1 $TLS_PORT" "tls certificate $T/eir.pem" "tls private-key $T/eir.key" \
	"tls ca-file $T/dia-ca.pem"; do
	check "running-config: $l" sh -c 'printf "%s\n" "$1" | grep -qx " $2"' _ "$out" "$l"
done
$VTY "$EIR_VTY_PORT" enable "write file" > /dev/null 2>&1
check "write file: the tls lines in the file" grep -qx " tls ca-file $T/dia-ca.pem" "$T/osmo-eir.cfg"

# osmo-eir's shutdown over TLS: DPR to freeDiameter, its DPA
eir_stop
rc=$?
EIR_PID=""
check "osmo-eir: clean shutdown (exit 0, no sanitizer report)" [ $rc -eq 0 ]
check "osmo-eir: closed after freeDiameter's DPA over TLS" grep -q "(mme.fd.test): closing: DPA received" "$EIR_LOG"
stop_pid $FD_PID 20 >/dev/null
FD_PID=""
# (osmo-eir closes the connection once the DPA is in, after its close_notify, without waiting for freeDiameter's:
# freeDiameter's gnutls_bye() then cannot push its own and its receiver thread logs ENOTCONN. Both come after the
# DPR/DPA, in the close of the transport: not errors of the session)
fd_errors t1 | grep -v "fd_tls_rcvthr_core.*Transport endpoint is not connected" |
	grep -v "gnutls_bye(.*Error in the push function" > "$T/t1.err"
check "freeDiameter's log (TLS session): no ERROR" [ ! -s "$T/t1.err" ]
sed 's/^/#   /' "$T/t1.err"

# --- tls listen without its CA: no start ---
{ eir_ports_cfg; printf ' tls listen 127.0.0.1 %s\n tls certificate %s/eir.pem\n tls private-key %s/eir.key\n' \
	"$(free_port)" "$T" "$T"; } > "$T/noca.cfg"
"$EIR" -c "$T/noca.cfg" -l "$T/store" > "$T/noca.log" 2>&1
check "tls listen without tls ca-file: exit non-zero" [ $? -ne 0 ]
check "and says why" grep -q "'tls listen' needs 'tls certificate', 'tls private-key' and 'tls ca-file'" "$T/noca.log"

fd_dump_logs t1 t2
finish
