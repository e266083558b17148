#!/usr/bin/env bash
# TAXII 2.1 on real nodes (docs/TAXII.md): discovery, collections, media
# types (406/415), authentication and rights (401/403, audited), a real
# bundle POSTed and read back unchanged (canonical JSON), paging with small
# limits (each object exactly once, the next token still valid after a
# restart), broken copies refused per object, a SECRET-ceiling collection
# hidden from a lower clearance, TLP:RED kept from collection members, the
# federation round trip JPN -> KOR with provenance (USA, not a member, gets
# nothing), observable search, and a sighting flowing back to the origin.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is required"

FIX="${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}/tests/fixtures/stix"
SD=${HOTLINE_SHARED_DATA:-}
if [ -n "$SD" ] && [ -f "$SD/mitre-attack-stix21/ics-attack-18.1.json" ]; then
	BUNDLE="$SD/mitre-attack-stix21/ics-attack-18.1.json"
else
	skip "the ATT&CK bundle (HOTLINE_SHARED_DATA absent): using the fixture"
	BUNDLE="$FIX/bundle.json"
fi

fed_init JPN,KOR,USA
hash=$(sed -n 's/^password = //p' "$(conf JPN)" | head -n1)
cat >>"$(conf JPN)" <<EOF

[operator low]
role = analyst
clearance = UNCLASSIFIED
nationality = JPN
password = $hash

[operator outsider]
role = analyst
clearance = SECRET
nationality = JPN
password = $hash

[collection intel]
title = Shared threat intelligence
description = indicators shared with KOR
members = KOR
read = admin, low
write = admin

[collection secret]
title = Secret collection
ceiling = SECRET
read = admin,low
write = admin

[collection fixture]
read = admin
write = admin
EOF
for p in KOR USA; do
	cat >>"$(conf "$p")" <<EOF

[collection intel]
members = JPN
read = *
write = admin
EOF
done

node_start JPN
node_start KOR
node_start USA
wait_link JPN KOR
wait_link KOR JPN

api() { sed -n 's/^api *= *//p' "$(conf "$1")"; }
pw() { head -n1 "$FED/$1/admin.password"; }
ACC='Accept: application/taxii+json;version=2.1'
CT='Content-Type: application/taxii+json;version=2.1'
# tx P USER PATH [CURL ARGS...]: TAXII request to P's node; body in $T/body,
# headers in $T/hdr, prints the status code
tx() {
	local p=$1 u=$2 path=$3
	shift 3
	curl -s --max-time 120 --cacert "$FED/$p/ca.crt" -u "$u:$(pw "$p")" -H "$ACC" \
		-D "$T/hdr" -o "$T/body" -w '%{http_code}' "$@" "https://$(api "$p")$path"
}
audit_count() {
	sqlite3 "$FED/$1/data/hotline.db" "select count(*) from audit where event='$2'"
}
R=/taxii2/hotline

# ---- discovery, API root, media types ----
expect_eq "$(tx JPN admin /taxii2/)" 200 "discovery answers"
expect_match "$(grep -i '^content-type' "$T/hdr")" 'application/taxii\+json;version=2.1' \
	"discovery media type"
expect_eq "$(jq -r '.api_roots[0]' "$T/body")" "https://$(api JPN)$R/" "discovery names the API root"
expect_eq "$(tx JPN admin $R/)" 200 "API root answers"
expect_eq "$(jq -r '.versions[0]' "$T/body")" "application/taxii+json;version=2.1" "API root version"
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" -H 'Accept: application/json' \
	-o "$T/body" -w '%{http_code}' "https://$(api JPN)$R/")
expect_eq "$code" 406 "Accept: application/json is 406"
expect_eq "$(jq -r .http_status "$T/body")" 406 "406 has a TAXII error body"
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	-H 'Accept: application/taxii+json;version=2.0' -o /dev/null -w '%{http_code}' \
	"https://$(api JPN)$R/")
