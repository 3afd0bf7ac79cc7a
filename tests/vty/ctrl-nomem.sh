#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# A CTRL connection when memory runs out (tests/vty/nomem_msgb.c, preloaded, fails the daemon's msgb_alloc() for the
# names in EIR_NOMEM_MSGB): a frame arriving in parts that cannot be kept, or a whole command that cannot be
# copied for libosmoctrl, closes its connection with "out of memory" in the log; it is never left unanswered on an
# open connection, nor left in the socket for the loop to find readable again and again (the loop spun); a SET so
# refused is not applied; the other connections, S13 and the VTY go on.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
CTRL="$PY $top_srcdir/tests/ctrl.py"
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
SHIM="$top_builddir/tests/vty/nomem_msgb.so"
[ -f "$SHIM" ] || { echo "# no $SHIM: make check builds it"; exit 1; }
# a sanitizer build: ASan's runtime then is not the first library loaded, which is fine for a shim without
# allocations of its own
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS

# raw PORT CUT TEXT: the CTRL frame of TEXT (or its first CUT bytes, CUT > 0), then what came back within 5 s:
# "closed" when the daemon closed the connection, "open" when not, and the reply's text before, if any
raw() {
	$PY - "$@" <<'PYEOF'
import socket, struct, sys
port, cut, text = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3].encode()
payload = b"\x00" + text
frame = struct.pack(">HB", len(payload), 0xEE) + payload
s = socket.create_connection(("127.0.0.1", port), timeout=5)
s.sendall(frame[:cut] if cut > 0 else frame)
got, state = b"", "open"
try:
    while True:
        d = s.recv(65536)
        if not d:
            state = "closed"
            break
        got += d
except ConnectionResetError:
    state = "closed"
except socket.timeout:
    pass
print(state + (" " + got[4:].decode(errors="replace") if got else ""))
PYEOF
}
imei=35693803564380
cat > "$T/expect.csv" <<CSV
$imei,,BLACKLISTED
35999999000001,,WHITELISTED
CSV

# 1. the start of a frame cannot be kept
EIR_NOMEM_MSGB="IPA frame in parts" LD_PRELOAD="$SHIM" eir_start || exit 1
got=$($CTRL "$EIR_CTRL_PORT" get "equipment.imei.$imei.verdict" 2>&1)
check "whole frames need no msgb of their own: a GET answered ($(echo "$got" | cut -c1-40))" \
	sh -c 'case "$1" in BLACKLISTED,*) exit 0 ;; esac; exit 1' _ "$got"
c0=$(eir_cpu)
got=$(raw "$EIR_CTRL_PORT" 3 "GET 1 equipment.summary")
c1=$(eir_cpu)
check "3 bytes of a header, no memory to keep them: the connection closed ($got)" [ "$got" = "closed" ]
check "  out of memory, in the log" grep -q "CTRL connection .*: out of memory, closing it" "$EIR_LOG"
# while the bytes stayed in the socket, the loop found it readable in every round: 5 s of CPU (500 ticks) until the
# client gave up; closed, a few ticks at most
check "  the loop did not spin meanwhile ($((c1 - c0)) ticks of CPU)" [ $((c1 - c0)) -lt 100 ]
got=$($CTRL "$EIR_CTRL_PORT" get "equipment.imei.$imei.verdict" 2>&1)
check "  another connection answered afterwards" sh -c 'case "$1" in BLACKLISTED,*) exit 0 ;; esac; exit 1' _ "$got"
eir_stop
check "osmo-eir stops cleanly" [ $? -eq 0 ]

# 2. a whole command cannot be copied for libosmoctrl
EIR_NOMEM_MSGB="CTRL command" LD_PRELOAD="$SHIM" eir_start || exit 1
got=$(raw "$EIR_CTRL_PORT" 0 "GET 1 equipment.imei.$imei.verdict")
check "a GET, no memory to copy it: the connection closed, no reply ($got)" [ "$got" = "closed" ]
got=$(raw "$EIR_CTRL_PORT" 0 "SET 2 equipment.imei.35000009000009.local black,lost")
check "a SET, no memory to copy it: the connection closed, no reply ($got)" [ "$got" = "closed" ]
check "  out of memory, in the log" grep -q "CTRL connection .*: out of memory, closing it" "$EIR_LOG"
"$BENCH" -p "$EIR_PORT" -c 1 -w 4 -n 2000 -i "$T/expect.csv" > "$T/bench.out" 2>&1
check "  S13 answers right meanwhile ($(tail -n 1 "$T/bench.out"))" [ $? -eq 0 ]
PYTHONPATH="$top_srcdir/tests" $PY - "$EIR_VTY_PORT" "$imei" > "$T/vty.out" 2>&1 <<'PYEOF'
import sys
from vty import Vty
v = Vty(int(sys.argv[1]), timeout=10)
print(v.cmd("show equipment imei %s" % sys.argv[2]))
PYEOF
check "  the VTY answers meanwhile" grep -q "BLACKLISTED" "$T/vty.out"
eir_stop
check "osmo-eir stops cleanly" [ $? -eq 0 ]
got=$("$EIR_DB" -l "$T/store" lookup 35000009000009 2>&1 | head -n 1 | cut -d' ' -f1)
check "the refused SET was not applied: $got" [ "$got" = "WHITELISTED" ]
finish
