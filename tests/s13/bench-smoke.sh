#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-bench against osmo-eir: 2 connections, W=16, a few thousand ECRs whose expected verdicts cover every
# kind of entry of the test store; every answer is checked and none may be missing. No timing assertions.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3 (free_port)"; exit 77; }
BENCH="$top_builddir/contrib/bench/osmo-eir-bench"

# bench ARGS...: run osmo-eir-bench against the EIR, output in $T/out (shown as comments), exit status in $rc
bench() {
	"$BENCH" -p "$EIR_PORT" "$@" > "$T/out" 2>&1
	rc=$?
	sed 's/^/#   /' "$T/out"
}

# result EXIT PATTERN: the last run exited with EXIT and a line of its output matches PATTERN
result() {
	[ $rc -eq "$1" ] && grep -q "$2" "$T/out"
}

# the store of lib-eir.sh: an entry per list, a pair, a range; IMEIs on no list are WHITELISTED by default
cat > "$T/imeis.csv" <<CSV
imei,imsi,expected
35693803564380,,BLACKLISTED
356938035643809,,BLACKLISTED
3569380356438005,,BLACKLISTED
35000001000001,,GREYLISTED
35000001000002,,WHITELISTED
35693803564380,001010000000001,WHITELISTED
35693803564380,001010000000002,BLACKLISTED
35000004000100,,BLACKLISTED
35000004000150,001010000000003,BLACKLISTED
35000004000199,,BLACKLISTED
35000004000200,,WHITELISTED
35999999000001,,WHITELISTED
35999999000002
CSV

eir_start || exit 1
bench -c 2 -w 16 -n 3000 -i "$T/imeis.csv"
check "pipelined run: exit 0, mismatch=0 error=0 missing=0" result 0 " mismatch=0 error=0 missing=0$"
check "pipelined run: 3000 requests sent" grep -q "^# sent=3000 " "$T/out"
check "pipelined run: 3000 answers, all ok" grep -q "^answers=3000 .* ok=3000 " "$T/out"
check "pipelined run: every verdict seen" grep -q " WHITELISTED=[1-9].* BLACKLISTED=[1-9].* GREYLISTED=[1-9]" "$T/out"

# the pacer (2000/s for 500 requests) and the duration mode end with nothing missing as well
bench -c 2 -w 16 -n 500 -r 2000 -i "$T/imeis.csv"
check "paced run: exit 0, 500 answers" result 0 "^answers=500 .* mismatch=0 error=0 missing=0$"
bench -c 2 -w 16 -d 0.3 -i "$T/imeis.csv"
check "duration run: exit 0, nothing missing" result 0 " mismatch=0 error=0 missing=0$"

# a wrong expectation is caught: exit 1, counted as mismatch
printf '35000001000001,,WHITELISTED\n35000001000002,,WHITELISTED\n' > "$T/wrong.csv"
bench -c 2 -w 16 -n 100 -i "$T/wrong.csv"
check "wrong expectation: exit 1, 50 mismatches" result 1 "^answers=100 .* ok=50 mismatch=50 error=0 missing=0$"
check "wrong expectation: the mismatch is named" grep -q "IMEI 35000001000001: expected WHITELISTED, got GREYLISTED" \
	"$T/out"
check "clean shutdown (exit 0, no sanitizer report)" eir_stop

# unknown equipment answered with Experimental-Result 5422
eir_start " unknown-peers accept" " default-verdict unknown" || exit 1
printf '35999999000001,,UNKNOWN\n35000001000001,,GREYLISTED\n35693803564380,,BLACKLISTED\n' > "$T/unknown.csv"
bench -c 2 -w 16 -n 3000 -i "$T/unknown.csv"
check "UNKNOWN run: exit 0, 3000 answers" result 0 "^answers=3000 .* mismatch=0 error=0 missing=0$"
check "UNKNOWN run: 1000 UNKNOWN (Experimental-Result 5422)" grep -q " UNKNOWN=1000 " "$T/out"
check "clean shutdown" eir_stop

# --help and a usage error: their exit codes, and nothing leaked on the way out (a sanitizer build reports leaks)
"$BENCH" --help > "$T/help" 2>&1
check "--help: exit 0, no sanitizer report" sh -c '[ $1 -eq 0 ] && ! grep -q Sanitizer "$2"' _ $? "$T/help"
"$BENCH" --no-such-option > "$T/usage" 2>&1
check "a bad option: exit 2, no sanitizer report" sh -c '[ $1 -eq 2 ] && ! grep -q Sanitizer "$2"' _ $? "$T/usage"
: > "$T/none.csv"
"$BENCH" -p 1 -n 1 -i "$T/none.csv" > "$T/none" 2>&1
check "no IMEIs: exit 2, says so, no sanitizer report" \
	sh -c '[ $1 -eq 2 ] && grep -q "no IMEIs" "$2" && ! grep -q Sanitizer "$2"' _ $? "$T/none"
finish