expect_eq "$code" 406 "TAXII 2.0 is not acceptable"

# ---- collections and rights ----
expect_eq "$(tx JPN admin $R/collections/)" 200 "collections"
expect_eq "$(jq '.collections | length' "$T/body")" 3 "admin sees three collections"
CID=$(jq -r '.collections[] | select(.title == "Shared threat intelligence") | .id' "$T/body")
SID=$(jq -r '.collections[] | select(.title == "Secret collection") | .id' "$T/body")
FID=$(jq -r '.collections[] | select(.title == "fixture") | .id' "$T/body")
expect_match "$CID" '^[0-9a-f]{8}-[0-9a-f]{4}-8[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$' \
	"collection id is a UUID"
tx KOR admin $R/collections/ >/dev/null
expect_eq "$(jq -r '.collections[0].id' "$T/body")" "$CID" "the same collection has the same id on KOR"
expect_eq "$(tx JPN outsider $R/collections/)" 200 "collections for an account without rights"
expect_eq "$(jq '.collections | length' "$T/body")" 0 "it sees none"
d0=$(audit_count JPN taxii-denied)
expect_eq "$(tx JPN outsider "$R/collections/$CID/objects/")" 403 "no read right is 403"
expect_eq "$(jq -r .http_status "$T/body")" 403 "403 has a TAXII error body"
expect_eq "$(tx JPN low "$R/collections/$CID/objects/" -X POST -H "$CT" -d '{"objects":[]}')" 403 \
	"no write right is 403"
expect_eq "$(audit_count JPN taxii-denied)" $((d0 + 2)) "refusals are audited"
f0=$(audit_count JPN login-failed)
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:wrong" -H "$ACC" -o "$T/body" -D "$T/hdr" \
	-w '%{http_code}' "https://$(api JPN)$R/collections/")
expect_eq "$code" 401 "wrong password is 401"
expect_eq "$(jq -r .http_status "$T/body")" 401 "401 has a TAXII error body"
grep -qi '^content-type: application/taxii+json;version=2.1' "$T/hdr" ||
	fail "401 is not application/taxii+json"
grep -qi '^www-authenticate: basic' "$T/hdr" || fail "401 has no Basic challenge"
expect_eq "$(audit_count JPN login-failed)" $((f0 + 1)) "the failed login is audited"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/" -X POST -H 'Content-Type: application/json' \
	-d '{"objects":[]}')" 415 "POST as application/json is 415"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/" -X POST -H "$CT" -d '{"objects":')" 400 \
	"broken JSON is 400"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/" -X POST -H "$CT" -d '{"items":[]}')" 422 \
	"an envelope without objects is 422"
expect_eq "$(tx JPN admin "$R/collections/nope/objects/")" 404 "unknown collection is 404"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/?limit=x")" 400 "bad limit is 400"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/?next=1.2.3")" 400 "forged next is 400"

# ---- a real bundle in, read back unchanged ----
RED=marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1
# (TLP:RED stays out of a shared collection: tested below with the fixture)
jq -c --arg red "$RED" '{objects: [.objects[] | select(.object_marking_refs // [] | index($red) | not)]}' \
	"$BUNDLE" >"$T/env.json"
N=$(jq '.objects | length' "$T/env.json")
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/" -X POST -H "$CT" --data-binary @"$T/env.json")" \
	202 "POST $N objects is 202"
expect_eq "$(jq -r .status "$T/body")" complete "status complete"
expect_eq "$(jq .success_count "$T/body")" "$N" "every object stored"
expect_eq "$(jq .failure_count "$T/body")" 0 "no failures"
STATUS=$(jq -r .id "$T/body")
expect_eq "$(tx JPN admin "$R/status/$STATUS/")" 200 "status resource"
expect_eq "$(jq .success_count "$T/body")" "$N" "status resource counts"
expect_eq "$(tx JPN low "$R/status/$STATUS/")" 404 "another account's status is 404"
# again: idempotent
tx JPN admin "$R/collections/$CID/objects/" -X POST -H "$CT" --data-binary @"$T/env.json" >/dev/null
expect_eq "$(jq '[.successes[] | select(.message == "already stored (same version)")] | length' \
	"$T/body")" "$N" "the same objects again are already stored"

