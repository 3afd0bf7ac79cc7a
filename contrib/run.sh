#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# The README's run command. Re-runnable, from any directory:
#   1. installs the dependencies (contrib/install-deps.sh)
#   2. builds out of tree in build/ (autoreconf and configure only when needed)
#   3. loads the bundled sample lists (contrib/sample/) into a fresh store in state/db: the operator's own lists
#      with osmo-eir-db, the national lists as a signed feed (a key made in state/, published with
#      osmo-eir-feed, synced with osmo-eir-sync over file://)
#   4. prints the verdict of every IMEI in contrib/sample/showcase.csv, marking (and failing on) any that
#      differs from what the showcase expects
#   5. runs osmo-eir in the foreground on that store (Ctrl-C stops it)
set -eu
set -o pipefail
cd "$(dirname "$0")/.."
top=$(pwd)

./contrib/install-deps.sh

# --- build ------------------------------------------------------------------------------------------------
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi
fi
mkdir -p build
(
	cd build
	[ -f config.status ] || ../configure --quiet
	make -j"$(nproc)" >/dev/null
)
EIR_DB=$top/build/src/osmo-eir-db/osmo-eir-db
S=contrib/sample

# --- a fresh store with the sample lists --------------------------------------------------------------------
mkdir -p state
DB=state/db
rm -rf "$DB"
"$EIR_DB" -l "$DB" create >/dev/null
# The operator's own lists: entries, ranges (and whole TACs) and (IMEI, IMSI) pairs.
for f in local/entries.csv local/ranges.csv local/pairs.csv; do
	rc=0
	out=$("$EIR_DB" -l "$DB" import "$S/$f" 2>&1) || rc=$?
	printf '%-24s %s\n' "$f" "$(printf '%s\n' "$out" | tail -n 1)"
	case $rc in
	0) ;;
	2) printf '%s\n' "$out" | sed '$d' | sed -n '1,10s/^/    skipped: /p' ;;
	*)
		printf '%s\n' "$out" >&2
		echo "run.sh: importing $S/$f failed (exit $rc)" >&2
		exit 1
		;;
	esac
done

# --- the national feed --------------------------------------------------------------------------------------
# A feed key made here (state/ is never committed), the sample national lists published as a signed feed with
# osmo-eir-feed in state/feed/, and taken in by osmo-eir-sync over file:// as the national body's feed would be
# over https://.
if [ ! -f state/feed.key ]; then
	(umask 077 && openssl genpkey -algorithm ed25519 -out state/feed.key 2>/dev/null)
fi
openssl pkey -in state/feed.key -pubout -out state/feed.pub
rm -rf state/feed
build/src/osmo-eir-feed/osmo-eir-feed -d state/feed -k state/feed.key publish --blacklist "$S/national/blacklist.csv" \
	--notifications "operator_1=$S/national/notifications_operator_1.csv" \
	--exceptions "operator_1=$S/national/exceptions_operator_1.csv" | sed 's/^/national feed: /'
build/src/osmo-eir-sync/osmo-eir-sync -l "$DB" -n national -u "file://$top/state/feed/" -k state/feed.pub -o operator_1 --once

# --- the showcase -----------------------------------------------------------------------------------------
echo
printf '%-17s %-16s %-12s %s\n' IMEI IMSI VERDICT "WHAT IT SHOWS"
bad=0
{
	read -r _header
	while IFS=, read -r imei imsi expected comment; do
		[ -n "$imei" ] || continue
		if [ -n "$imsi" ]; then
			out=$("$EIR_DB" -l "$DB" lookup "$imei" "$imsi" 2>&1) || true
		else
			out=$("$EIR_DB" -l "$DB" lookup "$imei" 2>&1) || true
		fi
		out=${out%%$'\n'*}
		verdict=${out%% *}
		mark=""
		if [ "$verdict" != "$expected" ]; then
			mark="   <-- expected $expected"
			bad=$((bad + 1))
		fi
		printf '%-17s %-16s %-12s %s%s\n' "$imei" "${imsi:--}" "${verdict:-?}" "$comment" "$mark"
	done
} < "$S/showcase.csv"
if [ "$bad" -ne 0 ]; then
	echo "run.sh: $bad verdict(s) differ from $S/showcase.csv" >&2
	exit 1
fi

# --- the daemon ---------------------------------------------------------------------------------------------
# osmo-eir serves the store just loaded: S13 (Diameter) on 127.0.0.1:3868, N5g-eir (HTTP/2) on 127.0.0.1:7777,
# its VTY on 127.0.0.1:4290, CTRL on 127.0.0.1:4291. osmo-eir-sync runs from a timer in production
# (contrib/systemd/), or with --poll beside the daemon.
echo
echo "Starting osmo-eir: S13 on 127.0.0.1:3868, N5g-eir on 127.0.0.1:7777, VTY: telnet 127.0.0.1 4290. Ctrl-C stops it."
exec build/src/osmo-eir/osmo-eir -c doc/examples/osmo-eir.cfg -l "$DB"
