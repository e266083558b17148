/* auth.c: operators' accounts, logins and HTTP Basic (see auth.h). */
#include <stdio.h>
#include <string.h>

#include <event2/http.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "store_accounts.h"
#include "alloc.h"
#include "apijson.h"
#include "auth.h"
#include "clock.h"
#include "log.h"
#include "pwhash.h"
#include "store.h"
#include "totp.h"

struct auth_entry {
	uint8_t mac[32];                 /* HMAC(key, user || 0 || password || 0 || code) */
	char user[HL_OPERATOR_MAX + 1];
	uint64_t expires_ms;             /* 0: free slot */
	int with_code;                   /* a one-time code was checked when it was filled */
};

struct fail_entry {
	char addr[HL_AUTH_ADDR_MAX];     /* the source address the failures came from */
	char user[HL_OPERATOR_MAX + 1];
	uint64_t window_ms;              /* start of the current window */
	unsigned count;
};

struct hl_auth {
	const struct hl_config *cfg;
	struct hl_store *store;
	uint8_t mac_key[32];
	struct auth_entry cache[HL_AUTH_CACHE];
	struct fail_entry fails[HL_AUTH_FAIL_SLOTS];
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

/* The cache's key of a credential: the one-time code is part of it, so a
 * cached login serves only requests that repeat the code it was checked
 * with (the code itself cannot be used for a new login again). */
static int
cred_mac(const struct hl_auth *a, const char *user, const char *pass, const char *code,
    uint8_t mac[32])
{
	uint8_t data[HL_OPERATOR_MAX + 1 + HL_API_PASSWORD_MAX + 1 + HL_AUTH_OTP_MAX];
	size_t ul = strlen(user), pl = strlen(pass), cl = strlen(code), outlen = 0;
	int r = HL_ERR_CRYPTO;

	if (ul > HL_OPERATOR_MAX || pl > HL_API_PASSWORD_MAX || cl > HL_AUTH_OTP_MAX)
		return HL_ERR_INVALID;
	memcpy(data, user, ul);
	data[ul] = 0;
	memcpy(data + ul + 1, pass, pl);
	data[ul + 1 + pl] = 0;
	memcpy(data + ul + 2 + pl, code, cl);
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA256", NULL, a->mac_key, sizeof(a->mac_key), data,
	    ul + 2 + pl + cl, mac, 32, &outlen) != NULL && outlen == 32)
		r = HL_OK;
	OPENSSL_cleanse(data, sizeof(data));
	return r;
}

/* The failure window of (source address, account): guessing from one
 * address never shuts the account's owner out from another (issue 17). */
