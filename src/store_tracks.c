/* store_tracks.c: the current picture of live warning tracks
 * (docs/internals/tracks.md). Every update (one track envelope) is a row
 * of track_updates; tracks holds, per (origin, track_id, exercise), the
 * latest update by observed time, equal times going to the one stored
 * later. The records are parsed and encoded above the store (track.c);
 * here they are bytes with the key and time that order them. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "sealfile.h"
#include "store_int.h"

/* 2 -> 3: live warning tracks. */
const char store_tracks_v3[] =
	"CREATE TABLE IF NOT EXISTS track_updates ("
	" envelope_id BLOB PRIMARY KEY NOT NULL CHECK (length(envelope_id) = 16),"
	" origin TEXT NOT NULL,"
	" track_id TEXT,"
	" exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),"
	" observed_s INTEGER NOT NULL DEFAULT 0,"
	" observed_ns INTEGER NOT NULL DEFAULT 0,"
	" env_seq INTEGER NOT NULL,"
	" valid INTEGER NOT NULL CHECK (valid IN (0, 1)),"
	" record BLOB NOT NULL,"
	" error TEXT NOT NULL DEFAULT '') WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS track_updates_track ON track_updates"
	" (track_id, observed_s, observed_ns);"
	"CREATE TABLE IF NOT EXISTS tracks ("
	" origin TEXT NOT NULL,"
	" track_id TEXT NOT NULL,"
	" exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),"
	" envelope_id BLOB NOT NULL,"
	" observed_s INTEGER NOT NULL,"
	" observed_ns INTEGER NOT NULL,"
	" env_seq INTEGER NOT NULL,"
	" updates INTEGER NOT NULL,"
	" PRIMARY KEY (origin, track_id, exercise)) WITHOUT ROWID;"
	"CREATE INDEX IF NOT EXISTS tracks_observed ON tracks (observed_s, observed_ns);"
	"CREATE INDEX IF NOT EXISTS envelopes_content_type ON envelopes (content_type);";

/* 11 -> 12: the track stream (issue 15): an envelope of content type
 * tracks carries many updates, so an update is (envelope_id, idx); the
 * picture points at its latest (envelope_id, idx); and a track's alert for
 * the duty officer (one row per track: its last event, and whether it is
 * acknowledged). */
const char store_tracks_v12[] =
	"CREATE TABLE track_updates_v12 ("
	" envelope_id BLOB NOT NULL CHECK (length(envelope_id) = 16),"
	" idx INTEGER NOT NULL DEFAULT 0,"
	" origin TEXT NOT NULL,"
	" track_id TEXT,"
	" exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),"
	" observed_s INTEGER NOT NULL DEFAULT 0,"
	" observed_ns INTEGER NOT NULL DEFAULT 0,"
	" env_seq INTEGER NOT NULL,"
	" valid INTEGER NOT NULL CHECK (valid IN (0, 1)),"
	" record BLOB NOT NULL,"
	" error TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (envelope_id, idx)) WITHOUT ROWID;"
	"INSERT INTO track_updates_v12 (envelope_id, idx, origin, track_id, exercise, observed_s,"
	" observed_ns, env_seq, valid, record, error) SELECT envelope_id, 0, origin, track_id,"
	" exercise, observed_s, observed_ns, env_seq, valid, record, error FROM track_updates;"
	"DROP TABLE track_updates;"
	"ALTER TABLE track_updates_v12 RENAME TO track_updates;"
	"CREATE INDEX track_updates_track ON track_updates (track_id, observed_s, observed_ns);"
	"ALTER TABLE tracks ADD COLUMN idx INTEGER NOT NULL DEFAULT 0;"
	"CREATE TABLE track_alerts ("
	" origin TEXT NOT NULL,"
	" track_id TEXT NOT NULL,"
	" exercise INTEGER NOT NULL CHECK (exercise IN (0, 1)),"
	" kind TEXT NOT NULL,"
	" detail TEXT NOT NULL DEFAULT '',"
	" raised_ms INTEGER NOT NULL,"
	" events INTEGER NOT NULL DEFAULT 1,"
	" acked_ms INTEGER NOT NULL DEFAULT 0,"
	" acked_by TEXT NOT NULL DEFAULT '',"
	" PRIMARY KEY (origin, track_id, exercise)) WITHOUT ROWID;"
	"CREATE INDEX track_alerts_open ON track_alerts (raised_ms) WHERE acked_ms = 0;"
	/* a tracks envelope being ingested a slice at a time (until its last) */
	"CREATE TABLE track_ingest_open (envelope_id BLOB PRIMARY KEY NOT NULL) WITHOUT ROWID;";

