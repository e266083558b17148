#!/usr/bin/env bash
# scripts/bench.sh BUILD: the whole benchmark of `make bench` (issue 8).
#
# In one run on this machine: the machine's limits (loopback RTT, fsync,
# openssl speed, bench_kem: ML-KEM, key wraps, ML-DSA beside Ed25519),
# hotline with four nodes on loopback (FLASH
# latency to one and three partners, idle and during a file and a TAXII bulk
# transfer; sustained envelopes/s with CPU and RSS, one envelope a request and
# with the batch endpoint; perf CPU breakdowns), the same
# with bench_no_fsync (like-for-like), optionally with the what-if shim
# bench/preload/whatif.c (the what-if of a proposed fix; BENCH_VARIANTS="durable
# nofsync shim nofsync_shim" runs it), Mosquitto (TLS client certificates, QoS 1) and
# NATS JetStream (file storage, TLS). Every figure is repeated BENCH_RUNS
# times (default 3), interleaved, and the report gives medians with min and
# max. Writes docs/BENCHMARKS.md and docs/bench/*.png (bench/report.py).
#
# BENCH_QUICK=1: one short run (a smoke test, about 2 minutes).
set -u
ROOT=$(cd "$(dirname "$0")/.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
QUICK=${BENCH_QUICK:-0}
if [ "$QUICK" = 1 ]; then
	RUNS=${BENCH_RUNS:-1}; NLAT=200; LATCAP=3; SECS=2; NPEER=1000; NFSYNC=200
else
	RUNS=${BENCH_RUNS:-3}; NLAT=1000; LATCAP=8; SECS=4; NPEER=3000; NFSYNC=500
fi
# a latency row sends NLAT alerts or stops after LATCAP seconds, whichever
# comes first (a slow node gets fewer samples; the report gives n)
IV=5000          # FLASH alerts: one every 5 ms (200/s)
CONNS=8          # sustained: 8 keep-alive API connections, closed loop
BATCH=100        # sustained with the batch endpoint: 100 envelopes a request
BCONNS=2         # on 2 keep-alive connections, closed loop (the node sends
                 # one request's items in one pass: more connections only
                 # add envelopes still draining when the row ends)
BULK=4194304     # bulk transfer: 4 MiB ROUTINE file envelopes to all three
BIG=31457280     # large uploads: 30 MiB ROUTINE file envelopes, one at a time
export HOTLINE_BUILD=$BUILD HOTLINE_SHARED_DATA=${HOTLINE_SHARED_DATA:-$ROOT/../shared/data}
# shellcheck source=../tests/integration/lib.sh
source "$ROOT/tests/integration/lib.sh"   # T, FED, fed_init, node_start, cleanup trap
# our own directory, outside /tmp/hotline-it.* (other test runs clean those up)
rmdir "$T"
T=$(mktemp -d "${BENCH_TMP:-/var/tmp}/hlbench.XXXXXX") || exit 1
FED=$T/fed
R=$T/results.txt
RAW=$T/raw
mkdir -p "$RAW"
: >"$R"
STARTED=$(date +%s)
say() { echo "bench: $*" >&2; }
# put KEY VALUE
put() { printf '%s=%s\n' "$1" "$2" >>"$R"; }
# rec PREFIX FILE: every key=value line of FILE as PREFIX.key=value
rec() { sed -n "s/^\([a-zA-Z0-9_.]*\)=\(.*\)$/$1.\1=\2/p" "$2" >>"$R"; }

# ---- build the peer clients and the shim (a failure = rows not measured)
make -k -s -C "$ROOT" BUILD="$BUILD" bench-peers >"$T/peers-build.log" 2>&1 ||
	say "peer clients did not build (see below); their rows are not measured"
PRELOAD=$BUILD/bench/whatif.so
# The shim's two fixes (TCP_NODELAY, the checkpoint connection's read) are in
# src/ now, so its variants are off unless asked for.
VARIANTS=${BENCH_VARIANTS:-durable classical nofsync}

# ---- the machine
put machine.cpu "$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1)"
put machine.cores "$(nproc)"
put machine.kernel "$(uname -r)"
put machine.debian "$(cat /etc/debian_version 2>/dev/null || echo unknown)"
put machine.date "$(date -u +%Y-%m-%dT%H:%MZ)"
put machine.openssl "$(openssl version | cut -d' ' -f1-2)"
put machine.fs "$(df -T "$T" | awk 'NR == 2 { print $2 " (" $1 ")" }')"
put machine.load "$(cut -d' ' -f1-3 /proc/loadavg)"
put conf.runs "$RUNS"
put conf.nlat "$NLAT"
put conf.secs "$SECS"
put conf.latcap "$LATCAP"
put conf.nfsync "$NFSYNC"
put conf.quick "$QUICK"
put conf.batch "$BATCH"
put conf.bconns "$BCONNS"

# ---- the federation: JPN, KOR, USA, NATO on loopback, each with a tap
conf_add() {   # P KEY VALUE: add KEY to [node]
	local f
	f=$(conf "$1")
	awk -v k="$2" -v v="$3" '{ print } /^\[node\]$/ { print k " = " v }' "$f" >"$f.new" &&
		mv "$f.new" "$f"
}
PARTNERS="JPN KOR USA NATO"
fed_init JPN,KOR,USA,NATO
for p in $PARTNERS; do
	conf_add "$p" bench_tap "$T/tap-$p"
	conf_add "$p" bench_no_fsync no
	conf_add "$p" sig_suite ed25519-mldsa65
	conf_add "$p" allow_classical_signatures no
done
API=$(awk '$1 == "api" { print $3; exit }' "$(conf JPN)")
# STIX collections (bench/bench_taxii.sh, the TAXII bulk rows): JPN's
# `local` has no members; `shared` is shared between JPN and the three
for p in $PARTNERS; do
	if [ "$p" = JPN ]; then m="KOR, USA, NATO"; else m=JPN; fi
	printf '\n[collection local]\nread = admin\nwrite = admin\n\n[collection shared]\nmembers = %s\nread = admin\nwrite = admin\n' \
		"$m" >>"$(conf "$p")"
done
TX="python3 $ROOT/bench/bench_taxii.py --api $API --user admin --passfile $FED/JPN/admin.password --ca $FED/JPN/ca.crt"
TAPS2="--tap KOR=$T/tap-KOR --tap USA=$T/tap-USA"
TAPS3="--tap KOR=$T/tap-KOR --tap USA=$T/tap-USA --tap NATO=$T/tap-NATO"

# variant_start V: durable | classical | nofsync | shim | nofsync_shim
# (classical: durable with Ed25519 signatures alone, the cost of the hybrid
# suite measured against it in the same run)
variant_start() {
	local v=$1 nf=no pre="" p q suite=ed25519-mldsa65 allow=no
	case "$v" in nofsync*) nf=yes ;; esac
	case "$v" in classical) suite=ed25519; allow=yes ;; esac
	case "$v" in *shim) pre=$PRELOAD ;; esac
	# every variant starts from empty stores (the KEM keys stay), so that
	# what earlier variants left in the stores does not weigh on later ones
	for p in $PARTNERS; do
		rm -f "$FED/$p/data/hotline.db" "$FED/$p/data/hotline.db-wal" "$FED/$p/data/hotline.db-shm"
		: >"$T/tap-$p"
	done
	for p in $PARTNERS; do
		conf_set "$p" bench_no_fsync "$nf"
		conf_set "$p" sig_suite "$suite"
		conf_set "$p" allow_classical_signatures "$allow"
		LD_PRELOAD=$pre node_start "$p"
	done
	for q in KOR USA NATO; do wait_link JPN "$q"; done
	sleep 2   # descriptors (KEM keys) exchanged at link-up
}
variant_stop() {
	local p
	for p in $PARTNERS; do node_stop "$p"; done
}
BH="$BUILD/bench/bench_hotline --api $API --user admin --passfile $FED/JPN/admin.password --ca $FED/JPN/ca.crt"
# bh KEY ARGS...: one bench_hotline run recorded under KEY
bh() {
	local key=$1
	shift
	[ -n "$(sed -n "s/^cmd\.$key=//p" "$R" | head -n 1)" ] ||
		put "cmd.$key" "$(printf 'bench_hotline --api JPN_API %s' "$*" |
			sed -e "s|$T/tap-|\$T/tap-|g" -e "s|--raw [^ ]*||" -e "s|=[0-9][0-9]*|=PID|g")"
	# shellcheck disable=SC2086
	if ! $BH "$@" >"$T/out.txt" 2>"$T/err.txt"; then
		say "$key failed: $(tail -n 2 "$T/err.txt")"
	fi
	rec "$RUN_PREFIX.$key" "$T/out.txt"
}

