#!/usr/bin/env bash
# 55-detect: the node side of detection (issue 18, docs/DETECTION.md).
# Four nodes (JPN, KOR, USA, NATO) share collection "threat". JPN shares an
# IPv4 indicator and a domain indicator; KOR follows a Suricata EVE file and
# USA a Zeek JSON file ([sensor] sections). Each file gets 20,000 benign
# lines and one connection to the address and one DNS query for the domain:
#  - each sensor's counters (lines, events, hits) show in GET /api/v1/status;
#  - the matches become sightings that JPN's "stix search" shows, from KOR
#    and from USA, with their counts;
#  - a sighting goes to the indicator's originator only: NATO, a member of
#    the collection that sighted nothing, has none of KOR's; USA sets
#    sightings_to = members, so NATO and KOR get USA's; JPN's TAXII serves
#    the sightings;
#  - correlation: JPN's inbox gets one IMMEDIATE alert per indicator sighted
#    by two partners (audited), not again after a restart;
#  - positions across a restart, truncation, hotline detect [--report];
#  - live (root, tcpdump, tshark): loopback DNS and TLS captured, converted
#    with tshark -T ek and followed by USA's tshark-ek sensor.
. "$(dirname "$0")/lib.sh"
command -v jq >/dev/null || fail "jq is required"
command -v curl >/dev/null || fail "curl is required"
command -v sqlite3 >/dev/null || fail "sqlite3 is required"

ADDR=198.51.100.23
DOM=c2-relay.example
fed_init JPN,KOR,USA,NATO
for p in JPN KOR USA NATO; do
	cat >>"$(conf $p)" <<EOF

[collection threat]
title = threat
members = JPN,KOR,USA,NATO
read = admin
write = admin
EOF
done
# an UNCLASSIFIED analyst on JPN (not a reader of threat): sees no correlation
conf_low_operator JPN
# USA widens its own sightings of the collection to every member
sed -i 's/^write = admin$/write = admin\nsightings_to = members/' "$(conf USA)"
: >"$T/kor-eve.json"
: >"$T/usa-conn.json"
sensor_conf() { # P NAME FORMAT FILE
	printf '\n[sensor %s]\nformat = %s\npath = %s\ncollections = threat\nsighting_window = 2s\n' \
		"$2" "$3" "$4" >>"$(conf "$1")"
}
sensor_conf KOR edge suricata-eve "$T/kor-eve.json"
sensor_conf USA zeek zeek-json "$T/usa-conn.json"
: >"$T/usa-live.json"
sensor_conf USA live tshark-ek "$T/usa-live.json"

# a [sensor] naming no collection of the node is refused with file:line
cp "$(conf KOR)" "$T/bad.conf"
sed -i 's/^collections = threat$/collections = nosuch/' "$T/bad.conf"
out=$("$HLD" -n -c "$T/bad.conf" 2>&1) && rc=0 || rc=$?
expect_match "$rc:$out" "^1:.*bad.conf:[0-9]+: \\[sensor edge\\]: collections: 'nosuch' is not a \\[collection\\]" \
	"a sensor naming an unknown collection is refused"

for p in JPN KOR USA NATO; do node_start $p; done
for p in KOR USA NATO; do wait_link JPN $p; wait_link $p JPN; done

api() { sed -n 's/^api *= *//p' "$(conf "$1")"; }
pw() { head -n1 "$FED/$1/admin.password"; }
status() {
	curl -s --max-time 20 --cacert "$FED/$1/ca.crt" -u "admin:$(pw "$1")" \
		"https://$(api "$1")/api/v1/status"
}
# wait_status P SECONDS JQ: until P's status satisfies the jq condition
wait_status() {
	local i
	for i in $(seq 1 $(($2 * 4))); do
		status "$1" | jq -e "$3" >/dev/null 2>&1 && return 0
		sleep 0.25
	done
	return 1
}

