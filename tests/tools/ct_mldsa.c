/* ct_mldsa.c: constant-time check of src/mldsa.c under valgrind memcheck.
 *
 * Every secret input is marked "undefined" with a valgrind client request:
 * the key generation seed xi, the whole secret key (K, s1, s2, t0, and also
 * rho and tr, which src/mldsa.c must declassify itself where it needs them)
 * and the signing randomness rnd. Memcheck then reports any branch,
 * conditional move or memory address that depends on them ("Conditional
 * jump or move depends on uninitialised value(s)", "Use of uninitialised
 * value"), except where mldsa.c declares a value public (HL_DECLASSIFY: rho,
 * the accept/reject bit of each rejection step, the accepted signature's
 * hint). The public key and the signatures are marked defined again before
 * they are verified and compared. tests/integration/11-mldsa-ct.sh runs this
 * binary and the deliberately broken builds (ct_mldsa_broken,
 * ct_mldsa_nodeclassify) under valgrind. Outside valgrind it is a plain
 * functional test. Exit 0 if all results are as expected. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <valgrind/memcheck.h>

#include "errors.h"
#include "mldsa.h"

#define SECRET(p, n) ((void)VALGRIND_MAKE_MEM_UNDEFINED((p), (n)))
#define PUBLIC(p, n) ((void)VALGRIND_MAKE_MEM_DEFINED((p), (n)))
#define MESSAGES 4

static int
run(int param)
{
	static uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	static uint8_t sig[MESSAGES][HL_MLDSA_MAX_SIG_BYTES];
	static uint8_t sig2[HL_MLDSA_MAX_SIG_BYTES];
	uint8_t xi[32], rnd[32], msg[32];
	size_t pkl = hl_mldsa_pk_bytes(param), skl = hl_mldsa_sk_bytes(param);
	size_t sigl = hl_mldsa_sig_bytes(param);
	int ok = 1, i;

	memset(xi, 0x5a, sizeof(xi));
	xi[0] = (uint8_t)param;
	memset(rnd, 0xa5, sizeof(rnd));

	/* KeyGen_internal: xi secret */
	SECRET(xi, sizeof(xi));
	if (hl_mldsa_keygen_seed(param, xi, pk, sk) != HL_OK)
		ok = 0;
	PUBLIC(pk, pkl);                    /* pk is published */

	/* Sign_internal with a secret rnd, and the pure ML-DSA.Sign in
	 * deterministic mode, on several messages (so that some iterations
	 * are rejected): the whole sk secret */
	for (i = 0; i < MESSAGES; i++) {
		memset(msg, 0x30 + i, sizeof(msg));
		SECRET(sk, skl);
		SECRET(rnd, sizeof(rnd));
		rnd[0] = (uint8_t)i;
		if (i % 2 == 0) {
			if (hl_mldsa_sign_internal(param, sk, skl, msg,
			    sizeof(msg), rnd, sig[i]) != HL_OK)
				ok = 0;
		} else if (hl_mldsa_sign(param, sk, skl, msg, sizeof(msg),
		    (const uint8_t *)"ct", 2, HL_MLDSA_DETERMINISTIC, sig[i]) !=
		    HL_OK) {
			ok = 0;
		}
		PUBLIC(sig[i], sigl);       /* a signature is published */
	}

	/* results are checked only after declassifying */
	PUBLIC(sk, skl);
	for (i = 0; i < MESSAGES; i++) {
		memset(msg, 0x30 + i, sizeof(msg));
		if (i % 2 == 0 ? hl_mldsa_verify_internal(param, pk, pkl, msg,
		    sizeof(msg), sig[i], sigl) != HL_OK :
		    hl_mldsa_verify(param, pk, pkl, msg, sizeof(msg),
		    (const uint8_t *)"ct", 2, sig[i], sigl) != HL_OK)
			ok = 0;
	}
	/* deterministic signing repeats itself; a changed signature fails */
	memset(msg, 0x31, sizeof(msg));
	if (hl_mldsa_sign(param, sk, skl, msg, sizeof(msg),
	    (const uint8_t *)"ct", 2, HL_MLDSA_DETERMINISTIC, sig2) != HL_OK ||
	    memcmp(sig2, sig[1], sigl) != 0)
		ok = 0;
	sig2[sigl / 2] ^= 1;
	if (hl_mldsa_verify(param, pk, pkl, msg, sizeof(msg),
	    (const uint8_t *)"ct", 2, sig2, sigl) == HL_OK)
		ok = 0;
	printf("ct_mldsa: ML-DSA-%d keygen_seed, sign_internal (secret rnd), "
	    "sign (deterministic), %d messages: %s\n", param, MESSAGES,
	    ok ? "results ok" : "WRONG RESULTS");
	return ok;
}

int
main(void)
{
	int ok = 1;

	printf("ct_mldsa: %s valgrind; secrets: xi, sk (all of it), rnd\n",
	    RUNNING_ON_VALGRIND ? "under" : "NOT under");
	if (!run(HL_MLDSA_44))
		ok = 0;
	if (!run(HL_MLDSA_65))
		ok = 0;
	if (!run(HL_MLDSA_87))
		ok = 0;
	return ok ? 0 : 1;
}
