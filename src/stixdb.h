/* stixdb.h: the STIX objects of the node's database as STIX: what an
 * object is stored and found by (its version, observables, names and
 * references), the sticky release rule read from the stored rows, rule 4
 * on what is read, and search. No SQL: the tables and their statements are
 * the store's (store_stix.h); a handle is used on the store's thread
 * only. */
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
#include "store_stix.h"

#define HL_STIXDB_MATCH_MAX 1000   /* search results */

struct hl_stixdb;

/* A handle on s's STIX objects; indexes for search first what was stored
 * before the search index existed (hl_stixdb_backfill). Caller frees with
 * hl_stixdb_close() before closing the store. */
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
/* Written, on disk once the store's syncer says so (hl_store_when_durable). */
HL_WUR int hl_stixdb_commit_nowait(struct hl_stixdb *d);
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

/* hl_stixdb_put in the caller's transaction (hl_stixdb_begin) without a
 * savepoint per object, for a batch: the same version again is HL_OK with
 * *added 0; any other error after the object's first write has rolled the
 * whole transaction back (hl_store_stix_put_bulk), so the caller gives up
 * the batch. text: the object's JSON as received when it is exactly what
 * its canonical form (hl_jsonspan_canonical: compact, key order kept) is,
 * stored as it is; NULL: dumped from obj. */
HL_WUR int hl_stixdb_put_bulk(struct hl_stixdb *d, const char *collection, const json_t *obj,
    const char *text, size_t textlen, const uint8_t *label, size_t label_len,
    const struct hl_stix_prov *prov, uint64_t *date_added_us, int *added);

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

/* OUT: *rows (free with hl_stixdb_rows_free), *n, *more = 1 when visible
 * rows remain after this page. */
HL_WUR int hl_stixdb_objects(struct hl_stixdb *d, const struct hl_stix_query *q,
    struct hl_stix_row **rows, size_t *n, int *more);
/* = hl_store_stix_rows_free */
void hl_stixdb_rows_free(struct hl_stix_row *rows, size_t n);

/* The newest version of object id in any collection (collection NULL) or
 * in one, if op may see it. HL_ERR_NOT_FOUND otherwise. OUT: *row (free
 * with hl_stixdb_rows_free(row, 1)). */
HL_WUR int hl_stixdb_get_latest(struct hl_stixdb *d, const char *collection, const char *id,
    const struct hl_policy *policy, const struct hl_operator_conf *op,
    struct hl_stix_row **row);

/* ---- search ---- */

#define HL_STIX_SEARCH_MAX 256     /* a search value, bytes */
#define HL_STIX_NAME_SHOWN 200     /* an object's name in a result, bytes */
#define HL_STIX_SIGHTERS_MAX 8     /* sighters listed per result */
#define HL_STIX_SIGHTINGS_SCAN 1000 /* sightings read per result */

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
