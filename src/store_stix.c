/* store_stix.c: the STIX tables (store_stix.h; migrations 6, 9 and 10).
 *
 * Versions: every (collection, id, version) is one row; version is
 * modified, else created, else none. vkey is the version as a fixed-width
 * timestamp so that text order is time order; is_first / is_last mark the
 * oldest and newest version of an id in a collection (match[version]).
 *
 * date_added is in microseconds, unique and strictly increasing over the
 * whole table (so per collection too): the TAXII paging cursor.
 *
 * Observables: one row per (object, value). IPs are stored as the first
 * address of their range, big-endian (4 or 16 bytes), with the prefix
 * length; an address search looks up, for each prefix length in use
 * (stix_prefixes, a handful), the network containing the address: a few
 * indexed point lookups whatever the table size. A CIDR search is an
 * indexed range scan over the first addresses. Other kinds are stored as
 * their normalised text with prefix length 0.
 *
 * Releases (sticky releasability) are derived from the rows, nothing is
 * stored apart: the rows of an id are found with one probe of the
 * (collection, id, vkey) index per collection (stix_collections, schema 9),
 * so storing an object costs no extra index entry. */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "buf.h"
#include "sealfile.h"
#include "store_int.h"
#include "store_stix.h"

/* 5 -> 6: STIX objects, the observables index, TAXII status, the poll
 * bridge's cursors, the envelopes ingested. */
const char store_stix_v6[] =
	"CREATE TABLE IF NOT EXISTS stix_objects ("
	" seq INTEGER PRIMARY KEY,"
	" collection TEXT NOT NULL,"
	" id TEXT NOT NULL,"
	" type TEXT NOT NULL,"
	" version TEXT NOT NULL,"
	" vkey TEXT NOT NULL,"
	" spec_version TEXT NOT NULL,"
	" date_added INTEGER NOT NULL,"
	" json TEXT NOT NULL,"
	" label BLOB NOT NULL,"
	" revoked INTEGER NOT NULL DEFAULT 0,"
	" is_first INTEGER NOT NULL DEFAULT 0,"
	" is_last INTEGER NOT NULL DEFAULT 0,"
	" source INTEGER NOT NULL,"
	" origin_partner TEXT NOT NULL,"
	" origin_node TEXT NOT NULL,"
	" envelope BLOB,"
	" received INTEGER NOT NULL,"
	" added_by TEXT NOT NULL DEFAULT '',"
	" UNIQUE (collection, id, vkey),"
	" UNIQUE (collection, date_added));"
	"CREATE INDEX IF NOT EXISTS stix_objects_added ON stix_objects (date_added);"
	"CREATE TABLE IF NOT EXISTS stix_observables ("
	" kind INTEGER NOT NULL,"
	" key BLOB NOT NULL,"
	" plen INTEGER NOT NULL,"
	" hi BLOB,"
	" obj INTEGER NOT NULL REFERENCES stix_objects (seq));"
	"CREATE INDEX IF NOT EXISTS stix_observables_key ON stix_observables (kind, key, plen);"
	"CREATE TABLE IF NOT EXISTS stix_prefixes ("
	" kind INTEGER NOT NULL,"
	" plen INTEGER NOT NULL,"
	" PRIMARY KEY (kind, plen)) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS stix_status ("
	" id TEXT PRIMARY KEY NOT NULL,"
	" collection TEXT NOT NULL,"
	" account TEXT NOT NULL,"
	" time_us INTEGER NOT NULL,"
	" status TEXT NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS stix_bridge ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" cursor TEXT NOT NULL,"
	" updated_us INTEGER NOT NULL) WITHOUT ROWID;"
	"CREATE TABLE IF NOT EXISTS stix_ingested ("
	" envelope BLOB PRIMARY KEY NOT NULL,"
	" time_us INTEGER NOT NULL) WITHOUT ROWID;";

/* 8 -> 9: the names of the collections holding objects, so that every row
 * of an id can be found through the (collection, id, vkey) index, one probe
 * per collection: the sticky releasability rule (docs/SECURITY.md) reads
 * the release of each version from its rows. Filled from stix_objects when
 * the step runs. */
const char store_stix_v9[] =
	"CREATE TABLE IF NOT EXISTS stix_collections ("
	" name TEXT PRIMARY KEY NOT NULL) WITHOUT ROWID;"
	"INSERT OR IGNORE INTO stix_collections (name)"
	" SELECT DISTINCT collection FROM stix_objects;";

/* 9 -> 10: the search index: the words analysts search for, folded to
 * ASCII lower case (external ids, names, aliases and their words), and the
 * ids an object refers to (sighting_of_ref; relationship source_ref,
 * target_ref), so that an object's sightings show with it. Objects stored
 * before the migration are indexed once (hl_store_stix_backfill;
 * stix_search_backfill holds the last seq to do). */
const char store_stix_v10[] =
	"CREATE TABLE IF NOT EXISTS stix_terms ("
	" term BLOB NOT NULL,"
	" field INTEGER NOT NULL,"
	" obj INTEGER NOT NULL REFERENCES stix_objects (seq),"
	" text TEXT NOT NULL);"
	"CREATE INDEX IF NOT EXISTS stix_terms_term ON stix_terms (term, field);"
	"CREATE TABLE IF NOT EXISTS stix_links ("
	" ref TEXT NOT NULL,"
	" role INTEGER NOT NULL,"
	" obj INTEGER NOT NULL REFERENCES stix_objects (seq));"
	"CREATE INDEX IF NOT EXISTS stix_links_ref ON stix_links (ref, role);"
	"CREATE INDEX IF NOT EXISTS stix_objects_id ON stix_objects (id);"
	"CREATE TABLE IF NOT EXISTS stix_search_backfill (upto INTEGER NOT NULL);"
	"INSERT INTO stix_search_backfill SELECT max(seq) FROM stix_objects"
	" HAVING max(seq) IS NOT NULL;";

#define STIX_SCAN_BATCH 256        /* rows read per step while filtering a page */
#define STIX_SCAN_MAX 200000       /* rows examined per page at most */
#define STIX_BACKFILL_BATCH 256
#define STIX_LATEST_ANY_MAX 50     /* versions of an id looked at in any collection */

/* The page statements have HL_STIX_MATCH_VALUES placeholders per list. */
_Static_assert(HL_STIX_MATCH_VALUES == 16, "the page statements' placeholder lists");

enum stix_st {
	SS_FIND,
	SS_PROBE,
	SS_INSERT,
	SS_FLAGS,
	SS_OBS_INSERT,
	SS_PREFIX_INSERT,
	SS_PREFIXES,
	SS_OBS_POINT,
	SS_OBS_RANGE,
	SS_ROW_BY_SEQ,
	SS_LATEST_ANY,
	SS_LATEST_IN,
	SS_PAGE,
	SS_PAGE_IDS,
	SS_STATUS_PUT,
	SS_STATUS_GET,
	SS_BRIDGE_GET,
	SS_BRIDGE_SET,
	SS_COUNT_ALL,
	SS_COUNT_IN,
	SS_INGESTED,
	SS_INGEST_PENDING,
	SS_COLL_PUT,
	SS_COLL_ROOM,
	SS_ROWS_OF,
	SS_ROWS_OF_V,
	SS_TERM_INSERT,
	SS_LINK_INSERT,
	SS_TERM_EXACT,
	SS_TERM_RANGE,
	SS_ID_ROWS,
	SS_SIGHTINGS,
	SS_BACKFILL_GET,
	SS_BACKFILL_ROWS,
	SS_BACKFILL_DONE,
	SS_N
};

