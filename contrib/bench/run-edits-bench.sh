#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 with and without a concurrent stream of VTY list edits (not a test): osmo-eir with ROWS listed IMEIs is
# loaded by osmo-eir-bench in ROUNDS rounds (default 3), each: alone, while an operator script makes 100 list edits
# a second on the VTY, alone, while it edits as fast as the VTY takes them, alone; each loaded figure against the
# mean of the alone runs before and after it, per round and the median: answers/s at W=16, and p99 at a paced
# 50k ECR/s, with the edits/s reached. Run from an optimised build tree: `make bench-edits`. VIA=ctrl makes the edits
# CTRL SETs instead (pipelined on one connection, WINDOW=32 waiting for their replies, unpaced or paced), which
# osmo-eir applies from its edit writer thread in group commits.
# First, what an edit costs each thread of osmo-eir (its CPU time per edit, unpaced edits, nothing else running;
# ROUNDS=0: only that).
# EIR: another osmo-eir binary (an A/B run). Prints figures, asserts nothing. Every loop is bounded in count and time.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-1000000}
SECS=${SECS:-5}
VIA=${VIA:-vty}
WINDOW=${WINDOW:-32}
ROUNDS=${ROUNDS:-3}
EIR=${EIR:-$builddir/src/osmo-eir/osmo-eir}
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
. "$here/lib.sh"
bench_setup edits

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## store: $ROWS listed IMEIs"
bench_list "$ROWS" "$dir/list.csv"
"$EIR_DB" -l "$dir/store" create >/dev/null
"$EIR_DB" -l "$dir/store" -m 4096 import "$dir/list.csv" 2>&1 | tail -n 1
rm -f "$dir/list.csv"
/usr/bin/python3 - "$dir/imeis.csv" "$ROWS" <<'PY'
import random, sys
r = random.Random(1)
n = int(sys.argv[2])
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        f.write("%d,,BLACKLISTED\n" % (35000000000000 + r.randrange(n) * 7))
PY

eport=$(port)
vport=$(port)
[ "$VIA" = vty ] || BENCH_CTRL_PORT=$(port)
eir_config "$dir/osmo-eir.cfg" "$eport" "$vport"
"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "S13 on" "$dir/eir.log" 2>/dev/null && break; sleep 0.1; done

