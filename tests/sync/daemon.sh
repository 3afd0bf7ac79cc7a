#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir keeps answering ECRs while osmo-eir-sync applies a run to the national part beside it (their own
# writer locks, LMDB readers never wait): an npm-diameter MME sends ECRs back to back throughout, every answer
# right and none later than 1 s; then osmo-eir answers from the new run: feed → nginx → sync → S13.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"
ECR="$top_srcdir/contrib/s13-ecr.py"

[ -x /usr/bin/python3 ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
command -v node >/dev/null 2>&1 && [ -d "$NODE_MODULES/diameter" ] ||
	{ echo "# SKIP: node and the npm package diameter are needed (contrib/install-deps.sh)"; exit 77; }
command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
ROWS=${ROWS:-300000}
feed_key || exit 1
nginx_start
case $? in 0) ;; 77) exit 77 ;; *) exit 1 ;; esac
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261102,Stolen\n", 35100000000000 + i * 3 }' \
	> "$T/bl.csv"
publish --blacklist "$T/bl.csv" $(op_lists) || exit 1
eir_start || exit 1

ecr() {
	/usr/bin/python3 "$ECR" --port "$EIR_PORT" --dest-realm example.org "$@" 2>&1 | cut -d' ' -f1
}
check "before: the local black entry answers BLACKLISTED" [ "$(ecr 35693803564380)" = BLACKLISTED ]
check "before: a feed IMEI answers WHITELISTED" [ "$(ecr 35100000000003)" = WHITELISTED ]

# an MME (the npm diameter package, tests/s13/mme.js) sends ECRs back to back for the whole apply
node "$top_srcdir/tests/s13/mme.js" "$EIR_PORT" load "$T/stop" 120 > "$T/mme.out" 2>&1 &
mme=$!
sleep 1
"$EIR_SYNC" -l "$T/store" -o $OP -k "$T/feed.pub" -u "$HTTP_URL" > "$T/sync.out" 2>&1
rc=$?
sleep 0.5
touch "$T/stop"
wait $mme
mme_rc=$?
grep -v '^ok' "$T/mme.out" | sed 's/^/# mme: /'
check "the sync applies $ROWS rows beside the daemon (exit $rc)" [ $rc -eq 0 ]
said "the sync's summary" "run 1 (.*) applied from the full lists of run 1: $ROWS added"
check "the MME's ECRs before, during and after the apply: all answered right, none later than 1 s" [ $mme_rc -eq 0 ]
check "after: the feed IMEI answers BLACKLISTED" [ "$(ecr 35100000000003)" = BLACKLISTED ]
check "after: the 15-digit form too" [ "$(ecr 351000000000039)" = BLACKLISTED ]
check "after: the local entry still decides for its IMEI" [ "$(ecr 35693803564380)" = BLACKLISTED ]
check "after: the local white pair still wins" [ "$(ecr 35693803564380 001010000000001)" = WHITELISTED ]

# the daemon shows the feed: its run, date and age, the result of the last attempt, the national counts
VTY="/usr/bin/python3 $top_srcdir/tests/vty.py $EIR_VTY_PORT"
out=$($VTY "show equipment summary" | tr -d '\r')
check "show equipment summary: the national blacklist's size" \
	sh -c 'echo "$1" | grep -q "^  blacklist $2 IMEIs, notifications 0 rows, exceptions 0 rows"' _ "$out" "$ROWS"
check "  the feed's run, date, when it was applied and its age" \
	sh -c 'echo "$1" | grep -q "^  feed national: run 1 of [0-9]\{8\}_[0-9]\{6\}, applied 20[0-9-]* [0-9:]* UTC ([0-9]*s ago)$"' \
	_ "$out"
check "  the last sync attempt: ok" \
	sh -c 'echo "$1" | grep -q "^  last sync attempt: .* UTC (.*), feed national, ok (exit 0): "' _ "$out"
