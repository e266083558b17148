/* revoke.h: revocation notices (docs/PROTOCOL.md "Revocation notices"). A
 * partner's CA revokes one certificate it issued (a node's TLS or signing
 * certificate) with a notice it signs; any node verifies it against the
 * CA it pins for that partner, applies it at once (links with that
 * certificate closed and refused, descriptors carrying it refused) and
 * passes it on to its peers, so that it reaches the whole federation.
 *
 *     "HLREVOKE" | u8 version 1 | str8 partner | str8 node |
 *     32-byte SHA-256 of the revoked certificate's DER | u64 time (ms) |
 *     str8 reason | 64-byte Ed25519 signature
 *
 * The signature is the CA key's over "hotline revocation v1" | 0x00 | every
 * byte before it. A codec: no I/O. */
#ifndef HL_REVOKE_H
#define HL_REVOKE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/x509.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"

#define HL_REVOKE_MAGIC "HLREVOKE"
#define HL_REVOKE_REASON_MAX 200
#define HL_REVOKE_SIG 64
#define HL_REVOKE_MAX_BYTES (8 + 1 + 1 + HL_PARTNER_MAX + 1 + HL_NODE_NAME_MAX + 32 + 8 + 1 + \
	HL_REVOKE_REASON_MAX + HL_REVOKE_SIG)
#define HL_REVOCATIONS_MAX 1024       /* a node keeps at most this many */

struct hl_revocation {
	char partner[HL_PARTNER_MAX + 1];
	char node[HL_NODE_NAME_MAX + 1];   /* the node the certificate names */
	uint8_t cert_sha256[32];
	uint64_t time_ms;
	char reason[HL_REVOKE_REASON_MAX + 1];
	uint8_t sig[HL_REVOKE_SIG];
	size_t signed_len;                 /* bytes covered by sig (decode) */
};

/* Parse a notice: exact layout, the node a node of partner, nothing after
 * the signature. Does not verify it. HL_ERR_MALFORMED, HL_ERR_VERSION,
 * HL_ERR_TOO_BIG. OUT: *out. */
HL_WUR int hl_revocation_decode(const uint8_t *p, size_t len, struct hl_revocation *out);
/* Sign r (its fields) with the CA's key. OUT: out, the whole notice. */
HL_WUR int hl_revocation_sign(struct hl_revocation *r, EVP_PKEY *ca_key, struct hl_buf *out);
/* Does the signature of the notice p[0..len) (decoded into r) verify with
 * ca's key? HL_OK or HL_ERR_BAD_SIGNATURE. */
HL_WUR int hl_revocation_verify(const struct hl_revocation *r, const uint8_t *p, size_t len,
    X509 *ca);

#endif
