#!/usr/bin/env bash
# The CLI's and the operator API's error paths on a real node: usage errors
# and --help, wrong password (and the rate limit), unknown ids, bad JSON,
# unknown fields, non-JSON content types, oversized bodies, wrong methods,
# rule 4 (an envelope the operator may not see is 404), and audit entries
# for logins. Each CLI failure must be exactly one line on stderr.
. "$(dirname "$0")/lib.sh"

# one_line_fail EXPECTED_RC REGEX MESSAGE -- CMD...: CMD fails with EXPECTED_RC
# (or any non-zero when EXPECTED_RC is "x") and one stderr line matching REGEX
one_line_fail() {
	local want=$1 pat=$2 msg=$3 rc
	shift 4
	"$@" >"$T/out" 2>"$T/err"
	rc=$?
	[ "$rc" -ne 0 ] || fail "$msg: succeeded"
	[ "$want" = x ] || [ "$rc" = "$want" ] || fail "$msg: exit $rc, expected $want ($(cat "$T/err"))"
	[ "$(wc -l <"$T/err")" = 1 ] || fail "$msg: stderr is not one line: $(cat "$T/err")"
	expect_match "$(cat "$T/err")" "^hotline: .*$pat" "$msg"
}

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR
c=$(conf JPN)
api=$(sed -n 's/^api *= *//p' "$c")
U="https://$api/api/v1"
pw=$(head -n1 "$FED/JPN/admin.password")
CURL=(curl -sk --max-time 20 -u "admin:$pw")

# ---- help and usage ----
for cmd in "" pki send inbox sent show ack delivery status audit; do
	# shellcheck disable=SC2086
	"$HL" $cmd --help >"$T/out" 2>&1 || fail "hotline $cmd --help exits non-zero"
	grep -q "usage:" "$T/out" || fail "hotline $cmd --help prints no usage"
done
"$HL" help send | grep -q "usage: hotline send" || fail "hotline help send"
ok "--help works for every command"
one_line_fail 2 "no command" "no command" -- "$HL"
one_line_fail 2 "unknown command" "unknown command" -- "$HL" frobnicate
one_line_fail 2 "unknown option --bogus" "unknown option" -- hl JPN send --bogus
one_line_fail 2 "required" "send without label options" -- hl JPN send --to KOR hello
one_line_fail 2 "nothing to send" "send without content" -- hl JPN send --to KOR \
	--precedence flash --classification SECRET --releasable-to JPN,KOR --tlp amber
one_line_fail 2 "not an envelope id" "show with a bad id" -- hl JPN show 1234
one_line_fail 2 "expected one envelope ID" "ack without id" -- hl JPN ack
one_line_fail 2 "limit" "inbox --limit 0" -- hl JPN inbox --limit 0
one_line_fail 2 "exercise" "inbox --exercise maybe" -- hl JPN inbox --exercise maybe
one_line_fail 2 "ttl" "send --ttl 0" -- hl JPN send --to KOR --precedence flash \
	--classification SECRET --releasable-to JPN,KOR --tlp amber --ttl 0 x
one_line_fail 2 "configuration" "no configuration" -- env -u HOTLINE_CONF "$HL" status
one_line_fail 2 "partners" "pki init with one partner" -- "$HL" pki init --dir "$T/p1" --partners JPN

# ---- values the node refuses ----
one_line_fail 1 "send: .*precedence" "bad precedence" -- hl JPN send --to KOR \
	--precedence urgent --classification SECRET --releasable-to JPN,KOR --tlp amber x
one_line_fail 1 "send: .*label" "bad classification" -- hl JPN send --to KOR \
	--precedence flash --classification COSMIC --releasable-to JPN,KOR --tlp amber x
one_line_fail 1 "send: .*label" "bad TLP" -- hl JPN send --to KOR \
	--precedence flash --classification SECRET --releasable-to JPN,KOR --tlp purple x
one_line_fail 1 "send: .*XYZ" "unknown recipient" -- hl JPN send --to XYZ \
	--precedence flash --classification SECRET --releasable-to JPN,XYZ --tlp amber x
one_line_fail 1 "send refused: .*own nationality" "releasable-to without JPN" -- hl JPN send \
	--to KOR --precedence flash --classification SECRET --releasable-to KOR --tlp amber x

