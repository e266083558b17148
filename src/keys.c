/* keys.c: the node's private keys (Ed25519 signing key, KEM key pairs per
 * suite and epoch) and every operation that needs one. Also the public half
 * of each suite's key wrap, so that a suite's wrap format lives in one place.
 * OpenSSL 3.0 EVP only. Secrets are wiped on every path. */
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/types.h>

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/kdf.h>
#include <openssl/params.h>
#include <openssl/pem.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "buf.h"
#include "envelope.h"
#include "gcm.h"
#include "keeperproto.h"
#include "clock.h"
#include "kemcache.h"
#include "hybsig.h"
#include "keys.h"
#include "log.h"
#include "mldsa.h"
#include "mlkem.h"
#include "sealfile.h"

#define KEY_FILE_MAX (16u * 1024)     /* a PEM private key file, bytes */
#define KEM_KEYS_MAX 48               /* KEM key pairs held (3 suites x 16 epochs) */
#define KEM_PUB_MAX (HL_X25519_KEY + 1568)
#define SIG_PREFIX "hotline-sig-v1"
#define WRAP_INFO "hotline wrap v1"
#define X25519_WRAP_LEN (HL_X25519_KEY + HL_AES_KEY + HL_GCM_TAG)

struct kem_key {
	uint8_t suite;
	uint32_t epoch;
	EVP_PKEY *priv;                /* the X25519 pair (every suite has one) */
	uint8_t *sk;                   /* further secret (hybrid: ML-KEM dk) or NULL; */
	size_t sklen;                  /* freed with hl_free_secret by kem_key_clear */
	uint8_t pub[KEM_PUB_MAX];
	size_t publen;
	uint64_t created_ms;
};

/* The ML-DSA signing keys (keys.h "ML-DSA signing keys"): one per
 * parameter set, each in <kem_dir>/mldsa<param>.key as
 *     magic "HLMD" | u8 version 1 | u8 param (65, 87) | seed xi[32]
 * sealed like the other key files. */
#define SIG_KEYS 2
#define SIG_FILE_MAGIC "HLMD"
#define SIG_FILE_VERSION 1
#define SIG_FILE_BYTES (4 + 1 + 1 + HL_MLDSA_SEED_BYTES)
#define SIG_NAME_MAX 32

static const int sig_params[SIG_KEYS] = { HL_MLDSA_65, HL_MLDSA_87 };

/* The public half of one ML-DSA key pair (a proxy holds only this). */
struct sig_pub {
	int param;                     /* HL_MLDSA_65, HL_MLDSA_87; 0: none held */
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES];
	uint8_t fp[32];                /* SHA-256 of pk */
	uint64_t created_ms;
};

/* Threads: the event loop owns an hl_keys and is the only one that changes
 * it (rotation, erasure, the proxy's refresh), under the write lock; crypto
 * workers sign and unwrap under the read lock. Over privilege separation
 * one round trip to the keeper at a time goes over remote_fd (call_mu). */
struct hl_keys {
	pthread_rwlock_t lock;
	pthread_mutex_t call_mu;
	int locks;                     /* lock and call_mu are initialised */
	int remote_fd;                 /* -1: keys held here; else a proxy to the keeper */
	EVP_PKEY *sign;
	uint8_t sign_pub[HL_ED25519_PUB];
	unsigned nkem;
	struct kem_key kem[KEM_KEYS_MAX];
	/* KEM sessions (kemcache.h): what we encapsulated to recipients' keys
	 * (sealing), and what we decapsulated with ours (opening; in the key
	 * keeper under privsep) */
	struct hl_kem_cache *send_sessions;
	struct hl_kem_cache *recv_sessions;
	/* the seal key of this node's key files, copied at open (sealfile.h) */
	uint8_t kek[HL_SEAL_KEK];
	int have_kek;
	/* ML-DSA signing keys, in sig_params order: the public halves (a proxy's
	 * cached from the keeper) and, held here, the secret keys; both under
	 * lock. kem_dirfd: the KEM directory, where rotation writes (-1: none) */
	struct sig_pub sig[SIG_KEYS];
	uint8_t sig_sk[SIG_KEYS][HL_MLDSA_MAX_SK_BYTES];
	int kem_dirfd;
};

static void
kem_key_clear(struct kem_key *key)
{
	EVP_PKEY_free(key->priv);
	hl_free_secret(key->sk, key->sklen);
	memset(key, 0, sizeof(*key));
}

/* One KEM suite. A new suite adds an entry to suites[]. */
struct kem_suite {
	uint8_t suite;
	const char *prefix;   /* key files are <prefix>-<epoch>.key */
	/* parse a private key file; fill key->priv, pub, publen */
	int (*load)(const uint8_t *file, size_t len, struct kem_key *key);
	/* fresh key pair; OUT: key filled, *file (PEM, hl_free_secret) */
	int (*generate)(struct kem_key *key, uint8_t **file, size_t *flen);
	/* sessions: NULL, or the KEM sessions to reuse (hybrid suites) */
	int (*wrap)(const uint8_t *pub, size_t publen, const uint8_t id[HL_ID_BYTES],
	    const char *node, const uint8_t ck[HL_AES_KEY], struct hl_kem_cache *sessions,
	    struct hl_buf *out);
	int (*unwrap)(const struct kem_key *key, const uint8_t id[HL_ID_BYTES],
	    const char *node, const uint8_t *wrap, size_t wraplen, struct hl_kem_cache *sessions,
	    uint8_t ck[HL_AES_KEY]);
};

static int
keys_locks_init(struct hl_keys *k)
{
	int r;

	if ((r = hl_kem_cache_new(0, 0, &k->send_sessions)) != HL_OK ||
	    (r = hl_kem_cache_new(0, 0, &k->recv_sessions)) != HL_OK)
		return r;
	if (pthread_rwlock_init(&k->lock, NULL) != 0)
		return HL_ERR_INTERNAL;
	if (pthread_mutex_init(&k->call_mu, NULL) != 0) {
		pthread_rwlock_destroy(&k->lock);
		return HL_ERR_INTERNAL;
	}
	k->locks = 1;
	return HL_OK;
}

/* One request to the keeper and its answer, alone on the socket. */
static int
keeper_call(struct hl_keys *k, const struct hl_keeper_req *q, uint8_t *resp, size_t cap,
    size_t *rl)
{
	int r;

	pthread_mutex_lock(&k->call_mu);
	r = hl_keeper_call(k->remote_fd, q, resp, cap, rl);
	pthread_mutex_unlock(&k->call_mu);
	return r;
}

/* ---- process-wide settings (privilege separation, keeper.h) ---- */

static int keeper_fd = -1;          /* hl_keys_open returns proxies when >= 0 */
static int owner_set;               /* key files owned by owner_uid, not geteuid() */
static uid_t owner_uid;
static gid_t owner_gid;

void
hl_keys_set_keeper(int fd)
{
	keeper_fd = fd;
}

void
hl_keys_set_owner(uid_t uid, gid_t gid)
{
	owner_set = 1;
	owner_uid = uid;
	owner_gid = gid;
}

static uid_t
key_owner(void)
{
	return owner_set ? owner_uid : geteuid();
}

/* Running as root for another owner: hand a file or directory we created over. */
static int
give_to_owner(int fd, const char *path)
{
	if (!owner_set || geteuid() != 0 || owner_uid == 0)
		return 0;
	return fd != -1 ? fchown(fd, owner_uid, owner_gid) : chown(path, owner_uid, owner_gid);
}

/* ---- files ---- */

/* Read a secret file that must be a regular file owned by the effective uid
 * and not group/world accessible. OUT: *data (hl_free_secret(*data, *len)). */
static int
read_key_bytes(const char *path, uint8_t **data, size_t *len, char *err, size_t errlen)
{
	struct stat st;
	uint8_t *buf = NULL;
	size_t off = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_IO;

	*data = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fstat(fd, &st) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	r = HL_ERR_CONFIG;
	if (!S_ISREG(st.st_mode)) {
		snprintf(err, errlen, "%s: not a regular file", path);
		goto out;
	}
	if (st.st_uid != key_owner()) {
		snprintf(err, errlen, "%s: key file is owned by uid %lu, expected uid %lu",
		    path, (unsigned long)st.st_uid, (unsigned long)key_owner());
		goto out;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: key file mode %04o is group/world accessible; "
		    "chmod 600 it", path, (unsigned)(st.st_mode & 07777));
		goto out;
	}
	if (st.st_size <= 0 || (uint64_t)st.st_size > KEY_FILE_MAX) {
		snprintf(err, errlen, "%s: key file size %lld out of range", path,
		    (long long)st.st_size);
		goto out;
	}
	r = HL_ERR_NOMEM;
	if ((buf = hl_malloc(KEY_FILE_MAX)) == NULL)
		goto out;
	r = HL_ERR_IO;
	for (;;) {
		if (off == KEY_FILE_MAX) {
			snprintf(err, errlen, "%s: key file too large", path);
			r = HL_ERR_CONFIG;
			goto out;
		}
		n = read(fd, buf + off, KEY_FILE_MAX - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		off += (size_t)n;
	}
	*data = buf;
	*len = off;
	buf = NULL;
	r = HL_OK;
out:
	hl_free_secret(buf, KEY_FILE_MAX);
	if (fd != -1)
		close(fd);
	return r;
}

/* A key file's contents, opened when it is sealed (sealfile.h). A clear
 * one is still read (a node from before sealed keys, or one without a
 * seal_key), with a warning when this process could seal it. */
static int
read_secret_file(const struct hl_keys *k, const char *path, uint8_t **data, size_t *len,
    char *err, size_t errlen)
{
	uint8_t *b = NULL;
	size_t bl = 0;
	int r;

	*data = NULL;
	*len = 0;
	if ((r = read_key_bytes(path, &b, &bl, err, errlen)) != HL_OK)
		return r;
	if (!hl_seal_is_sealed(b, bl)) {
		if (k->have_kek)
			log_warnx("%s: key file in clear although seal_key is set (hotline pki "
			    "seal -c CONFIG seals it)", path);
		*data = b;
		*len = bl;
		return HL_OK;
	}
	r = hl_seal_open_file(k->have_kek ? k->kek : NULL, path, b, bl, data, len, err, errlen);
	if (r != HL_OK)
		r = HL_ERR_CONFIG;
	hl_free_secret(b, bl);
	return r;
}