#define ROW_COLS "seq, collection, id, type, version, spec_version, date_added, revoked," \
	" label, source, origin_partner, origin_node, envelope, received, added_by"
#define ROW_NCOLS 15

/* One page of a collection: ?1 collection, ?2 after, ?3 limit; ?4 (0: any
 * type) and the types ?5..?20; ?21 (0: any spec_version) and ?22..?37;
 * ?38 latest versions only, ?39 first versions only, ?40 (0: any version)
 * and the versions ?41..?56; with ids, the ids ?57..?72. Unused list slots
 * are NULL, which matches nothing. */
/* the object's JSON as stored, opened when sealed at rest */
#define JSON_COL "hl_stix_json(json, collection, id, version)"
#define PAGE_HEAD "SELECT " ROW_COLS ", " JSON_COL " FROM stix_objects WHERE collection = ?1" \
	" AND date_added > ?2"
#define PAGE_FILTERS \
	" AND (?4 = 0 OR type IN (?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17," \
	" ?18, ?19, ?20))" \
	" AND (?21 = 0 OR spec_version IN (?22, ?23, ?24, ?25, ?26, ?27, ?28, ?29, ?30, ?31," \
	" ?32, ?33, ?34, ?35, ?36, ?37))" \
	" AND (?38 = 0 OR is_last = 1) AND (?39 = 0 OR is_first = 1)" \
	" AND (?40 = 0 OR vkey IN (?41, ?42, ?43, ?44, ?45, ?46, ?47, ?48, ?49, ?50, ?51, ?52," \
	" ?53, ?54, ?55, ?56))" \
	" ORDER BY date_added ASC LIMIT ?3"
#define PAGE_IDS " AND id IN (?57, ?58, ?59, ?60, ?61, ?62, ?63, ?64, ?65, ?66, ?67, ?68, ?69," \
	" ?70, ?71, ?72)"
enum { P_TYPES = 4, P_SPEC = 21, P_LAST = 38, P_FIRST = 39, P_VKEYS = 40, P_IDS = 56 };

static const char *const stix_sql[SS_N] = {
	[SS_FIND] = "SELECT seq, date_added FROM stix_objects"
	    " WHERE collection = ?1 AND id = ?2 AND vkey = ?3",
	/* before a put, in one statement (three probes of the (collection, id,
	 * vkey) index): the same version's date_added (NULL: not stored), and
	 * the oldest and newest other versions of the id in the collection */
	[SS_PROBE] = "SELECT (SELECT date_added FROM stix_objects WHERE collection = ?1"
	    " AND id = ?2 AND vkey = ?3),"
	    " (SELECT min(vkey) FROM stix_objects WHERE collection = ?1 AND id = ?2),"
	    " (SELECT max(vkey) FROM stix_objects WHERE collection = ?1 AND id = ?2)",
	/* date_added: now (?7), or one more than the newest when that is not
	 * earlier (the date_added index's last entry); is_first / is_last from
	 * the probe */
	[SS_INSERT] = "INSERT INTO stix_objects (collection, id, type, version, vkey,"
	    " spec_version, date_added, json, label, revoked, source, origin_partner,"
	    " origin_node, envelope, received, added_by, is_first, is_last) VALUES (?1, ?2, ?3,"
	    " ?4, ?5, ?6, max(?7, coalesce((SELECT max(date_added) FROM stix_objects), 0) + 1),"
	    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18) RETURNING seq, date_added",
	[SS_FLAGS] = "UPDATE stix_objects SET"
	    " is_first = (vkey = (SELECT min(vkey) FROM stix_objects WHERE collection = ?1 AND id = ?2)),"
	    " is_last = (vkey = (SELECT max(vkey) FROM stix_objects WHERE collection = ?1 AND id = ?2))"
	    " WHERE collection = ?1 AND id = ?2",
	[SS_OBS_INSERT] = "INSERT INTO stix_observables (kind, key, plen, hi, obj)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[SS_PREFIX_INSERT] = "INSERT OR IGNORE INTO stix_prefixes (kind, plen) VALUES (?1, ?2)",
	[SS_PREFIXES] = "SELECT plen FROM stix_prefixes WHERE kind = ?1 AND plen <= ?2"
	    " ORDER BY plen DESC",
	[SS_OBS_POINT] = "SELECT obj FROM stix_observables WHERE kind = ?1 AND key = ?2"
	    " AND plen = ?3 LIMIT ?4",
	[SS_OBS_RANGE] = "SELECT obj, key, plen FROM stix_observables WHERE kind = ?1"
	    " AND key >= ?2 AND key <= ?3 AND plen >= ?4 LIMIT ?5",
	[SS_ROW_BY_SEQ] = "SELECT " ROW_COLS ", json_extract(" JSON_COL ", '$.name') FROM stix_objects"
	    " WHERE seq = ?1 AND is_last = 1 AND revoked = 0",
	[SS_LATEST_ANY] = "SELECT " ROW_COLS ", " JSON_COL " FROM stix_objects WHERE id = ?1"
	    " ORDER BY vkey DESC, date_added DESC LIMIT ?3",
	[SS_LATEST_IN] = "SELECT " ROW_COLS ", " JSON_COL " FROM stix_objects WHERE collection = ?2"
	    " AND id = ?1 ORDER BY vkey DESC LIMIT 1",
	[SS_PAGE] = PAGE_HEAD PAGE_FILTERS,
	[SS_PAGE_IDS] = PAGE_HEAD PAGE_IDS PAGE_FILTERS,
	[SS_STATUS_PUT] = "INSERT OR REPLACE INTO stix_status (id, collection, account, time_us,"
	    " status) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SS_STATUS_GET] = "SELECT status, account FROM stix_status WHERE id = ?1",
	[SS_BRIDGE_GET] = "SELECT cursor FROM stix_bridge WHERE name = ?1",
	[SS_BRIDGE_SET] = "INSERT INTO stix_bridge (name, cursor, updated_us) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor,"
	    " updated_us = excluded.updated_us",
	[SS_COUNT_ALL] = "SELECT count(*) FROM stix_objects",
	[SS_COUNT_IN] = "SELECT count(*) FROM stix_objects WHERE collection = ?1",
	[SS_INGESTED] = "INSERT OR IGNORE INTO stix_ingested (envelope, time_us) VALUES (?1, ?2)",
	[SS_INGEST_PENDING] = "SELECT e.id FROM envelopes AS e WHERE e.inbound = 1"
	    " AND e.content_type = ?2 AND NOT EXISTS (SELECT 1 FROM stix_ingested AS i"
	    " WHERE i.envelope = e.id) ORDER BY e.stored_ms, e.rowid LIMIT ?1",
	[SS_COLL_PUT] = "INSERT OR IGNORE INTO stix_collections (name) VALUES (?1)",
	[SS_COLL_ROOM] = "SELECT (SELECT count(*) FROM stix_collections WHERE name = ?1),"
	    " (SELECT count(*) FROM stix_collections)",
	/* every row of an id: one probe of (collection, id, vkey) per collection */
	[SS_ROWS_OF] = "SELECT vkey, source, origin_partner, origin_node, label, date_added"
	    " FROM stix_objects WHERE collection IN (SELECT name FROM stix_collections)"
	    " AND id = ?1 ORDER BY vkey, date_added",
	[SS_ROWS_OF_V] = "SELECT vkey, source, origin_partner, origin_node, label, date_added"
	    " FROM stix_objects WHERE collection IN (SELECT name FROM stix_collections)"
	    " AND id = ?1 AND vkey = ?2 ORDER BY date_added",
	/* the search index */
	[SS_TERM_INSERT] = "INSERT INTO stix_terms (term, field, obj, text) VALUES (?1, ?2, ?3, ?4)",
	[SS_LINK_INSERT] = "INSERT INTO stix_links (ref, role, obj) VALUES (?1, ?2, ?3)",
	[SS_TERM_EXACT] = "SELECT obj, field, text FROM stix_terms WHERE term = ?1"
	    " AND (?2 >> field) & 1 LIMIT ?3",
	[SS_TERM_RANGE] = "SELECT obj, field, text FROM stix_terms WHERE term >= ?1"
	    " AND term < ?2 AND (?3 >> field) & 1 LIMIT ?4",
	[SS_ID_ROWS] = "SELECT seq FROM stix_objects WHERE id = ?1 AND is_last = 1"
	    " AND revoked = 0 LIMIT ?2",
	[SS_SIGHTINGS] = "SELECT " ROW_COLS ", json_extract(" JSON_COL ", '$.count'),"
	    " json_extract(" JSON_COL ", '$.first_seen'), json_extract(" JSON_COL ","
	    " '$.last_seen'), json_extract(" JSON_COL ", '$.created') FROM stix_objects WHERE seq IN"
	    " (SELECT obj FROM stix_links WHERE ref = ?1 AND role = ?3)"
	    " AND is_last = 1 AND revoked = 0 ORDER BY seq LIMIT ?2",
	[SS_BACKFILL_GET] = "SELECT upto FROM stix_search_backfill",
	[SS_BACKFILL_ROWS] = "SELECT seq, " JSON_COL " FROM stix_objects WHERE seq > ?1 AND seq <= ?2"
	    " ORDER BY seq LIMIT ?3",
	[SS_BACKFILL_DONE] = "DELETE FROM stix_search_backfill",
};

