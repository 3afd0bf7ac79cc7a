#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir's S13 wire format judged by Wireshark's Diameter dissector: capture whole sessions on loopback (CER,
# ECRs for every list, DWR, DPR; and an IMEI on no list against a second daemon with `default-verdict unknown`),
# then assert with tshark that nothing is malformed or an expert error, and that every answer osmo-eir sent
# (CEA, ECA, DWA, DPA) is there, decodes, and carries the expected flags, Result-Code / Experimental-Result,
# Equipment-Status and Session-Id. The peer is tests/s13/mme.js (npm `diameter`), or a small raw client in
# /usr/bin/python3 when Node.js or the package is missing (or S13_CLIENT=python).
# SKIP (77) without tshark or when capturing on lo is not permitted.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
tshark_usable || exit 77
TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout -k 5 40"

MME="$top_srcdir/tests/s13/mme.js"
PKG="$NODE_MODULES/diameter"
CLIENT=node
if [ "${S13_CLIENT:-}" = python ] || ! command -v node >/dev/null 2>&1 || [ ! -f "$PKG/package.json" ]; then
	CLIENT=python
fi
echo "# peer: $CLIENT"

# The fallback peer: the same session as mme.js, raw on a socket. It checks only that each answer arrives with
# its request's command and identifiers (tshark judges the content); exit status 0 = all answered.
cat > "$T/client.py" <<'PYEOF'
# SPDX-License-Identifier: AGPL-3.0-or-later
import socket, struct, sys, time
port, mode = int(sys.argv[1]), sys.argv[2]
S = socket.create_connection(("127.0.0.1", port), timeout=3)
HBH = [0x1000]

def avp(code, data, vendor=0, flags=0x40):
    if isinstance(data, int):
        data = struct.pack("!I", data)
    elif isinstance(data, str):
        data = data.encode()
    if vendor:
        flags |= 0x80
    hdr = struct.pack("!IB", code, flags) + (8 + (4 if vendor else 0) + len(data)).to_bytes(3, "big")
    if vendor:
        hdr += struct.pack("!I", vendor)
    return hdr + data + b"\0" * (-len(data) % 4)

def recv_msg():
    buf = b""
    while len(buf) < 4:
        d = S.recv(4 - len(buf))
        if not d:
            raise EOFError("connection closed")
        buf += d
    n = int.from_bytes(buf[1:4], "big")
    while len(buf) < n:
        d = S.recv(n - len(buf))
        if not d:
            raise EOFError("connection closed")
        buf += d
    return buf

def transact(what, cmd, app, flags, avps):
    HBH[0] += 1
    body = b"".join(avps)
    S.sendall(struct.pack("!B", 1) + (20 + len(body)).to_bytes(3, "big") + bytes([flags]) +
              cmd.to_bytes(3, "big") + struct.pack("!III", app, HBH[0], HBH[0] + 0x50000) + body)
    m = recv_msg()
    ok = m[4] & 0x80 == 0 and int.from_bytes(m[5:8], "big") == cmd and \
        struct.unpack("!II", m[12:20]) == (HBH[0], HBH[0] + 0x50000)
    print("%s - %s answered" % ("ok" if ok else "not ok", what))
    return ok

OH, OR = avp(264, "mme.example.org"), avp(296, "example.org")
VSAI = avp(260, avp(266, 10415) + avp(258, 16777252))
good = transact("CER", 257, 0, 0x80, [OH, OR, avp(257, b"\x00\x01\x7f\x00\x00\x01"), avp(266, 10415),
                avp(269, "osmo-eir tests/s13/tshark.sh", flags=0), avp(265, 10415), VSAI])
ecrs = [("35999999000001", None, None)] if mode == "unknown" else [
    ("35693803564380", None, None), ("35000001000001", None, None), ("35000001000002", None, "05"),
    ("35999999000001", None, None), ("35693803564380", "001010000000001", None),
    ("35693803564380", "001010000000002", None), ("356938035643809", None, None), ("3500000100000107", None, None),
    ("35000004000150", None, None), ("35000004000200", None, None)]
base = "mme.example.org;%d;" % int(time.time())
for i, (imei, imsi, sv) in enumerate(ecrs):
    ti = avp(1402, imei, 10415, 0xc0) + (avp(1403, sv, 10415, 0xc0) if sv else b"")
    a = [avp(263, base + str(i + 1)), VSAI, avp(277, 1), OH, OR, avp(283, "example.org"), avp(1401, ti, 10415, 0xc0)]
    if imsi:
        a.append(avp(1, imsi))
    good &= transact("ECR IMEI %s" % imei, 324, 16777252, 0xc0, a)
if mode != "unknown":
    good &= transact("DWR", 280, 0, 0x80, [OH, OR, avp(278, int(time.time()))])
