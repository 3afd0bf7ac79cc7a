#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The Diameter responder's files call one way (the layers at the top of src/diameter/diam_internal.h): from the
# symbols of their objects (nm), no file of src/diameter calls by name a file above it in LAYERS and no two call
# each other round; no file outside src/diameter includes diam_internal.h, and src/diameter does not name the
# daemon's global. Fails on the parent of this change: conn.c called diam_peer_rx() of peer.c, which called
# diam_conn_close() back; s13.c and peer.c called each other; src/osmo-eir/eir_vty.c included diam_internal.h.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-layers.sh"
LAYERS="dict msg answer s13_codec conn peer s13 server diam_vty"	# bottom first
check_layers "$top_builddir/src/diameter" "" "$LAYERS" src/diameter
awk -v layers="$LAYERS" 'BEGIN { n = split(layers, l, " "); for (i = 1; i <= n; i++) rank[l[i]] = i }
	!($1 in rank) || !($2 in rank) { print "  " $1 " or " $2 ": not in LAYERS" }' "$T/edges" > "$T/new"
cat "$T/new"
check "every file of src/diameter that calls or is called is in LAYERS" test ! -s "$T/new"

grep -rlE '#[[:space:]]*include[[:space:]]*"[^"]*diam_internal\.h"' --include='*.[ch]' "$top_srcdir/src" \
	"$top_srcdir/include" "$top_srcdir/tests" "$top_srcdir/contrib" | grep -v "/src/diameter/" > "$T/incl"
cat "$T/incl"
check "no file outside src/diameter includes diam_internal.h" test ! -s "$T/incl"
{
	grep -nw 'g_eir' "$top_srcdir"/src/diameter/*.[ch]
	grep -n '#include <osmocom/eir/eir\.h>' "$top_srcdir"/src/diameter/*.[ch]
} > "$T/glob"
cat "$T/glob"
check "src/diameter names neither g_eir nor eir.h (its VTY is handed its config and server)" test ! -s "$T/glob"
finish
