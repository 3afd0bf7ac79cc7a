#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Fault injection: the store's disk full (a small tmpfs) during a sync, an import and VTY/CTRL edits. Each is
# refused cleanly (its exit code or error reply), the lists stay exactly as they were, osmo-eir keeps answering,
# and once there is room again the same operations succeed. Needs root (mount); SKIP otherwise.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"
PY=/usr/bin/python3
ECR="$top_srcdir/contrib/s13-ecr.py"
ROWS=${ROWS:-600000}

[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }
command -v openssl >/dev/null || { echo "# SKIP: openssl not installed"; exit 77; }
[ "$(id -u)" -eq 0 ] || { echo "# SKIP: mounting a small tmpfs needs root"; exit 77; }
# the store is the tmpfs itself ($T/store, where lib-eir.sh's eir_start runs osmo-eir)
SMALL="$T/store"
mkdir -p "$SMALL" "$T/www" "$T/dl"
mount -t tmpfs -o size=12m tmpfs "$SMALL" 2>/dev/null || { echo "# SKIP: cannot mount a tmpfs here"; exit 77; }
trap 'kill $EIR_PID 2>/dev/null; wait $EIR_PID 2>/dev/null; umount "$SMALL"; rm -rf "$T"' EXIT
S="$SMALL"

# counts STORE: both parts' entry counts and the feed run, as osmo-eir-db stats says them
counts() {
	"$EIR_DB" -l "$1" stats 2>&1 | awk '/^local:/ { p = "L" } /^national:/ { p = "N" }
		$2 ~ /^[0-9]+$/ && $3 == "entries" { printf "%s.%s=%s ", p, $1, $2 } $1 == "feed" && $3 == "run" { printf "run=%s", $4 }'
}

# ---- a sync that does not fit: exit 9, run 1 and its lists kept, the next sync after cleaning up applies ----
eir_store "$S" || exit 1
feed_key || exit 1
blacklist "$T/bl1.csv" 35100000000001 35100000000002 35100000000003
publish --blacklist "$T/bl1.csv" $(op_lists) || exit 1
feed_sync "$S" -u "file://$T/www/feed/" --tmp-dir "$T/dl"
check "run 1 applied (exit $rc)" [ $rc -eq 0 ]
awk -v n="$ROWS" 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < n; i++) printf "%.0f,20261102,Stolen %d\n", 35200000000000 + i * 3, i }' > "$T/bl2.csv"
publish --blacklist "$T/bl2.csv" $(op_lists) || exit 1
c0=$(counts "$S")
feed_sync "$S" -u "file://$T/www/feed/" --tmp-dir "$T/dl"
check "a run that does not fit on the disk: exit 9 (SYNC_E_FULL), got $rc" [ $rc -eq 9 ]
said "  and says why" "commit: no space left on the disk"
check "  the failed attempt recorded for osmo-eir all the same (sync-status: exit 9)" \
	grep -q "^exit_code 9$" "$S/sync-status"
check "  the lists and run 1 unchanged ($(counts "$S"))" [ "$(counts "$S")" = "$c0" ]
check "  IMEIs of run 1 still BLACKLISTED" [ "$(verdict "$S" 35100000000002)" = BLACKLISTED ]
check "  IMEIs of run 2 not applied" [ "$(verdict "$S" 35200000000003)" = WHITELISTED ]

# ---- an import that does not fit: exit 1, nothing changed ----
awk -v n="$ROWS" 'BEGIN { print "imei,list,reason"
	for (i = 0; i < n; i++) printf "%.0f,black,imported %d\n", 35400000000000 + i * 3, i }' > "$T/big.csv"
"$EIR_DB" -l "$S" import "$T/big.csv" > "$T/import.out" 2>&1
rc=$?
check "an import that does not fit on the disk: exit 1, got $rc" [ $rc -eq 1 ]
check "  and says why ($(head -n 1 "$T/import.out"))" grep -q "commit: no space left on the disk" "$T/import.out"
check "  the lists unchanged" [ "$(counts "$S")" = "$c0" ]
check "  the first imported IMEI not there" [ "$(verdict "$S" 35400000000000)" = WHITELISTED ]

