/* taxii.c: the TAXII 2.1 server and the STIX endpoints on the operator
 * port (docs/TAXII.md), as routes of the HTTP layer (http.h):
 *
 *   /taxii2/                                        discovery
 *   /taxii2/hotline/                                API root
 *   /taxii2/hotline/status/{id}/                    status of a POST
 *   /taxii2/hotline/collections/                    collections the account may use
 *   /taxii2/hotline/collections/{cid}/              one collection
 *   /taxii2/hotline/collections/{cid}/objects/      GET (paged), POST (envelope)
 *   /taxii2/hotline/collections/{cid}/objects/{oid}/           one object
 *   /taxii2/hotline/collections/{cid}/objects/{oid}/versions/  its versions
 *   /taxii2/hotline/collections/{cid}/manifest/     manifest
 *   /api/v1/stix/search?value=V                     observable search (JSON)
 *   /api/v1/stix/sightings                          POST: record a sighting
 *   /api/v1/stix/narratives                         linked narratives (JSON)
 *
 * Authentication is the layer's (HTTP Basic, scrypt; or a console
 * session). Access: a collection's read / write lists name the accounts;
 * every object carries a label and an account only sees what rule 4 lets
 * it see (clearance and nationality). Refusals are audited. Under /taxii2/
 * every refusal, the layer's too, is a TAXII error message.
 *
 * Paging: the `next` token is stateless (taxii_query.c), its HMAC key kept
 * in the data directory (taxii-next.key), so a token works after a restart
 * and on any front end sharing the key. What a POST adds goes through
 * stixshare.c. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "clock.h"
#include "apijson.h"
#include "auth.h"
#include "buf.h"
#include "envelope.h"
#include "http.h"
#include "label.h"
#include "log.h"
#include "narr.h"
#include "node.h"
#include "stix.h"
#include "stixdb.h"
#include "stixid.h"
#include "stixshare.h"
#include "store.h"
#include "taxii.h"

#define TAXII_ROOT "hotline"
#define TAXII_POST_MAX_BYTES (64u * 1024 * 1024)
#define TAXII_POST_MAX_OBJECTS 100000
#define TAXII_KEY_FILE "taxii-next.key"
#define TAXII_MSG_MAX 300
#define TAXII_SIGHTING_MAX (64u * 1024)   /* a sighting request body */

struct hl_taxii {
	struct hl_node *node;
	const struct hl_config *cfg;
	struct hl_store *store;
	struct hl_auth *auth;
	struct hl_stixdb *d;              /* opened on the first request */
	struct hl_stixshare_q *q;         /* POSTs a slice at a time; NULL: whole */
	struct hl_narr *narr;             /* narratives linked (NULL: none) */
	uint8_t key[32];                  /* next-token MAC key */
};

/* ---- small helpers ---- */

/* ---- replies ---- */

static void
taxii_reply(struct evhttp_request *req, int code, json_t *j)
{
	char *s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT);
	if (s == NULL) {
		static const char oom[] = "{\"title\":\"internal error\",\"http_status\":\"500\"}";

		hl_http_reply_body(req, 500, HL_TAXII_MEDIA, oom, sizeof(oom) - 1);
	} else {
		hl_http_reply_body(req, code, HL_TAXII_MEDIA, s, strlen(s));
	}
	hl_stixshare_free_str(s);
	json_decref(j);
}

static void
taxii_error(struct evhttp_request *req, int code, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

/* A TAXII error message (title, description, http_status); msg is one
 * line. */
static void
taxii_error_msg(struct evhttp_request *req, int code, const char *title, const char *msg)
{
	char st[8];

	(void)snprintf(st, sizeof(st), "%d", code);
	taxii_reply(req, code, json_pack("{s:s, s:s, s:s}", "title", title, "description", msg,
	    "http_status", st));
}

static void
taxii_error(struct evhttp_request *req, int code, const char *title, const char *fmt, ...)
{
	char msg[TAXII_MSG_MAX];
	va_list ap;
	size_t i;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	for (i = 0; msg[i] != '\0'; i++)
		if (msg[i] == '\n' || msg[i] == '\r')
			msg[i] = ' ';
	taxii_error_msg(req, code, title, msg);
}

/* The HTTP layer's refusals under /taxii2/ (401, 404, 405, 406, 415, ...)
 * as TAXII error messages, titled with the reason phrase. */
static void
taxii_refusal(struct evhttp_request *req, int code, const char *ecode, const char *msg)
{
	char title[40];
	size_t i;

	(void)ecode;
	(void)snprintf(title, sizeof(title), "%s", hl_http_reason(code));
	for (i = 0; title[i] != '\0'; i++)
		if (title[i] >= 'A' && title[i] <= 'Z')
			title[i] = (char)(title[i] - 'A' + 'a');
	taxii_error_msg(req, code, title, msg);
}

/* ---- state ---- */

/* The next-token key: data/taxii-next.key (0600), created on first use. */
static int
load_key(const char *data_dir, uint8_t key[32])
{
	char path[HL_PATH_MAX + 32];
	struct stat sb;
	ssize_t got;
	int fd = -1, r = HL_ERR_IO;

	(void)snprintf(path, sizeof(path), "%s/%s", data_dir, TAXII_KEY_FILE);
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 && errno == ENOENT) {
		if (RAND_bytes(key, 32) != 1)
			return HL_ERR_CRYPTO;
		fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
		if (fd < 0)
			goto out;
		if (write(fd, key, 32) != 32 || fsync(fd) != 0)
			goto out;
		r = HL_OK;
		goto out;
	}
	if (fd < 0)
		goto out;
	if (fstat(fd, &sb) != 0 || (sb.st_mode & 077) != 0 || sb.st_size != 32) {
		log_warnx("taxii: %s must be 32 bytes, mode 0600", path);
		r = HL_ERR_CONFIG;
		goto out;
	}
	got = read(fd, key, 32);
	r = got == 32 ? HL_OK : HL_ERR_IO;
out:
	if (fd >= 0)
		(void)close(fd);
	return r;
}

