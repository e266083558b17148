#!/usr/bin/env bash
# Large envelopes (issue 14): POST /api/v1/envelopes/upload takes the
# content as an application/octet-stream body and the envelope's fields in
# the query string (docs/API.md); `hotline send --file` uses it. A content
# or sealed envelope of 256 KiB or more is stored in a file of its own
# beside the database ("hotline.db.blobs"), at the sender and at the
# receiver, and its row names the file instead of holding the bytes. The
# bytes arrive intact, survive kill -9 of both nodes, a refusal stores
# nothing, a file no row names is removed at the next start, and a damaged
# file is an error, not a crash.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
U="https://$api/api/v1"
pw=$(head -n1 "$FED/JPN/admin.password")
JDB="$FED/JPN/data/hotline.db"
KDB="$FED/KOR/data/hotline.db"
FIELDS="to=KOR&precedence=routine&classification=RESTRICTED&releasable_to=JPN,KOR&tlp=amber"

# upload QUERY FILE [CONTENT-TYPE] -> status code; body in $T/body
upload() {
	curl -sk --max-time 120 -u "admin:$pw" -o "$T/body" -w '%{http_code}' -X POST \
		-H "Content-Type: ${3:-application/octet-stream}" --data-binary "@$2" \
		"$U/envelopes/upload?$1"
}
nfiles() { find "$1.blobs" -type f -name '*-*.[cr]' | wc -l; }
sent_rows() {
	sqlite3 "$JDB" "select count(*) from envelopes where inbound = 0 and originator != 'link-test'"
}
sha() { sha256sum "$1" | cut -d' ' -f1; }

# ---- an upload of 3 MiB, stored in files at both ends ----
head -c $((3 * 1024 * 1024)) /dev/urandom >"$T/big.bin"
code=$(upload "$FIELDS" "$T/big.bin")
[ "$code" = 201 ] || fail "upload: HTTP $code $(cat "$T/body")"
id=$(jq -r .id "$T/body")
ok "a 3 MiB upload is accepted (201, id $id)"
wait_state JPN "$id" KOR delivered
hl KOR show "$id" --output "$T/got.bin" >/dev/null || fail "show at KOR"
expect_eq "$(sha "$T/got.bin")" "$(sha "$T/big.bin")" "KOR holds the uploaded bytes unchanged"
expect_eq "$(sqlite3 "$KDB" "select content_type, content_file != 0, content_file_len,
	length(content), raw_file != 0, length(raw), content_sealed from envelopes where id = x'$id'")" \
	"4|1|3145765|0|1|0|1" "KOR's row names its files (content type file, sealed: 37 bytes more) and holds neither copy"
expect_eq "$(sqlite3 "$JDB" "select content_file != 0, length(content), raw_file != 0,
	length(raw) from envelopes where id = x'$id'")" "1|0|1|0" "JPN's row names its files too"
expect_eq "$(nfiles "$JDB") $(nfiles "$KDB")" "2 2" "one content and one envelope file at each end"
expect_eq "$(stat -c %a "$JDB.blobs") $(find "$JDB.blobs" -type f ! -perm 600 | wc -l)" "700 0" \
	"the directory is 0700 and its files 0600"
hl JPN show "$id" --output "$T/mine.bin" >/dev/null || fail "show at JPN"
expect_eq "$(sha "$T/mine.bin")" "$(sha "$T/big.bin")" "JPN reads its own copy back from its file"

# a small upload stays in the row
printf 'small upload' >"$T/small.bin"
code=$(upload "to=KOR&precedence=flash&classification=RESTRICTED&releasable_to=JPN,KOR&tlp=amber\
&content_type=text" "$T/small.bin")
[ "$code" = 201 ] || fail "small upload: HTTP $code $(cat "$T/body")"
sid=$(jq -r .id "$T/body")
wait_state JPN "$sid" KOR delivered
expect_eq "$(sqlite3 "$KDB" "select content_type, precedence, content_file, length(content),
	content_sealed from envelopes where id = x'$sid'")" "1|0|0|49|1" \
	"a small upload is a text FLASH held in its row (sealed: 12 bytes and 37)"
expect_eq "$(hl KOR show "$sid" --json | jq -r .text)" "small upload" "and reads back as sent"

