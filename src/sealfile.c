/* sealfile.c: secret files sealed at rest under a key-encryption key that
 * is not on the node's disk (sealfile.h). */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/kdf.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "gcm.h"
#include "sealfile.h"

#define SEAL_VERSION 1
#define SEAL_HKDF_SALT "hotline seal key v1"
#define SEAL_HKDF_INFO "key-encryption key"

static uint8_t kek[HL_SEAL_KEK];
static int have_kek;

int
hl_seal_kek_set(const uint8_t *material, size_t len)
{
	int r;

	hl_seal_kek_wipe();
	if ((r = hl_seal_derive(material, len, kek)) == HL_OK)
		have_kek = 1;
	return r;
}

/* HKDF-SHA256 of ikm, 32 bytes out. */
static int
hkdf(const uint8_t *ikm, size_t ikmlen, const uint8_t *salt, size_t saltlen, const char *info,
    uint8_t out[static HL_SEAL_KEK])
{
	EVP_PKEY_CTX *pc = NULL;
	size_t outlen = HL_SEAL_KEK;
	int r = HL_ERR_CRYPTO;

	if ((pc = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, NULL)) == NULL ||
	    EVP_PKEY_derive_init(pc) != 1 ||
	    EVP_PKEY_CTX_set_hkdf_md(pc, EVP_sha256()) != 1 ||
	    EVP_PKEY_CTX_set1_hkdf_salt(pc, salt, (int)saltlen) != 1 ||
	    EVP_PKEY_CTX_set1_hkdf_key(pc, ikm, (int)ikmlen) != 1 ||
	    EVP_PKEY_CTX_add1_hkdf_info(pc, (const unsigned char *)info,
	    (int)strlen(info)) != 1 ||
	    EVP_PKEY_derive(pc, out, &outlen) != 1 || outlen != HL_SEAL_KEK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK) {
		OPENSSL_cleanse(out, HL_SEAL_KEK);
		ERR_clear_error();
	}
	EVP_PKEY_CTX_free(pc);
	return r;
}

int
hl_seal_derive(const uint8_t *material, size_t len, uint8_t out[static HL_SEAL_KEK])
{
	if (material == NULL || len < HL_SEAL_MATERIAL_MIN || len > HL_SEAL_FILE_MAX)
		return HL_ERR_INVALID;
	return hkdf(material, len, (const uint8_t *)SEAL_HKDF_SALT, strlen(SEAL_HKDF_SALT),
	    SEAL_HKDF_INFO, out);
}

int
hl_seal_subkey(const uint8_t key[static HL_SEAL_KEK], const uint8_t *salt, size_t saltlen,
    const char *info, uint8_t out[static HL_SEAL_KEK])
{
	if (salt == NULL || saltlen == 0 || saltlen > 1024 || info == NULL)
		return HL_ERR_INVALID;
	return hkdf(key, HL_SEAL_KEK, salt, saltlen, info, out);
}

void
hl_seal_kek_wipe(void)
{
	OPENSSL_cleanse(kek, sizeof(kek));
	have_kek = 0;
}

int
hl_seal_have_kek(void)
{
	return have_kek;
}

int
hl_seal_kek_load(const char *source, char *err, size_t errlen)
{
	char path[HL_SEAL_SOURCE_MAX + 64];
	const char *dir;
	uint8_t *m = NULL;
	size_t ml = 0;
	int sealed = 0, r;

	if (strncmp(source, "file:", 5) == 0 && source[5] != '\0') {
		snprintf(path, sizeof(path), "%s", source + 5);
	} else if (strncmp(source, "credential:", 11) == 0 && source[11] != '\0' &&
	    strchr(source + 11, '/') == NULL) {
		if ((dir = getenv("CREDENTIALS_DIRECTORY")) == NULL || dir[0] == '\0') {
			snprintf(err, errlen, "seal_key %s: no $CREDENTIALS_DIRECTORY (start the "
			    "node from its systemd unit, with LoadCredentialEncrypted=%s:...)",
			    source, source + 11);
			return HL_ERR_CONFIG;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, source + 11);
	} else {
		snprintf(err, errlen, "seal_key %s: expected file:PATH or credential:NAME", source);
		return HL_ERR_CONFIG;
	}
	if ((r = hl_seal_read_file(path, &m, &ml, &sealed, err, errlen)) != HL_OK)
		return r;
	if (sealed) {
		snprintf(err, errlen, "%s: the seal key cannot itself be a sealed file", path);
		r = HL_ERR_CONFIG;
	} else if (ml < HL_SEAL_MATERIAL_MIN) {
		snprintf(err, errlen, "%s: %zu bytes of key material; at least %d are needed "
		    "(head -c 32 /dev/urandom | xxd -p -c 64 > FILE)", path, ml,
		    HL_SEAL_MATERIAL_MIN);
		r = HL_ERR_CONFIG;
	} else if ((r = hl_seal_kek_set(m, ml)) != HL_OK) {
		snprintf(err, errlen, "%s: cannot derive the seal key", path);
	}
	hl_free_secret(m, ml);
	return r;
}

