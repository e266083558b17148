/* store_queue.c: what the link pump sends and when: the send queue (our
 * deliveries and the envelopes relayed through us, FLASH first), re-sealing
 * for new keys, relay (store-and-forward) and acknowledgement deadlines
 * (docs/internals/store.md). */
#include <string.h>

#include "alloc.h"
#include "store_int.h"

/* 3 -> 4: envelopes in transit through this node (relay, store-and-forward):
 * the signed envelope as received, for one final recipient; no content (a
 * relay cannot read it). */
const char store_queue_v4[] =
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
	"CREATE INDEX transit_final_state ON transit (final, state);";

/* 4 -> 5: acknowledgement deadlines: when an envelope became overdue. */
const char store_queue_v5[] =
	"ALTER TABLE envelopes ADD COLUMN overdue_ms INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE deliveries ADD COLUMN overdue_ms INTEGER NOT NULL DEFAULT 0;";

/* 7 -> 8: partial indexes for the acknowledgement-deadline scan
 * (hl_store_mark_overdue): only rows that can still become overdue. */
const char store_queue_v8[] =
	"CREATE INDEX IF NOT EXISTS envelopes_unacked_in ON envelopes (precedence, created_ms)"
	" WHERE inbound = 1 AND acked_ms = 0 AND overdue_ms = 0;"
	"CREATE INDEX IF NOT EXISTS deliveries_delivered ON deliveries (id) WHERE state = 1;";

/* The SQL below (and the partial index deliveries_delivered, which the
 * deadline scan's "state = 1" must match to be used) writes these values as
 * literals; so do transit's CHECK on precedence and the link-test flag. */
_Static_assert(HL_DLV_QUEUED == 0 && HL_DLV_DELIVERED == 1 && HL_DLV_AWAITING_KEY == 4 &&
    HL_DLV_OVERDUE == 5, "deliveries.state literals in store_queue.c");
_Static_assert(HL_PREC_FLASH == 0 && HL_PRECEDENCES == 4,
    "precedence 0..3: transit CHECK and the deadline scan");
_Static_assert(HL_ENV_FLAG_LINK_TEST == 2, "(flags & 2): link tests are never acknowledged");
_Static_assert(HL_CT_TRACKS == 5, "content_type != 5: the track stream has no acknowledgement "
    "deadline (its alerts are acknowledged instead)");

enum queue_st {
	ST_QUEUED_FOR,
	ST_QUEUE_DEPTH,
	ST_QUEUE_LIST,
	ST_QUEUE_BY_PREC,
	ST_REPLACE_RAW,
	ST_DLV_WAIT,
	ST_PENDING_WAITING,
	ST_PENDING_ALL,
	ST_RAW_TRANSIT,
	ST_RAW_OWN,
	ST_RAW_TRANSIT_Q,
	ST_RAW_OWN_Q,
	ST_TRANSIT_HAS,
	ST_TRANSIT_PUT,
	ST_TRANSIT_DONE,
	ST_TRANSIT_REQUEUE,
	ST_OD_NEXT_IN,
	ST_OD_NEXT_OUT,
	ST_OD_SCAN_IN,
	ST_OD_SCAN_OUT,
	ST_OD_MARK_IN,
	ST_OD_MARK_OUT,
	ST_QUEUE_N
};

