/* fuzz_chunk.c: the CHUNK frame payload decoder. An accepted chunk must lie
 * inside its input and inside its claimed total, and re-encode to the same
 * bytes. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "buf.h"
#include "envelope.h"
#include "hl_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_chunk c;
	struct hl_buf b;

	if (hl_chunk_decode(data, size, &c) != HL_OK)
		return 0;
	if (c.len == 0 || c.len > HL_CHUNK_BYTES || c.data < data || c.data + c.len != data + size ||
	    c.total <= HL_CHUNK_BYTES || c.offset > c.total || c.len > c.total - c.offset)
		abort();
	hl_buf_init(&b, HL_CHUNK_BYTES + 64);
	if (hl_chunk_encode(c.id, c.total, c.offset, c.data, c.len, &b) != HL_OK ||
	    b.len != size || memcmp(b.data, data, size) != 0)
		abort();
	hl_buf_free(&b);
	return 0;
}
