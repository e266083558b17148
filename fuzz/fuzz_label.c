/* fuzz_label.c: the label decoder, the release rules and the formatter over
 * whatever it accepts; accepted input must re-encode to the same bytes. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "label.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_label l;
	struct hl_policy p;
	struct hl_buf b;
	char out[512], why[HL_REASON_MAX + 1];
	int reason;

	if (hl_label_decode(data, size, &l) != HL_OK)
		return 0;
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	if (hl_label_encode(&l, &b) != HL_OK || b.len != size ||
	    memcmp(b.data, data, size) != 0)
		abort();
	hl_buf_free(&b);
	hl_policy_default(&p);
	hl_label_format(&l, &p, out, sizeof(out));
	(void)hl_label_may_send(&l, &p, "USA/n1", "USA", 2, 0, why, sizeof(why));
	if (hl_label_may_receive(&l, &p, l.rel[0], 3, &reason) == HL_OK &&
	    reason != HL_REASON_NONE)
		abort();
	return 0;
}
