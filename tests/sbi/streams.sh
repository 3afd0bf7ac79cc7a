#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# One HTTP/2 connection, many streams: osmo-eir keeps closed streams to reuse (with their path buffers); every
# answer must still be its own request's (tests/sbi/streams.py, its own ok/not ok lines), with sizes of path that
# make a kept buffer grow, and after a 414, a 431 and a 405.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/s13/lib-eir.sh"
. "$top_srcdir/tests/sbi/lib-sbi.sh"
sbi_need_h2

sbi_start || exit 1
$PY "$top_srcdir/tests/sbi/streams.py" "$SBI_PORT" > "$T/streams.out" 2>&1
relay "$T/streams.out"
check "streams.py made all its 16 checks" [ "$(grep -c -e "^ok - " -e "^not ok - " "$T/streams.out")" -eq 16 ]
check "osmo-eir still runs" kill -0 "$EIR_PID"
check "clean shutdown" eir_stop
finish
