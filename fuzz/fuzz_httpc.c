/* fuzz_httpc.c: the CLI's HTTP response parser, as complete and as partial
 * input, with a small and a large body limit. */
#include <stddef.h>
#include <stdint.h>

#include "httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_http_resp r;
	volatile uint8_t sink = 0;

	if (hl_httpc_parse_response(data, size, 1, 1024, &r) == HL_OK && r.body_len > 0)
		sink ^= r.body[r.body_len - 1];   /* the body must lie inside the input */
	if (hl_httpc_parse_response(data, size, 0, 1u << 20, &r) == HL_OK && r.body_len > 0)
		sink ^= r.body[0];
	(void)sink;
	return 0;
}
