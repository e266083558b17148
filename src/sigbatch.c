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
	HL_SIGN_ENVELOPE_BATCH, HL_SIGN_RECEIPT_BATCH, HL_SIGN_ENVELOPE_BATCH,
	HL_SIGN_RECEIPT_BATCH,
};

static int
is_receipt(unsigned kind)
{
	return kind == HL_SIGBATCH_RECEIPT || kind == HL_SIGBATCH_RECEIPT_HYBRID;
}

static int
is_hybrid(unsigned kind)
{
	return kind == HL_SIGBATCH_ENVELOPE_HYBRID || kind == HL_SIGBATCH_RECEIPT_HYBRID;
}

static int
leaf_of(enum hl_sigbatch_kind kind, const uint8_t *raw, size_t len, uint8_t out[HL_SHA256])
{
	return is_receipt(kind) ? hl_receipt_leaf(raw, len, out) : hl_envelope_leaf(raw, len, out);
}

/* The root's signature: Ed25519 (version 2) or of suite (version 3). */
static int
sign_root(struct hl_keys *k, enum hl_sigbatch_kind kind, int suite, unsigned count,
    const uint8_t root[HL_SHA256], uint8_t sig[HL_HYBSIG_MAX_BYTES], size_t *siglen)
{
	uint8_t dg[64];
	int r;

	*siglen = 0;
	if ((r = hl_batch_root_digest(is_receipt(kind), count, root, dg)) != HL_OK)
		return r;
	if (!is_hybrid(kind)) {
		if ((r = hl_keys_sign(k, kind_ctx[kind], dg, sig)) == HL_OK)
			*siglen = HL_ED25519_SIG;
		return r;
	}
	if (hl_sig_suite_mldsa(suite) <= 0)
		return HL_ERR_INVALID;
	return hl_keys_hybsign(k, suite, kind_ctx[kind], dg, sig, HL_HYBSIG_MAX_BYTES, siglen);
}

void
hl_sigbatch_init(struct hl_sigbatch *b)
{
	unsigned i;

	for (i = 0; i < HL_SIGBATCH_KINDS; i++) {
		b->n[i] = 0;
		b->suite[i] = 0;
	}
}

int
hl_sigbatch_has_room(const struct hl_sigbatch *b, enum hl_sigbatch_kind kind)
{
	return kind < HL_SIGBATCH_KINDS && b->n[kind] < HL_SIGBATCH_MAX;
}

int
hl_sigbatch_add(struct hl_sigbatch *b, enum hl_sigbatch_kind kind, int suite, uint8_t **raw,
    size_t *rawlen, int *result)
{
	struct hl_sigbatch_item *it;
	int r;

	if (!hl_sigbatch_has_room(b, kind))
		return HL_ERR_FULL;
	if (is_hybrid(kind) && b->n[kind] > 0 && b->suite[kind] != suite)
		return HL_ERR_FULL;
	if (raw == NULL || *raw == NULL || rawlen == NULL || result == NULL)
		return HL_ERR_INVALID;
	it = &b->items[kind][b->n[kind]];
	if ((r = leaf_of(kind, *raw, *rawlen, it->leaf)) != HL_OK)
		return r;
	it->raw = raw;
	it->rawlen = rawlen;
	it->result = result;
	if (is_hybrid(kind))
		b->suite[kind] = suite;
	b->n[kind]++;
	return HL_OK;
}