int
hl_seal_is_sealed(const uint8_t *p, size_t len)
{
	return len >= HL_SEAL_MAGIC_LEN && memcmp(p, HL_SEAL_MAGIC, HL_SEAL_MAGIC_LEN) == 0;
}

const char *
hl_seal_role(const char *path)
{
	const char *s = strrchr(path, '/');

	return s != NULL ? s + 1 : path;
}

/* The additional data: magic, version, role. OUT: aad; its length. */
static size_t
seal_aad(const char *role, uint8_t aad[HL_SEAL_MAGIC_LEN + 1 + 255])
{
	size_t rl = strlen(role);

	memcpy(aad, HL_SEAL_MAGIC, HL_SEAL_MAGIC_LEN);
	aad[HL_SEAL_MAGIC_LEN] = SEAL_VERSION;
	memcpy(aad + HL_SEAL_MAGIC_LEN + 1, role, rl);
	return HL_SEAL_MAGIC_LEN + 1 + rl;
}

int
hl_seal_kek_get(uint8_t out[static HL_SEAL_KEK])
{
	if (!have_kek)
		return HL_ERR_NOT_FOUND;
	memcpy(out, kek, HL_SEAL_KEK);
	return HL_OK;
}

int
hl_seal_seal(const char *role, const uint8_t *pt, size_t len, uint8_t **out, size_t *outlen)
{
	*out = NULL;
	*outlen = 0;
	if (!have_kek)
		return HL_ERR_INVALID;
	return hl_seal_seal_key(kek, role, pt, len, out, outlen);
}

int
hl_seal_open(const char *role, const uint8_t *p, size_t len, uint8_t **pt, size_t *ptlen)
{
	*pt = NULL;
	*ptlen = 0;
	if (!have_kek)
		return HL_ERR_INVALID;
	return hl_seal_open_key(kek, role, p, len, pt, ptlen);
}

int
hl_seal_seal_key(const uint8_t key[static HL_SEAL_KEK], const char *role, const uint8_t *pt,
    size_t len, uint8_t **out, size_t *outlen)
{
	uint8_t aad[HL_SEAL_MAGIC_LEN + 1 + 255], *b = NULL, *nonce, *ct;
	size_t bl, al;
	int r;

	*out = NULL;
	*outlen = 0;
	if (role == NULL || strlen(role) > 255)
		return HL_ERR_INVALID;
	if (len > HL_SEAL_BUF_MAX)
		return HL_ERR_TOO_BIG;
	bl = HL_SEAL_OVERHEAD + len;
	if ((b = hl_malloc(bl)) == NULL)
		return HL_ERR_NOMEM;
	al = seal_aad(role, aad);
	memcpy(b, aad, HL_SEAL_MAGIC_LEN + 1);   /* the magic and the version */
	nonce = b + HL_SEAL_MAGIC_LEN + 1;
	ct = nonce + HL_SEAL_NONCE;
	if (RAND_bytes(nonce, HL_SEAL_NONCE) != 1)
		r = HL_ERR_CRYPTO;
	else
		r = hl_gcm(1, key, nonce, aad, al, pt, len, ct, ct + len);
	if (r != HL_OK) {
		hl_free(b);
		return r;
	}
	*out = b;
	*outlen = bl;
	return HL_OK;
}