/* The STIX database and the paging key, on the first request. */
static int
taxii_open(struct hl_taxii *t)
{
	int r;

	if (t->d != NULL)
		return HL_OK;
	if ((r = hl_stixdb_open(t->store, &t->d)) != HL_OK)
		return r;
	if ((r = load_key(t->cfg->data_dir, t->key)) != HL_OK) {
		log_warnx("taxii: no paging key in the data directory (%s): next tokens will "
		    "not survive a restart", hl_strerror(r));
		if (RAND_bytes(t->key, sizeof(t->key)) != 1) {
			hl_stixdb_close(t->d);
			t->d = NULL;
			return HL_ERR_CRYPTO;
		}
	}
	/* envelopes stored but not ingested before a crash */
	if ((r = hl_stixshare_catch_up(t->store, NULL)) != HL_OK)
		log_warnx("taxii: STIX catch-up: %s", hl_strerror(r));
	return HL_OK;
}

void
hl_taxii_free(struct hl_taxii *t)
{
	if (t == NULL)
		return;
	hl_stixdb_close(t->d);
	hl_free_secret(t, sizeof(*t));
}

/* ---- request context ---- */

struct treq {
	struct hl_taxii *t;
	struct evhttp_request *req;
	const struct hl_config *cfg;
	const struct hl_operator_conf *op;
	const uint8_t *body;
	size_t len;
};

static void
deny(struct treq *x, const char *what, const char *coll)
{
	char d[HL_AUDIT_DETAIL_MAX];

	(void)snprintf(d, sizeof(d), "taxii: %s %s", what, coll);
	hl_auth_audit(x->t->auth, "taxii-denied", NULL, x->op->name, d);
	taxii_error(x->req, 403, "forbidden", "account %s may not %s collection %s",
	    x->op->name, what, coll);
}

static const struct hl_collection_conf *
find_collection(const struct hl_config *cfg, const char *cid)
{
	char u[37];
	unsigned i;

	for (i = 0; i < cfg->ncollections; i++) {
		hl_stixid_collection(cfg->collections[i].name, u);
		if (strcmp(u, cid) == 0 || strcmp(cfg->collections[i].name, cid) == 0)
			return &cfg->collections[i];
	}
	return NULL;
}

static json_t *
collection_json(const struct treq *x, const struct hl_collection_conf *c)
{
	char u[37];

	hl_stixid_collection(c->name, u);
	return json_pack("{s:s, s:s, s:s, s:b, s:b, s:[s]}", "id", u, "title", c->title,
	    "description", c->description, "can_read", hl_config_list_has(c->read, x->op->name),
	    "can_write", hl_config_list_has(c->write, x->op->name), "media_types",
	    HL_STIX_MEDIA);
}

static void
base_url(const struct treq *x, char *out, size_t outlen)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(x->req), "Host");
	size_t i, n;

	if (h != NULL && (n = strlen(h)) > 0 && n <= HL_HOST_MAX) {
		for (i = 0; i < n; i++)
			if (!((h[i] >= 'a' && h[i] <= 'z') || (h[i] >= 'A' && h[i] <= 'Z') ||
			    (h[i] >= '0' && h[i] <= '9') || strchr(".-:[]", h[i]) != NULL))
				break;
		if (i == n) {
			(void)snprintf(out, outlen, "https://%s", h);
			return;
		}
	}
	(void)snprintf(out, outlen, "https://%s:%u", x->cfg->api_host, (unsigned)x->cfg->api_port);
}

/* ---- TAXII handlers ---- */

static void
h_discovery(struct treq *x)
{
	char base[HL_HOST_MAX + 16], root[HL_HOST_MAX + 64], title[HL_NODE_NAME_MAX + 16];

	base_url(x, base, sizeof(base));
	(void)snprintf(root, sizeof(root), "%s/taxii2/" TAXII_ROOT "/", base);
	(void)snprintf(title, sizeof(title), "hotline %s", x->cfg->node);
	taxii_reply(x->req, 200, json_pack("{s:s, s:s, s:s, s:s, s:[s]}", "title", title,
	    "description", "TAXII 2.1 gateway of a hotline node: local collections shared "
	    "with partner nations", "contact", x->cfg->node, "default", root, "api_roots", root));
}

