/* misp_unit.c: MISP attributes and MISP objects as units (misp.c): special
 * types (vulnerability, yara/snort/sigma, pdb, comment/text, link), objects
 * with their pe and pe-section merges, and ObjectReferences. */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "buf.h"
#include "misp_int.h"
#include "stix.h"

static const char *
attr_time(struct conv *c, const json_t *a, char buf[32])
{
	int64_t ts;

	if (misp_get_ts(a, "timestamp", &ts) == HL_OK && misp_fmt_time(ts, buf) == HL_OK)
		return buf;
	return c->event_time;
}

/* vulnerability, yara/snort/sigma rules and pdb paths: not patterns over
 * observables. Returns 1 when the type is one of them (*made set). */
static int
special_attr(struct conv *c, const json_t *a, const char *uuid, const char *type,
    const char *value, const json_t *marks, const char *time, const char **why, int *made,
    char id[64], int *r)
{
	const char *comment = misp_sget(a, "comment"), *category = misp_sget(a, "category");
	json_t *o = NULL, *er = NULL, *ers = NULL;
	int rule = strcmp(type, "yara") == 0 || strcmp(type, "snort") == 0 ||
	    strcmp(type, "sigma") == 0;
	char name[HL_MISP_NAME_MAX + 8];
	size_t vl = strlen(value);

	*why = NULL;
	*made = 0;
	*r = HL_OK;
	id[0] = '\0';
	if (!rule && strcmp(type, "vulnerability") != 0 && strcmp(type, "pdb") != 0)
		return 0;
	if (vl == 0) {
		*why = "empty value";
		return 1;
	}
	if (vl > (rule ? (size_t)HL_STIX_PATTERN_MAX : (size_t)HL_MISP_VALUE_MAX)) {
		*why = "value too long";
		return 1;
	}
	if (rule ? !misp_rule_text_ok(value) : !misp_printable(value)) {
		*why = "malformed value";
		return 1;
	}
	*r = HL_ERR_NOMEM;
	if (rule) {
		snprintf(name, sizeof(name), "MISP %s", type);
		if ((*r = misp_make_id("indicator", uuid, id)) != HL_OK ||
		    (o = misp_sdo_new(c, "indicator", id, time, marks)) == NULL ||
		    json_object_set_new(o, "name", json_string(name)) != 0 ||
		    json_object_set_new(o, "pattern", json_string(value)) != 0 ||
		    json_object_set_new(o, "pattern_type", json_string(type)) != 0 ||
		    json_object_set_new(o, "valid_from", json_string(time)) != 0)
			goto out;
	} else if (strcmp(type, "vulnerability") == 0) {
		if ((*r = misp_make_id("vulnerability", uuid, id)) != HL_OK ||
		    (o = misp_sdo_new(c, "vulnerability", id, time, marks)) == NULL ||
		    json_object_set_new(o, "name", json_string(value)) != 0)
			goto out;
		if (strncasecmp(value, "CVE-", 4) == 0 &&
		    ((ers = json_array()) == NULL || (er = json_object()) == NULL ||
		    json_object_set_new(er, "source_name", json_string("cve")) != 0 ||
		    json_object_set_new(er, "external_id", json_string(value)) != 0 ||
		    json_array_append(ers, er) != 0 ||
		    json_object_set(o, "external_references", ers) != 0))
			goto out;
	} else {
		/* no STIX property holds a PDB path: misp-stix's custom object */
		if ((*r = misp_make_id("x-misp-attribute", uuid, id)) != HL_OK ||
		    (o = misp_sdo_new(c, "x-misp-attribute", id, time, marks)) == NULL ||
		    json_object_set_new(o, "x_misp_type", json_string(type)) != 0 ||
		    json_object_set_new(o, "x_misp_value", json_string(value)) != 0 ||
		    (misp_name_ok(category) &&
		    json_object_set_new(o, "x_misp_category", json_string(category)) != 0))
			goto out;
	}
	*r = HL_ERR_NOMEM;
	if ((comment != NULL && comment[0] != '\0' && strlen(comment) <= HL_MISP_TEXT_MAX &&
	    json_object_set_new(o, "description", json_string(comment)) != 0) ||
	    (json_array_size(c->u.labels) > 0 && json_object_set(o, "labels", c->u.labels) != 0))
		goto out;
	*r = misp_emit(c, o, 1);
	o = NULL;
	if (*r >= 0) {
		*made = *r;
		*r = HL_OK;
	}
out:
	json_decref(o);
	json_decref(er);
	json_decref(ers);
	return 1;
}

