/* fuzz_receipt.c: the receipt decoder; accepted input must re-encode to the
 * same bytes. */
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
	struct hl_receipt r;
	struct hl_buf b;
	static struct hl_signer sg;
	size_t tail;

	if (hl_receipt_decode(data, size, &r) != HL_OK)
		return 0;
	(void)hl_receipt_kind_name(r.kind);
	(void)hl_reason_name(r.reason);
	hl_buf_init(&b, HL_RECEIPT_MAX_BYTES);
	if (hl_receipt_encode(&r, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	tail = r.version == HL_RECEIPT_VERSION_BATCH ? hl_batch_sig_size(r.bs.npath) :
	    r.version == HL_RECEIPT_VERSION_HYBRID ?
	    hl_batch_sig_size(r.bs.npath) - HL_ED25519_SIG + r.hsig.len : HL_ED25519_SIG;
	if (r.signed_len + tail != size)
		abort();
	fuzz_signer(&sg, r.hsig.suite);
	if (r.version == HL_RECEIPT_VERSION_BATCH &&
	    hl_sigbatch_verify(NULL, HL_SIGBATCH_RECEIPT, data, r.signed_len, &r.bs, r.sig,
	    HL_ED25519_SIG, &sg) == HL_OK)
		abort();
	if (r.version == HL_RECEIPT_VERSION_HYBRID &&
	    hl_sigbatch_verify(NULL, HL_SIGBATCH_RECEIPT_HYBRID, data, r.signed_len, &r.bs,
	    r.hsig.p, r.hsig.len, &sg) == HL_OK)
		abort();
	hl_buf_free(&b);
	return 0;
}
