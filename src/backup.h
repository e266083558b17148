/* backup.h: sealed, verifiable node backups (hotline backup, restore;
 * docs/INSTALL.md "Backups").
 *
 * A backup file is
 *
 *     "HLBACKUP" | u8 version 1 | 32-byte salt | chunk...
 *     chunk = u32 length | u8 last | AES-256-GCM ciphertext and tag
 *
 * under a key derived (HKDF-SHA256, the salt, "hotline backup v1") from the
 * node's seal key (sealfile.h), so that a backup is no easier to read than
 * the disk it came from. Chunk i is sealed with the 96-bit nonce i and the
 * header, i and the last flag as additional data: chunks cannot be
 * reordered, dropped or replaced, and a file cut short lacks its last one.
 *
 * The plaintext is a stream of entries, each a file of the node:
 *
 *     'F' | u16 name length | name | u64 size | data | SHA-256 of data
 *     'E' | u32 number of entries            (the end)
 *
 * Names are relative paths of [A-Za-z0-9._-] components joined by '/',
 * none "." or "..": what restore writes stays inside its directory.
 *
 * The writer and reader work on a FILE; hl_backup_name_ok is a codec. */
#ifndef HL_BACKUP_H
#define HL_BACKUP_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "errors.h"
#include "sealfile.h"

#define HL_BACKUP_MAGIC "HLBACKUP"
#define HL_BACKUP_SALT 32
#define HL_BACKUP_HEADER (8 + 1 + HL_BACKUP_SALT)
#define HL_BACKUP_CHUNK (1024u * 1024)       /* plaintext bytes per chunk, at most */
#define HL_BACKUP_NAME_MAX 255
#define HL_BACKUP_ENTRIES_MAX 1000000
#define HL_BACKUP_FILE_MAX (1ull << 40)     /* one entry, at most */

struct hl_backup_w;
struct hl_backup_r;

/* Start a backup on f (written from its current position) under kek.
 * OUT: *out (hl_backup_w_close). */
HL_WUR int hl_backup_w_open(FILE *f, const uint8_t kek[static HL_SEAL_KEK],
    struct hl_backup_w **out);
/* Add the entry name holding the n bytes that read_fn gives, in pieces;
 * read_fn(arg, buf, cap) returns bytes read (0 only at the end, which must
 * come after exactly n bytes) or -1. */
HL_WUR int hl_backup_w_entry(struct hl_backup_w *w, const char *name, uint64_t n,
    long (*read_fn)(void *arg, uint8_t *buf, size_t cap), void *arg);
/* Write the end and the last chunk, flush; frees w. HL_OK only when every
 * byte reached f. */
HL_WUR int hl_backup_w_close(struct hl_backup_w *w);
/* Free without finishing (the file is then no backup). Accepts NULL. */
void hl_backup_w_abort(struct hl_backup_w *w);

/* Read a backup from f under kek. OUT: *out (hl_backup_r_free).
 * HL_ERR_MALFORMED (not a backup), HL_ERR_VERSION. */
HL_WUR int hl_backup_r_open(FILE *f, const uint8_t kek[static HL_SEAL_KEK],
    struct hl_backup_r **out);
/* The next entry: OUT name, *size; HL_ERR_NOT_FOUND at the end (which is
 * checked: entry count, last chunk, nothing after). Its data then comes
 * from hl_backup_r_data, and must be read whole before the next entry. */
HL_WUR int hl_backup_r_next(struct hl_backup_r *r, char name[HL_BACKUP_NAME_MAX + 1],
    uint64_t *size);
/* The current entry's data, to write_fn(arg, buf, n) (-1: stop) piece by
 * piece, then its SHA-256 checked (HL_ERR_CORRUPT when it differs). */
HL_WUR int hl_backup_r_data(struct hl_backup_r *r,
    int (*write_fn)(void *arg, const uint8_t *buf, size_t n), void *arg);
/* What went wrong, for the operator ("chunk 3 does not open ..."). */
const char *hl_backup_r_error(const struct hl_backup_r *r);
void hl_backup_r_free(struct hl_backup_r *r);

/* 1 when name is an acceptable entry name (see above). */
int hl_backup_name_ok(const char *name, size_t len);

#endif
