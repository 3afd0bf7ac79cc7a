#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Rows sorted by key before they are written (osmo-eir-db import, osmo-eir-sync's apply): the same lists in key
# order and shuffled (tests/sync/reorder.py keeps the rows of one key in file order, so the same one counts) give
# byte-identical exports, the same counts and verdicts, the skipped rows reported at their own lines; a budget of
# 4 KiB spills the sort to disk (many runs, merged in levels) with the same result and no file left behind, also
# when the map fills and the transaction is redone.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/sync/lib-feed.sh"
feed_prereqs

python3 "$top_srcdir/tests/feed/feed_rows.py" --rows 20000 --run 1 --out "$T/r1" --quirks
python3 "$top_srcdir/tests/feed/feed_rows.py" --rows 20000 --run 2 --out "$T/r2" --quirks --delta 600
# pairs (IMEI, IMSI) from the exception rows, with a reason that tells the rows of one pair apart
for r in r1 r2; do
	awk -F, 'NR == 1 { print "imei,imsi,list,reason"; next } { print $1 "," $2 ",grey,row " NR }' \
		"$T/$r/exc.csv" > "$T/$r/pairs.csv"
	for o in sorted shuffled; do
		mkdir -p "$T/$r-$o"
		for f in bl:1 notif:3 exc:3 pairs:2; do
			python3 "$top_srcdir/tests/sync/reorder.py" "$T/$r/${f%:*}.csv" "$T/$r-$o/${f%:*}.csv" $o ${f#*:}
		done
	done
done
check "the shuffled list is another order of the same rows" \
	sh -c "! cmp -s '$T/r1-sorted/bl.csv' '$T/r1-shuffled/bl.csv' &&
	       [ \"\$(sort '$T/r1-sorted/bl.csv' | md5sum)\" = \"\$(sort '$T/r1-shuffled/bl.csv' | md5sum)\" ]"

# --- osmo-eir-db import ---
# imp NAME DIR [import options]: the blacklist (DIRBS form) and the pairs of DIR into a new store $T/NAME; the
# summary lines in $T/NAME.sum, the messages in $T/NAME.err, the exports in $T/NAME.exp
imp() {
	name=$1 src=$2
	shift 2
	"$EIR_DB" -l "$T/$name" create > /dev/null &&
	"$EIR_DB" -l "$T/$name" import "$src/bl.csv" "$@" > "$T/$name.err" 2>&1
	rc1=$?
	"$EIR_DB" -l "$T/$name" import "$src/pairs.csv" "$@" >> "$T/$name.err" 2>&1
	rc2=$?
	echo "exit $rc1 $rc2" > "$T/$name.sum"
	sed -n 's/^\(imported [0-9]* rows ([^)]*)\) in .*/\1/p' "$T/$name.err" >> "$T/$name.sum"
	for form in entries pairs; do
		"$EIR_DB" -l "$T/$name" export $form
	done > "$T/$name.exp"
}
imp isorted "$T/r1-sorted"
imp ishuf "$T/r1-shuffled"
check "import: sorted list, exit 2 (bad rows skipped)" grep -q "^exit 2 2$" "$T/isorted.sum"
check "import: shuffled and sorted lists, the same counts" cmp -s "$T/isorted.sum" "$T/ishuf.sum"
check "import: shuffled and sorted lists, byte-identical exports" cmp -s "$T/isorted.exp" "$T/ishuf.exp"
check "import: the export holds the entries" [ "$(grep -c ',black,' "$T/isorted.exp")" -gt 19000 ]
# a repeated key: the later row counts (feed_rows.py repeats row 5 with variant 2: category 25, block date 3rd)
k5=$(sed -n 7p "$T/r1/bl.csv" | cut -d, -f1)
check "import: a repeated key, the later row counts" grep -q "^$k5,black,\"Stolen, category 25\",20261103$" \
	"$T/ishuf.exp"
# the skipped rows are reported at their lines of the file that was read
bad=$(grep -n '^12AB' "$T/r1-shuffled/bl.csv" | head -1)
check "import: a skipped row reported at its line of the shuffled file (${bad%%:*})" \
	grep -qF "$T/r1-shuffled/bl.csv:${bad%%:*}: invalid IMEI '$(echo "${bad#*:}" | cut -d, -f1)'" "$T/ishuf.err"
mkdir "$T/sorttmp"
imp itiny "$T/r1-shuffled" --mem-budget 4096 --tmp "$T/sorttmp"
check "import --mem-budget 4096: the same counts" cmp -s "$T/isorted.sum" "$T/itiny.sum"
check "import --mem-budget 4096: byte-identical exports" cmp -s "$T/isorted.exp" "$T/itiny.exp"
check "import --mem-budget 4096: nothing left in --tmp" [ -z "$(ls -A "$T/sorttmp")" ]
# a 1 MiB map fills: the transaction is redone from the top, the sort made again (60000 entries in no order, a
# reason each; lines 3 and 50002 bad)
awk 'BEGIN { print "imei,list,reason"
	for (i = 1; i <= 60000; i++) {
		if (i == 2 || i == 50001) print "12AB" i ",black,bad"
		else printf "35%012.0f,black,reason %d\n", (i * 1000003) % 1000000000000, i
	} }' > "$T/big.csv"
"$EIR_DB" -l "$T/imap" -m 1 create > /dev/null
"$EIR_DB" -l "$T/imap" -m 1 import --mem-budget 4k --tmp "$T/sorttmp" "$T/big.csv" > "$T/imap.err" 2>&1
rc=$?
check "import into a 1 MiB map, --mem-budget 4k: exit 2 ($rc), the map grew" \
	sh -c "[ $rc -eq 2 ] && grep -q 'map grown' '$T/imap.err'"
check "  each skipped row reported once, at its line" \
	sh -c "[ \$(grep -c 'big.csv:3: invalid IMEI' '$T/imap.err') -eq 1 ] &&
	[ \$(grep -c 'big.csv:50002: invalid IMEI' '$T/imap.err') -eq 1 ]"
check "  the summary counts each row once" grep -q "imported 59998 rows (2 skipped, 0 check-digit" "$T/imap.err"
check "  and the store holds them all" sh -c "'$EIR_DB' -l '$T/imap' stats | grep -q '^  imei  *59998 entries'"
check "  nothing left in --tmp" [ -z "$(ls -A "$T/sorttmp")" ]
"$EIR_DB" -l "$T/ibad" create > /dev/null
rc=0
"$EIR_DB" -l "$T/ibad" import "$T/r1/bl.csv" --mem-budget 4095 > "$T/ibad.err" 2>&1 || rc=$?
check "import --mem-budget 4095: exit 1 ($rc), says the valid sizes" sh -c "[ $rc -eq 1 ] &&
	grep -q \"invalid --mem-budget '4095': a size in bytes (k, M or G), 4096 or more\" '$T/ibad.err'"
rc=0
"$EIR_DB" -l "$T/ibad" import "$T/r1/bl.csv" --tmp "$T/none" > "$T/ibad.err" 2>&1 || rc=$?
check "import --tmp DIR missing: exit 1 ($rc), says so" sh -c "[ $rc -eq 1 ] &&
	grep -q -- '--tmp $T/none: No such file or directory' '$T/ibad.err'"
check "  nothing imported" sh -c "'$EIR_DB' -l '$T/ibad' stats | grep -q '^  imei  *0 entries'"

# --- osmo-eir-sync: the full lists into an empty node, then run 2 as deltas, and as full lists over run 1 ---
# pub FEED RUNDIR [--no-deltas]
pub() {
	f=$1 src=$2
	shift 2
	"$EIR_FEED" -d "$T/www/$f" -k "$T/feed.key" publish "$@" --blacklist "$src/bl.csv" \
		--notifications "$OP=$src/notif.csv" --exceptions "$OP=$src/exc.csv" > "$T/publish.out" 2>&1 ||
		{ echo "# publish $f failed:"; sed 's/^/#   /' "$T/publish.out"; }
}
# snap NAME STORE: what the node holds: the sync's summary, the national exports, the stats' row counts and the
# verdicts of a sample of IMEIs (their applied time aside)
snap() {
	{
		sed -n 's/.*\(applied .*absent\).*/\1/p' "$T/sync.out"
		"$EIR_DB" -l "$2" export notifications
		"$EIR_DB" -l "$2" export exceptions
		"$EIR_DB" -l "$2" stats | grep -A3 '^national' | grep entries | sed 's/ *[0-9]* pages.*//'
		for i in $(awk -F, 'NR % 613 == 7 { print $1 }' "$T/r1/bl.csv" "$T/r2/bl.csv"); do
			"$EIR_DB" -l "$2" lookup "$i" 2>&1 | sed 's/, applied [^,]*//'
		done
	} > "$T/$1.snap" 2>&1
}
# node NAME ORDER [sync options]: runs 1 and 2 of the ORDER lists, with deltas and as full lists only, into new
# stores $T/NAME-d and $T/NAME-f; snapshots after each sync
node() {
	name=$1 o=$2
	shift 2
	for kind in d f; do
		"$EIR_DB" -l "$T/$name-$kind" create > /dev/null
		rm -rf "$T/www/$name-$kind"
		[ $kind = d ] && nd= || nd=--no-deltas
		for r in 1 2; do
			pub $name-$kind "$T/r$r-$o" $nd
			feed_sync "$T/$name-$kind" -u "file://$T/www/$name-$kind/" --accept-removals 2 "$@"
			[ $rc -eq 0 ] || { echo "# sync $name-$kind run $r: exit $rc"; sed 's/^/#   /' "$T/sync.out"; }
			cp "$T/sync.out" "$T/$name-$kind-$r.out"
			snap $name-$kind-$r "$T/$name-$kind"
		done
	done
}
mkdir -p "$T/www"
node ssorted sorted
node sshuf shuffled
for s in d-1 d-2 f-2; do
	check "sync $s: shuffled and sorted lists, identical exports, counts and verdicts" \
		cmp -s "$T/ssorted-$s.snap" "$T/sshuf-$s.snap"
done
check "sync: run 1 applied, rows skipped" grep -q "applied from the full lists of run 1: .* [1-9][0-9]* skipped" \
	"$T/sshuf-d-1.out"
check "sync: run 2 as deltas removed and changed rows" \
	grep -q "applied as deltas .* [1-9][0-9]* removed, [1-9][0-9]* changed" "$T/sshuf-d-2.out"
check "sync: the national part holds the rows" grep -q "^  notif  *[1-9][0-9]* entries" "$T/sshuf-d-1.snap"
bad=$(grep -n '^12AB' "$T/r1-shuffled/bl.csv" | head -1)
check "sync: a skipped row reported at its line of the shuffled list (${bad%%:*})" \
	grep -q "blacklist.*csv:${bad%%:*}: .*12AB" "$T/sshuf-d-1.out"
mkdir -p "$T/synctmp"
node stiny shuffled --mem-budget 4096 --tmp-dir "$T/synctmp"
for s in d-1 d-2 f-2; do
	check "sync $s --mem-budget 4096: identical exports, counts and verdicts" \
		cmp -s "$T/ssorted-$s.snap" "$T/stiny-$s.snap"
done
check "sync --mem-budget 4096: nothing left in --tmp-dir" [ -z "$(ls -A "$T/synctmp")" ]
# a first sync into a node whose map is too small for it (200000 entries, ~6 MB, into 1 MiB): grown once, before the
# write, by what the list files take (not doubled again and again, the whole apply redone after each doubling)
mkdir -p "$T/rbig"
awk 'BEGIN { print "imei,block_date,reasons"
	for (i = 0; i < 200000; i++) printf "%.0f,20261101,Reported stolen\n", 35000000000000 + i * 7 }' > "$T/rbig/bl.csv"
cp "$T/r1/notif.csv" "$T/r1/exc.csv" "$T/rbig/"
pub big "$T/rbig"
"$EIR_DB" -l "$T/smallmap" -m 1 create > /dev/null
feed_sync "$T/smallmap" -u "file://$T/www/big/" -m 1
check "sync of 200000 entries into a 1 MiB map: exit 0 ($rc), the map grown once, before the write" \
	sh -c "[ $rc -eq 0 ] && grep -q 'map grown to .* (room for a write of' '$T/sync.out' &&
	[ \$(grep -c 'map grown' '$T/sync.out') -eq 1 ]"
grep 'map grown' "$T/sync.out" | sed 's/^/#   /'
check "  and the node holds them (the first and the last BLACKLISTED)" \
	sh -c "[ '$(verdict "$T/smallmap" 35000000000000)' = BLACKLISTED ] &&
	[ '$(verdict "$T/smallmap" 35000001399993)' = BLACKLISTED ]"
rc=0
"$EIR_SYNC" -l "$T/ssorted-d" --mem-budget 1x > "$T/sync.out" 2>&1 || rc=$?
said "sync --mem-budget 1x: the valid sizes" "invalid memory budget '1x': a size in bytes (k, M or G), 4096 or more"
check "  exit 1 ($rc)" [ $rc -eq 1 ]
finish
