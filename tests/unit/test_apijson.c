/* test_apijson.c: the operator API's pure parts (ids, times, query
 * strings, the send body, Basic credentials, base64, rule 4, response JSON),
 * including malformed input of each. The routes are test_http's, the HTTP
 * response parser test_httpc's. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "label.h"

static struct hl_policy pol;

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	hl_policy_default(&pol);
	return 0;
}

/* ---- ids, times ---- */

static void
test_id_time(void **state)
{
	uint8_t id[HL_ID_BYTES];
	char hex[HL_API_ID_HEX + 1], t[HL_API_TIME_LEN];

	(void)state;
	assert_int_equal(hl_hex_parse_id("0123456789ABCDEFfedcba9876543210", id), HL_OK);
	hl_hex_id(id, hex);
	assert_string_equal(hex, "0123456789abcdeffedcba9876543210");
	assert_int_equal(hl_hex_parse_id("0123456789abcdeffedcba987654321", id), HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_parse_id("0123456789abcdeffedcba98765432100", id),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_parse_id("0123456789abcdeffedcba98765432g0", id),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_parse_id(" 123456789abcdeffedcba9876543210", id),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_parse_id("", id), HL_ERR_MALFORMED);
	assert_int_equal(hl_hex_parse_id(NULL, id), HL_ERR_MALFORMED);

	hl_apijson_format_time(0, t);
	assert_string_equal(t, "1970-01-01T00:00:00.000Z");
	hl_apijson_format_time(1795435200123ull, t);
	assert_string_equal(t, "2026-11-23T12:00:00.123Z");
	hl_apijson_format_time(UINT64_MAX, t);   /* clamped, still fixed width */
	assert_string_equal(t, "9999-12-31T23:59:59.999Z");
}

/* ---- query strings ---- */

