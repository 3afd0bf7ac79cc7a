#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The README's run command: install dependencies, build in build/, load the bundled sample lists into a fresh
# store in state/db, show the verdicts of the sample IMEIs, then run osmo-eir in the foreground (Ctrl-C stops it)
# serving S13 on 127.0.0.1:3868 and its VTY on 127.0.0.1:4290.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"

./contrib/install-deps.sh
if [ ! -x configure ] || [ configure.ac -nt configure ]; then
	autoreconf -fi
fi
mkdir -p build state
(
	cd build
	[ -f config.status ] || ../configure
	make -j"$(nproc)" >/dev/null
)
EIR_DB=build/src/osmo-eir-db
DB=state/db
S=contrib/sample

rm -rf "$DB"
$EIR_DB -l "$DB" create >/dev/null
# Until osmo-eir-sync exists, the national blacklist is loaded as the operator's own black entries; the
# notifications and exceptions of the national feed arrive with the sync agent.
for f in national/blacklist.csv local/entries.csv local/ranges.csv local/pairs.csv; do
	printf '%-32s ' "$f"
	$EIR_DB -l "$DB" import "$S/$f" 2>&1 | tail -n 1
done

echo
printf '%-17s %-16s %-12s %s\n' IMEI IMSI VERDICT "WHAT IT SHOWS"
tail -n +2 "$S/showcase.csv" | while IFS=, read -r imei imsi expected comment; do
	out=$($EIR_DB -l "$DB" lookup "$imei" $imsi 2>&1 | head -n 1)
	verdict=${out%% *}
	mark=""
	[ "$verdict" = "$expected" ] || mark="  <-- expected $expected"
	printf '%-17s %-16s %-12s %s%s\n' "$imei" "${imsi:--}" "$verdict" "$comment" "$mark"
	[ -z "$mark" ] || echo "$imei" >> state/showcase.bad
done
if [ -s state/showcase.bad ]; then
	rm -f state/showcase.bad
	echo "some verdicts differ from contrib/sample/showcase.csv" >&2
	exit 1
fi

echo
echo "Starting osmo-eir: S13 on 127.0.0.1:3868, VTY: telnet 127.0.0.1 4290. Ctrl-C stops it."
exec build/src/osmo-eir -c doc/examples/osmo-eir.cfg -l "$DB"
