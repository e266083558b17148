/* consolejson.h: the pure parsers of the web console and of the account and
 * label-check endpoints (docs/API.md, docs/CONSOLE.md): Cookie header,
 * login body, operator body, label-check body. No sockets, no store, no
 * clock; unit-tested and fuzzed (fuzz/fuzz_console.c). */
#ifndef HL_CONSOLEJSON_H
#define HL_CONSOLEJSON_H

#include <stddef.h>
#include <stdint.h>

#include "apijson.h"
#include "config.h"
#include "errors.h"
#include "label.h"

#define HL_CONSOLE_SID_BYTES 32          /* session id: 256 random bits */
#define HL_CONSOLE_SID_HEX (2 * HL_CONSOLE_SID_BYTES)
#define HL_CONSOLE_COOKIE "hl_session"
#define HL_CONSOLE_BODY_MAX 8192         /* login, operator, label-check bodies */
#define HL_CONSOLE_COOKIE_MAX 4096       /* Cookie header examined, bytes */
#define HL_CONSOLE_CODE_MAX 16           /* the login's one-time code, bytes */

/* The value of cookie HL_CONSOLE_COOKIE in a Cookie header, as a session
 * id: exactly HL_CONSOLE_SID_HEX lowercase hex digits. HL_ERR_NOT_FOUND
 * when absent, HL_ERR_MALFORMED when present but not a session id or the
 * header is too long. OUT: sid. */
HL_WUR int hl_consolejson_cookie(const char *hdr, uint8_t sid[static HL_CONSOLE_SID_BYTES]);

/* {"user": "...", "password": "...", "code": "..."} ("code", the one-time
 * code, optional: "" when absent). OUT: user, pass, code (caller wipes
 * pass and code). */
HL_WUR int hl_consolejson_login(const uint8_t *p, size_t len, char user[HL_OPERATOR_MAX + 1],
    char pass[HL_API_PASSWORD_MAX + 1], char code[HL_CONSOLE_CODE_MAX + 1], char *err,
    size_t errlen);

/* POST /api/v1/operators/NAME/totp: no body or {} (enrol a new secret),
 * {"remove": true} (remove it). OUT: *remove. */
HL_WUR int hl_consolejson_totp(const uint8_t *p, size_t len, int *remove, char *err,
    size_t errlen);

/* "officer" | "analyst" | "admin" (any case). */
HL_WUR int hl_consolejson_role(const char *s, uint8_t *out);

/* POST /api/v1/operators: {"name", "role", "clearance", "nationality",
 * "password"}, all required (add); POST .../reset: {"password"} only
 * (full = 0). Levels are checked against pol. OUT: *op (password_hash
 * empty), pass (caller wipes). */
HL_WUR int hl_consolejson_operator(const uint8_t *p, size_t len, const struct hl_policy *pol,
    int full, struct hl_operator_conf *op, char pass[HL_API_PASSWORD_MAX + 1], char *err,
    size_t errlen);

/* POST /api/v1/label/check: {"classification", "releasable_to", "tlp",
 * "to" (optional array of partner codes or node names)}. */
struct hl_console_labelreq {
	struct hl_label label;
	unsigned nto;
	char to[HL_RECIPIENTS_MAX][HL_NODE_NAME_MAX + 1];
};
HL_WUR int hl_consolejson_labelcheck(const uint8_t *p, size_t len, const struct hl_policy *pol,
    struct hl_console_labelreq *out, char *err, size_t errlen);

#endif
