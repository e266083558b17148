/* store.c: the node's durable state in SQLite (WAL, synchronous=FULL):
 * opening, the schema migrations, the checkpoint thread, transactions and
 * the statement tables of the store's modules (store_int.h lists them).
 * Schema and guarantees are described in docs/internals/store.md.
 *
 * Every statement is prepared once at open and finalized at close; values
 * are always bound, never formatted into SQL. A mutating function runs in
 * its own BEGIN IMMEDIATE transaction, or, inside a transaction opened with
 * hl_store_begin(), in a savepoint of its own so that a failing call (say a
 * duplicate id) undoes exactly its own writes and the caller's batch can go
 * on. */
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "store_int.h"

#define STORE_SCHEMA_VERSION 16
#define STORE_BUSY_TIMEOUT_MS 5000
#define CKPT_RESTART_PAGES 16384          /* WAL frames (64 MiB of 4 KiB pages) */

/* Migrations: step[i] brings user_version i to i + 1. Applied in order, all
 * of them in one transaction together with the new user_version. Each
 * module keeps the steps that create its tables (store_int.h); a step's
 * text never changes once released. */
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
	/* 1 -> 2: the Merkle log (store_audit.c) */
	store_audit_v2,
	/* 2 -> 3: live warning tracks (store_tracks.c) */
	store_tracks_v3,
	/* 3 -> 4: envelopes in transit through this node (store_queue.c) */
	store_queue_v4,
	/* 4 -> 5: acknowledgement deadlines (store_queue.c) */
	store_queue_v5,
	/* 5 -> 6: STIX objects, observables index, TAXII status (store_stix.c) */
	store_stix_v6,
	/* 6 -> 7: operator accounts (store_accounts.c) */
	store_accounts_v7,
	/* 7 -> 8: partial indexes for the deadline scan (store_queue.c) */
	store_queue_v8,
	/* 8 -> 9: the collections holding STIX objects (store_stix.c) */
	store_stix_v9,
	/* 9 -> 10: names, external ids and references for search (store_stix.c) */
	store_stix_v10,
	/* 10 -> 11: large contents and envelopes in files (store_blob.c) */
	store_blob_v11,
	/* 11 -> 12: the track stream and its alerts (store_tracks.c) */
	store_tracks_v12,
	/* 12 -> 13: contents sealed at rest (store_blob.c) */
	store_blob_v13,
	/* 13 -> 14: operators' TOTP secrets and last accepted steps (store_accounts.c) */
	store_accounts_v14,
	/* 14 -> 15: revocation notices (store_revoke.c) */
	store_revoke_v15,
	/* 15 -> 16: the signature suite of each delivery's receipt (store_msg.c) */
	store_msg_v16,
};

/* The core's statements: transactions. */
enum core_st {
	ST_BEGIN,
	ST_BEGIN_READ,
	ST_COMMIT,
	ST_ROLLBACK,
	ST_SAVEPOINT,
	ST_RELEASE,
	ST_ROLLBACK_TO,
	ST_CORE_N
};

static const char *const core_sql[ST_CORE_N] = {
	[ST_BEGIN] = "BEGIN IMMEDIATE",
	[ST_BEGIN_READ] = "BEGIN DEFERRED",
	[ST_COMMIT] = "COMMIT",
	[ST_ROLLBACK] = "ROLLBACK",
	[ST_SAVEPOINT] = "SAVEPOINT hl_op",
	[ST_RELEASE] = "RELEASE hl_op",
	[ST_ROLLBACK_TO] = "ROLLBACK TO hl_op",
};

static const struct store_sql store_sql_core = { "core", core_sql, ST_CORE_N };

