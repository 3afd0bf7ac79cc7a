#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The DIRBS operator data dump: osmo-eir with full history records checks over S13 (two MMEs, E-UTRAN by default
# and UTRAN by 'peer ... rat 001') and N5g-eir (curl, with an MSISDN, no RAT); osmo-eir-db export-dump, run while
# osmo-eir runs, writes <operator>_<from>_<to>.zip with one CSV of that name and exactly the expected rows; a
# validator written from DIRBS's schema and default import checks takes it (with the import options the manual
# names) and refuses broken dumps; every bad input of export-dump: its exit code and message, and no file left.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/history/lib-history.sh"
VAL="$PY $top_srcdir/tests/history/dirbs_validate.py"
IMEI1=35693803564380
IMEI2=35000001000002
OURS1=001010000000002
OURS2=001010000000003
OURS3=001010000000004
FOREIGN=262010000000001
TODAY=$(date -u +%Y%m%d)
SPOOL="$T/spool"
mkdir "$SPOOL"

# recorded DESC CMD PATTERN: the VTY output of CMD matches PATTERN within 10 s (the writer commits every 100 ms)
recorded() {
	i=0
	while ! vty "$2" | grep -q -- "$3"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { not_ok "$1"; return 1; }
		sleep 0.1
	done
}

# dump EXPECTED_EXIT DESC ARGS...: run export-dump; its exit code must be EXPECTED_EXIT; stderr in $T/dump.err
dump() {
	want=$1
	desc=$2
	shift 2
	"$EIR_DB" -l "$T/store" export-dump "$@" > "$T/dump.out" 2> "$T/dump.err"
	rc=$?
	if [ $rc -eq "$want" ]; then ok "$desc: exit $want"; else not_ok "$desc: exit $rc, want $want"; \
		sed 's/^/#   /' "$T/dump.err"; fi
}

# refused CODE DESC MESSAGE ARGS...: export-dump exits CODE with MESSAGE (a fixed string) and leaves the spool empty
refused() {
	code=$1
	desc=$2
	msg=$3
	shift 3
	dump "$code" "$desc" "$@"
	if grep -qF -- "$msg" "$T/dump.err"; then ok "  the message: $msg"; else not_ok "  the message: want $msg";
		sed 's/^/#   /' "$T/dump.err"; fi
	if [ -z "$(ls -A "$SPOOL")" ]; then ok "  nothing in the spool"; else not_ok "  left in the spool:";
		ls -A "$SPOOL" | sed 's/^/#   /'; fi
}

sbi_start "history
 history on" "" " unknown-peers accept
 peer mme2.example.org rat 001" || exit 1

# the RAT configuration, written back
out=$(vty "show running-config" | tr -d '\r')
check "write: the peer's RAT on a line of its own, the default RAT left out" \
	sh -c 'echo "$1" | grep -qx " peer mme2.example.org rat 001" && ! echo "$1" | grep -q "^ rat "' _ "$out"
vty "configure terminal" "diameter" "rat none" "end" > /dev/null
check "write: a diameter RAT other than the default" sh -c 'echo "$1" | grep -qx " rat none"' _ \
	"$(vty "show running-config" | tr -d '\r')"
vty "configure terminal" "diameter" "rat 006" "end" > /dev/null
out=$(vty "configure terminal" "diameter" "rat 008" "end")
check "rat 008: refused (DIRBS has no such code)" sh -c 'echo "$1" | grep -q "% \(Unknown\|There is no matched\)"' _ \
	"$out"

# an empty history: nothing to dump yet
refused 3 "export-dump before any check" "has no (IMEI, IMSI) rows: none recorded yet, or full history is off" \
	--operator op1 --from "$TODAY" --to "$TODAY" --plmn 00101 --spool "$SPOOL"

# the network: mme1 (E-UTRAN) twice (one row a day), mme2 (UTRAN), N5g-eir with an MSISDN (no RAT), a foreign IMSI
$ECR --port $EIR_PORT --origin-host mme1.example.org $IMEI1 $OURS1 > /dev/null
$ECR --port $EIR_PORT --origin-host mme1.example.org $IMEI1 $OURS1 > /dev/null
$ECR --port $EIR_PORT --origin-host mme2.example.org $IMEI2 $OURS3 > /dev/null
curl -sS --http2-prior-knowledge --max-time 10 -o /dev/null \
	"$SBI_URL?pei=imei-${IMEI1}9&supi=imsi-$OURS2&gpsi=msisdn-4915112345678"
$ECR --port $EIR_PORT --origin-host mme1.example.org $IMEI2 $FOREIGN > /dev/null
recorded "the history has the checks" "show equipment history imei $IMEI2" "IMSI $FOREIGN"

