/* keys.h: the node's private keys, behind the small request interface the
 * key-keeper process will answer once privilege separation lands (issue 7).
 * Nothing outside keys.c touches a private key. */
#ifndef HL_KEYS_H
#define HL_KEYS_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"
#include "signctx.h"

struct hl_keys;

/* Load the Ed25519 node key (PEM, must be 0600 and owned by us) and the KEM
 * key directory (created if missing, 0700; files 0600). Creates a first KEM
 * key pair when none exists. Caller frees with hl_keys_free(). */
HL_WUR int hl_keys_open(const char *sign_key_path, const char *kem_dir,
    struct hl_keys **out, char *err, size_t errlen);
void hl_keys_free(struct hl_keys *k);

/* ---- privilege separation (keeper.h) ---- */
/* A proxy that holds no secret: every operation needing a private key is a
 * request to the key keeper on fd (not owned: the caller closes it). The
 * kem_dir arguments of rotate/erase_before are ignored (the keeper uses its
 * own). On error err says why. */
HL_WUR int hl_keys_remote(int fd, struct hl_keys **out, char *err, size_t errlen);
/* From now on hl_keys_open in this process returns hl_keys_remote(fd) and
 * reads no key file (hotlined calls it after forking the keeper). */
void hl_keys_set_keeper(int fd);
/* Key files and the KEM directory must be owned by uid (default: the
 * effective uid); files and the directory created while running as root are
 * given to uid:gid. Used by the keeper before it drops root. */
void hl_keys_set_owner(uid_t uid, gid_t gid);

/* Ed25519 signature over ctx-specific 64-byte digest. */
HL_WUR int hl_keys_sign(struct hl_keys *k, enum hl_sign_ctx ctx,
    const uint8_t digest[static 64], uint8_t sig[static HL_ED25519_SIG]);
/* Our Ed25519 public key. */
void hl_keys_sign_pub(const struct hl_keys *k, uint8_t pub[static HL_ED25519_PUB]);

/* Current KEM epoch and public key for a suite (see envelope.h hl_desc_key).
 * OUT: *pub points into k, valid until the next rotation. */
HL_WUR int hl_keys_kem_current(const struct hl_keys *k, uint8_t suite,
    uint32_t *epoch, const uint8_t **pub, size_t *publen);
/* Recover the 32-byte content key from one wrap addressed to us. */
HL_WUR int hl_keys_unwrap(struct hl_keys *k, uint8_t suite, uint32_t epoch,
    const uint8_t id[static HL_ID_BYTES], const char *my_node,
    const uint8_t *wrap, size_t wraplen, uint8_t ck[static HL_AES_KEY]);

/* Wrap the content key ck for the recipient node holding KEM public key pub
 * (suite layout, docs/PROTOCOL.md); appends the wrap to out. Needs no
 * private key; lives here so each suite's wrap and unwrap sit together.
 * k: NULL, or our keys, whose KEM sessions (kemcache.h) the hybrid suites
 * reuse: then id must be fresh (never a re-seal under an old id). */
HL_WUR int hl_keys_wrap(struct hl_keys *k, uint8_t suite, const uint8_t *pub, size_t publen,
    const uint8_t id[static HL_ID_BYTES], const char *node,
    const uint8_t ck[static HL_AES_KEY], struct hl_buf *out);
/* Counters of the KEM sessions: sealing (this process) and opening (this
 * process; under privsep the key keeper's are not seen here). */
struct hl_kem_cache_stats;
void hl_keys_session_stats(struct hl_keys *k, struct hl_kem_cache_stats *sent,
    struct hl_kem_cache_stats *received);

/* The hybrid combiner (docs/PROTOCOL.md, "Hybrid key wrap"): KWK =
 * SHA3-256(label || u8 suite || ss_m || ss_x || ct_x || ct_m || pk_x || pk_m
 * || id || u8 len || node). Exposed for the test vector. */
