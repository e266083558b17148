/* http.h: the one HTTP layer of the operator port (docs/API.md, TAXII.md,
 * CONSOLE.md). The server (TLS 1.3, evhttp on the node's loop) and a table
 * of routes that the services register at start: each row names its
 * methods, a path pattern, the handler, and whether it needs an
 * authenticated operator, takes a query string, takes a body. The layer
 * reads the rows and decides, once for every service: 404 for a path no
 * row matches, 405 with Allow for a method none of the path's rows has,
 * 400 for a query or a body the row does not take, 413 / 415 for a body
 * over the row's limit or of another media type, 406 for an Accept the
 * registrant's replies cannot satisfy, 401 / 403 / 429 from the
 * authenticators. Refusals take the registrant's shape (JSON for the API
 * and the console, TAXII error messages under /taxii2/).
 *
 * Patterns: '/'-separated literal segments; "{name}" matches one
 * non-empty segment (captured, at most HL_HTTP_PARAM_MAX bytes); a final
 * "*" matches the rest of the path (captured, possibly empty). A pattern
 * that ends with '/' also matches the path without it. Rows are tried in
 * registration order: the first pattern that matches the path decides,
 * and every row with that same pattern is one of the path's methods. */
#ifndef HL_HTTP_H
#define HL_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "errors.h"
#include "hl_limits.h"

struct event_base;
struct evhttp_request;
struct evkeyvalq;
struct hl_http;
struct ssl_ctx_st;

#define HL_HTTP_ROUTES_MAX 64          /* rows over every registrant */
#define HL_HTTP_AUTHS_MAX 4            /* authenticators */
#define HL_HTTP_PARAMS_MAX 4           /* captures of one pattern */
#define HL_HTTP_PARAM_MAX 320          /* bytes of one captured segment */
#define HL_HTTP_ACCEPT_MAX 1024        /* an Accept header examined, bytes */
#define HL_HTTP_TIMEOUT_S 30           /* read / write timeout per request */

/* methods (a row's set) */
#define HL_HTTP_GET 0x01u
#define HL_HTTP_POST 0x02u
#define HL_HTTP_HEAD 0x04u
#define HL_HTTP_OTHER 0x80u            /* any method the layer does not serve */

/* a row's flags */
#define HL_HTTP_AUTH 0x01u             /* an authenticated operator (x->op) */
#define HL_HTTP_QUERY 0x02u            /* takes a query string; else one is 400 */
#define HL_HTTP_BODY 0x04u             /* takes a body of the style's media type; else one is 400 */
#define HL_HTTP_BODY_OWN 0x08u         /* with HL_HTTP_BODY: the body comes as x->own, one
                                        * copy out of the connection's buffer, not pulled up */

/* How a registrant's refusals look and what its replies are. */
struct hl_http_style {
	const char *media;             /* request bodies and replies; NULL: application/json */
	int check_accept;              /* 406 for an Accept that allows neither media nor a wildcard */
	/* a refusal (one line); NULL: hl_http_reply_error's JSON */
	void (*error)(struct evhttp_request *req, int code, const char *ecode, const char *msg);
};

struct hl_http_req;

struct hl_http_route {
	unsigned methods;
	const char *pattern;
	void (*fn)(struct hl_http_req *x);
	unsigned flags;
	size_t body_max;               /* with HL_HTTP_BODY: bytes, 0 = the server's limit */
	const char *media;             /* with HL_HTTP_BODY: its media type; NULL = the style's */
	/* with HL_HTTP_AUTH: the roles that may call it (HL_HTTP_OFFICER ...;
	 * required); anyone else gets 403 before the handler runs. This is the
	 * one place a role is checked (docs/API.md "Roles"). */
	unsigned roles;
};

/* route roles: bits of enum hl_role */
#define HL_HTTP_OFFICER (1u << HL_ROLE_OFFICER)
#define HL_HTTP_ANALYST (1u << HL_ROLE_ANALYST)
#define HL_HTTP_ADMIN (1u << HL_ROLE_ADMIN)
#define HL_HTTP_DUTY (HL_HTTP_OFFICER | HL_HTTP_ADMIN)
#define HL_HTTP_INTEL (HL_HTTP_ANALYST | HL_HTTP_ADMIN)
#define HL_HTTP_ANYONE (HL_HTTP_OFFICER | HL_HTTP_ANALYST | HL_HTTP_ADMIN)



