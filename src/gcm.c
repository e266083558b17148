/* gcm.c: AES-256-GCM, the one place the project calls it (gcm.h). */
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>

#include "gcm.h"

int
hl_gcm(int enc, const uint8_t key[HL_AES_KEY], const uint8_t nonce[HL_GCM_NONCE],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[HL_GCM_TAG])
{
	EVP_CIPHER_CTX *c = NULL;
	int n = 0, f = 0, r = enc ? HL_ERR_CRYPTO : HL_ERR_DECRYPT;

	if (len > INT32_MAX || aadlen > INT32_MAX)
		goto out;
	if ((c = EVP_CIPHER_CTX_new()) == NULL)
		goto out;
	if (EVP_CipherInit_ex(c, EVP_aes_256_gcm(), NULL, NULL, NULL, enc) != 1 ||
	    EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_IVLEN, HL_GCM_NONCE, NULL) != 1 ||
	    EVP_CipherInit_ex(c, NULL, NULL, key, nonce, enc) != 1)
		goto out;
	if (!enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_SET_TAG, HL_GCM_TAG, tag) != 1)
		goto out;
	if (aadlen > 0 && EVP_CipherUpdate(c, NULL, &n, aad, (int)aadlen) != 1)
		goto out;
	n = 0;
	if (len > 0 && (EVP_CipherUpdate(c, out, &n, in, (int)len) != 1 || (size_t)n != len))
		goto out;
	if (EVP_CipherFinal_ex(c, out + n, &f) != 1 || f != 0)
		goto out;
	if (enc && EVP_CIPHER_CTX_ctrl(c, EVP_CTRL_GCM_GET_TAG, HL_GCM_TAG, tag) != 1)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK) {
		if (len > 0)
			OPENSSL_cleanse(out, len);
		ERR_clear_error();
	}
	EVP_CIPHER_CTX_free(c);
	return r;
}