# ---- edits on the VTY and over CTRL while the disk is full: refused, then accepted with room again ----
eir_start || exit 1
VTY="$PY $top_srcdir/tests/vty.py $EIR_VTY_PORT"
out=$($VTY "show equipment summary" | tr -d '\r' | grep "last sync attempt")
check "osmo-eir shows the sync refused for the full disk (${out# *})" sh -c 'echo "$1" | grep -q "(exit 9)"' _ "$out"
CTRL="$PY $top_srcdir/tests/ctrl.py $EIR_CTRL_PORT"
# fill what is left of the disk, so that the next pages LMDB must add to its file find no room
dd if=/dev/zero of="$SMALL/filler" bs=64k 2>/dev/null
# edits until the first refusal (LMDB first reuses the pages it has free): every refusal is an error, never "ok"
PYTHONPATH="$top_srcdir/tests" $PY - "$EIR_VTY_PORT" > "$T/edits.out" 2>&1 <<'PYEOF'
import sys
from vty import Vty
v = Vty(int(sys.argv[1]))
v.cmd("enable")
acked = refused = 0
for i in range(20000):
	out = v.cmd("equipment add imei %d black %s" % (35500000000000 + i, "filling the disk " * 20))
	if out.strip().startswith("%"):
		refused += 1
		print("refused %d %s" % (35500000000000 + i, out.strip().splitlines()[0]))
		if refused >= 3:
			break
	else:
		acked += 1
		print("acked %d" % (35500000000000 + i))
print("summary acked=%d refused=%d" % (acked, refused))
PYEOF
sed -n 's/^refused [0-9]* /# VTY: /p' "$T/edits.out" | head -n 1
check "VTY edits on a full disk are refused with an error ($(tail -n 1 "$T/edits.out"))" \
	grep -q "^summary acked=[0-9]* refused=3$" "$T/edits.out"
check "  the error says why" grep -q "^refused [0-9]* % commit: no space left on the disk$" "$T/edits.out"
n_bad=0
for imei in $(sed -n 's/^refused \([0-9]*\) .*/\1/p' "$T/edits.out"); do
	[ "$(verdict "$S" "$imei")" = WHITELISTED ] || n_bad=$((n_bad + 1))
done
for imei in $(sed -n 's/^acked \([0-9]*\)$/\1/p' "$T/edits.out" | tail -n 5); do
	[ "$(verdict "$S" "$imei")" = BLACKLISTED ] || n_bad=$((n_bad + 1))
done
check "  each refused edit absent, each acknowledged one present ($n_bad wrong)" [ $n_bad -eq 0 ]
out=$($CTRL set equipment.imei.35600000000001.local "black,Full disk" 2>&1)
rc=$?
check "a CTRL SET on a full disk gets an ERROR reply (exit $rc)" [ $rc -ne 0 ]
check "  saying why ($out)" [ "$out" = "commit: no space left on the disk" ]
check "  and changes nothing" [ "$(verdict "$S" 35600000000001)" = WHITELISTED ]
check "osmo-eir still answers S13 from the lists" \
	[ "$($PY "$ECR" --port "$EIR_PORT" --dest-realm example.org 35693803564380 | cut -d' ' -f1)" = BLACKLISTED ]
# room again: the operator grows the file system (the failed import's pages fill it, not only the filler)
rm -f "$SMALL/filler"
mount -o remount,size=400m "$SMALL"
out=$($VTY enable "equipment add imei 35600000000002 black Room again" | tr -d '\r' | grep '%')
check "with room again a VTY edit is accepted (${out:-no error})" [ -z "$out" ]
check "  and is there" [ "$(verdict "$S" 35600000000002)" = BLACKLISTED ]
out=$($CTRL set equipment.imei.35600000000001.local "black,Room again" 2>&1)
rc=$?
check "  a CTRL SET too (exit $rc: $out)" [ $rc -eq 0 ]
check "  and is there" [ "$(verdict "$S" 35600000000001)" = BLACKLISTED ]
check "clean shutdown (exit 0, no sanitizer report)" eir_stop

# ---- with room again, the sync and the import that did not fit apply ----
feed_sync "$S" -u "file://$T/www/feed/" --tmp-dir "$T/dl"
check "after making room the same sync applies (exit $rc)" [ $rc -eq 0 ]
check "  run 2's IMEIs BLACKLISTED" [ "$(verdict "$S" 35200000000003)" = BLACKLISTED ]
"$EIR_DB" -l "$S" import "$T/big.csv" > "$T/import.out" 2>&1
rc=$?
check "  and the import too (exit $rc)" [ $rc -eq 0 ]
check "  its IMEIs BLACKLISTED" [ "$(verdict "$S" 35400000000000)" = BLACKLISTED ]
finish
