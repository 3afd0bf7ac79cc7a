#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# S13 against a foreign MME: tests/s13/mme.js on the npm package `diameter` (node-diameter 0.7.0, installed in
# contrib/peers/node_modules by contrib/install-deps.sh). CER, ECRs for every list, the pair, the range and the
# IMEI forms, DWR, DPR; then, with `default-verdict unknown`, an IMEI on no list answered with
# Experimental-Result {10415, 5422}. SKIP (77) without node or the package.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
MME="$top_srcdir/tests/s13/mme.js"
PKG="$NODE_MODULES/diameter"
command -v node >/dev/null 2>&1 || { echo "SKIP: no node (Node.js) on PATH"; exit 77; }
[ -f "$PKG/package.json" ] || { echo "SKIP: npm package diameter missing in $PKG (run contrib/install-deps.sh)"; exit 77; }
[ -x /usr/bin/python3 ] || { echo "SKIP: no /usr/bin/python3 (lib-eir.sh needs it)"; exit 77; }
# mme.js ends itself after 20 s; this is the backstop
TIMEOUT=""
command -v timeout >/dev/null 2>&1 && TIMEOUT="timeout -k 5 40"

# mme MODE: run mme.js against the daemon, its ok/not ok lines indented under ours
mme() {
	DIAMETER_MODULE="$PKG" $TIMEOUT node "$MME" "$EIR_PORT" "$1" > "$T/mme.out" 2>&1
	rc=$?
	sed 's/^/    /' "$T/mme.out"
	return $rc
}

eir_start || exit 1
check "mme.js: CER, 10 ECRs, DWR, DPR all as expected" mme full
check "osmo-eir saw the MME close the connection after the DPA" \
	grep -q "mme.example.org): closing: peer closed the connection" "$EIR_LOG"
check "the BLACKLISTED answers are logged" \
	grep -q "BLACKLISTED IMEI 35000004000150 IMSI - SV -1 peer mme.example.org" "$EIR_LOG"
check "clean shutdown (exit 0, no sanitizer report)" eir_stop

eir_start "" " default-verdict unknown" || exit 1
check "mme.js: IMEI on no list with default-verdict unknown: Experimental-Result 5422, no Equipment-Status" \
	mme unknown
check "clean shutdown with default-verdict unknown" eir_stop

finish
