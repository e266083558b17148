/* auth.c: operators' accounts, logins, HTTP Basic, client certificates
 * and session tokens (see auth.h). */
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "store_accounts.h"
#include "alloc.h"
#include "apijson.h"
#include "apitoken.h"
#include "auth.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "pki.h"
#include "pwhash.h"
#include "store.h"
#include "totp.h"

/* what a cache entry's credential was */
#define CRED_PASSWORD 'p'
#define CRED_CERT 'c'

struct auth_entry {
	uint8_t mac[32];                 /* HMAC(key, kind || user || 0 || secret || 0 || code) */
	char user[HL_OPERATOR_MAX + 1];
	uint64_t expires_ms;             /* 0: free slot */
	int with_code;                   /* a one-time code was checked when it was filled */
};

struct fail_entry {
	char addr[HL_AUTH_ADDR_MAX];     /* the source address the failures came from */
	char user[HL_OPERATOR_MAX + 1];
	int cert;                        /* logins by certificate (wrong codes), apart from
	                                  * password guesses */
	uint64_t window_ms;              /* start of the current window */
	unsigned count;
};

struct hl_auth {
	const struct hl_config *cfg;
	struct hl_store *store;
	uint8_t mac_key[32];
	struct auth_entry cache[HL_AUTH_CACHE];
	struct fail_entry fails[HL_AUTH_FAIL_SLOTS];
	struct hl_apitokens tokens;      /* `hotline login` sessions */
};

int
hl_auth_new(const struct hl_config *cfg, struct hl_store *store, struct hl_auth **out)
{
	struct hl_auth *a;

	*out = NULL;
	if ((a = hl_calloc(1, sizeof(*a))) == NULL)
		return HL_ERR_NOMEM;
	a->cfg = cfg;
	a->store = store;
	if (RAND_bytes(a->mac_key, sizeof(a->mac_key)) != 1) {
		hl_free_secret(a, sizeof(*a));
		return HL_ERR_CRYPTO;
	}
	*out = a;
	return HL_OK;
}

void
hl_auth_free(struct hl_auth *a)
{
	if (a != NULL)
		hl_free_secret(a, sizeof(*a));
}

void
hl_auth_audit(struct hl_auth *a, const char *event, const uint8_t *id, const char *actor,
    const char *detail)
{
	int r;

	if ((r = hl_store_audit(a->store, event, id, actor, detail, hl_now_ms())) != HL_OK)
		log_warnx("audit: cannot record %s: %s", event, hl_strerror(r));
}

/* The cache's key of a credential (kind: CRED_PASSWORD with the
 * password, CRED_CERT with the certificate's SHA-256 in hex): the
 * one-time code is part of it, so a cached login serves only requests
 * that repeat the code it was checked with (the code itself cannot be
 * used for a new login again). */
static int
cred_mac(const struct hl_auth *a, char kind, const char *user, const char *pass,
    const char *code, uint8_t mac[32])
{
	uint8_t data[1 + HL_OPERATOR_MAX + 1 + HL_API_PASSWORD_MAX + 1 + HL_AUTH_OTP_MAX];
	size_t ul = strlen(user), pl = strlen(pass), cl = strlen(code), outlen = 0;
	int r = HL_ERR_CRYPTO;

	if (ul > HL_OPERATOR_MAX || pl > HL_API_PASSWORD_MAX || cl > HL_AUTH_OTP_MAX)
		return HL_ERR_INVALID;
	data[0] = (uint8_t)kind;
	memcpy(data + 1, user, ul);
	data[1 + ul] = 0;
	memcpy(data + 2 + ul, pass, pl);
	data[2 + ul + pl] = 0;
	memcpy(data + 3 + ul + pl, code, cl);
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, a->mac_key, sizeof(a->mac_key), data,
	    3 + ul + pl + cl, mac, 32, &outlen) != NULL && outlen == 32)
		r = HL_OK;
	OPENSSL_cleanse(data, sizeof(data));
	return r;
}

/* Look mac up among the live entries. 1 for a hit (OUT: *with_code);
 * OUT: *known, whether user has any live entry. */
