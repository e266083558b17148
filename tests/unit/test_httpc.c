/* test_httpc.c: the one HTTPS client (httpc.c). Its response parser over
 * valid, malformed, truncated and oversized input, chunked bodies included;
 * the request head it writes; and both drivers against a TLS server in a
 * thread: a hotline node (TLS 1.3, the node's name in its certificate)
 * and another server (TLS 1.2 allowed, the host name checked), a node
 * certificate naming another node or a wrong CA refused before a byte of
 * the request (credentials) is sent, a timeout, and a cancelled call. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "httpc.h"
#include "pki.h"

/* ---- the HTTP response parser ---- */

#define CH "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"

static int
resp(const char *s, int complete, struct hl_http_resp *r)
{
	return hl_httpc_parse_response((const uint8_t *)s, strlen(s), complete, 1024, r);
}

static void
test_httpc_valid(void **state)
{
	struct hl_http_resp r;

	(void)state;
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 2\r\n\r\n{}", 0, &r), HL_OK);
	assert_int_equal(r.status, 200);
	assert_string_equal(r.content_type, "application/json");
	assert_int_equal(r.body_len, 2);
	assert_memory_equal(r.body, "{}", 2);
	/* read to close, no Content-Length, no reason phrase, odd header case */
	assert_int_equal(resp("HTTP/1.0 404\r\ncontent-type:  text/plain  \r\nX-A: b\r\n\r\nnope",
	    1, &r), HL_OK);
	assert_int_equal(r.status, 404);
	assert_string_equal(r.content_type, "text/plain");
	assert_int_equal(r.body_len, 4);
	assert_int_equal(resp("HTTP/1.1 429 Too Many Requests\r\nRetry-After: 12\r\n"
	    "Content-Length: 0\r\n\r\n", 0, &r), HL_OK);
	assert_string_equal(r.retry_after, "12");
	assert_int_equal(r.body_len, 0);
	/* incomplete: more needed */
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}", 0, &r), HL_ERR_AGAIN);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nContent-Len", 0, &r), HL_ERR_AGAIN);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\n\r\nabc", 0, &r), HL_ERR_AGAIN);
	assert_int_equal(resp("", 0, &r), HL_ERR_AGAIN);
}

static void
test_httpc_malformed(void **state)
{
	static const char *const bad[] = {
		"",                                                        /* nothing, closed */
		"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}",         /* truncated body */
		"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\n{}",         /* extra bytes */
		"HTTP/1.1 200 OK\r\nContent-Len",                          /* truncated head */
		"HTTP/2 200 OK\r\n\r\n",
		"HTTP/1.1 20 OK\r\n\r\n",
		"HTTP/1.1 2000 OK\r\n\r\n",
		"HTTP/1.1 abc OK\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n",
		"HTTP/1.1 600 Weird\r\n\r\n",
		"HTTP/1.1 200OK\r\n\r\n",
		"http/1.1 200 OK\r\n\r\n",
		" HTTP/1.1 200 OK\r\n\r\n",
		"HTTP/1.1 200 O\x01K\r\n\r\n",
		"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nContent-Length: 2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nContent-Length: -2\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nContent-Length: 2x\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nContent-Length:\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nContent-Length: 1 1\r\n\r\n{}",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n{}",        /* not chunked */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Length: 2\r\n\r\n"
		    "2\r\n{}\r\n0\r\n\r\n",                                    /* both */
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n"
		    "\r\n0\r\n\r\n",
		"HTTP/1.0 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
		CH "x\r\n{}\r\n0\r\n\r\n",                                    /* not a size */
		CH "\r\n{}\r\n0\r\n\r\n",                                      /* no size */
		CH "2\r\n{}0\r\n\r\n",                                          /* no CRLF after data */
		CH "2\n{}\r\n0\r\n\r\n",                                        /* bare LF */
		CH "2;a\001b\r\n{}\r\n0\r\n\r\n",                               /* control in extension */
		CH "2x\r\n{}\r\n0\r\n\r\n",                                     /* junk after the size */
		CH "1000000000000000\r\n",                                      /* 16 digits */
		CH "2\r\n{}\r\n0\r\nno colon\r\n\r\n",                          /* bad trailer */
		CH "2\r\n{}\r\n0\r\n\r\nextra",                                  /* bytes after the end */
		CH "2\r\n{}\r\n0\r\n",                                          /* closed before the end */
		"HTTP/1.1 200 OK\r\nX-A: b\r\n folded\r\n\r\n",
		"HTTP/1.1 200 OK\r\nNo colon here\r\n\r\n",
		"HTTP/1.1 200 OK\r\n: empty name\r\n\r\n",
		"HTTP/1.1 200 OK\r\nBad Name: x\r\n\r\n",
		"HTTP/1.1 200 OK\r\nX-A: b\x7f\r\n\r\n",
		"HTTP/1.1 200 OK\nX-A: b\r\n\r\n",                          /* bare LF */
		"HTTP/1.1 200 OK\r\nX-A: b\rc\r\n\r\n",                     /* bare CR */
	};
	struct hl_http_resp r;
	size_t i;
	int rc;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		rc = resp(bad[i], 1, &r);
		if (rc != HL_ERR_MALFORMED)
			fail_msg("case %zu: %d", i, rc);
		assert_int_equal(r.status, 0);
		assert_null(r.body);
	}
}

