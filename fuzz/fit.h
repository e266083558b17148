/* fit.h: for the fuzz targets of fixed-size inputs (fuzz_mlkem.c,
 * fuzz_mldsa.c), which try the input as is and also at the exact size. */
#ifndef HL_FUZZ_FIT_H
#define HL_FUZZ_FIT_H

#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* data cut or zero-padded to exactly n bytes in buf */
static void
fit(uint8_t *buf, size_t n, const uint8_t *data, size_t size)
{
	memset(buf, 0, n);
	memcpy(buf, data, size < n ? size : n);
}

#endif
