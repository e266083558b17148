/* store_int.h: what the files of the store share (not for use outside
 * src/store*.c). The store owns all SQL of hotline; it is split by concern,
 * each file with its tables, its migration steps and its statement table:
 *   store.c          open, close, migrations, the checkpoint thread,
 *                    transactions, the statement tables, shared helpers
 *   store_msg.c      envelopes, deliveries, the replay table, receipts
 *                    owed, peer descriptors, counts
 *   store_queue.c    the send queue, relay (transit), acknowledgement
 *                    deadlines
 *   store_audit.c    the hash-chained audit log, its Merkle tree,
 *                    checkpoints and witnesses
 *   store_tracks.c   the live track picture
 *   store_accounts.c operator accounts
 *   store_stix.c     STIX objects, the observable and search indexes,
 *                    TAXII status, poll cursors
 *   store_blob.c     large contents and envelopes in files beside the
 *                    database
 *
 * One statement mechanism: every module has a table of SQL texts (struct
 * store_sql), all prepared once when the store opens and finalized when it
 * closes; a statement is fetched with store_st(). No SQL is built from
 * data. The interfaces in store.h, store_accounts.h and store_stix.h carry
 * no SQLite type, so that another backend can stand behind them. */
#ifndef HL_STORE_INT_H
#define HL_STORE_INT_H

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include <sqlite3.h>

#include "envelope.h"
#include "store.h"

/* sqlite3_bind_blob takes an int length. (<limits.h> is shadowed by
 * src/limits.h through gcc's include_next, so no INT_MAX here.) */
#define STORE_BIND_MAX 0x7fffffff

/* The modules with statements, in the order they are prepared. */
enum store_mod {
	STORE_MOD_CORE = 0,
	STORE_MOD_MSG,
	STORE_MOD_QUEUE,
	STORE_MOD_AUDIT,
	STORE_MOD_TRACKS,
	STORE_MOD_ACCOUNTS,
	STORE_MOD_STIX,
	STORE_MOD_BLOB,
	STORE_MOD_REVOKE,
	STORE_MOD_COUNT
};

/* One module's statement table: sql[i] is statement i of its enum. */
struct store_sql {
	const char *name;              /* for messages */
	const char *const *sql;
	unsigned n;
};
extern const struct store_sql store_sql_msg, store_sql_queue, store_sql_audit,
    store_sql_tracks, store_sql_accounts, store_sql_stix, store_sql_blob, store_sql_revoke;

/* The migration steps the modules own (store.c holds the ordered list;
 * each text is exactly what that step has always run). */
extern const char store_audit_v2[];     /* 1 -> 2: the Merkle log */
extern const char store_tracks_v3[];    /* 2 -> 3: live warning tracks */
extern const char store_queue_v4[];     /* 3 -> 4: envelopes in transit */
extern const char store_queue_v5[];     /* 4 -> 5: acknowledgement deadlines */
extern const char store_stix_v6[];      /* 5 -> 6: STIX objects */
extern const char store_accounts_v7[];  /* 6 -> 7: operator accounts */
extern const char store_queue_v8[];     /* 7 -> 8: deadline scan indexes */
extern const char store_stix_v9[];      /* 8 -> 9: STIX collections */
extern const char store_stix_v10[];     /* 9 -> 10: STIX search index */
extern const char store_blob_v11[];     /* 10 -> 11: large contents in files */
extern const char store_blob_v13[];     /* 12 -> 13: contents sealed at rest */
extern const char store_revoke_v15[];   /* 14 -> 15: revocation notices */
extern const char store_msg_v16[];      /* 15 -> 16: deliveries.receipt_suite */
extern const char store_tracks_v12[];   /* 11 -> 12: the track stream and alerts */
extern const char store_accounts_v14[]; /* 13 -> 14: TOTP secrets, last accepted steps */

enum store_hold_state { HOLD_NONE = 0, HOLD_OPEN, HOLD_ENDED };

struct store_sync;

