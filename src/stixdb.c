/* stixdb.c: STIX objects, their versions and observables in the node's
 * SQLite database (stixdb.h; tables in HL_STIXDB_SCHEMA, schema v6).
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
 * their normalised text with prefix length 0. */
#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <sqlite3.h>

#include "alloc.h"
#include "apijson.h"
#include "label.h"
#include "stixdb.h"

#define SDB_BIND_MAX 0x7fffffff
#define SDB_SCAN_BATCH 256          /* rows read per step while filtering */
#define SDB_SCAN_MAX 200000         /* rows examined per page at most */

enum sdb_st {
	SDB_MAX_ADDED,
	SDB_FIND,
	SDB_INSERT,
	SDB_FLAGS,
	SDB_OBS_INSERT,
	SDB_PREFIX_INSERT,
	SDB_PREFIXES,
	SDB_OBS_POINT,
	SDB_OBS_RANGE,
	SDB_ROW_BY_SEQ,
	SDB_LATEST_ANY,
	SDB_LATEST_IN,
	SDB_STATUS_PUT,
	SDB_STATUS_GET,
	SDB_BRIDGE_GET,
	SDB_BRIDGE_SET,
	SDB_COUNT_ALL,
	SDB_COUNT_IN,
	SDB_INGESTED,
	SDB_INGEST_PENDING,
	SDB_COLL_PUT,
	SDB_COLL_ROOM,
	SDB_ROWS_OF,
	SDB_ROWS_OF_V,
	SDB_SAVEPOINT,
	SDB_RELEASE,
	SDB_ROLLBACK_TO,
	SDB_TERM_INSERT,
	SDB_LINK_INSERT,
	SDB_TERM_EXACT,
	SDB_TERM_RANGE,
	SDB_ID_ROWS,
	SDB_SIGHTINGS,
	SDB_BACKFILL_GET,
	SDB_BACKFILL_ROWS,
	SDB_BACKFILL_DONE,
	SDB_READ_BEGIN,
	SDB_READ_END,
	SDB_N
};

#define ROW_COLS "seq, collection, id, type, version, spec_version, date_added, revoked," \
	" label, source, origin_partner, origin_node, envelope, received, added_by"

static const char *const sdb_sql[SDB_N] = {
	[SDB_MAX_ADDED] = "SELECT max(date_added) FROM stix_objects",
	[SDB_FIND] = "SELECT seq, date_added FROM stix_objects"
	    " WHERE collection = ?1 AND id = ?2 AND vkey = ?3",
	[SDB_INSERT] = "INSERT INTO stix_objects (collection, id, type, version, vkey,"
	    " spec_version, date_added, json, label, revoked, source, origin_partner,"
	    " origin_node, envelope, received, added_by) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7,"
	    " ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16)",
	[SDB_FLAGS] = "UPDATE stix_objects SET"
	    " is_first = (vkey = (SELECT min(vkey) FROM stix_objects WHERE collection = ?1 AND id = ?2)),"
	    " is_last = (vkey = (SELECT max(vkey) FROM stix_objects WHERE collection = ?1 AND id = ?2))"
	    " WHERE collection = ?1 AND id = ?2",
	[SDB_OBS_INSERT] = "INSERT INTO stix_observables (kind, key, plen, hi, obj)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[SDB_PREFIX_INSERT] = "INSERT OR IGNORE INTO stix_prefixes (kind, plen) VALUES (?1, ?2)",
	[SDB_PREFIXES] = "SELECT plen FROM stix_prefixes WHERE kind = ?1 AND plen <= ?2"
	    " ORDER BY plen DESC",
	[SDB_OBS_POINT] = "SELECT obj FROM stix_observables WHERE kind = ?1 AND key = ?2"
	    " AND plen = ?3 LIMIT ?4",
	[SDB_OBS_RANGE] = "SELECT obj, key, plen FROM stix_observables WHERE kind = ?1"
	    " AND key >= ?2 AND key <= ?3 AND plen >= ?4 LIMIT ?5",
	[SDB_ROW_BY_SEQ] = "SELECT " ROW_COLS ", json_extract(json, '$.name') FROM stix_objects"
	    " WHERE seq = ?1 AND is_last = 1 AND revoked = 0",
	[SDB_LATEST_ANY] = "SELECT " ROW_COLS ", json FROM stix_objects WHERE id = ?1"
	    " ORDER BY vkey DESC, date_added DESC LIMIT 50",
	[SDB_LATEST_IN] = "SELECT " ROW_COLS ", json FROM stix_objects WHERE collection = ?2"
	    " AND id = ?1 ORDER BY vkey DESC LIMIT 1",
	[SDB_STATUS_PUT] = "INSERT OR REPLACE INTO stix_status (id, collection, account, time_us,"
	    " status) VALUES (?1, ?2, ?3, ?4, ?5)",
	[SDB_STATUS_GET] = "SELECT status, account FROM stix_status WHERE id = ?1",
	[SDB_BRIDGE_GET] = "SELECT cursor FROM stix_bridge WHERE name = ?1",
	[SDB_BRIDGE_SET] = "INSERT INTO stix_bridge (name, cursor, updated_us) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (name) DO UPDATE SET cursor = excluded.cursor,"
	    " updated_us = excluded.updated_us",
	[SDB_COUNT_ALL] = "SELECT count(*) FROM stix_objects",
	[SDB_COUNT_IN] = "SELECT count(*) FROM stix_objects WHERE collection = ?1",
	[SDB_INGESTED] = "INSERT OR IGNORE INTO stix_ingested (envelope, time_us) VALUES (?1, ?2)",
	[SDB_INGEST_PENDING] = "SELECT e.id FROM envelopes AS e WHERE e.inbound = 1"
	    " AND e.content_type = 2 AND NOT EXISTS (SELECT 1 FROM stix_ingested AS i"
	    " WHERE i.envelope = e.id) ORDER BY e.stored_ms, e.rowid LIMIT ?1",
	[SDB_COLL_PUT] = "INSERT OR IGNORE INTO stix_collections (name) VALUES (?1)",
	[SDB_COLL_ROOM] = "SELECT (SELECT count(*) FROM stix_collections WHERE name = ?1),"
	    " (SELECT count(*) FROM stix_collections)",
	/* every row of an id: one probe of (collection, id, vkey) per collection */
	[SDB_ROWS_OF] = "SELECT vkey, source, origin_partner, origin_node, label, date_added"
	    " FROM stix_objects WHERE collection IN (SELECT name FROM stix_collections)"
	    " AND id = ?1 ORDER BY vkey, date_added",
	[SDB_ROWS_OF_V] = "SELECT vkey, source, origin_partner, origin_node, label, date_added"
	    " FROM stix_objects WHERE collection IN (SELECT name FROM stix_collections)"
	    " AND id = ?1 AND vkey = ?2 ORDER BY date_added",
	[SDB_SAVEPOINT] = "SAVEPOINT hl_stix",
	[SDB_RELEASE] = "RELEASE hl_stix",
	[SDB_ROLLBACK_TO] = "ROLLBACK TO hl_stix",
	/* the search index (HL_STIXDB_SEARCH_SCHEMA) */
	[SDB_TERM_INSERT] = "INSERT INTO stix_terms (term, field, obj, text) VALUES (?1, ?2, ?3, ?4)",
	[SDB_LINK_INSERT] = "INSERT INTO stix_links (ref, role, obj) VALUES (?1, ?2, ?3)",
	[SDB_TERM_EXACT] = "SELECT obj, field, text FROM stix_terms WHERE term = ?1"
	    " AND (?2 >> field) & 1 LIMIT ?3",
	[SDB_TERM_RANGE] = "SELECT obj, field, text FROM stix_terms WHERE term >= ?1"
	    " AND term < ?2 AND (?3 >> field) & 1 LIMIT ?4",
	[SDB_ID_ROWS] = "SELECT seq FROM stix_objects WHERE id = ?1 AND is_last = 1"
	    " AND revoked = 0 LIMIT ?2",
	[SDB_SIGHTINGS] = "SELECT " ROW_COLS ", json_extract(json, '$.count'),"
	    " json_extract(json, '$.first_seen'), json_extract(json, '$.last_seen'),"
	    " json_extract(json, '$.created') FROM stix_objects WHERE seq IN"
	    " (SELECT obj FROM stix_links WHERE ref = ?1 AND role = 1)"
	    " AND is_last = 1 AND revoked = 0 ORDER BY seq LIMIT ?2",
	[SDB_BACKFILL_GET] = "SELECT upto FROM stix_search_backfill",
	[SDB_BACKFILL_ROWS] = "SELECT seq, json FROM stix_objects WHERE seq > ?1 AND seq <= ?2"
	    " ORDER BY seq LIMIT ?3",
	[SDB_BACKFILL_DONE] = "DELETE FROM stix_search_backfill",
	/* one snapshot (and one lock) for all the lookups of a search */
	[SDB_READ_BEGIN] = "BEGIN DEFERRED",
	[SDB_READ_END] = "COMMIT",
};

struct hl_stixdb {
	struct hl_store *store;
	sqlite3 *db;
	sqlite3_stmt *st[SDB_N];
	size_t backfilled;         /* objects indexed for search at open */
};

