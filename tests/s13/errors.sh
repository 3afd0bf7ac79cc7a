#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 on the wire against a raw client (s13_errors.py): the digest's vectors byte for byte, every error path,
# the peer ACL, a peer that stops reading, the watchdog, DPR on shutdown, the store failing, counters and the
# verdict log.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
C="$top_srcdir/tests/s13/s13_errors.py"

# vty CMD...: run VTY commands (enable first), print their output
vty() {
	$PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" enable "$@"
}

eir_start " unknown-peers accept
 served-realm served.example.com" || exit 1
$PY "$C" open "$EIR_PORT" || not_ok "open server: see the lines above"
# listen backlogs: SOMAXCONN (4096; the kernel caps it at net.core.somaxconn), not the libraries' 10
if command -v ss >/dev/null 2>&1; then
	want=$(cat /proc/sys/net/core/somaxconn)
	[ "$want" -gt 4096 ] && want=4096
	for p in "S13 $EIR_PORT" "CTRL $EIR_CTRL_PORT"; do
		set -- $p
		got=$(ss -Hltn "sport = :$2" | awk '{ print $3 }')
		check "$1 listens with a backlog of $want (got $got)" [ "$got" = "$want" ]
	done
else
	echo "# no ss: listen backlogs not checked"
fi
$PY "$C" rx_buffer "$EIR_PORT" "$EIR_PID" "$EIR_LOG" || not_ok "receive buffers: see the lines above"
out=$(vty "show rate-counters")
for ctr in "eca:blacklisted" "eca:greylisted" "eca:whitelisted" "eca:error" "answer:protocol_error" \
	"conn:proto_error" "cer:rejected" "ecr:bad_sv" "ecr:bad_user_name"; do
	n=$(printf '%s\n' "$out" | grep "$ctr" | head -n 1 | sed 's/.*: *\([0-9]*\).*/\1/')
	check "rate counter diameter $ctr counted ($n)" [ "${n:-0}" -gt 0 ]
done
check "BLACKLISTED answers are logged with IMEI, IMSI and peer" \
	grep -q "BLACKLISTED IMEI 35693803564380 IMSI 001010000000002 SV 5 peer mme.example.org" "$EIR_LOG"
check "a bad User-Name is logged as ignored" grep -q "ECR with invalid User-Name: .*: ignored, no pair exception" \
	"$EIR_LOG"
check "and the verdict line shows no IMSI for it" grep -q "BLACKLISTED IMEI 35693803564380 IMSI - SV 5 peer" "$EIR_LOG"
check "a bad Software-Version is logged as ignored" grep -q "ECR with invalid Software-Version (1 bytes): ignored" \
	"$EIR_LOG"
check "a foreign Destination-Realm is logged" grep -q "ECR for realm 'other.example.net', which is not served here" \
	"$EIR_LOG"
out=$(vty "show stats")
check "stat item of open peers shown, 0 after every peer left" sh -c 'echo "$1" | grep -q "Diameter peers in state OPEN: *0"' _ "$out"
out=$(vty "show diameter peers")
check "show diameter peers lists the header" sh -c 'echo "$1" | grep -q "origin-host"' _ "$out"
kill -USR1 $EIR_PID
sleep 0.5
check "SIGUSR1 writes a talloc report" grep -q "talloc report on 'osmo-eir'" "$EIR_LOG"

# the README's one-ECR command
E="$PY $top_srcdir/contrib/s13-ecr.py --port $EIR_PORT --origin-host mme9.example.org --realm example.org --dest-realm example.org"
check "s13-ecr.py: black entry" sh -c '[ "$($1 356938035643809)" = "BLACKLISTED (Result-Code 2001, Equipment-Status 1)" ]' _ "$E"
check "s13-ecr.py: pair" sh -c '[ "$($1 35693803564380 001010000000001)" = "WHITELISTED (Result-Code 2001, Equipment-Status 0)" ]' _ "$E"
check "s13-ecr.py: bad IMEI" sh -c '[ "$($1 3569380356438A)" = "ERROR (Result-Code 5004)" ]' _ "$E"
check "clean shutdown (exit 0, no sanitizer report)" eir_stop

# only configured peers; unknown equipment answered as such; a refused CER gets nothing but its CEA
rm -rf "$T/store"
eir_start " peer mme.example.org realm example.org
 peer mme3.example.org address 127.0.0.2
 peer mme4.example.org address 127.0.0.1" " default-verdict unknown" || exit 1
$PY "$C" acl "$EIR_PORT" || not_ok "acl server: see the lines above"
$PY "$C" refused "$EIR_PORT" || not_ok "refused peers: see the lines above"
n=$(vty "show rate-counters" | grep "conn:refused_rx" | head -n 1 | sed 's/.*: *\([0-9]*\).*/\1/')
check "what refused peers sent after their CER is counted in diameter conn:refused_rx ($n)" [ "${n:-0}" -ge 16 ]
check "and logged" grep -q "its CER was refused: dropping what it sends" "$EIR_LOG"
check "s13-ecr.py: unknown equipment" sh -c '[ "$($1 35999999000001)" = "UNKNOWN (Experimental-Result 5422)" ]' _ \
	"$PY $top_srcdir/contrib/s13-ecr.py --port $EIR_PORT --origin-host mme.example.org --realm example.org --dest-realm example.org"
