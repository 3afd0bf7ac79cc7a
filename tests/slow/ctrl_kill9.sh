#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Fault injection: kill -9 osmo-eir during a burst of CTRL edits (pipelined on four connections, group commits
# under way); restart it on the same store: every acknowledged edit is there with its audit record, and each edit
# never acknowledged is there wholly (entry and audit record) or not at all.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
N=${EDITS:-3000}
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }

eir_start || exit 1
PYTHONPATH="$top_srcdir/tests" $PY "$top_srcdir/tests/ctrl_burst.py" "$EIR_CTRL_PORT" 4 "$N" 357 \
	--ack-log "$T/acked" > "$T/burst.out" 2>&1 &
burst=$!
# kill it once a few hundred edits are acknowledged, in the middle of the burst
i=0
while [ "$(wc -l < "$T/acked" 2>/dev/null || echo 0)" -lt 500 ] && [ $i -lt 300 ]; do
	i=$((i + 1))
	sleep 0.1
done
kill -9 $EIR_PID
wait $EIR_PID 2>/dev/null
wait $burst
acked=$(wc -l < "$T/acked")
check "killed during the burst: $acked of $((4 * N)) edits acknowledged" [ "$acked" -ge 500 -a "$acked" -lt $((4 * N)) ]

# restarted on the same store, no repair step
eir_start || exit 1
up=$($PY "$top_srcdir/tests/ctrl.py" "$EIR_CTRL_PORT" get equipment.imei.35693803564380.local)
check "osmo-eir restarts on the store and answers ($up)" [ "$up" = "black,Reported stolen" ]
eir_stop
check "  and stops cleanly" [ $? -eq 0 ]

# what the store holds: the entries of the burst and their audit records
"$EIR_DB" -l "$T/store" export entries - | awk -F, '$1 ~ /^357/ { print $1 " " $3 }' | sort > "$T/entries"
"$EIR_DB" -l "$T/store" audit 100000 |
	sed -n 's/.* ctrl 127\.0\.0\.1:[0-9]*: add imei \(357[0-9]*\): none -> black "\(.*\)" listed .*/\1 \2/p' |
	sort > "$T/audited"
sort "$T/acked" > "$T/acked.sorted"
missing=$(comm -23 "$T/acked.sorted" "$T/entries" | wc -l)
check "every acknowledged edit is in the store with its reason ($missing missing)" [ "$missing" -eq 0 ]
unaudited=$(comm -23 "$T/acked.sorted" "$T/audited" | wc -l)
check "  each with its audit record ($unaudited without)" [ "$unaudited" -eq 0 ]
half=$(comm -3 "$T/entries" "$T/audited" | wc -l)
check "every edit there is there wholly: entry and audit record both, or neither ($half halves)" [ "$half" -eq 0 ]
extra=$(comm -13 "$T/acked.sorted" "$T/entries" | wc -l)
echo "# $(wc -l < "$T/entries") edits in the store, $extra of them committed but not acknowledged before the kill"
finish
