/* backup.c: the sealed backup stream (backup.h): chunks of AES-256-GCM
 * under a key derived from the seal key, carrying named entries with their
 * SHA-256. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "backup.h"
#include "gcm.h"
#include "label.h"

#define BACKUP_VERSION 1
#define BACKUP_INFO "hotline backup v1"
#define BACKUP_TAG 16

struct hl_backup_w {
	FILE *f;
	uint8_t key[HL_SEAL_KEK];
	uint8_t header[HL_BACKUP_HEADER];
	uint64_t index;                /* next chunk */
	uint8_t *buf;                  /* HL_BACKUP_CHUNK plaintext */
	size_t len;
	uint8_t *out;                  /* HL_BACKUP_CHUNK + tag */
	uint32_t entries;
	int failed;
};

struct hl_backup_r {
	FILE *f;
	uint8_t key[HL_SEAL_KEK];
	uint8_t header[HL_BACKUP_HEADER];
	uint64_t index;
	uint8_t *buf;                  /* the current chunk's plaintext */
	size_t len, pos;
	uint8_t *in;
	int last;                      /* the last chunk was read */
	uint32_t entries;
	uint64_t remain;               /* of the current entry's data */
	int in_entry;
	char err[192];
};

/* nonce = 4 zero bytes | u64 index; aad = header | u64 index | u8 last */
static int
chunk_crypt(int enc, const uint8_t key[static HL_SEAL_KEK], const uint8_t *header,
    uint64_t index, int last, const uint8_t *in, size_t n, uint8_t *out, uint8_t tag[16])
{
	uint8_t nonce[HL_GCM_NONCE] = { 0 }, aad[HL_BACKUP_HEADER + 9];
	int i;

	memcpy(aad, header, HL_BACKUP_HEADER);
	for (i = 0; i < 8; i++) {
		nonce[4 + i] = (uint8_t)(index >> (56 - 8 * i));
		aad[HL_BACKUP_HEADER + i] = nonce[4 + i];
	}
	aad[HL_BACKUP_HEADER + 8] = (uint8_t)(last ? 1 : 0);
	return hl_gcm(enc, key, nonce, aad, sizeof(aad), in, n, out, tag);
}

/* ---- writing ---- */

static int
w_flush(struct hl_backup_w *w, int last)
{
	uint8_t hd[5];

	if (w->failed)
		return HL_ERR_IO;
	if (chunk_crypt(1, w->key, w->header, w->index, last, w->buf, w->len, w->out,
	    w->out + w->len) != HL_OK) {
		w->failed = 1;
		return HL_ERR_CRYPTO;
	}
	hd[0] = (uint8_t)((w->len + BACKUP_TAG) >> 24);
	hd[1] = (uint8_t)((w->len + BACKUP_TAG) >> 16);
	hd[2] = (uint8_t)((w->len + BACKUP_TAG) >> 8);
	hd[3] = (uint8_t)(w->len + BACKUP_TAG);
	hd[4] = (uint8_t)(last ? 1 : 0);
	if (fwrite(hd, 1, sizeof(hd), w->f) != sizeof(hd) ||
	    fwrite(w->out, 1, w->len + BACKUP_TAG, w->f) != w->len + BACKUP_TAG) {
		w->failed = 1;
		return HL_ERR_IO;
	}
	OPENSSL_cleanse(w->buf, w->len);
	w->len = 0;
	w->index++;
	return HL_OK;
}

static int
w_put(struct hl_backup_w *w, const uint8_t *p, size_t n)
{
	size_t k;
	int r;

	while (n > 0) {
		if (w->len == HL_BACKUP_CHUNK && (r = w_flush(w, 0)) != HL_OK)
			return r;
		k = HL_BACKUP_CHUNK - w->len;
		if (k > n)
			k = n;
		memcpy(w->buf + w->len, p, k);
		w->len += k;
		p += k;
		n -= k;
	}
	return w->failed ? HL_ERR_IO : HL_OK;
}

