#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# The store is a one-way stack (src/db/store_internal.h): from the symbols of its objects (nm), no file of src/db
# calls by name a file above it in LAYERS, and no two files (known or new) call each other, directly or round.
set -u
. "$top_srcdir/tests/lib.sh"
. "$top_srcdir/tests/lib-layers.sh"
# bottom first; store (open/close) wires from the top
LAYERS="codec env schema read write audit meta reasons store"
check_layers "$top_builddir/src/db" libeir_a- "$LAYERS" src/db
finish
