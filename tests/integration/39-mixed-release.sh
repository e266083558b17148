#!/usr/bin/env bash
# A federation mid-upgrade (issue 16), three releases side by side: KOR runs
# the release before issue 16 (PREV_RELEASE, link protocol 1), GBR the
# previous release (PREV2_RELEASE, protocol 2: 64 partners, KEM sessions),
# JPN and USA this one (protocol 4: batch signatures since 3, revocation
# notices since 4). Both old releases are built from this repository's
# history into the build directory once.
# The link protocol is negotiated with TLS ALPN: JPN-USA speak 4, JPN-GBR 2,
# JPN-KOR 1 (the oldest release offers nothing and ignores the offer).
# - JPN's FLASH envelopes to all three, sealed with KEM sessions, are version 1
#   (one recipient is old), and open at the old KOR, at GBR and at USA; the
#   old nodes' envelopes open at JPN and USA.
# - JPN's envelopes to USA alone are version 2 (batch signatures): a batch of
#   40 sends is signed in fewer roots than envelopes, USA verifies fewer roots
#   than it receives, every one is delivered, and USA's receipts come back
#   batch-signed too.
# - A label of 40 partners, which the oldest release cannot decode, is refused
#   at JPN for KOR with the reason, and goes to USA; once KOR is upgraded on
#   the same data, what it stored under the old release reads back, its link
#   speaks 3 and the same send goes.
. "$(dirname "$0")/lib.sh"

ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PREV_RELEASE=${HOTLINE_PREV_RELEASE:-2016db5}    # the last release before issue 16
PREV2_RELEASE=${HOTLINE_PREV2_RELEASE:-4e4107a}  # the release before batch signatures
OLD=$(build_release "$PREV_RELEASE") || exit 1
OLD2=$(build_release "$PREV2_RELEASE") || exit 1
ok "the releases $PREV_RELEASE (protocol 1) and $PREV2_RELEASE (protocol 2) are built"
OHLD="$OLD/build/hotlined"
OHL="$OLD/build/hotline"
ohl() { local p=$1; shift; "$OHL" -c "$(conf "$p")" "$@"; }
O2HLD="$OLD2/build/hotlined"
O2HL="$OLD2/build/hotline"
o2hl() { local p=$1; shift; "$O2HL" -c "$(conf "$p")" "$@"; }
DB="$FED/JPN/data/hotline.db"
# the version byte (offset 4) of what JPN stored for envelope ID
env_version() { sqlite3 "$DB" "select hex(substr(raw, 5, 1)) from envelopes where id = x'$1'"; }

fed_init JPN,KOR,USA,GBR
DB="$FED/JPN/data/hotline.db"
# KOR and GBR as the old releases' pki init left them: keys in clear, no
# seal_key, the CLI by password (those releases know neither)
for p in KOR GBR; do
	for f in node.key tls.key console.key; do
		python3 "$ROOT/tests/tools/unseal.py" "$FED/seal/$p.key" "$FED/$p/$f" >"$T/$p-$f" ||
			fail "unseal $p/$f"
		cat "$T/$p-$f" >"$FED/$p/$f"
	done
	sed -i '/^seal_key = /d; /^certificate = admin.crt$/d; /^key = admin.key$/d; /^cert_warn = /d' \
		"$(conf "$p")"
done
node_start JPN
node_start USA
# KOR and GBR: the old daemons (node_start runs ours)
"$OHLD" -c "$(conf KOR)" >>"$T/KOR.log" 2>&1 &
NODE_PID[KOR]=$!
"$O2HLD" -c "$(conf GBR)" >>"$T/GBR.log" 2>&1 &
NODE_PID[GBR]=$!
wait_until 10 ohl KOR status || fail "the old KOR did not come up"
wait_until 10 o2hl GBR status || fail "the old GBR did not come up"
wait_link JPN KOR
wait_link JPN USA
wait_link JPN GBR
wait_link USA KOR
wait_link USA GBR
ok "links up between the three releases"
expect_eq "$(hl JPN status --json | jq -r '[.peers[] | "\(.node)=\(.protocol)"] | sort | join(" ")')" \
	"GBR/node-1=2 KOR/node-1=1 USA/node-1=5" \
	"JPN speaks protocol 1 with the oldest KOR, 2 with GBR, 5 with USA"

