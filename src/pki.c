/* pki.c: partner CAs and node certificates (Ed25519, X.509v3, OpenSSL 3.0)
 * and the federation generator behind "hotline pki init".
 *
 * Private keys are written PEM PKCS#8, unencrypted, mode 0600, never over an
 * existing file (O_EXCL). Certificates are written 0644. Every OpenSSL call
 * is checked; PEM text of private keys is wiped from memory. */
#include <sys/stat.h>

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/bio.h>
#include <openssl/bn.h>
#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/rand.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "label.h"
#include "pki.h"
#include "sealfile.h"
#include "pwhash.h"
#include "revoke.h"

#define PKI_PEM_MAX (64u * 1024)        /* a PEM file we are willing to read */
#define PKI_CA_DAYS 3650
#define PKI_NODE_DAYS 365
#define PKI_CONSOLE_DAYS 397
#define PKI_ADMIN_PW_LEN 24
#define PKI_ADMIN_LN 15
#define PKI_DEFAULT_BASE_PORT 7400
#define PKI_CONF_MAX (64u * 1024)
#define PKI_PATH HL_PATH_MAX

/* Safe alphabet for generated passwords: no 0/O, 1/l/I. */
static const char pw_alphabet[] =
    "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789";

/* hl_set_err, then OpenSSL's reason for the failure, if it has one. */
__attribute__((format(printf, 3, 4))) static void
set_err_ssl(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;
	unsigned long e;
	size_t n;

	if (err == NULL || errlen == 0)
		return;
	va_start(ap, fmt);
	hl_vset_err(err, errlen, fmt, ap);
	va_end(ap);
	/* Append OpenSSL's reason, if it has one, and clear its queue. */
	if ((e = ERR_peek_last_error()) != 0) {
		n = strlen(err);
		if (n + 3 < errlen)
			snprintf(err + n, errlen - n, " (%s)", ERR_reason_error_string(e) ?
			    ERR_reason_error_string(e) : "openssl error");
	}
	ERR_clear_error();
}

static int
join(char out[PKI_PATH], const char *a, const char *b)
{
	int n = snprintf(out, PKI_PATH, "%s/%s", a, b);

	return (n < 0 || n >= PKI_PATH) ? HL_ERR_TOO_BIG : HL_OK;
}

/* Write len bytes to a new file with mode (fchmod'ed, umask ignored).
 * excl: fail with HL_ERR_EXISTS if the file exists. */
static int
write_file(const char *path, const void *data, size_t len, mode_t mode, int excl,
    char *err, size_t errlen)
{
	const uint8_t *p = data;
	size_t off = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_IO;

	fd = open(path, O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW |
	    (excl ? O_EXCL : O_TRUNC), mode);
	if (fd == -1) {
		if (errno == EEXIST) {
			r = HL_ERR_EXISTS;
			set_err_ssl(err, errlen, "%s already exists; refusing to overwrite it", path);
		} else
			set_err_ssl(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if (fchmod(fd, mode) == -1) {
		set_err_ssl(err, errlen, "%s: chmod: %s", path, strerror(errno));
		goto out;
	}
	while (off < len) {
		n = write(fd, p + off, len - off);
		if (n == -1 && errno == EINTR)
			continue;
		if (n <= 0) {
			set_err_ssl(err, errlen, "%s: write: %s", path, strerror(errno));
			goto out;
		}
		off += (size_t)n;
	}
	if (fsync(fd) == -1) {
		set_err_ssl(err, errlen, "%s: fsync: %s", path, strerror(errno));
		goto out;
	}
	r = HL_OK;
out:
	if (fd != -1 && close(fd) == -1 && r == HL_OK) {
		set_err_ssl(err, errlen, "%s: close: %s", path, strerror(errno));
		r = HL_ERR_IO;
	}
	return r;
}

/* A BIO over the contents of a small file (max PKI_PEM_MAX). OUT: *bio,
 * *bufp (caller frees with hl_free_secret(*bufp, PKI_PEM_MAX) after the BIO). */
static int
open_pem(const char *path, BIO **bio, uint8_t **bufp, char *err, size_t errlen)
{
	uint8_t *buf = NULL;
	size_t len = 0;
	ssize_t n;
	int fd = -1, r = HL_ERR_IO;

	*bio = NULL;
	*bufp = NULL;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) == -1) {
		set_err_ssl(err, errlen, "%s: %s", path, strerror(errno));
		goto out;
	}
	if ((buf = hl_malloc(PKI_PEM_MAX)) == NULL) {
		r = HL_ERR_NOMEM;
		set_err_ssl(err, errlen, "%s: out of memory", path);
		goto out;
	}
	for (;;) {
		n = read(fd, buf + len, PKI_PEM_MAX - len);
		if (n == -1 && errno == EINTR)
			continue;
		if (n == -1) {
			set_err_ssl(err, errlen, "%s: read: %s", path, strerror(errno));
			goto out;
		}
		if (n == 0)
			break;
		len += (size_t)n;
		if (len == PKI_PEM_MAX) {
			r = HL_ERR_TOO_BIG;
			set_err_ssl(err, errlen, "%s: file too large", path);
			goto out;
		}
	}
	if ((*bio = BIO_new_mem_buf(buf, (int)len)) == NULL) {
		r = HL_ERR_NOMEM;
		set_err_ssl(err, errlen, "%s: out of memory", path);
		goto out;
	}
	*bufp = buf;
	buf = NULL;
	r = HL_OK;
out:
	if (fd != -1)
		close(fd);
	hl_free_secret(buf, PKI_PEM_MAX);
	return r;
}

/* OUT: *out, caller frees with X509_free. */
static int
load_cert(const char *path, X509 **out, char *err, size_t errlen)
{
	BIO *bio = NULL;
	uint8_t *buf = NULL;
	int r;

	*out = NULL;
	if ((r = open_pem(path, &bio, &buf, err, errlen)) != 0)
		goto out;
	if ((*out = PEM_read_bio_X509(bio, NULL, NULL, NULL)) == NULL) {
		r = HL_ERR_MALFORMED;
		set_err_ssl(err, errlen, "%s: not a PEM certificate", path);
		goto out;
	}
	r = HL_OK;
out:
	BIO_free(bio);
	hl_free_secret(buf, PKI_PEM_MAX);
	return r;
}

/* OUT: *out, caller frees with EVP_PKEY_free. Must be Ed25519. */
static int
load_key(const char *path, int want_id, EVP_PKEY **out, char *err, size_t errlen)
{
	BIO *bio = NULL;
	uint8_t *buf = NULL;
	EVP_PKEY *k = NULL;
	int r;

	*out = NULL;
	if ((r = open_pem(path, &bio, &buf, err, errlen)) != 0)
		goto out;
	if ((k = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL)) == NULL ||
	    EVP_PKEY_get_id(k) != want_id) {
		r = HL_ERR_MALFORMED;
		set_err_ssl(err, errlen, "%s: not a PEM %s private key", path,
		    want_id == EVP_PKEY_EC ? "ECDSA" : "Ed25519");
		goto out;
	}
	*out = k;
	k = NULL;
	r = HL_OK;
