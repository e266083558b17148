#!/usr/bin/env bash
# Peer authentication: a node whose certificate is expired, not yet valid,
# issued by an unpinned CA, issued by another partner's CA, or naming the
# wrong node is refused by its peers, and the refusal is logged and audited.
. "$(dirname "$0")/lib.sh"
MK="$HOTLINE_BUILD/tests/mkcert"

fed_init JPN,KOR,NATO
# each refused attempt doubles the redial delay; keep it short so a loaded
# machine still sees the next attempt within the wait below
sed -i 's/^reconnect_max = .*/reconnect_max = 2s/' "$FED/JPN/node.conf" "$FED/NATO/node.conf"
node_start JPN
node_start NATO
now=$(date +%s)
cp "$FED/KOR/node.crt" "$T/good.crt"
cp "$FED/KOR/node.key" "$T/good.key"
"$MK" --ca "$T/rogue" KOR >/dev/null || fail "rogue CA"

refused_count() {
	sqlite3 "$FED/$1/data/hotline.db" "select count(*) from audit where event='link-refused'"
}

# try_cert NAME CA_DIR NODE NOT_BEFORE NOT_AFTER PATTERN
try_cert() {
	local name=$1 ca=$2 node=$3 nb=$4 na=$5 pat=$6 before_j before_n
	"$MK" "$ca" "$node" "$nb" "$na" "$FED/KOR/node.key" "$FED/KOR/node.crt" >/dev/null ||
		fail "mkcert $name"
	before_j=$(refused_count JPN)
	before_n=$(refused_count NATO)
	node_spawn KOR
	# JPN dials KOR (KOR serves the bad certificate); KOR dials NATO (KOR is the client)
	wait_until 10 sh -c "[ \$(sqlite3 '$FED/JPN/data/hotline.db' \"select count(*) from audit where event='link-refused'\") -gt $before_j ]" ||
		fail "$name: JPN did not refuse"
	wait_until 10 sh -c "[ \$(sqlite3 '$FED/NATO/data/hotline.db' \"select count(*) from audit where event='link-refused'\") -gt $before_n ]" ||
		fail "$name: NATO did not refuse"
	link_is_up JPN KOR && fail "$name: JPN link to KOR is up"
	link_is_up NATO KOR && fail "$name: NATO link to KOR is up"
	grep -q -- "$pat" "$T/JPN.log" || fail "$name: JPN log does not say why ($pat)"
	ok "$name certificate refused by both peers ($(grep -o -- "$pat" "$T/JPN.log" | head -1))"
	node_stop KOR
}

try_cert expired "$FED/KOR" KOR/node-1 $((now - 86400 * 10)) $((now - 86400)) "expired"
try_cert not-yet-valid "$FED/KOR" KOR/node-1 $((now + 86400)) $((now + 86400 * 10)) "not yet valid"
try_cert unpinned-ca "$T/rogue" KOR/node-1 $((now - 3600)) $((now + 86400)) "unable to get local issuer"
try_cert other-partner-ca "$FED/NATO" KOR/node-1 $((now - 3600)) $((now + 86400)) "not issued by the pinned CA"
try_cert wrong-node "$FED/KOR" KOR/node-2 $((now - 3600)) $((now + 86400)) "not a configured peer"

cp "$T/good.crt" "$FED/KOR/node.crt"
cp "$T/good.key" "$FED/KOR/node.key"
chmod 600 "$FED/KOR/node.key"
node_start KOR
wait_link JPN KOR
wait_link NATO KOR
ok "with its real certificate KOR is accepted again"
echo "# $SCENARIO: $CHECKS checks passed"
