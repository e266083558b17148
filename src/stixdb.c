/* stixdb.c: the STIX objects of the node's database as STIX (stixdb.h):
 * what an object is stored with and found by, the sticky release rule,
 * rule 4 on reads, search. The tables and all SQL are the store's
 * (store_stix.c); this file computes the values it stores and reads the
 * rows it gives back. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "alloc.h"
#include "clock.h"
#include "apijson.h"
#include "label.h"
#include "stixdb.h"

struct put_ctx;

struct hl_stixdb {
	struct hl_store *store;
	size_t backfilled;         /* objects indexed for search at open */
	struct put_ctx *pc;        /* a put's scratch */
};

/* ---- the search index: names, external ids, references ---- */

#define TERMS_MAX 128              /* terms kept per object */
#define TERM_SOURCES_MAX 64        /* external references / aliases read per object */
#define WORD_MIN 3                 /* shorter words of a name are not indexed */

/* s (n bytes) trimmed of ASCII blanks, cut to HL_STIX_TERM_MAX bytes at a
 * UTF-8 character boundary; folded into key, as written into text (either
 * may be NULL). Returns the length (0: nothing left). */
static size_t
fold(const char *p, size_t n, char *key, char *text)
{
	size_t i;

	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' ||
	    p[n - 1] == '\r'))
		n--;
	if (n > HL_STIX_TERM_MAX) {
		n = HL_STIX_TERM_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (key != NULL)
			key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		if (text != NULL)
			text[i] = c;
	}
	if (text != NULL)
		text[n] = '\0';
	return n;
}

static void
term_add(struct hl_store_stix_term *t, size_t *n, uint8_t field, const char *p, size_t len)
{
	struct hl_store_stix_term *e;
	size_t i;

	if (*n >= TERMS_MAX)
		return;
	e = &t[*n];
	e->field = field;
	if ((e->klen = fold(p, len, e->key, e->text)) == 0)
		return;
	for (i = 0; i < *n; i++)
		if (t[i].field == field && t[i].klen == e->klen &&
		    memcmp(t[i].key, e->key, e->klen) == 0)
			return;
	(*n)++;
}

static int
word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (unsigned char)c >= 0x80;
}

/* The words of a name or alias (runs of letters, digits and non-ASCII),
 * when it has more than one. */
static void
words_add(struct hl_store_stix_term *t, size_t *n, const char *p, size_t len)
{
	size_t i = 0, s;

	for (s = 0; s < len && word_byte(p[s]); s++)
		;
	if (s == len)
		return;
	while (i < len) {
		while (i < len && !word_byte(p[i]))
			i++;
		for (s = i; i < len && word_byte(p[i]); i++)
			;
		if (i - s >= WORD_MIN)
			term_add(t, n, HL_STIX_F_WORD, p + s, i - s);
	}
}

static void
names_add(struct hl_store_stix_term *t, size_t *n, uint8_t field, const json_t *v)
{
	const json_t *e;
	size_t i;

	if (json_is_string(v)) {
		term_add(t, n, field, json_string_value(v), json_string_length(v));
		words_add(t, n, json_string_value(v), json_string_length(v));
		return;
	}
	json_array_foreach(v, i, e) {
		if (i >= TERM_SOURCES_MAX)
			break;
		if (json_is_string(e))
			names_add(t, n, field, e);
	}
}

/* The names and ids an object is found by. OUT: t[0..*n). */
static void
object_terms(const json_t *obj, struct hl_store_stix_term *t, size_t *n)
{
	const json_t *refs, *e, *v;
	const char *type = json_string_value(json_object_get(obj, "type"));
	size_t i;
	int cat = hl_stix_category(type);

	*n = 0;
	refs = json_object_get(obj, "external_references");
	json_array_foreach(refs, i, e) {
		if (i >= TERM_SOURCES_MAX)
			break;
		if (json_is_string(v = json_object_get(e, "external_id")))
			term_add(t, n, HL_STIX_F_EXTID, json_string_value(v), json_string_length(v));
	}
	if (json_is_string(v = json_object_get(obj, "x_mitre_shortname")))
		term_add(t, n, HL_STIX_F_EXTID, json_string_value(v), json_string_length(v));
	/* names of SDOs and custom objects (an SCO's name is an observable) */
	if (cat == HL_STIX_SDO || cat == HL_STIX_UNKNOWN || cat == HL_STIX_META)
		names_add(t, n, HL_STIX_F_NAME, json_object_get(obj, "name"));
	names_add(t, n, HL_STIX_F_ALIAS, json_object_get(obj, "aliases"));
	names_add(t, n, HL_STIX_F_ALIAS, json_object_get(obj, "x_mitre_aliases"));
}

/* What an object refers to: a sighting's sighting_of_ref, a relationship's
 * ends. OUT: refs[*n] (at most 2; pointers into obj). */
static void
object_refs(const json_t *obj, const char *type, struct hl_store_stix_ref refs[2], size_t *n)
{
	static const struct { const char *type, *prop; int role; } map[] = {
		{ "sighting", "sighting_of_ref", HL_STIX_LINK_SIGHTING },
		{ "relationship", "source_ref", HL_STIX_LINK_SOURCE },
		{ "relationship", "target_ref", HL_STIX_LINK_TARGET },
	};
	const char *ref;
	size_t i;

	*n = 0;
	for (i = 0; type != NULL && i < sizeof(map) / sizeof(map[0]); i++) {
		if (strcmp(type, map[i].type) != 0 ||
		    (ref = json_string_value(json_object_get(obj, map[i].prop))) == NULL)
			continue;
		refs[*n].ref = ref;
		refs[*n].role = map[i].role;
		(*n)++;
	}
}