good &= transact("DPR", 282, 0, 0x80, [OH, OR, avp(273, 0)])
time.sleep(0.3)   # the receiver of the DPA closes: osmo-eir must not close first
S.settimeout(0)
try:
    early = S.recv(1) == b""
except BlockingIOError:
    early = False
print("%s - osmo-eir keeps the connection open after its DPA" % ("not ok" if early else "ok"))
S.close()
sys.exit(0 if good and not early else 1)
PYEOF

# peer PORT MODE: one whole session from the peer; its lines indented under ours
peer() {
	if [ $CLIENT = node ]; then
		DIAMETER_MODULE="$PKG" $TIMEOUT node "$MME" "$1" "$2" > "$T/peer.out" 2>&1
	else
		$TIMEOUT $PY "$T/client.py" "$1" "$2" > "$T/peer.out" 2>&1
	fi
	rc=$?
	sed 's/^/    /' "$T/peer.out"
	return $rc
}

# Two daemons at once, so one capture holds both: A with the default policy, B with `default-verdict unknown`
# (B gets its own directory: eir_start keeps its config, log and store under $T).
T0="$T"
eir_start || exit 1
A_PORT=$EIR_PORT A_PID=$EIR_PID A_LOG=$EIR_LOG
mkdir "$T/b"
T="$T0/b"
if ! eir_start "" " default-verdict unknown"; then
	T="$T0"
	kill -TERM $EIR_PID 2>/dev/null
	wait $EIR_PID
	EIR_PID=$A_PID EIR_LOG=$A_LOG
	eir_stop
	exit 1
fi
T="$T0"
B_PORT=$EIR_PORT B_PID=$EIR_PID B_LOG=$EIR_LOG
# stop_daemons: eir_stop for A, then B; sets rc_a, rc_b
stop_daemons() {
	EIR_PID=$A_PID EIR_LOG=$A_LOG
	eir_stop
	rc_a=$?
	EIR_PID=$B_PID EIR_LOG=$B_LOG
	eir_stop
	rc_b=$?
}

CAP="$T/cap.pcap"
cap_start "$CAP" "tcp port $A_PORT or tcp port $B_PORT" stop_daemons

check "session against daemon A: CER, 10 ECRs, DWR, DPR answered" peer $A_PORT full
check "session against daemon B (default-verdict unknown): CER, 1 ECR, DPR answered" peer $B_PORT unknown

check "tshark capture ended cleanly" cap_stop

stop_daemons
check "clean shutdown of daemon A (exit 0, no sanitizer report)" [ $rc_a -eq 0 ]
check "clean shutdown of daemon B (exit 0, no sanitizer report)" [ $rc_b -eq 0 ]

# --- the verdict of the dissector ---
tsr() {
	tshark -r "$CAP" -d "tcp.port==$A_PORT,diameter" -d "tcp.port==$B_PORT,diameter" "$@" 2>> "$T/tshark-r.err"
}
FROM_EIR="(tcp.srcport == $A_PORT || tcp.srcport == $B_PORT)"

# (a) nothing malformed, no expert error anywhere; nothing even doubtful in what osmo-eir sent
tsr -Y '_ws.malformed || _ws.expert.severity >= error' > "$T/bad.txt"
rc=$?
check "tshark read the capture" [ $rc -eq 0 ]
check "no malformed packet, no expert info of severity error" [ ! -s "$T/bad.txt" ]
sed 's/^/#   /' "$T/bad.txt"
tsr -Y "$FROM_EIR && diameter && (_ws.expert.severity >= warning || diameter.avp.invalid-len ||
	diameter.avp.pad.missing || diameter.avp.pad.non_zero || diameter.avp.code.unknown || diameter.reserved_bit_set ||
	diameter.cmd.code.unknown || diameter.applicationId.unknown || diameter.invalid_avp_len)" > "$T/warn.txt"
check "osmo-eir's messages: no expert warning, no bad length, padding, reserved bit or unknown AVP" [ ! -s "$T/warn.txt" ]
sed 's/^/#   /' "$T/warn.txt"
tsr -q -z expert | sed -n '/^Errors\|^Warnings/,/^$/p' | sed 's/^/#   /'

# (b), (c) every answer osmo-eir sent, decoded: port cmd flags Result-Code Experimental-Result-Code
# Equipment-Status Session-Id Vendor-Id(s)
tsr -Y "$FROM_EIR && diameter && diameter.flags.request == 0" -T fields -E occurrence=a -E aggregator=, \
	-e tcp.srcport -e diameter.cmd.code -e diameter.flags -e diameter.Result-Code \
	-e diameter.Experimental-Result-Code -e diameter.Equipment-Status -e diameter.Session-Id \
	-e diameter.Vendor-Id > "$T/ans.txt"