IND_A=indicator--5b0c1d2e-3f40-4a51-8b62-7c83d94ea501
IND_D=indicator--5b0c1d2e-3f40-4a51-8b62-7c83d94ea502
jq -n --arg a "$IND_A" --arg d "$IND_D" --arg ip "$ADDR" --arg dom "$DOM" '{type: "bundle",
	id: "bundle--5b0c1d2e-3f40-4a51-8b62-7c83d94ea500", objects: [
	{type: "indicator", spec_version: "2.1", id: $a, created: "2026-01-05T08:00:00.000Z",
	 modified: "2026-01-05T08:00:00.000Z", name: "C2 address", pattern_type: "stix",
	 pattern: ("[ipv4-addr:value = \u0027" + $ip + "\u0027]"), valid_from: "2026-01-05T08:00:00Z"},
	{type: "indicator", spec_version: "2.1", id: $d, created: "2026-01-05T08:00:00.000Z",
	 modified: "2026-01-05T08:00:00.000Z", name: "C2 domain", pattern_type: "stix",
	 pattern: ("[domain-name:value = \u0027" + $dom + "\u0027]"), valid_from: "2026-01-05T08:00:00Z"}]}' \
	>"$T/ind.json"
out=$(hl JPN stix push "$T/ind.json" --collection threat --json)
expect_eq "$(echo "$out" | jq '.accepted')" 2 "JPN shares two indicators in collection threat"
for p in KOR USA; do
	wait_status $p 60 '.sensors[0].indicators == 2' ||
		fail "$p's sensor did not load JPN's indicators: $(status $p | jq -c .sensors)"
done
ok "KOR's and USA's sensors hold JPN's two indicators"

# a one-shot match through the node (no sighting without --report)
printf '%s\n' '{"timestamp":"2026-12-07T09:00:00.000000+0000","event_type":"flow","src_ip":"192.0.2.1","dest_ip":"198.51.100.23","proto":"TCP"}' \
	'{"timestamp":"2026-12-07T09:00:01.000000+0000","event_type":"stats"}' 'garbage' >"$T/once.json"
s=$(hl NATO detect --format suricata-eve "$T/once.json" --json)
expect_eq "$(echo "$s" | jq -c '[.lines, .events, .skipped, .malformed, .hits, .matches[0].indicator, .matches[0].value]')" \
	"[3,1,1,1,1,\"$IND_A\",\"$ADDR\"]" "hotline detect on NATO: 3 lines, 1 hit of the address"
expect_match "$(hl NATO detect --format suricata-eve "$T/once.json")" \
	"^2026-12-07T09:00:00.000000Z +$IND_A +$ADDR" "its table names the time, indicator and value"

