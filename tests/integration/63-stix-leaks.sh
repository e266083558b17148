#!/usr/bin/env bash
# 63-stix-leaks: issue 12's two leaks, reproduced on a real four-node
# federation (JPN, KOR, NATO, USA) and shown closed on every path in.
#  1. Markings at property level: the OASIS "granular markings" bundle
#     pushed to a collection with members: the indicator whose description
#     is TLP:RED (TLP 1.0 id, granular) is refused naming the marking and its
#     selector; no member holds or serves it (or anything of the red text);
#     a collection without members keeps it; a malformed selector is
#     refused per object.
#  2. Sticky releasability: JPN gives KOR an AMBER indicator (collection jk,
#     members KOR). KOR's analyst fetches it and POSTs it unchanged, or a
#     new version of it, into KOR's collection for JPN, NATO and USA: refused
#     per object, naming JPN, audited; NATO and USA never get it. The same
#     through "stix push", "misp import" and the poll bridge (from KOR's own
#     TAXII, and from JPN's node, whose objects stay JPN's). A subset
#     (back to JPN, or kept on KOR) is allowed; an external source is KOR's
#     own and may be shared; once JPN, the originator, shares it wider,
#     KOR may too.
#  3. A partner's node that launders anyway (here: a raw STIX envelope
#     from KOR) is caught by the recipient's ingest, which holds JPN's
#     narrower release: refused, audited.
#  4. Relay: JPN and KOR unlinked, JPN's objects reach KOR through NATO
#     (relay and recipient): neither KOR nor NATO can pass them to USA.
# The real OASIS bundle from HOTLINE_SHARED_DATA is used when present, else
# the committed copy (tests/fixtures/stix/granular-markings.json).
. "$(dirname "$0")/lib.sh"
ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures"
command -v curl >/dev/null || fail "curl is needed"
command -v jq >/dev/null || fail "jq is needed"
command -v sqlite3 >/dev/null || fail "sqlite3 is needed"

SD=${HOTLINE_SHARED_DATA:-}
GRAN="$FIX/stix/granular-markings.json"
if [ -n "$SD" ] && [ -f "$SD/oasis-stix21-examples/cti-documentation/using-granular-markings.json" ]; then
	GRAN="$SD/oasis-stix21-examples/cti-documentation/using-granular-markings.json"
else
	echo "# SKIPPED the OASIS bundle from HOTLINE_SHARED_DATA (absent): using the committed copy"
fi

fed_init JPN,KOR,NATO,USA
hash=$(sed -n 's/^password = //p' "$(conf KOR)" | head -n1)
coll() { # P NAME [MEMBERS]
	printf '\n[collection %s]\n%sread = *\nwrite = admin, analyst\n' "$2" \
		"${3:+members = $3
}" >>"$(conf "$1")"
}
coll JPN jk KOR
coll JPN intel KOR,NATO,USA
coll JPN jkn KOR,NATO
coll JPN ju USA
coll JPN jvault
coll KOR jk
coll KOR intel
coll KOR jkn
coll KOR wide JPN,NATO,USA
coll KOR kj JPN
coll KOR kn NATO
coll KOR kvault
coll KOR kvault2
coll NATO intel
coll NATO jkn
coll NATO wide
coll NATO nu USA
coll USA intel
coll USA wide
coll USA ju
coll USA nu
cat >>"$(conf KOR)" <<EOF

[operator analyst]
role = analyst
clearance = SECRET
nationality = KOR
password = $hash
EOF
# KOR's poll bridge: its own TAXII (collection jk, holding JPN's objects;
# kvault2, KOR's own) and JPN's node (collection jvault), each into wide or
# kvault; interval 7d: rounds run when "hotline taxii pull" asks
api() { sed -n 's/^api *= *//p' "$(conf "$1")"; }
install -m 600 "$FED/KOR/admin.password" "$FED/KOR/self.password"
install -m 600 "$FED/JPN/admin.password" "$FED/KOR/jpn.password"
src() { # NAME NODE-PARTNER COLLECTION INTO PASSWORD
	cat >>"$(conf KOR)" <<EOF

[taxii_source $1]
url = https://$(api "$2")/taxii2/hotline/
collection_id = $3
user = admin
password_file = $5
ca = ../$2/ca.crt
node = $2/node-1
interval = 7d
collection = $4
EOF
}
src selfjk KOR jk wide self.password
src selfown KOR kvault2 wide self.password
src jpnwide JPN jvault wide jpn.password
src jpnkeep JPN jvault kvault jpn.password
for p in JPN KOR NATO USA; do "$HLD" -n -c "$(conf "$p")" >/dev/null || fail "config $p"; done