# flash_during BG ROW ARGS...: bench_hotline ARGS in the background (its
# figures recorded as BG), and FLASH to three meanwhile (the row ROW)
flash_during() {
	local bg=$1 row=$2 pid
	shift 2
	$BH "$@" >"$T/$bg.txt" 2>&1 &
	pid=$!
	put "cmd.$bg" "$(printf 'bench_hotline %s (in the background)' "$*" | sed -e "s|$T/tap-|\$T/tap-|g")"
	sleep 0.5
	# shellcheck disable=SC2086
	bh "$row" --to KOR,USA,NATO $TAPS3 --count "$NLAT" --seconds "$LATCAP" --interval-us "$IV" \
		--raw "$RAW/r$RUN.$v.$row."
	wait "$pid"
	rec "$RUN_PREFIX.$bg" "$T/$bg.txt"
}

# perf_start V [SECONDS]: in the last run's durable variant, perf on the
# sender and one receiver for SECONDS (default SECS), in the background
# (PERFPID)
perf_start() {
	unset PERFPID
	PERFSECS=${2:-$SECS}
	if [ "$1" = durable ] && [ "$RUN" = "$RUNS" ] && command -v perf >/dev/null; then
		# the two nodes and their key keepers (child processes: the
		# hybrid signatures' ML-DSA runs there)
		local pids="${NODE_PID[JPN]},${NODE_PID[KOR]}" kp
		for kp in $(pgrep -P "${NODE_PID[JPN]}") $(pgrep -P "${NODE_PID[KOR]}"); do
			pids="$pids,$kp"
		done
		perf record -q -F 499 --call-graph dwarf,16384 \
			-p "$pids" -o "$T/perf.data" -- sleep "$PERFSECS" \
			>/dev/null 2>"$T/perf.err" &
		PERFPID=$!
	fi
}
# perf_stop NAME ROW KEY: wait for it; RAW/NAME-children.txt (inclusive) and
# RAW/NAME-dso.txt (self by library), the command under cmd.KEY
perf_stop() {
	[ -n "${PERFPID:-}" ] || return 0
	wait "$PERFPID"
	perf report -i "$T/perf.data" --children --stdio --no-demangle -g none \
		--percent-limit 0.3 >"$RAW/$1-children.txt" 2>/dev/null
	perf report -i "$T/perf.data" --no-children --stdio --sort dso -g none \
		>"$RAW/$1-dso.txt" 2>/dev/null
	put "cmd.$3" "perf record -F 499 --call-graph dwarf -p JPN,KOR,their key keepers -- sleep $PERFSECS (during $2); perf report --children"
	unset PERFPID
}

