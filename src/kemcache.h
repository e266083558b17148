/* kemcache.h: KEM sessions (docs/SECURITY.md "KEM sessions"). The origin
 * encapsulates to a recipient's KEM key once per session and keeps the
 * ciphertexts and shared secrets; the recipient keeps what it decapsulated
 * for the same ciphertexts; each envelope's key-wrapping key is still its
 * own (the hybrid combiner hashes in the envelope id), so the wire format
 * does not change. A session ends HL_KEM_SESSION_MS after it began or
 * after HL_KEM_SESSION_USES envelopes, whichever comes first; its secrets
 * are wiped then, on eviction and at free. Thread-safe (one mutex): the
 * crypto workers share one cache per node and role. */
#ifndef HL_KEMCACHE_H
#define HL_KEMCACHE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "mlkem.h"

#define HL_KEM_SESSION_MS (10u * 60 * 1000)   /* a session's longest life */
#define HL_KEM_SESSION_USES 10000u              /* envelopes per session at most */
#define HL_KEM_CACHE_SLOTS 256                  /* sessions held; the oldest goes first */

struct hl_kem_cache;

/* What a session holds: the hybrid ciphertexts and their shared secrets. */
struct hl_kem_secret {
	uint8_t ct_x[32];
	uint8_t ct_m[HL_MLKEM_MAX_CT_BYTES];
	size_t ct_m_len;
	uint8_t ss_x[32];
	uint8_t ss_m[32];
};

struct hl_kem_cache_stats {
	uint64_t hits, misses, expired;
	size_t live;
};

/* OUT: *out. life_ms and max_uses bound each session (0: the defaults). */
HL_WUR int hl_kem_cache_new(uint64_t life_ms, uint64_t max_uses, struct hl_kem_cache **out);
/* Wipes every secret. Accepts NULL. */
void hl_kem_cache_free(struct hl_kem_cache *c);
/* The live session under key (a 32-byte digest naming it): 1 with a copy
 * in *s (the caller wipes it) and one use counted; 0 when there is none,
 * or it has ended (then it is wiped). */
int hl_kem_cache_get(struct hl_kem_cache *c, const uint8_t key[static 32], uint64_t now_ms,
    struct hl_kem_secret *s);
/* A new session under key, begun at now_ms (replacing one of the same key;
 * when full, the oldest is wiped to make room). */
void hl_kem_cache_put(struct hl_kem_cache *c, const uint8_t key[static 32], uint64_t now_ms,
    const struct hl_kem_secret *s);
/* End every session now (a KEM key was erased). */
void hl_kem_cache_clear(struct hl_kem_cache *c);
void hl_kem_cache_stats(struct hl_kem_cache *c, struct hl_kem_cache_stats *st);

#endif
