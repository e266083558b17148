/* accounts.c: operator accounts in the node's SQLite database (table
 * "accounts", schema v7 in store.c). Values are always bound, never
 * formatted into SQL. A change and its audit entry commit in one
 * transaction. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <sqlite3.h>

#include "accounts.h"
#include "alloc.h"
#include "label.h"
#include "pwhash.h"
#include "store.h"

#define ACC_COLS "name, role, clearance, nationality, password_hash, disabled, created_ms, " \
	"password_changed_ms"
#define ACC_LIST_MAX 10000           /* accounts returned by a list, at most */

int
hl_accounts_name_valid(const char *name)
{
	size_t i, n;

	if (name == NULL || (n = strlen(name)) == 0 || n > HL_OPERATOR_MAX ||
	    name[0] == '.' || name[0] == '-')
		return 0;
	for (i = 0; i < n; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		    c == '.' || c == '_' || c == '-'))
			return 0;
	}
	return 1;
}

static int
prepare(struct hl_store *s, const char *sql, sqlite3_stmt **st)
{
	sqlite3 *db = hl_store_db(s);

	*st = NULL;
	if (db == NULL || sqlite3_prepare_v2(db, sql, -1, st, NULL) != SQLITE_OK)
		return HL_ERR_STORE;
	return HL_OK;
}

/* Copy a text column into dst (cut columns, which only a tampered file can
 * hold, are refused). */
static int
col_text(sqlite3_stmt *st, int i, char *dst, size_t cap)
{
	const unsigned char *t = sqlite3_column_text(st, i);
	int n = sqlite3_column_bytes(st, i);

	if (t == NULL || n < 0 || (size_t)n >= cap)
		return HL_ERR_CORRUPT;
	memcpy(dst, t, (size_t)n);
	dst[n] = '\0';
	return HL_OK;
}

static int
row(sqlite3_stmt *st, struct hl_account *a)
{
	sqlite3_int64 role = sqlite3_column_int64(st, 1), cl = sqlite3_column_int64(st, 2);
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = col_text(st, 0, a->op.name, sizeof(a->op.name))) != HL_OK ||
	    (r = col_text(st, 3, a->op.nationality, sizeof(a->op.nationality))) != HL_OK ||
	    (r = col_text(st, 4, a->op.password_hash, sizeof(a->op.password_hash))) != HL_OK)
		return r;
	if (role < HL_ROLE_OFFICER || role > HL_ROLE_ADMIN || cl < 0 || cl > 255)
		return HL_ERR_CORRUPT;
	a->op.role = (uint8_t)role;
	a->op.clearance = (uint8_t)cl;
	a->op.disabled = sqlite3_column_int(st, 5) != 0;
	a->created_ms = (uint64_t)sqlite3_column_int64(st, 6);
	a->password_changed_ms = (uint64_t)sqlite3_column_int64(st, 7);
	return HL_OK;
}

int
hl_accounts_get(struct hl_store *s, const char *name, struct hl_account *out)
{
	sqlite3_stmt *st = NULL;
	int r, rc;

	memset(out, 0, sizeof(*out));
	if (!hl_accounts_name_valid(name))
		return HL_ERR_NOT_FOUND;
	if ((r = prepare(s, "SELECT " ACC_COLS " FROM accounts WHERE name = ?1", &st)) != HL_OK)
		return r;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = HL_ERR_STORE;
		goto out;
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_DONE)
		r = HL_ERR_NOT_FOUND;
	else if (rc == SQLITE_ROW)
		r = row(st, out);
	else
		r = HL_ERR_STORE;
	if (r != HL_OK)
		OPENSSL_cleanse(out, sizeof(*out));
out:
	sqlite3_finalize(st);
	return r;
}

int
hl_accounts_list(struct hl_store *s, struct hl_account **out, size_t *n)
{
	sqlite3_stmt *st = NULL;
	struct hl_account *v = NULL, *nv;
	size_t cap = 0, cnt = 0;
	int r, rc;

	*out = NULL;
	*n = 0;
	if ((r = prepare(s, "SELECT " ACC_COLS " FROM accounts ORDER BY name", &st)) != HL_OK)
		return r;
	while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
		if (cnt == ACC_LIST_MAX) {
			r = HL_ERR_TOO_BIG;
			goto out;
		}
		if (cnt == cap) {
			cap = cap == 0 ? 8 : cap * 2;
			if ((nv = hl_calloc(cap, sizeof(*nv))) == NULL) {
				r = HL_ERR_NOMEM;
				goto out;
			}
			if (cnt > 0)
				memcpy(nv, v, cnt * sizeof(*v));
			hl_free_secret(v, cnt * sizeof(*v));
			v = nv;
		}
		if ((r = row(st, &v[cnt])) != HL_OK)
			goto out;
		cnt++;
	}
	if (rc != SQLITE_DONE) {
		r = HL_ERR_STORE;
		goto out;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	cnt = 0;
	r = HL_OK;
out:
	if (v != NULL)
		hl_free_secret(v, cap * sizeof(*v));
	sqlite3_finalize(st);
	return r;
}

