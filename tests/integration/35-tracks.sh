#!/usr/bin/env bash
# Live warning tracks: JPN reports updates of two tracks to KOR and USA.
# Each update travels as a FLASH envelope of content type track; KOR's
# picture keeps the latest observation per (origin, track id, exercise), an
# older observation arriving later does not supersede a newer one, updates
# are counted, EXERCISE tracks are kept apart and can be filtered, invalid
# records are refused (CLI and API) in one line naming the field, and the
# picture is rebuilt from the stored envelopes if it was lost.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA
for p in JPN KOR USA; do node_start "$p"; done
wait_link JPN KOR
wait_link JPN USA
ok "links up"

LABEL=(--classification SECRET --releasable-to JPN,KOR,USA --tlp amber)
# report ID OBSERVED LAT [EXTRA...]: one update, prints the envelope id
report() {
	local tid=$1 obs=$2 lat=$3
	shift 3
	hl JPN track-report --to KOR,USA "${LABEL[@]}" --track-id "$tid" --observed "$obs" \
		--lat "$lat" --lon 135.2 --alt 120000 --speed 2500 --heading 90 --climb -50 \
		--confidence 0.8 "$@"
}
delivered() {
	wait_state JPN "$1" KOR delivered
	wait_state JPN "$1" USA delivered
}

id1=$(report JPN-0042 2026-11-23T23:41:00Z 39.0 --remark "first fix") || fail "report 1"
expect_match "$id1" '^[0-9a-f]{32}$' "track-report prints the envelope id"
delivered "$id1"
# the second update is older than the first but arrives later
id2=$(report JPN-0042 2026-11-23T23:40:00Z 38.5) || fail "report 2"
delivered "$id2"
pic=$(hl KOR tracks --json)
expect_eq "$(echo "$pic" | jq -r '.items[0].envelope_id')" "$id1" \
	"an older observation arriving later does not supersede the newer one"
expect_eq "$(echo "$pic" | jq -r '.items[0].updates')" "2" "but it is counted"
id3=$(report JPN-0042 2026-11-23T23:42:00.250Z 39.2 \
	--impact-lat 40.1 --impact-lon 139.5 --impact-radius-km 50) || fail "report 3"
delivered "$id3"
id4=$(report JPN-0043 2026-11-23T23:30:00Z 41.0) || fail "report 4"
delivered "$id4"

pic=$(hl KOR tracks --json)
expect_eq "$(echo "$pic" | jq '.items | length')" "2" "KOR's picture holds two tracks"
expect_eq "$(echo "$pic" | jq -r '.items[0].track_id')" "JPN-0042" "newest observation first"
expect_eq "$(echo "$pic" | jq -r '.items[0].observed')" "2026-11-23T23:42:00.25Z" \
	"the first shows its newest observation"
expect_eq "$(echo "$pic" | jq -r '.items[0].envelope_id')" "$id3" "... from the third update"
expect_eq "$(echo "$pic" | jq -r '.items[0].updates')" "3" "3 updates counted"
expect_eq "$(echo "$pic" | jq -r '.items[0].origin')" "JPN/node-1" "origin node shown"
expect_eq "$(echo "$pic" | jq -c '.items[0].position')" '{"lat":39.2,"lon":135.2,"alt_m":120000}' \
	"position travels"
expect_eq "$(echo "$pic" | jq -c '.items[0].velocity')" '{"speed_mps":2500,"heading_deg":90,"climb_mps":-50}' \
	"velocity travels"
expect_eq "$(echo "$pic" | jq -c '.items[0].impact_area')" '{"lat":40.1,"lon":139.5,"radius_km":50}' \
	"impact area travels"
expect_eq "$(echo "$pic" | jq -r '.items[0].confidence')" "0.8" "confidence travels"
expect_eq "$(echo "$pic" | jq -r '.items[0].label_text')" "SECRET//REL TO JPN, KOR, USA//TLP:AMBER" \
	"label shown"
expect_eq "$(echo "$pic" | jq -r '.items[1].track_id + " " + (.items[1].updates|tostring) + " " + (.items[1].impact_area|tostring) + " " + (.items[1].remark|tostring)')" \
	"JPN-0043 1 null null" "second track: one update, no impact area, no remark"
expect_eq "$(hl KOR show "$id1" --json | jq -r '.precedence + " " + .content_type')" "FLASH track" \
	"track envelopes travel FLASH with content type track"
expect_eq "$(hl USA tracks --json | jq -c '[.items[] | .track_id, .updates]')" '["JPN-0042",3,"JPN-0043",1]' \
	"USA has the same picture"
expect_eq "$(hl JPN tracks --json | jq -c '[.items[] | .track_id, .updates]')" '["JPN-0042",3,"JPN-0043",1]' \
	"the sender's picture shows its own reports"
hist=$(hl KOR tracks --history JPN-0042 --json)
expect_eq "$(echo "$hist" | jq -c '[.items[].envelope_id]')" "[\"$id3\",\"$id1\",\"$id2\"]" \
	"--history lists every update, newest observation first"
expect_eq "$(hl KOR show "$id1" --json | jq -r .content_b64 | base64 -d | jq -r .remark)" "first fix" "remark travels in the canonical record"

