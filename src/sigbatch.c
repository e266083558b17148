/* sigbatch.c: one signed Merkle root for a batch of version 2 envelopes or
 * receipts, and a cache of verified roots (sigbatch.h). */
#include <pthread.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "alloc.h"
#include "merkle.h"
#include "sigbatch.h"

_Static_assert(HL_MERKLE_HASH == HL_SHA256, "batch leaves are Merkle leaves");
_Static_assert((1u << HL_SIGBATCH_DEPTH_MAX) >= HL_SIGBATCH_MAX, "paths fit the batch");

static const enum hl_sign_ctx kind_ctx[HL_SIGBATCH_KINDS] = {
	HL_SIGN_ENVELOPE_BATCH, HL_SIGN_RECEIPT_BATCH,
};

static int
leaf_of(enum hl_sigbatch_kind kind, const uint8_t *raw, size_t len, uint8_t out[HL_SHA256])
{
	return kind == HL_SIGBATCH_RECEIPT ? hl_receipt_leaf(raw, len, out) :
	    hl_envelope_leaf(raw, len, out);
}

void
hl_sigbatch_init(struct hl_sigbatch *b)
{
	b->n[HL_SIGBATCH_ENVELOPE] = b->n[HL_SIGBATCH_RECEIPT] = 0;
}

int
hl_sigbatch_has_room(const struct hl_sigbatch *b, enum hl_sigbatch_kind kind)
{
	return kind < HL_SIGBATCH_KINDS && b->n[kind] < HL_SIGBATCH_MAX;
}

int
hl_sigbatch_add(struct hl_sigbatch *b, enum hl_sigbatch_kind kind, uint8_t **raw,
    size_t *rawlen, int *result)
{
	struct hl_sigbatch_item *it;
	int r;

	if (!hl_sigbatch_has_room(b, kind))
		return HL_ERR_FULL;
	if (raw == NULL || *raw == NULL || rawlen == NULL || result == NULL)
		return HL_ERR_INVALID;
	it = &b->items[kind][b->n[kind]];
	if ((r = leaf_of(kind, *raw, *rawlen, it->leaf)) != HL_OK)
		return r;
	it->raw = raw;
	it->rawlen = rawlen;
	it->result = result;
	b->n[kind]++;
	return HL_OK;
}

/* Append item i's block (index i of n, its path, sig) to its bytes. */
static int
append_block(struct hl_sigbatch_item *it, const uint8_t (*leaves)[HL_SHA256], unsigned i,
    unsigned n, const uint8_t sig[HL_ED25519_SIG])
{
	uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH];
	struct hl_batch_sig bs;
	struct hl_buf b;
	uint8_t *p;
	size_t plen = 0;
	int r;

	memset(&bs, 0, sizeof(bs));
	if ((r = hl_merkle_inclusion_proof(leaves, n, i, proof, &plen)) != HL_OK)
		return r;
	if (plen != hl_batch_path_len(i, n) || plen > HL_SIGBATCH_DEPTH_MAX)
		return HL_ERR_INTERNAL;
	bs.index = (uint16_t)i;
	bs.count = (uint16_t)n;
	bs.npath = (uint8_t)plen;
	memcpy(bs.path, proof, plen * HL_SHA256);
	hl_buf_init(&b, hl_batch_sig_size(HL_SIGBATCH_DEPTH_MAX));
	hl_batch_sig_encode(&bs, sig, &b);
	if ((r = hl_buf_error(&b)) != HL_OK) {
		hl_buf_free(&b);
		return r;
	}
	if ((p = hl_realloc(*it->raw, *it->rawlen + b.len)) == NULL) {
		hl_buf_free(&b);
		return HL_ERR_NOMEM;
	}
	memcpy(p + *it->rawlen, b.data, b.len);
	*it->raw = p;
	*it->rawlen += b.len;
	hl_buf_free(&b);
	return HL_OK;
}

static void
fail_item(struct hl_sigbatch_item *it, int r)
{
	hl_free(*it->raw);
	*it->raw = NULL;
	*it->rawlen = 0;
	*it->result = r;
}

void
hl_sigbatch_finish(struct hl_sigbatch *b, struct hl_keys *k, uint64_t *roots, uint64_t *leaves)
{
	uint8_t lv[HL_SIGBATCH_MAX][HL_SHA256], root[HL_SHA256], dg[64], sig[HL_ED25519_SIG];
	unsigned kind, i, n;
	int r;

	for (kind = 0; kind < HL_SIGBATCH_KINDS; kind++) {
		if ((n = b->n[kind]) == 0)
			continue;
		for (i = 0; i < n; i++)
			memcpy(lv[i], b->items[kind][i].leaf, HL_SHA256);
		r = hl_merkle_root((const uint8_t (*)[HL_MERKLE_HASH])lv, n, root);
		if (r == HL_OK)
			r = hl_batch_root_digest(kind == HL_SIGBATCH_RECEIPT, n, root, dg);
		if (r == HL_OK)
			r = hl_keys_sign(k, kind_ctx[kind], dg, sig);
		for (i = 0; i < n; i++) {
			struct hl_sigbatch_item *it = &b->items[kind][i];
			int ri = r == HL_OK ? append_block(it, (const uint8_t (*)[HL_SHA256])lv, i,
			    n, sig) : r;

			if (ri != HL_OK)
				fail_item(it, ri);
		}
		if (r == HL_OK) {
			if (roots != NULL)
				(*roots)++;
			if (leaves != NULL)
				*leaves += n;
		}
		b->n[kind] = 0;
	}
}