# 20,000 benign lines each, and the two lines that match
python3 - "$T/kor-eve.json" "$T/usa-conn.json" "$ADDR" "$DOM" <<'EOF'
import json, sys
eve, zeek, addr, dom = sys.argv[1:5]
with open(eve, "a") as f:
    for i in range(20000):
        a = "10.%d.%d.%d" % (i // 65536, (i // 256) % 256, i % 256)
        if i % 2:
            f.write(json.dumps({"timestamp": "2026-12-07T10:00:%02d.000000+0000" % (i % 60),
                "event_type": "flow", "src_ip": "192.0.2.10", "src_port": 40000 + i % 2000,
                "dest_ip": a, "dest_port": 443, "proto": "TCP"}) + "\n")
        else:
            f.write(json.dumps({"timestamp": "2026-12-07T10:00:%02d.000000+0000" % (i % 60),
                "event_type": "dns", "src_ip": "192.0.2.10", "src_port": 5353,
                "dest_ip": "192.0.2.53", "dest_port": 53, "proto": "UDP",
                "dns": {"type": "query", "id": i % 65536, "rrname": "host%d.benign.example" % i,
                        "rrtype": "A", "tx_id": 0}}) + "\n")
    f.write(json.dumps({"timestamp": "2026-12-07T10:01:00.000000+0000", "event_type": "flow",
        "src_ip": "192.0.2.10", "src_port": 41234, "dest_ip": addr, "dest_port": 443,
        "proto": "TCP"}) + "\n")
    f.write(json.dumps({"timestamp": "2026-12-07T10:01:01.000000+0000", "event_type": "dns",
        "src_ip": "192.0.2.10", "src_port": 5353, "dest_ip": "192.0.2.53", "dest_port": 53,
        "proto": "UDP", "dns": {"type": "query", "id": 7, "rrname": "www." + dom,
        "rrtype": "A", "tx_id": 0}}) + "\n")
with open(zeek, "a") as f:
    for i in range(20000):
        a = "10.%d.%d.%d" % (i // 65536, (i // 256) % 256, i % 256)
        f.write(json.dumps({"ts": 1796637600.0 + i / 1000.0, "uid": "C%d" % i,
            "id.orig_h": "192.0.2.20", "id.orig_p": 40000 + i % 2000, "id.resp_h": a,
            "id.resp_p": 443, "proto": "tcp", "conn_state": "SF"}) + "\n")
    f.write(json.dumps({"ts": 1796637700.5, "uid": "Cbad1", "id.orig_h": "192.0.2.20",
        "id.orig_p": 41000, "id.resp_h": addr, "id.resp_p": 443, "proto": "tcp",
        "conn_state": "SF"}) + "\n")
    f.write(json.dumps({"ts": 1796637701.5, "uid": "Cbad2", "id.orig_h": "192.0.2.20",
        "id.orig_p": 5353, "id.resp_h": "192.0.2.53", "id.resp_p": 53, "proto": "udp",
        "query": dom, "qtype_name": "A"}) + "\n")
EOF

for p in KOR USA; do
	wait_status $p 60 '.sensors[0].lines == 20002' ||
		fail "$p's sensor did not read its file: $(status $p | jq -c .sensors)"
done
s=$(status KOR | jq -c '.sensors[0] | [.name, .format, .lines, .events, .skipped, .malformed, .hits]')
expect_eq "$s" '["edge","suricata-eve",20002,20002,0,0,2]' "KOR's counters: 20,002 lines, 2 hits"
s=$(status USA | jq -c '.sensors[0] | [.name, .format, .lines, .events, .skipped, .malformed, .hits]')
expect_eq "$s" '["zeek","zeek-json",20002,20002,0,0,2]' "USA's counters: 20,002 lines, 2 hits"
expect_eq "$(status KOR | jq '.sensors[0].position')" "$(stat -c %s "$T/kor-eve.json")" \
	"KOR's position is the end of its file"

# JPN's search shows the sightings from KOR and USA
sighters() { # VALUE: the partners that sighted what JPN's search finds for it
	hl JPN stix search "$1" --json | jq -r '[.matches[0].sightings.by[]?.partner] | sort | join(",")'
}
for v in "$ADDR" "$DOM"; do
	wait_until 30 sh -c "[ \"\$($(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") stix search $v --json | jq -r '[.matches[0].sightings.by[]?.partner] | sort | join(\",\")')\" = KOR,USA ]" ||
		fail "JPN does not show KOR's and USA's sightings of $v: $(sighters "$v")"
	ok "JPN's search of $v shows sightings from KOR and USA"
done
s=$(hl JPN stix search "$ADDR" --json)
expect_eq "$(echo "$s" | jq -r '.matches[0] | [.id, .sightings.sightings, .sightings.count] | join("|")')" \
	"$IND_A|2|2" "two sightings of the address, count 2 in all"
expect_match "$(echo "$s" | jq -r '.matches[0].sightings.first_seen')" '^2026-12-07T10:01:00' \
	"first seen is the event's time"

# correlation at the originator: KOR and USA sighted the same indicators
# within correlation_window: one IMMEDIATE alert per indicator in JPN's inbox
corr_items() { hl JPN inbox --json | jq -c '[.items[] | select(.origin == "JPN/node-1")]'; }
wait_until 30 sh -c "[ \"\$($(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") inbox --json | jq '[.items[] | select(.origin == \"JPN/node-1\")] | length')\" = 2 ]" ||
	fail "JPN's inbox has not two correlation alerts: $(corr_items)"
expect_eq "$(corr_items | jq -r '[.[].precedence] | unique | join(",")')" IMMEDIATE \
	"JPN's inbox holds two correlation alerts, IMMEDIATE"
