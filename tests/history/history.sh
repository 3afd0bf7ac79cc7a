#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Device history with the real daemon: ECRs over S13 and N5g-eir requests (curl) for a blacklisted IMEI with two
# IMSIs show up in 'show equipment sightings', 'history imei/imsi' and 'events', the counters move, the TRAP
# reaches a CTRL client; VTY and CTRL lookups are not recorded; full history off keeps no pair rows but sightings;
# the history survives a restart.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/history/lib-history.sh"
CTRL="$PY $top_srcdir/tests/ctrl.py"
BLACK=35693803564380
IMSI1=001010000000002
IMSI2=001010000000003
IMSI3=001010000000004

# wait_for DESC PATTERN CMD: the VTY output of CMD matches the grep PATTERN within 10 s (the writer commits in
# batches of 100 ms)
wait_for() {
	i=0
	while ! vty "$3" | grep -- "$2" > /dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ]; then
			not_ok "$1"
			vty "$3" | sed 's/^/#   /'
			return 1
		fi
		sleep 0.1
	done
	ok "$1"
}

# has DESC PATTERN TEXT: a line of TEXT matches the grep PATTERN
has() {
	if printf '%s\n' "$3" | grep -q -- "$2"; then ok "$1"; else not_ok "$1"; fi
}

# ctr NAME: the history counter's value (CTRL rate_ctr.abs, libosmoctrl's own)
ctr() {
	$CTRL "$EIR_CTRL_PORT" get "rate_ctr.abs.history.0.$1"
}

H="
history
 history on
 clone-imsis 3
"
sbi_start "$H" || exit 1
check "the history is opened in <store>/../history" grep -q "device history in $T/store/../history: full history on" \
	"$EIR_LOG"

# a TRAP listener on CTRL: prints every TRAP line it gets until killed
cat > "$T/trapl.py" <<'PYEOF'
import sys
sys.path.insert(0, sys.argv[1])
import ctrl
c = ctrl.Ctrl(int(sys.argv[2]), timeout=30)
print("listening", flush=True)
while True:
    m = c._recv()
    if m.startswith("TRAP "):
        print(m, flush=True)
PYEOF
$PY "$T/trapl.py" "$top_srcdir/tests" "$EIR_CTRL_PORT" > "$T/traps" 2>&1 &
TRAP_PID=$!
i=0
while ! grep -q listening "$T/traps" 2>/dev/null; do i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1; done

# operator lookups first: none of them is a network check
vty "show equipment imei $BLACK" > /dev/null
$CTRL "$EIR_CTRL_PORT" get equipment.imei.$BLACK.verdict > /dev/null
$CTRL "$EIR_CTRL_PORT" get equipment.imei.$BLACK.imsi.$IMSI1.verdict > /dev/null
"$EIR_DB" -l "$T/store" lookup $BLACK > /dev/null 2>&1
sleep 0.3
check "VTY, CTRL and osmo-eir-db lookups are not recorded" [ "$(ctr record:queued)" = 0 ]

# the network: S13 with IMSI1 (twice: a repeat), then N5g-eir with IMSI2 and an MSISDN, then IMSI3 (clone)
has "S13 ECR, blacklisted" BLACKLISTED "$($ECR --port $EIR_PORT --origin-host mme1.example.org $BLACK $IMSI1)"
$ECR --port $EIR_PORT --origin-host mme1.example.org $BLACK $IMSI1 > /dev/null
h2 n1 "$SBI_URL?pei=imei-${BLACK}9&supi=imsi-$IMSI2&gpsi=msisdn-4915112345678"
check "N5g-eir request, blacklisted" grep -q BLACKLISTED "$T/n1.body"
$ECR --port $EIR_PORT --origin-host mme2.example.org $BLACK $IMSI3 > /dev/null
# a white one: history, no sighting
$ECR --port $EIR_PORT --origin-host mme1.example.org 35000001000002 $IMSI1 > /dev/null

wait_for "show equipment sightings: the three listed (IMEI, IMSI), the repeat not again" \
	"sighting at .*IMSI $IMSI3" "show equipment sightings"
