#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# DIRBS-shaped feeds: dirbs-listgen output directories (tests/sync/dirbs_listgen.py writes them the way
# generator.py does: zips only, CRLF, header-only change files, base -1 on the first run, op1's zip holding op10's
# files) published unchanged with osmo-eir-feed publish-dirbs and synced with osmo-eir-sync over file://: deltas
# from base -1 as a run's entire lists, chains on them, operator ids in any case, op1 beside op10, a run without our
# exceptions refused, and the safety limit on removals (refused, accepted for one run, a cohort moving from the
# notifications to the blacklist).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"
LISTGEN="$top_srcdir/tests/sync/dirbs_listgen.py"

command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
feed_key || { echo "# cannot make a feed key"; exit 1; }
OP=op10

# listgen FEED RUN [dirbs_listgen.py options...]: run RUN of feed FEED ($T/www/FEED, lists kept in $T/state-FEED)
# written by the dirbs-listgen stand-in and published with publish-dirbs
listgen() {
	f=$1 run=$2
	shift 2
	out=$(/usr/bin/python3 "$LISTGEN" --state "$T/state-$f" --out "$T/lg-$f" --run "$run" \
		--date "$(printf '202611%02d_020000' "$run")" --operators op1,op10 "$@") ||
		{ echo "# dirbs_listgen.py run $run failed"; return 1; }
	"$EIR_FEED" -d "$T/www/$f" -k "$T/feed.key" publish-dirbs "$out" > "$T/publish.out" 2>&1 ||
		{ echo "# publish-dirbs $out failed:"; sed 's/^/#   /' "$T/publish.out"; return 1; }
}

# dsync STORE FEED [options]: osmo-eir-sync once from file://$T/www/FEED
dsync() {
	s=$1 f=$2
	shift 2
	feed_sync "$s" -u "file://$T/www/$f/" "$@"
}

fresh() {
	rm -rf "$1"
	"$EIR_DB" -l "$1" create >/dev/null
}

A=35000000000011 B=35000000000022 C=35000000000033 D=35000000000044 E=35000000000066 F=35000000000077
G=35000000000088 N=35000000000055 X=001010000000077 Y=001010000000088
mkdir -p "$T/in" "$T/www"
printf 'imei,block_date,reasons\n%s,20261101,Stolen\n%s,20261101,"Stolen, reported"\n%s,20261102,Lost|Stolen\n' \
	$A $B $C > "$T/in/bl1.csv"
printf 'imei,imsi,msisdn,block_date,reasons\n%s,001010000000001,447700900001,20261201,Duplicate IMEI\n' $N \
	> "$T/in/n10.csv"
printf 'imei,imsi,msisdn\n%s,%s,447700900003\n' $A $X > "$T/in/e10.csv"
printf 'imei,imsi,msisdn,block_date,reasons\n%s,001010000000002,447700900002,20261201,Other operator\n' $D \
	> "$T/in/n1.csv"
printf 'imei,imsi,msisdn\n%s,%s,447700900004\n' $B $Y > "$T/in/e1.csv"
OPS1="--notifications op10=$T/in/n10.csv --exceptions op10=$T/in/e10.csv --notifications op1=$T/in/n1.csv"
OPS1="$OPS1 --exceptions op1=$T/in/e1.csv"

# --- run 1: DIRBS's first run, base -1: full lists and deltas from -1, all zipped ---
listgen d 1 --blacklist "$T/in/bl1.csv" $OPS1 || exit 1
check "publish-dirbs: run 1, base -1, read from the delta names" \
	grep -q "published dirbs-listgen run 1 (20261101_020000, base -1) in .*: 5 files" "$T/publish.out"
d1=20261101_020000
check "RUNS lists the zips unchanged" grep -qx "1 $d1 -1 ${d1}_blacklist.zip ${d1}_exceptions_op1.zip \
${d1}_exceptions_op10.zip ${d1}_notifications_op1.zip ${d1}_notifications_op10.zip" "$T/www/d/RUNS"
check "the published zips are the listgen's, byte for byte" \
	cmp -s "$T/www/d/20261101_020000_notifications_op1.zip" \
	"$T/lg-d/listgen__20261101_020000/20261101_020000_notifications_op1.zip"