static void
test_httpc_limits(void **state)
{
	struct hl_http_resp r;
	struct hl_buf b;
	char line[64];
	size_t i;

	(void)state;
	/* head larger than the limit, with or without an end in sight */
	hl_buf_init(&b, 2 * HL_HTTPC_HEADERS_MAX);
	hl_buf_put(&b, "HTTP/1.1 200 OK\r\n", 17);
	while (b.len < HL_HTTPC_HEADERS_MAX + 100)
		hl_buf_put(&b, "X-Pad: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n", 49);
	assert_int_equal(hl_httpc_parse_response(b.data, b.len, 0, 1024, &r), HL_ERR_TOO_BIG);
	hl_buf_put(&b, "\r\n", 2);
	assert_int_equal(hl_httpc_parse_response(b.data, b.len, 1, 1024, &r), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
	/* too many header lines */
	hl_buf_init(&b, HL_HTTPC_HEADERS_MAX);
	hl_buf_put(&b, "HTTP/1.1 200 OK\r\n", 17);
	for (i = 0; i < HL_HTTPC_HEADER_LINES_MAX + 1; i++) {
		snprintf(line, sizeof(line), "X-%zu: v\r\n", i);
		hl_buf_put(&b, line, strlen(line));
	}
	hl_buf_put(&b, "\r\n", 2);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(hl_httpc_parse_response(b.data, b.len, 1, 1024, &r), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
	/* declared or actual body over body_max */
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n", 0, &r),
	    HL_ERR_TOO_BIG);
	assert_int_equal(resp("HTTP/1.1 200 OK\r\nContent-Length: 99999999999999999999\r\n\r\n", 0,
	    &r), HL_ERR_MALFORMED);
	hl_buf_init(&b, 4096);
	hl_buf_put(&b, "HTTP/1.1 200 OK\r\n\r\n", 19);
	assert_int_equal(hl_buf_reserve(&b, 1100), HL_OK);
	memset(b.data + b.len, 'x', 1100);
	b.len += 1100;
	assert_int_equal(hl_httpc_parse_response(b.data, b.len, 1, 1024, &r), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
}

static void
test_httpc_every_truncation(void **state)
{
	const char *full = "HTTP/1.1 201 Created\r\nContent-Type: application/json\r\n"
	    "Content-Length: 10\r\n\r\n{\"id\":\"x\"}";
	struct hl_http_resp r;
	size_t i, n = strlen(full);

	(void)state;
	for (i = 0; i < n; i++) {
		assert_int_equal(hl_httpc_parse_response((const uint8_t *)full, i, 0, 1024, &r),
		    HL_ERR_AGAIN);
		assert_int_equal(hl_httpc_parse_response((const uint8_t *)full, i, 1, 1024, &r),
		    HL_ERR_MALFORMED);
	}
	assert_int_equal(hl_httpc_parse_response((const uint8_t *)full, n, 1, 1024, &r), HL_OK);
	assert_int_equal(r.status, 201);
}


static void
test_httpc_chunked(void **state)
{
	static const char full[] = CH "4;name=value\r\nWiki\r\n5\r\npedia\r\n000\r\n"
	    "Trailer-A: t\r\n\r\n";
	struct hl_http_resp r;
	uint8_t buf[sizeof(full)];
	size_t i, n = sizeof(full) - 1, dl;

	(void)state;
	assert_int_equal(resp(full, 0, &r), HL_OK);
	assert_int_equal(r.status, 200);
	assert_true(r.chunked);
	memcpy(buf, full, n);
	assert_int_equal(hl_httpc_dechunk(buf + (r.body - (const uint8_t *)full), r.body_len, &dl),
	    HL_OK);
	assert_int_equal(dl, 9);
	assert_memory_equal(buf + (r.body - (const uint8_t *)full), "Wikipedia", 9);
	/* every prefix: more is needed, or it is truncated */
	for (i = 0; i < n; i++) {
		assert_int_equal(hl_httpc_parse_response((const uint8_t *)full, i, 0, 1024, &r),
		    HL_ERR_AGAIN);
		assert_int_equal(hl_httpc_parse_response((const uint8_t *)full, i, 1, 1024, &r),
		    HL_ERR_MALFORMED);
	}
	/* an empty body */
	assert_int_equal(resp(CH "0\r\n\r\n", 1, &r), HL_OK);
	assert_int_equal(hl_httpc_dechunk((uint8_t *)(uintptr_t)"0\r\n\r\n", 5, &dl), HL_OK);
	assert_int_equal(dl, 0);
	/* the data over body_max, in one chunk or in several */
	assert_int_equal(hl_httpc_parse_response((const uint8_t *)full, n, 1, 8, &r),
	    HL_ERR_TOO_BIG);
	assert_int_equal(resp(CH "401\r\n", 0, &r), HL_ERR_TOO_BIG);
	/* dechunk refuses what the parser would */
	memcpy(buf, "2\r\n{}\r\n0\r\n\r\nx", 13);
	assert_int_equal(hl_httpc_dechunk(buf, 13, &dl), HL_ERR_MALFORMED);
	assert_int_equal(hl_httpc_dechunk(buf, 9, &dl), HL_ERR_MALFORMED);
	assert_int_equal(dl, 0);
}

/* Framing (sizes, extensions) beyond HL_HTTPC_FRAMING_MAX is refused even
 * when the data is small. */
static void
test_httpc_framing_limit(void **state)
{
	struct hl_http_resp r;
	struct hl_buf b;
	char ext[HL_HTTPC_CHUNK_EXT_MAX];
	size_t i;

	(void)state;
	memset(ext, 'e', sizeof(ext) - 1);
	ext[0] = ';';
	ext[sizeof(ext) - 1] = '\0';
	hl_buf_init(&b, 4 * HL_HTTPC_FRAMING_MAX);
	hl_buf_put(&b, CH, strlen(CH));
	for (i = 0; i < HL_HTTPC_FRAMING_MAX / 200; i++) {
		hl_buf_put(&b, "1", 1);
		hl_buf_put(&b, ext, strlen(ext));
		hl_buf_put(&b, "\r\nx\r\n", 5);
	}
	hl_buf_put(&b, "0\r\n\r\n", 5);
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(hl_httpc_parse_response(b.data, b.len, 1, 1u << 20, &r), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
	/* one extension over its own limit */
	hl_buf_init(&b, 4096);
	hl_buf_put(&b, CH "1;", strlen(CH) + 2);
	for (i = 0; i < HL_HTTPC_CHUNK_EXT_MAX; i++)
		hl_buf_put(&b, "e", 1);
	hl_buf_put(&b, "\r\nx\r\n0\r\n\r\n", 10);
	assert_int_equal(hl_httpc_parse_response(b.data, b.len, 1, 1024, &r), HL_ERR_MALFORMED);
	hl_buf_free(&b);
}

/* ---- the request head ---- */

static struct hl_httpc
target(const char *node)
{
	struct hl_httpc c;

	memset(&c, 0, sizeof(c));
	snprintf(c.host, sizeof(c.host), "127.0.0.1");
	c.port = 8401;
	snprintf(c.node, sizeof(c.node), "%s", node);
	snprintf(c.user, sizeof(c.user), "alice");
	c.password = "pw";
	c.timeout_ms = 5000;
	return c;
}

static char *
head_of(const struct hl_httpc *c, const struct hl_httpc_req *rq, int *rc)
{
	static char out[2048];
	struct hl_buf b;

	hl_buf_init(&b, sizeof(out) - 1);
	*rc = hl_httpc_head(c, rq, &b);
	out[0] = '\0';
	if (*rc == HL_OK) {
		memcpy(out, b.data, b.len);
		out[b.len] = '\0';
	}
	hl_buf_free(&b);
	return out;
}

static void
test_httpc_head(void **state)
{
	struct hl_httpc c = target("JPN/node-1");
	struct hl_httpc_req rq;
	const char *h;
	int rc;

	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.path = "/api/v1/inbox?limit=5";
	h = head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_OK);
	assert_non_null(strstr(h, "GET /api/v1/inbox?limit=5 HTTP/1.1\r\nHost: 127.0.0.1:8401\r\n"));
	assert_non_null(strstr(h, "\r\nAccept: application/json\r\nConnection: close\r\n"));
	assert_non_null(strstr(h, "\r\nAuthorization: Basic YWxpY2U6cHc=\r\n"));   /* alice:pw */
	assert_null(strstr(h, "Content-"));
	assert_non_null(strstr(h, "\r\n\r\n"));
	assert_int_equal(strlen(strstr(h, "\r\n\r\n")), 4);
	assert_null(strstr(h, "X-Hotline-OTP"));
	/* the one-time code beside the credentials; digits only */
	c.otp = "012345";
	h = head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_OK);
	assert_non_null(strstr(h, "\r\nAuthorization: Basic YWxpY2U6cHc=\r\nX-Hotline-OTP: 012345\r\n"));
	c.otp = "12\r\nX-Injected: 1";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	c.otp = "12345678901234567";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	c.otp = NULL;
	/* a body with its media type; an IPv6 host; no user, no Authorization */
	rq.method = "POST";
	rq.path = "/taxii2/hotline/collections/x/objects/";
	rq.accept = "application/taxii+json;version=2.1";
	rq.content_type = rq.accept;
	rq.body = (const uint8_t *)"{}";
	rq.body_len = 2;
	snprintf(c.host, sizeof(c.host), "::1");
	c.user[0] = '\0';
	h = head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_OK);
	assert_non_null(strstr(h, "\r\nHost: [::1]:8401\r\n"));
	assert_non_null(strstr(h, "\r\nAccept: application/taxii+json;version=2.1\r\n"));
	assert_non_null(strstr(h, "\r\nContent-Type: application/taxii+json;version=2.1\r\n"
	    "Content-Length: 2\r\n\r\n"));
	assert_null(strstr(h, "Authorization"));
	/* what cannot go into a head */
	rq.path = "taxii2/";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	rq.path = "/a b";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	rq.path = "/a\r\nX-Injected: 1";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	rq.path = "/";
	rq.accept = "text/plain\r\nX-Injected: 1";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	rq.accept = NULL;
	rq.method = "get";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	rq.method = "GET";
	snprintf(c.user, sizeof(c.user), "a:b");
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
}

