#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# zip64 on the reading side: a run's blacklist zip rewritten by another writer (Python's zipfile) with the zip64
# extra field in its members' local headers and over 65535 entries (the zip64 end of central directory), signed
# again, is applied by osmo-eir-sync like the zip osmo-eir-feed wrote. (A member over 4 GiB, zip64 written by
# libzip on the publishing side: tests/slow/zip64_big.sh.)
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

feed_prereqs
A=35000000000011 B=35000000000022 C=35000000000033

F="$T/www/feed"
# resign: $T/z64.zip in place of $F/$zname, hashed and signed again (right hash, right signature)
# shown FILE DESCRIPTION COMMAND...: check, with FILE shown when it fails
shown() {
	f=$1 d=$2
	shift 2
	if "$@"; then ok "$d"; else not_ok "$d"; sed 's/^/#   /' "$f"; fi
}
resign() {
	mv "$T/z64.zip" "$F/$zname"
	{ grep -v "  $zname\$" "$F/SHA256SUMS"; (cd "$F" && sha256sum "$zname"); } > "$T/sums"
	mv "$T/sums" "$F/SHA256SUMS"
	openssl pkeyutl -sign -rawin -inkey "$T/feed.key" -in "$F/SHA256SUMS" -out "$F/SHA256SUMS.sig"
}

mkdir -p "$T/in" "$T/www"
blacklist "$T/in/bl.csv" $A $B
publish --zip --blacklist "$T/in/bl.csv" $(op_lists)
check "run 1 published zipped" grep -q "published run 1 " "$T/publish.out"
zname=$(cd "$F" && ls ./*_blacklist.zip | cut -c3-)
python3 "$top_srcdir/tests/feed/zip64.py" "$F/$zname" "$T/z64.zip" 70000 > "$T/z64.out" 2>&1
shown "$T/z64.out" "the blacklist zip rewritten as zip64 with 70001 entries" \
	grep -qx "70001 entries, zip64 local extra and end of central directory" "$T/z64.out"
resign

"$EIR_DB" -l "$T/s" create >/dev/null
feed_sync "$T/s" -u "file://$F/"
shown "$T/sync.out" "zip64 run 1: exit 0 ($rc)" [ $rc -eq 0 ]
check "zip64 run 1: both entries applied" \
	grep -q "applied from the full lists of run 1: 2 added, 0 removed" "$T/sync.out"
check "zip64 run 1: $A BLACKLISTED" [ "$(verdict "$T/s" $A)" = BLACKLISTED ]
check "zip64 run 1: $B BLACKLISTED" [ "$(verdict "$T/s" $B)" = BLACKLISTED ]

# run 2, its deltas zipped, rewritten with the zip64 local extra fields only: applied as deltas
blacklist "$T/in/bl.csv" $B $C
publish --zip --blacklist "$T/in/bl.csv" $(op_lists)
zname=$(cd "$F" && ls -t ./*_blacklist.zip | head -1 | cut -c3-)
python3 "$top_srcdir/tests/feed/zip64.py" "$F/$zname" "$T/z64.zip" 0 > "$T/z64.out" 2>&1
shown "$T/z64.out" "run 2's blacklist zip rewritten with zip64 local headers" \
	grep -qx "4 entries, zip64 local extra" "$T/z64.out"
resign
feed_sync "$T/s" -u "file://$F/"
shown "$T/sync.out" "zip64 run 2: exit 0 ($rc)" [ $rc -eq 0 ]
shown "$T/sync.out" "zip64 run 2: applied as deltas" \
	grep -q "applied as deltas from run 1: 1 added, 1 removed" "$T/sync.out"
check "zip64 run 2: $A no longer listed" [ "$(verdict "$T/s" $A)" != BLACKLISTED ]
check "zip64 run 2: $C BLACKLISTED" [ "$(verdict "$T/s" $C)" = BLACKLISTED ]
finish
