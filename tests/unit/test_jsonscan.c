/* test_jsonscan.c: the JSON byte scans shared by apijson and track,
 * against a naive reference on random text. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "jsonscan.h"

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

static void
test_depth(void **state)
{
	(void)state;
	assert_true(hl_jsonscan_depth_within(S(""), 0));
	assert_true(hl_jsonscan_depth_within(S("1"), 0));
	assert_false(hl_jsonscan_depth_within(S("[]"), 0));
	assert_true(hl_jsonscan_depth_within(S("[[]]"), 2));
	assert_false(hl_jsonscan_depth_within(S("[[[]]]"), 2));
	assert_true(hl_jsonscan_depth_within(S("[{}, {}, [1]]"), 2));
	/* brackets inside strings do not count, escaped quotes do not end them */
	assert_true(hl_jsonscan_depth_within(S("[\"[[[[{{{{\"]"), 1));
	assert_true(hl_jsonscan_depth_within(S("[\"a\\\"[[[\"]"), 1));
	assert_false(hl_jsonscan_depth_within(S("[\"a\\\\\"[[]]]"), 2));
	/* closers first do not go below zero */
	assert_false(hl_jsonscan_depth_within(S("]]]]][["), 1));
	assert_true(hl_jsonscan_depth_within(S("]]]]][]["), 1));
	/* only len bytes are read */
	assert_true(hl_jsonscan_depth_within((const uint8_t *)"[[[", 1, 1));
}

/* A second, plain reading of the same rule. */
static int
naive_depth(const uint8_t *p, size_t len, size_t max)
{
	size_t i, depth = 0;
	int in = 0;

	for (i = 0; i < len; i++) {
		if (in) {
			if (p[i] == '\\')
				i++;
			else if (p[i] == '"')
				in = 0;
			continue;
		}
		if (p[i] == '"')
			in = 1;
		else if (p[i] == '[' || p[i] == '{')
			depth++;
		else if ((p[i] == ']' || p[i] == '}') && depth > 0)
			depth--;
		if (depth > max)
			return 0;
	}
	return 1;
}

static void
test_random_against_naive(void **state)
{
	static const char alpha[] = "[]{}\"\\ a,";
	uint8_t buf[64];
	unsigned seed = 12345, k, i, len;

	(void)state;
	for (k = 0; k < 200000; k++) {
		seed = seed * 1103515245u + 12345u;
		len = (seed >> 16) % sizeof(buf);
		for (i = 0; i < len; i++) {
			seed = seed * 1103515245u + 12345u;
			buf[i] = (uint8_t)alpha[(seed >> 16) % (sizeof(alpha) - 1)];
		}
		assert_int_equal(hl_jsonscan_depth_within(buf, len, 3), naive_depth(buf, len, 3));
	}
}

static void
test_str_step(void **state)
{
	const char *t = "a\"b\\\"c\"d";
	int in = 0, esc = 0, inside[8];
	size_t i;

	(void)state;
	assert_int_equal(strlen(t), 8);
	for (i = 0; i < 8; i++)
		inside[i] = hl_jsonscan_str_step((uint8_t)t[i], &in, &esc);
	/* a "b\"c" d: the quotes and everything between them are string bytes */
	assert_int_equal(inside[0], 0);
	for (i = 1; i <= 6; i++)
		assert_int_equal(inside[i], 1);
	assert_int_equal(inside[7], 0);
	assert_int_equal(in, 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_depth),
		cmocka_unit_test(test_random_against_naive),
		cmocka_unit_test(test_str_step),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
