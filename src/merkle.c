/* merkle.c: RFC 9162 section 2.1 Merkle tree hashing over audit entries
 * (leaf and node hashes, tree head, inclusion and consistency proofs, a
 * compact frontier for appends) and the signed checkpoint codec. No I/O.
 * docs/internals/audit.md describes the design. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "keys.h"
#include "label.h"
#include "merkle.h"

static const uint8_t cp_magic[4] = { 'H', 'L', 'C', 'P' };

/* One digest context reused for a whole computation (a fresh EVP context
 * per hash would dominate the cost of a large tree). */
struct hasher {
	EVP_MD_CTX *c;
	EVP_MD *md;     /* fetched once: no implicit fetch per hash */
};

static int
hasher_init(struct hasher *h)
{
	h->md = NULL;
	if ((h->c = EVP_MD_CTX_new()) == NULL)
		return HL_ERR_NOMEM;
	if ((h->md = EVP_MD_fetch(NULL, "SHA256", NULL)) == NULL) {
		EVP_MD_CTX_free(h->c);
		h->c = NULL;
		return HL_ERR_CRYPTO;
	}
	return HL_OK;
}

static void
hasher_free(struct hasher *h)
{
	EVP_MD_CTX_free(h->c);
	EVP_MD_free(h->md);
	h->c = NULL;
	h->md = NULL;
}

