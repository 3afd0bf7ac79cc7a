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
check_private "$top_srcdir/src/diameter" "diam_internal.h" "$LAYERS" src/diameter
finish
