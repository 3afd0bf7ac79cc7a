#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Lookup filter benchmark (not a test): one osmo-eir on a store of ROWS listed IMEIs (local part), its lookup
# filters turned off and on again on the running daemon ('eir' / 'lookup-filter'), round by round, which of the two
# goes first alternating; each round loads S13 (osmo-eir-bench -c 2 -w 16, COUNT answers, every verdict checked) and
# N5g-eir (h2load -c 4 -m 32, COUNT requests), and reads the CPU time the answering loop took (its thread's
# schedstat, in ns: robust to the load generator's share of the machine, which a rate is not); then S13 paced at
# RATE (50000) answers/s for PACED (5) seconds, -w 256: its p99.
#   make bench-filter      (or: builddir=$PWD ../contrib/bench/run-filter-bench.sh)
# ROWS (10M), LISTED (50: percent of the queries that are listed IMEIs; the rest random, mostly on no list),
# ROUNDS (4), COUNT (1000000); BENCH_DIR keeps the store. Prints every round and the medians; asserts nothing.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
LISTED=${LISTED:-50}
ROUNDS=${ROUNDS:-4}
COUNT=${COUNT:-1000000}
RATE=${RATE:-50000}
PACED=${PACED:-5}
EIR="$builddir/src/osmo-eir/osmo-eir"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
VTY="/usr/bin/python3 $here/../../tests/vty.py"
command -v h2load >/dev/null || { echo "h2load missing: install-deps.sh installs nghttp2-client"; exit 1; }
. "$here/lib.sh"
bench_setup filter

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -d "$dir/store" ]; then
	bench_list "$ROWS" "$dir/list.csv"
	"$EIR_DB" -l "$dir/store" create >/dev/null
	"$EIR_DB" -l "$dir/store" -m 4096 import "$dir/list.csv" 2>&1 | tail -n 1
	rm -f "$dir/list.csv"
fi
bench_queries "$ROWS" "$dir" "$LISTED"
s13port=$(port)
vtyport=$(port)
sbiport=$(port)
eir_config "$dir/osmo-eir.cfg" "$s13port" "$vtyport" "$sbiport"
sed "s|^|http://127.0.0.1:$sbiport|" "$dir/paths" > "$dir/uris"
"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
pid=$!
pids+=($pid)
wait_port "$s13port"
wait_port "$sbiport"
wait_filter "$dir/eir.log"
grep "lookup filter" "$dir/eir.log" | sed 's/^/# /'
# warm-up: the map's pages faulted in by both kinds of load
"$BENCH" -p "$s13port" -c 2 -w 16 -n "$COUNT" -i "$dir/imeis.csv" > /dev/null 2>&1
h2load -n "$((COUNT / 2))" -c 4 -m 32 -t 1 -i "$dir/uris" > /dev/null 2>&1

loop_ns() { thread_ns "$pid"; }
filter() { # on|off: set it, and wait until the daemon says so
	local want
	$VTY "$vtyport" enable "configure terminal" eir "lookup-filter $1" end > /dev/null
	[ "$1" = on ] && want=", trusted," || want="lookup filter: off"
	for _ in $(seq 300); do
		[ "$($VTY "$vtyport" "show equipment summary" | grep "^  local " | grep -c -- "$want")" = 1 ] && return 0
		sleep 0.2
	done
	echo "# the filter did not turn $1" >&2
	return 1
}
round() { # MODE: one S13 and one N5g-eir load, each with the loop's CPU time per request
	local t0 t1 out rate
	t0=$(loop_ns)
	out=$("$BENCH" -p "$s13port" -c 2 -w 16 -n "$COUNT" -i "$dir/imeis.csv" 2>&1 | tail -n 1)
	t1=$(loop_ns)
	rate=$(printf '%s\n' "$out" | sed -n 's/.* rate=\([0-9]*\)\/s.*/\1/p')
	case "$out" in *"mismatch=0 error=0"*) ;; *) echo "# S13: $out" ;; esac
	echo "$1 s13 $rate $(((t1 - t0) / COUNT))" >> "$dir/rounds"
	t0=$(loop_ns)
	out=$(h2load -n "$COUNT" -c 4 -m 32 -t 1 -i "$dir/uris" 2>&1)
	t1=$(loop_ns)
	rate=$(printf '%s\n' "$out" | sed -n 's/^finished in [^,]*, \([0-9]*\)[0-9.]* req\/s.*/\1/p')
	printf '%s\n' "$out" | grep -q "^status codes: $COUNT 2xx" || printf '%s\n' "$out" | grep "^status codes" | sed 's/^/# /'
	echo "$1 sbi $rate $(((t1 - t0) / COUNT))" >> "$dir/rounds"
	# S13 paced at RATE answers/s for PACED seconds: the p99 latency, in microseconds
	t0=$(loop_ns)
	out=$("$BENCH" -p "$s13port" -c 2 -w 256 -r "$RATE" -d "$PACED" -i "$dir/imeis.csv" 2>&1 | tail -n 1)
	t1=$(loop_ns)
	case "$out" in *"mismatch=0 error=0"*) ;; *) echo "# S13 paced: $out" ;; esac
	echo "$1 p99 $(printf '%s\n' "$out" | sed -n 's/.* p99=\([0-9]*\)us.*/\1/p') $(((t1 - t0) / (RATE * PACED)))" \
		>> "$dir/rounds"
}
rm -f "$dir/rounds"
echo "## $ROUNDS rounds: S13 -c 2 -w 16 -n $COUNT, N5g-eir h2load -n $COUNT -c 4 -m 32; $LISTED % listed IMEIs"
for i in $(seq "$ROUNDS"); do
	if [ $((i % 2)) = 1 ]; then order="off on"; else order="on off"; fi
	for m in $order; do
		filter "$m"
		round "$m"
	done
done
/usr/bin/python3 - "$dir/rounds" <<'PY'
import statistics, sys
rows = [l.split() for l in open(sys.argv[1])]
print("%-5s %-4s %12s %22s" % ("mode", "load", "answers/s", "loop CPU ns / request"))
print("(p99: S13 paced, its p99 in us in place of the rate)")
for m, load, rate, ns in rows:
    print("%-5s %-4s %12s %22s" % (m, load, rate, ns))
for load in ("s13", "sbi", "p99"):
    med = {}
    for m in ("off", "on"):
        r = [int(x[2]) for x in rows if x[0] == m and x[1] == load]
        c = [int(x[3]) for x in rows if x[0] == m and x[1] == load]
        med[m] = (statistics.median(r), statistics.median(c), min(c), max(c))
    unit, what = ("us", "p99") if load == "p99" else ("/s", "rate")
    print("## %s: off %.0f%s, %.0f ns (%d-%d); on %.0f%s, %.0f ns (%d-%d); on/off: %s %.2fx, loop CPU %.2fx" % (
        load, med["off"][0], unit, med["off"][1], med["off"][2], med["off"][3], med["on"][0], unit, med["on"][1],
        med["on"][2], med["on"][3], what, med["on"][0] / med["off"][0], med["on"][1] / med["off"][1]))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
