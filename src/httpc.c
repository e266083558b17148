/* httpc.c: the one HTTPS client (see httpc.h): the response parser and the
 * request head (no I/O), the TLS set-up and the peer check, a blocking
 * driver (sockets with timeouts) and an evented one (a bufferevent over
 * TLS on a libevent loop). */
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "httpc.h"
#include "pki.h"
#include "version.h"

/* ---- the response parser ---- */

static const uint8_t *
find_crlfcrlf(const uint8_t *p, size_t len)
{
	size_t i;

	for (i = 0; i + 3 < len; i++)
		if (p[i] == '\r' && p[i + 1] == '\n' && p[i + 2] == '\r' && p[i + 3] == '\n')
			return p + i;
	return NULL;
}

static int
is_tchar(uint8_t c)
{
	if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'))
		return 1;
	return c != '\0' && strchr("!#$%&'*+-.^_`|~", c) != NULL;
}

/* field-value characters: HTAB, SP, VCHAR, obs-text */
static int
is_vchar(uint8_t c)
{
	return c == '\t' || (c >= 0x20 && c != 0x7f);
}

static int
parse_status_line(const uint8_t *p, size_t n, int *status)
{
	size_t i;

	*status = 0;
	if (n < 12 || (memcmp(p, "HTTP/1.1 ", 9) != 0 && memcmp(p, "HTTP/1.0 ", 9) != 0))
		return HL_ERR_MALFORMED;
	for (i = 9; i < 12; i++)
		if (p[i] < '0' || p[i] > '9')
			return HL_ERR_MALFORMED;
	*status = (p[9] - '0') * 100 + (p[10] - '0') * 10 + (p[11] - '0');
	if (*status < 200 || *status > 599)   /* we never ask for 1xx */
		return HL_ERR_MALFORMED;
	if (n > 12 && p[12] != ' ')
		return HL_ERR_MALFORMED;
	for (i = 13; i < n; i++)
		if (!is_vchar(p[i]))
			return HL_ERR_MALFORMED;
	return HL_OK;
}