/* What an object is found by besides its observables: a sighting or a
 * relationship by what it refers to, anything else by its names and ids.
 * t: room for TERMS_MAX terms. */
static void
object_search_index(const json_t *obj, struct hl_store_stix_term *t,
    struct hl_store_stix_ref refs[2], struct hl_store_stix_index *ix)
{
	const char *type = json_string_value(json_object_get(obj, "type"));

	ix->terms = t;
	ix->refs = refs;
	ix->nterms = 0;
	object_refs(obj, type, refs, &ix->nrefs);
	if (type != NULL && (strcmp(type, "sighting") == 0 || strcmp(type, "relationship") == 0))
		return;
	object_terms(obj, t, &ix->nterms);
}

/* What a put stores besides the row's keys, built only for a version that
 * is new (hl_store_stix_obj.fill): the JSON (the caller's canonical text,
 * or dumped here), the observables (allocated by hl_stix_extract), the
 * terms and the references. One per handle, reused by every put. */
struct put_ctx {
	const json_t *obj;
	const char *text;                          /* canonical text, or NULL */
	size_t textlen;
	struct hl_stix_obs *obs;
	char *json;                                /* jansson's allocation */
	struct hl_store_stix_term terms[TERMS_MAX];
	struct hl_store_stix_ref refs[2];
};

/* hl_store_stix_backfill's view of one stored object. */
struct backfill_ctx {
	json_t *obj;                               /* the one being indexed */
	struct hl_store_stix_term terms[TERMS_MAX];
	struct hl_store_stix_ref refs[2];
};

static int
backfill_index(void *arg, const char *json, size_t len, struct hl_store_stix_index *ix)
{
	struct backfill_ctx *c = arg;

	json_decref(c->obj);
	if ((c->obj = json_loadb(json, len, 0, NULL)) == NULL)
		return HL_ERR_MALFORMED;
	object_search_index(c->obj, c->terms, c->refs, ix);
	return HL_OK;
}

int
hl_stixdb_backfill(struct hl_store *s, size_t *indexed)
{
	struct backfill_ctx *c;
	int r;

	*indexed = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL)
		return HL_ERR_NOMEM;
	r = hl_store_stix_backfill(s, backfill_index, c, indexed);
	json_decref(c->obj);
	hl_free(c);
	return r;
}

int
hl_stixdb_open(struct hl_store *s, struct hl_stixdb **out)
{
	struct hl_stixdb *d = NULL;
	int r;

	*out = NULL;
	if (s == NULL)
		return HL_ERR_INVALID;
	if ((d = hl_calloc(1, sizeof(*d))) == NULL)
		return HL_ERR_NOMEM;
	d->store = s;
	/* the term buffer is written before it is read: not zeroed */
	if ((d->pc = hl_malloc(sizeof(*d->pc))) == NULL) {
		hl_free(d);
		return HL_ERR_NOMEM;
	}
	d->pc->obs = NULL;
	d->pc->json = NULL;
	if ((r = hl_stixdb_backfill(s, &d->backfilled)) != HL_OK) {
		hl_stixdb_close(d);
		return r;
	}
	*out = d;
	return HL_OK;
}

void
hl_stixdb_close(struct hl_stixdb *d)
{
	if (d == NULL)
		return;
	hl_free(d->pc);
	hl_free(d);
}

int
hl_stixdb_begin(struct hl_stixdb *d)
{
	return d != NULL ? hl_store_begin(d->store) : HL_ERR_INVALID;
}

int
hl_stixdb_commit(struct hl_stixdb *d)
{
	return d != NULL ? hl_store_commit(d->store) : HL_ERR_INVALID;
}

int
hl_stixdb_commit_nowait(struct hl_stixdb *d)
{
	return d != NULL ? hl_store_commit_nowait(d->store) : HL_ERR_INVALID;
}

void
hl_stixdb_rollback(struct hl_stixdb *d)
{
	if (d != NULL)
		hl_store_rollback(d->store);
}

/* The object's version: modified, else created, else none (""). */
static void
object_version(const json_t *obj, const char **version, char vkey[HL_STIX_TS_KEY])
{
	const char *v = json_string_value(json_object_get(obj, "modified"));

	if (v == NULL)
		v = json_string_value(json_object_get(obj, "created"));
	vkey[0] = '\0';
	if (v == NULL || hl_stix_time(v, vkey, NULL) != HL_OK) {
		v = "";
		vkey[0] = '\0';
	}
	*version = v;
}

/* obj as compact JSON in its own key order. OUT: *out (free with jansson's
 * free function). jansson 2.14's json_dumps can give text with a key left
 * out when an allocation inside it fails (seen under fault injection): the
 * size is counted first and the text must come out at exactly that size. */
