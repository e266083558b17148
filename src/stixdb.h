/* stixdb.h: STIX 2.1 objects in the node's database (schema versions 6
 * and 9): every version of every object per collection, with its label and
 * provenance, a strictly increasing date_added, an index of the
 * observables it names for search; the release each version was given by
 * the partner that controls it is read from its rows. A handle prepares its statements on the
 * store's connection; it is used on the store's thread only. */
#ifndef HL_STIXDB_H
#define HL_STIXDB_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "config.h"
#include "errors.h"
#include "hl_limits.h"
#include "label.h"
#include "stix.h"
#include "store.h"

/* The tables, run by store.c as the 5 -> 6 migration step. */
#define HL_STIXDB_SCHEMA \
	"CREATE TABLE IF NOT EXISTS stix_objects (" \
	" seq INTEGER PRIMARY KEY," \
	" collection TEXT NOT NULL," \
	" id TEXT NOT NULL," \
	" type TEXT NOT NULL," \
	" version TEXT NOT NULL," \
	" vkey TEXT NOT NULL," \
	" spec_version TEXT NOT NULL," \
	" date_added INTEGER NOT NULL," \
	" json TEXT NOT NULL," \
	" label BLOB NOT NULL," \
	" revoked INTEGER NOT NULL DEFAULT 0," \
	" is_first INTEGER NOT NULL DEFAULT 0," \
	" is_last INTEGER NOT NULL DEFAULT 0," \
	" source INTEGER NOT NULL," \
	" origin_partner TEXT NOT NULL," \
	" origin_node TEXT NOT NULL," \
	" envelope BLOB," \
	" received INTEGER NOT NULL," \
	" added_by TEXT NOT NULL DEFAULT ''," \
	" UNIQUE (collection, id, vkey)," \
	" UNIQUE (collection, date_added));" \
	"CREATE INDEX IF NOT EXISTS stix_objects_added ON stix_objects (date_added);" \
	"CREATE TABLE IF NOT EXISTS stix_observables (" \
	" kind INTEGER NOT NULL," \
	" key BLOB NOT NULL," \
	" plen INTEGER NOT NULL," \
	" hi BLOB," \
	" obj INTEGER NOT NULL REFERENCES stix_objects (seq));" \
	"CREATE INDEX IF NOT EXISTS stix_observables_key ON stix_observables (kind, key, plen);" \
	"CREATE TABLE IF NOT EXISTS stix_prefixes (" \
	" kind INTEGER NOT NULL," \
	" plen INTEGER NOT NULL," \
	" PRIMARY KEY (kind, plen)) WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS stix_status (" \
	" id TEXT PRIMARY KEY NOT NULL," \
	" collection TEXT NOT NULL," \
	" account TEXT NOT NULL," \
	" time_us INTEGER NOT NULL," \
	" status TEXT NOT NULL) WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS stix_bridge (" \
	" name TEXT PRIMARY KEY NOT NULL," \
	" cursor TEXT NOT NULL," \
	" updated_us INTEGER NOT NULL) WITHOUT ROWID;" \
	"CREATE TABLE IF NOT EXISTS stix_ingested (" \
	" envelope BLOB PRIMARY KEY NOT NULL," \
	" time_us INTEGER NOT NULL) WITHOUT ROWID;"

/* The search index (store migration "stix search", schema 10): the words
 * analysts search for, folded to ASCII lower case (external ids such as
 * ATT&CK T0855 / TA0001 and DISARM T0085.003, x_mitre_shortname, names,
 * aliases and x_mitre_aliases, and the words of names and aliases), and
 * the ids an object refers to (sighting_of_ref; relationship source_ref,
 * target_ref), so that an object's sightings show with it. Objects stored
 * before the migration are indexed once by hl_stixdb_open()
 * (stix_search_backfill holds the last seq to do). */
#define HL_STIXDB_SEARCH_SCHEMA \
	"CREATE TABLE IF NOT EXISTS stix_terms (" \
	" term BLOB NOT NULL," \
	" field INTEGER NOT NULL," \
	" obj INTEGER NOT NULL REFERENCES stix_objects (seq)," \
	" text TEXT NOT NULL);" \
	"CREATE INDEX IF NOT EXISTS stix_terms_term ON stix_terms (term, field);" \
	"CREATE TABLE IF NOT EXISTS stix_links (" \
	" ref TEXT NOT NULL," \
	" role INTEGER NOT NULL," \
	" obj INTEGER NOT NULL REFERENCES stix_objects (seq));" \
	"CREATE INDEX IF NOT EXISTS stix_links_ref ON stix_links (ref, role);" \
	"CREATE INDEX IF NOT EXISTS stix_objects_id ON stix_objects (id);" \
	"CREATE TABLE IF NOT EXISTS stix_search_backfill (upto INTEGER NOT NULL);" \
	"INSERT INTO stix_search_backfill SELECT max(seq) FROM stix_objects" \
	" HAVING max(seq) IS NOT NULL;"