S="$T/s"
fresh "$S"
dsync "$S" d
check "run 1 from base -1 into an empty store: exit 0 ($rc)" [ $rc -eq 0 ]
said "run 1: from its full lists" "run 1 (20261101_020000) applied from the full lists of run 1: 5 added"
check "op10's files found in op1's zip: its notification greylists" [ "$(verdict "$S" $N)" = GREYLISTED ]
check "  its exception whitelists the pair" [ "$(verdict "$S" $A $X)" = WHITELISTED ]
check "  op1's own notification is not ours" [ "$(verdict "$S" $D)" = WHITELISTED ]
check "  nor op1's exception" [ "$(verdict "$S" $B $Y)" = BLACKLISTED ]
check "the blacklist (a reason with a comma, CRLF)" lookup_has "$S" $B 'reason "Stolen, reported"'
fresh "$T/up"
dsync "$T/up" d -o OP10
check "operator OP10 against lower-case names: exit 0 ($rc)" [ $rc -eq 0 ]
check "  its notification greylists" [ "$(verdict "$T/up" $N)" = GREYLISTED ]
check "  its exception whitelists the pair" [ "$(verdict "$T/up" $A $X)" = WHITELISTED ]
fresh "$T/op1"
dsync "$T/op1" d -o op1
check "operator op1 beside op10: exit 0 ($rc)" [ $rc -eq 0 ]
check "  op1's notification greylists" [ "$(verdict "$T/op1" $D)" = GREYLISTED ]
check "  op1's exception whitelists its pair" [ "$(verdict "$T/op1" $B $Y)" = WHITELISTED ]
check "  op10's notification is not op1's" [ "$(verdict "$T/op1" $N)" = WHITELISTED ]
check "  nor op10's exception" [ "$(verdict "$T/op1" $A $X)" = BLACKLISTED ]

# --- runs 2 and 3 chained on it: full lists and deltas, then deltas only (--no-full-lists) ---
printf '%s,20261103,Stolen\n' $E >> "$T/in/bl1.csv"
grep -v "^$C," "$T/in/bl1.csv" > "$T/in/bl2.csv"
listgen d 2 --blacklist "$T/in/bl2.csv" $OPS1 || exit 1
cp -a "$S" "$T/s-run1"
dsync "$S" d
check "run 2 chained on run 1: exit 0 ($rc)" [ $rc -eq 0 ]
said "run 2: as deltas" "run 2 (20261102_020000) applied as deltas from run 1: 1 added, 1 removed"
check "  unblocked" [ "$(verdict "$S" $C)" = WHITELISTED ]
check "  blocked" [ "$(verdict "$S" $E)" = BLACKLISTED ]
cp -a "$S" "$T/s-run2"
{ cat "$T/in/bl2.csv"; printf '%s,20261104,Stolen\n' $F; } > "$T/in/bl3.csv"
listgen d 3 --no-full-lists --blacklist "$T/in/bl3.csv" $OPS1 || exit 1
dsync "$S" d
check "run 3 (deltas only) chained on run 2: exit 0 ($rc)" [ $rc -eq 0 ]
said "run 3: as deltas" "run 3 (20261103_020000) applied as deltas from run 2: 1 added, 0 removed"
check "  blocked" [ "$(verdict "$S" $F)" = BLACKLISTED ]
fresh "$T/s3"
dsync "$T/s3" d
check "run 3 into an empty store: run 2's full lists and run 3's deltas ($rc)" [ $rc -eq 0 ]
said "  says so" "run 3 (20261103_020000) applied from the full lists of run 2"
check "  blocked" [ "$(verdict "$T/s3" $F)" = BLACKLISTED ]

# --- run 4: --no-full-lists on base -1 (DIRBS told to start afresh): its deltas from -1 are its entire lists ---
{ grep -v "^$E," "$T/in/bl3.csv"; printf '%s,20261105,Stolen\n' $G; } > "$T/in/bl4.csv"
listgen d 4 --base -1 --no-full-lists --blacklist "$T/in/bl4.csv" $OPS1 || exit 1
check "publish-dirbs: run 4, base -1" grep -q "published dirbs-listgen run 4 (20261104_020000, base -1)" \
	"$T/publish.out"
