#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Hostile clients (tests/slow/hostile.py) against a running osmo-eir, one attack at a time: 10,000 idle Diameter
# connections, a CER dripped byte by byte, an HTTP/2 stream flood, rapid resets, endless CONTINUATION, a 20 MiB VTY
# line, telnet IAC spam, CTRL garbage. During each, an MME (S13), an AMF (N5g-eir) and an operator (VTY) are
# still answered; after each, osmo-eir's open fds are back where they were and its RSS grew by less than
# HOSTILE_RSS_MIB (default 64). The CPU time each attack cost is printed, not judged.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
H="$PY $top_srcdir/tests/slow/hostile.py"
ECR="$top_srcdir/contrib/s13-ecr.py"
RSS_MIB=${HOSTILE_RSS_MIB:-64}
CONNS=${HOSTILE_CONNS:-10000}

[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
# room for 10,000 connections on both sides (the packaged unit sets LimitNOFILE likewise)
ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)"
sbi_start "" || exit 1

rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$EIR_PID/status"; }
fds() { ls "/proc/$EIR_PID/fd" | wc -l; }
cpu_ms() { awk '{ print ($14 + $15) * 10 }' "/proc/$EIR_PID/stat"; }

# served WHAT: the MME, the AMF and the operator each get their answer now
served() {
	local e s v
	e=$($PY "$ECR" --port "$EIR_PORT" --realm example.org --dest-realm example.org 35693803564380 2>&1 | cut -d' ' -f1)
	h2 served "$SBI_URL?pei=imei-356938035643809"
	s=$(cat "$T/served.body")
	v=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment imei 35693803564380" 2>&1 | grep -c BLACKLISTED)
	check "$1: S13 answered ($e), N5g-eir answered ($s), the VTY answered" \
		[ "$e" = BLACKLISTED ] && [ "$s" = '{"status":"BLACKLISTED"}' ] && [ "$v" -ge 1 ]
}

fd0=$(fds)
served "before"
# attack NAME HOSTILE_ARGS...: run it to its end, then check fds and RSS
attack() {
	# not "name": lib-sbi.sh's h2 sets that one
	local aname=$1 r0 c0 r1 c1 f1 i
	shift
	r0=$(rss)
	c0=$(cpu_ms)
	$H "$@" > "$T/$aname.out" 2>&1 &
	local pid=$!
	sleep 1
	served "during $aname"
	wait $pid
	i=0
	while [ "$(fds)" -gt "$fd0" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
	r1=$(rss)
	c1=$(cpu_ms)
	f1=$(fds)
	echo "# $aname: $(tr '\n' ' ' < "$T/$aname.out")| RSS $r0 -> $r1 KiB, CPU $((c1 - c0)) ms"
	check "$aname: fds back to $fd0 afterwards ($f1)" [ "$f1" -le "$fd0" ]
	check "$aname: RSS grew by less than $RSS_MIB MiB ($(((r1 - r0) / 1024)) MiB)" [ $((r1 - r0)) -lt $((RSS_MIB * 1024)) ]
	served "after $aname"
}

# the idle connections are held while the others are served, then let go
r0=$(rss)
c0=$(cpu_ms)
exec 3> >($H diam-conns "$EIR_PORT" "$CONNS" > "$T/conns.out" 2>&1)
i=0
while ! grep -q "^sent\|failed" "$T/conns.out" 2>/dev/null && [ $i -lt 600 ]; do sleep 0.1; i=$((i + 1)); done
r1=$(rss)
echo "# $CONNS idle Diameter connections: $(cat "$T/conns.out" | tr '\n' ' ')| osmo-eir holds $(($(fds) - fd0)) more fds," \
	"RSS $r0 -> $r1 KiB, CPU $(($(cpu_ms) - c0)) ms"
served "while $CONNS Diameter connections sit idle"
check "idle Diameter connections: RSS grew by less than $RSS_MIB MiB ($(((r1 - r0) / 1024)) MiB)" \
	[ $((r1 - r0)) -lt $((RSS_MIB * 1024)) ]
exec 3>&-
i=0
while [ "$(fds)" -gt "$fd0" ] && [ $i -lt 200 ]; do sleep 0.1; i=$((i + 1)); done
check "idle Diameter connections: fds back to $fd0 once they are gone ($(fds))" [ "$(fds)" -le "$fd0" ]

attack diam-drip diam-drip "$EIR_PORT" 40
attack h2-streams h2-streams "$SBI_PORT" 20000
attack h2-reset h2-reset "$SBI_PORT" 20000
attack h2-cont h2-cont "$SBI_PORT" 20000
attack vty-line vty-line "$EIR_VTY_PORT" 20480
check "vty-line: the VTY closes the connection" grep -q "^closed" "$T/vty-line.out"
attack vty-iac vty-iac "$EIR_VTY_PORT" 2048
attack ctrl-garbage ctrl-garbage "$EIR_CTRL_PORT" 10000
check "clean shutdown (exit 0, no sanitizer report)" eir_stop
finish
