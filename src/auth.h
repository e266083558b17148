/* auth.h: operators, below the services that serve them: the accounts
 * (the configuration's [operator] sections first, then the database's,
 * accounts.c), password checks with a per-user failure window, HTTP Basic
 * for the HTTP layer (a verified credential, with the one-time code it was
 * checked with, cached for a minute under an HMAC with a process-random
 * key, never in clear), and the audit record of
 * what an operator did (docs/API.md, "Authentication"). */
#ifndef HL_AUTH_H
#define HL_AUTH_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "http.h"

struct hl_auth;
struct hl_store;

#define HL_AUTH_CACHE 32             /* verified credentials remembered */
#define HL_AUTH_TTL_MS 60000         /* for this long */
#define HL_AUTH_FAIL_SLOTS 64        /* users with recent failures tracked */
#define HL_AUTH_FAIL_MAX 5           /* failures per (source address, user) per window */
#define HL_AUTH_ADDR_MAX 64          /* a source address as text */
#define HL_AUTH_FAIL_WINDOW_MS 60000
#define HL_AUTH_OTP_HEADER "X-Hotline-OTP"   /* the one-time code with HTTP Basic */
#define HL_AUTH_OTP_MAX 16           /* a code as given, bytes (longer: wrong) */

/* cfg and store outlive it. OUT: *out (hl_auth_free). */
HL_WUR int hl_auth_new(const struct hl_config *cfg, struct hl_store *store, struct hl_auth **out);
void hl_auth_free(struct hl_auth *a);

/* Look an operator up: the configuration first, then the database.
 * HL_ERR_NOT_FOUND. OUT: *out. */
HL_WUR int hl_auth_operator(struct hl_auth *a, const char *name, struct hl_operator_conf *out);
/* Check a password, then the second factor: the one-time code (NULL or
 * "": none given) of an account that has a TOTP secret, which is good
 * once; an account without one passes only if require_totp does not name
 * its role. All with the failure window of (addr, user), so that wrong
 * guesses from one address never keep the right password out from
 * another; a wrong or missing code counts as a failure. Audits
 * login-failed ("VIA from ADDR: wrong password", "...: wrong or missing
 * one-time code", ...; never the code). HL_OK (*out filled), HL_ERR_AUTH,
 * HL_ERR_DENIED (right password, but the role requires a second factor
 * and none is enrolled), HL_ERR_AGAIN (rate limited: *retry_s seconds).
 * The caller audits a successful login. */
HL_WUR int hl_auth_check_login(struct hl_auth *a, const char *addr, const char *user,
    const char *pass, const char *code, const char *via, struct hl_operator_conf *out,
    unsigned *retry_s);
/* The route table's denied hook (http.h; arg: the hl_auth): audits
 * request-denied, "POST /api/v1/envelopes: the analyst role may not". */
void hl_auth_denied(void *arg, const struct hl_operator_conf *op, unsigned method,
    const char *path);
/* The request's source address as text ("-" when unknown). */
void hl_auth_peer(struct evhttp_request *req, char *out, size_t outlen);

/* The HTTP layer's authenticator for HTTP Basic (arg: the hl_auth). A
 * request without Authorization is not its; what to answer it then is a
 * 401 with the Basic challenge (none for the console's scripts, which
 * send X-Hotline-Console). */
int hl_auth_basic(void *arg, struct hl_http_req *x, struct hl_http_refusal *no);

/* The authenticator for a client certificate (arg: the hl_auth), asked
 * after the console's session cookie: a request without Authorization
 * whose TLS connection carries a certificate that chains to the node's
 * partner CA (expiry checked) and names an operator of this partner
 * (hl_pki_cert_operator). The certificate takes the password's place:
 * the account's second factor is still required (X-Hotline-OTP), with the
 * failure window and the credential cache (keyed on the certificate's
 * SHA-256 and the code) as for HTTP Basic. Audits login "api: client
 * certificate", login-failed "api (client certificate) from ADDR: why". */
int hl_auth_cert(void *arg, struct hl_http_req *x, struct hl_http_refusal *no);

/* Register HTTP Basic, then session tokens ("Authorization: Bearer",
 * docs/API.md "Session tokens"), and the routes POST /api/v1/login (a
 * token for the operator who logged in) and POST /api/v1/logout. */
HL_WUR int hl_auth_register(struct hl_auth *a, struct hl_http_table *t);

/* Record an audit entry (failures logged, not fatal). id may be NULL. */
void hl_auth_audit(struct hl_auth *a, const char *event, const uint8_t *id, const char *actor,
    const char *detail);

#endif
