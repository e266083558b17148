/* test_misp.c: MISP event -> STIX 2.1 bundle. A hand-written event covering
 * every converted type, TLP tags (event and attribute), galaxies, skips
 * with reasons; determinism; the UUIDv5 vector; malformed and oversized
 * inputs; allocation failures; and every real MISP event in the shared
 * data (SKIPPED when HOTLINE_SHARED_DATA is absent). */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "errors.h"
#include "misp.h"
#include "stix.h"

#define TLP_AMBER "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define TLP_RED "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"
#define TLP_CLEAR "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487"

static struct hl_misp_summary sum;

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

static char *
slurp(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *p;
	long n;

	if (f == NULL)
		return NULL;
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	p = malloc((size_t)n + 1);
	if (p != NULL && fread(p, 1, (size_t)n, f) != (size_t)n) {
		free(p);
		p = NULL;
	}
	fclose(f);
	if (p != NULL) {
		p[n] = '\0';
		*len = (size_t)n;
	}
	return p;
}

static char *
fixture(const char *name, size_t *len)
{
	const char *root = getenv("HOTLINE_ROOT");
	char path[1024];
	char *p;

	snprintf(path, sizeof(path), "%s/tests/fixtures/misp/%s", root != NULL ? root : ".", name);
	p = slurp(path, len);
	if (p == NULL)
		fail_msg("cannot read fixture %s", path);
	return p;
}

static json_t *
find_pattern(json_t *objs, const char *pattern)
{
	json_t *o;
	size_t i;

	json_array_foreach(objs, i, o) {
		json_t *p = json_object_get(o, "pattern");

		if (json_is_string(p) && strcmp(json_string_value(p), pattern) == 0)
			return o;
	}
	return NULL;
}

static size_t
count_type(json_t *objs, const char *type)
{
	json_t *o;
	size_t i, n = 0;

	json_array_foreach(objs, i, o)
		if (strcmp(json_string_value(json_object_get(o, "type")), type) == 0)
			n++;
	return n;
}

static const char *
first_mark(json_t *o)
{
	json_t *m = json_array_get(json_object_get(o, "object_marking_refs"), 0);

	return json_is_string(m) ? json_string_value(m) : "";
}

/* every object passes the STIX validator the TAXII server applies */
static void
all_valid(json_t *bundle, const char *what)
{
	json_t *o;
	size_t i;
	char err[HL_STIX_ERR_MAX];

	json_array_foreach(json_object_get(bundle, "objects"), i, o)
		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK)
			fail_msg("%s: object %zu (%s) invalid: %s", what, i,
			    json_string_value(json_object_get(o, "id")), err);
}

static void
test_uuid5_vector(void **state)
{
	/* RFC 9562 appendix A.4: the DNS namespace and "www.example.com" */
	static const uint8_t dns[16] = { 0x6b, 0xa7, 0xb8, 0x10, 0x9d, 0xad, 0x11, 0xd1,
		0x80, 0xb4, 0x00, 0xc0, 0x4f, 0xd4, 0x30, 0xc8 };
	char u[37];

	(void)state;
	assert_int_equal(hl_misp_uuid5(dns, "www.example.com", 15, u), HL_OK);
	assert_string_equal(u, "2ed6657d-e927-568b-95e1-2665a8aea6a2");
}

