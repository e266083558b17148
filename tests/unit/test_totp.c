/* test_totp.c: RFC 6238 one-time passwords and base32 (totp.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "totp.h"

/* RFC 6238 Appendix B, the SHA-1 rows: the 20-byte ASCII seed
 * "12345678901234567890", T0 = 0, X = 30, 8 digits. (oathtool 2.6.7 gives
 * the same: oathtool --totp -d 8 -N @TIME 3132333435363738393031323334353637383930) */
static const uint8_t rfc_key[] = "12345678901234567890";
static const struct {
	uint64_t time;
	const char *code8;
} rfc6238_b[] = {
	{ 59, "94287082" },
	{ 1111111109, "07081804" },
	{ 1111111111, "14050471" },
	{ 1234567890, "89005924" },
	{ 2000000000, "69279037" },
	{ 20000000000ull, "65353130" },
};

#define RFC_KEYLEN 20
#define NVEC (sizeof(rfc6238_b) / sizeof(rfc6238_b[0]))

static void
test_rfc6238_vectors(void **state)
{
	char code[16];
	size_t i;

	(void)state;
	for (i = 0; i < NVEC; i++) {
		uint64_t step = rfc6238_b[i].time / HL_TOTP_STEP_S;

		assert_int_equal(hl_totp_code(rfc_key, RFC_KEYLEN, step, 8, code), HL_OK);
		assert_string_equal(code, rfc6238_b[i].code8);
		/* 6 digits: the same number mod 10^6, the last six digits */
		assert_int_equal(hl_totp_code(rfc_key, RFC_KEYLEN, step, 6, code), HL_OK);
		assert_string_equal(code, rfc6238_b[i].code8 + 2);
	}
	assert_int_equal(hl_totp_code(rfc_key, RFC_KEYLEN, 1, 5, code), HL_ERR_INVALID);
	assert_int_equal(hl_totp_code(rfc_key, RFC_KEYLEN, 1, 9, code), HL_ERR_INVALID);
	assert_int_equal(hl_totp_code(rfc_key, 0, 1, 6, code), HL_ERR_INVALID);
}

static void
test_verify_window(void **state)
{
	uint64_t step = 0, t = 1111111111, s = t / HL_TOTP_STEP_S;
	char code[8];

	(void)state;
	/* "050471" belongs to step s: good at any time within one step of it */
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "050471", t, 0, &step), HL_OK);
	assert_true(step == s);
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "050471", t - 30, 0, &step), HL_OK);
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "050471", t + 30, 0, &step), HL_OK);
	assert_true(step == s);
	/* two steps away: refused */
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "050471", t - 60, 0, &step),
	    HL_ERR_AUTH);
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "050471", t + 60, 0, &step),
	    HL_ERR_AUTH);
	assert_true(step == 0);
	/* the code of the next step, checked now */
	assert_int_equal(hl_totp_code(rfc_key, RFC_KEYLEN, s + 1, 6, code), HL_OK);
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, code, t, 0, &step), HL_OK);
	assert_true(step == s + 1);
	/* the first steps of the epoch (no step before 0) */
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "287082", 59, 0, &step), HL_OK);
	assert_true(step == 1);
}

static void
test_verify_replay(void **state)
{
	uint64_t step = 0, t = 1234567890, s = t / HL_TOTP_STEP_S;
	char prev[8];

	(void)state;
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "005924", t, 0, &step), HL_OK);
	assert_true(step == s);
	/* once accepted, the same code is refused, also a little later */
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "005924", t, step, &step),
	    HL_ERR_EXISTS);
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "005924", t + 29, s, &step),
	    HL_ERR_EXISTS);
	assert_true(step == 0);
	/* and so is an older step's code, though inside the window */
	assert_int_equal(hl_totp_code(rfc_key, RFC_KEYLEN, s - 1, 6, prev), HL_OK);
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, prev, t, s, &step), HL_ERR_EXISTS);
	/* last_step before it: good */
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "005924", t, s - 1, &step), HL_OK);
}

static void
test_verify_bad_codes(void **state)
{
	static const char *const bad[] = { NULL, "", "00592", "0059244", "00592a", " 05924",
		"005924 ", "+05924", "-05924", "005 24" };
	uint64_t step = 0, t = 1234567890;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, bad[i], t, 0, &step),
		    HL_ERR_AUTH);
	/* a wrong code of the right shape, and the right code under another key */
	assert_int_equal(hl_totp_verify(rfc_key, RFC_KEYLEN, "005925", t, 0, &step), HL_ERR_AUTH);
	assert_int_equal(hl_totp_verify((const uint8_t *)"12345678901234567891", RFC_KEYLEN,
	    "005924", t, 0, &step), HL_ERR_AUTH);
}

