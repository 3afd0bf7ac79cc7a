#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 latency around big commits (not a test): osmo-eir answering a paced 50k ECR/s (osmo-eir-bench, 2 connections,
# W=256) in back-to-back windows of one second, each with its p99, p99.9, max and the page faults (minor and major)
# of osmo-eir's answering loop (/proc/PID/task/PID/stat), through four phases:
#   1. alone, the national part empty;
#   2. during a first osmo-eir-sync of a ROWS-row national blacklist into that empty part (file://, at nice 19 and
#      the idle I/O class as the systemd units run it), and the windows after its commit;
#   3. alone again (the same store, now holding the list, warmed by the windows before);
#   4. during an IMPORT-row `osmo-eir-db import` into the running osmo-eir's local part (over its import socket), the
#      windows after it, and alone once more.
# Half the IMEIs are on the national list, half are not. Per phase: the median and the worst window's p99, against
# the alone windows before and after. Run from an optimised build tree: `make bench-commit`.
# Prints figures, asserts nothing. Every loop is bounded in count and time. Scratch data in BENCH_DIR (default a
# temp dir, removed afterwards).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
IMPORT=${IMPORT:-1000000}
RATE=${RATE:-50000}
ALONE=${ALONE:-5}
AFTER=${AFTER:-10}
FEED="$builddir/src/osmo-eir-feed/osmo-eir-feed"
SYNC="$builddir/src/osmo-eir-sync/osmo-eir-sync"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
EIR="$builddir/src/osmo-eir/osmo-eir"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
. "$here/lib.sh"
bench_setup commit

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')," \
	"kernel $(uname -r)"
echo "# ROWS=$ROWS IMPORT=$IMPORT RATE=$RATE; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$dir/in" "$dir/www"
# the feed is kept in a BENCH_DIR for the next run (the same ROWS); the store is made anew each run
if [ ! -d "$dir/www/feed" ]; then
	echo "imei,imsi,msisdn,block_date,reasons" > "$dir/in/notif0.csv"
	echo "imei,imsi,msisdn" > "$dir/in/exc0.csv"
	openssl genpkey -algorithm ed25519 -out "$dir/feed.key" 2>/dev/null
	openssl pkey -in "$dir/feed.key" -pubout -out "$dir/feed.pub"
	awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
		for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' \
		> "$dir/in/bl.csv"
	"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --no-deltas --blacklist "$dir/in/bl.csv" \
		--notifications "op=$dir/in/notif0.csv" --exceptions "op=$dir/in/exc0.csv" >/dev/null
	rm -f "$dir/in/bl.csv"
fi
rm -rf "$dir/store" "$dir"/alone-* "$dir"/after-* "$dir"/sync* "$dir"/import*
# the local import: other IMEIs (odd offsets), so that it adds rows the S13 load does not ask for
awk -v n="$IMPORT" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 37000000000000 + i * 7 }' > "$dir/in/local.csv"
awk -v n="$ROWS" 'BEGIN { srand(1); for (i = 0; i < 200000; i++)
	printf "%.0f,,\n", i % 2 ? 35000000000000 + int(rand() * n) * 7 : 35000000000000 + int(rand() * n * 7) }' \
	> "$dir/imeis.csv"

"$EIR_DB" -l "$dir/store" create >/dev/null
S13_PORT=$(port)
eir_config "$dir/osmo-eir.cfg" "$S13_PORT" "$(port)"
"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
EIR_PID=$!
pids+=($EIR_PID)
wait_port "$S13_PORT"

# window PHASE: one second of paced load; prints PHASE p99 p99.9 max minflt majflt, and keeps the p99 in $dir/PHASE
# the answering loop's own page faults (its thread), not those of osmo-eir's other threads
faults() { awk '{ print $10, $12 }' "/proc/$EIR_PID/task/$EIR_PID/stat"; }
window() {
	local f0 f1 out
	f0=$(faults)
	out=$("$BENCH" -p "$S13_PORT" -c 2 -w 256 -d 1 -r "$RATE" -i "$dir/imeis.csv" 2>&1 | tail -n 1)
	f1=$(faults)
	set -- "$1" $f0 $f1
	local p99 p999 max ans
	p99=$(echo "$out" | sed -n 's/.* p99=\([0-9]*\)us.*/\1/p')
	p999=$(echo "$out" | sed -n 's/.* p99.9=\([0-9]*\)us.*/\1/p')
	max=$(echo "$out" | sed -n 's/.* max=\([0-9]*\)us.*/\1/p')
	ans=$(echo "$out" | sed -n 's/^answers=\([0-9]*\) .*/\1/p')
	printf '%-14s answers %6s  p99 %6s us  p99.9 %6s us  max %7s us  faults %6d minor %4d major\n' \
		"$1" "${ans:-0}" "${p99:--}" "${p999:--}" "${max:--}" $(($4 - $2)) $(($5 - $3))
	echo "${p99:-0}" >> "$dir/$1"
}
summary() { # PHASE...
	/usr/bin/python3 - "$dir" "$@" <<'PY'
import statistics, sys
d = sys.argv[1]
for ph in sys.argv[2:]:
    try:
        v = [int(x) for x in open("%s/%s" % (d, ph))]
    except OSError:
        continue
    print("## %-14s %2d windows: p99 median %5d us, worst %6d us" % (ph, len(v), statistics.median(v), max(v)))
PY
}

# during PHASE COMMAND...: COMMAND in the background (its output in $dir/PHASE.log), windows of PHASE while it runs
# (at most 600 s), then its last line; windows() N PHASE: N windows
during() {
	local phase=$1 pid t0
	shift
	"$@" > "$dir/$phase.log" 2>&1 < /dev/null &
	pid=$!
	t0=$(date +%s)
	while kill -0 $pid 2>/dev/null && [ $(($(date +%s) - t0)) -lt 600 ]; do window "$phase"; done
	wait $pid || echo "$phase: $1 failed"
	echo "# $(tail -n 1 "$dir/$phase.log")"
}
windows() { for _ in $(seq "$1"); do window "$2"; done; }

# warm the connections and the (empty) map
"$BENCH" -p "$S13_PORT" -c 2 -w 256 -d 2 -r "$RATE" -i "$dir/imeis.csv" > /dev/null 2>&1 || true
echo "## 1. alone, national part empty"
windows "$ALONE" alone-empty

echo "## 2. during the first sync of $ROWS rows into the empty national part, then after its commit"
during sync nice -n 19 ionice -c 3 "$SYNC" -l "$dir/store" -o op -k "$dir/feed.pub" -u "file://$dir/www/feed/"
windows "$AFTER" after-sync
echo "## 3. alone, the national part holding $ROWS"
windows "$ALONE" alone-full

echo "## 4. during an import of $IMPORT rows into the running osmo-eir's local part, then after it"
during import "$EIR_DB" -l "$dir/store" import "$dir/in/local.csv"
windows "$AFTER" after-import
windows "$ALONE" alone-end

summary alone-empty sync after-sync alone-full import after-import alone-end
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
