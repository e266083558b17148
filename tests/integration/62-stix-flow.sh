#!/usr/bin/env bash
# 62-stix-flow: threat intelligence through the line, from the CLI.
#  - "hotline misp import" of a MISP event and "hotline stix push" of a
#    DISARM incident bundle on JPN reach KOR's TAXII GET unchanged
#    (canonical JSON, jq -S); a TLP:RED object is refused with its reason;
#  - "hotline stix search" on KOR for an IP and a CIDR names JPN as origin;
#  - "hotline stix sight" on KOR sends a sighting back to JPN;
#  - a [taxii_source] on KOR pulls JPN's TAXII collection into a local one;
#    a second pull fetches nothing new, new objects only once, and the
#    position survives a restart.
# The fixture path always runs; the real MISP event and the DISARM bundle
# from HOTLINE_SHARED_DATA run when present (else SKIPPED).
. "$(dirname "$0")/lib.sh"
ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures"
command -v curl >/dev/null || fail "curl is needed"

fed_init JPN,KOR
for p in JPN KOR; do
	cat >>"$(conf $p)" <<EOF

[collection intel]
title = intel
members = JPN,KOR
read = admin
write = admin
EOF
done
cat >>"$(conf KOR)" <<EOF

[collection mirror]
title = mirror
read = admin
write = admin
EOF

api_port() { sed -n 's/^api = 127.0.0.1://p' "$(conf "$1")"; }
pw() { cat "$FED/$1/admin.password"; }

# taxii P PATH [QUERY]: GET on P's TAXII API root (loopback test: the node
# certificate names the node, not 127.0.0.1, hence -k)
taxii() {
	curl -gsk --max-time 20 -u "admin:$(pw "$1")" \
		-H 'Accept: application/taxii+json;version=2.1' \
		"https://127.0.0.1:$(api_port "$1")/taxii2/hotline/$2"
}

# all_objects P ID: every object of collection ID (follows next), as one array
all_objects() {
	local p=$1 id=$2 next="" page out="$T/all.$$" i
	echo '[]' >"$out"
	for i in $(seq 1 200); do
		page=$(taxii "$p" "collections/$id/objects/?limit=500${next:+&next=$next}") || return 1
		echo "$page" | jq -e '.' >/dev/null || return 1
		jq -s '.[0] + (.[1].objects // [])' "$out" <(echo "$page") >"$out.n" && mv "$out.n" "$out"
		[ "$(echo "$page" | jq -r '.more // false')" = true ] || break
		next=$(echo "$page" | jq -r '.next | @uri')
	done
	cat "$out"
	rm -f "$out"
}

count_objects() { all_objects "$1" "$2" | jq 'length'; }

# same_objects P ID FILE: each object of bundle FILE (minus ids given after)
# is in P's collection ID, canonical JSON equal
same_objects() {
	local p=$1 id=$2 file=$3
	shift 3
	printf '%s\n' "$@" | jq -R . | jq -s . >"$T/skip.json"
	jq -S --slurpfile skip "$T/skip.json" \
		'[.objects[] | select(.id as $i | $skip[0] | index($i) | not)] | sort_by(.id)' \
		"$file" >"$T/want.json" || return 1
	all_objects "$p" "$id" >"$T/have.json" || return 1
	jq -S --slurpfile w "$T/want.json" \
		'($w[0] | map({key: .id, value: 1}) | from_entries) as $ids |
		 [.[] | select($ids[.id] != null)] | sort_by(.id)' "$T/have.json" >"$T/got.json"
	cmp -s "$T/got.json" "$T/want.json"
}

wait_count() { # P ID N SECONDS
	local i n=0
	for i in $(seq 1 $(($4 * 2))); do
		n=$(count_objects "$1" "$2" 2>/dev/null || echo 0)
		[ "${n:-0}" -ge "$3" ] && return 0
		sleep 0.5
	done
	fail "collection $2 on $1 holds $n objects, expected at least $3"
}

