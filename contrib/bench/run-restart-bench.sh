#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Restart after kill -9 (not a test): osmo-eir on a store of ROWS local IMEIs and ROWS national blacklist
# entries, loaded by osmo-eir-bench (S13), killed with SIGKILL, started again on the same store: the time until S13
# listens, and until the first ECR is answered right. ROUNDS rounds; `make bench-restart` from an optimised build.
# Prints figures, asserts nothing. Every loop is bounded in count and time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
ROUNDS=${ROUNDS:-5}
EIR="$builddir/src/osmo-eir/osmo-eir"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
ECR="$here/../s13-ecr.py"
. "$here/lib.sh"
bench_setup restart

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
"$EIR_DB" -l "$dir/store" create >/dev/null
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"
	for (i = 0; i < n; i++) printf "%.0f,black,Reported stolen\n", 35000000000000 + i * 7 }' > "$dir/local.csv"
"$EIR_DB" -l "$dir/store" -m 4096 import "$dir/local.csv" 2>&1 | tail -n 1
rm -f "$dir/local.csv"
echo "## store: $ROWS local IMEIs, $(du -sh "$dir/store" | cut -f1)"

eport=$(port)
vport=$(port)
eir_config "$dir/osmo-eir.cfg" "$eport" "$vport"
awk -v n="$ROWS" 'BEGIN { srand(1)
	for (i = 0; i < 100000; i++) printf "%.0f,,BLACKLISTED\n", 35000000000000 + int(rand() * n) * 7 }' \
	> "$dir/imeis.csv"

ms() { echo $(($(date +%s%N) / 1000000)); }
for r in $(seq "$ROUNDS"); do
	"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
	pid=$!
	pids+=($pid)
	wait_port "$eport"
	"$BENCH" -p "$eport" -c 2 -w 16 -d 3 -i "$dir/imeis.csv" > "$dir/load.out" 2>&1 &
	sleep 1.5
	kill -9 "$pid"
	wait "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	t0=$(ms)
	"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
	pid=$!
	pids+=($pid)
	t_listen=""
	t_answer=""
	for _ in $(seq 3000); do
		if [ -z "$t_listen" ] && /usr/bin/python3 -c "import socket; socket.create_connection(('127.0.0.1', $eport), 1)" \
			2>/dev/null; then
			t_listen=$(($(ms) - t0))
		fi
		if [ -n "$t_listen" ] && [ "$(/usr/bin/python3 "$ECR" --port "$eport" --realm example.org \
			--dest-realm example.org 35000000000007 2>/dev/null | cut -d' ' -f1)" = BLACKLISTED ]; then
			t_answer=$(($(ms) - t0))
			break
		fi
		sleep 0.01
	done
	echo "round $r: S13 listening after ${t_listen:-?} ms, first right answer after ${t_answer:-?} ms (kill -9 under load)"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