/* Run st (already bound) in a transaction with its audit entry. A change of
 * no row is HL_ERR_NOT_FOUND, a constraint violation HL_ERR_EXISTS. */
static int
change(struct hl_store *s, sqlite3_stmt *st, const char *event, const char *actor,
    const char *detail, uint64_t now_ms)
{
	int r, rc;

	if ((r = hl_store_begin(s)) != HL_OK)
		return r;
	rc = sqlite3_step(st);
	if ((rc & 0xff) == SQLITE_CONSTRAINT)   /* extended codes may be on */
		r = HL_ERR_EXISTS;
	else if (rc != SQLITE_DONE)
		r = HL_ERR_STORE;
	else if (sqlite3_changes(hl_store_db(s)) == 0)
		r = HL_ERR_NOT_FOUND;
	else
		r = hl_store_audit(s, event, NULL, actor, detail, now_ms);
	if (r == HL_OK)
		r = hl_store_commit(s);
	if (r != HL_OK)
		hl_store_rollback(s);
	return r;
}

int
hl_accounts_add(struct hl_store *s, const struct hl_operator_conf *op, const char *actor,
    uint64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	char detail[160];
	int r;

	if (!hl_accounts_name_valid(op->name) || op->role < HL_ROLE_OFFICER ||
	    op->role > HL_ROLE_ADMIN || !hl_partner_valid(op->nationality))
		return HL_ERR_INVALID;
	if (hl_pwhash_valid(op->password_hash) != HL_OK)
		return HL_ERR_MALFORMED;
	if ((r = prepare(s, "INSERT INTO accounts (" ACC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, 0, "
	    "?6, ?6)", &st)) != HL_OK)
		return r;
	if (sqlite3_bind_text(st, 1, op->name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int(st, 2, op->role) != SQLITE_OK ||
	    sqlite3_bind_int(st, 3, op->clearance) != SQLITE_OK ||
	    sqlite3_bind_text(st, 4, op->nationality, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 5, op->password_hash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 6, (sqlite3_int64)now_ms) != SQLITE_OK) {
		r = HL_ERR_STORE;
		goto out;
	}
	snprintf(detail, sizeof(detail), "name=%s role=%u clearance=%u nationality=%s", op->name,
	    (unsigned)op->role, (unsigned)op->clearance, op->nationality);
	r = change(s, st, "operator-added", actor, detail, now_ms);
out:
	sqlite3_finalize(st);
	return r;
}

int
hl_accounts_disable(struct hl_store *s, const char *name, const char *actor, uint64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	char detail[HL_OPERATOR_MAX + 8];
	int r;

	if (!hl_accounts_name_valid(name))
		return HL_ERR_NOT_FOUND;
	if ((r = prepare(s, "UPDATE accounts SET disabled = 1 WHERE name = ?1", &st)) != HL_OK)
		return r;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK) {
		r = HL_ERR_STORE;
		goto out;
	}
	snprintf(detail, sizeof(detail), "name=%s", name);
	r = change(s, st, "operator-disabled", actor, detail, now_ms);
out:
	sqlite3_finalize(st);
	return r;
}

int
hl_accounts_reset(struct hl_store *s, const char *name, const char *hash, const char *actor,
    uint64_t now_ms)
{
	sqlite3_stmt *st = NULL;
	char detail[HL_OPERATOR_MAX + 8];
	int r;

	if (!hl_accounts_name_valid(name))
		return HL_ERR_NOT_FOUND;
	if (hl_pwhash_valid(hash) != HL_OK)
		return HL_ERR_MALFORMED;
	if ((r = prepare(s, "UPDATE accounts SET password_hash = ?2, disabled = 0, "
	    "password_changed_ms = ?3 WHERE name = ?1", &st)) != HL_OK)
		return r;
	if (sqlite3_bind_text(st, 1, name, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_text(st, 2, hash, -1, SQLITE_STATIC) != SQLITE_OK ||
	    sqlite3_bind_int64(st, 3, (sqlite3_int64)now_ms) != SQLITE_OK) {
		r = HL_ERR_STORE;
		goto out;
	}
	snprintf(detail, sizeof(detail), "name=%s", name);
	r = change(s, st, "operator-reset", actor, detail, now_ms);
out:
	sqlite3_finalize(st);
	return r;
}
