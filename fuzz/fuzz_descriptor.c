/* fuzz_descriptor.c: the descriptor decoder, and signature verification over
 * whatever it accepts (certificate parsing included); accepted input must
 * re-encode to the same bytes. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "seal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_descriptor d;
	struct hl_buf b;
	static struct hl_signer sg;

	if (hl_descriptor_decode(data, size, &d) != HL_OK)
		return 0;
	hl_buf_init(&b, HL_DESCRIPTOR_MAX_BYTES);
	if (hl_descriptor_encode(&d, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hl_buf_free(&b);
	if (hl_verify_descriptor(&d, data, d.not_before_ms, &sg) == HL_OK && d.version ==
	    HL_DESCRIPTOR_VERSION_HYBRID && (sg.npk != d.npk || sg.suite != d.sig_suite))
		abort();
	return 0;
}