pw() { head -n1 "$FED/$1/admin.password"; }
ACC='Accept: application/taxii+json;version=2.1'
CT='Content-Type: application/taxii+json;version=2.1'
R=/taxii2/hotline
# tx P USER PATH [CURL ARGS...]: TAXII request; body in $T/body, prints the code
tx() {
	local p=$1 u=$2 path=$3
	shift 3
	curl -gs --max-time 60 --cacert "$FED/$p/ca.crt" -u "$u:$(pw "$p")" -H "$ACC" \
		-o "$T/body" -w '%{http_code}' "$@" "https://$(api "$p")$path"
}
# post P USER COLLECTION FILE: POST an envelope {"objects": [...]}; status in $T/body
post() {
	tx "$1" "$2" "$R/collections/$3/objects/" -X POST -H "$CT" --data-binary @"$4"
}
db() { sqlite3 "$FED/$1/data/hotline.db" "$2"; }
# held P COLL ID: rows of object ID in P's collection COLL
held() { db "$1" "select count(*) from stix_objects where collection = '$2' and id = '$3'"; }
held_anywhere() { db "$1" "select count(*) from stix_objects where id = '$2'"; }
wait_held() { # P COLL ID SECONDS
	local i
	for i in $(seq 1 $(($4 * 5))); do
		[ "$(held "$1" "$2" "$3")" -ge 1 ] && return 0
		sleep 0.2
	done
	fail "$3 did not arrive in $1's collection $2"
}
audits() { db "$1" "select count(*) from audit where event = '$2' and detail like '%$3%'"; }
# failure message of ID in the status in $T/body
failure() { jq -r --arg i "$1" '[.failures[] | select(.id == $i) | .message][0] // ""' "$T/body"; }
succeeded() { jq -r --arg i "$1" '[.successes[] | select(.id == $i)] | length' "$T/body"; }

# ind ID MODIFIED MARKING NAME: one indicator (TLP 2.0 marking id)
AMBER=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
ind() {
	jq -n --arg id "$1" --arg m "$2" --arg mk "$3" --arg n "$4" '{type: "indicator",
		spec_version: "2.1", id: $id, created: "2026-11-20T09:00:00.000Z", modified: $m,
		name: $n, pattern: "[domain-name:value = '"'"'\($n).example'"'"']",
		pattern_type: "stix", valid_from: "2026-11-20T09:00:00Z",
		object_marking_refs: [$mk]}'
}
envelope() { jq -s '{objects: .}' "$@"; }
X=indicator--6c3a1b2e-0d4f-4a5b-8c6d-00000000000a
Y=indicator--6c3a1b2e-0d4f-4a5b-8c6d-00000000000b
ind $X 2026-11-20T09:00:00.000Z $AMBER x-amber >"$T/x.json"
ind $Y 2026-11-20T09:00:00.000Z $AMBER y-amber >"$T/y.json"

for p in JPN KOR NATO USA; do node_start "$p"; done
for p in JPN KOR NATO USA; do
	for q in JPN KOR NATO USA; do [ "$p" = "$q" ] || wait_link "$p" "$q"; done
done
ok "four nodes up, fully linked"
# each source's first round runs 2 s after the start: let it run now, on
# empty collections, so that the rounds below are the ones asked for
rounds_done() {
	[ "$(hl KOR taxii sources --json | jq '[.sources[] | select(.rounds >= 1 and .running == false)] | length')" = 4 ]
}
wait_until 20 rounds_done || fail "the poll bridge's first rounds did not run"
ok "the poll bridge's first rounds ran (nothing to fetch yet)"

# ---- 1. markings at property level ----
GI=indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1
GID=identity--b38dfe21-7477-40d1-aa90-5c8671ce51ca
out=$(hl JPN stix push "$GRAN" --collection intel --json) && rc=0 || rc=$?
expect_eq "$rc:$(echo "$out" | jq .accepted):$(echo "$out" | jq .failed)" 1:1:3 \
	"stix push of the granular-markings bundle to intel: 1 accepted, 3 refused"
