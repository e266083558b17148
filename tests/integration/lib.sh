# lib.sh: helpers for integration scenarios. Source it; each scenario runs real
# hotlined processes on loopback ports that are free at the time.
# Environment from scripts/run-tests.sh: HOTLINE_BUILD, HOTLINE_ROOT.
set -u
HOTLINE_BUILD=${HOTLINE_BUILD:-$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)/build}
HL="$HOTLINE_BUILD/hotline"
HLD="$HOTLINE_BUILD/hotlined"
# (scripts/run-tests.sh names the port slot in it when scenarios run side by
# side, so that it finds the nodes each one left behind)
T=$(mktemp -d "/tmp/hotline-it.${HOTLINE_PORT_SLOT:+s$HOTLINE_PORT_SLOT-}XXXXXX")
FED="$T/fed"
declare -A NODE_PID=()
CHECKS=0
SCENARIO=$(basename "$0" .sh)

cleanup() {
	local rc=$?
	local p
	for p in "${!NODE_PID[@]}"; do
		kill -TERM "${NODE_PID[$p]}" 2>/dev/null
	done
	# give sanitizer builds time to write their reports before SIGKILL
	for i in $(seq 1 50); do
		alive=0
		for p in "${!NODE_PID[@]}"; do
			kill -0 "${NODE_PID[$p]}" 2>/dev/null && alive=1
		done
		[ "$alive" = 0 ] && break
		sleep 0.1
	done
	for p in "${!NODE_PID[@]}"; do
		kill -KILL "${NODE_PID[$p]}" 2>/dev/null
	done
	wait 2>/dev/null
	if [ "$rc" -ne 0 ]; then
		echo "# $SCENARIO failed; node logs follow"
		for f in "$T"/*.log; do
			[ -f "$f" ] || continue
			echo "# ---- $f (last 40 lines)"
			tail -n 40 "$f" | sed 's/^/#   /'
		done
	fi
	[ -n "${KEEP_T:-}" ] || rm -rf "$T"
	exit "$rc"
}
trap cleanup EXIT

fail() {
	echo "not ok - $*"
	exit 1
}

ok() {
	CHECKS=$((CHECKS + 1))
	echo "ok $CHECKS - $*"
}

# a check that cannot run here, said clearly
skip() { echo "ok - SKIPPED: $*"; }

# schema_check WHAT BUNDLE...: every object of the bundles is valid under the
# OASIS STIX 2.1 schemas (python $PY, schemas $SCHEMAS, set by the caller);
# the checker's lines as comments, then one ok line with the count.
schema_check() {
	local what=$1 out root
	shift
	root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
	out=$("$PY" "$root/tests/tools/stix_schema_check.py" "$SCHEMAS" "$@") ||
		{ echo "$out" | grep '^FAIL' | head -40; fail "$what fail the OASIS schemas"; }
	echo "$out" | sed 's/^/# /'
	ok "$what: $(echo "$out" | awk '/objects checked/ {n += $2} END {print n}') objects, 0 schema failures"
}

# The python3 that has jsonschema, for tests/tools/stix_schema_check.py
# (Debian's has python3-jsonschema from scripts/install-deps.sh; a python3
# earlier in PATH may have its own), or nothing.
python_jsonschema() {
	local p
	for p in /usr/bin/python3 python3; do
		if command -v "$p" >/dev/null && "$p" -c 'import jsonschema' 2>/dev/null; then
			echo "$p"
			return 0
		fi
	done
}

# expect_eq ACTUAL EXPECTED MESSAGE
expect_eq() {
	if [ "$1" = "$2" ]; then ok "$3"; else fail "$3: expected '$2', got '$1'"; fi
}

# expect_match TEXT REGEX MESSAGE
expect_match() {
	if printf '%s' "$1" | grep -Eq -- "$2"; then ok "$3"; else fail "$3: '$1' does not match /$2/"; fi
}

port_free() {
	! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

# Pick a base port such that base..base+n-1 and base+100.. are free.
pick_base_port() {
	local n=$1 try base i okp
	for try in $(seq 1 50); do
		# below the ephemeral range (32768+), so no outgoing connection can hold a
		# port a node is about to (re)bind
		# scripts/run-tests.sh runs HOTLINE_PORT_SLOTS scenarios at once,
		# each in its own slot: every other hundred of the range is the
		# slot's (base..base+199 per scenario), so two never pick the same
		base=$(( 20000 + ((RANDOM % (62 / ${HOTLINE_PORT_SLOTS:-1})) * ${HOTLINE_PORT_SLOTS:-1} + ${HOTLINE_PORT_SLOT:-0}) * 200 ))
		okp=1
		for i in $(seq 0 $((n - 1))); do
			port_free $((base + i)) && port_free $((base + 100 + i)) || { okp=0; break; }
		done
		[ "$okp" = 1 ] && { echo "$base"; return 0; }
	done
	return 1
}

# fed_init JPN,NATO,USA,KOR
fed_init() {
	local n
	n=$(echo "$1" | tr ',' '\n' | wc -l)
	BASE_PORT=$(pick_base_port "$n") || fail "no free ports"
	"$HL" pki init --dir "$FED" --partners "$1" --base-port "$BASE_PORT" >"$T/pki.log" 2>&1 ||
		{ cat "$T/pki.log"; fail "pki init"; }
	# privsep: started as root (CI), hotlined would drop to the users hotline
	# and hotline-keys, but these files are root's: keep root (user = root);
	# 47-privsep tests the real drop
	if [ "$(id -u)" = 0 ]; then
		sed -i 's/^\[node\]$/[node]\nuser = root\nkeeper_user = root/' "$FED"/*/node.conf
	fi
}