static void
h_api_root(struct treq *x)
{
	taxii_reply(x->req, 200, json_pack("{s:s, s:s, s:[s], s:I}", "title",
	    "hotline collections", "description", "STIX 2.1 collections of this node",
	    "versions", "application/taxii+json;version=2.1", "max_content_length",
	    (json_int_t)TAXII_POST_MAX_BYTES));
}

static void
h_collections(struct treq *x)
{
	json_t *arr = json_array(), *j;
	unsigned i;

	if (arr == NULL) {
		taxii_reply(x->req, 500, NULL);
		return;
	}
	for (i = 0; i < x->cfg->ncollections; i++) {
		const struct hl_collection_conf *c = &x->cfg->collections[i];

		if (!hl_config_list_has(c->read, x->op->name) &&
		    !hl_config_list_has(c->write, x->op->name))
			continue;
		if ((j = collection_json(x, c)) != NULL)
			(void)json_array_append_new(arr, j);
	}
	if (json_array_size(arr) == 0) {
		json_decref(arr);
		taxii_reply(x->req, 200, json_object());
		return;
	}
	taxii_reply(x->req, 200, json_pack("{s:o}", "collections", arr));
}

static void
h_status(struct treq *x, const char *sid)
{
	char *js = NULL, acct[HL_OPERATOR_MAX + 1];
	int r;

	r = hl_stixdb_status_get(x->t->d, sid, &js, acct);
	if (r == HL_OK && strcmp(acct, x->op->name) != 0 && x->op->role != HL_ROLE_ADMIN)
		r = HL_ERR_NOT_FOUND;   /* another account's request */
	if (r == HL_ERR_NOT_FOUND)
		taxii_error(x->req, 404, "not found", "no status %.64s", sid);
	else if (r != HL_OK)
		taxii_error(x->req, 500, "internal error", "store: %s", hl_strerror(r));
	else
		hl_http_reply_body(x->req, 200, HL_TAXII_MEDIA, js, strlen(js));
	hl_free(js);
}

static void
set_added_headers(struct evhttp_request *req, const struct hl_stix_row *rows, size_t n)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char t[32];

	if (n == 0)
		return;
	hl_stixshare_time(rows[0].date_added_us, t);
	evhttp_add_header(h, "X-TAXII-Date-Added-First", t);
	hl_stixshare_time(rows[n - 1].date_added_us, t);
	evhttp_add_header(h, "X-TAXII-Date-Added-Last", t);
}

static const char *
row_version(const struct hl_stix_row *r, char buf[32])
{
	if (r->version[0] != '\0')
		return r->version;
	hl_stixshare_time(r->date_added_us, buf);
	return buf;
}

enum page_kind { PAGE_OBJECTS, PAGE_MANIFEST, PAGE_VERSIONS };

