#!/usr/bin/env bash
# POST /api/v1/envelopes/batch on real nodes (docs/API.md): a mixed batch
# answers per item, in request order, exactly what the single endpoint
# answers for the same body (status, error and message), and the items the
# node refuses are audited as the single sends are; 1,000 items are sent
# and arrive; 1,001 is 413, a malformed item 400 naming its index, a body
# over 16 MiB 413, and none of these sends anything; an officer below an
# item's classification is refused per item as on the single endpoint;
# `hotline send --batch FILE.jsonl` prints a line per envelope, checks every
# line before sending any and splits a long file into requests of 1,000.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA
node_start JPN
node_start KOR
wait_link JPN KOR
# USA is configured but never started: a send to it is stored, awaiting its key
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
U="https://$api/api/v1"
pw=$(head -n1 "$FED/JPN/admin.password")
DB="$FED/JPN/data/hotline.db"

# post USER:PASS PATH FILE -> status code; body in $T/body, headers in $T/hdr
post() {
	curl -sk --max-time 120 -u "$1" -D "$T/hdr" -o "$T/body" -w '%{http_code}' -X POST \
		-H 'Content-Type: application/json' --data-binary "@$3" "$U/$2"
}
sql() { sqlite3 "$DB" "$1"; }
# (the scheduled link test, originator link-test, may be sent at any time)
sent_rows() { sql "select count(*) from envelopes where inbound = 0 and originator != 'link-test'"; }
refusals() { sql "select count(*) from audit where event = 'send-refused'"; }

# ---- a mixed batch, item by item against the single endpoint ----
# 0 ok; 1 rule 1 (USA not in releasable-to); 2 unknown recipient; 3 our own
# nationality missing from releasable-to; 4 TLP:RED to every peer (not
# named); 5 ok, to a peer whose key is not known yet (stored, awaiting it);
# 6 ok, file content, exercise, ttl
jq -n '[
 {to:["KOR"], precedence:"flash", classification:"SECRET", releasable_to:["JPN","KOR"], tlp:"amber", text:"batch 0"},
 {to:["USA"], precedence:"flash", classification:"SECRET", releasable_to:["JPN","KOR"], tlp:"amber", text:"batch 1"},
 {to:["XYZ"], precedence:"routine", classification:"SECRET", releasable_to:["JPN","XYZ"], tlp:"amber", text:"batch 2"},
 {to:["KOR"], precedence:"routine", classification:"SECRET", releasable_to:["KOR"], tlp:"amber", text:"batch 3"},
 {to_all:true, precedence:"immediate", classification:"SECRET", releasable_to:["JPN","KOR","USA"], tlp:"red", text:"batch 4"},
 {to:["USA"], precedence:"priority", classification:"RESTRICTED", releasable_to:["JPN","USA"], tlp:"green", text:"batch 5"},
 {to:["KOR"], precedence:"routine", classification:"UNCLASSIFIED", releasable_to:["JPN","KOR"], tlp:"clear", content_type:"file", content_b64:"AAEC/w==", exercise:true, ttl_s:600}
]' >"$T/items.json"
n_items=$(jq length "$T/items.json")
jq '{envelopes: .}' "$T/items.json" >"$T/mixed.json"

# the single endpoint first, counting what it audits
r0=$(refusals)
for i in $(seq 0 $((n_items - 1))); do
	jq ".[$i]" "$T/items.json" >"$T/one.json"
	code=$(post "admin:$pw" envelopes "$T/one.json")
	if [ "$code" = 201 ]; then
		echo "$i 201" >>"$T/single.txt"
	else
		jq -r --arg i "$i" --arg c "$code" '$i + " " + $c + " " + .error + " " + .message' \
			"$T/body" >>"$T/single.txt"
	fi
done
r1=$(refusals)
s0=$(sent_rows)
code=$(post "admin:$pw" envelopes/batch "$T/mixed.json")
expect_eq "$code" "200" "mixed batch: 200"
r2=$(refusals)
s1=$(sent_rows)
jq -r '.results[] | if .status == 201 then "\(.index) 201"
	else "\(.index) \(.status) \(.error) \(.message)" end' "$T/body" >"$T/batch.txt"
diff "$T/single.txt" "$T/batch.txt" >"$T/diff.txt" ||
	fail "batch results differ from the single endpoint's: $(cat "$T/diff.txt")"
ok "each of $n_items results (status, error, message) is the single endpoint's, in request order"
expect_eq "$(cut -d' ' -f2 "$T/batch.txt" | tr '\n' ' ')" "201 403 422 403 403 201 201 " \
	"the mix: accepted, rule 1, unknown recipient, own nationality, TLP:RED not named"