/* One request as a handler gets it; valid for the call only. */
struct hl_http_req {
	struct evhttp_request *req;
	void *arg;                     /* the registrant's */
	const char *path;
	const char *query;             /* NULL without one */
	const uint8_t *body;           /* NULL when empty */
	size_t body_len;
	/* HL_HTTP_BODY_OWN: the body (body_len bytes, hl_malloc'd with one byte
	 * more); the handler may take it (and set own to NULL), else the layer
	 * frees it after the handler */
	uint8_t *own;
	unsigned method;               /* HL_HTTP_GET, ... */
	const struct hl_operator_conf *op;   /* with HL_HTTP_AUTH: who; else NULL */
	void *via;                     /* the authenticator that accepted op (its arg) */
	void *session;                 /* what that authenticator says about it (console) */
	unsigned nparams;
	char param[HL_HTTP_PARAMS_MAX][HL_HTTP_PARAM_MAX + 1];
	struct hl_operator_conf opbuf; /* op points here; wiped after the handler */
	/* what authenticators read (also set for a head the layer checks
	 * before its body arrives, when req is NULL) */
	const struct evkeyvalq *hdrs;  /* the request's headers */
	void *tls;                     /* the connection's SSL *, NULL for none */
	char peer[HL_HTTP_PEER_MAX];   /* the client's address, "-" when unknown */
};

/* An authenticator's refusal, replied by the layer in the route's style. */
struct hl_http_refusal {
	int code;                      /* 401, 403, 429, 500 */
	char ecode[32];
	char msg[256];
	char retry_after[16];          /* "" or seconds */
	int challenge;                 /* add WWW-Authenticate: Basic */
};

/* 1: x->opbuf filled (and x->session, when the authenticator has one);
 * 0: the request carries no credentials of this kind (no may hold what to
 * answer if no other authenticator accepts it); -1: refused (*no). */
typedef int (*hl_http_auth_fn)(void *arg, struct hl_http_req *x, struct hl_http_refusal *no);

/* ---- the route table and the decision (no I/O: test_http, fuzz_http) ---- */

struct hl_http_row {
	const struct hl_http_route *r;
	const struct hl_http_style *style;
	void *arg;
};

struct hl_http_authn {
	hl_http_auth_fn fn;
	void *arg;
};

/* What the services register: routes and authenticators. */
struct hl_http_table {
	unsigned n;
	struct hl_http_row row[HL_HTTP_ROUTES_MAX];
	unsigned nauth;
	struct hl_http_authn auth[HL_HTTP_AUTHS_MAX];
	/* told of each request a role may not make (to audit it); may be NULL */
	void (*denied)(void *arg, const struct hl_operator_conf *op, unsigned method,
	    const char *path);
	void *denied_arg;
};

/* A request's attributes the decision reads (untrusted). */
struct hl_http_in {
	unsigned method;               /* HL_HTTP_GET, ... or HL_HTTP_OTHER */
	const char *path;              /* NULL: no row matches */
	const char *query;             /* NULL or "" for none */
	const char *content_type;      /* NULL when absent */
	const char *accept;            /* NULL when absent */
	size_t body_len;
};

/* What the layer does with a request. */
struct hl_http_plan {
	const struct hl_http_row *row; /* the row to serve (code == 0) */
	const struct hl_http_style *style;   /* for refusals; NULL: JSON */
	int auth;                      /* authenticate first (before a refusal with code) */
	int code;                      /* 0, or the refusal: 400 404 405 406 413 415 */
	int before_auth;               /* the refusal comes before authentication (406) */
	char ecode[32];
	char msg[200];
	char allow[32];                /* with 405 */
	unsigned nparams;
	char param[HL_HTTP_PARAMS_MAX][HL_HTTP_PARAM_MAX + 1];
};

/* Add n rows in this order. HL_ERR_FULL past HL_HTTP_ROUTES_MAX,
 * HL_ERR_EXISTS for a pattern and method already there, HL_ERR_INVALID
 * for a bad pattern (not starting with '/', more than HL_HTTP_PARAMS_MAX
 * captures, '*' not last); nothing is added then. rows and style must
 * outlive the table. */
