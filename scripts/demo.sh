#!/usr/bin/env bash
# The four-partner demo federation on loopback: JPN, NATO, USA, KOR.
# Creates demo/ (fresh each run), starts the four nodes, sends sample
# traffic, shares a real STIX bundle through the collection "intel",
# prints how to reach each node (CLI, console, TAXII), and stops
# everything on Ctrl-C.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
HL="$build/hotline"
HLD="$build/hotlined"
DEMO=${HOTLINE_DEMO_DIR:-$root/demo}
BASE=${HOTLINE_DEMO_PORT:-7400}
PARTNERS="JPN NATO USA KOR"
SD=${HOTLINE_SHARED_DATA:-$root/../shared/data}
pids=()
kids=() # the nodes' key keepers (privsep): they die with their node

stop_all() {
	local pid left i
	trap '' INT TERM
	echo
	echo "demo: stopping the nodes"
	# Ctrl-C reaches the nodes too (same process group); TERM them anyway
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	wait 2>/dev/null
	for i in $(seq 1 50); do
		left=""
		for pid in "${pids[@]}" "${kids[@]}"; do
			kill -0 "$pid" 2>/dev/null && left="$left $pid"
		done
		[ -z "$left" ] && break
		sleep 0.1
	done
	if [ -n "$left" ]; then
		echo "demo: processes still running:$left" >&2
	else
		echo "demo: stopped ${#pids[@]} nodes and ${#kids[@]} key keepers (none left running). Logs and state remain in $DEMO"
	fi
	exit 0
}
trap stop_all INT TERM

for i in 0 1 2 3; do
	for port in $((BASE + i)) $((BASE + 100 + i)); do
		if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
			echo "demo: port $port is in use; set HOTLINE_DEMO_PORT to another base port" >&2
			exit 1
		fi
	done
done

rm -rf "$DEMO"
"$HL" pki init --dir "$DEMO" --partners JPN,NATO,USA,KOR --base-port "$BASE" >/dev/null || exit 1
# the demo runs on seconds, not the production minutes and hours:
# acknowledgement deadlines and the end-to-end link test
for p in $PARTNERS; do
	sed -i 's/^\[node\]$/[node]\nack_flash = 60s\nack_immediate = 120s\nack_priority = 300s\nack_routine = 600s\nlink_test = 30s/' \
		"$DEMO/$p/node.conf"
	# privsep: started as root, hotlined drops to the users hotline and
	# hotline-keys, and expects them to own the keys; the demo's files are
	# the invoking user's, so as root the demo keeps root (hotlined warns),
	# like tests/integration/lib.sh. docs/INSTALL.md has the real setup.
	if [ "$(id -u)" = 0 ]; then
		sed -i 's/^\[node\]$/[node]\nuser = root\nkeeper_user = root/' "$DEMO/$p/node.conf"
	fi
	# the shared threat-intelligence collection (docs/TAXII.md): objects
	# added on any node go to the other three
	cat >>"$DEMO/$p/node.conf" <<EOF

[collection intel]
title = intel
description = Demo: threat intelligence shared by JPN, NATO, USA and KOR
members = JPN,NATO,USA,KOR
ceiling = RESTRICTED
read = admin, analyst
write = admin, analyst
EOF
done
# KOR serves its track picture as Cursor on Target on a loopback port, for
# a TAK server on the same machine (docs/internals/tracks.md)
TAK_PORT=$((BASE + 60))
cat >>"$DEMO/KOR/node.conf" <<EOF

[tak watch]
listen = 127.0.0.1:$TAK_PORT
partners = KOR
accreditation = SECRET
EOF
echo "demo: federation created in $DEMO (one CA per partner, one node each)"
for p in $PARTNERS; do
	"$HLD" -c "$DEMO/$p/node.conf" >"$DEMO/$p/hotlined.log" 2>&1 &
	pids+=($!)
done
hl() { local p=$1; shift; "$HL" -c "$DEMO/$p/node.conf" "$@"; }
for p in $PARTNERS; do
	for i in $(seq 1 100); do hl "$p" status >/dev/null 2>&1 && break; sleep 0.1; done
done
up() { hl "$1" status --json 2>/dev/null | jq -e '[.peers[] | select(.link == "up")] | length == 3' >/dev/null; }
for p in $PARTNERS; do
	for i in $(seq 1 100); do up "$p" && break; sleep 0.1; done