hotline_variant() {
	local v=$1 bulkpid
	say "run $RUN: hotline $v"
	variant_start "$v"
	RUN_PREFIX="r$RUN.$v"
	if [ "$RUN" = 1 ] && [ "$v" = durable ]; then
		for p in $PARTNERS; do
			put "hl.rss_idle_kib.$p" "$(awk '/^VmRSS:/ { print $2 }' "/proc/${NODE_PID[$p]}/status")"
		done
	fi
	bh lat1 --to KOR --tap "KOR=$T/tap-KOR" --count "$NLAT" --seconds "$LATCAP" --interval-us "$IV" \
		--raw "$RAW/r$RUN.$v.lat1."
	# shellcheck disable=SC2086
	bh lat3 --to KOR,USA,NATO $TAPS3 --count "$NLAT" --seconds "$LATCAP" --interval-us "$IV" \
		--raw "$RAW/r$RUN.$v.lat3."
	if [ "$v" = durable ] || [ "$v" = shim ]; then
		# a bulk transfer on the same links: 4 MiB ROUTINE file envelopes to
		# all three, as uploads (the content as the request body)
		# shellcheck disable=SC2086
		flash_during bulk lat3bulk --to KOR,USA,NATO --precedence routine --size "$BULK" \
			--upload yes --seconds "$LATCAP" $TAPS3
	fi
	if [ "$v" = durable ]; then
		# FLASH alerts created while 30 MiB uploads arrive at JPN, one after
		# another, each to all three (the issue's "FLASH created behind a
		# 30 MB API upload")
		# shellcheck disable=SC2086
		flash_during big lat3big --to KOR,USA,NATO --precedence routine --size "$BIG" \
			--upload yes --seconds "$LATCAP" $TAPS3
	fi
	# the CPU breakdown: perf on the sender and one receiver during tput1
	perf_start "$v"
	bh tput1 --to KOR --precedence routine --tap "KOR=$T/tap-KOR" --conns "$CONNS" \
		--seconds "$SECS" --pid "JPN=${NODE_PID[JPN]}" --pid "KOR=${NODE_PID[KOR]}"
	perf_stop perf tput1 perf
	if [ "$v" != nofsync_shim ]; then
		# shellcheck disable=SC2086
		bh tput3 --to KOR,USA,NATO --precedence routine $TAPS3 --conns "$CONNS" \
			--seconds "$SECS" --pid "JPN=${NODE_PID[JPN]}" --pid "KOR=${NODE_PID[KOR]}"
	fi
	if [ "$v" = durable ] || [ "$v" = classical ]; then
		# the batch endpoint (POST /api/v1/envelopes/batch, BATCH envelopes a
		# request), so that the HTTP layer is not what limits the node; perf
		# on the sender and one receiver during the one-recipient row.
		# Durable (and Ed25519-only, for the cost of hybrid signatures)
		# only: with no-fsync too, make bench took 625 s here
		perf_start "$v"
		bh tput1batch --to KOR --precedence routine --tap "KOR=$T/tap-KOR" --conns "$BCONNS" \
			--batch "$BATCH" --seconds "$SECS" --pid "JPN=${NODE_PID[JPN]}" --pid "KOR=${NODE_PID[KOR]}"
		perf_stop perf-batch tput1batch perfbatch
		# shellcheck disable=SC2086
		bh tput3batch --to KOR,USA,NATO --precedence routine $TAPS3 --conns "$BCONNS" \
			--batch "$BATCH" --seconds "$SECS" --pid "JPN=${NODE_PID[JPN]}" --pid "KOR=${NODE_PID[KOR]}"
	fi
	if [ "$v" = durable ]; then
		# the track stream (issue 15): 1,000 updates/s to KOR and USA (10 a
		# batch every 10 ms) timed to the recipients' durable store; FLASH to
		# three while 5,000 updates/s flow (a batch of 1,000 every 200 ms);
		# batches of 1,000 as fast as the node takes them (2 connections)
		# shellcheck disable=SC2086
		bh tracks1k --to KOR,USA $TAPS2 --tracks 10 --interval-us 10000 --count "$NLAT" \
			--seconds "$LATCAP" --raw "$RAW/r$RUN.$v.tracks1k."
		# shellcheck disable=SC2086
		# (perf on JPN and KOR while it runs: where their time goes)
		perf_start "$v" "$LATCAP"
		flash_during tstream lat3tracks --to KOR,USA $TAPS2 --tracks 1000 --interval-us 200000 \
			--seconds "$LATCAP"
		perf_stop perf-tracks lat3tracks perftracks
		# last: the picture lags behind a closed loop (its ingest is sliced),
		# which would weigh on the rows after it
		sleep 2
		# shellcheck disable=SC2086
		bh tracksmax --to KOR,USA $TAPS2 --tracks 1000 --conns 2 --seconds "$SECS" \
			--pid "JPN=${NODE_PID[JPN]}" --pid "KOR=${NODE_PID[KOR]}"
		sleep 3   # the pictures catch up before the idle row
	fi
	if [ "$v" = durable ]; then
		# an idle receiver after the load: CPU over 3 s with what its inbox holds
		local t0 t1
		t0=$(awk '{ print $14 + $15 }' "/proc/${NODE_PID[KOR]}/stat")
		sleep 3
		t1=$(awk '{ print $14 + $15 }' "/proc/${NODE_PID[KOR]}/stat")
		put "$RUN_PREFIX.idle_after.cpu_KOR_pct" "$(awk -v a="$t0" -v b="$t1" -v hz="$(getconf CLK_TCK)" 'BEGIN { printf "%.1f", (b - a) * 100 / hz / 3 }')"
		put "$RUN_PREFIX.idle_after.inbox_KOR" "$(wc -l <"$T/tap-KOR")"
		put "$RUN_PREFIX.idle_after.rss_KOR_kib" "$(awk '/^VmRSS:/ { print $2 }' "/proc/${NODE_PID[KOR]}/status")"
		put "$RUN_PREFIX.idle_after.db_KOR_bytes" "$(du -sb "$FED/KOR/data" | cut -f1)"
	fi
	if [ "$v" = durable ] || [ "$v" = shim ]; then
		# last in the variant (the members' ingest of what it shares runs on
		# after it and would weigh on the rows above)
		# a bulk STIX transfer on the same links: TAXII POSTs of generated
		# indicators (envelopes of 1000) into `shared`, which the node sends
		# on to KOR, USA and NATO as STIX envelopes (500 objects each)
		# shellcheck disable=SC2086
		$TX --prefix taxiibulk post shared --gen 10000000 --lazy --seed "$RUN" --batch 1000 \
			--seconds "$LATCAP" >"$T/taxiibulk.txt" 2>&1 &
		bulkpid=$!
		put "cmd.taxiibulk" "bench_taxii.py post shared --gen N --lazy --batch 1000 --seconds $LATCAP (in the background)"
		sleep 0.5
		# shellcheck disable=SC2086
		bh lat3taxii --to KOR,USA,NATO $TAPS3 --count "$NLAT" --seconds "$LATCAP" --interval-us "$IV" \
			--raw "$RAW/r$RUN.$v.lat3taxii."
		wait "$bulkpid"
		rec "$RUN_PREFIX.taxiibulk" "$T/taxiibulk.txt"
	fi
	variant_stop
}

