/* test_sealfile.c: sealed key files (sealfile.h): round trip, the role
 * bound in, every bit flip and truncation refused, the wrong key refused,
 * the key sources (file:, credential:), clear files passed through, PEM
 * keys read from a sealed file. */
#include <sys/stat.h>

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>

#include "alloc.h"
#include "sealfile.h"

static const uint8_t material[] = "0123456789abcdef0123456789abcdef";

static void
seal_sample(const char *role, const char *text, uint8_t **s, size_t *sl)
{
	assert_int_equal(hl_seal_seal(role, (const uint8_t *)text, strlen(text), s, sl), HL_OK);
	assert_int_equal(*sl, strlen(text) + HL_SEAL_OVERHEAD);
	assert_true(hl_seal_is_sealed(*s, *sl));
	/* the plaintext is not in the sealed bytes */
	assert_null(memmem(*s, *sl, text, strlen(text)));
}

static void
test_round_trip(void **state)
{
	const char *text = "-----BEGIN PRIVATE KEY----- secret";
	uint8_t *s = NULL, *pt = NULL, *s2 = NULL;
	size_t sl = 0, ptlen = 0, sl2 = 0;

	(void)state;
	hl_seal_kek_wipe();
	assert_int_equal(hl_seal_seal("node.key", (const uint8_t *)"x", 1, &s, &sl),
	    HL_ERR_INVALID);
	assert_int_equal(hl_seal_kek_set(material, 31), HL_ERR_INVALID);
	assert_false(hl_seal_have_kek());
	assert_int_equal(hl_seal_kek_set(material, 32), HL_OK);
	assert_true(hl_seal_have_kek());
	seal_sample("node.key", text, &s, &sl);
	assert_int_equal(hl_seal_open("node.key", s, sl, &pt, &ptlen), HL_OK);
	assert_int_equal(ptlen, strlen(text));
	assert_memory_equal(pt, text, ptlen);
	hl_free_secret(pt, ptlen);
	/* a fresh nonce each time */
	seal_sample("node.key", text, &s2, &sl2);
	assert_memory_not_equal(s, s2, sl);
	/* another role: refused (node.key cannot stand in for tls.key) */
	assert_int_equal(hl_seal_open("tls.key", s, sl, &pt, &ptlen), HL_ERR_DECRYPT);
	assert_null(pt);
	/* another key: refused */
	assert_int_equal(hl_seal_kek_set((const uint8_t *)"another key material, 32 bytes!!",
	    32), HL_OK);
	assert_int_equal(hl_seal_open("node.key", s, sl, &pt, &ptlen), HL_ERR_DECRYPT);
	/* no key */
	hl_seal_kek_wipe();
	assert_int_equal(hl_seal_open("node.key", s, sl, &pt, &ptlen), HL_ERR_INVALID);
	hl_free(s);
	hl_free(s2);
}

static void
test_flips_and_truncations(void **state)
{
	uint8_t *s = NULL, *pt = NULL;
	size_t sl = 0, ptlen = 0, i;
	unsigned bit;
	int r;

	(void)state;
	assert_int_equal(hl_seal_kek_set(material, 32), HL_OK);
	seal_sample("x25519-mlkem768-3.key", "a KEM private key", &s, &sl);
	for (i = 0; i < sl; i++) {
		for (bit = 0; bit < 8; bit++) {
			s[i] ^= (uint8_t)(1u << bit);
			r = hl_seal_open("x25519-mlkem768-3.key", s, sl, &pt, &ptlen);
			assert_int_not_equal(r, HL_OK);
			assert_null(pt);
			s[i] ^= (uint8_t)(1u << bit);
		}
	}
	for (i = 0; i < sl; i++)
		assert_int_not_equal(hl_seal_open("x25519-mlkem768-3.key", s, i, &pt, &ptlen),
		    HL_OK);
	/* the version byte: refused as a version, not as a forgery */
	s[HL_SEAL_MAGIC_LEN] = 2;
	assert_int_equal(hl_seal_open("x25519-mlkem768-3.key", s, sl, &pt, &ptlen),
	    HL_ERR_VERSION);
	hl_free(s);
	hl_seal_kek_wipe();
}

static void
write_text(const char *path, const char *text, mode_t mode)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	assert_int_equal(fputs(text, f) >= 0, 1);
	assert_int_equal(fclose(f), 0);
	assert_int_equal(chmod(path, mode), 0);
}

