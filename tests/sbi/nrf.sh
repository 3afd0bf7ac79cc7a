#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# NRF registration against an HTTP/2 NRF stand-in (nrf_standin.py, python3-h2) that records each request:
# the NFProfile of the PUT (nfServiceList beside nfServices, apiFullVersion), the User-Agent of every request, the
# heartbeat PATCHes (body, and their pace following the NRF's heartBeatTimer rather than the one asked for), the
# DELETE on SIGTERM; an IPv6 advertise-address; a wildcard address to advertise refused at start; an NRF that is
# down stops nothing. (An https:// NRF: nrf-tls.sh.)
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
sbi_need_h2
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

ID=3f0c7b1e-0b5d-4c4e-9a53-5e1d2f6a7b80
NRF_PORT=$(free_port)
$PY "$top_srcdir/tests/sbi/nrf_standin.py" "$NRF_PORT" "$T/nrf.log" 1 > "$T/nrf.out" 2>&1 &
nrf=$!
trap 'kill $nrf 2>/dev/null; rm -rf "$T"' EXIT
i=0
while ! grep -q listening "$T/nrf.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done

# ask for 30 s; the stand-in answers heartBeatTimer 1, which must win
sbi_start " nrf uri http://127.0.0.1:$NRF_PORT
 nrf nf-instance-id $ID
 nrf heartbeat 30" || exit 1
