#!/usr/bin/env bash
# 56-narratives: the same disinformation narrative reported by two partners
# is linked (issue 18, docs/DETECTION.md, "Narratives").
#  - JPN, KOR and USA share collection narr. KOR pushes the bundle of
#    DISARM page I00005 (TLP:GREEN, UNCLASSIFIED collection), USA the same
#    incident as its analyst re-wrote it (tests/fixtures/narratives,
#    TLP:AMBER, a RESTRICTED collection), JPN an unrelated one (I00096);
#  - JPN, which received all three, lists exactly one linked pair, "KOR and
#    USA", above the threshold, the newer (USA's) the source; the unrelated
#    one is not linked; the link carries the stricter label (RESTRICTED,
#    TLP:AMBER), was made by JPN, is audited, and is not sent to partners;
#  - KOR and USA, each holding the other's, link it too (two partners);
#  - rule 4: an UNCLASSIFIED operator on JPN sees no pair (one end and the
#    link are RESTRICTED); a restart rebuilds the index without a second
#    link;
#  - with HOTLINE_SHARED_DATA/disarm-incidents: all 129 pages pushed by JPN
#    give no link between two of JPN's own (only cross-partner links);
#    SKIPPED without them.
# Whole bundles: a DISARM bundle's report repeats its incident's text; the
# node does not compare such a report (its incident stands for it), so the
# narrative is one pair, not four (incident and report each way).
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is required"
ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures"
SD=${HOTLINE_SHARED_DATA:-$ROOT/../shared/data}
GREEN=marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb
AMBER=marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421

fed_init JPN,KOR,USA
for p in JPN KOR USA; do
	ceiling=UNCLASSIFIED
	[ "$p" = USA ] && ceiling=RESTRICTED
	conf_low_operator $p
	cat >>"$(conf $p)" <<EOF

[collection narr]
title = narratives
members = JPN,KOR,USA
ceiling = $ceiling
read = admin,low
write = admin
EOF
done
for p in JPN KOR USA; do node_start $p; done
for a in JPN KOR USA; do
	for b in JPN KOR USA; do
		[ "$a" = "$b" ] || wait_link "$a" "$b"
	done
done

# bundle P PAGE MARKING OUT: PAGE as partner P's bundle (incident, report
# and any techniques), each object marked MARKING
bundle() {
	"$HL" stix disarm "$2" --identity "identity--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1$3" \
		--created 2026-03-01T10:00:00Z >"$T/full.json" || fail "$2 does not convert"
	jq --arg m "$4" '.objects |= map(.object_marking_refs = [$m])' "$T/full.json" >"$5"
}
bundle KOR "$FIX/disarm/incidents/I00005.md" a01 "$GREEN" "$T/kor.json"
bundle USA "$FIX/narratives/I00005-reworded.md" a02 "$AMBER" "$T/usa.json"
bundle JPN "$FIX/disarm/incidents/I00096.md" a03 "$GREEN" "$T/jpn.json"
KOR_ID=$(jq -r '.objects[0].id' "$T/kor.json")
USA_ID=$(jq -r '.objects[0].id' "$T/usa.json")
JPN_ID=$(jq -r '.objects[0].id' "$T/jpn.json")
[ "$KOR_ID" != "$USA_ID" ] || fail "the two versions have one id"

has() { # P ID: P holds object ID
	hl "$1" stix search "$2" --json | jq -e '.matches | length > 0' >/dev/null
}
push() { # P FILE
	hl "$1" stix push "$2" --collection narr --json |
		jq -e --argjson n "$(jq '.objects | length' "$2")" '.accepted == $n' >/dev/null ||
		fail "$1: push of $(basename "$2") not accepted"
}
push KOR "$T/kor.json"
for p in JPN USA; do wait_until 30 has $p "$KOR_ID" || fail "KOR's incident did not reach $p"; done
push USA "$T/usa.json"
push JPN "$T/jpn.json"
for p in JPN KOR; do wait_until 30 has $p "$USA_ID" || fail "USA's incident did not reach $p"; done
for p in KOR USA; do wait_until 30 has $p "$JPN_ID" || fail "JPN's incident did not reach $p"; done
ok "KOR, USA and JPN pushed their bundles; each node holds the three incidents"

