/* httpgate.h: the operator port's watch on request heads, so that a body
 * is let in only after its request's credentials (docs/API.md "Request
 * bodies before authentication"). A codec, no I/O: http.c feeds it the
 * decrypted bytes of a connection as they arrive, before libevent's HTTP
 * parser reads them, and it reports each complete request head with the
 * length of the body that follows. It reads heads as evhttp (libevent
 * 2.1.12) does: lines end with LF or CRLF, the first empty line ends the
 * head, the first Content-Length decides, "Transfer-Encoding: chunked"
 * means chunks, and only the methods evhttp reads a body for have one.
 * Anything it cannot read as certainly as evhttp (a continuation line, a
 * second Content-Length, one that is not plain digits, another
 * Transfer-Encoding, a head over its limit) ends the watch for the
 * connection: the caller then keeps the small limit for the rest of it. */
#ifndef HL_HTTPGATE_H
#define HL_HTTPGATE_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"

/* a head held until it is complete: request line and headers */
#define HL_GATE_HEAD_MAX (HL_HTTP_HEADERS_MAX_BYTES + 8192u)
#define HL_GATE_METHOD_MAX 15          /* bytes of a method name kept */

enum hl_gate_state {
	HL_GATE_HEAD,                  /* reading a request head */
	HL_GATE_BODY,                  /* skipping a known-length body */
	HL_GATE_OFF                    /* no longer watching (see above) */
};

struct hl_gate_head {
	const char *text;              /* the head (len bytes, not NUL-terminated) */
	size_t len;
	char method[HL_GATE_METHOD_MAX + 1];
	uint64_t body_len;             /* Content-Length when the method has a body, else 0 */
	int chunked;                   /* Transfer-Encoding: chunked (body length unknown) */
};

struct hl_gate {
	enum hl_gate_state state;
	uint64_t left;                 /* HL_GATE_BODY: body bytes still to come */
	size_t hlen;
	char head[HL_GATE_HEAD_MAX];
};

/* Called for each complete head (h valid during the call). Its return is
 * ignored; it decides what the caller does with the body. */
typedef void (*hl_gate_head_fn)(void *arg, const struct hl_gate_head *h);
/* Called once when the watch ends, with why (one line). */
typedef void (*hl_gate_off_fn)(void *arg, const char *why);

void hl_gate_init(struct hl_gate *g);
/* n bytes that follow those fed before. */
void hl_gate_feed(struct hl_gate *g, const uint8_t *p, size_t n, hl_gate_head_fn on_head,
    hl_gate_off_fn on_off, void *arg);
/* A header's value in a complete head (first occurrence, case-insensitive
 * name, surrounding spaces and tabs trimmed), copied NUL-terminated into
 * out. HL_OK, HL_ERR_NOT_FOUND, HL_ERR_TOO_BIG (longer than outlen - 1). */
HL_WUR int hl_gate_header(const struct hl_gate_head *h, const char *name, char *out,
    size_t outlen);
/* The path of the request line (without the query), copied like a header. */
HL_WUR int hl_gate_path(const struct hl_gate_head *h, char *out, size_t outlen);
/* Each header line in order: fn(arg, name, namelen, value, valuelen), the
 * value trimmed; stops at the first non-zero return (returned). */
int hl_gate_each_header(const struct hl_gate_head *h, int (*fn)(void *arg, const char *name,
    size_t nl, const char *value, size_t vl), void *arg);

#endif