out=$(vty "show equipment sightings")
check "  three sightings" [ "$(echo "$out" | grep -c ' sighting at ')" = 3 ]
want="IMEI 35693803564380 IMSI 001010000000003 MSISDN 4915112345678 SV -1, BLACKLISTED (local entry, list black, source local, "
has "  with the why and the node" "${want}reason \"Reported stolen\"), N5g-eir node 127.0.0.1:" "$out"
has "  S13 names the Origin-Host" "IMSI 001010000000002 .*S13 node mme1.example.org" "$out"
out=$(vty "show equipment sightings last 1")
check "show equipment sightings last 1: the newest only" \
	sh -c '[ "$(echo "$1" | grep -c " sighting at ")" = 1 ] && echo "$1" | grep -q "IMSI 001010000000004"' _ "$out"

out=$(vty "show equipment history imei $BLACK")
echo "$out" | sed 's/^/#   /'
has "history imei: the last IMSI" "^IMEI 35693803564380: last IMSI 001010000000004 at " "$out"
# the repeat came within coalesce-seconds (300 by default): not recorded again, counted in record:coalesced
want="IMEI 35693803564380 IMSI 001010000000002 MSISDN -: first .*, 1 check, 1 day, SV -1, S13, "
has "history imei: the repeat coalesced into one row with 1 check, 1 day" \
	"${want}node mme1.example.org, last BLACKLISTED (local entry" "$out"
# the N5g-eir gpsi msisdn-… is the row's MSISDN (part of its key)
has "history imei: the N5g-eir row" "IMSI 001010000000003 MSISDN 4915112345678: .*1 check, 1 day, SV -1, N5g-eir, node 127.0.0.1:" \
	"$out"
check "history imei: three rows" [ "$(echo "$out" | grep -c '^ IMEI ')" = 3 ]
out=$(vty "show equipment history imsi $IMSI1")
check "history imsi: the last IMEI (the white handset)" \
	sh -c 'echo "$1" | grep -q "^IMSI 001010000000002: last IMEI 35000001000002 at "' _ "$out"
check "history imsi: both handsets" [ "$(echo "$out" | grep -c '^ IMEI ')" = 2 ]

out=$(vty "show equipment events")
echo "$out" | sed 's/^/#   /'
check "events: a new SIM in the handset (IMSI2 after IMSI1)" \
	sh -c 'echo "$1" | grep -q "new-sim at .*IMSI 001010000000003 .*previous IMSI 001010000000002"' _ "$out"
has "events: a SIM in a new handset (IMSI1 in the white handset)" \
	"new-handset at .*IMEI 35000001000002 IMSI 001010000000002 .*previous IMEI 35693803564380" "$out"
check "events: a clone suspect at the third IMSI" \
	sh -c 'echo "$1" | grep -q "clone-suspect at .*IMSI 001010000000004 .*3 IMSIs within 24 h"' _ "$out"
check "events: 3 sightings + 2 new SIM + 1 new handset + 1 clone, none for the repeat" \
	[ "$(echo "$out" | grep -c ' event ')" = 7 ]

out=$(vty "show equipment history summary")
check "history summary: the rows" sh -c 'echo "$1" | grep -q "^rows: 4 pairs, 7 events, 2 IMEIs, 3 IMSIs$"' _ "$out"
want="^writer: 4 records in [0-9]* batches, 0 lost, 0 pruned, 0 dropped at the queue, 0 waiting, "
has "history summary: the writer" "${want}at \(nice 10\|the loop.s priority (setpriority refused)\)$" "$out"

sleep 1.2	# the counters of the writer side follow once a second
check "counter record:queued: 4 network checks" [ "$(ctr record:queued)" = 4 ]
check "counter record:coalesced: the repeat" [ "$(ctr record:coalesced)" = 1 ]
check "counter event:sighting 3" [ "$(ctr event:sighting)" = 3 ]
check "counter event:new-sim 2" [ "$(ctr event:new-sim)" = 2 ]
check "counter event:new-handset 1" [ "$(ctr event:new-handset)" = 1 ]
check "counter event:clone-suspect 1" [ "$(ctr event:clone-suspect)" = 1 ]
check "counter record:dropped 0" [ "$(ctr record:dropped)" = 0 ]
check "the log has the event lines" sh -c "grep -c 'DHIST.*event [0-9]* ' '$EIR_LOG' | grep -qx 7"