int
hl_seal_open_key(const uint8_t key[static HL_SEAL_KEK], const char *role, const uint8_t *p,
    size_t len, uint8_t **pt, size_t *ptlen)
{
	uint8_t aad[HL_SEAL_MAGIC_LEN + 1 + 255], tag[HL_SEAL_TAG], *b = NULL;
	const uint8_t *nonce, *ct;
	size_t cl, al;
	int r;

	*pt = NULL;
	*ptlen = 0;
	if (role == NULL || strlen(role) > 255)
		return HL_ERR_INVALID;
	if (len < HL_SEAL_OVERHEAD || len > HL_SEAL_BUF_MAX + HL_SEAL_OVERHEAD ||
	    !hl_seal_is_sealed(p, len))
		return HL_ERR_MALFORMED;
	if (p[HL_SEAL_MAGIC_LEN] != SEAL_VERSION)
		return HL_ERR_VERSION;
	nonce = p + HL_SEAL_MAGIC_LEN + 1;
	ct = nonce + HL_SEAL_NONCE;
	cl = len - HL_SEAL_OVERHEAD;
	memcpy(tag, ct + cl, sizeof(tag));
	al = seal_aad(role, aad);
	/* one byte more, so that an empty plaintext still has a buffer */
	if ((b = hl_malloc(cl + 1)) == NULL)
		return HL_ERR_NOMEM;
	if ((r = hl_gcm(0, key, nonce, aad, al, ct, cl, b, tag)) != HL_OK) {
		hl_free_secret(b, cl + 1);
		return r;
	}
	*pt = b;
	*ptlen = cl;
	return HL_OK;
}

/* Read at most HL_SEAL_FILE_MAX bytes of a regular file (0600 or
 * stricter when strict). */
