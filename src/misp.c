/* misp.c: MISP event JSON -> STIX 2.1 bundle (see misp.h for the mapping).
 * Pure: bytes in, a jansson tree out. Every value from the event is checked
 * before it reaches a pattern or an observable; a value that does not fit
 * its type skips that attribute with a reason, never the whole event.
 *
 * One MISP attribute, or one MISP object (a file merged with the pe and
 * pe-section objects it references), is one "unit": its attributes become
 * comparisons (root SCO type, property path, value). A unit with an
 * attribute marked to_ids becomes an indicator whose pattern holds one
 * observation per root type (so "ip-dst|port" is one network-traffic
 * observation); otherwise an observed-data with the SCOs those comparisons
 * describe.
 *
 * This file turns the event into the bundle (report, identity, event tags
 * and galaxies, the summary); misp_unit.c converts attributes and objects,
 * misp_observable.c their values into comparisons, patterns and
 * observables, misp_sdo.c builds STIX objects, markings and galaxies,
 * misp_value.c checks values (misp_int.h). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "misp.h"
#include "misp_int.h"
#include "stixid.h"

/* hotline's namespace for MISP-derived ids (a fixed random UUID) */
static const uint8_t misp_ns[16] = {
	0x6d, 0x0a, 0x4c, 0x9e, 0x5a, 0x3b, 0x4f, 0x1e,
	0x9c, 0x2d, 0x8b, 0x7a, 0x6e, 0x5f, 0x4d, 0x3c,
};

/* "type--uuid5(misp_ns, type:key)" into out[64]. */
int
misp_make_id(const char *type, const char *key, char out[64])
{
	char name[512], u[37];
	int n;

	n = snprintf(name, sizeof(name), "%s:%s", type, key);
	if (n < 0 || (size_t)n >= sizeof(name))
		return HL_ERR_TOO_BIG;
	if (hl_stixid_v5(misp_ns, name, (size_t)n, u) != HL_OK)
		return HL_ERR_CRYPTO;
	snprintf(out, 64, "%s--%s", type, u);
	return HL_OK;
}

void
misp_stat_add(struct hl_misp_stat *t, unsigned *n, const char *name)
{
	unsigned i;

	for (i = 0; i < *n; i++)
		if (strcmp(t[i].name, name) == 0) {
			t[i].n++;
			return;
		}
	if (*n >= HL_MISP_STAT_MAX) {
		/* the last slot collects the rest */
		snprintf(t[HL_MISP_STAT_MAX - 1].name, HL_MISP_NAME_MAX, "other");
		t[HL_MISP_STAT_MAX - 1].n++;
		return;
	}
	snprintf(t[*n].name, HL_MISP_NAME_MAX, "%s", name);
	t[*n].n = 1;
	(*n)++;
}

unsigned
hl_misp_stat_get(const struct hl_misp_stat *t, unsigned n, const char *name)
{
	unsigned i;

	for (i = 0; i < n && i < HL_MISP_STAT_MAX; i++)
		if (strcmp(t[i].name, name) == 0)
			return t[i].n;
	return 0;
}

void
misp_skip_attr(struct conv *c, const char *uuid, const char *type, const char *reason)
{
	struct hl_misp_summary *s = c->sum;

	s->skipped++;
	misp_stat_add(s->reasons, &s->nreasons, reason);
	if (s->nskip < HL_MISP_SKIP_DETAIL_MAX) {
		misp_clean_copy(s->skip[s->nskip].uuid, sizeof(s->skip[0].uuid), uuid);
		misp_clean_copy(s->skip[s->nskip].type, sizeof(s->skip[0].type), type);
		misp_clean_copy(s->skip[s->nskip].reason, sizeof(s->skip[0].reason), reason);
		s->nskip++;
	}
}

void
misp_conv_attr(struct conv *c, const char *type)
{
	c->sum->converted++;
	misp_stat_add(c->sum->conv, &c->sum->nconv, type);
}

/* Every indicator indicates the event's own galaxies. */
static int
event_indicates(struct conv *c)
{
	json_t *o, *g;
	size_t i, k, n = json_array_size(c->objects);
	const char *id;
	int r;

	if (json_array_size(c->galaxies) == 0)
		return HL_OK;
	for (i = 0; i < n; i++) {
		o = json_array_get(c->objects, i);
		id = misp_sget(o, "id");
		if (strcmp(misp_sget(o, "type"), "indicator") != 0)
			continue;
		json_array_foreach(c->galaxies, k, g)
			if ((r = misp_indicates(c, id, json_string_value(g))) != HL_OK)
				return r;
	}
	return HL_OK;
}

