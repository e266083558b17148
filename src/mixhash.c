/* mixhash.c: the seeded table hash (mixhash.h). */
#include "mixhash.h"

uint64_t
hl_mixhash(uint64_t seed, const uint8_t *p, size_t n)
{
	uint64_t h = hl_mix64(seed ^ HL_MIXHASH_GOLDEN), m;
	size_t i, j, end = n & ~(size_t)7;

	for (i = 0; i < end; i += 8) {
		for (m = 0, j = 0; j < 8; j++)
			m |= (uint64_t)p[i + j] << (8 * j);
		h = hl_mix64(h ^ m) + HL_MIXHASH_GOLDEN;
	}
	for (m = 0, j = 0; j < (n & 7); j++)
		m |= (uint64_t)p[end + j] << (8 * j);
	h = hl_mix64(h ^ m) + HL_MIXHASH_GOLDEN;
	return hl_mix64(h ^ (uint64_t)n);
}