/* GET objects, one object, its versions, or the manifest. */
static void
h_page(struct treq *x, const struct hl_collection_conf *c, const char *oid, int kind)
{
	struct hl_taxii_query *tq = NULL;
	struct hl_stix_row *rows = NULL;
	struct hl_buf b;
	char err[256], tok[HL_TAXII_TOKEN_MAX + 1], t[32], vb[32];
	uint8_t fh[32], *body = NULL;
	size_t n = 0, i, blen = 0;
	unsigned allowed;
	int more = 0, r;
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(x->req));

	hl_buf_init(&b, HL_API_BODY_MAX_BYTES);
	if ((tq = hl_calloc(1, sizeof(*tq))) == NULL) {
		taxii_reply(x->req, 500, NULL);
		goto out;
	}
	allowed = kind == PAGE_VERSIONS ? 1 | 16 : oid != NULL ? 1 | 8 | 16 : 1 | 2 | 4 | 8 | 16;
	if ((r = hl_taxii_parse_query(qs, allowed, tq, err, sizeof(err))) != HL_OK) {
		taxii_error(x->req, r == HL_ERR_TOO_BIG ? 413 : 400, "bad request", "%s", err);
		goto out;
	}
	if (kind == PAGE_VERSIONS)
		tq->q.vsel = HL_STIX_V_ALL;
	if (oid != NULL) {
		if (!hl_stix_id_valid(oid, NULL)) {
			taxii_error(x->req, 404, "not found", "not a STIX identifier");
			goto out;
		}
		tq->q.nids = 1;
		tq->q.ids[0] = oid;
	}
	tq->q.collection = c->name;
	tq->q.limit = tq->limit;
	tq->q.policy = &x->cfg->policy;
	tq->q.op = x->op;
	tq->q.after_us = tq->has_added_after ? tq->added_after : 0;
	hl_taxii_filter_hash(tq, c->name, oid, kind, fh);
	if (tq->next[0] != '\0') {
		r = hl_taxii_token_check(x->t->key, tq->next, fh, &tq->q.after_us);
		if (r != HL_OK) {
			taxii_error(x->req, 400, "bad request", "%s", r == HL_ERR_INVALID ?
			    "next: the token belongs to another query (keep the same match "
			    "parameters)" : "next: not a valid token of this server");
			goto out;
		}
	}
	if ((r = hl_stixdb_objects(x->t->d, &tq->q, &rows, &n, &more)) != HL_OK) {
		taxii_error(x->req, 500, "internal error", "store: %s", hl_strerror(r));
		goto out;
	}
	if (oid != NULL && n == 0 && tq->next[0] == '\0' && !tq->has_added_after) {
		char d[HL_AUDIT_DETAIL_MAX];
		struct hl_stix_row *any = NULL;

		/* hidden by rule 4 (audited) or absent: 404 either way */
		if (hl_stixdb_get_latest(x->t->d, c->name, oid, NULL, NULL, &any) == HL_OK) {
			(void)snprintf(d, sizeof(d), "taxii: %s in %s above clearance or not "
			    "releasable", oid, c->name);
			hl_auth_audit(x->t->auth, "taxii-hidden", NULL, x->op->name, d);
		}
		hl_stixdb_rows_free(any, 1);
		taxii_error(x->req, 404, "not found", "no object %.80s in collection %s", oid,
		    c->name);
		goto out;
	}
	hl_buf_put(&b, "{\"more\":", 8);
	hl_buf_put(&b, more ? "true" : "false", more ? 4 : 5);
	if (more && n > 0) {
		if ((r = hl_taxii_token_make(x->t->key, fh, rows[n - 1].date_added_us, tok)) != HL_OK) {
			taxii_reply(x->req, 500, NULL);
			goto out;
		}
		hl_buf_put(&b, ",\"next\":\"", 9);
		hl_buf_put(&b, tok, strlen(tok));
		hl_buf_put(&b, "\"", 1);
	}
	if (n > 0) {
		const char *arr = kind == PAGE_OBJECTS ? "objects" : kind == PAGE_VERSIONS ?
		    "versions" : "objects";

		hl_buf_put(&b, ",\"", 2);
		hl_buf_put(&b, arr, strlen(arr));
		hl_buf_put(&b, "\":[", 3);
		for (i = 0; i < n; i++) {
			if (i > 0)
				hl_buf_put(&b, ",", 1);
			if (kind == PAGE_OBJECTS) {
				hl_buf_put(&b, rows[i].json, rows[i].json_len);
			} else {
				json_t *j;
				char *s;
				const char *v = row_version(&rows[i], vb);

				hl_stixshare_time(rows[i].date_added_us, t);
				j = kind == PAGE_VERSIONS ? json_string(v) :
				    json_pack("{s:s, s:s, s:s, s:s}", "id", rows[i].id, "date_added", t,
				    "version", v, "media_type", HL_STIX_MEDIA);
				s = j != NULL ? json_dumps(j, JSON_COMPACT | JSON_ENCODE_ANY) : NULL;
				json_decref(j);
				if (s == NULL) {
					taxii_reply(x->req, 500, NULL);
					goto out;
				}
				hl_buf_put(&b, s, strlen(s));
				hl_stixshare_free_str(s);
			}
		}
		hl_buf_put(&b, "]", 1);
	}
	hl_buf_put(&b, "}", 1);
	if (hl_buf_error(&b) != HL_OK) {
		taxii_error(x->req, 413, "too large", "the page is too large: use a smaller limit");
		goto out;
	}
	body = hl_buf_steal(&b, &blen);
	set_added_headers(x->req, rows, n);
	hl_http_reply_body(x->req, 200, HL_TAXII_MEDIA, body, blen);
out:
	hl_free(body);
	hl_buf_free(&b);
	hl_stixdb_rows_free(rows, n);
	hl_free(tq);
}

/* The answer to a POST: 202 with the status resource, or the error. */
static void
post_reply(struct evhttp_request *req, int r, json_t *status)
{
	if (r == HL_OK) {
		taxii_reply(req, 202, status);   /* (takes status) */
		return;
	}
	json_decref(status);
	if (r == HL_ERR_FULL)
		taxii_error(req, 507, "storage full", "the node cannot store new objects");
	else
		taxii_error(req, 500, "internal error", "%s", hl_strerror(r));
}

static void
post_done(void *arg, int r, json_t *status)
{
	struct evhttp_request *req = hl_http_defer_take(arg);   /* a POST the queue stored */

	if (req == NULL) {   /* the client went away: stored all the same */
		json_decref(status);
		return;
	}
	post_reply(req, r, status);
}

