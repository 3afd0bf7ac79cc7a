#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# N5g-eir, this tree's osmo-eir against another build's (the parent commit's, built in a second tree), in one run:
# alternating rounds on one store of ROWS listed IMEIs, each round starting its osmo-eir, loading it with h2load as
# run-sbi-bench.sh does, reading its CPU time per request from /proc, stopping it. Prints figures, asserts nothing.
# Usage, from an optimised build tree: builddir=$PWD ../contrib/bench/run-sbi-compare.sh OTHER_BUILDDIR
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)}
old=${1:?usage: run-sbi-compare.sh OTHER_BUILDDIR}
ROWS=${ROWS:-1000000}
COUNT=${COUNT:-1000000}
ROUNDS=${ROUNDS:-5}
command -v h2load >/dev/null || { echo "h2load missing: install-deps.sh installs nghttp2-client"; exit 1; }
. "$here/lib.sh"
bench_setup sbi-compare

echo "# $(uname -m), $(nproc) cores; other: $old; this: $builddir"
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' > "$dir/list.csv"
"$builddir/src/osmo-eir-db/osmo-eir-db" -l "$dir/store" create >/dev/null
"$builddir/src/osmo-eir-db/osmo-eir-db" -l "$dir/store" import "$dir/list.csv" 2>&1 | tail -n 1
rm -f "$dir/list.csv"
eport=$(port)
/usr/bin/python3 - "$ROWS" "$eport" "$dir" <<'PY'
import random, sys
n, eport, d = int(sys.argv[1]), sys.argv[2], sys.argv[3]
r = random.Random(1)
with open(d + "/uris", "w") as e:
    for i in range(10000):
        imei = 35000000000000 + (r.randrange(n) * 7 if i % 2 else r.randrange(n * 7))
        e.write("http://127.0.0.1:%s/n5g-eir-eic/v1/equipment-status?pei=imeisv-%d%02d\n"
                % (eport, imei, r.randrange(100)))
PY
sbi_config "$dir/osmo-eir.cfg" "$eport"

echo "# load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## h2load -n $COUNT -c 4 -m 32 -t 1 -i URIS (10,000 URIs), $ROUNDS rounds each, alternating"
hz=$(getconf CLK_TCK)
for i in $(seq "$ROUNDS"); do
	for side in other this; do
		b=$builddir
		[ $side = other ] && b=$old
		"$b/src/osmo-eir/osmo-eir" -c "$dir/osmo-eir.cfg" -l "$dir/store" > "$dir/eir-$side.log" 2>&1 &
		pid=$!
		wait_port "$eport"
		out=$(timeout 300 h2load -n "$COUNT" -c 4 -m 32 -t 1 -i "$dir/uris" 2>&1)
		rps=$(printf '%s\n' "$out" | sed -n 's/^finished in [^,]*, \([0-9.]*\) req\/s.*/\1/p')
		codes=$(printf '%s\n' "$out" | sed -n 's/^status codes: //p')
		cpu=$(awk -v n="$COUNT" -v hz="$hz" '{ printf "%.3f", ($14 + $15) / hz * 1e6 / n }' "/proc/$pid/stat")
		printf 'round %d %-5s %10.0f req/s %7s us CPU/req   %s (load %s)\n' "$i" $side "$rps" "$cpu" "$codes" \
			"$(cut -d' ' -f1 /proc/loadavg)"
		echo "$rps $cpu" >> "$dir/$side.txt"
		kill "$pid"
		wait "$pid" || true
	done
done
/usr/bin/python3 - "$dir/other.txt" "$dir/this.txt" <<'PY'
import statistics, sys
o = [[float(x) for x in l.split()] for l in open(sys.argv[1])]
t = [[float(x) for x in l.split()] for l in open(sys.argv[2])]
for k, what in ((0, "req/s"), (1, "us CPU per request")):
    a, b = [r[k] for r in o], [r[k] for r in t]
    ma, mb = statistics.median(a), statistics.median(b)
    sp = lambda v, m: "%+.0f%% .. %+.0f%%" % ((min(v) / m - 1) * 100, (max(v) / m - 1) * 100)
    print("## %s: other %.2f (%s), this %.2f (%s), ratio %.3fx" % (what, ma, sp(a, ma), mb, sp(b, mb), mb / ma))
PY
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
