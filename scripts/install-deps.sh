#!/bin/sh
# Install the Debian packages hotline needs to build, test and run the demo.
# Only missing packages are installed; uses sudo when not root.
set -eu
PKGS="build-essential pkg-config libssl-dev openssl libevent-dev libsqlite3-dev sqlite3
libjansson-dev libinih-dev libcmocka-dev libseccomp-dev clang valgrind curl jq
python3 python3-jsonschema
chromium"
# tests/integration/43-totp.sh: one-time codes from an independent
# implementation (OATH Toolkit)
PKGS="$PKGS oathtool"
# tests/integration/64-taxii-pull.sh: python3 runs tests/tools/taxii_fixture.py
# (standard library only); the OASIS medallion server and taxii2client from
# ../shared/interop, when present, need the rest
PKGS="$PKGS python3 python3-flask python3-flask-httpauth python3-requests python3-six
python3-tz python3-dateutil"
# tests/tools/unseal.py: an independent reader of sealed key files
PKGS="$PKGS python3-cryptography"
# tests/integration/55-detect.sh, live part: loopback traffic captured and
# converted to tshark -T ek (skipped when a tool is missing)
PKGS="$PKGS tcpdump tshark bind9-dnsutils"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# node and npm for the console's browser tests (any recent node will do)
command -v npm >/dev/null 2>&1 || missing="$missing nodejs npm"
if [ -n "$missing" ]; then
	echo "install-deps: installing:$missing"
	SUDO=""
	[ "$(id -u)" -eq 0 ] || SUDO="sudo"
	export DEBIAN_FRONTEND=noninteractive
	$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq
	# shellcheck disable=SC2086
	$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing
fi
# The web console's browser tests: playwright-core, pinned by
# tests/browser/package-lock.json (drives the Debian chromium above).
browser_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/browser"
if [ ! -f "$browser_dir/node_modules/playwright-core/package.json" ] ||
	[ "$browser_dir/package-lock.json" -nt "$browser_dir/node_modules/.package-lock.json" ]; then
	echo "install-deps: npm ci in tests/browser"
	(cd "$browser_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
# tests/integration/37-cot.sh: the TAK project's CoT parser, @tak-ps/node-cot,
# pinned by tests/tak/package-lock.json (it declares node >= 22; 14.23.2
# runs on the node 20 of our CI, checked by that scenario)
tak_dir="$(cd "$(dirname "$0")/.." && pwd)/tests/tak"
if [ ! -f "$tak_dir/node_modules/@tak-ps/node-cot/package.json" ] ||
	[ "$tak_dir/package-lock.json" -nt "$tak_dir/node_modules/.package-lock.json" ]; then
	echo "install-deps: npm ci in tests/tak"
	(cd "$tak_dir" && npm ci --no-audit --no-fund --loglevel=error)
fi
