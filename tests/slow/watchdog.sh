#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The Tw watchdog to its end: a peer that stops answering DWR becomes SUSPECT and is disconnected (about 4 Tw,
# so this takes ~25 s and lives in make check-slow).
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
PY=/usr/bin/python3
eir_start " unknown-peers accept
 watchdog-timer 6" || exit 1
$PY "$top_srcdir/tests/s13/s13_errors.py" watchdog_close "$EIR_PORT" 6 || not_ok "see the lines above"
check "SUSPECT is logged" grep -q "no answer to DWR: SUSPECT" "$EIR_LOG"
check "and the close" grep -q "watchdog: peer does not answer" "$EIR_LOG"
check "clean shutdown" eir_stop
finish
