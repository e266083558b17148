/* sha3.h: the SHA-3 family from OpenSSL 3.0 EVP for the lattice modules
 * (mlkem.c, mldsa.c): SHA3-256, SHA3-512, SHAKE128 and SHAKE256 fetched for
 * one operation, and one call that hashes a list of inputs.
 *
 * OpenSSL 3.0 has no EVP_DigestSqueeze and EVP_DigestFinalXOF may be called
 * once per absorb: a caller that needs more XOF output absorbs the same
 * inputs again and asks for a longer output (hl_sha3_more); an XOF output
 * is a prefix of every longer one. */
#ifndef HL_SHA3_H
#define HL_SHA3_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "errors.h"

/* The four functions and one context, for one operation: the process keeps
 * no state of its own (fetching all four costs about a microsecond). */
struct hl_sha3 {
	EVP_MD_CTX *ctx;
	EVP_MD *sha3_256, *sha3_512, *shake128, *shake256;
};

/* One input of a hash: the inputs are absorbed in order. p may be NULL
 * when len is 0. */
struct hl_sha3_in {
	const uint8_t *p;
	size_t len;
};

/* HL_ERR_CRYPTO if OpenSSL has no SHA-3 or no memory (h is closed then). */
HL_WUR int hl_sha3_open(struct hl_sha3 *h);
/* Frees what hl_sha3_open fetched; accepts a closed or zeroed h. */
void hl_sha3_close(struct hl_sha3 *h);

/* out = md(in[0] || ... || in[n - 1]): outlen bytes of output for SHAKE,
 * exactly the digest size otherwise (HL_ERR_CRYPTO if outlen differs). */
HL_WUR int hl_sha3_hash(const struct hl_sha3 *h, const EVP_MD *md,
    const struct hl_sha3_in *in, size_t n, uint8_t *out, size_t outlen);

/* For rejection samplers: buf holds the first *have bytes of SHAKE md
 * over in; make it the first 2 *have (the first *have unchanged).
 * HL_ERR_CRYPTO when that would pass max. */
HL_WUR int hl_sha3_more(const struct hl_sha3 *h, const EVP_MD *md,
    const struct hl_sha3_in *in, size_t n, uint8_t *buf, size_t *have,
    size_t max);

#endif
