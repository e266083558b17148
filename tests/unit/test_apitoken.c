/* test_apitoken.c: the API's session tokens (apitoken.h): a token names
 * its operator until its idle timeout or lifetime, only its exact digits
 * match, the table yields the slot idle longest when full. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "apitoken.h"

#define T0 1000000ull

static void
test_issue_check(void **state)
{
	static struct hl_apitokens ts;
	struct hl_apitoken *t = NULL;
	char hex[HL_APITOKEN_HEX + 1], hex2[HL_APITOKEN_HEX + 1], ev[HL_OPERATOR_MAX + 1];

	(void)state;
	memset(&ts, 0, sizeof(ts));
	assert_int_equal(hl_apitoken_issue(&ts, "ann", T0, hex, ev), HL_OK);
	assert_int_equal(strlen(hex), HL_APITOKEN_HEX);
	assert_int_equal(strspn(hex, "0123456789abcdef"), HL_APITOKEN_HEX);
	assert_string_equal(ev, "");
	assert_int_equal(hl_apitoken_issue(&ts, "bob", T0, hex2, ev), HL_OK);
	assert_string_not_equal(hex, hex2);
	assert_int_equal(hl_apitoken_check(&ts, hex, strlen(hex), T0 + 1, &t), HL_OK);
	assert_string_equal(t->name, "ann");
	assert_int_equal(hl_apitoken_check(&ts, hex2, strlen(hex2), T0 + 1, &t), HL_OK);
	assert_string_equal(t->name, "bob");
	/* the table keeps a hash, never the token */
	assert_null(memmem(&ts, sizeof(ts), hex, HL_APITOKEN_HEX));
	/* one digit off, upper case, short, long: unknown */
	hex[5] = hex[5] == '0' ? '1' : '0';
	assert_int_equal(hl_apitoken_check(&ts, hex, strlen(hex), T0 + 1, &t), HL_ERR_NOT_FOUND);
	assert_null(t);
	memcpy(hex, hex2, sizeof(hex));
	hex[0] = 'A';
	hex2[0] = 'a';
	assert_int_equal(hl_apitoken_check(&ts, hex, strlen(hex), T0 + 1, &t), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_apitoken_check(&ts, hex2, HL_APITOKEN_HEX - 2, T0 + 1, &t),
	    HL_ERR_NOT_FOUND);
	assert_int_equal(hl_apitoken_issue(&ts, "", T0, hex, ev), HL_ERR_INVALID);
}

static void
test_expiry(void **state)
{
	static struct hl_apitokens ts;
	struct hl_apitoken *t = NULL;
	char hex[HL_APITOKEN_HEX + 1], ev[HL_OPERATOR_MAX + 1];
	uint64_t now = T0;

	(void)state;
	memset(&ts, 0, sizeof(ts));
	assert_int_equal(hl_apitoken_issue(&ts, "ann", now, hex, ev), HL_OK);
	/* used just before the idle timeout, each time: alive until the lifetime */
	while (now + HL_APITOKEN_IDLE_MS - 1 < T0 + HL_APITOKEN_LIFE_MS) {
		now += HL_APITOKEN_IDLE_MS - 1;
		assert_int_equal(hl_apitoken_check(&ts, hex, HL_APITOKEN_HEX, now, &t), HL_OK);
	}
	assert_int_equal(hl_apitoken_check(&ts, hex, HL_APITOKEN_HEX, T0 + HL_APITOKEN_LIFE_MS, &t),
	    HL_ERR_EXPIRED);
	assert_string_equal(t->name, "ann");
	hl_apitoken_end(t);
	assert_int_equal(hl_apitoken_check(&ts, hex, HL_APITOKEN_HEX, T0 + HL_APITOKEN_LIFE_MS, &t),
	    HL_ERR_NOT_FOUND);
	/* idle */
	assert_int_equal(hl_apitoken_issue(&ts, "bob", T0, hex, ev), HL_OK);
	assert_int_equal(hl_apitoken_check(&ts, hex, HL_APITOKEN_HEX, T0 + HL_APITOKEN_IDLE_MS, &t),
	    HL_ERR_EXPIRED);
	/* ended by logout */
	assert_int_equal(hl_apitoken_issue(&ts, "cy", T0, hex, ev), HL_OK);
	assert_int_equal(hl_apitoken_check(&ts, hex, HL_APITOKEN_HEX, T0, &t), HL_OK);
	hl_apitoken_end(t);
	assert_int_equal(hl_apitoken_check(&ts, hex, HL_APITOKEN_HEX, T0, &t), HL_ERR_NOT_FOUND);
}

/* full: the token idle longest yields, and its operator is named */
static void
test_full(void **state)
{
	static struct hl_apitokens ts;
	struct hl_apitoken *t = NULL;
	char hex[HL_APITOKENS_MAX][HL_APITOKEN_HEX + 1], more[HL_APITOKEN_HEX + 1],
	    ev[HL_OPERATOR_MAX + 1], name[16];
	size_t i;

	(void)state;
	memset(&ts, 0, sizeof(ts));
	for (i = 0; i < HL_APITOKENS_MAX; i++) {
		snprintf(name, sizeof(name), "op%zu", i);
		assert_int_equal(hl_apitoken_issue(&ts, name, T0 + i, hex[i], ev), HL_OK);
		assert_string_equal(ev, "");
	}
	/* op0 is used again: op1 is now the one idle longest */
	assert_int_equal(hl_apitoken_check(&ts, hex[0], HL_APITOKEN_HEX, T0 + 100, &t), HL_OK);
	assert_int_equal(hl_apitoken_issue(&ts, "late", T0 + 101, more, ev), HL_OK);
	assert_string_equal(ev, "op1");
	assert_int_equal(hl_apitoken_check(&ts, hex[1], HL_APITOKEN_HEX, T0 + 102, &t),
	    HL_ERR_NOT_FOUND);
	assert_int_equal(hl_apitoken_check(&ts, hex[0], HL_APITOKEN_HEX, T0 + 102, &t), HL_OK);
	assert_int_equal(hl_apitoken_check(&ts, more, HL_APITOKEN_HEX, T0 + 102, &t), HL_OK);
	assert_string_equal(t->name, "late");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_issue_check),
		cmocka_unit_test(test_expiry),
		cmocka_unit_test(test_full),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