pairs() { hl "$1" stix narratives --json | jq -rc "${2:-.pairs}"; }
db() { sqlite3 "$FED/$1/data/hotline.db" "$2"; }
npairs() { [ "$(pairs "$1" '.pairs | length')" = "$2" ]; }
wait_until 20 npairs JPN 1 || fail "JPN: $(pairs JPN '.pairs | length') pairs, not 1"
expect_eq "$(pairs JPN '[.pairs[0] | .target.origin_partner, .source.origin_partner] | join(" and ")')" \
	"KOR and USA" "JPN lists exactly one pair: KOR and USA"
expect_eq "$(pairs JPN '[.pairs[0] | .target.id, .source.id] | join(" ")')" "$KOR_ID $USA_ID" \
	"... KOR's incident the earlier (target), USA's the newer (source)"
sim=$(pairs JPN '.pairs[0].similarity')
thr=$(pairs JPN '.threshold')
jq -en --argjson s "$sim" --argjson t "$thr" '$s >= $t and $t == 0.25' >/dev/null ||
	fail "similarity $sim, threshold $thr"
ok "similarity $sim is above the threshold $thr"
expect_match "$(pairs JPN '.pairs[0].description')" \
	'same narrative: similarity 0\.[0-9][0-9] \(MinHash, 128 hashes\)' "the link says why"
case "$(pairs JPN '[.pairs[] | .source.id, .target.id]')" in
*"$JPN_ID"*) fail "the unrelated incident is linked" ;;
*) ok "JPN's unrelated incident is not linked" ;;
esac
expect_eq "$(pairs JPN '.pairs[0].label')" 'RESTRICTED//REL TO JPN, KOR, USA//TLP:AMBER' \
	"the link has the stricter label (USA's RESTRICTED, TLP:AMBER)"
expect_eq "$(pairs JPN '[.pairs[0] | .target.label, .source.label] | join(" | ")')" \
	'UNCLASSIFIED//REL TO JPN, KOR, USA//TLP:GREEN | RESTRICTED//REL TO JPN, KOR, USA//TLP:AMBER' \
	"... of KOR's UNCLASSIFIED TLP:GREEN and USA's RESTRICTED TLP:AMBER"
REL=$(pairs JPN '.pairs[0].id')
out=$(hl JPN stix narratives)
expect_match "$out" "same narrative reported by KOR and USA: similarity 0\.[0-9][0-9]" \
	"hotline stix narratives says so"

# the link as stored: JPN's, related-to, in the newer object's collection
R=/taxii2/hotline
pw() { head -n1 "$FED/$1/admin.password"; }
api() { sed -n 's/^api *= *//p' "$(conf "$1")"; }
COLL=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	-H 'Accept: application/taxii+json;version=2.1' "https://$(api JPN)$R/collections/" |
	jq -r '.collections[] | select(.title == "narratives") | .id')
obj=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	-H 'Accept: application/taxii+json;version=2.1' "https://$(api JPN)$R/collections/$COLL/objects/$REL/")
expect_eq "$(echo "$obj" | jq -r '.objects[0] | [.relationship_type, .source_ref, .target_ref] | join(" ")')" \
	"related-to $USA_ID $KOR_ID" "stored on JPN: $REL related-to, USA's -> KOR's"
JPN_IDENT=$(echo "$obj" | jq -r '.objects[0].created_by_ref')
expect_match "$JPN_IDENT" '^identity--' "... created by JPN's identity"
expect_eq "$(echo "$obj" | jq -r '.objects[0].object_marking_refs[0]')" "$AMBER" "... marked TLP:AMBER"

# KOR and USA hold each other's: each links them (two partners), with its
# own link id the same (one id per pair)
for p in KOR USA; do
	wait_until 20 npairs $p 1 || fail "$p: $(pairs $p '.pairs | length') pairs, not 1"
	expect_eq "$(pairs $p '[.pairs[0] | .target.origin_partner, .source.origin_partner] | join(" and ")')" \
		'KOR and USA' "$p links KOR's and USA's too (each has the other's)"
	expect_eq "$(pairs $p '.pairs[0].id')" "$REL" "... under the same id"
