/* fuzz_mlkem.c: arbitrary bytes as an ML-KEM encapsulation key (check_ek,
 * encaps), as a ciphertext (decaps with a fixed dk) and as a decapsulation
 * key (check_dk, decaps), for ML-KEM-768 and ML-KEM-1024. The input is used
 * as is (any length must be rejected cleanly unless exact) and also cut or
 * zero-padded to the exact size so the deep paths are reached. Aborts on any
 * result that contradicts the API contract. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fit.h"
#include "mlkem.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const int params[2] = { HL_MLKEM_768, HL_MLKEM_1024 };
static uint8_t fixed_ek[2][HL_MLKEM_MAX_EK_BYTES];
static uint8_t fixed_dk[2][HL_MLKEM_MAX_DK_BYTES];
static uint8_t fixed_ct[2][HL_MLKEM_MAX_CT_BYTES];
static int ready;

static void
setup(void)
{
	uint8_t d[32], z[32], m[32], ss[32];
	int i;

	memset(d, 0x01, sizeof(d));
	memset(z, 0x02, sizeof(z));
	memset(m, 0x03, sizeof(m));
	for (i = 0; i < 2; i++) {
		if (hl_mlkem_keygen_derand(params[i], d, z, fixed_ek[i],
		    fixed_dk[i]) != HL_OK ||
		    hl_mlkem_encaps_derand(params[i], fixed_ek[i],
		    hl_mlkem_ek_bytes(params[i]), m, fixed_ct[i], ss) != HL_OK)
			abort();
	}
	ready = 1;
}

static void
one(int i, const uint8_t *data, size_t size)
{
	int prm = params[i];
	size_t ekl = hl_mlkem_ek_bytes(prm), dkl = hl_mlkem_dk_bytes(prm);
	size_t ctl = hl_mlkem_ct_bytes(prm);
	uint8_t buf[HL_MLKEM_MAX_DK_BYTES], ct[HL_MLKEM_MAX_CT_BYTES];
	uint8_t m[32], ss[32], ss2[32];
	int r1, r2;

	memset(m, 0x44, sizeof(m));
	/* as is: exact length or HL_ERR_MALFORMED */
	r1 = hl_mlkem_check_ek(prm, data, size);
	r2 = hl_mlkem_encaps_derand(prm, data, size, m, ct, ss);
	if (r1 != r2 || (r1 != HL_OK && r1 != HL_ERR_MALFORMED) ||
	    (size != ekl && r1 == HL_OK))
		abort();
	r1 = hl_mlkem_decaps(prm, fixed_dk[i], dkl, data, size, ss);
	if ((size == ctl) != (r1 == HL_OK) ||
	    (r1 != HL_OK && r1 != HL_ERR_MALFORMED))
		abort();
	r1 = hl_mlkem_check_dk(prm, data, size);
	if (r1 != HL_OK && r1 != HL_ERR_MALFORMED)
		abort();

	/* fitted to ek size: encaps of a key that passes the check */
	fit(buf, ekl, data, size);
	r1 = hl_mlkem_check_ek(prm, buf, ekl);
	r2 = hl_mlkem_encaps_derand(prm, buf, ekl, m, ct, ss);
	if (r1 != r2 || (r1 != HL_OK && r1 != HL_ERR_MALFORMED))
		abort();

	/* fitted to ct size: decaps always succeeds (implicit rejection)
	 * and is deterministic */
	fit(buf, ctl, data, size);
	if (hl_mlkem_decaps(prm, fixed_dk[i], dkl, buf, ctl, ss) != HL_OK ||
	    hl_mlkem_decaps(prm, fixed_dk[i], dkl, buf, ctl, ss2) != HL_OK ||
	    memcmp(ss, ss2, 32) != 0)
		abort();

	/* fitted to dk size with the fixed key's public part: the secret
	 * vector and z may be anything; decaps must not misbehave */
	fit(buf, dkl, data, size);
	memcpy(buf + dkl - ekl - 64, fixed_dk[i] + dkl - ekl - 64, ekl + 32);
	if (hl_mlkem_check_dk(prm, buf, dkl) != HL_OK ||
	    hl_mlkem_decaps(prm, buf, dkl, fixed_ct[i], ctl, ss) != HL_OK)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	if (!ready)
		setup();
	one(0, data, size);
	one(1, data, size);
	return 0;
}