#define TRACK_ERROR_MAX 256        /* bytes of an invalid update's reason kept */

enum tracks_st {
	ST_TRACK_ENV,
	ST_TRACK_UPDATE,
	ST_TRACK_LATEST,
	ST_TRACK_COUNT,
	ST_TRACK_ADVANCE,
	ST_TRACK_PICTURE,
	ST_TRACK_CHANGED,
	ST_TRACK_HISTORY,
	ST_TRACK_PENDING,
	ST_ALERT_RAISE,
	ST_ALERT_LIST,
	ST_ALERT_OPEN,
	ST_ALERT_ACK,
	ST_ALERT_STALE,
	ST_INGEST_OPEN,
	ST_INGEST_DONE,
	ST_TRACKS_N
};

/* The rows the two lists read: envelope_id, origin, track_id, exercise,
 * label, stored_ms, updates, record (track_rows). */
/* a track record as stored, opened when sealed at rest */
#define REC "hl_track_record(u.record, u.envelope_id, u.idx)"

static const char *const tracks_sql[ST_TRACKS_N] = {
	/* the envelope an update travels in: origin, flags, order of storage */
	[ST_TRACK_ENV] = "SELECT origin, flags, rowid FROM envelopes WHERE id = ?1",
	[ST_TRACK_UPDATE] = "INSERT INTO track_updates (envelope_id, idx, origin, track_id,"
	    " exercise, observed_s, observed_ns, env_seq, valid, record, error)"
	    " VALUES (?1, ?12, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, substr(?10, 1, ?11))",
	/* the track's latest update before this one (for its alert rules) */
	[ST_TRACK_LATEST] = "SELECT " REC " FROM tracks AS t JOIN track_updates AS u"
	    " ON u.envelope_id = t.envelope_id AND u.idx = t.idx"
	    " WHERE t.origin = ?1 AND t.track_id = ?2 AND t.exercise = ?3",
	/* one more update of the track (the first makes its row) ... */
	[ST_TRACK_COUNT] = "INSERT INTO tracks (origin, track_id, exercise, envelope_id,"
	    " observed_s, observed_ns, env_seq, idx, updates)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, 1)"
	    " ON CONFLICT (origin, track_id, exercise) DO UPDATE SET updates = updates + 1",
	/* ... which supersedes the latest when observed later, or at the same
	 * time and stored later (a later envelope, or later in the same one) */
	[ST_TRACK_ADVANCE] = "UPDATE tracks SET envelope_id = ?4, observed_s = ?5,"
	    " observed_ns = ?6, env_seq = ?7, idx = ?8 WHERE origin = ?1 AND track_id = ?2"
	    " AND exercise = ?3 AND (observed_s, observed_ns, env_seq, idx) < (?5, ?6, ?7, ?8)",
	[ST_TRACK_PICTURE] = "SELECT t.envelope_id, t.origin, t.track_id, t.exercise,"
	    " e.label, e.stored_ms, t.updates, " REC " FROM tracks AS t"
	    " JOIN track_updates AS u ON u.envelope_id = t.envelope_id AND u.idx = t.idx"
	    " JOIN envelopes AS e ON e.id = t.envelope_id"
	    " ORDER BY t.observed_s DESC, t.observed_ns DESC, t.origin, t.track_id, t.exercise"
	    " LIMIT ?1",
	/* the tracks whose latest update is in envelope ?1 at an index in
	 * [?2, ?3): what an ingest slice moved (the key's prefix, then each
	 * track's row) */
	[ST_TRACK_CHANGED] = "SELECT t.envelope_id, t.origin, t.track_id, t.exercise,"
	    " e.label, e.stored_ms, t.updates, " REC " FROM track_updates AS u"
	    " JOIN tracks AS t ON t.origin = u.origin AND t.track_id = u.track_id"
	    " AND t.exercise = u.exercise AND t.envelope_id = u.envelope_id AND t.idx = u.idx"
	    " JOIN envelopes AS e ON e.id = u.envelope_id"
	    " WHERE u.envelope_id = ?1 AND u.idx >= ?2 AND u.idx < ?3 AND u.valid = 1"
	    " ORDER BY u.idx LIMIT ?4",
	[ST_TRACK_HISTORY] = "SELECT u.envelope_id, u.origin, u.track_id, u.exercise,"
	    " e.label, e.stored_ms, 0, " REC " FROM track_updates AS u"
	    " JOIN envelopes AS e ON e.id = u.envelope_id"
	    " WHERE u.valid = 1 AND u.track_id = ?1"
	    " ORDER BY u.observed_s DESC, u.observed_ns DESC, u.env_seq DESC, u.idx DESC LIMIT ?2",
	[ST_TRACK_PENDING] = "SELECT e.id FROM envelopes AS e WHERE e.content_type = ?1"
	    " AND (NOT EXISTS (SELECT 1 FROM track_updates AS u WHERE u.envelope_id = e.id)"
	    " OR EXISTS (SELECT 1 FROM track_ingest_open AS o WHERE o.envelope_id = e.id))"
	    " ORDER BY e.rowid LIMIT ?2",
	[ST_INGEST_OPEN] = "INSERT OR IGNORE INTO track_ingest_open (envelope_id) VALUES (?1)",
	[ST_INGEST_DONE] = "DELETE FROM track_ingest_open WHERE envelope_id = ?1",
	/* a track's alert: raised (again) by an event, unacknowledged */
	[ST_ALERT_RAISE] = "INSERT INTO track_alerts (origin, track_id, exercise, kind, detail,"
	    " raised_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (origin, track_id, exercise)"
	    " DO UPDATE SET kind = excluded.kind, detail = excluded.detail,"
	    " raised_ms = excluded.raised_ms, events = events + 1, acked_ms = 0, acked_by = ''",
	/* alerts (open ones first, newest first) with the label of the track's
	 * latest envelope (rule 4 is the caller's) */
	[ST_ALERT_LIST] = "SELECT a.origin, a.track_id, a.exercise, a.kind, a.detail, a.raised_ms,"
	    " a.events, a.acked_ms, a.acked_by, e.label FROM track_alerts AS a"
	    " JOIN tracks AS t ON t.origin = a.origin AND t.track_id = a.track_id"
	    " AND t.exercise = a.exercise JOIN envelopes AS e ON e.id = t.envelope_id"
	    " WHERE ?1 = 0 OR a.acked_ms = 0 ORDER BY a.acked_ms != 0, a.raised_ms DESC LIMIT ?2",
	/* one track's open alert, the same columns */
	[ST_ALERT_OPEN] = "SELECT a.origin, a.track_id, a.exercise, a.kind, a.detail, a.raised_ms,"
	    " a.events, a.acked_ms, a.acked_by, e.label FROM track_alerts AS a"
	    " JOIN tracks AS t ON t.origin = a.origin AND t.track_id = a.track_id"
	    " AND t.exercise = a.exercise JOIN envelopes AS e ON e.id = t.envelope_id"
	    " WHERE a.origin = ?1 AND a.track_id = ?2 AND a.exercise = ?3 AND a.acked_ms = 0",
	[ST_ALERT_ACK] = "UPDATE track_alerts SET acked_ms = ?4, acked_by = ?5"
	    " WHERE origin = ?1 AND track_id = ?2 AND exercise = ?3 AND acked_ms = 0",
	/* tracks whose latest update was stored before ?1 and that have had no
	 * stale alert since */
	[ST_ALERT_STALE] = "SELECT t.origin, t.track_id, t.exercise, e.stored_ms FROM tracks AS t"
	    " JOIN envelopes AS e ON e.id = t.envelope_id"
	    " LEFT JOIN track_alerts AS a ON a.origin = t.origin AND a.track_id = t.track_id"
	    " AND a.exercise = t.exercise WHERE e.stored_ms < ?1"
	    " AND (a.kind IS NULL OR a.kind NOT IN ('stale', 'dropped') OR a.raised_ms < e.stored_ms)"
	    " LIMIT ?2",
};

