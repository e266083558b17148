/* test_track.c: the track record codec (valid records, every malformed
 * field, limits, times, canonical encoding and its round trip) and the
 * glue into the store's picture (ordering, counting, exercise kept apart,
 * invalid records audited, catch-up). */
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "envelope.h"
#include "errors.h"
#include "store.h"
#include "track.h"

static const char full[] =
    "{\"track_id\":\"JPN-0042\",\"observed\":\"2026-11-23T23:41:00.25Z\","
    "\"position\":{\"lat\":39,\"lon\":135.2,\"alt_m\":120000},"
    "\"velocity\":{\"speed_mps\":2500,\"heading_deg\":90,\"climb_mps\":-50},"
    "\"impact_area\":{\"lat\":40.1,\"lon\":139.5,\"radius_km\":50},"
    "\"confidence\":0.8,\"remark\":\"Ballistic \\\"fast\\\" \xc3\xa9\"}";

static const char minimal[] =
    "{\"track_id\":\"a\",\"observed\":\"2026-01-01T00:00:00Z\","
    "\"position\":{\"lat\":0,\"lon\":0},\"velocity\":{\"speed_mps\":0,\"heading_deg\":0},"
    "\"confidence\":0}";

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

static int
parse_str(const char *s, struct hl_track *t, char *err, size_t errlen)
{
	return hl_track_parse((const uint8_t *)s, strlen(s), t, err, errlen);
}

/* the record must fail with a message containing want */
static void
expect_bad(const char *rec, const char *want)
{
	struct hl_track t;
	char err[256];
	int r;

	r = parse_str(rec, &t, err, sizeof(err));
	if (r == HL_OK)
		fail_msg("accepted: %s", rec);
	if (strstr(err, want) == NULL)
		fail_msg("record %s: error \"%s\" does not contain \"%s\"", rec, err, want);
	assert_null(strchr(err, '\n'));
	assert_string_equal(t.track_id, "");   /* cleared on failure */
}

static void
test_parse_full(void **state)
{
	struct hl_track t;
	char err[256], tm[HL_TRACK_TIME_LEN];

	(void)state;
	assert_int_equal(parse_str(full, &t, err, sizeof(err)), HL_OK);
	assert_string_equal(t.track_id, "JPN-0042");
	hl_track_format_time(t.observed_s, t.observed_ns, tm);
	assert_string_equal(tm, "2026-11-23T23:41:00.25Z");
	assert_int_equal(t.observed_ns, 250000000);
	assert_true(t.lat == 39.0 && t.lon == 135.2);
	assert_true(t.has_alt && t.alt_m == 120000);
	assert_true(t.speed_mps == 2500 && t.heading_deg == 90);
	assert_true(t.has_climb && t.climb_mps == -50);
	assert_true(t.has_impact && t.impact_lat == 40.1 && t.impact_lon == 139.5 &&
	    t.impact_radius_km == 50);
	assert_true(t.confidence == 0.8);
	assert_true(t.has_remark);
	assert_string_equal(t.remark, "Ballistic \"fast\" \xc3\xa9");
}

static void
test_parse_minimal(void **state)
{
	struct hl_track t;
	char err[256];

	(void)state;
	assert_int_equal(parse_str(minimal, &t, err, sizeof(err)), HL_OK);
	assert_false(t.has_alt || t.has_climb || t.has_impact || t.has_remark);
	assert_int_equal(t.observed_s, 1767225600);
	/* whitespace and key order do not matter; limits are inclusive */
	assert_int_equal(parse_str(" {\"confidence\":1,\"velocity\":{\"heading_deg\":360,"
	    "\"speed_mps\":1e3},\"position\":{\"lon\":-180,\"lat\":-90},"
	    "\"observed\":\"1970-01-01t00:00:00+00:00\",\"track_id\":\"A.b_c:d-9\"}\n", &t, err,
	    sizeof(err)), HL_OK);
	assert_true(t.lat == -90 && t.lon == -180 && t.heading_deg == 360 && t.confidence == 1);
	assert_int_equal(t.observed_s, 0);
}

