/* utf8.h: decoding UTF-8 one character at a time (no I/O, no allocation).
 * Well-formed means RFC 3629: no overlong forms, no surrogates, nothing
 * past U+10FFFF. */
#ifndef HL_UTF8_H
#define HL_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* The character at p[0..n): its length in bytes (1..4), and its code point
 * in *cp (may be NULL). 0 when n is 0 or the bytes there are not a
 * well-formed character (then *cp is untouched). */
size_t hl_utf8_next(const uint8_t *p, size_t n, uint32_t *cp);
/* 1 when all of p[0..n) is well-formed UTF-8; else 0 and *bad (may be NULL)
 * is the offset of the first byte that is not. */
int hl_utf8_valid(const uint8_t *p, size_t n, size_t *bad);

#endif
