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
