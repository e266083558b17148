/* test_utf8.c: one character at a time: lengths and code points of good
 * sequences of each length, and every kind of malformed one refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "utf8.h"

static void
test_good(void **state)
{
	static const struct {
		const char *s;
		size_t len;
		uint32_t cp;
	} v[] = {
		{ "A", 1, 0x41 }, { "\x7f", 1, 0x7f },
		{ "\xc2\x80", 2, 0x80 }, { "\xc3\xa9", 2, 0xe9 }, { "\xdf\xbf", 2, 0x7ff },
		{ "\xe0\xa0\x80", 3, 0x800 }, { "\xe2\x80\x99", 3, 0x2019 },
		{ "\xed\x9f\xbf", 3, 0xd7ff }, { "\xee\x80\x80", 3, 0xe000 },
		{ "\xef\xbf\xbf", 3, 0xffff },
		{ "\xf0\x90\x80\x80", 4, 0x10000 }, { "\xf4\x8f\xbf\xbf", 4, 0x10ffff },
	};
	size_t i;
	uint32_t cp;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		cp = 0;
		assert_int_equal(hl_utf8_next((const uint8_t *)v[i].s, strlen(v[i].s), &cp),
		    v[i].len);
		assert_int_equal(cp, v[i].cp);
		/* the NUL after it is not part of it */
		assert_int_equal(hl_utf8_next((const uint8_t *)v[i].s, strlen(v[i].s) + 1, NULL),
		    v[i].len);
	}
	assert_int_equal(hl_utf8_next((const uint8_t *)"", 1, &cp), 1);
	assert_int_equal(cp, 0);
	assert_true(hl_utf8_valid((const uint8_t *)"caf\xc3\xa9 \xe2\x80\x98x\xe2\x80\x99", 13,
	    NULL));
	assert_true(hl_utf8_valid(NULL, 0, NULL));
}

static void
test_bad(void **state)
{
	static const char *const v[] = {
		"\x80", "\xbf", "\xc0\x80", "\xc1\xbf",         /* continuation, overlong lead */
		"\xc3", "\xe2\x80", "\xf0\x90\x80",             /* cut short */
		"\xc3\x41", "\xe2\x41\x80", "\xf0\x90\x41\x80", /* not a continuation */
		"\xe0\x80\x80", "\xe0\x9f\xbf",                 /* overlong 3 */
		"\xf0\x80\x80\x80", "\xf0\x8f\xbf\xbf",         /* overlong 4 */
		"\xed\xa0\x80", "\xed\xbf\xbf",                 /* surrogates */
		"\xf4\x90\x80\x80", "\xf5\x80\x80\x80", "\xff", /* past U+10FFFF */
	};
	size_t i, bad;
	uint32_t cp = 0x1234;

	(void)state;
	assert_int_equal(hl_utf8_next((const uint8_t *)"A", 0, &cp), 0);
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		assert_int_equal(hl_utf8_next((const uint8_t *)v[i], strlen(v[i]), &cp), 0);
		assert_int_equal(cp, 0x1234);
	}
	bad = 99;
	assert_false(hl_utf8_valid((const uint8_t *)"ab\xc3\xa9\xed\xa0\x80", 7, &bad));
	assert_int_equal(bad, 4);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_good),
		cmocka_unit_test(test_bad),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
