/* store_msg.c: envelopes (ours and received), their deliveries, the replay
 * table, the receipts this node owes and the peers' descriptors
 * (docs/internals/store.md). */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "buf.h"
#include "sealfile.h"
#include "store_int.h"

/* The SQL below writes these values as literals. */
_Static_assert(HL_DLV_QUEUED == 0 && HL_DLV_DELIVERED == 1 && HL_DLV_ACKNOWLEDGED == 2 &&
    HL_DLV_REJECTED == 3, "deliveries.state literals in store_msg.c");
_Static_assert(HL_IN_ACCEPTED == 1 && HL_IN_REJECTED == 2,
    "inbound_seen.status CHECK (status IN (1, 2)) in the schema");

enum msg_st {
	ST_ENV_INSERT,
	ST_DLV_INSERT,
	ST_DLV_GET,
	ST_DLV_SET_DELIVERED,
	ST_DLV_SET_ACKED,
	ST_DLV_SET_REJECTED,
	ST_DLV_SET_SUITE,
	ST_DLV_LIST,
	ST_SEEN_GET,
	ST_SEEN_INSERT,
	ST_ACK,
	ST_ACK_CHECK,
	ST_GET,
	ST_GET_LABEL,
	ST_LIST_ALL,
	ST_LIST_IN,
	ST_RCPT_INSERT,
	ST_RCPT_PENDING,
	ST_RCPT_DONE,
	ST_PEER_PUT,
	ST_PEER_GET,
	ST_COUNT_IN,
	ST_COUNT_OUT,
	ST_COUNT_AUDIT,
	ST_MSG_N
};

/* The message columns in the order row_to_msg() reads them. */
#define MSG_COLS "id, inbound, origin, originator, precedence, content_type, flags," \
	" suite, label, created_ms, expires_ms, stored_ms, acked_ms, acked_by, sig_ok, overdue_ms"
#define MSG_NCOLS 16
/* the content's size, in the row or in its file (store_blob.c) */
#define CONTENT_LEN "(CASE WHEN content_file != 0 THEN content_file_len ELSE length(content) END" \
	" - content_sealed * 37)"
_Static_assert(HL_SEAL_OVERHEAD == 37, "CONTENT_LEN's overhead of a sealed content");

