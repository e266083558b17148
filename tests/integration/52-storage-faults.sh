#!/usr/bin/env bash
# Storage faults at one node (JPN; its peer is KOR).
# 1. Disk full: JPN's data directory is a small tmpfs, filled up with dd.
#    A send through JPN is refused with one clear line (storage / full) and
#    nothing is half-stored (a large file leaves no file of its own); JPN stays up and keeps serving reads (status,
#    inbox, show); an envelope KOR sends meanwhile is not rejected (no receipt
#    at all until JPN can store it) and arrives exactly once after space is
#    freed; sends through JPN work again.
# 2. A database file overwritten in its middle, and one truncated, are refused
#    at start: hotlined exits non-zero with a message naming the file, and
#    leaves the file as it was (never silently used or "repaired").
# Needs root (mount -t tmpfs); prints SKIPPED otherwise.
. "$(dirname "$0")/lib.sh"
MNT=""
# unmount before lib.sh's cleanup removes $T (it keeps the exit status)
trap 'rc=$?; for p in "${!NODE_PID[@]}"; do kill -TERM "${NODE_PID[$p]}" 2>/dev/null; done;
	wait 2>/dev/null; [ -n "$MNT" ] && umount -l "$MNT" 2>/dev/null; (exit $rc); cleanup' EXIT

fed_init JPN,KOR
MNT="$FED/JPN/data"
mkdir -p "$MNT"
if ! mount -t tmpfs -o size=6m,mode=0700 tmpfs "$MNT" 2>"$T/mount.err"; then
	MNT=""
	echo "# $SCENARIO: SKIPPED (exit 77): cannot mount a tmpfs: $(head -n 1 "$T/mount.err")"
	exit 77
fi
ok "JPN's data directory is a 6 MiB tmpfs"
node_start JPN
node_start KOR
wait_link JPN KOR

send_jpn() {
	hl JPN send --to KOR --precedence routine --classification RESTRICTED \
		--releasable-to JPN,KOR --tlp green "$@"
}
id_in=$(hl KOR send --to JPN --precedence priority --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "before the disk filled up") || fail "KOR send"
wait_state KOR "$id_in" JPN delivered
id_out=$(send_jpn "JPN to KOR before the disk filled up") || fail "JPN send"
wait_state JPN "$id_out" KOR delivered
ok "traffic both ways before the fault"

# ---- disk full ----
dd if=/dev/zero of="$MNT/fill" bs=64k >/dev/null 2>&1
expect_eq "$(df --output=avail -B1 "$MNT" | tail -n 1 | tr -d ' ')" "0" "tmpfs is full"
out_before=$(sqlite3 "$MNT/hotline.db" "select count(*) from envelopes where inbound = 0 and (flags & 2) = 0")
# SQLite may still fit a few transactions into WAL space it already owns;
# sends must start failing within a handful, and each must fail cleanly.
refused=0 accepted=0
for i in $(seq 1 40); do
	if id=$(send_jpn "while full $i $(head -c 3000 /dev/zero | tr '\0' x)" 2>"$T/err"); then
		accepted=$((accepted + 1))
		echo "$id" >>"$T/accepted-while-full"
	else
		rc=$?
		refused=$((refused + 1))
		break
	fi
done
[ "$refused" = 1 ] || fail "40 sends through a full node all accepted"
ok "a send is refused once the disk is full ($accepted accepted before, from space SQLite already had)"
expect_eq "$rc" "1" "refused send exits 1 (the node refused)"
expect_eq "$(wc -l <"$T/err")" "1" "refusal is one line on stderr"
expect_match "$(cat "$T/err")" "[Ss]torage|[Ff]ull|[Ss]pace" "refusal says storage is full: $(cat "$T/err")"
expect_match "$(cat "$T/err")" "[Ss]tor(e|age)|[Dd]isk|[Ss]pace" "refusal is about storage, not just 'full'"
kill -0 "${NODE_PID[JPN]}" 2>/dev/null || fail "JPN died when its disk filled up"
ok "JPN is still running"
expect_eq "$(sqlite3 "$MNT/hotline.db" "select count(*) from envelopes where inbound = 0 and (flags & 2) = 0")" \
	"$((out_before + accepted))" "the refused send left nothing behind"

# a large file (its content and envelope go to files of their own): refused
# the same way, and no file is left behind
head -c $((400 * 1024)) /dev/urandom >"$T/big.bin"
nblobs() { find "$MNT/hotline.db.blobs" -type f | wc -l; }
blobs_before=$(nblobs)
if hl JPN send --to KOR --precedence routine --classification RESTRICTED --releasable-to JPN,KOR \
	--tlp green --file "$T/big.bin" 2>"$T/err"; then
	fail "a 400 KiB file was accepted by a full node"
fi
expect_match "$(cat "$T/err")" "[Ss]torage|[Ff]ull|[Ss]pace" "a large file is refused as storage full: $(cat "$T/err")"
expect_eq "$(nblobs)" "$blobs_before" "the refused large file left no file behind"
hl JPN status >/dev/null || fail "status while full"
expect_eq "$(hl JPN inbox --json | jq '.items | length')" "1" "inbox served while full"
expect_eq "$(hl JPN show "$id_in" --json | jq -r .text)" "before the disk filled up" "show served while full"
hl JPN delivery "$id_out" >/dev/null || fail "delivery while full"
ok "status, inbox, show, delivery all served while full"