m=$(echo "$out" | jq -r --arg i $GI '.failures[] | select(.id == $i) | .message')
expect_match "$m" "^refused \(granular_markings\[0\] marks 'description' TLP:RED\): TLP:RED may not be shared with the members of collection intel" \
	"defect 1: the indicator with a TLP:RED description is refused, naming the granular marking and its selector"
expect_eq "$(echo "$out" | jq '[.failures[].message | select(test("^refused: TLP:RED may not be shared"))] | length')" 2 \
	"the two objects marked TLP:RED as a whole are refused too"
for p in KOR NATO USA; do wait_held "$p" intel $GID 30; done
for p in KOR NATO USA; do
	expect_eq "$(held_anywhere "$p" $GI):$(db "$p" "select count(*) from stix_objects where json like '%The Joker%'")" 0:0 \
		"$p received the identity, and neither the indicator nor any of the TLP:RED text"
	expect_eq "$(tx "$p" admin "$R/collections/intel/objects/$GI/")" 404 "$p does not serve the indicator over TAXII"
done
out=$(hl JPN stix push "$GRAN" --collection jvault --json)
expect_eq "$(echo "$out" | jq .accepted)" 4 "a collection without members keeps all four on JPN"
expect_eq "$(tx JPN admin "$R/collections/jvault/objects/$GI/")" 200 "JPN serves the indicator to its own accounts"
expect_eq "$(jq -r '.objects[0].description' "$T/body")" "Known to be used by The Joker." "unchanged, description included"
jq '.objects[1] | .id = "indicator--1ed8caa7-a708-4706-b651-f1186ede6cb1" |
	.granular_markings[1].selectors = ["indicator_types.[2]"]' "$GRAN" | envelope >"$T/badsel.json"
expect_eq "$(post JPN admin jvault "$T/badsel.json")" 202 "an object with a selector that selects nothing: 202"
expect_match "$(failure indicator--1ed8caa7-a708-4706-b651-f1186ede6cb1)" \
	"granular_markings\[1\]\.selectors\[0\] 'indicator_types\.\[2\]': \[2\] is beyond the list's 2 item\(s\)" \
	"it is refused per object, the selector named"

# ---- 2. sticky releasability: TAXII POST ----
envelope "$T/x.json" "$T/y.json" >"$T/xy.json"
expect_eq "$(post JPN admin jk "$T/xy.json")" 202 "JPN posts two AMBER indicators to jk (members: KOR)"
wait_held KOR jk $X 30
wait_held KOR jk $Y 30
expect_eq "$(tx KOR analyst "$R/collections/jk/objects/$X/")" 200 "KOR's analyst fetches X from KOR's copy of jk"
jq '.objects[0]' "$T/body" >"$T/x-fetched.json"
C1=indicator--6c3a1b2e-0d4f-4a5b-8c6d-0000000000c1
ind $C1 2026-11-20T09:00:00.000Z $AMBER control-one >"$T/c1.json"
envelope "$T/x-fetched.json" "$T/c1.json" >"$T/repost.json"
r0=$(audits KOR stix-release-refused "id=$X")
expect_eq "$(post KOR analyst wide "$T/repost.json")" 202 "and POSTs it unchanged to wide (JPN, NATO, USA), with an object of KOR's own"
expect_eq "$(jq .success_count "$T/body"):$(jq .failure_count "$T/body"):$(succeeded $C1)" 1:1:1 \
	"KOR's own object is accepted, X is not"
expect_match "$(failure $X)" "^refused \(sticky releasability\): version 2026-11-20T09:00:00.000000000Z came from JPN \(JPN/node-1\) releasable to JPN, KOR at TLP:AMBER; collection wide would also release it to NATO, USA; only JPN may widen the release of its objects$" \
	"defect 2: the status names the reason and the origin"
sid=$(jq -r .id "$T/body")
expect_eq "$(audits KOR stix-release-refused "id=$X")" $((r0 + 1)) "the refusal is audited on KOR (stix-release-refused)"
expect_eq "$(db KOR "select actor from audit where event = 'stix-release-refused' order by seq desc limit 1")" analyst \
	"with the account that tried"
expect_eq "$(tx KOR analyst "$R/status/$sid/")" 200 "the status resource is kept"
expect_match "$(failure $X)" "came from JPN" "and still says why"
for p in NATO USA; do wait_held "$p" wide $C1 30; done
for p in NATO USA; do
	expect_eq "$(held_anywhere "$p" $X)" 0 "$p got KOR's object but not JPN's X"
