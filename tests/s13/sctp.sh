#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 over SCTP. This machine's kernel may have no SCTP: then osmo-eir must refuse the configuration clearly,
# and the SCTP interop check is skipped (never passed).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3

has_sctp=$($PY -c 'import socket
try:
    socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132).close(); print(1)
except OSError:
    print(0)')
port=$(free_port)
eir_store "$T/store"
printf 'diameter\n listen 127.0.0.1 %s sctp\n unknown-peers accept\n' "$port" > "$T/sctp.cfg"
if [ "$has_sctp" = 0 ]; then
	timeout 10 "$EIR" -c "$T/sctp.cfg" -l "$T/store" > "$T/sctp.log" 2>&1
	rc=$?
	check "no SCTP in this kernel: osmo-eir refuses to start (exit $rc)" [ $rc -ne 0 ] && [ $rc -ne 124 ]
	check "and says why" grep -q "this kernel has no SCTP support" "$T/sctp.log"
	[ $n_fail -eq 0 ] || finish
	echo "SKIP: this kernel has no SCTP: S13 over SCTP untested here"
	exit 77
fi
"$EIR" -c "$T/sctp.cfg" -l "$T/store" > "$T/sctp.log" 2>&1 &
pid=$!
sleep 1
$PY - "$port" <<'PYEOF'
import socket, struct, sys
sys.path.insert(0, __import__("os").environ["top_srcdir"] + "/tests/s13")
import s13_errors as t
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM, 132)
s.connect(("127.0.0.1", int(sys.argv[1])))
c = t.Conn.__new__(t.Conn); c.s = s; c.buf = b""
c.send(t.cer()); h, avps = t.parse(c.recv())
t.ok(t.result_code(avps) == 2001, "SCTP: CER/CEA")
h, avps = t.ask(c, t.ecr(imei=b"35693803564380"))
t.ok(t.result_code(avps) == 2001, "SCTP: ECR answered")
sys.exit(1 if t.fails else 0)
PYEOF
check "S13 over SCTP" [ $? -eq 0 ]
kill $pid; wait $pid
finish
