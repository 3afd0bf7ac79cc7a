#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# History pruning benchmark (not a test): S13 latency of osmo-eir at a paced 50k ECR/s with full history on, on a
# history of ROWS (default 10M) rows of which EXPIRED (default 1M) are past the 30-day retention, so that the writer
# prunes them while the load runs, against a second osmo-eir on a copy of the same history with a retention of
# 60 days (nothing to prune), in the same run, alternating rounds; the rows pruned in each round; bytes per row.
# Run from an optimised build tree: `make bench-history-prune`. Prints figures, asserts nothing. Scratch data in
# BENCH_DIR (default a temp dir, removed afterwards; about 12 GB while filling 10M rows, then 2 x 5 GB). Needs
# mdb_copy (Debian's lmdb-utils).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
EXPIRED=${EXPIRED:-1000000}
SECS=${SECS:-10}
ROUNDS=${ROUNDS:-3}
EIR="$builddir/src/osmo-eir/osmo-eir"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
BENCH="$builddir/contrib/bench/osmo-eir-bench"
FILL="$builddir/contrib/bench/hist_fill"
CTRL="/usr/bin/python3 $here/../../tests/ctrl.py"
. "$here/lib.sh"
bench_setup history-prune

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## history: $ROWS rows, $EXPIRED of them 40 days old; store: 100,000 listed IMEIs; S13 paced 50k/s, ${SECS}s"
"$FILL" "$dir/fill" "$ROWS" "$EXPIRED"
du_b=$(du -sb "$dir/fill/data.mdb" | cut -f1)
# the random batches leave free pages behind (copy-on-write): a compacting copy gives what the rows take
mkdir -p "$dir/prune/history" "$dir/keep/history"
mdb_copy -c "$dir/fill" "$dir/prune/history"
mdb_copy -c "$dir/fill" "$dir/keep/history"
rm -rf "$dir/fill"
dc_b=$(du -sb "$dir/prune/history/data.mdb" | cut -f1)
awk -v b="$du_b" -v c="$dc_b" -v n="$ROWS" 'BEGIN {
	printf "## history size: %.0f MB as filled (%.0f bytes per row), %.0f MB compacted (%.0f bytes per row, all tables)\n",
	b / 1e6, b / n, c / 1e6, c / n }'
awk 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < 100000; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' > "$dir/list.csv"
for v in prune keep; do
	mkdir -p "$dir/$v/store"
	"$EIR_DB" -l "$dir/$v/store" create >/dev/null
	"$EIR_DB" -l "$dir/$v/store" import "$dir/list.csv" >/dev/null
done
/usr/bin/python3 - "$dir/q.csv" <<'PY'
import random, sys
r = random.Random(1)
with open(sys.argv[1], "w") as f:
    for i in range(200000):
        # spread over the IMEI space as hist_fill's rows are (and TACs are): the pruning cursor walks it in order
        f.write("%d,00101%010d\n" % (35000000000000 + r.randrange(10**13), r.randrange(10**9)))
PY

declare -A S13 CT
for v in prune keep; do
	S13[$v]=$(port)
	CT[$v]=$(port)
	eir_config "$dir/$v.cfg" "${S13[$v]}" "$(port)"
	sed -i "s/^ ctrl-port 0$/ ctrl-port ${CT[$v]}/" "$dir/$v.cfg"
	# keep: nothing past its retention (60 days) nor its clone window (a year: the rows of the last pairs checked)
	printf 'history\n history on\n retention-days %s\n clone-window-hours %s\n map-size-mib 16384\n path %s\n' \
		"$([ $v = prune ] && echo 30 || echo 60)" "$([ $v = prune ] && echo 24 || echo 8760)" \
		"$dir/$v/history" >> "$dir/$v.cfg"
	"$EIR" -c "$dir/$v.cfg" -l "$dir/$v/store" > "$dir/$v.log" 2>&1 &
	pids+=($!)
	wait_port "${S13[$v]}"
done
ctr() { $CTRL "${CT[$1]}" get "rate_ctr.abs.history.0.$2" 2>/dev/null || echo 0; }
for r in $(seq "$ROUNDS"); do
	echo "## round $r"
	for v in prune keep; do
		p0=$(ctr "$v" record:pruned)
		printf '%-6s ' "$v"
		"$BENCH" -p "${S13[$v]}" -c 2 --sticky -w 256 -r 50000 -d "$SECS" -i "$dir/q.csv" 2>&1 | tail -n 1
		sleep 1
		echo "       pruned in the round: $(($(ctr "$v" record:pruned) - p0)) rows," \
			"dropped so far: $(ctr "$v" record:dropped)"
	done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