static void
copy_value(char *dst, size_t dstsz, const uint8_t *v, size_t n)
{
	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

/* The CRLF that ends a line at p[*i]: past it, HL_ERR_AGAIN before it
 * arrived, HL_ERR_MALFORMED for a bare CR. */
static int
crlf(const uint8_t *p, size_t n, size_t *i)
{
	if (*i + 2 > n)
		return HL_ERR_AGAIN;
	if (p[*i] != '\r' || p[*i + 1] != '\n')
		return HL_ERR_MALFORMED;
	*i += 2;
	return HL_OK;
}

/* Walk a chunked body p[0, n): chunk-size [chunk-ext] CRLF data CRLF ...,
 * "0" [chunk-ext] CRLF, trailer lines, CRLF. With dst (== p) the data is
 * moved down over the framing. OUT: *used (bytes of p the body takes),
 * *dlen (data bytes). HL_ERR_AGAIN when it has not ended yet. */
static int
walk_chunks(const uint8_t *p, size_t n, size_t body_max, uint8_t *dst, size_t *used,
    size_t *dlen)
{
	size_t i = 0, start, sz, total = 0, framing = 0, ext, tl;
	int r;

	*used = 0;
	*dlen = 0;
	for (;;) {
		for (start = i, sz = 0; i < n && isxdigit(p[i]); i++) {
			if (i - start >= 15)
				return HL_ERR_MALFORMED;   /* 16 digits would overflow our sizes */
			sz = sz * 16 + (size_t)(p[i] <= '9' ? p[i] - '0' : (p[i] | 0x20) - 'a' + 10);
		}
		if (i == start && i < n)
			return HL_ERR_MALFORMED;
		for (ext = 0; i < n && p[i] != '\r'; i++, ext++)
			if ((ext == 0 && p[i] != ';' && p[i] != ' ' && p[i] != '\t') ||
			    !is_vchar(p[i]) || ext >= HL_HTTPC_CHUNK_EXT_MAX)
				return HL_ERR_MALFORMED;
		if ((r = crlf(p, n, &i)) != HL_OK)
			return r;
		framing += i - start;
		if (framing > HL_HTTPC_FRAMING_MAX)
			return HL_ERR_TOO_BIG;
		if (sz == 0)
			break;
		if (sz > body_max - total)
			return HL_ERR_TOO_BIG;
		if (n - i < sz)
			return HL_ERR_AGAIN;
		if (dst != NULL)
			memmove(dst + total, p + i, sz);
		i += sz;
		if ((r = crlf(p, n, &i)) != HL_OK)
			return r;
		total += sz;
		framing += 2;
	}
	/* trailer fields (ignored), then the empty line */
	for (tl = 0;;) {
		for (start = i; i < n && p[i] != '\r'; i++) {
			if (!is_vchar(p[i]))
				return HL_ERR_MALFORMED;
			if (++tl > HL_HTTPC_HEADERS_MAX)
				return HL_ERR_TOO_BIG;
		}
		if ((r = crlf(p, n, &i)) != HL_OK)
			return r;
		if (i - start == 2)
			break;
		if (p[start] == ' ' || p[start] == '\t' || memchr(p + start, ':', i - 2 - start) == NULL)
			return HL_ERR_MALFORMED;
	}
	*used = i;
	*dlen = total;
	return HL_OK;
}

int
hl_httpc_dechunk(uint8_t *p, size_t len, size_t *outlen)
{
	size_t used;
	int r;

	*outlen = 0;
	if ((r = walk_chunks(p, len, len, p, &used, outlen)) == HL_OK && used != len)
		r = HL_ERR_MALFORMED;
	if (r != HL_OK) {
		*outlen = 0;
		return r == HL_ERR_AGAIN ? HL_ERR_MALFORMED : r;
	}
	return HL_OK;
}

static int
parse_response(const uint8_t *p, size_t len, int complete, size_t body_max,
    struct hl_http_resp *out)
{
	const uint8_t *end, *line, *nl, *colon, *v, *ve;
	size_t headlen, scan, avail, i, cl = 0, nlines = 0, used, dlen;
	int have_cl = 0, chunked = 0, have_te = 0, r;

	memset(out, 0, sizeof(*out));
	scan = len < HL_HTTPC_HEADERS_MAX ? len : HL_HTTPC_HEADERS_MAX;
	if ((end = find_crlfcrlf(p, scan)) == NULL) {
		if (len >= HL_HTTPC_HEADERS_MAX)
			return HL_ERR_TOO_BIG;
		return complete ? HL_ERR_MALFORMED : HL_ERR_AGAIN;
	}
	headlen = (size_t)(end - p) + 2;   /* through the last header's CRLF */
	/* no bare CR or LF anywhere in the head */
	for (i = 0; i < headlen; i++) {
		if (p[i] == '\r' && p[i + 1] != '\n')
			return HL_ERR_MALFORMED;
		if (p[i] == '\n' && (i == 0 || p[i - 1] != '\r'))
			return HL_ERR_MALFORMED;
	}
	nl = memchr(p, '\r', headlen);
	if ((r = parse_status_line(p, (size_t)(nl - p), &out->status)) != HL_OK)
		return r;
	for (line = nl + 2; line < p + headlen; line = nl + 2) {
		nl = memchr(line, '\r', (size_t)(p + headlen - line));
		if (nl == line)
			return HL_ERR_MALFORMED;      /* cannot happen: the blank line ends the head */
		if (++nlines > HL_HTTPC_HEADER_LINES_MAX)
			return HL_ERR_TOO_BIG;
		if (line[0] == ' ' || line[0] == '\t')
			return HL_ERR_MALFORMED;      /* obsolete line folding */
		if ((colon = memchr(line, ':', (size_t)(nl - line))) == NULL || colon == line)
			return HL_ERR_MALFORMED;
		for (v = line; v < colon; v++)
			if (!is_tchar(*v))
				return HL_ERR_MALFORMED;
		for (v = colon + 1; v < nl && (*v == ' ' || *v == '\t'); v++)
			;
		for (ve = nl; ve > v && (ve[-1] == ' ' || ve[-1] == '\t'); ve--)
			;
		for (i = 0; v + i < ve; i++)
			if (!is_vchar(v[i]))
				return HL_ERR_MALFORMED;
#define NAME_IS(s) ((size_t)(colon - line) == strlen(s) && \
	strncasecmp((const char *)line, (s), strlen(s)) == 0)
		if (NAME_IS("Content-Length")) {
			if (have_cl || ve == v || ve - v > 19)
				return HL_ERR_MALFORMED;
			for (cl = 0, i = 0; v + i < ve; i++) {
				if (v[i] < '0' || v[i] > '9')
					return HL_ERR_MALFORMED;
				cl = cl * 10 + (size_t)(v[i] - '0');
			}
			have_cl = 1;
			if (cl > body_max)
				return HL_ERR_TOO_BIG;
		} else if (NAME_IS("Transfer-Encoding")) {
			/* chunked alone: we ask for no other coding */
			if (have_te || ve - v != 7 || strncasecmp((const char *)v, "chunked", 7) != 0)
				return HL_ERR_MALFORMED;
			have_te = chunked = 1;
		} else if (NAME_IS("Content-Type")) {
			copy_value(out->content_type, sizeof(out->content_type), v, (size_t)(ve - v));
		} else if (NAME_IS("Retry-After")) {
			copy_value(out->retry_after, sizeof(out->retry_after), v, (size_t)(ve - v));
		}
#undef NAME_IS
	}
	/* both, or chunked from an HTTP/1.0 server: a message to distrust */
	if (chunked && (have_cl || p[7] == '0'))
		return HL_ERR_MALFORMED;
	out->head = p;
	out->head_len = headlen;
	avail = len - (headlen + 2);
	out->body = p + headlen + 2;
	if (chunked) {
		r = walk_chunks(out->body, avail, body_max, NULL, &used, &dlen);
		if (r == HL_ERR_AGAIN)
			r = complete ? HL_ERR_MALFORMED : HL_ERR_AGAIN;
		else if (r == HL_OK && used != avail)
			r = HL_ERR_MALFORMED;
		out->body_len = used;
		out->chunked = 1;
	} else if (have_cl) {
		if (avail < cl)
			r = complete ? HL_ERR_MALFORMED : HL_ERR_AGAIN;
		else if (avail > cl)
			r = HL_ERR_MALFORMED;
		else
			r = HL_OK;
		out->body_len = cl;
	} else {
		if (avail > body_max)
			r = HL_ERR_TOO_BIG;
		else
			r = complete ? HL_OK : HL_ERR_AGAIN;
		out->body_len = avail;
	}
	return r;
}

