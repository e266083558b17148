/* apitoken.h: the API's session tokens (`hotline login`, docs/API.md
 * "Session tokens"): a fixed table in memory of who holds which token,
 * each kept as the SHA-256 of its 32 random bytes (never the token), with
 * a lifetime and an idle timeout. No I/O and no clock: the caller gives
 * the time, so that tests drive it (tests/unit/test_apitoken.c). A node
 * restart ends every token. */
#ifndef HL_APITOKEN_H
#define HL_APITOKEN_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"

#define HL_APITOKEN_BYTES 32                       /* 256 random bits */
#define HL_APITOKEN_HEX (2 * HL_APITOKEN_BYTES)    /* as sent: lowercase hex */
#define HL_APITOKENS_MAX 64                        /* live tokens; the one idle longest yields */
#define HL_APITOKEN_LIFE_MS (12ull * 3600 * 1000)  /* a token ends this long after its login */
#define HL_APITOKEN_IDLE_MS (30ull * 60 * 1000)    /* or when unused this long */

struct hl_apitoken {
	int used;
	uint8_t hash[32];                /* SHA-256 of the token's bytes */
	char name[HL_OPERATOR_MAX + 1];  /* the operator it was issued to */
	uint64_t created_ms, last_ms;
};

struct hl_apitokens {
	struct hl_apitoken t[HL_APITOKENS_MAX];
};

/* A new token for name at now. OUT: hex (the token, to give to the
 * client once; the caller wipes it), evicted: the operator whose token
 * ended to make room ("" when none did). HL_ERR_CRYPTO, HL_ERR_INVALID
 * (a name too long). */
HL_WUR int hl_apitoken_issue(struct hl_apitokens *ts, const char *name, uint64_t now,
    char hex[static HL_APITOKEN_HEX + 1], char evicted[static HL_OPERATOR_MAX + 1]);
/* The token hex[0, len) (lowercase hex, compared in constant time). HL_OK
 * (OUT: *out, its last use now), HL_ERR_NOT_FOUND (unknown or malformed),
 * HL_ERR_EXPIRED (idle or past its lifetime; OUT: *out, which the caller
 * ends with hl_apitoken_end once it has said so). */
HL_WUR int hl_apitoken_check(struct hl_apitokens *ts, const char *hex, size_t len,
    uint64_t now, struct hl_apitoken **out);
/* End one token (wiped). */
void hl_apitoken_end(struct hl_apitoken *t);

#endif