i=0
while [ "$(grep -c '^TRAP ' "$T/traps")" -lt 7 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill $TRAP_PID 2>/dev/null
wait $TRAP_PID 2>/dev/null
check "7 TRAPs on the CTRL connection" [ "$(grep -c '^TRAP 0 equipment.event ' "$T/traps")" = 7 ]
want="^TRAP 0 equipment.event id=[0-9]*,kind=sighting,time=[-0-9]*T[0-9:]*Z,imei=35693803564380,"
want="${want}imsi=001010000000003,msisdn=4915112345678,sv=-1,verdict=BLACKLISTED,level=local entry,list=black,source=local,"
# the entry's apply time and the seconds from it to the check
want_applied="applied=[-0-9]*T[0-9:]*Z,since-applied=[0-9]*"
has "the sighting's TRAP: key=value, the reason last" \
	"${want}iface=N5g-eir,node=127.0.0.1:[0-9]*,other=,n=0,clone=,$want_applied,reason=Reported stolen$" "$(cat "$T/traps")"
sed 's/^/#   /' "$T/traps" | head -3

# the time-to-block: an entry added on the VTY at a known time, then the handset checked; its sighting says how long
# after the entry's apply it came, in the TRAP, the VTY and the log, all the same. And two MMEs checking one IMEI at
# once: a clone suspect of the two-nodes kind (the interval made long here, so that the test does not hang on speed).
STOLEN=35000012000001
TWICE=35000012000002
$PY "$T/trapl.py" "$top_srcdir/tests" "$EIR_CTRL_PORT" > "$T/traps2" 2>&1 &
TRAP_PID=$!
i=0
while ! grep -q listening "$T/traps2" 2>/dev/null; do i=$((i + 1)); [ $i -gt 50 ] && break; sleep 0.1; done
vty "configure terminal" "history" "clone-two-nodes-seconds 3600" "end" > /dev/null
has "write: clone-two-nodes-seconds" "^ clone-two-nodes-seconds 3600$" "$(vty "show running-config" | tr -d '\r')"
vty "equipment add imei $STOLEN black Stolen at the fair" > /dev/null
out=$(vty "show equipment imei $STOLEN")
applied=$(echo "$out" | sed -n 's/.*, applied \([0-9-]* [0-9:]*\) UTC$/\1/p')
applied_s=$(date -u -d "$applied" +%s 2>/dev/null || echo 0)
check "the VTY's entry shows when it was applied" [ "$applied_s" -gt 0 ]
sleep 1.1	# at least a second between the apply and the check: the time since apply is not 0
$ECR --port $EIR_PORT --origin-host mme3.example.org $STOLEN 001010000000021 > /dev/null
$ECR --port $EIR_PORT --origin-host mme3.example.org $TWICE 001010000000022 > /dev/null
$ECR --port $EIR_PORT --origin-host mme4.example.org $TWICE 001010000000022 > /dev/null
wait_for "the sighting of the entry added on the VTY" "sighting at .*IMEI $STOLEN " "show equipment sightings"
wait_for "the two-nodes clone suspect" "clone-suspect at .*IMEI $TWICE .*two nodes: node mme3.example.org" \
	"show equipment events"
i=0
while [ "$(grep -c '^TRAP ' "$T/traps2")" -lt 2 ] && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
kill $TRAP_PID 2>/dev/null
wait $TRAP_PID 2>/dev/null
sed 's/^/#   /' "$T/traps2"
trap=$(grep "^TRAP 0 equipment.event .*kind=sighting,.*imei=$STOLEN," "$T/traps2")
t_s=$(date -u -d "$(echo "$trap" | sed -n 's/.*,time=\([^,]*\),.*/\1/p')" +%s 2>/dev/null || echo 0)
a_s=$(date -u -d "$(echo "$trap" | sed -n 's/.*,applied=\([^,]*\),.*/\1/p')" +%s 2>/dev/null || echo 0)
since=$(echo "$trap" | sed -n 's/.*,since-applied=\([0-9]*\),.*/\1/p')
check "the sighting's TRAP: applied= is the entry's apply time as the VTY showed it" [ "$a_s" = "$applied_s" ]
check "  since-applied= is the seconds from it to the check, at least the second waited" \
	[ -n "$since" ] && [ "$since" = $((t_s - a_s)) ] && [ "$since" -ge 1 ]
out=$(vty "show equipment sightings")
has "  the VTY's sighting says the same" \
	"IMEI $STOLEN .*reason \"Stolen at the fair\"), S13 node mme3.example.org, applied $since s before$" "$out"
check "  and the log" grep -q "DHIST.*sighting at .*IMEI $STOLEN .*, applied $since s before" "$EIR_LOG"
want="^TRAP 0 equipment.event id=[0-9]*,kind=clone-suspect,.*imei=$TWICE,.*node=mme4.example.org,"
has "the two-nodes clone's TRAP: clone=two-nodes, the other node" \
	"${want}other=mme3.example.org,n=[0-9]*,clone=two-nodes,applied=,since-applied=,reason=$" "$(cat "$T/traps2")"
check "  one clone suspect for the two nodes, none for the one that checked once" \
	[ "$(vty "show equipment events" | grep -c "clone-suspect at .*IMEI $TWICE ")" = 1 ]
sleep 1.2	# the counters of the writer side follow once a second
check "  counted in event:clone-two-nodes and event:clone-suspect" \
	[ "$(ctr event:clone-two-nodes)" = 1 -a "$(ctr event:clone-suspect)" = 2 ]
vty "configure terminal" "history" "clone-two-nodes-seconds 0" "end" > /dev/null

# personal data: the views are on the enable node only
out=$($VTY "$EIR_VTY_PORT" "show equipment sightings" "show equipment history imei $BLACK" "show equipment events")
check "not on the view node" [ "$(echo "$out" | grep -c '% Unknown command')" = 3 ]
out=$($CTRL "$EIR_CTRL_PORT" get equipment.history 2>&1)
check "CTRL has no history variable" sh -c 'echo "$1" | grep -q "Command not found"' _ "$out"

# the config written back, defaults left out
vty "configure terminal" "history" "retention-days 7" "sightings greylisted on" "end" > /dev/null
out=$(vty "show running-config")
has "write: the history node without defaults" "^history| history on| sightings greylisted on| retention-days 7|" \
	"$(echo "$out" | tr -d '\r' | grep -A4 '^history$' | tr '\n' '|')"

# a restart keeps it; then full history off: no pair rows, sightings still
eir_stop
check "clean shutdown (no sanitizer report)" [ $? -eq 0 ]
sed -i 's/^ history on$/ history off/' "$T/osmo-eir.cfg"
sbi_restart
out=$(vty "show equipment history imei $BLACK")
check "after a restart: the rows are still there" [ "$(echo "$out" | grep -c '^ IMEI ')" = 3 ]
out=$(vty "show equipment events")
# the 7 above, the sighting and the two-nodes clone
check "after a restart: the events too" [ "$(echo "$out" | grep -c ' event ')" = 9 ]
# a new IMEI, grey (on no list before: sightings greylisted is off here again)
$ECR --port $EIR_PORT --origin-host mme1.example.org 35000004000150 001010000000009 > /dev/null
wait_for "history off: a sighting still" "sighting at .*IMEI 35000004000150 IMSI 001010000000009" \
	"show equipment sightings"
out=$(vty "show equipment history imei 35000004000150")
check "history off: no pair row, the last IMSI kept" sh -c 'echo "$1" | grep -q "last IMSI 001010000000009" &&
	echo "$1" | grep -q "no (IMEI, IMSI) rows: full history is off"' _ "$out"
out=$(vty "show equipment sightings")
check "event ids go on across the restart (no id twice)" \
	sh -c '[ "$(echo "$1" | grep -o " event [0-9]*" | sort | uniq -d)" = "" ]' _ "$(vty 'show equipment events')"

# kill -9 loses at most the batch not yet committed: a sighting seen committed is there after the restart
$ECR --port $EIR_PORT --origin-host mme1.example.org 35000004000160 001010000000010 > /dev/null
wait_for "a sighting committed" "IMEI 35000004000160 IMSI 001010000000010" "show equipment sightings"
{ kill -KILL $EIR_PID; wait $EIR_PID; } 2>/dev/null
sbi_restart
out=$(vty "show equipment sightings")
has "after kill -9: the committed sighting is there" "IMEI 35000004000160 IMSI 001010000000010" "$out"

# a history that cannot be opened never stops the answers
eir_stop
check "clean shutdown (no sanitizer report)" [ $? -eq 0 ]
sed -i 's|^ history off$| history off\n path /proc/no-history-here|' "$T/osmo-eir.cfg"
sbi_restart
check "an unusable history path: said in the log" \
	grep -q "DHIST.*device history off: cannot create /proc/no-history-here: " "$EIR_LOG"
has "  the answers go on" BLACKLISTED "$($ECR --port $EIR_PORT --origin-host mme1.example.org $BLACK $IMSI1)"
has "  the views say so" "% device history is off" "$(vty "show equipment sightings")"

eir_stop
check "clean shutdown (no sanitizer report)" [ $? -eq 0 ]
finish
