#!/usr/bin/env bash
# Hybrid signatures end to end (issue 19): four nodes with the default
# sig_suite (ed25519-mldsa65) sign envelopes, receipts, descriptors, audit
# checkpoints and witness acknowledgements Ed25519 + ML-DSA, NATO with
# ed25519-mldsa87. Checked on the stored bytes (versions), through the CLI
# (show, delivery, keys list, audit verify, a proof bundle), by flipping
# bytes of either signature half in a stored envelope, and at the edges: an
# ML-DSA key rotation, a pinned key (sig_key_sha256) that does not match,
# and a node going back to Ed25519 alone (a downgrade its partners refuse).
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,USA,NATO
for p in JPN KOR USA NATO; do
	sed -i '/^\[node\]/a audit_checkpoint = 1s' "$(conf "$p")"
done
sed -i '/^\[node\]/a sig_suite = ed25519-mldsa87' "$(conf NATO)"
for p in JPN KOR USA NATO; do node_start "$p"; done
for p in KOR USA NATO; do wait_link JPN "$p"; done
wait_link KOR NATO
jdb="$FED/JPN/data/hotline.db"
kdb="$FED/KOR/data/hotline.db"
# the version byte (offset 4) of stored bytes
ver() { sqlite3 "$1" "select hex(substr($2, 5, 1)) from $3"; }

proto=$(hl JPN status --json | jq -r '[.peers[].protocol] | unique | join(",")')
expect_eq "$proto" "5" "every link speaks protocol 5 (hybrid signatures)"
keys=$(hl JPN keys list --json)
expect_eq "$(echo "$keys" | jq -r '.signature_suite')" "ed25519-mldsa65" "keys list: the suite signed with"
expect_eq "$(echo "$keys" | jq -r '[.signing_keys[].suite] | join(",")')" "ml-dsa-65,ml-dsa-87" \
	"keys list names both ML-DSA keys"
fp65=$(echo "$keys" | jq -r '.signing_keys[] | select(.suite == "ml-dsa-65") | .sha256')
expect_match "$fp65" "^[0-9a-f]{64}$" "with their SHA-256 fingerprints"
owndesc() { sqlite3 "$jdb" "select hex(substr(descriptor, 5, 1)) from peers where node = 'JPN/node-1#descriptor'"; }
expect_eq "$(owndesc)" "02" \
	"JPN's descriptor is version 2 (ML-DSA key, hybrid signature)"

id=$(hl JPN send --to KOR,USA,NATO --precedence flash --classification RESTRICTED \
	--releasable-to JPN,KOR,USA,NATO --tlp green "hybrid FLASH") || fail "send"
for p in KOR USA NATO; do wait_state JPN "$id" "$p" delivered; done
ok "a FLASH to three partners delivered"
expect_eq "$(ver "$jdb" raw "envelopes where id = x'$id'")" "03" "the envelope is version 3 (hybrid batch root)"
expect_eq "$(ver "$kdb" raw "envelopes where id = x'$id'")" "03" "and so is what KOR stored"
sj=$(hl KOR show "$id" --json)
expect_eq "$(echo "$sj" | jq -r .signature)" "verified" "KOR: signature verified"
expect_eq "$(echo "$sj" | jq -r .signature_suite)" "ed25519-mldsa65" "KOR: show --json names the suite"
expect_match "$(hl KOR show "$id")" "signature: +verified \(ed25519-mldsa65; key wrap x25519-mlkem768\)" \
	"KOR: show names it"
dj=$(hl JPN delivery "$id" --json)
expect_eq "$(echo "$dj" | jq -r '[.recipients[] | "\(.node)=\(.receipt_signature_suite)"] | join(" ")')" \
	"KOR/node-1=ed25519-mldsa65 NATO/node-1=ed25519-mldsa87 USA/node-1=ed25519-mldsa65" \
	"delivery --json names each receipt's suite (NATO signs ML-DSA-87)"
expect_match "$(hl JPN delivery "$id")" "NATO/node-1 +delivered .*\[receipt ed25519-mldsa87\]" \
	"delivery names it too"
