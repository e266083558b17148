/* merkle.h: the audit log as an RFC 9162 (Certificate Transparency v2)
 * Merkle tree, and the signed checkpoints ("tree heads") over it. Pure: no
 * I/O, no clock, no private keys. docs/internals/audit.md explains the
 * design, docs/PROTOCOL.md "Audit checkpoints" the checkpoint layout. */
#ifndef HL_MERKLE_H
#define HL_MERKLE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"
#include "hybsig.h"

#define HL_MERKLE_HASH HL_SHA256
/* A proof for a tree of at most 2^63 leaves has at most 63 hashes (inclusion)
 * or 64 (consistency). */
#define HL_MERKLE_PROOF_MAX 64
#define HL_CHECKPOINT_VERSION 1
#define HL_CHECKPOINT_VERSION_HYBRID 2
/* magic 4 + version 1 + str8 node (1 + 64) + size 8 + root 32 + time 8 + sig 64 */
#define HL_CHECKPOINT_MAX_BYTES 5120   /* version 2: an ML-DSA-87 hybrid signature */

/* One audit entry as the leaf encoding sees it. Strings are byte ranges
 * (not NUL-terminated); id is used only when has_id. */
struct hl_merkle_entry {
	uint64_t seq;
	uint64_t time_ms;
	const char *event;
	size_t event_len;
	int has_id;
	uint8_t id[HL_ID_BYTES];
	const char *actor;
	size_t actor_len;
	const char *detail;
	size_t detail_len;
};

/* The canonical entry bytes, appended to out:
 * u64 seq || u64 time_ms || u32 len || event || u8 has_id || id[16] (zeros
 * when has_id is 0) || u32 len || actor || u32 len || detail. */
HL_WUR int hl_merkle_entry_encode(const struct hl_merkle_entry *e, struct hl_buf *out);
/* leaf = SHA-256(0x00 || entry bytes). */
HL_WUR int hl_merkle_leaf_hash(const uint8_t *entry, size_t len,
    uint8_t out[static HL_MERKLE_HASH]);
/* leaf hash of an entry (encode + hash). */
HL_WUR int hl_merkle_entry_leaf(const struct hl_merkle_entry *e,
    uint8_t out[static HL_MERKLE_HASH]);
/* node = SHA-256(0x01 || left || right). out may alias left or right. */
HL_WUR int hl_merkle_node_hash(const uint8_t left[static HL_MERKLE_HASH],
    const uint8_t right[static HL_MERKLE_HASH], uint8_t out[static HL_MERKLE_HASH]);
/* MTH({}) = SHA-256(""). */
HL_WUR int hl_merkle_empty_root(uint8_t out[static HL_MERKLE_HASH]);

/* Compact frontier of an append-only tree: the roots of the perfect
 * subtrees that make up the first size leaves (one per set bit of size,
 * largest first). O(log n) memory; appending is amortised O(1) hashes. */
struct hl_merkle_frontier {
	uint64_t size;
	unsigned n;                                /* popcount(size) */
	uint8_t node[64][HL_MERKLE_HASH];
};
void hl_merkle_frontier_init(struct hl_merkle_frontier *f);
HL_WUR int hl_merkle_frontier_add(struct hl_merkle_frontier *f,
    const uint8_t leaf[static HL_MERKLE_HASH]);
/* MTH of the leaves added so far (RFC 9162 2.1.1). */
HL_WUR int hl_merkle_frontier_root(const struct hl_merkle_frontier *f,
    uint8_t out[static HL_MERKLE_HASH]);
/* Serialise: u64 size || n hashes (n = popcount(size)). The decoder checks
 * the exact length. */
HL_WUR int hl_merkle_frontier_encode(const struct hl_merkle_frontier *f, struct hl_buf *out);
HL_WUR int hl_merkle_frontier_decode(const uint8_t *p, size_t len, struct hl_merkle_frontier *f);

/* MTH over n leaf hashes (n may be 0). */
HL_WUR int hl_merkle_root(const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t n,
    uint8_t out[static HL_MERKLE_HASH]);

