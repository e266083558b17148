/* httpc.h: the one HTTPS client: the CLI's calls to its node, the TAXII
 * client's (taxiic.c) and the poll bridge's (taxiipoll.c). A core that
 * builds the request and parses the response without I/O
 * (fuzz/fuzz_httpc.c), one TLS set-up, and two drivers: a blocking one
 * (the CLI) and an evented one on a libevent loop (the poll bridge, which
 * must not block the node).
 *
 * TLS: a hotline node (node set) is TLS 1.3 only, its certificate chains
 * to the CA given and names that node (URI SAN); another server (node "")
 * is TLS 1.2 or later, its certificate chains to the CA given and names
 * the host (SNI and the host-name check). The request goes out only once
 * the peer is checked, so credentials never reach another server. One
 * request per connection (Connection: close); the media types are the
 * request's. */
#ifndef HL_HTTPC_H
#define HL_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "config.h"
#include "errors.h"
#include "hl_limits.h"

struct event_base;
struct ssl_ctx_st;

#define HL_HTTPC_HEADERS_MAX HL_HTTP_HEADERS_MAX_BYTES   /* status line + headers */
#define HL_HTTPC_HEADER_LINES_MAX 64
#define HL_HTTPC_TIMEOUT_MS 30000
#define HL_HTTPC_OTP_MAX 16              /* a one-time code, digits */
#define HL_HTTPC_FRAMING_MAX (1024u * 1024)   /* chunk sizes, extensions, trailers */
#define HL_HTTPC_CHUNK_EXT_MAX 256            /* one chunk's extensions, bytes */
#define HL_HTTPC_JSON "application/json"
#define HL_HTTPC_ANY_NODE "*"             /* struct hl_httpc's node: any node of the CA */

struct hl_http_resp {
	int status;                 /* 200..599 */
	char content_type[128];     /* "" when absent */
	char retry_after[32];       /* "" when absent */
	const uint8_t *head;        /* status line and headers (hl_httpc_header) */
	size_t head_len;
	const uint8_t *body;        /* borrowed from the parsed input */
	size_t body_len;
	int chunked;                /* body is still chunked (hl_httpc_dechunk) */
	char node[HL_NODE_NAME_MAX + 1];   /* the node the server's certificate names ("" another server) */
};

/* Parse one HTTP/1.0 or 1.1 response in p[0, len). complete: the peer
 * closed the connection, so nothing more will come. Returns HL_OK (OUT:
 * *out), HL_ERR_AGAIN when more bytes are needed (only if !complete),
 * HL_ERR_TOO_BIG when the head exceeds HL_HTTPC_HEADERS_MAX, the body
 * body_max or the chunk framing HL_HTTPC_FRAMING_MAX, HL_ERR_MALFORMED
 * otherwise (bad status line or header, obsolete line folding, a transfer
 * coding other than chunked, Transfer-Encoding with Content-Length,
 * conflicting or bad Content-Length, a body shorter or longer than
 * declared, bad chunk framing). A chunked body is returned as received
 * (out->chunked): decode it with hl_httpc_dechunk. */
HL_WUR int hl_httpc_parse_response(const uint8_t *p, size_t len, int complete, size_t body_max,
    struct hl_http_resp *out);
/* Decode a chunked body in place (p[0, len), as hl_httpc_parse_response
 * accepted it). OUT: *outlen, the data now at p. HL_ERR_MALFORMED. */
HL_WUR int hl_httpc_dechunk(uint8_t *p, size_t len, size_t *outlen);
/* The value of header name (case-insensitive) in a response head
 * p[0, len) (status line + header lines). HL_ERR_NOT_FOUND,
 * HL_ERR_TOO_BIG when it does not fit out[cap], HL_ERR_MALFORMED for a
 * control character in it. */
HL_WUR int hl_httpc_header(const uint8_t *p, size_t len, const char *name, char *out,
    size_t cap);

