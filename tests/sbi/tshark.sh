#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir's HTTP/2 judged by Wireshark's dissector: capture cleartext N5g-eir sessions on loopback (curl with prior
# knowledge: 200 for two lists, 404 unknown, 400, 405), decode them with tshark as HTTP/2, and assert that nothing
# is malformed or an expert error and that each answer carries the expected :status, content-type and body.
# SKIP (77) without tshark or when capturing on lo is not permitted.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
command -v tshark >/dev/null 2>&1 || { echo "SKIP: no tshark"; exit 77; }
if ! tshark -D 2>"$T/D.err" | grep -q '^[0-9]*\. lo\b'; then
	echo "SKIP: tshark cannot capture on lo (not permitted?):"
	sed 's/^/#   /' "$T/D.err"
	exit 77
fi

sbi_start || exit 1
CAP="$T/cap.pcap"
tshark -i lo -f "tcp port $SBI_PORT" -F pcap -w "$CAP" > "$T/tshark.out" 2> "$T/tshark.err" &
TS_PID=$!
i=0
while [ "$(stat -c %s "$CAP" 2>/dev/null || echo 0)" -eq 0 ]; do
	i=$((i + 1))
	if ! kill -0 $TS_PID 2>/dev/null || [ $i -gt 100 ]; then
		kill -INT $TS_PID 2>/dev/null
		wait $TS_PID 2>/dev/null
		eir_stop
		if grep -qi "permission\|not permitted" "$T/tshark.err"; then
			echo "SKIP: capture on lo not permitted"
			exit 77
		fi
		not_ok "tshark started capturing within 10 s"
		finish
	fi
	sleep 0.1
done

q "black" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
q "grey" "pei=imeisv-3500000100000101" 200 $J '{"status":"GREYLISTED"}'
q "unknown" "pei=mac-00-11-22-33-44-55" 404 $P "$UNKNOWN"
q "bad pei" "pei=imei-1" 400 $P "$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'imei- must be followed by 15 digits')"
h2 post "$SBI_URL?pei=imei-356938035643809" -X POST
sleep 0.5

kill -INT $TS_PID
i=0
while kill -0 $TS_PID 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -0 $TS_PID 2>/dev/null && kill -KILL $TS_PID
wait $TS_PID
check "tshark capture ended cleanly" [ $? -eq 0 ]
check "clean shutdown" eir_stop

D="-d tcp.port==$SBI_PORT,http2"
n=$(tshark -r "$CAP" $D -Y '_ws.malformed || _ws.expert.severity >= error' 2>/dev/null | wc -l)
check "tshark: no malformed frame, no expert error ($n)" [ "$n" -eq 0 ]
n=$(tshark -r "$CAP" $D -Y 'http2.type == 4' 2>/dev/null | wc -l)
check "tshark: SETTINGS frames seen ($n)" [ "$n" -gt 0 ]
tshark -r "$CAP" $D -Y 'http2.header.name == ":status"' -T fields -e http2.header.name -e http2.header.value \
	-e http2.data.data 2>/dev/null > "$T/answers"
$PY - "$T/answers" <<'PYEOF' > "$T/verdicts"
import sys
want = {
    ("200", "application/json", '{"status":"BLACKLISTED"}'),
    ("200", "application/json", '{"status":"GREYLISTED"}'),
    ("404", "application/problem+json",
     '{"title":"Not Found","status":404,"detail":"PEI not found","cause":"ERROR_EQUIPMENT_UNKNOWN"}'),
    ("400", "application/problem+json", '{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_INCORRECT",'
     '"invalidParams":[{"param":"query pei","reason":"imei- must be followed by 15 digits"}]}'),
    ("405", "application/problem+json",
     '{"title":"Method Not Allowed","status":405,"detail":"equipment-status allows GET only"}'),
}
got = set()
for line in open(sys.argv[1]):
    f = line.rstrip("\n").split("\t")
    h = dict(zip(f[0].split(","), f[1].split(",")))
    body = bytes.fromhex(f[2].replace(",", "")).decode() if len(f) > 2 and f[2] else ""
    got.add((h.get(":status"), h.get("content-type"), body))
    print(("ok" if str(len(body)) == h.get("content-length") else "not ok") +
          " tshark: content-length %s matches the DATA of the %s" % (h.get("content-length"), h.get(":status")))
for w in sorted(want):
    print(("ok" if w in got else "not ok") + " tshark decodes the %s %s answer: %s" % w)
PYEOF
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok "$what"; else not_ok "${what#ok }"; fi
done < "$T/verdicts"
check "tshark: five answers decoded" [ "$(grep -c "decodes" "$T/verdicts")" -eq 5 ]
finish
