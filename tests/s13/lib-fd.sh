# SPDX-License-Identifier: AGPL-3.0-or-later
# For the freeDiameter shell tests (source after tests/lib.sh and tests/s13/lib-eir.sh): SKIP (77) without
# freeDiameterd, its headers, the dictionary extensions, gcc or openssl; builds tests/s13/fd_ecr.c into an
# extension, makes freeDiameter's own certificate, writes its configuration and runs it (bounded), and kills what
# is left on exit (KEEP_T=1 keeps the scratch directory).
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3 (lib-eir.sh needs it)"; exit 77; }
command -v freeDiameterd >/dev/null 2>&1 || { echo "SKIP: no freeDiameterd (Debian freediameterd)"; exit 77; }
[ -f /usr/include/freeDiameter/libfdcore.h ] ||
	{ echo "SKIP: no libfdcore headers (Debian libfreediameter-dev)"; exit 77; }
command -v gcc >/dev/null 2>&1 || { echo "SKIP: no gcc"; exit 77; }
command -v openssl >/dev/null 2>&1 || { echo "SKIP: no openssl (freeDiameter needs a TLS certificate)"; exit 77; }
FD_EXT=""
for d in /usr/lib/freeDiameter /usr/lib/x86_64-linux-gnu/freeDiameter /usr/local/lib/freeDiameter; do
	[ -f "$d/dict_dcca_3gpp.fdx" ] && { FD_EXT=$d; break; }
done
[ -n "$FD_EXT" ] || { echo "SKIP: no dict_dcca_3gpp.fdx (Debian freediameter-extensions)"; exit 77; }
VTY="$PY $top_srcdir/tests/vty.py"

FD_PID=""
TS_PID=""
EIR_PID=""
cleanup() {
	for p in $FD_PID ${FD_MORE_PIDS:-} $TS_PID $EIR_PID; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${KEEP_T:-}" ]; then
		echo "# kept $T"
	else
		rm -rf "$T"
	fi
}
trap cleanup EXIT
trap 'exit 1' INT TERM


# stop_pid PID SECONDS: SIGTERM, wait up to SECONDS, then SIGKILL; returns the exit status (137 on SIGKILL)
stop_pid() {
	kill -TERM "$1" 2>/dev/null
	n=$(($2 * 10))
	while kill -0 "$1" 2>/dev/null && [ $n -gt 0 ]; do
		sleep 0.1
		n=$((n - 1))
	done
	kill -0 "$1" 2>/dev/null && kill -KILL "$1" 2>/dev/null
	wait "$1"
}

# --- the extension and the certificate ---
if ! gcc -Wall -shared -fPIC -o "$T/fd_ecr.fdx" "$top_srcdir/tests/s13/fd_ecr.c" -lfdcore -lfdproto -lpthread \
	> "$T/gcc.log" 2>&1; then
	not_ok "fd_ecr.c builds into a freeDiameter extension"
	sed 's/^/#   /' "$T/gcc.log"
	finish
fi
ok "fd_ecr.c builds into a freeDiameter extension"
# freeDiameter insists on TLS credentials whose CN is its Identity, even when no connection uses TLS
if ! openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=mme.fd.test" -keyout "$T/mme.key.pem" \
	-out "$T/mme.cert.pem" > "$T/openssl.log" 2>&1; then
	not_ok "openssl made a certificate for mme.fd.test"
	sed 's/^/#   /' "$T/openssl.log"
	finish
fi

# fd_conf NAME ECR-LINES [CERT KEY CA [CONNECT]]: write $T/NAME.conf (freeDiameter) and $T/NAME.ecr (fd_ecr) for the
# osmo-eir on $EIR_PORT; freeDiameter's TLS credentials CERT and KEY (default: the self-signed mme.fd.test), the CA
# it checks osmo-eir's certificate with, and the ConnectPeer options (default: plain TCP to $EIR_PORT)
fd_conf() {
	cat > "$T/$1.ecr" <<EOF
# SPDX-License-Identifier: AGPL-3.0-or-later
result $T/$1.result
peer eir.example.org
dest-realm example.org
wait 20
$2
EOF
	cat > "$T/$1.conf" <<EOF
# SPDX-License-Identifier: AGPL-3.0-or-later
Identity = "mme.fd.test";
Realm = "mme.test";
# ignored by freeDiameter 1.2.1 (loopback addresses are filtered out); Port = 0 / SecPort = 0: no listening
ListenOn = "127.0.0.1";
Port = 0;
SecPort = 0;
No_SCTP;
TwTimer = 6;
TLS_Cred = "${3:-$T/mme.cert.pem}", "${4:-$T/mme.key.pem}";
TLS_CA = "${5:-$T/mme.cert.pem}";
LoadExtension = "$FD_EXT/dict_nasreq.fdx";
LoadExtension = "$FD_EXT/dict_dcca.fdx";
LoadExtension = "$FD_EXT/dict_dcca_3gpp.fdx";
LoadExtension = "$T/fd_ecr.fdx" : "$T/$1.ecr";
ConnectPeer = "eir.example.org" { ConnectTo = "127.0.0.1"; ${6:-Port = $EIR_PORT; No_TLS;} No_SCTP; };
EOF
}

# fd_done NAME: fd_ecr wrote its "done" line, or freeDiameterd is gone
fd_done() {
	grep -q '^done ' "$T/$1.result" 2>/dev/null || ! kill -0 $FD_PID 2>/dev/null
}

# fd_run NAME: start freeDiameterd on $T/NAME.conf, log in $T/NAME.log; wait (bounded) for fd_ecr's "done" line
fd_run() {
	freeDiameterd -c "$T/$1.conf" > "$T/$1.log" 2>&1 &
	FD_PID=$!
	wait_for 30 fd_done "$1"
	grep -q '^done ' "$T/$1.result" 2>/dev/null
	rc=$?
	kill -0 $FD_PID 2>/dev/null || echo "# freeDiameterd exited early"
	echo "# fd_ecr's results:"
	sed 's/^/#   /' "$T/$1.result" 2>/dev/null
	return $rc
}

# fd_errors NAME: freeDiameter's ERROR/FATAL lines, but the one each shutdown writes
fd_errors() {
	grep -E '^[0-9:]+ +(ERROR|FATAL)' "$T/$1.log" | grep -v 'Initiating freeDiameter shutdown sequence'
}


# fd_dump_logs NAME... [OSMO_EIR_LOG...]: after a failure, the last lines of freeDiameter's logs $T/NAME.log and of
# osmo-eir's (the files named, and $EIR_LOG)
fd_dump_logs() {
	[ $n_fail -ne 0 ] || return 0
	for f in "$@"; do
		case $f in
		/*) continue ;;
		esac
		[ -f "$T/$f.log" ] || continue
		echo "# freeDiameter's log ($f), last lines:"
		tail -n 40 "$T/$f.log" | cut -c1-400 | sed 's/^/#   /'
	done
	for f in "$@" "$EIR_LOG"; do
		case $f in
		/*) ;;
		*) continue ;;
		esac
		[ -f "$f" ] || continue
		echo "# osmo-eir's log ($f), last lines:"
		tail -n 30 "$f" | sed 's/^/#   /'
	done
}
