#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The device history never costs an answer: with full history on, 40,000 distinct (IMEI, IMSI) checks over S13
# (osmo-eir-bench, every verdict checked) against (1) a history map of 16 MiB that fills up: every answer right,
# the lost batches counted in record:failed and logged, the lists untouched; (2) a slow disk (every sync 300 ms,
# an LD_PRELOAD shim) with a small queue: every answer right, the records that did not fit counted in
# record:dropped, and the writer catching up afterwards.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
CC=${CC:-cc}
command -v "$CC" >/dev/null || { echo "SKIP: no C compiler for the slow-sync shim"; exit 77; }
VTY="$PY $top_srcdir/tests/vty.py"
CTRL="$PY $top_srcdir/tests/ctrl.py"
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
[ -x "$BENCH" ] || { echo "SKIP: no osmo-eir-bench"; exit 77; }

ctr() { $CTRL "$EIR_CTRL_PORT" get "rate_ctr.abs.history.0.$1"; }

# 40,000 queries: every 100th the blacklisted IMEI (each with its own IMSI: a sighting each), the rest unlisted
$PY - "$T/q.csv" <<'PYEOF'
import sys
with open(sys.argv[1], "w") as f:
    for i in range(40000):
        if i % 100 == 0:
            f.write("35693803564380,00101%010d,BLACKLISTED\n" % i)
        else:
            f.write("%d,00101%010d,WHITELISTED\n" % (35100000000000 + i * 13, i))
PYEOF

# load DESC: all 40,000 once, 2 connections of 16; every answer as expected
load() {
	"$BENCH" -p "$EIR_PORT" -c 2 -w 16 -n 40000 -i "$T/q.csv" > "$T/bench.out" 2>&1
	rc=$?
	sed 's/^/#   /' "$T/bench.out" | tail -n 2
	check "$1: 40,000 answers, every verdict right" \
		sh -c '[ '$rc' = 0 ] && tail -n 1 "$1" | grep -q "answers=40000 .* ok=40000 mismatch=0 error=0 missing=0"' _ \
		"$T/bench.out"
}

# 1. a full map
eir_start "" "" "
history
 history on
 map-size-mib 16
" || exit 1
load "map full"
sleep 1.5	# the writer's last batch, then the counters once a second
failed=$(ctr record:failed)
echo "# record:failed $failed, record:queued $(ctr record:queued)"
check "map full: lost batches counted in record:failed" [ "${failed:-0}" -gt 0 ]
check "map full: said in the log" grep -q "history records lost: MDB_MAP_FULL" "$EIR_LOG"
out=$($VTY "$EIR_VTY_PORT" "show equipment imei 35693803564380")
check "map full: the lists still answer" sh -c 'echo "$1" | grep -q BLACKLISTED' _ "$out"
load "map full, again"
check "map full: clean shutdown (no sanitizer report)" eir_stop

# 2. a slow disk
"$CC" -shared -fPIC -O1 -o "$T/slowsync.so" "$top_srcdir/tests/history/slowsync.c" -ldl ||
	{ echo "SKIP: cannot build the slow-sync shim"; exit 77; }
rm -rf "$T/history"
export LD_PRELOAD="$T/slowsync.so" SLOWSYNC_MS=300
# a sanitizer build wants its runtime first in the list: the shim comes before it here
export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
eir_start "" "" "
history
 history on
 queue-length 1024
" || exit 1
unset LD_PRELOAD
load "slow disk"
dropped=$(ctr record:dropped)
echo "# record:dropped $dropped, record:queued $(ctr record:queued)"
check "slow disk: what did not fit counted in record:dropped" [ "${dropped:-0}" -gt 0 ]
i=0
while [ "$($VTY "$EIR_VTY_PORT" enable "show equipment history summary" | grep -c ' 0 waiting,')" = 0 ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done
check "slow disk: the writer catches up (nothing waiting)" [ $i -le 100 ]
check "slow disk: clean shutdown (no sanitizer report)" eir_stop
finish