static void
h_post(struct treq *x, const struct hl_collection_conf *c)
{
	const uint8_t *body = x->body;
	size_t len = x->len;
	json_t *env = NULL, *objs, *status = NULL;
	json_error_t je;
	struct hl_stix_prov prov;
	struct hl_http_defer *pd;
	char d[HL_AUDIT_DETAIL_MAX];
	int r;

	/* the media type (415) and the size (413) are the route's */
	if (x->op->clearance < c->ceiling) {
		(void)snprintf(d, sizeof(d), "taxii: write %s: ceiling %s above clearance %s",
		    c->name, hl_policy_level_name(&x->cfg->policy, c->ceiling),
		    hl_policy_level_name(&x->cfg->policy, x->op->clearance));
		hl_auth_audit(x->t->auth, "taxii-denied", NULL, x->op->name, d);
		taxii_error(x->req, 403, "forbidden", "collection %s holds %s objects, above "
		    "your clearance", c->name, hl_policy_level_name(&x->cfg->policy, c->ceiling));
		return;
	}
	if (len == 0 || body == NULL) {
		taxii_error(x->req, 400, "bad request", "empty body");
		return;
	}
	if (!hl_apijson_depth_ok(body, len)) {
		taxii_error(x->req, 400, "bad request", "JSON nested deeper than %d levels",
		    HL_JSON_DEPTH_MAX);
		return;
	}
	env = json_loadb((const char *)body, len, JSON_REJECT_DUPLICATES, &je);
	if (env == NULL || !json_is_object(env)) {
		taxii_error(x->req, 400, "bad request", "not a JSON object: %s (line %d)",
		    env == NULL ? je.text : "wrong type", je.line);
		goto out;
	}
	objs = json_object_get(env, "objects");
	if (!json_is_array(objs)) {
		taxii_error(x->req, 422, "unprocessable", "the envelope needs an 'objects' list");
		goto out;
	}
	if (json_array_size(objs) > TAXII_POST_MAX_OBJECTS) {
		taxii_error(x->req, 413, "too large", "more than %d objects in one envelope",
		    TAXII_POST_MAX_OBJECTS);
		goto out;
	}
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", x->cfg->partner);
	(void)snprintf(prov.node, sizeof(prov.node), "%s", x->cfg->node);
	(void)snprintf(prov.added_by, sizeof(prov.added_by), "%s", x->op->name);
	if (x->t->q == NULL) {
		r = hl_stixshare_add(x->t->node, x->t->d, c->name, objs, &prov, &status);
		post_reply(x->req, r, status);
		status = NULL;
		goto out;
	}
	/* a slice per loop pass (stixshare.h); the answer once on disk */
	if ((pd = hl_http_defer(x->req)) == NULL) {
		taxii_error(x->req, 500, "internal error", "out of memory");
		goto out;
	}
	r = hl_stixshare_add_async(x->t->q, x->t->d, c->name, env, objs, &prov, post_done, pd);
	if (r == HL_ERR_FULL) {
		struct evhttp_request *req = hl_http_defer_take(pd);

		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", "1");
		taxii_error(req, 503, "busy", "the node is storing earlier additions: try again "
		    "shortly");
	} else if (r != HL_OK) {
		post_done(pd, r, NULL);
	}
out:
	json_decref(status);
	json_decref(env);
}

/* ---- /api/v1/stix/ (JSON) ---- */

/* hl_stix_search's may_read: a configured collection's read list. */
static int
search_may_read(void *arg, const char *collection)
{
	const struct treq *x = arg;
	const struct hl_collection_conf *c = hl_config_collection(x->cfg, collection);

	return c == NULL || hl_config_list_has(c->read, x->op->name);
}

/* One search result as JSON (docs/API.md). NULL when out of memory. */
static json_t *
search_hit_json(const struct hl_stix_hit *h)
{
	const struct hl_stix_sighted *sg = &h->sighted;
	char t[32], hid[HL_API_ID_HEX + 1];
	json_t *by, *it = NULL;
	size_t i;
	int has_env = h->row.prov.source == HL_STIX_PARTNER;

	if ((by = json_array()) == NULL)
		return NULL;
	for (i = 0; i < sg->nby; i++)
		if (json_array_append_new(by, json_pack("{s:s, s:s, s:I, s:I}", "partner",
		    sg->by[i].partner, "node", sg->by[i].node, "sightings",
		    (json_int_t)sg->by[i].sightings, "count", (json_int_t)sg->by[i].count)) != 0)
			goto out;
	hl_stixshare_time(h->row.prov.received_us, t);
	if (has_env)
		hl_hex_id(h->row.prov.envelope, hid);
	it = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:o, s:s, s:s, s:s, s:b,"
	    " s:{s:I, s:I, s:o, s:o, s:O, s:b}}",
	    "id", h->row.id, "type", h->row.type, "name", h->name, "collection",
	    h->row.collection, "version", h->row.version, "origin_partner", h->row.prov.partner,
	    "origin_node", h->row.prov.node, "envelope", has_env ? json_string(hid) : json_null(),
	    "received", t, "matched", h->matched, "field", hl_stix_field_name(h->field),
	    "exact", h->exact, "sightings", "sightings", (json_int_t)sg->sightings, "count",
	    (json_int_t)sg->count, "first_seen", sg->first_seen[0] != '\0' ?
	    json_string(sg->first_seen) : json_null(), "last_seen", sg->last_seen[0] != '\0' ?
	    json_string(sg->last_seen) : json_null(), "by", by, "more_by", sg->more_by);
