#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Fault injection: kill -9 osmo-eir while it answers S13 (osmo-eir-bench, every verdict checked) and N5g-eir
# (h2load) from a store holding local and national lists; restart it on the same store with no repair step:
# the same lists (counts), the right answers, and no LMDB reader slot of the killed process left behind.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
ROWS=${ROWS:-200000}
ROUNDS=${ROUNDS:-3}
PY=/usr/bin/python3

[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
command -v h2load >/dev/null || { echo "# SKIP: h2load not installed (nghttp2-client)"; exit 77; }
command -v mdb_stat >/dev/null || { echo "# SKIP: mdb_stat not installed (lmdb-utils)"; exit 77; }
command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }

# the store: the test entries of lib-eir.sh, ROWS local IMEIs (every third black, the others grey), and a
# national blacklist of ROWS IMEIs synced from a signed feed over file://
eir_store "$T/store" || exit 1
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"
	for (i = 0; i < n; i++) printf "%.0f,%s,local %d\n", 35200000000000 + i, i % 3 ? "grey" : "black", i % 5 }' \
	> "$T/local.csv"
"$EIR_DB" -l "$T/store" import "$T/local.csv" > "$T/import.out" 2>&1 ||
	{ echo "# import failed:"; sed 's/^/#   /' "$T/import.out"; exit 1; }
mkdir -p "$T/www" && feed_key || exit 1
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261102,Stolen\n", 35300000000000 + i * 7 }' > "$T/bl.csv"
publish --blacklist "$T/bl.csv" $(op_lists) || exit 1
feed_sync "$T/store" -u "file://$T/www/feed/"
check "the national blacklist synced (exit $rc)" [ $rc -eq 0 ]

# what osmo-eir-bench expects: every kind of entry of the test store, local and national rows
{
	echo "imei,imsi,expected"
	echo "35693803564380,,BLACKLISTED"
	echo "35000001000001,,GREYLISTED"
	echo "35693803564380,001010000000001,WHITELISTED"
	echo "35000004000150,,BLACKLISTED"
	echo "35999999000001,,WHITELISTED"
	awk -v n="$ROWS" 'BEGIN { for (i = 0; i < n; i += 997) {
		printf "%.0f,,%s\n", 35200000000000 + i, i % 3 ? "GREYLISTED" : "BLACKLISTED"
		printf "%.0f,,BLACKLISTED\n", 35300000000000 + i * 7 } }'
} > "$T/expect.csv"

summary() {
	$PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment summary" 2>/dev/null | tr -d '\r' |
		grep -E '^  (IMEI entries|ranges and TACs|blacklist|feed national)' | sed 's/, applied .*//'
}

# one pid's reader slots in a part's lock file (mdb_stat -r lists "pid thread txnid")
readers_of() {
	mdb_stat -r "$T/store/$1" 2>/dev/null | awk -v p="$2" '$1 == p { n++ } END { print n + 0 }'
}

# start_timed: osmo-eir with S13 and N5g-eir on this store; sets START_MS (until both listen)
start_timed() {
	t0=$(date +%s%N)
	sbi_start || return 1
	START_MS=$((($(date +%s%N) - t0) / 1000000))
}

# imei15 IMEI14: the 15-digit form with its check digit (N5g-eir's pei takes 15 digits)
imei15() {
	$PY -c 'import sys
d = sys.argv[1]
s = sum(int(c) if i % 2 == 0 else sum(divmod(2 * int(c), 10)) for i, c in enumerate(d))
print(d + str((10 - s % 10) % 10))' "$1"
}

# another process holding both parts open (a backup's mdb_dump, stalled on a full pipe) keeps LMDB from resetting
# the reader table when the daemon dies: the restarted daemon must clear the dead slots itself
mdb_dump -a "$T/store/local" | sleep 300 &
hold_local=$!
mdb_dump -a "$T/store/national" | sleep 300 &
hold_national=$!
trap 'kill $hold_local $hold_national 2>/dev/null; rm -rf "$T"' EXIT

start_timed || exit 1
before=$(summary)
check "before: the summary shows both parts' lists" sh -c 'echo "$1" | grep -q "^  blacklist $2 IMEIs"' _ "$before" \
	"$ROWS"

r=0
while [ $r -lt "$ROUNDS" ]; do
	r=$((r + 1))
	"$BENCH" -p "$EIR_PORT" -c 2 -w 16 -d 20 -t 2 -i "$T/expect.csv" > "$T/bench.out" 2>&1 &
	bench=$!
	timeout 30 h2load -n 2000000 -c 2 -m 16 -t 1 "$SBI_URL?pei=imei-$(imei15 35200000000003)" > "$T/h2load.out" 2>&1 &
	h2=$!
	sleep 2
	# the answers flow (osmo-eir counts ECRs) before the kill, at a point that varies from round to round
	sleep "0.$((r * 3))"
	dead=$EIR_PID
	kill -9 "$dead"
	wait "$dead" 2>/dev/null
	wait $bench
	wait $h2
	check "round $r: no wrong S13 answer before the kill ($(grep -o 'mismatch=[0-9]*' "$T/bench.out"))" \
		grep -q "^answers=[1-9][0-9]* .* mismatch=0 " "$T/bench.out"
	left=$(($(readers_of local "$dead") + $(readers_of national "$dead")))
	check "round $r: the killed osmo-eir ($dead) left reader slots behind ($left)" [ "$left" -gt 0 ]
	check "round $r: N5g-eir answered before the kill, all 2xx ($(grep -o '^status codes:.*' "$T/h2load.out"))" \
		grep -q '^status codes: [1-9][0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx' "$T/h2load.out"

	start_timed || { not_ok "round $r: osmo-eir restarts on the store"; break; }
	echo "# round $r: restart until S13 and N5g-eir listen: $START_MS ms"
	check "round $r: restarted within 30 s ($START_MS ms), no repair step" [ "$START_MS" -lt 30000 ]
	after=$(summary)
	check "round $r: the same lists after the restart" [ "$after" = "$before" ]
	[ "$after" = "$before" ] || { echo "# before:"; echo "$before"; echo "# after:"; echo "$after"; }
	check "round $r: no reader slot of the killed process left (local $(readers_of local "$dead"), national \
$(readers_of national "$dead"))" [ $(($(readers_of local "$dead") + $(readers_of national "$dead"))) -eq 0 ]
	"$BENCH" -p "$EIR_PORT" -c 2 -w 16 -n 5000 -i "$T/expect.csv" > "$T/bench2.out" 2>&1
	check "round $r: after the restart every S13 answer right, none missing" \
		grep -q "^answers=5000 .* mismatch=0 error=0 missing=0$" "$T/bench2.out"
	h2 "r$r" "$SBI_URL?pei=imei-$(imei15 35300000000007)"
	expect "round $r: N5g-eir answers a national IMEI" "r$r" 200 "$J" '{"status":"BLACKLISTED"}'
	h2 "g$r" "$SBI_URL?pei=imei-$(imei15 35200000000001)"
	expect "round $r: N5g-eir answers a local IMEI" "g$r" 200 "$J" '{"status":"GREYLISTED"}'
done
check "clean shutdown at the end (exit 0, no sanitizer report)" eir_stop
kill $hold_local $hold_national 2>/dev/null
finish
