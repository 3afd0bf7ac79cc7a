#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Device history benchmark (not a test): S13 answers/s of osmo-eir with the history hook off ('recording off'),
# with the default (sightings, SIM/handset events), the default without the repeat filter (coalesce-seconds 0: every
# check queued, the worst case) and with full history on, in the same run, alternating rounds,
# each daemon on its own copy of the same store, unpaced at W and paced at 50k ECR/s, after a first pass (WARMUP=1,
# the default) in which every pair is new; after each load what it did to the history: records queued, coalesced
# (repeats within coalesce-seconds) and dropped (the writer's queue full), with the dropped share.
# Run from an optimised build tree: `builddir=$PWD ../contrib/bench/run-history-bench.sh`. Prints figures, asserts
# nothing. VARIANTS picks some of 'off default nocoal full' (default: all four); RATES (e.g. '100000 200000') adds
# paced loads at those rates after the rounds. Scratch data in BENCH_DIR (default a temp dir, removed afterwards).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-1000000}
SECS=${SECS:-5}
CONNS=${CONNS:-2}
W=${W:-16}
ROUNDS=${ROUNDS:-3}
EIR="$builddir/src/osmo-eir/osmo-eir"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
CTRL="/usr/bin/python3 $here/../../tests/ctrl.py"
. "$here/lib.sh"
bench_setup history

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## store: $ROWS listed IMEIs; queries: 200,000 (IMEI, IMSI), half listed; W=$W, $CONNS connections, ${SECS}s"
bench_list "$ROWS" "$dir/list.csv"
mkdir -p "$dir/off"
"$EIR_DB" -l "$dir/off/store" create >/dev/null
"$EIR_DB" -l "$dir/off/store" -m 2048 import "$dir/list.csv" 2>&1 | tail -n 1
rm -f "$dir/list.csv"
VARIANTS=${VARIANTS:-off default nocoal full}
for v in $VARIANTS; do
	[ "$v" = off ] && continue
	mkdir -p "$dir/$v/store"
	cp "$dir/off/store/"* -r "$dir/$v/store/"
done
# 200,000 handsets, each with its own IMEI and IMSI (no IMEI twice: two lines with one IMEI would be a handset
# changing SIMs at every check, a new-sim event each time); half of them listed, the other half on no list
/usr/bin/python3 - "$dir/q.csv" "$ROWS" <<'PY'
import random, sys
r = random.Random(1)
n = int(sys.argv[2])
listed = r.sample(range(n), 100000)
unlisted = r.sample(range(n), 100000)
with open(sys.argv[1], "w") as f:
    for i in range(100000):
        f.write("%d,00101%010d,BLACKLISTED\n" % (35000000000000 + listed[i] * 7, 2 * i))
        f.write("%d,00101%010d,WHITELISTED\n" % (35000000000000 + unlisted[i] * 7 + 1 + i % 6, 2 * i + 1))
PY

declare -A S13 CT
for v in $VARIANTS; do
	S13[$v]=$(port)
	CT[$v]=$(port)
	eir_config "$dir/$v.cfg" "${S13[$v]}" "$(port)"
	sed -i "s/^ ctrl-port 0$/ ctrl-port ${CT[$v]}/" "$dir/$v.cfg"
	case $v in
	off) printf 'history\n recording off\n' >> "$dir/$v.cfg" ;;
	nocoal) printf 'history\n coalesce-seconds 0\n' >> "$dir/$v.cfg" ;;
	full) printf 'history\n history on\n' >> "$dir/$v.cfg" ;;
	esac
	"$EIR" -c "$dir/$v.cfg" -l "$dir/$v/store" > "$dir/$v.log" 2>&1 &
	pids+=($!)
	wait_port "${S13[$v]}"
done

ctr() { $CTRL "${CT[$1]}" get "rate_ctr.abs.history.0.$2" 2>/dev/null || echo 0; }
declare -A Q C D
snap() { Q[$1]=$(ctr "$1" record:queued); C[$1]=$(ctr "$1" record:coalesced); D[$1]=$(ctr "$1" record:dropped); }
# what the load just run did to the history: records queued, coalesced and dropped, and the dropped share
delta() {
	local q0=${Q[$1]} c0=${C[$1]} d0=${D[$1]}
	snap "$1"
	awk -v q=$((Q[$1] - q0)) -v c=$((C[$1] - c0)) -v d=$((D[$1] - d0)) 'BEGIN {
		n = q + c + d; printf "         history: %d queued, %d coalesced, %d dropped (%.2f %%)\n", q, c, d,
		n ? 100 * d / n : 0 }'
}
load() {	# variant label args...
	local v=$1 l=$2
	shift 2
	printf '%-10s ' "$l"
	"$BENCH" -p "${S13[$v]}" -c "$CONNS" --sticky -i "$dir/q.csv" "$@" 2>&1 | tail -n 1
	sleep 1	# the writer's counters follow once a second
	delta "$v"
}
for v in $VARIANTS; do
	snap "$v"
done
if [ "${WARMUP:-1}" = 1 ]; then
	# every daemon's first sight of the 200,000 pairs: each one new, the writer's worst moment
	echo "## first pass (warm-up, not in the rounds)"
	for v in $VARIANTS; do
		load "$v" "$v" -w "$W" -d "$SECS"
	done
fi
for r in $(seq "$ROUNDS"); do
	echo "## round $r"
	for v in $VARIANTS; do
		load "$v" "$v" -w "$W" -d "$SECS"
		load "$v" "$v/50k" -w 256 -d "$SECS" -r 50000
	done
done
# RATES: paced loads stepped up after the rounds, for the highest rate at which no record is dropped
if [ -n "${RATES:-}" ]; then
	echo "## paced rates: $RATES"
	for v in $VARIANTS; do
		[ "$v" = off ] && continue
		for r in $RATES; do
			load "$v" "$v/$r" -w 256 -d "$SECS" -r "$r"
		done
	done
fi
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for v in $VARIANTS; do
	[ "$v" = off ] && continue
	echo "# $v: history directory $(du -sh "$dir/$v/history" | cut -f1)"
done
