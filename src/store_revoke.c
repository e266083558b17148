/* store_revoke.c: revocation notices kept (revoke.h): the certificates a
 * partner's CA revoked, each with its notice, so that it is applied again
 * at every start and passed on to every peer that links later. */
#include <string.h>

#include "alloc.h"
#include "store_int.h"

/* 14 -> 15: the revocation notices */
const char store_revoke_v15[] =
	"CREATE TABLE revocations ("
	" cert_sha256 BLOB PRIMARY KEY NOT NULL CHECK (length(cert_sha256) = 32),"
	" partner TEXT NOT NULL,"
	" node TEXT NOT NULL,"
	" notice BLOB NOT NULL,"
	" received_ms INTEGER NOT NULL) WITHOUT ROWID;";

enum revoke_st {
	ST_REV_PUT,
	ST_REV_LIST,
	ST_REV_N
};

static const char *const revoke_sql[ST_REV_N] = {
	[ST_REV_PUT] = "INSERT OR IGNORE INTO revocations (cert_sha256, partner, node, notice,"
	    " received_ms) VALUES (?1, ?2, ?3, ?4, ?5)",
	[ST_REV_LIST] = "SELECT notice FROM revocations ORDER BY received_ms, cert_sha256"
	    " LIMIT ?1",
};

const struct store_sql store_sql_revoke = { "revoke", revoke_sql, ST_REV_N };

#define ST(i) store_st(s, STORE_MOD_REVOKE, (i))

int
hl_store_revocation_put(struct hl_store *s, const uint8_t cert_sha256[static 32],
    const char *partner, const char *node, const uint8_t *notice, size_t len, uint64_t now_ms)
{
	sqlite3_stmt *st = ST(ST_REV_PUT);
	int r;

	if ((r = store_bind_blob(s, st, 1, cert_sha256, 32)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, partner)) != HL_OK ||
	    (r = store_bind_text(s, st, 3, node)) != HL_OK ||
	    (r = store_bind_blob(s, st, 4, notice, len)) != HL_OK ||
	    (r = store_bind_u64(s, st, 5, now_ms)) != HL_OK)
		goto out;
	if ((r = store_step_done(s, st)) == HL_OK && store_changes(s) == 0)
		r = HL_ERR_EXISTS;
out:
	store_reset(st);
	return r;
}

struct notice_row {
	uint8_t *p;
	size_t len;
};

static int
fill_notice(sqlite3_stmt *st, void *elem, void *arg)
{
	struct notice_row *n = elem;

	(void)arg;
	return store_col_blob_dup(st, 0, 4096, &n->p, &n->len);
}

static void
clear_notice(void *elem)
{
	HL_FREE(((struct notice_row *)elem)->p);
}

int
hl_store_revocations(struct hl_store *s, uint8_t ***notices, size_t **lens, size_t *n)
{
	sqlite3_stmt *st = ST(ST_REV_LIST);
	struct notice_row *rows = NULL;
	size_t cnt = 0, i;
	int r;

	*notices = NULL;
	*lens = NULL;
	*n = 0;
	if ((r = store_bind_limit(s, st, 1, HL_STORE_REVOCATIONS_MAX)) != HL_OK) {
		store_reset(st);
		return r;
	}
	if ((r = store_rows(s, st, HL_STORE_REVOCATIONS_MAX, sizeof(*rows), fill_notice, NULL,
	    clear_notice, (void **)&rows, &cnt)) != HL_OK)
		return r;
	if (cnt == 0)
		return HL_OK;
	if ((*notices = hl_calloc(cnt, sizeof(**notices))) == NULL ||
	    (*lens = hl_calloc(cnt, sizeof(**lens))) == NULL) {
		for (i = 0; i < cnt; i++)
			hl_free(rows[i].p);
		hl_free(rows);
		HL_FREE(*notices);
		return HL_ERR_NOMEM;
	}
	for (i = 0; i < cnt; i++) {
		(*notices)[i] = rows[i].p;
		(*lens)[i] = rows[i].len;
	}
	*n = cnt;
	hl_free(rows);
	return HL_OK;
}
