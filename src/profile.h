/* profile.h: the CLI's profile (`hotline login`, docs/CLI.md "Profiles"):
 * where a node is, which CA and node name to check it against, who is
 * logged in and the session token, as a small "key = value" text file.
 * The codec only: no I/O (the CLI reads and writes the file, mode 0600;
 * fuzz/fuzz_profile.c, tests/unit/test_profile.c). */
#ifndef HL_PROFILE_H
#define HL_PROFILE_H

#include <stddef.h>
#include <stdint.h>

#include "apitoken.h"
#include "config.h"
#include "errors.h"
#include "hl_limits.h"

#define HL_PROFILE_MAX_BYTES 4096        /* a profile file, whole */

struct hl_profile {
	char host[HL_HOST_MAX + 1];          /* url = https://HOST:PORT */
	uint16_t port;
	char ca_path[HL_PATH_MAX];           /* ca = /absolute/path.crt */
	char node[HL_NODE_NAME_MAX + 1];     /* node = P/name: the certificate must name it */
	char user[HL_OPERATOR_MAX + 1];      /* user = NAME: who logged in */
	char token[HL_APITOKEN_HEX + 1];     /* token = 64 lowercase hex digits (a secret) */
};

/* "https://HOST:PORT" (a trailing '/' allowed; IPv6 in brackets) into its
 * host and port. HL_ERR_MALFORMED. */
HL_WUR int hl_profile_url(const char *url, char host[HL_HOST_MAX + 1], uint16_t *port);
/* Parse a profile p[0, len): at most HL_PROFILE_MAX_BYTES; lines of
 * "key = value", blank lines and "#" comments; each of url, ca, node,
 * user, token exactly once, no other key, no control character.
 * HL_ERR_TOO_BIG, HL_ERR_MALFORMED (err: "line N: why"; *out wiped).
 * OUT: *out (the caller wipes it: it holds the token). */
HL_WUR int hl_profile_parse(const uint8_t *p, size_t len, struct hl_profile *out, char *err,
    size_t errlen);
/* p as the text hl_profile_parse reads, into out[cap]. OUT: *len.
 * HL_ERR_INVALID for a profile that would not parse back, HL_ERR_TOO_BIG. */
HL_WUR int hl_profile_format(const struct hl_profile *p, char *out, size_t cap, size_t *len);

#endif
