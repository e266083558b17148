#!/usr/bin/env bash
# Operators' logins without a password file (issue 17, docs/API.md "Client
# certificates" and "Session tokens", docs/CLI.md "A remote profile"):
# - the admin that pki init writes uses its CLI with its operator
#   certificate alone (no password_file in [cli]); curl, a client that is
#   not ours, gets 200 with the same certificate and key;
# - a certificate from another partner's CA, an expired one, one for
#   another usage and one naming an unknown operator are refused (401) and
#   audited; roles and the second factor apply to a certificate login;
# - hotline login (password, and a TOTP code from oathtool) writes a 0600
#   profile with a session token that is not the password; commands run
#   without -c use it; hotline logout ends it on the node and removes it;
# - a wrong password at login is refused and counts in the failure window.
. "$(dirname "$0")/lib.sh"

command -v oathtool >/dev/null || fail "oathtool missing (scripts/install-deps.sh installs it)"
MK="$HOTLINE_BUILD/tests/mkcert"

fed_init JPN,KOR
db="$FED/JPN/data/hotline.db"
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
U="https://$api"
# the password stays for the console (and the logins below), out of [cli]
mv "$FED/JPN/admin.password" "$FED/JPN/console.password"
sed -i '/^password_file = admin.password$/d' "$(conf JPN)"
grep -q '^password_file' "$(conf JPN)" && fail "password_file still in [cli]"
pw=$(head -n1 "$FED/JPN/console.password")
node_start JPN

audit_count() { sqlite3 "$db" "select count(*) from audit where event = '$1' and detail like '$2'"; }
# cert CERT KEY [PATH]: GET with a client certificate, prints the HTTP status
cert() {
	curl -s --max-time 20 --cacert "$FED/JPN/ca.crt" --cert "$1" --key "$2" \
		-o "$T/body" -w '%{http_code}' "$U${3:-/api/v1/status}"
}
# opcert NAME NB NA EKU [CA_DIR]: an operator certificate in $T
opcert() {
	"$MK" --operator "${5:-$FED/ca/JPN}" "$1" "$2" "$3" "$4" "$T/op.key" "$T/op.crt" >/dev/null ||
		fail "mkcert --operator $1"
}
code() { oathtool --totp -b -N "@$(($(date +%s) + $1))" "$2"; }

# ---- the admin's certificate ----
hl JPN status >/dev/null || fail "the CLI with its certificate and no password file"
ok "the pki-init admin's CLI works with its certificate, no password file"
expect_eq "$(audit_count login 'api: client certificate')" 1 "audited as a login by client certificate"
hl JPN operator list >/dev/null || fail "operator list"
ok "an admin-only command too"
expect_eq "$(cert "$FED/JPN/admin.crt" "$FED/JPN/admin.key")" 200 \
	"curl --cert/--key with the admin's certificate: 200 on /api/v1/status"
expect_eq "$(stat -c %a "$FED/JPN/admin.key")" 600 "the admin's key is 0600"
chmod 640 "$FED/JPN/admin.key"
hl JPN status >"$T/out" 2>&1 && fail "the CLI used a key others may read"
expect_match "$(cat "$T/out")" "readable by group or others" "the CLI refuses a key others may read"
chmod 600 "$FED/JPN/admin.key"

# ---- refused certificates ----
before=$(audit_count login-failed 'api (client certificate) from %')
expect_eq "$(cert "$FED/KOR/admin.crt" "$FED/KOR/admin.key")" 401 "another partner's CA: 401"
expect_match "$(jq -r .message "$T/body")" "client certificate refused" "the refusal says why"
expect_eq "$(audit_count login-failed 'api (client certificate) from %')" $((before + 1)) \
	"audited login-failed (client certificate)"
# the CLI of a configuration whose [cli] names KOR's admin certificate
cp "$FED/KOR/admin.crt" "$FED/JPN/kor-admin.crt"
cp "$FED/KOR/admin.key" "$FED/JPN/kor-admin.key"
sed 's/^certificate = admin.crt$/certificate = kor-admin.crt/; s/^key = admin.key$/key = kor-admin.key/' \
	"$(conf JPN)" >"$FED/JPN/kor.conf"
