#!/usr/bin/env bash
# Issue 17, "a request body limit before authentication and a cap on
# concurrent uploads", on a real node with curl as the client:
# - six unauthenticated 40 MB POSTs at once are answered 413 (or the
#   connection is closed) without the node reading them: the network
#   process's peak RSS grows by less than 16 MB (it was 13 -> 256 MB);
# - a wrong password on a 40 MB POST is refused the same way, and audited;
# - the same 40 MB with the right password reaches the handler (400: it is
#   not JSON), and so does a small unauthenticated body (401, not 413);
# - with nine slow authenticated uploads at once, one is refused: at most
#   eight are received at a time; after they finish, an upload passes again.
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
node_start JPN
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
U="https://$api/api/v1"
pw=$(head -n1 "$FED/JPN/admin.password")
pid=${NODE_PID[JPN]}
hwm() { sed -n 's/^VmHWM:[[:space:]]*\([0-9]*\) kB/\1/p' "/proc/$pid/status"; }
head -c 40000000 /dev/zero | tr '\0' 'a' >"$T/big"
head -c 3000000 /dev/zero | tr '\0' 'a' >"$T/mid"

# ---- unauthenticated bodies are not read ----
pids=()
ups=()
before=$(hwm)
for i in 1 2 3 4 5 6; do
	curl -sk --max-time 60 -H 'Expect:' -H 'Content-Type: application/json' \
		--data-binary @"$T/big" -o /dev/null -w '%{http_code}\n' "$U/envelopes" >"$T/anon.$i" &
	pids+=($!)
done
wait "${pids[@]}"
after=$(hwm)
codes=$(cat "$T"/anon.* | sort | uniq -c | tr -s ' \n' ' ')
for i in 1 2 3 4 5 6; do
	case "$(cat "$T/anon.$i")" in 413|000) ;; *) fail "unauthenticated 40 MB POST got $(cat "$T/anon.$i")" ;; esac
done
ok "six unauthenticated 40 MB POSTs: 413 or closed ($codes)"
[ $((after - before)) -lt 16384 ] ||
	fail "peak RSS grew from $before kB to $after kB on unauthenticated bodies"
ok "the node's peak RSS went from $before kB to $after kB (limit: +16 MB)"
grep -q "refused (413) before it was read: no valid credentials" "$T/JPN.log" ||
	fail "no log line for the refused bodies"
ok "the log says so (one line per 10 s at most)"

# ---- a wrong password: refused before the body, audited ----
code=$(curl -sk --max-time 60 -H 'Expect:' -u "admin:wrong-password" \
	-H 'Content-Type: application/json' --data-binary @"$T/big" -o /dev/null -w '%{http_code}' \
	"$U/envelopes")
case "$code" in 413|000) ;; *) fail "wrong password on a 40 MB POST: $code" ;; esac
n=$(sqlite3 "$FED/JPN/data/hotline.db" \
	"select count(*) from audit where event = 'login-failed' and actor = 'admin'")
expect_eq "$n" 1 "the wrong password is audited once (by the check before the body, not again)"
ok "a wrong password on a 40 MB POST: $code, and audited as login-failed"

# ---- the right password: the body reaches the handler ----
out=$(curl -sk --max-time 120 -H 'Expect:' -u "admin:$pw" -H 'Content-Type: application/json' \
	--data-binary @"$T/big" -o "$T/r" -w '%{http_code} %{size_upload}' "$U/envelopes")
expect_eq "$out" "400 40000000" "an authenticated 40 MB POST is read whole and answered by the API"
out=$(curl -sk --max-time 20 -H 'Content-Type: application/json' --data-binary '{"a":1}' \
	-o /dev/null -w '%{http_code}' "$U/envelopes")
expect_eq "$out" 401 "a small unauthenticated body still gets 401"

# ---- at most eight uploads at once ----
for i in 1 2 3 4 5 6 7 8 9; do
	curl -sk --max-time 120 --limit-rate 400k -H 'Expect:' -u "admin:$pw" \
		-H 'Content-Type: application/json' --data-binary @"$T/mid" -o /dev/null \
		-w '%{http_code}\n' "$U/envelopes" >"$T/up.$i" &
	ups+=($!)
	sleep 0.1
done
wait "${ups[@]}"
codes=$(cat "$T"/up.* | sort | uniq -c | tr -s ' \n' ' ')
n400=$(cat "$T"/up.* | grep -c '^400$')
nref=$(cat "$T"/up.* | grep -c -E '^(413|000)$')
expect_eq "$n400 $nref" "8 1" "nine slow 3 MB uploads at once: eight read, one refused ($codes)"
grep -q "too many uploads at once" "$T/JPN.log" || fail "no log line for the upload cap"
out=$(curl -sk --max-time 60 -H 'Expect:' -u "admin:$pw" -H 'Content-Type: application/json' \
	--data-binary @"$T/mid" -o /dev/null -w '%{http_code}' "$U/envelopes")
expect_eq "$out" 400 "once they are done, an upload is read again"
node_stop JPN