static int write_key_bytes(int dirfd, const char *path, const uint8_t *data, size_t len,
    char *err, size_t errlen);

/* Create path (relative to dirfd, or AT_FDCWD) holding a key, sealed when
 * this process holds a seal key, for the role (the base name of the file it
 * will be: a new file may be written under another name, then renamed). */
static int
write_secret_file_at(const struct hl_keys *k, int dirfd, const char *path, const char *role,
    const uint8_t *data, size_t len, char *err, size_t errlen)
{
	uint8_t *s = NULL;
	size_t sl = 0;
	int r;

	if (!k->have_kek)
		return write_key_bytes(dirfd, path, data, len, err, errlen);
	if ((r = hl_seal_seal_key(k->kek, role, data, len, &s, &sl)) != HL_OK) {
		snprintf(err, errlen, "%s: cannot seal the key (%s)", path, hl_strerror(r));
		return r;
	}
	r = write_key_bytes(dirfd, path, s, sl, err, errlen);
	hl_free(s);
	return r;
}

/* Create a key file, sealed when this process holds a seal key. */
static int
write_secret_file(const struct hl_keys *k, const char *path, const uint8_t *data, size_t len,
    char *err, size_t errlen)
{
	return write_secret_file_at(k, AT_FDCWD, path, hl_seal_role(path), data, len, err,
	    errlen);
}

/* Create path (relative to dirfd; 0600, must not exist) holding data, synced. */
static int
write_key_bytes(int dirfd, const char *path, const uint8_t *data, size_t len, char *err,
    size_t errlen)
{
	size_t off = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_IO;

	if ((fd = openat(dirfd, path, O_WRONLY | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC,
	    0600)) == -1) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (give_to_owner(fd, path) == -1) {
		snprintf(err, errlen, "%s: fchown: %s", path, strerror(errno));
		goto out;
	}
	while (off < len) {
		n = write(fd, data + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		snprintf(err, errlen, "%s: fsync: %s", path, strerror(errno));
		goto out;
	}
	r = HL_OK;
out:
	if (fd != -1 && close(fd) == -1 && r == HL_OK) {
		snprintf(err, errlen, "%s: close: %s", path, strerror(errno));
		r = HL_ERR_IO;
	}
	if (r != HL_OK && fd != -1)
		unlinkat(dirfd, path, 0);
	return r;
}

static int
pem_private_key(const uint8_t *file, size_t len, int want_id, EVP_PKEY **out)
{
	BIO *bio = NULL;
	EVP_PKEY *pk = NULL;
	int r = HL_ERR_CONFIG;

	*out = NULL;
	if (len > INT32_MAX || (bio = BIO_new_mem_buf(file, (int)len)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL)
		goto out;
	if (EVP_PKEY_get_id(pk) != want_id)
		goto out;
	*out = pk;
	pk = NULL;
	r = HL_OK;
out:
	if (r != HL_OK)
		ERR_clear_error();
	EVP_PKEY_free(pk);
	BIO_free(bio);
	return r;
}

/* ---- suite 1: X25519 + HKDF-SHA256 + AES-256-GCM ---- */

static int
x25519_load(const uint8_t *file, size_t len, struct kem_key *key)
{
	size_t pl = HL_X25519_KEY;
	int r;

	if ((r = pem_private_key(file, len, EVP_PKEY_X25519, &key->priv)) != HL_OK)
		return r;
	if (EVP_PKEY_get_raw_public_key(key->priv, key->pub, &pl) != 1 || pl != HL_X25519_KEY)
		return HL_ERR_CRYPTO;
	key->publen = pl;
	return HL_OK;
}

static int
x25519_generate(struct kem_key *key, uint8_t **file, size_t *flen)
{
	BIO *bio = NULL;
	BUF_MEM *bm = NULL;
	uint8_t *f = NULL;
	size_t pl = HL_X25519_KEY;
	int r = HL_ERR_CRYPTO;

	*file = NULL;
	*flen = 0;
	if ((key->priv = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL)
		goto out;
	if (EVP_PKEY_get_raw_public_key(key->priv, key->pub, &pl) != 1 || pl != HL_X25519_KEY)
		goto out;
	key->publen = pl;
	if ((bio = BIO_new(BIO_s_secmem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, key->priv, NULL, NULL, 0, NULL, NULL) != 1 ||
	    BIO_get_mem_ptr(bio, &bm) != 1 || bm == NULL || bm->length == 0)
		goto out;
	r = HL_ERR_NOMEM;
	if ((f = hl_malloc(bm->length)) == NULL)
		goto out;
	memcpy(f, bm->data, bm->length);
	*flen = bm->length;
	*file = f;
	r = HL_OK;
out:
	BIO_free(bio);   /* secure memory BIO: cleansed on free */
	return r;
}

/* KWK = HKDF-SHA256(ikm = ss, salt = id, info = "hotline wrap v1" || u8 suite ||
 * eph_pub || R_pub || u8 len || node). */
static int
wrap_kwk(uint8_t suite, const uint8_t *ss, size_t sslen, const uint8_t id[HL_ID_BYTES],
    const uint8_t *eph, size_t ephlen, const uint8_t *rpub, size_t rpublen,
    const char *node, uint8_t kwk[HL_AES_KEY])
{
	EVP_KDF *kdf = NULL;
	EVP_KDF_CTX *kctx = NULL;
	OSSL_PARAM params[5];
	struct hl_buf info;
	size_t nlen = strlen(node);
	int r = HL_ERR_CRYPTO;

	hl_buf_init(&info, 1024 + KEM_PUB_MAX * 2);
	if (nlen > HL_NODE_NAME_MAX) {
		r = HL_ERR_INVALID;
		goto out;
	}
	hl_buf_put(&info, WRAP_INFO, strlen(WRAP_INFO));
	hl_buf_u8(&info, suite);
	hl_buf_put(&info, eph, ephlen);
	hl_buf_put(&info, rpub, rpublen);
	hl_buf_str8(&info, node);
	if ((r = hl_buf_error(&info)) != HL_OK)
		goto out;
	r = HL_ERR_CRYPTO;
	if ((kdf = EVP_KDF_fetch(NULL, "HKDF", NULL)) == NULL ||
	    (kctx = EVP_KDF_CTX_new(kdf)) == NULL)
		goto out;
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_KDF_PARAM_DIGEST, (char *)"SHA256", 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_KEY, (void *)ss, sslen);
	params[2] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_SALT, (void *)id,
	    HL_ID_BYTES);
	params[3] = OSSL_PARAM_construct_octet_string(OSSL_KDF_PARAM_INFO, info.data, info.len);
	params[4] = OSSL_PARAM_construct_end();
	if (EVP_KDF_derive(kctx, kwk, HL_AES_KEY, params) != 1)
		goto out;
	r = HL_OK;
out:
	EVP_KDF_CTX_free(kctx);
	EVP_KDF_free(kdf);
	hl_buf_free(&info);
	return r;
}

static int
x25519_derive(EVP_PKEY *priv, const uint8_t peer_pub[HL_X25519_KEY], uint8_t ss[HL_X25519_KEY])
{
	EVP_PKEY *peer = NULL;
	EVP_PKEY_CTX *ctx = NULL;
	size_t sl = HL_X25519_KEY;
	int r = HL_ERR_CRYPTO;

	if ((peer = EVP_PKEY_new_raw_public_key(EVP_PKEY_X25519, NULL, peer_pub,
	    HL_X25519_KEY)) == NULL ||
	    (ctx = EVP_PKEY_CTX_new(priv, NULL)) == NULL ||
	    EVP_PKEY_derive_init(ctx) != 1 ||
	    EVP_PKEY_derive_set_peer(ctx, peer) != 1 ||
	    EVP_PKEY_derive(ctx, ss, &sl) != 1 || sl != HL_X25519_KEY)
		goto out;
	r = HL_OK;
out:
	EVP_PKEY_CTX_free(ctx);
	EVP_PKEY_free(peer);
	return r;
}

/* AES-256-GCM with a zero nonce and no AAD over one 32-byte key (each KWK is
 * used exactly once: it depends on a fresh ephemeral key). */
static int
gcm_key(int enc, const uint8_t kwk[HL_AES_KEY], const uint8_t in[HL_AES_KEY],
    uint8_t out[HL_AES_KEY], uint8_t tag[HL_GCM_TAG])
{
	static const uint8_t zero_nonce[HL_GCM_NONCE];

	return hl_gcm(enc, kwk, zero_nonce, NULL, 0, in, HL_AES_KEY, out, tag);
}

static int
x25519_wrap(const uint8_t *pub, size_t publen, const uint8_t id[HL_ID_BYTES],
    const char *node, const uint8_t ck[HL_AES_KEY], struct hl_kem_cache *sessions,
    struct hl_buf *out)
{
	EVP_PKEY *eph = NULL;
	uint8_t eph_pub[HL_X25519_KEY], ss[HL_X25519_KEY], kwk[HL_AES_KEY];
	uint8_t wct[HL_AES_KEY], tag[HL_GCM_TAG];
	size_t pl = HL_X25519_KEY;
	int r = HL_ERR_CRYPTO;

	(void)sessions;   /* the classical suite is cheap: a fresh key for every wrap */

	if (publen != HL_X25519_KEY) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(eph, eph_pub, &pl) != 1 || pl != HL_X25519_KEY)
		goto out;
	if ((r = x25519_derive(eph, pub, ss)) != HL_OK ||
	    (r = wrap_kwk(HL_SUITE_X25519, ss, sizeof(ss), id, eph_pub, sizeof(eph_pub),
	    pub, publen, node, kwk)) != HL_OK ||
	    (r = gcm_key(1, kwk, ck, wct, tag)) != HL_OK)
		goto out;
	hl_buf_put(out, eph_pub, sizeof(eph_pub));
	hl_buf_put(out, wct, sizeof(wct));
	hl_buf_put(out, tag, sizeof(tag));
	r = hl_buf_error(out);
out:
	OPENSSL_cleanse(ss, sizeof(ss));
	OPENSSL_cleanse(kwk, sizeof(kwk));
	OPENSSL_cleanse(wct, sizeof(wct));
	EVP_PKEY_free(eph);
	return r;
}

static int
x25519_unwrap(const struct kem_key *key, const uint8_t id[HL_ID_BYTES], const char *node,
    const uint8_t *wrap, size_t wraplen, struct hl_kem_cache *sessions, uint8_t ck[HL_AES_KEY])
{
	uint8_t ss[HL_X25519_KEY], kwk[HL_AES_KEY], tag[HL_GCM_TAG];
	int r = HL_ERR_DECRYPT;

	(void)sessions;

	if (wraplen != X25519_WRAP_LEN)
		goto out;
	memcpy(tag, wrap + HL_X25519_KEY + HL_AES_KEY, HL_GCM_TAG);
	if (x25519_derive(key->priv, wrap, ss) != HL_OK ||
	    wrap_kwk(HL_SUITE_X25519, ss, sizeof(ss), id, wrap, HL_X25519_KEY,
	    key->pub, key->publen, node, kwk) != HL_OK ||
	    gcm_key(0, kwk, wrap + HL_X25519_KEY, ck, tag) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK) {
		OPENSSL_cleanse(ck, HL_AES_KEY);
		ERR_clear_error();
	}
	OPENSSL_cleanse(ss, sizeof(ss));
	OPENSSL_cleanse(kwk, sizeof(kwk));
	return r;
}


/* ---- suites 2 and 3: X25519 + ML-KEM-768 / ML-KEM-1024, SHA3-256 combiner ----
 *
 * Key file: the X25519 private key (PEM) followed by the 64-byte ML-KEM seed
 * d || z in a "HOTLINE ML-KEM SEED" PEM-style block; the ML-KEM key pair is
 * re-derived from the seed at load (FIPS 203 KeyGen_internal).
 * Public key: X25519 pub (32) || ML-KEM ek.
 * Wrap: eph_pub (32) || ML-KEM ct || AES-256-GCM(KWK, zero nonce)(ck) || tag,
 * KWK = hl_keys_hybrid_combine(...) (docs/PROTOCOL.md, "Hybrid key wrap"). */

#define SEED_BEGIN "-----BEGIN HOTLINE ML-KEM SEED-----\n"
#define SEED_END "\n-----END HOTLINE ML-KEM SEED-----\n"
#define SEED_BYTES (2 * HL_MLKEM_SEED_BYTES)
#define SEED_B64 88                      /* base64 of 64 bytes */
#define HYBRID_LABEL "hotline hybrid kem v1"

static int
hybrid_param(uint8_t suite)
{
	return suite == HL_SUITE_X25519_MLKEM1024 ? HL_MLKEM_1024 : HL_MLKEM_768;
}

int
hl_keys_hybrid_combine(uint8_t suite, const uint8_t ss_m[static 32],
    const uint8_t ss_x[static 32], const uint8_t ct_x[static 32], const uint8_t *ct_m,
    size_t ct_m_len, const uint8_t pk_x[static 32], const uint8_t *pk_m, size_t pk_m_len,
    const uint8_t id[static HL_ID_BYTES], const char *node, uint8_t kwk[static HL_AES_KEY])
{
	EVP_MD_CTX *mc = NULL;
	size_t nlen = strlen(node);
	unsigned int outl = 0;
	uint8_t nl = (uint8_t)nlen;
	int r = HL_ERR_CRYPTO;

	if (nlen > HL_NODE_NAME_MAX)
		return HL_ERR_INVALID;
	if ((mc = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestInit_ex(mc, EVP_sha3_256(), NULL) != 1 ||
	    EVP_DigestUpdate(mc, HYBRID_LABEL, strlen(HYBRID_LABEL)) != 1 ||
	    EVP_DigestUpdate(mc, &suite, 1) != 1 ||
	    EVP_DigestUpdate(mc, ss_m, 32) != 1 ||
	    EVP_DigestUpdate(mc, ss_x, 32) != 1 ||
	    EVP_DigestUpdate(mc, ct_x, 32) != 1 ||
	    EVP_DigestUpdate(mc, ct_m, ct_m_len) != 1 ||
	    EVP_DigestUpdate(mc, pk_x, 32) != 1 ||
	    EVP_DigestUpdate(mc, pk_m, pk_m_len) != 1 ||
	    EVP_DigestUpdate(mc, id, HL_ID_BYTES) != 1 ||
	    EVP_DigestUpdate(mc, &nl, 1) != 1 ||
	    EVP_DigestUpdate(mc, node, nlen) != 1 ||
	    EVP_DigestFinal_ex(mc, kwk, &outl) != 1 || outl != HL_AES_KEY)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		OPENSSL_cleanse(kwk, HL_AES_KEY);
	EVP_MD_CTX_free(mc);  /* the SHA3 state held secrets: OpenSSL cleanses it */
	return r;
}

/* Derive the ML-KEM pair from the seed into key (sk = dk, pub after X25519). */
static int
hybrid_expand(struct kem_key *key, const uint8_t seed[SEED_BYTES])
{
	int param = hybrid_param(key->suite);
	size_t ekl = hl_mlkem_ek_bytes(param), dkl = hl_mlkem_dk_bytes(param);
	uint8_t *dk;
	int r;

	if ((dk = hl_malloc(dkl)) == NULL)
		return HL_ERR_NOMEM;
	if ((r = hl_mlkem_keygen_derand(param, seed, seed + HL_MLKEM_SEED_BYTES,
	    key->pub + HL_X25519_KEY, dk)) != HL_OK) {
		hl_free_secret(dk, dkl);
		return r;
	}
	key->sk = dk;
	key->sklen = dkl;
	key->publen = HL_X25519_KEY + ekl;
	return HL_OK;
}

static int
hybrid_load(const uint8_t *file, size_t len, struct kem_key *key)
{
	const uint8_t *b, *e;
	uint8_t dec[SEED_B64], seed[SEED_BYTES];
	int r, n;

	if ((r = x25519_load(file, len, key)) != HL_OK)
		return r;
	r = HL_ERR_CONFIG;
	b = memmem(file, len, SEED_BEGIN, strlen(SEED_BEGIN));
	if (b == NULL)
		goto out;
	b += strlen(SEED_BEGIN);
	if ((size_t)(file + len - b) < SEED_B64 + strlen(SEED_END))
		goto out;
	e = b + SEED_B64;
	if (memcmp(e, SEED_END, strlen(SEED_END)) != 0)
		goto out;
	n = EVP_DecodeBlock(dec, b, SEED_B64);
	/* 88 base64 characters with "==" padding: 66 bytes decoded, last 2 are padding */
	if (n != 66 || b[SEED_B64 - 1] != '=' || b[SEED_B64 - 2] != '=')
		goto out;
	memcpy(seed, dec, SEED_BYTES);
	r = hybrid_expand(key, seed);
out:
	OPENSSL_cleanse(dec, sizeof(dec));
	OPENSSL_cleanse(seed, sizeof(seed));
	return r;
}

static int
hybrid_generate(struct kem_key *key, uint8_t **file, size_t *flen)
{
	uint8_t *x = NULL, *f = NULL, seed[SEED_BYTES];
	uint8_t b64[SEED_B64 + 1];
	size_t xl = 0, fl;
	int r;

	*file = NULL;
	*flen = 0;
	if ((r = x25519_generate(key, &x, &xl)) != HL_OK)
		goto out;
	r = HL_ERR_CRYPTO;
	if (RAND_priv_bytes(seed, sizeof(seed)) != 1)
		goto out;
	if (EVP_EncodeBlock(b64, seed, SEED_BYTES) != SEED_B64)
		goto out;
	if ((r = hybrid_expand(key, seed)) != HL_OK)
		goto out;
	fl = xl + strlen(SEED_BEGIN) + SEED_B64 + strlen(SEED_END);
	r = HL_ERR_NOMEM;
	if ((f = hl_malloc(fl)) == NULL)
		goto out;
	memcpy(f, x, xl);
	memcpy(f + xl, SEED_BEGIN, strlen(SEED_BEGIN));
	memcpy(f + xl + strlen(SEED_BEGIN), b64, SEED_B64);
	memcpy(f + xl + strlen(SEED_BEGIN) + SEED_B64, SEED_END, strlen(SEED_END));
	*file = f;
	*flen = fl;
	r = HL_OK;
out:
	hl_free_secret(x, xl);
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(b64, sizeof(b64));
	return r;
}

/* The name of a KEM session: SHA-256 of a role label, the suite and what
 * identifies the other side's key (sealing: its public key; opening: our
 * epoch and the ciphertexts). */
static void
session_key(const char *role, uint8_t suite, uint32_t epoch, const uint8_t *a, size_t alen,
    const uint8_t *b, size_t blen, uint8_t key[32])
{
	uint8_t e[5] = { suite, (uint8_t)(epoch >> 24), (uint8_t)(epoch >> 16),
	    (uint8_t)(epoch >> 8), (uint8_t)epoch };
	EVP_MD_CTX *mc;
	unsigned kl = 0;

	memset(key, 0, 32);
	if ((mc = EVP_MD_CTX_new()) == NULL)
		return;
	if (EVP_DigestInit_ex(mc, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(mc, role, strlen(role) + 1) != 1 ||
	    EVP_DigestUpdate(mc, e, sizeof(e)) != 1 || EVP_DigestUpdate(mc, a, alen) != 1 ||
	    (blen > 0 && EVP_DigestUpdate(mc, b, blen) != 1) ||
	    EVP_DigestFinal_ex(mc, key, &kl) != 1 || kl != 32)
		memset(key, 0, 32);
	EVP_MD_CTX_free(mc);
}

/* One hybrid encapsulation to pub: (ct_x, ss_x) from a fresh ephemeral
 * X25519 key, (ct_m, ss_m) from ML-KEM. */
static int
hybrid_encaps(int param, const uint8_t *pub, size_t ekl, struct hl_kem_secret *s)
{
	EVP_PKEY *eph = NULL;
	size_t pl = HL_X25519_KEY;
	int r = HL_ERR_CRYPTO;

	if ((eph = EVP_PKEY_Q_keygen(NULL, NULL, "X25519")) == NULL ||
	    EVP_PKEY_get_raw_public_key(eph, s->ct_x, &pl) != 1 || pl != HL_X25519_KEY)
		goto out;
	if ((r = x25519_derive(eph, pub, s->ss_x)) != HL_OK ||
	    (r = hl_mlkem_encaps(param, pub + HL_X25519_KEY, ekl, s->ct_m, s->ss_m)) != HL_OK)
		goto out;
	s->ct_m_len = hl_mlkem_ct_bytes(param);
out:
	EVP_PKEY_free(eph);
	return r;
}

/* The wrap of ck for one recipient. With sessions, the encapsulation to
 * pub is reused for the session's life (kemcache.h); the KWK is still this
 * envelope's own, since the combiner hashes in the envelope id. */
static int
hybrid_wrap(uint8_t suite, const uint8_t *pub, size_t publen, const uint8_t id[HL_ID_BYTES],
    const char *node, const uint8_t ck[HL_AES_KEY], struct hl_kem_cache *sessions,
    struct hl_buf *out)
{
	int param = hybrid_param(suite);
	size_t ekl = hl_mlkem_ek_bytes(param), ctl = hl_mlkem_ct_bytes(param);
	struct hl_kem_secret s;
	uint8_t skey[32], kwk[HL_AES_KEY], wct[HL_AES_KEY], tag[HL_GCM_TAG];
	uint64_t now = hl_now_ms();
	int r = HL_ERR_INVALID;

	memset(&s, 0, sizeof(s));
	if (publen != HL_X25519_KEY + ekl)
		goto out;
	if (sessions != NULL)
		session_key("hotline kem session: sent", suite, 0, pub, publen, NULL, 0, skey);
	if (sessions == NULL || !hl_kem_cache_get(sessions, skey, now, &s) ||
	    s.ct_m_len != ctl) {
		if ((r = hybrid_encaps(param, pub, ekl, &s)) != HL_OK)
			goto out;
		if (sessions != NULL)
			hl_kem_cache_put(sessions, skey, now, &s);
	}
	if ((r = hl_keys_hybrid_combine(suite, s.ss_m, s.ss_x, s.ct_x, s.ct_m, ctl, pub,
	    pub + HL_X25519_KEY, ekl, id, node, kwk)) != HL_OK ||
	    (r = gcm_key(1, kwk, ck, wct, tag)) != HL_OK)
		goto out;
	hl_buf_put(out, s.ct_x, sizeof(s.ct_x));
	hl_buf_put(out, s.ct_m, ctl);
	hl_buf_put(out, wct, sizeof(wct));
	hl_buf_put(out, tag, sizeof(tag));
	r = hl_buf_error(out);
out:
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(kwk, sizeof(kwk));
	OPENSSL_cleanse(wct, sizeof(wct));
	return r;
}

/* With sessions, the secrets of a ciphertext pair seen before in a live
 * session are taken from it instead of decapsulating again (a modified
 * ciphertext is another session's name, so it never borrows one). */
static int
hybrid_unwrap(const struct kem_key *key, const uint8_t id[HL_ID_BYTES], const char *node,
    const uint8_t *wrap, size_t wraplen, struct hl_kem_cache *sessions, uint8_t ck[HL_AES_KEY])
{
	int param = hybrid_param(key->suite);
	size_t ekl = hl_mlkem_ek_bytes(param), ctl = hl_mlkem_ct_bytes(param);
	struct hl_kem_secret s;
	uint8_t skey[32], kwk[HL_AES_KEY], tag[HL_GCM_TAG];
	const uint8_t *ct_m = wrap + HL_X25519_KEY;
	uint64_t now = hl_now_ms();
	int r = HL_ERR_DECRYPT, have = 0;

	memset(&s, 0, sizeof(s));
	if (wraplen != HL_X25519_KEY + ctl + HL_AES_KEY + HL_GCM_TAG || key->sk == NULL)
		goto out;
	memcpy(tag, wrap + HL_X25519_KEY + ctl + HL_AES_KEY, HL_GCM_TAG);
	if (sessions != NULL) {
		session_key("hotline kem session: received", key->suite, key->epoch, wrap,
		    HL_X25519_KEY + ctl, key->pub, HL_X25519_KEY, skey);
		have = hl_kem_cache_get(sessions, skey, now, &s) && s.ct_m_len == ctl &&
		    CRYPTO_memcmp(s.ct_x, wrap, HL_X25519_KEY) == 0 &&
		    CRYPTO_memcmp(s.ct_m, ct_m, ctl) == 0;
	}
	if (!have) {
		if (x25519_derive(key->priv, wrap, s.ss_x) != HL_OK ||
		    hl_mlkem_decaps(param, key->sk, key->sklen, ct_m, ctl, s.ss_m) != HL_OK)
			goto out;
		memcpy(s.ct_x, wrap, HL_X25519_KEY);
		memcpy(s.ct_m, ct_m, ctl);
		s.ct_m_len = ctl;
		if (sessions != NULL)
			hl_kem_cache_put(sessions, skey, now, &s);
	}
	if (hl_keys_hybrid_combine(key->suite, s.ss_m, s.ss_x, wrap, ct_m, ctl, key->pub,
	    key->pub + HL_X25519_KEY, ekl, id, node, kwk) != HL_OK ||
	    gcm_key(0, kwk, wrap + HL_X25519_KEY + ctl, ck, tag) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK) {
		OPENSSL_cleanse(ck, HL_AES_KEY);
		ERR_clear_error();
	}
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(kwk, sizeof(kwk));
	return r;
}

static int
hybrid768_wrap(const uint8_t *pub, size_t publen, const uint8_t id[HL_ID_BYTES],
    const char *node, const uint8_t ck[HL_AES_KEY], struct hl_kem_cache *sessions,
    struct hl_buf *out)
{
	return hybrid_wrap(HL_SUITE_X25519_MLKEM768, pub, publen, id, node, ck, sessions, out);
}

static int
hybrid1024_wrap(const uint8_t *pub, size_t publen, const uint8_t id[HL_ID_BYTES],
    const char *node, const uint8_t ck[HL_AES_KEY], struct hl_kem_cache *sessions,
    struct hl_buf *out)
{
	return hybrid_wrap(HL_SUITE_X25519_MLKEM1024, pub, publen, id, node, ck, sessions, out);
}

static const struct kem_suite suites[] = {
	{ HL_SUITE_X25519, "x25519", x25519_load, x25519_generate, x25519_wrap, x25519_unwrap },
	{ HL_SUITE_X25519_MLKEM768, "x25519-mlkem768", hybrid_load, hybrid_generate,
	    hybrid768_wrap, hybrid_unwrap },
	{ HL_SUITE_X25519_MLKEM1024, "x25519-mlkem1024", hybrid_load, hybrid_generate,
	    hybrid1024_wrap, hybrid_unwrap },
};

static const struct kem_suite *
suite_ops(uint8_t suite)
{
	size_t i;

	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if (suites[i].suite == suite)
			return &suites[i];
	return NULL;
}

/* ---- KEM key directory ---- */

static int
kem_dir_open(const char *dir, char *err, size_t errlen)
{
	struct stat st;

	if (mkdir(dir, 0700) == 0) {
		if (give_to_owner(-1, dir) == -1) {
			snprintf(err, errlen, "%s: chown: %s", dir, strerror(errno));
			return HL_ERR_IO;
		}
	} else if (errno != EEXIST) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return HL_ERR_IO;
	}
	if (lstat(dir, &st) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return HL_ERR_IO;
	}
	if (!S_ISDIR(st.st_mode)) {
		snprintf(err, errlen, "%s: KEM key directory is not a directory", dir);
		return HL_ERR_CONFIG;
	}
	if (st.st_uid != key_owner()) {
		snprintf(err, errlen, "%s: KEM key directory is owned by uid %lu, expected uid %lu",
		    dir, (unsigned long)st.st_uid, (unsigned long)key_owner());
		return HL_ERR_CONFIG;
	}
	if ((st.st_mode & 077) != 0) {
		snprintf(err, errlen, "%s: KEM key directory mode %04o is group/world "
		    "accessible; chmod 700 it", dir, (unsigned)(st.st_mode & 07777));
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

/* "<prefix>-<epoch>.key" with a decimal epoch 1..UINT32_MAX, no leading zero. */
static int
kem_file_epoch(const char *name, const char *prefix, uint32_t *epoch)
{
	size_t pl = strlen(prefix), i, n;
	const char *d;
	uint64_t v = 0;

	if (strncmp(name, prefix, pl) != 0 || name[pl] != '-')
		return 0;
	d = name + pl + 1;
	for (n = 0; d[n] >= '0' && d[n] <= '9'; n++)
		;
	if (n < 1 || n > 10 || d[0] == '0' || strcmp(d + n, ".key") != 0)
		return 0;
	for (i = 0; i < n; i++)
		v = v * 10 + (uint64_t)(d[i] - '0');
	if (v > UINT32_MAX)
		return 0;
	*epoch = (uint32_t)v;
	return 1;
}

static int
kem_load_one(struct hl_keys *k, const struct kem_suite *s, const char *path, uint32_t epoch,
    char *err, size_t errlen)
{
	uint8_t *file = NULL;
	size_t flen = 0;
	struct kem_key *key;
	int r;

	if (k->nkem >= KEM_KEYS_MAX) {
		snprintf(err, errlen, "%s: more than %d KEM keys", path, KEM_KEYS_MAX);
		r = HL_ERR_CONFIG;
		goto out;
	}
	if ((r = read_secret_file(k, path, &file, &flen, err, errlen)) != HL_OK)
		goto out;
	key = &k->kem[k->nkem];
	memset(key, 0, sizeof(*key));
	key->suite = s->suite;
	key->epoch = epoch;
	if ((r = s->load(file, flen, key)) != HL_OK) {
		kem_key_clear(key);
		snprintf(err, errlen, "%s: not a valid %s private key", path, s->prefix);
		goto out;
	}
	{
		struct stat st;

		if (stat(path, &st) == 0)
			key->created_ms = (uint64_t)st.st_mtime * 1000;
	}
	k->nkem++;
	r = HL_OK;
out:
	hl_free_secret(file, flen);
	return r;
}

static int
kem_create(struct hl_keys *k, const struct kem_suite *s, const char *dir, uint32_t epoch,
    char *err, size_t errlen)
{
	char path[4096];
	uint8_t *file = NULL;
	size_t flen = 0;
	struct kem_key *key;
	int r;

	if (k->nkem >= KEM_KEYS_MAX) {
		snprintf(err, errlen, "%s: more than %d KEM keys", dir, KEM_KEYS_MAX);
		r = HL_ERR_CONFIG;
		goto out;
	}
	if ((size_t)snprintf(path, sizeof(path), "%s/%s-%u.key", dir, s->prefix,
	    (unsigned)epoch) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		r = HL_ERR_CONFIG;
		goto out;
	}
	key = &k->kem[k->nkem];
	memset(key, 0, sizeof(*key));
	key->suite = s->suite;
	key->epoch = epoch;
	key->created_ms = (uint64_t)time(NULL) * 1000;
	if ((r = s->generate(key, &file, &flen)) != HL_OK ||
	    (r = write_secret_file(k, path, file, flen, err, errlen)) != HL_OK) {
		kem_key_clear(key);
		if (err[0] == '\0')
			snprintf(err, errlen, "%s: cannot create a KEM key", path);
		goto out;
	}
	k->nkem++;
	r = HL_OK;
out:
	hl_free_secret(file, flen);
	return r;
}

static int
kem_dir_load(struct hl_keys *k, const char *dir, char *err, size_t errlen)
{
	DIR *d = NULL;
	struct dirent *de;
	char path[4096];
	uint32_t epoch;
	size_t i;
	unsigned j;
	int r, have;

	if ((r = kem_dir_open(dir, err, errlen)) != HL_OK)
		return r;
	if ((d = opendir(dir)) == NULL) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	while ((de = readdir(d)) != NULL) {
		for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
			if (!kem_file_epoch(de->d_name, suites[i].prefix, &epoch))
				continue;
			if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, de->d_name) >=
			    sizeof(path)) {
				snprintf(err, errlen, "%s: path too long", dir);
				r = HL_ERR_CONFIG;
				goto out;
			}
			if ((r = kem_load_one(k, &suites[i], path, epoch, err, errlen)) != HL_OK)
				goto out;
		}
	}
	/* every supported suite gets epoch 1 on first use */
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		have = 0;
		for (j = 0; j < k->nkem; j++)
			if (k->kem[j].suite == suites[i].suite)
				have = 1;
		if (!have && (r = kem_create(k, &suites[i], dir, 1, err, errlen)) != HL_OK)
			goto out;
	}
	r = HL_OK;
out:
	if (d != NULL)
		closedir(d);
	return r;
}