int
hl_backup_w_open(FILE *f, const uint8_t kek[static HL_SEAL_KEK], struct hl_backup_w **out)
{
	struct hl_backup_w *w = NULL;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if ((w = hl_calloc(1, sizeof(*w))) == NULL ||
	    (w->buf = hl_malloc(HL_BACKUP_CHUNK)) == NULL ||
	    (w->out = hl_malloc(HL_BACKUP_CHUNK + BACKUP_TAG)) == NULL)
		goto out;
	w->f = f;
	memcpy(w->header, HL_BACKUP_MAGIC, 8);
	w->header[8] = BACKUP_VERSION;
	r = HL_ERR_CRYPTO;
	if (RAND_bytes(w->header + 9, HL_BACKUP_SALT) != 1 ||
	    hl_seal_subkey(kek, w->header + 9, HL_BACKUP_SALT, BACKUP_INFO, w->key) != HL_OK)
		goto out;
	r = HL_ERR_IO;
	if (fwrite(w->header, 1, HL_BACKUP_HEADER, f) != HL_BACKUP_HEADER)
		goto out;
	*out = w;
	w = NULL;
	r = HL_OK;
out:
	hl_backup_w_abort(w);
	return r;
}

int
hl_backup_name_ok(const char *name, size_t len)
{
	size_t i, start = 0;

	if (len == 0 || len > HL_BACKUP_NAME_MAX || name[0] == '/' || name[len - 1] == '/')
		return 0;
	for (i = 0; i <= len; i++) {
		if (i == len || name[i] == '/') {
			if (i == start || (i - start == 1 && name[start] == '.') ||
			    (i - start == 2 && name[start] == '.' && name[start + 1] == '.'))
				return 0;
			start = i + 1;
			continue;
		}
		if (!hl_name_char((unsigned char)name[i]))
			return 0;
	}
	return 1;
}

