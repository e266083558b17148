/* mixhash.h: a fast seeded hash for in-memory tables and sketches (the
 * indicator tables of ioc.c, the MinHash of simtext.c). Not a
 * cryptographic function and never used as one: a random seed per table
 * keeps collisions from being precomputed, nothing more. */
#ifndef HL_MIXHASH_H
#define HL_MIXHASH_H

#include <stddef.h>
#include <stdint.h>

#define HL_MIXHASH_GOLDEN 0x9e3779b97f4a7c15ull   /* 2^64 / phi: splitmix64's step */

/* splitmix64's output function: a bijection that spreads every input bit */
static inline uint64_t
hl_mix64(uint64_t z)
{
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

/* n bytes under seed: each 8-byte word (little-endian) mixed into the
 * state, the length last. */
uint64_t hl_mixhash(uint64_t seed, const uint8_t *p, size_t n);

#endif
