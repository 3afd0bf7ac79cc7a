#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-push against a small Python HTTPS receiver (tests/history/receiver.py, certificates made here with
# openssl): the events osmo-eir raised over S13 and N5g-eir all arrive; a receiver that is down for a while gets
# every event once it is back (distinct ids counted, duplicates allowed and counted); a state file set back sends
# again (at least once); a receiver with a certificate from another CA, one that wants a client certificate and
# one that answers 500 are not counted as delivered; pruned events are a gap, logged and counted; bad
# configurations give exit code 1 and the reason.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/history/lib-events.sh"
PUSH="$top_builddir/src/osmo-eir-push/osmo-eir-push"
FIXTURE="$top_builddir/tests/history/hist_fixture"
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
for t in curl openssl; do
	command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
done
curl -V | grep -q HTTP2 || { echo "SKIP: curl without HTTP/2"; exit 77; }

cd "$T" || exit 1
printf 'subjectAltName=IP:127.0.0.1\n' > san.ext
{
	for ca in ca other; do
		openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout $ca.key \
			-out $ca.pem -days 2 -subj /CN=osmo-eir-test-$ca &&
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout srv-$ca.key \
			-out srv-$ca.csr -subj /CN=127.0.0.1 &&
		openssl x509 -req -in srv-$ca.csr -CA $ca.pem -CAkey $ca.key -CAcreateserial -out srv-$ca.pem \
			-days 2 -extfile san.ext || exit 1
	done
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout cli.key -out cli.csr \
		-subj /CN=osmo-eir-push-test &&
	openssl x509 -req -in cli.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out cli.pem -days 2
} > openssl.log 2>&1 || { cat openssl.log; echo "# cannot make the test certificates"; exit 1; }

RPIDS=""
# receiver NAME CA [ARGS...]: start a receiver with the server certificate of CA on $RPORT_AT (a restart) or a free
# port; sets RPORT; its ids in NAME.ids
receiver() {
	name=$1
	ca=$2
	shift 2
	RPORT=${RPORT_AT:-$(free_port)}
	$PY "$top_srcdir/tests/history/receiver.py" $RPORT srv-$ca.pem srv-$ca.key "$T/$name.ids" "$@" \
		> "$T/$name.out" 2>> "$T/$name.err" &
	RPID=$!
	RPIDS="$RPIDS $RPID"
	i=0
	while ! grep -q listening "$T/$name.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 50 ] && { echo "# the receiver did not start:"; cat "$T/$name.err"; return 1; }
		sleep 0.1
	done
	touch "$T/$name.ids"
}

cleanup() {
	for p in $RPIDS ${PUSH_PID:-}; do kill $p 2>/dev/null; done
	for p in $RPIDS ${PUSH_PID:-}; do wait $p 2>/dev/null; done
}

distinct() { sort -u "$T/$1.ids" | wc -l; }
total() { wc -l < "$T/$1.ids"; }

# wait_distinct NAME N SECS: until NAME got N distinct ids
wait_distinct() {
	i=0
	while [ "$(distinct "$1")" -lt "$2" ]; do
		i=$((i + 1))
		[ $i -gt $(($3 * 10)) ] && return 1
		sleep 0.1
	done
}

# sanitizers: a report would show in the agent's log
clean_log() {
	! grep -q "ERROR: \(Address\|Leak\)Sanitizer\|runtime error:" "$1"
}

# --- bad configurations: exit 1 and why, nothing sent ---
NOWHERE=https://127.0.0.1:1/
run "$PUSH"
exits "no URL: exit 1, nothing is sent" 1 \
	"^osmo-eir-push: no receiver configured (--url or 'url' in the config file): nothing is sent$"
run "$PUSH" --url http://127.0.0.1:1/
exits "http:// refused: exit 1" 1 "^osmo-eir-push: invalid URL 'http://127.0.0.1:1/': https:// only$"
run "$PUSH" --url $NOWHERE --ca-file "$T/none.pem"
exits "a CA file that cannot be read: exit 1" 1 \
	"^osmo-eir-push: cannot read the CA file $T/none.pem: No such file or directory$"
