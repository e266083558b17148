/* store_accounts.h: operator accounts kept in the node's database (schema
 * v7), beside the [operator NAME] sections of the configuration. The
 * configuration is consulted first: a name defined there cannot be added
 * here, and its definition always wins (docs/CONSOLE.md). Every change
 * commits together with its audit entry, in a transaction of its own (not
 * inside the caller's). */
#ifndef HL_STORE_ACCOUNTS_H
#define HL_STORE_ACCOUNTS_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "errors.h"

struct hl_store;

struct hl_account {
	struct hl_operator_conf op;      /* password_hash is the scrypt string */
	uint64_t created_ms;
	uint64_t password_changed_ms;
};

/* 1 if name is 1..HL_OPERATOR_MAX of [A-Za-z0-9._-], not starting with '.'
 * or '-'. */
int hl_store_account_name_valid(const char *name);

/* HL_ERR_NOT_FOUND if there is no such account. OUT: *out. */
HL_WUR int hl_store_account_get(struct hl_store *s, const char *name, struct hl_account *out);
/* All accounts by name. OUT: *out (caller frees with hl_free_secret(*out,
 * *n * sizeof(**out)); NULL when *n is 0), *n. */
HL_WUR int hl_store_account_list(struct hl_store *s, struct hl_account **out, size_t *n);
/* Add op (name, role, clearance, nationality, password_hash; disabled is
 * ignored: a new account is enabled). HL_ERR_EXISTS if the name is taken,
 * HL_ERR_INVALID for a bad name, role or nationality, HL_ERR_MALFORMED for a
 * bad hash. Audited as operator-added by actor. */
HL_WUR int hl_store_account_add(struct hl_store *s, const struct hl_operator_conf *op,
    const char *actor, uint64_t now_ms);
/* Disable (sessions of the account must be ended by the caller). Audited as
 * operator-disabled. HL_ERR_NOT_FOUND if there is no such account. */
HL_WUR int hl_store_account_disable(struct hl_store *s, const char *name, const char *actor,
    uint64_t now_ms);
/* New password hash, and the account enabled again. Audited as
 * operator-reset. HL_ERR_NOT_FOUND, HL_ERR_MALFORMED (hash). */
HL_WUR int hl_store_account_reset(struct hl_store *s, const char *name, const char *hash,
    const char *actor, uint64_t now_ms);

/* Enrol a TOTP secret of keylen (HL_TOTP_KEY_MIN..HL_TOTP_KEY_MAX) bytes,
 * replacing any, or remove it (key NULL). Audited as operator-totp
 * ("name=N totp=enrolled|removed", never the secret). HL_ERR_NOT_FOUND. */
HL_WUR int hl_store_account_totp(struct hl_store *s, const char *name, const uint8_t *key,
    size_t keylen, const char *actor, uint64_t now_ms);
/* The last step a one-time code of operator name (of the configuration or
 * the database) was accepted for; 0 when none. OUT: *step. */
HL_WUR int hl_store_totp_last(struct hl_store *s, const char *name, uint64_t *step);
/* Record step as accepted for name if it is after the recorded one, in one
 * statement; HL_ERR_EXISTS if it is not (the code was used already). */
HL_WUR int hl_store_totp_accept(struct hl_store *s, const char *name, uint64_t step);

#endif