node_start JPN
node_start KOR
wait_link JPN KOR
wait_link KOR JPN

COLL=$(taxii JPN collections/ | jq -r '.collections[] | select(.title == "intel") | .id')
expect_match "$COLL" '^[0-9a-f-]{36}$' "JPN serves collection intel over TAXII ($COLL)"

# ---- fixture path (always) ----
out=$(hl JPN misp import "$FIX/misp/small-event.json" --collection intel --output "$T/small.json" \
	--json) && rc=0 || rc=$?
expect_eq "$rc" 1 "misp import exits 1 when an object is refused"
expect_eq "$(echo "$out" | jq '.converted')" 23 "misp import: 23 attributes converted"
expect_eq "$(echo "$out" | jq '.skipped_by_reason["malformed value"]')" 2 "misp import: malformed values skipped with the reason"
# 58 objects: the TLP:RED indicator and its two indicates relationships
# (red like their stricter end) are refused
expect_eq "$(echo "$out" | jq '.push.accepted')" 55 "misp import: 55 of 58 objects accepted"
red=$(jq -r '.objects[] | select(.pattern == "[domain-name:value = '"'"'red.evil.example'"'"']") | .id' "$T/small.json")
redrels=$(jq -r --arg r "$red" '[.objects[] | select(.source_ref == $r) | .id] | join(" ")' "$T/small.json")
expect_eq "$(echo "$out" | jq -r '.push.failures[0].id')" "$red" "the TLP:RED indicator is refused"
expect_eq "$(echo "$out" | jq -r '[.push.failures[1:][].id] | join(" ")')" "$redrels" \
	"and its two relationships, nothing else"
expect_match "$(echo "$out" | jq -r '.push.failures[0].message')" 'RED' "its reason names TLP:RED"
human=$(hl JPN misp import "$FIX/misp/small-event.json" --dry-run)
expect_match "$human" 'skipped 00000000-0000-4000-8000-0000000000b4 float +no STIX property' \
	"misp import lists each skipped attribute and why"

out=$(hl JPN stix push "$FIX/disarm/incident-bundle.json" --collection intel --json)
expect_eq "$(echo "$out" | jq '.accepted')" 7 "stix push: the DISARM incident report bundle is accepted"
human=$(hl JPN stix push "$FIX/disarm/incident-bundle.json" --collection intel)
expect_match "$human" 'accepted: 7' "stix push again (idempotent) prints its summary"
if command -v script >/dev/null; then
	tty_out=$(script -qec "$HL -c $(conf JPN) stix push $FIX/disarm/incident-bundle.json --collection intel" /dev/null)
	expect_match "$tty_out" '\] 7/7 objects +[0-9]+/s' "stix push on a terminal shows the progress bar"
else
	skip "progress bar check (no script(1))"
fi

KCOLL=$(taxii KOR collections/ | jq -r '.collections[] | select(.title == "intel") | .id')
expect_eq "$KCOLL" "$COLL" "the collection has the same TAXII id on both nodes"
wait_count KOR "$COLL" 62 30
# shellcheck disable=SC2086
same_objects KOR "$COLL" "$T/small.json" "$red" $redrels || fail "MISP objects differ on KOR"
ok "the converted MISP objects arrive on KOR unchanged (canonical JSON)"
same_objects KOR "$COLL" "$FIX/disarm/incident-bundle.json" || fail "DISARM objects differ on KOR"
ok "the DISARM incident bundle arrives on KOR unchanged"
expect_eq "$(all_objects KOR "$COLL" | jq --arg r "$red" '[.[] | select(.id == $r)] | length')" 0 \
	"the TLP:RED object did not travel"

ind=$(jq -r '.objects[] | select(.pattern == "[ipv4-addr:value = '"'"'198.51.100.7'"'"']") | .id' "$T/small.json")
s=$(hl KOR stix search 198.51.100.7 --json)
expect_eq "$(echo "$s" | jq -r --arg i "$ind" '.matches[] | select(.id == $i) | .origin_partner')" JPN \
	"search on KOR for an IP names the indicator from JPN"
