/* gcm.h: AES-256-GCM through OpenSSL, for every use in the project:
 * envelope contents (seal.c), key wraps (keys.c), sealed files and stored
 * data (sealfile.c), backups (backup.c). */
#ifndef HL_GCM_H
#define HL_GCM_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"

/* Over in[0, len) with aad[0, aadlen) (may be empty); enc: out = the
 * ciphertext (len bytes) and tag; dec: the tag checked, out = the
 * plaintext. out is wiped on failure. HL_ERR_CRYPTO (enc), HL_ERR_DECRYPT
 * (dec: the wrong key, nonce, aad or an altered input). */
HL_WUR int hl_gcm(int enc, const uint8_t key[HL_AES_KEY], const uint8_t nonce[HL_GCM_NONCE],
    const uint8_t *aad, size_t aadlen, const uint8_t *in, size_t len, uint8_t *out,
    uint8_t tag[HL_GCM_TAG]);

#endif