static const char *const msg_sql[ST_MSG_N] = {
	[ST_ENV_INSERT] = "INSERT INTO envelopes (id, inbound, origin, originator, precedence,"
	    " content_type, flags, suite, label, created_ms, expires_ms, stored_ms, acked_ms,"
	    " acked_by, sig_ok, content, raw, content_file, content_file_len, raw_file,"
	    " raw_file_len, content_sealed) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10,"
	    " ?11, ?12, 0, '', ?13, ?14, ?15, ?16, ?17, ?18, ?19, ?20)",
	[ST_DLV_INSERT] = "INSERT INTO deliveries (id, node, state, queued_ms) VALUES (?1, ?2, 0, ?3)",
	[ST_DLV_GET] = "SELECT d.state, e.precedence, e.created_ms FROM deliveries AS d"
	    " JOIN envelopes AS e ON e.id = d.id WHERE d.id = ?1 AND d.node = ?2",
	[ST_DLV_SET_DELIVERED] = "UPDATE deliveries SET state = 1, delivered_ms = ?3"
	    " WHERE id = ?1 AND node = ?2",
	[ST_DLV_SET_ACKED] = "UPDATE deliveries SET state = 2, acked_ms = ?3, acked_by = ?4,"
	    " delivered_ms = CASE WHEN delivered_ms = 0 THEN ?3 ELSE delivered_ms END"
	    " WHERE id = ?1 AND node = ?2",
	[ST_DLV_SET_REJECTED] = "UPDATE deliveries SET state = 3, reason = ?3, detail = ?4,"
	    " rejected_ms = ?5 WHERE id = ?1 AND node = ?2",
	[ST_DLV_SET_SUITE] = "UPDATE deliveries SET receipt_suite = ?3 WHERE id = ?1 AND node = ?2",
	[ST_DLV_LIST] = "SELECT node, state, reason, detail, queued_ms, delivered_ms, acked_ms,"
	    " rejected_ms, acked_by, receipt_suite FROM deliveries WHERE id = ?1 ORDER BY node",
	[ST_SEEN_GET] = "SELECT status, receipt FROM inbound_seen WHERE id = ?1",
	[ST_SEEN_INSERT] = "INSERT INTO inbound_seen (id, origin, status, reason, receipt, time_ms)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
	[ST_ACK] = "UPDATE envelopes SET acked_ms = ?2, acked_by = ?3"
	    " WHERE id = ?1 AND inbound = 1 AND acked_ms = 0",
	[ST_ACK_CHECK] = "SELECT acked_ms FROM envelopes WHERE id = ?1 AND inbound = 1",
	[ST_GET] = "SELECT " MSG_COLS ", content, raw, content_file, content_file_len, raw_file,"
	    " raw_file_len, content_sealed FROM envelopes WHERE id = ?1 AND inbound IN (0, 1)",
	[ST_GET_LABEL] = "SELECT label FROM envelopes WHERE id = ?1 AND inbound IN (0, 1)",
	[ST_LIST_ALL] = "SELECT " MSG_COLS ", " CONTENT_LEN " FROM envelopes"
	    " WHERE inbound IN (0, 1) ORDER BY stored_ms DESC, rowid DESC LIMIT ?1",
	[ST_LIST_IN] = "SELECT " MSG_COLS ", " CONTENT_LEN " FROM envelopes WHERE inbound = 1"
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
	[ST_COUNT_IN] = "SELECT count(*) FROM envelopes WHERE inbound = 1",
	[ST_COUNT_OUT] = "SELECT count(*) FROM envelopes WHERE inbound = 0",
	[ST_COUNT_AUDIT] = "SELECT count(*) FROM audit",
};

const struct store_sql store_sql_msg = { "msg", msg_sql, ST_MSG_N };

const char store_msg_v16[] =
	"ALTER TABLE deliveries ADD COLUMN receipt_suite INTEGER NOT NULL DEFAULT 0;";

