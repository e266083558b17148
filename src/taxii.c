/* taxii.c: TAXII 2.1 server and STIX endpoints on the operator API's HTTPS
 * port (docs/TAXII.md), sharing collections with member partners, and the
 * ingest of STIX envelopes received from partners.
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
 *
 * Authentication is the operator API's (HTTP Basic, scrypt). Access: a
 * collection's read / write lists name the accounts; every object carries
 * a label and an account only sees what rule 4 lets it see (clearance and
 * nationality). Refusals are audited.
 *
 * Paging: the `next` token is stateless: "1.<date_added>.<filter>.<mac>",
 * where filter is a hash of the collection and the match parameters, and
 * mac an HMAC-SHA256 under a key kept in the data directory
 * (taxii-next.key), so a token works after a restart and on any front end
 * sharing the key. */
#include <sys/queue.h>
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <event2/buffer.h>
#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "apiint.h"
#include "apijson.h"
#include "buf.h"
#include "clock.h"
#include "envelope.h"
#include "label.h"
#include "log.h"
#include "node.h"
#include "stix.h"
#include "stixdb.h"
#include "stixid.h"
#include "store.h"
#include "taxii.h"

#define TAXII_ROOT "hotline"
#define TAXII_POST_MAX_BYTES (64u * 1024 * 1024)
#define TAXII_POST_MAX_OBJECTS 100000
#define TAXII_KEY_FILE "taxii-next.key"
#define TAXII_MSG_MAX 300

struct hl_taxii {
	struct hl_api *a;
	struct hl_stixdb *d;
	uint8_t key[32];                  /* next-token MAC key */
};

/* ---- small helpers ---- */

