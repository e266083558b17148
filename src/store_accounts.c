/* store_accounts.c: operator accounts in the node's database (table
 * "accounts", schema v7), beside the [operator NAME] sections of the
 * configuration. A change and its audit entry commit in one transaction. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>

#include "alloc.h"
#include "label.h"
#include "pwhash.h"
#include "sealfile.h"
#include "store_accounts.h"
#include "store_int.h"

/* 6 -> 7: operator accounts managed through the API: name, role (enum
 * hl_role), clearance (policy level index), nationality, scrypt hash
 * (pwhash.h), disabled, times in ms; console sessions are kept in memory
 * only (src/console.c). */
const char store_accounts_v7[] =
	"CREATE TABLE IF NOT EXISTS accounts ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" role INTEGER NOT NULL CHECK (role BETWEEN 1 AND 3),"
	" clearance INTEGER NOT NULL CHECK (clearance BETWEEN 0 AND 255),"
	" nationality TEXT NOT NULL,"
	" password_hash TEXT NOT NULL,"
	" disabled INTEGER NOT NULL DEFAULT 0 CHECK (disabled IN (0, 1)),"
	" created_ms INTEGER NOT NULL,"
	" password_changed_ms INTEGER NOT NULL) WITHOUT ROWID;";

/* 13 -> 14: the second factor (totp.h): an account's TOTP secret (NULL:
 * none enrolled), and the last step a code was accepted for, per operator
 * name, for the configuration's accounts too (a code is good once, also
 * across a restart). */
const char store_accounts_v14[] =
	"ALTER TABLE accounts ADD COLUMN totp_key BLOB"
	" CHECK (totp_key IS NULL OR length(totp_key) BETWEEN 16 AND 101);"
	"CREATE TABLE totp_last ("
	" name TEXT PRIMARY KEY NOT NULL,"
	" step INTEGER NOT NULL CHECK (step >= 0)) WITHOUT ROWID;";

/* 16..64 bytes, or sealed at rest under the content key (37 more) */
_Static_assert(HL_TOTP_KEY_MIN == 16 && HL_TOTP_KEY_MAX + HL_SEAL_OVERHEAD == 101,
    "accounts.totp_key CHECK");

/* The schema's CHECK (role BETWEEN 1 AND 3). */
_Static_assert(HL_ROLE_OFFICER == 1 && HL_ROLE_ADMIN == 3, "accounts.role CHECK in the schema");

#define ACC_COLS "name, role, clearance, nationality, password_hash, disabled, created_ms, " \
	"password_changed_ms, totp_key"
#define ACC_LIST_MAX 10000           /* accounts returned by a list, at most */

enum accounts_st {
	ST_ACC_GET,
	ST_ACC_LIST,
	ST_ACC_ADD,
	ST_ACC_DISABLE,
	ST_ACC_RESET,
	ST_ACC_TOTP,
	ST_TOTP_LAST,
	ST_TOTP_ACCEPT,
	ST_ACC_N
};

static const char *const accounts_sql[ST_ACC_N] = {
	[ST_ACC_GET] = "SELECT " ACC_COLS " FROM accounts WHERE name = ?1",
	[ST_ACC_LIST] = "SELECT " ACC_COLS " FROM accounts ORDER BY name",
	[ST_ACC_ADD] = ("INSERT INTO accounts (" ACC_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, 0, ?6, ?6,"
	    " NULL)"),
	[ST_ACC_DISABLE] = "UPDATE accounts SET disabled = 1 WHERE name = ?1",
	[ST_ACC_RESET] = ("UPDATE accounts SET password_hash = ?2, disabled = 0,"
	    " password_changed_ms = ?3 WHERE name = ?1"),
	[ST_ACC_TOTP] = "UPDATE accounts SET totp_key = ?2 WHERE name = ?1",
	[ST_TOTP_LAST] = "SELECT step FROM totp_last WHERE name = ?1",
	/* only forward: a step not after the recorded one changes no row */
	[ST_TOTP_ACCEPT] = ("INSERT INTO totp_last (name, step) VALUES (?1, ?2)"
	    " ON CONFLICT (name) DO UPDATE SET step = excluded.step"
	    " WHERE excluded.step > totp_last.step"),
};

