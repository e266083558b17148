/* buf.c: bounded writer and cursor reader. */
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "buf.h"

void
hl_buf_init(struct hl_buf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void
hl_buf_free(struct hl_buf *b)
{
	if (b->data != NULL)
		hl_free_secret(b->data, b->cap);
	b->data = NULL;
	b->len = b->cap = 0;
	b->err = 0;
}

uint8_t *
hl_buf_steal(struct hl_buf *b, size_t *len)
{
	uint8_t *p = b->data;

	*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

int
hl_buf_reserve(struct hl_buf *b, size_t more)
{
	size_t want, ncap;
	uint8_t *n;

	if (b->err != 0)
		return b->err;
	if (more > b->max || b->len > b->max - more)
		return b->err = HL_ERR_TOO_BIG;
	want = b->len + more;
	if (want <= b->cap)
		return HL_OK;
	ncap = b->cap < 64 ? 64 : b->cap;
	while (ncap < want)
		ncap = ncap > b->max / 2 ? b->max : ncap * 2;
	/* grow by copy so that old memory can be wiped */
	if ((n = hl_malloc(ncap)) == NULL)
		return b->err = HL_ERR_NOMEM;
	if (b->data != NULL) {
		memcpy(n, b->data, b->len);
		hl_free_secret(b->data, b->cap);
	}
	b->data = n;
	b->cap = ncap;
	return HL_OK;
}

void
hl_buf_put(struct hl_buf *b, const void *p, size_t n)
{
	if (hl_buf_reserve(b, n) != HL_OK)
		return;
	if (n > 0)
		memcpy(b->data + b->len, p, n);
	b->len += n;
}

void
hl_buf_u8(struct hl_buf *b, uint8_t v)
{
	hl_buf_put(b, &v, 1);
}

void
hl_buf_u16(struct hl_buf *b, uint16_t v)
{
	uint8_t t[2] = { (uint8_t)(v >> 8), (uint8_t)v };

	hl_buf_put(b, t, sizeof(t));
}

void
hl_buf_u32(struct hl_buf *b, uint32_t v)
{
	uint8_t t[4] = { (uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v };

	hl_buf_put(b, t, sizeof(t));
}

void
hl_buf_u64(struct hl_buf *b, uint64_t v)
{
	hl_buf_u32(b, (uint32_t)(v >> 32));
	hl_buf_u32(b, (uint32_t)v);
}

void
hl_buf_str8(struct hl_buf *b, const char *s)
{
	size_t n = strlen(s);

	if (n > 255) {
		if (b->err == 0)
			b->err = HL_ERR_TOO_BIG;
		return;
	}
	hl_buf_u8(b, (uint8_t)n);
	hl_buf_put(b, s, n);
}

void
hl_buf_bytes16(struct hl_buf *b, const uint8_t *p, size_t n)
{
	if (n > UINT16_MAX) {
		if (b->err == 0)
			b->err = HL_ERR_TOO_BIG;
		return;
	}
	hl_buf_u16(b, (uint16_t)n);
	hl_buf_put(b, p, n);
}

void
hl_buf_bytes32(struct hl_buf *b, const uint8_t *p, size_t n)
{
	if (n > UINT32_MAX) {
		if (b->err == 0)
			b->err = HL_ERR_TOO_BIG;
		return;
	}
	hl_buf_u32(b, (uint32_t)n);
	hl_buf_put(b, p, n);
}

int
hl_buf_error(const struct hl_buf *b)
{
	return b->err;
}

void
hl_rd_init(struct hl_rd *r, const uint8_t *p, size_t len)
{
	r->p = p;
	r->len = len;
	r->off = 0;
}

size_t
hl_rd_left(const struct hl_rd *r)
{
	return r->len - r->off;
}

int
hl_rd_ptr(struct hl_rd *r, size_t n, const uint8_t **out)
{
	if (n > hl_rd_left(r))
		return HL_ERR_MALFORMED;
	*out = r->p + r->off;
	r->off += n;
	return HL_OK;
}

int
hl_rd_copy(struct hl_rd *r, void *out, size_t n)
{
	const uint8_t *p;
	int rc;

	if ((rc = hl_rd_ptr(r, n, &p)) != HL_OK)
		return rc;
	if (n > 0)
		memcpy(out, p, n);
	return HL_OK;
}

int
hl_rd_u8(struct hl_rd *r, uint8_t *v)
{
	return hl_rd_copy(r, v, 1);
}

int
hl_rd_u16(struct hl_rd *r, uint16_t *v)
{
	const uint8_t *p;

	if (hl_rd_ptr(r, 2, &p) != HL_OK)
		return HL_ERR_MALFORMED;
	*v = (uint16_t)((p[0] << 8) | p[1]);
	return HL_OK;
}

int
hl_rd_u32(struct hl_rd *r, uint32_t *v)
{
	const uint8_t *p;

	if (hl_rd_ptr(r, 4, &p) != HL_OK)
		return HL_ERR_MALFORMED;
	*v = ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
	return HL_OK;
}

int
hl_rd_u64(struct hl_rd *r, uint64_t *v)
{
	uint32_t hi, lo;

	if (hl_rd_u32(r, &hi) != HL_OK || hl_rd_u32(r, &lo) != HL_OK)
		return HL_ERR_MALFORMED;
	*v = ((uint64_t)hi << 32) | lo;
	return HL_OK;
}

int
hl_rd_str8(struct hl_rd *r, char *out, size_t max)
{
	uint8_t n;
	const uint8_t *p;

	if (hl_rd_u8(r, &n) != HL_OK)
		return HL_ERR_MALFORMED;
	if (n > max)
		return HL_ERR_TOO_BIG;
	if (hl_rd_ptr(r, n, &p) != HL_OK)
		return HL_ERR_MALFORMED;
	if (memchr(p, '\0', n) != NULL)
		return HL_ERR_MALFORMED;
	memcpy(out, p, n);
	out[n] = '\0';
	return HL_OK;
}

int
hl_rd_bytes16(struct hl_rd *r, size_t max, const uint8_t **p, size_t *n)
{
	uint16_t v;

	if (hl_rd_u16(r, &v) != HL_OK)
		return HL_ERR_MALFORMED;
	if (v > max)
		return HL_ERR_TOO_BIG;
	*n = v;
	return hl_rd_ptr(r, v, p);
}

int
hl_rd_bytes32(struct hl_rd *r, size_t max, const uint8_t **p, size_t *n)
{
	uint32_t v;

	if (hl_rd_u32(r, &v) != HL_OK)
		return HL_ERR_MALFORMED;
	if (v > max)
		return HL_ERR_TOO_BIG;
	*n = v;
	return hl_rd_ptr(r, v, p);
}

int
hl_rd_end(const struct hl_rd *r)
{
	return r->off == r->len ? HL_OK : HL_ERR_MALFORMED;
}

/* ---- hex ---- */

/* all ones when lo <= c <= hi, else 0, without a branch on c (c, lo, hi
 * are 0..255, so each difference fits an int and its sign bit tells) */
static unsigned
in_range(unsigned c, unsigned lo, unsigned hi)
{
	unsigned below = (c - lo) >> 31, above = (hi - c) >> 31;

	return (below | above) - 1u;
}

/* one digit for v = 0..15: '0' + v, or 'a' + v - 10 from 10 on */
static char
hex_digit(unsigned v)
{
	return (char)('0' + v + (in_range(v, 10, 15) & ('a' - '0' - 10)));
}

void
hl_hex_encode(const uint8_t *p, size_t n, char *out)
{
	size_t i;

	for (i = 0; i < n; i++) {
		out[2 * i] = hex_digit(p[i] >> 4);
		out[2 * i + 1] = hex_digit(p[i] & 15u);
	}
	out[2 * n] = '\0';
}

/* The value of digit c; *bad gets all ones when c is not one. */
static unsigned
hex_value(unsigned char c, unsigned flags, unsigned *bad)
{
	unsigned dig = in_range(c, '0', '9'), low = in_range(c, 'a', 'f');
	unsigned up = (flags & HL_HEX_LOWER) ? 0 : in_range(c, 'A', 'F');

	*bad |= ~(dig | low | up);
	return ((c - '0') & dig) | ((c - 'a' + 10u) & low) | ((c - 'A' + 10u) & up);
}

int
hl_hex_decode(const char *s, size_t slen, uint8_t *out, size_t n, unsigned flags)
{
	unsigned bad = 0, hi, lo;
	size_t i;

	if (s == NULL || n > SIZE_MAX / 2 || slen != 2 * n) {
		memset(out, 0, n);
		return HL_ERR_MALFORMED;
	}
	for (i = 0; i < n; i++) {
		hi = hex_value((unsigned char)s[2 * i], flags, &bad);
		lo = hex_value((unsigned char)s[2 * i + 1], flags, &bad);
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	if (bad != 0) {
		memset(out, 0, n);
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_hex_valid(const char *s, size_t n)
{
	unsigned bad = 0;
	size_t i;

	if (s == NULL)
		return 0;
	for (i = 0; i < n; i++) {
		if (s[i] == '\0')
			return 0;
		(void)hex_value((unsigned char)s[i], 0, &bad);
	}
	return bad == 0 && s[n] == '\0';
}

void
hl_hex_id(const uint8_t id[static HL_ID_BYTES], char out[static HL_HEX_ID_LEN + 1])
{
	hl_hex_encode(id, HL_ID_BYTES, out);
}

int
hl_hex_parse_id(const char *s, uint8_t id[static HL_ID_BYTES])
{
	return hl_hex_decode(s, s != NULL ? strnlen(s, HL_HEX_ID_LEN + 1) : 0, id, HL_ID_BYTES, 0);
}

void
hl_hex_uuid(const uint8_t u[static 16], char out[static HL_HEX_UUID_LEN + 1])
{
	/* groups of 4, 2, 2, 2 and 6 bytes */
	hl_hex_encode(u, 4, out);
	out[8] = '-';
	hl_hex_encode(u + 4, 2, out + 9);
	out[13] = '-';
	hl_hex_encode(u + 6, 2, out + 14);
	out[18] = '-';
	hl_hex_encode(u + 8, 2, out + 19);
	out[23] = '-';
	hl_hex_encode(u + 10, 6, out + 24);
}
