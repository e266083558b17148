/* fuzz_hybsig.c: hostile hybrid signatures (hybsig.c). A fixed Ed25519
 * key and ML-DSA-65 / -87 keys sign a fixed digest once; the input, tried
 * as a signature and as a digest for the fixed signatures, must never
 * verify unless it is the fixed one, and results must keep to the API's
 * codes. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "hybsig.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int suite_of[3] = { HL_SUITE_ED25519, HL_SUITE_ED25519_MLDSA65,
	HL_SUITE_ED25519_MLDSA87 };
static const int param_of[3] = { HL_MLDSA_65, HL_MLDSA_65, HL_MLDSA_87 };
static uint8_t ed_pub[32];
static uint8_t pk[3][HL_MLDSA_MAX_PK_BYTES];
static uint8_t sig[3][HL_HYBSIG_MAX_BYTES];
static size_t siglen[3];
static uint8_t digest[HL_HYBSIG_DIGEST_BYTES];
static int ready;

static void
setup(void)
{
	static uint8_t sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t seed[32], xi[32];
	EVP_PKEY *ed;
	size_t n = 32;
	int i;

	memset(seed, 0x42, sizeof(seed));
	memset(digest, 0x17, sizeof(digest));
	if ((ed = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, seed, 32)) == NULL ||
	    EVP_PKEY_get_raw_public_key(ed, ed_pub, &n) != 1)
		abort();
	for (i = 0; i < 3; i++) {
		memset(xi, 0x60 + i, sizeof(xi));
		if (hl_mldsa_keygen_seed(param_of[i], xi, pk[i], sk) != HL_OK ||
		    hl_hybsig_sign(suite_of[i], ed, sk, hl_mldsa_sk_bytes(param_of[i]),
		    HL_SIGN_DESCRIPTOR, digest, sig[i], sizeof(sig[i]), &siglen[i]) != HL_OK)
			abort();
	}
	EVP_PKEY_free(ed);
	ready = 1;
}

static void
check(int i, const uint8_t *d, const uint8_t *s, size_t len)
{
	int rc = hl_hybsig_verify(ed_pub, pk[i], hl_mldsa_pk_bytes(param_of[i]), 1,
	    HL_SIGN_DESCRIPTOR, d, s, len, NULL);

	if (rc != HL_OK && rc != HL_ERR_BAD_SIGNATURE && rc != HL_ERR_MALFORMED)
		abort();
	if (rc == HL_OK && (len != siglen[i] || memcmp(s, sig[i], len) != 0 ||
	    memcmp(d, digest, sizeof(digest)) != 0))
		abort();   /* a forgery */
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static uint8_t buf[HL_HYBSIG_MAX_BYTES];
	uint8_t d[HL_HYBSIG_DIGEST_BYTES];
	int i;

	if (!ready)
		setup();
	if (size < 1)
		return 0;
	i = data[0] % 3;
	data++;
	size--;
	/* as a signature: as given, and spliced over the fixed one */
	check(i, digest, data, size);
	memcpy(buf, sig[i], siglen[i]);
	memcpy(buf, data, size < siglen[i] ? size : siglen[i]);
	check(i, digest, buf, siglen[i]);
	/* as a digest for the fixed signature */
	memset(d, 0, sizeof(d));
	memcpy(d, data, size < sizeof(d) ? size : sizeof(d));
	check(i, d, sig[i], siglen[i]);
	return 0;
}
