#!/bin/sh
# Install the Debian packages hotline needs to build, test and run the demo.
# Only missing packages are installed; uses sudo when not root.
set -eu
PKGS="build-essential pkg-config libssl-dev openssl libevent-dev libsqlite3-dev sqlite3
libjansson-dev libinih-dev libcmocka-dev libseccomp-dev clang valgrind curl jq"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "install-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing
