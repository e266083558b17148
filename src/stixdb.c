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
	[SDB_ROW_BY_SEQ] = "SELECT " ROW_COLS " FROM stix_objects WHERE seq = ?1"
	    " AND is_last = 1 AND revoked = 0",
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
};

struct hl_stixdb {
	struct hl_store *store;
	sqlite3 *db;
	sqlite3_stmt *st[SDB_N];
};

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
	*out = d;
	d = NULL;
	r = HL_OK;
out:
	hl_stixdb_close(d);
	return r;
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
	if ((json = json_dumps(obj, JSON_PRESERVE_ORDER | JSON_COMPACT)) == NULL)
		return HL_ERR_NOMEM;
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
	if ((r = index_observables(d, obj, seq)) != HL_OK)
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
	/* one atomic step: our own transaction, or a savepoint in the caller's */
	own = sqlite3_get_autocommit(d->db);
	if (own) {
		if ((r = hl_store_begin(d->store)) != HL_OK)
			return r;
	} else if ((r = exec_st(d->st[SDB_SAVEPOINT])) != HL_OK) {
		return r;
	}
	r = put_locked(d, collection, obj, label, label_len, prov, &da, &ad);
	if (own) {
		if (r == HL_OK)
			r = hl_store_commit(d->store);
		else
			hl_store_rollback(d->store);
	} else {
		if (r != HL_OK)
			(void)exec_st(d->st[SDB_ROLLBACK_TO]);
		(void)exec_st(d->st[SDB_RELEASE]);
	}
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

/* Object rows found, with the indexed value that matched when it is an
 * address or range (other kinds match the search value itself). */
struct hits {
	int64_t seq[HL_STIXDB_MATCH_MAX];
	char ip[HL_STIXDB_MATCH_MAX][48];
	size_t n, max;
};

static void
hit_add(struct hits *h, int64_t seq, const char *value)
{
	size_t i;

	if (h->n >= h->max)
		return;
	for (i = 0; i < h->n; i++)
		if (h->seq[i] == seq)
			return;
	h->seq[h->n] = seq;
	(void)snprintf(h->ip[h->n], sizeof(h->ip[h->n]), "%s", value != NULL ? value : "");
	h->n++;
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
	int rc, r;

	if ((r = bind_i64(st, 1, kind)) != HL_OK || (r = bind_blob(st, 2, key, klen)) != HL_OK ||
	    (r = bind_i64(st, 3, plen)) != HL_OK ||
	    (r = bind_i64(st, 4, (int64_t)(h->max - h->n + 1))) != HL_OK) {
		st_done(st);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW)
		hit_add(h, sqlite3_column_int64(st, 0), text);
	st_done(st);
	return rc == SQLITE_DONE ? HL_OK : map_rc(rc);
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
	    (r = bind_i64(st, 5, (int64_t)(h->max - h->n + 1))) != HL_OK) {
		st_done(st);
		return r;
	}
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		ip_text(o->kind, sqlite3_column_blob(st, 1), (size_t)sqlite3_column_bytes(st, 1),
		    (unsigned)sqlite3_column_int(st, 2), text, sizeof(text));
		hit_add(h, sqlite3_column_int64(st, 0), text);
	}
	st_done(st);
	return rc == SQLITE_DONE ? HL_OK : map_rc(rc);
}

int
hl_stixdb_search(struct hl_stixdb *d, const char *value,
    const struct hl_policy *policy, const struct hl_operator_conf *op, size_t max,
    const char **kind, struct hl_stix_row **rows, struct hl_stix_matched **matched, size_t *n)
{
	struct hl_stix_obs o;
	struct hits *h = NULL;
	struct hl_stix_row *out = NULL;
	struct hl_stix_matched *mv = NULL;
	sqlite3_stmt *st;
	size_t i, cnt = 0;
	int rc, r = HL_ERR_INTERNAL, ip, cidr;

	*kind = "";
	*rows = NULL;
	*matched = NULL;
	*n = 0;
	if (d == NULL || value == NULL || max == 0)
		return HL_ERR_INVALID;
	if (max > HL_STIXDB_MATCH_MAX)
		max = HL_STIXDB_MATCH_MAX;
	if ((r = hl_stix_obs_parse(value, &o)) != HL_OK)
		return r;
	ip = o.kind == HL_OBS_IPV4 || o.kind == HL_OBS_IPV6;
	cidr = ip && o.plen != (o.kind == HL_OBS_IPV4 ? 32 : 128);
	*kind = cidr ? "cidr" : hl_stix_obs_kind_name(o.kind);
	if ((h = hl_calloc(1, sizeof(*h))) == NULL)
		return HL_ERR_NOMEM;
	/* rule 4 may hide some: look further than max */
	h->max = max * 2 < HL_STIXDB_MATCH_MAX ? max * 2 : HL_STIXDB_MATCH_MAX;
	if (ip) {
		if ((r = containing(d, &o, h)) != HL_OK)
			goto out;
		if (cidr && (r = inside(d, &o, h)) != HL_OK)
			goto out;
	} else if ((r = point(d, o.kind, o.value, strlen(o.value), 0, NULL, h)) != HL_OK) {
		goto out;
	}
	if (h->n > 0) {
		if ((out = hl_calloc(h->n, sizeof(*out))) == NULL ||
		    (mv = hl_calloc(h->n, sizeof(*mv))) == NULL) {
			r = HL_ERR_NOMEM;
			goto out;
		}
	}
	st = d->st[SDB_ROW_BY_SEQ];
	for (i = 0; i < h->n && cnt < max; i++) {
		if ((r = bind_i64(st, 1, h->seq[i])) != HL_OK) {
			st_done(st);
			goto out;
		}
		rc = sqlite3_step(st);
		if (rc == SQLITE_ROW)
			r = read_row(st, 0, &out[cnt]);
		else
			r = rc == SQLITE_DONE ? HL_OK : map_rc(rc);
		st_done(st);
		if (r != HL_OK)
			goto out;
		if (rc != SQLITE_ROW || !visible(&out[cnt], policy, op))
			continue;
		(void)snprintf(mv[cnt].value, sizeof(mv[cnt].value), "%s", ip ? h->ip[i] : o.value);
		cnt++;
	}
	if (cnt > 0) {
		*rows = out;
		*matched = mv;
		out = NULL;
		mv = NULL;
	}
	*n = cnt;
	r = HL_OK;
out:
	hl_free(out);
	hl_free(mv);
	hl_free(h);
	return r;
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
