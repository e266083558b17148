#!/usr/bin/env bash
# Peer authentication: a node whose TLS certificate is expired, not yet
# valid, issued by an unpinned CA, issued by another partner's CA, or naming
# the wrong node is refused by its peers, and the refusal is logged and
# audited. The same holds for the certificate in its node descriptor (the one
# that certifies its signing key, node.crt, apart from the TLS pair since
# issue 7): another partner's CA or another node's name is refused.
. "$(dirname "$0")/lib.sh"
MK="$HOTLINE_BUILD/tests/mkcert"

fed_init JPN,KOR,NATO
# each refused attempt doubles the redial delay; keep it short so a loaded
# machine still sees the next attempt within the wait below
sed -i 's/^reconnect_max = .*/reconnect_max = 2s/' "$FED/JPN/node.conf" "$FED/NATO/node.conf"
node_start JPN
node_start NATO
now=$(date +%s)
for f in tls.crt tls.key node.crt node.key; do cp "$FED/KOR/$f" "$T/good.$f"; done
"$MK" --ca "$T/rogue" KOR >/dev/null || fail "rogue CA"

refused_count() {
	sqlite3 "$FED/$1/data/hotline.db" "select count(*) from audit where event='link-refused'"
}

# try_cert WHICH NAME CA_DIR NODE NOT_BEFORE NOT_AFTER PATTERN
# WHICH: tls (the TLS pair KOR presents) or node (the signing pair whose
# certificate KOR's descriptor carries)
try_cert() {
	local which=$1 name=$2 ca=$3 node=$4 nb=$5 na=$6 pat=$7 before_j before_n before_p
	"$MK" "$ca" "$node" "$nb" "$na" "$FED/KOR/$which.key" "$FED/KOR/$which.crt" >/dev/null ||
		fail "mkcert $name"
	if [ "$which" = node ]; then
		# JPN's redial backoff has grown with each refusal: restart it
		node_stop JPN
		node_start JPN
	fi
	before_j=$(refused_count JPN)
	before_n=$(refused_count NATO)
	before_p=$(grep -c -- "$pat" "$T/JPN.log")
	node_spawn KOR
	# JPN dials KOR (KOR serves the bad certificate); KOR dials NATO (KOR is the client)
	wait_until 10 sh -c "[ \$(sqlite3 '$FED/JPN/data/hotline.db' \"select count(*) from audit where event='link-refused'\") -gt $before_j ]" ||
		fail "$name: JPN did not refuse"
	wait_until 10 sh -c "[ \$(sqlite3 '$FED/NATO/data/hotline.db' \"select count(*) from audit where event='link-refused'\") -gt $before_n ]" ||
		fail "$name: NATO did not refuse"
	link_is_up JPN KOR && fail "$name: JPN link to KOR is up"
	link_is_up NATO KOR && fail "$name: NATO link to KOR is up"
	# the log line may follow the audited refusal by a moment
	wait_until 5 sh -c "[ \$(grep -c -- '$pat' '$T/JPN.log') -gt $before_p ]" ||
		fail "$name: JPN log does not say why ($pat)"
	ok "$name certificate refused by both peers ($(grep -o -- "$pat" "$T/JPN.log" | head -1))"
	node_stop KOR
	cp "$T/good.$which.crt" "$FED/KOR/$which.crt"
	cp "$T/good.$which.key" "$FED/KOR/$which.key"
	chmod 600 "$FED/KOR/$which.key"
}

try_cert tls expired "$FED/ca/KOR" KOR/node-1 $((now - 86400 * 10)) $((now - 86400)) "expired"
try_cert tls not-yet-valid "$FED/ca/KOR" KOR/node-1 $((now + 86400)) $((now + 86400 * 10)) "not yet valid"
try_cert tls unpinned-ca "$T/rogue" KOR/node-1 $((now - 3600)) $((now + 86400)) "unable to get local issuer"
try_cert tls other-partner-ca "$FED/ca/NATO" KOR/node-1 $((now - 3600)) $((now + 86400)) "not issued by the pinned CA"
try_cert tls wrong-node "$FED/ca/KOR" KOR/node-2 $((now - 3600)) $((now + 86400)) "not a configured peer"
# a good TLS certificate does not vouch for the descriptor's
try_cert node descriptor-other-partner-ca "$FED/ca/NATO" KOR/node-1 $((now - 3600)) $((now + 86400)) "link KOR/node-1: bad HELLO descriptor"
try_cert node descriptor-wrong-node "$FED/ca/KOR" KOR/node-2 $((now - 3600)) $((now + 86400)) "link KOR/node-1: bad HELLO descriptor"
try_cert node descriptor-expired "$FED/ca/KOR" KOR/node-1 $((now - 86400 * 10)) $((now - 86400)) "link KOR/node-1: bad HELLO descriptor"

node_start KOR
wait_link JPN KOR
wait_link NATO KOR
ok "with its real certificates KOR is accepted again"
echo "# $SCENARIO: $CHECKS checks passed"