static const char *const queue_sql[ST_QUEUE_N] = {
	[ST_QUEUED_FOR] = "SELECT d.id FROM deliveries AS d JOIN envelopes AS e ON e.id = d.id"
	    " WHERE d.node = ?1 AND d.state = 0"
	    " ORDER BY e.precedence ASC, e.created_ms ASC, e.rowid ASC LIMIT ?2",
	[ST_QUEUE_DEPTH] = "SELECT (SELECT count(*) FROM deliveries WHERE node = ?1 AND state IN (0, 4))"
	    " + (SELECT count(*) FROM transit WHERE final = ?1 AND state = 0)",
	[ST_QUEUE_LIST] = "SELECT id, p FROM ("
	    " SELECT d.id AS id, e.precedence AS p, e.created_ms AS c FROM deliveries AS d"
	    " JOIN envelopes AS e ON e.id = d.id WHERE d.node = ?1 AND d.state = 0"
	    " UNION ALL SELECT id, precedence, created_ms FROM transit"
	    " WHERE final = ?1 AND state = 0)"
	    " ORDER BY p ASC, c ASC LIMIT ?2",
	[ST_QUEUE_BY_PREC] = "SELECT e.precedence, count(*) FROM deliveries d JOIN envelopes e"
	    " ON e.id = d.id WHERE d.node = ?1 AND d.state IN (0, 4) GROUP BY e.precedence",
	[ST_REPLACE_RAW] = "UPDATE envelopes SET raw = ?2, raw_file = ?3, raw_file_len = ?4"
	    " WHERE id = ?1 AND inbound = 0",
	[ST_DLV_WAIT] = "UPDATE deliveries SET state = ?3 WHERE id = ?1 AND node = ?2"
	    " AND state IN (0, 4)",
	[ST_PENDING_WAITING] = "SELECT id FROM deliveries WHERE node = ?1 AND state = 4"
	    " ORDER BY queued_ms LIMIT ?2",
	[ST_PENDING_ALL] = "SELECT id FROM deliveries WHERE node = ?1 AND state IN (0, 4)"
	    " ORDER BY queued_ms LIMIT ?2",
	[ST_RAW_TRANSIT] = "SELECT raw, 0, 0 FROM transit WHERE id = ?1 AND final = ?2",
	[ST_RAW_OWN] = "SELECT raw, raw_file, raw_file_len FROM envelopes WHERE id = ?1",
	/* the same, only while still queued for that node (the pump's memory
	 * may hold an id whose receipt came, or that expired) */
	[ST_RAW_TRANSIT_Q] = "SELECT raw, 0, 0 FROM transit WHERE id = ?1 AND final = ?2"
	    " AND state = 0",
	[ST_RAW_OWN_Q] = "SELECT e.raw, e.raw_file, e.raw_file_len FROM deliveries AS d"
	    " JOIN envelopes AS e ON e.id = d.id"
	    " WHERE d.id = ?1 AND d.node = ?2 AND d.state = 0",
	[ST_TRANSIT_HAS] = "SELECT 1 FROM transit WHERE id = ?1 AND final = ?2",
	/* a newer sealing of the same envelope (re-sealed by its origin to
	 * fresh keys) replaces the bytes we forward; the caller checked the
	 * origin's signature on it */
	[ST_TRANSIT_PUT] = "INSERT INTO transit (id, final, origin, precedence, created_ms,"
	    " expires_ms, state, queued_ms, raw) VALUES (?1, ?2, ?3, ?4, ?5, ?6, 0, ?7, ?8)"
	    " ON CONFLICT (id, final) DO UPDATE SET raw = excluded.raw",
	[ST_TRANSIT_DONE] = "UPDATE transit SET state = ?3 WHERE id = ?1 AND final = ?2"
	    " AND state = 0",
	[ST_TRANSIT_REQUEUE] = "UPDATE transit SET state = ?3 WHERE id = ?1 AND final = ?2"
	    " AND state != 0",
	/* the deadline scan (the v8 partial indexes) */
	[ST_OD_NEXT_IN] = "SELECT created_ms FROM envelopes WHERE inbound = 1 AND acked_ms = 0"
	    " AND overdue_ms = 0 AND precedence = ?1 AND (flags & 2) = 0 AND content_type != 5"
	    " ORDER BY created_ms LIMIT 1",
	[ST_OD_NEXT_OUT] = "SELECT min(e.created_ms) FROM deliveries AS d JOIN envelopes AS e"
	    " ON e.id = d.id WHERE d.state = 1 AND e.precedence = ?1 AND (e.flags & 2) = 0"
	    " AND e.content_type != 5",
	/* created_ms < now - deadline (not created_ms + deadline < now) so
	 * that the partial index on (precedence, created_ms) serves it; link
	 * tests are never acknowledged */
	[ST_OD_SCAN_IN] = "SELECT id, origin, precedence FROM envelopes WHERE inbound = 1"
	    " AND acked_ms = 0 AND overdue_ms = 0 AND precedence = ?1 AND created_ms < ?3 - ?2"
	    " AND (flags & 2) = 0 AND content_type != 5 LIMIT ?4",
	[ST_OD_SCAN_OUT] = "SELECT d.id, d.node, e.precedence FROM deliveries AS d"
	    " JOIN envelopes AS e ON e.id = d.id WHERE d.state = 1 AND e.precedence = ?1"
	    " AND e.created_ms < ?3 - ?2 AND (e.flags & 2) = 0 AND e.content_type != 5 LIMIT ?4",
	[ST_OD_MARK_IN] = "UPDATE envelopes SET overdue_ms = ?2 WHERE id = ?1 AND overdue_ms = 0",
	[ST_OD_MARK_OUT] = "UPDATE deliveries SET state = 5, overdue_ms = ?2 WHERE id = ?1"
	    " AND node = ?3 AND state = 1",
};

