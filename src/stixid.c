/* stixid.c: UUIDs for STIX and TAXII ids (stixid.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>

#include "buf.h"
#include "stixid.h"

int
hl_stixid_random(char out[static HL_STIXID_UUID_LEN + 1])
{
	uint8_t u[16];

	if (RAND_bytes(u, sizeof(u)) != 1)
		return HL_ERR_CRYPTO;
	u[6] = (uint8_t)((u[6] & 0x0f) | 0x40);
	u[8] = (uint8_t)((u[8] & 0x3f) | 0x80);
	hl_hex_uuid(u, out);
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
	hl_hex_uuid(h, out);
}

int
hl_stixid_v5(const uint8_t ns[static 16], const char *name, size_t len,
    char out[static HL_STIXID_UUID_LEN + 1])
{
	EVP_MD_CTX *md = NULL;
	uint8_t h[EVP_MAX_MD_SIZE];
	unsigned hl = 0;
	int r = HL_ERR_CRYPTO;

	out[0] = '\0';
	if ((md = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestInit_ex(md, EVP_sha1(), NULL) != 1 ||
	    EVP_DigestUpdate(md, ns, 16) != 1 ||
	    EVP_DigestUpdate(md, name, len) != 1 ||
	    EVP_DigestFinal_ex(md, h, &hl) != 1 || hl < 16)
		goto out;
	h[6] = (uint8_t)((h[6] & 0x0f) | 0x50);
	h[8] = (uint8_t)((h[8] & 0x3f) | 0x80);
	hl_hex_uuid(h, out);
	r = HL_OK;
out:
	EVP_MD_CTX_free(md);
	return r;
}

void
hl_stixid_collection(const char *name, char out[static HL_STIXID_UUID_LEN + 1])
{
	hl_stixid_named("hotline-collection:", name, out);
}

void
hl_stixid_identity(const char *node, char out[static 64])
{
	char u[HL_STIXID_UUID_LEN + 1];

	hl_stixid_named("hotline-identity:", node, u);
	(void)snprintf(out, 64, "identity--%s", u);
}