check "clean shutdown" eir_stop

# a peer that sends faster than it reads is slowed down (its requests wait in TCP), not dropped
eir_start " unknown-peers accept
 max-send-queue 65536" || exit 1
$PY "$C" fast_sender "$EIR_PORT" || not_ok "fast sender: see the lines above"
check "clean shutdown" eir_stop

# a cap on connections that sockets without CER cannot use to lock the MMEs out
eir_start " unknown-peers accept
 max-connections 4" || exit 1
$PY "$C" conn_limit "$EIR_PORT" "$EIR_VTY_PORT" || not_ok "connection cap: see the lines above"
n=$(vty "show rate-counters" | grep "conn:limit" | head -n 1 | sed 's/.*: *\([0-9]*\).*/\1/')
check "connections closed at the cap counted in diameter conn:limit ($n)" [ "${n:-0}" -eq 2 ]
check "the refused one is logged" grep -q "max-connections 4 reached, all of them peers: new connection refused" \
	"$EIR_LOG"
check "clean shutdown" eir_stop

# bounded memory for a peer that does not read
eir_start " unknown-peers accept
 max-send-queue 65536
 send-stall-timeout 2" || exit 1
$PY "$C" slow_reader "$EIR_PORT" || not_ok "slow reader: see the lines above"
check "the slow reader is logged as closed for not reading" grep -q "peer does not read its answers" "$EIR_LOG"
check "clean shutdown" eir_stop

# watchdog: DWR after Tw of silence
eir_start " unknown-peers accept
 watchdog-timer 6" || exit 1
$PY "$C" watchdog "$EIR_PORT" 6 || not_ok "watchdog: see the lines above"
check "clean shutdown" eir_stop

# SIGTERM: DPR to the peers, then exit
eir_start || exit 1
: > "$T/shutdown.out"
$PY "$C" shutdown "$EIR_PORT" > "$T/shutdown.out" 2>&1 &
cpid=$!
i=0
while ! grep -q ready "$T/shutdown.out" && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "clean shutdown after DPR/DPA" eir_stop
wait $cpid
check "the peer saw DPR and the close" [ $? -eq 0 ]
grep -v '^ready' "$T/shutdown.out"

# the store fails to give a verdict (a corrupt record written behind osmo-eir's back with mdb_load)
if command -v mdb_load >/dev/null 2>&1; then
	for mode in error greylisted; do
		eir_start " unknown-peers accept" " store-unavailable $mode" || exit 1
		# IMEI 35693803564381 = 0x20769c7b6d5d; a 2-byte record where 10 are expected
		printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 20769c7b6d5d\n 0300\nDATA=END\n' |
			mdb_load -s imei -T "$T/store/local" 2>/dev/null ||
			printf 'VERSION=3\nformat=bytevalue\ntype=btree\nHEADER=END\n 20769c7b6d5d\n 0300\nDATA=END\n' |
			mdb_load -s imei "$T/store/local"
		if [ $mode = error ]; then
			$PY "$C" store_fail "$EIR_PORT" 35693803564381 || not_ok "store failure: see above"
			check "the failure is logged" grep -q "cannot read the store" "$EIR_LOG"
		else
			$PY "$C" store_fallback "$EIR_PORT" 35693803564381 || not_ok "store fallback: see above"
			check "the fallback verdict is logged as given by store-unavailable" \
				grep -q "GREYLISTED IMEI 35693803564381 IMSI - SV 5 peer mme.example.org .* by store-unavailable$" \
				"$EIR_LOG"
		fi
		check "clean shutdown" eir_stop
		rm -rf "$T/store"
	done
else
	echo "# mdb_load missing: store failure not tested"
fi

# a store that is not there is not made up: osmo-eir refuses to start
eir_ports_cfg > "$T/nostore.cfg"
"$EIR" -c "$T/nostore.cfg" -l "$T/no-such-store" > "$T/nostore.log" 2>&1
check "missing store: exit non-zero" [ $? -ne 0 ]
check "and says how to create one" grep -q "create" "$T/nostore.log"
check "and creates nothing" [ ! -e "$T/no-such-store" ]

# configuration errors are clear and fatal
printf 'diameter\n listen 127.0.0.1 %s\n bogus-command 1\n' "$(free_port)" > "$T/bad.cfg"
"$EIR" -c "$T/bad.cfg" -l "$T/store2" > "$T/bad.log" 2>&1
check "unknown config command: exit non-zero" [ $? -ne 0 ]
finish