static void
format_us(uint64_t us, char out[32])
{
	time_t t = (time_t)(us / 1000000);
	struct tm tm;

	if (gmtime_r(&t, &tm) == NULL) {
		(void)snprintf(out, 32, "1970-01-01T00:00:00.000000Z");
		return;
	}
	(void)snprintf(out, 32, "%04d-%02d-%02dT%02d:%02d:%02d.%06uZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec,
	    (unsigned)(us % 1000000));
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static int
uuid4(char out[37])
{
	return hl_stixid_random(out);
}

void
hl_taxii_collection_id(const char *name, char out[37])
{
	hl_stixid_collection(name, out);
}

/* Our STIX identity: identity--<uuid from our node name>. */
static void
our_identity(const struct hl_config *cfg, char out[64])
{
	char u[37];

	hl_stixid_named("hotline-identity:", cfg->node, u);
	(void)snprintf(out, 64, "identity--%s", u);
}

static void
json_free_str(char *s)
{
	json_malloc_t jm;
	json_free_t jf;

	if (s == NULL)
		return;
	json_get_alloc_funcs(&jm, &jf);
	jf(s);
}

/* ---- replies ---- */

static void
taxii_reply(struct evhttp_request *req, int code, json_t *j)
{
	char *s = NULL;

	if (j != NULL)
		s = json_dumps(j, JSON_COMPACT);
	if (s == NULL) {
		static const char oom[] = "{\"title\":\"internal error\",\"http_status\":\"500\"}";

		hl_api_reply_body(req, 500, HL_TAXII_MEDIA, oom, sizeof(oom) - 1);
	} else {
		hl_api_reply_body(req, code, HL_TAXII_MEDIA, s, strlen(s));
	}
	json_free_str(s);
	json_decref(j);
}

static void
taxii_error(struct evhttp_request *req, int code, const char *title, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

void
hl_taxii_reply_error(struct evhttp_request *req, int code, const char *title, const char *msg)
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
	hl_taxii_reply_error(req, code, title, msg);
}

/* ---- media types ---- */

/* Does one Accept entry (or a Content-Type) name TAXII 2.1? exact: only
 * application/taxii+json (version absent or 2.1); else also wildcards. */
static int
media_ok(const char *s, size_t n, int exact)
{
	char t[128];
	const char *semi, *p;
	size_t tn, i, k;

	while (n > 0 && (*s == ' ' || *s == '\t')) {
		s++;
		n--;
	}
	semi = memchr(s, ';', n);
	tn = semi != NULL ? (size_t)(semi - s) : n;
	while (tn > 0 && (s[tn - 1] == ' ' || s[tn - 1] == '\t'))
		tn--;
	if (tn == 0 || tn >= sizeof(t))
		return 0;
	for (i = 0; i < tn; i++)
		t[i] = (char)(s[i] >= 'A' && s[i] <= 'Z' ? s[i] + 32 : s[i]);
	t[tn] = '\0';
	if (!exact && (strcmp(t, "*/*") == 0 || strcmp(t, "application/*") == 0))
		return 1;
	if (strcmp(t, "application/taxii+json") != 0)
		return 0;
	/* parameters: version must be 2.1 when given */
	for (p = semi; p != NULL && p < s + n; ) {
		const char *e = memchr(p + 1, ';', (size_t)(s + n - p - 1));
		size_t pn;

		p++;
		pn = e != NULL ? (size_t)(e - p) : (size_t)(s + n - p);
		while (pn > 0 && (*p == ' ' || *p == '\t')) {
			p++;
			pn--;
		}
		while (pn > 0 && (p[pn - 1] == ' ' || p[pn - 1] == '\t'))
			pn--;
		if (pn >= 8 && strncasecmp(p, "version=", 8) == 0) {
			k = pn - 8;
			if (k != 3 || memcmp(p + 8, "2.1", 3) != 0)
				return 0;
		}
		p = e;
	}
	return 1;
}

static int
accept_ok(struct evhttp_request *req)
{
	const char *h = evhttp_find_header(evhttp_request_get_input_headers(req), "Accept");
	const char *p, *e;

	if (h == NULL || h[0] == '\0')
		return 1;
	if (strlen(h) > 1024)
		return 0;
	for (p = h; ; p = e + 1) {
		e = strchr(p, ',');
		if (media_ok(p, e != NULL ? (size_t)(e - p) : strlen(p), 0))
			return 1;
		if (e == NULL)
			return 0;
	}
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

static int
state_get(struct hl_api *a, struct hl_taxii **state, struct hl_taxii **out)
{
	struct hl_taxii *t = NULL;
	int r;

	*out = NULL;
	if (*state != NULL) {
		*out = *state;
		return HL_OK;
	}
	if ((t = hl_calloc(1, sizeof(*t))) == NULL)
		return HL_ERR_NOMEM;
	t->a = a;
	if ((r = hl_stixdb_open(hl_api_store(a), &t->d)) != HL_OK)
		goto out;
	if ((r = load_key(hl_api_config(a)->data_dir, t->key)) != HL_OK) {
		log_warnx("taxii: no paging key in the data directory (%s): next tokens will "
		    "not survive a restart", hl_strerror(r));
		if (RAND_bytes(t->key, sizeof(t->key)) != 1) {
			r = HL_ERR_CRYPTO;
			goto out;
		}
	}
	/* envelopes stored but not ingested before a crash */
	if ((r = hl_taxii_catch_up(hl_api_store(a), NULL)) != HL_OK)
		log_warnx("taxii: STIX catch-up: %s", hl_strerror(r));
	*state = t;
	*out = t;
	t = NULL;
	r = HL_OK;
out:
	hl_taxii_free(t);
	return r;
}

void
hl_taxii_free(struct hl_taxii *t)
{
	if (t == NULL)
		return;
	hl_stixdb_close(t->d);
	hl_free_secret(t, sizeof(*t));
}

/* ---- labels for local objects ---- */

/* The label of an object added locally to collection c: the collection's
 * ceiling, its TLP, releasable to us and the members. */
static int
local_label(const struct hl_config *cfg, const struct hl_collection_conf *c, uint8_t tlp,
    struct hl_label *l, uint8_t out[static HL_LABEL_MAX_BYTES], size_t *outlen)
{
	char csv[HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 1) + HL_PARTNER_MAX + 2];
	size_t o;
	unsigned i;
	int r;

	memset(l, 0, sizeof(*l));
	(void)snprintf(l->policy, sizeof(l->policy), "%s", cfg->policy.id);
	l->classification = c->ceiling;
	l->tlp = tlp;
	o = (size_t)snprintf(csv, sizeof(csv), "%s", cfg->partner);
	for (i = 0; i < c->nmembers && o < sizeof(csv); i++)
		o += (size_t)snprintf(csv + o, sizeof(csv) - o, ",%s", c->members[i]);
	if ((r = hl_partner_list_parse(csv, l->rel, HL_RELEASABLE_MAX, &l->nrel)) != HL_OK)
		return r;
	return hl_label_encode_to(l, out, outlen);
}

/* ---- sharing ---- */

/* One envelope: a bundle of objects (their stored JSON) for collection
 * coll, labelled l, to the member partners that have a peer. */
static int
share_bundle(struct hl_node *n, const char *coll, const struct hl_label *l,
    const char *const *to, unsigned nto, const char *originator, struct hl_buf *objs,
    size_t nobj)
{
	struct hl_send_req sr;
	struct hl_buf b;
	uint8_t id[HL_ID_BYTES], *content = NULL, *op;
	size_t clen = 0, olen = 0;
	char bid[37], head[256], why[512];
	int r;

	if (nobj == 0 || nto == 0)
		return HL_OK;
	if ((r = uuid4(bid)) != HL_OK)
		return r;
	hl_buf_init(&b, HL_CONTENT_MAX_BYTES);
	(void)snprintf(head, sizeof(head), "{\"type\":\"bundle\",\"id\":\"bundle--%s\","
	    "\"x_hotline_collection\":\"%s\",\"objects\":[", bid, coll);
	hl_buf_put(&b, head, strlen(head));
	op = hl_buf_steal(objs, &olen);
	hl_buf_put(&b, op, olen);
	hl_free(op);
	hl_buf_put(&b, "]}", 2);
	if ((r = hl_buf_error(&b)) != HL_OK) {
		hl_buf_free(&b);
		return r;
	}
	content = hl_buf_steal(&b, &clen);
	hl_buf_free(&b);
	if (content == NULL)
		return HL_ERR_NOMEM;
	memset(&sr, 0, sizeof(sr));
	sr.to = to;
	sr.nto = nto;
	sr.precedence = HL_PREC_ROUTINE;
	sr.label = *l;
	sr.content_type = HL_CT_STIX;
	sr.content = content;
	sr.content_len = clen;
	sr.originator = originator;
	why[0] = '\0';
	r = hl_node_send(n, &sr, id, why, sizeof(why));
	if (r != HL_OK)
		log_warnx("taxii: collection %s: %zu object(s) not shared: %s", coll, nobj,
		    why[0] != '\0' ? why : hl_strerror(r));
	else
		log_info("taxii: collection %s: %zu object(s) shared in one envelope", coll, nobj);
	hl_free(content);
	return r;
}

/* Share the rows (stored JSON) to the collection's members, one envelope
 * per TLP level and per HL_TAXII_SHARE_BATCH_* objects. */
static int
share_rows(struct hl_node *n, const struct hl_collection_conf *c, char **json,
    const uint8_t *tlps, size_t nrows, const char *originator)
{
	const struct hl_config *cfg = hl_node_config(n);
	const char *to[HL_RELEASABLE_MAX];
	uint8_t lab[HL_LABEL_MAX_BYTES];
	struct hl_label l;
	struct hl_buf objs;
	size_t i, lablen, inbatch = 0, bytes = 0;
	unsigned nto = 0, k, m;
	int tlp, r = HL_OK, r2;

	for (k = 0; k < c->nmembers; k++)
		for (m = 0; m < cfg->npeers; m++)
			if (strcmp(cfg->peers[m].partner, c->members[k]) == 0) {
				to[nto++] = c->members[k];
				break;
			}
	if (nto == 0 || nrows == 0)
		return HL_OK;
	for (tlp = HL_TLP_CLEAR; tlp <= HL_TLP_RED; tlp++) {
		if ((r2 = local_label(cfg, c, (uint8_t)tlp, &l, lab, &lablen)) != HL_OK)
			return r2;
		hl_buf_init(&objs, HL_CONTENT_MAX_BYTES);
		inbatch = bytes = 0;
		for (i = 0; i < nrows; i++) {
			size_t jl;

			if (tlps[i] != tlp || json[i] == NULL)
				continue;
			jl = strlen(json[i]);
			if (inbatch > 0 && (inbatch >= HL_TAXII_SHARE_BATCH_OBJECTS ||
			    bytes + jl + 1 > HL_TAXII_SHARE_BATCH_BYTES)) {
				if ((r2 = share_bundle(n, c->name, &l, to, nto, originator, &objs,
				    inbatch)) != HL_OK)
					r = r2;
				hl_buf_free(&objs);
				hl_buf_init(&objs, HL_CONTENT_MAX_BYTES);
				inbatch = bytes = 0;
			}
			if (inbatch > 0)
				hl_buf_put(&objs, ",", 1);
			hl_buf_put(&objs, json[i], jl);
			inbatch++;
			bytes += jl + 1;
		}
		if (inbatch > 0 && (r2 = share_bundle(n, c->name, &l, to, nto, originator, &objs,
		    inbatch)) != HL_OK)
			r = r2;
		hl_buf_free(&objs);
	}
	return r;
}

/* Rule 1 for a collection: may an object with this TLP go to every member?
 * Members are a distribution list, not recipients named one by one, so
 * TLP:RED is refused unless the collection has no members. */
static int
shareable(const struct hl_config *cfg, const struct hl_collection_conf *c,
    const struct hl_label *l, char *why, size_t whylen)
{
	unsigned k, m;

	for (k = 0; k < c->nmembers; k++)
		for (m = 0; m < cfg->npeers; m++) {
			if (strcmp(cfg->peers[m].partner, c->members[k]) != 0)
				continue;
			if (hl_label_may_send(l, &cfg->policy, cfg->peers[m].node,
			    cfg->peers[m].partner, cfg->peers[m].accreditation, 0, why, whylen) !=
			    HL_OK)
				return 0;
		}
	return 1;
}

/* ---- sticky releasability (docs/SECURITY.md) ---- */

/* The partners of want, but the poster, that first does not release to:
 * "NATO, USA". */
static void
rel_added(const struct hl_label *first, const struct hl_label *want, const char *poster,
    char *out, size_t outlen)
{
	struct hl_label x;
	unsigned i;

	memset(&x, 0, sizeof(x));
	for (i = 0; i < want->nrel; i++)
		if (!hl_label_releasable_to(first, want->rel[i]) &&
		    strcmp(want->rel[i], poster) != 0)
			memcpy(x.rel[x.nrel++], want->rel[i], sizeof(x.rel[0]));
	hl_label_format_rel(&x, out, outlen);
}

static const char *
level_name(const struct hl_policy *p, const struct hl_label *l, char buf[16])
{
	if (p != NULL && strcmp(p->id, l->policy) == 0 && l->classification < p->nlevels)
		return p->levels[l->classification];
	(void)snprintf(buf, 16, "level %u", l->classification);
	return buf;
}

/* Why want may not be given: one line for a status or a log, and the audit
 * detail. policy may be NULL (level numbers then). */
static void
sticky_why(const struct hl_policy *p, const char *coll, const json_t *o,
    const struct hl_stix_first *f, const struct hl_label *want, const char *poster,
    unsigned w, char *msg, size_t msglen, char *detail, size_t detlen)
{
	char rel[HL_RELEASABLE_MAX * (HL_PARTNER_MAX + 2) + 1], add[sizeof(rel)], what[400];
	char lb1[16], lb2[16];
	const char *who = f->partner[0] != '\0' ? f->partner : "this node";
	size_t n = 0;

	hl_label_format_rel(&f->label, rel, sizeof(rel));
	rel_added(&f->label, want, poster, add, sizeof(add));
	what[0] = '\0';
	if (w & HL_STIX_WIDENS_REL)
		n += (size_t)snprintf(what + n, sizeof(what) - n, "; collection %s would also "
		    "release it to %s", coll, add);
	if ((w & HL_STIX_WIDENS_TLP) && n < sizeof(what))
		n += (size_t)snprintf(what + n, sizeof(what) - n, "; this copy is marked TLP:%s, "
		    "lower than TLP:%s", hl_tlp_name(want->tlp), hl_tlp_name(f->label.tlp));
	if ((w & HL_STIX_WIDENS_CLASS) && n < sizeof(what))
		n += (size_t)snprintf(what + n, sizeof(what) - n, "; collection %s would label it "
		    "%s, lower than %s", coll, level_name(p, want, lb1), level_name(p, &f->label,
		    lb2));
	if ((w & HL_STIX_WIDENS_POLICY) && n < sizeof(what))
		(void)snprintf(what + n, sizeof(what) - n, "; under policy %s, not %s",
		    want->policy, f->label.policy);
	if (f->first_us == 0)   /* not stored: what a partner's node serves (admit) */
		(void)snprintf(msg, msglen, "refused (sticky releasability): served by %s's node "
		    "(%s), so releasable to %s only%s; only %s may widen the release of its "
		    "objects", who, f->node, rel, what, who);
	else
		(void)snprintf(msg, msglen, "refused (sticky releasability): version %s came from "
		    "%s (%s) releasable to %s at TLP:%s%s; only %s may widen the release of its "
		    "objects", f->vkey[0] != '\0' ? f->vkey : "-", who, f->node, rel,
		    hl_tlp_name(f->label.tlp), what, who);
	(void)snprintf(detail, detlen, "collection=%s id=%s version=%s origin=%s (%s) "
	    "releasable=%s tlp=%s widens=%s%s%s%s", coll,
	    json_string_value(json_object_get(o, "id")), f->vkey, who, f->node, rel,
	    hl_tlp_name(f->label.tlp), (w & HL_STIX_WIDENS_REL) ? add : "",
	    (w & HL_STIX_WIDENS_TLP) ? " tlp" : "", (w & HL_STIX_WIDENS_CLASS) ?
	    " classification" : "", (w & HL_STIX_WIDENS_POLICY) ? " policy" : "");
}

/* ---- adding objects ---- */

static json_t *
status_new(const char *sid, uint64_t ts)
{
	char t[32];

	format_us(ts, t);
	return json_pack("{s:s, s:s, s:s, s:i, s:i, s:o, s:i, s:o, s:i, s:o}", "id", sid,
	    "status", "complete", "request_timestamp", t, "total_count", 0, "success_count", 0,
	    "successes", json_array(), "failure_count", 0, "failures", json_array(),
	    "pending_count", 0, "pendings", json_array());
}

static void
status_add(json_t *st, int ok, const char *id, const char *version, const char *msg)
{
	json_t *e = json_object();
	const char *arr = ok ? "successes" : "failures", *cnt = ok ? "success_count" :
	    "failure_count";

	if (e == NULL)
		return;
	(void)json_object_set_new(e, "id", json_string(id != NULL ? id : ""));
	if (version != NULL && version[0] != '\0')
		(void)json_object_set_new(e, "version", json_string(version));
	if (msg != NULL)
		(void)json_object_set_new(e, "message", json_string(msg));
	(void)json_array_append_new(json_object_get(st, arr), e);
	(void)json_object_set_new(st, cnt, json_integer(json_integer_value(json_object_get(st,
	    cnt)) + 1));
	(void)json_object_set_new(st, "total_count",
	    json_integer(json_integer_value(json_object_get(st, "total_count")) + 1));
}

/* The TLP marking-definitions themselves (the nine ids of TLP 1.0 and 2.0,
 * which validation holds to the level each defines) are public: every
 * producer ships the same objects, so no partner's release of them is
 * sticky. */
static int
public_object(const json_t *o)
{
	const char *id = json_string_value(json_object_get(o, "id"));

	return id != NULL && strncmp(id, "marking-definition--", 20) == 0 &&
	    hl_stix_tlp_of_marking(id) >= 0;
}

/* One object admitted to a collection: its label, encoded. */
struct admitted {
	struct hl_label l;
	uint8_t lab[HL_LABEL_MAX_BYTES];
	size_t lablen;
};

/* May collection c on this node take o (validated) from prov? Its label is
 * the collection's ceiling, the strictest TLP of its object-level and
 * granular markings, releasable to us and the members. Added here (LOCAL,
 * EXTERNAL): TLP:RED and rule 1 for every member. Every source: sticky
 * releasability, the poster being this node, the partner of an external
 * source that is a partner's node (configured node = P/...: what it
 * serves is releasable to P and us only), or the partner it came from.
 * HL_OK with *a; HL_ERR_DENIED with the reason in msg, and the audit
 * detail in detail when the sticky rule refused it (else detail ""); other
 * errors are storage failures. */
static int
admit(const struct hl_config *cfg, const struct hl_collection_conf *c, struct hl_stixdb *d,
    const json_t *o, const struct hl_stix_prov *prov, struct admitted *a, char *msg,
    size_t msglen, char *detail, size_t detlen)
{
	struct hl_stix_marks mk;
	struct hl_stix_first f;
	struct hl_label grant;
	char why[512], sel[HL_STIX_ERR_MAX + 64];
	const char *poster;
	unsigned w = 0;
	int r;

	msg[0] = detail[0] = '\0';
	if ((r = hl_stix_markings(o, &mk, why, sizeof(why))) != HL_OK) {
		(void)snprintf(msg, msglen, "%s", why);
		return HL_ERR_DENIED;
	}
	if ((r = local_label(cfg, c, mk.tlp, &a->l, a->lab, &a->lablen)) != HL_OK)
		return r;
	sel[0] = '\0';
	if (mk.granular_found && mk.granular_tlp == mk.tlp && mk.granular_tlp > mk.object_tlp)
		(void)snprintf(sel, sizeof(sel), " (granular_markings[%u] marks %s TLP:%s)",
		    mk.granular_index, mk.selectors, hl_tlp_name(mk.granular_tlp));
	if (prov->source != HL_STIX_PARTNER && mk.tlp == HL_TLP_RED && c->nmembers > 0) {
		(void)snprintf(msg, msglen, "refused%s: TLP:RED may not be shared with the members "
		    "of collection %s (rule 1: TLP:RED goes only to recipients named one by one)",
		    sel, c->name);
		return HL_ERR_DENIED;
	}
	if (prov->source != HL_STIX_PARTNER && !shareable(cfg, c, &a->l, why, sizeof(why))) {
		(void)snprintf(msg, msglen, "refused%s: %s", sel, why);
		return HL_ERR_DENIED;
	}
	if (public_object(o))
		return HL_OK;
	poster = prov->source == HL_STIX_LOCAL || prov->partner[0] == '\0' ? cfg->partner :
	    prov->partner;
	if (prov->source == HL_STIX_EXTERNAL && strcmp(poster, cfg->partner) != 0) {
		/* a partner's node served it: released to that partner and us */
		grant = a->l;
		(void)snprintf(why, sizeof(why), "%s,%s", poster, cfg->partner);
		if (hl_partner_list_parse(why, grant.rel, HL_RELEASABLE_MAX, &grant.nrel) != HL_OK)
			return HL_ERR_INVALID;
		if ((w = hl_stix_release_widens(&grant, &a->l)) != 0) {
			memset(&f, 0, sizeof(f));
			f.label = grant;
			f.source = prov->source;
			(void)snprintf(f.partner, sizeof(f.partner), "%s", poster);
			(void)snprintf(f.node, sizeof(f.node), "%s", prov->node);
		}
	}
	if (w == 0) {
		r = hl_stixdb_release_check(d, o, poster, cfg->partner, &a->l, &f, &w);
		if (r == HL_ERR_TOO_BIG) {
			(void)snprintf(msg, msglen, "refused: more than %d stored versions and "
			    "copies of this object to check its release against",
			    HL_STIXDB_RELEASE_ROWS_MAX);
			return HL_ERR_DENIED;
		}
		if (r != HL_OK && r != HL_ERR_DENIED)
			return r;
	}
	if (w != 0) {
		sticky_why(&cfg->policy, c->name, o, &f, &a->l, poster, w, msg, msglen, detail,
		    detlen);
		return HL_ERR_DENIED;
	}
	return HL_OK;
}

/* The new objects of one hl_taxii_add, to share once committed. */
struct to_share {
	char **json;                      /* stored JSON, json_dumps */
	uint8_t *tlps;
	size_t n;
};

static void
to_share_free(struct to_share *sh, size_t cap)
{
	size_t i;

	if (sh->json != NULL)
		for (i = 0; i < cap; i++)
			json_free_str(sh->json[i]);
	hl_free(sh->json);
	hl_free(sh->tlps);
	memset(sh, 0, sizeof(*sh));
}

/* The stored part of hl_taxii_add: each object validated, admitted and
 * stored, the status resource kept, every refusal by the sticky rule and
 * the summary audited, all in one transaction. OUT: *status, and in sh
 * (arrays of json_array_size(objects)) what to share with the members. */
static int
add_objects(const struct hl_config *cfg, struct hl_store *s, struct hl_stixdb *d,
    const struct hl_collection_conf *c, const json_t *objects, const struct hl_stix_prov *prov,
    json_t **status, struct to_share *sh)
{
	struct admitted a;
	json_t *st = NULL, *o;
	char sid[37], err[HL_STIX_ERR_MAX], msg[HL_STIX_ERR_MAX + 1200];
	char detail[HL_AUDIT_DETAIL_MAX], actor[HL_NODE_NAME_MAX + 1];
	size_t i, nobj = json_array_size(objects);
	uint64_t da;
	int r = HL_ERR_INTERNAL, added, began = 0;

	*status = NULL;
	memset(sh, 0, sizeof(*sh));
	/* the account, or the source (an external server's URL, cut to fit) */
	(void)snprintf(actor, sizeof(actor), "%s", prov->added_by[0] != '\0' ? prov->added_by :
	    prov->node);
	if ((r = uuid4(sid)) != HL_OK)
		return r;
	if ((st = status_new(sid, now_us())) == NULL)
		return HL_ERR_NOMEM;
	if (nobj > 0 && ((sh->json = hl_calloc(nobj, sizeof(*sh->json))) == NULL ||
	    (sh->tlps = hl_calloc(nobj, sizeof(*sh->tlps))) == NULL)) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = hl_stixdb_begin(d)) != HL_OK)
		goto out;
	began = 1;
	json_array_foreach(objects, i, o) {
		const char *id = json_string_value(json_object_get(o, "id"));
		const char *ver = json_string_value(json_object_get(o, "modified"));

		if (ver == NULL)
			ver = json_string_value(json_object_get(o, "created"));
		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK) {
			status_add(st, 0, id, ver, err);
			continue;
		}
		r = admit(cfg, c, d, o, prov, &a, msg, sizeof(msg), detail, sizeof(detail));
		if (r == HL_ERR_DENIED) {
			status_add(st, 0, id, ver, msg);
			if (detail[0] != '\0' && (r = hl_store_audit(s, "stix-release-refused", NULL,
			    actor, detail, hl_now_ms())) != HL_OK)
				goto out;
			continue;
		}
		if (r != HL_OK)
			goto out;
		r = hl_stixdb_put(d, c->name, o, a.lab, a.lablen, prov, &da, &added);
		if (r == HL_ERR_NOMEM || r == HL_ERR_FULL || r == HL_ERR_STORE || r == HL_ERR_CORRUPT)
			goto out;
		if (r != HL_OK) {
			(void)snprintf(msg, sizeof(msg), "not stored: %s", hl_strerror(r));
			status_add(st, 0, id, ver, msg);
			continue;
		}
		status_add(st, 1, id, ver, added ? NULL : "already stored (same version)");
		if (added && prov->source != HL_STIX_PARTNER) {
			if ((sh->json[sh->n] = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT)) ==
			    NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			sh->tlps[sh->n++] = a.l.tlp;
		}
	}
	{
		char *sj = json_dumps(st, JSON_COMPACT);

		if (sj == NULL) {
			r = HL_ERR_NOMEM;
			goto out;
		}
		r = hl_stixdb_status_put(d, sid, c->name, prov->added_by, sj);
		json_free_str(sj);
		if (r != HL_OK)
			goto out;
	}
	(void)snprintf(msg, sizeof(msg), "collection=%s objects=%zu stored=%lld refused=%lld",
	    c->name, nobj, (long long)json_integer_value(json_object_get(st, "success_count")),
	    (long long)json_integer_value(json_object_get(st, "failure_count")));
	if ((r = hl_store_audit(s, "stix-added", NULL, actor, msg, hl_now_ms())) != HL_OK)
		goto out;
	began = 0;
	if ((r = hl_stixdb_commit(d)) != HL_OK)
		goto out;
	*status = st;
	st = NULL;
	r = HL_OK;
