#!/usr/bin/env bash
# The web console in a real browser (Debian's chromium, headless, driven by
# playwright-core from tests/browser): login, a FLASH from another node
# appearing live with its cue, acknowledge, the sender's tracker, a compose
# the label forbids, CSRF, a wrong password, rule 4 for a lower clearance.
# With HOTLINE_SCREENSHOTS=1 (make screenshots) it makes sample traffic in
# three nodes and writes docs/screenshots/*.png instead.
# Missing chromium or npm modules FAIL this scenario (scripts/install-deps.sh
# installs them); they are never skipped.
. "$(dirname "$0")/lib.sh"

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BROWSER_DIR="$ROOT/tests/browser"
CHROMIUM=${HOTLINE_CHROMIUM:-/usr/bin/chromium}
command -v node >/dev/null || fail "node is not installed (scripts/install-deps.sh)"
[ -x "$CHROMIUM" ] || fail "$CHROMIUM is missing: run scripts/install-deps.sh (apt-get install chromium)"
[ -f "$BROWSER_DIR/node_modules/playwright-core/package.json" ] ||
	fail "playwright-core is not installed: run scripts/install-deps.sh (npm ci in tests/browser)"

api_of() { sed -n 's/^api *= *//p' "$(conf "$1")"; }
pass_of() { head -n1 "$FED/$1/admin.password"; }

if [ -n "${HOTLINE_SCREENSHOTS:-}" ]; then
	fed_init JPN,NATO,KOR
	node_start JPN
	node_start NATO
	node_start KOR
	wait_link JPN NATO
	wait_link JPN KOR
	# sample traffic: received (one FLASH left unacknowledged), sent with
	# every delivery state, a link down with a message queued for it
	hl NATO send --to JPN --precedence routine --classification RESTRICTED \
		--releasable-to JPN,NATO --tlp green "Daily exercise schedule: TABLETOP-3 at 0900Z." >/dev/null
	id=$(hl KOR send --to JPN --precedence immediate --classification CONFIDENTIAL \
		--releasable-to JPN,KOR --tlp amber "Radar track KOR-0117 handed over to JPN sector.")
	wait_until 10 hl JPN show "$id" || fail "sample traffic did not arrive"
	hl JPN ack "$id" >/dev/null
	s1=$(hl JPN send --to NATO,KOR --precedence priority --classification CONFIDENTIAL \
		--releasable-to JPN,KOR,NATO --tlp amber "Coordination call moved to 1400Z.")
	wait_state JPN "$s1" NATO delivered
	wait_state JPN "$s1" KOR delivered
	hl NATO ack "$s1" >/dev/null
	wait_state JPN "$s1" NATO acknowledged
	id=$(hl NATO send --to JPN --precedence flash --classification SECRET \
		--releasable-to JPN,NATO --tlp amber "Missile launch detected, bearing 090, impact area JPN EEZ.")
	wait_until 10 hl JPN show "$id" || fail "sample FLASH did not arrive"
	# a small track picture for the map: KOR's tracks (one with an impact
	# area) and an EXERCISE track of NATO's, eight updates each
	python3 - "$T/kor-tracks.jsonl" "$T/nato-tracks.jsonl" <<'PY'
import json, sys
kor, nato = open(sys.argv[1], "w"), open(sys.argv[2], "w")
for u in range(8):
    for t, (lat, lon, hdg) in enumerate([(39.0, 124.6, 95), (38.2, 125.4, 80), (40.1, 127.8, 120)]):
        rec = {"track_id": "KOR-%04d" % (117 + t), "observed": "2026-12-07T01:00:%02d.%03dZ" % (u * 5, 250 * t),
               "position": {"lat": lat + 0.05 * u * (t - 1), "lon": lon + 0.35 * u, "alt_m": 40000 + 15000 * u},
               "velocity": {"speed_mps": 1800, "heading_deg": hdg}, "confidence": 0.6 + 0.04 * u}
        if t == 0 and u >= 4:
            rec["impact_area"] = {"lat": 38.9, "lon": 133.8, "radius_km": 80}
        kor.write(json.dumps(rec) + "\n")
    rec = {"track_id": "NATO-EX-7", "observed": "2026-12-07T01:00:%02dZ" % (u * 5),
           "position": {"lat": 35.5 - 0.2 * u, "lon": 130.0 + 0.3 * u},
           "velocity": {"speed_mps": 250, "heading_deg": 120}, "confidence": 0.9}
    nato.write(json.dumps(rec) + "\n")
