/* test_revoke.c: revocation notices (revoke.h): signed by a CA, they
 * verify with that CA's certificate and no other; every bit flip and every
 * truncation is refused; a node name of another partner, a wrong version
 * or trailing bytes do not decode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "buf.h"
#include "revoke.h"

/* A self-signed Ed25519 CA certificate for key k. */
static X509 *
ca_cert(EVP_PKEY *k)
{
	X509 *x = X509_new();

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, X509_VERSION_3), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)"test CA", -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, X509_get_subject_name(x)), 1);
	assert_true(X509_sign(x, k, NULL) > 0);
	return x;
}

static void
make(struct hl_revocation *rv)
{
	memset(rv, 0, sizeof(*rv));
	strcpy(rv->partner, "KOR");
	strcpy(rv->node, "KOR/node-1");
	memset(rv->cert_sha256, 0x5a, sizeof(rv->cert_sha256));
	rv->time_ms = 1796000000000ull;
	strcpy(rv->reason, "host compromised");
}

static void
test_sign_verify(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	EVP_PKEY *k2 = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509 *ca, *other;
	struct hl_revocation rv, got;
	struct hl_buf b;
	size_t i;
	unsigned bit;

	(void)state;
	assert_non_null(k);
	assert_non_null(k2);
	ca = ca_cert(k);
	other = ca_cert(k2);
	make(&rv);
	assert_int_equal(hl_revocation_sign(&rv, k, &b), HL_OK);
	assert_int_equal(hl_revocation_decode(b.data, b.len, &got), HL_OK);
	assert_string_equal(got.partner, "KOR");
	assert_string_equal(got.node, "KOR/node-1");
	assert_string_equal(got.reason, "host compromised");
	assert_memory_equal(got.cert_sha256, rv.cert_sha256, 32);
	assert_true(got.time_ms == rv.time_ms);
	assert_int_equal(hl_revocation_verify(&got, b.data, b.len, ca), HL_OK);
	/* another CA's certificate: refused */
	assert_int_equal(hl_revocation_verify(&got, b.data, b.len, other), HL_ERR_BAD_SIGNATURE);
	assert_int_equal(hl_revocation_verify(&got, b.data, b.len, NULL), HL_ERR_BAD_SIGNATURE);
	/* every bit flip: does not decode, or does not verify */
	for (i = 0; i < b.len; i++) {
		for (bit = 0; bit < 8; bit++) {
			b.data[i] ^= (uint8_t)(1u << bit);
			if (hl_revocation_decode(b.data, b.len, &got) == HL_OK)
				assert_int_equal(hl_revocation_verify(&got, b.data, b.len, ca),
				    HL_ERR_BAD_SIGNATURE);
			b.data[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* every truncation, and one byte more */
	for (i = 0; i < b.len; i++)
		assert_int_not_equal(hl_revocation_decode(b.data, i, &got), HL_OK);
	{
		uint8_t more[HL_REVOKE_MAX_BYTES + 1];

		memcpy(more, b.data, b.len);
		more[b.len] = 0;
		assert_int_not_equal(hl_revocation_decode(more, b.len + 1, &got), HL_OK);
	}
	hl_buf_free(&b);
	X509_free(ca);
	X509_free(other);
	EVP_PKEY_free(k);
	EVP_PKEY_free(k2);
}

static void
test_malformed(void **state)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	struct hl_revocation rv, got;
	struct hl_buf b;

	(void)state;
	/* a node of another partner than the notice's */
	make(&rv);
	strcpy(rv.node, "JPN/node-1");
	assert_int_equal(hl_revocation_sign(&rv, k, &b), HL_OK);
	assert_int_equal(hl_revocation_decode(b.data, b.len, &got), HL_ERR_MALFORMED);
	/* a version of the future */
	make(&rv);
	hl_buf_free(&b);
	assert_int_equal(hl_revocation_sign(&rv, k, &b), HL_OK);
	b.data[8] = 2;
	assert_int_equal(hl_revocation_decode(b.data, b.len, &got), HL_ERR_VERSION);
	hl_buf_free(&b);
	/* the longest reason signs and decodes */
	make(&rv);
	memset(rv.reason, 'x', HL_REVOKE_REASON_MAX);
	rv.reason[HL_REVOKE_REASON_MAX] = '\0';
	assert_int_equal(hl_revocation_sign(&rv, k, &b), HL_OK);
	assert_int_equal(hl_revocation_decode(b.data, b.len, &got), HL_OK);
	assert_int_equal(strlen(got.reason), HL_REVOKE_REASON_MAX);
	hl_buf_free(&b);
	/* not a notice */
	assert_int_equal(hl_revocation_decode((const uint8_t *)"HLSEALED", 8, &got),
	    HL_ERR_MALFORMED);
	EVP_PKEY_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sign_verify),
		cmocka_unit_test(test_malformed),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