/* a session token goes as a bearer, instead of Basic; the code goes with
 * a token or a client certificate as with a user */
static void
test_httpc_head_token(void **state)
{
	static const char tok[] =
	    "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	struct hl_httpc c = target("JPN/node-1");
	struct hl_httpc_req rq;
	const char *h;
	int rc;

	(void)state;
	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.path = "/api/v1/status";
	c.token = tok;
	c.otp = "123456";
	h = head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_OK);
	assert_non_null(strstr(h, "\r\nAuthorization: Bearer " "0123456789abcdef0123456789abcdef"
	    "0123456789abcdef0123456789abcdef\r\nX-Hotline-OTP: 123456\r\n"));
	assert_null(strstr(h, "Basic"));
	/* only lowercase hex goes into the header */
	c.token = "abc\r\nX-Injected: 1";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	c.token = "ABCDEF";
	(void)head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_ERR_INVALID);
	/* a client certificate without a user: no Authorization, the code */
	c.token = NULL;
	c.user[0] = '\0';
	snprintf(c.cert_path, sizeof(c.cert_path), "/x/admin.crt");
	h = head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_OK);
	assert_null(strstr(h, "Authorization"));
	assert_non_null(strstr(h, "\r\nX-Hotline-OTP: 123456\r\n"));
	/* no credentials at all: no code either */
	c.cert_path[0] = '\0';
	h = head_of(&c, &rq, &rc);
	assert_int_equal(rc, HL_OK);
	assert_null(strstr(h, "X-Hotline-OTP"));
}