static int backfill(struct hl_stixdb *d);
static int step_begin(struct hl_stixdb *d, int *own);
static int step_end(struct hl_stixdb *d, int own, int r);

static void
st_done(sqlite3_stmt *st)
{
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

static int
map_rc(int rc)
{
	switch (rc & 0xff) {
	case SQLITE_OK:
	case SQLITE_DONE:
	case SQLITE_ROW:
		return HL_OK;
	case SQLITE_NOMEM:
		return HL_ERR_NOMEM;
	case SQLITE_FULL:
		return HL_ERR_FULL;
	case SQLITE_CONSTRAINT:
		return HL_ERR_EXISTS;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return HL_ERR_CORRUPT;
	default:
		return HL_ERR_STORE;
	}
}

/* Run a statement to completion (no rows wanted). */
static int
exec_st(sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	st_done(st);
	return rc == SQLITE_DONE || rc == SQLITE_ROW ? HL_OK : map_rc(rc);
}

static int
bind_text(sqlite3_stmt *st, int i, const char *s)
{
	return sqlite3_bind_text(st, i, s != NULL ? s : "", -1, SQLITE_STATIC) == SQLITE_OK ?
	    HL_OK : HL_ERR_STORE;
}

static int
bind_blob(sqlite3_stmt *st, int i, const void *p, size_t n)
{
	if (n > SDB_BIND_MAX)
		return HL_ERR_TOO_BIG;
	return sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC) == SQLITE_OK ? HL_OK :
	    HL_ERR_STORE;
}

static int
bind_i64(sqlite3_stmt *st, int i, int64_t v)
{
	return sqlite3_bind_int64(st, i, v) == SQLITE_OK ? HL_OK : HL_ERR_STORE;
}

int
hl_stixdb_open(struct hl_store *s, struct hl_stixdb **out)
{
	struct hl_stixdb *d = NULL;
	int i, r = HL_ERR_INTERNAL;

	*out = NULL;
	if (s == NULL || hl_store_db(s) == NULL)
		return HL_ERR_INVALID;
	if ((d = hl_calloc(1, sizeof(*d))) == NULL)
		return HL_ERR_NOMEM;
	d->store = s;
	d->db = hl_store_db(s);
	for (i = 0; i < SDB_N; i++) {
		if (sqlite3_prepare_v3(d->db, sdb_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &d->st[i], NULL) != SQLITE_OK) {
			r = HL_ERR_STORE;
			goto out;
		}
	}
	if ((r = backfill(d)) != HL_OK)
		goto out;
	*out = d;
	d = NULL;
	r = HL_OK;
out:
	hl_stixdb_close(d);
	return r;
}

int
hl_stixdb_backfill(struct hl_store *s, size_t *indexed)
{
	struct hl_stixdb *d = NULL;
	int r;

	*indexed = 0;
	if ((r = hl_stixdb_open(s, &d)) != HL_OK)
		return r;
	*indexed = d->backfilled;
	hl_stixdb_close(d);
	return HL_OK;
}

void
hl_stixdb_close(struct hl_stixdb *d)
{
	int i;

	if (d == NULL)
		return;
	for (i = 0; i < SDB_N; i++)
		(void)sqlite3_finalize(d->st[i]);
	hl_free(d);
}

int
hl_stixdb_begin(struct hl_stixdb *d)
{
	return d != NULL ? hl_store_begin(d->store) : HL_ERR_INVALID;
}

int
hl_stixdb_commit(struct hl_stixdb *d)
{
	return d != NULL ? hl_store_commit(d->store) : HL_ERR_INVALID;
}

void
hl_stixdb_rollback(struct hl_stixdb *d)
{
	if (d != NULL)
		hl_store_rollback(d->store);
}

static uint64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

/* The object's version: modified, else created, else none (""). */
static void
object_version(const json_t *obj, const char **version, char vkey[HL_STIX_TS_KEY])
{
	const char *v = json_string_value(json_object_get(obj, "modified"));

	if (v == NULL)
		v = json_string_value(json_object_get(obj, "created"));
	vkey[0] = '\0';
	if (v == NULL || hl_stix_time(v, vkey, NULL) != HL_OK) {
		v = "";
		vkey[0] = '\0';
	}
	*version = v;
}

static int
index_observables(struct hl_stixdb *d, const json_t *obj, int64_t seq)
{
	struct hl_stix_obs *obs = NULL;
	sqlite3_stmt *st;
	size_t n = 0, i, klen;
	int r;

	if ((r = hl_stix_extract(obj, &obs, &n)) != HL_OK)
		return r;
	for (i = 0; i < n; i++) {
		int ip = obs[i].kind == HL_OBS_IPV4 || obs[i].kind == HL_OBS_IPV6;

		klen = obs[i].kind == HL_OBS_IPV4 ? 4 : 16;
		st = d->st[SDB_OBS_INSERT];
		if ((r = bind_i64(st, 1, obs[i].kind)) != HL_OK ||
		    (r = ip ? bind_blob(st, 2, obs[i].lo, klen) :
		    bind_blob(st, 2, obs[i].value, strlen(obs[i].value))) != HL_OK ||
		    (r = bind_i64(st, 3, ip ? obs[i].plen : 0)) != HL_OK ||
		    (r = ip ? bind_blob(st, 4, obs[i].hi, klen) :
		    (sqlite3_bind_null(st, 4) == SQLITE_OK ? HL_OK : HL_ERR_STORE)) != HL_OK ||
		    (r = bind_i64(st, 5, seq)) != HL_OK) {
			st_done(st);
			goto out;
		}
		if ((r = exec_st(st)) != HL_OK)
			goto out;
		if (ip) {
			st = d->st[SDB_PREFIX_INSERT];
			if ((r = bind_i64(st, 1, obs[i].kind)) != HL_OK ||
			    (r = bind_i64(st, 2, obs[i].plen)) != HL_OK) {
				st_done(st);
				goto out;
			}
			if ((r = exec_st(st)) != HL_OK)
				goto out;
		}
	}
	r = HL_OK;
out:
	hl_free(obs);
	return r;
}

/* ---- the search index: names, external ids, references ---- */

#define TERMS_MAX 128              /* terms kept per object */
#define TERM_SOURCES_MAX 64        /* external references / aliases read per object */
#define WORD_MIN 3                 /* shorter words of a name are not indexed */

struct term {
	uint8_t field;                             /* enum hl_stix_field */
	size_t klen;
	char key[HL_STIX_TERM_MAX];                /* folded: ASCII lower case */
	char text[HL_STIX_TERM_MAX + 1];           /* as written (cut at a character) */
};

/* s (n bytes) trimmed of ASCII blanks, cut to HL_STIX_TERM_MAX bytes at a
 * UTF-8 character boundary; folded into key, as written into text (either
 * may be NULL). Returns the length (0: nothing left). */