# ---- the peers: Mosquitto and NATS JetStream with their own CA and certs
PD=$T/peers
mkdir -p "$PD/js"
peers_certs() {
	local n
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 2 \
		-subj /CN=bench-ca -keyout "$PD/ca.key" -out "$PD/ca.crt" 2>/dev/null || return 1
	for n in server client; do
		openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -subj "/CN=$n" \
			-keyout "$PD/$n.key" -out "$PD/$n.csr" 2>/dev/null || return 1
		printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\n' >"$PD/$n.ext"
		openssl x509 -req -in "$PD/$n.csr" -CA "$PD/ca.crt" -CAkey "$PD/ca.key" \
			-CAcreateserial -days 2 -extfile "$PD/$n.ext" -out "$PD/$n.crt" 2>/dev/null ||
			return 1
	done
}
MQTT_PORT=$((BASE_PORT + 50))
NATS_PORT=$((BASE_PORT + 51))
MQTT_OK=0
NATS_OK=0
if peers_certs; then
	if command -v mosquitto >/dev/null && [ -x "$BUILD/bench/peers/bench_mqtt" ]; then
		cat >"$PD/mosquitto.conf" <<-EOF
		per_listener_settings false
		allow_anonymous true
		persistence false
		log_dest stderr
		user $(id -un)
		max_inflight_messages 1000
		max_queued_messages 100000
		listener $MQTT_PORT 127.0.0.1
		cafile $PD/ca.crt
		certfile $PD/server.crt
		keyfile $PD/server.key
		require_certificate true
		use_identity_as_username true
		EOF
		mosquitto -c "$PD/mosquitto.conf" >"$T/mosquitto.log" 2>&1 &
		NODE_PID[mosquitto]=$!
		MQTT_OK=1
	fi
	if command -v nats-server >/dev/null && [ -x "$BUILD/bench/peers/bench_nats" ]; then
		cat >"$PD/nats.conf" <<-EOF
		listen: 127.0.0.1:$NATS_PORT
		jetstream {
		  store_dir: "$PD/js"
		}
		tls {
		  cert_file: "$PD/server.crt"
		  key_file: "$PD/server.key"
		  ca_file: "$PD/ca.crt"
		  verify: true
		}
		EOF
		nats-server -js -c "$PD/nats.conf" >"$T/nats.log" 2>&1 &
		NODE_PID[nats]=$!
		NATS_OK=1
	fi
	sleep 1
