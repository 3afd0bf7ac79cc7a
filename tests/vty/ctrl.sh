#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir's CTRL interface (tests/ctrl.py speaks the IPA-framed CTRL protocol): a verdict with its why, the local
# entries GET/SET (SET none removes), the summary, the audit records of CTRL edits, and every error.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
CTRL="$PY $top_srcdir/tests/ctrl.py"

eir_start || exit 1

# ctrl_is DESC EXPECTED get|set VAR [VALUE]: the reply value is exactly EXPECTED
ctrl_is() {
	desc=$1 exp=$2
	shift 2
	got=$($CTRL "$EIR_CTRL_PORT" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 0 ] && [ "$got" = "$exp" ]; then ok "$desc"; else not_ok "$desc"; echo "#   got ($rc): $got"; fi
}
# ctrl_err DESC EXPECTED_ERROR get|set VAR [VALUE]: an ERROR reply with exactly this text
ctrl_err() {
	desc=$1 exp=$2
	shift 2
	got=$($CTRL "$EIR_CTRL_PORT" "$@" 2>&1)
	rc=$?
	if [ $rc -eq 1 ] && [ "$got" = "$exp" ]; then ok "$desc"; else not_ok "$desc"; echo "#   got ($rc): $got"; fi
}
today=$(date -u +%Y-%m-%d)

ctrl_is "GET a verdict with its why" \
	"BLACKLISTED,local entry IMEI 35693803564380: list black, source local, reason \"Reported stolen\", listed $today" \
	get equipment.imei.35693803564380.verdict
ctrl_is "GET a verdict for a subscriber: the pair exception decides" \
	"WHITELISTED,local pair IMEI 35693803564380 IMSI 001010000000001: list white, source local, reason \"Owner\", listed $today" \
	get equipment.imei.35693803564380.imsi.001010000000001.verdict
ctrl_is "GET a verdict by a 15-digit IMEI" \
	"BLACKLISTED,local entry IMEI 35693803564380: list black, source local, reason \"Reported stolen\", listed $today" \
	get equipment.imei.356938035643809.verdict
ctrl_is "GET a verdict in a range" \
	"BLACKLISTED,local range 35000004000100..35000004000199: list black, source local, reason \"Counterfeit\", listed $today" \
	get equipment.imei.35000004000150.verdict
ctrl_is "GET a verdict on no list" "WHITELISTED,default policy for an IMEI on no list" \
	get equipment.imei.35999999000001.verdict

ctrl_is "GET a local entry: list,reason" "black,Reported stolen" get equipment.imei.35693803564380.local
ctrl_is "GET a local entry that is not there: none" "none" get equipment.imei.35999999000001.local
ctrl_is "SET an entry: list,reason (commas in the reason kept)" "black,Stolen, case 7" \
	set equipment.imei.35000002000001.local "black,Stolen, case 7"
ctrl_is "  and the verdict follows" \
	"BLACKLISTED,local entry IMEI 35000002000001: list black, source local, reason \"Stolen, case 7\", listed $today" \
	get equipment.imei.35000002000001.verdict
# a SET is written in a group commit (a nested transaction per edit): the entry carries that commit's time
applied=$("$EIR_DB" -l "$T/store" lookup 35000002000001 2>&1 | sed -n 's/.*, applied \(.*\)$/\1/p')
check "  the entry has its applied time ($applied)" sh -c "case '$applied' in ''|unknown) exit 1;; esac"
ctrl_is "SET an entry again changes it (list only, no reason)" "grey" set equipment.imei.35000002000001.local grey
ctrl_is "SET none removes it" "none" set equipment.imei.35000002000001.local none
ctrl_is "  and the verdict follows" "WHITELISTED,default policy for an IMEI on no list" \
	get equipment.imei.35000002000001.verdict
ctrl_is "SET a pair exception" "white,Owner verified" \
	set equipment.imei.35000001000001.imsi.001010000000007.local "white,Owner verified"
