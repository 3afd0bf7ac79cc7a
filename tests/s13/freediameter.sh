#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 against freeDiameter (Debian freediameterd 1.2.1) as the MME: freeDiameterd with tests/s13/fd_ecr.c (built
# here into an extension) connects to osmo-eir, exchanges CER/CEA, sends ECRs for every list and checks each ECA
# against its own S13 dictionary (freeDiameter drops an answer that breaks the ECA grammar or the command's
# flags); then at least 2 DWR/DWA rounds (TwTimer = 6), and osmo-eir's shutdown: DPR from osmo-eir, DPA from
# freeDiameter. A second, short session against osmo-eir with `default-verdict unknown` checks that
# freeDiameter accepts the Experimental-Result 5422 answer.
# SKIP (77) without freeDiameterd, the libfdcore headers, the dictionary extensions, gcc or openssl.
#
# freeDiameter 1.2.1 silently drops a loopback ListenOn address (so it would listen on every interface):
# the MME here only connects out, so Port = 0 and SecPort = 0 turn its listening sockets off.
# KEEP_T=1 keeps the scratch directory (logs, configurations, capture) for a look afterwards.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/s13/lib-fd.sh"

# fd_stayed_open NAME: freeDiameter went OPEN once, never SUSPECT or REOPEN
fd_stayed_open() {
	[ "$(grep -c "> 'STATE_OPEN'" "$T/$1.log")" -eq 1 ] && ! grep -q 'STATE_SUSPECT\|STATE_REOPEN' "$T/$1.log"
}

no_early_close() {
	! grep -q '(mme.fd.test): closing' "$EIR_LOG"
}

dwr_rx() {
	$VTY "$EIR_VTY_PORT" "show rate-counters" 2>/dev/null | awk '$1 == "dwr:rx:" { print $2 }'
}
dwr_at_least() {
	[ "$(dwr_rx)" -ge "$1" ] 2>/dev/null
}

# --- session 1: CER, ECRs, DWR x2, DPR from osmo-eir ---
eir_start || exit 1

# a capture, when tshark can capture on lo: DWR/DWA and DPR/DPA are then also counted on the wire
CAP="$T/cap.pcap"
if command -v tshark >/dev/null 2>&1; then
	tshark -i lo -f "tcp port $EIR_PORT" -F pcap -w "$CAP" > "$T/tshark.out" 2> "$T/tshark.err" &
	TS_PID=$!
	if ! wait_for 10 test -s "$CAP"; then
		echo "# no capture (tshark cannot capture on lo?):"
		sed 's/^/#   /' "$T/tshark.err" | head -n 3
		kill -KILL $TS_PID 2>/dev/null
		wait $TS_PID 2>/dev/null
		TS_PID=""
	fi
else
	echo "# no tshark: DWR/DWA counted by osmo-eir only"
fi

fd_conf s1 "35693803564380 1
35000001000001 2
35000001000002/05 0
35999999000001 0
35693803564380 001010000000001 0
35693803564380 001010000000002 1
356938035643809 1
35000004000150 1"
N_ECR=8
fd_run s1
check "fd_ecr finished its ECRs within 30 s" [ $? -eq 0 ]
check "freeDiameter: CER/CEA done, peer eir.example.org OPEN" \
	grep -q "'STATE_WAITCEA'.*-> 'STATE_OPEN'.*'eir.example.org'" "$T/s1.log"
check "osmo-eir: peer mme.fd.test (realm mme.test) is open" \
	grep -q "peer mme.fd.test (realm mme.test) is open" "$EIR_LOG"
check "every ECA as expected (black 1, grey 2, white 0, unlisted 0, pair, 15 digits, range)" \
	[ "$(grep -c '^ok - ' "$T/s1.result" 2>/dev/null)" -eq $N_ECR ]
check "fd_ecr: done $N_ECR $N_ECR" grep -qx "done $N_ECR $N_ECR" "$T/s1.result"

# the watchdog: freeDiameter sends a DWR after Tw = 6 s (+-2 s) of silence, so 2 rounds take 12-16 s
if wait_for 25 dwr_at_least 2; then
	ok "osmo-eir answered at least 2 DWR from freeDiameter (dwr:rx $(dwr_rx))"
else
	not_ok "osmo-eir answered at least 2 DWR from freeDiameter within 25 s (dwr:rx $(dwr_rx))"
fi
check "freeDiameter: the peer stayed OPEN (no SUSPECT, no reconnection)" fd_stayed_open s1
check "osmo-eir kept the connection (no closing before shutdown)" no_early_close

