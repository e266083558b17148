#!/usr/bin/env bash
# Cursor on Target out (issue 15, docs/internals/tracks.md "Cursor on
# Target"), read by the TAK project's own parser (@tak-ps/node-cot in
# tests/tak, via tests/tak/cot_peer.mjs). KOR has two [tak] outputs:
#   local: a loopback port, partners KOR, accreditation RESTRICTED,
#          exercise tracks too;
#   cfc:   an endpoint, a TAK server that requires a client certificate
#          (TLS), partners KOR and USA, accreditation SECRET, no exercise.
# JPN streams tracks of several labels to KOR; each output gets exactly
# the tracks its partners and accreditation allow (never TLP:RED), with
# the label in access and the remarks, EXERCISE in opex and the remarks,
# impact areas as circles (withdrawn once when an update has none), a
# dropped track stale at once, a hostile remark escaped; a client that
# connects later gets the picture as it stands; the endpoint comes back
# after its server restarts. Every event passes the parser.
. "$(dirname "$0")/lib.sh"

ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
TAK_DIR="$ROOT/tests/tak"
[ -f "$TAK_DIR/node_modules/@tak-ps/node-cot/package.json" ] ||
	fail "@tak-ps/node-cot is not installed: run scripts/install-deps.sh (npm ci in tests/tak)"
command -v node >/dev/null || fail "node is not installed: run scripts/install-deps.sh"

fed_init JPN,KOR,USA
LPORT=$((BASE_PORT + 60))
SPORT=$((BASE_PORT + 61))
port_free "$LPORT" && port_free "$SPORT" || fail "TAK ports $LPORT, $SPORT are taken"

# a TAK server's CA, its certificate, and KOR's client certificate
P="$T/takpki"
mkdir -p "$P"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
	-subj "/CN=TAK test CA" -keyout "$P/ca.key" -out "$P/ca.crt" 2>/dev/null || fail "TAK CA"
mkcert() { # name CN SAN
	openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$2" \
		-keyout "$P/$1.key" -out "$P/$1.csr" 2>/dev/null &&
		openssl x509 -req -in "$P/$1.csr" -CA "$P/ca.crt" -CAkey "$P/ca.key" \
			-CAcreateserial -days 2 -extfile <(printf '%s\n' "$3") \
			-out "$P/$1.crt" 2>/dev/null && chmod 600 "$P/$1.key"
}
mkcert server "tak.test" "subjectAltName=IP:127.0.0.1" || fail "server certificate"
mkcert kor "KOR hotline" "extendedKeyUsage=clientAuth" || fail "client certificate"

cat >>"$(conf KOR)" <<EOF

[tak local]
listen = 127.0.0.1:$LPORT
partners = KOR
accreditation = RESTRICTED

[tak cfc]
endpoint = 127.0.0.1:$SPORT
ca = $P/ca.crt
certificate = $P/kor.crt
key = $P/kor.key
partners = KOR, USA
accreditation = SECRET
exercise = no
EOF
"$HLD" -n -c "$(conf KOR)" >"$T/check.log" 2>&1 || { cat "$T/check.log"; fail "KOR's [tak] sections"; }
ok "hotlined -n accepts the [tak] sections"

server_start() {
	rm -f "$T/srv.jsonl.ready"
	node "$TAK_DIR/cot_peer.mjs" server "$SPORT" "$P/ca.crt" "$P/server.crt" "$P/server.key" \
		"$T/srv.jsonl" 2>>"$T/peer.log" &
	SRV_PID=$!
	NODE_PID[tak_server]=$SRV_PID   # (lib.sh's cleanup stops it)
	wait_until 10 test -f "$T/srv.jsonl.ready" || fail "the TAK server did not start"
}
server_start
for p in JPN KOR USA; do node_start "$p"; done
wait_link JPN KOR
node "$TAK_DIR/cot_peer.mjs" client 127.0.0.1 "$LPORT" "$T/local.jsonl" 2>>"$T/peer.log" &
NODE_PID[tak_local]=$!
wait_until 15 sh -c "grep -q '\"client\":\"KOR hotline\"' '$T/srv.jsonl'" ||
	fail "KOR did not reach the TAK server with its client certificate"
ok "the endpoint connected over TLS with KOR's client certificate"
wait_until 5 grep -q "tak local: client 127.0.0.1:.* connected" "$T/KOR.log" ||
	fail "the local client is not connected"

