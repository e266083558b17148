#!/usr/bin/env bash
# The Merkle audit log end to end: a signed checkpoint over a real node's
# log, a proof bundle for one envelope that a third party checks with only
# the node's certificate; an altered bundle, a foreign certificate and a
# rewritten database are each refused.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
# the node's own periodic and shutdown checkpoints are 46-witness.sh's
# subject: here every checkpoint is made by hotline audit checkpoint
sed -i '/^\[node\]/a audit_checkpoint = off' "$(conf JPN)"
node_start JPN
node_start KOR
wait_link JPN KOR
ids=()
for i in 1 2 3; do
	id=$(hl JPN send --to KOR --precedence priority --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp green "proof test $i") || fail "send"
	wait_state JPN "$id" KOR delivered
	ids+=("$id")
done
node_stop JPN
node_stop KOR
db="$FED/JPN/data/hotline.db"
crt="$FED/JPN/node.crt"

if hl JPN audit prove "${ids[0]}" >"$T/none" 2>"$T/err"; then fail "prove without a checkpoint"; fi
expect_match "$(cat "$T/err")" "no checkpoint yet" "prove needs a checkpoint"

hl JPN audit checkpoint >"$T/cp" || fail "audit checkpoint: $(cat "$T/cp")"
expect_match "$(cat "$T/cp")" "^checkpoint of JPN/node-1 at size [0-9]+: root [0-9a-f]{64}" \
	"checkpoint signed"
hl JPN audit checkpoint --json >"$T/cp2.json" || fail "audit checkpoint again"
expect_eq "$(jq -r .new "$T/cp2.json")" "false" "no new entries: the latest is shown"
size=$(jq -r .size "$T/cp2.json")
total=$(sqlite3 "$db" "select count(*) from audit")
expect_eq "$size" "$total" "the checkpoint covers every entry"

hl JPN audit prove "${ids[1]}" >"$T/proof.json" || fail "audit prove"
n=$(jq '.entries | length' "$T/proof.json")
[ "$n" -ge 1 ] || fail "no entries in the bundle"
ok "bundle with $n entries for ${ids[1]}"
hl JPN audit check-proof --cert "$crt" "$T/proof.json" >"$T/out" 2>&1 ||
	fail "check-proof: $(cat "$T/out")"
expect_eq "$(cat "$T/out")" "proof OK: $n entr$([ "$n" = 1 ] && echo y || echo ies) included in checkpoint of JPN/node-1 at size $size" \
	"a partner checks the bundle with the certificate only"
hl JPN audit check-proof --cert "$crt" - <"$T/proof.json" >/dev/null 2>&1 ||
	fail "check-proof from stdin"
ok "bundle read from standard input"

# one byte of an entry altered: refused
jq '.entries[0].detail |= (. + "x")' "$T/proof.json" >"$T/bad1.json"
if hl JPN audit check-proof --cert "$crt" "$T/bad1.json" >"$T/out" 2>&1; then fail "altered detail accepted"; fi
expect_match "$(cat "$T/out")" "do not hash to its leaf|not included" "altered entry refused"
jq 'del(.entries[0].leaf) | .entries[0].time_ms += 1' "$T/proof.json" >"$T/bad2.json"
if hl JPN audit check-proof --cert "$crt" "$T/bad2.json" >"$T/out" 2>&1; then fail "altered time accepted"; fi
expect_match "$(cat "$T/out")" "not included in the checkpoint of JPN/node-1" "altered time refused"
# a proof hash altered
jq '.entries[0].proof[0] |= (if .[0:1] == "0" then "1" else "0" end + .[1:])' "$T/proof.json" >"$T/bad3.json"
if hl JPN audit check-proof --cert "$crt" "$T/bad3.json" >"$T/out" 2>&1; then fail "altered proof accepted"; fi
expect_match "$(cat "$T/out")" "inclusion proof does not verify" "altered proof refused"
# the checkpoint altered (one hex digit of its root)
jq '.checkpoint |= (.[0:60] + (if .[60:61] == "0" then "1" else "0" end) + .[61:])' "$T/proof.json" >"$T/bad4.json"
if hl JPN audit check-proof --cert "$crt" "$T/bad4.json" >"$T/out" 2>&1; then fail "altered checkpoint accepted"; fi
expect_match "$(cat "$T/out")" "signature does not verify" "altered checkpoint refused"
# another node's certificate
if hl JPN audit check-proof --cert "$FED/KOR/node.crt" "$T/proof.json" >"$T/out" 2>&1; then fail "wrong cert accepted"; fi
expect_match "$(cat "$T/out")" "checkpoint is of JPN/node-1 but .* KOR/node-1" "foreign certificate refused"

hl JPN audit verify >"$T/out" || fail "clean log does not verify"
expect_match "$(cat "$T/out")" "^audit: $total entries verified$" "clean log verifies"

# the database entry tampered: verify names it
seq=$(jq -r '.entries[0].seq' "$T/proof.json")
cp "$db" "$T/clean.db"
sqlite3 "$db" "update audit set detail='nothing happened' where seq=$seq" || fail "tamper"
if hl JPN audit verify >"$T/out" 2>"$T/err"; then fail "tampered entry not detected"; fi
expect_match "$(cat "$T/err")" "entry $seq" "tampered entry $seq named by verify"
if hl JPN audit prove "${ids[1]}" >/dev/null 2>"$T/err"; then fail "prove over a tampered entry"; fi
expect_match "$(cat "$T/err")" "does not match the checkpoint" "prove refuses a tampered entry"
# truncated below the checkpoint with the head fixed up (a chain alone misses it)
cp "$T/clean.db" "$db"
last=$(sqlite3 "$db" "select max(seq) from audit")
sqlite3 "$db" "delete from audit where seq=$last; update audit_head set seq=$((last - 1)), hash=(select hash from audit where seq=$((last - 1)))" || fail "truncate"
if hl JPN audit verify >"$T/out" 2>"$T/err"; then fail "truncation below a checkpoint not detected"; fi
expect_match "$(cat "$T/err")" "checkpoint at size $size" "truncation under the checkpoint detected"
cp "$T/clean.db" "$db"
echo "# $SCENARIO: $CHECKS checks passed"
