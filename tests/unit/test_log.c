/* test_log.c: a logged value can never start a line of its own (issue 17:
 * a console login whose user name held a newline wrote a forged line into
 * hotlined.log). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "log.h"

static void
test_escape(void **state)
{
	char out[64];

	(void)state;
	assert_int_equal(log_escape("plain text: JPN/node-1", out, sizeof(out)), 22);
	assert_string_equal(out, "plain text: JPN/node-1");
	log_escape("a\nb\r\tc\x7f\\d\x1b[31m", out, sizeof(out));
	assert_string_equal(out, "a\\x0ab\\x0d\\x09c\\x7f\\x5cd\\x1b[31m");
	/* UTF-8 passes as it is */
	log_escape("\xe6\x97\xa5\xe6\x9c\xac", out, sizeof(out));
	assert_string_equal(out, "\xe6\x97\xa5\xe6\x9c\xac");
	/* cut short, never half an escape, always terminated */
	assert_int_equal(log_escape("ab\ncd", out, 6), 2);
	assert_string_equal(out, "ab");
	assert_int_equal(log_escape("abc", out, 1), 0);
	assert_string_equal(out, "");
}

/* What reaches stderr: one line, whatever the value held. */
static void
test_one_line(void **state)
{
	char path[] = "/tmp/test_log.XXXXXX", buf[2048];
	int fd, saved;
	FILE *f;
	size_t n, i, lines = 0;

	(void)state;
	assert_true((fd = mkstemp(path)) >= 0);
	saved = dup(2);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_int_equal(dup2(fd, 2), 2);
	hl_log_init("hotlined", 0);
	log_warnx("console: failed login for %s",
	    "kim\n2026-12-07T00:00:00.000Z hotlined info: login ok for admin");
	fflush(stderr);
	assert_int_equal(dup2(saved, 2), 2);
	close(saved);
	assert_non_null(f = fdopen(fd, "r"));
	rewind(f);
	n = fread(buf, 1, sizeof(buf) - 1, f);
	buf[n] = '\0';
	fclose(f);
	unlink(path);
	for (i = 0; i < n; i++)
		lines += buf[i] == '\n';
	assert_int_equal(lines, 1);
	assert_non_null(strstr(buf, "failed login for kim\\x0a2026-12-07T00:00:00.000Z hotlined"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_one_line),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
