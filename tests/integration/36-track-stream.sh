#!/usr/bin/env bash
# The track stream (issue 15, docs/internals/tracks.md). Four partners; JPN
# posts 50 EXERCISE tracks x 100 updates to KOR and USA in batches of 1,000
# (hotline track-report --file, POST /api/v1/tracks). Both pictures hold
# every track at its last update with its full history, EXERCISE marked;
# no inbox grows; each receiver raises exactly one alert per new track.
# Then the alert rules one by one at KOR: a position update raises nothing,
# an impact area that appears is a threat, one acknowledgement covers the
# track until its next event, an impact area moving by less than its
# radius is nothing and by more is a threat, the confidence crossing the
# threshold is a threat, dropping it is an alert, and a track with no
# update for track_stale goes stale. A late, older update is kept in the
# history and does not move the picture back. A batch with bad records
# answers per record and carries the good ones; a malformed or unknown
# acknowledgement is refused (400, 404); NATO, not a recipient,
# holds nothing.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA,NATO
awk '{ print } /^\[node\]$/ { print "track_stale = 3s" }' "$(conf KOR)" >"$T/k.conf" &&
	mv "$T/k.conf" "$(conf KOR)"
for p in JPN KOR USA NATO; do node_start "$p"; done
for q in KOR USA NATO; do wait_link JPN "$q"; done
LABEL=(--classification RESTRICTED --releasable-to JPN,KOR,USA --tlp amber)
inbox_n() { hl "$1" inbox --json | jq '.items | length'; }
alerts() { hl "$1" track-alerts --json; }
in_kor0=$(inbox_n KOR)
in_usa0=$(inbox_n USA)

# ---- 50 tracks x 100 updates, in batches of 1,000 ----
python3 - "$T/stream.jsonl" <<'EOF'
import json, sys
with open(sys.argv[1], "w") as f:
    for u in range(100):
        for t in range(50):
            rec = {"track_id": "EX-%02d" % t,
                   "observed": "2026-12-07T01:%02d:%02d.%03dZ" % (u // 60, u % 60, t),
                   "position": {"lat": 30 + t * 0.1, "lon": 130 + u * 0.01, "alt_m": 90000},
                   "velocity": {"speed_mps": 2000, "heading_deg": 90},
                   "confidence": 0.8}
            f.write(json.dumps(rec) + "\n")
EOF
out=$(hl JPN track-report --to KOR,USA "${LABEL[@]}" --exercise --file "$T/stream.jsonl") ||
	fail "track-report --file"
expect_eq "$(echo "$out" | wc -l) $(echo "$out" | awk '{ s += $2 } END { print s }')" "5 5000" \
	"5,000 updates went as 5 envelopes of 1,000"
last_id=$(echo "$out" | tail -n 1 | cut -d' ' -f1)
for p in KOR USA; do wait_state JPN "$last_id" "$p" delivered; done
pic() { hl "$1" tracks --json --limit 1000; }
for p in KOR USA; do
	wait_until 20 sh -c "[ \"\$($HL -c $(conf $p) tracks --json | jq '[.items[].updates] | add')\" = 5000 ]" ||
		fail "$p: picture incomplete"
	pic "$p" >"$T/pic-$p.json"
	expect_eq "$(jq '[.items[] | select(.updates == 100 and .exercise == true and
		.position.lon == 130.99 and (.observed | startswith("2026-12-07T01:01:39")))] | length' \
		"$T/pic-$p.json")" 50 "$p: 50 tracks, each at its 100th update, EXERCISE, 100 updates"
	expect_eq "$(hl "$p" tracks --json --history EX-07 | jq '.items | length')" 100 \
		"$p: the full history of a track (100 updates)"
	expect_eq "$(inbox_n "$p")" "$(eval echo "\$in_${p,,}0")" "$p: the stream added no inbox item"
	expect_eq "$(alerts "$p" | jq '[.items[] | select(.kind == "new" and .exercise)] | length')" 50 \
		"$p: one alert per new track (50), EXERCISE marked"
done
expect_eq "$(hl NATO tracks --json | jq '.items | length') $(alerts NATO | jq '.items | length')" \
	"0 0" "NATO, not a recipient, has neither tracks nor alerts"
expect_eq "$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from envelopes where inbound = 1
	and content_type = 5")" 5 "KOR stored the 5 envelopes (durable before their receipts)"
hl JPN tracks --exercise only --json | jq -e '.items | length == 50' >/dev/null ||
	fail "JPN's own picture"
ok "JPN's own picture shows what it sent"

