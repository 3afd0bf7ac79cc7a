#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-db import into a running osmo-eir (issue #15): the daemon lends its local lists to the import
# (DIR/local/import.sock) and answers S13 throughout, every answer right; meanwhile a VTY edit is refused with
# its error and nothing changed, a CTRL SET waits and is applied after the import; the import is one transaction
# with its one audit record; a second import meanwhile is refused; an import killed with kill -9 leaves nothing of
# itself and the daemon takes its lists back.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
ROWS=${ROWS:-100000}
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
CTRL="$PY $top_srcdir/tests/ctrl.py"
VTY="$PY $top_srcdir/tests/vty.py"

# wait_log TEXT: until the daemon's log holds TEXT (at most 10 s)
wait_log() {
	i=0
	while ! grep -q "$1" "$EIR_LOG" && [ $i -lt 100 ]; do
		i=$((i + 1))
		sleep 0.1
	done
	grep -q "$1" "$EIR_LOG"
}
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"
	for (i = 0; i < n; i++) printf "%.0f,black,bulk %d\n", 35800000000000 + i, i }' > "$T/bulk.csv"

# a 1 MiB map: the import (at 1 GiB, its own) grows the part under the daemon, which adopts the size
EIR_ARGS="-m 1" eir_start || exit 1
cat > "$T/expect.csv" <<CSV
35693803564380,,BLACKLISTED
35000001000001,,GREYLISTED
35693803564380,001010000000001,WHITELISTED
35000004000150,,BLACKLISTED
35999999000001,,WHITELISTED
CSV

# the import reads a FIFO: it holds the lists until the test closes it (fd 3: nothing started meanwhile keeps it)
mkfifo "$T/fifo"
"$EIR_DB" -l "$T/store" import - < "$T/fifo" > "$T/import.out" 2>&1 &
imp=$!
exec 3> "$T/fifo"
check "the daemon lends its lists to the import" wait_log "lent the local lists to an import by pid $imp"
check "  the import says so" grep -q "the running osmo-eir lent its local lists to this import" "$T/import.out"
out=$($VTY "$EIR_VTY_PORT" enable "equipment add imei 35000002000001 black Stolen" | tr -d '\r')
check "a VTY edit meanwhile is refused with its error" sh -c 'echo "$1" | grep -qx "$2"' _ "$out" \
	"% the local lists are lent to an import by pid $imp uid $(id -u): try again when it is done"
# a CTRL SET waits for the import (a client patient enough), another one's client goes away before its reply
PYTHONPATH="$top_srcdir/tests" $PY -c 'import sys
from ctrl import Ctrl
ok, v = Ctrl(int(sys.argv[1]), timeout=300).set("equipment.imei.35000002000002.local", "grey,during the import")
print(v if ok else "ERROR " + v)' "$EIR_CTRL_PORT" > "$T/ctrl.out" 2>&1 3>&- &
ctrl=$!
PYTHONPATH="$top_srcdir/tests" $PY -c 'import sys
from ctrl import Ctrl
c = Ctrl(int(sys.argv[1]))
c._send("SET 1 equipment.imei.35000002000004.local black,client gone")
c.s.close()' "$EIR_CTRL_PORT" 3>&-

"$EIR_DB" -l "$T/store" import "$T/bulk.csv" > "$T/import2.out" 2>&1
rc=$?
check "a second import meanwhile is refused (exit $rc)" [ $rc -eq 1 ]
check "  it names the import that holds the lists" grep -q "locked by osmo-eir-db (pid $imp)" "$T/import2.out"
# S13 load from before the rows go in until after the import's commit
"$BENCH" -p "$EIR_PORT" -c 2 -w 8 -n 400000 -i "$T/expect.csv" > "$T/bench.out" 2>&1 3>&- &
bench=$!
cat "$T/bulk.csv" >&3
exec 3>&-
wait $imp
rc=$?
check "the import of $ROWS rows into the running osmo-eir (exit $rc: $(tail -n 1 "$T/import.out"))" [ $rc -eq 0 ]
check "  the daemon takes its lists back" wait_log "took the local lists back from pid $imp"
wait $ctrl
check "the CTRL SET made meanwhile is applied after it: $(cat "$T/ctrl.out")" \
	[ "$(cat "$T/ctrl.out")" = "grey,during the import" ]
check "  VTY edits work again" sh -c '$1 "$2" enable "equipment add imei 35000002000001 black Stolen" |
	grep -q "add imei 35000002000001: none -> black"' _ "$VTY" "$EIR_VTY_PORT"
got=$($CTRL "$EIR_CTRL_PORT" get equipment.imei.35000002000004.local)
check "  the one whose client went away is applied too, and nothing broke: $got" [ "$got" = "black,client gone" ]
got=$($CTRL "$EIR_CTRL_PORT" get equipment.imei.$((35800000000000 + ROWS - 1)).local)
check "  the last imported row is served: $got" [ "$got" = "black,bulk $((ROWS - 1))" ]
got=$($CTRL "$EIR_CTRL_PORT" get equipment.imei.358000000000000.verdict | cut -d, -f1)
check "  and the first: $got" [ "$got" = BLACKLISTED ]
$VTY "$EIR_VTY_PORT" "show audit last 4" | tr -d '\r' > "$T/audit"
check "the import is one audit record, before the two CTRL edits and the VTY edit" sh -c \
	'sed -n 1p "$1" | grep -q "import stdin: - -> $2 rows added or changed, 0 skipped" &&
	 sed -n 2,3p "$1" | grep -q "ctrl .*add imei 35000002000002" &&
	 sed -n 2,3p "$1" | grep -q "ctrl .*add imei 35000002000004" &&
	 sed -n 4p "$1" | grep -q "vty .*add imei 35000002000001"' \
	_ "$T/audit" "$ROWS"
wait $bench
rc=$?
check "every S13 answer right throughout (osmo-eir-bench exit $rc: $(tail -n 1 "$T/bench.out"))" [ $rc -eq 0 ]

# kill -9 an import half way: nothing of it, and the daemon takes its lists back
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"
	for (i = 0; i < n; i++) printf "%.0f,grey,killed %d\n", 35900000000000 + i, i }' > "$T/killed.csv"
"$EIR_DB" -l "$T/store" import - < "$T/fifo" > "$T/import3.out" 2>&1 &
imp=$!
exec 3> "$T/fifo"
check "lent to another import" wait_log "lent the local lists to an import by pid $imp"
head -n $((ROWS / 2)) "$T/killed.csv" >&3
kill -9 $imp
wait $imp 2>/dev/null
exec 3>&-
check "  killed: the daemon takes its lists back" wait_log "took the local lists back from pid $imp"
got=$($CTRL "$EIR_CTRL_PORT" get equipment.imei.35900000000000.local)
check "  nothing of the killed import: $got" [ "$got" = none ]
got=$($CTRL "$EIR_CTRL_PORT" set equipment.imei.35000002000003.local white)
check "  CTRL edits go on: $got" [ "$got" = white ]
eir_stop
check "osmo-eir stops cleanly" [ $? -eq 0 ]
finish
