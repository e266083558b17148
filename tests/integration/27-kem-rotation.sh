#!/usr/bin/env bash
# Post-quantum hybrid end to end and KEM key rotation across a running
# federation: JPN uses the x25519-mlkem1024 suite, the others the default
# x25519-mlkem768. KOR rotates its KEM keys three times while JPN streams
# envelopes to it: nothing is lost or duplicated, and KOR's old secret keys are
# erased once its peers adopted the new ones. USA rotates on a 2 s schedule;
# while it is down its descriptor expires, and an envelope to it waits
# visibly (awaiting-key) instead of being sealed to expired keys, then is
# delivered when USA is back.
. "$(dirname "$0")/lib.sh"
N=${ROTATION_N:-40}

fed_init JPN,KOR,USA
sed -i 's/^\[node\]$/[node]\nsuite = x25519-mlkem1024/' "$(conf JPN)"
sed -i "s/^kem_rotate = .*/kem_rotate = 2s/" "$(conf USA)"
for p in JPN KOR USA; do node_start "$p"; done
wait_link JPN KOR
wait_link JPN USA

id=$(hl JPN send --to KOR --precedence flash --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "hybrid check") || fail "send"
wait_state JPN "$id" KOR delivered
expect_eq "$(hl KOR show "$id" --json | jq -r .suite)" "x25519-mlkem1024" "JPN's envelope uses ML-KEM-1024"
id2=$(hl KOR send --to JPN --precedence routine --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green "default suite") || fail "send 2"
wait_state KOR "$id2" JPN delivered
expect_eq "$(hl JPN show "$id2" --json | jq -r .suite)" "x25519-mlkem768" "default suite is X25519 + ML-KEM-768"
expect_eq "$(hl KOR keys list --json | jq '.current_epoch')" "1" "KOR starts at epoch 1"

: >"$T/ids"
(
	for i in $(seq 1 "$N"); do
		hl JPN send --to KOR --precedence priority --classification RESTRICTED \
			--releasable-to JPN,KOR --tlp green "stream $i" >>"$T/ids" || exit 1
	done
) &
sender=$!
for r in 1 2 3; do
	sleep 0.3
	hl KOR keys rotate >/dev/null || fail "rotate $r"
done
wait "$sender" || fail "sender"
expect_eq "$(hl KOR keys list --json | jq '.current_epoch')" "4" "KOR rotated three times while receiving"
delivered_all() {
	[ "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from deliveries d join envelopes e on e.id = d.id where d.node='KOR/node-1' and d.state=1 and (e.flags & 2) = 0")" -ge "$((N + 1))" ]
}
wait_until 30 delivered_all || fail "not all delivered across rotations: $(sqlite3 "$FED/JPN/data/hotline.db" "select state, count(*) from deliveries group by state")"
ok "all $N envelopes delivered across three rotations"
expect_eq "$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from envelopes where inbound=1 and origin='JPN/node-1' and (flags & 2) = 0")" "$((N + 1))" "each stored exactly once at KOR"
old_gone() { [ "$(hl KOR keys list --json | jq '[.keys[] | select(.epoch < 4)] | length')" = 0 ]; }
wait_until 10 old_gone || fail "KOR still holds old KEM keys: $(hl KOR keys list)"
ok "KOR's old KEM secret keys erased once its peers adopted epoch 4"
ls "$FED/KOR/data/kem" | grep -q -- '-1.key' && fail "epoch 1 key file still on disk"
ok "old key files unlinked ($(ls "$FED/KOR/data/kem" | tr '\n' ' '))"
n=$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from audit where event='kem-rotated'")
expect_eq "$n" "3" "rotations audited"
n=$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from audit where event='kem-erased'")
[ "$n" -ge 1 ] || fail "erasure not audited"
ok "erasure audited ($n)"
# its first rotation is due 2 s after its start (the steps above may take less)
usa_rotated() { [ "$(hl USA keys list --json | jq '.current_epoch')" -ge 2 ]; }
wait_until 10 usa_rotated || fail "USA did not rotate on schedule"
ok "USA rotates on its 2 s schedule (epoch $(hl USA keys list --json | jq '.current_epoch'))"

# USA goes away long enough for its descriptor (valid 2 x kem_rotate) to expire
node_stop USA
sleep 5
id3=$(hl JPN send --to KOR,USA --precedence immediate --classification RESTRICTED \
	--releasable-to JPN,KOR,USA --tlp green "while USA is away") || fail "send 3"
wait_state JPN "$id3" KOR delivered
expect_eq "$(delivery_state JPN "$id3" USA)" "awaiting-key" "USA's delivery waits for a fresh KEM key"
expect_match "$(hl JPN delivery "$id3")" "awaiting-key" "the human view says so"
node_start USA
wait_state JPN "$id3" USA delivered
expect_eq "$(hl USA show "$id3" --json | jq -r .text)" "while USA is away" "USA decrypts it after the fresh descriptor"
for p in JPN KOR USA; do hl "$p" audit verify >/dev/null || fail "audit $p"; done
ok "audit logs verify"
echo "# $SCENARIO: $CHECKS checks passed"