out:
	if (began)
		hl_stixdb_rollback(d);
	if (r != HL_OK)
		to_share_free(sh, nobj);
	json_decref(st);
	return r;
}

int
hl_taxii_add(struct hl_node *n, struct hl_stixdb *d, const char *coll,
    const json_t *objects, const struct hl_stix_prov *prov, json_t **status)
{
	const struct hl_collection_conf *c;
	struct to_share sh;
	int r;

	*status = NULL;
	if (n == NULL || d == NULL || coll == NULL || !json_is_array(objects) || prov == NULL)
		return HL_ERR_INVALID;
	if ((c = hl_config_collection(hl_node_config(n), coll)) == NULL)
		return HL_ERR_NOT_FOUND;
	if ((r = add_objects(hl_node_config(n), hl_node_store(n), d, c, objects, prov, status,
	    &sh)) != HL_OK)
		return r;
	/* committed: now the envelopes to the members (each its own transaction) */
	if (sh.n > 0 && share_rows(n, c, sh.json, sh.tlps, sh.n, prov->added_by[0] != '\0' ?
	    prov->added_by : "taxii") != HL_OK)
		log_warnx("taxii: collection %s: sharing incomplete (see above)", coll);
	to_share_free(&sh, json_array_size(objects));
	return HL_OK;
}