static int
cache_find(const struct hl_auth *a, const char *user, const uint8_t mac[32], uint64_t now,
    int *known, int *with_code)
{
	size_t i;
	int hit = 0;

	*known = 0;
	*with_code = 0;
	for (i = 0; i < HL_AUTH_CACHE; i++) {
		const struct auth_entry *e = &a->cache[i];

		if (e->expires_ms == 0 || e->expires_ms <= now)
			continue;
		if (strcmp(e->user, user) == 0)
			*known = 1;
		if (CRYPTO_memcmp(e->mac, mac, 32) == 0) {
			hit = 1;
			*with_code = e->with_code;
		}
	}
	return hit;
}

/* Remember a verified credential in a free slot, else the oldest. */
static void
cache_put(struct hl_auth *a, const char *user, const uint8_t mac[32], int with_code,
    uint64_t now)
{
	struct auth_entry *slot = NULL;
	size_t i;

	for (i = 0; i < HL_AUTH_CACHE; i++) {
		if (a->cache[i].expires_ms <= now) {
			slot = &a->cache[i];
			break;
		}
		if (slot == NULL || a->cache[i].expires_ms < slot->expires_ms)
			slot = &a->cache[i];
	}
	memcpy(slot->mac, mac, 32);
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	slot->expires_ms = now + HL_AUTH_TTL_MS;
	slot->with_code = with_code;
}

/* A cache hit passes when the account is still good: looked up again (a
 * disabled one fails at once, and one that got a secret after the entry
 * was filled without a code is checked afresh). */
static int
cache_serves(struct hl_auth *a, const char *user, int with_code, struct hl_operator_conf *op)
{
	return hl_auth_operator(a, user, op) == HL_OK && !op->disabled &&
	    (op->totp_key_len == 0 || with_code);
}

/* The failure window of (source address, account, whether by
 * certificate): guessing from one address never shuts the account's owner
 * out from another (issue 17), and guessing passwords never shuts out the
 * holder of the account's certificate. */
