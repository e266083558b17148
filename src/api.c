/* api.c: the operator API (docs/API.md): HTTPS (TLS 1.3) + JSON on the
 * node's libevent loop with evhttp. Operators authenticate with HTTP Basic
 * against the [operator] accounts of the configuration; verified
 * credentials are cached for a minute under an HMAC with a process-random
 * key, never in clear. Rule 4: an operator only ever sees envelopes whose
 * label its clearance and nationality allow; anything else is 404.
 * Parsing and JSON building are in apijson.c. */
#include <errno.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <netinet/in.h>
#include <netinet/tcp.h>
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
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>

#include "store_accounts.h"
#include "alloc.h"
#include "api.h"
#include "apiint.h"
#include "apijson.h"
#include "clock.h"
#include "console.h"
#include "envelope.h"
#include "log.h"
#include "node.h"
#include "pwhash.h"
#include "store.h"
#include "taxii.h"
#include "taxiipoll.h"
#include "track.h"
#include "version.h"

#define API_AUTH_CACHE 32            /* verified credentials remembered */
#define API_AUTH_TTL_MS 60000        /* for this long */
#define API_FAIL_SLOTS 64            /* users with recent failures tracked */
#define API_FAIL_MAX 5               /* failures per user per window */
#define API_FAIL_WINDOW_MS 60000
#define API_TIMEOUT_S 30             /* read / write timeout per request */
#define API_FETCH_MAX 20000          /* store rows examined per list request */

struct auth_entry {
	uint8_t mac[32];                 /* HMAC(key, user || 0 || password) */
	char user[HL_OPERATOR_MAX + 1];
	uint64_t expires_ms;             /* 0: free slot */
};

struct fail_entry {
	char user[HL_OPERATOR_MAX + 1];
	uint64_t window_ms;              /* start of the current window */
	unsigned count;
};

struct hl_api {
	struct hl_node *node;
	const struct hl_config *cfg;
	struct hl_store *store;
	struct evhttp *http;
	SSL_CTX *ctx;
	uint8_t mac_key[32];
	struct auth_entry cache[API_AUTH_CACHE];
	struct fail_entry fails[API_FAIL_SLOTS];
	/* web console (console.c) and the account of the current request:
	 * hl_api_authenticate's result points here for database accounts and
	 * console sessions (valid for the request: one thread, one request at
	 * a time in a callback) */
	struct hl_console *console;
	int subscribed;                   /* console subscribed to the node's events */
	struct hl_operator_conf req_op;
	struct hl_taxii *taxii;           /* taxii.c: created on first use */
	struct hl_taxiipoll *poller;      /* the daemon's poll bridge (hl_api_set_poller) */
};

/* ---- replies ---- */

const char *
hl_api_reason_phrase(int code)
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
hl_api_reply_json(struct evhttp_request *req, int code, json_t *j)
{
	static const char fallback[] =
	    "{\n  \"error\": \"internal\",\n  \"message\": \"out of memory\"\n}\n";
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	struct evbuffer *out = evhttp_request_get_output_buffer(req);
	char *s = NULL;

	evhttp_add_header(h, "Content-Type", "application/json");
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
	evhttp_send_reply(req, code, hl_api_reason_phrase(code), NULL);
	hl_free(s);
	json_decref(j);
}

void
hl_api_reply_error(struct evhttp_request *req, int code, const char *ecode, const char *fmt, ...)
{
	char msg[512];
	const char *uri;
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++)   /* one line */
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	uri = evhttp_request_get_uri(req);
	if (uri != NULL && strncmp(uri, "/taxii2/", 8) == 0) {
		/* TAXII clients get TAXII error messages, also for the 401 / 429 of
		 * the shared authentication (TAXII 2.1, 3.6.1) */
		hl_taxii_reply_error(req, code, hl_api_reason_phrase(code), msg);
		return;
	}
	hl_api_reply_json(req, code, hl_apijson_error(ecode, msg));
}

void
hl_api_reply_body(struct evhttp_request *req, int code, const char *content_type,
    const void *body, size_t len)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);

	evhttp_add_header(h, "Content-Type", content_type);
	evhttp_add_header(h, "Cache-Control", "no-store");
	evhttp_add_header(h, "X-Content-Type-Options", "nosniff");
	if (len > 0 && evbuffer_add(evhttp_request_get_output_buffer(req), body, len) != 0) {
		hl_api_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	evhttp_send_reply(req, code, hl_api_reason_phrase(code), NULL);
}

struct hl_node *
hl_api_node(struct hl_api *a)
{
	return a->node;
}

struct hl_store *
hl_api_store(struct hl_api *a)
{
	return a->store;
}

const struct hl_config *
hl_api_config(struct hl_api *a)
{
	return a->cfg;
}

struct hl_taxiipoll *
hl_api_poller(struct hl_api *a)
{
	return a->poller;
}

void
hl_api_set_poller(struct hl_api *a, struct hl_taxiipoll *p)
{
	a->poller = p;
}

/* ---- authentication ---- */