/* ---- ingest from partners ---- */

static int
coll_name_ok(const char *s)
{
	size_t i, n;

	if (s == NULL || (n = strlen(s)) == 0 || n > HL_STIX_COLLECTION_MAX)
		return 0;
	for (i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9') || s[i] == '.' || s[i] == '_' || s[i] == '-'))
			return 0;
	return 1;
}

int
hl_taxii_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES])
{
	struct hl_stixdb *d = NULL;
	struct hl_stix_prov prov;
	struct hl_msg m;
	json_error_t je;
	json_t *b = NULL, *objs, *o;
	const char *coll = NULL;
	char err[HL_STIX_ERR_MAX], detail[HL_AUDIT_DETAIL_MAX], *slash;
	char msg[1200], rdet[HL_AUDIT_DETAIL_MAX];
	struct hl_stix_first f;
	struct hl_label want;
	size_t i, ok = 0, dup = 0, bad = 0, refused = 0;
	unsigned w;
	int r, added, began = 0, room;

	memset(&m, 0, sizeof(m));
	if (s == NULL)
		return HL_ERR_INVALID;
	if ((r = hl_store_get(s, id, 0, &m)) != HL_OK)
		return r;
	if (!m.inbound || m.content_type != HL_CT_STIX) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = hl_stixdb_open(s, &d)) != HL_OK)
		goto out;
	detail[0] = '\0';
	if ((b = json_loadb((const char *)m.content, m.content_len, JSON_REJECT_DUPLICATES,
	    &je)) == NULL || !json_is_object(b) ||
	    !json_is_string(json_object_get(b, "type")) ||
	    strcmp(json_string_value(json_object_get(b, "type")), "bundle") != 0 ||
	    !json_is_array(objs = json_object_get(b, "objects")) ||
	    !coll_name_ok(coll = json_string_value(json_object_get(b, "x_hotline_collection")))) {
		(void)snprintf(detail, sizeof(detail), "origin=%s: not a STIX bundle with "
		    "x_hotline_collection", m.origin);
	} else {
		if ((r = hl_stixdb_collection_room(d, coll, &room)) != HL_OK)
			goto out;
		if (!room)
			(void)snprintf(detail, sizeof(detail), "origin=%s collection=%s: objects are "
			    "in %d collections here already, no new one from a partner", m.origin,
			    coll, HL_STIXDB_INGEST_COLLECTIONS_MAX);
	}
	if (detail[0] != '\0') {
		/* audited and marked done once: not retried */
		if ((r = hl_stixdb_begin(d)) != HL_OK)
			goto out;
		began = 1;
		if ((r = hl_stixdb_ingested_mark(d, id)) != HL_OK ||
		    (r = hl_store_audit(s, "stix-invalid", id, m.origin, detail, hl_now_ms())) !=
		    HL_OK)
			goto out;
		began = 0;
		if ((r = hl_stixdb_commit(d)) == HL_OK)
			r = HL_ERR_MALFORMED;
		goto out;
	}
	if ((r = hl_label_decode(m.label, m.label_len, &want)) != HL_OK)
		goto out;
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_PARTNER;
	(void)snprintf(prov.node, sizeof(prov.node), "%s", m.origin);
	(void)snprintf(prov.partner, sizeof(prov.partner), "%.*s",
	    (slash = strchr(m.origin, '/')) != NULL ? (int)(slash - m.origin) : 0, m.origin);
	memcpy(prov.envelope, id, HL_ID_BYTES);
	prov.received_us = m.stored_ms * 1000;
	if ((r = hl_stixdb_begin(d)) != HL_OK)
		goto out;
	began = 1;
	json_array_foreach(objs, i, o) {
		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK) {
			bad++;
			if (bad == 1)
				log_warnx("stix envelope from %s: object %zu refused: %s", m.origin, i,
				    err);
			continue;
		}
		/* sticky releasability: the sender may not widen a release another
		 * partner (or this node) gave */
		r = public_object(o) ? HL_OK :
		    hl_stixdb_release_check(d, o, prov.partner, NULL, &want, &f, &w);
		if (r == HL_ERR_TOO_BIG) {
			log_warnx("stix envelope from %s: %s: refused: more than %d stored versions "
			    "and copies to check its release against", m.origin,
			    json_string_value(json_object_get(o, "id")), HL_STIXDB_RELEASE_ROWS_MAX);
			refused++;
			continue;
		}
		if (r == HL_ERR_DENIED) {
			sticky_why(NULL, coll, o, &f, &want, prov.partner, w, msg, sizeof(msg), rdet,
			    sizeof(rdet));
			log_warnx("stix envelope from %s: %s: %s", m.origin,
			    json_string_value(json_object_get(o, "id")), msg);
			if ((r = hl_store_audit(s, "stix-release-refused", id, m.origin, rdet,
			    hl_now_ms())) != HL_OK)
				goto out;
			refused++;
			continue;
		}
		if (r != HL_OK)
			goto out;
		if ((r = hl_stixdb_put(d, coll, o, m.label, m.label_len, &prov, NULL, &added)) !=
		    HL_OK)
			goto out;
		if (added)
			ok++;
		else
			dup++;
	}
	(void)snprintf(detail, sizeof(detail), "origin=%s collection=%s stored=%zu already=%zu "
	    "invalid=%zu refused=%zu", m.origin, coll, ok, dup, bad, refused);
	if ((r = hl_stixdb_ingested_mark(d, id)) != HL_OK ||
	    (r = hl_store_audit(s, "stix-received", id, m.origin, detail, hl_now_ms())) != HL_OK)
		goto out;
	began = 0;
	if ((r = hl_stixdb_commit(d)) != HL_OK)
		goto out;
	log_info("stix envelope from %s: %s", m.origin, detail);
	r = HL_OK;