/* SHA-256(prefix || a[alen] || b[blen]); out may alias a or b. */
static int
hash2(struct hasher *h, uint8_t prefix, const uint8_t *a, size_t alen, const uint8_t *b,
    size_t blen, uint8_t out[HL_MERKLE_HASH])
{
	unsigned int olen = 0;

	if (EVP_DigestInit_ex(h->c, h->md, NULL) != 1 ||
	    EVP_DigestUpdate(h->c, &prefix, 1) != 1 ||
	    (alen > 0 && EVP_DigestUpdate(h->c, a, alen) != 1) ||
	    (blen > 0 && EVP_DigestUpdate(h->c, b, blen) != 1) ||
	    EVP_DigestFinal_ex(h->c, out, &olen) != 1 || olen != HL_MERKLE_HASH)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

static int
node_hash(struct hasher *h, const uint8_t *l, const uint8_t *r, uint8_t out[HL_MERKLE_HASH])
{
	return hash2(h, 0x01, l, HL_MERKLE_HASH, r, HL_MERKLE_HASH, out);
}

/* ---- entries and single hashes ---- */

int
hl_merkle_entry_encode(const struct hl_merkle_entry *e, struct hl_buf *out)
{
	static const uint8_t zero_id[HL_ID_BYTES];

	if (e == NULL || out == NULL || (e->event == NULL && e->event_len > 0) ||
	    (e->actor == NULL && e->actor_len > 0) || (e->detail == NULL && e->detail_len > 0))
		return HL_ERR_INVALID;
	if (e->event_len > UINT32_MAX || e->actor_len > UINT32_MAX ||
	    e->detail_len > UINT32_MAX)
		return HL_ERR_TOO_BIG;
	hl_buf_u64(out, e->seq);
	hl_buf_u64(out, e->time_ms);
	hl_buf_bytes32(out, (const uint8_t *)e->event, e->event_len);
	hl_buf_u8(out, e->has_id ? 1 : 0);
	hl_buf_put(out, e->has_id ? e->id : zero_id, HL_ID_BYTES);
	hl_buf_bytes32(out, (const uint8_t *)e->actor, e->actor_len);
	hl_buf_bytes32(out, (const uint8_t *)e->detail, e->detail_len);
	return hl_buf_error(out);
}

int
hl_merkle_leaf_hash(const uint8_t *entry, size_t len, uint8_t out[static HL_MERKLE_HASH])
{
	struct hasher h = { NULL, NULL };
	int r;

	if (entry == NULL && len > 0)
		return HL_ERR_INVALID;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = hash2(&h, 0x00, entry, len, NULL, 0, out);
	hasher_free(&h);
	return r;
}

int
hl_merkle_entry_leaf(const struct hl_merkle_entry *e, uint8_t out[static HL_MERKLE_HASH])
{
	struct hl_buf b;
	int r;

	/* the largest legal entry is ~700 bytes; a tampered row may be larger */
	hl_buf_init(&b, (size_t)64 * 1024 * 1024);
	if ((r = hl_merkle_entry_encode(e, &b)) == HL_OK)
		r = hl_merkle_leaf_hash(b.data, b.len, out);
	hl_buf_free(&b);
	return r;
}

int
hl_merkle_node_hash(const uint8_t left[static HL_MERKLE_HASH],
    const uint8_t right[static HL_MERKLE_HASH], uint8_t out[static HL_MERKLE_HASH])
{
	struct hasher h = { NULL, NULL };
	int r;

	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = node_hash(&h, left, right, out);
	hasher_free(&h);
	return r;
}

int
hl_merkle_empty_root(uint8_t out[static HL_MERKLE_HASH])
{
	unsigned int olen = 0;

	if (EVP_Digest("", 0, out, &olen, EVP_sha256(), NULL) != 1 || olen != HL_MERKLE_HASH)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

/* ---- frontier ---- */

void
hl_merkle_frontier_init(struct hl_merkle_frontier *f)
{
	memset(f, 0, sizeof(*f));
}

static int
frontier_add(struct hasher *h, struct hl_merkle_frontier *f, const uint8_t leaf[HL_MERKLE_HASH])
{
	uint8_t cur[HL_MERKLE_HASH];
	uint64_t s;
	int r;

	if (f->size == UINT64_MAX >> 1)
		return HL_ERR_FULL;
	memcpy(cur, leaf, HL_MERKLE_HASH);
	/* each trailing one bit of size is a perfect subtree the new leaf
	 * completes: merge it in */
	for (s = f->size; s & 1; s >>= 1) {
		if (f->n == 0)
			return HL_ERR_INTERNAL;
		if ((r = node_hash(h, f->node[f->n - 1], cur, cur)) != HL_OK)
			return r;
		f->n--;
	}
	if (f->n >= 64)
		return HL_ERR_INTERNAL;
	memcpy(f->node[f->n++], cur, HL_MERKLE_HASH);
	f->size++;
	return HL_OK;
}

int
hl_merkle_frontier_add(struct hl_merkle_frontier *f, const uint8_t leaf[static HL_MERKLE_HASH])
{
	struct hasher h = { NULL, NULL };
	int r;

	if (f == NULL)
		return HL_ERR_INVALID;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = frontier_add(&h, f, leaf);
	hasher_free(&h);
	return r;
}

static int
frontier_root(struct hasher *h, const struct hl_merkle_frontier *f, uint8_t out[HL_MERKLE_HASH])
{
	uint8_t acc[HL_MERKLE_HASH];
	unsigned i;
	int r;

	if (f->n == 0)
		return hl_merkle_empty_root(out);
	/* the left-heavy tree of RFC 9162: H(T_big, H(T_next, ... T_small)) */
	memcpy(acc, f->node[f->n - 1], HL_MERKLE_HASH);
	for (i = f->n - 1; i > 0; i--)
		if ((r = node_hash(h, f->node[i - 1], acc, acc)) != HL_OK)
			return r;
	memcpy(out, acc, HL_MERKLE_HASH);
	return HL_OK;
}

int
hl_merkle_frontier_root(const struct hl_merkle_frontier *f, uint8_t out[static HL_MERKLE_HASH])
{
	struct hasher h = { NULL, NULL };
	int r;

	if (f == NULL)
		return HL_ERR_INVALID;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = frontier_root(&h, f, out);
	hasher_free(&h);
	return r;
}

static unsigned
popcount64(uint64_t v)
{
	unsigned n = 0;

	for (; v != 0; v &= v - 1)
		n++;
	return n;
}

int
hl_merkle_frontier_encode(const struct hl_merkle_frontier *f, struct hl_buf *out)
{
	unsigned i;

	if (f == NULL || out == NULL || f->n != popcount64(f->size))
		return HL_ERR_INVALID;
	hl_buf_u64(out, f->size);
	for (i = 0; i < f->n; i++)
		hl_buf_put(out, f->node[i], HL_MERKLE_HASH);
	return hl_buf_error(out);
}

int
hl_merkle_frontier_decode(const uint8_t *p, size_t len, struct hl_merkle_frontier *f)
{
	struct hl_rd rd;
	unsigned i, n;
	int r = HL_ERR_MALFORMED;

	if (f == NULL)
		return HL_ERR_INVALID;
	hl_merkle_frontier_init(f);
	hl_rd_init(&rd, p, len);
	if (hl_rd_u64(&rd, &f->size) != HL_OK || f->size > UINT64_MAX >> 1)
		goto out;
	n = popcount64(f->size);
	if (hl_rd_left(&rd) != (size_t)n * HL_MERKLE_HASH)
		goto out;
	for (i = 0; i < n; i++)
		if (hl_rd_copy(&rd, f->node[i], HL_MERKLE_HASH) != HL_OK)
			goto out;
	f->n = n;
	if (hl_rd_end(&rd) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		hl_merkle_frontier_init(f);
	return r;
}

/* ---- whole trees ---- */

/* MTH(leaves[0, n)) with a frontier: n - 1 node hashes, O(log n) memory. */
static int
range_root(struct hasher *h, const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t n,
    uint8_t out[HL_MERKLE_HASH])
{
	struct hl_merkle_frontier f;
	uint64_t i;
	int r;

	hl_merkle_frontier_init(&f);
	for (i = 0; i < n; i++)
		if ((r = frontier_add(h, &f, leaves[i])) != HL_OK)
			return r;
	return frontier_root(h, &f, out);
}

int
hl_merkle_root(const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t n,
    uint8_t out[static HL_MERKLE_HASH])
{
	struct hasher h = { NULL, NULL };
	int r;

	if (leaves == NULL && n > 0)
		return HL_ERR_INVALID;
	if (n > UINT64_MAX >> 1)
		return HL_ERR_TOO_BIG;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = range_root(&h, leaves, n, out);
	hasher_free(&h);
	return r;
}

/* The largest power of two smaller than n (n >= 2). */
static uint64_t
split_point(uint64_t n)
{
	uint64_t k = 1;

	while ((k << 1) < n)
		k <<= 1;
	return k;
}

/* PATH(m, D[0, n)) of RFC 9162 2.1.3.1: the inner part first. */
static int
path(struct hasher *h, const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t n, uint64_t m,
    uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH], size_t *plen)
{
	uint64_t k;
	int r;

	if (n <= 1)
		return HL_OK;
	k = split_point(n);
	if (m < k) {
		if ((r = path(h, leaves, k, m, proof, plen)) != HL_OK)
			return r;
		if (*plen >= HL_MERKLE_PROOF_MAX)
			return HL_ERR_INTERNAL;
		return range_root(h, leaves + k, n - k, proof[(*plen)++]);
	}
	if ((r = path(h, leaves + k, n - k, m - k, proof, plen)) != HL_OK)
		return r;
	if (*plen >= HL_MERKLE_PROOF_MAX)
		return HL_ERR_INTERNAL;
	return range_root(h, leaves, k, proof[(*plen)++]);
}

int
hl_merkle_inclusion_proof(const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t n,
    uint64_t index, uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH], size_t *plen)
{
	struct hasher h = { NULL, NULL };
	int r;

	if (plen != NULL)
		*plen = 0;
	if (leaves == NULL || proof == NULL || plen == NULL || index >= n)
		return HL_ERR_INVALID;
	if (n > UINT64_MAX >> 1)
		return HL_ERR_TOO_BIG;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = path(&h, leaves, n, index, proof, plen);
	hasher_free(&h);
	if (r != HL_OK)
		*plen = 0;
	return r;
}

int
hl_merkle_inclusion_root(uint64_t index, uint64_t n, const uint8_t leaf[static HL_MERKLE_HASH],
    const uint8_t (*proof)[HL_MERKLE_HASH], size_t plen, uint8_t root[static HL_MERKLE_HASH])
{
	struct hasher h = { NULL, NULL };
	uint8_t acc[HL_MERKLE_HASH];
	uint64_t fn, sn;
	size_t i;
	int r;

	if (index >= n)
		return HL_ERR_INVALID;
	if ((proof == NULL && plen > 0) || plen > HL_MERKLE_PROOF_MAX)
		return HL_ERR_BAD_SIGNATURE;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	fn = index;
	sn = n - 1;
	memcpy(acc, leaf, HL_MERKLE_HASH);
	r = HL_ERR_BAD_SIGNATURE;
	for (i = 0; i < plen; i++) {
		if (sn == 0)
			goto out;
		if ((fn & 1) || fn == sn) {
			if (node_hash(&h, proof[i], acc, acc) != HL_OK) {
				r = HL_ERR_CRYPTO;
				goto out;
			}
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (node_hash(&h, acc, proof[i], acc) != HL_OK) {
			r = HL_ERR_CRYPTO;
			goto out;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0)
		goto out;
	memcpy(root, acc, HL_MERKLE_HASH);
	r = HL_OK;
out:
	hasher_free(&h);
	return r;
}

int
hl_merkle_inclusion_verify(uint64_t index, uint64_t n, const uint8_t leaf[static HL_MERKLE_HASH],
    const uint8_t (*proof)[HL_MERKLE_HASH], size_t plen, const uint8_t root[static HL_MERKLE_HASH])
{
	uint8_t got[HL_MERKLE_HASH];
	int r;

	if ((r = hl_merkle_inclusion_root(index, n, leaf, proof, plen, got)) != HL_OK)
		return r;
	return CRYPTO_memcmp(got, root, HL_MERKLE_HASH) == 0 ? HL_OK : HL_ERR_BAD_SIGNATURE;
}

/* SUBPROOF(m, D[0, n), b) of RFC 9162 2.1.4.1. */
static int
subproof(struct hasher *h, const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t m, uint64_t n,
    int b, uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH], size_t *plen)
{
	uint64_t k;
	int r;

	if (m == n) {
		if (b)
			return HL_OK;
		if (*plen >= HL_MERKLE_PROOF_MAX)
			return HL_ERR_INTERNAL;
		return range_root(h, leaves, n, proof[(*plen)++]);
	}
	k = split_point(n);
	if (m <= k) {
		if ((r = subproof(h, leaves, m, k, b, proof, plen)) != HL_OK)
			return r;
		if (*plen >= HL_MERKLE_PROOF_MAX)
			return HL_ERR_INTERNAL;
		return range_root(h, leaves + k, n - k, proof[(*plen)++]);
	}
	if ((r = subproof(h, leaves + k, m - k, n - k, 0, proof, plen)) != HL_OK)
		return r;
	if (*plen >= HL_MERKLE_PROOF_MAX)
		return HL_ERR_INTERNAL;
	return range_root(h, leaves, k, proof[(*plen)++]);
}

int
hl_merkle_consistency_proof(const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t m, uint64_t n,
    uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH], size_t *plen)
{
	struct hasher h = { NULL, NULL };
	int r;

	if (plen != NULL)
		*plen = 0;
	if (leaves == NULL || proof == NULL || plen == NULL || m == 0 || m > n)
		return HL_ERR_INVALID;
	if (n > UINT64_MAX >> 1)
		return HL_ERR_TOO_BIG;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	r = subproof(&h, leaves, m, n, 1, proof, plen);
	hasher_free(&h);
	if (r != HL_OK)
		*plen = 0;
	return r;
}

int
hl_merkle_consistency_verify(uint64_t m, uint64_t n, const uint8_t old_root[static HL_MERKLE_HASH],
    const uint8_t new_root[static HL_MERKLE_HASH], const uint8_t (*proof)[HL_MERKLE_HASH],
    size_t plen)
{
	struct hasher h = { NULL, NULL };
	uint8_t fr[HL_MERKLE_HASH], sr[HL_MERKLE_HASH];
	const uint8_t *c;
	uint64_t fn, sn;
	size_t i, total;
	int r, pow2;

	if (m == 0 || m > n)
		return HL_ERR_INVALID;
	if ((proof == NULL && plen > 0) || plen > HL_MERKLE_PROOF_MAX)
		return HL_ERR_BAD_SIGNATURE;
	if (m == n) {
		/* same tree: the proof is empty and the heads equal */
		if (plen != 0 || CRYPTO_memcmp(old_root, new_root, HL_MERKLE_HASH) != 0)
			return HL_ERR_BAD_SIGNATURE;
		return HL_OK;
	}
	if (plen == 0)
		return HL_ERR_BAD_SIGNATURE;
	if ((r = hasher_init(&h)) != HL_OK)
		return r;
	/* when m is a power of two the old root itself is the first node */
	pow2 = (m & (m - 1)) == 0;
	total = plen + (pow2 ? 1 : 0);
	fn = m - 1;
	sn = n - 1;
	while (fn & 1) {
		fn >>= 1;
		sn >>= 1;
	}
	c = pow2 ? old_root : proof[0];
	memcpy(fr, c, HL_MERKLE_HASH);
	memcpy(sr, c, HL_MERKLE_HASH);
	r = HL_ERR_BAD_SIGNATURE;
	for (i = 1; i < total; i++) {
		c = proof[pow2 ? i - 1 : i];
		if (sn == 0)
			goto out;
		if ((fn & 1) || fn == sn) {
			if (node_hash(&h, c, fr, fr) != HL_OK || node_hash(&h, c, sr, sr) != HL_OK) {
				r = HL_ERR_CRYPTO;
				goto out;
			}
			while (!(fn & 1) && fn != 0) {
				fn >>= 1;
				sn >>= 1;
			}
		} else if (node_hash(&h, sr, c, sr) != HL_OK) {
			r = HL_ERR_CRYPTO;
			goto out;
		}
		fn >>= 1;
		sn >>= 1;
	}
	if (sn != 0 || CRYPTO_memcmp(fr, old_root, HL_MERKLE_HASH) != 0 ||
	    CRYPTO_memcmp(sr, new_root, HL_MERKLE_HASH) != 0)
		goto out;
	r = HL_OK;
out:
	hasher_free(&h);
	return r;
}

/* ---- checkpoints ---- */

static int
checkpoint_valid(const struct hl_checkpoint *c)
{
	if (c->version != HL_CHECKPOINT_VERSION && c->version != HL_CHECKPOINT_VERSION_HYBRID)
		return HL_ERR_VERSION;
	if (memchr(c->node, '\0', sizeof(c->node)) == NULL || !hl_label_node_name_valid(c->node, NULL))
		return HL_ERR_MALFORMED;
	if (c->size > (uint64_t)INT64_MAX)
		return HL_ERR_MALFORMED;
	return HL_OK;
}

int
hl_checkpoint_encode(const struct hl_checkpoint *c, struct hl_buf *out)
{
	int r;

	if (c == NULL || out == NULL)
		return HL_ERR_INVALID;
	if ((r = checkpoint_valid(c)) != HL_OK)
		return r;
	hl_buf_put(out, cp_magic, sizeof(cp_magic));
	hl_buf_u8(out, c->version);
	hl_buf_str8(out, c->node);
	hl_buf_u64(out, c->size);
	hl_buf_put(out, c->root, HL_MERKLE_HASH);
	hl_buf_u64(out, c->time_ms);
	if (c->version == HL_CHECKPOINT_VERSION) {
		hl_buf_put(out, c->sig, HL_ED25519_SIG);
	} else if ((r = hl_hsig_put(&c->hsig, out)) != HL_OK) {
		return r;
	}
	return hl_buf_error(out);
}

int
hl_checkpoint_decode(const uint8_t *p, size_t len, struct hl_checkpoint *out)
{
	struct hl_rd rd;
	uint8_t magic[4];
	int r = HL_ERR_MALFORMED;

	if (out == NULL)
		return HL_ERR_INVALID;
	memset(out, 0, sizeof(*out));
	if (p == NULL && len > 0)
		goto out;
	if (len > HL_CHECKPOINT_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	hl_rd_init(&rd, p, len);
	if (hl_rd_copy(&rd, magic, sizeof(magic)) != HL_OK ||
	    memcmp(magic, cp_magic, sizeof(magic)) != 0 ||
	    hl_rd_u8(&rd, &out->version) != HL_OK)
		goto out;
	if (out->version != HL_CHECKPOINT_VERSION && out->version != HL_CHECKPOINT_VERSION_HYBRID) {
		r = HL_ERR_VERSION;
		goto out;
	}
	if (hl_rd_str8(&rd, out->node, HL_NODE_NAME_MAX) != HL_OK ||
	    hl_rd_u64(&rd, &out->size) != HL_OK ||
	    hl_rd_copy(&rd, out->root, HL_MERKLE_HASH) != HL_OK ||
	    hl_rd_u64(&rd, &out->time_ms) != HL_OK)
		goto out;
	out->signed_len = rd.off;
	if (out->version == HL_CHECKPOINT_VERSION) {
		if (hl_rd_copy(&rd, out->sig, HL_ED25519_SIG) != HL_OK)
			goto out;
	} else if (hl_hsig_read(&rd, &out->hsig) != HL_OK) {
		goto out;
	}
	if (hl_rd_end(&rd) != HL_OK)
		goto out;
	if ((r = checkpoint_valid(out)) != HL_OK) {
		r = r == HL_ERR_VERSION ? r : HL_ERR_MALFORMED;
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_checkpoint_digest(const uint8_t *p, size_t signed_len, uint8_t out[static 64])
{
	static const char domain[] = "hotline checkpoint v1";
	EVP_MD_CTX *ctx = NULL;
	unsigned int olen = 0;
	int r = HL_ERR_CRYPTO;

	if (p == NULL && signed_len > 0)
		return HL_ERR_INVALID;
	if ((ctx = EVP_MD_CTX_new()) == NULL)
		return HL_ERR_NOMEM;
	if (EVP_DigestInit_ex(ctx, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, domain, sizeof(domain)) != 1 ||   /* with the NUL */
	    (signed_len > 0 && EVP_DigestUpdate(ctx, p, signed_len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &olen) != 1 || olen != 64)
		goto out;
	r = HL_OK;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

int
hl_checkpoint_verify(const uint8_t *raw, size_t len, const char *node,
    const struct hl_signer *s, struct hl_checkpoint *out)
{
	struct hl_checkpoint c;
	uint8_t d[64];
	int r;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (out == NULL || s == NULL)
		return HL_ERR_INVALID;
	if ((r = hl_checkpoint_decode(raw, len, &c)) != HL_OK)
		return r;
	if (node != NULL && strcmp(node, c.node) != 0)
		return HL_ERR_AUTH;
	if ((r = hl_checkpoint_digest(raw, c.signed_len, d)) != HL_OK)
		return r;
	if (c.version == HL_CHECKPOINT_VERSION)
		r = s->allow_classical ? hl_verify_sig(s->ed, HL_SIGN_CHECKPOINT, d, c.sig) :
		    HL_ERR_DENIED;
	else
		r = hl_signer_verify(s, HL_SIGN_CHECKPOINT, d, c.hsig.p, c.hsig.len);
	if (r != HL_OK)
		return r == HL_ERR_CRYPTO ? HL_ERR_BAD_SIGNATURE : r;
	*out = c;
	return HL_OK;
}