rec() { # id lat lon [extra json]
	printf '{"track_id":"%s","observed":"2026-12-07T02:00:%02d.250Z","position":{"lat":%s,"lon":%s,"alt_m":90000},"velocity":{"speed_mps":2000,"heading_deg":45},"confidence":0.8%s}\n' \
		"$1" "${SEC:-0}" "$2" "$3" "${4:-}"
}
send() { # file label...
	local f=$1
	shift
	hl JPN track-report --to KOR "$@" --file "$f" >"$T/send.out" || fail "track-report $*"
	wait_state JPN "$(tail -n 1 "$T/send.out" | cut -d' ' -f1)" KOR delivered
}
R3=(--classification RESTRICTED --releasable-to JPN,KOR,USA --tlp amber)
SEC=1
{
	rec EX-1 30.0 130.0
	rec EX-2 30.5 130.5 ',"impact_area":{"lat":35.0,"lon":135.0,"radius_km":40}'
	rec EX-3 31.0 131.0 ',"remark":"<b>salvo</b> & \"decoy\" '"'"'x'"'"'"'
} >"$T/ex.jsonl"
send "$T/ex.jsonl" "${R3[@]}" --exercise
rec R-1 32.0 132.0 ',"impact_area":{"lat":36.0,"lon":136.0,"radius_km":25}' >"$T/r1.jsonl"
send "$T/r1.jsonl" "${R3[@]}"
rec R-2 33.0 133.0 >"$T/r2.jsonl"
send "$T/r2.jsonl" --classification CONFIDENTIAL --releasable-to JPN,KOR,USA --tlp amber
rec R-3 34.0 134.0 >"$T/r3.jsonl"
send "$T/r3.jsonl" --classification RESTRICTED --releasable-to JPN,KOR --tlp amber
rec R-4 35.0 135.0 >"$T/r4.jsonl"
send "$T/r4.jsonl" --classification RESTRICTED --releasable-to JPN,KOR,USA --tlp red

uids() { # file: the track uids received, sorted, one line
	jq -r 'select(.uid != null and (.uid | endswith(":impact") | not)) | .uid' "$1" |
		sort -u | tr '\n' ' '
}
L_WANT="hotline:JPN/node-1:EX-1:exercise hotline:JPN/node-1:EX-2:exercise hotline:JPN/node-1:EX-3:exercise hotline:JPN/node-1:R-1 hotline:JPN/node-1:R-3 "
S_WANT="hotline:JPN/node-1:R-1 hotline:JPN/node-1:R-2 "
uids_are() { [ "$(uids "$1")" = "$2" ]; }
wait_until 10 uids_are "$T/local.jsonl" "$L_WANT" || true
wait_until 10 uids_are "$T/srv.jsonl" "$S_WANT" || true
expect_eq "$(uids "$T/local.jsonl")" "$L_WANT" \
	"local (KOR, RESTRICTED): the exercise tracks, R-1 and R-3; not R-2 (CONFIDENTIAL) nor R-4 (TLP:RED)"
expect_eq "$(uids "$T/srv.jsonl")" "$S_WANT" \
	"cfc (KOR+USA, SECRET, no exercise): R-1 and R-2; not R-3 (not releasable to USA), R-4 (TLP:RED) nor exercise tracks"
grep -q "tak cfc: track R-3 of JPN/node-1 not sent" "$T/KOR.log" ||
	fail "the refusal of R-3 to cfc is not logged"
ok "a track withheld from an output is logged with the reason"

# has FILE UID [CONDITION]: an event of UID (meeting the jq CONDITION) was read
has() {
	jq -c --arg u "$2" "select(.uid == \$u and (${3:-true}))" "$1" 2>/dev/null | grep -q .
}
ev() { # file uid: the last event of uid
	jq -c --arg u "$2" 'select(.uid == $u)' "$1" | tail -n 1
}
e=$(ev "$T/local.jsonl" "hotline:JPN/node-1:EX-1:exercise")
expect_eq "$(echo "$e" | jq -r '[.type, .how, .opex, .access, .callsign, .time, .start] | join("|")')" \
	"a-u-A-W-M|m-p|e-hotline|RESTRICTED//REL TO JPN, KOR, USA//TLP:AMBER|EX EX-1|2026-12-07T02:00:01.250Z|2026-12-07T02:00:01.250Z" \
	"an exercise track: type, how, opex e-, access = the label, callsign, times to the ms"
