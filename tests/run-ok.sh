#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Test driver for DIR/NAME_test.ok: runs the NAME_test binary built in tests/DIR and compares its stdout with the
# .ok file (stderr, where the logging goes, is not compared).
ok="$1"
dir=$(basename "$(dirname "$ok")")
bin="$top_builddir/tests/$dir/$(basename "$ok" .ok)"
out="$(mktemp)"
trap 'rm -f "$out"' EXIT
"$bin" >"$out"
rc=$?
if [ $rc -ne 0 ]; then
	cat "$out"
	echo "FAIL: $bin exited $rc"
	exit 1
fi
if ! diff -u "$ok" "$out"; then
	echo "FAIL: output of $bin differs from $ok"
	exit 1
fi
exit 0
