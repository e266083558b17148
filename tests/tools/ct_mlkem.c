/* ct_mlkem.c: constant-time check of src/mlkem.c under valgrind memcheck.
 *
 * Every secret input (d, z, m, the secret vector and z inside dk) is marked
 * "undefined" with a valgrind client request. Memcheck then reports any
 * branch, conditional move or memory address that depends on it
 * ("Conditional jump or move depends on uninitialised value(s)", "Use of
 * uninitialised value"). Public values (ek, ct) are marked defined again, as
 * are the outputs before they are compared and printed.
 * tests/integration/10-mlkem-ct.sh runs this binary and the deliberately
 * broken build (ct_mlkem_broken) under valgrind. Outside valgrind it is a
 * plain functional test. Exit 0 if all results are as expected. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "errors.h"
#include "mlkem.h"

#define SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))

static int
run(int param)
{
	uint8_t d[32], z[32], m[32], ss1[32], ss2[32], ss3[32];
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES], dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES];
	size_t ekl = hl_mlkem_ek_bytes(param), dkl = hl_mlkem_dk_bytes(param);
	size_t ctl = hl_mlkem_ct_bytes(param), pke = dkl - ekl - 64;
	int ok = 1;

	memset(d, 0x5a, sizeof(d));
	d[0] = (uint8_t)param;
	memset(z, 0xa5, sizeof(z));
	memset(m, 0x3c, sizeof(m));

	/* KeyGen_internal: d and z secret */
	SECRET(d, sizeof(d));
	SECRET(z, sizeof(z));
	if (hl_mlkem_keygen_derand(param, d, z, ek, dk) != HL_OK)
		ok = 0;
	PUBLIC(ek, ekl);                    /* ek is published */
	PUBLIC(dk + pke, ekl + 32);         /* ek || H(ek) inside dk: public */

	/* Encaps_internal: m secret */
	SECRET(m, sizeof(m));
	if (hl_mlkem_encaps_derand(param, ek, ekl, m, ct, ss1) != HL_OK)
		ok = 0;
	PUBLIC(ct, ctl);                    /* ct goes on the wire */

	/* Decaps: secret vector and z secret, valid ciphertext */
	SECRET(dk, pke);
	SECRET(dk + dkl - 32, 32);
	if (hl_mlkem_decaps(param, dk, dkl, ct, ctl, ss2) != HL_OK)
		ok = 0;
	/* and a modified ciphertext: implicit rejection path */
	ct[ctl / 2] ^= 0x10;
	if (hl_mlkem_decaps(param, dk, dkl, ct, ctl, ss3) != HL_OK)
		ok = 0;
	ct[ctl / 2] ^= 0x10;

	/* results are compared and printed only after declassifying */
	PUBLIC(ss1, sizeof(ss1));
	PUBLIC(ss2, sizeof(ss2));
	PUBLIC(ss3, sizeof(ss3));
	PUBLIC(dk, dkl);
	if (memcmp(ss1, ss2, 32) != 0)
		ok = 0;
	if (memcmp(ss1, ss3, 32) == 0)
		ok = 0;
	printf("ct_mlkem: ML-KEM-%d keygen_derand, encaps_derand, decaps "
	    "(valid and modified ct): %s\n", param, ok ? "results ok" :
	    "WRONG RESULTS");
	return ok;
}

int
main(void)
{
	int ok = 1;

	printf("ct_mlkem: %s valgrind; secrets: d, z, m, dk secret vector, "
	    "dk z\n", RUNNING_ON_VALGRIND ? "under" : "NOT under");
	if (!run(HL_MLKEM_768))
		ok = 0;
	if (!run(HL_MLKEM_1024))
		ok = 0;
	return ok ? 0 : 1;
}
