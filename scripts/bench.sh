#!/usr/bin/env bash
# Run every benchmark program in BUILD/bench and print its figures.
set -u
build=${1:-build}
for b in "$build"/bench/*; do
	[ -x "$b" ] || continue
	echo "=== $(basename "$b")"
	"$b" || exit 1
done
