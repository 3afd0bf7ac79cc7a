#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# N5g-eir benchmark (not a test): osmo-eir with 10M listed IMEIs answering GET equipment-status, and in the same
# run nghttpd (Debian nghttp2-server) serving the same JSON body as a static file, both loaded by h2load with the
# same URI list: -c 4 -m 32, a fixed count of requests, alternating rounds. TLS=1: both over TLS (h2 by ALPN), with
# the same P-256 certificate made here, h2load the same (`make bench-sbi-tls`).
# Run from an optimised build tree: `make bench-sbi`, or `builddir=$PWD ../contrib/bench/run-sbi-bench.sh`.
# EIR: another osmo-eir binary (an A/B run; NO_FILTER_WAIT=1 for one without lookup filters, else it is waited for
# 60 s). Prints figures, asserts nothing. Scratch data in BENCH_DIR (default a
# temp dir, removed afterwards; a store already in it is used).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
ROWS=${ROWS:-10000000}
COUNT=${COUNT:-1000000}
ROUNDS=${ROUNDS:-3}
TLS=${TLS:-0}
EIR=${EIR:-$builddir/src/osmo-eir/osmo-eir}
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
for t in h2load nghttpd; do
	command -v $t >/dev/null || { echo "$t missing: install-deps.sh installs nghttp2-client, -server"; exit 1; }
done
. "$here/lib.sh"
bench_setup sbi

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
if [ ! -d "$dir/store" ]; then
	echo "## store: $ROWS listed IMEIs (sorted DIRBS blacklist imported with osmo-eir-db)"
	bench_list "$ROWS" "$dir/list.csv"
	"$EIR_DB" -l "$dir/store" create >/dev/null
	"$EIR_DB" -l "$dir/store" -m 4096 import "$dir/list.csv" 2>&1 | tail -n 1
	rm -f "$dir/list.csv"
fi

eport=$(port)
nport=$(port)
# 10,000 URIs: half listed IMEIs (LISTED: another percentage), the others random ones (1 in 7 listed); IMEISV so no
# check digit is involved
scheme=http
[ "$TLS" = 0 ] || scheme=https
/usr/bin/python3 - "$ROWS" "$eport" "$nport" "$dir" "$scheme" "${LISTED:-50}" <<'PY'
import random, sys
n, eport, nport, d, scheme = int(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5]
listed = float(sys.argv[6])
r = random.Random(1)
with open(d + "/uris-eir", "w") as e, open(d + "/uris-nghttpd", "w") as g:
    for i in range(10000):
        # LISTED=50 (the default): every other URI, as before LISTED was there
        pick = i % 2 if listed == 50 else r.random() * 100 < listed
        imei = 35000000000000 + (r.randrange(n) * 7 if pick else r.randrange(n * 7))
        path = "/n5g-eir-eic/v1/equipment-status?pei=imeisv-%d%02d" % (imei, r.randrange(100))
        e.write("%s://127.0.0.1:%s%s\n" % (scheme, eport, path))
        g.write("%s://127.0.0.1:%s%s\n" % (scheme, nport, path))
PY

sbi_config "$dir/osmo-eir.cfg" "$eport"
if [ "$TLS" != 0 ]; then
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$dir/key.pem" \
		-out "$dir/cert.pem" -days 2 -subj /CN=eir.example.org 2>/dev/null
	printf ' tls certificate %s\n tls private-key %s\n' "$dir/cert.pem" "$dir/key.pem" >> "$dir/osmo-eir.cfg"
	echo "## over TLS: $(openssl version | cut -d' ' -f1-2), one P-256 certificate for both servers"
fi
"$EIR" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir.log" 2>&1 &
pids+=($!)
wait_port "$eport"
[ -n "${NO_FILTER_WAIT:-}" ] || wait_filter "$dir/eir.log"
grep "lookup filter" "$dir/eir.log" | sed 's/^/# /' || true

mkdir -p "$dir/www/n5g-eir-eic/v1"
printf '{"status":"BLACKLISTED"}' > "$dir/www/n5g-eir-eic/v1/equipment-status"
if [ "$TLS" != 0 ]; then
	nghttpd -d "$dir/www" "$nport" "$dir/key.pem" "$dir/cert.pem" > "$dir/nghttpd.log" 2>&1 &
else
	nghttpd --no-tls -d "$dir/www" "$nport" > "$dir/nghttpd.log" 2>&1 &
fi
pids+=($!)
wait_port "$nport"

echo "## h2load -n $COUNT -c 4 -m 32 -t 1 -i URIS (10,000 URIs), $ROUNDS rounds each, alternating"
run() { # NAME URIS
	local out
	out=$(h2load -n "$COUNT" -c 4 -m 32 -t 1 -i "$2" 2>&1)
	rps=$(printf '%s\n' "$out" | sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
	codes=$(printf '%s\n' "$out" | sed -n 's/^status codes: //p')
	proto=$(printf '%s\n' "$out" | sed -n 's/^Application protocol: //p')
	cipher=$(printf '%s\n' "$out" | sed -n 's/^Cipher: //p' | head -n 1)
	printf '%-9s %12.0f req/s   %s   %s %s\n' "$1" "$rps" "$codes" "${proto:-?}" "$cipher"
	echo "$rps" >> "$dir/$1.rps"
}
# a store in BENCH_DIR is kept between runs: so are not the figures of the last one
rm -f "$dir/osmo-eir.rps" "$dir/nghttpd.rps"
# each server first takes one unmeasured round of a tenth of the count: osmo-eir's first requests fault in the
# pages of its map (a store just imported ran 89k req/s in its first measured round, 213k-261k in its later ones)
for u in uris-eir uris-nghttpd; do
	h2load -n "$((COUNT / 10))" -c 4 -m 32 -t 1 -i "$dir/$u" > /dev/null 2>&1 || true
done
for i in $(seq "$ROUNDS"); do
	run osmo-eir "$dir/uris-eir"
	run nghttpd "$dir/uris-nghttpd"
done
/usr/bin/python3 - "$dir/osmo-eir.rps" "$dir/nghttpd.rps" <<'PY'
import statistics, sys
e = [float(x) for x in open(sys.argv[1])]
n = [float(x) for x in open(sys.argv[2])]
me, mn = statistics.median(e), statistics.median(n)
r = sorted(a / b for a, b in zip(e, n))
print("## median: osmo-eir %.0f req/s, nghttpd %.0f req/s, ratio %.2fx" % (me, mn, me / mn))
print("## per-round ratios: %s (spread %.2f-%.2f)" % (" ".join("%.2f" % x for x in r), r[0], r[-1]))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
