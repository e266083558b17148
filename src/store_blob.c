/* store_blob.c: large envelope contents in files of their own, beside the
 * database (issue 14).
 *
 * A content or sealed envelope of HL_BLOB_MIN_BYTES or more is not written
 * into SQLite, where it would cross the WAL twice (commit and checkpoint) on
 * the event loop. It goes into a file of the blob directory ("<db>.blobs"),
 * named by the envelope id and a random 64-bit key:
 *
 *     <32 hex id>-<16 hex key>.c    the plaintext content
 *     <32 hex id>-<16 hex key>.r    the sealed envelope
 *
 * The row names the key (envelopes.content_file / raw_file) and the length.
 * A file is created under its final name, written, fdatasynced and its
 * directory fsynced before the row that names it is committed: a committed
 * row's file is always whole. A file that no committed row names (a crash
 * between the file and the commit, a failed insert, a replaced sealing) is
 * an orphan, removed by hl_store_blob_sweep at the daemon's next start.
 * Because every write gets a fresh key, no file is ever overwritten: a
 * second copy of an id, or a hostile one reusing our id, cannot touch the
 * bytes a row already names.
 *
 * hl_blob_write and hl_blob_read touch no SQLite state and may run on any
 * thread (the crypto workers write the files of what they sealed or
 * opened); the rest runs on the store's owner. */
#include <sys/stat.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "log.h"
#include "sealfile.h"
#include "store_int.h"

#define BLOB_NAME_LEN (2 * HL_ID_BYTES + 1 + 16 + 2)   /* id-key.k */

enum blob_st {
	ST_BLOB_FILES,
	ST_DATA_KEY_GET,
	ST_DATA_KEY_PUT,
	ST_BLOB_N
};

static const char *const blob_sql[ST_BLOB_N] = {
	[ST_BLOB_FILES] = "SELECT content_file, raw_file FROM envelopes WHERE id = ?1",
	[ST_DATA_KEY_GET] = "SELECT wrapped FROM data_keys WHERE id = 1",
	[ST_DATA_KEY_PUT] = "INSERT INTO data_keys (id, wrapped, created_ms) VALUES (1, ?1, ?2)",
};

const struct store_sql store_sql_blob = { "blob", blob_sql, ST_BLOB_N };

#define ST(i) store_st(s, STORE_MOD_BLOB, (i))

/* 10 -> 11: where a large content or sealed envelope lives outside the row */
const char store_blob_v11[] =
	"ALTER TABLE envelopes ADD COLUMN content_file INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE envelopes ADD COLUMN content_file_len INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE envelopes ADD COLUMN raw_file INTEGER NOT NULL DEFAULT 0;"
	"ALTER TABLE envelopes ADD COLUMN raw_file_len INTEGER NOT NULL DEFAULT 0;";

/* 12 -> 13: which contents are sealed (hl_store_set_content_key), and the
 * content key wrapped under the node's seal key */
const char store_blob_v13[] =
	"ALTER TABLE envelopes ADD COLUMN content_sealed INTEGER NOT NULL DEFAULT 0"
	" CHECK (content_sealed IN (0, 1));"
	"CREATE TABLE data_keys ("
	" id INTEGER PRIMARY KEY CHECK (id = 1),"
	" wrapped BLOB NOT NULL,"
	" created_ms INTEGER NOT NULL);";

/* "content <32 hex>": what a sealed content is bound to */
static void
content_role(const uint8_t id[static HL_ID_BYTES], char out[8 + 2 * HL_ID_BYTES + 1])
{
	memcpy(out, "content ", 8);
	hl_hex_id(id, out + 8);
}

int
store_seal(const struct hl_store *s, const char *role, const uint8_t *p, size_t n,
    uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (!s->have_content_key)
		return HL_ERR_INVALID;
	return hl_seal_seal_key(s->content_key, role, p, n, out, outlen);
}