int
hl_backup_w_entry(struct hl_backup_w *w, const char *name, uint64_t n,
    long (*read_fn)(void *arg, uint8_t *buf, size_t cap), void *arg)
{
	uint8_t hd[1 + 2 + HL_BACKUP_NAME_MAX + 8], md[32], piece[65536];
	size_t nl = strlen(name), o = 0;
	uint64_t done = 0;
	EVP_MD_CTX *h = NULL;
	unsigned int mdl = 0;
	long got;
	int i, r = HL_ERR_INVALID;

	if (w == NULL || w->failed || !hl_backup_name_ok(name, nl) || n > HL_BACKUP_FILE_MAX ||
	    w->entries >= HL_BACKUP_ENTRIES_MAX)
		return HL_ERR_INVALID;
	hd[o++] = 'F';
	hd[o++] = (uint8_t)(nl >> 8);
	hd[o++] = (uint8_t)nl;
	memcpy(hd + o, name, nl);
	o += nl;
	for (i = 0; i < 8; i++)
		hd[o++] = (uint8_t)(n >> (56 - 8 * i));
	r = HL_ERR_CRYPTO;
	if ((h = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		goto out;
	if ((r = w_put(w, hd, o)) != HL_OK)
		goto out;
	while (done < n) {
		got = read_fn(arg, piece, n - done < sizeof(piece) ? (size_t)(n - done) :
		    sizeof(piece));
		if (got <= 0) {
			r = HL_ERR_IO;   /* shorter than said, or unreadable */
			goto out;
		}
		if (EVP_DigestUpdate(h, piece, (size_t)got) != 1) {
			r = HL_ERR_CRYPTO;
			goto out;
		}
		if ((r = w_put(w, piece, (size_t)got)) != HL_OK)
			goto out;
		done += (uint64_t)got;
	}
	if (read_fn(arg, piece, 1) != 0) {
		r = HL_ERR_IO;   /* longer than said: it changed while read */
		goto out;
	}
	if (EVP_DigestFinal_ex(h, md, &mdl) != 1 || mdl != sizeof(md)) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if ((r = w_put(w, md, sizeof(md))) != HL_OK)
		goto out;
	w->entries++;
	r = HL_OK;
out:
	if (r != HL_OK)
		w->failed = 1;
	OPENSSL_cleanse(piece, sizeof(piece));
	EVP_MD_CTX_free(h);
	return r;
}

int
hl_backup_w_close(struct hl_backup_w *w)
{
	uint8_t end[5];
	int r;

	if (w == NULL)
		return HL_ERR_INVALID;
	end[0] = 'E';
	end[1] = (uint8_t)(w->entries >> 24);
	end[2] = (uint8_t)(w->entries >> 16);
	end[3] = (uint8_t)(w->entries >> 8);
	end[4] = (uint8_t)w->entries;
	if ((r = w_put(w, end, sizeof(end))) == HL_OK && (r = w_flush(w, 1)) == HL_OK &&
	    fflush(w->f) != 0)
		r = HL_ERR_IO;
	hl_backup_w_abort(w);
	return r;
}

void
hl_backup_w_abort(struct hl_backup_w *w)
{
	if (w == NULL)
		return;
	OPENSSL_cleanse(w->key, sizeof(w->key));
	hl_free_secret(w->buf, HL_BACKUP_CHUNK);
	hl_free(w->out);
	hl_free(w);
}

/* ---- reading ---- */

__attribute__((format(printf, 3, 4))) static int
r_fail(struct hl_backup_r *r, int code, const char *fmt, ...)
{
	va_list ap;

	if (r->err[0] == '\0') {
		va_start(ap, fmt);
		(void)vsnprintf(r->err, sizeof(r->err), fmt, ap);
		va_end(ap);
	}
	return code;
}

/* The next chunk into buf. */
static int
r_chunk(struct hl_backup_r *r)
{
	uint8_t hd[5];
	size_t n;

	if (r->last)
		return r_fail(r, HL_ERR_MALFORMED, "data past the end (after chunk %llu)",
		    (unsigned long long)r->index);
	if (fread(hd, 1, sizeof(hd), r->f) != sizeof(hd))
		return r_fail(r, HL_ERR_MALFORMED, "cut short before chunk %llu (truncated)",
		    (unsigned long long)r->index);
	n = ((size_t)hd[0] << 24) | ((size_t)hd[1] << 16) | ((size_t)hd[2] << 8) | hd[3];
	if (n < BACKUP_TAG || n > HL_BACKUP_CHUNK + BACKUP_TAG || hd[4] > 1)
		return r_fail(r, HL_ERR_MALFORMED, "chunk %llu has a bad header",
		    (unsigned long long)r->index);
	if (fread(r->in, 1, n, r->f) != n)
		return r_fail(r, HL_ERR_MALFORMED, "cut short in chunk %llu (truncated)",
		    (unsigned long long)r->index);
	n -= BACKUP_TAG;
	if (chunk_crypt(0, r->key, r->header, r->index, hd[4], r->in, n, r->buf,
	    r->in + n) != HL_OK)
		return r_fail(r, HL_ERR_DECRYPT, "chunk %llu does not open: altered, moved, or "
		    "sealed under another seal key", (unsigned long long)r->index);
	r->len = n;
	r->pos = 0;
	r->last = hd[4];
	r->index++;
	return HL_OK;
}

static int
r_get(struct hl_backup_r *r, uint8_t *p, size_t n)
{
	size_t k;
	int rc;

	while (n > 0) {
		if (r->pos == r->len && (rc = r_chunk(r)) != HL_OK)
			return rc;
		k = r->len - r->pos;
		if (k > n)
			k = n;
		memcpy(p, r->buf + r->pos, k);
		r->pos += k;
		p += k;
		n -= k;
	}
	return HL_OK;
}

int
hl_backup_r_open(FILE *f, const uint8_t kek[static HL_SEAL_KEK], struct hl_backup_r **out)
{
	struct hl_backup_r *r = NULL;
	int rc = HL_ERR_NOMEM;

	*out = NULL;
	if ((r = hl_calloc(1, sizeof(*r))) == NULL ||
	    (r->buf = hl_malloc(HL_BACKUP_CHUNK)) == NULL ||
	    (r->in = hl_malloc(HL_BACKUP_CHUNK + BACKUP_TAG)) == NULL)
		goto out;
	r->f = f;
	rc = HL_ERR_MALFORMED;
	if (fread(r->header, 1, HL_BACKUP_HEADER, f) != HL_BACKUP_HEADER ||
	    memcmp(r->header, HL_BACKUP_MAGIC, 8) != 0)
		goto out;
	rc = HL_ERR_VERSION;
	if (r->header[8] != BACKUP_VERSION)
		goto out;
	rc = HL_ERR_CRYPTO;
	if (hl_seal_subkey(kek, r->header + 9, HL_BACKUP_SALT, BACKUP_INFO, r->key) != HL_OK)
		goto out;
	*out = r;
	r = NULL;
	rc = HL_OK;
out:
	hl_backup_r_free(r);
	return rc;
}

int
hl_backup_r_next(struct hl_backup_r *r, char name[HL_BACKUP_NAME_MAX + 1], uint64_t *size)
{
	uint8_t t, b[8];
	size_t nl;
	uint32_t count;
	int rc, i;

	name[0] = '\0';
	*size = 0;
	if (r->in_entry)
		return r_fail(r, HL_ERR_INVALID, "entry %llu not read whole",
		    (unsigned long long)r->entries);
	if ((rc = r_get(r, &t, 1)) != HL_OK)
		return rc;
	if (t == 'E') {
		if ((rc = r_get(r, b, 4)) != HL_OK)
			return rc;
		count = ((uint32_t)b[0] << 24) | ((uint32_t)b[1] << 16) | ((uint32_t)b[2] << 8) | b[3];
		if (count != r->entries)
			return r_fail(r, HL_ERR_CORRUPT, "the end counts %llu entries, not the ones "
			    "read", (unsigned long long)count);
		if (!r->last || r->pos != r->len || fgetc(r->f) != EOF)
			return r_fail(r, HL_ERR_MALFORMED, "data after the end (chunk %llu)",
			    (unsigned long long)r->index);
		return HL_ERR_NOT_FOUND;
	}
	if (t != 'F')
		return r_fail(r, HL_ERR_MALFORMED, "entry %llu: bad kind",
		    (unsigned long long)r->entries);
	if (r->entries >= HL_BACKUP_ENTRIES_MAX)
		return r_fail(r, HL_ERR_TOO_BIG, "more than %llu entries",
		    (unsigned long long)HL_BACKUP_ENTRIES_MAX);
	if ((rc = r_get(r, b, 2)) != HL_OK)
		return rc;
	nl = ((size_t)b[0] << 8) | b[1];
	if (nl == 0 || nl > HL_BACKUP_NAME_MAX)
		return r_fail(r, HL_ERR_MALFORMED, "entry %llu: bad name length",
		    (unsigned long long)r->entries);
	if ((rc = r_get(r, (uint8_t *)name, nl)) != HL_OK)
		return rc;
	name[nl] = '\0';
	if (!hl_backup_name_ok(name, nl))
		return r_fail(r, HL_ERR_MALFORMED, "entry %llu: a name that would leave the "
		    "directory", (unsigned long long)r->entries);
	if ((rc = r_get(r, b, 8)) != HL_OK)
		return rc;
	for (i = 0; i < 8; i++)
		*size = (*size << 8) | b[i];
	if (*size > HL_BACKUP_FILE_MAX)
		return r_fail(r, HL_ERR_TOO_BIG, "entry %llu: too large",
		    (unsigned long long)r->entries);
	r->remain = *size;
	r->in_entry = 1;
	return HL_OK;
}

int
hl_backup_r_data(struct hl_backup_r *r, int (*write_fn)(void *arg, const uint8_t *buf,
    size_t n), void *arg)
{
	uint8_t piece[65536], md[32], want[32];
	EVP_MD_CTX *h = NULL;
	unsigned int mdl = 0;
	size_t k;
	int rc = HL_ERR_CRYPTO;

	if (!r->in_entry)
		return HL_ERR_INVALID;
	if ((h = EVP_MD_CTX_new()) == NULL || EVP_DigestInit_ex(h, EVP_sha256(), NULL) != 1)
		goto out;
	while (r->remain > 0) {
		k = r->remain < sizeof(piece) ? (size_t)r->remain : sizeof(piece);
		if ((rc = r_get(r, piece, k)) != HL_OK)
			goto out;
		if (EVP_DigestUpdate(h, piece, k) != 1) {
			rc = HL_ERR_CRYPTO;
			goto out;
		}
		if (write_fn != NULL && write_fn(arg, piece, k) != 0) {
			rc = r_fail(r, HL_ERR_IO, "entry %llu: cannot write it out",
			    (unsigned long long)r->entries);
			goto out;
		}
		r->remain -= k;
	}
	if ((rc = r_get(r, want, sizeof(want))) != HL_OK)
		goto out;
	rc = HL_ERR_CRYPTO;
	if (EVP_DigestFinal_ex(h, md, &mdl) != 1 || mdl != sizeof(md))
		goto out;
	if (CRYPTO_memcmp(md, want, sizeof(md)) != 0) {
		rc = r_fail(r, HL_ERR_CORRUPT, "entry %llu: its SHA-256 differs",
		    (unsigned long long)r->entries);
		goto out;
	}
	r->in_entry = 0;
	r->entries++;
	rc = HL_OK;
out:
	OPENSSL_cleanse(piece, sizeof(piece));
	EVP_MD_CTX_free(h);
	return rc;
}

const char *
hl_backup_r_error(const struct hl_backup_r *r)
{
	return r != NULL && r->err[0] != '\0' ? r->err : "not a hotline backup";
}

void
hl_backup_r_free(struct hl_backup_r *r)
{
	if (r == NULL)
		return;
	OPENSSL_cleanse(r->key, sizeof(r->key));
	hl_free_secret(r->buf, HL_BACKUP_CHUNK);
	hl_free(r->in);
	hl_free(r);
}
