#!/usr/bin/env bash
# Every fuzz target replays its committed seed corpus and every saved crasher
# (tests/vectors/fuzz/<target>/) with this build: no crash, no sanitizer report.
set -u
root=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
build=${HOTLINE_BUILD:-$root/build}
n=0
for bin in "$build"/fuzz-replay/fuzz_*; do
	# the programs only, not the compiler's dependency files beside them
	case "$bin" in *.d|*.o) continue ;; esac
	[ -x "$bin" ] || continue
	name=$(basename "$bin" | sed 's/^fuzz_//')
	"$bin" "$root/fuzz/corpus/$name" "$root/tests/vectors/fuzz/$name" || { echo "not ok - $name"; exit 1; }
	n=$((n + 1))
done
# every fuzz/fuzz_*.c has its replay program
want=$(ls "$root"/fuzz/fuzz_*.c | wc -l)
[ "$n" -eq "$want" ] || { echo "not ok - $n of $want fuzz targets built"; exit 1; }
echo "ok - $n fuzz targets replayed their corpora"