out=$($VTY "show equipment imei 35100000000003" | tr -d '\r')
check "show equipment imei: decided by the national blacklist, naming the feed" \
	sh -c 'echo "$1" | grep -q "decided by: national blacklist IMEI 35100000000003: list black, source national feed national, reason \"Stolen\""' \
	_ "$out"

# a refused sync (a new run, but checked with a key that did not sign it): the daemon says so and keeps serving
# the run it has
{ cat "$T/bl.csv"; echo "35999990000001,20261103,Stolen"; } > "$T/bl2.csv"
publish --blacklist "$T/bl2.csv" $(op_lists) || exit 1
openssl genpkey -algorithm ed25519 -out "$T/other.key" 2>/dev/null
openssl pkey -in "$T/other.key" -pubout -out "$T/other.pub" 2>/dev/null
"$EIR_SYNC" -l "$T/store" -o $OP -k "$T/other.pub" -u "$HTTP_URL" > "$T/sync2.out" 2>&1
rc=$?
check "a sync with the wrong key is refused (exit 4)" [ $rc -eq 4 ]
out=$($VTY "show equipment summary" | tr -d '\r')
check "show equipment summary: the last attempt FAILED, with its exit code and why" \
	sh -c 'echo "$1" | grep -q "^  last sync attempt: .*, feed national, FAILED (exit 4): .*signature"' _ "$out"
check "  and the run held is still run 1" sh -c 'echo "$1" | grep -q "^  feed national: run 1 of "' _ "$out"
check "  and the feed IMEI still answers BLACKLISTED" [ "$(ecr 35100000000003)" = BLACKLISTED ]
check "  and the IMEI of the refused run is not blacklisted" [ "$(ecr 35999990000001)" = WHITELISTED ]
i=0
while [ $i -lt 30 ] && ! $VTY "show stats" | grep -q "osmo-eir-sync's last attempt failed, else 0: *1 *\r*$"; do
	sleep 0.5
	i=$((i + 1))
done
check "stat item sync:failed is 1 (updated within 10 s)" [ $i -lt 30 ]
out=$(/usr/bin/python3 "$top_srcdir/tests/ctrl.py" "$EIR_CTRL_PORT" get equipment.summary)
check "CTRL equipment.summary: the feed's run and the failed attempt" \
	sh -c 'echo "$1" | grep -q "national.black=$2,.*feed.name=national,feed.run=1,.*sync.exit=4,"' _ "$out" "$ROWS"

# a delta applied beside the running daemon: its national lookup filter takes the delta's keys from the key log and
# is trusted again without a build (the first sync's 300,000 keys were too many to list: that one was built)
check "the national lookup filter trusted after the first sync" wait_for 20 eir_filter_trusted national
built=$(eir_counter filter:built)
caught=$(eir_counter filter:caught-up)
{ cat "$T/bl2.csv"; echo "35999990000002,20261104,Stolen"; } > "$T/bl3.csv"
publish --blacklist "$T/bl3.csv" $(op_lists) || exit 1
"$EIR_SYNC" -l "$T/store" -o $OP -k "$T/feed.pub" -u "$HTTP_URL" > "$T/sync.out" 2>&1
rc=$?
check "a delta sync beside the daemon (exit $rc)" [ $rc -eq 0 ]
said "  applied as deltas" "applied as deltas from"
check "  its IMEIs answer BLACKLISTED at once" [ "$(ecr 35999990000001)/$(ecr 35999990000002)" = \
	BLACKLISTED/BLACKLISTED ]
check "  the national lookup filter trusted again" wait_for 10 eir_filter_trusted national
check "  caught up from the key log: filter:caught-up $caught -> $(eir_counter filter:caught-up)" \
	[ "$(eir_counter filter:caught-up)" -gt "$caught" ]
check "  not built again: filter:built $built" [ "$(eir_counter filter:built)" = "$built" ]
check "  the delta's IMEIs still BLACKLISTED through it" [ "$(ecr 35999990000001)/$(ecr 35999990000002)" = \
	BLACKLISTED/BLACKLISTED ]
check "osmo-eir: clean shutdown" eir_stop
finish
