#!/usr/bin/env bash
# Run the suite: every unit test binary (cmocka prints its own summary), then
# every integration scenario in tests/integration/*.sh. Prints one closing
# line "N passed, N failed, N skipped" and exits non-zero on any failure.
# A scenario that cannot run here exits 77 (the automake convention) and
# counts as skipped, not passed. Skips inside a suite that passed (cmocka's
# "[  SKIPPED ]" test cases, a scenario's "ok - SKIPPED:" checks, mostly
# real-data checks without ../shared) are listed by name before that line.
# usage: scripts/run-tests.sh BUILD_DIR [unit|integration]
set -u
build=${1:-build}
tier=${2:-all}
root=$(cd "$(dirname "$0")/.." && pwd)
export HOTLINE_BUILD="$root/$build"
case "$build" in /*) export HOTLINE_BUILD="$build" ;; esac
export HOTLINE_ROOT="$root"
# a build directory that was never built (say, a scenario's name given by
# mistake) would send the scenarios that build to write a tree there
if [ ! -x "$HOTLINE_BUILD/hotlined" ] || [ ! -x "$HOTLINE_BUILD/hotline" ]; then
	echo "run-tests: $HOTLINE_BUILD has no hotlined and hotline: build it first (make all)" >&2
	echo "usage: scripts/run-tests.sh BUILD_DIR [unit|integration]" >&2
	exit 2
fi
case "$tier" in all|unit|integration) ;; *)
	echo "run-tests: unknown tier '$tier'" >&2
	echo "usage: scripts/run-tests.sh BUILD_DIR [unit|integration]" >&2
	exit 2 ;;
esac
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
skipped=0
failed=()
skipped_names=()
partial=()
out=$(mktemp /tmp/hotline-run.XXXXXX)
trap 'rm -f "$out"' EXIT
run() {
	local name=$1; shift
	local start=$(date +%s) rc n
	echo "=== $name"
	"$@" 2>&1 | tee "$out"
	rc=${PIPESTATUS[0]}
	if [ "$rc" -eq 0 ]; then
		pass=$((pass + 1))
		echo "--- ok   $name ($(( $(date +%s) - start ))s)"
		n=$(grep -E '^\[  SKIPPED \] [^0-9]|^ok - SKIPPED:' "$out" | sort -u | wc -l)
		[ "$n" -eq 0 ] || partial+=("$name ($n)")
	elif [ "$rc" -eq 77 ]; then
		skipped=$((skipped + 1))
		skipped_names+=("$name")
		echo "--- SKIP $name ($(( $(date +%s) - start ))s)"
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
	local rc=0
	bash "$1" || rc=$?
	[ "$rc" -eq 0 ] || [ "$rc" -eq 77 ] || return "$rc"
	sleep 0.2
	left=$(pgrep -f "^$HOTLINE_BUILD/hotlined -c /tmp/hotline-it\\.${HOTLINE_PORT_SLOT:+s$HOTLINE_PORT_SLOT-}" || true)
	if [ -n "$left" ]; then
		echo "not ok - nodes left running after the scenario: $(echo $left)"
		kill -9 $left 2>/dev/null
		return 1
	fi
	return "$rc"
}
# HOTLINE_JOBS=N (the sanitizer runs use 2): N scenarios at once, each in a
# port slot of its own (lib.sh); each one's output is printed whole when it
# ends. Scenarios that time things skip their bounds in sanitizer builds.
jobs=${HOTLINE_JOBS:-1}
if [ "$tier" = all ] || [ "$tier" = integration ]; then
	if [ "$jobs" -le 1 ]; then
		for t in "$root"/tests/integration/[0-9]*.sh; do
			[ -f "$t" ] || continue
			run "integration/$(basename "$t" .sh)" scenario "$t"
		done
	else
		pdir=$(mktemp -d /tmp/hotline-par.XXXXXX)
		declare -A slot_pid=() slot_name=() slot_start=()
		# finish SLOT: wait for the scenario in SLOT and account for it
		finish() {
			local sl=$1 rc=0 name=${slot_name[$1]}
			wait "${slot_pid[$sl]}" || rc=$?
			echo "=== $name"
			cat "$pdir/$sl.out"
			cp "$pdir/$sl.out" "$out"
			if [ "$rc" -eq 0 ]; then
				pass=$((pass + 1))
				echo "--- ok   $name ($(( $(date +%s) - ${slot_start[$sl]} ))s)"
				n=$(grep -E '^\[  SKIPPED \] [^0-9]|^ok - SKIPPED:' "$out" | sort -u | wc -l)
				[ "$n" -eq 0 ] || partial+=("$name ($n)")
			elif [ "$rc" -eq 77 ]; then
				skipped=$((skipped + 1))
				skipped_names+=("$name")
				echo "--- SKIP $name"
			else
				fail=$((fail + 1))
				failed+=("$name")
				echo "--- FAIL $name ($(( $(date +%s) - ${slot_start[$sl]} ))s)"
			fi
			unset "slot_pid[$sl]"
		}
		for t in "$root"/tests/integration/[0-9]*.sh; do
			[ -f "$t" ] || continue
			free=""
			while [ -z "$free" ]; do
				for ((k = 0; k < jobs; k++)); do
					if [ -z "${slot_pid[$k]:-}" ]; then free=$k; break; fi
					if ! kill -0 "${slot_pid[$k]}" 2>/dev/null; then finish "$k"; free=$k; break; fi
				done
				[ -n "$free" ] || sleep 0.2
			done
			slot_name[$free]="integration/$(basename "$t" .sh)"
			slot_start[$free]=$(date +%s)
			HOTLINE_PORT_SLOT=$free HOTLINE_PORT_SLOTS=$jobs scenario "$t" >"$pdir/$free.out" 2>&1 &
			slot_pid[$free]=$!
		done
		for ((k = 0; k < jobs; k++)); do
			[ -n "${slot_pid[$k]:-}" ] && finish "$k"
		done
		rm -rf "$pdir"
	fi
fi
echo
if [ ${#partial[@]} -ne 0 ]; then
	printf 'passed with skipped checks inside: %s\n' "${partial[*]}"
fi
if [ "$skipped" -ne 0 ]; then
	printf 'skipped (could not run here): %s\n' "${skipped_names[@]}"
fi
if [ "$fail" -ne 0 ]; then
	printf 'failed: %s\n' "${failed[@]}"
fi
echo "$pass passed, $fail failed, $skipped skipped"
[ "$fail" -eq 0 ]
