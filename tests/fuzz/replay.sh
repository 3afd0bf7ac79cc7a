#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Test driver for fuzz/NAME_replay (make check): replays every input of tests/fuzz/corpus/NAME/ once through the
# fuzz target NAME, built without libFuzzer by the normal compiler (with --enable-sanitize: under ASan and UBSan).
prog="$1"
name=$(basename "$prog" _replay)
corpus="$top_srcdir/tests/fuzz/corpus/$name"
[ -d "$corpus" ] || { echo "FAIL: no corpus $corpus"; exit 1; }
"$prog" "$corpus"
