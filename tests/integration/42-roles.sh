#!/usr/bin/env bash
# The role table of docs/API.md ("Roles: who may call what"), cell by cell
# on a running node: every row is called as an officer, an analyst and an
# admin. A "no" is 403 `denied` naming the role, before the handler runs,
# and audited as request-denied; a "yes" is never that refusal (it may be
# 400 or 404: the calls carry no valid body or id). Issue 17: an analyst
# sent a FLASH and acknowledged an envelope although analysts only work
# threat intelligence. (test_roles checks the table against the code.)
. "$(dirname "$0")/lib.sh"

fed_init JPN,KOR
node_start JPN
api=$(sed -n 's/^api *= *//p' "$(conf JPN)")
pw=$(head -n1 "$FED/JPN/admin.password")
printf 'officer-pass-1\n' >"$T/o.pw"
printf 'analyst-pass-1\n' >"$T/a.pw"
hl JPN operator add olga --role officer --clearance SECRET --nationality JPN \
	--password-file "$T/o.pw" >/dev/null || fail "operator add olga"
hl JPN operator add anna --role analyst --clearance SECRET --nationality JPN \
	--password-file "$T/a.pw" >/dev/null || fail "operator add anna"
declare -A cred=([officer]="olga:officer-pass-1" [analyst]="anna:analyst-pass-1" [admin]="admin:$pw")
TX='application/taxii+json;version=2.1'

# the rows of the table: method, path, officer, analyst, admin
awk '/^## Roles/ {on = 1; next} /^## / {on = 0} on && /^\| (GET|POST) \|/' \
	"$HOTLINE_ROOT/docs/API.md" | tr -d '`' |
	awk -F'|' '{gsub(/ /, ""); print $2, $3, $4, $5, $6}' >"$T/rows"
n=$(wc -l <"$T/rows")
[ "$n" -ge 30 ] || fail "docs/API.md \"Roles\" has $n rows"
ok "docs/API.md \"Roles\": $n rows"

d0=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event = 'request-denied'")
denied=0 cells=0
while read -r method path o a d; do
	url="https://$api$(echo "$path" | sed -e 's/{id}/00000000000000000000000000000000/' \
		-e 's/{cid}/nothing/' -e 's/{oid}/indicator--00000000-0000-4000-8000-000000000000/' \
		-e 's/{name}/nobody/' -e 's/{action}/disable/' -e 's/\*$/nothing/')"
	for role in officer analyst admin; do
		case $role in officer) want=$o ;; analyst) want=$a ;; admin) want=$d ;; esac
		args=(-sk --max-time 3 -u "${cred[$role]}" -o "$T/body" -w '%{http_code}')
		case $path in /taxii2/*) args+=(-H "Accept: $TX") ;; esac
		if [ "$method" = POST ]; then
			case $path in
			/taxii2/*) args+=(-X POST -H "Content-Type: $TX" --data-binary '{}') ;;
			*/upload) args+=(-X POST -H 'Content-Type: application/octet-stream' --data-binary 'x') ;;
			*) args+=(-X POST -H 'Content-Type: application/json' --data-binary '{}') ;;
			esac
		fi
		code=$(curl "${args[@]}" "$url" 2>/dev/null)
		refused=0
		if [ "$code" = 403 ] && grep -q "the $role role may not call" "$T/body"; then refused=1; fi
		cells=$((cells + 1))
		if [ "$want" = no ]; then
			[ "$refused" = 1 ] || fail "$method $path as $role: $code, not the role's 403: $(head -c 200 "$T/body")"
			denied=$((denied + 1))
		else
			[ "$refused" = 0 ] || fail "$method $path as $role: refused by role, but the table says yes"
		fi
	done
done <"$T/rows"
ok "all $cells cells as the table says ($denied refused by role)"
d1=$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from audit where event = 'request-denied'")
expect_eq "$((d1 - d0))" "$denied" "each refusal audited as request-denied"
expect_match "$(sqlite3 "$FED/JPN/data/hotline.db" "select actor || ': ' || detail from audit where event = 'request-denied' and detail like 'POST /api/v1/envelopes:%'")" \
	"anna: POST /api/v1/envelopes: the analyst role may not" "the entry names the operator, the call and the role"

# the two calls of the issue, with real bodies: an analyst's FLASH and acknowledgement
code=$(curl -sk --max-time 10 -u "anna:analyst-pass-1" -o "$T/body" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data-binary \
	'{"to":["KOR"],"precedence":"flash","classification":"SECRET","releasable_to":["JPN","KOR"],"tlp":"amber","text":"x"}' \
	"https://$api/api/v1/envelopes")
expect_eq "$code" 403 "an analyst's FLASH is refused"
expect_eq "$(sqlite3 "$FED/JPN/data/hotline.db" "select count(*) from envelopes where originator = 'anna'")" 0 \
	"and nothing was stored"
code=$(curl -sk --max-time 10 -u "olga:officer-pass-1" -o "$T/body" -w '%{http_code}' -X POST \
	-H 'Content-Type: application/json' --data-binary \
	'{"to":["KOR"],"precedence":"flash","classification":"SECRET","releasable_to":["JPN","KOR"],"tlp":"amber","text":"x"}' \
	"https://$api/api/v1/envelopes")
expect_eq "$code" 201 "an officer's FLASH goes"
echo "# $CHECKS checks"