static int
dump_whole(const json_t *obj, char **out)
{
	const size_t flags = JSON_PRESERVE_ORDER | JSON_COMPACT;
	json_malloc_t jm;
	json_free_t jf;
	size_t need;
	char *s;

	*out = NULL;
	json_get_alloc_funcs(&jm, &jf);
	if ((need = json_dumpb(obj, NULL, 0, flags)) == 0 || (s = jm(need + 1)) == NULL)
		return HL_ERR_NOMEM;
	if (json_dumpb(obj, s, need, flags) != need) {
		jf(s);
		return HL_ERR_NOMEM;
	}
	s[need] = '\0';
	*out = s;
	return HL_OK;
}


static void
put_ctx_clear(struct put_ctx *c)
{
	json_malloc_t jm;
	json_free_t jf;

	if (c->json != NULL) {
		json_get_alloc_funcs(&jm, &jf);
		jf(c->json);
		c->json = NULL;
	}
	HL_FREE(c->obs);
	c->obj = NULL;
	c->text = NULL;
}

static int
put_fill(void *arg, struct hl_store_stix_obj *o)
{
	struct put_ctx *c = arg;
	int r;

	if (c->text != NULL) {
		/* the received bytes, which are what the dump would print */
		o->json = c->text;
		o->json_len = c->textlen;
	} else {
		/* as received: key order and custom properties kept */
		if ((r = dump_whole(c->obj, &c->json)) != HL_OK)
			return r;
		o->json = c->json;
		o->json_len = 0;
	}
	if ((r = hl_stix_extract(c->obj, &c->obs, &o->ix.nobs)) != HL_OK)
		return r;
	o->ix.obs = c->obs;
	object_search_index(c->obj, c->terms, c->refs, &o->ix);
	return HL_OK;
}

/* hl_stixdb_put and hl_stixdb_put_bulk. */
static int
put_one(struct hl_stixdb *d, const char *collection, const json_t *obj, const char *text,
    size_t textlen, const uint8_t *label, size_t label_len, const struct hl_stix_prov *prov,
    uint64_t *date_added_us, int *added, int bulk)
{
	struct hl_store_stix_obj o;
	char vkey[HL_STIX_TS_KEY];
	uint64_t da = 0;
	int r;

	if (date_added_us != NULL)
		*date_added_us = 0;
	if (added != NULL)
		*added = 0;
	if (d == NULL || collection == NULL || obj == NULL || prov == NULL ||
	    (label == NULL && label_len != 0) || (text != NULL && textlen == 0) ||
	    strlen(collection) > HL_STIX_COLLECTION_MAX || collection[0] == '\0')
		return HL_ERR_INVALID;
	memset(&o, 0, sizeof(o));
	o.collection = collection;
	o.id = json_string_value(json_object_get(obj, "id"));
	o.type = json_string_value(json_object_get(obj, "type"));
	o.spec_version = json_string_value(json_object_get(obj, "spec_version"));
	if (o.id == NULL || o.type == NULL)
		return HL_ERR_INVALID;
	if (o.spec_version == NULL)
		o.spec_version = "2.1";
	object_version(obj, &o.version, vkey);
	o.vkey = vkey;
	o.revoked = json_is_true(json_object_get(obj, "revoked"));
	o.label = label;
	o.label_len = label_len;
	o.prov = prov;
	o.fill = put_fill;
	o.fill_arg = d->pc;
	d->pc->obj = obj;
	d->pc->text = text;
	d->pc->textlen = textlen;
	r = bulk ? hl_store_stix_put_bulk(d->store, &o, hl_now_us(), &da) :
	    hl_store_stix_put(d->store, &o, hl_now_us(), &da);
	put_ctx_clear(d->pc);
	/* the same version again: idempotent */
	if (r == HL_ERR_EXISTS) {
		if (date_added_us != NULL)
			*date_added_us = da;
		return HL_OK;
	}
	if (r != HL_OK)
		return r;
	if (date_added_us != NULL)
		*date_added_us = da;
	if (added != NULL)
		*added = 1;
	return HL_OK;
}

int
hl_stixdb_put(struct hl_stixdb *d, const char *collection, const json_t *obj,
    const uint8_t *label, size_t label_len, const struct hl_stix_prov *prov,
    uint64_t *date_added_us, int *added)
{
	return put_one(d, collection, obj, NULL, 0, label, label_len, prov, date_added_us, added,
	    0);
}

int
hl_stixdb_put_bulk(struct hl_stixdb *d, const char *collection, const json_t *obj,
    const char *text, size_t textlen, const uint8_t *label, size_t label_len,
    const struct hl_stix_prov *prov, uint64_t *date_added_us, int *added)
{
	return put_one(d, collection, obj, text, textlen, label, label_len, prov, date_added_us,
	    added, 1);
}

/* ---- releases (sticky releasability) ----
 *
 * A version's release is its earliest row (its first arrival: origin
 * partner, label), widened by each later row of it from that same origin
 * partner (hl_stix_release_union). */

typedef int (*release_cb)(void *arg, const struct hl_stix_first *f);

/* Folds the rows of an id (in version order) into one release per version. */
struct fold {
	struct hl_stix_first cur, row;
	int have;
	release_cb cb;
	void *arg;
};

