/* fuzz_stix.c: STIX object validation, marking analysis and observable
 * extraction on arbitrary JSON (a bundle's objects, or one object).
 * Whatever validates must pass the marking analysis and extract without
 * error, and its canonical JSON must parse back to the same canonical
 * JSON; the marking analysis of anything either refuses it with a message
 * or gives a consistent answer (the strictest TLP of object and granular
 * markings, a granular marking that exists); every message is one line. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int
one_line(const char *s, size_t cap)
{
	return s[0] != '\0' && strnlen(s, cap) < cap && memchr(s, '\n', strnlen(s, cap)) == NULL;
}

/* The marking analysis on anything: refused with one line, or consistent.
 * 1 when it accepted. */
static int
marks(const json_t *o)
{
	char err[HL_STIX_ERR_MAX];
	struct hl_stix_marks m;
	uint8_t want;

	if (hl_stix_markings(o, &m, err, sizeof(err)) != HL_OK) {
		if (!one_line(err, sizeof(err)) || m.found || m.ngranular != 0)
			abort();
		return 0;
	}
	if (m.tlp > HL_TLP_RED || m.object_tlp > HL_TLP_RED || m.granular_tlp > HL_TLP_RED)
		abort();
	want = m.object_tlp;
	if (m.granular_found && m.granular_tlp > want)
		want = m.granular_tlp;
	if (m.tlp != want || m.found != (m.object_found || m.granular_found))
		abort();
	if (m.ngranular > HL_STIX_GRANULAR_MAX || (m.granular_found &&
	    (m.granular_index >= m.ngranular || !one_line(m.selectors, sizeof(m.selectors)))))
		abort();
	return 1;
}

static void
one(const json_t *o)
{
	char err[HL_STIX_ERR_MAX], *c1, *c2;
	struct hl_stix_obs *obs = NULL;
	json_error_t je;
	json_t *back;
	size_t n = 0;
	uint8_t tlp;
	int found, r, marked;

	marked = marks(o);
	r = hl_stix_validate(o, err, sizeof(err));
	if (r != HL_OK) {
		if (err[0] == '\0' || memchr(err, '\n', strnlen(err, sizeof(err))) != NULL)
			abort();
		return;
	}
	/* validation includes the marking analysis */
	if (!marked)
		abort();
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
