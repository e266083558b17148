/* totp.h: time-based one-time passwords (RFC 6238 over RFC 4226 HOTP) as
 * authenticator apps make them by default: HMAC-SHA1, 30 s steps, 6
 * digits; and the RFC 4648 base32 text in which the secret is shown and
 * stored in files. No I/O and no clock: the caller gives the time and the
 * last accepted step (docs/SECURITY.md, "Operators' second factor"). */
#ifndef HL_TOTP_H
#define HL_TOTP_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"

#define HL_TOTP_KEY_BYTES 20         /* a secret made by enrolment (RFC 4226 section 4) */
#define HL_TOTP_KEY_MIN 16           /* a secret accepted from a file, bytes */
#define HL_TOTP_KEY_MAX 64           /* and at most */
#define HL_TOTP_B32_MAX 103          /* base32 digits of HL_TOTP_KEY_MAX bytes (no padding) */
#define HL_TOTP_STEP_S 30            /* seconds per step */
#define HL_TOTP_DIGITS 6
#define HL_TOTP_DRIFT 1              /* steps accepted either side of now */

/* The code of step (RFC 4226 dynamic truncation) as digits (6..8) decimal
 * digits. OUT: out[digits + 1] (NUL-terminated). HL_ERR_INVALID for a bad
 * key length or digit count, HL_ERR_CRYPTO. */
HL_WUR int hl_totp_code(const uint8_t *key, size_t keylen, uint64_t step, unsigned digits,
    char *out);

/* Check code (HL_TOTP_DIGITS decimal digits; NULL or "" is a missing
 * code) at time now_s (Unix seconds) against the steps now - 1, now and
 * now + 1. A matching step that is not after last_step (the last step
 * this account had accepted; 0: none) is a replay. Compares in constant
 * time. HL_OK with *step the step to record as accepted; HL_ERR_AUTH
 * (wrong or missing); HL_ERR_EXISTS (replay); HL_ERR_CRYPTO. */
HL_WUR int hl_totp_verify(const uint8_t *key, size_t keylen, const char *code, uint64_t now_s,
    uint64_t last_step, uint64_t *step);

/* Base32 (RFC 4648 section 6, upper case, without '=' padding). OUT: out
 * (NUL-terminated). HL_ERR_TOO_BIG when outlen is short. */
HL_WUR int hl_totp_b32_encode(const uint8_t *p, size_t n, char *out, size_t outlen);

/* Decode len bytes of base32: either case, trailing '=' padding optional,
 * nothing else (no blanks). At most HL_TOTP_B32_MAX digits; the unused
 * low bits of the last digit must be zero; digits are decoded without
 * branches or table look-ups on their value. OUT: out[cap], *n.
 * HL_ERR_MALFORMED, HL_ERR_TOO_BIG. On error out is wiped. */
HL_WUR int hl_totp_b32_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n);

#endif