done
# a new version of X
jq '.modified = "2026-11-21T10:00:00.000Z" | .name = "x-amber, revised by KOR"' "$T/x-fetched.json" | envelope >"$T/x2.json"
expect_eq "$(post KOR analyst wide "$T/x2.json")" 202 "a new version of X to wide: 202"
expect_match "$(failure $X)" "^refused \(sticky releasability\): version 2026-11-20T09:00:00.000000000Z came from JPN" \
	"refused: the earlier version's release counts"
# a lower TLP
jq '.object_marking_refs = ["'$GREEN'"] | .modified = "2026-11-22T10:00:00.000Z"' "$T/x-fetched.json" | envelope >"$T/x3.json"
expect_eq "$(post KOR analyst kj "$T/x3.json")" 202 "X re-marked TLP:GREEN to kj (members: JPN)"
expect_match "$(failure $X)" "this copy is marked TLP:GREEN, lower than TLP:AMBER" "refused: a lower TLP"
# subsets: back to the originator, or kept on KOR
envelope "$T/x-fetched.json" >"$T/x1.json"
expect_eq "$(post KOR analyst kj "$T/x1.json")" 202 "X to kj (members: JPN only)"
expect_eq "$(succeeded $X)" 1 "a subset of the release is allowed"
wait_held JPN kj $X 30
expect_eq "$(db JPN "select origin_partner from stix_objects where collection = 'kj' and id = '$X'")" KOR \
	"JPN receives KOR's copy"
expect_eq "$(post KOR analyst kvault "$T/x1.json")" 202 "X to kvault (no members)"
expect_eq "$(succeeded $X)" 1 "keeping it on KOR is allowed"

# ---- stix push ----
jq -s '{type: "bundle", id: "bundle--0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f1", objects: .}' \
	"$T/x-fetched.json" <(jq '.objects[0]' "$T/x2.json") >"$T/xbundle.json"
out=$(hl KOR stix push "$T/xbundle.json" --collection wide --json) && rc=0 || rc=$?
expect_eq "$rc:$(echo "$out" | jq .accepted):$(echo "$out" | jq .failed)" 1:0:2 "stix push of X and its new version to wide: exit 1, both refused"
expect_match "$(echo "$out" | jq -r '.failures[0].message')" "came from JPN \(JPN/node-1\) releasable to JPN, KOR" \
	"stix push prints the reason and the origin"

# ---- misp import ----
# The conversion (src/misp.c) gives the event's objects: the TLP:RED
# indicator and its relationships are refused for a collection with
# members; the TLP marking-definitions are public (no release of them is
# sticky); every other object becomes JPN's.
out=$(hl JPN misp import "$FIX/misp/small-event.json" --collection jk --output "$T/ev.json" --json) || true
nall=$(jq '.objects | length' "$T/ev.json")
nred=$(echo "$out" | jq '[.push.failures[] | select(.message | test("TLP:RED"))] | length')
npub=$(jq '[.objects[] | select(.type == "marking-definition")] | length' "$T/ev.json")
[ "$nred" -ge 1 ] && [ "$npub" -ge 1 ] || fail "MISP event: $nred red, $npub marking-definitions"
expect_eq "$(echo "$out" | jq .push.accepted):$(echo "$out" | jq .push.failed)" "$((nall - nred)):$nred" \
	"JPN imports a MISP event into jk: $((nall - nred)) of $nall objects (the TLP:RED ones refused)"
echo "$out" | jq -r '.push.failures[].id' | sort >"$T/ev-red.ids"
for i in $(jq -r '.objects[].id' "$T/ev.json"); do
	grep -qx "$i" "$T/ev-red.ids" || wait_held KOR jk "$i" 30
done
njpn=$((nall - nred - npub))
out=$(hl KOR misp import "$FIX/misp/small-event.json" --collection wide --output "$T/ev-kor.json" --json) && rc=0 || rc=$?
expect_eq "$rc:$(echo "$out" | jq .push.accepted):$(echo "$out" | jq .push.failed)" "1:$npub:$((njpn + nred))" \
	"KOR imports the same MISP event into wide: exit 1, only the $npub public TLP marking-definitions accepted"
expect_eq "$(echo "$out" | jq '[.push.failures[].message | select(test("sticky releasability.*came from JPN"))] | length')" "$njpn" \
	"$njpn refused as JPN's (same ids: the conversion is deterministic), the TLP:RED ones as TLP:RED"