static void
test_query(void **state)
{
	struct hl_api_query q;
	char err[160];
	const unsigned all = HL_QUERY_LIMIT | HL_QUERY_EXERCISE;
	char longq[HL_API_QUERY_MAX + 8];

	(void)state;
	assert_int_equal(hl_apijson_parse_query(NULL, all, &q, err, sizeof(err)), HL_OK);
	assert_int_equal(q.limit, HL_API_LIMIT_DEFAULT);
	assert_int_equal(q.exercise, HL_EXERCISE_INCLUDE);
	assert_int_equal(hl_apijson_parse_query("", all, &q, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_apijson_parse_query("limit=5&exercise=only", all, &q, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(q.limit, 5);
	assert_int_equal(q.exercise, HL_EXERCISE_ONLY);
	assert_int_equal(hl_apijson_parse_query("exercise=exclude&limit=100000&", all, &q, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(q.limit, 100000);
	assert_int_equal(q.exercise, HL_EXERCISE_EXCLUDE);
	assert_int_equal(hl_apijson_parse_query("%6cimit=7", all, &q, err, sizeof(err)), HL_OK);
	assert_int_equal(q.limit, 7);

	/* malformed */
	assert_int_equal(hl_apijson_parse_query("limit=0", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "limit"));
	assert_int_equal(hl_apijson_parse_query("limit=100001", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=-1", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=1x", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=99999999999999999999999", all, &q, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=1&limit=2", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "twice"));
	assert_int_equal(hl_apijson_parse_query("foo=1", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "foo"));
	assert_int_equal(hl_apijson_parse_query("exercise=only", HL_QUERY_LIMIT, &q, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("exercise=maybe", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=%zz", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=%0", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_query("limit=1%00", all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	memset(longq, 'a', sizeof(longq) - 1);
	longq[sizeof(longq) - 1] = '\0';
	assert_int_equal(hl_apijson_parse_query(longq, all, &q, err, sizeof(err)),
	    HL_ERR_MALFORMED);
}

/* ---- the send body ---- */

#define GOOD_HEAD "\"to\":[\"KOR\",\"USA/node-1\"],\"precedence\":\"flash\"," \
	"\"classification\":\"SECRET\",\"releasable_to\":[\"USA\",\"JPN\",\"KOR\"],\"tlp\":\"amber\""

static int
send_parse(const char *body, struct hl_api_send *s, char *err, size_t errlen)
{
	return hl_apijson_parse_send((const uint8_t *)body, strlen(body), &pol, s, err, errlen);
}

static void
test_send_valid(void **state)
{
	struct hl_api_send s;
	char err[256];

	(void)state;
	assert_int_equal(send_parse("{" GOOD_HEAD ",\"text\":\"Missile launch detected\"}", &s,
	    err, sizeof(err)), HL_OK);
	assert_int_equal(s.nto, 2);
	assert_string_equal(s.to[0], "KOR");
	assert_string_equal(s.to[1], "USA/node-1");
	assert_int_equal(s.to_all, 0);
	assert_int_equal(s.precedence, HL_PREC_FLASH);
	assert_string_equal(hl_policy_level_name(&pol, s.label.classification), "SECRET");
	assert_int_equal(s.label.tlp, HL_TLP_AMBER);
	assert_int_equal(s.label.nrel, 3);
	assert_string_equal(s.label.rel[0], "JPN");   /* sorted by the label module */
	assert_int_equal(s.content_type, HL_CT_TEXT);
	assert_int_equal(s.flags, 0);
	assert_int_equal(s.ttl_s, 0);
	assert_int_equal(s.content_len, 23);
	assert_memory_equal(s.content, "Missile launch detected", 23);
	hl_apijson_send_clear(&s);
	assert_null(s.content);

	/* file content as base64, to_all, exercise, ttl */
	assert_int_equal(send_parse("{\"to_all\":true,\"precedence\":\"routine\","
	    "\"classification\":\"UNCLASSIFIED\",\"releasable_to\":[\"JPN\"],\"tlp\":\"TLP:CLEAR\","
	    "\"content_type\":\"file\",\"content_b64\":\"AAEC/w==\",\"exercise\":true,\"ttl_s\":3600}",
	    &s, err, sizeof(err)), HL_OK);
	assert_int_equal(s.to_all, 1);
	assert_int_equal(s.nto, 0);
	assert_int_equal(s.precedence, HL_PREC_ROUTINE);
	assert_int_equal(s.content_type, HL_CT_FILE);
	assert_int_equal(s.flags, HL_ENV_FLAG_EXERCISE);
	assert_int_equal(s.ttl_s, 3600);
	assert_int_equal(s.content_len, 4);
	assert_memory_equal(s.content, "\x00\x01\x02\xff", 4);
	hl_apijson_send_clear(&s);

	/* to_all false with recipients, exercise false */
	assert_int_equal(send_parse("{" GOOD_HEAD ",\"to_all\":false,\"exercise\":false,"
	    "\"text\":\"x\"}", &s, err, sizeof(err)), HL_OK);
	hl_apijson_send_clear(&s);
}

struct bad_case {
	const char *body;
	const char *err_has;   /* substring the error must contain, or NULL */
};

static void
test_send_malformed(void **state)
{
	static const struct bad_case bad[] = {
		{ "", "empty" },
		{ "[]", "object" },
		{ "\"text\"", NULL },
		{ "{", "invalid JSON" },
		{ "{} x", "invalid JSON" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"text\":\"b\"}", "duplicate" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"bogus\":1}", "bogus" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"filename\":\"x.pdf\"}", "filename" },
		/* recipients */
		{ "{\"precedence\":\"flash\",\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
		  "\"tlp\":\"amber\",\"text\":\"a\"}", "recipients" },
		{ "{\"to\":[],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "recipients" },
		{ "{\"to\":\"KOR\",\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "array" },
		{ "{\"to\":[1],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "strings" },
		{ "{\"to\":[\"kor\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "kor" },
		{ "{\"to\":[\"KOR/\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "node name" },
		{ "{\"to\":[\"KOR\",\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "twice" },
		{ "{\"to\":[\"KOR\"],\"to_all\":true,\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "not both" },
		{ "{\"to_all\":1,\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "to_all" },
		{ "{\"to\":[\"K\\u0000R\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", NULL },
		/* precedence */
		{ "{\"to\":[\"KOR\"],\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
		  "\"tlp\":\"amber\",\"text\":\"a\"}", "precedence" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"urgent\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "precedence" },
		{ "{\"to\":[\"KOR\"],\"precedence\":0,\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "string" },
		/* label */
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"releasable_to\":[\"JPN\"],"
		  "\"tlp\":\"amber\",\"text\":\"a\"}", "classification" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"TOPSECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}", "label" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"tlp\":\"amber\",\"text\":\"a\"}", "releasable_to" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[],\"tlp\":\"amber\",\"text\":\"a\"}", "releasable_to" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":\"JPN\",\"tlp\":\"amber\",\"text\":\"a\"}", "releasable_to" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN,KOR\"],\"tlp\":\"amber\",\"text\":\"a\"}", "partner" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"jpn\"],\"tlp\":\"amber\",\"text\":\"a\"}", "partner" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"text\":\"a\"}", "tlp" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":\"purple\",\"text\":\"a\"}", "label" },
		{ "{\"to\":[\"KOR\"],\"precedence\":\"flash\",\"classification\":\"SECRET\","
		  "\"releasable_to\":[\"JPN\"],\"tlp\":[\"amber\"],\"text\":\"a\"}", "tlp" },
		/* content */
		{ "{" GOOD_HEAD "}", "exactly one" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"content_b64\":\"YQ==\"}", "exactly one" },
		{ "{" GOOD_HEAD ",\"text\":\"\"}", "empty" },
		{ "{" GOOD_HEAD ",\"text\":5}", "text" },
		{ "{" GOOD_HEAD ",\"content_b64\":\"YQ=\"}", "base64" },
		{ "{" GOOD_HEAD ",\"content_b64\":\"Y Q==\"}", "base64" },
		{ "{" GOOD_HEAD ",\"content_b64\":\"YR==\"}", "base64" },
		{ "{" GOOD_HEAD ",\"content_b64\":\"=YQ=\"}", "base64" },
		{ "{" GOOD_HEAD ",\"content_b64\":\"YQ==YQ==\"}", "base64" },
		{ "{" GOOD_HEAD ",\"content_b64\":\"\"}", "empty" },
		{ "{" GOOD_HEAD ",\"content_b64\":null}", "content_b64" },
		{ "{" GOOD_HEAD ",\"content_type\":\"html\",\"text\":\"a\"}", "content_type" },
		/* flags and ttl */
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"exercise\":\"yes\"}", "exercise" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"ttl_s\":0}", "ttl_s" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"ttl_s\":-5}", "ttl_s" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"ttl_s\":1.5}", "ttl_s" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"ttl_s\":\"60\"}", "ttl_s" },
		{ "{" GOOD_HEAD ",\"text\":\"a\",\"ttl_s\":99999999999}", "ttl_s" },
	};
	struct hl_api_send s;
	char err[256];
	size_t i;
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		r = send_parse(bad[i].body, &s, err, sizeof(err));
		if (r != HL_ERR_MALFORMED || (bad[i].err_has != NULL &&
		    strstr(err, bad[i].err_has) == NULL))
			fail_msg("case %zu (%s): r=%d err=\"%s\"", i, bad[i].body, r, err);
		assert_null(s.content);
		assert_int_equal(s.nto, 0);
		assert_true(strlen(err) > 0);
		assert_null(strchr(err, '\n'));
	}
}

static void
test_send_limits(void **state)
{
	static const char tail[] = "],\"precedence\":\"flash\",\"classification\":\"SECRET\","
	    "\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\",\"text\":\"a\"}";
	struct hl_api_send s;
	struct hl_buf b;
	json_t *j = NULL;
	char err[256];
	uint8_t *p;
	size_t n;
	int i;

	(void)state;
	/* 33 recipients */
	hl_buf_init(&b, 4096);
	hl_buf_put(&b, "{\"to\":[", 7);
	for (i = 0; i < HL_RECIPIENTS_MAX + 1; i++) {
		char r[32];

		snprintf(r, sizeof(r), "%s\"P%02d\"", i ? "," : "", i);
		hl_buf_put(&b, r, strlen(r));
	}
	hl_buf_put(&b, tail, strlen(tail));
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(hl_apijson_parse_send(b.data, b.len, &pol, &s, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "recipients"));
	hl_buf_free(&b);

	/* nesting deeper than HL_JSON_DEPTH_MAX is refused before jansson sees it */
	hl_buf_init(&b, 4096);
	hl_buf_put(&b, "{\"to\":", 6);
	for (i = 0; i < HL_JSON_DEPTH_MAX + 1; i++)
		hl_buf_put(&b, "[", 1);
	for (i = 0; i < HL_JSON_DEPTH_MAX + 1; i++)
		hl_buf_put(&b, "]", 1);
	hl_buf_put(&b, "}", 1);
	assert_int_equal(hl_apijson_parse_send(b.data, b.len, &pol, &s, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "nested"));
	assert_int_equal(hl_apijson_depth_ok((const uint8_t *)"[\"[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[\"]",
	    41), 1);
	hl_buf_free(&b);

	/* text one byte over the content limit: TOO_BIG */
	n = HL_CONTENT_MAX_BYTES + 1;
	hl_buf_init(&b, n + 512);
	hl_buf_put(&b, "{" GOOD_HEAD ",\"text\":\"", strlen("{" GOOD_HEAD ",\"text\":\""));
	assert_int_equal(hl_buf_reserve(&b, n + 2), HL_OK);
	memset(b.data + b.len, 'a', n);
	b.len += n;
	hl_buf_put(&b, "\"}", 2);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(hl_apijson_parse_send(b.data, b.len, &pol, &s, err, sizeof(err)),
	    HL_ERR_TOO_BIG);
	assert_null(s.content);
	hl_buf_free(&b);

	/* a body over the API limit is refused without parsing */
	p = (uint8_t *)"{}";
	assert_int_equal(hl_apijson_load_object(p, HL_API_BODY_MAX_BYTES + 1, HL_API_BODY_MAX_BYTES,
	    &j, err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_null(j);
}

/* Our own allocations come after jansson's parse; fail the last one (the
 * content copy or the base64 output) and check nothing leaks. (jansson
 * 2.14 itself crashes when its allocator fails inside json_loadb, so the
 * injector is not pointed at jansson's allocations.) */
/* An upload's query string with content that must come back untouched (or
 * be freed on a refusal: hl_alloc_live checks). */
static int
upload(const char *q, const char *content, struct hl_api_send *s, char *err, size_t errlen)
{
	size_t n = strlen(content);
	uint8_t *c = hl_malloc(n + 1);

	assert_non_null(c);
	memcpy(c, content, n + 1);
	if (n == 0) {
		hl_free(c);   /* no body: nothing is handed over */
		c = NULL;
	}
	return hl_apijson_parse_upload(q, c, n, &pol, s, err, errlen);
}

/* POST /api/v1/envelopes/upload: the send body's fields in the query
 * string, the content as the body. */
static void
test_upload(void **state)
{
	static const struct bad_case bad[] = {
		{ NULL, "go in the query string" },
		{ "", "go in the query string" },
		{ "to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber&text=x",
		    "unknown query parameter \"text\"" },
		{ "to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber"
		    "&content_b64=AA==", "unknown query parameter \"content_b64\"" },
		{ "to=KOR&to=USA&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber",
		    "\"to\" given twice" },
		{ "to=KOR,,USA&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber",
		    "comma-separated" },
		{ "to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber"
		    "&exercise=yes", "\"exercise\" must be true or false" },
		{ "to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber"
		    "&ttl_s=0", "\"ttl_s\" must be an integer" },
		{ "to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber&x",
		    "without a value" },
		{ "to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber&a=%zz",
		    "malformed query parameter" },
		{ "to=KOR&precedence=soon&classification=SECRET&releasable_to=JPN&tlp=amber",
		    "\"precedence\" must be" },
		{ "precedence=flash&classification=SECRET&releasable_to=JPN&tlp=amber",
		    "no recipients" },
		{ "to=KOR&precedence=flash&classification=SECRET&tlp=amber",
		    "\"releasable_to\"" },
		{ "to=KOR&precedence=flash&classification=SEC%FFRET&releasable_to=JPN&tlp=amber",
		    "\"classification\" must be UTF-8 text" },
	};
	struct hl_api_send s;
	char err[256], big[HL_API_UPLOAD_QUERY_MAX + 8];
	int64_t live;
	size_t i;

	(void)state;
	live = hl_alloc_live();
	assert_int_equal(upload("to=KOR,USA%2Fnode-1&precedence=routine&classification=SECRET"
	    "&releasable_to=JPN,KOR,USA&tlp=amber&exercise=true&ttl_s=600", "\x01\x02 file", &s,
	    err, sizeof(err)), HL_OK);
	assert_int_equal(s.nto, 2);
	assert_string_equal(s.to[1], "USA/node-1");
	assert_int_equal(s.precedence, HL_PREC_ROUTINE);
	assert_int_equal(s.label.nrel, 3);
	assert_int_equal(s.label.tlp, HL_TLP_AMBER);
	assert_int_equal(s.content_type, HL_CT_FILE);   /* the default for an upload */
	assert_int_equal(s.flags, HL_ENV_FLAG_EXERCISE);
	assert_int_equal(s.ttl_s, 600);
	assert_int_equal(s.content_len, 7);
	assert_memory_equal(s.content, "\x01\x02 file", 7);
	hl_apijson_send_clear(&s);
	assert_int_equal(upload("to_all=true&precedence=flash&classification=SECRET"
	    "&releasable_to=JPN&tlp=amber&content_type=text&", "alert", &s, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(s.to_all, 1);
	assert_int_equal(s.content_type, HL_CT_TEXT);
	hl_apijson_send_clear(&s);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(upload(bad[i].body, "x", &s, err, sizeof(err)), HL_ERR_MALFORMED);
		if (strstr(err, bad[i].err_has) == NULL)
			print_error("case %zu: %s\n", i, err);
		assert_non_null(strstr(err, bad[i].err_has));
		assert_null(s.content);
	}
	/* no content at all */
	assert_int_equal(upload("to=KOR&precedence=flash&classification=SECRET&releasable_to=JPN"
	    "&tlp=amber", "", &s, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_string_equal(err, "the content is empty");
	/* a query string over its limit */
	memset(big, 'a', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(upload(big, "x", &s, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "query string longer than"));
	/* every refusal freed the content it was handed */
	assert_int_equal(hl_alloc_live(), live);
}


/* POST /api/v1/tracks: each record on its own, the batch's shape refused
 * whole; what goes is the accepted records, one per line. */
static void
test_tracks_body(void **state)
{
#define TB_HEAD "{\"to\":[\"KOR\"],\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\",\"KOR\"]," \
	"\"tlp\":\"amber\","
#define TB_REC "{\"track_id\":\"T-1\",\"observed\":\"2026-12-07T00:00:00Z\",\"position\":" \
	"{\"lat\":1,\"lon\":2},\"velocity\":{\"speed_mps\":1,\"heading_deg\":2},\"confidence\":0.5}"
	static const struct bad_case bad[] = {
		{ TB_HEAD "\"updates\":[]}", "\"updates\" must be an array of 1 to 1000" },
		{ TB_HEAD "\"updates\":{}}", "\"updates\" must be an array of 1 to 1000" },
		{ TB_HEAD "\"text\":\"x\",\"updates\":[" TB_REC "]}", "not \"text\"" },
		{ TB_HEAD "\"content_type\":\"track\",\"updates\":[" TB_REC "]}", "not \"text\"" },
		{ TB_HEAD "\"precedence\":\"soon\",\"updates\":[" TB_REC "]}", "\"precedence\" must be" },
		{ "{\"to\":[\"KOR\"],\"updates\":[" TB_REC "]}", "classification" },
		{ TB_HEAD "\"updates\":[" TB_REC "],\"bogus\":1}", "unknown field \"bogus\"" },
		{ "[1]", "JSON object" },
	};
	struct hl_api_send s;
	json_t *res = NULL;
	size_t acc = 0, i;
	char err[256];
	struct hl_buf b;
	int64_t live;

	(void)state;
	live = hl_alloc_live();
	/* one good record, one bad: the good one goes, at IMMEDIATE */
	assert_int_equal(hl_apijson_parse_tracks((const uint8_t *)(TB_HEAD "\"exercise\":true,"
	    "\"updates\":[" TB_REC ",{\"track_id\":\"T-2\"}]}"), strlen(TB_HEAD "\"exercise\":true,"
	    "\"updates\":[" TB_REC ",{\"track_id\":\"T-2\"}]}"), &pol, &s, &res, &acc, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(acc, 1);
	assert_int_equal(s.content_type, HL_CT_TRACKS);
	assert_int_equal(s.precedence, HL_PREC_IMMEDIATE);
	assert_int_equal(s.flags, HL_ENV_FLAG_EXERCISE);
	assert_int_equal(json_array_size(res), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(res, 1), "status")),
	    "refused");
	assert_non_null(strstr(json_string_value(json_object_get(json_array_get(res, 1), "error")),
	    "observed: missing"));
	assert_true(s.content_len > 0 && s.content[s.content_len - 1] == '\n');
	assert_null(memchr(s.content, '\n', s.content_len - 1));   /* one line: one record */
	json_decref(res);
	hl_apijson_send_clear(&s);
	/* no valid record: refused, with the results */
	assert_int_equal(hl_apijson_parse_tracks((const uint8_t *)(TB_HEAD "\"updates\":[1]}"),
	    strlen(TB_HEAD "\"updates\":[1]}"), &pol, &s, &res, &acc, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(res);
	assert_non_null(strstr(err, "no valid track record"));
	json_decref(res);
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		res = NULL;
		assert_int_not_equal(hl_apijson_parse_tracks((const uint8_t *)bad[i].body,
		    strlen(bad[i].body), &pol, &s, &res, &acc, err, sizeof(err)), HL_OK);
		if (strstr(err, bad[i].err_has) == NULL)
			print_error("case %zu: %s\n", i, err);
		assert_non_null(strstr(err, bad[i].err_has));
		assert_null(s.content);
		json_decref(res);
	}
	/* 1,001 records: too big, before any is parsed */
	hl_buf_init(&b, 1u << 22);
	hl_buf_put(&b, TB_HEAD "\"updates\":[", strlen(TB_HEAD "\"updates\":["));
	for (i = 0; i < 1001; i++) {
		if (i > 0)
			hl_buf_put(&b, ",", 1);
		hl_buf_put(&b, "1", 1);
	}
	hl_buf_put(&b, "]}", 2);
	assert_int_equal(hl_apijson_parse_tracks(b.data, b.len, &pol, &s, &res, &acc, err,
	    sizeof(err)), HL_ERR_TOO_BIG);
	assert_null(res);
	hl_buf_free(&b);
	assert_int_equal(hl_alloc_live(), live);
#undef TB_HEAD
#undef TB_REC
}


static void
test_send_alloc_failures(void **state)
{
	static const char *const bodies[] = {
		"{" GOOD_HEAD ",\"content_type\":\"file\",\"content_b64\":\"AAECAwQF\"}",
		"{" GOOD_HEAD ",\"text\":\"abcdef\"}",
	};
	struct hl_api_send s;
	char err[256];
	int64_t live;
	uint64_t before, total;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		live = hl_alloc_live();
		before = hl_alloc_count();
		assert_int_equal(send_parse(bodies[i], &s, err, sizeof(err)), HL_OK);
		total = hl_alloc_count() - before;
		assert_int_equal(s.content_len, 6);
		hl_apijson_send_clear(&s);
		assert_int_equal(hl_alloc_live(), live);
		hl_alloc_fail_at(total);
		assert_int_equal(send_parse(bodies[i], &s, err, sizeof(err)), HL_ERR_NOMEM);
		hl_alloc_fail_at(0);
		assert_null(s.content);
		assert_int_equal(hl_alloc_live(), live);
	}
}

/* Parse body both ways (the content_b64 lift on and off): the same answer,
 * the same error line, the same content. Returns the answer. */
static int
send_both(const uint8_t *body, size_t len, uint64_t *allocs_lift, uint64_t *allocs_plain)
{
	struct hl_api_send a, b;
	char ea[256], eb[256];
	uint64_t c0;
	int ra, rb;

	c0 = hl_alloc_count();
	ra = hl_apijson_parse_send_opt(body, len, &pol, 1, &a, ea, sizeof(ea));
	if (allocs_lift != NULL)
		*allocs_lift = hl_alloc_count() - c0;
	c0 = hl_alloc_count();
	rb = hl_apijson_parse_send_opt(body, len, &pol, 0, &b, eb, sizeof(eb));
	if (allocs_plain != NULL)
		*allocs_plain = hl_alloc_count() - c0;
	assert_int_equal(ra, rb);
	if (ra != HL_OK) {
		assert_string_equal(ea, eb);
		return ra;
	}
	assert_int_equal(a.content_len, b.content_len);
	assert_memory_equal(a.content, b.content, a.content_len);
	assert_int_equal(a.precedence, b.precedence);
	assert_int_equal(a.content_type, b.content_type);
	assert_int_equal(a.nto, b.nto);
	hl_apijson_send_clear(&a);
	hl_apijson_send_clear(&b);
	return ra;
}

/* A large "content_b64" is taken straight from the body instead of through
 * jansson; every body gets the answer it gets without that. */
static void
test_send_lift(void **state)
{
	static const char *const bodies[] = {
		/* lifted, valid: spaces around the colon, key first or last */
		"{" GOOD_HEAD ",\"content_b64\" : \"AAECAwQF\"}",
		"{\"content_b64\":\"AAECAwQ=\"," GOOD_HEAD "}",
		"{\"content_b64\":\"AAECAw==\"," GOOD_HEAD ",\"content_type\":\"file\"}",
		/* the same key inside a nested object or an array: not lifted */
		"{" GOOD_HEAD ",\"x\":{\"content_b64\":\"AAAA\"},\"content_b64\":\"AAAA\"}",
		"[{\"content_b64\":\"AAAA\"}]",
		"[1,\"content_b64\":\"AAAA\"]",
		/* the key as a value, not a key */
		"{\"tlp\":\"content_b64\",\"content_b64\":\"AAAA\"}",
		/* a text value holding what looks like the key: text, nothing lifted */
		"{" GOOD_HEAD ",\"text\":\"\\\",\\\"content_b64\\\":\\\"AAAA\"}",
		/* two of them, or text and content_b64 */
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA\",\"content_b64\":\"AAAA\"}",
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA\",\"text\":\"a\"}",
		/* bad base64 in the alphabet: padding inside, wrong length, stray bits */
		"{" GOOD_HEAD ",\"content_b64\":\"AA=A\"}",
		"{" GOOD_HEAD ",\"content_b64\":\"AAAAA\"}",
		"{" GOOD_HEAD ",\"content_b64\":\"AAB=\"}",
		/* escapes or other characters: not lifted, parsed whole */
		"{" GOOD_HEAD ",\"content_b64\":\"AA\\/A\"}",
		"{" GOOD_HEAD ",\"content_b64\":\"AA A\"}",
		/* broken JSON around a liftable value */
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA\"",
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA\"}}",
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA\" \"x\"}",
		"{" GOOD_HEAD ",\"content_b64\"::\"AAAA\"}",
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA",
		"{" GOOD_HEAD ",\"content_b64\":\"\"}",
		"{" GOOD_HEAD ",\"content_b64\":\"AAAA\",\"bogus\":1}",
	};
	static const int want[] = {
		HL_OK, HL_OK, HL_OK, HL_ERR_MALFORMED, HL_ERR_MALFORMED, HL_ERR_MALFORMED,
		HL_ERR_MALFORMED, HL_OK, HL_ERR_MALFORMED, HL_ERR_MALFORMED,
		HL_ERR_MALFORMED, HL_ERR_MALFORMED, HL_ERR_MALFORMED, HL_OK, HL_ERR_MALFORMED,
		HL_ERR_MALFORMED, HL_ERR_MALFORMED, HL_ERR_MALFORMED, HL_ERR_MALFORMED,
		HL_ERR_MALFORMED, HL_ERR_MALFORMED, HL_ERR_MALFORMED,
	};
	struct hl_buf b;
	uint64_t lifted, plain;
	size_t i, n = 1u << 20;

	(void)state;
	assert_int_equal(sizeof(bodies) / sizeof(bodies[0]), sizeof(want) / sizeof(want[0]));
	for (i = 0; i < sizeof(bodies) / sizeof(bodies[0]); i++) {
		print_message("body %zu: %s\n", i, bodies[i]);
		assert_int_equal(send_both((const uint8_t *)bodies[i], strlen(bodies[i]), NULL, NULL),
		    want[i]);
	}
	/* 1 MiB of content: the same result, and the value never went through
	 * jansson (whose string buffer grows by doubling: many allocations) */
	hl_buf_init(&b, 2 * n);
	hl_buf_put(&b, "{" GOOD_HEAD ",\"content_b64\":\"", strlen("{" GOOD_HEAD ",\"content_b64\":\""));
	assert_int_equal(hl_buf_reserve(&b, n / 3 * 4 + 8), HL_OK);
	for (i = 0; i < n / 3 * 4; i++)
		b.data[b.len++] = (uint8_t)"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"[i * 7 % 64];
	hl_buf_put(&b, "\"}", 2);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(send_both(b.data, b.len, &lifted, &plain), HL_OK);
	print_message("1 MiB content: %llu allocations with the lift, %llu without\n",
	    (unsigned long long)lifted, (unsigned long long)plain);
	assert_true(lifted + 8 < plain);
	/* and one byte changed to a character outside the alphabet is refused
	 * both ways */
	b.data[b.len - 100] = '!';
	assert_int_equal(send_both(b.data, b.len, NULL, NULL), HL_ERR_MALFORMED);
	hl_buf_free(&b);
}

/* ---- the batch body ---- */

#define GOOD_ITEM "{" GOOD_HEAD ",\"text\":\"alert\"}"

static int
batch_parse(const char *body, struct hl_api_batch *b, char *err, size_t errlen)
{
	return hl_apijson_parse_batch((const uint8_t *)body, strlen(body), &pol, b, err, errlen);
}

/* A batch of n copies of item, joined by sep, inside the object. */
static void
batch_build(struct hl_buf *b, size_t n, const char *item, const char *sep)
{
	size_t i;

	hl_buf_init(b, HL_API_BATCH_BODY_MAX_BYTES * 2);
	hl_buf_put(b, "{\"envelopes\":[", 14);
	for (i = 0; i < n; i++) {
		if (i > 0)
			hl_buf_put(b, sep, strlen(sep));
		hl_buf_put(b, item, strlen(item));
	}
	hl_buf_put(b, "]}", 2);
	assert_int_equal(hl_buf_error(b), HL_OK);
}

static void
test_batch_valid(void **state)
{
	/* white space everywhere JSON allows it; brackets, commas and quotes
	 * inside strings; the items in request order */
	static const char body[] = " \r\n{ \"envelopes\" :\t[ " GOOD_ITEM " ,\n"
	    "{\"text\":\"]},{\\\"x\\\":[\"," GOOD_HEAD "},"
	    "{\"to_all\":true,\"precedence\":\"routine\",\"classification\":\"UNCLASSIFIED\","
	    "\"releasable_to\":[\"JPN\"],\"tlp\":\"clear\",\"content_type\":\"file\","
	    "\"content_b64\":\"AAEC/w==\"}\n] } \n";
	static const char track[] = "{\"track_id\":\"a\",\"observed\":\"2026-01-01T00:00:00Z\","
	    "\"position\":{\"lat\":0,\"lon\":0},\"velocity\":{\"speed_mps\":0,\"heading_deg\":0},"
	    "\"confidence\":0}";
	struct hl_api_batch b;
	struct hl_api_send one;
	struct hl_buf tb;
	char err[320];
	int64_t live = hl_alloc_live();

	(void)state;
	assert_int_equal(batch_parse(body, &b, err, sizeof(err)), HL_OK);
	assert_int_equal(b.n, 3);
	assert_int_equal(b.bad, HL_API_BATCH_NONE);
	assert_int_equal(b.item[0].nto, 2);
	assert_int_equal(b.item[0].content_len, 5);
	assert_memory_equal(b.item[0].content, "alert", 5);
	assert_int_equal(b.item[1].content_len, 9);
	assert_memory_equal(b.item[1].content, "]},{\"x\":[", 9);
	assert_int_equal(b.item[2].to_all, 1);
	assert_int_equal(b.item[2].content_type, HL_CT_FILE);
	assert_memory_equal(b.item[2].content, "\x00\x01\x02\xff", 4);
	/* each item is what the single endpoint's parser makes of it */
	assert_int_equal(send_parse(GOOD_ITEM, &one, err, sizeof(err)), HL_OK);
	assert_int_equal(one.precedence, b.item[0].precedence);
	assert_int_equal(one.label.classification, b.item[0].label.classification);
	assert_int_equal(one.label.nrel, b.item[0].label.nrel);
	assert_string_equal(one.to[1], b.item[0].to[1]);
	hl_apijson_send_clear(&one);
	hl_apijson_batch_clear(&b);
	assert_null(b.item);
	assert_int_equal(b.n, 0);
	assert_int_equal(hl_alloc_live(), live);

	/* a track item is checked and made canonical, at FLASH, as a single send */
	hl_buf_init(&tb, 4096);
	hl_buf_put(&tb, "{\"envelopes\":[{\"to\":[\"KOR\"],\"precedence\":\"routine\","
	    "\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],\"tlp\":\"amber\","
	    "\"content_type\":\"track\",\"text\":", strlen("{\"envelopes\":[{\"to\":[\"KOR\"],"
	    "\"precedence\":\"routine\",\"classification\":\"SECRET\",\"releasable_to\":[\"JPN\"],"
	    "\"tlp\":\"amber\",\"content_type\":\"track\",\"text\":"));
	{
		json_t *js = json_string(track);
		char *enc = json_dumps(js, JSON_ENCODE_ANY);

		assert_non_null(enc);
		hl_buf_put(&tb, enc, strlen(enc));
		hl_free(enc);
		json_decref(js);
	}
	hl_buf_put(&tb, "}]}", 3);
	assert_int_equal(hl_buf_error(&tb), HL_OK);
	assert_int_equal(hl_apijson_parse_batch(tb.data, tb.len, &pol, &b, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(b.n, 1);
	assert_int_equal(b.item[0].precedence, HL_PREC_FLASH);
	assert_int_equal(b.item[0].content_type, HL_CT_TRACK);
	hl_apijson_batch_clear(&b);
	hl_buf_free(&tb);
}

struct bad_batch {
	const char *body;
	int want;              /* HL_ERR_MALFORMED or HL_ERR_TOO_BIG */
	size_t index;          /* the item at fault, or HL_API_BATCH_NONE */
	const char *err_has;
};

static void
test_batch_malformed(void **state)
{
	static const struct bad_batch bad[] = {
		{ "", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "object" },
		{ "[]", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "object" },
		{ "{}", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "envelopes" },
		{ "{\"envelopes\":[]}", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "empty" },
		{ "{\"envelopes\":{}}", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "array" },
		{ "{\"envelopes\":" GOOD_ITEM "}", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "array" },
		{ "{\"envelopes\" [" GOOD_ITEM "]}", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "array" },
		{ "{\"Envelopes\":[" GOOD_ITEM "]}", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "envelopes" },
		/* the key escaped: the one spelling is taken */
		{ "{\"\\u0065nvelopes\":[" GOOD_ITEM "]}", HL_ERR_MALFORMED, HL_API_BATCH_NONE,
		  "envelopes" },
		{ "{\"x\":1,\"envelopes\":[" GOOD_ITEM "]}", HL_ERR_MALFORMED, HL_API_BATCH_NONE,
		  "envelopes" },
		{ "{\"envelopes\":[" GOOD_ITEM "],\"x\":1}", HL_ERR_MALFORMED, HL_API_BATCH_NONE,
		  "one member" },
		{ "{\"envelopes\":[" GOOD_ITEM "],\"envelopes\":[" GOOD_ITEM "]}", HL_ERR_MALFORMED,
		  HL_API_BATCH_NONE, "one member" },
		{ "{\"envelopes\":[" GOOD_ITEM "]} x", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "follow" },
		{ "{\"envelopes\":[" GOOD_ITEM "]", HL_ERR_MALFORMED, HL_API_BATCH_NONE, "one member" },
		{ "{\"envelopes\":[" GOOD_ITEM "}", HL_ERR_MALFORMED, 0, "not closed" },
		{ "{\"envelopes\":[" GOOD_ITEM, HL_ERR_MALFORMED, 0, "not closed" },
		{ "{\"envelopes\":[" GOOD_ITEM ",]}", HL_ERR_MALFORMED, 1, "missing value" },
		{ "{\"envelopes\":[," GOOD_ITEM "]}", HL_ERR_MALFORMED, 0, "missing value" },
		{ "{\"envelopes\":[" GOOD_ITEM ",," GOOD_ITEM "]}", HL_ERR_MALFORMED, 1,
		  "missing value" },
		{ "{\"envelopes\":[" GOOD_ITEM " " GOOD_ITEM "]}", HL_ERR_MALFORMED, 0,
		  "invalid JSON" },
		/* an item the single endpoint refuses: its error, with the index */
		{ "{\"envelopes\":[" GOOD_ITEM ",{" GOOD_HEAD ",\"text\":\"a\",\"bogus\":1}]}",
		  HL_ERR_MALFORMED, 1, "envelopes[1]: unknown field \"bogus\"" },
		{ "{\"envelopes\":[" GOOD_ITEM "," GOOD_ITEM ",1]}", HL_ERR_MALFORMED, 2,
		  "envelopes[2]: invalid JSON" },
		{ "{\"envelopes\":[" GOOD_ITEM ",\"]\"]}", HL_ERR_MALFORMED, 1, "envelopes[1]" },
		{ "{\"envelopes\":[[" GOOD_ITEM "]]}", HL_ERR_MALFORMED, 0, "object" },
		{ "{\"envelopes\":[{" GOOD_HEAD "}]}", HL_ERR_MALFORMED, 0, "exactly one" },
		{ "{\"envelopes\":[{" GOOD_HEAD ",\"text\":\"a\",\"text\":\"b\"}]}", HL_ERR_MALFORMED,
		  0, "duplicate" },
		{ "{\"envelopes\":[{" GOOD_HEAD ",\"content_type\":\"track\",\"text\":\"{}\"}]}",
		  HL_ERR_MALFORMED, 0, "envelopes[0]: invalid track" },
		{ "{\"envelopes\":[{" GOOD_HEAD ",\"text\":\"a\\ud800\"}]}", HL_ERR_MALFORMED, 0,
		  "invalid JSON" },
		{ "{\"envelopes\":[{\"text\":\"]\"]}", HL_ERR_MALFORMED, 0, "not closed" },
	};
	struct hl_api_batch b;
	char err[320];
	size_t i;
	int64_t live = hl_alloc_live();
	int r;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		err[0] = '\0';
		r = batch_parse(bad[i].body, &b, err, sizeof(err));
		if (r != bad[i].want || b.bad != bad[i].index || strstr(err, bad[i].err_has) == NULL)
			fail_msg("case %zu (%s): r=%d bad=%zu err=\"%s\"", i, bad[i].body, r, b.bad, err);
		assert_null(b.item);
		assert_int_equal(b.n, 0);
		assert_null(strchr(err, '\n'));
		assert_int_equal(hl_alloc_live(), live);
	}
}

static void
test_batch_limits(void **state)
{
	struct hl_api_batch b;
	struct hl_buf body;
	char err[320];
	size_t big, i;

	(void)state;
	/* exactly the limit */
	batch_build(&body, HL_API_BATCH_MAX, GOOD_ITEM, ",");
	assert_int_equal(hl_apijson_parse_batch(body.data, body.len, &pol, &b, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(b.n, HL_API_BATCH_MAX);
	assert_memory_equal(b.item[HL_API_BATCH_MAX - 1].content, "alert", 5);
	hl_apijson_batch_clear(&b);
	hl_buf_free(&body);
	/* one over: too big, found before any item is parsed (a bad item
	 * anywhere does not change the answer) */
	batch_build(&body, HL_API_BATCH_MAX + 1, GOOD_ITEM, ",");
	assert_int_equal(hl_apijson_parse_batch(body.data, body.len, &pol, &b, err, sizeof(err)),
	    HL_ERR_TOO_BIG);
	assert_int_equal(b.bad, HL_API_BATCH_NONE);
	assert_non_null(strstr(err, "more than 1000"));
	hl_buf_free(&body);
	batch_build(&body, HL_API_BATCH_MAX + 1, "{\"bogus\":1}", ",");
	assert_int_equal(hl_apijson_parse_batch(body.data, body.len, &pol, &b, err, sizeof(err)),
	    HL_ERR_TOO_BIG);
	hl_buf_free(&body);
	/* many tiny values are counted, not parsed into a tree */
	batch_build(&body, 100000, "1", ",");
	assert_int_equal(hl_apijson_parse_batch(body.data, body.len, &pol, &b, err, sizeof(err)),
	    HL_ERR_TOO_BIG);
	hl_buf_free(&body);
	/* a body over the byte limit is refused unread */
	big = HL_API_BATCH_BODY_MAX_BYTES + 1;
	assert_int_equal(hl_apijson_parse_batch((const uint8_t *)"{}", big, &pol, &b, err,
	    sizeof(err)), HL_ERR_TOO_BIG);
	assert_non_null(strstr(err, "body larger"));
	assert_null(b.item);
	/* an item nested too deep is refused by the item's own parse */
	hl_buf_init(&body, 4096);
	hl_buf_put(&body, "{\"envelopes\":[" GOOD_ITEM ",{\"to\":", strlen("{\"envelopes\":["
	    GOOD_ITEM ",{\"to\":"));
	for (i = 0; i < HL_JSON_DEPTH_MAX; i++)
		hl_buf_put(&body, "[", 1);
	for (i = 0; i < HL_JSON_DEPTH_MAX; i++)
		hl_buf_put(&body, "]", 1);
	hl_buf_put(&body, "}]}", 3);
	assert_int_equal(hl_buf_error(&body), HL_OK);
	assert_int_equal(hl_apijson_parse_batch(body.data, body.len, &pol, &b, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(b.bad, 1);
	hl_buf_free(&body);
	assert_non_null(strstr(err, "nested"));
}

/* Our own allocations fail in turn (not jansson's: see
 * test_send_alloc_failures): the span table, the item table and the
 * content of the last item; nothing leaks. */
static void
test_batch_alloc_failures(void **state)
{
	static const char body[] = "{\"envelopes\":[" GOOD_ITEM "," GOOD_ITEM "]}";
	struct hl_api_batch b;
	char err[320];
	int64_t live = hl_alloc_live();
	uint64_t before, total, at[3];
	size_t i;

	(void)state;
	before = hl_alloc_count();
	assert_int_equal(batch_parse(body, &b, err, sizeof(err)), HL_OK);
	total = hl_alloc_count() - before;
	hl_apijson_batch_clear(&b);
	assert_int_equal(hl_alloc_live(), live);
	at[0] = 1;
	at[1] = 2;
	at[2] = total;
	for (i = 0; i < 3; i++) {
		hl_alloc_fail_at(at[i]);
		assert_int_equal(batch_parse(body, &b, err, sizeof(err)), HL_ERR_NOMEM);
		hl_alloc_fail_at(0);
		assert_null(b.item);
		assert_int_equal(hl_alloc_live(), live);
	}
}

static void
test_parse_empty(void **state)
{
	char err[160];

	(void)state;
	assert_int_equal(hl_apijson_parse_empty(NULL, 0, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_apijson_parse_empty((const uint8_t *)"{}", 2, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_apijson_parse_empty((const uint8_t *)" { } ", 5, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(hl_apijson_parse_empty((const uint8_t *)"{\"a\":1}", 7, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "\"a\""));
	assert_int_equal(hl_apijson_parse_empty((const uint8_t *)"[]", 2, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_parse_empty((const uint8_t *)"{", 1, err, sizeof(err)),
	    HL_ERR_MALFORMED);
}

/* ---- credentials and base64 ---- */

static void
test_basic(void **state)
{
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], hdr[4096], *b;

	(void)state;
	/* admin:s3cret:with:colons */
	assert_int_equal(hl_apijson_parse_basic("Basic YWRtaW46czNjcmV0OndpdGg6Y29sb25z", user,
	    pass), HL_OK);
	assert_string_equal(user, "admin");
	assert_string_equal(pass, "s3cret:with:colons");
	assert_int_equal(hl_apijson_parse_basic("basic   YWRtaW46  ", user, pass), HL_OK);
	assert_string_equal(user, "admin");
	assert_string_equal(pass, "");

	assert_int_equal(hl_apijson_parse_basic(NULL, user, pass), HL_ERR_AUTH);
	assert_int_equal(hl_apijson_parse_basic("Bearer YWRtaW46eA==", user, pass), HL_ERR_AUTH);
	assert_int_equal(hl_apijson_parse_basic("Basic", user, pass), HL_ERR_AUTH);
	assert_int_equal(hl_apijson_parse_basic("Basic YWRtaW4=", user, pass), HL_ERR_AUTH);  /* no colon */
	assert_int_equal(hl_apijson_parse_basic("Basic OnB3", user, pass), HL_ERR_AUTH);      /* empty user */
	assert_int_equal(hl_apijson_parse_basic("Basic YWRtaW46eA=", user, pass), HL_ERR_AUTH);
	assert_int_equal(hl_apijson_parse_basic("Basic YWRtaW46e!==", user, pass), HL_ERR_AUTH);
	assert_int_equal(hl_apijson_parse_basic("Basic YSBiOmM=", user, pass), HL_ERR_AUTH);  /* "a b:c" */
	assert_int_equal(hl_apijson_parse_basic("Basic YQpiOmM=", user, pass), HL_ERR_AUTH);  /* "a\nb:c" */
	assert_int_equal(hl_apijson_parse_basic("Basic YTpiAGM=", user, pass), HL_ERR_AUTH);  /* NUL in password */
	assert_string_equal(user, "");
	assert_string_equal(pass, "");
	/* an oversized header */
	memcpy(hdr, "Basic ", 6);
	memset(hdr + 6, 'Q', sizeof(hdr) - 7);
	hdr[sizeof(hdr) - 1] = '\0';
	assert_int_equal(hl_apijson_parse_basic(hdr, user, pass), HL_ERR_AUTH);
	/* a 65-byte user name */
	memset(hdr, 'u', 65);
	hdr[65] = ':';
	hdr[66] = 'p';
	assert_non_null(b = hl_apijson_b64_encode((const uint8_t *)hdr, 67));
	snprintf(hdr, sizeof(hdr), "Basic %s", b);
	hl_free(b);
	assert_int_equal(hl_apijson_parse_basic(hdr, user, pass), HL_ERR_AUTH);
}

static void
test_b64(void **state)
{
	uint8_t in[64], *out;
	size_t i, n;
	char *e;

	(void)state;
	for (i = 0; i < sizeof(in); i++)
		in[i] = (uint8_t)(i * 37 + 1);
	for (i = 0; i <= 20; i++) {
		assert_non_null(e = hl_apijson_b64_encode(in, i));
		assert_int_equal(strlen(e), (i + 2) / 3 * 4);
		assert_int_equal(hl_apijson_b64_decode(e, strlen(e), 64, &out, &n), HL_OK);
		assert_int_equal(n, i);
		if (i > 0)
			assert_memory_equal(out, in, i);
		hl_free_secret(out, n);
		if (strlen(e) >= 4)
			assert_int_equal(hl_apijson_b64_decode(e, strlen(e), i - 1 + (i == 0), &out, &n),
			    i == 0 ? HL_OK : HL_ERR_TOO_BIG);
		hl_free(e);
	}
	assert_int_equal(hl_apijson_b64_decode("QQ==", 4, 10, &out, &n), HL_OK);
	assert_int_equal(n, 1);
	assert_int_equal(out[0], 'A');
	hl_free_secret(out, n);
	assert_int_equal(hl_apijson_b64_decode("QR==", 4, 10, &out, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_b64_decode("QUI=", 4, 10, &out, &n), HL_OK);
	hl_free_secret(out, n);
	assert_int_equal(hl_apijson_b64_decode("QUJ=", 4, 10, &out, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_b64_decode("Q===", 4, 10, &out, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_b64_decode("QQ", 2, 10, &out, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_b64_decode("QQ=\n", 4, 10, &out, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_apijson_b64_decode("Q-_A", 4, 10, &out, &n), HL_ERR_MALFORMED);
	assert_null(out);
	assert_int_equal(n, 0);
}

/* ---- rule 4 and response JSON ---- */

static size_t
make_label(const char *cls, const char *rel, const char *tlp, uint8_t *out)
{
	struct hl_label l;
	struct hl_buf b;
	char err[160];
	size_t n;

	assert_int_equal(hl_label_make(&pol, &(struct hl_label_spec){ .classification = cls,
	    .releasable = rel, .tlp = tlp }, &l, err, sizeof(err)), HL_OK);
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	assert_int_equal(hl_label_encode(&l, &b), HL_OK);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	n = b.len;
	memcpy(out, b.data, n);
	hl_buf_free(&b);
	return n;
}

static void
test_visible(void **state)
{
	struct hl_operator_conf op;
	struct hl_label l;
	uint8_t lab[HL_LABEL_MAX_BYTES];
	size_t n;
	uint8_t secret, conf;

	(void)state;
	assert_int_equal(hl_policy_level(&pol, "SECRET", &secret), HL_OK);
	assert_int_equal(hl_policy_level(&pol, "CONFIDENTIAL", &conf), HL_OK);
	memset(&op, 0, sizeof(op));
	snprintf(op.name, sizeof(op.name), "duty");
	snprintf(op.nationality, sizeof(op.nationality), "JPN");
	op.clearance = secret;

	n = make_label("SECRET", "JPN,KOR,USA", "amber", lab);
	assert_int_equal(hl_apijson_visible(lab, n, &pol, &op, &l), 1);
	assert_int_equal(l.classification, secret);
	op.clearance = conf;   /* clearance below the classification */
	assert_int_equal(hl_apijson_visible(lab, n, &pol, &op, &l), 0);
	assert_int_equal(l.nrel, 0);
	op.clearance = secret;
	snprintf(op.nationality, sizeof(op.nationality), "NATO");   /* not releasable */
	assert_int_equal(hl_apijson_visible(lab, n, &pol, &op, &l), 0);
	snprintf(op.nationality, sizeof(op.nationality), "KOR");
	assert_int_equal(hl_apijson_visible(lab, n, &pol, &op, &l), 1);
	/* a label that does not decode is never visible */
	assert_int_equal(hl_apijson_visible(lab, n - 1, &pol, &op, &l), 0);
	assert_int_equal(hl_apijson_visible(lab, 0, &pol, &op, &l), 0);
	lab[0] ^= 0xff;
	assert_int_equal(hl_apijson_visible(lab, n, &pol, &op, &l), 0);
}

static void
test_msg_json(void **state)
{
	struct hl_msg m;
	struct hl_label l;
	char err[160];
	json_t *j;
	char *s;

	(void)state;
	memset(&m, 0, sizeof(m));
	assert_int_equal(hl_label_make(&pol, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "JPN,KOR", .tlp = "amber" }, &l, err, sizeof(err)), HL_OK);
	memset(m.id, 0xab, sizeof(m.id));
	m.inbound = 1;
	snprintf(m.origin, sizeof(m.origin), "KOR/node-1");
	snprintf(m.originator, sizeof(m.originator), "kim");
	m.precedence = HL_PREC_FLASH;
	m.content_type = HL_CT_TEXT;
	m.flags = HL_ENV_FLAG_EXERCISE;
	m.suite = HL_SUITE_X25519;
	m.created_ms = 1795435200123ull;
	m.expires_ms = m.created_ms + 1000;
	m.stored_ms = m.created_ms + 5;
	m.sig_ok = 1;
	m.content = (uint8_t *)"hello";
	m.content_len = 5;

	assert_non_null(j = hl_apijson_msg(&m, &l, &pol, 0));
	assert_string_equal(json_string_value(json_object_get(j, "id")),
	    "abababababababababababababababab");
	assert_string_equal(json_string_value(json_object_get(j, "precedence")), "FLASH");
	assert_true(json_is_true(json_object_get(j, "exercise")));
	assert_string_equal(json_string_value(json_object_get(j, "created")),
	    "2026-11-23T12:00:00.123Z");
	assert_string_equal(json_string_value(json_object_get(j, "received")),
	    "2026-11-23T12:00:00.128Z");
	assert_true(json_is_null(json_object_get(j, "acknowledged")));
	assert_true(json_is_null(json_object_get(j, "acknowledged_by")));
	assert_string_equal(json_string_value(json_object_get(json_object_get(j, "label"),
	    "classification")), "SECRET");
	assert_int_equal(json_array_size(json_object_get(json_object_get(j, "label"),
	    "releasable_to")), 2);
	assert_int_equal(json_integer_value(json_object_get(j, "size")), 5);
	assert_null(json_object_get(j, "text"));          /* list items carry no content */
	assert_null(json_object_get(j, "direction"));
	json_decref(j);

	assert_non_null(j = hl_apijson_msg(&m, &l, &pol, 1));
	assert_string_equal(json_string_value(json_object_get(j, "text")), "hello");
	assert_string_equal(json_string_value(json_object_get(j, "direction")), "in");
	assert_string_equal(json_string_value(json_object_get(j, "signature")), "verified");
	assert_non_null(s = hl_apijson_dump(j));
	assert_non_null(strstr(s, "\"id\": \"abab"));
	assert_true(strstr(s, "\"id\"") < strstr(s, "\"origin\""));   /* stable order */
	assert_int_equal(s[strlen(s) - 1], '\n');
	hl_free(s);
	json_decref(j);

	/* not UTF-8, or not text: base64; acknowledged; outbound has "sent" */
	m.content = (uint8_t *)"\xff\xfe";
	m.content_len = 2;
	m.acked_ms = m.created_ms;
	snprintf(m.acked_by, sizeof(m.acked_by), "duty");
	assert_non_null(j = hl_apijson_msg(&m, &l, &pol, 1));
	assert_null(json_object_get(j, "text"));
	assert_string_equal(json_string_value(json_object_get(j, "content_b64")), "//4=");
	assert_string_equal(json_string_value(json_object_get(j, "acknowledged_by")), "duty");
	json_decref(j);
	m.inbound = 0;
	m.sig_ok = 0;
	assert_non_null(j = hl_apijson_msg(&m, &l, &pol, 1));
	assert_string_equal(json_string_value(json_object_get(j, "direction")), "out");
	assert_string_equal(json_string_value(json_object_get(j, "signature")), "FAILED");
	assert_non_null(json_object_get(j, "sent"));
	assert_null(json_object_get(j, "acknowledged"));
	json_decref(j);
}

static void
test_deliveries_json(void **state)
{
	struct hl_delivery d[3];
	uint8_t id[HL_ID_BYTES];
	json_t *j, *r;

	(void)state;
	memset(d, 0, sizeof(d));
	memset(id, 0x01, sizeof(id));
	snprintf(d[0].node, sizeof(d[0].node), "KOR/node-1");
	d[0].state = HL_DLV_ACKNOWLEDGED;
	d[0].acked_ms = 1795435200123ull;
	snprintf(d[0].acked_by, sizeof(d[0].acked_by), "kim");
	snprintf(d[1].node, sizeof(d[1].node), "USA/node-1");
	d[1].state = HL_DLV_REJECTED;
	d[1].reason = HL_REASON_ACCREDITATION;
	snprintf(d[1].detail, sizeof(d[1].detail), "link accredited to CONFIDENTIAL");
	snprintf(d[2].node, sizeof(d[2].node), "NATO/node-1");
	d[2].state = HL_DLV_QUEUED;

	assert_non_null(j = hl_apijson_deliveries(id, d, 3));
	assert_string_equal(json_string_value(json_object_get(j, "id")),
	    "01010101010101010101010101010101");
	assert_int_equal(json_array_size(json_object_get(j, "recipients")), 3);
	r = json_array_get(json_object_get(j, "recipients"), 0);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "acknowledged");
	assert_string_equal(json_string_value(json_object_get(r, "acknowledged_by")), "kim");
	assert_true(json_is_null(json_object_get(r, "reason")));
	r = json_array_get(json_object_get(j, "recipients"), 1);
	assert_string_equal(json_string_value(json_object_get(r, "state")), "rejected");
	assert_string_equal(json_string_value(json_object_get(r, "reason")),
	    hl_reason_name(HL_REASON_ACCREDITATION));
	assert_string_equal(json_string_value(json_object_get(r, "detail")),
	    "link accredited to CONFIDENTIAL");
	json_decref(j);

	assert_non_null(j = hl_apijson_delivery_summary(d, 3));
	assert_int_equal(json_integer_value(json_object_get(j, "queued")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "delivered")), 0);
	assert_int_equal(json_integer_value(json_object_get(j, "acknowledged")), 1);
	assert_int_equal(json_integer_value(json_object_get(j, "rejected")), 1);
	json_decref(j);

	assert_non_null(j = hl_apijson_error("denied", "no"));
	assert_string_equal(json_string_value(json_object_get(j, "error")), "denied");
	json_decref(j);
	assert_true(json_is_null(j = hl_apijson_time(0)));
	json_decref(j);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_id_time),
		cmocka_unit_test(test_query),
		cmocka_unit_test(test_send_valid),
		cmocka_unit_test(test_send_malformed),
		cmocka_unit_test(test_send_limits),
		cmocka_unit_test(test_upload),
		cmocka_unit_test(test_tracks_body),
		cmocka_unit_test(test_send_alloc_failures),
		cmocka_unit_test(test_send_lift),
		cmocka_unit_test(test_batch_valid),
		cmocka_unit_test(test_batch_malformed),
		cmocka_unit_test(test_batch_limits),
		cmocka_unit_test(test_batch_alloc_failures),
		cmocka_unit_test(test_parse_empty),
		cmocka_unit_test(test_basic),
		cmocka_unit_test(test_b64),
		cmocka_unit_test(test_visible),
		cmocka_unit_test(test_msg_json),
		cmocka_unit_test(test_deliveries_json),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