# equal observed time: the later received update wins
id5=$(report JPN-0043 2026-11-23T23:30:00Z 41.5) || fail "report 5"
delivered "$id5"
expect_eq "$(hl KOR tracks --json | jq -r '.items[1].envelope_id + " " + (.items[1].position.lat|tostring)')" \
	"$id5 41.5" "equal observation time: the later received update wins"

# a precedence other than FLASH given to the API is overridden
pw=$(head -n1 "$FED/JPN/admin.password")
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
rec='{"track_id":"JPN-0044","observed":"2026-11-23T23:00:00Z","position":{"lat":1,"lon":2},"velocity":{"speed_mps":3,"heading_deg":4},"confidence":0.5}'
body=$(jq -nc --arg t "$rec" '{to:["KOR"],precedence:"routine",classification:"SECRET",releasable_to:["JPN","KOR","USA"],tlp:"amber",content_type:"track",text:$t}')
id6=$(curl -sk --max-time 20 -u "admin:$pw" -H 'Content-Type: application/json' \
	-d "$body" "https://$api/api/v1/envelopes" | jq -r .id)
expect_match "$id6" '^[0-9a-f]{32}$' "a track sent through the API as routine is accepted"
expect_eq "$(hl JPN show "$id6" --json | jq -r .precedence)" "FLASH" "... and forced to FLASH"
wait_state JPN "$id6" KOR delivered

# invalid records are refused in one line naming the field
if report JPN-0042 2026-11-23T23:43:00Z 95 2>"$T/err" >"$T/out"; then
	fail "lat 95 accepted by the CLI"
fi
expect_eq "$(wc -l <"$T/err")" "1" "CLI refusal of lat 95 is one line"
expect_match "$(cat "$T/err")" "position.lat" "... naming the field"
bad='{"track_id":"JPN-0042","observed":"2026-11-23T23:43:00Z","position":{"lat":95,"lon":2},"velocity":{"speed_mps":3,"heading_deg":4},"confidence":0.5}'
if hl JPN send --to KOR --precedence flash "${LABEL[@]}" --type track "$bad" 2>"$T/err" >"$T/out"; then
	fail "lat 95 accepted by the API"
fi
expect_eq "$(wc -l <"$T/err")" "1" "API refusal of lat 95 is one line"
expect_match "$(cat "$T/err")" "invalid track: position.lat: must be from -90 to 90" "... naming the field"
code=$(curl -sk -o "$T/body" -w '%{http_code}' -u "admin:$pw" -H 'Content-Type: application/json' \
	-d "$(jq -nc --arg t '{"track_id":"x","observed":"2026-11-23T23:00:00Z","position":{"lat":1,"lon":2},"velocity":{"speed_mps":3,"heading_deg":4},"confidence":0.5,"colour":"red"}' \
	'{to:["KOR"],precedence:"flash",classification:"SECRET",releasable_to:["JPN","KOR"],tlp:"amber",content_type:"track",text:$t}')" \
	"https://$api/api/v1/envelopes")
expect_eq "$code" "400" "unknown field in a track: 400"
expect_match "$(jq -r .message "$T/body")" 'unknown field "colour"' "... naming it"

# EXERCISE tracks are kept apart, marked, and filtered
idx=$(report JPN-0042 2026-11-23T23:50:00Z 30.0 --exercise) || fail "exercise report"
delivered "$idx"
pic=$(hl KOR tracks --json)
expect_eq "$(echo "$pic" | jq '.items | length')" "4" "the exercise track is a separate track"
expect_eq "$(echo "$pic" | jq -c '[.items[] | select(.track_id == "JPN-0042" and .exercise == false) | .envelope_id]')" \
	"[\"$id3\"]" "an exercise update does not supersede the real track"
expect_eq "$(hl KOR tracks --exercise only --json | jq -c '[.items[] | .track_id, .exercise]')" \
	'["JPN-0042",true]' "--exercise only"
expect_eq "$(hl KOR tracks --exercise exclude --json | jq '[.items[] | select(.exercise)] | length')" \
	"0" "--exercise exclude"
line=$(hl KOR tracks --exercise only)
expect_match "$line" '^JPN/node-1  JPN-0042  2026-11-23T23:50:00Z .*\[EXERCISE\]' "human output marks EXERCISE"

# the picture is rebuilt from the stored envelopes (lost between store and ingest)
before=$(hl KOR tracks --json | jq -c '[.items[] | .track_id, .envelope_id, .updates]')
sqlite3 "$FED/KOR/data/hotline.db" "PRAGMA busy_timeout=5000; DELETE FROM tracks; DELETE FROM track_updates;" ||
	fail "cannot clear KOR's picture"
after=$(hl KOR tracks --json | jq -c '[.items[] | .track_id, .envelope_id, .updates]')
expect_eq "$after" "$before" "a lost picture is caught up from the stored envelopes"

for p in JPN KOR USA; do
	hl "$p" audit verify >/dev/null || fail "audit verify $p"
done
ok "every node's audit log verifies"
echo "# $SCENARIO: $CHECKS checks passed"