const struct store_sql store_sql_stix = { "stix", stix_sql, SS_N };

#define ST(i) store_st(s, STORE_MOD_STIX, (i))

/* ---- STIX objects sealed at rest (store.h, "contents sealed at rest") ---- */

/* "stix " + SHA-256 of collection, id and version: what a sealed object's
 * JSON is bound to (so that it cannot be moved to another row). */
static void
stix_role(const char *collection, const char *id, const char *version, char out[70])
{
	uint8_t h[32];
	unsigned int hl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	memset(h, 0, sizeof(h));
	if (c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, collection, strlen(collection) + 1) == 1 &&
	    EVP_DigestUpdate(c, id, strlen(id) + 1) == 1 &&
	    EVP_DigestUpdate(c, version, strlen(version) + 1) == 1)
		(void)EVP_DigestFinal_ex(c, h, &hl);
	EVP_MD_CTX_free(c);
	memcpy(out, "stix ", 5);
	hl_hex_encode(h, sizeof(h), out + 5);
}

/* hl_stix_json(json, collection, id, version): the JSON in clear (stored
 * so before the node had a content key), or opened. */
static void
sql_stix_json(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const unsigned char *c = sqlite3_value_text(argv[1]), *i = sqlite3_value_text(argv[2]),
	    *v = sqlite3_value_text(argv[3]);
	char role[70];

	(void)argc;
	if (c != NULL && i != NULL && v != NULL)
		stix_role((const char *)c, (const char *)i, (const char *)v, role);
	store_sql_opened(ctx, argv[0], c != NULL && i != NULL && v != NULL ? role : NULL, 1);
}

int
store_stix_functions(struct hl_store *s)
{
	return sqlite3_create_function(s->db, "hl_stix_json", 4, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, s, sql_stix_json, NULL, NULL) == SQLITE_OK ? HL_OK :
	    HL_ERR_STORE;
}

/* ---- storing ---- */

int
hl_store_stix_find(struct hl_store *s, const char *collection, const char *id,
    const char *vkey, uint64_t *date_added_us)
{
	sqlite3_stmt *st;
	int r, have;

	*date_added_us = 0;
	if (s == NULL || collection == NULL || id == NULL || vkey == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_FIND);
	if ((r = store_bind_text(s, st, 1, collection)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, id)) == HL_OK &&
	    (r = store_bind_text(s, st, 3, vkey)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK) {
		if (have)
			*date_added_us = store_col_u64(st, 1);
		else
			r = HL_ERR_NOT_FOUND;
	}
	store_reset(st);
	return r;
}

