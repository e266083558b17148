#!/usr/bin/env bash
# A thief of a node's disk (issue 17): KOR carries SECRET traffic (a FLASH
# text and a large file, which lives in a file of its own), and its whole
# directory is copied while it runs: database, WAL, envelope files, key
# files, log. The copy holds no SECRET text and no private key OpenSSL can
# read; a node cannot be started from it; with the seal key, kept outside
# the directory, the same key files open (the control, through an
# independent reader of the format, tests/tools/unseal.py).
. "$(dirname "$0")/lib.sh"

python3 -c 'import cryptography' 2>/dev/null || { echo "# python3-cryptography missing (scripts/install-deps.sh installs it)"; exit 77; }
fed_init JPN,KOR
for p in JPN KOR; do
	cat >>"$(conf $p)" <<EOF

[collection intel]
title = intel
members = JPN,KOR
read = admin
write = admin
EOF
done
# JPN as a node of an earlier release left it: key files in clear; with
# seal_key in its configuration, `pki seal` seals them in place
for f in node.key tls.key; do
	python3 "$HOTLINE_ROOT/tests/tools/unseal.py" "$FED/seal/JPN.key" "$FED/JPN/$f" >"$T/$f" ||
		fail "unseal $f"
	cat "$T/$f" >"$FED/JPN/$f"
done
grep -q "PRIVATE KEY" "$FED/JPN/node.key" || fail "JPN's node.key is not in clear"
hl JPN pki seal >"$T/seal.out" 2>&1 || { cat "$T/seal.out"; fail "pki seal"; }
expect_match "$(tail -n 1 "$T/seal.out")" "^2 key file\(s\) sealed now, 0 sealed already" \
	"pki seal seals the two key files left in clear"
if grep -q "PRIVATE KEY" "$FED/JPN/node.key" "$FED/JPN/tls.key"; then fail "still in clear"; fi
node_start JPN
node_start KOR
wait_link JPN KOR
canary="SECRET-CANARY-$$-$(date +%s%N)"
id=$(hl JPN send --to KOR --precedence flash --classification SECRET --releasable-to JPN,KOR \
	--tlp amber "$canary: missile launch detected") || fail "send FLASH"
wait_state JPN "$id" KOR delivered
{ printf '%s large report\n' "$canary"; head -c 300000 /dev/urandom | base64; } >"$T/big.txt"
id2=$(hl JPN send --to KOR --precedence routine --classification SECRET --releasable-to JPN,KOR \
	--tlp amber --type file --file "$T/big.txt") || fail "send file"
wait_state JPN "$id2" KOR delivered
hl KOR show "$id" | grep -q "$canary" || fail "KOR does not show the FLASH"
hl KOR ack "$id" >/dev/null || fail "ack"
ok "KOR received, shows and acknowledged a SECRET FLASH and a large SECRET file"
# a STIX object shared to KOR's collection, its description a canary too
cat >"$T/bundle.json" <<EOF
{"type": "bundle", "id": "bundle--2f0c1b9e-6a4e-4b8e-9f0e-0c1d2e3f4a5b", "objects": [
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f",
  "created": "2026-12-01T00:00:00.000Z", "modified": "2026-12-01T00:00:00.000Z",
  "name": "beacon", "description": "$canary: the tasking channel",
  "pattern": "[domain-name:value = 'c2.example.net']", "pattern_type": "stix",
  "valid_from": "2026-12-01T00:00:00Z",
  "object_marking_refs": ["marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"]}]}
EOF
hl JPN stix push "$T/bundle.json" --collection intel >/dev/null || fail "stix push"
wait_until 30 sh -c "$(printf '%q ' "$HL") -c $(printf '%q' "$(conf KOR)") stix search beacon --json | jq -e '.matches | length > 0'" ||
	fail "KOR did not store the object"
curl -gsk --max-time 20 -u "admin:$(cat "$FED/KOR/admin.password")" \
	-H 'Accept: application/taxii+json;version=2.1' \
	"https://127.0.0.1:$(sed -n 's/^api = 127.0.0.1://p' "$(conf KOR)")/taxii2/hotline/collections/intel/objects/" \
	>"$T/objects.json" || fail "TAXII GET at KOR"
jq -r '.objects[].description' "$T/objects.json" | grep -q -- "$canary" ||
	fail "KOR does not serve the description back: $(head -c 300 "$T/objects.json")"
ok "KOR stores and reads back a STIX object whose description is a canary"
# a track update whose remark is a canary (the track's id and time stay in
# clear for the picture's index; its record is sealed)
tid=$(hl JPN track-report --to KOR --classification SECRET --releasable-to JPN,KOR --tlp amber \
	--track-id T-0042 --observed 2026-12-07T00:00:00Z --lat 39.5 --lon 135.2 --alt 120000 \
	--speed 2500 --heading 90 --confidence 0.8 --remark "$canary: launch from the north site") || fail "track-report"
