#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The national feed at scale (issue 15 item 4; a benchmark, not a test): ROWS blacklist rows (default 200M) from
# tests/feed/feed_rows.py, then the wall time and peak RSS (/usr/bin/time) of
#   1. osmo-eir-feed publish of run 1 (the full list, no previous run)
#   2. osmo-eir-sync's first apply of it into an empty store (file:// feed: the apply, not the transfer)
#   3. osmo-eir-db import of the same CSV into another empty store (the reference, same run)
#   4. osmo-eir-feed publish of run 2: the full list and its deltas against run 1 (DELTA entries, default 50k:
#      a third removed, a third changed, a third added), sorted in MEM_BUDGET (default 256M)
#   5. osmo-eir-sync applying run 2 as deltas
# and prints a table. OLD_FEED=path/to/another/osmo-eir-feed: step 4 also by that one (an older build, whose
# publish diffed in memory), on a copy of the feed.
# Run from an optimised build tree: `builddir=$PWD ../contrib/bench/feed-scale.sh`.
# Scratch data in BENCH_DIR (default a temp dir in /tmp, removed afterwards); about 330 bytes a row of disk at
# the peak: refused when that would leave less than MIN_FREE_GB (default 20) GB free.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(cd "$here/../.." && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-200000000}
DELTA=${DELTA:-50000}
MEM_BUDGET=${MEM_BUDGET:-256M}
MIN_FREE_GB=${MIN_FREE_GB:-20}
FEED="$builddir/src/osmo-eir-feed/osmo-eir-feed"
SYNC="$builddir/src/osmo-eir-sync/osmo-eir-sync"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
for p in "$FEED" "$SYNC" "$EIR_DB" /usr/bin/time; do
	[ -x "$p" ] || { echo "feed-scale.sh: $p missing (run from a build tree; /usr/bin/time: the time package)" >&2
			  exit 1; }
done
. "$here/lib.sh"
bench_setup feed-scale

need_kb=$((ROWS * 330 / 1024))
free_kb=$(df -Pk "$dir" | awk 'NR == 2 { print $4 }')
if [ $((free_kb - need_kb)) -lt $((MIN_FREE_GB * 1024 * 1024)) ]; then
	echo "feed-scale.sh: $ROWS rows need about $((need_kb / 1024 / 1024)) GB in $dir, $((free_kb / 1024 / 1024))" \
	     "GB free: less than $MIN_FREE_GB GB would be left (MIN_FREE_GB)" >&2
	exit 1
fi

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# ROWS=$ROWS DELTA=$DELTA MEM_BUDGET=$MEM_BUDGET, scratch in $dir"
echo "# load before: $(cut -d' ' -f1-3 /proc/loadavg)"
openssl genpkey -algorithm ed25519 -out "$dir/feed.key" 2>/dev/null
openssl pkey -in "$dir/feed.key" -pubout -out "$dir/feed.pub"
t0=$(date +%s)
python3 "$top/tests/feed/feed_rows.py" --rows "$ROWS" --run 1 --out "$dir/r1" --blacklist-only
python3 "$top/tests/feed/feed_rows.py" --rows "$ROWS" --run 2 --out "$dir/r2" --blacklist-only --delta "$DELTA"
echo "# lists generated in $(($(date +%s) - t0)) s: run 1 $(du -m "$dir/r1/bl.csv" | cut -f1) MB," \
     "run 2 $(($(wc -l < "$dir/r2/bl.csv") - 1)) rows"

table=()
# measure NAME ROWS COMMAND...: its wall time and peak RSS into the table; its output in $dir/NAME.out
measure() {
	name=$1 n=$2
	shift 2
	/usr/bin/time -f "%e %M" -o "$dir/$name.time" "$@" > "$dir/$name.out" 2>&1 ||
		{ echo "feed-scale.sh: $name failed:" >&2; tail -5 "$dir/$name.out" >&2; exit 1; }
	read -r secs kb < <(tail -1 "$dir/$name.time")
	table+=("$(printf '%-40s %12s %10s %10s' "$name" "$n" "$secs" "$((kb / 1024))")")
	echo "# $name: $secs s, $((kb / 1024)) MB; $(grep -v 'longer than\|^$' "$dir/$name.out" | tail -1)"
}
# (commands for /usr/bin/time: programs, not shell functions)
pub() {
	echo "$FEED" -d "$dir/feed" -k "$dir/feed.key" publish --mem-budget "$MEM_BUDGET" --blacklist "$dir/$1/bl.csv" \
		--notifications "op=$dir/$1/notif.csv" --exceptions "op=$dir/$1/exc.csv"
}
sync_once=("$SYNC" -l "$dir/node" -o op -k "$dir/feed.pub" -u "file://$dir/feed/")

"$EIR_DB" -l "$dir/node" create >/dev/null
"$EIR_DB" -l "$dir/ref" create >/dev/null
# shellcheck disable=SC2046 # pub prints words without blanks ($dir is mktemp's or the caller's)
measure "osmo-eir-feed publish, run 1 (full)" "$ROWS" $(pub r1)
measure "osmo-eir-sync first apply (empty node)" "$ROWS" "${sync_once[@]}"
measure "osmo-eir-db import (same rows)" "$ROWS" "$EIR_DB" -l "$dir/ref" import "$dir/r1/bl.csv"
rm -rf "$dir/ref"
if [ -n "${OLD_FEED:-}" ]; then
	cp -a "$dir/feed" "$dir/feed-old"
	measure "OLD_FEED publish, run 2 (full+delta)" "$ROWS" "$OLD_FEED" -d "$dir/feed-old" -k "$dir/feed.key" \
		publish --blacklist "$dir/r2/bl.csv" --notifications "op=$dir/r2/notif.csv" \
		--exceptions "op=$dir/r2/exc.csv"
	rm -rf "$dir/feed-old"
fi
# shellcheck disable=SC2046
measure "osmo-eir-feed publish, run 2 (full+delta)" "$ROWS" $(pub r2)
drows=$(cat "$dir"/feed/*_delta_1_2_*.csv | grep -vc '^imei,')
measure "osmo-eir-sync delta apply" "$drows" "${sync_once[@]}"

echo "# load after: $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-40s %12s %10s %10s\n' "step" "rows" "seconds" "peak MB"
printf '%s\n' "${table[@]}"
