#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The README's test command, and what CI runs: install dependencies, build with ASan+UBSan and -Werror in
# build-test/, run `make check` and `make check-slow`, and end with the line "N passed, N failed".
set -u
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./contrib/install-deps.sh || { echo "install-deps failed"; echo "0 passed, 1 failed"; exit 1; }

export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
jobs=$(nproc)

build() {
	if [ ! -x configure ] || [ configure.ac -nt configure ] || [ ! -f Makefile.in ]; then
		autoreconf -fi || return 1
	fi
	mkdir -p build-test
	cd build-test || return 1
	if [ ! -f config.status ] || [ ../configure -nt config.status ]; then
		../configure --enable-sanitize --enable-werror || return 1
	fi
	make -j"$jobs"
}

if ! (build); then
	echo "build failed"
	echo "0 passed, 1 failed"
	exit 1
fi

cd build-test
# old results must not count
find tests -name '*.trs' -delete 2>/dev/null
make -k -j"$jobs" check
make -k check-slow

pass=0
fail=0
skip=0
skipped=""
for trs in $(find tests -name '*.trs' | sort); do
	res=$(sed -n 's/^:test-result: //p' "$trs" | head -n 1)
	name=${trs%.trs}
	case "$res" in
	PASS | XFAIL) pass=$((pass + 1)) ;;
	SKIP)
		skip=$((skip + 1))
		skipped="$skipped ${name#tests/}"
		;;
	*)
		fail=$((fail + 1))
		echo "== $res: ${name#tests/}"
		tail -n 30 "$name.log" 2>/dev/null
		;;
	esac
done
if [ $((pass + fail + skip)) -eq 0 ]; then
	echo "no test results found"
	fail=1
fi
echo "$skip skipped${skipped:+:$skipped}"
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
