#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# N5g-eir under h2load (a short run, every answer 2xx); SETTINGS as nghttp sees them; a client that opens stream
# after stream and never reads does not stop the others and is closed once its answers stay unread; an idle
# connection is closed.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
for t in h2load nghttp; do
	command -v $t >/dev/null || { echo "SKIP: no $t (Debian nghttp2-client)"; exit 77; }
done
[ -x $PY ] && $PY -c 'import hpack' 2>/dev/null || { echo "SKIP: no python3-hpack (Debian python3-h2)"; exit 77; }

# (idle-timeout 4: the hog is seen blocked after 1 s without progress, then listed by the VTY before it is closed)
sbi_start " idle-timeout 4
 max-concurrent-streams 64" || exit 1
P=/n5g-eir-eic/v1/equipment-status
for pei in imei-356938035643809 imeisv-3500000100000101 imeisv-3500000100000201 imeisv-3599999900000101 \
	"imei-356938035643809&supi=imsi-001010000000001"; do
	echo "http://127.0.0.1:$SBI_PORT$P?pei=$pei"
done > "$T/uris"
out=$(h2load -n 20000 -c 4 -m 32 -t 1 -i "$T/uris" 2>&1)
check "h2load -n 20000 -c 4 -m 32: all 2xx" has "$out" \
	"status codes: 20000 2xx, 0 3xx, 0 4xx, 0 5xx"
check "h2load: 20000 succeeded, none failed" has "$out" \
	"requests: 20000 total, 20000 started, 20000 done, 20000 succeeded, 0 failed, 0 errored, 0 timeout"
printf '%s\n' "$out" | grep "finished in" | sed 's/^/# /'

out=$(nghttp -nv "http://127.0.0.1:$SBI_PORT$P?pei=imei-356938035643809" 2>&1)
check "nghttp: SETTINGS_MAX_CONCURRENT_STREAMS 64" has "$out" \
	"SETTINGS_MAX_CONCURRENT_STREAMS(0x03):64"
check "nghttp: SETTINGS_ENABLE_PUSH 0" has "$out" "SETTINGS_ENABLE_PUSH(0x02):0"
check "nghttp: :status 200" has "$out" "recv (stream_id=13) :status: 200"

# the client that never reads
$PY "$top_srcdir/tests/sbi/hog.py" "$SBI_PORT" "$P?pei=imei-356938035643809" 20 > "$T/hog.out" 2>&1 &
hog=$!
i=0
while ! grep -q blocked "$T/hog.out" && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check "the hog filled its connection" grep -q blocked "$T/hog.out"
out=$(vty "show sbi connections")
check "show sbi connections: the hog, its answers unsent" has "$out" "^127.0.0.1:[0-9]* *no *[0-9]*s *[0-9]* *[0-9]* *[1-9][0-9]*"
out=$(h2load -n 2000 -c 2 -m 16 -t 1 "http://127.0.0.1:$SBI_PORT$P?pei=imei-356938035643809" 2>&1)
check "while the hog blocks: another client gets 2000 answers, all 2xx" has "$out" \
	"status codes: 2000 2xx, 0 3xx, 0 4xx, 0 5xx"
h2 other "http://127.0.0.1:$SBI_PORT$P?pei=imeisv-3500000100000101"
expect "while the hog blocks: curl gets its answer" other 200 application/json '{"status":"GREYLISTED"}'
wait $hog
check "the hog is closed by the server (idle-timeout 4, answers unread)" grep -q closed "$T/hog.out"
out=$(vty "show rate-counters")
check_ctr "$out" conn:stalled -gt 0

# an idle connection: preface and SETTINGS, a PING, then silence
out=$($PY - "$SBI_PORT" <<'PYEOF'
import socket, sys, time
# connected just after a second of CLOCK_MONOTONIC (the server's clock), a PING half a second later: a timer that
# counts whole seconds closes the connection half a second early
time.sleep(1.02 - time.monotonic() % 1.0)
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.sendall(b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\x00\x00\x00\x04\x00\x00\x00\x00\x00")
time.sleep(0.5)
s.sendall(b"\x00\x00\x08\x06\x00\x00\x00\x00\x00" + b"12345678")
t0 = time.monotonic()
s.settimeout(15)
data = b""
try:
    while True:
        d = s.recv(4096)
        if not d:
            break
        data += d
except socket.timeout:
    print("still open")
    sys.exit(0)
# the last frame before the close is a GOAWAY (type 7)
print("closed", "goaway" if b"\x00\x00\x08\x07\x00\x00\x00\x00\x00" in data else "no goaway",
      "%.3f" % (time.monotonic() - t0))
PYEOF
)
check "an idle connection gets GOAWAY and is closed ($out s after its last frame, a PING)" \
	[ "${out% *}" = "closed goaway" ]
# not before its idle-timeout: the timer counted whole seconds once, and closed it up to 1 s early
check "  and not before its idle-timeout of 4 s" awk -v t="${out##* }" 'BEGIN { exit !(t + 0 >= 4.0) }'
out=$(vty "show rate-counters")
check_ctr "$out" conn:idle -gt 0
check "clean shutdown" eir_stop
finish