/* ---- the drivers against a TLS server in a thread ---- */

struct pkis {
	char dir[64];
	char ca[128], node_crt[128], node_key[128];   /* JPN's CA, JPN/node-1 (Ed25519) */
	char other_ca[128];                            /* KOR's CA */
	char host_ca[128], host_crt[128], host_key[128];   /* ECDSA, SAN localhost + 127.0.0.1 */
	char other_crt[128], other_key[128];          /* the same CA, SAN other.example */
};

static struct pkis P;

/* An ECDSA certificate for cn with subjectAltName san, signed by (ca_key,
 * ca_crt), or self-signed as a CA when ca_key is NULL. */
static void
ec_cert(const char *cn, const char *san, EVP_PKEY *ca_key, X509 *ca_crt, EVP_PKEY **kout,
    X509 **cout)
{
	EVP_PKEY *k = EVP_EC_gen("P-256");
	X509 *x = X509_new();
	X509V3_CTX v3;
	X509_EXTENSION *e;

	assert_non_null(k);
	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), (long)time(NULL) & 0xffff), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), -3600));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 86400));
	assert_int_equal(X509_set_pubkey(x, k), 1);
	assert_int_equal(X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_UTF8,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, ca_crt != NULL ? X509_get_subject_name(ca_crt) :
	    X509_get_subject_name(x)), 1);
	X509V3_set_ctx(&v3, ca_crt != NULL ? ca_crt : x, x, NULL, NULL, 0);
	e = X509V3_EXT_conf_nid(NULL, &v3, san != NULL ? NID_subject_alt_name :
	    NID_basic_constraints, san != NULL ? san : "critical,CA:TRUE");
	assert_non_null(e);
	assert_int_equal(X509_add_ext(x, e, -1), 1);
	X509_EXTENSION_free(e);
	assert_true(X509_sign(x, ca_key != NULL ? ca_key : k, EVP_sha256()) > 0);
	*kout = k;
	*cout = x;
}

static void
write_pem(const char *path, EVP_PKEY *k, X509 *x)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	if (k != NULL)
		assert_int_equal(PEM_write_PrivateKey(f, k, NULL, NULL, 0, NULL, NULL), 1);
	if (x != NULL)
		assert_int_equal(PEM_write_X509(f, x), 1);
	assert_int_equal(fclose(f), 0);
}