/* Schema 9 (store.c runs it as the 8 -> 9 step): the names of the
 * collections holding objects, so that every row of an id can be found
 * through the (collection, id, vkey) index, one probe per collection: the
 * sticky releasability rule (docs/SECURITY.md) reads the release of each
 * version from its rows. Filled from stix_objects when the step runs. */
#define HL_STIXDB_RELEASE_SCHEMA \
	"CREATE TABLE IF NOT EXISTS stix_collections (" \
	" name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;" \
	"INSERT OR IGNORE INTO stix_collections (name)" \
	" SELECT DISTINCT collection FROM stix_objects;"

#define HL_STIX_ORIGIN_MAX 255     /* origin node, or an external server's URL */
#define HL_STIX_COLLECTION_MAX 64  /* collection name, bytes */
#define HL_STIXDB_MATCH_MAX 1000   /* search results */
#define HL_STIXDB_RELEASE_ROWS_MAX 10000   /* rows of one id read to check its release */
#define HL_STIXDB_INGEST_COLLECTIONS_MAX 224  /* collections a partner's envelope may add to */

enum hl_stix_source {
	HL_STIX_LOCAL = 0,         /* added on this node (TAXII POST, stix push, sighting) */
	HL_STIX_PARTNER = 1,       /* received from a partner in an envelope */
	HL_STIX_EXTERNAL = 2,      /* pulled from an external TAXII server */
};

struct hl_stix_prov {
	int source;                                /* enum hl_stix_source */
	char partner[HL_PARTNER_MAX + 1];          /* origin partner ("" external) */
	char node[HL_STIX_ORIGIN_MAX + 1];         /* origin node, or external URL */
	uint8_t envelope[HL_ID_BYTES];             /* PARTNER: the envelope it came in */
	uint64_t received_us;                      /* when it was stored here */
	char added_by[HL_OPERATOR_MAX + 1];        /* LOCAL: the account */
};

struct hl_stixdb;

/* Prepare the statements on s's connection (schema 6 must be there).
 * Caller frees with hl_stixdb_close() before closing the store. */
HL_WUR int hl_stixdb_open(struct hl_store *s, struct hl_stixdb **out);
void hl_stixdb_close(struct hl_stixdb *d);
/* Index for search the objects stored before the search index existed
 * (after the schema-10 migration; what hl_stixdb_open() does first), so
 * that the daemon does it at start and not on its event loop. OUT:
 * *indexed objects (0: nothing to do). */
HL_WUR int hl_stixdb_backfill(struct hl_store *s, size_t *indexed);

/* Transactions (wrap a batch of puts for speed; nesting not allowed). */
HL_WUR int hl_stixdb_begin(struct hl_stixdb *d);
HL_WUR int hl_stixdb_commit(struct hl_stixdb *d);
void hl_stixdb_rollback(struct hl_stixdb *d);

/* Store one object that passed hl_stix_validate() in collection, with its
 * encoded label and provenance. The JSON is kept as received (key order
 * and custom properties preserved). The same id and version again is
 * idempotent (*added = 0, *date_added_us the first one's). Observables are
 * indexed; a version's first row is its release, a later row from the same
 * origin partner widens it (struct hl_stix_first). OUT: *date_added_us,
 * *added; either may be NULL. */
HL_WUR int hl_stixdb_put(struct hl_stixdb *d, const char *collection, const json_t *obj,
    const uint8_t *label, size_t label_len, const struct hl_stix_prov *prov,
    uint64_t *date_added_us, int *added);

/* The release one version of an object was given: the origin partner
 * and label of its first arrival (its earliest row), widened by each later
 * arrival of it from that same partner (hl_stix_release_union). */
struct hl_stix_first {
	char vkey[HL_STIX_TS_KEY];
	int source;                                /* enum hl_stix_source */
	char partner[HL_PARTNER_MAX + 1];          /* who controls it; "": this node */
	char node[HL_STIX_ORIGIN_MAX + 1];         /* origin node, or external URL */
	struct hl_label label;
	uint64_t first_us;
};