int
hl_httpc_parse_response(const uint8_t *p, size_t len, int complete, size_t body_max,
    struct hl_http_resp *out)
{
	int r;

	if ((r = parse_response(p, len, complete, body_max, out)) != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_httpc_header(const uint8_t *p, size_t len, const char *name, char *out, size_t cap)
{
	size_t nl = strlen(name), i = 0, e, vs, ve;

	if (cap > 0)
		out[0] = '\0';
	/* skip the status line */
	while (i < len && p[i] != '\n')
		i++;
	i++;
	while (i < len) {
		for (e = i; e < len && p[e] != '\n'; e++)
			;
		ve = e > i && p[e - 1] == '\r' ? e - 1 : e;
		if (ve - i > nl && p[i + nl] == ':' && strncasecmp((const char *)p + i, name, nl) == 0) {
			for (vs = i + nl + 1; vs < ve && (p[vs] == ' ' || p[vs] == '\t'); vs++)
				;
			while (ve > vs && (p[ve - 1] == ' ' || p[ve - 1] == '\t'))
				ve--;
			if (ve - vs >= cap)
				return HL_ERR_TOO_BIG;
			memcpy(out, p + vs, ve - vs);
			out[ve - vs] = '\0';
			for (e = 0; out[e] != '\0'; e++)
				if ((unsigned char)out[e] < 0x20 || out[e] == 0x7f)
					return HL_ERR_MALFORMED;
			return HL_OK;
		}
		i = e + 1;
	}
	return HL_ERR_NOT_FOUND;
}

/* ---- the request ---- */

/* A request-line or header value we write: printable, no blanks (or with
 * blanks but no CR / LF when blanks_ok). */
static int
text_ok(const char *s, int blanks_ok)
{
	for (; s != NULL && *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || *s == 0x7f || (!blanks_ok && *s == ' '))
			return 0;
	return s != NULL;
}

int
hl_httpc_head(const struct hl_httpc *c, const struct hl_httpc_req *rq, struct hl_buf *b)
{
	char cred[HL_OPERATOR_MAX + 1 + HL_API_PASSWORD_MAX + 1], line[HL_HOST_MAX + 64];
	unsigned char auth[(sizeof(cred) + 2) / 3 * 4 + 1];
	size_t ul = strlen(c->user), pl = c->password != NULL ? strlen(c->password) : 0, i;
	const char *accept = rq->accept != NULL ? rq->accept : HL_HTTPC_JSON;
	const char *ctype = rq->content_type != NULL ? rq->content_type : HL_HTTPC_JSON;
	int n, r = HL_ERR_INVALID, v6 = strchr(c->host, ':') != NULL;
	int bearer = c->token != NULL && c->token[0] != '\0';
	int otp = (ul > 0 || bearer || c->cert_path[0] != '\0') && c->otp != NULL &&
	    c->otp[0] != '\0';

	if ((otp && (strlen(c->otp) > HL_HTTPC_OTP_MAX || strspn(c->otp, "0123456789") !=
	    strlen(c->otp))) || (bearer && strspn(c->token, "0123456789abcdef") !=
	    strlen(c->token)) || rq->method == NULL || rq->method[0] == '\0' || rq->path == NULL ||
	    rq->path[0] != '/' || !text_ok(rq->path, 0) || !text_ok(accept, 1) ||
	    !text_ok(ctype, 1) || !text_ok(c->host, 0) || memchr(c->user, ':', ul) != NULL ||
	    ul + 1 + pl >= sizeof(cred))
		goto out;
	for (i = 0; rq->method[i] != '\0'; i++)
		if (rq->method[i] < 'A' || rq->method[i] > 'Z')
			goto out;
	hl_buf_put(b, rq->method, strlen(rq->method));
	hl_buf_put(b, " ", 1);
	hl_buf_put(b, rq->path, strlen(rq->path));
	n = snprintf(line, sizeof(line), " HTTP/1.1\r\nHost: %s%s%s:%u\r\nUser-Agent: hotline/%s\r\n",
	    v6 ? "[" : "", c->host, v6 ? "]" : "", (unsigned)c->port, HL_VERSION);
	if (n < 0 || (size_t)n >= sizeof(line))
		goto out;
	hl_buf_put(b, line, (size_t)n);
	hl_buf_put(b, "Accept: ", 8);
	hl_buf_put(b, accept, strlen(accept));
	hl_buf_put(b, "\r\nConnection: close\r\n", 21);
	if (bearer) {
		hl_buf_put(b, "Authorization: Bearer ", 22);
		hl_buf_put(b, c->token, strlen(c->token));
		hl_buf_put(b, "\r\n", 2);
	} else if (ul > 0) {
		memcpy(cred, c->user, ul);
		cred[ul] = ':';
		if (pl > 0)
			memcpy(cred + ul + 1, c->password, pl);
		EVP_EncodeBlock(auth, (unsigned char *)cred, (int)(ul + 1 + pl));
		hl_buf_put(b, "Authorization: Basic ", 21);
		hl_buf_put(b, auth, strlen((char *)auth));
		hl_buf_put(b, "\r\n", 2);
	}
	if (otp) {
		hl_buf_put(b, "X-Hotline-OTP: ", 15);
		hl_buf_put(b, c->otp, strlen(c->otp));
		hl_buf_put(b, "\r\n", 2);
	}
	if (rq->body != NULL) {
		hl_buf_put(b, "Content-Type: ", 14);
		hl_buf_put(b, ctype, strlen(ctype));
		n = snprintf(line, sizeof(line), "\r\nContent-Length: %zu\r\n", rq->body_len);
		hl_buf_put(b, line, (size_t)n);
	}
	hl_buf_put(b, "\r\n", 2);
	r = hl_buf_error(b);
out:
	OPENSSL_cleanse(cred, sizeof(cred));
	OPENSSL_cleanse(auth, sizeof(auth));
	return r;
}

/* ---- TLS ---- */

static void
lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z')
		s[0] = (char)(s[0] - 'A' + 'a');
}

/* "node at HOST:PORT" (a hotline node) or "HOST:PORT" */
static void
peer_name(const struct hl_httpc *c, char *out, size_t cap)
{
	snprintf(out, cap, "%s%s:%u", c->node[0] != '\0' ? "node at " : "", c->host,
	    (unsigned)c->port);
}

/* "WHAT PEER: why" from the verification, an OpenSSL error (oe, else
 * OpenSSL's queue) or errno e. */
static void
tls_error_oe(const struct hl_httpc *c, SSL *ssl, const char *what, unsigned long oe, int e,
    char *err, size_t errlen)
{
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char buf[256], peer[HL_HOST_MAX + 32];

	if (vr != X509_V_OK)
		snprintf(buf, sizeof(buf), "certificate: %s", X509_verify_cert_error_string(vr));
	else if (oe != 0)
		ERR_error_string_n(oe, buf, sizeof(buf));
	else if (e == EAGAIN || e == EWOULDBLOCK || e == ETIMEDOUT)
		snprintf(buf, sizeof(buf), "timed out");
	else if (e != 0)
		snprintf(buf, sizeof(buf), "%s", strerror(e));
	else
		snprintf(buf, sizeof(buf), "connection closed");
	lower_first(buf);
	peer_name(c, peer, sizeof(peer));
	snprintf(err, errlen, "%s %s: %s", what, peer, buf);
	ERR_clear_error();
}

static void
tls_error(const struct hl_httpc *c, SSL *ssl, const char *what, int e, char *err,
    size_t errlen)
{
	tls_error_oe(c, ssl, what, ERR_peek_last_error(), e, err, errlen);
}

int
hl_httpc_ip_literal(const char *h)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(h, NULL, &hints, &res) != 0)
		return 0;
	freeaddrinfo(res);
	return 1;
}