static int
pki_setup(void **state)
{
	char err[256], kor[128];
	EVP_PKEY *cak, *k;
	X509 *cax, *x;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	signal(SIGPIPE, SIG_IGN);   /* as the CLI and the daemon: a peer that goes is an error */
	snprintf(P.dir, sizeof(P.dir), "/tmp/hl_httpc_XXXXXX");
	if (mkdtemp(P.dir) == NULL)
		return -1;
	snprintf(P.ca, sizeof(P.ca), "%s/ca.crt", P.dir);
	snprintf(P.node_crt, sizeof(P.node_crt), "%s/node.crt", P.dir);
	snprintf(P.node_key, sizeof(P.node_key), "%s/node.key", P.dir);
	snprintf(kor, sizeof(kor), "%s/kor", P.dir);
	snprintf(P.other_ca, sizeof(P.other_ca), "%s/kor/ca.crt", P.dir);
	if (hl_pki_make_ca(P.dir, "JPN", 2, err, sizeof(err)) != HL_OK ||
	    hl_pki_issue_node(P.dir, "JPN/node-1", now - 3600, now + 86400, P.node_key, P.node_crt,
	    err, sizeof(err)) != HL_OK || mkdir(kor, 0700) != 0 ||
	    hl_pki_make_ca(kor, "KOR", 2, err, sizeof(err)) != HL_OK) {
		print_error("%s\n", err);
		return -1;
	}
	ec_cert("test CA", NULL, NULL, NULL, &cak, &cax);
	ec_cert("localhost", "DNS:localhost,IP:127.0.0.1", cak, cax, &k, &x);
	snprintf(P.host_ca, sizeof(P.host_ca), "%s/host-ca.crt", P.dir);
	snprintf(P.host_crt, sizeof(P.host_crt), "%s/host.crt", P.dir);
	snprintf(P.host_key, sizeof(P.host_key), "%s/host.key", P.dir);
	write_pem(P.host_ca, NULL, cax);
	write_pem(P.host_crt, NULL, x);
	write_pem(P.host_key, k, NULL);
	EVP_PKEY_free(k);
	X509_free(x);
	ec_cert("other", "DNS:other.example", cak, cax, &k, &x);
	snprintf(P.other_crt, sizeof(P.other_crt), "%s/other.crt", P.dir);
	snprintf(P.other_key, sizeof(P.other_key), "%s/other.key", P.dir);
	write_pem(P.other_crt, NULL, x);
	write_pem(P.other_key, k, NULL);
	EVP_PKEY_free(cak);
	EVP_PKEY_free(k);
	X509_free(cax);
	X509_free(x);
	return 0;
}

static int
pki_teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", P.dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* One connection served in a thread: TLS (cert, key, at most max_version),
 * the request read (head, and Content-Length bytes of body), then reply
 * (or nothing when silent, until the client goes). */
struct srv {
	const char *crt, *key;
	int max_version;
	const char *reply;
	int silent;
	int lfd;
	uint16_t port;
	pthread_t th;
	int handshake_ok;
	char got[8192];
	size_t ngot;
};

static int
head_done(const struct srv *s)
{
	const char *e = strstr(s->got, "\r\n\r\n"), *cl = strstr(s->got, "Content-Length: ");

	if (e == NULL)
		return 0;
	return cl == NULL || cl > e || s->ngot >= (size_t)(e + 4 - s->got) + strtoul(cl + 16,
	    NULL, 10);
}

static void *
srv_main(void *arg)
{
	struct srv *s = arg;
	struct pollfd pfd = { s->lfd, POLLIN, 0 };
	SSL_CTX *ctx = SSL_CTX_new(TLS_server_method());
	SSL *ssl = NULL;
	size_t got;
	int fd = -1;

	if (ctx == NULL || SSL_CTX_set_max_proto_version(ctx, s->max_version) != 1 ||
	    SSL_CTX_use_certificate_chain_file(ctx, s->crt) != 1 ||
	    SSL_CTX_use_PrivateKey_file(ctx, s->key, SSL_FILETYPE_PEM) != 1 ||
	    poll(&pfd, 1, 10000) != 1 || (fd = accept(s->lfd, NULL, NULL)) < 0 ||
	    (ssl = SSL_new(ctx)) == NULL || SSL_set_fd(ssl, fd) != 1)
		goto out;
	if (SSL_accept(ssl) != 1)
		goto out;
	s->handshake_ok = 1;
	while (s->ngot < sizeof(s->got) - 1 && (s->silent || !head_done(s))) {
		if (SSL_read_ex(ssl, s->got + s->ngot, sizeof(s->got) - 1 - s->ngot, &got) != 1)
			break;
		s->ngot += got;
		s->got[s->ngot] = '\0';
	}
	if (!s->silent && s->reply != NULL && head_done(s)) {
		(void)SSL_write_ex(ssl, s->reply, strlen(s->reply), &got);
		(void)SSL_shutdown(ssl);
	}
out:
	SSL_free(ssl);
	SSL_CTX_free(ctx);
	if (fd >= 0)
		close(fd);
	return NULL;
}