static struct fail_entry *
fail_slot(struct hl_auth *a, const char *addr, const char *user, int cert, int create,
    uint64_t now)
{
	struct fail_entry *f, *oldest = &a->fails[0];
	size_t i;

	for (i = 0; i < HL_AUTH_FAIL_SLOTS; i++) {
		f = &a->fails[i];
		if (f->count != 0 && f->cert == cert && strcmp(f->user, user) == 0 &&
		    strcmp(f->addr, addr) == 0)
			return f;
		if (f->window_ms < oldest->window_ms)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	snprintf(oldest->user, sizeof(oldest->user), "%s", user);
	oldest->cert = cert;
	oldest->window_ms = now;
	return oldest;
}

/* ---- accounts: the configuration's [operator] sections first, then the
 * database (accounts.c); a name in the configuration cannot be added to the
 * database, so the two never disagree ---- */
int
hl_auth_operator(struct hl_auth *a, const char *name, struct hl_operator_conf *out)
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

void
hl_auth_peer(struct evhttp_request *req, char *out, size_t outlen)
{
	struct evhttp_connection *conn = req != NULL ? evhttp_request_get_connection(req) : NULL;
	char *host = NULL;
	ev_uint16_t port = 0;

	if (conn != NULL)
		evhttp_connection_get_peer(conn, &host, &port);
	(void)snprintf(out, outlen, "%s", host != NULL ? host : "-");
}

void
hl_auth_denied(void *arg, const struct hl_operator_conf *op, unsigned method, const char *path)
{
	char detail[HL_AUDIT_DETAIL_MAX];

	(void)snprintf(detail, sizeof(detail), "%s %.200s: the %s role may not",
	    method == HL_HTTP_POST ? "POST" : method == HL_HTTP_HEAD ? "HEAD" : "GET",
	    path != NULL ? path : "-", hl_role_name(op->role));
	hl_auth_audit(arg, "request-denied", NULL, op->name, detail);
}

/* One more failure in the window of (addr, user). */
static void
count_failure(struct hl_auth *a, const char *addr, const char *user, int cert, uint64_t now)
{
	struct fail_entry *f;

	if ((f = fail_slot(a, addr, user, cert, 1, now)) == NULL)
		return;
	if (now - f->window_ms >= HL_AUTH_FAIL_WINDOW_MS) {
		f->window_ms = now;
		f->count = 0;
	}
	f->count++;
}

/* The second factor of an account whose password was right: its
 * one-time code when it has a secret (totp.h; a code is good once, the
 * step recorded in the store), else whether its role may do without
 * (require_totp). HL_OK; HL_ERR_AUTH (wrong, missing or used code);
 * HL_ERR_DENIED (its role requires one and none is enrolled). OUT: *why,
 * for the audit. */
static int
second_factor(struct hl_auth *a, const struct hl_operator_conf *op, const char *code,
    uint64_t now, const char **why)
{
	uint64_t last = 0, step = 0;
	int r;

	*why = "wrong or missing one-time code";
	if (op->totp_key_len == 0) {
		if ((a->cfg->require_totp & HL_ROLE_BIT(op->role)) == 0)
			return HL_OK;
		*why = "no one-time code enrolled, which the role requires";
		return HL_ERR_DENIED;
	}
	if ((r = hl_store_totp_last(a->store, op->name, &last)) == HL_OK &&
	    (r = hl_totp_verify(op->totp_key, op->totp_key_len, code, now / 1000, last,
	    &step)) == HL_OK)
		r = hl_store_totp_accept(a->store, op->name, step);
	if (r == HL_ERR_EXISTS)
		*why = "wrong or missing one-time code (already used)";
	else if (r != HL_OK && r != HL_ERR_AUTH)
		log_warnx("one-time code of %s: %s", op->name, hl_strerror(r));
	return r == HL_OK ? HL_OK : HL_ERR_AUTH;
}

/* The first factor: the password, or (pass NULL) a certificate the
 * caller verified. HL_OK or HL_ERR_AUTH (OUT: *why). */
static int
first_factor(const struct hl_operator_conf *op, int known, const char *pass, const char **why)
{
	*why = !known ? "unknown operator" : op->disabled ? "account disabled" : "wrong password";
	if (!known || op->disabled)
		return HL_ERR_AUTH;
	if (pass != NULL && hl_pwhash_check(pass, op->password_hash) != HL_OK)
		return HL_ERR_AUTH;
	return HL_OK;
}

/* hl_auth_check_login, where pass NULL means that the first factor was a
 * client certificate the HTTP layer verified (hl_auth_cert). */
static int
check_login(struct hl_auth *a, const char *addr, const char *user, const char *pass,
    const char *code, const char *via, struct hl_operator_conf *out, unsigned *retry_s)
{
	struct fail_entry *f;
	char detail[128 + HL_AUTH_ADDR_MAX];
	const char *why = NULL;
	uint64_t now = hl_now_ms();
	int r, known;

	*retry_s = 0;
	known = hl_auth_operator(a, user, out) == HL_OK;
	f = fail_slot(a, addr, user, pass == NULL, 0, now);
	if (f != NULL && now - f->window_ms < HL_AUTH_FAIL_WINDOW_MS &&
	    f->count >= HL_AUTH_FAIL_MAX) {
		*retry_s = (unsigned)((HL_AUTH_FAIL_WINDOW_MS - (now - f->window_ms)) / 1000 + 1);
		snprintf(detail, sizeof(detail), "%s from %s: rate limited", via, addr);
		hl_auth_audit(a, "login-failed", NULL, user, detail);
		r = HL_ERR_AGAIN;
		goto out;
	}
	if ((r = first_factor(out, known, pass, &why)) == HL_OK)
		r = second_factor(a, out, code, now, &why);
	if (r != HL_OK) {
		/* the refusal of an account without its required second factor
		 * comes after the right password: not a guess */
		if (r == HL_ERR_AUTH)
			count_failure(a, addr, user, pass == NULL, now);
		snprintf(detail, sizeof(detail), "%s from %s: %s", via, addr, why);
		hl_auth_audit(a, "login-failed", NULL, user, detail);
		log_warnx("%s: failed login for %s from %s", via, user, addr);
		goto out;
	}
	if ((f = fail_slot(a, addr, user, pass == NULL, 0, now)) != NULL)
		memset(f, 0, sizeof(*f));
	r = HL_OK;
out:
	if (r != HL_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	return r;
}

int
hl_auth_check_login(struct hl_auth *a, const char *addr, const char *user, const char *pass,
    const char *code, const char *via, struct hl_operator_conf *out, unsigned *retry_s)
{
	*retry_s = 0;
	if (pass == NULL) {
		memset(out, 0, sizeof(*out));
		return HL_ERR_AUTH;
	}
	return check_login(a, addr, user, pass, code, via, out, retry_s);
}

/* 401 with the Basic challenge, except for the console's scripts, which
 * say who they are (else the browser would open its own password dialog) */
static void
unauthorized(struct hl_http_req *x, struct hl_http_refusal *no, const char *msg)
{
	no->code = 401;
	(void)snprintf(no->ecode, sizeof(no->ecode), "unauthorized");
	(void)snprintf(no->msg, sizeof(no->msg), "%s", msg);
	no->challenge = hl_http_header(x, "X-Hotline-Console") == NULL;
}

/* The refusal of a login that check_login did not pass. */
static void
refuse_login(struct hl_http_req *x, struct hl_http_refusal *no, int r, const char *user,
    unsigned retry_s)
{
	if (r == HL_ERR_AGAIN) {
		no->code = 429;
		(void)snprintf(no->ecode, sizeof(no->ecode), "too_many_requests");
		(void)snprintf(no->retry_after, sizeof(no->retry_after), "%u", retry_s);
		(void)snprintf(no->msg, sizeof(no->msg),
		    "too many failed logins for %s; try again in %u s", user, retry_s);
	} else if (r == HL_ERR_DENIED) {
		unauthorized(x, no, "this account's role requires a second factor and none is "
		    "enrolled: an admin enrols one with hotline operator totp NAME");
	} else {
		unauthorized(x, no, "authentication failed (an account with a second factor "
		    "also sends its one-time code as " HL_AUTH_OTP_HEADER ")");
	}
}

static void
internal(struct hl_http_refusal *no, const char *msg)
{
	no->code = 500;
	(void)snprintf(no->ecode, sizeof(no->ecode), "internal");
	(void)snprintf(no->msg, sizeof(no->msg), "%s", msg);
}

/* The request's one-time code ("" for none; a longer one is just wrong). */
static const char *
otp_of(const struct hl_http_req *x)
{
	const char *code = hl_http_header(x, HL_AUTH_OTP_HEADER);

	if (code == NULL || strlen(code) > HL_AUTH_OTP_MAX)
		return code == NULL ? "" : "-";
	return code;
}

/* A login by user with the first factor secret (kind CRED_PASSWORD: the
 * password; CRED_CERT: the verified certificate's SHA-256 in hex), through
 * the credential cache. 1 with x->opbuf, -1 refused (*no). login_detail is
 * audited for a login not in the cache; via names the failures'. */
static int
cached_login(struct hl_auth *a, struct hl_http_req *x, struct hl_http_refusal *no, char kind,
    const char *user, const char *secret, const char *via, const char *login_detail)
{
	struct hl_operator_conf *op = &x->opbuf;
	const char *code = otp_of(x);
	char addr[HL_AUTH_ADDR_MAX];
	uint8_t mac[32];
	uint64_t now = hl_now_ms();
	unsigned retry_s = 0;
	int known = 0, with_code = 0, r, res = -1;

	if (cred_mac(a, kind, user, secret, code, mac) != HL_OK) {
		internal(no, "cannot check credentials");
		goto out;
	}
	if (cache_find(a, user, mac, now, &known, &with_code) &&
	    cache_serves(a, user, with_code, op)) {
		res = 1;
		goto out;
	}
	(void)snprintf(addr, sizeof(addr), "%s", x->peer);
	r = check_login(a, addr, user, kind == CRED_PASSWORD ? secret : NULL, code, via, op,
	    &retry_s);
	if (r != HL_OK) {
		refuse_login(x, no, r, user, retry_s);
		goto out;
	}
	cache_put(a, user, mac, op->totp_key_len != 0, now);
	if (!known)
		hl_auth_audit(a, "login", NULL, user, login_detail);
	res = 1;
out:
	if (res != 1)
		OPENSSL_cleanse(op, sizeof(*op));
	OPENSSL_cleanse(mac, sizeof(mac));
	return res;
}

/* The request's Authorization header when it uses scheme ("Basic",
 * "Bearer"), else NULL. */
static const char *
authorization(const struct hl_http_req *x, const char *scheme)
{
	const char *h = hl_http_header(x, "Authorization");
	size_t n = strlen(scheme);

	if (h == NULL || strncasecmp(h, scheme, n) != 0 || h[n] != ' ')
		return NULL;
	return h;
}

int
hl_auth_basic(void *arg, struct hl_http_req *x, struct hl_http_refusal *no)
{
	struct hl_auth *a = arg;
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1];
	const char *hdr;
	int res;

	memset(&x->opbuf, 0, sizeof(x->opbuf));
	hdr = hl_http_header(x, "Authorization");
	if (hdr == NULL) {
		/* not ours: the answer if no other authenticator takes it */
		unauthorized(x, no, "authentication required (HTTP Basic)");
		return 0;
	}
	if (authorization(x, "Bearer") != NULL)
		return 0;   /* a session token (hl_auth_bearer) */
	pass[0] = '\0';
	if (hl_apijson_parse_basic(hdr, user, pass) != HL_OK) {
		hl_auth_audit(a, "login-failed", NULL, "-", "api: malformed credentials");
		unauthorized(x, no, "authentication failed");
		res = -1;
	} else {
		res = cached_login(a, x, no, CRED_PASSWORD, user, pass, "api", "api");
	}
	OPENSSL_cleanse(pass, sizeof(pass));
	return res;
}

/* ---- client certificates ---- */

/* A refused certificate: audited (actor "-": the certificate named no
 * operator of ours), 401. Always -1. */
static int
cert_refused(struct hl_auth *a, struct hl_http_req *x, struct hl_http_refusal *no,
    const char *why)
{
	char addr[HL_AUTH_ADDR_MAX], detail[HL_AUDIT_DETAIL_MAX];

	(void)snprintf(addr, sizeof(addr), "%s", x->peer);
	(void)snprintf(detail, sizeof(detail), "api (client certificate) from %s: %s", addr, why);
	hl_auth_audit(a, "login-failed", NULL, "-", detail);
	log_warnx("api: client certificate from %s refused: %s", addr, why);
	unauthorized(x, no, "client certificate refused");
	(void)snprintf(no->msg, sizeof(no->msg), "client certificate refused: %s", why);
	return -1;
}

int
hl_auth_cert(void *arg, struct hl_http_req *x, struct hl_http_refusal *no)
{
	struct hl_auth *a = arg;
	const void *peer;
	const char *why = NULL;
	char name[HL_OPERATOR_MAX + 1], fp[2 * 32 + 1];
	uint8_t md[32];
	unsigned mdl = 0;
	long verify = 0;

	if (hl_http_header(x, "Authorization") != NULL ||
	    (peer = hl_http_peer_cert(x, &verify)) == NULL)
		return 0;   /* another authenticator's, or no certificate */
	memset(&x->opbuf, 0, sizeof(x->opbuf));
	if (verify != X509_V_OK)
		return cert_refused(a, x, no, X509_verify_cert_error_string(verify));
	if (hl_pki_cert_operator(peer, a->cfg->partner, name, &why) != HL_OK)
		return cert_refused(a, x, no, why);
	if (X509_digest(peer, EVP_sha256(), md, &mdl) != 1 || mdl != sizeof(md)) {
		internal(no, "cannot check the client certificate");
		return -1;
	}
	hl_hex_encode(md, sizeof(md), fp);
	return cached_login(a, x, no, CRED_CERT, name, fp, "api (client certificate)",
	    "api: client certificate");
}

/* ---- session tokens (`hotline login`) ---- */

/* The HTTP layer's authenticator for "Authorization: Bearer TOKEN": 1
 * with the token's operator (x->session: the token), 0 for a request
 * without one, -1 (401, audited) for an unknown or ended token or an
 * account disabled since. */
static int
bearer(void *arg, struct hl_http_req *x, struct hl_http_refusal *no)
{
	struct hl_auth *a = arg;
	struct hl_apitoken *t = NULL;
	const char *hdr = authorization(x, "Bearer");
	char addr[HL_AUTH_ADDR_MAX], detail[HL_AUDIT_DETAIL_MAX];
	int r;

	if (hdr == NULL)
		return 0;
	hdr += strlen("Bearer ");
	hdr += strspn(hdr, " ");
	memset(&x->opbuf, 0, sizeof(x->opbuf));
	r = hl_apitoken_check(&a->tokens, hdr, strlen(hdr), hl_now_ms(), &t);
	if (r == HL_ERR_EXPIRED) {
		hl_auth_audit(a, "session-expired", NULL, t->name, "api: session token");
		hl_apitoken_end(t);
		unauthorized(x, no, "session expired (idle or too old): hotline login again");
		return -1;
	}
	if (r != HL_OK) {
		(void)snprintf(addr, sizeof(addr), "%s", x->peer);
		(void)snprintf(detail, sizeof(detail), "api from %s: unknown session token", addr);
		hl_auth_audit(a, "login-failed", NULL, "-", detail);
		unauthorized(x, no, "unknown session token (logged out, expired or the node "
		    "restarted): hotline login again");
		return -1;
	}
	if (hl_auth_operator(a, t->name, &x->opbuf) != HL_OK || x->opbuf.disabled) {
		hl_auth_audit(a, "logout", NULL, t->name, "api: account disabled or removed");
		hl_apitoken_end(t);
		OPENSSL_cleanse(&x->opbuf, sizeof(x->opbuf));
		unauthorized(x, no, "account disabled");
		return -1;
	}
	x->session = t;
	return 1;
}

/* POST /api/v1/login: a session token for the operator who logged in
 * with a password (and code) or a certificate; not with a token. */
static void
r_login(struct hl_http_req *x)
{
	struct hl_auth *a = x->arg;
	char tok[HL_APITOKEN_HEX + 1], evicted[HL_OPERATOR_MAX + 1], body[512];
	int n;

	if (x->via == a && x->session != NULL) {
		hl_http_reply_error(x->req, 400, "bad_request", "already a session: log in with a "
		    "password or a certificate");
		return;
	}
	if (hl_apitoken_issue(&a->tokens, x->op->name, hl_now_ms(), tok, evicted) != HL_OK) {
		hl_http_reply_error(x->req, 500, "internal", "cannot make a session token");
		return;
	}
	if (evicted[0] != '\0')
		hl_auth_audit(a, "logout", NULL, evicted, "api: session token evicted (too many)");
	hl_auth_audit(a, "login", NULL, x->op->name, "api: session token issued");
	log_info("api: session token issued to %s", x->op->name);
	/* by hand, so that the token's copy is wiped (names and roles need no
	 * escaping: identifiers) */
	n = snprintf(body, sizeof(body), "{\n  \"token\": \"%s\",\n  \"user\": \"%s\",\n"
	    "  \"role\": \"%s\",\n  \"node\": \"%s\",\n  \"idle_timeout_s\": %llu,\n"
	    "  \"lifetime_s\": %llu\n}\n", tok, x->op->name, hl_role_name(x->op->role),
	    a->cfg->node, HL_APITOKEN_IDLE_MS / 1000, HL_APITOKEN_LIFE_MS / 1000);
	if (n > 0 && (size_t)n < sizeof(body))
		hl_http_reply_body(x->req, 200, "application/json", body, (size_t)n);
	else
		hl_http_reply_error(x->req, 500, "internal", "answer too long");
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(body, sizeof(body));
}

/* POST /api/v1/logout: ends the request's session token. */
static void
r_logout(struct hl_http_req *x)
{
	struct hl_auth *a = x->arg;

	if (x->via != a || x->session == NULL) {
		hl_http_reply_error(x->req, 400, "bad_request", "not a session: logout ends the "
		    "session token it is called with");
		return;
	}
	hl_auth_audit(a, "logout", NULL, x->op->name, "api: session token");
	log_info("api: %s logged out", x->op->name);
	hl_apitoken_end(x->session);
	hl_http_reply_json(x->req, 200, json_pack("{s:b}", "logged_out", 1));
}

static const struct hl_http_route auth_routes[] = {
	/* the body is none or {} */
	{ HL_HTTP_POST, "/api/v1/login", r_login, HL_HTTP_AUTH | HL_HTTP_BODY, 64, NULL,
	    HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/api/v1/logout", r_logout, HL_HTTP_AUTH | HL_HTTP_BODY, 64, NULL,
	    HL_HTTP_ANYONE },
};

int
hl_auth_register(struct hl_auth *a, struct hl_http_table *t)
{
	int r;

	if ((r = hl_http_table_add(t, auth_routes, sizeof(auth_routes) / sizeof(auth_routes[0]),
	    NULL, a)) != HL_OK)
		return r;
	if ((r = hl_http_table_add_auth(t, hl_auth_basic, a)) != HL_OK ||
	    (r = hl_http_table_add_auth(t, bearer, a)) != HL_OK)
		hl_http_table_remove(t, a);
	return r;
}
