#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Store benchmarks (not tests): `make bench` from an optimised build tree (e.g. build/ of contrib/run.sh, not the
# sanitizer build of the tests). Prints figures; asserts nothing. Scratch data goes to BENCH_DIR (default: a
# temporary directory, removed afterwards; the 10M runs need about 1.5 GB).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
builddir=${builddir:-$(pwd)/..}
BENCH="$builddir/contrib/bench/eir_bench"
EIR_DB="$builddir/src/osmo-eir-db/osmo-eir-db"
SIZES=${SIZES:-"1000000 10000000"}
QUERIES=${QUERIES:-3000000}
IMPORT_ROWS=${IMPORT_ROWS:-10000000}
dir=${BENCH_DIR:-$(mktemp -d /tmp/eir-bench.XXXXXX)}
trap 'rm -rf "$dir"' EXIT

echo "# $(uname -m), $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
for n in $SIZES; do
	echo "## verdicts: $n listed IMEIs (national blacklist) + 100000 local ranges, $QUERIES queries"
	"$BENCH" -l "$dir/store" -n "$n" -r 100000 -q "$QUERIES" 2>/dev/null
	rm -rf "$dir/store"
done

echo "## import: sorted $IMPORT_ROWS-row DIRBS blacklist CSV with osmo-eir-db (one transaction)"
awk -v n="$IMPORT_ROWS" 'BEGIN {
	print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7
}' > "$dir/import.csv"
"$EIR_DB" -l "$dir/imp" create >/dev/null 2>&1
"$EIR_DB" -l "$dir/imp" -m 4096 import "$dir/import.csv" 2>&1 | tail -n 1
"$EIR_DB" -l "$dir/imp" stats 2>&1 | sed -n '1,/^national/p' | grep -v '^national' || true
