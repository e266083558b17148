/* console.c: the duty officer's web console (docs/CONSOLE.md).
 *
 * Pages: the files of web/, embedded at build time (mk/console.mk), served
 * under /console/ with a strict Content-Security-Policy (no inline script,
 * nothing from elsewhere), X-Frame-Options DENY, no referrer, nosniff.
 *
 * Sessions live in memory only: a random 256-bit id in an HttpOnly, Secure,
 * SameSite=Strict cookie, of which only the SHA-256 is kept; a per-session
 * random CSRF token that the scripts send as X-CSRF-Token on every POST; an
 * idle timeout (console_idle). A restart of the node ends every session,
 * which is the safe direction, and no session secret ever reaches the disk.
 *
 * Live events: GET /api/v1/events is a text/event-stream kept open with
 * chunked replies; the node's event hook pushes to every stream whose
 * operator may see the envelope (rule 4), and a tick sends a keep-alive and
 * closes streams whose session ended. */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include <event2/buffer.h>
#include <event2/bufferevent.h>
#include <event2/event.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "store_accounts.h"
#include "alloc.h"
#include "apijson.h"
#include "auth.h"
#include "clock.h"
#include "console.h"
#include "sealfile.h"
#include "consolejson.h"
#include "envelope.h"
#include "http.h"
#include "log.h"
#include "node.h"
#include "pwhash.h"
#include "store.h"
#include "totp.h"

#define CONSOLE_SESSIONS_MAX 64      /* live sessions; the oldest idle one yields */
#define CONSOLE_STREAMS_MAX 64       /* open event streams */
#define CONSOLE_TICK_S 10            /* keep-alive and expiry check */
#define CONSOLE_STREAM_BACKLOG (256u * 1024u)   /* unread event bytes before a stream is cut */
#define CONSOLE_AUDIT_DEFAULT 50
#define CONSOLE_AUDIT_MAX 1000
#define CONSOLE_PASSWORD_MIN 8       /* for accounts made through the API */
#define CONSOLE_SCRYPT_LN 15         /* as hotline pki init */

/* the generated table (build/console_assets.c), weak so that builds
 * without it (the fuzzers) still link */
extern const struct hl_console_asset hl_console_assets[] __attribute__((weak));
extern const size_t hl_console_nassets __attribute__((weak));

struct session {
	int used;
	uint8_t sid_hash[32];            /* SHA-256 of the cookie's id */
	uint8_t csrf[32];
	char name[HL_OPERATOR_MAX + 1];
	uint64_t created_ms, last_ms;
};

struct stream {
	struct hl_console *c;
	struct evhttp_request *req;
	struct hl_operator_conf op;      /* who is watching (no password hash, no TOTP key) */
	uint8_t sid_hash[32];
	struct stream *next;
};

struct hl_console {
	const struct hl_config *cfg;
	struct hl_store *store;
	struct hl_auth *auth;
	struct event *tick;
	struct session sessions[CONSOLE_SESSIONS_MAX];
	struct stream *streams;
	unsigned nstreams;
};

static int
sha256(const uint8_t *p, size_t n, uint8_t out[32])
{
	unsigned int ol = 0;

	return EVP_Digest(p, n, out, &ol, EVP_sha256(), NULL) == 1 && ol == 32 ? HL_OK :
	    HL_ERR_CRYPTO;
}

/* ---- replies with the console's security headers ---- */

static void
sec_headers(struct evhttp_request *req)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Security-Policy", "default-src 'self'; script-src 'self'; "
	    "style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; "
	    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'");
	evhttp_add_header(h, "X-Frame-Options", "DENY");
	evhttp_add_header(h, "Referrer-Policy", "no-referrer");
	evhttp_add_header(h, "Cross-Origin-Opener-Policy", "same-origin");
}

/* A browser-session cookie, or (clear) one that is deleted at once. */
static void
set_cookie(struct evhttp_request *req, const char *sid_hex, int clear)
{
	char c[160];

	snprintf(c, sizeof(c), "%s=%s; Path=/;%s Secure; HttpOnly; SameSite=Strict",
	    HL_CONSOLE_COOKIE, sid_hex, clear ? " Max-Age=0;" : "");
	evhttp_add_header(evhttp_request_get_output_headers(req), "Set-Cookie", c);
	OPENSSL_cleanse(c, sizeof(c));
}

/* A refusal of the session authenticator (401 carries no Basic
 * challenge: no browser dialog). */
static void
refuse(struct hl_http_refusal *no, int code, const char *ecode, const char *msg)
{
	memset(no, 0, sizeof(*no));
	no->code = code;
	(void)snprintf(no->ecode, sizeof(no->ecode), "%s", ecode);
	(void)snprintf(no->msg, sizeof(no->msg), "%s", msg);
}

/* ---- sessions ---- */

static void
session_end(struct hl_console *c, struct session *s, const char *event, const char *detail)
{
	if (event != NULL)
		hl_auth_audit(c->auth, event, NULL, s->name, detail);
	OPENSSL_cleanse(s, sizeof(*s));
}

static struct session *
session_find(struct hl_console *c, const uint8_t sid[static HL_CONSOLE_SID_BYTES])
{
	uint8_t h[32];
	struct session *found = NULL;
	size_t i;

	if (sha256(sid, HL_CONSOLE_SID_BYTES, h) != HL_OK)
		return NULL;
	for (i = 0; i < CONSOLE_SESSIONS_MAX; i++)
		if (c->sessions[i].used && CRYPTO_memcmp(c->sessions[i].sid_hash, h, 32) == 0)
			found = &c->sessions[i];
	return found;
}

static int
session_idle(const struct hl_console *c, const struct session *s, uint64_t now)
{
	return now - s->last_ms >= 1000ull * c->cfg->console_idle_s;
}

/* End every session of an account (disabled). */
static void
sessions_end_for(struct hl_console *c, const char *name, const char *detail)
{
	size_t i;

	for (i = 0; i < CONSOLE_SESSIONS_MAX; i++)
		if (c->sessions[i].used && strcmp(c->sessions[i].name, name) == 0)
			session_end(c, &c->sessions[i], "logout", detail);
}

/* Resolve the request's session. 1: *sp set; 0: no cookie; -1 refused
 * (*no). */
static int
session_of(struct hl_console *c, const struct hl_http_req *x, struct session **sp,
    struct hl_operator_conf *op, struct hl_http_refusal *no)
{
	uint8_t sid[HL_CONSOLE_SID_BYTES];
	struct session *s;
	uint64_t now = hl_now_ms();
	int r;

