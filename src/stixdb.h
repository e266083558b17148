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

/* Search: which objects name this value (hl_stix_obs_parse: an IP finds
 * the CIDRs containing it; a CIDR finds the addresses and ranges inside it
 * and the ranges containing it). Rule 4 applies. OUT: *kind ("ipv4",
 * "cidr", ...; static), *rows (free with hl_stixdb_rows_free; json is
 * NULL), matched[i] (caller frees the array with hl_free): the indexed
 * value that matched row i, *n (at most max). HL_ERR_MALFORMED for a value
 * that is no observable. */
struct hl_stix_matched {
	char value[HL_STIX_OBS_VALUE_MAX + 1];
};
HL_WUR int hl_stixdb_search(struct hl_stixdb *d, const char *value,
    const struct hl_policy *policy, const struct hl_operator_conf *op, size_t max,
    const char **kind, struct hl_stix_row **rows, struct hl_stix_matched **matched, size_t *n);

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
