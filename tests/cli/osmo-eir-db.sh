#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-db end to end: every command, every CSV form, bad input (exit code, message, nothing half-applied),
# the export/import round trip and the single-writer lock.
set -u
. "$top_srcdir/tests/lib.sh"
D="$T/db"
E="$EIR_DB"

# run CMD...: stdout+stderr in $out, exit code in $rc
run() {
	out=$("$@" 2>&1)
	rc=$?
}
has() { printf '%s\n' "$out" | grep -q -- "$1"; }
first_word() { printf '%s\n' "$out" | head -n 1 | cut -d' ' -f1; }

run $E -l "$D" create
check "create" [ $rc -eq 0 ]
run $E -l "$D" lookup 35693803564380
check "empty store: default WHITELISTED" [ "$(first_word)" = WHITELISTED ]
run $E -l "$D" -d unknown lookup 35693803564380
check "-d unknown: UNKNOWN" [ "$(first_word)" = UNKNOWN ]

for l in black grey white; do
	run $E -l "$D" add imei 3569380356438$(echo $l | cut -c1 | tr bgw 012) $l reason $l
	check "add imei $l" [ $rc -eq 0 ]
done
run $E -l "$D" lookup 35693803564380
check "black entry: BLACKLISTED, with its reason" sh -c '[ "$1" = BLACKLISTED ] && echo "$2" | grep -q "reason \"reason black\""' _ "$(first_word)" "$out"
run $E -l "$D" lookup 35693803564381
check "grey entry: GREYLISTED" [ "$(first_word)" = GREYLISTED ]
run $E -l "$D" lookup 356938035643823
check "15 digits, wrong check digit: accepted and said ($out)" sh -c '[ "$1" = WHITELISTED ] && echo "$2" | grep -q "check digit 3 is wrong, expected"' _ "$(first_word)" "$out"
run $E -l "$D" lookup 3569380356438012
check "IMEISV: the 14-digit key" [ "$(first_word)" = BLACKLISTED ]
run $E -l "$D" lookup 3569380356438A
check "non-digit IMEI: exit 1 and the reason" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "'"'"'A'"'"' at position 14 is not a digit"' _ $rc "$out"
run $E -l "$D" add imei 123 black
check "13-digit IMEI refused (exit 1)" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "3 digits"' _ $rc "$out"
run $E -l "$D" add imei 35693803564389 pink
check "unknown list refused (exit 1)" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "unknown list"' _ $rc "$out"

run $E -l "$D" add pair 35693803564380 001010000000001 white owner verified
check "add pair" [ $rc -eq 0 ]
run $E -l "$D" lookup 35693803564380 001010000000001
check "pair beats entry, and the entry is listed as also matched" sh -c '[ "$1" = WHITELISTED ] && echo "$2" | grep -q "also: local entry"' _ "$(first_word)" "$out"
run $E -l "$D" lookup 35693803564380 001010000000002
check "pair only for its IMSI" [ "$(first_word)" = BLACKLISTED ]
run $E -l "$D" lookup 35693803564380 00101x
check "bad IMSI: exit 1" [ $rc -eq 1 ]

run $E -l "$D" add range 35000000000100 35000000000199 black batch
check "add range" [ $rc -eq 0 ]
for x in 099:WHITELISTED 100:BLACKLISTED 199:BLACKLISTED 200:WHITELISTED; do
	run $E -l "$D" lookup 35000000000${x%:*}
	check "range boundary 35000000000${x%:*}: ${x#*:}" [ "$(first_word)" = "${x#*:}" ]
done
run $E -l "$D" add tac 35111111 grey model
check "add tac" [ $rc -eq 0 ]
for x in 35111110999999:WHITELISTED 35111111000000:GREYLISTED 35111111999999:GREYLISTED 35111112000000:WHITELISTED; do
	run $E -l "$D" lookup ${x%:*}
	check "TAC boundary ${x%:*}: ${x#*:}" [ "$(first_word)" = "${x#*:}" ]
done
$E -l "$D" export ranges > "$T/ranges.before"
run $E -l "$D" add range 35000000000150 35000000000250 white
check "overlapping range refused, naming the range" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "overlaps range 35000000000100..35000000000199"' _ $rc "$out"
$E -l "$D" export ranges > "$T/ranges.after"
check "and the ranges are unchanged" cmp -s "$T/ranges.before" "$T/ranges.after"
run $E -l "$D" add range 35000000000300 35000000000200 white
check "range with first > last refused" [ $rc -eq 1 ]
run $E -l "$D" del range 35000000000100
check "del range" [ $rc -eq 0 ]
run $E -l "$D" lookup 35000000000150
check "deleted range no longer matches" [ "$(first_word)" = WHITELISTED ]
run $E -l "$D" del tac 35111111
check "del tac" [ $rc -eq 0 ]
run $E -l "$D" del imei 11111111111111
check "del of an absent entry: exit 1, not found" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "not found"' _ $rc "$out"
run $E -l "$D" del pair 35693803564380 001010000000001
check "del pair" [ $rc -eq 0 ]

# imports: every form
cat > "$T/dirbs.csv" <<'CSV'
imei,block_date,reasons
35200000000001,20261101,Reported stolen
352000000000029,20261102,"Stolen, police ref 7|Reported lost"
CSV
cat > "$T/entries.csv" <<'CSV'
imei,list,reason
35200000000010,grey,"quoted, with comma"
35200000000011,white,
CSV
printf 'imei,list,reason\r\n35200000000012,black,crlf\r\n' > "$T/crlf.csv"
printf 'first,last,list,reason\n35300000000000,35300000000099,black,r1\n' > "$T/ranges.csv"
printf 'tac,list,reason\n35400000,white,approved\n' > "$T/tacs.csv"
printf 'imei,imsi,list,reason\n35200000000001,001010000000007,white,recovered\n' > "$T/pairs.csv"
for f in dirbs entries crlf ranges tacs pairs; do
	run $E -l "$D" import "$T/$f.csv"
	check "import $f form: exit 0" [ $rc -eq 0 ]
