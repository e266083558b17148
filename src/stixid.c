/* stixid.c: UUIDs for STIX and TAXII ids (stixid.h). */
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "stixid.h"

static void
uuid_format(const uint8_t u[16], char out[static HL_STIXID_UUID_LEN + 1])
{
	static const char hx[] = "0123456789abcdef";
	size_t i, o = 0;

	for (i = 0; i < 16; i++) {
		if (i == 4 || i == 6 || i == 8 || i == 10)
			out[o++] = '-';
		out[o++] = hx[u[i] >> 4];
		out[o++] = hx[u[i] & 15];
	}
	out[o] = '\0';
}

int
hl_stixid_random(char out[static HL_STIXID_UUID_LEN + 1])
{
	uint8_t u[16];

	if (RAND_bytes(u, sizeof(u)) != 1)
		return HL_ERR_CRYPTO;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	uuid_format(u, out);
	return HL_OK;
}

void
hl_stixid_named(const char *prefix, const char *name, char out[static HL_STIXID_UUID_LEN + 1])
{
	uint8_t h[32];
	unsigned int hl = 0;
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	memset(h, 0, sizeof(h));
	if (c != NULL && EVP_DigestInit_ex(c, EVP_sha256(), NULL) == 1 &&
	    EVP_DigestUpdate(c, prefix, strlen(prefix)) == 1 &&
	    EVP_DigestUpdate(c, name, strlen(name)) == 1)
		(void)EVP_DigestFinal_ex(c, h, &hl);
	EVP_MD_CTX_free(c);
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x80);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	uuid_format(h, out);
}

void
hl_stixid_collection(const char *name, char out[static HL_STIXID_UUID_LEN + 1])
{
	hl_stixid_named("hotline-collection:", name, out);
}
