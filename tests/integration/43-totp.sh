#!/usr/bin/env bash
# The operators' second factor (RFC 6238 TOTP, docs/SECURITY.md "Operators'
# second factor"), on a real node, with codes made by an independent
# implementation, oathtool (OATH Toolkit): enrolment shows the secret and
# its otpauth:// URI once; a right code logs in (HTTP Basic with
# X-Hotline-OTP, the console's code field, the CLI's --otp); no code, a
# wrong one and a used one are refused and audited; wrong codes count in
# the failure window; require_totp = admin refuses a configured admin
# without totp_secret_file at start, and an admin account without a secret
# at login, while an officer still logs in with its password alone.
. "$(dirname "$0")/lib.sh"

command -v oathtool >/dev/null || fail "oathtool missing (scripts/install-deps.sh installs it)"

fed_init JPN,KOR
node_start JPN
db="$FED/JPN/data/hotline.db"
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
U="https://$api"
pw=$(head -n1 "$FED/JPN/admin.password")
printf 'admin-pass-2\n' >"$T/dana.pw"
printf 'officer-pass-1\n' >"$T/olga.pw"
hl JPN operator add dana --role admin --clearance SECRET --nationality JPN \
	--password-file "$T/dana.pw" >/dev/null || fail "operator add dana"
hl JPN operator add olga --role officer --clearance SECRET --nationality JPN \
	--password-file "$T/olga.pw" >/dev/null || fail "operator add olga"

# code OFFSET_S SECRET: the code oathtool gives for now + OFFSET_S
code() { oathtool --totp -b -N "@$(($(date +%s) + $1))" "$2"; }
# basic USER:PASS [CODE]: GET /api/v1/status, prints the HTTP status
basic() {
	local h=()
	[ -n "${2:-}" ] && h=(-H "X-Hotline-OTP: $2")
	curl -sk --max-time 20 -u "$1" "${h[@]}" -o "$T/body" -w '%{http_code}' "$U/api/v1/status"
}
# console USER PASS [CODE]: POST /console/login, prints the HTTP status
console() {
	local b
	b=$(jq -nc --arg u "$1" --arg p "$2" --arg c "${3:-}" \
		'{user: $u, password: $p} + (if $c == "" then {} else {code: $c} end)')
	curl -sk --max-time 20 -H 'X-Hotline-Console: 1' -H 'Content-Type: application/json' \
		--data-binary "$b" -o "$T/body" -w '%{http_code}' "$U/console/login"
}
failed() { sqlite3 "$db" "select count(*) from audit where event = 'login-failed' and actor = '$1' and detail like '%$2%'"; }

# ---- enrolment: the secret and its URI, once ----
hl JPN operator totp dana >"$T/enrol" || fail "operator totp dana"
secret=$(sed -n 's/^secret //p' "$T/enrol")
expect_match "$secret" '^[A-Z2-7]{32}$' "enrolment prints a base32 secret of 20 bytes"
expect_eq "$(sed -n 3p "$T/enrol")" "otpauth://totp/hotline:dana@JPN%2Fnode-1?secret=$secret&issuer=hotline" \
	"and its otpauth:// URI"
expect_eq "$(sqlite3 "$db" "select length(totp_key) from accounts where name = 'dana'")" 57 \
	"the database holds the 20-byte secret sealed (37 bytes more)"
hexsecret=$(printf '%s' "$secret" | python3 -c 'import base64,sys; print(base64.b32decode(sys.stdin.read()).hex())')
expect_eq "$(sqlite3 "$db" "select instr(totp_key, x'$hexsecret') from accounts where name = 'dana'")" 0 \
	"and not in clear"
expect_eq "$(sqlite3 "$db" "select detail from audit where event = 'operator-totp' order by seq desc limit 1")" \
	"name=dana totp=enrolled" "audited as operator-totp, without the secret"
