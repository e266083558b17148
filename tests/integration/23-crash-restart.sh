#!/usr/bin/env bash
# (Queries skip the scheduled link tests, flag 2.)
# Rule 5 across crashes: JPN sends a stream of envelopes to KOR while KOR is
# killed with SIGKILL and restarted, twice, and then JPN itself is killed and
# restarted before everything is delivered. Afterwards every envelope is in
# KOR's inbox exactly once and JPN holds a delivered receipt for each.
. "$(dirname "$0")/lib.sh"
N=${CRASH_N:-150}

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR

: >"$T/ids"
for i in $(seq 1 "$N"); do
	hl JPN send --to KOR --precedence routine --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp green "bulk message $i" >>"$T/ids" || fail "send $i"
	if [ "$i" = $((N / 3)) ] || [ "$i" = $((2 * N / 3)) ]; then
		node_stop KOR KILL
		ok "KOR killed with SIGKILL after $i sends"
		node_start KOR
	fi
done
node_stop JPN KILL
ok "JPN killed with SIGKILL after the last send"
node_start JPN
wait_link JPN KOR
expect_eq "$(wc -l <"$T/ids")" "$N" "$N ids issued"

delivered() {
	[ "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from deliveries d join envelopes e on e.id = d.id where d.state=1 and (e.flags & 2) = 0")" = "$N" ]
}
wait_until 60 delivered || fail "not all delivered: $(sqlite3 "$FED/JPN/data/hotline.db" "select state, count(*) from deliveries group by state")"
ok "JPN holds a delivered receipt for all $N"
expect_eq "$(hl KOR inbox --json --limit 100000 | jq '.items | length')" "$N" "KOR inbox has exactly $N"
dups=$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) - count(distinct id) from envelopes where inbound=1")
expect_eq "$dups" "0" "no duplicates at KOR"
missing=0
while read -r id; do
	hl KOR show "$id" --json >/dev/null 2>&1 || missing=$((missing + 1))
done <"$T/ids"
expect_eq "$missing" "0" "every issued id is readable at KOR"
for p in JPN KOR; do hl "$p" audit verify >/dev/null || fail "audit $p"; done
ok "audit logs verify after the crashes"
echo "# $SCENARIO: $CHECKS checks passed"
