#!/usr/bin/env bash
# Mesh and relay. Chain JPN - KOR - USA with no JPN-USA link: JPN's envelope
# to USA travels through KOR (store-and-forward), still end-to-end encrypted
# (KOR cannot read it), and the receipts travel back the same way. Rule 2:
# when the label does not allow KOR, nothing is relayed. Hub and spoke: NATO
# links JPN and KOR, which have no link of their own. A relay killed in the
# middle of a large transfer loses nothing and duplicates nothing.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA,NATO
# unlink P Q: no direct link between P and Q (each knows the other, address none)
unlink() {
	sed -i "/^\[peer $2\/node-1\]/,/^\[/ s/^address = .*/address = none/" "$(conf "$1")"
	sed -i "/^\[peer $1\/node-1\]/,/^\[/ s/^address = .*/address = none/" "$(conf "$2")"
}
# chain JPN - KOR - USA; NATO is the hub of JPN and KOR only
unlink JPN USA
unlink NATO USA
unlink JPN KOR
for p in JPN KOR USA NATO; do "$HLD" -n -c "$(conf "$p")" >/dev/null || fail "config $p"; done
# the chain part needs JPN-KOR: put that link back (fed_init order JPN KOR USA NATO
# gives the link ports BASE+0..3); NATO is the hub for the hub-and-spoke part
sed -i "/^\[peer KOR\/node-1\]/,/^\[/ s/^address = none/address = 127.0.0.1:$((BASE_PORT + 1))/" "$(conf JPN)"
sed -i "/^\[peer JPN\/node-1\]/,/^\[/ s/^address = none/address = 127.0.0.1:$((BASE_PORT + 0))/" "$(conf KOR)"
for p in JPN KOR USA; do node_start "$p"; done
wait_link JPN KOR
wait_link KOR USA
link_is_up JPN USA && fail "JPN and USA must not be linked"
ok "chain JPN - KOR - USA up, no JPN-USA link"

id=$(hl JPN send --to USA --precedence immediate --classification SECRET \
	--releasable-to JPN,KOR,USA --tlp amber "via KOR") || fail "send"
wait_state JPN "$id" USA delivered
ok "JPN -> USA delivered through KOR"
expect_eq "$(hl USA show "$id" --json | jq -r .text)" "via KOR" "USA decrypts it"
expect_eq "$(hl USA show "$id" --json | jq -r .origin)" "JPN/node-1" "USA sees JPN as the origin"
kdb="$FED/KOR/data/hotline.db"
expect_eq "$(sqlite3 "$kdb" "select count(*) from transit where id = x'$id'")|$(sqlite3 "$kdb" "select count(*) from envelopes where id = x'$id'")" "1|0" \
	"KOR holds it in transit only, as sealed bytes (it has no key for it)"
hl KOR show "$id" >/dev/null 2>&1 && fail "KOR's operators can see a relayed envelope"
ok "a relayed envelope is not in KOR's inbox"
hl USA ack "$id" >/dev/null || fail "ack"
wait_state JPN "$id" USA acknowledged
ok "the acknowledgement travels back through KOR"
n=$(sqlite3 "$kdb" "select count(*) from audit where event='relay-accepted'")
expect_eq "$n" "1" "KOR audited the relay"

# rule 2: not releasable to KOR, so KOR may not relay it
id2=$(hl JPN send --to USA --precedence routine --classification RESTRICTED \
	--releasable-to JPN,USA --tlp green "not via KOR") || fail "send 2"
sleep 3
expect_eq "$(delivery_state JPN "$id2" USA)" "queued" "rule 2: no allowed relay, the envelope stays queued"
expect_eq "$(sqlite3 "$kdb" "select count(*) from transit where id = x'$id2'")" "0" "KOR never received it"

# a relay killed in the middle of a large transfer
head -c $((8 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
id3=$(hl JPN send --to USA --precedence routine --classification RESTRICTED \
	--releasable-to JPN,KOR,USA --tlp green --file "$T/big.bin") || fail "send 3"
sleep 0.2
node_stop KOR KILL
ok "relay KOR killed during the transfer"
node_start KOR
# USA may have stored it, and its receipt died with KOR: JPN then sends it
# again after its retransmit time (15 s) and KOR forwards it once more, so
# allow for one retransmission
for i in $(seq 1 300); do
	[ "$(delivery_state JPN "$id3" USA 2>/dev/null)" = delivered ] && break
	sleep 0.1
done
wait_state JPN "$id3" USA delivered
cmp <(hl USA show "$id3" --json | jq -r .content_b64 | base64 -d) "$T/big.bin" || fail "content differs"
expect_eq "$(sqlite3 "$FED/USA/data/hotline.db" "select count(*) from envelopes where id = x'$id3'")" "1" \
	"8 MB envelope delivered once, intact, after the relay crashed mid-transfer"

# hub and spoke: JPN and KOR are not linked; NATO links both
node_stop JPN
node_stop KOR
sed -i "/^\[peer KOR\/node-1\]/,/^\[/ s/^address = .*/address = none/" "$(conf JPN)"
sed -i "/^\[peer JPN\/node-1\]/,/^\[/ s/^address = .*/address = none/" "$(conf KOR)"
for p in JPN KOR NATO; do node_start "$p"; done
wait_link JPN NATO
wait_link KOR NATO
id4=$(hl JPN send --to KOR --precedence flash --classification CONFIDENTIAL \
	--releasable-to JPN,KOR,NATO --tlp amber "spoke to spoke") || fail "send 4"
wait_state JPN "$id4" KOR delivered
expect_eq "$(hl KOR show "$id4" --json | jq -r .text)" "spoke to spoke" "hub and spoke: JPN -> KOR through NATO"
for p in JPN KOR USA NATO; do hl "$p" audit verify >/dev/null || fail "audit $p"; done
ok "audit logs verify"
echo "# $SCENARIO: $CHECKS checks passed"
