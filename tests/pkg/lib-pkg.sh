# SPDX-License-Identifier: AGPL-3.0-or-later
# For the package tests (source after tests/lib.sh): build the Debian packages from the `make dist` tarball in
# $T/build, as an operator or a build daemon would.

# own_make ARGS...: run ARGS without the make variables of the `make check-install` running this test: its TESTS
# would otherwise become the dist tarball's (EXTRA_DIST holds $(TESTS)) and the package's make check
own_make() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL -u MAKEOVERRIDES -u TESTS -u TEST_SUITE_LOG -u top_builddir \
		-u top_srcdir -u srcdir "$@"
}

# pkg_build [DEB_BUILD_OPTIONS]: make dist, unpack, dpkg-buildpackage -us -uc -b; the .debs in $T/build.
# Prints the tail of the log and returns 1 on failure.
pkg_build() {
	local tarball src
	own_make make -s -C "$top_builddir" dist >"$T/dist.log" 2>&1 || { sed 's/^/#   /' "$T/dist.log"; return 1; }
	tarball=$(ls -t "$top_builddir"/osmo-eir-*.tar.bz2 | head -n 1)
	echo "# make dist: ${tarball##*/}"
	mkdir -p "$T/build"
	tar -xjf "$tarball" -C "$T/build" || return 1
	src=$(echo "$T"/build/osmo-eir-*/)
	echo "# dpkg-buildpackage -us -uc -b (DEB_BUILD_OPTIONS=${1:-<none>: the build runs make check})"
	if ! (cd "$src" && own_make DEB_BUILD_OPTIONS="${1:-}" dpkg-buildpackage -us -uc -b) >"$T/build.log" 2>&1; then
		tail -n 60 "$T/build.log" | sed 's/^/#   /'
		return 1
	fi
}

# pkg_deb NAME: the path of NAME's .deb in $T/build
pkg_deb() {
	echo "$T"/build/"$1"_*.deb
}
