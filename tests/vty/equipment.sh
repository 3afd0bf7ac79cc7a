#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The operator's list commands on the VTY, as a transcript (tests/vty/equipment.vty): each command and its exact
# output, bad input included. UPDATE=1 rewrites the transcript with what osmo-eir printed (review the diff).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
[ -x $PY ] || { echo "# SKIP: no /usr/bin/python3"; exit 77; }

eir_start || exit 1
PYTHONPATH="$top_srcdir/tests" $PY "$top_srcdir/tests/vty_transcript.py" "$EIR_VTY_PORT" \
	"$top_srcdir/tests/vty/equipment.vty" ${UPDATE:+--update} > "$T/transcript.out"
rc=$?
cat "$T/transcript.out" | grep -v "^ok - "
n_ok=$(grep -c "^ok - " "$T/transcript.out")
check "every command of the transcript printed what it shows" [ $rc -eq 0 ]
check "clean shutdown" eir_stop
finish