"$HL" -c "$FED/JPN/kor.conf" status >"$T/out" 2>&1
expect_eq "$?" 4 "the CLI with another partner's certificate: exit 4 (authentication)"
now=$(date +%s)
opcert JPN/admin $((now - 86400 * 10)) $((now - 86400)) clientAuth
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 401 "an expired certificate: 401"
expect_eq "$(audit_count login-failed '%client certificate%expired%')" 1 "audited: expired"
opcert JPN/admin -3600 +3600 serverAuth
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 401 "a certificate for another usage (serverAuth): 401"
expect_eq "$(audit_count login-failed '%client certificate%purpose%')" 1 "audited: unsupported purpose"
opcert JPN/ghost -3600 +3600 clientAuth
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 401 "a certificate naming an unknown operator: 401"
expect_eq "$(audit_count login-failed 'api (client certificate) from %: unknown operator')" 1 \
	"audited: unknown operator"
opcert KOR/admin -3600 +3600 clientAuth
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 401 "this CA's certificate for another partner's operator: 401"

# ---- roles, disabled accounts and the second factor with a certificate ----
printf 'analyst-pass-1\n' >"$T/ann.pw"
hl JPN operator add ann --role analyst --clearance SECRET --nationality JPN \
	--password-file "$T/ann.pw" >/dev/null || fail "operator add ann"
opcert JPN/ann -3600 +3600 clientAuth
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 200 "an analyst's certificate: 200 on status"
expect_eq "$(cert "$T/op.crt" "$T/op.key" /api/v1/inbox)" 403 "and 403 on the inbox (roles)"
hl JPN operator disable ann >/dev/null || fail "operator disable ann"
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 401 "a disabled account's certificate: 401"
printf 'officer-pass-1\n' >"$T/olga.pw"
hl JPN operator add olga --role officer --clearance SECRET --nationality JPN \
	--password-file "$T/olga.pw" >/dev/null || fail "operator add olga"
secret=$(hl JPN operator totp olga | sed -n 's/^secret //p')
[ -n "$secret" ] || fail "operator totp olga"
"$MK" --operator "$FED/ca/JPN" JPN/olga -3600 +3600 clientAuth "$T/olga.key" "$T/olga.crt" >/dev/null ||
	fail "mkcert olga"
expect_eq "$(cert "$T/olga.crt" "$T/olga.key")" 401 "a certificate of an account with a second factor, no code: 401"
expect_eq "$(audit_count login-failed 'api (client certificate) from %: wrong or missing one-time code')" 1 \
	"audited: wrong or missing one-time code"
c1=$(code 0 "$secret")
st=$(curl -s --max-time 20 --cacert "$FED/JPN/ca.crt" --cert "$T/olga.crt" --key "$T/olga.key" \
	-H "X-Hotline-OTP: $c1" -o /dev/null -w '%{http_code}' "$U/api/v1/status")
expect_eq "$st" 200 "with the code: 200 (the certificate replaces the password, not the second factor)"

# ---- hotline login, the profile, hotline logout ----
unset HOTLINE_CONF
export HOTLINE_PROFILE="$T/home/.config/hotline/profile"
mkdir -p "$T/home/.config/hotline"
chmod 700 "$T/home/.config/hotline"
"$HL" status >"$T/out" 2>&1
expect_eq "$?" 2 "no -c and no profile: exit 2"
expect_match "$(cat "$T/out")" "not logged in: .*hotline login" "and the message says to log in"
c2=$(code 30 "$secret")
HOTLINE_PASSWORD=officer-pass-1 "$HL" --otp "$c2" login "$U" --ca "$FED/JPN/ca.crt" --user olga \
	>"$T/out" 2>&1 || fail "hotline login: $(cat "$T/out")"