/* ---- ML-DSA signing keys (keys.h) ---- */

static int
sig_index(int param)
{
	unsigned i;

	for (i = 0; i < SIG_KEYS; i++)
		if (sig_params[i] == param)
			return (int)i;
	return -1;
}

/* "mldsa65.key"; with suffix (".new"), the file a rotation writes first. */
static void
sig_file_name(int param, const char *suffix, char name[SIG_NAME_MAX])
{
	snprintf(name, SIG_NAME_MAX, "mldsa%d.key%s", param, suffix);
}

/* pk's fingerprint (SHA-256). */
static int
sig_fingerprint(const uint8_t *pk, size_t pklen, uint8_t fp[32])
{
	unsigned int fl = 0;

	if (EVP_Digest(pk, pklen, fp, &fl, EVP_sha256(), NULL) != 1 || fl != 32) {
		ERR_clear_error();
		return HL_ERR_CRYPTO;
	}
	return HL_OK;
}

/* The key pair of param from its seed. OUT: pub (param, pk, fp), sk
 * (hl_mldsa_sk_bytes(param); wiped on failure). */
static int
sig_expand(int param, const uint8_t seed[HL_MLDSA_SEED_BYTES], struct sig_pub *pub,
    uint8_t *sk)
{
	int r;

	memset(pub, 0, sizeof(*pub));
	if ((r = hl_mldsa_keygen_seed(param, seed, pub->pk, sk)) != HL_OK ||
	    (r = sig_fingerprint(pub->pk, hl_mldsa_pk_bytes(param), pub->fp)) != HL_OK) {
		OPENSSL_cleanse(sk, hl_mldsa_sk_bytes(param));
		memset(pub, 0, sizeof(*pub));
		return r;
	}
	pub->param = param;
	return HL_OK;
}