s=$(hl KOR stix search 198.51.100.0/24 --json)
expect_eq "$(echo "$s" | jq -r --arg i "$ind" '.matches[] | select(.id == $i) | .origin_partner')" JPN \
	"search on KOR for a CIDR finds the address inside it"
cidr=$(jq -r '.objects[] | select(.pattern == "[ipv4-addr:value = '"'"'203.0.113.0/24'"'"']") | .id' "$T/small.json")
s=$(hl KOR stix search 203.0.113.9 --json)
expect_eq "$(echo "$s" | jq -r --arg i "$cidr" '[.matches[] | select(.id == $i)] | length')" 1 \
	"search for an IP finds the CIDR indicator containing it"
table=$(hl KOR stix search 198.51.100.7)
expect_match "$table" "^OBJECT +TYPE +PARTNER" "search prints a table"
expect_match "$table" "$ind +indicator +JPN" "the table row names the object, type and partner"

s=$(hl KOR stix sight "$ind" --count 3 --note "seen at a KOR ministry" --json)
sid=$(echo "$s" | jq -r '.id')
expect_eq "$(echo "$s" | jq -r '.to')" JPN "stix sight on KOR goes back to JPN"
for i in $(seq 1 60); do
	got=$(taxii JPN "collections/$COLL/objects/?match[id]=$sid" | jq -r '.objects[0].sighting_of_ref // empty')
	[ -n "$got" ] && break
	sleep 0.5
done
expect_eq "$got" "$ind" "the sighting arrived at JPN, of the indicator"

# ---- real data (HOTLINE_SHARED_DATA) ----
SD=${HOTLINE_SHARED_DATA:-}
if [ -n "$SD" ] && [ -f "$SD/misp-events/to_delete2.json" ] && [ -f "$SD/disarm-stix21/DISARM.json" ]; then
	before=$(count_objects KOR "$COLL")
	out=$(hl JPN misp import "$SD/misp-events/to_delete2.json" --collection intel \
		--output "$T/fallchill.json" --json)
	n=$(jq '.objects | length' "$T/fallchill.json")
	expect_eq "$(echo "$out" | jq '.push.accepted')" "$n" "real MISP event (FALLCHILL): all $n objects accepted"
	out=$(hl JPN stix push "$SD/disarm-stix21/DISARM.json" --collection intel --batch 200 --json)
	expect_eq "$(echo "$out" | jq '.accepted')" 698 "DISARM framework bundle: 698 objects accepted"
	wait_count KOR "$COLL" $((before + n + 698)) 90
	same_objects KOR "$COLL" "$T/fallchill.json" || fail "FALLCHILL objects differ on KOR"
	ok "the real MISP event's objects arrive on KOR unchanged"
	same_objects KOR "$COLL" "$SD/disarm-stix21/DISARM.json" || fail "DISARM objects differ on KOR"
	ok "the DISARM bundle arrives on KOR unchanged"
	ip=$(jq -r '[.objects[] | select(.type == "indicator") | .pattern | capture("^\\[ipv4-addr:value = .(?<ip>[0-9.]+).\\]$").ip][0]' \
		"$T/fallchill.json")
	s=$(hl KOR stix search "$ip" --json)
	expect_match "$(echo "$s" | jq -r '[.matches[].origin_partner] | unique | join(",")')" JPN \
		"search on KOR for $ip (FALLCHILL C2) names JPN"
	net="${ip%.*}.0/24"
	s=$(hl KOR stix search "$net" --json)
	expect_match "$(echo "$s" | jq -r --arg v "$ip" '[.matches[] | select(.matched == $v)] | length')" '^[1-9]' \
		"search on KOR for $net finds $ip"
else
	skip "real MISP event and DISARM bundle (HOTLINE_SHARED_DATA not set or incomplete)"
fi