# KOR sends to JPN while JPN cannot store: no receipt, certainly not "rejected"
id_wait=$(hl KOR send --to JPN --precedence flash --classification SECRET \
	--releasable-to JPN,KOR --tlp amber "sent while JPN was full") || fail "KOR send while JPN full"
sleep 3
s=$(delivery_state KOR "$id_wait" JPN)
[ "$s" = queued ] || fail "KOR's envelope to a full JPN is '$s', must stay queued (JPN cannot have stored it)"
ok "an envelope to the full node stays queued at its origin (no receipt, not rejected)"
kill -0 "${NODE_PID[JPN]}" 2>/dev/null || fail "JPN died while full"
kill -0 "${NODE_PID[KOR]}" 2>/dev/null || fail "KOR died while JPN was full"

# ---- space freed ----
rm -f "$MNT/fill"
ok "space freed"
# The envelope KOR sent meanwhile must arrive without anybody touching the
# link. (A failure here is recorded and the scenario goes on, so that the
# damaged-file checks below still run; the scenario fails at the end.)
SOFT_FAILED=""
soft_fail() {
	echo "not ok - $*"
	SOFT_FAILED="${SOFT_FAILED:+$SOFT_FAILED; }$*"
}
delivered_at_kor() { [ "$(delivery_state KOR "$id_wait" JPN)" = delivered ]; }
if wait_until 20 delivered_at_kor; then
	ok "KOR's envelope sent during the fault is delivered once JPN has space again"
	expect_eq "$(sqlite3 "$MNT/hotline.db" "select count(*) from envelopes where inbound = 1 and lower(hex(id)) = '$id_wait'")" \
		"1" "stored exactly once at JPN"
else
	soft_fail "KOR's envelope sent while JPN was full is still '$(delivery_state KOR "$id_wait" JPN)' 20 s after space was freed (link up all along: the origin never resends it)"
fi
id_after=$(send_jpn "after space was freed" 2>"$T/err") || fail "send after freeing space: $(cat "$T/err")"
wait_state JPN "$id_after" KOR delivered
ok "sends through JPN work again and are delivered"
if [ -s "$T/accepted-while-full" ]; then
	while read -r id; do wait_state JPN "$id" KOR delivered; done <"$T/accepted-while-full"
	ok "the $accepted send(s) accepted while filling up are delivered too"
fi
hl JPN audit verify >/dev/null || fail "JPN audit after disk full"
ok "JPN's audit log verifies after the disk-full episode"

# ---- damaged database files ----
node_stop JPN TERM
DB="$MNT/hotline.db"
[ -f "$DB-wal" ] && [ -s "$DB-wal" ] && fail "hotline.db-wal left non-empty after a clean stop"
cp "$DB" "$T/good.db"
size=$(stat -c %s "$DB")
pages=$((size / 4096))
[ "$pages" -ge 8 ] || fail "database unexpectedly small ($size bytes)"
ok "JPN stopped; hotline.db is $size bytes"

# start_refused WHAT: hotlined must exit non-zero, naming the file, leaving it alone
start_refused() {
	local what=$1 rc sum
	sum=$(sha256sum <"$DB")
	timeout 20 "$HLD" -c "$(conf JPN)" >"$T/start.out" 2>&1
	rc=$?
	[ "$rc" = 124 ] && fail "hotlined started on a $what database (killed after 20 s)"
	[ "$rc" != 0 ] || fail "hotlined exited 0 on a $what database"
	ok "hotlined refuses a $what database (exit $rc)"
	if grep -q "hotline\\.db" "$T/start.out"; then
		ok "the message names the file: $(tail -n 1 "$T/start.out")"
	else
		soft_fail "$what database: the message does not name the file: $(tail -n 1 "$T/start.out")"
	fi
	if grep -Eq "corrupt|malformed|damaged|truncated|not a" "$T/start.out"; then
		ok "the message says what is wrong"
	else
		soft_fail "$what database: the message does not say what is wrong: $(tail -n 1 "$T/start.out")"
	fi
	kill -0 "${NODE_PID[KOR]}" 2>/dev/null || fail "KOR died while JPN could not start"
	expect_eq "$(sha256sum <"$DB")" "$sum" "the $what file is left untouched"
}

# overwrite 3 pages in the middle with random bytes (covers at least one whole page)
head -c 12288 /dev/urandom | dd of="$DB" bs=4096 seek=$((pages / 2)) conv=notrunc status=none
start_refused corrupted
cp "$T/good.db" "$DB"
truncate -s $(((pages / 2) * 4096 + 1000)) "$DB"
start_refused truncated
rm -f "$DB-wal" "$DB-shm"
cp "$T/good.db" "$DB"
node_start JPN
n=$(hl JPN inbox --json | jq '.items | length')
[ "$n" -ge 1 ] || fail "the intact file does not start again with its inbox"
ok "the intact file starts again ($n envelopes in the inbox)"
wait_state KOR "$id_wait" JPN delivered
expect_eq "$(sqlite3 "$MNT/hotline.db" "select count(*) from envelopes where inbound = 1 and lower(hex(id)) = '$id_wait'")" \
	"1" "after JPN's restart (a new link) the envelope sent while it was full is delivered, once"
[ -z "$SOFT_FAILED" ] || fail "$SOFT_FAILED"
echo "# $SCENARIO: $CHECKS checks passed"