# osmo-eir's shutdown: DPR to freeDiameter, DPA back, osmo-eir closes
eir_stop
rc=$?
EIR_PID=""
check "osmo-eir: clean shutdown (exit 0, no sanitizer report)" [ $rc -eq 0 ]
check "osmo-eir: connection closed after freeDiameter's DPA" \
	grep -q "(mme.fd.test): closing: DPA received" "$EIR_LOG"
check "freeDiameter: got osmo-eir's DPR" grep -q "Peer 'eir.example.org' sent a DPR" "$T/s1.log"
mv "$EIR_LOG" "$T/s1-osmo-eir.log"

tsr() {
	tshark -r "$CAP" -d "tcp.port==$EIR_PORT,diameter" "$@" 2>> "$T/tshark-r.err"
}
# cap_has_dpa: the capture so far holds the DPA (the last packets reach the file up to a second late)
cap_has_dpa() {
	[ -n "$(tsr -Y 'diameter.cmd.code == 282 && diameter.flags.request == 0' -T fields -e frame.number)" ]
}
if [ -n "$TS_PID" ]; then
	wait_for 5 cap_has_dpa
	sleep 0.3
	kill -INT $TS_PID
	stop_pid $TS_PID 10 > /dev/null
	TS_PID=""
	TAB="$(printf '\t')"
	tsr -Y diameter -T fields -E occurrence=f -e tcp.srcport -e diameter.cmd.code -e diameter.flags.request \
		-e diameter.Result-Code > "$T/msgs.txt"
	n_dwr=$(grep -c "^[0-9]*${TAB}280${TAB}\(1\|True\)${TAB}" "$T/msgs.txt")
	n_dwa=$(grep -c "^${EIR_PORT}${TAB}280${TAB}\(0\|False\)${TAB}2001\$" "$T/msgs.txt")
	check "capture: at least 2 DWR from freeDiameter ($n_dwr)" [ "$n_dwr" -ge 2 ]
	check "capture: a DWA 2001 from osmo-eir for each DWR ($n_dwa)" [ "$n_dwa" -eq "$n_dwr" ]
	check "capture: one DPR from osmo-eir" \
		[ "$(grep -c "^${EIR_PORT}${TAB}282${TAB}\(1\|True\)${TAB}" "$T/msgs.txt")" -eq 1 ]
	check "capture: one DPA 2001 from freeDiameter" \
		[ "$(grep -c "^[0-9]*${TAB}282${TAB}\(0\|False\)${TAB}2001\$" "$T/msgs.txt")" -eq 1 ]
	check "capture: $N_ECR ECA from osmo-eir" \
		[ "$(grep -c "^${EIR_PORT}${TAB}324${TAB}\(0\|False\)${TAB}" "$T/msgs.txt")" -eq $N_ECR ]
	tsr -Y '_ws.malformed || _ws.expert.severity >= error' > "$T/bad.txt"
	check "capture: nothing malformed, no expert error" [ ! -s "$T/bad.txt" ]
	sed 's/^/#   /' "$T/bad.txt"
fi

stop_pid $FD_PID 20
rc=$?
FD_PID=""
check "freeDiameterd stopped on SIGTERM (exit 0)" [ $rc -eq 0 ]
fd_errors s1 > "$T/s1.err"
check "freeDiameter's log: no ERROR" [ ! -s "$T/s1.err" ]
sed 's/^/#   /' "$T/s1.err"

# --- session 2: default-verdict unknown, Experimental-Result 5422 ---
eir_start "" " default-verdict unknown" || exit 1
fd_conf s2 "35999999000001 5422
35693803564380 1"
fd_run s2
check "default-verdict unknown: fd_ecr finished within 30 s" [ $? -eq 0 ]
check "default-verdict unknown: Experimental-Result {10415, 5422} accepted by freeDiameter, listed IMEI 1" \
	grep -qx "done 2 2" "$T/s2.result"
eir_stop
rc=$?
EIR_PID=""
check "osmo-eir (default-verdict unknown): clean shutdown" [ $rc -eq 0 ]
stop_pid $FD_PID 20
FD_PID=""
fd_errors s2 > "$T/s2.err"
check "freeDiameter's log (second session): no ERROR" [ ! -s "$T/s2.err" ]
sed 's/^/#   /' "$T/s2.err"

fd_dump_logs s1 s2 "$T/s1-osmo-eir.log"
finish
