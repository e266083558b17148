#!/usr/bin/env bash
# Four partners on loopback: a FLASH alert to two partners is stored,
# decrypted, receipted as delivered, acknowledged by an operator and the
# acknowledgement travels back as a signed receipt; a send the label forbids
# is refused by the CLI naming the recipient, and audited.
. "$(dirname "$0")/lib.sh"

fed_init JPN,NATO,USA,KOR
for p in JPN NATO USA KOR; do node_start "$p"; done
for q in NATO USA KOR; do wait_link JPN "$q"; done
wait_link KOR USA
ok "all links up"

id=$(hl JPN send --to KOR,USA --precedence flash --classification SECRET \
	--releasable-to JPN,KOR,USA --tlp amber "Missile launch detected, bearing 090") ||
	fail "send"
expect_match "$id" '^[0-9a-f]{32}$' "send prints a 128-bit id"

wait_state JPN "$id" KOR delivered
wait_state JPN "$id" USA delivered
ok "both recipients sent signed delivered receipts"

show=$(hl KOR show "$id" --json)
expect_eq "$(echo "$show" | jq -r .text)" "Missile launch detected, bearing 090" "KOR decrypts the content"
expect_eq "$(echo "$show" | jq -r .precedence)" "FLASH" "precedence travels"
expect_eq "$(echo "$show" | jq -r .origin)" "JPN/node-1" "origin recorded"
expect_eq "$(echo "$show" | jq -r .signature)" "verified" "signature verified"
expect_eq "$(echo "$show" | jq -r '.label.classification')" "SECRET" "label classification travels"
expect_eq "$(echo "$show" | jq -r '.label.releasable_to | join(",")')" "JPN,KOR,USA" "releasable-to travels"
expect_eq "$(inbox_count NATO)" "0" "NATO (not a recipient) has nothing"
expect_eq "$(inbox_count KOR)" "1" "KOR inbox has exactly one item"

hl KOR ack "$id" >/dev/null || fail "ack"
wait_state JPN "$id" KOR acknowledged
ok "acknowledgement travels back to the origin"
by=$(hl JPN delivery "$id" --json | jq -r '.recipients[] | select(.node=="KOR/node-1") | .acknowledged_by')
expect_eq "$by" "admin" "origin sees who acknowledged"
expect_eq "$(delivery_state JPN "$id" USA)" "delivered" "USA delivered, not acknowledged"
if hl KOR ack "$id" 2>"$T/err"; then fail "second ack accepted"; fi
ok "second acknowledgement refused: $(cat "$T/err")"

# rule 1: NATO is not in releasable-to
if hl JPN send --to NATO,KOR --precedence routine --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green "not for NATO" 2>"$T/err" >"$T/out"; then
	fail "send to a non-releasable partner was accepted"
fi
expect_eq "$(wc -l <"$T/err")" "1" "refusal is one line on stderr"
expect_match "$(cat "$T/err")" "NATO" "refusal names the offending recipient"
# classification above what the link is accredited for: USA link is SECRET; TLP:RED needs named recipients
if hl JPN send --to all --precedence routine --classification RESTRICTED \
	--releasable-to JPN,KOR,USA,NATO --tlp red "red to all" 2>"$T/err" >/dev/null; then
	fail "TLP:RED to recipients not named explicitly was accepted"
fi
expect_match "$(cat "$T/err")" "RED" "TLP:RED refusal says why"

# a routine text to all releasable partners
id2=$(hl JPN send --to all --precedence routine --classification UNCLASSIFIED \
	--releasable-to JPN,KOR,USA,NATO --tlp clear "Routine: link test") || fail "send to all"
for q in NATO USA KOR; do wait_state JPN "$id2" "$q" delivered; done
ok "routine text to all three partners delivered"

# exercise traffic: marked in the signed header, shown everywhere, filterable
ex=$(hl JPN send --exercise --to KOR --precedence immediate --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green "EXERCISE EXERCISE EXERCISE: simulated intrusion") ||
	fail "exercise send"
wait_state JPN "$ex" KOR delivered
expect_eq "$(hl KOR show "$ex" --json | jq -r .exercise)" "true" "exercise flag travels in the signed header"
expect_match "$(hl KOR show "$ex")" "EXERCISE" "show marks it EXERCISE"
expect_match "$(hl KOR inbox | grep "$ex")" "\[EXERCISE\]" "inbox marks it EXERCISE"
expect_eq "$(hl KOR inbox --json --exercise only | jq -r '[.items[].id] | join(",")')" "$ex" \
	"inbox --exercise only shows exercise traffic only"
expect_eq "$(hl KOR inbox --json --exercise only | jq -r '.items[0].size')" \
	"$(printf '%s' "EXERCISE EXERCISE EXERCISE: simulated intrusion" | wc -c)" \
	"the inbox lists the content's size (without loading the content)"
expect_eq "$(hl JPN sent --json | jq -r --arg e "$ex" '.items[] | select(.id == $e) | .size')" \
	"$(printf '%s' "EXERCISE EXERCISE EXERCISE: simulated intrusion" | wc -c)" \
	"and so does the sent list"
expect_eq "$(hl KOR inbox --json --exercise exclude | jq --arg e "$ex" '[.items[] | select(.id == $e)] | length')" "0" \
	"inbox --exercise exclude hides it"
expect_eq "$(hl KOR inbox --json --exercise exclude | jq '[.items[] | select(.exercise)] | length')" "0" \
	"no exercise item mixes into the real-world view"

for p in JPN NATO USA KOR; do
	hl "$p" audit verify >/dev/null || fail "audit verify $p"
done
ok "every node's audit log verifies"
n=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event='send-refused'")
expect_eq "$n" "2" "both refused sends are in the audit log"
echo "# $SCENARIO: $CHECKS checks passed"