/* Inclusion proof (RFC 9162 2.1.3.1) of leaf index (0-based) in the tree of
 * the first n leaves. OUT: proof[*plen]; index < n, else HL_ERR_INVALID. */
HL_WUR int hl_merkle_inclusion_proof(const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t n,
    uint64_t index, uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH], size_t *plen);
/* RFC 9162 2.1.3.2. HL_OK when leaf is at index of the tree of size n with
 * root root; HL_ERR_BAD_SIGNATURE when the proof does not verify (any
 * length mismatch included); HL_ERR_INVALID for index >= n. */
/* The root that leaf at index of a tree of n leaves and its proof give
 * (the same walk, without the comparison); HL_ERR_BAD_SIGNATURE when the
 * proof's length does not fit (index, n). */
HL_WUR int hl_merkle_inclusion_root(uint64_t index, uint64_t n,
    const uint8_t leaf[static HL_MERKLE_HASH], const uint8_t (*proof)[HL_MERKLE_HASH],
    size_t plen, uint8_t root[static HL_MERKLE_HASH]);
HL_WUR int hl_merkle_inclusion_verify(uint64_t index, uint64_t n,
    const uint8_t leaf[static HL_MERKLE_HASH], const uint8_t (*proof)[HL_MERKLE_HASH],
    size_t plen, const uint8_t root[static HL_MERKLE_HASH]);

/* Consistency proof (RFC 9162 2.1.4.1) between the trees of the first m and
 * the first n leaves, 0 < m <= n (m == n: empty proof). */
HL_WUR int hl_merkle_consistency_proof(const uint8_t (*leaves)[HL_MERKLE_HASH], uint64_t m,
    uint64_t n, uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH], size_t *plen);
/* RFC 9162 2.1.4.2: HL_OK when old_root (size m) is a prefix of new_root
 * (size n); HL_ERR_BAD_SIGNATURE otherwise; HL_ERR_INVALID for m == 0 or
 * m > n. */
HL_WUR int hl_merkle_consistency_verify(uint64_t m, uint64_t n,
    const uint8_t old_root[static HL_MERKLE_HASH], const uint8_t new_root[static HL_MERKLE_HASH],
    const uint8_t (*proof)[HL_MERKLE_HASH], size_t plen);

/* ---- checkpoints: a node's signed statement of its audit tree head ---- */

struct hl_checkpoint {
	uint8_t version;
	char node[HL_NODE_NAME_MAX + 1];
	uint64_t size;                      /* tree size = audit entries 1..size */
	uint8_t root[HL_MERKLE_HASH];
	uint64_t time_ms;
	uint8_t sig[HL_ED25519_SIG];        /* version 1: Ed25519, HL_SIGN_CHECKPOINT, by node */
	struct hl_hsig hsig;                /* version 2 (hybsig.h), borrowed from the bytes */
	size_t signed_len;                  /* bytes [0, signed_len) are signed */
};

/* "HLCP" || u8 version || str8 node || u64 size || root[32] || u64 time_ms
 * || sig, appended to out: version 1 an Ed25519 sig[64], version 2 the
 * hybrid signature hsig (hl_hsig_placeholder for the signer to fill in).
 * Validates version and node name first. */
HL_WUR int hl_checkpoint_encode(const struct hl_checkpoint *c, struct hl_buf *out);
/* Strict: magic, version 1 or 2, valid node name, a hybrid suite (2),
 * exact length. Does not verify the signature. */
HL_WUR int hl_checkpoint_decode(const uint8_t *p, size_t len, struct hl_checkpoint *out);
/* SHA-512("hotline checkpoint v1" || 0x00 || p[0, signed_len)). */
HL_WUR int hl_checkpoint_digest(const uint8_t *p, size_t signed_len, uint8_t out[static 64]);
/* Decode raw, check its node is node (when node is not NULL) and its
 * signature by the signer s (a version 1 one only when s allows classical
 * signatures: HL_ERR_DENIED otherwise). OUT: *out. */
HL_WUR int hl_checkpoint_verify(const uint8_t *raw, size_t len, const char *node,
    const struct hl_signer *s, struct hl_checkpoint *out);

#endif
