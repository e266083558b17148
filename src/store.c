/* store.c: the node's durable state in SQLite (WAL, synchronous=FULL) and
 * the hash-chained audit log beside it. Schema and guarantees are described
 * in docs/internals/store.md.
 *
 * Every statement is prepared once at open and finalized at close; values
 * are always bound, never formatted into SQL. A mutating function runs in
 * its own BEGIN IMMEDIATE transaction, or, inside a transaction opened with
 * hl_store_begin(), in a savepoint of its own so that a failing call (say a
 * duplicate id) undoes exactly its own writes and the caller's batch can go
 * on. */
#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <sqlite3.h>

#include "alloc.h"
#include "keys.h"
#include "merkle.h"
#include "store.h"
#include "stixdb.h"

#define STORE_SCHEMA_VERSION 10
#define STORE_BUSY_TIMEOUT_MS 5000
#define CKPT_RESTART_PAGES 16384          /* WAL frames (64 MiB of 4 KiB pages) */
/* sqlite3_bind_blob takes an int length. (<limits.h> is shadowed by
 * src/limits.h through gcc's include_next, so no INT_MAX here.) */
#define STORE_BIND_MAX 0x7fffffff
#define STORE_ADHOC_MAX 64

/* Migrations: step[i] brings user_version i to i + 1. Applied in order, all
 * of them in one transaction together with the new user_version. */
#define STORE_TRACKS_SCHEMA \
	"CREATE TABLE IF NOT EXISTS track_updates (" \
	" envelope_id BLOB PRIMARY KEY NOT NULL CHECK (length(envelope_id) = 16)," \
	" origin TEXT NOT NULL," \
	" track_id TEXT," \
	" exercise INTEGER NOT NULL CHECK (exercise IN (0, 1))," \
	" observed_s INTEGER NOT NULL DEFAULT 0," \
	" observed_ns INTEGER NOT NULL DEFAULT 0," \
	" env_seq INTEGER NOT NULL," \
	" valid INTEGER NOT NULL CHECK (valid IN (0, 1))," \
	" record BLOB NOT NULL," \
	" error TEXT NOT NULL DEFAULT '') WITHOUT ROWID;" \
	"CREATE INDEX IF NOT EXISTS track_updates_track ON track_updates" \
	" (track_id, observed_s, observed_ns);" \
	"CREATE TABLE IF NOT EXISTS tracks (" \
	" origin TEXT NOT NULL," \
	" track_id TEXT NOT NULL," \
	" exercise INTEGER NOT NULL CHECK (exercise IN (0, 1))," \
	" envelope_id BLOB NOT NULL," \
	" observed_s INTEGER NOT NULL," \
	" observed_ns INTEGER NOT NULL," \
	" env_seq INTEGER NOT NULL," \
	" updates INTEGER NOT NULL," \
	" PRIMARY KEY (origin, track_id, exercise)) WITHOUT ROWID;" \
	"CREATE INDEX IF NOT EXISTS tracks_observed ON tracks (observed_s, observed_ns);" \
	"CREATE INDEX IF NOT EXISTS envelopes_content_type ON envelopes (content_type);"

/* Operator accounts (v7): name, role (enum hl_role), clearance (policy level
 * index), nationality, scrypt hash (pwhash.h), disabled, times in ms. */
#define STORE_ACCOUNTS_SCHEMA \
	"CREATE TABLE IF NOT EXISTS accounts (" \
	" name TEXT PRIMARY KEY NOT NULL," \
	" role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3)," \
	" clearance INTEGER NOT NULL CHECK (clearance BETWEEN 0 AND 255)," \
	" nationality TEXT NOT NULL," \
	" password_hash TEXT NOT NULL," \
	" disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1))," \
	" created_ms INTEGER NOT NULL," \
	" password_changed_ms INTEGER NOT NULL) WITHOUT ROWID;"

/* Migrations: step[i] brings user_version i to i + 1. Applied in order, all
 * of them in one transaction together with the new user_version. */
static const char *const migrations[STORE_SCHEMA_VERSION] = {
	/* 0 -> 1 */
	"CREATE TABLE envelopes ("
	" id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),"
	" inbound INTEGER NOT NULL CHECK (inbound IN (0, 1)),"
	" origin TEXT NOT NULL,"
	" originator TEXT NOT NULL,"
	" precedence INTEGER NOT NULL,"
	" content_type INTEGER NOT NULL,"
	" flags INTEGER NOT NULL,"
	" suite INTEGER NOT NULL,"
	" label BLOB NOT NULL,"
	" created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL,"
	" stored_ms INTEGER NOT NULL,"
	" acked_ms INTEGER NOT NULL DEFAULT 0,"
	" acked_by TEXT NOT NULL DEFAULT '',"
	" sig_ok INTEGER NOT NULL,"
	" content BLOB NOT NULL,"
	" raw BLOB NOT NULL);"
	"CREATE INDEX envelopes_stored ON envelopes (stored_ms);"
	"CREATE INDEX envelopes_inbound_stored ON envelopes (inbound, stored_ms);"
	"CREATE TABLE deliveries ("
	" id BLOB NOT NULL REFERENCES envelopes (id),"
	" node TEXT NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" reason INTEGER NOT NULL DEFAULT 0,"
	" detail TEXT NOT NULL DEFAULT '',"
	" queued_ms INTEGER NOT NULL,"
	" delivered_ms INTEGER NOT NULL DEFAULT 0,"
	" acked_ms INTEGER NOT NULL DEFAULT 0,"
	" acked_by TEXT NOT NULL DEFAULT '',"
	" rejected_ms INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (id, node)) WITHOUT ROWID;"
	"CREATE INDEX deliveries_node_state ON deliveries (node, state);"
	"CREATE TABLE inbound_seen ("
	" id BLOB PRIMARY KEY NOT NULL CHECK (length(id) = 16),"
	" origin TEXT NOT NULL,"
	" status INTEGER NOT NULL CHECK (status IN (1, 2)),"
	" reason INTEGER NOT NULL DEFAULT 0,"
	" receipt BLOB NOT NULL,"
	" time_ms INTEGER NOT NULL);"
	"CREATE TABLE receipts_out ("
	" id BLOB NOT NULL,"
	" kind INTEGER NOT NULL,"
	" to_node TEXT NOT NULL,"
	" raw BLOB NOT NULL,"
	" done INTEGER NOT NULL DEFAULT 0,"
	" PRIMARY KEY (id, kind));"
	"CREATE INDEX receipts_out_pending ON receipts_out (to_node, done);"
	"CREATE TABLE peers ("
	" node TEXT PRIMARY KEY NOT NULL,"
	" descriptor BLOB NOT NULL,"
	" updated_ms INTEGER NOT NULL);"
	"CREATE TABLE audit ("
	" seq INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL,"
	" event TEXT NOT NULL,"
	" envelope_id BLOB,"
	" actor TEXT NOT NULL,"
	" detail TEXT NOT NULL,"
	" prev_hash BLOB NOT NULL,"
	" hash BLOB NOT NULL);"
	"CREATE TABLE audit_head ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" seq INTEGER NOT NULL,"
	" hash BLOB NOT NULL);",
	/* 1 -> 2: the Merkle log (docs/internals/audit.md): cached leaf hashes
	 * (NULL for entries written before: computed when needed), our signed
	 * checkpoints with the tree frontier at their size, and the
	 * checkpoints partners sent us. */
	"ALTER TABLE audit ADD COLUMN leaf BLOB;"
	"CREATE TABLE audit_checkpoints ("
	" size INTEGER PRIMARY KEY,"
	" time_ms INTEGER NOT NULL,"
	" root BLOB NOT NULL,"
	" raw BLOB NOT NULL,"
	" frontier BLOB NOT NULL);"
	"CREATE TABLE witness_checkpoints ("
	" node TEXT NOT NULL,"
	" size INTEGER NOT NULL,"
	" time_ms INTEGER NOT NULL,"
	" root BLOB NOT NULL,"
	" raw BLOB NOT NULL,"
	" PRIMARY KEY (node, size));",
	/* 2 -> 3: live warning tracks */
	STORE_TRACKS_SCHEMA,
	/* 3 -> 4: envelopes in transit through this node (relay,
	 * store-and-forward): the signed envelope as received, for one final
	 * recipient; no content (a relay cannot read it) */
	"CREATE TABLE transit ("
	" id BLOB NOT NULL CHECK (length(id) = 16),"
	" final TEXT NOT NULL,"
	" origin TEXT NOT NULL,"
	" precedence INTEGER NOT NULL CHECK (precedence BETWEEN 0 AND 3),"
	" created_ms INTEGER NOT NULL,"
	" expires_ms INTEGER NOT NULL,"
	" state INTEGER NOT NULL DEFAULT 0,"
	" queued_ms INTEGER NOT NULL,"
	" raw BLOB NOT NULL,"
	" PRIMARY KEY (id, final)) WITHOUT ROWID;"
	"CREATE INDEX transit_final_state ON transit (final, state);",
	/* 4 -> 5: acknowledgement deadlines: when an envelope became overdue */
	"ALTER TABLE envelopes ADD COLUMN overdue_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE deliveries ADD COLUMN overdue_ms INTEGER NOT NULL DEFAULT 0;",
	/* 5 -> 6: STIX objects, observables index, TAXII status (stixdb.h) */
	HL_STIXDB_SCHEMA,
	/* 6 -> 7: operator accounts managed through the API (src/accounts.c);
	 * console sessions are kept in memory only (src/console.c) */
	STORE_ACCOUNTS_SCHEMA,
	/* 7 -> 8: partial indexes for the acknowledgement-deadline scan
	 * (hl_store_mark_overdue): only rows that can still become overdue */
	"CREATE INDEX IF NOT EXISTS envelopes_unacked_in ON envelopes (precedence, created_ms)"
	" WHERE inbound = 1 AND acked_ms = 0 AND overdue_ms = 0;"
	"CREATE INDEX IF NOT EXISTS deliveries_delivered ON deliveries (id) WHERE state = 1;",
	/* 8 -> 9: the collections holding STIX objects, so that sticky
	 * releasability finds every row of an id (stixdb.h) */
	HL_STIXDB_RELEASE_SCHEMA,
	/* 9 -> 10: names, external ids and references for search (stixdb.h) */
	HL_STIXDB_SEARCH_SCHEMA,
};

enum st {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_ENV_INSERT,
	ST_DLV_INSERT,
	ST_QUEUED_FOR,
	ST_QUEUE_DEPTH,
	ST_DLV_GET,
	ST_DLV_SET_DELIVERED,
	ST_DLV_SET_ACKED,
	ST_DLV_SET_REJECTED,
	ST_DLV_LIST,
	ST_SEEN_GET,
	ST_SEEN_INSERT,
	ST_ACK,
	ST_ACK_CHECK,
	ST_GET,
	ST_LIST_ALL,
	ST_LIST_IN,
	ST_RCPT_INSERT,
	ST_RCPT_PENDING,
	ST_RCPT_DONE,
	ST_PEER_PUT,
	ST_PEER_GET,
	ST_AUDIT_INSERT,
	ST_HEAD_PUT,
	ST_HEAD_GET,
	ST_AUDIT_LAST,
	ST_AUDIT_WALK,
	ST_AUDIT_LIST,
	ST_AUDIT_LEAVES,
	ST_AUDIT_BY_ID,
	ST_CP_INSERT,
	ST_CP_LAST,
	ST_CP_WALK,
	ST_WIT_INSERT,
	ST_WIT_GET,
	ST_WIT_LAST,
	ST_COUNT_IN,
	ST_COUNT_OUT,
	ST_COUNT_AUDIT,
	ST_COUNT
};

/* The message columns in the order row_to_msg() reads them. */
#define MSG_COLS "id, inbound, origin, originator, precedence, content_type, flags," \
	" suite, label, created_ms, expires_ms, stored_ms, acked_ms, acked_by, sig_ok, overdue_ms"
#define MSG_NCOLS 16

static const char *const st_sql[ST_COUNT] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN DEFERRED",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT hl_op",
	[ST_RELEASE] = "RELEASE hl_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO hl_op",
	[ST_ENV_INSERT] = "INSERT INTO envelopes (id, inbound, origin, originator, precedence,"
	    " content_type, flags, suite, label, created_ms, expires_ms, stored_ms, acked_ms,"
	    " acked_by, sig_ok, content, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12, 0, '', ?13, ?14, ?15)",
	[ST_DLV_INSERT] = "INSERT INTO deliveries (id, node, state, queued_ms) VALUES (?1, ?2, 0, ?3)",
	[ST_QUEUED_FOR] = "SELECT d.id FROM deliveries AS d JOIN envelopes AS e ON e.id = d.id"
	    " WHERE d.node = ?1 AND d.state = 0"
	    " ORDER BY e.precedence ASC, e.created_ms ASC, e.rowid ASC LIMIT ?2",
	[ST_QUEUE_DEPTH] = "SELECT (SELECT count(*) FROM deliveries WHERE node = ?1 AND state IN (0, 4))"
	    " + (SELECT count(*) FROM transit WHERE final = ?1 AND state = 0)",
	[ST_DLV_GET] = "SELECT d.state, e.precedence, e.created_ms FROM deliveries AS d"
	    " JOIN envelopes AS e ON e.id = d.id WHERE d.id = ?1 AND d.node = ?2",
	[ST_DLV_SET_DELIVERED] = "UPDATE deliveries SET state = 1, delivered_ms = ?3"
	    " WHERE id = ?1 AND node = ?2",
	[ST_DLV_SET_ACKED] = "UPDATE deliveries SET state = 2, acked_ms = ?3, acked_by = ?4,"
	    " delivered_ms = CASE WHEN delivered_ms = 0 THEN ?3 ELSE delivered_ms END"
	    " WHERE id = ?1 AND node = ?2",
	[ST_DLV_SET_REJECTED] = "UPDATE deliveries SET state = 3, reason = ?3, detail = ?4,"
	    " rejected_ms = ?5 WHERE id = ?1 AND node = ?2",
	[ST_DLV_LIST] = "SELECT node, state, reason, detail, queued_ms, delivered_ms, acked_ms,"
	    " rejected_ms, acked_by FROM deliveries WHERE id = ?1 ORDER BY node",
	[ST_SEEN_GET] = "SELECT status, receipt FROM inbound_seen WHERE id = ?1",
	[ST_SEEN_INSERT] = "INSERT INTO inbound_seen (id, origin, status, reason, receipt, time_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_ACK] = "UPDATE envelopes SET acked_ms = ?2, acked_by = ?3"
	    " WHERE id = ?1 AND inbound = 1 AND acked_ms = 0",
	[ST_ACK_CHECK] = "SELECT acked_ms FROM envelopes WHERE id = ?1 AND inbound = 1",
	[ST_GET] = "SELECT " MSG_COLS ", content, raw FROM envelopes WHERE id = ?1"
	    " AND inbound IN (0, 1)",
	[ST_LIST_ALL] = "SELECT " MSG_COLS ", length(content) FROM envelopes WHERE inbound IN (0, 1)"
	    " ORDER BY stored_ms DESC, rowid DESC LIMIT ?1",
	[ST_LIST_IN] = "SELECT " MSG_COLS ", length(content) FROM envelopes WHERE inbound = 1"
	    " ORDER BY stored_ms DESC, rowid DESC LIMIT ?1",
	[ST_RCPT_INSERT] = "INSERT INTO receipts_out (id, kind, to_node, raw, done)"
	    " VALUES (?1, ?2, ?3, ?4, 0)",
	[ST_RCPT_PENDING] = "SELECT raw FROM receipts_out WHERE to_node = ?1 AND done = 0"
	    " ORDER BY rowid LIMIT ?2",
	[ST_RCPT_DONE] = "UPDATE receipts_out SET done = 1 WHERE id = ?1 AND kind = ?2",
	[ST_PEER_PUT] = "INSERT INTO peers (node, descriptor, updated_ms) VALUES (?1, ?2, ?3)"
	    " ON CONFLICT (node) DO UPDATE SET descriptor = excluded.descriptor,"
	    " updated_ms = excluded.updated_ms",
	[ST_PEER_GET] = "SELECT descriptor FROM peers WHERE node = ?1",
	[ST_AUDIT_INSERT] = "INSERT INTO audit (seq, time_ms, event, envelope_id, actor, detail,"
	    " prev_hash, hash, leaf) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
	[ST_HEAD_PUT] = "INSERT INTO audit_head (id, seq, hash) VALUES (1, ?1, ?2)"
	    " ON CONFLICT (id) DO UPDATE SET seq = excluded.seq, hash = excluded.hash",
	[ST_HEAD_GET] = "SELECT seq, hash FROM audit_head WHERE id = 1",
	[ST_AUDIT_LAST] = "SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1",
	[ST_AUDIT_WALK] = "SELECT seq, time_ms, event, envelope_id, actor, detail, prev_hash, hash,"
	    " leaf FROM audit ORDER BY seq ASC",
	[ST_AUDIT_LIST] = "SELECT seq, time_ms, event, envelope_id, actor, detail FROM audit"
	    " WHERE seq >= ?1 ORDER BY seq ASC LIMIT ?2",
	[ST_AUDIT_LEAVES] = "SELECT seq, time_ms, event, envelope_id, actor, detail, leaf"
	    " FROM audit WHERE seq > ?1 AND seq <= ?2 ORDER BY seq ASC",
	[ST_AUDIT_BY_ID] = "SELECT seq, time_ms, event, envelope_id, actor, detail FROM audit"
	    " WHERE envelope_id = ?1 ORDER BY seq ASC LIMIT ?2",
	[ST_CP_INSERT] = "INSERT INTO audit_checkpoints (size, time_ms, root, raw, frontier)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_CP_LAST] = "SELECT size, raw, frontier FROM audit_checkpoints"
	    " ORDER BY size DESC LIMIT 1",
	[ST_CP_WALK] = "SELECT size, raw FROM audit_checkpoints ORDER BY size ASC",
	[ST_WIT_INSERT] = "INSERT INTO witness_checkpoints (node, size, time_ms, root, raw)"
	    " VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_WIT_GET] = "SELECT root FROM witness_checkpoints WHERE node = ?1 AND size = ?2",
	[ST_WIT_LAST] = "SELECT raw FROM witness_checkpoints WHERE node = ?1"
	    " ORDER BY size DESC LIMIT 1",
	[ST_COUNT_IN] = "SELECT count(*) FROM envelopes WHERE inbound = 1",
	[ST_COUNT_OUT] = "SELECT count(*) FROM envelopes WHERE inbound = 0",
	[ST_COUNT_AUDIT] = "SELECT count(*) FROM audit",
};

