/* narr.c: disinformation narratives linked across partners (narr.h,
 * docs/DETECTION.md, "Narratives"). */

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "clock.h"
#include "label.h"
#include "log.h"
#include "narr.h"
#include "simtext.h"
#include "stix.h"
#include "stixdb.h"
#include "stixid.h"
#include "stixshare.h"

/* The UUID v5 namespace of link ids (a random UUID of ours, fixed). */
static const uint8_t narr_ns[16] = {
	0x6b, 0x1f, 0x0e, 0x53, 0x2c, 0x9a, 0x4d, 0x27,
	0x8e, 0x41, 0x5f, 0xb2, 0x03, 0xd8, 0x7c, 0x96,
};

static const char *const narr_types[] = { "report", "incident", "campaign" };

#define NARR_WHO_MAX 72   /* a partner code, or "ext:" and an external source */
#define NARR_REFS_SCAN 16 /* a report's object_refs looked at by narr_wraps */

struct narr_item {
	char id[HL_STIX_ID_MAX + 1];
	char who[NARR_WHO_MAX + 1];
};

struct hl_narr {
	const struct hl_config *cfg;
	struct hl_store *store;
	struct hl_stixdb *d;               /* opened at the first scan */
	struct hl_simtext_index *idx;
	struct narr_item *items;           /* items[k] is the index's item k */
	size_t nitems, cap;
	uint64_t after_us[HL_COLLECTIONS_MAX];
	int full_said;
};

struct narr_match {
	uint64_t item;
	double sim;
};

struct narr_matches {
	size_t n;
	struct narr_match m[HL_NARR_MATCHES_MAX];
};

int
hl_narr_new(const struct hl_config *cfg, struct hl_store *s, struct hl_narr **out)
{
	struct hl_narr *n = NULL;
	int r = HL_ERR_NOMEM;

	*out = NULL;
	if ((n = hl_calloc(1, sizeof(*n))) == NULL)
		goto out;
	n->cfg = cfg;
	n->store = s;
	if ((r = hl_simtext_index_new(HL_SIMTEXT_INDEX_MAX, &n->idx)) != HL_OK)
		goto out;
	*out = n;
	n = NULL;
	r = HL_OK;
out:
	hl_narr_free(n);
	return r;
}

void
hl_narr_free(struct hl_narr *n)
{
	if (n == NULL)
		return;
	hl_stixdb_close(n->d);
	hl_simtext_index_free(n->idx);
	hl_free(n->items);
	hl_free(n);
}

/* Who told it: the origin partner, this node's partner for our own, or
 * the external source it was pulled from. */
static void
narr_who(const struct hl_narr *n, const struct hl_stix_row *row, char out[NARR_WHO_MAX + 1])
{
	if (row->prov.source == HL_STIX_EXTERNAL)
		(void)snprintf(out, NARR_WHO_MAX + 1, "ext:%s", row->prov.node);
	else if (row->prov.partner[0] != '\0')
		(void)snprintf(out, NARR_WHO_MAX + 1, "%s", row->prov.partner);
	else
		(void)snprintf(out, NARR_WHO_MAX + 1, "%s", n->cfg->partner);
}

static int
on_match(void *arg, uint64_t item, double sim)
{
	struct narr_matches *m = arg;

	m->m[m->n].item = item;
	m->m[m->n].sim = sim;
	return ++m->n == HL_NARR_MATCHES_MAX;
}

/* The link's id: one per pair, whichever of the two came first. */
static int
narr_link_id(const char *a, const char *b, char out[64])
{
	char name[2 * HL_STIX_ID_MAX + 4], u[HL_STIXID_UUID_LEN + 1];
	int r;

	if (strcmp(a, b) > 0) {
		const char *t = a;

		a = b;
		b = t;
	}
	(void)snprintf(name, sizeof(name), "%s|%s", a, b);
	if ((r = hl_stixid_v5(narr_ns, name, strlen(name), u)) != HL_OK)
		return r;
	(void)snprintf(out, 64, "relationship--%s", u);
	return HL_OK;
}

/* The label of a row. */
static int
narr_row_label(const struct hl_stix_row *row, struct hl_label *l)
{
	return hl_label_decode(row->label, row->label_len, l) == HL_OK ? HL_OK : HL_ERR_CORRUPT;
}