/* Sticky releasability: may poster (a partner code) give object obj
 * (validated) the label want? The partner that controls a version is the
 * one it first arrived from ("" stands for self, this node's partner).
 * When this version is stored already and another partner controls it,
 * want must not widen that partner's release of it; otherwise (a new
 * version, or the poster's own) want must not widen the release of any
 * version another partner controls. The poster itself does not count in
 * want's releasable-to (it holds the object already: a partner's node
 * sending us what it has is no widening; to whom it would go is).
 * HL_OK: allowed; HL_ERR_DENIED: *deny
 * is the version whose release it would widen (the earliest) and *widens
 * what (HL_STIX_WIDENS_*); either may be NULL. Other errors: storage,
 * HL_ERR_CORRUPT for a stored label that does not decode, HL_ERR_TOO_BIG
 * when more than HL_STIXDB_RELEASE_ROWS_MAX rows hold the id (versions
 * times collections): the caller refuses the object. */
HL_WUR int hl_stixdb_release_check(struct hl_stixdb *d, const json_t *obj, const char *poster,
    const char *self, const struct hl_label *want, struct hl_stix_first *deny,
    unsigned *widens);
/* The release of one version as stored. HL_ERR_NOT_FOUND when none. */
HL_WUR int hl_stixdb_release_get(struct hl_stixdb *d, const char *id, const char *vkey,
    struct hl_stix_first *out);

/* match[version] */
enum hl_stix_vsel {
	HL_STIX_V_LAST = 0,        /* default */
	HL_STIX_V_FIRST = 1,
	HL_STIX_V_ALL = 2,
	HL_STIX_V_LIST = 3,        /* the versions in vkeys */
};

#define HL_STIX_MATCH_VALUES 16    /* values per match[...] parameter */

/* One page of objects, oldest date_added first. Rule 4: rows whose label
 * op may not see under policy are skipped (op NULL: no filter). */
struct hl_stix_query {
	const char *collection;
	uint64_t after_us;                         /* date_added > this (added_after, next) */
	unsigned nids;
	const char *ids[HL_STIX_MATCH_VALUES];     /* match[id] */
	unsigned ntypes;
	const char *types[HL_STIX_MATCH_VALUES];   /* match[type] */
	int vsel;                                  /* enum hl_stix_vsel */
	unsigned nvkeys;
	char vkeys[HL_STIX_MATCH_VALUES][HL_STIX_TS_KEY];
	unsigned nspec;
	const char *spec[HL_STIX_MATCH_VALUES];    /* match[spec_version]; none: any */
	size_t limit;                              /* 1.. */
	const struct hl_policy *policy;
	const struct hl_operator_conf *op;
};

struct hl_stix_row {
	uint64_t seq;
	char id[HL_STIX_ID_MAX + 1];
	char type[HL_STIX_TYPE_MAX + 1];
	char version[64];                          /* modified (or created) as received */
	char spec_version[8];
	char collection[HL_STIX_COLLECTION_MAX + 1];
	uint64_t date_added_us;
	int revoked;
	uint8_t label[HL_LABEL_MAX_BYTES];
	size_t label_len;
	struct hl_stix_prov prov;
	char *json;                                /* owned, NUL-terminated */
	size_t json_len;
};
/* OUT: *rows (free with hl_stixdb_rows_free), *n, *more = 1 when visible
 * rows remain after this page. */
HL_WUR int hl_stixdb_objects(struct hl_stixdb *d, const struct hl_stix_query *q,
    struct hl_stix_row **rows, size_t *n, int *more);
void hl_stixdb_rows_free(struct hl_stix_row *rows, size_t n);

/* The newest version of object id in any collection (collection NULL) or
 * in one, if op may see it. HL_ERR_NOT_FOUND otherwise. OUT: *row (free
 * with hl_stixdb_rows_free(row, 1)). */
HL_WUR int hl_stixdb_get_latest(struct hl_stixdb *d, const char *collection, const char *id,
    const struct hl_policy *policy, const struct hl_operator_conf *op,
    struct hl_stix_row **row);

/* ---- search ---- */

#define HL_STIX_SEARCH_MAX 256     /* a search value, bytes */
#define HL_STIX_TERM_MAX 128       /* an indexed name or id, bytes (longer: cut) */
#define HL_STIX_NAME_SHOWN 200     /* an object's name in a result, bytes */
#define HL_STIX_SIGHTERS_MAX 8     /* sighters listed per result */
#define HL_STIX_SIGHTINGS_SCAN 1000 /* sightings read per result */

/* Which field of an object matched. */
enum hl_stix_field {
	HL_STIX_F_OBSERVABLE = 0,  /* a value its pattern or SCO names */
	HL_STIX_F_EXTID = 1,       /* external_references[].external_id, x_mitre_shortname */
	HL_STIX_F_NAME = 2,        /* name */
	HL_STIX_F_ALIAS = 3,       /* aliases, x_mitre_aliases */
	HL_STIX_F_WORD = 4,        /* a word of the name or an alias */
	HL_STIX_F_ID = 5,          /* the STIX id itself */
};
/* "observable", "external_id", "name", "alias", "word", "id". */
const char *hl_stix_field_name(int field);