/* Parse a key file's contents (opened). OUT: seed (wiped on failure). */
static int
sig_file_parse(const uint8_t *p, size_t len, int param, uint8_t seed[HL_MLDSA_SEED_BYTES],
    const char *path, char *err, size_t errlen)
{
	if (len != SIG_FILE_BYTES) {
		snprintf(err, errlen, "%s: ML-DSA key file of %zu bytes, expected %d", path, len,
		    SIG_FILE_BYTES);
		return HL_ERR_CONFIG;
	}
	if (memcmp(p, SIG_FILE_MAGIC, 4) != 0) {
		snprintf(err, errlen, "%s: not an ML-DSA key file (bad magic)", path);
		return HL_ERR_CONFIG;
	}
	if (p[4] != SIG_FILE_VERSION) {
		snprintf(err, errlen, "%s: ML-DSA key file version %u, expected %d", path,
		    (unsigned)p[4], SIG_FILE_VERSION);
		return HL_ERR_CONFIG;
	}
	if (p[5] != param) {
		snprintf(err, errlen, "%s: holds an ML-DSA-%u key, expected ML-DSA-%d", path,
		    (unsigned)p[5], param);
		return HL_ERR_CONFIG;
	}
	memcpy(seed, p + 6, HL_MLDSA_SEED_BYTES);
	return HL_OK;
}

/* Write the key file of param holding seed: a new file beside it (sealed
 * for the final name, 0600, synced), renamed over it, the directory synced.
 * A crash leaves the old file or the new one, never a part. */
static int
sig_file_write(const struct hl_keys *k, int param, const uint8_t seed[HL_MLDSA_SEED_BYTES],
    char *err, size_t errlen)
{
	char name[SIG_NAME_MAX], tmp[SIG_NAME_MAX];
	uint8_t f[SIG_FILE_BYTES];
	int r;

	sig_file_name(param, "", name);
	sig_file_name(param, ".new", tmp);
	memcpy(f, SIG_FILE_MAGIC, 4);
	f[4] = SIG_FILE_VERSION;
	f[5] = (uint8_t)param;
	memcpy(f + 6, seed, HL_MLDSA_SEED_BYTES);
	/* what an interrupted rotation left */
	if (unlinkat(k->kem_dirfd, tmp, 0) == -1 && errno != ENOENT) {
		snprintf(err, errlen, "%s: %s", tmp, strerror(errno));
		r = HL_ERR_IO;
		goto out;
	}
	if ((r = write_secret_file_at(k, k->kem_dirfd, tmp, name, f, sizeof(f), err,
	    errlen)) != HL_OK)
		goto out;
	r = HL_ERR_IO;
	if (renameat(k->kem_dirfd, tmp, k->kem_dirfd, name) == -1) {
		snprintf(err, errlen, "%s: rename: %s", name, strerror(errno));
		unlinkat(k->kem_dirfd, tmp, 0);
		goto out;
	}
	/* the new file is in place (and synced): the rotation has happened */
	if (fsync(k->kem_dirfd) == -1)
		log_warn("%s: fsync of the KEM key directory", name);
	r = HL_OK;
out:
	OPENSSL_cleanse(f, sizeof(f));
	return r;
}

/* Load the key of sig_params[i] from dir, or create it when missing. */
static int
sig_load_one(struct hl_keys *k, const char *dir, unsigned i, char *err, size_t errlen)
{
	int param = sig_params[i];
	char name[SIG_NAME_MAX], path[4096];
	uint8_t seed[HL_MLDSA_SEED_BYTES], *file = NULL;
	uint64_t created_ms;
	size_t flen = 0;
	struct stat st;
	int r;

	sig_file_name(param, "", name);
	if ((size_t)snprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path)) {
		snprintf(err, errlen, "%s: path too long", dir);
		return HL_ERR_CONFIG;
	}
	if (fstatat(k->kem_dirfd, name, &st, AT_SYMLINK_NOFOLLOW) == -1) {
		if (errno != ENOENT) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return HL_ERR_IO;
		}
		/* first start (or a node from before ML-DSA keys): a new key */
		r = HL_ERR_CRYPTO;
		if (RAND_priv_bytes(seed, sizeof(seed)) != 1) {
			snprintf(err, errlen, "%s: no randomness for a new key", path);
			goto out;
		}
		if ((r = sig_file_write(k, param, seed, err, errlen)) != HL_OK)
			goto out;
		created_ms = (uint64_t)time(NULL) * 1000;
	} else {
		r = HL_ERR_CONFIG;
		if (!S_ISREG(st.st_mode)) {
			snprintf(err, errlen, "%s: not a regular file", path);
			goto out;
		}
		if ((r = read_secret_file(k, path, &file, &flen, err, errlen)) != HL_OK ||
		    (r = sig_file_parse(file, flen, param, seed, path, err, errlen)) != HL_OK)
			goto out;
		created_ms = (uint64_t)st.st_mtime * 1000;
	}
	if ((r = sig_expand(param, seed, &k->sig[i], k->sig_sk[i])) != HL_OK) {
		snprintf(err, errlen, "%s: cannot derive the ML-DSA key pair: %s", path,
		    hl_strerror(r));
		goto out;
	}
	k->sig[i].created_ms = created_ms;
	r = HL_OK;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	hl_free_secret(file, flen);
	return r;
}