static int
cred_mac(const struct hl_api *a, const char *user, const char *pass, uint8_t mac[32])
{
	uint8_t data[HL_OPERATOR_MAX + 1 + HL_API_PASSWORD_MAX + 1];
	size_t ul = strlen(user), pl = strlen(pass), outlen = 0;
	int r = HL_ERR_CRYPTO;

	if (ul > HL_OPERATOR_MAX || pl > HL_API_PASSWORD_MAX)
		return HL_ERR_INVALID;
	memcpy(data, user, ul);
	data[ul] = 0;
	memcpy(data + ul + 1, pass, pl);
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, a->mac_key, sizeof(a->mac_key), data,
	    ul + 1 + pl, mac, 32, &outlen) != NULL && outlen == 32)
		r = HL_OK;
	OPENSSL_cleanse(data, sizeof(data));
	return r;
}

static struct fail_entry *
fail_slot(struct hl_api *a, const char *user, int create, uint64_t now)
{
	struct fail_entry *f, *oldest = &a->fails[0];
	size_t i;

	for (i = 0; i < API_FAIL_SLOTS; i++) {
		f = &a->fails[i];
		if (f->count != 0 && strcmp(f->user, user) == 0)
			return f;
		if (f->window_ms < oldest->window_ms)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->user, sizeof(oldest->user), "%s", user);
	oldest->window_ms = now;
	return oldest;
}

void
hl_api_audit(struct hl_api *a, const char *event, const uint8_t *id, const char *actor,
    const char *detail)
{
	int r;

	if ((r = hl_store_audit(a->store, event, id, actor, detail, hl_now_ms())) != HL_OK)
		log_warnx("audit: cannot record %s: %s", event, hl_strerror(r));
}

static void
reply_unauthorized(struct evhttp_request *req, const char *msg)
{
	/* the console's scripts say who they are: no Basic challenge for them,
	 * or the browser would open its own password dialog */
	if (evhttp_find_header(evhttp_request_get_input_headers(req), "X-Hotline-Console") == NULL)
		evhttp_add_header(evhttp_request_get_output_headers(req), "WWW-Authenticate",
		    "Basic realm=\"hotline\", charset=\"UTF-8\"");
	hl_api_reply_error(req, 401, "unauthorized", "%s", msg);
}

/* ---- accounts: the configuration's [operator] sections first, then the
 * database (accounts.c); a name in the configuration cannot be added to the
 * database, so the two never disagree ---- */
int
hl_api_operator(struct hl_api *a, const char *name, struct hl_operator_conf *out)
{
	const struct hl_operator_conf *op = hl_config_operator(a->cfg, name);
	struct hl_account acc;
	int r;

	memset(out, 0, sizeof(*out));
	if (op != NULL) {
		*out = *op;
		return HL_OK;
	}
	if ((r = hl_store_account_get(a->store, name, &acc)) != HL_OK)
		return r;
	*out = acc.op;
	OPENSSL_cleanse(&acc, sizeof(acc));
	return HL_OK;
}

int
hl_api_check_login(struct hl_api *a, const char *user, const char *pass, const char *via,
    struct hl_operator_conf *out, unsigned *retry_s)
{
	struct fail_entry *f;
	char detail[64];
	uint64_t now = hl_now_ms();
	int r, known;

	*retry_s = 0;
	known = hl_api_operator(a, user, out) == HL_OK;
	f = fail_slot(a, user, 0, now);
	if (f != NULL && now - f->window_ms < API_FAIL_WINDOW_MS && f->count >= API_FAIL_MAX) {
		*retry_s = (unsigned)((API_FAIL_WINDOW_MS - (now - f->window_ms)) / 1000 + 1);
		snprintf(detail, sizeof(detail), "%s: rate limited", via);
		hl_api_audit(a, "login-failed", NULL, user, detail);
		r = HL_ERR_AGAIN;
		goto out;
	}
	if (!known || out->disabled || hl_pwhash_check(pass, out->password_hash) != HL_OK) {
		if ((f = fail_slot(a, user, 1, now)) != NULL) {
			if (now - f->window_ms >= API_FAIL_WINDOW_MS) {
				f->window_ms = now;
				f->count = 0;
			}
			f->count++;
		}
		snprintf(detail, sizeof(detail), "%s: %s", via, !known ? "unknown operator" :
		    out->disabled ? "account disabled" : "wrong password");
		hl_api_audit(a, "login-failed", NULL, user, detail);
		log_warnx("%s: failed login for %s", via, user);
		r = HL_ERR_AUTH;
		goto out;
	}
	if ((f = fail_slot(a, user, 0, now)) != NULL)
		memset(f, 0, sizeof(*f));
	r = HL_OK;
out:
	if (r != HL_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	return r;
}

const struct hl_operator_conf *
hl_api_authenticate(struct hl_api *a, struct evhttp_request *req)
{
	const struct hl_operator_conf *res = NULL;
	struct auth_entry *slot = NULL;
	const char *hdr;
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], retry[24];
	uint8_t mac[32];
	uint64_t now = hl_now_ms();
	unsigned retry_s = 0;
	size_t i;
	int hit = 0, known = 0, r;

