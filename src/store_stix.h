/* store_stix.h: the STIX tables of the node's database (schema versions 6,
 * 9 and 10): every version of every object per collection, with its label
 * and provenance and a strictly increasing date_added; the observables,
 * names and references it is found by; TAXII status resources and the poll
 * bridge's cursors. The store takes values already validated and computed
 * by the STIX code above it (stixdb.c: what an object is indexed by, the
 * sticky release rule, search) and gives rows back; it parses no JSON. */
#ifndef HL_STORE_STIX_H
#define HL_STORE_STIX_H

#include <stddef.h>
#include <stdint.h>

#include "errors.h"
#include "hl_limits.h"
#include "stix.h"
#include "store.h"

#define HL_STIX_ORIGIN_MAX 255     /* origin node, or an external server's URL */
#define HL_STIX_COLLECTION_MAX 64  /* collection name, bytes */
#define HL_STIX_TERM_MAX 128       /* an indexed name or id, bytes (longer: cut) */
#define HL_STIX_MATCH_VALUES 16    /* values per match[...] parameter */
#define HL_STIXDB_RELEASE_ROWS_MAX 10000   /* rows of one id read to check its release */
#define HL_STIXDB_INGEST_COLLECTIONS_MAX 224  /* collections a partner's envelope may add to */
#define HL_STORE_STIX_PENDING_MAX 100000   /* ids hl_store_stix_ingest_pending lists */

/* Stored in stix_objects.source. */
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

/* Which field of an object a search term is (stored in stix_terms.field;
 * a lookup names the fields it wants as a bit mask, 1 << field). */
enum hl_stix_field {
	HL_STIX_F_OBSERVABLE = 0,  /* a value its pattern or SCO names */
	HL_STIX_F_EXTID = 1,       /* external_references[].external_id, x_mitre_shortname */
	HL_STIX_F_NAME = 2,        /* name */
	HL_STIX_F_ALIAS = 3,       /* aliases, x_mitre_aliases */
	HL_STIX_F_WORD = 4,        /* a word of the name or an alias */
	HL_STIX_F_ID = 5,          /* the STIX id itself */
};

/* What an object refers to (stored in stix_links.role). */
enum hl_stix_link {
	HL_STIX_LINK_SIGHTING = 1, /* a sighting's sighting_of_ref */
	HL_STIX_LINK_SOURCE = 2,   /* a relationship's source_ref */
	HL_STIX_LINK_TARGET = 3,   /* a relationship's target_ref */
};

/* One search term: the folded key (ASCII lower case) and the text as
 * written. */
struct hl_store_stix_term {
	uint8_t field;                             /* enum hl_stix_field */
	size_t klen;
	char key[HL_STIX_TERM_MAX];
	char text[HL_STIX_TERM_MAX + 1];
};

struct hl_store_stix_ref {
	const char *ref;                           /* a STIX id */
	int role;                                  /* enum hl_stix_link */
};

/* What an object is found by. */
struct hl_store_stix_index {
	const struct hl_stix_obs *obs;             /* observables (hl_stix_extract) */
	size_t nobs;
	const struct hl_store_stix_term *terms;
	size_t nterms;
	const struct hl_store_stix_ref *refs;
	size_t nrefs;
};

/* One object version to store, from a validated object. */
struct hl_store_stix_obj {
	const char *collection;                    /* 1..HL_STIX_COLLECTION_MAX bytes */
	const char *id, *type, *spec_version;
	const char *version;                       /* modified, else created, else "" */
	const char *vkey;                          /* version as a sortable key, "" none */
	int revoked;
	const char *json;                          /* the object as received, compact */
	size_t json_len;                           /* its bytes; 0: NUL-terminated */
	const uint8_t *label;                      /* encoded label */
	size_t label_len;
	const struct hl_stix_prov *prov;
	struct hl_store_stix_index ix;
	/* When not NULL: called once the version is known to be new, before
	 * anything is written, to fill json, json_len and ix of its copy o (so
	 * that nothing is built for a version stored already); an error from
	 * it is returned and nothing is written. */
	int (*fill)(void *arg, struct hl_store_stix_obj *o);
	void *fill_arg;
};

/* One stored row. */
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
/* Frees each row's json, then the array. Accepts NULL. */
void hl_store_stix_rows_free(struct hl_stix_row *rows, size_t n);

/* A row filter: 1 to keep the row (rule 4, read lists), 0 to pass it by. */
typedef int (*hl_store_stix_keep_fn)(void *arg, const struct hl_stix_row *row);

/* Is version vkey of id stored in collection? HL_ERR_NOT_FOUND if not.
 * OUT: *date_added_us. */
HL_WUR int hl_store_stix_find(struct hl_store *s, const char *collection, const char *id,
    const char *vkey, uint64_t *date_added_us);
