/* misp_sdo.c: the STIX objects a unit becomes (indicator, observed-data,
 * note, relationship), TLP markings, labels and galaxy objects (misp.c). */
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "alloc.h"
#include "misp_int.h"
#include "stix.h"

const struct misp_tlp misp_tlps[NTLPS] = {
	{ "tlp:white", "clear", "TLP:CLEAR",
	  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", 0 },
	{ "tlp:clear", "clear", "TLP:CLEAR",
	  "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", 0 },
	{ "tlp:green", "green", "TLP:GREEN",
	  "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", 1 },
	{ "tlp:amber", "amber", "TLP:AMBER",
	  "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", 2 },
	{ "tlp:amber+strict", "amber+strict", "TLP:AMBER+STRICT",
	  "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", 3 },
	{ "tlp:red", "red", "TLP:RED",
	  "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", 4 },
};

/* ---- building objects ---- */

json_t *
misp_sdo_new(struct conv *c, const char *type, const char *id, const char *time,
    const json_t *marks)
{
	json_t *o = json_object();

	if (o == NULL)
		return NULL;
	if (json_object_set_new(o, "type", json_string(type)) != 0 ||
	    json_object_set_new(o, "spec_version", json_string("2.1")) != 0 ||
	    json_object_set_new(o, "id", json_string(id)) != 0 ||
	    json_object_set_new(o, "created", json_string(time)) != 0 ||
	    json_object_set_new(o, "modified", json_string(time)) != 0 ||
	    (c->creator[0] != '\0' &&
	    json_object_set_new(o, "created_by_ref", json_string(c->creator)) != 0) ||
	    (marks != NULL && json_array_size(marks) > 0 &&
	    json_object_set_new(o, "object_marking_refs", json_deep_copy(marks)) != 0)) {
		json_decref(o);
		return NULL;
	}
	return o;
}

/* Append o (stolen) unless its id is there already; and to the report's
 * refs when ref. 1 added, 0 duplicate, <0 error. */
int
misp_emit(struct conv *c, json_t *o, int ref)
{
	const char *id = misp_sget(o, "id"), *type = misp_sget(o, "type");

	if (id == NULL || type == NULL) {
		json_decref(o);
		return HL_ERR_INTERNAL;
	}
	if (json_object_get(c->seen, id) != NULL) {
		json_decref(o);
		return 0;
	}
	if (json_object_set(c->seen, id, o) != 0 ||
	    (ref && json_array_append_new(c->refs, json_string(id)) != 0)) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if (json_array_append_new(c->objects, o) != 0)
		return HL_ERR_NOMEM;
	misp_stat_add(c->sum->stix, &c->sum->nstix, type);
	c->sum->objects++;
	return 1;
}

/* ---- markings, labels, galaxies ---- */

int
misp_tlp_of_tag(const char *name)
{
	size_t k;

	for (k = 0; k < NTLPS; k++)
		if (strcasecmp(name, misp_tlps[k].tag) == 0)
			return (int)k;
	return -1;
}

int
misp_tlp_of_id(const char *id)
{
	size_t k;

	for (k = 0; id != NULL && k < NTLPS; k++)
		if (strcmp(id, misp_tlps[k].id) == 0)
			return (int)k;
	return -1;
}

/* the highest TLP rank among an object's markings (-1 when none) */
static int
marks_rank(const json_t *o)
{
	json_t *m;
	size_t i;
	int k, best = -1;

	json_array_foreach(json_object_get(o, "object_marking_refs"), i, m)
		if ((k = misp_tlp_of_id(json_string_value(m))) >= 0 && misp_tlps[k].rank > best)
			best = misp_tlps[k].rank;
	return best;
}

/* The markings of an item: its own tlp tag if any, else the event's. */
json_t *
misp_item_marks(struct conv *c, const json_t *item, json_t **own)
{
	json_t *tags = json_object_get(item, "Tag"), *tg;
	const char *name;
	size_t i;
	int k;

	*own = NULL;
	if (!json_is_array(tags))
		return c->event_marks;
	json_array_foreach(tags, i, tg) {
		if (i >= HL_MISP_TAGS_MAX)
			break;
		if ((name = misp_sget(tg, "name")) == NULL || (k = misp_tlp_of_tag(name)) < 0)
			continue;
		if ((*own = json_array()) == NULL ||
		    json_array_append_new(*own, json_string(misp_tlps[k].id)) != 0) {
			json_decref(*own);
			*own = NULL;
			c->nomem = 1;
			return c->event_marks;
		}
		return *own;
	}
	return c->event_marks;
}

/* the label misp:KEY="V" */
int
misp_add_label(json_t *labels, const char *key, const char *v)
{
	char s[2 * HL_MISP_NAME_MAX + 32];

	snprintf(s, sizeof(s), "misp:%s=\"%s\"", key, v);
	return misp_append_unique(labels, s);
}

/* A galaxy tag we model (misp-galaxy:KIND="VALUE"): its object, emitted
 * once. *id = "" when the kind is not one we model. */
int
misp_galaxy_obj(struct conv *c, const char *tag, char id[64])
{
	static const struct {
		const char *kind, *type;
	} kinds[] = {
		{ "threat-actor", "threat-actor" }, { "mitre-intrusion-set", "intrusion-set" },
		{ "tool", "tool" }, { "mitre-tool", "tool" },
		{ "mitre-malware", "malware" }, { "malpedia", "malware" },
		{ "ransomware", "malware" }, { "rat", "malware" }, { "banker", "malware" },
		{ "mitre-attack-pattern", "attack-pattern" },
	};
	const char *k = tag + strlen("misp-galaxy:"), *eq, *v, *tid;
	char kind[HL_MISP_NAME_MAX], val[256], key[320];
	json_t *o = NULL, *er = NULL, *ers = NULL;
	size_t kl, vl, i;
	int r;

	id[0] = '\0';
	if ((eq = strchr(k, '=')) == NULL || eq[1] != '"')
		return HL_OK;
	kl = (size_t)(eq - k);
	v = eq + 2;
	vl = strlen(v);
	if (kl == 0 || kl >= sizeof(kind) || vl < 2 || v[vl - 1] != '"' || vl - 1 >= sizeof(val))
		return HL_OK;
	memcpy(kind, k, kl);
	kind[kl] = '\0';
	memcpy(val, v, vl - 1);
	val[vl - 1] = '\0';
	if (val[0] == '\0' || !misp_printable(val) || strchr(val, '"') != NULL)
		return HL_OK;
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (strcmp(kinds[i].kind, kind) == 0)
			break;
	if (i == sizeof(kinds) / sizeof(kinds[0]))
		return HL_OK;
	snprintf(key, sizeof(key), "galaxy:%s", val);
	if ((r = misp_make_id(kinds[i].type, key, id)) != HL_OK)
		return r;
	if (json_object_get(c->seen, id) != NULL)
		return HL_OK;
	r = HL_ERR_NOMEM;
	if ((o = misp_sdo_new(c, kinds[i].type, id, c->event_time, c->event_marks)) == NULL)
		goto out;
	if (strcmp(kinds[i].type, "attack-pattern") == 0 &&
	    (tid = strstr(val, " - T")) != NULL && strlen(tid + 3) <= 12) {
		/* "Spearphishing Attachment - T1193": name and the ATT&CK id */
		val[tid - val] = '\0';
		if ((ers = json_array()) == NULL || (er = json_object()) == NULL ||
		    json_object_set_new(er, "source_name", json_string("mitre-attack")) != 0 ||
		    json_object_set_new(er, "external_id", json_string(tid + 3)) != 0 ||
		    json_array_append(ers, er) != 0 ||
		    json_object_set(o, "external_references", ers) != 0)
			goto out;
	}
	if (json_object_set_new(o, "name", json_string(val)) != 0 ||
	    (strcmp(kinds[i].type, "malware") == 0 &&
	    json_object_set_new(o, "is_family", json_true()) != 0))
		goto out;
	r = misp_emit(c, o, 1);
	o = NULL;
	r = r < 0 ? r : HL_OK;
out:
	if (r != HL_OK)
		id[0] = '\0';
	json_decref(o);
	json_decref(er);
	json_decref(ers);
	return r;
}

/* An item's own tags: galaxies into u.galaxies, others (not TLP) into
 * u.labels. */
int
misp_item_tags(struct conv *c, const json_t *item)
{
	json_t *tags = json_object_get(item, "Tag"), *tg;
	const char *name;
	char id[64];
	size_t i;
	int r;

	if (!json_is_array(tags))
		return HL_OK;
	json_array_foreach(tags, i, tg) {
		if (i >= HL_MISP_TAGS_MAX)
			break;
		if ((name = misp_sget(tg, "name")) == NULL || name[0] == '\0' || strlen(name) > 256 ||
		    !misp_printable(name) || misp_tlp_of_tag(name) >= 0)
			continue;
		if (strncmp(name, "misp-galaxy:", 12) == 0) {
			if ((r = misp_galaxy_obj(c, name, id)) != HL_OK)
				return r;
			if (id[0] != '\0' && (r = misp_append_unique(c->u.galaxies, id)) != HL_OK)
				return r;
		}
		if ((r = misp_append_unique(c->u.labels, name)) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* A relationship (emitted once per key), marked like the stricter of its
 * two ends. */
int
misp_emit_rel(struct conv *c, const char *key, const char *rtype, const char *src, const char *dst,
    const char *time, const char *desc)
{
	const json_t *s = json_object_get(c->seen, src), *d = json_object_get(c->seen, dst);
	json_t *o = NULL;
	char id[64];
	int r;

	if (s == NULL || d == NULL)
		return HL_ERR_NOT_FOUND;
	if ((r = misp_make_id("relationship", key, id)) != HL_OK)
		return r;
	if (json_object_get(c->seen, id) != NULL)
		return HL_OK;
	if (c->nrels >= HL_MISP_RELS_MAX) {
		c->sum->rels_left_out++;
		return HL_OK;
	}
	if ((o = misp_sdo_new(c, "relationship", id, time, json_object_get(marks_rank(d) >
	    marks_rank(s) ? d : s, "object_marking_refs"))) == NULL ||
	    json_object_set_new(o, "relationship_type", json_string(rtype)) != 0 ||
	    json_object_set_new(o, "source_ref", json_string(src)) != 0 ||
	    json_object_set_new(o, "target_ref", json_string(dst)) != 0 ||
	    (desc != NULL && desc[0] != '\0' &&
	    json_object_set_new(o, "description", json_string(desc)) != 0)) {
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	if ((r = misp_emit(c, o, 1)) < 0)
		return r;
	c->nrels++;
	return HL_OK;
}

int
misp_indicates(struct conv *c, const char *ind, const char *target)
{
	char key[200];

	snprintf(key, sizeof(key), "indicates:%s:%s", ind, target);
	return misp_emit_rel(c, key, "indicates", ind, target, c->event_time, NULL);
}

/* The unit as one indicator (to_ids) or one observed-data. *made: 1 when
 * added, 0 when its id was there already. OUT: id[64]. */
int
misp_emit_unit(struct conv *c, const struct unit_info *ui, char id[64], int *made)
{
	json_t *o = NULL, *refs = NULL, *kc = NULL, *kp = NULL;
	const char *desc;
	char *pat = NULL;
	unsigned i;
	int r, to_ids = c->u.to_ids;

	*made = 0;
	id[0] = '\0';
	misp_fix_roots(c);
	if (!to_ids && misp_sco_prune(c) == 0) {
		/* no valid observable holds it, and to_ids says it is not for a
		 * pattern (a lone port or MIME type would match far too much) */
		for (i = 0; i < c->u.na; i++)
			if (c->u.a[i].text) {
				c->u.a[i].text = 0;
				misp_drop_reason(c, i, "no valid observable holds the rest of the object");
			}
		r = HL_OK;
		goto out;
	}
	if (to_ids) {
		if ((r = misp_build_pattern(c, &pat)) != HL_OK && r != HL_ERR_TOO_BIG)
			goto out;
		if (r == HL_ERR_TOO_BIG || strlen(pat) > HL_STIX_PATTERN_MAX) {
			for (i = 0; i < c->u.n; i++)
				c->u.c[i].drop = 1;
			for (i = 0; i < c->u.na; i++) {
				c->u.a[i].text = 0;
				misp_drop_reason(c, i, "pattern too long");
			}
			r = HL_OK;
			goto out;
		}
	}
	if ((r = misp_make_id(to_ids ? "indicator" : "observed-data", ui->key, id)) != HL_OK)
		goto out;
	r = HL_ERR_NOMEM;
	if ((o = misp_sdo_new(c, to_ids ? "indicator" : "observed-data", id, ui->time, ui->marks)) ==
	    NULL)
		goto out;
	hl_buf_put(&c->u.desc, "", 1);
	if (hl_buf_error(&c->u.desc) != HL_OK)
		goto out;
	desc = (const char *)c->u.desc.data;
	if (json_array_size(c->u.labels) > 0 && json_object_set(o, "labels", c->u.labels) != 0)
		goto out;
	if (to_ids) {
		if ((ui->name != NULL && json_object_set_new(o, "name", json_string(ui->name)) != 0) ||
		    (desc != NULL && desc[0] != '\0' &&
		    json_object_set_new(o, "description", json_string(desc)) != 0) ||
		    json_object_set_new(o, "pattern", json_string(pat)) != 0 ||
		    json_object_set_new(o, "pattern_type", json_string("stix")) != 0 ||
		    json_object_set_new(o, "pattern_version", json_string("2.1")) != 0 ||
		    json_object_set_new(o, "valid_from", json_string(ui->time)) != 0)
			goto out;
		if (ui->phase != NULL &&
		    ((kc = json_array()) == NULL || (kp = json_object()) == NULL ||
		    json_object_set_new(kp, "kill_chain_name", json_string("misp-category")) != 0 ||
		    json_object_set_new(kp, "phase_name", json_string(ui->phase)) != 0 ||
		    json_array_append(kc, kp) != 0 || json_object_set(o, "kill_chain_phases", kc) != 0))
			goto out;
	} else {
		if ((refs = json_array()) == NULL)
			goto out;
		if ((r = misp_build_scos(c, refs, ui->marks)) != HL_OK)
			goto out;
		r = HL_ERR_NOMEM;
		if (json_object_set_new(o, "first_observed", json_string(ui->time)) != 0 ||
		    json_object_set_new(o, "last_observed", json_string(ui->time)) != 0 ||
		    json_object_set_new(o, "number_observed", json_integer(1)) != 0 ||
		    json_object_set(o, "object_refs", refs) != 0)
			goto out;
	}
	r = misp_emit(c, o, 1);
	o = NULL;
	if (r < 0)
		goto out;
	*made = r;
	r = HL_OK;
out:
	if (r != HL_OK || !*made)
		id[0] = '\0';
	json_decref(o);
	json_decref(refs);
	json_decref(kc);
	json_decref(kp);
	hl_free(pat);
	return r;
}

/* Count every attribute of the unit as converted or skipped. */
void
misp_unit_account(struct conv *c, int made)
{
	unsigned i, j;
	int used;

	for (i = 0; i < c->u.na; i++) {
		const struct uattr *a = &c->u.a[i];

		used = a->text;
		for (j = 0; j < c->u.n && !used; j++)
			if (c->u.c[j].attr == i && !c->u.c[j].drop)
				used = 1;
		if (!used)
			misp_skip_attr(c, a->uuid, a->type, a->why != NULL ? a->why : "unsupported type");
		else if (made)
			misp_conv_attr(c, a->type);
		else
			misp_skip_attr(c, a->uuid, a->type, "duplicate uuid");
	}
}

int
misp_emit_note(struct conv *c, const char *key, const char *text, const char *abstract,
    const char *time, const json_t *marks)
{
	json_t *o = NULL, *refs = NULL;
	char id[64];
	int r;

	if ((r = misp_make_id("note", key, id)) != HL_OK)
		return r;
	if ((o = misp_sdo_new(c, "note", id, time, marks)) == NULL ||
	    (refs = json_array()) == NULL ||
	    json_array_append_new(refs, json_string(c->report_id)) != 0 ||
	    (abstract != NULL && abstract[0] != '\0' &&
	    json_object_set_new(o, "abstract", json_string(abstract)) != 0) ||
	    json_object_set_new(o, "content", json_string(text)) != 0 ||
	    json_object_set(o, "object_refs", refs) != 0) {
		json_decref(refs);
		json_decref(o);
		return HL_ERR_NOMEM;
	}
	json_decref(refs);
	r = misp_emit(c, o, 1);
	return r < 0 ? r : HL_OK;
}

/* The indicates relationships of the unit's own galaxies. */
int
misp_unit_galaxies(struct conv *c, const char *id)
{
	json_t *g;
	size_t i;
	int r;

	if (strncmp(id, "indicator--", 11) != 0)
		return HL_OK;
	json_array_foreach(c->u.galaxies, i, g)
		if ((r = misp_indicates(c, id, json_string_value(g))) != HL_OK)
			return r;
	return HL_OK;
}

/* labels misp:type="…" and misp:category="…", then the attribute's tags */
int
misp_attr_labels(struct conv *c, const json_t *a, const char *type)
{
	const char *category = misp_sget(a, "category");
	int r = HL_OK;

	if ((misp_name_ok(type) && (r = misp_add_label(c->u.labels, "type", type)) != HL_OK) ||
	    (misp_name_ok(category) &&
	    (r = misp_add_label(c->u.labels, "category", category)) != HL_OK))
		return r;
	return misp_item_tags(c, a);
}