done
run $E -l "$D" lookup 35200000000002
check "DIRBS row with a quoted reason: BLACKLISTED with block date" sh -c '[ "$1" = BLACKLISTED ] && echo "$2" | grep -q "Stolen, police ref 7|Reported lost" && echo "$2" | grep -q "block date 2026-11-02"' _ "$(first_word)" "$out"
run $E -l "$D" lookup 35200000000001 001010000000007
check "imported pair" [ "$(first_word)" = WHITELISTED ]
run $E -l "$D" lookup 35200000000012
check "CRLF row" [ "$(first_word)" = BLACKLISTED ]
run $E -l "$D" lookup 35400000123456
check "imported TAC" [ "$(first_word)" = WHITELISTED ]
run $E -l "$D" lookup 35300000000050
check "imported range" [ "$(first_word)" = BLACKLISTED ]

# malformed rows: reported with line numbers, skipped, the rest applied
cat > "$T/bad.csv" <<'CSV'
imei,list,reason
35500000000001,black,good one
3550000000000A,black,non-digit
355000000000,black,too short
35500000000004,pink,bad list
35500000000005,black
35500000000006,black,"ok again"
35500000000007,grey,"unterminated
CSV
run $E -l "$D" import "$T/bad.csv"
check "import with bad rows: exit 2" [ $rc -eq 2 ]
for l in 3 4 5 6 8; do
	check "bad row on line $l reported" has "bad.csv:$l:"
done
check "summary counts 2 applied, 5 skipped" has "imported 2 rows (5 skipped"
run $E -l "$D" lookup 35500000000006
check "good rows applied" [ "$(first_word)" = BLACKLISTED ]
run $E -l "$D" lookup 35500000000004
check "bad rows not applied" [ "$(first_word)" = WHITELISTED ]
printf 'imei,block_date,reasons\n35600000000001,2026-13-01,x\n35600000000002,notadate,x\n' > "$T/baddate.csv"
run $E -l "$D" import "$T/baddate.csv"
check "every row bad: exit 1, nothing applied" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "nothing imported"' _ $rc "$out"
check "bad dates reported" has "invalid block_date"
printf 'first,last,list,reason\n35300000000050,35300000000150,grey,overlap\n35300000000200,35300000000299,grey,fine\n' > "$T/ovl.csv"
run $E -l "$D" import "$T/ovl.csv"
check "overlapping range row skipped with the store's message" sh -c '[ $1 -eq 2 ] && echo "$2" | grep -q "ovl.csv:2: range 35300000000050..35300000000150 overlaps"' _ $rc "$out"

$E -l "$D" export entries > "$T/e.before"
printf 'foo,bar\n1,2\n' > "$T/unknown.csv"
run $E -l "$D" import "$T/unknown.csv"
check "unknown header: exit 1, lists the forms" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "unknown header .foo,bar." && echo "$2" | grep -q "imei,block_date,reasons"' _ $rc "$out"
run $E -l "$D" import "$T/missing.csv"
check "missing file: exit 1" [ $rc -eq 1 ]
$E -l "$D" export entries > "$T/e.after"
check "store untouched by refused imports" cmp -s "$T/e.before" "$T/e.after"
printf 'imei,list,reason\n35700000000001,black,from stdin\n' | $E -l "$D" import - >/dev/null 2>&1
run $E -l "$D" lookup 35700000000001
check "import from stdin" [ "$(first_word)" = BLACKLISTED ]

# round trip: export, import into a fresh store, export again
for form in entries ranges pairs; do
	$E -l "$D" export $form "$T/$form.1"
done
$E -l "$T/db2" create >/dev/null
for form in entries ranges pairs; do
	run $E -l "$T/db2" import "$T/$form.1"
	check "re-import of exported $form: exit 0" [ $rc -eq 0 ]
	$E -l "$T/db2" export $form "$T/$form.2"
	check "export/import/export of $form is identical" cmp -s "$T/$form.1" "$T/$form.2"
done

run $E -l "$D" stats
check "stats shows the local entry count" sh -c 'echo "$1" | grep -q "imei *$2 entries"' _ "$out" "$(tail -n +2 "$T/entries.1" | wc -l | tr -d ' ')"

# single writer: while one process holds the local lists (an import waiting on a FIFO), writes are refused
mkfifo "$T/fifo"
$E -l "$D" import "$T/fifo" > "$T/fifo.out" 2>&1 &
pid=$!
exec 9> "$T/fifo"
sleep 0.5
run $E -l "$D" add imei 35800000000001 black
check "second writer refused (exit 1) and pointed to the VTY" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q "locked by osmo-eir-db (pid" && echo "$2" | grep -q VTY' _ $rc "$out"
run $E -l "$D" lookup 35200000000001
check "reads still work meanwhile" [ "$(first_word)" = BLACKLISTED ]
printf 'imei,list,reason\n35800000000002,grey,via fifo\n' >&9
exec 9>&-
wait $pid
check "the first writer finishes" [ $? -eq 0 ]
run $E -l "$D" lookup 35800000000002
check "and its rows are there" [ "$(first_word)" = GREYLISTED ]
run $E -l "$T/nonexistent" lookup 35200000000001
check "no store: exit 1, says how to create one" sh -c '[ $1 -eq 1 ] && echo "$2" | grep -q create' _ $rc "$out"
finish