for id in $(corr_items | jq -r '.[].id'); do hl JPN show "$id" --json | jq -r .text; done >"$T/alerts.txt"
expect_eq "$(grep -c '^CORRELATION: ' "$T/alerts.txt")" 2 "each names the correlation"
expect_match "$(grep "^CORRELATION: $IND_A" "$T/alerts.txt")" "C2 address.*sighted by 2 partners within 3600s" \
	"the address's alert names the indicator and the window"
expect_match "$(tr '\n' ' ' <"$T/alerts.txt")" "  KOR: 1 sighting\\(s\\), count 1, first seen 2026-12-07T10:01:00" \
	"it names KOR with its count and times"
expect_match "$(tr '\n' ' ' <"$T/alerts.txt")" "  USA: 1 sighting\\(s\\), count 1, first seen 20" \
	"and USA"
expect_eq "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event='detect-correlation'")" 2 \
	"both are audited (detect-correlation)"
hl JPN audit verify >/dev/null || fail "JPN's audit log does not verify"
# what the detector holds: GET /api/v1/detect/correlations
corrs() { # OPERATOR [QUERY]
	curl -s --max-time 20 --cacert "$FED/JPN/ca.crt" -u "$1:$(pw JPN)" \
		"https://$(api JPN)/api/v1/detect/correlations${2:-}"
}
c=$(corrs admin)
expect_eq "$(echo "$c" | jq -c '[.window_s, (.correlations | length)]')" "[3600,2]" \
	"GET /api/v1/detect/correlations on JPN: two indicators, window 3600 s"
expect_eq "$(echo "$c" | jq -r --arg a "$IND_A" --arg d "$IND_D" '[.correlations[] | .indicator] | sort |
	(. == ([$a, $d] | sort))')" true "they are the address and the domain"
expect_eq "$(echo "$c" | jq -r '[.correlations[] | [.partners[].partner] | sort | join(",")] | unique | join(";")')" \
	"KOR,USA" "each sighted by KOR and USA"
expect_eq "$(echo "$c" | jq -r --arg a "$IND_A" '.correlations[] | select(.indicator == $a) |
	[.name, (.partners[] | select(.partner == "KOR") | .count, .first_seen)] | map(tostring) | join(",")')" \
	"C2 address,1,2026-12-07T10:01:00.000000Z" "with the name, KOR's count and first seen"
expect_eq "$(echo "$c" | jq -r '[.correlations[] | .alerted and (.alert_id | test("^[0-9a-f]+$"))] | all')" true \
	"both alerted, with the alert's id"
expect_eq "$(echo "$c" | jq -r '[.correlations[].alert_id] | sort | join(",")')" \
	"$(corr_items | jq -r '[.[].id] | sort | join(",")')" "the ids are the alerts in JPN's inbox"
expect_eq "$(corrs low | jq -c '.correlations')" "[]" "rule 4: the UNCLASSIFIED operator sees no correlation"
expect_eq "$(corrs admin '?x=1' | jq -r .error)" bad_request "a query string is 400"
id=$(corr_items | jq -r '.[0].id')
hl JPN ack "$id" >/dev/null || fail "ack of a correlation alert"
expect_eq "$(hl JPN inbox --json | jq -r --arg i "$id" '.items[] | select(.id == $i) | .acknowledged_by')" admin \
	"the duty officer acknowledges a correlation alert like any envelope"
expect_eq "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from receipts_out where to_node = 'JPN/node-1'")" 0 \
	"and no receipt is queued for it (it came from the node itself)"
expect_eq "$(hl NATO inbox --json | jq '[.items[] | select(.origin == "NATO/node-1")] | length')" 0 \
	"NATO has no alert"

# a sighting reveals a victim: NATO, a member that sighted nothing, has none
# of KOR's (KOR keeps the default, origin only); USA sends its own to every
# member (sightings_to = members on USA)
sleep 2
expect_eq "$(hl NATO stix search "$ADDR" --json | jq -r '[.matches[0].sightings.by[]?.partner] | join(",")')" "USA" \
	"NATO has USA's sighting (sightings_to = members) and none of KOR's"
