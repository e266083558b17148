#!/usr/bin/env bash
# hotlined -n: a good config is OK; each broken one gives file:line: message
# and exit 1, and a group-readable key stops the node.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
c=$(conf JPN)
out=$("$HLD" -n -c "$c") || fail "good config refused"
ok "good config: $out"

broken() {
	local name=$1 edit=$2 pat=$3
	cp "$c" "$FED/JPN/bad.conf"
	sed -i "$edit" "$FED/JPN/bad.conf"
	if "$HLD" -n -c "$FED/JPN/bad.conf" >"$T/out" 2>"$T/err"; then fail "$name accepted"; fi
	expect_match "$(cat "$T/err")" "$pat" "$name: $(head -1 "$T/err")"
}
broken "unknown key" 's/^\[node\]/[node]\nbogus = 1/' 'bad.conf:[0-9]+: .*bogus'
broken "bad accreditation" 's/^accreditation = SECRET/accreditation = COSMIC/' 'bad.conf:[0-9]+: .*COSMIC'
broken "bad port" 's/^listen = 127.0.0.1:\([0-9]*\)/listen = 127.0.0.1:99999/' 'bad.conf:[0-9]+: .*listen'
broken "pin mismatch" "s/^ca_sha256 = .*/ca_sha256 = $(printf "%064d" 0)/" 'bad.conf:[0-9]+: .*(pin|ca_sha256)'
printf '[node]\n\001\002garbage\n' >"$T/bad.conf"
if "$HLD" -n -c "$T/bad.conf" 2>"$T/err"; then fail "garbage accepted"; fi
expect_match "$(cat "$T/err")" 'bad.conf:[0-9]+:' "garbage config: $(head -1 "$T/err")"
if "$HLD" -n -c "$T/missing.conf" 2>"$T/err"; then fail "missing file accepted"; fi
ok "missing config refused: $(head -1 "$T/err")"

chmod 640 "$FED/JPN/node.key"
if "$HLD" -c "$c" >"$T/out" 2>"$T/err"; then fail "group-readable key accepted"; fi
expect_match "$(cat "$T/err")" "node.key" "group-readable node key refused: $(head -1 "$T/err")"
chmod 600 "$FED/JPN/node.key"
echo "# $SCENARIO: $CHECKS checks passed"
