#!/usr/bin/env bash
# A nation-by-nation upgrade to hybrid signatures (issue 19): KOR still runs
# the release before them (PREV_RELEASE: link protocol 4, Ed25519 only),
# JPN and USA this one. Each link uses what both ends speak:
# - JPN-USA speak 5: envelopes, receipts, descriptors, checkpoints and
#   acknowledgements are hybrid (Ed25519 + ML-DSA-65);
# - JPN-KOR and USA-KOR speak 4: KOR gets version 1 descriptors and
#   checkpoints, version 2 envelopes, and its Ed25519-only envelopes,
#   receipts and acknowledgements are taken (it announced no ML-DSA key);
# - one envelope from JPN to KOR and USA is signed the old way (KOR must
#   read it), and USA takes it because KOR, a recipient, is an old node;
# - once KOR runs this release on the same data, its link speaks 5 and its
#   partners hold its ML-DSA key: its identity under the old release again
#   (Ed25519-only descriptor) is then a downgrade they refuse.
. "$(dirname "$0")/lib.sh"

PREV_RELEASE=${HOTLINE_PREV3_RELEASE:-6a4c328}   # the last release before hybrid signatures
OLD=$(build_release "$PREV_RELEASE") || exit 1
ok "the release $PREV_RELEASE (protocol 4) is built"
OHLD="$OLD/build/hotlined"
OHL="$OLD/build/hotline"
ohl() { local p=$1; shift; "$OHL" -c "$(conf "$p")" "$@"; }
ver() { sqlite3 "$FED/$1/data/hotline.db" "select hex(substr(raw, 5, 1)) from envelopes where id = x'$2'"; }

fed_init JPN,KOR,USA
for p in JPN KOR USA; do
	sed -i '/^\[node\]/a audit_checkpoint = 1s' "$(conf "$p")"
done
node_start JPN
node_start USA
"$OHLD" -c "$(conf KOR)" >>"$T/KOR.log" 2>&1 &
NODE_PID[KOR]=$!
wait_until 10 ohl KOR status || fail "the old KOR did not come up"
wait_link JPN KOR
wait_link JPN USA
wait_link USA KOR
expect_eq "$(hl JPN status --json | jq -r '[.peers[] | "\(.node)=\(.protocol)"] | sort | join(" ")')" \
	"KOR/node-1=4 USA/node-1=5" "JPN speaks protocol 4 with the old KOR, 5 with USA"

a=$(hl JPN send --to USA --precedence flash --classification RESTRICTED \
	--releasable-to JPN,USA --tlp green "new to new") || fail "send to USA"
b=$(hl JPN send --to KOR --precedence flash --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green "new to old") || fail "send to KOR"
c=$(hl JPN send --to KOR,USA --precedence flash --classification RESTRICTED \
	--releasable-to JPN,KOR,USA --tlp green "new to both") || fail "send to both"
wait_state JPN "$a" USA delivered
wait_state JPN "$b" KOR delivered
wait_state JPN "$c" KOR delivered
wait_state JPN "$c" USA delivered
ok "JPN's envelopes to USA, to KOR and to both are delivered"
expect_eq "$(ver JPN "$a") $(ver JPN "$b") $(ver JPN "$c")" "03 02 02" \
	"to USA alone: version 3 (hybrid); with KOR among the recipients: version 2"
expect_eq "$(hl USA show "$a" --json | jq -r '"\(.signature) \(.signature_suite)"')" \
	"verified ed25519-mldsa65" "USA verifies the hybrid one"
expect_eq "$(hl USA show "$c" --json | jq -r '"\(.signature) \(.signature_suite) \(.text)"')" \
	"verified ed25519 new to both" "USA takes the Ed25519-only one addressed to the old KOR too"
expect_eq "$(ohl KOR show "$c" --json | jq -r .text)" "new to both" "the old KOR opens it"
expect_eq "$(hl JPN delivery "$c" --json | jq -r '[.recipients[] | "\(.node)=\(.receipt_signature_suite)"] | join(" ")')" \
	"KOR/node-1=ed25519 USA/node-1=ed25519-mldsa65" \
	"receipts: Ed25519 from the old KOR, hybrid from USA"

k=$(ohl KOR send --to JPN,USA --precedence flash --classification RESTRICTED \
	--releasable-to JPN,KOR,USA --tlp green "old to new") || fail "old KOR send"
wait_until 15 sh -c "[ \"\$($HL -c $(conf JPN) show $k --json 2>/dev/null | jq -r .text)\" = 'old to new' ]" ||
	fail "JPN did not open the old KOR's envelope"