static void
test_parse_malformed(void **state)
{
	(void)state;
	expect_bad("", "empty");
	expect_bad("[]", "must be a JSON object");
	expect_bad("{", "not valid JSON");
	expect_bad("{\"track_id\":\"a\"} x", "not valid JSON");
	expect_bad("{\"track_id\":\"a\",\"track_id\":\"b\"}", "not valid JSON");   /* duplicate */
	expect_bad("{\"x\":1}", "unknown field \"x\"");
	expect_bad("{\"track_id\":\"a\",\"observed\":\"2026-01-01T00:00:00Z\","
	    "\"position\":{\"lat\":0,\"lon\":0,\"z\":1}}", "unknown field \"position.z\"");
	expect_bad("{\"\\u0001\":1}", "unknown field in the track record");
	/* track_id */
	expect_bad("{\"observed\":\"2026-01-01T00:00:00Z\"}", "track_id: missing");
	expect_bad("{\"track_id\":5}", "track_id: must be a string");
	expect_bad("{\"track_id\":\"\"}", "track_id");
	expect_bad("{\"track_id\":\"a b\"}", "track_id");
	expect_bad("{\"track_id\":\"a/b\"}", "track_id");
	expect_bad("{\"track_id\":\"0123456789012345678901234567890123456789012345678901234567890123"
	    "4\"}", "track_id");
	/* observed */
	expect_bad("{\"track_id\":\"a\"}", "observed: missing");
	{
		static const char *const bad_times[] = {
			"2026-11-23T23:41:00", "2026-11-23 23:41:00Z", "2026-11-23T23:41:00+09:00",
			"2026-11-23T23:41:00-00:00", "2026-13-01T00:00:00Z", "2026-02-29T00:00:00Z",
			"2026-04-31T00:00:00Z", "2026-11-23T24:00:00Z", "2026-11-23T23:60:00Z",
			"2026-11-23T23:59:60Z", "2026-11-23T23:41:00.Z", "2026-11-23T23:41:00.1234567890Z",
			"26-11-23T23:41:00Z", "2026-1-23T23:41:00Z", "+026-11-23T23:41:00Z",
			"2026-11-23T23:41:00ZZ", "2026-00-10T00:00:00Z", "2026-11-00T00:00:00Z", "",
		};
		char rec[200];
		size_t i;

		for (i = 0; i < sizeof(bad_times) / sizeof(bad_times[0]); i++) {
			snprintf(rec, sizeof(rec), "{\"track_id\":\"a\",\"observed\":\"%s\"}",
			    bad_times[i]);
			expect_bad(rec, "observed: must be an RFC 3339 UTC time");
		}
		expect_bad("{\"track_id\":\"a\",\"observed\":1}", "observed: must be");
	}
#define HEAD "{\"track_id\":\"a\",\"observed\":\"2024-02-29T00:00:00Z\","
#define VEL "\"velocity\":{\"speed_mps\":1,\"heading_deg\":1}"
#define POS "\"position\":{\"lat\":1,\"lon\":1}"
	/* position */
	expect_bad(HEAD "\"confidence\":1}", "position: missing");
	expect_bad(HEAD "\"position\":[1,2]}", "position: must be an object");
	expect_bad(HEAD "\"position\":{\"lon\":1}}", "position.lat: missing");
	expect_bad(HEAD "\"position\":{\"lat\":1}}", "position.lon: missing");
	expect_bad(HEAD "\"position\":{\"lat\":\"1\",\"lon\":1}}", "position.lat: must be a number");
	expect_bad(HEAD "\"position\":{\"lat\":null,\"lon\":1}}", "position.lat: must be a number");
	expect_bad(HEAD "\"position\":{\"lat\":1,\"lon\":1,\"alt_m\":true}}",
	    "position.alt_m: must be a number");
	expect_bad(HEAD "\"position\":{\"lat\":95,\"lon\":1}," VEL ",\"confidence\":1}",
	    "position.lat: must be from -90 to 90");
	expect_bad(HEAD "\"position\":{\"lat\":-90.0001,\"lon\":1}," VEL ",\"confidence\":1}",
	    "position.lat: must be from -90 to 90");
	expect_bad(HEAD "\"position\":{\"lat\":1,\"lon\":180.5}," VEL ",\"confidence\":1}",
	    "position.lon: must be from -180 to 180");
	expect_bad(HEAD "\"position\":{\"lat\":1e400,\"lon\":1}}", "not valid JSON");
	/* velocity */
	expect_bad(HEAD POS "}", "velocity: missing");
	expect_bad(HEAD POS ",\"velocity\":1}", "velocity: must be an object");
	expect_bad(HEAD POS ",\"velocity\":{\"heading_deg\":1}}", "velocity.speed_mps: missing");
	expect_bad(HEAD POS ",\"velocity\":{\"speed_mps\":1}}", "velocity.heading_deg: missing");
	expect_bad(HEAD POS ",\"velocity\":{\"speed_mps\":1,\"heading_deg\":1,\"x\":1}}",
	    "unknown field \"velocity.x\"");
	expect_bad(HEAD POS ",\"velocity\":{\"speed_mps\":-1,\"heading_deg\":1},\"confidence\":1}",
	    "velocity.speed_mps: must be 0 or more");
	expect_bad(HEAD POS ",\"velocity\":{\"speed_mps\":1,\"heading_deg\":360.1},\"confidence\":1}",
	    "velocity.heading_deg: must be from 0 to 360");
	expect_bad(HEAD POS ",\"velocity\":{\"speed_mps\":1,\"heading_deg\":-1},\"confidence\":1}",
	    "velocity.heading_deg");
	expect_bad(HEAD POS ",\"velocity\":{\"speed_mps\":1,\"heading_deg\":1,\"climb_mps\":\"up\"}}",
	    "velocity.climb_mps: must be a number");
	/* impact area */
	expect_bad(HEAD POS "," VEL ",\"impact_area\":null}", "impact_area: must be an object");
	expect_bad(HEAD POS "," VEL ",\"impact_area\":{\"lat\":1,\"lon\":1}}",
	    "impact_area.radius_km: missing");
	expect_bad(HEAD POS "," VEL ",\"impact_area\":{\"lat\":1,\"lon\":1,\"radius_km\":0},"
	    "\"confidence\":1}", "impact_area.radius_km: must be more than 0");
	expect_bad(HEAD POS "," VEL ",\"impact_area\":{\"lat\":91,\"lon\":1,\"radius_km\":1},"
	    "\"confidence\":1}", "impact_area.lat");
	expect_bad(HEAD POS "," VEL ",\"impact_area\":{\"lat\":1,\"lon\":-181,\"radius_km\":1},"
	    "\"confidence\":1}", "impact_area.lon");
	expect_bad(HEAD POS "," VEL ",\"impact_area\":{\"lat\":1,\"lon\":1,\"radius_km\":1,"
	    "\"r\":2}}", "unknown field \"impact_area.r\"");
	/* confidence */
	expect_bad(HEAD POS "," VEL "}", "confidence: missing");
	expect_bad(HEAD POS "," VEL ",\"confidence\":\"high\"}", "confidence: must be a number");
	expect_bad(HEAD POS "," VEL ",\"confidence\":1.01}", "confidence: must be from 0 to 1");
	expect_bad(HEAD POS "," VEL ",\"confidence\":-0.1}", "confidence: must be from 0 to 1");
	/* remark */
	expect_bad(HEAD POS "," VEL ",\"confidence\":1,\"remark\":1}", "remark: must be a string");
	expect_bad(HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"a\\nb\"}",
	    "remark: must be UTF-8 text without control characters");
	expect_bad(HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"a\\u007fb\"}", "remark");
	expect_bad(HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"a\\u0085b\"}", "remark");
	expect_bad(HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"a\\u0000b\"}", "not valid JSON");
	expect_bad(HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"\xff\"}", "not valid JSON");
}

