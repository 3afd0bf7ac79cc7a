#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-db end to end: every command, every CSV form, bad input (exit code, message, nothing half-applied),
# a transaction redone after the map grew, the export/import round trip and the single-writer lock.
set -eu
. "$top_srcdir/tests/lib.sh"
D="$T/db"
E="$EIR_DB"
bg_pid=
watchdog=
trap '[ -z "$bg_pid" ] || kill "$bg_pid" 2>/dev/null || :; [ -z "$watchdog" ] || kill "$watchdog" 2>/dev/null || :
	rm -rf "$T"' EXIT

# run CMD...: stdout+stderr in $out, exit code in $rc
run() {
	rc=0
	out=$("$@" 2>&1) || rc=$?
}
# has PATTERN: the last output has a line matching the grep pattern
has() { printf '%s\n' "$out" | grep -q -- "$1"; }
hasnt() { ! has "$1"; }
# count PATTERN: how many lines of the last output match
count() { printf '%s\n' "$out" | grep -c -- "$1" || :; }
verdict() { printf '%s\n' "$out" | head -n 1 | cut -d' ' -f1; }
# t DESCRIPTION COMMAND...: ok when COMMAND succeeds; otherwise not ok, with the last output
t() {
	desc="$1"
	shift
	if "$@"; then
		ok "$desc"
	else
		not_ok "$desc"
		printf '%s\n' "$out" | sed 's/^/#   /'
	fi
}
rc_is() { [ "$rc" -eq "$1" ]; }
# lookup_is DESCRIPTION VERDICT [-d POLICY] IMEI [IMSI]
lookup_is() {
	desc="$1"
	want="$2"
	shift 2
	if [ "$1" = -d ]; then
		pol="$2"
		shift 2
		run "$E" -l "$D" -d "$pol" lookup "$@"
	else
		run "$E" -l "$D" lookup "$@"
	fi
	t "$desc: $want" [ "$rc" -eq 0 -a "$(verdict)" = "$want" ]
}
# export_all DIR FILE: the three exports of store DIR, one after the other
export_all() {
	for form in entries ranges pairs; do
		"$E" -l "$1" export $form
	done > "$2"
}

# --- options and usage ---
run "$E" --help
t "--help: exit 0 and the commands" eval 'rc_is 0 && has "import FILE" && has "add pair"'
run "$E" -V
t "-V: the version" eval 'rc_is 0 && has "^osmo-eir-db [0-9]"'
run "$E" -l "$D"
t "no command: usage, exit 1" eval 'rc_is 1 && has "^usage: "'
run "$E" -l "$D" frobnicate
t "unknown command: exit 1" eval 'rc_is 1 && has "unknown command .frobnicate."'
run "$E" -m 12x -l "$D" create
t "bad map size: exit 1" eval 'rc_is 1 && has "invalid map size"'
run "$E" -d pink -l "$D" lookup 35693803564380
t "bad default verdict: exit 1" eval 'rc_is 1 && has "invalid default verdict"'
run "$E" -l "$D" lookup 35693803564380
t "no store yet: exit 1, says how to create one" eval 'rc_is 1 && has "create"'

# --- create, add, lookup ---
run "$E" -l "$D" -m 16 create
t "create" rc_is 0
run "$E" -l "$D" create
t "create again: harmless" rc_is 0
lookup_is "empty store: the default policy" WHITELISTED 35693803564380
t "  and says so" has "default policy"
lookup_is "-d unknown" UNKNOWN -d unknown 35693803564380
lookup_is "-d black" BLACKLISTED -d black 35693803564380

applied_from=$(date -u +%s)
run "$E" -l "$D" add imei 35693803564380 black stolen, police ref 42
applied_to=$(date -u +%s)
t "add imei black" eval 'rc_is 0 && has "^add imei 35693803564380: none -> black \"stolen, police ref 42\" listed "'
run "$E" -l "$D" add imei 35693803564381 grey
t "add imei grey" rc_is 0
run "$E" -l "$D" add imei 35693803564382 white
t "add imei white" rc_is 0
lookup_is "black entry" BLACKLISTED 35693803564380
t "  with its reason and the day it was listed" eval 'has "reason \"stolen, police ref 42\"" && has "listed 20"'
# the time the entry was applied to the store, to the second: the add's own time
applied=$(printf '%s\n' "$out" | head -n 1 | sed -n 's/.*, applied \([0-9-]* [0-9:]*\) UTC$/\1/p')
applied_s=$(date -u -d "$applied" +%s 2>/dev/null || echo 0)
t "  and the time it was applied, the add's (UTC, at the end of the why)" \
	test "$applied_s" -ge "$applied_from" -a "$applied_s" -le "$applied_to"