	*sp = NULL;
	memset(op, 0, sizeof(*op));
	r = hl_consolejson_cookie(hl_http_header(x, "Cookie"), sid);
	if (r == HL_ERR_NOT_FOUND)
		return 0;
	if (r != HL_OK) {
		refuse(no, 401, "unauthorized", "malformed session cookie; log in again");
		return -1;
	}
	s = session_find(c, sid);
	OPENSSL_cleanse(sid, sizeof(sid));
	if (s == NULL) {
		refuse(no, 401, "unauthorized", "no such session (expired, logged out or the node "
		    "restarted); log in again");
		return -1;
	}
	if (session_idle(c, s, now)) {
		session_end(c, s, "session-expired", "console: idle timeout");
		refuse(no, 401, "unauthorized", "session expired after inactivity; log in again");
		return -1;
	}
	if (hl_auth_operator(c->auth, s->name, op) != HL_OK || op->disabled) {
		session_end(c, s, "logout", "console: account disabled or removed");
		OPENSSL_cleanse(op, sizeof(*op));
		refuse(no, 401, "unauthorized", "account disabled");
		return -1;
	}
	*sp = s;
	return 1;
}

/* X-CSRF-Token must equal the session's token (64 hex digits). */
static int
csrf_ok(const struct session *s, const struct hl_http_req *x)
{
	const char *t = hl_http_header(x, "X-CSRF-Token");
	char want[2 * sizeof(s->csrf) + 1];
	int ok;

	if (t == NULL || strlen(t) != 2 * sizeof(s->csrf))
		return 0;
	hl_hex_encode(s->csrf, sizeof(s->csrf), want);
	ok = CRYPTO_memcmp(want, t, 2 * sizeof(s->csrf)) == 0;
	OPENSSL_cleanse(want, sizeof(want));
	return ok;
}

/* The HTTP layer's authenticator for the session cookie (+ X-CSRF-Token
 * on every request but GET and HEAD): 1 with the operator and x->session,
 * 0 when the request has no session cookie (or credentials of its own),
 * -1 for an unknown or expired session (401) or a missing or wrong CSRF
 * token (403, audited). */
static int
session_auth(void *arg, struct hl_http_req *x, struct hl_http_refusal *no)
{
	struct hl_console *c = arg;
	char detail[128];
	struct session *s;
	int r;

	if (hl_http_header(x, "Authorization") != NULL)
		return 0;
	if ((r = session_of(c, x, &s, &x->opbuf, no)) <= 0)
		return r;
	if (x->method != HL_HTTP_GET && x->method != HL_HTTP_HEAD && !csrf_ok(s, x)) {
		snprintf(detail, sizeof(detail), "console: no valid CSRF token on %.80s",
		    x->path != NULL ? x->path : "?");
		hl_auth_audit(c->auth, "csrf-refused", NULL, s->name, detail);
		log_warnx("console: request without a valid CSRF token from %s refused", s->name);
		OPENSSL_cleanse(&x->opbuf, sizeof(x->opbuf));
		refuse(no, 403, "csrf", "missing or wrong X-CSRF-Token");
		return -1;
	}
	/* background refreshes (polling, event-driven reloads) do not count as
	 * the operator's activity */
	if (hl_http_header(x, "X-Hotline-Background") == NULL)
		s->last_ms = hl_now_ms();
	x->session = s;
	return 1;
}

/* The session of a request the session authenticator accepted; NULL for
 * one that came with HTTP Basic. */
static struct session *
session_of_req(const struct hl_console *c, const struct hl_http_req *x)
{
	return x->via == c ? x->session : NULL;
}

/* ---- pages ---- */

static void
serve_asset(struct evhttp_request *req, const char *name)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	size_t i, n = &hl_console_nassets != NULL ? hl_console_nassets : 0;

	if (hl_console_assets == NULL)
		n = 0;
	for (i = 0; i < n; i++) {
		if (strcmp(hl_console_assets[i].name, name) != 0)
			continue;
		sec_headers(req);
		evhttp_add_header(h, "Content-Type", hl_console_assets[i].content_type);
		evhttp_add_header(h, "Cache-Control", "no-cache");
		evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
		if (evbuffer_add_reference(evhttp_request_get_output_buffer(req),
		    hl_console_assets[i].data, hl_console_assets[i].len, NULL, NULL) != 0) {
			hl_http_reply_error(req, 500, "internal", "out of memory");
			return;
		}
		evhttp_send_reply(req, 200, "OK", NULL);
		return;
	}
	sec_headers(req);
	hl_http_reply_error(req, 404, "not_found", "no such console page");
}

static json_t *
session_json(struct hl_console *c, const struct session *s, const struct hl_operator_conf *op)
{
	const struct hl_config *cfg = c->cfg;
	char csrf[2 * sizeof(s->csrf) + 1];
	json_t *j;

	hl_hex_encode(s->csrf, sizeof(s->csrf), csrf);
	j = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s]}", "user", op->name,
	    "role", hl_role_name(op->role),
	    "clearance", hl_policy_level_name(&cfg->policy, op->clearance),
	    "nationality", op->nationality, "node", cfg->node, "csrf_token", csrf,
	    "idle_timeout_s", (json_int_t)cfg->console_idle_s, "levels", "");
	OPENSSL_cleanse(csrf, sizeof(csrf));
	if (j != NULL) {
		json_t *lv = json_array();
		unsigned i;

		json_t *gr = json_object(), *mem;
		unsigned k;

		for (i = 0; lv != NULL && i < cfg->policy.nlevels && i <= op->clearance; i++)
			json_array_append_new(lv, json_string(cfg->policy.levels[i]));
		json_object_set_new(j, "levels", lv != NULL ? lv : json_array());
		/* the releasability groups: name -> members (compose offers them) */
		for (i = 0; gr != NULL && i < cfg->policy.ngroups; i++) {
			if ((mem = json_array()) == NULL)
				break;
			for (k = 0; k < cfg->policy.groups[i].n; k++)
				json_array_append_new(mem, json_string(cfg->policy.groups[i].members[k]));
			json_object_set_new(gr, cfg->policy.groups[i].name, mem);
		}
		json_object_set_new(j, "groups", gr != NULL ? gr : json_object());
	}
	return j;
}