# page_all P USER COLL LIMIT OUT [RESTART]: page through every object; with
# RESTART, restart P after the first page and go on with its next token
page_all() {
	local p=$1 u=$2 coll=$3 lim=$4 out=$5 restart=${6:-} next="" pages=0 code more
	: >"$out"
	while :; do
		if [ -n "$next" ]; then
			code=$(tx "$p" "$u" "$R/collections/$coll/objects/?limit=$lim&next=$next")
		else
			code=$(tx "$p" "$u" "$R/collections/$coll/objects/?limit=$lim")
		fi
		[ "$code" = 200 ] || fail "page $pages: HTTP $code $(cat "$T/body")"
		jq -c '.objects // [] | .[]' "$T/body" >>"$out"
		pages=$((pages + 1))
		more=$(jq -r .more "$T/body")
		[ "$more" = true ] || break
		next=$(jq -r .next "$T/body")
		if [ -n "$restart" ] && [ "$pages" = 1 ]; then
			node_stop "$p"
			node_start "$p"
			restart=""
		fi
		[ "$pages" -lt 100000 ] || fail "paging does not end"
	done
	echo "$pages"
}
lim=97
[ "$N" -gt 300 ] || lim=4
# not in $(...): the restart must happen in this shell, so that cleanup
# knows the new node's pid
page_all JPN admin "$CID" $lim "$T/got.jsonl" restart >"$T/pages"
pages=$(cat "$T/pages")
[ "$pages" -gt 2 ] || fail "only $pages pages"
expect_eq "$(wc -l <"$T/got.jsonl")" "$N" "paging with limit $lim returns $N objects ($pages pages, restart after page 1)"
expect_eq "$(jq -r .id "$T/got.jsonl" | sort | uniq -d | wc -l)" 0 "each object exactly once"
jq -S -c '.objects | sort_by(.id) | .[]' "$T/env.json" >"$T/want.canon"
jq -s -S -c 'sort_by(.id) | .[]' "$T/got.jsonl" >"$T/got.canon"
cmp -s "$T/want.canon" "$T/got.canon" || fail "objects differ from what was POSTed: $(diff "$T/want.canon" "$T/got.canon" | tr '\n' ' ' | head -c 900)"
ok "every object reads back unchanged (canonical JSON)"
grep -q '^X-TAXII-Date-Added-First' "$T/hdr" || tx JPN admin "$R/collections/$CID/objects/?limit=3" >/dev/null
expect_match "$(grep -i '^X-TAXII-Date-Added-First' "$T/hdr")" '[0-9]{4}-[0-9]{2}-[0-9]{2}T' \
	"X-TAXII-Date-Added-First"
expect_match "$(grep -i '^X-TAXII-Date-Added-Last' "$T/hdr")" '[0-9]{4}-[0-9]{2}-[0-9]{2}T' \
	"X-TAXII-Date-Added-Last"
first_id=$(head -n1 "$T/want.canon" | jq -r .id)
first_type=$(head -n1 "$T/want.canon" | jq -r .type)
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/$first_id/")" 200 "one object"
expect_eq "$(jq -S -c '.objects[0]' "$T/body")" "$(head -n1 "$T/want.canon")" "one object unchanged"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/$first_id/versions/")" 200 "its versions"
expect_eq "$(jq '.versions | length' "$T/body")" 1 "one version"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/?match%5Btype%5D=$first_type&limit=10000")" 200 \
	"match[type]"