/* Bind the values given and run statement i to completion. */
static int
exec_bound(struct hl_store *s, sqlite3_stmt *st, int r)
{
	if (r == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	return r;
}

/* The terms and references of object row seq. */
static int
index_search(struct hl_store *s, const struct hl_store_stix_index *ix, int64_t seq)
{
	const struct hl_store_stix_term *t;
	sqlite3_stmt *st;
	size_t i;
	int r = HL_OK;

	for (i = 0; i < ix->nrefs && r == HL_OK; i++) {
		st = ST(SS_LINK_INSERT);
		if ((r = store_bind_text(s, st, 1, ix->refs[i].ref)) == HL_OK &&
		    (r = store_bind_i64(s, st, 2, ix->refs[i].role)) == HL_OK)
			r = store_bind_i64(s, st, 3, seq);
		r = exec_bound(s, st, r);
	}
	for (i = 0; i < ix->nterms && r == HL_OK; i++) {
		t = &ix->terms[i];
		st = ST(SS_TERM_INSERT);
		if ((r = store_bind_blob(s, st, 1, t->key, t->klen)) == HL_OK &&
		    (r = store_bind_i64(s, st, 2, t->field)) == HL_OK &&
		    (r = store_bind_i64(s, st, 3, seq)) == HL_OK)
			r = store_bind_text(s, st, 4, t->text);
		r = exec_bound(s, st, r);
	}
	return r;
}

/* The observables of object row seq, and the prefix lengths in use. */
static int
index_observables(struct hl_store *s, const struct hl_store_stix_index *ix, int64_t seq)
{
	const struct hl_stix_obs *o;
	sqlite3_stmt *st;
	size_t i, klen;
	int r = HL_OK, ip;

	for (i = 0; i < ix->nobs && r == HL_OK; i++) {
		o = &ix->obs[i];
		ip = o->kind == HL_OBS_IPV4 || o->kind == HL_OBS_IPV6;
		klen = o->kind == HL_OBS_IPV4 ? 4 : 16;
		st = ST(SS_OBS_INSERT);
		if ((r = store_bind_i64(s, st, 1, o->kind)) == HL_OK &&
		    (r = ip ? store_bind_blob(s, st, 2, o->lo, klen) :
		    store_bind_blob(s, st, 2, o->value, strlen(o->value))) == HL_OK &&
		    (r = store_bind_i64(s, st, 3, ip ? o->plen : 0)) == HL_OK &&
		    (r = ip ? store_bind_blob(s, st, 4, o->hi, klen) :
		    store_bind_null(s, st, 4)) == HL_OK)
			r = store_bind_i64(s, st, 5, seq);
		if ((r = exec_bound(s, st, r)) != HL_OK || !ip)
			continue;
		st = ST(SS_PREFIX_INSERT);
		if ((r = store_bind_i64(s, st, 1, o->kind)) == HL_OK)
			r = store_bind_i64(s, st, 2, o->plen);
		r = exec_bound(s, st, r);
	}
	return r;
}

/* Bind text of n bytes (not NUL-terminated) to ?i. */
static int
bind_text_n(struct hl_store *s, sqlite3_stmt *st, int i, const char *t, size_t n)
{
	int rc;

	if (n > (size_t)STORE_BIND_MAX)
		return HL_ERR_TOO_BIG;
	if ((rc = sqlite3_bind_text(st, i, t, (int)n, SQLITE_STATIC)) != SQLITE_OK)
		return store_fail(s, rc);
	return HL_OK;
}

/* What is stored of o's id in its collection already. OUT: *da (the same
 * version's date_added; 0 when not stored), *others (another version is),
 * *first / *last (o's version would be the oldest / newest). */
static int
put_probe(struct hl_store *s, const struct hl_store_stix_obj *o, uint64_t *da, int *others,
    int *first, int *last)
{
	sqlite3_stmt *st = ST(SS_PROBE);
	const unsigned char *lo, *hi;
	int r, have;

	*da = 0;
	*others = 0;
	*first = *last = 1;
	if ((r = store_bind_text(s, st, 1, o->collection)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, o->id)) != HL_OK ||
	    (r = store_bind_text(s, st, 3, o->vkey)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	if (sqlite3_column_type(st, 0) != SQLITE_NULL) {
		*da = store_col_u64(st, 0);
		r = HL_ERR_EXISTS;
		goto out;
	}
	lo = sqlite3_column_text(st, 1);
	hi = sqlite3_column_text(st, 2);
	if (lo != NULL && hi != NULL) {
		*others = 1;
		*first = strcmp(o->vkey, (const char *)lo) < 0;
		*last = strcmp(o->vkey, (const char *)hi) > 0;
	}
out:
	store_reset(st);
	return r;
}

/* Store o: its row, the first / last flags of the id's versions, its
 * index entries and its collection's name. In the caller's transaction or
 * savepoint. HL_ERR_EXISTS (with *date_added_us) before anything is
 * written; *wrote is set once a write began. */
static int
put_locked(struct hl_store *s, const struct hl_store_stix_obj *oo, uint64_t now_us,
    uint64_t *date_added_us, int *wrote)
{
	struct hl_store_stix_obj x = *oo;
	const struct hl_store_stix_obj *o = &x;
	const struct hl_stix_prov *p = o->prov;
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	sqlite3_stmt *st;
	uint64_t da = 0;
	int64_t seq = 0;
	int r, have, others, first, last;

	*wrote = 0;
	if ((r = put_probe(s, o, &da, &others, &first, &last)) != HL_OK) {
		if (r == HL_ERR_EXISTS)
			*date_added_us = da;
		return r;
	}
	/* new: what is stored besides the keys (the JSON, the index entries) */
	if (x.fill != NULL && (r = x.fill(x.fill_arg, &x)) != HL_OK)
		return r;
	if (x.json == NULL || (x.ix.nobs > 0 && x.ix.obs == NULL) ||
	    (x.ix.nterms > 0 && x.ix.terms == NULL) || (x.ix.nrefs > 0 && x.ix.refs == NULL))
		return HL_ERR_INVALID;
	/* sealed at rest when the node has a content key */
	if (s->have_content_key) {
		char role[70];

		stix_role(o->collection, o->id, o->version, role);
		if ((r = store_seal(s, role, (const uint8_t *)o->json, o->json_len != 0 ?
		    o->json_len : strlen(o->json), &sealed, &sealed_len)) != HL_OK)
			return r;
	}
	*wrote = 1;
	st = ST(SS_INSERT);
	if ((r = store_bind_text(s, st, 1, o->collection)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, o->id)) == HL_OK &&
	    (r = store_bind_text(s, st, 3, o->type)) == HL_OK &&
	    (r = store_bind_text(s, st, 4, o->version)) == HL_OK &&
	    (r = store_bind_text(s, st, 5, o->vkey)) == HL_OK &&
	    (r = store_bind_text(s, st, 6, o->spec_version)) == HL_OK &&
	    (r = store_bind_u64(s, st, 7, now_us)) == HL_OK &&
	    (r = sealed != NULL ? store_bind_blob(s, st, 8, sealed, sealed_len) :
	    bind_text_n(s, st, 8, o->json, o->json_len != 0 ? o->json_len :
	    strlen(o->json))) == HL_OK &&
	    (r = store_bind_blob(s, st, 9, o->label, o->label_len)) == HL_OK &&
	    (r = store_bind_i64(s, st, 10, o->revoked != 0)) == HL_OK &&
	    (r = store_bind_i64(s, st, 11, p->source)) == HL_OK &&
	    (r = store_bind_text(s, st, 12, p->partner)) == HL_OK &&
	    (r = store_bind_text(s, st, 13, p->node)) == HL_OK &&
	    (r = p->source == HL_STIX_PARTNER ? store_bind_blob(s, st, 14, p->envelope,
	    HL_ID_BYTES) : store_bind_null(s, st, 14)) == HL_OK &&
	    (r = store_bind_u64(s, st, 15, p->received_us != 0 ? p->received_us : now_us)) ==
	    HL_OK &&
	    (r = store_bind_text(s, st, 16, p->added_by)) == HL_OK &&
	    (r = store_bind_i64(s, st, 17, first)) == HL_OK &&
	    (r = store_bind_i64(s, st, 18, last)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK) {
		if (have) {
			seq = sqlite3_column_int64(st, 0);
			da = store_col_u64(st, 1);
		} else {
			r = HL_ERR_INTERNAL;
		}
	}
	store_reset(st);
	hl_free(sealed);
	if (r != HL_OK)
		return r;
	/* another version of the id in the collection: the flags of the
	 * others may change too (recomputed over the id's rows) */
	if (others && (first || last)) {
		st = ST(SS_FLAGS);
		if ((r = store_bind_text(s, st, 1, o->collection)) == HL_OK)
			r = store_bind_text(s, st, 2, o->id);
		if ((r = exec_bound(s, st, r)) != HL_OK)
			return r;
	}
	if ((r = index_observables(s, &o->ix, seq)) != HL_OK ||
	    (r = index_search(s, &o->ix, seq)) != HL_OK)
		return r;
	st = ST(SS_COLL_PUT);
	if ((r = exec_bound(s, st, store_bind_text(s, st, 1, o->collection))) != HL_OK)
		return r;
	*date_added_us = da;
	return HL_OK;
}

static int
put_check(const struct hl_store_stix_obj *o)
{
	if (o == NULL || o->collection == NULL || o->id == NULL || o->type == NULL ||
	    o->spec_version == NULL || o->version == NULL || o->vkey == NULL ||
	    (o->json == NULL && o->fill == NULL) || o->prov == NULL ||
	    (o->label == NULL && o->label_len != 0) || o->collection[0] == '\0')
		return HL_ERR_INVALID;
	if (strlen(o->collection) > HL_STIX_COLLECTION_MAX || o->label_len > HL_LABEL_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

int
hl_store_stix_put(struct hl_store *s, const struct hl_store_stix_obj *o, uint64_t now_us,
    uint64_t *date_added_us)
{
	uint64_t da = 0;
	int r, r2, mode = 0, wrote;

	if (date_added_us != NULL)
		*date_added_us = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	if ((r = put_check(o)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	r = put_locked(s, o, now_us, &da, &wrote);
	/* the same version again wrote nothing: not a failure to undo */
	if (r == HL_ERR_EXISTS && !wrote) {
		if ((r2 = store_op_end(s, mode, HL_OK)) != HL_OK)
			r = r2;
	} else {
		r = store_op_end(s, mode, r);
	}
	if ((r == HL_OK || r == HL_ERR_EXISTS) && date_added_us != NULL)
		*date_added_us = da;
	return r;
}

int
hl_store_stix_put_bulk(struct hl_store *s, const struct hl_store_stix_obj *o, uint64_t now_us,
    uint64_t *date_added_us)
{
	uint64_t da = 0;
	int r, wrote = 0;

	if (date_added_us != NULL)
		*date_added_us = 0;
	if (s == NULL || !s->in_tx || hl_store_hold_open(s) || s->readonly)
		return HL_ERR_INVALID;
	if ((r = put_check(o)) != HL_OK)
		return r;
	/* SQLite rolled the caller's transaction back after an earlier error */
	if (sqlite3_get_autocommit(s->db))
		return store_set_msg(s, HL_ERR_STORE, "transaction was rolled back after an "
		    "earlier error");
	r = put_locked(s, o, now_us, &da, &wrote);
	if (r != HL_OK && wrote)
		store_tx_abort(s);   /* part of it is written: none of the batch may commit */
	if ((r == HL_OK || r == HL_ERR_EXISTS) && date_added_us != NULL)
		*date_added_us = da;
	return r;
}

/* Read up to STIX_BACKFILL_BATCH rows (seq, json) after seq after up to
 * upto. OUT: seqs[*k], js[*k] (hl_strdup'ed). */
static int
backfill_batch(struct hl_store *s, int64_t after, int64_t upto, int64_t *seqs, char **js,
    size_t *k)
{
	sqlite3_stmt *st = ST(SS_BACKFILL_ROWS);
	const unsigned char *t;
	int r, have;

	*k = 0;
	if ((r = store_bind_i64(s, st, 1, after)) != HL_OK ||
	    (r = store_bind_i64(s, st, 2, upto)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, STIX_BACKFILL_BATCH)) != HL_OK)
		goto out;
	while (*k < STIX_BACKFILL_BATCH) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		seqs[*k] = sqlite3_column_int64(st, 0);
		t = sqlite3_column_text(st, 1);
		if ((js[*k] = hl_strdup(t != NULL ? (const char *)t : "")) == NULL) {
			r = HL_ERR_NOMEM;
			goto out;
		}
		(*k)++;
	}
out:
	store_reset(st);
	return r;
}

int
hl_store_stix_backfill(struct hl_store *s, hl_store_stix_index_fn index, void *arg,
    size_t *indexed)
{
	struct hl_store_stix_index ix;
	sqlite3_stmt *st;
	int64_t upto = 0, after = 0, seqs[STIX_BACKFILL_BATCH];
	char *js[STIX_BACKFILL_BATCH];
	size_t k = 0, i, done = 0;
	int r, have, mode = 0;

	*indexed = 0;
	if (s == NULL || index == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_BACKFILL_GET);
	if ((r = store_step_row(s, st, &have)) == HL_OK && have)
		upto = sqlite3_column_int64(st, 0);
	store_reset(st);
	if (r != HL_OK || !have)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	memset(js, 0, sizeof(js));
	for (;;) {
		if ((r = backfill_batch(s, after, upto, seqs, js, &k)) != HL_OK)
			break;
		for (i = 0; i < k && r == HL_OK; i++) {
			memset(&ix, 0, sizeof(ix));
			/* stored objects were validated: one that does not load is skipped */
			if ((r = index(arg, js[i], strlen(js[i]), &ix)) == HL_ERR_MALFORMED) {
				r = HL_OK;
				continue;
			}
			if (r == HL_OK && (r = index_search(s, &ix, seqs[i])) == HL_OK)
				done++;
		}
		for (i = 0; i < STIX_BACKFILL_BATCH; i++)
			HL_FREE(js[i]);
		if (r != HL_OK || k < STIX_BACKFILL_BATCH)
			break;
		after = seqs[k - 1];
	}
	if (r == HL_OK)
		r = store_run(s, STORE_MOD_STIX, SS_BACKFILL_DONE);
	if ((r = store_op_end(s, mode, r)) == HL_OK)
		*indexed = done;
	return r;
}

/* ---- releases ---- */

int
hl_store_stix_arrivals(struct hl_store *s, const char *id, const char *vkey,
    int (*cb)(void *arg, const struct hl_store_stix_arrival *a), void *arg)
{
	struct hl_store_stix_arrival a;
	sqlite3_stmt *st;
	size_t n = 0;
	int r, have, nb;

	if (s == NULL || id == NULL || cb == NULL)
		return HL_ERR_INVALID;
	st = ST(vkey != NULL ? SS_ROWS_OF_V : SS_ROWS_OF);
	if ((r = store_bind_text(s, st, 1, id)) != HL_OK ||
	    (vkey != NULL && (r = store_bind_text(s, st, 2, vkey)) != HL_OK))
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		if (++n > HL_STIXDB_RELEASE_ROWS_MAX) {
			r = HL_ERR_TOO_BIG;
			goto out;
		}
		memset(&a, 0, sizeof(a));
		(void)store_col_str(st, 0, a.vkey, sizeof(a.vkey), 1);
		a.source = sqlite3_column_int(st, 1);
		(void)store_col_str(st, 2, a.partner, sizeof(a.partner), 1);
		(void)store_col_str(st, 3, a.node, sizeof(a.node), 1);
		a.label = sqlite3_column_blob(st, 4);
		nb = sqlite3_column_bytes(st, 4);
		if (a.label == NULL || nb <= 0 || nb > HL_LABEL_MAX_BYTES) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		a.label_len = (size_t)nb;
		a.date_added_us = store_col_u64(st, 5);
		if ((r = cb(arg, &a)) != HL_OK)
			goto out;
	}
out:
	store_reset(st);
	return r;
}

/* ---- reading rows ---- */

/* Copy a text column, cut to fit (display fields of a stored row). */
static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstlen)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	(void)snprintf(dst, dstlen, "%s", t != NULL ? (const char *)t : "");
}

/* Fill a row from ROW_COLS (+ json in the next column when with_json). */
static int
read_row(sqlite3_stmt *st, int with_json, struct hl_stix_row *row)
{
	const void *b;
	int n;

	memset(row, 0, sizeof(*row));
	row->seq = store_col_u64(st, 0);
	col_text(st, 1, row->collection, sizeof(row->collection));
	col_text(st, 2, row->id, sizeof(row->id));
	col_text(st, 3, row->type, sizeof(row->type));
	col_text(st, 4, row->version, sizeof(row->version));
	col_text(st, 5, row->spec_version, sizeof(row->spec_version));
	row->date_added_us = store_col_u64(st, 6);
	row->revoked = sqlite3_column_int(st, 7);
	b = sqlite3_column_blob(st, 8);
	n = sqlite3_column_bytes(st, 8);
	if (n < 0 || (size_t)n > sizeof(row->label) || (n > 0 && b == NULL))
		return HL_ERR_CORRUPT;
	if (n > 0)
		memcpy(row->label, b, (size_t)n);
	row->label_len = (size_t)n;
	row->prov.source = sqlite3_column_int(st, 9);
	col_text(st, 10, row->prov.partner, sizeof(row->prov.partner));
	col_text(st, 11, row->prov.node, sizeof(row->prov.node));
	b = sqlite3_column_blob(st, 12);
	if (b != NULL && sqlite3_column_bytes(st, 12) == HL_ID_BYTES)
		memcpy(row->prov.envelope, b, HL_ID_BYTES);
	row->prov.received_us = store_col_u64(st, 13);
	col_text(st, 14, row->prov.added_by, sizeof(row->prov.added_by));
	if (with_json) {
		const unsigned char *j = sqlite3_column_text(st, ROW_NCOLS);

		n = sqlite3_column_bytes(st, ROW_NCOLS);
		if (j == NULL || n < 0)
			return HL_ERR_CORRUPT;
		if ((row->json = hl_malloc((size_t)n + 1)) == NULL)
			return HL_ERR_NOMEM;
		memcpy(row->json, j, (size_t)n);
		row->json[n] = '\0';
		row->json_len = (size_t)n;
	}
	return HL_OK;
}

void
hl_store_stix_rows_free(struct hl_stix_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		hl_free(rows[i].json);
	hl_free(rows);
}

/* Bind list v[n] to the placeholders first + 1 .. first + 16 (the rest
 * NULL), and the flag first to n > 0. */
static int
bind_list(struct hl_store *s, sqlite3_stmt *st, int first, const char *const *v, unsigned n)
{
	unsigned i;
	int r;

	if ((r = store_bind_i64(s, st, first, n > 0)) != HL_OK)
		return r;
	for (i = 0; i < n; i++)
		if ((r = store_bind_text(s, st, first + 1 + (int)i, v[i])) != HL_OK)
			return r;
	return HL_OK;   /* cleared bindings are NULL */
}

static int
page_bind(struct hl_store *s, sqlite3_stmt *st, const struct hl_store_stix_page *q,
    uint64_t after)
{
	const char *vk[HL_STIX_MATCH_VALUES];
	unsigned i;
	int r, last = 0, first = 0, list = 0;

	switch ((enum hl_stix_vsel)q->vsel) {
	case HL_STIX_V_LAST:
		last = 1;
		break;
	case HL_STIX_V_FIRST:
		first = 1;
		break;
	case HL_STIX_V_ALL:
		break;
	case HL_STIX_V_LIST:
		list = 1;
		break;
	}
	for (i = 0; list && i < q->nvkeys; i++)
		vk[i] = q->vkeys[i];
	if ((r = store_bind_text(s, st, 1, q->collection)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, after)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, STIX_SCAN_BATCH)) != HL_OK ||
	    (r = bind_list(s, st, P_TYPES, q->types, q->ntypes)) != HL_OK ||
	    (r = bind_list(s, st, P_SPEC, q->spec, q->nspec)) != HL_OK ||
	    (r = store_bind_i64(s, st, P_LAST, last)) != HL_OK ||
	    (r = store_bind_i64(s, st, P_FIRST, first)) != HL_OK ||
	    (r = bind_list(s, st, P_VKEYS, vk, list ? q->nvkeys : 0)) != HL_OK)
		return r;
	if (q->nids > 0) {
		/* P_IDS + 1 .. : the ids; no flag (the statement without ids is used) */
		for (i = 0; i < q->nids; i++)
			if ((r = store_bind_text(s, st, P_IDS + 1 + (int)i, q->ids[i])) != HL_OK)
				return r;
	}
	return HL_OK;
}