# ---- the poll bridge: KOR pulls JPN's collection intel into mirror ----
node_stop KOR
install -m 600 "$FED/JPN/admin.password" "$FED/KOR/jpn-taxii.password"
cat >>"$(conf KOR)" <<EOF

[taxii_source jpn]
url = https://127.0.0.1:$(api_port JPN)/taxii2/hotline/
collection_id = $COLL
user = admin
password_file = jpn-taxii.password
ca = ../JPN/ca.crt
node = JPN/node-1
interval = 1h
collection = mirror

[taxii_source wrongpw]
url = https://127.0.0.1:$(api_port JPN)/taxii2/hotline/collections/$COLL/objects/
user = admin
password_file = wrong.password
ca = ../JPN/ca.crt
node = JPN/node-1
collection = mirror
EOF
(umask 077; echo "not-the-password" >"$FED/KOR/wrong.password")
node_start KOR
MCOLL=$(taxii KOR collections/ | jq -r '.collections[] | select(.title == "mirror") | .id')
src=$(count_objects JPN "$COLL")
out=$(hl KOR taxii pull jpn --json)
expect_eq "$(echo "$out" | jq -r '.last.error')" "" "taxii pull: the round succeeded"
wait_count KOR "$MCOLL" "$src" 30
ok "the mirror collection on KOR holds JPN's $src objects"
expect_match "$(echo "$out" | jq -r '.cursor')" '^20[0-9]{2}-' "the added_after position is kept"
out=$(hl KOR taxii pull jpn --json)
expect_eq "$(echo "$out" | jq '.last.fetched')" 0 "a second pull fetches nothing new"

# new objects on JPN: fetched once
sed -e 's/11111111-2222-4333-8444-555555555555/11111111-2222-4333-8444-666666666666/' -e 's/-8000-0000/-8000-1000/g' \
	"$FIX/misp/small-event.json" >"$T/event2.json"
hl JPN misp import "$T/event2.json" --collection intel --output "$T/event2.stix.json" --json \
	>/dev/null || true
new=$(( $(count_objects JPN "$COLL") - src ))
out=$(hl KOR taxii pull jpn --json)
expect_eq "$(echo "$out" | jq '.last.fetched')" "$new" "the next pull fetches only the $new new objects"
red2=$(jq -r '.objects[] | select(.pattern == "[domain-name:value = '"'"'red.evil.example'"'"']") | .id' "$T/event2.stix.json")
# shellcheck disable=SC2046
same_objects KOR "$MCOLL" "$T/event2.stix.json" "$red2" \
	$(jq -r --arg r "$red2" '.objects[] | select(.source_ref == $r) | .id' "$T/event2.stix.json") ||
	fail "pulled objects differ"
ok "pulled objects are unchanged in the mirror collection"
node_stop KOR
node_start KOR
out=$(hl KOR taxii pull jpn --json)
expect_eq "$(echo "$out" | jq '.last.fetched')" 0 "after a restart the position holds: nothing fetched again"
human=$(hl KOR taxii sources)
expect_match "$human" '^jpn: idle -> collection mirror' "taxii sources lists the source"
out=$(hl KOR taxii pull wrongpw 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 1 "a pull refused by the server exits 1"
expect_match "$out" 'answered HTTP 401' "and says the server refused the credentials"
out=$(hl KOR taxii pull nosuch 2>&1) && rc=0 || rc=$?
expect_match "$rc:$out" '^1:hotline: taxii pull: no \[taxii_source nosuch\]' "an unknown source is refused"

# a password file others can read: the node refuses to start
node_stop KOR
chmod 644 "$FED/KOR/jpn-taxii.password"
out=$(timeout 10 "$HLD" -c "$(conf KOR)" 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 1 "the node exits 1"
expect_match "$(printf '%s\n' "$out" | tail -1)" '^hotlined: .*jpn-taxii.password is readable by group or others' \
	"a group/world-readable password_file stops the node at start"

echo "# $SCENARIO: $CHECKS checks passed"
