/* fuzz_profile.c: the CLI's profile file (profile.c). Whatever the parser
 * accepts must format and parse back to the same profile, and a longer
 * input than the limit is refused. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "profile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct hl_profile p, q;
	char err[256], text[HL_PROFILE_MAX_BYTES];
	size_t len = 0;
	int r;

	r = hl_profile_parse(data, size, &p, err, sizeof(err));
	if (size > HL_PROFILE_MAX_BYTES && r != HL_ERR_TOO_BIG)
		abort();
	if (r != HL_OK)
		return 0;
	if (hl_profile_format(&p, text, sizeof(text), &len) != HL_OK ||
	    hl_profile_parse((const uint8_t *)text, len, &q, err, sizeof(err)) != HL_OK ||
	    memcmp(&p, &q, sizeof(p)) != 0)
		abort();
	return 0;
}
