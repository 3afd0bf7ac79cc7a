#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The store is a one-way stack (src/db/store_internal.h): from the symbols of its objects (nm), no file of src/db
# calls by name a file above it in LAYERS, and no two files (known or new) call each other, directly or round.
set -u
. "$top_srcdir/tests/lib.sh"
LAYERS="codec env schema read write audit meta reasons store"	# bottom first; store (open/close) wires from the top
D="$top_builddir/src/db"

command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
command -v tsort >/dev/null 2>&1 || { echo "SKIP: no tsort"; exit 77; }
ls "$D"/*.o >/dev/null 2>&1 || { echo "SKIP: no objects in $D (build first)"; exit 77; }

# "FROM TO SYMBOL" for each function or table FROM uses by name that TO defines
for o in "$D"/*.o; do
	f=$(basename "$o" .o)
	nm "$o" | awk -v f="${f#libeir_a-}" '$2 ~ /^[TDRB]$/ { print "def", f, $3 } $1 == "U" { print "use", f, $2 }'
done | awk '$1 == "def" { def[$3] = $2 } $1 == "use" { use[n++] = $2 " " $3 }
	END { for (i = 0; i < n; i++) { split(use[i], a, " "); if ((a[2] in def) && def[a[2]] != a[1])
		print a[1], def[a[2]], a[2] } }' | sort -u > "$T/edges"
check "the objects of src/db call each other at all (nm works)" test -s "$T/edges"

awk -v layers="$LAYERS" 'BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
	($1 in rank) && ($2 in rank) && rank[$2] >= rank[$1] { print "  " $1 " calls " $3 " of " $2 " above it" }' \
	"$T/edges" > "$T/up"
cat "$T/up"
check "no file of src/db calls one above it ($LAYERS, bottom first)" test ! -s "$T/up"

awk '{ print $1, $2 }' "$T/edges" | sort -u | tsort >/dev/null 2>"$T/loop"
cat "$T/loop"
check "no circle of calls between the files of src/db" test ! -s "$T/loop"
finish
