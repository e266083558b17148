/* test_profile.c: the CLI's profile file (profile.h): what it accepts,
 * the limits, what it refuses, and that format and parse agree. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "profile.h"

#define TOK "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"

static const char good[] =
    "# a comment\n"
    "\n"
    "url = https://node.example:7500\n"
    "ca = /etc/hotline/ca.crt\n"
    "node = JPN/node-1\n"
    "user = admin\n"
    "token = " TOK "\n";

static int
parse(const char *text, struct hl_profile *p, char *err, size_t errlen)
{
	return hl_profile_parse((const uint8_t *)text, strlen(text), p, err, errlen);
}

static void
test_good(void **state)
{
	struct hl_profile p;
	char err[128] = "";

	(void)state;
	assert_int_equal(parse(good, &p, err, sizeof(err)), HL_OK);
	assert_string_equal(p.host, "node.example");
	assert_int_equal(p.port, 7500);
	assert_string_equal(p.ca_path, "/etc/hotline/ca.crt");
	assert_string_equal(p.node, "JPN/node-1");
	assert_string_equal(p.user, "admin");
	assert_string_equal(p.token, TOK);
	/* no blanks around '=', a trailing '/' in the url, IPv6, no final newline */
	assert_int_equal(parse("url=https://[::1]:7500/\nca=/c\nnode=KOR/n\nuser=a.b\ntoken=" TOK,
	    &p, err, sizeof(err)), HL_OK);
	assert_string_equal(p.host, "::1");
}

/* every way a profile is refused, with the line that says why */
static void
test_malformed(void **state)
{
	static const struct {
		const char *from, *to, *why;
	} bad[] = {
		{ "user = admin", "user = admin\nuser = bob", "line 7: key given twice" },
		{ "user = admin", "", "missing key 'user'" },
		{ "user = admin", "password = x", "line 6: unknown key" },
		{ "user = admin", "user admin", "line 6: expected key = value" },
		{ "user = admin", "user = a:b", "line 6: user: expected an operator name" },
		{ "user = admin", "user = ad\tmin", "line 6: control character" },
		{ "ca = /etc/hotline/ca.crt", "ca = ca.crt", "line 4: ca: expected an absolute path" },
		{ "node = JPN/node-1", "node = node-1", "line 5: node: expected PARTNER/name" },
		{ "url = https://node.example:7500", "url = http://node.example:7500",
		    "line 3: url: expected https://HOST:PORT" },
		{ "url = https://node.example:7500", "url = https://node.example",
		    "line 3: url: expected https://HOST:PORT" },
		{ "url = https://node.example:7500", "url = https://node.example:7500/x",
		    "line 3: url: expected https://HOST:PORT" },
		{ "token = " TOK, "token = " "0123456789ABCDEF0123456789abcdef0123456789abcdef0123456789abcdef",
		    "line 7: token: expected 64 lowercase hex digits" },
		{ "token = " TOK, "token = abc", "line 7: token: expected 64 lowercase hex digits" },
		{ "# a comment", "# a comment\r", "line 1: control character" },
	};
	char text[2048], err[128];
	struct hl_profile p;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		const char *at = strstr(good, bad[i].from);

		assert_non_null(at);
		snprintf(text, sizeof(text), "%.*s%s%s", (int)(at - good), good, bad[i].to,
		    at + strlen(bad[i].from));
		err[0] = '\0';
		assert_int_equal(parse(text, &p, err, sizeof(err)), HL_ERR_MALFORMED);
		assert_string_equal(err, bad[i].why);
		/* nothing is left of what was read */
		assert_string_equal(p.token, "");
	}
	/* a NUL inside */
	memcpy(text, good, sizeof(good));
	text[2] = '\0';
	assert_int_equal(hl_profile_parse((const uint8_t *)text, sizeof(good) - 1, &p, err,
	    sizeof(err)), HL_ERR_MALFORMED);
}

/* the size limit: a valid profile padded with comments just fits, one
 * byte more does not */
static void
test_limit(void **state)
{
	static char text[HL_PROFILE_MAX_BYTES + 2];
	struct hl_profile p;
	char err[128];
	size_t n = strlen(good);

	(void)state;
	memcpy(text, good, n);
	memset(text + n, '#', HL_PROFILE_MAX_BYTES - n);
	assert_int_equal(hl_profile_parse((const uint8_t *)text, HL_PROFILE_MAX_BYTES, &p, err,
	    sizeof(err)), HL_OK);
	text[HL_PROFILE_MAX_BYTES] = '#';
	assert_int_equal(hl_profile_parse((const uint8_t *)text, HL_PROFILE_MAX_BYTES + 1, &p, err,
	    sizeof(err)), HL_ERR_TOO_BIG);
	assert_string_equal(p.token, "");
}

static void
test_format(void **state)
{
	struct hl_profile p, q;
	char text[HL_PROFILE_MAX_BYTES], err[128];
	size_t len = 0;

	(void)state;
	assert_int_equal(parse(good, &p, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_profile_format(&p, text, sizeof(text), &len), HL_OK);
	assert_int_equal(strlen(text), len);
	assert_non_null(strstr(text, "url = https://node.example:7500\n"));
	assert_int_equal(hl_profile_parse((const uint8_t *)text, len, &q, err, sizeof(err)), HL_OK);
	assert_memory_equal(&p, &q, sizeof(p));
	/* IPv6 goes back into brackets */
	snprintf(p.host, sizeof(p.host), "::1");
	assert_int_equal(hl_profile_format(&p, text, sizeof(text), &len), HL_OK);
	assert_non_null(strstr(text, "url = https://[::1]:7500\n"));
	/* what would not parse back is not written */
	q = p;
	snprintf(q.ca_path, sizeof(q.ca_path), "/a\nuser = root");
	assert_int_equal(hl_profile_format(&q, text, sizeof(text), &len), HL_ERR_INVALID);
	q = p;
	q.token[3] = 'G';
	assert_int_equal(hl_profile_format(&q, text, sizeof(text), &len), HL_ERR_INVALID);
	q = p;
	q.port = 0;
	assert_int_equal(hl_profile_format(&q, text, sizeof(text), &len), HL_ERR_INVALID);
	assert_int_equal(hl_profile_format(&p, text, 40, &len), HL_ERR_TOO_BIG);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limit),
		cmocka_unit_test(test_format),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