out:
	json_decref(by);
	return it;
}

static void
h_search(struct treq *x, const char *qs)
{
	struct evkeyvalq kv;
	struct evkeyval *e;
	struct hl_stix_hit *hits = NULL;
	struct hl_stix_search q;
	const char *value = NULL, *kind;
	json_t *arr = NULL, *it;
	size_t n = 0, i, limit = 100;
	int r;

	TAILQ_INIT(&kv);
	if (qs == NULL || strlen(qs) > HL_API_QUERY_MAX || evhttp_parse_query_str(qs, &kv) != 0) {
		hl_http_reply_error(x->req, 400, "bad_request", "expected ?value=V[&limit=N]");
		goto out;
	}
	TAILQ_FOREACH(e, &kv, next) {
		if (strcmp(e->key, "value") == 0 && value == NULL) {
			value = e->value;
		} else if (strcmp(e->key, "limit") == 0) {
			char *end;
			unsigned long l = strtoul(e->value, &end, 10);

			if (e->value[0] < '0' || e->value[0] > '9' || *end != '\0' || l == 0 ||
			    l > HL_STIXDB_MATCH_MAX) {
				hl_http_reply_error(x->req, 400, "bad_request", "limit: 1..%d",
				    HL_STIXDB_MATCH_MAX);
				goto out;
			}
			limit = l;
		} else {
			hl_http_reply_error(x->req, 400, "bad_request", "unknown or repeated "
			    "parameter '%.64s'", e->key);
			goto out;
		}
	}
	if (value == NULL) {
		hl_http_reply_error(x->req, 400, "bad_request", "missing value=");
		goto out;
	}
	memset(&q, 0, sizeof(q));
	q.value = value;
	q.max = limit;
	q.policy = &x->cfg->policy;
	q.op = x->op;
	q.may_read = search_may_read;
	q.arg = x;
	r = hl_stixdb_find(x->t->d, &q, &kind, &hits, &n);
	if (r == HL_ERR_MALFORMED || r == HL_ERR_TOO_BIG) {
		hl_http_reply_error(x->req, 400, "bad_request", r == HL_ERR_TOO_BIG ?
		    "value: longer than %d bytes" : "value: empty or with control characters",
		    HL_STIX_SEARCH_MAX);
		goto out;
	}
	if (r != HL_OK) {
		hl_http_reply_error(x->req, 500, "internal", "store: %s", hl_strerror(r));
		goto out;
	}
	if ((arr = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		if ((it = search_hit_json(&hits[i])) == NULL || json_array_append_new(arr, it) != 0)
			goto oom;
	hl_http_reply_json(x->req, 200, json_pack("{s:s, s:s, s:o}", "value", value, "kind", kind,
	    "matches", arr));
	arr = NULL;
	goto out;
oom:
	hl_http_reply_error(x->req, 500, "internal", "out of memory");
out:
	json_decref(arr);
	hl_stixdb_hits_free(hits, n);
	evhttp_clear_headers(&kv);
}

/* GET /api/v1/stix/narratives: the linked pairs the operator may see
 * (narr.h, docs/DETECTION.md, "Narratives"). */
static void
h_narratives(struct treq *x)
{
	json_t *arr = NULL;
	int r;

	if (x->t->narr == NULL) {
		hl_http_reply_error(x->req, 503, "unavailable", "narrative linking is not running");
		return;
	}
	if ((r = hl_narr_list(x->t->narr, x->op, search_may_read, x, &arr)) != HL_OK) {
		hl_http_reply_error(x->req, 500, "internal", "store: %s", hl_strerror(r));
		return;
	}
	hl_http_reply_json(x->req, 200, json_pack("{s:f, s:o}", "threshold",
	    x->cfg->narrative_threshold, "pairs", arr));
}

/* POST /api/v1/stix/sightings {"of": ID, "count": N, "note": text} */
static void
h_sighting(struct treq *x)
{
	const uint8_t *body = x->body;
	size_t len = x->len;
	json_t *req = NULL, *v;
	struct hl_stix_row *orig = NULL;
	struct hl_stixshare_sighting w;
	const struct hl_collection_conf *c;
	const char *of, *note = NULL, *k;
	char err[256], sidfull[64], to[HL_PARTNER_MAX + 1];
	json_int_t count = 1;
	int r;

	if (len == 0 || body == NULL) {
		hl_http_reply_error(x->req, 400, "bad_request", "expected a JSON body of at most "
		    "64 KiB");
		return;
	}
	if ((r = hl_apijson_load_object(body, len, TAXII_SIGHTING_MAX, &req, err, sizeof(err))) != HL_OK) {
		hl_http_reply_error(x->req, 400, "bad_request", "%s", err);
		return;
	}
	json_object_foreach(req, k, v) {
		if (strcmp(k, "of") != 0 && strcmp(k, "count") != 0 && strcmp(k, "note") != 0) {
			hl_http_reply_error(x->req, 400, "bad_request", "unknown field '%.64s'", k);
			goto out;
		}
	}
	of = json_string_value(json_object_get(req, "of"));
	if (of == NULL || !hl_stix_id_valid(of, NULL)) {
		hl_http_reply_error(x->req, 400, "bad_request", "of: a STIX id is required");
		goto out;
	}
	if ((v = json_object_get(req, "count")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 999999999) {
			hl_http_reply_error(x->req, 400, "bad_request", "count: 0..999999999");
			goto out;
		}
		count = json_integer_value(v);
	}
	if ((v = json_object_get(req, "note")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) > 4096) {
			hl_http_reply_error(x->req, 400, "bad_request", "note: text of at most 4096 "
			    "bytes");
			goto out;
		}
		note = json_string_value(v);
	}
	r = hl_stixdb_get_latest(x->t->d, NULL, of, &x->cfg->policy, x->op, &orig);
	if (r == HL_ERR_NOT_FOUND) {
		hl_http_reply_error(x->req, 404, "not_found", "no object %s", of);
		goto out;
	}
	if (r != HL_OK) {
		hl_http_reply_error(x->req, 500, "internal", "store: %s", hl_strerror(r));
		goto out;
	}
	c = hl_config_collection(x->cfg, orig->collection);
	if (c != NULL && !hl_config_list_has(c->read, x->op->name)) {
		deny(x, "read", orig->collection);
		goto out;
	}
	memset(&w, 0, sizeof(w));
	w.count = count;
	w.note = note;
	w.by = x->op->name;
	r = hl_stixshare_sighting(x->t->node, x->t->d, orig, &w, sidfull, to);
	if (r != HL_OK && sidfull[0] == '\0') {
		hl_http_reply_error(x->req, r == HL_ERR_FULL ? 507 : 500, "internal", "store: %s",
		    hl_strerror(r));
		goto out;
	}
	if (r != HL_OK) {
		hl_http_reply_error(x->req, r == HL_ERR_DENIED ? 403 : 503, "not_shared",
		    "sighting %s stored but not sent to %s: %s", sidfull, orig->prov.node,
		    hl_strerror(r));
		goto out;
	}
	if (to[0] != '\0')
		hl_http_reply_json(x->req, 201, json_pack("{s:s, s:s}", "id", sidfull, "to", to));
	else
		hl_http_reply_json(x->req, 201, json_pack("{s:s, s:n}", "id", sidfull, "to"));
out:
	hl_stixdb_rows_free(orig, 1);
	json_decref(req);
}

/* ---- routes ---- */

/* The request context of a route, with the STIX database open. 0 after a
 * 500 reply. */
static int
treq_of(struct hl_http_req *hx, struct treq *x, int taxii)
{
	struct hl_taxii *t = hx->arg;

	memset(x, 0, sizeof(*x));
	x->t = t;
	x->req = hx->req;
	x->cfg = t->cfg;
	x->op = hx->op;
	x->body = hx->body;
	x->len = hx->body_len;
	if (taxii_open(t) == HL_OK)
		return 1;
	if (taxii)
		taxii_error(hx->req, 500, "internal error", "cannot open the STIX store");
	else
		hl_http_reply_error(hx->req, 500, "internal", "cannot open the STIX store");
	return 0;
}

static void
t_discovery(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 1))
		h_discovery(&x);
}

