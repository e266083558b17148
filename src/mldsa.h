/* mldsa.h: ML-DSA-44, ML-DSA-65 and ML-DSA-87 (FIPS 204) on OpenSSL 3.0
 * SHAKE128/SHAKE256.
 *
 * All byte strings have the exact sizes given by hl_mldsa_*_bytes(param);
 * keys and signatures are passed with their length and rejected with
 * HL_ERR_MALFORMED unless it is exact. A bad param, a NULL output or a
 * context string over HL_MLDSA_CTX_MAX_BYTES is HL_ERR_INVALID. A signature
 * that does not verify is HL_ERR_BAD_SIGNATURE (HL_ERR_MALFORMED if it does
 * not even decode: wrong length, bad hint encoding); only HL_OK means valid.
 * Secret outputs are wiped on every failure path. Pure ML-DSA only: the
 * pre-hash variant HashML-DSA is not implemented. See
 * docs/internals/mldsa.md. */
#ifndef HL_MLDSA_H
#define HL_MLDSA_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

enum hl_mldsa_param {
	HL_MLDSA_44 = 44,
	HL_MLDSA_65 = 65,
	HL_MLDSA_87 = 87,
};

/* ML.DSA.Sign's two ways of choosing rnd (FIPS 204 3.4): hedged (fresh
 * randomness, the default) or deterministic (32 zero bytes). */
enum hl_mldsa_mode {
	HL_MLDSA_HEDGED = 0,
	HL_MLDSA_DETERMINISTIC = 1,
};

#define HL_MLDSA_SEED_BYTES 32           /* xi of KeyGen */
#define HL_MLDSA_RND_BYTES 32            /* rnd of Sign */
#define HL_MLDSA_CTX_MAX_BYTES 255       /* context string */
#define HL_MLDSA44_PK_BYTES 1312
#define HL_MLDSA44_SK_BYTES 2560
#define HL_MLDSA44_SIG_BYTES 2420
#define HL_MLDSA65_PK_BYTES 1952
#define HL_MLDSA65_SK_BYTES 4032
#define HL_MLDSA65_SIG_BYTES 3309
#define HL_MLDSA87_PK_BYTES 2592
#define HL_MLDSA87_SK_BYTES 4896
#define HL_MLDSA87_SIG_BYTES 4627
#define HL_MLDSA_MAX_PK_BYTES HL_MLDSA87_PK_BYTES
#define HL_MLDSA_MAX_SK_BYTES HL_MLDSA87_SK_BYTES
#define HL_MLDSA_MAX_SIG_BYTES HL_MLDSA87_SIG_BYTES

/* Sizes for a parameter set; 0 if param is not HL_MLDSA_44/65/87. */
size_t hl_mldsa_pk_bytes(int param);
size_t hl_mldsa_sk_bytes(int param);
size_t hl_mldsa_sig_bytes(int param);

/* ML-DSA.KeyGen_internal(xi) (Alg 6). OUT: pk (pk_bytes), sk (sk_bytes,
 * secret). */
HL_WUR int hl_mldsa_keygen_seed(int param, const uint8_t xi[static 32],
    uint8_t *pk, uint8_t *sk);
/* ML-DSA.KeyGen (Alg 1) with xi from RAND_priv_bytes (wiped). OUT: pk, sk. */
HL_WUR int hl_mldsa_keygen(int param, uint8_t *pk, uint8_t *sk);

/* ML-DSA.Sign (Alg 2), pure: M' = 0 || len(ctx) || ctx || msg. mode is
 * HL_MLDSA_HEDGED (rnd from RAND_priv_bytes) or HL_MLDSA_DETERMINISTIC.
 * msg and ctx may be NULL when their length is 0. OUT: sig (sig_bytes). */
HL_WUR int hl_mldsa_sign(int param, const uint8_t *sk, size_t sk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *ctx, size_t ctx_len,
    int mode, uint8_t *sig);
/* ML-DSA.Sign_internal (Alg 7) on an already formed M' (ACVP's internal
 * interface). OUT: sig. */
HL_WUR int hl_mldsa_sign_internal(int param, const uint8_t *sk, size_t sk_len,
    const uint8_t *mp, size_t mp_len, const uint8_t rnd[static 32],
    uint8_t *sig);

/* ML-DSA.Verify (Alg 3), pure, with context string. HL_OK only if sig is
 * a valid signature of msg under pk and ctx. */
HL_WUR int hl_mldsa_verify(int param, const uint8_t *pk, size_t pk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *ctx, size_t ctx_len,
    const uint8_t *sig, size_t sig_len);
/* ML-DSA.Verify_internal (Alg 8) on an already formed M'. */
HL_WUR int hl_mldsa_verify_internal(int param, const uint8_t *pk,
    size_t pk_len, const uint8_t *mp, size_t mp_len, const uint8_t *sig,
    size_t sig_len);

#endif