ctrl_is "  which decides for that subscriber" \
	"WHITELISTED,local pair IMEI 35000001000001 IMSI 001010000000007: list white, source local, reason \"Owner verified\", listed $today" \
	get equipment.imei.35000001000001.imsi.001010000000007.verdict
ctrl_is "SET a 15-digit IMEI with its check digit" "white" set equipment.imei.490154203237518.local white
ctrl_is "SET none with the spare 0 removes it" "none" set equipment.imei.490154203237510.local none
ctrl_is "SET a whole TAC" "black,Counterfeit model" set equipment.tac.35000006.local "black,Counterfeit model"
ctrl_is "  GET it" "black,Counterfeit model" get equipment.tac.35000006.local
ctrl_is "SET a range" "grey" set equipment.range.35000005000000.35000005000999.local grey
ctrl_is "  GET it by its exact bounds" "grey" get equipment.range.35000005000000.35000005000999.local
ctrl_is "  other bounds: none" "none" get equipment.range.35000005000000.35000005000998.local
ctrl_is "SET none removes the TAC" "none" set equipment.tac.35000006.local none
ctrl_is "SET none removes the range" "none" set equipment.range.35000005000000.35000005000999.local none
ctrl_is "SET none removes the pair" "none" set equipment.imei.35000001000001.imsi.001010000000007.local none

out=$($CTRL "$EIR_CTRL_PORT" get equipment.summary)
want="local.white=1,local.grey=1,local.black=1,local.ranges=1,local.pairs=1,national.black=0,national.notifications=0,"
want="${want}national.exceptions=0,feed.name=,feed.run=-1,feed.date=,feed.age=-1,sync.exit=-1,sync.at=-1,audit=16,"
check "GET equipment.summary: the counts" sh -c 'case "$1" in "$2"*) true ;; *) false ;; esac' _ "$out" "$want"

# errors: an ERROR reply with a clear text, nothing changed
ctrl_err "GET with an invalid IMEI" "invalid IMEI '123': 3 digits: an IMEI has 14, 15 (with check digit) or 16 (IMEISV)" \
	get equipment.imei.123.verdict
ctrl_err "GET with an invalid IMSI" "invalid IMSI '00101x': 'x' at position 6 is not a digit" \
	get equipment.imei.35693803564380.imsi.00101x.verdict
ctrl_err "SET with an unknown list" \
	"unknown list 'purple': white, grey or black, then optionally ,REASON; or none to remove" \
	set equipment.imei.35000002000001.local purple
ctrl_err "SET none of an entry that is not there" "imei 35000002000001: not on the local lists" \
	set equipment.imei.35000002000001.local none
ctrl_err "SET an overlapping range" \
	"range 35000004000150..35000004000250 overlaps range 35000004000100..35000004000199 (black)" \
	set equipment.range.35000004000150.35000004000250.local black
ctrl_err "SET a range with first > last" "first IMEI 35000007000100 is after last IMEI 35000007000050" \
	set equipment.range.35000007000100.35000007000050.local black
ctrl_err "SET a TAC of 7 digits" "invalid TAC '3500000': 7 digits: a TAC has 8" set equipment.tac.3500000.local black
# a 15th digit that is neither the check digit nor the spare 0 is a typo: refused, for SET none
# too; the GETs take any form (lookups change nothing); the entries are checked unchanged below
cd_err() { echo "check digit $1 of $2 is wrong (expected $3); give the 14 digits to store it anyway"; }
ctrl_err "SET an IMEI with a wrong check digit" "$(cd_err 7 490154203237517 8)" \
	set equipment.imei.490154203237517.local black
ctrl_is "  nothing stored" "none" get equipment.imei.49015420323751.local
ctrl_err "SET none of an IMEI with a wrong check digit" "$(cd_err 1 356938035643801 9)" \
	set equipment.imei.356938035643801.local none
ctrl_is "  the entry is still there (GET by the same wrong form)" "black,Reported stolen" \
	get equipment.imei.356938035643801.local
ctrl_is "  the verdict by the wrong form too" \
	"BLACKLISTED,local entry IMEI 35693803564380: list black, source local, reason \"Reported stolen\", listed $today" \
	get equipment.imei.356938035643801.verdict
