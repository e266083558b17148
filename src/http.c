/* http.c: the HTTP layer of the operator port (see http.h): the route
 * table and the one decision every request goes through, the server
 * (evhttp over TLS 1.3 on the node's loop), and the replies. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/queue.h>
#include <sys/socket.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/bufferevent_ssl.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/ssl.h>

#include "alloc.h"
#include "clock.h"
#include "apijson.h"
#include "http.h"
#include "httpgate.h"
#include "sealfile.h"
#include "log.h"

#define JSON_MEDIA "application/json"

struct hl_http {
	const struct hl_config *cfg;
	struct evhttp *http;
	SSL_CTX *ctx;
	struct hl_http_table t;
	int gate_idx;                  /* SSL ex_data index of a connection's gate */
	unsigned uploads;              /* authenticated uploads being received */
	/* bodies refused before they were read, by reason (GATE_*) */
	uint64_t refused[2];
	uint64_t refused_logged[2];    /* ... of which the log has spoken */
	uint64_t refused_log_ms[2];    /* when it last did */
	struct gate_conn *gates;       /* every connection's watch, to detach at the end */
};

/* What the layer watches on one connection (httpgate.h): freed with the
 * connection's SSL. */
struct gate_conn {
	struct hl_http *h;             /* NULL once the server is freed (the connection may
	                                * be freed after it, with the event base) */
	struct gate_conn *prev, *next; /* on h->gates */
	struct bufferevent *bev;       /* the TLS bufferevent evhttp reads */
	int upload;                    /* counted in h->uploads */
	int lost;                      /* the connection could not be found: said once */
	struct hl_gate g;
};

/* ---- patterns ---- */

static int
pattern_ok(const char *pat)
{
	const char *p = pat, *e;
	unsigned n = 0;
	size_t l;

	if (pat == NULL || pat[0] != '/')
		return 0;
	for (p = pat + 1; *p != '\0'; p = *e == '/' ? e + 1 : e) {
		e = p + strcspn(p, "/");
		l = (size_t)(e - p);
		if (l == 0)
			return 0;   /* "//" */
		if (p[0] == '{' || (l == 1 && p[0] == '*')) {
			if (++n > HL_HTTP_PARAMS_MAX)
				return 0;
			if (p[0] == '{' && (l < 3 || p[l - 1] != '}' || memchr(p + 1, '{', l - 1) != NULL))
				return 0;
			if (p[0] == '*' && *e != '\0')
				return 0;   /* the rest: last */
		} else if (memchr(p, '{', l) != NULL || memchr(p, '}', l) != NULL ||
		    memchr(p, '*', l) != NULL) {
			return 0;
		}
	}
	return 1;
}

static int
capture(unsigned *n, char param[HL_HTTP_PARAMS_MAX][HL_HTTP_PARAM_MAX + 1], const char *s,
    size_t len)
{
	if (len > HL_HTTP_PARAM_MAX || *n >= HL_HTTP_PARAMS_MAX)
		return 0;
	if (param != NULL) {
		memcpy(param[*n], s, len);
		param[*n][len] = '\0';
	}
	(*n)++;
	return 1;
}

int
hl_http_match(const char *pattern, const char *path, unsigned *nparams,
    char param[HL_HTTP_PARAMS_MAX][HL_HTTP_PARAM_MAX + 1])
{
	const char *p = pattern, *s = path;
	unsigned n = 0;
	size_t pl, sl;
	int ok = 0;

	if (nparams != NULL)
		*nparams = 0;
	if (p == NULL || s == NULL || *p != '/' || *s != '/')
		return 0;
	for (;;) {
		/* p and s are at a '/' */
		p++;
		s++;
		if (*p == '\0') {              /* the pattern ends with '/' */
			ok = *s == '\0';
			break;
		}
		pl = strcspn(p, "/");
		if (pl == 1 && *p == '*') {    /* the rest of the path */
			ok = capture(&n, param, s, strlen(s));
			break;
		}
		sl = strcspn(s, "/");
		if (*p == '{') {
			if (sl == 0 || !capture(&n, param, s, sl))
				break;
		} else if (pl != sl || memcmp(p, s, pl) != 0) {
			break;
		}
		p += pl;
		s += sl;
		if (*p == '\0') {
			ok = *s == '\0';
			break;
		}
		if (*s == '\0') {              /* "/x/" also matches "/x" */
			ok = p[1] == '\0';
			break;
		}
	}
	if (ok && nparams != NULL)
		*nparams = n;
	return ok;
}

/* ---- the table ---- */

