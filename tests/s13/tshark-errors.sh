#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The error answers of osmo-eir's Diameter judged by Wireshark's dissector: 3003 (foreign Destination-Realm), CEA
# 5012 (CER on an open connection), CEA 3010 (unknown peer), 5011 (version 2) and 5015 (length not a multiple of
# 4), captured on lo from s13_errors.py's wire_errors part. osmo-eir's messages must decode with no malformed
# field and no expert warning, with the expected command, flags and Result-Code.
# SKIP (77) without tshark or when capturing on lo is not permitted.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
tshark_usable || exit 77

eir_start " peer mme.example.org" || exit 1
CAP="$T/cap.pcap"
cap_start "$CAP" "tcp port $EIR_PORT" eir_stop
$PY "$top_srcdir/tests/s13/s13_errors.py" wire_errors "$EIR_PORT" || not_ok "the client: see the lines above"
# packets reach the file in blocks: a moment for the last ones before stopping (no assertion on time)
sleep 1
check "tshark capture ended cleanly" cap_stop
check "clean shutdown (exit 0, no sanitizer report)" eir_stop

tsr() {
	tshark -r "$CAP" -d "tcp.port==$EIR_PORT,diameter" "$@" 2>> "$T/tshark-r.err"
}
FROM_EIR="tcp.srcport == $EIR_PORT"
tsr -Y "$FROM_EIR && (_ws.malformed || _ws.expert.severity >= warning || diameter.avp.invalid-len ||
	diameter.avp.pad.missing || diameter.avp.pad.non_zero || diameter.avp.code.unknown || diameter.reserved_bit_set ||
	diameter.cmd.code.unknown || diameter.invalid_avp_len)" > "$T/bad.txt"
check "tshark read the capture" [ $? -eq 0 ]
check "osmo-eir's messages: nothing malformed, no expert warning, no bad length, padding or unknown AVP" \
	[ ! -s "$T/bad.txt" ]
sed 's/^/#   /' "$T/bad.txt"

# cmd flags Result-Code of every answer osmo-eir sent, in order
tsr -Y "$FROM_EIR && diameter && diameter.flags.request == 0" -T fields -E separator=' ' -e diameter.cmd.code \
	-e diameter.flags -e diameter.Result-Code > "$T/ans.txt"
cat > "$T/expected.txt" <<EXP
257 0x00 2001
324 0x60 3003
257 0x00 5012
324 0x40 2001
282 0x00 2001
257 0x20 3010
257 0x00 2001
324 0x40 5011
257 0x00 2001
280 0x00 5015
EXP
check "the answers, decoded: CEA, 3003 (E), CEA 5012, ECA, DPA, CEA 3010 (E), CEA, 5011, CEA, 5015" \
	diff -u "$T/expected.txt" "$T/ans.txt"
tsr -Y "$FROM_EIR && diameter.Result-Code == 5012" -T fields -e diameter.Origin-Host -e diameter.Host-IP-Address \
	-e diameter.Vendor-Id -e diameter.Product-Name > "$T/cea5012.txt"
check "the CEA 5012 has Origin-Host, Host-IP-Address, Vendor-Id and Product-Name" \
	grep -q "^eir.example.org	00017f000001	0,10415	osmo-eir$" "$T/cea5012.txt"
if [ $n_fail -ne 0 ]; then
	echo "# tshark -V of osmo-eir's messages:"
	tsr -Y "$FROM_EIR && diameter" -V | sed 's/^/#   /' | head -300
fi
finish
