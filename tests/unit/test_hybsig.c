/* test_hybsig.c: hybrid Ed25519 + ML-DSA signatures (hybsig.c): round
 * trips for each suite, every byte of either part flipped, a hybrid
 * stripped to look classical, another context, another key, sizes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "hybsig.h"

struct keys {
	EVP_PKEY *ed;
	uint8_t ed_pub[32];
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES];
	uint8_t sk[HL_MLDSA_MAX_SK_BYTES];
};

static struct keys k1, k2;
static uint8_t digest[HL_HYBSIG_DIGEST_BYTES];

static void
make_keys(struct keys *k, int param)
{
	EVP_PKEY_CTX *pc = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, NULL);
	size_t n = 32;

	assert_non_null(pc);
	assert_int_equal(EVP_PKEY_keygen_init(pc), 1);
	EVP_PKEY_free(k->ed);
	k->ed = NULL;
	assert_int_equal(EVP_PKEY_keygen(pc, &k->ed), 1);
	EVP_PKEY_CTX_free(pc);
	assert_int_equal(EVP_PKEY_get_raw_public_key(k->ed, k->ed_pub, &n), 1);
	assert_int_equal(hl_mldsa_keygen(param, k->pk, k->sk), HL_OK);
}

static int
teardown(void **state)
{
	(void)state;
	EVP_PKEY_free(k1.ed);
	EVP_PKEY_free(k2.ed);
	return 0;
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(hl_sig_suite_parse("ed25519-mldsa65"), HL_SUITE_ED25519_MLDSA65);
	assert_int_equal(hl_sig_suite_parse("ed25519-mldsa87"), HL_SUITE_ED25519_MLDSA87);
	assert_int_equal(hl_sig_suite_parse("ed25519"), HL_SUITE_ED25519);
	assert_int_equal(hl_sig_suite_parse("mldsa65"), HL_ERR_INVALID);
	assert_string_equal(hl_sig_suite_name(HL_SUITE_ED25519_MLDSA87), "ed25519-mldsa87");
	assert_null(hl_sig_suite_name(9));
	assert_int_equal(hl_hybsig_len(HL_SUITE_ED25519), 65);
	assert_int_equal(hl_hybsig_len(HL_SUITE_ED25519_MLDSA65), 1 + 64 + 3309);
	assert_int_equal(hl_hybsig_len(HL_SUITE_ED25519_MLDSA87), 1 + 64 + 4627);
	assert_int_equal(hl_hybsig_len(0), 0);
}

static void
check_suite(int suite, int param)
{
	static uint8_t sig[HL_HYBSIG_MAX_BYTES], bad[HL_HYBSIG_MAX_BYTES + 1];
	size_t len = 0, i;
	int got = 0, bit;

	make_keys(&k1, param);
	make_keys(&k2, param);
	memset(digest, 0x5a, sizeof(digest));
	assert_int_equal(hl_hybsig_sign(suite, k1.ed, k1.sk, hl_mldsa_sk_bytes(param),
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, sizeof(sig), &len), HL_OK);
	assert_int_equal(len, hl_hybsig_len(suite));
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len, &got), HL_OK);
	assert_int_equal(got, suite);
	/* every byte of either part, flipped (the low bit, or the high one) */
	for (i = 0; i < len; i++) {
		bit = i % 2 == 0 ? 0 : 7;
		memcpy(bad, sig, len);
		bad[i] ^= (uint8_t)(1u << bit);
		if (hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 1,
		    HL_SIGN_ENVELOPE_BATCH, digest, bad, len, NULL) == HL_OK)
			fail_msg("byte %zu bit %d flipped verifies", i, bit);
	}
	/* stripped: the Ed25519 part alone, relabelled classical */
	memcpy(bad, sig, 1 + 64);
	bad[0] = HL_SUITE_ED25519;
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, NULL, 0, 1, HL_SIGN_ENVELOPE_BATCH, digest,
	    bad, 65, NULL), HL_ERR_BAD_SIGNATURE);
	/* relabelled as the other hybrid suite: the sizes differ */
	memcpy(bad, sig, len);
	bad[0] = suite == HL_SUITE_ED25519_MLDSA65 ? HL_SUITE_ED25519_MLDSA87 :
	    HL_SUITE_ED25519_MLDSA65;
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, bad, len, NULL), HL_ERR_MALFORMED);
	/* another context, another digest */
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_RECEIPT_BATCH, digest, sig, len, NULL), HL_ERR_BAD_SIGNATURE);
	digest[3] ^= 1;
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len, NULL), HL_ERR_BAD_SIGNATURE);
	digest[3] ^= 1;
	/* either key of another node */
	assert_int_equal(hl_hybsig_verify(k2.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len, NULL), HL_ERR_BAD_SIGNATURE);
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k2.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len, NULL), HL_ERR_BAD_SIGNATURE);
	/* sizes: cut, extended, a key of the wrong size */
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len - 1, NULL), HL_ERR_MALFORMED);
	memcpy(bad, sig, len);
	bad[len] = 0;
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, bad, len + 1, NULL), HL_ERR_MALFORMED);
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param) - 1, 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len, NULL), HL_ERR_INVALID);
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(param), 0,
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, 0, NULL), HL_ERR_MALFORMED);
	/* a buffer too small to sign into */
	assert_int_equal(hl_hybsig_sign(suite, k1.ed, k1.sk, hl_mldsa_sk_bytes(param),
	    HL_SIGN_ENVELOPE_BATCH, digest, sig, len - 1, &len), HL_ERR_INVALID);
}