lookup_is "grey entry" GREYLISTED 35693803564381
lookup_is "white entry" WHITELISTED -d unknown 35693803564382
run "$E" -l "$D" add imei 35693803564381 black changed
lookup_is "add over an entry changes its list" BLACKLISTED 35693803564381
run "$E" -l "$D" add imei 35693803564381 grey

# IMEI forms
lookup_is "15 digits, right check digit" BLACKLISTED 356938035643809
t "  and no check digit note" hasnt "check digit"
lookup_is "15 digits, wrong check digit: accepted" WHITELISTED -d unknown 356938035643823
t "  and the check digit is named" has "check digit 3 is wrong, expected 5"
lookup_is "16 digits (IMEISV): the 14-digit key" BLACKLISTED 3569380356438012
run "$E" -l "$D" lookup 3569380356438A
t "non-digit IMEI: exit 1, the character and its position" \
	eval 'rc_is 1 && has "invalid IMEI .3569380356438A.: .A. at position 14 is not a digit"'
run "$E" -l "$D" add imei 123 black
t "13-digit IMEI refused: exit 1, says how many digits" eval 'rc_is 1 && has "3 digits"'
run "$E" -l "$D" add imei 35693803564389 pink
t "unknown list refused: exit 1" eval 'rc_is 1 && has "unknown list .pink."'
run "$E" -l "$D" add imei 35693803564389
t "add without a list: usage, exit 1" eval 'rc_is 1 && has "usage: .*add imei IMEI LIST"'
run "$E" -l "$D" add 356938035643823 black
t "add what?: exit 1" rc_is 1

# a 15th digit that is neither the check digit nor the spare 0 is a typo that would hit another handset: every
# edit naming such an IMEI is refused, exit 1 with this exact message, and changes nothing
cd_is() {
	t "$1: exit 1, the exact message" eval "rc_is 1 && [ \"\$out\" = \"osmo-eir-db: check digit $2 of $3 is wrong \
(expected $4); give the 14 digits to store it anyway\" ]"
}
"$E" -l "$D" add range 35000000000100 35000000000199 black > /dev/null
"$E" -l "$D" add pair 35693803564380 001010000000001 white > /dev/null
export_all "$D" "$T/cd.before"
"$E" -l "$D" audit 1 > "$T/cd.audit.before"
run "$E" -l "$D" add imei 356938035643893 black
cd_is "add imei, wrong check digit" 3 356938035643893 0
run "$E" -l "$D" del imei 356938035643801
cd_is "del imei, wrong check digit" 1 356938035643801 9
run "$E" -l "$D" add range 350000000001005 35000000000199 grey
cd_is "add range, wrong check digit in the first IMEI" 5 350000000001005 4
run "$E" -l "$D" add range 35000000000100 350000000001995 grey
cd_is "add range, wrong check digit in the last IMEI" 5 350000000001995 6
run "$E" -l "$D" del range 350000000001005
cd_is "del range, wrong check digit" 5 350000000001005 4
run "$E" -l "$D" add pair 356938035643801 001010000000001 black
cd_is "add pair, wrong check digit" 1 356938035643801 9
run "$E" -l "$D" del pair 356938035643801 001010000000001
cd_is "del pair, wrong check digit" 1 356938035643801 9
export_all "$D" "$T/cd.after"
"$E" -l "$D" audit 1 > "$T/cd.audit.after"
t "  nothing changed: the lists and the audit trail" eval 'cmp -s "$T/cd.before" "$T/cd.after" &&
	cmp -s "$T/cd.audit.before" "$T/cd.audit.after"'
lookup_is "  a lookup takes the wrong form" BLACKLISTED 356938035643801
lookup_is "  the typo stored nothing" UNKNOWN -d unknown 35693803564389
run "$E" -l "$D" add imei 35693803564389 black
t "the same with the 14 digits: stored" rc_is 0
run "$E" -l "$D" del range 350000000001004
t "del range with its check digit" rc_is 0
run "$E" -l "$D" del pair 356938035643800 001010000000001
t "del pair with the spare 0" rc_is 0