expect_eq "$(echo "$e" | jq -r '[.point.lat, .point.lon, .point.hae, (.track.course | tonumber), (.track.speed | tonumber)] | join("|")')" \
	"30|130|90000|45|2000" "its position, altitude, course and speed"
expect_match "$(echo "$e" | jq -r .remarks)" "^EXERCISE EXERCISE EXERCISE \\| RESTRICTED//REL TO JPN, KOR, USA//TLP:AMBER \\| reported by JPN/node-1" \
	"the remarks start with EXERCISE and the label"
expect_eq "$(echo "$e" | jq -r '.hotline | [.origin, .classification, .releasable_to, .tlp, .exercise] | join("|")')" \
	"JPN/node-1|RESTRICTED|JPN KOR USA|AMBER|true" "the label's parts in <__hotline>"
stale_s=$(echo "$e" | jq -r '((.stale | sub("\\.[0-9]+Z$"; "Z") | fromdate) - now) | floor')
[ "$stale_s" -ge 20 ] && [ "$stale_s" -le 31 ] || fail "stale is $stale_s s from now, expected about 30"
ok "stale is the output's 30 s after the update was stored"
expect_eq "$(ev "$T/srv.jsonl" "hotline:JPN/node-1:R-2" | jq -r '[.opex, .access] | join("|")')" \
	"o-hotline|CONFIDENTIAL//REL TO JPN, KOR, USA//TLP:AMBER" "a real track: opex o-, its own label"
expect_eq "$(ev "$T/local.jsonl" "hotline:JPN/node-1:EX-3:exercise" | jq -r .remarks | sed 's/.* | //')" \
	"<b>salvo</b> & \"decoy\" 'x'" "a remark with < > & \" ' arrives as written (escaped on the wire)"
i=$(ev "$T/local.jsonl" "hotline:JPN/node-1:EX-2:exercise:impact")
expect_eq "$(echo "$i" | jq -r '[.type, .point.lat, .point.lon, .ellipse.major, .ellipse.minor] | join("|")')" \
	"u-d-c-c|35|135|40000|40000" "an impact area: a circle of its radius at its centre"
[ "$(echo "$i" | jq -r '.stale > .start')" = true ] || fail "the impact area is stale at once"
ok "the impact area is live"
[ -n "$(ev "$T/srv.jsonl" "hotline:JPN/node-1:R-1:impact")" ] || fail "cfc has no impact area of R-1"
ok "cfc has R-1's impact area"

# an update without the impact area withdraws it (once); dropping R-1 makes
# it stale at once on both outputs, its impact area too
SEC=2
rec EX-2 30.6 130.6 >"$T/ex2.jsonl"
send "$T/ex2.jsonl" "${R3[@]}" --exercise
rec R-1 32.1 132.1 ',"dropped":true' >"$T/r1d.jsonl"
send "$T/r1d.jsonl" "${R3[@]}"
wait_until 10 has "$T/srv.jsonl" hotline:JPN/node-1:R-1 '.stale == .start' || true
i=$(ev "$T/local.jsonl" "hotline:JPN/node-1:EX-2:exercise:impact")
expect_eq "$(echo "$i" | jq -r '[.stale == .start, (.remarks | test("WITHDRAWN"))] | join("|")')" \
	"true|true" "an update without an impact area withdraws it: stale at once, WITHDRAWN"
for f in local srv; do
	expect_eq "$(ev "$T/$f.jsonl" "hotline:JPN/node-1:R-1" | jq -r '[.stale == .start, (.remarks | test("DROPPED")), .hotline.dropped] | join("|")')" \
		"true|true|true" "$f: a dropped track is stale at once and says DROPPED"
	expect_eq "$(ev "$T/$f.jsonl" "hotline:JPN/node-1:R-1:impact" | jq -r '.stale == .start')" "true" \
		"$f: the dropped track's impact area is withdrawn"
