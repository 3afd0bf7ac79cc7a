# SPDX-License-Identifier: AGPL-3.0-or-later
# For the S13 shell tests (source after tests/lib.sh): start osmo-eir on free ports with a store of sample
# entries, and stop it again. Everything listens on 127.0.0.1 only.
EIR="$top_builddir/src/osmo-eir/osmo-eir"

# free_port [N]: print N (default 1) distinct TCP ports nobody listens on (the kernel picks them, all bound at once
# so that no two are the same)
free_port() {
	/usr/bin/python3 -c 'import socket, sys
s = [socket.socket() for i in range(int(sys.argv[1]))]
for x in s:
    x.bind(("127.0.0.1", 0))
print(" ".join(str(x.getsockname()[1]) for x in s))' "${1:-1}"
}

# The test store: one entry per verdict, a pair, a range.
#   35693803564380 black, 35000001000001 grey, 35000001000002 white,
#   pair (35693803564380, 001010000000001) white, range 35000004000100..35000004000199 black
eir_store() {
	"$EIR_DB" -l "$1" create >/dev/null &&
	"$EIR_DB" -l "$1" add imei 35693803564380 black Reported stolen >/dev/null &&
	"$EIR_DB" -l "$1" add imei 35000001000001 grey Under investigation >/dev/null &&
	"$EIR_DB" -l "$1" add imei 35000001000002 white Recovered >/dev/null &&
	"$EIR_DB" -l "$1" add pair 35693803564380 001010000000001 white Owner >/dev/null &&
	"$EIR_DB" -l "$1" add range 35000004000100 35000004000199 black Counterfeit >/dev/null ||
	{ echo "# cannot make the test store with $EIR_DB"; return 1; }
}

# eir_counter NAME: the value of the running osmo-eir's rate counter NAME (show rate-counters on its VTY)
eir_counter() {
	/usr/bin/python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show rate-counters" | tr -d '\r' |
		sed -n "s/^ *$1: *\([0-9]*\) .*/\1/p"
}

# eir_filter_trusted PART: whether the running osmo-eir's lookup filter of PART (local, national) is trusted
eir_filter_trusted() {
	/usr/bin/python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment summary" | tr -d '\r' |
		grep -q "^  $1 *lookup filter: .*, trusted,"
}

# eir_ports_cfg: the VTY, CTRL and S13 on free ports, for a config that must fail on something else (the defaults,
# 4290, 4291 and 3868, may be taken by another osmo-eir on this machine)
eir_ports_cfg() {
	local vty ctrl s13
	read -r vty ctrl s13 <<PORTS
$(free_port 3)
PORTS
	printf 'line vty\n bind 127.0.0.1 %s\neir\n ctrl-port %s\ndiameter\n listen 127.0.0.1 %s\n' "$vty" "$ctrl" "$s13"
}

# eir_start [EXTRA_DIAMETER_CONFIG_LINES] [EXTRA_EIR_CONFIG_LINES] [MORE_CONFIG (other nodes, appended at the end)]
# (top-level config lines before the eir node: $EIR_TOP_CFG; more options of osmo-eir: $EIR_ARGS)
# sets EIR_PORT, EIR_VTY_PORT, EIR_CTRL_PORT, EIR_PID, EIR_LOG; the store is $T/store
eir_start() {
	read -r EIR_PORT EIR_VTY_PORT EIR_CTRL_PORT <<PORTS
$(free_port 3)
PORTS
	EIR_LOG="$T/osmo-eir.log"
	[ -d "$T/store" ] || eir_store "$T/store" || return 1
	cat > "$T/osmo-eir.cfg" <<CFG
log stderr
 logging filter all 1
 logging color 0
 logging print category 1
 logging print extended-timestamp 1
 logging level set-all notice
 logging level diam info
line vty
 bind 127.0.0.1 $EIR_VTY_PORT
${EIR_TOP_CFG:-}
eir
 ctrl-port $EIR_CTRL_PORT
${2:-}
diameter
 origin-host eir.example.org
 origin-realm example.org
 listen 127.0.0.1 $EIR_PORT
${1:- unknown-peers accept}
${3:-}
CFG
	"$EIR" ${EIR_ARGS:-} -c "$T/osmo-eir.cfg" -l "$T/store" > "$EIR_LOG" 2>&1 &
	EIR_PID=$!
	i=0
	while ! grep -q "S13 on 127.0.0.1:$EIR_PORT" "$EIR_LOG" 2>/dev/null; do
		i=$((i + 1))
		if [ $i -gt 100 ] || ! kill -0 $EIR_PID 2>/dev/null; then
			echo "# osmo-eir did not start:"
			sed 's/^/#   /' "$EIR_LOG"
			return 1
		fi
		sleep 0.1
	done
}