ctrl_err "SET a pair whose IMEI has a wrong check digit" "$(cd_err 1 356938035643801 9)" \
	set equipment.imei.356938035643801.imsi.001010000000001.local none
ctrl_err "SET a range whose first IMEI has a wrong check digit" "$(cd_err 7 350000040001007 6)" \
	set equipment.range.350000040001007.350000040001998.local none
ctrl_err "SET a range whose last IMEI has a wrong check digit" "$(cd_err 7 350000070009997 4)" \
	set equipment.range.35000007000000.350000070009997.local black
ctrl_is "  the range is still there" "black,Counterfeit" get equipment.range.35000004000100.35000004000199.local
ctrl_err "SET a verdict: read only" "Read Only attribute" set equipment.imei.35693803564380.verdict x
ctrl_err "SET the summary: read only" "Read Only attribute" set equipment.summary x
ctrl_err "an unknown variable" "Command not found" get equipment.imei.35693803564380.colour
ctrl_err "an unknown object" "Command not found" get equipment.phone.1.local

# every CTRL change is in the audit trail, with the CTRL peer; the refused ones are not
out=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show audit last 12" | tr -d '\r')
check "the audit trail has the 11 CTRL changes, from the CTRL peer, after the test store's own" \
	sh -c '[ "$(echo "$1" | grep -c " UTC #[0-9]* ctrl 127.0.0.1:[0-9]*: ")" -eq 11 ] &&
		echo "$1" | head -n 1 | grep -q "osmo-eir-db uid"' _ "$out"
check "  before and after of the SET none" \
	sh -c 'echo "$1" | grep -q "ctrl 127.0.0.1:[0-9]*: del imei 35000002000001: grey listed $2 -> none$"' _ "$out" "$today"
check "  and nothing after them (the refused SETs wrote nothing)" \
	sh -c 'echo "$1" | grep " UTC #" | tail -n 1 | grep -q "del pair 35000001000001 001010000000007"' _ "$out"
out=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show rate-counters" | tr -d '\r')
check "rate counters: 11 CTRL edits, 2 refused by the store (not there, overlap)" \
	sh -c 'echo "$1" | grep -q "edit:ctrl: *11 " && echo "$1" | grep -q "edit:failed: *2 "' _ "$out"
out=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show stats" | tr -d '\r')
check "stat items: the store's figures, the feed never applied" \
	sh -c 'echo "$1" | grep -q "IMEI entries on the operator.s lists: *3 *$" &&
	echo "$1" | grep -q "1 once a national feed run was applied, else 0: *0 *$"' _ "$out"

# the IPA frames as osmo-eir reads them (tests/ctrl_frames.py, its own ok/not ok lines)
fds() { ls "/proc/$EIR_PID/fd" | wc -l; }
fd0=$(fds)
$PY "$top_srcdir/tests/ctrl_frames.py" "$EIR_CTRL_PORT" > "$T/frames.out" 2>&1
relay "$T/frames.out"
check "  ctrl_frames.py made all its 12 checks" [ "$(grep -c -e "^ok - " -e "^not ok - " "$T/frames.out")" -eq 12 ]
conn='CTRL connection r=127.0.0.1:[0-9]*<->l=127.0.0.1:[0-9]*'
check "  the closes logged with the peer and the reason" sh -c \
	'grep -q "$2: a frame of another protocol, closing it" "$1" &&
	grep -q "$2: a frame longer than 1200 bytes, closing it" "$1"' _ "$EIR_LOG" "$conn"
wait_for 5 sh -c '[ "$(ls "/proc/$1/fd" | wc -l)" -le "$2" ]' _ "$EIR_PID" "$fd0"
check "  and every connection of it gone: fds back to $fd0 ($(fds))" [ "$(fds)" -le "$fd0" ]
ctrl_is "osmo-eir answers a new connection afterwards" "black,Reported stolen" get equipment.imei.35693803564380.local
check "clean shutdown" eir_stop
finish
