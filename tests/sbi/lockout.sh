#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Silent sockets cannot lock AMFs out. With max-connections filled by TCP connections that never send the HTTP/2
# preface, a new client is still answered: the oldest connection without a request is evicted (with a GOAWAY when
# its preface was complete), never one that has sent a request (its connection keeps serving); only when every
# connection has a request is the new one refused. A connection without its preface (none at all, or half of it)
# is closed after preface-timeout. max-connections-per-source caps one address. The listen backlog is SOMAXCONN.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
sbi_need_h2
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
curl -V | grep -q HTTP2 || { echo "SKIP: curl without HTTP/2"; exit 77; }

pids=
trap 'for p in $pids; do kill $p 2>/dev/null; done; rm -rf "$T"' EXIT

# keeper NAME: an HTTP/2 client (python3-h2) that sends one request, prints its status, waits until the file
# $T/NAME.go exists (at most 30 s), sends a second request on the same connection and prints its status
keeper() {
	$PY - "$SBI_PORT" "$T/$1.go" > "$T/$1.out" 2>&1 <<'PYEOF' &
import os, socket, sys, time
import h2.connection, h2.events
port, go = int(sys.argv[1]), sys.argv[2]
s = socket.create_connection(("127.0.0.1", port), timeout=30)
c = h2.connection.H2Connection()
c.initiate_connection()
def get(sid):
    c.send_headers(sid, [(":method", "GET"), (":scheme", "http"), (":authority", "127.0.0.1:%d" % port),
                         (":path", "/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809")], end_stream=True)
    s.sendall(c.data_to_send())
    while True:
        data = s.recv(65536)
        if not data:
            return "closed"
        for ev in c.receive_data(data):
            if isinstance(ev, h2.events.ResponseReceived) and ev.stream_id == sid:
                return dict(ev.headers)[b":status"].decode()
        s.sendall(c.data_to_send())
print("first", get(1), flush=True)
end = time.monotonic() + 30
while not os.path.exists(go) and time.monotonic() < end:
    time.sleep(0.05)
try:
    print("second", get(3), flush=True)
except OSError as e:
    print("second", e, flush=True)
PYEOF
	pids="$pids $!"
	i=0
	while ! grep -q "^first" "$T/$1.out" 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
}

# wait_for FILE PATTERN: until a line of FILE matches (at most 30 s)
wait_for() {
	i=0
	while ! grep -q "$2" "$1" 2>/dev/null && [ $i -lt 300 ]; do sleep 0.1; i=$((i + 1)); done
}

# --- full of silent sockets: a new client gets in, the oldest silent one goes, the one with a request stays ---
# (the default max-connections, 256, as the fuzzing found it)
sbi_start " preface-timeout 60" || exit 1
# the listen backlog is SOMAXCONN (capped by net.core.somaxconn), not libosmo-netif's 10: ss shows it as Send-Q
if command -v ss >/dev/null && [ -r /proc/sys/net/core/somaxconn ]; then
	want=$(cat /proc/sys/net/core/somaxconn)
	[ "$want" -gt 4096 ] && want=4096
	got=$(ss -Hltn "sport = :$SBI_PORT" | awk '{ print $3 }')
	check "listen backlog $want (ss: $got)" [ "$got" = "$want" ]
else
	echo "# no ss or /proc/sys/net/core/somaxconn: listen backlog not checked"