static void
test_limits(void **state)
{
	struct hl_track t;
	char err[256], *big;
	size_t n;

	(void)state;
	/* size: 16 KiB accepted (padded with whitespace), one more byte is not */
	n = strlen(minimal);
	big = malloc(HL_TRACK_MAX_BYTES + 2);
	assert_non_null(big);
	memcpy(big, minimal, n);
	memset(big + n, ' ', HL_TRACK_MAX_BYTES + 1 - n);
	assert_int_equal(hl_track_parse((uint8_t *)big, HL_TRACK_MAX_BYTES, &t, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(hl_track_parse((uint8_t *)big, HL_TRACK_MAX_BYTES + 1, &t, err,
	    sizeof(err)), HL_ERR_TOO_BIG);
	assert_non_null(strstr(err, "larger than 16384"));
	free(big);
	/* depth: 4 levels parse (then fail on type), 5 are refused first */
	expect_bad("{\"position\":{\"lat\":[[1]]}}", "track_id: missing");
	expect_bad("{\"position\":{\"lat\":[[[1]]]}}", "nested deeper than 4");
	expect_bad("[[[[[1]]]]]", "nested deeper than 4");
	/* braces inside strings do not count */
	{
		char rec[600];

		snprintf(rec, sizeof(rec), HEAD POS "," VEL ",\"confidence\":1,\"remark\":"
		    "\"{{{{{{[[[[[\\\"\"}");
		assert_int_equal(parse_str(rec, &t, err, sizeof(err)), HL_OK);
		assert_string_equal(t.remark, "{{{{{{[[[[[\"");
	}
	/* remark: 1024 bytes accepted, 1025 refused */
	{
		char rec[1400], rem[1030];

		memset(rem, 'r', 1024);
		rem[1024] = '\0';
		snprintf(rec, sizeof(rec), HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"%s\"}",
		    rem);
		assert_int_equal(parse_str(rec, &t, err, sizeof(err)), HL_OK);
		rem[1024] = 'r';
		rem[1025] = '\0';
		snprintf(rec, sizeof(rec), HEAD POS "," VEL ",\"confidence\":1,\"remark\":\"%s\"}",
		    rem);
		expect_bad(rec, "remark: longer than 1024 bytes");
	}
	/* track_id: 64 accepted */
	assert_int_equal(parse_str("{\"track_id\":\"012345678901234567890123456789012345678901"
	    "2345678901234567890123\",\"observed\":\"2026-01-01T00:00:00Z\",\"position\":"
	    "{\"lat\":0,\"lon\":0},\"velocity\":{\"speed_mps\":0,\"heading_deg\":0},"
	    "\"confidence\":0}", &t, err, sizeof(err)), HL_OK);
	assert_int_equal(strlen(t.track_id), 64);
	/* bad arguments */
	assert_int_equal(hl_track_parse(NULL, 1, &t, err, sizeof(err)), HL_ERR_INVALID);
	assert_int_equal(hl_track_parse((const uint8_t *)"{}", 2, NULL, NULL, 0), HL_ERR_INVALID);
}

static void
test_times(void **state)
{
	int64_t s;
	uint32_t ns;
	char tm[HL_TRACK_TIME_LEN];

	(void)state;
	assert_int_equal(hl_track_parse_time("2026-11-23T23:41:00Z", 20, &s, &ns), HL_OK);
	assert_int_equal(s, 1795477260);
	assert_int_equal(ns, 0);
	assert_int_equal(hl_track_parse_time("2026-11-23T23:41:00.000000001Z", 30, &s, &ns), HL_OK);
	assert_int_equal(ns, 1);
	hl_track_format_time(s, ns, tm);
	assert_string_equal(tm, "2026-11-23T23:41:00.000000001Z");
	assert_int_equal(hl_track_parse_time("2026-11-23T23:41:00.500Z", 24, &s, &ns), HL_OK);
	hl_track_format_time(s, ns, tm);
	assert_string_equal(tm, "2026-11-23T23:41:00.5Z");
	assert_int_equal(hl_track_parse_time("2026-11-23T23:41:00.000Z", 24, &s, &ns), HL_OK);
	hl_track_format_time(s, ns, tm);
	assert_string_equal(tm, "2026-11-23T23:41:00Z");
	/* extremes and leap days */
	assert_int_equal(hl_track_parse_time("0000-01-01T00:00:00Z", 20, &s, &ns), HL_OK);
	hl_track_format_time(s, ns, tm);
	assert_string_equal(tm, "0000-01-01T00:00:00Z");
	assert_int_equal(hl_track_parse_time("9999-12-31T23:59:59.999999999Z", 30, &s, &ns), HL_OK);
	hl_track_format_time(s, ns, tm);
	assert_string_equal(tm, "9999-12-31T23:59:59.999999999Z");
	assert_int_equal(hl_track_parse_time("1969-12-31T23:59:59Z", 20, &s, &ns), HL_OK);
	assert_int_equal(s, -1);
	hl_track_format_time(s, ns, tm);
	assert_string_equal(tm, "1969-12-31T23:59:59Z");
	assert_int_equal(hl_track_parse_time("2000-02-29T12:00:00Z", 20, &s, &ns), HL_OK);
	assert_int_equal(hl_track_parse_time("1900-02-29T12:00:00Z", 20, &s, &ns), HL_ERR_MALFORMED);
	/* the length bounds the parse: no reading past it */
	assert_int_equal(hl_track_parse_time("2026-11-23T23:41:00Z", 19, &s, &ns), HL_ERR_MALFORMED);
	assert_int_equal(hl_track_parse_time("2026-11-23T23:41:00.5Z", 21, &s, &ns),
	    HL_ERR_MALFORMED);
	/* out of range formats as "" */
	hl_track_format_time(253402300800LL, 0, tm);
	assert_string_equal(tm, "");
}

/* Equal in every field that is present (bit for bit for numbers). */
static void
same_track(const struct hl_track *a, const struct hl_track *b)
{
	assert_string_equal(a->track_id, b->track_id);
	assert_int_equal(a->observed_s, b->observed_s);
	assert_int_equal(a->observed_ns, b->observed_ns);
	assert_memory_equal(&a->lat, &b->lat, sizeof(double));
	assert_memory_equal(&a->lon, &b->lon, sizeof(double));
	assert_int_equal(a->has_alt, b->has_alt);
	if (a->has_alt)
		assert_memory_equal(&a->alt_m, &b->alt_m, sizeof(double));
	assert_memory_equal(&a->speed_mps, &b->speed_mps, sizeof(double));
	assert_memory_equal(&a->heading_deg, &b->heading_deg, sizeof(double));
	assert_int_equal(a->has_climb, b->has_climb);
	if (a->has_climb)
		assert_memory_equal(&a->climb_mps, &b->climb_mps, sizeof(double));
	assert_int_equal(a->has_impact, b->has_impact);
	if (a->has_impact) {
		assert_memory_equal(&a->impact_lat, &b->impact_lat, sizeof(double));
		assert_memory_equal(&a->impact_lon, &b->impact_lon, sizeof(double));
		assert_memory_equal(&a->impact_radius_km, &b->impact_radius_km, sizeof(double));
	}
	assert_memory_equal(&a->confidence, &b->confidence, sizeof(double));
	assert_int_equal(a->has_remark, b->has_remark);
	if (a->has_remark)
		assert_string_equal(a->remark, b->remark);
}

static void
roundtrip(const struct hl_track *t)
{
	struct hl_track u;
	uint8_t *e1 = NULL, *e2 = NULL;
	size_t l1, l2;
	char err[256];

	assert_int_equal(hl_track_encode(t, &e1, &l1), HL_OK);
	assert_int_equal(hl_track_parse(e1, l1, &u, err, sizeof(err)), HL_OK);
	same_track(t, &u);
	assert_int_equal(hl_track_encode(&u, &e2, &l2), HL_OK);
	assert_int_equal(l1, l2);
	assert_memory_equal(e1, e2, l1);
	hl_free(e1);
	hl_free(e2);
}

static void
test_encode(void **state)
{
	struct hl_track t;
	uint8_t *e = NULL;
	size_t len;
	char err[256];
	unsigned i;

	(void)state;
	assert_int_equal(parse_str(full, &t, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_track_encode(&t, &e, &len), HL_OK);
	assert_int_equal(len, strlen(
	    "{\"track_id\":\"JPN-0042\",\"observed\":\"2026-11-23T23:41:00.25Z\","
	    "\"position\":{\"lat\":39,\"lon\":135.2,\"alt_m\":120000},"
	    "\"velocity\":{\"speed_mps\":2500,\"heading_deg\":90,\"climb_mps\":-50},"
	    "\"impact_area\":{\"lat\":40.1,\"lon\":139.5,\"radius_km\":50},"
	    "\"confidence\":0.8,\"remark\":\"Ballistic \\\"fast\\\" \xc3\xa9\"}"));
	assert_memory_equal(e, full, len);   /* full is already canonical */
	hl_free(e);
	roundtrip(&t);
	/* minimal, reordered input encodes in the fixed order */
	assert_int_equal(parse_str("{\"confidence\":0.5,\"velocity\":{\"heading_deg\":1,"
	    "\"speed_mps\":2},\"position\":{\"lon\":-0.0,\"lat\":1.50},\"observed\":"
	    "\"2026-01-01t00:00:00.100+00:00\",\"track_id\":\"t\"}", &t, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_track_encode(&t, &e, &len), HL_OK);
	assert_int_equal(len, strlen("{\"track_id\":\"t\",\"observed\":\"2026-01-01T00:00:00.1Z\","
	    "\"position\":{\"lat\":1.5,\"lon\":0},\"velocity\":{\"speed_mps\":2,\"heading_deg\":1},"
	    "\"confidence\":0.5}"));
	assert_memory_equal(e, "{\"track_id\":\"t\",\"observed\":\"2026-01-01T00:00:00.1Z\","
	    "\"position\":{\"lat\":1.5,\"lon\":0},\"velocity\":{\"speed_mps\":2,\"heading_deg\":1},"
	    "\"confidence\":0.5}", len);
	hl_free(e);
	roundtrip(&t);
	/* awkward doubles round-trip exactly */
	srand(7);
	for (i = 0; i < 2000; i++) {
		memset(&t, 0, sizeof(t));
		snprintf(t.track_id, sizeof(t.track_id), "R-%u", i);
		t.observed_s = (int64_t)rand() * 17 - 1000000000LL;
		t.observed_ns = (uint32_t)rand() % 1000000000u;
		t.lat = ((double)rand() / RAND_MAX) * 180 - 90;
		t.lon = ((double)rand() / RAND_MAX) * 360 - 180;
		t.has_alt = 1;
		t.alt_m = ((double)rand() - RAND_MAX / 2) * 1e7 / 3.0;
		t.speed_mps = (double)rand() / 7.0;
		t.heading_deg = ((double)rand() / RAND_MAX) * 360;
		t.has_climb = i & 1;
		t.climb_mps = 1e-300 * rand();
		t.has_impact = (i & 2) != 0;
		t.impact_lat = 1.0 / 3;
		t.impact_lon = -2.0 / 3;
		t.impact_radius_km = 5e-324;   /* smallest subnormal, > 0 */
		t.confidence = (double)rand() / RAND_MAX;
		t.has_remark = (i & 4) != 0;
		snprintf(t.remark, sizeof(t.remark), "\\ \"%u\" \xe2\x80\xa8 \xf0\x9f\x9b\xb0", i);
		roundtrip(&t);
	}
}

static void
test_check(void **state)
{
	struct hl_track t;
	uint8_t *e = (uint8_t *)"x";
	size_t len = 1;
	char err[256];

	(void)state;
	assert_int_equal(parse_str(minimal, &t, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_OK);
	t.lat = NAN;
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_string_equal(err, "position.lat: must be from -90 to 90");
	assert_int_equal(hl_track_encode(&t, &e, &len), HL_ERR_MALFORMED);
	assert_null(e);
	assert_int_equal(len, 0);
	t.lat = 0;
	t.has_alt = 1;
	t.alt_m = INFINITY;
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_string_equal(err, "position.alt_m: must be a finite number");
	t.has_alt = 0;
	t.has_remark = 1;
	memcpy(t.remark, "\xc0\xaf", 3);                 /* overlong '/' */
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	memcpy(t.remark, "\xed\xa0\x80", 4);             /* surrogate */
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	memcpy(t.remark, "\xf4\x90\x80\x80", 5);         /* past U+10FFFF */
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	memcpy(t.remark, "\xe2\x82", 3);                 /* truncated */
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	memcpy(t.remark, "a\tb", 4);
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	memcpy(t.remark, "ok \xe2\x82\xac", 7);
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_OK);
	memset(t.remark, 'x', sizeof(t.remark));         /* not terminated */
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	t.has_remark = 0;
	memset(t.track_id, 'x', sizeof(t.track_id));     /* not terminated */
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_track_check(NULL, err, sizeof(err)), HL_ERR_MALFORMED);
	memcpy(t.track_id, "a", 2);
	t.observed_s = 253402300800LL;
	assert_int_equal(hl_track_check(&t, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "observed"));
}

static void
test_alloc_failures(void **state)
{
	struct hl_track t;
	uint8_t *e;
	size_t len;
	char err[256];
	uint64_t n;
	int r, ok = 0;

	(void)state;
	for (n = 1; n < 200 && !ok; n++) {
		hl_alloc_fail_at(n);
		r = parse_str(full, &t, err, sizeof(err));
		hl_alloc_fail_at(0);
		if (r == HL_OK)
			ok = 1;
		else
			assert_true(r == HL_ERR_MALFORMED || r == HL_ERR_NOMEM);
	}
	assert_true(ok);
	assert_int_equal(parse_str(full, &t, err, sizeof(err)), HL_OK);
	hl_alloc_fail_at(1);
	r = hl_track_encode(&t, &e, &len);
	hl_alloc_fail_at(0);
	assert_true(r == HL_ERR_NOMEM || r == HL_ERR_TOO_BIG);
	assert_null(e);
}

/* ---- the glue into the store ---- */

struct sfx {
	char dir[64];
	char path[128];
	struct hl_store *s;
	unsigned seq;
};

static int
store_setup(void **state)
{
	struct sfx *f = calloc(1, sizeof(*f));
	char err[256];

	hl_apijson_init();
	if (f == NULL)
		return -1;
	snprintf(f->dir, sizeof(f->dir), "/tmp/hl-track-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	if (hl_store_open(f->path, &f->s, err, sizeof(err)) != HL_OK)
		return -1;
	*state = f;
	return 0;
}

static int
store_teardown(void **state)
{
	struct sfx *f = *state;
	char p[160];

	hl_store_close(f->s);
	(void)unlink(f->path);
	snprintf(p, sizeof(p), "%s-wal", f->path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s-shm", f->path);
	(void)unlink(p);
	snprintf(p, sizeof(p), "%s.blobs", f->path);
	(void)rmdir(p);   /* the envelope files' directory, empty here */
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

/* Store an inbound envelope from origin with content c (type track unless
 * ct given), as the node does. OUT: id. */
static void
put_env(struct sfx *f, const char *origin, int exercise, uint8_t ct, const char *c,
    uint8_t id[HL_ID_BYTES])
{
	struct hl_msg m;
	static const uint8_t label[] = { 1, 2, 3 };

	memset(&m, 0, sizeof(m));
	memset(id, 0, HL_ID_BYTES);
	f->seq++;
	memcpy(id, &f->seq, sizeof(f->seq));
	memcpy(m.id, id, HL_ID_BYTES);
	m.inbound = 1;
	snprintf(m.origin, sizeof(m.origin), "%s", origin);
	snprintf(m.originator, sizeof(m.originator), "admin");
	m.precedence = HL_PREC_FLASH;
	m.content_type = ct;
	m.flags = exercise ? HL_ENV_FLAG_EXERCISE : 0;
	m.suite = HL_SUITE_X25519;
	memcpy(m.label, label, sizeof(label));
	m.label_len = sizeof(label);
	m.created_ms = 1000;
	m.expires_ms = 2000;
	m.stored_ms = 1000 + f->seq;
	m.sig_ok = 1;
	m.content = (uint8_t *)(uintptr_t)c;
	m.content_len = strlen(c);
	m.raw = (uint8_t *)"raw";
	m.raw_len = 3;
	assert_int_equal(hl_store_put_inbound(f->s, &m, (const uint8_t *)"rcpt", 4), HL_OK);
}

static void
rec(char *out, size_t outsz, const char *tid, const char *obs, double lat)
{
	snprintf(out, outsz, "{\"track_id\":\"%s\",\"observed\":\"%s\",\"position\":{\"lat\":%g,"
	    "\"lon\":1},\"velocity\":{\"speed_mps\":1,\"heading_deg\":1},\"confidence\":1}",
	    tid, obs, lat);
}

static void
report(struct sfx *f, const char *origin, int exercise, const char *tid, const char *obs,
    double lat, uint8_t id[HL_ID_BYTES])
{
	char r[400];

	rec(r, sizeof(r), tid, obs, lat);
	put_env(f, origin, exercise, HL_CT_TRACK, r, id);
	assert_int_equal(hl_tracks_ingest(f->s, id, NULL, NULL), HL_OK);
}

static void
test_picture(void **state)
{
	struct sfx *f = *state;
	struct hl_track_row *rows = NULL;
	struct hl_track t;
	uint8_t a1[16], a2[16], a3[16], a4[16], b1[16], b2[16], x1[16], k1[16], bad[16], txt[16];
	uint64_t cnt = 0;
	size_t n = 0;
	char err[256];

	report(f, "JPN/node-1", 0, "A", "2026-11-23T23:41:00Z", 1, a1);
	report(f, "JPN/node-1", 0, "A", "2026-11-23T23:40:00Z", 2, a2);    /* older, later */
	report(f, "JPN/node-1", 0, "B", "2026-11-23T23:30:00Z", 3, b1);
	report(f, "JPN/node-1", 0, "B", "2026-11-23T23:30:00Z", 4, b2);    /* equal, later */
	report(f, "JPN/node-1", 0, "A", "2026-11-23T23:42:00.5Z", 5, a3);  /* newest */
	report(f, "JPN/node-1", 0, "A", "2026-11-23T23:42:00.25Z", 8, a4); /* same second, older */
	report(f, "JPN/node-1", 1, "A", "2026-11-23T23:59:00Z", 6, x1);    /* exercise */
	report(f, "KOR/node-1", 0, "A", "2026-11-23T23:00:00Z", 7, k1);    /* other origin */
	/* idempotent */
	assert_int_equal(hl_tracks_ingest(f->s, a1, NULL, NULL), HL_OK);
	assert_int_equal(hl_store_tracks(f->s, 100, &rows, &n), HL_OK);
	assert_int_equal(n, 4);
	/* newest observation first: exercise A, real A, B, KOR's A */
	assert_string_equal(rows[0].track_id, "A");
	assert_true(rows[0].exercise);
	assert_memory_equal(rows[0].id, x1, 16);
	assert_int_equal(rows[0].updates, 1);
	assert_false(rows[1].exercise);
	assert_memory_equal(rows[1].id, a3, 16);
	assert_int_equal(rows[1].updates, 4);
	assert_string_equal(rows[1].origin, "JPN/node-1");
	assert_int_equal(rows[1].label_len, 3);
	assert_int_equal(hl_track_parse(rows[1].record, rows[1].record_len, &t, err, sizeof(err)),
	    HL_OK);
	assert_true(t.lat == 5);
	assert_string_equal(rows[2].track_id, "B");
	assert_memory_equal(rows[2].id, b2, 16);
	assert_int_equal(rows[2].updates, 2);
	assert_string_equal(rows[3].origin, "KOR/node-1");
	assert_memory_equal(rows[3].id, k1, 16);
	hl_store_track_rows_free(rows, n);
	rows = NULL;
	/* max bounds the answer */
	assert_int_equal(hl_store_tracks(f->s, 2, &rows, &n), HL_OK);
	assert_int_equal(n, 2);
	hl_store_track_rows_free(rows, n);
	/* history: every update of A, any origin, newest observation first */
	assert_int_equal(hl_store_track_history(f->s, "A", 100, &rows, &n), HL_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(rows[0].id, x1, 16);
	assert_memory_equal(rows[1].id, a3, 16);
	assert_memory_equal(rows[2].id, a4, 16);
	assert_memory_equal(rows[3].id, a1, 16);
	assert_memory_equal(rows[4].id, a2, 16);
	assert_memory_equal(rows[5].id, k1, 16);
	hl_store_track_rows_free(rows, n);
	(void)a2;
	(void)b1;
	/* an invalid record is kept out of the picture and audited */
	assert_int_equal(hl_store_counts(f->s, NULL, NULL, &cnt), HL_OK);
	put_env(f, "JPN/node-1", 0, HL_CT_TRACK, "{\"track_id\":\"A\"}", bad);
	assert_int_equal(hl_tracks_ingest(f->s, bad, NULL, NULL), HL_OK);
	assert_int_equal(hl_tracks_ingest(f->s, bad, NULL, NULL), HL_OK);   /* once only */
	{
		struct hl_audit_entry *ae = NULL;
		uint64_t c2 = 0, bseq;
		size_t na = 0;

		assert_int_equal(hl_store_counts(f->s, NULL, NULL, &c2), HL_OK);
		assert_int_equal(c2, cnt + 1);
		assert_int_equal(hl_store_audit_list(f->s, c2, 10, &ae, &na), HL_OK);
		assert_int_equal(na, 1);
		assert_string_equal(ae[0].event, "track-invalid");
		assert_string_equal(ae[0].actor, "JPN/node-1");
		assert_non_null(strstr(ae[0].detail, "observed: missing"));
		assert_memory_equal(ae[0].id, bad, 16);
		hl_free(ae);
		assert_int_equal(hl_store_audit_verify(f->s, &c2, &bseq, err, sizeof(err)), HL_OK);
	}
	assert_int_equal(hl_store_track_history(f->s, "A", 100, &rows, &n), HL_OK);
	assert_int_equal(n, 6);
	hl_store_track_rows_free(rows, n);
	/* a text envelope is not a track; an unknown id is not found */
	put_env(f, "JPN/node-1", 0, HL_CT_TEXT, "hello", txt);
	assert_int_equal(hl_tracks_ingest(f->s, txt, NULL, NULL), HL_ERR_INVALID);
	memset(txt, 0xee, sizeof(txt));
	assert_int_equal(hl_tracks_ingest(f->s, txt, NULL, NULL), HL_ERR_NOT_FOUND);
}

static void
test_catch_up(void **state)
{
	struct sfx *f = *state;
	struct hl_track_row *rows = NULL;
	uint8_t id[16], id2[16], (*ids)[HL_ID_BYTES] = NULL;
	char r[400];
	size_t n = 0, done = 0;

	/* stored but never ingested (a crash in between) */
	rec(r, sizeof(r), "C", "2026-11-23T10:00:00Z", 1);
	put_env(f, "JPN/node-1", 0, HL_CT_TRACK, r, id);
	rec(r, sizeof(r), "C", "2026-11-23T11:00:00Z", 2);
	put_env(f, "JPN/node-1", 0, HL_CT_TRACK, r, id2);
	put_env(f, "JPN/node-1", 0, HL_CT_TEXT, "not a track", id);
	assert_int_equal(hl_store_track_pending(f->s, HL_CT_TRACK, 10, &ids, &n), HL_OK);
	assert_int_equal(n, 2);
	hl_free(ids);
	assert_int_equal(hl_tracks_catch_up(f->s, NULL, 1, &done), HL_OK);
	assert_int_equal(done, 1);
	assert_int_equal(hl_tracks_catch_up(f->s, NULL, 100, &done), HL_OK);
	assert_int_equal(done, 1);
	assert_int_equal(hl_tracks_catch_up(f->s, NULL, 100, &done), HL_OK);
	assert_int_equal(done, 0);
	assert_int_equal(hl_store_tracks(f->s, 10, &rows, &n), HL_OK);
	assert_int_equal(n, 1);
	assert_memory_equal(rows[0].id, id2, 16);
	assert_int_equal(rows[0].updates, 2);
	hl_store_track_rows_free(rows, n);
	/* a record already present is refused by the store itself */
	assert_int_equal(hl_store_track_put(f->s, id2, 0, NULL, NULL, 0, "x", NULL), HL_ERR_EXISTS);
}

/* The alert rules on their own (pure). */
static void
test_events(void **state)
{
	struct hl_track a, b;
	struct hl_track_rules rules;
	char kind[HL_TRACK_ALERT_KIND_MAX + 1], d[HL_TRACK_ALERT_DETAIL_MAX + 1];

	(void)state;
	hl_track_rules_default(&rules);
	assert_true(rules.alerts && rules.confidence == 0.5 && rules.stale_s == 30);
	memset(&a, 0, sizeof(a));
	snprintf(a.track_id, sizeof(a.track_id), "T");
	a.lat = 35;
	a.lon = 135;
	a.confidence = 0.8;
	b = a;
	assert_int_equal(hl_track_event(NULL, &a, &rules, kind, d, sizeof(d)), 1);
	assert_string_equal(kind, "new");
	assert_non_null(strstr(d, "first report at 35.0000,135.0000"));
	/* position, speed, heading: nothing */
	b.lat = 36;
	b.speed_mps = 3000;
	b.heading_deg = 270;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 0);
	assert_string_equal(kind, "");
	/* an impact area appears */
	b.has_impact = 1;
	b.impact_lat = 40;
	b.impact_lon = 140;
	b.impact_radius_km = 50;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 1);
	assert_string_equal(kind, "threat");
	assert_non_null(strstr(d, "impact area appears"));
	/* ... moves less than its radius, then more */
	a = b;
	b.impact_lat = 40.3;   /* about 33 km */
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 0);
	b.impact_lat = 40.5;   /* about 56 km */
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 1);
	assert_non_null(strstr(d, "impact area moved 55.6 km"));
	/* ... is withdrawn */
	b = a;
	b.has_impact = 0;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 1);
	assert_string_equal(d, "impact area withdrawn");
	/* the confidence crossing the threshold, either way, and not */
	b = a;
	b.confidence = 0.5;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 0);
	b.confidence = 0.49;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 1);
	assert_string_equal(d, "confidence 0.8 -> 0.49 (threshold 0.5)");
	assert_int_equal(hl_track_event(&b, &a, &rules, kind, d, sizeof(d)), 1);
	rules.confidence = 0.9;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 0);
	/* dropped, once */
	b = a;
	b.dropped = 1;
	assert_int_equal(hl_track_event(&a, &b, &rules, kind, d, sizeof(d)), 1);
	assert_string_equal(kind, "dropped");
	assert_int_equal(hl_track_event(&b, &b, &rules, kind, d, sizeof(d)), 0);
	/* the distance: a degree of latitude is about 111.2 km */
	assert_true(fabs(hl_track_distance_km(0, 0, 1, 0) - 111.19) < 0.01);
	assert_true(hl_track_distance_km(10, 20, 10, 20) == 0);
	assert_true(fabs(hl_track_distance_km(0, 0, 0, 180) - 20015.09) < 0.1);
}