static size_t
fold(const char *p, size_t n, char *key, char *text)
{
	size_t i;

	while (n > 0 && (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')) {
		p++;
		n--;
	}
	while (n > 0 && (p[n - 1] == ' ' || p[n - 1] == '\t' || p[n - 1] == '\n' ||
	    p[n - 1] == '\r'))
		n--;
	if (n > HL_STIX_TERM_MAX) {
		n = HL_STIX_TERM_MAX;
		while (n > 0 && ((unsigned char)p[n] & 0xc0) == 0x80)
			n--;
	}
	for (i = 0; i < n; i++) {
		char c = p[i];

		if (key != NULL)
			key[i] = c >= 'A' && c <= 'Z' ? (char)(c - 'A' + 'a') : c;
		if (text != NULL)
			text[i] = c;
	}
	if (text != NULL)
		text[n] = '\0';
	return n;
}

static void
term_add(struct term *t, size_t *n, uint8_t field, const char *p, size_t len)
{
	struct term *e;
	size_t i;

	if (*n >= TERMS_MAX)
		return;
	e = &t[*n];
	e->field = field;
	if ((e->klen = fold(p, len, e->key, e->text)) == 0)
		return;
	for (i = 0; i < *n; i++)
		if (t[i].field == field && t[i].klen == e->klen &&
		    memcmp(t[i].key, e->key, e->klen) == 0)
			return;
	(*n)++;
}

static int
word_byte(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
	    (unsigned char)c >= 0x80;
}

/* The words of a name or alias (runs of letters, digits and non-ASCII),
 * when it has more than one. */
static void
words_add(struct term *t, size_t *n, const char *p, size_t len)
{
	size_t i = 0, s;

	for (s = 0; s < len && word_byte(p[s]); s++)
		;
	if (s == len)
		return;
	while (i < len) {
		while (i < len && !word_byte(p[i]))
			i++;
		for (s = i; i < len && word_byte(p[i]); i++)
			;
		if (i - s >= WORD_MIN)
			term_add(t, n, HL_STIX_F_WORD, p + s, i - s);
	}
}

static void
names_add(struct term *t, size_t *n, uint8_t field, const json_t *v)
{
	const json_t *e;
	size_t i;

	if (json_is_string(v)) {
		term_add(t, n, field, json_string_value(v), json_string_length(v));
		words_add(t, n, json_string_value(v), json_string_length(v));
		return;
	}
	json_array_foreach(v, i, e) {
		if (i >= TERM_SOURCES_MAX)
			break;
		if (json_is_string(e))
			names_add(t, n, field, e);
	}
}

/* What an object is found by (pure: no SQL). OUT: t[0..*n). */
static void
object_terms(const json_t *obj, struct term *t, size_t *n)
{
	const json_t *refs, *e, *v;
	const char *type = json_string_value(json_object_get(obj, "type"));
	size_t i;
	int cat = hl_stix_category(type);

	*n = 0;
	refs = json_object_get(obj, "external_references");
	json_array_foreach(refs, i, e) {
		if (i >= TERM_SOURCES_MAX)
			break;
		if (json_is_string(v = json_object_get(e, "external_id")))
			term_add(t, n, HL_STIX_F_EXTID, json_string_value(v), json_string_length(v));
	}
	if (json_is_string(v = json_object_get(obj, "x_mitre_shortname")))
		term_add(t, n, HL_STIX_F_EXTID, json_string_value(v), json_string_length(v));
	/* names of SDOs and custom objects (an SCO's name is an observable) */
	if (cat == HL_STIX_SDO || cat == HL_STIX_UNKNOWN || cat == HL_STIX_META)
		names_add(t, n, HL_STIX_F_NAME, json_object_get(obj, "name"));
	names_add(t, n, HL_STIX_F_ALIAS, json_object_get(obj, "aliases"));
	names_add(t, n, HL_STIX_F_ALIAS, json_object_get(obj, "x_mitre_aliases"));
}

enum link_role { LINK_SIGHTING = 1, LINK_SOURCE = 2, LINK_TARGET = 3 };

static int
link_add(struct hl_stixdb *d, const json_t *obj, const char *prop, int role, int64_t seq)
{
	sqlite3_stmt *st = d->st[SDB_LINK_INSERT];
	const char *ref = json_string_value(json_object_get(obj, prop));
	int r;

	if (ref == NULL)
		return HL_OK;
	if ((r = bind_text(st, 1, ref)) != HL_OK || (r = bind_i64(st, 2, role)) != HL_OK ||
	    (r = bind_i64(st, 3, seq)) != HL_OK) {
		st_done(st);
		return r;
	}
	return exec_st(st);
}

/* Index the terms and references of object row seq. */
static int
index_search(struct hl_stixdb *d, const json_t *obj, int64_t seq)
{
	struct term *t = NULL;
	sqlite3_stmt *st = d->st[SDB_TERM_INSERT];
	const char *type = json_string_value(json_object_get(obj, "type"));
	size_t n = 0, i;
	int r = HL_OK;

	if (type != NULL && strcmp(type, "sighting") == 0)
		return link_add(d, obj, "sighting_of_ref", LINK_SIGHTING, seq);
	if (type != NULL && strcmp(type, "relationship") == 0) {
		if ((r = link_add(d, obj, "source_ref", LINK_SOURCE, seq)) != HL_OK)
			return r;
		return link_add(d, obj, "target_ref", LINK_TARGET, seq);
	}
	if ((t = hl_malloc(TERMS_MAX * sizeof(*t))) == NULL)
		return HL_ERR_NOMEM;
	object_terms(obj, t, &n);
	for (i = 0; i < n; i++) {
		if ((r = bind_blob(st, 1, t[i].key, t[i].klen)) != HL_OK ||
		    (r = bind_i64(st, 2, t[i].field)) != HL_OK || (r = bind_i64(st, 3, seq)) != HL_OK ||
		    (r = bind_text(st, 4, t[i].text)) != HL_OK) {
			st_done(st);
			break;
		}
		if ((r = exec_st(st)) != HL_OK)
			break;
	}
	hl_free(t);
	return r;
}

#define BACKFILL_BATCH 256

/* Index the objects stored before the search index existed (the
 * migration noted the last seq), in one atomic step. */
static int
backfill(struct hl_stixdb *d)
{
	sqlite3_stmt *st = d->st[SDB_BACKFILL_GET];
	int64_t upto, after = 0, seqs[BACKFILL_BATCH];
	char *js[BACKFILL_BATCH];
	size_t k, i;
	int rc, r, own;

	rc = sqlite3_step(st);
	upto = rc == SQLITE_ROW ? sqlite3_column_int64(st, 0) : 0;
	st_done(st);
	if (rc != SQLITE_ROW)
		return rc == SQLITE_DONE ? HL_OK : map_rc(rc);
	if ((r = step_begin(d, &own)) != HL_OK)
		return r;
	memset(js, 0, sizeof(js));
	for (;;) {
		st = d->st[SDB_BACKFILL_ROWS];
		if ((r = bind_i64(st, 1, after)) != HL_OK || (r = bind_i64(st, 2, upto)) != HL_OK ||
		    (r = bind_i64(st, 3, BACKFILL_BATCH)) != HL_OK) {
			st_done(st);
			break;
		}
		for (k = 0; k < BACKFILL_BATCH && (rc = sqlite3_step(st)) == SQLITE_ROW; k++) {
			seqs[k] = sqlite3_column_int64(st, 0);
			if ((js[k] = hl_strdup((const char *)sqlite3_column_text(st, 1) != NULL ?
			    (const char *)sqlite3_column_text(st, 1) : "")) == NULL) {
				rc = SQLITE_NOMEM;
				break;
			}
		}
		st_done(st);
		r = rc == SQLITE_ROW || rc == SQLITE_DONE ? HL_OK : map_rc(rc);
		for (i = 0; i < k && r == HL_OK; i++) {
			json_t *o = json_loads(js[i], 0, NULL);

			/* stored objects were validated: one that does not load is skipped */
			if (o != NULL && (r = index_search(d, o, seqs[i])) == HL_OK)
				d->backfilled++;
			json_decref(o);
		}
		for (i = 0; i < BACKFILL_BATCH; i++)
			HL_FREE(js[i]);
		if (r != HL_OK || k < BACKFILL_BATCH)
			break;
		after = seqs[k - 1];
	}
	if (r == HL_OK)
		r = exec_st(d->st[SDB_BACKFILL_DONE]);
	return step_end(d, own, r);
}

/* obj as compact JSON in its own key order. OUT: *out (free with jansson's
 * free function). jansson 2.14's json_dumps can give text with a key left
 * out when an allocation inside it fails (seen under fault injection): the
 * size is counted first and the text must come out at exactly that size. */
static int
dump_whole(const json_t *obj, char **out)
{
	const size_t flags = JSON_PRESERVE_ORDER | JSON_COMPACT;
	json_malloc_t jm;
	json_free_t jf;
	size_t need;
	char *s;

	*out = NULL;
	json_get_alloc_funcs(&jm, &jf);
	if ((need = json_dumpb(obj, NULL, 0, flags)) == 0 || (s = jm(need + 1)) == NULL)
		return HL_ERR_NOMEM;
	if (json_dumpb(obj, s, need, flags) != need) {
		jf(s);
		return HL_ERR_NOMEM;
	}
	s[need] = '\0';
	*out = s;
	return HL_OK;
}


/* ---- releases (sticky releasability) ----
 *
 * Derived from the rows, nothing stored apart: a version's release is its
 * earliest row (its first arrival: origin partner, label), widened by each
 * later row of it from that same origin partner (hl_stix_release_union).
 * The rows of an id are found with one probe of the (collection, id,
 * vkey) index per collection (stix_collections, schema 9), so storing an
 * object costs no extra index entry. */

/* Fill f from a SDB_ROWS_OF(_V) row. */
static int
read_first(sqlite3_stmt *st, struct hl_stix_first *f)
{
	const unsigned char *t;
	int n;

	memset(f, 0, sizeof(*f));
	t = sqlite3_column_text(st, 0);
	(void)snprintf(f->vkey, sizeof(f->vkey), "%s", t != NULL ? (const char *)t : "");
	f->source = sqlite3_column_int(st, 1);
	t = sqlite3_column_text(st, 2);
	(void)snprintf(f->partner, sizeof(f->partner), "%s", t != NULL ? (const char *)t : "");
	t = sqlite3_column_text(st, 3);
	(void)snprintf(f->node, sizeof(f->node), "%s", t != NULL ? (const char *)t : "");
	n = sqlite3_column_bytes(st, 4);
	if (n <= 0 || n > HL_LABEL_MAX_BYTES ||
	    hl_label_decode(sqlite3_column_blob(st, 4), (size_t)n, &f->label) != HL_OK)
		return HL_ERR_CORRUPT;
	f->first_us = (uint64_t)sqlite3_column_int64(st, 5);
	return HL_OK;
}

typedef int (*release_cb)(void *arg, const struct hl_stix_first *f);

/* The release of each stored version of id (only vkey when not NULL), in
 * version order, to cb. HL_ERR_TOO_BIG past HL_STIXDB_RELEASE_ROWS_MAX rows. */
static int
releases(struct hl_stixdb *d, const char *id, const char *vkey, release_cb cb, void *arg)
{
	sqlite3_stmt *st = d->st[vkey != NULL ? SDB_ROWS_OF_V : SDB_ROWS_OF];
	struct hl_stix_first cur, row;
	struct hl_label u;
	size_t n = 0;
	int rc, r, have = 0;

	if ((r = bind_text(st, 1, id)) != HL_OK ||
	    (vkey != NULL && (r = bind_text(st, 2, vkey)) != HL_OK))
		goto out;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (++n > HL_STIXDB_RELEASE_ROWS_MAX) {
			r = HL_ERR_TOO_BIG;
			goto out;
		}
		if ((r = read_first(st, &row)) != HL_OK)
			goto out;
		if (have && strcmp(row.vkey, cur.vkey) == 0) {
			/* a later arrival: only the origin partner widens it (two
			 * policies, or too many partners: the narrower stays) */
			if (strcmp(row.partner, cur.partner) == 0 &&
			    hl_stix_release_union(&cur.label, &row.label, &u) == HL_OK)
				cur.label = u;
			continue;
		}
		if (have && (r = cb(arg, &cur)) != HL_OK)
			goto out;
		cur = row;
		have = 1;
	}
	if (rc != SQLITE_DONE) {
		r = map_rc(rc);
		goto out;
	}
	r = have ? cb(arg, &cur) : HL_OK;
out:
	st_done(st);
	return r;
}