out:
	EVP_PKEY_free(k);
	BIO_free(bio);
	hl_free_secret(buf, PKI_PEM_MAX);
	return r;
}

/* kek: seal it under this key (sealfile.h); NULL: PEM in clear */
static int
write_key(const char *path, EVP_PKEY *k, const uint8_t *kek, char *err, size_t errlen)
{
	BIO *bio = NULL;
	char *pem = NULL;
	long n;
	int r = HL_ERR_CRYPTO;

	if ((bio = BIO_new(BIO_s_mem())) == NULL ||
	    PEM_write_bio_PrivateKey(bio, k, NULL, NULL, 0, NULL, NULL) != 1 ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0) {
		set_err_ssl(err, errlen, "%s: cannot encode private key", path);
		goto out;
	}
	if (kek != NULL) {
		uint8_t *sealed = NULL;
		size_t sl = 0;

		if ((r = hl_seal_seal_key(kek, hl_seal_role(path), (const uint8_t *)pem, (size_t)n,
		    &sealed, &sl)) != HL_OK)
			set_err_ssl(err, errlen, "%s: cannot seal the private key", path);
		else
			r = write_file(path, sealed, sl, 0600, 1, err, errlen);
		hl_free(sealed);
	} else {
		r = write_file(path, pem, (size_t)n, 0600, 1, err, errlen);
	}
	OPENSSL_cleanse(pem, (size_t)n);
out:
	BIO_free(bio);
	return r;
}

static int
write_cert(const char *path, X509 *x, char *err, size_t errlen)
{
	BIO *bio = NULL;
	char *pem = NULL;
	long n;
	int r = HL_ERR_CRYPTO;

	if ((bio = BIO_new(BIO_s_mem())) == NULL || PEM_write_bio_X509(bio, x) != 1 ||
	    (n = BIO_get_mem_data(bio, &pem)) <= 0) {
		set_err_ssl(err, errlen, "%s: cannot encode certificate", path);
		goto out;
	}
	r = write_file(path, pem, (size_t)n, 0644, 0, err, errlen);
out:
	BIO_free(bio);
	return r;
}

static int
new_ed25519(EVP_PKEY **out)
{
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	return *out != NULL ? HL_OK : HL_ERR_CRYPTO;
}

/* Random positive 128-bit serial. */
static int
set_serial(X509 *x)
{
	uint8_t b[16];
	BIGNUM *bn = NULL;
	int r = HL_ERR_CRYPTO;

	if (RAND_bytes(b, sizeof(b)) != 1)
		goto out;
	b[0] = (uint8_t)((b[0] & 0x7f) | 0x01);   /* positive, never zero */
	if ((bn = BN_bin2bn(b, sizeof(b), NULL)) == NULL ||
	    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x)) == NULL)
		goto out;
	r = HL_OK;
out:
	BN_free(bn);
	return r;
}

static int
add_ext(X509 *cert, X509 *issuer, int nid, const char *value)
{
	X509V3_CTX ctx;
	X509_EXTENSION *ext = NULL;
	int r = HL_ERR_CRYPTO;

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, issuer, cert, NULL, NULL, 0);
	if ((ext = X509V3_EXT_nconf_nid(NULL, &ctx, nid, value)) == NULL ||
	    X509_add_ext(cert, ext, -1) != 1)
		goto out;
	r = HL_OK;
out:
	X509_EXTENSION_free(ext);
	return r;
}

static int
set_name(X509_NAME *n, const char *cn, const char *o)
{
	if (X509_NAME_add_entry_by_txt(n, "O", MBSTRING_ASC,
	    (const unsigned char *)o, -1, -1, 0) != 1 ||
	    X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0) != 1)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

/* OUT: *out, a v3 certificate with serial, validity and public key set. */
static int
cert_skeleton(EVP_PKEY *pub, int64_t nb, int64_t na, X509 **out)
{
	X509 *x = NULL;
	int r = HL_ERR_CRYPTO;

	*out = NULL;
	if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
	    set_serial(x) != 0 ||
	    ASN1_TIME_set(X509_getm_notBefore(x), (time_t)nb) == NULL ||
	    ASN1_TIME_set(X509_getm_notAfter(x), (time_t)na) == NULL ||
	    X509_set_pubkey(x, pub) != 1)
		goto out;
	*out = x;
	x = NULL;
	r = HL_OK;
out:
	X509_free(x);
	return r;
}

/* A CA key pair: Ed25519 (the partner CA), or ECDSA P-256 when ec (the
 * console's CA: browsers take no Ed25519). */
static int
new_ca_key(int ec, EVP_PKEY **out)
{
	if (!ec)
		return new_ed25519(out);
	*out = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256");
	return *out != NULL ? HL_OK : HL_ERR_CRYPTO;
}