ids=()
for i in 1 2 3; do
	id=$(hl JPN send --to KOR,USA,GBR --precedence flash --classification SECRET \
		--releasable-to JPN,KOR,USA,GBR --tlp amber "new to old, number $i") || fail "send $i"
	ids+=("$id")
done
for id in "${ids[@]}"; do
	wait_state JPN "$id" KOR delivered
	wait_state JPN "$id" USA delivered
	wait_state JPN "$id" GBR delivered
done
ok "three FLASH envelopes from the new JPN delivered to the old KOR, GBR and USA"
expect_eq "$(env_version "${ids[0]}")" 01 "sealed as version 1: two recipients are older"
expect_eq "$(ohl KOR show "${ids[2]}" --json | jq -r .text)" "new to old, number 3" \
	"the old KOR opens them"
expect_eq "$(o2hl GBR show "${ids[2]}" --json | jq -r .text)" "new to old, number 3" \
	"the previous release's GBR opens them"

# batch signatures between the two new nodes
for i in $(seq 1 40); do
	jq -nc --arg t "batch $i" '{to:["USA"], precedence:"immediate", classification:"SECRET",
		releasable_to:["JPN","USA"], tlp:"amber", text:$t}'
done >"$T/batch.jsonl"
s0=$(hl JPN status --json | jq .batch_signatures)
u0=$(hl USA status --json | jq .batch_signatures)
hl JPN send --batch "$T/batch.jsonl" >"$T/batch.ids" || fail "send --batch"
expect_eq "$(wc -l <"$T/batch.ids")" 40 "40 envelopes to USA accepted"
while read -r id; do wait_state JPN "$id" USA delivered; done <"$T/batch.ids"
ok "all 40 delivered"
first=$(head -n1 "$T/batch.ids")
expect_eq "$(env_version "$first")" 03 "sealed as version 3 (hybrid batch signature): USA speaks 5"
expect_eq "$(hl USA show "$first" --json | jq -r .text)" "batch 1" "USA opens it"
s1=$(hl JPN status --json | jq .batch_signatures)
u1=$(hl USA status --json | jq .batch_signatures)
roots=$(jq -n --argjson a "$s0" --argjson b "$s1" '$b.roots_signed - $a.roots_signed')
leaves=$(jq -n --argjson a "$s0" --argjson b "$s1" '$b.leaves_signed - $a.leaves_signed')
echo "# JPN signed $leaves envelopes (and receipts) under $roots roots"
[ "$leaves" -ge 40 ] || fail "JPN batch-signed $leaves items, not the 40 envelopes"
[ "$roots" -lt "$leaves" ] || fail "JPN signed $roots roots for $leaves items: no batch formed"
ok "JPN signed the 40 under fewer roots ($roots)"
vroots=$(jq -n --argjson a "$u0" --argjson b "$u1" '$b.roots_verified - $a.roots_verified')
hits=$(jq -n --argjson a "$u0" --argjson b "$u1" '$b.root_cache_hits - $a.root_cache_hits')
echo "# USA verified $vroots roots, $hits envelopes from its cache"
[ "$hits" -gt 0 ] && [ "$vroots" -lt 40 ] || fail "USA checked $vroots roots for 40 envelopes"
ok "USA verified fewer roots than envelopes"
ur=$(jq -n --argjson a "$u0" --argjson b "$u1" '$b.leaves_signed - $a.leaves_signed')
[ "$ur" -ge 40 ] || fail "USA batch-signed $ur receipts, not 40"
ok "USA's delivered receipts are batch-signed (and JPN accepted them: all delivered)"
# the old GBR still sends to JPN and gets its (version 1) receipt
g=$(o2hl GBR send --to JPN --precedence flash --classification SECRET \
	--releasable-to JPN,GBR --tlp amber "from the previous release") || fail "GBR send"