static void
handle_login(struct hl_console *c, struct evhttp_request *req, const uint8_t *body, size_t len)
{
	struct hl_operator_conf op;
	struct session *s = NULL;
	uint8_t sid[HL_CONSOLE_SID_BYTES];
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], err[160], hex[80],
	    retry[16], addr[HL_AUTH_ADDR_MAX], code[HL_CONSOLE_CODE_MAX + 1];
	uint64_t now = hl_now_ms();
	unsigned retry_s = 0;
	size_t i;
	int r;

	memset(&op, 0, sizeof(op));
	memset(sid, 0, sizeof(sid));
	memset(hex, 0, sizeof(hex));
	pass[0] = '\0';
	code[0] = '\0';
	if (hl_consolejson_login(body, len, user, pass, code, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		goto out;
	}
	hl_auth_peer(req, addr, sizeof(addr));
	r = hl_auth_check_login(c->auth, addr, user, pass, code, "console", &op, &retry_s);
	if (r == HL_ERR_AGAIN) {
		snprintf(retry, sizeof(retry), "%u", retry_s);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
		hl_http_reply_error(req, 429, "too_many_requests",
		    "too many failed logins for %s; try again in %u s", user, retry_s);
		goto out;
	}
	if (r == HL_ERR_DENIED) {
		hl_http_reply_error(req, 401, "unauthorized", "this account's role requires a second "
		    "factor and none is enrolled: ask an admin to enrol one (hotline operator totp %s)",
		    user);
		goto out;
	}
	if (r != HL_OK) {
		hl_http_reply_error(req, 401, "unauthorized", "wrong user name, password or "
		    "one-time code");
		goto out;
	}
	/* a free slot, or the session idle longest */
	for (i = 0; i < CONSOLE_SESSIONS_MAX; i++) {
		struct session *t = &c->sessions[i];

		if (!t->used || session_idle(c, t, now)) {
			s = t;
			break;
		}
		if (s == NULL || t->last_ms < s->last_ms)
			s = t;
	}
	if (s->used)
		session_end(c, s, "logout", "console: session evicted (too many sessions)");
	if (RAND_bytes(sid, sizeof(sid)) != 1 || RAND_bytes(s->csrf, sizeof(s->csrf)) != 1 ||
	    sha256(sid, sizeof(sid), s->sid_hash) != HL_OK) {
		OPENSSL_cleanse(s, sizeof(*s));
		hl_http_reply_error(req, 500, "internal", "no randomness");
		goto out;
	}
	s->used = 1;
	snprintf(s->name, sizeof(s->name), "%s", op.name);
	s->created_ms = s->last_ms = now;
	hl_hex_encode(sid, sizeof(sid), hex);
	set_cookie(req, hex, 0);
	hl_auth_audit(c->auth, "login", NULL, op.name, "console");
	log_info("console: %s logged in", op.name);
	sec_headers(req);
	hl_http_reply_json(req, 200, session_json(c, s, &op));
out:
	OPENSSL_cleanse(sid, sizeof(sid));
	OPENSSL_cleanse(hex, sizeof(hex));
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_cleanse(code, sizeof(code));
	OPENSSL_cleanse(&op, sizeof(op));
}

/* "/" and "/console": the pages */
static void
r_redirect(struct hl_http_req *x)
{
	sec_headers(x->req);
	evhttp_add_header(evhttp_request_get_output_headers(x->req), "Location", "/console/");
	hl_http_reply_body(x->req, 302, "text/plain; charset=utf-8", "/console/\n", 11);
}

static void
r_login(struct hl_http_req *x)
{
	handle_login(x->arg, x->req, x->body, x->body_len);
}

/* GET /console/session, POST /console/logout: for a session only */
static struct session *
session_only(struct hl_http_req *x)
{
	struct session *s = session_of_req(x->arg, x);

	if (s == NULL)
		hl_http_reply_error(x->req, 401, "unauthorized", "not logged in");
	return s;
}

static void
r_session(struct hl_http_req *x)
{
	struct session *s;

	if ((s = session_only(x)) == NULL)
		return;
	sec_headers(x->req);
	hl_http_reply_json(x->req, 200, session_json(x->arg, s, x->op));
}

static void
r_logout(struct hl_http_req *x)
{
	struct session *s;

	if ((s = session_only(x)) == NULL)
		return;
	sec_headers(x->req);
	log_info("console: %s logged out", s->name);
	session_end(x->arg, s, "logout", "console");
	set_cookie(x->req, "", 1);
	hl_http_reply_json(x->req, 200, json_pack("{s:b}", "logged_out", 1));
}

/* /console/ and /console/NAME */
static void
r_asset(struct hl_http_req *x)
{
	serve_asset(x->req, x->param[0][0] == '\0' ? "index.html" : x->param[0]);
}

/* ---- event streams (server-sent events) ---- */

static void
stream_unlink(struct stream *st)
{
	struct hl_console *c = st->c;
	struct stream **pp;

	for (pp = &c->streams; *pp != NULL; pp = &(*pp)->next) {
		if (*pp == st) {
			*pp = st->next;
			c->nstreams--;
			break;
		}
	}
	hl_free_secret(st, sizeof(*st));
}

/* The connection is going away. When the client went away in the middle
 * of our chunked reply, libevent has already detached the request from
 * the connection (its evcon is NULL) and leaves freeing it to us (found
 * by LeakSanitizer); when the server itself is being freed, the request is
 * still attached and libevent frees it after this callback. */
static void
stream_closed(struct evhttp_connection *evcon, void *arg)
{
	struct stream *st = arg;
	struct evhttp_request *req = st->req;

	(void)evcon;
	stream_unlink(st);
	if (evhttp_request_get_connection(req) == NULL)
		evhttp_request_free(req);
}

static void
stream_end(struct stream *st)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(st->req);

	if (evcon != NULL)
		evhttp_connection_set_closecb(evcon, NULL, NULL);
	evhttp_send_reply_end(st->req);
	stream_unlink(st);
}

/* Queue text on the stream. 0, or -1 when the client does not read (its
 * backlog is over CONSOLE_STREAM_BACKLOG) and the stream was ended. */
static int
stream_send(struct stream *st, const char *text)
{
	struct evhttp_connection *evcon = evhttp_request_get_connection(st->req);
	struct bufferevent *bev = evcon != NULL ? evhttp_connection_get_bufferevent(evcon) : NULL;
	struct evbuffer *b;

	if (bev != NULL &&
	    evbuffer_get_length(bufferevent_get_output(bev)) > CONSOLE_STREAM_BACKLOG) {
		log_warnx("console: an event stream of %s is not read: closed", st->op.name);
		stream_end(st);
		return -1;
	}
	if ((b = evbuffer_new()) == NULL)
		return 0;
	if (evbuffer_add(b, text, strlen(text)) == 0)
		evhttp_send_reply_chunk(st->req, b);
	evbuffer_free(b);
	return 0;
}