const struct store_sql store_sql_tracks = { "tracks", tracks_sql, ST_TRACKS_N };

#define ST(i) store_st(s, STORE_MOD_TRACKS, (i))

void
hl_store_track_rows_free(struct hl_track_row *rows, size_t n)
{
	size_t i;

	for (i = 0; rows != NULL && i < n; i++)
		hl_free(rows[i].record);
	hl_free(rows);
}

/* The envelope an update travels in: origin, exercise flag, order of storage. */
static int
track_env(struct hl_store *s, const uint8_t *id, char *origin, size_t originsz,
    int *exercise, int64_t *seq)
{
	sqlite3_stmt *st = ST(ST_TRACK_ENV);
	int r, have;

	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = store_col_str(st, 0, origin, originsz, 0)) != HL_OK)
		goto out;
	*exercise = (sqlite3_column_int64(st, 1) & HL_ENV_FLAG_EXERCISE) != 0;
	*seq = sqlite3_column_int64(st, 2);
	r = HL_OK;
out:
	store_reset(st);
	return r;
}

/* Bind the key and the order of an update: ?1 origin, ?2 track_id, ?3
 * exercise, ?4 envelope, ?5 observed_s, ?6 observed_ns, ?7 env_seq, ?8 idx. */
static int
bind_update(struct hl_store *s, sqlite3_stmt *st, const uint8_t *id, const char *origin,
    int exercise, const struct hl_store_track_obs *o, int64_t seq)
{
	int r;

	if ((r = store_bind_text(s, st, 1, origin)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, o->track_id)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, exercise)) != HL_OK ||
	    (r = store_bind_blob(s, st, 4, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_i64(s, st, 5, o->observed_s)) != HL_OK ||
	    (r = store_bind_i64(s, st, 6, (int64_t)o->observed_ns)) != HL_OK ||
	    (r = store_bind_i64(s, st, 7, seq)) != HL_OK)
		return r;
	return store_bind_i64(s, st, 8, o->idx);
}

