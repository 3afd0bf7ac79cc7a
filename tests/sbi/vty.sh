#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The 'sbi' VTY node: documented in the XML reference, written back with defaults left out and what was set
# kept, bad values refused, 'no' forms, and a written configuration read back by a new osmo-eir to the same.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
VTY="$PY $top_srcdir/tests/vty.py"

"$EIR" --vty-ref-xml > "$T/ref.xml"
for c in "listen (A.B.C.D|X:X::X:X) &lt;1-65535&gt;" "tls certificate FILE" "tls private-key FILE" "max-connections" \
	"max-connections-per-source" "no max-connections-per-source" "max-concurrent-streams" "max-header-size" \
	"max-uri-length" "idle-timeout" "preface-timeout" "pei-other" "nrf uri URI" "nrf ca-file FILE" \
	"no nrf ca-file" "nrf nf-instance-id UUID" "nrf advertise-address (A.B.C.D|X:X::X:X)" "nrf heartbeat" \
	"show sbi connections"; do
	check "reference documents '$c'" grep -qF "$c" "$T/ref.xml"
done

NRF=http://127.0.0.1:$(free_port)
ID=3f0c7b1e-0b5d-4c4e-9a53-5e1d2f6a7b80
sbi_start " max-connections 10
 max-connections-per-source 4
 max-concurrent-streams 16
 max-header-size 4096
 max-uri-length 512
 idle-timeout 30
 preface-timeout 3
 pei-other blacklisted
 nrf uri $NRF
 nrf ca-file /etc/osmocom/nrf-ca.pem
 nrf nf-instance-id $ID
 nrf advertise-address 192.0.2.5
 nrf heartbeat 20" || exit 1
$VTY "$EIR_VTY_PORT" enable "write terminal" > "$T/written.cfg"
nodes() { awk '/^[^ ]/ { on = ($0 == "sbi") } on'; }
tr -d '\r' < "$T/written.cfg" | nodes > "$T/ours.cfg"
cat > "$T/expected.cfg" <<CFG
sbi
 listen 127.0.0.1 $SBI_PORT
 max-connections 10
 max-connections-per-source 4
 max-concurrent-streams 16
 max-header-size 4096
 max-uri-length 512
 idle-timeout 30
 preface-timeout 3
 pei-other blacklisted
 nrf uri $NRF
 nrf ca-file /etc/osmocom/nrf-ca.pem
 nrf nf-instance-id $ID
 nrf advertise-address 192.0.2.5
 nrf heartbeat 20
CFG
check "write terminal gives the sbi node, what was set kept" diff -u "$T/expected.cfg" "$T/ours.cfg"
for bad in "nrf uri ftp://nrf.example.org" "nrf nf-instance-id 1234" "nrf advertise-address 2001:db8::zz" \
	"max-connections 0" "max-connections-per-source 0" "max-header-size 100" "preface-timeout 0" "preface-timeout 301" \
	"pei-other purple" "idle-timeout 0" "listen 127.0.0.1 0" \
	"listen 2001:db8::zz 7777"; do
	out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "sbi" "$bad")
	check "refused: $bad" has "$out" "%"
done
for bad in "nrf advertise-address 2001:db8::zz" "listen 2001:db8::zz 7777"; do
	out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "sbi" "$bad")
	check "refused with its reason: $bad" has "$out" "^% not an IP address: 2001:db8::zz"
done
$VTY "$EIR_VTY_PORT" enable "write terminal" | tr -d '\r' | nodes > "$T/after-bad.cfg"
check "the refused values changed nothing" diff -u "$T/expected.cfg" "$T/after-bad.cfg"
out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "sbi" "no nrf" "pei-other unknown" "max-connections 256" \
	"end" "write terminal")
check "no nrf: the uri is gone" hasnt "$out" "nrf uri"
out=$($VTY "$EIR_VTY_PORT" enable "configure terminal" "sbi" "no nrf ca-file" "nrf advertise-address 2001:db8::5" \
	"no max-connections-per-source" "end" "write terminal")
check "no nrf ca-file: gone" hasnt "$out" "nrf ca-file"
check "no max-connections-per-source: gone" hasnt "$out" "max-connections-per-source"
check "nrf advertise-address takes IPv6" has "$out" "^ nrf advertise-address 2001:db8::5"
check "back to the defaults: left out" hasnt "$out" "pei-other\|max-connections"
check "clean shutdown" eir_stop

# what was written is read back the same
tr -d '\r' < "$T/written.cfg" | grep -v '^OsmoEIR\|^Current configuration' |
	sed -e "s/^ bind 127.0.0.1.*/ bind 127.0.0.1 $(free_port)/" \
		-e "/^diameter/,/^[^ d]/s/^ listen 127.0.0.1 .*/ listen 127.0.0.1 $(free_port)/" > "$T/again.cfg"
"$EIR" -c "$T/again.cfg" -l "$T/store" > "$T/again.log" 2>&1 &
pid=$!
i=0
while ! grep -q "N5g-eir on" "$T/again.log" 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
port=$(sed -n 's/^ bind 127.0.0.1 //p' "$T/again.cfg")
$VTY "$port" enable "write terminal" | tr -d '\r' | nodes > "$T/again.ours"
check "a written configuration reads back to the same" diff -u "$T/ours.cfg" "$T/again.ours"
kill $pid
wait $pid
check "and that osmo-eir stops cleanly" [ $? -eq 0 ]

# no sbi node: no HTTP/2 server
rm -rf "$T/store"
eir_start || exit 1
out=$($VTY "$EIR_VTY_PORT" enable "show sbi connections")
check "without an sbi node: show sbi connections says it is not running" has "$out" "not running"
check "and the log has no N5g-eir line" sh -c '! grep -q "N5g-eir on" "$1"' _ "$EIR_LOG"
check "clean shutdown" eir_stop
finish