static void
handle_events(struct hl_console *c, const struct hl_operator_conf *op,
    struct evhttp_request *req, const struct session *s)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evhttp_connection *evcon = evhttp_request_get_connection(req);
	struct stream *st;

	/* the stream belongs to the session of this request's cookie (a
	 * request authenticated with Basic has none) */
	if (s == NULL) {
		hl_http_reply_error(req, 400, "bad_request",
		    "the event stream is for console sessions (log in at /console/)");
		return;
	}
	if (c->nstreams >= CONSOLE_STREAMS_MAX || evcon == NULL) {
		evhttp_add_header(h, "Retry-After", "5");
		hl_http_reply_error(req, 503, "unavailable", "too many open event streams");
		return;
	}
	if ((st = hl_calloc(1, sizeof(*st))) == NULL) {
		hl_http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	st->c = c;
	st->req = req;
	st->op = *op;
	OPENSSL_cleanse(st->op.password_hash, sizeof(st->op.password_hash));
	OPENSSL_cleanse(st->op.totp_key, sizeof(st->op.totp_key));
	memcpy(st->sid_hash, s->sid_hash, sizeof(st->sid_hash));
	st->next = c->streams;
	c->streams = st;
	c->nstreams++;
	evhttp_add_header(h, "Content-Type", "text/event-stream");
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	evhttp_send_reply_start(req, 200, "OK");
	evhttp_connection_set_closecb(evcon, stream_closed, st);
	(void)stream_send(st, "retry: 2000\n: hotline events\n\n");
}

/* Is the stream's session still alive (not logged out, not idle)? */
static int
stream_session_ok(struct hl_console *c, const struct stream *st, uint64_t now)
{
	size_t i;

	for (i = 0; i < CONSOLE_SESSIONS_MAX; i++)
		if (c->sessions[i].used &&
		    CRYPTO_memcmp(c->sessions[i].sid_hash, st->sid_hash, 32) == 0)
			return !session_idle(c, &c->sessions[i], now);
	return 0;
}

static void
console_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hl_console *c = arg;
	struct stream *st, *next;
	uint64_t now = hl_now_ms();

	(void)fd;
	(void)what;
	for (st = c->streams; st != NULL; st = next) {
		next = st->next;
		if (!stream_session_ok(c, st, now)) {
			if (stream_send(st, "event: session\ndata: {\"ended\":true}\n\n") == 0)
				stream_end(st);
		} else {
			(void)stream_send(st, ": keep-alive\n\n");
		}
	}
}

void
hl_console_event(void *arg, const struct hl_node_event *ev)
{
	struct hl_console *c = arg;
	int kind = ev->kind;
	const uint8_t *id = ev->id;
	const char *peer = ev->peer;
	const struct hl_config *cfg;
	struct stream *st, *next;
	struct hl_msg m;
	struct hl_label l;
	char hid[HL_API_ID_HEX + 1], text[512];
	const char *name;
	int have = 0;

	if (c == NULL || c->streams == NULL)
		return;
	cfg = c->cfg;
	memset(&m, 0, sizeof(m));
	switch (kind) {
	case HL_NODE_EV_ENVELOPE: name = "envelope"; break;
	case HL_NODE_EV_DELIVERY: name = "delivery"; break;
	case HL_NODE_EV_ACK: name = "ack"; break;
	case HL_NODE_EV_LINK: name = "link"; break;
	default: return;
	}
	if (kind == HL_NODE_EV_LINK) {
		snprintf(text, sizeof(text), "event: link\ndata: {\"peer\":\"%s\"}\n\n",
		    peer != NULL && hl_label_node_name_valid(peer, NULL) ? peer : "");
		for (st = c->streams; st != NULL; st = next) {
			next = st->next;
			(void)stream_send(st, text);
		}
		return;
	}
	if (id == NULL || hl_store_get(c->store, id, 0, &m) != HL_OK)
		return;
	have = 1;
	if (kind == HL_NODE_EV_ENVELOPE && m.content_type == HL_CT_TRACKS) {
		/* the track stream is no inbox item: its picture is announced
		 * once ingested (hl_console_tracks_changed) */
		hl_msg_clear(&m);
		return;
	}
	hl_hex_id(id, hid);
	snprintf(text, sizeof(text), "event: %s\ndata: {\"id\":\"%s\",\"direction\":\"%s\","
	    "\"precedence\":\"%s\"}\n\n", name, hid, m.inbound ? "in" : "out",
	    hl_precedence_name(m.precedence));
	/* rule 4 on the stream too: an operator never learns that an envelope
	 * it may not see exists */
	for (st = c->streams; st != NULL; st = next) {
		next = st->next;
		if (hl_apijson_visible(m.label, m.label_len, &cfg->policy, &st->op, &l))
			(void)stream_send(st, text);
	}
	if (have)
		hl_msg_clear(&m);
}

void
hl_console_tracks_changed(struct hl_console *c, const uint8_t id[static HL_ID_BYTES])
{
	struct stream *st, *next;
	struct hl_msg m;
	struct hl_label l;
	char hid[HL_API_ID_HEX + 1], text[128];

	if (c == NULL || c->streams == NULL)
		return;
	memset(&m, 0, sizeof(m));
	if (hl_store_get(c->store, id, 0, &m) != HL_OK)
		return;
	hl_hex_id(id, hid);
	snprintf(text, sizeof(text), "event: tracks\ndata: {\"id\":\"%s\"}\n\n", hid);
	/* rule 4: only to operators who may see the envelope's label */
	for (st = c->streams; st != NULL; st = next) {
		next = st->next;
		if (hl_apijson_visible(m.label, m.label_len, &c->cfg->policy, &st->op, &l))
			(void)stream_send(st, text);
	}
	hl_msg_clear(&m);
}

/* ---- endpoints added for the console ---- */

/* "limit=N" or nothing. */
static int
audit_limit(const char *query, size_t *limit)
{
	char *end = NULL;
	unsigned long v;

	*limit = CONSOLE_AUDIT_DEFAULT;
	if (query == NULL || query[0] == '\0')
		return HL_OK;
	if (strncmp(query, "limit=", 6) != 0 || query[6] < '0' || query[6] > '9' ||
	    strlen(query) > 12)
		return HL_ERR_MALFORMED;
	v = strtoul(query + 6, &end, 10);
	if (*end != '\0' || v < 1 || v > CONSOLE_AUDIT_MAX)
		return HL_ERR_MALFORMED;
	*limit = v;
	return HL_OK;
}

