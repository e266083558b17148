#!/usr/bin/env bash
# A compromised node revoked federation-wide (issue 17): KOR's CA signs a
# revocation notice for KOR's TLS certificate; given to JPN alone, it
# reaches USA through JPN and GBR (started later) at its link up; every one
# of them closes its link to KOR, refuses it from then on, and audits it;
# the notice is kept across a restart. Forged notices and notices signed by
# another partner's CA are refused. The others keep exchanging.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA,GBR
node_start JPN
node_start KOR
node_start USA
wait_link JPN KOR
wait_link USA KOR
wait_link JPN USA
expect_eq "$(hl JPN status --json | jq -r '.peers[] | select(.node == "USA/node-1") | .protocol')" 5 \
	"JPN and USA speak link protocol 5 (revocation notices since 4)"

"$HL" pki revoke --ca "$FED/ca/KOR" --cert "$FED/KOR/tls.crt" --reason "host compromised" \
	--out "$T/kor.rev" >"$T/rev.out" 2>&1 || { cat "$T/rev.out"; fail "pki revoke"; }
ok "KOR's CA signs a notice for KOR's TLS certificate"
if "$HL" pki revoke --ca "$FED/ca/JPN" --cert "$FED/KOR/tls.crt" --out "$T/jpn.rev" >"$T/x.out" 2>&1; then
	fail "JPN's CA signed a notice for KOR's certificate"
fi
expect_match "$(cat "$T/x.out")" "was not issued by the CA" "another partner's CA cannot revoke it"

# forged: one byte of the reason changed
cp "$T/kor.rev" "$T/forged.rev"
python3 - "$T/forged.rev" <<'PY'
import sys
p = sys.argv[1]; b = bytearray(open(p, "rb").read())
i = b.find(b"host compromised"); b[i] ^= 0x20
open(p, "wb").write(bytes(b))
PY
if hl JPN revoke "$T/forged.rev" >"$T/forged.out" 2>&1; then fail "a forged notice was taken"; fi
expect_match "$(cat "$T/forged.out")" "not signed by the CA pinned for partner KOR" "a forged notice is refused"
link_is_up JPN KOR || fail "the forged notice closed the link"

hl JPN revoke "$T/kor.rev" >"$T/r1.out" 2>&1 || { cat "$T/r1.out"; fail "revoke at JPN"; }
expect_match "$(cat "$T/r1.out")" "revoked: the certificate of KOR/node-1" "JPN takes the notice"
down() { ! link_is_up "$1" "$2"; }
wait_until 10 down JPN KOR || fail "JPN's link to KOR is still up"
wait_until 10 down USA KOR || fail "USA's link to KOR is still up (the notice did not reach it)"
ok "JPN closes its link to KOR, and so does USA, which had the notice from JPN"
expect_match "$(sqlite3 "$FED/USA/data/hotline.db" "select detail from audit where event = 'certificate-revoked'")" \
	"partner KOR revoked a certificate of KOR/node-1 .*host compromised; via JPN/node-1" \
	"USA audits it, naming who passed it on"
sleep 3
down JPN KOR && down USA KOR || fail "KOR linked again"
expect_match "$(hl JPN status --json | jq -r '.peers[] | select(.node == "KOR/node-1") | .last_error')" \
	"revoked" "JPN's status says why KOR is down"
ok "KOR's reconnections are refused"
expect_match "$(hl USA revoke "$T/kor.rev")" "known already" "the same notice again: known already"

# GBR, started after: has it from its first link
node_start GBR
wait_link GBR JPN
wait_until 10 sh -c "sqlite3 '$FED/GBR/data/hotline.db' \"select count(*) from audit where event = 'certificate-revoked'\" | grep -qx 1" ||
	fail "GBR did not get the notice"
sleep 2
down GBR KOR || fail "GBR linked with KOR"
ok "GBR, started later, gets the notice at its link up and refuses KOR"

# kept: JPN restarted still refuses KOR
node_stop JPN
node_start JPN
wait_link JPN USA
sleep 2
down JPN KOR || fail "JPN linked with KOR after a restart"
expect_eq "$(hl JPN revoke --list --json | jq -r '.revocations | length')" 1 "JPN keeps the notice"
ok "after a restart JPN still refuses KOR"

id=$(hl JPN send --to USA,GBR --precedence flash --classification SECRET --releasable-to JPN,USA,GBR \
	--tlp amber "after the revocation") || fail "send"
wait_state JPN "$id" USA delivered
wait_state JPN "$id" GBR delivered
ok "the rest of the federation exchanges as before"
echo "# $SCENARIO: $CHECKS checks passed"