done
for pid in "${pids[@]}"; do kids+=($(pgrep -P "$pid" 2>/dev/null)); done
echo "demo: four nodes running, links:"
hl JPN status | sed 's/^/  /'
# two more accounts per node, in the node's database (hotline operator add):
# an analyst (TAXII and STIX) and a duty officer (the watch); passwords in
# demo/P/analyst.password and demo/P/watch.password
for p in $PARTNERS; do
	for acct in analyst:analyst watch:officer; do
		name=${acct%%:*}
		(umask 077; head -c 18 /dev/urandom | base64 | tr '+/' 'xy' >"$DEMO/$p/$name.password")
		hl "$p" operator add "$name" --role "${acct#*:}" --clearance SECRET --nationality "$p" \
			--password-file "$DEMO/$p/$name.password" >/dev/null ||
			echo "demo: could not add operator $name on $p" >&2
	done
done

echo
echo "demo: sample traffic (marked EXERCISE)"
id=$(hl JPN send --exercise --to KOR,USA --precedence flash --classification SECRET \
	--releasable-to JPN,KOR,USA --tlp amber \
	"FLASH: ballistic missile launch detected 23:41Z, bearing 090, track JPN-0042. Impact area estimate to follow.")
echo "  JPN -> KOR, USA  FLASH SECRET//REL TO JPN, KOR, USA//TLP:AMBER   id $id"
id2=$(hl USA send --exercise --to all --precedence routine --classification UNCLASSIFIED \
	--releasable-to JPN,KOR,NATO,USA --tlp clear \
	"Routine: daily link check from USA. All circuits nominal.")
echo "  USA -> all       ROUTINE UNCLASSIFIED//TLP:CLEAR                  id $id2"
echo "  JPN -> NATO      SECRET releasable to JPN, KOR, USA only: refused by the label rules:"
hl JPN send --exercise --to NATO --precedence immediate --classification SECRET \
	--releasable-to JPN,KOR,USA --tlp amber "not releasable to NATO" 2>&1 | sed 's/^/    /'
sleep 1
echo
echo "demo: KOR's inbox:"
hl KOR inbox | sed 's/^/  /'
hl KOR ack "$id" >/dev/null && echo "demo: KOR acknowledged the FLASH alert"
sleep 1
echo "demo: JPN's delivery record for it:"
hl JPN delivery "$id" | sed 's/^/  /'


echo
echo "demo: the track stream (EXERCISE): JPN reports three tracks, twelve updates each, to KOR and USA"
tracks="$DEMO/demo-tracks.jsonl"
python3 - "$tracks" <<'PY'
import json, sys
with open(sys.argv[1], "w") as f:
    for u in range(12):
        for t, (lat, lon, hdg) in enumerate([(39.0, 124.6, 95), (38.2, 125.4, 80), (40.3, 127.6, 120)]):
            rec = {"track_id": "JPN-%04d" % (42 + t), "observed": "2026-12-07T23:41:%02d.%03dZ" % (u * 4, 250 * t),
                   "position": {"lat": round(lat + 0.04 * u * (t - 1), 4), "lon": round(lon + 0.3 * u, 4),
                                "alt_m": 40000 + 12000 * u},
                   "velocity": {"speed_mps": 1800, "heading_deg": hdg}, "confidence": round(0.55 + 0.03 * u, 2)}
            if t == 0 and u >= 6:
                rec["impact_area"] = {"lat": 38.9, "lon": 133.8, "radius_km": 80}
            f.write(json.dumps(rec) + "\n")
PY
hl JPN track-report --exercise --to KOR,USA --classification SECRET --releasable-to JPN,KOR,USA \
	--tlp amber --file "$tracks" | sed 's/^/  envelope (id, updates): /'
sleep 1
echo "  KOR's track alerts (one per new track or threat change, none for position updates):"
hl KOR track-alerts | sed 's/^/    /'
echo "  (the map: the Tracks view of any console)"

