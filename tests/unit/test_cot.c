/* test_cot.c: Cursor on Target events (cot.c): the whole event of a known
 * track byte for byte, every string escaped, an exercise track, a dropped
 * one stale at once, impact areas shown and withdrawn, uids, bad
 * arguments, and an event that does not fit leaving the buffer as it was. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apijson.h"
#include "buf.h"
#include "cot.h"
#include "errors.h"
#include "track.h"

static const char record[] =
    "{\"track_id\":\"JPN-0042\",\"observed\":\"2026-11-23T23:41:00.25Z\","
    "\"position\":{\"lat\":39,\"lon\":135.2,\"alt_m\":120000},"
    "\"velocity\":{\"speed_mps\":2500,\"heading_deg\":90},"
    "\"impact_area\":{\"lat\":40.1,\"lon\":139.5,\"radius_km\":50},"
    "\"confidence\":0.8,\"remark\":\"<b>salvo</b> & \\\"decoy\\\" 'x'\"}";

static const char want_track[] =
    "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    "<event version=\"2.0\" uid=\"hotline:JPN/node-1:JPN-0042\" type=\"a-u-A-W-M\" how=\"m-p\""
    " time=\"2026-11-23T23:41:00.250Z\" start=\"2026-11-23T23:41:00.250Z\""
    " stale=\"2026-11-23T23:41:30.500Z\""
    " access=\"SECRET//REL TO JPN, KOR//TLP:AMBER\" opex=\"o-hotline\">"
    "<point lat=\"39.0000000\" lon=\"135.2000000\" hae=\"120000.0\" ce=\"9999999.0\""
    " le=\"9999999.0\"/><detail><contact callsign=\"JPN-0042\"/>"
    "<track course=\"90.0\" speed=\"2500.0\"/>"
    "<remarks>SECRET//REL TO JPN, KOR//TLP:AMBER | reported by JPN/node-1 | confidence 0.80"
    " | impact area 40.1000, 139.5000 radius 50.0 km"
    " | &lt;b&gt;salvo&lt;/b&gt; &amp; &quot;decoy&quot; &apos;x&apos;</remarks>"
    "<__hotline origin=\"JPN/node-1\" track_id=\"JPN-0042\" classification=\"SECRET\""
    " releasable_to=\"JPN KOR\" tlp=\"AMBER\" exercise=\"false\" confidence=\"0.800\""
    " dropped=\"false\"/></detail></event>\n";

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

static void
meta(struct hl_cot_meta *m, int exercise)
{
	memset(m, 0, sizeof(*m));
	m->origin = "JPN/node-1";
	m->exercise = exercise;
	m->marking = "SECRET//REL TO JPN, KOR//TLP:AMBER";
	m->classification = "SECRET";
	m->releasable_to = "JPN KOR";
	m->tlp = "AMBER";
	m->stale_ms = 1795477290500ULL;   /* 2026-11-23T23:41:30.500Z */
}

static void
parse(const char *text, struct hl_track *t)
{
	assert_int_equal(hl_track_parse((const uint8_t *)text, strlen(text), t, NULL, 0), HL_OK);
}

/* The NUL-terminated text of b. */
static const char *
text_of(struct hl_buf *b)
{
	hl_buf_u8(b, 0);
	assert_int_equal(hl_buf_error(b), HL_OK);
	b->len--;
	return (const char *)b->data;
}

static void
test_track_event(void **state)
{
	struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf b;

	(void)state;
	parse(record, &t);
	meta(&m, 0);
	hl_buf_init(&b, 2 * HL_COT_EVENT_MAX);
	assert_int_equal(hl_cot_track(&t, &m, &b), HL_OK);
	assert_string_equal(text_of(&b), want_track);
	hl_buf_free(&b);
}

static void
test_exercise_and_dropped(void **state)
{
	struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf b;
	const char *s;

	(void)state;
	parse(record, &t);
	t.dropped = 1;
	meta(&m, 1);
	hl_buf_init(&b, 2 * HL_COT_EVENT_MAX);
	assert_int_equal(hl_cot_track(&t, &m, &b), HL_OK);
	s = text_of(&b);
	assert_non_null(strstr(s, " uid=\"hotline:JPN/node-1:JPN-0042:exercise\""));
	assert_non_null(strstr(s, " opex=\"e-hotline\""));
	assert_non_null(strstr(s, "<contact callsign=\"EX JPN-0042\"/>"));
	assert_non_null(strstr(s, "<remarks>EXERCISE EXERCISE EXERCISE | SECRET//"));
	assert_non_null(strstr(s, " | DROPPED by its reporter"));
	assert_non_null(strstr(s, " exercise=\"true\""));
	assert_non_null(strstr(s, " dropped=\"true\""));
	/* stale at once: TAK removes it */
	assert_non_null(strstr(s, " start=\"2026-11-23T23:41:00.250Z\" stale=\"2026-11-23T23:41:00.250Z\""));
	hl_buf_free(&b);
}