const struct store_sql store_sql_accounts = { "accounts", accounts_sql, ST_ACC_N };

#define ST(i) store_st(s, STORE_MOD_ACCOUNTS, (i))

int
hl_store_account_name_valid(const char *name)
{
	return name != NULL && hl_operator_name_valid(name, strlen(name));
}

/* "totp <name>": what a sealed TOTP secret is bound to */
static void
totp_role(const char *name, char out[5 + HL_OPERATOR_MAX + 1])
{
	snprintf(out, 5 + HL_OPERATOR_MAX + 1, "totp %s", name);
}

/* The TOTP secret column: NULL, 16..64 bytes, or those sealed under the
 * store's content key (a value starting with the sealed magic; a random
 * secret does so once in 2^64). */
static int
totp_col(const struct hl_store *s, sqlite3_stmt *st, int i, struct hl_operator_conf *op)
{
	char role[5 + HL_OPERATOR_MAX + 1];
	const uint8_t *p;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	int n, r;

	op->totp_key_len = 0;
	if (sqlite3_column_type(st, i) == SQLITE_NULL)
		return HL_OK;
	p = sqlite3_column_blob(st, i);
	n = sqlite3_column_bytes(st, i);
	if (p != NULL && n >= HL_TOTP_KEY_MIN + HL_SEAL_OVERHEAD &&
	    hl_seal_is_sealed(p, (size_t)n)) {
		totp_role(op->name, role);
		if ((r = store_seal_open(s, role, p, (size_t)n, &pt, &ptlen)) != HL_OK)
			return r;
		p = pt;
		n = (int)ptlen;
	}
	r = HL_ERR_CORRUPT;
	if (p != NULL && n >= HL_TOTP_KEY_MIN && n <= HL_TOTP_KEY_MAX) {
		memcpy(op->totp_key, p, (size_t)n);
		op->totp_key_len = (size_t)n;
		r = HL_OK;
	}
	hl_free_secret(pt, ptlen);
	return r;
}

/* Fill a from the current row of ACC_COLS (a text column longer than its
 * field, which only a tampered file can hold, is refused). */
static int
row(const struct hl_store *s, sqlite3_stmt *st, struct hl_account *a)
{
	int64_t role = sqlite3_column_int64(st, 1), cl = sqlite3_column_int64(st, 2);
	int r;

	memset(a, 0, sizeof(*a));
	if ((r = store_col_str(st, 0, a->op.name, sizeof(a->op.name), 0)) != HL_OK ||
	    (r = store_col_str(st, 3, a->op.nationality, sizeof(a->op.nationality), 0)) != HL_OK ||
	    (r = store_col_str(st, 4, a->op.password_hash, sizeof(a->op.password_hash), 0)) != HL_OK)
		return r;
	if (role < HL_ROLE_OFFICER || role > HL_ROLE_ADMIN || cl < 0 || cl > 255)
		return HL_ERR_CORRUPT;
	a->op.role = (uint8_t)role;
	a->op.clearance = (uint8_t)cl;
	a->op.disabled = sqlite3_column_int(st, 5) != 0;
	a->created_ms = store_col_u64(st, 6);
	a->password_changed_ms = store_col_u64(st, 7);
	return totp_col(s, st, 8, &a->op);
}

