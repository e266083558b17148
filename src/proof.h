/* proof.h: checking an audit inclusion-proof bundle, the JSON that
 * `hotline audit prove` prints and `hotline audit check-proof` reads
 * (docs/internals/audit.md). */
#ifndef HL_PROOF_H
#define HL_PROOF_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "keys.h"
#include "merkle.h"

#define HL_PROOF_MAX_BYTES (16u * 1024 * 1024)

/* Check the bundle text[len] (untrusted) against the certificate of node
 * (its Ed25519 key pub): the signed checkpoint, then every entry's leaf
 * hash and inclusion proof (and, when the bundle names an envelope, that
 * every entry is about it). HL_OK with the checkpoint in *c and the count
 * in *nentries; otherwise HL_ERR_MALFORMED / TOO_BIG / AUTH /
 * BAD_SIGNATURE / CRYPTO and a one-line reason in err. */
/* A node's own signer for its checkpoints: its certificate's key pub and,
 * when desc (its descriptor, desc_len bytes; may be NULL) verifies under
 * that key, the ML-DSA keys it announces. Version 1 checkpoints (before
 * hybrid signatures) stay accepted. HL_ERR_BAD_SIGNATURE when desc is
 * given but is not the node's. */
HL_WUR int hl_proof_signer(const uint8_t *desc, size_t desc_len,
    const uint8_t pub[static HL_ED25519_PUB], struct hl_signer *out);
/* The bundle may carry "descriptor" (hex): the node's, for its ML-DSA keys. */
HL_WUR int hl_proof_check(const uint8_t *text, size_t len, const char *node,
    const uint8_t pub[static HL_ED25519_PUB], struct hl_checkpoint *c, size_t *nentries,
    char *err, size_t errlen);

#endif