/* The track's latest record before this update. OUT: *prev (hl_free),
 * NULL for a track not seen before. */
static int
track_latest(struct hl_store *s, const char *origin, int exercise,
    const struct hl_store_track_obs *o, uint8_t **prev, size_t *prevlen)
{
	sqlite3_stmt *st = ST(ST_TRACK_LATEST);
	int r, have;

	if ((r = store_bind_text(s, st, 1, origin)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, o->track_id)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, exercise)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	r = have ? store_col_blob_dup(st, 0, HL_TRACK_MAX_BYTES, prev, prevlen) : HL_OK;
out:
	store_reset(st);
	return r;
}

/* Advance (origin, track_id, exercise) in the picture with an update.
 * OUT: *advanced, whether it is now the latest. */
static int
track_advance(struct hl_store *s, const uint8_t *id, const char *origin, int exercise,
    const struct hl_store_track_obs *o, int64_t seq, int first, int *advanced)
{
	sqlite3_stmt *st;
	int r;

	st = ST(ST_TRACK_COUNT);
	if ((r = bind_update(s, st, id, origin, exercise, o, seq)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	if (r != HL_OK)
		return r;
	if (first) {
		*advanced = 1;   /* the row it made is this update */
		return HL_OK;
	}
	st = ST(ST_TRACK_ADVANCE);
	if ((r = bind_update(s, st, id, origin, exercise, o, seq)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	if (r == HL_OK)
		*advanced = store_changes(s) > 0;
	return r;
}

#define TRACK_ROLE_MAX (6 + 2 * HL_ID_BYTES + 1 + 10 + 1)

/* "track <envelope id hex> <index>": what a sealed record is bound to */
static void
track_role(const uint8_t id[static HL_ID_BYTES], unsigned idx, char out[TRACK_ROLE_MAX])
{
	char hex[2 * HL_ID_BYTES + 1];

	hl_hex_id(id, hex);
	snprintf(out, TRACK_ROLE_MAX, "track %s %u", hex, idx);
}

/* hl_track_record(record, envelope_id, idx): the record in clear, or opened */
static void
sql_track_record(sqlite3_context *ctx, int argc, sqlite3_value **argv)
{
	const uint8_t *id = sqlite3_value_blob(argv[1]);
	int ok = id != NULL && sqlite3_value_bytes(argv[1]) == HL_ID_BYTES;
	char role[TRACK_ROLE_MAX];

	(void)argc;
	if (ok)
		track_role(id, (unsigned)sqlite3_value_int64(argv[2]), role);
	store_sql_opened(ctx, argv[0], ok ? role : NULL, 0);
}

int
store_tracks_functions(struct hl_store *s)
{
	return sqlite3_create_function(s->db, "hl_track_record", 3, SQLITE_UTF8 |
	    SQLITE_DETERMINISTIC, s, sql_track_record, NULL, NULL) == SQLITE_OK ? HL_OK :
	    HL_ERR_STORE;
}

int
hl_store_track_put(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], unsigned idx,
    const struct hl_store_track_obs *o, const uint8_t *record, size_t record_len,
    const char *why, struct hl_store_track_put_out *res)
{
	sqlite3_stmt *st = NULL;
	char origin[HL_NODE_NAME_MAX + 1];
	uint8_t *sealed = NULL;
	size_t sealed_len = 0;
	int64_t seq = 0;
	int r, mode = 0, exercise = 0;

	if (res != NULL)
		memset(res, 0, sizeof(*res));
	if (s == NULL || id == NULL || (o != NULL && (record == NULL || record_len == 0 ||
	    o->track_id == NULL || o->track_id[0] == '\0' || o->idx != idx)))
		return HL_ERR_INVALID;
	if (record_len > HL_TRACK_MAX_BYTES || idx >= HL_TRACKS_BATCH_MAX || (o != NULL &&
	    strnlen(o->track_id, HL_TRACK_ID_MAX + 1) > HL_TRACK_ID_MAX))
		return HL_ERR_TOO_BIG;
	if (why == NULL)
		why = "";
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = track_env(s, id, origin, sizeof(origin), &exercise, &seq)) != HL_OK)
		goto out;
	if (res != NULL) {
		snprintf(res->origin, sizeof(res->origin), "%s", origin);
		res->exercise = exercise;
	}
	/* sealed at rest when the node has a content key */
	if (o != NULL && s->have_content_key) {
		char role[TRACK_ROLE_MAX];

		track_role(id, idx, role);
		if ((r = store_seal(s, role, record, record_len, &sealed, &sealed_len)) != HL_OK)
			goto out;
		record = sealed;
		record_len = sealed_len;
	}
	st = ST(ST_TRACK_UPDATE);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, origin)) != HL_OK ||
	    (r = store_bind_i64(s, st, 4, exercise)) != HL_OK ||
	    (r = store_bind_i64(s, st, 7, seq)) != HL_OK ||
	    (r = store_bind_i64(s, st, 8, o != NULL)) != HL_OK ||
	    (r = store_bind_blob(s, st, 9, record, o != NULL ? record_len : 0)) != HL_OK ||
	    (r = store_bind_text(s, st, 10, o != NULL ? "" : why)) != HL_OK ||
	    (r = store_bind_i64(s, st, 11, TRACK_ERROR_MAX)) != HL_OK ||
	    (r = store_bind_i64(s, st, 12, idx)) != HL_OK)
		goto out;
	if (o != NULL &&
	    ((r = store_bind_text(s, st, 3, o->track_id)) != HL_OK ||
	    (r = store_bind_i64(s, st, 5, o->observed_s)) != HL_OK ||
	    (r = store_bind_i64(s, st, 6, (int64_t)o->observed_ns)) != HL_OK))
		goto out;
	if (o == NULL &&
	    ((r = store_bind_null(s, st, 3)) != HL_OK || (r = store_bind_i64(s, st, 5, 0)) != HL_OK ||
	    (r = store_bind_i64(s, st, 6, 0)) != HL_OK))
		goto out;
	if ((r = store_step_done(s, st)) != HL_OK)
		goto out;
	store_reset(st);
	st = NULL;
	if (o == NULL)
		goto out;
	{
		uint8_t *prev = NULL;
		size_t prevlen = 0;
		int adv = 0;

		if ((r = track_latest(s, origin, exercise, o, &prev, &prevlen)) != HL_OK)
			goto out;
		r = track_advance(s, id, origin, exercise, o, seq, prev == NULL, &adv);
		if (r == HL_OK && res != NULL) {
			res->advanced = adv;
			res->prev = prev;
			res->prev_len = prevlen;
			prev = NULL;
		}
		hl_free(prev);
	}
out:
	if (st != NULL)
		store_reset(st);
	hl_free(sealed);
	r = store_op_end(s, mode, r);
	if (r != HL_OK && res != NULL) {
		hl_free(res->prev);
		res->prev = NULL;
		res->prev_len = 0;
		res->advanced = 0;
	}
	return r;
}

int
hl_store_track_ingest_mark(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], int open)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(open ? ST_INGEST_OPEN : ST_INGEST_DONE);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	return store_op_end(s, mode, r);
}

/* ---- alerts ---- */

int
hl_store_track_alert_raise(struct hl_store *s, const char *origin, const char *track_id,
    int exercise, const char *kind, const char *detail, uint64_t now_ms)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || origin == NULL || track_id == NULL || kind == NULL)
		return HL_ERR_INVALID;
	if (detail == NULL)
		detail = "";
	if (strlen(kind) > HL_TRACK_ALERT_KIND_MAX || strlen(detail) > HL_TRACK_ALERT_DETAIL_MAX)
		return HL_ERR_TOO_BIG;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_ALERT_RAISE);
	if ((r = store_bind_text(s, st, 1, origin)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, track_id)) == HL_OK &&
	    (r = store_bind_i64(s, st, 3, exercise != 0)) == HL_OK &&
	    (r = store_bind_text(s, st, 4, kind)) == HL_OK &&
	    (r = store_bind_text(s, st, 5, detail)) == HL_OK &&
	    (r = store_bind_u64(s, st, 6, now_ms)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	return store_op_end(s, mode, r);
}

