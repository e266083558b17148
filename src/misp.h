/* misp.h: MISP event JSON to a STIX 2.1 bundle, mapped as MISP's own
 * converter (misp-stix) maps it (docs/TAXII.md, "Importing MISP events",
 * has the table per type). A pure function over untrusted bytes: no I/O,
 * no clock.
 *
 * Ids are deterministic (UUIDv5 under a hotline namespace, SHA-1 from
 * OpenSSL, named after the MISP uuid), so importing the same event twice
 * gives the same objects. Cyber-observable objects get the STIX 2.1 SCO ids
 * (UUIDv5 over their id-contributing properties).
 *
 * What becomes what:
 *   event                 -> report (object_refs: everything else)
 *   Orgc                  -> identity (created_by_ref of every object)
 *   tlp:* tag             -> TLP 2.0 marking-definition ref (white = clear),
 *                            and the marking-definition objects themselves;
 *                            an item's own tlp tag overrides the event's
 *   other tags            -> labels; galaxy tags (threat-actor, tool, malware
 *                            families, mitre-attack-pattern "Name - Tnnnn")
 *                            -> threat-actor / tool / malware / attack-pattern,
 *                            which the event's indicators "indicate"
 *   attribute, to_ids     -> indicator: one observation per observable type
 *                            (ip-dst|port is one network-traffic observation),
 *                            labels misp:type / misp:category, kill-chain
 *                            phase misp-category
 *   attribute, !to_ids    -> observed-data + its SCOs (context, not detection)
 *   MISP object           -> one indicator (any attribute to_ids) or one
 *                            observed-data; a file with its pe and pe-sections
 *                            is one file with the windows-pebinary-ext;
 *                            text/comment attributes become its description
 *   ObjectReference       -> relationship
 *   vulnerability         -> vulnerability; yara/snort/sigma -> indicator with
 *                            that pattern_type; pdb -> x-misp-attribute
 *   comment / text        -> note on the report
 *   link                  -> external_references of the report
 *   anything else         -> skipped, with the reason in the summary
 */
#ifndef HL_MISP_H
#define HL_MISP_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"

#define HL_MISP_MAX_BYTES (32u * 1024 * 1024)   /* the event JSON */
#define HL_MISP_ATTRS_MAX 50000                 /* attributes, objects' included */
#define HL_MISP_OBJECTS_MAX 10000               /* MISP objects */
#define HL_MISP_OBJ_ATTRS_MAX 512               /* attributes in one MISP object */
#define HL_MISP_TAGS_MAX 256                    /* tags on one event or attribute */
#define HL_MISP_VALUE_MAX 4096                  /* an IOC value, bytes */
#define HL_MISP_TEXT_MAX (64u * 1024)           /* a comment / text value, bytes */
#define HL_MISP_STAT_MAX 48                     /* distinct names counted */
#define HL_MISP_SKIP_DETAIL_MAX 64              /* skipped attributes listed one by one */
#define HL_MISP_NAME_MAX 48
#define HL_MISP_UNIT_ATTRS_MAX 1024             /* attributes in one converted object, its
                                                   merged pe and pe-sections included */
#define HL_MISP_RELS_MAX 50000                  /* relationships in one bundle */

struct hl_misp_stat {
	char name[HL_MISP_NAME_MAX];
	unsigned n;
};

struct hl_misp_skip {
	char uuid[37];
	char type[HL_MISP_NAME_MAX];
	char reason[96];
};

struct hl_misp_summary {
	char event_uuid[37];
	char info[128];                 /* the event's info, cut, control characters removed */
	char tlp[16];                   /* the event's TLP ("clear", "green", ...) or "" */
	unsigned attributes;            /* MISP attributes seen (objects' included) */
	unsigned converted;             /* attributes that went into the bundle */
	unsigned skipped;               /* attributes left out */
	unsigned objects;               /* STIX objects in the bundle */
	unsigned references;            /* MISP ObjectReferences seen */
	unsigned references_merged;     /* ... inside one STIX object (file + pe + sections) */
	unsigned references_unresolved; /* ... whose ends were not converted */
	unsigned rels_left_out;         /* relationships past HL_MISP_RELS_MAX */
	unsigned nconv;                 /* converted, per MISP attribute type */
	struct hl_misp_stat conv[HL_MISP_STAT_MAX];
	unsigned nstix;                 /* bundle objects, per STIX type */
	struct hl_misp_stat stix[HL_MISP_STAT_MAX];
	unsigned nreasons;              /* skipped, per reason */
	struct hl_misp_stat reasons[HL_MISP_STAT_MAX];
	unsigned nskip;                 /* the first HL_MISP_SKIP_DETAIL_MAX skipped ones */
	struct hl_misp_skip skip[HL_MISP_SKIP_DETAIL_MAX];
};

/* Convert one MISP event ({"Event": {...}} or the bare event object) in
 * p[0, len). OUT: *bundle (a new reference; caller json_decrefs) and *sum.
 * HL_ERR_TOO_BIG past a limit above, HL_ERR_MALFORMED when the input is not
 * a MISP event (not JSON, no uuid, no timestamp/date); err gets one line.
 * Single bad attributes are not errors: they are skipped and counted. */
HL_WUR int hl_misp_convert(const uint8_t *p, size_t len, json_t **bundle,
    struct hl_misp_summary *sum, char *err, size_t errlen);

/* Count of a name in a stat table (0 if absent). */
unsigned hl_misp_stat_get(const struct hl_misp_stat *t, unsigned n, const char *name);

/* The summary as JSON (new reference, NULL on allocation failure):
 * {"event","info","tlp","attributes","converted","skipped","objects",
 *  "converted_by_type":{..},"stix_by_type":{..},"skipped_by_reason":{..},
 *  "skipped_detail":[{"uuid","type","reason"}]} */
json_t *hl_misp_summary_json(const struct hl_misp_summary *sum);

#endif