ids=$(jq -r '[.objects[] | select(.type != "marking-definition") | .id | "'"'"'" + . + "'"'"'"] | join(",")' "$T/ev-kor.json")
expect_eq "$(db KOR "select count(*) from stix_objects where collection = 'wide' and id in ($ids)")" 0 \
	"none of JPN's is in KOR's wide, so none is shared"

# ---- the poll bridge ----
# from KOR's own TAXII (local origin): jk holds JPN's objects
r0=$(db KOR "select count(*) from audit where event = 'stix-release-refused'")
out=$(hl KOR taxii pull selfjk --json)
expect_eq "$(echo "$out" | jq -r '.last.error')" "" "poll bridge: KOR pulls its own jk into wide"
expect_eq "$(echo "$out" | jq '.last.added')" 0 "nothing of JPN's is added to wide"
expect_eq "$(echo "$out" | jq '.last.failed')" "$((2 + njpn))" "every object JPN gave is refused (X, Y, the $njpn MISP objects)"
expect_eq "$(held KOR wide $Y)" 0 "Y is not in wide"
n=$(db KOR "select count(*) from audit where event = 'stix-release-refused'")
expect_eq "$((n - r0))" "$(echo "$out" | jq '.last.failed')" "each refusal audited"
expect_match "$(db KOR "select actor from audit where event = 'stix-release-refused' order by seq desc limit 1")" \
	"^taxii:selfjk$" "with the source (taxii:NAME) as the actor"
# from JPN's node (node = JPN/node-1): what it serves stays JPN's
Z=indicator--6c3a1b2e-0d4f-4a5b-8c6d-00000000000f
ind $Z 2026-11-20T09:00:00.000Z $GREEN z-green | envelope >"$T/z.json"
expect_eq "$(post JPN admin jvault "$T/z.json")" 202 "JPN keeps a GREEN indicator Z in jvault (no members)"
out=$(hl KOR taxii pull jpnwide --json)
expect_eq "$(echo "$out" | jq -r '.last.error'):$(echo "$out" | jq '.last.added')" ":0" \
	"KOR pulls JPN's jvault into wide: nothing added"
expect_eq "$(db KOR "select count(*) from audit where event = 'stix-release-refused' and detail like '%id=$Z%origin=JPN%'")" 1 \
	"Z refused as JPN's (audited)"
out=$(hl KOR taxii pull jpnkeep --json)
expect_eq "$(held KOR kvault $Z)" 1 "pulled into kvault (no members) it is kept"
expect_eq "$(db KOR "select origin_partner from stix_objects where collection = 'kvault' and id = '$Z'")" JPN \
	"with JPN as its origin"
envelope <(jq '.objects[0]' "$T/z.json") >"$T/z1.json"
expect_eq "$(post KOR analyst wide "$T/z1.json")" 202 "KOR's analyst posts Z to wide"
expect_match "$(failure $Z)" "came from JPN" "refused: JPN controls it"
# an external source is KOR's own: what it pulls may go to wide
W=indicator--6c3a1b2e-0d4f-4a5b-8c6d-0000000000e1
ind $W 2026-11-20T09:00:00.000Z $AMBER w-own | envelope >"$T/w.json"
expect_eq "$(post KOR admin kvault2 "$T/w.json")" 202 "KOR keeps its own W in kvault2"
out=$(hl KOR taxii pull selfown --json)
expect_eq "$(echo "$out" | jq '.last.added')" 1 "pulled into wide, it is accepted (local origin)"
wait_held USA wide $W 30
ok "and shared with USA"

# ---- the originator widens: then KOR may too ----
envelope "$T/x.json" >"$T/xj.json"
expect_eq "$(post JPN admin intel "$T/xj.json")" 202 "JPN shares X in intel (KOR, NATO, USA)"
expect_eq "$(succeeded $X)" 1 "the originator may widen its own object's release"
for p in KOR NATO USA; do wait_held "$p" intel $X 30; done
expect_eq "$(db NATO "select origin_partner from stix_objects where collection = 'intel' and id = '$X'")" JPN \
	"NATO has X from JPN"
expect_eq "$(post KOR analyst wide "$T/x1.json")" 202 "KOR posts X to wide again"
expect_eq "$(succeeded $X)" 1 "now allowed: JPN released it to NATO and USA"

