/* mlkem.h: ML-KEM-768 and ML-KEM-1024 (FIPS 203) on OpenSSL 3.0 SHA3/SHAKE.
 *
 * All byte strings have the exact sizes given by hl_mlkem_*_bytes(param);
 * inputs that come from outside (ek, dk, ct) are passed with their length and
 * rejected with HL_ERR_MALFORMED unless it is exact. The shared secret is
 * always HL_MLKEM_SS_BYTES. A bad param is HL_ERR_INVALID. Secret outputs
 * are wiped on every failure path. See docs/internals/mlkem.md. */
#ifndef HL_MLKEM_H
#define HL_MLKEM_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

enum hl_mlkem_param {
	HL_MLKEM_768 = 768,
	HL_MLKEM_1024 = 1024,
};

#define HL_MLKEM_SS_BYTES 32
#define HL_MLKEM_SEED_BYTES 32           /* d, z and m */
#define HL_MLKEM768_EK_BYTES 1184
#define HL_MLKEM768_DK_BYTES 2400
#define HL_MLKEM768_CT_BYTES 1088
#define HL_MLKEM1024_EK_BYTES 1568
#define HL_MLKEM1024_DK_BYTES 3168
#define HL_MLKEM1024_CT_BYTES 1568
#define HL_MLKEM_MAX_EK_BYTES HL_MLKEM1024_EK_BYTES
#define HL_MLKEM_MAX_DK_BYTES HL_MLKEM1024_DK_BYTES
#define HL_MLKEM_MAX_CT_BYTES HL_MLKEM1024_CT_BYTES

/* Sizes for a parameter set; 0 if param is not HL_MLKEM_768/1024. */
size_t hl_mlkem_ek_bytes(int param);
size_t hl_mlkem_dk_bytes(int param);
size_t hl_mlkem_ct_bytes(int param);

/* ML-KEM.KeyGen_internal(d, z). OUT: ek (ek_bytes), dk (dk_bytes, secret). */
HL_WUR int hl_mlkem_keygen_derand(int param, const uint8_t d[static 32],
    const uint8_t z[static 32], uint8_t *ek, uint8_t *dk);
/* ML-KEM.KeyGen with d, z from RAND_priv_bytes (wiped). OUT: ek, dk. */
HL_WUR int hl_mlkem_keygen(int param, uint8_t *ek, uint8_t *dk);

/* ML-KEM.Encaps_internal(ek, m) after the FIPS 203 7.2 input check (exact
 * length, modulus check). OUT: ct (ct_bytes), ss (secret). */
HL_WUR int hl_mlkem_encaps_derand(int param, const uint8_t *ek, size_t ek_len,
    const uint8_t m[static 32], uint8_t *ct, uint8_t ss[static 32]);
/* ML-KEM.Encaps with m from RAND_priv_bytes (wiped). OUT: ct, ss. */
HL_WUR int hl_mlkem_encaps(int param, const uint8_t *ek, size_t ek_len,
    uint8_t *ct, uint8_t ss[static 32]);

/* ML-KEM.Decaps after the FIPS 203 7.3 input checks (exact ct and dk
 * lengths, H(ek) hash check inside dk). A ciphertext that does not
 * re-encrypt yields the implicit-rejection secret J(z || ct) and HL_OK:
 * the caller cannot tell (by design). OUT: ss (secret). */
HL_WUR int hl_mlkem_decaps(int param, const uint8_t *dk, size_t dk_len,
    const uint8_t *ct, size_t ct_len, uint8_t ss[static 32]);

/* FIPS 203 7.2 encapsulation-key check: exact length and every 12-bit
 * coefficient < q. HL_OK or HL_ERR_MALFORMED (HL_ERR_INVALID: bad param). */
HL_WUR int hl_mlkem_check_ek(int param, const uint8_t *ek, size_t ek_len);
/* FIPS 203 7.3 decapsulation-key check: exact length and H(ek) == h. */
HL_WUR int hl_mlkem_check_dk(int param, const uint8_t *dk, size_t dk_len);

#endif
