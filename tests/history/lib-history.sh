# SPDX-License-Identifier: AGPL-3.0-or-later
# For the device history's shell tests (source after tests/lib.sh and tests/s13/lib-eir.sh): the peers they need
# (SKIP without them), the S13 client and the VTY, as vty CMD... on the enable node.
PY=/usr/bin/python3
[ -x $PY ] || { echo "SKIP: no /usr/bin/python3"; exit 77; }
command -v curl >/dev/null || { echo "SKIP: no curl"; exit 77; }
curl -V | grep -q HTTP2 || { echo "SKIP: curl without HTTP/2"; exit 77; }
ECR="$PY $top_srcdir/contrib/s13-ecr.py --realm example.org --dest-realm example.org"
VTY="$PY $top_srcdir/tests/vty.py"

# vty CMD...: the output of enable + CMDs
vty() {
	$VTY "$EIR_VTY_PORT" enable "$@"
}