out:
	if (began)
		hl_stixdb_rollback(d);
	hl_stixdb_close(d);
	json_decref(b);
	hl_msg_clear(&m);
	return r;
}

int
hl_taxii_catch_up(struct hl_store *s, size_t *done)
{
	struct hl_stixdb *d = NULL;
	uint8_t (*ids)[HL_ID_BYTES] = NULL;
	size_t n = 0, i, k = 0;
	int r;

	if (done != NULL)
		*done = 0;
	if ((r = hl_stixdb_open(s, &d)) != HL_OK)
		return r;
	r = hl_stixdb_ingest_pending(d, 10000, &ids, &n);
	hl_stixdb_close(d);
	if (r != HL_OK)
		return r;
	for (i = 0; i < n; i++) {
		r = hl_taxii_ingest(s, ids[i]);
		if (r != HL_OK && r != HL_ERR_MALFORMED)
			break;
		k++;
		r = HL_OK;
	}
	if (k > 0)
		log_info("taxii: %zu STIX envelope(s) ingested late (after a restart)", k);
	if (done != NULL)
		*done = k;
	hl_free(ids);
	return r;
}

/* ---- query parameters ---- */


/* Split a comma list into out[] (pointers into s, which is modified). */
static int
split_list(char *s, const char **out, unsigned *n)
{
	char *p = s, *e;

	for (;;) {
		e = strchr(p, ',');
		if (e != NULL)
			*e = '\0';
		if (*p == '\0' || *n >= HL_STIX_MATCH_VALUES)
			return HL_ERR_MALFORMED;
		out[(*n)++] = p;
		if (e == NULL)
			return HL_OK;
		p = e + 1;
	}
}

/* libevent decodes query values, not keys: "match%5Bid%5D" -> "match[id]". */
static void
decode_key(const char *k, char *out, size_t outlen)
{
	size_t i = 0, o = 0;

	while (k[i] != '\0' && o + 1 < outlen) {
		if (k[i] == '%' && (k[i + 1] == '5') && (k[i + 2] == 'B' || k[i + 2] == 'b')) {
			out[o++] = '[';
			i += 3;
		} else if (k[i] == '%' && (k[i + 1] == '5') && (k[i + 2] == 'D' || k[i + 2] == 'd')) {
			out[o++] = ']';
			i += 3;
		} else {
			out[o++] = k[i++];
		}
	}
	out[o] = '\0';
}

int
hl_taxii_parse_query(const char *qs, unsigned allowed, struct hl_taxii_query *t, char *err, size_t errlen)
{
	struct evkeyvalq kv;
	struct evkeyval *e;
	size_t used = 0, vl;
	unsigned seen = 0, bit, i;
	int r = HL_ERR_MALFORMED;

	memset(t, 0, sizeof(*t));
	t->limit = HL_TAXII_LIMIT_DEFAULT;
	t->q.vsel = HL_STIX_V_LAST;
	TAILQ_INIT(&kv);
	if (qs == NULL || qs[0] == '\0')
		return HL_OK;
	if (strlen(qs) > HL_TAXII_QUERY_MAX) {
		(void)snprintf(err, errlen, "query string longer than %d bytes", HL_TAXII_QUERY_MAX);
		return HL_ERR_TOO_BIG;
	}
	if (evhttp_parse_query_str(qs, &kv) != 0) {
		(void)snprintf(err, errlen, "malformed query string");
		goto out;
	}
	TAILQ_FOREACH(e, &kv, next) {
		const char *v = e->value;
		char *copy, k[64];

		decode_key(e->key, k, sizeof(k));
		vl = strlen(v);
		if (used + vl + 1 > sizeof(t->buf)) {
			(void)snprintf(err, errlen, "query string too long");
			goto out;
		}
		copy = t->buf + used;
		memcpy(copy, v, vl + 1);
		used += vl + 1;
		bit = strcmp(k, "added_after") == 0 ? 0x100 : strcmp(k, "limit") == 0 ? 0x200 :
		    strcmp(k, "next") == 0 ? 0x400 : strcmp(k, "match[id]") == 0 ? 2 :
		    strcmp(k, "match[type]") == 0 ? 4 : strcmp(k, "match[version]") == 0 ? 8 :
		    strcmp(k, "match[spec_version]") == 0 ? 16 : 0;
		if (bit == 0 || ((bit & 0x700) ? !(allowed & 1) : !(allowed & bit))) {
			(void)snprintf(err, errlen, "unsupported query parameter '%.64s' here", k);
			goto out;
		}
		if (seen & bit) {
			(void)snprintf(err, errlen, "parameter '%.64s' given twice (use a comma list)",
			    k);
			goto out;
		}
		seen |= bit;
		switch (bit) {
		case 0x100:
			{
				int64_t us;

				if (hl_stix_time(v, NULL, &us) != HL_OK || us < 0) {
					(void)snprintf(err, errlen, "added_after: expected an RFC 3339 "
					    "UTC timestamp");
					goto out;
				}
				t->has_added_after = 1;
				t->added_after = (uint64_t)us;
			}
			break;
		case 0x200:
			{
				char *end;
				unsigned long l;

				errno = 0;
				l = strtoul(v, &end, 10);
				if (v[0] < '0' || v[0] > '9' || *end != '\0' || errno != 0 || l == 0) {
					(void)snprintf(err, errlen, "limit: expected a positive integer");
					goto out;
				}
				t->limit = l > HL_TAXII_LIMIT_MAX ? HL_TAXII_LIMIT_MAX : (size_t)l;
			}
			break;
		case 0x400:
			if (vl == 0 || vl > HL_TAXII_TOKEN_MAX) {
				(void)snprintf(err, errlen, "next: not a token of this server");
				goto out;
			}
			memcpy(t->next, v, vl + 1);
			break;
		case 2:
			if (split_list(copy, t->q.ids, &t->q.nids) != HL_OK) {
				(void)snprintf(err, errlen, "match[id]: 1..%d comma-separated ids",
				    HL_STIX_MATCH_VALUES);
				goto out;
			}
			for (i = 0; i < t->q.nids; i++)
				if (!hl_stix_id_valid(t->q.ids[i], NULL)) {
					(void)snprintf(err, errlen, "match[id]: '%.80s' is not a STIX id",
					    t->q.ids[i]);
					goto out;
				}
			break;
		case 4:
			if (split_list(copy, t->q.types, &t->q.ntypes) != HL_OK) {
				(void)snprintf(err, errlen, "match[type]: 1..%d comma-separated types",
				    HL_STIX_MATCH_VALUES);
				goto out;
			}
			break;
		case 8:
			{
				const char *vals[HL_STIX_MATCH_VALUES];
				unsigned nv = 0, all = 0, first = 0, last = 0;

				if (split_list(copy, vals, &nv) != HL_OK) {
					(void)snprintf(err, errlen, "match[version]: a comma list of "
					    "first, last, all or timestamps");
					goto out;
				}
				for (i = 0; i < nv; i++) {
					if (strcmp(vals[i], "all") == 0)
						all = 1;
					else if (strcmp(vals[i], "first") == 0)
						first = 1;
					else if (strcmp(vals[i], "last") == 0)
						last = 1;
					else if (hl_stix_time(vals[i], t->q.vkeys[t->q.nvkeys++],
					    NULL) != HL_OK) {
						(void)snprintf(err, errlen, "match[version]: '%.40s' is "
						    "not first, last, all or a timestamp", vals[i]);
						goto out;
					}
				}
				if (all || (first && last) || ((first || last) && t->q.nvkeys > 0)) {
					/* a union we cannot express in one index: give all */
					t->q.vsel = HL_STIX_V_ALL;
					t->q.nvkeys = 0;
				} else if (first) {
					t->q.vsel = HL_STIX_V_FIRST;
				} else if (last) {
					t->q.vsel = HL_STIX_V_LAST;
				} else {
					t->q.vsel = HL_STIX_V_LIST;
				}
			}
			break;
		case 16:
			if (split_list(copy, t->q.spec, &t->q.nspec) != HL_OK) {
				(void)snprintf(err, errlen, "match[spec_version]: a comma list");
				goto out;
			}
			break;
		}
	}
	r = HL_OK;
out:
	evhttp_clear_headers(&kv);
	/* reasons quote the request: keep them one printable line */
	for (vl = 0; r != HL_OK && err != NULL && vl < errlen && err[vl] != '\0'; vl++)
		if ((unsigned char)err[vl] < 0x20 || err[vl] == 0x7f)
			err[vl] = '?';
	return r;
}