fi
put peers.mosquitto "$(mosquitto -h 2>/dev/null | sed -n 's/^mosquitto version //p' | head -n 1)"
put peers.nats "$(nats-server --version 2>/dev/null | head -n 1)"
peer_run() {   # NAME BIN TARGET
	local name=$1 bin=$2 target=$3
	"$bin" "$target" "$PD/ca.crt" "$PD/client.crt" "$PD/client.key" lat "$NPEER" 1000 \
		"$RAW/r$RUN.$name.lat.txt" >"$T/out.txt" 2>"$T/err.txt" ||
		say "$name lat failed: $(tail -n 2 "$T/err.txt")"
	rec "r$RUN.$name.lat" "$T/out.txt"
	"$bin" "$target" "$PD/ca.crt" "$PD/client.crt" "$PD/client.key" tput "$SECS" \
		>"$T/out.txt" 2>"$T/err.txt" || say "$name tput failed: $(tail -n 2 "$T/err.txt")"
	rec "r$RUN.$name.tput" "$T/out.txt"
}
put cmd.mqtt "bench_mqtt PORT ca.crt client.crt client.key lat $NPEER 1000; ... tput $SECS"
put cmd.nats "bench_nats tls://127.0.0.1:PORT ca.crt client.crt client.key lat $NPEER 1000; ... tput $SECS"

