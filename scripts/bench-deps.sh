#!/bin/sh
# Install the Debian packages `make bench` needs beside the build deps: the
# peers it compares against (Mosquitto, NATS with their C client libraries),
# gnuplot for the plots and perf for the CPU breakdown. Only missing packages
# are installed; uses sudo when not root. A failure here is not fatal: the
# rows that need a missing piece print "not measured".
set -u
PKGS="mosquitto libmosquitto-dev nats-server libnats-dev gnuplot-nox linux-perf openssl python3"
missing=""
for p in $PKGS; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
echo "bench-deps: installing:$missing"
SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get -o DPkg::Lock::Timeout=600 update -qq || echo "bench-deps: apt-get update failed" >&2
# shellcheck disable=SC2086
$SUDO apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends $missing ||
	echo "bench-deps: could not install:$missing (those rows will say not measured)" >&2
exit 0