static int
fill_alert(sqlite3_stmt *st, void *elem, void *arg)
{
	struct hl_track_alert *a = elem;
	const void *p;
	int r, nb;

	(void)arg;
	if ((r = store_col_str(st, 0, a->origin, sizeof(a->origin), 0)) != HL_OK ||
	    (r = store_col_str(st, 1, a->track_id, sizeof(a->track_id), 0)) != HL_OK ||
	    (r = store_col_str(st, 3, a->kind, sizeof(a->kind), 0)) != HL_OK ||
	    (r = store_col_str(st, 4, a->detail, sizeof(a->detail), 1)) != HL_OK ||
	    (r = store_col_str(st, 8, a->acked_by, sizeof(a->acked_by), 1)) != HL_OK)
		return r;
	a->exercise = sqlite3_column_int64(st, 2) != 0;
	a->raised_ms = store_col_u64(st, 5);
	a->events = store_col_u64(st, 6);
	a->acked_ms = store_col_u64(st, 7);
	p = sqlite3_column_blob(st, 9);
	nb = sqlite3_column_bytes(st, 9);
	if (nb < 0 || (size_t)nb > HL_LABEL_MAX_BYTES || (nb > 0 && p == NULL))
		return HL_ERR_CORRUPT;
	if (nb > 0)
		memcpy(a->label, p, (size_t)nb);
	a->label_len = (size_t)nb;
	return HL_OK;
}