expect_eq "$(ver "$kdb" receipt "inbound_seen where id = x'$id'")" "03" "KOR's receipt is version 3"

id87=$(hl NATO send --to JPN --precedence immediate --classification RESTRICTED \
	--releasable-to JPN,NATO --tlp green "from NATO, ML-DSA-87") || fail "send from NATO"
wait_state NATO "$id87" JPN delivered
expect_eq "$(hl JPN show "$id87" --json | jq -r '"\(.signature) \(.signature_suite)"')" \
	"verified ed25519-mldsa87" "NATO's envelope: ML-DSA-87, verified at JPN"
expect_eq "$(hl NATO delivery "$id87" --json | jq -r '.recipients[0].receipt_signature_suite')" \
	"ed25519-mldsa65" "JPN's receipt to NATO: its own suite, ML-DSA-65"

# checkpoints and witness acknowledgements: version 2, verified both ways
ours() { hl JPN status --json | jq -r --arg q "$1/node-1" '.peers[] | select(.node == $q) | .our_witness_state'; }
wit_ok() { [ "$(ours "$1")" = ok ]; }
for p in KOR USA NATO; do
	wait_until 15 wit_ok "$p" || fail "$p did not acknowledge JPN's checkpoint ($(ours "$p"))"
done
ok "KOR, USA and NATO acknowledged JPN's checkpoints (hybrid acknowledgements verified)"
expect_eq "$(sqlite3 "$kdb" "select distinct hex(substr(raw, 5, 1)) from witness_checkpoints where node = 'JPN/node-1'")" \
	"02" "the checkpoints KOR witnessed of JPN are version 2"
expect_eq "$(sqlite3 "$jdb" "select distinct hex(substr(raw, 5, 1)) from audit_checkpoints")" "02" \
	"JPN's own checkpoints are version 2"
expect_eq "$(sqlite3 "$jdb" "select count(*) from audit where event = 'checkpoint-ack-invalid' or event = 'checkpoint-invalid'")" \
	"0" "no checkpoint or acknowledgement refused"
hl JPN audit verify >"$T/verify.out" 2>&1 || { cat "$T/verify.out"; fail "audit verify"; }
ok "hotline audit verify checks the hybrid checkpoints with the descriptor's ML-DSA key"
hl JPN audit checkpoint >/dev/null 2>&1 || true
hl JPN audit prove "$id" >"$T/proof.json" || fail "audit prove"
expect_eq "$(jq -r 'has("descriptor")' "$T/proof.json")" "true" "the proof bundle carries the descriptor"
hl JPN audit check-proof --cert "$FED/JPN/node.crt" "$T/proof.json" >"$T/out" 2>&1 ||
	{ cat "$T/out"; fail "check-proof"; }
ok "a third party checks the bundle's hybrid checkpoint with the certificate and the descriptor"
python3 - "$T/proof.json" <<'EOF'
import json, sys
p = json.load(open(sys.argv[1]))
cp = bytearray.fromhex(p["checkpoint"])
cp[-100] ^= 1          # inside the ML-DSA half
p["checkpoint"] = cp.hex()
json.dump(p, open(sys.argv[1] + ".bad", "w"))
EOF
if hl JPN audit check-proof --cert "$FED/JPN/node.crt" "$T/proof.json.bad" >"$T/out" 2>&1; then
	fail "a bundle whose checkpoint's ML-DSA half was flipped was accepted"
fi
ok "a flipped byte in the checkpoint's ML-DSA half fails check-proof"

# a stored envelope with one byte of either half flipped no longer verifies
sigflip() {   # DB ID OFFSET-FROM-THE-END: flip that byte of the stored raw
	python3 - "$1" "$2" "$3" <<'EOF'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
raw = bytearray(db.execute("select raw from envelopes where id = ?", (bytes.fromhex(sys.argv[2]),)).fetchone()[0])
raw[len(raw) - int(sys.argv[3])] ^= 0x20
db.execute("update envelopes set raw = ? where id = ?", (bytes(raw), bytes.fromhex(sys.argv[2])))
db.commit()
EOF
}
mlsig=3309
for back in 10 $((mlsig - 5)) $((mlsig + 10)) $((mlsig + 60)); do
	sigflip "$kdb" "$id" "$back"
	expect_eq "$(hl KOR show "$id" --json | jq -r .signature)" "FAILED" \
		"a byte $back from the end flipped ($([ "$back" -le "$mlsig" ] && echo ML-DSA || echo Ed25519) half): FAILED"
	sigflip "$kdb" "$id" "$back"