/* Who controls a version: its origin partner, "" standing for self. */
static const char *
controller(const struct hl_stix_first *f, const char *self)
{
	return f->partner[0] != '\0' ? f->partner : self != NULL ? self : "";
}

struct check {
	const char *vkey, *poster, *self;
	struct hl_label want;              /* without the poster */
	struct hl_stix_first this_v, other;
	unsigned wthis, wother;
	int this_other;
};

static int
check_one(void *arg, const struct hl_stix_first *f)
{
	struct check *c = arg;
	unsigned w;

	if (strcmp(controller(f, c->self), c->poster) == 0)
		return HL_OK;
	w = hl_stix_release_widens(&f->label, &c->want);
	if (strcmp(f->vkey, c->vkey) == 0) {
		/* this very version, controlled by another partner: only its release counts */
		c->this_other = 1;
		c->wthis = w;
		c->this_v = *f;
	} else if (w != 0 && c->wother == 0) {
		c->wother = w;
		c->other = *f;
	}
	return HL_OK;
}

int
hl_stixdb_release_check(struct hl_stixdb *d, const json_t *obj, const char *poster,
    const char *self, const struct hl_label *want, struct hl_stix_first *deny,
    unsigned *widens)
{
	struct check *c = NULL;
	const char *id, *version;
	char vkey[HL_STIX_TS_KEY];
	unsigned i, k, w;
	int r;

	if (deny != NULL)
		memset(deny, 0, sizeof(*deny));
	if (widens != NULL)
		*widens = 0;
	if (d == NULL || obj == NULL || poster == NULL || want == NULL ||
	    (id = json_string_value(json_object_get(obj, "id"))) == NULL)
		return HL_ERR_INVALID;
	if ((c = hl_calloc(1, sizeof(*c))) == NULL)
		return HL_ERR_NOMEM;
	object_version(obj, &version, vkey);
	c->vkey = vkey;
	c->poster = poster;
	c->self = self;
	/* the poster holds it already: only the others it would go to count */
	c->want = *want;
	for (i = k = 0; i < want->nrel; i++)
		if (strcmp(want->rel[i], poster) != 0)
			memcpy(c->want.rel[k++], want->rel[i], sizeof(c->want.rel[0]));
	c->want.nrel = k;
	if ((r = releases(d, id, NULL, check_one, c)) != HL_OK)
		goto out;
	w = c->this_other ? c->wthis : c->wother;
	if (w != 0 && deny != NULL)
		*deny = c->this_other ? c->this_v : c->other;
	if (widens != NULL)
		*widens = w;
	r = w != 0 ? HL_ERR_DENIED : HL_OK;
out:
	hl_free(c);
	return r;
}

static int
copy_one(void *arg, const struct hl_stix_first *f)
{
	*(struct hl_stix_first *)arg = *f;
	return HL_OK;
}

int
hl_stixdb_release_get(struct hl_stixdb *d, const char *id, const char *vkey,
    struct hl_stix_first *out)
{
	int r;

	memset(out, 0, sizeof(*out));
	if (d == NULL || id == NULL || vkey == NULL)
		return HL_ERR_INVALID;
	if ((r = releases(d, id, vkey, copy_one, out)) != HL_OK)
		return r;
	return out->first_us != 0 ? HL_OK : HL_ERR_NOT_FOUND;
}

static int
put_locked(struct hl_stixdb *d, const char *collection, const json_t *obj,
    const uint8_t *label, size_t label_len, const struct hl_stix_prov *prov,
    uint64_t *date_added_us, int *added)
{
	sqlite3_stmt *st;
	const char *id, *type, *version, *spec;
	char vkey[HL_STIX_TS_KEY], *json = NULL;
	int64_t seq;
	uint64_t da, now;
	int rc, r = HL_ERR_INTERNAL, revoked;

	id = json_string_value(json_object_get(obj, "id"));
	type = json_string_value(json_object_get(obj, "type"));
	spec = json_string_value(json_object_get(obj, "spec_version"));
	if (id == NULL || type == NULL)
		return HL_ERR_INVALID;
	if (spec == NULL)
		spec = "2.1";
	object_version(obj, &version, vkey);
	revoked = json_is_true(json_object_get(obj, "revoked"));
	/* the same version again: idempotent */
	st = d->st[SDB_FIND];
	if ((r = bind_text(st, 1, collection)) != HL_OK || (r = bind_text(st, 2, id)) != HL_OK ||
	    (r = bind_text(st, 3, vkey)) != HL_OK) {
		st_done(st);
		return r;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*date_added_us = (uint64_t)sqlite3_column_int64(st, 1);
		st_done(st);
		*added = 0;
		return HL_OK;
	}
	st_done(st);
	if (rc != SQLITE_DONE)
		return map_rc(rc);
	/* strictly increasing date_added */
	st = d->st[SDB_MAX_ADDED];
	rc = sqlite3_step(st);
	da = rc == SQLITE_ROW ? (uint64_t)sqlite3_column_int64(st, 0) : 0;
	st_done(st);
	if (rc != SQLITE_ROW)
		return map_rc(rc);
	now = now_us();
	da = now > da ? now : da + 1;
	/* as received: key order and custom properties kept */
	if ((r = dump_whole(obj, &json)) != HL_OK)
		return r;
	st = d->st[SDB_INSERT];
	if ((r = bind_text(st, 1, collection)) != HL_OK || (r = bind_text(st, 2, id)) != HL_OK ||
	    (r = bind_text(st, 3, type)) != HL_OK || (r = bind_text(st, 4, version)) != HL_OK ||
	    (r = bind_text(st, 5, vkey)) != HL_OK || (r = bind_text(st, 6, spec)) != HL_OK ||
	    (r = bind_i64(st, 7, (int64_t)da)) != HL_OK || (r = bind_text(st, 8, json)) != HL_OK ||
	    (r = bind_blob(st, 9, label, label_len)) != HL_OK ||
	    (r = bind_i64(st, 10, revoked)) != HL_OK ||
	    (r = bind_i64(st, 11, prov->source)) != HL_OK ||
	    (r = bind_text(st, 12, prov->partner)) != HL_OK ||
	    (r = bind_text(st, 13, prov->node)) != HL_OK ||
	    (r = prov->source == HL_STIX_PARTNER ? bind_blob(st, 14, prov->envelope, HL_ID_BYTES) :
	    (sqlite3_bind_null(st, 14) == SQLITE_OK ? HL_OK : HL_ERR_STORE)) != HL_OK ||
	    (r = bind_i64(st, 15, (int64_t)(prov->received_us != 0 ? prov->received_us : now))) !=
	    HL_OK || (r = bind_text(st, 16, prov->added_by)) != HL_OK) {
		st_done(st);
		goto out;
	}
	if ((r = exec_st(st)) != HL_OK)
		goto out;
	seq = sqlite3_last_insert_rowid(d->db);
	st = d->st[SDB_FLAGS];
	if ((r = bind_text(st, 1, collection)) != HL_OK || (r = bind_text(st, 2, id)) != HL_OK) {
		st_done(st);
		goto out;
	}
	if ((r = exec_st(st)) != HL_OK)
		goto out;
	if ((r = index_observables(d, obj, seq)) != HL_OK ||
	    (r = index_search(d, obj, seq)) != HL_OK)
		goto out;
	st = d->st[SDB_COLL_PUT];
	if ((r = bind_text(st, 1, collection)) != HL_OK) {
		st_done(st);
		goto out;
	}
	if ((r = exec_st(st)) != HL_OK)
		goto out;
	*date_added_us = da;
	*added = 1;
	r = HL_OK;
out:
	{
		json_malloc_t jm;
		json_free_t jf;

		json_get_alloc_funcs(&jm, &jf);
		jf(json);
	}
	return r;
}

/* One atomic step: our own transaction, or a savepoint in the caller's.
 * OUT: *own for step_end. */
static int
step_begin(struct hl_stixdb *d, int *own)
{
	*own = sqlite3_get_autocommit(d->db);
	if (*own)
		return hl_store_begin(d->store);
	return exec_st(d->st[SDB_SAVEPOINT]);
}

