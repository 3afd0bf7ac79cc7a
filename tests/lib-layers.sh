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

# check_private DIR HEADER "LAYERS" NAME (after check_layers): every file of DIR that calls or is called is in
# LAYERS; no file outside DIR includes its internal HEADER; DIR names neither the daemon's global g_eir nor
# eir.h (its VTY is handed its config and server).
check_private() {
	awk -v layers="$3" 'BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
		!($1 in rank) || !($2 in rank) { print "  " $1 " or " $2 ": not in LAYERS" }' "$T/edges" > "$T/new"
	cat "$T/new"
	check "every file of $4 that calls or is called is in LAYERS" test ! -s "$T/new"

	grep -rlE "#[[:space:]]*include[[:space:]]*\"[^\"]*$(printf '%s' "$2" | sed 's/\./\\./g')\"" --include='*.[ch]' \
		"$top_srcdir/src" \
		"$top_srcdir/include" "$top_srcdir/tests" "$top_srcdir/contrib" | grep -v "/$4/" > "$T/incl"
	cat "$T/incl"
	check "no file outside $4 includes $2" test ! -s "$T/incl"
	{
		grep -nw 'g_eir' "$1"/*.[ch]
		grep -n '#include <osmocom/eir/eir\.h>' "$1"/*.[ch]
	} > "$T/glob"
	cat "$T/glob"
	check "$4 names neither g_eir nor eir.h (its VTY is handed its config and server)" test ! -s "$T/glob"
}