static int
fold_row(void *arg, const struct hl_store_stix_arrival *a)
{
	struct fold *f = arg;
	struct hl_label u;
	int r;

	memset(&f->row, 0, sizeof(f->row));
	memcpy(f->row.vkey, a->vkey, sizeof(f->row.vkey));
	f->row.source = a->source;
	memcpy(f->row.partner, a->partner, sizeof(f->row.partner));
	memcpy(f->row.node, a->node, sizeof(f->row.node));
	f->row.first_us = a->date_added_us;
	if (hl_label_decode(a->label, a->label_len, &f->row.label) != HL_OK)
		return HL_ERR_CORRUPT;
	if (f->have && strcmp(f->row.vkey, f->cur.vkey) == 0) {
		/* a later arrival: only the origin partner widens it (two
		 * policies, or too many partners: the narrower stays) */
		if (strcmp(f->row.partner, f->cur.partner) == 0 &&
		    hl_stix_release_union(&f->cur.label, &f->row.label, &u) == HL_OK)
			f->cur.label = u;
		return HL_OK;
	}
	if (f->have && (r = f->cb(f->arg, &f->cur)) != HL_OK)
		return r;
	f->cur = f->row;
	f->have = 1;
	return HL_OK;
}

/* The release of each stored version of id (only vkey when not NULL), in
 * version order, to cb. HL_ERR_TOO_BIG past HL_STIXDB_RELEASE_ROWS_MAX rows. */
static int
releases(struct hl_stixdb *d, const char *id, const char *vkey, release_cb cb, void *arg)
{
	struct fold *f;
	int r;

	if ((f = hl_calloc(1, sizeof(*f))) == NULL)
		return HL_ERR_NOMEM;
	f->cb = cb;
	f->arg = arg;
	if ((r = hl_store_stix_arrivals(d->store, id, vkey, fold_row, f)) == HL_OK && f->have)
		r = cb(arg, &f->cur);
	hl_free(f);
	return r;
}

/* Who controls a version: its origin partner, "" standing for self. */
static const char *
controller(const struct hl_stix_first *f, const char *self)
{
	return f->partner[0] != '\0' ? f->partner : self != NULL ? self : "";
}

struct check {
	const char *vkey, *poster, *self;
	struct hl_label want;              /* without the poster */
	struct hl_stix_first this_v, other;
	unsigned wthis, wother;
	int this_other;
};

static int
check_one(void *arg, const struct hl_stix_first *f)
{
	struct check *c = arg;
	unsigned w;

	if (strcmp(controller(f, c->self), c->poster) == 0)
		return HL_OK;
	w = hl_stix_release_widens(&f->label, &c->want);
	if (strcmp(f->vkey, c->vkey) == 0) {
		/* this very version, controlled by another partner: only its release counts */
		c->this_other = 1;
		c->wthis = w;
		c->this_v = *f;
	} else if (w != 0 && c->wother == 0) {
		c->wother = w;
		c->other = *f;
	}
	return HL_OK;
}

int
hl_stixdb_release_check(struct hl_stixdb *d, const json_t *obj, const char *poster,
    const char *self, const struct hl_label *want, struct hl_stix_first *deny,
    unsigned *widens)
{
	struct check *c = NULL;
	const char *id, *version;
	char vkey[HL_STIX_TS_KEY];
	unsigned i, k, w;
	int r;

	if (deny != NULL)
		memset(deny, 0, sizeof(*deny));
	if (widens != NULL)
		*widens = 0;
	if (d == NULL || obj == NULL || poster == NULL || want == NULL ||
	    (id = json_string_value(json_object_get(obj, "id"))) == NULL)
		return HL_ERR_INVALID;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL)
		return HL_ERR_NOMEM;
	object_version(obj, &version, vkey);
	c->vkey = vkey;
	c->poster = poster;
	c->self = self;
	/* the poster holds it already: only the others it would go to count */
	c->want = *want;
	for (i = k = 0; i < want->nrel; i++)
		if (strcmp(want->rel[i], poster) != 0)
			memcpy(c->want.rel[k++], want->rel[i], sizeof(c->want.rel[0]));
	c->want.nrel = k;
	if ((r = releases(d, id, NULL, check_one, c)) != HL_OK)
		goto out;
	w = c->this_other ? c->wthis : c->wother;
	if (w != 0 && deny != NULL)
		*deny = c->this_other ? c->this_v : c->other;
	if (widens != NULL)
		*widens = w;
	r = w != 0 ? HL_ERR_DENIED : HL_OK;
out:
	hl_free(c);
	return r;
}

static int
copy_one(void *arg, const struct hl_stix_first *f)
{
	*(struct hl_stix_first *)arg = *f;
	return HL_OK;
}

int
hl_stixdb_release_get(struct hl_stixdb *d, const char *id, const char *vkey,
    struct hl_stix_first *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (d == NULL || id == NULL || vkey == NULL)
		return HL_ERR_INVALID;
	if ((r = releases(d, id, vkey, copy_one, out)) != HL_OK)
		return r;
	return out->first_us != 0 ? HL_OK : HL_ERR_NOT_FOUND;
}

/* ---- reading rows: rule 4 ---- */

struct rule4 {
	const struct hl_policy *policy;
	const struct hl_operator_conf *op;
};

static int
visible(void *arg, const struct hl_stix_row *row)
{
	const struct rule4 *v = arg;
	struct hl_label l;

	if (v->op == NULL)
		return 1;
	return hl_apijson_visible(row->label, row->label_len, v->policy, v->op, &l);
}

void
hl_stixdb_rows_free(struct hl_stix_row *rows, size_t n)
{
	hl_store_stix_rows_free(rows, n);
}

