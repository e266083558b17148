#!/usr/bin/env bash
# Sealed, verifiable backups (issue 17): KOR is backed up while it runs and
# carries SECRET traffic; the backup holds no SECRET text; verify checks it;
# an altered or cut backup is refused, naming the chunk; a node restored
# from it into a new directory starts and shows what KOR had received, its
# audit log verifying; without the seal key, or with another, it does not
# open.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR
canary="SECRET-CANARY-$$-$(date +%s%N)"
id=$(hl JPN send --to KOR --precedence flash --classification SECRET --releasable-to JPN,KOR \
	--tlp amber "$canary: launch detected") || fail "send FLASH"
wait_state JPN "$id" KOR delivered
{ printf '%s large report\n' "$canary"; head -c 300000 /dev/urandom | base64; } >"$T/big.txt"
id2=$(hl JPN send --to KOR --precedence routine --classification SECRET --releasable-to JPN,KOR \
	--tlp amber --type file --file "$T/big.txt") || fail "send file"
wait_state JPN "$id2" KOR delivered

# taken while KOR runs and receives
id3=$(hl JPN send --to KOR --precedence immediate --classification SECRET --releasable-to JPN,KOR \
	--tlp amber "during the backup") || fail "send"
hl KOR backup "$T/kor.bak" >"$T/backup.out" 2>&1 || { cat "$T/backup.out"; fail "backup"; }
expect_match "$(cat "$T/backup.out")" "files sealed into" "a backup taken while the node runs"
[ "$(stat -c %a "$T/kor.bak")" = 600 ] || fail "the backup file is not 0600"
if grep -a -q -- "$canary" "$T/kor.bak"; then fail "SECRET text in the backup"; fi
if grep -a -q -- "PRIVATE KEY" "$T/kor.bak"; then fail "a private key in the backup"; fi
if grep -a -q -- "node-1" "$T/kor.bak"; then fail "clear text (the node's name) in the backup"; fi
ok "the backup (0600) holds no SECRET text, no key and nothing else in clear"
if hl KOR backup "$T/kor.bak" >/dev/null 2>&1; then fail "backup overwrote a file"; fi
ok "backup refuses to overwrite a file"
hl KOR backup verify "$T/kor.bak" >"$T/verify.out" 2>&1 || { cat "$T/verify.out"; fail "verify"; }
expect_match "$(cat "$T/verify.out")" "every chunk opens and every SHA-256 matches" \
	"backup verify opens every chunk and checks every file"
expect_match "$(cat "$T/verify.out")" "audit log of [0-9]+ entries verifies" \
	"and the database's audit log"

# altered, cut short, another seal key
size=$(stat -c %s "$T/kor.bak")
cp "$T/kor.bak" "$T/bad.bak"
printf '\x55' | dd of="$T/bad.bak" bs=1 seek=$((size / 2)) conv=notrunc status=none
if hl KOR backup verify "$T/bad.bak" >"$T/bad.out" 2>&1; then fail "an altered backup verified"; fi
expect_match "$(cat "$T/bad.out")" "chunk [0-9]+ does not open" "an altered backup is refused, naming the chunk"
head -c $((size - 100)) "$T/kor.bak" >"$T/cut.bak"
if hl KOR backup verify "$T/cut.bak" >"$T/cut.out" 2>&1; then fail "a cut backup verified"; fi
expect_match "$(cat "$T/cut.out")" "truncated" "a backup cut short is refused"
head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n' >"$T/other.key"
chmod 600 "$T/other.key"
if "$HL" restore "$T/kor.bak" "$T/nope" --seal-key "file:$T/other.key" >"$T/other.out" 2>&1; then
	fail "restored with another seal key"
fi
expect_match "$(cat "$T/other.out")" "does not open" "another seal key does not open it"

# restored into a new directory, as on a new machine: the node comes back
node_stop KOR
"$HL" restore "$T/kor.bak" "$T/restored" --seal-key "file:$FED/seal/KOR.key" >"$T/restore.out" 2>&1 ||
	{ cat "$T/restore.out"; fail "restore"; }
expect_match "$(cat "$T/restore.out")" "files written under" "restore writes the files"
[ -f "$T/restored/data/hotline.db" ] && [ -f "$T/restored/node.key" ] &&
	[ -n "$(ls "$T/restored/data/kem")" ] && [ -n "$(ls "$T/restored/data/hotline.db.blobs")" ] ||
	fail "restore misses files"
# the paths outside the node's directory, as the operator sets them
sed -i "s|^ca = \.\./JPN/ca.crt|ca = $FED/JPN/ca.crt|; s|^seal_key = .*|seal_key = file:$FED/seal/KOR.key|" \
	"$T/restored/node.conf"
# the operator's own credentials ([cli]) are not the node's: not in a backup
cp "$FED/KOR/admin.password" "$FED/KOR/admin.key" "$FED/KOR/admin.crt" "$T/restored/"
mv "$FED/KOR" "$FED/KOR.orig"
mv "$T/restored" "$FED/KOR"
node_start KOR
hl KOR show "$id" | grep -q -- "$canary" || fail "the restored node does not show the FLASH"
expect_eq "$(hl KOR show "$id2" --json | jq -r .signature)" verified "the large file verifies"
hl KOR show "$id3" --json >/dev/null 2>&1 || echo "# the envelope sent during the backup came after the snapshot"
hl KOR audit verify >"$T/audit.out" || fail "audit verify"
ok "the restored node starts, shows the SECRET FLASH, the large file verifies, the audit log verifies"
wait_link JPN KOR
echo "# $SCENARIO: $CHECKS checks passed"
