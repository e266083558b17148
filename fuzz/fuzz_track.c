/* fuzz_track.c: the track record parser. Whatever it accepts must encode
 * canonically, parse back to the same record, and encode to the same bytes
 * again; the canonical form of an accepted record must itself be accepted. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "apijson.h"
#include "track.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int init;
	static struct hl_track t, u;
	uint8_t *e1 = NULL, *e2 = NULL;
	size_t l1 = 0, l2 = 0;
	char err[256], tm[HL_TRACK_TIME_LEN];
	int64_t s;
	uint32_t ns;

	if (!init) {
		hl_apijson_init();
		init = 1;
	}
	/* the time parser on its own, over the raw bytes */
	if (hl_track_parse_time((const char *)data, size, &s, &ns) == HL_OK) {
		hl_track_format_time(s, ns, tm);
		if (tm[0] == '\0' || hl_track_parse_time(tm, strlen(tm), &s, &ns) != HL_OK)
			abort();
	}
	if (hl_track_parse(data, size, &t, err, sizeof(err)) != HL_OK) {
		if (memchr(err, '\n', strnlen(err, sizeof(err))) != NULL)
			abort();
		return 0;
	}
	if (hl_track_encode(&t, &e1, &l1) != HL_OK)
		abort();
	if (hl_track_parse(e1, l1, &u, err, sizeof(err)) != HL_OK)
		abort();
	if (hl_track_encode(&u, &e2, &l2) != HL_OK || l1 != l2 || memcmp(e1, e2, l1) != 0)
		abort();
	hl_free(e1);
	hl_free(e2);
	return 0;
}