HL_WUR int hl_keys_hybrid_combine(uint8_t suite, const uint8_t ss_m[static 32],
    const uint8_t ss_x[static 32], const uint8_t ct_x[static 32], const uint8_t *ct_m,
    size_t ct_m_len, const uint8_t pk_x[static 32], const uint8_t *pk_m, size_t pk_m_len,
    const uint8_t id[static HL_ID_BYTES], const char *node, uint8_t kwk[static HL_AES_KEY]);

/* ---- KEM key rotation ---- */
struct hl_kem_info {
	uint8_t suite;
	uint32_t epoch;
	uint64_t created_ms;    /* when the key pair was made (file time) */
};
/* Newest epoch held (every suite rotates together). */
uint32_t hl_keys_epoch(const struct hl_keys *k);
/* Creation time of the newest epoch. */
uint64_t hl_keys_epoch_created_ms(const struct hl_keys *k);
/* New key pairs for every suite at newest epoch + 1, written 0600 and synced.
 * OUT: *epoch. */
HL_WUR int hl_keys_rotate(struct hl_keys *k, const char *kem_dir, uint32_t *epoch,
    char *err, size_t errlen);
/* Wipe and unlink every key pair of an epoch < keep_from (never the newest).
 * OUT: *erased (key pairs erased). */
HL_WUR int hl_keys_erase_before(struct hl_keys *k, const char *kem_dir, uint32_t keep_from,
    unsigned *erased);
/* Key pairs held, oldest first. Returns how many were written to out. */
size_t hl_keys_list(const struct hl_keys *k, struct hl_kem_info *out, size_t max);

/* ---- ML-DSA signing keys: the second half of hybrid signatures (hybsig.h,
 * docs/PROTOCOL.md "Hybrid signatures") ----
 * One long-lived key pair per parameter set (HL_MLDSA_65, HL_MLDSA_87),
 * each kept as its 32-byte seed in <kem_dir>/mldsa65.key, mldsa87.key,
 * sealed like the other key files (0600, synced), created at hl_keys_open
 * when missing. Under privilege separation they stay in the key keeper. */
struct hl_sigkey_info {
	int param;                    /* HL_MLDSA_65, HL_MLDSA_87 */
	uint8_t fp[32];               /* SHA-256 of the public key */
	uint64_t created_ms;          /* when the key pair was made (file time) */
};
/* A signature of suite (enum hl_sig_suite, hybsig.h) over the 64-byte
 * digest in ctx, made with our Ed25519 key and the suite's ML-DSA key
 * (hedged). HL_SUITE_ED25519 gives the 65-byte classical form. OUT: out
 * (hl_hybsig_len(suite) bytes, at most cap), *outlen. */
HL_WUR int hl_keys_hybsign(struct hl_keys *k, int suite, enum hl_sign_ctx ctx,
    const uint8_t digest[static 64], uint8_t *out, size_t cap, size_t *outlen);
/* Our ML-DSA public key of param, copied to pub (cap bytes). OUT: *len.
 * HL_ERR_NOT_FOUND when we hold none, HL_ERR_INVALID for another param. */
HL_WUR int hl_keys_mldsa_pub(const struct hl_keys *k, int param, uint8_t *pub, size_t cap,
    size_t *len);
/* Replace the key pair of param by a new one: the new seed is written and
 * synced before the old one is wiped and replaced. */
HL_WUR int hl_keys_rotate_sig(struct hl_keys *k, int param, char *err, size_t errlen);
/* The ML-DSA key pairs held (65 first). Returns how many were written. */
size_t hl_keys_sig_list(const struct hl_keys *k, struct hl_sigkey_info *out, size_t max);

/* Verify an Ed25519 signature made by a public key (raw 32 bytes) over the
 * digest in context ctx (the same ctx hl_keys_sign was given). */
HL_WUR int hl_verify_sig(const uint8_t pub[static HL_ED25519_PUB], enum hl_sign_ctx ctx,
    const uint8_t digest[static 64], const uint8_t sig[static HL_ED25519_SIG]);

#endif