struct hl_store {
	sqlite3 *db;
	/* WAL checkpoints run on a thread with its own connection, so a large
	 * commit's checkpoint never lands on the next small (FLASH) commit */
	sqlite3 *ckpt_db;
	pthread_t ckpt_thread;
	int ckpt_running;
	pthread_mutex_t ckpt_mu;
	pthread_cond_t ckpt_cv;
	int ckpt_stop;
	/* set by the checkpoint thread when the WAL needs a checkpoint from
	 * the writer's own connection to start over (see ckpt_main) */
	atomic_int wal_restart;
	sqlite3_stmt *st[ST_COUNT];
	int readonly;
	int in_tx;                  /* hl_store_begin() was called */
	int audit_valid;            /* audit_seq / audit_hash match the database */
	uint64_t audit_seq;         /* last entry's seq (0: empty log) */
	uint8_t audit_hash[HL_SHA256];
	char errmsg[256];
	/* statements of the functions below the table, prepared on first use
	 * and kept (adhoc_prepare); keyed by the SQL literal's address */
	struct { const char *sql; sqlite3_stmt *st; } adhoc[STORE_ADHOC_MAX];
	size_t nadhoc;
	uint64_t queue_gen;         /* bumped on every change to a send queue */
	/* hl_store_mark_overdue: nothing can become overdue before od_due_ms,
	 * for the deadlines od_dl (valid while od_valid) */
	int od_valid;
	uint64_t od_due_ms;
	uint64_t od_dl[4];
	/* a held transaction (hl_store_hold): ended here, before anyone else
	 * starts a write while hold_active is 0; hl_store_hold_end tells the
	 * holder how (the store calls nobody back) */
	int hold;                   /* enum hold_state */
	int hold_active;
	int hold_failed;            /* hl_store_hold_fail: roll it back */
	int hold_result;            /* HOLD_ENDED: how it ended */
};

enum hold_state { HOLD_NONE = 0, HOLD_OPEN, HOLD_ENDED };

/* How an operation is wrapped: its own transaction, or a savepoint inside
 * the caller's. */
enum op_mode { OP_OWN = 1, OP_SAVEPOINT = 2 };

static const uint8_t zero_hash[HL_SHA256];

static int
map_rc(int rc)
{
	switch (rc) {
	case SQLITE_OK:
	case SQLITE_ROW:
	case SQLITE_DONE:
		return HL_OK;
	case SQLITE_CONSTRAINT_PRIMARYKEY:
	case SQLITE_CONSTRAINT_UNIQUE:
		return HL_ERR_EXISTS;
	default:
		break;
	}
	switch (rc & 0xff) {
	case SQLITE_FULL:
		return HL_ERR_FULL;
	case SQLITE_NOMEM:
		return HL_ERR_NOMEM;
	case SQLITE_CORRUPT:
	case SQLITE_NOTADB:
		return HL_ERR_CORRUPT;
	case SQLITE_CONSTRAINT:
		return HL_ERR_INVALID;
	case SQLITE_READONLY:
		return HL_ERR_DENIED;
	default:
		return HL_ERR_STORE;
	}
}

/* Record SQLite's message for rc and return the hotline error for it. */
static int
db_fail(struct hl_store *s, int rc)
{
	const char *m = sqlite3_errmsg(s->db);

	(void)snprintf(s->errmsg, sizeof(s->errmsg), "%s (%s)", m != NULL ? m : "?",
	    sqlite3_errstr(rc));
	return map_rc(rc);
}

/* Reset after use. sqlite3_reset() repeats the error of the last step,
 * which the caller has already handled; clear_bindings cannot fail. Clearing
 * drops the SQLITE_STATIC pointers into the caller's memory. */
