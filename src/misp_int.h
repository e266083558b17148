/* misp_int.h: what the files of the misp module share (misp.c and
 * misp_*.c); other modules use misp.h. */
#ifndef HL_MISP_INT_H
#define HL_MISP_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "buf.h"
#include "misp.h"

/* the OASIS TLP 2.0 marking extension */
#define TLP2_EXT "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"
#define TLP2_CREATED "2022-10-01T00:00:00.000Z"
#define PE_EXT "extensions.'windows-pebinary-ext'"
#define PE_SECT PE_EXT ".sections[*]."

struct misp_tlp {
	const char *tag;
	const char *name;      /* the summary's name and the tlp_2_0 value */
	const char *title;     /* the marking-definition's name */
	const char *id;
	int rank;
};

#define NTLPS 6   /* misp_tlps */

#define CMPS_MAX (HL_MISP_UNIT_ATTRS_MAX * 3)
#define PATH_MAX_LEN 96
#define NVAL_MAX (HL_MISP_VALUE_MAX + 32)   /* a value after normalisation */

enum { V_STR, V_INT, V_FLOAT };

/* what a value must be */
enum {
	C_TEXT,      /* printable */
	C_IP,        /* IPv4/IPv6 address or CIDR: root ipv4-addr or ipv6-addr */
	C_IPREF,     /* network-traffic <path>.type and <path>.value for an address */
	C_HOSTREF,   /* the same for a host name */
	C_DOMAIN,
	C_URL,
	C_EMAIL,
	C_HEX,       /* hexadecimal of a given length, lower-cased */
	C_SSDEEP,
	C_TLSH,
	C_PORT,
	C_UINT,
	C_FLOAT,
	C_REGKEY,    /* registry key, hive abbreviations expanded */
	C_REGTYPE,   /* a REG_* data type */
};

/* One comparison of a pattern and one property of an observable. */
struct cmp {
	const char *root;               /* SCO type */
	char path[PATH_MAX_LEN];        /* object path after "root:" */
	uint8_t kind;                   /* V_* */
	uint8_t drop;                   /* left out of the observable form */
	unsigned elem;                  /* list element of a "[*]" path (pe section) */
	unsigned attr;                  /* the MISP attribute it came from */
	char *value;                    /* owned, normalised */
};

/* A MISP attribute of the unit being converted. */
struct uattr {
	const char *uuid, *type;
	const char *why;                /* skip reason, NULL while it is converted */
	int text;                       /* went into the description */
};

struct unit {
	struct cmp *c;
	unsigned n;
	struct uattr *a;
	unsigned na;
	struct hl_buf desc;
	int to_ids;
	unsigned elem;                  /* the pe section being read */
	json_t *galaxies;               /* galaxy object ids from the items' own tags */
	json_t *labels;
};

struct conv {
	struct hl_misp_summary *sum;
	json_t *objects;                /* the bundle's objects */
	json_t *seen;                   /* id -> object, for every emitted object */
	json_t *refs;                   /* the report's object_refs */
	json_t *ext_refs;               /* the report's external_references */
	json_t *labels;                 /* the report's labels */
	json_t *event_marks;            /* object_marking_refs of the event */
	json_t *uuidmap;                /* MISP uuid -> STIX id of what represents it */
	json_t *galaxies;               /* ids of the event's galaxy objects */
	json_t *objbyuuid;              /* MISP object uuid -> the MISP object */
	json_t *parent;                 /* MISP object uuid -> uuid it is merged into */
	struct unit u;
	char report_id[64];
	char creator[64];               /* identity id or "" */
	char event_time[32];
	int64_t event_ts;
	unsigned nrels;                 /* relationships emitted */
	int nomem;
};

/* ---- units ---- */


/* What names and times the object a unit becomes (misp_emit_unit). */
struct unit_info {
	const char *key;                /* MISP uuid: the id's name */
	const char *name;               /* indicator name */
	const char *time;
	const json_t *marks;
	const char *phase;              /* kill chain phase: category / meta-category */
};

/* ---- misp.c ---- */
/* "type--uuid5(misp_ns, type:key)" into out[64]. */
int misp_make_id(const char *type, const char *key, char out[64]);
/* Count name once more in t[0..*n) (the last slot collects the rest). */
void misp_stat_add(struct hl_misp_stat *t, unsigned *n, const char *name);
/* An attribute left out, with the reason, in the summary. */
void misp_skip_attr(struct conv *c, const char *uuid, const char *type, const char *reason);
/* An attribute of type converted, in the summary. */
void misp_conv_attr(struct conv *c, const char *type);

/* ---- misp_value.c ---- */
int misp_is_uuid(const char *s);
/* copy without control characters */
void misp_clean_copy(char *dst, size_t cap, const char *src);
/* o's string member k, or NULL. */
const char *misp_sget(const json_t *o, const char *k);
/* MISP timestamps are decimal strings of epoch seconds (or integers). */
int misp_get_ts(const json_t *o, const char *k, int64_t *out);
/* Epoch seconds as a STIX timestamp into out. */
int misp_fmt_time(int64_t t, char out[32]);
/* "YYYY-MM-DD" -> epoch seconds at midnight UTC */
int misp_parse_date(const char *s, int64_t *out);
/* 1 when s has no control characters. */
int misp_printable(const char *s);
/* a rule's text: printable, tabs and line breaks allowed */
int misp_rule_text_ok(const char *s);
/* a short MISP name (type, category, object name): printable, 1..48 bytes */
int misp_name_ok(const char *s);
/* v[0, len) checked against chk; the normalised text into out[cap].
 * *fam: 4 or 6 for addresses. NULL, or the reason it does not fit. */