dsync "$S" d
check "run 4 (deltas from -1 only) into a store holding run 3: exit 0 ($rc)" [ $rc -eq 0 ]
said "  no chain through -1: from its entire lists" "run 4 (20261104_020000) applied from the full lists of run 4"
check "  what it no longer lists is gone" [ "$(verdict "$S" $E)" = WHITELISTED ]
check "  what it adds is there" [ "$(verdict "$S" $G)" = BLACKLISTED ]
check "  the rest is kept" [ "$(verdict "$S" $F)" = BLACKLISTED ]
check "  our notification kept" [ "$(verdict "$S" $N)" = GREYLISTED ]
check "  our exception kept" [ "$(verdict "$S" $A $X)" = WHITELISTED ]
check "  op1's notification still not ours" [ "$(verdict "$S" $D)" = WHITELISTED ]
fresh "$T/s4"
dsync "$T/s4" d
check "run 4 into an empty store: exit 0 ($rc)" [ $rc -eq 0 ]
said "  from its entire lists" "run 4 (20261104_020000) applied from the full lists of run 4: 6 added"
check "  the same verdicts" [ "$(verdict "$T/s4" $G)/$(verdict "$T/s4" $E)/$(verdict "$T/s4" $A $X)" = \
	BLACKLISTED/WHITELISTED/WHITELISTED ]

# a run from base -1 with full lists but our notifications only as deltas from -1: those are its full list
listgen p 1 --blacklist "$T/in/bl1.csv" $OPS1 --omit "*_notifications_op10.csv" || exit 1
fresh "$T/p"
dsync "$T/p" p
check "base -1, our full notifications missing but their deltas from -1 there: exit 0 ($rc)" [ $rc -eq 0 ]
check "  the notification greylists" [ "$(verdict "$T/p" $N)" = GREYLISTED ]

# --- run 5: full lists but no exceptions file of ours (a broken publisher): refused, never read as "none" ---
listgen d 5 --blacklist "$T/in/bl4.csv" $OPS1 --omit "*_exceptions_op10*" || exit 1
dsync "$T/s-run2" d
check "a run without our exceptions: exit 12 ($rc)" [ $rc -eq 12 ]
said "  says why" "refused (exit 12): run 5 has full lists but no exceptions file for operator 'op10' \
(a wrong operator id, or a broken publisher?)"
check "  the run held is still run 2" sh -c "'$EIR_DB' -l '$T/s-run2' stats | grep -q '^  feed national: run 2 of'"
check "  our exception still whitelists" [ "$(verdict "$T/s-run2" $A $X)" = WHITELISTED ]
check "  the lists as they were" [ "$(verdict "$T/s-run2" $E)/$(verdict "$T/s-run2" $G)" = BLACKLISTED/WHITELISTED ]
check "  sync-status records exit 12" grep -q "^exit_code 12$" "$T/s-run2/sync-status"
fresh "$T/s5"
dsync "$T/s5" d -o op1
check "  op1, whose files it has, takes it ($rc)" [ $rc -eq 0 ]