#define ST(i) store_st(s, STORE_MOD_MSG, (i))

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
	if (store_check_name(m->origin, HL_NODE_NAME_MAX) != HL_OK ||
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

/* A content or envelope of HL_BLOB_MIN_BYTES or more goes to a file first
 * (store_blob.c), unless the worker that made it wrote it already; the row
 * then names the file. */
static int
env_insert(struct hl_store *s, const struct hl_msg *m, int inbound, uint64_t stored_ms)
{
	sqlite3_stmt *st = ST(ST_ENV_INSERT);
	uint64_t cfile, rfile;
	const uint8_t *cp = m->content;
	uint8_t *sealed = NULL;
	size_t cl = m->content_len;
	int r;

	/* sealed at rest: here, or by the worker that wrote its file */
	if (s->have_content_key) {
		if (m->content_file == 0) {
			if ((r = store_content_seal(s, m->id, m->content, m->content_len, &sealed,
			    &cl)) != HL_OK)
				return store_set_msg(s, r, "cannot seal a content");
			cp = sealed;
		} else {
			cl = m->content_len + HL_SEAL_OVERHEAD;
		}
	}
	if ((r = store_blob_put(s, m->id, HL_BLOB_CONTENT, cp, cl, m->content_file,
	    &cfile)) != HL_OK ||
	    (r = store_blob_put(s, m->id, HL_BLOB_RAW, m->raw, m->raw_len, m->raw_file,
	    &rfile)) != HL_OK) {
		hl_free(sealed);
		return r;
	}
	if ((r = store_bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_i64(s, st, 2, inbound)) != HL_OK ||
	    (r = store_bind_text(s, st, 3, m->origin)) != HL_OK ||
	    (r = store_bind_text(s, st, 4, m->originator)) != HL_OK ||
	    (r = store_bind_i64(s, st, 5, m->precedence)) != HL_OK ||
	    (r = store_bind_i64(s, st, 6, m->content_type)) != HL_OK ||
	    (r = store_bind_i64(s, st, 7, m->flags)) != HL_OK ||
	    (r = store_bind_i64(s, st, 8, m->suite)) != HL_OK ||
	    (r = store_bind_blob(s, st, 9, m->label, m->label_len)) != HL_OK ||
	    (r = store_bind_u64(s, st, 10, m->created_ms)) != HL_OK ||
	    (r = store_bind_u64(s, st, 11, m->expires_ms)) != HL_OK ||
	    (r = store_bind_u64(s, st, 12, stored_ms)) != HL_OK ||
	    (r = store_bind_i64(s, st, 13, m->sig_ok ? 1 : 0)) != HL_OK ||
	    (r = store_bind_blob(s, st, 14, cfile != 0 ? NULL : cp, cfile != 0 ? 0 : cl)) !=
	    HL_OK ||
	    (r = store_bind_blob(s, st, 15, rfile != 0 ? NULL : m->raw,
	    rfile != 0 ? 0 : m->raw_len)) != HL_OK ||
	    (r = store_bind_u64(s, st, 16, cfile)) != HL_OK ||
	    (r = store_bind_u64(s, st, 17, cfile != 0 ? cl : 0)) != HL_OK ||
	    (r = store_bind_u64(s, st, 18, rfile)) != HL_OK ||
	    (r = store_bind_u64(s, st, 19, rfile != 0 ? m->raw_len : 0)) != HL_OK ||
	    (r = store_bind_i64(s, st, 20, s->have_content_key ? 1 : 0)) != HL_OK)
		goto out;
	r = store_step_done(s, st);
out:
	store_reset(st);
	hl_free(sealed);
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
		if ((r = store_check_name(recipients[i], HL_NODE_NAME_MAX)) != HL_OK)
			return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = env_insert(s, m, 0, now_ms)) != HL_OK)
		goto out;
	st = ST(ST_DLV_INSERT);
	for (i = 0; i < nrecipients; i++) {
		if ((r = store_bind_blob(s, st, 1, m->id, HL_ID_BYTES)) != HL_OK ||
		    (r = store_bind_text(s, st, 2, recipients[i])) != HL_OK ||
		    (r = store_bind_u64(s, st, 3, now_ms)) != HL_OK) {
			store_reset(st);
			goto out;
		}
		r = store_step_done(s, st);
		store_reset(st);
		if (r == HL_ERR_EXISTS)
			r = HL_ERR_INVALID;   /* the same recipient twice */
		if (r != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	s->queue_gen++;
	return store_op_end(s, mode, r);
}

/* Apply one receipt under the never-backwards rule. */
static int
delivery_apply(struct hl_store *s, const uint8_t *id, const char *node, int state,
    uint8_t reason, const char *detail, const char *acked_by, uint64_t time_ms)
{
	sqlite3_stmt *st = ST(ST_DLV_GET), *up = NULL;
	int64_t cur;
	int r, have;

	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, node)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK) {
		store_reset(st);
		return r;
	}
	cur = have ? sqlite3_column_int64(st, 0) : -1;
	if (have && state == HL_DLV_DELIVERED)
		store_od_lower(s, sqlite3_column_int64(st, 1), store_col_u64(st, 2));
	store_reset(st);
	if (!have)
		return HL_ERR_NOT_FOUND;
	/* Rejected and acknowledged are final; delivered only follows queued;
	 * acknowledged follows queued or delivered; rejected only follows
	 * queued (a node that stored the envelope cannot reject it later). */
	if (cur != HL_DLV_QUEUED && cur != HL_DLV_AWAITING_KEY &&
	    !((cur == HL_DLV_DELIVERED || cur == HL_DLV_OVERDUE) && state == HL_DLV_ACKNOWLEDGED))
		return HL_OK;
	switch ((enum hl_delivery_state)state) {
	case HL_DLV_DELIVERED:
		up = ST(ST_DLV_SET_DELIVERED);
		if ((r = store_bind_u64(s, up, 3, time_ms)) != HL_OK)
			goto out;
		break;
	case HL_DLV_ACKNOWLEDGED:
		up = ST(ST_DLV_SET_ACKED);
		if ((r = store_bind_u64(s, up, 3, time_ms)) != HL_OK ||
		    (r = store_bind_text(s, up, 4, acked_by)) != HL_OK)
			goto out;
		break;
	case HL_DLV_REJECTED:
		up = ST(ST_DLV_SET_REJECTED);
		if ((r = store_bind_i64(s, up, 3, reason)) != HL_OK ||
		    (r = store_bind_text(s, up, 4, detail)) != HL_OK ||
		    (r = store_bind_u64(s, up, 5, time_ms)) != HL_OK)
			goto out;
		break;
	case HL_DLV_QUEUED:
	case HL_DLV_AWAITING_KEY:
	case HL_DLV_OVERDUE:
		break;   /* no receipt moves a delivery there */
	}
	if (up == NULL)
		return HL_ERR_INVALID;
	if ((r = store_bind_blob(s, up, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, up, 2, node)) != HL_OK)
		goto out;
	r = store_step_done(s, up);
