/* mldsa_fixed.h: the key, message and context fuzz/fuzz_mldsa.c verifies
 * against; fuzz/gen_corpus.c makes the seeds of fuzz/corpus/mldsa/ from the
 * same. An input is one byte choosing the parameter set (mod 3), then the
 * bytes the target tries as a signature, public key, context and message. */
#ifndef HL_FUZZ_MLDSA_FIXED_H
#define HL_FUZZ_MLDSA_FIXED_H

#include <stdint.h>
#include <string.h>

#include "errors.h"
#include "mldsa.h"

#define FUZZ_MLDSA_MSG "fuzz"
#define FUZZ_MLDSA_CTX "hotline"

static const int fuzz_mldsa_params[3] = { HL_MLDSA_44, HL_MLDSA_65,
    HL_MLDSA_87 };

/* The fixed key of a parameter set (xi = 32 bytes 0x01) and its
 * deterministic signature of FUZZ_MLDSA_MSG under FUZZ_MLDSA_CTX. OUT: pk,
 * sk, sig at their sizes. */
static int
fuzz_mldsa_fixed(int param, uint8_t *pk, uint8_t *sk, uint8_t *sig)
{
	uint8_t xi[32];
	int rc;

	memset(xi, 0x01, sizeof(xi));
	if ((rc = hl_mldsa_keygen_seed(param, xi, pk, sk)) != HL_OK)
		return rc;
	return hl_mldsa_sign(param, sk, hl_mldsa_sk_bytes(param),
	    (const uint8_t *)FUZZ_MLDSA_MSG, strlen(FUZZ_MLDSA_MSG),
	    (const uint8_t *)FUZZ_MLDSA_CTX, strlen(FUZZ_MLDSA_CTX),
	    HL_MLDSA_DETERMINISTIC, sig);
}

#endif
