#!/usr/bin/env bash
# bench_mesh.sh: the alliance's scale on this machine (issue 16's baseline):
# a federation of 36 partners, the 32 NATO members, JPN, KOR, AUS and NZL,
# one node each, full mesh, made by `hotline pki init` and started as a user
# would (default configuration, a bench tap each). It prints key=value
# lines: how long the mesh took to come up, each node's idle CPU and RSS
# (network process and key keeper) over MESH_IDLE_S seconds, the loopback
# traffic of the idle mesh, and FLASH from JPN to one partner against FLASH
# to all 35, marked REL TO NATO, IP4 (JPN's [group] sections), timed to
# each recipient's durable store. Figures only, no asserts.
#
# usage: bench/bench_mesh.sh [BUILD]   (MESH_IDLE_S=10, MESH_NLAT=100: FLASH every 100 ms)
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
IDLE_S=${MESH_IDLE_S:-10}
NLAT=${MESH_NLAT:-100}
export HOTLINE_BUILD=$BUILD
# shellcheck source=../tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"   # T, FED, fed_init, node_start, cleanup trap
say() { echo "bench_mesh: $*" >&2; }
put() { printf '%s=%s\n' "$1" "$2"; }

NATO="ALB BEL BGR CAN HRV CZE DNK EST FIN FRA DEU GRC HUN ISL ITA LVA LTU LUX MNE NLD MKD NOR POL PRT ROU SVK SVN ESP SWE TUR GBR USA"
ALL="$NATO JPN KOR AUS NZL"
fed_init "$(echo $ALL | tr ' ' ',')"
for p in $ALL; do
	awk -v t="$T/tap-$p" '{ print } /^\[node\]$/ { print "bench_tap = " t }' "$(conf "$p")" \
		>"$T/c" && mv "$T/c" "$(conf "$p")"
	: >"$T/tap-$p"
done
printf '\n[group NATO]\nmembers = %s\n\n[group IP4]\nmembers = JPN, KOR, AUS, NZL\n' \
	"$(echo $NATO | tr ' ' ',')" >>"$(conf JPN)"
say "starting 36 nodes"
t0=$(date +%s%N)
for p in $ALL; do node_spawn "$p"; done
for p in $ALL; do
	wait_until 60 hl "$p" status >/dev/null || fail "node $p did not come up"
done
up_links() { hl "$1" status --json | jq '[.peers[] | select(.link == "up")] | length'; }
all_up() {
	local p
	for p in $ALL; do [ "$(up_links "$p")" = 35 ] || return 1; done
}
wait_until 120 all_up || say "not every node has 35 links up"
t1=$(date +%s%N)
put nodes 36
put up_s "$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.1f", (b - a) / 1e9 }')"
put links_up_JPN "$(up_links JPN)"

# the key keeper of each node: its child process
keeper_of() { awk -v pp="$1" '$4 == pp { print $1; exit }' /proc/[0-9]*/stat 2>/dev/null; }
ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null || echo 0; }
sleep 5   # descriptors and first heartbeats settle
declare -A C0 K0
for p in $ALL; do
	C0[$p]=$(ticks "${NODE_PID[$p]}")
	k=$(keeper_of "${NODE_PID[$p]}")
	K0[$p]=${k:-}
done
lo_bytes() { awk '$1 == "lo:" { printf "%.0f\n", $2 + $10 }' /proc/net/dev; }
lo0=$(lo_bytes)
sleep "$IDLE_S"
lo1=$(lo_bytes)
hz=$(getconf CLK_TCK)
: >"$T/cpu" && : >"$T/rss" && : >"$T/krss"
for p in $ALL; do
	c1=$(ticks "${NODE_PID[$p]}")
	awk -v a="${C0[$p]}" -v b="$c1" -v hz="$hz" -v s="$IDLE_S" \
		'BEGIN { printf "%.3f\n", (b - a) * 100 / hz / s }' >>"$T/cpu"
	rss "${NODE_PID[$p]}" >>"$T/rss"
	[ -n "${K0[$p]}" ] && rss "${K0[$p]}" >>"$T/krss"