expect_eq "$(jq '.objects | length' "$T/body")" "$(jq -c "select(.type == \"$first_type\")" "$T/want.canon" | wc -l)" \
	"match[type] selects that type only"
expect_eq "$(tx JPN admin "$R/collections/$CID/manifest/?limit=5")" 200 "manifest"
expect_eq "$(jq '.objects | length' "$T/body")" 5 "manifest page of 5"
expect_eq "$(jq -r '.objects[0].media_type' "$T/body")" "application/stix+json;version=2.1" "manifest media type"
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/indicator--00000000-0000-4000-8000-000000000000/")" 404 \
	"unknown object is 404"

# ---- our fixture: versions, TLP:RED, broken copies, SECRET ceiling ----
jq -c '{objects: .objects}' "$FIX/bundle.json" >"$T/fix.json"
NF=$(jq '.objects | length' "$FIX/bundle.json")
expect_eq "$(tx JPN admin "$R/collections/$CID/objects/" -X POST -H "$CT" --data-binary @"$T/fix.json")" \
	202 "POST the fixture to the shared collection"
expect_eq "$(jq .failure_count "$T/body")" 1 "one object refused"
expect_match "$(jq -r '.failures[0].message' "$T/body")" 'TLP:RED' "TLP:RED is not shared with members"
jq -c '{objects: .objects}' "$FIX/broken.json" >"$T/broken.json"
expect_eq "$(tx JPN admin "$R/collections/$FID/objects/" -X POST -H "$CT" --data-binary @"$T/broken.json")" \
	202 "broken copies: 202"
expect_eq "$(jq .failure_count "$T/body")" 5 "each broken copy fails"
expect_match "$(jq -r '.failures[0].message' "$T/body")" "missing required property 'id'" "missing id named"
expect_match "$(jq -r '.failures[1].message' "$T/body")" "created.*RFC 3339" "bad timestamp named"
expect_match "$(jq -r '.failures[2].message' "$T/body")" "id.*indicatr--" "wrong type named"
expect_eq "$(tx JPN admin "$R/collections/$SID/objects/" -X POST -H "$CT" --data-binary @"$T/fix.json")" \
	202 "POST to the SECRET collection"
expect_eq "$(jq .success_count "$T/body")" "$NF" "all stored (no members: TLP:RED stays here)"
expect_eq "$(tx JPN admin "$R/collections/$SID/objects/")" 200 "admin reads the SECRET collection"
expect_eq "$(jq '.objects | length' "$T/body")" "$NF" "admin sees them"
a0=$(audit_count JPN taxii-filtered)
expect_eq "$(tx JPN low "$R/collections/$SID/objects/")" 200 "low reads the SECRET collection"
expect_eq "$(jq '.objects // [] | length' "$T/body")" 0 "UNCLASSIFIED clearance sees nothing"
some=$(jq -r '.objects[2].id' "$FIX/bundle.json")
expect_eq "$(tx JPN low "$R/collections/$SID/objects/$some/")" 404 "a SECRET object is 404 for low"
expect_eq "$(audit_count JPN taxii-filtered)" $((a0 + 2)) "the withholding is audited"
expect_eq "$(tx JPN low "$R/collections/$SID/objects/" -X POST -H "$CT" -d '{"objects":[]}')" 403 \
	"low may not write above its clearance"

# ---- search on JPN ----
S="https://$(api JPN)/api/v1/stix/search"
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" -o "$T/body" -w '%{http_code}' \
	"$S?value=198.51.100.9")
expect_eq "$code" 200 "search answers"
expect_eq "$(jq -r .kind "$T/body")" ipv4 "search kind"
expect_eq "$(jq '[.matches[] | select(.matched == "198.51.100.0/24")] | length' "$T/body")" 2 \
	"the address is inside the /24 (shared and SECRET copies)"
