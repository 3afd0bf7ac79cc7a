#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The N5g-eir server's files call one way (the layers at the top of src/sbi/sbi_internal.h): from the symbols of
# their objects (nm), no file of src/sbi calls by name a file above it in LAYERS and no two call each other round;
# no file outside src/sbi includes sbi_internal.h, and src/sbi does not name the daemon's global.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-layers.sh"
LAYERS="n5g_codec nrf server n5g_eir sbi_vty"	# bottom first
check_layers "$top_builddir/src/sbi" libeirsbi_a- "$LAYERS" src/sbi
awk -v layers="$LAYERS" 'BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
	!($1 in rank) || !($2 in rank) { print "  " $1 " or " $2 ": not in LAYERS" }' "$T/edges" > "$T/new"
cat "$T/new"
check "every file of src/sbi that calls or is called is in LAYERS" test ! -s "$T/new"

grep -rlE '#[[:space:]]*include[[:space:]]*"[^"]*sbi_internal\.h"' --include='*.[ch]' "$top_srcdir/src" \
	"$top_srcdir/include" "$top_srcdir/tests" "$top_srcdir/contrib" | grep -v "/src/sbi/" > "$T/incl"
cat "$T/incl"
check "no file outside src/sbi includes sbi_internal.h" test ! -s "$T/incl"
{
	grep -nw 'g_eir' "$top_srcdir"/src/sbi/*.[ch]
	grep -n '#include <osmocom/eir/eir\.h>' "$top_srcdir"/src/sbi/*.[ch]
} > "$T/glob"
cat "$T/glob"
check "src/sbi names neither g_eir nor eir.h (its VTY is handed its config and server)" test ! -s "$T/glob"
finish
