# SPDX-License-Identifier: AGPL-3.0-or-later
# Shared helpers for the shell tests: a scratch directory, ok/not ok lines and the exit status.
: "${top_builddir:?run from make check}" "${top_srcdir:?run from make check}"
EIR_DB="$top_builddir/src/osmo-eir-db/osmo-eir-db"
# the npm peers, installed by contrib/install-deps.sh into contrib/peers/node_modules; EIR_NODE_MODULES names another
# copy (a git worktree and make distcheck's unpacked tarball have none of their own)
NODE_MODULES="${EIR_NODE_MODULES:-$top_srcdir/contrib/peers/node_modules}"
# tests/s13/mme.js loads the diameter package from here
DIAMETER_MODULE="$NODE_MODULES/diameter"
export DIAMETER_MODULE
T="$(mktemp -d /tmp/eir-test.XXXXXX)"
trap 'rm -rf "$T"' EXIT
n_fail=0
n_ok=0

ok() {
	n_ok=$((n_ok + 1))
	echo "ok - $*"
}

not_ok() {
	n_fail=$((n_fail + 1))
	echo "not ok - $*"
}

# check DESCRIPTION COMMAND...: ok when COMMAND succeeds
check() {
	desc="$1"
	shift
	if "$@"; then ok "$desc"; else not_ok "$desc"; fi
}

# wait_for SECONDS CMD...: poll CMD every 0.2 s until it succeeds or SECONDS pass
wait_for() {
	n=$(($1 * 5))
	shift
	while ! "$@"; do
		n=$((n - 1))
		[ $n -le 0 ] && return 1
		sleep 0.2
	done
}

# relay FILE: a checker's "ok - " and "not ok - " lines (tests/*.py print them) counted as this test's own; any
# other line shown as a comment
relay() {
	while IFS= read -r line; do
		case "$line" in
		"ok - "*) ok "${line#ok - }" ;;
		"not ok - "*) not_ok "${line#not ok - }" ;;
		*) echo "# $line" ;;
		esac
	done < "$1"
}

finish() {
	echo "# $n_ok ok, $n_fail not ok"
	[ "$n_fail" -eq 0 ]
	exit $?
}