/* One top-level attribute. */
int
misp_do_attribute(struct conv *c, const json_t *a)
{
	const char *uuid = misp_sget(a, "uuid"), *type = misp_sget(a, "type");
	const char *value = misp_sget(a, "value");
	const char *why, *comment = misp_sget(a, "comment"), *category = misp_sget(a, "category");
	struct unit_info ui;
	json_t *own = NULL, *marks, *er = NULL;
	char tbuf[32], name[96], id[64];
	int made, known, ai, r = HL_OK;

	c->sum->attributes++;
	if (!json_is_object(a) || uuid == NULL || !misp_is_uuid(uuid)) {
		misp_skip_attr(c, uuid != NULL ? uuid : "-", type != NULL ? type : "-",
		    "malformed attribute (uuid)");
		return HL_OK;
	}
	if (type == NULL || value == NULL || !misp_name_ok(type)) {
		misp_skip_attr(c, uuid, type != NULL ? type : "-", "malformed attribute (type or value)");
		return HL_OK;
	}
	misp_unit_reset(c);
	marks = misp_item_marks(c, a, &own);
	if (c->nomem) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (strcmp(type, "comment") == 0 || strcmp(type, "text") == 0) {
		if (strlen(value) > HL_MISP_TEXT_MAX || value[0] == '\0') {
			misp_skip_attr(c, uuid, type, value[0] == '\0' ? "empty value" : "value too long");
			goto out;
		}
		if ((r = misp_emit_note(c, uuid, value, comment, attr_time(c, a, tbuf), marks)) != HL_OK)
			goto out;
		misp_conv_attr(c, type);
		goto out;
	}
	if (strcmp(type, "link") == 0) {
		if (strlen(value) > HL_MISP_VALUE_MAX || !misp_printable(value) || value[0] == '\0') {
			misp_skip_attr(c, uuid, type, "malformed value");
			goto out;
		}
		r = HL_ERR_NOMEM;
		if ((er = json_object()) == NULL ||
		    json_object_set_new(er, "source_name", json_string("misp-link")) != 0 ||
		    json_object_set_new(er, "url", json_string(value)) != 0 ||
		    (comment != NULL && comment[0] != '\0' &&
		    json_object_set_new(er, "description", json_string(comment)) != 0) ||
		    json_array_append(c->ext_refs, er) != 0)
			goto out;
		r = HL_OK;
		misp_conv_attr(c, type);
		goto out;
	}
	if ((r = misp_attr_labels(c, a, type)) != HL_OK)
		goto out;
	if (special_attr(c, a, uuid, type, value, marks, attr_time(c, a, tbuf), &why, &made, id,
	    &r)) {
		if (r != HL_OK)
			goto out;
		if (why != NULL)
			misp_skip_attr(c, uuid, type, why);
		else if (!made)
			misp_skip_attr(c, uuid, type, "duplicate uuid");
		else if ((r = json_object_set_new(c->uuidmap, uuid, json_string(id)) != 0 ?
		    HL_ERR_NOMEM : misp_unit_galaxies(c, id)) == HL_OK)
			misp_conv_attr(c, type);
		goto out;
	}
	if ((ai = misp_unit_attr(c, uuid, type)) < 0) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	why = misp_attr_cmps(c, "", NULL, type, value, (unsigned)ai, &known);
	if (c->nomem) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if (why == NULL && !known)
		why = strcmp(type, "attachment") == 0 || strcmp(type, "malware-sample") == 0 ?
		    "attachment data not imported" : "unsupported type";
	if (why != NULL) {
		misp_drop_attr_cmps(c, (unsigned)ai);
		misp_skip_attr(c, uuid, type, why);
		goto out;
	}
	if (comment != NULL && comment[0] != '\0' && strlen(comment) < HL_MISP_TEXT_MAX)
		hl_buf_put(&c->u.desc, comment, strlen(comment));
	c->u.to_ids = json_is_true(json_object_get(a, "to_ids"));
	snprintf(name, sizeof(name), "MISP %s", type);
	ui.key = uuid;
	ui.name = name;
	ui.time = attr_time(c, a, tbuf);
	ui.marks = marks;
	ui.phase = misp_name_ok(category) ? category : NULL;
	if ((r = misp_emit_unit(c, &ui, id, &made)) != HL_OK)
		goto out;
	misp_unit_account(c, made);
	if (made && id[0] != '\0' &&
	    ((r = json_object_set_new(c->uuidmap, uuid, json_string(id)) != 0 ? HL_ERR_NOMEM :
	    HL_OK) != HL_OK || (r = misp_unit_galaxies(c, id)) != HL_OK))
		goto out;
out:
	if (r == HL_OK && c->nomem)
		r = HL_ERR_NOMEM;
	json_decref(own);
	json_decref(er);
	return r;
}