conf() { echo "$FED/$1/node.conf"; }

# hl P ARGS...: run the CLI against partner P's node
hl() {
	local p=$1
	shift
	"$HL" -c "$(conf "$p")" "$@"
}

# node_start P: start and wait until its operator API answers
node_start() {
	local p=$1 i
	"$HLD" -c "$(conf "$p")" >>"$T/$p.log" 2>&1 &
	NODE_PID[$p]=$!
	for i in $(seq 1 100); do
		if hl "$p" status >/dev/null 2>&1; then return 0; fi
		kill -0 "${NODE_PID[$p]}" 2>/dev/null || fail "node $p exited at start: $(tail -n 3 "$T/$p.log")"
		sleep 0.1
	done
	fail "node $p did not come up"
}

# node_spawn P: start without waiting for the API (it may never come up)
node_spawn() {
	local p=$1
	"$HLD" -c "$(conf "$p")" >>"$T/$p.log" 2>&1 &
	NODE_PID[$p]=$!
	sleep 0.3
	kill -0 "${NODE_PID[$p]}" 2>/dev/null || fail "node $p exited at start: $(tail -n 3 "$T/$p.log")"
}

# node_stop P [SIGNAL]
node_stop() {
	local p=$1 sig=${2:-TERM}
	kill "-$sig" "${NODE_PID[$p]}" 2>/dev/null
	wait "${NODE_PID[$p]}" 2>/dev/null
	unset "NODE_PID[$p]"
}

# wait_until SECONDS CMD...: poll until CMD succeeds
wait_until() {
	local secs=$1 i
	shift
	for i in $(seq 1 $((secs * 10))); do
		if "$@" >/dev/null 2>&1; then return 0; fi
		sleep 0.1
	done
	return 1
}

link_is_up() {
	hl "$1" status --json | jq -e --arg q "$2/node-1" '.peers[] | select(.node == $q) | .link == "up"' >/dev/null
}

# wait_link P Q: P reports its link to Q up
wait_link() {
	wait_until 15 link_is_up "$1" "$2" || fail "link $1 -> $2 did not come up"
}

delivery_state() {
	hl "$1" delivery "$2" --json | jq -r --arg q "$3/node-1" '.recipients[] | select(.node == $q) | .state'
}

# wait_state P ID Q STATE: P's delivery record of ID to Q reaches STATE
wait_state() {
	local i s=""
	for i in $(seq 1 150); do
		s=$(delivery_state "$1" "$2" "$3" 2>/dev/null)
		[ "$s" = "$4" ] && return 0
		sleep 0.1
	done
	fail "delivery of $2 to $3 at $1: state '$s', expected '$4'"
}

