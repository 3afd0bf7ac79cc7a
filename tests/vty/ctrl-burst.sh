#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# CTRL edits off the answering loop (issue #15): SETs pipelined on one connection and on several, none waiting for
# its reply, are all acknowledged and all present afterwards, each with its audit record; the refused ones among
# them get the error replies of a lone SET and take no neighbour with them; edits arriving together share a durable
# commit (lists edit:ctrl:commit below edit:ctrl); VTY edits, CTRL edits, S13 and N5g-eir load at once: every S13
# answer right (osmo-eir-bench checks each), every N5g-eir answer right (nghttp, 100 streams a connection), every
# edit there; and a store with a tiny map grows under CTRL edits.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
CTRL="$PY $top_srcdir/tests/ctrl.py"
# burst ARGS...: tests/ctrl_burst.py on osmo-eir's CTRL port; its complaints to the log, its result line printed
burst() {
	r=$(PYTHONPATH="$top_srcdir/tests" $PY "$top_srcdir/tests/ctrl_burst.py" "$EIR_CTRL_PORT" "$@" 2> "$T/burst.err")
	sed 's/^/#   /' "$T/burst.err" | cut -c1-200
	echo "$r"
}
# burst_is OUT EXPECTED DESC: the result line of a burst is EXPECTED (its complaints shown when not)
burst_is() {
	if [ "$(echo "$1" | tail -n 1)" = "$2" ]; then ok "$3"; else not_ok "$3"; echo "$1"; fi
}
ctr() { $CTRL "$EIR_CTRL_PORT" get "rate_ctr.abs.lists.0.$1"; }
audit() { $CTRL "$EIR_CTRL_PORT" get equipment.summary | tr ',' '\n' | sed -n 's/^audit=//p'; }

sbi_start || exit 1
audit0=$(audit)

# 1. one connection, 400 SETs without waiting, a refused one every 25 (16 removals of nothing, 16 overlaps)
out=$(burst 1 400 352 --errors --check)
burst_is "$out" "acked=368 refused=32 bad=0" \
	"400 SETs pipelined on one connection: 368 acknowledged, 32 refused with their errors, all read back"
# 2. four connections at once, 150 SETs each
out=$(burst 4 150 353 --errors --check)
burst_is "$out" "acked=552 refused=48 bad=0" \
	"4 connections x 150 pipelined SETs: 552 acknowledged, 48 refused, all read back"
audit1=$(audit)
check "one audit record per acknowledged edit, none for the refused ($audit0 -> $audit1)" \
	[ $((audit1 - audit0)) -eq 920 ]
edits=$(ctr edit:ctrl)
commits=$(ctr edit:ctrl:commit)
failed=$(ctr edit:failed)
check "every CTRL edit counted: $edits" [ "$edits" = 920 ]
check "the refused ones too: $failed" [ "$failed" = 80 ]
check "edits arriving together shared commits: $commits commits for $edits edits" \
	[ "$commits" -ge 1 -a "$commits" -lt "$edits" ]
check "  an edit logged as before, with its audit number" grep -q \
	"ctrl 127.0.0.1:[0-9]*: add imei 35200000000000: none -> black \"burst 0 0\" listed [0-9-]* (audit #[0-9]*)" \
	"$EIR_LOG"

# 3. VTY edits, CTRL edits and S13 at once: every answer right (the store's entries, which nobody edits here)
cat > "$T/expect.csv" <<CSV
35693803564380,,BLACKLISTED
35000001000001,,GREYLISTED
35000001000002,,WHITELISTED
35693803564380,001010000000001,WHITELISTED
35000004000150,,BLACKLISTED
35999999000001,,WHITELISTED
CSV
"$BENCH" -p "$EIR_PORT" -c 2 -w 8 -n 40000 -i "$T/expect.csv" > "$T/bench.out" 2>&1 &
bench=$!
PYTHONPATH="$top_srcdir/tests" $PY - "$EIR_VTY_PORT" > "$T/vty.out" 2>&1 <<'PYEOF' &
import sys
from vty import Vty
v = Vty(int(sys.argv[1]), timeout=60)
v.cmd("enable")
bad = 0
for i in range(300):
    out = v.cmd("equipment add imei 354%011d grey vty %d" % (i, i))
    if "% " in out:
        bad += 1
        print(out)