/* Run alert query which (?1 an integer, ?2 the LIMIT) into rows of
 * hl_track_alert read by fill. */
static int
alert_rows(struct hl_store *s, enum tracks_st which, int64_t v, size_t max,
    int (*fill)(sqlite3_stmt *st, void *elem, void *arg), struct hl_track_alert **out,
    size_t *n)
{
	sqlite3_stmt *st;
	void *a = NULL;
	int r;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || out == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	st = ST(which);
	if ((r = store_bind_i64(s, st, 1, v)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	r = store_rows(s, st, max, sizeof(**out), fill, NULL, NULL, &a, n);
	*out = a;
	return r;
}

int
hl_store_track_alerts(struct hl_store *s, int open_only, size_t max,
    struct hl_track_alert **out, size_t *n)
{
	return alert_rows(s, ST_ALERT_LIST, open_only != 0, max, fill_alert, out, n);
}

int
hl_store_track_alert_open(struct hl_store *s, const char *origin, const char *track_id,
    int exercise, struct hl_track_alert *out)
{
	sqlite3_stmt *st;
	int r, have;

	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || origin == NULL || track_id == NULL || out == NULL)
		return HL_ERR_INVALID;
	st = ST(ST_ALERT_OPEN);
	if ((r = store_bind_text(s, st, 1, origin)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, track_id)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, exercise != 0)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	r = have ? fill_alert(st, out, NULL) : HL_ERR_NOT_FOUND;
out:
	store_reset(st);
	return r;
}

int
hl_store_track_alert_ack(struct hl_store *s, const char *origin, const char *track_id,
    int exercise, const char *by, uint64_t now_ms)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || origin == NULL || track_id == NULL || by == NULL)
		return HL_ERR_INVALID;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_ALERT_ACK);
	if ((r = store_bind_text(s, st, 1, origin)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, track_id)) == HL_OK &&
	    (r = store_bind_i64(s, st, 3, exercise != 0)) == HL_OK &&
	    (r = store_bind_u64(s, st, 4, now_ms)) == HL_OK &&
	    (r = store_bind_text(s, st, 5, by)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	if (r == HL_OK && store_changes(s) == 0)
		r = HL_ERR_NOT_FOUND;   /* no such alert, or acknowledged already */
	return store_op_end(s, mode, r);
}

static int
fill_stale(sqlite3_stmt *st, void *elem, void *arg)
{
	struct hl_track_alert *a = elem;
	int r;

	(void)arg;
	if ((r = store_col_str(st, 0, a->origin, sizeof(a->origin), 0)) != HL_OK ||
	    (r = store_col_str(st, 1, a->track_id, sizeof(a->track_id), 0)) != HL_OK)
		return r;
	a->exercise = sqlite3_column_int64(st, 2) != 0;
	a->raised_ms = store_col_u64(st, 3);   /* here: when its latest update was stored */
	return HL_OK;
}