curl -s --cacert "$FED/JPN/ca.crt" -u "low:$(pw JPN)" -o "$T/body" "$S?value=198.51.100.9"
expect_eq "$(jq '.matches | length' "$T/body")" 1 "low clearance: only the shared copy"
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" -o "$T/body" -w '%{http_code}' \
	"$S?value=not%20a%20thing")
expect_eq "$code:$(jq -r .kind "$T/body")" 200:name "a value that is no observable is looked up as a name"
code=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" -o "$T/body" -w '%{http_code}' \
	"$S?value=10.0.0.1/33")
expect_eq "$code" 400 "a mistyped CIDR is 400"

# ---- federation: KOR gets the shared collection, USA does not ----
jq -s -S -c 'unique_by(.id) | .[]' <(cat "$T/got.jsonl"; jq -c --arg red "$RED" \
	'.objects[] | select(.object_marking_refs // [] | index($red) | not)' "$FIX/bundle.json") >"$T/want2.canon"
want=$(wc -l <"$T/want2.canon")
kor_count() {
	tx KOR admin "$R/collections/$CID/manifest/?limit=10000" >/dev/null
	jq '.objects // [] | length' "$T/body"
}
# (a function: wait_until runs it again each time; "$(...)" as an argument
# would be read once)
kor_has_all() { [ "$(kor_count)" = "$want" ]; }
wait_until 90 kor_has_all || fail "KOR has $(kor_count) of $want objects"
ok "KOR received all $want shared objects"
page_all KOR admin "$CID" 250 "$T/kor.jsonl" >/dev/null
jq -s -S -c 'sort_by(.id) | .[]' "$T/kor.jsonl" >"$T/kor.canon"
cmp -s "$T/want2.canon" "$T/kor.canon" || fail "KOR's objects differ ($(wc -l <"$T/kor.canon") vs $want): $(diff "$T/want2.canon" "$T/kor.canon" | tr '\n' ' ' | head -c 900)"
ok "KOR's copy equals JPN's (canonical JSON)"
code=$(curl -s --cacert "$FED/KOR/ca.crt" -u "admin:$(pw KOR)" -o "$T/body" -w '%{http_code}' \
	"https://$(api KOR)/api/v1/stix/search?value=LOGIN-UPDATE.example")
expect_eq "$code" 200 "search on KOR"
expect_eq "$(jq -r '.matches[0].origin_partner' "$T/body")" JPN "provenance: origin partner"
expect_eq "$(jq -r '.matches[0].origin_node' "$T/body")" JPN/node-1 "provenance: origin node"
expect_match "$(jq -r '.matches[0].envelope' "$T/body")" '^[0-9a-f]{32}$' "provenance: envelope id"
expect_eq "$(jq -r .kind "$T/body")" domain "kind domain"
tx USA admin "$R/collections/$CID/objects/" >/dev/null
expect_eq "$(jq '.objects // [] | length' "$T/body")" 0 "USA (not a member) got nothing"

# ---- a sighting on KOR flows back to JPN ----
ind=$(jq -r '.objects[2].id' "$FIX/bundle.json")
code=$(curl -s --cacert "$FED/KOR/ca.crt" -u "admin:$(pw KOR)" -o "$T/body" -w '%{http_code}' \
	-H 'Content-Type: application/json' -d "{\"of\":\"$ind\",\"count\":3,\"note\":\"seen at the border\"}" \
	"https://$(api KOR)/api/v1/stix/sightings")
expect_eq "$code" 201 "sighting recorded on KOR"
expect_eq "$(jq -r .to "$T/body")" JPN "it goes back to JPN"
sight=$(jq -r .id "$T/body")
sight_at_jpn() { [ "$(tx JPN admin "$R/collections/$CID/objects/$sight/")" = 200 ]; }
wait_until 30 sight_at_jpn || fail "the sighting did not reach JPN"
expect_eq "$(jq -r '.objects[0].sighting_of_ref' "$T/body")" "$ind" "JPN has the sighting of its indicator"

echo "1..$CHECKS"
