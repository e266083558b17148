/* apitoken.c: the API's session tokens (see apitoken.h). */
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "apitoken.h"
#include "buf.h"

static int
token_hash(const uint8_t tok[static HL_APITOKEN_BYTES], uint8_t out[32])
{
	unsigned int ol = 0;

	return EVP_Digest(tok, HL_APITOKEN_BYTES, out, &ol, EVP_sha256(), NULL) == 1 && ol == 32 ?
	    HL_OK : HL_ERR_CRYPTO;
}

static int
expired(const struct hl_apitoken *t, uint64_t now)
{
	return now - t->created_ms >= HL_APITOKEN_LIFE_MS || now - t->last_ms >= HL_APITOKEN_IDLE_MS;
}

void
hl_apitoken_end(struct hl_apitoken *t)
{
	if (t != NULL)
		OPENSSL_cleanse(t, sizeof(*t));
}

/* A free slot, an expired one, else the one idle longest. */
static struct hl_apitoken *
slot_for_new(struct hl_apitokens *ts, uint64_t now)
{
	struct hl_apitoken *s = NULL;
	size_t i;

	for (i = 0; i < HL_APITOKENS_MAX; i++) {
		struct hl_apitoken *t = &ts->t[i];

		if (!t->used || expired(t, now))
			return t;
		if (s == NULL || t->last_ms < s->last_ms)
			s = t;
	}
	return s;
}

int
hl_apitoken_issue(struct hl_apitokens *ts, const char *name, uint64_t now,
    char hex[static HL_APITOKEN_HEX + 1], char evicted[static HL_OPERATOR_MAX + 1])
{
	uint8_t tok[HL_APITOKEN_BYTES], h[32];
	struct hl_apitoken *s;
	int r = HL_ERR_CRYPTO;

	hex[0] = '\0';
	evicted[0] = '\0';
	if (name == NULL || name[0] == '\0' || strlen(name) > HL_OPERATOR_MAX)
		return HL_ERR_INVALID;
	if (RAND_bytes(tok, sizeof(tok)) != 1 || token_hash(tok, h) != HL_OK)
		goto out;
	s = slot_for_new(ts, now);
	if (s->used && !expired(s, now))
		memcpy(evicted, s->name, sizeof(s->name));
	hl_apitoken_end(s);
	s->used = 1;
	memcpy(s->hash, h, sizeof(h));
	memcpy(s->name, name, strlen(name) + 1);
	s->created_ms = s->last_ms = now;
	hl_hex_encode(tok, sizeof(tok), hex);
	r = HL_OK;
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(h, sizeof(h));
	return r;
}

int
hl_apitoken_check(struct hl_apitokens *ts, const char *hex, size_t len, uint64_t now,
    struct hl_apitoken **out)
{
	uint8_t tok[HL_APITOKEN_BYTES], h[32];
	struct hl_apitoken *found = NULL;
	size_t i;
	int r = HL_ERR_NOT_FOUND;

	*out = NULL;
	if (len != HL_APITOKEN_HEX ||
	    hl_hex_decode(hex, len, tok, sizeof(tok), HL_HEX_LOWER) != HL_OK ||
	    token_hash(tok, h) != HL_OK)
		goto out;
	/* every slot, in constant time per slot */
	for (i = 0; i < HL_APITOKENS_MAX; i++)
		if (ts->t[i].used && CRYPTO_memcmp(ts->t[i].hash, h, sizeof(h)) == 0)
			found = &ts->t[i];
	if (found == NULL)
		goto out;
	*out = found;
	if (expired(found, now)) {
		r = HL_ERR_EXPIRED;
		goto out;
	}
	found->last_ms = now;
	r = HL_OK;
out:
	OPENSSL_cleanse(tok, sizeof(tok));
	OPENSSL_cleanse(h, sizeof(h));
	return r;
}