wait_state JPN "$tid" KOR delivered
wait_until 15 sh -c "$(printf '%q ' "$HL") -c $(printf '%q' "$(conf KOR)") tracks --json | grep -q -- '$canary'" ||
	fail "KOR's picture does not show the track's remark"
ok "KOR's track picture shows a track whose remark is a canary"
[ -n "$(ls "$FED/KOR/data/hotline.db.blobs" 2>/dev/null)" ] || fail "the large one is not in a file"

# the theft: the node's directory as it is on disk while it runs, and its log
mkdir -p "$T/thief/JPN"
cp -a "$FED/KOR" "$T/thief/KOR"
stolen=$T/thief/KOR
cp "$T/KOR.log" "$stolen/hotlined.log"
# the peers' CA certificates are public: the thief has them too
cp "$FED/JPN/ca.crt" "$T/thief/JPN/ca.crt"
files=$(find "$stolen" -type f | wc -l)
found=$(grep -r -a -l -- "$canary" "$stolen" || true)
[ -z "$found" ] || fail "SECRET text found in: $found"
ok "no SECRET text in any of the $files files copied (database, WAL, envelope files, keys, log), the STIX object's description and the track's remark included"
sealed=$(sqlite3 "file:$stolen/data/hotline.db?mode=ro" \
	"select count(*) from envelopes where inbound = 1 and content_sealed = 1")
expect_eq "$sealed" 4 "the stolen database holds the four envelopes (text, file, STIX bundle, track), sealed"
# the local admin's operator credentials that pki init leaves beside the
# node for the demo (admin.password, admin.key) are the operator's, not the
# node's: a real node's directory does not hold them (docs/INSTALL.md)
rm -f "$stolen/admin.key" "$stolen/admin.crt" "$stolen/admin.password"
pem=$(grep -r -a -l -- "PRIVATE KEY" "$stolen" || true)
[ -z "$pem" ] || fail "a private key in PEM: $pem"
nkeys=0
for f in "$stolen/node.key" "$stolen/tls.key" "$stolen"/data/kem/*.key; do
	[ -f "$f" ] || continue
	nkeys=$((nkeys + 1))
	if openssl pkey -in "$f" -noout 2>/dev/null; then fail "OpenSSL reads $f"; fi
	head -c 8 "$f" | grep -q HLSEALED || fail "$f is not a sealed file"
done
[ "$nkeys" -ge 5 ] || fail "only $nkeys key files copied"
ok "no usable private key: $nkeys key files, all sealed, none read by OpenSSL"

# control: the seal key, kept elsewhere (pki init: DIR/seal/KOR.key), opens them
for f in "$stolen/node.key" "$stolen/tls.key"; do
	python3 "$HOTLINE_ROOT/tests/tools/unseal.py" "$FED/seal/KOR.key" "$f" |
		openssl pkey -noout 2>/dev/null || fail "the seal key does not open $f"
done
ok "control: with the seal key, node.key and tls.key open (independent reader)"

# a node cannot be started from the copy: no seal key, or another one
node_stop KOR
node_stop JPN
if "$HLD" -c "$stolen/node.conf" >"$T/stolen-start.log" 2>&1; then fail "started from the copy"; fi
expect_match "$(cat "$T/stolen-start.log")" "seal/KOR.key: No such file" "the copy does not start without the seal key (kept elsewhere)"
mkdir -p "$T/thief/seal"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/thief/seal/KOR.key"
chmod 600 "$T/thief/seal/KOR.key"
if "$HLD" -c "$stolen/node.conf" >"$T/stolen-start2.log" 2>&1; then fail "started with another key"; fi
expect_match "$(cat "$T/stolen-start2.log")" "does not open with this node's seal_key" \
	"nor with another seal key (a clear error)"
# a seal key kept inside the node's directory is refused by the config check
cp "$FED/seal/KOR.key" "$stolen/seal.key"
sed -i 's|^seal_key = .*|seal_key = file:seal.key|' "$stolen/node.conf"
if "$HLD" -n -c "$stolen/node.conf" >"$T/check.log" 2>&1; then fail "config check passed"; fi
expect_match "$(cat "$T/check.log")" "inside the node's directory" \
	"a seal key inside the node's directory is refused"

# the real node, with its seal key, carries on: what it stored reads back
node_start KOR
hl KOR show "$id" | grep -q "$canary" || fail "KOR does not show the FLASH after restart"
hl KOR show "$id2" --json | jq -e '.signature == "verified"' >/dev/null ||
	fail "the large one does not verify after restart"
ok "the node restarts with its seal key: the FLASH reads back, the file verifies"
echo "# $SCENARIO: $CHECKS checks passed"