done
SEC=3
rec EX-1 30.1 130.1 >"$T/ex1.jsonl"
send "$T/ex1.jsonl" "${R3[@]}" --exercise
wait_until 10 has "$T/local.jsonl" hotline:JPN/node-1:EX-1:exercise '.point.lat == 30.1' || true
expect_eq "$(jq -c 'select(.uid == "hotline:JPN/node-1:EX-2:exercise:impact")' "$T/local.jsonl" | wc -l)" 2 \
	"a withdrawn impact area is sent once, not again with the next updates"

# a client that connects now gets the picture as it stands: no dropped R-1
node "$TAK_DIR/cot_peer.mjs" client 127.0.0.1 "$LPORT" "$T/late.jsonl" 2>>"$T/peer.log" &
NODE_PID[tak_late]=$!
LATE_WANT="hotline:JPN/node-1:EX-1:exercise hotline:JPN/node-1:EX-2:exercise hotline:JPN/node-1:EX-3:exercise hotline:JPN/node-1:R-3 "
wait_until 10 uids_are "$T/late.jsonl" "$LATE_WANT" || true
expect_eq "$(uids "$T/late.jsonl")" "$LATE_WANT" \
	"a late client gets the picture: live tracks it may have, no dropped one"
expect_eq "$(ev "$T/late.jsonl" "hotline:JPN/node-1:EX-1:exercise" | jq -r '.point.lat')" "30.1" \
	"each at its latest update"

# the TAK server restarts: the endpoint reconnects and sends the picture
kill "$SRV_PID"
wait "$SRV_PID" 2>/dev/null
wait_until 10 grep -q "tak cfc: 127.0.0.1:$SPORT closed" "$T/KOR.log" || fail "KOR did not see the server go"
: >"$T/srv.jsonl"
server_start
wait_until 20 has "$T/srv.jsonl" hotline:JPN/node-1:R-2 ||
	fail "the endpoint did not come back with the picture"
expect_eq "$(uids "$T/srv.jsonl")" "hotline:JPN/node-1:R-2 " "after reconnecting: the picture cfc may have (R-2)"

# every event passed the TAK parser
n=$(cat "$T/local.jsonl" "$T/late.jsonl" "$T/srv.jsonl" | jq -r 'select(.uid != null) | .uid' | wc -l)
bad=$(cat "$T/local.jsonl" "$T/late.jsonl" "$T/srv.jsonl" | jq -c 'select(.error != null)')
[ -z "$bad" ] || fail "node-cot refused events: $bad"
[ "$n" -ge 17 ] || fail "only $n events read (17 expected)"
ok "node-cot parsed all $n events, none refused"
expect_eq "$(sqlite3 "$FED/KOR/data/hotline.db" "select count(*) >= 4 from audit where event = 'tak-connected'")" \
	1 "each TAK connection is in KOR's audit log"

# configuration errors, one line each
bad_conf() { # expected-message section-lines...
	local want=$1
	shift
	cp "$(conf USA)" "$T/bad.conf"
	printf '%s\n' "" "$@" >>"$T/bad.conf"
	"$HLD" -n -c "$T/bad.conf" >"$T/bad.log" 2>&1 && fail "accepted: $*"
	grep -q "$want" "$T/bad.log" || fail "for $*: expected '$want', got: $(cat "$T/bad.log")"
}
bad_conf "listen serves CoT in the clear" "[tak x]" "listen = 0.0.0.0:$LPORT" "partners = USA" \
	"accreditation = SECRET"
bad_conf "tls = no only for an endpoint on a loopback" "[tak x]" "endpoint = 192.0.2.1:8089" \
	"tls = no" "partners = USA" "accreditation = SECRET"
bad_conf "needs ca, certificate and key" "[tak x]" "endpoint = 192.0.2.1:8089" "partners = USA" \
	"accreditation = SECRET"
bad_conf "set listen, endpoint or both" "[tak x]" "partners = USA" "accreditation = SECRET"
bad_conf "missing key 'partners'" "[tak x]" "listen = 127.0.0.1:$LPORT" "accreditation = SECRET"
bad_conf "'TOPSECRET' is not a level" "[tak x]" "listen = 127.0.0.1:$LPORT" "partners = USA" \
	"accreditation = TOPSECRET"
bad_conf "expected 1..8 partner codes" "[tak x]" "listen = 127.0.0.1:$LPORT" "partners = U" \
	"accreditation = SECRET"
ok "bad [tak] sections are refused with a clear line"
echo "# $CHECKS checks"
