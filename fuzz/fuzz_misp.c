/* fuzz_misp.c: the MISP event converter. Whatever it accepts must give a
 * bundle that serialises, parses back equal, holds as many objects as the
 * summary says, and converts the same way twice (deterministic ids); every
 * object passes the STIX validator the TAXII server applies and every STIX
 * pattern lexes; a refusal is one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "misp.h"
#include "stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static struct hl_misp_summary s1, s2;
	static struct hl_stix_obs obs[HL_STIX_OBS_MAX];
	json_t *b1 = NULL, *b2 = NULL, *back = NULL, *sj, *o;
	char err[256], verr[HL_STIX_ERR_MAX], *d = NULL;
	const char *pat;
	size_t i, n;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	if (hl_misp_convert(data, size, &b1, &s1, err, sizeof(err)) != HL_OK) {
		if (b1 != NULL || memchr(err, '\n', strnlen(err, sizeof(err))) != NULL)
			abort();
		return 0;
	}
	if (s1.converted + s1.skipped != s1.attributes)
		abort();
	if (json_array_size(json_object_get(b1, "objects")) != s1.objects)
		abort();
	json_array_foreach(json_object_get(b1, "objects"), i, o) {
		if (hl_stix_validate(o, verr, sizeof(verr)) != HL_OK)
			abort();
		pat = json_string_value(json_object_get(o, "pattern"));
		if (pat != NULL && strcmp(json_string_value(json_object_get(o, "pattern_type")),
		    "stix") == 0 && hl_stix_pattern_extract(pat, strlen(pat), obs, HL_STIX_OBS_MAX,
		    &n) != HL_OK)
			abort();
	}
	if ((d = json_dumps(b1, JSON_COMPACT)) == NULL)
		abort();
	if ((back = json_loads(d, JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_equal(back, b1))
		abort();
	if (hl_misp_convert(data, size, &b2, &s2, err, sizeof(err)) != HL_OK ||
	    !json_equal(b1, b2) || memcmp(&s1, &s2, sizeof(s1)) != 0)
		abort();
	if ((sj = hl_misp_summary_json(&s1)) == NULL)
		abort();
	json_decref(sj);
	hl_free(d);
	json_decref(back);
	json_decref(b1);
	json_decref(b2);
	return 0;
}