static void
t_api_root(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 1))
		h_api_root(&x);
}

static void
t_status(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 1))
		h_status(&x, hx->param[0]);
}

static void
t_collections(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 1))
		h_collections(&x);
}

/* The collection of the path ({cid}: its id or name) that the account may
 * use for what (0 see, 1 read, 2 write). NULL after a 404 / 403. */
static const struct hl_collection_conf *
path_collection(struct treq *x, const char *cid, int what)
{
	static const char *const verbs[] = { "see", "read", "write to" };
	const struct hl_collection_conf *c;
	int ok;

	if ((c = find_collection(x->cfg, cid)) == NULL) {
		taxii_error(x->req, 404, "not found", "no collection %.64s", cid);
		return NULL;
	}
	ok = what == 2 ? hl_config_list_has(c->write, x->op->name) : what == 1 ?
	    hl_config_list_has(c->read, x->op->name) : hl_config_list_has(c->read, x->op->name) ||
	    hl_config_list_has(c->write, x->op->name);
	if (!ok) {
		deny(x, verbs[what], c->name);
		return NULL;
	}
	if (what == 1 && x->op->clearance < c->ceiling) {
		char d[HL_AUDIT_DETAIL_MAX];

		/* served, but rule 4 hides what is above the clearance */
		(void)snprintf(d, sizeof(d), "taxii: read %s: ceiling %s above clearance %s: "
		    "objects above it withheld", c->name,
		    hl_policy_level_name(&x->cfg->policy, c->ceiling),
		    hl_policy_level_name(&x->cfg->policy, x->op->clearance));
		hl_auth_audit(x->t->auth, "taxii-filtered", NULL, x->op->name, d);
	}
	return c;
}

