#!/usr/bin/env bash
# A partner's life on a running four-node federation (issue 17): JPN and KOR
# run without NZL; NZL's [peer] sections are added to their configurations
# and they are sent SIGHUP: NZL is linked and reachable, and the JPN-KOR
# link is not dropped. NZL removed from JPN's configuration the same way:
# its link closes, it is refused from then on, KOR's link stays. A
# configuration that does not load changes nothing. Each change is audited.
# Then AUS joins through pki add-partner and SIGHUP; JPN's certificates are
# renewed and applied at SIGHUP, links staying up; NZL is revoked by its CA
# and cut off by the nodes the notice reaches.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR,NZL
# take NZL's section out of JPN's and KOR's configurations, kept aside
for p in JPN KOR; do
	awk -v out="$T/$p-nzl.conf" '
		/^\[/ { insec = ($0 == "[peer NZL/node-1]") }
		insec { print > out; next }
		{ print }' "$(conf "$p")" >"$T/$p.conf" && cat "$T/$p.conf" >"$(conf "$p")"
	grep -q "NZL" "$(conf "$p")" && fail "NZL still in $p's configuration"
done
node_start JPN
node_start KOR
wait_link JPN KOR
since() { hl JPN status --json | jq -r --arg q "$1/node-1" '.peers[] | select(.node == $q) | .up_since'; }
s0=$(since KOR)
node_start NZL
sleep 2
link_is_up NZL JPN && fail "JPN took NZL's link before it was configured"
ok "NZL, not yet configured at JPN and KOR, is refused"

# the new partner: sections appended, SIGHUP
for p in JPN KOR; do
	printf '\n' >>"$(conf "$p")"
	cat "$T/$p-nzl.conf" >>"$(conf "$p")"
	kill -HUP "${NODE_PID[$p]}"
done
wait_link JPN NZL
wait_link KOR NZL
wait_link NZL JPN
ok "after SIGHUP, JPN and KOR link with NZL"
wait_until 10 grep -q "reload: .*1 peer(s) added, 0 changed, 0 removed" "$T/JPN.log" || fail "no reload line"
ok "the log says what the reload did"
expect_eq "$(since KOR)" "$s0" "the JPN-KOR link was not dropped by the reload"
expect_eq "$(sqlite3 "$FED/JPN/data/hotline.db" "select detail from audit where event = 'peer-added'" | grep -c NZL)" 1 \
	"the addition is audited"
id=$(hl JPN send --to NZL --precedence flash --classification SECRET --releasable-to JPN,NZL \
	--tlp amber "welcome NZL") || fail "send to NZL"
wait_state JPN "$id" NZL delivered
ok "a FLASH from JPN to NZL is delivered"

# a configuration that does not load: nothing changes
cp "$(conf JPN)" "$T/JPN.good"
printf '\n[peer BAD/node-1]\naddress = nowhere\n' >>"$(conf JPN)"
kill -HUP "${NODE_PID[JPN]}"
wait_until 10 grep -q "reload: .*nothing changed" "$T/JPN.log" || fail "no refusal in the log"
sleep 0.5
link_is_up JPN NZL && link_is_up JPN KOR || fail "a broken configuration dropped links"
ok "a configuration that does not load changes nothing (links stay)"
cp "$T/JPN.good" "$(conf JPN)"

# NZL leaves JPN's configuration
cat "$T/JPN.conf" >"$(conf JPN)"
kill -HUP "${NODE_PID[JPN]}"
wait_until 10 grep -q "reload: peer NZL/node-1 removed" "$T/JPN.log" || fail "no removal in the log"
for i in $(seq 1 50); do link_is_up JPN NZL || break; sleep 0.1; done
link_is_up JPN NZL && fail "JPN's link to NZL is still up"
expect_match "$(hl JPN status --json | jq -r '.peers[] | select(.node == "NZL/node-1") | .last_error')" \
	"removed from the configuration" "JPN's status says NZL was removed"
sleep 2
link_is_up NZL JPN && fail "NZL got a link to JPN back"
ok "NZL is refused by JPN from then on"
expect_eq "$(since KOR)" "$s0" "the JPN-KOR link is still the first one"
if hl JPN send --to NZL --precedence routine --classification SECRET --releasable-to JPN,NZL \
	--tlp amber "gone" >"$T/gone.out" 2>&1; then fail "JPN sent to a removed peer"; fi
ok "a send to the removed peer is refused: $(head -c 120 "$T/gone.out")"
expect_eq "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event = 'peer-removed' and detail = 'NZL/node-1'")" 1 \
	"the removal is audited"