# the operator: edits of IMEIs outside the queried ones (35100...), add / change / remove, until told to stop;
# RATE 0: as fast as the VTY takes them, else paced to RATE edits/s
editor() { # STOPFILE OUT RATE
	[ "$VIA" = vty ] || { ctrl_editor "$@"; return; }
	PYTHONPATH="$top/tests" /usr/bin/python3 - "$vport" "$1" "$2" "$3" <<'PY'
import os, sys, time
from vty import Vty
port, stop, out, rate = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4])
v = Vty(port, timeout=30)
v.cmd("enable")
n, t0 = 0, time.time()
while not os.path.exists(stop) and n < 1000000 and time.time() - t0 < 120:
    if rate > 0 and n > rate * (time.time() - t0):
        time.sleep(0.002)
        continue
    imei = "351%011d" % (n // 3)
    c = ("equipment add imei %s black bench" % imei, "equipment add imei %s grey bench" % imei,
         "equipment del imei %s" % imei)[n % 3]
    v.cmd(c)
    n += 1
open(out, "w").write("%d %.3f\n" % (n, time.time() - t0))
PY
}
# the same over CTRL: SETs pipelined on one connection, WINDOW of them waiting for their replies at most; every reply
# must be a SET_REPLY (counted as an edit done when it comes)
ctrl_editor() { # STOPFILE OUT RATE
	PYTHONPATH="$top/tests" /usr/bin/python3 - "$BENCH_CTRL_PORT" "$1" "$2" "$3" "$WINDOW" <<'PY'
import os, sys, time
from ctrl import Ctrl
port, stop, out, rate, window = int(sys.argv[1]), sys.argv[2], sys.argv[3], float(sys.argv[4]), int(sys.argv[5])
c = Ctrl(port, timeout=30)
sent = done = bad = 0
t0 = time.time()
while done < 1000000 and time.time() - t0 < 120:
    stopping = os.path.exists(stop)
    if not stopping and sent - done < window and (rate <= 0 or sent < rate * (time.time() - t0)):
        imei = "351%011d" % (sent // 3)
        v = ("black,bench", "grey,bench", "none")[sent % 3]
        sent += 1
        c._send("SET %d equipment.imei.%s.local %s" % (sent, imei, v))
        continue
    if sent == done:
        if stopping:
            break
        time.sleep(0.001)
        continue
    r = c._recv()
    if r.startswith("TRAP"):
        continue
    done += 1
    bad += not r.startswith("SET_REPLY")
if bad:
    print("%d CTRL edits refused" % bad, file=sys.stderr)
open(out, "w").write("%d %.3f\n" % (done, time.time() - t0))
PY
}
# run NAME ARGS...: one load; its line, and its rate and p99 kept in LAST_RATE / LAST_P99
run() {
	local name=$1 out
	shift
	out=$("$BENCH" -p "$eport" "$@" 2>&1 | tail -n 1)
	printf '%-28s %s\n' "$name" "$out"
	LAST_RATE=$(sed -n 's/.* rate=\([0-9.]*\)\/s.*/\1/p' <<< "$out")
	LAST_P99=$(sed -n 's/.* p99=\([0-9.]*\)us.*/\1/p' <<< "$out")
}
with_edits() { # RATE NAME ARGS...
	local rate=$1
	shift
	rm -f "$dir/stop" "$dir/edits"
	editor "$dir/stop" "$dir/edits" "$rate" &
	local ed=$!
	sleep 0.5
	run "$@"
	touch "$dir/stop"
	wait $ed
	read -r n s < "$dir/edits"
	LAST_EDITS=$(awk -v n="$n" -v s="$s" 'BEGIN { printf "%.0f", n / s }')
	printf '%-28s %d edits in %.1f s = %s edits/s\n' "  ($VIA edits meanwhile)" "$n" "$s" "$LAST_EDITS"
}
# a round of one kind of load: alone, with 100 edits/s, alone, with unpaced edits, alone; each loaded figure against
# the mean of the alone runs just before and after it (FIELD: LAST_RATE or LAST_P99), appended to RATIOS[KIND.*]
declare -A RATIOS
round() { # KIND FIELD ARGS...
	local kind=$1 field=$2 a b l e
	shift 2
	run "$kind alone" "$@"
	a=${!field}
	with_edits 100 "$kind + 100 $VIA edits/s" "$@"
	l=${!field}
	run "$kind alone" "$@"
	b=${!field}
	RATIOS[$kind.100]+="$(awk -v l="$l" -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", 2 * l / (a + b) }') "
	with_edits 0 "$kind + unpaced $VIA edits" "$@"
	l=${!field}
	e=$LAST_EDITS
	run "$kind alone" "$@"
	a=${!field}
	RATIOS[$kind.unpaced]+="$(awk -v l="$l" -v a="$a" -v b="$b" 'BEGIN { printf "%.2f", 2 * l / (a + b) }')@$e "
}
# what the edits cost each thread of osmo-eir, with nothing else running: unpaced edits for SECS, the CPU time of
# each thread (/proc/PID/task/*/stat, clock ticks) divided by the edits made; a figure less noisy than the ratios
thread_ticks() { # PID: "NAME TICKS" per thread (utime + stime); the main thread is the loop
	local t st c
	for t in /proc/"$1"/task/*; do
		st=$(cat "$t/stat") || continue
		c=$(cat "$t/comm")
		[ "${t##*/}" = "$1" ] && c=loop
		# the fields after the name, which may hold spaces: utime and stime are the 12th and 13th
		awk -v c="${c// /_}" '{ print c, $12 + $13 }' <<< "${st##*) }"
	done
}
echo "## the CPU an edit costs each thread: unpaced $VIA edits for ${SECS}s, no S13 load"
thread_ticks "${pids[-1]}" > "$dir/ticks0"
rm -f "$dir/stop" "$dir/edits"
editor "$dir/stop" "$dir/edits" 0 &
ed=$!
sleep "$SECS"
touch "$dir/stop"
wait $ed
thread_ticks "${pids[-1]}" > "$dir/ticks1"
read -r n s < "$dir/edits"
awk -v n="$n" -v s="$s" -v hz="$(getconf CLK_TCK)" 'NR == FNR { t0[$1] += $2; next } { t1[$1] += $2 }
	END { printf "%d edits in %.1f s (%.0f/s):", n, s, n / s
	      for (c in t1) printf "  %s %.1f us/edit", c, (t1[c] - t0[c]) * 1e6 / hz / n; print "" }' \
	"$dir/ticks0" "$dir/ticks1"
for r in $(seq "$ROUNDS"); do
	echo "## round $r: W=16, 2 connections, ${SECS}s: alone, with $VIA edits at 100/s, alone, with edits as fast" \
		"as they go, alone"
	round W16 LAST_RATE -c 2 -w 16 -d "$SECS" -i "$dir/imeis.csv"
	echo "## round $r: paced 50000 ECR/s, W=256, 2 connections, ${SECS}s: p99 the same way"
	round paced LAST_P99 -c 2 -w 256 -d "$SECS" -r 50000 --tick 100 -i "$dir/imeis.csv"
done
[ "$ROUNDS" -gt 0 ] || exit 0
echo "## against alone (the mean of the alone runs before and after), per round, then the median"
for k in W16.100 W16.unpaced paced.100 paced.unpaced; do
	printf '%-16s %s median %s\n' "$k" "${RATIOS[$k]}" "$(tr ' ' '\n' <<< "${RATIOS[$k]}" | sed '/^$/d' |
		cut -d@ -f1 | sort -n | awk '{ v[NR] = $1 } END { print v[int((NR + 1) / 2)] }')"
done
echo "# W16: answers/s ratio (target >= 0.8x unpaced); paced: p99 ratio (target <= 1.5x); @N: the edits/s reached"
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
