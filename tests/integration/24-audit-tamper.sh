#!/usr/bin/env bash
# hotline audit verify on a real node's log: an edited, a deleted and a
# reordered entry are each reported (first bad entry named) with exit 1.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR
for i in 1 2 3 4 5; do
	id=$(hl JPN send --to KOR --precedence priority --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp green "audit test $i") || fail "send"
	wait_state JPN "$id" KOR delivered
done
node_stop JPN
node_stop KOR
db="$FED/JPN/data/hotline.db"
hl JPN audit verify >"$T/out" || fail "clean log does not verify"
ok "clean log verifies: $(cat "$T/out")"
total=$(sqlite3 "$db" "select count(*) from audit")
[ "$total" -ge 10 ] || fail "too few audit entries ($total)"
cp "$db" "$T/clean.db"

tamper() {
	local name=$1 sql=$2 pat=$3
	cp "$T/clean.db" "$db"
	rm -f "$db-wal" "$db-shm"
	sqlite3 "$db" "$sql" || fail "tamper $name"
	if hl JPN audit verify >"$T/out" 2>"$T/err"; then fail "$name not detected"; fi
	expect_match "$(cat "$T/out" "$T/err")" "$pat" "$name entry detected"
}
tamper edited "update audit set detail='nothing happened' where seq=4" "entry 4"
tamper deleted "delete from audit where seq=5" "5"
tamper reordered "update audit set event=(select event from audit where seq=7), detail=(select detail from audit where seq=7) where seq=6" "entry 6"

# the node itself checks its log when it starts, and refuses a tampered one
cp "$T/clean.db" "$db"
rm -f "$db-wal" "$db-shm"
sqlite3 "$db" "update audit set detail='nothing happened' where seq=4" || fail "tamper"
if "$HLD" -c "$(conf JPN)" >>"$T/JPN-start.log" 2>&1; then fail "JPN started on a tampered log"; fi
expect_match "$(cat "$T/JPN-start.log")" "the audit log does not verify: .*entry 4.*the node does not start on it" \
	"JPN refuses to start on an edited log, naming the entry"
cp "$T/clean.db" "$db"
rm -f "$db-wal" "$db-shm"
node_start JPN
expect_match "$(cat "$T/JPN.log")" "audit log: [0-9]+ entries and our checkpoints' roots verified" \
	"on the untouched log it starts, having verified it"
echo "# $SCENARIO: $CHECKS checks passed"
