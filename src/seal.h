/* seal.h: building and opening envelopes, receipts and descriptors with the
 * node's keys (AES-256-GCM content, per-recipient key wrap, Ed25519). */
#ifndef HL_SEAL_H
#define HL_SEAL_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "keys.h"
#include "sigbatch.h"

struct hl_seal_recipient {
	const char *node;        /* "KOR/node-1" */
	uint32_t epoch;          /* descriptor epoch of pub */
	const uint8_t *pub;      /* recipient KEM public key for the suite */
	size_t publen;
};

struct hl_seal_params {
	uint8_t suite;
	uint8_t flags;
	uint8_t precedence;
	uint8_t content_type;
	uint64_t created_ms;
	uint64_t expires_ms;
	const char *origin;       /* our node name */
	const char *originator;   /* operator */
	const struct hl_label *label;
	unsigned nrecipients;
	const struct hl_seal_recipient *recipients;
	const uint8_t *id;        /* NULL: fresh random id; else re-seal under this id */
	/* 0 or HL_ENVELOPE_VERSION: signed alone; HL_ENVELOPE_VERSION_BATCH:
	 * a batch signature, in batch when given (the signature block is
	 * appended, or batch_result set, by hl_sigbatch_finish; until then
	 * *out holds the signed part only), else as a batch of one now */
	uint8_t version;
	int sig_suite;            /* HL_ENVELOPE_VERSION_HYBRID: the batch root's hybrid suite */
	struct hl_sigbatch *batch;
	int *batch_result;
};

/* Seal content into a new signed envelope with a fresh random id.
 * OUT: id; *out (caller frees with hl_free) of *outlen bytes. */
HL_WUR int hl_seal_envelope(struct hl_keys *k, const struct hl_seal_params *sp,
    const uint8_t *content, size_t content_len, uint8_t id[static HL_ID_BYTES],
    uint8_t **out, size_t *outlen);

/* Verify the origin's Ed25519 signature over a decoded envelope of version
 * 1 or 2; raw is the bytes it was decoded from. */
HL_WUR int hl_verify_envelope(const struct hl_envelope *e, const uint8_t *raw,
    const uint8_t origin_pub[static HL_ED25519_PUB]);
/* Any version, by the origin's keys s: version 1 and 2 (Ed25519 only) only
 * when s allows them (HL_ERR_DENIED otherwise), version 3 by its hybrid
 * suite. Remembers verified batch roots in cache (may be NULL). */
HL_WUR int hl_verify_envelope_cached(struct hl_sigcache *cache, const struct hl_envelope *e,
    const uint8_t *raw, const struct hl_signer *s);

/* Decrypt an envelope addressed to my_node. OUT: *content (caller frees with
 * hl_free_secret(*content, *len)). HL_ERR_NOT_FOUND if my_node has no wrap;
 * HL_ERR_DECRYPT if unwrap or AEAD fails. */
HL_WUR int hl_open_envelope(struct hl_keys *k, const struct hl_envelope *e,
    const uint8_t *raw, const char *my_node, uint8_t **content, size_t *len);

/* Fill r->sig (and signed_len) and encode; OUT: *out caller frees.
 * r->version HL_RECEIPT_VERSION_BATCH: a batch signature (of one);
 * HL_RECEIPT_VERSION_HYBRID: the same in the hybrid suite r->hsig.suite. */
HL_WUR int hl_seal_receipt(struct hl_keys *k, struct hl_receipt *r,
    uint8_t **out, size_t *outlen);
/* A version 2 receipt into batch (finished by hl_sigbatch_finish, which
 * sets *result on failure); a full batch: signed alone now. */
HL_WUR int hl_seal_receipt_batch(struct hl_keys *k, struct hl_receipt *r,
    struct hl_sigbatch *batch, int *result, uint8_t **out, size_t *outlen);
/* As for envelopes: hl_verify_receipt takes versions 1 and 2 by an
 * Ed25519 key, the cached form any version by the issuer's keys s. */
HL_WUR int hl_verify_receipt(const struct hl_receipt *r, const uint8_t *raw,
    const uint8_t pub[static HL_ED25519_PUB]);
HL_WUR int hl_verify_receipt_cached(struct hl_sigcache *cache, const struct hl_receipt *r,
    const uint8_t *raw, const struct hl_signer *s);

/* Our descriptor: cert DER + current KEM keys, signed. sig_suite
 * HL_SUITE_ED25519: version 1 (Ed25519); a hybrid suite: version 2, with
 * our ML-DSA key of that suite and prev_pk (prev_len bytes, may be NULL:
 * the key a rotation replaced, still announced for what it signed),
 * signed in that suite. OUT: *out caller frees. */
HL_WUR int hl_seal_descriptor(struct hl_keys *k, const char *node,
    const uint8_t *cert_der, size_t cert_len, uint64_t now_ms, uint64_t validity_ms,
    int sig_suite, const uint8_t *prev_pk, size_t prev_len, uint8_t **out, size_t *outlen);
/* Checks the descriptor's signature against the Ed25519 key in its own
 * certificate (and, version 2, the ML-DSA key it announces: the hybrid
 * signature binds that key to the certificate's) and its validity window
 * at now_ms; OUT: s (the cert key; version 2: suite and ML-DSA keys;
 * allow_classical 0). Chain validation of the certificate is the caller's
 * job (link.c). */
HL_WUR int hl_verify_descriptor(const struct hl_descriptor *d, const uint8_t *raw,
    uint64_t now_ms, struct hl_signer *s);

#endif