static void
srv_start(struct srv *s)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_true((s->lfd = socket(AF_INET, SOCK_STREAM, 0)) >= 0);
	assert_int_equal(bind(s->lfd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s->lfd, 1), 0);
	assert_int_equal(getsockname(s->lfd, (struct sockaddr *)&sa, &sl), 0);
	s->port = ntohs(sa.sin_port);
	if (s->max_version == 0)
		s->max_version = TLS1_3_VERSION;
	assert_int_equal(pthread_create(&s->th, NULL, srv_main, s), 0);
}

static void
srv_join(struct srv *s)
{
	assert_int_equal(pthread_join(s->th, NULL), 0);
	close(s->lfd);
}

static struct srv
node_srv(const char *reply)
{
	struct srv s;

	memset(&s, 0, sizeof(s));
	s.crt = P.node_crt;
	s.key = P.node_key;
	s.reply = reply;
	return s;
}

/* A blocking request to s as c (its port and CA set here). */
static int
call(struct srv *s, struct hl_httpc *c, const char *ca, struct hl_http_resp *r, uint8_t **raw,
    char *err, size_t errlen)
{
	struct hl_httpc_req rq;
	int rc;

	memset(&rq, 0, sizeof(rq));
	rq.method = "GET";
	rq.path = "/api/v1/status";
	rq.body_max = 1u << 20;
	snprintf(c->ca_path, sizeof(c->ca_path), "%s", ca);
	srv_start(s);
	c->port = s->port;
	err[0] = '\0';
	rc = hl_httpc_request(c, &rq, r, raw, err, errlen);
	srv_join(s);
	if (getenv("TEST_HTTPC_DEBUG") != NULL)
		print_message("# %d %s (server: handshake %d, %zu bytes)\n", rc, err,
		    s->handshake_ok, s->ngot);
	return rc;
}