fi
keeper amf1
check "a client with a request: answered" grep -q "^first 200" "$T/amf1.out"
# the oldest of them has sent its preface (and no request): it is the one to go, with a GOAWAY
$PY "$top_srcdir/tests/sbi/silent.py" "$SBI_PORT" 255 40 --preface 1 --stop "$T/stop" > "$T/silent.out" 2>&1 &
silent=$!
pids="$pids $silent"
wait_for "$T/silent.out" "^open 255"
out=$(vty "show sbi connections")
check "max-connections 256 reached (255 silent and the client)" has "$out" "^256 connection(s)"
h2 new "$SBI_URL?pei=imei-356938035643809"
expect "full of silent sockets: a new client is answered" new 200 $J '{"status":"BLACKLISTED"}'
touch "$T/amf1.go"
wait_for "$T/amf1.out" "^second"
check "the client that had sent a request kept its connection" grep -q "^second 200" "$T/amf1.out"
touch "$T/stop"
wait $silent
check "the oldest silent connection was evicted, and only it" [ "$(grep -c '^closed' "$T/silent.out")" = 1 ]
check "  (connection 0, the oldest, after a GOAWAY)" grep -q "^closed 0 goaway$" "$T/silent.out"
check "the log says so" grep -q "max-connections (256) reached: evicting 127.0.0.1:[0-9]*, which has sent no request" \
	"$EIR_LOG"
out=$(vty "show rate-counters")
check_ctr "$out" conn:evicted -eq 1
check_ctr "$out" conn:refused -eq 0
check "clean shutdown" eir_stop

# --- every connection has sent a request: the new one is refused, none evicted ---
rm -rf "$T/store"
sbi_start " max-connections 1" || exit 1
keeper amf2
check "max-connections 1, taken by a client with a request" grep -q "^first 200" "$T/amf2.out"
h2 refused "$SBI_URL?pei=imei-356938035643809"
check "a second client is refused (curl fails)" [ "$(cut -d' ' -f1 "$T/refused.meta")" = 000 ]
touch "$T/amf2.go"
wait_for "$T/amf2.out" "^second"
check "the first client still served" grep -q "^second 200" "$T/amf2.out"
out=$(vty "show rate-counters")
check_ctr "$out" conn:refused -eq 1
check_ctr "$out" conn:evicted -eq 0
check "clean shutdown" eir_stop

# --- no preface within preface-timeout: closed (nothing sent, or half a preface) ---
rm -rf "$T/store"
sbi_start " preface-timeout 1" || exit 1
$PY "$top_srcdir/tests/sbi/silent.py" "$SBI_PORT" 4 20 --partial 2 > "$T/slow.out" 2>&1
check "4 connections without a (whole) preface: all closed by the server" \
	[ "$(grep -c '^closed' "$T/slow.out")" = 4 ]
check "  none held" sh -c '! grep -q "^held" "$1"' _ "$T/slow.out"
q "still serving" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
out=$(vty "show rate-counters")
check_ctr "$out" conn:preface_timeout -eq 4
out=$(vty "show running-config")
check "config write: preface-timeout 1" has "$out" "^ preface-timeout 1\$"
check "clean shutdown" eir_stop

# --- max-connections-per-source: one address holds at most that many; a new one is closed at once ---
rm -rf "$T/store"
sbi_start " max-connections-per-source 3" || exit 1
rm -f "$T/stop"
$PY "$top_srcdir/tests/sbi/silent.py" "$SBI_PORT" 3 30 --stop "$T/stop" > "$T/src.out" 2>&1 &
silent=$!
pids="$pids $silent"
wait_for "$T/src.out" "^open 3"
h2 fourth "$SBI_URL?pei=imei-356938035643809"
check "a fourth connection from 127.0.0.1 is closed at once (curl fails)" [ "$(cut -d' ' -f1 "$T/fourth.meta")" = 000 ]
check "the log says so" grep -q "max-connections-per-source (3) reached by 127.0.0.1: closing a new connection" \
	"$EIR_LOG"
touch "$T/stop"
wait $silent
check "  none of the three was closed for it" [ "$(grep -c '^held' "$T/src.out")" = 3 ]
i=0
while ! has "$(vty 'show sbi connections')" "^0 connection(s)" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
q "once they are gone, there is room again" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
out=$(vty "show rate-counters")
check_ctr "$out" conn:refused_source -eq 1
check_ctr "$out" conn:evicted -eq 0
out=$(vty "show running-config")
check "config write: max-connections-per-source 3" has "$out" "^ max-connections-per-source 3\$"
check "clean shutdown" eir_stop
finish
