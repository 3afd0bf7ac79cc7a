#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The build's layers (issue #11), for every folder: no circle of calls by name between files, every call going
# down the folders and the layer lists of tests/build/layers.py (read from this build's object files with nm),
# no internal header included from outside its folder, no library naming the daemon's global. Fails on the tree
# before issue #11: the store, the Diameter and the N5g-eir files called each other round.
: "${top_builddir:?run from make check}" "${top_srcdir:?run from make check}"
command -v nm >/dev/null || { echo "SKIP: no nm (binutils)"; exit 77; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit 77; }
exec python3 "$top_srcdir/tests/build/layers.py" "$top_builddir" "$top_srcdir"
