#!/usr/bin/env bash
# bench/bench_taxii.sh: the STIX/TAXII rows of `make bench` (issue 8).
#
# Run by scripts/bench.sh with the four bench nodes up (stores empty) and
# these in the environment: API (JPN's API address), FED (the federation
# directory), BUILD, QUICK (1: smaller figures), JPN_PID (JPN's hotlined),
# RAW (where raw files go; optional), PERF (1: perf record JPN during the
# generated-indicator POST). JPN's node.conf must have [collection local]
# (no members) and [collection shared] (members KOR, USA, NATO, which have
# [collection shared] with member JPN). Prints key=value lines on stdout.
#
# 1. IN: a real bundle (MITRE ATT&CK ICS and Mobile from
#    $HOTLINE_SHARED_DATA) POSTed in envelopes of 500 objects to `local`,
#    then the same bundles to `shared` while KOR's TAXII GET is watched
#    (objects/s arriving at a partner); then N generated small indicators
#    in envelopes of 1000 to `local` (and to `shared`), timed from the first
#    POST to the last answer (the POST is synchronous: each answer is the
#    final status resource, read back once at the end).
# 2. OUT: page through `local` with limit=1000 following `next`.
# 3. A fill: FILL_N generated indicators into collection `local` (or what
#    fits in FILL_S seconds; time, objects/s), JPN's VmRSS before and after and per object, the data
#    directory's size, and the API's indicator search latency p50/p99.
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
: "${API:?}" "${FED:?}" "${BUILD:?}"
QUICK=${QUICK:-0}
RAW=${RAW:-}
SD=${HOTLINE_SHARED_DATA:-}
say() { echo "bench_taxii: $*" >&2; }
if [ "$QUICK" = 1 ]; then
	NGEN=${TAXII_NGEN:-5000}; FILL_N=${TAXII_FILL_N:-50000}; FILL_S=${TAXII_FILL_S:-20}; NSEARCH=500
else
	NGEN=${TAXII_NGEN:-20000}; FILL_N=${TAXII_FILL_N:-1000000}; FILL_S=${TAXII_FILL_S:-75}; NSEARCH=2000
fi
KAPI=$(awk '$1 == "api" { print $3; exit }' "$FED/KOR/node.conf")
B=(python3 "$ROOT/bench/bench_taxii.py" --api "$API" --user admin
	--passfile "$FED/JPN/admin.password" --ca "$FED/JPN/ca.crt")
W=(--watch "$KAPI" --watch-pass "$FED/KOR/admin.password" --watch-ca "$FED/KOR/ca.crt")
rss() { awk '/^VmRSS:/ { print $2 }' "/proc/$1/status" 2>/dev/null; }
echo "fill_target=$FILL_N"
echo "fill_budget_s=$FILL_S"
RAW_FILL=$(mktemp)
trap 'rm -f "$RAW_FILL"' EXIT
echo "gen_n=$NGEN"

# ---- the real bundles
BUNDLES=()
NAMES=""
for f in mitre-attack-stix21/ics-attack-18.1.json mitre-attack-stix21/mobile-attack-17.1.json; do
	if [ -n "$SD" ] && [ -f "$SD/$f" ]; then
		BUNDLES+=(--bundle "$SD/$f")
		NAMES="$NAMES${NAMES:+ + }$(basename "$f" .json)"
	fi
done
if [ ${#BUNDLES[@]} -gt 0 ]; then
	echo "bundle=$NAMES"
	say "POST $NAMES to local"
	"${B[@]}" --prefix post post local "${BUNDLES[@]}" --batch 500 ${JPN_PID:+--pid "$JPN_PID"} ||
		say "post to local failed"
	say "POST $NAMES to shared (members KOR, USA, NATO), watching KOR"
	"${B[@]}" --prefix shared_post post shared "${BUNDLES[@]}" --batch 500 "${W[@]}" \
		${JPN_PID:+--pid "$JPN_PID"} ||
		say "post to shared failed"
else
	# no shared data: the generated indicators stand in (the report says so)
	echo "bundle=generated indicators (HOTLINE_SHARED_DATA absent)"
	"${B[@]}" --prefix post post local --gen "$NGEN" --seed 7 --batch 1000
	"${B[@]}" --prefix shared_post post shared --gen "$NGEN" --seed 8 --batch 1000 "${W[@]}"
fi
# (shared_post_shared_*: the objects arriving at KOR's TAXII GET)

# ---- generated small indicators (a perf profile of the node meanwhile)
if [ "${PERF:-0}" = 1 ] && command -v perf >/dev/null && [ -n "${JPN_PID:-}" ] && [ -n "$RAW" ]; then
	perf record -q -F 499 --call-graph dwarf,16384 -p "$JPN_PID" -o "$RAW/../perf-taxii.data" \
		>/dev/null 2>"$RAW/../perf-taxii.err" &
	PERFPID=$!
	sleep 0.3
fi
say "POST $NGEN generated indicators to local"
"${B[@]}" --prefix gen_post post local --gen "$NGEN" --seed 1 --batch 1000 ${JPN_PID:+--pid "$JPN_PID"}
if [ -n "${PERFPID:-}" ]; then
	kill -INT "$PERFPID" 2>/dev/null
	wait "$PERFPID" 2>/dev/null
	perf report -i "$RAW/../perf-taxii.data" --children --stdio --no-demangle -g none \
		--percent-limit 0.3 >"$RAW/perf-taxii-children.txt" 2>/dev/null
	perf report -i "$RAW/../perf-taxii.data" --no-children --stdio --sort dso -g none \
		>"$RAW/perf-taxii-dso.txt" 2>/dev/null
	echo "perf=1"
fi
say "POST $NGEN generated indicators to shared, watching KOR"
"${B[@]}" --prefix gen_shared_post post shared --gen "$NGEN" --seed 2 --batch 1000 "${W[@]}" \
	${JPN_PID:+--pid "$JPN_PID"}

# ---- out: everything in local, pages of 1000
say "GET local, pages of 1000"
"${B[@]}" --prefix get get local --limit 1000

# ---- the fill: FILL_N small indicators, RSS and search
if [ -n "${JPN_PID:-}" ]; then
	echo "rss_before_fill_kib=$(rss "$JPN_PID")"
	db0=$(du -sb "$FED/JPN/data" | cut -f1)
	say "fill: $FILL_N generated indicators into local"
	# at most FILL_S seconds (the 15-minute budget of make bench): the
	# report gives how many were stored and scales RSS per object
	"${B[@]}" --prefix fill post local --gen "$FILL_N" --seed 3 --batch 1000 --lazy --conns 2 \
		--seconds "$FILL_S" >"$RAW_FILL" || say "fill failed"
	cat "$RAW_FILL"
	filled=$(sed -n 's/^fill_objects=//p' "$RAW_FILL")
	r1=$(rss "$JPN_PID")
	echo "rss_after_fill_kib=$r1"
	db1=$(du -sb "$FED/JPN/data" | cut -f1)
	echo "fill_db_bytes=$((db1 - db0))"
	# of which the WAL (hotline.db-wal) at the end of the fill
	echo "fill_wal_bytes=$(stat -c %s "$FED/JPN/data/hotline.db-wal" 2>/dev/null || echo 0)"
	say "search through the API, ${filled:-?} stored"
	"${B[@]}" --prefix search search --n "$NSEARCH" --gen-n "${filled:-$FILL_N}" --seed 3
	echo "rss_after_search_kib=$(rss "$JPN_PID")"
fi