expect_eq "$(hl USA stix search "$ADDR" --json | jq -r '[.matches[0].sightings.by[]?.partner] | join(",")')" "USA" \
	"USA has its own sighting but not KOR's"
expect_eq "$(hl KOR stix search "$ADDR" --json | jq -r '[.matches[0].sightings.by[]?.partner] | sort | join(",")')" "KOR,USA" \
	"KOR has its own and USA's"
# JPN's TAXII collection serves the detection sightings as STIX
COLL=$(curl -s --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" \
	-H 'Accept: application/taxii+json;version=2.1' "https://$(api JPN)/taxii2/hotline/collections/" |
	jq -r '.collections[] | select(.title == "threat") | .id')
s=$(curl -gs --cacert "$FED/JPN/ca.crt" -u "admin:$(pw JPN)" -H 'Accept: application/taxii+json;version=2.1' \
	"https://$(api JPN)/taxii2/hotline/collections/$COLL/objects/?match[type]=sighting")
expect_eq "$(echo "$s" | jq -r --arg a "$IND_A" '[.objects[] | select(.sighting_of_ref == $a) |
	(.where_sighted_refs | length == 1) and (.created_by_ref == .where_sighted_refs[0]) and
	has("first_seen") and .count == 1] | [length, all] | map(tostring) | join(",")')" "2,true" \
	"JPN's TAXII serves the two sightings of the address (where_sighted_refs = created_by_ref, first_seen, count)"

# the position is kept across a restart: nothing is read twice
node_stop KOR
node_start KOR
wait_link KOR JPN
sleep 1
expect_eq "$(status KOR | jq -c '.sensors[0] | [.lines, .position]')" "[0,$(stat -c %s "$T/kor-eve.json")]" \
	"after a restart KOR goes on from its position"
# JPN restarted: the sightings of the window are read again, not alerted again
node_stop JPN
node_start JPN
sleep 2
expect_eq "$(corr_items | jq length)" 2 "after a restart JPN raises no correlation alert again"
# truncation starts again at 0
printf '%s\n' '{"timestamp":"2026-12-07T10:02:00.000000+0000","event_type":"tls","src_ip":"192.0.2.10","dest_ip":"192.0.2.99","tls":{"sni":"ok.example"}}' 'not json' '{"event_type":"stats","timestamp":"2026-12-07T10:02:00.000000+0000"}' >"$T/kor-eve.json"
wait_status KOR 10 '.sensors[0].lines == 3' ||
	fail "truncation not followed: $(status KOR | jq -c .sensors)"
expect_eq "$(status KOR | jq -c '.sensors[0] | [.lines, .events, .skipped, .malformed]')" "[3,1,1,1]" \
	"a truncated file is read again from 0 (a malformed and a skipped line counted)"
# rotation: a line written to the old file, then a new file of two lines
line='{"timestamp":"2026-12-07T10:03:00.000000+0000","event_type":"flow","src_ip":"192.0.2.10","dest_ip":"192.0.2.98","proto":"TCP"}'
echo "$line" >>"$T/kor-eve.json"
mv "$T/kor-eve.json" "$T/kor-eve.json.1"
printf '%s\n%s\n' "$line" "$line" >"$T/kor-eve.json"
wait_status KOR 10 '.sensors[0].lines == 6' ||
	fail "rotation not followed: $(status KOR | jq -c .sensors)"
expect_eq "$(status KOR | jq -c '.sensors[0] | [.lines, .events, .position, .inode]')" \
	"[6,4,$(stat -c %s "$T/kor-eve.json"),$(stat -c %i "$T/kor-eve.json")]" \
	"a rotated file: the old file's last line, then the new file from 0"

# hotline detect --report records the matches as a sighting, sent to JPN
s=$(hl NATO detect --format suricata-eve "$T/once.json" --report --json)
expect_eq "$(echo "$s" | jq -c '[.hits, .sightings]')" "[1,1]" "detect --report on NATO records one sighting"
wait_until 30 sh -c "[ \"\$($(printf '%q ' "$HL") -c $(printf '%q' "$(conf JPN)") stix search $ADDR --json | jq -r '[.matches[0].sightings.by[]?.partner] | sort | join(\",\")')\" = KOR,NATO,USA ]" ||
	fail "NATO's reported sighting did not reach JPN: $(sighters "$ADDR")"