static void
test_files_and_sources(void **state)
{
	char dir[] = "/tmp/test_sealfile.XXXXXX", kf[128], src[160], f[128], err[512];
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int sealed = -1;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(kf, sizeof(kf), "%s/seal.key", dir);
	snprintf(f, sizeof(f), "%s/node.key", dir);
	/* sources: a short key, a readable one, an unknown kind */
	write_text(kf, "too short\n", 0600);
	snprintf(src, sizeof(src), "file:%s", kf);
	assert_int_equal(hl_seal_kek_load(src, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "at least 32"));
	write_text(kf, "c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00\n", 0644);
	assert_int_equal(hl_seal_kek_load(src, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(chmod(kf, 0600), 0);
	assert_int_equal(hl_seal_kek_load("tpm:whatever", err, sizeof(err)), HL_ERR_CONFIG);
	assert_int_equal(hl_seal_kek_load(src, err, sizeof(err)), HL_OK);
	/* a sealed file written, read back; on disk no clear text */
	assert_int_equal(hl_seal_write_file(f, (const uint8_t *)"the secret", 10, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(hl_seal_read_file(f, &pt, &ptlen, &sealed, err, sizeof(err)), HL_OK);
	assert_int_equal(sealed, 1);
	assert_int_equal(ptlen, 10);
	assert_memory_equal(pt, "the secret", 10);
	hl_free_secret(pt, ptlen);
	/* the same key through a systemd credential opens it */
	hl_seal_kek_wipe();
	unsetenv("CREDENTIALS_DIRECTORY");
	assert_int_equal(hl_seal_kek_load("credential:seal.key", err, sizeof(err)),
	    HL_ERR_CONFIG);
	assert_non_null(strstr(err, "CREDENTIALS_DIRECTORY"));
	assert_int_equal(setenv("CREDENTIALS_DIRECTORY", dir, 1), 0);
	assert_int_equal(hl_seal_kek_load("credential:../x", err, sizeof(err)), HL_ERR_CONFIG);
	assert_int_equal(hl_seal_kek_load("credential:seal.key", err, sizeof(err)), HL_OK);
	assert_int_equal(hl_seal_read_file(f, &pt, &ptlen, &sealed, err, sizeof(err)), HL_OK);
	hl_free_secret(pt, ptlen);
	unsetenv("CREDENTIALS_DIRECTORY");
	/* without the key: a clear error naming the file */
	hl_seal_kek_wipe();
	assert_int_equal(hl_seal_read_file(f, &pt, &ptlen, &sealed, err, sizeof(err)),
	    HL_ERR_INVALID);
	assert_non_null(strstr(err, "no seal_key"));
	/* renamed: refused (the role is the base name) */
	assert_int_equal(hl_seal_kek_load(src, err, sizeof(err)), HL_OK);
	snprintf(src, sizeof(src), "%s/tls.key", dir);
	assert_int_equal(rename(f, src), 0);
	assert_int_equal(hl_seal_read_file(src, &pt, &ptlen, &sealed, err, sizeof(err)),
	    HL_ERR_DECRYPT);
	assert_non_null(strstr(err, "altered or renamed"));
	/* a clear file passes through, marked so */
	write_text(f, "clear", 0600);
	assert_int_equal(hl_seal_read_file(f, &pt, &ptlen, &sealed, err, sizeof(err)), HL_OK);
	assert_int_equal(sealed, 0);
	assert_int_equal(ptlen, 5);
	hl_free_secret(pt, ptlen);
	hl_seal_kek_wipe();
	unlink(f);
	unlink(src);
	unlink(kf);
	rmdir(dir);
}

static void
test_pem_key(void **state)
{
	char dir[] = "/tmp/test_sealfile.XXXXXX", f[128], err[512];
	EVP_PKEY *k = NULL, *back = NULL;
	BIO *bio = NULL;
	char *pem = NULL;
	long n;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(f, sizeof(f), "%s/tls.key", dir);
	assert_non_null(k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519"));
	assert_non_null(bio = BIO_new(BIO_s_mem()));
	assert_int_equal(PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL), 1);
	assert_true((n = BIO_get_mem_data(bio, &pem)) > 0);
	assert_int_equal(hl_seal_kek_set(material, 32), HL_OK);
	assert_int_equal(hl_seal_write_file(f, (const uint8_t *)pem, (size_t)n, err,
	    sizeof(err)), HL_OK);
	assert_int_equal(hl_seal_read_pkey(f, &back, err, sizeof(err)), HL_OK);
	assert_int_equal(EVP_PKEY_eq(k, back), 1);
	EVP_PKEY_free(back);
	back = NULL;
	/* OpenSSL alone cannot read it */
	{
		FILE *fp = fopen(f, "r");

		assert_non_null(fp);
		assert_null(PEM_read_PrivateKey(fp, NULL, NULL, NULL));
		fclose(fp);
	}
	hl_seal_kek_wipe();
	assert_int_not_equal(hl_seal_read_pkey(f, &back, err, sizeof(err)), HL_OK);
	assert_null(back);
	BIO_free(bio);
	EVP_PKEY_free(k);
	unlink(f);
	rmdir(dir);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_flips_and_truncations),
		cmocka_unit_test(test_files_and_sources),
		cmocka_unit_test(test_pem_key),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
