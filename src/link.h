/* link.h: one connection to a peer node carrying length-prefixed frames
 * (envelope.h), behind a small vtable (struct hl_link_ops). link.c's
 * transport is mutually authenticated TLS 1.3: it owns the SSL_CTX, the
 * socket and the peer identity check; node owns what the frames mean. */
#ifndef HL_LINK_H
#define HL_LINK_H

#include <stddef.h>
#include <stdint.h>

#include <event2/listener.h>

#include "config.h"
#include "errors.h"

struct event_base;
struct hl_link;
struct hl_link_ctx;

/* The transport seam: what the node needs of one connection to a peer. This
 * file's TLS links implement it; a test implements it in memory
 * (tests/unit/test_node.c), so the link protocol runs without sockets. */
struct hl_link_ops {
	/* Queue one frame (type || payload). HL_ERR_AGAIN when the link is
	 * closing or not open yet, HL_ERR_TOO_BIG over HL_FRAME_MAX_BYTES. */
	int (*send)(struct hl_link *l, uint8_t type, const uint8_t *p, size_t len);
	/* Bytes queued and not yet written. */
	size_t (*outq)(const struct hl_link *l);
	/* Close; on_close runs from the event loop later, never inside this call. */
	void (*close)(struct hl_link *l, const char *why);
	/* Largest frame accepted from now on. */
	void (*set_frame_max)(struct hl_link *l, size_t max);
	/* Silence for ms is a dead link (0: no limit). */
	void (*set_idle_timeout)(struct hl_link *l, uint32_t ms);
};

/* What every transport's connection starts with (its own state follows). */
/* The link protocol, negotiated with TLS ALPN (docs/PROTOCOL.md, "Link
 * protocol versions"): the highest of "hotline/5" (hybrid signatures),
 * "hotline/4" (revocation notices),
 * "hotline/3" (batch signatures) and "hotline/2" (64 partners) that both
 * sides offer; 1 when the peer offers nothing (the release before issue 16). */
#define HL_LINK_PROTO 5
#define HL_LINK_PROTO_HYBRID 5            /* hybrid signatures (hybsig.h) from here */
#define HL_LINK_PROTO_MIN_ALPN 2          /* the lowest protocol named in ALPN */

struct hl_link {
	const struct hl_link_ops *ops;
	const struct hl_peer_conf *peer;   /* the authenticated peer's identity (NULL before) */
	unsigned proto;                    /* 1 .. HL_LINK_PROTO, once open */
	void *udata;                       /* the node's per-link slot */
	char addr[80];                     /* "host:port", for logs */
};

struct hl_link_cbs {
	/* TLS is up and the certificate names a configured peer whose partner CA
	 * issued it. */
	void (*on_open)(void *arg, struct hl_link *l, const struct hl_peer_conf *peer);
	/* One whole frame. The payload is valid only during the call. */
	void (*on_frame)(void *arg, struct hl_link *l, uint8_t type, const uint8_t *p, size_t len);
	/* The output queue drained below the low watermark. */
	void (*on_writable)(void *arg, struct hl_link *l);
	/* The connection ended (or never authenticated: opened == 0). The link
	 * is freed right after this returns. */
	void (*on_close)(void *arg, struct hl_link *l, int opened, const char *why);
};

/* TLS 1.3 only; our certificate and key; trust = the CA of every peer. */
/* The TLS certificate again (renewed for the same key): connections made
 * from now on present it. */
HL_WUR int hl_link_ctx_reload_cert(struct hl_link_ctx *c, const char *path, char *err,
    size_t errlen);
/* Trust one more peer partner's CA for the connections made from now on
 * (a peer added at a reload). */
HL_WUR int hl_link_ctx_add_ca(struct hl_link_ctx *c, const char *path, char *err,
    size_t errlen);
HL_WUR int hl_link_ctx_new(const struct hl_config *cfg, struct event_base *base,
    const struct hl_link_cbs *cbs, void *arg, struct hl_link_ctx **out,
    char *err, size_t errlen);
void hl_link_ctx_free(struct hl_link_ctx *c);
/* Accept connections on cfg->listen_host:listen_port. */
HL_WUR int hl_link_listen(struct hl_link_ctx *c, char *err, size_t errlen);
/* A TCP listener on host:port (numeric port, reusable address, close on
 * exec) calling cb for each connection; the links' and the CoT outputs'
 * (takout.c). OUT: *out. Errors: "listen: cannot resolve HOST",
 * "listen HOST:PORT: reason". */
HL_WUR int hl_link_bind(struct event_base *base, const char *host, uint16_t port, int backlog,
    evconnlistener_cb cb, void *arg, struct evconnlistener **out, char *err, size_t errlen);
/* Dial a peer; the result arrives through on_open / on_close. */
HL_WUR int hl_link_connect(struct hl_link_ctx *c, const struct hl_peer_conf *peer,
    struct hl_link **out);

/* Through the link's ops (any transport). */
HL_WUR int hl_link_send(struct hl_link *l, uint8_t type, const uint8_t *p, size_t len);
size_t hl_link_outq(const struct hl_link *l);
/* Raise the frame limit once the peer said HELLO (tighter before). */
void hl_link_set_frame_max(struct hl_link *l, size_t max);
/* Treat silence for ms as a dead link (0: no limit). */
void hl_link_set_idle_timeout(struct hl_link *l, uint32_t ms);
/* Close; on_close runs from the event loop later, never inside this call. */
void hl_link_close(struct hl_link *l, const char *why);
const struct hl_peer_conf *hl_link_peer(const struct hl_link *l);
const char *hl_link_addr(const struct hl_link *l);
/* Per-link slot for the node. */
void hl_link_set_udata(struct hl_link *l, void *u);
void *hl_link_udata(const struct hl_link *l);

/* TLS links only: DER of the peer's certificate (borrowed from the link). */
HL_WUR int hl_link_peer_cert(struct hl_link *l, const uint8_t **der, size_t *len);

#endif