PY
	hl KOR track-report --to JPN --classification SECRET --releasable-to JPN,KOR --tlp amber \
		--file "$T/kor-tracks.jsonl" >/dev/null || fail "sample tracks (KOR)"
	hl NATO track-report --to JPN --classification RESTRICTED --releasable-to JPN,NATO --tlp green \
		--exercise --file "$T/nato-tracks.jsonl" >/dev/null || fail "sample tracks (NATO)"
	wait_until 10 sh -c "[ \"\$($(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") tracks --json | jq '[.items[].updates] | add')\" = 32 ]" ||
		fail "sample tracks did not arrive"
	node_stop KOR
	wait_until 15 bash -c "! $(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") status --json | jq -e '.peers[] | select(.node == \"KOR/node-1\") | .link == \"up\"' >/dev/null" ||
		fail "KOR link did not go down"
	hl JPN send --to KOR --precedence immediate --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp green "Please confirm receipt of track handover." >/dev/null
	mkdir -p "$ROOT/docs/screenshots"
	cat >"$T/cfg.json" <<EOF
{ "mode": "screenshots", "chromium": "$CHROMIUM", "hl": "$HL", "out": "$ROOT/docs/screenshots",
  "nodes": { "JPN": { "url": "https://$(api_of JPN)", "conf": "$(conf JPN)", "password": "$(pass_of JPN)" } } }
EOF
	node "$BROWSER_DIR/console.test.js" "$T/cfg.json" || fail "screenshots"
	ok "screenshots written to docs/screenshots"
	exit 0
fi

fed_init JPN,NATO
# a shared STIX collection, for the console's threat-intelligence search
for p in JPN NATO; do
	printf '\n[collection intel]\nmembers = JPN,NATO\nread = *\nwrite = admin\n' >>"$(conf $p)"
done
node_start JPN
node_start NATO
wait_link JPN NATO
wait_link NATO JPN
# NATO shares indicators (the fixture's TLP:RED object is refused: exit 1)
hl NATO stix push "$ROOT/tests/fixtures/stix/bundle.json" --collection intel >/dev/null 2>&1 || true
wait_until 15 sh -c "$(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") stix search 198.51.100.7 --json | jq -e '.matches | length > 0' >/dev/null" ||
	fail "NATO's indicators did not reach JPN"
# the same narrative told by JPN (DISARM I00005) and NATO (re-worded,
# tests/fixtures/narratives): a linked pair for the console's narratives
narr_incident() { # PAGE IDENTITY-SUFFIX OUT
	"$HL" stix disarm "$1" --identity "identity--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1$2" \
		--created 2026-03-01T10:00:00Z | jq '.objects |= [.[] | select(.type == "incident")]' >"$3" ||
		fail "$(basename "$1") does not convert"
}
narr_incident "$ROOT/tests/fixtures/disarm/incidents/I00005.md" b01 "$T/narr-jpn.json"
narr_incident "$ROOT/tests/fixtures/narratives/I00005-reworded.md" b02 "$T/narr-nato.json"
hl JPN stix push "$T/narr-jpn.json" --collection intel >/dev/null || fail "JPN's incident"
hl NATO stix push "$T/narr-nato.json" --collection intel >/dev/null || fail "NATO's incident"
wait_until 15 sh -c "$(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") stix narratives --json | jq -e '.pairs | length == 1' >/dev/null" ||
	fail "JPN did not link its and NATO's incidents"