int
hl_store_stix_objects(struct hl_store *s, const struct hl_store_stix_page *q,
    struct hl_stix_row **rows, size_t *n, int *more)
{
	sqlite3_stmt *st = NULL;
	struct hl_stix_row *out = NULL, row;
	uint64_t after;
	size_t cnt = 0, scanned = 0, got;
	int r = HL_ERR_INTERNAL, have, done = 0;

	*rows = NULL;
	*n = 0;
	*more = 0;
	memset(&row, 0, sizeof(row));
	if (s == NULL || q == NULL || q->collection == NULL || q->limit == 0 ||
	    q->nids > HL_STIX_MATCH_VALUES || q->ntypes > HL_STIX_MATCH_VALUES ||
	    q->nspec > HL_STIX_MATCH_VALUES || q->nvkeys > HL_STIX_MATCH_VALUES ||
	    (q->nids > 0 && q->ids == NULL) || (q->ntypes > 0 && q->types == NULL) ||
	    (q->nspec > 0 && q->spec == NULL) ||
	    (q->vsel == HL_STIX_V_LIST && (q->nvkeys == 0 || q->vkeys == NULL)) ||
	    q->vsel < HL_STIX_V_LAST || q->vsel > HL_STIX_V_LIST)
		return HL_ERR_INVALID;
	if ((out = hl_calloc(q->limit, sizeof(*out))) == NULL)
		return HL_ERR_NOMEM;
	st = ST(q->nids > 0 ? SS_PAGE_IDS : SS_PAGE);
	after = q->after_us;
	/* read in batches, passing by rows keep refuses, until the page plus
	 * one more kept row (for *more) or the end */
	while (!done) {
		store_reset(st);
		if ((r = page_bind(s, st, q, after)) != HL_OK)
			goto out;
		got = 0;
		for (;;) {
			if ((r = store_step_row(s, st, &have)) != HL_OK)
				goto out;
			if (!have)
				break;
			got++;
			scanned++;
			if ((r = read_row(st, 1, &row)) != HL_OK)
				goto out;
			after = row.date_added_us;
			if (q->keep != NULL && !q->keep(q->arg, &row)) {
				HL_FREE(row.json);
				continue;
			}
			if (cnt == q->limit) {
				HL_FREE(row.json);
				*more = 1;
				done = 1;
				break;
			}
			out[cnt++] = row;
			row.json = NULL;
		}
		if (got < STIX_SCAN_BATCH || scanned >= STIX_SCAN_MAX) {
			if (!done && scanned >= STIX_SCAN_MAX && got == STIX_SCAN_BATCH)
				*more = cnt > 0;   /* stop here; the next page goes on */
			done = 1;
		}
	}
	if (cnt > 0) {
		*rows = out;
		out = NULL;
		*n = cnt;
		cnt = 0;
	}
	r = HL_OK;
out:
	hl_free(row.json);
	hl_store_stix_rows_free(out, cnt);
	store_reset(st);
	return r;
}

