/* fuzz_frame.c: the link frame parser over a stream: parse frames until the
 * buffer is used up or an error, checking the reported sizes. */
#include <stdlib.h>
#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "hl_limits.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const uint8_t *payload;
	uint8_t type;
	size_t plen, used, off = 0;

	while (off < size) {
		if (hl_frame_parse(data + off, size - off, HL_FRAME_PREAUTH_MAX_BYTES, &type,
		    &payload, &plen, &used) != HL_OK)
			break;
		if (used != plen + HL_FRAME_HEADER || used > size - off ||
		    payload != data + off + HL_FRAME_HEADER)
			abort();
		off += used;
	}
	return 0;
}
