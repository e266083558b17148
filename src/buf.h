/* buf.h: a bounded growable byte buffer (writer) and a cursor reader.
 * Every read checks the remaining length first; every write checks the
 * buffer's maximum. Buffers wipe their memory when freed. */
#ifndef HL_BUF_H
#define HL_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

struct hl_buf {
	uint8_t *data;
	size_t len;
	size_t cap;
	size_t max;   /* growing past this is HL_ERR_TOO_BIG */
	int err;      /* first error seen by a writer; sticky */
};

/* Initialise an empty buffer that may grow to max bytes. No allocation. */
void hl_buf_init(struct hl_buf *b, size_t max);
/* Wipe and free the contents; the struct may be reused after hl_buf_init. */
void hl_buf_free(struct hl_buf *b);
/* Hand the bytes to the caller (caller frees with hl_free_secret or hl_free);
 * the buffer is left empty. OUT: *len. */
uint8_t *hl_buf_steal(struct hl_buf *b, size_t *len);
HL_WUR int hl_buf_reserve(struct hl_buf *b, size_t more);

/* Writers: big-endian integers. Errors are sticky in b->err, so a sequence of
 * writes can be checked once with hl_buf_error(). */
void hl_buf_put(struct hl_buf *b, const void *p, size_t n);
void hl_buf_u8(struct hl_buf *b, uint8_t v);
void hl_buf_u16(struct hl_buf *b, uint16_t v);
void hl_buf_u32(struct hl_buf *b, uint32_t v);
void hl_buf_u64(struct hl_buf *b, uint64_t v);
/* u8 length + bytes; len must be <= 255 */
void hl_buf_str8(struct hl_buf *b, const char *s);
/* u16 length + bytes */
void hl_buf_bytes16(struct hl_buf *b, const uint8_t *p, size_t n);
/* u32 length + bytes */
void hl_buf_bytes32(struct hl_buf *b, const uint8_t *p, size_t n);
HL_WUR int hl_buf_error(const struct hl_buf *b);

/* Cursor reader over borrowed memory. */
struct hl_rd {
	const uint8_t *p;
	size_t len;
	size_t off;
};

void hl_rd_init(struct hl_rd *r, const uint8_t *p, size_t len);
size_t hl_rd_left(const struct hl_rd *r);
HL_WUR int hl_rd_u8(struct hl_rd *r, uint8_t *v);
HL_WUR int hl_rd_u16(struct hl_rd *r, uint16_t *v);
HL_WUR int hl_rd_u32(struct hl_rd *r, uint32_t *v);
HL_WUR int hl_rd_u64(struct hl_rd *r, uint64_t *v);
/* Copy exactly n bytes out. */
HL_WUR int hl_rd_copy(struct hl_rd *r, void *out, size_t n);
/* Borrow n bytes (pointer into the input). */
HL_WUR int hl_rd_ptr(struct hl_rd *r, size_t n, const uint8_t **out);
/* u8 length + bytes into a NUL-terminated string of at most max bytes
 * (excluding NUL) in out[max + 1]; rejects embedded NUL and max overflow. */
HL_WUR int hl_rd_str8(struct hl_rd *r, char *out, size_t max);
/* u16 / u32 length + bytes, borrowed; len checked against max first. */
HL_WUR int hl_rd_bytes16(struct hl_rd *r, size_t max, const uint8_t **p, size_t *n);
HL_WUR int hl_rd_bytes32(struct hl_rd *r, size_t max, const uint8_t **p, size_t *n);
/* HL_OK when everything was consumed, HL_ERR_MALFORMED otherwise. */
HL_WUR int hl_rd_end(const struct hl_rd *r);

#endif