ok "JPN's search now shows NATO's reported sighting too"

# ---- live: real loopback traffic captured, converted by tshark, followed ----
live() {
	local t p
	for t in tcpdump tshark dig openssl curl; do
		command -v "$t" >/dev/null || { skip "live capture: $t is not installed (scripts/install-deps.sh)"; return 0; }
	done
	[ "$(id -u)" = 0 ] || { skip "live capture: tcpdump on lo needs root"; return 0; }
	TPORT=$((BASE_PORT + 150)) DPORT=$((BASE_PORT + 151))
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 1 \
		-subj "/CN=$DOM" -keyout "$T/live.key" -out "$T/live.crt" 2>/dev/null ||
		fail "openssl req"
	openssl s_server -quiet -accept "$TPORT" -cert "$T/live.crt" -key "$T/live.key" -www \
		>/dev/null 2>&1 &
	LIVE_PIDS="$!"
	python3 - "$DPORT" <<'PY' &
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.bind(("127.0.0.1", int(sys.argv[1])))
s.settimeout(15)
try:
    while True:
        q, peer = s.recvfrom(512)
        end = q.index(b"\0", 12) + 5
        hdr = q[:2] + b"\x81\x80" + q[4:6] + b"\x00\x01\x00\x00\x00\x00"
        ans = b"\xc0\x0c\x00\x01\x00\x01\x00\x00\x00\x3c\x00\x04" + bytes([192, 0, 2, 99])
        s.sendto(hdr + q[12:end] + ans, peer)
except socket.timeout:
    pass
PY
	LIVE_PIDS="$LIVE_PIDS $!"
	sleep 1
	tcpdump -i lo -U -w "$T/live.pcap" "port $TPORT or port $DPORT" >/dev/null 2>&1 &
	p=$!
	sleep 1
	dig +short +tries=1 -p "$DPORT" @127.0.0.1 "beacon.$DOM" A >/dev/null
	curl -s -o /dev/null -k --max-time 5 --resolve "$DOM:$TPORT:127.0.0.1" "https://$DOM:$TPORT/"
	sleep 1
	kill "$p"
	wait "$p" 2>/dev/null
	kill $LIVE_PIDS 2>/dev/null
	tshark -r "$T/live.pcap" -d "udp.port==$DPORT,dns" -d "tcp.port==$TPORT,tls" -T ek \
		>"$T/live-ek.json" 2>/dev/null || fail "tshark -T ek"
	expect_match "$(grep -c . "$T/live-ek.json")" '^[1-9][0-9]*$' "the capture converts to tshark -T ek lines"
	cat "$T/live-ek.json" >>"$T/usa-live.json"
	wait_status USA 20 '.sensors[1].hits >= 2 and .sensors[1].sightings >= 1' ||
		fail "USA's live sensor did not match the capture: $(status USA | jq -c '.sensors[1]')"
	ok "USA's tshark-ek sensor matched the live DNS query and TLS SNI of $DOM and recorded a sighting"
	expect_eq "$(status USA | jq '.sensors[1].malformed')" 0 "no tshark line is malformed"
}
live

# revocation: a newer version with revoked: true leaves the sensors' sets
jq '.objects |= [.[0] | .modified = "2026-01-06T08:00:00.000Z" | .revoked = true]' "$T/ind.json" >"$T/revoke.json"
expect_eq "$(hl JPN stix push "$T/revoke.json" --collection threat --json | jq '.accepted')" 1 \
	"JPN revokes the address indicator"
for p in KOR USA; do
	wait_status $p 30 '.sensors[0].indicators == 1' ||
		fail "$p still holds the revoked indicator: $(status $p | jq -c .sensors)"
done
ok "KOR's and USA's sensors drop the revoked indicator"

echo "# $SCENARIO: $CHECKS checks passed"