/* The TLP 2.0 marking-definition objects the bundle refers to, after the
 * report. */
static int
add_markings(struct conv *c)
{
	json_t *o = NULL, *ext = NULL, *tlp = NULL, *m;
	unsigned char used[NTLPS];
	size_t i, k, at = 0;
	int t;

	memset(used, 0, sizeof(used));
	json_array_foreach(c->event_marks, i, m)
		if ((t = misp_tlp_of_id(json_string_value(m))) >= 0)
			used[misp_tlps[t].rank] = 1;
	json_array_foreach(c->objects, i, o)
		json_array_foreach(json_object_get(o, "object_marking_refs"), k, m)
			if ((t = misp_tlp_of_id(json_string_value(m))) >= 0)
				used[misp_tlps[t].rank] = 1;
	o = NULL;
	for (i = 0; i < NTLPS; i++) {
		if (!used[misp_tlps[i].rank])
			continue;
		used[misp_tlps[i].rank] = 0;
		if ((o = json_object()) == NULL || (ext = json_object()) == NULL ||
		    (tlp = json_object()) == NULL ||
		    json_object_set_new(o, "type", json_string("marking-definition")) != 0 ||
		    json_object_set_new(o, "spec_version", json_string("2.1")) != 0 ||
		    json_object_set_new(o, "id", json_string(misp_tlps[i].id)) != 0 ||
		    json_object_set_new(o, "created", json_string(TLP2_CREATED)) != 0 ||
		    json_object_set_new(o, "name", json_string(misp_tlps[i].title)) != 0 ||
		    json_object_set_new(tlp, "extension_type", json_string("property-extension")) != 0 ||
		    json_object_set_new(tlp, "tlp_2_0", json_string(misp_tlps[i].name)) != 0 ||
		    json_object_set(ext, TLP2_EXT, tlp) != 0 ||
		    json_object_set(o, "extensions", ext) != 0 ||
		    json_object_set(c->seen, misp_tlps[i].id, o) != 0 ||
		    json_array_insert(c->objects, at++, o) != 0)
			goto fail;
		misp_stat_add(c->sum->stix, &c->sum->nstix, "marking-definition");
		c->sum->objects++;
		json_decref(o);
		json_decref(ext);
		json_decref(tlp);
		o = ext = tlp = NULL;
	}
	return HL_OK;
fail:
	json_decref(o);
	json_decref(ext);
	json_decref(tlp);
	return HL_ERR_NOMEM;
}

static int
do_event_tags(struct conv *c, const json_t *ev)
{
	json_t *tags = json_object_get(ev, "Tag"), *tg;
	const char *name;
	size_t i;
	int k;

	if (tags == NULL)
		return HL_OK;
	if (!json_is_array(tags))
		return HL_ERR_MALFORMED;
	if (json_array_size(tags) > HL_MISP_TAGS_MAX)
		return HL_ERR_TOO_BIG;
	json_array_foreach(tags, i, tg) {
		if ((name = misp_sget(tg, "name")) == NULL || name[0] == '\0' || strlen(name) > 256 ||
		    !misp_printable(name))
			continue;
		if ((k = misp_tlp_of_tag(name)) >= 0) {
			if (json_array_size(c->event_marks) == 0) {
				if (json_array_append_new(c->event_marks, json_string(misp_tlps[k].id)) != 0)
					return HL_ERR_NOMEM;
				snprintf(c->sum->tlp, sizeof(c->sum->tlp), "%s", misp_tlps[k].name);
			}
			continue;
		}
		if (json_array_append_new(c->labels, json_string(name)) != 0)
			return HL_ERR_NOMEM;
	}
	return HL_OK;
}

/* after the markings and the identity, so the objects carry them */
static int
do_galaxies(struct conv *c, const json_t *ev)
{
	json_t *tags = json_object_get(ev, "Tag"), *tg;
	const char *name;
	char id[64];
	size_t i;
	int r;

	json_array_foreach(tags, i, tg) {
		if ((name = misp_sget(tg, "name")) == NULL || strlen(name) > 256 ||
		    strncmp(name, "misp-galaxy:", 12) != 0)
			continue;
		if ((r = misp_galaxy_obj(c, name, id)) != HL_OK)
			return r;
		if (id[0] != '\0' && (r = misp_append_unique(c->galaxies, id)) != HL_OK)
			return r;
	}
	return HL_OK;
}

