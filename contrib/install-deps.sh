#!/bin/bash
# SPDX-License-Identifier: AGPL-3.0-or-later
# Installs every build and test dependency of osmo-eir on Debian 12: Debian's packages with apt-get, then the
# npm test peers of contrib/peers/. Idempotent: prints nothing, and runs neither apt-get nor npm, when
# everything is already installed; otherwise one line naming what it installs. Run as root (or with sudo).
set -eu
here=$(cd "$(dirname "$0")" && pwd)

# ---------------------------------------------------------------------------------------------------------
# THE Debian package list: every package the build, contrib/run.sh and the tests need, in one place.
# A new dependency (a test peer, a tool a test calls) goes here, in the section it belongs to.
# ---------------------------------------------------------------------------------------------------------
PKGS=(
	# toolchain and autotools
	build-essential autoconf automake libtool pkg-config git ca-certificates
	# libraries osmo-eir builds against
	libosmocore-dev libosmo-netif-dev libtalloc-dev liblmdb-dev libnghttp2-dev libssl-dev libzip-dev
	libcurl4-openssl-dev
	# tools: inspecting the LMDB store, the sample list generator, the shell tests (time: /usr/bin/time's peak RSS
	# in tests/slow/feed_rss.sh and contrib/bench/feed-scale.sh)
	lmdb-utils python3 util-linux procps iproute2 netcat-openbsd openssl time
	# test peers that check our wire format from the outside: tshark dissects S13, freeDiameter is a real
	# Diameter peer, nghttp2-client (h2load) and nghttp2-server (nghttpd) load and serve HTTP/2, python3-h2
	# is the NRF stand-in
	tshark freediameterd freediameter-extensions libfreediameter-dev nghttp2-client nghttp2-server python3-h2
	# the history events (osmo-eir-db export-events) checked against doc/schemas/osmo-eir-event.schema.json
	python3-jsonschema
	# a real HTTP(S) server that serves the national feed to osmo-eir-sync in the tests and benchmarks
	nginx-light
	# the fuzz targets (make fuzz, make check-slow; doc/fuzzing.md): clang, and libFuzzer with its sanitizer
	# runtimes, which --no-install-recommends would leave out
	clang libclang-rt-14-dev
	# the Debian packages (dpkg-buildpackage -us -uc -b) and the install tests (make check-install): curl asks
	# the installed osmo-eir over N5g-eir; debootstrap and systemd-nspawn boot a Debian 12 tree with them
	debhelper dpkg-dev fakeroot lintian curl debootstrap systemd-container
)
# Node.js and npm (for the npm test peers below): Debian's own only where the machine has none already.
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
	PKGS+=(nodejs npm)
fi

missing=()
for p in "${PKGS[@]}"; do
	if [ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null)" != "install ok installed" ]; then
		missing+=("$p")
	fi
done

if [ "${#missing[@]}" -gt 0 ]; then
	SUDO=()
	if [ "$(id -u)" -ne 0 ]; then
		if ! command -v sudo >/dev/null 2>&1; then
			echo "install-deps: run as root to install: ${missing[*]}" >&2
			exit 1
		fi
		SUDO=(sudo)
	fi
	echo "install-deps: installing ${missing[*]}"
	# tshark would ask whether non-root users may capture packets: answer no, without a prompt
	echo "wireshark-common wireshark-common/install-setuid boolean false" | "${SUDO[@]}" debconf-set-selections
	# apt-get's chatter goes to a log that is shown only when something fails
	log=$(mktemp)
	trap 'rm -f "$log"' EXIT
	if ! "${SUDO[@]}" apt-get update -qq >"$log" 2>&1 ||
		! "${SUDO[@]}" env DEBIAN_FRONTEND=noninteractive \
			apt-get install -y -qq --no-install-recommends "${missing[@]}" >>"$log" 2>&1; then
		cat "$log" >&2
		echo "install-deps: apt-get failed" >&2
		exit 1
	fi
fi

# ---------------------------------------------------------------------------------------------------------
# The npm test peers (e.g. the 'diameter' package behind tests/s13/mme.js): listed, with exact versions, in
# contrib/peers/package.json and package-lock.json; installed into contrib/peers/node_modules (git-ignored)
# when that is missing or older than the lock file.
# ---------------------------------------------------------------------------------------------------------
peers=$here/peers
if [ -f "$peers/package-lock.json" ] &&
	{ [ ! -f "$peers/node_modules/.package-lock.json" ] ||
		[ "$peers/package-lock.json" -nt "$peers/node_modules/.package-lock.json" ]; }; then
	echo "install-deps: installing the npm test peers of contrib/peers"
	npm ci --silent --no-audit --no-fund --prefix "$peers" >/dev/null
fi
