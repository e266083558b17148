/* apiint.h: what api.c shares with the modules that serve other paths on
 * the same HTTPS port (TAXII, the web console). Not for use outside the
 * operator API's own modules. All replies are sent exactly once: a
 * function that "replies" has finished the request. */
#ifndef HL_APIINT_H
#define HL_APIINT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "errors.h"

struct evhttp_request;
struct hl_api;
struct hl_node;
struct hl_store;
struct hl_taxiipoll;

struct hl_node *hl_api_node(struct hl_api *a);
struct hl_store *hl_api_store(struct hl_api *a);
const struct hl_config *hl_api_config(struct hl_api *a);
/* The poll bridge hotlined.c gave the API, or NULL. */
struct hl_taxiipoll *hl_api_poller(struct hl_api *a);

/* HTTP Basic against the operator accounts (scrypt hashes, HMAC cache,
 * per-user rate limit, failures and first logins audited). The account, or
 * NULL after a 401/429 reply was sent. The pointer stays valid for the
 * request. */
const struct hl_operator_conf *hl_api_authenticate(struct hl_api *a,
    struct evhttp_request *req);

/* Look an operator up: the configuration's [operator] sections first, then
 * the database's accounts (accounts.c). HL_ERR_NOT_FOUND. OUT: *out. */
HL_WUR int hl_api_operator(struct hl_api *a, const char *name, struct hl_operator_conf *out);
/* Check a password with the per-user failure window of HTTP Basic; audits
 * login-failed ("VIA: wrong password", ...). HL_OK (*out filled),
 * HL_ERR_AUTH, HL_ERR_AGAIN (rate limited: *retry_s seconds). The caller
 * audits a successful login. */
HL_WUR int hl_api_check_login(struct hl_api *a, const char *user, const char *pass,
    const char *via, struct hl_operator_conf *out, unsigned *retry_s);

/* Reply with j (consumed; NULL gives a 500) as application/json. */
void hl_api_reply_json(struct evhttp_request *req, int code, json_t *j);
/* Reply {"error": ecode, "message": ...} (one line). */
void hl_api_reply_error(struct evhttp_request *req, int code, const char *ecode,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* Reply with a body of any type (copied). */
void hl_api_reply_body(struct evhttp_request *req, int code, const char *content_type,
    const void *body, size_t len);
const char *hl_api_reason_phrase(int code);

/* Record an audit entry (failures logged, not fatal). id may be NULL. */
void hl_api_audit(struct hl_api *a, const char *event, const uint8_t *id, const char *actor,
    const char *detail);

/* Content-Type is application/json (parameters allowed). */
int hl_api_is_json_type(const char *ct);

#endif