/* Link newer (a row just read) to the earlier item old, unless linked
 * already: stored and audited in one transaction. OUT: *made. */
static int
narr_link(struct hl_narr *n, const struct hl_stix_row *newer, const char *newer_who,
    const struct narr_item *old, double sim, int *made)
{
	struct hl_stix_row *er = NULL, *ex = NULL;
	struct hl_label la, lb, lm;
	struct hl_stix_prov prov;
	uint8_t enc[HL_LABEL_MAX_BYTES];
	size_t enclen;
	char rid[64], ident[64], now[32], desc[128], err[HL_STIX_ERR_MAX];
	char detail[HL_AUDIT_DETAIL_MAX];
	json_t *o = NULL;
	int r, added = 0, began = 0;

	*made = 0;
	if ((r = narr_link_id(newer->id, old->id, rid)) != HL_OK)
		goto out;
	r = hl_stixdb_get_latest(n->d, NULL, rid, NULL, NULL, &ex);
	if (r != HL_ERR_NOT_FOUND)
		goto out;   /* HL_OK: linked already */
	if ((r = hl_stixdb_get_latest(n->d, NULL, old->id, NULL, NULL, &er)) != HL_OK)
		goto out;
	if ((r = narr_row_label(newer, &la)) != HL_OK || (r = narr_row_label(er, &lb)) != HL_OK)
		goto out;
	if (hl_label_meet(&la, &lb, n->cfg->partner, &lm) != HL_OK) {
		log_warnx("narratives: %s and %s not linked: labels of two policies", newer->id,
		    old->id);
		r = HL_OK;
		goto out;
	}
	if ((r = hl_label_encode_to(&lm, enc, &enclen)) != HL_OK)
		goto out;
	hl_stixid_identity(n->cfg->node, ident);
	hl_stixshare_time(hl_now_us() / 1000 * 1000, now);
	(void)snprintf(desc, sizeof(desc), "same narrative: similarity %.2f (MinHash, %d hashes)",
	    sim, HL_SIMTEXT_HASHES);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:[s],"
	    " s:{s:f, s:s, s:s}}", "type", "relationship", "spec_version", "2.1", "id", rid,
	    "created", now, "modified", now, "created_by_ref", ident, "relationship_type",
	    "related-to", "source_ref", newer->id, "target_ref", old->id, "description", desc,
	    "object_marking_refs", hl_stix_tlp_marking_id(lm.tlp), "x_hotline_narrative",
	    "similarity", sim, "source_origin", newer_who, "target_origin", old->who);
	if (o == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (hl_stix_validate(o, err, sizeof(err)) != HL_OK) {
		log_warnx("narratives: link %s: %s", rid, err);
		r = HL_ERR_INTERNAL;
		goto out;
	}
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", n->cfg->partner);
	(void)snprintf(prov.node, sizeof(prov.node), "%s", n->cfg->node);
	(void)snprintf(prov.added_by, sizeof(prov.added_by), "%s", n->cfg->node);
	(void)snprintf(detail, sizeof(detail), "relationship=%s source=%s source_origin=%s "
	    "target=%s target_origin=%s similarity=%.2f collection=%s", rid, newer->id, newer_who,
	    old->id, old->who, sim, newer->collection);
	if ((r = hl_stixdb_begin(n->d)) != HL_OK)
		goto out;
	began = 1;
	if ((r = hl_stixdb_put(n->d, newer->collection, o, enc, enclen, &prov, NULL,
	    &added)) != HL_OK ||
	    (added && (r = hl_store_audit(n->store, "stix-narrative", NULL, n->cfg->node, detail,
	    hl_now_ms())) != HL_OK))
		goto out;
	began = 0;
	/* written, on disk with the syncer's next fsync (no wait on the loop):
	 * a link a crash loses is lost with its audit entry, and made again
	 * by the next start's rebuild */
	if ((r = hl_stixdb_commit_nowait(n->d)) != HL_OK)
		goto out;
	*made = added;
	r = HL_OK;
out:
	if (began)
		hl_stixdb_rollback(n->d);
	json_decref(o);
	hl_stixdb_rows_free(er, er != NULL);
	hl_stixdb_rows_free(ex, ex != NULL);
	return r;
}

