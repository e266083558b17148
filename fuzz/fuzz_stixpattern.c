/* fuzz_stixpattern.c: the STIX pattern parser (check and extraction) and
 * the observable parser on arbitrary bytes. The two entry points of the
 * parser must agree (accepted by one, accepted by the other); a refusal
 * names an offset inside the input; every value extracted must be a
 * normalised observable that parses again to itself. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static struct hl_stix_obs out[32], again;
	char err[HL_STIX_ERR_MAX], *s, *end;
	unsigned long off;
	size_t n = 0, i;
	int r, c;

	c = hl_stix_pattern_check((const char *)data, size, err, sizeof(err));
	r = hl_stix_pattern_extract((const char *)data, size, out, 32, &n);
	if (r == HL_ERR_NOMEM || c == HL_ERR_NOMEM)
		return 0;
	if (r != c)
		abort();
	if (c == HL_OK && err[0] != '\0')
		abort();
	if (c != HL_OK) {
		/* "at offset N: ..." with N within the input */
		if (strncmp(err, "at offset ", 10) != 0)
			abort();
		off = strtoul(err + 10, &end, 10);
		if (end == err + 10 || *end != ':' || off > size)
			abort();
		n = 0;
	}
	if (n > 32)
		abort();
	for (i = 0; i < n; i++) {
		if (hl_stix_obs_make(out[i].kind, out[i].value, strlen(out[i].value), &again) !=
		    HL_OK || strcmp(again.value, out[i].value) != 0)
			abort();
	}
	/* the search-term parser over the same bytes as a string */
	if (size <= 2 * HL_STIX_OBS_VALUE_MAX && (s = hl_malloc(size + 1)) != NULL) {
		memcpy(s, data, size);
		s[size] = '\0';
		if (hl_stix_obs_parse(s, &again) == HL_OK &&
		    (again.kind < HL_OBS_IPV4 || again.kind > HL_OBS_EMAIL))
			abort();
		hl_free(s);
	}
	return 0;
}