int
hl_httpc_tls(const struct hl_httpc *c, SSL_CTX **out, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	int node = c->node[0] != '\0';

	*out = NULL;
	ERR_clear_error();
	/* our own nodes speak TLS 1.3 only; other servers may be at 1.2 */
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, node ? TLS1_3_VERSION : TLS1_2_VERSION) != 1 ||
	    (node && SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1)) {
		tls_error(c, NULL, "cannot set up TLS for", 0, err, errlen);
		SSL_CTX_free(ctx);
		return HL_ERR_CRYPTO;
	}
	if (SSL_CTX_load_verify_locations(ctx, c->ca_path, NULL) != 1) {
		snprintf(err, errlen, "%s: cannot load the CA certificate", c->ca_path);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return HL_ERR_CONFIG;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	if (c->cert_path[0] != '\0' &&
	    (SSL_CTX_use_certificate_chain_file(ctx, c->cert_path) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, c->key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1)) {
		snprintf(err, errlen, "%s, %s: cannot use the client certificate and key",
		    c->cert_path, c->key_path);
		ERR_clear_error();
		SSL_CTX_free(ctx);
		return HL_ERR_CONFIG;
	}
	/* a close without close_notify ends a body read to the close; one
	 * with a length or chunks is checked by the parser */
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);
	*out = ctx;
	return HL_OK;
}