static void
test_small_event(void **state)
{
	json_t *b = NULL, *objs, *o, *rep;
	size_t len;
	char *p = fixture("small-event.json", &len), err[256];

	(void)state;
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)), HL_OK);
	objs = json_object_get(b, "objects");
	assert_string_equal(json_string_value(json_object_get(b, "type")), "bundle");
	assert_int_equal(sum.attributes, 27);
	assert_int_equal(sum.converted, 22);
	assert_int_equal(sum.skipped, 5);
	assert_int_equal(sum.objects, json_array_size(objs));
	assert_int_equal(sum.objects, 25);
	assert_string_equal(sum.tlp, "amber");
	assert_string_equal(sum.event_uuid, "11111111-2222-4333-8444-555555555555");
	assert_string_equal(sum.info, "Test event: phishing wave");
	/* per type */
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "ip-dst"), 4);
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "filename|md5"), 1);
	assert_int_equal(hl_misp_stat_get(sum.conv, sum.nconv, "link"), 1);
	assert_int_equal(hl_misp_stat_get(sum.stix, sum.nstix, "indicator"), 14);
	assert_int_equal(count_type(objs, "indicator"), 14);
	assert_int_equal(count_type(objs, "observed-data"), 2);
	assert_int_equal(count_type(objs, "note"), 2);
	assert_int_equal(count_type(objs, "identity"), 1);
	assert_int_equal(count_type(objs, "threat-actor"), 1);
	assert_int_equal(count_type(objs, "attack-pattern"), 1);
	assert_int_equal(count_type(objs, "ipv4-addr"), 2);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "malformed value"), 2);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "unsupported type"), 2);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "malformed attribute (uuid)"), 1);
	assert_int_equal(sum.nskip, 5);
	assert_string_equal(sum.skip[0].uuid, "00000000-0000-4000-8000-000000000011");
	assert_string_equal(sum.skip[2].type, "yara");
	/* the report first, naming everything but the identity and the SCOs */
	rep = json_array_get(objs, 0);
	assert_string_equal(json_string_value(json_object_get(rep, "type")), "report");
	assert_string_equal(json_string_value(json_object_get(rep, "name")),
	    "Test event: phishing wave");
	assert_string_equal(json_string_value(json_object_get(rep, "published")),
	    "2026-11-18T11:08:20.000Z");
	assert_int_equal(json_array_size(json_object_get(rep, "object_refs")), 20);
	assert_string_equal(first_mark(rep), TLP_AMBER);
	assert_string_equal(json_string_value(json_array_get(json_object_get(rep, "labels"), 0)),
	    "type:OSINT");
	assert_string_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(rep, "external_references"), 0), "url")), "https://blog.example/report");
	/* patterns, escaping, CIDR, IPv6, composites, lower-cased hashes */
	assert_non_null(o = find_pattern(objs, "[ipv4-addr:value = '198.51.100.7']"));
	assert_string_equal(json_string_value(json_object_get(o, "description")), "C2");
	assert_string_equal(json_string_value(json_object_get(o, "valid_from")),
	    "2026-11-18T11:06:41.000Z");
	assert_string_equal(json_string_value(json_object_get(o, "pattern_type")), "stix");
	assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
	assert_non_null(find_pattern(objs, "[ipv4-addr:value = '203.0.113.0/24']"));
	assert_non_null(find_pattern(objs, "[ipv6-addr:value = '2001:db8::1']"));
	assert_non_null(find_pattern(objs, "[url:value = 'http://evil.example/it\\'s']"));
	assert_non_null(find_pattern(objs,
	    "[file:hashes.MD5 = 'd41d8cd98f00b204e9800998ecf8427e']"));
	assert_non_null(find_pattern(objs,
	    "[email-message:from_ref.value = 'boss@evil.example']"));
	assert_non_null(find_pattern(objs,
	    "[email-message:to_refs[*].value = 'victim@ministry.example']"));
	assert_non_null(find_pattern(objs, "[file:name = 'invoice.doc' AND "
	    "file:hashes.MD5 = '0cc175b9c0f1b6a831c399e269772661']"));
	/* the file object: one indicator, its text as description */
	assert_non_null(o = find_pattern(objs, "[file:name = 'drop.exe' AND file:hashes.'SHA-256' = "
	    "'ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb']"));
	assert_string_equal(json_string_value(json_object_get(o, "description")), "Malicious");
	/* an attribute's own TLP overrides the event's */
	assert_non_null(o = find_pattern(objs, "[domain-name:value = 'red.evil.example']"));
	assert_string_equal(first_mark(o), TLP_RED);
	assert_null(find_pattern(objs, "[ipv4-addr:value = '999.1.1.1']"));
	all_valid(b, "small-event.json");
	json_decref(b);
	free(p);
}