# ---- once: the crypto figures
say "openssl speed and bench_kem"
openssl speed -seconds 1 ed25519 ecdhx25519 >"$T/speed1.txt" 2>/dev/null
openssl speed -seconds 1 -bytes 1024 -evp aes-256-gcm >"$T/speed2.txt" 2>/dev/null
put ossl.ed25519_sign_per_s "$(awk '/\(Ed25519\)/ { print $(NF-1) }' "$T/speed1.txt")"
put ossl.ed25519_verify_per_s "$(awk '/\(Ed25519\)/ { print $NF }' "$T/speed1.txt")"
put ossl.x25519_per_s "$(awk '/\(X25519\)/ { print $NF }' "$T/speed1.txt")"
put ossl.aes256gcm_1k_per_s "$(awk '/^AES-256-GCM/ { v = $2; sub(/k$/, "", v); printf "%.0f", v * 1000 / 1024 }' "$T/speed2.txt")"
put cmd.ossl "openssl speed -seconds 1 ed25519 ecdhx25519; openssl speed -seconds 1 -bytes 1024 -evp aes-256-gcm"
"$BUILD/bench/bench_kem" "$([ "$QUICK" = 1 ] && echo 1 || echo 3)" >"$T/kem.txt" 2>&1
cp "$T/kem.txt" "$RAW/kem.txt"
awk '/ops\/s/ { n = $0; sub(/ +[0-9]+ ops\/s.*/, "", n); gsub(/[^A-Za-z0-9]+/, "_", n);
	for (i = 1; i <= NF; i++) if ($(i+1) == "ops/s") { print "kem." n "_per_s=" $i; break } }' \
	"$T/kem.txt" >>"$R"
