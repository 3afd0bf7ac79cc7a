#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The N5g-eir server's files call one way (the layers at the top of src/sbi/sbi_internal.h): from the symbols of
# their objects (nm), no file of src/sbi calls by name a file above it in LAYERS and no two call each other round;
# no file outside src/sbi includes sbi_internal.h, and src/sbi does not name the daemon's global.
set -u
. "$top_srcdir/tests/lib.sh"
LAYERS="n5g_codec nrf server n5g_eir sbi_vty"	# bottom first
D="$top_builddir/src/sbi"

command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
command -v tsort >/dev/null 2>&1 || { echo "SKIP: no tsort"; exit 77; }
ls "$D"/*.o >/dev/null 2>&1 || { echo "SKIP: no objects in $D (build first)"; exit 77; }

# "FROM TO SYMBOL" for each function or table FROM uses by name that TO defines
for o in "$D"/*.o; do
	f=$(basename "$o" .o)
	nm "$o" | awk -v f="${f#libeirsbi_a-}" '$2 ~ /^[TDRB]$/ { print "def", f, $3 } $1 == "U" { print "use", f, $2 }'
done | awk '$1 == "def" { def[$3] = $2 } $1 == "use" { use[n++] = $2 " " $3 }
	END { for (i = 0; i < n; i++) { split(use[i], a, " "); if ((a[2] in def) && def[a[2]] != a[1])
		print a[1], def[a[2]], a[2] } }' | sort -u > "$T/edges"
check "the objects of src/sbi call each other at all (nm works)" test -s "$T/edges"

awk -v layers="$LAYERS" 'BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
	!($1 in rank) || !($2 in rank) { print "  " $1 " or " $2 ": a file not in LAYERS" }
	($1 in rank) && ($2 in rank) && rank[$2] >= rank[$1] { print "  " $1 " calls " $3 " of " $2 " above it" }' \
	"$T/edges" > "$T/up"
cat "$T/up"
check "no file of src/sbi calls one above it ($LAYERS, bottom first)" test ! -s "$T/up"

awk '{ print $1, $2 }' "$T/edges" | sort -u | tsort >/dev/null 2>"$T/loop"
cat "$T/loop"
check "no circle of calls between the files of src/sbi" test ! -s "$T/loop"

grep -rlE '#[[:space:]]*include[[:space:]]*"[^"]*sbi_internal\.h"' "$top_srcdir/src" "$top_srcdir/include" "$top_srcdir/tests" "$top_srcdir/contrib" \
	--include='*.[ch]' | grep -v "/src/sbi/" > "$T/incl"
cat "$T/incl"
check "no file outside src/sbi includes sbi_internal.h" test ! -s "$T/incl"
{ grep -nw 'g_eir' "$top_srcdir"/src/sbi/*.[ch]; grep -n '#include <osmocom/eir/eir\.h>' "$top_srcdir"/src/sbi/*.[ch]; } \
	> "$T/glob"
cat "$T/glob"
check "src/sbi names neither g_eir nor eir.h (its VTY is handed its config and server)" test ! -s "$T/glob"
finish
