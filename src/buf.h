/* buf.h: a bounded growable byte buffer (writer) and a cursor reader.
 * Every read checks the remaining length first; every write checks the
 * buffer's maximum. Buffers wipe their memory when freed. */
#ifndef HL_BUF_H
#define HL_BUF_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"

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

/* Hex, the one encoder and decoder. Both run in time that depends on the
 * length only, not on the bytes or digits (session ids, tokens and keys
 * pass through them); the encoder writes lowercase. */
#define HL_HEX_LOWER 1u                   /* hl_hex_decode: only a-f, not A-F */
#define HL_HEX_ID_LEN (2 * HL_ID_BYTES)   /* an envelope id in hex, no NUL */
#define HL_HEX_UUID_LEN 36                /* 8-4-4-4-12 */

/* p[0..n) as 2n hex digits into out[2n + 1], NUL-terminated. */
void hl_hex_encode(const uint8_t *p, size_t n, char *out);
/* Exactly 2n hex digits s[0..slen) into out[0..n); either case unless flags
 * holds HL_HEX_LOWER. HL_ERR_MALFORMED (out zeroed) for another length or a
 * byte that is not a digit. */
HL_WUR int hl_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n, unsigned flags);
/* 1 when s[0..n) are n hex digits (either case) and s[n] ends the string. */
int hl_hex_valid(const char *s, size_t n);
/* An envelope id: 32 lowercase digits into out. */
void hl_hex_id(const uint8_t id[static HL_ID_BYTES], char out[static HL_HEX_ID_LEN + 1]);
/* Exactly 32 hex digits (either case), then the end of the string. OUT: id
 * (zeroed on HL_ERR_MALFORMED). */
HL_WUR int hl_hex_parse_id(const char *s, uint8_t id[static HL_ID_BYTES]);
/* 16 bytes as a lowercase UUID, 8-4-4-4-12. */
void hl_hex_uuid(const uint8_t u[static 16], char out[static HL_HEX_UUID_LEN + 1]);

#endif
