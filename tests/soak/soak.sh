#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The soak (`make soak`, run by the README's test command from an optimised build): SOAK_SECS (default 600) of
# S13 (osmo-eir-bench; W=64, so that its pacer reaches the rate) and N5g-eir (h2load) load together at half of
# osmo-eir's measured capacity (a quarter of each interface's: one select loop serves both), a national
# blacklist delta applied every 10 s, VTY edits at 20/s (tests/soak/soak.py). Zero failed or wrong answers: the
# load asks about IMEIs nothing changes; every IMEI an edit or a delta changes gives its new verdict once the
# change is acknowledged. osmo-eir's RssAnon flat (within 5 % from the end of the warm-up to the end) and its
# fd count the same. Prints the figures.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"
PY=/usr/bin/python3
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"
SECS=${SOAK_SECS:-600}
ROWS=${ROWS:-100000}
WARMUP=$((SECS / 10 < 60 ? SECS / 10 : 60))

[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
command -v h2load >/dev/null || { echo "# SKIP: h2load not installed (nghttp2-client)"; exit 77; }
command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
if grep -q -- '-fsanitize' "$top_builddir/config.log" 2>/dev/null; then
	echo "# note: a sanitizer build (ASan holds freed memory in quarantine: RSS figures mean little)"
fi

# the store: lib-eir.sh's test entries, ROWS local grey IMEIs, and run 1 of the national blacklist (ROWS IMEIs
# that stay, and a window of 5000 that moves by 500 with each run: soak.py)
eir_store "$T/store" || exit 1
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"; for (i = 0; i < n; i++) printf "%.0f,grey,soak\n", 35200000000000 + i }' \
	> "$T/local.csv"
"$EIR_DB" -l "$T/store" import "$T/local.csv" > /dev/null 2>&1 || { echo "# import failed"; exit 1; }
mkdir -p "$T/www" && feed_key || exit 1
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"; for (i = 0; i < n; i++) printf "%.0f,20261101,Stolen\n",
	35100000000000 + i * 3; for (i = 0; i < 5000; i++) printf "%.0f,20261120,Moving 0\n", 35110000000000 + i }' \
	> "$T/bl.csv"
publish --blacklist "$T/bl.csv" $(op_lists) || exit 1
feed_sync "$T/store" -u "file://$T/www/feed/"
[ $rc -eq 0 ] || { echo "# the first sync failed:"; sed 's/^/#   /' "$T/sync.out"; exit 1; }

sbi_start || exit 1
# what the load asks: IMEIs nothing changes during the soak, with their verdicts
{
	echo "35693803564380,,BLACKLISTED"
	echo "35693803564380,001010000000001,WHITELISTED"
	echo "35000004000150,,BLACKLISTED"
	awk -v n="$ROWS" 'BEGIN { for (i = 0; i < n; i += 101) { printf "%.0f,,GREYLISTED\n", 35200000000000 + i
		printf "%.0f,,BLACKLISTED\n", 35100000000000 + i * 3; printf "%.0f,,WHITELISTED\n", 35900000000000 + i } }'
} > "$T/strict.csv"
# N5g-eir: h2load checks only the status (all 200: no IMEI is unknown), soak.py the bodies of these
FIXED="35693803564380=BLACKLISTED 35200000000000=GREYLISTED 35900000000001=WHITELISTED 35100000000003=BLACKLISTED"
awk -v u="$SBI_URL" 'BEGIN { for (i = 0; i < 1000; i++) printf "%s?pei=imeisv-%.0f%02d\n", u, 35200000000000 + i * 13, i % 100 }' \
	> "$T/uris.txt"

# capacity, each interface alone, 3 s
"$BENCH" -p "$EIR_PORT" -c 2 -w 16 -d 3 -i "$T/strict.csv" > "$T/cap-s13.out" 2>&1
s13_cap=$(sed -n 's/^answers=.* rate=\([0-9]*\).*/\1/p' "$T/cap-s13.out")
h2load -c 2 -m 16 -t 1 -D 3 -i "$T/uris.txt" > "$T/cap-sbi.out" 2>&1
sbi_cap=$(sed -n 's/^finished in .*, \([0-9]*\)\.[0-9]* req\/s.*/\1/p' "$T/cap-sbi.out")
echo "# capacity alone: S13 ${s13_cap:-?} answers/s, N5g-eir ${sbi_cap:-?} req/s"
[ -n "$s13_cap" ] && [ -n "$sbi_cap" ] || { echo "# no capacity figure"; cat "$T/cap-s13.out" "$T/cap-sbi.out"; exit 1; }
s13_rate=$((s13_cap / 4))
sbi_rps=$((sbi_cap / 8)) # per h2load client, 2 clients
echo "# soak: $SECS s, S13 paced at $s13_rate/s, N5g-eir at $((sbi_rps * 2)) req/s, a feed delta every 10 s, VTY edits"