# pairs
run "$E" -l "$D" add pair 35693803564380 001010000000001 white owner verified
t "add pair" rc_is 0
lookup_is "pair beats the IMEI's entry" WHITELISTED 35693803564380 001010000000001
t "  and the entry is listed as also matched" has "^  also: local entry IMEI 35693803564380: list black"
lookup_is "another IMSI: the entry" BLACKLISTED 35693803564380 001010000000002
lookup_is "no IMSI: the entry" BLACKLISTED 35693803564380
run "$E" -l "$D" lookup 35693803564380 00101x
t "bad IMSI: exit 1" eval 'rc_is 1 && has "invalid IMSI"'

# ranges and TACs, at their boundaries
run "$E" -l "$D" add range 35000000000100 35000000000199 black batch
t "add range" eval 'rc_is 0 && has "^add range 35000000000100..35000000000199: none -> 35000000000100..35000000000199 black"'
lookup_is "range first-1" UNKNOWN -d unknown 35000000000099
lookup_is "range first" BLACKLISTED -d unknown 35000000000100
lookup_is "range last" BLACKLISTED -d unknown 35000000000199
lookup_is "range last+1" UNKNOWN -d unknown 35000000000200
run "$E" -l "$D" add tac 35111111 grey model
t "add tac" eval 'rc_is 0 && has "^add tac 35111111: none -> 35111111000000..35111111999999 grey"'
lookup_is "TAC first-1" UNKNOWN -d unknown 35111110999999
lookup_is "TAC first" GREYLISTED -d unknown 35111111000000
lookup_is "TAC last" GREYLISTED -d unknown 35111111999999
lookup_is "TAC last+1" UNKNOWN -d unknown 35111112000000
run "$E" -l "$D" add imei 35111111123456 black
lookup_is "an entry beats a range" BLACKLISTED 35111111123456
t "  and the range is listed as also matched" has "also: local range 35111111000000..35111111999999"

"$E" -l "$D" export ranges > "$T/ranges.before"
run "$E" -l "$D" add range 35000000000150 35000000000250 white
t "overlapping range refused: exit 1, naming the range" \
	eval 'rc_is 1 && has "overlaps range 35000000000100..35000000000199"'
run "$E" -l "$D" add range 35000000000000 35000000000100 white
t "overlap by one IMEI refused too" eval 'rc_is 1 && has "overlaps range 35000000000100..35000000000199"'
run "$E" -l "$D" add tac 35000000 white
t "a TAC over a range refused" eval 'rc_is 1 && has "overlaps range 35000000000100..35000000000199"'
"$E" -l "$D" export ranges > "$T/ranges.after"
t "the ranges are unchanged" cmp -s "$T/ranges.before" "$T/ranges.after"
run "$E" -l "$D" add range 35000000000300 35000000000200 white
t "range with first > last refused" eval 'rc_is 1 && has "after last"'

# del
run "$E" -l "$D" del imei 11111111111111
t "del of an absent entry: exit 1, not found" eval 'rc_is 1 && has "not found"'
run "$E" -l "$D" del range 35000000000101
t "del range by an IMEI that starts no range: exit 1, not found" eval 'rc_is 1 && has "not found"'
run "$E" -l "$D" del tac 35000000
t "del tac of a range that is not the whole TAC: exit 1" eval 'rc_is 1 && has "not found\|no range for the whole TAC"'
run "$E" -l "$D" del pair 35693803564380 001010000000009
t "del of an absent pair: exit 1, not found" eval 'rc_is 1 && has "not found"'
run "$E" -l "$D" del range 35000000000100
t "del range" rc_is 0
lookup_is "deleted range no longer matches" UNKNOWN -d unknown 35000000000150
run "$E" -l "$D" del tac 35111111
t "del tac" rc_is 0
lookup_is "deleted TAC no longer matches" UNKNOWN -d unknown 35111111000001
run "$E" -l "$D" del pair 35693803564380 001010000000001
t "del pair" rc_is 0
lookup_is "deleted pair no longer matches" BLACKLISTED 35693803564380 001010000000001
run "$E" -l "$D" del imei 35693803564382
t "del imei" rc_is 0
lookup_is "deleted entry no longer matches" UNKNOWN -d unknown 35693803564382
run "$E" -l "$D" del imei 35693803564382
t "del it again: exit 1, not found" eval 'rc_is 1 && has "not found"'