static void
st_reset(sqlite3_stmt *st)
{
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

static int
bind_blob(struct hl_store *s, sqlite3_stmt *st, int i, const void *p, size_t n)
{
	int rc;

	if (n > (size_t)STORE_BIND_MAX)
		return HL_ERR_TOO_BIG;
	if (n == 0 || p == NULL)
		rc = sqlite3_bind_zeroblob(st, i, 0);
	else
		rc = sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return db_fail(s, rc);
	return HL_OK;
}

static int
bind_text(struct hl_store *s, sqlite3_stmt *st, int i, const char *t)
{
	int rc;

	rc = sqlite3_bind_text(st, i, t != NULL ? t : "", -1, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return db_fail(s, rc);
	return HL_OK;
}

static int
bind_i64(struct hl_store *s, sqlite3_stmt *st, int i, int64_t v)
{
	int rc;

	rc = sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	if (rc != SQLITE_OK)
		return db_fail(s, rc);
	return HL_OK;
}

/* Times are u64 in the API and stored as their two's-complement i64. */
static int
bind_u64(struct hl_store *s, sqlite3_stmt *st, int i, uint64_t v)
{
	return bind_i64(s, st, i, (int64_t)v);
}

static int
bind_limit(struct hl_store *s, sqlite3_stmt *st, int i, size_t v)
{
	return bind_i64(s, st, i, v > (size_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

static uint64_t
col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

/* Step a statement that returns no row. Does not reset. */
static int
step_done(struct hl_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return db_fail(s, rc == SQLITE_ROW ? SQLITE_MISUSE : rc);
	return HL_OK;
}

/* Step a query: HL_OK with *have 1 (row) or 0 (done). Does not reset. */
static int
step_row(struct hl_store *s, sqlite3_stmt *st, int *have)
{
	int rc = sqlite3_step(st);

	*have = 0;
	if (rc == SQLITE_ROW) {
		*have = 1;
		return HL_OK;
	}
	if (rc == SQLITE_DONE)
		return HL_OK;
	return db_fail(s, rc);
}

/* Run a parameterless statement to completion. */
static int
run(struct hl_store *s, enum st which)
{
	int r = step_done(s, s->st[which]);

	st_reset(s->st[which]);
	return r;
}

/* Copy a TEXT column into out[outsz] (NUL-terminated). Longer than the
 * field: HL_ERR_CORRUPT, or cut when cut is set. */
static int
col_str(sqlite3_stmt *st, int i, char *out, size_t outsz, int cut)
{
	const unsigned char *t;
	int nb;
	size_t n;

	out[0] = '\0';
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return HL_OK;
	t = sqlite3_column_text(st, i);
	nb = sqlite3_column_bytes(st, i);
	if (t == NULL)
		return HL_ERR_NOMEM;
	n = nb > 0 ? (size_t)nb : 0;
	if (n >= outsz) {
		if (!cut)
			return HL_ERR_CORRUPT;
		n = outsz - 1;
	}
	memcpy(out, t, n);
	out[n] = '\0';
	return HL_OK;
}

/* Copy a BLOB column into a new hl_malloc buffer. OUT: *out (caller frees),
 * *len. Longer than max: HL_ERR_CORRUPT. */
static int
col_blob_dup(sqlite3_stmt *st, int i, size_t max, uint8_t **out, size_t *len)
{
	const void *p;
	int nb;
	size_t n;

	*out = NULL;
	*len = 0;
	p = sqlite3_column_blob(st, i);
	nb = sqlite3_column_bytes(st, i);
	n = nb > 0 ? (size_t)nb : 0;
	if (n > 0 && p == NULL)
		return HL_ERR_NOMEM;
	if (n > max)
		return HL_ERR_CORRUPT;
	if ((*out = hl_malloc(n)) == NULL)
		return HL_ERR_NOMEM;
	if (n > 0)
		memcpy(*out, p, n);
	*len = n;
	return HL_OK;
}

static int
check_name(const char *name, size_t max)
{
	size_t n;

	if (name == NULL)
		return HL_ERR_INVALID;
	n = strnlen(name, max + 1);
	if (n == 0)
		return HL_ERR_INVALID;
	if (n > max)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

static int
check_opt_str(const char *t, size_t max)
{
	if (t == NULL)
		return HL_OK;
	if (strnlen(t, max + 1) > max)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

/* ---- transactions ---- */

/* End the held transaction: commit it, or roll it back when the holder
 * said it must not commit; keep the result for hl_store_hold_end. */
static void
hold_close(struct hl_store *s)
{
	int r;

	if (s->hold_failed) {
		hl_store_rollback(s);
		(void)snprintf(s->errmsg, sizeof(s->errmsg),
		    "held transaction rolled back: its holder marked it failed");
		r = HL_ERR_STORE;
	} else {
		r = hl_store_commit(s);
	}
	s->hold = HOLD_ENDED;
	s->hold_result = r;
}

/* Another writer wants the database while the holder's batch is open and
 * not being worked on: it is committed first, here; the holder sends what
 * waited for that commit when it next looks (hl_store_hold_end). */
static void
hold_release(struct hl_store *s)
{
	if (s->hold != HOLD_OPEN || !s->in_tx || s->hold_active)
		return;
	hold_close(s);
}

void
hl_store_hold(struct hl_store *s)
{
	if (s == NULL || !s->in_tx)
		return;
	s->hold = HOLD_OPEN;
	s->hold_active = 1;
	s->hold_failed = 0;
	s->hold_result = HL_OK;
}

void
hl_store_hold_active(struct hl_store *s, int active)
{
	if (s != NULL)
		s->hold_active = active;
}

void
hl_store_hold_fail(struct hl_store *s)
{
	if (s != NULL && s->hold == HOLD_OPEN)
		s->hold_failed = 1;
}

int
hl_store_hold_open(const struct hl_store *s)
{
	return s != NULL && s->hold == HOLD_OPEN && s->in_tx;
}

int
hl_store_hold_end(struct hl_store *s)
{
	int r;

	if (s == NULL || s->hold == HOLD_NONE)
		return HL_ERR_INVALID;
	if (s->hold == HOLD_OPEN)
		hold_close(s);
	r = s->hold_result;
	s->hold = HOLD_NONE;
	s->hold_active = 0;
	return r;
}

/* Changes were undone (rollback): the cached audit head, the overdue
 * deadline and the callers' send-queue lists may no longer match. */
static void
tx_undone(struct hl_store *s)
{
	s->audit_valid = 0;
	s->od_valid = 0;
	s->queue_gen++;
}

/* A row that may become overdue (inbound unacknowledged, or delivered and
 * not acknowledged) was written: the next deadline is no later than its. */
static void
od_lower(struct hl_store *s, int64_t precedence, uint64_t created_ms)
{
	uint64_t due;

	if (!s->od_valid)
		return;
	if (precedence < 0 || precedence > 3) {
		s->od_valid = 0;
		return;
	}
	due = created_ms + s->od_dl[precedence];
	if (due < s->od_due_ms)
		s->od_due_ms = due;
}

static int
op_begin(struct hl_store *s, int *mode)
{
	int r;

	*mode = 0;
	if (s->readonly) {
		(void)snprintf(s->errmsg, sizeof(s->errmsg), "store is open read-only");
		return HL_ERR_DENIED;
	}
	hold_release(s);
	if (s->in_tx) {
		/* SQLite rolls a transaction back by itself on some errors (full
		 * disk, I/O); then a savepoint would open a fresh transaction and
		 * commit on release, outside the caller's batch. */
		if (sqlite3_get_autocommit(s->db)) {
			(void)snprintf(s->errmsg, sizeof(s->errmsg),
			    "transaction was rolled back after an earlier error");
			return HL_ERR_STORE;
		}
		if ((r = run(s, ST_SAVEPOINT)) != HL_OK)
			return r;
		*mode = OP_SAVEPOINT;
		return HL_OK;
	}
	if ((r = run(s, ST_BEGIN)) != HL_OK)
		return r;
	*mode = OP_OWN;
	return HL_OK;
}

/* Finish an operation: commit / release when r is HL_OK, undo otherwise.
 * Returns the operation's final result. */
static int
op_end(struct hl_store *s, int mode, int r)
{
	int r2;

	if (mode == OP_OWN) {
		if (r == HL_OK && (r2 = run(s, ST_COMMIT)) != HL_OK)
			r = r2;
		if (r != HL_OK && !sqlite3_get_autocommit(s->db))
			(void)run(s, ST_ROLLBACK);   /* best effort; nothing else to do */
		if (r != HL_OK)
			tx_undone(s);
	} else if (mode == OP_SAVEPOINT) {
		if (r == HL_OK && (r2 = run(s, ST_RELEASE)) != HL_OK)
			r = r2;
		if (r != HL_OK && !sqlite3_get_autocommit(s->db)) {
			/* undo this operation only, then pop the savepoint */
			(void)run(s, ST_ROLLBACK_TO);
			(void)run(s, ST_RELEASE);
		}
		if (r != HL_OK)
			tx_undone(s);
	}
	return r;
}


int
hl_store_begin(struct hl_store *s)
{
	int r;

	if (s != NULL)
		hold_release(s);
	if (s == NULL || s->in_tx)
		return HL_ERR_INVALID;
	if (s->readonly)
		return HL_ERR_DENIED;
	if ((r = run(s, ST_BEGIN)) != HL_OK)
		return r;
	s->in_tx = 1;
	return HL_OK;
}

int
hl_store_commit(struct hl_store *s)
{
	int r;

	if (s == NULL || !s->in_tx)
		return HL_ERR_INVALID;
	s->in_tx = 0;
	if (s->hold == HOLD_OPEN)
		s->hold = HOLD_NONE;
	if (sqlite3_get_autocommit(s->db)) {
		/* rolled back by SQLite after an error inside the batch */
		(void)snprintf(s->errmsg, sizeof(s->errmsg),
		    "transaction was rolled back after an earlier error");
		tx_undone(s);
		return HL_ERR_STORE;
	}
	if ((r = run(s, ST_COMMIT)) != HL_OK) {
		if (!sqlite3_get_autocommit(s->db))
			(void)run(s, ST_ROLLBACK);
		tx_undone(s);
		return r;
	}
	/* copies what the checkpoint thread has not yet (at most a pass's
	 * worth) and never waits for a lock; see ckpt_main */
	if (atomic_exchange(&s->wal_restart, 0))
		(void)sqlite3_wal_checkpoint_v2(s->db, NULL, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	return HL_OK;
}

void
hl_store_rollback(struct hl_store *s)
{
	if (s == NULL)
		return;
	s->in_tx = 0;
	if (s->hold == HOLD_OPEN)
		s->hold = HOLD_NONE;
	if (!sqlite3_get_autocommit(s->db))
		(void)run(s, ST_ROLLBACK);   /* void API: errmsg keeps the reason */
	tx_undone(s);
}

/* ---- audit cache ---- */

/* Load the chain head: from audit_head when present (so that appending
 * after a deleted tail leaves a visible gap instead of hiding it), else from
 * the last row, else the empty chain. */
static int
audit_load(struct hl_store *s)
{
	sqlite3_stmt *st;
	const void *h;
	int have, r, i;
	enum st q[2] = { ST_HEAD_GET, ST_AUDIT_LAST };

	for (i = 0; i < 2; i++) {
		st = s->st[q[i]];
		if ((r = step_row(s, st, &have)) != HL_OK) {
			st_reset(st);
			return r;
		}
		if (have) {
			h = sqlite3_column_blob(st, 1);
			if (h == NULL || sqlite3_column_bytes(st, 1) != HL_SHA256 ||
			    sqlite3_column_int64(st, 0) < 0) {
				st_reset(st);
				(void)snprintf(s->errmsg, sizeof(s->errmsg),
				    "audit head is malformed");
				return HL_ERR_CORRUPT;
			}
			s->audit_seq = col_u64(st, 0);
			memcpy(s->audit_hash, h, HL_SHA256);
			st_reset(st);
			s->audit_valid = 1;
			return HL_OK;
		}
		st_reset(st);
	}
	s->audit_seq = 0;
	memcpy(s->audit_hash, zero_hash, HL_SHA256);
	s->audit_valid = 1;
	return HL_OK;
}

static int
hash_str(EVP_MD_CTX *c, const void *p, size_t n)
{
	uint8_t be[4];

	if (n > UINT32_MAX)
		return HL_ERR_TOO_BIG;
	be[0] = (uint8_t)(n >> 24);
	be[1] = (uint8_t)(n >> 16);
	be[2] = (uint8_t)(n >> 8);
	be[3] = (uint8_t)n;
	if (EVP_DigestUpdate(c, be, sizeof(be)) != 1)
		return HL_ERR_CRYPTO;
	if (n > 0 && EVP_DigestUpdate(c, p, n) != 1)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

static int
hash_u64(EVP_MD_CTX *c, uint64_t v)
{
	uint8_t be[8];
	int i;

	for (i = 0; i < 8; i++)
		be[i] = (uint8_t)(v >> (56 - 8 * i));
	if (EVP_DigestUpdate(c, be, sizeof(be)) != 1)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

/* SHA-256(prev || u64 seq || u64 time || str event || id[16] || str actor
 * || str detail), str = u32 big-endian length || bytes. */
static int
audit_hash(const uint8_t prev[static HL_SHA256], uint64_t seq, uint64_t time_ms,
    const void *event, size_t event_len, const uint8_t *id, const void *actor,
    size_t actor_len, const void *detail, size_t detail_len, uint8_t out[static HL_SHA256])
{
	static const uint8_t zero_id[HL_ID_BYTES];
	EVP_MD_CTX *c = NULL;
	unsigned int olen = 0;
	int r = HL_ERR_CRYPTO;

	if ((c = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestInit_ex(c, EVP_sha256(), NULL) != 1)
		goto out;
	if (EVP_DigestUpdate(c, prev, HL_SHA256) != 1)
		goto out;
	if ((r = hash_u64(c, seq)) != HL_OK ||
	    (r = hash_u64(c, time_ms)) != HL_OK ||
	    (r = hash_str(c, event, event_len)) != HL_OK)
		goto out;
	r = HL_ERR_CRYPTO;
	if (EVP_DigestUpdate(c, id != NULL ? id : zero_id, HL_ID_BYTES) != 1)
		goto out;
	if ((r = hash_str(c, actor, actor_len)) != HL_OK ||
	    (r = hash_str(c, detail, detail_len)) != HL_OK)
		goto out;
	r = HL_ERR_CRYPTO;
	if (EVP_DigestFinal_ex(c, out, &olen) != 1 || olen != HL_SHA256)
		goto out;
	r = HL_OK;
out:
	EVP_MD_CTX_free(c);
	return r;
}

/* ---- open / close ---- */

/* Run one PRAGMA (static text, no data) and optionally copy the first
 * column of its first row. */
static int
pragma(sqlite3 *db, const char *sql, char *val, size_t vallen, int *rcout)
{
	sqlite3_stmt *st = NULL;
	const unsigned char *t;
	int rc;

	if (val != NULL && vallen > 0)
		val[0] = '\0';
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		if (val != NULL && vallen > 0 && (t = sqlite3_column_text(st, 0)) != NULL)
			(void)snprintf(val, vallen, "%s", (const char *)t);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
out:
	(void)sqlite3_finalize(st);   /* repeats the step error, handled above */
	*rcout = rc;
	return map_rc(rc);
}

static int
pragma_int(sqlite3 *db, const char *sql, int64_t *v, int *rcout)
{
	sqlite3_stmt *st = NULL;
	int rc;

	*v = 0;
	rc = sqlite3_prepare_v2(db, sql, -1, &st, NULL);
	if (rc != SQLITE_OK)
		goto out;
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		*v = sqlite3_column_int64(st, 0);
		rc = SQLITE_OK;
	} else if (rc == SQLITE_DONE)
		rc = SQLITE_OK;
out:
	(void)sqlite3_finalize(st);
	*rcout = rc;
	return map_rc(rc);
}

/* Create the file 0600 before SQLite does (it would use 0644 & ~umask), and
 * tighten an existing one; -wal and -shm inherit the database's mode. */
static int
create_private(const char *path, char *err, size_t errlen)
{
	struct stat sb;
	int fd, r = HL_ERR_IO;

	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
	if (fd == -1) {
		hl_set_err(err, errlen, "DB: cannot open %s: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	if (fstat(fd, &sb) == -1) {
		hl_set_err(err, errlen, "DB: cannot stat %s: %s", path, strerror(errno));
		goto out;
	}
	if (!S_ISREG(sb.st_mode)) {
		hl_set_err(err, errlen, "DB: %s is not a regular file", path);
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((sb.st_mode & 077) != 0 && fchmod(fd, 0600) == -1) {
		hl_set_err(err, errlen, "DB: cannot chmod 0600 %s: %s", path, strerror(errno));
		goto out;
	}
	r = HL_OK;
out:
	(void)close(fd);   /* opened read-write only to create; nothing written */
	return r;
}

/* Is the file a SQLite database, and does quick_check pass? */
static int
check_integrity(sqlite3 *db, const char *path, char *err, size_t errlen)
{
	char val[200], *p;
	int rc, r;

	r = pragma(db, "PRAGMA quick_check", val, sizeof(val), &rc);
	if (rc == SQLITE_NOTADB) {
		hl_set_err(err, errlen, "DB: %s is not a SQLite database (%s)", path,
		    sqlite3_errmsg(db));
		return HL_ERR_CORRUPT;
	}
	if ((rc & 0xff) == SQLITE_CORRUPT) {
		hl_set_err(err, errlen, "DB: %s is corrupt and is not used (quick_check: %s)", path,
		    sqlite3_errmsg(db));
		return HL_ERR_CORRUPT;
	}
	if (r != HL_OK) {
		hl_set_err(err, errlen, "DB: cannot read %s: %s", path, sqlite3_errmsg(db));
		return r;
	}
	if (strcmp(val, "ok") != 0) {
		/* quick_check's first row may span lines: keep the message on one */
		for (p = val; *p != '\0'; p++)
			if (*p == '\n' || *p == '\r' || *p == '\t')
				*p = ' ';
		hl_set_err(err, errlen, "DB: %s is corrupt and is not used (quick_check: %s)", path, val);
		return HL_ERR_CORRUPT;
	}
	return HL_OK;
}

/* Bring the schema to STORE_SCHEMA_VERSION, or refuse a version we do not
 * know. Read-only: only the current version is accepted. */
static int
migrate(sqlite3 *db, int readonly, char *err, size_t errlen)
{
	char sql[64], *emsg = NULL;
	int64_t ver, ntables;
	int rc, r, began = 0;

	if ((r = pragma_int(db, "PRAGMA user_version", &ver, &rc)) != HL_OK) {
		hl_set_err(err, errlen, "DB: cannot read schema version: %s", sqlite3_errmsg(db));
		return r;
	}
	if (ver > STORE_SCHEMA_VERSION || ver < 0) {
		hl_set_err(err, errlen, "DB: schema version %lld is newer than this hotline "
		    "supports (%d): refusing to open; upgrade hotline", (long long)ver,
		    STORE_SCHEMA_VERSION);
		return HL_ERR_VERSION;
	}
	if (ver == STORE_SCHEMA_VERSION)
		return HL_OK;
	if (readonly) {
		if (ver == 0)
			hl_set_err(err, errlen, "DB: not a hotline database (no schema)");
		else
			hl_set_err(err, errlen, "DB: schema version %lld is older than %d: open "
			    "it read-write once to migrate", (long long)ver,
			    STORE_SCHEMA_VERSION);
		return HL_ERR_VERSION;
	}
	rc = sqlite3_exec(db, "BEGIN IMMEDIATE", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot begin migration: %s", sqlite3_errmsg(db));
		r = map_rc(rc);
		goto out;
	}
	began = 1;
	if (ver == 0) {
		/* A version-0 file must be empty: not somebody else's database. */
		if ((r = pragma_int(db, "SELECT count(*) FROM sqlite_schema", &ntables,
		    &rc)) != HL_OK) {
			hl_set_err(err, errlen, "DB: cannot read schema: %s", sqlite3_errmsg(db));
			goto out;
		}
		if (ntables != 0) {
			hl_set_err(err, errlen, "DB: file holds tables but no hotline schema "
			    "version: not a hotline database");
			r = HL_ERR_VERSION;
			goto out;
		}
	}
	for (; ver < STORE_SCHEMA_VERSION; ver++) {
		rc = sqlite3_exec(db, migrations[ver], NULL, NULL, &emsg);
		if (rc != SQLITE_OK) {
			hl_set_err(err, errlen, "DB: migration to schema version %lld failed: %s",
			    (long long)ver + 1, emsg != NULL ? emsg : sqlite3_errstr(rc));
			r = map_rc(rc);
			goto out;
		}
	}
	/* PRAGMA takes no parameters: the value is our own constant. */
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot set schema version: %s", sqlite3_errmsg(db));
		r = map_rc(rc);
		goto out;
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot commit migration: %s", sqlite3_errmsg(db));
		r = map_rc(rc);
		goto out;
	}
	began = 0;
	r = HL_OK;
out:
	if (began && !sqlite3_get_autocommit(db))
		(void)sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
	sqlite3_free(emsg);
	return r;
}

#define CKPT_INTERVAL_MS 200

static void *
ckpt_main(void *arg)
{
	struct hl_store *s = arg;
	struct timespec ts;
	int nlog, nckpt, behind = 0, last = 0;

	pthread_mutex_lock(&s->ckpt_mu);
	while (!s->ckpt_stop) {
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_nsec += CKPT_INTERVAL_MS * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		pthread_cond_timedwait(&s->ckpt_cv, &s->ckpt_mu, &ts);
		if (s->ckpt_stop)
			break;
		pthread_mutex_unlock(&s->ckpt_mu);
		/* PASSIVE: copies what it can without blocking the writer */
		(void)sqlite3_wal_checkpoint_v2(s->ckpt_db, NULL, SQLITE_CHECKPOINT_PASSIVE, &nlog,
		    &nckpt);
		/* Under sustained writes the WAL never starts over, even when
		 * passive passes copy every frame: a writer restarts it only if it
		 * begins a transaction while nothing is left to copy, and the next
		 * commit always lands first. So it grows without bound (make bench:
		 * 5 GB in a TAXII fill). When it is past CKPT_RESTART_PAGES and has
		 * not started over since the last pass, twice running, the writer
		 * is asked to run a passive checkpoint itself right after its next
		 * commit (hl_store_commit): nothing is left to copy when its next
		 * transaction begins, so that one starts the WAL over (and
		 * journal_size_limit trims it). A RESTART checkpoint here would do
		 * the same but hold the writer for as long as it takes (seconds
		 * after a TAXII bulk: make bench saw a 5 s stall). One large commit
		 * (a 50 MB envelope) does not trigger it: the next write after a
		 * pass starts the WAL over by itself. */
		behind = nlog >= CKPT_RESTART_PAGES && nlog >= last ? behind + 1 : 0;
		last = nlog;
		if (behind >= 2) {
			atomic_store(&s->wal_restart, 1);
			behind = 0;
		}
		pthread_mutex_lock(&s->ckpt_mu);
	}
	pthread_mutex_unlock(&s->ckpt_mu);
	return NULL;
}

static void
ckpt_stop(struct hl_store *s)
{
	if (!s->ckpt_running)
		return;
	pthread_mutex_lock(&s->ckpt_mu);
	s->ckpt_stop = 1;
	pthread_cond_signal(&s->ckpt_cv);
	pthread_mutex_unlock(&s->ckpt_mu);
	pthread_join(s->ckpt_thread, NULL);
	pthread_cond_destroy(&s->ckpt_cv);
	pthread_mutex_destroy(&s->ckpt_mu);
	s->ckpt_running = 0;
}

/* Auto-checkpoints off on the main connection; a thread checkpoints instead. */
static int
ckpt_start(struct hl_store *s, const char *path, char *err, size_t errlen)
{
	int rc;

	if ((rc = sqlite3_open_v2(path, &s->ckpt_db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
	    NULL)) != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot open the checkpoint connection: %s",
		    s->ckpt_db != NULL ? sqlite3_errmsg(s->ckpt_db) : sqlite3_errstr(rc));
		return HL_ERR_STORE;
	}
	sqlite3_busy_timeout(s->ckpt_db, 1000);
	/* a connection that has never read the database has not opened the WAL,
	 * and its checkpoints do nothing (found by make bench: the WAL grew
	 * without bound); one read opens it. journal_size_limit: the WAL file
	 * shrinks back after a burst once a checkpoint has reset it. */
	if (sqlite3_exec(s->ckpt_db, "SELECT count(*) FROM sqlite_master", NULL, NULL,
	    NULL) != SQLITE_OK ||
	    sqlite3_exec(s->db, "PRAGMA journal_size_limit = 67108864", NULL, NULL,
	    NULL) != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot prepare the checkpoint connection: %s",
		    sqlite3_errmsg(s->ckpt_db));
		return HL_ERR_STORE;
	}
	if (sqlite3_wal_autocheckpoint(s->db, 0) != SQLITE_OK ||
	    pthread_mutex_init(&s->ckpt_mu, NULL) != 0)
		return HL_ERR_STORE;
	if (pthread_cond_init(&s->ckpt_cv, NULL) != 0) {
		pthread_mutex_destroy(&s->ckpt_mu);
		return HL_ERR_STORE;
	}
	if (pthread_create(&s->ckpt_thread, NULL, ckpt_main, s) != 0) {
		pthread_cond_destroy(&s->ckpt_cv);
		pthread_mutex_destroy(&s->ckpt_mu);
		hl_set_err(err, errlen, "DB: cannot start the checkpoint thread");
		return HL_ERR_STORE;
	}
	s->ckpt_running = 1;
	return HL_OK;
}

static void
store_free(struct hl_store *s)
{
	int i;

	if (s == NULL)
		return;
	ckpt_stop(s);
	if (s->ckpt_db != NULL && sqlite3_close(s->ckpt_db) != SQLITE_OK)
		(void)sqlite3_close_v2(s->ckpt_db);
	for (i = 0; i < ST_COUNT; i++) {
		/* finalize repeats the last step's error, already handled */
		(void)sqlite3_finalize(s->st[i]);
		s->st[i] = NULL;
	}
	for (size_t k = 0; k < s->nadhoc; k++)
		(void)sqlite3_finalize(s->adhoc[k].st);
	s->nadhoc = 0;
	if (s->db != NULL && sqlite3_close(s->db) != SQLITE_OK)
		(void)sqlite3_close_v2(s->db);   /* cannot happen: all finalized */
	OPENSSL_cleanse(s, sizeof(*s));
	hl_free(s);
}

static int
store_open(const char *path, int readonly, struct hl_store **out, char *err, size_t errlen)
{
	struct hl_store *s = NULL;
	char val[32];
	int rc, r = HL_ERR_INTERNAL, flags, i, v;

	if (out != NULL)
		*out = NULL;
	hl_set_err(err, errlen, "%s", "");
	if (path == NULL || out == NULL || path[0] == '\0') {
		hl_set_err(err, errlen, "DB: no database path");
		return HL_ERR_INVALID;
	}
	if ((s = hl_calloc(1, sizeof(*s))) == NULL) {
		hl_set_err(err, errlen, "DB: out of memory");
		return HL_ERR_NOMEM;
	}
	s->readonly = readonly;
	if (readonly) {
		flags = SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX;
	} else {
		if ((r = create_private(path, err, errlen)) != HL_OK)
			goto out;
		flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
	}
	rc = sqlite3_open_v2(path, &s->db, flags, NULL);
	if (rc != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot open %s: %s", path,
		    s->db != NULL ? sqlite3_errmsg(s->db) : sqlite3_errstr(rc));
		r = (rc & 0xff) == SQLITE_CANTOPEN ? HL_ERR_IO : map_rc(rc);
		goto out;
	}
	if ((rc = sqlite3_extended_result_codes(s->db, 1)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &v)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &v)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot configure SQLite: %s", sqlite3_errstr(rc));
		r = map_rc(rc);
		goto out;
	}
	if ((r = pragma(s->db, "PRAGMA foreign_keys = ON", NULL, 0, &rc)) != HL_OK) {
		hl_set_err(err, errlen, "DB: cannot enable foreign keys: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	if ((r = check_integrity(s->db, path, err, errlen)) != HL_OK)
		goto out;
	if (!readonly) {
		if ((r = pragma(s->db, "PRAGMA journal_mode = WAL", val, sizeof(val), &rc)) !=
		    HL_OK || strcmp(val, "wal") != 0) {
			hl_set_err(err, errlen, "DB: cannot switch to WAL mode: %s",
			    r != HL_OK ? sqlite3_errmsg(s->db) : val);
			if (r == HL_OK)
				r = HL_ERR_STORE;
			goto out;
		}
	}
	if ((r = pragma(s->db, "PRAGMA synchronous = FULL", NULL, 0, &rc)) != HL_OK) {
		hl_set_err(err, errlen, "DB: cannot set synchronous=FULL: %s", sqlite3_errmsg(s->db));
		goto out;
	}
	if ((r = migrate(s->db, readonly, err, errlen)) != HL_OK)
		goto out;
	for (i = 0; i < ST_COUNT; i++) {
		rc = sqlite3_prepare_v3(s->db, st_sql[i], -1, SQLITE_PREPARE_PERSISTENT,
		    &s->st[i], NULL);
		if (rc != SQLITE_OK) {
			hl_set_err(err, errlen, "DB: cannot prepare statement %d: %s "
			    "(schema damaged?)", i, sqlite3_errmsg(s->db));
			r = (rc & 0xff) == SQLITE_ERROR ? HL_ERR_CORRUPT : map_rc(rc);
			goto out;
		}
	}
	if ((r = audit_load(s)) != HL_OK) {
		hl_set_err(err, errlen, "DB: cannot read the audit head: %s", s->errmsg);
		goto out;
	}
	if (!readonly && (r = ckpt_start(s, path, err, errlen)) != HL_OK)
		goto out;
	*out = s;
	s = NULL;
	r = HL_OK;
out:
	store_free(s);
	return r;
}

int
hl_store_open(const char *path, struct hl_store **out, char *err, size_t errlen)
{
	return store_open(path, 0, out, err, errlen);
}

int
hl_store_open_readonly(const char *path, struct hl_store **out, char *err, size_t errlen)
{
	return store_open(path, 1, out, err, errlen);
}

void
hl_store_close(struct hl_store *s)
{
	if (s == NULL)
		return;
	if (s->in_tx || (s->db != NULL && !sqlite3_get_autocommit(s->db)))
		hl_store_rollback(s);
	store_free(s);
}

/* The raw connection, for modules that own tables (accounts.c, stixdb.c).
 * Main thread only, like every other call here. */
sqlite3 *
hl_store_db(struct hl_store *s)
{
	return s != NULL ? s->db : NULL;
}

int
hl_store_no_fsync(struct hl_store *s)
{
	return sqlite3_exec(s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL) == SQLITE_OK ?
	    HL_OK : HL_ERR_STORE;
}

const char *
hl_store_errmsg(const struct hl_store *s)
{
	return s != NULL ? s->errmsg : "";
}

const char *
hl_delivery_state_name(int state)
{
	switch (state) {
	case HL_DLV_QUEUED: return "queued";
	case HL_DLV_DELIVERED: return "delivered";
	case HL_DLV_ACKNOWLEDGED: return "acknowledged";
	case HL_DLV_REJECTED: return "rejected";
	case HL_DLV_AWAITING_KEY: return "awaiting-key";
	case HL_DLV_OVERDUE: return "overdue";
	}
	return "unknown";
}

void
hl_msg_clear(struct hl_msg *m)
{
	if (m == NULL)
		return;
	hl_free_secret(m->content, m->content_len);
	hl_free_secret(m->raw, m->raw_len);
	OPENSSL_cleanse(m, sizeof(*m));
}

/* ---- envelopes ---- */

static int
check_msg(const struct hl_msg *m)
{
	if (m == NULL)
		return HL_ERR_INVALID;
	if (check_name(m->origin, HL_NODE_NAME_MAX) != HL_OK ||
	    strnlen(m->originator, sizeof(m->originator)) == sizeof(m->originator))
		return HL_ERR_INVALID;
	if (m->label_len > HL_LABEL_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if (m->raw == NULL || m->raw_len == 0 || (m->content == NULL && m->content_len > 0))
		return HL_ERR_INVALID;
	if (m->raw_len > HL_ENVELOPE_MAX_BYTES || m->content_len > HL_CONTENT_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

static int
env_insert(struct hl_store *s, const struct hl_msg *m, int inbound, uint64_t stored_ms)
{
	sqlite3_stmt *st = s->st[ST_ENV_INSERT];
	int r;

	if ((r = bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_i64(s, st, 2, inbound)) != HL_OK ||
	    (r = bind_text(s, st, 3, m->origin)) != HL_OK ||
	    (r = bind_text(s, st, 4, m->originator)) != HL_OK ||
	    (r = bind_i64(s, st, 5, m->precedence)) != HL_OK ||
	    (r = bind_i64(s, st, 6, m->content_type)) != HL_OK ||
	    (r = bind_i64(s, st, 7, m->flags)) != HL_OK ||
	    (r = bind_i64(s, st, 8, m->suite)) != HL_OK ||
	    (r = bind_blob(s, st, 9, m->label, m->label_len)) != HL_OK ||
	    (r = bind_u64(s, st, 10, m->created_ms)) != HL_OK ||
	    (r = bind_u64(s, st, 11, m->expires_ms)) != HL_OK ||
	    (r = bind_u64(s, st, 12, stored_ms)) != HL_OK ||
	    (r = bind_i64(s, st, 13, m->sig_ok ? 1 : 0)) != HL_OK ||
	    (r = bind_blob(s, st, 14, m->content, m->content_len)) != HL_OK ||
	    (r = bind_blob(s, st, 15, m->raw, m->raw_len)) != HL_OK)
		goto out;
	r = step_done(s, st);
out:
	st_reset(st);
	return r;
}

int
hl_store_put_outbound(struct hl_store *s, const struct hl_msg *m,
    const char *const *recipients, unsigned nrecipients, uint64_t now_ms)
{
	sqlite3_stmt *st;
	unsigned i;
	int r, mode = 0;

	if (s == NULL || recipients == NULL || nrecipients == 0)
		return HL_ERR_INVALID;
	if (nrecipients > HL_RECIPIENTS_MAX)
		return HL_ERR_TOO_BIG;
	if ((r = check_msg(m)) != HL_OK)
		return r;
	for (i = 0; i < nrecipients; i++)
		if ((r = check_name(recipients[i], HL_NODE_NAME_MAX)) != HL_OK)
			return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = env_insert(s, m, 0, now_ms)) != HL_OK)
		goto out;
	st = s->st[ST_DLV_INSERT];
	for (i = 0; i < nrecipients; i++) {
		if ((r = bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
		    (r = bind_text(s, st, 2, recipients[i])) != HL_OK ||
		    (r = bind_u64(s, st, 3, now_ms)) != HL_OK) {
			st_reset(st);
			goto out;
		}
		r = step_done(s, st);
		st_reset(st);
		if (r == HL_ERR_EXISTS)
			r = HL_ERR_INVALID;   /* the same recipient twice */
		if (r != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	s->queue_gen++;
	return op_end(s, mode, r);
}

/* Collect the BLOB id column 0 of up to max rows. */
int
hl_store_queued_for(struct hl_store *s, const char *peer, uint8_t (**ids)[HL_ID_BYTES],
    size_t *n, size_t max)
{
	sqlite3_stmt *st;
	uint8_t (*a)[HL_ID_BYTES] = NULL, (*na)[HL_ID_BYTES];
	size_t cnt = 0, cap = 0;
	const void *p;
	int r, have;

	if (ids != NULL)
		*ids = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || ids == NULL || n == NULL)
		return HL_ERR_INVALID;
	if ((r = check_name(peer, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if (max == 0)
		return HL_OK;
	st = s->st[ST_QUEUED_FOR];
	if ((r = bind_text(s, st, 1, peer)) != HL_OK ||
	    (r = bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		p = sqlite3_column_blob(st, 0);
		if (p == NULL || sqlite3_column_bytes(st, 0) != HL_ID_BYTES) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if (cap > max)
				cap = max;
			if ((na = hl_realloc(a, cap * sizeof(*a))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		memcpy(a[cnt++], p, HL_ID_BYTES);
	}
	*ids = a;
	*n = cnt;
	a = NULL;
	r = HL_OK;
out:
	st_reset(st);
	hl_free(a);
	return r;
}

static int
count_query(struct hl_store *s, enum st which, const char *arg, uint64_t *v)
{
	sqlite3_stmt *st = s->st[which];
	int r, have;

	*v = 0;
	if (arg != NULL && (r = bind_text(s, st, 1, arg)) != HL_OK)
		goto out;
	if ((r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	*v = col_u64(st, 0);
	r = HL_OK;
out:
	st_reset(st);
	return r;
}

int
hl_store_queue_depth(struct hl_store *s, const char *peer, uint64_t *n)
{
	int r;

	if (n != NULL)
		*n = 0;
	if (s == NULL || n == NULL)
		return HL_ERR_INVALID;
	if ((r = check_name(peer, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	return count_query(s, ST_QUEUE_DEPTH, peer, n);
}

/* Apply one receipt under the never-backwards rule. */
static int
delivery_apply(struct hl_store *s, const uint8_t *id, const char *node, int state,
    uint8_t reason, const char *detail, const char *acked_by, uint64_t time_ms)
{
	sqlite3_stmt *st = s->st[ST_DLV_GET];
	int64_t cur;
	int r, have;

	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, node)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK) {
		st_reset(st);
		return r;
	}
	cur = have ? sqlite3_column_int64(st, 0) : -1;
	if (have && state == HL_DLV_DELIVERED)
		od_lower(s, sqlite3_column_int64(st, 1), col_u64(st, 2));
	st_reset(st);
	if (!have)
		return HL_ERR_NOT_FOUND;
	/* Rejected and acknowledged are final; delivered only follows queued;
	 * acknowledged follows queued or delivered; rejected only follows
	 * queued (a node that stored the envelope cannot reject it later). */
	if (cur != HL_DLV_QUEUED && cur != HL_DLV_AWAITING_KEY &&
	    !((cur == HL_DLV_DELIVERED || cur == HL_DLV_OVERDUE) && state == HL_DLV_ACKNOWLEDGED))
		return HL_OK;
	switch (state) {
	case HL_DLV_DELIVERED:
		st = s->st[ST_DLV_SET_DELIVERED];
		if ((r = bind_u64(s, st, 3, time_ms)) != HL_OK)
			goto out;
		break;
	case HL_DLV_ACKNOWLEDGED:
		st = s->st[ST_DLV_SET_ACKED];
		if ((r = bind_u64(s, st, 3, time_ms)) != HL_OK ||
		    (r = bind_text(s, st, 4, acked_by)) != HL_OK)
			goto out;
		break;
	default:
		st = s->st[ST_DLV_SET_REJECTED];
		if ((r = bind_i64(s, st, 3, reason)) != HL_OK ||
		    (r = bind_text(s, st, 4, detail)) != HL_OK ||
		    (r = bind_u64(s, st, 5, time_ms)) != HL_OK)
			goto out;
		break;
	}
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, node)) != HL_OK)
		goto out;
	r = step_done(s, st);
out:
	st_reset(st);
	return r;
}

int
hl_store_delivery_update(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int state, uint8_t reason, const char *detail,
    const char *acked_by, uint64_t time_ms)
{
	int r, mode = 0;

	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	if (state != HL_DLV_DELIVERED && state != HL_DLV_ACKNOWLEDGED &&
	    state != HL_DLV_REJECTED)
		return HL_ERR_INVALID;
	if ((r = check_name(node, HL_NODE_NAME_MAX)) != HL_OK ||
	    (r = check_opt_str(detail, HL_REASON_MAX)) != HL_OK ||
	    (r = check_opt_str(acked_by, HL_OPERATOR_MAX)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	r = delivery_apply(s, id, node, state, reason, detail, acked_by, time_ms);
	s->queue_gen++;
	return op_end(s, mode, r);
}

int
hl_store_deliveries(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    struct hl_delivery **d, size_t *n)
{
	sqlite3_stmt *st;
	struct hl_delivery *a = NULL, *na, *e;
	size_t cnt = 0, cap = 0;
	int64_t state, reason;
	int r, have;

	if (d != NULL)
		*d = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || id == NULL || d == NULL || n == NULL)
		return HL_ERR_INVALID;
	st = s->st[ST_DLV_LIST];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == cap) {
			if (cap >= HL_RECIPIENTS_MAX * 4) {
				r = HL_ERR_CORRUPT;
				goto out;
			}
			cap = cap == 0 ? 4 : cap * 2;
			if ((na = hl_realloc(a, cap * sizeof(*a))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		e = &a[cnt];
		memset(e, 0, sizeof(*e));
		state = sqlite3_column_int64(st, 1);
		reason = sqlite3_column_int64(st, 2);
		if (state < HL_DLV_QUEUED || state > HL_DLV_OVERDUE || reason < 0 ||
		    reason > UINT8_MAX) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		if ((r = col_str(st, 0, e->node, sizeof(e->node), 0)) != HL_OK ||
		    (r = col_str(st, 3, e->detail, sizeof(e->detail), 0)) != HL_OK ||
		    (r = col_str(st, 8, e->acked_by, sizeof(e->acked_by), 0)) != HL_OK)
			goto out;
		e->state = (int)state;
		e->reason = (uint8_t)reason;
		e->queued_ms = col_u64(st, 4);
		e->delivered_ms = col_u64(st, 5);
		e->acked_ms = col_u64(st, 6);
		e->rejected_ms = col_u64(st, 7);
		cnt++;
	}
	if (cnt == 0) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	*d = a;
	*n = cnt;
	a = NULL;
	r = HL_OK;
out:
	st_reset(st);
	hl_free(a);
	return r;
}

/* ---- inbound ---- */

int
hl_store_inbound_seen(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    int *status, uint8_t **receipt, size_t *receipt_len)
{
	sqlite3_stmt *st;
	uint8_t *rc = NULL;
	size_t rlen = 0;
	int64_t stv;
	int r, have;

	if (status != NULL)
		*status = 0;
	if (receipt != NULL)
		*receipt = NULL;
	if (receipt_len != NULL)
		*receipt_len = 0;
	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	st = s->st[ST_SEEN_GET];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	stv = sqlite3_column_int64(st, 0);
	if (stv != HL_IN_ACCEPTED && stv != HL_IN_REJECTED) {
		r = HL_ERR_CORRUPT;
		goto out;
	}
	if (receipt != NULL && sqlite3_column_bytes(st, 1) > 0 &&
	    (r = col_blob_dup(st, 1, HL_RECEIPT_MAX_BYTES, &rc, &rlen)) != HL_OK)
		goto out;
	if (status != NULL)
		*status = (int)stv;
	if (receipt != NULL) {
		*receipt = rc;
		rc = NULL;
	}
	if (receipt_len != NULL)
		*receipt_len = rlen;
	r = HL_OK;
out:
	st_reset(st);
	hl_free(rc);
	return r;
}

static int
seen_insert(struct hl_store *s, const uint8_t *id, const char *origin, int status,
    uint8_t reason, const uint8_t *receipt, size_t receipt_len, uint64_t time_ms)
{
	sqlite3_stmt *st = s->st[ST_SEEN_INSERT];
	int r;

	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, origin)) != HL_OK ||
	    (r = bind_i64(s, st, 3, status)) != HL_OK ||
	    (r = bind_i64(s, st, 4, reason)) != HL_OK ||
	    (r = bind_blob(s, st, 5, receipt, receipt_len)) != HL_OK ||
	    (r = bind_u64(s, st, 6, time_ms)) != HL_OK)
		goto out;
	r = step_done(s, st);
out:
	st_reset(st);
	return r;
}

int
hl_store_put_inbound(struct hl_store *s, const struct hl_msg *m,
    const uint8_t *receipt, size_t receipt_len)
{
	int r, mode = 0;

	if (s == NULL || (receipt == NULL && receipt_len > 0))
		return HL_ERR_INVALID;
	if (receipt_len > HL_RECEIPT_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = check_msg(m)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = seen_insert(s, m->id, m->origin, HL_IN_ACCEPTED, 0, receipt, receipt_len,
	    m->stored_ms)) != HL_OK)
		goto out;
	/* EXISTS here too if the id is one of our own outbound envelopes */
	r = env_insert(s, m, 1, m->stored_ms);
	od_lower(s, m->precedence, m->created_ms);
out:
	return op_end(s, mode, r);
}

int
hl_store_put_rejected(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *origin, uint8_t reason, const uint8_t *receipt, size_t receipt_len,
    uint64_t now_ms)
{
	int r, mode = 0;

	if (s == NULL || id == NULL || (receipt == NULL && receipt_len > 0))
		return HL_ERR_INVALID;
	if (receipt_len > HL_RECEIPT_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = check_name(origin, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	r = seen_insert(s, id, origin, HL_IN_REJECTED, reason, receipt, receipt_len, now_ms);
	return op_end(s, mode, r);
}

int
hl_store_ack(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *operator_name, uint64_t time_ms)
{
	sqlite3_stmt *st;
	int r, have, mode = 0;

	if (s == NULL || id == NULL || time_ms == 0)
		return HL_ERR_INVALID;
	if ((r = check_name(operator_name, HL_OPERATOR_MAX)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	st = s->st[ST_ACK];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_u64(s, st, 2, time_ms)) != HL_OK ||
	    (r = bind_text(s, st, 3, operator_name)) != HL_OK ||
	    (r = step_done(s, st)) != HL_OK) {
		st_reset(st);
		goto out;
	}
	st_reset(st);
	if (sqlite3_changes(s->db) == 1)
		goto out;
	/* nothing updated: unknown, or acknowledged before (first ack wins) */
	st = s->st[ST_ACK_CHECK];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = step_row(s, st, &have)) == HL_OK)
		r = have ? HL_ERR_EXISTS : HL_ERR_NOT_FOUND;
	st_reset(st);
out:
	return op_end(s, mode, r);
}

/* ---- reading messages ---- */

/* Fill the MSG_COLS columns of the current row into m (no content/raw). */
static int
row_to_msg(sqlite3_stmt *st, struct hl_msg *m)
{
	const void *p;
	int64_t v;
	int i, r, nb;

	p = sqlite3_column_blob(st, 0);
	if (p == NULL || sqlite3_column_bytes(st, 0) != HL_ID_BYTES)
		return HL_ERR_CORRUPT;
	memcpy(m->id, p, HL_ID_BYTES);
	v = sqlite3_column_int64(st, 1);
	if (v != 0 && v != 1)
		return HL_ERR_CORRUPT;
	m->inbound = (int)v;
	if ((r = col_str(st, 2, m->origin, sizeof(m->origin), 0)) != HL_OK ||
	    (r = col_str(st, 3, m->originator, sizeof(m->originator), 0)) != HL_OK ||
	    (r = col_str(st, 13, m->acked_by, sizeof(m->acked_by), 0)) != HL_OK)
		return r;
	for (i = 4; i <= 7; i++) {
		v = sqlite3_column_int64(st, i);
		if (v < 0 || v > UINT8_MAX)
			return HL_ERR_CORRUPT;
	}
	m->precedence = (uint8_t)sqlite3_column_int64(st, 4);
	m->content_type = (uint8_t)sqlite3_column_int64(st, 5);
	m->flags = (uint8_t)sqlite3_column_int64(st, 6);
	m->suite = (uint8_t)sqlite3_column_int64(st, 7);
	p = sqlite3_column_blob(st, 8);
	nb = sqlite3_column_bytes(st, 8);
	if (nb < 0 || (size_t)nb > HL_LABEL_MAX_BYTES || (nb > 0 && p == NULL))
		return HL_ERR_CORRUPT;
	if (nb > 0)
		memcpy(m->label, p, (size_t)nb);
	m->label_len = (size_t)nb;
	m->created_ms = col_u64(st, 9);
	m->expires_ms = col_u64(st, 10);
	m->stored_ms = col_u64(st, 11);
	m->acked_ms = col_u64(st, 12);
	m->sig_ok = sqlite3_column_int64(st, 14) != 0;
	m->overdue_ms = col_u64(st, 15);
	return HL_OK;
}

int
hl_store_get(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    int want_raw, struct hl_msg *out)
{
	sqlite3_stmt *st;
	struct hl_msg m;
	int r, have;

	memset(&m, 0, sizeof(m));
	if (out != NULL)
		memset(out, 0, sizeof(*out));
	if (s == NULL || id == NULL || out == NULL)
		return HL_ERR_INVALID;
	st = s->st[ST_GET];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = row_to_msg(st, &m)) != HL_OK ||
	    (r = col_blob_dup(st, MSG_NCOLS, HL_CONTENT_MAX_BYTES, &m.content,
	    &m.content_len)) != HL_OK)
		goto out;
	if (want_raw && (r = col_blob_dup(st, MSG_NCOLS + 1, HL_ENVELOPE_MAX_BYTES, &m.raw,
	    &m.raw_len)) != HL_OK)
		goto out;
	*out = m;
	memset(&m, 0, sizeof(m));
	r = HL_OK;
out:
	st_reset(st);
	hl_msg_clear(&m);
	return r;
}

int
hl_store_list(struct hl_store *s, int inbound_only, size_t limit,
    struct hl_msg **msgs, size_t *n)
{
	sqlite3_stmt *st;
	struct hl_msg *a = NULL, *na;
	size_t cnt = 0, cap = 0, i;
	int r, have;

	if (msgs != NULL)
		*msgs = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || msgs == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (limit == 0)
		return HL_OK;
	st = s->st[inbound_only ? ST_LIST_IN : ST_LIST_ALL];
	if ((r = bind_limit(s, st, 1, limit)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if (cap > limit)
				cap = limit;
			if ((na = hl_realloc(a, cap * sizeof(*a))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		memset(&a[cnt], 0, sizeof(a[cnt]));
		if ((r = row_to_msg(st, &a[cnt])) != HL_OK)
			goto out;
		/* the size without the content, which lists do not load */
		a[cnt].content_len = (size_t)col_u64(st, MSG_NCOLS);
		cnt++;
	}
	*msgs = a;
	*n = cnt;
	a = NULL;
	cnt = 0;
	r = HL_OK;
out:
	st_reset(st);
	for (i = 0; a != NULL && i < cnt; i++)
		hl_msg_clear(&a[i]);
	hl_free(a);
	return r;
}

/* ---- receipts owed ---- */

int
hl_store_receipt_queue(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint8_t kind, const char *to_node, const uint8_t *raw, size_t len)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || id == NULL || raw == NULL || len == 0)
		return HL_ERR_INVALID;
	if (len > HL_RECEIPT_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = check_name(to_node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	st = s->st[ST_RCPT_INSERT];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = bind_i64(s, st, 2, kind)) == HL_OK &&
	    (r = bind_text(s, st, 3, to_node)) == HL_OK &&
	    (r = bind_blob(s, st, 4, raw, len)) == HL_OK)
		r = step_done(s, st);
	st_reset(st);
	return op_end(s, mode, r);
}

int
hl_store_receipts_pending(struct hl_store *s, const char *to_node,
    uint8_t ***raws, size_t **lens, size_t *n, size_t max)
{
	sqlite3_stmt *st;
	uint8_t **ra = NULL, **nra, *blob = NULL;
	size_t *la = NULL, *nla, cnt = 0, cap = 0, blen = 0, i;
	int r, have;

	if (raws != NULL)
		*raws = NULL;
	if (lens != NULL)
		*lens = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || raws == NULL || lens == NULL || n == NULL)
		return HL_ERR_INVALID;
	if ((r = check_name(to_node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if (max == 0)
		return HL_OK;
	st = s->st[ST_RCPT_PENDING];
	if ((r = bind_text(s, st, 1, to_node)) != HL_OK ||
	    (r = bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if (cap > max)
				cap = max;
			if ((nra = hl_realloc(ra, cap * sizeof(*ra))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			ra = nra;
			if ((nla = hl_realloc(la, cap * sizeof(*la))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			la = nla;
		}
		if ((r = col_blob_dup(st, 0, HL_RECEIPT_MAX_BYTES, &blob, &blen)) != HL_OK)
			goto out;
		ra[cnt] = blob;
		la[cnt] = blen;
		blob = NULL;
		cnt++;
	}
	*raws = ra;
	*lens = la;
	*n = cnt;
	ra = NULL;
	la = NULL;
	r = HL_OK;
out:
	st_reset(st);
	for (i = 0; ra != NULL && i < cnt; i++)
		hl_free(ra[i]);
	hl_free(ra);
	hl_free(la);
	hl_free(blob);
	return r;
}

int
hl_store_receipt_done(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], uint8_t kind)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || id == NULL)
		return HL_ERR_INVALID;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	st = s->st[ST_RCPT_DONE];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = bind_i64(s, st, 2, kind)) == HL_OK &&
	    (r = step_done(s, st)) == HL_OK && sqlite3_changes(s->db) == 0)
		r = HL_ERR_NOT_FOUND;   /* done twice is fine: the row still matches */
	st_reset(st);
	return op_end(s, mode, r);
}

/* ---- peers ---- */

/* One row of the peers table: key (a node name, or "<node>#<kind>"), blob. */
static int
peer_blob_put(struct hl_store *s, const char *node, size_t namemax, const uint8_t *desc,
    size_t len, size_t max, uint64_t now_ms)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || desc == NULL || len == 0)
		return HL_ERR_INVALID;
	if (len > max)
		return HL_ERR_TOO_BIG;
	if ((r = check_name(node, namemax)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	st = s->st[ST_PEER_PUT];
	if ((r = bind_text(s, st, 1, node)) == HL_OK &&
	    (r = bind_blob(s, st, 2, desc, len)) == HL_OK &&
	    (r = bind_u64(s, st, 3, now_ms)) == HL_OK)
		r = step_done(s, st);
	st_reset(st);
	return op_end(s, mode, r);
}

int
hl_store_peer_put(struct hl_store *s, const char *node, const uint8_t *desc,
    size_t len, uint64_t now_ms)
{
	return peer_blob_put(s, node, HL_NODE_NAME_MAX, desc, len, HL_DESCRIPTOR_MAX_BYTES, now_ms);
}

/* One blob column of the row a prepared statement finds by node name (or
 * by a "<node>#<kind>" key, at most namemax bytes). */
static int
blob_by_node(struct hl_store *s, enum st which, const char *node, size_t namemax, size_t max,
    uint8_t **out, size_t *len)
{
	sqlite3_stmt *st;
	int r, have;

	if (out != NULL)
		*out = NULL;
	if (len != NULL)
		*len = 0;
	if (s == NULL || out == NULL || len == NULL)
		return HL_ERR_INVALID;
	if ((r = check_name(node, namemax)) != HL_OK)
		return r;
	st = s->st[which];
	if ((r = bind_text(s, st, 1, node)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	r = col_blob_dup(st, 0, max, out, len);
out:
	st_reset(st);
	return r;
}

int
hl_store_peer_get(struct hl_store *s, const char *node, uint8_t **desc, size_t *len)
{
	return blob_by_node(s, ST_PEER_GET, node, HL_NODE_NAME_MAX, HL_DESCRIPTOR_MAX_BYTES, desc,
	    len);
}

/* ---- what partners witnessed of our log (their CHECKPOINT_ACKs), in the
 * peers table under "<node>#checkpoint-ack" ---- */
#define WITNESSED_SUFFIX "#checkpoint-ack"
#define WITNESSED_KEY_MAX (HL_NODE_NAME_MAX + sizeof(WITNESSED_SUFFIX) - 1)

static int
witnessed_key(const char *node, char key[WITNESSED_KEY_MAX + 1])
{
	int r;

	if ((r = check_name(node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	snprintf(key, WITNESSED_KEY_MAX + 1, "%s" WITNESSED_SUFFIX, node);
	return HL_OK;
}

int
hl_store_witnessed_put(struct hl_store *s, const char *node, const uint8_t *raw, size_t len,
    uint64_t now_ms)
{
	char key[WITNESSED_KEY_MAX + 1];
	int r;

	if ((r = witnessed_key(node, key)) != HL_OK)
		return r;
	return peer_blob_put(s, key, WITNESSED_KEY_MAX, raw, len, HL_CHECKPOINT_ACK_MAX_BYTES,
	    now_ms);
}

int
hl_store_witnessed_get(struct hl_store *s, const char *node, uint8_t **raw, size_t *len)
{
	char key[WITNESSED_KEY_MAX + 1];
	int r;

	if (raw != NULL)
		*raw = NULL;
	if (len != NULL)
		*len = 0;
	if ((r = witnessed_key(node, key)) != HL_OK)
		return r;
	return blob_by_node(s, ST_PEER_GET, key, WITNESSED_KEY_MAX, HL_CHECKPOINT_ACK_MAX_BYTES,
	    raw, len);
}

/* ---- audit ---- */

static int
audit_append(struct hl_store *s, const char *event, const uint8_t *id, const char *actor,
    const char *detail, uint64_t time_ms, uint64_t *seq_out, uint8_t hash_out[HL_SHA256])
{
	sqlite3_stmt *st;
	struct hl_merkle_entry me;
	uint64_t seq;
	uint8_t h[HL_SHA256], leaf[HL_MERKLE_HASH];
	int r;

	if (!s->audit_valid && (r = audit_load(s)) != HL_OK)
		return r;
	if (s->audit_seq >= (uint64_t)INT64_MAX)
		return HL_ERR_FULL;
	seq = s->audit_seq + 1;
	if ((r = audit_hash(s->audit_hash, seq, time_ms, event, strlen(event), id, actor,
	    strlen(actor), detail, strlen(detail), h)) != HL_OK)
		return r;
	memset(&me, 0, sizeof(me));
	me.seq = seq;
	me.time_ms = time_ms;
	me.event = event;
	me.event_len = strlen(event);
	me.has_id = id != NULL;
	if (id != NULL)
		memcpy(me.id, id, HL_ID_BYTES);
	me.actor = actor;
	me.actor_len = strlen(actor);
	me.detail = detail;
	me.detail_len = strlen(detail);
	if ((r = hl_merkle_entry_leaf(&me, leaf)) != HL_OK)
		return r;
	st = s->st[ST_AUDIT_INSERT];
	if ((r = bind_u64(s, st, 1, seq)) != HL_OK ||
	    (r = bind_u64(s, st, 2, time_ms)) != HL_OK ||
	    (r = bind_text(s, st, 3, event)) != HL_OK ||
	    (r = bind_text(s, st, 5, actor)) != HL_OK ||
	    (r = bind_text(s, st, 6, detail)) != HL_OK ||
	    (r = bind_blob(s, st, 7, s->audit_hash, HL_SHA256)) != HL_OK ||
	    (r = bind_blob(s, st, 8, h, HL_SHA256)) != HL_OK ||
	    (r = bind_blob(s, st, 9, leaf, HL_MERKLE_HASH)) != HL_OK)
		goto out;
	/* envelope_id stays NULL (unbound) when there is none */
	if (id != NULL && (r = bind_blob(s, st, 4, id, HL_ID_BYTES)) != HL_OK)
		goto out;
	if ((r = step_done(s, st)) != HL_OK)
		goto out;
	st_reset(st);
	st = s->st[ST_HEAD_PUT];
	if ((r = bind_u64(s, st, 1, seq)) != HL_OK ||
	    (r = bind_blob(s, st, 2, h, HL_SHA256)) != HL_OK)
		goto out;
	r = step_done(s, st);
	*seq_out = seq;
	memcpy(hash_out, h, HL_SHA256);
out:
	st_reset(st);
	return r;
}

int
hl_store_audit(struct hl_store *s, const char *event, const uint8_t *id,
    const char *actor, const char *detail, uint64_t time_ms)
{
	uint8_t h[HL_SHA256];
	uint64_t seq = 0;
	int r, mode = 0;

	if (s == NULL)
		return HL_ERR_INVALID;
	if (detail == NULL)
		detail = "";
	if (actor == NULL)
		actor = "";
	if ((r = check_name(event, HL_AUDIT_EVENT_MAX)) != HL_OK ||
	    (r = check_opt_str(actor, HL_NODE_NAME_MAX)) != HL_OK ||
	    (r = check_opt_str(detail, HL_AUDIT_DETAIL_MAX)) != HL_OK)
		return r;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	r = audit_append(s, event, id, actor, detail, time_ms, &seq, h);
	if ((r = op_end(s, mode, r)) != HL_OK)
		return r;
	/* Committed (own transaction) or part of the caller's: a later
	 * rollback marks the cache stale. */
	s->audit_seq = seq;
	memcpy(s->audit_hash, h, HL_SHA256);
	s->audit_valid = 1;
	return HL_OK;
}

/* Check the walk against audit_head. last_seq/last_hash: the last row's
 * (last_seq 0: no rows). */
static int
audit_check_head(struct hl_store *s, uint64_t last_seq, const uint8_t *last_hash,
    uint64_t *bad_seq, char *err, size_t errlen)
{
	sqlite3_stmt *st = s->st[ST_HEAD_GET];
	const void *h;
	uint64_t hseq;
	int r, have;

	if ((r = step_row(s, st, &have)) != HL_OK) {
		hl_set_err(err, errlen, "cannot read the audit head: %s", s->errmsg);
		goto out;
	}
	r = HL_ERR_CORRUPT;
	if (!have) {
		if (last_seq == 0) {
			r = HL_OK;
			goto out;
		}
		*bad_seq = last_seq;
		hl_set_err(err, errlen, "audit head record missing (log ends at entry %llu)",
		    (unsigned long long)last_seq);
		goto out;
	}
	hseq = col_u64(st, 0);
	h = sqlite3_column_blob(st, 1);
	if (h == NULL || sqlite3_column_bytes(st, 1) != HL_SHA256 ||
	    sqlite3_column_int64(st, 0) < 0) {
		*bad_seq = last_seq;
		hl_set_err(err, errlen, "audit head record is malformed");
		goto out;
	}
	if (hseq > last_seq) {
		*bad_seq = last_seq + 1;
		hl_set_err(err, errlen, "audit log truncated: the head records entry %llu but "
		    "the last entry is %llu (entry %llu missing)", (unsigned long long)hseq,
		    (unsigned long long)last_seq, (unsigned long long)(last_seq + 1));
		goto out;
	}
	if (hseq < last_seq) {
		*bad_seq = hseq + 1;
		hl_set_err(err, errlen, "audit entry %llu: not recorded in the audit head (head "
		    "is at entry %llu)", (unsigned long long)(hseq + 1),
		    (unsigned long long)hseq);
		goto out;
	}
	if (last_seq > 0 && memcmp(h, last_hash, HL_SHA256) != 0) {
		*bad_seq = last_seq;
		hl_set_err(err, errlen, "audit entry %llu: hash does not match the audit head",
		    (unsigned long long)last_seq);
		goto out;
	}
	r = HL_OK;
out:
	st_reset(st);
	return r;
}

/* Verify one row of the walk against the running chain. */
static int
audit_check_row(sqlite3_stmt *st, uint64_t expect, const uint8_t running[HL_SHA256],
    uint8_t hash_out[HL_SHA256], uint64_t *bad_seq, char *err, size_t errlen)
{
	const void *prev, *hash, *id, *ev, *actor, *detail;
	int64_t seq;
	int evn, an, dn, r;
	uint8_t h[HL_SHA256];

	seq = sqlite3_column_int64(st, 0);
	if (seq < 0 || (uint64_t)seq < expect) {
		*bad_seq = expect;
		hl_set_err(err, errlen, "audit entry %llu: sequence number %lld out of order",
		    (unsigned long long)expect, (long long)seq);
		return HL_ERR_CORRUPT;
	}
	if ((uint64_t)seq != expect) {
		*bad_seq = expect;
		hl_set_err(err, errlen, "audit entry %llu missing (next is %llu)",
		    (unsigned long long)expect, (unsigned long long)seq);
		return HL_ERR_CORRUPT;
	}
	/* text first, then the byte counts (the documented safe order) */
	ev = sqlite3_column_text(st, 2);
	evn = sqlite3_column_bytes(st, 2);
	actor = sqlite3_column_text(st, 4);
	an = sqlite3_column_bytes(st, 4);
	detail = sqlite3_column_text(st, 5);
	dn = sqlite3_column_bytes(st, 5);
	id = sqlite3_column_blob(st, 3);
	prev = sqlite3_column_blob(st, 6);
	hash = sqlite3_column_blob(st, 7);
	if (prev == NULL || sqlite3_column_bytes(st, 6) != HL_SHA256 || hash == NULL ||
	    sqlite3_column_bytes(st, 7) != HL_SHA256 ||
	    (sqlite3_column_type(st, 3) != SQLITE_NULL && (id == NULL ||
	    sqlite3_column_bytes(st, 3) != HL_ID_BYTES)) ||
	    evn < 0 || an < 0 || dn < 0) {
		*bad_seq = expect;
		hl_set_err(err, errlen, "audit entry %llu: malformed row", (unsigned long long)expect);
		return HL_ERR_CORRUPT;
	}
	if (memcmp(prev, running, HL_SHA256) != 0) {
		*bad_seq = expect;
		hl_set_err(err, errlen, "audit entry %llu: previous-hash link broken",
		    (unsigned long long)expect);
		return HL_ERR_CORRUPT;
	}
	if ((r = audit_hash(prev, (uint64_t)seq, col_u64(st, 1), ev != NULL ? ev : "",
	    (size_t)evn, sqlite3_column_type(st, 3) == SQLITE_NULL ? NULL : id,
	    actor != NULL ? actor : "", (size_t)an, detail != NULL ? detail : "", (size_t)dn,
	    h)) != HL_OK) {
		hl_set_err(err, errlen, "audit entry %llu: cannot hash: %s",
		    (unsigned long long)expect, hl_strerror(r));
		return r;
	}
	if (memcmp(h, hash, HL_SHA256) != 0) {
		*bad_seq = expect;
		hl_set_err(err, errlen, "audit entry %llu: hash does not match its contents",
		    (unsigned long long)expect);
		return HL_ERR_CORRUPT;
	}
	memcpy(hash_out, h, HL_SHA256);
	return HL_OK;
}

/* Fill e from a row whose columns 0..5 are seq, time_ms, event, envelope_id,
 * actor, detail. The pointers are valid until the statement steps again. */
static int
row_entry(sqlite3_stmt *st, struct hl_merkle_entry *e)
{
	const void *ev, *actor, *detail, *id;
	int evn, an, dn;

	memset(e, 0, sizeof(*e));
	/* text first, then the byte counts (the documented safe order) */
	ev = sqlite3_column_text(st, 2);
	evn = sqlite3_column_bytes(st, 2);
	actor = sqlite3_column_text(st, 4);
	an = sqlite3_column_bytes(st, 4);
	detail = sqlite3_column_text(st, 5);
	dn = sqlite3_column_bytes(st, 5);
	if (evn < 0 || an < 0 || dn < 0 || sqlite3_column_int64(st, 0) < 0)
		return HL_ERR_CORRUPT;
	e->seq = col_u64(st, 0);
	e->time_ms = col_u64(st, 1);
	e->event = ev != NULL ? ev : "";
	e->event_len = ev != NULL ? (size_t)evn : 0;
	e->actor = actor != NULL ? actor : "";
	e->actor_len = actor != NULL ? (size_t)an : 0;
	e->detail = detail != NULL ? detail : "";
	e->detail_len = detail != NULL ? (size_t)dn : 0;
	if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
		id = sqlite3_column_blob(st, 3);
		if (id == NULL || sqlite3_column_bytes(st, 3) != HL_ID_BYTES)
			return HL_ERR_CORRUPT;
		memcpy(e->id, id, HL_ID_BYTES);
		e->has_id = 1;
	}
	return HL_OK;
}

/* Compare the cached leaf column col (NULL: not cached) with leaf. */
static int
leaf_cache_ok(sqlite3_stmt *st, int col, const uint8_t leaf[HL_MERKLE_HASH])
{
	const void *c;

	if (sqlite3_column_type(st, col) == SQLITE_NULL)
		return 1;
	c = sqlite3_column_blob(st, col);
	return c != NULL && sqlite3_column_bytes(st, col) == HL_MERKLE_HASH &&
	    memcmp(c, leaf, HL_MERKLE_HASH) == 0;
}

/* The walk's cursor over our own checkpoints, ascending by size. */
struct cp_cursor {
	sqlite3_stmt *st;
	int have;
	struct hl_checkpoint c;
	uint64_t good;          /* size of the last checkpoint that matched */
};

/* Load the next checkpoint (cc->have 0 at the end); checks its record and,
 * with pub, its signature. */
static int
cp_next(struct hl_store *s, struct cp_cursor *cc, const uint8_t *pub, uint64_t *bad_seq,
    char *err, size_t errlen)
{
	struct hl_checkpoint tmp;
	const void *raw;
	int64_t size;
	int n, r;

	if ((r = step_row(s, cc->st, &cc->have)) != HL_OK) {
		hl_set_err(err, errlen, "cannot read the audit checkpoints: %s", s->errmsg);
		return r;
	}
	if (!cc->have)
		return HL_OK;
	size = sqlite3_column_int64(cc->st, 0);
	raw = sqlite3_column_blob(cc->st, 1);
	n = sqlite3_column_bytes(cc->st, 1);
	if (size <= 0 || raw == NULL || n <= 0 ||
	    hl_checkpoint_decode(raw, (size_t)n, &cc->c) != HL_OK ||
	    cc->c.size != (uint64_t)size) {
		*bad_seq = cc->good + 1;
		hl_set_err(err, errlen, "audit checkpoint at size %lld: malformed record",
		    (long long)size);
		return HL_ERR_CORRUPT;
	}
	if (pub != NULL && hl_checkpoint_verify(raw, (size_t)n, NULL, pub, &tmp) != HL_OK) {
		*bad_seq = cc->good + 1;
		hl_set_err(err, errlen, "audit checkpoint at size %lld: signature does not verify "
		    "with the node key", (long long)size);
		return HL_ERR_CORRUPT;
	}
	return HL_OK;
}

/* The chain walk of hl_store_audit_verify, plus the Merkle checks: each
 * row's cached leaf against its contents, and each stored checkpoint's root
 * against the tree recomputed at its size (signature too when pub). */
static int
audit_verify(struct hl_store *s, const uint8_t *pub, uint64_t *count, uint64_t *bad_seq,
    char *err, size_t errlen)
{
	struct hl_merkle_frontier fr;
	struct hl_merkle_entry me;
	struct cp_cursor cc;
	sqlite3_stmt *st;
	uint8_t running[HL_SHA256], leaf[HL_MERKLE_HASH], root[HL_MERKLE_HASH];
	uint64_t expect = 1, dummy_bad = 0, dummy_count = 0;
	int r, have, began = 0;

	hl_set_err(err, errlen, "%s", "");
	if (count == NULL)
		count = &dummy_count;
	if (bad_seq == NULL)
		bad_seq = &dummy_bad;
	*count = 0;
	*bad_seq = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	memcpy(running, zero_hash, HL_SHA256);
	hl_merkle_frontier_init(&fr);
	memset(&cc, 0, sizeof(cc));
	/* one read transaction: the walk and the head are the same snapshot */
	if (!s->in_tx) {
		if ((r = run(s, ST_BEGIN_READ)) != HL_OK) {
			hl_set_err(err, errlen, "cannot read the audit log: %s", s->errmsg);
			return r;
		}
		began = 1;
	}
	st = s->st[ST_AUDIT_WALK];
	cc.st = s->st[ST_CP_WALK];
	if ((r = cp_next(s, &cc, pub, bad_seq, err, errlen)) != HL_OK)
		goto done;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK) {
			hl_set_err(err, errlen, "cannot read audit entry %llu: %s",
			    (unsigned long long)expect, s->errmsg);
			break;
		}
		if (!have)
			break;
		if ((r = audit_check_row(st, expect, running, running, bad_seq, err,
		    errlen)) != HL_OK)
			break;
		if ((r = row_entry(st, &me)) != HL_OK ||
		    (r = hl_merkle_entry_leaf(&me, leaf)) != HL_OK) {
			/* out of memory is not corruption: no bad entry is named then */
			if (r != HL_ERR_NOMEM)
				*bad_seq = expect;
			hl_set_err(err, errlen, "audit entry %llu: cannot compute its leaf hash: %s",
			    (unsigned long long)expect, hl_strerror(r));
			break;
		}
		if (!leaf_cache_ok(st, 8, leaf)) {
			*bad_seq = expect;
			hl_set_err(err, errlen, "audit entry %llu: cached leaf hash does not match "
			    "its contents", (unsigned long long)expect);
			r = HL_ERR_CORRUPT;
			break;
		}
		if ((r = hl_merkle_frontier_add(&fr, leaf)) != HL_OK) {
			hl_set_err(err, errlen, "audit entry %llu: %s", (unsigned long long)expect,
			    hl_strerror(r));
			break;
		}
		*count = expect;
		if (cc.have && cc.c.size == expect) {
			if ((r = hl_merkle_frontier_root(&fr, root)) != HL_OK) {
				hl_set_err(err, errlen, "audit entry %llu: %s",
				    (unsigned long long)expect, hl_strerror(r));
				break;
			}
			if (memcmp(root, cc.c.root, HL_MERKLE_HASH) != 0) {
				*bad_seq = cc.good + 1;
				*count = cc.good;
				hl_set_err(err, errlen, "audit entries %llu..%llu do not match the "
				    "signed checkpoint at size %llu: rewritten after it was signed",
				    (unsigned long long)(cc.good + 1), (unsigned long long)expect,
				    (unsigned long long)expect);
				r = HL_ERR_CORRUPT;
				break;
			}
			cc.good = expect;
			if ((r = cp_next(s, &cc, pub, bad_seq, err, errlen)) != HL_OK)
				break;
		}
		expect++;
	}
	if (r == HL_OK)
		r = audit_check_head(s, expect - 1, running, bad_seq, err, errlen);
	if (r == HL_OK && cc.have) {
		*bad_seq = expect;
		hl_set_err(err, errlen, "audit log truncated: the signed checkpoint at size %llu "
		    "covers entries up to %llu but the log ends at entry %llu",
		    (unsigned long long)cc.c.size, (unsigned long long)cc.c.size,
		    (unsigned long long)(expect - 1));
		r = HL_ERR_CORRUPT;
	}
done:
	st_reset(st);
	st_reset(cc.st);
	if (began)
		(void)run(s, ST_COMMIT);   /* read-only transaction: ends the snapshot */
	return r;
}

int
hl_store_audit_verify(struct hl_store *s, uint64_t *count, uint64_t *bad_seq,
    char *err, size_t errlen)
{
	return audit_verify(s, NULL, count, bad_seq, err, errlen);
}

int
hl_store_audit_verify_signed(struct hl_store *s, const uint8_t pub[static HL_ED25519_PUB],
    uint64_t *count, uint64_t *bad_seq, char *err, size_t errlen)
{
	if (pub == NULL) {
		hl_set_err(err, errlen, "no public key");
		return HL_ERR_INVALID;
	}
	return audit_verify(s, pub, count, bad_seq, err, errlen);
}

int
hl_store_audit_list(struct hl_store *s, uint64_t from_seq, size_t limit,
    struct hl_audit_entry **out, size_t *n)
{
	sqlite3_stmt *st;
	struct hl_audit_entry *a = NULL, *na, *e;
	size_t cnt = 0, cap = 0;
	const void *id;
	int r, have;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || out == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (limit == 0)
		return HL_OK;
	st = s->st[ST_AUDIT_LIST];
	if ((r = bind_u64(s, st, 1, from_seq > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX :
	    from_seq)) != HL_OK || (r = bind_limit(s, st, 2, limit)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if (cap > limit)
				cap = limit;
			if ((na = hl_realloc(a, cap * sizeof(*a))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		e = &a[cnt];
		memset(e, 0, sizeof(*e));
		e->seq = col_u64(st, 0);
		e->time_ms = col_u64(st, 1);
		/* display only: a tampered over-long field is cut, verify reports it */
		if ((r = col_str(st, 2, e->event, sizeof(e->event), 1)) != HL_OK ||
		    (r = col_str(st, 4, e->actor, sizeof(e->actor), 1)) != HL_OK ||
		    (r = col_str(st, 5, e->detail, sizeof(e->detail), 1)) != HL_OK)
			goto out;
		id = sqlite3_column_blob(st, 3);
		if (id != NULL && sqlite3_column_bytes(st, 3) == HL_ID_BYTES) {
			memcpy(e->id, id, HL_ID_BYTES);
			e->has_id = 1;
		}
		cnt++;
	}
	*out = a;
	*n = cnt;
	a = NULL;
	r = HL_OK;
out:
	st_reset(st);
	hl_free(a);
	return r;
}

/* ---- the Merkle log: checkpoints, proofs, witnesses ---- */

static int
set_msg(struct hl_store *s, int r, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* Record a message in s->errmsg and return r. */
static int
set_msg(struct hl_store *s, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

/* Leaf hashes of entries from + 1 .. to, in order, into leaves[0 .. to -
 * from) when leaves is not NULL and into f when f is not NULL. strict: hash
 * every entry's contents and require the cached leaf (when present) to
 * agree; otherwise the cache is used when present. */
static int
audit_leaves(struct hl_store *s, uint64_t from, uint64_t to, int strict,
    uint8_t (*leaves)[HL_MERKLE_HASH], struct hl_merkle_frontier *f)
{
	sqlite3_stmt *st = s->st[ST_AUDIT_LEAVES];
	struct hl_merkle_entry me;
	uint8_t leaf[HL_MERKLE_HASH];
	const void *c;
	uint64_t expect = from + 1;
	int r, have;

	if ((r = bind_u64(s, st, 1, from)) != HL_OK || (r = bind_u64(s, st, 2, to)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (sqlite3_column_int64(st, 0) < 0 || col_u64(st, 0) != expect) {
			r = set_msg(s, HL_ERR_CORRUPT, "audit entry %llu missing",
			    (unsigned long long)expect);
			goto out;
		}
		c = sqlite3_column_blob(st, 6);
		if (!strict && c != NULL && sqlite3_column_bytes(st, 6) == HL_MERKLE_HASH) {
			memcpy(leaf, c, HL_MERKLE_HASH);
		} else {
			if ((r = row_entry(st, &me)) != HL_OK ||
			    (r = hl_merkle_entry_leaf(&me, leaf)) != HL_OK) {
				r = set_msg(s, r, "audit entry %llu: malformed row",
				    (unsigned long long)expect);
				goto out;
			}
			if (!leaf_cache_ok(st, 6, leaf)) {
				r = set_msg(s, HL_ERR_CORRUPT, "audit entry %llu: cached leaf hash "
				    "does not match its contents", (unsigned long long)expect);
				goto out;
			}
		}
		if (leaves != NULL)
			memcpy(leaves[expect - from - 1], leaf, HL_MERKLE_HASH);
		if (f != NULL && (r = hl_merkle_frontier_add(f, leaf)) != HL_OK)
			goto out;
		expect++;
	}
	if (expect != to + 1) {
		r = set_msg(s, HL_ERR_CORRUPT, "audit entry %llu missing",
		    (unsigned long long)expect);
		goto out;
	}
	r = HL_OK;
out:
	st_reset(st);
	return r;
}

/* The current number of entries (the head), re-read from the database. */
static int
audit_size(struct hl_store *s, uint64_t *n)
{
	int r;

	*n = 0;
	if ((r = audit_load(s)) != HL_OK)
		return r;
	*n = s->audit_seq;
	return HL_OK;
}

/* All leaves 1..n. OUT: *out (caller frees with hl_free). */
static int
audit_all_leaves(struct hl_store *s, uint64_t n, uint8_t (**out)[HL_MERKLE_HASH])
{
	uint8_t (*a)[HL_MERKLE_HASH] = NULL;
	int r;

	*out = NULL;
	if (n > SIZE_MAX / HL_MERKLE_HASH)
		return HL_ERR_TOO_BIG;
	if ((a = hl_malloc((size_t)n * HL_MERKLE_HASH)) == NULL)
		return HL_ERR_NOMEM;
	if ((r = audit_leaves(s, 0, n, 0, a, NULL)) != HL_OK)
		goto out;
	*out = a;
	a = NULL;
out:
	hl_free(a);
	return r;
}

/* The latest own checkpoint: size, decoded checkpoint and the frontier at
 * its size, checked against the signed root. *have 0 when there is none. */
static int
cp_last(struct hl_store *s, int *have, struct hl_checkpoint *c, struct hl_merkle_frontier *f,
    uint8_t **raw, size_t *rawlen)
{
	sqlite3_stmt *st = s->st[ST_CP_LAST];
	uint8_t root[HL_MERKLE_HASH];
	const void *p;
	int64_t size;
	int r, n;

	if ((r = step_row(s, st, have)) != HL_OK || !*have)
		goto out;
	size = sqlite3_column_int64(st, 0);
	p = sqlite3_column_blob(st, 1);
	n = sqlite3_column_bytes(st, 1);
	if (size <= 0 || p == NULL || n <= 0 || hl_checkpoint_decode(p, (size_t)n, c) != HL_OK ||
	    c->size != (uint64_t)size) {
		r = set_msg(s, HL_ERR_CORRUPT, "audit checkpoint at size %lld: malformed record",
		    (long long)size);
		goto out;
	}
	if (raw != NULL && (r = col_blob_dup(st, 1, HL_CHECKPOINT_MAX_BYTES, raw, rawlen)) != HL_OK)
		goto out;
	if (f != NULL) {
		p = sqlite3_column_blob(st, 2);
		n = sqlite3_column_bytes(st, 2);
		if (p == NULL || n <= 0 || hl_merkle_frontier_decode(p, (size_t)n, f) != HL_OK ||
		    f->size != c->size || hl_merkle_frontier_root(f, root) != HL_OK ||
		    memcmp(root, c->root, HL_MERKLE_HASH) != 0) {
			r = set_msg(s, HL_ERR_CORRUPT, "audit checkpoint at size %lld: stored "
			    "frontier does not match its signed root", (long long)size);
			goto out;
		}
	}
	r = HL_OK;
out:
	st_reset(st);
	return r;
}

/* Compute, sign and store the checkpoint over entries 1..n (inside the
 * caller's operation). */
static int
checkpoint_make(struct hl_store *s, struct hl_keys *k, const char *node, uint64_t now_ms,
    struct hl_buf *out)
{
	struct hl_merkle_frontier f;
	struct hl_checkpoint last, c;
	struct hl_buf fb;
	sqlite3_stmt *st = NULL;
	uint8_t d[64];
	uint64_t n;
	int r, have = 0;

	hl_buf_init(&fb, 8 + 64 * HL_MERKLE_HASH);
	hl_merkle_frontier_init(&f);
	if ((r = audit_size(s, &n)) != HL_OK)
		goto out;
	if (n == 0) {
		r = set_msg(s, HL_ERR_NOT_FOUND, "the audit log is empty");
		goto out;
	}
	if ((r = cp_last(s, &have, &last, &f, NULL, NULL)) != HL_OK)
		goto out;
	if (have && last.size > n) {
		r = set_msg(s, HL_ERR_CORRUPT, "audit log truncated: checkpoint at size %llu "
		    "but the log ends at entry %llu", (unsigned long long)last.size,
		    (unsigned long long)n);
		goto out;
	}
	if (have && last.size == n) {
		r = set_msg(s, HL_ERR_EXISTS, "no new audit entries since the checkpoint at "
		    "size %llu", (unsigned long long)n);
		goto out;
	}
	/* extend the signed frontier: the new head is consistent with the last
	 * one by construction, whatever happened to the rows below it */
	if ((r = audit_leaves(s, have ? last.size : 0, n, 1, NULL, &f)) != HL_OK)
		goto out;
	memset(&c, 0, sizeof(c));
	c.version = HL_CHECKPOINT_VERSION;
	if ((size_t)snprintf(c.node, sizeof(c.node), "%s", node) >= sizeof(c.node)) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	c.size = n;
	c.time_ms = now_ms;
	if ((r = hl_merkle_frontier_root(&f, c.root)) != HL_OK ||
	    (r = hl_checkpoint_encode(&c, out)) != HL_OK ||
	    (r = hl_checkpoint_digest(out->data, out->len - HL_ED25519_SIG, d)) != HL_OK ||
	    (r = hl_keys_sign(k, HL_SIGN_CHECKPOINT, d, out->data + out->len -
	    HL_ED25519_SIG)) != HL_OK ||
	    (r = hl_merkle_frontier_encode(&f, &fb)) != HL_OK)
		goto out;
	st = s->st[ST_CP_INSERT];
	if ((r = bind_u64(s, st, 1, n)) != HL_OK ||
	    (r = bind_u64(s, st, 2, now_ms)) != HL_OK ||
	    (r = bind_blob(s, st, 3, c.root, HL_MERKLE_HASH)) != HL_OK ||
	    (r = bind_blob(s, st, 4, out->data, out->len)) != HL_OK ||
	    (r = bind_blob(s, st, 5, fb.data, fb.len)) != HL_OK)
		goto out;
	r = step_done(s, st);
out:
	if (st != NULL)
		st_reset(st);
	hl_buf_free(&fb);
	return r;
}

int
hl_store_audit_checkpoint(struct hl_store *s, struct hl_keys *k, const char *node,
    uint64_t now_ms, uint8_t **raw, size_t *len)
{
	struct hl_buf b;
	int r, mode = 0;

	if (raw != NULL)
		*raw = NULL;
	if (len != NULL)
		*len = 0;
	if (s == NULL || k == NULL || raw == NULL || len == NULL)
		return HL_ERR_INVALID;
	if ((r = check_name(node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
	if ((r = op_begin(s, &mode)) != HL_OK)
		goto out;
	r = checkpoint_make(s, k, node, now_ms, &b);
	if ((r = op_end(s, mode, r)) != HL_OK)
		goto out;
	*raw = hl_buf_steal(&b, len);
	if (*raw == NULL) {
		*len = 0;
		r = HL_ERR_NOMEM;
	}
out:
	hl_buf_free(&b);
	return r;
}

int
hl_store_audit_checkpoint_last(struct hl_store *s, uint8_t **raw, size_t *len)
{
	struct hl_checkpoint c;
	int r, have = 0;

	if (raw != NULL)
		*raw = NULL;
	if (len != NULL)
		*len = 0;
	if (s == NULL || raw == NULL || len == NULL)
		return HL_ERR_INVALID;
	if ((r = cp_last(s, &have, &c, NULL, raw, len)) != HL_OK)
		return r;
	return have ? HL_OK : HL_ERR_NOT_FOUND;
}

int
hl_store_audit_root(struct hl_store *s, uint64_t size, uint8_t root[static HL_SHA256])
{
	struct hl_merkle_frontier f;
	uint64_t n;
	int r;

	if (s == NULL || root == NULL)
		return HL_ERR_INVALID;
	if ((r = audit_size(s, &n)) != HL_OK)
		return r;
	if (size > n)
		return HL_ERR_INVALID;
	hl_merkle_frontier_init(&f);
	if ((r = audit_leaves(s, 0, size, 0, NULL, &f)) != HL_OK)
		return r;
	return hl_merkle_frontier_root(&f, root);
}

int
hl_store_audit_inclusion(struct hl_store *s, uint64_t seq, uint64_t tree_size,
    uint8_t proof[HL_MERKLE_PROOF_MAX][HL_SHA256], size_t *plen)
{
	uint8_t (*leaves)[HL_MERKLE_HASH] = NULL;
	uint64_t n;
	int r;

	if (plen != NULL)
		*plen = 0;
	if (s == NULL || proof == NULL || plen == NULL)
		return HL_ERR_INVALID;
	if ((r = audit_size(s, &n)) != HL_OK)
		return r;
	if (seq == 0 || seq > tree_size || tree_size > n)
		return HL_ERR_INVALID;
	if ((r = audit_all_leaves(s, tree_size, &leaves)) != HL_OK)
		return r;
	r = hl_merkle_inclusion_proof((const uint8_t (*)[HL_MERKLE_HASH])leaves, tree_size,
	    seq - 1, proof, plen);
	hl_free(leaves);
	return r;
}

int
hl_store_audit_consistency(struct hl_store *s, uint64_t old_size, uint64_t new_size,
    uint8_t proof[HL_MERKLE_PROOF_MAX][HL_SHA256], size_t *plen)
{
	uint8_t (*leaves)[HL_MERKLE_HASH] = NULL;
	uint64_t n;
	int r;

	if (plen != NULL)
		*plen = 0;
	if (s == NULL || proof == NULL || plen == NULL)
		return HL_ERR_INVALID;
	if ((r = audit_size(s, &n)) != HL_OK)
		return r;
	if (old_size == 0 || old_size > new_size || new_size > n)
		return HL_ERR_INVALID;
	if ((r = audit_all_leaves(s, new_size, &leaves)) != HL_OK)
		return r;
	r = hl_merkle_consistency_proof((const uint8_t (*)[HL_MERKLE_HASH])leaves, old_size,
	    new_size, proof, plen);
	hl_free(leaves);
	return r;
}

int
hl_store_audit_by_id(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], size_t limit,
    struct hl_audit_entry **out, size_t *n)
{
	sqlite3_stmt *st;
	struct hl_audit_entry *a = NULL, *na, *e;
	size_t cnt = 0, cap = 0;
	int r, have;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || id == NULL || out == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (limit == 0)
		return HL_OK;
	st = s->st[ST_AUDIT_BY_ID];
	if ((r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_limit(s, st, 2, limit)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if (cap > limit)
				cap = limit;
			if ((na = hl_realloc(a, cap * sizeof(*a))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		e = &a[cnt];
		memset(e, 0, sizeof(*e));
		e->seq = col_u64(st, 0);
		e->time_ms = col_u64(st, 1);
		/* a tampered over-long field is cut: its proof will not verify */
		if ((r = col_str(st, 2, e->event, sizeof(e->event), 1)) != HL_OK ||
		    (r = col_str(st, 4, e->actor, sizeof(e->actor), 1)) != HL_OK ||
		    (r = col_str(st, 5, e->detail, sizeof(e->detail), 1)) != HL_OK)
			goto out;
		memcpy(e->id, id, HL_ID_BYTES);
		e->has_id = 1;
		cnt++;
	}
	*out = a;
	*n = cnt;
	a = NULL;
	r = HL_OK;
out:
	st_reset(st);
	hl_free(a);
	return r;
}

int
hl_store_witness_put(struct hl_store *s, const char *from_node, const uint8_t *raw, size_t len)
{
	struct hl_checkpoint c;
	sqlite3_stmt *st;
	const void *root;
	int r, mode = 0, have;

	if (s == NULL || raw == NULL)
		return HL_ERR_INVALID;
	if ((r = check_name(from_node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = hl_checkpoint_decode(raw, len, &c)) != HL_OK)
		return r;
	if (strcmp(c.node, from_node) != 0)
		return set_msg(s, HL_ERR_INVALID, "checkpoint of %s sent by %s", c.node, from_node);
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	st = s->st[ST_WIT_GET];
	if ((r = bind_text(s, st, 1, from_node)) != HL_OK ||
	    (r = bind_u64(s, st, 2, c.size)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (have) {
		root = sqlite3_column_blob(st, 0);
		if (root != NULL && sqlite3_column_bytes(st, 0) == HL_MERKLE_HASH &&
		    memcmp(root, c.root, HL_MERKLE_HASH) == 0)
			r = HL_ERR_EXISTS;
		else
			r = set_msg(s, HL_ERR_CORRUPT, "%s signed two different audit trees "
			    "of size %llu", from_node, (unsigned long long)c.size);
		goto out;
	}
	st_reset(st);
	st = s->st[ST_WIT_INSERT];
	if ((r = bind_text(s, st, 1, from_node)) != HL_OK ||
	    (r = bind_u64(s, st, 2, c.size)) != HL_OK ||
	    (r = bind_u64(s, st, 3, c.time_ms)) != HL_OK ||
	    (r = bind_blob(s, st, 4, c.root, HL_MERKLE_HASH)) != HL_OK ||
	    (r = bind_blob(s, st, 5, raw, len)) != HL_OK)
		goto out;
	r = step_done(s, st);
out:
	st_reset(st);
	return op_end(s, mode, r);
}

int
hl_store_witness_last(struct hl_store *s, const char *from_node, uint8_t **raw, size_t *len)
{
	return blob_by_node(s, ST_WIT_LAST, from_node, HL_NODE_NAME_MAX, HL_CHECKPOINT_MAX_BYTES,
	    raw, len);
}

int
hl_store_counts(struct hl_store *s, uint64_t *inbound, uint64_t *outbound,
    uint64_t *audit_entries)
{
	uint64_t v;
	int r;

	if (inbound != NULL)
		*inbound = 0;
	if (outbound != NULL)
		*outbound = 0;
	if (audit_entries != NULL)
		*audit_entries = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	if (inbound != NULL) {
		if ((r = count_query(s, ST_COUNT_IN, NULL, &v)) != HL_OK)
			return r;
		*inbound = v;
	}
	if (outbound != NULL) {
		if ((r = count_query(s, ST_COUNT_OUT, NULL, &v)) != HL_OK)
			return r;
		*outbound = v;
	}
	if (audit_entries != NULL) {
		if ((r = count_query(s, ST_COUNT_AUDIT, NULL, &v)) != HL_OK)
			return r;
		*audit_entries = v;
	}
	return HL_OK;
}

/* ---- statements outside the table ----
 * Prepared on first use and kept for the life of the store (several are on
 * the per-envelope path: the pump, relaying, the deadline scan). sql must be
 * a string literal: its address is the key. Give it back with adhoc_done(),
 * which resets it; a statement is never in use twice at once. */

static int
adhoc_prepare(struct hl_store *s, const char *sql, sqlite3_stmt **st)
{
	size_t i;
	int rc;

	*st = NULL;
	for (i = 0; i < s->nadhoc; i++)
		if (s->adhoc[i].sql == sql) {
			*st = s->adhoc[i].st;
			return HL_OK;
		}
	if (s->nadhoc == STORE_ADHOC_MAX) {
		/* cannot happen (fewer literals than slots): prepare one-off */
		rc = sqlite3_prepare_v2(s->db, sql, -1, st, NULL);
		return rc == SQLITE_OK ? HL_OK : db_fail(s, rc);
	}
	rc = sqlite3_prepare_v3(s->db, sql, -1, SQLITE_PREPARE_PERSISTENT, st, NULL);
	if (rc != SQLITE_OK) {
		*st = NULL;
		return db_fail(s, rc);
	}
	s->adhoc[s->nadhoc].sql = sql;
	s->adhoc[s->nadhoc].st = *st;
	s->nadhoc++;
	return HL_OK;
}

/* Give back a statement from adhoc_prepare (NULL: nothing). */
static void
adhoc_done(struct hl_store *s, sqlite3_stmt *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < s->nadhoc; i++)
		if (s->adhoc[i].st == st) {
			st_reset(st);
			return;
		}
	(void)sqlite3_finalize(st);   /* the one-off case above */
}

uint64_t
hl_store_queue_gen(const struct hl_store *s)
{
	return s != NULL ? s->queue_gen : 0;
}

int
hl_store_replace_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *raw, size_t len)
{
	sqlite3_stmt *st = NULL;
	int r, mode = 0;

	if (s == NULL || raw == NULL || len == 0)
		return HL_ERR_INVALID;
	if (len > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = adhoc_prepare(s, "UPDATE envelopes SET raw = ?2 WHERE id = ?1 AND inbound = 0",
	    &st)) == HL_OK &&
	    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = bind_blob(s, st, 2, raw, len)) == HL_OK &&
	    (r = step_done(s, st)) == HL_OK && sqlite3_changes(s->db) == 0)
		r = HL_ERR_NOT_FOUND;
	adhoc_done(s, st);
	s->queue_gen++;
	return op_end(s, mode, r);
}

int
hl_store_delivery_wait(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int waiting)
{
	sqlite3_stmt *st = NULL;
	int r, mode = 0;

	if (s == NULL || node == NULL)
		return HL_ERR_INVALID;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = adhoc_prepare(s, "UPDATE deliveries SET state = ?3 WHERE id = ?1 AND node = ?2"
	    " AND state IN (0, 4)", &st)) == HL_OK &&
	    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = bind_text(s, st, 2, node)) == HL_OK &&
	    (r = bind_i64(s, st, 3, waiting ? HL_DLV_AWAITING_KEY : HL_DLV_QUEUED)) == HL_OK &&
	    (r = step_done(s, st)) == HL_OK && sqlite3_changes(s->db) == 0)
		r = HL_ERR_NOT_FOUND;
	adhoc_done(s, st);
	s->queue_gen++;
	return op_end(s, mode, r);
}

int
hl_store_pending_for(struct hl_store *s, const char *peer, int waiting_only,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n, size_t max)
{
	sqlite3_stmt *st = NULL;
	uint8_t (*out)[HL_ID_BYTES] = NULL;
	size_t cnt = 0;
	int r, have;

	*ids = NULL;
	*n = 0;
	if (s == NULL || peer == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	if ((out = hl_calloc(max, HL_ID_BYTES)) == NULL)
		return HL_ERR_NOMEM;
	if ((r = adhoc_prepare(s, waiting_only ?
	    "SELECT id FROM deliveries WHERE node = ?1 AND state = 4 ORDER BY queued_ms LIMIT ?2" :
	    "SELECT id FROM deliveries WHERE node = ?1 AND state IN (0, 4) ORDER BY queued_ms LIMIT ?2",
	    &st)) != HL_OK ||
	    (r = bind_text(s, st, 1, peer)) != HL_OK ||
	    (r = bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (sqlite3_column_bytes(st, 0) != HL_ID_BYTES || cnt == max) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		memcpy(out[cnt++], sqlite3_column_blob(st, 0), HL_ID_BYTES);
	}
	*ids = out;
	*n = cnt;
	out = NULL;
	r = HL_OK;
out:
	adhoc_done(s, st);
	hl_free(out);
	return r;
}

/* ---- the link pump ---- */

int
hl_store_queue_list(struct hl_store *s, const char *peer, uint8_t (**ids)[HL_ID_BYTES],
    uint8_t **precs, size_t *n, size_t max)
{
	sqlite3_stmt *st = NULL;
	uint8_t (*out)[HL_ID_BYTES] = NULL, *pr = NULL;
	size_t cnt = 0;
	int64_t p;
	int r, have;

	*ids = NULL;
	*precs = NULL;
	*n = 0;
	if (s == NULL || peer == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	if ((out = hl_calloc(max, HL_ID_BYTES)) == NULL || (pr = hl_calloc(max, 1)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = adhoc_prepare(s, "SELECT id, p FROM ("
	    " SELECT d.id AS id, e.precedence AS p, e.created_ms AS c FROM deliveries AS d"
	    " JOIN envelopes AS e ON e.id = d.id WHERE d.node = ?1 AND d.state = 0"
	    " UNION ALL SELECT id, precedence, created_ms FROM transit"
	    " WHERE final = ?1 AND state = 0)"
	    " ORDER BY p ASC, c ASC LIMIT ?2", &st)) != HL_OK ||
	    (r = bind_text(s, st, 1, peer)) != HL_OK ||
	    (r = bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		p = sqlite3_column_int64(st, 1);
		if (sqlite3_column_bytes(st, 0) != HL_ID_BYTES || cnt == max || p < 0 || p > 3) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		memcpy(out[cnt], sqlite3_column_blob(st, 0), HL_ID_BYTES);
		pr[cnt++] = (uint8_t)p;
	}
	*ids = out;
	*precs = pr;
	*n = cnt;
	out = NULL;
	pr = NULL;
	r = HL_OK;
out:
	adhoc_done(s, st);
	hl_free(out);
	hl_free(pr);
	return r;
}

int
hl_store_get_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], const char *final,
    uint8_t **raw, size_t *len)
{
	sqlite3_stmt *st = NULL;
	int r, have;

	*raw = NULL;
	*len = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	/* what we forward for final (the bytes its origin sent us to relay)
	 * comes first; our own copy (sent by us, or received) otherwise. Two
	 * queries, not one UNION ... ORDER BY, which would copy a 50 MB blob
	 * through a sorter before returning it. */
	if ((r = adhoc_prepare(s, "SELECT raw FROM transit WHERE id = ?1 AND final = ?2",
	    &st)) != HL_OK ||
	    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, final)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		adhoc_done(s, st);
		st = NULL;
		if ((r = adhoc_prepare(s, "SELECT raw FROM envelopes WHERE id = ?1", &st)) != HL_OK ||
		    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
		    (r = step_row(s, st, &have)) != HL_OK)
			goto out;
	}
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	r = col_blob_dup(st, 0, HL_ENVELOPE_MAX_BYTES, raw, len);
out:
	adhoc_done(s, st);
	return r;
}

/* ---- relay: envelopes in transit through this node ---- */

int
hl_store_put_transit(struct hl_store *s, const struct hl_msg *m, const char *final,
    uint64_t now_ms, int *added)
{
	sqlite3_stmt *st = NULL;
	int r, mode = 0, have = 0;

	*added = 0;
	if (s == NULL || m == NULL || final == NULL || m->raw == NULL || m->raw_len == 0 ||
	    m->precedence > 3)
		return HL_ERR_INVALID;
	if (m->raw_len > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = adhoc_prepare(s, "SELECT 1 FROM transit WHERE id = ?1 AND final = ?2",
	    &st)) != HL_OK ||
	    (r = bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, final)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	adhoc_done(s, st);
	st = NULL;
	/* a newer sealing of the same envelope (re-sealed by its origin to fresh
	 * keys) replaces the bytes we forward; the caller checked the origin's
	 * signature on it */
	if ((r = adhoc_prepare(s, "INSERT INTO transit (id, final, origin, precedence, created_ms,"
	    " expires_ms, state, queued_ms, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)"
	    " ON CONFLICT (id, final) DO UPDATE SET raw = excluded.raw", &st)) != HL_OK ||
	    (r = bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, final)) != HL_OK ||
	    (r = bind_text(s, st, 3, m->origin)) != HL_OK ||
	    (r = bind_i64(s, st, 4, m->precedence)) != HL_OK ||
	    (r = bind_u64(s, st, 5, m->created_ms)) != HL_OK ||
	    (r = bind_u64(s, st, 6, m->expires_ms)) != HL_OK ||
	    (r = bind_u64(s, st, 7, now_ms)) != HL_OK ||
	    (r = bind_blob(s, st, 8, m->raw, m->raw_len)) != HL_OK ||
	    (r = step_done(s, st)) != HL_OK)
		goto out;
	*added = !have;
out:
	adhoc_done(s, st);
	s->queue_gen++;
	return op_end(s, mode, r);
}

/* UPDATE one transit row of id for final to state, where its state is
 * (from_queued: queued) or (!from_queued: done). HL_ERR_NOT_FOUND if none. */
static int
transit_set(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], const char *final,
    int state, int from_queued)
{
	sqlite3_stmt *st = NULL;
	int r, mode = 0;

	if (s == NULL || final == NULL)
		return HL_ERR_INVALID;
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = adhoc_prepare(s, from_queued ?
	    "UPDATE transit SET state = ?3 WHERE id = ?1 AND final = ?2 AND state = 0" :
	    "UPDATE transit SET state = ?3 WHERE id = ?1 AND final = ?2 AND state != 0",
	    &st)) == HL_OK &&
	    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = bind_text(s, st, 2, final)) == HL_OK &&
	    (r = bind_i64(s, st, 3, state)) == HL_OK &&
	    (r = step_done(s, st)) == HL_OK && sqlite3_changes(s->db) == 0)
		r = HL_ERR_NOT_FOUND;
	adhoc_done(s, st);
	s->queue_gen++;
	return op_end(s, mode, r);
}

int
hl_store_transit_done(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final, int state)
{
	return transit_set(s, id, final, state, 1);
}

/* The origin sent a relayed envelope again: it has no receipt yet (ours
 * was lost, say the origin's link was down when it passed through us).
 * Forward it once more; the final recipient answers from its seen-id table
 * and its receipt comes back through us. HL_ERR_NOT_FOUND if not done. */
int
hl_store_transit_requeue(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final)
{
	return transit_set(s, id, final, HL_DLV_QUEUED, 0);
}

/* ---- tracks: the current picture of live warning tracks ----
 * (docs/internals/tracks.md; schema STORE_TRACKS_SCHEMA above). Rare enough
 * per second to use statements prepared per call, like re-sealing. */
#include "track.h"

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
	sqlite3_stmt *st = NULL;
	int r, have;

	if ((r = adhoc_prepare(s, "SELECT origin, flags, rowid FROM envelopes WHERE id = ?1",
	    &st)) != HL_OK ||
	    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = col_str(st, 0, origin, originsz, 0)) != HL_OK)
		goto out;
	*exercise = (sqlite3_column_int64(st, 1) & 0x01) != 0;   /* HL_ENV_FLAG_EXERCISE */
	*seq = sqlite3_column_int64(st, 2);
	r = HL_OK;
out:
	adhoc_done(s, st);
	return r;
}

/* Advance (origin, track_id, exercise) in the picture with an update. */
static int
track_advance(struct hl_store *s, const uint8_t *id, const char *origin, int exercise,
    const struct hl_track *t, int64_t seq)
{
	sqlite3_stmt *st = NULL;
	int64_t cur_s, cur_seq;
	uint32_t cur_ns;
	int r, have, c;

	if ((r = adhoc_prepare(s, "SELECT observed_s, observed_ns, env_seq FROM tracks"
	    " WHERE origin = ?1 AND track_id = ?2 AND exercise = ?3", &st)) != HL_OK ||
	    (r = bind_text(s, st, 1, origin)) != HL_OK ||
	    (r = bind_text(s, st, 2, t->track_id)) != HL_OK ||
	    (r = bind_i64(s, st, 3, exercise)) != HL_OK ||
	    (r = step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		adhoc_done(s, st);
		st = NULL;
		if ((r = adhoc_prepare(s, "INSERT INTO tracks (origin, track_id, exercise,"
		    " envelope_id, observed_s, observed_ns, env_seq, updates)"
		    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, 1)", &st)) != HL_OK)
			goto out;
	} else {
		cur_s = sqlite3_column_int64(st, 0);
		cur_ns = (uint32_t)sqlite3_column_int64(st, 1);
		cur_seq = sqlite3_column_int64(st, 2);
		c = hl_track_time_cmp(t->observed_s, t->observed_ns, cur_s, cur_ns);
		adhoc_done(s, st);
		st = NULL;
		/* newer observation, or the same one stored later, supersedes */
		if (c > 0 || (c == 0 && seq > cur_seq))
			r = adhoc_prepare(s, "UPDATE tracks SET envelope_id = ?4, observed_s = ?5,"
			    " observed_ns = ?6, env_seq = ?7, updates = updates + 1"
			    " WHERE origin = ?1 AND track_id = ?2 AND exercise = ?3", &st);
		else
			r = adhoc_prepare(s, "UPDATE tracks SET updates = updates + 1"
			    " WHERE origin = ?1 AND track_id = ?2 AND exercise = ?3", &st);
		if (r != HL_OK)
			goto out;
	}
	if ((r = bind_text(s, st, 1, origin)) != HL_OK ||
	    (r = bind_text(s, st, 2, t->track_id)) != HL_OK ||
	    (r = bind_i64(s, st, 3, exercise)) != HL_OK)
		goto out;
	if (sqlite3_bind_parameter_count(st) >= 7 &&
	    ((r = bind_blob(s, st, 4, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_i64(s, st, 5, t->observed_s)) != HL_OK ||
	    (r = bind_i64(s, st, 6, (int64_t)t->observed_ns)) != HL_OK ||
	    (r = bind_i64(s, st, 7, seq)) != HL_OK))
		goto out;
	r = step_done(s, st);
out:
	adhoc_done(s, st);
	return r;
}

int
hl_store_track_put(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const struct hl_track *t, const uint8_t *record, size_t record_len, const char *why)
{
	sqlite3_stmt *st = NULL;
	char origin[HL_NODE_NAME_MAX + 1];
	int64_t seq = 0;
	int r, mode = 0, exercise = 0;

	if (s == NULL || id == NULL || (t != NULL && (record == NULL || record_len == 0)))
		return HL_ERR_INVALID;
	if (record_len > HL_TRACK_MAX_BYTES || (t != NULL &&
	    strnlen(t->track_id, sizeof(t->track_id)) > HL_STORE_TRACK_ID_MAX))
		return HL_ERR_TOO_BIG;
	if (why == NULL)
		why = "";
	if ((r = op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = track_env(s, id, origin, sizeof(origin), &exercise, &seq)) != HL_OK)
		goto out;
	if ((r = adhoc_prepare(s, "INSERT INTO track_updates (envelope_id, origin, track_id,"
	    " exercise, observed_s, observed_ns, env_seq, valid, record, error)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, substr(?10, 1, 256))", &st)) != HL_OK ||
	    (r = bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = bind_text(s, st, 2, origin)) != HL_OK ||
	    (r = bind_i64(s, st, 4, exercise)) != HL_OK ||
	    (r = bind_i64(s, st, 7, seq)) != HL_OK ||
	    (r = bind_i64(s, st, 8, t != NULL)) != HL_OK ||
	    (r = bind_blob(s, st, 9, record, t != NULL ? record_len : 0)) != HL_OK ||
	    (r = bind_text(s, st, 10, t != NULL ? "" : why)) != HL_OK)
		goto out;
	if (t != NULL &&
	    ((r = bind_text(s, st, 3, t->track_id)) != HL_OK ||
	    (r = bind_i64(s, st, 5, t->observed_s)) != HL_OK ||
	    (r = bind_i64(s, st, 6, (int64_t)t->observed_ns)) != HL_OK))
		goto out;
	if (t == NULL &&
	    ((r = bind_i64(s, st, 5, 0)) != HL_OK || (r = bind_i64(s, st, 6, 0)) != HL_OK))
		goto out;
	if ((r = step_done(s, st)) != HL_OK)
		goto out;
	if (t != NULL)
		r = track_advance(s, id, origin, exercise, t, seq);
out:
	adhoc_done(s, st);
	return op_end(s, mode, r);
}

/* Run a row query of the form (envelope_id, origin, track_id, exercise,
 * label, stored_ms, updates, record) to completion. */
static int
track_rows(struct hl_store *s, sqlite3_stmt *st, size_t max, struct hl_track_row **rows,
    size_t *n)
{
	struct hl_track_row *a = NULL, *na, *row;
	size_t cnt = 0, cap = 0;
	const void *p;
	int r, have, nb;

	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == max) {
			r = HL_ERR_CORRUPT;   /* LIMIT ?max was bound */
			goto out;
		}
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if (cap > max)
				cap = max;
			if ((na = hl_realloc(a, cap * sizeof(*a))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		row = &a[cnt];
		memset(row, 0, sizeof(*row));
		cnt++;
		p = sqlite3_column_blob(st, 0);
		if (p == NULL || sqlite3_column_bytes(st, 0) != HL_ID_BYTES) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		memcpy(row->id, p, HL_ID_BYTES);
		if ((r = col_str(st, 1, row->origin, sizeof(row->origin), 0)) != HL_OK ||
		    (r = col_str(st, 2, row->track_id, sizeof(row->track_id), 0)) != HL_OK)
			goto out;
		row->exercise = sqlite3_column_int64(st, 3) != 0;
		p = sqlite3_column_blob(st, 4);
		nb = sqlite3_column_bytes(st, 4);
		if (nb < 0 || (size_t)nb > HL_LABEL_MAX_BYTES || (nb > 0 && p == NULL)) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		if (nb > 0)
			memcpy(row->label, p, (size_t)nb);
		row->label_len = (size_t)nb;
		row->received_ms = col_u64(st, 5);
		row->updates = col_u64(st, 6);
		if ((r = col_blob_dup(st, 7, HL_TRACK_MAX_BYTES, &row->record,
		    &row->record_len)) != HL_OK)
			goto out;
	}
	*rows = a;
	*n = cnt;
	a = NULL;
	cnt = 0;
	r = HL_OK;
out:
	hl_store_track_rows_free(a, cnt);
	return r;
}

int
hl_store_tracks(struct hl_store *s, size_t max, struct hl_track_row **rows, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || rows == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	if ((r = adhoc_prepare(s, "SELECT t.envelope_id, t.origin, t.track_id, t.exercise,"
	    " e.label, e.stored_ms, t.updates, u.record FROM tracks AS t"
	    " JOIN track_updates AS u ON u.envelope_id = t.envelope_id"
	    " JOIN envelopes AS e ON e.id = t.envelope_id"
	    " ORDER BY t.observed_s DESC, t.observed_ns DESC, t.origin, t.track_id, t.exercise"
	    " LIMIT ?1", &st)) == HL_OK &&
	    (r = bind_limit(s, st, 1, max)) == HL_OK)
		r = track_rows(s, st, max, rows, n);
	adhoc_done(s, st);
	return r;
}

int
hl_store_track_history(struct hl_store *s, const char *track_id, size_t max,
    struct hl_track_row **rows, size_t *n)
{
	sqlite3_stmt *st = NULL;
	int r;

	if (rows != NULL)
		*rows = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || track_id == NULL || rows == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	if ((r = adhoc_prepare(s, "SELECT u.envelope_id, u.origin, u.track_id, u.exercise,"
	    " e.label, e.stored_ms, 0, u.record FROM track_updates AS u"
	    " JOIN envelopes AS e ON e.id = u.envelope_id"
	    " WHERE u.valid = 1 AND u.track_id = ?1"
	    " ORDER BY u.observed_s DESC, u.observed_ns DESC, u.env_seq DESC LIMIT ?2",
	    &st)) == HL_OK &&
	    (r = bind_text(s, st, 1, track_id)) == HL_OK &&
	    (r = bind_limit(s, st, 2, max)) == HL_OK)
		r = track_rows(s, st, max, rows, n);
	adhoc_done(s, st);
	return r;
}

int
hl_store_track_pending(struct hl_store *s, uint8_t content_type, size_t max,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n)
{
	sqlite3_stmt *st = NULL;
	uint8_t (*out)[HL_ID_BYTES] = NULL;
	size_t cnt = 0, cap = 0;
	int r, have;

	*ids = NULL;
	*n = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	if ((r = adhoc_prepare(s, "SELECT e.id FROM envelopes AS e WHERE e.content_type = ?1"
	    " AND NOT EXISTS (SELECT 1 FROM track_updates AS u WHERE u.envelope_id = e.id)"
	    " ORDER BY e.rowid LIMIT ?2", &st)) != HL_OK ||
	    (r = bind_i64(s, st, 1, content_type)) != HL_OK ||
	    (r = bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (sqlite3_column_bytes(st, 0) != HL_ID_BYTES || cnt == max) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		if (cnt == cap) {
			uint8_t (*na)[HL_ID_BYTES];

			cap = cap == 0 ? 64 : cap * 2;
			if (cap > max)
				cap = max;
			if ((na = hl_realloc(out, cap * HL_ID_BYTES)) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			out = na;
		}
		memcpy(out[cnt++], sqlite3_column_blob(st, 0), HL_ID_BYTES);
	}
	*ids = out;
	*n = cnt;
	out = NULL;
	r = HL_OK;
out:
	adhoc_done(s, st);
	hl_free(out);
	return r;
}

/* ---- acknowledgement deadlines ---- */

/* The earliest time anything can become overdue under deadline_ms (the
 * scan's candidates' created_ms + deadline), or UINT64_MAX: none. Uses the
 * v8 partial indexes. */
static int
od_next(struct hl_store *s, const uint64_t deadline_ms[4], uint64_t *due)
{
	static const char *const q[2] = {
		"SELECT created_ms FROM envelopes WHERE inbound = 1 AND acked_ms = 0"
		" AND overdue_ms = 0 AND precedence = ?1 AND (flags & 2) = 0"
		" ORDER BY created_ms LIMIT 1",
		"SELECT min(e.created_ms) FROM deliveries AS d JOIN envelopes AS e"
		" ON e.id = d.id WHERE d.state = 1 AND e.precedence = ?1 AND (e.flags & 2) = 0",
	};
	sqlite3_stmt *st = NULL;
	uint64_t t;
	int r = HL_OK, have, side;
	unsigned p;

	*due = UINT64_MAX;
	for (side = 0; side < 2; side++) {
		for (p = 0; p < 4; p++) {
			if ((r = adhoc_prepare(s, q[side], &st)) != HL_OK ||
			    (r = bind_i64(s, st, 1, p)) != HL_OK ||
			    (r = step_row(s, st, &have)) != HL_OK)
				goto out;
			if (have && sqlite3_column_type(st, 0) != SQLITE_NULL) {
				t = col_u64(st, 0) + deadline_ms[p];
				if (t < *due)
					*due = t;
			}
			adhoc_done(s, st);
			st = NULL;
		}
	}
out:
	adhoc_done(s, st);
	return r;
}

int
hl_store_mark_overdue(struct hl_store *s, uint64_t now_ms, const uint64_t deadline_ms[4],
    struct hl_overdue **out, size_t *n, size_t max)
{
	/* created_ms < now - deadline (not created_ms + deadline < now) so
	 * that the partial index on (precedence, created_ms) serves it */
	static const char *const q[2] = {
		"SELECT id, origin, precedence FROM envelopes WHERE inbound = 1 AND acked_ms = 0"
		" AND overdue_ms = 0 AND precedence = ?1 AND created_ms < ?3 - ?2"
		" AND (flags & 2) = 0 LIMIT ?4",   /* link tests are never acknowledged */
		"SELECT d.id, d.node, e.precedence FROM deliveries AS d JOIN envelopes AS e"
		" ON e.id = d.id WHERE d.state = 1 AND e.precedence = ?1 AND e.created_ms < ?3 - ?2"
		" AND (e.flags & 2) = 0 LIMIT ?4",
	};
	static const char *const u[2] = {
		"UPDATE envelopes SET overdue_ms = ?2 WHERE id = ?1 AND overdue_ms = 0",
		"UPDATE deliveries SET state = 5, overdue_ms = ?2 WHERE id = ?1 AND node = ?3"
		" AND state = 1",
	};
	sqlite3_stmt *st = NULL, *up = NULL;
	struct hl_overdue *a = NULL;
	size_t cnt = 0;
	uint64_t due = 0;
	int r, mode = 0, have, side;
	unsigned p;

	*out = NULL;
	*n = 0;
	if (s == NULL || max == 0 || deadline_ms == NULL)
		return HL_ERR_INVALID;
	/* nothing can be due yet: no query at all (the common case; every
	 * write of a candidate lowers od_due_ms, every rollback clears it) */
	if (s->od_valid && memcmp(s->od_dl, deadline_ms, sizeof(s->od_dl)) == 0 &&
	    now_ms <= s->od_due_ms)
		return HL_OK;
	if ((a = hl_calloc(max, sizeof(*a))) == NULL)
		return HL_ERR_NOMEM;
	if ((r = op_begin(s, &mode)) != HL_OK) {
		hl_free(a);
		return r;
	}
	s->od_valid = 0;
	for (side = 0; side < 2; side++) {
		for (p = 0; p < 4 && cnt < max; p++) {
			if ((r = adhoc_prepare(s, q[side], &st)) != HL_OK ||
			    (r = bind_i64(s, st, 1, p)) != HL_OK ||
			    (r = bind_u64(s, st, 2, deadline_ms[p])) != HL_OK ||
			    (r = bind_u64(s, st, 3, now_ms)) != HL_OK ||
			    (r = bind_limit(s, st, 4, max - cnt)) != HL_OK)
				goto out;
			for (;;) {
				if ((r = step_row(s, st, &have)) != HL_OK)
					goto out;
				if (!have)
					break;
				if (sqlite3_column_bytes(st, 0) != HL_ID_BYTES || cnt == max) {
					r = HL_ERR_CORRUPT;
					goto out;
				}
				memcpy(a[cnt].id, sqlite3_column_blob(st, 0), HL_ID_BYTES);
				if ((r = col_str(st, 1, a[cnt].node, sizeof(a[cnt].node), 1)) != HL_OK)
					goto out;
				a[cnt].precedence = (uint8_t)p;
				a[cnt].inbound = side == 0;
				cnt++;
			}
			adhoc_done(s, st);
			st = NULL;
		}
	}
	for (size_t i = 0; i < cnt; i++) {
		if ((r = adhoc_prepare(s, u[a[i].inbound ? 0 : 1], &up)) != HL_OK ||
		    (r = bind_blob(s, up, 1, a[i].id, HL_ID_BYTES)) != HL_OK ||
		    (r = bind_u64(s, up, 2, now_ms)) != HL_OK ||
		    (!a[i].inbound && (r = bind_text(s, up, 3, a[i].node)) != HL_OK) ||
		    (r = step_done(s, up)) != HL_OK)
			goto out;
		adhoc_done(s, up);
		up = NULL;
	}
	/* all found (not cut at max): remember when the next one is due */
	if (cnt < max && (r = od_next(s, deadline_ms, &due)) != HL_OK)
		goto out;
	*out = a;
	*n = cnt;
	a = NULL;
	r = HL_OK;
out:
	adhoc_done(s, st);
	adhoc_done(s, up);
	hl_free(a);
	r = op_end(s, mode, r);
	if (r != HL_OK && *out != NULL) {
		hl_free(*out);   /* the commit failed: nothing was marked */
		*out = NULL;
		*n = 0;
	}
	if (r == HL_OK && cnt < max && *n == cnt) {
		memcpy(s->od_dl, deadline_ms, sizeof(s->od_dl));
		s->od_due_ms = due;
		s->od_valid = 1;
	}
	return r;
}
