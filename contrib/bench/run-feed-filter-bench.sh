#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The national lookup filter under a frequent feed (not a test): osmo-eir on a ROWS-row national blacklist answers
# S13 (osmo-eir-bench, 2 connections, W=16, half the IMEIs listed, every verdict checked) while osmo-eir-sync applies
# RUNS runs of the feed one after the other, EVERY seconds apart, each a delta of DELTA added IMEIs (file://, at nice
# 19 and the idle I/O class, as the units run it). Per side: how much of the time the national filter was trusted
# (`show equipment summary`, sampled every 0.25 s), the filters built and caught up (the counters), the CPU time of
# the filter thread (its schedstat), the S13 answers/s and the answering loop's CPU time per answer.
# With OLD=BUILDDIR, that build's osmo-eir and osmo-eir-sync run the same feed on a copy of the same store first
# (ROUNDS alternating rounds of each). Run from an optimised build tree: `make bench-feed-filter`. Prints figures,
# asserts nothing; every loop is bounded in count and time. Scratch data in BENCH_DIR (default a temp dir, removed
# afterwards; the published runs are kept there for the next invocation with the same ROWS, RUNS and DELTA).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
RUNS=${RUNS:-6}
DELTA=${DELTA:-1000}
EVERY=${EVERY:-5}
ROUNDS=${ROUNDS:-1}
FEED="$builddir/src/osmo-eir-feed/osmo-eir-feed"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
VTY="/usr/bin/python3 $here/../../tests/vty.py"
. "$here/lib.sh"
bench_setup feed-filter

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# ROWS=$ROWS RUNS=$RUNS DELTA=$DELTA EVERY=$EVERY; load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
mkdir -p "$dir/in" "$dir/www"
tag="$ROWS-$RUNS-$DELTA"
if [ "$(cat "$dir/feeds/tag" 2>/dev/null)" != "$tag" ]; then
	rm -rf "$dir/feeds" "$dir/www/feed"
	mkdir -p "$dir/feeds"
	echo "imei,imsi,msisdn,block_date,reasons" > "$dir/in/notif0.csv"
	echo "imei,imsi,msisdn" > "$dir/in/exc0.csv"
	openssl genpkey -algorithm ed25519 -out "$dir/feed.key" 2>/dev/null
	openssl pkey -in "$dir/feed.key" -pubout -out "$dir/feed.pub"
	ops="--notifications op=$dir/in/notif0.csv --exceptions op=$dir/in/exc0.csv"
	bench_list "$ROWS" "$dir/in/bl.csv"
	t0=$(date +%s.%N)
	"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --no-deltas --blacklist "$dir/in/bl.csv" $ops >/dev/null
	cp -a "$dir/www/feed" "$dir/feeds/1"
	# each run adds DELTA IMEIs beside the listed ones (offset 3 of 7: on no list before)
	for r in $(seq 2 $((RUNS + 1))); do
		awk -v n="$DELTA" -v r="$r" 'BEGIN { for (i = 0; i < n; i++)
			printf "%.0f,20261101,Reported stolen\n", 35000000000003 + (r * n + i) * 7 }' >> "$dir/in/bl.csv"
		"$FEED" -d "$dir/www/feed" -k "$dir/feed.key" publish --blacklist "$dir/in/bl.csv" $ops >/dev/null
		cp -a "$dir/www/feed" "$dir/feeds/$r"
	done
	t1=$(date +%s.%N)
	rm -f "$dir/in/bl.csv"
	echo "# published run 1 and $RUNS delta runs in $(echo "$t1 - $t0" | bc) s"
	echo "$tag" > "$dir/feeds/tag"
fi
# the base store: run 1 applied (by this build's osmo-eir-sync), copied for each side and round
rm -rf "$dir/base" "$dir/store"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
"$EIR_DB" -l "$dir/base" create >/dev/null
rm -rf "$dir/www/feed"
cp -a "$dir/feeds/1" "$dir/www/feed"
"$builddir/src/osmo-eir-sync/osmo-eir-sync" -l "$dir/base" -o op -k "$dir/feed.pub" -u "file://$dir/www/feed/" \
	> "$dir/sync-base.out" 2>&1
tail -n 1 "$dir/sync-base.out" | sed 's/^/# base store: /'
awk -v n="$ROWS" 'BEGIN { srand(1); for (i = 0; i < 200000; i++) {
	k = i % 2 ? int(rand() * n) * 7 : int(rand() * n) * 7 + 1 + int(rand() * 6)
	if (k % 7 == 3) k++
	printf "%.0f,,%s\n", 35000000000000 + k, k % 7 ? "WHITELISTED" : "BLACKLISTED" } }' > "$dir/imeis.csv"

counter() { # VTY_PORT NAME: its value, 0 for a counter the build does not have
	local v
	v=$($VTY "$1" "show rate-counters" | tr -d '\r' | sed -n "s/^ *$2: *\([0-9]*\) .*/\1/p")
	echo "${v:-0}"
}

