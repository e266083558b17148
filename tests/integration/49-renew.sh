#!/usr/bin/env bash
# Certificates renewed in time (issue 17): a node whose certificates end in
# 10 days says so in status (RENEW), in its log and in its audit log; `pki
# renew` gives it new certificates for the keys it has, from its partner's
# CA; after a restart status is clean, the link to the partner comes back
# and a FLASH goes through (the partner accepts the renewed certificate in
# the TLS handshake and in the node's descriptor).
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
hl JPN pki renew --ca "$FED/ca/JPN" --days 10 >"$T/renew1.out" 2>&1 || { cat "$T/renew1.out"; fail "pki renew --days 10"; }
expect_match "$(cat "$T/renew1.out")" "renewed .*/node.crt: valid until [0-9T:-]+Z \\(10 days\\)" "pki renew --days 10 renews node.crt"
openssl verify -CAfile "$FED/JPN/ca.crt" "$FED/JPN/node.crt" "$FED/JPN/tls.crt" >/dev/null ||
	fail "OpenSSL does not verify the renewed certificates"
if openssl x509 -in "$FED/JPN/tls.crt" -noout -checkend $((11 * 86400)) >/dev/null; then
	fail "tls.crt does not end within 11 days"
fi
ok "OpenSSL verifies them against the partner CA, ending within 11 days"
node_start JPN
node_start KOR
wait_link JPN KOR
hl JPN status >"$T/status1.out" || fail "status"
expect_match "$(cat "$T/status1.out")" "certificate certificate .*node.crt: RENEW, 10 day\\(s\\) left" \
	"status says the node certificate is to renew, with the days left"
expect_eq "$(hl JPN status --json | jq -r '[.certificates[] | select(.state == "renew") | .role] | sort | join(",")')" \
	"certificate,tls_certificate" "status --json: both certificates in state renew, the rest ok"
wait_until 10 grep -q "certificate: certificate .*node.crt expires at .*in 10 day(s): renew it" "$T/JPN.log" ||
	fail "no warning in the log"
ok "the log warns, naming the file and the days left"
expect_eq "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event = 'certificate-expiring'")" \
	2 "each warning is an audit entry"

# renewed for a year, the node restarted: clean, linked, carrying traffic
hl JPN pki renew --ca "$FED/ca/JPN" >"$T/renew2.out" 2>&1 || { cat "$T/renew2.out"; fail "pki renew"; }
expect_match "$(cat "$T/renew2.out")" "console.crt: valid until" "pki renew renews the console certificate too"
node_stop JPN
node_start JPN
wait_link JPN KOR
hl JPN status >"$T/status2.out" || fail "status"
if grep -q "RENEW\|EXPIRED" "$T/status2.out"; then fail "status still warns: $(cat "$T/status2.out")"; fi
expect_match "$(cat "$T/status2.out")" "certificates: [0-9]+ ok, the first to expire in 3[0-9][0-9] days" \
	"after renewal and a restart, status counts them ok"
id=$(hl JPN send --to KOR --precedence flash --classification SECRET --releasable-to JPN,KOR \
	--tlp amber "after renewal") || fail "send"
wait_state JPN "$id" KOR delivered
hl KOR show "$id" --json | jq -e '.signature == "verified"' >/dev/null || fail "KOR does not verify it"
ok "KOR takes the renewed certificates: link up, FLASH delivered and verified"
echo "# $SCENARIO: $CHECKS checks passed"