int
hl_http_table_add(struct hl_http_table *t, const struct hl_http_route *rows, size_t n,
    const struct hl_http_style *style, void *arg)
{
	size_t i, k;
	unsigned j;

	if (n > HL_HTTP_ROUTES_MAX - t->n)
		return HL_ERR_FULL;
	for (i = 0; i < n; i++) {
		if (!pattern_ok(rows[i].pattern) || rows[i].fn == NULL || rows[i].methods == 0)
			return HL_ERR_INVALID;
		/* an authenticated route names who may call it */
		if ((rows[i].flags & HL_HTTP_AUTH) && (rows[i].roles & HL_HTTP_ANYONE) == 0)
			return HL_ERR_INVALID;
		for (j = 0; j < t->n; j++)
			if (strcmp(t->row[j].r->pattern, rows[i].pattern) == 0 &&
			    (t->row[j].r->methods & rows[i].methods) != 0)
				return HL_ERR_EXISTS;
		for (k = 0; k < i; k++)
			if (strcmp(rows[k].pattern, rows[i].pattern) == 0 &&
			    (rows[k].methods & rows[i].methods) != 0)
				return HL_ERR_EXISTS;
	}
	for (i = 0; i < n; i++) {
		t->row[t->n].r = &rows[i];
		t->row[t->n].style = style;
		t->row[t->n].arg = arg;
		t->n++;
	}
	return HL_OK;
}

int
hl_http_table_set_denied(struct hl_http_table *t, void (*fn)(void *arg,
    const struct hl_operator_conf *op, unsigned method, const char *path), void *arg)
{
	t->denied = fn;
	t->denied_arg = arg;
	return HL_OK;
}

int
hl_http_table_add_auth(struct hl_http_table *t, hl_http_auth_fn fn, void *arg)
{
	if (t->nauth >= HL_HTTP_AUTHS_MAX)
		return HL_ERR_FULL;
	t->auth[t->nauth].fn = fn;
	t->auth[t->nauth].arg = arg;
	t->nauth++;
	return HL_OK;
}

void
hl_http_table_remove(struct hl_http_table *t, void *arg)
{
	unsigned i, k = 0;

	if (t == NULL)
		return;
	for (i = 0; i < t->n; i++)
		if (t->row[i].arg != arg)
			t->row[k++] = t->row[i];
	t->n = k;
	for (i = 0, k = 0; i < t->nauth; i++)
		if (t->auth[i].arg != arg)
			t->auth[k++] = t->auth[i];
	t->nauth = k;
}

/* ---- media types ---- */

/* [s, s + n) without blanks around it */
static void
trim(const char **s, size_t *n)
{
	while (*n > 0 && (**s == ' ' || **s == '\t')) {
		(*s)++;
		(*n)--;
	}
	while (*n > 0 && ((*s)[*n - 1] == ' ' || (*s)[*n - 1] == '\t'))
		(*n)--;
}

/* The value of parameter name in the parameters [p, p + n) (each ";k=v").
 * 1 and *v, *vl when given. */
static int
param_of(const char *p, size_t n, const char *name, size_t nl, const char **v, size_t *vl)
{
	const char *end = p + n, *e, *eq;
	size_t l;

	while (p < end) {
		p++;   /* ';' */
		e = memchr(p, ';', (size_t)(end - p));
		if (e == NULL)
			e = end;
		l = (size_t)(e - p);
		trim(&p, &l);
		eq = memchr(p, '=', l);
		if (eq != NULL) {
			size_t kl = (size_t)(eq - p);
			const char *k = p;

			trim(&k, &kl);
			if (kl == nl && strncasecmp(k, name, nl) == 0) {
				*v = eq + 1;
				*vl = (size_t)(p + l - *v);
				trim(v, vl);
				return 1;
			}
		}
		p = e;
	}
	return 0;
}

/* type/subtype of [s, s + n): OUT: its bounds and where the parameters
 * start. */
static void
split_media(const char *s, size_t n, const char **t, size_t *tl, const char **params,
    size_t *pl)
{
	const char *semi = memchr(s, ';', n);

	*t = s;
	*tl = semi != NULL ? (size_t)(semi - s) : n;
	trim(t, tl);
	*params = semi != NULL ? semi : s + n;
	*pl = semi != NULL ? (size_t)(s + n - semi) : 0;
}

int
hl_http_media_is(const char *ct, size_t n, const char *want)
{
	const char *t, *wt, *p, *wp, *v, *wv;
	size_t tl, wtl, pl, wpl, vl, wvl;
	const char *e, *eq;

	if (ct == NULL || want == NULL)
		return 0;
	split_media(ct, n, &t, &tl, &p, &pl);
	split_media(want, strlen(want), &wt, &wtl, &wp, &wpl);
	if (tl != wtl || tl == 0 || strncasecmp(t, wt, tl) != 0)
		return 0;
	/* each parameter want gives must agree when ct gives it too */
	for (e = wp; e < wp + wpl; ) {
		const char *k = e + 1, *next = memchr(k, ';', (size_t)(wp + wpl - k));
		size_t kl;

		if (next == NULL)
			next = wp + wpl;
		if ((eq = memchr(k, '=', (size_t)(next - k))) != NULL) {
			kl = (size_t)(eq - k);
			trim(&k, &kl);
			if (param_of(wp, wpl, k, kl, &wv, &wvl) && param_of(p, pl, k, kl, &v, &vl) &&
			    (vl != wvl || strncasecmp(v, wv, vl) != 0))
				return 0;
		}
		e = next;
	}
	return 1;
}

