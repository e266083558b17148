#!/usr/bin/env bash
# 68-stix-disarm: `hotline stix disarm` turns DISARM incident pages into STIX
# 2.1 bundles on stdout, offline (no configuration, no node):
#  - the committed pages (tests/fixtures/disarm/incidents) convert; the
#    output is JSON, the same for the same page, identity and time, and its
#    technique objects are the same whatever the time;
#  - stdin works; a page that is not one, a missing file and bad options fail
#    with one line and exit 1 or 2;
#  - with HOTLINE_SHARED_DATA: every object of the committed pages and of all
#    129 shared pages is valid under the OASIS STIX 2.1 JSON schemas
#    (tests/tools/stix_schema_check.py); SKIPPED without them.
. "$(dirname "$0")/lib.sh"
ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
FIX="$ROOT/tests/fixtures/disarm/incidents"
SD=${HOTLINE_SHARED_DATA:-}
SCHEMAS="$SD/oasis-stix21-json-schemas"
ID=identity--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1a01
export HOTLINE_CONF=/nonexistent HOTLINE_PROFILE=/nonexistent

mkdir -p "$T/fix"
for f in "$FIX"/*.md; do
	"$HL" stix disarm "$f" --identity "$ID" --created 2026-01-02T03:04:05Z >"$T/fix/$(basename "$f" .md).json" ||
		fail "$(basename "$f") does not convert"
	jq -e '.type == "bundle" and (.objects | length) >= 2' "$T/fix/$(basename "$f" .md).json" >/dev/null ||
		fail "$(basename "$f"): not a bundle"
done
ok "the committed pages convert to bundles"

expect_eq "$(jq -r '[.objects[].type] | join(",")' "$T/fix/I00084.json")" \
	"incident,attack-pattern,attack-pattern,attack-pattern,attack-pattern,attack-pattern,relationship,relationship,relationship,relationship,relationship,relationship,report" \
	"I00084: incident, 5 techniques, 6 rows, report"
expect_eq "$(jq -r '.objects[0].external_references[0].external_id' "$T/fix/I00005.json")" I00005 \
	"the incident names its DISARM id"
expect_eq "$(jq -r '[.objects[] | select(.type != "attack-pattern") | .created_by_ref] | unique | join(",")' "$T/fix/I00084.json")" \
	"$ID" "--identity is the creator of the incident, relationships and report"

"$HL" stix disarm "$FIX/I00084.md" --identity "$ID" --created 2026-01-02T03:04:05Z | cmp -s - "$T/fix/I00084.json" ||
	fail "the same page, identity and time give another bundle"
ok "the same page, identity and time give the same bundle"
"$HL" stix disarm - --created 2027-05-06T07:08:09.123Z <"$FIX/I00084.md" >"$T/later.json" || fail "stdin"
expect_eq "$(jq -c '[.objects[] | select(.type == "attack-pattern")]' "$T/later.json")" \
	"$(jq -c '[.objects[] | select(.type == "attack-pattern")]' "$T/fix/I00084.json")" \
	"another time, no identity: the same attack-pattern objects"
expect_eq "$(jq -r '.objects[0].created' "$T/later.json")" 2027-05-06T07:08:09.123Z "--created is kept as given"
now=$("$HL" stix disarm "$FIX/I00001.md" | jq -r '.objects[0].created')
case "$now" in 20[0-9][0-9]-[01][0-9]-[0-3][0-9]T*Z) ok "without --created: now ($now)" ;;
*) fail "without --created: '$now'" ;; esac

printf 'not a page\n' >"$T/bad.md"
out=$("$HL" stix disarm "$T/bad.md" 2>&1) && rc=0 || rc=$?
expect_eq "$rc" 1 "a page that is not one: exit 1"
expect_eq "$(echo "$out" | wc -l)" 1 "... with one line"
case "$out" in *"line 1: expected the title"*) ok "... naming the line" ;; *) fail "message: $out" ;; esac
"$HL" stix disarm "$T/none.md" >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "$rc" 1 "a missing file: exit 1"
"$HL" stix disarm "$FIX/I00001.md" --created yesterday >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "$rc" 2 "a bad --created: exit 2"
"$HL" stix disarm "$FIX/I00001.md" --identity indicator--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1a01 >/dev/null 2>&1 && rc=0 || rc=$?
expect_eq "$rc" 2 "a bad --identity: exit 2"

PY=$(python_jsonschema)
if [ -z "$SD" ] || [ ! -d "$SCHEMAS/schemas" ] || [ -z "$PY" ]; then
	skip "OASIS schema checks (HOTLINE_SHARED_DATA/oasis-stix21-json-schemas or python3-jsonschema absent)"
	exit 0
fi
schema_check "committed pages" "$T"/fix/*.json
if [ ! -d "$SD/disarm-incidents/incidents" ]; then
	skip "all DISARM pages (HOTLINE_SHARED_DATA/disarm-incidents not present)"
	exit 0
fi
mkdir -p "$T/real"
n=0
for f in "$SD"/disarm-incidents/incidents/I*.md; do
	"$HL" stix disarm "$f" --created 2026-01-02T03:04:05Z >"$T/real/$(basename "$f" .md).json" ||
		fail "$(basename "$f") does not convert"
	n=$((n + 1))
done
expect_eq "$n" 129 "the 129 shared DISARM pages convert"
schema_check "all DISARM pages" "$T"/real/*.json