int
hl_stixdb_objects(struct hl_stixdb *d, const struct hl_stix_query *q,
    struct hl_stix_row **rows, size_t *n, int *more)
{
	struct hl_store_stix_page p;
	struct rule4 v;

	*rows = NULL;
	*n = 0;
	*more = 0;
	if (d == NULL || q == NULL)
		return HL_ERR_INVALID;
	v.policy = q->policy;
	v.op = q->op;
	memset(&p, 0, sizeof(p));
	p.collection = q->collection;
	p.after_us = q->after_us;
	p.nids = q->nids;
	p.ids = q->ids;
	p.ntypes = q->ntypes;
	p.types = q->types;
	p.nspec = q->nspec;
	p.spec = q->spec;
	p.vsel = q->vsel;
	p.nvkeys = q->nvkeys;
	p.vkeys = (const char (*)[HL_STIX_TS_KEY])q->vkeys;
	p.limit = q->limit;
	p.keep = visible;
	p.arg = &v;
	return hl_store_stix_objects(d->store, &p, rows, n, more);
}

int
hl_stixdb_get_latest(struct hl_stixdb *d, const char *collection, const char *id,
    const struct hl_policy *policy, const struct hl_operator_conf *op,
    struct hl_stix_row **row)
{
	struct rule4 v = { policy, op };

	*row = NULL;
	if (d == NULL)
		return HL_ERR_INVALID;
	return hl_store_stix_latest(d->store, collection, id, visible, &v, row);
}

/* ---- search ---- */

const char *
hl_stix_field_name(int field)
{
	switch (field) {
	case HL_STIX_F_OBSERVABLE: return "observable";
	case HL_STIX_F_EXTID: return "external_id";
	case HL_STIX_F_NAME: return "name";
	case HL_STIX_F_ALIAS: return "alias";
	case HL_STIX_F_WORD: return "word";
	case HL_STIX_F_ID: return "id";
	}
	return "unknown";
}

/* Object rows found, in the order found, each once. text: the indexed
 * value that matched when it is not the searched value itself (an address
 * range, a name as written). */
struct hit_ref {
	int64_t seq;
	uint8_t field, exact;
	char text[HL_STIX_TERM_MAX + 1];
};
struct hits {
	struct hit_ref *v;
	size_t n, max;
};

static void
hit_add(struct hits *h, int64_t seq, int field, int exact, const char *text)
{
	size_t i;

	if (h->n >= h->max)
		return;
	for (i = 0; i < h->n; i++)
		if (h->v[i].seq == seq)
			return;
	h->v[h->n].seq = seq;
	h->v[h->n].field = (uint8_t)field;
	h->v[h->n].exact = (uint8_t)exact;
	(void)snprintf(h->v[h->n].text, sizeof(h->v[h->n].text), "%s", text != NULL ? text : "");
	h->n++;
}

static size_t
hits_room(const struct hits *h)
{
	return h->max - h->n + 1;
}

static void
ip_text(uint8_t kind, const uint8_t *key, size_t klen, unsigned plen, char *out, size_t outlen)
{
	char t[INET6_ADDRSTRLEN];
	uint8_t a[16];

	memset(a, 0, sizeof(a));
	memcpy(a, key, klen > 16 ? 16 : klen);
	if (inet_ntop(kind == HL_OBS_IPV4 ? AF_INET : AF_INET6, a, t, sizeof(t)) == NULL)
		t[0] = '\0';
	if (plen == (kind == HL_OBS_IPV4 ? 32u : 128u))
		(void)snprintf(out, outlen, "%s", t);
	else
		(void)snprintf(out, outlen, "%s/%u", t, plen);
}

/* A lookup's hits into h, each text (a term as written, or the address
 * range found) when there is one. */
struct hits_to {
	struct hits *h;
	int exact;
	uint8_t kind;                              /* range hits: the address kind */
	const char *text;                          /* for hits that bring none */
};

static void
hit_cb(void *arg, const struct hl_store_stix_hit *x)
{
	const struct hits_to *t = arg;
	char text[64];

	if (x->key != NULL) {
		ip_text(t->kind, x->key, x->klen, x->plen, text, sizeof(text));
		hit_add(t->h, (int64_t)x->seq, x->field, t->exact, text);
		return;
	}
	hit_add(t->h, (int64_t)x->seq, x->field, t->exact, x->text != NULL ? x->text : t->text);
}

/* Point lookups: rows whose key is exactly key at prefix length plen. */
static int
point(struct hl_stixdb *d, uint8_t kind, const void *key, size_t klen, unsigned plen,
    const char *text, struct hits *h)
{
	struct hits_to t = { h, 1, kind, text };

	return hl_store_stix_obs_hits(d->store, kind, key, klen, plen, hits_room(h), hit_cb, &t);
}