# --- publish-dirbs refuses what is not one dirbs-listgen run, the feed left as it was ---
# pubfail DESCRIPTION DIR MESSAGE: publish-dirbs DIR into feed d fails with MESSAGE, RUNS unchanged
pubfail() {
	cp "$T/www/d/RUNS" "$T/runs.before"
	rc=0
	"$EIR_FEED" -d "$T/www/d" -k "$T/feed.key" publish-dirbs "$2" > "$T/pub.out" 2>&1 || rc=$?
	check "publish-dirbs $1: exit 1 ($rc)" [ $rc -eq 1 ]
	check "  says why" grep -qF "osmo-eir-feed: $3" "$T/pub.out"
	check "  RUNS unchanged" cmp -s "$T/www/d/RUNS" "$T/runs.before"
}
L5="$T/lg-d/listgen__20261105_020000"
pubfail "of a run published already" "$L5" "run 5 of $L5 is not after the feed's newest run 5"
mkdir "$T/bad" && cp "$L5"/* "$T/bad/" && echo hi > "$T/bad/README"
pubfail "of a directory with another file" "$T/bad" "README: not a dirbs-listgen list file name"
rm "$T/bad/README" "$T/bad/20261105_020000_blacklist.zip"
pubfail "of a directory without a blacklist" "$T/bad" "$T/bad has no blacklist (dirbs-listgen always writes it)"
rm -r "$T/bad" && mkdir "$T/bad" && printf 'imei,block_date,reasons\r\n' > "$T/bad/20261109_020000_blacklist.csv"
pubfail "of a directory without deltas" "$T/bad" \
	"$T/bad has no delta lists: the run id is only in their names (dirbs-listgen always writes them)"
cp "$T/bad/20261109_020000_blacklist.csv" "$T/bad/20261109_020000_blacklist_delta_5_9_blocked.csv"
cp "$T/bad/20261109_020000_blacklist.csv" "$T/bad/20261109_020000_blacklist_delta_6_9_unblocked.csv"
pubfail "of deltas of two runs" "$T/bad" "20261109_020000_blacklist_delta_6_9_unblocked.csv: a delta from run 6 to 9, \
but 20261109_020000_blacklist_delta_5_9_blocked.csv is from 5 to 9"

# --- one of our files both plain and in a zip: refused, never applied twice ---
mkdir "$T/twice" && cp "$L5"/* "$T/twice/" &&
	(cd "$T/twice" && unzip -q 20261105_020000_notifications_op1.zip 20261105_020000_notifications_op10.csv)
mkdir -p "$T/www/twice" && "$EIR_FEED" -d "$T/www/twice" -k "$T/feed.key" publish-dirbs "$T/twice" > /dev/null
fresh "$T/tw"
dsync "$T/tw" twice
check "a list file both plain and in a zip: exit 6 ($rc)" [ $rc -eq 6 ]
said "  says which" "refused (exit 6): run 5: 20261105_020000_notifications_op1.zip:\
20261105_020000_notifications_op10.csv and 20261105_020000_notifications_op10.csv are the same list file"

# --- prune keeps a run from base -1 as the newest one with full lists: its deltas are its entire lists ---
listgen pr 1 --no-full-lists --blacklist "$T/in/bl1.csv" $OPS1 || exit 1
listgen pr 2 --no-full-lists --blacklist "$T/in/bl2.csv" $OPS1 || exit 1
listgen pr 3 --no-full-lists --blacklist "$T/in/bl3.csv" $OPS1 || exit 1
listgen pr 4 --no-full-lists --blacklist "$T/in/bl4.csv" $OPS1 || exit 1
"$EIR_FEED" -d "$T/www/pr" -k "$T/feed.key" prune 3 > "$T/prune.out" 2>&1
check "prune 3: the last 3 runs, and run 1 (base -1, deltas only) as the newest with full lists" \
	[ "$(cut -d' ' -f1,3 "$T/www/pr/RUNS" | tr '\n' ,)" = "1 -1,2 1,3 2,4 3," ]
fresh "$T/pr"
dsync "$T/pr" pr
check "  a new store still syncs: exit 0 ($rc)" [ $rc -eq 0 ]
said "  from run 1's entire lists, then the deltas" "run 4 (20261104_020000) applied from the full lists of run 1"

# --- a pair under two MSISDNs (DIRBS keys rows by IMEI, IMSI and MSISDN) through DIRBS's deltas: losing one row
# keeps the pair excepted and the IMEI greylisted, losing the other ends them ---
M1=447700900011 M2=447700900012
printf 'imei,imsi,msisdn\n%s,%s,%s\n%s,%s,%s\n' $A $X $M1 $A $X $M2 > "$T/in/em1.csv"
printf 'imei,imsi,msisdn\n%s,%s,%s\n' $A $X $M2 > "$T/in/em2.csv"
echo "imei,imsi,msisdn" > "$T/in/em3.csv"
printf 'imei,imsi,msisdn,block_date,reasons\n%s,%s,%s,20261201,Duplicate IMEI\n%s,%s,%s,20261201,Duplicate IMEI\n' \
	$N $Y $M1 $N $Y $M2 > "$T/in/nm1.csv"
printf 'imei,imsi,msisdn,block_date,reasons\n%s,%s,%s,20261201,Duplicate IMEI\n' $N $Y $M2 > "$T/in/nm2.csv"
echo "imei,imsi,msisdn,block_date,reasons" > "$T/in/nm3.csv"
# mrun R: run R of feed m with those lists, synced into $T/m
mrun() {
	listgen m $1 --blacklist "$T/in/bl1.csv" --notifications "op10=$T/in/nm$1.csv" \
		--exceptions "op10=$T/in/em$1.csv" || exit 1
	dsync "$T/m" m
}
pair() {
	echo "$(verdict "$T/m" $A $X)/$(verdict "$T/m" $N)"
}
fresh "$T/m"
mrun 1
check "two MSISDNs of a pair: run 1 applied ($rc)" [ $rc -eq 0 ]
check "  both rows: the pair excepted, the IMEI greylisted ($(pair))" [ "$(pair)" = WHITELISTED/GREYLISTED ]
mrun 2
said "  run 2 removes one MSISDN's rows" "run 2 (.*) applied as deltas from run 1: 0 added, 2 removed, 0 changed"
check "  the pair still excepted, the IMEI still greylisted ($(pair))" [ "$(pair)" = WHITELISTED/GREYLISTED ]
mrun 3
said "  run 3 removes the other's" "run 3 (.*) applied as deltas from run 2: 0 added, 2 removed, 0 changed"
check "  the pair no longer excepted, the IMEI no longer greylisted ($(pair))" [ "$(pair)" = BLACKLISTED/WHITELISTED ]

# --- the safety limit: a feed of 2000 blacklist entries, 2500 notification rows, 1000 exception rows ---
gen() {
	awk -v from="$1" -v to="$2" -v base="$3" -v kind="$4" 'BEGIN {
		if (kind == "bl") print "imei,block_date,reasons"
		else if (kind == "n") print "imei,imsi,msisdn,block_date,reasons"
		else print "imei,imsi,msisdn"
		for (i = from; i < to; i++) {
			if (kind == "bl") printf "%.0f,20261101,Stolen\n", base + i
			else if (kind == "n")
				printf "%.0f,00101%010d,4477%08d,20261201,Duplicate IMEI\n", base + i, i, i
			else printf "%.0f,00101%010d,4477%08d\n", base + i, i, i
		}
	}'
}
BL0=35100000000000 NB=35200000000000 EB=35300000000000
gen 0 2000 $BL0 bl > "$T/in/L1.csv"
gen 0 2500 $NB n > "$T/in/N1.csv"
gen 0 1000 $EB e > "$T/in/E1.csv"
OPL="--notifications op10=$T/in/N1.csv --exceptions op10=$T/in/E1.csv"
listgen lim 1 --blacklist "$T/in/L1.csv" $OPL || exit 1
L="$T/store"
fresh "$L"
dsync "$L" lim
check "limit feed, run 1: exit 0 ($rc)" [ $rc -eq 0 ]
# run 2 drops half of the blacklist
gen 1000 2000 $BL0 bl > "$T/in/L2.csv"
listgen lim 2 --blacklist "$T/in/L2.csv" $OPL || exit 1
dsync "$L" lim
check "a run dropping 50 % of the blacklist: exit 13 ($rc)" [ $rc -eq 13 ]
said "  says how many would go from which list" "refused (exit 13): the sync to run 2 would remove 1000 of 2000 \
blacklist entries (50.0 %), above the safety limit (10 % of the blacklist or exceptions, 50 % of the notifications, \
of a list of 1000 or more): accept this run with --accept-removals 2 or 'accept-removals 2' in the config file; \
the lists stay as they were"
check "  the run held is still run 1" sh -c "'$EIR_DB' -l '$L' stats | grep -q '^  feed national: run 1 of'"
check "  a dropped IMEI still blacklisted" [ "$(verdict "$L" 35100000000005)" = BLACKLISTED ]
check "  sync-status: exit 13, one refusal counted" \
	sh -c "grep -q '^exit_code 13$' '$L/sync-status' && grep -q '^limit_refused 1$' '$L/sync-status'"
dsync "$L" lim --accept-removals 3
check "  accepting another run: still exit 13 ($rc)" [ $rc -eq 13 ]
check "  two refusals counted" grep -q '^limit_refused 2$' "$L/sync-status"
if eir_start; then
	out=$(/usr/bin/python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment summary" | tr -d '\r')
	check "show equipment summary: the refusal, its exit code and counts" sh -c 'echo "$1" | grep -q \
		"^  last sync attempt: .*, feed national, FAILED (exit 13): refused: the sync to run 2 would remove \
1000 of 2000 blacklist entries (50.0 %)"' \
		_ "$out"
	check "  and how many syncs the limit refused" sh -c 'echo "$1" | grep -q \
		"^  syncs refused by the safety limit (too many removals): 2$"' _ "$out"
	i=0
	while [ $i -lt 30 ] && ! /usr/bin/python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show stats" |
		grep -q "Syncs refused for removals above the safety limit: *2 *\r*$"; do
		sleep 0.5
		i=$((i + 1))
	done
	check "  stat item sync:limit_refused is 2" [ $i -lt 30 ]
	check "osmo-eir: clean shutdown" eir_stop
else
	not_ok "osmo-eir starts"
fi
dsync "$L" lim --accept-removals 2
check "  accepted for run 2 on the command line: exit 0 ($rc)" [ $rc -eq 0 ]
said "  says the removals were accepted" \
	"run 2 (20261102_020000) applied as deltas from run 1: 0 added, 1000 removed.*; removals above the safety limit"
check "  a dropped IMEI is gone" [ "$(verdict "$L" 35100000000005)" = WHITELISTED ]
# run 3 drops half again: the acceptance of run 2 does not carry over; the poller takes an acceptance in its
# config file without a restart
gen 1500 2000 $BL0 bl > "$T/in/L3.csv"
listgen lim 3 --blacklist "$T/in/L3.csv" $OPL || exit 1
dsync "$L" lim --accept-removals 2
check "a different run (3) with run 2 accepted: exit 13 ($rc)" [ $rc -eq 13 ]
said "  names run 3" "the sync to run 3 would remove 500 of 1000 blacklist entries (50.0 %)"
cat > "$T/sync.cfg" <<CFG
database $L
url file://$T/www/lim/
public-key $T/feed.pub
operator $OP
removal-limit 10	# the defaults, spelt out
removal-limit-notifications 50
removal-limit-min 1000
CFG
"$EIR_SYNC" -c "$T/sync.cfg" --poll 1 > "$T/poll.out" 2>&1 &
poller=$!
i=0
while [ $i -lt 100 ] && [ "$(grep -c "refused (exit 13)" "$T/poll.out")" -lt 2 ]; do
	sleep 0.1
	i=$((i + 1))
done
check "the poller refuses run 3 too" [ "$(grep -c "refused (exit 13)" "$T/poll.out")" -ge 2 ]
echo "accept-removals 3 # checked: DIRBS dropped half of the stolen phones on purpose" >> "$T/sync.cfg"
i=0
while [ $i -lt 100 ] && ! grep -q "run 3 .* applied" "$T/poll.out"; do
	sleep 0.1
	i=$((i + 1))
done
kill $poller
prc=0
wait $poller || prc=$?
check "  the poller ends with exit 0 on SIGTERM ($prc)" [ $prc -eq 0 ]
check "  accepted in its config file: applied without a restart" grep -q "run 3 .* applied as deltas from run 2" \
	"$T/poll.out"
check "  run 3 held" sh -c "'$EIR_DB' -l '$L' stats | grep -q '^  feed national: run 3 of'"
printf 'removal-limit 101\n' > "$T/bad.cfg"
rc=0
"$EIR_SYNC" -c "$T/bad.cfg" > "$T/sync.out" 2>&1 || rc=$?
check "a removal limit of 101 %: exit 1 ($rc)" [ $rc -eq 1 ]
said "  says why" "invalid removal limit '101': a percentage, 0 to 100"
rc=0
"$EIR_SYNC" -l "$L" -u "file://$T/www/lim/" -o $OP -k "$T/feed.pub" --accept-removals x > "$T/sync.out" 2>&1 || rc=$?
check "--accept-removals x: exit 1 ($rc)" [ $rc -eq 1 ]
said "  says why" "invalid run to accept removals of 'x': a run id"
# run 4: 1500 of the 2500 notification rows (60 %) move to the blacklist (their block date came): routine
gen 1500 2000 $BL0 bl > "$T/in/L4.csv"
gen 0 1500 $NB bl | tail -n +2 >> "$T/in/L4.csv"
gen 1500 2500 $NB n > "$T/in/N4.csv"
OPL="--notifications op10=$T/in/N4.csv --exceptions op10=$T/in/E1.csv"
listgen lim 4 --blacklist "$T/in/L4.csv" $OPL || exit 1
check "  the stand-in lists them as blacklisted" [ "$(/usr/bin/python3 -c 'import sys, zipfile
print(len(zipfile.ZipFile(sys.argv[1]).read(sys.argv[2]).splitlines()))' \
	"$T/www/lim/20261104_020000_notifications_op1.zip" \
	20261104_020000_notifications_op10_delta_3_4_blacklisted.csv)" \
	-eq 1501 ]
dsync "$L" lim
check "a cohort moving from the notifications to the blacklist: accepted, exit 0 ($rc)" [ $rc -eq 0 ]
said "  applied" "run 4 (20261104_020000) applied as deltas from run 3: 1500 added, 1500 removed"
check "  a moved IMEI is blacklisted" [ "$(verdict "$L" 35200000000007)" = BLACKLISTED ]
# run 5: 600 of the 1000 notification rows left (60 %) resolved: above the notifications' own limit
gen 2100 2500 $NB n > "$T/in/N5.csv"
OPL="--notifications op10=$T/in/N5.csv --exceptions op10=$T/in/E1.csv"
listgen lim 5 --blacklist "$T/in/L4.csv" $OPL || exit 1
dsync "$L" lim
check "60 % of the notifications resolved: exit 13 ($rc)" [ $rc -eq 13 ]
said "  says so" "the sync to run 5 would remove 600 of 1000 notifications rows (60.0 %)"
check "  still greylisted" [ "$(verdict "$L" 35200000001600)" = GREYLISTED ]
dsync "$L" lim --removal-limit-notifications 60
check "  within a limit of 60 %: exit 0 ($rc)" [ $rc -eq 0 ]
# run 6: 200 of the 1000 exception rows (20 %) removed
gen 200 1000 $EB e > "$T/in/E6.csv"
OPL="--notifications op10=$T/in/N5.csv --exceptions op10=$T/in/E6.csv"
listgen lim 6 --blacklist "$T/in/L4.csv" $OPL || exit 1
dsync "$L" lim
check "20 % of the exceptions removed: exit 13 ($rc)" [ $rc -eq 13 ]
said "  says so" "the sync to run 6 would remove 200 of 1000 exceptions rows (20.0 %)"
dsync "$L" lim --removal-limit-min 1001
check "  a list under the minimum size is not limited: exit 0 ($rc)" [ $rc -eq 0 ]
# the same through a full list: a store holding 2000 notification rows takes a run from base -1 (no chain: its
# lists replace what is held); 1500 of the rows gone, their IMEIs now blacklisted, is routine; gone elsewhere, not
QB=35400000000000
gen 0 100 $BL0 bl > "$T/in/Q1.csv"
gen 0 2000 $QB n > "$T/in/QN1.csv"
listgen q 1 --blacklist "$T/in/Q1.csv" --notifications "op10=$T/in/QN1.csv" --exceptions "op10=$T/in/E1.csv" || exit 1
fresh "$T/q"
dsync "$T/q" q
check "full-list cohort feed, run 1: exit 0 ($rc)" [ $rc -eq 0 ]
cp -a "$T/q" "$T/q-run1"
{ cat "$T/in/Q1.csv"; gen 0 1500 $QB bl | tail -n +2; } > "$T/in/Q2.csv"
gen 1500 2000 $QB n > "$T/in/QN2.csv"
listgen q 2 --base -1 --no-full-lists --blacklist "$T/in/Q2.csv" --notifications "op10=$T/in/QN2.csv" \
	--exceptions "op10=$T/in/E1.csv" || exit 1
dsync "$T/q" q
check "a run from base -1 moving 75 % of the notifications to the blacklist: accepted ($rc)" [ $rc -eq 0 ]
said "  from its entire lists" "run 2 (20261102_020000) applied from the full lists of run 2: 1500 added, 1500 removed"
check "  a moved IMEI is blacklisted" [ "$(verdict "$T/q" 35400000000009)" = BLACKLISTED ]
listgen q 3 --base -1 --no-full-lists --blacklist "$T/in/Q1.csv" --notifications "op10=$T/in/QN2.csv" \
	--exceptions "op10=$T/in/E1.csv" || exit 1
dsync "$T/q-run1" q
check "  the same rows gone, not blacklisted: exit 13 ($rc)" [ $rc -eq 13 ]
said "  says so" "the sync to run 3 would remove 1500 of 2000 notifications rows (75.0 %)"
finish