int
hl_store_stix_latest(struct hl_store *s, const char *collection, const char *id,
    hl_store_stix_keep_fn keep, void *arg, struct hl_stix_row **row)
{
	struct hl_stix_row *rw = NULL;
	sqlite3_stmt *st;
	int r, have;

	*row = NULL;
	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	if ((rw = hl_calloc(1, sizeof(*rw))) == NULL)
		return HL_ERR_NOMEM;
	st = ST(collection != NULL ? SS_LATEST_IN : SS_LATEST_ANY);
	if ((r = store_bind_text(s, st, 1, id)) != HL_OK ||
	    (collection != NULL && (r = store_bind_text(s, st, 2, collection)) != HL_OK) ||
	    (collection == NULL && (r = store_bind_i64(s, st, 3, STIX_LATEST_ANY_MAX)) != HL_OK))
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have) {
			r = HL_ERR_NOT_FOUND;
			goto out;
		}
		if ((r = read_row(st, 1, rw)) != HL_OK)
			goto out;
		if (keep == NULL || keep(arg, rw))
			break;
		HL_FREE(rw->json);
	}
	*row = rw;
	rw = NULL;
out:
	store_reset(st);
	hl_store_stix_rows_free(rw, 1);
	return r;
}

/* ---- search lookups ---- */