expect_match "$(cat "$T/out")" "logged in to JPN/node-1 at $U as olga \(officer\)" "hotline login with password and code"
expect_eq "$(stat -c %a "$HOTLINE_PROFILE")" 600 "the profile is 0600"
grep -q "officer-pass-1" "$HOTLINE_PROFILE" && fail "the password is in the profile"
grep -q "$c2" "$HOTLINE_PROFILE" && fail "the code is in the profile"
ok "the profile holds neither the password nor the code"
token=$(sed -n 's/^token = //p' "$HOTLINE_PROFILE")
expect_match "$token" '^[0-9a-f]{64}$' "it holds a 256-bit session token"
expect_eq "$(sed -n 's/^node = //p' "$HOTLINE_PROFILE")" "JPN/node-1" "and the node name its certificate carried"
expect_eq "$(audit_count login 'api: session token issued')" 1 "audited: session token issued"
"$HL" status >"$T/out" 2>&1 || fail "status with the profile: $(cat "$T/out")"
expect_match "$(cat "$T/out")" "^node JPN/node-1" "hotline status without -c uses the profile"
"$HL" inbox >/dev/null || fail "inbox with the profile"
ok "the officer's inbox too"
"$HL" operator list >"$T/out" 2>&1
expect_eq "$?" 1 "but not an admin's command (the role is the account's)"
st=$(curl -s --max-time 20 --cacert "$FED/JPN/ca.crt" -H "Authorization: Bearer $token" \
	-o /dev/null -w '%{http_code}' "$U/api/v1/status")
expect_eq "$st" 200 "curl with the token as a bearer: 200"
"$HL" logout >"$T/out" 2>&1 || fail "hotline logout: $(cat "$T/out")"
[ -e "$HOTLINE_PROFILE" ] && fail "the profile is still there"
ok "hotline logout removes the profile"
expect_eq "$(audit_count logout 'api: session token')" 1 "audited: logout"
st=$(curl -s --max-time 20 --cacert "$FED/JPN/ca.crt" -H "Authorization: Bearer $token" \
	-o "$T/body" -w '%{http_code}' "$U/api/v1/status")
expect_eq "$st" 401 "the token is ended on the node: 401"
"$HL" status >"$T/out" 2>&1
expect_eq "$?" 2 "hotline status after logout fails"
expect_match "$(cat "$T/out")" "^hotline: not logged in" "with a clear message"

# the node's name is pinned: a profile for another name is not made
HOTLINE_PASSWORD=$pw "$HL" login "$U" --ca "$FED/JPN/ca.crt" --user admin --node JPN/node-2 >"$T/out" 2>&1
expect_eq "$?" 3 "login to a node whose certificate names another node: exit 3"
expect_match "$(cat "$T/out")" "is not JPN/node-2" "and says so"
[ -e "$HOTLINE_PROFILE" ] && fail "a profile was written"
ok "no profile was written"
HOTLINE_PASSWORD=$pw "$HL" login "$U" --ca "$FED/KOR/ca.crt" --user admin >"$T/out" 2>&1
expect_eq "$?" 3 "login checking the node against another CA: exit 3"

# ---- a wrong password at login, and the failure window ----
for i in 1 2 3 4 5; do
	HOTLINE_PASSWORD=wrong-$i "$HL" login "$U" --ca "$FED/JPN/ca.crt" --user admin >"$T/out" 2>&1
	[ $? = 4 ] || fail "wrong password $i: $(cat "$T/out")"
done
ok "five wrong passwords at login: exit 4"
[ -e "$HOTLINE_PROFILE" ] && fail "a profile was written"
expect_eq "$(audit_count login-failed 'api from %: wrong password')" 5 "audited: wrong password"
HOTLINE_PASSWORD=$pw "$HL" login "$U" --ca "$FED/JPN/ca.crt" --user admin >"$T/out" 2>&1
expect_eq "$?" 4 "then the right one is refused too (the failure window)"
expect_match "$(cat "$T/out")" "too many failed logins for admin" "rate limited"
# (a new certificate: not in the credential cache)
opcert JPN/admin -3600 +3600 clientAuth
expect_eq "$(cert "$T/op.crt" "$T/op.key")" 200 \
	"a certificate of the account still logs in meanwhile (no password guessed)"
grep -q "$token" "$T"/*.log && fail "a session token is in the node's log"
ok "no session token in the node's log"