/* The attributes of one MISP object (obj) into the unit; oname its name. */
static int
object_attrs(struct conv *c, const json_t *obj, const char *oname)
{
	json_t *a;
	const char *uuid, *type, *value, *why;
	size_t i;
	int ai, known, r;

	if ((r = misp_item_tags(c, obj)) != HL_OK)
		return r;
	json_array_foreach(json_object_get(obj, "Attribute"), i, a) {
		c->sum->attributes++;
		uuid = misp_sget(a, "uuid");
		type = misp_sget(a, "type");
		value = misp_sget(a, "value");
		if (!json_is_object(a) || uuid == NULL || !misp_is_uuid(uuid) || type == NULL ||
		    value == NULL || !misp_name_ok(type)) {
			misp_skip_attr(c, uuid != NULL ? uuid : "-", type != NULL ? type : "-",
			    "malformed attribute (uuid, type or value)");
			continue;
		}
		if ((ai = misp_unit_attr(c, uuid, type)) < 0) {
			misp_skip_attr(c, uuid, type, "too many values in object");
			continue;
		}
		if ((r = misp_item_tags(c, a)) != HL_OK)
			return r;
		why = NULL;
		known = 1;
		if ((strcmp(type, "comment") == 0 || strcmp(type, "text") == 0) &&
		    !misp_has_relrule(oname, misp_sget(a, "object_relation"))) {
			if (strlen(value) + c->u.desc.len + 2 > HL_MISP_TEXT_MAX) {
				why = "value too long";
			} else {
				if (c->u.desc.len > 0)
					hl_buf_put(&c->u.desc, "\n", 1);
				hl_buf_put(&c->u.desc, value, strlen(value));
				c->u.a[ai].text = 1;
			}
		} else {
			why = misp_attr_cmps(c, oname, misp_sget(a, "object_relation"), type, value, (unsigned)ai,
			    &known);
			if (c->nomem)
				return HL_ERR_NOMEM;
			if (why == NULL && !known)
				why = strcmp(type, "attachment") == 0 ||
				    strcmp(type, "malware-sample") == 0 ? "attachment data not imported" :
				    "no STIX property for it in this object";
			if (why != NULL)
				misp_drop_attr_cmps(c, (unsigned)ai);
			else if (json_is_true(json_object_get(a, "to_ids")))
				c->u.to_ids = 1;
		}
		c->u.a[ai].why = why;
	}
	return HL_OK;
}

/* uuid of the object that o is merged into, or NULL */
static const char *
parent_of(struct conv *c, const char *uuid)
{
	return misp_sget(c->parent, uuid);
}