/* Step the bound lookup st; each row's object (column 0) is a hit with
 * field and text, or (field < 0) the field and text of columns 1 and 2. */
static int
step_hits(struct hl_store *s, sqlite3_stmt *st, int field, const char *text,
    hl_store_stix_hit_fn cb, void *arg)
{
	struct hl_store_stix_hit h;
	int r, have;

	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			break;
		memset(&h, 0, sizeof(h));
		h.seq = store_col_u64(st, 0);
		h.field = field >= 0 ? field : sqlite3_column_int(st, 1);
		h.text = field >= 0 ? text : (const char *)sqlite3_column_text(st, 2);
		cb(arg, &h);
	}
	store_reset(st);
	return r;
}

int
hl_store_stix_id_hits(struct hl_store *s, const char *id, size_t limit, hl_store_stix_hit_fn cb,
    void *arg)
{
	sqlite3_stmt *st;
	int r;

	if (s == NULL || id == NULL || cb == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_ID_ROWS);
	if ((r = store_bind_text(s, st, 1, id)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, limit)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return step_hits(s, st, HL_STIX_F_ID, id, cb, arg);
}

int
hl_store_stix_term_hits(struct hl_store *s, const char *key, size_t klen, int mask, int exact,
    size_t limit, hl_store_stix_hit_fn cb, void *arg)
{
	sqlite3_stmt *st;
	char hi[HL_STIX_TERM_MAX + 1];
	int r, b = 1;

	if (s == NULL || key == NULL || cb == NULL)
		return HL_ERR_INVALID;
	if (klen > HL_STIX_TERM_MAX)
		return HL_ERR_TOO_BIG;
	/* a prefix's upper bound: the prefix then 0xff, above any UTF-8 text */
	memcpy(hi, key, klen);
	hi[klen] = (char)0xff;
	st = ST(exact ? SS_TERM_EXACT : SS_TERM_RANGE);
	if ((r = store_bind_blob(s, st, b++, key, klen)) != HL_OK ||
	    (!exact && (r = store_bind_blob(s, st, b++, hi, klen + 1)) != HL_OK) ||
	    (r = store_bind_i64(s, st, b++, mask)) != HL_OK ||
	    (r = store_bind_limit(s, st, b, limit)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return step_hits(s, st, -1, NULL, cb, arg);
}

int
hl_store_stix_obs_hits(struct hl_store *s, uint8_t kind, const void *key, size_t klen,
    unsigned plen, size_t limit, hl_store_stix_hit_fn cb, void *arg)
{
	sqlite3_stmt *st;
	int r;

	if (s == NULL || key == NULL || cb == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_OBS_POINT);
	if ((r = store_bind_i64(s, st, 1, kind)) != HL_OK ||
	    (r = store_bind_blob(s, st, 2, key, klen)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, plen)) != HL_OK ||
	    (r = store_bind_limit(s, st, 4, limit)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return step_hits(s, st, HL_STIX_F_OBSERVABLE, NULL, cb, arg);
}

int
hl_store_stix_range_hits(struct hl_store *s, uint8_t kind, const uint8_t *lo, const uint8_t *hi,
    size_t klen, unsigned min_plen, size_t limit, hl_store_stix_hit_fn cb, void *arg)
{
	struct hl_store_stix_hit h;
	sqlite3_stmt *st;
	int r, have, nb;

	if (s == NULL || lo == NULL || hi == NULL || cb == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_OBS_RANGE);
	if ((r = store_bind_i64(s, st, 1, kind)) != HL_OK ||
	    (r = store_bind_blob(s, st, 2, lo, klen)) != HL_OK ||
	    (r = store_bind_blob(s, st, 3, hi, klen)) != HL_OK ||
	    (r = store_bind_i64(s, st, 4, min_plen)) != HL_OK ||
	    (r = store_bind_limit(s, st, 5, limit)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		memset(&h, 0, sizeof(h));
		h.seq = store_col_u64(st, 0);
		h.field = HL_STIX_F_OBSERVABLE;
		h.key = sqlite3_column_blob(st, 1);
		nb = sqlite3_column_bytes(st, 1);
		h.klen = h.key != NULL && nb > 0 ? (size_t)nb : 0;
		h.plen = (unsigned)sqlite3_column_int(st, 2);
		cb(arg, &h);
	}
out:
	store_reset(st);
	return r;
}

int
hl_store_stix_prefixes(struct hl_store *s, uint8_t kind, unsigned max_plen, unsigned plens[129],
    size_t *n)
{
	sqlite3_stmt *st;
	int r, have;

	*n = 0;
	if (s == NULL || plens == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_PREFIXES);
	if ((r = store_bind_i64(s, st, 1, kind)) != HL_OK ||
	    (r = store_bind_i64(s, st, 2, max_plen)) != HL_OK)
		goto out;
	while (*n < 129) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		plens[(*n)++] = (unsigned)sqlite3_column_int(st, 0);
	}
out:
	store_reset(st);
	return r;
}

int
hl_store_stix_hit_row(struct hl_store *s, uint64_t seq,
    int (*cb)(void *arg, const struct hl_stix_row *row, const char *name), void *arg)
{
	struct hl_stix_row row;
	sqlite3_stmt *st;
	int r, have;

	if (s == NULL || cb == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_ROW_BY_SEQ);
	if ((r = store_bind_u64(s, st, 1, seq)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = read_row(st, 0, &row)) != HL_OK)
		goto out;
	r = cb(arg, &row, sqlite3_column_type(st, ROW_NCOLS) == SQLITE_TEXT ?
	    (const char *)sqlite3_column_text(st, ROW_NCOLS) : NULL);
out:
	store_reset(st);
	return r;
}

int
hl_store_stix_sightings(struct hl_store *s, const char *id, size_t limit,
    int (*cb)(void *arg, const struct hl_stix_row *row, const struct hl_store_stix_sighting *g),
    void *arg)
{
	struct hl_store_stix_sighting g;
	struct hl_stix_row row;
	sqlite3_stmt *st;
	int r, have;

	if (s == NULL || id == NULL || cb == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_SIGHTINGS);
	if ((r = store_bind_text(s, st, 1, id)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, limit)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, HL_STIX_LINK_SIGHTING)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		if ((r = read_row(st, 0, &row)) != HL_OK)
			goto out;
		memset(&g, 0, sizeof(g));
		g.has_count = sqlite3_column_type(st, ROW_NCOLS) == SQLITE_INTEGER;
		g.count = sqlite3_column_int64(st, ROW_NCOLS);
		if (sqlite3_column_type(st, ROW_NCOLS + 1) == SQLITE_TEXT)
			g.first_seen = (const char *)sqlite3_column_text(st, ROW_NCOLS + 1);
		if (sqlite3_column_type(st, ROW_NCOLS + 2) == SQLITE_TEXT)
			g.last_seen = (const char *)sqlite3_column_text(st, ROW_NCOLS + 2);
		g.created = (const char *)sqlite3_column_text(st, ROW_NCOLS + 3);
		if ((r = cb(arg, &row, &g)) != HL_OK)
			goto out;
	}
out:
	store_reset(st);
	return r;
}

/* ---- status, bridge, ingest, counts ---- */

int
hl_store_stix_status_put(struct hl_store *s, const char *id, const char *collection,
    const char *account, const char *status_json, uint64_t now_us)
{
	sqlite3_stmt *st;
	int r;

	if (s == NULL || id == NULL || status_json == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_STATUS_PUT);
	if ((r = store_bind_text(s, st, 1, id)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, collection)) == HL_OK &&
	    (r = store_bind_text(s, st, 3, account)) == HL_OK &&
	    (r = store_bind_u64(s, st, 4, now_us)) == HL_OK)
		r = store_bind_text(s, st, 5, status_json);
	return exec_bound(s, st, r);
}

int
hl_store_stix_status_get(struct hl_store *s, const char *id, char **json,
    char account[HL_OPERATOR_MAX + 1])
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int r, have;

	*json = NULL;
	account[0] = '\0';
	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_STATUS_GET);
	if ((r = store_bind_text(s, st, 1, id)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	t = sqlite3_column_text(st, 0);
	if (t == NULL || (*json = hl_strdup((const char *)t)) == NULL)
		r = HL_ERR_NOMEM;
	col_text(st, 1, account, HL_OPERATOR_MAX + 1);
out:
	store_reset(st);
	return r;
}

int
hl_store_stix_bridge_get(struct hl_store *s, const char *name, char *cursor, size_t cursorlen)
{
	sqlite3_stmt *st;
	int r, have;

	if (s == NULL || name == NULL || cursor == NULL || cursorlen == 0)
		return HL_ERR_INVALID;
	cursor[0] = '\0';
	st = ST(SS_BRIDGE_GET);
	if ((r = store_bind_text(s, st, 1, name)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK && have)
		col_text(st, 0, cursor, cursorlen);
	store_reset(st);
	return r;
}

int
hl_store_stix_bridge_set(struct hl_store *s, const char *name, const char *cursor,
    uint64_t now_us)
{
	sqlite3_stmt *st;
	int r;

	if (s == NULL || name == NULL || cursor == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_BRIDGE_SET);
	if ((r = store_bind_text(s, st, 1, name)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, cursor)) == HL_OK)
		r = store_bind_u64(s, st, 3, now_us);
	return exec_bound(s, st, r);
}

int
hl_store_stix_ingested_mark(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint64_t now_us)
{
	sqlite3_stmt *st;
	int r;

	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_INGESTED);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK)
		r = store_bind_u64(s, st, 2, now_us);
	return exec_bound(s, st, r);
}

