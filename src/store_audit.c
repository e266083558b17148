/* store_audit.c: the hash-chained audit log, the Merkle tree over it, our
 * signed checkpoints and the checkpoints partners sent us
 * (docs/internals/store.md, docs/internals/audit.md). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>

#include "alloc.h"
#include "keys.h"
#include "merkle.h"
#include "store_int.h"

/* 1 -> 2: the Merkle log (docs/internals/audit.md): cached leaf hashes
 * (NULL for entries written before: computed when needed), our signed
 * checkpoints with the tree frontier at their size, and the checkpoints
 * partners sent us. */
const char store_audit_v2[] =
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
	" PRIMARY KEY (node, size));";

enum audit_st {
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
	ST_AUDIT_MAX_SEQ,
	ST_AUDIT_N
};

static const char *const audit_sql[ST_AUDIT_N] = {
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
	[ST_AUDIT_MAX_SEQ] = "SELECT coalesce(max(seq), 0) FROM audit",
};

const struct store_sql store_sql_audit = { "audit", audit_sql, ST_AUDIT_N };

#define ST(i) store_st(s, STORE_MOD_AUDIT, (i))

static const uint8_t zero_hash[HL_SHA256];

/* ---- audit cache ---- */

/* Load the chain head: from audit_head when present (so that appending
 * after a deleted tail leaves a visible gap instead of hiding it), else from
 * the last row, else the empty chain. */