/* A connection's TLS state: SNI (for a name), and for another server the
 * host-name check. */
static int
ssl_new(SSL_CTX *ctx, const struct hl_httpc *c, SSL **out, char *err, size_t errlen)
{
	SSL *ssl;

	*out = NULL;
	if ((ssl = SSL_new(ctx)) == NULL ||
	    (!hl_httpc_ip_literal(c->host) && SSL_set_tlsext_host_name(ssl, c->host) != 1) ||
	    (c->node[0] == '\0' && SSL_set1_host(ssl, c->host) != 1)) {
		tls_error(c, NULL, "cannot set up TLS for", 0, err, errlen);
		SSL_free(ssl);
		return HL_ERR_CRYPTO;
	}
	*out = ssl;
	return HL_OK;
}

/* After the handshake, before anything is sent: a hotline node's
 * certificate names the node we asked for (any, for HL_HTTPC_ANY_NODE).
 * OUT: name, the node it names. */
static int
peer_check(const struct hl_httpc *c, SSL *ssl, char name[HL_NODE_NAME_MAX + 1], char *err,
    size_t errlen)
{
	X509 *peer = SSL_get0_peer_certificate(ssl);
	char pn[HL_HOST_MAX + 32];

	name[0] = '\0';
	peer_name(c, pn, sizeof(pn));
	if (peer == NULL) {
		snprintf(err, errlen, "%s sent no certificate", pn);
		return HL_ERR_CRYPTO;
	}
	if (c->node[0] == '\0')
		return HL_OK;
	if (hl_pki_cert_node_name(peer, name) != HL_OK) {
		snprintf(err, errlen, "%s is not %s (its certificate names no node)", pn, c->node);
		return HL_ERR_CRYPTO;
	}
	if (strcmp(name, c->node) != 0 && strcmp(c->node, HL_HTTPC_ANY_NODE) != 0) {
		snprintf(err, errlen, "%s is not %s (its certificate names %s)", pn, c->node, name);
		return HL_ERR_CRYPTO;
	}
	return HL_OK;
}

/* The response in in[0, len) once parse said HL_OK: a chunked body
 * decoded in place. */
static int
finish_body(uint8_t *in, struct hl_http_resp *out)
{
	size_t n;
	int r;

	if (!out->chunked)
		return HL_OK;
	if ((r = hl_httpc_dechunk(in + (out->body - in), out->body_len, &n)) != HL_OK)
		return r;
	out->body_len = n;
	out->chunked = 0;
	return HL_OK;
}

static size_t
in_max(size_t body_max)
{
	return HL_HTTPC_HEADERS_MAX + body_max + HL_HTTPC_FRAMING_MAX;
}

static int
timeout_of(const struct hl_httpc *c)
{
	return c->timeout_ms > 0 ? c->timeout_ms : HL_HTTPC_TIMEOUT_MS;
}

/* ---- the blocking driver ---- */

