#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir's VTY: the XML reference, the configuration written back (defaults left out, what was set kept), and
# a configuration written by 'write terminal' read back by a new osmo-eir to the same result.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
VTY="$PY $top_srcdir/tests/vty.py"

"$EIR" --vty-ref-xml > "$T/ref.xml"
check "--vty-ref-xml exits 0" [ $? -eq 0 ]
check "and is well-formed XML" $PY -c 'import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])' "$T/ref.xml"
for c in "default-verdict" "store-unavailable" "origin-host NAME" "served-realm NAME" "unknown-peers" "watchdog-timer" \
	"show diameter peers" "max-send-queue" "max-connections" "ctrl-port" "(vty|ctrl) max-sessions" \
	"lookup-filter (on|off)" \
	"equipment add imei IMEI LIST .REASON" \
	"equipment add range FIRST LAST LIST .REASON" "equipment add tac TAC LIST .REASON" \
	"equipment add pair IMEI IMSI LIST .REASON" "equipment del imei IMEI" "equipment del range FIRST" \
	"equipment del tac TAC" "equipment del pair IMEI IMSI" "show equipment imei IMEI imsi IMSI" \
	"show equipment summary" "show equipment (local|national) (imei|range|pair|notification|exception) from DIGITS count" \
	"show audit last"; do
	check "reference documents '$c'" grep -q "$c" "$T/ref.xml"
done

eir_start " served-realm visited.example.net
 served-realm other.example.com
 served-realm OTHER.example.com
 peer mme1.example.org realm example.org
 peer mme2.example.org address 127.0.0.1
 watchdog-timer 12
 max-connections 32" " default-verdict greylisted
 store-unavailable blacklisted" || exit 1
$VTY "$EIR_VTY_PORT" enable "write terminal" > "$T/written.cfg"
# our nodes: their top line and the indented lines under it
nodes() { awk '/^[^ ]/ { on = ($0 == "eir" || $0 == "diameter") } on'; }
tr -d '\r' < "$T/written.cfg" | nodes > "$T/ours.cfg"
cat > "$T/expected.cfg" <<CFG
eir
 default-verdict greylisted
 store-unavailable blacklisted
 ctrl-port $EIR_CTRL_PORT
diameter
 origin-host eir.example.org
 origin-realm example.org
 served-realm visited.example.net
 served-realm other.example.com
 listen 127.0.0.1 $EIR_PORT
 peer mme1.example.org realm example.org
 peer mme2.example.org address 127.0.0.1
 watchdog-timer 12
 max-connections 32
CFG
check "write terminal gives our configuration, defaults left out" diff -u "$T/expected.cfg" "$T/ours.cfg"
out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "diameter" "watchdog-timer 5")
check "watchdog-timer below 6 s refused" sh -c 'echo "$1" | grep -q "%"' _ "$out"
out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "diameter" "no served-realm nowhere.example.org")
check "no served-realm of a realm not served: refused" \
	sh -c 'echo "$1" | grep -q "% no served-realm nowhere.example.org"' _ "$out"
$VTY "$EIR_VTY_PORT" enable "configure terminal" "diameter" "no served-realm Visited.example.net" >/dev/null
out=$($VTY "$EIR_VTY_PORT" enable "write terminal" | tr -d '\r')
check "no served-realm removes it (any case), the other stays" sh -c \
	'! echo "$1" | grep -q "served-realm visited" && echo "$1" | grep -q "^ served-realm other.example.com$"' _ "$out"
$VTY "$EIR_VTY_PORT" enable "configure terminal" "diameter" "served-realm visited.example.net" >/dev/null
out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "eir" "default-verdict purple")
check "unknown verdict refused" sh -c 'echo "$1" | grep -q "%"' _ "$out"
check "clean shutdown" eir_stop

# what was written is read back the same
tr -d '\r' < "$T/written.cfg" | grep -v '^OsmoEIR\|^Current configuration' |
	sed -e "s/^ bind 127.0.0.1.*/ bind 127.0.0.1 $(free_port)/" > "$T/again.cfg"
"$EIR" -c "$T/again.cfg" -l "$T/store" > "$T/again.log" 2>&1 &
pid=$!
i=0
while ! grep -q "S13 on" "$T/again.log" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^ bind 127.0.0.1 //p' "$T/again.cfg")
$VTY "$port" enable "write terminal" | tr -d '\r' | nodes > "$T/again.ours"
check "a written configuration reads back to the same" diff -u "$T/ours.cfg" "$T/again.ours"
kill $pid
wait $pid
finish
