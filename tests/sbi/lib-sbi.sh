# SPDX-License-Identifier: AGPL-3.0-or-later
# For the N5g-eir shell tests (source after tests/lib.sh and tests/s13/lib-eir.sh): start osmo-eir with an 'sbi'
# node on a free port, send requests with curl and compare status, content type and body.

# sbi_need_h2: PY, a python3 with python3-h2 (the HTTP/2 test clients); without it the test is skipped
sbi_need_h2() {
	PY=/usr/bin/python3
	[ -x $PY ] && $PY -c 'import h2' 2>/dev/null || { echo "SKIP: no python3-h2"; exit 77; }
}

# sbi_start [EXTRA_SBI_LINES] [EXTRA_EIR_LINES] [DIAMETER_LINES (default: unknown-peers accept)]: sets SBI_PORT,
# SBI_URL (the equipment-status resource)
sbi_start() {
	SBI_PORT=$(free_port)
	eir_start "${3:-}" "${2:-}" "sbi
 listen 127.0.0.1 $SBI_PORT
${1:-}" || return 1
	i=0
	while ! grep -q "N5g-eir on 127.0.0.1:$SBI_PORT" "$EIR_LOG"; do
		i=$((i + 1))
		if [ $i -gt 50 ]; then
			echo "# the N5g-eir server did not start:"
			sed 's/^/#   /' "$EIR_LOG"
			return 1
		fi
		sleep 0.1
	done
	SBI_URL="http://127.0.0.1:$SBI_PORT/n5g-eir-eic/v1/equipment-status"
}

# sbi_restart: start osmo-eir again with the same config, store and ports (after eir_stop); exits the test when it
# does not come up within 10 s
sbi_restart() {
	# emptied here, not by the background job's redirection: that one may come after the wait below has already
	# found the last run's "N5g-eir on" line
	: > "$EIR_LOG"
	"$EIR" -c "$T/osmo-eir.cfg" -l "$T/store" >> "$EIR_LOG" 2>&1 &
	EIR_PID=$!
	i=0
	while ! grep -q "N5g-eir on 127.0.0.1:$SBI_PORT" "$EIR_LOG"; do
		i=$((i + 1))
		[ $i -gt 100 ] && { echo "# osmo-eir did not restart:"; sed 's/^/#   /' "$EIR_LOG"; exit 1; }
		sleep 0.1
	done
}

# h2 NAME URL [CURL_ARGS...]: one request over cleartext HTTP/2 with prior knowledge; the answer goes to
# $T/NAME.meta ("STATUS CONTENT_TYPE HTTP_VERSION"), $T/NAME.hdr and $T/NAME.body
h2() {
	name=$1
	url=$2
	shift 2
	curl -sS --http2-prior-knowledge --max-time 10 -D "$T/$name.hdr" -o "$T/$name.body" \
		-w '%{http_code} %{content_type} %{http_version}' "$@" "$url" > "$T/$name.meta" 2> "$T/$name.err"
}

# expect DESCRIPTION NAME STATUS CONTENT_TYPE BODY: check the answer h2 NAME got
expect() {
	want="$3 $4 2"
	got_meta=$(cat "$T/$2.meta")
	got_body=$(cat "$T/$2.body")
	if [ "$got_meta" = "$want" ] && [ "$got_body" = "$5" ]; then
		ok "$1"
	else
		not_ok "$1"
		echo "#   want: $want $5"
		echo "#   got:  $got_meta $got_body $(cat "$T/$2.err")"
	fi
}

# q DESCRIPTION QUERY STATUS CONTENT_TYPE BODY: GET equipment-status?QUERY and check the answer
n_q=0
q() {
	n_q=$((n_q + 1))
	h2 "q$n_q" "$SBI_URL?$2"
	expect "$1" "q$n_q" "$3" "$4" "$5"
}

J=application/json
P=application/problem+json
UNKNOWN='{"title":"Not Found","status":404,"detail":"PEI not found","cause":"ERROR_EQUIPMENT_UNKNOWN"}'
# bad400 CAUSE PARAM REASON: the body of a 400 with one invalid parameter
bad400() {
	printf '{"title":"Bad Request","status":400,"cause":"%s",%s"reason":"%s"}]}' \
		"$1" "\"invalidParams\":[{\"param\":\"query $2\"," "$3"
}

# sbi_ctr "$(vty 'show rate-counters')" NAME: the value of the sbi group's counter NAME
sbi_ctr() {
	printf '%s\n' "$1" | sed -n '/^N5g-eir HTTP\/2 server/,/^[^ ]/p' | grep " $2:" | head -n 1 |
		sed 's/^ *[^ ]*: *\([0-9]*\) .*/\1/'
}

# vty COMMAND...: run commands on osmo-eir's VTY (ENABLE node), print the answers
vty() {
	/usr/bin/python3 "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" enable "$@"
}

# check_ctr "$(vty 'show rate-counters')" NAME OP VALUE: check the sbi group's counter NAME, e.g. -eq 1 or -gt 0
check_ctr() {
	n=$(sbi_ctr "$1" "$2")
	check "rate counter sbi $2 ($n)" [ "${n:-0}" "$3" "$4" ]
}

# has TEXT PATTERN: TEXT has a line matching PATTERN (grep's basic regular expression)
has() {
	printf '%s\n' "$1" | grep -q -- "$2"
}

# hasnt TEXT PATTERN: no line of TEXT matches PATTERN
hasnt() {
	! has "$1" "$2"
}

# sbi_tls_tools: SKIP (exit 77) without curl with HTTP/2, openssl or /usr/bin/python3 (the TLS tests need them)
sbi_tls_tools() {
	for t in curl openssl; do
		command -v $t >/dev/null || { echo "SKIP: no $t"; exit 77; }
	done
	curl -V | grep -q HTTP2 || { echo "SKIP: curl without HTTP/2"; exit 77; }
	[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
}
