/* fuzz_disarm.c: the DISARM incident page converter. A page it refuses
 * gets a one-line message and no bundle; a page it parses has every string
 * within its limit and converts to a bundle whose every object passes the
 * STIX validator, that serialises and parses back equal, and that is the
 * same when converted again (deterministic ids). */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "disarm.h"
#include "stix.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const struct hl_disarm_opts opts = {
	"2026-01-02T03:04:05.000Z", "identity--0b6e0e52-8c1f-4a5e-bb0c-6a3f0f4f1a01",
};

static void
check_parsed(const struct hl_disarm_incident *inc)
{
	size_t i;

	if (inc->name[0] == '\0' || strlen(inc->name) > HL_DISARM_NAME_MAX ||
	    strlen(inc->summary) > HL_DISARM_SUMMARY_MAX || inc->ntech > HL_DISARM_TECHNIQUES_MAX ||
	    inc->nrefs > HL_DISARM_REFS_MAX || inc->ncountries > HL_DISARM_COUNTRIES_MAX)
		abort();
	for (i = 0; i < inc->ntech; i++)
		if (strlen(inc->tech[i].desc) > HL_DISARM_TECH_DESC_MAX ||
		    strlen(inc->tech[i].name) > HL_DISARM_TECH_NAME_MAX ||
		    inc->tech[i].id[0] != 'T')
			abort();
	for (i = 0; i < inc->ncountries; i++)
		if (inc->countries[i][0] == '\0' || strlen(inc->countries[i]) > HL_DISARM_COUNTRY_MAX)
			abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	struct hl_disarm_incident *inc = NULL;
	json_t *b1 = NULL, *b2 = NULL, *back = NULL, *o;
	char err[256], verr[HL_STIX_ERR_MAX], *d = NULL;
	size_t i;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	if (hl_disarm_parse(data, size, &inc, err, sizeof(err)) != HL_OK) {
		if (inc != NULL || err[0] == '\0' || memchr(err, '\n', strnlen(err, sizeof(err))) != NULL)
			abort();
		return 0;
	}
	check_parsed(inc);
	if (hl_disarm_bundle(inc, &opts, &b1, err, sizeof(err)) != HL_OK) {
		/* only an object past the STIX size limit may be refused */
		if (b1 != NULL || strstr(err, "larger than") == NULL)
			abort();
		hl_disarm_free(inc);
		return 0;
	}
	hl_disarm_free(inc);
	if (json_array_size(json_object_get(b1, "objects")) < 2)
		abort();
	json_array_foreach(json_object_get(b1, "objects"), i, o)
		if (hl_stix_validate(o, verr, sizeof(verr)) != HL_OK)
			abort();
	if ((d = json_dumps(b1, JSON_COMPACT)) == NULL)
		abort();
	if ((back = json_loads(d, JSON_REJECT_DUPLICATES, NULL)) == NULL || !json_equal(back, b1))
		abort();
	if (hl_disarm_convert(data, size, &opts, &b2, err, sizeof(err)) != HL_OK ||
	    !json_equal(b1, b2))
		abort();
	hl_free(d);
	json_decref(back);
	json_decref(b1);
	json_decref(b2);
	return 0;
}