/* Commit or roll back what step_begin started, by r; returns the result. */
static int
step_end(struct hl_stixdb *d, int own, int r)
{
	if (own) {
		if (r == HL_OK)
			return hl_store_commit(d->store);
		hl_store_rollback(d->store);
		return r;
	}
	if (r != HL_OK)
		(void)exec_st(d->st[SDB_ROLLBACK_TO]);
	(void)exec_st(d->st[SDB_RELEASE]);
	return r;
}

int
hl_stixdb_put(struct hl_stixdb *d, const char *collection, const json_t *obj,
    const uint8_t *label, size_t label_len, const struct hl_stix_prov *prov,
    uint64_t *date_added_us, int *added)
{
	uint64_t da = 0;
	int ad = 0, r, own;

	if (date_added_us != NULL)
		*date_added_us = 0;
	if (added != NULL)
		*added = 0;
	if (d == NULL || collection == NULL || obj == NULL || prov == NULL ||
	    (label == NULL && label_len != 0) ||
	    strlen(collection) > HL_STIX_COLLECTION_MAX || collection[0] == '\0')
		return HL_ERR_INVALID;
	if ((r = step_begin(d, &own)) != HL_OK)
		return r;
	r = step_end(d, own, put_locked(d, collection, obj, label, label_len, prov, &da, &ad));
	if (r == HL_OK) {
		if (date_added_us != NULL)
			*date_added_us = da;
		if (added != NULL)
			*added = ad;
	}
	return r;
}

/* ---- reading rows ---- */

static void
col_text(sqlite3_stmt *st, int i, char *dst, size_t dstlen)
{
	const unsigned char *t = sqlite3_column_text(st, i);

	(void)snprintf(dst, dstlen, "%s", t != NULL ? (const char *)t : "");
}

/* Fill a row from ROW_COLS (+ json at column 15 when with_json). */
static int
read_row(sqlite3_stmt *st, int with_json, struct hl_stix_row *row)
{
	const void *b;
	int n;

	memset(row, 0, sizeof(*row));
	row->seq = (uint64_t)sqlite3_column_int64(st, 0);
	col_text(st, 1, row->collection, sizeof(row->collection));
	col_text(st, 2, row->id, sizeof(row->id));
	col_text(st, 3, row->type, sizeof(row->type));
	col_text(st, 4, row->version, sizeof(row->version));
	col_text(st, 5, row->spec_version, sizeof(row->spec_version));
	row->date_added_us = (uint64_t)sqlite3_column_int64(st, 6);
	row->revoked = sqlite3_column_int(st, 7);
	b = sqlite3_column_blob(st, 8);
	n = sqlite3_column_bytes(st, 8);
	if (n < 0 || (size_t)n > sizeof(row->label))
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
	row->prov.received_us = (uint64_t)sqlite3_column_int64(st, 13);
	col_text(st, 14, row->prov.added_by, sizeof(row->prov.added_by));
	if (with_json) {
		const unsigned char *j = sqlite3_column_text(st, 15);

		n = sqlite3_column_bytes(st, 15);
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
hl_stixdb_rows_free(struct hl_stix_row *rows, size_t n)
{
	size_t i;

	if (rows == NULL)
		return;
	for (i = 0; i < n; i++)
		hl_free(rows[i].json);
	hl_free(rows);
}

static int
visible(const struct hl_stix_row *row, const struct hl_policy *p,
    const struct hl_operator_conf *op)
{
	struct hl_label l;

	if (op == NULL)
		return 1;
	return hl_apijson_visible(row->label, row->label_len, p, op, &l);
}

/* The SQL of one page. Parameters: ?1 collection, ?2 after, ?3 limit,
 * then the match values in order. */
static int
page_sql(const struct hl_stix_query *q, char *sql, size_t len)
{
	size_t o;
	unsigned i;
	int n;

#define ADD(...) do { \
		n = snprintf(sql + o, len - o, __VA_ARGS__); \
		if (n < 0 || (size_t)n >= len - o) \
			return HL_ERR_TOO_BIG; \
		o += (size_t)n; \
	} while (0)
	o = 0;
	ADD("SELECT " ROW_COLS ", json FROM stix_objects WHERE collection = ?1"
	    " AND date_added > ?2");
	if (q->nids > 0) {
		ADD(" AND id IN (");
		for (i = 0; i < q->nids; i++)
			ADD("%s?%u", i ? ", " : "", 4 + i);
		ADD(")");
	}
	if (q->ntypes > 0) {
		ADD(" AND type IN (");
		for (i = 0; i < q->ntypes; i++)
			ADD("%s?%u", i ? ", " : "", 4 + q->nids + i);
		ADD(")");
	}
	if (q->nspec > 0) {
		ADD(" AND spec_version IN (");
		for (i = 0; i < q->nspec; i++)
			ADD("%s?%u", i ? ", " : "", 4 + q->nids + q->ntypes + i);
		ADD(")");
	}
	switch (q->vsel) {
	case HL_STIX_V_LAST:
		ADD(" AND is_last = 1");
		break;
	case HL_STIX_V_FIRST:
		ADD(" AND is_first = 1");
		break;
	case HL_STIX_V_LIST:
		ADD(" AND vkey IN (");
		for (i = 0; i < q->nvkeys; i++)
			ADD("%s?%u", i ? ", " : "", 4 + q->nids + q->ntypes + q->nspec + i);
		ADD(")");
		break;
	default:
		break;
	}
	ADD(" ORDER BY date_added ASC LIMIT ?3");
#undef ADD
	return HL_OK;
}

int
hl_stixdb_objects(struct hl_stixdb *d, const struct hl_stix_query *q,
    struct hl_stix_row **rows, size_t *n, int *more)
{
	sqlite3_stmt *st = NULL;
	struct hl_stix_row *out = NULL, row;
	char sql[2048];
	uint64_t after;
	size_t cnt = 0, scanned = 0, got;
	unsigned i, b;
	int rc, r = HL_ERR_INTERNAL, done = 0;

	*rows = NULL;
	*n = 0;
	*more = 0;
	memset(&row, 0, sizeof(row));
	if (d == NULL || q == NULL || q->collection == NULL || q->limit == 0 ||
	    q->nids > HL_STIX_MATCH_VALUES || q->ntypes > HL_STIX_MATCH_VALUES ||
	    q->nspec > HL_STIX_MATCH_VALUES || q->nvkeys > HL_STIX_MATCH_VALUES ||
	    (q->vsel == HL_STIX_V_LIST && q->nvkeys == 0))
		return HL_ERR_INVALID;
	if ((r = page_sql(q, sql, sizeof(sql))) != HL_OK)
		return r;
	if (sqlite3_prepare_v2(d->db, sql, -1, &st, NULL) != SQLITE_OK)
		return HL_ERR_STORE;
	if ((out = hl_calloc(q->limit, sizeof(*out))) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	after = q->after_us;
	/* read in batches, skipping rows the operator may not see, until the
	 * page plus one more visible row (for *more) or the end */
	while (!done) {
		(void)sqlite3_reset(st);
		b = 1;
		if ((r = bind_text(st, 1, q->collection)) != HL_OK ||
		    (r = bind_i64(st, 2, (int64_t)after)) != HL_OK ||
		    (r = bind_i64(st, 3, SDB_SCAN_BATCH)) != HL_OK)
			goto out;
		for (i = 0; i < q->nids; i++)
			if ((r = bind_text(st, (int)(3 + b++), q->ids[i])) != HL_OK)
				goto out;
		for (i = 0; i < q->ntypes; i++)
			if ((r = bind_text(st, (int)(3 + b++), q->types[i])) != HL_OK)
				goto out;
		for (i = 0; i < q->nspec; i++)
			if ((r = bind_text(st, (int)(3 + b++), q->spec[i])) != HL_OK)
				goto out;
		if (q->vsel == HL_STIX_V_LIST)
			for (i = 0; i < q->nvkeys; i++)
				if ((r = bind_text(st, (int)(3 + b++), q->vkeys[i])) != HL_OK)
					goto out;
		got = 0;
		while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
			got++;
			scanned++;
			if ((r = read_row(st, 1, &row)) != HL_OK)
				goto out;
			after = row.date_added_us;
			if (!visible(&row, q->policy, q->op)) {
				hl_free(row.json);
				row.json = NULL;
				continue;
			}
			if (cnt == q->limit) {
				hl_free(row.json);
				row.json = NULL;
				*more = 1;
				done = 1;
				break;
			}
			out[cnt++] = row;
			row.json = NULL;
		}
		if (!done && rc != SQLITE_DONE) {
			r = map_rc(rc);
			goto out;
		}
		if (got < SDB_SCAN_BATCH || scanned >= SDB_SCAN_MAX) {
			if (!done && scanned >= SDB_SCAN_MAX && got == SDB_SCAN_BATCH)
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
	hl_stixdb_rows_free(out, cnt);
	(void)sqlite3_finalize(st);
	return r;
}

int
hl_stixdb_get_latest(struct hl_stixdb *d, const char *collection, const char *id,
    const struct hl_policy *policy, const struct hl_operator_conf *op,
    struct hl_stix_row **row)
{
	struct hl_stix_row *rw = NULL;
	sqlite3_stmt *st;
	int rc, r = HL_ERR_NOT_FOUND;

	*row = NULL;
	if (d == NULL || id == NULL)
		return HL_ERR_INVALID;
	if ((rw = hl_calloc(1, sizeof(*rw))) == NULL)
		return HL_ERR_NOMEM;
	st = d->st[collection != NULL ? SDB_LATEST_IN : SDB_LATEST_ANY];
	if ((r = bind_text(st, 1, id)) != HL_OK ||
	    (collection != NULL && (r = bind_text(st, 2, collection)) != HL_OK))
		goto out;
	r = HL_ERR_NOT_FOUND;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_row(st, 1, rw)) != HL_OK)
			goto out;
		if (visible(rw, policy, op)) {
			r = HL_OK;
			break;
		}
		hl_free(rw->json);
		rw->json = NULL;
		r = HL_ERR_NOT_FOUND;
	}
	if (r != HL_OK)
		goto out;
	*row = rw;
	rw = NULL;
out:
	st_done(st);
	hl_stixdb_rows_free(rw, 1);
	return r;
}

