#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir at its limit of open files (prlimit on the running daemon): connections to the S13, N5g-eir, VTY and CTRL
# listeners cannot be accepted. They wait in the backlog; the loop does not spin on the listeners (it did: a whole
# core, and libosmo-netif's "failed to accept" ~100k times a second in the log); the MME connected before is
# answered throughout; and once descriptors are free again every waiting client is served.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
command -v prlimit > /dev/null || { echo "# SKIP: no prlimit (Debian util-linux)"; exit 77; }
command -v curl > /dev/null || { echo "# SKIP: no curl"; exit 77; }
imei=35693803564380
cat > "$T/expect.csv" <<CSV
$imei,,BLACKLISTED
35999999000001,,WHITELISTED
CSV

# a shell's soft limit below what the default max-connections (256 S13, 256 N5g-eir) and max-sessions (32 VTY,
# 32 CTRL) need: osmo-eir raises it
ulimit -S -n 100
sbi_start || exit 1
got=$(awk '/^Max open files/ { print $4 }' "/proc/$EIR_PID/limits")
check "a soft limit of 100 open files raised to what max-connections and max-sessions need: $got" [ "$got" = 640 ]
# an MME connected before, sending all along
"$BENCH" -p "$EIR_PORT" -c 1 -w 4 -d 6 -r 2000 -i "$T/expect.csv" > "$T/bench.out" 2>&1 &
bench=$!
wait_for 5 sh -c 'grep -q "mme-bench" "$1"' _ "$EIR_LOG" || sleep 1
nfd=$(ls "/proc/$EIR_PID/fd" | wc -l)
prlimit --pid "$EIR_PID" --nofile=$((nfd + 6)):
# the failed accepts logged: libosmo-netif's, libosmovty's, libosmoctrl's, and the pauses
fails() {
	grep -c -e "failed to accept" -e "telnet accept failed" -e "^accept: " -e "cannot accept a connection" \
		"$EIR_LOG"
}
f0=$(fails)

# 12 S13 connections (6 accepted, 6 left waiting), then one each to the VTY, CTRL and N5g-eir
PYTHONPATH="$top_srcdir/tests" $PY - "$EIR_PORT" "$EIR_VTY_PORT" "$EIR_CTRL_PORT" "$imei" "$T/held" \
	> "$T/clients.out" 2>&1 <<'PYEOF' &
import os, socket, sys, time
from ctrl import Ctrl
s13, vty, ctrl, imei, held = int(sys.argv[1]), int(sys.argv[2]), int(sys.argv[3]), sys.argv[4], sys.argv[5]
conns = [socket.create_connection(("127.0.0.1", s13), timeout=5) for _ in range(12)]
# the others once the S13 ones took every place (the loop accepts from each ready listener in a round)
time.sleep(1)
v = socket.create_connection(("127.0.0.1", vty), timeout=15)
c = Ctrl(ctrl, timeout=15)
c._send("GET 1 equipment.imei.%s.verdict" % imei)
open(held, "w").close()
while os.path.exists(held):
    time.sleep(0.1)
for s in conns:
    s.close()
try:
    print("vty: " + v.recv(200).decode(errors="replace").splitlines()[0])
except OSError as e:
    print("vty: %s" % e)
try:
    print("ctrl: " + c._recv())
except OSError as e:
    print("ctrl: %s" % e)
PYEOF
clients=$!
wait_for 10 test -f "$T/held" || echo "# the clients did not connect"
curl -s --max-time 20 --http2-prior-knowledge "$SBI_URL?pei=imei-356938035643809" > "$T/curl.out" 2>&1 &
curl=$!
sleep 0.5
c0=$(eir_cpu)
sleep 2
c1=$(eir_cpu)
f1=$(fails)
check "connections waiting at the limit of open files: the loop does not spin ($((c1 - c0)) ticks of CPU in 2 s)" \
	[ $((c1 - c0)) -lt 60 ]
check "  nor floods the log ($((f1 - f0)) failed accepts logged in 2 s)" [ $((f1 - f0)) -lt 400 ]
check "  the pause is logged, with the limit" \
	grep -q "127.0.0.1:$EIR_PORT: cannot accept a connection (Too many open files: the limit is $((nfd + 6)))" \
	"$EIR_LOG"
check "  for the VTY's listener too (libosmovty's)" \
	grep -q "127.0.0.1:$EIR_VTY_PORT: cannot accept a connection" "$EIR_LOG"

# descriptors free again: the S13 connections close, the limit is raised back
prlimit --pid "$EIR_PID" --nofile=4096:
rm -f "$T/held"
wait $clients
check "then the waiting VTY client is served: $(grep '^vty:' "$T/clients.out")" \
	grep -q "^vty: Welcome to the OsmoEIR VTY" "$T/clients.out"
check "  and the waiting CTRL command answered: $(grep '^ctrl:' "$T/clients.out" | cut -c1-60)" \
	grep -q "^ctrl: GET_REPLY 1 equipment.imei.$imei.verdict BLACKLISTED," "$T/clients.out"
wait $curl
check "  and the waiting N5g-eir request: $(cat "$T/curl.out")" grep -q -F '{"status":"BLACKLISTED"}' "$T/curl.out"
wait $bench
rc=$?
check "the MME connected before was answered throughout, every answer right ($(tail -n 1 "$T/bench.out"))" \
	[ $rc -eq 0 ]
got=$(curl -s --max-time 10 --http2-prior-knowledge "$SBI_URL?pei=imei-356938035643809")
check "a new N5g-eir connection is served at once: $got" [ "$got" = '{"status":"BLACKLISTED"}' ]
# each pause counted; as many as logged at least (the log says at most one a second for each listener)
n=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show rate-counters" |
	sed -n 's/^ *listen:paused: *\([0-9]*\) .*/\1/p')
logged=$(grep -c "cannot accept a connection" "$EIR_LOG")
check "the pauses counted: lists / listen:paused $n, $logged logged" [ "${n:-0}" -ge "$logged" -a "$logged" -gt 0 ]
eir_stop
check "osmo-eir stops cleanly" [ $? -eq 0 ]

# a hard limit below that: said at start
ulimit -n 200
sbi_start || exit 1
check "a hard limit of 200 open files: said at start" grep -q \
	"the limit of open files (200) is below what max-connections and max-sessions allow (640 with 64 to spare)" \
	"$EIR_LOG"
eir_stop
finish
