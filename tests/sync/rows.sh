#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Notification and exception rows keyed by (IMEI, IMSI, MSISDN), as DIRBS keys them, from osmo-eir-feed's own diff
# through osmo-eir-sync to the verdicts: a pair under two MSISDNs losing one row (still excepted) and then the
# other (gone), as deltas, as full lists and as DIRBS's own delta files; the same for notifications (grey while any row remains); an MSISDN
# change published as the old row removed and the new one added; a full list holding the 14- and 15-digit forms
# of one IMEI counted once.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
feed_key || { echo "# cannot make a feed key"; exit 1; }

A=35000000000011 N=35000000000055 B=35000000000066 X=001010000000077 Y=001010000000088 Z=001010000000099
M1=447700900001 M2=447700900002 M3=447700900003 M4=447700900004 M5=447700900005 M6=447700900006
mkdir -p "$T/in" "$T/www"
DFEED="$T/www/d"	# runs with deltas
FFEED="$T/www/f"	# the same lists, full lists only (--no-deltas): the apply's sweep
# run NAME NOTIF_ROWS EXC_ROWS: publish the lists (A blacklisted) to both feeds; rows as "imei,imsi,msisdn ..."
run() {
	blacklist "$T/in/bl.csv" $A
	echo "imei,imsi,msisdn,block_date,reasons" > "$T/in/notif.csv"
	for r in $2; do echo "$r,20261201,Duplicate IMEI" >> "$T/in/notif.csv"; done
	echo "imei,imsi,msisdn" > "$T/in/exc.csv"
	for r in $3; do echo "$r" >> "$T/in/exc.csv"; done
	"$EIR_FEED" -d "$DFEED" -k "$T/feed.key" publish --blacklist "$T/in/bl.csv" \
		--notifications "$OP=$T/in/notif.csv" --exceptions "$OP=$T/in/exc.csv" > "$T/publish-$1.out" 2>&1 &&
	"$EIR_FEED" -d "$FFEED" -k "$T/feed.key" publish --no-deltas --blacklist "$T/in/bl.csv" \
		--notifications "$OP=$T/in/notif.csv" --exceptions "$OP=$T/in/exc.csv" > /dev/null 2>&1 ||
		{ echo "# osmo-eir-feed publish $1 failed:"; sed 's/^/#   /' "$T/publish-$1.out"; return 1; }
}
# both_sync: the delta store SD from the delta feed, the full-list store SF from the other
SD="$T/sd" SF="$T/sf"
"$EIR_DB" -l "$SD" create >/dev/null
"$EIR_DB" -l "$SF" create >/dev/null
both_sync() {
	feed_sync "$SF" -u "file://$FFEED/"
	rcf=$rc
	cp "$T/sync.out" "$T/sync-f.out"
	feed_sync "$SD" -u "file://$DFEED/"
	check "$1: delta sync exit 0 ($rc)" [ $rc -eq 0 ]
	check "$1: full-list sync exit 0 ($rcf)" [ $rcf -eq 0 ]
}
# both DESCRIPTION EXPECTED IMEI [IMSI]: the verdict in both stores
both() {
	d=$1 want=$2
	shift 2
	check "$d (deltas)" [ "$(verdict "$SD" "$@")" = "$want" ]
	check "$d (full lists)" [ "$(verdict "$SF" "$@")" = "$want" ]
}
# why_has STORE PATTERN IMEI [IMSI]: osmo-eir-db lookup's answer matches PATTERN
why_has() {
	s=$1 p=$2
	shift 2
	"$EIR_DB" -l "$s" lookup "$@" 2>&1 | grep -q -- "$p" && return 0
	"$EIR_DB" -l "$s" lookup "$@" 2>&1 | sed 's/^/#   /'
	return 1
}
# delta_file RUN LIST CHANGE: the plain delta file of that list and change type in run RUN (base RUN - 1)
delta_file() { ls "$DFEED"/*_"$2"_"$OP"_delta_$(($1 - 1))_$1_"$3".csv 2>/dev/null; }

# --- run 1: (A, X) excepted under two MSISDNs; N notified under (X, M3) and (X, M4) ---
run 1 "$N,$X,$M3 $N,$X,$M4" "$A,$X,$M1 $A,$X,$M2"
both_sync "run 1"
both "run 1: the pair is excepted" WHITELISTED $A $X
both "run 1: another IMSI is not" BLACKLISTED $A $Y
both "run 1: the notified IMEI is grey" GREYLISTED $N $Z
check "run 1: the exception's why names its MSISDN and the other" \
	why_has "$SD" "IMSI $X MSISDN $M1, also under MSISDN $M2" $A $X
check "run 1: the notification's why names both rows" \
	why_has "$SD" "IMSI $X MSISDN $M3, also IMSI $X MSISDN $M4" $N $X
check "run 1: the store holds both exception rows" \
	sh -c "'$EIR_DB' -l '$SD' stats | grep -A8 '^national:' | grep -q '^  exc  *2 entries'"
printf 'imei,imsi,msisdn\n%s,%s,%s\n%s,%s,%s\n' $A $X $M1 $A $X $M2 > "$T/exc.want"
"$EIR_DB" -l "$SF" export exceptions > "$T/exc.got" 2>&1
check "run 1: osmo-eir-db export exceptions: a line per row, with its MSISDN" cmp -s "$T/exc.want" "$T/exc.got"
printf 'imei,imsi,msisdn,block_date,reasons,amnesty_granted\n%s,%s,%s,20261201,Duplicate IMEI,False\n' \
	$N $X $M3 > "$T/notif.want"
printf '%s,%s,%s,20261201,Duplicate IMEI,False\n' $N $X $M4 >> "$T/notif.want"
"$EIR_DB" -l "$SD" export notifications > "$T/notif.got" 2>&1
check "run 1: osmo-eir-db export notifications: as DIRBS writes them" cmp -s "$T/notif.want" "$T/notif.got"
# the VTY: the why and the paging name each row's MSISDN
cp -a "$SD" "$T/store"
if eir_start; then
	python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" enable "show equipment imei $A imsi $X" \
		"show equipment national exception" "show equipment national notification" > "$T/vty.out" 2>&1
	python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment national exception count 1" \
		> "$T/page1.out" 2>&1
	eir_stop
	vty_has() { grep -q -- "$2" "$T/vty.out" && ok "$1" || { not_ok "$1"; sed 's/^/#   /' "$T/vty.out"; }; }
	vty_has "VTY why: the MSISDN and the pair's other one" \
		"decided by: national exception IMEI $A IMSI $X MSISDN $M1, also under MSISDN $M2: list white"
	vty_has "VTY paging: the first exception row with its MSISDN" "^ $A $X msisdn $M1 "
	vty_has "VTY paging: the second" "^ $A $X msisdn $M2 "
	vty_has "VTY paging: both notification rows" "^ $N $X msisdn $M4 "
	# count 1: a page never ends inside one IMEI's rows (it would start again at the same IMEI)
	check "VTY paging, count 1: both rows of the IMEI, then the end ($(grep -c "^ $A" "$T/page1.out") rows)" \
		sh -c "[ \$(grep -c '^ $A $X msisdn' '$T/page1.out') -eq 2 ] && grep -q '^% end of the national exception list' '$T/page1.out'"
else
	not_ok "osmo-eir on the synced store"
fi

# --- DIRBS's own deltas (a run made here by hand on run 1): removing one MSISDN's row keeps the pair ---
cp -a "$DFEED" "$T/www/h"
cp -a "$SD" "$T/sh"
dirbs_run() {
	echo "$1 20991231_00000$1 $(($1 - 1)) $2" >> "$T/www/h/RUNS"
	(cd "$T/www/h" && sha256sum RUNS $(cut -d' ' -f4- RUNS)) > "$T/www/h/SHA256SUMS"
	openssl pkeyutl -sign -rawin -inkey "$T/feed.key" -in "$T/www/h/SHA256SUMS" -out "$T/www/h/SHA256SUMS.sig"
	feed_sync "$T/sh" -u "file://$T/www/h/"
	check "DIRBS run $1: exit 0 ($rc)" [ $rc -eq 0 ]
}
name="20991231_000002_exceptions_${OP}_delta_1_2_removed.csv"
printf 'imei,imsi,msisdn\r\n%s,%s,%s\r\n' $A $X $M1 > "$T/www/h/$name"
dirbs_run 2 "$name"
check "DIRBS run 2: the row of $M1 removed, the pair still excepted" [ "$(verdict "$T/sh" $A $X)" = WHITELISTED ]
name="20991231_000003_notifications_${OP}_delta_2_3_resolved.csv"
printf 'imei,imsi,msisdn,block_date,reasons\r\n%s,%s,%s,20261201,Duplicate IMEI\r\n' $N $X $M3 > "$T/www/h/$name"
dirbs_run 3 "$name"
check "DIRBS run 3: one notification row resolved, the IMEI still grey" [ "$(verdict "$T/sh" $N $Z)" = GREYLISTED ]
name="20991231_000004_exceptions_${OP}_delta_3_4_removed.csv"
printf 'imei,imsi,msisdn\r\n%s,%s,%s\r\n' $A $X $M2 > "$T/www/h/$name"
dirbs_run 4 "$name"
check "DIRBS run 4: the other row removed, the pair no longer excepted" [ "$(verdict "$T/sh" $A $X)" = BLACKLISTED ]

# --- run 2: one MSISDN of each goes ---
run 2 "$N,$X,$M4" "$A,$X,$M2"
f=$(delta_file 2 exceptions removed)
check "run 2: an exceptions 'removed' delta" [ -n "$f" ]
check "run 2: it removes the row of MSISDN $M1 only" [ "$(tail -n +2 "$f" 2>/dev/null)" = "$A,$X,$M1" ]
check "run 2: no exceptions 'added' delta" [ -z "$(delta_file 2 exceptions added)" ]
f=$(delta_file 2 notifications resolved)
check "run 2: the notification row of MSISDN $M3 resolved" [ "$(tail -n +2 "$f" 2>/dev/null)" = \
	"$N,$X,$M3,20261201,Duplicate IMEI" ]
check "run 2: osmo-eir-feed counts the exception row removed" \
	grep -q "^exceptions $OP: 0 added, 0 changed, 1 removed" "$T/publish-2.out"
both_sync "run 2"
grep -q "applied as deltas from run 1: 0 added, 2 removed" "$T/sync.out" && ok "run 2: two rows removed" ||
	{ not_ok "run 2: two rows removed"; sed 's/^/#   /' "$T/sync.out"; }
both "run 2: the pair is still excepted, by its other row" WHITELISTED $A $X
both "run 2: the IMEI still grey, by its other row" GREYLISTED $N $Z
check "run 2: the exception's why names the row left" why_has "$SF" "IMSI $X MSISDN $M2:" $A $X

# --- run 3: the other rows go ---
run 3 "" ""
both_sync "run 3"
both "run 3: the pair is no longer excepted" BLACKLISTED $A $X
both "run 3: the IMEI no longer grey" WHITELISTED $N $Z

# --- run 4 and 5: an MSISDN change is the old row removed and the new one added ---
run 4 "" "$B,$Z,$M5"
both_sync "run 4"
run 5 "" "$B,$Z,$M6"
check "run 5: osmo-eir-feed counts one added, one removed" \
	grep -q "^exceptions $OP: 1 added, 0 changed, 1 removed" "$T/publish-5.out"
f=$(delta_file 5 exceptions removed)
check "run 5: 'removed' holds the old MSISDN's row" [ "$(tail -n +2 "$f" 2>/dev/null)" = "$B,$Z,$M5" ]
f=$(delta_file 5 exceptions added)
check "run 5: 'added' holds the new one" [ "$(tail -n +2 "$f" 2>/dev/null)" = "$B,$Z,$M6" ]
both_sync "run 5"
both "run 5: the pair excepted" WHITELISTED $B $Z
check "run 5: one exception row left, of the new MSISDN (deltas)" \
	sh -c "'$EIR_DB' -l '$SD' stats | grep -A8 '^national:' | grep -q '^  exc  *1 entries'"
check "run 5: one exception row left, of the new MSISDN (full lists)" \
	sh -c "'$EIR_DB' -l '$SF' stats | grep -A8 '^national:' | grep -q '^  exc  *1 entries'"
check "run 5: its why names the new MSISDN only" why_has "$SD" "IMSI $Z MSISDN $M6: list white" $B $Z

# --- a full list with the 14- and 15-digit forms of one IMEI: one entry, counted once ---
printf 'imei,block_date,reasons\n%s,20261101,Stolen\n%s,20261101,Stolen\n%s,20261101,Stolen\n' \
	35000000000011 350000000000110 35000000000022 > "$T/in/dup.csv"
printf 'imei,imsi,msisdn\n%s,%s,%s\n%s,%s,%s\n' $A $X $M1 "${A}0" $X $M1 > "$T/in/dupx.csv"
echo "imei,imsi,msisdn,block_date,reasons" > "$T/in/dupn.csv"
"$EIR_FEED" -d "$T/www/dup" -k "$T/feed.key" publish --blacklist "$T/in/dup.csv" \
	--notifications "$OP=$T/in/dupn.csv" --exceptions "$OP=$T/in/dupx.csv" > /dev/null
"$EIR_DB" -l "$T/sdup" create >/dev/null
feed_sync "$T/sdup" -u "file://$T/www/dup/"
check "14- and 15-digit forms: exit 0 ($rc)" [ $rc -eq 0 ]
said "14- and 15-digit forms: two blacklist entries and one exception row added, once each" \
	"applied from the full lists of run 1: 3 added, 0 removed, 0 changed, 0 skipped"
check "14- and 15-digit forms: two entries held" \
	sh -c "'$EIR_DB' -l '$T/sdup' stats | grep -A8 '^national:' | grep -q '^  imei  *2 entries'"
finish
