/* test_stix.c: STIX 2.1 validation (each required property missing, bad
 * ids, timestamps, refs, TLP marking ids, custom properties kept), TLP,
 * granular markings (each selector form, malformed selectors, TLP 1.0 and
 * 2.0 ids, statement markings), the sticky-release label rule against a
 * naive model, canonical JSON, the STIX 2.1 pattern grammar (every rule
 * accepted, one malformed pattern per rule refused with its offset),
 * observables from patterns (CIDR, hashes, OR/AND/FOLLOWEDBY, malformed
 * patterns) and SCOs, the committed fixtures in
 * tests/fixtures/stix/, and the real ATT&CK / DISARM / OASIS bundles in
 * HOTLINE_SHARED_DATA (SKIPPED when absent). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "errors.h"
#include "label.h"
#include "stix.h"

#define IND "{\"type\":\"indicator\",\"spec_version\":\"2.1\"," \
	"\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"," \
	"\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\"," \
	"\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\"," \
	"\"valid_from\":\"2016-01-01T00:00:00Z\"}"

static json_t *
load(const char *s)
{
	json_error_t e;
	json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &e);

	assert_non_null(j);
	return j;
}

/* Validate IND with key changed (value NULL: removed). */
static int
check_with(const char *key, json_t *value, char *err, size_t errlen)
{
	json_t *o = load(IND);
	int r;

	if (value == NULL)
		(void)json_object_del(o, key);
	else
		(void)json_object_set_new(o, key, value);
	r = hl_stix_validate(o, err, errlen);
	json_decref(o);
	return r;
}