/* Where and as whom. */
struct hl_httpc {
	char host[HL_HOST_MAX + 1];
	uint16_t port;
	char ca_path[HL_PATH_MAX];       /* the CA to trust */
	char node[HL_NODE_NAME_MAX + 1]; /* a hotline node its certificate must name
	                                  * (HL_HTTPC_ANY_NODE: any, reported in the
	                                  * response's node); "" another server */
	char user[HL_OPERATOR_MAX + 1];  /* "" sends no HTTP Basic */
	const char *password;            /* borrowed */
	const char *token;               /* borrowed: a session token (lowercase hex), sent as
	                                  * Authorization: Bearer instead of Basic; NULL: none */
	char cert_path[HL_PATH_MAX];     /* a client certificate to present ("" none) ... */
	char key_path[HL_PATH_MAX];      /* ... and its key, PEM in clear */
	const char *otp;                 /* borrowed: the one-time code sent as X-Hotline-OTP
	                                  * with the credentials; NULL or "": none */
	int timeout_ms;                  /* 0: HL_HTTPC_TIMEOUT_MS */
};

/* What to ask. */
struct hl_httpc_req {
	const char *method;
	const char *path;                /* "/..." with its query, already encoded */
	const char *accept;              /* NULL: application/json */
	const char *content_type;        /* of body; NULL: application/json */
	const uint8_t *body;             /* NULL: none */
	size_t body_len;
	size_t body_max;                 /* of the response's body */
};

/* The request head (no I/O): Authorization Bearer with a token, else
 * Basic with a user; X-Hotline-OTP when there are credentials (a user, a
 * token or a client certificate) and a code (1..HL_HTTPC_OTP_MAX digits,
 * else HL_ERR_INVALID). HL_ERR_INVALID for a method, path, media type,
 * token or user that cannot go into one (CR, LF, blanks; ':' in the user;
 * a token not of lowercase hex); HL_ERR_TOO_BIG. */
HL_WUR int hl_httpc_head(const struct hl_httpc *c, const struct hl_httpc_req *rq,
    struct hl_buf *out);
/* 1 if h is a numeric IPv4 or IPv6 address (no SNI, no host-name check
 * by name). */
int hl_httpc_ip_literal(const char *h);
/* The TLS context for c (its CA and TLS versions, its client certificate).
 * OUT: *out (caller frees with SSL_CTX_free). err: one line. */
HL_WUR int hl_httpc_tls(const struct hl_httpc *c, struct ssl_ctx_st **out, char *err,
    size_t errlen);

/* ---- blocking ---- */

/* One request. On success the raw response is returned in *raw (caller
 * frees with hl_free) and out borrows from it (a chunked body decoded).
 * Any HTTP status is a success here. HL_ERR_IO: cannot connect, send or
 * receive; HL_ERR_CRYPTO: TLS or certificate failure; HL_ERR_MALFORMED /
 * HL_ERR_TOO_BIG: bad response; HL_ERR_INVALID: a bad request. err: one
 * line. */
HL_WUR int hl_httpc_request(const struct hl_httpc *c, const struct hl_httpc_req *rq,
    struct hl_http_resp *out, uint8_t **raw, char *err, size_t errlen);

/* ---- evented ---- */

struct hl_httpc_call;

/* Called once per call, on the loop: r as hl_httpc_request's, resp (on
 * HL_OK) valid for the call only, err one line. The call is freed after
 * it returns. */
typedef void (*hl_httpc_done_fn)(void *arg, int r, const struct hl_http_resp *resp,
    const char *err);

/* Start one request on base with the context tls (hl_httpc_tls; it must
 * outlive the call). The host name is resolved before it returns (the
 * system resolver); everything else runs on the loop, each read and write
 * within c->timeout_ms. OUT: *out, to cancel. HL_ERR_NOMEM, HL_ERR_INVALID
 * (err); done is not called then. */
HL_WUR int hl_httpc_start(struct event_base *base, struct ssl_ctx_st *tls,
    const struct hl_httpc *c, const struct hl_httpc_req *rq, hl_httpc_done_fn done, void *arg,
    struct hl_httpc_call **out, char *err, size_t errlen);
/* Stop a call done has not been called for, and free it. NULL is fine. */
void hl_httpc_cancel(struct hl_httpc_call *call);

#endif
