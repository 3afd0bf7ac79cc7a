#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# N5g-eir with curl over cleartext HTTP/2 (prior knowledge): every status and every error, each with its status code,
# content type and exact body; HTTP/1.1 gets 505 and a close; the PEI policy, the store failing, max-connections,
# counters, the verdict log and the VTY's config write.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
curl -V | grep -q HTTP2 || { echo "SKIP: curl without HTTP/2"; exit 77; }
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }

sbi_start || exit 1

# --- verdicts (store: see tests/s13/lib-eir.sh) ---
q "black IMEI (15 digits)" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
q "black IMEISV" "pei=imeisv-3569380356438005" 200 $J '{"status":"BLACKLISTED"}'
q "grey IMEISV" "pei=imeisv-3500000100000101" 200 $J '{"status":"GREYLISTED"}'
q "white entry" "pei=imeisv-3500000100000201" 200 $J '{"status":"WHITELISTED"}'
q "pair exception: black IMEI with its owner's SUPI" "pei=imei-356938035643809&supi=imsi-001010000000001" \
	200 $J '{"status":"WHITELISTED"}'
q "pair exception: another SUPI" "pei=imei-356938035643809&supi=imsi-001010000000002" 200 $J '{"status":"BLACKLISTED"}'
q "non-IMSI SUPI is accepted and not used" "pei=imei-356938035643809&supi=nai-user@example.org" \
	200 $J '{"status":"BLACKLISTED"}'
q "range" "pei=imeisv-3500000400015001" 200 $J '{"status":"BLACKLISTED"}'
q "IMEI on no list: default verdict" "pei=imeisv-3599999900000101" 200 $J '{"status":"WHITELISTED"}'
q "gpsi and supported-features accepted" \
	"pei=imei-356938035643809&gpsi=msisdn-4915112345678&supported-features=0A&supi=imsi-001010000000002" \
	200 $J '{"status":"BLACKLISTED"}'
q "gpsi extid accepted" "pei=imei-356938035643809&gpsi=extid-abc%40example.org" 200 $J '{"status":"BLACKLISTED"}'
q "percent-encoded PEI" "pei=imei%2D356938035643809" 200 $J '{"status":"BLACKLISTED"}'
q "parameters in any order" "supi=imsi-001010000000001&pei=imei-356938035643809" 200 $J '{"status":"WHITELISTED"}'
q "other PEI (MAC): unknown by default" "pei=mac-00-11-22-33-44-55" 404 $P "$UNKNOWN"

# --- 400 ---
q "pei missing" "" 400 $P "$(bad400 MANDATORY_QUERY_PARAM_MISSING pei missing)"
q "pei missing, supi given" "supi=imsi-001010000000001" 400 $P "$(bad400 MANDATORY_QUERY_PARAM_MISSING pei missing)"
q "pei empty" "pei=" 400 $P "$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei empty)"
q "imei- with 14 digits" "pei=imei-35693803564380" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'imei- must be followed by 15 digits')"
q "imei- with a letter" "pei=imei-35693803564380A" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'imei- must be followed by 15 digits')"
q "imeisv- with 15 digits" "pei=imeisv-356938035643800" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'imeisv- must be followed by 16 digits')"
q "pei twice" "pei=imei-356938035643809&pei=imei-356938035643809" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'repeated or badly percent-encoded')"
q "pei with a broken percent escape" "pei=imei-35693803564380%G9" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'repeated or badly percent-encoded')"
q "pei with an encoded NUL" "pei=imei-35693803564380%009" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'repeated or badly percent-encoded')"
q "supi imsi- too short" "pei=imei-356938035643809&supi=imsi-1234" 400 $P \
	"$(bad400 OPTIONAL_QUERY_PARAM_INCORRECT supi 'imsi- must be followed by 5 to 15 digits')"
q "supi imsi- with a letter" "pei=imei-356938035643809&supi=imsi-00101000000000x" 400 $P \
	"$(bad400 OPTIONAL_QUERY_PARAM_INCORRECT supi 'imsi- must be followed by 5 to 15 digits')"
