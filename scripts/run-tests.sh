#!/usr/bin/env bash
# Run the suite: every unit test binary (cmocka prints its own summary), then
# every integration scenario in tests/integration/*.sh. Prints one closing
# line "N passed, N failed" and exits non-zero on any failure.
# usage: scripts/run-tests.sh BUILD_DIR [unit|integration]
set -u
build=${1:-build}
tier=${2:-all}
root=$(cd "$(dirname "$0")/.." && pwd)
export HOTLINE_BUILD="$root/$build"
case "$build" in /*) export HOTLINE_BUILD="$build" ;; esac
export HOTLINE_ROOT="$root"
# Real data (MITRE ATT&CK, ACVP, ...) lives beside the repository in CI.
if [ -z "${HOTLINE_SHARED_DATA:-}" ] && [ -d "$root/../shared/data" ]; then
	export HOTLINE_SHARED_DATA="$(cd "$root/../shared/data" && pwd)"
fi
if [ -n "${HOTLINE_SHARED_DATA:-}" ]; then
	echo "run-tests: real-data tests use $HOTLINE_SHARED_DATA"
else
	echo "run-tests: ../shared/data not present: real-data tests are SKIPPED"
fi
pass=0
fail=0
failed=()
run() {
	local name=$1; shift
	local start=$(date +%s)
	echo "=== $name"
	if "$@"; then
		pass=$((pass + 1))
		echo "--- ok   $name ($(( $(date +%s) - start ))s)"
	else
		fail=$((fail + 1))
		failed+=("$name")
		echo "--- FAIL $name ($(( $(date +%s) - start ))s)"
	fi
}
if [ "$tier" = all ] || [ "$tier" = unit ]; then
	for t in "$HOTLINE_BUILD"/tests/test_*; do
		[ -x "$t" ] || continue
		run "unit/$(basename "$t")" "$t"
	done
fi
# A scenario must stop every node it started: a node left running would hold
# ports and hide shutdown bugs. Nodes of this build with a scenario's
# config still running afterwards fail it (and are stopped here).
scenario() {
	local left
	bash "$1" || return 1
	sleep 0.2
	left=$(pgrep -f "^$HOTLINE_BUILD/hotlined -c /tmp/hotline-it\\." || true)
	if [ -n "$left" ]; then
		echo "not ok - nodes left running after the scenario: $(echo $left)"
		kill -9 $left 2>/dev/null
		return 1
	fi
	return 0
}
if [ "$tier" = all ] || [ "$tier" = integration ]; then
	for t in "$root"/tests/integration/[0-9]*.sh; do
		[ -f "$t" ] || continue
		run "integration/$(basename "$t" .sh)" scenario "$t"
	done
fi
echo
if [ "$fail" -ne 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed"
[ "$fail" -eq 0 ]