done
# each node made and audited its own link; none was sent to a partner
for p in JPN KOR USA; do
	expect_eq "$(db $p "select count(*) from audit where event = 'stix-narrative' and detail like '%relationship=$REL %'")" \
		1 "$p audited its link (stix-narrative)"
done
sleep 2
for p in JPN KOR USA; do
	expect_eq "$(db $p "select count(*) from stix_objects where type = 'relationship' and source = 0 and added_by = '$p/node-1'")" \
		1 "$p holds one link of its own"
	rels=$(curl -s --cacert "$FED/$p/ca.crt" -u "admin:$(pw $p)" -H 'Accept: application/taxii+json;version=2.1' \
		"https://$(api $p)$R/collections/$COLL/objects/?match%5Btype%5D=relationship&limit=100")
	expect_eq "$(echo "$rels" | jq -r '[.objects[] | select(.relationship_type == "related-to")] | length')/$(echo "$rels" | jq -r '[.objects[] | select(.relationship_type == "related-to") | .created_by_ref] | unique | length')" \
		1/1 "$p serves one related-to, its own: links are not shared"
	[ "$p" = JPN ] || [ "$(echo "$rels" | jq -r '.objects[] | select(.relationship_type == "related-to") | .created_by_ref')" != "$JPN_IDENT" ] ||
		fail "$p holds JPN's link"
	expect_eq "$(curl -s --cacert "$FED/$p/ca.crt" -u "admin:$(pw $p)" -H 'Accept: application/taxii+json;version=2.1' \
		"https://$(api $p)$R/collections/$COLL/objects/$REL/versions/" | jq '.versions | length')" 1 \
		"... one version of the link id on $p (no partner's copy beside it)"
done

# rule 4: the RESTRICTED end and link are beyond low's clearance
lowpairs=$(curl -s --cacert "$FED/JPN/ca.crt" -u "low:$(pw JPN)" "https://$(api JPN)/api/v1/stix/narratives" |
	jq '.pairs | length')
expect_eq "$lowpairs" 0 "rule 4: an UNCLASSIFIED operator on JPN sees no pair"
code=$(curl -s -o /dev/null -w '%{http_code}' --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	"https://$(api JPN)/api/v1/stix/narratives?limit=1")
expect_eq "$code" 400 "a query string is 400"

# a restart rebuilds the index from the store: no second link
node_stop JPN
node_start JPN
expect_eq "$(pairs JPN '.pairs | length')" 1 "after a restart JPN still lists one pair"
expect_eq "$(db JPN "select count(*) from audit where event = 'stix-narrative'")" 1 \
	"... and made no new link"

# ---- all DISARM pages at one node ----
if [ ! -d "$SD/disarm-incidents/incidents" ]; then
	skip "all DISARM pages through the linker ($SD/disarm-incidents absent)"
	exit 0
fi
n=0
jq -n '{type: "bundle", id: "bundle--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1b00", objects: []}' >"$T/all.json"
for f in "$SD"/disarm-incidents/incidents/I*.md; do
	"$HL" stix disarm "$f" --identity identity--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1a04 \
		--created 2026-03-02T10:00:00Z >"$T/page.json" || fail "$(basename "$f") does not convert"
	jq -s '.[0].objects += [.[1].objects[] | select(.type == "incident")] | .[0]' \
		"$T/all.json" "$T/page.json" >"$T/all.n" && mv "$T/all.n" "$T/all.json"
	n=$((n + 1))
done
expect_eq "$n" 129 "the 129 shared DISARM pages convert"
out=$(hl JPN stix push "$T/all.json" --collection narr --json)
expect_eq "$(echo "$out" | jq '.accepted')" 129 "JPN pushes their 129 incidents"
all=$(hl JPN stix narratives --json)
total=$(echo "$all" | jq '.pairs | length')
same=$(echo "$all" | jq '[.pairs[] | select(.source.origin_partner == .target.origin_partner)] | length')
expect_eq "$same" 0 "of $total pairs, none links two pages of one partner"
cross=$(echo "$all" | jq -r '[.pairs[] | select(.source.origin_partner == "JPN" and .source.name == "Brexit vote") | .target.origin_partner] | sort | join(",")')
expect_eq "$cross" "KOR,USA" "JPN's own I00005 is linked to KOR's and USA's (cross-partner only)"