# --- import: every form ---
cat > "$T/dirbs.csv" <<'CSV'
imei,block_date,reasons
35200000000001,20261101,Reported stolen
352000000000029,20261102,"Stolen, police ref 7|Reported lost"
CSV
cat > "$T/entries.csv" <<'CSV'
 IMEI , List , Reason
35200000000010,grey,"quoted, with comma"
35200000000011,white,
CSV
printf 'imei,list\n35200000000013,grey\n' > "$T/entries2.csv"
printf 'imei,list,reason,block_date\r\n35200000000012,black,crlf,2026-12-01\r\n' > "$T/entries4.csv"
printf 'first,last,list,reason\n35300000000000,35300000000099,black,r1\n' > "$T/ranges.csv"
printf 'tac,list,reason\n35400000,white,approved\n' > "$T/tacs.csv"
printf 'imei,imsi,list,reason\n35200000000001,001010000000007,white,recovered\n' > "$T/pairs.csv"
summary='^imported [0-9]* rows (0 skipped, [0-9]* check-digit warnings) in [0-9.]* s ([0-9]* rows/s)$'
for f in dirbs entries entries2 entries4 ranges tacs pairs; do
	run "$E" -l "$D" import "$T/$f.csv"
	t "import $f.csv: exit 0 and the summary" eval 'rc_is 0 && has "$summary"'
done
lookup_is "DIRBS row" BLACKLISTED 35200000000001
t "  with its block date and reason" eval 'has "reason \"Reported stolen\"" && has "block date 2026-11-01"'
lookup_is "DIRBS row with a quoted reason of two texts" BLACKLISTED 35200000000002
t "  stored as one reason" has 'reason "Stolen, police ref 7|Reported lost", listed .*, block date 2026-11-02'
lookup_is "entries form (header in capitals, with spaces)" GREYLISTED 35200000000010
t "  with its quoted reason" has 'reason "quoted, with comma"'
lookup_is "entries form without reason" GREYLISTED 35200000000013
lookup_is "entries form with block date, CRLF" BLACKLISTED 35200000000012
t "  with its block date" has "block date 2026-12-01"
lookup_is "imported range" BLACKLISTED -d unknown 35300000000099
lookup_is "  and not past it" UNKNOWN -d unknown 35300000000100
lookup_is "imported TAC, first" WHITELISTED -d unknown 35400000000000
lookup_is "imported TAC, last" WHITELISTED -d unknown 35400000999999
lookup_is "imported pair" WHITELISTED 35200000000001 001010000000007
printf 'imei,list,reason\n35700000000001,black,from stdin\n' > "$T/stdin.csv"
run sh -c '"$1" -l "$2" import - < "$3"' _ "$E" "$D" "$T/stdin.csv"
t "import - from a redirected file" rc_is 0
run sh -c 'cat "$3" | "$1" -l "$2" import -' _ "$E" "$D" "$T/stdin.csv"
t "import - from a pipe" rc_is 0
lookup_is "  its row" BLACKLISTED 35700000000001

# --- malformed rows: reported with their line numbers, skipped, the rest applied ---
cat > "$T/bad.csv" <<'CSV'
imei,list,reason,block_date
35500000000001,black,good one,
3550000000000A,black,non-digit,
355000000003,black,too short,
35500000000004,pink,bad list,
35500000000005,black,wrong field count
35500000000006,grey,bad date,20261301
355000000000072,white,"ok, again, check digit wrong",20261224
35500000000008,grey,"unterminated quote
35500000000009,grey,swallowed by the quote,
CSV
"$E" -l "$D" export entries > "$T/e.before"
run "$E" -l "$D" import "$T/bad.csv"
t "import with bad rows: exit 2" rc_is 2
t "line 3, non-digit: reported" has "bad.csv:3: invalid IMEI '3550000000000A': 'A' at position 14 is not a digit"
t "line 4, too short: reported" has "bad.csv:4: invalid IMEI '355000000003': 12 digits"
t "line 5, bad list: reported" has "bad.csv:5: unknown list 'pink'"
t "line 6, wrong field count: reported" has "bad.csv:6: 3 fields, expected 4"
t "line 7, bad date: reported" has "bad.csv:7: invalid block_date '20261301'"
t "line 8, check digit: a warning" has "bad.csv:8: warning: .*check digit 2 is wrong, expected 6"
t "line 9, unterminated quote: reported" has "bad.csv:9: unterminated quoted field"
t "summary: 2 applied, 6 skipped, 1 check-digit warning" has "imported 2 rows (6 skipped, 1 check-digit warnings)"
lookup_is "good row applied" BLACKLISTED -d unknown 35500000000001
lookup_is "good row with a wrong check digit applied" WHITELISTED -d unknown 35500000000007
t "  with its block date" has "block date 2026-12-24"
for i in 3 4 5 6 8 9; do
	lookup_is "bad row 3550000000000$i absent" UNKNOWN -d unknown 3550000000000$i