static void
test_mldsa65(void **state)
{
	(void)state;
	check_suite(HL_SUITE_ED25519_MLDSA65, HL_MLDSA_65);
}

static void
test_mldsa87(void **state)
{
	(void)state;
	check_suite(HL_SUITE_ED25519_MLDSA87, HL_MLDSA_87);
}

static void
test_classical(void **state)
{
	uint8_t sig[HL_HYBSIG_MAX_BYTES];
	size_t len = 0;
	int got = 0;

	(void)state;
	make_keys(&k1, HL_MLDSA_65);
	memset(digest, 0x33, sizeof(digest));
	assert_int_equal(hl_hybsig_sign(HL_SUITE_ED25519, k1.ed, NULL, 0, HL_SIGN_RECEIPT,
	    digest, sig, sizeof(sig), &len), HL_OK);
	assert_int_equal(len, 65);
	/* refused unless classical signatures are allowed */
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, NULL, 0, 0, HL_SIGN_RECEIPT, digest, sig,
	    len, NULL), HL_ERR_DENIED);
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, NULL, 0, 1, HL_SIGN_RECEIPT, digest, sig,
	    len, &got), HL_OK);
	assert_int_equal(got, HL_SUITE_ED25519);
	/* a classical signature cannot be passed off as a hybrid one */
	sig[0] = HL_SUITE_ED25519_MLDSA65;
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, k1.pk, hl_mldsa_pk_bytes(HL_MLDSA_65), 0,
	    HL_SIGN_RECEIPT, digest, sig, len, NULL), HL_ERR_MALFORMED);
	/* unknown suites */
	sig[0] = 0;
	assert_int_equal(hl_hybsig_verify(k1.ed_pub, NULL, 0, 1, HL_SIGN_RECEIPT, digest, sig,
	    len, NULL), HL_ERR_MALFORMED);
	assert_int_equal(hl_hybsig_sign(7, k1.ed, NULL, 0, HL_SIGN_RECEIPT, digest, sig,
	    sizeof(sig), &len), HL_ERR_INVALID);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_mldsa65),
		cmocka_unit_test(test_mldsa87),
		cmocka_unit_test(test_classical),
	};

	return cmocka_run_group_tests(tests, NULL, teardown);
}