/* The networks (prefix lengths in use, <= the value's) containing o's range. */
static int
containing(struct hl_stixdb *d, const struct hl_stix_obs *o, struct hits *h)
{
	unsigned plens[129], i, k, bytes = o->kind == HL_OBS_IPV4 ? 4 : 16;
	size_t np = 0;
	uint8_t net[16];
	char text[64];
	int r;

	if ((r = hl_store_stix_prefixes(d->store, o->kind, o->plen, plens, &np)) != HL_OK)
		return r;
	for (i = 0; i < np && h->n < h->max; i++) {
		for (k = 0; k < bytes; k++) {
			unsigned keep = plens[i] >= (k + 1) * 8 ? 8 : plens[i] > k * 8 ?
			    plens[i] - k * 8 : 0;
			uint8_t mask = (uint8_t)(keep == 0 ? 0 : (0xffu << (8 - keep)) & 0xffu);

			net[k] = (uint8_t)(o->lo[k] & mask);
		}
		ip_text(o->kind, net, bytes, plens[i], text, sizeof(text));
		if ((r = point(d, o->kind, net, bytes, plens[i], text, h)) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* Ranges inside a CIDR (first address within it, prefix at least as long). */
static int
inside(struct hl_stixdb *d, const struct hl_stix_obs *o, struct hits *h)
{
	struct hits_to t = { h, 1, o->kind, NULL };

	return hl_store_stix_range_hits(d->store, o->kind, o->lo, o->hi,
	    o->kind == HL_OBS_IPV4 ? 4 : 16, o->plen + 1, hits_room(h), hit_cb, &t);
}

/* Objects naming an observable. */
static int
observable_hits(struct hl_stixdb *d, const struct hl_stix_obs *o, struct hits *h)
{
	int r;

	if (o->kind != HL_OBS_IPV4 && o->kind != HL_OBS_IPV6)
		return point(d, o->kind, o->value, strlen(o->value), 0, NULL, h);
	if ((r = containing(d, o, h)) != HL_OK)
		return r;
	if (o->plen != (o->kind == HL_OBS_IPV4 ? 32 : 128))
		return inside(d, o, h);
	return HL_OK;
}

#define F_MASK(f) (1 << (f))
#define F_IDS_NAMES (F_MASK(HL_STIX_F_EXTID) | F_MASK(HL_STIX_F_NAME) | F_MASK(HL_STIX_F_ALIAS))
#define PREFIX_MIN 3               /* shorter values match exactly only */

/* Terms equal to key (exact) or starting with it, in the fields of mask. */
static int
term_hits(struct hl_stixdb *d, const char *key, size_t klen, int mask, int exact,
    struct hits *h)
{
	struct hits_to t = { h, exact, 0, NULL };

	return hl_store_stix_term_hits(d->store, key, klen, mask, exact, hits_room(h), hit_cb, &t);
}

/* The rows of a STIX id (one per collection holding it). */
static int
id_hits(struct hl_stixdb *d, const char *id, struct hits *h)
{
	struct hits_to t = { h, 1, 0, NULL };

	return hl_store_stix_id_hits(d->store, id, hits_room(h), hit_cb, &t);
}

/* ATT&CK / DISARM technique (T1234, T1234.123) or tactic (TA0001, TA01)
 * id shape, any case: 1 technique, 2 tactic, 0 neither. */
static int
attack_id(const char *v, size_t n)
{
	size_t i, d;

	if (n < 3 || (v[0] != 'T' && v[0] != 't'))
		return 0;
	if (v[1] == 'A' || v[1] == 'a') {
		for (i = 2; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			;
		return i == n && n >= 4 && n <= 6 ? 2 : 0;
	}
	for (i = 1; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (i != 5)
		return 0;
	if (i == n)
		return 1;
	if (v[i] != '.')
		return 0;
	for (d = ++i; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	return i == n && i - d == 3 ? 1 : 0;
}

/* Written only with what addresses and CIDRs are written with, and
 * shaped like one: when it does not parse, it is a mistyped address, not
 * a name. */
static int
address_like(const char *v)
{
	size_t i, dots = 0, colons = 0, digits = 0, hex = 0;

	for (i = 0; v[i] != '\0'; i++) {
		char c = v[i];

		if (c >= '0' && c <= '9')
			digits++;
		else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			hex++;
		else if (c == '.')
			dots++;
		else if (c == ':')
			colons++;
		else if (c != '/')
			return 0;
	}
	return (digits > 0 && dots > 0 && colons == 0 && hex == 0) || colons >= 2;
}

/* What the value is taken for, and the rows it finds (see stixdb.h). */
static int
classify_and_find(struct hl_stixdb *d, const char *v, const char **kind,
    struct hl_stix_obs *o, struct hits *h)
{
	char key[HL_STIX_TERM_MAX + 1];
	size_t klen = fold(v, strlen(v), key, NULL);
	int r, a;

	if (hl_stix_id_valid(v, NULL)) {
		*kind = "id";
		return id_hits(d, v, h);
	}
	if ((a = attack_id(key, klen)) != 0) {
		*kind = a == 1 ? "technique" : "tactic";
		/* the id (a group named like one too), then its sub-techniques */
		if ((r = term_hits(d, key, klen, F_IDS_NAMES, 1, h)) != HL_OK ||
		    a != 1 || memchr(key, '.', klen) != NULL)
			return r;
		key[klen] = '.';
		return term_hits(d, key, klen + 1, F_MASK(HL_STIX_F_EXTID), 0, h);
	}
	if (hl_stix_obs_parse(v, o) == HL_OK) {
		*kind = o->kind == HL_OBS_IPV4 || o->kind == HL_OBS_IPV6 ?
		    (o->plen != (o->kind == HL_OBS_IPV4 ? 32 : 128) ? "cidr" :
		    hl_stix_obs_kind_name(o->kind)) : hl_stix_obs_kind_name(o->kind);
		if ((r = observable_hits(d, o, h)) != HL_OK || o->kind != HL_OBS_DOMAIN)
			return r;
		/* a dotted name (Backdoor.Oldrea) looks like a domain too */
		return term_hits(d, key, klen, F_IDS_NAMES, 1, h);
	}
	if (address_like(v))
		return HL_ERR_MALFORMED;
	*kind = "name";
	/* whole names, then names starting so, then words of names */
	if ((r = term_hits(d, key, klen, F_IDS_NAMES, 1, h)) != HL_OK || klen < PREFIX_MIN ||
	    (r = term_hits(d, key, klen, F_IDS_NAMES, 0, h)) != HL_OK)
		return r;
	return term_hits(d, key, klen, F_MASK(HL_STIX_F_WORD), 0, h);
}

static uint64_t
id_hash(const char *s)
{
	uint64_t x = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	return x;
}

/* Keep the earlier (first) or later timestamp of cur and t. */
static void
time_keep(char *cur, size_t curlen, const char *t, int later)
{
	char a[HL_STIX_TS_KEY], b[HL_STIX_TS_KEY];
	int c;

	if (t == NULL || hl_stix_time(t, b, NULL) != HL_OK)
		return;
	if (cur[0] != '\0' && hl_stix_time(cur, a, NULL) == HL_OK) {
		c = strcmp(b, a);
		if (later ? c <= 0 : c >= 0)
			return;
	}
	(void)snprintf(cur, curlen, "%s", t);
}

static void
sighter_add(struct hl_stix_sighted *sg, const struct hl_stix_row *row, uint64_t count)
{
	size_t i;

	for (i = 0; i < sg->nby; i++)
		if (strcmp(sg->by[i].partner, row->prov.partner) == 0 &&
		    strcmp(sg->by[i].node, row->prov.node) == 0)
			break;
	if (i == sg->nby) {
		if (sg->nby == HL_STIX_SIGHTERS_MAX) {
			sg->more_by = 1;
			return;
		}
		memcpy(sg->by[i].partner, row->prov.partner, sizeof(sg->by[i].partner));
		memcpy(sg->by[i].node, row->prov.node, sizeof(sg->by[i].node));
		sg->nby++;
	}
	sg->by[i].sightings++;
	sg->by[i].count += count;
}

/* Gathers the sightings of one result (sightings()). */
struct sight_ctx {
	const struct hl_stix_search *q;
	uint64_t *seen;                            /* HL_STIX_SIGHTINGS_SCAN id hashes */
	size_t nseen;
	struct hl_stix_sighted *sg;
};

static int
sight_one(void *arg, const struct hl_stix_row *row, const struct hl_store_stix_sighting *g)
{
	struct sight_ctx *c = arg;
	struct rule4 v = { c->q->policy, c->q->op };
	uint64_t hsh, count;
	size_t i;

	if (!visible(&v, row) || (c->q->may_read != NULL && !c->q->may_read(c->q->arg,
	    row->collection)))
		return HL_OK;
	/* the same sighting in two collections counts once */
	hsh = id_hash(row->id);
	for (i = 0; i < c->nseen && c->seen[i] != hsh; i++)
		;
	if (i < c->nseen || c->nseen == HL_STIX_SIGHTINGS_SCAN)
		return HL_OK;
	c->seen[c->nseen++] = hsh;
	count = g->has_count && g->count >= 0 ? (uint64_t)g->count : 1;
	c->sg->sightings++;
	c->sg->count += count;
	time_keep(c->sg->first_seen, sizeof(c->sg->first_seen),
	    g->first_seen != NULL ? g->first_seen : g->created, 0);
	time_keep(c->sg->last_seen, sizeof(c->sg->last_seen),
	    g->last_seen != NULL ? g->last_seen : g->created, 1);
	sighter_add(c->sg, row, count);
	return HL_OK;
}

/* The sightings of object id that q's operator may see. seen: scratch
 * (HL_STIX_SIGHTINGS_SCAN ids). */
static int
sightings(struct hl_stixdb *d, const struct hl_stix_search *q, const char *id,
    uint64_t *seen, struct hl_stix_sighted *sg)
{
	struct sight_ctx c = { q, seen, 0, sg };

	memset(sg, 0, sizeof(*sg));
	return hl_store_stix_sightings(d->store, id, HL_STIX_SIGHTINGS_SCAN, sight_one, &c);
}

/* Cut text at a UTF-8 character boundary to fit dstlen. */
static void
copy_cut(char *dst, size_t dstlen, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

/* One result of hl_stixdb_find: the row of a hit, kept when q's operator
 * may see it. */
struct result_ctx {
	const struct hl_stix_search *q;
	struct hl_stix_hit *x;
	int kept;
};

static int
result_row(void *arg, const struct hl_stix_row *row, const char *name)
{
	struct result_ctx *c = arg;
	struct rule4 v = { c->q->policy, c->q->op };

	c->kept = visible(&v, row) && (c->q->may_read == NULL ||
	    c->q->may_read(c->q->arg, row->collection));
	if (!c->kept)
		return HL_OK;
	c->x->row = *row;
	if (name != NULL)
		copy_cut(c->x->name, sizeof(c->x->name), name);
	return HL_OK;
}

int
hl_stixdb_find(struct hl_stixdb *d, const struct hl_stix_search *q, const char **kind,
    struct hl_stix_hit **hits, size_t *n)
{
	struct hl_stix_obs o;
	struct hits h;
	struct hl_stix_hit *out = NULL;
	struct result_ctx rc;
	uint64_t *seen = NULL;
	char v[HL_STIX_SEARCH_MAX + 1];
	size_t i, cnt = 0, max, len;
	int r = HL_ERR_INTERNAL, began = 0;

	*kind = "";
	*hits = NULL;
	*n = 0;
	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	if (d == NULL || q == NULL || q->value == NULL || q->max == 0)
		return HL_ERR_INVALID;
	if ((len = strlen(q->value)) > HL_STIX_SEARCH_MAX)
		return HL_ERR_TOO_BIG;
	for (i = 0; i < len; i++)
		if ((unsigned char)q->value[i] < 0x20 || q->value[i] == 0x7f)
			return HL_ERR_MALFORMED;
	/* trimmed; blank is no search */
	if (fold(q->value, len, NULL, v) == 0)
		return HL_ERR_MALFORMED;
	max = q->max > HL_STIXDB_MATCH_MAX ? HL_STIXDB_MATCH_MAX : q->max;
	/* rule 4 and read lists may hide some: look further than max */
	h.max = max * 2;
	if ((h.v = hl_calloc(h.max, sizeof(*h.v))) == NULL)
		return HL_ERR_NOMEM;
	/* one snapshot (and one lock) for all the lookups */
	if ((r = hl_store_read_begin(d->store, &began)) != HL_OK)
		goto out;
	if ((r = classify_and_find(d, v, kind, &o, &h)) != HL_OK)
		goto out;
	/* results fill out in order; one hidden is overwritten by the next */
	if (h.n > 0 && ((out = hl_calloc(h.n < max ? h.n : max, sizeof(*out))) == NULL ||
	    (seen = hl_calloc(HL_STIX_SIGHTINGS_SCAN, sizeof(*seen))) == NULL)) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < h.n && cnt < max; i++) {
		struct hl_stix_hit *x = &out[cnt];

		rc.q = q;
		rc.x = x;
		rc.kept = 0;
		r = hl_store_stix_hit_row(d->store, (uint64_t)h.v[i].seq, result_row, &rc);
		if (r != HL_OK && r != HL_ERR_NOT_FOUND)
			goto out;
		if (r == HL_ERR_NOT_FOUND || !rc.kept) {
			memset(x, 0, sizeof(*x));
			continue;
		}
		x->field = h.v[i].field;
		x->exact = h.v[i].exact;
		copy_cut(x->matched, sizeof(x->matched), h.v[i].text[0] != '\0' ? h.v[i].text :
		    o.value);
		if ((r = sightings(d, q, x->row.id, seen, &x->sighted)) != HL_OK)
			goto out;
		cnt++;
	}
	if (cnt > 0) {
		*hits = out;
		out = NULL;
	}
	*n = cnt;
	r = HL_OK;
out:
	hl_store_read_end(d->store, began);
	hl_free(out);
	hl_free(seen);
	hl_free(h.v);
	return r;
}

void
hl_stixdb_hits_free(struct hl_stix_hit *hits, size_t n)
{
	(void)n;
	hl_free(hits);
}

/* ---- status, bridge, ingest, counts: the store's, through the handle ---- */

int
hl_stixdb_status_put(struct hl_stixdb *d, const char *id, const char *collection,
    const char *account, const char *status_json)
{
	return d != NULL ? hl_store_stix_status_put(d->store, id, collection, account,
	    status_json, hl_now_us()) : HL_ERR_INVALID;
}

int
hl_stixdb_status_get(struct hl_stixdb *d, const char *id, char **json,
    char account[HL_OPERATOR_MAX + 1])
{
	*json = NULL;
	account[0] = '\0';
	return d != NULL ? hl_store_stix_status_get(d->store, id, json, account) : HL_ERR_INVALID;
}

int
hl_stixdb_bridge_get(struct hl_stixdb *d, const char *name, char *cursor, size_t cursorlen)
{
	return d != NULL ? hl_store_stix_bridge_get(d->store, name, cursor, cursorlen) :
	    HL_ERR_INVALID;
}

int
hl_stixdb_bridge_set(struct hl_stixdb *d, const char *name, const char *cursor,
    uint64_t now)
{
	return d != NULL ? hl_store_stix_bridge_set(d->store, name, cursor, now) : HL_ERR_INVALID;
}

int
hl_stixdb_collection_room(struct hl_stixdb *d, const char *name, int *ok)
{
	*ok = 0;
	return d != NULL ? hl_store_stix_collection_room(d->store, name, ok) : HL_ERR_INVALID;
}

int
hl_stixdb_count(struct hl_stixdb *d, const char *collection, uint64_t *n)
{
	*n = 0;
	return d != NULL ? hl_store_stix_count(d->store, collection, n) : HL_ERR_INVALID;
}

int
hl_stixdb_ingested_mark(struct hl_stixdb *d, const uint8_t id[static HL_ID_BYTES])
{
	return d != NULL ? hl_store_stix_ingested_mark(d->store, id, hl_now_us()) : HL_ERR_INVALID;
}

int
hl_stixdb_ingest_pending(struct hl_stixdb *d, size_t max, uint8_t (**ids)[HL_ID_BYTES],
    size_t *n)
{
	*ids = NULL;
	*n = 0;
	return d != NULL ? hl_store_stix_ingest_pending(d->store, max, ids, n) : HL_ERR_INVALID;
}
