#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The README's test command, and all that CI runs (.ci/run). From any directory:
#   installs the dependencies, builds out of tree in build-test/ with ASan+UBSan and -Werror, runs `make check`
#   and `make check-slow` (the second even when the first fails), `make distcheck`, then `make soak` (10 minutes of load, feed
#   deltas and edits; SOAK_SECS=N to change) from an optimised build in build-soak/, and last `make check-install`
#   in build-test/ (the Debian packages from the dist tarball, installed, run and purged; each step even when
#   the one before failed), then sums up the automake .trs files of both:
#   every test that did not pass is named (with the tail of its log when it failed), then a line
#   "N skipped: NAMES", and the LAST line of output is always "N passed, N failed".
# Exit status: 0 when nothing failed, 1 otherwise (a failed build counts as "0 passed, 1 failed").
set -u
cd "$(dirname "$0")/.." || { echo "0 passed, 1 failed"; exit 1; }

summary_build_failed() {
	echo "test.sh: $1"
	echo "0 passed, 1 failed"
	exit 1
}

./contrib/install-deps.sh || summary_build_failed "installing the dependencies failed"

# LeakSanitizer on; any UBSan report is fatal and shows where it happened.
export ASAN_OPTIONS=detect_leaks=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
jobs=$(nproc)
CONFIGURE_FLAGS=(--enable-sanitize --enable-werror)

# build DIR CONFIGURE_FLAGS...: configure (again when needed) and make in DIR
build() {
	local dir=$1
	shift
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ ! -f Makefile.in ]; then
		autoreconf -fi || return 1
	fi
	mkdir -p "$dir" && cd "$dir" || return 1
	# configure again only when never done, when configure changed, or when done with other options
	local reconf=no flag
	if [ ! -f config.status ] || [ ../configure -nt config.status ]; then
		reconf=yes
	else
		for flag in "$@"; do
			./config.status --config | grep -Eq -- "(^| |')$flag('| |\$)" || reconf=yes
		done
	fi
	if [ "$reconf" = yes ]; then
		../configure "$@" || return 1
	fi
	make -j"$jobs"
}

(build build-test "${CONFIGURE_FLAGS[@]}") || summary_build_failed "the build failed"

cd build-test || summary_build_failed "no build-test/"
# results of earlier runs must not count
find tests -name '*.trs' -delete 2>/dev/null
make -k -j"$jobs" check
check_rc=$?
make -k -j"$jobs" check-slow
slow_rc=$?
# the tarball builds and passes make check on its own, from a read-only source tree (the npm peers from ours)
EIR_NODE_MODULES="$PWD/../contrib/peers/node_modules" make -j"$jobs" distcheck
distcheck_rc=$?
cd .. || exit 1

# the soak measures RSS: from a build without sanitizers (ASan's quarantine holds freed memory)
find build-soak/tests -name '*.trs' -delete 2>/dev/null
soak_rc=0
soak_build_failed=0
if (build build-soak --enable-werror); then
	make -C build-soak soak
	soak_rc=$?
else
	echo "test.sh: the optimised build for the soak failed"
	soak_build_failed=1
fi

# last: the package build skips its own run of the suite (DEB_BUILD_OPTIONS=nocheck), make check has run it
EIR_PKG_NOCHECK=1 make -C build-test -k check-install
install_rc=$?

pass=0
fail=0
skip=0
skipped=()
echo
echo "== results (build-test/tests, build-soak/tests)"
while IFS= read -r trs; do
	name=${trs#build-*/tests/}
	name=${name%.trs}
	while IFS= read -r res; do
		case "$res" in
		PASS) pass=$((pass + 1)) ;;
		XFAIL)
			pass=$((pass + 1))
			echo "XFAIL: $name (expected failure)"
			;;
		SKIP)
			skip=$((skip + 1))
			skipped+=("$name")
			echo "SKIP: $name"
			;;
		*) # FAIL, XPASS, ERROR, or anything unknown
			fail=$((fail + 1))
			echo "$res: $name; the end of ${trs%.trs}.log:"
			tail -n 40 "${trs%.trs}.log" 2>/dev/null | sed 's/^/    /'
			;;
		esac
	done < <(sed -n 's/^:test-result: *\([A-Z]*\).*/\1/p' "$trs")
done < <(find build-test/tests build-soak/tests -name '*.trs' 2>/dev/null | sort)

# make distcheck: one result (its own make check's results are in its output above)
if [ "$distcheck_rc" -eq 0 ]; then
	pass=$((pass + 1))
else
	echo "FAIL: make distcheck exited with $distcheck_rc (see its output above)"
	fail=$((fail + 1))
fi

# make failing with no failed test to show for it (a test program that did not build, a broken rule)
if [ "$check_rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "FAIL: make check exited with $check_rc (see its output above)"
	fail=$((fail + 1))
fi
if [ "$slow_rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "FAIL: make check-slow exited with $slow_rc (see its output above)"
	fail=$((fail + 1))
fi
# a soak that could not even be built has no result of its own: always a failure, whatever else failed
if [ "$soak_build_failed" -ne 0 ]; then
	echo "FAIL: the optimised build (--enable-werror) for the soak failed (see its output above)"
	fail=$((fail + 1))
fi
if [ "$soak_rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "FAIL: make soak exited with $soak_rc (see its output above)"
	fail=$((fail + 1))
fi
if [ "$install_rc" -ne 0 ] && [ "$fail" -eq 0 ]; then
	echo "FAIL: make check-install exited with $install_rc (see its output above)"
	fail=$((fail + 1))
fi
if [ $((pass + fail + skip)) -eq 0 ]; then
	echo "FAIL: no test results found under build-test/tests"
	fail=1
fi

echo "$skip skipped${skipped[*]:+: ${skipped[*]}}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