int
hl_store_stix_ingest_pending(struct hl_store *s, size_t max, uint8_t (**ids)[HL_ID_BYTES],
    size_t *n)
{
	sqlite3_stmt *st;
	int r;

	*ids = NULL;
	*n = 0;
	if (s == NULL || max == 0 || max > HL_STORE_STIX_PENDING_MAX)
		return HL_ERR_INVALID;
	st = ST(SS_INGEST_PENDING);
	if ((r = store_bind_limit(s, st, 1, max)) != HL_OK ||
	    (r = store_bind_i64(s, st, 2, HL_CT_STIX)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return store_collect_ids(s, st, max, ids, n);
}

int
hl_store_stix_collection_room(struct hl_store *s, const char *name, int *ok)
{
	sqlite3_stmt *st;
	int r, have;

	*ok = 0;
	if (s == NULL || name == NULL)
		return HL_ERR_INVALID;
	st = ST(SS_COLL_ROOM);
	if ((r = store_bind_text(s, st, 1, name)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK) {
		if (have)
			*ok = sqlite3_column_int64(st, 0) > 0 ||
			    sqlite3_column_int64(st, 1) < HL_STIXDB_INGEST_COLLECTIONS_MAX;
		else
			r = HL_ERR_INTERNAL;
	}
	store_reset(st);
	return r;
}

int
hl_store_stix_count(struct hl_store *s, const char *collection, uint64_t *n)
{
	*n = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	return store_count(s, ST(collection != NULL ? SS_COUNT_IN : SS_COUNT_ALL), collection, n);
}
