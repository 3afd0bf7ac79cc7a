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
check_private "$top_srcdir/src/sbi" "sbi_internal.h" "$LAYERS" src/sbi
finish
