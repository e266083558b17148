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

struct auth_entry {
	uint8_t mac[32];                 /* HMAC(key, user || 0 || password) */
	char user[HL_OPERATOR_MAX + 1];
	uint64_t expires_ms;             /* 0: free slot */
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

static int
cred_mac(const struct hl_auth *a, const char *user, const char *pass, uint8_t mac[32])
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

int
hl_auth_check_login(struct hl_auth *a, const char *addr, const char *user, const char *pass,
    const char *via, struct hl_operator_conf *out, unsigned *retry_s)
{
	struct fail_entry *f;
	char detail[64 + HL_AUTH_ADDR_MAX];
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
		if ((f = fail_slot(a, addr, user, 1, now)) != NULL) {
			if (now - f->window_ms >= HL_AUTH_FAIL_WINDOW_MS) {
				f->window_ms = now;
				f->count = 0;
			}
			f->count++;
		}
		snprintf(detail, sizeof(detail), "%s from %s: %s", via, addr, !known ? "unknown operator" :
		    out->disabled ? "account disabled" : "wrong password");
		hl_auth_audit(a, "login-failed", NULL, user, detail);
		log_warnx("%s: failed login for %s from %s", via, user, addr);
		r = HL_ERR_AUTH;
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
	const char *hdr;
	char user[HL_OPERATOR_MAX + 1], pass[HL_API_PASSWORD_MAX + 1], addr[HL_AUTH_ADDR_MAX];
	uint8_t mac[32];
	uint64_t now = hl_now_ms();
	unsigned retry_s = 0;
	size_t i;
	int hit = 0, known = 0, r, res = -1;

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
	if (cred_mac(a, user, pass, mac) != HL_OK) {
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
		if (CRYPTO_memcmp(e->mac, mac, sizeof(mac)) == 0)
			hit = 1;
	}
	/* a cache hit passes (the account is looked up again: a disabled one
	 * fails at once); a new verification is rate-limited per user */
	if (hit && hl_auth_operator(a, user, op) == HL_OK && !op->disabled) {
		res = 1;
		goto out;
	}
	hl_auth_peer(x->req, addr, sizeof(addr));
	if ((r = hl_auth_check_login(a, addr, user, pass, "api", op, &retry_s)) == HL_ERR_AGAIN) {
		no->code = 429;
		(void)snprintf(no->ecode, sizeof(no->ecode), "too_many_requests");
		(void)snprintf(no->retry_after, sizeof(no->retry_after), "%u", retry_s);
		(void)snprintf(no->msg, sizeof(no->msg),
		    "too many failed logins for %s; try again in %u s", user, retry_s);
		goto out;
	}
	if (r != HL_OK) {
		unauthorized(x, no, "authentication failed");
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
