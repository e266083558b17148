/* seal.c: building and opening envelopes (AES-256-GCM content, one key wrap
 * per recipient, Ed25519 signature by the origin), and signing/verifying
 * receipts and node descriptors. Private-key operations go through keys.h. */
#include <stdlib.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "gcm.h"
#include "seal.h"


/* Bytes after the signed part of an encoded envelope or receipt of version. */
static size_t
sig_tail(uint8_t version, const struct hl_hsig *h)
{
	if (version == 1)
		return HL_ED25519_SIG;
	if (version == 2)
		return hl_batch_sig_size(0);
	return hl_batch_sig_size(0) - HL_ED25519_SIG + h->len;
}

/* A version 2 item's signed part, stolen from b into *out: into batch when
 * there is one with room, else signed now as a batch of one. On failure
 * *out is freed. */
static int
sign_v2(struct hl_keys *k, enum hl_sigbatch_kind kind, int suite, struct hl_sigbatch *batch,
    int *result, struct hl_buf *b, size_t signed_len, uint8_t **out, size_t *outlen)
{
	int r;

	b->len = signed_len;
	*out = hl_buf_steal(b, outlen);
	if (batch != NULL && result != NULL &&
	    hl_sigbatch_add(batch, kind, suite, out, outlen, result) == HL_OK)
		return HL_OK;
	if ((r = hl_sigbatch_sign_one(k, kind, suite, out, outlen)) != HL_OK) {
		hl_free(*out);
		*out = NULL;
		*outlen = 0;
	}
	return r;
}