/* The pe-sections merged into pe (ouuid), each a list element. */
static int
object_sections(struct conv *c, const char *ouuid)
{
	const char *k;
	json_t *v;
	int r;

	json_object_foreach(c->parent, k, v) {
		if (strcmp(json_string_value(v), ouuid) != 0)
			continue;
		if (strcmp(misp_sget(json_object_get(c->objbyuuid, k), "name"), "pe-section") != 0)
			continue;
		c->u.elem++;
		if ((r = object_attrs(c, json_object_get(c->objbyuuid, k), "pe-section")) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* One MISP object (with what is merged into it): one indicator /
 * observed-data, or a note when it holds only text. */
int
misp_do_object(struct conv *c, const json_t *obj)
{
	const char *ouuid = misp_sget(obj, "uuid"), *oname = misp_sget(obj, "name");
	const char *meta = misp_sget(obj, "meta-category"), *k;
	json_t *attrs = json_object_get(obj, "Attribute"), *a, *own = NULL, *marks, *v;
	struct unit_info ui;
	char tbuf[32], name[96], id[64];
	int made, r = HL_ERR_NOMEM;
	size_t ai, i;

	if (ouuid == NULL || !misp_is_uuid(ouuid)) {
		json_array_foreach(attrs, ai, a) {
			c->sum->attributes++;
			misp_skip_attr(c, misp_sget(a, "uuid") != NULL ? misp_sget(a, "uuid") : "-",
			    misp_sget(a, "type") != NULL ? misp_sget(a, "type") : "-", "malformed object (uuid)");
		}
		return HL_OK;
	}
	if (parent_of(c, ouuid) != NULL)
		return HL_OK;   /* converted with the object it is merged into */
	if (oname == NULL || !misp_name_ok(oname))
		oname = "?";
	misp_unit_reset(c);
	if (c->nomem)
		goto out;
	if ((misp_name_ok(oname) && (r = misp_add_label(c->u.labels, "name", oname)) != HL_OK) ||
	    (misp_name_ok(meta) &&
	    (r = misp_add_label(c->u.labels, "meta-category", meta)) != HL_OK))
		goto out;
	if ((r = object_attrs(c, obj, oname)) != HL_OK)
		goto out;
	/* a file with its pe (and their sections), or a pe with its sections */
	if (strcmp(oname, "pe") == 0 && (r = object_sections(c, ouuid)) != HL_OK)
		goto out;
	json_object_foreach(c->parent, k, v) {
		if (strcmp(json_string_value(v), ouuid) != 0 ||
		    strcmp(misp_sget(json_object_get(c->objbyuuid, k), "name"), "pe") != 0)
			continue;
		if ((r = object_attrs(c, json_object_get(c->objbyuuid, k), "pe")) != HL_OK ||
		    (r = object_sections(c, k)) != HL_OK)
			goto out;
	}
	r = HL_ERR_NOMEM;
	if (c->u.n == 0) {
		/* only text (or nothing we map): a note keeps the text */
		for (i = 0; i < c->u.na; i++)
			if (c->u.a[i].why == NULL && !c->u.a[i].text)
				c->u.a[i].why = "unsupported type";
		made = 1;
		if (c->u.desc.len > 0) {
			hl_buf_put(&c->u.desc, "", 1);
			if (hl_buf_error(&c->u.desc) != HL_OK)
				goto out;
			if ((r = misp_emit_note(c, ouuid, (const char *)c->u.desc.data, oname,
			    attr_time(c, obj, tbuf), c->event_marks)) != HL_OK)
				goto out;
		}
		misp_unit_account(c, made);
		r = HL_OK;
		goto out;
	}
	marks = misp_item_marks(c, obj, &own);
	snprintf(name, sizeof(name), "MISP object %s", oname);
	ui.key = ouuid;
	ui.name = name;
	ui.time = attr_time(c, obj, tbuf);
	ui.marks = marks;
	ui.phase = misp_name_ok(meta) ? meta : NULL;
	if ((r = misp_emit_unit(c, &ui, id, &made)) != HL_OK)
		goto out;
	misp_unit_account(c, made);
	if (made && id[0] != '\0') {
		r = HL_ERR_NOMEM;
		if (json_object_set_new(c->uuidmap, ouuid, json_string(id)) != 0)
			goto out;
		/* what is merged into it is represented by it */
		json_object_foreach(c->parent, k, v)
			if ((strcmp(json_string_value(v), ouuid) == 0 ||
			    (parent_of(c, json_string_value(v)) != NULL &&
			    strcmp(parent_of(c, json_string_value(v)), ouuid) == 0)) &&
			    json_object_set_new(c->uuidmap, k, json_string(id)) != 0)
				goto out;
		if ((r = misp_unit_galaxies(c, id)) != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	if (r == HL_OK && c->nomem)
		r = HL_ERR_NOMEM;
	json_decref(own);
	return r;
}

/* Which pe / pe-section objects go into which file / pe: a reference
 * between a file and a pe (either way) merges the pe into the file; one
 * between a pe and a pe-section merges the section into the pe. */
int
misp_plan_merges(struct conv *c, const json_t *ev)
{
	json_t *o, *ref, *t;
	const char *u, *ru, *on, *tn, *child, *into;
	size_t i, k;

	json_array_foreach(json_object_get(ev, "Object"), i, o) {
		if ((u = misp_sget(o, "uuid")) != NULL && misp_is_uuid(u) && misp_sget(o, "name") != NULL &&
		    json_object_set(c->objbyuuid, u, o) != 0)
			return HL_ERR_NOMEM;
	}
	json_array_foreach(json_object_get(ev, "Object"), i, o) {
		if ((u = misp_sget(o, "uuid")) == NULL || (on = misp_sget(o, "name")) == NULL ||
		    json_object_get(c->objbyuuid, u) != o)
			continue;
		json_array_foreach(json_object_get(o, "ObjectReference"), k, ref) {
			if ((ru = misp_sget(ref, "referenced_uuid")) == NULL ||
			    (t = json_object_get(c->objbyuuid, ru)) == NULL || t == o)
				continue;
			tn = misp_sget(t, "name");
			child = into = NULL;
			if (strcmp(on, "file") == 0 && strcmp(tn, "pe") == 0) {
				child = ru;
				into = u;
			} else if (strcmp(on, "pe") == 0 && strcmp(tn, "file") == 0) {
				child = u;
				into = ru;
			} else if (strcmp(on, "pe") == 0 && strcmp(tn, "pe-section") == 0) {
				child = ru;
				into = u;
			} else if (strcmp(on, "pe-section") == 0 && strcmp(tn, "pe") == 0) {
				child = u;
				into = ru;
			}
			/* the first reference decides; a child is never a parent too */
			if (child == NULL || json_object_get(c->parent, child) != NULL)
				continue;
			if (misp_sget(c->parent, into) != NULL && strcmp(misp_sget(c->parent, into), child) == 0)
				continue;
			if (json_object_set_new(c->parent, child, json_string(into)) != 0)
				return HL_ERR_NOMEM;
		}
	}
	return HL_OK;
}

/* ObjectReferences as relationships, once every object is converted. */
int
misp_do_references(struct conv *c, const json_t *ev)
{
	json_t *o, *ref;
	const char *ou, *ru, *src, *dst, *rt, *ruuid;
	char rtype[HL_MISP_NAME_MAX], key[200], tbuf[32];
	size_t i, k, j;
	int r;

	json_array_foreach(json_object_get(ev, "Object"), i, o) {
		json_array_foreach(json_object_get(o, "ObjectReference"), k, ref) {
			c->sum->references++;
			ou = misp_sget(o, "uuid");
			ru = misp_sget(ref, "referenced_uuid");
			src = ou != NULL ? misp_sget(c->uuidmap, ou) : NULL;
			dst = ru != NULL ? misp_sget(c->uuidmap, ru) : NULL;
			if (src == NULL || dst == NULL) {
				c->sum->references_unresolved++;
				continue;
			}
			if (strcmp(src, dst) == 0) {
				c->sum->references_merged++;
				continue;
			}
			/* relationship_type: lower-case letters, digits and '-' */
			rt = misp_sget(ref, "relationship_type");
			snprintf(rtype, sizeof(rtype), "%s", rt != NULL && rt[0] != '\0' &&
			    strlen(rt) < sizeof(rtype) ? rt : "related-to");
			for (j = 0; rtype[j] != '\0'; j++) {
				if (rtype[j] >= 'A' && rtype[j] <= 'Z')
					rtype[j] = (char)(rtype[j] - 'A' + 'a');
				else if (rtype[j] == '_' || rtype[j] == ' ')
					rtype[j] = '-';
				if (strchr("abcdefghijklmnopqrstuvwxyz0123456789-", rtype[j]) == NULL) {
					snprintf(rtype, sizeof(rtype), "related-to");
					break;
				}
			}
			ruuid = misp_sget(ref, "uuid");
			if (ruuid != NULL && misp_is_uuid(ruuid))
				snprintf(key, sizeof(key), "reference:%s", ruuid);
			else
				snprintf(key, sizeof(key), "reference:%s:%s:%s", src, rtype, dst);
			rt = misp_sget(ref, "comment");
			if ((r = misp_emit_rel(c, key, rtype, src, dst, attr_time(c, ref, tbuf),
			    rt != NULL && strlen(rt) <= HL_MISP_TEXT_MAX && misp_printable(rt) ? rt : NULL)) !=
			    HL_OK)
				return r;
		}
	}
	return HL_OK;
}