int
hl_sigbatch_sign_one(struct hl_keys *k, enum hl_sigbatch_kind kind, uint8_t **raw,
    size_t *rawlen)
{
	struct hl_sigbatch_item it = { .raw = raw, .rawlen = rawlen };
	uint8_t dg[64], sig[HL_ED25519_SIG];
	int r;

	/* a tree of one leaf: the root is the leaf, the path is empty */
	if (kind >= HL_SIGBATCH_KINDS || raw == NULL || *raw == NULL || rawlen == NULL)
		return HL_ERR_INVALID;
	if ((r = leaf_of(kind, *raw, *rawlen, it.leaf)) != HL_OK ||
	    (r = hl_batch_root_digest(kind == HL_SIGBATCH_RECEIPT, 1, it.leaf, dg)) != HL_OK ||
	    (r = hl_keys_sign(k, kind_ctx[kind], dg, sig)) != HL_OK)
		return r;
	return append_block(&it, (const uint8_t (*)[HL_SHA256])it.leaf, 0, 1, sig);
}

/* ---- the verified-root cache ---- */

struct hl_sigcache {
	pthread_mutex_t mu;
	unsigned n, next, used;
	uint8_t (*keys)[HL_SHA256];
	uint64_t verified, hits;
};

int
hl_sigcache_new(unsigned entries, struct hl_sigcache **out)
{
	struct hl_sigcache *c;

	*out = NULL;
	if (entries == 0 || entries > 65536)
		return HL_ERR_INVALID;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL ||
	    (c->keys = hl_calloc(entries, HL_SHA256)) == NULL) {
		hl_free(c);
		return HL_ERR_NOMEM;
	}
	if (pthread_mutex_init(&c->mu, NULL) != 0) {
		hl_free(c->keys);
		hl_free(c);
		return HL_ERR_INTERNAL;
	}
	c->n = entries;
	*out = c;
	return HL_OK;
}

void
hl_sigcache_free(struct hl_sigcache *c)
{
	if (c == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	hl_free(c->keys);
	hl_free(c);
}

void
hl_sigcache_stats(struct hl_sigcache *c, uint64_t *verified, uint64_t *hits)
{
	*verified = *hits = 0;
	if (c == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	*verified = c->verified;
	*hits = c->hits;
	pthread_mutex_unlock(&c->mu);
}

/* The cache key: SHA-256 over everything the check depended on. */
static int
cache_key(enum hl_sigbatch_kind kind, unsigned count, const uint8_t root[HL_SHA256],
    const uint8_t sig[HL_ED25519_SIG], const uint8_t pub[HL_ED25519_PUB],
    uint8_t out[HL_SHA256])
{
	uint8_t m[1 + 2 + HL_SHA256 + HL_ED25519_SIG + HL_ED25519_PUB];
	unsigned int olen = 0;

	m[0] = (uint8_t)kind;
	m[1] = (uint8_t)(count >> 8);
	m[2] = (uint8_t)count;
	memcpy(m + 3, root, HL_SHA256);
	memcpy(m + 3 + HL_SHA256, sig, HL_ED25519_SIG);
	memcpy(m + 3 + HL_SHA256 + HL_ED25519_SIG, pub, HL_ED25519_PUB);
	if (EVP_Digest(m, sizeof(m), out, &olen, EVP_sha256(), NULL) != 1 || olen != HL_SHA256)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

static int
cache_lookup(struct hl_sigcache *c, const uint8_t key[HL_SHA256])
{
	unsigned i;
	int found = 0;

	pthread_mutex_lock(&c->mu);
	for (i = 0; i < c->used && !found; i++)
		found = memcmp(c->keys[i], key, HL_SHA256) == 0;   /* not secret */
	if (found)
		c->hits++;
	pthread_mutex_unlock(&c->mu);
	return found;
}

static void
cache_insert(struct hl_sigcache *c, const uint8_t key[HL_SHA256])
{
	pthread_mutex_lock(&c->mu);
	memcpy(c->keys[c->next], key, HL_SHA256);
	c->next = (c->next + 1) % c->n;
	if (c->used < c->n)
		c->used++;
	c->verified++;
	pthread_mutex_unlock(&c->mu);
}

int
hl_sigbatch_verify(struct hl_sigcache *cache, enum hl_sigbatch_kind kind, const uint8_t *raw,
    size_t signed_len, const struct hl_batch_sig *bs, const uint8_t sig[static HL_ED25519_SIG],
    const uint8_t pub[static HL_ED25519_PUB])
{
	uint8_t leaf[HL_SHA256], root[HL_SHA256], dg[64], key[HL_SHA256];
	int r;

	if (kind >= HL_SIGBATCH_KINDS || signed_len == 0 || !hl_batch_sig_valid(bs))
		return HL_ERR_INVALID;
	if ((r = leaf_of(kind, raw, signed_len, leaf)) != HL_OK)
		return r;
	if ((r = hl_merkle_inclusion_root(bs->index, bs->count, leaf,
	    (const uint8_t (*)[HL_MERKLE_HASH])bs->path, bs->npath, root)) != HL_OK)
		return r == HL_ERR_INVALID ? HL_ERR_BAD_SIGNATURE : r;
	if (cache != NULL) {
		if ((r = cache_key(kind, bs->count, root, sig, pub, key)) != HL_OK)
			return r;
		if (cache_lookup(cache, key))
			return HL_OK;
	}
	if ((r = hl_batch_root_digest(kind == HL_SIGBATCH_RECEIPT, bs->count, root, dg)) != HL_OK ||
	    (r = hl_verify_sig(pub, kind_ctx[kind], dg, sig)) != HL_OK)
		return r;
	if (cache != NULL)
		cache_insert(cache, key);
	return HL_OK;
}