# ---- unknown ids ----
zero=00000000000000000000000000000000
one_line_fail 1 "show: no such envelope" "show unknown id" -- hl JPN show "$zero"
one_line_fail 1 "ack: no such" "ack unknown id" -- hl JPN ack "$zero"
one_line_fail 1 "delivery: no such envelope" "delivery unknown id" -- hl JPN delivery "$zero"

# ---- reachability and authentication ----
one_line_fail 3 "cannot reach node at 127.0.0.1:1: connection refused" "node not reachable" -- \
	env HOTLINE_API=127.0.0.1:1 "$HL" -c "$c" status
one_line_fail 4 "authentication failed" "wrong password" -- \
	env HOTLINE_PASSWORD=wrong "$HL" -c "$c" status
one_line_fail 4 "authentication failed" "unknown operator" -- \
	env HOTLINE_USER=nobody "$HL" -c "$c" status
n=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event='login-failed'")
[ "$n" -ge 2 ] || fail "failed logins audited: $n"
ok "failed logins are audited ($n)"
n=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event='login' and actor='admin'")
[ "$n" -ge 1 ] || fail "login audited: $n"
ok "login audited"
for i in 1 2 3 4 5 6; do HOTLINE_USER=mallory HOTLINE_PASSWORD=x "$HL" -c "$c" status 2>/dev/null; done
one_line_fail 4 "too many failed logins" "rate limit after repeated failures" -- \
	env HOTLINE_USER=mallory HOTLINE_PASSWORD=x "$HL" -c "$c" status
hl JPN status >/dev/null || fail "admin locked out by someone else's failures"
ok "another user's failures do not lock admin out"

# ---- the API directly ----
code=$(curl -sk -o "$T/body" -w '%{http_code}' "$U/status")
expect_eq "$code" "401" "no credentials: 401"
expect_eq "$(jq -r .error "$T/body")" "unauthorized" "401 body is a JSON error"
curl -sk -D "$T/hdr" -o /dev/null "$U/status"
grep -qi '^WWW-Authenticate: Basic realm="hotline"' "$T/hdr" || fail "no WWW-Authenticate"
ok "401 carries WWW-Authenticate"

