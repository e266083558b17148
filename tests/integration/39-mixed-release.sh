#!/usr/bin/env bash
# A federation mid-upgrade (issue 16): KOR runs the previous release (the
# commit PREV_RELEASE, built from this repository's history into the build
# directory once), JPN and USA this one. The envelope, label and receipt
# formats are unchanged, so: JPN's FLASH envelopes, sealed with KEM
# sessions (the same hybrid ciphertexts for a recipient across envelopes),
# open at the old KOR and at USA; KOR's open at JPN and USA. The link
# protocol is negotiated with TLS ALPN: JPN-USA speak 2, JPN-KOR 1 (the old
# release offers nothing and ignores the offer). A label of 40 partners,
# which the old release cannot decode, is refused at JPN for KOR with the
# reason, and goes to USA; once KOR is upgraded on the same data, what it
# stored under the old release reads back, its link speaks 2 and the same
# send goes.
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
expect_eq "$(hl JPN status --json | jq -r '[.peers[] | "\(.node)=\(.protocol)"] | sort | join(" ")')" \
	"KOR/node-1=1 USA/node-1=2" "JPN speaks protocol 1 with the old KOR, 2 with USA"

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
if hl JPN send --to KOR --precedence immediate --classification RESTRICTED --releasable-to "$rel" \
	--tlp green "forty partners" 2>"$T/err"; then fail "a 40-partner label went to the old KOR"; fi
expect_match "$(cat "$T/err")" "KOR/node-1: its last link spoke protocol 1 \(the previous release\)" \
	"a label of 40 partners for the old KOR is refused at JPN, with the reason"
big=$(hl JPN send --to USA --precedence immediate --classification RESTRICTED --releasable-to "$rel,USA" \
	--tlp green "forty-one partners") || fail "send with 41 partners to USA"
wait_state JPN "$big" USA delivered
ok "a label of 41 partners goes to USA (protocol 2)"

# KOR upgraded on the same data: what it stored under the old release reads back
kill -TERM "${NODE_PID[KOR]}"
wait "${NODE_PID[KOR]}" 2>/dev/null
unset "NODE_PID[KOR]"
node_start KOR
expect_eq "$(hl KOR show "${ids[0]}" --json | jq -r .text)" "new to old, number 1" \
	"the upgraded KOR reads what the old one stored"
wait_link JPN KOR
expect_eq "$(hl JPN status --json | jq -r '.peers[] | select(.node == "KOR/node-1") | .protocol')" 2 \
	"the upgraded KOR's link speaks protocol 2"
big=$(hl JPN send --to KOR --precedence immediate --classification RESTRICTED --releasable-to "$rel" \
	--tlp green "forty partners") || fail "send with 40 partners after the upgrade"
wait_state JPN "$big" KOR delivered
expect_eq "$(hl KOR show "$big" --json | jq -r '.label.releasable_to | length')" 40 \
	"and a label of 40 partners goes to it"
echo "# $CHECKS checks"
