/* stixshare.c: the local STIX collections (see stixshare.h): labels of
 * local objects, sharing with the members, sticky releasability, adding
 * objects, and the ingest of partners' STIX envelopes. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "label.h"
#include "log.h"
#include "node.h"
#include "stix.h"
#include "stixdb.h"
#include "stixid.h"
#include "stixshare.h"
#include "store.h"

/* ---- small helpers ---- */

void
hl_stixshare_time(uint64_t us, char out[32])
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

void
hl_stixshare_free_str(char *s)
{
	json_malloc_t jm;
	json_free_t jf;

	if (s == NULL)
		return;
	json_get_alloc_funcs(&jm, &jf);
	jf(s);
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

/* What a bundle's completion logs. */
struct bundle_sent {
	char coll[HL_COLLECTION_NAME_MAX + 1];
	size_t nobj;
};

/* The completion of a bundle's send: sealed on a crypto worker and stored
 * (it goes out once on disk), or why not. On the loop. */
static void
bundle_sent(void *arg, int r, const uint8_t *id, const char *why)
{
	struct bundle_sent *bs = arg;

	(void)id;
	if (r != HL_OK)
		log_warnx("taxii: collection %s: %zu object(s) not shared: %s", bs->coll, bs->nobj,
		    why != NULL && why[0] != '\0' ? why : hl_strerror(r));
	else
		log_info("taxii: collection %s: %zu object(s) shared in one envelope", bs->coll,
		    bs->nobj);
	hl_free(bs);
}

/* One envelope: a bundle of objects (their stored JSON) for collection
 * coll, labelled l, to the member partners that have a peer. Sent
 * asynchronously (hl_node_send_async): the loop does not seal it or wait
 * for its fsync; what is refused before sealing (rule 1, no key, a full
 * node) is returned here, a later failure is logged by bundle_sent. The
 * objects are committed already, so a bundle lost to a crash before its
 * own commit is not sent again (the collection still serves them). */
int
hl_stixshare_bundle(struct hl_node *n, const char *coll, const struct hl_label *l,
    const char *const *to, unsigned nto, const char *originator, struct hl_buf *objs,
    size_t nobj)
{
	struct hl_send_req sr;
	struct bundle_sent *bs;
	struct hl_buf b;
	uint8_t *content = NULL, *op;
	size_t clen = 0, olen = 0;
	char bid[37], head[256], why[512];
	int r;

	if (nobj == 0 || nto == 0)
		return HL_OK;
	if ((r = hl_stixid_random(bid)) != HL_OK)
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
	if ((bs = hl_calloc(1, sizeof(*bs))) == NULL) {
		hl_free(content);
		return HL_ERR_NOMEM;
	}
	(void)snprintf(bs->coll, sizeof(bs->coll), "%s", coll);
	bs->nobj = nobj;
	r = hl_node_send_async(n, &sr, bundle_sent, bs, why, sizeof(why));
	if (r != HL_OK) {
		log_warnx("taxii: collection %s: %zu object(s) not shared: %s", coll, nobj,
		    why[0] != '\0' ? why : hl_strerror(r));
		hl_free(bs);
	}
	hl_free(content);
	return r;
}

/* The collection's members that are peers of this node (not removed):
 * to[] points into c. Returns how many. */
static unsigned
member_recipients(const struct hl_config *cfg, const struct hl_collection_conf *c,
    const char *to[HL_RELEASABLE_MAX])
{
	unsigned k, m, nto = 0;

	for (k = 0; k < c->nmembers; k++)
		for (m = 0; m < cfg->npeers; m++)
			if (!cfg->peers[m].removed &&
			    strcmp(cfg->peers[m].partner, c->members[k]) == 0) {
				to[nto++] = c->members[k];
				break;
			}
	return nto;
}

/* Share the rows (stored JSON) to the collection's members, one envelope
 * per TLP level and per HL_STIXSHARE_BATCH_* objects. */
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
	unsigned nto = 0;
	int tlp, r = HL_OK, r2;

	nto = member_recipients(cfg, c, to);
	if (nto == 0 || nrows == 0)
		return HL_OK;
	hl_node_send_burst(n, 1);   /* the bundles are sealed in batches */
	for (tlp = HL_TLP_CLEAR; tlp <= HL_TLP_RED; tlp++) {
		if ((r2 = local_label(cfg, c, (uint8_t)tlp, &l, lab, &lablen)) != HL_OK) {
			r = r2;
			break;
		}
		hl_buf_init(&objs, HL_CONTENT_MAX_BYTES);
		inbatch = bytes = 0;
		for (i = 0; i < nrows; i++) {
			size_t jl;

			if (tlps[i] != tlp || json[i] == NULL)
				continue;
			jl = strlen(json[i]);
			if (inbatch > 0 && (inbatch >= HL_STIXSHARE_BATCH_OBJECTS ||
			    bytes + jl + 1 > HL_STIXSHARE_BATCH_BYTES)) {
				if ((r2 = hl_stixshare_bundle(n, c->name, &l, to, nto, originator, &objs,
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
		if (inbatch > 0 && (r2 = hl_stixshare_bundle(n, c->name, &l, to, nto, originator, &objs,
		    inbatch)) != HL_OK)
			r = r2;
		hl_buf_free(&objs);
	}
	hl_node_send_burst(n, 0);
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
			if (cfg->peers[m].removed || strcmp(cfg->peers[m].partner, c->members[k]) != 0)
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

	hl_stixshare_time(ts, t);
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

/* The new objects of one hl_stixshare_add, to share once committed. */
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
			hl_stixshare_free_str(sh->json[i]);
	hl_free(sh->json);
	hl_free(sh->tlps);
	memset(sh, 0, sizeof(*sh));
}

/* One adding of objects to a collection, done whole (hl_stixshare_add) or
 * a slice at a time (hl_stixshare_add_async): each slice validates, admits
 * and stores its objects in one transaction, with the audit of each
 * refusal by the sticky rule and of the slice; the last one also keeps
 * the status resource. What is new goes into sh, to share once stored. */
struct add_run {
	const struct hl_config *cfg;
	struct hl_store *s;
	struct hl_stixdb *d;
	const struct hl_collection_conf *c;
	const json_t *objects;
	struct hl_stix_prov prov;
	json_t *st;                        /* the status resource */
	char sid[37];
	char actor[HL_NODE_NAME_MAX + 1];  /* the account, or the source */
	struct to_share sh;
	size_t nobj, next;                 /* objects, the first not done */
	unsigned part, nparts;             /* slices done, in all */
};

static void
add_run_clear(struct add_run *a)
{
	to_share_free(&a->sh, a->nobj);
	json_decref(a->st);
	a->st = NULL;
}

/* slice: objects per slice (0: all in one). */
static int
add_run_start(struct add_run *a, const struct hl_config *cfg, struct hl_store *s,
    struct hl_stixdb *d, const struct hl_collection_conf *c, const json_t *objects,
    const struct hl_stix_prov *prov, size_t slice)
{
	int r;

	memset(a, 0, sizeof(*a));
	a->cfg = cfg;
	a->s = s;
	a->d = d;
	a->c = c;
	a->objects = objects;
	a->prov = *prov;
	a->nobj = json_array_size(objects);
	a->nparts = slice == 0 || a->nobj <= slice ? 1 : (unsigned)((a->nobj + slice - 1) / slice);
	(void)snprintf(a->actor, sizeof(a->actor), "%s", prov->added_by[0] != '\0' ?
	    prov->added_by : prov->node);
	if ((r = hl_stixid_random(a->sid)) != HL_OK)
		return r;
	if ((a->st = status_new(a->sid, hl_now_us())) == NULL)
		return HL_ERR_NOMEM;
	if (a->nobj > 0 && ((a->sh.json = hl_calloc(a->nobj, sizeof(*a->sh.json))) == NULL ||
	    (a->sh.tlps = hl_calloc(a->nobj, sizeof(*a->sh.tlps))) == NULL)) {
		add_run_clear(a);
		return HL_ERR_NOMEM;
	}
	return HL_OK;
}

/* The next slice (up to max objects; the rest when the last), in one
 * transaction: committed durably (durable) or written for the syncer
 * (hl_store_commit_nowait). OUT: *done once the last slice is stored. */
static int
add_run_slice(struct add_run *a, size_t max, int durable, int *done)
{
	struct admitted ad;
	const struct hl_collection_conf *c = a->c;
	const struct hl_stix_prov *prov = &a->prov;
	json_t *o;
	char err[HL_STIX_ERR_MAX], msg[HL_STIX_ERR_MAX + 1200];
	char detail[HL_AUDIT_DETAIL_MAX];
	size_t i, end, stored = 0, refused = 0;
	uint64_t da;
	size_t sh0 = a->sh.n;
	int r = HL_ERR_INTERNAL, added, began = 0, last;

	*done = 0;
	end = a->part + 1 >= a->nparts || max == 0 || a->nobj - a->next <= max ? a->nobj :
	    a->next + max;
	last = end == a->nobj;
	if ((r = hl_stixdb_begin(a->d)) != HL_OK)
		return r;
	began = 1;
	for (i = a->next; i < end; i++) {
		const char *id, *ver;

		o = json_array_get(a->objects, i);
		id = json_string_value(json_object_get(o, "id"));
		ver = json_string_value(json_object_get(o, "modified"));
		if (ver == NULL)
			ver = json_string_value(json_object_get(o, "created"));
		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK) {
			status_add(a->st, 0, id, ver, err);
			refused++;
			continue;
		}
		r = admit(a->cfg, c, a->d, o, prov, &ad, msg, sizeof(msg), detail, sizeof(detail));
		if (r == HL_ERR_DENIED) {
			status_add(a->st, 0, id, ver, msg);
			refused++;
			if (detail[0] != '\0' && (r = hl_store_audit(a->s, "stix-release-refused",
			    NULL, a->actor, detail, hl_now_ms())) != HL_OK)
				goto out;
			continue;
		}
		if (r != HL_OK)
			goto out;
		/* no savepoint per object: a failure after its first write rolls
		 * the slice back, and the next call (or the commit) says so */
		r = hl_stixdb_put_bulk(a->d, c->name, o, NULL, 0, ad.lab, ad.lablen, prov, &da,
		    &added);
		if (r == HL_ERR_NOMEM || r == HL_ERR_FULL || r == HL_ERR_STORE || r == HL_ERR_CORRUPT)
			goto out;
		if (r != HL_OK) {
			(void)snprintf(msg, sizeof(msg), "not stored: %s", hl_strerror(r));
			status_add(a->st, 0, id, ver, msg);
			refused++;
			continue;
		}
		status_add(a->st, 1, id, ver, added ? NULL : "already stored (same version)");
		stored++;
		if (added && prov->source != HL_STIX_PARTNER) {
			if ((a->sh.json[a->sh.n] = json_dumps(o, JSON_PRESERVE_ORDER |
			    JSON_COMPACT)) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a->sh.tlps[a->sh.n++] = ad.l.tlp;
		}
	}
	if (last) {
		char *sj = json_dumps(a->st, JSON_COMPACT);

		if (sj == NULL) {
			r = HL_ERR_NOMEM;
			goto out;
		}
		r = hl_stixdb_status_put(a->d, a->sid, c->name, prov->added_by, sj);
		hl_stixshare_free_str(sj);
		if (r != HL_OK)
			goto out;
	}
	/* one line per slice: the whole when it is one, else the slice's
	 * share with the status it belongs to */
	if (a->nparts == 1)
		(void)snprintf(msg, sizeof(msg), "collection=%s objects=%zu stored=%lld "
		    "refused=%lld", c->name, a->nobj,
		    (long long)json_integer_value(json_object_get(a->st, "success_count")),
		    (long long)json_integer_value(json_object_get(a->st, "failure_count")));
	else
		(void)snprintf(msg, sizeof(msg), "collection=%s objects=%zu stored=%zu refused=%zu "
		    "status=%s part=%u/%u", c->name, end - a->next, stored, refused, a->sid,
		    a->part + 1, a->nparts);
	if ((r = hl_store_audit(a->s, "stix-added", NULL, a->actor, msg, hl_now_ms())) != HL_OK)
		goto out;
	began = 0;
	if ((r = durable ? hl_stixdb_commit(a->d) : hl_stixdb_commit_nowait(a->d)) != HL_OK)
		goto out;
	a->next = end;
	a->part++;
	*done = last;
	r = HL_OK;
out:
	if (began)
		hl_stixdb_rollback(a->d);
	/* what this slice would have shared is not stored: forget it (the
	 * earlier slices' is, and is still shared) */
	if (r != HL_OK)
		while (a->sh.n > sh0) {
			hl_stixshare_free_str(a->sh.json[--a->sh.n]);
			a->sh.json[a->sh.n] = NULL;
		}
	return r;
}

/* The stored part of hl_stixshare_add, whole: every object validated,
 * admitted and stored, the status resource kept, every refusal by the
 * sticky rule and the summary audited, all in one transaction. OUT:
 * *status, and in sh (arrays of json_array_size(objects)) what to share
 * with the members. */
static int
add_objects(const struct hl_config *cfg, struct hl_store *s, struct hl_stixdb *d,
    const struct hl_collection_conf *c, const json_t *objects, const struct hl_stix_prov *prov,
    json_t **status, struct to_share *sh)
{
	struct add_run a;
	int r, done;

	*status = NULL;
	memset(sh, 0, sizeof(*sh));
	if ((r = add_run_start(&a, cfg, s, d, c, objects, prov, 0)) != HL_OK)
		return r;
	if ((r = add_run_slice(&a, 0, 1, &done)) != HL_OK) {
		add_run_clear(&a);
		return r;
	}
	*status = a.st;
	*sh = a.sh;
	return HL_OK;
}

int
hl_stixshare_add(struct hl_node *n, struct hl_stixdb *d, const char *coll,
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
		if (!hl_name_char((unsigned char)s[i]))
			return 0;
	return 1;
}

/* One partner envelope's ingest, whole (hl_stixshare_ingest) or a slice
 * at a time (hl_stixshare_ingest_async): each slice stores its objects in
 * one transaction with its audit; the last one also marks the envelope
 * ingested, so that a stop in between ingests it again at the next start
 * (hl_stixshare_catch_up: what was stored counts as already there). */
struct ingest_run {
	struct hl_store *s;
	struct hl_stixdb *d;
	uint8_t id[HL_ID_BYTES];
	struct hl_msg m;
	json_t *b;                         /* the bundle */
	const json_t *objs;
	const char *coll;
	struct hl_stix_prov prov;
	struct hl_label want;
	size_t nobj, next, ok, dup, bad, refused;
	unsigned part, nparts;
};

static void
ingest_run_clear(struct ingest_run *g)
{
	hl_stixdb_close(g->d);
	g->d = NULL;
	json_decref(g->b);
	g->b = NULL;
	hl_msg_clear(&g->m);
}

/* Load and parse the envelope. HL_ERR_MALFORMED: not a bundle we take
 * (audited, marked done, committed durably or not by durable). */
static int
ingest_run_start(struct ingest_run *g, struct hl_store *s, const uint8_t id[HL_ID_BYTES],
    size_t slice, int durable)
{
	json_error_t je;
	char detail[HL_AUDIT_DETAIL_MAX], *slash;
	int r, room, began = 0;

	memset(g, 0, sizeof(*g));
	g->s = s;
	memcpy(g->id, id, HL_ID_BYTES);
	if (s == NULL)
		return HL_ERR_INVALID;
	if ((r = hl_store_get(s, id, 0, &g->m)) != HL_OK)
		return r;
	if (!g->m.inbound || g->m.content_type != HL_CT_STIX) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = hl_stixdb_open(s, &g->d)) != HL_OK)
		goto out;
	detail[0] = '\0';
	if ((g->b = json_loadb((const char *)g->m.content, g->m.content_len,
	    JSON_REJECT_DUPLICATES, &je)) == NULL || !json_is_object(g->b) ||
	    !json_is_string(json_object_get(g->b, "type")) ||
	    strcmp(json_string_value(json_object_get(g->b, "type")), "bundle") != 0 ||
	    !json_is_array(g->objs = json_object_get(g->b, "objects")) ||
	    !coll_name_ok(g->coll = json_string_value(json_object_get(g->b,
	    "x_hotline_collection")))) {
		(void)snprintf(detail, sizeof(detail), "origin=%s: not a STIX bundle with "
		    "x_hotline_collection", g->m.origin);
	} else {
		if ((r = hl_stixdb_collection_room(g->d, g->coll, &room)) != HL_OK)
			goto out;
		if (!room)
			(void)snprintf(detail, sizeof(detail), "origin=%s collection=%s: objects are "
			    "in %d collections here already, no new one from a partner", g->m.origin,
			    g->coll, HL_STIXDB_INGEST_COLLECTIONS_MAX);
	}
	if (detail[0] != '\0') {
		/* audited and marked done once: not retried */
		if ((r = hl_stixdb_begin(g->d)) != HL_OK)
			goto out;
		began = 1;
		if ((r = hl_stixdb_ingested_mark(g->d, id)) != HL_OK ||
		    (r = hl_store_audit(s, "stix-invalid", id, g->m.origin, detail, hl_now_ms())) !=
		    HL_OK)
			goto out;
		began = 0;
		if ((r = durable ? hl_stixdb_commit(g->d) : hl_stixdb_commit_nowait(g->d)) == HL_OK)
			r = HL_ERR_MALFORMED;
		goto out;
	}
	if ((r = hl_label_decode(g->m.label, g->m.label_len, &g->want)) != HL_OK)
		goto out;
	g->prov.source = HL_STIX_PARTNER;
	(void)snprintf(g->prov.node, sizeof(g->prov.node), "%s", g->m.origin);
	(void)snprintf(g->prov.partner, sizeof(g->prov.partner), "%.*s",
	    (slash = strchr(g->m.origin, '/')) != NULL ? (int)(slash - g->m.origin) : 0,
	    g->m.origin);
	memcpy(g->prov.envelope, id, HL_ID_BYTES);
	g->prov.received_us = g->m.stored_ms * 1000;
	g->nobj = json_array_size(g->objs);
	g->nparts = slice == 0 || g->nobj <= slice ? 1 : (unsigned)((g->nobj + slice - 1) / slice);
	r = HL_OK;
out:
	if (began)
		hl_stixdb_rollback(g->d);
	if (r != HL_OK)
		ingest_run_clear(g);
	return r;
}

/* The next slice (up to max objects, 0: all), in one transaction, durable
 * or written for the syncer. OUT: *done after the last. */
static int
ingest_run_slice(struct ingest_run *g, size_t max, int durable, int *done)
{
	struct hl_stix_first f;
	json_t *o;
	char err[HL_STIX_ERR_MAX], detail[HL_AUDIT_DETAIL_MAX], msg[1200];
	char rdet[HL_AUDIT_DETAIL_MAX];
	const char *origin = g->m.origin;
	size_t i, end, ok = 0, dup = 0, bad = 0, refused = 0;
	unsigned w;
	int r, added, began = 0, last;

	*done = 0;
	end = g->part + 1 >= g->nparts || max == 0 || g->nobj - g->next <= max ? g->nobj :
	    g->next + max;
	last = end == g->nobj;
	if ((r = hl_stixdb_begin(g->d)) != HL_OK)
		return r;
	began = 1;
	for (i = g->next; i < end; i++) {
		o = json_array_get(g->objs, i);
		if (hl_stix_validate(o, err, sizeof(err)) != HL_OK) {
			bad++;
			if (g->bad + bad == 1)
				log_warnx("stix envelope from %s: object %zu refused: %s", origin, i,
				    err);
			continue;
		}
		/* sticky releasability: the sender may not widen a release another
		 * partner (or this node) gave */
		r = public_object(o) ? HL_OK :
		    hl_stixdb_release_check(g->d, o, g->prov.partner, NULL, &g->want, &f, &w);
		if (r == HL_ERR_TOO_BIG) {
			log_warnx("stix envelope from %s: %s: refused: more than %d stored versions "
			    "and copies to check its release against", origin,
			    json_string_value(json_object_get(o, "id")), HL_STIXDB_RELEASE_ROWS_MAX);
			refused++;
			continue;
		}
		if (r == HL_ERR_DENIED) {
			sticky_why(NULL, g->coll, o, &f, &g->want, g->prov.partner, w, msg,
			    sizeof(msg), rdet, sizeof(rdet));
			log_warnx("stix envelope from %s: %s: %s", origin,
			    json_string_value(json_object_get(o, "id")), msg);
			if ((r = hl_store_audit(g->s, "stix-release-refused", g->id, origin, rdet,
			    hl_now_ms())) != HL_OK)
				goto out;
			refused++;
			continue;
		}
		if (r != HL_OK)
			goto out;
		if ((r = hl_stixdb_put_bulk(g->d, g->coll, o, NULL, 0, g->m.label, g->m.label_len,
		    &g->prov, NULL, &added)) != HL_OK)
			goto out;
		if (added)
			ok++;
		else
			dup++;
	}
	if (g->nparts == 1)
		(void)snprintf(detail, sizeof(detail), "origin=%s collection=%s stored=%zu "
		    "already=%zu invalid=%zu refused=%zu", origin, g->coll, ok, dup, bad, refused);
	else
		(void)snprintf(detail, sizeof(detail), "origin=%s collection=%s stored=%zu "
		    "already=%zu invalid=%zu refused=%zu part=%u/%u", origin, g->coll, ok, dup, bad,
		    refused, g->part + 1, g->nparts);
	if ((last && (r = hl_stixdb_ingested_mark(g->d, g->id)) != HL_OK) ||
	    (r = hl_store_audit(g->s, "stix-received", g->id, origin, detail, hl_now_ms())) !=
	    HL_OK)
		goto out;
	began = 0;
	if ((r = durable ? hl_stixdb_commit(g->d) : hl_stixdb_commit_nowait(g->d)) != HL_OK)
		goto out;
	g->ok += ok;
	g->dup += dup;
	g->bad += bad;
	g->refused += refused;
	g->next = end;
	g->part++;
	if (last) {
		log_info("stix envelope from %s: origin=%s collection=%s stored=%zu already=%zu "
		    "invalid=%zu refused=%zu", origin, origin, g->coll, g->ok, g->dup, g->bad,
		    g->refused);
		*done = 1;
	}
	r = HL_OK;
out:
	if (began)
		hl_stixdb_rollback(g->d);
	return r;
}

int
hl_stixshare_ingest(struct hl_store *s, const uint8_t id[static HL_ID_BYTES])
{
	struct ingest_run g;
	int r, done;

	if ((r = ingest_run_start(&g, s, id, 0, 1)) != HL_OK)
		return r;
	r = ingest_run_slice(&g, 0, 1, &done);
	ingest_run_clear(&g);
	return r;
}

int
hl_stixshare_catch_up(struct hl_store *s, size_t *done)
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
		r = hl_stixshare_ingest(s, ids[i]);
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


/* ---- the STIX queue: work done a slice per pass of the event loop ---- */

enum { SQ_ADD, SQ_INGEST };

struct sq_job {
	struct sq_job *next;
	int kind;
	int started;
	struct hl_stixshare_q *q;
	/* SQ_ADD */
	struct add_run add;
	json_t *env;                       /* owns the objects */
	hl_stixshare_added_fn cb;
	void *arg;
	int r;
	/* SQ_INGEST */
	struct ingest_run ing;
	uint8_t id[HL_ID_BYTES];
};

struct hl_stixshare_q {
	struct hl_node *n;
	struct event *ev;                  /* zero timeout: after the pass's I/O */
	struct sq_job *head, *tail;
	size_t nadd, ningest;
	size_t nobjects;                   /* objects of the adds queued */
	uint64_t slices;
	uint64_t last_slice_ms;            /* monotonic */
	uint64_t yields;                   /* passes given up to FLASH work */
};

static void
sq_job_free(struct sq_job *j)
{
	if (j == NULL)
		return;
	if (j->kind == SQ_ADD)
		add_run_clear(&j->add);
	else
		ingest_run_clear(&j->ing);
	json_decref(j->env);
	hl_free(j);
}

/* An add is stored (or failed part way): once its last commit is on disk,
 * share what is new and answer. On the loop. */
static void
sq_add_durable(void *arg, int rr)
{
	struct sq_job *j = arg;
	struct add_run *a = &j->add;
	json_t *st = NULL;
	int r = j->r != HL_OK ? j->r : rr;

	/* what is stored is shared, even when a later slice failed */
	if (rr == HL_OK && a->sh.n > 0 && share_rows(j->q->n, a->c, a->sh.json, a->sh.tlps,
	    a->sh.n, a->prov.added_by[0] != '\0' ? a->prov.added_by : "taxii") != HL_OK)
		log_warnx("taxii: collection %s: sharing incomplete (see above)", a->c->name);
	if (r == HL_OK) {
		st = a->st;
		a->st = NULL;
	}
	j->cb(j->arg, r, st);
	sq_job_free(j);
}

/* One slice of the first job. OUT: *finished when the job left the queue. */
static void
sq_step(struct hl_stixshare_q *q, size_t max)
{
	struct sq_job *j = q->head;
	int r, done = 0;

	if (j == NULL)
		return;
	q->slices++;
	if (j->kind == SQ_ADD) {
		r = add_run_slice(&j->add, max, 0, &done);
		if (r != HL_OK) {
			log_warnx("taxii: collection %s: adding stopped after %zu of %zu object(s): %s",
			    j->add.c->name, j->add.next, j->add.nobj, hl_strerror(r));
			j->r = r;
			done = 1;
		}
	} else {
		if (!j->started) {
			j->started = 1;
			r = ingest_run_start(&j->ing, hl_node_store(q->n), j->id, max, 0);
			if (r != HL_OK) {
				done = 1;
				if (r != HL_ERR_MALFORMED)
					goto failed;
				goto pop;
			}
		}
		if ((r = ingest_run_slice(&j->ing, max, 0, &done)) != HL_OK) {
			done = 1;
			goto failed;
		}
	}
	if (!done)
		return;
pop:
	q->head = j->next;
	if (q->head == NULL)
		q->tail = NULL;
	if (j->kind == SQ_ADD) {
		q->nadd--;
		q->nobjects -= j->add.nobj;
		if (hl_store_when_durable(hl_node_store(q->n), sq_add_durable, j) != HL_OK) {
			(void)hl_store_sync_settle(hl_node_store(q->n));
			sq_add_durable(j, HL_OK);
		}
		return;
	}
	q->ningest--;
	sq_job_free(j);
	return;
failed:
	{
		char idh[HL_HEX_ID_LEN + 1];

		hl_hex_id(j->id, idh);
		log_warnx("envelope %s: STIX objects not ingested: %s (again at the next start)",
		    idh, hl_strerror(r));
	}
	goto pop;
}

static void
sq_arm(struct hl_stixshare_q *q)
{
	static const struct timeval zero = { 0, 0 };

	if (q->head != NULL && !evtimer_pending(q->ev, NULL))
		(void)evtimer_add(q->ev, &zero);
}

static void
sq_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hl_stixshare_q *q = arg;
	uint64_t now = hl_mono_us() / 1000, busy;

	(void)fd;
	(void)what;
	/* FLASH work under way at this node: wait for it (a slice costs the
	 * loop several ms), but not longer than HL_STIXSHARE_YIELD_MAX_MS
	 * since the last slice, so bulk work still moves under a FLASH storm */
	if ((busy = hl_node_flash_busy(q->n)) > 0 &&
	    now - q->last_slice_ms < HL_STIXSHARE_YIELD_MAX_MS) {
		struct timeval tv = { 0, 1000 * (long)(busy < 2 ? busy : 2) };

		q->yields++;
		(void)evtimer_add(q->ev, &tv);
		return;
	}
	sq_step(q, HL_STIXSHARE_SLICE_OBJECTS);
	q->last_slice_ms = hl_mono_us() / 1000;
	sq_arm(q);
}

int
hl_stixshare_q_new(struct hl_node *n, struct event_base *base, struct hl_stixshare_q **out)
{
	struct hl_stixshare_q *q;

	*out = NULL;
	if (n == NULL || base == NULL)
		return HL_ERR_INVALID;
	if ((q = hl_calloc(1, sizeof(*q))) == NULL)
		return HL_ERR_NOMEM;
	q->n = n;
	if ((q->ev = evtimer_new(base, sq_tick, q)) == NULL) {
		hl_free(q);
		return HL_ERR_NOMEM;
	}
	*out = q;
	return HL_OK;
}

static void
sq_push(struct hl_stixshare_q *q, struct sq_job *j)
{
	j->q = q;
	if (q->tail != NULL)
		q->tail->next = j;
	else
		q->head = j;
	q->tail = j;
	if (j->kind == SQ_ADD) {
		q->nadd++;
		q->nobjects += j->add.nobj;
	} else
		q->ningest++;
	sq_arm(q);
}

int
hl_stixshare_add_async(struct hl_stixshare_q *q, struct hl_stixdb *d, const char *coll,
    json_t *env, const json_t *objects, const struct hl_stix_prov *prov,
    hl_stixshare_added_fn cb, void *arg)
{
	const struct hl_collection_conf *c;
	struct sq_job *j;
	int r;

	if (q == NULL || d == NULL || coll == NULL || !json_is_array(objects) || prov == NULL ||
	    cb == NULL)
		return HL_ERR_INVALID;
	if ((c = hl_config_collection(hl_node_config(q->n), coll)) == NULL)
		return HL_ERR_NOT_FOUND;
	/* bounded in adds and in objects held parsed (one add always fits) */
	if (q->nadd >= HL_STIXSHARE_QUEUE_ADDS || (q->nobjects > 0 &&
	    q->nobjects + json_array_size(objects) > HL_STIXSHARE_QUEUE_OBJECTS))
		return HL_ERR_FULL;
	if ((j = hl_calloc(1, sizeof(*j))) == NULL)
		return HL_ERR_NOMEM;
	j->kind = SQ_ADD;
	if ((r = add_run_start(&j->add, hl_node_config(q->n), hl_node_store(q->n), d, c, objects,
	    prov, HL_STIXSHARE_SLICE_OBJECTS)) != HL_OK) {
		hl_free(j);
		return r;
	}
	j->env = json_incref(env);
	j->cb = cb;
	j->arg = arg;
	sq_push(q, j);
	return HL_OK;
}

int
hl_stixshare_ingest_async(struct hl_stixshare_q *q, const uint8_t id[static HL_ID_BYTES])
{
	struct sq_job *j;

	if (q == NULL)
		return HL_ERR_INVALID;
	/* beyond the bound, here and now (the envelope is stored already) */
	if (q->ningest >= HL_STIXSHARE_QUEUE_INGESTS)
		return hl_stixshare_ingest(hl_node_store(q->n), id);
	if ((j = hl_calloc(1, sizeof(*j))) == NULL)
		return hl_stixshare_ingest(hl_node_store(q->n), id);
	j->kind = SQ_INGEST;
	memcpy(j->id, id, HL_ID_BYTES);
	sq_push(q, j);
	return HL_OK;
}

size_t
hl_stixshare_q_finish(struct hl_stixshare_q *q)
{
	size_t k = 0;

	if (q == NULL)
		return 0;
	while (q->head != NULL) {
		sq_step(q, 0);
		k++;
	}
	(void)hl_store_sync_settle(hl_node_store(q->n));
	return k;
}

void
hl_stixshare_q_stats(const struct hl_stixshare_q *q, size_t *adds, size_t *ingests,
    uint64_t *slices)
{
	*adds = q != NULL ? q->nadd : 0;
	*ingests = q != NULL ? q->ningest : 0;
	*slices = q != NULL ? q->slices : 0;
}

void
hl_stixshare_q_free(struct hl_stixshare_q *q)
{
	if (q == NULL)
		return;
	(void)hl_stixshare_q_finish(q);
	event_free(q->ev);
	hl_free(q);
}

/* ---- sightings ---- */

/* The sighting object w describes of orig. NULL when out of memory. */
static json_t *
sighting_new(const struct hl_config *cfg, const struct hl_stix_row *orig, uint8_t tlp,
    const struct hl_stixshare_sighting *w, const char *sid)
{
	char ident[64], now[32], fs[32], ls[32];
	json_t *s;

	hl_stixid_identity(cfg->node, ident);
	hl_stixshare_time(hl_now_us() / 1000 * 1000, now);
	s = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s], s:I, s:[s]}", "type", "sighting",
	    "spec_version", "2.1", "id", sid, "created", now, "modified", now,
	    "created_by_ref", ident, "sighting_of_ref", orig->id, "where_sighted_refs", ident,
	    "count", (json_int_t)w->count, "object_marking_refs", hl_stix_tlp_marking_id(tlp));
	if (s == NULL)
		return NULL;
	if (w->first_seen_us != 0 && w->last_seen_us != 0) {
		hl_stixshare_time(w->first_seen_us, fs);
		hl_stixshare_time(w->last_seen_us, ls);
		if (json_object_set_new(s, "first_seen", json_string(fs)) != 0 ||
		    json_object_set_new(s, "last_seen", json_string(ls)) != 0)
			goto fail;
	}
	if (w->note != NULL && json_object_set_new(s, "description", json_string(w->note)) != 0)
		goto fail;
	return s;