wait_until 15 sh -c "[ \"\$($HL -c $(conf USA) show $k --json 2>/dev/null | jq -r .text)\" = 'old to new' ]" ||
	fail "USA did not open the old KOR's envelope"
wait_until 15 sh -c "[ \"\$($OHL -c $(conf KOR) delivery $k --json 2>/dev/null | jq -r '[.recipients[].state] | unique | join(\",\")')\" = delivered ]" ||
	fail "the old KOR has no delivered receipts from JPN and USA"
ok "the old KOR's FLASH opens at JPN and USA, and their receipts verify at KOR"

# witnessing across the releases: KOR gets version 1 checkpoints from JPN
ours() { hl JPN status --json | jq -r --arg q "$1/node-1" '.peers[] | select(.node == $q) | .our_witness_state'; }
wit_ok() { [ "$(ours "$1")" = ok ]; }
wait_until 15 wit_ok KOR || fail "the old KOR did not acknowledge JPN's checkpoint ($(ours KOR))"
wait_until 15 wit_ok USA || fail "USA did not acknowledge JPN's checkpoint ($(ours USA))"
ok "the old KOR and USA both acknowledge JPN's checkpoints"
expect_eq "$(sqlite3 "$FED/KOR/data/hotline.db" "select distinct hex(substr(raw, 5, 1)) from witness_checkpoints where node = 'JPN/node-1'")" \
	"01" "KOR holds version 1 checkpoints of JPN (the same heads, signed Ed25519 for it)"
expect_eq "$(sqlite3 "$FED/USA/data/hotline.db" "select distinct hex(substr(raw, 5, 1)) from witness_checkpoints where node = 'JPN/node-1'")" \
	"02" "USA holds version 2 (hybrid) ones"
kw() { hl JPN status --json | jq -r '.peers[] | select(.node == "KOR/node-1") | .witness.state'; }
wait_until 15 sh -c "[ \"\$($HL -c $(conf JPN) status --json | jq -r '.peers[] | select(.node == \"KOR/node-1\") | .witness.state')\" = ok ]" ||
	fail "JPN did not witness the old KOR's checkpoint ($(kw))"
ok "JPN witnesses the old KOR's Ed25519 checkpoints"

# KOR upgraded on the same data
kill -TERM "${NODE_PID[KOR]}"
wait "${NODE_PID[KOR]}" 2>/dev/null
unset "NODE_PID[KOR]"
node_start KOR
wait_link JPN KOR
expect_eq "$(hl JPN status --json | jq -r '.peers[] | select(.node == "KOR/node-1") | .protocol')" 5 \
	"the upgraded KOR's link speaks protocol 5"
expect_eq "$(hl KOR show "$c" --json | jq -r .text)" "new to both" "it reads what the old release stored"
d=$(hl JPN send --to KOR,USA --precedence flash --classification RESTRICTED \
	--releasable-to JPN,KOR,USA --tlp green "all upgraded") || fail "send after the upgrade"
wait_state JPN "$d" KOR delivered
wait_state JPN "$d" USA delivered
expect_eq "$(ver JPN "$d")" "03" "every recipient upgraded: version 3"
k2=$(hl KOR send --to USA --precedence immediate --classification RESTRICTED \
	--releasable-to KOR,USA --tlp green "KOR hybrid now") || fail "KOR send"
wait_state KOR "$k2" USA delivered
expect_eq "$(hl USA show "$k2" --json | jq -r .signature_suite)" "ed25519-mldsa65" \
	"the upgraded KOR signs hybrid, and USA verifies it"
# KOR's identity under the old release again (its certificate and node key,
# a fresh data directory: the old release refuses the upgraded audit log,
# whose checkpoints are version 2): an Ed25519-only descriptor, refused
kill -TERM "${NODE_PID[KOR]}"
wait "${NODE_PID[KOR]}" 2>/dev/null
unset "NODE_PID[KOR]"
mv "$FED/KOR/data" "$T/kor-data-upgraded"
"$OHLD" -c "$(conf KOR)" >>"$T/KOR.log" 2>&1 &
NODE_PID[KOR]=$!
down() { sqlite3 "$FED/$1/data/hotline.db" "select count(*) from audit where event = 'descriptor-refused' and actor = 'KOR/node-1' and detail like '%downgrade%'" | grep -qv '^0$'; }
wait_until 15 down JPN || fail "JPN did not refuse KOR's Ed25519-only descriptor after its hybrid one"
wait_until 15 down USA || fail "USA did not refuse KOR's Ed25519-only descriptor after its hybrid one"
ok "KOR back on the old release: JPN and USA refuse its Ed25519-only descriptor (a downgrade)"
echo "# $CHECKS checks"
