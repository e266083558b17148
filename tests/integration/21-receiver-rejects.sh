#!/usr/bin/env bash
# Rule 3 at the receiver: KOR accredits its link from JPN only up to
# CONFIDENTIAL while JPN believes SECRET is fine. A SECRET envelope passes
# JPN's send check but KOR refuses it with a signed rejected receipt
# (reason: accreditation), which JPN's delivery record shows; a
# CONFIDENTIAL one is delivered.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
# lower KOR's accreditation of the JPN link
sed -i '/^\[peer JPN\/node-1\]/,/^\[/ s/^accreditation *= *SECRET/accreditation = CONFIDENTIAL/' "$(conf KOR)"
grep -q "accreditation = CONFIDENTIAL" "$(conf KOR)" || fail "could not edit KOR config"
"$HLD" -n -c "$(conf KOR)" >/dev/null || fail "edited config does not check"
node_start JPN
node_start KOR
wait_link JPN KOR

id=$(hl JPN send --to KOR --precedence immediate --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "secret for KOR") || fail "send"
wait_state JPN "$id" KOR rejected
reason=$(hl JPN delivery "$id" --json | jq -r '.recipients[0].reason')
expect_eq "$reason" "accreditation" "rejected receipt carries the machine-readable reason"
expect_eq "$(inbox_count KOR)" "0" "nothing reached KOR's inbox"
human=$(hl JPN delivery "$id")
expect_match "$human" "rejected" "human delivery view shows rejected"

id2=$(hl JPN send --to KOR --precedence immediate --classification CONFIDENTIAL \
	--releasable-to JPN,KOR --tlp amber "confidential for KOR") || fail "send 2"
wait_state JPN "$id2" KOR delivered
expect_eq "$(inbox_count KOR)" "1" "CONFIDENTIAL envelope delivered"
n=$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from audit where event='envelope-rejected'")
expect_eq "$n" "1" "KOR audited the rejection"
n=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event='receipt-rejected'")
expect_eq "$n" "1" "JPN audited the rejected receipt"
echo "# $SCENARIO: $CHECKS checks passed"