echo
echo "demo: threat intelligence through the collection intel (STIX 2.1 over TAXII 2.1)"
api_of() { sed -n 's/^api *= *//p' "$DEMO/$1/node.conf"; }
# taxii P PATH: GET on P's TAXII API root as admin. -k: the console's
# self-signed certificate answers curl (docs/CONSOLE.md); the CLI pins the node's
taxii() {
	curl -gsk --max-time 20 -u "admin:$(cat "$DEMO/$1/admin.password")" \
		-H 'Accept: application/taxii+json;version=2.1' "https://$(api_of "$1")/taxii2/hotline/$2"
}
bundle="$DEMO/shared-bundle.json"
pre=0
if [ -f "$SD/misp-events/to_delete2.json" ]; then
	src="$SD/misp-events/to_delete2.json"
	echo "  JPN imports a real MISP event (CIRCL OSINT, TLP:WHITE: FALLCHILL, 87 C2 addresses)"
	echo "    from $src"
	out=$(hl JPN misp import "$src" --collection intel --output "$bundle" --json)
else
	src="$root/tests/fixtures/misp/small-event.json"
	echo "  (no shared data in $SD: the committed fixtures instead)"
	pre=$(hl JPN stix push "$root/tests/fixtures/disarm/incident-bundle.json" --collection intel \
		--json | jq '.accepted // 0')
	echo "  JPN pushes the DISARM incident report bundle (fixture): ${pre:-0} objects accepted"
	echo "  JPN imports the fixture MISP event $src (its TLP:RED indicator is refused: RED never leaves a node)"
	out=$(hl JPN misp import "$src" --collection intel --output "$bundle" --json)
fi
echo "$out" | jq -r '"    converted \(.converted), skipped \(.skipped), pushed: accepted \(.push.accepted), failed \(.push.failed // (.push.failures | length))"' 2>/dev/null ||
	echo "    misp import failed: $out"
want=$(( ${pre:-0} + $(echo "$out" | jq '.push.accepted // 0' 2>/dev/null || echo 0) ))
coll=$(taxii KOR collections/ | jq -r '.collections[] | select(.title == "intel") | .id' 2>/dev/null)
n=0
for i in $(seq 1 60); do
	n=$(taxii KOR "collections/$coll/objects/?limit=1000" | jq '.objects | length' 2>/dev/null)
	[ "${n:-0}" -ge "${want:-1}" ] && break
	sleep 0.5
done
echo "  KOR: GET /taxii2/hotline/collections/$coll/objects/ -> ${n:-0} objects (JPN pushed $want)"
ip=$(jq -r '[.objects[] | select(.type == "indicator") | .pattern |
	capture("^\\[ipv4-addr:value = .(?<ip>[0-9.]+).\\]$").ip][0] // empty' "$bundle" 2>/dev/null)
if [ -n "$ip" ]; then
	echo "  KOR: hotline stix search $ip"
	hl KOR stix search "$ip" | sed 's/^/    /'
fi

echo
echo "demo: how to reach each node"
for p in $PARTNERS; do
	api=$(api_of "$p")
	echo "  $p  CLI      $HL -c $DEMO/$p/node.conf status"
	echo "       console  https://$api/console/  login admin (or watch, analyst), password in $DEMO/$p/admin.password (watch.password, analyst.password)"
	echo "       TAXII    https://$api/taxii2/  (discovery; admin or analyst, collection intel)"
	fp=$(sed -n 's/.*web console: .*certificate.*SHA-256 \([0-9A-Fa-f:]*\).*/\1/p' \
		"$DEMO/$p/hotlined.log" | tail -n 1)
	[ -n "$fp" ] && echo "       console certificate SHA-256 $fp (issued by $DEMO/$p/console-ca.crt)"
done
echo "  KOR  CoT      127.0.0.1:$TAK_PORT: the track picture as Cursor on Target for TAK (try: nc 127.0.0.1 $TAK_PORT)"
echo "  Each console's certificate is issued by its partner's console CA (pki init): import"
echo "  $DEMO/<PARTNER>/console-ca.crt into the browser as a trusted authority, or compare the"
echo "  SHA-256 fingerprint the browser shows with the one above (docs/CONSOLE.md). The CLI pins"
echo "  the node certificate."
echo
echo "demo: a FLASH left unacknowledged for 60 s turns OVERDUE (try: hotline -c $DEMO/USA/node.conf inbox)"
echo "demo: running; press Ctrl-C to stop all four nodes"
while :; do
	for pid in "${pids[@]}"; do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "demo: a node exited unexpectedly; see $DEMO/*/hotlined.log" >&2
			stop_all
		fi
	done
	sleep 1
done