int
hl_store_track_stale(struct hl_store *s, uint64_t before_ms, size_t max,
    struct hl_track_alert **out, size_t *n)
{
	return alert_rows(s, ST_ALERT_STALE, before_ms > (uint64_t)INT64_MAX ? INT64_MAX :
	    (int64_t)before_ms, max, fill_stale, out, n);
}

/* A row of the form (envelope_id, origin, track_id, exercise, label,
 * stored_ms, updates, record). */
static int
fill_track(sqlite3_stmt *st, void *elem, void *arg)
{
	struct hl_track_row *row = elem;
	const void *p;
	int r, nb;

	(void)arg;
	if ((r = store_col_id(st, 0, row->id)) != HL_OK ||
	    (r = store_col_str(st, 1, row->origin, sizeof(row->origin), 0)) != HL_OK ||
	    (r = store_col_str(st, 2, row->track_id, sizeof(row->track_id), 0)) != HL_OK)
		return r;
	row->exercise = sqlite3_column_int64(st, 3) != 0;
	p = sqlite3_column_blob(st, 4);
	nb = sqlite3_column_bytes(st, 4);
	if (nb < 0 || (size_t)nb > HL_LABEL_MAX_BYTES || (nb > 0 && p == NULL))
		return HL_ERR_CORRUPT;
	if (nb > 0)
		memcpy(row->label, p, (size_t)nb);
	row->label_len = (size_t)nb;
	row->received_ms = store_col_u64(st, 5);
	row->updates = store_col_u64(st, 6);
	return store_col_blob_dup(st, 7, HL_TRACK_MAX_BYTES, &row->record, &row->record_len);
}

static void
clear_track(void *elem)
{
	struct hl_track_row *row = elem;

	HL_FREE(row->record);
}

/* Run the bound row query st (LIMIT max) to completion, and reset it. */
static int
track_rows(struct hl_store *s, sqlite3_stmt *st, size_t max, struct hl_track_row **rows,
    size_t *n)
{
	void *a = NULL;
	int r;

	r = store_rows(s, st, max, sizeof(**rows), fill_track, NULL, clear_track, &a, n);
	*rows = a;
	return r;
}

int
hl_store_tracks(struct hl_store *s, size_t max, struct hl_track_row **rows, size_t *n)
{
	sqlite3_stmt *st;
	int r;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || rows == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	st = ST(ST_TRACK_PICTURE);
	if ((r = store_bind_limit(s, st, 1, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return track_rows(s, st, max, rows, n);
}

int
hl_store_tracks_changed(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], unsigned from,
    unsigned to, size_t max, struct hl_track_row **rows, size_t *n)
{
	sqlite3_stmt *st;
	int r;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || id == NULL || rows == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (max == 0 || from >= to)
		return HL_OK;
	st = ST(ST_TRACK_CHANGED);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_i64(s, st, 2, from)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, to)) != HL_OK ||
	    (r = store_bind_limit(s, st, 4, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return track_rows(s, st, max, rows, n);
}

int
hl_store_track_history(struct hl_store *s, const char *track_id, size_t max,
    struct hl_track_row **rows, size_t *n)
{
	sqlite3_stmt *st;
	int r;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || track_id == NULL || rows == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	st = ST(ST_TRACK_HISTORY);
	if ((r = store_bind_text(s, st, 1, track_id)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return track_rows(s, st, max, rows, n);
}

int
hl_store_track_pending(struct hl_store *s, uint8_t content_type, size_t max,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n)
{
	sqlite3_stmt *st;
	int r;

	*ids = NULL;
	*n = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	st = ST(ST_TRACK_PENDING);
	if ((r = store_bind_i64(s, st, 1, content_type)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return store_collect_ids(s, st, max, ids, n);
}