int
store_seal_open(const struct hl_store *s, const char *role, const uint8_t *p, size_t n,
    uint8_t **out, size_t *outlen)
{
	int r;

	*out = NULL;
	*outlen = 0;
	if (!s->have_content_key)
		return HL_ERR_INVALID;
	r = hl_seal_open_key(s->content_key, role, p, n, out, outlen);
	return r == HL_OK ? HL_OK : HL_ERR_CORRUPT;
}

void
store_sql_opened(sqlite3_context *ctx, sqlite3_value *v, const char *role, int text)
{
	const struct hl_store *s = sqlite3_user_data(ctx);
	const uint8_t *p = sqlite3_value_blob(v);
	int n = sqlite3_value_bytes(v);
	uint8_t *pt = NULL;
	size_t ptlen = 0;

	if (p == NULL || n < 0 || !hl_seal_is_sealed(p, (size_t)n)) {
		sqlite3_result_value(ctx, v);   /* stored in clear */
		return;
	}
	if (role == NULL || store_seal_open(s, role, p, (size_t)n, &pt, &ptlen) != HL_OK ||
	    ptlen > INT32_MAX) {
		sqlite3_result_error(ctx, "a sealed value does not open (altered, moved, or no "
		    "seal_key)", -1);
	} else if (text) {
		sqlite3_result_text(ctx, (const char *)pt, (int)ptlen, SQLITE_TRANSIENT);
	} else {
		sqlite3_result_blob(ctx, pt, (int)ptlen, SQLITE_TRANSIENT);
	}
	hl_free_secret(pt, ptlen);
}

int
store_content_seal(const struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *p, size_t n, uint8_t **out, size_t *outlen)
{
	char role[8 + 2 * HL_ID_BYTES + 1];

	content_role(id, role);
	return store_seal(s, role, p, n, out, outlen);
}

int
store_content_open(const struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *p, size_t n, uint8_t **out, size_t *outlen)
{
	char role[8 + 2 * HL_ID_BYTES + 1];

	content_role(id, role);
	return store_seal_open(s, role, p, n, out, outlen);
}

void
hl_store_set_content_key(struct hl_store *s, const uint8_t key[static HL_STORE_CONTENT_KEY])
{
	memcpy(s->content_key, key, HL_STORE_CONTENT_KEY);
	s->have_content_key = 1;
}

int
hl_store_seals_contents(const struct hl_store *s)
{
	return s != NULL && s->have_content_key;
}

int
hl_store_data_key_get(struct hl_store *s, uint8_t **wrapped, size_t *len)
{
	sqlite3_stmt *st = ST(ST_DATA_KEY_GET);
	int r, have;

	*wrapped = NULL;
	*len = 0;
	if ((r = store_step_row(s, st, &have)) != HL_OK)
		goto out;
	r = HL_ERR_NOT_FOUND;
	if (have)
		r = store_col_blob_dup(st, 0, HL_SEAL_FILE_MAX, wrapped, len);
out:
	store_reset(st);
	return r;
}

int
hl_store_data_key_put(struct hl_store *s, const uint8_t *wrapped, size_t len, uint64_t now_ms)
{
	sqlite3_stmt *st = ST(ST_DATA_KEY_PUT);
	int r;

	if ((r = store_bind_blob(s, st, 1, wrapped, len)) != HL_OK ||
	    (r = store_bind_u64(s, st, 2, now_ms)) != HL_OK)
		goto out;
	r = store_step_done(s, st);
out:
	store_reset(st);
	return r;
}

static char
kind_char(int kind)
{
	return kind == HL_BLOB_CONTENT ? 'c' : 'r';
}

static int
blob_name(char *out, size_t outlen, const char *dir, const uint8_t id[static HL_ID_BYTES],
    int kind, uint64_t key)
{
	char hex[2 * HL_ID_BYTES + 1];
	int n;

	if (kind != HL_BLOB_CONTENT && kind != HL_BLOB_RAW)
		return HL_ERR_INVALID;
	hl_hex_id(id, hex);
	n = snprintf(out, outlen, "%s/%s-%016" PRIx64 ".%c", dir, hex, key, kind_char(kind));
	if (n < 0 || (size_t)n >= outlen)
		return HL_ERR_TOO_BIG;
	return HL_OK;
}

