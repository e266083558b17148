/* jsonscan.h: byte scans of JSON text that run before any parser sees it
 * (how deep it nests, where its strings are). No allocation, no I/O; the
 * API's body checks (apijson) and the track codec (track) both use it, so
 * neither needs the other. */
#ifndef HL_JSONSCAN_H
#define HL_JSONSCAN_H

#include <stddef.h>
#include <stdint.h>

/* One byte of JSON text seen by a scanner that only needs to know where
 * strings are: 1 if the byte is part of a string (its quotes included),
 * with *in_str and *esc (both 0 at the start) updated. */
int hl_jsonscan_str_step(uint8_t c, int *in_str, int *esc);
/* Nesting of [ and { outside strings within max levels: 1 if so. Reads
 * exactly len bytes; text that is not JSON is scanned all the same. */
int hl_jsonscan_depth_within(const uint8_t *p, size_t len, size_t max);

#endif
