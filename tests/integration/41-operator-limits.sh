#!/usr/bin/env bash
# Issue 17's defects that have a fix so far, each shown on real nodes:
# - the audit view applies rule 4: a RESTRICTED officer, who gets 404 for a
#   SECRET envelope, does not see its id, origin, precedence or size in
#   GET /api/v1/audit either (counted as withheld); an admin does;
# - a login name with a newline cannot write a line of its own into the
#   node's log.
# (Future-dated envelopes: 25-hostile-peer. Receipts matching no delivery:
# test_node test_unmatched_receipt.)
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
U="https://$api/api/v1"
pw=$(head -n1 "$FED/JPN/admin.password")
get() { curl -sk --max-time 20 -u "$1" -o "$T/body" -w '%{http_code}' "$U/$2"; }

# ---- rule 4 in the audit view ----
id=$(hl JPN send --to KOR --precedence flash --classification SECRET --releasable-to JPN,KOR \
	--tlp amber "secret text") || fail "send"
wait_state JPN "$id" KOR delivered
printf 'officer-pass-1\n' >"$T/rita.pw"
hl JPN operator add rita --role officer --clearance RESTRICTED --nationality JPN \
	--password-file "$T/rita.pw" >/dev/null || fail "operator add rita"
expect_eq "$(get "rita:officer-pass-1" "envelopes/$id")" 404 "the RESTRICTED officer gets 404 for the envelope"
expect_eq "$(get "rita:officer-pass-1" "audit?limit=1000")" 200 "and may read the audit view"
expect_eq "$(jq --arg id "$id" '[.items[] | select(.id == $id)] | length' "$T/body")" 0 \
	"where no entry names the SECRET envelope"
[ "$(jq .withheld "$T/body")" -ge 2 ] || fail "withheld: $(jq .withheld "$T/body")"
ok "the entries left out are counted ($(jq .withheld "$T/body") withheld)"
expect_eq "$(get "admin:$pw" "audit?limit=1000")" 200 "the admin reads the audit view"
[ "$(jq --arg id "$id" '[.items[] | select(.id == $id)] | length' "$T/body")" -ge 2 ] ||
	fail "the admin does not see the envelope's entries"
expect_eq "$(jq .withheld "$T/body")" 0 "the admin (SECRET) sees them all"

# ---- a login name with a newline (the console's login form) ----
forged='Z hotlined info: admin in'
jq -n --arg u "kim"$'\n'"$forged" '{user: $u, password: "nopass"}' >"$T/login.json"
code=$(curl -sk --max-time 20 -o /dev/null -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data-binary "@$T/login.json" "https://$api/console/login")
expect_eq "$code" 401 "the console login with a newline in its name is refused"
sleep 0.3
if grep -q "^$forged" "$T/JPN.log"; then fail "the forged line is in the log"; fi
grep -qF "failed login for kim\x0a$forged" "$T/JPN.log" ||
	fail "the escaped name is not in the log: $(grep -a -i 'login' "$T/JPN.log" | tail -n 3)"
ok "the name is logged on one line, its newline escaped as \\x0a"
echo "# $CHECKS checks"