done

# every row bad: nothing applied
"$E" -l "$D" export entries > "$T/e.before"
printf 'imei,block_date,reasons\n35600000000001,2026-13-01,x\n35600000000002,notadate,x\n3560000000000,20260101,x\n' \
	> "$T/allbad.csv"
run "$E" -l "$D" import "$T/allbad.csv"
t "every row bad: exit 1, nothing imported" eval 'rc_is 1 && has "nothing imported"'
t "  each reported" eval 'has "allbad.csv:2: invalid block_date" && has "allbad.csv:3: invalid block_date" &&
	has "allbad.csv:4: invalid IMEI"'
"$E" -l "$D" export entries > "$T/e.after"
t "  and the store is unchanged" cmp -s "$T/e.before" "$T/e.after"

# overlapping ranges in an import: that row skipped with the store's message
printf 'first,last,list,reason\n35300000000050,35300000000150,grey,overlap\n35300000000200,35300000000299,grey,fine\n' \
	> "$T/ovl.csv"
run "$E" -l "$D" import "$T/ovl.csv"
t "overlapping range row skipped: exit 2, the range it overlaps named" \
	eval 'rc_is 2 &&
	has "ovl.csv:2: range 35300000000050..35300000000150 overlaps range 35300000000000..35300000000099"'
lookup_is "  the other row applied" GREYLISTED -d unknown 35300000000250
lookup_is "  the overlapping one not" UNKNOWN -d unknown 35300000000120
printf 'tac,list\n35400000,black\n354000001,black\n' > "$T/badtac.csv"
run "$E" -l "$D" import "$T/badtac.csv"
t "TAC form: an existing TAC and a 9-digit TAC refused, exit 1" \
	eval 'rc_is 1 && has "badtac.csv:2: .*overlaps" && has "badtac.csv:3: invalid TAC"'

# more than 100 bad rows: the first 100, then how many more
awk 'BEGIN { print "imei,list"; for (i = 0; i < 150; i++) print "12345,black"; print "35610000000000,grey" }' \
	> "$T/many.csv"
run "$E" -l "$D" import "$T/many.csv"
t "150 bad rows: exit 2" rc_is 2
t "  100 of them reported" [ "$(count 'many.csv:[0-9]*: invalid IMEI')" -eq 100 ]
t "  then '... 50 more'" has "many.csv: \.\.\. 50 more"

# refused imports leave the store alone
export_all "$D" "$T/all.before"
printf 'foo,bar\n1,2\n' > "$T/unknown.csv"
run "$E" -l "$D" import "$T/unknown.csv"
t "unknown header: exit 1, quoted, with the accepted forms" \
	eval 'rc_is 1 && has "unknown header .foo,bar." && has "^  imei,block_date,reasons$" &&
	has "^  first,last,list,reason$"'
printf 'imei,list,reason,extra\n35690000000001,black,x,y\n' > "$T/unknown2.csv"
run "$E" -l "$D" import "$T/unknown2.csv"
t "a header with an extra column: exit 1" eval 'rc_is 1 && has "unknown header .imei,list,reason,extra."'
: > "$T/empty.csv"
run "$E" -l "$D" import "$T/empty.csv"
t "empty file: exit 1" rc_is 1
run "$E" -l "$D" import "$T/missing.csv"
t "missing file: exit 1, says why" eval 'rc_is 1 && has "missing.csv: No such file"'
run "$E" -l "$D" import
t "import without a file: usage, exit 1" eval 'rc_is 1 && has "usage: .*import FILE"'
export_all "$D" "$T/all.after"
t "the store is untouched by the refused imports" cmp -s "$T/all.before" "$T/all.after"

