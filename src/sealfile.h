/* sealfile.h: secret files sealed at rest (docs/SECURITY.md, "Sealed key
 * files").
 *
 * The node's private keys (node.key, tls.key, the KEM keys under data/kem)
 * are written as sealed files: AES-256-GCM under a key-encryption key (KEK)
 * that is not on the node's disk. The KEK comes from the node's seal_key
 * source, read once at start:
 *
 *     file:PATH        a file of at least 32 bytes of random key material,
 *                      kept outside the node's directory (pki init writes
 *                      one per node under DIR/seal/)
 *     credential:NAME  the same, from $CREDENTIALS_DIRECTORY/NAME: a systemd
 *                      credential (LoadCredentialEncrypted=, which systemd-creds
 *                      binds to the TPM2 where the machine has one)
 *
 * The key material goes through HKDF-SHA256 ("hotline seal key v1"), so its
 * encoding does not matter. A sealed file is
 *
 *     magic "HLSEALED" | u8 version 1 | 12-byte nonce | ciphertext | 16-byte tag
 *
 * with the magic, the version and the file's role (its base name, so that
 * node.key cannot be swapped for tls.key) as additional data.
 *
 * The KEK is process-global: set once before any thread starts (the key
 * keeper inherits it at fork), wiped by the network process once it has
 * read its TLS keys. hl_seal_open / hl_seal_seal are codecs (no I/O). */
#ifndef HL_SEALFILE_H
#define HL_SEALFILE_H

#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "errors.h"

#define HL_SEAL_MAGIC "HLSEALED"
#define HL_SEAL_MAGIC_LEN 8
#define HL_SEAL_NONCE 12
#define HL_SEAL_TAG 16
#define HL_SEAL_OVERHEAD (HL_SEAL_MAGIC_LEN + 1 + HL_SEAL_NONCE + HL_SEAL_TAG)
#define HL_SEAL_KEK 32
#define HL_SEAL_MATERIAL_MIN 32      /* bytes of key material, at least */
#define HL_SEAL_FILE_MAX (64 * 1024) /* a sealed or clear secret file, at most */
#define HL_SEAL_SOURCE_MAX 4096      /* "file:PATH" / "credential:NAME" */
#define HL_SEAL_BUF_MAX (64u * 1024 * 1024) /* hl_seal_*_key: plaintext, at most */

/* Read the KEK from source ("file:PATH" or "credential:NAME"; the file
 * mode 0600 or stricter) and keep it for this process. */
HL_WUR int hl_seal_kek_load(const char *source, char *err, size_t errlen);
/* Set the KEK from key material directly (tests). */
HL_WUR int hl_seal_kek_set(const uint8_t *material, size_t len);
/* The KEK of key material, without keeping it (pki init). */
HL_WUR int hl_seal_derive(const uint8_t *material, size_t len, uint8_t out[static HL_SEAL_KEK]);
/* A key for another use of the KEK: HKDF-SHA256(kek, salt, info) (the
 * backup key, backup.h). */
HL_WUR int hl_seal_subkey(const uint8_t key[static HL_SEAL_KEK], const uint8_t *salt,
    size_t saltlen, const char *info, uint8_t out[static HL_SEAL_KEK]);
/* Forget the KEK (wiped). */
void hl_seal_kek_wipe(void);
/* 1 when a KEK is held. */
int hl_seal_have_kek(void);
/* Copy the KEK out (for an object that keeps its own, hl_keys).
 * HL_ERR_NOT_FOUND when none is held. */
HL_WUR int hl_seal_kek_get(uint8_t out[static HL_SEAL_KEK]);

/* 1 when p starts like a sealed file. */
int hl_seal_is_sealed(const uint8_t *p, size_t len);
/* Seal pt for a file whose base name is role. OUT: *out (hl_free_secret
 * not needed: it is ciphertext; hl_free), *outlen. HL_ERR_INVALID without
 * a KEK. */
HL_WUR int hl_seal_seal(const char *role, const uint8_t *pt, size_t len, uint8_t **out,
    size_t *outlen);
/* Open a sealed file's bytes. HL_ERR_INVALID without a KEK, HL_ERR_MALFORMED
 * for a bad layout, HL_ERR_VERSION, HL_ERR_DECRYPT for the wrong key, role
 * or an altered file. OUT: *pt (free with hl_free_secret(*pt, *ptlen)). */
HL_WUR int hl_seal_open(const char *role, const uint8_t *p, size_t len, uint8_t **pt,
    size_t *ptlen);

/* The same under an explicit key, for buffers up to HL_SEAL_BUF_MAX (the
 * store seals envelope contents with them, role "content <id>"). */
HL_WUR int hl_seal_seal_key(const uint8_t key[static HL_SEAL_KEK], const char *role,
    const uint8_t *pt, size_t len, uint8_t **out, size_t *outlen);
HL_WUR int hl_seal_open_key(const uint8_t key[static HL_SEAL_KEK], const char *role,
    const uint8_t *p, size_t len, uint8_t **pt, size_t *ptlen);

/* Open the bytes b of the sealed file at path under key (NULL: none held),
 * err saying why not in an operator's words. */
HL_WUR int hl_seal_open_file(const uint8_t *key, const char *path, const uint8_t *b,
    size_t bl, uint8_t **pt, size_t *ptlen, char *err, size_t errlen);

/* The base name of path (its role). */
const char *hl_seal_role(const char *path);

/* Read a secret file (at most HL_SEAL_FILE_MAX; mode 0600 or stricter) and
 * open it when sealed. OUT: *pt (hl_free_secret), *ptlen, *sealed. A clear
 * file is returned as it is (*sealed = 0). */
HL_WUR int hl_seal_read_file(const char *path, uint8_t **pt, size_t *ptlen, int *sealed,
    char *err, size_t errlen);
/* A PEM private key from a file, sealed or clear. OUT: *key. */
HL_WUR int hl_seal_read_pkey(const char *path, EVP_PKEY **key, char *err, size_t errlen);
/* SSL_CTX_use_PrivateKey_file for a key file that may be sealed: load it,
 * use it, check it against the certificate already set. err says why not. */
HL_WUR int hl_seal_use_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen);
/* Write data to path sealed (a new file beside it, fsynced, renamed over
 * path, the directory fsynced; mode 0600). HL_ERR_INVALID without a KEK. */
HL_WUR int hl_seal_write_file(const char *path, const uint8_t *data, size_t len, char *err,
    size_t errlen);

#endif