# its signature sizes ("size: NAME pk N sig N"): size.NAME_pk, size.NAME_sig
awk '/^size: / { n = $0; sub(/^size: /, "", n); sub(/ pk .*/, "", n); gsub(/[^A-Za-z0-9]+/, "_", n);
	for (i = 1; i < NF; i++) if ($i == "pk" || $i == "sig") print "size." n "_" $i "=" $(i+1) }' \
	"$T/kem.txt" >>"$R"
# the signature rows on the terminal too (docs/BENCHMARKS.md has them all)
grep -E '^(Ed25519|ML-DSA|hybrid|size:)' "$T/kem.txt" | sed 's/^/bench: /' >&2
put cmd.kem "bench_kem 3"

# ---- the repeated, interleaved runs
for RUN in $(seq 1 "$RUNS"); do
	say "run $RUN/$RUNS: machine limits"
	"$BUILD/bench/bench_sys" rtt 20000 "$RAW/r$RUN.rtt.txt" >"$T/out.txt" && rec "r$RUN.sys" "$T/out.txt"
	"$BUILD/bench/bench_sys" fsync "$FED/JPN" "$NFSYNC" \
		"$RAW/r$RUN.fsync.txt" >"$T/out.txt" && rec "r$RUN.sys" "$T/out.txt"
	for v in $VARIANTS; do
		hotline_variant "$v"
	done
	if [ "$MQTT_OK" = 1 ]; then
		say "run $RUN: mosquitto"
		peer_run mqtt "$BUILD/bench/peers/bench_mqtt" "$MQTT_PORT"
	fi
	if [ "$NATS_OK" = 1 ]; then
		say "run $RUN: nats"
		peer_run nats "$BUILD/bench/peers/bench_nats" "tls://127.0.0.1:$NATS_PORT"
	fi
done
put cmd.sys "bench_sys rtt 20000; bench_sys fsync DATA_DIR $NFSYNC"
for p in $PARTNERS; do
	put "hl.db_bytes.$p" "$(du -sb "$FED/$p/data" | cut -f1)"
done

# ---- the STIX rows: run when the pieces exist (the TAXII/STIX issue)
if [ -x "$BUILD/bench/bench_search" ]; then
	say "bench_search"
	"$BUILD/bench/bench_search" >"$T/search.txt" 2>&1 || say "bench_search failed"
	# its two summary lines as key=value
	sed -n -e 's/^fill: \([0-9]*\) indicators in \([0-9.]*\) s (\([0-9]*\) per second).*/n=\1\nfill_s=\2\nfill_per_s=\3/p' \
		-e 's/^search: \([0-9]*\) lookups.* p50 \([0-9]*\) us, p99 \([0-9]*\) us, max \([0-9]*\) us.*/lookups=\1\np50_us=\2\np99_us=\3\nmax_us=\4/p' \
		"$T/search.txt" >"$T/search.kv"
	rec stix.search "$T/search.kv"
	# and the name / technique id lookups
	sed -n 's/^search names: \([0-9]*\) lookups over \([0-9]*\) named.* p50 \([0-9]*\) us, p99 \([0-9]*\) us, max \([0-9]*\) us.*/lookups=\1\nn=\2\np50_us=\3\np99_us=\4\nmax_us=\5/p' \
		"$T/search.txt" >"$T/search-names.kv"
	rec stix.search_names "$T/search-names.kv"
	put cmd.search "build/bench/bench_search (1,000,000 indicators and 20,000 named objects, 20,000 lookups of each kind, in process)"
	cp "$T/search.txt" "$RAW/search.txt"
