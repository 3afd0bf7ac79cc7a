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
# receiver NAME CA [ARGS...]: start a receiver with the server certificate of CA; sets RPORT; its ids in NAME.ids
receiver() {
	name=$1
	ca=$2
	shift 2
	RPORT=$(free_port)
	$PY "$top_srcdir/tests/history/receiver.py" $RPORT srv-$ca.pem srv-$ca.key "$T/$name.ids" "$@" \
		> "$T/$name.out" 2> "$T/$name.err" &
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

# restart_receiver NAME CA PORT: the same on a given port (it was free a moment ago, ours)
restart_receiver() {
	$PY "$top_srcdir/tests/history/receiver.py" $3 srv-$2.pem srv-$2.key "$T/$1.ids" > "$T/$1.out" 2>> "$T/$1.err" &
	RPID=$!
	RPIDS="$RPIDS $RPID"
	i=0
	while ! grep -q listening "$T/$1.out" 2>/dev/null; do
		i=$((i + 1))
		[ $i -gt 50 ] && { echo "# the receiver did not restart:"; cat "$T/$1.err"; return 1; }
		sleep 0.1
	done
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
out=$("$PUSH" 2>&1); rc=$?
check "no URL: exit 1, nothing is sent" [ $rc = 1 ] &&
	check "  says so" [ "$out" = "osmo-eir-push: no receiver configured (--url or 'url' in the config file): nothing is sent" ]
out=$("$PUSH" --url http://127.0.0.1:1/ 2>&1); rc=$?
check "http:// refused: exit 1" sh -c "[ $rc = 1 ] && [ \"\$1\" = \"osmo-eir-push: invalid URL 'http://127.0.0.1:1/': https:// only\" ]" _ "$out"
out=$("$PUSH" --url https://127.0.0.1:1/ --ca-file "$T/none.pem" 2>&1); rc=$?
check "a CA file that cannot be read: exit 1" sh -c "[ $rc = 1 ] && echo \"\$1\" | grep -qx 'osmo-eir-push: cannot read the CA file $T/none.pem: No such file or directory'" _ "$out"
out=$("$PUSH" --url https://127.0.0.1:1/ --poll 0 2>&1); rc=$?
check "poll 0: exit 1" sh -c "[ $rc = 1 ] && [ \"\$1\" = \"osmo-eir-push: invalid poll interval '0': 1 to 86400\" ]" _ "$out"
out=$("$PUSH" --url https://127.0.0.1:1/ --retry-min 10 --retry-max 5 2>&1); rc=$?
check "retry-max below retry-min: exit 1" sh -c "[ $rc = 1 ] && [ \"\$1\" = 'osmo-eir-push: retry-max 5 is below retry-min 10' ]" _ "$out"
out=$("$PUSH" --url https://127.0.0.1:1/ --kind sightings 2>&1); rc=$?
check "a bad kind: exit 1" sh -c "[ $rc = 1 ] && echo \"\$1\" | grep -q \"invalid kind 'sightings'\"" _ "$out"
printf 'url https://127.0.0.1:1/\nfrobnicate 1\n' > bad.cfg
out=$("$PUSH" -c bad.cfg 2>&1); rc=$?
check "an unknown setting in the config file: exit 1 with file and line" \
	sh -c "[ $rc = 1 ] && echo \"\$1\" | grep -qx \"osmo-eir-push: bad.cfg:2: unknown setting 'frobnicate'\"" _ "$out"
out=$("$PUSH" -c "$top_srcdir/doc/examples/osmo-eir-push.cfg" 2>&1); rc=$?
check "the example config: every setting known, no URL: exit 1, nothing sent" \
	sh -c "[ $rc = 1 ] && echo \"\$1\" | grep -q 'no receiver configured'" _ "$out"
out=$("$PUSH" -c "$T/none.cfg" 2>&1); rc=$?
check "a config file that cannot be read: exit 1" [ $rc = 1 ]
out=$("$PUSH" --url https://127.0.0.1:1/ --once --history "$T/none" --state-file "$T/x.state" 2>&1); rc=$?
check "--once with no history: exit 3" sh -c "[ $rc = 3 ] && echo \"\$1\" | grep -q 'cannot open the history $T/none: No such file or directory'" _ "$out"
printf 'last-id banana\n' > garbled.state
out=$("$PUSH" --url https://127.0.0.1:1/ --once --state-file garbled.state 2>&1); rc=$?
check "a garbled state file: exit 3, said" sh -c "[ $rc = 3 ] && echo \"\$1\" | grep -q 'the state file garbled.state is garbled'" _ "$out"

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
if [ "$(distinct r1)" = 7 ]; then ok "all 7 events arrived"; else not_ok "all 7 events arrived"
	sed "s/^/#   push: /" push.log | tail -20; sed "s/^/#   receiver: /" r1.err | tail -20; fi
check "  as a JSON array, Content-Type application/json, to the URL's path" \
	sh -c "cut -d' ' -f1,2 '$T/r1.ids.posts' | sort -u | grep -qx '/events application/json'"
last=$("$EIR_DB" -l "$T/store" export-events | tail -1 | sed 's/^{"id":\([0-9]*\),.*/\1/')
i=0
while ! grep -q "^last-id $last\$" push.state 2>/dev/null && [ $i -lt 50 ]; do sleep 0.1; i=$((i + 1)); done
check "the state file holds the last id delivered ($last)" grep -qx "last-id $last" push.state
check "the sighting with its reason from the lists store" \
	grep -q '"imsi":"001010000000003","msisdn":"4915112345678",.*"reason":"Reported stolen"},"interface":"n5g-eir"' r1.ids.jsonl

# the receiver goes down; more events; it comes back after a while
kill $RPID; wait $RPID 2>/dev/null
raise_more
wait_events 10
check "3 more events while the receiver is down" [ "$(n_events)" = 10 ]
i=0
while [ "$(grep -c 'POST of events .* failed' push.log)" -lt 2 ] && [ $i -lt 150 ]; do sleep 0.1; i=$((i + 1)); done
check "the agent tries again and fails while it is down (logged)" \
	sh -c "[ \$(grep -c 'DPUSH\|POST of events .* failed: .*; again in [12] s' '$T/push.log') -ge 2 ]"
check "  nothing more marked delivered" grep -qx "last-id $last" push.state
restart_receiver r1 ca $R1PORT || exit 1
wait_distinct r1 10 20
check "back up: every event delivered (10 distinct ids)" [ "$(distinct r1)" = 10 ]
echo "# r1: $(total r1) ids received, $(($(total r1) - $(distinct r1))) duplicates"

# at least once: a state file set back (a crash between a POST and its state write) sends those again
kill -TERM $PUSH_PID; wait $PUSH_PID; rc=$?
PUSH_PID=
check "SIGTERM: a clean stop, exit 0" [ $rc = 0 ]
check "  the summary line" grep -q "osmo-eir-push: stopped: [0-9]* events delivered in [0-9]* POSTs, [1-9][0-9]* POSTs failed, 0 events pruned" push.log
check "  no sanitizer report" clean_log push.log
before=$(total r1)
printf 'last-id 5\npruned 0\n' > push.state
out=$("$PUSH" -c push.cfg --once 2>&1); rc=$?
check "--once after the state was set back to 5: exit 0" [ $rc = 0 ]
check "  events 6..10 sent again: duplicates, no new ids" \
	sh -c "[ \$(($(total r1) - $before)) = 5 ] && [ $(distinct r1) = 10 ]"
out=$("$PUSH" -c push.cfg --once 2>&1); rc=$?
check "--once with nothing new: exit 0, nothing sent" sh -c "[ $rc = 0 ] && [ $(total r1) = $((before + 5)) ]"

# a receiver whose certificate comes from another CA: refused, nothing marked delivered
receiver r2 other || exit 1
out=$("$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/events --state-file "$T/r2.state" 2>&1); rc=$?
check "a certificate from another CA: exit 2" [ $rc = 2 ]
check "  the log says why" sh -c "echo \"\$1\" | grep -q 'POST of events 1..10 (10) to https://127.0.0.1:$RPORT/events failed: SSL certificate problem'" _ "$out"
check "  the receiver got nothing" [ "$(total r2)" = 0 ]
check "  no state file written" [ ! -e "$T/r2.state" ]

# a receiver that wants a client certificate: refused without one, delivered with one
receiver r3 ca --client-ca ca.pem || exit 1
out=$("$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/ --state-file "$T/r3.state" 2>&1); rc=$?
check "no client certificate: exit 2, nothing delivered" sh -c "[ $rc = 2 ] && [ $(total r3) = 0 ] && [ ! -e '$T/r3.state' ]"
out=$("$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/ --state-file "$T/r3.state" --cert-file cli.pem \
	--key-file cli.key 2>&1); rc=$?
check "with the client certificate: exit 0, all 10 delivered" sh -c "[ $rc = 0 ] && [ $(distinct r3) = 10 ]"

# a receiver that answers 500: not delivered
receiver r4 ca --status 500 || exit 1
out=$("$PUSH" -c push.cfg --once --url https://127.0.0.1:$RPORT/ --state-file "$T/r4.state" --batch 4 2>&1); rc=$?
check "HTTP 500: exit 2, said, no state written" sh -c "[ $rc = 2 ] && echo \"\$1\" | grep -q 'POST of events 1..4 (4) .* failed: HTTP status 500' && [ ! -e '$T/r4.state' ]" _ "$out"
check "  the POST did reach it" [ "$(wc -l < r4.ids.posts)" = 1 ]

# events the retention pruned before they were delivered: a gap, logged and counted
"$FIXTURE" "$T/fixture" 5 2 > fixture.ids
check "the fixture: events 1..5 pruned, 6 and 7 kept" [ "$(cat fixture.ids | tr '\n' ' ')" = "6 7 " ]
out=$("$PUSH" -c push.cfg --once --history "$T/fixture" --state-file "$T/gap.state" --url https://127.0.0.1:$R1PORT/gap 2>&1); rc=$?
check "a gap: exit 0" [ $rc = 0 ]
check "  logged" sh -c "echo \"\$1\" | grep -q 'events 1..5 (5) were pruned by the history retention before they were delivered (5 in all)'" _ "$out"
check "  counted in the state file" sh -c "grep -qx 'pruned 5' '$T/gap.state' && grep -qx 'last-id 7' '$T/gap.state'"
check "  the summary says it" sh -c "echo \"\$1\" | grep -q 'done: 2 events delivered in 1 POSTs, 0 POSTs failed, 5 events pruned before delivery'" _ "$out"
# a state file from another history (ids above its last): said, started from its beginning
printf 'last-id 1000\npruned 0\n' > reset.state
out=$("$PUSH" -c push.cfg --once --history "$T/fixture" --state-file "$T/reset.state" --url https://127.0.0.1:$R1PORT/gap 2>&1); rc=$?
check "a state file above the history's last id: said, exit 0" sh -c "[ $rc = 0 ] && echo \"\$1\" | grep -q \"the history's last event is 7, the state file says 1000 was delivered: a new history\"" _ "$out"
check "  then delivered from its beginning (a gap of 5 again)" grep -qx "last-id 7" reset.state

# only sightings
out=$("$PUSH" -c push.cfg --once --kind sighting --url https://127.0.0.1:$R1PORT/sightings --state-file "$T/s.state" 2>&1); rc=$?
check "--kind sighting: exit 0" [ $rc = 0 ]
check "  only the 5 sightings sent, the place at the last event" \
	sh -c "[ \$(grep -c '\"kind\":\"sighting\"' '$T/r1.ids.jsonl') -ge 5 ] && grep -qx 'last-id 10' '$T/s.state' && [ \$(grep '^/sightings' '$T/r1.ids.posts' | wc -l) = 1 ]"

eir_stop
check "clean shutdown of osmo-eir" [ $? -eq 0 ]
cleanup
RPIDS=""
finish