struct hl_stix_search {
	const char *value;                         /* what the analyst typed */
	size_t max;                                /* results, 1..HL_STIXDB_MATCH_MAX */
	const struct hl_policy *policy;
	const struct hl_operator_conf *op;         /* rule 4 (NULL: no filter) */
	/* also left out: collections this says op may not read (NULL: none) */
	int (*may_read)(void *arg, const char *collection);
	void *arg;
};

struct hl_stix_sighter {
	char partner[HL_PARTNER_MAX + 1];          /* who made the sighting ("" external) */
	char node[HL_STIX_ORIGIN_MAX + 1];
	uint32_t sightings;
	uint64_t count;                            /* sum of their count */
};

/* The sightings of a result's object (latest versions, rule 4 applied,
 * each sighting once even when stored in two collections). */
struct hl_stix_sighted {
	uint32_t sightings;                        /* sighting objects */
	uint64_t count;                            /* sum of their count (absent: 1) */
	char first_seen[64], last_seen[64];        /* first_seen / last_seen (else created); "" none */
	size_t nby;
	struct hl_stix_sighter by[HL_STIX_SIGHTERS_MAX];
	int more_by;                               /* more sighters than listed */
};

struct hl_stix_hit {
	struct hl_stix_row row;                    /* json NULL */
	char name[HL_STIX_NAME_SHOWN + 1];         /* the object's name, "" none */
	char matched[HL_STIX_OBS_VALUE_MAX + 1];   /* the indexed value that matched */
	int field;                                 /* enum hl_stix_field */
	int exact;                                 /* 0: matched as a prefix */
	struct hl_stix_sighted sighted;
};

/* What a search value was taken for (hl_stixdb_find's *kind): an
 * observable ("ipv4", "ipv6", "cidr", "domain", "url", "md5", "sha1",
 * "sha256", "sha512", "email"), "technique" (T1234, T1234.001: the
 * external id, then its sub-techniques), "tactic" (TA0001, TA01), "id" (a
 * STIX id) or "name" (names, aliases, words of them and external ids:
 * exact matches first, then prefixes of at least 3 bytes). A domain-shaped
 * value is also looked up as a name (Backdoor.Oldrea). */

/* Search: which objects, from whom, name this value, newest versions only,
 * revoked ones left out, rule 4 and q->may_read applied; each result with
 * its sightings. OUT: *kind (static), *hits (free with
 * hl_stixdb_hits_free), *n (at most q->max). HL_ERR_MALFORMED for an
 * empty value or one with control characters, HL_ERR_TOO_BIG past
 * HL_STIX_SEARCH_MAX. */
HL_WUR int hl_stixdb_find(struct hl_stixdb *d, const struct hl_stix_search *q,
    const char **kind, struct hl_stix_hit **hits, size_t *n);
void hl_stixdb_hits_free(struct hl_stix_hit *hits, size_t n);

/* TAXII status resources (kept so GET status/{id} works after a restart). */
HL_WUR int hl_stixdb_status_put(struct hl_stixdb *d, const char *id, const char *collection,
    const char *account, const char *status_json);
/* OUT: *json (caller frees with hl_free), account copied. */
HL_WUR int hl_stixdb_status_get(struct hl_stixdb *d, const char *id, char **json,
    char account[HL_OPERATOR_MAX + 1]);

/* External TAXII poll bookkeeping (the bridge's added_after per source):
 * get gives "" when none yet. */
HL_WUR int hl_stixdb_bridge_get(struct hl_stixdb *d, const char *name, char *cursor,
    size_t cursorlen);
HL_WUR int hl_stixdb_bridge_set(struct hl_stixdb *d, const char *name, const char *cursor,
    uint64_t now_us);

/* Inbound STIX envelopes: mark one ingested (inside the ingest's
 * transaction), and list those stored but not ingested yet (a crash
 * between the envelope's commit and its ingest), oldest first. OUT: *ids
 * (caller frees with hl_free), *n. */
HL_WUR int hl_stixdb_ingested_mark(struct hl_stixdb *d, const uint8_t id[static HL_ID_BYTES]);
HL_WUR int hl_stixdb_ingest_pending(struct hl_stixdb *d, size_t max,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n);

/* May a partner's envelope put objects in collection name? Yes when it
 * holds objects already, or when fewer than HL_STIXDB_INGEST_COLLECTIONS_MAX
 * collections do (partners choose the names; each one costs the sticky
 * check an index probe). OUT: *ok. */
HL_WUR int hl_stixdb_collection_room(struct hl_stixdb *d, const char *name, int *ok);

/* Objects stored (all collections), for status and tests. */
HL_WUR int hl_stixdb_count(struct hl_stixdb *d, const char *collection, uint64_t *n);

#endif