run "$PUSH" --url $NOWHERE --poll 0
exits "poll 0: exit 1" 1 "^osmo-eir-push: invalid poll interval '0': 1 to 86400$"
run "$PUSH" --url $NOWHERE --retry-min 10 --retry-max 5
exits "retry-max below retry-min: exit 1" 1 "^osmo-eir-push: retry-max 5 is below retry-min 10$"
run "$PUSH" --url $NOWHERE --kind sightings
exits "a bad kind: exit 1" 1 \
	"^osmo-eir-push: invalid kind 'sightings': sighting, new-sim, new-handset or clone-suspect$"
run "$PUSH" --url $NOWHERE --key-file cli.key
exits "a key without a certificate: exit 1" 1 "^osmo-eir-push: a key-file without a cert-file$"
printf 'url https://127.0.0.1:1/\nfrobnicate 1\n' > bad.cfg
run "$PUSH" -c bad.cfg
exits "an unknown setting in the config file: exit 1 with file and line" 1 \
	"^osmo-eir-push: bad.cfg:2: unknown setting 'frobnicate'$"
run "$PUSH" -c "$top_srcdir/doc/examples/osmo-eir-push.cfg"
exits "the example config: every setting known, no URL: exit 1, nothing sent" 1 "no receiver configured"
run "$PUSH" -c "$T/none.cfg"
exits "a config file that cannot be read: exit 1" 1 "^osmo-eir-push: cannot read the config file $T/none.cfg: "
run "$PUSH" --url $NOWHERE --once --history "$T/none" --state-file "$T/x.state"
exits "--once with no history: exit 3" 3 "no history in $T/none: No such file or directory"
check "  nothing created" [ ! -e "$T/none" ]
printf 'last-id banana\n' > garbled.state
run "$PUSH" --url $NOWHERE --once --state-file garbled.state
exits "a garbled state file: exit 3, said" 3 "the state file garbled.state is garbled: fix or remove it"

# --- the daemon raises events; the agent delivers them ---
hist_start || exit 1
trap 'cleanup; rm -rf "$T"' EXIT
raise_first
wait_events 7
check "the history holds 7 events" [ "$(n_events)" = 7 ]
receiver r1 ca || exit 1
R1PORT=$RPORT
cat > push.cfg <<CFG
# as doc/examples/osmo-eir-push.cfg, for the test
url https://127.0.0.1:$R1PORT/events
history $T/history
database $T/store
state-file $T/push.state
ca-file $T/ca.pem
poll 1
retry-min 1
retry-max 2
verbose
CFG
"$PUSH" -c push.cfg > push.log 2>&1 &
PUSH_PID=$!
wait_distinct r1 7 15
if [ "$(distinct r1)" = 7 ]; then
	ok "all 7 events arrived"
else
	not_ok "all 7 events arrived"
	sed "s/^/#   push: /" push.log | tail -20
	sed "s/^/#   receiver: /" r1.err | tail -20
fi
check "  as a JSON array, Content-Type application/json, to the URL's path" \
	sh -c "cut -d' ' -f1,2 '$T/r1.ids.posts' | sort -u | grep -qx '/events application/json'"
last=$("$EIR_DB" -l "$T/store" export-events | tail -1 | sed 's/^{"id":\([0-9]*\),.*/\1/')
i=0
while ! grep -q "^last-id $last\$" push.state 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the state file holds the last id delivered ($last)" grep -qx "last-id $last" push.state
want='"imsi":"001010000000003","msisdn":"4915112345678",.*"reason":"Reported stolen"},"interface":"n5g-eir"'
check "the sighting with its reason from the lists store" grep -q "$want" r1.ids.jsonl

