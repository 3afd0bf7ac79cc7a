#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-feed publish of 3M-row lists (a 150 MB blacklist) under --mem-budget 16M: its peak RSS stays within the
# budget plus a fixed margin over a publish without deltas (the old in-memory diff needed ~120 MB per list), and its
# deltas are those of the same run sorted in memory. A bound with a generous margin, not a timing.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

[ -x /usr/bin/time ] || { echo "# SKIP: /usr/bin/time not installed (the time package)"; exit 77; }
feed_prereqs
GEN="$top_srcdir/tests/feed/feed_rows.py"
ROWS=3000000
BUDGET_MB=16
MARGIN_MB=40

python3 "$GEN" --rows $ROWS --run 1 --out "$T/r1" &&
python3 "$GEN" --rows $ROWS --run 2 --out "$T/r2" --delta 50000 || { echo "# cannot generate the lists"; exit 1; }
# An ASan build keeps freed memory resident in its quarantine (256 MB by default): off for the measured runs, so
# that the figure is the program's own.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=0"
export ASAN_OPTIONS

# pub FEED RUN [options]: publish under /usr/bin/time; peak RSS in KB in $rss, exit code in $rc
pub() {
	f=$1 r=$2
	shift 2
	rc=0
	/usr/bin/time -f "%M" -o "$T/$f-$r.rss" "$EIR_FEED" -d "$T/$f" -k "$T/feed.key" publish "$@" \
		--blacklist "$T/r$r/bl.csv" --notifications "$OP=$T/r$r/notif.csv" --exceptions "$OP=$T/r$r/exc.csv" \
		> "$T/$f-$r.out" 2>&1 || rc=$?
	rss=$(tail -1 "$T/$f-$r.rss")
}

pub mem 1 --mem-budget 2G
check "run 1 (no deltas) published" [ $rc -eq 0 ]
base=$rss
pub disk 1 --mem-budget ${BUDGET_MB}M
pub mem 2 --mem-budget 2G
check "run 2 in memory published" [ $rc -eq 0 ]
echo "# run 1 (copies only): peak RSS $base KB; run 2 sorted in memory: $rss KB"
pub disk 2 --mem-budget ${BUDGET_MB}M
check "run 2 under a ${BUDGET_MB}M budget published" [ $rc -eq 0 ]
sed 's/^/#   /' "$T/disk-2.out"
echo "# run 2 under a ${BUDGET_MB}M budget: peak RSS $rss KB"
check "run 2: spilled" grep -q "r2/bl.csv: sorted in [0-9]* runs on disk" "$T/disk-2.out"
check "run 2: peak RSS $rss KB <= run 1's $base KB + ${BUDGET_MB} MB + ${MARGIN_MB} MB" \
	[ "$rss" -le $((base + (BUDGET_MB + MARGIN_MB) * 1024)) ]
check "run 2: the same counts as in memory" sh -c "grep -v 'runs on disk\|^published' '$T/mem-2.out' > '$T/c1' &&
	grep -v 'runs on disk\|^published' '$T/disk-2.out' > '$T/c2' && cmp '$T/c1' '$T/c2'"
for f in $(awk '$1 == 2 { for (i = 4; i <= NF; i++) print $i }' "$T/disk/RUNS"); do
	case $f in *_delta_*) ;; *) continue ;; esac
	g=$(ls "$T/mem" | grep -F -- "_${f#*_*_}")
	check "run 2: ${f#*_*_} as in memory" cmp "$T/disk/$f" "$T/mem/$g"
done
finish