# --- a transaction redone after the map grew: every row once, every message once (a reason text per row: the
# store needs more than the file's size, which the map is grown to before the write, so the write fills it) ---
bigcsv() { # REASONS: 100000 rows, 2 bad, 1 check digit warning, reasons r0..r(REASONS-1)
	awk -v nr="$1" 'BEGIN {
		print "imei,list,reason"
		for (i = 0; i < 100000; i++) {
			if (i == 1 || i == 90000)
				print "35x,black,bad"
			else if (i == 95000)
				printf "362000%08d9,grey,check digit\n", i
			else
				printf "362000%08d,black,r%d\n", i, i % nr
		}
	}'
}
bigcsv 7 > "$T/big7.csv"
run "$E" -l "$T/grow7" -m 1 create
run "$E" -l "$T/grow7" -m 1 import "$T/big7.csv"
t "100000 rows of 7 reasons into a 1 MiB map: exit 2, the map grown once, before the write (no redo)" \
	eval 'rc_is 2 && [ "$(count "map grown")" -eq 1 ] && has "map grown to 4096 KiB (room for a write of ~2 MiB)" &&
	has "imported 99998 rows (2 skipped"'
bigcsv 100000 > "$T/big.csv"
run "$E" -l "$T/grow" -m 1 create
run "$E" -l "$T/grow" -m 1 import "$T/big.csv"
t "100000 rows into a 1 MiB map: exit 2 (2 bad rows)" rc_is 2
t "  the map grew before the write, and during it (redone)" \
	eval 'has "room for a write" && [ "$(count "map grown")" -ge 2 ]'
t "  the bad rows reported once each" \
	eval '[ "$(count "big.csv:3: invalid IMEI")" -eq 1 ] && [ "$(count "big.csv:90002: invalid IMEI")" -eq 1 ]'
t "  the check digit warning once" [ "$(count "big.csv:95002: warning")" -eq 1 ]
t "  the summary counts each row once" has "imported 99998 rows (2 skipped, 1 check-digit warnings)"
run "$E" -l "$T/grow" stats
t "  and the store holds them all" has "^  imei *99998 entries"
awk 'BEGIN {
	print "first,last,list,reason"
	for (i = 0; i < 60000; i++)
		printf "363000%06d00,363000%06d09,grey,batch %d\n", i, i, i
	print "36300000000005,36300000000015,black,overlaps the first two"
}' > "$T/bigranges.csv"
run "$E" -l "$T/grow" -m 1 import "$T/bigranges.csv"
t "60000 ranges, 60000 reasons, the map grows: exit 2, the overlap reported once" eval 'rc_is 2 && has "map grown" &&
	[ "$(count "bigranges.csv:60002: range 36300000000005..36300000000015 overlaps")" -eq 1 ] &&
	has "imported 60000 rows (1 skipped"'

# --- round trip: export, import into a fresh store, export again ---
run "$E" -l "$D" add imei 35800000000003 grey 'say "hi", then
a new line'
for form in entries ranges pairs; do
	run "$E" -l "$D" export $form "$T/$form.1"
	t "export $form to a file" rc_is 0
done
run "$E" -l "$D" add pair 35200000000010 001019999999999 black round trip
"$E" -l "$D" export pairs - > "$T/pairs.1"
"$E" -l "$T/db2" create > /dev/null
for form in entries ranges pairs; do
	run "$E" -l "$T/db2" import "$T/$form.1"
	t "re-import of the exported $form: exit 0" rc_is 0
	"$E" -l "$T/db2" export $form > "$T/$form.2"
	t "export/import/export of $form is identical" cmp -s "$T/$form.1" "$T/$form.2"
done
t "the round trip kept a reason with quotes, a comma and a line break" \
	eval "$E -l $T/db2 lookup 35800000000003 | grep -q 'say \"hi\", then'"
t "  and the pairs" [ "$(wc -l < "$T/pairs.2")" -ge 2 ]

# --- stats ---
S="$T/stats"
"$E" -l "$S" create > /dev/null
for i in 1 2 3; do
	"$E" -l "$S" add imei 3590000000000$i black > /dev/null