int
hl_seal_envelope(struct hl_keys *k, const struct hl_seal_params *sp,
    const uint8_t *content, size_t content_len, uint8_t id[static HL_ID_BYTES],
    uint8_t **out, size_t *outlen)
{
	struct hl_envelope *e = NULL;
	struct hl_buf wb[HL_RECIPIENTS_MAX], hb, ob;
	uint8_t ck[HL_AES_KEY], dg[64], *ct = NULL;
	size_t signed_len, tail;
	unsigned i;
	int r = HL_ERR_INVALID;

	*out = NULL;
	*outlen = 0;
	memset(id, 0, HL_ID_BYTES);
	for (i = 0; i < HL_RECIPIENTS_MAX; i++)
		hl_buf_init(&wb[i], HL_WRAP_MAX_BYTES);
	hl_buf_init(&hb, HL_ENVELOPE_MAX_BYTES);
	hl_buf_init(&ob, HL_ENVELOPE_MAX_BYTES);
	if (sp->label == NULL || sp->origin == NULL || sp->originator == NULL ||
	    sp->nrecipients < 1 || sp->nrecipients > HL_RECIPIENTS_MAX ||
	    (content == NULL && content_len > 0))
		goto out;
	if (content_len > HL_CONTENT_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if (strlen(sp->origin) > HL_NODE_NAME_MAX || strlen(sp->originator) > HL_OPERATOR_MAX)
		goto out;
	r = HL_ERR_NOMEM;
	if ((e = hl_calloc(1, sizeof(*e))) == NULL ||
	    (ct = hl_malloc(content_len + HL_GCM_TAG)) == NULL)
		goto out;
	r = HL_ERR_CRYPTO;
	if (sp->id != NULL)
		memcpy(e->id, sp->id, HL_ID_BYTES);
	else if (RAND_bytes(e->id, HL_ID_BYTES) != 1)
		goto out;
	if (RAND_bytes(ck, sizeof(ck)) != 1 ||
	    RAND_bytes(e->nonce, HL_GCM_NONCE) != 1)
		goto out;
	e->version = sp->version == HL_ENVELOPE_VERSION_BATCH ||
	    sp->version == HL_ENVELOPE_VERSION_HYBRID ? sp->version : HL_ENVELOPE_VERSION;
	if (e->version == HL_ENVELOPE_VERSION_HYBRID && hl_sig_suite_mldsa(sp->sig_suite) <= 0) {
		r = HL_ERR_INVALID;
		goto out;
	}
	e->bs.count = 1;               /* versions 2, 3: a placeholder block, cut below */
	hl_hsig_placeholder(sp->sig_suite, &e->hsig);
	e->suite = sp->suite;
	e->flags = sp->flags;
	e->precedence = sp->precedence;
	e->content_type = sp->content_type;
	e->created_ms = sp->created_ms;
	e->expires_ms = sp->expires_ms;
	memcpy(e->origin, sp->origin, strlen(sp->origin) + 1);
	memcpy(e->originator, sp->originator, strlen(sp->originator) + 1);
	e->label = *sp->label;
	e->nwraps = sp->nrecipients;
	for (i = 0; i < sp->nrecipients; i++) {
		const struct hl_seal_recipient *rc = &sp->recipients[i];

		if (rc->node == NULL || strlen(rc->node) > HL_NODE_NAME_MAX || rc->pub == NULL) {
			r = HL_ERR_INVALID;
			goto out;
		}
		memcpy(e->wraps[i].node, rc->node, strlen(rc->node) + 1);
		e->wraps[i].kem_epoch = rc->epoch;
		/* a fresh id may reuse the KEM sessions; a re-seal under an old
		 * id never does (the same id under a session's secrets would give
		 * the same KWK for another content key) */
		if ((r = hl_keys_wrap(sp->id == NULL ? k : NULL, sp->suite, rc->pub, rc->publen,
		    e->id, rc->node, ck,
		    &wb[i])) != HL_OK)
			goto out;
		e->wraps[i].data = wb[i].data;
		e->wraps[i].len = wb[i].len;
	}
	/* the header (validated by the encoder) is the AEAD's associated data */
	if ((r = hl_envelope_encode_header(e, &hb)) != HL_OK)
		goto out;
	if ((r = hl_gcm(1, ck, e->nonce, hb.data, hb.len, content, content_len, ct,
	    ct + content_len)) != HL_OK)
		goto out;
	e->ct = ct;
	e->ct_len = content_len + HL_GCM_TAG;
	if ((r = hl_envelope_encode(e, &ob)) != HL_OK)
		goto out;
	tail = sig_tail(e->version, &e->hsig);
	if (ob.len < hb.len + 4 + e->ct_len + tail || memcmp(ob.data, hb.data, hb.len) != 0) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	signed_len = ob.len - tail;
	if (e->version != HL_ENVELOPE_VERSION) {
		/* the signed part only; the batch appends index, path and root
		 * signature */
		if ((r = sign_v2(k, e->version == HL_ENVELOPE_VERSION_HYBRID ?
		    HL_SIGBATCH_ENVELOPE_HYBRID : HL_SIGBATCH_ENVELOPE, sp->sig_suite, sp->batch,
		    sp->batch_result, &ob, signed_len, out, outlen)) == HL_OK)
			memcpy(id, e->id, HL_ID_BYTES);
		goto out;
	}
	/* sign everything before the signature field, then fill it in */
	if ((r = hl_envelope_digest(ob.data, signed_len, dg)) != HL_OK ||
	    (r = hl_keys_sign(k, HL_SIGN_ENVELOPE, dg, ob.data + signed_len)) != HL_OK)
		goto out;
	memcpy(id, e->id, HL_ID_BYTES);
	*out = hl_buf_steal(&ob, outlen);
	r = HL_OK;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	for (i = 0; i < HL_RECIPIENTS_MAX; i++)
		hl_buf_free(&wb[i]);
	hl_buf_free(&hb);
	hl_buf_free(&ob);
	hl_free(ct);
	hl_free(e);
	return r;
}

int
hl_verify_envelope(const struct hl_envelope *e, const uint8_t *raw,
    const uint8_t origin_pub[static HL_ED25519_PUB])
{
	struct hl_signer s;

	hl_signer_classical(&s, origin_pub);
	return hl_verify_envelope_cached(NULL, e, raw, &s);
}

int
hl_verify_envelope_cached(struct hl_sigcache *cache, const struct hl_envelope *e,
    const uint8_t *raw, const struct hl_signer *s)
{
	uint8_t dg[64];
	int r;

	if (e->signed_len == 0 || e->header_len == 0 || e->header_len > e->signed_len)
		return HL_ERR_INVALID;
	if (e->version == HL_ENVELOPE_VERSION_HYBRID)
		return hl_sigbatch_verify(cache, HL_SIGBATCH_ENVELOPE_HYBRID, raw, e->signed_len,
		    &e->bs, e->hsig.p, e->hsig.len, s);
	if (e->version == HL_ENVELOPE_VERSION_BATCH)
		return hl_sigbatch_verify(cache, HL_SIGBATCH_ENVELOPE, raw, e->signed_len, &e->bs,
		    e->sig, HL_ED25519_SIG, s);
	if (!s->allow_classical)
		return HL_ERR_DENIED;
	if ((r = hl_envelope_digest(raw, e->signed_len, dg)) != HL_OK)
		return r;
	return hl_verify_sig(s->ed, HL_SIGN_ENVELOPE, dg, e->sig);
}

int
hl_open_envelope(struct hl_keys *k, const struct hl_envelope *e, const uint8_t *raw,
    const char *my_node, uint8_t **content, size_t *len)
{
	const struct hl_wrap *w = NULL;
	uint8_t ck[HL_AES_KEY], tag[HL_GCM_TAG], *pt = NULL;
	size_t ptlen = 0;
	unsigned i;
	int r = HL_ERR_NOT_FOUND;

	*content = NULL;
	*len = 0;
	memset(ck, 0, sizeof(ck));
	for (i = 0; i < e->nwraps && i < HL_RECIPIENTS_MAX; i++)
		if (strcmp(e->wraps[i].node, my_node) == 0)
			w = &e->wraps[i];
	if (w == NULL)
		goto out;
	r = HL_ERR_DECRYPT;
	if (e->ct == NULL || e->ct_len < HL_GCM_TAG || e->header_len == 0)
		goto out;
	if ((r = hl_keys_unwrap(k, e->suite, w->kem_epoch, e->id, my_node, w->data, w->len,
	    ck)) != HL_OK) {
		if (r != HL_ERR_NOMEM)
			r = HL_ERR_DECRYPT;
		goto out;
	}
	ptlen = e->ct_len - HL_GCM_TAG;
	memcpy(tag, e->ct + ptlen, HL_GCM_TAG);
	if ((pt = hl_malloc(ptlen)) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	if ((r = hl_gcm(0, ck, e->nonce, raw, e->header_len, e->ct, ptlen, pt,
	    tag)) != HL_OK)
		goto out;
	*content = pt;
	*len = ptlen;
	pt = NULL;
	r = HL_OK;
out:
	OPENSSL_cleanse(ck, sizeof(ck));
	hl_free_secret(pt, ptlen);
	return r;
}

int
hl_seal_receipt(struct hl_keys *k, struct hl_receipt *r, uint8_t **out, size_t *outlen)
{
	return hl_seal_receipt_batch(k, r, NULL, NULL, out, outlen);
}

int
hl_seal_receipt_batch(struct hl_keys *k, struct hl_receipt *r, struct hl_sigbatch *batch,
    int *result, uint8_t **out, size_t *outlen)
{
	struct hl_buf b;
	uint8_t dg[64];
	size_t signed_len, tail;
	int rc, suite;

	*out = NULL;
	*outlen = 0;
	hl_buf_init(&b, HL_RECEIPT_MAX_BYTES);
	memset(r->sig, 0, sizeof(r->sig));
	memset(&r->bs, 0, sizeof(r->bs));
	r->bs.count = 1;               /* versions 2, 3: a placeholder block, cut below */
	suite = r->hsig.suite;
	if (r->version == HL_RECEIPT_VERSION_HYBRID && hl_sig_suite_mldsa(suite) <= 0) {
		rc = HL_ERR_INVALID;
		goto out;
	}
	hl_hsig_placeholder(suite, &r->hsig);
	if ((rc = hl_receipt_encode(r, &b)) != HL_OK)
		goto out;
	tail = sig_tail(r->version, &r->hsig);
	if (b.len < tail) {
		rc = HL_ERR_INTERNAL;
		goto out;
	}
	signed_len = b.len - tail;
	r->signed_len = signed_len;
	if (r->version != HL_RECEIPT_VERSION) {
		rc = sign_v2(k, r->version == HL_RECEIPT_VERSION_HYBRID ? HL_SIGBATCH_RECEIPT_HYBRID :
		    HL_SIGBATCH_RECEIPT, suite, batch, result, &b, signed_len, out, outlen);
		goto out;
	}
	if ((rc = hl_receipt_digest(b.data, signed_len, dg)) != HL_OK ||
	    (rc = hl_keys_sign(k, HL_SIGN_RECEIPT, dg, r->sig)) != HL_OK)
		goto out;
	memcpy(b.data + signed_len, r->sig, HL_ED25519_SIG);
	*out = hl_buf_steal(&b, outlen);
	rc = HL_OK;
out:
	hl_buf_free(&b);
	return rc;
}

int
hl_verify_receipt(const struct hl_receipt *r, const uint8_t *raw,
    const uint8_t pub[static HL_ED25519_PUB])
{
	struct hl_signer s;

	hl_signer_classical(&s, pub);
	return hl_verify_receipt_cached(NULL, r, raw, &s);
}

int
hl_verify_receipt_cached(struct hl_sigcache *cache, const struct hl_receipt *r,
    const uint8_t *raw, const struct hl_signer *s)
{
	uint8_t dg[64];
	int rc;

	if (r->signed_len == 0)
		return HL_ERR_INVALID;
	if (r->version == HL_RECEIPT_VERSION_HYBRID)
		return hl_sigbatch_verify(cache, HL_SIGBATCH_RECEIPT_HYBRID, raw, r->signed_len,
		    &r->bs, r->hsig.p, r->hsig.len, s);
	if (r->version == HL_RECEIPT_VERSION_BATCH)
		return hl_sigbatch_verify(cache, HL_SIGBATCH_RECEIPT, raw, r->signed_len, &r->bs,
		    r->sig, HL_ED25519_SIG, s);
	if (!s->allow_classical)
		return HL_ERR_DENIED;
	if ((rc = hl_receipt_digest(raw, r->signed_len, dg)) != HL_OK)
		return rc;
	return hl_verify_sig(s->ed, HL_SIGN_RECEIPT, dg, r->sig);
}

int
hl_seal_descriptor(struct hl_keys *k, const char *node, const uint8_t *cert_der,
    size_t cert_len, uint64_t now_ms, uint64_t validity_ms, int sig_suite, const uint8_t *prev_pk,
    size_t prev_len, uint8_t **out, size_t *outlen)
{
	struct hl_descriptor d;
	struct hl_buf b;
	uint8_t dg[64], suite, *pk = NULL, sig[HL_HYBSIG_MAX_BYTES];
	uint32_t epoch;
	size_t signed_len, pkl = 0, tail, sl = 0;
	int r, param = hl_sig_suite_mldsa(sig_suite);

	*out = NULL;
	*outlen = 0;
	hl_buf_init(&b, HL_DESCRIPTOR_MAX_BYTES);
	memset(&d, 0, sizeof(d));
	if (strlen(node) > HL_NODE_NAME_MAX || validity_ms > UINT64_MAX - now_ms || param < 0) {
		r = HL_ERR_INVALID;
		goto out;
	}
	d.version = param > 0 ? HL_DESCRIPTOR_VERSION_HYBRID : HL_DESCRIPTOR_VERSION;
	if (param > 0) {
		if ((pk = hl_malloc(HL_MLDSA_MAX_PK_BYTES)) == NULL) {
			r = HL_ERR_NOMEM;
			goto out;
		}
		if ((r = hl_keys_mldsa_pub(k, param, pk, HL_MLDSA_MAX_PK_BYTES, &pkl)) != HL_OK)
			goto out;
		d.sig_suite = (uint8_t)sig_suite;
		d.mldsa_pk[0] = pk;
		d.mldsa_pk_len[0] = pkl;
		d.npk = 1;
		if (prev_pk != NULL && prev_len == pkl && memcmp(prev_pk, pk, pkl) != 0) {
			d.mldsa_pk[1] = prev_pk;
			d.mldsa_pk_len[1] = prev_len;
			d.npk = 2;
		}
		hl_hsig_placeholder(sig_suite, &d.hsig);
	}
	memcpy(d.node, node, strlen(node) + 1);
	d.not_before_ms = now_ms;
	d.not_after_ms = now_ms + validity_ms;
	d.cert = cert_der;
	d.cert_len = cert_len;
	/* every suite we hold a key for; the descriptor epoch is the newest */
	for (suite = HL_SUITE_X25519; suite <= HL_SUITE_X25519_MLKEM1024; suite++) {
		struct hl_desc_key *dk = &d.keys[d.nkeys];

		if (d.nkeys >= HL_DESC_KEYS_MAX)
			break;
		r = hl_keys_kem_current(k, suite, &epoch, &dk->pub, &dk->len);
		if (r == HL_ERR_VERSION || r == HL_ERR_NOT_FOUND)
			continue;
		if (r != HL_OK)
			goto out;
		dk->suite = suite;
		if (epoch > d.epoch)
			d.epoch = epoch;
		d.nkeys++;
	}
	if ((r = hl_descriptor_encode(&d, &b)) != HL_OK)
		goto out;
	tail = param > 0 ? d.hsig.len : HL_ED25519_SIG;
	if (b.len < tail) {
		r = HL_ERR_INTERNAL;
		goto out;
	}
	signed_len = b.len - tail;
	if ((r = hl_descriptor_digest(b.data, signed_len, dg)) != HL_OK)
		goto out;
	if (param == 0)
		r = hl_keys_sign(k, HL_SIGN_DESCRIPTOR, dg, b.data + signed_len);
	else if ((r = hl_keys_hybsign(k, sig_suite, HL_SIGN_DESCRIPTOR, dg, sig, sizeof(sig),
	    &sl)) == HL_OK && sl != tail)
		r = HL_ERR_INTERNAL;
	if (r != HL_OK)
		goto out;
	if (param > 0)
		memcpy(b.data + signed_len, sig, sl);
	*out = hl_buf_steal(&b, outlen);
	r = HL_OK;
out:
	hl_free(pk);
	hl_buf_free(&b);
	return r;
}

int
hl_verify_descriptor(const struct hl_descriptor *d, const uint8_t *raw, uint64_t now_ms,
    struct hl_signer *s)
{
	X509 *x = NULL;
	EVP_PKEY *pk;
	const unsigned char *cp = d->cert;
	uint8_t key[HL_ED25519_PUB], dg[64];
	size_t kl = HL_ED25519_PUB;
	unsigned i;
	int r = HL_ERR_BAD_SIGNATURE;

	memset(s, 0, sizeof(*s));
	if (d->cert == NULL || d->cert_len == 0 || d->cert_len > HL_CERT_MAX_BYTES ||
	    d->signed_len == 0) {
		r = HL_ERR_INVALID;
		goto out;
	}
	if ((x = d2i_X509(NULL, &cp, (long)d->cert_len)) == NULL ||
	    cp != d->cert + d->cert_len ||
	    (pk = X509_get0_pubkey(x)) == NULL || EVP_PKEY_get_id(pk) != EVP_PKEY_ED25519 ||
	    EVP_PKEY_get_raw_public_key(pk, key, &kl) != 1 || kl != HL_ED25519_PUB) {
		r = HL_ERR_MALFORMED;
		goto out;
	}
	memcpy(s->ed, key, HL_ED25519_PUB);
	if (d->version == HL_DESCRIPTOR_VERSION_HYBRID) {
		s->suite = d->sig_suite;
		for (i = 0; i < d->npk && i < HL_SIGNER_MLDSA_KEYS; i++) {
			if (d->mldsa_pk_len[i] > sizeof(s->pk[i])) {
				r = HL_ERR_MALFORMED;
				goto out;
			}
			memcpy(s->pk[i], d->mldsa_pk[i], d->mldsa_pk_len[i]);
			s->pk_len[i] = d->mldsa_pk_len[i];
		}
		s->npk = i;
	}
	if ((r = hl_descriptor_digest(raw, d->signed_len, dg)) != HL_OK)
		goto out;
	/* version 2: the hybrid signature must verify under the current key
	 * (the first): a previous key may not sign for its successor */
	if (d->version == HL_DESCRIPTOR_VERSION_HYBRID) {
		struct hl_signer cur = *s;

		cur.npk = 1;
		r = hl_signer_verify(&cur, HL_SIGN_DESCRIPTOR, dg, d->hsig.p, d->hsig.len);
	} else {
		r = hl_verify_sig(key, HL_SIGN_DESCRIPTOR, dg, d->sig);
	}
	if (r != HL_OK)
		goto out;
	if (now_ms < d->not_before_ms || now_ms > d->not_after_ms) {
		r = HL_ERR_EXPIRED;
		goto out;
	}
	r = HL_OK;
out:
	if (r != HL_OK) {
		ERR_clear_error();
		memset(s, 0, sizeof(*s));
	}
	X509_free(x);
	return r;
}
