/* pwhash.c: operator password hashes with scrypt (OpenSSL EVP_PBE_scrypt).
 *
 * Format: "$scrypt$ln=<log2 N>,r=<r>,p=<p>$<salt b64>$<hash b64>" with a
 * 16-byte salt and a 32-byte hash, standard padded base64. Parsing is strict
 * (exact lengths, canonical base64, no leading zeros, bounded parameters) so
 * a hash string from a config file cannot make us allocate gigabytes. */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "pwhash.h"

#define PW_SALT 16
#define PW_HASH 32
#define PW_SALT_B64 24   /* 4 * ceil(16 / 3) */
#define PW_HASH_B64 44   /* 4 * ceil(32 / 3) */
#define PW_LN_MIN 10
#define PW_LN_MAX 20
#define PW_R_MIN 1
#define PW_R_MAX 32
#define PW_P_MIN 1
#define PW_P_MAX 16
#define PW_R_DEFAULT 8
#define PW_P_DEFAULT 1
/* scrypt needs 128 * r * N bytes (plus 128 * r * p); cap it whatever the
 * individual bounds allow (ln=20, r=32 would be 4 GiB). */
#define PW_MEM_MAX (256ull * 1024 * 1024)
#define PW_PREFIX "$scrypt$"

struct pw_params {
	unsigned ln, r, p;
	uint8_t salt[PW_SALT];
	uint8_t hash[PW_HASH];
};

static int
params_ok(unsigned ln, unsigned r, unsigned p)
{
	unsigned long long mem;

	if (ln < PW_LN_MIN || ln > PW_LN_MAX || r < PW_R_MIN || r > PW_R_MAX ||
	    p < PW_P_MIN || p > PW_P_MAX)
		return 0;
	mem = 128ull * r * ((1ull << ln) + p + 2);
	return mem <= PW_MEM_MAX;
}

/* Strict base64 of exactly n bytes: the text must be exactly what
 * EVP_EncodeBlock produces for the decoded bytes (canonical, padded). */
static int
b64_decode_exact(const char *s, size_t slen, uint8_t *out, size_t n)
{
	uint8_t tmp[64];
	char re[96];
	int dl, el;
	size_t pad;
	int r = HL_ERR_MALFORMED;

	if (slen != 4 * ((n + 2) / 3) || slen > sizeof(re) - 1 ||
	    (slen / 4) * 3 > sizeof(tmp))
		goto out;
	dl = EVP_DecodeBlock(tmp, (const unsigned char *)s, (int)slen);
	if (dl < 0 || (size_t)dl != (slen / 4) * 3)
		goto out;
	pad = (size_t)dl - n;   /* 0, 1 or 2 '=' expected */
	if (pad > 2)
		goto out;
	el = EVP_EncodeBlock((unsigned char *)re, tmp, (int)n);
	if (el < 0 || (size_t)el != slen || memcmp(re, s, slen) != 0)
		goto out;
	memcpy(out, tmp, n);
	r = HL_OK;
out:
	OPENSSL_cleanse(tmp, sizeof(tmp));
	return r;
}

/* "123" up to max, no sign, no leading zero. Advances *sp. */
static int
parse_uint(const char **sp, unsigned max, unsigned *out)
{
	const char *s = *sp;
	unsigned v = 0;
	size_t nd = 0;

	while (*s >= '0' && *s <= '9') {
		if (nd == 0 && *s == '0' && s[1] >= '0' && s[1] <= '9')
			return HL_ERR_MALFORMED;
		v = v * 10 + (unsigned)(*s - '0');
		if (++nd > 3 || v > max)
			return HL_ERR_MALFORMED;
		s++;
	}
	if (nd == 0)
		return HL_ERR_MALFORMED;
	*out = v;
	*sp = s;
	return HL_OK;
}

static int
expect(const char **sp, const char *lit)
{
	size_t n = strlen(lit);

	if (strncmp(*sp, lit, n) != 0)
		return HL_ERR_MALFORMED;
	*sp += n;
	return HL_OK;
}

