/* sha3.c: SHA3-256, SHA3-512, SHAKE128, SHAKE256 through OpenSSL 3.0 EVP,
 * fetched per operation (see sha3.h). */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/evp.h>

#include "errors.h"
#include "sha3.h"

void
hl_sha3_close(struct hl_sha3 *h)
{
	EVP_MD_CTX_free(h->ctx);
	EVP_MD_free(h->sha3_256);
	EVP_MD_free(h->sha3_512);
	EVP_MD_free(h->shake128);
	EVP_MD_free(h->shake256);
	memset(h, 0, sizeof(*h));
}

int
hl_sha3_open(struct hl_sha3 *h)
{
	memset(h, 0, sizeof(*h));
	h->sha3_256 = EVP_MD_fetch(NULL, "SHA3-256", NULL);
	h->sha3_512 = EVP_MD_fetch(NULL, "SHA3-512", NULL);
	h->shake128 = EVP_MD_fetch(NULL, "SHAKE128", NULL);
	h->shake256 = EVP_MD_fetch(NULL, "SHAKE256", NULL);
	h->ctx = EVP_MD_CTX_new();
	if (h->ctx == NULL || h->sha3_256 == NULL || h->sha3_512 == NULL ||
	    h->shake128 == NULL || h->shake256 == NULL) {
		hl_sha3_close(h);
		return HL_ERR_CRYPTO;
	}
	return HL_OK;
}

int
hl_sha3_hash(const struct hl_sha3 *h, const EVP_MD *md,
    const struct hl_sha3_in *in, size_t n, uint8_t *out, size_t outlen)
{
	unsigned int got = 0;
	size_t i;

	if (EVP_DigestInit_ex(h->ctx, md, NULL) != 1)
		return HL_ERR_CRYPTO;
	for (i = 0; i < n; i++)
		if (in[i].len != 0 &&
		    EVP_DigestUpdate(h->ctx, in[i].p, in[i].len) != 1)
			return HL_ERR_CRYPTO;
	if ((EVP_MD_get_flags(md) & EVP_MD_FLAG_XOF) != 0)
		return EVP_DigestFinalXOF(h->ctx, out, outlen) == 1 ?
		    HL_OK : HL_ERR_CRYPTO;
	if (EVP_DigestFinal_ex(h->ctx, out, &got) != 1 || got != outlen)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

int
hl_sha3_more(const struct hl_sha3 *h, const EVP_MD *md,
    const struct hl_sha3_in *in, size_t n, uint8_t *buf, size_t *have,
    size_t max)
{
	if (*have > max / 2)
		return HL_ERR_CRYPTO;
	*have *= 2;
	return hl_sha3_hash(h, md, in, n, buf, *have);
}
