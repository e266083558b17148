/* sigbatch.h: batch signatures (docs/PROTOCOL.md, "Batch signatures").
 *
 * A crypto worker that runs several jobs at once collects the version 2
 * envelopes and receipts they produce in one hl_sigbatch, then signs one
 * RFC 9162 Merkle root per kind with the node's key (one call to the key
 * keeper) and gives each item its inclusion path. Each item stays
 * verifiable on its own: leaf, path, root, signature.
 *
 * The verifier's side, hl_sigcache, remembers roots whose signature has
 * been checked, keyed by signer key, kind, count, root and signature bytes,
 * so the second and later items of a batch cost a few hashes. The cache is
 * shared by the crypto workers under its own mutex. */
#ifndef HL_SIGBATCH_H
#define HL_SIGBATCH_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "hybsig.h"
#include "errors.h"
#include "keys.h"

/* Versions 2 (Ed25519 roots) and 3 (hybrid roots, hybsig.h) batch apart. */
enum hl_sigbatch_kind {
	HL_SIGBATCH_ENVELOPE = 0,
	HL_SIGBATCH_RECEIPT = 1,
	HL_SIGBATCH_ENVELOPE_HYBRID = 2,
	HL_SIGBATCH_RECEIPT_HYBRID = 3,
	HL_SIGBATCH_KINDS = 4,
};

/* One item waiting for its signature: *raw holds the item's signed bytes
 * [0, *rawlen) (hl_malloc'd); finish appends the signature block, or frees
 * *raw and sets *result to the error. */
struct hl_sigbatch_item {
	uint8_t leaf[HL_SHA256];
	uint8_t **raw;
	size_t *rawlen;
	int *result;
};

struct hl_sigbatch {
	struct hl_sigbatch_item items[HL_SIGBATCH_KINDS][HL_SIGBATCH_MAX];
	unsigned n[HL_SIGBATCH_KINDS];
	int suite[HL_SIGBATCH_KINDS];  /* hybrid kinds: the suite of the items held */
};

void hl_sigbatch_init(struct hl_sigbatch *b);
/* Room for one more item of kind? (else the caller signs it alone) */
int hl_sigbatch_has_room(const struct hl_sigbatch *b, enum hl_sigbatch_kind kind);
/* Add an item, to be signed in suite (enum hl_sig_suite; hybrid kinds
 * only, ignored for the others); HL_ERR_FULL when the kind's batch is full
 * or holds items of another suite. */
HL_WUR int hl_sigbatch_add(struct hl_sigbatch *b, enum hl_sigbatch_kind kind, int suite,
    uint8_t **raw, size_t *rawlen, int *result);
/* Sign each kind's root, append every item's block. Errors go to the
 * items' result. OUT (may be NULL): roots signed and leaves they cover. */
void hl_sigbatch_finish(struct hl_sigbatch *b, struct hl_keys *k, uint64_t *roots,
    uint64_t *leaves);
/* A batch of one, now: *raw gets its block (a root that is its own leaf). */
HL_WUR int hl_sigbatch_sign_one(struct hl_keys *k, enum hl_sigbatch_kind kind, int suite,
    uint8_t **raw, size_t *rawlen);

/* ---- verification ---- */

struct hl_sigcache;

/* entries: how many roots to remember (oldest forgotten first). */
HL_WUR int hl_sigcache_new(unsigned entries, struct hl_sigcache **out);
void hl_sigcache_free(struct hl_sigcache *c);
void hl_sigcache_stats(struct hl_sigcache *c, uint64_t *verified, uint64_t *hits);

/* Verify a version 2 or 3 item: leaf of raw[0, signed_len), its path in bs
 * to a root, and sig (siglen bytes: Ed25519 for the version 2 kinds, which
 * s must allow, else a hybrid signature) over that root by s (or a cached
 * earlier check of the same root, signature and keys). cache may be NULL. */
HL_WUR int hl_sigbatch_verify(struct hl_sigcache *cache, enum hl_sigbatch_kind kind,
    const uint8_t *raw, size_t signed_len, const struct hl_batch_sig *bs,
    const uint8_t *sig, size_t siglen, const struct hl_signer *s);

#endif