static int
read_small(const char *path, int strict, uint8_t **out, size_t *outlen, char *err,
    size_t errlen)
{
	struct stat st;
	uint8_t *b = NULL;
	size_t off = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_IO;

	*out = NULL;
	*outlen = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1 || fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = HL_ERR_CONFIG;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (strict && (st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: secret file mode %04o is group/world accessible; "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size > HL_SEAL_FILE_MAX) {
		snprintf(err, errlen, "%s: larger than %d bytes", path, HL_SEAL_FILE_MAX);
		goto out;
	}
	r = HL_ERR_NOMEM;
	if ((b = hl_malloc(HL_SEAL_FILE_MAX + 1)) == NULL)
		goto out;
	r = HL_ERR_IO;
	for (;;) {
		n = read(fd, b + off, HL_SEAL_FILE_MAX + 1 - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
		if (off > HL_SEAL_FILE_MAX) {
			snprintf(err, errlen, "%s: larger than %d bytes", path, HL_SEAL_FILE_MAX);
			r = HL_ERR_CONFIG;
			goto out;
		}
	}
	*out = b;
	*outlen = off;
	b = NULL;
	r = HL_OK;
out:
	hl_free_secret(b, HL_SEAL_FILE_MAX + 1);
	if (fd != -1)
		close(fd);
	return r;
}

int
hl_seal_open_file(const uint8_t *key, const char *path, const uint8_t *b, size_t bl,
    uint8_t **pt, size_t *ptlen, char *err, size_t errlen)
{
	int r;

	r = key != NULL ? hl_seal_open_key(key, hl_seal_role(path), b, bl, pt, ptlen) :
	    HL_ERR_INVALID;
	if (r == HL_ERR_INVALID)
		snprintf(err, errlen, "%s: sealed, and this node has no seal_key to open it", path);
	else if (r == HL_ERR_DECRYPT)
		snprintf(err, errlen, "%s: sealed, and does not open with this node's seal_key "
		    "(another key, or the file was altered or renamed)", path);
	else if (r != HL_OK)
		snprintf(err, errlen, "%s: sealed file is malformed (%s)", path, hl_strerror(r));
	return r;
}

static int
read_file(const char *path, int strict, uint8_t **pt, size_t *ptlen, int *sealed, char *err,
    size_t errlen)
{
	uint8_t *b = NULL;
	size_t bl = 0;
	int r;

	*pt = NULL;
	*ptlen = 0;
	*sealed = 0;
	if ((r = read_small(path, strict, &b, &bl, err, errlen)) != HL_OK)
		return r;
	if (!hl_seal_is_sealed(b, bl)) {
		*pt = b;
		*ptlen = bl;
		return HL_OK;
	}
	*sealed = 1;
	r = hl_seal_open_file(have_kek ? kek : NULL, path, b, bl, pt, ptlen, err, errlen);
	hl_free_secret(b, HL_SEAL_FILE_MAX + 1);
	return r;
}

int
hl_seal_read_file(const char *path, uint8_t **pt, size_t *ptlen, int *sealed, char *err,
    size_t errlen)
{
	return read_file(path, 1, pt, ptlen, sealed, err, errlen);
}

int
hl_seal_read_pkey(const char *path, EVP_PKEY **key, char *err, size_t errlen)
{
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	BIO *bio = NULL;
	int sealed = 0, r;

	*key = NULL;
	/* the mode is the caller's check (tls_key is checked at start; an
	 * operator's console or TAK key may be group-readable by design) */
	if ((r = read_file(path, 0, &pt, &ptlen, &sealed, err, errlen)) != HL_OK)
		return r;
	r = HL_ERR_CONFIG;
	if (ptlen > INT32_MAX || (bio = BIO_new_mem_buf(pt, (int)ptlen)) == NULL ||
	    (*key = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL) {
		snprintf(err, errlen, "%s: not a PEM private key%s", path, sealed ?
		    " (inside its seal)" : "");
		ERR_clear_error();
		goto out;
	}
	r = HL_OK;
out:
	BIO_free(bio);
	hl_free_secret(pt, ptlen);
	return r;
}

int
hl_seal_use_key(SSL_CTX *ctx, const char *path, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	int r;

	if ((r = hl_seal_read_pkey(path, &k, err, errlen)) != HL_OK)
		return r;
	r = HL_OK;
	if (SSL_CTX_use_PrivateKey(ctx, k) != 1 || SSL_CTX_check_private_key(ctx) != 1) {
		snprintf(err, errlen, "%s: the key does not match the certificate", path);
		ERR_clear_error();
		r = HL_ERR_CONFIG;
	}
	EVP_PKEY_free(k);
	return r;
}

static int
write_all(int fd, const uint8_t *p, size_t len)
{
	ssize_t n;

	while (len > 0) {
		n = write(fd, p, len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		p += n;
		len -= (size_t)n;
	}
	return 0;
}

int
hl_seal_write_file(const char *path, const uint8_t *data, size_t len, char *err, size_t errlen)
{
	char tmp[HL_SEAL_SOURCE_MAX + 16], dir[HL_SEAL_SOURCE_MAX + 16];
	uint8_t *s = NULL;
	size_t sl = 0;
	struct stat st;
	char *slash;
	int fd = -1, dfd = -1, r;

	if ((r = hl_seal_seal(hl_seal_role(path), data, len, &s, &sl)) != HL_OK) {
		snprintf(err, errlen, "%s: cannot seal (%s)", path, r == HL_ERR_INVALID ?
		    "no seal_key" : hl_strerror(r));
		return r;
	}
	r = HL_ERR_IO;
	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.sealing", path) >= sizeof(tmp) ||
	    (size_t)snprintf(dir, sizeof(dir), "%s", path) >= sizeof(dir)) {
		snprintf(err, errlen, "%s: path too long", path);
		r = HL_ERR_CONFIG;
		goto out;
	}
	if ((slash = strrchr(dir, '/')) != NULL)
		*(slash == dir ? slash + 1 : slash) = '\0';
	else
		snprintf(dir, sizeof(dir), ".");
	(void)unlink(tmp);
	if ((fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) == -1 ||
	    write_all(fd, s, sl) == -1 || fsync(fd) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	/* a file replaced keeps its owner (the key keeper's user reads it) */
	if (lstat(path, &st) == 0 && (st.st_uid != geteuid() || st.st_gid != getegid()) &&
	    fchown(fd, st.st_uid, st.st_gid) == -1) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		goto out;
	}
	if (close(fd) == -1) {
		fd = -1;
		snprintf(err, errlen, "%s: close: %s", tmp, strerror(errno));
		goto out;
	}
	fd = -1;
	if (rename(tmp, path) == -1) {
		snprintf(err, errlen, "%s: rename: %s", path, strerror(errno));
		goto out;
	}
	if ((dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) != -1)
		(void)fsync(dfd);
	r = HL_OK;
out:
	if (fd != -1)
		close(fd);
	if (dfd != -1)
		close(dfd);
	if (r != HL_OK)
		(void)unlink(tmp);
	hl_free(s);
	return r;
}