static void
t_collection(struct hl_http_req *hx)
{
	const struct hl_collection_conf *c;
	struct treq x;

	if (treq_of(hx, &x, 1) && (c = path_collection(&x, hx->param[0], 0)) != NULL)
		taxii_reply(x.req, 200, collection_json(&x, c));
}

/* objects, manifest, one object, its versions */
static void
t_page(struct hl_http_req *hx, int kind)
{
	const struct hl_collection_conf *c;
	struct treq x;

	if (treq_of(hx, &x, 1) && (c = path_collection(&x, hx->param[0], 1)) != NULL)
		h_page(&x, c, hx->nparams > 1 ? hx->param[1] : NULL, kind);
}

static void
t_objects(struct hl_http_req *hx)
{
	t_page(hx, PAGE_OBJECTS);
}

static void
t_manifest(struct hl_http_req *hx)
{
	t_page(hx, PAGE_MANIFEST);
}

static void
t_object(struct hl_http_req *hx)
{
	t_page(hx, PAGE_OBJECTS);
}

static void
t_versions(struct hl_http_req *hx)
{
	t_page(hx, PAGE_VERSIONS);
}

static void
t_post(struct hl_http_req *hx)
{
	const struct hl_collection_conf *c;
	struct treq x;

	if (treq_of(hx, &x, 1) && (c = path_collection(&x, hx->param[0], 2)) != NULL)
		h_post(&x, c);
}

/* Anything else under /taxii2/ (after authentication, like the rest). */
static void
t_not_found(struct hl_http_req *hx)
{
	const char *root = hx->param[0];
	size_t n = strcspn(root, "/");

	if (n > 0 && (n != strlen(TAXII_ROOT) || strncmp(root, TAXII_ROOT, n) != 0))
		taxii_error(hx->req, 404, "not found", "no API root %.*s (use /taxii2/" TAXII_ROOT
		    "/)", (int)(n < 64 ? n : 64), root);
	else
		taxii_error(hx->req, 404, "not found", "no such resource");
}

static void
s_search(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 0))
		h_search(&x, hx->query);
}

static void
s_narratives(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 0))
		h_narratives(&x);
}

static void
s_sighting(struct hl_http_req *hx)
{
	struct treq x;

	if (treq_of(hx, &x, 0))
		h_sighting(&x);
}

#define A HL_HTTP_AUTH
#define Q HL_HTTP_QUERY
#define B HL_HTTP_BODY
#define COLL "/taxii2/" TAXII_ROOT "/collections/{cid}/"
/* TAXII media types (406 for an Accept without them, 415 for a POST of
 * another type) and TAXII error messages for every refusal */
static const struct hl_http_style taxii_style = { HL_TAXII_MEDIA, 1, taxii_refusal };
static const struct hl_http_route taxii_routes[] = {
	{ HL_HTTP_GET, "/taxii2/", t_discovery, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/taxii2/" TAXII_ROOT "/", t_api_root, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/taxii2/" TAXII_ROOT "/status/{id}/", t_status, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/taxii2/" TAXII_ROOT "/collections/", t_collections, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, COLL, t_collection, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, COLL "objects/", t_objects, A | Q, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_POST, COLL "objects/", t_post, A | B, TAXII_POST_MAX_BYTES, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, COLL "objects/{oid}/", t_object, A | Q, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, COLL "objects/{oid}/versions/", t_versions, A | Q, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, COLL "manifest/", t_manifest, A | Q, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/taxii2/*", t_not_found, A | Q, 0, NULL, HL_HTTP_ANYONE },
};
static const struct hl_http_route stix_routes[] = {
	{ HL_HTTP_GET, "/api/v1/stix/search", s_search, A | Q, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/api/v1/stix/narratives", s_narratives, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_POST, "/api/v1/stix/sightings", s_sighting, A | B, TAXII_SIGHTING_MAX, NULL, HL_HTTP_INTEL },
};
#undef A
#undef Q
#undef B
#undef COLL

/* ---- life cycle ---- */

int
hl_taxii_register(struct hl_taxii *t, struct hl_http_table *tab)
{
	int r;

	if ((r = hl_http_table_add(tab, taxii_routes, sizeof(taxii_routes) /
	    sizeof(taxii_routes[0]), &taxii_style, t)) != HL_OK)
		return r;
	if ((r = hl_http_table_add(tab, stix_routes, sizeof(stix_routes) /
	    sizeof(stix_routes[0]), NULL, t)) != HL_OK)
		hl_http_table_remove(tab, t);
	return r;
}

void
hl_taxii_set_narr(struct hl_taxii *t, struct hl_narr *narr)
{
	t->narr = narr;
}

int
hl_taxii_new(struct hl_node *n, struct hl_auth *auth, struct hl_stixshare_q *q,
    struct hl_taxii **out)
{
	struct hl_taxii *t;

	*out = NULL;
	if ((t = hl_calloc(1, sizeof(*t))) == NULL)
		return HL_ERR_NOMEM;
	t->node = n;
	t->cfg = hl_node_config(n);
	t->store = hl_node_store(n);
	t->auth = auth;
	t->q = q;
	*out = t;
	return HL_OK;
}