post() { # post CONTENT_TYPE BODY -> status code; body in $T/body
	"${CURL[@]}" -o "$T/body" -w '%{http_code}' -X POST -H "Content-Type: $1" --data-binary "$2" "$U/envelopes"
}
expect_eq "$(post application/json '{"to":')" "400" "truncated JSON: 400"
expect_eq "$(jq -r .error "$T/body")" "bad_request" "400 body names bad_request"
expect_eq "$(post application/json '[1,2]')" "400" "JSON array: 400"
good='"to":["KOR"],"precedence":"flash","classification":"SECRET","releasable_to":["JPN","KOR"],"tlp":"amber"'
expect_eq "$(post application/json "{$good,\"text\":\"a\",\"filename\":\"x\"}")" "400" "unknown field: 400"
expect_match "$(jq -r .message "$T/body")" 'filename' "unknown field is named"
expect_eq "$(post application/json "{$good,\"text\":\"a\",\"text\":\"b\"}")" "400" "duplicate key: 400"
expect_eq "$(post application/json "{$good,\"content_b64\":\"!!!\"}")" "400" "bad base64: 400"
expect_eq "$(post text/plain "{$good,\"text\":\"a\"}")" "415" "text/plain body: 415"
expect_eq "$(jq -r .error "$T/body")" "unsupported_media_type" "415 body is a JSON error"
expect_eq "$(post application/json "{$good,\"to\":[\"NOPE\"],\"text\":\"a\"}")" "400" "duplicate to: 400"
code=$("${CURL[@]}" -o /dev/null -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	-H 'Content-Length: 999999999' --data-binary 'x' "$U/envelopes")
expect_eq "$code" "413" "declared body over the limit: 413"
# POST /api/v1/keys/rotate-sig: {"param": 65|87}, none or {}; anything else 400
rsig() { # rsig BODY -> status code; body in $T/body
	"${CURL[@]}" -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
		--data-binary "$1" "$U/keys/rotate-sig"
}
fp87=$("${CURL[@]}" "$U/keys" | jq -r '.signing_keys[] | select(.suite == "ml-dsa-87") | .sha256')
expect_eq "$(rsig '{"param":44}')" "400" "rotate-sig param 44: 400"
expect_eq "$(rsig '{"param":"87"}')" "400" "rotate-sig param as a string: 400"
expect_eq "$(rsig '{"param":87,"also":1}')" "400" "rotate-sig unknown field: 400"
expect_eq "$(rsig '[87]')" "400" "rotate-sig array body: 400"
expect_eq "$(rsig '{"param":87}')" "200" "rotate-sig param 87: 200"
new87=$(jq -r '.signing_keys[] | select(.suite == "ml-dsa-87") | .sha256' "$T/body")
[ -n "$new87" ] && [ "$new87" != "$fp87" ] || fail "rotate-sig 87 did not replace the key ($fp87 -> $new87)"
expect_eq "$(rsig '{}')" "200" "rotate-sig {} (default key): 200"
expect_eq "$(jq -r '.signing_keys | length' "$T/body")" "2" "rotate-sig answers with the key list"
one_line_fail 2 "65 or 87" "keys rotate-sig --param 44" -- hl JPN keys rotate-sig --param 44
one_line_fail 2 "rotate-sig" "keys list --param" -- hl JPN keys list --param 65
code=$("${CURL[@]}" -o "$T/body" -w '%{http_code}' -X DELETE "$U/status")
expect_eq "$code" "405" "DELETE /status: 405"
code=$("${CURL[@]}" -o "$T/body" -w '%{http_code}' "$U/nothing")
expect_eq "$code" "404" "unknown endpoint: 404"
code=$("${CURL[@]}" -o "$T/body" -w '%{http_code}' "$U/inbox?limit=abc")
expect_eq "$code" "400" "bad query: 400"
code=$("${CURL[@]}" -o "$T/body" -w '%{http_code}' "$U/envelopes/xyz")
expect_eq "$code" "404" "malformed id in path: 404"
curl -sk -D "$T/hdr" -o /dev/null -u "admin:$pw" "$U/status"
grep -qi '^Cache-Control: no-store' "$T/hdr" || fail "no Cache-Control: no-store"
grep -qi '^X-Content-Type-Options: nosniff' "$T/hdr" || fail "no nosniff"
grep -qi '^Content-Type: application/json' "$T/hdr" || fail "not application/json"
ok "security headers present"

# ---- a real exchange through the API: send, show, ack twice, delivery ----
id=$(hl JPN send --to KOR --precedence flash --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "api test") || fail "send"
wait_state JPN "$id" KOR delivered
expect_eq "$(hl KOR show "$id" --json | jq -r .text)" "api test" "show --json .text"
hl KOR show "$id" | grep -q '^==== SECRET//REL TO JPN, KOR//TLP:AMBER ====$' || fail "banner"
ok "human show has the label banner"
hl KOR ack "$id" >/dev/null || fail "ack"
one_line_fail 1 "already acknowledged by admin" "second ack" -- hl KOR ack "$id"
code=$(curl -sk -o "$T/body" -w '%{http_code}' -u "admin:$(head -n1 "$FED/KOR/admin.password")" \
	-X POST "https://$(sed -n 's/^api *= *//p' "$(conf KOR)")/api/v1/envelopes/$id/ack")
expect_eq "$code" "409" "second ack through the API: 409"
expect_eq "$(hl JPN sent --json | jq -r --arg id "$id" '.items[] | select(.id == $id) | .delivery.delivered + .delivery.acknowledged')" \
	"1" "sent shows the delivery summary"
one_line_fail 1 "no delivery record" "delivery of a received envelope" -- hl KOR delivery "$id"

# ---- audit verify offline, JSON shape ----
out=$(hl JPN audit verify --json) || fail "audit verify --json"
expect_eq "$(echo "$out" | jq -r '.ok')" "true" "audit verify --json ok"
expect_eq "$(echo "$out" | jq -r '.first_bad_seq')" "null" "first_bad_seq null"
expect_match "$(hl JPN audit verify)" "^audit: [0-9]+ entries verified$" "audit verify human line"
echo "# $SCENARIO: $CHECKS checks passed"