/* Connect with a timeout. OUT: *fdp. */
static int
tcp_connect(const struct hl_httpc *c, int *fdp, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct pollfd pfd;
	struct timeval tv;
	socklen_t sl;
	char port[8], why[128], peer[HL_HOST_MAX + 32];
	int fd = -1, flags, e = 0, soerr, r = HL_ERR_IO, gai, tmo = timeout_of(c);

	*fdp = -1;
	peer_name(c, peer, sizeof(peer));
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	if ((gai = getaddrinfo(c->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot reach %s: %s", peer, gai_strerror(gai));
		return HL_ERR_IO;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC, ai->ai_protocol)) < 0) {
			e = errno;
			continue;
		}
		flags = fcntl(fd, F_GETFL);
		if (flags < 0 || fcntl(fd, F_SETFL, flags | O_NONBLOCK) < 0) {
			e = errno;
			goto next;
		}
		if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
			if (errno != EINPROGRESS) {
				e = errno;
				goto next;
			}
			pfd.fd = fd;
			pfd.events = POLLOUT;
			pfd.revents = 0;
			if (poll(&pfd, 1, tmo) != 1) {
				e = ETIMEDOUT;
				goto next;
			}
			sl = sizeof(soerr);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
				e = soerr != 0 ? soerr : errno;
				goto next;
			}
		}
		tv.tv_sec = tmo / 1000;
		tv.tv_usec = (tmo % 1000) * 1000;
		if (fcntl(fd, F_SETFL, flags) < 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
		    setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv)) != 0) {
			e = errno;
			goto next;
		}
		*fdp = fd;
		r = HL_OK;
		break;
next:
		close(fd);
		fd = -1;
	}
	if (r != HL_OK) {
		snprintf(why, sizeof(why), "%s", strerror(e != 0 ? e : ECONNREFUSED));
		lower_first(why);
		snprintf(err, errlen, "cannot reach %s: %s", peer, why);
	}
	freeaddrinfo(res);
	return r;
}

static int
ssl_write_all(SSL *ssl, const uint8_t *p, size_t n)
{
	size_t w;

	while (n > 0) {
		if (SSL_write_ex(ssl, p, n, &w) != 1)
			return HL_ERR_IO;
		p += w;
		n -= w;
	}
	return HL_OK;
}

int
hl_httpc_request(const struct hl_httpc *c, const struct hl_httpc_req *rq,
    struct hl_http_resp *out, uint8_t **raw, char *err, size_t errlen)
{
	struct hl_buf head, in;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	size_t got, len = 0, want;
	int fd = -1, r, complete = 0;
	char peer[HL_HOST_MAX + 32], node[HL_NODE_NAME_MAX + 1] = "";

	memset(out, 0, sizeof(*out));
	*raw = NULL;
	peer_name(c, peer, sizeof(peer));
	hl_buf_init(&head, HL_HTTPC_HEADERS_MAX);
	hl_buf_init(&in, in_max(rq->body_max));
	if ((r = hl_httpc_head(c, rq, &head)) != HL_OK) {
		snprintf(err, errlen, "request too large or bad path");
		goto out;
	}
	if ((r = tcp_connect(c, &fd, err, errlen)) != HL_OK ||
	    (r = hl_httpc_tls(c, &ctx, err, errlen)) != HL_OK ||
	    (r = ssl_new(ctx, c, &ssl, err, errlen)) != HL_OK)
		goto out;
	r = HL_ERR_CRYPTO;
	if (SSL_set_fd(ssl, fd) != 1) {
		tls_error(c, NULL, "cannot set up TLS for", 0, err, errlen);
		goto out;
	}
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		tls_error(c, ssl, "TLS handshake failed with", errno, err, errlen);
		goto out;
	}
	if ((r = peer_check(c, ssl, node, err, errlen)) != HL_OK)
		goto out;
	errno = 0;
	if ((r = ssl_write_all(ssl, head.data, head.len)) != HL_OK ||
	    (rq->body != NULL && (r = ssl_write_all(ssl, rq->body, rq->body_len)) != HL_OK)) {
		tls_error(c, ssl, "cannot send to", errno, err, errlen);
		goto out;
	}
	for (;;) {
		want = in.max - in.len < 64 * 1024 ? in.max - in.len : 64 * 1024;
		if (want == 0) {
			snprintf(err, errlen, "response from %s is too large", peer);
			r = HL_ERR_TOO_BIG;
			goto out;
		}
		if ((r = hl_buf_reserve(&in, want)) != HL_OK) {
			snprintf(err, errlen, "out of memory");
			goto out;
		}
		errno = 0;
		if (SSL_read_ex(ssl, in.data + in.len, in.cap - in.len, &got) == 1) {
			in.len += got;
		} else {
			if (SSL_get_error(ssl, 0) != SSL_ERROR_ZERO_RETURN) {
				tls_error(c, ssl, "cannot read from", errno, err, errlen);
				r = HL_ERR_IO;
				goto out;
			}
			complete = 1;
		}
		r = hl_httpc_parse_response(in.data, in.len, complete, rq->body_max, out);
		if (r == HL_OK)
			break;
		if (r != HL_ERR_AGAIN) {
			snprintf(err, errlen, "bad HTTP response from %s (%s)", peer, hl_strerror(r));
			goto out;
		}
		if (complete) {
			r = HL_ERR_MALFORMED;
			snprintf(err, errlen, "truncated response from %s", peer);
			goto out;
		}
	}
	if ((r = finish_body(in.data, out)) != HL_OK) {
		snprintf(err, errlen, "bad HTTP response from %s (%s)", peer, hl_strerror(r));
		goto out;
	}
	*raw = hl_buf_steal(&in, &len);
	snprintf(out->node, sizeof(out->node), "%s", node);
	r = HL_OK;
