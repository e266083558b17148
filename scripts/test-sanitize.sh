#!/usr/bin/env bash
# Run the whole suite (scripts/run-tests.sh) against a sanitizer build and
# fail if any test fails or any sanitizer report appears anywhere, including
# in processes whose output the tests throw away (node daemons, tools).
# usage: scripts/test-sanitize.sh [BUILD_DIR]   (default build-asan; built
# with make BUILD=build-asan SANITIZER=address,undefined, see mk/sanitize.mk)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build-asan}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
[ -x "$build/hotlined" ] || { echo "test-sanitize: $build/hotlined missing (make test-sanitize builds it)"; exit 1; }
if nm "$build/hotlined" 2>/dev/null | grep -q '__asan_init'; then
	kind=ASan+UBSan
elif nm "$build/hotlined" 2>/dev/null | grep -q '__tsan_init'; then
	kind=TSan
else
	echo "test-sanitize: $build/hotlined is neither an AddressSanitizer nor a ThreadSanitizer build"
	exit 1
fi
logdir="$build/sanitizer-logs"
rm -rf "$logdir"
mkdir -p "$logdir"
# abort_on_error: a report kills the process with SIGABRT, so the test that
# ran it fails too; log_path: every report also lands in $logdir/<kind>.<pid>.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:log_path=$logdir/asan"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1:log_path=$logdir/ubsan"
# second_deadlock_stack: both stacks of a lock-order report
export TSAN_OPTIONS="halt_on_error=1:abort_on_error=1:second_deadlock_stack=1:log_path=$logdir/tsan"
start=$(date +%s)
# two scenarios at a time (each in its own port slot): under the sanitizers
# they mostly wait, and the timing bounds are not asserted there
export HOTLINE_JOBS=${HOTLINE_JOBS:-2}
# checks that do not depend on the build's instrumentation skip here, saying
# so: the valgrind constant-time scenarios (they rebuild plain copies, the
# plain run does the same check) and the full NIST ACVP sets (the plain run
# checks every vector; the committed subsets still run here)
export HOTLINE_SANITIZER_RUN=$kind
"$root/scripts/run-tests.sh" "$build"
rc=$?
secs=$(( $(date +%s) - start ))
reports=$(find "$logdir" -type f -size +0c | sort)
if [ -n "$reports" ]; then
	echo
	echo "test-sanitize: sanitizer reports:"
	for f in $reports; do
		echo "==== $f"
		head -n 80 "$f"
	done
	echo "test-sanitize: FAIL: $(echo "$reports" | wc -l) sanitizer report(s) in $logdir"
	rc=1
else
	echo "test-sanitize: no sanitizer reports"
fi
echo "test-sanitize: suite took ${secs}s under $kind"
[ "$rc" -eq 0 ] && echo "test-sanitize: ok"
exit "$rc"