static void
test_blocking_node(void **state)
{
	struct srv s = node_srv("HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
	    "Content-Length: 11\r\n\r\n{\"ok\":true}");
	struct hl_httpc c = target("JPN/node-1");
	struct hl_http_resp r;
	uint8_t *raw = NULL;
	char err[300];

	(void)state;
	assert_int_equal(call(&s, &c, P.ca, &r, &raw, err, sizeof(err)), HL_OK);
	assert_int_equal(r.status, 200);
	assert_int_equal(r.body_len, 11);
	assert_memory_equal(r.body, "{\"ok\":true}", 11);
	assert_non_null(strstr(s.got, "GET /api/v1/status HTTP/1.1\r\n"));
	assert_non_null(strstr(s.got, "Authorization: Basic YWxpY2U6cHc=\r\n"));
	hl_free(raw);
	/* chunked, and read to the close */
	s = node_srv("HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "3\r\n{\"e\r\n2\r\n\":\r\n2\r\n1}\r\n0\r\n\r\n");
	assert_int_equal(call(&s, &c, P.ca, &r, &raw, err, sizeof(err)), HL_OK);
	assert_int_equal(r.status, 404);
	assert_int_equal(r.body_len, 7);
	assert_memory_equal(r.body, "{\"e\":1}", 7);
	hl_free(raw);
	s = node_srv("HTTP/1.0 200 OK\r\n\r\nuntil the close");
	assert_int_equal(call(&s, &c, P.ca, &r, &raw, err, sizeof(err)), HL_OK);
	assert_int_equal(r.body_len, 15);
	hl_free(raw);
	/* a response that breaks off */
	s = node_srv("HTTP/1.1 200 OK\r\nContent-Length: 50\r\n\r\n{\"short\"");
	assert_int_equal(call(&s, &c, P.ca, &r, &raw, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_null(raw);
	assert_non_null(strstr(err, "bad HTTP response from node at 127.0.0.1:"));
}

/* The certificate names another node, the chain is another partner's, or
 * the server is not a node: refused before the request (credentials) is
 * sent. */
static void
test_blocking_refused(void **state)
{
	struct srv s = node_srv("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	struct hl_httpc c = target("JPN/node-2");
	struct hl_http_resp r;
	uint8_t *raw = NULL;
	char err[300];

	(void)state;
	assert_int_equal(call(&s, &c, P.ca, &r, &raw, err, sizeof(err)), HL_ERR_CRYPTO);
	assert_non_null(strstr(err, "node at 127.0.0.1:"));
	assert_non_null(strstr(err, "is not JPN/node-2 (its certificate names JPN/node-1)"));
	assert_int_equal(s.ngot, 0);
	assert_null(raw);
	/* another partner's CA */
	c = target("JPN/node-1");
	s = node_srv("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	assert_int_equal(call(&s, &c, P.other_ca, &r, &raw, err, sizeof(err)), HL_ERR_CRYPTO);
	assert_non_null(strstr(err, "TLS handshake failed with node at 127.0.0.1:"));
	assert_non_null(strstr(err, "certificate:"));
	assert_int_equal(s.ngot, 0);
	/* a node speaks TLS 1.3: a 1.2 server is not one */
	s = node_srv("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	s.max_version = TLS1_2_VERSION;
	assert_int_equal(call(&s, &c, P.ca, &r, &raw, err, sizeof(err)), HL_ERR_CRYPTO);
	assert_int_equal(s.ngot, 0);
	/* nobody there */
	c = target("JPN/node-1");
	c.port = 1;
	assert_int_equal(hl_httpc_request(&c, &(struct hl_httpc_req){ .method = "GET",
	    .path = "/", .body_max = 1024 }, &r, &raw, err, sizeof(err)), HL_ERR_IO);
	assert_string_equal(err, "cannot reach node at 127.0.0.1:1: connection refused");
}

/* Another TAXII server: TLS 1.2 is fine, the host name is checked. */
static void
test_blocking_host(void **state)
{
	struct srv s;
	struct hl_httpc c = target("");
	struct hl_http_resp r;
	uint8_t *raw = NULL;
	char err[300];

	(void)state;
	memset(&s, 0, sizeof(s));
	s.crt = P.host_crt;
	s.key = P.host_key;
	s.max_version = TLS1_2_VERSION;
	s.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	assert_int_equal(call(&s, &c, P.host_ca, &r, &raw, err, sizeof(err)), HL_OK);
	assert_int_equal(r.body_len, 2);
	hl_free(raw);
	/* a certificate of the right CA for another host name */
	memset(&s, 0, sizeof(s));
	s.crt = P.other_crt;
	s.key = P.other_key;
	s.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	assert_int_equal(call(&s, &c, P.host_ca, &r, &raw, err, sizeof(err)), HL_ERR_CRYPTO);
	assert_non_null(strstr(err, "TLS handshake failed with 127.0.0.1:"));
	assert_non_null(strstr(err, "certificate: IP address mismatch"));
	assert_int_equal(s.ngot, 0);
	assert_null(raw);
	/* by name: SNI and the DNS name checked (when localhost is 127.0.0.1 here) */
	snprintf(c.host, sizeof(c.host), "localhost");
	memset(&s, 0, sizeof(s));
	s.crt = P.other_crt;
	s.key = P.other_key;
	s.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	if (call(&s, &c, P.host_ca, &r, &raw, err, sizeof(err)) == HL_ERR_IO) {
		print_message("# SKIPPED: localhost does not reach 127.0.0.1 here (%s)\n", err);
		return;
	}
	assert_non_null(strstr(err, "certificate: hostname mismatch"));
	assert_int_equal(s.ngot, 0);
	memset(&s, 0, sizeof(s));
	s.crt = P.host_crt;
	s.key = P.host_key;
	s.reply = "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}";
	assert_int_equal(call(&s, &c, P.host_ca, &r, &raw, err, sizeof(err)), HL_OK);
	assert_non_null(strstr(s.got, "\r\nHost: localhost:"));
	hl_free(raw);
}

/* ---- the evented driver ---- */

struct done_rec {
	int calls, r, status;
	char body[256], err[300];
	struct event_base *base;
};

static void
on_done(void *arg, int r, const struct hl_http_resp *resp, const char *err)
{
	struct done_rec *d = arg;

	d->calls++;
	d->r = r;
	snprintf(d->err, sizeof(d->err), "%s", err);
	if (r == HL_OK) {
		d->status = resp->status;
		snprintf(d->body, sizeof(d->body), "%.*s", (int)resp->body_len,
		    (const char *)resp->body);
	}
	event_base_loopexit(d->base, NULL);
}

static void
evented(struct srv *s, struct hl_httpc *c, const char *ca, struct done_rec *d)
{
	struct hl_httpc_req rq = { .method = "GET", .path = "/taxii2/", .body_max = 1u << 20,
	    .accept = "application/taxii+json;version=2.1" };
	struct hl_httpc_call *call = NULL;
	struct event_base *base = event_base_new();
	struct timeval tv = { 20, 0 };
	SSL_CTX *ctx = NULL;
	char err[300];

	assert_non_null(base);
	memset(d, 0, sizeof(*d));
	d->base = base;
	snprintf(c->ca_path, sizeof(c->ca_path), "%s", ca);
	assert_int_equal(hl_httpc_tls(c, &ctx, err, sizeof(err)), HL_OK);
	srv_start(s);
	c->port = s->port;
	assert_int_equal(hl_httpc_start(base, ctx, c, &rq, on_done, d, &call, err, sizeof(err)),
	    HL_OK);
	event_base_loopexit(base, &tv);   /* a bound: done ends it first */
	assert_int_equal(event_base_dispatch(base), 0);
	srv_join(s);
	SSL_CTX_free(ctx);
	event_base_free(base);
}

static void
test_evented(void **state)
{
	struct srv s = node_srv("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
	    "5\r\n{\"a\":\r\n2\r\n1}\r\n0\r\n\r\n");
	struct hl_httpc c = target("JPN/node-1");
	struct done_rec d;

	(void)state;
	evented(&s, &c, P.ca, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.r, HL_OK);
	assert_int_equal(d.status, 200);
	assert_string_equal(d.body, "{\"a\":1}");
	assert_non_null(strstr(s.got, "GET /taxii2/ HTTP/1.1\r\n"));
	assert_non_null(strstr(s.got, "Accept: application/taxii+json;version=2.1\r\n"));
	/* another node's certificate: nothing sent */
	c = target("JPN/node-2");
	s = node_srv("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	evented(&s, &c, P.ca, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.r, HL_ERR_CRYPTO);
	assert_non_null(strstr(d.err, "is not JPN/node-2"));
	assert_int_equal(s.ngot, 0);
	/* a wrong CA */
	c = target("JPN/node-1");
	s = node_srv("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
	evented(&s, &c, P.other_ca, &d);
	assert_int_equal(d.r, HL_ERR_CRYPTO);
	assert_non_null(strstr(d.err, "cannot fetch from node at 127.0.0.1:"));
	assert_non_null(strstr(d.err, "certificate:"));
	assert_int_equal(s.ngot, 0);
	/* a bad response */
	s = node_srv("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\nxx");
	evented(&s, &c, P.ca, &d);
	assert_int_equal(d.r, HL_ERR_MALFORMED);
	assert_non_null(strstr(d.err, "bad HTTP response from node at 127.0.0.1:"));
}

/* A server that never answers: the call ends after the timeout, with an
 * error that says so. */
static void
test_evented_timeout(void **state)
{
	struct srv s = node_srv(NULL);
	struct hl_httpc c = target("JPN/node-1");
	struct done_rec d;

	(void)state;
	s.silent = 1;
	c.timeout_ms = 300;
	evented(&s, &c, P.ca, &d);
	assert_int_equal(d.calls, 1);
	assert_int_equal(d.r, HL_ERR_IO);
	assert_non_null(strstr(d.err, "timed out"));
	assert_int_equal(s.handshake_ok, 1);
}

/* Cancelled before the loop runs: done is never called, nothing leaks. */
static void
test_evented_cancel(void **state)
{
	struct hl_httpc c = target("JPN/node-1");
	struct hl_httpc_req rq = { .method = "GET", .path = "/", .body_max = 1024 };
	struct hl_httpc_call *call = NULL;
	struct event_base *base = event_base_new();
	struct done_rec d;
	SSL_CTX *ctx = NULL;
	char err[300];

	(void)state;
	memset(&d, 0, sizeof(d));
	d.base = base;
	snprintf(c.ca_path, sizeof(c.ca_path), "%s", P.ca);
	c.port = 1;
	assert_int_equal(hl_httpc_tls(&c, &ctx, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_httpc_start(base, ctx, &c, &rq, on_done, &d, &call, err, sizeof(err)),
	    HL_OK);
	hl_httpc_cancel(call);
	assert_int_equal(event_base_loop(base, EVLOOP_NONBLOCK), 1);
	assert_int_equal(d.calls, 0);
	/* a request that cannot be written is refused at once */
	rq.path = "no slash";
	assert_int_equal(hl_httpc_start(base, ctx, &c, &rq, on_done, &d, &call, err, sizeof(err)),
	    HL_ERR_INVALID);
	assert_null(call);
	/* a CA that does not load */
	snprintf(c.ca_path, sizeof(c.ca_path), "%s/none.crt", P.dir);
	SSL_CTX_free(ctx);
	assert_int_equal(hl_httpc_tls(&c, &ctx, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "cannot load the CA certificate"));
	event_base_free(base);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_httpc_valid),
		cmocka_unit_test(test_httpc_malformed),
		cmocka_unit_test(test_httpc_limits),
		cmocka_unit_test(test_httpc_every_truncation),
		cmocka_unit_test(test_httpc_chunked),
		cmocka_unit_test(test_httpc_framing_limit),
		cmocka_unit_test(test_httpc_head),
		cmocka_unit_test(test_httpc_head_token),
		cmocka_unit_test(test_blocking_node),
		cmocka_unit_test(test_blocking_refused),
		cmocka_unit_test(test_blocking_host),
		cmocka_unit_test(test_evented),
		cmocka_unit_test(test_evented_timeout),
		cmocka_unit_test(test_evented_cancel),
	};

	return cmocka_run_group_tests_name("httpc", tests, pki_setup, pki_teardown);
}
