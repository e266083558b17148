#!/usr/bin/env bash
# A federation mid-upgrade (issue 16): KOR runs the previous release (the
# commit PREV_RELEASE, built from this repository's history into the build
# directory once), JPN and USA this one. The envelope, label and receipt
# formats are unchanged, so: JPN's FLASH envelopes, sealed with KEM
# sessions (the same hybrid ciphertexts for a recipient across envelopes),
# open at the old KOR and at USA; KOR's open at JPN and USA; a label of 40
# partners, which the old release cannot decode, is dropped by KOR
# unanswered (it has no id it trusts to answer to): JPN keeps it queued and
# offers it again, never marks it delivered (docs/PROTOCOL.md
# "Releasability groups", compatibility); once KOR is upgraded on the same
# data, what it stored under the old release reads back, and the queued
# envelope arrives.
. "$(dirname "$0")/lib.sh"

ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
PREV_RELEASE=${HOTLINE_PREV_RELEASE:-2016db5}   # the last release before issue 16
# built once per clone, shared by the plain and sanitizer runs
OLD="$ROOT/build-prev-release/$PREV_RELEASE"
if ! git -C "$ROOT" cat-file -e "$PREV_RELEASE^{commit}" 2>/dev/null; then
	skip "the previous release (commit $PREV_RELEASE) is not in this clone's history"
	exit 0
fi
if [ ! -x "$OLD/build/hotlined" ] || [ ! -x "$OLD/build/hotline" ]; then
	rm -rf "$OLD"
	mkdir -p "$OLD"
	git -C "$ROOT" archive "$PREV_RELEASE" | tar -x -C "$OLD" || fail "git archive $PREV_RELEASE"
	# a plain build, whatever this one is (sanitizers or not)
	make -C "$OLD" -s -j2 SANITIZER= BUILD=build build/hotlined build/hotline \
		>"$T/old-build.log" 2>&1 || { tail -n 20 "$T/old-build.log"; fail "building $PREV_RELEASE"; }
fi
ok "the previous release ($PREV_RELEASE) is built"
OHLD="$OLD/build/hotlined"
OHL="$OLD/build/hotline"
ohl() { local p=$1; shift; "$OHL" -c "$(conf "$p")" "$@"; }

fed_init JPN,KOR,USA
node_start JPN
node_start USA
# KOR: the old daemon (node_start runs ours)
"$OHLD" -c "$(conf KOR)" >>"$T/KOR.log" 2>&1 &
NODE_PID[KOR]=$!
wait_until 10 ohl KOR status || fail "the old KOR did not come up"
wait_link JPN KOR
wait_link JPN USA
wait_link USA KOR
ok "links up between the two releases"

ids=()
for i in 1 2 3; do
	id=$(hl JPN send --to KOR,USA --precedence flash --classification SECRET \
		--releasable-to JPN,KOR,USA --tlp amber "new to old, number $i") || fail "send $i"
	ids+=("$id")
done
for id in "${ids[@]}"; do
	wait_state JPN "$id" KOR delivered
	wait_state JPN "$id" USA delivered
done
ok "three FLASH envelopes from the new JPN delivered to the old KOR and to USA"
expect_eq "$(ohl KOR show "${ids[2]}" --json | jq -r .text)" "new to old, number 3" \
	"the old KOR opens them"
# the KEM session: the three envelopes carry the same ciphertexts to KOR
python3 - "$FED/JPN/data/hotline.db" "${ids[@]}" <<'EOF' || fail "the envelopes do not share KOR's KEM session"
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
raws = []
for i in sys.argv[2:]:
    row = db.execute("select raw from envelopes where id = ?", (bytes.fromhex(i),)).fetchone()
    raws.append(bytes(row[0]))
# the wrap of KOR: find its node name, the ciphertexts follow (u32 epoch, u16 length)
def kor_ct(raw):
    k = raw.index(b"KOR/node-1")
    start = k + len(b"KOR/node-1") + 4 + 2
    return raw[start:start + 32 + 1088]
cts = {kor_ct(r) for r in raws}
sys.exit(0 if len(cts) == 1 else 1)
EOF
ok "JPN reused its KEM session to KOR across the three (one encapsulation)"

id=$(ohl KOR send --to JPN,USA --precedence flash --classification SECRET \
	--releasable-to JPN,KOR,USA --tlp amber "old to new") || fail "old KOR send"
wait_until 15 sh -c "[ \"\$($HL -c $(conf JPN) show $id --json 2>/dev/null | jq -r .text)\" = 'old to new' ]" ||
	fail "JPN did not open the old KOR's envelope"
wait_until 15 sh -c "[ \"\$($HL -c $(conf USA) show $id --json 2>/dev/null | jq -r .text)\" = 'old to new' ]" ||
	fail "USA did not open the old KOR's envelope"
ok "the old KOR's FLASH opens at JPN and USA"

rel="JPN,KOR"
for i in $(seq 10 47); do rel="$rel,Q$i"; done
big=$(hl JPN send --to KOR --precedence immediate --classification RESTRICTED --releasable-to "$rel" \
	--tlp green "forty partners") || fail "send with 40 partners"
wait_until 10 grep -q "malformed envelope" "$T/KOR.log" || fail "the old KOR did not see it"
sleep 1
expect_eq "$(delivery_state JPN "$big" KOR)" queued \
	"a label of 40 partners: the old KOR drops it unanswered, JPN keeps it queued (not delivered)"

# KOR upgraded on the same data: what it stored under the old release reads back
kill -TERM "${NODE_PID[KOR]}"
wait "${NODE_PID[KOR]}" 2>/dev/null
unset "NODE_PID[KOR]"
node_start KOR
expect_eq "$(hl KOR show "${ids[0]}" --json | jq -r .text)" "new to old, number 1" \
	"the upgraded KOR reads what the old one stored"
wait_link JPN KOR
wait_state JPN "$big" KOR delivered
expect_eq "$(hl KOR show "$big" --json | jq -r '.label.releasable_to | length')" 40 \
	"the envelope of 40 partners, kept queued, arrives once KOR is upgraded"
echo "# $CHECKS checks"
