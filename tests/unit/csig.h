/* csig.h: for the unit tests that verify classical (Ed25519-only) items
 * through the signer interface (test_seal.c, test_merkle.c). */
#ifndef HL_TEST_CSIG_H
#define HL_TEST_CSIG_H

#include "hybsig.h"

/* A signer of Ed25519 key pub whose classical signatures are accepted (a
 * copy per call, kept in a small ring for the calls of one assertion). */
static const struct hl_signer *
csig(const uint8_t *pub)
{
	static struct hl_signer ring[4];
	static unsigned next;
	struct hl_signer *s = &ring[next++ % 4];

	hl_signer_classical(s, pub);
	return s;
}

#endif