# the dump, while osmo-eir runs (a read-only reader of the history)
dump 0 "export-dump while osmo-eir runs" --operator op1 --from "$TODAY" --to "$TODAY" --plmn 00101 --spool "$SPOOL"
NAME="op1_${TODAY}_${TODAY}"
check "the zip: SPOOL/<operator>_<from>_<to>.zip, nothing else in the spool" [ "$(ls -A "$SPOOL")" = "$NAME.zip" ]
check "  mode 0640" [ "$(stat -c %a "$SPOOL/$NAME.zip")" = 640 ]
want="^$SPOOL/$NAME.zip: 3 rows from 3 (IMEI, IMSI, MSISDN), 2 without MSISDN, 1 without RAT; "
check "  stdout: the figures" grep -q "${want}1 rows of other networks left out$" "$T/dump.out"
check "  stderr: the note on DIRBS's 5 % MSISDN rule" \
	grep -q "note: 2 of 3 rows have no MSISDN: .*--disable-msisdn-import" "$T/dump.err"
cat > "$T/zipinfo.py" <<'PYEOF'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
print(" ".join(z.namelist()))
sys.stdout.write(z.read(z.namelist()[0]).decode())
PYEOF
$PY "$T/zipinfo.py" "$SPOOL/$NAME.zip" > "$T/zip.txt"
check "  one member, of the same name" [ "$(head -1 "$T/zip.txt")" = "$NAME.csv" ]
check "  the header" [ "$(sed -n 2p "$T/zip.txt")" = "date,imei,imsi,msisdn,rat" ]
cat > "$T/want" <<ROWS
$TODAY,$IMEI2,$OURS3,,001
$TODAY,$IMEI1,$OURS1,,006
$TODAY,$IMEI1,$OURS2,4915112345678,
ROWS
tail -n +3 "$T/zip.txt" | sort > "$T/got"
sort "$T/want" > "$T/want.s"
if cmp -s "$T/got" "$T/want.s"; then ok "  the rows, exactly"; else not_ok "  the rows"; diff "$T/want.s" "$T/got" |
	sed 's/^/#   /'; fi

# DIRBS's checks: the defaults refuse 2 of 3 rows without MSISDN and 1 of 3 without RAT; the import options fit
V="--operator op1 --mcc-mnc 00101 --cc 49"
out=$($VAL "$SPOOL/$NAME.zip" $V)
check "validator, DIRBS defaults: refused for the NULL MSISDN and RAT ratios" sh -c \
	'echo "$1" | grep -q "^FAIL" && echo "$1" | grep -q "NULL MSISDN" && echo "$1" | grep -q "NULL RAT"' _ "$out"
out=$($VAL "$SPOOL/$NAME.zip" $V --disable-msisdn-import --set null_rat_threshold=0.5 --set null_threshold=0.5)
check "validator, --disable-msisdn-import and the RAT thresholds raised: PASS" [ "$out" = PASS ]
echo "$out" | grep -v PASS | sed 's/^/#   /'

# --msisdn-file: the operator's IMSI,MSISDN fills what S13 does not carry
printf 'imsi,msisdn\n%s,4915100000002\n%s,4915100000004\n' $OURS1 $OURS3 > "$T/msisdn.csv"
rm -f "$SPOOL/$NAME.zip"
dump 0 "export-dump --msisdn-file" --operator op1 --from "$TODAY" --to "$TODAY" --plmn 00101 --spool "$SPOOL" \
	--msisdn-file "$T/msisdn.csv"
$PY "$T/zipinfo.py" "$SPOOL/$NAME.zip" | tail -n +3 | sort > "$T/got"
printf '%s\n' "$TODAY,$IMEI1,$OURS1,4915100000002,006" "$TODAY,$IMEI1,$OURS2,4915112345678," \
	"$TODAY,$IMEI2,$OURS3,4915100000004,001" | sort > "$T/want.s"
if cmp -s "$T/got" "$T/want.s"; then ok "  the MSISDNs filled in"; else not_ok "  the MSISDNs"; diff "$T/want.s" \
	"$T/got" | sed 's/^/#   /'; fi
out=$($VAL "$SPOOL/$NAME.zip" $V --set null_rat_threshold=0.5 --set null_threshold=0.5)
check "validator with MSISDN import on, only the RAT thresholds raised: PASS" [ "$out" = PASS ]

# --all-imsis: the foreign subscriber too (out of region and not home: the validator names it)
rm -f "$SPOOL/$NAME.zip"
dump 0 "export-dump --all-imsis" --operator op1 --from "$TODAY" --to "$TODAY" --all-imsis --spool "$SPOOL"
check "  4 rows, the foreign IMSI among them" sh -c "$PY '$T/zipinfo.py' '$SPOOL/$NAME.zip' | tail -n +3 |
	grep -c . | grep -qx 4 && $PY '$T/zipinfo.py' '$SPOOL/$NAME.zip' | grep -q ',$FOREIGN,,006$'"
