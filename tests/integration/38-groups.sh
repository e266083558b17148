#!/usr/bin/env bash
# Releasability groups (issue 16, docs/CONFIG.md "[group NAME]",
# docs/PROTOCOL.md "Releasability groups"). JPN defines IP4 (JPN, KOR, AUS,
# NZL), FVEY (USA, GBR, CAN, AUS, NZL) and EU (FRA, DEU, no peer of ours);
# KOR defines none. A FLASH to IP4, releasable to IP4, reaches KOR, AUS and
# NZL and not USA; its label carries the four members, so KOR, without the
# group, decides on them and shows them one by one, while JPN shows
# "REL TO IP4"; FVEY plus JPN reaches USA, AUS and NZL and reads "REL TO
# FVEY, JPN" at JPN; a group with no peer among its members is refused by
# name; a label of 40 partners (above the old 32) travels between nodes
# of this release; a collection's members may name a group (JPN starts).
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA,AUS,NZL
cat >>"$(conf JPN)" <<'EOF'

[group IP4]
members = JPN, KOR, AUS, NZL

[group FVEY]
members = USA, GBR, CAN, AUS, NZL

[group EU]
members = FRA, DEU

[collection pacific]
members = IP4
read = admin
write = admin
EOF
"$HLD" -n -c "$(conf JPN)" >"$T/check.log" 2>&1 || { cat "$T/check.log"; fail "JPN's groups"; }
ok "hotlined -n accepts the [group] sections"
for p in JPN KOR USA AUS NZL; do node_start "$p"; done
for q in KOR USA AUS NZL; do wait_link JPN "$q"; done

id=$(hl JPN send --to IP4 --precedence flash --classification SECRET --releasable-to IP4 \
	--tlp amber "Launch detected, IP4 eyes") || fail "send to IP4"
for q in KOR AUS NZL; do wait_state JPN "$id" "$q" delivered; done
expect_eq "$(hl JPN delivery "$id" --json | jq -r '[.recipients[].node] | sort | join(",")')" \
	"AUS/node-1,KOR/node-1,NZL/node-1" "to IP4: KOR, AUS and NZL (JPN is the sender), not USA"
expect_eq "$(inbox_count USA)" 0 "USA has nothing"
expect_eq "$(hl KOR show "$id" --json | jq -r '.label.releasable_to | join(",")')" "AUS,JPN,KOR,NZL" \
	"the label carries the members, not the group's name"
expect_eq "$(hl KOR show "$id" --json | jq -r .label_text)" "SECRET//REL TO AUS, JPN, KOR, NZL//TLP:AMBER" \
	"KOR, without the group, shows the partners"
expect_eq "$(hl JPN show "$id" --json | jq -r .label_text)" "SECRET//REL TO IP4//TLP:AMBER" \
	"JPN shows the group's name"

id=$(hl JPN send --to FVEY --precedence flash --classification SECRET --releasable-to FVEY,JPN \
	--tlp amber "FVEY and JPN") || fail "send to FVEY"
for q in USA AUS NZL; do wait_state JPN "$id" "$q" delivered; done
expect_eq "$(hl JPN delivery "$id" --json | jq -r '[.recipients[].node] | sort | join(",")')" \
	"AUS/node-1,NZL/node-1,USA/node-1" "to FVEY: the members that are peers (USA, AUS, NZL)"
expect_eq "$(hl JPN show "$id" --json | jq -r .label_text)" "SECRET//REL TO FVEY, JPN//TLP:AMBER" \
	"JPN: REL TO FVEY, JPN"
expect_eq "$(hl USA show "$id" --json | jq -r '.label.releasable_to | length')" 6 \
	"USA gets all six partners (GBR and CAN too)"

if hl JPN send --to EU --precedence flash --classification SECRET --releasable-to EU,JPN \
	--tlp amber "nobody" 2>"$T/err"; then fail "a send to EU went"; fi
expect_match "$(cat "$T/err")" "EU: no member of the group is a configured peer" \
	"a group with no peer among its members is refused by name"

# 40 partners in releasable-to: more than the 32 of the previous release
rel="JPN,KOR"
for i in $(seq 10 47); do rel="$rel,Q$i"; done
id=$(hl JPN send --to KOR --precedence immediate --classification RESTRICTED --releasable-to "$rel" \
	--tlp green "forty partners") || fail "send with 40 partners"
wait_state JPN "$id" KOR delivered
expect_eq "$(hl KOR show "$id" --json | jq -r '.label.releasable_to | length')" 40 \
	"a label of 40 partners travels and is kept whole"

echo "# $CHECKS checks"