fail:
	json_decref(s);
	return NULL;
}

int
hl_stixshare_sighting(struct hl_node *n, struct hl_stixdb *d, const struct hl_stix_row *orig,
    const struct hl_stixshare_sighting *w, char sid[64], char to[HL_PARTNER_MAX + 1])
{
	const struct hl_config *cfg = hl_node_config(n);
	const struct hl_collection_conf *c = hl_config_collection(cfg, orig->collection);
	const char *dest[HL_RELEASABLE_MAX];
	struct hl_stix_prov prov;
	struct hl_label l;
	struct hl_buf objs;
	json_t *s = NULL;
	char err[HL_STIX_ERR_MAX], u[37], id[64], detail[HL_AUDIT_DETAIL_MAX], *js = NULL;
	unsigned ndest = 0;
	int r = HL_ERR_INTERNAL, added;

	sid[0] = '\0';
	to[0] = '\0';
	if (hl_label_decode(orig->label, orig->label_len, &l) != HL_OK)
		return HL_ERR_CORRUPT;
	if ((r = hl_stixid_random(u)) != HL_OK)
		return r;
	(void)snprintf(id, sizeof(id), "sighting--%s", u);
	if ((s = sighting_new(cfg, orig, l.tlp, w, id)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (hl_stix_validate(s, err, sizeof(err)) != HL_OK) {
		log_warnx("sighting of %s: %s", orig->id, err);
		r = HL_ERR_INTERNAL;
		goto out;
	}
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", cfg->partner);
	(void)snprintf(prov.node, sizeof(prov.node), "%s", cfg->node);
	(void)snprintf(prov.added_by, sizeof(prov.added_by), "%s", w->by);
	/* same label as what it sights: it may go back where that came from */
	if ((r = hl_stixdb_put(d, orig->collection, s, orig->label, orig->label_len, &prov, NULL,
	    &added)) != HL_OK)
		goto out;
	memcpy(sid, id, sizeof(id));   /* stored: what follows is the sending */
	(void)snprintf(detail, sizeof(detail), "%s of=%s count=%lld", sid, orig->id,
	    (long long)w->count);
	if ((r = hl_store_audit(hl_node_store(n), "stix-sighting", NULL, w->by, detail,
	    hl_now_ms())) != HL_OK)
		log_warnx("audit: cannot record stix-sighting: %s", hl_strerror(r));
	if (c != NULL && c->sightings_to_members) {
		unsigned i, all = member_recipients(cfg, c, dest);

		/* the members the sighted object is releasable to */
		for (i = 0; i < all; i++)
			if (hl_label_releasable_to(&l, dest[i]))
				dest[ndest++] = dest[i];
		if (ndest > 0)
			(void)snprintf(to, HL_PARTNER_MAX + 1, "members");
	} else if (orig->prov.source == HL_STIX_PARTNER && orig->prov.node[0] != '\0') {
		/* by default only to the indicator's originator: a sighting
		 * reveals a victim, the other members need not know it */
		dest[ndest++] = orig->prov.node;
		(void)snprintf(to, HL_PARTNER_MAX + 1, "%s", orig->prov.partner);
	}
	if (ndest == 0) {
		r = HL_OK;
		goto out;
	}
	if ((js = json_dumps(s, JSON_PRESERVE_ORDER | JSON_COMPACT)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	hl_buf_init(&objs, HL_CONTENT_MAX_BYTES);
	hl_buf_put(&objs, js, strlen(js));
	r = hl_stixshare_bundle(n, orig->collection, &l, dest, ndest, w->by, &objs, 1);
	hl_buf_free(&objs);
out:
	hl_stixshare_free_str(js);
	json_decref(s);
	return r;
}