rm -f "$SPOOL/$NAME.zip"

# the validator refuses broken dumps
cat > "$T/mkzip.py" <<'PYEOF'
import sys, zipfile
with zipfile.ZipFile(sys.argv[1], "w") as z:
    for i in range(2, len(sys.argv), 2):
        z.writestr(sys.argv[i], sys.argv[i + 1])
PYEOF
GOOD="$TODAY,$IMEI1,$OURS1,4915100000002,006
$TODAY,$IMEI2,$OURS3,4915100000004,001
"
mkdir "$T/bad"
# bad NAME DESC MESSAGE MEMBER CONTENT [MEMBER CONTENT]
bad() {
	f="$T/bad/$1"
	desc=$2
	msg=$3
	shift 3
	rm -f "$f"
	$PY "$T/mkzip.py" "$f" "$@"
	out=$($VAL "$f" $V)
	if echo "$out" | grep -q "^FAIL" && echo "$out" | grep -qF -- "$msg"; then ok "validator refuses $desc";
	else not_ok "validator refuses $desc"; echo "$out" | sed 's/^/#   /'; fi
}
B="op1_${TODAY}_${TODAY}"
$PY "$T/mkzip.py" "$T/bad/$B.zip" "$B.csv" "date,imei,imsi,msisdn,rat
$GOOD"
check "validator: a good hand-made dump passes" [ "$($VAL "$T/bad/$B.zip" $V)" = PASS ]
bad "$B.zip" "a bad header" "header" "$B.csv" "date,imei,imsi,msisdn
$GOOD"
bad "$B.zip" "a header of 4 columns and rows of 5" "columns" "$B.csv" "date,imei,imsi,msisdn
$TODAY,$IMEI1,$OURS1,4915100000002
"
bad "$B.zip" "a 17-digit IMEI" "imei '${IMEI1}123'" "$B.csv" "date,imei,imsi,msisdn,rat
$TODAY,${IMEI1}123,$OURS1,4915100000002,006
"
bad "$B.zip" "a bad date (30 February)" "date '20250230'" "$B.csv" "date,imei,imsi,msisdn,rat
20250230,$IMEI1,$OURS1,4915100000002,006
"
bad "$B.zip" "a date outside the file name's period" "outside the date range" "$B.csv" "date,imei,imsi,msisdn,rat
20200101,$IMEI1,$OURS1,4915100000002,006
"
bad "$B.zip" "a RAT code DIRBS has not (008)" "rat '008'" "$B.csv" "date,imei,imsi,msisdn,rat
$TODAY,$IMEI1,$OURS1,4915100000002,008
"
bad "$B.zip" "a member of another name" "wrong file name in the zip" "other.csv" "date,imei,imsi,msisdn,rat
$GOOD"
bad "$B.zip" "two members" "2 files in the zip" "$B.csv" "date,imei,imsi,msisdn,rat
$GOOD" "$B.txt" "x"
bad "op1_${TODAY}.zip" "a zip name without the period" "invalid filename" "op1_${TODAY}.csv" "x"
bad "op2_${TODAY}_${TODAY}.zip" "another operator's name" "file name operator 'op2'" \
	"op2_${TODAY}_${TODAY}.csv" "date,imei,imsi,msisdn,rat
$GOOD"
bad "$B.zip" "IMEIs that lost their leading zero" "leading zero" "$B.csv" "date,imei,imsi,msisdn,rat
$TODAY,12345678901234,$OURS1,4915100000002,006
"

# every bad input of export-dump: exit code, message, nothing in the spool
A="--operator op1 --plmn 00101 --spool $SPOOL"
refused 1 "--from after --to" "the period is backwards: --from 20250102 is after --to 20250101" $A \
	--from 20250102 --to 20250101
refused 1 "a bad --from date" "invalid --from date '20251301': YYYYMMDD" $A --from 20251301 --to "$TODAY"
refused 1 "a --to date with dashes" "invalid --to date '2025-01-01': YYYYMMDD" $A --from 20250101 --to 2025-01-01
TOMORROW=$(date -u -d tomorrow +%Y%m%d)
refused 1 "--to in the future" "--to $TOMORROW is in the future (today is $TODAY UTC)" $A --from "$TODAY" \
	--to "$TOMORROW"
refused 1 "a period beyond the retention (30 days)" "before the history's retention of 30 days" $A \
	--from 20000101 --to "$TODAY"
refused 1 "an upper-case operator id" "invalid --operator 'OP1'" --operator OP1 --from "$TODAY" --to "$TODAY" \
	--plmn 00101 --spool "$SPOOL"
