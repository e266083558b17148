#!/usr/bin/env bash
# Acknowledgement deadlines and link supervision. With ack_flash = 2s, a FLASH
# not acknowledged in time is overdue on both sides: the receiver re-alerts
# and both audit it; a late acknowledgement still goes through. A dead link
# is detected within dead_after (default 5 s). The scheduled end-to-end link
# test (link_test = 2s here) shows its last result and time in status and
# never appears as traffic in the inbox.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
for p in JPN KOR; do
	sed -i 's/^\[node\]$/[node]\nack_flash = 2s\nlink_test = 2s/' "$(conf "$p")"
done
node_start JPN
node_start KOR
wait_link JPN KOR

id=$(hl JPN send --to KOR --precedence flash --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp amber "acknowledge me") || fail "send"
wait_state JPN "$id" KOR delivered
wait_state JPN "$id" KOR overdue
ok "JPN: delivered but not acknowledged within 2 s: overdue"
is_overdue() { hl KOR inbox --json | jq -e --arg id "$id" '.items[] | select(.id == $id) | .overdue' >/dev/null; }
wait_until 5 is_overdue || fail "KOR inbox does not mark it overdue"
ok "KOR: inbox marks it overdue"
expect_match "$(hl KOR inbox)" "OVERDUE" "human inbox says OVERDUE"
grep -q "ALERT: FLASH envelope $id from JPN/node-1 not acknowledged" "$T/KOR.log" || fail "no re-alert"
ok "KOR re-alerted the watch"
for p in JPN KOR; do
	n=$(sqlite3 "$FED/$p/data/hotline.db" "select count(*) from audit where event='ack-overdue' and envelope_id = x'$id'")
	expect_eq "$n" "1" "$p audited the overdue envelope once"
done
hl KOR ack "$id" >/dev/null || fail "late ack"
wait_state JPN "$id" KOR acknowledged
ok "a late acknowledgement still reaches the origin"

# link tests: a result in status, nothing in the inbox
test_ok() { hl JPN status --json | jq -e '.peers[0].link_test.result == "ok"' >/dev/null; }
wait_until 10 test_ok || fail "link test result: $(hl JPN status --json | jq -c '.peers[0].link_test')"
rt=$(hl JPN status --json | jq '.peers[0].link_test.round_trip_ms')
ok "end-to-end link test ok, round trip ${rt} ms, shown by status"
expect_match "$(hl JPN status)" "link test: ok" "human status shows the link test"
expect_eq "$(hl KOR inbox --json | jq '[.items[] | select(.originator == "link-test")] | length')" "0" \
	"link tests do not show up as traffic"

# dead link detection: KOR frozen (SIGSTOP): JPN sees the link down within 5 s + tick
kill -STOP "${NODE_PID[KOR]}"
t0=$(date +%s%3N)
down() { ! link_is_up JPN KOR; }
wait_until 10 down || fail "dead link not detected"
t1=$(date +%s%3N)
kill -CONT "${NODE_PID[KOR]}"
[ $((t1 - t0)) -le 6500 ] || fail "dead link took $((t1 - t0)) ms to detect"
ok "dead link detected in $((t1 - t0)) ms (dead_after 5 s)"
wait_link JPN KOR
ok "link back after KOR resumed"
echo "# $SCENARIO: $CHECKS checks passed"