int
store_audit_load(struct hl_store *s)
{
	sqlite3_stmt *st;
	const void *h;
	int have, r, i;
	static const unsigned q[2] = { ST_HEAD_GET, ST_AUDIT_LAST };

	for (i = 0; i < 2; i++) {
		st = ST(q[i]);
		if ((r = store_step_row(s, st, &have)) != HL_OK) {
			store_reset(st);
			return r;
		}
		if (have) {
			h = sqlite3_column_blob(st, 1);
			if (h == NULL || sqlite3_column_bytes(st, 1) != HL_SHA256 ||
			    sqlite3_column_int64(st, 0) < 0) {
				store_reset(st);
				(void)snprintf(s->errmsg, sizeof(s->errmsg),
				    "audit head is malformed");
				return HL_ERR_CORRUPT;
			}
			s->audit_seq = store_col_u64(st, 0);
			memcpy(s->audit_hash, h, HL_SHA256);
			store_reset(st);
			s->audit_valid = 1;
			return HL_OK;
		}
		store_reset(st);
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

	if (!s->audit_valid && (r = store_audit_load(s)) != HL_OK)
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
	st = ST(ST_AUDIT_INSERT);
	if ((r = store_bind_u64(s, st, 1, seq)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, time_ms)) != HL_OK ||
	    (r = store_bind_text(s, st, 3, event)) != HL_OK ||
	    (r = store_bind_text(s, st, 5, actor)) != HL_OK ||
	    (r = store_bind_text(s, st, 6, detail)) != HL_OK ||
	    (r = store_bind_blob(s, st, 7, s->audit_hash, HL_SHA256)) != HL_OK ||
	    (r = store_bind_blob(s, st, 8, h, HL_SHA256)) != HL_OK ||
	    (r = store_bind_blob(s, st, 9, leaf, HL_MERKLE_HASH)) != HL_OK)
		goto out;
	/* envelope_id stays NULL (unbound) when there is none */
	if (id != NULL && (r = store_bind_blob(s, st, 4, id, HL_ID_BYTES)) != HL_OK)
		goto out;
	if ((r = store_step_done(s, st)) != HL_OK)
		goto out;
	store_reset(st);
	st = ST(ST_HEAD_PUT);
	if ((r = store_bind_u64(s, st, 1, seq)) != HL_OK ||
	    (r = store_bind_blob(s, st, 2, h, HL_SHA256)) != HL_OK)
		goto out;
	r = store_step_done(s, st);
	*seq_out = seq;
	memcpy(hash_out, h, HL_SHA256);
out:
	store_reset(st);
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
	if ((r = store_check_name(event, HL_AUDIT_EVENT_MAX)) != HL_OK ||
	    (r = store_check_opt_str(actor, HL_NODE_NAME_MAX)) != HL_OK ||
	    (r = store_check_opt_str(detail, HL_AUDIT_DETAIL_MAX)) != HL_OK)
		return r;
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	r = audit_append(s, event, id, actor, detail, time_ms, &seq, h);
	if ((r = store_op_end(s, mode, r)) != HL_OK)
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
	sqlite3_stmt *st = ST(ST_HEAD_GET);
	const void *h;
	uint64_t hseq;
	int r, have;

	if ((r = store_step_row(s, st, &have)) != HL_OK) {
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
	hseq = store_col_u64(st, 0);
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
	store_reset(st);
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
	if ((r = audit_hash(prev, (uint64_t)seq, store_col_u64(st, 1), ev != NULL ? ev : "",
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
	e->seq = store_col_u64(st, 0);
	e->time_ms = store_col_u64(st, 1);
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
cp_next(struct hl_store *s, struct cp_cursor *cc, const struct hl_signer *pub, uint64_t *bad_seq,
    char *err, size_t errlen)
{
	struct hl_checkpoint tmp;
	const void *raw;
	int64_t size;
	int n, r;

	if ((r = store_step_row(s, cc->st, &cc->have)) != HL_OK) {
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
audit_verify(struct hl_store *s, const struct hl_signer *pub, uint64_t *count, uint64_t *bad_seq,
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
	if ((r = hl_store_read_begin(s, &began)) != HL_OK) {
		hl_set_err(err, errlen, "cannot read the audit log: %s", s->errmsg);
		return r;
	}
	st = ST(ST_AUDIT_WALK);
	cc.st = ST(ST_CP_WALK);
	if ((r = cp_next(s, &cc, pub, bad_seq, err, errlen)) != HL_OK)
		goto done;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK) {
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
	store_reset(st);
	store_reset(cc.st);
	hl_store_read_end(s, began);
	return r;
}

int
hl_store_audit_verify(struct hl_store *s, uint64_t *count, uint64_t *bad_seq,
    char *err, size_t errlen)
{
	return audit_verify(s, NULL, count, bad_seq, err, errlen);
}

int
hl_store_audit_verify_signed(struct hl_store *s, const struct hl_signer *pub,
    uint64_t *count, uint64_t *bad_seq, char *err, size_t errlen)
{
	if (pub == NULL) {
		hl_set_err(err, errlen, "no public key");
		return HL_ERR_INVALID;
	}
	return audit_verify(s, pub, count, bad_seq, err, errlen);
}

/* An entry as listed (display only: a tampered over-long field is cut,
 * verify reports it). */
static int
fill_entry(sqlite3_stmt *st, void *elem, void *arg)
{
	struct hl_audit_entry *e = elem;
	int r;

	(void)arg;
	e->seq = store_col_u64(st, 0);
	e->time_ms = store_col_u64(st, 1);
	if ((r = store_col_str(st, 2, e->event, sizeof(e->event), 1)) != HL_OK ||
	    (r = store_col_str(st, 4, e->actor, sizeof(e->actor), 1)) != HL_OK ||
	    (r = store_col_str(st, 5, e->detail, sizeof(e->detail), 1)) != HL_OK)
		return r;
	e->has_id = store_col_id(st, 3, e->id) == HL_OK;
	return HL_OK;
}

/* The bound entry query st, at most limit entries. */
static int
entries(struct hl_store *s, sqlite3_stmt *st, size_t limit, struct hl_audit_entry **out,
    size_t *n)
{
	void *a = NULL;
	int r;

	r = store_rows(s, st, limit, sizeof(**out), fill_entry, NULL, NULL, &a, n);
	*out = a;
	return r;
}

int
hl_store_audit_list(struct hl_store *s, uint64_t from_seq, size_t limit,
    struct hl_audit_entry **out, size_t *n)
{
	sqlite3_stmt *st;
	int r;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || out == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (limit == 0)
		return HL_OK;
	st = ST(ST_AUDIT_LIST);
	if ((r = store_bind_u64(s, st, 1, from_seq > (uint64_t)INT64_MAX ? (uint64_t)INT64_MAX :
	    from_seq)) != HL_OK || (r = store_bind_limit(s, st, 2, limit)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return entries(s, st, limit, out, n);
}

/* ---- the Merkle log: checkpoints, proofs, witnesses ---- */

/* Leaf hashes of entries from + 1 .. to, in order, into leaves[0 .. to -
 * from) when leaves is not NULL and into f when f is not NULL. strict: hash
 * every entry's contents and require the cached leaf (when present) to
 * agree; otherwise the cache is used when present. */
static int
audit_leaves(struct hl_store *s, uint64_t from, uint64_t to, int strict,
    uint8_t (*leaves)[HL_MERKLE_HASH], struct hl_merkle_frontier *f)
{
	sqlite3_stmt *st = ST(ST_AUDIT_LEAVES);
	struct hl_merkle_entry me;
	uint8_t leaf[HL_MERKLE_HASH];
	const void *c;
	uint64_t expect = from + 1;
	int r, have;

	if ((r = store_bind_u64(s, st, 1, from)) != HL_OK || (r = store_bind_u64(s, st, 2, to)) != HL_OK)
		goto out;
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
		if (sqlite3_column_int64(st, 0) < 0 || store_col_u64(st, 0) != expect) {
			r = store_set_msg(s, HL_ERR_CORRUPT, "audit entry %llu missing",
			    (unsigned long long)expect);
			goto out;
		}
		c = sqlite3_column_blob(st, 6);
		if (!strict && c != NULL && sqlite3_column_bytes(st, 6) == HL_MERKLE_HASH) {
			memcpy(leaf, c, HL_MERKLE_HASH);
		} else {
			if ((r = row_entry(st, &me)) != HL_OK ||
			    (r = hl_merkle_entry_leaf(&me, leaf)) != HL_OK) {
				r = store_set_msg(s, r, "audit entry %llu: malformed row",
				    (unsigned long long)expect);
				goto out;
			}
			if (!leaf_cache_ok(st, 6, leaf)) {
				r = store_set_msg(s, HL_ERR_CORRUPT, "audit entry %llu: cached leaf hash "
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
		r = store_set_msg(s, HL_ERR_CORRUPT, "audit entry %llu missing",
		    (unsigned long long)expect);
		goto out;
	}
	r = HL_OK;
out:
	store_reset(st);
	return r;
}

/* The current number of entries (the head), re-read from the database. */
static int
audit_size(struct hl_store *s, uint64_t *n)
{
	int r;

	*n = 0;
	if ((r = store_audit_load(s)) != HL_OK)
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
	sqlite3_stmt *st = ST(ST_CP_LAST);
	uint8_t root[HL_MERKLE_HASH];
	const void *p;
	int64_t size;
	int r, n;

	if ((r = store_step_row(s, st, have)) != HL_OK || !*have)
		goto out;
	size = sqlite3_column_int64(st, 0);
	p = sqlite3_column_blob(st, 1);
	n = sqlite3_column_bytes(st, 1);
	if (size <= 0 || p == NULL || n <= 0 || hl_checkpoint_decode(p, (size_t)n, c) != HL_OK ||
	    c->size != (uint64_t)size) {
		r = store_set_msg(s, HL_ERR_CORRUPT, "audit checkpoint at size %lld: malformed record",
		    (long long)size);
		goto out;
	}
	if (raw != NULL && (r = store_col_blob_dup(st, 1, HL_CHECKPOINT_MAX_BYTES, raw, rawlen)) != HL_OK)
		goto out;
	if (f != NULL) {
		p = sqlite3_column_blob(st, 2);
		n = sqlite3_column_bytes(st, 2);
		if (p == NULL || n <= 0 || hl_merkle_frontier_decode(p, (size_t)n, f) != HL_OK ||
		    f->size != c->size || hl_merkle_frontier_root(f, root) != HL_OK ||
		    memcmp(root, c->root, HL_MERKLE_HASH) != 0) {
			r = store_set_msg(s, HL_ERR_CORRUPT, "audit checkpoint at size %lld: stored "
			    "frontier does not match its signed root", (long long)size);
			goto out;
		}
	}
	r = HL_OK;
out:
	store_reset(st);
	return r;
}

/* Compute, sign and store the checkpoint over entries 1..n (inside the
 * caller's operation). */
static int
checkpoint_make(struct hl_store *s, struct hl_keys *k, const char *node, int sig_suite,
    uint64_t now_ms, struct hl_buf *out)
{
	struct hl_merkle_frontier f;
	struct hl_checkpoint last, c;
	struct hl_buf fb;
	sqlite3_stmt *st = NULL;
	uint8_t d[64], hs[HL_HYBSIG_MAX_BYTES];
	uint64_t n;
	size_t tail, hl = 0;
	int r, have = 0;

	hl_buf_init(&fb, 8 + 64 * HL_MERKLE_HASH);
	hl_merkle_frontier_init(&f);
	if ((r = audit_size(s, &n)) != HL_OK)
		goto out;
	if (n == 0) {
		r = store_set_msg(s, HL_ERR_NOT_FOUND, "the audit log is empty");
		goto out;
	}
	if ((r = cp_last(s, &have, &last, &f, NULL, NULL)) != HL_OK)
		goto out;
	if (have && last.size > n) {
		r = store_set_msg(s, HL_ERR_CORRUPT, "audit log truncated: checkpoint at size %llu "
		    "but the log ends at entry %llu", (unsigned long long)last.size,
		    (unsigned long long)n);
		goto out;
	}
	if (have && last.size == n) {
		r = store_set_msg(s, HL_ERR_EXISTS, "no new audit entries since the checkpoint at "
		    "size %llu", (unsigned long long)n);
		goto out;
	}
	/* extend the signed frontier: the new head is consistent with the last
	 * one by construction, whatever happened to the rows below it */
	if ((r = audit_leaves(s, have ? last.size : 0, n, 1, NULL, &f)) != HL_OK)
		goto out;
	memset(&c, 0, sizeof(c));
	c.version = hl_sig_suite_mldsa(sig_suite) > 0 ? HL_CHECKPOINT_VERSION_HYBRID :
	    HL_CHECKPOINT_VERSION;
	hl_hsig_placeholder(sig_suite, &c.hsig);
	if ((size_t)snprintf(c.node, sizeof(c.node), "%s", node) >= sizeof(c.node)) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	c.size = n;
	c.time_ms = now_ms;
	if ((r = hl_merkle_frontier_root(&f, c.root)) != HL_OK ||
	    (r = hl_checkpoint_encode(&c, out)) != HL_OK)
		goto out;
	tail = c.version == HL_CHECKPOINT_VERSION ? HL_ED25519_SIG : c.hsig.len;
	if ((r = hl_checkpoint_digest(out->data, out->len - tail, d)) != HL_OK)
		goto out;
	if (c.version == HL_CHECKPOINT_VERSION)
		r = hl_keys_sign(k, HL_SIGN_CHECKPOINT, d, out->data + out->len - tail);
	else if ((r = hl_keys_hybsign(k, sig_suite, HL_SIGN_CHECKPOINT, d, hs, sizeof(hs),
	    &hl)) == HL_OK && hl != tail)
		r = HL_ERR_INTERNAL;
	if (r != HL_OK)
		goto out;
	if (c.version != HL_CHECKPOINT_VERSION)
		memcpy(out->data + out->len - tail, hs, hl);
	if ((r = hl_merkle_frontier_encode(&f, &fb)) != HL_OK)
		goto out;
	st = ST(ST_CP_INSERT);
	if ((r = store_bind_u64(s, st, 1, n)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, now_ms)) != HL_OK ||
	    (r = store_bind_blob(s, st, 3, c.root, HL_MERKLE_HASH)) != HL_OK ||
	    (r = store_bind_blob(s, st, 4, out->data, out->len)) != HL_OK ||
	    (r = store_bind_blob(s, st, 5, fb.data, fb.len)) != HL_OK)
		goto out;
	r = store_step_done(s, st);
out:
	if (st != NULL)
		store_reset(st);
	hl_buf_free(&fb);
	return r;
}

int
hl_store_audit_checkpoint(struct hl_store *s, struct hl_keys *k, const char *node,
    int sig_suite, uint64_t now_ms, uint8_t **raw, size_t *len)
{
	struct hl_buf b;
	int r, mode = 0;

	if (raw != NULL)
		*raw = NULL;
	if (len != NULL)
		*len = 0;
	if (s == NULL || k == NULL || raw == NULL || len == NULL)
		return HL_ERR_INVALID;
	if ((r = store_check_name(node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		goto out;
	r = checkpoint_make(s, k, node, sig_suite, now_ms, &b);
	if ((r = store_op_end(s, mode, r)) != HL_OK)
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
	int r;

	if (out != NULL)
		*out = NULL;
	if (n != NULL)
		*n = 0;
	if (s == NULL || id == NULL || out == NULL || n == NULL)
		return HL_ERR_INVALID;
	if (limit == 0)
		return HL_OK;
	st = ST(ST_AUDIT_BY_ID);
	if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
	    (r = store_bind_limit(s, st, 2, limit)) != HL_OK) {
		store_reset(st);
		return r;
	}
	return entries(s, st, limit, out, n);
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
	if ((r = store_check_name(from_node, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if ((r = hl_checkpoint_decode(raw, len, &c)) != HL_OK)
		return r;
	if (strcmp(c.node, from_node) != 0)
		return store_set_msg(s, HL_ERR_INVALID, "checkpoint of %s sent by %s", c.node, from_node);
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	st = ST(ST_WIT_GET);
	if ((r = store_bind_text(s, st, 1, from_node)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, c.size)) != HL_OK ||
	    (r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	if (have) {
		root = sqlite3_column_blob(st, 0);
		if (root != NULL && sqlite3_column_bytes(st, 0) == HL_MERKLE_HASH &&
		    memcmp(root, c.root, HL_MERKLE_HASH) == 0)
			r = HL_ERR_EXISTS;
		else
			r = store_set_msg(s, HL_ERR_CORRUPT, "%s signed two different audit trees "
			    "of size %llu", from_node, (unsigned long long)c.size);
		goto out;
	}
	store_reset(st);
	st = ST(ST_WIT_INSERT);
	if ((r = store_bind_text(s, st, 1, from_node)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, c.size)) != HL_OK ||
	    (r = store_bind_u64(s, st, 3, c.time_ms)) != HL_OK ||
	    (r = store_bind_blob(s, st, 4, c.root, HL_MERKLE_HASH)) != HL_OK ||
	    (r = store_bind_blob(s, st, 5, raw, len)) != HL_OK)
		goto out;
	r = store_step_done(s, st);
out:
	store_reset(st);
	return store_op_end(s, mode, r);
}

int
hl_store_witness_last(struct hl_store *s, const char *from_node, uint8_t **raw, size_t *len)
{
	return store_blob_by_key(s, STORE_MOD_AUDIT, ST_WIT_LAST, from_node, HL_NODE_NAME_MAX,
	    HL_CHECKPOINT_MAX_BYTES, raw, len);
}


int
hl_store_audit_last_seq(struct hl_store *s, uint64_t *seq)
{
	if (seq != NULL)
		*seq = 0;
	if (s == NULL || seq == NULL)
		return HL_ERR_INVALID;
	return store_count(s, ST(ST_AUDIT_MAX_SEQ), NULL, seq);
}