struct hl_store {
	sqlite3 *db;
	/* group commit with the fsync on a syncer thread (store_sync.c); NULL:
	 * every commit is fsynced before it returns */
	struct store_sync *sync;
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
	sqlite3_stmt **st[STORE_MOD_COUNT];   /* each module's table, prepared */
	int readonly;
	int no_fsync;                /* hl_store_no_fsync: files are not fsynced either */
	/* large contents and envelopes (store_blob.c): "<db>.blobs"; set at
	 * open and never changed, so any thread may read it */
	char blob_dir[HL_PATH_MAX];
	/* hl_store_set_content_key: set once before other threads, then read */
	uint8_t content_key[HL_STORE_CONTENT_KEY];
	int have_content_key;
	int in_tx;                  /* hl_store_begin() was called */
	int audit_valid;            /* audit_seq / audit_hash match the database */
	uint64_t audit_seq;         /* last entry's seq (0: empty log) */
	uint8_t audit_hash[HL_SHA256];
	char errmsg[256];
	uint64_t queue_gen;         /* bumped on every change to a send queue */
	/* hl_store_mark_overdue: nothing can become overdue before od_due_ms,
	 * for the deadlines od_dl (valid while od_valid) */
	int od_valid;
	uint64_t od_due_ms;
	uint64_t od_dl[HL_PRECEDENCES];
	/* a held transaction (hl_store_hold): ended here, before anyone else
	 * starts a write while hold_active is 0; hl_store_hold_end tells the
	 * holder how (the store calls nobody back) */
	int hold;                   /* enum store_hold_state */
	int hold_active;
	int hold_failed;            /* hl_store_hold_fail: roll it back */
	int hold_result;            /* HOLD_ENDED: how it ended */
};

/* Statement i of module m (prepared at open; never NULL on an open store). */
static inline sqlite3_stmt *
store_st(const struct hl_store *s, enum store_mod m, unsigned i)
{
	return s->st[m][i];
}

/* ---- files beside the database (store_blob.c) ---- */
/* Set s->blob_dir from the database's path and create it (mode 0700). */
int store_blob_init(struct hl_store *s, const char *dbpath, char *err, size_t errlen);
/* Before a row is inserted: a part of n >= HL_BLOB_MIN_BYTES goes to a file
 * (unless have names one a worker wrote); OUT: *key, 0 when it stays in
 * the row. */
int store_blob_put(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], int kind,
    const uint8_t *p, size_t n, uint64_t have, uint64_t *key);
/* Register hl_stix_json(json, collection, id, version): a STIX object's
 * JSON as stored, opened when it is sealed (store_stix.c). */
int store_stix_functions(struct hl_store *s);
/* hl_track_record(record, envelope_id, idx), the same for track records
 * (store_tracks.c). */
int store_tracks_functions(struct hl_store *s);
/* Seal / open under the store's content key, bound to role (a content: to
 * its id, "content <hex>"; a TOTP secret: "totp <name>").
 * open: HL_ERR_INVALID without a key, HL_ERR_CORRUPT when it does not
 * open. OUT: *out (hl_free / hl_free_secret), *outlen. */
int store_seal(const struct hl_store *s, const char *role, const uint8_t *p, size_t n,
    uint8_t **out, size_t *outlen);
int store_seal_open(const struct hl_store *s, const char *role, const uint8_t *p, size_t n,
    uint8_t **out, size_t *outlen);
/* An SQL function's result: v as it is when stored in clear, else opened
 * under role (as text or a blob); an SQL error when it does not open. The
 * function's user data is the store. */
void store_sql_opened(sqlite3_context *ctx, sqlite3_value *v, const char *role, int text);
int store_content_seal(const struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *p, size_t n, uint8_t **out, size_t *outlen);
int store_content_open(const struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *p, size_t n, uint8_t **out, size_t *outlen);
/* A part of the current row: from col_inline, or from the file that
 * col_key and col_len name. OUT: *out (caller frees), *len. */
int store_blob_col(struct hl_store *s, sqlite3_stmt *st, int col_inline, int col_key,
    int col_len, const uint8_t id[static HL_ID_BYTES], int kind, size_t max, uint8_t **out,
    size_t *len);

/* ---- the syncer (store_sync.c) ---- */
void store_sync_committed(struct hl_store *s);
int store_sync_wait(struct hl_store *s);
void store_sync_stop(struct hl_store *s);