static void
test_deterministic(void **state)
{
	json_t *b1 = NULL, *b2 = NULL, *b3 = NULL;
	char *p, *d1, *d2, *d3, *at, err[256];
	size_t len;

	(void)state;
	p = fixture("small-event.json", &len);
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b1, &sum, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b2, &sum, err, sizeof(err)), HL_OK);
	d1 = json_dumps(b1, JSON_COMPACT);
	d2 = json_dumps(b2, JSON_COMPACT);
	assert_string_equal(d1, d2);
	/* another event uuid: other ids (but the SCOs, which name only their value) */
	at = strstr(p, "11111111-2222");
	assert_non_null(at);
	at[0] = '2';
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b3, &sum, err, sizeof(err)), HL_OK);
	d3 = json_dumps(b3, JSON_COMPACT);
	assert_string_not_equal(json_string_value(json_object_get(b1, "id")),
	    json_string_value(json_object_get(b3, "id")));
	assert_string_not_equal(json_string_value(json_object_get(json_array_get(
	    json_object_get(b1, "objects"), 0), "id")), json_string_value(json_object_get(
	    json_array_get(json_object_get(b3, "objects"), 0), "id")));
	assert_string_not_equal(d1, d3);
	hl_free(d1);
	hl_free(d2);
	hl_free(d3);
	json_decref(b1);
	json_decref(b2);
	json_decref(b3);
	free(p);
}

static void
expect_bad(const char *ev, int want_r, const char *want_msg)
{
	json_t *b = (json_t *)1;
	char err[256];
	int r;

	r = hl_misp_convert((const uint8_t *)ev, strlen(ev), &b, &sum, err, sizeof(err));
	if (r != want_r)
		fail_msg("%s: got %d (%s), want %d", ev, r, err, want_r);
	assert_null(b);
	if (strstr(err, want_msg) == NULL)
		fail_msg("%s: error \"%s\" lacks \"%s\"", ev, err, want_msg);
	assert_null(strchr(err, '\n'));
	assert_int_equal(sum.attributes, 0);
}

#define EVHEAD "{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"timestamp\":\"1795000000\""

static void
test_malformed(void **state)
{
	char *deep, *big;
	size_t i, cap, off;

	(void)state;
	expect_bad("", HL_ERR_MALFORMED, "empty");
	expect_bad("{", HL_ERR_MALFORMED, "not valid JSON");
	expect_bad("[1,2]", HL_ERR_MALFORMED, "no Event object");
	expect_bad("{\"Event\":[]}", HL_ERR_MALFORMED, "no Event object");
	expect_bad("{\"Event\":{\"info\":\"x\",\"timestamp\":\"1\"}}", HL_ERR_MALFORMED, "uuid");
	expect_bad("{\"uuid\":\"not-a-uuid\",\"timestamp\":\"1\"}", HL_ERR_MALFORMED, "uuid");
	expect_bad("{\"uuid\":\"11111111-2222-4333-8444-555555555555\"}", HL_ERR_MALFORMED,
	    "timestamp or date");
	expect_bad("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"timestamp\":\"12x\"}",
	    HL_ERR_MALFORMED, "timestamp or date");
	expect_bad("{\"uuid\":\"11111111-2222-4333-8444-555555555555\",\"date\":\"2026-13-01\"}",
	    HL_ERR_MALFORMED, "timestamp or date");
	expect_bad(EVHEAD ",\"Attribute\":{}}", HL_ERR_MALFORMED, "not an array");
	expect_bad(EVHEAD ",\"Object\":[{\"Attribute\":7}]}", HL_ERR_MALFORMED, "not an array");
	expect_bad(EVHEAD ",\"Tag\":\"tlp:red\"}", HL_ERR_MALFORMED, "Tag");
	expect_bad(EVHEAD ",\"uuid\":\"x\"}", HL_ERR_MALFORMED, "not valid JSON");   /* duplicate */
	/* nesting */
	deep = malloc(200);
	assert_non_null(deep);
	for (i = 0; i < 100; i++)
		deep[i] = '[';
	for (i = 100; i < 199; i++)
		deep[i] = ']';
	deep[199] = '\0';
	expect_bad(deep, HL_ERR_MALFORMED, "nested");
	free(deep);
	/* too many objects */
	cap = 128 + (HL_MISP_OBJECTS_MAX + 1) * 3;
	big = malloc(cap);
	assert_non_null(big);
	off = (size_t)snprintf(big, cap, "%s", EVHEAD ",\"Object\":[{}");
	for (i = 0; i < HL_MISP_OBJECTS_MAX; i++)
		off += (size_t)snprintf(big + off, cap - off, ",{}");
	snprintf(big + off, cap - off, "]}");
	expect_bad(big, HL_ERR_TOO_BIG, "more than");
	free(big);
}