# eir_stop: SIGTERM, wait; returns osmo-eir's exit status (0 = clean shutdown, no sanitizer report)
# eir_cpu: the running osmo-eir's CPU time so far (user + system, all threads), in clock ticks
eir_cpu() { awk '{ print $14 + $15 }' "/proc/$EIR_PID/stat"; }

eir_stop() {
	kill -TERM $EIR_PID 2>/dev/null
	wait $EIR_PID
	rc=$?
	if grep -q "ERROR: \(Address\|Leak\)Sanitizer\|runtime error:" "$EIR_LOG"; then
		echo "# sanitizer report in the osmo-eir log:"
		sed 's/^/#   /' "$EIR_LOG" | tail -40
		return 1
	fi
	return $rc
}

# tshark_usable: 0 when tshark is there and may capture on lo; else prints why (SKIP) and returns 77
tshark_usable() {
	command -v tshark >/dev/null 2>&1 || { echo "SKIP: no tshark"; return 77; }
	if ! tshark -D 2>"$T/D.err" | grep -q '^[0-9]*\. lo\b'; then
		echo "SKIP: tshark cannot capture on lo (not permitted?):"
		sed 's/^/#   /' "$T/D.err"
		return 77
	fi
}

# cap_start PCAP BPF STOP: capture on lo into PCAP until cap_stop (sets TS_PID); ready once tshark has written the
# file header (dumpcap does it when the capture is open). When tshark cannot capture, runs STOP (the caller's
# cleanup) and exits: 77 (SKIP) when capturing is not permitted, else the test fails.
cap_start() {
	cap_open "$1" "$2"
	rc=$?
	[ $rc -eq 0 ] && return 0
	$3
	[ $rc -eq 77 ] && exit 77
	not_ok "tshark started capturing within 10 s"
	finish
}

cap_open() {
	tshark -i lo -f "$2" -F pcap -w "$1" > "$T/tshark.out" 2> "$T/tshark.err" &
	TS_PID=$!
	i=0
	while [ "$(stat -c %s "$1" 2>/dev/null || echo 0)" -eq 0 ]; do
		i=$((i + 1))
		if ! kill -0 $TS_PID 2>/dev/null || [ $i -gt 100 ]; then
			kill -INT $TS_PID 2>/dev/null
			wait $TS_PID 2>/dev/null
			if grep -qi "permission\|not permitted" "$T/tshark.err"; then
				echo "SKIP: capture on lo not permitted:"
				grep -i "permission\|not permitted" "$T/tshark.err" | head -n 2 | sed 's/^/#   /'
				return 77
			fi
			echo "# tshark did not start capturing within 10 s:"
			sed 's/^/#   /' "$T/tshark.err"
			return 1
		fi
		sleep 0.1
	done
}

# cap_stop: stop the capture with SIGINT, wait at most 10 s; returns 0 when tshark ended cleanly
cap_stop() {
	kill -INT $TS_PID
	i=0
	while kill -0 $TS_PID 2>/dev/null && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	if kill -0 $TS_PID 2>/dev/null; then
		kill -KILL $TS_PID
		wait $TS_PID
		echo "# tshark did not stop on SIGINT within 10 s"
		return 1
	fi
	wait $TS_PID
}
