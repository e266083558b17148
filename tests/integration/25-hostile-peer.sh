#!/usr/bin/env bash
# A partner's node that misbehaves (simulated by peersim with KOR's real
# certificate): the target node answers each bad envelope with a signed
# rejected receipt naming the reason, delivers a replay exactly once, closes
# links that send oversized, unknown or premature frames, survives garbage on
# its TLS port, and audits all of it.
. "$(dirname "$0")/lib.sh"
SIM="$HOTLINE_BUILD/tests/peersim"

fed_init JPN,KOR
node_start JPN
sim() { "$SIM" "$(conf KOR)" JPN/node-1 "$1"; }

expect_eq "$(sim valid)" "receipt delivered none" "valid envelope: delivered receipt"
expect_eq "$(inbox_count JPN)" "1" "one envelope in the inbox"
expect_eq "$(sim replay | tr '\n' ' ')" "receipt delivered none receipt delivered none " \
	"replayed envelope: the same delivered receipt again"
expect_eq "$(inbox_count JPN)" "2" "the replay was stored once (exactly once to the operator)"
expect_eq "$(sim expired)" "receipt rejected expired" "expired envelope rejected"
expect_eq "$(sim future)" "receipt rejected policy" \
	"an envelope dated a day ahead (beyond max_clock_skew, 5m) rejected"
grep -q "created 86[34][0-9][0-9] s ahead of this node's clock (max_clock_skew 300 s)" "$T/JPN.log" ||
	fail "the log does not name the offset and the limit"
ok "the refusal names the offset and the limit"
expect_eq "$(sim badsig)" "receipt rejected bad-signature" "tampered signature rejected"
expect_eq "$(sim not-recipient)" "receipt rejected not-recipient" "envelope not addressed to us rejected"
expect_eq "$(sim not-releasable)" "receipt rejected not-releasable" "label not releasable to JPN rejected"
expect_eq "$(inbox_count JPN)" "2" "no rejected envelope reached the inbox"
expect_eq "$(sim oversize)" "closed" "oversized frame length closes the link"
expect_eq "$(sim garbage)" "closed" "unknown frame type closes the link"
expect_eq "$(sim before-hello)" "closed" "frame before HELLO closes the link"

# garbage and a certificate-less TLS client on the link port
port=$(sed -n 's/^listen *= *127.0.0.1://p' "$(conf JPN)")
head -c 65536 /dev/urandom >"/dev/tcp/127.0.0.1/$port" 2>/dev/null || true
echo | timeout 5 openssl s_client -connect "127.0.0.1:$port" -tls1_3 >/dev/null 2>&1 || true
sleep 0.3
hl JPN status >/dev/null || fail "node died"
ok "node alive after garbage and a TLS client without certificate"

db="$FED/JPN/data/hotline.db"
expect_eq "$(sqlite3 "$db" "select count(*) from audit where event='envelope-rejected'")" "5" \
	"five rejections audited"
n=$(sqlite3 "$db" "select count(*) from audit where event='link-refused'")
[ "$n" -ge 2 ] || fail "refused links audited: $n"
ok "refused links audited ($n)"
hl JPN audit verify >/dev/null || fail "audit verify"
ok "audit log verifies"
echo "# $SCENARIO: $CHECKS checks passed"