static void
test_impact(void **state)
{
	struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf b;
	const char *s;

	(void)state;
	parse(record, &t);
	meta(&m, 0);
	hl_buf_init(&b, 2 * HL_COT_EVENT_MAX);
	assert_int_equal(hl_cot_impact(&t, &m, &b), HL_OK);
	s = text_of(&b);
	assert_non_null(strstr(s, " uid=\"hotline:JPN/node-1:JPN-0042:impact\" type=\"u-d-c-c\""));
	assert_non_null(strstr(s, "<point lat=\"40.1000000\" lon=\"139.5000000\" hae=\"0.0\""));
	assert_non_null(strstr(s, "<ellipse major=\"50000.0\" minor=\"50000.0\" angle=\"0\"/>"));
	assert_non_null(strstr(s, " stale=\"2026-11-23T23:41:30.500Z\""));
	assert_null(strstr(s, "WITHDRAWN"));
	/* withdrawn: the same uid, stale at once */
	b.len = 0;
	t.has_impact = 0;
	assert_int_equal(hl_cot_impact(&t, &m, &b), HL_OK);
	s = text_of(&b);
	assert_non_null(strstr(s, " uid=\"hotline:JPN/node-1:JPN-0042:impact\""));
	assert_non_null(strstr(s, " start=\"2026-11-23T23:41:00.250Z\" stale=\"2026-11-23T23:41:00.250Z\""));
	assert_non_null(strstr(s, " | WITHDRAWN</remarks>"));
	hl_buf_free(&b);
}

static void
test_uid(void **state)
{
	char uid[HL_COT_UID_MAX], origin[HL_NODE_NAME_MAX + 1], id[HL_TRACK_ID_MAX + 1];

	(void)state;
	hl_cot_uid("KOR/node-1", "T.1", 0, 0, uid);
	assert_string_equal(uid, "hotline:KOR/node-1:T.1");
	hl_cot_uid("KOR/node-1", "T.1", 1, 1, uid);
	assert_string_equal(uid, "hotline:KOR/node-1:T.1:exercise:impact");
	/* the longest origin and track id fit */
	memset(origin, 'o', HL_NODE_NAME_MAX);
	origin[HL_NODE_NAME_MAX] = '\0';
	memset(id, 'i', HL_TRACK_ID_MAX);
	id[HL_TRACK_ID_MAX] = '\0';
	hl_cot_uid(origin, id, 1, 1, uid);
	assert_int_equal(strlen(uid), 8 + HL_NODE_NAME_MAX + 1 + HL_TRACK_ID_MAX + 16);
	assert_string_equal(uid + strlen(uid) - 16, ":exercise:impact");
}

static void
test_bad_arguments(void **state)
{
	struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf b;
	char long_marking[HL_COT_MARKING_MAX + 1];

	(void)state;
	parse(record, &t);
	meta(&m, 0);
	hl_buf_init(&b, HL_COT_EVENT_MAX);
	assert_int_equal(hl_cot_track(NULL, &m, &b), HL_ERR_INVALID);
	assert_int_equal(hl_cot_track(&t, NULL, &b), HL_ERR_INVALID);
	assert_int_equal(hl_cot_impact(&t, &m, NULL), HL_ERR_INVALID);
	m.marking = NULL;
	assert_int_equal(hl_cot_track(&t, &m, &b), HL_ERR_INVALID);
	memset(long_marking, 'A', HL_COT_MARKING_MAX);
	long_marking[HL_COT_MARKING_MAX] = '\0';
	m.marking = long_marking;
	assert_int_equal(hl_cot_track(&t, &m, &b), HL_ERR_INVALID);
	assert_int_equal(b.len, 0);
	hl_buf_free(&b);
}

/* An event that does not fit: HL_ERR_TOO_BIG, and what the buffer held
 * before is all it holds (no half event on the wire). */
static void
test_does_not_fit(void **state)
{
	struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf b;

	(void)state;
	parse(record, &t);
	meta(&m, 0);
	hl_buf_init(&b, sizeof(want_track) + 10);
	assert_int_equal(hl_cot_track(&t, &m, &b), HL_OK);
	assert_int_equal(b.len, sizeof(want_track) - 1);
	assert_int_equal(hl_cot_impact(&t, &m, &b), HL_ERR_TOO_BIG);
	assert_int_equal(b.len, sizeof(want_track) - 1);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_memory_equal(b.data, want_track, b.len);
	hl_buf_free(&b);
}

/* The longest remark, every byte of it escaped (1024 x "&amp;"), still
 * fits one event. */
static void
test_longest(void **state)
{
	struct hl_track t;
	struct hl_cot_meta m;
	struct hl_buf b;

	(void)state;
	parse(record, &t);
	memset(t.remark, '&', HL_TRACK_REMARK_MAX);
	t.remark[HL_TRACK_REMARK_MAX] = '\0';
	meta(&m, 1);
	hl_buf_init(&b, 2 * HL_COT_EVENT_MAX);
	assert_int_equal(hl_cot_track(&t, &m, &b), HL_OK);
	assert_true(b.len <= HL_COT_EVENT_MAX);
	assert_true(b.len > 5 * HL_TRACK_REMARK_MAX);
	hl_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_track_event),
		cmocka_unit_test(test_exercise_and_dropped),
		cmocka_unit_test(test_impact),
		cmocka_unit_test(test_uid),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_does_not_fit),
		cmocka_unit_test(test_longest),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