HL_WUR int hl_http_table_add(struct hl_http_table *t, const struct hl_http_route *rows, size_t n,
    const struct hl_http_style *style, void *arg);
/* Who hears of a request its operator's role may not make (to audit it). */
HL_WUR int hl_http_table_set_denied(struct hl_http_table *t, void (*fn)(void *arg,
    const struct hl_operator_conf *op, unsigned method, const char *path), void *arg);
/* Authenticators are asked in the order added. HL_ERR_FULL. */
HL_WUR int hl_http_table_add_auth(struct hl_http_table *t, hl_http_auth_fn fn, void *arg);
/* Remove every row and authenticator registered with arg (a registrant
 * freed before the server). */
void hl_http_table_remove(struct hl_http_table *t, void *arg);
/* Decide. OUT: *p. */
void hl_http_plan(const struct hl_http_table *t, const struct hl_http_in *in,
    struct hl_http_plan *p);
/* Does pattern match path? OUT: captures (may be NULL). 1 or 0. */
int hl_http_match(const char *pattern, const char *path, unsigned *nparams,
    char param[HL_HTTP_PARAMS_MAX][HL_HTTP_PARAM_MAX + 1]);

/* Media types: is ct (a Content-Type, parameters allowed) the type of
 * want? Type and subtype compare without case; a parameter of want that
 * ct also gives must have the same value ("application/taxii+json;
 * version=2.1" takes no version=2.0). */
int hl_http_media_is(const char *ct, size_t n, const char *want);
/* Does an Accept header (NULL or "": anything) allow want, exactly or by
 * "* / *" or "type/ *"? At most HL_HTTP_ACCEPT_MAX bytes are read. */
int hl_http_accepts(const char *accept, const char *want);

/* ---- the server ---- */

/* The TLS 1.3 context with the node's TLS pair, and evhttp on base (not
 * listening yet). OUT: *out (hl_http_free). err: one line. */
HL_WUR int hl_http_new(struct event_base *base, const struct hl_config *cfg, struct hl_http **out,
    char *err, size_t errlen);
/* Frees the server first (every connection closes), then the table. */
void hl_http_free(struct hl_http *h);
/* The server's TLS context, for a registrant that adds a certificate. */
struct ssl_ctx_st *hl_http_tls(struct hl_http *h);
/* The client certificate of x's connection (X509 *, valid for the
 * request), NULL for none. OUT: *verify, the chain's verification against
 * the node's partner CA (X509_V_OK, or the last error: expired, unknown
 * issuer, wrong purpose, ...); the handshake never fails on it. */
const void *hl_http_peer_cert(const struct hl_http_req *x, long *verify);
/* A request header (first occurrence, any case), NULL when absent. */
const char *hl_http_header(const struct hl_http_req *x, const char *name);
/* The table the services register into. */
struct hl_http_table *hl_http_table(struct hl_http *h);
/* Listen on the configuration's api address. */
HL_WUR int hl_http_listen(struct hl_http *h, char *err, size_t errlen);

/* ---- replies (each finishes the request) ---- */

/* j (consumed; NULL gives a 500) as application/json, pretty printed. */
void hl_http_reply_json(struct evhttp_request *req, int code, json_t *j);

/* A reply that comes later, from a completion (an asynchronous send): the
 * handler calls hl_http_defer and returns without replying; later,
 * hl_http_defer_take hands back the request to reply to, or NULL when the
 * client went away meanwhile (libevent freed the request: nothing may be
 * sent), and frees d. Exactly one take per defer. NULL: out of memory
 * (reply at once instead). */
struct hl_http_defer;
struct hl_http_defer *hl_http_defer(struct evhttp_request *req);
struct evhttp_request *hl_http_defer_take(struct hl_http_defer *d);
/* {"error": ecode, "message": ...} (one line). */
void hl_http_reply_error(struct evhttp_request *req, int code, const char *ecode,
    const char *fmt, ...) __attribute__((format(printf, 4, 5)));
/* A body of any type (copied). */
void hl_http_reply_body(struct evhttp_request *req, int code, const char *content_type,
    const void *body, size_t len);
const char *hl_http_reason(int code);

#endif