expect_eq "$(jq -r '"\(.accepted) \(.refused)"' "$T/body")" "3 4" "accepted 3, refused 4"
expect_eq "$(jq -r '[.results[].index] == [range(7)]' "$T/body")" "true" "indexes 0..6 in order"
expect_eq "$((s1 - s0))" "3" "the batch stored exactly the 3 accepted envelopes"
expect_eq "$((r1 - r0))" "$((r2 - r1))" "the batch's refusals are audited as the single ones are"
[ "$((r2 - r1))" -ge 3 ] || fail "send-refused audited $((r2 - r1)) times, expected at least 3"
ok "send-refused audited $((r2 - r1)) times for the batch, as for the single sends"
id0=$(jq -r '.results[0].id' "$T/body")
id6=$(jq -r '.results[6].id' "$T/body")
wait_state JPN "$id0" KOR delivered
expect_eq "$(hl KOR show "$id0" --json | jq -r '.text + " " + .originator + " " + .precedence')" \
	"batch 0 admin FLASH" "item 0 arrived at KOR with its text, originator and precedence"
expect_eq "$(hl KOR show "$id6" --json | jq -r '.content_b64 + " " + (.exercise | tostring)')" \
	"AAEC/w== true" "item 6 arrived with its content and the exercise mark"
expect_eq "$(delivery_state JPN "$(jq -r '.results[5].id' "$T/body")" USA)" "awaiting-key" \
	"item 5 waits for USA's key"

# ---- an officer below the item's classification, per item ----
printf 'officer-pass-1\n' >"$T/ann.pw"
hl JPN operator add ann --role officer --clearance RESTRICTED --nationality JPN \
	--password-file "$T/ann.pw" >/dev/null || fail "operator add ann"
jq -n '{envelopes: [
 {to:["KOR"], precedence:"routine", classification:"UNCLASSIFIED", releasable_to:["JPN","KOR"], tlp:"green", text:"officer 0"},
 {to:["KOR"], precedence:"routine", classification:"SECRET", releasable_to:["JPN","KOR"], tlp:"green", text:"officer 1"}]}' \
	>"$T/ann.json"
jq '.envelopes[1]' "$T/ann.json" >"$T/ann1.json"
code=$(post "ann:officer-pass-1" envelopes "$T/ann1.json")
expect_eq "$code" "403" "officer, SECRET item, single endpoint: 403"
single=$(jq -r '.error + " " + .message' "$T/body")
code=$(post "ann:officer-pass-1" envelopes/batch "$T/ann.json")
expect_eq "$code" "200" "officer batch: 200"
expect_eq "$(jq -r '.results[1] | "\(.status) \(.error) \(.message)"' "$T/body")" "403 $single" \
	"officer, SECRET item in a batch: the single endpoint's 403"
expect_match "$single" "clearance \\(RESTRICTED\\)" "the refusal names the officer's clearance"
expect_eq "$(jq -r '.results[0].status' "$T/body")" "201" "officer, UNCLASSIFIED item: 201"
expect_eq "$(hl JPN show "$(jq -r '.results[0].id' "$T/body")" --json | jq -r .originator)" "ann" \
	"the officer is the item's originator"

# ---- 1,000 items ----
jq -n '{envelopes: [range(1000) as $i | {to:["KOR"], precedence:"routine",
	classification:"UNCLASSIFIED", releasable_to:["JPN","KOR"], tlp:"green", text:"bulk \($i)"}]}' \
	>"$T/k.json"
k0=$(sent_rows)
code=$(post "admin:$pw" envelopes/batch "$T/k.json")
expect_eq "$code" "200" "1,000 items: 200"
expect_eq "$(jq -r '"\(.accepted) \(.refused) \(.results | length)"' "$T/body")" "1000 0 1000" \
	"1,000 accepted, one result each"
expect_eq "$(jq -r '[.results[].index] == [range(1000)] and ([.results[].id] | unique | length) == 1000' \
	"$T/body")" "true" "results in request order, 1,000 distinct ids"
expect_eq "$(( $(sent_rows) - k0 ))" "1000" "1,000 envelopes stored"
kor_has_all() {
	[ "$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) from envelopes where inbound = 1 and originator = 'admin'")" -ge 1003 ]
}
wait_until 120 kor_has_all || fail "KOR did not receive the 1,000 (plus the 3 earlier)"
ok "KOR received all 1,000"

# ---- refusals of the whole batch: nothing is sent ----
s0=$(sent_rows)
jq -n '{envelopes: [range(1001) as $i | {to:["KOR"], precedence:"routine",
	classification:"UNCLASSIFIED", releasable_to:["JPN","KOR"], tlp:"green", text:"x"}]}' >"$T/over.json"
code=$(post "admin:$pw" envelopes/batch "$T/over.json")
expect_eq "$code" "413" "1,001 items: 413"
expect_eq "$(jq -r .error "$T/body")" "payload_too_large" "413 names payload_too_large"
expect_match "$(jq -r .message "$T/body")" "more than 1000" "413 says the limit"
jq '.[2] += {bogus: 1} | {envelopes: .}' "$T/items.json" >"$T/bad.json"
code=$(post "admin:$pw" envelopes/batch "$T/bad.json")
expect_eq "$code" "400" "malformed item: 400"
expect_eq "$(jq -r '"\(.error) \(.index)"' "$T/body")" "bad_request 2" "400 names the item's index"
expect_match "$(jq -r .message "$T/body")" '^envelopes\[2\]: unknown field "bogus"$' \
	"the message names the item and the field"
