#!/usr/bin/env bash
# Precedence under load: FLASH alerts sent while a 50 MB ROUTINE envelope is
# crossing the same link arrive within a bound of their idle latency, and
# before the bulk transfer completes. Latency = the receiver's stored time
# minus the envelope's created time (both on this machine's clock).
. "$(dirname "$0")/lib.sh"
BULK_MB=${BULK_MB:-50}
N_FLASH=${N_FLASH:-10}

fed_init JPN,KOR
node_start JPN
node_start KOR
wait_link JPN KOR
db="$FED/KOR/data/hotline.db"
lat() { sqlite3 "$db" "select stored_ms - created_ms from envelopes where id = x'$1'"; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
maxv() { sort -n | tail -1; }

: >"$T/idle"
for i in $(seq 1 "$N_FLASH"); do
	id=$(hl JPN send --to KOR --precedence flash --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp amber "idle flash $i") || fail "send"
	wait_state JPN "$id" KOR delivered
	lat "$id" >>"$T/idle"
done
idle_med=$(median <"$T/idle")
idle_max=$(maxv <"$T/idle")
ok "idle FLASH latency: median ${idle_med} ms, max ${idle_max} ms over $N_FLASH"

head -c $((BULK_MB * 1024 * 1024)) /dev/urandom >"$T/bulk.bin"
t0=$(date +%s%3N)
bulk=$(hl JPN send --to KOR --precedence routine --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green --file "$T/bulk.bin") || fail "bulk send"
t1=$(date +%s%3N)
ok "${BULK_MB} MB envelope accepted by JPN in $((t1 - t0)) ms"
: >"$T/load" ; : >"$T/ids"
for i in $(seq 1 "$N_FLASH"); do
	hl JPN send --to KOR --precedence flash --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp amber "flash under load $i" >>"$T/ids" || fail "send"
	sleep 0.05
done
wait_state JPN "$bulk" KOR delivered
while read -r id; do
	wait_state JPN "$id" KOR delivered
	lat "$id" >>"$T/load"
done <"$T/ids"
load_med=$(median <"$T/load")
load_max=$(maxv <"$T/load")
bulk_lat=$(lat "$bulk")
before=$(sqlite3 "$db" "select count(*) from envelopes where id in ($(sed "s/.*/x'&'/" "$T/ids" | paste -sd,)) and stored_ms < (select stored_ms from envelopes where id = x'$bulk')")
ok "FLASH latency during the ${BULK_MB} MB transfer: median ${load_med} ms, max ${load_max} ms; bulk took ${bulk_lat} ms; ${before}/${N_FLASH} FLASH stored before the bulk envelope"
echo "# idle: $(paste -sd' ' "$T/idle")"
echo "# load: $(paste -sd' ' "$T/load")"
# The bound. On the link a FLASH waits for at most one 64 KiB chunk of the
# bulk transfer (well under 1 ms on loopback): the sender keeps at most two
# chunks queued and always writes the highest precedence next. The receiver
# handles one envelope at a time, so a FLASH that arrives while KOR verifies,
# decrypts and commits the completed 50 MB envelope waits for that commit.
# Bound = idle worst case + KOR's own measured time for that one envelope
# (from its log) + 150 ms of scheduling slack on this shared 2-core machine.
commit_us=$(grep -h "$bulk: .* bytes: verify" "$T/KOR.log" | sed -E 's/.*verify ([0-9]+) us, open ([0-9]+) us, store ([0-9]+) us.*/\1 \2 \3/' | awk '{print $1 + $2 + $3}')
[ -n "$commit_us" ] || fail "KOR did not log the bulk envelope's processing time"
bound=$((idle_max + commit_us / 1000 + 150))
echo "# KOR processed the bulk envelope in $((commit_us / 1000)) ms; bound $bound ms"
[ "$load_max" -le "$bound" ] || fail "worst FLASH delay under load ${load_max} ms > bound ${bound} ms"
ok "worst FLASH delay under load ${load_max} ms within the bound ${bound} ms (idle max ${idle_max} + one bulk commit $((commit_us / 1000)) + 150)"
first=$(head -1 "$T/load")
[ "$first" -le $((idle_max + 150)) ] || fail "the first FLASH, sent while the bulk was on the link, took ${first} ms"
ok "a FLASH sent while the bulk is on the link arrives in ${first} ms"
[ "$before" -ge 1 ] || fail "no FLASH overtook the bulk transfer"
ok "$before FLASH overtook the bulk envelope on the link"
cmp <(hl KOR show "$bulk" --json | jq -r .content_b64 | base64 -d) "$T/bulk.bin" || fail "bulk content differs"
ok "bulk content intact"
echo "# $SCENARIO: $CHECKS checks passed"