# ---- 3. a partner's node that launders anyway: the recipient refuses ----
U=indicator--6c3a1b2e-0d4f-4a5b-8c6d-0000000000a1
ind $U 2026-11-20T09:00:00.000Z $AMBER u-amber | envelope >"$T/u.json"
expect_eq "$(post JPN admin ju "$T/u.json")" 202 "JPN gives USA an AMBER indicator U (collection ju)"
wait_held USA ju $U 30
jq '{type: "bundle", id: "bundle--0f1e2d3c-4b5a-4978-8695-a4b3c2d1e0f2", x_hotline_collection: "wide", objects: .objects}' \
	"$T/u.json" >"$T/u-bundle.json"
r0=$(audits USA stix-release-refused "id=$U")
eid=$(hl KOR send --to USA --type stix --file "$T/u-bundle.json" --precedence routine \
	--classification UNCLASSIFIED --releasable-to KOR,NATO,USA --tlp amber) || fail "raw send"
wait_state KOR "$eid" USA delivered
for i in $(seq 1 50); do
	[ "$(audits USA stix-release-refused "id=$U")" -gt "$r0" ] && break
	sleep 0.2
done
expect_eq "$(audits USA stix-release-refused "id=$U%origin=JPN (JPN/node-1)%widens=NATO")" 1 \
	"KOR's raw STIX envelope re-releasing JPN's U to NATO: USA's ingest refuses U, audited"
expect_eq "$(db USA "select actor from audit where event = 'stix-release-refused' order by seq desc limit 1")" KOR/node-1 \
	"naming the sender"
expect_eq "$(held USA wide $U)" 0 "U is not stored under KOR's wider label"

# ---- 4. relay: JPN and KOR unlinked, NATO in between ----
node_stop JPN
node_stop KOR
sed -i "/^\[peer KOR\/node-1\]/,/^\[/ s/^address = .*/address = none/" "$(conf JPN)"
sed -i "/^\[peer JPN\/node-1\]/,/^\[/ s/^address = .*/address = none/" "$(conf KOR)"
node_start JPN
node_start KOR
for p in JPN KOR; do for q in NATO USA; do wait_link "$p" "$q"; wait_link "$q" "$p"; done; done
link_is_up JPN KOR && fail "JPN and KOR must not be linked"
ok "JPN and KOR unlinked; both linked to NATO"
relays0=$(db NATO "select count(*) from audit where event = 'relay-accepted'")
V=indicator--6c3a1b2e-0d4f-4a5b-8c6d-0000000000b1
ind $V 2026-11-20T09:00:00.000Z $AMBER v-relay | envelope >"$T/v.json"
expect_eq "$(post JPN admin jkn "$T/v.json")" 202 "JPN shares V in jkn (members: KOR, NATO)"
wait_held NATO jkn $V 30
wait_held KOR jkn $V 60
relays=$(db NATO "select count(*) from audit where event = 'relay-accepted'")
[ "$relays" -gt "$relays0" ] || fail "NATO relayed nothing ($relays0 -> $relays)"
ok "KOR got it through NATO (relay-accepted on NATO: $relays0 -> $relays)"
expect_eq "$(tx KOR analyst "$R/collections/jkn/objects/$V/")" 200 "KOR's analyst fetches V"
jq '.objects[0]' "$T/body" | envelope >"$T/v1.json"
expect_eq "$(post KOR analyst wide "$T/v1.json")" 202 "and posts it to wide"
expect_match "$(failure $V)" "came from JPN \(JPN/node-1\) releasable to JPN, KOR, NATO at TLP:AMBER; collection wide would also release it to USA" \
	"refused: USA is not in JPN's release"
expect_eq "$(post KOR analyst kn "$T/v1.json")" 202 "KOR posts it to kn (members: NATO)"
expect_eq "$(succeeded $V)" 1 "allowed: NATO is in JPN's release"
expect_eq "$(tx NATO admin "$R/collections/jkn/objects/$V/")" 200 "NATO (relay and recipient) fetches V"
jq '.objects[0]' "$T/body" | envelope >"$T/v2.json"
expect_eq "$(post NATO admin nu "$T/v2.json")" 202 "and posts it to nu (members: USA)"
expect_match "$(failure $V)" "came from JPN \(JPN/node-1\) releasable to JPN, KOR, NATO" "refused on NATO too"
expect_eq "$(held_anywhere USA $V)" 0 "USA never gets V"

for p in JPN KOR NATO USA; do hl "$p" audit verify >/dev/null || fail "audit $p"; done
ok "audit logs verify"
echo "# $SCENARIO: $CHECKS checks passed"