out:
	if (ssl != NULL)
		SSL_shutdown(ssl);
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	hl_buf_free(&head);
	hl_buf_free(&in);
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

/* ---- the evented driver ---- */

struct hl_httpc_call {
	struct hl_httpc c;               /* a copy, without the password */
	struct bufferevent *bev;
	struct hl_buf req;               /* head and body, sent once the peer is checked */
	struct hl_buf in;                /* the response so far */
	size_t body_max;
	hl_httpc_done_fn done;
	void *arg;
};

static void
call_free(struct hl_httpc_call *call)
{
	if (call == NULL)
		return;
	if (call->bev != NULL)
		bufferevent_free(call->bev);   /* closes the socket, frees the SSL */
	hl_buf_free(&call->req);
	hl_buf_free(&call->in);
	hl_free(call);
}

/* The end of a call: done, then free. */
static void
call_end(struct hl_httpc_call *call, int r, const struct hl_http_resp *resp, const char *err)
{
	bufferevent_disable(call->bev, EV_READ | EV_WRITE);
	call->done(call->arg, r, resp, err != NULL ? err : "");
	call_free(call);
}

/* What arrived so far, complete when the peer closed. 1 when the call
 * ended. */
static int
call_parse(struct hl_httpc_call *call, int complete)
{
	struct hl_http_resp resp;
	char err[300], peer[HL_HOST_MAX + 32];
	int r;

	r = hl_httpc_parse_response(call->in.data, call->in.len, complete, call->body_max, &resp);
	if (r == HL_ERR_AGAIN && !complete)
		return 0;
	peer_name(&call->c, peer, sizeof(peer));
	if (r == HL_ERR_AGAIN)
		r = HL_ERR_MALFORMED;
	if (r == HL_OK)
		r = finish_body(call->in.data, &resp);
	if (r != HL_OK) {
		snprintf(err, sizeof(err), complete && r == HL_ERR_MALFORMED && call->in.len > 0 ?
		    "truncated or bad HTTP response from %s" : "bad HTTP response from %s (%s)", peer,
		    hl_strerror(r));
		call_end(call, r, NULL, err);
		return 1;
	}
	call_end(call, HL_OK, &resp, NULL);
	return 1;
}

/* Move what arrived into call->in and parse it. 1 when the call ended. */
static int
call_drain(struct hl_httpc_call *call)
{
	struct evbuffer *input = bufferevent_get_input(call->bev);
	char err[300], peer[HL_HOST_MAX + 32];
	size_t n;

	while ((n = evbuffer_get_length(input)) > 0) {
		if (n > call->in.max - call->in.len) {
			peer_name(&call->c, peer, sizeof(peer));
			snprintf(err, sizeof(err), "response from %s is too large", peer);
			call_end(call, HL_ERR_TOO_BIG, NULL, err);
			return 1;
		}
		if (hl_buf_reserve(&call->in, n) != HL_OK) {
			call_end(call, HL_ERR_NOMEM, NULL, "out of memory");
			return 1;
		}
		if (evbuffer_remove(input, call->in.data + call->in.len, n) != (int)n) {
			call_end(call, HL_ERR_IO, NULL, "cannot read the response");
			return 1;
		}
		call->in.len += n;
		if (call_parse(call, 0))
			return 1;
	}
	return 0;
}

static void
call_read(struct bufferevent *bev, void *arg)
{
	(void)bev;
	(void)call_drain(arg);
}

