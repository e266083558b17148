/* httpc.h: the CLI's small blocking HTTPS client (TLS 1.3 only) and its
 * response parser, which is a pure function over untrusted bytes. */
#ifndef HL_HTTPC_H
#define HL_HTTPC_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"
#include "hl_limits.h"

#define HL_HTTPC_HEADERS_MAX HL_HTTP_HEADERS_MAX_BYTES   /* status line + headers */
#define HL_HTTPC_HEADER_LINES_MAX 64
#define HL_HTTPC_TIMEOUT_MS 30000

struct hl_http_resp {
	int status;                 /* 100..599 */
	char content_type[128];     /* "" when absent */
	char retry_after[32];       /* "" when absent */
	const uint8_t *body;        /* borrowed from the parsed input */
	size_t body_len;
};

/* Parse one HTTP/1.0 or 1.1 response in p[0, len). complete: the peer
 * closed the connection, so nothing more will come. Returns HL_OK (OUT:
 * *out), HL_ERR_AGAIN when more bytes are needed (only if !complete),
 * HL_ERR_TOO_BIG when the head exceeds HL_HTTPC_HEADERS_MAX or the body
 * exceeds body_max, HL_ERR_MALFORMED otherwise (bad status line or header,
 * obsolete line folding, Transfer-Encoding, conflicting or bad
 * Content-Length, body shorter or longer than Content-Length). */
HL_WUR int hl_httpc_parse_response(const uint8_t *p, size_t len, int complete, size_t body_max,
    struct hl_http_resp *out);

struct hl_httpc {
	char host[HL_HOST_MAX + 1];
	uint16_t port;
	char ca_path[HL_PATH_MAX];       /* trust anchor: our partner's CA */
	char node[HL_NODE_NAME_MAX + 1]; /* the node the certificate must name */
	char user[HL_OPERATOR_MAX + 1];
	char *password;                  /* borrowed */
	int timeout_ms;
};

/* Errors hl_httpc_request reports (besides HL_ERR_NOMEM). */
/* HL_ERR_IO: cannot connect / send / receive; HL_ERR_CRYPTO: TLS or
 * certificate failure; HL_ERR_MALFORMED / HL_ERR_TOO_BIG: bad response. */

/* One request with Connection: close. body may be NULL (no body). On
 * success the raw response is returned in *raw (caller frees with
 * hl_free) and out borrows from it. err gets one line on failure. */
HL_WUR int hl_httpc_request(const struct hl_httpc *c, const char *method, const char *path,
    const uint8_t *body, size_t body_len, struct hl_http_resp *out, uint8_t **raw,
    char *err, size_t errlen);

#endif