static void
test_too_big(void **state)
{
	static const char small[] = "{}";
	json_t *b = NULL;
	char err[256];

	(void)state;
	/* the length is checked before a byte is read */
	assert_int_equal(hl_misp_convert((const uint8_t *)small, HL_MISP_MAX_BYTES + 1, &b, &sum,
	    err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_null(b);
	assert_non_null(strstr(err, "larger than"));
}

static void
test_bad_values_skipped(void **state)
{
	static const char ev[] = EVHEAD ",\"Attribute\":["
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"ip-dst\",\"value\":\"10.0.0.1/33\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"ip-dst\",\"value\":\"10.0.0.1\\u0001\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000003\",\"type\":\"domain\",\"value\":\"a b.example\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000004\",\"type\":\"sha256\",\"value\":\"abcd\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000005\",\"type\":\"email-src\",\"value\":\"a@b@c\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000006\",\"type\":\"filename|md5\",\"value\":\"nobar\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000007\",\"type\":\"ip-dst\",\"value\":\"\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000008\",\"type\":\"ip-dst\",\"value\":7,\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000009\",\"type\":\"attachment\",\"value\":\"a.pdf\"},"
	    "{\"uuid\":\"00000000-0000-4000-8000-00000000000a\",\"type\":\"ip-dst\",\"value\":\"10.0.0.9\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-00000000000a\",\"type\":\"ip-dst\",\"value\":\"10.0.0.9\",\"to_ids\":true},"
	    "5]}";
	json_t *b = NULL;
	char err[256];

	(void)state;
	assert_int_equal(hl_misp_convert((const uint8_t *)ev, strlen(ev), &b, &sum, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(sum.attributes, 12);
	assert_int_equal(sum.converted, 1);
	assert_int_equal(sum.skipped, 11);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "malformed value"), 6);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "empty value"), 1);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons,
	    "attachment data not imported"), 1);
	assert_int_equal(hl_misp_stat_get(sum.reasons, sum.nreasons, "duplicate uuid"), 1);
	/* report (refs: the one indicator) + indicator; no identity without Orgc */
	assert_int_equal(json_array_size(json_object_get(b, "objects")), 2);
	assert_string_equal(sum.tlp, "");
	json_decref(b);
}

/* A port written with leading zeros becomes an integer the STIX pattern
 * grammar accepts. */
static void
test_numeric_values(void **state)
{
	static const char ev[] = EVHEAD ",\"Attribute\":["
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000001\",\"type\":\"ip-dst|port\","
	    "\"value\":\"10.0.0.1|0080\",\"to_ids\":true},"
	    "{\"uuid\":\"00000000-0000-4000-8000-000000000002\",\"type\":\"ip-dst|port\","
	    "\"value\":\"10.0.0.2|0\",\"to_ids\":true}]}";
	json_t *b = NULL, *o;
	char err[256];
	size_t i;
	int seen = 0;

	(void)state;
	assert_int_equal(hl_misp_convert((const uint8_t *)ev, strlen(ev), &b, &sum, err,
	    sizeof(err)), HL_OK);
	all_valid(b, "ports");
	json_array_foreach(json_object_get(b, "objects"), i, o) {
		const char *p = json_string_value(json_object_get(o, "pattern"));

		if (p != NULL && strstr(p, "dst_port = 80]") != NULL)
			seen |= 1;
		if (p != NULL && strstr(p, "dst_port = 0]") != NULL)
			seen |= 2;
	}
	assert_int_equal(seen, 3);
	json_decref(b);
}

static void
test_summary_json(void **state)
{
	json_t *b = NULL, *j;
	size_t len;
	char *p = fixture("small-event.json", &len), err[256];

	(void)state;
	assert_int_equal(hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)), HL_OK);
	assert_non_null(j = hl_misp_summary_json(&sum));
	assert_int_equal(json_integer_value(json_object_get(j, "converted")), 22);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "skipped_by_reason"), "unsupported type")), 2);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(j,
	    "stix_by_type"), "note")), 2);
	assert_int_equal(json_array_size(json_object_get(j, "skipped_detail")), 5);
	assert_string_equal(json_string_value(json_object_get(j, "tlp")), "amber");
	json_decref(j);
	json_decref(b);
	free(p);
}

static void
test_alloc_failures(void **state)
{
	json_t *b = NULL;
	size_t len;
	char *p = fixture("small-event.json", &len), err[256];
	int64_t live = hl_alloc_live();
	uint64_t n;
	int r, ok = 0;

	(void)state;
	for (n = 1; n < 5000 && !ok; n += 7) {
		hl_alloc_fail_at(n);
		r = hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err));
		hl_alloc_fail_at(0);
		if (r == HL_OK) {
			ok = 1;
			json_decref(b);
		} else {
			assert_null(b);
			if (r != HL_ERR_NOMEM && r != HL_ERR_MALFORMED && r != HL_ERR_CRYPTO)
				fail_msg("allocation %u failed: %d", (unsigned)n, r);
		}
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(ok);
	free(p);
}