/* Store one new version with its index entries, atomically (its own
 * transaction, or a savepoint in the caller's). date_added is now_us, or
 * one more than the latest when that is not earlier. The same (collection,
 * id, vkey) again: HL_ERR_EXISTS, nothing written, *date_added_us the
 * stored one's. OUT: *date_added_us. */
HL_WUR int hl_store_stix_put(struct hl_store *s, const struct hl_store_stix_obj *o,
    uint64_t now_us, uint64_t *date_added_us);
/* The same in the caller's transaction (hl_store_begin) without a
 * savepoint of its own, for a batch of puts (a TAXII POST's slice, an
 * envelope's ingest): a savepoint per object costs SQLite a copy of every
 * page the object touches that the batch had already changed (about half
 * of a put, measured: docs/internals/store.md). HL_ERR_EXISTS and a
 * failure found before writing (a bad argument, fill's error) leave the
 * transaction as it was; a failure after the first write rolls the whole
 * transaction back (every further call in it fails with HL_ERR_STORE and
 * hl_store_commit reports the loss), never half an object.
 * HL_ERR_INVALID without an open transaction. */
HL_WUR int hl_store_stix_put_bulk(struct hl_store *s, const struct hl_store_stix_obj *o,
    uint64_t now_us, uint64_t *date_added_us);

/* Index for search the objects stored before the search index existed
 * (the schema-10 migration noted the last seq), in one atomic step: index
 * gets each one's JSON and fills *ix (pointers valid until its next call);
 * HL_ERR_MALFORMED from it skips that object, another error stops. OUT:
 * *indexed objects (0: nothing to do). */
typedef int (*hl_store_stix_index_fn)(void *arg, const char *json, size_t len,
    struct hl_store_stix_index *ix);
HL_WUR int hl_store_stix_backfill(struct hl_store *s, hl_store_stix_index_fn index, void *arg,
    size_t *indexed);

/* ---- releases: every stored row of a version ---- */
struct hl_store_stix_arrival {
	char vkey[HL_STIX_TS_KEY];
	int source;                                /* enum hl_stix_source */
	char partner[HL_PARTNER_MAX + 1];
	char node[HL_STIX_ORIGIN_MAX + 1];
	const uint8_t *label;                      /* encoded, 1..HL_LABEL_MAX_BYTES */
	size_t label_len;
	uint64_t date_added_us;
};
/* Each row of id in any collection (of version vkey only when not NULL),
 * by version, then date_added, to cb (a's pointers valid during the call);
 * an error from cb stops and is returned. HL_ERR_TOO_BIG past
 * HL_STIXDB_RELEASE_ROWS_MAX rows, HL_ERR_CORRUPT for a label of no or too
 * many bytes. */
HL_WUR int hl_store_stix_arrivals(struct hl_store *s, const char *id, const char *vkey,
    int (*cb)(void *arg, const struct hl_store_stix_arrival *a), void *arg);

/* ---- reading objects ---- */

/* match[version] */
enum hl_stix_vsel {
	HL_STIX_V_LAST = 0,        /* default */
	HL_STIX_V_FIRST = 1,
	HL_STIX_V_ALL = 2,
	HL_STIX_V_LIST = 3,        /* the versions in vkeys */
};

/* One page of objects in a collection, oldest date_added first. */
struct hl_store_stix_page {
	const char *collection;
	uint64_t after_us;                         /* date_added > this */
	unsigned nids, ntypes, nspec, nvkeys;      /* each at most HL_STIX_MATCH_VALUES */
	const char *const *ids;                    /* match[id] */
	const char *const *types;                  /* match[type] */
	const char *const *spec;                   /* match[spec_version]; none: any */
	int vsel;                                  /* enum hl_stix_vsel */
	const char (*vkeys)[HL_STIX_TS_KEY];       /* HL_STIX_V_LIST */
	size_t limit;                              /* 1.. */
	hl_store_stix_keep_fn keep;                /* NULL: every row */
	void *arg;
};
/* Rows keep refuses are passed by and do not count. OUT: *rows (free with
 * hl_store_stix_rows_free; NULL when *n is 0), *n, *more = 1 when kept
 * rows remain after this page. */
HL_WUR int hl_store_stix_objects(struct hl_store *s, const struct hl_store_stix_page *q,
    struct hl_stix_row **rows, size_t *n, int *more);
/* The newest version of id in collection (NULL: any) that keep keeps.
 * HL_ERR_NOT_FOUND otherwise. OUT: *row (free with
 * hl_store_stix_rows_free(row, 1)). */
HL_WUR int hl_store_stix_latest(struct hl_store *s, const char *collection, const char *id,
    hl_store_stix_keep_fn keep, void *arg, struct hl_stix_row **row);