/* Every module's statements, prepared at open in this order. */
static const struct store_sql *const store_sqls[STORE_MOD_COUNT] = {
	[STORE_MOD_CORE] = &store_sql_core,
	[STORE_MOD_MSG] = &store_sql_msg,
	[STORE_MOD_QUEUE] = &store_sql_queue,
	[STORE_MOD_AUDIT] = &store_sql_audit,
	[STORE_MOD_TRACKS] = &store_sql_tracks,
	[STORE_MOD_ACCOUNTS] = &store_sql_accounts,
	[STORE_MOD_STIX] = &store_sql_stix,
	[STORE_MOD_BLOB] = &store_sql_blob,
	[STORE_MOD_REVOKE] = &store_sql_revoke,
};

/* How an operation is wrapped: its own transaction, or a savepoint inside
 * the caller's. */
enum op_mode { OP_OWN = 1, OP_SAVEPOINT = 2 };

/* ---- errors ---- */

int
store_set_msg(struct hl_store *s, int r, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	(void)vsnprintf(s->errmsg, sizeof(s->errmsg), fmt, ap);
	va_end(ap);
	return r;
}

int
store_map_rc(int rc)
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

int
store_fail(struct hl_store *s, int rc)
{
	const char *m = sqlite3_errmsg(s->db);

	(void)snprintf(s->errmsg, sizeof(s->errmsg), "%s (%s)", m != NULL ? m : "?",
	    sqlite3_errstr(rc));
	return store_map_rc(rc);
}

/* sqlite3_reset() repeats the error of the last step, which the caller has
 * already handled; clear_bindings cannot fail. */
void
store_reset(sqlite3_stmt *st)
{
	if (st == NULL)
		return;
	(void)sqlite3_reset(st);
	(void)sqlite3_clear_bindings(st);
}

