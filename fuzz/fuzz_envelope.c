/* fuzz_envelope.c: the envelope decoder; accepted input must re-encode to the
 * same bytes and its digest must be computable. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_envelope e;
	struct hl_buf b;
	uint8_t dg[64];

	if (hl_envelope_decode(data, size, &e) != HL_OK)
		return 0;
	if (e.header_len > e.signed_len || e.signed_len + HL_ED25519_SIG != size)
		abort();
	if (hl_envelope_digest(data, e.signed_len, dg) != HL_OK)
		abort();
	hl_buf_init(&b, HL_ENVELOPE_MAX_BYTES);
	if (hl_envelope_encode(&e, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hl_buf_free(&b);
	return 0;
}
