/* test_errors.c: error codes' text and hl_set_err. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"

static void
test_set_err_formats_and_cuts(void **state)
{
	char err[16];

	(void)state;
	hl_set_err(err, sizeof(err), "bad %s at %d", "field", 42);
	assert_string_equal(err, "bad field at 42");
	/* longer than the buffer: cut, still terminated */
	hl_set_err(err, sizeof(err), "%s", "0123456789abcdefghij");
	assert_string_equal(err, "0123456789abcde");
	hl_set_err(err, 1, "anything");
	assert_string_equal(err, "");
	/* nothing to write to: no crash, nothing written */
	memset(err, 'x', sizeof(err));
	hl_set_err(NULL, 64, "ignored %d", 1);
	hl_set_err(err, 0, "ignored %d", 2);
	assert_int_equal(err[0], 'x');
}

static void
test_set_err_is_one_line(void **state)
{
	char err[64];

	(void)state;
	/* text from the input ("a\nb" in a field name) cannot break the line */
	hl_set_err(err, sizeof(err), "field \"%s\"\tunknown\r\n", "a\nb\x1b[2J\x7f");
	assert_string_equal(err, "field \"a b [2J \" unknown  ");
	assert_null(memchr(err, '\n', strlen(err)));
	/* bytes above 0x7f (UTF-8) are kept */
	hl_set_err(err, sizeof(err), "%s", "r\xc3\xa9sum\xc3\xa9");
	assert_string_equal(err, "r\xc3\xa9sum\xc3\xa9");
}

static void
test_every_code_has_text(void **state)
{
	int e;

	(void)state;
	for (e = HL_OK; e >= HL_ERR_NOT_APPLICABLE; e--) {
		assert_non_null(hl_strerror(e));
		assert_true(strlen(hl_strerror(e)) > 0);
		if (e != HL_OK)
			assert_string_not_equal(hl_strerror(e), hl_strerror(HL_OK));
	}
	assert_non_null(hl_strerror(-1000));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_set_err_formats_and_cuts),
		cmocka_unit_test(test_set_err_is_one_line),
		cmocka_unit_test(test_every_code_has_text),
	};

	return cmocka_run_group_tests_name("errors", tests, NULL, NULL);
}