	memset(&a->req_op, 0, sizeof(a->req_op));
	hdr = evhttp_find_header(evhttp_request_get_input_headers(req), "Authorization");
	if (hdr == NULL) {
		/* the console's session cookie (+ X-CSRF-Token on POST) */
		if ((r = hl_console_session_auth(a->console, req, &a->req_op)) > 0)
			return &a->req_op;
		if (r < 0)
			return NULL;   /* replied 401 / 403 */
		reply_unauthorized(req, "authentication required (HTTP Basic)");
		goto out;
	}
	if (hl_apijson_parse_basic(hdr, user, pass) != HL_OK) {
		hl_api_audit(a, "login-failed", NULL, "-", "api: malformed credentials");
		reply_unauthorized(req, "authentication failed");
		goto out;
	}
	if (cred_mac(a, user, pass, mac) != HL_OK) {
		hl_api_reply_error(req, 500, "internal", "cannot check credentials");
		goto out;
	}
	for (i = 0; i < API_AUTH_CACHE; i++) {
		struct auth_entry *e = &a->cache[i];

		if (e->expires_ms == 0 || e->expires_ms <= now)
			continue;
		if (strcmp(e->user, user) == 0)
			known = 1;
		if (CRYPTO_memcmp(e->mac, mac, sizeof(mac)) == 0)
			hit = 1;
	}
	/* a cache hit passes (the account is looked up again: a disabled one
	 * fails at once); a new verification is rate-limited per user */
	if (hit && hl_api_operator(a, user, &a->req_op) == HL_OK && !a->req_op.disabled) {
		res = &a->req_op;
		goto out;
	}
	if ((r = hl_api_check_login(a, user, pass, "api", &a->req_op, &retry_s)) == HL_ERR_AGAIN) {
		snprintf(retry, sizeof(retry), "%u", retry_s);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", retry);
		hl_api_reply_error(req, 429, "too_many_requests",
		    "too many failed logins for %s; try again in %s s", user, retry);
		goto out;
	}
	if (r != HL_OK) {
		reply_unauthorized(req, "authentication failed");
		goto out;
	}
	for (i = 0; i < API_AUTH_CACHE; i++) {
		if (a->cache[i].expires_ms <= now) {
			slot = &a->cache[i];
			break;
		}
		if (slot == NULL || a->cache[i].expires_ms < slot->expires_ms)
			slot = &a->cache[i];
	}
	memcpy(slot->mac, mac, sizeof(mac));
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	slot->expires_ms = now + API_AUTH_TTL_MS;
	if (!known)
		hl_api_audit(a, "login", NULL, user, "api");
	res = &a->req_op;
out:
	if (res == NULL)
		OPENSSL_cleanse(&a->req_op, sizeof(a->req_op));
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_cleanse(mac, sizeof(mac));
	return res;
}

/* ---- helpers ---- */

int
hl_api_is_json_type(const char *ct)
{
	size_t n = strlen("application/json");

	if (ct == NULL || strncasecmp(ct, "application/json", n) != 0)
		return 0;
	return ct[n] == '\0' || ct[n] == ';' || ct[n] == ' ';
}

/* Load one message and apply rule 4. HL_ERR_NOT_FOUND when it does not
 * exist or the operator may not see it. OUT: *m, *l. */
static int
load_visible(struct hl_api *a, const struct hl_operator_conf *op,
    const uint8_t id[static HL_ID_BYTES], struct hl_msg *m, struct hl_label *l)
{
	int r;

	memset(m, 0, sizeof(*m));
	if ((r = hl_store_get(a->store, id, 0, m)) != HL_OK)
		return r;
	if (!hl_apijson_visible(m->label, m->label_len, &a->cfg->policy, op, l)) {
		hl_msg_clear(m);
		return HL_ERR_NOT_FOUND;
	}
	return HL_OK;
}

static void
reply_store_error(struct evhttp_request *req, int r)
{
	if (r == HL_ERR_NOT_FOUND)
		hl_api_reply_error(req, 404, "not_found", "no such envelope");
	else
		hl_api_reply_error(req, 500, "internal", "store: %s", hl_strerror(r));
}

/* ---- handlers ---- */

