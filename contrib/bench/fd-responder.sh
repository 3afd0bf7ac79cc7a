#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# A freeDiameter-based S13 responder for the benchmark (not a test): freeDiameterd (Debian freediameterd 1.2.1)
# with contrib/bench/fd_responder.c, which answers every ECR with Result-Code 2001 and Equipment-Status 0
# (WHITELISTED) without any lookup. It is the reference osmo-eir is compared against in run-s13-bench.sh.
#
# Usage: contrib/bench/fd-responder.sh [PORT]
#   PORT    TCP port for Diameter (default 3869); no SCTP, no TLS port.
#   Runs in the foreground until SIGINT/SIGTERM; its scratch directory (extension, certificate, configuration)
#   is removed on exit. Needs freediameterd, freediameter-extensions, libfreediameter-dev, gcc and openssl.
#   Environment: FD_APP_THREADS (freeDiameter's AppServThreads, default 4), FD_TW (TwTimer, default 30).
#
#   The responder is eir.fd.test, realm example.org. It accepts any client whose Origin-Host is in
#   example.org (acl_wl: `ALLOW_IPSEC *.example.org`, i.e. plain TCP, no TLS), e.g. osmo-eir-bench's default
#   mme-bench-<k>.example.org; ECRs must carry Destination-Realm example.org (osmo-eir-bench's default).
#   Example, from a build tree:
#     ../contrib/bench/fd-responder.sh 3869 &
#     contrib/bench/osmo-eir-bench -p 3869 -c 2 -w 16 -d 5 -g 100000
#
#   Note: freeDiameter 1.2.1 silently drops a loopback address given to ListenOn, so the responder listens on
#   PORT on every local address (IPv4 and IPv6), not only on 127.0.0.1; only the peers acl_wl allows get
#   past the capabilities exchange. Run it on a machine or network namespace where that is acceptable.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
PORT=${1:-3869}
case "$PORT" in
*[!0-9]* | "") echo "usage: $0 [PORT]" >&2; exit 2 ;;
esac
for tool in freeDiameterd gcc openssl; do
	command -v $tool >/dev/null 2>&1 || { echo "$0: $tool is missing" >&2; exit 2; }
done
FD_EXT=""
for d in /usr/lib/freeDiameter /usr/lib/x86_64-linux-gnu/freeDiameter /usr/local/lib/freeDiameter; do
	if [ -f "$d/dict_dcca_3gpp.fdx" ] && [ -f "$d/acl_wl.fdx" ]; then
		FD_EXT=$d
		break
	fi
done
[ -n "$FD_EXT" ] || { echo "$0: no dict_dcca_3gpp.fdx/acl_wl.fdx (freediameter-extensions)" >&2; exit 2; }

dir=$(mktemp -d /tmp/fd-responder.XXXXXX)
pid=""
cleanup() {
	[ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	rm -rf "$dir"
}
trap cleanup EXIT
trap 'exit 0' INT TERM

gcc -O2 -Wall -shared -fPIC -o "$dir/fd_responder.fdx" "$here/fd_responder.c" -lfdcore -lfdproto -lpthread
# freeDiameter wants TLS credentials whose CN is its Identity, even when no connection uses TLS
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj "/CN=eir.fd.test" -keyout "$dir/key.pem" \
	-out "$dir/cert.pem" > "$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; exit 1; }
cat > "$dir/acl_wl.conf" <<EOF
# SPDX-License-Identifier: AGPL-3.0-or-later
# flags first, then the peers they apply to: ALLOW_IPSEC = no TLS (CER/CEA and everything after in clear)
ALLOW_IPSEC *.example.org
EOF
cat > "$dir/freediameter.conf" <<EOF
# SPDX-License-Identifier: AGPL-3.0-or-later
Identity = "eir.fd.test";
Realm = "example.org";
# ignored by freeDiameter 1.2.1 (loopback addresses are filtered out): it listens on every address
ListenOn = "127.0.0.1";
Port = $PORT;
# no TLS port
SecPort = 0;
No_SCTP;
TwTimer = ${FD_TW:-30};
AppServThreads = ${FD_APP_THREADS:-4};
TLS_Cred = "$dir/cert.pem", "$dir/key.pem";
TLS_CA = "$dir/cert.pem";
LoadExtension = "$FD_EXT/dict_nasreq.fdx";
LoadExtension = "$FD_EXT/dict_dcca.fdx";
LoadExtension = "$FD_EXT/dict_dcca_3gpp.fdx";
LoadExtension = "$FD_EXT/acl_wl.fdx" : "$dir/acl_wl.conf";
LoadExtension = "$dir/fd_responder.fdx";
EOF
freeDiameterd -c "$dir/freediameter.conf" &
pid=$!
set +e
wait "$pid"
rc=$?
pid=""
exit $rc
