#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# VTY and CTRL sessions are capped ('eir' / 'vty max-sessions', 'ctrl max-sessions'): a script that leaks
# connections would otherwise take every descriptor, and then no MME or AMF could connect. One connection beyond the
# cap is closed at once (the VTY's with a line saying why), counted, logged; the sessions open go on; one that
# closes makes room; the caps are written back and can be changed on a running osmo-eir; a flood of connections is
# refused without spinning the loop, S13 answered throughout.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
imei=35693803564380
cat > "$T/expect.csv" <<CSV
$imei,,BLACKLISTED
35999999000001,,WHITELISTED
CSV

eir_start "" " vty max-sessions 3
 ctrl max-sessions 2" || exit 1
"$BENCH" -p "$EIR_PORT" -c 1 -w 4 -d 8 -r 2000 -i "$T/expect.csv" > "$T/bench.out" 2>&1 &
bench=$!
c0=$(eir_cpu)
PYTHONPATH="$top_srcdir/tests" $PY - "$EIR_VTY_PORT" "$EIR_CTRL_PORT" "$imei" > "$T/py.out" 2>&1 <<'PYEOF'
import re, socket, sys, time
from vty import Vty
from ctrl import Ctrl
vport, cport, imei = int(sys.argv[1]), int(sys.argv[2]), sys.argv[3]

def out(name, value):
    print("%s=%s" % (name, str(value).replace("\r", "").strip().replace("\n", " ")))

def refused(port, send=b""):
    """what a new connection got before the daemon closed it, or None when it stayed open for 3 s"""
    s = socket.create_connection(("127.0.0.1", port), timeout=3)
    got = b""
    try:
        if send:
            s.sendall(send)
        while True:
            d = s.recv(65536)
            if not d:
                return got.decode(errors="replace")
            got += d
    except (ConnectionResetError, BrokenPipeError):
        return got.decode(errors="replace")
    except socket.timeout:
        return None
    finally:
        s.close()

def stat(v, desc):
    m = re.search(re.escape(desc) + r":\s+(\d+)", v.cmd("show stats"))
    return int(m.group(1)) if m else -1

vs = [Vty(vport) for i in range(3)]
out("vty_open", stat(vs[0], "VTY connections open"))
out("vty_4th", refused(vport))
out("vty_3rd_answers", "BLACKLISTED" in vs[2].cmd("show equipment imei " + imei))
vs[1].s.sendall(b"exit\r\n")
while vs[1].s.recv(65536):
    pass
vs[1].close()
vs[2].close()
time.sleep(0.3)
out("vty_open_after_2_closed", stat(vs[0], "VTY connections open"))
vs[1] = Vty(vport)
vs[2] = Vty(vport)
out("vty_room_made", "BLACKLISTED" in vs[2].cmd("show equipment imei " + imei))
out("vty_4th_again", refused(vport))

cs = [Ctrl(cport) for i in range(2)]
out("ctrl_2nd_answers", cs[1].get("equipment.imei.%s.verdict" % imei)[1])
# the IPA frame of "GET 1 equipment.summary": a 3rd connection is closed before any reply
get = b"GET 1 equipment.summary"
out("ctrl_3rd", refused(cport, bytes([0, len(get) + 1, 0xEE, 0]) + get))
out("ctrl_open", stat(vs[0], "CTRL connections open"))
cs[0].s.close()
time.sleep(0.3)
out("ctrl_open_after_1_closed", stat(vs[0], "CTRL connections open"))
cs[0] = Ctrl(cport)
out("ctrl_room_made", cs[0].get("equipment.imei.%s.verdict" % imei)[1])
# each edit's audit record names its own connection, also the next one on the same descriptor
who = []
for i in range(2):
    c = Ctrl(cport) if i else cs[0]
    who.append("ctrl 127.0.0.1:%d" % c.s.getsockname()[1])
    c.set("equipment.imei.3500000900000%d.local" % i, "grey,audit")
    c.s.close()
    time.sleep(0.2)
cs[0] = Ctrl(cport)
vs[0].cmd("enable")
audit = vs[0].cmd("show audit last 2")
out("audit_who", " ".join("%s:%s" % (w, w + ": add imei 3500000900000%d" % i in audit) for i, w in enumerate(who)))