int
hl_http_accepts(const char *accept, const char *want)
{
	const char *p, *e, *t, *params, *slash;
	size_t n, tl, pl, wl;

	if (accept == NULL || accept[0] == '\0')
		return 1;
	if (strnlen(accept, HL_HTTP_ACCEPT_MAX + 1) > HL_HTTP_ACCEPT_MAX)
		return 0;
	slash = strchr(want, '/');
	wl = slash != NULL ? (size_t)(slash - want) : 0;
	for (p = accept; ; p = e + 1) {
		e = strchr(p, ',');
		n = e != NULL ? (size_t)(e - p) : strlen(p);
		split_media(p, n, &t, &tl, &params, &pl);
		if ((tl == 3 && memcmp(t, "*/*", 3) == 0) ||
		    (wl > 0 && tl == wl + 2 && strncasecmp(t, want, wl) == 0 && t[wl] == '/' &&
		    t[wl + 1] == '*') || hl_http_media_is(p, n, want))
			return 1;
		if (e == NULL)
			return 0;
	}
}

/* ---- the decision ---- */

static void
refuse(struct hl_http_plan *p, int code, const char *ecode, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void
refuse(struct hl_http_plan *p, int code, const char *ecode, const char *fmt, ...)
{
	va_list ap;

	p->code = code;
	(void)snprintf(p->ecode, sizeof(p->ecode), "%s", ecode);
	va_start(ap, fmt);
	(void)vsnprintf(p->msg, sizeof(p->msg), fmt, ap);
	va_end(ap);
}

static void
method_names(unsigned m, char *out, size_t cap)
{
	static const struct {
		unsigned bit;
		const char *name;
	} names[] = { { HL_HTTP_GET, "GET" }, { HL_HTTP_HEAD, "HEAD" }, { HL_HTTP_POST, "POST" } };
	size_t i, o = 0;

	out[0] = '\0';
	for (i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (m & names[i].bit)
			o += (size_t)snprintf(out + o, o < cap ? cap - o : 0, "%s%s", o > 0 ? ", " : "",
			    names[i].name);
}

void
hl_http_plan(const struct hl_http_table *t, const struct hl_http_in *in, struct hl_http_plan *p)
{
	const struct hl_http_row *first = NULL, *m = NULL;
	const struct hl_http_route *r;
	const char *media;
	unsigned i, allow = 0;
	int any_auth = 0;

	memset(p, 0, sizeof(*p));
	for (i = 0; i < t->n && first == NULL; i++)
		if (hl_http_match(t->row[i].r->pattern, in->path, &p->nparams, p->param))
			first = &t->row[i];
	if (first == NULL) {
		/* who may learn that a path does not exist: an operator */
		p->auth = 1;
		refuse(p, 404, "not_found", "no such endpoint");
		return;
	}
	p->style = first->style;
	media = p->style != NULL && p->style->media != NULL ? p->style->media : JSON_MEDIA;
	if (p->style != NULL && p->style->check_accept && !hl_http_accepts(in->accept, media)) {
		p->before_auth = 1;
		refuse(p, 406, "not_acceptable", "this endpoint answers %s only", media);
		return;
	}
	for (i = 0; i < t->n; i++) {
		if (strcmp(t->row[i].r->pattern, first->r->pattern) != 0)
			continue;
		allow |= t->row[i].r->methods;
		any_auth |= (t->row[i].r->flags & HL_HTTP_AUTH) != 0;
		if (m == NULL && (t->row[i].r->methods & in->method) != 0)
			m = &t->row[i];
	}
	if (m == NULL) {
		p->auth = any_auth;
		method_names(allow, p->allow, sizeof(p->allow));
		refuse(p, 405, "method_not_allowed", "use %s here", p->allow);
		return;
	}
	r = m->r;
	p->row = m;
	p->style = m->style;
	media = p->style != NULL && p->style->media != NULL ? p->style->media : JSON_MEDIA;
	if (r->media != NULL)
		media = r->media;
	p->auth = (r->flags & HL_HTTP_AUTH) != 0;
	if (in->query != NULL && in->query[0] != '\0' && !(r->flags & HL_HTTP_QUERY)) {
		refuse(p, 400, "bad_request", "this endpoint takes no query parameters");
		return;
	}
	if (!(r->flags & HL_HTTP_BODY)) {
		if (in->body_len > 0)
			refuse(p, 400, "bad_request", "%s takes no body", in->method == HL_HTTP_GET ?
			    "GET" : "this endpoint");
		return;
	}
	if (r->body_max > 0 && in->body_len > r->body_max) {
		refuse(p, 413, "payload_too_large", "body larger than %zu bytes", r->body_max);
		return;
	}
	if ((in->content_type != NULL || in->body_len > 0) &&
	    !hl_http_media_is(in->content_type, in->content_type != NULL ?
	    strlen(in->content_type) : 0, media))
		refuse(p, 415, "unsupported_media_type", "the body must be %s", media);
}

/* ---- replies ---- */

const char *
hl_http_reason(int code)
{
	switch (code) {
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 302: return "Found";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 409: return "Conflict";
	case 413: return "Payload Too Large";
	case 415: return "Unsupported Media Type";
	case 422: return "Unprocessable Content";
	case 429: return "Too Many Requests";
	case 503: return "Service Unavailable";
	case 507: return "Insufficient Storage";
	default: return "Internal Server Error";
	}
}

void
hl_http_reply_json(struct evhttp_request *req, int code, json_t *j)
{
	static const char fallback[] =
	    "{\n  \"error\": \"internal\",\n  \"message\": \"out of memory\"\n}\n";
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	char *s = NULL;

	evhttp_add_header(h, "Content-Type", JSON_MEDIA);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (j != NULL)
		s = hl_apijson_dump(j);
	if (s == NULL) {
		code = 500;
		evbuffer_add(out, fallback, sizeof(fallback) - 1);
	} else {
		evbuffer_add(out, s, strlen(s));
	}
	evhttp_send_reply(req, code, hl_http_reason(code), NULL);
	hl_free(s);
	json_decref(j);
}

void
hl_http_reply_error(struct evhttp_request *req, int code, const char *ecode, const char *fmt, ...)
{
	char msg[512];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++)   /* one line */
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	hl_http_reply_json(req, code, hl_apijson_error(ecode, msg));
}

void
hl_http_reply_body(struct evhttp_request *req, int code, const char *content_type,
    const void *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (len > 0 && evbuffer_add(evhttp_request_get_output_buffer(req), body, len) != 0) {
		hl_http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	evhttp_send_reply(req, code, hl_http_reason(code), NULL);
}

/* A refusal in the style of the route (JSON when none). */
static void
send_refusal(struct evhttp_request *req, const struct hl_http_style *style, int code,
    const char *ecode, const char *msg, const char *allow, const char *retry_after,
    int challenge)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	if (allow != NULL && allow[0] != '\0')
		evhttp_add_header(h, "Allow", allow);
	if (retry_after != NULL && retry_after[0] != '\0')
		evhttp_add_header(h, "Retry-After", retry_after);
	if (challenge)
		evhttp_add_header(h, "WWW-Authenticate", "Basic realm=\"hotline\", charset=\"UTF-8\"");
	if (style != NULL && style->error != NULL)
		style->error(req, code, ecode, msg);
	else
		hl_http_reply_error(req, code, ecode, "%s", msg);
}

/* ---- the server ---- */

/* Replies go out as several TLS records (headers, body): without
 * TCP_NODELAY the second waits for the client's delayed ACK, up to 40 ms
 * per call (docs/BENCHMARKS.md). Once per connection is enough; a repeat
 * is a cheap no-op. */
static void
nodelay(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c != NULL ? evhttp_connection_get_bufferevent(c) : NULL;
	evutil_socket_t fd = bev != NULL ? bufferevent_getfd(bev) : -1;
	int one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

static unsigned
method_of(enum evhttp_cmd_type cmd)
{
	switch (cmd) {
	case EVHTTP_REQ_GET: return HL_HTTP_GET;
	case EVHTTP_REQ_POST: return HL_HTTP_POST;
	case EVHTTP_REQ_HEAD: return HL_HTTP_HEAD;
	default: return HL_HTTP_OTHER;
	}
}

static SSL *
req_tls(struct evhttp_request *req)
{
	struct evhttp_connection *c = evhttp_request_get_connection(req);
	struct bufferevent *bev = c != NULL ? evhttp_connection_get_bufferevent(c) : NULL;

	return bev != NULL ? bufferevent_openssl_get_ssl(bev) : NULL;
}

static void
peer_of(struct evhttp_connection *c, char out[HL_HTTP_PEER_MAX])
{
	char *host = NULL;
	ev_uint16_t port = 0;

	if (c != NULL)
		evhttp_connection_get_peer(c, &host, &port);
	(void)snprintf(out, HL_HTTP_PEER_MAX, "%s", host != NULL ? host : "-");
}

const char *
hl_http_header(const struct hl_http_req *x, const char *name)
{
	return x->hdrs != NULL ? evhttp_find_header(x->hdrs, name) : NULL;
}

/* Ask the authenticators in order. 1 with x->op, or -1 after a reply. */
static int
authenticate(struct hl_http *h, struct hl_http_req *x, const struct hl_http_style *style)
{
	struct hl_http_refusal no;
	unsigned i;
	int r;

	memset(&no, 0, sizeof(no));
	for (i = 0; i < h->t.nauth; i++) {
		if ((r = h->t.auth[i].fn(h->t.auth[i].arg, x, &no)) > 0) {
			x->op = &x->opbuf;
			x->via = h->t.auth[i].arg;
			return 1;
		}
		if (r < 0)
			break;
	}
	if (no.code == 0) {
		no.code = 401;
		(void)snprintf(no.ecode, sizeof(no.ecode), "unauthorized");
		(void)snprintf(no.msg, sizeof(no.msg), "authentication required");
	}
	OPENSSL_cleanse(&x->opbuf, sizeof(x->opbuf));
	send_refusal(x->req, style, no.code, no.ecode, no.msg, NULL, no.retry_after,
	    no.challenge);
	return -1;
}

static void
http_request(struct evhttp_request *req, void *arg)
{
	struct hl_http *h = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	struct evkeyvalq *hd = evhttp_request_get_input_headers(req);
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	struct hl_http_plan *p = NULL;
	struct hl_http_req *x = NULL;
	struct hl_http_in hin;

	nodelay(req);
	/* both are large (captures, the account): on the heap, not the stack */
	if ((p = hl_calloc(1, sizeof(*p))) == NULL || (x = hl_calloc(1, sizeof(*x))) == NULL) {
		hl_http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	memset(&hin, 0, sizeof(hin));
	hin.method = method_of(evhttp_request_get_command(req));
	hin.path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	hin.query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	hin.content_type = evhttp_find_header(hd, "Content-Type");
	hin.accept = evhttp_find_header(hd, "Accept");
	hin.body_len = evbuffer_get_length(in);
	hl_http_plan(&h->t, &hin, p);
	x->req = req;
	x->hdrs = hd;
	x->tls = req_tls(req);
	peer_of(evhttp_request_get_connection(req), x->peer);
	x->path = hin.path;
	x->query = hin.query != NULL && hin.query[0] != '\0' ? hin.query : NULL;
	x->method = hin.method;
	if (p->code != 0 && p->before_auth) {
		send_refusal(req, p->style, p->code, p->ecode, p->msg, p->allow, NULL, 0);
		goto out;
	}
	if (p->auth && authenticate(h, x, p->style) < 0)
		goto out;
	if (p->auth && p->row != NULL &&
	    (x->op->role >= 32 || !(p->row->r->roles & (1u << x->op->role)))) {
		char msg[200];

		if (h->t.denied != NULL)
			h->t.denied(h->t.denied_arg, x->op, hin.method, hin.path);
		(void)snprintf(msg, sizeof(msg), "the %s role may not call %s %.100s "
		    "(docs/API.md, \"Roles\")", hl_role_name(x->op->role),
		    hin.method == HL_HTTP_POST ? "POST" : hin.method == HL_HTTP_HEAD ? "HEAD" : "GET",
		    hin.path);
		send_refusal(req, p->style, 403, "denied", msg, NULL, NULL, 0);
		goto out;
	}
	if (p->code != 0) {
		send_refusal(req, p->style, p->code, p->ecode, p->msg, p->allow, NULL, 0);
		goto out;
	}
	x->arg = p->row->arg;
	x->nparams = p->nparams;
	memcpy(x->param, p->param, sizeof(x->param));
	x->body_len = hin.body_len;
	if (x->body_len > 0 && (p->row->r->flags & HL_HTTP_BODY_OWN)) {
		/* one copy, chunk by chunk, instead of a pullup and a copy */
		if ((x->own = hl_malloc(x->body_len + 1)) == NULL ||
		    evbuffer_remove(in, x->own, x->body_len) != (int)x->body_len) {
			send_refusal(req, p->style, 500, "internal", "out of memory", NULL, NULL, 0);
			goto out;
		}
		x->body = x->own;
	} else if (x->body_len > 0 && (x->body = evbuffer_pullup(in, -1)) == NULL) {
		send_refusal(req, p->style, 500, "internal", "out of memory", NULL, NULL, 0);
		goto out;
	}
	p->row->r->fn(x);
out:
	if (x != NULL && x->own != NULL)
		hl_free_secret(x->own, x->body_len + 1);
	if (x != NULL)
		hl_free_secret(x, sizeof(*x));
	hl_free(p);
}

/* ---- bodies only after credentials (httpgate.h) ----
 *
 * evhttp reads a whole body before the server sees its request, up to the
 * connection's body limit. The server's limit is HL_HTTP_PREAUTH_BODY_MAX;
 * the gate sees every request head in the decrypted stream before evhttp
 * parses it (an evbuffer callback on the TLS bufferevent's input, run as
 * the bytes are added) and raises the connection's limit for that request
 * only when the head's credentials pass the same authenticators a request
 * passes, and fewer than HL_HTTP_UPLOADS_MAX uploads are being received.
 * Otherwise evhttp answers 413 as soon as it has read the head, without
 * reading the body, and closes the connection. */

/* The evhttp connection that reads bev. evhttp gives each connection's
 * bufferevent its callbacks with the connection as their argument; the
 * check that the connection reads through bev again guards against
 * anything else. NULL when not found. */
static struct evhttp_connection *
gate_evcon(struct gate_conn *gc)
{
	void *cbarg = NULL;

	bufferevent_getcb(gc->bev, NULL, NULL, NULL, &cbarg);
	if (cbarg == NULL || evhttp_connection_get_bufferevent(cbarg) != gc->bev) {
		if (!gc->lost)
			log_warnx("api: cannot find a connection's HTTP state: its bodies stay "
			    "limited to %u bytes", HL_HTTP_PREAUTH_BODY_MAX);
		gc->lost = 1;
		return NULL;
	}
	return cbarg;
}

static void
gate_release(struct gate_conn *gc)
{
	if (gc->upload && gc->h != NULL) {
		gc->h->uploads--;
		gc->upload = 0;
	}
}

static int
gate_header(void *arg, const char *name, size_t nl, const char *value, size_t vl)
{
	char n[128], v[HL_HTTP_HEADERS_MAX_BYTES];

	if (nl >= sizeof(n) || vl >= sizeof(v))
		return 0;   /* evhttp keeps it; no authenticator reads one this long */
	memcpy(n, name, nl);
	n[nl] = '\0';
	memcpy(v, value, vl);
	v[vl] = '\0';
	return evhttp_add_header(arg, n, v) == 0 ? 0 : -1;
}

/* Do the head's credentials pass an authenticator? 1 or 0; a refusal is
 * audited by the authenticator as for any request. */
static int
gate_auth(struct gate_conn *gc, struct evhttp_connection *evcon, const struct hl_gate_head *hd)
{
	struct hl_http *h = gc->h;
	struct hl_http_refusal no;
	struct hl_http_req *x = NULL;
	struct evkeyvalq q;
	char path[HL_HTTP_PARAM_MAX * 2];
	unsigned i;
	int ok = 0, r;

	TAILQ_INIT(&q);
	if ((x = hl_calloc(1, sizeof(*x))) == NULL ||
	    hl_gate_each_header(hd, gate_header, &q) != 0 ||
	    hl_gate_path(hd, path, sizeof(path)) != HL_OK)
		goto out;
	x->hdrs = &q;
	x->tls = bufferevent_openssl_get_ssl(gc->bev);
	peer_of(evcon, x->peer);
	x->path = path;
	x->method = strcmp(hd->method, "GET") == 0 ? HL_HTTP_GET :
	    strcmp(hd->method, "POST") == 0 ? HL_HTTP_POST :
	    strcmp(hd->method, "HEAD") == 0 ? HL_HTTP_HEAD : HL_HTTP_OTHER;
	memset(&no, 0, sizeof(no));
	for (i = 0; i < h->t.nauth; i++) {
		if ((r = h->t.auth[i].fn(h->t.auth[i].arg, x, &no)) != 0) {
			ok = r > 0;
			break;
		}
	}
out:
	if (x != NULL)
		hl_free_secret(x, sizeof(*x));
	evhttp_clear_headers(&q);
	return ok;
}

enum { GATE_NO_CREDENTIALS, GATE_UPLOADS };

static void
gate_refused(struct gate_conn *gc, const struct hl_gate_head *hd, struct evhttp_connection *evcon,
    int why)
{
	struct hl_http *h = gc->h;
	uint64_t now = hl_now_ms();
	char peer[HL_HTTP_PEER_MAX];

	h->refused[why]++;
	/* one line per reason and ten seconds at most: a flood must not fill the log */
	if (h->refused_log_ms[why] != 0 && now - h->refused_log_ms[why] < 10000)
		return;
	peer_of(evcon, peer);
	log_warnx("api: a body of %llu bytes from %s refused (413) before it was read: %s "
	    "(%llu such refusals since the last line)", (unsigned long long)hd->body_len, peer,
	    why == GATE_UPLOADS ? "too many uploads at once" : "no valid credentials",
	    (unsigned long long)(h->refused[why] - h->refused_logged[why]));
	h->refused_logged[why] = h->refused[why];
	h->refused_log_ms[why] = now;
}

static void
gate_head(void *arg, const struct hl_gate_head *hd)
{
	struct gate_conn *gc = arg;
	struct hl_http *h = gc->h;
	struct evhttp_connection *evcon;
	ev_ssize_t limit = HL_HTTP_PREAUTH_BODY_MAX;

	gate_release(gc);
	if ((evcon = gate_evcon(gc)) == NULL)
		return;
	if (hd->body_len > HL_HTTP_PREAUTH_BODY_MAX) {
		if (!gate_auth(gc, evcon, hd))
			gate_refused(gc, hd, evcon, GATE_NO_CREDENTIALS);
		else if (hd->body_len >= HL_HTTP_UPLOAD_MIN_BYTES &&
		    h->uploads >= HL_HTTP_UPLOADS_MAX)
			gate_refused(gc, hd, evcon, GATE_UPLOADS);
		else {
			limit = HL_API_BODY_MAX_BYTES;
			if (hd->body_len >= HL_HTTP_UPLOAD_MIN_BYTES) {
				h->uploads++;
				gc->upload = 1;
			}
		}
	}
	evhttp_connection_set_max_body_size(evcon, limit);
}

static void
gate_off(void *arg, const char *why)
{
	struct gate_conn *gc = arg;
	struct evhttp_connection *evcon;

	gate_release(gc);
	log_debug("api: request bodies on a connection stay limited to %u bytes: %s",
	    HL_HTTP_PREAUTH_BODY_MAX, why);
	if ((evcon = gate_evcon(gc)) != NULL)
		evhttp_connection_set_max_body_size(evcon, HL_HTTP_PREAUTH_BODY_MAX);
}

/* Bytes added to the connection's decrypted input: the n_added last ones. */
static void
gate_input(struct evbuffer *buf, const struct evbuffer_cb_info *info, void *arg)
{
	struct gate_conn *gc = arg;
	struct evbuffer_iovec v[4];
	struct evbuffer_ptr at;
	size_t len = evbuffer_get_length(buf), done = 0, k;
	int nv, i;

	if (gc->h == NULL || info->n_added == 0 || gc->g.state == HL_GATE_OFF ||
	    info->n_added > len)
		return;
	while (done < info->n_added && gc->g.state != HL_GATE_OFF) {
		if (evbuffer_ptr_set(buf, &at, len - info->n_added + done, EVBUFFER_PTR_SET) != 0 ||
		    (nv = evbuffer_peek(buf, (ev_ssize_t)(info->n_added - done), &at, v, 4)) <= 0)
			break;
		for (i = 0; i < nv && i < 4 && done < info->n_added; i++) {
			k = v[i].iov_len < info->n_added - done ? v[i].iov_len : info->n_added - done;
			hl_gate_feed(&gc->g, v[i].iov_base, k, gate_head, gate_off, gc);
			done += k;
		}
	}
	if (gc->g.state != HL_GATE_BODY)
		gate_release(gc);
}

static void
gate_free(void *parent, void *ptr, CRYPTO_EX_DATA *ad, int idx, long argl, void *argp)
{
	struct gate_conn *gc = ptr;

	(void)parent;
	(void)ad;
	(void)idx;
	(void)argl;
	(void)argp;
	if (gc == NULL)
		return;
	gate_release(gc);
	if (gc->h != NULL) {
		if (gc->prev != NULL)
			gc->prev->next = gc->next;
		else
			gc->h->gates = gc->next;
		if (gc->next != NULL)
			gc->next->prev = gc->prev;
	}
	hl_free(gc);
}

static struct bufferevent *
http_bevcb(struct event_base *base, void *arg)
{
	struct hl_http *h = arg;
	struct bufferevent *bev;
	struct gate_conn *gc;
	SSL *ssl;

	if ((ssl = SSL_new(h->ctx)) == NULL)
		return NULL;
	if ((gc = hl_calloc(1, sizeof(*gc))) == NULL ||
	    SSL_set_ex_data(ssl, h->gate_idx, gc) != 1) {
		hl_free(gc);
		SSL_free(ssl);
		return NULL;
	}
	gc->h = h;
	gc->next = h->gates;
	if (h->gates != NULL)
		h->gates->prev = gc;
	h->gates = gc;
	hl_gate_init(&gc->g);
	/* takes ownership of ssl (freed with the bufferevent, gc with it) */
	bev = bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
	if (bev == NULL) {
		SSL_free(ssl);
		return NULL;
	}
	gc->bev = bev;
	if (evbuffer_add_cb(bufferevent_get_input(bev), gate_input, gc) == NULL) {
		bufferevent_free(bev);
		return NULL;
	}
	return bev;
}

/* A client certificate never ends the handshake: the request it carries
 * is answered 401 and audited instead (auth.c reads the outcome). */
static int
accept_any(int preverify_ok, X509_STORE_CTX *sctx)
{
	(void)preverify_ok;
	(void)sctx;
	return 1;
}

/* Ask clients for a certificate from this node's partner CA (operators'
 * certificates, docs/API.md "Client certificates"); none is required. */
static int
client_certs(SSL_CTX *ctx, const struct hl_config *cfg, char *err, size_t errlen)
{
	STACK_OF(X509_NAME) *names = NULL;

	if (SSL_CTX_load_verify_locations(ctx, cfg->ca_path, NULL) != 1 ||
	    (names = SSL_load_client_CA_file(cfg->ca_path)) == NULL) {
		snprintf(err, errlen, "%s: operator API cannot load the CA for client certificates",
		    cfg->ca_path);
		return HL_ERR_CRYPTO;
	}
	SSL_CTX_set_client_CA_list(ctx, names);   /* takes names */
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, accept_any);
	return HL_OK;
}

static int
tls_ctx(const struct hl_config *cfg, SSL_CTX **out, char *err, size_t errlen)
{
	SSL_CTX *ctx = NULL;
	char e[200];
	int r = HL_ERR_CRYPTO;

	*out = NULL;
	ERR_clear_error();
	if ((ctx = SSL_CTX_new(TLS_server_method())) == NULL ||
	    SSL_CTX_set_min_proto_version(ctx, TLS1_3_VERSION) != 1 ||
	    SSL_CTX_set_max_proto_version(ctx, TLS1_3_VERSION) != 1) {
		snprintf(err, errlen, "operator API: cannot create TLS context");
		goto out;
	}
	SSL_CTX_set_options(ctx, SSL_OP_NO_TICKET);
	SSL_CTX_set_session_cache_mode(ctx, SSL_SESS_CACHE_OFF);
	/* the TLS pair (tls_certificate, tls_key), not the signing key */
	if (SSL_CTX_use_certificate_chain_file(ctx, cfg->tls_cert_path) != 1) {
		ERR_error_string_n(ERR_peek_last_error(), e, sizeof(e));
		snprintf(err, errlen, "%s: operator API cannot use the certificate: %s",
		    cfg->tls_cert_path, e);
		goto out;
	}
	if (hl_seal_use_key(ctx, cfg->tls_key_path, e, sizeof(e)) != HL_OK) {
		snprintf(err, errlen, "operator API: %s", e);
		goto out;
	}
	if (client_certs(ctx, cfg, err, errlen) != HL_OK)
		goto out;
	*out = ctx;
	ctx = NULL;
	r = HL_OK;
out:
	ERR_clear_error();
	SSL_CTX_free(ctx);
	return r;
}

int
hl_http_new(struct event_base *base, const struct hl_config *cfg, struct hl_http **out,
    char *err, size_t errlen)
{
	struct hl_http *h = NULL;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	hl_apijson_init();
	if ((h = hl_calloc(1, sizeof(*h))) == NULL) {
		snprintf(err, errlen, "operator API: out of memory");
		return HL_ERR_NOMEM;
	}
	h->cfg = cfg;
	if ((h->gate_idx = SSL_get_ex_new_index(0, NULL, NULL, NULL, gate_free)) < 0) {
		snprintf(err, errlen, "operator API: cannot register connection state");
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if ((r = tls_ctx(cfg, &h->ctx, err, errlen)) != HL_OK)
		goto out;
	if ((h->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "operator API: cannot create the HTTP server");
		r = HL_ERR_NOMEM;
		goto out;
	}
	evhttp_set_bevcb(h->http, http_bevcb, h);
	evhttp_set_gencb(h->http, http_request, h);
	evhttp_set_max_headers_size(h->http, HL_HTTP_HEADERS_MAX_BYTES);
	/* raised per request by the gate, for credentials that pass */
	evhttp_set_max_body_size(h->http, HL_HTTP_PREAUTH_BODY_MAX);
	evhttp_set_timeout(h->http, HL_HTTP_TIMEOUT_S);
	evhttp_set_allowed_methods(h->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(h->http, JSON_MEDIA);
	*out = h;
	h = NULL;
	r = HL_OK;
out:
	hl_http_free(h);
	return r;
}

int
hl_http_listen(struct hl_http *h, char *err, size_t errlen)
{
	if (evhttp_bind_socket_with_handle(h->http, h->cfg->api_host, h->cfg->api_port) == NULL) {
		snprintf(err, errlen, "operator API: cannot listen on %s:%u: %s", h->cfg->api_host,
		    (unsigned)h->cfg->api_port, strerror(errno));
		return HL_ERR_IO;
	}
	return HL_OK;
}

void
hl_http_free(struct hl_http *h)
{
	struct gate_conn *gc, *next;

	if (h == NULL)
		return;
	if (h->http != NULL)
		evhttp_free(h->http);
	/* connections whose bufferevent the event base frees later */
	for (gc = h->gates; gc != NULL; gc = next) {
		next = gc->next;
		gc->h = NULL;
		gc->prev = gc->next = NULL;
	}
	SSL_CTX_free(h->ctx);
	hl_free(h);
}

struct ssl_ctx_st *
hl_http_tls(struct hl_http *h)
{
	return h->ctx;
}

struct hl_http_table *
hl_http_table(struct hl_http *h)
{
	return h != NULL ? &h->t : NULL;
}

const void *
hl_http_peer_cert(const struct hl_http_req *x, long *verify)
{
	SSL *ssl = x->tls;
	X509 *peer = ssl != NULL ? SSL_get0_peer_certificate(ssl) : NULL;

	*verify = peer != NULL ? SSL_get_verify_result(ssl) : X509_V_OK;
	return peer;
}

/* ---- replies that come later ---- */

struct hl_http_defer {
	struct evhttp_request *req;    /* NULL once the connection closed */
};

static void
defer_closed(struct evhttp_connection *evcon, void *arg)
{
	struct hl_http_defer *d = arg;

	(void)evcon;
	d->req = NULL;   /* libevent frees the request with its connection */
}

struct hl_http_defer *
hl_http_defer(struct evhttp_request *req)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct hl_http_defer *d;

	if (evcon == NULL || (d = hl_calloc(1, sizeof(*d))) == NULL)
		return NULL;
	d->req = req;
	evhttp_connection_set_closecb(evcon, defer_closed, d);
	return d;
}

struct evhttp_request *
hl_http_defer_take(struct hl_http_defer *d)
{
	struct evhttp_request *req;
	struct evhttp_connection *evcon;

	if (d == NULL)
		return NULL;
	if ((req = d->req) != NULL && (evcon = evhttp_request_get_connection(req)) != NULL)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	hl_free(d);
	return req;
}
