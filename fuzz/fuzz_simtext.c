/* fuzz_simtext.c: narrative signatures over any bytes. Signing is
 * deterministic; a text is wholly similar to itself (or, without words, to
 * nothing); similarity is symmetric and in [0, 1]; the index finds an
 * added signature again at similarity 1 and never reports one below the
 * threshold; the input as a STIX report's description signs as its text. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "simtext.h"
#include "utf8.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

struct seen {
	int self;
	double threshold;
};

static int
found(void *arg, uint64_t item, double s)
{
	struct seen *sn = arg;

	if (s < sn->threshold || s > 1.0)
		abort();
	if (item == 0 && s == 1.0)
		sn->self = 1;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static struct hl_simtext_sig a, b, c, s;
	struct hl_simtext_index *idx = NULL;
	struct seen sn = { 0, 0.5 };
	const char *t = (const char *)data;
	size_t half = size / 2;
	double x, y;
	json_t *o;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	if (hl_simtext_sign(t, size, &a) != HL_OK) {
		if (size <= HL_SIMTEXT_MAX_BYTES)
			abort();
		return 0;
	}
	if (hl_simtext_sign(t, size, &s) != HL_OK || memcmp(&a, &s, sizeof(a)) != 0)
		abort();
	if (hl_simtext_similarity(&a, &a) != (a.shingles > 0 ? 1.0 : 0.0))
		abort();
	if (hl_simtext_sign(t, half, &b) != HL_OK || hl_simtext_sign(t + half, size - half, &c) !=
	    HL_OK)
		abort();
	x = hl_simtext_similarity(&b, &c);
	y = hl_simtext_similarity(&c, &b);
	if (x != y || x < 0.0 || x > 1.0)
		abort();
	if (hl_simtext_index_new(4, &idx) != HL_OK || hl_simtext_index_add(idx, 0, &a) != HL_OK ||
	    hl_simtext_index_add(idx, 1, &b) != HL_OK || hl_simtext_index_add(idx, 2, &c) != HL_OK ||
	    hl_simtext_index_query(idx, &a, sn.threshold, found, &sn) != HL_OK)
		abort();
	if (sn.self != (a.shingles > 0))
		abort();
	hl_simtext_index_free(idx);
	/* as a report's description (jansson takes UTF-8 only) */
	if (hl_utf8_valid(data, size, NULL) && memchr(data, '\0', size) == NULL) {
		o = json_pack("{s:s,s:s#}", "type", "report", "description", t, (int)size);
		if (o == NULL)
			abort();
		if (hl_simtext_sign_stix(o, &b) != HL_OK)
			abort();
		/* no name: a line break, then the same words, the same signature */
		if (memcmp(&a, &b, sizeof(a)) != 0)
			abort();
		json_decref(o);
	}
	return 0;
}