/* ---- search ---- */

const char *
hl_stix_field_name(int field)
{
	switch (field) {
	case HL_STIX_F_OBSERVABLE: return "observable";
	case HL_STIX_F_EXTID: return "external_id";
	case HL_STIX_F_NAME: return "name";
	case HL_STIX_F_ALIAS: return "alias";
	case HL_STIX_F_WORD: return "word";
	case HL_STIX_F_ID: return "id";
	}
	return "unknown";
}

/* Object rows found, in the order found, each once. text: the indexed
 * value that matched when it is not the searched value itself (an address
 * range, a name as written). */
struct hit_ref {
	int64_t seq;
	uint8_t field, exact;
	char text[HL_STIX_TERM_MAX + 1];
};
struct hits {
	struct hit_ref *v;
	size_t n, max;
};

static void
hit_add(struct hits *h, int64_t seq, int field, int exact, const char *text)
{
	size_t i;

	if (h->n >= h->max)
		return;
	for (i = 0; i < h->n; i++)
		if (h->v[i].seq == seq)
			return;
	h->v[h->n].seq = seq;
	h->v[h->n].field = (uint8_t)field;
	h->v[h->n].exact = (uint8_t)exact;
	(void)snprintf(h->v[h->n].text, sizeof(h->v[h->n].text), "%s", text != NULL ? text : "");
	h->n++;
}

static int64_t
hits_room(const struct hits *h)
{
	return (int64_t)(h->max - h->n + 1);
}

#define FIELD_FROM_ROW (-1)

/* Run bound statement st; each row's object (column 0) is a hit, its
 * field and text given or, for FIELD_FROM_ROW, in columns 1 and 2. */
static int
step_hits(sqlite3_stmt *st, struct hits *h, int field, int exact, const char *text)
{
	int rc;

	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		hit_add(h, sqlite3_column_int64(st, 0), field != FIELD_FROM_ROW ? field :
		    sqlite3_column_int(st, 1), exact, field != FIELD_FROM_ROW ? text :
		    (const char *)sqlite3_column_text(st, 2));
	st_done(st);
	return rc == SQLITE_DONE ? HL_OK : map_rc(rc);
}

static void
ip_text(uint8_t kind, const uint8_t *key, size_t klen, unsigned plen, char *out, size_t outlen)
{
	char t[INET6_ADDRSTRLEN];
	uint8_t a[16];

	memset(a, 0, sizeof(a));
	memcpy(a, key, klen > 16 ? 16 : klen);
	if (inet_ntop(kind == HL_OBS_IPV4 ? AF_INET : AF_INET6, a, t, sizeof(t)) == NULL)
		t[0] = '\0';
	if (plen == (kind == HL_OBS_IPV4 ? 32u : 128u))
		(void)snprintf(out, outlen, "%s", t);
	else
		(void)snprintf(out, outlen, "%s/%u", t, plen);
}

/* Point lookups: rows whose key is exactly key at prefix length plen. */
static int
point(struct hl_stixdb *d, uint8_t kind, const void *key, size_t klen, unsigned plen,
    const char *text, struct hits *h)
{
	sqlite3_stmt *st = d->st[SDB_OBS_POINT];
	int r;

	if ((r = bind_i64(st, 1, kind)) != HL_OK || (r = bind_blob(st, 2, key, klen)) != HL_OK ||
	    (r = bind_i64(st, 3, plen)) != HL_OK || (r = bind_i64(st, 4, hits_room(h))) != HL_OK) {
		st_done(st);
		return r;
	}
	return step_hits(st, h, HL_STIX_F_OBSERVABLE, 1, text);
}

/* The networks (prefix lengths in use, <= maxp) containing o's range. */
static int
containing(struct hl_stixdb *d, const struct hl_stix_obs *o, struct hits *h)
{
	sqlite3_stmt *st = d->st[SDB_PREFIXES];
	unsigned plens[129], np = 0, i, k, bytes = o->kind == HL_OBS_IPV4 ? 4 : 16;
	uint8_t net[16];
	char text[64];
	int rc, r;

	if ((r = bind_i64(st, 1, o->kind)) != HL_OK || (r = bind_i64(st, 2, o->plen)) != HL_OK) {
		st_done(st);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && np < 129)
		plens[np++] = (unsigned)sqlite3_column_int(st, 0);
	st_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return map_rc(rc);
	for (i = 0; i < np && h->n < h->max; i++) {
		for (k = 0; k < bytes; k++) {
			unsigned keep = plens[i] >= (k + 1) * 8 ? 8 : plens[i] > k * 8 ?
			    plens[i] - k * 8 : 0;
			uint8_t mask = (uint8_t)(keep == 0 ? 0 : (0xffu << (8 - keep)) & 0xffu);

			net[k] = (uint8_t)(o->lo[k] & mask);
		}
		ip_text(o->kind, net, bytes, plens[i], text, sizeof(text));
		if ((r = point(d, o->kind, net, bytes, plens[i], text, h)) != HL_OK)
			return r;
	}
	return HL_OK;
}

/* Ranges inside a CIDR (first address within it, prefix at least as long). */
static int
inside(struct hl_stixdb *d, const struct hl_stix_obs *o, struct hits *h)
{
	sqlite3_stmt *st = d->st[SDB_OBS_RANGE];
	size_t bytes = o->kind == HL_OBS_IPV4 ? 4 : 16;
	char text[64];
	int rc, r;

	if ((r = bind_i64(st, 1, o->kind)) != HL_OK ||
	    (r = bind_blob(st, 2, o->lo, bytes)) != HL_OK ||
	    (r = bind_blob(st, 3, o->hi, bytes)) != HL_OK ||
	    (r = bind_i64(st, 4, o->plen + 1)) != HL_OK ||
	    (r = bind_i64(st, 5, hits_room(h))) != HL_OK) {
		st_done(st);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ip_text(o->kind, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
		    (unsigned)sqlite3_column_int(st, 2), text, sizeof(text));
		hit_add(h, sqlite3_column_int64(st, 0), HL_STIX_F_OBSERVABLE, 1, text);
	}
	st_done(st);
	return rc == SQLITE_DONE ? HL_OK : map_rc(rc);
}

/* Objects naming an observable. */
static int
observable_hits(struct hl_stixdb *d, const struct hl_stix_obs *o, struct hits *h)
{
	int r;

	if (o->kind != HL_OBS_IPV4 && o->kind != HL_OBS_IPV6)
		return point(d, o->kind, o->value, strlen(o->value), 0, NULL, h);
	if ((r = containing(d, o, h)) != HL_OK)
		return r;
	if (o->plen != (o->kind == HL_OBS_IPV4 ? 32 : 128))
		return inside(d, o, h);
	return HL_OK;
}

#define F_MASK(f) (1 << (f))
#define F_IDS_NAMES (F_MASK(HL_STIX_F_EXTID) | F_MASK(HL_STIX_F_NAME) | F_MASK(HL_STIX_F_ALIAS))
#define PREFIX_MIN 3               /* shorter values match exactly only */

/* Terms equal to key (exact) or starting with it, in the fields of mask. */
static int
term_hits(struct hl_stixdb *d, const char *key, size_t klen, int mask, int exact,
    struct hits *h)
{
	sqlite3_stmt *st = d->st[exact ? SDB_TERM_EXACT : SDB_TERM_RANGE];
	char hi[HL_STIX_TERM_MAX + 1];
	int r, b = 1;

	/* a prefix's upper bound: the prefix then 0xff, above any UTF-8 text */
	memcpy(hi, key, klen);
	hi[klen] = (char)0xff;
	if ((r = bind_blob(st, b++, key, klen)) != HL_OK ||
	    (!exact && (r = bind_blob(st, b++, hi, klen + 1)) != HL_OK) ||
	    (r = bind_i64(st, b++, mask)) != HL_OK || (r = bind_i64(st, b, hits_room(h))) != HL_OK) {
		st_done(st);
		return r;
	}
	return step_hits(st, h, FIELD_FROM_ROW, exact, NULL);
}