/* ---- search lookups ----
 * Each gives the object rows it finds to cb, at most limit; hit->text is
 * the indexed text that matched (a term as written), or NULL; range hits
 * carry the stored first address and prefix length instead. */
struct hl_store_stix_hit {
	uint64_t seq;
	int field;                                 /* enum hl_stix_field */
	const char *text;
	const uint8_t *key;                        /* range hits: first address */
	size_t klen;
	unsigned plen;                             /* range hits: prefix length */
};
typedef void (*hl_store_stix_hit_fn)(void *arg, const struct hl_store_stix_hit *hit);
/* The rows of id that are their collection's latest version, not revoked. */
HL_WUR int hl_store_stix_id_hits(struct hl_store *s, const char *id, size_t limit,
    hl_store_stix_hit_fn cb, void *arg);
/* Terms equal to key (exact) or starting with it, in the fields of mask. */
HL_WUR int hl_store_stix_term_hits(struct hl_store *s, const char *key, size_t klen, int mask,
    int exact, size_t limit, hl_store_stix_hit_fn cb, void *arg);
/* Observables of kind stored as exactly key (klen bytes) at prefix plen. */
HL_WUR int hl_store_stix_obs_hits(struct hl_store *s, uint8_t kind, const void *key,
    size_t klen, unsigned plen, size_t limit, hl_store_stix_hit_fn cb, void *arg);
/* Address ranges of kind whose first address lies in lo..hi (klen bytes
 * each) with a prefix of at least min_plen. */
HL_WUR int hl_store_stix_range_hits(struct hl_store *s, uint8_t kind, const uint8_t *lo,
    const uint8_t *hi, size_t klen, unsigned min_plen, size_t limit, hl_store_stix_hit_fn cb,
    void *arg);
/* The prefix lengths stored for addresses of kind, at most max_plen,
 * longest first. OUT: plens[*n] (at most 129). */
HL_WUR int hl_store_stix_prefixes(struct hl_store *s, uint8_t kind, unsigned max_plen,
    unsigned plens[129], size_t *n);
/* Row seq when it is its collection's latest version and not revoked:
 * cb(arg, row, name) with the object's name (NULL: none), and cb's result
 * returned; HL_ERR_NOT_FOUND otherwise. row->json is NULL. */
HL_WUR int hl_store_stix_hit_row(struct hl_store *s, uint64_t seq,
    int (*cb)(void *arg, const struct hl_stix_row *row, const char *name), void *arg);
/* What a sighting says besides its row. */
struct hl_store_stix_sighting {
	int has_count;
	int64_t count;
	const char *first_seen, *last_seen;        /* NULL: absent */
	const char *created;
};
/* The sightings of id (latest versions, not revoked), oldest seq first, at
 * most limit, to cb (pointers valid during the call); an error from cb
 * stops and is returned. */
HL_WUR int hl_store_stix_sightings(struct hl_store *s, const char *id, size_t limit,
    int (*cb)(void *arg, const struct hl_stix_row *row, const struct hl_store_stix_sighting *g),
    void *arg);

/* ---- TAXII status, poll cursors, ingest bookkeeping, counts ---- */

/* Status resources (kept so GET status/{id} works after a restart). */
HL_WUR int hl_store_stix_status_put(struct hl_store *s, const char *id, const char *collection,
    const char *account, const char *status_json, uint64_t now_us);
/* OUT: *json (caller frees with hl_free), account copied. */
HL_WUR int hl_store_stix_status_get(struct hl_store *s, const char *id, char **json,
    char account[HL_OPERATOR_MAX + 1]);
/* The poll bridge's cursor per source: "" when none yet. */
HL_WUR int hl_store_stix_bridge_get(struct hl_store *s, const char *name, char *cursor,
    size_t cursorlen);
HL_WUR int hl_store_stix_bridge_set(struct hl_store *s, const char *name, const char *cursor,
    uint64_t now_us);
/* Inbound STIX envelopes: mark one ingested (in the ingest's
 * transaction); list those stored but not ingested yet, oldest first, at
 * most max (1..HL_STORE_STIX_PENDING_MAX). OUT: *ids (hl_free), *n. */
HL_WUR int hl_store_stix_ingested_mark(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint64_t now_us);
HL_WUR int hl_store_stix_ingest_pending(struct hl_store *s, size_t max,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n);
/* May a partner's envelope put objects in collection name (it holds
 * objects, or fewer than HL_STIXDB_INGEST_COLLECTIONS_MAX collections do)?
 * OUT: *ok. */
HL_WUR int hl_store_stix_collection_room(struct hl_store *s, const char *name, int *ok);
/* Objects stored in collection (NULL: all). */
HL_WUR int hl_store_stix_count(struct hl_store *s, const char *collection, uint64_t *n);

#endif
