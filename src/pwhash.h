/* pwhash.h: operator password hashes with scrypt (OpenSSL EVP_PBE_scrypt).
 * Format: "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>". */
#ifndef HL_PWHASH_H
#define HL_PWHASH_H

#include <stddef.h>

#include "errors.h"

/* OUT: out (NUL-terminated, at most outlen). ln = log2(N), e.g. 15. */
HL_WUR int hl_pwhash_make(const char *password, unsigned ln, char *out, size_t outlen);
/* HL_OK if it matches, HL_ERR_AUTH if not, HL_ERR_MALFORMED for a bad hash
 * string. Constant-time compare; bounds on ln/r/p so a bad config cannot
 * make us allocate gigabytes. */
HL_WUR int hl_pwhash_check(const char *password, const char *hash);
/* Syntax and bounds check only (no scrypt run): HL_OK or HL_ERR_MALFORMED.
 * Used by the config parser for [operator] password. */
HL_WUR int hl_pwhash_valid(const char *hash);

#endif
