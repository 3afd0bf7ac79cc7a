#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# statsd reporting, configured the standard libosmocore way: osmo-eir sends its rate counters and stat items
# (the store's figures, the feed's age) to a statsd listener on 127.0.0.1.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }

SPORT=$(free_port)
# the statsd listener: collects datagrams for up to 10 s, stops early once the store's figures arrived
$PY - "$SPORT" "$T/statsd.txt" <<'PYEOF' &
import socket, sys, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(0.5)
out = open(sys.argv[2], "w")
t0 = time.time()
seen = ""
while time.time() - t0 < 10:
    try:
        d = s.recv(65536).decode(errors="replace")
    except socket.timeout:
        continue
    out.write(d + "\n")
    out.flush()
    seen += d
    if all(k in seen for k in ("store.0.local.imei", "store.0.feed.synced", "lists.0.edit.vty", "diameter.0.ecr.rx")):
        break
PYEOF
listener=$!
EIR_TOP_CFG="stats interval 1
stats reporter statsd
 remote-ip 127.0.0.1
 remote-port $SPORT
 level global
 no prefix
 enable"
eir_start || exit 1
wait $listener
check "statsd: the store's IMEI entries (3 in the test store)" grep -q "store\.0\.local\.imei:3|g" "$T/statsd.txt"
check "statsd: the national feed never synced" grep -q "store\.0\.feed\.synced:0|g" "$T/statsd.txt"
check "statsd: the list edit counters" grep -q "lists\.0\.edit\.vty:0|c" "$T/statsd.txt"
check "statsd: the Diameter counters" grep -q "diameter\.0\.ecr\.rx:0|c" "$T/statsd.txt"
check "clean shutdown" eir_stop
finish