i=0
while [ "$(grep -c '"PATCH"' "$T/nrf.log" 2>/dev/null)" -lt 3 ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
q "served while registered" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
out=$(vty "show stats")
check "stat item sbi nrf:registered is 1" has "$out" "Registered with the NRF (1) or not (0): *1"
check "log: registered, heartbeat every 1 s" grep -q "registered as 5G_EIR $ID (201), heartbeat every 1 s" "$EIR_LOG"
out=$(vty "show running-config")
check "config write: nrf uri" has "$out" "^ nrf uri http://127.0.0.1:$NRF_PORT\$"
check "clean shutdown" eir_stop

$PY - "$T/nrf.log" "$ID" "$SBI_PORT" "$NRF_PORT" <<'PYEOF' > "$T/verdicts"
import json, sys
log, nf_id, port = sys.argv[1], sys.argv[2], int(sys.argv[3])
recs = [json.loads(l) for l in open(log)]
path = "/nnrf-nfm/v1/nf-instances/" + nf_id
def say(ok, what):
    print(("ok" if ok else "not ok") + " " + what)
put = recs[0]
say(put["method"] == "PUT" and put["path"] == path, "first request: PUT " + path)
say(put["content-type"] == "application/json", "PUT content-type application/json")
p = json.loads(put["body"])
say(p.get("nfInstanceId") == nf_id, "NFProfile nfInstanceId")
say(p.get("nfType") == "5G_EIR", "NFProfile nfType 5G_EIR")
say(p.get("nfStatus") == "REGISTERED", "NFProfile nfStatus REGISTERED")
say(p.get("ipv4Addresses") == ["127.0.0.1"], "NFProfile ipv4Addresses")
say(p.get("heartBeatTimer") == 30, "NFProfile asks for heartBeatTimer 30")
say(p.get("allowedNfTypes") == ["AMF"], "NFProfile allowedNfTypes AMF")
s = (p.get("nfServices") or [{}])[0]
say(s.get("serviceName") == "n5g-eir-eic" and s.get("serviceInstanceId"), "NFService n5g-eir-eic with an instance id")
say(s.get("versions", [{}])[0].get("apiVersionInUri") == "v1", "NFService version v1")
say(s.get("scheme") == "http" and s.get("nfServiceStatus") == "REGISTERED", "NFService scheme http, REGISTERED")
say(s.get("ipEndPoints") == [{"ipv4Address": "127.0.0.1", "transport": "TCP", "port": port}], "NFService ipEndPoints")
# TS 29.511 Rel-16 (OpenAPI 1.1.2) is what the server implements: it takes supported-features
say(s.get("versions") == [{"apiVersionInUri": "v1", "apiFullVersion": "1.1.2"}], "NFService apiFullVersion 1.1.2")
# TS 29.510 Rel-16 on: nfServiceList, a map keyed by serviceInstanceId (nfServices is deprecated)
sl = p.get("nfServiceList")
say(isinstance(sl, dict) and list(sl) == [s.get("serviceInstanceId")] and sl[s["serviceInstanceId"]] == s,
    "NFProfile nfServiceList: {serviceInstanceId: the NFService of nfServices}")
# TS 29.500 §5.2.2.2
say(all(r["user-agent"] == "5G_EIR-osmo-eir" for r in recs), "every request has User-Agent 5G_EIR-osmo-eir (%s)" %
    ", ".join(sorted(set(str(r["user-agent"]) for r in recs))))
say(all(r["scheme"] == "http" and r["authority"] == "127.0.0.1:%s" % sys.argv[4] for r in recs),
    "every request: :scheme http, :authority 127.0.0.1:PORT")
patches = [r for r in recs if r["method"] == "PATCH"]
say(len(patches) >= 3, "at least 3 heartbeats (%d)" % len(patches))
say(all(r["path"] == path and r["content-type"] == "application/json-patch+json" for r in patches),
    "heartbeat: PATCH " + path + ", application/json-patch+json")
say(all(json.loads(r["body"]) == [{"op": "replace", "path": "/nfStatus", "value": "REGISTERED"}] for r in patches),
    "heartbeat body: replace /nfStatus REGISTERED")
# the pace: the NRF's 1 s, not the 30 s asked for (generous bounds: the machine is shared)
gaps = [b["t"] - a["t"] for a, b in zip([put] + patches, patches)]
say(all(0.5 <= g <= 5 for g in gaps), "heartbeats follow the NRF's heartBeatTimer 1 (gaps %s s)" %
    ", ".join("%.2f" % g for g in gaps))
say(recs[-1]["method"] == "DELETE" and recs[-1]["path"] == path, "last request: DELETE " + path + " (on SIGTERM)")
say(sum(r["method"] == "PUT" for r in recs) == 1, "registered once")
PYEOF
while read -r verdict what; do
	if [ "$verdict" = ok ]; then ok "$what"; else not_ok "${what#ok }"; fi
done < "$T/verdicts"
check "the stand-in's checks ran" [ "$(wc -l < "$T/verdicts")" -eq 22 ]

# an NRF that lost the profile answers a heartbeat 404: osmo-eir registers again
kill $nrf
wait $nrf 2>/dev/null
NRF_PORT=$(free_port)
: > "$T/nrf2.log"
$PY "$top_srcdir/tests/sbi/nrf_standin.py" "$NRF_PORT" "$T/nrf2.log" 1 2 > "$T/nrf2.out" 2>&1 &
nrf=$!
i=0
while ! grep -q listening "$T/nrf2.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -rf "$T/store"
sbi_start " nrf uri http://127.0.0.1:$NRF_PORT
 nrf nf-instance-id $ID" || exit 1
i=0
while [ "$(grep -c '"PUT"' "$T/nrf2.log")" -lt 2 ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
seq=$($PY -c 'import json, sys; print(" ".join(json.loads(l)["method"] for l in open(sys.argv[1])))' "$T/nrf2.log")
check "heartbeat answered 404: registered again (PUT PATCH PATCH PUT ...: $seq)" \
	sh -c 'case "$1" in "PUT PATCH PATCH PUT"*) exit 0 ;; esac; exit 1' _ "$seq"
check "the log says so" grep -q "heartbeat answered 404: registering again" "$EIR_LOG"
check "clean shutdown" eir_stop
kill $nrf

# an NRF that is not there: osmo-eir serves all the same and stops at once
rm -rf "$T/store"
sbi_start " nrf uri http://127.0.0.1:$(free_port)" || exit 1
q "NRF down: still serving" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
sleep 0.3
out=$(vty "show rate-counters")
check_ctr "$out" nrf:fail -gt 0
check "NRF down: clean shutdown" eir_stop
# an NRF that accepts and never answers: given up after a few seconds, the server unharmed
SINK_PORT=$(free_port)
$PY - "$SINK_PORT" > "$T/sink.out" 2>&1 <<'PYEOF' &
import socket, sys, time
s = socket.socket()
s.bind(("127.0.0.1", int(sys.argv[1])))
s.listen(4)
print("listening", flush=True)
conns = []
end = time.monotonic() + 15
s.settimeout(0.5)
while time.monotonic() < end:
    try:
        conns.append(s.accept()[0])
    except socket.timeout:
        pass
PYEOF
sink=$!
i=0
while ! grep -q listening "$T/sink.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -rf "$T/store"
sbi_start " nrf uri http://127.0.0.1:$SINK_PORT" || exit 1
i=0
while ! grep -q "no answer within" "$EIR_LOG" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "a silent NRF: the request is given up" grep -q "NRF 127.0.0.1:$SINK_PORT: no answer within 3 s" "$EIR_LOG"
q "a silent NRF: still serving" "pei=imei-356938035643809" 200 $J '{"status":"BLACKLISTED"}'
check "a silent NRF: clean shutdown" eir_stop
kill $sink 2>/dev/null
wait $sink 2>/dev/null

{ eir_ports_cfg; printf 'sbi\n listen 127.0.0.1 %s\n nrf uri ftp://x\n' "$(free_port)"; } > "$T/bad.cfg"
"$EIR" -c "$T/bad.cfg" -l "$T/store" > "$T/bad.log" 2>&1
check "nrf uri other than http:// or https://: refused" [ $? -ne 0 ]

# an IPv6 address to advertise: ipv6Addresses and an ipv6Address end point
NRF_PORT=$(free_port)
: > "$T/nrf3.log"
$PY "$top_srcdir/tests/sbi/nrf_standin.py" "$NRF_PORT" "$T/nrf3.log" 1 > "$T/nrf3.out" 2>&1 &
nrf=$!
i=0
while ! grep -q listening "$T/nrf3.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
rm -rf "$T/store"
sbi_start " nrf uri http://127.0.0.1:$NRF_PORT
 nrf advertise-address ::1" || exit 1
i=0
while ! grep -q '"PATCH"' "$T/nrf3.log" && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
out=$(vty "show running-config")
check "config write: nrf advertise-address ::1" has "$out" "^ nrf advertise-address ::1\$"
check "IPv6 advertise-address: clean shutdown" eir_stop
kill $nrf
prof=$($PY -c 'import json, sys
p = json.loads(json.loads(open(sys.argv[1]).readline())["body"])
print(p.get("ipv4Addresses"), p.get("ipv6Addresses"), p["nfServiceList"]["n5g-eir-eic"]["ipEndPoints"])' "$T/nrf3.log")
check "IPv6 advertise-address: in the NFProfile ($prof)" [ "$prof" = \
	"None ['::1'] [{'ipv6Address': '::1', 'transport': 'TCP', 'port': $SBI_PORT}]" ]

# an NRF and a wildcard address to advertise: exit 1 at start, naming the setting; nothing listens
for cfg in "listen 0.0.0.0 PORT" "listen :: PORT" "listen 127.0.0.1 PORT
 nrf advertise-address 0.0.0.0" "listen 127.0.0.1 PORT
 nrf advertise-address ::"; do
	p=$(free_port)
	eir_ports_cfg > "$T/wild.cfg"
	printf 'sbi\n %s\n nrf uri http://127.0.0.1:%s\n' "$(echo "$cfg" | sed "s/PORT/$p/")" "$(free_port)" \
		>> "$T/wild.cfg"
	what=$(echo "$cfg" | tail -n 1 | sed 's/^ *//; s/ PORT$//')
	# (timeout: an osmo-eir that accepted the wildcard would run on)
	timeout 20 "$EIR" -c "$T/wild.cfg" -l "$T/store" > "$T/wild.log" 2>&1
	check "$what with an NRF: exit 1" [ $? -eq 1 ]
	check "$what with an NRF: says which setting to fix" grep -q \
		"sbi: '$what' is a wildcard address, .*: set 'nrf advertise-address' to this EIR's own address" \
		"$T/wild.log"
	check "$what with an NRF: the N5g-eir server never listened" sh -c '! grep -q "N5g-eir on" "$1"' _ "$T/wild.log"
done
finish