static int
errno_to_hl(int e)
{
	return e == ENOSPC || e == EDQUOT ? HL_ERR_FULL : HL_ERR_IO;
}

static int
fsync_dir(const char *dir)
{
	int fd, r = HL_OK;

	if ((fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) == -1)
		return errno_to_hl(errno);
	if (fsync(fd) == -1)
		r = errno_to_hl(errno);
	(void)close(fd);
	return r;
}

int
hl_blob_write(const char *dir, int durable, const uint8_t id[static HL_ID_BYTES], int kind,
    const uint8_t *p, size_t n, uint64_t *key)
{
	char path[HL_PATH_MAX];
	uint64_t k = 0;
	size_t off = 0;
	ssize_t w;
	int fd = -1, r = HL_ERR_INTERNAL, e;

	if (key != NULL)
		*key = 0;
	if (dir == NULL || dir[0] == '\0' || key == NULL || (p == NULL && n > 0))
		return HL_ERR_INVALID;
	if (n > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	do {
		if (RAND_bytes((unsigned char *)&k, sizeof(k)) != 1)
			return HL_ERR_CRYPTO;
	} while (k == 0 || k > INT64_MAX);   /* a SQLite integer, never 0 */
	if ((r = blob_name(path, sizeof(path), dir, id, kind, k)) != HL_OK)
		return r;
	if ((fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC | O_NOFOLLOW, 0600)) == -1) {
		r = errno_to_hl(errno);
		goto out;
	}
	while (off < n) {
		w = write(fd, p + off, n - off);
		if (w < 0 && errno == EINTR)
			continue;
		if (w <= 0) {
			r = w < 0 ? errno_to_hl(errno) : HL_ERR_IO;
			goto out;
		}
		off += (size_t)w;
	}
	if (durable && fdatasync(fd) == -1) {
		r = errno_to_hl(errno);
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		r = errno_to_hl(errno);
		goto out;
	}
	fd = -1;
	/* the name must be on disk too before a row names it */
	if (durable && (r = fsync_dir(dir)) != HL_OK)
		goto out;
	*key = k;
	r = HL_OK;
out:
	if (r != HL_OK) {
		e = errno;
		if (fd != -1)
			(void)close(fd);
		(void)unlink(path);
		errno = e;
	}
	return r;
}

