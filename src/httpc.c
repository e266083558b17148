/* httpc.c: a small blocking HTTPS client for the CLI: TLS 1.3 only, the
 * node's certificate verified against our partner CA and checked to name
 * the configured node, one request per connection, hard limits on what
 * is read back. The response parser is pure (fuzz/fuzz_httpc.c). */
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

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

#include "alloc.h"
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

static int
parse_response(const uint8_t *p, size_t len, int complete, size_t body_max,
    struct hl_http_resp *out)
{
	const uint8_t *end, *line, *nl, *colon, *v, *ve;
	size_t headlen, scan, avail, i, cl = 0, nlines = 0;
	int have_cl = 0, r;

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
			return HL_ERR_MALFORMED;      /* we speak Content-Length or close only */
		} else if (NAME_IS("Content-Type")) {
			copy_value(out->content_type, sizeof(out->content_type), v, (size_t)(ve - v));
		} else if (NAME_IS("Retry-After")) {
			copy_value(out->retry_after, sizeof(out->retry_after), v, (size_t)(ve - v));
		}
#undef NAME_IS
	}
	avail = len - (headlen + 2);
	out->body = p + headlen + 2;
	if (have_cl) {
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

/* ---- the client ---- */

static void
lower_first(char *s)
{
	if (s[0] >= 'A' && s[0] <= 'Z')
		s[0] = (char)(s[0] - 'A' + 'a');
}

/* Connect with a timeout. OUT: *fdp. */
static int
tcp_connect(const struct hl_httpc *c, int *fdp, char *err, size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	struct pollfd pfd;
	struct timeval tv;
	socklen_t sl;
	char port[8], why[128];
	int fd = -1, flags, e = 0, soerr, r = HL_ERR_IO, gai;

	*fdp = -1;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	snprintf(port, sizeof(port), "%u", (unsigned)c->port);
	if ((gai = getaddrinfo(c->host, port, &hints, &res)) != 0) {
		snprintf(err, errlen, "cannot reach node at %s:%u: %s", c->host, (unsigned)c->port,
		    gai_strerror(gai));
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
			if (poll(&pfd, 1, c->timeout_ms) != 1) {
				e = ETIMEDOUT;
				goto next;
			}
			sl = sizeof(soerr);
			if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &sl) != 0 || soerr != 0) {
				e = soerr != 0 ? soerr : errno;
				goto next;
			}
		}
		if (fcntl(fd, F_SETFL, flags) < 0) {
			e = errno;
			goto next;
		}
		tv.tv_sec = c->timeout_ms / 1000;
		tv.tv_usec = (c->timeout_ms % 1000) * 1000;
		if (setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv)) != 0 ||
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
		snprintf(err, errlen, "cannot reach node at %s:%u: %s", c->host, (unsigned)c->port, why);
	}
	freeaddrinfo(res);
	return r;
}

static void
tls_error(const struct hl_httpc *c, SSL *ssl, const char *what, char *err, size_t errlen)
{
	unsigned long e = ERR_peek_last_error();
	long vr = ssl != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	char buf[256];

	if (vr != X509_V_OK)
		snprintf(buf, sizeof(buf), "certificate: %s", X509_verify_cert_error_string(vr));
	else if (e != 0)
		ERR_error_string_n(e, buf, sizeof(buf));
	else if (errno == EAGAIN || errno == EWOULDBLOCK)
		snprintf(buf, sizeof(buf), "timed out");
	else if (errno != 0)
		snprintf(buf, sizeof(buf), "%s", strerror(errno));
	else
		snprintf(buf, sizeof(buf), "connection closed");
	lower_first(buf);
	snprintf(err, errlen, "%s node at %s:%u: %s", what, c->host, (unsigned)c->port, buf);
	ERR_clear_error();
}

static int
is_ip_literal(const char *h)
{
	struct addrinfo hints, *res = NULL;

	memset(&hints, 0, sizeof(hints));
	hints.ai_flags = AI_NUMERICHOST;
	if (getaddrinfo(h, NULL, &hints, &res) != 0)
		return 0;
	freeaddrinfo(res);
	return 1;
}