out:
	if (up != NULL)
		store_reset(up);
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
	if ((r = store_check_name(node, HL_NODE_NAME_MAX)) != HL_OK ||
	    (r = store_check_opt_str(detail, HL_REASON_MAX)) != HL_OK ||
	    (r = store_check_opt_str(acked_by, HL_OPERATOR_MAX)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	r = delivery_apply(s, id, node, state, reason, detail, acked_by, time_ms);
	s->queue_gen++;
	return store_op_end(s, mode, r);
}

int
hl_store_delivery_suite(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int suite)
{
	sqlite3_stmt *st;
	int r, mode = 0;

	if (s == NULL || id == NULL || suite < 0 || suite > 255)
		return HL_ERR_INVALID;
	if ((r = store_check_name(node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_DLV_SET_SUITE);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = store_bind_text(s, st, 2, node)) == HL_OK &&
	    (r = store_bind_i64(s, st, 3, suite)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	return store_op_end(s, mode, r);
}

static int
fill_delivery(sqlite3_stmt *st, void *elem, void *arg)
{
	struct hl_delivery *e = elem;
	int64_t state = sqlite3_column_int64(st, 1), reason = sqlite3_column_int64(st, 2);
	int r;

	(void)arg;
	if (state < HL_DLV_QUEUED || state > HL_DLV_OVERDUE || reason < 0 || reason > UINT8_MAX)
		return HL_ERR_CORRUPT;
	if ((r = store_col_str(st, 0, e->node, sizeof(e->node), 0)) != HL_OK ||
	    (r = store_col_str(st, 3, e->detail, sizeof(e->detail), 0)) != HL_OK ||
	    (r = store_col_str(st, 8, e->acked_by, sizeof(e->acked_by), 0)) != HL_OK)
		return r;
	e->state = (int)state;
	e->reason = (uint8_t)reason;
	e->queued_ms = store_col_u64(st, 4);
	e->delivered_ms = store_col_u64(st, 5);
	e->acked_ms = store_col_u64(st, 6);
	e->rejected_ms = store_col_u64(st, 7);
	e->receipt_suite = (int)sqlite3_column_int64(st, 9);
	return HL_OK;
}

int
hl_store_deliveries(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    struct hl_delivery **d, size_t *n)
{
	sqlite3_stmt *st;
	void *a = NULL;
	int r;

	if (d != NULL)
		*d = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || id == NULL || d == NULL || n == NULL)
		return HL_ERR_INVALID;
	st = ST(ST_DLV_LIST);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK) {
		store_reset(st);
		return r;
	}
	/* more rows than recipients can have: a damaged file */
	if ((r = store_rows(s, st, HL_RECIPIENTS_MAX * 4, sizeof(**d), fill_delivery, NULL, NULL,
	    &a, n)) != HL_OK)
		return r;
	if (*n == 0)
		return HL_ERR_NOT_FOUND;
	*d = a;
	return HL_OK;
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
	st = ST(ST_SEEN_GET);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
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
	    (r = store_col_blob_dup(st, 1, HL_RECEIPT_MAX_BYTES, &rc, &rlen)) != HL_OK)
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
	store_reset(st);
	hl_free(rc);
	return r;
}

