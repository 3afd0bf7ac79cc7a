#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Diameter over TLS/TCP (RFC 6733 §13.1) against freeDiameter 1.2.1 (GnuTLS) as the MME: TLS from the first byte on
# osmo-eir's 'tls listen' port (no Inband-Security-Id negotiation), certificates of a CA made here. freeDiameter with
# its certificate gets its ECRs answered over TLS and stays open while a freeDiameter whose (wildcard) certificate
# does not name its Origin-Host exactly gets CEA 3010, a plain TCP peer on the TLS port is dropped and another TLS
# peer is served; osmo-eir's shutdown says DPR over TLS. The refusals in detail, without freeDiameter:
# tests/s13/tls.sh. SKIP (77) as tests/s13/freediameter.sh.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/s13/lib-fd.sh"
. "$top_srcdir/tests/lib-tls.sh"
ERR="$PY $top_srcdir/tests/s13/s13_errors.py"

# --- certificates: a CA for every Diameter node, a second CA nobody trusts ---
dia_tls_certs mme:mme.fd.test 'wild:*.fd.test' mme2:mme2.fd.test ||
	{ not_ok "openssl made the test certificates"; finish; }
dia_tls_start || exit 1
check "osmo-eir: the TLS listener is up" grep -q "S13 TLS on 127.0.0.1:$TLS_PORT (tcp, peer certificate of" "$EIR_LOG"

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

# --- a plain TCP peer on the TLS port (dropped in the handshake) while freeDiameter is open ---
$ERR tls_plain $TLS_PORT $EIR_PORT > "$T/plain.out" 2>&1
check "a plain TCP peer on the TLS port: dropped unanswered; the plain port answers" [ $? -eq 0 ]
sed 's/^/#   /' "$T/plain.out"
check "conn:tls_fail counted it ($(dia_ctr conn:tls_fail))" [ "$(dia_ctr conn:tls_fail)" -eq 1 ]

# the other peers: the first freeDiameter still open, a second good peer served
$ERR tls_pipeline $TLS_PORT "$T/dia-ca.pem" "$T/mme2.pem" "$T/mme2.key" mme2.fd.test 200 > "$T/pipe.out" 2>&1
check "another TLS peer: CEA 2001, 200 pipelined ECRs answered" [ $? -eq 0 ]
sed 's/^/#   /' "$T/pipe.out"
check "freeDiameter ($FD1_CONN) was never closed meanwhile" \
	sh -c "! grep -q '$FD1_CONN (mme.fd.test): closing' '$EIR_LOG'"
check "freeDiameter: stayed OPEN" sh -c "! grep -q 'STATE_SUSPECT\|STATE_REOPEN\|STATE_CLOSED' '$T/t1.log'"

# osmo-eir's shutdown over TLS: DPR to freeDiameter, its DPA
eir_stop
rc=$?
EIR_PID=""
check "osmo-eir: clean shutdown (exit 0, no sanitizer report)" [ $rc -eq 0 ]
check "osmo-eir: closed after freeDiameter's DPA over TLS" grep -q "(mme.fd.test): closing: DPA received" "$EIR_LOG"
stop_pid $FD_PID 20 >/dev/null
FD_PID=""
# (osmo-eir closes the connection once the DPA is in, after its close_notify, without waiting for freeDiameter's,
# as TLS allows (RFC 5246 §7.2.1, RFC 8446 §6.1). freeDiameter's receiver thread reads that close_notify and then
# its gnutls_bye(RDWR) in another thread, racing the close, logs one of three things: it cannot push its own
# close_notify, the receiver gets ENOTCONN, or (under load, the socket still open when it pushes) it waits for a
# close_notify its receiver has already consumed and reads EOF: "non-properly terminated". All three come after
# the DPR/DPA, in the close of the transport: not session errors)
fd_errors t1 | grep -v "fd_tls_rcvthr_core.*Transport endpoint is not connected" |
	grep -v "gnutls_bye(.*Error in the push function" |
	grep -v "gnutls_bye(.*The TLS connection was non-properly terminated" > "$T/t1.err"
check "freeDiameter's log (TLS session): no ERROR" [ ! -s "$T/t1.err" ]
sed 's/^/#   /' "$T/t1.err"

fd_dump_logs t1 t2
finish
