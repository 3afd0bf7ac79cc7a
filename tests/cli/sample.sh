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
for f in local/entries.csv local/ranges.csv local/pairs.csv; do
	"$EIR_DB" -l "$T/db" import "$S/$f" 2>"$T/err"
	check "import $f: exit $?, nothing skipped" grep -q "^imported .* (0 skipped" "$T/err"
done
# the national lists as contrib/run.sh takes them in: a signed feed, synced over file://
if command -v openssl >/dev/null 2>&1; then
	openssl genpkey -algorithm ed25519 -out "$T/feed.key" 2>/dev/null
	openssl pkey -in "$T/feed.key" -pubout -out "$T/feed.pub"
	"$top_builddir/src/osmo-eir-feed/osmo-eir-feed" -d "$T/feed" -k "$T/feed.key" publish --blacklist "$S/national/blacklist.csv" \
		--notifications "operator_1=$S/national/notifications_operator_1.csv" \
		--exceptions "operator_1=$S/national/exceptions_operator_1.csv" >/dev/null
	check "osmo-eir-feed publishes the sample national lists" [ $? -eq 0 ]
	"$top_builddir/src/osmo-eir-sync/osmo-eir-sync" -l "$T/db" -u "file://$T/feed/" -k "$T/feed.pub" -o operator_1 >"$T/out" 2>&1
	check "osmo-eir-sync applies them: exit $?, nothing skipped" grep -q "applied from the full lists of run 1: .* 0 skipped" \
		"$T/out"
else
	echo "# openssl missing: the national lists imported as local black entries instead"
	"$EIR_DB" -l "$T/db" import "$S/national/blacklist.csv" 2>/dev/null
fi
tail -n +2 "$S/showcase.csv" > "$T/show"
while IFS=, read -r imei imsi expected comment; do
	v=$("$EIR_DB" -l "$T/db" lookup "$imei" $imsi 2>&1 | head -n 1 | cut -d' ' -f1)
	check "$imei ${imsi:--}: $expected ($comment)" [ "$v" = "$expected" ]
done < "$T/show"
finish