static int
seen_insert(struct hl_store *s, const uint8_t *id, const char *origin, int status,
    uint8_t reason, const uint8_t *receipt, size_t receipt_len, uint64_t time_ms)
{
	sqlite3_stmt *st = ST(ST_SEEN_INSERT);
	int r;

	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, origin)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, status)) != HL_OK ||
	    (r = store_bind_i64(s, st, 4, reason)) != HL_OK ||
	    (r = store_bind_blob(s, st, 5, receipt, receipt_len)) != HL_OK ||
	    (r = store_bind_u64(s, st, 6, time_ms)) != HL_OK)
		goto out;
	r = store_step_done(s, st);
out:
	store_reset(st);
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
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = seen_insert(s, m->id, m->origin, HL_IN_ACCEPTED, 0, receipt, receipt_len,
	    m->stored_ms)) != HL_OK)
		goto out;
	/* EXISTS here too if the id is one of our own outbound envelopes */
	r = env_insert(s, m, 1, m->stored_ms);
	store_od_lower(s, m->precedence, m->created_ms);
out:
	return store_op_end(s, mode, r);
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
	if ((r = store_check_name(origin, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	r = seen_insert(s, id, origin, HL_IN_REJECTED, reason, receipt, receipt_len, now_ms);
	return store_op_end(s, mode, r);
}

int
hl_store_ack(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *operator_name, uint64_t time_ms)
{
	sqlite3_stmt *st;
	int r, have, mode = 0;

	if (s == NULL || id == NULL || time_ms == 0)
		return HL_ERR_INVALID;
	if ((r = store_check_name(operator_name, HL_OPERATOR_MAX)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_ACK);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, time_ms)) != HL_OK ||
	    (r = store_bind_text(s, st, 3, operator_name)) != HL_OK ||
	    (r = store_step_done(s, st)) != HL_OK) {
		store_reset(st);
		goto out;
	}
	store_reset(st);
	if (store_changes(s) == 1)
		goto out;
	/* nothing updated: unknown, or acknowledged before (first ack wins) */
	st = ST(ST_ACK_CHECK);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK)
		r = have ? HL_ERR_EXISTS : HL_ERR_NOT_FOUND;
	store_reset(st);
out:
	return store_op_end(s, mode, r);
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
	if ((r = store_col_str(st, 2, m->origin, sizeof(m->origin), 0)) != HL_OK ||
	    (r = store_col_str(st, 3, m->originator, sizeof(m->originator), 0)) != HL_OK ||
	    (r = store_col_str(st, 13, m->acked_by, sizeof(m->acked_by), 0)) != HL_OK)
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
	m->created_ms = store_col_u64(st, 9);
	m->expires_ms = store_col_u64(st, 10);
	m->stored_ms = store_col_u64(st, 11);
	m->acked_ms = store_col_u64(st, 12);
	m->sig_ok = sqlite3_column_int64(st, 14) != 0;
	m->overdue_ms = store_col_u64(st, 15);
	return HL_OK;
}

