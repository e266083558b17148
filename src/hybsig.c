/* hybsig.c: hybrid Ed25519 + ML-DSA signatures (hybsig.h).
 *
 * Encoding: suite (1 byte) | Ed25519 signature (64) | ML-DSA signature
 * (hybrid suites: 3309 bytes for ML-DSA-65, 4627 for ML-DSA-87).
 * Message: "hotline-hybsig-v1" NUL | suite | ctx | digest (64). Ed25519
 * signs it as is; ML-DSA signs it with the context string
 * "hotline/" + suite name. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>

#include "hybsig.h"

#define MSG_PREFIX "hotline-hybsig-v1"

static const struct {
	int suite;
	const char *name;
	int mldsa;
} suites[] = {
	{ HL_SUITE_ED25519, "ed25519", 0 },
	{ HL_SUITE_ED25519_MLDSA65, "ed25519-mldsa65", HL_MLDSA_65 },
	{ HL_SUITE_ED25519_MLDSA87, "ed25519-mldsa87", HL_MLDSA_87 },
};

static int
suite_index(int suite)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].suite == suite)
			return (int)i;
	return -1;
}

const char *
hl_sig_suite_name(int suite)
{
	int i = suite_index(suite);

	return i >= 0 ? suites[i].name : NULL;
}

int
hl_sig_suite_parse(const char *name)
{
	size_t i;

	for (i = 0; name != NULL && i < sizeof(suites) / sizeof(suites[0]); i++)
		if (strcmp(suites[i].name, name) == 0)
			return suites[i].suite;
	return HL_ERR_INVALID;
}

int
hl_sig_suite_mldsa(int suite)
{
	int i = suite_index(suite);

	return i >= 0 ? suites[i].mldsa : HL_ERR_INVALID;
}

size_t
hl_hybsig_len(int suite)
{
	int i = suite_index(suite);

	if (i < 0)
		return 0;
	return 1 + HL_HYBSIG_ED25519_BYTES +
	    (suites[i].mldsa != 0 ? hl_mldsa_sig_bytes(suites[i].mldsa) : 0);
}

int
hl_hybsig_message(int suite, enum hl_sign_ctx ctx, const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES],
    uint8_t m[static HL_HYBSIG_MSG_BYTES])
{
	if (suite_index(suite) < 0 || ctx < 1 || ctx > 255)
		return HL_ERR_INVALID;
	memcpy(m, MSG_PREFIX, sizeof(MSG_PREFIX));   /* with its NUL */
	m[sizeof(MSG_PREFIX)] = (uint8_t)suite;
	m[sizeof(MSG_PREFIX) + 1] = (uint8_t)ctx;
	memcpy(m + sizeof(MSG_PREFIX) + 2, digest, HL_HYBSIG_DIGEST_BYTES);
	return HL_OK;
}

/* "hotline/" + the suite's name: ML-DSA's context string. */
static size_t
mldsa_ctx(int i, uint8_t out[64])
{
	int n = snprintf((char *)out, 64, "hotline/%s", suites[i].name);

	return n > 0 && n < 64 ? (size_t)n : 0;
}

int
hl_hybsig_sign(int suite, EVP_PKEY *ed, const uint8_t *mldsa_sk, size_t sk_len,
    enum hl_sign_ctx ctx, const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES], uint8_t *out,
    size_t cap, size_t *outlen)
{
	EVP_MD_CTX *mc = NULL;
	uint8_t m[HL_HYBSIG_MSG_BYTES], c[64];
	size_t sl = HL_HYBSIG_ED25519_BYTES, need = hl_hybsig_len(suite), cl;
	int i = suite_index(suite), r = HL_ERR_CRYPTO;

	*outlen = 0;
	if (i < 0 || need == 0 || cap < need || ed == NULL ||
	    (suites[i].mldsa != 0 && mldsa_sk == NULL)) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = hl_hybsig_message(suite, ctx, digest, m)) != HL_OK)
		goto out;
	r = HL_ERR_CRYPTO;
	out[0] = (uint8_t)suite;
	if ((mc = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(mc, NULL, NULL, NULL, ed) != 1 ||
	    EVP_DigestSign(mc, out + 1, &sl, m, sizeof(m)) != 1 ||
	    sl != HL_HYBSIG_ED25519_BYTES)
		goto out;
	if (suites[i].mldsa != 0) {
		if ((cl = mldsa_ctx(i, c)) == 0)
			goto out;
		if ((r = hl_mldsa_sign(suites[i].mldsa, mldsa_sk, sk_len, m, sizeof(m), c, cl,
		    HL_MLDSA_HEDGED, out + 1 + HL_HYBSIG_ED25519_BYTES)) != HL_OK)
			goto out;
	}
	*outlen = need;
	r = HL_OK;
out:
	if (r != HL_OK) {
		ERR_clear_error();
		if (cap > 0)
			OPENSSL_cleanse(out, need != 0 && need < cap ? need : cap);
	}
	EVP_MD_CTX_free(mc);
	return r;
}