static struct fail_entry *
fail_slot(struct hl_auth *a, const char *addr, const char *user, int create, uint64_t now)
{
	struct fail_entry *f, *oldest = &a->fails[0];
	size_t i;

	for (i = 0; i < HL_AUTH_FAIL_SLOTS; i++) {
		f = &a->fails[i];
		if (f->count != 0 && strcmp(f->user, user) == 0 && strcmp(f->addr, addr) == 0)
			return f;
		if (f->window_ms < oldest->window_ms)
			oldest = f;
	}
	if (!create)
		return NULL;
	memset(oldest, 0, sizeof(*oldest));
	snprintf(oldest->addr, sizeof(oldest->addr), "%s", addr);
	snprintf(oldest->user, sizeof(oldest->user), "%s", user);
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
count_failure(struct hl_auth *a, const char *addr, const char *user, uint64_t now)
{
	struct fail_entry *f;

	if ((f = fail_slot(a, addr, user, 1, now)) == NULL)
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

int
hl_auth_check_login(struct hl_auth *a, const char *addr, const char *user, const char *pass,
    const char *code, const char *via, struct hl_operator_conf *out, unsigned *retry_s)
{
	struct fail_entry *f;
	char detail[128 + HL_AUTH_ADDR_MAX];
	const char *why = NULL;
	uint64_t now = hl_now_ms();
	int r, known;

	*retry_s = 0;
	known = hl_auth_operator(a, user, out) == HL_OK;
	f = fail_slot(a, addr, user, 0, now);
	if (f != NULL && now - f->window_ms < HL_AUTH_FAIL_WINDOW_MS &&
	    f->count >= HL_AUTH_FAIL_MAX) {
		*retry_s = (unsigned)((HL_AUTH_FAIL_WINDOW_MS - (now - f->window_ms)) / 1000 + 1);
		snprintf(detail, sizeof(detail), "%s from %s: rate limited", via, addr);
		hl_auth_audit(a, "login-failed", NULL, user, detail);
		r = HL_ERR_AGAIN;
		goto out;
	}
	if (!known || out->disabled || hl_pwhash_check(pass, out->password_hash) != HL_OK) {
		r = HL_ERR_AUTH;
		why = !known ? "unknown operator" : out->disabled ? "account disabled" :
		    "wrong password";
	} else {
		r = second_factor(a, out, code, now, &why);
	}
	if (r != HL_OK) {
		/* the refusal of an account without its required second factor
		 * comes after the right password: not a guess */
		if (r == HL_ERR_AUTH)
			count_failure(a, addr, user, now);
		snprintf(detail, sizeof(detail), "%s from %s: %s", via, addr, why);
		hl_auth_audit(a, "login-failed", NULL, user, detail);
		log_warnx("%s: failed login for %s from %s", via, user, addr);
		goto out;
	}
	if ((f = fail_slot(a, addr, user, 0, now)) != NULL)
		memset(f, 0, sizeof(*f));
	r = HL_OK;
out:
	if (r != HL_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	return r;
}

/* 401 with the Basic challenge, except for the console's scripts, which
 * say who they are (else the browser would open its own password dialog) */
static void
unauthorized(struct hl_http_req *x, struct hl_http_refusal *no, const char *msg)
{
	no->code = 401;
	(void)snprintf(no->ecode, sizeof(no->ecode), "unauthorized");
	(void)snprintf(no->msg, sizeof(no->msg), "%s", msg);
	no->challenge = evhttp_find_header(evhttp_request_get_input_headers(x->req),
	    "X-Hotline-Console") == NULL;
}

int
hl_auth_basic(void *arg, struct hl_http_req *x, struct hl_http_refusal *no)
{
	struct hl_auth *a = arg;
	struct hl_operator_conf *op = &x->opbuf;
	struct auth_entry *slot = NULL;
	const char *hdr, *code;
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], addr[HL_AUTH_ADDR_MAX];
	uint8_t mac[32];
	uint64_t now = hl_now_ms();
	unsigned retry_s = 0;
	size_t i;
	int hit = 0, hit_code = 0, known = 0, r, res = -1;

	memset(op, 0, sizeof(*op));
	pass[0] = '\0';
	hdr = evhttp_find_header(evhttp_request_get_input_headers(x->req), "Authorization");
	if (hdr == NULL) {
		/* not ours: the answer if no other authenticator takes it */
		unauthorized(x, no, "authentication required (HTTP Basic)");
		return 0;
	}
	if (hl_apijson_parse_basic(hdr, user, pass) != HL_OK) {
		hl_auth_audit(a, "login-failed", NULL, "-", "api: malformed credentials");
		unauthorized(x, no, "authentication failed");
		goto out;
	}
	/* the second factor's code, when given (a longer one is just wrong) */
	code = evhttp_find_header(evhttp_request_get_input_headers(x->req), HL_AUTH_OTP_HEADER);
	if (code == NULL || strlen(code) > HL_AUTH_OTP_MAX)
		code = code == NULL ? "" : "-";
	if (cred_mac(a, user, pass, code, mac) != HL_OK) {
		no->code = 500;
		(void)snprintf(no->ecode, sizeof(no->ecode), "internal");
		(void)snprintf(no->msg, sizeof(no->msg), "cannot check credentials");
		goto out;
	}
	for (i = 0; i < HL_AUTH_CACHE; i++) {
		struct auth_entry *e = &a->cache[i];

		if (e->expires_ms == 0 || e->expires_ms <= now)
			continue;
		if (strcmp(e->user, user) == 0)
			known = 1;
		if (CRYPTO_memcmp(e->mac, mac, sizeof(mac)) == 0) {
			hit = 1;
			hit_code = e->with_code;
		}
	}
	/* a cache hit passes (the account is looked up again: a disabled one
	 * fails at once, and one that got a secret after the entry was filled
	 * without a code is checked afresh); a new verification is
	 * rate-limited per user */
	if (hit && hl_auth_operator(a, user, op) == HL_OK && !op->disabled &&
	    (op->totp_key_len == 0 || hit_code)) {
		res = 1;
		goto out;
	}
	hl_auth_peer(x->req, addr, sizeof(addr));
	if ((r = hl_auth_check_login(a, addr, user, pass, code, "api", op, &retry_s)) ==
	    HL_ERR_AGAIN) {
		no->code = 429;
		(void)snprintf(no->ecode, sizeof(no->ecode), "too_many_requests");
		(void)snprintf(no->retry_after, sizeof(no->retry_after), "%u", retry_s);
		(void)snprintf(no->msg, sizeof(no->msg),
		    "too many failed logins for %s; try again in %u s", user, retry_s);
		goto out;
	}
	if (r == HL_ERR_DENIED) {
		unauthorized(x, no, "this account's role requires a second factor and none is "
		    "enrolled: an admin enrols one with hotline operator totp NAME");
		goto out;
	}
	if (r != HL_OK) {
		unauthorized(x, no, "authentication failed (an account with a second factor "
		    "also sends its one-time code as " HL_AUTH_OTP_HEADER ")");
		goto out;
	}
	for (i = 0; i < HL_AUTH_CACHE; i++) {
		if (a->cache[i].expires_ms <= now) {
			slot = &a->cache[i];
			break;
		}
		if (slot == NULL || a->cache[i].expires_ms < slot->expires_ms)
			slot = &a->cache[i];
	}
	memcpy(slot->mac, mac, sizeof(mac));
	snprintf(slot->user, sizeof(slot->user), "%s", user);
	slot->expires_ms = now + HL_AUTH_TTL_MS;
	slot->with_code = op->totp_key_len != 0;
	if (!known)
		hl_auth_audit(a, "login", NULL, user, "api");
	res = 1;
out:
	if (res != 1)
		OPENSSL_cleanse(op, sizeof(*op));
	OPENSSL_cleanse(pass, sizeof(pass));
	OPENSSL_cleanse(mac, sizeof(mac));
	return res;
}