/* m's content as stored is sealed: open it in place. */
static int
open_content(struct hl_store *s, struct hl_msg *m)
{
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int r;

	if ((r = store_content_open(s, m->id, m->content, m->content_len, &pt, &ptlen)) !=
	    HL_OK) {
		char hex[2 * HL_ID_BYTES + 1];

		hl_hex_id(m->id, hex);
		return store_set_msg(s, r, "envelope %s: its content is sealed and %s", hex,
		    r == HL_ERR_INVALID ? "this node has no seal_key to open it" :
		    "does not open with this node's content key (altered, or another node's)");
	}
	hl_free(m->content);   /* ciphertext */
	m->content = pt;
	m->content_len = ptlen;
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
	st = ST(ST_GET);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (!have) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = row_to_msg(st, &m)) != HL_OK ||
	    (r = store_blob_col(s, st, MSG_NCOLS, MSG_NCOLS + 2, MSG_NCOLS + 3, m.id,
	    HL_BLOB_CONTENT, HL_CONTENT_MAX_BYTES + HL_SEAL_OVERHEAD, &m.content,
	    &m.content_len)) != HL_OK)
		goto out;
	if (sqlite3_column_int64(st, MSG_NCOLS + 6) != 0 &&
	    (r = open_content(s, &m)) != HL_OK)
		goto out;
	if (want_raw && (r = store_blob_col(s, st, MSG_NCOLS + 1, MSG_NCOLS + 4, MSG_NCOLS + 5,
	    m.id, HL_BLOB_RAW, HL_ENVELOPE_MAX_BYTES, &m.raw, &m.raw_len)) != HL_OK)
		goto out;
	m.content_file = m.raw_file = 0;   /* what was read is in memory */
	*out = m;
	memset(&m, 0, sizeof(m));
	r = HL_OK;
out:
	store_reset(st);
	hl_msg_clear(&m);
	return r;
}

int
hl_store_get_label(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint8_t label[static HL_LABEL_MAX_BYTES], size_t *label_len)
{
	sqlite3_stmt *st;
	const void *p;
	int r, have, nb;

	*label_len = 0;
	st = ST(ST_GET_LABEL);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	r = HL_ERR_NOT_FOUND;
	if (!have)
		goto out;
	p = sqlite3_column_blob(st, 0);
	nb = sqlite3_column_bytes(st, 0);
	r = HL_ERR_CORRUPT;
	if (nb < 0 || (size_t)nb > HL_LABEL_MAX_BYTES || (nb > 0 && p == NULL))
		goto out;
	if (nb > 0)
		memcpy(label, p, (size_t)nb);
	*label_len = (size_t)nb;
	r = HL_OK;
out:
	store_reset(st);
	return r;
}

/* A list row: the message without its content, and the content's size. */
static int
fill_listed(sqlite3_stmt *st, void *elem, void *arg)
{
	struct hl_msg *m = elem;
	int r;

	(void)arg;
	if ((r = row_to_msg(st, m)) != HL_OK)
		return r;
	m->content_len = (size_t)store_col_u64(st, MSG_NCOLS);
	return HL_OK;
}

static void
clear_msg(void *elem)
{
	hl_msg_clear(elem);
}

int
hl_store_list(struct hl_store *s, int inbound_only, size_t limit,
    struct hl_msg **msgs, size_t *n)
{
	sqlite3_stmt *st;
	void *a = NULL;
	int r;