/* Rule 4 for the audit view: an entry about an envelope the operator may
 * not see (the same test as GET /api/v1/envelopes/ID, which answers 404)
 * is left out, so its id, origin, precedence and size do not show. An
 * entry whose id names no stored envelope stays. */
static int
audit_entry_visible(struct hl_console *c, const struct hl_operator_conf *op,
    const struct hl_audit_entry *e)
{
	uint8_t lab[HL_LABEL_MAX_BYTES];
	struct hl_label l;
	size_t len = 0;
	int r;

	if (!e->has_id)
		return 1;
	if ((r = hl_store_get_label(c->store, e->id, lab, &len)) == HL_ERR_NOT_FOUND)
		return 1;
	if (r != HL_OK)
		return 0;               /* unknown: not shown */
	return hl_apijson_visible(lab, len, &c->cfg->policy, op, &l);
}

static void
handle_audit_list(struct hl_console *c, const struct hl_operator_conf *op,
    struct evhttp_request *req, const char *query)
{
	struct hl_store *store = c->store;
	struct hl_audit_entry *e = NULL;
	json_t *items = NULL, *it;
	char hid[HL_API_ID_HEX + 1];
	uint64_t last = 0, from;
	size_t limit, n = 0, i, withheld = 0;

	if (audit_limit(query, &limit) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "query must be limit=N (1 to %d)",
		    CONSOLE_AUDIT_MAX);
		return;
	}
	if (hl_store_audit_last_seq(store, &last) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "cannot read the audit log");
		goto out;
	}
	from = last > limit ? last - limit + 1 : 1;
	if (hl_store_audit_list(store, from, limit, &e, &n) != HL_OK ||
	    (items = json_array()) == NULL) {
		hl_http_reply_error(req, 500, "internal", "cannot read the audit log");
		goto out;
	}
	for (i = n; i-- > 0;) {   /* newest first */
		if (!audit_entry_visible(c, op, &e[i])) {
			withheld++;
			continue;
		}
		if (e[i].has_id)
			hl_hex_id(e[i].id, hid);
		it = json_pack("{s:I, s:o, s:s, s:s?, s:s, s:s}", "seq", (json_int_t)e[i].seq,
		    "time", hl_apijson_time(e[i].time_ms), "event", e[i].event,
		    "id", e[i].has_id ? hid : NULL, "actor", e[i].actor, "detail", e[i].detail);
		if (it == NULL || json_array_append_new(items, it) != 0) {
			hl_http_reply_error(req, 500, "internal", "out of memory");
			goto out;
		}
	}
	hl_http_reply_json(req, 200, json_pack("{s:I, s:I, s:O}", "entries", (json_int_t)last,
	    "withheld", (json_int_t)withheld, "items", items));
out:
	json_decref(items);
	hl_free(e);
}

/* Rule 1 for the compose form, before anything is sent: which configured
 * peers may receive this label (the same hl_label_may_send the node uses),
 * and whether the operator may send it at all. */
static void
handle_label_check(struct hl_console *c, const struct hl_operator_conf *op,
    struct evhttp_request *req, const uint8_t *body, size_t len)
{
	const struct hl_config *cfg = c->cfg;
	struct hl_console_labelreq lr;
	const struct hl_peer_conf *pc;
	json_t *arr = NULL, *it;
	char err[200], why[256], lt[HL_LABEL_TEXT_MAX];
	unsigned i, k;
	int allowed, wanted, self_ok = 1;

