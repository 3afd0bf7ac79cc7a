#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 benchmark (not a test): osmo-eir with 10M listed IMEIs, and in the same run a freeDiameter-based S13
# responder (contrib/bench/fd-responder.sh), both loaded by the same client (osmo-eir-bench) with the same
# load: answers/s at W = 1, 16, 256 (2 connections) and latency percentiles at a paced 50k ECR/s.
# Run from an optimised build tree: `make bench-s13`, or `builddir=$PWD ../contrib/bench/run-s13-bench.sh`.
# Prints figures, asserts nothing. Scratch data in BENCH_DIR (default a temp dir, removed afterwards).
set -eu
# freeDiameter 1.2.1 listens on every interface whatever ListenOn says: run everything in a network namespace
# of our own. freeDiameter also insists on a non-loopback local address, so the namespace gets a veth pair with
# a documentation address (192.0.2.1, TEST-NET-1) that leads nowhere; all traffic stays on its 127.0.0.1.
if [ -z "${EIR_BENCH_NETNS:-}" ] && [ "$(id -u)" = 0 ] && command -v unshare >/dev/null 2>&1; then
	exec env EIR_BENCH_NETNS=1 unshare -n -- "$0" "$@"
fi
if [ -n "${EIR_BENCH_NETNS:-}" ]; then
	ip link set lo up
	ip link add eirb0 type veth peer name eirb1
	ip addr add 192.0.2.1/32 dev eirb0
	ip link set eirb0 up
	ip link set eirb1 up
fi
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
SECS=${SECS:-5}
CONNS=${CONNS:-2}
EIR="$builddir/src/osmo-eir/osmo-eir"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
. "$here/lib.sh"
bench_setup s13

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "## store: $ROWS listed IMEIs (sorted DIRBS blacklist imported with osmo-eir-db)"
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' > "$dir/list.csv"
"$EIR_DB" -l "$dir/store" create >/dev/null
"$EIR_DB" -l "$dir/store" -m 4096 import "$dir/list.csv" 2>&1 | tail -n 1
rm -f "$dir/list.csv"
# queries: half listed, half not (random), with their expected verdicts
/usr/bin/python3 - "$dir/imeis.csv" "$ROWS" <<'PY'
import random, sys
r = random.Random(1)
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        if i % 2:
            f.write("%d,,BLACKLISTED\n" % (35000000000000 + r.randrange(n) * 7))
        else:
            k = r.randrange(n * 7)
            f.write("%d,,%s\n" % (35000000000000 + k, "BLACKLISTED" if k % 7 == 0 else "WHITELISTED"))
PY
# the freeDiameter responder answers WHITELISTED to everything: the same IMEIs, unchecked
cut -d, -f1 "$dir/imeis.csv" > "$dir/imeis-nocheck.csv"

eport=$(port)
eir_config "$dir/osmo-eir.cfg" "$eport" "$(port)"
"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
pids+=($!)
wait_port "$eport"

fport=$(port)
"$here/fd-responder.sh" "$fport" > "$dir/fd.log" 2>&1 &
pids+=($!)
wait_port "$fport" || { echo "freeDiameter responder did not start:"; tail "$dir/fd.log"; }

run() { # NAME PORT ARGS...
	local name=$1 p=$2
	shift 2
	printf '%-12s ' "$name"
	"$BENCH" -p "$p" "$@" 2>&1 | tail -n 1
}
for w in 1 16 256; do
	echo "## W=$w, $CONNS connections, ${SECS}s"
	run osmo-eir "$eport" -c "$CONNS" -w "$w" -d "$SECS" -i "$dir/imeis.csv"
	run freeDiameter "$fport" -c "$CONNS" -w "$w" -d "$SECS" -i "$dir/imeis-nocheck.csv"
done
echo "## paced 50000 ECR/s, W=256, $CONNS connections, ${SECS}s: latency"
run osmo-eir "$eport" -c "$CONNS" -w 256 -d "$SECS" -r 50000 -i "$dir/imeis.csv"
run freeDiameter "$fport" -c "$CONNS" -w 256 -d "$SECS" -r 50000 -i "$dir/imeis-nocheck.csv"
echo "## paced 50000 ECR/s as above, sent every 100 us instead of every 1 ms (smaller bursts)"
run osmo-eir "$eport" -c "$CONNS" -w 256 -d "$SECS" -r 50000 --tick 100 -i "$dir/imeis.csv"
run freeDiameter "$fport" -c "$CONNS" -w 256 -d "$SECS" -r 50000 --tick 100 -i "$dir/imeis-nocheck.csv"
echo "## idle: a single ECR at a time, 1 connection, ${SECS}s"
run osmo-eir "$eport" -c 1 -w 1 -d "$SECS" -i "$dir/imeis.csv"