grep -rq "$secret" "$T"/*.log && fail "the secret is in the node's log"
ok "the secret is not in the node's log"
expect_eq "$(hl JPN operator list --json | jq -r '.items[] | select(.name == "dana") | .totp')" true \
	"operator list shows the second factor"

# ---- logins with HTTP Basic ----
expect_eq "$(basic dana:admin-pass-2)" 401 "no code: 401"
expect_match "$(jq -r .message "$T/body")" "X-Hotline-OTP" "the refusal names the header"
expect_eq "$(failed dana 'api from %: wrong or missing one-time code')" 1 \
	"audited login-failed: wrong or missing one-time code"
c1=$(code 0 "$secret")
wrong=$(printf '%06d' $(((10#$c1 + 1) % 1000000)))
expect_eq "$(basic dana:admin-pass-2 "$wrong")" 401 "a wrong code: 401"
expect_eq "$(failed dana 'wrong or missing one-time code')" 2 "audited again"
[ "$(sqlite3 "$db" "select count(*) from audit where detail like '%$c1%' or detail like '%$wrong%'")" = 0 ] ||
	fail "a code is in the audit log"
ok "no code is written into the audit log"
expect_eq "$(basic dana:admin-pass-2 "$c1")" 200 "the right code: 200"
expect_eq "$(basic dana:admin-pass-2 "$c1")" 200 "the same request again within the cache's minute: 200"
expect_eq "$(basic dana:admin-pass-2)" 401 "but no code is not covered by that cache entry"

# ---- the CLI: --otp and HOTLINE_OTP (the cache entry above is keyed on
# the code too, so only a request that carries it is served from it) ----
HOTLINE_USER=dana HOTLINE_PASSWORD=admin-pass-2 hl JPN status >/dev/null 2>&1
expect_eq "$?" 4 "the CLI without a code: exit 4 (authentication)"
HOTLINE_USER=dana HOTLINE_PASSWORD=admin-pass-2 hl JPN --otp "$c1" status >/dev/null ||
	fail "the CLI with --otp"
ok "the CLI with --otp CODE"
HOTLINE_USER=dana HOTLINE_PASSWORD=admin-pass-2 HOTLINE_OTP="$c1" hl JPN status >/dev/null ||
	fail "the CLI with HOTLINE_OTP"
ok "the CLI with HOTLINE_OTP"


# ---- a code is good once (the console does not use the Basic cache) ----
expect_eq "$(console dana admin-pass-2 "$c1")" 401 "the code used for the API is refused at the console"
expect_eq "$(failed dana 'already used')" 1 "audited: already used"
c2=$(code 30 "$secret")
expect_eq "$(console dana admin-pass-2 "$c2")" 200 "the next step's code (clock drift) logs in to the console"
expect_eq "$(console dana admin-pass-2 "$c2")" 401 "the same code a second time is refused"
expect_eq "$(console dana admin-pass-2)" 401 "the console without a code: 401"

# ---- an officer without a second factor logs in with the password ----
expect_eq "$(basic olga:officer-pass-1)" 200 "an officer without a second factor: 200"

# ---- removal ----
hl JPN operator totp dana --off >/dev/null || fail "operator totp dana --off"
expect_eq "$(sqlite3 "$db" "select totp_key is null from accounts where name = 'dana'")" 1 "--off removes the secret"
expect_eq "$(console dana admin-pass-2)" 200 "and the password alone logs in again (require_totp = none)"
hl JPN operator totp admin >/dev/null 2>&1 && fail "a configured account was enrolled in the database"
ok "a configured account is not enrolled through the API (totp_secret_file instead)"

# ---- require_totp = admin ----
node_stop JPN
sed -i 's/^\[node\]$/[node]\nrequire_totp = admin/' "$(conf JPN)"
"$HLD" -n -c "$(conf JPN)" >"$T/check" 2>&1 && fail "a configured admin without totp_secret_file passed the check"
expect_match "$(cat "$T/check")" "\[operator admin\]: require_totp covers the admin role: set totp_secret_file" \
	"the configured admin without totp_secret_file is refused at start"
asecret=$(head -c 20 /dev/urandom | base32 | tr -d '=')
printf '%s\n' "$asecret" >"$FED/JPN/admin.totp"
chmod 644 "$FED/JPN/admin.totp"
sed -i 's/^\[operator admin\]$/[operator admin]\ntotp_secret_file = admin.totp/' "$(conf JPN)"
"$HLD" -n -c "$(conf JPN)" >"$T/check" 2>&1 && fail "a secret file others may read passed the check"
expect_match "$(cat "$T/check")" "admin.totp is accessible by group or others" "the secret file must be 0600"
chmod 600 "$FED/JPN/admin.totp"
HOTLINE_OTP=$(code 0 "$asecret") node_start JPN
ok "the node starts with the admin's totp_secret_file"
expect_eq "$(basic "admin:$pw")" 401 "the configured admin without a code: 401"
expect_eq "$(basic "admin:$pw" "$(code 30 "$asecret")")" 200 "with the code from its file: 200"
expect_eq "$(basic dana:admin-pass-2)" 401 "a database admin without a secret: 401"
expect_match "$(jq -r .message "$T/body")" "requires a second factor and none is enrolled" \
	"telling how to enrol one"
expect_eq "$(failed dana 'no one-time code enrolled, which the role requires')" 1 "audited"
expect_eq "$(basic olga:officer-pass-1)" 200 "an officer still logs in without one"

# ---- wrong codes count in the failure window of (address, account) ----
# (with the password: the CLI's certificate would be a new login, and the
# code was used by the request above; the credential cache serves this one)
HOTLINE_PASSWORD=$pw hl JPN --otp "$(code 30 "$asecret")" operator totp olga >"$T/enrol" ||
	fail "operator totp olga"
osecret=$(sed -n 's/^secret //p' "$T/enrol")
for i in 1 2 3 4 5; do
	[ "$(basic olga:officer-pass-1 000000)" = 401 ] || [ "$(code 0 "$osecret")" = 000000 ] ||
		fail "wrong code $i not refused"
done
expect_eq "$(basic olga:officer-pass-1 "$(code 0 "$osecret")")" 429 \
	"after 5 wrong codes even the right one waits for the window (429)"
echo "# $CHECKS checks"