/* Every ML-DSA key of dir (kem_dir_load made and checked it). */
static int
sig_dir_load(struct hl_keys *k, const char *dir, char *err, size_t errlen)
{
	unsigned i;
	int r;

	if ((k->kem_dirfd = open(dir, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC)) == -1) {
		snprintf(err, errlen, "%s: %s", dir, strerror(errno));
		return HL_ERR_IO;
	}
	for (i = 0; i < SIG_KEYS; i++)
		if ((r = sig_load_one(k, dir, i, err, errlen)) != HL_OK)
			return r;
	return HL_OK;
}

/* ---- proxy to the key keeper (keeper.h) ----
 * A remote hl_keys holds no secret: sign_pub and, per KEM key, its suite,
 * epoch, creation time and (for the newest epoch of a suite) public key, all
 * refreshed from the keeper after each change. */

/* The public key of sig_params[i] from the keeper. OUT: pub (param 0 when
 * the keeper holds none). */
static int
remote_sig_fetch(struct hl_keys *k, unsigned i, struct sig_pub *pub)
{
	struct hl_keeper_req q;
	uint8_t resp[HL_MLDSA_MAX_PK_BYTES + 8];
	size_t rl = 0, pl = hl_mldsa_pk_bytes(sig_params[i]);
	struct hl_rd rd;
	uint64_t created = 0;
	int r;

	memset(pub, 0, sizeof(*pub));
	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_SIG_PUB;
	q.param = (uint8_t)sig_params[i];
	r = keeper_call(k, &q, resp, sizeof(resp), &rl);
	if (r == HL_ERR_NOT_FOUND)
		return HL_OK;
	if (r != HL_OK)
		return r;
	hl_rd_init(&rd, resp, rl);
	if ((r = hl_rd_copy(&rd, pub->pk, pl)) != HL_OK ||
	    (r = hl_rd_u64(&rd, &created)) != HL_OK ||
	    (r = hl_rd_end(&rd)) != HL_OK ||
	    (r = sig_fingerprint(pub->pk, pl, pub->fp)) != HL_OK) {
		memset(pub, 0, sizeof(*pub));
		return r;
	}
	pub->param = sig_params[i];
	pub->created_ms = created;
	return HL_OK;
}

static int
remote_refresh(struct hl_keys *k)
{
	struct hl_keeper_req q;
	uint8_t resp[HL_KEEPER_MSG_MAX];
	struct hl_rd rd;
	const uint8_t *pub;
	size_t rl = 0, pl;
	uint8_t n = 0;
	unsigned i, j;
	uint32_t e;
	int r;

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_INFO;
	if ((r = keeper_call(k, &q, resp, sizeof(resp), &rl)) != HL_OK)
		return r;
	hl_rd_init(&rd, resp, rl);
	memset(k->kem, 0, sizeof(k->kem));
	k->nkem = 0;
	if ((r = hl_rd_copy(&rd, k->sign_pub, HL_ED25519_PUB)) != HL_OK ||
	    (r = hl_rd_u8(&rd, &n)) != HL_OK)
		return r;
	if (n > KEM_KEYS_MAX)
		return HL_ERR_MALFORMED;
	for (i = 0; i < n; i++) {
		if ((r = hl_rd_u8(&rd, &k->kem[i].suite)) != HL_OK ||
		    (r = hl_rd_u32(&rd, &k->kem[i].epoch)) != HL_OK ||
		    (r = hl_rd_u64(&rd, &k->kem[i].created_ms)) != HL_OK)
			return r;
		if (suite_ops(k->kem[i].suite) == NULL)
			return HL_ERR_MALFORMED;
	}
	if ((r = hl_rd_end(&rd)) != HL_OK)
		return r;
	k->nkem = n;
	/* the public key of each suite's newest epoch */
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++) {
		memset(&q, 0, sizeof(q));
		q.op = HL_KEEPER_KEM_CURRENT;
		q.suite = suites[i].suite;
		r = keeper_call(k, &q, resp, sizeof(resp), &rl);
		if (r == HL_ERR_NOT_FOUND)
			continue;
		if (r != HL_OK)
			return r;
		hl_rd_init(&rd, resp, rl);
		if ((r = hl_rd_u32(&rd, &e)) != HL_OK ||
		    (r = hl_rd_bytes16(&rd, KEM_PUB_MAX, &pub, &pl)) != HL_OK ||
		    (r = hl_rd_end(&rd)) != HL_OK)
			return r;
		for (j = 0; j < k->nkem; j++) {
			if (k->kem[j].suite == suites[i].suite && k->kem[j].epoch == e) {
				memcpy(k->kem[j].pub, pub, pl);
				k->kem[j].publen = pl;
			}
		}
	}
	/* the ML-DSA public keys, so that reading them never waits for the keeper */
	for (i = 0; i < SIG_KEYS; i++)
		if ((r = remote_sig_fetch(k, (unsigned)i, &k->sig[i])) != HL_OK)
			return r;
	return HL_OK;
}

int
hl_keys_remote(int fd, struct hl_keys **out, char *err, size_t errlen)
{
	struct hl_keys *k = NULL;
	int r;

	*out = NULL;
	if ((k = hl_calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errlen, "out of memory");
		return HL_ERR_NOMEM;
	}
	k->remote_fd = fd;
	k->kem_dirfd = -1;
	if ((r = keys_locks_init(k)) != HL_OK) {
		snprintf(err, errlen, "cannot initialise the key locks");
		hl_free(k);
		return r;
	}
	if ((r = remote_refresh(k)) != HL_OK) {
		snprintf(err, errlen, "key keeper: cannot read the public keys: %s",
		    hl_strerror(r));
		hl_keys_free(k);
		return r;
	}
	*out = k;
	return HL_OK;
}

static int
remote_sign(struct hl_keys *k, enum hl_sign_ctx ctx, const uint8_t digest[64],
    uint8_t sig[HL_ED25519_SIG])
{
	struct hl_keeper_req q;
	uint8_t resp[HL_KEEPER_MSG_MAX];
	size_t rl = 0;
	int r;

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_SIGN;
	q.ctx = (uint8_t)ctx;
	memcpy(q.digest, digest, 64);
	if ((r = keeper_call(k, &q, resp, sizeof(resp), &rl)) != HL_OK)
		return r;
	if (rl != HL_ED25519_SIG)
		return HL_ERR_MALFORMED;
	memcpy(sig, resp, HL_ED25519_SIG);
	return HL_OK;
}

static int
remote_unwrap(struct hl_keys *k, uint8_t suite, uint32_t epoch, const uint8_t id[HL_ID_BYTES],
    const char *my_node, const uint8_t *wrap, size_t wraplen, uint8_t ck[HL_AES_KEY])
{
	struct hl_keeper_req *q = NULL;
	uint8_t resp[HL_KEEPER_MSG_MAX];
	size_t rl = 0, nl = strlen(my_node);
	int r = HL_ERR_DECRYPT;

	if (wraplen > HL_WRAP_MAX_BYTES || nl > HL_NODE_NAME_MAX)
		goto out;
	r = HL_ERR_NOMEM;
	if ((q = hl_calloc(1, sizeof(*q))) == NULL)
		goto out;
	q->op = HL_KEEPER_UNWRAP;
	q->suite = suite;
	q->epoch = epoch;
	memcpy(q->id, id, HL_ID_BYTES);
	memcpy(q->node, my_node, nl + 1);
	memcpy(q->wrap, wrap, wraplen);
	q->wraplen = wraplen;
	if ((r = keeper_call(k, q, resp, sizeof(resp), &rl)) != HL_OK)
		goto out;
	r = HL_ERR_MALFORMED;
	if (rl != HL_AES_KEY)
		goto out;
	memcpy(ck, resp, HL_AES_KEY);
	r = HL_OK;
out:
	OPENSSL_cleanse(resp, sizeof(resp));
	hl_free(q);
	return r;
}

static int
remote_rotate(struct hl_keys *k, uint32_t *epoch, char *err, size_t errlen)
{
	struct hl_keeper_req q;
	uint8_t resp[HL_KEEPER_MSG_MAX];
	struct hl_rd rd;
	size_t rl = 0;
	uint32_t e = 0;
	int r, r2;

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_ROTATE;
	r = keeper_call(k, &q, resp, sizeof(resp), &rl);
	if (r == HL_OK) {
		hl_rd_init(&rd, resp, rl);
		if ((r = hl_rd_u32(&rd, &e)) == HL_OK)
			r = hl_rd_end(&rd);
	}
	if ((r2 = remote_refresh(k)) != HL_OK && r == HL_OK)
		r = r2;
	if (r != HL_OK) {
		snprintf(err, errlen, "key keeper: rotation failed: %s (see the keeper's log)",
		    hl_strerror(r));
		return r;
	}
	*epoch = e;
	return HL_OK;
}

static int
remote_hybsign(struct hl_keys *k, int suite, enum hl_sign_ctx ctx, const uint8_t digest[64],
    uint8_t *out, size_t *outlen)
{
	struct hl_keeper_req q;
	uint8_t resp[HL_HYBSIG_MAX_BYTES];
	size_t rl = 0, need = hl_hybsig_len(suite);
	int r;

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_HYBSIGN;
	q.suite = (uint8_t)suite;
	q.ctx = (uint8_t)ctx;
	memcpy(q.digest, digest, 64);
	if ((r = keeper_call(k, &q, resp, sizeof(resp), &rl)) != HL_OK)
		return r;
	if (rl != need || resp[0] != suite)
		return HL_ERR_MALFORMED;
	memcpy(out, resp, need);
	*outlen = need;
	return HL_OK;
}

