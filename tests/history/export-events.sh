#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# osmo-eir-db export-events: the events osmo-eir raised over S13 and N5g-eir as JSON lines, --since and --kind,
# the reasons from the lists store (by id only without it), the bad inputs with their exit code and message; every
# line valid against doc/schemas/osmo-eir-event.schema.json (python3-jsonschema; without it the schema part is a
# SKIP of the whole test, unless something else failed).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
. "$top_srcdir/tests/history/lib-events.sh"
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
curl -V | grep -q HTTP2 || { echo "SKIP: curl without HTTP/2"; exit 77; }
SCHEMA="$top_srcdir/doc/schemas/osmo-eir-event.schema.json"
XE="$EIR_DB -l $T/store export-events"

hist_start || exit 1
raise_first
raise_more
wait_events 10
$XE > "$T/all.jsonl" 2> "$T/all.err"
rc=$?
check "export-events: exit 0, nothing on stderr" sh -c "[ $rc = 0 ] && [ ! -s '$T/all.err' ]"
check "  10 events, one per line" [ "$(wc -l < "$T/all.jsonl")" = 10 ]
# ids IN: the ids of the JSON lines IN
ids() {
	sed 's/^{"id":\([0-9]*\),.*/\1/' | tr '\n' ' '
}
check "  ids 1..10 in order" [ "$(ids < "$T/all.jsonl")" = "1 2 3 4 5 6 7 8 9 10 " ]
want='{"id":2,"kind":"sighting","time":"[-0-9]*T[0-9:]*Z","imei":"35693803564380","imei15":"356938035643809",'
want="$want"'"imsi":"001010000000003","msisdn":"4915112345678","verdict":"BLACKLISTED","why":{"level":"local entry",'
want="$want"'"list":"black","source":"local","listed":"[-0-9]*","applied":"[-0-9]*T[0-9:]*Z","reason_id":1,'
want="$want"'"reason":"Reported stolen"},"interface":"n5g-eir","node":"127.0.0.1:[0-9]*","time_to_block_s":[0-9]*}'
check "  the N5g-eir sighting, whole" grep -qx "$want" "$T/all.jsonl"
out=$(cat "$T/all.jsonl")
rc=0
exits "  the S13 one names the Origin-Host" 0 \
	'^{"id":1,"kind":"sighting",.*"interface":"s13","node":"mme1.example.org","time_to_block_s":[0-9]*}$'
exits "  a new SIM with the previous IMSI" 0 \
	'"kind":"new-sim",.*"imsi":"001010000000003",.*"previous_imsi":"001010000000002"}$'
exits "  a new handset with the previous IMEI" 0 \
	'"kind":"new-handset",.*"imei":"35000001000002",.*"previous_imei":"35693803564380"}$'
exits "  a clone suspect with the count" 0 '"kind":"clone-suspect",.*"imsi":"001010000000004",.*"imsis":3}$'
want='"imei":"35000004000150",.*"level":"local range",.*"range":{"first":"35000004000100","last":"35000004000199"},'
exits "  the range sighting with its bounds" 0 "$want.*\"reason\":\"Counterfeit\""

check "--since 7: events 8..10" [ "$($XE --since 7 | ids)" = "8 9 10 " ]
run $XE --kind sighting
check "--kind sighting: the 5 sightings" \
	sh -c '[ "$(echo "$1" | grep -c "\"kind\":\"sighting\"")" = 5 ] && [ "$(echo "$1" | wc -l)" = 5 ]' _ "$out"
check "--kind clone-suspect --since 2: one" [ "$($XE --kind clone-suspect --since 2 | grep -c clone-suspect)" = 1 ]
run $XE --since 10
check "--since the last: nothing, exit 0" sh -c "[ $rc = 0 ] && [ -z \"\$1\" ]" _ "$out"

# bad inputs: exit 1 and why
run $XE --kind sightings
exits "a bad kind: exit 1" 1 \
	"^osmo-eir-db: invalid event kind 'sightings': sighting, new-sim, new-handset or clone-suspect$"
run $XE --since x
exits "a bad id: exit 1" 1 "^osmo-eir-db: invalid event id 'x': a number$"
run $XE --since
exits "--since without a value: exit 1, the syntax" 1 \
	'^usage: osmo-eir-db .* export-events \[--since ID\] \[--kind KIND\] \[--history DIR\]$'
run $XE --frob 1
exits "an unknown option: exit 1, the syntax" 1 '^usage: osmo-eir-db .* export-events \[--since ID\]'
run $XE --history "$T/none"
exits "no history: exit 1" 1 "^osmo-eir-db: no history in $T/none: No such file or directory$"
check "  nothing created" [ ! -e "$T/none" ]
# without the lists store the reasons are given by id only
out=$("$EIR_DB" -l "$T/nostore" export-events --history "$T/history" 2> "$T/nostore.err")
rc=$?
check "no lists store: exit 0, said on stderr" \
	sh -c "[ $rc = 0 ] && grep -q 'the store $T/nostore cannot be read: reasons given by id only' '$T/nostore.err'"
check "  reason_id without reason" \
	sh -c 'echo "$1" | grep -q "\"reason_id\":1}" && ! echo "$1" | grep -q "\"reason\":"' _ "$out"
echo "$out" > "$T/noreason.jsonl"
# operator lookups raise no event: osmo-eir-db export-events is no network check either
check "exporting raised no event" [ "$(n_events)" = 10 ]

eir_stop
check "clean shutdown (no sanitizer report)" [ $? -eq 0 ]

# the schema: every line valid (the receivers may validate as strictly as this: no attributes beyond the schema's)
cat > "$T/validate.py" <<'PYEOF'
import json, sys
try:
    import jsonschema
    from jsonschema import Draft202012Validator
except ImportError:
    print("no jsonschema")
    sys.exit(77)
schema = json.load(open(sys.argv[1]))
Draft202012Validator.check_schema(schema)
strict = dict(schema, additionalProperties=False)
strict["properties"] = dict(schema["properties"])
strict["properties"]["why"] = dict(schema["properties"]["why"], additionalProperties=False)
v = Draft202012Validator(strict, format_checker=Draft202012Validator.FORMAT_CHECKER)
bad = 0
n = 0
for f in sys.argv[2:]:
    for line in open(f):
        n += 1
        for e in v.iter_errors(json.loads(line)):
            print("%s: %s: %s" % (f, e.json_path, e.message))
            bad += 1
# the validator does refuse: a 13-digit IMEI, an unknown kind, a reason without its id
wrong = [dict(json.loads(open(sys.argv[2]).readline()), imei="3569380356438"),
         dict(json.loads(open(sys.argv[2]).readline()), kind="sightings")]
w = json.loads(open(sys.argv[2]).readline())
w["why"] = {"level": "local entry", "reason": "x"}
wrong.append(w)
refused = sum(1 for e in wrong if not v.is_valid(e))
print("%d lines, %d errors, %d of %d wrong ones refused" % (n, bad, refused, len(wrong)))
sys.exit(0 if not bad and refused == len(wrong) else 1)
PYEOF
out=$($PY "$T/validate.py" "$SCHEMA" "$T/all.jsonl" "$T/noreason.jsonl"); rc=$?
if [ $rc = 77 ]; then
	[ $n_fail -gt 0 ] && finish
	echo "SKIP: no python3-jsonschema (contrib/install-deps.sh): the schema was not checked"
	exit 77
fi
echo "$out" | sed 's/^/#   /'
check "every line valid against the schema, the wrong ones refused" [ $rc = 0 ]
finish