else
	put stix.search.not_measured "bench/bench_search is not in this tree yet"
fi
if [ -x "$BUILD/bench/bench_stixput" ]; then
	say "bench_stixput"
	"$BUILD/bench/bench_stixput" 100000 >"$T/stixput.txt" 2>"$T/stixput.err" ||
		say "bench_stixput failed: $(tail -n 2 "$T/stixput.err")"
	rec stix.put "$T/stixput.txt"
	put cmd.stixput "build/bench/bench_stixput 100000"
fi
# the detection core (sensor.c, ioc.c), in process, one thread
if [ -x "$BUILD/bench/bench_match" ]; then
	say "bench_match"
	if [ "$QUICK" = 1 ]; then margs="200000 400000 1"; else margs=""; fi
	# shellcheck disable=SC2086
	"$BUILD/bench/bench_match" $margs >"$T/match.txt" 2>"$T/match.err" ||
		say "bench_match failed or found other hits than planted: $(tail -n 2 "$T/match.err")"
	rec detect.match "$T/match.txt"
	put cmd.match "build/bench/bench_match${margs:+ $margs} (indicators, EVE lines, runs: 1,000,000 2,000,000 3 by default; one thread)"
	cp "$T/match.err" "$RAW/match.txt"
else
	put detect.match.not_measured "bench/bench_match is not in this tree"
fi
variant_start durable
code=$(curl -sk -o /dev/null -w '%{http_code}' -u "admin:$(cat "$FED/JPN/admin.password")" \
	-H 'Accept: application/taxii+json;version=2.1' "https://$API/taxii2/" 2>/dev/null)
if [ "$code" = 200 ] && [ -x "$ROOT/bench/bench_taxii.sh" ]; then
	say "TAXII"
	API=$API FED=$FED BUILD=$BUILD QUICK=$QUICK JPN_PID=${NODE_PID[JPN]} RAW=$RAW PERF=1 \
		"$ROOT/bench/bench_taxii.sh" >"$T/taxii.txt" 2>"$T/taxii.err" ||
		say "bench_taxii.sh failed: $(tail -n 3 "$T/taxii.err")"
	rec stix.taxii "$T/taxii.txt"
	cp "$T/taxii.err" "$RAW/taxii.log" 2>/dev/null
	put cmd.taxii "bench/bench_taxii.sh (API=JPN_API FED=... BUILD=build JPN_PID=PID; bench.sh runs it with the four nodes up)"
else
	put stix.taxii.not_measured "GET /taxii2/ answered HTTP $code (no TAXII server in this build)"
fi
variant_stop

# the alliance's scale (issue 16): 36 nodes, once, after the four are down
say "36-node mesh"
if [ "$QUICK" = 1 ]; then mesh_env="MESH_IDLE_S=5 MESH_NLAT=30"; else mesh_env=""; fi
# shellcheck disable=SC2086
env $mesh_env "$ROOT/bench/bench_mesh.sh" "$BUILD" >"$T/mesh.txt" 2>"$T/mesh.err" ||
	say "bench_mesh.sh failed: $(tail -n 2 "$T/mesh.err")"
rec mesh "$T/mesh.txt"

put machine.load_end "$(cut -d' ' -f1-3 /proc/loadavg)"
put wall_s "$(( $(date +%s) - STARTED ))"
cp "$R" "$RAW/results.txt"
say "report"
python3 "$ROOT/bench/report.py" "$R" "$RAW" "$ROOT/docs" || fail "report.py failed"
say "done in $(( $(date +%s) - STARTED )) s: docs/BENCHMARKS.md, docs/bench/"