static void
test_b32_roundtrip(void **state)
{
	uint8_t key[HL_TOTP_KEY_MAX], back[HL_TOTP_KEY_MAX];
	char text[HL_TOTP_B32_MAX + 1];
	size_t n, len;

	(void)state;
	/* RFC 4648 section 10 */
	assert_int_equal(hl_totp_b32_encode((const uint8_t *)"foobar", 6, text, sizeof(text)),
	    HL_OK);
	assert_string_equal(text, "MZXW6YTBOI");
	assert_int_equal(hl_totp_b32_decode("MZXW6YTBOI======", 16, back, sizeof(back), &n),
	    HL_OK);
	assert_int_equal(n, 6);
	assert_memory_equal(back, "foobar", 6);
	assert_int_equal(hl_totp_b32_decode("mzxw6", 5, back, sizeof(back), &n), HL_OK);
	assert_int_equal(n, 3);
	assert_memory_equal(back, "foo", 3);
	/* the RFC 6238 seed as authenticator apps are given it */
	assert_int_equal(hl_totp_b32_encode(rfc_key, RFC_KEYLEN, text, sizeof(text)), HL_OK);
	assert_string_equal(text, "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ");
	/* every length up to the maximum, every byte value */
	for (len = 1; len <= HL_TOTP_KEY_MAX; len++) {
		for (n = 0; n < len; n++)
			key[n] = (uint8_t)(n * 37u + len * 11u);
		assert_int_equal(hl_totp_b32_encode(key, len, text, sizeof(text)), HL_OK);
		assert_int_equal(strlen(text), (len * 8 + 4) / 5);
		assert_int_equal(hl_totp_b32_decode(text, strlen(text), back, sizeof(back), &n), HL_OK);
		assert_int_equal(n, len);
		assert_memory_equal(back, key, len);
	}
	/* an output buffer one byte short */
	assert_int_equal(hl_totp_b32_encode(rfc_key, RFC_KEYLEN, text, 32), HL_ERR_TOO_BIG);
}

static void
test_b32_malformed(void **state)
{
	static const char *const bad[] = { "", "=", "M", "MZX", "MZXW6Y", "MZXW6YT1", "MZXW6YT8",
		"MZXW6YT0", "MZ W6", "MZXW6\n", "MZ=W6", "MZXW@", "MZXW[", "MZXW`", "MZXW{",
		"MZXW6YTBOJ" /* last digit with nonzero unused bits */, "MZXW7" };
	uint8_t out[HL_TOTP_KEY_MAX];
	char longtext[HL_TOTP_B32_MAX + 2];
	size_t i, n = 99;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		assert_int_equal(hl_totp_b32_decode(bad[i], strlen(bad[i]), out, sizeof(out), &n),
		    HL_ERR_MALFORMED);
		assert_int_equal(n, 0);
	}
	/* one digit over the limit, and an output buffer too small */
	memset(longtext, 'A', sizeof(longtext));
	assert_int_equal(hl_totp_b32_decode(longtext, HL_TOTP_B32_MAX + 1, out, sizeof(out), &n),
	    HL_ERR_TOO_BIG);
	assert_int_equal(hl_totp_b32_decode(longtext, HL_TOTP_B32_MAX - 7, out, sizeof(out), &n),
	    HL_OK);
	assert_int_equal(hl_totp_b32_decode("MZXW6YTBOI", 10, out, 5, &n), HL_ERR_TOO_BIG);
	/* every byte value alone after a valid prefix: only the 32 digits pass */
	for (i = 0; i < 256; i++) {
		char t[8] = "MZXW6YT";
		int want_ok = (i >= 'A' && i <= 'Z') || (i >= 'a' && i <= 'z') ||
		    (i >= '2' && i <= '7');
		int r;

		unsigned v = i >= '2' && i <= '7' ? (unsigned)i - '2' + 26 : ((unsigned)i & 0xdfu) - 'A';

		t[6] = (char)i;
		r = hl_totp_b32_decode(t, 7, out, sizeof(out), &n);
		/* 7 digits leave 3 unused bits: only digits with them zero decode */
		if (!want_ok)
			assert_int_equal(r, HL_ERR_MALFORMED);
		else
			assert_int_equal(r, (v & 7u) == 0 ? HL_OK : HL_ERR_MALFORMED);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rfc6238_vectors),
		cmocka_unit_test(test_verify_window),
		cmocka_unit_test(test_verify_replay),
		cmocka_unit_test(test_verify_bad_codes),
		cmocka_unit_test(test_b32_roundtrip),
		cmocka_unit_test(test_b32_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