static void
handle_send(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const uint8_t *body, size_t len)
{
	struct hl_api_send s;
	struct hl_send_req sr;
	const char *to[HL_RECIPIENTS_MAX];
	uint8_t id[HL_ID_BYTES];
	char err[256], why[512], hid[HL_API_ID_HEX + 1];
	unsigned i;
	int r;

	if ((r = hl_apijson_parse_send(body, len, &a->cfg->policy, &s, err, sizeof(err))) != HL_OK) {
		if (r == HL_ERR_TOO_BIG)
			hl_api_reply_error(req, 413, "payload_too_large", "%s", err);
		else if (r == HL_ERR_NOMEM)
			hl_api_reply_error(req, 500, "internal", "out of memory");
		else
			hl_api_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	/* a track must be a valid record; it travels canonical and at FLASH */
	if ((r = hl_apijson_send_track(&s, err, sizeof(err))) != HL_OK) {
		if (r == HL_ERR_NOMEM)
			hl_api_reply_error(req, 500, "internal", "out of memory");
		else
			hl_api_reply_error(req, 400, "bad_request", "%s", err);
		goto out;
	}
	if (s.label.classification > op->clearance) {
		hl_api_reply_error(req, 403, "denied", "your clearance (%s) does not allow sending %s",
		    hl_policy_level_name(&a->cfg->policy, op->clearance),
		    hl_policy_level_name(&a->cfg->policy, s.label.classification));
		goto out;
	}
	if (!hl_label_releasable_to(&s.label, op->nationality)) {
		hl_api_reply_error(req, 403, "denied",
		    "releasable-to must include your own nationality (%s), or you could not read it back",
		    op->nationality);
		goto out;
	}
	memset(&sr, 0, sizeof(sr));
	for (i = 0; i < s.nto; i++)
		to[i] = s.to[i];
	sr.to = to;
	sr.nto = s.nto;
	sr.to_all = s.to_all;
	sr.precedence = s.precedence;
	sr.label = s.label;
	sr.content_type = s.content_type;
	sr.flags = s.flags;
	sr.content = s.content;
	sr.content_len = s.content_len;
	sr.originator = op->name;
	sr.ttl_s = s.ttl_s;
	why[0] = '\0';
	r = hl_node_send(a->node, &sr, id, why, sizeof(why));
	if (why[0] == '\0')
		snprintf(why, sizeof(why), "%s", hl_strerror(r));
	switch (r) {
	case HL_OK:
		hl_apijson_format_id(id, hid);
		hl_api_reply_json(req, 201, json_pack("{s:s}", "id", hid));
		break;
	case HL_ERR_DENIED:
		hl_api_reply_error(req, 403, "denied", "%s", why);
		break;
	case HL_ERR_UNKNOWN_PEER:
		hl_api_reply_error(req, 422, "unknown_recipient", "%s", why);
		break;
	case HL_ERR_INVALID:
	case HL_ERR_MALFORMED:
		hl_api_reply_error(req, 422, "invalid", "%s", why);
		break;
	case HL_ERR_TOO_BIG:
		hl_api_reply_error(req, 413, "payload_too_large", "%s", why);
		break;
	case HL_ERR_AGAIN:
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "5");
		hl_api_reply_error(req, 503, "unavailable", "%s", why);
		break;
	case HL_ERR_FULL:
		/* the node's disk is full: it still receives what it can and serves reads */
		hl_api_reply_error(req, 507, "storage_full", "storage full: the node cannot store new "
		    "envelopes until space is freed (%s)", why);
		break;
	default:
		hl_api_reply_error(req, 500, "internal", "%s", why);
		break;
	}
out:
	hl_apijson_send_clear(&s);
}

static int
exercise_ok(const struct hl_msg *m, int filter)
{
	int ex = (m->flags & HL_ENV_FLAG_EXERCISE) != 0;

	if (m->flags & HL_ENV_FLAG_LINK_TEST)
		return 0;   /* scheduled link tests are shown in status, not as traffic */
	if (filter == HL_EXERCISE_EXCLUDE)
		return !ex;
	if (filter == HL_EXERCISE_ONLY)
		return ex;
	return 1;
}

static void
free_msgs(struct hl_msg *msgs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		hl_msg_clear(&msgs[i]);
	hl_free(msgs);
}