printf '{"envelopes":[{"to":["KOR"]' >"$T/trunc.json"
expect_eq "$(post "admin:$pw" envelopes/batch "$T/trunc.json")" "400" "truncated body: 400"
printf '{"envelopes":[]}' >"$T/empty.json"
expect_eq "$(post "admin:$pw" envelopes/batch "$T/empty.json")" "400" "empty batch: 400"
python3 -c 'import sys; sys.stdout.write("{\"envelopes\":[{\"text\":\"" + "a" * (16 * 1024 * 1024) + "\"}]}")' \
	>"$T/huge.json"
expect_eq "$(post "admin:$pw" envelopes/batch "$T/huge.json")" "413" "body over 16 MiB: 413"
expect_eq "$(sent_rows)" "$s0" "none of the refused batches sent anything"

# ---- the CLI: hotline send --batch FILE.jsonl ----
{
	jq -c '.[0]' "$T/items.json"
	echo
	jq -c '.[1]' "$T/items.json"
	printf '%s\r\n' "$(jq -c '.[6]' "$T/items.json")"
} >"$T/cli.jsonl"
s0=$(sent_rows)
hl JPN send --batch "$T/cli.jsonl" >"$T/out" 2>"$T/err"
expect_eq "$?" "1" "send --batch with a refused line: exit 1"
expect_eq "$(wc -l <"$T/out")" "3" "one output line per envelope (the blank line skipped)"
expect_match "$(sed -n 1p "$T/out")" '^[0-9a-f]{32}$' "line 1: its id"
expect_eq "$(sed -n 2p "$T/out")" "refused $(sed -n 2p "$T/single.txt" | cut -d' ' -f2-3): $(sed -n 2p "$T/single.txt" | cut -d' ' -f4-)" \
	"line 2: refused as the single endpoint refuses it"
expect_match "$(sed -n 3p "$T/out")" '^[0-9a-f]{32}$' "line 3 (CRLF): its id"
expect_eq "$(cat "$T/err")" "hotline: send: 1 of 3 envelopes refused" "one stderr line with the count"
expect_eq "$(( $(sent_rows) - s0 ))" "2" "the CLI's batch stored the 2 accepted"
expect_eq "$(hl JPN show "$(sed -n 3p "$T/out")" --json | jq -r .content_b64)" "AAEC/w==" \
	"the CRLF line's envelope has its content"
jq -c '.[0]' "$T/items.json" >"$T/bad.jsonl"
jq -c '.[0] + {bogus: 1}' "$T/items.json" >>"$T/bad.jsonl"
s0=$(sent_rows)
hl JPN send --batch "$T/bad.jsonl" >"$T/out" 2>"$T/err"
expect_eq "$?" "2" "send --batch with a malformed line: exit 2"
expect_match "$(cat "$T/err")" "^hotline: send: .*bad.jsonl:2: unknown field \"bogus\"$" \
	"the malformed line is named, in one stderr line"
expect_eq "$(sent_rows)" "$s0" "a file with a malformed line sends nothing"
hl JPN send --batch "$T/bad.jsonl" --to KOR >/dev/null 2>"$T/err"
expect_eq "$?" "2" "send --batch with --to: usage error"
jq -c '.envelopes[]' "$T/k.json" >"$T/k.jsonl"
jq -c '.envelopes[0]' "$T/k.json" >>"$T/k.jsonl"
s0=$(sent_rows)
hl JPN send --batch "$T/k.jsonl" >"$T/out" 2>"$T/err" || fail "send --batch of 1,001 lines: $(cat "$T/err")"
expect_eq "$(grep -cE '^[0-9a-f]{32}$' "$T/out")" "1001" "1,001 lines: 1,001 ids (two requests)"
expect_eq "$(( $(sent_rows) - s0 ))" "1001" "1,001 stored"

# ---- the route: method, credentials ----
s0=$(sent_rows)
code=$(curl -sk -u "admin:$pw" -D "$T/hdr" -o "$T/body" -w '%{http_code}' "$U/envelopes/batch")
expect_eq "$code" "405" "GET /envelopes/batch: 405"
grep -qi '^Allow: POST' "$T/hdr" || fail "405 without Allow: POST"
code=$(curl -sk -o "$T/body" -w '%{http_code}' -X POST -H 'Content-Type: application/json' \
	--data-binary "@$T/mixed.json" "$U/envelopes/batch")
expect_eq "$code" "401" "no credentials: 401"
expect_eq "$(sent_rows)" "$s0" "an unauthenticated batch sent nothing"
kill -0 "${NODE_PID[JPN]}" || fail "JPN died"
ok "JPN still running"
echo "# $SCENARIO: $CHECKS checks passed"
