#!/bin/sh
# The layering check (docs/ARCHITECTURE.md, "Layers"): no call or include
# cycle among the modules of src/ beyond scripts/layers-allow.txt, no daemon
# code in the `hotline` binary, no file-scope mutable globals outside alloc.c
# beyond the allow-list. Reads the objects of a build (nm) and the sources.
# usage: scripts/check-layers.sh [BUILD_DIR]               check (default build)
#        scripts/check-layers.sh --self-test [BUILD_DIR]   plant each fault in a
#            copy and require the check to fail on it (and pass on the tree)
#        scripts/check-layers.sh --print-allow [BUILD_DIR] today's cycle edges
#            and globals, as allow-list lines
#        --quiet: do not list the allowed cycles and globals
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
mode=""
while :; do
	case "${1:-}" in
	--self-test|--print-allow|--quiet) mode="$mode $1"; shift ;;
	-*) echo "usage: $0 [--self-test | --print-allow | --quiet] [BUILD_DIR]" >&2; exit 2 ;;
	*) break ;;
	esac
done
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
for tool in python3 nm ar; do
	command -v "$tool" >/dev/null 2>&1 || { echo "check-layers: $tool is needed" >&2; exit 2; }
done
exec python3 "$root/scripts/layers.py" --build "$build" --src "$root/src" \
    --allow "$root/scripts/layers-allow.txt" $mode
