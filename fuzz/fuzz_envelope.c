/* fuzz_envelope.c: the envelope decoder (versions 1 and 2); accepted input
 * must re-encode to the same bytes and its digest must be computable; a batch
 * block's path and root check must refuse a key that signed nothing. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "sigbatch.h"
#include "signer.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);



int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_envelope e;
	struct hl_buf b;
	uint8_t dg[64], leaf[HL_SHA256];
	static struct hl_signer sg;
	size_t tail;

	if (hl_envelope_decode(data, size, &e) != HL_OK)
		return 0;
	tail = e.version == HL_ENVELOPE_VERSION_BATCH ? hl_batch_sig_size(e.bs.npath) :
	    e.version == HL_ENVELOPE_VERSION_HYBRID ?
	    hl_batch_sig_size(e.bs.npath) - HL_ED25519_SIG + e.hsig.len : HL_ED25519_SIG;
	if (e.header_len > e.signed_len || e.signed_len + tail != size)
		abort();
	if (hl_envelope_digest(data, e.signed_len, dg) != HL_OK ||
	    hl_envelope_leaf(data, e.signed_len, leaf) != HL_OK)
		abort();
	/* a hostile batch block: the path walk and the check refuse, never crash */
	fuzz_signer(&sg, e.hsig.suite);
	if (e.version == HL_ENVELOPE_VERSION_BATCH &&
	    hl_sigbatch_verify(NULL, HL_SIGBATCH_ENVELOPE, data, e.signed_len, &e.bs, e.sig,
	    HL_ED25519_SIG, &sg) == HL_OK)
		abort();
	if (e.version == HL_ENVELOPE_VERSION_HYBRID &&
	    hl_sigbatch_verify(NULL, HL_SIGBATCH_ENVELOPE_HYBRID, data, e.signed_len, &e.bs,
	    e.hsig.p, e.hsig.len, &sg) == HL_OK)
		abort();
	hl_buf_init(&b, HL_ENVELOPE_MAX_BYTES);
	if (hl_envelope_encode(&e, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hl_buf_free(&b);
	return 0;
}