	if (msgs != NULL)
		*msgs = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || msgs == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (limit == 0)
		return HL_OK;
	st = ST(inbound_only ? ST_LIST_IN : ST_LIST_ALL);
	if ((r = store_bind_limit(s, st, 1, limit)) != HL_OK) {
		store_reset(st);
		return r;
	}
	r = store_rows(s, st, limit, sizeof(**msgs), fill_listed, NULL, clear_msg, &a, n);
	*msgs = a;
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
	if ((r = store_check_name(to_node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_RCPT_INSERT);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = store_bind_i64(s, st, 2, kind)) == HL_OK &&
	    (r = store_bind_text(s, st, 3, to_node)) == HL_OK &&
	    (r = store_bind_blob(s, st, 4, raw, len)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	return store_op_end(s, mode, r);
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
	if ((r = store_check_name(to_node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if (max == 0)
		return HL_OK;
	st = ST(ST_RCPT_PENDING);
	if ((r = store_bind_text(s, st, 1, to_node)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, max)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK)
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
		if ((r = store_col_blob_dup(st, 0, HL_RECEIPT_MAX_BYTES, &blob, &blen)) != HL_OK)
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
	store_reset(st);
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
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_RCPT_DONE);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) == HL_OK &&
	    (r = store_bind_i64(s, st, 2, kind)) == HL_OK &&
	    (r = store_step_done(s, st)) == HL_OK && store_changes(s) == 0)
		r = HL_ERR_NOT_FOUND;   /* done twice is fine: the row still matches */
	store_reset(st);
	return store_op_end(s, mode, r);
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
	if ((r = store_check_name(node, namemax)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_PEER_PUT);
	if ((r = store_bind_text(s, st, 1, node)) == HL_OK &&
	    (r = store_bind_blob(s, st, 2, desc, len)) == HL_OK &&
	    (r = store_bind_u64(s, st, 3, now_ms)) == HL_OK)
		r = store_step_done(s, st);
	store_reset(st);
	return store_op_end(s, mode, r);
}

int
hl_store_peer_put(struct hl_store *s, const char *node, const uint8_t *desc,
    size_t len, uint64_t now_ms)
{
	return peer_blob_put(s, node, HL_NODE_NAME_MAX, desc, len, HL_DESCRIPTOR_MAX_BYTES, now_ms);
}

int
hl_store_peer_get(struct hl_store *s, const char *node, uint8_t **desc, size_t *len)
{
	return store_blob_by_key(s, STORE_MOD_MSG, ST_PEER_GET, node, HL_NODE_NAME_MAX,
	    HL_DESCRIPTOR_MAX_BYTES, desc, len);
}

/* ---- what partners witnessed of our log (their CHECKPOINT_ACKs), in the
 * peers table under "<node>#checkpoint-ack" ---- */
#define WITNESSED_SUFFIX "#checkpoint-ack"
#define WITNESSED_KEY_MAX (HL_NODE_NAME_MAX + sizeof(WITNESSED_SUFFIX) - 1)

static int
witnessed_key(const char *node, char key[WITNESSED_KEY_MAX + 1])
{
	int r;

	if ((r = store_check_name(node, HL_NODE_NAME_MAX)) != HL_OK)
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
	return store_blob_by_key(s, STORE_MOD_MSG, ST_PEER_GET, key, WITNESSED_KEY_MAX,
	    HL_CHECKPOINT_ACK_MAX_BYTES, raw, len);
}

/* ---- this node's own public items, in the peers table under
 * "<node>#<what>" (hl_store_own_put) ---- */
#define OWN_KEY_MAX (HL_NODE_NAME_MAX + 1 + 32)

static int
own_key(const char *node, const char *what, char key[OWN_KEY_MAX + 1])
{
	int r;

	if ((r = store_check_name(node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if (what == NULL || strlen(what) > 32 || strchr(what, '#') != NULL || what[0] == '\0')
		return HL_ERR_INVALID;
	snprintf(key, OWN_KEY_MAX + 1, "%s#%s", node, what);
	return HL_OK;
}

int
hl_store_own_put(struct hl_store *s, const char *node, const char *what, const uint8_t *raw,
    size_t len, uint64_t now_ms)
{
	char key[OWN_KEY_MAX + 1];
	int r;

	if ((r = own_key(node, what, key)) != HL_OK)
		return r;
	return peer_blob_put(s, key, OWN_KEY_MAX, raw, len, HL_DESCRIPTOR_MAX_BYTES, now_ms);
}

int
hl_store_own_get(struct hl_store *s, const char *node, const char *what, uint8_t **raw,
    size_t *len)
{
	char key[OWN_KEY_MAX + 1];
	int r;

	if (raw != NULL)
		*raw = NULL;
	if (len != NULL)
		*len = 0;
	if ((r = own_key(node, what, key)) != HL_OK)
		return r;
	return store_blob_by_key(s, STORE_MOD_MSG, ST_PEER_GET, key, OWN_KEY_MAX,
	    HL_DESCRIPTOR_MAX_BYTES, raw, len);
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
		if ((r = store_count(s, ST(ST_COUNT_IN), NULL, &v)) != HL_OK)
			return r;
		*inbound = v;
	}
	if (outbound != NULL) {
		if ((r = store_count(s, ST(ST_COUNT_OUT), NULL, &v)) != HL_OK)
			return r;
		*outbound = v;
	}
	if (audit_entries != NULL) {
		if ((r = store_count(s, ST(ST_COUNT_AUDIT), NULL, &v)) != HL_OK)
			return r;
		*audit_entries = v;
	}
	return HL_OK;
}
