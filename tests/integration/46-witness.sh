#!/usr/bin/env bash
# Partners witness each other's audit log: JPN's signed checkpoints reach
# KOR, which keeps each one only after a consistency proof from the last it
# kept. An honest restart raises nothing; a JPN whose database was rewritten
# to a shorter but locally consistent history (tail deleted, head fixed up,
# its own checkpoints deleted) is caught by KOR: "witness-fork" in KOR's
# audit log, an ALERT line and the fork in KOR's status.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
for p in JPN KOR; do
	sed -i '/^\[node\]/a audit_checkpoint = 1s' "$(conf "$p")"
done
node_start JPN
jdb="$FED/JPN/data/hotline.db"
kdb="$FED/KOR/data/hotline.db"

# hostile frames first (tests/tools/peersim plays KOR with its real key)
sim() { "$HOTLINE_BUILD/tests/peersim" "$(conf KOR)" JPN/node-1 "$1"; }
expect_eq "$(sim bad-checkpoint)" "closed" "undecodable CHECKPOINT closes the link"
expect_eq "$(sim bad-consistency)" "closed" "CONSISTENCY with 65 hashes closes the link"
expect_eq "$(sim bad-consistency-req)" "closed" "short CONSISTENCY_REQ closes the link"
expect_eq "$(sim forged-checkpoint)" "open" "badly signed CHECKPOINT: dropped, link stays"
expect_eq "$(sqlite3 "$jdb" "select count(*) from audit where event='checkpoint-invalid'")" "2" \
	"undecodable and forged checkpoints audited checkpoint-invalid"
expect_eq "$(sqlite3 "$jdb" "select count(*) from witness_checkpoints")" "0" "nothing witnessed from them"
# what a peer witnessed of OUR log (its signed CHECKPOINT_ACK): P's view of
# its peer; peersim never acknowledges, like a node older than the frame
ours() { hl "$1" status --json | jq -r --arg f "$2" '.peers[0][$f]'; }
ours_at_least() { local s; s=$(ours "$1" our_witnessed_size); [ "$s" -ge "$2" ] 2>/dev/null; }
expect_eq "$(ours JPN our_witness_state)" "none" "no acknowledgement from a peer that never sends one"
expect_eq "$(ours JPN our_witnessed_size)" "0" "nothing witnessed of ours yet"

node_start KOR
wait_link JPN KOR

send() {
	local id
	id=$(hl JPN send --to KOR --precedence priority --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp green "witness test $1") || fail "send $1"
	wait_state JPN "$id" KOR delivered
}
# KOR's view of JPN: witness.size, .state, .fork
wit() { hl KOR status --json | jq -r --arg f "$1" '.peers[] | select(.node == "JPN/node-1") | .witness[$f]'; }
witnessed_at_least() { local s; s=$(wit size); [ "$s" != null ] && [ "$s" -ge "$1" ]; }
forks() { sqlite3 "$kdb" "select count(*) from audit where event='witness-fork' and actor='JPN/node-1'"; }

for i in 1 2 3; do send "$i"; done
n=$(sqlite3 "$jdb" "select count(*) from audit")
[ "$n" -ge 5 ] || fail "too few JPN audit entries ($n)"
wait_until 10 witnessed_at_least "$n" || fail "KOR did not witness JPN at size >= $n (has $(wit size))"
ok "KOR witnessed JPN's checkpoint at size $(wit size) >= $n"
expect_eq "$(wit state)" "ok" "witness state ok"
expect_eq "$(hl KOR status --json | jq -r '.peers[0].fork')" "false" "no fork"
expect_match "$(wit checkpoint_time)" "^[0-9]{4}-" "checkpoint time shown"
expect_match "$(hl KOR status)" "JPN/node-1 .*witnessed [0-9]+ entries" "CLI status shows the witness"
first=$(wit size)
send 3b
n=$(sqlite3 "$jdb" "select count(*) from audit")
wait_until 10 witnessed_at_least "$n" || fail "KOR did not witness JPN's next checkpoint (has $(wit size))"
ok "KOR witnessed JPN's next checkpoint: $first -> $(wit size), proved consistent"
kept=$(sqlite3 "$kdb" "select count(*) from witness_checkpoints where node='JPN/node-1'")
[ "$kept" -ge 2 ] || fail "KOR kept $kept JPN checkpoints, expected a chain of several"
ok "KOR kept $kept consistent checkpoints of JPN"
# and JPN witnessed KOR the same way
expect_match "$(hl JPN status --json | jq -r '.peers[0].witness.state')" "^ok$" "JPN witnesses KOR"
# and each origin learns it was witnessed (CHECKPOINT_ACK)
wait_until 10 ours_at_least JPN "$n" || fail "JPN does not know KOR witnessed its checkpoint >= $n (has $(ours JPN our_witnessed_size))"
ok "KOR acknowledged JPN's checkpoint at size $(ours JPN our_witnessed_size) >= $n"
expect_eq "$(ours JPN our_witness_state)" "ok" "JPN: KOR's acknowledgement says ok"
[ "$(ours JPN our_witnessed_ms)" -gt 1700000000000 ] || fail "no witnessing time: $(ours JPN our_witnessed_ms)"
ok "JPN: witnessing time $(ours JPN our_witnessed_time)"
wait_until 10 ours_at_least KOR 1 || fail "KOR does not know JPN witnessed its checkpoint"
expect_eq "$(ours KOR our_witness_state)" "ok" "KOR: JPN's acknowledgement says ok"
expect_match "$(hl JPN status)" "KOR/node-1 .*witnessed our checkpoint size [0-9]+ at [0-9]{4}-" \
	"CLI status: which partner witnessed which checkpoint of ours"