"$BENCH" -p "$EIR_PORT" -c 2 -w 64 --tick 200 -r "$s13_rate" -d "$SECS" -t $((SECS + 60)) -i "$T/strict.csv" \
	> "$T/s13.out" 2>&1 &
s13=$!
timeout $((SECS + 60)) h2load -c 2 -m 4 -t 1 --rps "$sbi_rps" -D "$SECS" -i "$T/uris.txt" > "$T/sbi.out" 2>&1 &
sbi=$!
SECS=$SECS EIR_PORT=$EIR_PORT VTY_PORT=$EIR_VTY_PORT SBI_PORT=$SBI_PORT EIR_PID=$EIR_PID T=$T BASE_ROWS=$ROWS \
	FIXED="$FIXED" FEED_CMD="$EIR_FEED -d $T/www/feed -k $T/feed.key publish $(op_lists)" \
	SYNC_CMD="$EIR_SYNC -l $T/store -o $OP -k $T/feed.pub -u file://$T/www/feed/" \
	timeout $((SECS + 120)) $PY "$top_srcdir/tests/soak/soak.py" > "$T/soak.out" 2>&1
soak_rc=$?
wait $s13
s13_rc=$?
wait $sbi
grep -v '^sample:' "$T/soak.out" | sed 's/^/# /'
echo "# S13: $(tail -n 1 "$T/s13.out")"
echo "# N5g-eir: $(grep -E '^(finished in|requests:|status codes:)' "$T/sbi.out" | tr '\n' ' ')"

# all DESCRIPTION TEST...: ok when every "test" (a string for sh -c) succeeds
all() {
	d=$1
	shift
	for t in "$@"; do
		sh -c "$t" || { not_ok "$d"; return; }
	done
	ok "$d"
}
all "S13: every answer right, none missing (exit $s13_rc)" "[ $s13_rc -eq 0 ]" \
	"grep -q ' mismatch=0 error=0 missing=0\$' '$T/s13.out'"
check "N5g-eir: every request answered 200" grep -q "^status codes: [1-9][0-9]* 2xx, 0 3xx, 0 4xx, 0 5xx" "$T/sbi.out"
check "N5g-eir: none failed or errored" grep -q "^requests: .* 0 failed, 0 errored, 0 timeout" "$T/sbi.out"
check "edits, deltas and N5g-eir bodies: every verdict right after its change (exit $soak_rc)" [ $soak_rc -eq 0 ]
check "deltas were applied throughout" grep -q "^soak: .* syncs=[1-9]" "$T/soak.out"

# RssAnon and fds from the end of the warm-up to the end
awk -v w="$WARMUP" '$1 == "sample:" && $2 >= w' "$T/soak.out" > "$T/samples"
echo "# samples (t s, RssAnon KiB, RssFile KiB, fds) after the $WARMUP s warm-up:"
sed 's/^sample: /#   /' "$T/samples" | tr '\n' ';' | sed 's/;#   /; /g; s/;$/\n/'
first=$(head -n 1 "$T/samples")
last=$(tail -n 1 "$T/samples")
anon0=$(echo "$first" | cut -d' ' -f3)
anon1=$(echo "$last" | cut -d' ' -f3)
fd0=$(echo "$first" | cut -d' ' -f5)
fd1=$(echo "$last" | cut -d' ' -f5)
all "RssAnon flat within 5 % (${anon0:-?} -> ${anon1:-?} KiB)" "[ -n '$anon0' ] && [ -n '$anon1' ]" \
	"[ $((${anon1:-0} * 100)) -le $((${anon0:-0} * 105)) ] && [ $((${anon1:-0} * 100)) -ge $((${anon0:-0} * 95)) ]"
all "fd count the same (${fd0:-?} -> ${fd1:-?})" "[ -n '$fd0' ] && [ '$fd0' = '$fd1' ]"
check "clean shutdown (exit 0, no sanitizer report)" eir_stop
finish