int
hl_store_account_get(struct hl_store *s, const char *name, struct hl_account *out)
{
	sqlite3_stmt *st;
	int r, have;

	memset(out, 0, sizeof(*out));
	if (s == NULL)
		return HL_ERR_INVALID;
	if (!hl_store_account_name_valid(name))
		return HL_ERR_NOT_FOUND;
	st = ST(ST_ACC_GET);
	if ((r = store_bind_text(s, st, 1, name)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK)
		r = have ? row(s, st, out) : HL_ERR_NOT_FOUND;
	if (r != HL_OK)
		OPENSSL_cleanse(out, sizeof(*out));
	store_reset(st);
	return r;
}

int
hl_store_account_list(struct hl_store *s, struct hl_account **out, size_t *n)
{
	sqlite3_stmt *st;
	struct hl_account *v = NULL, *nv;
	size_t cap = 0, cnt = 0;
	int r, have;

	*out = NULL;
	*n = 0;
	if (s == NULL)
		return HL_ERR_INVALID;
	st = ST(ST_ACC_LIST);
	for (;;) {
		if ((r = store_step_row(s, st, &have)) != HL_OK)
			goto out;
		if (!have)
			break;
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
		if ((r = row(s, st, &v[cnt])) != HL_OK)
			goto out;
		cnt++;
	}
	*out = v;
	*n = cnt;
	v = NULL;
	cnt = 0;
	r = HL_OK;
out:
	if (v != NULL)
		hl_free_secret(v, cap * sizeof(*v));
	store_reset(st);
	return r;
}

/* Run statement which (already bound) in a transaction with its audit
 * entry, and reset it. A change of no row is HL_ERR_NOT_FOUND, a name
 * taken HL_ERR_EXISTS. */
static int
change(struct hl_store *s, enum accounts_st which, const char *event, const char *actor,
    const char *detail, uint64_t now_ms)
{
	sqlite3_stmt *st = ST(which);
	int r;

	if ((r = hl_store_begin(s)) != HL_OK)
		goto out;
	if ((r = store_step_done(s, st)) == HL_OK)
		r = store_changes(s) == 0 ? HL_ERR_NOT_FOUND :
		    hl_store_audit(s, event, NULL, actor, detail, now_ms);
	else if (r == HL_ERR_INVALID)
		r = HL_ERR_EXISTS;   /* a constraint (the caller checked the values) */
	if (r == HL_OK)
		r = hl_store_commit(s);
	if (r != HL_OK)
		hl_store_rollback(s);
out:
	store_reset(st);
	return r;
}

int
hl_store_account_add(struct hl_store *s, const struct hl_operator_conf *op, const char *actor,
    uint64_t now_ms)
{
	sqlite3_stmt *st;
	char detail[160];
	int r;

	if (s == NULL || !hl_store_account_name_valid(op->name) || op->role < HL_ROLE_OFFICER ||
	    op->role > HL_ROLE_ADMIN || !hl_partner_valid(op->nationality))
		return HL_ERR_INVALID;
	if (hl_pwhash_valid(op->password_hash) != HL_OK)
		return HL_ERR_MALFORMED;
	st = ST(ST_ACC_ADD);
	if ((r = store_bind_text(s, st, 1, op->name)) != HL_OK ||
	    (r = store_bind_i64(s, st, 2, op->role)) != HL_OK ||
	    (r = store_bind_i64(s, st, 3, op->clearance)) != HL_OK ||
	    (r = store_bind_text(s, st, 4, op->nationality)) != HL_OK ||
	    (r = store_bind_text(s, st, 5, op->password_hash)) != HL_OK ||
	    (r = store_bind_u64(s, st, 6, now_ms)) != HL_OK) {
		store_reset(st);
		return r;
	}
	snprintf(detail, sizeof(detail), "name=%s role=%u clearance=%u nationality=%s", op->name,
	    (unsigned)op->role, (unsigned)op->clearance, op->nationality);
	return change(s, ST_ACC_ADD, "operator-added", actor, detail, now_ms);
}

int
hl_store_account_disable(struct hl_store *s, const char *name, const char *actor,
    uint64_t now_ms)
{
	char detail[HL_OPERATOR_MAX + 8];
	int r;

	if (s == NULL)
		return HL_ERR_INVALID;
	if (!hl_store_account_name_valid(name))
		return HL_ERR_NOT_FOUND;
	if ((r = store_bind_text(s, ST(ST_ACC_DISABLE), 1, name)) != HL_OK) {
		store_reset(ST(ST_ACC_DISABLE));
		return r;
	}
	snprintf(detail, sizeof(detail), "name=%s", name);
	return change(s, ST_ACC_DISABLE, "operator-disabled", actor, detail, now_ms);
}

int
hl_store_account_reset(struct hl_store *s, const char *name, const char *hash,
    const char *actor, uint64_t now_ms)
{
	sqlite3_stmt *st;
	char detail[HL_OPERATOR_MAX + 8];
	int r;

	if (s == NULL)
		return HL_ERR_INVALID;
	if (!hl_store_account_name_valid(name))
		return HL_ERR_NOT_FOUND;
	if (hl_pwhash_valid(hash) != HL_OK)
		return HL_ERR_MALFORMED;
	st = ST(ST_ACC_RESET);
	if ((r = store_bind_text(s, st, 1, name)) != HL_OK ||
	    (r = store_bind_text(s, st, 2, hash)) != HL_OK ||
	    (r = store_bind_u64(s, st, 3, now_ms)) != HL_OK) {
		store_reset(st);
		return r;
	}
	snprintf(detail, sizeof(detail), "name=%s", name);
	return change(s, ST_ACC_RESET, "operator-reset", actor, detail, now_ms);
}

int
hl_store_account_totp(struct hl_store *s, const char *name, const uint8_t *key, size_t keylen,
    const char *actor, uint64_t now_ms)
{
	sqlite3_stmt *st;
	char detail[HL_OPERATOR_MAX + 32], role[5 + HL_OPERATOR_MAX + 1];
	uint8_t *sealed = NULL;
	size_t sl = 0;
	int r;

	if (s == NULL || (key != NULL && (keylen < HL_TOTP_KEY_MIN || keylen > HL_TOTP_KEY_MAX)))
		return HL_ERR_INVALID;
	if (!hl_store_account_name_valid(name))
		return HL_ERR_NOT_FOUND;
	/* sealed at rest when the node has a content key */
	if (key != NULL && s->have_content_key) {
		totp_role(name, role);
		if ((r = store_seal(s, role, key, keylen, &sealed, &sl)) != HL_OK)
			return r;
		key = sealed;
		keylen = sl;
	}
	st = ST(ST_ACC_TOTP);
	r = store_bind_text(s, st, 1, name);
	if (r == HL_OK)
		r = key != NULL ? store_bind_blob(s, st, 2, key, keylen) : store_bind_null(s, st, 2);
	if (r != HL_OK) {
		store_reset(st);
		hl_free(sealed);
		return r;
	}
	snprintf(detail, sizeof(detail), "name=%s totp=%s", name, key != NULL ? "enrolled" :
	    "removed");
	/* bound without a copy: sealed lives until the statement ran */
	r = change(s, ST_ACC_TOTP, "operator-totp", actor, detail, now_ms);
	hl_free(sealed);
	return r;
}

int
hl_store_totp_last(struct hl_store *s, const char *name, uint64_t *step)
{
	sqlite3_stmt *st;
	int r, have = 0;

	*step = 0;
	if (s == NULL || store_check_name(name, HL_OPERATOR_MAX) != HL_OK)
		return HL_ERR_INVALID;
	st = ST(ST_TOTP_LAST);
	if ((r = store_bind_text(s, st, 1, name)) == HL_OK &&
	    (r = store_step_row(s, st, &have)) == HL_OK && have) {
		if (sqlite3_column_int64(st, 0) < 0)
			r = HL_ERR_CORRUPT;
		else
			*step = store_col_u64(st, 0);
	}
	store_reset(st);
	return r;
}

int
hl_store_totp_accept(struct hl_store *s, const char *name, uint64_t step)
{
	sqlite3_stmt *st;
	int r, mode;

	if (s == NULL || store_check_name(name, HL_OPERATOR_MAX) != HL_OK || step > INT64_MAX)
		return HL_ERR_INVALID;
	st = ST(ST_TOTP_ACCEPT);
	if ((r = store_op_begin(s, &mode)) != HL_OK)
		return r;
	if ((r = store_bind_text(s, st, 1, name)) == HL_OK &&
	    (r = store_bind_u64(s, st, 2, step)) == HL_OK &&
	    (r = store_step_done(s, st)) == HL_OK && store_changes(s) == 0)
		r = HL_ERR_EXISTS;
	store_reset(st);
	return store_op_end(s, mode, r);
}