/* The filter hash a token is bound to: collection, object and match[...]. */
static void
filter_hash(const struct hl_taxii_query *t, const char *coll, const char *oid, int manifest,
    uint8_t out[32])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();
	unsigned i, hl = 0;
	char num[32];

	memset(out, 0, 32);
	if (c == NULL)
		return;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto out;
#define FH(s) (void)EVP_DigestUpdate(c, (s), strlen(s) + 1)
	FH(coll);
	FH(oid != NULL ? oid : "");
	FH(manifest ? "m" : "o");
	for (i = 0; i < t->q.nids; i++)
		FH(t->q.ids[i]);
	FH("|");
	for (i = 0; i < t->q.ntypes; i++)
		FH(t->q.types[i]);
	FH("|");
	for (i = 0; i < t->q.nspec; i++)
		FH(t->q.spec[i]);
	FH("|");
	(void)snprintf(num, sizeof(num), "%d", t->q.vsel);
	FH(num);
	for (i = 0; i < t->q.nvkeys; i++)
		FH(t->q.vkeys[i]);
#undef FH
	(void)EVP_DigestFinal_ex(c, out, &hl);
out:
	EVP_MD_CTX_free(c);
}

static int
token_mac(const uint8_t key[32], const char *body, uint8_t mac[32])
{
	unsigned int ml = 0;

	if (HMAC(EVP_sha256(), key, 32, (const unsigned char *)body, strlen(body), mac, &ml) ==
	    NULL || ml != 32)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

static int
token_make(const struct hl_taxii *t, const uint8_t fh[32], uint64_t after,
    char out[HL_TAXII_TOKEN_MAX + 1])
{
	char body[96], fhx[33], mx[65];
	uint8_t mac[32];
	int r;

	hl_hex_encode(fh, 16, fhx);
	(void)snprintf(body, sizeof(body), "1.%" PRIu64 ".%s", after, fhx);
	if ((r = token_mac(t->key, body, mac)) != HL_OK)
		return r;
	hl_hex_encode(mac, sizeof(mac), mx);
	(void)snprintf(out, HL_TAXII_TOKEN_MAX + 1, "%s.%s", body, mx);
	OPENSSL_cleanse(mac, sizeof(mac));
	return HL_OK;
}

int
hl_taxii_token_check(const uint8_t key[static 32], const char *tok, const uint8_t fh[static 32],
    uint64_t *after)
{
	char body[96], fhx[33], mx[65];
	const char *dot;
	uint8_t mac[32];
	size_t bl;
	char *end;
	unsigned long long v;
	int r = HL_ERR_MALFORMED;

	*after = 0;
	if ((dot = strrchr(tok, '.')) == NULL || (bl = (size_t)(dot - tok)) >= sizeof(body) ||
	    strlen(dot + 1) != 64)
		return HL_ERR_MALFORMED;
	memcpy(body, tok, bl);
	body[bl] = '\0';
	if (token_mac(key, body, mac) != HL_OK)
		return HL_ERR_CRYPTO;
	hl_hex_encode(mac, sizeof(mac), mx);
	if (CRYPTO_memcmp(mx, dot + 1, 64) != 0)
		goto out;
	/* "1.<after>.<fh>" */
	if (strncmp(body, "1.", 2) != 0)
		goto out;
	errno = 0;
	v = strtoull(body + 2, &end, 10);
	if (errno != 0 || end == body + 2 || *end != '.' || strlen(end + 1) != 32)
		goto out;
	hl_hex_encode(fh, 16, fhx);
	if (strcmp(end + 1, fhx) != 0) {
		r = HL_ERR_INVALID;   /* another query's token */
		goto out;
	}
	*after = (uint64_t)v;
	r = HL_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

/* ---- request context ---- */

struct treq {
	struct hl_taxii *t;
	struct hl_api *a;
	struct evhttp_request *req;
	const struct hl_config *cfg;
	const struct hl_operator_conf *op;
};

static void
deny(struct treq *x, const char *what, const char *coll)
{
	char d[HL_AUDIT_DETAIL_MAX];

	(void)snprintf(d, sizeof(d), "taxii: %s %s", what, coll);
	hl_api_audit(x->a, "taxii-denied", NULL, x->op->name, d);
	taxii_error(x->req, 403, "forbidden", "account %s may not %s collection %s",
	    x->op->name, what, coll);
}

static const struct hl_collection_conf *
find_collection(const struct hl_config *cfg, const char *cid)
{
	char u[37];
	unsigned i;

	for (i = 0; i < cfg->ncollections; i++) {
		hl_taxii_collection_id(cfg->collections[i].name, u);
		if (strcmp(u, cid) == 0 || strcmp(cfg->collections[i].name, cid) == 0)
			return &cfg->collections[i];
	}
	return NULL;
}

static json_t *
collection_json(const struct treq *x, const struct hl_collection_conf *c)
{
	char u[37];

	hl_taxii_collection_id(c->name, u);
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
		hl_api_reply_body(x->req, 200, HL_TAXII_MEDIA, js, strlen(js));
	hl_free(js);
}

static void
set_added_headers(struct evhttp_request *req, const struct hl_stix_row *rows, size_t n)
{
	struct evkeyvalq *h = evhttp_request_get_output_headers(req);
	char t[32];

	if (n == 0)
		return;
	format_us(rows[0].date_added_us, t);
	evhttp_add_header(h, "X-TAXII-Date-Added-First", t);
	format_us(rows[n - 1].date_added_us, t);
	evhttp_add_header(h, "X-TAXII-Date-Added-Last", t);
}

static const char *
row_version(const struct hl_stix_row *r, char buf[32])
{
	if (r->version[0] != '\0')
		return r->version;
	format_us(r->date_added_us, buf);
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
	filter_hash(tq, c->name, oid, kind, fh);
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
			hl_api_audit(x->a, "taxii-hidden", NULL, x->op->name, d);
		}
		hl_stixdb_rows_free(any, 1);
		taxii_error(x->req, 404, "not found", "no object %.80s in collection %s", oid,
		    c->name);
		goto out;
	}
	hl_buf_put(&b, "{\"more\":", 8);
	hl_buf_put(&b, more ? "true" : "false", more ? 4 : 5);
	if (more && n > 0) {
		if ((r = token_make(x->t, fh, rows[n - 1].date_added_us, tok)) != HL_OK) {
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

				format_us(rows[i].date_added_us, t);
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
				json_free_str(s);
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
	hl_api_reply_body(x->req, 200, HL_TAXII_MEDIA, body, blen);
out:
	hl_free(body);
	hl_buf_free(&b);
	hl_stixdb_rows_free(rows, n);
	hl_free(tq);
}

static void
h_post(struct treq *x, const struct hl_collection_conf *c)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(x->req);
	const char *ct = evhttp_find_header(evhttp_request_get_input_headers(x->req),
	    "Content-Type");
	size_t len = evbuffer_get_length(in);
	const uint8_t *body;
	json_t *env = NULL, *objs, *status = NULL;
	json_error_t je;
	struct hl_stix_prov prov;
	char d[HL_AUDIT_DETAIL_MAX];
	int r;

	if (ct == NULL || !media_ok(ct, strlen(ct), 1)) {
		taxii_error(x->req, 415, "unsupported media type",
		    "POST a TAXII envelope as application/taxii+json;version=2.1");
		return;
	}
	if (x->op->clearance < c->ceiling) {
		(void)snprintf(d, sizeof(d), "taxii: write %s: ceiling %s above clearance %s",
		    c->name, hl_policy_level_name(&x->cfg->policy, c->ceiling),
		    hl_policy_level_name(&x->cfg->policy, x->op->clearance));
		hl_api_audit(x->a, "taxii-denied", NULL, x->op->name, d);
		taxii_error(x->req, 403, "forbidden", "collection %s holds %s objects, above "
		    "your clearance", c->name, hl_policy_level_name(&x->cfg->policy, c->ceiling));
		return;
	}
	if (len > TAXII_POST_MAX_BYTES) {
		taxii_error(x->req, 413, "too large", "envelope larger than %u bytes",
		    TAXII_POST_MAX_BYTES);
		return;
	}
	if (len == 0 || (body = evbuffer_pullup(in, -1)) == NULL) {
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
	r = hl_taxii_add(hl_api_node(x->a), x->t->d, c->name, objs, &prov, &status);
	if (r == HL_ERR_FULL)
		taxii_error(x->req, 507, "storage full", "the node cannot store new objects");
	else if (r != HL_OK)
		taxii_error(x->req, 500, "internal error", "%s", hl_strerror(r));
	else
		taxii_reply(x->req, 202, status);
	status = NULL;
out:
	json_decref(status);
	json_decref(env);
}

/* Route /taxii2/... */
static void
taxii_route(struct treq *x, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(x->req);
	const struct hl_collection_conf *c;
	char seg[6][HL_STIX_ID_MAX + 2];
	const char *p = path + strlen("/taxii2/");
	size_t nseg = 0, n;
	int is_post = cmd == EVHTTP_REQ_POST;

	/* split the rest into segments; a trailing slash is optional */
	while (*p != '\0') {
		const char *e = strchr(p, '/');

		n = e != NULL ? (size_t)(e - p) : strlen(p);
		if (n == 0 || n >= sizeof(seg[0]) || nseg == 6) {
			taxii_error(x->req, 404, "not found", "no such resource");
			return;
		}
		memcpy(seg[nseg], p, n);
		seg[nseg++][n] = '\0';
		p += n;
		if (*p == '/')
			p++;
	}
	if (!is_post && cmd != EVHTTP_REQ_GET) {
		evhttp_add_header(evhttp_request_get_output_headers(x->req), "Allow", "GET, POST");
		taxii_error(x->req, 405, "method not allowed", "use GET (or POST on objects)");
		return;
	}
	if (is_post && !(nseg == 4 && strcmp(seg[0], TAXII_ROOT) == 0 &&
	    strcmp(seg[1], "collections") == 0 && strcmp(seg[3], "objects") == 0)) {
		evhttp_add_header(evhttp_request_get_output_headers(x->req), "Allow", "GET");
		taxii_error(x->req, 405, "method not allowed", "POST only on .../objects/");
		return;
	}
	if (!is_post && evbuffer_get_length(evhttp_request_get_input_buffer(x->req)) > 0) {
		taxii_error(x->req, 400, "bad request", "GET takes no body");
		return;
	}
	if (nseg == 0) {
		h_discovery(x);
		return;
	}
	if (strcmp(seg[0], TAXII_ROOT) != 0) {
		taxii_error(x->req, 404, "not found", "no API root %.64s (use /taxii2/" TAXII_ROOT
		    "/)", seg[0]);
		return;
	}
	if (nseg == 1) {
		h_api_root(x);
		return;
	}
	if (strcmp(seg[1], "status") == 0 && nseg == 3) {
		h_status(x, seg[2]);
		return;
	}
	if (strcmp(seg[1], "collections") != 0) {
		taxii_error(x->req, 404, "not found", "no such resource");
		return;
	}
	if (nseg == 2) {
		h_collections(x);
		return;
	}
	if ((c = find_collection(x->cfg, seg[2])) == NULL) {
		taxii_error(x->req, 404, "not found", "no collection %.64s", seg[2]);
		return;
	}
	if (nseg == 3) {
		json_t *j;

		if (!hl_config_list_has(c->read, x->op->name) &&
		    !hl_config_list_has(c->write, x->op->name)) {
			deny(x, "see", c->name);
			return;
		}
		j = collection_json(x, c);
		taxii_reply(x->req, 200, j);
		return;
	}
	if (is_post) {
		if (!hl_config_list_has(c->write, x->op->name)) {
			deny(x, "write to", c->name);
			return;
		}
		h_post(x, c);
		return;
	}
	if (!hl_config_list_has(c->read, x->op->name)) {
		deny(x, "read", c->name);
		return;
	}
	if (x->op->clearance < c->ceiling) {
		char d[HL_AUDIT_DETAIL_MAX];

		/* served, but rule 4 hides what is above the clearance */
		(void)snprintf(d, sizeof(d), "taxii: read %s: ceiling %s above clearance %s: "
		    "objects above it withheld", c->name,
		    hl_policy_level_name(&x->cfg->policy, c->ceiling),
		    hl_policy_level_name(&x->cfg->policy, x->op->clearance));
		hl_api_audit(x->a, "taxii-filtered", NULL, x->op->name, d);
	}
	if (strcmp(seg[3], "manifest") == 0 && nseg == 4)
		h_page(x, c, NULL, PAGE_MANIFEST);
	else if (strcmp(seg[3], "objects") == 0 && nseg == 4)
		h_page(x, c, NULL, PAGE_OBJECTS);
	else if (strcmp(seg[3], "objects") == 0 && nseg == 5)
		h_page(x, c, seg[4], PAGE_OBJECTS);
	else if (strcmp(seg[3], "objects") == 0 && nseg == 6 && strcmp(seg[5], "versions") == 0)
		h_page(x, c, seg[4], PAGE_VERSIONS);
	else
		taxii_error(x->req, 404, "not found", "no such resource");
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
	format_us(h->row.prov.received_us, t);
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
		hl_api_reply_error(x->req, 400, "bad_request", "expected ?value=V[&limit=N]");
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
				hl_api_reply_error(x->req, 400, "bad_request", "limit: 1..%d",
				    HL_STIXDB_MATCH_MAX);
				goto out;
			}
			limit = l;
		} else {
			hl_api_reply_error(x->req, 400, "bad_request", "unknown or repeated "
			    "parameter '%.64s'", e->key);
			goto out;
		}
	}
	if (value == NULL) {
		hl_api_reply_error(x->req, 400, "bad_request", "missing value=");
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
		hl_api_reply_error(x->req, 400, "bad_request", r == HL_ERR_TOO_BIG ?
		    "value: longer than %d bytes" : "value: empty or with control characters",
		    HL_STIX_SEARCH_MAX);
		goto out;
	}
	if (r != HL_OK) {
		hl_api_reply_error(x->req, 500, "internal", "store: %s", hl_strerror(r));
		goto out;
	}
	if ((arr = json_array()) == NULL)
		goto oom;
	for (i = 0; i < n; i++)
		if ((it = search_hit_json(&hits[i])) == NULL || json_array_append_new(arr, it) != 0)
			goto oom;
	hl_api_reply_json(x->req, 200, json_pack("{s:s, s:s, s:o}", "value", value, "kind", kind,
	    "matches", arr));
	arr = NULL;
	goto out;
