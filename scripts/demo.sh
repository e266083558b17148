#!/usr/bin/env bash
# The four-partner demo federation on loopback: JPN, NATO, USA, KOR.
# Creates demo/ (fresh each run), starts the four nodes, sends sample
# traffic, prints how to reach each node, and stops everything on Ctrl-C.
set -u
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
case "$build" in /*) ;; *) build="$root/$build" ;; esac
HL="$build/hotline"
HLD="$build/hotlined"
DEMO=${HOTLINE_DEMO_DIR:-$root/demo}
BASE=${HOTLINE_DEMO_PORT:-7400}
PARTNERS="JPN NATO USA KOR"
pids=()

stop_all() {
	echo
	echo "demo: stopping the nodes"
	for pid in "${pids[@]}"; do kill -TERM "$pid" 2>/dev/null; done
	wait 2>/dev/null
	echo "demo: stopped. Logs and state remain in $DEMO"
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
done
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
echo "demo: four nodes running, links:"
hl JPN status | sed 's/^/  /'

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
echo "demo: how to reach each node (CLI; the operator API is HTTPS + JSON):"
for p in $PARTNERS; do
	api=$(sed -n 's/^api *= *//p' "$DEMO/$p/node.conf")
	printf '  %-5s hotline -c %s/node.conf status     API https://%s/api/v1/  user admin, password in %s/admin.password\n' \
		"$p" "$DEMO/$p" "$api" "$DEMO/$p"
done
echo "  e.g. $HL -c $DEMO/KOR/node.conf inbox"
echo "  logs: $DEMO/<PARTNER>/hotlined.log"
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