static int
do_identity(struct conv *c, const json_t *ev)
{
	json_t *org = json_object_get(ev, "Orgc"), *o;
	const char *name = misp_sget(org, "name"), *uuid = misp_sget(org, "uuid");
	char id[64], key[300];
	int r;

	c->creator[0] = '\0';
	if (name == NULL || name[0] == '\0' || strlen(name) > 255 || !misp_printable(name))
		return HL_OK;
	snprintf(key, sizeof(key), "%s", uuid != NULL && misp_is_uuid(uuid) ? uuid : name);
	if ((r = misp_make_id("identity", key, id)) != HL_OK)
		return r;
	if ((o = misp_sdo_new(c, "identity", id, c->event_time, c->event_marks)) == NULL ||
	    json_object_set_new(o, "name", json_string(name)) != 0 ||
	    json_object_set_new(o, "identity_class", json_string("organization")) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if ((r = misp_emit(c, o, 0)) < 0)
		return r;
	snprintf(c->creator, sizeof(c->creator), "%s", id);
	return HL_OK;
}

static int
count_attrs(const json_t *ev, size_t *nattrs, size_t *nobjs)
{
	json_t *attrs = json_object_get(ev, "Attribute"), *objs = json_object_get(ev, "Object");
	json_t *o, *oa, *or;
	size_t i;

	*nattrs = 0;
	*nobjs = 0;
	if ((attrs != NULL && !json_is_array(attrs)) || (objs != NULL && !json_is_array(objs)))
		return HL_ERR_MALFORMED;
	*nattrs = json_array_size(attrs);
	*nobjs = json_array_size(objs);
	if (*nobjs > HL_MISP_OBJECTS_MAX)
		return HL_ERR_TOO_BIG;
	json_array_foreach(objs, i, o) {
		oa = json_object_get(o, "Attribute");
		or = json_object_get(o, "ObjectReference");
		if ((oa != NULL && !json_is_array(oa)) || (or != NULL && !json_is_array(or)))
			return HL_ERR_MALFORMED;
		if (json_array_size(oa) > HL_MISP_OBJ_ATTRS_MAX ||
		    json_array_size(or) > HL_MISP_OBJ_ATTRS_MAX)
			return HL_ERR_TOO_BIG;
		*nattrs += json_array_size(oa);
	}
	return *nattrs > HL_MISP_ATTRS_MAX ? HL_ERR_TOO_BIG : HL_OK;
}

static int
finish_report(struct conv *c, const json_t *ev, int64_t published)
{
	json_t *o = NULL, *types = NULL;
	const char *info = misp_sget(ev, "info");
	char pub[32];
	int r;

	if (json_array_size(c->refs) == 0 &&
	    json_array_append_new(c->refs, json_string(c->creator[0] != '\0' ? c->creator :
	    c->report_id)) != 0)
		return HL_ERR_NOMEM;
	if ((r = misp_fmt_time(published, pub)) != HL_OK)
		return r;
	if ((o = misp_sdo_new(c, "report", c->report_id, c->event_time, c->event_marks)) == NULL ||
	    (types = json_array()) == NULL ||
	    json_array_append_new(types, json_string("threat-report")) != 0 ||
	    json_object_set_new(o, "name", json_string(info != NULL && info[0] != '\0' ? info :
	    "MISP event")) != 0 ||
	    json_object_set(o, "report_types", types) != 0 ||
	    json_object_set_new(o, "published", json_string(pub)) != 0 ||
	    json_object_set(o, "object_refs", c->refs) != 0 ||
	    (json_array_size(c->labels) > 0 && json_object_set(o, "labels", c->labels) != 0) ||
	    (json_array_size(c->ext_refs) > 0 &&
	    json_object_set(o, "external_references", c->ext_refs) != 0)) {
		json_decref(types);
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	json_decref(types);
	/* the report goes first, where readers look for it */
	if (json_object_set(c->seen, c->report_id, o) != 0) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if (json_array_insert_new(c->objects, 0, o) != 0)
		return HL_ERR_NOMEM;
	misp_stat_add(c->sum->stix, &c->sum->nstix, "report");
	c->sum->objects++;
	return HL_OK;
}

static void
conv_free(struct conv *c)
{
	unsigned i;

	if (c->u.c != NULL)
		for (i = 0; i < c->u.n; i++)
			hl_free(c->u.c[i].value);
	hl_free(c->u.c);
	hl_free(c->u.a);
	hl_buf_free(&c->u.desc);
	json_decref(c->u.galaxies);
	json_decref(c->u.labels);
	json_decref(c->objects);
	json_decref(c->seen);
	json_decref(c->refs);
	json_decref(c->ext_refs);
	json_decref(c->labels);
	json_decref(c->event_marks);
	json_decref(c->uuidmap);
	json_decref(c->galaxies);
	json_decref(c->objbyuuid);
	json_decref(c->parent);
}

int
hl_misp_convert(const uint8_t *p, size_t len, json_t **bundle, struct hl_misp_summary *sum,
    char *err, size_t errlen)
{
	struct conv c;
	json_t *root = NULL, *ev, *b = NULL, *a, *o;
	json_error_t je;
	const char *uuid;
	char bid[64];
	int64_t published = 0;
	size_t i, nattrs, nobjs;
	int r = HL_ERR_MALFORMED;

	memset(&c, 0, sizeof(c));
	hl_buf_init(&c.u.desc, HL_MISP_TEXT_MAX);
	*bundle = NULL;
	memset(sum, 0, sizeof(*sum));
	hl_set_err(err, errlen, "%s", "");
	c.sum = sum;
	if (len > HL_MISP_MAX_BYTES) {
		hl_set_err(err, errlen, "MISP event larger than %u bytes", HL_MISP_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if (len == 0 || p == NULL) {
		hl_set_err(err, errlen, "MISP event is empty");
		return HL_ERR_MALFORMED;
	}
	if (!hl_apijson_depth_ok(p, len)) {
		hl_set_err(err, errlen, "MISP event nested deeper than %d levels", HL_JSON_DEPTH_MAX);
		return HL_ERR_MALFORMED;
	}
	if ((root = json_loadb((const char *)p, len, JSON_REJECT_DUPLICATES, &je)) == NULL) {
		hl_set_err(err, errlen, "MISP event is not valid JSON (line %d): %s", je.line, je.text);
		goto out;
	}
	ev = json_object_get(root, "Event");
	if (ev == NULL)
		ev = root;
	if (!json_is_object(ev)) {
		hl_set_err(err, errlen, "not a MISP event: no Event object");
		goto out;
	}
	if ((uuid = misp_sget(ev, "uuid")) == NULL || !misp_is_uuid(uuid)) {
		hl_set_err(err, errlen, "not a MISP event: no valid event uuid");
		goto out;
	}
	snprintf(sum->event_uuid, sizeof(sum->event_uuid), "%s", uuid);
	misp_clean_copy(sum->info, sizeof(sum->info),
	    misp_sget(ev, "info") != NULL ? misp_sget(ev, "info") : "");
	if (misp_get_ts(ev, "timestamp", &c.event_ts) != HL_OK &&
	    misp_parse_date(misp_sget(ev, "date"), &c.event_ts) != HL_OK) {
		hl_set_err(err, errlen, "MISP event %s has no valid timestamp or date", uuid);
		goto out;
	}
	if (misp_fmt_time(c.event_ts, c.event_time) != HL_OK) {
		hl_set_err(err, errlen, "MISP event %s: timestamp out of range", uuid);
		goto out;
	}
	if ((misp_get_ts(ev, "publish_timestamp", &published) != HL_OK || published == 0) &&
	    misp_parse_date(misp_sget(ev, "date"), &published) != HL_OK)
		published = c.event_ts;
	if ((r = count_attrs(ev, &nattrs, &nobjs)) != HL_OK) {
		hl_set_err(err, errlen, r == HL_ERR_TOO_BIG ? "MISP event %s: more than %d attributes "
		    "or %d objects (or %d attributes or references in one object)" :
		    "MISP event %s: Attribute, Object or ObjectReference is not an array", uuid,
		    HL_MISP_ATTRS_MAX, HL_MISP_OBJECTS_MAX, HL_MISP_OBJ_ATTRS_MAX);
		goto out;
	}
	r = HL_ERR_NOMEM;
	if ((c.objects = json_array()) == NULL || (c.seen = json_object()) == NULL ||
	    (c.refs = json_array()) == NULL || (c.ext_refs = json_array()) == NULL ||
	    (c.labels = json_array()) == NULL || (c.event_marks = json_array()) == NULL ||
	    (c.uuidmap = json_object()) == NULL || (c.galaxies = json_array()) == NULL ||
	    (c.objbyuuid = json_object()) == NULL || (c.parent = json_object()) == NULL ||
	    (c.u.c = hl_calloc(CMPS_MAX, sizeof(*c.u.c))) == NULL ||
	    (c.u.a = hl_calloc(HL_MISP_UNIT_ATTRS_MAX, sizeof(*c.u.a))) == NULL)
		goto out;
	if ((r = misp_make_id("report", uuid, c.report_id)) != HL_OK)
		goto out;
	if ((r = do_event_tags(&c, ev)) != HL_OK) {
		hl_set_err(err, errlen, r == HL_ERR_TOO_BIG ? "MISP event %s: more than %d tags" :
		    r == HL_ERR_MALFORMED ? "MISP event %s: Tag is not an array" :
		    "MISP event %s: out of memory", uuid, HL_MISP_TAGS_MAX);
		goto out;
	}
	if ((r = do_identity(&c, ev)) != HL_OK || (r = do_galaxies(&c, ev)) != HL_OK ||
	    (r = misp_plan_merges(&c, ev)) != HL_OK)
		goto out;
	json_array_foreach(json_object_get(ev, "Attribute"), i, a)
		if ((r = misp_do_attribute(&c, a)) != HL_OK)
			goto out;
	json_array_foreach(json_object_get(ev, "Object"), i, o)
		if ((r = misp_do_object(&c, o)) != HL_OK)
			goto out;
	if ((r = misp_do_references(&c, ev)) != HL_OK || (r = event_indicates(&c)) != HL_OK ||
	    (r = add_markings(&c)) != HL_OK || (r = finish_report(&c, ev, published)) != HL_OK)
		goto out;
	if ((r = misp_make_id("bundle", uuid, bid)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((b = json_object()) == NULL ||
	    json_object_set_new(b, "type", json_string("bundle")) != 0 ||
	    json_object_set_new(b, "id", json_string(bid)) != 0 ||
	    json_object_set(b, "objects", c.objects) != 0)
		goto out;
	*bundle = b;
	b = NULL;
	r = HL_OK;
out:
	if (r == HL_ERR_NOMEM)
		hl_set_err(err, errlen, "out of memory converting the MISP event");
	else if (r != HL_OK && err != NULL && errlen > 0 && err[0] == '\0')
		hl_set_err(err, errlen, "cannot convert the MISP event: %s", hl_strerror(r));
	if (r != HL_OK) {
		memset(sum, 0, sizeof(*sum));
		json_decref(b);
	}
	json_decref(root);
	conv_free(&c);
	return r;
}

static json_t *
stat_json(const struct hl_misp_stat *t, unsigned n)
{
	json_t *o = json_object();
	unsigned i;

	for (i = 0; o != NULL && i < n && i < HL_MISP_STAT_MAX; i++)
		if (json_object_set_new(o, t[i].name, json_integer(t[i].n)) != 0) {
			json_decref(o);
			return NULL;
		}
	return o;
}

json_t *
hl_misp_summary_json(const struct hl_misp_summary *s)
{
	json_t *o = NULL, *d = NULL, *x;
	unsigned i;

	if ((o = json_pack("{s:s,s:s,s:s,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:I,s:o*,s:o*,s:o*}",
	    "event", s->event_uuid, "info", s->info, "tlp", s->tlp,
	    "attributes", (json_int_t)s->attributes, "converted", (json_int_t)s->converted,
	    "skipped", (json_int_t)s->skipped, "objects", (json_int_t)s->objects,
	    "references", (json_int_t)s->references,
	    "references_merged", (json_int_t)s->references_merged,
	    "references_unresolved", (json_int_t)s->references_unresolved,
	    "relationships_left_out", (json_int_t)s->rels_left_out,
	    "converted_by_type", stat_json(s->conv, s->nconv),
	    "stix_by_type", stat_json(s->stix, s->nstix),
	    "skipped_by_reason", stat_json(s->reasons, s->nreasons))) == NULL)
		return NULL;
	if ((d = json_array()) == NULL)
		goto fail;
	for (i = 0; i < s->nskip && i < HL_MISP_SKIP_DETAIL_MAX; i++) {
		if ((x = json_pack("{s:s,s:s,s:s}", "uuid", s->skip[i].uuid, "type", s->skip[i].type,
		    "reason", s->skip[i].reason)) == NULL || json_array_append_new(d, x) != 0)
			goto fail;
	}
	if (json_object_set_new(o, "skipped_detail", d) != 0) {
		d = NULL;
		goto fail;
	}
	return o;
fail:
	json_decref(d);
	json_decref(o);
	return NULL;
}