static void
call_event(struct bufferevent *bev, short what, void *arg)
{
	struct hl_httpc_call *call = arg;
	SSL *ssl = bufferevent_openssl_get_ssl(bev);
	unsigned long oe;
	char err[300], node[HL_NODE_NAME_MAX + 1];
	int e = EVUTIL_SOCKET_ERROR(), dns, crypto;

	if (what & BEV_EVENT_CONNECTED) {
		/* the handshake is over: check the peer, then send */
		if (peer_check(&call->c, ssl, node, err, sizeof(err)) != HL_OK) {
			call_end(call, HL_ERR_CRYPTO, NULL, err);
			return;
		}
		if (bufferevent_write(bev, call->req.data, call->req.len) != 0) {
			call_end(call, HL_ERR_NOMEM, NULL, "out of memory");
			return;
		}
		hl_buf_free(&call->req);
		return;
	}
	if (what & BEV_EVENT_EOF) {
		/* whatever is still in the input, then the end */
		if (!call_drain(call))
			(void)call_parse(call, 1);
		return;
	}
	if ((dns = bufferevent_socket_get_dns_error(bev)) != 0) {
		snprintf(err, sizeof(err), "cannot reach %s:%u: %s", call->c.host,
		    (unsigned)call->c.port, evutil_gai_strerror(dns));
		call_end(call, HL_ERR_IO, NULL, err);
		return;
	}
	/* OpenSSL's reason, when it has one, is on the bufferevent */
	oe = bufferevent_get_openssl_error(bev);
	while (bufferevent_get_openssl_error(bev) != 0)
		;
	crypto = oe != 0 || (ssl != NULL && SSL_get_verify_result(ssl) != X509_V_OK);
	tls_error_oe(&call->c, ssl, "cannot fetch from", oe,
	    (what & BEV_EVENT_TIMEOUT) ? ETIMEDOUT : e, err, sizeof(err));
	call_end(call, crypto ? HL_ERR_CRYPTO : HL_ERR_IO, NULL, err);
}

int
hl_httpc_start(struct event_base *base, SSL_CTX *tls, const struct hl_httpc *c,
    const struct hl_httpc_req *rq, hl_httpc_done_fn done, void *arg,
    struct hl_httpc_call **out, char *err, size_t errlen)
{
	struct hl_httpc_call *call = NULL;
	struct timeval tv;
	SSL *ssl = NULL;
	int r = HL_ERR_NOMEM, tmo = timeout_of(c);

	*out = NULL;
	if ((call = hl_calloc(1, sizeof(*call))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HL_ERR_NOMEM;
	}
	call->c = *c;
	call->c.password = NULL;
	call->c.token = NULL;
	call->body_max = rq->body_max;
	call->done = done;
	call->arg = arg;
	hl_buf_init(&call->req, HL_HTTPC_HEADERS_MAX + (rq->body != NULL ? rq->body_len : 0));
	hl_buf_init(&call->in, in_max(rq->body_max));
	if ((r = hl_httpc_head(c, rq, &call->req)) != HL_OK) {
		snprintf(err, errlen, "request too large or bad path");
		goto out;
	}
	if (rq->body != NULL)
		hl_buf_put(&call->req, rq->body, rq->body_len);
	if ((r = hl_buf_error(&call->req)) != HL_OK) {
		snprintf(err, errlen, "request too large");
		goto out;
	}
	if ((r = ssl_new(tls, c, &ssl, err, errlen)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((call->bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_CONNECTING,
	    BEV_OPT_CLOSE_ON_FREE | BEV_OPT_DEFER_CALLBACKS)) == NULL) {
		snprintf(err, errlen, "cannot set up TLS for %s", c->host);
		goto out;
	}
	ssl = NULL;   /* the bufferevent frees it */
	bufferevent_openssl_set_allow_dirty_shutdown(call->bev, 1);
	bufferevent_setcb(call->bev, call_read, NULL, call_event, call);
	tv.tv_sec = tmo / 1000;
	tv.tv_usec = (tmo % 1000) * 1000;
	if (bufferevent_set_timeouts(call->bev, &tv, &tv) != 0 ||
	    bufferevent_enable(call->bev, EV_READ | EV_WRITE) != 0 ||
	    bufferevent_socket_connect_hostname(call->bev, NULL, AF_UNSPEC, c->host, c->port) != 0) {
		snprintf(err, errlen, "cannot connect to %s:%u", c->host, (unsigned)c->port);
		r = HL_ERR_IO;
		goto out;
	}
	*out = call;
	call = NULL;
	r = HL_OK;
out:
	SSL_free(ssl);
	call_free(call);
	return r;
}

void
hl_httpc_cancel(struct hl_httpc_call *call)
{
	call_free(call);
}
