#!/usr/bin/env bash
# 66-misp-schema: every STIX object the MISP converter makes is valid under
# the OASIS STIX 2.1 JSON schemas (tests/tools/stix_schema_check.py, every
# $ref resolved from the schema files, no network):
#  - the committed bundles of the fixtures (tests/fixtures/misp/*.stix.json,
#    which test_misp compares with a fresh conversion) and a fresh
#    conversion of the fixtures;
#  - the seven real MISP events of HOTLINE_SHARED_DATA/misp-events, with
#    zero failures.
# The checker is proven to catch a bad object first. Without the schemas
# (HOTLINE_SHARED_DATA) or python3-jsonschema the checks say SKIPPED; the
# fixtures are then still guarded by test_misp's comparison with their
# committed bundles.
. "$(dirname "$0")/lib.sh"
ROOT=${HOTLINE_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
CONV="$HOTLINE_BUILD/tests/misp_convert"
CHECK="$ROOT/tests/tools/stix_schema_check.py"
SD=${HOTLINE_SHARED_DATA:-}
SCHEMAS="$SD/oasis-stix21-json-schemas"
[ -x "$CONV" ] || fail "$CONV not built (make all)"

PY=$(python_jsonschema)

# the fixtures convert, and their committed bundles are what they convert to
mkdir -p "$T/fix"
"$CONV" -o "$T/fix" "$ROOT"/tests/fixtures/misp/small-event.json \
	"$ROOT"/tests/fixtures/misp/composite-event.json || fail "a fixture does not convert"
for f in small-event composite-event; do
	cmp -s <(jq -S . "$T/fix/$f.json") <(jq -S . "$ROOT/tests/fixtures/misp/$f.stix.json") ||
		fail "$f.json no longer converts to $f.stix.json"
done
ok "the fixtures convert to their committed bundles"

if [ -z "$SD" ] || [ ! -d "$SCHEMAS/schemas" ]; then
	skip "OASIS schema checks (HOTLINE_SHARED_DATA/oasis-stix21-json-schemas not present)"
	exit 0
fi
if [ -z "$PY" ]; then
	skip "OASIS schema checks (no python3 with jsonschema: apt-get install python3-jsonschema)"
	exit 0
fi

# the checker catches what it should: an abbreviated hive, a missing
# pattern, a bad relationship type
cat >"$T/bad.json" <<'EOF'
{"type": "bundle", "id": "bundle--6ba7b810-9dad-41d1-80b4-00c04fd430c8", "objects": [
 {"type": "windows-registry-key", "spec_version": "2.1",
  "id": "windows-registry-key--6ba7b810-9dad-51d1-80b4-00c04fd430c8", "key": "HKCU\\Software"},
 {"type": "indicator", "spec_version": "2.1", "id": "indicator--6ba7b810-9dad-51d1-80b4-00c04fd430c8",
  "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
  "pattern_type": "stix", "valid_from": "2026-01-01T00:00:00Z"},
 {"type": "relationship", "spec_version": "2.1", "id": "relationship--6ba7b810-9dad-51d1-80b4-00c04fd430c8",
  "created": "2026-01-01T00:00:00.000Z", "modified": "2026-01-01T00:00:00.000Z",
  "relationship_type": "Included_In", "source_ref": "indicator--6ba7b810-9dad-51d1-80b4-00c04fd430c8",
  "target_ref": "indicator--6ba7b810-9dad-51d1-80b4-00c04fd430c8"}]}
EOF
out=$("$PY" "$CHECK" "$SCHEMAS" "$T/bad.json") && rc=0 || rc=$?
expect_eq "$rc" 1 "the schema check fails a bad bundle"
expect_eq "$(echo "$out" | grep -c '^FAIL ')" 3 "it names each of the three bad objects"

schema_check "fixture bundles" "$ROOT"/tests/fixtures/misp/*.stix.json "$T"/fix/*.json

if [ ! -d "$SD/misp-events" ]; then
	skip "real MISP events (HOTLINE_SHARED_DATA/misp-events not present)"
	exit 0
fi
mkdir -p "$T/real"
n=0
for f in "$SD"/misp-events/*.json; do
	"$CONV" -o "$T/real" "$f" || fail "$(basename "$f") does not convert"
	n=$((n + 1))
done
expect_eq "$n" 7 "the seven shared MISP events convert"
schema_check "real MISP events" "$T"/real/*.json