/* The keeper replaces its key, then the public half is read again. */
static int
remote_rotate_sig(struct hl_keys *k, unsigned i, char *err, size_t errlen)
{
	struct hl_keeper_req q;
	struct sig_pub *pub = NULL;
	uint8_t resp[16];
	size_t rl = 0;
	int r;

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_SIG_ROTATE;
	q.param = (uint8_t)sig_params[i];
	if ((r = keeper_call(k, &q, resp, sizeof(resp), &rl)) == HL_OK && rl != 0)
		r = HL_ERR_MALFORMED;
	if (r == HL_OK && (pub = hl_malloc(sizeof(*pub))) == NULL)
		r = HL_ERR_NOMEM;
	if (r == HL_OK && (r = remote_sig_fetch(k, i, pub)) == HL_OK && pub->param == 0)
		r = HL_ERR_NOT_FOUND;
	if (r != HL_OK) {
		snprintf(err, errlen, "key keeper: ML-DSA-%d key rotation failed: %s (see the "
		    "keeper's log)", sig_params[i], hl_strerror(r));
		hl_free(pub);
		return r;
	}
	pthread_rwlock_wrlock(&k->lock);
	k->sig[i] = *pub;
	pthread_rwlock_unlock(&k->lock);
	hl_free(pub);
	return HL_OK;
}

static int
remote_erase_before(struct hl_keys *k, uint32_t keep_from, unsigned *erased)
{
	struct hl_keeper_req q;
	uint8_t resp[HL_KEEPER_MSG_MAX];
	struct hl_rd rd;
	size_t rl = 0;
	uint32_t n = 0;
	int r, r2;

	memset(&q, 0, sizeof(q));
	q.op = HL_KEEPER_ERASE_BEFORE;
	q.epoch = keep_from;
	r = keeper_call(k, &q, resp, sizeof(resp), &rl);
	if (r == HL_OK) {
		hl_rd_init(&rd, resp, rl);
		if ((r = hl_rd_u32(&rd, &n)) == HL_OK)
			r = hl_rd_end(&rd);
	}
	if ((r2 = remote_refresh(k)) != HL_OK && r == HL_OK)
		r = r2;
	*erased = n;
	return r;
}

/* ---- public interface ---- */

