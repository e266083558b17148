/* fuzz_sealfile.c: opening a sealed key file. With a fixed seal key, any
 * input either opens (and then seals and opens back to the same bytes) or
 * is refused; nothing that was not sealed under the key opens. */
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alloc.h"
#include "sealfile.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const uint8_t material[32] = "fuzz seal key material, 32 byte";
	uint8_t *pt = NULL, *s = NULL, *back = NULL;
	size_t ptlen = 0, sl = 0, bl = 0;

	if (!hl_seal_have_kek() && hl_seal_kek_set(material, sizeof(material)) != HL_OK)
		abort();
	if (hl_seal_open("node.key", data, size, &pt, &ptlen) != HL_OK) {
		if (pt != NULL || ptlen != 0)
			abort();
		return 0;
	}
	/* only a sealed input can open: the tag is 128 bits, so a fuzzer
	 * that finds one has found a forgery */
	if (!hl_seal_is_sealed(data, size) || ptlen + HL_SEAL_OVERHEAD != size)
		abort();
	if (hl_seal_seal("node.key", pt, ptlen, &s, &sl) != HL_OK ||
	    hl_seal_open("node.key", s, sl, &back, &bl) != HL_OK || bl != ptlen ||
	    (ptlen > 0 && memcmp(back, pt, ptlen) != 0))
		abort();
	/* bound to its role */
	hl_free_secret(back, bl);
	back = NULL;
	if (hl_seal_open("tls.key", s, sl, &back, &bl) == HL_OK)
		abort();
	hl_free_secret(pt, ptlen);
	hl_free(s);
	return 0;
}