# the ECRs: port flags Session-Id IMEI User-Name
tsr -Y "diameter.cmd.code == 324 && diameter.flags.request == 1" -T fields -E occurrence=a -E aggregator=, \
	-e tcp.dstport -e diameter.flags -e diameter.Session-Id -e diameter.IMEI -e diameter.User-Name > "$T/ecr.txt"
tsr -Y "$FROM_EIR && diameter && diameter.flags.request == 1" -T fields -e diameter.cmd.code > "$T/eir-req.txt"
echo "# answers sent by osmo-eir (port cmd flags Result-Code Exp-Result-Code Equipment-Status Session-Id Vendor-Ids):"
sed 's/^/#   /' "$T/ans.txt"
check "osmo-eir sent no request of its own (no DWR/DPR expected in this session)" [ ! -s "$T/eir-req.txt" ]

TAB="$(printf '\t')"
# n_ans PORT CMD FLAGS RC: how many answers on PORT match command, flags and Result-Code exactly
n_ans() {
	grep -c "^$1$TAB$2$TAB$3$TAB$4$TAB" "$T/ans.txt"
}
for p in $A_PORT $B_PORT; do
	[ $p = $A_PORT ] && d=A || d=B
	check "daemon $d: one CEA, flags 0x00, Result-Code 2001" [ "$(n_ans $p 257 0x00 2001)" -eq 1 ]
	check "daemon $d: one DPA, flags 0x00, Result-Code 2001" [ "$(n_ans $p 282 0x00 2001)" -eq 1 ]
done
check "daemon A: one DWA, flags 0x00, Result-Code 2001" [ "$(n_ans $A_PORT 280 0x00 2001)" -eq 1 ]
check "daemon B: no DWA (none asked)" [ "$(n_ans $B_PORT 280 0x00 2001)" -eq 0 ]
check "no answer other than CEA, ECA, DWA, DPA; none with E set" \
	[ "$(cut -f2,3 "$T/ans.txt" | grep -cv "^\\(257\\|280\\|282\\)${TAB}0x00\$\\|^324${TAB}0x40\$")" -eq 0 ]
check "session answers: 2 CEA + 11 ECA + 1 DWA + 2 DPA" [ "$(wc -l < "$T/ans.txt")" -eq 16 ]
check "11 ECRs captured, all with flags 0xc0" [ "$(grep -c "^[0-9]*${TAB}0xc0$TAB" "$T/ecr.txt")" -eq 11 ]

# the ECAs, each found by (port, Session-Id) of its ECR: expected Equipment-Status, or U for
# Experimental-Result 5422 without Result-Code and Equipment-Status
while read -r d imei imsi want; do
	[ $d = A ] && p=$A_PORT || p=$B_PORT
	[ "$imsi" = - ] && imsi=""
	sid=$(awk -F'\t' -v p=$p -v i="$imei" -v u="$imsi" '$1 == p && $4 == i && $5 == u { print $3 }' "$T/ecr.txt")
	desc="ECA for IMEI $imei${imsi:+ IMSI $imsi} (daemon $d)"
	if [ -z "$sid" ] || [ "$(printf '%s\n' "$sid" | wc -l)" -ne 1 ]; then
		not_ok "$desc: exactly one ECR captured (got: $sid)"
		continue
	fi
	# flags Result-Code/Experimental-Result-Code/Equipment-Status Vendor-Ids (VSAI's, Experimental-Result's)
	got=$(awk -F'\t' -v p=$p -v s="$sid" '$1 == p && $2 == 324 && $7 == s { print $3, $4 "/" $5 "/" $6, $8 }' \
		"$T/ans.txt")
	if [ $want = U ]; then
		exp="0x40 /5422/ 10415,10415"
	else
		exp="0x40 2001//$want 10415"
	fi
	check "$desc: Session-Id echoed; flags, Result-Code/Exp-Result/Equipment-Status, Vendor-Ids: $exp" \
		[ "$got" = "$exp" ]
	[ "$got" = "$exp" ] || echo "#   got: $got"
done <<EOF
A 35693803564380 - 1
A 35000001000001 - 2
A 35000001000002 - 0
A 35999999000001 - 0
A 35693803564380 001010000000001 0
A 35693803564380 001010000000002 1
A 356938035643809 - 1
A 3500000100000107 - 2
A 35000004000150 - 1
A 35000004000200 - 0
B 35999999000001 - U
EOF

if [ $n_fail -ne 0 ]; then
	echo "# tshark -V of osmo-eir's messages:"
	tsr -Y "$FROM_EIR && diameter" -V | sed 's/^/#   /' | head -400
fi
finish
