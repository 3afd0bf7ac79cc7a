#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The README's curl command against osmo-eir running doc/examples/osmo-eir.cfg (ports moved) on the bundled
# sample lists; then every showcase IMEI over N5g-eir gets the verdict the showcase (and S13, and osmo-eir-db
# lookup) gives: one store, one eir_check(), the same answer on every interface.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PY=/usr/bin/python3
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
S="$top_srcdir/contrib/sample"

"$EIR_DB" -l "$T/store" create >/dev/null
for f in national/blacklist.csv local/entries.csv local/ranges.csv local/pairs.csv; do
	"$EIR_DB" -l "$T/store" import "$S/$f" >/dev/null 2>&1
done
SBI_PORT=$(free_port)
EIR_VTY_PORT=$(free_port)
EIR_LOG="$T/osmo-eir.log"
sed -e "s/^ listen 127.0.0.1 3868$/ listen 127.0.0.1 $(free_port)/" \
	-e "s/^ listen 127.0.0.1 7777$/ listen 127.0.0.1 $SBI_PORT/" -e "/^line vty/,/^[^ ]/ s/^ bind 127.0.0.1$/ bind 127.0.0.1 $EIR_VTY_PORT/" \
	-e "s/^ ctrl-port 4291$/ ctrl-port $(free_port)/" -e "s/logging color 1/logging color 0/" \
	"$top_srcdir/doc/examples/osmo-eir.cfg" > "$T/osmo-eir.cfg"
check "the example configuration has the N5g-eir server on 127.0.0.1:7777" \
	grep -q "^ listen 127.0.0.1 7777$" "$top_srcdir/doc/examples/osmo-eir.cfg"
"$EIR" -c "$T/osmo-eir.cfg" -l "$T/store" > "$EIR_LOG" 2>&1 &
EIR_PID=$!
i=0
while ! grep -q "N5g-eir on 127.0.0.1:$SBI_PORT" "$EIR_LOG"; do
	i=$((i + 1))
	if [ $i -gt 100 ] || ! kill -0 $EIR_PID 2>/dev/null; then
		sed 's/^/#   /' "$EIR_LOG"
		not_ok "osmo-eir started with the example configuration"
		finish
	fi
	sleep 0.1
done

# the README: the curl line and, on the line after it, the answer it promises
cmd=$(grep -m 1 "^curl .*--http2-prior-knowledge .*7777/n5g-eir-eic" "$top_srcdir/README.md")
want=$(grep -A 1 -m 1 "^curl .*--http2-prior-knowledge .*7777/n5g-eir-eic" "$top_srcdir/README.md" | tail -n 1 |
	sed 's/^# \([^ ]*\).*/\1/')
check "the README has the curl command and its answer" [ -n "$cmd" ] && [ -n "$want" ]
got=$(eval "$(printf '%s\n' "$cmd" | sed "s/127.0.0.1:7777/127.0.0.1:$SBI_PORT/")")
check "the README's curl command answers $want (got $got)" [ "$got" = "$want" ]

SBI_URL="http://127.0.0.1:$SBI_PORT/n5g-eir-eic/v1/equipment-status"
tail -n +2 "$S/showcase.csv" | while IFS=, read -r imei imsi expected comment; do
	# N5g-eir has no 14-digit form: add the check digit
	case ${#imei} in
	14) pei="imei-$imei$($PY -c 'import sys
d = [int(c) for c in sys.argv[1]]
s = sum(x if i % 2 == 0 else (2 * x) // 10 + (2 * x) % 10 for i, x in enumerate(d))
print((10 - s % 10) % 10)' "$imei")" ;;
	15) pei="imei-$imei" ;;
	*) pei="imeisv-$imei" ;;
	esac
	query="pei=$pei${imsi:+&supi=imsi-$imsi}"
	body=$(curl -sS --http2-prior-knowledge --max-time 10 "$SBI_URL?$query")
	echo "$expected $query $body # $comment"
done > "$T/showcase.out"
while read -r expected query body rest; do
	check "$query: $expected (${rest#\# })" [ "$body" = "{\"status\":\"$expected\"}" ]
done < "$T/showcase.out"
check "every showcase row asked ($(wc -l < "$T/showcase.out"))" \
	[ "$(wc -l < "$T/showcase.out")" -eq "$(tail -n +2 "$S/showcase.csv" | grep -c .)" ]
check "clean shutdown" eir_stop
finish
