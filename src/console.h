/* console.h: the duty officer's web console (docs/CONSOLE.md) on the
 * operator port: static pages embedded at build time (mk/console.mk),
 * login with an in-memory session (cookie + CSRF token, an authenticator of
 * the HTTP layer), server-sent events fed by the node, and the API
 * endpoints added for it (events, audit list, label check, operator
 * accounts), all registered into the HTTP layer (http.h). */
#ifndef HL_CONSOLE_H
#define HL_CONSOLE_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "errors.h"

struct event_base;
struct hl_auth;
struct hl_console;
struct hl_http_table;
struct hl_node;
struct ssl_ctx_st;

/* One embedded file (generated build/console_assets.c; absent in builds
 * that do not link it, e.g. the fuzzers: the console then answers 404). */
struct hl_console_asset {
	const char *name;            /* "index.html", "app.js", ... */
	const char *content_type;
	const unsigned char *data;
	size_t len;
};

/* Add a certificate browsers accept (ECDSA) to tls, the HTTP server's
 * context: console_certificate / console_key, or a self-signed one made
 * now; the node's Ed25519 certificate stays preferred for clients that
 * offer it. node and auth outlive it. OUT: *out (hl_console_free, after the
 * HTTP server is freed). err: one line. */
HL_WUR int hl_console_new(struct hl_node *node, struct hl_auth *auth, struct event_base *base,
    struct ssl_ctx_st *tls, struct hl_console **out, char *err, size_t errlen);
void hl_console_free(struct hl_console *c);
/* Add its routes and its session authenticator to t (c may be NULL to
 * list them, as test_http does). */
HL_WUR int hl_console_register(struct hl_console *c, struct hl_http_table *t);

/* A subscriber to the node's post-commit events (node.h
 * hl_node_subscribe; arg is the console): pushes the event to every open
 * stream allowed to see it. */
struct hl_node_event;
void hl_console_event(void *arg, const struct hl_node_event *ev);
/* The picture changed with envelope id (a track or a batch of the track
 * stream, ingested): "event: tracks" to every stream whose operator may
 * see it. */
void hl_console_tracks_changed(struct hl_console *c, const uint8_t id[static HL_ID_BYTES]);

#endif