int
hl_keys_open(const char *sign_key_path, const char *kem_dir, struct hl_keys **out,
    char *err, size_t errlen)
{
	struct hl_keys *k = NULL;
	uint8_t *file = NULL;
	size_t flen = 0, pl = HL_ED25519_PUB;
	int r;

	*out = NULL;
	if (errlen > 0)
		err[0] = '\0';
	if (keeper_fd >= 0)     /* privilege separation: no key file is read here */
		return hl_keys_remote(keeper_fd, out, err, errlen);
	if ((k = hl_calloc(1, sizeof(*k))) == NULL) {
		snprintf(err, errlen, "out of memory");
		r = HL_ERR_NOMEM;
		goto out;
	}
	k->remote_fd = -1;
	k->kem_dirfd = -1;
	if ((r = keys_locks_init(k)) != HL_OK) {
		snprintf(err, errlen, "cannot initialise the key locks");
		goto out;
	}
	/* the process's seal key, if any: this node's from now on */
	k->have_kek = hl_seal_kek_get(k->kek) == HL_OK;
	if ((r = read_secret_file(k, sign_key_path, &file, &flen, err, errlen)) != HL_OK)
		goto out;
	if ((r = pem_private_key(file, flen, EVP_PKEY_ED25519, &k->sign)) != HL_OK) {
		snprintf(err, errlen, "%s: not an Ed25519 private key in PEM", sign_key_path);
		r = HL_ERR_CONFIG;
		goto out;
	}
	if (EVP_PKEY_get_raw_public_key(k->sign, k->sign_pub, &pl) != 1 || pl != HL_ED25519_PUB) {
		snprintf(err, errlen, "%s: cannot read the public key", sign_key_path);
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if ((r = kem_dir_load(k, kem_dir, err, errlen)) != HL_OK ||
	    (r = sig_dir_load(k, kem_dir, err, errlen)) != HL_OK)
		goto out;
	*out = k;
	k = NULL;
	r = HL_OK;
out:
	hl_free_secret(file, flen);
	hl_keys_free(k);
	return r;
}

void
hl_keys_free(struct hl_keys *k)
{
	unsigned i;

	if (k == NULL)
		return;
	OPENSSL_cleanse(k->kek, sizeof(k->kek));
	EVP_PKEY_free(k->sign);
	for (i = 0; i < k->nkem && i < KEM_KEYS_MAX; i++)
		kem_key_clear(&k->kem[i]);
	if (k->kem_dirfd >= 0)
		close(k->kem_dirfd);
	if (k->locks) {
		pthread_mutex_destroy(&k->call_mu);
		pthread_rwlock_destroy(&k->lock);
	}
	hl_kem_cache_free(k->send_sessions);
	hl_kem_cache_free(k->recv_sessions);
	hl_free_secret(k, sizeof(*k));
}

static int
sign_ctx_valid(enum hl_sign_ctx ctx)
{
	return ctx >= HL_SIGN_ENVELOPE && ctx <= HL_SIGN_RECEIPT_BATCH;
}

/* message = "hotline-sig-v1" || u8 ctx || digest[64] */
static void
sig_message(enum hl_sign_ctx ctx, const uint8_t digest[64], uint8_t *m)
{
	memcpy(m, SIG_PREFIX, strlen(SIG_PREFIX));
	m[strlen(SIG_PREFIX)] = (uint8_t)ctx;
	memcpy(m + strlen(SIG_PREFIX) + 1, digest, 64);
}

#define SIG_MSG_LEN (sizeof(SIG_PREFIX) - 1 + 1 + 64)

int
hl_keys_sign(struct hl_keys *k, enum hl_sign_ctx ctx, const uint8_t digest[static 64],
    uint8_t sig[static HL_ED25519_SIG])
{
	EVP_MD_CTX *mc = NULL;
	uint8_t m[SIG_MSG_LEN];
	size_t sl = HL_ED25519_SIG;
	int r = HL_ERR_CRYPTO;

	memset(sig, 0, HL_ED25519_SIG);
	if (!sign_ctx_valid(ctx)) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if (k->remote_fd >= 0) {
		r = remote_sign(k, ctx, digest, sig);
		goto out;
	}
	sig_message(ctx, digest, m);
	pthread_rwlock_rdlock(&k->lock);
	if ((mc = EVP_MD_CTX_new()) != NULL &&
	    EVP_DigestSignInit(mc, NULL, NULL, NULL, k->sign) == 1 &&
	    EVP_DigestSign(mc, sig, &sl, m, sizeof(m)) == 1 && sl == HL_ED25519_SIG)
		r = HL_OK;
	pthread_rwlock_unlock(&k->lock);
out:
	if (r != HL_OK)
		memset(sig, 0, HL_ED25519_SIG);
	EVP_MD_CTX_free(mc);
	return r;
}

void
hl_keys_sign_pub(const struct hl_keys *k, uint8_t pub[static HL_ED25519_PUB])
{
	memcpy(pub, k->sign_pub, HL_ED25519_PUB);
}

static const struct kem_key *
kem_find(const struct hl_keys *k, uint8_t suite, int current, uint32_t epoch)
{
	const struct kem_key *best = NULL;
	unsigned i;

	for (i = 0; i < k->nkem; i++) {
		if (k->kem[i].suite != suite)
			continue;
		if (current ? (best == NULL || k->kem[i].epoch > best->epoch) :
		    k->kem[i].epoch == epoch)
			best = &k->kem[i];
	}
	return best;
}

int
hl_keys_kem_current(const struct hl_keys *k, uint8_t suite, uint32_t *epoch,
    const uint8_t **pub, size_t *publen)
{
	const struct kem_key *key;

	*epoch = 0;
	*pub = NULL;
	*publen = 0;
	if (suite_ops(suite) == NULL)
		return HL_ERR_VERSION;
	if ((key = kem_find(k, suite, 1, 0)) == NULL)
		return HL_ERR_NOT_FOUND;
	*epoch = key->epoch;
	*pub = key->pub;
	*publen = key->publen;
	return HL_OK;
}

int
hl_keys_unwrap(struct hl_keys *k, uint8_t suite, uint32_t epoch,
    const uint8_t id[static HL_ID_BYTES], const char *my_node,
    const uint8_t *wrap, size_t wraplen, uint8_t ck[static HL_AES_KEY])
{
	const struct kem_suite *s;
	const struct kem_key *key;
	int r;

	memset(ck, 0, HL_AES_KEY);
	if ((s = suite_ops(suite)) == NULL)
		return HL_ERR_VERSION;
	if (k->remote_fd >= 0)
		return remote_unwrap(k, suite, epoch, id, my_node, wrap, wraplen, ck);
	pthread_rwlock_rdlock(&k->lock);
	if ((key = kem_find(k, suite, 0, epoch)) == NULL)
		r = HL_ERR_NOT_FOUND;
	else
		r = s->unwrap(key, id, my_node, wrap, wraplen, k->recv_sessions, ck);
	pthread_rwlock_unlock(&k->lock);
	return r;
}

int
hl_keys_wrap(struct hl_keys *k, uint8_t suite, const uint8_t *pub, size_t publen,
    const uint8_t id[static HL_ID_BYTES], const char *node,
    const uint8_t ck[static HL_AES_KEY], struct hl_buf *out)
{
	const struct kem_suite *s;

	if ((s = suite_ops(suite)) == NULL)
		return HL_ERR_VERSION;
	if (strlen(node) > HL_NODE_NAME_MAX)
		return HL_ERR_INVALID;
	return s->wrap(pub, publen, id, node, ck, k != NULL ? k->send_sessions : NULL, out);
}

void
hl_keys_session_stats(struct hl_keys *k, struct hl_kem_cache_stats *sent,
    struct hl_kem_cache_stats *received)
{
	hl_kem_cache_stats(k != NULL ? k->send_sessions : NULL, sent);
	hl_kem_cache_stats(k != NULL ? k->recv_sessions : NULL, received);
}

int
hl_verify_sig(const uint8_t pub[static HL_ED25519_PUB], enum hl_sign_ctx ctx,
    const uint8_t digest[static 64], const uint8_t sig[static HL_ED25519_SIG])
{
	uint8_t m[SIG_MSG_LEN];

	if (!sign_ctx_valid(ctx))
		return HL_ERR_INVALID;
	sig_message(ctx, digest, m);
	return hl_ed25519_verify(pub, sig, m, sizeof(m));
}

/* ---- rotation ---- */

uint32_t
hl_keys_epoch(const struct hl_keys *k)
{
	uint32_t e = 0;
	unsigned i;

	for (i = 0; i < k->nkem; i++)
		if (k->kem[i].epoch > e)
			e = k->kem[i].epoch;
	return e;
}

uint64_t
hl_keys_epoch_created_ms(const struct hl_keys *k)
{
	uint32_t e = hl_keys_epoch(k);
	uint64_t t = 0;
	unsigned i;

	for (i = 0; i < k->nkem; i++)
		if (k->kem[i].epoch == e && k->kem[i].created_ms > t)
			t = k->kem[i].created_ms;
	return t;
}

int
hl_keys_rotate(struct hl_keys *k, const char *kem_dir, uint32_t *epoch, char *err,
    size_t errlen)
{
	uint32_t next = hl_keys_epoch(k) + 1;
	size_t i;
	int r;

	*epoch = 0;
	pthread_rwlock_wrlock(&k->lock);
	if (k->remote_fd >= 0) {
		r = remote_rotate(k, epoch, err, errlen);
		goto out;
	}
	r = HL_ERR_INVALID;
	if (next == 0)
		goto out;
	if (k->nkem + sizeof(suites) / sizeof(suites[0]) > KEM_KEYS_MAX) {
		snprintf(err, errlen, "too many KEM epochs held; erase old ones first");
		r = HL_ERR_FULL;
		goto out;
	}
	for (i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if ((r = kem_create(k, &suites[i], kem_dir, next, err, errlen)) != HL_OK)
			goto out;
	*epoch = next;
	r = HL_OK;
out:
	pthread_rwlock_unlock(&k->lock);
	return r;
}

int
hl_keys_erase_before(struct hl_keys *k, const char *kem_dir, uint32_t keep_from,
    unsigned *erased)
{
	const struct kem_suite *s;
	uint32_t newest = hl_keys_epoch(k);
	char path[4096];
	unsigned i = 0;
	int r = HL_OK;

	*erased = 0;
	pthread_rwlock_wrlock(&k->lock);
	if (k->remote_fd >= 0) {
		r = remote_erase_before(k, keep_from, erased);
		pthread_rwlock_unlock(&k->lock);
		return r;
	}
	if (keep_from > newest)
		keep_from = newest;
	while (i < k->nkem) {
		if (k->kem[i].epoch >= keep_from) {
			i++;
			continue;
		}
		if ((s = suite_ops(k->kem[i].suite)) != NULL &&
		    (size_t)snprintf(path, sizeof(path), "%s/%s-%u.key", kem_dir, s->prefix,
		    (unsigned)k->kem[i].epoch) < sizeof(path) && unlink(path) == -1 &&
		    errno != ENOENT)
			r = HL_ERR_IO;
		kem_key_clear(&k->kem[i]);
		memmove(&k->kem[i], &k->kem[i + 1], (k->nkem - i - 1) * sizeof(k->kem[0]));
		memset(&k->kem[k->nkem - 1], 0, sizeof(k->kem[0]));
		k->nkem--;
		(*erased)++;
	}
	/* a key erased: what was decapsulated with any key goes too (the
	 * sessions of the keys kept begin again at their next envelope) */
	if (*erased > 0)
		hl_kem_cache_clear(k->recv_sessions);
	pthread_rwlock_unlock(&k->lock);
	return r;
}

size_t
hl_keys_list(const struct hl_keys *k, struct hl_kem_info *out, size_t max)
{
	size_t n = 0;
	uint32_t e, last = 0;
	unsigned i;

	/* oldest epoch first, suites in table order within an epoch */
	for (;;) {
		e = UINT32_MAX;
		for (i = 0; i < k->nkem; i++)
			if (k->kem[i].epoch > last && k->kem[i].epoch < e)
				e = k->kem[i].epoch;
		if (e == UINT32_MAX)
			break;
		for (i = 0; i < k->nkem && n < max; i++) {
			if (k->kem[i].epoch != e)
				continue;
			out[n].suite = k->kem[i].suite;
			out[n].epoch = e;
			out[n].created_ms = k->kem[i].created_ms;
			n++;
		}
		last = e;
	}
	return n;
}

/* ---- ML-DSA signing keys (keys.h) ---- */

/* The const accessors read under the lock too (rotation may run meanwhile);
 * the lock is not part of what const promises. */
static void
keys_rdlock(const struct hl_keys *k)
{
	pthread_rwlock_rdlock((pthread_rwlock_t *)&k->lock);
}

static void
keys_unlock(const struct hl_keys *k)
{
	pthread_rwlock_unlock((pthread_rwlock_t *)&k->lock);
}

int
hl_keys_hybsign(struct hl_keys *k, int suite, enum hl_sign_ctx ctx,
    const uint8_t digest[static 64], uint8_t *out, size_t cap, size_t *outlen)
{
	const uint8_t *sk = NULL;
	size_t skl = 0;
	int param, i, r;

	*outlen = 0;
	if (!sign_ctx_valid(ctx) || (param = hl_sig_suite_mldsa(suite)) < 0 ||
	    cap < hl_hybsig_len(suite))
		return HL_ERR_INVALID;
	if (k->remote_fd >= 0)
		return remote_hybsign(k, suite, ctx, digest, out, outlen);
	pthread_rwlock_rdlock(&k->lock);
	if (param != 0) {
		if ((i = sig_index(param)) < 0 || k->sig[i].param == 0) {
			r = HL_ERR_NOT_FOUND;
			goto out;
		}
		sk = k->sig_sk[i];
		skl = hl_mldsa_sk_bytes(param);
	}
	r = hl_hybsig_sign(suite, k->sign, sk, skl, ctx, digest, out, cap, outlen);
out:
	pthread_rwlock_unlock(&k->lock);
	return r;
}

int
hl_keys_mldsa_pub(const struct hl_keys *k, int param, uint8_t *pub, size_t cap, size_t *len)
{
	size_t pl = hl_mldsa_pk_bytes(param);
	int i = sig_index(param), r = HL_ERR_INVALID;

	*len = 0;
	if (i < 0)
		return HL_ERR_INVALID;
	keys_rdlock(k);
	if (k->sig[i].param == 0) {
		r = HL_ERR_NOT_FOUND;
	} else if (cap >= pl) {
		memcpy(pub, k->sig[i].pk, pl);
		*len = pl;
		r = HL_OK;
	}
	keys_unlock(k);
	return r;
}

int
hl_keys_rotate_sig(struct hl_keys *k, int param, char *err, size_t errlen)
{
	struct sig_pub *pub = NULL;
	uint8_t seed[HL_MLDSA_SEED_BYTES], *sk = NULL;
	size_t skl = hl_mldsa_sk_bytes(param);
	int i = sig_index(param), r = HL_ERR_INVALID;

	if (errlen > 0)
		err[0] = '\0';
	if (i < 0) {
		snprintf(err, errlen, "no ML-DSA signing key of parameter set %d (65 or 87)", param);
		return HL_ERR_INVALID;
	}
	if (k->remote_fd >= 0)
		return remote_rotate_sig(k, (unsigned)i, err, errlen);
	if (k->kem_dirfd < 0) {
		snprintf(err, errlen, "no key directory to write the new key to");
		return HL_ERR_INVALID;
	}
	r = HL_ERR_NOMEM;
	if ((pub = hl_malloc(sizeof(*pub))) == NULL || (sk = hl_malloc(skl)) == NULL)
		goto out;
	r = HL_ERR_CRYPTO;
	if (RAND_priv_bytes(seed, sizeof(seed)) != 1) {
		snprintf(err, errlen, "no randomness for a new ML-DSA key");
		goto out;
	}
	if ((r = sig_expand(param, seed, pub, sk)) != HL_OK) {
		snprintf(err, errlen, "cannot derive a new ML-DSA key pair: %s", hl_strerror(r));
		goto out;
	}
	/* the new seed is on disk and synced before the old key goes */
	if ((r = sig_file_write(k, param, seed, err, errlen)) != HL_OK)
		goto out;
	pub->created_ms = (uint64_t)time(NULL) * 1000;
	pthread_rwlock_wrlock(&k->lock);
	OPENSSL_cleanse(k->sig_sk[i], sizeof(k->sig_sk[i]));
	memcpy(k->sig_sk[i], sk, skl);
	k->sig[i] = *pub;
	pthread_rwlock_unlock(&k->lock);
	r = HL_OK;
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	hl_free_secret(sk, skl);
	hl_free(pub);
	return r;
}

size_t
hl_keys_sig_list(const struct hl_keys *k, struct hl_sigkey_info *out, size_t max)
{
	size_t n = 0;
	unsigned i;

	keys_rdlock(k);
	for (i = 0; i < SIG_KEYS && n < max; i++) {
		if (k->sig[i].param == 0)
			continue;
		out[n].param = k->sig[i].param;
		memcpy(out[n].fp, k->sig[i].fp, sizeof(out[n].fp));
		out[n].created_ms = k->sig[i].created_ms;
		n++;
	}
	keys_unlock(k);
	return n;
}
