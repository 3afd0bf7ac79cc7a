#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Every kind of N5g-eir answer, validated with ajv (npm, contrib/peers) against the JSON schemas in doc/schemas/
# (EirResponseData of TS 29.511, ProblemDetails of TS 29.571).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
PEERS="$NODE_MODULES"
command -v node >/dev/null || { echo "SKIP: no node"; exit 77; }
[ -d "$PEERS/ajv" ] || { echo "SKIP: ajv not installed (contrib/install-deps.sh)"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }

sbi_start " max-uri-length 600" " default-verdict unknown" || exit 1
mkdir -p "$T/bodies"
i=0
# get KIND URL [CURL_ARGS]: fetch, keep the body as bodies/N.KIND.json; the content type must match the kind
get() {
	kind=$1
	url=$2
	shift 2
	i=$((i + 1))
	h2 "a$i" "$url" "$@"
	cp "$T/a$i.body" "$T/bodies/$i.$kind.json"
	ct=$(cut -d' ' -f2 "$T/a$i.meta")
	case $kind in
	EirResponseData) want=application/json ;;
	*) want=application/problem+json ;;
	esac
	check "answer $i ($(cut -d' ' -f1 "$T/a$i.meta")) has content type $want" [ "$ct" = "$want" ]
}
get EirResponseData "$SBI_URL?pei=imei-356938035643809"
get EirResponseData "$SBI_URL?pei=imeisv-3500000100000101"
get EirResponseData "$SBI_URL?pei=imeisv-3500000100000201"
get ProblemDetails "$SBI_URL?pei=imeisv-3599999900000101"
get ProblemDetails "$SBI_URL"
get ProblemDetails "$SBI_URL?pei=imei-1"
get ProblemDetails "$SBI_URL?pei=imei-356938035643809&supi=imsi-1&gpsi=msisdn-x&supported-features=z&a%22%01b=1"
# names that come back escaped: 64 bytes of %01 (six bytes each), alone and with every parameter bad
n01=$(printf '%%01%.0s' $(seq 64))
nff=$(printf '%%FF%.0s' $(seq 64))
for qs in "$n01=1" "pei=imeisv-1&supi=imsi-1&gpsi=msisdn-x&supported-features=z&$n01=1" \
	"pei=imei-1&supi=imsi-1&gpsi=extid-x&supported-features=z&$nff=1"; do
	get ProblemDetails "$SBI_URL?$qs"
	check "  (a 400)" [ "$(cut -d' ' -f1 "$T/a$i.meta")" = 400 ]
done
get ProblemDetails "http://127.0.0.1:$SBI_PORT/nope"
get ProblemDetails "$SBI_URL?pei=imei-356938035643809" -X POST
get ProblemDetails "$SBI_URL?pei=$(printf '%0700d' 0)"
get ProblemDetails "$SBI_URL?pei=imei-356938035643809" -H "x-big: $(printf '%09000d' 0)"
check "clean shutdown" eir_stop

out=$(NODE_PATH="$PEERS" node "$top_srcdir/tests/sbi/validate.js" "$top_srcdir/doc/schemas" "$T"/bodies/*.json)
rc=$?
printf '%s\n' "$out" | sed 's/^/# /'
check "ajv: all $i answers valid against doc/schemas" [ $rc -eq 0 ]
# the validator itself catches a wrong answer
printf '{"status":"GRAYLISTED"}' > "$T/bad.EirResponseData.json"
printf '{"status":"400","invalidParams":[]}' > "$T/bad.ProblemDetails.json"
NODE_PATH="$PEERS" node "$top_srcdir/tests/sbi/validate.js" "$top_srcdir/doc/schemas" "$T/bad.EirResponseData.json" \
	>/dev/null
check "ajv rejects GRAYLISTED" [ $? -eq 1 ]
NODE_PATH="$PEERS" node "$top_srcdir/tests/sbi/validate.js" "$top_srcdir/doc/schemas" "$T/bad.ProblemDetails.json" \
	>/dev/null
check "ajv rejects a string status and empty invalidParams" [ $? -eq 1 ]
finish
