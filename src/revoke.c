/* revoke.c: revocation notices (revoke.h). */
#include <string.h>

#include <openssl/err.h>

#include "label.h"
#include "revoke.h"

#define REVOKE_VERSION 1
#define REVOKE_CTX "hotline revocation v1"

/* The bytes the signature covers. */
static void
put_signed(const struct hl_revocation *r, struct hl_buf *b)
{
	hl_buf_put(b, HL_REVOKE_MAGIC, 8);
	hl_buf_u8(b, REVOKE_VERSION);
	hl_buf_str8(b, r->partner);
	hl_buf_str8(b, r->node);
	hl_buf_put(b, r->cert_sha256, sizeof(r->cert_sha256));
	hl_buf_u64(b, r->time_ms);
	hl_buf_str8(b, r->reason);
}

/* "hotline revocation v1" | 0 | signed bytes: what the CA signs. */
static int
message(const uint8_t *p, size_t n, struct hl_buf *m)
{
	hl_buf_init(m, sizeof(REVOKE_CTX) + HL_REVOKE_MAX_BYTES);
	hl_buf_put(m, REVOKE_CTX, sizeof(REVOKE_CTX));   /* with its NUL */
	hl_buf_put(m, p, n);
	return hl_buf_error(m);
}

int
hl_revocation_decode(const uint8_t *p, size_t len, struct hl_revocation *out)
{
	struct hl_rd rd;
	char partner[HL_PARTNER_MAX + 1];
	uint8_t v;
	int r;

	memset(out, 0, sizeof(*out));
	if (len > HL_REVOKE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if (len < 8 + 1 || memcmp(p, HL_REVOKE_MAGIC, 8) != 0)
		return HL_ERR_MALFORMED;
	hl_rd_init(&rd, p + 8, len - 8);
	if ((r = hl_rd_u8(&rd, &v)) != HL_OK)
		return r;
	if (v != REVOKE_VERSION)
		return HL_ERR_VERSION;
	if ((r = hl_rd_str8(&rd, out->partner, HL_PARTNER_MAX)) != HL_OK ||
	    (r = hl_rd_str8(&rd, out->node, HL_NODE_NAME_MAX)) != HL_OK ||
	    (r = hl_rd_copy(&rd, out->cert_sha256, sizeof(out->cert_sha256))) != HL_OK ||
	    (r = hl_rd_u64(&rd, &out->time_ms)) != HL_OK ||
	    (r = hl_rd_str8(&rd, out->reason, HL_REVOKE_REASON_MAX)) != HL_OK)
		return r == HL_ERR_TOO_BIG ? HL_ERR_MALFORMED : r;
	out->signed_len = len - hl_rd_left(&rd);
	if ((r = hl_rd_copy(&rd, out->sig, sizeof(out->sig))) != HL_OK ||
	    (r = hl_rd_end(&rd)) != HL_OK)
		return HL_ERR_MALFORMED;
	if (!hl_partner_valid(out->partner) || !hl_label_node_name_valid(out->node, partner) ||
	    strcmp(partner, out->partner) != 0)
		return HL_ERR_MALFORMED;
	return HL_OK;
}

int
hl_revocation_sign(struct hl_revocation *r, EVP_PKEY *ca_key, struct hl_buf *out)
{
	EVP_MD_CTX *c = NULL;
	struct hl_buf m;
	size_t sl = sizeof(r->sig);
	int rc = HL_ERR_CRYPTO;

	hl_buf_init(&m, 0);
	if (strlen(r->reason) > HL_REVOKE_REASON_MAX)
		return HL_ERR_INVALID;
	hl_buf_init(out, HL_REVOKE_MAX_BYTES);
	put_signed(r, out);
	if (hl_buf_error(out) != HL_OK) {
		rc = HL_ERR_INVALID;
		goto out;
	}
	hl_buf_free(&m);
	if (message(out->data, out->len, &m) != HL_OK) {
		rc = HL_ERR_INVALID;
		goto out;
	}
	if ((c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestSignInit(c, NULL, NULL, NULL, ca_key) != 1 ||
	    EVP_DigestSign(c, r->sig, &sl, m.data, m.len) != 1 || sl != sizeof(r->sig))
		goto out;
	r->signed_len = out->len;
	hl_buf_put(out, r->sig, sizeof(r->sig));
	rc = hl_buf_error(out);
out:
	if (rc != HL_OK) {
		ERR_clear_error();
		hl_buf_free(out);
	}
	hl_buf_free(&m);
	EVP_MD_CTX_free(c);
	return rc;
}

int
hl_revocation_verify(const struct hl_revocation *r, const uint8_t *p, size_t len, X509 *ca)
{
	EVP_MD_CTX *c = NULL;
	EVP_PKEY *pub;
	struct hl_buf m;
	int rc = HL_ERR_BAD_SIGNATURE;

	if (ca == NULL || r->signed_len == 0 || r->signed_len + HL_REVOKE_SIG != len)
		return HL_ERR_BAD_SIGNATURE;
	if (message(p, r->signed_len, &m) != HL_OK)
		goto out;
	if ((pub = X509_get0_pubkey(ca)) == NULL || EVP_PKEY_get_id(pub) != EVP_PKEY_ED25519 ||
	    (c = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(c, NULL, NULL, NULL, pub) != 1 ||
	    EVP_DigestVerify(c, r->sig, sizeof(r->sig), m.data, m.len) != 1)
		goto out;
	rc = HL_OK;
out:
	ERR_clear_error();
	hl_buf_free(&m);
	EVP_MD_CTX_free(c);
	return rc;
}