int
hl_ed25519_verify(const uint8_t pub[static 32], const uint8_t sig[static 64], const uint8_t *m,
    size_t mlen)
{
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *mc = NULL;
	int r = HL_ERR_BAD_SIGNATURE;

	if ((pk = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, pub, 32)) == NULL)
		goto out;
	if ((mc = EVP_MD_CTX_new()) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (EVP_DigestVerifyInit(mc, NULL, NULL, NULL, pk) == 1 &&
	    EVP_DigestVerify(mc, sig, HL_HYBSIG_ED25519_BYTES, m, mlen) == 1)
		r = HL_OK;
out:
	ERR_clear_error();
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(pk);
	return r;
}

int
hl_hybsig_verify(const uint8_t ed_pub[static 32], const uint8_t *mldsa_pk, size_t pk_len,
    int allow_classical, enum hl_sign_ctx ctx, const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES],
    const uint8_t *sig, size_t len, int *suite)
{
	uint8_t m[HL_HYBSIG_MSG_BYTES], c[64];
	size_t cl;
	int i, s, ed_ok, pq_ok = 1;

	if (sig == NULL || len < 1 || (i = suite_index(sig[0])) < 0 ||
	    len != hl_hybsig_len(sig[0]))
		return HL_ERR_MALFORMED;
	s = sig[0];
	if (suites[i].mldsa == 0 && !allow_classical)
		return HL_ERR_DENIED;
	if (suites[i].mldsa != 0 &&
	    (mldsa_pk == NULL || pk_len != hl_mldsa_pk_bytes(suites[i].mldsa)))
		return HL_ERR_INVALID;
	if (hl_hybsig_message(s, ctx, digest, m) != HL_OK)
		return HL_ERR_INVALID;
	/* both parts are checked whatever the first says */
	ed_ok = hl_ed25519_verify(ed_pub, sig + 1, m, sizeof(m)) == HL_OK;
	if (suites[i].mldsa != 0) {
		pq_ok = (cl = mldsa_ctx(i, c)) != 0 &&
		    hl_mldsa_verify(suites[i].mldsa, mldsa_pk, pk_len, m, sizeof(m), c, cl,
		    sig + 1 + HL_HYBSIG_ED25519_BYTES, len - 1 - HL_HYBSIG_ED25519_BYTES) == HL_OK;
	}
	if (!ed_ok || !pq_ok)
		return HL_ERR_BAD_SIGNATURE;
	if (suite != NULL)
		*suite = s;
	return HL_OK;
}

int
hl_signer_verify(const struct hl_signer *s, enum hl_sign_ctx ctx,
    const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES], const uint8_t *sig, size_t len)
{
	unsigned i;
	int r = HL_ERR_BAD_SIGNATURE;

	if (s == NULL || sig == NULL || len < 1)
		return HL_ERR_MALFORMED;
	if (hl_sig_suite_mldsa(sig[0]) == 0)
		return HL_ERR_DENIED;
	if (hl_sig_suite_mldsa(sig[0]) < 0 || len != hl_hybsig_len(sig[0]))
		return HL_ERR_MALFORMED;
	/* a signer that announced no ML-DSA key, or another suite, cannot
	 * have made it */
	if (s->npk == 0 || sig[0] != s->suite)
		return HL_ERR_BAD_SIGNATURE;
	for (i = 0; i < s->npk && i < HL_SIGNER_MLDSA_KEYS; i++) {
		r = hl_hybsig_verify(s->ed, s->pk[i], s->pk_len[i], 0, ctx, digest, sig, len, NULL);
		if (r == HL_OK || r == HL_ERR_MALFORMED || r == HL_ERR_NOMEM)
			return r;
	}
	return r == HL_ERR_INVALID ? HL_ERR_BAD_SIGNATURE : r;
}

void
hl_signer_classical(struct hl_signer *s, const uint8_t ed[static 32])
{
	memset(s, 0, sizeof(*s));
	memcpy(s->ed, ed, sizeof(s->ed));
	s->allow_classical = 1;
}

int
hl_hsig_read(struct hl_rd *rd, struct hl_hsig *out)
{
	memset(out, 0, sizeof(*out));
	if (hl_rd_left(rd) < 1 || hl_sig_suite_mldsa(rd->p[rd->off]) <= 0)
		return HL_ERR_MALFORMED;
	out->suite = rd->p[rd->off];
	out->len = hl_hybsig_len(out->suite);
	if (hl_rd_ptr(rd, out->len, &out->p) != HL_OK) {
		memset(out, 0, sizeof(*out));
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_hsig_put(const struct hl_hsig *h, struct hl_buf *out)
{
	if (h->p == NULL || hl_sig_suite_mldsa(h->suite) <= 0 || h->len != hl_hybsig_len(h->suite))
		return HL_ERR_INVALID;
	hl_buf_u8(out, h->suite);
	hl_buf_put(out, h->p + 1, h->len - 1);
	return HL_OK;
}

static const uint8_t zero_hsig[HL_HYBSIG_MAX_BYTES];

void
hl_hsig_placeholder(int suite, struct hl_hsig *h)
{
	memset(h, 0, sizeof(*h));
	if (hl_sig_suite_mldsa(suite) <= 0)
		return;
	h->suite = (uint8_t)suite;
	h->p = zero_hsig;
	h->len = hl_hybsig_len(suite);
}