# ---- refusals store nothing ----
rows0=$(sent_rows)
files0=$(nfiles "$JDB")
code=$(upload "$FIELDS" "$T/big.bin" application/json)
expect_eq "$code $(jq -r .error "$T/body")" "415 unsupported_media_type" "a JSON content type is 415"
code=$(upload "" "$T/big.bin")
expect_eq "$code $(jq -r .message "$T/body")" "400 the envelope's fields go in the query string" \
	"no query string is 400"
code=$(upload "$FIELDS&text=x" "$T/big.bin")
expect_eq "$code $(jq -r .message "$T/body")" "400 unknown query parameter \"text\"" \
	"an unknown field is 400, named"
: >"$T/empty.bin"
code=$(upload "$FIELDS" "$T/empty.bin")
expect_eq "$code $(jq -r .message "$T/body")" "400 the content is empty" "an empty body is 400"
refused0=$(sqlite3 "$JDB" "select count(*) from audit where event = 'send-refused'")
code=$(upload "to=KOR&precedence=routine&classification=RESTRICTED&releasable_to=JPN&tlp=amber" \
	"$T/big.bin")
expect_eq "$code" 403 "rule 1 holds for an upload (KOR not releasable): 403"
expect_eq "$(sqlite3 "$JDB" "select count(*) from audit where event = 'send-refused'")" \
	$((refused0 + 1)) "the refusal is audited"
expect_eq "$(sent_rows) $(nfiles "$JDB")" "$rows0 $files0" "no refusal stored a row or a file"

# ---- the CLI sends a file as an upload ----
head -c $((700 * 1024)) /dev/urandom >"$T/cli.bin"
cid=$(hl JPN send --to KOR --precedence priority --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp amber --file "$T/cli.bin") || fail "hotline send --file"
wait_state JPN "$cid" KOR delivered
hl KOR show "$cid" --output "$T/cli.got" >/dev/null || fail "show the CLI's file at KOR"
expect_eq "$(sha "$T/cli.got")" "$(sha "$T/cli.bin")" "hotline send --file: the bytes arrive intact"
expect_eq "$(sqlite3 "$JDB" "select content_type, content_file != 0 from envelopes
	where id = x'$cid'")" "4|1" "the CLI's 700 KiB file is a file envelope, its content in a file"

# ---- kill -9 of both nodes, an orphan, a damaged file ----
for i in 1 2 3; do
	head -c $((400 * 1024)) /dev/urandom >"$T/k$i.bin"
	code=$(upload "$FIELDS" "$T/k$i.bin")
	[ "$code" = 201 ] || fail "upload $i: HTTP $code"
	jq -r .id "$T/body" >"$T/k$i.id"
done
node_stop JPN KILL
node_stop KOR KILL
hex=$(printf '%032x' 7)
orphan="$JDB.blobs/$hex-00000000000000aa.c"
printf 'written before a crash' >"$orphan"
printf 'not ours' >"$JDB.blobs/README"
node_start JPN
node_start KOR
wait_link JPN KOR
[ ! -e "$orphan" ] || fail "the orphan is still there"
ok "at the start, a file no row names is removed"
[ -e "$JDB.blobs/README" ] || fail "a file not named like ours was removed"
grep -q "README is not an envelope file; left alone" "$T/JPN.log" || fail "no log line for README"
ok "a file not named like ours is left alone, and logged"
for i in 1 2 3; do
	kid=$(cat "$T/k$i.id")
	wait_state JPN "$kid" KOR delivered
	hl KOR show "$kid" --output "$T/k$i.got" >/dev/null || fail "show k$i after kill -9"
	[ "$(sha "$T/k$i.got")" = "$(sha "$T/k$i.bin")" ] || fail "k$i changed across kill -9"
done
ok "three uploads acknowledged before kill -9 of both nodes arrive intact"
expect_eq "$(sqlite3 "$KDB" "select count(*) from envelopes where inbound = 1 and
	content_file != 0")" 5 "KOR stored each large one once, in files"
f=$(find "$KDB.blobs" -name "$id-*.c")
truncate -s 100 "$f"
code=$(curl -sk -o "$T/body" -w '%{http_code}' -u "admin:$(head -n1 "$FED/KOR/admin.password")" \
	"https://$(sed -n 's/^api *= *//p' "$(conf KOR)")/api/v1/envelopes/$id")
[ "$code" -ge 500 ] || fail "a damaged file answered $code"
ok "a damaged content file is an error ($code), not bytes cut short"
hl KOR status >/dev/null || fail "KOR died on the damaged file"
ok "KOR is still up"