done
"$E" -l "$S" add range 35910000000000 35910000000099 grey > /dev/null
"$E" -l "$S" add tac 35920000 white > /dev/null
"$E" -l "$S" add pair 35900000000001 001010000000001 white > /dev/null
"$E" -l "$S" add pair 35900000000001 001010000000002 white > /dev/null
run "$E" -l "$S" stats
t "stats: exit 0, both parts" eval 'rc_is 0 && has "^local: schema 4" && has "^national: schema 4"'
t "  3 IMEI entries" has "^  imei *3 entries"
t "  2 ranges" has "^  range *2 entries"
t "  2 pairs" has "^  pair *2 entries"
t "  the national feed never synced" has "feed: never synced"

# --- single writer: while one process holds the local lists (an import waiting on a FIFO), writes are refused ---
mkfifo "$T/fifo"
"$E" -l "$D" import "$T/fifo" > "$T/fifo.out" 2>&1 &
bg_pid=$!
# if the import never opened the FIFO, do not wait for ever
(sleep 30; exec cat "$T/fifo") > /dev/null 2>&1 &
watchdog=$!
exec 9> "$T/fifo"	# returns once the import has the lock and opened the FIFO
kill "$watchdog" 2>/dev/null || :
watchdog=
run "$E" -l "$D" add imei 35800000000001 black
t "second writer refused: exit 1, names the holder and points to the VTY" \
	eval 'rc_is 1 && has "^osmo-eir-db: the local lists are locked by osmo-eir-db (pid $bg_pid)" &&
	has "VTY or CTRL interface"'
run "$E" -l "$D" del imei 35200000000001
t "  also for del" rc_is 1
run "$E" -l "$D" create
t "  and create" rc_is 1
lookup_is "reads still work meanwhile" BLACKLISTED 35200000000001
lookup_is "  without the refused write" UNKNOWN -d unknown 35800000000001
printf 'imei,list,reason\n35800000000002,grey,via fifo\n' >&9
exec 9>&-
rc=0
wait "$bg_pid" || rc=$?
bg_pid=
out=$(cat "$T/fifo.out")
t "the first writer finishes" eval 'rc_is 0 && has "imported 1 rows"'
lookup_is "  and its row is there" GREYLISTED 35800000000002
run "$E" -l "$D" add imei 35800000000001 black
t "once it is done, writes work again" rc_is 0

# the audit trail: every add/del above, who made it, before and after
run "$E" -l "$D" add imei 35800000000001 grey second thoughts
run "$E" -l "$D" audit 2
t "audit 2: exit 0, two records" eval 'rc_is 0 && [ "$(count " UTC #")" -eq 2 ]'
t "  the older first: added black" has "osmo-eir-db uid $(id -u): add imei 35800000000001: none -> black listed "
t "  then changed to grey, with before and after" \
	has ": add imei 35800000000001: black listed [0-9-]* -> grey \"second thoughts\" listed "
n=$(printf '%s\n' "$out" | sed -n 's/.* UTC #\([0-9]*\) .*/\1/p' | tail -n 1)
for i in 1 2 3; do "$E" -l "$D" add imei 3580000000010$i white >/dev/null; done
run "$E" -l "$D" audit
t "audit: the last 20 by default" eval 'rc_is 0 && [ "$(count " UTC #")" -eq 20 ] && has " UTC #$((n + 3)) " &&
	has " UTC #$((n - 16)) " && hasnt " UTC #$((n - 17)) "'
t "  a reason with a line break stays on its line" eval '[ "$(count "^2[0-9-]* [0-9:.]* UTC #")" -eq 20 ] &&
	[ "$(printf "%s\n" "$out" | wc -l)" -eq 20 ]'
run "$E" -l "$D" audit 1000
t "an import is one audit record, with its row counts" \
	has "osmo-eir-db uid $(id -u): import .*: - -> [0-9]* rows added or changed, [0-9]* skipped$"
run "$E" -l "$D" audit 0
t "audit 0: exit 1 with the valid range" eval 'rc_is 1 && has "invalid count .0.: 1 to 1000000"'
run "$E" -l "$D" audit 1 2
t "audit 1 2: usage, exit 1" eval 'rc_is 1 && has "usage: osmo-eir-db .*audit \[N\]"'

finish