/* every real MISP event: valid JSON out, counts as SOURCE.md describes */
static void
test_real_events(void **state)
{
	static const struct {
		const char *file;
		unsigned attributes;
		unsigned min_indicators;
	} expect[] = {
		{ "57c4445b-c548-4654-af0b-4be3950d210f.json", 9, 5 },
		{ "existing_event.json", 9 + 113, 49 },
		{ "long_event.json", 370, 200 },
		{ "mainly_objects_1.json", 74, 5 },
		{ "to_delete1.json", 75, 40 },
		{ "to_delete2.json", 111 + 17, 90 },
		{ "to_delete3.json", 48 + 48, 40 },
	};
	const char *sd = getenv("HOTLINE_SHARED_DATA");
	char path[1024], err[256], *p, *dump;
	json_t *b, *back, *o;
	size_t len, i, k, nind;

	(void)state;
	if (sd == NULL || sd[0] == '\0') {
		print_message("misp real events: SKIPPED (HOTLINE_SHARED_DATA not set)\n");
		return;
	}
	snprintf(path, sizeof(path), "%s/misp-events/%s", sd, expect[0].file);
	if ((p = slurp(path, &len)) == NULL) {
		print_message("misp real events: SKIPPED (%s absent)\n", path);
		return;
	}
	free(p);
	for (i = 0; i < sizeof(expect) / sizeof(expect[0]); i++) {
		snprintf(path, sizeof(path), "%s/misp-events/%s", sd, expect[i].file);
		if ((p = slurp(path, &len)) == NULL)
			fail_msg("cannot read %s", path);
		b = NULL;
		if (hl_misp_convert((uint8_t *)p, len, &b, &sum, err, sizeof(err)) != HL_OK)
			fail_msg("%s: %s", expect[i].file, err);
		if (sum.attributes != expect[i].attributes)
			fail_msg("%s: %u attributes, want %u", expect[i].file, sum.attributes,
			    expect[i].attributes);
		assert_int_equal(sum.converted + sum.skipped, sum.attributes);
		assert_string_equal(sum.tlp, "clear");
		/* the bundle serialises to JSON that parses back the same */
		dump = json_dumps(b, JSON_COMPACT);
		assert_non_null(dump);
		back = json_loads(dump, JSON_REJECT_DUPLICATES, NULL);
		assert_non_null(back);
		assert_true(json_equal(b, back));
		assert_int_equal(json_array_size(json_object_get(back, "objects")), sum.objects);
		nind = 0;
		json_array_foreach(json_object_get(back, "objects"), k, o) {
			const char *id = json_string_value(json_object_get(o, "id"));
			const char *ty = json_string_value(json_object_get(o, "type"));

			assert_non_null(id);
			assert_non_null(ty);
			assert_int_equal(strncmp(id, ty, strlen(ty)), 0);
			assert_int_equal(strlen(id), strlen(ty) + 2 + 36);
			assert_string_equal(json_string_value(json_object_get(o, "spec_version")), "2.1");
			assert_string_equal(first_mark(o), TLP_CLEAR);
			if (strcmp(ty, "indicator") == 0) {
				nind++;
				assert_int_equal(json_string_value(json_object_get(o, "pattern"))[0], '[');
			}
		}
		all_valid(b, expect[i].file);
		if (nind < expect[i].min_indicators)
			fail_msg("%s: %zu indicators, want at least %u", expect[i].file, nind,
			    expect[i].min_indicators);
		print_message("%s: %u attributes, %u converted, %u skipped, %u STIX objects\n",
		    expect[i].file, sum.attributes, sum.converted, sum.skipped, sum.objects);
		json_decref(back);
		hl_free(dump);
		json_decref(b);
		free(p);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_uuid5_vector),
		cmocka_unit_test(test_small_event),
		cmocka_unit_test(test_deterministic),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_too_big),
		cmocka_unit_test(test_bad_values_skipped),
		cmocka_unit_test(test_numeric_values),
		cmocka_unit_test(test_summary_json),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_real_events),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