/* inbox (inbound) or sent (outbound) */
static void
handle_list(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const char *query, int inbound)
{
	struct hl_api_query q;
	struct hl_msg *msgs = NULL;
	struct hl_delivery *d = NULL;
	struct hl_label l;
	json_t *items = NULL, *it;
	char err[160];
	size_t n = 0, i, nd, fetch, count;
	int r;

	if (hl_apijson_parse_query(query, inbound ? HL_QUERY_LIMIT | HL_QUERY_EXERCISE :
	    HL_QUERY_LIMIT | HL_QUERY_EXERCISE, &q, err, sizeof(err)) != HL_OK) {
		hl_api_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	fetch = q.limit < API_FETCH_MAX ? q.limit : API_FETCH_MAX;
	for (;;) {
		json_decref(items);
		if ((items = json_array()) == NULL)
			goto nomem;
		if ((r = hl_store_list(a->store, inbound, fetch, &msgs, &n)) != HL_OK) {
			reply_store_error(req, r);
			goto out;
		}
		count = 0;
		for (i = 0; i < n && count < q.limit; i++) {
			if (msgs[i].inbound != inbound || !exercise_ok(&msgs[i], q.exercise) ||
			    !hl_apijson_visible(msgs[i].label, msgs[i].label_len, &a->cfg->policy, op,
			    &l))
				continue;
			if ((it = hl_apijson_msg(&msgs[i], &l, &a->cfg->policy, 0)) == NULL ||
			    json_array_append_new(items, it) != 0)
				goto nomem;
			if (!inbound) {
				if ((r = hl_store_deliveries(a->store, msgs[i].id, &d, &nd)) != HL_OK) {
					reply_store_error(req, r);
					goto out;
				}
				if (json_object_set_new(it, "delivery",
				    hl_apijson_delivery_summary(d, nd)) != 0)
					goto nomem;
				HL_FREE(d);
			}
			count++;
		}
		/* filtered rows took room: look further back, within bounds */
		if (count >= q.limit || n < fetch || fetch >= API_FETCH_MAX)
			break;
		free_msgs(msgs, n);
		msgs = NULL;
		fetch = fetch > API_FETCH_MAX / 4 ? API_FETCH_MAX : fetch * 4;
	}
	hl_api_reply_json(req, 200, json_pack("{s:O}", "items", items));
	goto out;
nomem:
	hl_api_reply_error(req, 500, "internal", "out of memory");
out:
	hl_free(d);
	free_msgs(msgs, n);
	json_decref(items);
}

static void
handle_show(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const uint8_t id[static HL_ID_BYTES])
{
	struct hl_msg m;
	struct hl_label l;
	int r;

	if ((r = load_visible(a, op, id, &m, &l)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	hl_api_reply_json(req, 200, hl_apijson_msg(&m, &l, &a->cfg->policy, 1));
	hl_msg_clear(&m);
}

static void
handle_ack(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const uint8_t id[static HL_ID_BYTES], const uint8_t *body, size_t len)
{
	struct hl_msg m;
	struct hl_label l;
	char err[160], t[HL_API_TIME_LEN], hid[HL_API_ID_HEX + 1];
	int r;

	memset(&m, 0, sizeof(m));
	if (hl_apijson_parse_empty(body, len, err, sizeof(err)) != HL_OK) {
		hl_api_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	if ((r = load_visible(a, op, id, &m, &l)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if (!m.inbound) {
		hl_api_reply_error(req, 404, "not_found", "no such received envelope");
		goto out;
	}
	hl_msg_clear(&m);
	r = hl_node_ack(a->node, id, op->name);
	if (r != HL_OK && r != HL_ERR_EXISTS) {
		reply_store_error(req, r);
		goto out;
	}
	if (hl_store_get(a->store, id, 0, &m) != HL_OK) {
		hl_api_reply_error(req, 500, "internal", "cannot read the envelope back");
		goto out;
	}
	hl_apijson_format_time(m.acked_ms, t);
	if (r == HL_ERR_EXISTS) {
		hl_api_reply_error(req, 409, "conflict", "already acknowledged by %s at %s", m.acked_by, t);
		goto out;
	}
	hl_apijson_format_id(id, hid);
	hl_api_reply_json(req, 200, json_pack("{s:s, s:s, s:o}", "id", hid, "acknowledged_by",
	    m.acked_by, "acknowledged", hl_apijson_time(m.acked_ms)));
out:
	hl_msg_clear(&m);
}

static void
handle_delivery(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, const uint8_t id[static HL_ID_BYTES])
{
	struct hl_msg m;
	struct hl_label l;
	struct hl_delivery *d = NULL;
	json_t *dj;
	size_t n = 0;
	int r;

	if ((r = load_visible(a, op, id, &m, &l)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if (m.inbound) {
		hl_api_reply_error(req, 404, "not_found", "no delivery record: this node did not send it");
		goto out;
	}
	if ((r = hl_store_deliveries(a->store, id, &d, &n)) != HL_OK) {
		reply_store_error(req, r);
		goto out;
	}
	/* console: "overdue" per recipient */
	if ((dj = hl_apijson_deliveries(id, d, n)) != NULL)
		hl_console_annotate_delivery(a->console, id, dj);
	hl_api_reply_json(req, 200, dj);
out:
	hl_free(d);
	hl_msg_clear(&m);
}

static void
handle_status(struct hl_api *a, struct evhttp_request *req)
{
	struct hl_peer_status *st = NULL;
	json_t *o = NULL, *peers = NULL, *p;
	size_t n = 0, i;
	int r;

	if ((r = hl_node_peers(a->node, &st, &n)) != HL_OK) {
		hl_api_reply_error(req, 500, "internal", "%s", hl_strerror(r));
		return;
	}
	if ((peers = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		p = json_pack("{s:s, s:s, s:s, s:o, s:o, s:I, s:o, s:o, s:{s:o, s:s, s:o, s:o}, "
		    "s:{s:o, s:o, s:s}, s:b, s:I, s:I, s:o, s:s}",
		    "node", st[i].node, "partner", st[i].partner,
		    "link", st[i].up ? "up" : "down",
		    "last_heartbeat", hl_apijson_time(st[i].last_heartbeat_ms),
		    "rtt_ms", st[i].rtt_us != 0 ? json_real((double)(st[i].rtt_us / 10) / 100.0) :
		    json_null(),
		    "queue_depth", (json_int_t)st[i].queue_depth,
		    "up_since", hl_apijson_time(st[i].up_since_ms),
		    "last_error", st[i].last_error[0] != '\0' ? json_string(st[i].last_error) :
		    json_null(),
		    "link_test", "last_sent", hl_apijson_time(st[i].test_sent_ms),
		    "result", st[i].test_result,
		    "completed", hl_apijson_time(st[i].test_done_ms),
		    "round_trip_ms", st[i].test_rtt_ms != 0 ? json_integer((json_int_t)st[i].test_rtt_ms) :
		    json_null(),
		    "witness", "size", st[i].witness_size != 0 ?
		    json_integer((json_int_t)st[i].witness_size) : json_null(),
		    "checkpoint_time", hl_apijson_time(st[i].witness_time_ms),
		    "state", st[i].witness_state,
		    "fork", st[i].fork,
		    /* what the peer witnessed of our log (its CHECKPOINT_ACK) */
		    "our_witnessed_size", (json_int_t)st[i].our_witnessed_size,
		    "our_witnessed_ms", (json_int_t)st[i].our_witnessed_ms,
		    "our_witnessed_time", hl_apijson_time(st[i].our_witnessed_ms),
		    "our_witness_state", st[i].our_witness_state);
		if (p == NULL || json_array_append_new(peers, p) != 0)
			goto nomem;
		hl_console_annotate_peer(a->console, st[i].node, p);   /* console */
	}
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:O}",
	    "node", a->cfg->node, "partner", a->cfg->partner, "version", HL_VERSION,
	    "started", hl_apijson_time(hl_node_started_ms(a->node)),
	    "now", hl_apijson_time(hl_now_ms()),
	    "suite", hl_suite_name(a->cfg->suite), "peers", peers);
	if (o == NULL)
		goto nomem;
	hl_api_reply_json(req, 200, o);
	goto out;
nomem:
	hl_api_reply_error(req, 500, "internal", "out of memory");
out:
	json_decref(peers);
	hl_free(st);
}

static void
handle_audit_verify(struct hl_api *a, struct evhttp_request *req)
{
	uint64_t count = 0, bad = 0;
	char err[256], msg[300];
	int r;

	err[0] = '\0';
	r = hl_store_audit_verify(a->store, &count, &bad, err, sizeof(err));
	if (r == HL_OK) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " entries verified", count);
		hl_api_reply_json(req, 200, json_pack("{s:b, s:I, s:n, s:s}", "ok", 1,
		    "entries", (json_int_t)count, "first_bad_seq", "message", msg));
	} else if (r == HL_ERR_CORRUPT) {
		hl_api_reply_json(req, 200, json_pack("{s:b, s:I, s:I, s:s}", "ok", 0,
		    "entries", (json_int_t)count, "first_bad_seq", (json_int_t)bad,
		    "message", err[0] != '\0' ? err : "audit log corrupt"));
	} else {
		hl_api_reply_error(req, 500, "internal", "cannot verify the audit log: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
	}
}

static void
handle_keys(struct hl_api *a, struct evhttp_request *req)
{
	struct hl_kem_info info[64];
	json_t *arr = NULL, *k;
	size_t n = 0, i;
	uint64_t next = 0;
	uint32_t cur = 0;

	if (hl_node_keys(a->node, info, 64, &n, &next) != HL_OK || (arr = json_array()) == NULL) {
		hl_api_reply_error(req, 500, "internal", "cannot list keys");
		return;
	}
	for (i = 0; i < n; i++)
		if (info[i].epoch > cur)
			cur = info[i].epoch;
	for (i = 0; i < n; i++) {
		k = json_pack("{s:s, s:I, s:o, s:b}", "suite", hl_suite_name(info[i].suite),
		    "epoch", (json_int_t)info[i].epoch, "created", hl_apijson_time(info[i].created_ms),
		    "current", info[i].epoch == cur);
		if (k == NULL || json_array_append_new(arr, k) != 0) {
			json_decref(arr);
			hl_api_reply_error(req, 500, "internal", "out of memory");
			return;
		}
	}
	hl_api_reply_json(req, 200, json_pack("{s:I, s:s, s:o, s:I, s:I, s:o}",
	    "current_epoch", (json_int_t)cur, "suite", hl_suite_name(a->cfg->suite),
	    "next_rotation", hl_apijson_time(next),
	    "rotate_every_s", (json_int_t)a->cfg->kem_rotate_s,
	    "keep_at_most_s", (json_int_t)a->cfg->kem_keep_s, "keys", arr));
}

static void
handle_keys_rotate(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req)
{
	char err[256];
	int r;

	if (op->role != HL_ROLE_ADMIN) {
		hl_api_reply_error(req, 403, "denied", "only an admin operator may rotate keys");
		return;
	}
	err[0] = '\0';
	if ((r = hl_node_rotate(a->node, err, sizeof(err))) != HL_OK) {
		hl_api_reply_error(req, 500, "internal", "rotation failed: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
		return;
	}
	if (hl_store_audit(a->store, "kem-rotate-requested", NULL, op->name, "by operator",
	    hl_now_ms()) != HL_OK)
		log_warnx("audit: cannot record the rotation request");
	handle_keys(a, req);
}

/* ---- tracks: the current picture (docs/internals/tracks.md) ---- */

#define API_TRACKS_CATCH_UP 1000     /* envelopes ingested late per request */

static int
track_exercise_ok(const struct hl_track_row *row, int filter)
{
	if (filter == HL_EXERCISE_EXCLUDE)
		return !row->exercise;
	if (filter == HL_EXERCISE_ONLY)
		return row->exercise;
	return 1;
}

static void
handle_tracks(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const char *query)
{
	struct hl_api_tracks_query q;
	struct hl_track_row *rows = NULL;
	struct hl_label l;
	json_t *items = NULL, *it;
	char err[160];
	size_t n = 0, i, count = 0, done = 0;
	int r;

	if (hl_apijson_parse_tracks_query(query, &q, err, sizeof(err)) != HL_OK) {
		hl_api_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	/* track envelopes stored but not yet in the picture (a crash between
	 * storing and ingesting, or a failed ingest) are taken in now */
	if ((r = hl_tracks_catch_up(a->store, API_TRACKS_CATCH_UP, &done)) != HL_OK)
		log_warnx("tracks: catching up failed: %s", hl_strerror(r));
	else if (done > 0)
		log_info("tracks: %zu stored track envelope(s) taken into the picture late", done);
	if (q.history[0] != '\0')
		r = hl_store_track_history(a->store, q.history, API_FETCH_MAX, &rows, &n);
	else
		r = hl_store_tracks(a->store, API_FETCH_MAX, &rows, &n);
	if (r != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if ((items = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n && count < q.limit; i++) {
		/* rule 4 on the update shown: a track whose latest update the
		 * operator may not see is left out, not shown with an older one */
		if (!track_exercise_ok(&rows[i], q.exercise) ||
		    !hl_apijson_visible(rows[i].label, rows[i].label_len, &a->cfg->policy, op, &l))
			continue;
		if ((it = hl_apijson_track(&rows[i], &l, &a->cfg->policy,
		    q.history[0] != '\0')) == NULL) {
			log_warnx("tracks: stored record of %s from %s does not parse: skipped",
			    rows[i].track_id, rows[i].origin);
			continue;
		}
		if (json_array_append_new(items, it) != 0)
			goto nomem;
		count++;
	}
	hl_api_reply_json(req, 200, json_pack("{s:O}", "items", items));
	goto out;
nomem:
	hl_api_reply_error(req, 500, "internal", "out of memory");
out:
	json_decref(items);
	hl_store_track_rows_free(rows, n);
}

/* ---- dispatch ---- */

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

static void
api_request(struct evhttp_request *req, void *arg)
{
	struct hl_api *a = arg;
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const struct hl_operator_conf *op;
	struct evbuffer *in = evhttp_request_get_input_buffer(req);
	enum evhttp_cmd_type cmd = evhttp_request_get_command(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	const char *query = uri != NULL ? evhttp_uri_get_query(uri) : NULL;
	const char *ct, *allow;
	const uint8_t *body = NULL;
	uint8_t id[HL_ID_BYTES];
	size_t len = evbuffer_get_length(in);
	int route, want_post;

	nodelay(req);
	/* the web console: its pages, login and logout (own authentication) */
	if (hl_console_serves(path)) {
		hl_console_request(a->console, req);
		return;
	}
	/* TAXII 2.1 and the STIX endpoints (taxii.c): own media types and auth */
	if (path != NULL && (strncmp(path, "/taxii2/", 8) == 0 ||
	    strncmp(path, "/api/v1/stix/", 13) == 0)) {
		hl_taxii_request(a, &a->taxii, req);
		return;
	}
	/* the TAXII poll bridge's sources (taxiipoll.c): own auth */
	if (path != NULL && strncmp(path, "/api/v1/taxii/", 14) == 0) {
		hl_taxiipoll_request(a, req, path);
		return;
	}
	if ((op = hl_api_authenticate(a, req)) == NULL)
		return;
	/* endpoints added for the console: events, audit list, label check,
	 * operator accounts (console.c) */
	if (hl_console_api(a->console, op, req, path, query))
		return;
	if (hl_apijson_route(path, &route, id) != HL_OK) {
		hl_api_reply_error(req, 404, "not_found", "no such endpoint");
		return;
	}
	want_post = route == HL_ROUTE_ENVELOPES || route == HL_ROUTE_ACK ||
	    route == HL_ROUTE_KEYS_ROTATE;
	if ((want_post && cmd != EVHTTP_REQ_POST) || (!want_post && cmd != EVHTTP_REQ_GET)) {
		allow = want_post ? "POST" : "GET";
		evhttp_add_header(evhttp_request_get_output_headers(req), "Allow", allow);
		hl_api_reply_error(req, 405, "method_not_allowed", "use %s here", allow);
		return;
	}
	if (route != HL_ROUTE_ENVELOPES && route != HL_ROUTE_INBOX && route != HL_ROUTE_SENT &&
	    route != HL_ROUTE_TRACKS && query != NULL && query[0] != '\0') {
		hl_api_reply_error(req, 400, "bad_request", "this endpoint takes no query parameters");
		return;
	}
	if (cmd == EVHTTP_REQ_POST) {
		ct = evhttp_find_header(evhttp_request_get_input_headers(req), "Content-Type");
		if ((ct != NULL || len > 0) && !hl_api_is_json_type(ct)) {
			hl_api_reply_error(req, 415, "unsupported_media_type",
			    "the body must be application/json");
			return;
		}
		if (len > 0 && (body = evbuffer_pullup(in, -1)) == NULL) {
			hl_api_reply_error(req, 500, "internal", "out of memory");
			return;
		}
	} else if (len > 0) {
		hl_api_reply_error(req, 400, "bad_request", "GET takes no body");
		return;
	}
	switch (route) {
	case HL_ROUTE_ENVELOPES:
		if (query != NULL && query[0] != '\0')
			hl_api_reply_error(req, 400, "bad_request", "this endpoint takes no query parameters");
		else
			handle_send(a, op, req, body, len);
		break;
	case HL_ROUTE_INBOX:
		handle_list(a, op, req, query, 1);
		break;
	case HL_ROUTE_SENT:
		handle_list(a, op, req, query, 0);
		break;
	case HL_ROUTE_ENVELOPE:
		handle_show(a, op, req, id);
		break;
	case HL_ROUTE_ACK:
		handle_ack(a, op, req, id, body, len);
		break;
	case HL_ROUTE_DELIVERY:
		handle_delivery(a, op, req, id);
		break;
	case HL_ROUTE_STATUS:
		handle_status(a, req);
		break;
	case HL_ROUTE_AUDIT_VERIFY:
		handle_audit_verify(a, req);
		break;
	case HL_ROUTE_KEYS:
		handle_keys(a, req);
		break;
	case HL_ROUTE_KEYS_ROTATE:
		handle_keys_rotate(a, op, req);
		break;
	case HL_ROUTE_TRACKS:
		handle_tracks(a, op, req, query);
		break;
	default:
		hl_api_reply_error(req, 404, "not_found", "no such endpoint");
		break;
	}
}

/* ---- TLS and life cycle ---- */

static struct bufferevent *
api_bevcb(struct event_base *base, void *arg)
{
	struct hl_api *a = arg;
	SSL *ssl;

	if ((ssl = SSL_new(a->ctx)) == NULL)
		return NULL;
	/* takes ownership of ssl (freed with the bufferevent) */
	return bufferevent_openssl_socket_new(base, -1, ssl, BUFFEREVENT_SSL_ACCEPTING,
	    BEV_OPT_CLOSE_ON_FREE);
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
	if (SSL_CTX_use_PrivateKey_file(ctx, cfg->tls_key_path, SSL_FILETYPE_PEM) != 1 ||
	    SSL_CTX_check_private_key(ctx) != 1) {
		ERR_error_string_n(ERR_peek_last_error(), e, sizeof(e));
		snprintf(err, errlen, "%s: operator API cannot use the key: %s",
		    cfg->tls_key_path, e);
		goto out;
	}
	/* web console: an ECDSA certificate for browsers beside the node's */
	if (hl_console_tls(ctx, cfg, err, errlen) != HL_OK)
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
hl_api_start(struct event_base *base, struct hl_node *node, struct hl_api **out, char *err,
    size_t errlen)
{
	struct hl_api *a = NULL;
	int r = HL_ERR_INTERNAL;

	*out = NULL;
	hl_apijson_init();
	if ((a = hl_calloc(1, sizeof(*a))) == NULL)
		return HL_ERR_NOMEM;
	a->node = node;
	a->cfg = hl_node_config(node);
	a->store = hl_node_store(node);
	if (RAND_bytes(a->mac_key, sizeof(a->mac_key)) != 1) {
		snprintf(err, errlen, "operator API: no randomness");
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if ((r = tls_ctx(a->cfg, &a->ctx, err, errlen)) != HL_OK)
		goto out;
	/* the web console, fed by the node's live events */
	if ((r = hl_console_new(a, base, &a->console)) != HL_OK) {
		snprintf(err, errlen, "web console: %s", hl_strerror(r));
		goto out;
	}
	if ((r = hl_node_subscribe(node, hl_console_event, a->console)) != HL_OK) {
		snprintf(err, errlen, "web console: cannot subscribe to node events: %s",
		    hl_strerror(r));
		goto out;
	}
	a->subscribed = 1;
	if ((a->http = evhttp_new(base)) == NULL) {
		snprintf(err, errlen, "operator API: cannot create the HTTP server");
		r = HL_ERR_NOMEM;
		goto out;
	}
	evhttp_set_bevcb(a->http, api_bevcb, a);
	evhttp_set_gencb(a->http, api_request, a);
	evhttp_set_max_headers_size(a->http, HL_HTTP_HEADERS_MAX_BYTES);
	evhttp_set_max_body_size(a->http, HL_API_BODY_MAX_BYTES);
	evhttp_set_timeout(a->http, API_TIMEOUT_S);
	evhttp_set_allowed_methods(a->http, EVHTTP_REQ_GET | EVHTTP_REQ_POST | EVHTTP_REQ_PUT |
	    EVHTTP_REQ_DELETE | EVHTTP_REQ_PATCH | EVHTTP_REQ_HEAD | EVHTTP_REQ_OPTIONS);
	evhttp_set_default_content_type(a->http, "application/json");
	if (evhttp_bind_socket_with_handle(a->http, a->cfg->api_host, a->cfg->api_port) == NULL) {
		snprintf(err, errlen, "operator API: cannot listen on %s:%u: %s", a->cfg->api_host,
		    (unsigned)a->cfg->api_port, strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	*out = a;
	a = NULL;
	r = HL_OK;
out:
	hl_api_free(a);
	return r;
}

void
hl_api_free(struct hl_api *a)
{
	if (a == NULL)
		return;
	if (a->subscribed)
		hl_node_unsubscribe(a->node, hl_console_event, a->console);
	if (a->http != NULL)
		evhttp_free(a->http);
	hl_console_free(a->console);
	hl_taxii_free(a->taxii);
	SSL_CTX_free(a->ctx);
	hl_free_secret(a, sizeof(*a));
}
