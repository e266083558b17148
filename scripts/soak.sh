#!/usr/bin/env bash
# soak.sh: the fault scenario of tests/integration/50-faults.sh (four nodes
# through tests/tools/faultproxy; resets, delays, drops, partitions, SIGKILL
# and restart while envelopes with random labels flood in) for longer and with
# more senders, then the same exactly-once, label and audit checks and the
# same closing counts. Not part of `make test`; run it with `make soak`.
# usage: scripts/soak.sh [BUILD_DIR]
# Environment:
#   SOAK_MINUTES   how long to send (default 10)
#   SOAK_SEED      seed (default random; printed, so a run can be repeated)
#   SOAK_SENDERS   parallel senders (default 6)
#   SOAK_KILLS     SIGKILL + restart of a random node, spread over the run
#                  (default: one per minute)
#   SOAK_SETTLE    seconds allowed for every delivery to become final (300)
#   FAULT_ALLOW_SIGPIPE=1 is passed through (see 50-faults.sh)
set -u
root=$(cd "$(dirname "$0")/.." && pwd)
build=${1:-build}
case "$build" in /*) ;; *) build="$root/$build" ;; esac
export HOTLINE_BUILD="$build"
minutes=${SOAK_MINUTES:-10}
case "$minutes" in '' | *[!0-9]*) echo "soak: SOAK_MINUTES must be a whole number" >&2; exit 2 ;; esac
[ "$minutes" -ge 1 ] || { echo "soak: SOAK_MINUTES must be at least 1" >&2; exit 2; }
seed=${SOAK_SEED:-$(((RANDOM << 15) | RANDOM))}
for b in hotlined hotline tests/faultproxy; do
	[ -x "$build/$b" ] || { echo "soak: $build/$b missing: run make first" >&2; exit 2; }
done
echo "soak: $minutes minute(s), SOAK_SEED=$seed (set it to repeat this run)"
start=$(date +%s)
FAULT_SEED=$seed FAULT_SECONDS=$((minutes * 60)) FAULT_N=0 \
	FAULT_SENDERS=${SOAK_SENDERS:-6} FAULT_KILLS=${SOAK_KILLS:-$minutes} \
	FAULT_SETTLE=${SOAK_SETTLE:-300} \
	bash "$root/tests/integration/50-faults.sh"
rc=$?
echo "soak: $( [ "$rc" = 0 ] && echo PASSED || echo FAILED ) after $(($(date +%s) - start)) s (SOAK_SEED=$seed)"
exit "$rc"
