#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# A zip member over 4 GiB end to end: osmo-eir-feed publish --zip of a 4.3 GB blacklist (540k rows with 8000-byte
# reasons, then one ordinary row) writes it as zip64 (libzip: the zip64 extra field, version 4.5 to extract), and
# osmo-eir-sync reads the member to its end: the last row, past 4 GiB, is applied; the long rows are skipped as the
# sync skips any reason over its limit. Needs 15 GB free where the test's scratch directory is.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"

free_kb=$(df -Pk "$T" | awk 'NR == 2 { print $4 }')
[ "$free_kb" -ge $((15 * 1024 * 1024)) ] || { echo "# SKIP: $((free_kb / 1024)) MB free in $T, 15 GB needed"; exit 77; }
feed_prereqs
ROWS=540000
LAST=35000000000022

mkdir -p "$T/www"
reason=$(printf '%08000d' 0 | tr 0 a)
{ echo "imei,block_date,reasons"; yes "35000000000011,20261101,$reason" | head -n $ROWS
  echo "$LAST,20261101,\"Stolen, the last row\""; } > "$T/big.csv"
size=$(stat -c %s "$T/big.csv")
check "the blacklist is over 4 GiB ($size bytes)" [ "$size" -gt 4294967296 ]
publish --zip --blacklist "$T/big.csv" $(op_lists)
check "published zipped" grep -q "published run 1 " "$T/publish.out"
rm -f "$T/big.csv" "$T/www/feed/.osmo-eir-feed/blacklist.csv"	# the disk back before the sync
zname=$(cd "$T/www/feed" && ls ./*_blacklist.zip | cut -c3-)
python3 -c '
import sys, zipfile
i = zipfile.ZipFile(sys.argv[1]).infolist()[0]
print(i.filename, i.file_size, i.extract_version, i.extra[:2].hex())' "$T/www/feed/$zname" > "$T/zinfo"
sed 's/^/#   /' "$T/zinfo"
check "the member is zip64: its size, version 4.5, the zip64 extra field first" \
	grep -qx "${zname%.zip}.csv $size 45 0100" "$T/zinfo"

"$EIR_DB" -l "$T/s" create >/dev/null
feed_sync "$T/s" -u "file://$T/www/feed/"
[ $rc -eq 0 ] && ok "sync: exit 0" ||
	{ not_ok "sync: exit 0 ($rc)"; grep -v "longer than" "$T/sync.out" | sed "s/^/#   /"; }
grep "applied" "$T/sync.out" | sed 's/^/#   /'
check "sync: the last row applied, the long ones skipped" \
	grep -q "applied from the full lists of run 1: 1 added, 0 removed, 0 changed, $ROWS skipped" "$T/sync.out"
check "sync: $LAST, past 4 GiB into the member, BLACKLISTED" [ "$(verdict "$T/s" $LAST)" = BLACKLISTED ]
finish
