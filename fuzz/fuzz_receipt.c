/* fuzz_receipt.c: the receipt decoder; accepted input must re-encode to the
 * same bytes. */
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
	struct hl_receipt r;
	struct hl_buf b;

	if (hl_receipt_decode(data, size, &r) != HL_OK)
		return 0;
	(void)hl_receipt_kind_name(r.kind);
	(void)hl_reason_name(r.reason);
	hl_buf_init(&b, HL_RECEIPT_MAX_BYTES);
	if (hl_receipt_encode(&r, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0 || r.signed_len + HL_ED25519_SIG != size)
		abort();
	hl_buf_free(&b);
	return 0;
}