inbox_count() {
	hl "$1" inbox --json | jq '.items | length'
}

# conf_low_operator P: an [operator low] on P, analyst, UNCLASSIFIED,
# nationality P, with the password of JPN's admin (rule 4 checks)
conf_low_operator() {
	local hash
	hash=$(sed -n 's/^password = //p' "$(conf JPN)" | head -n1)
	cat >>"$(conf "$1")" <<EOF

[operator low]
role = analyst
clearance = UNCLASSIFIED
nationality = $1
password = $hash
EOF
}

# ---- fault injection (tests/tools/faultproxy.c, docs/internals/faults.md) ----

# conf_set P KEY VALUE: set KEY in the [node] section of P's node.conf
conf_set() {
	local f
	f=$(conf "$1")
	awk -v k="$2" -v v="$3" '
		/^\[/ { sec = $0 }
		sec == "[node]" && $1 == k && $2 == "=" { print k " = " v; next }
		{ print }' "$f" >"$f.new" && mv "$f.new" "$f"
}

# conf_set_peer_address P PEER_NODE HOST:PORT: where P dials PEER_NODE
conf_set_peer_address() {
	local f
	f=$(conf "$1")
	awk -v s="[peer $2]" -v a="$3" '
		/^\[/ { sec = $0 }
		sec == s && $1 == "address" && $2 == "=" { print "address = " a; next }
		{ print }' "$f" >"$f.new" && mv "$f.new" "$f"
	grep -q "^address = $3\$" "$f" || fail "cannot set $2's address in $(conf "$1")"
}

# proxy_start CONTROL_PORT SEED MAPPING...: start faultproxy (killed by
# cleanup like a node) and wait until it listens. Sets PROXY_CTL.
proxy_start() {
	local cport=$1 seed=$2 i
	shift 2
	PROXY_CTL=$cport
	"$HOTLINE_BUILD/tests/faultproxy" --control "$cport" --seed "$seed" "$@" \
		>>"$T/proxy.log" 2>&1 &
	NODE_PID[faultproxy]=$!
	for i in $(seq 1 50); do
		grep -q "^faultproxy: ready" "$T/proxy.log" 2>/dev/null && return 0
		kill -0 "${NODE_PID[faultproxy]}" 2>/dev/null || fail "faultproxy exited: $(tail -n 2 "$T/proxy.log")"
		sleep 0.1
	done
	fail "faultproxy did not come up"
}

# proxy_ctl COMMAND...: one control command; prints the reply line and
# succeeds when it starts with "ok"
proxy_ctl() {
	local reply=""
	exec 9<>"/dev/tcp/127.0.0.1/$PROXY_CTL" || return 1
	printf '%s\n' "$*" >&9
	IFS= read -r -t 5 reply <&9
	exec 9>&-
	printf '%s\n' "$reply"
	case "$reply" in ok*) return 0 ;; *) return 1 ;; esac
}

# proxy_stat KEY: one counter from "stats"
proxy_stat() {
	proxy_ctl stats | tr ' ' '\n' | sed -n "s/^$1=//p"
}

# build_release COMMIT -> the directory of its build (once per clone, shared
# by the plain and sanitizer runs)
build_release() {
	local c=$1 root dir
	root=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
	dir="$root/build-prev-release/$1"
	if ! git -C "$root" cat-file -e "$c^{commit}" 2>/dev/null; then
		skip "the release $c is not in this clone's history"
		exit 0
	fi
	if [ ! -x "$dir/build/hotlined" ] || [ ! -x "$dir/build/hotline" ]; then
		rm -rf "$dir"
		mkdir -p "$dir"
		git -C "$root" archive "$c" | tar -x -C "$dir" || fail "git archive $c"
		# a plain build, whatever this one is (sanitizers or not)
		make -C "$dir" -s -j2 SANITIZER= BUILD=build build/hotlined build/hotline \
			>"$T/old-build-$c.log" 2>&1 || { tail -n 20 "$T/old-build-$c.log"; fail "building $c"; }
	fi
	echo "$dir"
}
