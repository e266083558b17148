/* totp.c: RFC 6238 one-time passwords and RFC 4648 base32 (see totp.h).
 * HMAC-SHA1 through OpenSSL's EVP_Q_mac; every buffer that held key
 * material or a code is wiped with OPENSSL_cleanse before return. */
#include <stdio.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>

#include "totp.h"

#define TOTP_DIGITS_MIN 6
#define TOTP_DIGITS_MAX 8
#define TOTP_SHA1_BYTES 20

static const char b32_alphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

static const uint32_t totp_mod[TOTP_DIGITS_MAX + 1] = {
	1, 10, 100, 1000, 10000, 100000, 1000000, 10000000, 100000000
};

int
hl_totp_code(const uint8_t *key, size_t keylen, uint64_t step, unsigned digits, char *out)
{
	uint8_t msg[8], mac[TOTP_SHA1_BYTES];
	size_t i, maclen = 0;
	uint32_t bin;
	unsigned off;
	int r = HL_ERR_CRYPTO;

	out[0] = '\0';
	if (keylen == 0 || keylen > HL_TOTP_KEY_MAX || digits < TOTP_DIGITS_MIN ||
	    digits > TOTP_DIGITS_MAX)
		return HL_ERR_INVALID;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)(step >> (8 * (sizeof(msg) - 1 - i)));
	if (EVP_Q_mac(NULL, "HMAC", NULL, "SHA1", NULL, key, keylen, msg, sizeof(msg), mac,
	    sizeof(mac), &maclen) == NULL || maclen != sizeof(mac))
		goto out;
	/* RFC 4226 section 5.3: dynamic truncation */
	off = mac[TOTP_SHA1_BYTES - 1] & 0x0fu;
	bin = ((uint32_t)(mac[off] & 0x7fu) << 24) | ((uint32_t)mac[off + 1] << 16) |
	    ((uint32_t)mac[off + 2] << 8) | (uint32_t)mac[off + 3];
	(void)snprintf(out, digits + 1, "%0*u", (int)digits, (unsigned)(bin % totp_mod[digits]));
	r = HL_OK;
out:
	OPENSSL_cleanse(mac, sizeof(mac));
	return r;
}

/* A code as given: exactly HL_TOTP_DIGITS decimal digits. */
static int
code_shape_ok(const char *code)
{
	return code != NULL && strlen(code) == HL_TOTP_DIGITS &&
	    strspn(code, "0123456789") == HL_TOTP_DIGITS;
}

int
hl_totp_verify(const uint8_t *key, size_t keylen, const char *code, uint64_t now_s,
    uint64_t last_step, uint64_t *step)
{
	char want[HL_TOTP_DIGITS + 1];
	uint64_t t = now_s / HL_TOTP_STEP_S, s, first, found = 0;
	int r = HL_ERR_AUTH, have = 0, replay = 0;

	*step = 0;
	if (!code_shape_ok(code))
		return HL_ERR_AUTH;
	first = t >= HL_TOTP_DRIFT ? t - HL_TOTP_DRIFT : 0;
	for (s = first; s <= t + HL_TOTP_DRIFT; s++) {
		if ((r = hl_totp_code(key, keylen, s, HL_TOTP_DIGITS, want)) != HL_OK)
			goto out;
		if (CRYPTO_memcmp(want, code, HL_TOTP_DIGITS) != 0)
			continue;
		if (s > last_step) {
			found = s;       /* the latest matching step is the one recorded */
			have = 1;
		} else {
			replay = 1;
		}
	}
	r = have ? HL_OK : replay ? HL_ERR_EXISTS : HL_ERR_AUTH;
	if (r == HL_OK)
		*step = found;
out:
	OPENSSL_cleanse(want, sizeof(want));
	return r;
}

int
hl_totp_b32_encode(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0, need = (n * 8 + 4) / 5;

	if (outlen == 0 || need > outlen - 1) {
		if (outlen > 0)
			out[0] = '\0';
		return HL_ERR_TOO_BIG;
	}
	for (i = 0; i < n; i++) {
		acc = (acc << 8) | p[i];
		bits += 8;
		while (bits >= 5) {
			bits -= 5;
			out[o++] = b32_alphabet[(acc >> bits) & 31u];
		}
		acc &= (1u << bits) - 1u;
	}
	if (bits > 0)
		out[o++] = b32_alphabet[(acc << (5 - bits)) & 31u];
	out[o] = '\0';
	return HL_OK;
}

/* 0..31 for a base32 digit of either case, -1 for anything else, without
 * a branch or a table look-up on c (the digits of a secret); >> of a
 * negative int is arithmetic on every compiler we build with. */
static int
b32_value(unsigned char c)
{
	int x = c, u = c & 0xdf, v = -1;

	v += (((0x40 - u) & (u - 0x5b)) >> 8) & (u - 0x40);     /* A-Z a-z: 0..25 */
	v += (((0x31 - x) & (x - 0x38)) >> 8) & (x - 0x17);     /* 2-7: 26..31 */
	return v;
}

int
hl_totp_b32_decode(const char *s, size_t len, uint8_t *out, size_t cap, size_t *n)
{
	uint32_t acc = 0;
	unsigned bits = 0;
	size_t i, o = 0, rem;
	int v, bad = 0;

	*n = 0;
	while (len > 0 && s[len - 1] == '=')
		len--;
	if (len > HL_TOTP_B32_MAX || len * 5 / 8 > cap)
		return HL_ERR_TOO_BIG;
	rem = len % 8;   /* 1, 3 and 6 digits end no whole byte */
	if (len == 0 || rem == 1 || rem == 3 || rem == 6)
		return HL_ERR_MALFORMED;
	for (i = 0; i < len; i++) {
		v = b32_value((unsigned char)s[i]);
		bad |= v >> 8;   /* -1 for a non-digit */
		acc = (acc << 5) | ((unsigned)v & 31u);
		bits += 5;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (uint8_t)(acc >> bits);
			acc &= (1u << bits) - 1u;
		}
	}
	bad |= (int)acc;   /* the unused low bits of the last digit */
	if (bad != 0) {
		OPENSSL_cleanse(out, cap);
		return HL_ERR_MALFORMED;
	}
	*n = o;
	return HL_OK;
}