const char *misp_check_value(int chk, size_t hexlen, const char *v, size_t len, char *out,
    size_t cap, int *fam);

/* ---- misp_observable.c ---- */
void misp_unit_reset(struct conv *c);
/* A new attribute of the unit; its index, or -1 past the limit. */
int misp_unit_attr(struct conv *c, const char *uuid, const char *type);
/* 1 when attribute relation rel of MISP object oname has a place in a pattern. */
int misp_has_relrule(const char *oname, const char *rel);
/* Comparisons for one MISP attribute (index ai of the unit). oname: the
 * MISP object's name, "" at the top level. *known: the type has a place
 * in a pattern. NULL, or the reason to skip the attribute. */
const char *misp_attr_cmps(struct conv *c, const char *oname, const char *rel, const char *type,
    const char *value, unsigned ai, int *known);
/* An attribute whose comparisons failed half-way leaves none behind. */
void misp_drop_attr_cmps(struct conv *c, unsigned ai);
/* A domain-ip without a domain: its addresses are plain addresses. */
void misp_fix_roots(struct conv *c);
/* One observation expression per root type, in order of appearance:
 * distinct paths joined by AND; a scalar path with several values becomes
 * (p = a OR p = b), a list path ("[*]") keeps AND; repeated comparisons
 * appear once. OUT: *pat (caller frees). */
int misp_build_pattern(struct conv *c, char **pat);
/* The first reason attribute ai of the unit is left out of the observables. */
void misp_drop_reason(struct conv *c, unsigned ai, const char *why);
/* Leave out what no valid STIX observable can hold (the pattern form
 * keeps all). Returns the comparisons left. */
unsigned misp_sco_prune(struct conv *c);
/* Append string s to arr unless it is there already. */
int misp_append_unique(json_t *arr, const char *s);
/* The SCOs of the unit (comparisons not dropped), one per root type plus
 * the ones they reference; their ids into refs. */
int misp_build_scos(struct conv *c, json_t *refs, const json_t *marks);

/* ---- misp_sdo.c ---- */
extern const struct misp_tlp misp_tlps[NTLPS];
/* A new STIX object with the common properties (spec_version, id, times,
 * creator, markings). NULL on allocation failure. */
json_t *misp_sdo_new(struct conv *c, const char *type, const char *id, const char *time,
    const json_t *marks);
/* Append o (stolen) unless its id is there already; and to the report's
 * refs when ref. 1 added, 0 duplicate, <0 error. */
int misp_emit(struct conv *c, json_t *o, int ref);
/* The misp_tlps index of a tlp:* tag, or -1. */
int misp_tlp_of_tag(const char *name);
/* The misp_tlps index of a TLP marking-definition id, or -1. */
int misp_tlp_of_id(const char *id);
/* The markings of an item: its own tlp tag if any, else the event's. */
json_t *misp_item_marks(struct conv *c, const json_t *item, json_t **own);
/* the label misp:KEY="V" */
int misp_add_label(json_t *labels, const char *key, const char *v);
/* A galaxy tag we model (misp-galaxy:KIND="VALUE"): its object, emitted
 * once. *id = "" when the kind is not one we model. */
int misp_galaxy_obj(struct conv *c, const char *tag, char id[64]);
/* An item's own tags: galaxies into u.galaxies, others (not TLP) into
 * u.labels. */
int misp_item_tags(struct conv *c, const json_t *item);
/* A relationship (emitted once per key), marked like the stricter of its
 * two ends. */
int misp_emit_rel(struct conv *c, const char *key, const char *rtype, const char *src,
    const char *dst, const char *time, const char *desc);
/* The relationship ind "indicates" target, once. */
int misp_indicates(struct conv *c, const char *ind, const char *target);
/* The unit as one indicator (to_ids) or one observed-data. *made: 1 when
 * added, 0 when its id was there already. OUT: id[64]. */
int misp_emit_unit(struct conv *c, const struct unit_info *ui, char id[64], int *made);
/* Count every attribute of the unit as converted or skipped. */
void misp_unit_account(struct conv *c, int made);
/* A note (key names its id) on the report, with text and abstract. */
int misp_emit_note(struct conv *c, const char *key, const char *text, const char *abstract,
    const char *time, const json_t *marks);
/* The indicates relationships of the unit's own galaxies. */
int misp_unit_galaxies(struct conv *c, const char *id);
/* labels misp:type="…" and misp:category="…", then the attribute's tags */
int misp_attr_labels(struct conv *c, const json_t *a, const char *type);

/* ---- misp_unit.c ---- */
/* One top-level attribute. */
int misp_do_attribute(struct conv *c, const json_t *a);
/* One MISP object (with what is merged into it): one indicator /
 * observed-data, or a note when it holds only text. */
int misp_do_object(struct conv *c, const json_t *obj);
/* Which pe / pe-section objects go into which file / pe: a reference
 * between a file and a pe (either way) merges the pe into the file; one
 * between a pe and a pe-section merges the section into the pe. */
int misp_plan_merges(struct conv *c, const json_t *ev);
/* ObjectReferences as relationships, once every object is converted. */
int misp_do_references(struct conv *c, const json_t *ev);

#endif