side() { # NAME BUILDDIR: one round of one side, a line to $dir/rounds
	local name=$1 b=$2 s13 vty pid t0 l0 f0 out rate answers samples=0 trusted=0 built0 caught0 secs bpid
	rm -rf "$dir/store"
	cp -a "$dir/base" "$dir/store"
	rm -rf "$dir/www/feed"
	cp -a "$dir/feeds/1" "$dir/www/feed"
	s13=$(port)
	vty=$(port)
	eir_config "$dir/osmo-eir.cfg" "$s13" "$vty"
	"$b/src/osmo-eir/osmo-eir" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir-$name.log" 2>&1 &
	pid=$!
	pids+=($pid)
	wait_port "$s13"
	for _ in $(seq 300); do
		grep -q "lookup filter of the national lists: " "$dir/eir-$name.log" && break
		sleep 0.2
	done
	"$BENCH" -p "$s13" -c 2 -w 16 -n 400000 -i "$dir/imeis.csv" > /dev/null 2>&1	# warm-up
	built0=$(counter "$vty" filter:built)
	caught0=$(counter "$vty" filter:caught-up)
	secs=$((RUNS * EVERY + EVERY))
	"$BENCH" -p "$s13" -c 2 -w 16 -d "$secs" -i "$dir/imeis.csv" > "$dir/bench-$name.out" 2>&1 &
	bpid=$!
	l0=$(thread_ns "$pid")
	f0=$(thread_ns "$pid" eir-filter)
	t0=$(date +%s.%N)
	for r in $(seq 2 $((RUNS + 1))); do
		rm -rf "$dir/www/feed.new"
		cp -a "$dir/feeds/$r" "$dir/www/feed.new"
		rm -rf "$dir/www/feed"
		mv "$dir/www/feed.new" "$dir/www/feed"
		nice -n 19 ionice -c 3 "$b/src/osmo-eir-sync/osmo-eir-sync" -l "$dir/store" -o op -k "$dir/feed.pub" \
			-u "file://$dir/www/feed/" >> "$dir/sync-$name.out" 2>&1 || echo "# $name: sync of run $r failed"
		# until the next run is due: the national filter sampled
		while [ "$(echo "$(date +%s.%N) < $t0 + ($r - 1) * $EVERY" | bc)" = 1 ]; do
			samples=$((samples + 1))
			$VTY "$vty" "show equipment summary" | grep "^  national lookup filter:" | grep -q ", trusted," &&
				trusted=$((trusted + 1))
			sleep 0.25
		done
	done
	wait "$bpid" || true
	out=$(tail -n 1 "$dir/bench-$name.out")
	case "$out" in *"mismatch=0 error=0"*) ;; *) echo "# $name S13: $out" ;; esac
	rate=$(printf '%s\n' "$out" | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
	answers=$(printf '%s\n' "$out" | sed -n 's/^answers=\([0-9]*\) .*/\1/p')
	echo "$name $samples $trusted $(($(counter "$vty" filter:built) - built0))" \
		"$(($(counter "$vty" filter:caught-up) - caught0)) $(($(thread_ns "$pid" eir-filter) - f0)) $rate" \
		"$((($(thread_ns "$pid") - l0) / ${answers:-1}))" >> "$dir/rounds"
	kill "$pid"
	wait "$pid" 2>/dev/null || true
	grep -c "applied as deltas" "$dir/sync-$name.out" | sed "s/^/# $name: runs applied as deltas: /"
	rm -f "$dir/sync-$name.out"
}
rm -f "$dir/rounds"
for i in $(seq "$ROUNDS"); do
	if [ -n "${OLD:-}" ] && [ $((i % 2)) = 1 ]; then side old "$OLD"; fi
	side new "$builddir"
	if [ -n "${OLD:-}" ] && [ $((i % 2)) = 0 ]; then side old "$OLD"; fi
done
echo "## per round: national filter trusted in N of the samples, filters built and caught up, the filter thread's"
echo "## CPU time, S13 answers/s (W=16) and the loop's CPU time per answer"
/usr/bin/python3 - "$dir/rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
for r in rows:
    n, t = int(r[1]), int(r[2])
    print("%-4s trusted %3d of %3d samples (%s), built %s, caught up %s, filter thread %.2f s CPU, S13 %s answers/s, "
          "loop %s ns per answer" % (r[0], t, n, "%3.0f %%" % (100.0 * t / n) if n else "  - %", r[3], r[4],
                                     int(r[5]) / 1e9, r[6], r[7]))
med = {}
for side in ("old", "new"):
    s = [r for r in rows if r[0] == side]
    if s:
        med[side] = [statistics.median(float(r[i]) for r in s) for i in (5, 6, 7)]
        print("## %s, medians of %d rounds: filter thread %.2f s CPU, S13 %.0f answers/s, loop %.0f ns per answer" %
              (side, len(s), med[side][0] / 1e9, med[side][1], med[side][2]))
if len(med) == 2:
    print("## new/old: S13 rate %.2fx, loop CPU per answer %.2fx" % (med["new"][1] / med["old"][1],
                                                                     med["new"][2] / med["old"][2]))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
