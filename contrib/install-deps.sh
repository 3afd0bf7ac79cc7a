#!/bin/sh
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs every build and test dependency of osmo-eir from Debian 12's packages. Idempotent: quiet, and no
# apt-get at all, when everything is already there. Run as root (or with sudo available).
set -eu

# Build
PKGS="build-essential autoconf automake libtool pkg-config git ca-certificates
	libosmocore-dev libosmo-netif-dev libtalloc-dev liblmdb-dev lmdb-utils
	libnghttp2-dev libssl-dev libzip-dev libcurl4-openssl-dev"
# Tests: shell tools the tests use
PKGS="$PKGS python3 util-linux procps iproute2 netcat-openbsd"
# Tests: foreign peers that check our wire format (tshark, the npm 'diameter' MME, freeDiameter)
PKGS="$PKGS tshark freediameterd freediameter-extensions libfreediameter-dev openssl"
# Node.js 20 and npm come with the machine image; Debian's own only where there is none
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || PKGS="$PKGS nodejs npm"

missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
	command -v sudo >/dev/null 2>&1 || { echo "install-deps: run as root (missing:$missing)" >&2; exit 1; }
	SUDO=sudo
fi
echo "install-deps: installing$missing"
export DEBIAN_FRONTEND=noninteractive
# tshark asks whether non-root users may capture: answer no, without a prompt
echo "wireshark-common wireshark-common/install-setuid boolean false" | $SUDO debconf-set-selections
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