oom:
	hl_api_reply_error(x->req, 500, "internal", "out of memory");
out:
	json_decref(arr);
	hl_stixdb_hits_free(hits, n);
	evhttp_clear_headers(&kv);
}

/* POST /api/v1/stix/sightings {"of": ID, "count": N, "note": text} */
static void
h_sighting(struct treq *x)
{
	struct evbuffer *in = evhttp_request_get_input_buffer(x->req);
	size_t len = evbuffer_get_length(in);
	const uint8_t *body;
	json_t *req = NULL, *s = NULL, *v;
	struct hl_stix_row *orig = NULL;
	struct hl_stix_prov prov;
	struct hl_label l;
	const struct hl_collection_conf *c;
	const char *of, *note = NULL, *k;
	char err[256], sid[37], sidfull[64], ident[64], now[32], *js = NULL;
	const char *to[1];
	uint8_t tlp;
	json_int_t count = 1;
	uint64_t da;
	int r, added;

	if (len == 0 || len > 64 * 1024 || (body = evbuffer_pullup(in, -1)) == NULL) {
		hl_api_reply_error(x->req, 400, "bad_request", "expected a JSON body of at most "
		    "64 KiB");
		return;
	}
	if ((r = hl_apijson_load_object(body, len, 64 * 1024, &req, err, sizeof(err))) != HL_OK) {
		hl_api_reply_error(x->req, 400, "bad_request", "%s", err);
		return;
	}
	json_object_foreach(req, k, v) {
		if (strcmp(k, "of") != 0 && strcmp(k, "count") != 0 && strcmp(k, "note") != 0) {
			hl_api_reply_error(x->req, 400, "bad_request", "unknown field '%.64s'", k);
			goto out;
		}
	}
	of = json_string_value(json_object_get(req, "of"));
	if (of == NULL || !hl_stix_id_valid(of, NULL)) {
		hl_api_reply_error(x->req, 400, "bad_request", "of: a STIX id is required");
		goto out;
	}
	if ((v = json_object_get(req, "count")) != NULL) {
		if (!json_is_integer(v) || json_integer_value(v) < 0 ||
		    json_integer_value(v) > 999999999) {
			hl_api_reply_error(x->req, 400, "bad_request", "count: 0..999999999");
			goto out;
		}
		count = json_integer_value(v);
	}
	if ((v = json_object_get(req, "note")) != NULL) {
		if (!json_is_string(v) || json_string_length(v) > 4096) {
			hl_api_reply_error(x->req, 400, "bad_request", "note: text of at most 4096 "
			    "bytes");
			goto out;
		}
		note = json_string_value(v);
	}
	r = hl_stixdb_get_latest(x->t->d, NULL, of, &x->cfg->policy, x->op, &orig);
	if (r == HL_ERR_NOT_FOUND) {
		hl_api_reply_error(x->req, 404, "not_found", "no object %s", of);
		goto out;
	}
	if (r != HL_OK) {
		hl_api_reply_error(x->req, 500, "internal", "store: %s", hl_strerror(r));
		goto out;
	}
	c = hl_config_collection(x->cfg, orig->collection);
	if (c != NULL && !hl_config_list_has(c->read, x->op->name)) {
		deny(x, "read", orig->collection);
		goto out;
	}
	if (hl_label_decode(orig->label, orig->label_len, &l) != HL_OK) {
		hl_api_reply_error(x->req, 500, "internal", "stored label does not decode");
		goto out;
	}
	if ((r = uuid4(sid)) != HL_OK) {
		hl_api_reply_error(x->req, 500, "internal", "no randomness");
		goto out;
	}
	(void)snprintf(sidfull, sizeof(sidfull), "sighting--%s", sid);
	our_identity(x->cfg, ident);
	format_us(now_us() / 1000 * 1000, now);
	tlp = l.tlp;
	s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:I, s:[s]}", "type", "sighting",
	    "spec_version", "2.1", "id", sidfull, "created", now, "modified", now,
	    "created_by_ref", ident, "sighting_of_ref", of, "count", count,
	    "object_marking_refs", hl_stix_tlp_marking_id(tlp));
	if (s == NULL || (note != NULL && json_object_set_new(s, "description",
	    json_string(note)) != 0)) {
		hl_api_reply_error(x->req, 500, "internal", "out of memory");
		goto out;
	}
	if (hl_stix_validate(s, err, sizeof(err)) != HL_OK) {
		hl_api_reply_error(x->req, 500, "internal", "sighting: %s", err);
		goto out;
	}
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", x->cfg->partner);
	(void)snprintf(prov.node, sizeof(prov.node), "%s", x->cfg->node);
	(void)snprintf(prov.added_by, sizeof(prov.added_by), "%s", x->op->name);
	/* same label as what it sights: it may go back where that came from */
	if ((r = hl_stixdb_put(x->t->d, orig->collection, s, orig->label, orig->label_len, &prov,
	    &da, &added)) != HL_OK) {
		hl_api_reply_error(x->req, r == HL_ERR_FULL ? 507 : 500, "internal", "store: %s",
		    hl_strerror(r));
		goto out;
	}
	hl_api_audit(x->a, "stix-sighting", NULL, x->op->name, sidfull);
	if (orig->prov.source == HL_STIX_PARTNER && orig->prov.node[0] != '\0') {
		struct hl_buf objs;

		if ((js = json_dumps(s, JSON_PRESERVE_ORDER | JSON_COMPACT)) == NULL) {
			hl_api_reply_error(x->req, 500, "internal", "out of memory");
			goto out;
		}
		hl_buf_init(&objs, HL_CONTENT_MAX_BYTES);
		hl_buf_put(&objs, js, strlen(js));
		to[0] = orig->prov.node;
		r = share_bundle(hl_api_node(x->a), orig->collection, &l, to, 1, x->op->name, &objs,
		    1);
		hl_buf_free(&objs);
		if (r != HL_OK) {
			hl_api_reply_error(x->req, r == HL_ERR_DENIED ? 403 : 503, "not_shared",
			    "sighting %s stored but not sent to %s: %s", sidfull, orig->prov.node,
			    hl_strerror(r));
			goto out;
		}
		hl_api_reply_json(x->req, 201, json_pack("{s:s, s:s}", "id", sidfull, "to",
		    orig->prov.partner));
	} else {
		hl_api_reply_json(x->req, 201, json_pack("{s:s, s:n}", "id", sidfull, "to"));
	}