/* dir/<name>.key (0600, clear: a CA key is kept offline) + dir/<name>.crt. */
static int
make_ca(const char *dir, const char *partner, unsigned valid_days, int ec, const char *name,
    const char *cn, char *err, size_t errlen)
{
	char keyp[PKI_PATH], crtp[PKI_PATH], kn[64], cnm[64];
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int64_t now = (int64_t)time(NULL);
	int r = HL_ERR_INVALID;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (dir == NULL || partner == NULL || !hl_partner_valid(partner)) {
		set_err_ssl(err, errlen, "bad partner code '%s' (2..8 of A-Z 0-9)",
		    partner != NULL ? partner : "");
		goto out;
	}
	if (valid_days == 0 || valid_days > 36500) {
		set_err_ssl(err, errlen, "CA validity must be 1..36500 days");
		goto out;
	}
	snprintf(kn, sizeof(kn), "%s.key", name);
	snprintf(cnm, sizeof(cnm), "%s.crt", name);
	if (join(keyp, dir, kn) != 0 || join(crtp, dir, cnm) != 0) {
		r = HL_ERR_TOO_BIG;
		set_err_ssl(err, errlen, "%s: path too long", dir);
		goto out;
	}
	r = HL_ERR_CRYPTO;
	if (new_ca_key(ec, &k) != 0 ||
	    cert_skeleton(k, now - 3600, now + (int64_t)valid_days * 86400, &x) != 0 ||
	    set_name(X509_get_subject_name(x), cn, partner) != 0 ||
	    X509_set_issuer_name(x, X509_get_subject_name(x)) != 1 ||
	    add_ext(x, x, NID_basic_constraints, "critical,CA:TRUE,pathlen:0") != 0 ||
	    add_ext(x, x, NID_key_usage, "critical,keyCertSign,cRLSign") != 0 ||
	    add_ext(x, x, NID_subject_key_identifier, "hash") != 0 ||
	    X509_sign(x, k, ec ? EVP_sha256() : NULL) <= 0) {
		set_err_ssl(err, errlen, "%s: cannot make CA certificate", dir);
		goto out;
	}
	if ((r = write_key(keyp, k, NULL, err, errlen)) != 0 ||
	    (r = write_cert(crtp, x, err, errlen)) != 0)
		goto out;
	r = HL_OK;
out:
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

int
hl_pki_make_ca(const char *dir, const char *partner, unsigned valid_days,
    char *err, size_t errlen)
{
	char cn[HL_PARTNER_MAX + 16];

	snprintf(cn, sizeof(cn), "hotline %s CA", partner != NULL ? partner : "");
	return make_ca(dir, partner, valid_days, 0, "ca", cn, err, errlen);
}

int
hl_pki_make_console_ca(const char *dir, const char *partner, char *err, size_t errlen)
{
	char cn[HL_PARTNER_MAX + 32];

	snprintf(cn, sizeof(cn), "hotline %s console CA", partner != NULL ? partner : "");
	return make_ca(dir, partner, PKI_CA_DAYS, 1, "console-ca", cn, err, errlen);
}

/* Write x to path through a new file renamed over it. */
static int
replace_cert(const char *path, X509 *x, char *err, size_t errlen)
{
	char tmp[PKI_PATH + 8];
	int r;

	if ((size_t)snprintf(tmp, sizeof(tmp), "%s.new", path) >= sizeof(tmp))
		return HL_ERR_TOO_BIG;
	(void)unlink(tmp);
	if ((r = write_cert(tmp, x, err, errlen)) != HL_OK)
		return r;
	if (rename(tmp, path) != 0) {
		set_err_ssl(err, errlen, "%s: rename: %s", path, strerror(errno));
		(void)unlink(tmp);
		return HL_ERR_IO;
	}
	return HL_OK;
}

/* What a leaf certificate says; leaf_cert signs it with a CA of ca_dir. */
struct leaf_spec {
	const char *ca;                /* "ca" or "console-ca": the CA's file names */
	int ca_key_id;                 /* EVP_PKEY_ED25519 or EVP_PKEY_EC */
	const char *cn, *o;            /* subject (o may be NULL) */
	const char *eku, *san;
	int64_t not_before, not_after;
};

static int
leaf_cert(const char *ca_dir, const struct leaf_spec *sp, EVP_PKEY *k, X509 **out, char *err,
    size_t errlen)
{
	char keyp[PKI_PATH], crtp[PKI_PATH], kn[32], cn[32];
	EVP_PKEY *cak = NULL;
	X509 *ca = NULL, *x = NULL;
	int r = HL_ERR_INVALID;

	*out = NULL;
	if (sp->not_after <= sp->not_before) {
		set_err_ssl(err, errlen, "not_after must be after not_before");
		goto out;
	}
	snprintf(kn, sizeof(kn), "%s.key", sp->ca);
	snprintf(cn, sizeof(cn), "%s.crt", sp->ca);
	if (join(keyp, ca_dir, kn) != 0 || join(crtp, ca_dir, cn) != 0) {
		r = HL_ERR_TOO_BIG;
		set_err_ssl(err, errlen, "%s: path too long", ca_dir);
		goto out;
	}
	if ((r = load_cert(crtp, &ca, err, errlen)) != 0 ||
	    (r = load_key(keyp, sp->ca_key_id, &cak, err, errlen)) != 0)
		goto out;
	if (X509_check_private_key(ca, cak) != 1) {
		r = HL_ERR_CRYPTO;
		set_err_ssl(err, errlen, "%s does not match %s", keyp, crtp);
		goto out;
	}
	r = HL_ERR_CRYPTO;
	if (cert_skeleton(k, sp->not_before, sp->not_after, &x) != 0 ||
	    (sp->o != NULL ? set_name(X509_get_subject_name(x), sp->cn, sp->o) :
	    (X509_NAME_add_entry_by_txt(X509_get_subject_name(x), "CN", MBSTRING_ASC,
	    (const unsigned char *)sp->cn, -1, -1, 0) == 1 ? HL_OK : HL_ERR_CRYPTO)) != 0 ||
	    X509_set_issuer_name(x, X509_get_subject_name(ca)) != 1 ||
	    add_ext(x, ca, NID_basic_constraints, "critical,CA:FALSE") != 0 ||
	    add_ext(x, ca, NID_key_usage, "critical,digitalSignature") != 0 ||
	    add_ext(x, ca, NID_ext_key_usage, sp->eku) != 0 ||
	    add_ext(x, ca, NID_subject_alt_name, sp->san) != 0 ||
	    add_ext(x, ca, NID_subject_key_identifier, "hash") != 0 ||
	    add_ext(x, ca, NID_authority_key_identifier, "keyid:always") != 0 ||
	    X509_sign(x, cak, sp->ca_key_id == EVP_PKEY_EC ? EVP_sha256() : NULL) <= 0) {
		set_err_ssl(err, errlen, "%s: cannot issue a certificate for %s", ca_dir, sp->cn);
		goto out;
	}
	*out = x;
	x = NULL;
	r = HL_OK;
out:
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cak);
	return r;
}

/* A console certificate for key k from the console CA in ca_dir: ECDSA
 * signed, serverAuth, localhost and 127.0.0.1, 397 days (what browsers
 * accept for a server certificate). */
static int
console_cert(const char *ca_dir, const char *node, EVP_PKEY *k, X509 **out, char *err,
    size_t errlen)
{
	int64_t now = (int64_t)time(NULL);
	struct leaf_spec sp = { .ca = "console-ca", .ca_key_id = EVP_PKEY_EC, .cn = node,
	    .eku = "serverAuth", .san = "DNS:localhost,IP:127.0.0.1", .not_before = now - 3600,
	    .not_after = now + (int64_t)PKI_CONSOLE_DAYS * 86400 };

	return leaf_cert(ca_dir, &sp, k, out, err, errlen);
}