static void
test_validate_indicator(void **state)
{
	static const char *const required[] = {
		"type", "spec_version", "id", "created", "modified", "pattern", "pattern_type",
		"valid_from",
	};
	char err[HL_STIX_ERR_MAX];
	json_t *o;
	size_t i;

	(void)state;
	o = load(IND);
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	json_decref(o);
	for (i = 0; i < sizeof(required) / sizeof(required[0]); i++) {
		assert_int_equal(check_with(required[i], NULL, err, sizeof(err)), HL_ERR_MALFORMED);
		assert_non_null(strstr(err, required[i]));
	}
	/* ids */
	assert_int_equal(check_with("id", json_string("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "indicator--<UUID>"));
	assert_int_equal(check_with("id", json_string("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3"),
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("id", json_string("indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3fx"),
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("id", json_string("indicator--8e2e2d2b-17d4-0cbf-938f-98ee46b3cd3f"),
	    err, sizeof(err)), HL_ERR_MALFORMED);   /* version 0 */
	assert_int_equal(check_with("id", json_string("indicator--8e2e2d2b-17d4-4cbf-c38f-98ee46b3cd3f"),
	    err, sizeof(err)), HL_ERR_MALFORMED);   /* variant */
	assert_int_equal(check_with("id", json_integer(5), err, sizeof(err)), HL_ERR_MALFORMED);
	/* type */
	assert_int_equal(check_with("type", json_string("Indicator"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(check_with("type", json_string("bundle"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	/* spec_version */
	assert_int_equal(check_with("spec_version", json_string("2.0"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "spec_version"));
	/* timestamps */
	assert_int_equal(check_with("created", json_string("2016-04-06 20:03:48Z"), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("created", json_string("2016-04-06T20:03:48+01:00"), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("created", json_string("2016-02-30T20:03:48Z"), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("modified", json_string("2016-04-06T20:03:48.1234567891Z"),
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("modified", json_string("2015-04-06T20:03:48Z"), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "earlier than"));
	assert_int_equal(check_with("valid_from", json_string("yesterday"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	/* refs */
	assert_int_equal(check_with("created_by_ref", json_string("malware--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"),
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("x_foo_ref", json_string("nope"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "x_foo_ref"));
	assert_int_equal(check_with("x_foo_refs", json_pack("[s]", "nope"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(check_with("x_foo_refs", json_array(), err, sizeof(err)), HL_OK);
	assert_int_equal(check_with("x_foo_ref", json_string(""), err, sizeof(err)), HL_OK);
	assert_int_equal(check_with("sample_refs", json_array(), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(check_with("object_marking_refs", json_pack("[s]",
	    "identity--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f"), err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(check_with("object_marking_refs", json_pack("[s]",
	    "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"), err, sizeof(err)), HL_OK);
	/* other typed properties */
	assert_int_equal(check_with("revoked", json_string("yes"), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(check_with("confidence", json_integer(101), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(check_with("labels", json_pack("[i]", 1), err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(check_with("external_references", json_pack("[{s:s}]", "url", "x"), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	/* custom properties are fine */
	assert_int_equal(check_with("x_acme_score", json_pack("{s:[i,i]}", "a", 1, 2), err,
	    sizeof(err)), HL_OK);
	/* not an object */
	o = json_array();
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	json_decref(o);
}

static void
test_validate_categories(void **state)
{
	char err[HL_STIX_ERR_MAX];
	json_t *o;

	(void)state;
	/* SCO: no created/modified, spec_version optional, value required */
	o = load("{\"type\":\"ipv4-addr\",\"id\":\"ipv4-addr--ff26c055-6336-5bc5-b98d-13d6226742dd\","
	    "\"value\":\"198.51.100.3\"}");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	(void)json_object_del(o, "value");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	json_decref(o);
	/* SRO */
	o = load("{\"type\":\"relationship\",\"spec_version\":\"2.1\","
	    "\"id\":\"relationship--44298a74-ba52-4f0c-87a3-1824e67d7fad\","
	    "\"created\":\"2016-04-06T20:06:37.000Z\",\"modified\":\"2016-04-06T20:06:37.000Z\","
	    "\"relationship_type\":\"indicates\","
	    "\"source_ref\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\","
	    "\"target_ref\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\"}");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	(void)json_object_set_new(o, "target_ref", json_string("malware-31b940d4"));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	(void)json_object_del(o, "target_ref");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "target_ref"));
	json_decref(o);
	/* marking-definition: TLP 2.0 id with a matching / wrong name */
	o = load("{\"type\":\"marking-definition\",\"spec_version\":\"2.1\","
	    "\"id\":\"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1\","
	    "\"created\":\"2022-10-01T00:00:00.000Z\",\"name\":\"TLP:RED\","
	    "\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d\":"
	    "{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"red\"}}}");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	(void)json_object_set_new(o, "name", json_string("TLP:GREEN"));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	(void)json_object_set_new(o, "name", json_string("TLP:RED"));
	(void)json_object_del(o, "extensions");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	json_decref(o);
	/* custom object type: common properties apply */
	o = load("{\"type\":\"x-acme-widget\",\"spec_version\":\"2.1\","
	    "\"id\":\"x-acme-widget--44298a74-ba52-4f0c-87a3-1824e67d7fad\","
	    "\"created\":\"2016-04-06T20:06:37Z\",\"modified\":\"2016-04-06T20:06:37Z\","
	    "\"x_acme\":{\"deep\":[1,2,{\"x\":null}]}}");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	(void)json_object_del(o, "created");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	json_decref(o);
	/* malware needs a boolean is_family */
	o = load("{\"type\":\"malware\",\"spec_version\":\"2.1\","
	    "\"id\":\"malware--31b940d4-6f7f-459a-80ea-9c1f17b5891b\","
	    "\"created\":\"2016-04-06T20:06:37Z\",\"modified\":\"2016-04-06T20:06:37Z\","
	    "\"name\":\"x\",\"is_family\":\"true\"}");
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	json_decref(o);
	assert_int_equal(hl_stix_category("sighting"), HL_STIX_SRO);
	assert_int_equal(hl_stix_category("file"), HL_STIX_SCO);
	assert_int_equal(hl_stix_category("x-mitre-tactic"), HL_STIX_UNKNOWN);
}

static void
test_limits(void **state)
{
	char err[HL_STIX_ERR_MAX];
	json_t *o = load(IND), *deep, *cur;
	char *big;
	int i;

	(void)state;
	/* nesting */
	deep = json_array();
	cur = deep;
	for (i = 0; i < HL_STIX_DEPTH_MAX + 2; i++) {
		json_t *n = json_array();

		(void)json_array_append_new(cur, n);
		cur = n;
	}
	(void)json_object_set_new(o, "x_deep", deep);
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_TOO_BIG);
	(void)json_object_del(o, "x_deep");
	/* object size */
	big = malloc(HL_STIX_OBJECT_MAX_BYTES + 10);
	assert_non_null(big);
	memset(big, 'a', HL_STIX_OBJECT_MAX_BYTES + 9);
	big[HL_STIX_OBJECT_MAX_BYTES + 9] = '\0';
	(void)json_object_set_new(o, "x_big", json_string(big));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_TOO_BIG);
	(void)json_object_del(o, "x_big");
	/* pattern length */
	big[HL_STIX_PATTERN_MAX + 1] = '\0';
	(void)json_object_set_new(o, "pattern", json_string(big));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
	free(big);
	json_decref(o);
}

static void
test_time(void **state)
{
	char k1[HL_STIX_TS_KEY], k2[HL_STIX_TS_KEY];
	int64_t us;

	(void)state;
	assert_int_equal(hl_stix_time("1970-01-01T00:00:01.5Z", k1, &us), HL_OK);
	assert_true(us == 1500000);
	assert_string_equal(k1, "1970-01-01T00:00:01.500000000Z");
	assert_int_equal(hl_stix_time("2024-02-29T23:59:60Z", k1, &us), HL_OK);
	assert_int_equal(hl_stix_time("2023-02-29T00:00:00Z", k1, &us), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_time("2024-01-01T00:00:00.Z", k1, &us), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_time("2024-01-01T24:00:00Z", k1, &us), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_time("2024-01-01T00:00:00z", k1, &us), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_time("", k1, &us), HL_ERR_MALFORMED);
	/* keys sort in time order whatever the digits */
	assert_int_equal(hl_stix_time("2024-01-01T00:00:00Z", k1, NULL), HL_OK);
	assert_int_equal(hl_stix_time("2024-01-01T00:00:00.5Z", k2, NULL), HL_OK);
	assert_true(strcmp(k1, k2) < 0);
}

static void
test_tlp(void **state)
{
	static const char *const ids[5] = {
		"marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
		"marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
		"marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
		"marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
		"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
	};
	json_t *o;
	uint8_t tlp;
	int found, i;

	(void)state;
	for (i = 0; i < 5; i++) {
		assert_int_equal(hl_stix_tlp_of_marking(ids[i]), i);
		assert_string_equal(hl_stix_tlp_marking_id((uint8_t)i), ids[i]);
	}
	assert_int_equal(hl_stix_tlp_of_marking("marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"),
	    HL_TLP_AMBER);
	assert_int_equal(hl_stix_tlp_of_marking("marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168"),
	    -1);
	o = load(IND);
	hl_stix_object_tlp(o, &tlp, &found);
	assert_true(found == 0 && tlp == HL_TLP_CLEAR);
	(void)json_object_set_new(o, "object_marking_refs", json_pack("[s,s,s]", ids[1],
	    "marking-definition--fa42a846-8d90-4e51-bc29-71d5b4802168", ids[3]));
	hl_stix_object_tlp(o, &tlp, &found);
	assert_true(found == 1 && tlp == HL_TLP_AMBER_STRICT);
	json_decref(o);
}

/* ---- markings (STIX 2.1 section 7.2) ---- */

#define TLP1_WHITE "marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9"
#define TLP1_GREEN "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da"
#define TLP1_AMBER "marking-definition--f88d31f6-486f-44da-b317-01333bde0b82"
#define TLP1_RED "marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed"
#define TLP2_CLEAR "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"
#define TLP2_GREEN "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"
#define TLP2_AMBER "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define TLP2_STRICT "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003"
#define TLP2_RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define STATEMENT "marking-definition--d81f86b9-975b-4c0b-875e-810c5ad45a4f"

/* An indicator with something to select at every depth: lists, a list of
 * objects, a list of lists, a dictionary with upper-case keys. */
#define RICH "{\"type\":\"indicator\",\"spec_version\":\"2.1\"," \
	"\"id\":\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"," \
	"\"created\":\"2016-04-06T20:03:48.000Z\",\"modified\":\"2016-04-06T20:03:48.000Z\"," \
	"\"pattern\":\"[ipv4-addr:value = '198.51.100.1']\",\"pattern_type\":\"stix\"," \
	"\"valid_from\":\"2016-01-01T00:00:00Z\",\"description\":\"secret source\"," \
	"\"labels\":[\"a\",\"b\"],\"external_references\":[{\"source_name\":\"s0\"," \
	"\"url\":\"https://x.example/\"},{\"source_name\":\"s1\"}]," \
	"\"x_grid\":[[1,2],[3]],\"x_hashes\":{\"SHA-256\":\"ab\",\"md5\":\"cd\"}}"

/* RICH with one granular marking: selectors (a JSON list) and ref. */
static json_t *
with_granular(const char *selectors_json, const char *ref)
{
	json_t *o = load(RICH), *sels = load(selectors_json);

	(void)json_object_set_new(o, "granular_markings", json_pack("[{s:o, s:s}]", "selectors",
	    sels, "marking_ref", ref));
	return o;
}

static void
expect_selector(const char *selectors_json, int want_ok, const char *why)
{
	char err[HL_STIX_ERR_MAX];
	struct hl_stix_marks m;
	json_t *o = with_granular(selectors_json, TLP2_AMBER);
	int r = hl_stix_validate(o, err, sizeof(err));

	if (want_ok) {
		if (r != HL_OK)
			fail_msg("%s refused: %s", selectors_json, err);
		assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
		assert_true(m.granular_found && m.granular_tlp == HL_TLP_AMBER && m.tlp == HL_TLP_AMBER);
	} else {
		if (r == HL_OK)
			fail_msg("%s accepted", selectors_json);
		if (strstr(err, why) == NULL)
			fail_msg("%s: '%s' lacks '%s'", selectors_json, err, why);
		assert_null(strchr(err, '\n'));
		assert_int_not_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
	}
	json_decref(o);
}

static void
test_granular_selectors(void **state)
{
	char big[HL_STIX_SELECTOR_MAX + 64];

	(void)state;
	/* every form: a property, list items, keys of embedded objects and
	 * dictionaries, a list in a list, the id, a whole list */
	expect_selector("[\"description\"]", 1, NULL);
	expect_selector("[\"labels.[1]\"]", 1, NULL);
	expect_selector("[\"labels\", \"labels.[0]\"]", 1, NULL);
	expect_selector("[\"external_references.[0].source_name\"]", 1, NULL);
	expect_selector("[\"external_references.[1]\"]", 1, NULL);
	expect_selector("[\"x_grid.[0].[1]\", \"x_grid.[1].[0]\"]", 1, NULL);
	expect_selector("[\"x_hashes.SHA-256\"]", 1, NULL);
	expect_selector("[\"id\", \"pattern\", \"x_grid\"]", 1, NULL);
	/* malformed, or selecting nothing: the object is refused, the selector named */
	expect_selector("[\"\"]", 0, "selectors[0] '': empty");
	expect_selector("[\".description\"]", 0, "empty step");
	expect_selector("[\"description.\"]", 0, "empty step");
	expect_selector("[\"labels..[0]\"]", 0, "empty step");
	expect_selector("[\"labels.[x]\"]", 0, "'[x]' is not a list index");
	expect_selector("[\"labels.[-1]\"]", 0, "is not a list index");
	expect_selector("[\"labels.[]\"]", 0, "is not a list index");
	expect_selector("[\"labels.[1\"]", 0, "is not a list index");
	expect_selector("[\"labels.[1]x\"]", 0, "is not a list index");
	expect_selector("[\"labels.[1234567890]\"]", 0, "is not a list index");
	expect_selector("[\"labels[0]\"]", 0, "'labels[0]' is not a property name");
	expect_selector("[\"labels.[2]\"]", 0, "[2] is beyond the list's 2 item(s)");
	expect_selector("[\"[0]\"]", 0, "starts with a list index");
	expect_selector("[\"description\", \"nosuch\"]", 0, "selectors[1] 'nosuch': the object "
	    "has no 'nosuch' there");
	expect_selector("[\"external_references.[0].nosuch\"]", 0, "no 'nosuch' there");
	expect_selector("[\"description.[0]\"]", 0, "not a list");
	expect_selector("[\"description.part\"]", 0, "not an object");
	expect_selector("[\"labels.first\"]", 0, "not an object");
	expect_selector("[\"Description\"]", 0, "not a property name");
	expect_selector("[\"ab\"]", 0, "not a property name");
	expect_selector("[\"desc ription\"]", 0, "not a property name");
	expect_selector("[\"x_hashes.SHA 256\"]", 0, "not a property name");
	expect_selector("[7]", 0, "selectors[0]: not a string");
	expect_selector("[]", 0, "selectors: expected a non-empty list");
	expect_selector("{}", 0, "selectors: expected a non-empty list");
	memset(big, 'a', sizeof(big));
	big[0] = '[';
	big[1] = '"';
	(void)snprintf(big + HL_STIX_SELECTOR_MAX + 3, 8, "\"]");
	expect_selector(big, 0, "longer than 1024 bytes");
}

static void
expect_granular_refused(const char *granular_json, const char *why, int code)
{
	char err[HL_STIX_ERR_MAX];
	json_t *o = load(RICH);

	(void)json_object_set_new(o, "granular_markings", load(granular_json));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), code);
	if (strstr(err, why) == NULL)
		fail_msg("%s: '%s' lacks '%s'", granular_json, err, why);
	json_decref(o);
}

static void
test_granular_structure(void **state)
{
	json_t *o, *gm;
	char err[HL_STIX_ERR_MAX];
	size_t i;

	(void)state;
	expect_granular_refused("[]", "'granular_markings' must be a non-empty list",
	    HL_ERR_MALFORMED);
	expect_granular_refused("{\"selectors\":[\"description\"]}", "must be a non-empty list",
	    HL_ERR_MALFORMED);
	expect_granular_refused("[\"description\"]", "granular_markings[0]: not an object",
	    HL_ERR_MALFORMED);
	expect_granular_refused("[{\"selectors\":[\"description\"]}]", "granular_markings[0]: "
	    "needs either 'marking_ref' or 'lang'", HL_ERR_MALFORMED);
	expect_granular_refused("[{\"selectors\":[\"description\"],\"lang\":\"en\",\"marking_ref\":"
	    "\"" TLP2_RED "\"}]", "needs either", HL_ERR_MALFORMED);
	expect_granular_refused("[{\"selectors\":[\"description\"],\"marking_ref\":"
	    "\"indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f\"}]", "granular_markings[0]."
	    "marking_ref: not a marking-definition identifier", HL_ERR_MALFORMED);
	expect_granular_refused("[{\"selectors\":[\"description\"],\"lang\":\"\"}]",
	    "granular_markings[0].lang", HL_ERR_MALFORMED);
	expect_granular_refused("[{\"selectors\":[\"description\"],\"lang\":\"en\"},"
	    "{\"selectors\":[\"labels.[9]\"],\"marking_ref\":\"" TLP1_RED "\"}]",
	    "granular_markings[1].selectors[0] 'labels.[9]'", HL_ERR_MALFORMED);
	/* limits */
	o = load(RICH);
	gm = json_array();
	for (i = 0; i <= HL_STIX_GRANULAR_MAX; i++)
		(void)json_array_append_new(gm, json_pack("{s:[s], s:s}", "selectors", "labels",
		    "marking_ref", TLP2_GREEN));
	(void)json_object_set_new(o, "granular_markings", gm);
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_non_null(strstr(err, "more than 256 granular markings"));
	(void)json_array_remove(gm, 0);
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	gm = json_array();
	for (i = 0; i <= HL_STIX_SELECTORS_MAX; i++)
		(void)json_array_append_new(gm, json_string("labels"));
	(void)json_object_set_new(o, "granular_markings", json_pack("[{s:o, s:s}]", "selectors",
	    gm, "marking_ref", TLP2_GREEN));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_non_null(strstr(err, "selectors: more than 256"));
	json_decref(o);
}

static void
test_granular_tlp(void **state)
{
	static const struct { const char *id; uint8_t tlp; } tlps[] = {
		{ TLP1_WHITE, HL_TLP_CLEAR }, { TLP1_GREEN, HL_TLP_GREEN },
		{ TLP1_AMBER, HL_TLP_AMBER }, { TLP1_RED, HL_TLP_RED },
		{ TLP2_CLEAR, HL_TLP_CLEAR }, { TLP2_GREEN, HL_TLP_GREEN },
		{ TLP2_AMBER, HL_TLP_AMBER }, { TLP2_STRICT, HL_TLP_AMBER_STRICT },
		{ TLP2_RED, HL_TLP_RED },
	};
	struct hl_stix_marks m;
	char err[HL_STIX_ERR_MAX], p[1024];
	const char *root = getenv("HOTLINE_ROOT");
	json_error_t je;
	json_t *o, *b, *ind;
	size_t i;

	(void)state;
	/* each TLP 1.0 and 2.0 id in a granular marking */
	for (i = 0; i < sizeof(tlps) / sizeof(tlps[0]); i++) {
		o = with_granular("[\"description\"]", tlps[i].id);
		assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
		assert_true(m.granular_found && m.found && !m.object_found);
		assert_int_equal(m.granular_tlp, tlps[i].tlp);
		assert_int_equal(m.tlp, tlps[i].tlp);
		assert_string_equal(m.selectors, "'description'");
		json_decref(o);
	}
	/* a statement marking and a language marking are not TLP */
	o = with_granular("[\"description\"]", STATEMENT);
	assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
	assert_true(!m.found && m.tlp == HL_TLP_CLEAR && m.ngranular == 1);
	(void)json_object_set_new(o, "granular_markings", load("[{\"selectors\":[\"description\"],"
	    "\"lang\":\"ja\"}]"));
	assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
	assert_true(!m.found && m.tlp == HL_TLP_CLEAR);
	/* the strictest counts, object-level or granular; the first granular
	 * marking at that level is the one named */
	(void)json_object_set_new(o, "object_marking_refs", json_pack("[s]", TLP2_GREEN));
	(void)json_object_set_new(o, "granular_markings", load("[{\"selectors\":[\"labels.[0]\"],"
	    "\"marking_ref\":\"" TLP2_AMBER "\"},{\"selectors\":[\"description\", \"labels.[1]\"],"
	    "\"marking_ref\":\"" TLP1_RED "\"},{\"selectors\":[\"pattern\"],\"marking_ref\":\""
	    TLP2_RED "\"}]"));
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
	assert_true(m.object_found && m.object_tlp == HL_TLP_GREEN);
	assert_true(m.granular_tlp == HL_TLP_RED && m.tlp == HL_TLP_RED && m.ngranular == 3);
	assert_int_equal(m.granular_index, 1);
	assert_string_equal(m.selectors, "'description', 'labels.[1]'");
	/* object-level stricter than the granular ones */
	(void)json_object_set_new(o, "object_marking_refs", json_pack("[s]", TLP2_RED));
	(void)json_object_set_new(o, "granular_markings", load("[{\"selectors\":[\"labels.[0]\"],"
	    "\"marking_ref\":\"" TLP1_GREEN "\"}]"));
	assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
	assert_true(m.tlp == HL_TLP_RED && m.granular_tlp == HL_TLP_GREEN);
	json_decref(o);
	/* a long list of selectors is cut in the message, still one line */
	o = load(RICH);
	b = json_array();
	for (i = 0; i < 40; i++)
		(void)json_array_append_new(b, json_string("external_references.[0].source_name"));
	(void)json_object_set_new(o, "granular_markings", json_pack("[{s:o, s:s}]", "selectors", b,
	    "marking_ref", TLP2_RED));
	assert_int_equal(hl_stix_markings(o, &m, err, sizeof(err)), HL_OK);
	assert_true(strlen(m.selectors) < sizeof(m.selectors));
	assert_non_null(strstr(m.selectors, ", ..."));
	json_decref(o);
	/* issue 12, defect 1: the OASIS example's indicator is TLP:RED through
	 * its description only */
	(void)snprintf(p, sizeof(p), "%s/tests/fixtures/stix/granular-markings.json",
	    root != NULL ? root : ".");
	b = json_load_file(p, JSON_REJECT_DUPLICATES, &je);
	assert_non_null(b);
	ind = json_array_get(json_object_get(b, "objects"), 1);
	assert_string_equal(json_string_value(json_object_get(ind, "id")),
	    "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1");
	assert_int_equal(hl_stix_validate(ind, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_stix_markings(ind, &m, err, sizeof(err)), HL_OK);
	assert_true(!m.object_found && m.granular_found && m.tlp == HL_TLP_RED);
	assert_int_equal(m.granular_index, 0);
	assert_string_equal(m.selectors, "'description'");
	json_decref(b);
}

/* A marking-definition object (id, and the rest as JSON members). */
static int
markdef(const char *id, const char *rest, char *err, size_t errlen)
{
	char text[1024];
	json_t *o;
	int r;

	(void)snprintf(text, sizeof(text), "{\"type\":\"marking-definition\",\"spec_version\":"
	    "\"2.1\",\"id\":\"%s\",\"created\":\"2017-01-20T00:00:00.000Z\",%s}", id, rest);
	o = load(text);
	r = hl_stix_validate(o, err, errlen);
	json_decref(o);
	return r;
}

#define TLP2_EXT(v) "\"extensions\":{\"extension-definition--60a3c5c5-0d10-413e-aab3-" \
	"9e08dde9e88d\":{\"extension_type\":\"property-extension\",\"tlp_2_0\":\"" v "\"}}"

static void
test_tlp_definitions(void **state)
{
	char err[HL_STIX_ERR_MAX];

	(void)state;
	/* the standard definitions (TLP 1.0 as in STIX 2.1, TLP 2.0 as the
	 * extension defines them), and a statement */
	assert_int_equal(markdef(TLP1_RED, "\"name\":\"TLP:RED\",\"definition_type\":\"tlp\","
	    "\"definition\":{\"tlp\":\"red\"}", err, sizeof(err)), HL_OK);
	assert_int_equal(markdef(TLP1_WHITE, "\"definition_type\":\"tlp\","
	    "\"definition\":{\"tlp\":\"white\"}", err, sizeof(err)), HL_OK);
	assert_int_equal(markdef(TLP2_STRICT, "\"name\":\"TLP:AMBER+STRICT\","
	    TLP2_EXT("amber+strict"), err, sizeof(err)), HL_OK);
	assert_int_equal(markdef(TLP2_CLEAR, TLP2_EXT("clear"), err, sizeof(err)), HL_OK);
	assert_int_equal(markdef(STATEMENT, "\"definition_type\":\"statement\","
	    "\"definition\":{\"statement\":\"Copyright (c) Stark Industries 2017.\"}", err,
	    sizeof(err)), HL_OK);
	/* a TLP id that defines another level, or not as TLP */
	assert_int_equal(markdef(TLP1_RED, "\"definition_type\":\"tlp\","
	    "\"definition\":{\"tlp\":\"white\"}", err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "is TLP:RED: its definition says 'white'"));
	assert_int_equal(markdef(TLP1_AMBER, "\"definition_type\":\"statement\","
	    "\"definition\":{\"statement\":\"share freely\"}", err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "its definition_type must be \"tlp\""));
	assert_int_equal(markdef(TLP2_RED, TLP2_EXT("green"), err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "its definition says 'green'"));
	assert_int_equal(markdef(TLP2_RED, "\"definition_type\":\"tlp\","
	    "\"definition\":{\"tlp\":\"red\"}", err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "defines a TLP 1.0 marking but is not one of its standard ids"));
	/* a look-alike TLP definition under another id */
	assert_int_equal(markdef(STATEMENT, "\"definition_type\":\"tlp\","
	    "\"definition\":{\"tlp\":\"white\"}", err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "is not one of its standard ids"));
	assert_int_equal(markdef(STATEMENT, TLP2_EXT("clear"), err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "defines a TLP 2.0 marking"));
	assert_int_equal(markdef(TLP1_GREEN, "\"definition_type\":\"tlp\","
	    "\"definition\":{}", err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "its definition says 'nothing'"));
}

/* ---- sticky releasability: the label comparison against a naive model ---- */

static const char *const partners[6] = { "AUS", "GBR", "JPN", "KOR", "NATO", "USA" };

struct mlabel {
	unsigned rel;          /* bit i: partners[i] */
	uint8_t tlp, cls;
	int policy;
};

static void
to_label(const struct mlabel *m, struct hl_label *l)
{
	char csv[64];
	size_t o = 0;
	unsigned i;

	memset(l, 0, sizeof(*l));
	(void)snprintf(l->policy, sizeof(l->policy), "%s", m->policy ? "other" :
	    "hotline-default");
	l->tlp = m->tlp;
	l->classification = m->cls;
	csv[0] = '\0';
	for (i = 0; i < 6; i++)
		if (m->rel & (1u << i))
			o += (size_t)snprintf(csv + o, sizeof(csv) - o, "%s%s", o ? "," : "",
			    partners[i]);
	assert_int_equal(hl_partner_list_parse(csv, l->rel, HL_RELEASABLE_MAX, &l->nrel), HL_OK);
}

static void
random_mlabel(struct mlabel *m)
{
	m->rel = 1u + (unsigned)(rand() % 63);
	m->tlp = (uint8_t)(rand() % 5);
	m->cls = (uint8_t)(rand() % 4);
	m->policy = rand() % 16 == 0;
}

/* The rule said plainly: want may add no partner, lower no TLP or level,
 * change no policy. */
static unsigned
naive_widens(const struct mlabel *first, const struct mlabel *want)
{
	unsigned w = 0, i;

	for (i = 0; i < 6; i++)
		if ((want->rel >> i & 1) && !(first->rel >> i & 1))
			w |= HL_STIX_WIDENS_REL;
	if (want->tlp < first->tlp)
		w |= HL_STIX_WIDENS_TLP;
	if (want->cls < first->cls)
		w |= HL_STIX_WIDENS_CLASS;
	if (want->policy != first->policy)
		w |= HL_STIX_WIDENS_POLICY;
	return w;
}

static void
test_release_model(void **state)
{
	struct mlabel a, b, mu;
	struct hl_label la, lb, lu, lm;
	unsigned i, k, allowed = 0;

	(void)state;
	srand(12);
	for (k = 0; k < 20000; k++) {
		random_mlabel(&a);
		random_mlabel(&b);
		to_label(&a, &la);
		to_label(&b, &lb);
		assert_int_equal(hl_stix_release_widens(&la, &lb), naive_widens(&a, &b));
		assert_int_equal(hl_stix_release_widens(&la, &la), 0);
		allowed += hl_stix_release_widens(&la, &lb) == 0;
		/* the union of two releases by one partner */
		if (a.policy != b.policy) {
			assert_int_equal(hl_stix_release_union(&la, &lb, &lu), HL_ERR_INVALID);
			assert_memory_equal(&lu, &la, sizeof(lu));
			continue;
		}
		assert_int_equal(hl_stix_release_union(&la, &lb, &lu), HL_OK);
		mu.rel = a.rel | b.rel;
		mu.tlp = a.tlp < b.tlp ? a.tlp : b.tlp;
		mu.cls = a.cls < b.cls ? a.cls : b.cls;
		mu.policy = a.policy;
		to_label(&mu, &lm);
		assert_memory_equal(&lu, &lm, sizeof(lu));
		assert_int_equal(hl_stix_release_widens(&lu, &la), 0);
		assert_int_equal(hl_stix_release_widens(&lu, &lb), 0);
	}
	/* both outcomes were exercised */
	assert_true(allowed > 100 && allowed < 19000);
	/* a union that does not fit one label keeps the first */
	memset(&la, 0, sizeof(la));
	memset(&lb, 0, sizeof(lb));
	for (i = 0; i < HL_RELEASABLE_MAX; i++) {
		(void)snprintf(la.rel[i], sizeof(la.rel[i]), "A%02u", i);
		(void)snprintf(lb.rel[i], sizeof(lb.rel[i]), "B%02u", i);
	}
	la.nrel = lb.nrel = HL_RELEASABLE_MAX;
	assert_int_equal(hl_stix_release_union(&la, &lb, &lu), HL_ERR_TOO_BIG);
	assert_memory_equal(&lu, &la, sizeof(lu));
}

static void
test_canonical(void **state)
{
	json_t *a = load("{\"b\":1,\"a\":{\"d\":[1,\"x\"],\"c\":true}}");
	json_t *b = load("{\"a\":{\"c\":true,\"d\":[1,\"x\"]},\"b\":1}");
	char *ca = hl_stix_canonical(a), *cb = hl_stix_canonical(b);

	(void)state;
	assert_non_null(ca);
	assert_string_equal(ca, cb);
	assert_string_equal(ca, "{\"a\":{\"c\":true,\"d\":[1,\"x\"]},\"b\":1}");
	hl_free(ca);
	hl_free(cb);
	json_decref(a);
	json_decref(b);
	assert_null(hl_stix_canonical(NULL));
}

static int
has(const struct hl_stix_obs *o, size_t n, uint8_t kind, const char *value)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (o[i].kind == kind && strcmp(o[i].value, value) == 0)
			return 1;
	return 0;
}

static void
test_pattern(void **state)
{
	struct hl_stix_obs o[16];
	const char *p;
	size_t n;

	(void)state;
	p = "[ipv4-addr:value = '198.51.100.7/24'] OR [ipv6-addr:value = '2001:DB8::1'] AND "
	    "[domain-name:value = 'Evil.Example.'] FOLLOWEDBY [url:value = 'HTTPS://Evil.Example/A?b']"
	    " WITHIN 600 SECONDS";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_OK);
	assert_true(n == 4);
	assert_true(has(o, n, HL_OBS_IPV4, "198.51.100.0/24"));
	assert_true(o[0].plen == 24 && o[0].lo[3] == 0 && o[0].hi[3] == 255);
	assert_true(has(o, n, HL_OBS_IPV6, "2001:db8::1"));
	assert_true(has(o, n, HL_OBS_DOMAIN, "evil.example"));
	assert_true(has(o, n, HL_OBS_URL, "https://evil.example/A?b"));

	p = "[file:hashes.'SHA-256' = 'AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899'"
	    " OR file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e' OR file:hashes.'SHA-1' = "
	    "'da39a3ee5e6b4b0d3255bfef95601890afd80709' OR file:name = 'x.exe']";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_OK);
	assert_true(n == 3);
	assert_true(has(o, n, HL_OBS_SHA256,
	    "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899"));
	assert_true(has(o, n, HL_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
	assert_true(has(o, n, HL_OBS_SHA1, "da39a3ee5e6b4b0d3255bfef95601890afd80709"));

	/* IN lists, ISSUBSET, escapes, NOT, network-traffic refs, e-mail */
	p = "([ipv4-addr:value IN ('10.0.0.1', '10.0.0.2')] AND [ipv4-addr:value ISSUBSET "
	    "'192.168.0.0/16']) OR [email-addr:value = 'O\\'Brien@Example.COM'] OR "
	    "[ipv4-addr:value NOT = '1.2.3.4'] OR [network-traffic:dst_ref.value = '203.0.113.5' "
	    "AND network-traffic:dst_port = 443] OR [domain-name:value = 'bad domain']"
	    " START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00Z'";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_OK);
	assert_true(n == 5);
	assert_true(has(o, n, HL_OBS_IPV4, "10.0.0.1") && has(o, n, HL_OBS_IPV4, "10.0.0.2"));
	assert_true(has(o, n, HL_OBS_IPV4, "192.168.0.0/16"));
	assert_true(has(o, n, HL_OBS_EMAIL, "o'brien@example.com"));
	assert_true(has(o, n, HL_OBS_IPV4, "203.0.113.5"));
	assert_false(has(o, n, HL_OBS_IPV4, "1.2.3.4"));
	/* max respected */
	p = "[ipv4-addr:value = '10.0.0.1'] OR [ipv4-addr:value = '10.0.0.2']";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 1, &n), HL_OK);
	assert_true(n == 1);
	/* malformed: never a crash */
	assert_int_equal(hl_stix_pattern_extract("", 0, o, 16, &n), HL_ERR_MALFORMED);
	p = "[ipv4-addr:value = '10.0.0.1'";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_ERR_MALFORMED);
	p = "[ipv4-addr:value = '10.0.0.1]";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_ERR_MALFORMED);
	p = "ipv4-addr:value = '10.0.0.1'";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_ERR_MALFORMED);
	p = "[ipv4-addr:value = '10.0.0.1'] ]]";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_ERR_MALFORMED);
	p = "[ipv4-addr:value ~ '10.0.0.1']";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_ERR_MALFORMED);
	p = "[file:hashes.'SHA-256 = 'x']";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_ERR_MALFORMED);
	/* values that are not what the path says are skipped */
	p = "[ipv4-addr:value = '999.1.1.1'] OR [file:hashes.MD5 = 'xyz']";
	assert_int_equal(hl_stix_pattern_extract(p, strlen(p), o, 16, &n), HL_OK);
	assert_true(n == 0);
	{
		char *big = malloc(HL_STIX_PATTERN_MAX + 2);

		assert_non_null(big);
		memset(big, '[', HL_STIX_PATTERN_MAX + 1);
		big[HL_STIX_PATTERN_MAX + 1] = '\0';
		assert_int_equal(hl_stix_pattern_extract(big, strlen(big), o, 16, &n), HL_ERR_TOO_BIG);
		free(big);
	}
}

/* Patterns the STIX 2.1 grammar accepts: every rule at least once. */
static const char *const good_patterns[] = {
	"[ipv4-addr:value = '198.51.100.1']",
	"[file:hashes.'SHA-256' = 'aa'] AND [file:size >= 1024]",
	"[a:b = 1] OR [a:b != -1] FOLLOWEDBY [c:d < 1.5] AND [c:d <= -0.5]",
	"([x:y = 'a'] FOLLOWEDBY [x:y = 'b']) WITHIN 600 SECONDS",
	"[x:y = 'a'] REPEATS 5 TIMES WITHIN 1.5 SECONDS",
	"[x:y = 'a'] START t'2016-06-01T00:00:00Z' STOP t'2016-07-01T00:00:00.123Z'",
	"[x:y IN ('a', 1, true, false, h'00ff', b'AAAA', t'2020-01-01T00:00:00Z', 2.5)]",
	"[x:y IN ()]",
	"[x:y NOT IN ('a') AND x:y NOT = 'a' AND x:y NOT LIKE 'a%' AND x:y NOT > 3]",
	"[email-message:body_multipart[*].body_raw_ref.name MATCHES '^Final Report.+\\\\.exe$']",
	"[x:list[0].a = 'b' AND x:list[-1] = 'c' AND x:list[+2] = 'd']",
	"[ipv4-addr:value ISSUBSET '198.51.100.0/24' OR ipv4-addr:value ISSUPERSET '198.51.100.1']",
	"[x:y = 'a' AND (x:z = 'b' OR (x:w = 'c'))]",
	"[EXISTS windows-registry-key:values[*].data]",
	"[x:y = 'it\\'s' AND x:z = 'back\\\\slash']",
	"/* leading comment */ [x:y = 'a'] // trailing comment",
	"[x:y = +5] AND [x:y = .5] AND [x:y = 0] AND [x:y = 00.25]",
	"[x:y == 'a' AND x:y <> 'b' AND x:y > 1 AND x:y < 2]",
	"[file:extensions.'windows-pebinary-ext'.sections[*].entropy > 7.0]",
	"[x:'quoted first' = true]",
	"[x:y\xc2\xa0=\xe2\x80\x83'a'\xe3\x80\x80]\v\f",
	"[x:y = b'AAA=' OR x:y = b'AA==' OR x:y = h'']",
	"[x:y = t'2024-02-29T23:59:60Z' OR x:y = t'2000-01-01T00:00:00.1234567890123Z']",
	"[x-custom-type:x_prop_1 = 'a' AND ANDROID:y = 'b']",
	"[x:y = 'caf\xc3\xa9']",
	"(([x:y = 'a'] OR [x:y = 'b']) AND [x:z = 1] REPEATS 2 TIMES) FOLLOWEDBY [x:y = 'c']",
};

/* One malformed pattern per rule: the offset and words of the message. */
static const struct {
	const char *pattern;
	size_t len;                /* 0: strlen */
	int code;
	const char *message;       /* after "at offset " */
} bad_patterns[] = {
	{ "", 0, HL_ERR_MALFORMED, "0: expected '[' or '(' opening an observation expression, "
	    "found the end of the pattern" },
	{ "[ipv4-addr:value = ", 0, HL_ERR_MALFORMED, "19: expected a constant" },
	{ "[ipv4-addr:value = '1.2.3.4'", 0, HL_ERR_MALFORMED, "28: expected AND, OR or ']', "
	    "found the end" },
	{ "ipv4-addr:value = 'x'", 0, HL_ERR_MALFORMED, "0: expected '[' or '('" },
	{ "[x:y = 'a'] ]", 0, HL_ERR_MALFORMED, "12: expected AND, OR, FOLLOWEDBY, a qualifier "
	    "or the end of the pattern, found ']'" },
	{ "[x:y = 'a'] AND", 0, HL_ERR_MALFORMED, "15: expected '[' or '('" },
	{ "[x:y = 'a'] FOLLOWEDBY", 0, HL_ERR_MALFORMED, "22: expected '[' or '('" },
	{ "[x:y = 'a'] OR ()", 0, HL_ERR_MALFORMED, "16: expected '[' or '('" },
	{ "([x:y = 'a']", 0, HL_ERR_MALFORMED, "12: expected AND, OR, FOLLOWEDBY, a qualifier "
	    "or ')'" },
	{ "[x:y ~ 'a']", 0, HL_ERR_MALFORMED, "5: unexpected character '~'" },
	{ "[x:y = 'a]", 0, HL_ERR_MALFORMED, "7: unterminated string" },
	{ "[x:y = 'a\\b']", 0, HL_ERR_MALFORMED, "9: only \\' and \\\\ may be escaped" },
	{ "[x = 'a']", 0, HL_ERR_MALFORMED, "3: expected ':' after the object type" },
	{ "[x: = 'a']", 0, HL_ERR_MALFORMED, "4: expected a property name, found '='" },
	{ "[x:a-b = 'a']", 0, HL_ERR_MALFORMED, "3: a property name with '-' must be quoted" },
	{ "[x:y. = 'a']", 0, HL_ERR_MALFORMED, "6: expected a property name" },
	{ "[x:y[a] = 'a']", 0, HL_ERR_MALFORMED, "5: expected a list index" },
	{ "[x:y[0 = 'a']", 0, HL_ERR_MALFORMED, "7: expected ']' after the list index" },
	{ "[x:y 'a']", 0, HL_ERR_MALFORMED, "5: expected a comparison operator (" },
	{ "[x:y NOT 'a']", 0, HL_ERR_MALFORMED, "9: expected a comparison operator after NOT" },
	{ "[x:y > true]", 0, HL_ERR_MALFORMED, "7: true and false cannot be compared" },
	{ "[x:y IN 'a']", 0, HL_ERR_MALFORMED, "8: expected '(' opening the set" },
	{ "[x:y IN ('a' 'b')]", 0, HL_ERR_MALFORMED, "13: expected ',' or ')'" },
	{ "[x:y IN ('a',)]", 0, HL_ERR_MALFORMED, "13: expected a constant" },
	{ "[x:y LIKE 5]", 0, HL_ERR_MALFORMED, "10: expected a 'string', found '5'" },
	{ "[x:y MATCHES h'00']", 0, HL_ERR_MALFORMED, "13: expected a 'string'" },
	{ "[x:y ISSUBSET 1]", 0, HL_ERR_MALFORMED, "14: expected a 'string'" },
	{ "[x:y = 01]", 0, HL_ERR_MALFORMED, "7: a whole number may not start with 0" },
	{ "[x:y = -]", 0, HL_ERR_MALFORMED, "7: unexpected character '-'" },
	{ "[x:y = +x]", 0, HL_ERR_MALFORMED, "7: unexpected character '+'" },
	{ "[x:y = 1.]", 0, HL_ERR_MALFORMED, "8: expected AND, OR or ']', found '.'" },
	{ "[x:y = t'2016-13-01T00:00:00Z']", 0, HL_ERR_MALFORMED, "7: a timestamp must be" },
	{ "[x:y = t'2016-02-30T00:00:00Z']", 0, HL_ERR_MALFORMED, "7: a timestamp must be" },
	{ "[x:y = t'2016-02-01 00:00:00Z']", 0, HL_ERR_MALFORMED, "7: a timestamp must be" },
	{ "[x:y = t'2016-02-01T00:00:00.Z']", 0, HL_ERR_MALFORMED, "7: a timestamp must be" },
	{ "[x:y = h'abc']", 0, HL_ERR_MALFORMED, "7: h'...' must hold pairs of hex digits" },
	{ "[x:y = h'zz']", 0, HL_ERR_MALFORMED, "7: h'...' must hold pairs of hex digits" },
	{ "[x:y = b'AAA']", 0, HL_ERR_MALFORMED, "7: b'...' must hold base64" },
	{ "[x:y = b'']", 0, HL_ERR_MALFORMED, "7: b'...' must hold base64" },
	{ "[x:y = b'A=AA']", 0, HL_ERR_MALFORMED, "7: b'...' must hold base64" },
	{ "[x:y = 'a'] WITHIN 0 SECONDS", 0, HL_ERR_MALFORMED, "19: expected a positive number "
	    "of seconds after WITHIN" },
	{ "[x:y = 'a'] WITHIN -5 SECONDS", 0, HL_ERR_MALFORMED, "19: expected a positive" },
	{ "[x:y = 'a'] WITHIN 5", 0, HL_ERR_MALFORMED, "20: expected SECONDS" },
	{ "[x:y = 'a'] REPEATS 1.5 TIMES", 0, HL_ERR_MALFORMED, "20: expected a positive whole "
	    "number after REPEATS" },
	{ "[x:y = 'a'] REPEATS 2", 0, HL_ERR_MALFORMED, "21: expected TIMES" },
	{ "[x:y = 'a'] START t'2016-07-01T00:00:00Z' STOP t'2016-06-01T00:00:00Z'", 0,
	    HL_ERR_MALFORMED, "47: STOP must be later than START" },
	{ "[x:y = 'a'] START '2016-07-01T00:00:00Z'", 0, HL_ERR_MALFORMED, "18: expected a "
	    "timestamp" },
	{ "[x:y = 'a'] START t'2016-07-01T00:00:00Z'", 0, HL_ERR_MALFORMED, "41: expected STOP" },
	{ "[x:y = 'a'] LAST 5 SECONDS", 0, HL_ERR_MALFORMED, "12: expected AND, OR, FOLLOWEDBY, "
	    "a qualifier or the end of the pattern, found 'LAST'" },
	{ "[x:y = 'a' and x:z = 'b']", 0, HL_ERR_MALFORMED, "11: expected AND, OR or ']', found "
	    "'and'" },
	{ "[x:y = TRUE]", 0, HL_ERR_MALFORMED, "7: expected a constant" },
	{ "[IN:y = 'a']", 0, HL_ERR_MALFORMED, "1: expected an object path" },
	{ "[x:y = 'a'] /* never closed", 0, HL_ERR_MALFORMED, "12: unterminated comment" },
	{ "[x:y = 'a'\x01]", 0, HL_ERR_MALFORMED, "10: unexpected byte 0x01" },
	{ "[x:y = 'a'\x00]", 12, HL_ERR_MALFORMED, "10: unexpected byte 0x00" },
	{ "[(x:y = 'a']", 0, HL_ERR_MALFORMED, "11: expected AND, OR or ')'" },
	{ "[x:y = 'a' AND]", 0, HL_ERR_MALFORMED, "14: expected an object path" },
	{ "[EXISTS]", 0, HL_ERR_MALFORMED, "7: expected an object path" },
	{ "[]", 0, HL_ERR_MALFORMED, "1: expected an object path" },
};

static void
test_pattern_grammar(void **state)
{
	char err[HL_STIX_ERR_MAX], want[HL_STIX_ERR_MAX + 16], *deep;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(good_patterns) / sizeof(good_patterns[0]); i++)
		if (hl_stix_pattern_check(good_patterns[i], strlen(good_patterns[i]), err,
		    sizeof(err)) != HL_OK)
			fail_msg("good pattern %zu refused: %s: %s", i, good_patterns[i], err);
	/* a NUL inside a string is a character like any other */
	assert_int_equal(hl_stix_pattern_check("[x:y = 'a\0b']", 13, err, sizeof(err)), HL_OK);
	for (i = 0; i < sizeof(bad_patterns) / sizeof(bad_patterns[0]); i++) {
		len = bad_patterns[i].len != 0 ? bad_patterns[i].len : strlen(bad_patterns[i].pattern);
		if (hl_stix_pattern_check(bad_patterns[i].pattern, len, err, sizeof(err)) !=
		    bad_patterns[i].code)
			fail_msg("bad pattern %zu accepted: %s", i, bad_patterns[i].pattern);
		(void)snprintf(want, sizeof(want), "at offset %s", bad_patterns[i].message);
		if (strncmp(err, want, strlen(want)) != 0)
			fail_msg("bad pattern %zu: %s\n  got:  %s\n  want: %s...", i,
			    bad_patterns[i].pattern, err, want);
	}
	/* nesting: 32 levels parse, 33 do not */
	deep = calloc(1, HL_STIX_PATTERN_MAX + 2);
	assert_non_null(deep);
	for (len = 31; len <= 32; len++) {
		memset(deep, '(', len);
		memcpy(deep + len, "[x:y = 1]", 9);
		memset(deep + len + 9, ')', len);
		assert_int_equal(hl_stix_pattern_check(deep, 2 * len + 9, err, sizeof(err)),
		    len == 31 ? HL_OK : HL_ERR_TOO_BIG);
	}
	assert_string_equal(err, "at offset 32: nested deeper than 32 brackets and parentheses");
	/* the length limit */
	assert_int_equal(hl_stix_pattern_check(deep, HL_STIX_PATTERN_MAX + 1, err, sizeof(err)),
	    HL_ERR_TOO_BIG);
	free(deep);
	assert_int_equal(hl_stix_pattern_check(NULL, 0, err, sizeof(err)), HL_ERR_MALFORMED);
}

/* Defect 5: an indicator whose pattern does not parse is refused, and the
 * message names the offset and what was expected. */
static void
test_validate_pattern(void **state)
{
	char err[HL_STIX_ERR_MAX];

	(void)state;
	assert_int_equal(check_with("pattern", json_string("[ipv4-addr:value = "), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_string_equal(err, "'pattern' is not a STIX pattern: at offset 19: expected a "
	    "constant ('string', number, true, false, t'...', h'...' or b'...'), found the end "
	    "of the pattern");
	assert_int_equal(check_with("pattern", json_string("[ipv4-addr:value = '10.0.0.1'] AND"),
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "at offset 34: expected '[' or '('"));
	/* control bytes in the echoed text come back as '?' */
	assert_int_equal(check_with("pattern", json_string("[x:y = 'a'] \x7f"), err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "unexpected byte 0x7f"));
	/* other pattern languages are not parsed here */
	{
		json_t *o = load(IND);

		(void)json_object_set_new(o, "pattern", json_string("alert tcp any any -> any 80"));
		(void)json_object_set_new(o, "pattern_type", json_string("snort"));
		assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
		json_decref(o);
	}
}

static void
test_obs(void **state)
{
	struct hl_stix_obs o;
	struct hl_stix_obs *all = NULL;
	size_t n;
	json_t *j;

	(void)state;
	assert_int_equal(hl_stix_obs_parse("198.51.100.0/22", &o), HL_OK);
	assert_true(o.kind == HL_OBS_IPV4 && o.plen == 22 && o.hi[2] == 103 && o.hi[3] == 255);
	assert_int_equal(hl_stix_obs_parse("10.1.2.3/8", &o), HL_OK);
	assert_string_equal(o.value, "10.0.0.0/8");
	assert_int_equal(hl_stix_obs_parse("::1", &o), HL_OK);
	assert_true(o.kind == HL_OBS_IPV6 && o.plen == 128);
	assert_int_equal(hl_stix_obs_parse("Example.COM", &o), HL_OK);
	assert_true(o.kind == HL_OBS_DOMAIN);
	assert_string_equal(o.value, "example.com");
	assert_int_equal(hl_stix_obs_parse("a@b.example", &o), HL_OK);
	assert_true(o.kind == HL_OBS_EMAIL);
	assert_int_equal(hl_stix_obs_parse("d41d8cd98f00b204e9800998ecf8427e", &o), HL_OK);
	assert_true(o.kind == HL_OBS_MD5);
	assert_int_equal(hl_stix_obs_parse("1.2.3", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_parse("1.2.3.4/", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_parse("::1/129", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_parse("nodots", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_parse("a@@b.example", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_parse("http://", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_parse("bad..example", &o), HL_ERR_MALFORMED);
	assert_int_equal(hl_stix_obs_make(HL_OBS_SHA1, "abc", 3, &o), HL_ERR_MALFORMED);
	assert_string_equal(hl_stix_obs_kind_name(HL_OBS_SHA256), "sha256");

	/* SCOs */
	j = load("{\"type\":\"file\",\"id\":\"file--ff26c055-6336-5bc5-b98d-13d6226742dd\","
	    "\"hashes\":{\"SHA-256\":\"AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899\","
	    "\"MD5\":\"D41D8CD98F00B204E9800998ECF8427E\",\"x-custom\":\"zz\"}}");
	assert_int_equal(hl_stix_extract(j, &all, &n), HL_OK);
	assert_true(n == 2);
	assert_true(has(all, n, HL_OBS_MD5, "d41d8cd98f00b204e9800998ecf8427e"));
	hl_free(all);
	json_decref(j);
	j = load("{\"type\":\"domain-name\",\"id\":\"domain-name--ff26c055-6336-5bc5-b98d-13d6226742dd\","
	    "\"value\":\"WWW.Example.com\"}");
	assert_int_equal(hl_stix_extract(j, &all, &n), HL_OK);
	assert_true(n == 1 && strcmp(all[0].value, "www.example.com") == 0);
	hl_free(all);
	json_decref(j);
	/* an indicator with a non-STIX pattern, and a duplicate value */
	j = load(IND);
	(void)json_object_set_new(j, "pattern", json_string("[ipv4-addr:value = '10.0.0.1'] OR "
	    "[ipv4-addr:value = '10.0.0.1']"));
	assert_int_equal(hl_stix_extract(j, &all, &n), HL_OK);
	assert_true(n == 1);
	hl_free(all);
	(void)json_object_set_new(j, "pattern_type", json_string("sigma"));
	assert_int_equal(hl_stix_extract(j, &all, &n), HL_OK);
	assert_true(n == 0 && all == NULL);
	/* a broken pattern: nothing indexed, no error */
	(void)json_object_set_new(j, "pattern_type", json_string("stix"));
	(void)json_object_set_new(j, "pattern", json_string("[[[ '"));
	assert_int_equal(hl_stix_extract(j, &all, &n), HL_OK);
	assert_true(n == 0);
	json_decref(j);
}

/* Failures allowed in bundle_validates (0: none, fail at once). */
static int tolerate;
static size_t nfailed;
static char last_failure[HL_STIX_ERR_MAX];
static size_t npatterns;       /* STIX patterns among the objects that validated */

/* Every object of a bundle file validates. OUT: *count. */
static void
bundle_validates(const char *path, size_t *count)
{
	json_error_t e;
	json_t *b = json_load_file(path, JSON_REJECT_DUPLICATES, &e), *o;
	char err[HL_STIX_ERR_MAX];
	size_t i;

	if (b == NULL)
		fail_msg("%s: %s", path, e.text);
	if (json_is_object(b) && json_is_array(json_object_get(b, "objects"))) {
		json_array_foreach(json_object_get(b, "objects"), i, o) {
			if (hl_stix_validate(o, err, sizeof(err)) != HL_OK) {
				if (!tolerate)
					fail_msg("%s: object %zu (%s): %s", path, i,
					    json_string_value(json_object_get(o, "id")), err);
				nfailed++;
				(void)snprintf(last_failure, sizeof(last_failure), "%s", err);
			} else if (json_is_string(json_object_get(o, "pattern")) &&
			    strcmp(json_string_value(json_object_get(o, "pattern_type")),
			    "stix") == 0) {
				npatterns++;
			}
			(*count)++;
		}
	} else if (json_is_object(b) && json_object_get(b, "type") != NULL) {
		if (hl_stix_validate(b, err, sizeof(err)) != HL_OK)
			fail_msg("%s: %s", path, err);
		(*count)++;
	}
	json_decref(b);
}

static void
dir_validates(const char *dir, size_t *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char p[1024];
	struct stat sb;

	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(p, sizeof(p), "%s/%s", dir, de->d_name);
		if (stat(p, &sb) != 0)
			continue;
		if (S_ISDIR(sb.st_mode))
			dir_validates(p, count);
		else if (strlen(de->d_name) > 5 &&
		    strcmp(de->d_name + strlen(de->d_name) - 5, ".json") == 0)
			bundle_validates(p, count);
	}
	closedir(d);
}

static void
test_fixtures(void **state)
{
	const char *root = getenv("HOTLINE_ROOT");
	char p[1024], err[HL_STIX_ERR_MAX];
	size_t n = 0, i;
	json_error_t e;
	json_t *b, *o;
	int bad = 0;

	(void)state;
	(void)snprintf(p, sizeof(p), "%s/tests/fixtures/stix/bundle.json",
	    root != NULL ? root : ".");
	bundle_validates(p, &n);
	assert_true(n >= 10);
	/* the broken copies each fail with a message */
	(void)snprintf(p, sizeof(p), "%s/tests/fixtures/stix/broken.json",
	    root != NULL ? root : ".");
	b = json_load_file(p, 0, &e);
	assert_non_null(b);
	json_array_foreach(json_object_get(b, "objects"), i, o) {
		assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_ERR_MALFORMED);
		assert_true(strlen(err) > 5);
		bad++;
	}
	assert_true(bad >= 3);
	json_decref(b);
}

static void
test_shared_data(void **state)
{
	const char *sd = getenv("HOTLINE_SHARED_DATA");
	static const char *const files[] = {
		"mitre-attack-stix21/ics-attack-17.1.json",
		"mitre-attack-stix21/ics-attack-18.1.json",
		"mitre-attack-stix21/mobile-attack-17.1.json",
		"disarm-stix21/DISARM.json",
	};
	char p[1024];
	size_t n = 0, i;
	struct stat sb;

	(void)state;
	if (sd == NULL || stat(sd, &sb) != 0) {
		printf("SKIPPED: HOTLINE_SHARED_DATA not set or absent (real STIX bundles)\n");
		skip();
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", sd, files[i]);
		bundle_validates(p, &n);
	}
	assert_true(n > 6000);
	/* the OASIS examples include one deliberate edge case: an SDO
	 * without spec_version (python-stix2's test data), which STIX 2.1
	 * requires: exactly that one is refused */
	(void)snprintf(p, sizeof(p), "%s/oasis-stix21-examples", sd);
	tolerate = 1;
	nfailed = 0;
	dir_validates(p, &n);
	tolerate = 0;
	assert_true(n > 6100);
	/* every indicator pattern in them parses (the OASIS ones: 48) */
	printf("shared data: %zu objects, %zu STIX patterns parsed\n", n, npatterns);
	assert_true(npatterns >= 48);
	assert_int_equal(nfailed, 1);
	assert_non_null(strstr(last_failure, "spec_version"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_validate_indicator),
		cmocka_unit_test(test_validate_categories),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_time),
		cmocka_unit_test(test_tlp),
		cmocka_unit_test(test_granular_selectors),
		cmocka_unit_test(test_granular_structure),
		cmocka_unit_test(test_granular_tlp),
		cmocka_unit_test(test_tlp_definitions),
		cmocka_unit_test(test_release_model),
		cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_pattern),
		cmocka_unit_test(test_pattern_grammar),
		cmocka_unit_test(test_validate_pattern),
		cmocka_unit_test(test_obs),
		cmocka_unit_test(test_fixtures),
		cmocka_unit_test(test_shared_data),
	};

	hl_apijson_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