const struct store_sql store_sql_queue = { "queue", queue_sql, ST_QUEUE_N };

#define ST(i) store_st(s, STORE_MOD_QUEUE, (i))

/* ---- the send queue ---- */

int
hl_store_queued_for(struct hl_store *s, const char *peer, uint8_t (**ids)[HL_ID_BYTES],
    size_t *n, size_t max)
{
	sqlite3_stmt *st;
	int r;

	if (ids != NULL)
		*ids = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || ids == NULL || n == NULL)
		return HL_ERR_INVALID;
	if ((r = store_check_name(peer, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if (max == 0)
		return HL_OK;
	st = ST(ST_QUEUED_FOR);
	if ((r = store_bind_text(s, st, 1, peer)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return store_collect_ids(s, st, max, ids, n);
}

int
hl_store_queue_depth(struct hl_store *s, const char *peer, uint64_t *n)
{
	int r;

	if (n != NULL)
		*n = 0;
	if (s == NULL || n == NULL)
		return HL_ERR_INVALID;
	if ((r = store_check_name(peer, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	return store_count(s, ST(ST_QUEUE_DEPTH), peer, n);
}

int
hl_store_queue_by_precedence(struct hl_store *s, const char *peer,
    uint64_t counts[static HL_PRECEDENCES])
{
	sqlite3_stmt *st;
	int64_t p;
	int r, have;

	if (counts != NULL)
		memset(counts, 0, HL_PRECEDENCES * sizeof(counts[0]));
	if (s == NULL || counts == NULL)
		return HL_ERR_INVALID;
	if ((r = store_check_name(peer, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	st = ST(ST_QUEUE_BY_PREC);
	if ((r = store_bind_text(s, st, 1, peer)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		p = sqlite3_column_int64(st, 0);
		if (p < 0 || p >= HL_PRECEDENCES) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		counts[p] = store_col_u64(st, 1);
	}
out:
	store_reset(st);
	if (r != HL_OK)
		memset(counts, 0, HL_PRECEDENCES * sizeof(counts[0]));
	return r;
}

uint64_t
hl_store_queue_gen(const struct hl_store *s)
{
	return s != NULL ? s->queue_gen : 0;
}

/* Run the bound UPDATE st of a send-queue row in its own operation:
 * HL_ERR_NOT_FOUND when it changed no row. */
static int
queue_update(struct hl_store *s, sqlite3_stmt *st, int mode, int r)
{
	if (r == HL_OK && (r = store_step_done(s, st)) == HL_OK && store_changes(s) == 0)
		r = HL_ERR_NOT_FOUND;
	store_reset(st);
	s->queue_gen++;
	return store_op_end(s, mode, r);
}

int
hl_store_replace_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *raw, size_t len)
{
	sqlite3_stmt *st;
	uint64_t key;
	int r, mode = 0;

	if (s == NULL || raw == NULL || len == 0)
		return HL_ERR_INVALID;
	if (len > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	/* a large one goes to a new file; the old file is left to the sweep
	 * at the next start, as the row may still name it after a crash */
	if ((r = store_blob_put(s, id, HL_BLOB_RAW, raw, len, 0, &key)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_REPLACE_RAW);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = store_bind_blob(s, st, 2, key != 0 ? NULL : raw, key != 0 ? 0 : len)) == HL_OK &&
	    (r = store_bind_u64(s, st, 3, key)) == HL_OK)
		r = store_bind_u64(s, st, 4, key != 0 ? len : 0);
	return queue_update(s, st, mode, r);
}

/* Set the state of the row of (id, node) that statement which updates
 * (?1 id, ?2 node, ?3 state), in its own operation. HL_ERR_NOT_FOUND if
 * it changed none. */
static int
set_state(struct hl_store *s, enum queue_st which, const uint8_t id[static HL_ID_BYTES],
    const char *node, int state)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || node == NULL)
		return HL_ERR_INVALID;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(which);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, node)) == HL_OK)
		r = store_bind_i64(s, st, 3, state);
	return queue_update(s, st, mode, r);
}

int
hl_store_delivery_wait(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int waiting)
{
	return set_state(s, ST_DLV_WAIT, id, node, waiting ? HL_DLV_AWAITING_KEY : HL_DLV_QUEUED);
}

int
hl_store_pending_for(struct hl_store *s, const char *peer, int waiting_only,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n, size_t max)
{
	sqlite3_stmt *st;
	int r;

	*ids = NULL;
	*n = 0;
	if (s == NULL || peer == NULL)
		return HL_ERR_INVALID;
	if (max == 0)
		return HL_OK;
	st = ST(waiting_only ? ST_PENDING_WAITING : ST_PENDING_ALL);
	if ((r = store_bind_text(s, st, 1, peer)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return store_collect_ids(s, st, max, ids, n);
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
	st = ST(ST_QUEUE_LIST);
	if ((r = store_bind_text(s, st, 1, peer)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		p = sqlite3_column_int64(st, 1);
		if (cnt == max || p < 0 || p >= HL_PRECEDENCES ||
		    (r = store_col_id(st, 0, out[cnt])) != HL_OK) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		pr[cnt++] = (uint8_t)p;
	}
	*ids = out;
	*precs = pr;
	*n = cnt;
	out = NULL;
	pr = NULL;
	r = HL_OK;
out:
	store_reset(st);
	hl_free(out);
	hl_free(pr);
	return r;
}

int
hl_store_get_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], const char *final,
    uint8_t **raw, size_t *len)
{
	sqlite3_stmt *st;
	int r, have;

	*raw = NULL;
	*len = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	/* what we forward for final (the bytes its origin sent us to relay)
	 * comes first; our own copy (sent by us, or received) otherwise. Two
	 * queries, not one UNION ... ORDER BY, which would copy a 50 MB blob
	 * through a sorter before returning it. */
	st = ST(ST_RAW_TRANSIT);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, final)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		store_reset(st);
		st = ST(ST_RAW_OWN);
		if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
		    (r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
	}
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	r = store_blob_col(s, st, 0, 1, 2, id, HL_BLOB_RAW, HL_ENVELOPE_MAX_BYTES, raw, len);
out:
	store_reset(st);
	return r;
}

int
hl_store_get_queued_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final, uint8_t **raw, size_t *len)
{
	sqlite3_stmt *st;
	int r, have;

	*raw = NULL;
	*len = 0;
	if (s == NULL || final == NULL)
		return HL_ERR_INVALID;
	st = ST(ST_RAW_TRANSIT_Q);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, final)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		store_reset(st);
		st = ST(ST_RAW_OWN_Q);
		if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
		    (r = store_bind_text(s, st, 2, final)) != HL_OK ||
		    (r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
	}
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	r = store_blob_col(s, st, 0, 1, 2, id, HL_BLOB_RAW, HL_ENVELOPE_MAX_BYTES, raw, len);
out:
	store_reset(st);
	return r;
}

/* ---- relay: envelopes in transit through this node ---- */

int
hl_store_put_transit(struct hl_store *s, const struct hl_msg *m, const char *final,
    uint64_t now_ms, int *added)
{
	sqlite3_stmt *st;
	int r, mode = 0, have = 0;

	*added = 0;
	if (s == NULL || m == NULL || final == NULL || m->raw == NULL || m->raw_len == 0 ||
	    m->precedence >= HL_PRECEDENCES)
		return HL_ERR_INVALID;
	if (m->raw_len > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_TRANSIT_HAS);
	if ((r = store_bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, final)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	store_reset(st);
	st = ST(ST_TRANSIT_PUT);
	if ((r = store_bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, final)) != HL_OK ||
	    (r = store_bind_text(s, st, 3, m->origin)) != HL_OK ||
	    (r = store_bind_i64(s, st, 4, m->precedence)) != HL_OK ||
	    (r = store_bind_u64(s, st, 5, m->created_ms)) != HL_OK ||
	    (r = store_bind_u64(s, st, 6, m->expires_ms)) != HL_OK ||
	    (r = store_bind_u64(s, st, 7, now_ms)) != HL_OK ||
	    (r = store_bind_blob(s, st, 8, m->raw, m->raw_len)) != HL_OK ||
	    (r = store_step_done(s, st)) != HL_OK)
		goto out;
	*added = !have;
out:
	store_reset(st);
	s->queue_gen++;
	return store_op_end(s, mode, r);
}

int
hl_store_transit_done(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final, int state)
{
	if (state != HL_DLV_DELIVERED && state != HL_DLV_REJECTED)
		return HL_ERR_INVALID;   /* what a final receipt makes of it */
	return set_state(s, ST_TRANSIT_DONE, id, final, state);  /* from queued */
}

/* The origin sent a relayed envelope again: it has no receipt yet (ours
 * was lost, say the origin's link was down when it passed through us).
 * Forward it once more; the final recipient answers from its seen-id table
 * and its receipt comes back through us. HL_ERR_NOT_FOUND if not done. */
int
hl_store_transit_requeue(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final)
{
	return set_state(s, ST_TRANSIT_REQUEUE, id, final, HL_DLV_QUEUED);  /* from done */
}

/* ---- acknowledgement deadlines ---- */

void
store_od_lower(struct hl_store *s, int64_t precedence, uint64_t created_ms)
{
	uint64_t due;

	if (!s->od_valid)
		return;
	if (precedence < 0 || precedence >= HL_PRECEDENCES) {
		s->od_valid = 0;
		return;
	}
	due = created_ms + s->od_dl[precedence];
	if (due < s->od_due_ms)
		s->od_due_ms = due;
}

/* The earliest time anything can become overdue under deadline_ms (the
 * scan's candidates' created_ms + deadline), or UINT64_MAX: none. Uses the
 * v8 partial indexes. */
static int
od_next(struct hl_store *s, const uint64_t deadline_ms[HL_PRECEDENCES], uint64_t *due)
{
	static const enum queue_st q[2] = { ST_OD_NEXT_IN, ST_OD_NEXT_OUT };
	sqlite3_stmt *st;
	uint64_t t;
	int r = HL_OK, have, side;
	unsigned p;

	*due = UINT64_MAX;
	for (side = 0; side < 2; side++) {
		for (p = 0; p < HL_PRECEDENCES; p++) {
			st = ST(q[side]);
			if ((r = store_bind_i64(s, st, 1, p)) != HL_OK ||
			    (r = store_step_row(s, st, &have)) != HL_OK) {
				store_reset(st);
				return r;
			}
			if (have && sqlite3_column_type(st, 0) != SQLITE_NULL) {
				t = store_col_u64(st, 0) + deadline_ms[p];
				if (t < *due)
					*due = t;
			}
			store_reset(st);
		}
	}
	return r;
}

/* Collect the candidates of one side (inbound: side 0) and precedence p
 * into a[*cnt .. max). */
static int
od_scan(struct hl_store *s, int side, unsigned p, uint64_t now_ms,
    const uint64_t deadline_ms[HL_PRECEDENCES], struct hl_overdue *a, size_t *cnt, size_t max)
{
	sqlite3_stmt *st = ST(side == 0 ? ST_OD_SCAN_IN : ST_OD_SCAN_OUT);
	int r, have;

	if ((r = store_bind_i64(s, st, 1, p)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, deadline_ms[p])) != HL_OK ||
	    (r = store_bind_u64(s, st, 3, now_ms)) != HL_OK ||
	    (r = store_bind_limit(s, st, 4, max - *cnt)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK || !have)
			goto out;
		if (*cnt == max || store_col_id(st, 0, a[*cnt].id) != HL_OK) {
			r = HL_ERR_CORRUPT;
			goto out;
		}
		if ((r = store_col_str(st, 1, a[*cnt].node, sizeof(a[*cnt].node), 1)) != HL_OK)
			goto out;
		a[*cnt].precedence = (uint8_t)p;
		a[*cnt].inbound = side == 0;
		(*cnt)++;
	}
out:
	store_reset(st);
	return r;
}

int
hl_store_mark_overdue(struct hl_store *s, uint64_t now_ms,
    const uint64_t deadline_ms[HL_PRECEDENCES], struct hl_overdue **out, size_t *n, size_t max)
{
	sqlite3_stmt *up;
	struct hl_overdue *a = NULL;
	size_t cnt = 0, i;
	uint64_t due = 0;
	int r, mode = 0, side;
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
	if ((r = store_op_begin(s, &mode)) != HL_OK) {
		hl_free(a);
		return r;
	}
	s->od_valid = 0;
	for (side = 0; side < 2; side++)
		for (p = 0; p < HL_PRECEDENCES && cnt < max; p++)
			if ((r = od_scan(s, side, p, now_ms, deadline_ms, a, &cnt, max)) != HL_OK)
				goto out;
	for (i = 0; i < cnt; i++) {
		up = ST(a[i].inbound ? ST_OD_MARK_IN : ST_OD_MARK_OUT);
		if ((r = store_bind_blob(s, up, 1, a[i].id, HL_ID_BYTES)) == HL_OK &&
		    (r = store_bind_u64(s, up, 2, now_ms)) == HL_OK &&
		    (a[i].inbound || (r = store_bind_text(s, up, 3, a[i].node)) == HL_OK))
			r = store_step_done(s, up);
		store_reset(up);
		if (r != HL_OK)
			goto out;
	}
	/* all found (not cut at max): remember when the next one is due */
	if (cnt < max && (r = od_next(s, deadline_ms, &due)) != HL_OK)
		goto out;
	*out = a;
	*n = cnt;
	a = NULL;
	r = HL_OK;
out:
	hl_free(a);
	r = store_op_end(s, mode, r);
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