/* ---- errors ---- */
/* Record a message in s->errmsg and return r. */
int store_set_msg(struct hl_store *s, int r, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The hotline error for a SQLite result code. */
int store_map_rc(int rc);
/* Record SQLite's message for rc and return the hotline error for it. */
int store_fail(struct hl_store *s, int rc);

/* ---- binding, stepping, reading columns ---- */
/* Reset after use (drops the SQLITE_STATIC pointers into the caller's
 * memory); sqlite3_reset's repeat of the last step's error is ignored.
 * Accepts NULL. */
void store_reset(sqlite3_stmt *st);
int store_bind_blob(struct hl_store *s, sqlite3_stmt *st, int i, const void *p, size_t n);
int store_bind_text(struct hl_store *s, sqlite3_stmt *st, int i, const char *t);
int store_bind_null(struct hl_store *s, sqlite3_stmt *st, int i);
int store_bind_i64(struct hl_store *s, sqlite3_stmt *st, int i, int64_t v);
/* Times are u64 in the API and stored as their two's-complement i64. */
int store_bind_u64(struct hl_store *s, sqlite3_stmt *st, int i, uint64_t v);
/* A LIMIT: sizes past INT64_MAX bind as INT64_MAX. */
int store_bind_limit(struct hl_store *s, sqlite3_stmt *st, int i, size_t v);
uint64_t store_col_u64(sqlite3_stmt *st, int i);
/* Step a statement that returns no row. Does not reset. */
int store_step_done(struct hl_store *s, sqlite3_stmt *st);
/* Step a query: HL_OK with *have 1 (row) or 0 (done). Does not reset. */
int store_step_row(struct hl_store *s, sqlite3_stmt *st, int *have);
/* Run statement i of module m (bound or parameterless) to completion and
 * reset it. */
int store_run(struct hl_store *s, enum store_mod m, unsigned i);
/* Copy a TEXT column into out[outsz] (NUL-terminated). Longer than the
 * field: HL_ERR_CORRUPT, or cut when cut is set. */
int store_col_str(sqlite3_stmt *st, int i, char *out, size_t outsz, int cut);
/* Copy a BLOB column into a new hl_malloc buffer. OUT: *out (caller
 * frees), *len. Longer than max: HL_ERR_CORRUPT. */
int store_col_blob_dup(sqlite3_stmt *st, int i, size_t max, uint8_t **out, size_t *len);
/* A 16-byte id column into id: HL_ERR_CORRUPT when it is not 16 bytes. */
int store_col_id(sqlite3_stmt *st, int i, uint8_t id[static HL_ID_BYTES]);
/* Run a query whose one row holds a count (arg, when not NULL, bound as
 * ?1). */
int store_count(struct hl_store *s, sqlite3_stmt *st, const char *arg, uint64_t *v);
/* Column 0, a BLOB of at most max bytes, of the row statement i of module
 * m finds by the text key ?1 (1..keymax bytes). HL_ERR_NOT_FOUND when none.
 * OUT: *out (caller frees with hl_free), *len. */
int store_blob_by_key(struct hl_store *s, enum store_mod m, unsigned i, const char *key,
    size_t keymax, size_t max, uint8_t **out, size_t *len);
/* Step the bound query st to its end (at most max rows: its LIMIT; more is
 * HL_ERR_CORRUPT), reading each row with fill into a zeroed element of esz
 * bytes of a growing array, and reset it. On failure clear (may be NULL)
 * is called on each element filled or being filled, and the array freed.
 * OUT: *out (caller frees with hl_free; NULL when *n is 0), *n. */
int store_rows(struct hl_store *s, sqlite3_stmt *st, size_t max, size_t esz,
    int (*fill)(sqlite3_stmt *st, void *elem, void *arg), void *arg, void (*clear)(void *elem),
    void **out, size_t *n);
/* Step the bound query st to its end, collecting its column 0, a 16-byte
 * id, of at most max rows (its LIMIT), and reset it. OUT: *ids (caller
 * frees with hl_free; NULL when *n is 0), *n. */
int store_collect_ids(struct hl_store *s, sqlite3_stmt *st, size_t max,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n);
/* Rows changed by the last statement on s. */
int store_changes(const struct hl_store *s);
/* The rowid of the last row inserted on s. */
int64_t store_last_rowid(const struct hl_store *s);

/* ---- argument checks ---- */
/* 1..max bytes: HL_OK; NULL or "": HL_ERR_INVALID; longer: HL_ERR_TOO_BIG. */
int store_check_name(const char *name, size_t max);
/* NULL or at most max bytes. */
int store_check_opt_str(const char *t, size_t max);

/* ---- transactions ----
 * An operation runs in its own BEGIN IMMEDIATE transaction, or in a
 * savepoint inside the caller's (hl_store_begin); store_op_end commits /
 * releases when r is HL_OK and undoes it otherwise, and returns the final
 * result. */
int store_op_begin(struct hl_store *s, int *mode);
int store_op_end(struct hl_store *s, int mode, int r);
/* Roll back the caller's open transaction (hl_store_begin) after a failure
 * that left part of an operation in it: the caller's further calls fail
 * with HL_ERR_STORE and its commit reports the loss, as when SQLite rolls
 * back by itself (store_stix.c's bulk put). */
void store_tx_abort(struct hl_store *s);

/* ---- shared state kept by one module, used by another ---- */
/* store_audit.c: (re)load the cached audit chain head. */
int store_audit_load(struct hl_store *s);
/* store_queue.c: a row that may become overdue was written. */
void store_od_lower(struct hl_store *s, int64_t precedence, uint64_t created_ms);

#endif