static int
pw_parse(const char *h, struct pw_params *pp)
{
	const char *s = h, *salt, *hash, *end;

	memset(pp, 0, sizeof(*pp));
	if (h == NULL || strnlen(h, 256) >= 256)
		return HL_ERR_MALFORMED;
	if (expect(&s, PW_PREFIX "ln=") != 0 || parse_uint(&s, 99, &pp->ln) != 0 ||
	    expect(&s, ",r=") != 0 || parse_uint(&s, 999, &pp->r) != 0 ||
	    expect(&s, ",p=") != 0 || parse_uint(&s, 999, &pp->p) != 0 ||
	    expect(&s, "$") != 0)
		return HL_ERR_MALFORMED;
	if (!params_ok(pp->ln, pp->r, pp->p))
		return HL_ERR_MALFORMED;
	salt = s;
	if ((end = strchr(salt, '$')) == NULL)
		return HL_ERR_MALFORMED;
	hash = end + 1;
	if (b64_decode_exact(salt, (size_t)(end - salt), pp->salt, PW_SALT) != 0)
		return HL_ERR_MALFORMED;
	if (strchr(hash, '$') != NULL ||
	    b64_decode_exact(hash, strlen(hash), pp->hash, PW_HASH) != 0)
		return HL_ERR_MALFORMED;
	return HL_OK;
}

static int
pw_derive(const char *password, const uint8_t salt[PW_SALT], unsigned ln,
    unsigned r, unsigned p, uint8_t out[PW_HASH])
{
	if (EVP_PBE_scrypt(password, strlen(password), salt, PW_SALT,
	    (uint64_t)1 << ln, r, p, PW_MEM_MAX + 1024 * 1024, out, PW_HASH) != 1)
		return HL_ERR_CRYPTO;
	return HL_OK;
}

int
hl_pwhash_make(const char *password, unsigned ln, char *out, size_t outlen)
{
	uint8_t salt[PW_SALT], hash[PW_HASH];
	char salt64[PW_SALT_B64 + 1], hash64[PW_HASH_B64 + 1];
	int n, r = HL_ERR_INTERNAL;

	if (out != NULL && outlen > 0)
		out[0] = '\0';
	if (password == NULL || out == NULL || !params_ok(ln, PW_R_DEFAULT, PW_P_DEFAULT)) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if (RAND_bytes(salt, sizeof(salt)) != 1) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	if ((r = pw_derive(password, salt, ln, PW_R_DEFAULT, PW_P_DEFAULT, hash)) != 0)
		goto out;
	if (EVP_EncodeBlock((unsigned char *)salt64, salt, PW_SALT) != PW_SALT_B64 ||
	    EVP_EncodeBlock((unsigned char *)hash64, hash, PW_HASH) != PW_HASH_B64) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	n = snprintf(out, outlen, PW_PREFIX "ln=%u,r=%u,p=%u$%s$%s", ln,
	    (unsigned)PW_R_DEFAULT, (unsigned)PW_P_DEFAULT, salt64, hash64);
	if (n < 0 || (size_t)n >= outlen) {
		out[0] = '\0';
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	r = HL_OK;
out:
	OPENSSL_cleanse(hash, sizeof(hash));
	OPENSSL_cleanse(hash64, sizeof(hash64));
	return r;
}

int
hl_pwhash_valid(const char *hash)
{
	struct pw_params pp;
	int r;

	r = pw_parse(hash, &pp);
	OPENSSL_cleanse(&pp, sizeof(pp));
	return r;
}

int
hl_pwhash_check(const char *password, const char *hash)
{
	struct pw_params pp;
	uint8_t got[PW_HASH];
	int r = HL_ERR_INTERNAL;

	memset(got, 0, sizeof(got));
	if ((r = pw_parse(hash, &pp)) != 0)
		goto out;
	if (password == NULL) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((r = pw_derive(password, pp.salt, pp.ln, pp.r, pp.p, got)) != 0)
		goto out;
	r = CRYPTO_memcmp(got, pp.hash, PW_HASH) == 0 ? HL_OK : HL_ERR_AUTH;
out:
	OPENSSL_cleanse(got, sizeof(got));
	OPENSSL_cleanse(&pp, sizeof(pp));
	return r;
}
