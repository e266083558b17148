/* test_httpgate.c: request heads read as evhttp reads them (httpgate.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "httpgate.h"

#define HEADS_MAX 8

struct seen {
	int nheads;
	char method[HEADS_MAX][HL_GATE_METHOD_MAX + 1];
	uint64_t body[HEADS_MAX];
	char auth[HEADS_MAX][64];
	int off;
	char why[128];
};

static void
on_head(void *arg, const struct hl_gate_head *h)
{
	struct seen *s = arg;

	if (s->nheads >= HEADS_MAX)
		return;
	(void)snprintf(s->method[s->nheads], sizeof(s->method[0]), "%s", h->method);
	s->body[s->nheads] = h->body_len;
	if (hl_gate_header(h, "authorization", s->auth[s->nheads], sizeof(s->auth[0])) != HL_OK)
		s->auth[s->nheads][0] = '\0';
	s->nheads++;
}

static void
on_off(void *arg, const char *why)
{
	struct seen *s = arg;

	s->off++;
	(void)snprintf(s->why, sizeof(s->why), "%s", why);
}

/* text fed in pieces of step bytes (0: at once) */
static enum hl_gate_state
feed(struct hl_gate *g, struct seen *s, const char *text, size_t step)
{
	size_t n = strlen(text), i, k;

	memset(s, 0, sizeof(*s));
	hl_gate_init(g);
	if (step == 0)
		step = n;
	for (i = 0; i < n; i += k) {
		k = n - i < step ? n - i : step;
		hl_gate_feed(g, (const uint8_t *)text + i, k, on_head, on_off, s);
	}
	return g->state;
}

static struct hl_gate gate;

static void
test_pipelined(void **state)
{
	const char *t = "POST /api/v1/messages HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n"
	    "Authorization:   Basic YWRtaW46eA== \t\r\n\r\n0123456789"
	    "GET /api/v1/status HTTP/1.1\r\n\r\n"
	    "HEAD /x HTTP/1.1\nContent-Length: 7\n\n"
	    "DELETE /y HTTP/1.1\r\ncontent-length: 3\r\n\r\nabc";
	struct seen s;
	size_t step;

	(void)state;
	for (step = 0; step <= 9; step++) {
		assert_int_equal(feed(&gate, &s, t, step), HL_GATE_HEAD);
		assert_int_equal(s.off, 0);
		assert_int_equal(s.nheads, 4);
		assert_string_equal(s.method[0], "POST");
		assert_true(s.body[0] == 10);
		assert_string_equal(s.auth[0], "Basic YWRtaW46eA==");
		assert_string_equal(s.method[1], "GET");
		assert_true(s.body[1] == 0);
		/* evhttp reads no body for HEAD: the 7 is not skipped */
		assert_string_equal(s.method[2], "HEAD");
		assert_true(s.body[2] == 0);
		assert_string_equal(s.method[3], "DELETE");
		assert_true(s.body[3] == 3);
	}
}

static void
test_body_waits(void **state)
{
	struct seen s;

	(void)state;
	assert_int_equal(feed(&gate, &s, "PUT /a HTTP/1.1\r\nContent-Length: 100000\r\n\r\nabc", 0),
	    HL_GATE_BODY);
	assert_int_equal(s.nheads, 1);
	assert_true(gate.left == 100000 - 3);
	/* bytes that look like a head inside a body are the body */
	hl_gate_feed(&gate, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, on_head, on_off, &s);
	assert_int_equal(s.nheads, 1);
	assert_true(gate.left == 100000 - 21);
}

static void
test_ends_watch(void **state)
{
	static const struct { const char *text; const char *why; } bad[] = {
		{ "POST / HTTP/1.1\r\nContent-Length: 5\r\nContent-Length: 5\r\n\r\n", "more than one" },
		{ "POST / HTTP/1.1\r\nContent-Length: +5\r\n\r\n", "not a number" },
		{ "POST / HTTP/1.1\r\nContent-Length: 5x\r\n\r\n", "not a number" },
		{ "POST / HTTP/1.1\r\nContent-Length:\r\n\r\n", "not a number" },
		{ "POST / HTTP/1.1\r\nContent-Length: 1234567890123456789\r\n\r\n", "not a number" },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n", "chunked" },
		{ "POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nContent-Length: 5\r\n\r\n", "other than" },
		{ "POST / HTTP/1.1\r\nX-A: 1\r\n  continued\r\n\r\n", "continued" },
		{ "POST / HTTP/1.1\r\nno colon here\r\n\r\n", "without a colon" },
		{ "\r\nGET / HTTP/1.1\r\n\r\n", "empty request line" },
		{ "GET\r\n\r\n", "malformed request line" },
	};
	struct seen s;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(feed(&gate, &s, bad[i].text, 0), HL_GATE_OFF);
		assert_int_equal(s.off, 1);
		assert_int_equal(s.nheads, 0);
		if (strstr(s.why, bad[i].why) == NULL)
			fail_msg("%zu: why \"%s\", wanted \"%s\"", i, s.why, bad[i].why);
		/* nothing more is looked at once the watch is off */
		hl_gate_feed(&gate, (const uint8_t *)"GET / HTTP/1.1\r\n\r\n", 18, on_head, on_off, &s);
		assert_int_equal(s.nheads, 0);
		assert_int_equal(s.off, 1);
	}
}

static void
test_head_limit(void **state)
{
	static char big[HL_GATE_HEAD_MAX + 64];
	struct seen s;

	(void)state;
	memcpy(big, "GET / HTTP/1.1\r\nX-Big: ", 23);
	memset(big + 23, 'a', sizeof(big) - 24);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(feed(&gate, &s, big, 1000), HL_GATE_OFF);
	assert_non_null(strstr(s.why, "over the limit"));
}

static void
test_lookups(void **state)
{
	const char *t = "POST /taxii2/api/collections/x/objects/?match[id]=1 HTTP/1.1\r\n"
	    "Cookie: a=1\r\nX-Long: 0123456789\r\ncookie: b=2\r\n\r\n";
	struct hl_gate_head h;
	char v[8], p[64];

	(void)state;
	memset(&h, 0, sizeof(h));
	h.text = t;
	h.len = strlen(t);
	assert_int_equal(hl_gate_header(&h, "COOKIE", v, sizeof(v)), HL_OK);
	assert_string_equal(v, "a=1");
	assert_int_equal(hl_gate_header(&h, "X-Long", v, sizeof(v)), HL_ERR_TOO_BIG);
	assert_int_equal(hl_gate_header(&h, "X-None", v, sizeof(v)), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_gate_path(&h, p, sizeof(p)), HL_OK);
	assert_string_equal(p, "/taxii2/api/collections/x/objects/");
	assert_int_equal(hl_gate_path(&h, p, 8), HL_ERR_TOO_BIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_pipelined),
		cmocka_unit_test(test_body_waits),
		cmocka_unit_test(test_ends_watch),
		cmocka_unit_test(test_head_limit),
		cmocka_unit_test(test_lookups),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