done
stats() { sort -n "$1" | awk '{ a[NR] = $1; s += $1 } END { printf "%s %s %s", a[int((NR + 1) / 2)], a[NR], s }'; }
read -r m x s < <(stats "$T/cpu")
put idle_cpu_pct_median "$m"; put idle_cpu_pct_max "$x"; put idle_cpu_pct_total "$s"
read -r m x s < <(stats "$T/rss")
put rss_kib_median "$m"; put rss_kib_max "$x"; put rss_kib_total "$s"
if [ -s "$T/krss" ]; then
	read -r m x s < <(stats "$T/krss")
	put keeper_rss_kib_median "$m"; put keeper_rss_kib_total "$s"
fi
# loopback counts each byte once sent and once received: halved
put idle_lo_bytes_per_s "$(awk -v a="$lo0" -v b="$lo1" -v s="$IDLE_S" 'BEGIN { printf "%.0f", (b - a) / 2 / s }')"
put idle_s "$IDLE_S"

# FLASH from JPN: to KOR alone, then to all 35 (the groups NATO and IP4)
API=$(awk '$1 == "api" { print $3; exit }' "$(conf JPN)")
BH="$BUILD/bench/bench_hotline --api $API --user admin --passfile $FED/JPN/admin.password --ca $FED/JPN/ca.crt"
taps=""
for p in $NATO KOR AUS NZL; do taps="$taps --tap $p=$T/tap-$p"; done
say "FLASH to one partner"
# shellcheck disable=SC2086
$BH --to KOR --releasable-to JPN,KOR --tap "KOR=$T/tap-KOR" --count "$NLAT" --seconds 30 \
	--interval-us 100000 >"$T/f1.txt" 2>"$T/f1.err" || say "flash1: $(tail -n 1 "$T/f1.err")"
sed -n 's/^\(api_p50_us\|api_p99_us\|lat_all_[a-z0-9_]*\|sent\)=/flash1.\1=/p' "$T/f1.txt"
say "FLASH to all 35 partners"
# with MESH_PERF=DIR: perf over the whole machine while it runs (every
# node's share of the CPU, and the functions that take it)
if [ -n "${MESH_PERF:-}" ] && command -v perf >/dev/null; then
	perf record -q -a -g -F 499 -o "$T/perf.data" -- sleep 8 >/dev/null 2>"$T/perf.err" &
	perfpid=$!
	# and one node (MESH_PERF_NODE, default KOR: a recipient) with DWARF
	# call graphs: what one envelope costs it
	pn=${MESH_PERF_NODE:-KOR}
	perf record -q -F 999 --call-graph dwarf,16384 -p "${NODE_PID[$pn]}" -o "$T/perf-kor.data" \
		-- sleep 8 >/dev/null 2>"$T/perf-kor.err" &
	perfkor=$!
fi
# shellcheck disable=SC2086
$BH --to NATO,IP4 --releasable-to NATO,IP4 $taps --count "$NLAT" --seconds 40 \
	--interval-us 100000 >"$T/f35.txt" 2>"$T/f35.err" || say "flash35: $(tail -n 1 "$T/f35.err")"
sed -n 's/^\(api_p50_us\|api_p99_us\|lat_all_[a-z0-9_]*\|sent\)=/flash35.\1=/p' "$T/f35.txt"
sed -n 's/^lat_KOR_\(p50_us\|p99_us\)=/flash35.lat_KOR_\1=/p' "$T/f35.txt"
if [ -n "${perfpid:-}" ]; then
	wait "$perfpid" "$perfkor"
	perf report -i "$T/perf-kor.data" --children --stdio --no-demangle -g none \
		--percent-limit 0.5 >"$MESH_PERF/perf-mesh-node-children.txt" 2>/dev/null
	perf report -i "$T/perf.data" --no-children --stdio --sort comm -g none \
		>"$MESH_PERF/perf-mesh-comm.txt" 2>/dev/null
	perf report -i "$T/perf.data" --no-children --stdio -g none --comm hotlined --sort dso \
		>"$MESH_PERF/perf-mesh-dso.txt" 2>/dev/null
	perf report -i "$T/perf.data" --no-children --stdio --no-demangle -g none \
		--comm hotlined --sort sym --percent-limit 0.2 >"$MESH_PERF/perf-mesh-self.txt" 2>/dev/null
	put perf "perf record -a -g -F 499 -- sleep 8 (during the FLASH to 35); perf report --sort comm; --comm hotlined --sort dso; --sort sym"
fi
put cmd "bench/bench_mesh.sh (36 nodes from pki init; FLASH: bench_hotline --count $NLAT --interval-us 100000 --to KOR, then --to NATO,IP4 --releasable-to NATO,IP4: 35 partners, a tap each)"
say "stopping"