/* Keep item (index it) unless the index is full (HL_SIMTEXT_INDEX_MAX):
 * beyond that, later objects are still compared with the first ones, but
 * are not compared with each other. */
static int
narr_keep(struct hl_narr *n, const char *id, const char *who, const struct hl_simtext_sig *sig)
{
	struct narr_item *it;
	size_t cap;
	int r;

	if (n->nitems >= HL_SIMTEXT_INDEX_MAX) {
		if (!n->full_said)
			log_warnx("narratives: %u objects indexed, the most: later ones are compared "
			    "with those, not with each other", HL_SIMTEXT_INDEX_MAX);
		n->full_said = 1;
		return HL_OK;
	}
	if (n->nitems == n->cap) {
		cap = n->cap == 0 ? 256 : n->cap * 2;
		if (cap > HL_SIMTEXT_INDEX_MAX)
			cap = HL_SIMTEXT_INDEX_MAX;
		if ((it = hl_realloc(n->items, cap * sizeof(*it))) == NULL)
			return HL_ERR_NOMEM;
		n->items = it;
		n->cap = cap;
	}
	if ((r = hl_simtext_index_add(n->idx, n->nitems, sig)) != HL_OK)
		return r;
	it = &n->items[n->nitems++];
	(void)snprintf(it->id, sizeof(it->id), "%s", id);
	(void)snprintf(it->who, sizeof(it->who), "%s", who);
	return HL_OK;
}

/* Is obj (a row from who) a report that only wraps a narrative told
 * already: one of its first NARR_REFS_SCAN object_refs an incident or
 * campaign stored here from the same partner with the same description
 * (a DISARM bundle's report repeats its incident's)? Then the incident
 * stands for it, and two partners' bundles of one narrative are one link,
 * not four. OUT: *is. */
static int
narr_wraps(struct hl_narr *n, const json_t *obj, const char *who, int *is)
{
	struct hl_stix_row *rr = NULL;
	json_t *refs = json_object_get(obj, "object_refs"), *ro = NULL;
	const char *ref, *desc = json_string_value(json_object_get(obj, "description")), *rd;
	char rwho[NARR_WHO_MAX + 1];
	size_t i;
	int r = HL_OK;

	*is = 0;
	if (strcmp(json_string_value(json_object_get(obj, "type")), "report") != 0 ||
	    desc == NULL)
		return HL_OK;
	for (i = 0; i < json_array_size(refs) && i < NARR_REFS_SCAN && !*is; i++) {
		ref = json_string_value(json_array_get(refs, i));
		if (ref == NULL || (strncmp(ref, "incident--", 10) != 0 &&
		    strncmp(ref, "campaign--", 10) != 0))
			continue;
		r = hl_stixdb_get_latest(n->d, NULL, ref, NULL, NULL, &rr);
		if (r == HL_ERR_NOT_FOUND) {
			r = HL_OK;
			continue;
		}
		if (r != HL_OK)
			break;
		narr_who(n, rr, rwho);
		if ((ro = json_loadb(rr->json, rr->json_len, 0, NULL)) != NULL &&
		    (rd = json_string_value(json_object_get(ro, "description"))) != NULL &&
		    strcmp(rd, desc) == 0 && strcmp(rwho, who) == 0)
			*is = 1;
		json_decref(ro);
		ro = NULL;
		hl_stixdb_rows_free(rr, 1);
		rr = NULL;
	}
	return r;
}

/* One stored row: sign it, link it to the earlier ones from others, index
 * it. Rows that tell no narrative (no words, malformed) are passed by, and
 * so are reports that only wrap one (narr_wraps). */
