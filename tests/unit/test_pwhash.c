/* test_pwhash.c: scrypt password hashes (pwhash.h). ln=10 for speed. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "pwhash.h"

static char good[256];   /* hash of "correct horse" with ln=10 */

static int
setup(void **state)
{
	(void)state;
	return hl_pwhash_make("correct horse", 10, good, sizeof(good));
}

static void
test_make_check(void **state)
{
	char h2[256];

	(void)state;
	assert_int_equal(strncmp(good, "$scrypt$ln=10,r=8,p=1$", 22), 0);
	/* 22 + 24 (salt) + 1 + 44 (hash) */
	assert_int_equal(strlen(good), 22 + 24 + 1 + 44);
	assert_int_equal(hl_pwhash_check("correct horse", good), HL_OK);
	assert_int_equal(hl_pwhash_valid(good), HL_OK);
	/* fresh salt each time */
	assert_int_equal(hl_pwhash_make("correct horse", 10, h2, sizeof(h2)), HL_OK);
	assert_string_not_equal(good, h2);
	assert_int_equal(hl_pwhash_check("correct horse", h2), HL_OK);
}

static void
test_wrong_password(void **state)
{
	(void)state;
	assert_int_equal(hl_pwhash_check("correct horsE", good), HL_ERR_AUTH);
	assert_int_equal(hl_pwhash_check("", good), HL_ERR_AUTH);
	assert_int_equal(hl_pwhash_check("correct horse ", good), HL_ERR_AUTH);
}

static void
test_empty_password(void **state)
{
	char h[256];

	(void)state;
	assert_int_equal(hl_pwhash_make("", 10, h, sizeof(h)), HL_OK);
	assert_int_equal(hl_pwhash_check("", h), HL_OK);
	assert_int_equal(hl_pwhash_check("x", h), HL_ERR_AUTH);
}

static void
test_make_bounds(void **state)
{
	char h[256];

	(void)state;
	assert_int_equal(hl_pwhash_make("pw", 9, h, sizeof(h)), HL_ERR_INVALID);
	assert_int_equal(hl_pwhash_make("pw", 21, h, sizeof(h)), HL_ERR_INVALID);
	assert_int_equal(hl_pwhash_make(NULL, 10, h, sizeof(h)), HL_ERR_INVALID);
	assert_int_equal(hl_pwhash_make("pw", 10, h, 40), HL_ERR_TOO_BIG);
	assert_string_equal(h, "");
}

/* Replace the parameter part of good with params and check the result. */
static int
with_params(const char *params)
{
	char h[300];
	const char *rest = strchr(good + 8, '$');   /* "$salt$hash" */

	snprintf(h, sizeof(h), "$scrypt$%s%s", params, rest);
	return hl_pwhash_check("correct horse", h);
}

static void
test_param_bounds(void **state)
{
	(void)state;
	assert_int_equal(with_params("ln=10,r=8,p=1"), HL_OK);
	/* other parameters give another hash: parse fine, then no match */
	assert_int_equal(with_params("ln=11,r=8,p=1"), HL_ERR_AUTH);
	assert_int_equal(with_params("ln=10,r=1,p=1"), HL_ERR_AUTH);
	assert_int_equal(with_params("ln=10,r=8,p=2"), HL_ERR_AUTH);
	assert_int_equal(with_params("ln=9,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=21,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=99,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10,r=0,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10,r=33,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10,r=8,p=0"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10,r=8,p=17"), HL_ERR_MALFORMED);
	/* within each bound but over the 256 MiB memory cap */
	assert_int_equal(with_params("ln=20,r=32,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=18,r=16,p=1"), HL_ERR_MALFORMED);
	/* syntax of the numbers */
	assert_int_equal(with_params("ln=010,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=+10,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10,r=8,p=1,"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10,p=1,r=8"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=10 ,r=8,p=1"), HL_ERR_MALFORMED);
	assert_int_equal(with_params("ln=4294967306,r=8,p=1"), HL_ERR_MALFORMED);
}

static void
test_malformed(void **state)
{
	char h[300];
	size_t n = strlen(good), i;
	const char *salt = strchr(good + 8, '$') + 1;
	const char *hash = strchr(salt, '$') + 1;
	size_t so = (size_t)(salt - good), ho = (size_t)(hash - good);

	(void)state;
	assert_int_equal(hl_pwhash_check("x", NULL), HL_ERR_MALFORMED);
	assert_int_equal(hl_pwhash_check("x", ""), HL_ERR_MALFORMED);
	assert_int_equal(hl_pwhash_check("x", "$scrypt$"), HL_ERR_MALFORMED);
	assert_int_equal(hl_pwhash_valid("plaintext"), HL_ERR_MALFORMED);
	/* wrong scheme */
	memcpy(h, good, n + 1);
	memcpy(h + 1, "SCRYPT", 6);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	/* every truncation is malformed */
	for (i = 0; i < n; i++) {
		memcpy(h, good, i);
		h[i] = '\0';
		assert_int_equal(hl_pwhash_valid(h), HL_ERR_MALFORMED);
	}
	/* trailing garbage */
	snprintf(h, sizeof(h), "%s=", good);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	snprintf(h, sizeof(h), "%s$", good);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	snprintf(h, sizeof(h), "%s\n", good);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	/* bad base64 character in the salt, then in the hash */
	memcpy(h, good, n + 1);
	h[so + 3] = '*';
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	memcpy(h, good, n + 1);
	h[ho + 5] = '!';
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	/* padding removed from the salt (length no longer 24) */
	memcpy(h, good, so + 22);
	snprintf(h + so + 22, sizeof(h) - so - 22, "%s", good + so + 24);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	/* salt and hash swapped: lengths wrong */
	snprintf(h, sizeof(h), "$scrypt$ln=10,r=8,p=1$%s$%.*s", hash, 24, salt);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
	/* flipping one hash character (still canonical) is a mismatch */
	memcpy(h, good, n + 1);
	h[ho] = h[ho] == 'A' ? 'B' : 'A';
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_AUTH);
	/* overlong string */
	memset(h, 'A', sizeof(h) - 1);
	h[sizeof(h) - 1] = '\0';
	assert_int_equal(hl_pwhash_valid(h), HL_ERR_MALFORMED);
}

static void
test_noncanonical_padding_bits(void **state)
{
	/* 16 bytes = 5 groups + 1 byte: "xx==" where the second char carries
	 * 4 unused low bits. Setting one of them must be refused. */
	char h[300];
	const char *salt = strchr(good + 8, '$') + 1;
	size_t so = (size_t)(salt - good);
	static const char b64[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	const char *pos;
	int v;

	(void)state;
	memcpy(h, good, strlen(good) + 1);
	pos = strchr(b64, h[so + 21]);
	assert_non_null(pos);
	v = (int)(pos - b64);
	assert_int_equal(v & 15, 0);   /* canonical encoder leaves them zero */
	h[so + 21] = b64[v | 1];
	assert_int_equal(hl_pwhash_valid(h), HL_ERR_MALFORMED);
	assert_int_equal(hl_pwhash_check("correct horse", h), HL_ERR_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_make_check),
		cmocka_unit_test(test_wrong_password),
		cmocka_unit_test(test_empty_password),
		cmocka_unit_test(test_make_bounds),
		cmocka_unit_test(test_param_bounds),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_noncanonical_padding_bits),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