q "supi empty" "pei=imei-356938035643809&supi=" 400 $P \
	"$(bad400 OPTIONAL_QUERY_PARAM_INCORRECT supi 'imsi- must be followed by 5 to 15 digits')"
q "gpsi msisdn- not digits" "pei=imei-356938035643809&gpsi=msisdn-12ab5" 400 $P \
	"$(bad400 OPTIONAL_QUERY_PARAM_INCORRECT gpsi 'not msisdn-<5 to 15 digits> or extid-<id>@<domain>')"
q "gpsi extid- without @" "pei=imei-356938035643809&gpsi=extid-abc" 400 $P \
	"$(bad400 OPTIONAL_QUERY_PARAM_INCORRECT gpsi 'not msisdn-<5 to 15 digits> or extid-<id>@<domain>')"
q "supported-features not hex" "pei=imei-356938035643809&supported-features=xyz" 400 $P \
	"$(bad400 OPTIONAL_QUERY_PARAM_INCORRECT supported-features 'not hexadecimal')"
q "unknown parameter" "pei=imei-356938035643809&colour=red" 400 $P \
	"$(bad400 INVALID_QUERY_PARAM colour 'not a parameter of this operation')"
q "unknown parameter with a quote in its name is escaped" "pei=imei-356938035643809&a%22b=1" 400 $P \
	"$(bad400 INVALID_QUERY_PARAM 'a\"b' 'not a parameter of this operation')"
q "mandatory beats optional, every bad parameter listed" "pei=imei-1&supi=imsi-1" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_INCORRECT","invalidParams":'\
'[{"param":"query pei","reason":"imei- must be followed by 15 digits"},'\
'{"param":"query supi","reason":"imsi- must be followed by 5 to 15 digits"}]}'

