#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# A/B benchmark (not a test): osmo-eir of another build tree (OLD, e.g. the parent commit built optimised in a
# second git worktree) against this one, in the same run, alternating (and which side goes first, round by round):
# S13 answers/s (this tree's osmo-eir-bench, -c 2 -w 16, every verdict checked) and N5g-eir requests/s (h2load
# -c 4 -m 32), each side on a store of ROWS listed IMEIs made by its own osmo-eir-db. Both daemons run
# throughout; only one is loaded at a time.
#   OLD=/path/to/old/build make bench-ab          (or: builddir=$PWD OLD=... ../contrib/bench/run-ab-bench.sh)
# Prints every round, the medians with min-max and the ratio new/old; asserts nothing. ROUNDS (3), ROWS (1M),
# SECS (5, per S13 round), COUNT (500000 requests per N5g-eir round), LISTED (50: percent of the queries that are
# listed IMEIs, the rest random, mostly on no list); OLD_CFG / NEW_CFG: config lines appended to
# that side's config (e.g. NEW_CFG=$'history\n recording off'); scratch in BENCH_DIR or a temp dir.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
OLD=${OLD:?OLD=the build directory of the tree to compare against}
ROUNDS=${ROUNDS:-3}
ROWS=${ROWS:-1000000}
SECS=${SECS:-5}
COUNT=${COUNT:-500000}
BENCH="$builddir/contrib/bench/osmo-eir-bench"
command -v h2load >/dev/null || { echo "h2load missing: install-deps.sh installs nghttp2-client"; exit 1; }
. "$here/lib.sh"
bench_setup ab

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# old: $OLD ($(git -C "$OLD/.." rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# new: $builddir ($(git -C "$builddir/.." rev-parse --short HEAD 2>/dev/null || echo '?'))"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

bench_list "$ROWS" "$dir/list.csv"
bench_queries "$ROWS" "$dir" "${LISTED:-50}"

# a program of a build tree: src/NAME/NAME, or src/NAME in trees before the one-folder-per-program layout
prog() { if [ -x "$1/src/$2/$2" ]; then echo "$1/src/$2/$2"; else echo "$1/src/$2"; fi; }

declare -A s13port sbiport pid
for side in old new; do
	b=$builddir
	[ $side = old ] && b=$OLD
	"$(prog "$b" osmo-eir-db)" -l "$dir/$side" create >/dev/null
	"$(prog "$b" osmo-eir-db)" -l "$dir/$side" -m 1024 import "$dir/list.csv" >/dev/null 2>&1
	s13port[$side]=$(port)
	sbiport[$side]=$(port)
	eir_config "$dir/$side.cfg" "${s13port[$side]}" "$(port)" "${sbiport[$side]}"
	if [ $side = old ]; then printf '%s\n' "${OLD_CFG:-}"; else printf '%s\n' "${NEW_CFG:-}"; fi >> "$dir/$side.cfg"
	sed "s|^|http://127.0.0.1:${sbiport[$side]}|" "$dir/paths" > "$dir/uris-$side"
	"$(prog "$b" osmo-eir)" -c "$dir/$side.cfg" -l "$dir/$side" > "$dir/$side.log" 2>&1 &
	pid[$side]=$!
	pids+=($!)
	wait_port "${s13port[$side]}"
	wait_port "${sbiport[$side]}"
	# a side with lookup filters answers from them once they are built (NO_FILTER_WAIT=old|new|both: not waited for)
	case "${NO_FILTER_WAIT:-}" in $side|both) ;; *) wait_filter "$dir/$side.log" ;; esac
done
rm -f "$dir/list.csv"

s13() { # SIDE: one S13 round
	local out
	out=$("$BENCH" -p "${s13port[$1]}" -c 2 -w 16 -d "$SECS" -i "$dir/imeis.csv" 2>&1 | tail -n 1)
	echo "$out" | sed -n 's/^answers=[0-9]* .*rate=\([0-9]*\).*/\1/p'
}
sbi() { # SIDE: one N5g-eir round
	h2load -n "$COUNT" -c 4 -m 32 -t 1 -i "$dir/uris-$1" 2>&1 |
		sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p' | cut -d. -f1
}

# the side loaded first alternates from round to round: with old always first, S13 (code unchanged) once read 1.09x
# and 1.18x new/old in two runs of the same day
printf '%-6s %-8s %12s %12s %s\n' round load old new first
for i in $(seq "$ROUNDS"); do
	for what in s13 sbi; do
		if [ $((i % 2)) = 1 ]; then
			first=old
			o=$($what old)
			n=$($what new)
		else
			first=new
			n=$($what new)
			o=$($what old)
		fi
		echo "$o" >> "$dir/$what.old"
		echo "$n" >> "$dir/$what.new"
		printf '%-6s %-8s %12s %12s %s\n' "$i" "$what" "$o" "$n" "$first"
	done
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
for what in s13 sbi; do
	/usr/bin/python3 - "$what" "$dir/$what.old" "$dir/$what.new" <<'PY'
import statistics, sys
what = sys.argv[1]
a, b = ([float(x) for x in open(f) if x.strip()] for f in sys.argv[2:4])
if not a or not b:
    print("%s: no figures (see the logs)" % what); sys.exit(0)
ma, mb = statistics.median(a), statistics.median(b)
print("%s: old median %.0f/s (%.0f-%.0f), new median %.0f/s (%.0f-%.0f), new/old %.3fx"
      % (what, ma, min(a), max(a), mb, min(b), max(b), mb / ma))
PY
done