	if (hl_consolejson_labelcheck(body, len, &cfg->policy, &lr, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	err[0] = '\0';
	if (lr.label.classification > op->clearance) {
		self_ok = 0;
		snprintf(err, sizeof(err), "your clearance (%s) does not allow sending %s",
		    hl_policy_level_name(&cfg->policy, op->clearance),
		    hl_policy_level_name(&cfg->policy, lr.label.classification));
	} else if (!hl_label_releasable_to(&lr.label, op->nationality)) {
		self_ok = 0;
		snprintf(err, sizeof(err), "releasable-to must include your own nationality (%s)",
		    op->nationality);
	}
	if ((arr = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < cfg->npeers; i++) {
		pc = &cfg->peers[i];
		if (pc->removed)
			continue;
		wanted = lr.nto == 0;
		for (k = 0; k < lr.nto; k++)
			if (strcmp(lr.to[k], pc->node) == 0 || strcmp(lr.to[k], pc->partner) == 0)
				wanted = 1;
		if (!wanted)
			continue;
		why[0] = '\0';
		allowed = hl_label_may_send(&lr.label, &cfg->policy, pc->node, pc->partner,
		    pc->accreditation, 1, why, sizeof(why)) == HL_OK;
		it = json_pack("{s:s, s:s, s:b, s:s?}", "node", pc->node, "partner", pc->partner,
		    "allowed", allowed, "reason", allowed ? NULL : why);
		if (it == NULL || json_array_append_new(arr, it) != 0)
			goto nomem;
	}
	for (k = 0; k < lr.nto; k++) {   /* named recipients that are no peer of ours */
		for (i = 0; i < cfg->npeers; i++)
			if (!cfg->peers[i].removed && (strcmp(lr.to[k], cfg->peers[i].node) == 0 ||
			    strcmp(lr.to[k], cfg->peers[i].partner) == 0))
				break;
		if (i < cfg->npeers)
			continue;
		snprintf(why, sizeof(why), "%s is not a configured peer node or partner", lr.to[k]);
		it = json_pack("{s:s, s:s, s:b, s:s}", "node", lr.to[k], "partner", "",
		    "allowed", 0, "reason", why);
		if (it == NULL || json_array_append_new(arr, it) != 0)
			goto nomem;
	}
	hl_label_format(&lr.label, &cfg->policy, lt, sizeof(lt));
	hl_http_reply_json(req, 200, json_pack("{s:s, s:b, s:s?, s:O}", "label_text", lt,
	    "sender_allowed", self_ok, "sender_reason", self_ok ? NULL : err, "recipients", arr));
	json_decref(arr);
	return;
nomem:
	json_decref(arr);
	hl_http_reply_error(req, 500, "internal", "out of memory");
}

static json_t *
account_json(const struct hl_policy *pol, const struct hl_operator_conf *op, const char *source,
    uint64_t created, uint64_t changed)
{
	return json_pack("{s:s, s:s, s:s, s:s, s:b, s:b, s:s, s:o, s:o}", "name", op->name,
	    "role", hl_role_name(op->role),
	    "clearance", hl_policy_level_name(pol, op->clearance), "nationality", op->nationality,
	    "disabled", op->disabled, "totp", op->totp_key_len != 0, "source", source,
	    "created", hl_apijson_time(created), "password_changed", hl_apijson_time(changed));
}

static void
handle_operators_list(struct hl_console *c, struct evhttp_request *req)
{
	const struct hl_config *cfg = c->cfg;
	struct hl_account *acc = NULL;
	json_t *arr = NULL, *it;
	size_t n = 0, i;

	if (hl_store_account_list(c->store, &acc, &n) != HL_OK ||
	    (arr = json_array()) == NULL) {
		hl_http_reply_error(req, 500, "internal", "cannot list the accounts");
		goto out;
	}
	for (i = 0; i < cfg->noperators; i++) {
		it = account_json(&cfg->policy, &cfg->operators[i], "config", 0, 0);
		if (it == NULL || json_array_append_new(arr, it) != 0)
			goto nomem;
	}
	for (i = 0; i < n; i++) {
		/* shadowed by the configuration (added before the section was) */
		if (hl_config_operator(cfg, acc[i].op.name) != NULL)
			continue;
		it = account_json(&cfg->policy, &acc[i].op, "database", acc[i].created_ms,
		    acc[i].password_changed_ms);
		if (it == NULL || json_array_append_new(arr, it) != 0)
			goto nomem;
	}
	hl_http_reply_json(req, 200, json_pack("{s:O}", "items", arr));
	goto out;
nomem:
	hl_http_reply_error(req, 500, "internal", "out of memory");
out:
	json_decref(arr);
	if (acc != NULL)
		hl_free_secret(acc, n * sizeof(*acc));
}

static void
reply_account_error(struct evhttp_request *req, int r, const char *name)
{
	switch (r) {
	case HL_ERR_EXISTS:
		hl_http_reply_error(req, 409, "conflict", "operator %s already exists", name);
		break;
	case HL_ERR_NOT_FOUND:
		hl_http_reply_error(req, 404, "not_found", "no operator account %s in the database",
		    name);
		break;
	case HL_ERR_INVALID:
		hl_http_reply_error(req, 400, "bad_request", "invalid operator name %s", name);
		break;
	default:
		hl_http_reply_error(req, 500, "internal", "accounts: %s", hl_strerror(r));
		break;
	}
}

/* POST /api/v1/operators (add: name NULL), /api/v1/operators/NAME/disable,
 * .../reset */
static void
handle_operators_post(struct hl_console *c, const struct hl_operator_conf *op,
    struct evhttp_request *req, const char *rname, const char *action, const uint8_t *body,
    size_t len)
{
	const struct hl_config *cfg = c->cfg;
	struct hl_operator_conf nop;
	struct hl_account acc;
	char pass[HL_API_PASSWORD_MAX + 1], err[200], name[HL_OPERATOR_MAX + 1];
	int r;

	memset(&nop, 0, sizeof(nop));
	memset(&acc, 0, sizeof(acc));
	pass[0] = '\0';
	name[0] = '\0';
	if (rname != NULL) {
		if (rname[0] == '\0' || strlen(rname) > HL_OPERATOR_MAX ||
		    (strcmp(action, "disable") != 0 && strcmp(action, "reset") != 0)) {
			hl_http_reply_error(req, 404, "not_found", "no such endpoint");
			goto out;
		}
		snprintf(name, sizeof(name), "%s", rname);
	}
	if (action != NULL && strcmp(action, "disable") == 0) {
		if (hl_apijson_parse_empty(body, len, err, sizeof(err)) != HL_OK) {
			hl_http_reply_error(req, 400, "bad_request", "%s", err);
			goto out;
		}
		if (hl_config_operator(cfg, name) != NULL) {
			hl_http_reply_error(req, 409, "conflict", "operator %s is defined in the "
			    "configuration: set disabled = yes there", name);
			goto out;
		}
		if ((r = hl_store_account_disable(c->store, name, op->name,
		    hl_now_ms())) != HL_OK) {
			reply_account_error(req, r, name);
			goto out;
		}
		sessions_end_for(c, name, "console: account disabled");
		log_info("operator %s disabled by %s", name, op->name);
	} else {
		if (hl_consolejson_operator(body, len, &cfg->policy, action == NULL, &nop, pass, err,
		    sizeof(err)) != HL_OK) {
			hl_http_reply_error(req, 400, "bad_request", "%s", err);
			goto out;
		}
		if (action == NULL)
			snprintf(name, sizeof(name), "%s", nop.name);
		if (!hl_store_account_name_valid(name)) {
			hl_http_reply_error(req, 400, "bad_request", "operator names are 1 to %d of "
			    "A-Z a-z 0-9 . _ - (not starting with . or -)", HL_OPERATOR_MAX);
			goto out;
		}
		if (strlen(pass) < CONSOLE_PASSWORD_MIN) {
			hl_http_reply_error(req, 400, "bad_request", "the password must have at least "
			    "%d characters", CONSOLE_PASSWORD_MIN);
			goto out;
		}
		if (hl_config_operator(cfg, name) != NULL) {
			hl_http_reply_error(req, 409, "conflict", "operator %s is defined in the "
			    "configuration, which takes precedence", name);
			goto out;
		}
		if (hl_pwhash_make(pass, CONSOLE_SCRYPT_LN, nop.password_hash,
		    sizeof(nop.password_hash)) != HL_OK) {
			hl_http_reply_error(req, 500, "internal", "cannot hash the password");
			goto out;
		}
		if (action == NULL)
			r = hl_store_account_add(c->store, &nop, op->name, hl_now_ms());
		else
			r = hl_store_account_reset(c->store, name, nop.password_hash, op->name,
			    hl_now_ms());
		if (r != HL_OK) {
			reply_account_error(req, r, name);
			goto out;
		}
		if (action != NULL)   /* a reset ends the sessions opened with the old password */
			sessions_end_for(c, name, "console: password reset");
		log_info("operator %s %s by %s", name, action == NULL ? "added" : "reset", op->name);
	}
	if (hl_store_account_get(c->store, name, &acc) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "cannot read the account back");
		goto out;
	}
	hl_http_reply_json(req, action == NULL ? 201 : 200, account_json(&cfg->policy, &acc.op,
	    "database", acc.created_ms, acc.password_changed_ms));
out:
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_cleanse(&nop, sizeof(nop));
	OPENSSL_cleanse(&acc, sizeof(acc));
}

/* The key URI authenticator apps read (as a QR code or pasted):
 * otpauth://totp/hotline:NAME@NODE?secret=S&issuer=hotline, the node's
 * name percent-encoded ('/'). */
static int
otpauth_uri(const char *node, const char *name, const char *secret, char *out, size_t outlen)
{
	char enc[3 * HL_NODE_NAME_MAX + 1];
	size_t i, o = 0;
	int n;

	for (i = 0; node[i] != '\0' && i < HL_NODE_NAME_MAX; i++) {
		unsigned char ch = (unsigned char)node[i];

		if ((ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') ||
		    ch == '-' || ch == '.' || ch == '_' || ch == '~')
			enc[o++] = (char)ch;
		else
			o += (size_t)snprintf(enc + o, sizeof(enc) - o, "%%%02X", ch);
	}
	enc[o] = '\0';
	n = snprintf(out, outlen, "otpauth://totp/hotline:%s@%s?secret=%s&issuer=hotline", name,
	    enc, secret);
	return n < 0 || (size_t)n >= outlen ? HL_ERR_TOO_BIG : HL_OK;
}

/* POST /api/v1/operators/NAME/totp: a new secret for a database account,
 * shown in this reply only, or ({"remove": true}) none. Either ends the
 * account's console sessions. */
static void
handle_operator_totp(struct hl_console *c, const struct hl_operator_conf *op,
    struct evhttp_request *req, const char *name, const uint8_t *body, size_t len)
{
	uint8_t key[HL_TOTP_KEY_BYTES];
	char b32[HL_TOTP_B32_MAX + 1], uri[HL_TOTP_B32_MAX + 3 * HL_NODE_NAME_MAX +
	    HL_OPERATOR_MAX + 80], err[200];
	int remove = 0, r;

	b32[0] = uri[0] = '\0';
	if (hl_consolejson_totp(body, len, &remove, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		goto out;
	}
	if (hl_config_operator(c->cfg, name) != NULL) {
		hl_http_reply_error(req, 409, "conflict", "operator %s is defined in the "
		    "configuration: set totp_secret_file there", name);
		goto out;
	}
	if (!remove && RAND_bytes(key, sizeof(key)) != 1) {
		hl_http_reply_error(req, 500, "internal", "no randomness");
		goto out;
	}
	if ((r = hl_store_account_totp(c->store, name, remove ? NULL : key, sizeof(key),
	    op->name, hl_now_ms())) != HL_OK) {
		reply_account_error(req, r, name);
		goto out;
	}
	sessions_end_for(c, name, "console: second factor changed");
	log_info("operator %s: second factor %s by %s", name, remove ? "removed" : "enrolled",
	    op->name);
	if (remove) {
		hl_http_reply_json(req, 200, json_pack("{s:s, s:b}", "name", name, "totp", 0));
		goto out;
	}
	if (hl_totp_b32_encode(key, sizeof(key), b32, sizeof(b32)) != HL_OK ||
	    otpauth_uri(c->cfg->node, name, b32, uri, sizeof(uri)) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "cannot encode the secret");
		goto out;
	}
	hl_http_reply_json(req, 200, json_pack("{s:s, s:b, s:s, s:s}", "name", name, "totp", 1,
	    "secret", b32, "uri", uri));
out:
	OPENSSL_cleanse(key, sizeof(key));
	OPENSSL_cleanse(b32, sizeof(b32));
	OPENSSL_cleanse(uri, sizeof(uri));
}

/* ---- routes ---- */

static void
r_events(struct hl_http_req *x)
{
	handle_events(x->arg, x->op, x->req, session_of_req(x->arg, x));
}

static void
r_audit(struct hl_http_req *x)
{
	handle_audit_list(x->arg, x->op, x->req, x->query);
}

static void
r_label_check(struct hl_http_req *x)
{
	handle_label_check(x->arg, x->op, x->req, x->body, x->body_len);
}

static void
r_operators_list(struct hl_http_req *x)
{
	handle_operators_list(x->arg, x->req);
}

static void
r_operators_add(struct hl_http_req *x)
{
	handle_operators_post(x->arg, x->op, x->req, NULL, NULL, x->body, x->body_len);
}

static void
r_operator_totp(struct hl_http_req *x)
{
	handle_operator_totp(x->arg, x->op, x->req, x->param[0], x->body, x->body_len);
}

static void
r_operator_change(struct hl_http_req *x)
{
	handle_operators_post(x->arg, x->op, x->req, x->param[0], x->param[1], x->body,
	    x->body_len);
}

#define A HL_HTTP_AUTH
#define Q HL_HTTP_QUERY
#define B HL_HTTP_BODY
#define GH (HL_HTTP_GET | HL_HTTP_HEAD)
static const struct hl_http_route console_routes[] = {
	/* the pages and the session: their own authentication */
	{ GH, "/", r_redirect, 0, 0, NULL, 0 },
	{ GH, "/console", r_redirect, 0, 0, NULL, 0 },
	{ HL_HTTP_POST, "/console/login", r_login, B, HL_CONSOLE_BODY_MAX, NULL, 0 },
	{ HL_HTTP_GET, "/console/session", r_session, A, 0, NULL, HL_HTTP_ANYONE },
	/* the scripts send {} */
	{ HL_HTTP_POST, "/console/logout", r_logout, A | B, HL_CONSOLE_BODY_MAX, NULL, HL_HTTP_ANYONE },
	{ GH, "/console/*", r_asset, 0, 0, NULL, 0 },
	/* the API endpoints added for it */
	{ HL_HTTP_GET, "/api/v1/events", r_events, A, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/audit", r_audit, A | Q, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_POST, "/api/v1/label/check", r_label_check, A | B, HL_CONSOLE_BODY_MAX, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/operators", r_operators_list, A, 0, NULL, HL_HTTP_ADMIN },
	{ HL_HTTP_POST, "/api/v1/operators", r_operators_add, A | B, HL_CONSOLE_BODY_MAX, NULL, HL_HTTP_ADMIN },
	/* before {action}: the first pattern that matches a path serves it */
	{ HL_HTTP_POST, "/api/v1/operators/{name}/totp", r_operator_totp, A | B,
	    HL_CONSOLE_BODY_MAX, NULL, HL_HTTP_ADMIN },
	{ HL_HTTP_POST, "/api/v1/operators/{name}/{action}", r_operator_change, A | B,
	    HL_CONSOLE_BODY_MAX, NULL, HL_HTTP_ADMIN },
};
#undef A
#undef Q
#undef B
#undef GH

/* ---- TLS: a certificate browsers can use ----
 * Node certificates are Ed25519, which browsers do not accept in TLS. The
 * API's context gets a second, ECDSA P-256 certificate: console_certificate
 * / console_key when configured (issued by a CA the watch's browsers
 * trust), else a self-signed one made at start, whose fingerprint is
 * logged. The server's signature algorithm preference puts Ed25519 first,
 * so the CLI (OpenSSL, offers Ed25519) still gets the node certificate it
 * pins, and a browser gets the ECDSA one. */
static int
self_signed(const struct hl_config *cfg, EVP_PKEY **kout, X509 **cout)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	X509_NAME *nm;
	X509_EXTENSION *ext = NULL;
	uint8_t serial[16];
	char san[HL_HOST_MAX + 40], cn[HL_NODE_NAME_MAX + 20];
	BIGNUM *bn = NULL;
	int r = HL_ERR_CRYPTO, ip;

	*kout = NULL;
	*cout = NULL;
	ip = strspn(cfg->api_host, "0123456789.") == strlen(cfg->api_host) ||
	    strchr(cfg->api_host, ':') != NULL;
	snprintf(san, sizeof(san), "%s:%s", ip ? "IP" : "DNS", cfg->api_host);
	snprintf(cn, sizeof(cn), "hotline console %s", cfg->node);
	if ((k = EVP_EC_gen("P-256")) == NULL || (x = X509_new()) == NULL ||
	    RAND_bytes(serial, sizeof(serial)) != 1)
		goto out;
	serial[0] &= 0x7f;
	if ((bn = BN_bin2bn(serial, sizeof(serial), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL ||
	    X509_set_version(x, 2) != 1 ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -3600) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 30L * 86400) == NULL ||
	    X509_set_pubkey(x, k) != 1 || (nm = X509_get_subject_name(x)) == NULL ||
	    X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_UTF8, (const unsigned char *)cn, -1, -1,
	    0) != 1 || X509_set_issuer_name(x, nm) != 1 ||
	    (ext = X509V3_EXT_conf_nid(NULL, NULL, NID_subject_alt_name, san)) == NULL ||
	    X509_add_ext(x, ext, -1) != 1 || X509_sign(x, k, EVP_sha256()) == 0)
		goto out;
	*kout = k;
	*cout = x;
	k = NULL;
	x = NULL;
	r = HL_OK;
out:
	X509_EXTENSION_free(ext);
	BN_free(bn);
	EVP_PKEY_free(k);
	X509_free(x);
	return r;
}

/* "AB:CD:..." of x's SHA-256; 0 when there is none. */
static int
fingerprint(X509 *x, char out[3 * 32 + 1])
{
	uint8_t md[32];
	unsigned int mdl = 0;
	size_t i;

	if (x == NULL || X509_digest(x, EVP_sha256(), md, &mdl) != 1 || mdl != 32)
		return 0;
	for (i = 0; i < 32; i++)
		snprintf(out + 3 * i, 4, "%02X%s", md[i], i < 31 ? ":" : "");
	return 1;
}

static int
console_tls(SSL_CTX *ctx, const struct hl_config *cfg, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	char fp[3 * 32 + 1], e[HL_PATH_MAX + 128];
	int r = HL_ERR_CRYPTO;

	if (SSL_CTX_set1_sigalgs_list(ctx, "ed25519:ecdsa_secp256r1_sha256:"
	    "ecdsa_secp384r1_sha384:rsa_pss_rsae_sha256:rsa_pss_rsae_sha384:"
	    "rsa_pss_rsae_sha512:rsa_pss_pss_sha256") != 1) {
		snprintf(err, errlen, "web console: cannot set the signature algorithms");
		goto out;
	}
	SSL_CTX_set_options(ctx, SSL_OP_CIPHER_SERVER_PREFERENCE);
	if (cfg->console_cert_path[0] != '\0') {
		if (SSL_CTX_use_certificate_chain_file(ctx, cfg->console_cert_path) != 1) {
			snprintf(err, errlen, "%s: web console cannot use the certificate",
			    cfg->console_cert_path);
			goto out;
		}
		if (hl_seal_use_key(ctx, cfg->console_key_path, e, sizeof(e)) != HL_OK) {
			snprintf(err, errlen, "web console: %s", e);
			goto out;
		}
		if (fingerprint(SSL_CTX_get0_certificate(ctx), fp))
			log_info("web console: certificate %s, SHA-256 %s", cfg->console_cert_path,
			    fp);
		r = HL_OK;
		goto out;
	}
	if (self_signed(cfg, &k, &x) != HL_OK || SSL_CTX_use_certificate(ctx, x) != 1 ||
	    SSL_CTX_use_PrivateKey(ctx, k) != 1) {
		snprintf(err, errlen, "web console: cannot make a certificate");
		goto out;
	}
	if (fingerprint(x, fp))
		log_info("web console: self-signed certificate for %s, SHA-256 %s (set "
		    "console_certificate for one the browsers trust)", cfg->api_host, fp);
	r = HL_OK;
out:
	ERR_clear_error();
	EVP_PKEY_free(k);
	X509_free(x);
	return r;
}

/* ---- life cycle ---- */

int
hl_console_register(struct hl_console *c, struct hl_http_table *t)
{
	int r;

	if ((r = hl_http_table_add(t, console_routes, sizeof(console_routes) /
	    sizeof(console_routes[0]), NULL, c)) != HL_OK)
		return r;
	if ((r = hl_http_table_add_auth(t, session_auth, c)) != HL_OK)
		hl_http_table_remove(t, c);
	return r;
}

int
hl_console_new(struct hl_node *node, struct hl_auth *auth, struct event_base *base,
    struct ssl_ctx_st *tls, struct hl_console **out, char *err, size_t errlen)
{
	struct hl_console *c;
	struct timeval tv = { CONSOLE_TICK_S, 0 };
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL) {
		snprintf(err, errlen, "web console: out of memory");
		return HL_ERR_NOMEM;
	}
	c->cfg = hl_node_config(node);
	c->store = hl_node_store(node);
	c->auth = auth;
	if ((c->tick = event_new(base, -1, EV_PERSIST, console_tick, c)) == NULL ||
	    event_add(c->tick, &tv) != 0) {
		snprintf(err, errlen, "web console: out of memory");
		goto out;
	}
	/* a certificate browsers accept, beside the node's */
	if ((r = console_tls(tls, c->cfg, err, errlen)) != HL_OK)
		goto out;
	*out = c;
	c = NULL;
	r = HL_OK;
out:
	hl_console_free(c);
	return r;
}

void
hl_console_free(struct hl_console *c)
{
	if (c == NULL)
		return;
	/* the HTTP server is freed first, which closes every connection:
	 * what is left here only needs its memory back */
	while (c->streams != NULL)
		stream_unlink(c->streams);
	if (c->tick != NULL)
		event_free(c->tick);
	hl_free_secret(c, sizeof(*c));
}