q "mandatory beats optional: bad pei and gpsi" "gpsi=msisdn-1&pei=imei-1" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_INCORRECT","invalidParams":'\
'[{"param":"query pei","reason":"imei- must be followed by 15 digits"},'\
'{"param":"query gpsi","reason":"not msisdn-<5 to 15 digits> or extid-<id>@<domain>"}]}'
q "mandatory beats optional: missing pei, bad supported-features" "supported-features=xyz" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_MISSING","invalidParams":'\
'[{"param":"query pei","reason":"missing"},{"param":"query supported-features","reason":"not hexadecimal"}]}'
# an unknown parameter beside a bad known one (named first in the query): the known one's cause wins, both listed
U='{"param":"query colour","reason":"not a parameter of this operation"}'
q "unknown parameter and a missing pei: MANDATORY_QUERY_PARAM_MISSING" "colour=red" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_MISSING","invalidParams":'\
'[{"param":"query pei","reason":"missing"},'"$U]}"
q "unknown parameter and a bad pei: MANDATORY_QUERY_PARAM_INCORRECT" "colour=red&pei=imei-1" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_INCORRECT","invalidParams":'\
'[{"param":"query pei","reason":"imei- must be followed by 15 digits"},'"$U]}"
q "unknown parameter and a bad supi: OPTIONAL_QUERY_PARAM_INCORRECT" \
	"colour=red&pei=imei-356938035643809&supi=imsi-1" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"OPTIONAL_QUERY_PARAM_INCORRECT","invalidParams":'\
'[{"param":"query supi","reason":"imsi- must be followed by 5 to 15 digits"},'"$U]}"
q "unknown parameter and a bad gpsi: OPTIONAL_QUERY_PARAM_INCORRECT" \
	"colour=red&pei=imei-356938035643809&gpsi=msisdn-1" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"OPTIONAL_QUERY_PARAM_INCORRECT","invalidParams":'\
'[{"param":"query gpsi","reason":"not msisdn-<5 to 15 digits> or extid-<id>@<domain>"},'"$U]}"
q "unknown parameter and a bad supported-features: OPTIONAL_QUERY_PARAM_INCORRECT" \
	"colour=red&pei=imei-356938035643809&supported-features=xyz" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"OPTIONAL_QUERY_PARAM_INCORRECT","invalidParams":'\
'[{"param":"query supported-features","reason":"not hexadecimal"},'"$U]}"

# a name that comes back escaped to six bytes a byte (64 x %01: 384 bytes of \u0001) stays whole, valid JSON
n01=$(printf '%%01%.0s' $(seq 64))
u01=$(printf '\\u0001%.0s' $(seq 64))
q "64 x %01 as a parameter name, no pei: the whole name escaped, valid JSON" "$n01=1" 400 $P \
	'{"title":"Bad Request","status":400,"cause":"MANDATORY_QUERY_PARAM_MISSING","invalidParams":'\
'[{"param":"query pei","reason":"missing"},{"param":"query '"$u01"'","reason":"not a parameter of this operation"}]}'
# the longest 400 there is: every parameter bad, and that name; JSON decoded and compared (python's json)
h2 longest "$SBI_URL?pei=imeisv-1&supi=imsi-1&gpsi=msisdn-x&supported-features=z&$n01=1"
got=$(/usr/bin/python3 -c 'import json, sys
b = json.load(open(sys.argv[1]))
r = ["param", "reason"]
want = {"title": "Bad Request", "status": 400, "cause": "MANDATORY_QUERY_PARAM_INCORRECT", "invalidParams": [
    dict(zip(r, ["query pei", "imeisv- must be followed by 16 digits"])),
    dict(zip(r, ["query supi", "imsi- must be followed by 5 to 15 digits"])),
    dict(zip(r, ["query gpsi", "not msisdn-<5 to 15 digits> or extid-<id>@<domain>"])),
    dict(zip(r, ["query supported-features", "not hexadecimal"])),
    dict(zip(r, ["query " + "\x01" * 64, "not a parameter of this operation"]))]}
print("same" if b == want else "differs: %r" % b)' "$T/longest.body" 2>&1)
check "every parameter bad and 64 x %01: valid JSON, all of it ($(wc -c < "$T/longest.body") bytes: $got)" \
	[ "$got" = same ]
for ch in 22 5C FF 7F 0A; do
	h2 esc "$SBI_URL?pei=imei-1&supi=imsi-1&gpsi=msisdn-x&supported-features=z&$(printf "%%$ch%.0s" $(seq 64))=1"
	got=$(/usr/bin/python3 -c 'import json, sys
p = json.load(open(sys.argv[1]))["invalidParams"][-1]["param"]
print("same" if p == "query " + chr(int(sys.argv[2], 16)) * 64 else "differs: %r" % p)' "$T/esc.body" "$ch" 2>&1)
	check "every parameter bad and 64 x %$ch: valid JSON, the name whole ($got)" [ "$got" = same ]
done

# --- 404, 405, 414, 431 ---
NOTFOUND='{"title":"Not Found","status":404,"detail":"no such resource; this server has '\
'/n5g-eir-eic/v1/equipment-status","cause":"RESOURCE_URI_STRUCTURE_NOT_FOUND"}'
for path in / /n5g-eir-eic/v1 /n5g-eir-eic/v2/equipment-status /n5g-eir-eic/v1/equipment-status/x \
	/n5g-eir-eic/v1/equipment-statusx; do
	h2 path "http://127.0.0.1:$SBI_PORT$path?pei=imei-356938035643809"
	expect "404 for $path" path 404 $P "$NOTFOUND"
done
M405='{"title":"Method Not Allowed","status":405,"detail":"equipment-status allows GET only"}'
for m in POST PUT DELETE PATCH HEAD; do
	if [ $m = HEAD ]; then h2 m "$SBI_URL?pei=imei-356938035643809" -I; else
		h2 m "$SBI_URL?pei=imei-356938035643809" -X $m; fi
	if [ $m = HEAD ]; then
		check "HEAD: 405" grep -q "^HTTP/2 405" "$T/m.hdr"
	else
		expect "$m: 405" m 405 $P "$M405"
	fi
	check "$m: Allow: GET" grep -qi "^allow: GET" "$T/m.hdr"
done
h2 post "$SBI_URL?pei=imei-356938035643809" --data-binary '{"x":1}' -H 'content-type: application/json'
expect "POST with a body: 405" post 405 $P "$M405"
long=$($PY -c 'print("9" * 3000)')
q "URI longer than max-uri-length: 414" "pei=imei-$long" 414 $P \
	'{"title":"URI Too Long","status":414,"detail":"the request URI is longer than this server accepts"}'
big=$($PY -c 'print("x" * 9000)')
h2 big "$SBI_URL?pei=imei-356938035643809" -H "x-big: $big"
expect "header block above max-header-size: 431" big 431 $P '{"title":"Request Header Fields Too Large","status":431}'
q "the connection limits reject nothing afterwards" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'

# --- HTTP/1.x: 505, then the connection closes ---
H1_BODY='{"title":"HTTP Version Not Supported","status":505,'\
'"detail":"HTTP/2 only: prior knowledge, or TLS with ALPN h2"}'
out=$(curl -sS -i --http1.1 --max-time 10 "$SBI_URL?pei=imei-356938035643809")
check "HTTP/1.1: curl exits 0" [ $? -eq 0 ]
check "HTTP/1.1: status line 505" has "$(printf '%s\n' "$out" | head -n 1)" "^HTTP/1.1 505 HTTP Version Not Supported"
check "HTTP/1.1: problem body" sh -c 'printf "%s\n" "$1" | tail -n 1 | grep -qF "$2"' _ "$out" "$H1_BODY"
out=$(curl -sS -i --http2 --max-time 10 "$SBI_URL?pei=imei-356938035643809")
check "HTTP/1.1 with Upgrade: h2c: 505 too" sh -c 'printf "%s\n" "$1" | head -n 1 | grep -q "^HTTP/1.1 505"' _ "$out"
out=$($PY - "$SBI_PORT" <<'PYEOF'
import socket, sys
s = socket.create_connection(("127.0.0.1", int(sys.argv[1])))
s.settimeout(5)
s.sendall(b"GET / HTTP/1.0\r\n\r\n")
data = b""
while True:
    d = s.recv(4096)
    if not d:
        break
    data += d
print(data.split(b"\r\n")[0].decode(), "+ EOF")
PYEOF
)
check "HTTP/1.0 by hand: 505 and the server closes (no hang)" \
	[ "$out" = "HTTP/1.1 505 HTTP Version Not Supported + EOF" ]
q "still serving" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'

# --- counters, log, VTY ---
out=$(vty "show rate-counters")
for ctr in "rsp:blacklisted" "rsp:greylisted" "rsp:whitelisted" "rsp:unknown" "rsp:400" "rsp:404_path" "rsp:405" \
	"rsp:414" "rsp:431" "conn:http1" "req:rx"; do
	n=$(sbi_ctr "$out" "$ctr")
	check "rate counter sbi $ctr counted ($n)" [ "${n:-0}" -gt 0 ]
done
check "BLACKLISTED answers are logged with IMEI, IMSI and client" \
	grep -q "BLACKLISTED IMEI 35693803564380 IMSI 001010000000002 SV -1 client 127.0.0.1:" "$EIR_LOG"
check "GREYLISTED answers are logged with SV" grep -q "GREYLISTED IMEI 35000001000001 IMSI - SV 1 client" "$EIR_LOG"
out=$(vty "show running-config")
check "config write: sbi listen" has "$out" "^ listen 127.0.0.1 $SBI_PORT\$"
check "config write: defaults left out" hasnt "$out" "max-connections\|idle-timeout\|pei-other"
check "clean shutdown (exit 0, no sanitizer report)" eir_stop

# --- policies: unknown default verdict, other PEIs, limits written back ---
rm -rf "$T/store"
sbi_start " pei-other reject
 max-connections 2
 idle-timeout 60
 max-uri-length 100" " default-verdict unknown" || exit 1
q "IMEI on no list with default-verdict unknown: 404" "pei=imeisv-3599999900000101" 404 $P "$UNKNOWN"
q "pei-other reject: MAC gives 400" "pei=mac-00-11-22-33-44-55" 400 $P \
	"$(bad400 MANDATORY_QUERY_PARAM_INCORRECT pei 'only imei- and imeisv- are accepted')"
q "max-uri-length 100" "pei=imei-356938035643809&gpsi=msisdn-$($PY -c 'print("1" * 80)')" 414 $P \
	'{"title":"URI Too Long","status":414,"detail":"the request URI is longer than this server accepts"}'
out=$(vty "show running-config")
for l in "pei-other reject" "max-connections 2" "idle-timeout 60" "max-uri-length 100"; do
	check "config write: $l" has "$out" "^ $l\$"
done
# max-connections 2, both taken by connections that sent nothing: a third is answered all the same, the oldest
# silent one making room (more in lockout.sh)
$PY - "$SBI_PORT" > "$T/hold.out" 2>&1 <<'PYEOF' &
import socket, sys, time
ss = [socket.create_connection(("127.0.0.1", int(sys.argv[1]))) for _ in range(2)]
print("holding", flush=True)
time.sleep(3)
PYEOF
hold=$!
i=0
while ! grep -q holding "$T/hold.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
sleep 0.3
q "max-connections reached by silent connections: a third is answered" "pei=imei-356938035643809" 200 $J \
	'{"status":"BLACKLISTED"}'
wait $hold
out=$(vty "show rate-counters")
check_ctr "$out" conn:evicted -eq 1
check "clean shutdown" eir_stop
rm -rf "$T/store"

sbi_start " pei-other greylisted" || exit 1
q "pei-other greylisted" "pei=eui-00-11-22-33-44-55-66-77" 200 $J '{"status":"GREYLISTED"}'
check "clean shutdown" eir_stop
rm -rf "$T/store"

# --- the store cannot be read (a corrupt record written behind osmo-eir's back, as in tests/s13/errors.sh) ---
if command -v mdb_load >/dev/null 2>&1; then
	for mode in error greylisted; do
		sbi_start "" " store-unavailable $mode" || exit 1
		printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 20769c7b6d5d\n 0300\nDATA=END\n' |
			mdb_load -s imei -T "$T/store/local" 2>/dev/null ||
			printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 20769c7b6d5d\n 0300\nDATA=END\n' |
			mdb_load -s imei "$T/store/local"
		if [ $mode = error ]; then
			q "store unreadable: 503" "pei=imeisv-3569380356438101" 503 $P \
				'{"title":"Service Unavailable","status":503,'\
'"detail":"the equipment store cannot be read"}'
		else
			q "store unreadable, store-unavailable greylisted: 200 GREYLISTED" \
				"pei=imeisv-3569380356438101" 200 $J '{"status":"GREYLISTED"}'
		fi
		q "other IMEIs still answered" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
		check "clean shutdown" eir_stop
		rm -rf "$T/store"
	done
else
	echo "# mdb_load missing: store failure not tested"
fi

# --- IPv6 ---
if $PY -c 'import socket; socket.socket(socket.AF_INET6).bind(("::1", 0))' 2>/dev/null; then
	P6=$(free_port)
	eir_start "" "" "sbi
 listen ::1 $P6" || exit 1
	i=0
	while ! grep -q "N5g-eir on ::1:$P6" "$EIR_LOG" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
	out=$(curl -sS -g --http2-prior-knowledge --max-time 10 \
		"http://[::1]:$P6/n5g-eir-eic/v1/equipment-status?pei=imei-356938035643809")
	check "IPv6 (listen ::1): 200 BLACKLISTED" [ "$out" = '{"status":"BLACKLISTED"}' ]
	check "IPv6: the client is logged as [::1]:PORT" \
		grep -q "BLACKLISTED IMEI 35693803564380 IMSI - SV -1 client \[::1\]:" "$EIR_LOG"
	check "clean shutdown" eir_stop
	rm -rf "$T/store"
else
	echo "# no IPv6 loopback: IPv6 not tested"
fi

# --- configuration errors ---
{ eir_ports_cfg; printf 'sbi\n listen 127.0.0.1 %s\n tls certificate /nonexistent.pem\n' "$(free_port)"; } \
	> "$T/bad.cfg"
eir_store "$T/store2" >/dev/null
"$EIR" -c "$T/bad.cfg" -l "$T/store2" > "$T/bad.log" 2>&1
check "TLS certificate without key: exit non-zero" [ $? -ne 0 ]
check "and says why" grep -q "TLS needs both" "$T/bad.log"
finish