static int
narr_one(struct hl_narr *n, const struct hl_stix_row *row, size_t *linked)
{
	struct hl_simtext_sig sig;
	struct narr_matches m;
	const struct narr_item *it;
	char who[NARR_WHO_MAX + 1];
	json_t *obj = NULL;
	size_t i;
	int r = HL_OK, made, wraps;

	if (row->revoked || row->json == NULL ||
	    (obj = json_loadb(row->json, row->json_len, 0, NULL)) == NULL)
		goto out;
	if ((r = hl_simtext_sign_stix(obj, &sig)) != HL_OK || sig.shingles == 0) {
		r = r == HL_ERR_NOMEM ? r : HL_OK;   /* else: no narrative to compare */
		goto out;
	}
	narr_who(n, row, who);
	if ((r = narr_wraps(n, obj, who, &wraps)) != HL_OK || wraps)
		goto out;
	m.n = 0;
	if ((r = hl_simtext_index_query(n->idx, &sig, n->cfg->narrative_threshold, on_match,
	    &m)) != HL_OK)
		goto out;
	for (i = 0; i < m.n; i++) {
		it = &n->items[m.m[i].item];
		if (strcmp(it->id, row->id) == 0 || strcmp(it->who, who) == 0)
			continue;
		if ((r = narr_link(n, row, who, it, m.m[i].sim, &made)) != HL_OK)
			goto out;
		*linked += (size_t)made;
	}
	r = narr_keep(n, row->id, who, &sig);
out:
	json_decref(obj);
	return r;
}

int
hl_narr_scan(struct hl_narr *n, size_t *linked)
{
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	size_t nrows = 0, i, k, made = 0;
	unsigned c;
	int more, r = HL_OK;

	if (linked != NULL)
		*linked = 0;
	if (n->d == NULL && (r = hl_stixdb_open(n->store, &n->d)) != HL_OK)
		return r;
	for (c = 0; c < n->cfg->ncollections && c < HL_COLLECTIONS_MAX; c++) {
		do {
			memset(&q, 0, sizeof(q));
			q.collection = n->cfg->collections[c].name;
			q.after_us = n->after_us[c];
			q.ntypes = sizeof(narr_types) / sizeof(narr_types[0]);
			for (k = 0; k < q.ntypes; k++)
				q.types[k] = narr_types[k];
			q.vsel = HL_STIX_V_ALL;
			q.limit = HL_NARR_PAGE;
			if ((r = hl_stixdb_objects(n->d, &q, &rows, &nrows, &more)) != HL_OK)
				goto out;
			for (i = 0; i < nrows; i++) {
				/* out of memory or storage: this object again at the
				 * next scan; anything else would fail again: passed by */
				r = narr_one(n, &rows[i], &made);
				if (r == HL_ERR_NOMEM || r == HL_ERR_STORE || r == HL_ERR_FULL)
					goto out;
				if (r != HL_OK)
					log_warnx("narratives: %s not linked: %s", rows[i].id,
					    hl_strerror(r));
				n->after_us[c] = rows[i].date_added_us;
			}
			hl_stixdb_rows_free(rows, nrows);
			rows = NULL;
			nrows = 0;
		} while (more);
	}
	r = HL_OK;
out:
	hl_stixdb_rows_free(rows, nrows);
	if (made > 0)
		log_info("narratives: %zu new link(s)", made);
	if (linked != NULL)
		*linked = made;
	return r;
}

/* ---- the list ---- */

/* One end of a link as JSON, if op may see it; NULL (r HL_OK) when not. */
static int
narr_end(struct hl_narr *n, const char *id, const struct hl_operator_conf *op,
    int (*may_read)(void *arg, const char *collection), void *arg, json_t **out)
{
	struct hl_stix_row *row = NULL;
	struct hl_label l;
	json_t *obj = NULL;
	const char *name;
	char lt[HL_LABEL_TEXT_MAX];
	int r;

	*out = NULL;
	r = hl_stixdb_get_latest(n->d, NULL, id, &n->cfg->policy, op, &row);
	if (r == HL_ERR_NOT_FOUND) {
		r = HL_OK;
		goto out;
	}
	if (r != HL_OK)
		goto out;
	if (may_read != NULL && !may_read(arg, row->collection))
		goto out;
	if ((r = narr_row_label(row, &l)) != HL_OK)
		goto out;
	hl_label_format(&l, &n->cfg->policy, lt, sizeof(lt));
	obj = json_loadb(row->json, row->json_len, 0, NULL);
	name = json_string_value(json_object_get(obj, "name"));
	*out = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "id", row->id, "type", row->type,
	    "name", name != NULL ? name : "", "origin_partner", row->prov.partner[0] != '\0' ?
	    row->prov.partner : n->cfg->partner, "origin_node", row->prov.node, "collection",
	    row->collection, "label", lt);
	r = *out != NULL ? HL_OK : HL_ERR_NOMEM;