/* The rows of a STIX id (one per collection holding it). */
static int
id_hits(struct hl_stixdb *d, const char *id, struct hits *h)
{
	sqlite3_stmt *st = d->st[SDB_ID_ROWS];
	int r;

	if ((r = bind_text(st, 1, id)) != HL_OK || (r = bind_i64(st, 2, hits_room(h))) != HL_OK) {
		st_done(st);
		return r;
	}
	return step_hits(st, h, HL_STIX_F_ID, 1, id);
}

/* ATT&CK / DISARM technique (T1234, T1234.123) or tactic (TA0001, TA01)
 * id shape, any case: 1 technique, 2 tactic, 0 neither. */
static int
attack_id(const char *v, size_t n)
{
	size_t i, d;

	if (n < 3 || (v[0] != 'T' && v[0] != 't'))
		return 0;
	if (v[1] == 'A' || v[1] == 'a') {
		for (i = 2; i < n && v[i] >= '0' && v[i] <= '9'; i++)
			;
		return i == n && n >= 4 && n <= 6 ? 2 : 0;
	}
	for (i = 1; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	if (i != 5)
		return 0;
	if (i == n)
		return 1;
	if (v[i] != '.')
		return 0;
	for (d = ++i; i < n && v[i] >= '0' && v[i] <= '9'; i++)
		;
	return i == n && i - d == 3 ? 1 : 0;
}

/* Written only with what addresses and CIDRs are written with, and
 * shaped like one: when it does not parse, it is a mistyped address, not
 * a name. */
static int
address_like(const char *v)
{
	size_t i, dots = 0, colons = 0, digits = 0, hex = 0;

	for (i = 0; v[i] != '\0'; i++) {
		char c = v[i];

		if (c >= '0' && c <= '9')
			digits++;
		else if ((c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))
			hex++;
		else if (c == '.')
			dots++;
		else if (c == ':')
			colons++;
		else if (c != '/')
			return 0;
	}
	return (digits > 0 && dots > 0 && colons == 0 && hex == 0) || colons >= 2;
}

/* What the value is taken for, and the rows it finds (see stixdb.h). */
static int
classify_and_find(struct hl_stixdb *d, const char *v, const char **kind,
    struct hl_stix_obs *o, struct hits *h)
{
	char key[HL_STIX_TERM_MAX + 1];
	size_t klen = fold(v, strlen(v), key, NULL);
	int r, a;

	if (hl_stix_id_valid(v, NULL)) {
		*kind = "id";
		return id_hits(d, v, h);
	}
	if ((a = attack_id(key, klen)) != 0) {
		*kind = a == 1 ? "technique" : "tactic";
		/* the id (a group named like one too), then its sub-techniques */
		if ((r = term_hits(d, key, klen, F_IDS_NAMES, 1, h)) != HL_OK ||
		    a != 1 || memchr(key, '.', klen) != NULL)
			return r;
		key[klen] = '.';
		return term_hits(d, key, klen + 1, F_MASK(HL_STIX_F_EXTID), 0, h);
	}
	if (hl_stix_obs_parse(v, o) == HL_OK) {
		*kind = o->kind == HL_OBS_IPV4 || o->kind == HL_OBS_IPV6 ?
		    (o->plen != (o->kind == HL_OBS_IPV4 ? 32 : 128) ? "cidr" :
		    hl_stix_obs_kind_name(o->kind)) : hl_stix_obs_kind_name(o->kind);
		if ((r = observable_hits(d, o, h)) != HL_OK || o->kind != HL_OBS_DOMAIN)
			return r;
		/* a dotted name (Backdoor.Oldrea) looks like a domain too */
		return term_hits(d, key, klen, F_IDS_NAMES, 1, h);
	}
	if (address_like(v))
		return HL_ERR_MALFORMED;
	*kind = "name";
	/* whole names, then names starting so, then words of names */
	if ((r = term_hits(d, key, klen, F_IDS_NAMES, 1, h)) != HL_OK || klen < PREFIX_MIN ||
	    (r = term_hits(d, key, klen, F_IDS_NAMES, 0, h)) != HL_OK)
		return r;
	return term_hits(d, key, klen, F_MASK(HL_STIX_F_WORD), 0, h);
}

static uint64_t
id_hash(const char *s)
{
	uint64_t x = 1469598103934665603ull;

	for (; *s != '\0'; s++)
		x = (x ^ (unsigned char)*s) * 1099511628211ull;
	return x;
}

/* Keep the earlier (first) or later timestamp of cur and t. */
static void
time_keep(char *cur, size_t curlen, const char *t, int later)
{
	char a[HL_STIX_TS_KEY], b[HL_STIX_TS_KEY];
	int c;

	if (t == NULL || hl_stix_time(t, b, NULL) != HL_OK)
		return;
	if (cur[0] != '\0' && hl_stix_time(cur, a, NULL) == HL_OK) {
		c = strcmp(b, a);
		if (later ? c <= 0 : c >= 0)
			return;
	}
	(void)snprintf(cur, curlen, "%s", t);
}

static void
sighter_add(struct hl_stix_sighted *sg, const struct hl_stix_row *row, uint64_t count)
{
	size_t i;

	for (i = 0; i < sg->nby; i++)
		if (strcmp(sg->by[i].partner, row->prov.partner) == 0 &&
		    strcmp(sg->by[i].node, row->prov.node) == 0)
			break;
	if (i == sg->nby) {
		if (sg->nby == HL_STIX_SIGHTERS_MAX) {
			sg->more_by = 1;
			return;
		}
		memcpy(sg->by[i].partner, row->prov.partner, sizeof(sg->by[i].partner));
		memcpy(sg->by[i].node, row->prov.node, sizeof(sg->by[i].node));
		sg->nby++;
	}
	sg->by[i].sightings++;
	sg->by[i].count += count;
}

/* The sightings of object id that q's operator may see. seen: scratch
 * (HL_STIX_SIGHTINGS_SCAN ids). */
static int
sightings(struct hl_stixdb *d, const struct hl_stix_search *q, const char *id,
    uint64_t *seen, struct hl_stix_sighted *sg)
{
	sqlite3_stmt *st = d->st[SDB_SIGHTINGS];
	struct hl_stix_row row;
	const char *created;
	size_t nseen = 0, i;
	uint64_t hsh, count;
	int rc, r;

	memset(sg, 0, sizeof(*sg));
	if ((r = bind_text(st, 1, id)) != HL_OK ||
	    (r = bind_i64(st, 2, HL_STIX_SIGHTINGS_SCAN)) != HL_OK) {
		st_done(st);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if ((r = read_row(st, 0, &row)) != HL_OK) {
			st_done(st);
			return r;
		}
		if (!visible(&row, q->policy, q->op) ||
		    (q->may_read != NULL && !q->may_read(q->arg, row.collection)))
			continue;
		/* the same sighting in two collections counts once */
		hsh = id_hash(row.id);
		for (i = 0; i < nseen && seen[i] != hsh; i++)
			;
		if (i < nseen)
			continue;
		seen[nseen++] = hsh;
		count = sqlite3_column_type(st, 15) == SQLITE_INTEGER &&
		    sqlite3_column_int64(st, 15) >= 0 ? (uint64_t)sqlite3_column_int64(st, 15) : 1;
		sg->sightings++;
		sg->count += count;
		created = (const char *)sqlite3_column_text(st, 18);
		time_keep(sg->first_seen, sizeof(sg->first_seen),
		    sqlite3_column_type(st, 16) == SQLITE_TEXT ?
		    (const char *)sqlite3_column_text(st, 16) : created, 0);
		time_keep(sg->last_seen, sizeof(sg->last_seen),
		    sqlite3_column_type(st, 17) == SQLITE_TEXT ?
		    (const char *)sqlite3_column_text(st, 17) : created, 1);
		sighter_add(sg, &row, count);
	}
	st_done(st);
	return rc == SQLITE_DONE ? HL_OK : map_rc(rc);
}

/* Cut text at a UTF-8 character boundary to fit dstlen. */
static void
copy_cut(char *dst, size_t dstlen, const char *src)
{
	size_t n = src != NULL ? strlen(src) : 0;

	if (n >= dstlen) {
		n = dstlen - 1;
		while (n > 0 && ((unsigned char)src[n] & 0xc0) == 0x80)
			n--;
	}
	if (n > 0)
		memcpy(dst, src, n);
	dst[n] = '\0';
}

int
hl_stixdb_find(struct hl_stixdb *d, const struct hl_stix_search *q, const char **kind,
    struct hl_stix_hit **hits, size_t *n)
{
	struct hl_stix_obs o;
	struct hits h;
	struct hl_stix_hit *out = NULL;
	uint64_t *seen = NULL;
	char v[HL_STIX_SEARCH_MAX + 1];
	sqlite3_stmt *st;
	size_t i, cnt = 0, max, len;
	int rc, r = HL_ERR_INTERNAL, in_read = 0;

	*kind = "";
	*hits = NULL;
	*n = 0;
	memset(&h, 0, sizeof(h));
	memset(&o, 0, sizeof(o));
	if (d == NULL || q == NULL || q->value == NULL || q->max == 0)
		return HL_ERR_INVALID;
	if ((len = strlen(q->value)) > HL_STIX_SEARCH_MAX)
		return HL_ERR_TOO_BIG;
	for (i = 0; i < len; i++)
		if ((unsigned char)q->value[i] < 0x20 || q->value[i] == 0x7f)
			return HL_ERR_MALFORMED;
	/* trimmed; blank is no search */
	if (fold(q->value, len, NULL, v) == 0)
		return HL_ERR_MALFORMED;
	max = q->max > HL_STIXDB_MATCH_MAX ? HL_STIXDB_MATCH_MAX : q->max;
	/* rule 4 and read lists may hide some: look further than max */
	h.max = max * 2;
	if ((h.v = hl_calloc(h.max, sizeof(*h.v))) == NULL)
		return HL_ERR_NOMEM;
	if (sqlite3_get_autocommit(d->db)) {
		if ((r = exec_st(d->st[SDB_READ_BEGIN])) != HL_OK)
			goto out;
		in_read = 1;
	}
	if ((r = classify_and_find(d, v, kind, &o, &h)) != HL_OK)
		goto out;
	/* results fill out in order; one hidden is overwritten by the next */
	if (h.n > 0 && ((out = hl_calloc(h.n < max ? h.n : max, sizeof(*out))) == NULL ||
	    (seen = hl_calloc(HL_STIX_SIGHTINGS_SCAN, sizeof(*seen))) == NULL)) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	st = d->st[SDB_ROW_BY_SEQ];
	for (i = 0; i < h.n && cnt < max; i++) {
		struct hl_stix_hit *x = &out[cnt];

		if ((r = bind_i64(st, 1, h.v[i].seq)) != HL_OK) {
			st_done(st);
			goto out;
		}
		rc = sqlite3_step(st);
		r = rc == SQLITE_ROW ? read_row(st, 0, &x->row) : rc == SQLITE_DONE ? HL_OK :
		    map_rc(rc);
		if (rc == SQLITE_ROW && sqlite3_column_type(st, 15) == SQLITE_TEXT)
			copy_cut(x->name, sizeof(x->name), (const char *)sqlite3_column_text(st, 15));
		st_done(st);
		if (r != HL_OK)
			goto out;
		if (rc != SQLITE_ROW || !visible(&x->row, q->policy, q->op) ||
		    (q->may_read != NULL && !q->may_read(q->arg, x->row.collection))) {
			memset(x, 0, sizeof(*x));
			continue;
		}
		x->field = h.v[i].field;
		x->exact = h.v[i].exact;
		copy_cut(x->matched, sizeof(x->matched), h.v[i].text[0] != '\0' ? h.v[i].text :
		    o.value);
		if ((r = sightings(d, q, x->row.id, seen, &x->sighted)) != HL_OK)
			goto out;
		cnt++;
	}
	if (cnt > 0) {
		*hits = out;
		out = NULL;
	}
	*n = cnt;
	r = HL_OK;
out:
	if (in_read)
		(void)exec_st(d->st[SDB_READ_END]);
	hl_free(out);
	hl_free(seen);
	hl_free(h.v);
	return r;
}

void
hl_stixdb_hits_free(struct hl_stix_hit *hits, size_t n)
{
	(void)n;
	hl_free(hits);
}

/* ---- status, bridge, counts ---- */

int
hl_stixdb_status_put(struct hl_stixdb *d, const char *id, const char *collection,
    const char *account, const char *status_json)
{
	sqlite3_stmt *st;
	int r;

	if (d == NULL || id == NULL || status_json == NULL)
		return HL_ERR_INVALID;
	st = d->st[SDB_STATUS_PUT];
	if ((r = bind_text(st, 1, id)) != HL_OK || (r = bind_text(st, 2, collection)) != HL_OK ||
	    (r = bind_text(st, 3, account)) != HL_OK ||
	    (r = bind_i64(st, 4, (int64_t)now_us())) != HL_OK ||
	    (r = bind_text(st, 5, status_json)) != HL_OK) {
		st_done(st);
		return r;
	}
	return exec_st(st);
}

int
hl_stixdb_status_get(struct hl_stixdb *d, const char *id, char **json,
    char account[HL_OPERATOR_MAX + 1])
{
	sqlite3_stmt *st;
	const unsigned char *t;
	int rc, r;

	*json = NULL;
	account[0] = '\0';
	if (d == NULL || id == NULL)
		return HL_ERR_INVALID;
	st = d->st[SDB_STATUS_GET];
	if ((r = bind_text(st, 1, id)) != HL_OK) {
		st_done(st);
		return r;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		t = sqlite3_column_text(st, 0);
		if (t == NULL || (*json = hl_strdup((const char *)t)) == NULL)
			r = HL_ERR_NOMEM;
		else
			r = HL_OK;
		col_text(st, 1, account, HL_OPERATOR_MAX + 1);
	} else {
		r = rc == SQLITE_DONE ? HL_ERR_NOT_FOUND : map_rc(rc);
	}
	st_done(st);
	return r;
}

int
hl_stixdb_bridge_get(struct hl_stixdb *d, const char *name, char *cursor, size_t cursorlen)
{
	sqlite3_stmt *st;
	int rc, r;

	if (d == NULL || name == NULL || cursor == NULL || cursorlen == 0)
		return HL_ERR_INVALID;
	cursor[0] = '\0';
	st = d->st[SDB_BRIDGE_GET];
	if ((r = bind_text(st, 1, name)) != HL_OK) {
		st_done(st);
		return r;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		col_text(st, 0, cursor, cursorlen);
	st_done(st);
	return rc == SQLITE_ROW || rc == SQLITE_DONE ? HL_OK : map_rc(rc);
}

int
hl_stixdb_bridge_set(struct hl_stixdb *d, const char *name, const char *cursor,
    uint64_t now)
{
	sqlite3_stmt *st;
	int r;

	if (d == NULL || name == NULL || cursor == NULL)
		return HL_ERR_INVALID;
	st = d->st[SDB_BRIDGE_SET];
	if ((r = bind_text(st, 1, name)) != HL_OK || (r = bind_text(st, 2, cursor)) != HL_OK ||
	    (r = bind_i64(st, 3, (int64_t)now)) != HL_OK) {
		st_done(st);
		return r;
	}
	return exec_st(st);
}

int
hl_stixdb_collection_room(struct hl_stixdb *d, const char *name, int *ok)
{
	sqlite3_stmt *st;
	int rc, r;

	*ok = 0;
	if (d == NULL || name == NULL)
		return HL_ERR_INVALID;
	st = d->st[SDB_COLL_ROOM];
	if ((r = bind_text(st, 1, name)) != HL_OK) {
		st_done(st);
		return r;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*ok = sqlite3_column_int64(st, 0) > 0 ||
		    sqlite3_column_int64(st, 1) < HL_STIXDB_INGEST_COLLECTIONS_MAX;
	st_done(st);
	return rc == SQLITE_ROW ? HL_OK : map_rc(rc);
}

int
hl_stixdb_count(struct hl_stixdb *d, const char *collection, uint64_t *n)
{
	sqlite3_stmt *st;
	int rc, r;

	*n = 0;
	if (d == NULL)
		return HL_ERR_INVALID;
	st = d->st[collection != NULL ? SDB_COUNT_IN : SDB_COUNT_ALL];
	if (collection != NULL && (r = bind_text(st, 1, collection)) != HL_OK) {
		st_done(st);
		return r;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*n = (uint64_t)sqlite3_column_int64(st, 0);
	st_done(st);
	return rc == SQLITE_ROW ? HL_OK : map_rc(rc);
}

int
hl_stixdb_ingested_mark(struct hl_stixdb *d, const uint8_t id[static HL_ID_BYTES])
{
	sqlite3_stmt *st;
	int r;

	if (d == NULL)
		return HL_ERR_INVALID;
	st = d->st[SDB_INGESTED];
	if ((r = bind_blob(st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_i64(st, 2, (int64_t)now_us())) != HL_OK) {
		st_done(st);
		return r;
	}
	return exec_st(st);
}

int
hl_stixdb_ingest_pending(struct hl_stixdb *d, size_t max, uint8_t (**ids)[HL_ID_BYTES],
    size_t *n)
{
	uint8_t (*out)[HL_ID_BYTES] = NULL;
	sqlite3_stmt *st;
	size_t k = 0;
	int rc, r;

	*ids = NULL;
	*n = 0;
	if (d == NULL || max == 0 || max > 100000)
		return HL_ERR_INVALID;
	if ((out = hl_calloc(max, sizeof(*out))) == NULL)
		return HL_ERR_NOMEM;
	st = d->st[SDB_INGEST_PENDING];
	if ((r = bind_i64(st, 1, (int64_t)max)) != HL_OK) {
		st_done(st);
		hl_free(out);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW && k < max) {
		if (sqlite3_column_bytes(st, 0) != HL_ID_BYTES)
			continue;
		memcpy(out[k++], sqlite3_column_blob(st, 0), HL_ID_BYTES);
	}
	st_done(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW) {
		hl_free(out);
		return map_rc(rc);
	}
	if (k == 0) {
		hl_free(out);
		return HL_OK;
	}
	*ids = out;
	*n = k;
	return HL_OK;
}
