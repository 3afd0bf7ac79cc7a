#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The bundled sample lists: the generator reproduces them byte for byte, they import, and every showcase IMEI
# gets the verdict the showcase promises.
set -u
. "$top_srcdir/tests/lib.sh"
S="$top_srcdir/contrib/sample"

if command -v python3 >/dev/null 2>&1; then
	python3 "$top_srcdir/contrib/gen-sample-list.py" "$T/gen" >/dev/null
	check "gen-sample-list.py reproduces contrib/sample" diff -r "$S" "$T/gen"
fi
"$EIR_DB" -l "$T/db" create >/dev/null 2>&1
for f in national/blacklist.csv local/entries.csv local/ranges.csv local/pairs.csv; do
	"$EIR_DB" -l "$T/db" import "$S/$f" 2>"$T/err"
	check "import $f: exit $?, nothing skipped" grep -q "^imported .* (0 skipped" "$T/err"
done
tail -n +2 "$S/showcase.csv" > "$T/show"
while IFS=, read -r imei imsi expected comment; do
	v=$("$EIR_DB" -l "$T/db" lookup "$imei" $imsi 2>&1 | head -n 1 | cut -d' ' -f1)
	check "$imei ${imsi:--}: $expected ($comment)" [ "$v" = "$expected" ]
done < "$T/show"
finish
