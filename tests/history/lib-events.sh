# SPDX-License-Identifier: AGPL-3.0-or-later
# For the tests of the history's events (source after tests/lib.sh, tests/s13/lib-eir.sh, tests/sbi/lib-sbi.sh):
# osmo-eir with the history on, network checks over S13 and N5g-eir that raise events, and the count of events
# export-events sees. The history is $T/history (the store's ../history).
PY=/usr/bin/python3
ECR="$PY $top_srcdir/contrib/s13-ecr.py --realm example.org --dest-realm example.org"
BLACK=35693803564380

# hist_start: osmo-eir with full history and clone suspects at 3 IMSIs
hist_start() {
	sbi_start "
history
 history on
 clone-imsis 3
"
}

# raise_first: 3 sightings, 2 new SIMs, 1 new handset, 1 clone suspect (7 events; tests/history/history.sh)
raise_first() {
	$ECR --port $EIR_PORT --origin-host mme1.example.org $BLACK 001010000000002 > /dev/null
	$ECR --port $EIR_PORT --origin-host mme1.example.org $BLACK 001010000000002 > /dev/null
	h2 n1 "$SBI_URL?pei=imei-${BLACK}9&supi=imsi-001010000000003&gpsi=msisdn-4915112345678"
	$ECR --port $EIR_PORT --origin-host mme2.example.org $BLACK 001010000000004 > /dev/null
	$ECR --port $EIR_PORT --origin-host mme1.example.org 35000001000002 001010000000002 > /dev/null
}

# raise_more: 2 sightings (the range) and 1 new handset
raise_more() {
	$ECR --port $EIR_PORT --origin-host mme3.example.org 35000004000150 001010000000009 > /dev/null
	$ECR --port $EIR_PORT --origin-host mme3.example.org 35000004000151 001010000000009 > /dev/null
}

# n_events: how many events export-events prints now
n_events() {
	"$EIR_DB" -l "$T/store" export-events 2>/dev/null | wc -l
}

# wait_events N: until the history holds N events (the writer commits every 100 ms), at most 10 s
wait_events() {
	i=0
	while [ "$(n_events)" -lt "$1" ]; do
		i=$((i + 1))
		[ $i -gt 100 ] && return 1
		sleep 0.1
	done
}

# run CMD...: its exit code in rc, its stdout and stderr in out
run() {
	out=$("$@" 2>&1)
	rc=$?
}

# said PATTERN: a line of the last run's output matches the grep PATTERN
said() {
	printf '%s\n' "$out" | grep -q -- "$1"
}

# exits DESC CODE PATTERN: the last run exited CODE and said PATTERN
exits() {
	if [ "$rc" = "$2" ] && said "$3"; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   exit $rc, want $2 and '$3':"
		printf '%s\n' "$out" | tail -5 | sed 's/^/#   /'
	fi
}