link_is_up KOR NZL || fail "KOR's link to NZL went down"
ok "KOR, not reloaded, keeps its link to NZL"

# a fourth partner with pki add-partner: its CA, seal key and node made as
# pki init makes them, a [peer] section added to every node.conf
"$HL" pki add-partner --dir "$FED" --partner AUS >"$T/add.out" 2>&1 || { cat "$T/add.out"; fail "pki add-partner"; }
expect_match "$(cat "$T/add.out")" "added AUS to the federation" "pki add-partner makes AUS"
for p in JPN KOR NZL; do
	grep -q '^\[peer AUS/node-1\]' "$(conf "$p")" || fail "no AUS section in $p's node.conf"
done
[ "$(id -u)" = 0 ] && sed -i 's/^\[node\]$/[node]\nuser = root\nkeeper_user = root/' "$(conf AUS)"
for p in JPN KOR NZL; do kill -HUP "${NODE_PID[$p]}"; done
node_start AUS
wait_link AUS JPN
wait_link AUS KOR
wait_link AUS NZL
ok "after SIGHUP, AUS links with every node"
expect_eq "$(since KOR)" "$s0" "and the JPN-KOR link is still the first one"
id=$(hl JPN send --to AUS --precedence flash --classification SECRET --releasable-to JPN,AUS \
	--tlp amber "welcome AUS") || fail "send to AUS"
wait_state JPN "$id" AUS delivered
ok "a FLASH from JPN to AUS is delivered"

# JPN's certificates renewed, applied at SIGHUP without a restart
"$HL" -c "$(conf JPN)" pki renew --ca "$FED/ca/JPN" --days 200 >"$T/renew.out" 2>&1 ||
	{ cat "$T/renew.out"; fail "pki renew"; }
kill -HUP "${NODE_PID[JPN]}"
wait_until 10 grep -q "reload: .*node.crt renewed: a new descriptor sent" "$T/JPN.log" ||
	fail "JPN did not take its renewed certificate"
expect_eq "$(hl JPN status --json | jq -r '.certificates[] | select(.role == "certificate") | .days_left')" \
	200 "JPN's status shows the renewed certificate (200 days)"
expect_eq "$(since KOR)" "$s0" "the JPN-KOR link stayed up through the renewal"
new_fp=$(openssl x509 -in "$FED/JPN/tls.crt" -noout -fingerprint -sha256 | cut -d= -f2)
node_stop AUS
node_start AUS
wait_link AUS JPN
link_fp=$(echo | openssl s_client -connect "127.0.0.1:$(sed -n 's/^api = 127.0.0.1://p' "$(conf JPN)")" \
	-sigalgs ed25519 2>/dev/null | openssl x509 -noout -fingerprint -sha256 | cut -d= -f2)
expect_eq "$link_fp" "$new_fp" "the operator port presents the renewed TLS certificate to new connections (OpenSSL's client)"
id=$(hl KOR send --to JPN --precedence flash --classification SECRET --releasable-to JPN,KOR \
	--tlp amber "after renewal") || fail "send KOR -> JPN"
wait_state KOR "$id" JPN delivered
ok "KOR, holding JPN's new descriptor, still exchanges with it"

# NZL revoked by its own CA: given to KOR, it reaches AUS too
"$HL" pki revoke --ca "$FED/ca/NZL" --cert "$FED/NZL/tls.crt" --reason "retired" --out "$T/nzl.rev" \
	>/dev/null || fail "pki revoke"
hl KOR revoke "$T/nzl.rev" >/dev/null || fail "revoke at KOR"
down() { ! link_is_up "$1" "$2"; }
wait_until 10 down KOR NZL || fail "KOR's link to NZL is still up"
wait_until 10 down AUS NZL || fail "AUS's link to NZL is still up"
ok "NZL, revoked, is cut off by KOR and by AUS (the notice passed on)"
echo "# $SCENARIO: $CHECKS checks passed"