int
hl_blob_read(const char *dir, const uint8_t id[static HL_ID_BYTES], int kind, uint64_t key,
    size_t len, uint8_t **out)
{
	char path[HL_PATH_MAX];
	struct stat sb;
	uint8_t *p = NULL;
	size_t off = 0;
	ssize_t g;
	int fd = -1, r = HL_ERR_INTERNAL;

	if (out != NULL)
		*out = NULL;
	if (dir == NULL || out == NULL || key == 0)
		return HL_ERR_INVALID;
	if (len > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_CORRUPT;
	if ((r = blob_name(path, sizeof(path), dir, id, kind, key)) != HL_OK)
		return r;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW)) == -1) {
		/* the row names it, so it must be there */
		r = errno == ENOENT ? HL_ERR_CORRUPT : HL_ERR_IO;
		goto out;
	}
	if (fstat(fd, &sb) == -1) {
		r = HL_ERR_IO;
		goto out;
	}
	if (!S_ISREG(sb.st_mode) || sb.st_size < 0 || (uint64_t)sb.st_size != len) {
		r = HL_ERR_CORRUPT;
		goto out;
	}
	if ((p = hl_malloc(len > 0 ? len : 1)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	while (off < len) {
		g = read(fd, p + off, len - off);
		if (g < 0 && errno == EINTR)
			continue;
		if (g <= 0) {
			r = g < 0 ? HL_ERR_IO : HL_ERR_CORRUPT;
			goto out;
		}
		off += (size_t)g;
	}
	*out = p;
	p = NULL;
	r = HL_OK;
out:
	if (fd != -1)
		(void)close(fd);
	if (p != NULL)
		hl_free_secret(p, len);
	return r;
}

int
hl_blob_prewrite(const struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *content, size_t clen, const uint8_t *raw, size_t rlen,
    uint64_t *content_file, uint64_t *raw_file)
{
	const char *dir = hl_store_blob_dir(s);
	int durable = hl_store_blob_durable(s), r;

	*content_file = *raw_file = 0;
	if (dir == NULL)
		return HL_OK;
	if (clen >= HL_BLOB_MIN_BYTES) {
		uint8_t *sealed = NULL;
		size_t sl = 0;

		if (s->have_content_key &&
		    (r = store_content_seal(s, id, content, clen, &sealed, &sl)) != HL_OK)
			return r;
		r = hl_blob_write(dir, durable, id, HL_BLOB_CONTENT, sealed != NULL ? sealed :
		    content, sealed != NULL ? sl : clen, content_file);
		hl_free(sealed);
		if (r != HL_OK)
			return r;
	}
	if (rlen >= HL_BLOB_MIN_BYTES &&
	    (r = hl_blob_write(dir, durable, id, HL_BLOB_RAW, raw, rlen, raw_file)) != HL_OK)
		return r;
	return HL_OK;
}

/* ---- the store's side ---- */

const char *
hl_store_blob_dir(const struct hl_store *s)
{
	return s != NULL && s->blob_dir[0] != '\0' ? s->blob_dir : NULL;
}

int
hl_store_blob_durable(const struct hl_store *s)
{
	return s != NULL && !s->no_fsync;
}

int
store_blob_init(struct hl_store *s, const char *dbpath, char *err, size_t errlen)
{
	struct stat sb;
	int n;

	n = snprintf(s->blob_dir, sizeof(s->blob_dir), "%s.blobs", dbpath);
	if (n < 0 || (size_t)n >= sizeof(s->blob_dir)) {
		hl_set_err(err, errlen, "DB: the path %s is too long", dbpath);
		return HL_ERR_TOO_BIG;
	}
	if (s->readonly)
		return HL_OK;   /* read what is there; nothing to create */
	if (mkdir(s->blob_dir, 0700) == -1 && errno != EEXIST) {
		hl_set_err(err, errlen, "DB: cannot create %s: %s", s->blob_dir, strerror(errno));
		return HL_ERR_IO;
	}
	if (lstat(s->blob_dir, &sb) == -1 || !S_ISDIR(sb.st_mode)) {
		hl_set_err(err, errlen, "DB: %s is not a directory", s->blob_dir);
		return HL_ERR_INVALID;
	}
	if ((sb.st_mode & 077) != 0 && chmod(s->blob_dir, 0700) == -1) {
		hl_set_err(err, errlen, "DB: cannot chmod 0700 %s: %s", s->blob_dir,
		    strerror(errno));
		return HL_ERR_IO;
	}
	return HL_OK;
}

int
store_blob_put(struct hl_store *s, const uint8_t id[static HL_ID_BYTES], int kind,
    const uint8_t *p, size_t n, uint64_t have, uint64_t *key)
{
	int r;

	*key = 0;
	if (n < HL_BLOB_MIN_BYTES || s->blob_dir[0] == '\0')
		return HL_OK;   /* in the row */
	if (have != 0) {
		*key = have;    /* written already, by the worker that made it */
		return HL_OK;
	}
	if ((r = hl_blob_write(s->blob_dir, !s->no_fsync, id, kind, p, n, key)) != HL_OK)
		return store_set_msg(s, r, "cannot write %s file: %s",
		    kind == HL_BLOB_CONTENT ? "a content" : "an envelope", strerror(errno));
	return HL_OK;
}

int
store_blob_col(struct hl_store *s, sqlite3_stmt *st, int col_inline, int col_key, int col_len,
    const uint8_t id[static HL_ID_BYTES], int kind, size_t max, uint8_t **out, size_t *len)
{
	int64_t key = sqlite3_column_int64(st, col_key), n = sqlite3_column_int64(st, col_len);
	int r;

	*out = NULL;
	*len = 0;
	if (key == 0)
		return store_col_blob_dup(st, col_inline, max, out, len);
	if (key < 0 || n < 0 || (uint64_t)n > max)
		return HL_ERR_CORRUPT;
	if ((r = hl_blob_read(s->blob_dir, id, kind, (uint64_t)key, (size_t)n, out)) != HL_OK) {
		char hex[2 * HL_ID_BYTES + 1];

		hl_hex_id(id, hex);
		log_warnx("envelope %s: its %s file in %s is %s", hex,
		    kind == HL_BLOB_CONTENT ? "content" : "envelope", s->blob_dir,
		    r == HL_ERR_CORRUPT ? "missing or not the length its row records" :
		    "unreadable");
		return store_set_msg(s, r, "cannot read %s file of a stored envelope",
		    kind == HL_BLOB_CONTENT ? "the content" : "the envelope");
	}
	*len = (size_t)n;
	return HL_OK;
}

/* Is a directory entry one of ours? OUT: its id, kind and key. */
static int
parse_name(const char *name, uint8_t id[static HL_ID_BYTES], int *kind, uint64_t *key)
{
	uint8_t kb[8];
	unsigned i;

	if (strlen(name) != BLOB_NAME_LEN || name[2 * HL_ID_BYTES] != '-' ||
	    name[BLOB_NAME_LEN - 2] != '.')
		return 0;
	if (hl_hex_decode(name, 2 * HL_ID_BYTES, id, HL_ID_BYTES, HL_HEX_LOWER) != HL_OK ||
	    hl_hex_decode(name + 2 * HL_ID_BYTES + 1, 16, kb, sizeof(kb), HL_HEX_LOWER) != HL_OK)
		return 0;
	switch (name[BLOB_NAME_LEN - 1]) {
	case 'c': *kind = HL_BLOB_CONTENT; break;
	case 'r': *kind = HL_BLOB_RAW; break;
	default: return 0;
	}
	*key = 0;
	for (i = 0; i < sizeof(kb); i++)
		*key = *key << 8 | kb[i];
	return 1;
}

int
hl_store_blob_sweep(struct hl_store *s, unsigned *removed, unsigned *kept)
{
	sqlite3_stmt *st;
	struct dirent *de;
	DIR *d = NULL;
	char path[HL_PATH_MAX];
	uint8_t id[HL_ID_BYTES];
	uint64_t key;
	int kind, have, r = HL_ERR_INTERNAL, n, orphan;

	*removed = *kept = 0;
	if (s == NULL || s->readonly || s->blob_dir[0] == '\0')
		return HL_ERR_INVALID;
	if ((d = opendir(s->blob_dir)) == NULL)
		return store_set_msg(s, HL_ERR_IO, "cannot read %s: %s", s->blob_dir,
		    strerror(errno));
	st = store_st(s, STORE_MOD_BLOB, ST_BLOB_FILES);
	while ((errno = 0, de = readdir(d)) != NULL) {
		if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
			continue;
		if (!parse_name(de->d_name, id, &kind, &key)) {
			log_warnx("%s: %s is not an envelope file; left alone", s->blob_dir,
			    de->d_name);
			continue;
		}
		if ((r = store_bind_blob(s, st, 1, id, HL_ID_BYTES)) != HL_OK ||
		    (r = store_step_row(s, st, &have)) != HL_OK) {
			store_reset(st);
			goto out;
		}
		orphan = !have || (uint64_t)sqlite3_column_int64(st,
		    kind == HL_BLOB_CONTENT ? 0 : 1) != key;
		store_reset(st);
		if (!orphan) {
			(*kept)++;
			continue;
		}
		n = snprintf(path, sizeof(path), "%s/%s", s->blob_dir, de->d_name);
		if (n < 0 || (size_t)n >= sizeof(path) || unlink(path) == -1) {
			r = store_set_msg(s, HL_ERR_IO, "cannot remove %s/%s: %s", s->blob_dir,
			    de->d_name, strerror(errno));
			goto out;
		}
		(*removed)++;
	}
	if (errno != 0) {
		r = store_set_msg(s, HL_ERR_IO, "cannot read %s: %s", s->blob_dir, strerror(errno));
		goto out;
	}
	r = HL_OK;
out:
	(void)closedir(d);
	return r;
}
