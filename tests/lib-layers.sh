# SPDX-License-Identifier: AGPL-3.0-or-later
# For the layer tests (source after tests/lib.sh): from the symbols of a folder's objects (nm), whether its files
# call one way.

# check_layers DIR PREFIX "LAYERS" NAME: no file of DIR (its objects DIR/*.o, PREFIX stripped from their names)
# calls by name a file above it in LAYERS (bottom first), and no two files (known or new) call each other, directly
# or round; NAME (src/db, src/sbi) in the test lines. SKIP (exit 77) without nm, tsort or the objects.
check_layers() {
	command -v nm >/dev/null 2>&1 || { echo "SKIP: no nm"; exit 77; }
	command -v tsort >/dev/null 2>&1 || { echo "SKIP: no tsort"; exit 77; }
	ls "$1"/*.o >/dev/null 2>&1 || { echo "SKIP: no objects in $1 (build first)"; exit 77; }

	# "FROM TO SYMBOL" for each function or table FROM uses by name that TO defines
	for o in "$1"/*.o; do
		f=$(basename "$o" .o)
		nm "$o" | awk -v f="${f#$2}" '$2 ~ /^[TDRB]$/ { print "def", f, $3 } $1 == "U" { print "use", f, $2 }'
	done | awk '$1 == "def" { def[$3] = $2 } $1 == "use" { use[n++] = $2 " " $3 }
		END { for (i = 0; i < n; i++) { split(use[i], a, " "); if ((a[2] in def) && def[a[2]] != a[1])
			print a[1], def[a[2]], a[2] } }' | sort -u > "$T/edges"
	check "the objects of $4 call each other at all (nm works)" test -s "$T/edges"

	awk -v layers="$3" 'BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
		($1 in rank) && ($2 in rank) && rank[$2] >= rank[$1] {
			print "  " $1 " calls " $3 " of " $2 " above it" }' "$T/edges" > "$T/up"
	cat "$T/up"
	check "no file of $4 calls one above it ($3, bottom first)" test ! -s "$T/up"

	awk '{ print $1, $2 }' "$T/edges" | sort -u | tsort >/dev/null 2>"$T/loop"
	cat "$T/loop"
	check "no circle of calls between the files of $4" test ! -s "$T/loop"
}