done
expect_eq "$(hl KOR show "$id" --json | jq -r .signature)" "verified" "flipped back: verified again"

# rotation: a new ML-DSA key, announced with the old one; KOR audits it
old=$fp65
hl JPN keys rotate-sig >/dev/null || fail "keys rotate-sig"
new=$(hl JPN keys list --json | jq -r '.signing_keys[] | select(.suite == "ml-dsa-65") | .sha256')
[ "$new" != "$old" ] || fail "the key did not change"
ok "JPN rotated its ML-DSA-65 key"
changed() { sqlite3 "$kdb" "select count(*) from audit where event = 'peer-sig-key-changed' and actor = 'JPN/node-1' and detail like '%$new%'" | grep -qx 1; }
wait_until 10 changed || fail "KOR did not audit JPN's new key"
ok "KOR audited peer-sig-key-changed with the new fingerprint"
expect_eq "$(sqlite3 "$jdb" "select count(*) from audit where event = 'sig-key-rotated'")" "1" "JPN audited the rotation"
id2=$(hl JPN send --to KOR --precedence priority --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green "after rotation") || fail "send after rotation"
wait_state JPN "$id2" KOR delivered
expect_eq "$(hl KOR show "$id2" --json | jq -r .signature)" "verified" "signed with the new key: verified"
expect_eq "$(hl KOR show "$id" --json | jq -r .signature)" "verified" \
	"signed with the old key: still verified (the descriptor announces both)"

# a pinned key that is not JPN's: USA refuses JPN's descriptor
node_stop USA
sed -i "/^\[peer JPN\/node-1\]/a sig_key_sha256 = $(printf '%064d' 0)" "$(conf USA)"
node_start USA
refused() { sqlite3 "$FED/USA/data/hotline.db" "select count(*) from audit where event = 'descriptor-refused' and actor = 'JPN/node-1' and detail like '%pinned%'" | grep -qv '^0$'; }
wait_until 15 refused || fail "USA did not refuse JPN's descriptor under a wrong pin"
ok "USA refuses JPN's descriptor: its ML-DSA key is not the one pinned"
node_stop USA
sed -i "s/^sig_key_sha256 = .*/sig_key_sha256 = $new/" "$(conf USA)"
node_start USA
wait_link USA JPN
id3=$(hl JPN send --to USA --precedence priority --classification RESTRICTED \
	--releasable-to JPN,USA --tlp green "pinned") || fail "send to USA"
wait_state JPN "$id3" USA delivered
ok "with JPN's real fingerprint pinned, USA takes its descriptor and its envelopes"

# JPN back to Ed25519 alone: its partners hold its ML-DSA key and refuse
node_stop JPN
sed -i '/^\[node\]/a sig_suite = ed25519\nallow_classical_signatures = yes' "$(conf JPN)"
node_start JPN
down() { sqlite3 "$kdb" "select count(*) from audit where event = 'descriptor-refused' and actor = 'JPN/node-1' and detail like '%downgrade%'" | grep -qv '^0$'; }
wait_until 15 down || fail "KOR did not refuse JPN's Ed25519-only descriptor"
ok "KOR refuses JPN's Ed25519-only descriptor after its hybrid one (a downgrade)"
expect_eq "$(owndesc)" "01" \
	"JPN's descriptor is version 1 now"
node_stop JPN
sed -i '/^allow_classical_signatures = yes$/d' "$(conf JPN)"
if "$HLD" -n -c "$(conf JPN)" >"$T/check.out" 2>&1; then
	fail "sig_suite = ed25519 accepted without allow_classical_signatures"
fi
expect_match "$(cat "$T/check.out")" "allow_classical_signatures" \
	"sig_suite = ed25519 alone is refused, naming allow_classical_signatures"
echo "# 69-hybrid-signatures: all checks passed"
