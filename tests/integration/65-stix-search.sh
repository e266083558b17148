#!/usr/bin/env bash
# 65-stix-search: STIX patterns checked and search for what analysts search
# for, across two nodes (issue 12, defects 5 and 6).
#  - defect 5: an indicator whose pattern does not parse is refused as a
#    per-object failure over TAXII (the status names the offset and what was
#    expected) and by "hotline stix push", and never reaches the partner;
#  - defect 6: on KOR, "hotline stix search" for ATT&CK for ICS technique
#    T0800 and tactic TA0108, DISARM technique T0085.003, a malware name and
#    alias and a group's name prefix finds what JPN shared, names JPN as the
#    origin and says what kind of query it ran;
#  - a sighting made on KOR shows on JPN's search of the object (count, who,
#    first/last seen), and on KOR's own;
#  - rule 4: an operator below a collection's ceiling does not find its
#    objects (nor their sightings).
# The real ATT&CK for ICS 18.1 and DISARM bundles when HOTLINE_SHARED_DATA
# has them, else the committed subsets (tests/fixtures/attack) with the same
# objects.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is required"
command -v curl >/dev/null || fail "curl is required"
ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures"
SD=${HOTLINE_SHARED_DATA:-}
if [ -n "$SD" ] && [ -f "$SD/mitre-attack-stix21/ics-attack-18.1.json" ] &&
	[ -f "$SD/disarm-stix21/DISARM.json" ]; then
	ICS="$SD/mitre-attack-stix21/ics-attack-18.1.json"
	DISARM="$SD/disarm-stix21/DISARM.json"
else
	echo "# SKIPPED the full ATT&CK for ICS and DISARM bundles (HOTLINE_SHARED_DATA absent): using the committed subsets"
	ICS="$FIX/attack/ics-attack-18.1-subset.json"
	DISARM="$FIX/attack/disarm-1.6-subset.json"
fi

fed_init JPN,KOR
for p in JPN KOR; do
	conf_low_operator $p
	cat >>"$(conf $p)" <<EOF

[collection intel]
title = intel
members = JPN,KOR
read = admin,low
write = admin
EOF
done
cat >>"$(conf JPN)" <<EOF

[collection secret]
title = secret
ceiling = SECRET
read = admin,low
write = admin
EOF

node_start JPN
node_start KOR
wait_link JPN KOR
wait_link KOR JPN

api() { sed -n 's/^api *= *//p' "$(conf "$1")"; }
pw() { head -n1 "$FED/$1/admin.password"; }
# search P USER VALUE: the search API's JSON body
search() {
	curl -s --max-time 20 --cacert "$FED/$1/ca.crt" -u "$2:$(pw "$1")" -G \
		--data-urlencode "value=$3" "https://$(api "$1")/api/v1/stix/search"
}
R=/taxii2/hotline
COLL=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	-H 'Accept: application/taxii+json;version=2.1' "https://$(api JPN)$R/collections/" |
	jq -r '.collections[] | select(.title == "intel") | .id')
expect_match "$COLL" '^[0-9a-f-]{36}$' "JPN serves collection intel"

# ---- defect 5: a pattern that does not parse is refused per object ----
ind() { # ID PATTERN
	jq -n --arg id "$1" --arg p "$2" '{type: "indicator", spec_version: "2.1", id: $id,
		created: "2026-01-05T08:00:00.000Z", modified: "2026-01-05T08:00:00.000Z",
		name: "pattern check", pattern: $p, pattern_type: "stix",
		valid_from: "2026-01-05T08:00:00Z"}'
}
GOOD=indicator--6d2c6f0a-3b1e-4c4f-9a51-7f1c2e3d4a01
BAD=indicator--6d2c6f0a-3b1e-4c4f-9a51-7f1c2e3d4a02
jq -n --argjson g "$(ind $GOOD "[ipv4-addr:value = '203.0.113.77'] AND [domain-name:value = 'pattern-check.example']")" \
	--argjson b "$(ind $BAD "[ipv4-addr:value = ")" '{objects: [$g, $b]}' >"$T/env.json"
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	-H 'Accept: application/taxii+json;version=2.1' \
	-H 'Content-Type: application/taxii+json;version=2.1' --data-binary @"$T/env.json" \
	-o "$T/status.json" -w '%{http_code}' "https://$(api JPN)$R/collections/$COLL/objects/")