# ---- the alert rules, at KOR ----
one() {   # one update of RULE-1 (observed second $1) with extra JSON $2
	printf '{"track_id":"RULE-1","observed":"2026-12-07T02:00:%02dZ","position":{"lat":35,"lon":%s},"velocity":{"speed_mps":1000,"heading_deg":45},"confidence":%s%s}\n' \
		"$1" "$2" "$3" "${4:-}" >"$T/one.jsonl"
	hl JPN track-report --to KOR "${LABEL[@]}" --file "$T/one.jsonl" | cut -d' ' -f1
}
ev() {   # the kind, events and acknowledged of RULE-1's alert at KOR
	alerts KOR | jq -r '.items[] | select(.track_id == "RULE-1") |
		"\(.kind) \(.events) \(.acknowledged)"'
}
settle() { wait_state JPN "$1" KOR delivered; sleep 0.2; }
settle "$(one 1 135 0.8)"
expect_eq "$(ev)" "new 1 false" "a new track raises its alert"
hl KOR track-alerts --ack JPN/node-1 RULE-1 || fail "ack"
expect_eq "$(ev)" "new 1 true" "acknowledged"
kapi="https://$(sed -n 's/^api *= *//p' "$(conf KOR)")/api/v1/tracks/alerts/ack"
kack() {   # BODY -> HTTP status of an acknowledgement at KOR
	curl -sk --max-time 20 -u "admin:$(head -n1 "$FED/KOR/admin.password")" -o "$T/ack.json" \
		-w '%{http_code}' -X POST -H 'Content-Type: application/json' --data-binary "$1" "$kapi"
}
expect_eq "$(kack '{"origin":"JPN/node-1","track_id":"RULE-1"}')" 404 \
	"acknowledging an alert already acknowledged is 404"
expect_eq "$(kack '{"origin":"JPN/node-1","track_id":"NONE-9"}')" 404 "an unknown track is 404"
expect_eq "$(kack '{"origin":"JPN/node-1"}') $(kack '{"origin":"x","track_id":"y","exercise":1}')" \
	"400 400" "a body without track_id, or with a bad exercise, is 400"
expect_eq "$(kack 'not json')" 400 "a body that is not JSON is 400"
settle "$(one 2 135.1 0.8)"
expect_eq "$(ev)" "new 1 true" "a position update raises nothing"
settle "$(one 3 135.2 0.8 ',"impact_area":{"lat":36,"lon":138,"radius_km":40}')"
expect_eq "$(ev)" "threat 2 false" "an impact area that appears is a threat (open again)"
expect_match "$(alerts KOR | jq -r '.items[] | select(.track_id == "RULE-1") | .detail')" \
	"impact area appears" "its detail says what changed"
hl KOR track-alerts --ack JPN/node-1 RULE-1 || fail "ack"
settle "$(one 4 135.3 0.8 ',"impact_area":{"lat":36.1,"lon":138,"radius_km":40}')"
expect_eq "$(ev)" "threat 2 true" "an impact area moving 11 km (radius 40) raises nothing"
settle "$(one 5 135.4 0.8 ',"impact_area":{"lat":37,"lon":138,"radius_km":40}')"
expect_eq "$(ev)" "threat 3 false" "moving 100 km (more than its radius) is a threat"
hl KOR track-alerts --ack JPN/node-1 RULE-1 || fail "ack"
settle "$(one 6 135.5 0.3 ',"impact_area":{"lat":37,"lon":138,"radius_km":40}')"
expect_eq "$(ev)" "threat 4 false" "the confidence crossing 0.5 is a threat"
# a late, older update: kept, but the picture does not go back
settle "$(one 0 120 0.9)"
expect_eq "$(hl KOR tracks --json | jq -r '.items[] | select(.track_id == "RULE-1") |
	"\(.position.lon) \(.updates)"')" "135.5 7" "a late older update is counted, not shown"
expect_eq "$(ev)" "threat 4 false" "and raises nothing"
settle "$(one 7 135.6 0.3 ',"impact_area":{"lat":37,"lon":138,"radius_km":40},"dropped":true')"
expect_eq "$(ev)" "dropped 5 false" "dropping a track is an alert"
audit_n=$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from audit where
	event = 'track-alert-acknowledged'")
expect_eq "$audit_n" 3 "each acknowledgement is audited"

# ---- stale (track_stale = 3s at KOR) ----
printf '{"track_id":"STALE-1","observed":"2026-12-07T03:00:00Z","position":{"lat":1,"lon":2},"velocity":{"speed_mps":1,"heading_deg":0},"confidence":0.9}\n' >"$T/stale.jsonl"
sid=$(hl JPN track-report --to KOR "${LABEL[@]}" --file "$T/stale.jsonl" | cut -d' ' -f1)
settle "$sid"
wait_until 10 sh -c "$HL -c $(conf KOR) track-alerts --json | jq -e '.items[] |
	select(.track_id == \"STALE-1\" and .kind == \"stale\")' >/dev/null" ||
	fail "STALE-1 did not go stale"
ok "a track with no update for track_stale raises its stale alert"

# ---- a batch with bad records ----
printf '%s\n' \
	'{"track_id":"OK-1","observed":"2026-12-07T04:00:00Z","position":{"lat":1,"lon":2},"velocity":{"speed_mps":1,"heading_deg":0},"confidence":0.9}' \
	'{"track_id":"BAD-1","observed":"2026-12-07T04:00:00Z","position":{"lat":91,"lon":2},"velocity":{"speed_mps":1,"heading_deg":0},"confidence":0.9}' \
	>"$T/mixed.jsonl"
if hl JPN track-report --to KOR "${LABEL[@]}" --file "$T/mixed.jsonl" >"$T/mixed.out" 2>"$T/mixed.err"; then
	fail "a batch with a bad record exited 0"
fi
expect_match "$(cat "$T/mixed.err")" "mixed.jsonl:2: position.lat: must be from -90 to 90" \
	"the bad record is named by its line and field"
expect_eq "$(cut -d' ' -f2 "$T/mixed.out")" 1 "the good record went"