# the receiver goes down; more events; it comes back after a while
kill $RPID
wait $RPID 2>/dev/null
raise_more
wait_events 10
check "3 more events while the receiver is down" [ "$(n_events)" = 10 ]
i=0
while [ "$(grep -c 'POST of events .* failed' push.log)" -lt 2 ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
check "the agent tries again and fails while it is down (logged, the back-off at most 2 s)" \
	sh -c "[ \$(grep -c 'POST of events 8..10 (3) .* failed: .*; again in [12] s' '$T/push.log') -ge 2 ]"
check "  nothing more marked delivered" grep -qx "last-id $last" push.state
# the same port again: it was free a moment ago, and ours
RPORT_AT=$R1PORT receiver r1 ca || exit 1
wait_distinct r1 10 20
check "back up: every event delivered (10 distinct ids)" [ "$(distinct r1)" = 10 ]
# the receiver writes the ids before it answers: the state file says when the agent has the answer
i=0
while ! grep -qx "last-id 10" push.state && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
check "  acknowledged: the state file at 10" grep -qx "last-id 10" push.state
echo "# r1: $(total r1) ids received, $(($(total r1) - $(distinct r1))) duplicates"

# at least once: a state file set back (a crash between a POST and its state write) sends those again
kill -TERM $PUSH_PID
wait $PUSH_PID
rc=$?
PUSH_PID=
check "SIGTERM: a clean stop, exit 0" [ $rc = 0 ]
want="osmo-eir-push: stopped: 10 events delivered in [0-9]* POSTs, [1-9][0-9]* POSTs failed, 0 events pruned"
check "  the summary line" grep -q "$want" push.log
check "  no sanitizer report" clean_log push.log
before=$(total r1)
printf 'last-id 5\npruned 0\n' > push.state
run "$PUSH" -c push.cfg --once
exits "--once after the state was set back to 5: exit 0" 0 "done: 5 events delivered in 1 POSTs"
check "  events 6..10 sent again: duplicates, no new ids" \
	sh -c "[ \$(($(total r1) - $before)) = 5 ] && [ $(distinct r1) = 10 ]"
run "$PUSH" -c push.cfg --once
exits "--once with nothing new: exit 0, nothing sent" 0 "done: 0 events delivered in 0 POSTs"
check "  the receiver got no more" [ "$(total r1)" = $((before + 5)) ]

# a receiver whose certificate comes from another CA: refused, nothing marked delivered
receiver r2 other || exit 1
run "$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/events --state-file "$T/r2.state"
exits "a certificate from another CA: exit 2, said" 2 \
	"POST of events 1..10 (10) to https://127.0.0.1:$RPORT/events failed: SSL certificate problem"
check "  the receiver got nothing" [ "$(total r2)" = 0 ]
check "  no state file written" [ ! -e "$T/r2.state" ]

# a receiver that wants a client certificate: refused without one, delivered with one
receiver r3 ca --client-ca ca.pem || exit 1
run "$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/ --state-file "$T/r3.state"
exits "no client certificate: exit 2" 2 "POST of events 1..10 (10) to https://127.0.0.1:$RPORT/ failed: "
check "  nothing delivered" sh -c "[ $(total r3) = 0 ] && [ ! -e '$T/r3.state' ]"
run "$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/ --state-file "$T/r3.state" --cert-file cli.pem \
	--key-file cli.key
exits "with the client certificate: exit 0" 0 "done: 10 events delivered in 1 POSTs"
check "  all 10 delivered" [ "$(distinct r3)" = 10 ]

# a receiver that answers 500: not delivered
receiver r4 ca --status 500 || exit 1
R4PORT=$RPORT
run "$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/ --state-file "$T/r4.state" --batch 4
exits "HTTP 500: exit 2, said" 2 "POST of events 1..4 (4) .* failed: HTTP status 500$"
check "  the POST did reach it, no state written" sh -c "[ $(wc -l < r4.ids.posts) = 1 ] && [ ! -e '$T/r4.state' ]"

# SIGTERM during a POST: the agent stops at once, the batch is not marked delivered (sent again at the next start)
receiver r6 ca --status 200 --hang 20 || exit 1
"$PUSH" -c push.cfg --url https://127.0.0.1:$RPORT/ --state-file "$T/hang.state" > hang.log 2>&1 &
PUSH_PID=$!
i=0
while [ ! -s r6.ids.posts ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
kill -TERM $PUSH_PID
wait $PUSH_PID
rc=$?
PUSH_PID=
check "SIGTERM during a POST: exit 0" [ $rc = 0 ]
check "  said" grep -q "failed: stopped during the POST (the events are sent again at the next start)" hang.log
check "  nothing marked delivered" [ ! -e hang.state ]
kill $RPID

# only sightings
receiver r5 ca || exit 1
run "$PUSH" -c push.cfg --once --kind sighting --url https://127.0.0.1:$RPORT/ --state-file "$T/s.state"
exits "--kind sighting: exit 0" 0 "done: 5 events delivered in 1 POSTs"
check "  only the 5 sightings sent" \
	sh -c "[ $(distinct r5) = 5 ] && [ \$(grep -c '\"kind\":\"sighting\"' r5.ids.jsonl) = 5 ]"
check "  the place at the last event all the same" grep -qx 'last-id 10' s.state

# events the retention pruned before they were delivered: a gap, logged and counted
"$FIXTURE" "$T/fixture" 5 2 > fixture.ids
check "the fixture: events 1..5 pruned, 6 and 7 kept" [ "$(tr '\n' ' ' < fixture.ids)" = "6 7 " ]
GAP="-c push.cfg --once --history $T/fixture --url https://127.0.0.1:$R1PORT/gap"
run "$PUSH" $GAP --state-file "$T/gap.state"
exits "a gap: exit 0, logged" 0 \
	"events 1..5 (5) were pruned by the history retention before they were delivered (5 in all)"
check "  counted in the state file" sh -c "grep -qx 'pruned 5' '$T/gap.state' && grep -qx 'last-id 7' '$T/gap.state'"
exits "  the summary says it" 0 \
	"done: 2 events delivered in 1 POSTs, 0 POSTs failed, 5 events pruned before delivery"
# a gap before a failed POST is counted once, however often that POST is tried again
run "$PUSH" $GAP --state-file "$T/gap2.state" --url https://127.0.0.1:$R4PORT/
run "$PUSH" $GAP --state-file "$T/gap2.state" --url https://127.0.0.1:$R4PORT/
exits "a gap, then HTTP 500 twice: exit 2" 2 "failed: HTTP status 500$"
check "  the pruned counted once, the place past them" \
	sh -c "grep -qx 'pruned 5' '$T/gap2.state' && grep -qx 'last-id 5' '$T/gap2.state'"
# a state file from another history (ids above its last): said, started from its beginning
printf 'last-id 1000\npruned 0\n' > reset.state
run "$PUSH" $GAP --state-file "$T/reset.state"
exits "a state file above the history's last id: said, exit 0" 0 \
	"the history's last event is 7, the state file says 1000 was delivered: a new history"
check "  then delivered from its beginning (a gap of 5 again)" grep -qx "last-id 7" reset.state

# the history removed and made anew while the agent runs: seen at its next look, said, delivered from its first
receiver r7 ca || exit 1
printf 'last-id 10\npruned 0\n' > renew.state
"$PUSH" -c push.cfg --url https://127.0.0.1:$RPORT/ --state-file "$T/renew.state" > renew.log 2>&1 &
PUSH_PID=$!
eir_stop
check "clean shutdown of osmo-eir" [ $? -eq 0 ]
rm -rf "$T/history"
sbi_restart
raise_first
wait_distinct r7 7 20
check "a new history: its 7 events delivered" [ "$(distinct r7)" = 7 ]
check "  said" grep -q "the state file says 10 was delivered: a new history; starting from its first event" renew.log
kill -TERM $PUSH_PID
wait $PUSH_PID
check "  a clean stop" [ $? = 0 ]
PUSH_PID=

eir_stop
check "clean shutdown of osmo-eir" [ $? -eq 0 ]
cleanup
RPIDS=""
finish
