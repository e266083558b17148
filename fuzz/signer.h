/* signer.h: for the fuzz targets that verify hostile hybrid-signed items
 * (fuzz_envelope.c, fuzz_receipt.c): a signer of a fixed Ed25519 key and
 * an all-zero ML-DSA key of the suite the input names (or none). */
#ifndef HL_FUZZ_SIGNER_H
#define HL_FUZZ_SIGNER_H

#include "hybsig.h"
#include "mldsa.h"

static void
fuzz_signer(struct hl_signer *s, int suite)
{
	static const uint8_t ed[32] = { 1 };
	int param = hl_sig_suite_mldsa(suite);

	hl_signer_classical(s, ed);
	if (param > 0) {
		s->suite = suite;
		s->npk = 1;
		s->pk_len[0] = hl_mldsa_pk_bytes(param);
	}
}

#endif