[ "$(sqlite3 "$jdb" "select count(*) from peers where node='KOR/node-1#checkpoint-ack'")" = 1 ] ||
	fail "KOR's acknowledgement not kept in JPN's store"
ok "JPN keeps KOR's signed acknowledgement"

# honest restart: no fork
before=$(wit size)
node_stop JPN
node_start JPN
wait_link KOR JPN
send 4
wait_until 10 witnessed_at_least "$((before + 3))" || fail "KOR did not witness JPN after restart"
expect_eq "$(wit state)" "ok" "honest restart: still ok"
expect_eq "$(forks)" "0" "honest restart: no witness-fork"
expect_eq "$(ours JPN our_witness_state)" "ok" "honest restart: KOR's acknowledgement still ok"

# rewrite JPN's history while it is stopped: a shorter log that verifies locally
send 5
n=$(sqlite3 "$jdb" "select count(*) from audit")
wait_until 10 witnessed_at_least "$n" || fail "KOR did not witness JPN at size >= $n"
w=$(wit size)
node_stop JPN
last=$(sqlite3 "$jdb" "select max(seq) from audit")
keep=$((last - 5))
sqlite3 "$jdb" "delete from audit_checkpoints; delete from audit where seq > $keep;
	update audit_head set seq=$keep, hash=(select hash from audit where seq=$keep)" ||
	fail "tamper"
hl JPN audit verify >"$T/v" 2>&1 || fail "tampered log does not verify locally: $(cat "$T/v")"
ok "rewritten JPN log ($keep of $last entries) still verifies locally: $(cat "$T/v")"
# grow the rewritten log past what KOR witnessed before JPN signs it (no
# checkpoint until the shutdown), so that KOR asks for a consistency proof
conf_set JPN audit_checkpoint 1h
node_start JPN
wait_link KOR JPN
for i in 6 7 8 9 10; do send "$i"; done
[ "$(sqlite3 "$jdb" "select count(*) from audit_checkpoints")" = 0 ] || fail "JPN signed too early"
[ "$(sqlite3 "$jdb" "select count(*) from audit")" -gt "$w" ] || fail "JPN's log did not grow past $w"
node_stop JPN
conf_set JPN audit_checkpoint 1s
node_start JPN
wait_link KOR JPN
wait_until 10 bash -c "[ \"\$(sqlite3 '$kdb' \"select count(*) from audit where event='witness-fork' and actor='JPN/node-1'\")\" -ge 1 ]" ||
	fail "KOR did not detect JPN's rewritten log (witnessed $w, state $(wit state))"
expect_match "$(sqlite3 "$kdb" "select detail from audit where event='witness-fork'")" \
	"^log rewritten: not an extension of the witnessed one: witnessed size $w root [0-9a-f]{64}; now size [0-9]+ root [0-9a-f]{64}$" \
	"KOR audited witness-fork: the consistency proof fails"
expect_eq "$(hl KOR status --json | jq -r '.peers[0].fork')" "true" "status: fork flag"
expect_match "$(wit state)" "^FORK: " "status: witness state FORK"
expect_match "$(hl KOR status)" "audit log FORK" "CLI status shows the fork"
grep -q "ALERT: audit log of JPN/node-1" "$T/KOR.log" || fail "no ALERT line in KOR's log"
ok "ALERT logged"
# KOR told JPN, in a signed CHECKPOINT_ACK: JPN's status and audit log say so
wait_until 10 bash -c "[ \"\$(sqlite3 '$jdb' \"select count(*) from audit where event='checkpoint-disputed' and actor='KOR/node-1'\")\" -ge 1 ]" ||
	fail "JPN was not told that KOR found its log forked"
ok "JPN audited checkpoint-disputed from KOR"
expect_eq "$(ours JPN our_witness_state)" "fork" "JPN status: KOR disputes our checkpoint"
expect_match "$(hl JPN status)" "KOR/node-1 .*DISPUTES \(fork\) our checkpoint size" "CLI status shows the dispute"
expect_eq "$(wit size)" "$w" "KOR still holds the checkpoint it witnessed"
hl KOR audit verify >/dev/null 2>&1 || fail "KOR's own log no longer verifies"
ok "KOR's own audit log verifies"
echo "# $SCENARIO: $CHECKS checks passed"