# a partner's sighting for the console's correlations: JPN shares an
# indicator, NATO sights it (count 3), the sighting comes back to JPN
CORR_IND=indicator--7d1e2f30-4a5b-4c6d-8e7f-901a2b3c4d5e
jq -n --arg i "$CORR_IND" '{type: "bundle", id: "bundle--7d1e2f30-4a5b-4c6d-8e7f-901a2b3c4d50",
	objects: [{type: "indicator", spec_version: "2.1", id: $i, created: "2026-03-01T10:00:00.000Z",
	modified: "2026-03-01T10:00:00.000Z", name: "Relay host", pattern_type: "stix",
	pattern: "[ipv4-addr:value = \u0027203.0.113.77\u0027]", valid_from: "2026-03-01T10:00:00Z"}]}' \
	>"$T/corr-ind.json"
hl JPN stix push "$T/corr-ind.json" --collection intel >/dev/null || fail "JPN's indicator"
wait_until 15 sh -c "$(printf '%q ' "$HL") -c $(printf '%q' "$(conf NATO)") stix search 203.0.113.77 --json | jq -e '.matches | length > 0' >/dev/null" ||
	fail "JPN's indicator did not reach NATO"
hl NATO stix sight "$CORR_IND" --count 3 >/dev/null || fail "NATO's sighting"
wait_until 15 sh -c "curl -s --cacert $(printf '%q' "$FED/JPN/ca.crt") -u admin:$(printf '%q' "$(pass_of JPN)") https://$(api_of JPN)/api/v1/detect/correlations | jq -e '.correlations | length == 1' >/dev/null" ||
	fail "JPN does not hold NATO's sighting"
# a watch officer of JPN with a lower clearance (a database account)
printf 'restricted-watch-1\n' >"$T/watch2.pw"
hl JPN operator add watch2 --role officer --clearance RESTRICTED --nationality JPN \
	--password-file "$T/watch2.pw" >/dev/null || fail "operator add"
ok "operator add (database account, password from a file)"
hl JPN operator list | grep -Eq '^watch2 +officer +RESTRICTED +JPN +enabled +database' ||
	fail "operator list does not show watch2"
ok "operator list"

cat >"$T/cfg.json" <<EOF
{ "mode": "test", "chromium": "$CHROMIUM", "hl": "$HL",
  "nodes": {
    "JPN": { "url": "https://$(api_of JPN)", "conf": "$(conf JPN)", "password": "$(pass_of JPN)" },
    "NATO": { "url": "https://$(api_of NATO)", "conf": "$(conf NATO)", "password": "$(pass_of NATO)" } },
  "low": { "user": "watch2", "password": "restricted-watch-1" } }
EOF
node "$BROWSER_DIR/console.test.js" "$T/cfg.json" || fail "browser tests (tests/browser/console.test.js)"
ok "browser tests passed"

# the audit trail the browser produced, as the CLI's API sees it
U="https://$(api_of JPN)/api/v1"
aud=$(curl -sk --max-time 20 -u "admin:$(pass_of JPN)" "$U/audit?limit=200")
for ev in 'csrf-refused' 'login-failed.*console from [0-9.]*: wrong password' 'envelope-acknowledged' 'operator-added'; do
	printf '%s' "$aud" | jq -r '.items[] | .event + " " + .detail' | grep -Eq "$ev" ||
		fail "audit has no entry matching '$ev'"
done
ok "audit: csrf-refused, console login-failed, acknowledged, operator-added"
# only admins manage accounts; officers may not
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "watch2:restricted-watch-1" "$U/operators")
expect_eq "$code" 403 "an officer may not list accounts"
hl JPN operator disable watch2 >/dev/null || fail "operator disable"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "watch2:restricted-watch-1" "$U/status")
expect_eq "$code" 401 "a disabled account cannot log in"
printf 'restricted-watch-2\n' >"$T/watch2.pw"
hl JPN operator reset watch2 --password-file "$T/watch2.pw" >/dev/null || fail "operator reset"
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "watch2:restricted-watch-2" "$U/status")
expect_eq "$code" 200 "reset: the new password works and the account is enabled"
echo "# $SCENARIO: $CHECKS checks"