# a flood of connections beyond the caps: each closed at once
t = time.time()
n = sum(refused(vport) is not None for i in range(100)) + sum(refused(cport) is not None for i in range(100))
out("flood_closed", n)
out("flood_s", round(time.time() - t, 1))
out("counters", " ".join(re.findall(r"already:\s+(\d+)", vs[0].cmd("show stats"))))

# raised on the running daemon: one more VTY session
vs[0].cmd("configure terminal")
vs[0].cmd("eir")
vs[0].cmd("vty max-sessions 4")
vs[0].cmd("end")
try:
    v = Vty(vport)
    out("vty_raised", "BLACKLISTED" in v.cmd("show equipment imei " + imei))
except Exception as e:
    out("vty_raised", e)
out("running_config", " ".join(re.findall(r"^ ((?:vty|ctrl) max-sessions \d+)$", vs[0].cmd("show running-config"),
                                          re.M)))
PYEOF
rc=$?
c1=$(eir_cpu)
wait $bench
brc=$?
sed 's/^/#   /' "$T/py.out"
check "the python client ran to its end" [ $rc -eq 0 ]
val() { sed -n "s/^$1=//p" "$T/py.out"; }
check "3 VTY sessions open, counted: $(val vty_open)" [ "$(val vty_open)" = 3 ]
check "a 4th VTY connection closed at once, saying why" \
	[ "$(val vty_4th)" = "% 3 VTY sessions open already (vty max-sessions): closing" ]
check "  the 3 open go on" [ "$(val vty_3rd_answers)" = True ]
check "  logged" grep -q "VTY: 3 sessions open already (vty max-sessions): a new connection closed" "$EIR_LOG"
check "two closed (one by 'exit', one by the client): 1 open, counted: $(val vty_open_after_2_closed)" \
	[ "$(val vty_open_after_2_closed)" = 1 ]
check "  room for two new ones" [ "$(val vty_room_made)" = True ]
check "  and not for a third" [ "$(val vty_4th_again)" = "% 3 VTY sessions open already (vty max-sessions): closing" ]
check "2 CTRL connections open answer: $(val ctrl_2nd_answers | cut -c1-20)" \
	sh -c 'case "$1" in BLACKLISTED,*) exit 0 ;; esac; exit 1' _ "$(val ctrl_2nd_answers)"
check "a 3rd CTRL connection closed at once, no reply" grep -qx "ctrl_3rd=" "$T/py.out"
check "  logged" grep -q "CTRL: 2 connections open already (ctrl max-sessions): a new one closed" "$EIR_LOG"
check "  2 open, counted: $(val ctrl_open)" [ "$(val ctrl_open)" = 2 ]
check "one closed: 1 open, counted: $(val ctrl_open_after_1_closed)" [ "$(val ctrl_open_after_1_closed)" = 1 ]
check "  room for a new one" sh -c 'case "$1" in BLACKLISTED,*) exit 0 ;; esac; exit 1' _ "$(val ctrl_room_made)"
check "the audit names each CTRL connection: $(val audit_who)" sh -c 'case "$1" in *False*|"") exit 1 ;; esac' _ \
	"$(val audit_who)"
check "a flood of 100 VTY and 100 CTRL connections: every one closed at once ($(val flood_closed) of 200, \
$(val flood_s) s)" [ "$(val flood_closed)" = 200 ]
check "  counted: VTY and CTRL refusals $(val counters)" [ "$(val counters)" = "102 101" ]
check "  the loop did not spin ($((c1 - c0)) ticks of CPU over the test, S13 load included)" [ $((c1 - c0)) -lt 300 ]
check "vty max-sessions raised on the running daemon: one more session" [ "$(val vty_raised)" = True ]
check "  the caps written back: $(val running_config)" \
	[ "$(val running_config)" = "vty max-sessions 4 ctrl max-sessions 2" ]
check "S13 answered right throughout ($(tail -n 1 "$T/bench.out"))" [ $brc -eq 0 ]
eir_stop
check "osmo-eir stops cleanly" [ $? -eq 0 ]

# the defaults (32 each) are not written back
eir_start || exit 1
got=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show running-config" | grep -c "max-sessions")
check "the defaults are not written back ($got lines)" [ "$got" = 0 ]
eir_stop
finish
