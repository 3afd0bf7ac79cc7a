#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The Tw watchdog to its end, two peers at once on one daemon: one that stops answering DWR becomes SUSPECT and is
# disconnected (about 4 Tw), one that answers every DWR is still open after 5 Tw (a DWA that is ignored would close
# a healthy idle MME). Takes ~32 s and lives in make check-slow.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
eir_start " unknown-peers accept
 watchdog-timer 6" || exit 1
$PY "$top_srcdir/tests/s13/s13_errors.py" watchdog_alive "$EIR_PORT" 6 > "$T/alive.out" 2>&1 &
alive=$!
$PY "$top_srcdir/tests/s13/s13_errors.py" watchdog_close "$EIR_PORT" 6 || not_ok "see the lines above"
wait $alive
rc=$?
cat "$T/alive.out"
check "the peer that answers its DWRs stays open" [ $rc -eq 0 ]
check "SUSPECT is logged" grep -q "no answer to DWR: SUSPECT" "$EIR_LOG"
check "and the close" grep -q "watchdog: peer does not answer" "$EIR_LOG"
check "clean shutdown" eir_stop
finish
