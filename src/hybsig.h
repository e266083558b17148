/* hybsig.h: hybrid signatures, Ed25519 and ML-DSA side by side over one
 * domain-separated message that names the suite (docs/PROTOCOL.md "Hybrid
 * signatures"). A hybrid signature is valid only if both parts verify;
 * since both sign the suite's id, neither part can be stripped (a hybrid
 * made to look classical) or moved to another suite or context. No I/O;
 * the private keys stay with the caller (the key keeper). */
#ifndef HL_HYBSIG_H
#define HL_HYBSIG_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "buf.h"
#include "errors.h"
#include "mldsa.h"
#include "signctx.h"

enum hl_sig_suite {
	HL_SUITE_ED25519 = 1,          /* classical: old data, or where allowed */
	HL_SUITE_ED25519_MLDSA65 = 2,  /* the default */
	HL_SUITE_ED25519_MLDSA87 = 3   /* CNSA 2.0 */
};

#define HL_HYBSIG_ED25519_BYTES 64
#define HL_HYBSIG_MAX_BYTES (1 + HL_HYBSIG_ED25519_BYTES + HL_MLDSA_MAX_SIG_BYTES)
#define HL_HYBSIG_DIGEST_BYTES 64
/* "hotline-hybsig-v1" NUL suite ctx digest */
#define HL_HYBSIG_MSG_BYTES (18 + 1 + 1 + HL_HYBSIG_DIGEST_BYTES)

/* A hybrid signature inside an encoded item (envelopes and receipts of
 * version 3, descriptors, checkpoints and acknowledgements of version 2):
 * its first byte names a hybrid suite, which fixes its length. Borrowed
 * from the input. */
struct hl_hsig {
	uint8_t suite;                 /* enum hl_sig_suite: 2 or 3 */
	const uint8_t *p;              /* hl_hybsig_len(suite) bytes, p[0] == suite */
	size_t len;
};
/* Read one from rd: HL_ERR_MALFORMED unless a hybrid suite and its bytes. */
HL_WUR int hl_hsig_read(struct hl_rd *rd, struct hl_hsig *out);
/* Append h (its suite and length checked): HL_ERR_INVALID otherwise. */
HL_WUR int hl_hsig_put(const struct hl_hsig *h, struct hl_buf *out);
/* A zero signature of suite's length (but its suite byte) to encode an item
 * before it is signed; all zero h for a suite that is not hybrid. */
void hl_hsig_placeholder(int suite, struct hl_hsig *h);

/* A signer's public keys as a verifier knows them: the Ed25519 key of its
 * certificate and, once its descriptor announced them, its ML-DSA keys
 * (the current one first; the one before a rotation second). */
#define HL_SIGNER_MLDSA_KEYS 2
struct hl_signer {
	uint8_t ed[32];
	int suite;                        /* enum hl_sig_suite it announced, 0: none */
	unsigned npk;                     /* ML-DSA keys, 0 .. HL_SIGNER_MLDSA_KEYS */
	uint8_t pk[HL_SIGNER_MLDSA_KEYS][HL_MLDSA_MAX_PK_BYTES];
	size_t pk_len[HL_SIGNER_MLDSA_KEYS];
	int allow_classical;              /* its Ed25519-only signatures are accepted */
};
/* A signer known by its Ed25519 key alone, whose classical signatures are
 * accepted (old data, tests, peers of a release without ML-DSA). */
void hl_signer_classical(struct hl_signer *s, const uint8_t ed[static 32]);
/* Verify the hybrid signature sig (len bytes, untrusted) of digest in ctx
 * by s: its suite must be the one s announced and both parts must verify
 * under s's Ed25519 key and one of its ML-DSA keys. A classical-suite
 * signature is HL_ERR_DENIED (the old formats carry those). */
HL_WUR int hl_signer_verify(const struct hl_signer *s, enum hl_sign_ctx ctx,
    const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES], const uint8_t *sig, size_t len);

/* Pure Ed25519 (RFC 8032) verification of sig over m[mlen] under a raw
 * public key: HL_OK, HL_ERR_BAD_SIGNATURE, HL_ERR_NOMEM. */
HL_WUR int hl_ed25519_verify(const uint8_t pub[static 32], const uint8_t sig[static 64],
    const uint8_t *m, size_t mlen);
/* "ed25519", "ed25519-mldsa65", "ed25519-mldsa87"; NULL for another. */
const char *hl_sig_suite_name(int suite);
/* The suite named, or HL_ERR_INVALID. */
int hl_sig_suite_parse(const char *name);
/* The ML-DSA parameter set of a hybrid suite (65, 87), 0 for classical,
 * HL_ERR_INVALID for no suite. */
int hl_sig_suite_mldsa(int suite);
/* Bytes of a signature of suite, 0 for no suite. */
size_t hl_hybsig_len(int suite);

/* The message both parts sign. OUT: m. HL_ERR_INVALID for no suite. */
HL_WUR int hl_hybsig_message(int suite, enum hl_sign_ctx ctx,
    const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES], uint8_t m[static HL_HYBSIG_MSG_BYTES]);
/* Sign digest in ctx with ed (an Ed25519 private key) and, for a hybrid
 * suite, the ML-DSA secret key (mldsa_sk, sk_len bytes; hedged). OUT:
 * out (hl_hybsig_len(suite) bytes, at most cap), *outlen. */
HL_WUR int hl_hybsig_sign(int suite, EVP_PKEY *ed, const uint8_t *mldsa_sk, size_t sk_len,
    enum hl_sign_ctx ctx, const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES], uint8_t *out,
    size_t cap, size_t *outlen);
/* Verify sig (len bytes, untrusted) of digest in ctx: HL_OK only when it
 * is exactly one suite's size, the suite is hybrid (or classical with
 * allow_classical) and both parts verify under ed_pub (32 bytes) and
 * mldsa_pk (pk_len bytes, the suite's size; unused for classical).
 * HL_ERR_MALFORMED (size, unknown suite), HL_ERR_DENIED (classical not
 * allowed), HL_ERR_INVALID (a key of the wrong size), HL_ERR_BAD_SIGNATURE.
 * OUT: *suite (may be NULL) on HL_OK. */
HL_WUR int hl_hybsig_verify(const uint8_t ed_pub[static 32], const uint8_t *mldsa_pk,
    size_t pk_len, int allow_classical, enum hl_sign_ctx ctx,
    const uint8_t digest[static HL_HYBSIG_DIGEST_BYTES], const uint8_t *sig, size_t len,
    int *suite);

#endif
