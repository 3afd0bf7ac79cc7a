#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The lookup filters (src/db/filter.c) in a running osmo-eir: built at the start, they answer IMEIs on no list
# (counted: lists / filter:skip) and never hide a listed one: not one written on the VTY or over CTRL after the build,
# nor those of an import the local lists were lent to (another process's commit: the filter is not trusted until it
# has taken the import's keys from the key log, 0.1-0.2 s later, or, for an import of more keys than the log
# lists, until it is built again). 'lookup-filter off' takes them away on a running daemon, every answer the
# same; 'on' builds them again; the setting is written back.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
VTY="$PY $top_srcdir/tests/vty.py"
CTRL="$PY $top_srcdir/tests/ctrl.py"
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"

summary() { $VTY "$EIR_VTY_PORT" "show equipment summary" | tr -d '\r' | grep "lookup filter"; }
running_has() { $VTY "$EIR_VTY_PORT" enable "show running-config" | tr -d '\r' | grep -qx "$1"; }
summary_has() { summary | grep -q "$1"; }
both_off() { [ "$(summary | grep -c 'lookup filter: off$')" -eq 2 ]; }
# verdict IMEI: the daemon's answer on the VTY (one eir_check, as S13 and N5g-eir make)
verdict() { $VTY "$EIR_VTY_PORT" "show equipment imei $1" | tr -d '\r' | sed -n "s/^IMEI $1: //p"; }

eir_start || exit 1
check "the local filter built and trusted after the start" wait_for 5 eir_filter_trusted local
check "  the national one too" wait_for 5 eir_filter_trusted national
built=$(eir_counter filter:built)
check "  counted: filter:built $built" [ "${built:-0}" -ge 2 ]

# IMEIs on no list: answered by the filter; the listed ones found
s0=$(eir_counter filter:skip)
bad=0
for i in 0 1 2 3 4 5 6 7 8 9; do
	[ "$(verdict 3599999900000$i)" = WHITELISTED ] || bad=$((bad + 1))
done
check "ten IMEIs on no list: WHITELISTED" [ $bad -eq 0 ]
check "the listed ones found: black, grey, range" [ "$(verdict 35693803564380)/$(verdict 35000001000001)/$(verdict \
	35000004000150)" = BLACKLISTED/GREYLISTED/BLACKLISTED ]
# the counter is a rate counter, read as it stands (it is copied from the store once a second)
sleep 1.2
s1=$(eir_counter filter:skip)
check "the filter answered them: filter:skip $s0 -> $s1" [ $((s1 - s0)) -ge 9 ]

# written after the build, on the VTY and over CTRL: found at once
$VTY "$EIR_VTY_PORT" enable "equipment add imei 35000002000001 black Stolen" > /dev/null
check "a VTY edit after the build: found at once" [ "$(verdict 35000002000001)" = BLACKLISTED ]
out=$($CTRL "$EIR_CTRL_PORT" set equipment.imei.35000002000002.local "grey,ctrl" 2>&1 | tr '\n' ' ')
check "a CTRL edit after the build: found at once ($out)" [ "$(verdict 35000002000002)" = GREYLISTED ]
check "  the filter still trusted (the daemon's own commits)" eir_filter_trusted local

# another process commits the local part (an import lent the lists): not trusted, its rows found, caught up
awk 'BEGIN { print "imei,list,reason"
	for (i = 0; i < 1000; i++) printf "%.0f,black,bulk\n", 35800000000000 + i * 7 }' > "$T/bulk.csv"
"$EIR_DB" -l "$T/store" import "$T/bulk.csv" > "$T/import.out" 2>&1
check "an import into the running osmo-eir" grep -q "1000 rows" "$T/import.out"
bad=0
for i in 0 1 2 3 4 999; do
	[ "$(verdict $((35800000000000 + i * 7)))" = BLACKLISTED ] || bad=$((bad + 1))
done
check "  its rows found at once, before the filter has them" [ $bad -eq 0 ]
check "  the filter trusted again" wait_for 10 eir_filter_trusted local
check "  with the import's keys taken from the key log" summary_has "local    lookup filter: .* + 10[0-9][0-9] added"
check "  counted: filter:caught-up" [ "$(eir_counter filter:caught-up)" -ge 1 ]
check "  not built again: filter:built $built" [ "$(eir_counter filter:built)" = "$built" ]
bad=0
for i in 5 77 998; do
	[ "$(verdict $((35800000000000 + i * 7)))" = BLACKLISTED ] || bad=$((bad + 1))
done
check "  and its rows found through it" [ $bad -eq 0 ]
check "  and one beside them on no list" [ "$(verdict 35800000000001)" = WHITELISTED ]

# an import of more keys than one commit lists in the key log (262,144): the filter is built again
awk 'BEGIN { print "imei,list,reason"
	for (i = 0; i < 262200; i++) printf "%.0f,grey,bulk\n", 35810000000000 + i * 3 }' > "$T/big.csv"
"$EIR_DB" -l "$T/store" import "$T/big.csv" > "$T/import.out" 2>&1
check "a big import into the running osmo-eir" grep -q "262200 rows" "$T/import.out"
check "  its rows found at once" [ "$(verdict 35810000000000)/$(verdict $((35810000000000 + 262199 * 3)))" = \
	GREYLISTED/GREYLISTED ]
check "  the filter built again and trusted" wait_for 20 eir_filter_trusted local
check "  with the import's keys" summary_has "local    lookup filter: 26[0-9][0-9][0-9][0-9] keys"
check "  counted: filter:built $built -> $(eir_counter filter:built)" [ "$(eir_counter filter:built)" -gt "$built" ]
bad=0
for i in 1 1000 262198; do
	[ "$(verdict $((35810000000000 + i * 3)))" = GREYLISTED ] || bad=$((bad + 1))
done
check "  and its rows found through it" [ $bad -eq 0 ]

# off and on, on the running daemon
$VTY "$EIR_VTY_PORT" enable "configure terminal" eir "lookup-filter off" end > /dev/null
check "lookup-filter off: both taken away" wait_for 5 both_off
check "  logged" grep -q "lookup filter of the local lists taken away (lookup-filter off)" "$EIR_LOG"
check "  written back" running_has " lookup-filter off"
s0=$(eir_counter filter:skip)
check "  the answers the same" [ "$(verdict 35693803564380)/$(verdict 35999999000001)/$(verdict \
	35800000000007)" = BLACKLISTED/WHITELISTED/BLACKLISTED ]
sleep 1.2
check "  none answered by a filter" [ "$(eir_counter filter:skip)" = "$s0" ]
$VTY "$EIR_VTY_PORT" enable "configure terminal" eir "lookup-filter on" end > /dev/null
check "lookup-filter on: built again" wait_for 5 eir_filter_trusted local
check "  not written back (the default)" sh -c '! $0 "$1" enable "show running-config" | grep -q "lookup-filter"' \
	"$VTY" "$EIR_VTY_PORT"
printf '35693803564380,,BLACKLISTED\n35999999000001,,WHITELISTED\n35800000000007,,BLACKLISTED\n' > "$T/e.csv"
"$BENCH" -p "$EIR_PORT" -c 1 -w 4 -n 3000 -i "$T/e.csv" > "$T/bench.out" 2>&1
check "  S13 answers right ($(tail -n 1 "$T/bench.out"))" [ $? -eq 0 ]
check "osmo-eir stops cleanly" eir_stop
finish