expect_eq "$code" 202 "TAXII POST of a good and a bad indicator is 202"
expect_eq "$(jq -c '[.success_count, .failure_count]' "$T/status.json")" "[1,1]" \
	"one accepted, one failed"
expect_eq "$(jq -r '.failures[0].id' "$T/status.json")" "$BAD" "the failure is the bad indicator"
expect_match "$(jq -r '.failures[0].message' "$T/status.json")" \
	"^'pattern' is not a STIX pattern: at offset 19: expected a constant .*found the end of the pattern$" \
	"its message names the offset and what was expected"
jq -n --argjson b "$(ind indicator--6d2c6f0a-3b1e-4c4f-9a51-7f1c2e3d4a03 "[file:hashes.MD5 = 'x'] START t'2026-02-30T00:00:00Z' STOP t'2026-03-01T00:00:00Z'")" \
	'{type: "bundle", id: "bundle--6d2c6f0a-3b1e-4c4f-9a51-7f1c2e3d4a09", objects: [$b]}' >"$T/bad.json"
out=$(hl JPN stix push "$T/bad.json" --collection intel 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 1 "stix push of an unparseable pattern exits 1"
expect_match "$out" "not a STIX pattern: at offset 30: a timestamp must be" "and says why"

# ---- defect 6: technique ids, names and aliases, across the nodes ----
nics=$(jq '.objects | length' "$ICS")
ndis=$(jq '.objects | length' "$DISARM")
out=$(hl JPN stix push "$ICS" --collection intel --batch 500 --json)
expect_eq "$(echo "$out" | jq '.accepted')" "$nics" "ATT&CK for ICS: all $nics objects accepted on JPN"
out=$(hl JPN stix push "$DISARM" --collection intel --batch 500 --json)
expect_eq "$(echo "$out" | jq '.accepted')" "$ndis" "DISARM: all $ndis objects accepted on JPN"
# wait for the last pushed objects (the DISARM bundle) to be on KOR
wait_until 90 sh -c "$(printf '%q ' "$HL") -c $(printf '%q' "$(conf KOR)") stix search T0085.003 --json | jq -e '.matches | length > 0'" ||
	fail "DISARM's T0085.003 did not reach KOR's search"
ok "the objects JPN shared are searchable on KOR"
expect_eq "$(search KOR admin "$GOOD" | jq '.matches | length')" 1 "the good indicator reached KOR"
expect_eq "$(search KOR admin "$BAD" | jq '.matches | length')" 0 "the bad one did not"

s=$(hl KOR stix search T0800 --json)
expect_eq "$(echo "$s" | jq -r .kind)" technique "T0800 is taken for a technique id"
expect_eq "$(echo "$s" | jq -r '.matches[0] | [.type, .name, .matched, .field, .origin_partner, .origin_node] | join("|")')" \
	"attack-pattern|Activate Firmware Update Mode|T0800|external_id|JPN|JPN/node-1" \
	"T0800 (ATT&CK for ICS) finds the technique, shared by JPN/node-1"
T0800=$(echo "$s" | jq -r '.matches[0].id')
s=$(hl KOR stix search T0085.003 --json)
expect_eq "$(echo "$s" | jq -r '[.kind, .matches[0].type, .matches[0].name, .matches[0].origin_partner] | join("|")')" \
	"technique|attack-pattern|Develop Inauthentic News Articles|JPN" "T0085.003 (DISARM) finds the sub-technique"
s=$(hl KOR stix search T0085 --json)
expect_eq "$(echo "$s" | jq -r '[.matches[0].matched, (.matches[1:] | all(.exact == false and (.matched | startswith("T0085."))))] | join("|")')" \
	"T0085|true" "T0085 finds the technique, then its sub-techniques"
s=$(hl KOR stix search TA0108 --json)
expect_eq "$(echo "$s" | jq -r '[.kind, .matches[0].type, .matches[0].name] | join("|")')" \
	"tactic|x-mitre-tactic|Initial Access" "TA0108 finds the tactic"
s=$(hl KOR stix search industroyer --json)
expect_eq "$(echo "$s" | jq -r '[.kind, ([.matches[] | select(.exact)] | length > 0 and all(.type == "malware" and .name == "Industroyer"))] | join("|")')" \
	"name|true" "a malware name, any case (whole names first)"
s=$(hl KOR stix search CRASHOVERRIDE --json)
expect_eq "$(echo "$s" | jq -r '[.matches[0].name, .matches[0].field, .matches[0].matched] | join("|")')" \
	"Industroyer|alias|CRASHOVERRIDE" "an alias finds the malware and says it matched an alias"
s=$(hl KOR stix search sandworm --json)
expect_eq "$(echo "$s" | jq -r '[.matches[0].type, .matches[0].name, .matches[0].exact] | join("|")')" \
	"intrusion-set|Sandworm Team|false" "the start of a group's name finds it"
table=$(hl KOR stix search T0800)
expect_match "$table" "^query: technique id 'T0800': 1 match" "the CLI says what kind of query it ran"
expect_match "$table" "^$T0800 +attack-pattern +JPN +JPN/node-1 " "and names the object and who shared it"
expect_match "$table" "^    name: Activate Firmware Update Mode$" "and its name"
table=$(hl KOR stix search 203.0.113.77)
expect_match "$table" "^query: IPv4 address '203.0.113.77': 1 match" "an observable search says so too"
table=$(hl KOR stix search "No Such Group Anywhere")
expect_match "$table" "^query: name, alias or external id 'No Such Group Anywhere': no matches$" \
	"a name nobody shared: no matches"
out=$(hl KOR stix search 10.0.0.1/33 2>&1) && rc=0 || rc=$?
expect_match "$rc:$out" "^1:.*value" "a mistyped CIDR is refused"

# ---- a sighting made on KOR shows on the origin's search ----
s=$(hl KOR stix sight "$T0800" --count 3 --note "seen on a KOR substation" --json)
expect_eq "$(echo "$s" | jq -r .to)" JPN "stix sight on KOR goes back to JPN"
sighted() { search JPN admin T0800 | jq -e '.matches[0].sightings.sightings >= 1' >/dev/null; }
wait_until 60 sighted || fail "the sighting did not show on JPN's search"
s=$(search JPN admin T0800)
expect_eq "$(echo "$s" | jq -r '.matches[0] | [.origin_node, .sightings.sightings, .sightings.count, .sightings.by[0].partner, .sightings.by[0].node] | join("|")')" \
	"JPN/node-1|1|3|KOR|KOR/node-1" "JPN's search shows KOR's sighting of its technique (count 3)"
expect_match "$(echo "$s" | jq -r '.matches[0].sightings | [.first_seen, .last_seen] | join(" ")')" \
	'^20[0-9]{2}-[0-9]{2}-[0-9]{2}T.*Z 20[0-9]{2}-.*Z$' "with first and last seen"
table=$(hl JPN stix search T0800)
expect_match "$table" "^    sightings: 1 \\(count 3\\) by KOR/node-1 \\(3\\); first seen 20" \
	"the CLI table shows the sightings"
expect_eq "$(search KOR admin T0800 | jq -r '.matches[0].sightings.by[0].partner')" KOR \
	"KOR's own search shows its sighting too"

# ---- rule 4: a SECRET collection's objects are not found below SECRET ----
jq -n '{type: "bundle", id: "bundle--6d2c6f0a-3b1e-4c4f-9a51-7f1c2e3d4a10", objects: [{
	type: "intrusion-set", spec_version: "2.1", id: "intrusion-set--6d2c6f0a-3b1e-4c4f-9a51-7f1c2e3d4a11",
	created: "2026-01-05T08:00:00.000Z", modified: "2026-01-05T08:00:00.000Z",
	name: "Quiet Harbour Group", aliases: ["Quiet Harbour Group", "QH-7"]}]}' >"$T/secret.json"
out=$(hl JPN stix push "$T/secret.json" --collection secret --json)
expect_eq "$(echo "$out" | jq '.accepted')" 1 "a group added to the SECRET collection on JPN"
expect_eq "$(search JPN admin "quiet harbour" | jq -r '.matches[0].name')" "Quiet Harbour Group" \
	"admin (SECRET) finds it by name"
expect_eq "$(search JPN admin "QH-7" | jq -r '.matches[0].field')" alias "and by alias"
expect_eq "$(search JPN low "quiet harbour" | jq '.matches | length')" 0 \
	"low (UNCLASSIFIED) does not find it"
expect_eq "$(search JPN low T0800 | jq -r '.matches[0].name')" "Activate Firmware Update Mode" \
	"low still finds what its clearance allows"

echo "# $SCENARIO: $CHECKS checks passed"
