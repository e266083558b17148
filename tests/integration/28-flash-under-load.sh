#!/usr/bin/env bash
# Precedence under load: FLASH alerts sent while a 50 MB ROUTINE envelope is
# crossing the same link arrive within a bound of their idle latency, and
# before the bulk transfer completes. Latency = the receiver's stored time
# minus the envelope's created time (both on this machine's clock). A FLASH
# created after the bulk's commit but before its fdatasync ended (the
# syncer makes both durable with one fsync of the WAL) may wait for that
# fsync: its bound allows for the time it had to wait.
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
jdb="$FED/JPN/data/hotline.db"
t0=$(date +%s%3N)
hl JPN send --to KOR --precedence routine --classification RESTRICTED \
	--releasable-to JPN,KOR --tlp green --file "$T/bulk.bin" >"$T/bulk.id" &
bulkpid=$!
# FLASH alerts from the moment JPN has stored the bulk envelope until KOR
# has it: some cross the link while the bulk does, some arrive while KOR
# commits it.
bulk_stored() { [ "$(sqlite3 "$jdb" "select count(*) from envelopes where inbound=0 and content_type=4")" = 1 ]; }
wait_until 120 bulk_stored || fail "JPN did not store the bulk envelope"
t1=$(date +%s%3N)
ok "${BULK_MB} MB envelope stored by JPN $((t1 - t0)) ms after the API call"
: >"$T/ids"
bulk_done() { [ "$(sqlite3 "$jdb" "select count(*) from deliveries d join envelopes e on e.id = d.id where e.content_type=4 and d.state=1")" = 1 ]; }
i=0
t_durable=0
while ! bulk_done && [ "$i" -lt 60 ]; do
	i=$((i + 1))
	# when the bulk's API call is answered: on disk at JPN (the syncer's
	# fdatasync of the ~100 MB of WAL it wrote is over)
	[ "$t_durable" != 0 ] || [ ! -s "$T/bulk.id" ] || t_durable=$(date +%s%3N)
	hl JPN send --to KOR --precedence flash --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp amber "flash under load $i" >>"$T/ids" || fail "send"
	sleep 0.02
done
wait "$bulkpid" || fail "bulk send"
bulk=$(cat "$T/bulk.id")
wait_state JPN "$bulk" KOR delivered
: >"$T/over"; : >"$T/after"
bulk_at=$(sqlite3 "$db" "select stored_ms from envelopes where id = x'$bulk'")
[ "$t_durable" != 0 ] || t_durable=$(date +%s%3N)
: >"$T/fsyncwait"
while read -r id; do
	wait_state JPN "$id" KOR delivered
	l=$(lat "$id")
	created=$(sqlite3 "$db" "select created_ms from envelopes where id = x'$id'")
	if [ "$(sqlite3 "$db" "select stored_ms from envelopes where id = x'$id'")" -lt "$bulk_at" ]; then
		# created before the bulk was on disk at JPN: its own commit's
		# fsync also covered the bulk's pages (one WAL): that wait is
		# allowed for in its bound
		if [ "$created" -lt "$t_durable" ]; then
			echo "$l $((t_durable - created))" >>"$T/fsyncwait"
		else
			echo "$l" >>"$T/over"
		fi
	else
		echo "$l" >>"$T/after"
	fi
done <"$T/ids"
cat "$T/over" "$T/after" >"$T/load"
n_over=$(wc -l <"$T/over")
n_after=$(wc -l <"$T/after")
load_med=$(median <"$T/load")
load_max=$(maxv <"$T/load")
ok "$(wc -l <"$T/load") FLASH sent during the ${BULK_MB} MB transfer: median ${load_med} ms, max ${load_max} ms"
echo "# overtook the bulk on the link ($n_over): $(paste -sd' ' "$T/over")"
echo "# created before the bulk was on disk at JPN (latency, then ms until it was): $(paste -sd';' "$T/fsyncwait")"
echo "# arrived while KOR committed the bulk ($n_after): $(paste -sd' ' "$T/after")"
cat "$T/fsyncwait" | cut -d' ' -f1 >>"$T/load"
[ $((n_over + $(wc -l <"$T/fsyncwait"))) -ge 1 ] || fail "no FLASH overtook the bulk transfer"
over_max=$( (cat "$T/over"; echo 0) | maxv)
# The bound. On the link a FLASH waits for at most one 64 KiB chunk of the
# bulk transfer (well under 1 ms on loopback): the sender keeps at most two
# chunks queued and always writes the highest precedence next. So a FLASH
# that crosses the link while the bulk does arrives within its idle latency
# plus scheduling slack (150 ms on this shared 2-core machine). The receiver
# verifies and decrypts on crypto workers, FLASH lane first, but stores and
# commits on its loop, so a FLASH arriving while KOR stores the completed
# 50 MB envelope waits for that: bound = idle worst case + KOR's own
# measured time on the loop for that one envelope (from its log) + 150 ms.
# Under AddressSanitizer or ThreadSanitizer every allocation, copy and
# memory access of the 50 MB buffers costs several times more and the
# timings say nothing about the product: there the scenario checks
# behaviour (overtaking, integrity) but no time bound.
if nm "$HLD" 2>/dev/null | grep -q '__asan_init\|__tsan_init'; then
	echo "# timing bounds not asserted in a sanitizer build (overtook: $n_over, worst ${over_max} ms)"
	ok "$n_over FLASH overtook the bulk on the link (sanitizer build: timing not asserted)"
	cmp <(hl KOR show "$(cat "$T/bulk.id")" --json | jq -r .content_b64 | base64 -d) "$T/bulk.bin" ||
		fail "bulk content differs"
	ok "bulk content intact"
	echo "# $SCENARIO: $CHECKS checks passed"
	exit 0
fi
[ "$over_max" -le $((idle_max + 150)) ] || fail "FLASH crossing the link with the bulk took ${over_max} ms > idle max ${idle_max} + 150 ms"
while read -r l w; do
	[ "$l" -le $((idle_max + w + 150)) ] ||
		fail "a FLASH created ${w} ms before the bulk was on disk at JPN took ${l} ms > idle max ${idle_max} + ${w} + 150 ms"
done <"$T/fsyncwait"
ok "$n_over FLASH overtook the bulk on the link; worst ${over_max} ms (idle worst ${idle_max} ms); $(wc -l <"$T/fsyncwait") more within their bound"
# KOR verifies and opens on a crypto worker; what a FLASH arriving meanwhile
# waits for is the loop's part: store and commit (logged "on the loop")
commit_us=$(grep -h "$bulk: .* bytes: queued" "$T/KOR.log" | sed -nE 's/.*, on the loop ([0-9]+) us.*/\1/p')
[ -n "$commit_us" ] || fail "KOR did not log the bulk envelope's processing time"
bound=$((idle_max + commit_us / 1000 + 150))
echo "# KOR processed the bulk envelope in $((commit_us / 1000)) ms; bound $bound ms"
[ "$load_max" -le "$bound" ] || fail "worst FLASH delay under load ${load_max} ms > bound ${bound} ms"
ok "worst FLASH delay under load ${load_max} ms within the bound ${bound} ms (idle max ${idle_max} + one bulk commit $((commit_us / 1000)) + 150)"
cmp <(hl KOR show "$bulk" --json | jq -r .content_b64 | base64 -d) "$T/bulk.bin" || fail "bulk content differs"
ok "bulk content intact"
echo "# $SCENARIO: $CHECKS checks passed"