refused 1 "an operator id with '_' (DIRBS splits the name there)" "invalid --operator 'op_1'" --operator op_1 \
	--from "$TODAY" --to "$TODAY" --plmn 00101 --spool "$SPOOL"
refused 1 "neither --plmn nor --all-imsis" "which subscribers? --plmn MCCMNC" --operator op1 --from "$TODAY" \
	--to "$TODAY" --spool "$SPOOL"
refused 1 "a bad --plmn" "invalid --plmn '0010': MCC and MNC, 5 or 6 digits" $A --plmn 0010 --from "$TODAY" \
	--to "$TODAY"
refused 1 "no --operator" "usage: osmo-eir-db [-l DIR] export-dump --operator ID" --from "$TODAY" --to "$TODAY" \
	--plmn 00101 --spool "$SPOOL"
refused 1 "an unknown option" "usage: osmo-eir-db [-l DIR] export-dump" $A --from "$TODAY" --to "$TODAY" --bogus x
printf '%s,49x\n' $OURS1 > "$T/bad-msisdn.csv"
refused 1 "a bad MSISDN file" "bad-msisdn.csv:1: invalid MSISDN '49x': 1 to 15 digits" $A --from "$TODAY" \
	--to "$TODAY" --msisdn-file "$T/bad-msisdn.csv"
refused 1 "a missing MSISDN file" "cannot read the MSISDN file $T/none.csv" $A --from "$TODAY" --to "$TODAY" \
	--msisdn-file "$T/none.csv"
refused 3 "no history there" "no history in $T/nohist" $A --from "$TODAY" --to "$TODAY" --history "$T/nohist"
refused 4 "a spool that is not there" "the spool $T/nospool is no directory" --operator op1 --plmn 00101 \
	--from "$TODAY" --to "$TODAY" --spool "$T/nospool"
touch "$T/afile"
refused 4 "a spool that is a file" "the spool $T/afile is no directory" --operator op1 --plmn 00101 \
	--from "$TODAY" --to "$TODAY" --spool "$T/afile"
if [ "$(id -u)" != 0 ]; then
	chmod 0500 "$SPOOL"
	refused 4 "a spool we may not write" "cannot write to the spool $SPOOL: Permission denied" $A \
		--from "$TODAY" --to "$TODAY"
	chmod 0700 "$SPOOL"
else
	# root writes through the mode bits: sysfs refuses a new file even to root
	refused 4 "a spool we may not write (root: /sys)" "cannot write to the spool /sys: " --operator op1 \
		--plmn 00101 --from "$TODAY" --to "$TODAY" --spool /sys
fi

# N5g-eir: no RAT by default (DIRBS has no code for NR), one if configured, written back
check "write: no rat in the sbi node by default" sh -c '! echo "$1" | grep -A30 "^sbi$" | grep -q "^ rat "' _ \
	"$(vty "show running-config" | tr -d '\r')"
vty "configure terminal" "sbi" "rat 101" "end" > /dev/null
check "write: the sbi node's rat" sh -c 'echo "$1" | grep -A30 "^sbi$" | grep -qx " rat 101"' _ \
	"$(vty "show running-config" | tr -d '\r')"
curl -sS --http2-prior-knowledge --max-time 10 -o /dev/null "$SBI_URL?pei=imei-${IMEI2}4&supi=imsi-$OURS1"
recorded "the N5g-eir check recorded" "show equipment history imsi $OURS1" "IMEI $IMEI2"
dump 0 "export-dump after an N5g-eir check with 'rat 101'" --operator op1 --from "$TODAY" --to "$TODAY" \
	--plmn 00101 --spool "$SPOOL"
check "  that row has rat 101" sh -c "$PY '$T/zipinfo.py' '$SPOOL/$NAME.zip' | grep -qx '$TODAY,$IMEI2,$OURS1,,101'"

eir_stop
check "clean shutdown (no sanitizer report)" [ $? -eq 0 ]

# full history off: checks are seen (the last IMSI is kept) but there are no pair rows to dump
eir_start " unknown-peers accept" "" "history
 history off
 path $T/hist-off" || exit 1
$ECR --port $EIR_PORT --origin-host mme1.example.org $IMEI1 $OURS1 > /dev/null
recorded "history off: the check recorded (last IMSI)" "show equipment history imei $IMEI1" "last IMSI $OURS1"
rm -f "$SPOOL/$NAME.zip"
refused 3 "full history off" "the history in $T/hist-off has no (IMEI, IMSI) rows: none recorded yet, or full" \
	--operator op1 --from "$TODAY" --to "$TODAY" --plmn 00101 --spool "$SPOOL" --history "$T/hist-off"
eir_stop
check "clean shutdown (no sanitizer report)" [ $? -eq 0 ]
finish