wait_until 15 sh -c "[ \"\$($HL -c $(conf JPN) show $g --json 2>/dev/null | jq -r .text)\" = 'from the previous release' ]" ||
	fail "JPN did not open GBR's envelope"
wait_until 15 sh -c "[ \"\$($O2HL -c $(conf GBR) delivery $g --json 2>/dev/null | jq -r '.recipients[0].state')\" = delivered ]" ||
	fail "GBR has no delivered receipt from JPN"
ok "GBR's FLASH opens at JPN, and JPN's receipt verifies at GBR"
# the KEM session: the three envelopes carry the same ciphertexts to KOR
python3 - "$FED/JPN/data/hotline.db" "${ids[@]}" <<'EOF' || fail "the envelopes do not share KOR's KEM session"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
raws = []
for i in sys.argv[2:]:
    row = db.execute("select raw from envelopes where id = ?", (bytes.fromhex(i),)).fetchone()
    raws.append(bytes(row[0]))
# the wrap of KOR: find its node name, the ciphertexts follow (u32 epoch, u16 length)
def kor_ct(raw):
    k = raw.index(b"KOR/node-1")
    start = k + len(b"KOR/node-1") + 4 + 2
    return raw[start:start + 32 + 1088]
cts = {kor_ct(r) for r in raws}
sys.exit(0 if len(cts) == 1 else 1)
EOF
ok "JPN reused its KEM session to KOR across the three (one encapsulation)"

id=$(ohl KOR send --to JPN,USA --precedence flash --classification SECRET \
	--releasable-to JPN,KOR,USA --tlp amber "old to new") || fail "old KOR send"
wait_until 15 sh -c "[ \"\$($HL -c $(conf JPN) show $id --json 2>/dev/null | jq -r .text)\" = 'old to new' ]" ||
	fail "JPN did not open the old KOR's envelope"
wait_until 15 sh -c "[ \"\$($HL -c $(conf USA) show $id --json 2>/dev/null | jq -r .text)\" = 'old to new' ]" ||
	fail "USA did not open the old KOR's envelope"
ok "the old KOR's FLASH opens at JPN and USA"

rel="JPN,KOR"
for i in $(seq 10 47); do rel="$rel,Q$i"; done
if hl JPN send --to KOR --precedence immediate --classification RESTRICTED --releasable-to "$rel" \
	--tlp green "forty partners" 2>"$T/err"; then fail "a 40-partner label went to the old KOR"; fi
expect_match "$(cat "$T/err")" "KOR/node-1: its last link spoke protocol 1 \(the previous release\)" \
	"a label of 40 partners for the old KOR is refused at JPN, with the reason"
big=$(hl JPN send --to USA --precedence immediate --classification RESTRICTED --releasable-to "$rel,USA" \
	--tlp green "forty-one partners") || fail "send with 41 partners to USA"
wait_state JPN "$big" USA delivered
ok "a label of 41 partners goes to USA (protocol 5)"

# KOR upgraded on the same data: what it stored under the old release reads back
kill -TERM "${NODE_PID[KOR]}"
wait "${NODE_PID[KOR]}" 2>/dev/null
unset "NODE_PID[KOR]"
node_start KOR
expect_eq "$(hl KOR show "${ids[0]}" --json | jq -r .text)" "new to old, number 1" \
	"the upgraded KOR reads what the old one stored"
wait_link JPN KOR
expect_eq "$(hl JPN status --json | jq -r '.peers[] | select(.node == "KOR/node-1") | .protocol')" 5 \
	"the upgraded KOR's link speaks protocol 5"
big=$(hl JPN send --to KOR --precedence immediate --classification RESTRICTED --releasable-to "$rel" \
	--tlp green "forty partners") || fail "send with 40 partners after the upgrade"
wait_state JPN "$big" KOR delivered
expect_eq "$(hl KOR show "$big" --json | jq -r '.label.releasable_to | length')" 40 \
	"and a label of 40 partners goes to it"
echo "# $CHECKS checks"