/* TLS 1.3 to the node; verify chain and node name. OUT: *sslp, *ctxp. */
static int
tls_open(const struct hl_httpc *c, int fd, SSL_CTX **ctxp, SSL **sslp, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	X509 *peer;
	char name[HL_NODE_NAME_MAX + 1];
	int r = HL_ERR_CRYPTO;

	*ctxp = NULL;
	*sslp = NULL;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_client_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		tls_error(c, NULL, "cannot set up TLS for", err, errlen);
		goto out;
	}
	if (SSL_CTX_load_verify_locations(ctx, c->ca_path, NULL) != 1) {
		snprintf(err, errlen, "%s: cannot load the CA certificate", c->ca_path);
		ERR_clear_error();
		goto out;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);
	SSL_CTX_set_options(ctx, SSL_OP_IGNORE_UNEXPECTED_EOF);   /* Content-Length guards truncation */
	if ((ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1) {
		tls_error(c, NULL, "cannot set up TLS for", err, errlen);
		goto out;
	}
	if (!is_ip_literal(c->host) && SSL_set_tlsext_host_name(ssl, c->host) != 1) {
		tls_error(c, NULL, "cannot set up TLS for", err, errlen);
		goto out;
	}
	errno = 0;
	if (SSL_connect(ssl) != 1) {
		tls_error(c, ssl, "TLS handshake failed with", err, errlen);
		goto out;
	}
	if ((peer = SSL_get0_peer_certificate(ssl)) == NULL) {
		snprintf(err, errlen, "node at %s:%u sent no certificate", c->host, (unsigned)c->port);
		goto out;
	}
	if (c->node[0] != '\0' && (hl_pki_cert_node_name(peer, name) != HL_OK ||
	    strcmp(name, c->node) != 0)) {
		snprintf(err, errlen, "node at %s:%u is not %s (its certificate names %s)", c->host,
		    (unsigned)c->port, c->node, hl_pki_cert_node_name(peer, name) == HL_OK ?
		    name : "no node");
		goto out;
	}
	*ctxp = ctx;
	*sslp = ssl;
	ctx = NULL;
	ssl = NULL;
	r = HL_OK;
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
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

static int
build_head(const struct hl_httpc *c, const char *method, const char *path, int has_body,
    size_t body_len, struct hl_buf *b)
{
	char cred[HL_OPERATOR_MAX + 1 + 1024 + 1], line[512];
	unsigned char auth[(sizeof(cred) + 2) / 3 * 4 + 1];
	size_t ul, pl;
	int n, r = HL_ERR_INVALID;

	ul = strlen(c->user);
	pl = c->password != NULL ? strlen(c->password) : 0;
	if (ul + 1 + pl >= sizeof(cred))
		goto out;
	memcpy(cred, c->user, ul);
	cred[ul] = ':';
	if (pl > 0)
		memcpy(cred + ul + 1, c->password, pl);
	EVP_EncodeBlock(auth, (unsigned char *)cred, (int)(ul + 1 + pl));
	n = snprintf(line, sizeof(line), "%s %s HTTP/1.1\r\nHost: %s%s%s:%u\r\n", method, path,
	    strchr(c->host, ':') != NULL ? "[" : "", c->host,
	    strchr(c->host, ':') != NULL ? "]" : "", (unsigned)c->port);
	if (n < 0 || (size_t)n >= sizeof(line))
		goto out;
	hl_buf_put(b, line, (size_t)n);
	hl_buf_put(b, "Authorization: Basic ", 21);
	hl_buf_put(b, auth, strlen((char *)auth));
	n = snprintf(line, sizeof(line), "\r\nUser-Agent: hotline/%s\r\nAccept: application/json\r\n"
	    "Connection: close\r\n", HL_VERSION);
	hl_buf_put(b, line, (size_t)n);
	if (has_body) {
		n = snprintf(line, sizeof(line), "Content-Type: application/json\r\n"
		    "Content-Length: %zu\r\n", body_len);
		hl_buf_put(b, line, (size_t)n);
	}
	hl_buf_put(b, "\r\n", 2);
	r = hl_buf_error(b);
out:
	OPENSSL_cleanse(cred, sizeof(cred));
	OPENSSL_cleanse(auth, sizeof(auth));
	return r;
}

int
hl_httpc_request(const struct hl_httpc *c, const char *method, const char *path,
    const uint8_t *body, size_t body_len, struct hl_http_resp *out, uint8_t **raw,
    char *err, size_t errlen)
{
	struct hl_buf head, in;
	SSL_CTX *ctx = NULL;
	SSL *ssl = NULL;
	size_t got, len = 0, want;
	int fd = -1, r, e, complete = 0;
	const size_t body_max = HL_CONTENT_MAX_BYTES / 3 * 4 + 2u * 1024 * 1024;

	memset(out, 0, sizeof(*out));
	*raw = NULL;
	hl_buf_init(&head, HL_HTTPC_HEADERS_MAX);
	hl_buf_init(&in, HL_HTTPC_HEADERS_MAX + body_max);
	if ((r = build_head(c, method, path, body != NULL, body_len, &head)) != HL_OK) {
		snprintf(err, errlen, "request too large");
		goto out;
	}
	if ((r = tcp_connect(c, &fd, err, errlen)) != HL_OK)
		goto out;
	if ((r = tls_open(c, fd, &ctx, &ssl, err, errlen)) != HL_OK)
		goto out;
	errno = 0;
	if ((r = ssl_write_all(ssl, head.data, head.len)) != HL_OK ||
	    (body != NULL && (r = ssl_write_all(ssl, body, body_len)) != HL_OK)) {
		tls_error(c, ssl, "cannot send to", err, errlen);
		goto out;
	}
	for (;;) {
		want = in.max - in.len < 64 * 1024 ? in.max - in.len : 64 * 1024;
		if (want == 0) {
			snprintf(err, errlen, "response from node at %s:%u is too large",
			    c->host, (unsigned)c->port);
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
			e = SSL_get_error(ssl, 0);
			if (e != SSL_ERROR_ZERO_RETURN) {
				tls_error(c, ssl, "cannot read from", err, errlen);
				r = HL_ERR_IO;
				goto out;
			}
			complete = 1;
		}
		r = hl_httpc_parse_response(in.data, in.len, complete, body_max, out);
		if (r == HL_OK)
			break;
		if (r != HL_ERR_AGAIN) {
			snprintf(err, errlen, "bad HTTP response from node at %s:%u (%s)", c->host,
			    (unsigned)c->port, hl_strerror(r));
			goto out;
		}
		if (complete) {
			r = HL_ERR_MALFORMED;
			snprintf(err, errlen, "truncated response from node at %s:%u", c->host,
			    (unsigned)c->port);
			goto out;
		}
	}
	*raw = hl_buf_steal(&in, &len);
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
