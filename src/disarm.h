/* disarm.h: a DISARM incident page (the Markdown the DISARM Foundation
 * publishes for each catalogued disinformation incident, "# Incident
 * Innnnn: NAME", its bullet fields, a references table and a techniques
 * table) to a STIX 2.1 bundle. Pure: bytes in, a jansson tree out; no I/O,
 * no clock (the caller gives the time).
 *
 * What becomes what:
 *   the page              -> incident: name, description (the summary),
 *                            first_seen (1 January of "Year started"; not a
 *                            property of the 2.1 incident stub, the one
 *                            campaigns have), external_references (DISARM
 *                            Innnnn and its page, then one per reference
 *                            row), x_disarm_incident_type, x_disarm_countries,
 *                            x_disarm_found_via, x_disarm_date_added
 *   a technique id        -> attack-pattern: name, external_references
 *                            (DISARM Tnnnn[.nnn] and its page); one per id
 *   a technique row       -> relationship incident "uses" attack-pattern,
 *                            description: the row's evidence
 *   all of them           -> report (published, object_refs)
 *
 * Ids are UUIDv5 under a hotline namespace. An attack-pattern's id comes
 * from its technique id alone, so every partner's conversion names the same
 * technique with the same object; its created and modified are therefore a
 * fixed time (HL_DISARM_TECHNIQUE_TIME), it has no created_by_ref, and its
 * name is the one the page gives. The other objects are the caller's: their
 * ids come from the incident id, the caller's identity and the creation
 * time, so one conversion repeated is the same bundle, byte for byte.
 * Markup in the text (<br>, <i>, ...) is turned into plain text. */
#ifndef HL_DISARM_H
#define HL_DISARM_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "errors.h"

#define HL_DISARM_MAX_BYTES (1024u * 1024)     /* a page (the largest real one: 30 KB) */
#define HL_DISARM_TECHNIQUES_MAX 128           /* technique rows (real: 9) */
#define HL_DISARM_REFS_MAX 64                  /* reference rows (real: 4) */
#define HL_DISARM_NAME_MAX 512                 /* the incident's name, bytes */
#define HL_DISARM_SUMMARY_MAX (64u * 1024)     /* the summary, bytes */
#define HL_DISARM_TECH_NAME_MAX 256            /* a technique's name, bytes */
#define HL_DISARM_TECH_DESC_MAX (16u * 1024)   /* a technique row's evidence (real: 5.5 KB) */
#define HL_DISARM_FIELD_MAX 2048               /* any other field or cell, bytes */
#define HL_DISARM_COUNTRIES_MAX 32
#define HL_DISARM_COUNTRY_MAX 64               /* one country, bytes */
#define HL_DISARM_ID_MAX 9                     /* "Innnnn", "Tnnnn.nnn" */
/* created and modified of every attack-pattern: the day of DISARM Red
 * framework 1.6, whose technique ids the incident pages cite */
#define HL_DISARM_TECHNIQUE_TIME "2024-11-22T00:00:00.000Z"

struct hl_disarm_ref {
	const char *title;       /* the link's text ("" when the cell is a bare URL) */
	const char *url;
	const char *date;        /* the cells as given ("" when empty) */
	const char *authors;
	const char *org;
	const char *archive;     /* the archive link's URL */
};

struct hl_disarm_technique {
	char id[HL_DISARM_ID_MAX + 1];   /* "T0007", "T0151.001" */
	const char *name;                /* "" when the page gives none */
	const char *desc;                /* this incident's evidence, plain text */
};

/* A parsed page. Every string is NUL-terminated UTF-8, "" when absent. */
struct hl_disarm_incident {
	char id[HL_DISARM_ID_MAX + 1];   /* "I00005" */
	const char *name;
	const char *summary;             /* plain text */
	const char *type;                /* "incident", "campaign", ... */
	int year;                        /* "Year started", 0 when not given */
	const char *found_via;
	const char *date_added;          /* "YYYY-MM-DD" */
	size_t ncountries;               /* the Countries field, split at commas, deduplicated */
	const char *countries[HL_DISARM_COUNTRIES_MAX];
	size_t nrefs;
	struct hl_disarm_ref refs[HL_DISARM_REFS_MAX];
	size_t ntech;                    /* rows, in page order; an id may repeat */
	struct hl_disarm_technique tech[HL_DISARM_TECHNIQUES_MAX];
	char *arena;                     /* holds the strings above */
	size_t arena_len, arena_cap;
};

/* What the caller decides about the bundle. */
struct hl_disarm_opts {
	const char *created;     /* RFC 3339 UTC: created, modified and published */
	const char *identity;    /* "identity--..." for created_by_ref, or NULL for none */
};

/* Parse a page in p[0..len). HL_ERR_TOO_BIG past a limit above,
 * HL_ERR_MALFORMED when it is not a DISARM incident page (not UTF-8, no
 * title line, no Summary field, a field or table row that does not parse);
 * err gets one line naming the line number. OUT: *out (caller frees with
 * hl_disarm_free). */
HL_WUR int hl_disarm_parse(const uint8_t *p, size_t len, struct hl_disarm_incident **out,
    char *err, size_t errlen);
void hl_disarm_free(struct hl_disarm_incident *inc);

/* The STIX 2.1 bundle of a parsed page; every object has passed
 * hl_stix_validate(). The time is given to the millisecond at least
 * ("...:05Z" becomes "...:05.000Z"). HL_ERR_INVALID for options that are
 * not a timestamp or an identity id, HL_ERR_TOO_BIG when an object would
 * pass HL_STIX_OBJECT_MAX_BYTES (possible only for a page near every
 * limit at once); err gets one line. OUT: *bundle (a new reference; caller
 * json_decrefs). */
HL_WUR int hl_disarm_bundle(const struct hl_disarm_incident *inc, const struct hl_disarm_opts *o,
    json_t **bundle, char *err, size_t errlen);
/* hl_disarm_parse(), then hl_disarm_bundle(). */
HL_WUR int hl_disarm_convert(const uint8_t *p, size_t len, const struct hl_disarm_opts *o,
    json_t **bundle, char *err, size_t errlen);

#endif