out:
	json_decref(obj);
	hl_stixdb_rows_free(row, row != NULL);
	return r;
}

/* One link row as a listed pair into arr, if op may see both ends. */
static int
narr_pair(struct hl_narr *n, const struct hl_stix_row *row, const struct hl_operator_conf *op,
    int (*may_read)(void *arg, const char *collection), void *arg, json_t *arr)
{
	json_t *obj = NULL, *src = NULL, *dst = NULL, *x, *it;
	struct hl_label l;
	char lt[HL_LABEL_TEXT_MAX];
	int r = HL_OK;

	if ((obj = json_loadb(row->json, row->json_len, 0, NULL)) == NULL ||
	    (x = json_object_get(obj, "x_hotline_narrative")) == NULL ||
	    json_string_value(json_object_get(obj, "source_ref")) == NULL ||
	    json_string_value(json_object_get(obj, "target_ref")) == NULL)
		goto out;
	if ((r = narr_end(n, json_string_value(json_object_get(obj, "source_ref")), op, may_read,
	    arg, &src)) != HL_OK || src == NULL ||
	    (r = narr_end(n, json_string_value(json_object_get(obj, "target_ref")), op, may_read,
	    arg, &dst)) != HL_OK || dst == NULL)
		goto out;
	if ((r = narr_row_label(row, &l)) != HL_OK)
		goto out;
	hl_label_format(&l, &n->cfg->policy, lt, sizeof(lt));
	it = json_pack("{s:s, s:O, s:s, s:s, s:s, s:s, s:O, s:O}", "id", row->id, "similarity",
	    json_object_get(x, "similarity"), "description",
	    json_string_value(json_object_get(obj, "description")), "collection",
	    row->collection, "label", lt, "created", row->version, "source", src, "target", dst);
	if (it == NULL || json_array_append_new(arr, it) != 0)
		r = HL_ERR_NOMEM;
out:
	json_decref(src);
	json_decref(dst);
	json_decref(obj);
	return r;
}

int
hl_narr_list(struct hl_narr *n, const struct hl_operator_conf *op,
    int (*may_read)(void *arg, const char *collection), void *arg, json_t **out)
{
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	json_t *arr = NULL;
	size_t nrows = 0, i;
	unsigned c;
	int more, r;

	*out = NULL;
	/* what was stored since the last scan first; the links stored are
	 * listed even when that fails */
	if ((r = hl_narr_scan(n, NULL)) != HL_OK)
		log_warnx("narratives: the scan failed: %s", hl_strerror(r));
	if (n->d == NULL) {
		r = HL_ERR_STORE;
		goto out;
	}
	if ((arr = json_array()) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	for (c = 0; c < n->cfg->ncollections && c < HL_COLLECTIONS_MAX; c++) {
		if (may_read != NULL && !may_read(arg, n->cfg->collections[c].name))
			continue;
		memset(&q, 0, sizeof(q));
		q.collection = n->cfg->collections[c].name;
		do {
			q.ntypes = 1;
			q.types[0] = "relationship";
			q.limit = HL_NARR_PAGE;
			q.policy = &n->cfg->policy;
			q.op = op;
			if ((r = hl_stixdb_objects(n->d, &q, &rows, &nrows, &more)) != HL_OK)
				goto out;
			for (i = 0; i < nrows && json_array_size(arr) < HL_NARR_LIST_MAX; i++) {
				if (strcmp(rows[i].prov.added_by, n->cfg->node) == 0 &&
				    rows[i].prov.source == HL_STIX_LOCAL &&
				    (r = narr_pair(n, &rows[i], op, may_read, arg, arr)) != HL_OK)
					goto out;
				q.after_us = rows[i].date_added_us;
			}
			hl_stixdb_rows_free(rows, nrows);
			rows = NULL;
			nrows = 0;
		} while (more && json_array_size(arr) < HL_NARR_LIST_MAX);
	}
	*out = arr;
	arr = NULL;
	r = HL_OK;
out:
	hl_stixdb_rows_free(rows, nrows);
	json_decref(arr);
	return r;
}