/* A tracks envelope: lines, each an update; the alerts they raise; bad
 * lines kept as invalid; stale tracks; acknowledgement. */
static void
test_stream(void **state)
{
	struct sfx *f = *state;
	struct hl_track_row *rows = NULL;
	struct hl_track_alert *al = NULL;
	struct hl_track_rules rules;
	uint8_t id[HL_ID_BYTES], id2[HL_ID_BYTES];
	char r1[400], r2[400], r3[400], body[2000];
	size_t n = 0, off = 0, len;
	const uint8_t *line;
	unsigned alerts = 0, raised = 0;

	hl_track_rules_default(&rules);
	/* the line iterator */
	assert_int_equal(hl_track_batch_next((const uint8_t *)"a\nbb\n\nc", 7, &off, &line, &len), 1);
	assert_true(len == 1 && line[0] == 'a');
	assert_int_equal(hl_track_batch_next((const uint8_t *)"a\nbb\n\nc", 7, &off, &line, &len), 1);
	assert_int_equal(len, 2);
	assert_int_equal(hl_track_batch_next((const uint8_t *)"a\nbb\n\nc", 7, &off, &line, &len), 1);
	assert_int_equal(len, 0);
	assert_int_equal(hl_track_batch_next((const uint8_t *)"a\nbb\n\nc", 7, &off, &line, &len), 1);
	assert_true(len == 1 && line[0] == 'c');
	assert_int_equal(hl_track_batch_next((const uint8_t *)"a\nbb\n\nc", 7, &off, &line, &len), 0);

	/* A: two updates of S-1 and one of S-2 in one envelope; the second
	 * line of S-1 is older, and a bad line between */
	rec(r1, sizeof(r1), "S-1", "2026-12-07T00:00:02Z", 10);
	rec(r2, sizeof(r2), "S-1", "2026-12-07T00:00:01Z", 11);
	rec(r3, sizeof(r3), "S-2", "2026-12-07T00:00:01Z", 12);
	snprintf(body, sizeof(body), "%s\n%s\n{\"track_id\":\"BAD\"}\n%s\n", r1, r2, r3);
	put_env(f, "KOR/node-1", 1, HL_CT_TRACKS, body, id);
	assert_int_equal(hl_tracks_ingest(f->s, id, &rules, &alerts), HL_OK);
	assert_int_equal(alerts, 2);   /* S-1 new, S-2 new */
	assert_int_equal(hl_tracks_ingest(f->s, id, &rules, &alerts), HL_OK);   /* once only */
	assert_int_equal(alerts, 0);
	assert_int_equal(hl_store_tracks(f->s, 10, &rows, &n), HL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].track_id, "S-1");
	assert_non_null(strstr((char *)rows[0].record, "\"lat\":10"));   /* not the older 11 */
	assert_int_equal(rows[0].updates, 2);
	assert_true(rows[0].exercise);
	hl_store_track_rows_free(rows, n);
	assert_int_equal(hl_store_track_history(f->s, "S-1", 10, &rows, &n), HL_OK);
	assert_int_equal(n, 2);
	hl_store_track_rows_free(rows, n);
	/* what the envelope moved (the CoT outputs read this): each track once,
	 * at its latest update; a range holds only the tracks whose latest is
	 * in it (S-1's latest is line 0, S-2's line 3) */
	assert_int_equal(hl_store_tracks_changed(f->s, id, 0, HL_TRACKS_BATCH_MAX, 10, &rows, &n),
	    HL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(rows[0].track_id, "S-1");
	assert_non_null(strstr((char *)rows[0].record, "\"lat\":10"));
	assert_string_equal(rows[1].track_id, "S-2");
	assert_int_equal(rows[0].label_len, 3);
	hl_store_track_rows_free(rows, n);
	assert_int_equal(hl_store_tracks_changed(f->s, id, 1, 3, 10, &rows, &n), HL_OK);
	assert_int_equal(n, 0);   /* S-1's older line 1 and the bad line 2 moved nothing */
	assert_int_equal(hl_store_tracks_changed(f->s, id, 3, 4, 10, &rows, &n), HL_OK);
	assert_true(n == 1 && strcmp(rows[0].track_id, "S-2") == 0);
	hl_store_track_rows_free(rows, n);
	assert_int_equal(hl_store_tracks_changed(f->s, id, 2, 2, 10, &rows, &n), HL_OK);
	assert_true(n == 0 && rows == NULL);
	assert_int_equal(hl_store_track_alerts(f->s, 1, 10, &al, &n), HL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(al[0].kind, "new");
	assert_true(al[0].exercise && al[0].events == 1 && al[0].acked_ms == 0);
	hl_free(al);
	/* B: a later envelope: S-1 gets an impact area (threat), S-2 moves */
	snprintf(r1, sizeof(r1), "{\"track_id\":\"S-1\",\"observed\":\"2026-12-07T00:00:03Z\","
	    "\"position\":{\"lat\":10,\"lon\":1},\"velocity\":{\"speed_mps\":1,\"heading_deg\":1},"
	    "\"impact_area\":{\"lat\":5,\"lon\":5,\"radius_km\":10},\"confidence\":1}");
	rec(r3, sizeof(r3), "S-2", "2026-12-07T00:00:05Z", 13);
	snprintf(body, sizeof(body), "%s\n%s\n", r1, r3);
	put_env(f, "KOR/node-1", 1, HL_CT_TRACKS, body, id2);
	{
		struct hl_track_alert one;

		assert_int_equal(hl_store_track_alert_open(f->s, "KOR/node-1", "S-1", 1, &one), HL_OK);
		assert_string_equal(one.kind, "new");
		assert_int_equal(one.label_len, 3);   /* the envelope's, for rule 4 */
		assert_int_equal(hl_store_track_alert_open(f->s, "KOR/node-1", "S-1", 0, &one),
		    HL_ERR_NOT_FOUND);   /* not the exercise track */
	}
	assert_int_equal(hl_store_track_alert_ack(f->s, "KOR/node-1", "S-1", 1, "duty", 5),
	    HL_OK);
	assert_int_equal(hl_store_track_alert_ack(f->s, "KOR/node-1", "S-1", 1, "duty", 6),
	    HL_ERR_NOT_FOUND);   /* acknowledged already */
	assert_int_equal(hl_tracks_ingest(f->s, id2, &rules, &alerts), HL_OK);
	assert_int_equal(alerts, 1);
	assert_int_equal(hl_store_track_alerts(f->s, 1, 10, &al, &n), HL_OK);
	assert_int_equal(n, 2);   /* S-1 open again (threat), S-2 still open (new) */
	assert_true((strcmp(al[0].kind, "threat") == 0 && al[0].events == 2) ||
	    (strcmp(al[1].kind, "threat") == 0 && al[1].events == 2));
	hl_free(al);
	/* stale: the updates were stored at 1000 + seq ms */
	rules.stale_s = 1;
	assert_int_equal(hl_tracks_stale(f->s, &rules, 1000, 10, &raised), HL_OK);
	assert_int_equal(raised, 0);   /* not a second yet */
	assert_int_equal(hl_tracks_stale(f->s, &rules, 10000, 10, &raised), HL_OK);
	assert_int_equal(raised, 2);
	assert_int_equal(hl_tracks_stale(f->s, &rules, 20000, 10, &raised), HL_OK);
	assert_int_equal(raised, 0);   /* once per staleness */
	rules.alerts = 0;
	assert_int_equal(hl_tracks_stale(f->s, &rules, 99000, 10, &raised), HL_OK);
	assert_int_equal(raised, 0);
	assert_int_equal(hl_store_track_alerts(f->s, 0, 10, &al, &n), HL_OK);
	assert_int_equal(n, 2);
	assert_string_equal(al[0].kind, "stale");
	assert_string_equal(al[1].kind, "stale");
	hl_free(al);
}


/* track_alerts = partners: a node's own tracks raise no alert, new or
 * stale; a partner's do. */
static void
test_own_alerts(void **state)
{
	struct sfx *f = *state;
	struct hl_track_rules rules;
	struct hl_track_alert *al = NULL;
	uint8_t id[HL_ID_BYTES];
	char r1[400], r2[400], body[1000];
	size_t n = 0;
	unsigned alerts = 9, raised = 9;

	hl_track_rules_default(&rules);
	rules.alerts = HL_TRACK_ALERTS_PARTNERS;
	rules.own = "KOR/node-1";
	rules.stale_s = 1;
	rec(r1, sizeof(r1), "OWN-1", "2026-12-07T00:00:01Z", 1);
	rec(r2, sizeof(r2), "OWN-2", "2026-12-07T00:00:01Z", 2);
	snprintf(body, sizeof(body), "%s\n%s\n", r1, r2);
	put_env(f, "KOR/node-1", 0, HL_CT_TRACKS, body, id);
	assert_int_equal(hl_tracks_ingest(f->s, id, &rules, &alerts), HL_OK);
	assert_int_equal(alerts, 0);   /* our own: none */
	rec(r1, sizeof(r1), "P-1", "2026-12-07T00:00:01Z", 3);
	snprintf(body, sizeof(body), "%s\n", r1);
	put_env(f, "JPN/node-1", 0, HL_CT_TRACKS, body, id);
	assert_int_equal(hl_tracks_ingest(f->s, id, &rules, &alerts), HL_OK);
	assert_int_equal(alerts, 1);   /* a partner's: new */
	assert_int_equal(hl_tracks_stale(f->s, &rules, 60000, 10, &raised), HL_OK);
	assert_int_equal(raised, 1);   /* P-1 only */
	assert_int_equal(hl_store_track_alerts(f->s, 0, 10, &al, &n), HL_OK);
	assert_int_equal(n, 1);
	assert_string_equal(al[0].origin, "JPN/node-1");
	assert_string_equal(al[0].kind, "stale");
	hl_free(al);
	/* the same tracks with alerts = yes: our own raise them too */
	rules.alerts = HL_TRACK_ALERTS_ALL;
	assert_int_equal(hl_tracks_stale(f->s, &rules, 60000, 10, &raised), HL_OK);
	assert_int_equal(raised, 2);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_full),
		cmocka_unit_test(test_parse_minimal),
		cmocka_unit_test(test_parse_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_times),
		cmocka_unit_test(test_encode),
		cmocka_unit_test(test_check),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test_setup_teardown(test_picture, store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_catch_up, store_setup, store_teardown),
		cmocka_unit_test(test_events),
		cmocka_unit_test_setup_teardown(test_stream, store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_own_alerts, store_setup, store_teardown),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
