/* fuzz_stix.c: STIX object validation and observable extraction on
 * arbitrary JSON (a bundle's objects, or one object). Whatever validates
 * must extract without error, and its canonical JSON must parse back to
 * the same canonical JSON; every message is one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void
one(const json_t *o)
{
	char err[HL_STIX_ERR_MAX], *c1, *c2;
	struct hl_stix_obs *obs = NULL;
	json_error_t je;
	json_t *back;
	size_t n = 0;
	uint8_t tlp;
	int found, r;

	r = hl_stix_validate(o, err, sizeof(err));
	if (r != HL_OK) {
		if (err[0] == '\0' || memchr(err, '\n', strnlen(err, sizeof(err))) != NULL)
			abort();
		return;
	}
	hl_stix_object_tlp(o, &tlp, &found);
	if (tlp > 4)
		abort();
	r = hl_stix_extract(o, &obs, &n);
	if (r != HL_OK && r != HL_ERR_NOMEM)
		abort();
	if (n > HL_STIX_OBS_MAX)
		abort();
	hl_free(obs);
	if ((c1 = hl_stix_canonical(o)) == NULL)
		return;
	if ((back = json_loads(c1, 0, &je)) == NULL)
		abort();
	c2 = hl_stix_canonical(back);
	if (c2 == NULL || strcmp(c1, c2) != 0)
		abort();
	json_decref(back);
	hl_free(c1);
	hl_free(c2);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	json_error_t je;
	json_t *j, *objs, *o;
	size_t i;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	if (size > 4 * HL_STIX_OBJECT_MAX_BYTES || !hl_apijson_depth_ok(data, size))
		return 0;
	if ((j = json_loadb((const char *)data, size, JSON_REJECT_DUPLICATES, &je)) == NULL)
		return 0;
	objs = json_object_get(j, "objects");
	if (json_is_array(objs)) {
		json_array_foreach(objs, i, o)
			one(o);
	} else {
		one(j);
	}
	json_decref(j);
	return 0;
}
