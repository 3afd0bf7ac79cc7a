#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# No stalls, end to end: an MME (the npm diameter package, tests/s13/mme.js in load mode) sends ECRs back to back
# while an operator makes 10,000 list edits on the VTY; every ECR must be answered right and none later than
# 1 s. Then the edits are all there, each with its audit record.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
N=${EDITS:-10000}

command -v node >/dev/null 2>&1 || { echo "# SKIP: node is not installed"; exit 77; }
[ -d "$NODE_MODULES/diameter" ] ||
	{ echo "# SKIP: the npm package diameter is not installed (contrib/install-deps.sh)"; exit 77; }

eir_start || exit 1
audit0=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment summary" |
	sed -n 's/.*audit trail: \([0-9]*\) records.*/\1/p')
node "$top_srcdir/tests/s13/mme.js" "$EIR_PORT" load "$T/stop" 300 > "$T/mme.out" 2>&1 &
mme=$!
# the MME is connected once osmo-eir has counted its first ECR
i=0
while ! $PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show rate-counters" | grep -q "ecr:rx: *[1-9]"; do
	i=$((i + 1))
	[ $i -gt 100 ] && break
	sleep 0.1
done

# N edits on one VTY session: adds of N IMEIs, every tenth changed again, every hundredth removed
PYTHONPATH="$top_srcdir/tests" $PY - "$EIR_VTY_PORT" "$N" > "$T/edits.out" 2>&1 <<'PYEOF'
import sys, time
from vty import Vty
port, n = int(sys.argv[1]), int(sys.argv[2])
v = Vty(port, timeout=30)
v.cmd("enable")
bad = 0
t0 = time.time()
done = 0
i = 0
while done < n:
    imei = "351%011d" % i
    cmds = ["equipment add imei %s black burst %d" % (imei, i)]
    if i % 10 == 0:
        cmds.append("equipment add imei %s grey burst changed" % imei)
    if i % 100 == 0:
        cmds.append("equipment del imei %s" % imei)
    for c in cmds:
        if done >= n:
            break
        out = v.cmd(c)
        done += 1
        if not out.startswith(("add imei", "del imei")):
            bad += 1
            if bad < 5:
                print("unexpected output for %r: %r" % (c, out))
    i += 1
print("edits %d bad %d seconds %.1f imeis %d" % (done, bad, time.time() - t0, i))
PYEOF
edits_rc=$?
touch "$T/stop"
wait $mme
mme_rc=$?
sed 's/^/# /' "$T/edits.out"
grep -v '^ok' "$T/mme.out" | sed 's/^/# mme: /'
check "the VTY took all $N edits" eval '[ $edits_rc -eq 0 ] && grep -q "^edits $N bad 0 " "$T/edits.out"'
check "the MME's ECRs were all answered right, none later than 1 s, during the edits" [ $mme_rc -eq 0 ]

# what the edits left: i IMEIs added, every 100th removed again; one audit record per edit
imeis=$(sed -n 's/.* imeis \([0-9]*\)$/\1/p' "$T/edits.out")
removed=$(( (imeis + 99) / 100 ))
out=$($PY "$top_srcdir/tests/vty.py" "$EIR_VTY_PORT" "show equipment summary")
# the test store has 3 IMEI entries of its own (black, grey, white)
check "the summary counts every entry the edits left" \
	sh -c 'printf "%s\n" "$1" | grep -q "IMEI entries $(( $2 - $3 + 3 )):"' _ "$out" "$imeis" "$removed"
check "  and one audit record per edit" \
	sh -c 'printf "%s\n" "$1" | grep -q "audit trail: $(( $2 + $3 )) records"' _ "$out" "$N" "$audit0"
check "clean shutdown" eir_stop
finish