int
hl_pki_issue_console(const char *ca_dir, const char *node, const char *key_path,
    const char *cert_path, const uint8_t *kek, char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int r;

	if ((k = EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")) == NULL) {
		set_err_ssl(err, errlen, "cannot make a key");
		return HL_ERR_CRYPTO;
	}
	if ((r = console_cert(ca_dir, node, k, &x, err, errlen)) == HL_OK &&
	    (r = write_key(key_path, k, kek, err, errlen)) == HL_OK)
		r = write_cert(cert_path, x, err, errlen);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

int
hl_pki_renew_console(const char *ca_dir, const char *node, EVP_PKEY *key,
    const char *cert_path, char *err, size_t errlen)
{
	X509 *x = NULL;
	int r;

	if ((r = console_cert(ca_dir, node, key, &x, err, errlen)) == HL_OK)
		r = replace_cert(cert_path, x, err, errlen);
	X509_free(x);
	return r;
}

int
hl_pki_issue_node(const char *ca_dir, const char *node, int64_t not_before,
    int64_t not_after, const char *key_path, const char *cert_path, char *err,
    size_t errlen)
{
	return hl_pki_issue_node_sealed(ca_dir, node, not_before, not_after, key_path, cert_path,
	    NULL, err, errlen);
}

/* A node certificate for key from the CA in ca_dir: its URI SAN names the
 * node. OUT: *out. */
static int
node_cert(const char *ca_dir, const char *node, EVP_PKEY *k, int64_t not_before,
    int64_t not_after, X509 **out, char *err, size_t errlen)
{
	char partner[HL_PARTNER_MAX + 1];
	char san[sizeof(HL_NODE_URI_PREFIX) + HL_NODE_NAME_MAX + 64];
	struct leaf_spec sp = { .ca = "ca", .ca_key_id = EVP_PKEY_ED25519, .cn = node,
	    .eku = "serverAuth,clientAuth", .san = san, .not_before = not_before,
	    .not_after = not_after };

	*out = NULL;
	if (ca_dir == NULL || node == NULL || !hl_label_node_name_valid(node, partner)) {
		set_err_ssl(err, errlen, "bad node name '%s' (PARTNER/name)",
		    node != NULL ? node : "");
		return HL_ERR_INVALID;
	}
	sp.o = partner;
	snprintf(san, sizeof(san), "URI:%s%s,DNS:localhost,IP:127.0.0.1",
	    HL_NODE_URI_PREFIX, node);
	return leaf_cert(ca_dir, &sp, k, out, err, errlen);
}

int
hl_pki_issue_node_sealed(const char *ca_dir, const char *node, int64_t not_before,
    int64_t not_after, const char *key_path, const char *cert_path, const uint8_t *kek,
    char *err, size_t errlen)
{
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (key_path == NULL || cert_path == NULL)
		return HL_ERR_INVALID;
	if (new_ed25519(&k) != 0) {
		set_err_ssl(err, errlen, "cannot make a key");
		return HL_ERR_CRYPTO;
	}
	if ((r = node_cert(ca_dir, node, k, not_before, not_after, &x, err, errlen)) == HL_OK &&
	    (r = write_key(key_path, k, kek, err, errlen)) == HL_OK)
		r = write_cert(cert_path, x, err, errlen);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}


int
hl_pki_renew_node(const char *ca_dir, const char *node, EVP_PKEY *key, int64_t not_before,
    int64_t not_after, const char *cert_path, char *err, size_t errlen)
{
	X509 *x = NULL;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((r = node_cert(ca_dir, node, key, not_before, not_after, &x, err, errlen)) == HL_OK)
		r = replace_cert(cert_path, x, err, errlen);
	X509_free(x);
	return r;
}

int
hl_pki_revoke(const char *ca_dir, const char *cert_path, const char *reason, uint64_t now_ms,
    struct hl_buf *out, char *err, size_t errlen)
{
	char keyp[PKI_PATH], crtp[PKI_PATH], partner[HL_PARTNER_MAX + 1];
	struct hl_revocation rv;
	EVP_PKEY *cak = NULL;
	X509 *ca = NULL, *x = NULL;
	unsigned n = 0;
	int r;

	hl_buf_init(out, 0);
	memset(&rv, 0, sizeof(rv));
	if (reason == NULL || strlen(reason) > HL_REVOKE_REASON_MAX) {
		set_err_ssl(err, errlen, "a reason of at most %d bytes", HL_REVOKE_REASON_MAX);
		return HL_ERR_INVALID;
	}
	if (join(keyp, ca_dir, "ca.key") != 0 || join(crtp, ca_dir, "ca.crt") != 0)
		return HL_ERR_TOO_BIG;
	if ((r = load_cert(crtp, &ca, err, errlen)) != 0 ||
	    (r = load_key(keyp, EVP_PKEY_ED25519, &cak, err, errlen)) != 0 ||
	    (r = load_cert(cert_path, &x, err, errlen)) != 0)
		goto out;
	r = HL_ERR_INVALID;
	if (X509_check_private_key(ca, cak) != 1 || X509_verify(x, cak) != 1) {
		set_err_ssl(err, errlen, "%s was not issued by the CA in %s", cert_path, ca_dir);
		goto out;
	}
	if (hl_pki_cert_node_name(x, rv.node) != HL_OK ||
	    !hl_label_node_name_valid(rv.node, partner)) {
		set_err_ssl(err, errlen, "%s names no hotline node", cert_path);
		goto out;
	}
	snprintf(rv.partner, sizeof(rv.partner), "%s", partner);
	snprintf(rv.reason, sizeof(rv.reason), "%s", reason);
	rv.time_ms = now_ms;
	if (X509_digest(x, EVP_sha256(), rv.cert_sha256, &n) != 1 || n != 32) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if ((r = hl_revocation_sign(&rv, cak, out)) != HL_OK)
		set_err_ssl(err, errlen, "cannot sign the notice");
out:
	ERR_clear_error();
	X509_free(x);
	X509_free(ca);
	EVP_PKEY_free(cak);
	return r;
}

int
hl_pki_cert_not_after(const char *cert_path, int64_t *not_after_s, char *err, size_t errlen)
{
	X509 *x = NULL;
	struct tm tm;
	int r;

	*not_after_s = 0;
	if ((r = load_cert(cert_path, &x, err, errlen)) != 0)
		return r;
	memset(&tm, 0, sizeof(tm));
	if (ASN1_TIME_to_tm(X509_get0_notAfter(x), &tm) != 1) {
		set_err_ssl(err, errlen, "%s: unreadable notAfter", cert_path);
		r = HL_ERR_MALFORMED;
	} else {
		*not_after_s = (int64_t)timegm(&tm);
	}
	X509_free(x);
	return r;
}


/* "P/NAME" into its partner and operator name. */
static int
split_operator(const char *s, size_t n, char partner[HL_PARTNER_MAX + 1],
    char name[HL_OPERATOR_MAX + 1])
{
	const char *slash = memchr(s, '/', n);
	size_t pl;

	if (slash == NULL || (pl = (size_t)(slash - s)) == 0 || pl > HL_PARTNER_MAX)
		return HL_ERR_MALFORMED;
	memcpy(partner, s, pl);
	partner[pl] = '\0';
	if (!hl_partner_valid(partner) || !hl_operator_name_valid(slash + 1, n - pl - 1))
		return HL_ERR_MALFORMED;
	memcpy(name, slash + 1, n - pl - 1);
	name[n - pl - 1] = '\0';
	return HL_OK;
}

int
hl_pki_issue_operator(const char *ca_dir, const char *op, int64_t not_before,
    int64_t not_after, const char *eku, const char *key_path, const char *cert_path,
    char *err, size_t errlen)
{
	char partner[HL_PARTNER_MAX + 1], name[HL_OPERATOR_MAX + 1];
	char san[sizeof(HL_OPERATOR_URI_PREFIX) + HL_PARTNER_MAX + HL_OPERATOR_MAX + 8];
	struct leaf_spec sp = { .ca = "ca", .ca_key_id = EVP_PKEY_ED25519, .cn = name,
	    .o = partner, .eku = eku != NULL ? eku : "clientAuth", .san = san,
	    .not_before = not_before, .not_after = not_after };
	EVP_PKEY *k = NULL;
	X509 *x = NULL;
	int r;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (ca_dir == NULL || op == NULL || key_path == NULL || cert_path == NULL ||
	    strlen(op) > HL_PARTNER_MAX + 1 + HL_OPERATOR_MAX ||
	    split_operator(op, strlen(op), partner, name) != HL_OK) {
		set_err_ssl(err, errlen, "bad operator '%s' (PARTNER/name)", op != NULL ? op : "");
		return HL_ERR_INVALID;
	}
	snprintf(san, sizeof(san), "URI:%s%s", HL_OPERATOR_URI_PREFIX, op);
	if (new_ed25519(&k) != 0) {
		set_err_ssl(err, errlen, "cannot make a key");
		return HL_ERR_CRYPTO;
	}
	/* in clear (0600): the CLI reads it without the node's seal key */
	if ((r = leaf_cert(ca_dir, &sp, k, &x, err, errlen)) == HL_OK &&
	    (r = write_key(key_path, k, NULL, err, errlen)) == HL_OK)
		r = write_cert(cert_path, x, err, errlen);
	X509_free(x);
	EVP_PKEY_free(k);
	return r;
}

int
hl_pki_cert_sha256(const char *cert_path, uint8_t out[static HL_SHA256],
    char *err, size_t errlen)
{
	X509 *x = NULL;
	unsigned n = 0;
	int r;

	memset(out, 0, HL_SHA256);
	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if ((r = load_cert(cert_path, &x, err, errlen)) != 0)
		goto out;
	if (X509_digest(x, EVP_sha256(), out, &n) != 1 || n != HL_SHA256) {
		r = HL_ERR_CRYPTO;
		set_err_ssl(err, errlen, "%s: cannot hash certificate", cert_path);
		goto out;
	}
	r = HL_OK;
out:
	X509_free(x);
	return r;
}

/* The one URI SAN of x that starts with prefix, without it, into out
 * (1..max bytes, no NUL inside). HL_ERR_NOT_FOUND; HL_ERR_MALFORMED for
 * two of them, an empty or too long one, or a bad SAN extension. */
static int
san_uri(const X509 *x, const char *prefix, char *out, size_t max)
{
	GENERAL_NAMES *gens = NULL;
	const size_t plen = strlen(prefix);
	int crit = 0, i, found = 0, r = HL_ERR_NOT_FOUND;

	out[0] = '\0';
	if ((gens = X509_get_ext_d2i(x, NID_subject_alt_name, &crit, NULL)) == NULL)
		return crit == -1 ? HL_ERR_NOT_FOUND : HL_ERR_MALFORMED;
	for (i = 0; i < sk_GENERAL_NAME_num(gens); i++) {
		const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
		const unsigned char *d;
		size_t len;

		if (g->type != GEN_URI)
			continue;
		d = ASN1_STRING_get0_data(g->d.uniformResourceIdentifier);
		len = (size_t)ASN1_STRING_length(g->d.uniformResourceIdentifier);
		if (len < plen || memcmp(d, prefix, plen) != 0)
			continue;
		/* two names in one certificate, an empty or a long one: refuse */
		if (found++ || len == plen || len - plen > max || memchr(d, 0, len) != NULL) {
			r = HL_ERR_MALFORMED;
			goto out;
		}
		memcpy(out, d + plen, len - plen);
		out[len - plen] = '\0';
	}
	r = found ? HL_OK : HL_ERR_NOT_FOUND;
out:
	if (r != HL_OK)
		out[0] = '\0';
	GENERAL_NAMES_free(gens);
	return r;
}

int
hl_pki_cert_node_name(const void *x509, char out[HL_NODE_NAME_MAX + 1])
{
	int r;

	out[0] = '\0';
	if (x509 == NULL)
		return HL_ERR_INVALID;
	if ((r = san_uri(x509, HL_NODE_URI_PREFIX, out, HL_NODE_NAME_MAX)) != HL_OK)
		return r;
	if (!hl_label_node_name_valid(out, NULL)) {
		out[0] = '\0';
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_pki_cert_operator(const void *x509, const char *partner, char name[HL_OPERATOR_MAX + 1],
    const char **why)
{
	const X509 *x = x509;
	char op[HL_PARTNER_MAX + 1 + HL_OPERATOR_MAX + 1], p[HL_PARTNER_MAX + 1],
	    node[HL_NODE_NAME_MAX + 1];
	uint32_t flags;
	int r;

	name[0] = '\0';
	*why = "not an operator certificate";
	if (x == NULL || partner == NULL)
		return HL_ERR_INVALID;
	/* the extensions' summary first (it is computed once, and says
	 * whether they parse) */
	flags = X509_get_extension_flags((X509 *)x);
	if ((r = san_uri(x, HL_OPERATOR_URI_PREFIX, op, sizeof(op) - 1)) != HL_OK) {
		*why = r == HL_ERR_NOT_FOUND ? "the certificate names no operator" :
		    "the certificate's operator name is malformed";
		return r;
	}
	if (split_operator(op, strlen(op), p, name) != HL_OK) {
		*why = "the certificate's operator name is malformed";
		r = HL_ERR_MALFORMED;
	} else if (san_uri(x, HL_NODE_URI_PREFIX, node, HL_NODE_NAME_MAX) != HL_ERR_NOT_FOUND) {
		*why = "the certificate names a node as well";
		r = HL_ERR_MALFORMED;
	} else if (strcmp(p, partner) != 0) {
		*why = "the certificate names an operator of another partner";
		r = HL_ERR_DENIED;
	} else if ((flags & (EXFLAG_INVALID | EXFLAG_CA)) != 0 || (flags & EXFLAG_XKUSAGE) == 0 ||
	    !(X509_get_extended_key_usage((X509 *)x) & XKU_SSL_CLIENT)) {
		/* a certificate for another use: a CA, a server, none named */
		*why = "the certificate is not for client authentication";
		r = HL_ERR_DENIED;
	} else {
		*why = NULL;
		return HL_OK;
	}
	name[0] = '\0';
	return r;
}

/* ---- the federation generator ---- */

struct fed_partner {
	char dir[PKI_PATH];            /* the node's directory: no CA key */
	char ca[PKI_PATH];             /* DIR/ca/P: the partner CA, to keep offline */
	char seal[PKI_PATH];           /* DIR/seal/P.key: the node's seal key */
	uint8_t pin[HL_SHA256];
	char hash[256];
};

static int
gen_password(char out[PKI_ADMIN_PW_LEN + 1])
{
	uint8_t b[64];
	size_t i, n = 0;
	const size_t na = sizeof(pw_alphabet) - 1;
	const unsigned lim = (unsigned)(256 / na * na);
	int r = HL_ERR_CRYPTO;

	while (n < PKI_ADMIN_PW_LEN) {
		if (RAND_bytes(b, sizeof(b)) != 1)
			goto out;
		for (i = 0; i < sizeof(b) && n < PKI_ADMIN_PW_LEN; i++)
			if (b[i] < lim)   /* rejection sampling: uniform */
				out[n++] = pw_alphabet[b[i] % na];
	}
	out[n] = '\0';
	r = HL_OK;
out:
	OPENSSL_cleanse(b, sizeof(b));
	return r;
}

__attribute__((format(printf, 4, 5))) static int
app(char *buf, size_t cap, size_t *off, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*off >= cap)
		return HL_ERR_TOO_BIG;
	va_start(ap, fmt);
	n = vsnprintf(buf + *off, cap - *off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - *off) {
		*off = cap;
		return HL_ERR_TOO_BIG;
	}
	*off += (size_t)n;
	return HL_OK;
}

static int
write_node_conf(const char *path, const char *const *partners, unsigned n,
    unsigned me, unsigned base_port, const struct fed_partner *fp, char *err,
    size_t errlen)
{
	char *buf = NULL, when[32], pinhex[2 * HL_SHA256 + 1];
	size_t off = 0;
	time_t now = time(NULL);
	struct tm tm;
	unsigned i;
	int r = HL_ERR_NOMEM;

	if ((buf = hl_malloc(PKI_CONF_MAX)) == NULL) {
		set_err_ssl(err, errlen, "out of memory");
		goto out;
	}
	if (gmtime_r(&now, &tm) == NULL ||
	    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		memcpy(when, "?", 2);
	r = HL_ERR_TOO_BIG;
	if (app(buf, PKI_CONF_MAX, &off,
	    "# node.conf for %s/node-1, generated by hotline pki init at %s.\n"
	    "# See docs/CONFIG.md (hotline.conf(5)). Relative paths are relative\n"
	    "# to this file's directory. The admin password is in admin.password.\n"
	    "\n[node]\nname = %s/node-1\nlisten = 127.0.0.1:%u\napi = 127.0.0.1:%u\n"
	    "data = data\ncertificate = node.crt\nkey = node.key\nca = ca.crt\n"
	    "tls_certificate = tls.crt\ntls_key = tls.key\n"
	    "# the web console's certificate, from the partner's console CA\n"
	    "# (console-ca.crt: give it to the watch's browsers to trust)\n"
	    "console_certificate = console.crt\nconsole_key = console.key\n"
	    "# the private keys are sealed under this key, kept outside this\n"
	    "# directory (docs/INSTALL.md, \"Sealed key files\")\n"
	    "seal_key = file:../seal/%s.key\n"
	    "heartbeat = 1s\ndead_after = 5s\nreconnect_max = 30s\n"
	    "envelope_ttl = 7d\nkem_rotate = 24h\n"
	    "\n[policy]\nid = hotline-default\n"
	    "levels = UNCLASSIFIED,RESTRICTED,CONFIDENTIAL,SECRET\n",
	    partners[me], when, partners[me], base_port + me, base_port + 100 + me,
	    partners[me]) != 0)
		goto toobig;
	for (i = 0; i < n; i++) {
		if (i == me)
			continue;
		hl_hex_encode(fp[i].pin, HL_SHA256, pinhex);
		if (app(buf, PKI_CONF_MAX, &off,
		    "\n[peer %s/node-1]\naddress = 127.0.0.1:%u\nca = ../%s/ca.crt\n"
		    "ca_sha256 = %s\naccreditation = SECRET\n",
		    partners[i], base_port + i, partners[i], pinhex) != 0)
			goto toobig;
	}
	if (app(buf, PKI_CONF_MAX, &off,
	    "\n[operator admin]\nrole = admin\nclearance = SECRET\nnationality = %s\n"
	    "password = %s\n\n[cli]\nuser = admin\n"
	    "# the CLI logs in with the admin's certificate (from the partner CA,\n"
	    "# its key in clear, 0600); admin.password is for the web console\n"
	    "certificate = admin.crt\nkey = admin.key\npassword_file = admin.password\n",
	    partners[me], fp[me].hash) != 0)
		goto toobig;
	r = write_file(path, buf, off, 0600, 1, err, errlen);
	goto out;
toobig:
	set_err_ssl(err, errlen, "%s: configuration too large", path);
out:
	hl_free(buf);
	return r;
}

/* dir/key_name (0600) + dir/crt_name for node, issued by the CA in ca_dir. */
static int
issue_pair(const char *ca_dir, const char *dir, const char *node, int64_t now,
    const char *key_name, const char *crt_name, const uint8_t *kek, char *err, size_t errlen)
{
	char key[PKI_PATH], crt[PKI_PATH];

	if (join(key, dir, key_name) != 0 || join(crt, dir, crt_name) != 0)
		return HL_ERR_TOO_BIG;
	return hl_pki_issue_node_sealed(ca_dir, node, now - 3600,
	    now + (int64_t)PKI_NODE_DAYS * 86400, key, crt, kek, err, errlen);
}

/* A CA's certificate (public) into the node's directory: what it pins and
 * what its clients check it against (name: "ca.crt", "console-ca.crt"). */
static int
copy_ca_cert(const char *ca_dir, const char *dir, const char *name, char *err, size_t errlen)
{
	char from[PKI_PATH], to[PKI_PATH];
	X509 *x = NULL;
	int r;

	if (join(from, ca_dir, name) != 0 || join(to, dir, name) != 0)
		return HL_ERR_TOO_BIG;
	if ((r = load_cert(from, &x, err, errlen)) == HL_OK)
		r = write_cert(to, x, err, errlen);
	X509_free(x);
	return r;
}

/* dir/console.key (sealed) + dir/console.crt from the console CA in
 * ca_dir, and that CA's certificate beside them (what the watch's browsers
 * are given to trust). */
static int
issue_console(const char *ca_dir, const char *dir, const char *node, const uint8_t *kek,
    char *err, size_t errlen)
{
	char key[PKI_PATH], crt[PKI_PATH];
	int r;

	if (join(key, dir, "console.key") != 0 || join(crt, dir, "console.crt") != 0)
		return HL_ERR_TOO_BIG;
	if ((r = hl_pki_issue_console(ca_dir, node, key, crt, kek, err, errlen)) != HL_OK)
		return r;
	return copy_ca_cert(ca_dir, dir, "console-ca.crt", err, errlen);
}

/* dir/admin.key (clear, 0600) + dir/admin.crt: the local admin's
 * operator certificate, which the CLI logs in with. Its key is not
 * sealed: the CLI would need the node's seal key to open it. */
static int
issue_admin(const char *ca_dir, const char *dir, const char *partner, int64_t now,
    char *err, size_t errlen)
{
	char key[PKI_PATH], crt[PKI_PATH], op[HL_PARTNER_MAX + 8];

	if (join(key, dir, "admin.key") != 0 || join(crt, dir, "admin.crt") != 0)
		return HL_ERR_TOO_BIG;
	snprintf(op, sizeof(op), "%s/admin", partner);
	return hl_pki_issue_operator(ca_dir, op, now - 3600, now + (int64_t)PKI_NODE_DAYS * 86400,
	    NULL, key, crt, err, errlen);
}


/* A node's seal key: 32 random bytes as hex, in a file of its own (0600).
 * OUT: kek, derived from it, to seal the node's keys with. */
static int
make_seal_key(const char *path, uint8_t kek[static HL_SEAL_KEK], char *err, size_t errlen)
{
	uint8_t m[32];
	char hex[2 * sizeof(m) + 2];
	int r = HL_ERR_CRYPTO;

	if (RAND_bytes(m, sizeof(m)) != 1) {
		set_err_ssl(err, errlen, "%s: no random bytes", path);
		goto out;
	}
	hl_hex_encode(m, sizeof(m), hex);
	hex[2 * sizeof(m)] = '\n';
	hex[2 * sizeof(m) + 1] = '\0';
	if ((r = write_file(path, hex, 2 * sizeof(m) + 1, 0600, 1, err, errlen)) != HL_OK)
		goto out;
	if ((r = hl_seal_derive((const uint8_t *)hex, 2 * sizeof(m) + 1, kek)) != HL_OK)
		set_err_ssl(err, errlen, "%s: cannot derive the seal key", path);
out:
	OPENSSL_cleanse(m, sizeof(m));
	OPENSSL_cleanse(hex, sizeof(hex));
	return r;
}

/* HL_ERR_EXISTS, saying so, when path exists (what: what it belongs to;
 * owner: the directory to remove first). */
static int
refuse_existing(const char *path, const char *what, const char *owner, char *err,
    size_t errlen)
{
	struct stat st;

	if (lstat(path, &st) != 0 && errno == ENOENT)
		return HL_OK;
	set_err_ssl(err, errlen, "%s already exists: refusing to overwrite %s (remove %s first)",
	    path, what, owner);
	return HL_ERR_EXISTS;
}

static int
mkdir_private(const char *path, char *err, size_t errlen)
{
	if (mkdir(path, 0700) == -1 && errno != EEXIST) {
		set_err_ssl(err, errlen, "%s: mkdir: %s", path, strerror(errno));
		return HL_ERR_IO;
	}
	return HL_OK;
}

static const char *const partner_files[] = {
	"node.conf", "ca.key", "ca.crt", "node.key", "node.crt", "tls.key",
	"tls.crt", "admin.password", "console.key", "console.crt", "console-ca.crt",
	"admin.key", "admin.crt",
};

/* fp's paths for partner under dir, refusing anything already there. */
static int
partner_paths(const char *dir, const char *partner, struct fed_partner *fp, char *err,
    size_t errlen)
{
	char path[PKI_PATH];
	size_t j;
	int r;

	if (join(fp->dir, dir, partner) != 0)
		goto toolong;
	for (j = 0; j < sizeof(partner_files) / sizeof(partner_files[0]); j++) {
		if (join(path, fp->dir, partner_files[j]) != 0)
			goto toolong;
		if ((r = refuse_existing(path, "a federation", fp->dir, err, errlen)) != 0)
			return r;
	}
	if (join(path, dir, "ca") != 0 || join(fp->ca, path, partner) != 0 ||
	    join(path, fp->ca, "ca.key") != 0)
		goto toolong;
	if ((r = refuse_existing(path, "a federation's CA", fp->ca, err, errlen)) != 0)
		return r;
	if (join(path, dir, "seal") != 0 ||
	    (size_t)snprintf(fp->seal, sizeof(fp->seal), "%s/%s.key", path, partner) >=
	    sizeof(fp->seal))
		goto toolong;
	return refuse_existing(fp->seal, "a node's seal key", fp->seal, err, errlen);
toolong:
	set_err_ssl(err, errlen, "%s: path too long", dir);
	return HL_ERR_TOO_BIG;
}

/* One partner's CA, console CA, seal key and node directory (keys,
 * certificates, the admin's password and certificate); fp->pin and
 * fp->hash for its configuration. */
static int
make_partner(const char *partner, struct fed_partner *fp, int64_t now, char *err,
    size_t errlen)
{
	char path[PKI_PATH], node[HL_NODE_NAME_MAX + 1], pw[PKI_ADMIN_PW_LEN + 2];
	uint8_t kek[HL_SEAL_KEK];
	int r;

	memset(pw, 0, sizeof(pw));
	memset(kek, 0, sizeof(kek));
	/* the CA apart from the node: whoever holds a node's directory
	 * cannot mint certificates for the partner's other nodes */
	if ((r = mkdir_private(fp->ca, err, errlen)) != 0 ||
	    (r = hl_pki_make_ca(fp->ca, partner, PKI_CA_DAYS, err, errlen)) != 0 ||
	    (r = hl_pki_make_console_ca(fp->ca, partner, err, errlen)) != 0 ||
	    (r = mkdir_private(fp->dir, err, errlen)) != 0 ||
	    (r = copy_ca_cert(fp->ca, fp->dir, "ca.crt", err, errlen)) != 0)
		goto out;
	snprintf(node, sizeof(node), "%s/node-1", partner);
	/* node.key signs (held by the key keeper); tls.key is the TLS key of
	 * links and the operator API (held by the network process); both
	 * sealed under the node's seal key */
	if ((r = make_seal_key(fp->seal, kek, err, errlen)) != 0 ||
	    (r = issue_pair(fp->ca, fp->dir, node, now, "node.key", "node.crt", kek, err,
	    errlen)) != 0 ||
	    (r = issue_pair(fp->ca, fp->dir, node, now, "tls.key", "tls.crt", kek, err,
	    errlen)) != 0 ||
	    (r = issue_console(fp->ca, fp->dir, node, kek, err, errlen)) != 0 ||
	    (r = issue_admin(fp->ca, fp->dir, partner, now, err, errlen)) != 0)
		goto out;
	if ((r = join(path, fp->dir, "data")) != 0 || (r = mkdir_private(path, err, errlen)) != 0 ||
	    (r = join(path, fp->dir, "ca.crt")) != 0 ||
	    (r = hl_pki_cert_sha256(path, fp->pin, err, errlen)) != 0)
		goto out;
	if ((r = gen_password(pw)) != 0 ||
	    (r = hl_pwhash_make(pw, PKI_ADMIN_LN, fp->hash, sizeof(fp->hash))) != 0) {
		set_err_ssl(err, errlen, "cannot make the admin password");
		goto out;
	}
	pw[PKI_ADMIN_PW_LEN] = '\n';
	if ((r = join(path, fp->dir, "admin.password")) != 0)
		goto out;
	r = write_file(path, pw, PKI_ADMIN_PW_LEN + 1, 0600, 1, err, errlen);
out:
	OPENSSL_cleanse(pw, sizeof(pw));
	OPENSSL_cleanse(kek, sizeof(kek));
	return r;
}

static int
check_partners(const char *const *partners, unsigned n, char *err, size_t errlen)
{
	unsigned i, j;

	for (i = 0; i < n; i++) {
		if (partners[i] == NULL || !hl_partner_valid(partners[i])) {
			set_err_ssl(err, errlen, "bad partner code '%s' (2..8 of A-Z 0-9)",
			    partners[i] != NULL ? partners[i] : "");
			return HL_ERR_INVALID;
		}
		for (j = 0; j < i; j++)
			if (strcmp(partners[i], partners[j]) == 0) {
				set_err_ssl(err, errlen, "partner %s listed twice", partners[i]);
				return HL_ERR_INVALID;
			}
	}
	return HL_OK;
}

int
hl_pki_init_federation(const char *dir, const char *const *partners,
    unsigned npartners, unsigned base_port, char *err, size_t errlen)
{
	struct fed_partner *fp = NULL;
	char path[PKI_PATH];
	int64_t now = (int64_t)time(NULL);
	unsigned i;
	int r = HL_ERR_INVALID;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (base_port == 0)
		base_port = PKI_DEFAULT_BASE_PORT;
	if (dir == NULL || partners == NULL || npartners == 0 ||
	    npartners > HL_PEERS_MAX + 1) {
		set_err_ssl(err, errlen, "need 1..%d partners", HL_PEERS_MAX + 1);
		goto out;
	}
	if (base_port + 100 + npartners - 1 > 65535) {
		set_err_ssl(err, errlen, "base port %u too high for %u partners", base_port,
		    npartners);
		goto out;
	}
	if ((r = check_partners(partners, npartners, err, errlen)) != HL_OK)
		goto out;
	if ((fp = hl_calloc(npartners, sizeof(*fp))) == NULL) {
		r = HL_ERR_NOMEM;
		set_err_ssl(err, errlen, "out of memory");
		goto out;
	}
	/* Refuse before touching anything if any partner is already there. */
	for (i = 0; i < npartners; i++)
		if ((r = partner_paths(dir, partners[i], &fp[i], err, errlen)) != 0)
			goto out;
	if ((r = mkdir_private(dir, err, errlen)) != 0 ||
	    (r = join(path, dir, "ca")) != 0 || (r = mkdir_private(path, err, errlen)) != 0 ||
	    (r = join(path, dir, "seal")) != 0 || (r = mkdir_private(path, err, errlen)) != 0)
		goto out;
	for (i = 0; i < npartners; i++)
		if ((r = make_partner(partners[i], &fp[i], now, err, errlen)) != 0)
			goto out;
	for (i = 0; i < npartners; i++) {
		if ((r = join(path, fp[i].dir, "node.conf")) != 0 ||
		    (r = write_node_conf(path, partners, npartners, i, base_port, fp,
		    err, errlen)) != 0)
			goto out;
	}
	r = HL_OK;
out:
	if (r == HL_ERR_TOO_BIG && err != NULL && errlen > 0 && err[0] == '\0')
		set_err_ssl(err, errlen, "%s: path too long", dir != NULL ? dir : "");
	hl_free(fp);
	return r;
}

int
hl_pki_add_partner(const char *dir, const char *const *names, unsigned n, unsigned base,
    const char *partner, char *err, size_t errlen)
{
	char path[PKI_PATH], pinhex[65], sec[512];
	const char *list[HL_PEERS_MAX + 1];
	struct fed_partner *fp = NULL;
	int64_t now = (int64_t)time(NULL);
	unsigned i;
	int r, len;
	FILE *f;

	if (err != NULL && errlen > 0)
		err[0] = '\0';
	if (n == 0 || n >= HL_PEERS_MAX + 1 || base + 100 + n > 65535) {
		set_err_ssl(err, errlen, "no room for another partner in %s", dir);
		return HL_ERR_FULL;
	}
	for (i = 0; i < n; i++)
		list[i] = names[i];
	list[n] = partner;
	if ((r = check_partners(list, n + 1, err, errlen)) != HL_OK)
		return r;
	if ((fp = hl_calloc(n + 1, sizeof(*fp))) == NULL)
		return HL_ERR_NOMEM;
	for (i = 0; i < n; i++) {
		if ((r = join(fp[i].dir, dir, names[i])) != 0 || (r = join(path, fp[i].dir,
		    "ca.crt")) != 0 || (r = hl_pki_cert_sha256(path, fp[i].pin, err, errlen)) != 0)
			goto out;
	}
	if ((r = partner_paths(dir, partner, &fp[n], err, errlen)) != 0 ||
	    (r = make_partner(partner, &fp[n], now, err, errlen)) != 0 ||
	    (r = join(path, fp[n].dir, "node.conf")) != 0 ||
	    (r = write_node_conf(path, list, n + 1, n, base, fp, err, errlen)) != 0)
		goto out;
	/* each existing node gets the new one as a peer (applied at SIGHUP) */
	hl_hex_encode(fp[n].pin, HL_SHA256, pinhex);
	len = snprintf(sec, sizeof(sec), "\n[peer %s/node-1]\naddress = 127.0.0.1:%u\n"
	    "ca = ../%s/ca.crt\nca_sha256 = %s\naccreditation = SECRET\n", partner, base + n,
	    partner, pinhex);
	for (i = 0; i < n; i++) {
		if ((r = join(path, fp[i].dir, "node.conf")) != 0)
			goto out;
		if ((f = fopen(path, "a")) == NULL || fwrite(sec, 1, (size_t)len, f) != (size_t)len ||
		    fclose(f) != 0) {
			set_err_ssl(err, errlen, "%s: cannot add the peer: %s", path, strerror(errno));
			r = HL_ERR_IO;
			goto out;
		}
	}
	r = HL_OK;
out:
	hl_free(fp);
	return r;
}