print("vty bad=%d" % bad)
PYEOF
vty=$!
# N5g-eir meanwhile: rounds of four connections of 100 requests each (one per entry kind), until the CTRL edits are
# done; each body must be its entry's verdict; "requests=N wrong=W" to $T/n5g.out
n5g_load() {
	local r=0 n=0 bad=0 q got all right
	while [ ! -f "$T/burst.done" ] && [ $r -lt 300 ]; do
		r=$((r + 1))
		for q in "imei-356938035643809 BLACKLISTED" "imeisv-3500000100000101 GREYLISTED" \
			"imeisv-3500000100000201 WHITELISTED" \
			"imei-356938035643809&supi=imsi-001010000000001 WHITELISTED"; do
			got=$(nghttp -m 100 "$SBI_URL?pei=${q% *}" 2>&1)
			all=$(printf '%s' "$got" | grep -o '{[^}]*}' | wc -l)
			right=$(printf '%s' "$got" | grep -o -F "{\"status\":\"${q#* }\"}" | wc -l)
			n=$((n + 100))
			bad=$((bad + 100 - right))
			[ "$all" -eq 100 ] && [ "$right" -eq 100 ] ||
				echo "${q% *}: $(printf '%s' "$got" | head -c 300)" >&2
		done
	done
	echo "requests=$n wrong=$bad"
}
rm -f "$T/burst.done"
if command -v nghttp > /dev/null; then
	n5g_load > "$T/n5g.out" 2> "$T/n5g.err" &
	n5g=$!
else
	echo "# no nghttp (Debian nghttp2-client): the N5g-eir load is left out" > "$T/n5g.out"
	n5g=
fi
out=$(burst 3 200 355 --check)
touch "$T/burst.done"
burst_is "$out" "acked=600 refused=0 bad=0" \
	"CTRL edits during VTY edits and S13 load: all 600 acknowledged and read back"
wait $vty
check "the 300 VTY edits meanwhile: none refused" grep -q "^vty bad=0" "$T/vty.out"
if [ -n "$n5g" ]; then
	wait $n5g
	sed 's/^/#   /' "$T/n5g.err" | head -n 5 | cut -c1-200
	check "every N5g-eir answer right meanwhile ($(cat "$T/n5g.out"))" \
		sh -c 'grep -q "^requests=[1-9][0-9]* wrong=0$" "$1"' _ "$T/n5g.out"
else
	cat "$T/n5g.out"
fi
wait $bench
rc=$?
check "every S13 answer right meanwhile (osmo-eir-bench exit $rc: $(tail -n 1 "$T/bench.out"))" [ $rc -eq 0 ]
got=$($CTRL "$EIR_CTRL_PORT" get equipment.imei.35400000000299.local)
check "  the last VTY edit is there: $got" [ "$got" = "grey,vty 299" ]
audit2=$(audit)
check "  and the audit trail holds all 900 ($audit1 -> $audit2)" [ $((audit2 - audit1)) -eq 900 ]
eir_stop
check "osmo-eir stops cleanly (no sanitizer report, the writer thread joined)" [ $? -eq 0 ]

# 4. a tiny map (1 MiB) filled by CTRL edits with long reasons: the loop grows it, the batches are written again
rm -rf "$T/store"
"$EIR_DB" -l "$T/store" -m 1 create > /dev/null
EIR_ARGS="-m 1" eir_start || exit 1
out=$(burst 4 300 356 --reason-len 480 --check)
burst_is "$out" "acked=1200 refused=0 bad=0" \
	"1200 CTRL edits of 480-byte reasons into a 1 MiB map: all acknowledged and read back"
check "  the map grew on the loop" grep -q "local: map grown to" "$EIR_LOG"
eir_stop
check "osmo-eir stops cleanly" [ $? -eq 0 ]
finish