int
store_bind_blob(struct hl_store *s, sqlite3_stmt *st, int i, const void *p, size_t n)
{
	int rc;

	if (n > (size_t)STORE_BIND_MAX)
		return HL_ERR_TOO_BIG;
	if (n == 0 || p == NULL)
		rc = sqlite3_bind_zeroblob(st, i, 0);
	else
		rc = sqlite3_bind_blob(st, i, p, (int)n, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	return HL_OK;
}

int
store_bind_text(struct hl_store *s, sqlite3_stmt *st, int i, const char *t)
{
	int rc;

	rc = sqlite3_bind_text(st, i, t != NULL ? t : "", -1, SQLITE_STATIC);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	return HL_OK;
}

int
store_bind_null(struct hl_store *s, sqlite3_stmt *st, int i)
{
	int rc;

	if ((rc = sqlite3_bind_null(st, i)) != SQLITE_OK)
		return store_fail(s, rc);
	return HL_OK;
}

int
store_bind_i64(struct hl_store *s, sqlite3_stmt *st, int i, int64_t v)
{
	int rc;

	rc = sqlite3_bind_int64(st, i, (sqlite3_int64)v);
	if (rc != SQLITE_OK)
		return store_fail(s, rc);
	return HL_OK;
}

int
store_bind_u64(struct hl_store *s, sqlite3_stmt *st, int i, uint64_t v)
{
	return store_bind_i64(s, st, i, (int64_t)v);
}

int
store_bind_limit(struct hl_store *s, sqlite3_stmt *st, int i, size_t v)
{
	return store_bind_i64(s, st, i, v > (size_t)INT64_MAX ? INT64_MAX : (int64_t)v);
}

uint64_t
store_col_u64(sqlite3_stmt *st, int i)
{
	return (uint64_t)sqlite3_column_int64(st, i);
}

int
store_step_done(struct hl_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	if (rc != SQLITE_DONE)
		return store_fail(s, rc == SQLITE_ROW ? SQLITE_MISUSE : rc);
	return HL_OK;
}

int
store_step_row(struct hl_store *s, sqlite3_stmt *st, int *have)
{
	int rc = sqlite3_step(st);

	*have = 0;
	if (rc == SQLITE_ROW) {
		*have = 1;
		return HL_OK;
	}
	if (rc == SQLITE_DONE)
		return HL_OK;
	return store_fail(s, rc);
}

int
store_run(struct hl_store *s, enum store_mod m, unsigned i)
{
	sqlite3_stmt *st = store_st(s, m, i);
	int r = store_step_done(s, st);

	store_reset(st);
	return r;
}

/* A core statement to completion. */
static int
run(struct hl_store *s, enum core_st which)
{
	return store_run(s, STORE_MOD_CORE, which);
}

int
store_col_str(sqlite3_stmt *st, int i, char *out, size_t outsz, int cut)
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

int
store_col_blob_dup(sqlite3_stmt *st, int i, size_t max, uint8_t **out, size_t *len)
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


int
store_col_id(sqlite3_stmt *st, int i, uint8_t id[static HL_ID_BYTES])
{
	const void *p = sqlite3_column_blob(st, i);

	if (p == NULL || sqlite3_column_bytes(st, i) != HL_ID_BYTES)
		return HL_ERR_CORRUPT;
	memcpy(id, p, HL_ID_BYTES);
	return HL_OK;
}

int
store_changes(const struct hl_store *s)
{
	return sqlite3_changes(s->db);
}

int64_t
store_last_rowid(const struct hl_store *s)
{
	return (int64_t)sqlite3_last_insert_rowid(s->db);
}

int
store_check_name(const char *name, size_t max)
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

int
store_check_opt_str(const char *t, size_t max)
{
	if (t == NULL)
		return HL_OK;
	if (strnlen(t, max + 1) > max)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

int
store_count(struct hl_store *s, sqlite3_stmt *st, const char *arg, uint64_t *v)
{
	int r, have;

	*v = 0;
	if (arg != NULL && (r = store_bind_text(s, st, 1, arg)) != HL_OK)
		goto out;
	if ((r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	*v = store_col_u64(st, 0);
	r = HL_OK;
out:
	store_reset(st);
	return r;
}

int
store_blob_by_key(struct hl_store *s, enum store_mod m, unsigned i, const char *key,
    size_t keymax, size_t max, uint8_t **out, size_t *len)
{
	sqlite3_stmt *st;
	int r, have;

	if (out != NULL)
		*out = NULL;
	if (len != NULL)
		*len = 0;
	if (s == NULL || out == NULL || len == NULL)
		return HL_ERR_INVALID;
	if ((r = store_check_name(key, keymax)) != HL_OK)
		return r;
	st = store_st(s, m, i);
	if ((r = store_bind_text(s, st, 1, key)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	r = store_col_blob_dup(st, 0, max, out, len);
out:
	store_reset(st);
	return r;
}


int
store_rows(struct hl_store *s, sqlite3_stmt *st, size_t max, size_t esz,
    int (*fill)(sqlite3_stmt *st, void *elem, void *arg), void *arg, void (*clear)(void *elem),
    void **out, size_t *n)
{
	unsigned char *a = NULL, *na;
	size_t cnt = 0, cap = 0, i;
	int r, have;

	*out = NULL;
	*n = 0;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (cnt == max) {
			r = HL_ERR_CORRUPT;   /* more rows than the LIMIT bound */
			goto out;
		}
		if (cnt == cap) {
			cap = cap == 0 ? 16 : cap * 2;
			if (cap > max)
				cap = max;
			if ((na = hl_realloc(a, cap * esz)) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			a = na;
		}
		memset(a + cnt * esz, 0, esz);
		cnt++;   /* counted before it is filled: a failed one is cleared too */
		if ((r = fill(st, a + (cnt - 1) * esz, arg)) != HL_OK)
			goto out;
	}
	*out = a;
	*n = cnt;
	a = NULL;
	cnt = 0;
	r = HL_OK;
out:
	store_reset(st);
	for (i = 0; clear != NULL && i < cnt; i++)
		clear(a + i * esz);
	hl_free(a);
	return r;
}

static int
fill_id(sqlite3_stmt *st, void *elem, void *arg)
{
	(void)arg;
	return store_col_id(st, 0, elem);
}

int
store_collect_ids(struct hl_store *s, sqlite3_stmt *st, size_t max, uint8_t (**ids)[HL_ID_BYTES],
    size_t *n)
{
	void *a = NULL;
	int r;

	*ids = NULL;
	r = store_rows(s, st, max, HL_ID_BYTES, fill_id, NULL, NULL, &a, n);
	*ids = a;
	return r;
}

/* ---- transactions ---- */

static int commit_written(struct hl_store *s);

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
		/* the holder acknowledges from a durable callback */
		r = commit_written(s);
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

int
store_op_begin(struct hl_store *s, int *mode)
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

int
store_op_end(struct hl_store *s, int mode, int r)
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

void
store_tx_abort(struct hl_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		(void)run(s, ST_ROLLBACK);
	tx_undone(s);
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

/* Commit; with the syncer running, written but not yet on disk (the
 * syncer is told). */
static int
commit_written(struct hl_store *s)
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
	store_sync_committed(s);
	return HL_OK;
}

int
hl_store_commit(struct hl_store *s)
{
	int r;

	if ((r = commit_written(s)) != HL_OK)
		return r;
	return store_sync_wait(s);
}

int
hl_store_commit_nowait(struct hl_store *s)
{
	return commit_written(s);
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

int
hl_store_read_begin(struct hl_store *s, int *began)
{
	int r;

	if (began != NULL)
		*began = 0;
	if (s == NULL || began == NULL)
		return HL_ERR_INVALID;
	/* inside a transaction (the caller's, or a held batch) already: that
	 * is the snapshot */
	if (!sqlite3_get_autocommit(s->db))
		return HL_OK;
	if ((r = run(s, ST_BEGIN_READ)) != HL_OK)
		return r;
	*began = 1;
	return HL_OK;
}

void
hl_store_read_end(struct hl_store *s, int began)
{
	if (s != NULL && began && !sqlite3_get_autocommit(s->db))
		(void)run(s, ST_COMMIT);   /* a read transaction: ends the snapshot */
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
	return store_map_rc(rc);
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
	return store_map_rc(rc);
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
		r = store_map_rc(rc);
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
			r = store_map_rc(rc);
			goto out;
		}
	}
	/* PRAGMA takes no parameters: the value is our own constant. */
	(void)snprintf(sql, sizeof(sql), "PRAGMA user_version = %d", STORE_SCHEMA_VERSION);
	rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot set schema version: %s", sqlite3_errmsg(db));
		r = store_map_rc(rc);
		goto out;
	}
	rc = sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
	if (rc != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot commit migration: %s", sqlite3_errmsg(db));
		r = store_map_rc(rc);
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

/* The statement tables of every module, prepared once on s->db. */
static int
prepare_all(struct hl_store *s, char *err, size_t errlen)
{
	const struct store_sql *t;
	unsigned m, i;
	int rc;

	/* the SQL functions the statements use, before they are prepared */
	if (store_stix_functions(s) != HL_OK || store_tracks_functions(s) != HL_OK) {
		hl_set_err(err, errlen, "DB: cannot register the SQL functions");
		return HL_ERR_STORE;
	}
	for (m = 0; m < STORE_MOD_COUNT; m++) {
		t = store_sqls[m];
		if ((s->st[m] = hl_calloc(t->n, sizeof(*s->st[m]))) == NULL) {
			hl_set_err(err, errlen, "DB: out of memory");
			return HL_ERR_NOMEM;
		}
		for (i = 0; i < t->n; i++) {
			rc = sqlite3_prepare_v3(s->db, t->sql[i], -1, SQLITE_PREPARE_PERSISTENT,
			    &s->st[m][i], NULL);
			if (rc != SQLITE_OK) {
				hl_set_err(err, errlen, "DB: cannot prepare statement %s %u: %s "
				    "(schema damaged?)", t->name, i, sqlite3_errmsg(s->db));
				return (rc & 0xff) == SQLITE_ERROR ? HL_ERR_CORRUPT : store_map_rc(rc);
			}
		}
	}
	return HL_OK;
}

static void
store_free(struct hl_store *s)
{
	unsigned m, i;

	if (s == NULL)
		return;
	store_sync_stop(s);
	ckpt_stop(s);
	if (s->ckpt_db != NULL && sqlite3_close(s->ckpt_db) != SQLITE_OK)
		(void)sqlite3_close_v2(s->ckpt_db);
	for (m = 0; m < STORE_MOD_COUNT; m++) {
		for (i = 0; s->st[m] != NULL && i < store_sqls[m]->n; i++)
			(void)sqlite3_finalize(s->st[m][i]);   /* repeats the last step's error */
		hl_free(s->st[m]);
		s->st[m] = NULL;
	}
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
	int rc, r = HL_ERR_INTERNAL, flags, v;

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
		r = (rc & 0xff) == SQLITE_CANTOPEN ? HL_ERR_IO : store_map_rc(rc);
		goto out;
	}
	if ((rc = sqlite3_extended_result_codes(s->db, 1)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, &v)) != SQLITE_OK ||
	    (rc = sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, &v)) != SQLITE_OK ||
	    (rc = sqlite3_busy_timeout(s->db, STORE_BUSY_TIMEOUT_MS)) != SQLITE_OK) {
		hl_set_err(err, errlen, "DB: cannot configure SQLite: %s", sqlite3_errstr(rc));
		r = store_map_rc(rc);
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
	if ((r = store_blob_init(s, path, err, errlen)) != HL_OK)
		goto out;
	if ((r = prepare_all(s, err, errlen)) != HL_OK)
		goto out;
	if ((r = store_audit_load(s)) != HL_OK) {
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

int
hl_store_snapshot(const char *db_path, const char *out_path, char *err, size_t errlen)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int r = HL_ERR_STORE;

	if (sqlite3_open_v2(db_path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK ||
	    sqlite3_busy_timeout(db, 10000) != SQLITE_OK ||
	    sqlite3_prepare_v2(db, "VACUUM INTO ?1", -1, &st, NULL) != SQLITE_OK ||
	    sqlite3_bind_text(st, 1, out_path, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_step(st) != SQLITE_DONE) {
		snprintf(err, errlen, "%s: cannot take a snapshot into %s: %s", db_path, out_path,
		    db != NULL ? sqlite3_errmsg(db) : "out of memory");
		goto out;
	}
	r = HL_OK;
out:
	sqlite3_finalize(st);
	sqlite3_close(db);
	return r;
}

void
hl_store_close(struct hl_store *s)
{
	if (s == NULL)
		return;
	if (s->in_tx || (s->db != NULL && !sqlite3_get_autocommit(s->db)))
		hl_store_rollback(s);
	OPENSSL_cleanse(s->content_key, sizeof(s->content_key));
	store_free(s);
}

int
hl_store_no_fsync(struct hl_store *s)
{
	s->no_fsync = 1;
	return sqlite3_exec(s->db, "PRAGMA synchronous = OFF", NULL, NULL, NULL) == SQLITE_OK ?
	    HL_OK : HL_ERR_STORE;
}

int
hl_store_cache_kib(struct hl_store *s, long kib)
{
	char sql[64];

	if (s == NULL || kib <= 0 || kib > 16L * 1024 * 1024)
		return HL_ERR_INVALID;
	/* a PRAGMA takes no parameters: the number is checked above */
	(void)snprintf(sql, sizeof(sql), "PRAGMA cache_size = -%ld", kib);
	return sqlite3_exec(s->db, sql, NULL, NULL, NULL) == SQLITE_OK ? HL_OK : HL_ERR_STORE;
}

const char *
hl_store_errmsg(const struct hl_store *s)
{
	return s != NULL ? s->errmsg : "";
}