out:
	json_free_str(js);
	hl_stixdb_rows_free(orig, 1);
	json_decref(s);
	json_decref(req);
}

static void
stix_route(struct treq *x, const char *path)
{
	enum evhttp_cmd_type cmd = evhttp_request_get_command(x->req);
	const char *qs = evhttp_uri_get_query(evhttp_request_get_evhttp_uri(x->req));
	const char *ct;

	if (strcmp(path, "/api/v1/stix/search") == 0) {
		if (cmd != EVHTTP_REQ_GET) {
			evhttp_add_header(evhttp_request_get_output_headers(x->req), "Allow", "GET");
			hl_api_reply_error(x->req, 405, "method_not_allowed", "use GET here");
			return;
		}
		h_search(x, qs);
		return;
	}
	if (strcmp(path, "/api/v1/stix/sightings") == 0) {
		if (cmd != EVHTTP_REQ_POST) {
			evhttp_add_header(evhttp_request_get_output_headers(x->req), "Allow", "POST");
			hl_api_reply_error(x->req, 405, "method_not_allowed", "use POST here");
			return;
		}
		ct = evhttp_find_header(evhttp_request_get_input_headers(x->req), "Content-Type");
		if (!hl_api_is_json_type(ct)) {
			hl_api_reply_error(x->req, 415, "unsupported_media_type",
			    "the body must be application/json");
			return;
		}
		if (qs != NULL && qs[0] != '\0') {
			hl_api_reply_error(x->req, 400, "bad_request", "no query parameters here");
			return;
		}
		h_sighting(x);
		return;
	}
	hl_api_reply_error(x->req, 404, "not_found", "no such endpoint");
}

void
hl_taxii_request(struct hl_api *a, struct hl_taxii **state, struct evhttp_request *req)
{
	const struct evhttp_uri *uri = evhttp_request_get_evhttp_uri(req);
	const char *path = uri != NULL ? evhttp_uri_get_path(uri) : NULL;
	struct treq x;
	int taxii;

	memset(&x, 0, sizeof(x));
	x.a = a;
	x.req = req;
	x.cfg = hl_api_config(a);
	if (path == NULL) {
		hl_api_reply_error(req, 404, "not_found", "no such endpoint");
		return;
	}
	taxii = strncmp(path, "/taxii2/", 8) == 0;
	/* media type first (406 needs no account), then the account */
	if (taxii && !accept_ok(req)) {
		taxii_error(req, 406, "not acceptable", "this server answers "
		    "application/taxii+json;version=2.1 only");
		return;
	}
	if ((x.op = hl_api_authenticate(a, req)) == NULL)
		return;
	if (state_get(a, state, &x.t) != HL_OK) {
		if (taxii)
			taxii_error(req, 500, "internal error", "cannot open the STIX store");
		else
			hl_api_reply_error(req, 500, "internal", "cannot open the STIX store");
		return;
	}
	if (taxii)
		taxii_route(&x, path);
	else
		stix_route(&x, path);
}
