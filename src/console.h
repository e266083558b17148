/* console.h: the duty officer's web console (docs/CONSOLE.md) on the
 * operator API's HTTPS port: static pages embedded at build time
 * (mk/console.mk), login with an in-memory session (cookie + CSRF token),
 * server-sent events fed by the node, and the API endpoints added for it
 * (events, audit list, label check, operator accounts). */
#ifndef HL_CONSOLE_H
#define HL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"

struct event_base;
struct evhttp_request;
struct hl_api;
struct hl_console;

/* One embedded file (generated build/console_assets.c; absent in builds
 * that do not link it, e.g. the fuzzers: the console then answers 404). */
struct hl_console_asset {
	const char *name;            /* "index.html", "app.js", ... */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

/* OUT: *out (free with hl_console_free). */
HL_WUR int hl_console_new(struct hl_api *a, struct event_base *base, struct hl_console **out);
void hl_console_free(struct hl_console *c);

/* "/", "/console" and "/console/...": 1 if the console serves the path
 * itself (before the API's authentication). */
int hl_console_serves(const char *path);
void hl_console_request(struct hl_console *c, struct evhttp_request *req);

/* Authentication by session cookie, for hl_api_authenticate: 1 with *op
 * filled (a POST carried the session's X-CSRF-Token), 0 when the request
 * has no session cookie, -1 when a reply was sent (401 unknown or expired
 * session, 403 missing or wrong CSRF token: audited). */
int hl_console_session_auth(struct hl_console *c, struct evhttp_request *req,
    struct hl_operator_conf *op);

/* The API endpoints this module adds, after authentication: 1 if path is
 * one of them (the reply was sent), 0 otherwise. */
int hl_console_api(struct hl_console *c, const struct hl_operator_conf *op,
    struct evhttp_request *req, const char *path, const char *query);

/* A subscriber to the node's post-commit events (node.h
 * hl_node_subscribe; arg is the console): pushes the event to every open
 * stream allowed to see it. */
struct hl_node_event;
void hl_console_event(void *arg, const struct hl_node_event *ev);

/* Additions to existing API replies: per-recipient "overdue" in a delivery
 * reply, "queue_by_precedence" in a status peer (docs/API.md). */
/* Add a certificate browsers accept (ECDSA) to the API's TLS context:
 * console_certificate / console_key, or a self-signed one made now; the
 * node's Ed25519 certificate stays preferred for clients that offer it. */
struct ssl_ctx_st;
HL_WUR int hl_console_tls(struct ssl_ctx_st *ctx, const struct hl_config *cfg, char *err,
    size_t errlen);

struct json_t;
void hl_console_annotate_delivery(struct hl_console *c, const uint8_t id[static 16],
    struct json_t *reply);
void hl_console_annotate_peer(struct hl_console *c, const char *node, struct json_t *peer);

#endif
