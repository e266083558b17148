/* fuzz_httpc.c: the HTTPS client's response parser (httpc.c), as complete
 * and as partial input, with a small and a large body limit; a chunked
 * body it accepts is decoded (in a copy) and must fit the limit; the
 * header lookup over the head it found. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "httpc.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
check(const uint8_t *data, size_t size, int complete, size_t body_max)
{
	struct hl_http_resp r;
	volatile uint8_t sink = 0;
	uint8_t *copy;
	char v[64];
	size_t n;

	if (hl_httpc_parse_response(data, size, complete, body_max, &r) != HL_OK)
		return;
	if (r.head != data || r.head_len > size || r.body < data || r.body_len > size ||
	    (size_t)(r.body - data) + r.body_len > size)
		abort();   /* the body must lie inside the input */
	if (r.body_len > 0)
		sink ^= r.body[r.body_len - 1];
	(void)hl_httpc_header(r.head, r.head_len, "X-TAXII-Date-Added-Last", v, sizeof(v));
	if (!r.chunked) {
		if (r.body_len > body_max)
			abort();
		return;
	}
	if ((copy = hl_malloc(r.body_len + 1)) == NULL)
		return;
	memcpy(copy, r.body, r.body_len);
	if (hl_httpc_dechunk(copy, r.body_len, &n) != HL_OK || n > body_max || n > r.body_len)
		abort();   /* what the parser accepted decodes, within the limit */
	hl_free(copy);
	(void)sink;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	check(data, size, 1, 1024);
	check(data, size, 0, 1u << 20);
	return 0;
}
