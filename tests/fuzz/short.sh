#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# make check-slow: each libFuzzer target (make fuzz) for FUZZ_SECONDS (default 30) from its committed corpus, with
# its dictionary; the inputs it finds go to a scratch directory, not into the tree. SKIP without clang/libFuzzer.
set -u
. "$top_srcdir/tests/lib.sh"
[ "${fuzz_enabled:-0}" = 1 ] || { echo "# SKIP: configure found no clang with libFuzzer (doc/fuzzing.md)"; exit 77; }
dir="$top_builddir/tests/fuzz"
src="$top_srcdir/tests/fuzz"
FUZZ_SECONDS=${FUZZ_SECONDS:-30}
# a smaller ASan quarantine: libFuzzer frees a copy of every input, the default 256 MB would fill with them
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=32"
export ASAN_OPTIONS
for name in csv imei edit_key runs sums plan dirbs_row; do
	bin="$dir/fuzz_$name"
	[ -x "$bin" ] || { not_ok "fuzz_$name: not built (make fuzz)"; continue; }
	mkdir -p "$T/$name"
	dict=
	[ -f "$src/dict/$name.dict" ] && dict="-dict=$src/dict/$name.dict"
	# -max_total_time bounds the run; -timeout and -rss_limit_mb make a hang or a blow-up a failure
	if "$bin" -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
		-artifact_prefix="$T/$name/" $dict "$T/$name" "$src/corpus/$name" > "$T/$name.log" 2>&1; then
		ok "fuzz_$name: ${FUZZ_SECONDS} s, no crash ($(sed -n 's/^stat::number_of_executed_units: *//p' "$T/$name.log") runs)"
	else
		not_ok "fuzz_$name: libFuzzer found a failing input"
		tail -n 40 "$T/$name.log" | sed 's/^/#   /'
		for a in "$T/$name"/crash-* "$T/$name"/timeout-* "$T/$name"/oom-* "$T/$name"/leak-*; do
			[ -f "$a" ] && echo "#   input $(basename "$a"): $(od -An -c "$a" | head -n 4 | tr -s ' ')"
		done
	fi
done
finish