/* Append item i's block (index i of n, its path, sig) to its bytes. */
static int
append_block(struct hl_sigbatch_item *it, const uint8_t (*leaves)[HL_SHA256], unsigned i,
    unsigned n, const uint8_t *sig, size_t siglen)
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
	hl_buf_init(&b, hl_batch_sig_size(HL_SIGBATCH_DEPTH_MAX) + HL_HYBSIG_MAX_BYTES);
	hl_batch_sig_encode(&bs, sig, siglen, &b);
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
	uint8_t lv[HL_SIGBATCH_MAX][HL_SHA256], root[HL_SHA256], sig[HL_HYBSIG_MAX_BYTES];
	size_t siglen = 0;
	unsigned kind, i, n;
	int r;

	for (kind = 0; kind < HL_SIGBATCH_KINDS; kind++) {
		if ((n = b->n[kind]) == 0)
			continue;
		for (i = 0; i < n; i++)
			memcpy(lv[i], b->items[kind][i].leaf, HL_SHA256);
		r = hl_merkle_root((const uint8_t (*)[HL_MERKLE_HASH])lv, n, root);
		if (r == HL_OK)
			r = sign_root(k, (enum hl_sigbatch_kind)kind, b->suite[kind], n, root, sig,
			    &siglen);
		for (i = 0; i < n; i++) {
			struct hl_sigbatch_item *it = &b->items[kind][i];
			int ri = r == HL_OK ? append_block(it, (const uint8_t (*)[HL_SHA256])lv, i,
			    n, sig, siglen) : r;

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
hl_sigbatch_sign_one(struct hl_keys *k, enum hl_sigbatch_kind kind, int suite, uint8_t **raw,
    size_t *rawlen)
{
	struct hl_sigbatch_item it = { .raw = raw, .rawlen = rawlen };
	uint8_t sig[HL_HYBSIG_MAX_BYTES];
	size_t siglen = 0;
	int r;

	/* a tree of one leaf: the root is the leaf, the path is empty */
	if (kind >= HL_SIGBATCH_KINDS || raw == NULL || *raw == NULL || rawlen == NULL)
		return HL_ERR_INVALID;
	if ((r = leaf_of(kind, *raw, *rawlen, it.leaf)) != HL_OK ||
	    (r = sign_root(k, kind, suite, 1, it.leaf, sig, &siglen)) != HL_OK)
		return r;
	return append_block(&it, (const uint8_t (*)[HL_SHA256])it.leaf, 0, 1, sig, siglen);
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

/* The cache key: SHA-256 over everything the check depended on: kind,
 * count, root, the signature and every key it may have been checked with. */
static int
cache_key(enum hl_sigbatch_kind kind, unsigned count, const uint8_t root[HL_SHA256],
    const uint8_t *sig, size_t siglen, const struct hl_signer *s, uint8_t out[HL_SHA256])
{
	EVP_MD_CTX *mc;
	uint8_t m[3 + 4];
	unsigned int olen = 0, i;
	int ok;

	m[0] = (uint8_t)kind;
	m[1] = (uint8_t)(count >> 8);
	m[2] = (uint8_t)count;
	m[3] = (uint8_t)s->suite;
	m[4] = (uint8_t)s->npk;
	m[5] = (uint8_t)s->allow_classical;
	m[6] = (uint8_t)(siglen >> 8);
	if ((mc = EVP_MD_CTX_new()) == NULL)
		return HL_ERR_NOMEM;
	ok = EVP_DigestInit_ex(mc, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(mc, m, sizeof(m)) == 1 &&
	    EVP_DigestUpdate(mc, root, HL_SHA256) == 1 &&
	    EVP_DigestUpdate(mc, sig, siglen) == 1 &&
	    EVP_DigestUpdate(mc, s->ed, sizeof(s->ed)) == 1;
	for (i = 0; ok && i < s->npk && i < HL_SIGNER_MLDSA_KEYS; i++)
		ok = EVP_DigestUpdate(mc, s->pk[i], s->pk_len[i]) == 1;
	ok = ok && EVP_DigestFinal_ex(mc, out, &olen) == 1 && olen == HL_SHA256;
	EVP_MD_CTX_free(mc);
	return ok ? HL_OK : HL_ERR_CRYPTO;
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
    size_t signed_len, const struct hl_batch_sig *bs, const uint8_t *sig, size_t siglen,
    const struct hl_signer *s)
{
	uint8_t leaf[HL_SHA256], root[HL_SHA256], dg[64], key[HL_SHA256];
	int r;

	if (kind >= HL_SIGBATCH_KINDS || signed_len == 0 || !hl_batch_sig_valid(bs) ||
	    sig == NULL || s == NULL || (!is_hybrid(kind) && siglen != HL_ED25519_SIG))
		return HL_ERR_INVALID;
	/* an Ed25519-only root from a signer that announced ML-DSA: refused
	 * (downgrade), whatever its signature */
	if (!is_hybrid(kind) && !s->allow_classical)
		return HL_ERR_DENIED;
	if ((r = leaf_of(kind, raw, signed_len, leaf)) != HL_OK)
		return r;
	if ((r = hl_merkle_inclusion_root(bs->index, bs->count, leaf,
	    (const uint8_t (*)[HL_MERKLE_HASH])bs->path, bs->npath, root)) != HL_OK)
		return r == HL_ERR_INVALID ? HL_ERR_BAD_SIGNATURE : r;
	if (cache != NULL) {
		if ((r = cache_key(kind, bs->count, root, sig, siglen, s, key)) != HL_OK)
			return r;
		if (cache_lookup(cache, key))
			return HL_OK;
	}
	if ((r = hl_batch_root_digest(is_receipt(kind), bs->count, root, dg)) != HL_OK)
		return r;
	r = is_hybrid(kind) ? hl_signer_verify(s, kind_ctx[kind], dg, sig, siglen) :
	    hl_verify_sig(s->ed, kind_ctx[kind], dg, sig);
	if (r != HL_OK)
		return r;
	if (cache != NULL)
		cache_insert(cache, key);
	return HL_OK;
}
