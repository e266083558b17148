/* envelope.c: envelope, receipt, node descriptor and link frame codecs, the
 * name tables, and the domain-separated digests that get signed. Layouts are
 * in docs/PROTOCOL.md. Decoders borrow from their input and never allocate. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <openssl/evp.h>

#include "envelope.h"
#include "hybsig.h"

static const uint8_t env_magic[4] = { 'H', 'L', 'E', 'N' };
static const uint8_t rcpt_magic[4] = { 'H', 'L', 'R', 'C' };
static const uint8_t desc_magic[4] = { 'H', 'L', 'D', 'S' };


/* ---- names ---- */

static const char *const prec_names[] = { "FLASH", "IMMEDIATE", "PRIORITY", "ROUTINE" };
static const char *const ct_names[] = { "?", "text", "stix", "track", "file" };
static const char *const suite_names[] = { "?", "x25519", "x25519-mlkem768", "x25519-mlkem1024" };
static const char *const kind_names[] = { "?", "delivered", "acknowledged", "rejected" };
static const char *const reason_names[] = {
	"none", "not-releasable", "accreditation", "bad-signature", "expired",
	"unknown-origin", "malformed", "decrypt", "not-recipient", "storage", "policy",
};

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

const char *
hl_precedence_name(uint8_t prec)
{
	return prec < NELEM(prec_names) ? prec_names[prec] : "?";
}

int
hl_precedence_parse(const char *s, uint8_t *out)
{
	unsigned i;

	*out = HL_PREC_ROUTINE;
	for (i = 0; i < NELEM(prec_names); i++) {
		if (strcasecmp(s, prec_names[i]) == 0) {
			*out = (uint8_t)i;
			return HL_OK;
		}
	}
	return HL_ERR_INVALID;
}

const char *
hl_content_type_name(uint8_t ct)
{
	return ct >= HL_CT_TEXT && ct < NELEM(ct_names) ? ct_names[ct] : "?";
}

const char *
hl_suite_name(uint8_t suite)
{
	return suite >= HL_SUITE_X25519 && suite < NELEM(suite_names) ? suite_names[suite] : "?";
}

int
hl_suite_parse(const char *s, uint8_t *out)
{
	unsigned i;

	*out = 0;
	for (i = HL_SUITE_X25519; i < NELEM(suite_names); i++) {
		if (strcasecmp(s, suite_names[i]) == 0) {
			*out = (uint8_t)i;
			return HL_OK;
		}
	}
	return HL_ERR_INVALID;
}

const char *
hl_receipt_kind_name(uint8_t kind)
{
	return kind >= HL_RECEIPT_DELIVERED && kind < NELEM(kind_names) ? kind_names[kind] : "?";
}

const char *
hl_reason_name(uint8_t reason)
{
	return reason < NELEM(reason_names) ? reason_names[reason] : "unknown";
}

/* ---- shared checks ---- */

static int
suite_known(uint8_t s)
{
	return s >= HL_SUITE_X25519 && s <= HL_SUITE_X25519_MLKEM1024;
}

/* Public KEM key length per suite: X25519, or X25519 || ML-KEM encapsulation key. */
static size_t
suite_pub_len(uint8_t s)
{
	switch (s) {
	case HL_SUITE_X25519:
		return HL_X25519_KEY;
	case HL_SUITE_X25519_MLKEM768:
		return HL_X25519_KEY + 1184;
	case HL_SUITE_X25519_MLKEM1024:
		return HL_X25519_KEY + 1568;
	default:
		return 0;
	}
}

/* Free text (operator names, reasons): printable, no control characters. */
static int
text_ok(const char *s)
{
	for (; *s != '\0'; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s == 0x7f)
			return 0;
	return 1;
}

static int
bounded_len(const char *s, size_t max)
{
	return memchr(s, '\0', max + 1) != NULL;
}

static int
node_ok(const char *s)
{
	return bounded_len(s, HL_NODE_NAME_MAX) && hl_label_node_name_valid(s, NULL);
}

/* md(prefix || domain || 0 || p[0, len)), prefix only when leaf (RFC 9162's
 * 0x00 leaf prefix, so that a batch leaf is never an interior node). */
static int
domain_hash(const EVP_MD *md, int leaf, const char *domain, const uint8_t *p, size_t len,
    uint8_t *out, unsigned int outlen)
{
	static const uint8_t zero = 0;
	EVP_MD_CTX *ctx = NULL;
	unsigned int olen = 0;
	int r = HL_ERR_CRYPTO;

	if ((ctx = EVP_MD_CTX_new()) == NULL)
		goto out;
	if (EVP_DigestInit_ex(ctx, md, NULL) != 1 ||
	    (leaf && EVP_DigestUpdate(ctx, &zero, 1) != 1) ||
	    EVP_DigestUpdate(ctx, domain, strlen(domain) + 1) != 1 ||
	    (len > 0 && EVP_DigestUpdate(ctx, p, len) != 1) ||
	    EVP_DigestFinal_ex(ctx, out, &olen) != 1 || olen != outlen)
		goto out;
	r = HL_OK;
out:
	EVP_MD_CTX_free(ctx);
	return r;
}

static int
digest(const char *domain, const uint8_t *p, size_t len, uint8_t out[64])
{
	return domain_hash(EVP_sha512(), 0, domain, p, len, out, 64);
}

/* SHA-256(0x00 || domain || 0 || p[0, len)): a batch leaf */
static int
leaf_hash(const char *domain, const uint8_t *p, size_t len, uint8_t out[HL_SHA256])
{
	return domain_hash(EVP_sha256(), 1, domain, p, len, out, HL_SHA256);
}

/* ---- batch signature blocks (version 2 envelopes and receipts) ---- */

unsigned
hl_batch_path_len(unsigned index, unsigned count)
{
	unsigned k, len = 0;

	/* RFC 9162 2.1.3.1: split at the largest power of two below count */
	while (count > 1) {
		for (k = 1; k * 2 < count; k *= 2)
			;
		if (index < k) {
			count = k;
		} else {
			index -= k;
			count -= k;
		}
		len++;
	}
	return len;
}

size_t
hl_batch_sig_size(unsigned npath)
{
	return 2 + 2 + 1 + (size_t)npath * HL_SHA256 + HL_ED25519_SIG;
}

int
hl_batch_sig_valid(const struct hl_batch_sig *bs)
{
	return bs->count >= 1 && bs->count <= HL_SIGBATCH_MAX && bs->index < bs->count &&
	    bs->npath <= HL_SIGBATCH_DEPTH_MAX && bs->npath == hl_batch_path_len(bs->index, bs->count);
}

/* The last field of an envelope or receipt: the batch block of versions 2
 * and 3 (ending with the root's signature: Ed25519, or hybrid for 3), else
 * the signature alone. */
static int
sig_field_encode(int version, const struct hl_batch_sig *bs, const uint8_t sig[HL_ED25519_SIG],
    const struct hl_hsig *hsig, struct hl_buf *out)
{
	struct hl_batch_sig nb;

	if (version == 1) {
		hl_buf_put(out, sig, HL_ED25519_SIG);
		return HL_OK;
	}
	if (!hl_batch_sig_valid(bs))
		return HL_ERR_INVALID;
	if (version == 2) {
		hl_batch_sig_encode(bs, sig, HL_ED25519_SIG, out);
		return HL_OK;
	}
	nb = *bs;
	hl_batch_sig_encode(&nb, NULL, 0, out);
	return hl_hsig_put(hsig, out);
}

void
hl_batch_sig_encode(const struct hl_batch_sig *bs, const uint8_t *sig, size_t siglen,
    struct hl_buf *out)
{
	unsigned i;

	hl_buf_u16(out, bs->index);
	hl_buf_u16(out, bs->count);
	hl_buf_u8(out, bs->npath);
	for (i = 0; i < bs->npath && i < HL_SIGBATCH_DEPTH_MAX; i++)
		hl_buf_put(out, bs->path[i], HL_SHA256);
	if (siglen > 0)
		hl_buf_put(out, sig, siglen);
}

/* The block up to the signature: count 1..HL_SIGBATCH_MAX, index < count,
 * npath exactly the path length of (index, count). */
static int
batch_sig_decode(struct hl_rd *rd, struct hl_batch_sig *bs)
{
	unsigned i;

	if (hl_rd_u16(rd, &bs->index) != HL_OK || hl_rd_u16(rd, &bs->count) != HL_OK ||
	    hl_rd_u8(rd, &bs->npath) != HL_OK)
		return HL_ERR_MALFORMED;
	if (!hl_batch_sig_valid(bs))
		return HL_ERR_MALFORMED;
	for (i = 0; i < bs->npath; i++)
		if (hl_rd_copy(rd, bs->path[i], HL_SHA256) != HL_OK)
			return HL_ERR_MALFORMED;
	return HL_OK;
}

/* ---- envelope ---- */

static int
envelope_header_valid(const struct hl_envelope *e)
{
	unsigned i, j;

	if (e->version < HL_ENVELOPE_VERSION || e->version > HL_ENVELOPE_VERSION_HYBRID)
		return HL_ERR_VERSION;
	if (!suite_known(e->suite))
		return HL_ERR_VERSION;
	if ((e->flags & ~HL_ENV_FLAGS_KNOWN) != 0 || e->precedence > HL_PREC_ROUTINE ||
	    e->content_type < HL_CT_TEXT || e->content_type > HL_CT_TRACKS)
		return HL_ERR_MALFORMED;
	if (e->created_ms > e->expires_ms)
		return HL_ERR_MALFORMED;
	if (!node_ok(e->origin) || !bounded_len(e->originator, HL_OPERATOR_MAX) ||
	    !text_ok(e->originator))
		return HL_ERR_MALFORMED;
	if (e->nwraps < 1 || e->nwraps > HL_RECIPIENTS_MAX)
		return HL_ERR_MALFORMED;
	for (i = 0; i < e->nwraps; i++) {
		if (!node_ok(e->wraps[i].node))
			return HL_ERR_MALFORMED;
		if (e->wraps[i].len < 1 || e->wraps[i].len > HL_WRAP_MAX_BYTES)
			return HL_ERR_MALFORMED;
		for (j = 0; j < i; j++)
			if (strcmp(e->wraps[i].node, e->wraps[j].node) == 0)
				return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_envelope_encode_header(const struct hl_envelope *e, struct hl_buf *out)
{
	struct hl_buf lb;
	unsigned i;
	int r;

	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if ((r = envelope_header_valid(e)) != HL_OK)
		goto out;
	for (i = 0; i < e->nwraps; i++) {
		if (e->wraps[i].data == NULL) {
			r = HL_ERR_INVALID;
			goto out;
		}
	}
	if ((r = hl_label_encode(&e->label, &lb)) != HL_OK)
		goto out;
	hl_buf_put(out, env_magic, sizeof(env_magic));
	hl_buf_u8(out, e->version);
	hl_buf_u8(out, e->suite);
	hl_buf_u8(out, e->flags);
	hl_buf_u8(out, e->precedence);
	hl_buf_u8(out, e->content_type);
	hl_buf_put(out, e->id, HL_ID_BYTES);
	hl_buf_u64(out, e->created_ms);
	hl_buf_u64(out, e->expires_ms);
	hl_buf_str8(out, e->origin);
	hl_buf_str8(out, e->originator);
	hl_buf_bytes16(out, lb.data, lb.len);
	hl_buf_put(out, e->nonce, HL_GCM_NONCE);
	hl_buf_u8(out, (uint8_t)e->nwraps);
	for (i = 0; i < e->nwraps; i++) {
		hl_buf_str8(out, e->wraps[i].node);
		hl_buf_u32(out, e->wraps[i].kem_epoch);
		hl_buf_bytes16(out, e->wraps[i].data, e->wraps[i].len);
	}
	r = hl_buf_error(out);
out:
	hl_buf_free(&lb);
	return r;
}

int
hl_envelope_encode(const struct hl_envelope *e, struct hl_buf *out)
{
	int r;

	if (e->ct == NULL || e->ct_len < HL_GCM_TAG || e->ct_len > HL_CONTENT_MAX_BYTES + HL_GCM_TAG)
		return HL_ERR_INVALID;
	if ((r = hl_envelope_encode_header(e, out)) != HL_OK)
		return r;
	hl_buf_bytes32(out, e->ct, e->ct_len);
	if ((r = sig_field_encode(e->version, &e->bs, e->sig, &e->hsig, out)) != HL_OK)
		return r;
	return hl_buf_error(out);
}

int
hl_envelope_decode(const uint8_t *p, size_t len, struct hl_envelope *out)
{
	struct hl_rd rd;
	const uint8_t *lp;
	size_t llen;
	uint8_t magic[4], n;
	unsigned i;
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (len > HL_ENVELOPE_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	hl_rd_init(&rd, p, len);
	if (hl_rd_copy(&rd, magic, sizeof(magic)) != HL_OK ||
	    memcmp(magic, env_magic, sizeof(magic)) != 0 ||
	    hl_rd_u8(&rd, &out->version) != HL_OK)
		goto out;
	if (out->version < HL_ENVELOPE_VERSION || out->version > HL_ENVELOPE_VERSION_HYBRID) {
		r = HL_ERR_VERSION;
		goto out;
	}
	if (hl_rd_u8(&rd, &out->suite) != HL_OK ||
	    hl_rd_u8(&rd, &out->flags) != HL_OK ||
	    hl_rd_u8(&rd, &out->precedence) != HL_OK ||
	    hl_rd_u8(&rd, &out->content_type) != HL_OK ||
	    hl_rd_copy(&rd, out->id, HL_ID_BYTES) != HL_OK ||
	    hl_rd_u64(&rd, &out->created_ms) != HL_OK ||
	    hl_rd_u64(&rd, &out->expires_ms) != HL_OK ||
	    hl_rd_str8(&rd, out->origin, HL_NODE_NAME_MAX) != HL_OK ||
	    hl_rd_str8(&rd, out->originator, HL_OPERATOR_MAX) != HL_OK ||
	    hl_rd_bytes16(&rd, HL_LABEL_MAX_BYTES, &lp, &llen) != HL_OK ||
	    hl_label_decode(lp, llen, &out->label) != HL_OK ||
	    hl_rd_copy(&rd, out->nonce, HL_GCM_NONCE) != HL_OK ||
	    hl_rd_u8(&rd, &n) != HL_OK)
		goto out;
	if (n < 1 || n > HL_RECIPIENTS_MAX)
		goto out;
	out->nwraps = n;
	for (i = 0; i < n; i++) {
		struct hl_wrap *w = &out->wraps[i];

		if (hl_rd_str8(&rd, w->node, HL_NODE_NAME_MAX) != HL_OK ||
		    hl_rd_u32(&rd, &w->kem_epoch) != HL_OK ||
		    hl_rd_bytes16(&rd, HL_WRAP_MAX_BYTES, &w->data, &w->len) != HL_OK)
			goto out;
	}
	out->header_len = rd.off;
	if ((r = envelope_header_valid(out)) != HL_OK)
		goto out;
	r = HL_ERR_MALFORMED;
	if (hl_rd_bytes32(&rd, HL_CONTENT_MAX_BYTES + HL_GCM_TAG, &out->ct, &out->ct_len) != HL_OK ||
	    out->ct_len < HL_GCM_TAG)
		goto out;
	out->signed_len = rd.off;
	if (out->version != HL_ENVELOPE_VERSION && batch_sig_decode(&rd, &out->bs) != HL_OK)
		goto out;
	if (out->version == HL_ENVELOPE_VERSION_HYBRID ? hl_hsig_read(&rd, &out->hsig) != HL_OK :
	    hl_rd_copy(&rd, out->sig, HL_ED25519_SIG) != HL_OK)
		goto out;
	if (hl_rd_end(&rd) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_envelope_digest(const uint8_t *p, size_t signed_len, uint8_t out[64])
{
	return digest("hotline envelope v1", p, signed_len, out);
}

int
hl_envelope_leaf(const uint8_t *p, size_t signed_len, uint8_t out[static HL_SHA256])
{
	return leaf_hash("hotline envelope v2", p, signed_len, out);
}

/* ---- receipts ---- */

static int
receipt_valid(const struct hl_receipt *r)
{
	if (r->version < HL_RECEIPT_VERSION || r->version > HL_RECEIPT_VERSION_HYBRID)
		return HL_ERR_VERSION;
	if (r->kind < HL_RECEIPT_DELIVERED || r->kind > HL_RECEIPT_REJECTED ||
	    r->reason > HL_REASON_LAST)
		return HL_ERR_MALFORMED;
	/* a reason exactly when rejected */
	if ((r->kind == HL_RECEIPT_REJECTED) != (r->reason != HL_REASON_NONE))
		return HL_ERR_MALFORMED;
	if (!node_ok(r->from) || !node_ok(r->to))
		return HL_ERR_MALFORMED;
	if (!bounded_len(r->operator_name, HL_OPERATOR_MAX) || !text_ok(r->operator_name) ||
	    !bounded_len(r->detail, HL_REASON_MAX) || !text_ok(r->detail))
		return HL_ERR_MALFORMED;
	return HL_OK;
}

int
hl_receipt_encode(const struct hl_receipt *r, struct hl_buf *out)
{
	int rc;

	if ((rc = receipt_valid(r)) != HL_OK)
		return rc;
	hl_buf_put(out, rcpt_magic, sizeof(rcpt_magic));
	hl_buf_u8(out, r->version);
	hl_buf_u8(out, r->kind);
	hl_buf_put(out, r->id, HL_ID_BYTES);
	hl_buf_str8(out, r->from);
	hl_buf_str8(out, r->to);
	hl_buf_u64(out, r->time_ms);
	hl_buf_u8(out, r->reason);
	hl_buf_str8(out, r->operator_name);
	hl_buf_str8(out, r->detail);
	if ((rc = sig_field_encode(r->version, &r->bs, r->sig, &r->hsig, out)) != HL_OK)
		return rc;
	return hl_buf_error(out);
}

int
hl_receipt_decode(const uint8_t *p, size_t len, struct hl_receipt *out)
{
	struct hl_rd rd;
	uint8_t magic[4];
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (len > HL_RECEIPT_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	hl_rd_init(&rd, p, len);
	if (hl_rd_copy(&rd, magic, sizeof(magic)) != HL_OK ||
	    memcmp(magic, rcpt_magic, sizeof(magic)) != 0 ||
	    hl_rd_u8(&rd, &out->version) != HL_OK)
		goto out;
	if (out->version < HL_RECEIPT_VERSION || out->version > HL_RECEIPT_VERSION_HYBRID) {
		r = HL_ERR_VERSION;
		goto out;
	}
	if (hl_rd_u8(&rd, &out->kind) != HL_OK ||
	    hl_rd_copy(&rd, out->id, HL_ID_BYTES) != HL_OK ||
	    hl_rd_str8(&rd, out->from, HL_NODE_NAME_MAX) != HL_OK ||
	    hl_rd_str8(&rd, out->to, HL_NODE_NAME_MAX) != HL_OK ||
	    hl_rd_u64(&rd, &out->time_ms) != HL_OK ||
	    hl_rd_u8(&rd, &out->reason) != HL_OK ||
	    hl_rd_str8(&rd, out->operator_name, HL_OPERATOR_MAX) != HL_OK ||
	    hl_rd_str8(&rd, out->detail, HL_REASON_MAX) != HL_OK)
		goto out;
	out->signed_len = rd.off;
	if (out->version != HL_RECEIPT_VERSION && batch_sig_decode(&rd, &out->bs) != HL_OK)
		goto out;
	if (out->version == HL_RECEIPT_VERSION_HYBRID ? hl_hsig_read(&rd, &out->hsig) != HL_OK :
	    hl_rd_copy(&rd, out->sig, HL_ED25519_SIG) != HL_OK)
		goto out;
	if (hl_rd_end(&rd) != HL_OK)
		goto out;
	if ((r = receipt_valid(out)) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_receipt_digest(const uint8_t *p, size_t signed_len, uint8_t out[64])
{
	return digest("hotline receipt v1", p, signed_len, out);
}

int
hl_receipt_leaf(const uint8_t *p, size_t signed_len, uint8_t out[static HL_SHA256])
{
	return leaf_hash("hotline receipt v2", p, signed_len, out);
}

int
hl_batch_root_digest(int receipts, unsigned count, const uint8_t root[static HL_SHA256],
    uint8_t out[static 64])
{
	uint8_t m[2 + HL_SHA256];

	if (count < 1 || count > HL_SIGBATCH_MAX)
		return HL_ERR_INVALID;
	m[0] = (uint8_t)(count >> 8);
	m[1] = (uint8_t)count;
	memcpy(m + 2, root, HL_SHA256);
	return digest(receipts ? "hotline receipt batch v2" : "hotline envelope batch v2", m,
	    sizeof(m), out);
}

/* ---- descriptors ---- */

static int
descriptor_valid(const struct hl_descriptor *d)
{
	unsigned i;

	if (d->version != HL_DESCRIPTOR_VERSION && d->version != HL_DESCRIPTOR_VERSION_HYBRID)
		return HL_ERR_VERSION;
	if (d->version == HL_DESCRIPTOR_VERSION_HYBRID) {
		if (hl_sig_suite_mldsa(d->sig_suite) <= 0 || d->npk < 1 ||
		    d->npk > HL_DESC_MLDSA_KEYS)
			return HL_ERR_MALFORMED;
		for (i = 0; i < d->npk; i++)
			if (d->mldsa_pk_len[i] != hl_mldsa_pk_bytes(hl_sig_suite_mldsa(d->sig_suite)))
				return HL_ERR_MALFORMED;
	}
	if (!node_ok(d->node) || d->not_before_ms > d->not_after_ms)
		return HL_ERR_MALFORMED;
	if (d->cert_len < 1 || d->cert_len > HL_CERT_MAX_BYTES)
		return HL_ERR_MALFORMED;
	if (d->nkeys < 1 || d->nkeys > HL_DESC_KEYS_MAX)
		return HL_ERR_MALFORMED;
	for (i = 0; i < d->nkeys; i++) {
		if (!suite_known(d->keys[i].suite))
			return HL_ERR_VERSION;
		if (d->keys[i].len != suite_pub_len(d->keys[i].suite))
			return HL_ERR_MALFORMED;
		/* one key per suite, in suite order */
		if (i > 0 && d->keys[i - 1].suite >= d->keys[i].suite)
			return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_descriptor_encode(const struct hl_descriptor *d, struct hl_buf *out)
{
	unsigned i;
	int r;

	if ((r = descriptor_valid(d)) != HL_OK)
		return r;
	if (d->cert == NULL)
		return HL_ERR_INVALID;
	for (i = 0; i < d->nkeys; i++)
		if (d->keys[i].pub == NULL)
			return HL_ERR_INVALID;
	for (i = 0; d->version == HL_DESCRIPTOR_VERSION_HYBRID && i < d->npk; i++)
		if (d->mldsa_pk[i] == NULL)
			return HL_ERR_INVALID;
	if (d->version == HL_DESCRIPTOR_VERSION_HYBRID && d->hsig.suite != d->sig_suite)
		return HL_ERR_INVALID;
	hl_buf_put(out, desc_magic, sizeof(desc_magic));
	hl_buf_u8(out, d->version);
	hl_buf_str8(out, d->node);
	hl_buf_u32(out, d->epoch);
	hl_buf_u64(out, d->not_before_ms);
	hl_buf_u64(out, d->not_after_ms);
	hl_buf_bytes16(out, d->cert, d->cert_len);
	hl_buf_u8(out, (uint8_t)d->nkeys);
	for (i = 0; i < d->nkeys; i++) {
		hl_buf_u8(out, d->keys[i].suite);
		hl_buf_bytes16(out, d->keys[i].pub, d->keys[i].len);
	}
	if (d->version == HL_DESCRIPTOR_VERSION) {
		hl_buf_put(out, d->sig, HL_ED25519_SIG);
		return hl_buf_error(out);
	}
	hl_buf_u8(out, d->sig_suite);
	hl_buf_u8(out, (uint8_t)d->npk);
	for (i = 0; i < d->npk; i++)
		hl_buf_bytes16(out, d->mldsa_pk[i], d->mldsa_pk_len[i]);
	if ((r = hl_hsig_put(&d->hsig, out)) != HL_OK)
		return r;
	return hl_buf_error(out);
}

int
hl_descriptor_decode(const uint8_t *p, size_t len, struct hl_descriptor *out)
{
	struct hl_rd rd;
	uint8_t magic[4], n;
	unsigned i;
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (len > HL_DESCRIPTOR_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	hl_rd_init(&rd, p, len);
	if (hl_rd_copy(&rd, magic, sizeof(magic)) != HL_OK ||
	    memcmp(magic, desc_magic, sizeof(magic)) != 0 ||
	    hl_rd_u8(&rd, &out->version) != HL_OK)
		goto out;
	if (out->version != HL_DESCRIPTOR_VERSION && out->version != HL_DESCRIPTOR_VERSION_HYBRID) {
		r = HL_ERR_VERSION;
		goto out;
	}
	if (hl_rd_str8(&rd, out->node, HL_NODE_NAME_MAX) != HL_OK ||
	    hl_rd_u32(&rd, &out->epoch) != HL_OK ||
	    hl_rd_u64(&rd, &out->not_before_ms) != HL_OK ||
	    hl_rd_u64(&rd, &out->not_after_ms) != HL_OK ||
	    hl_rd_bytes16(&rd, HL_CERT_MAX_BYTES, &out->cert, &out->cert_len) != HL_OK ||
	    hl_rd_u8(&rd, &n) != HL_OK)
		goto out;
	if (n < 1 || n > HL_DESC_KEYS_MAX)
		goto out;
	out->nkeys = n;
	for (i = 0; i < n; i++) {
		if (hl_rd_u8(&rd, &out->keys[i].suite) != HL_OK ||
		    hl_rd_bytes16(&rd, HL_WRAP_MAX_BYTES, &out->keys[i].pub,
		    &out->keys[i].len) != HL_OK)
			goto out;
	}
	if (out->version == HL_DESCRIPTOR_VERSION_HYBRID) {
		if (hl_rd_u8(&rd, &out->sig_suite) != HL_OK || hl_rd_u8(&rd, &n) != HL_OK ||
		    n < 1 || n > HL_DESC_MLDSA_KEYS)
			goto out;
		out->npk = n;
		for (i = 0; i < n; i++)
			if (hl_rd_bytes16(&rd, HL_MLDSA_MAX_PK_BYTES, &out->mldsa_pk[i],
			    &out->mldsa_pk_len[i]) != HL_OK)
				goto out;
	}
	out->signed_len = rd.off;
	if (out->version == HL_DESCRIPTOR_VERSION ?
	    hl_rd_copy(&rd, out->sig, HL_ED25519_SIG) != HL_OK :
	    hl_hsig_read(&rd, &out->hsig) != HL_OK || out->hsig.suite != out->sig_suite)
		goto out;
	if (hl_rd_end(&rd) != HL_OK)
		goto out;
	if ((r = descriptor_valid(out)) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_descriptor_digest(const uint8_t *p, size_t signed_len, uint8_t out[64])
{
	return digest("hotline descriptor v1", p, signed_len, out);
}

/* ---- link frames ---- */

static int
frame_type_known(uint8_t t)
{
	return t >= HL_FRAME_HELLO && t <= HL_FRAME_LAST;
}

int
hl_frame_parse(const uint8_t *p, size_t len, size_t max, uint8_t *type,
    const uint8_t **payload, size_t *plen, size_t *consumed)
{
	size_t flen;

	*type = 0;
	*payload = NULL;
	*plen = 0;
	*consumed = 0;
	if (len < 4)
		return HL_ERR_AGAIN;
	flen = ((size_t)p[0] << 24) | ((size_t)p[1] << 16) | ((size_t)p[2] << 8) | p[3];
	if (flen == 0)
		return HL_ERR_MALFORMED;
	if (flen > max)
		return HL_ERR_TOO_BIG;
	if (len - 4 < flen)
		return HL_ERR_AGAIN;
	if (!frame_type_known(p[4]))
		return HL_ERR_VERSION;
	*type = p[4];
	*payload = p + HL_FRAME_HEADER;
	*plen = flen - 1;
	*consumed = 4 + flen;
	return HL_OK;
}

int
hl_frame_encode(uint8_t type, const uint8_t *payload, size_t plen, struct hl_buf *out)
{
	if (!frame_type_known(type))
		return HL_ERR_VERSION;
	if (plen > UINT32_MAX - 1 || (plen > 0 && payload == NULL))
		return HL_ERR_INVALID;
	hl_buf_u32(out, (uint32_t)(plen + 1));
	hl_buf_u8(out, type);
	hl_buf_put(out, payload, plen);
	return hl_buf_error(out);
}

/* ---- chunks ---- */

int
hl_chunk_decode(const uint8_t *p, size_t len, struct hl_chunk *out)
{
	struct hl_rd r;
	struct hl_chunk c;

	memset(out, 0, sizeof(*out));
	hl_rd_init(&r, p, len);
	if (hl_rd_copy(&r, c.id, HL_ID_BYTES) != HL_OK || hl_rd_u32(&r, &c.total) != HL_OK ||
	    hl_rd_u32(&r, &c.offset) != HL_OK)
		return HL_ERR_MALFORMED;
	c.len = hl_rd_left(&r);
	if (c.len == 0 || c.len > HL_CHUNK_BYTES)
		return HL_ERR_MALFORMED;
	if (c.total <= HL_CHUNK_BYTES || c.total > HL_FRAME_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if (c.offset > c.total || c.len > c.total - c.offset)
		return HL_ERR_MALFORMED;
	if (hl_rd_ptr(&r, c.len, &c.data) != HL_OK)
		return HL_ERR_MALFORMED;
	*out = c;
	return HL_OK;
}

int
hl_chunk_encode(const uint8_t id[static HL_ID_BYTES], uint32_t total, uint32_t offset,
    const uint8_t *data, size_t len, struct hl_buf *out)
{
	if (len == 0 || len > HL_CHUNK_BYTES || total <= HL_CHUNK_BYTES ||
	    total > HL_FRAME_MAX_BYTES || offset > total || len > total - offset)
		return HL_ERR_INVALID;
	hl_buf_put(out, id, HL_ID_BYTES);
	hl_buf_u32(out, total);
	hl_buf_u32(out, offset);
	hl_buf_put(out, data, len);
	return hl_buf_error(out);
}

/* ---- the other link frame payloads ---- */

static const uint8_t cpack_magic[4] = { 'H', 'L', 'C', 'A' };

/* str8 node name: over-long HL_ERR_TOO_BIG, bad syntax HL_ERR_MALFORMED. */
static int
rd_node(struct hl_rd *rd, char out[HL_NODE_NAME_MAX + 1])
{
	int r;

	if ((r = hl_rd_str8(rd, out, HL_NODE_NAME_MAX)) != HL_OK)
		return r == HL_ERR_TOO_BIG ? HL_ERR_TOO_BIG : HL_ERR_MALFORMED;
	return hl_label_node_name_valid(out, NULL) ? HL_OK : HL_ERR_MALFORMED;
}

static int
put_node(struct hl_buf *out, const char *node)
{
	if (node == NULL || !bounded_len(node, HL_NODE_NAME_MAX))
		return HL_ERR_TOO_BIG;
	if (!hl_label_node_name_valid(node, NULL))
		return HL_ERR_INVALID;
	hl_buf_str8(out, node);
	return HL_OK;
}

int
hl_ping_encode(const struct hl_ping *p, struct hl_buf *out)
{
	hl_buf_u64(out, p->nonce);
	hl_buf_u64(out, p->time_ms);
	return hl_buf_error(out);
}

int
hl_ping_decode(const uint8_t *p, size_t len, struct hl_ping *out)
{
	struct hl_rd rd;

	memset(out, 0, sizeof(*out));
	if (len > 16)
		return HL_ERR_TOO_BIG;
	hl_rd_init(&rd, p, len);
	if (hl_rd_u64(&rd, &out->nonce) != HL_OK || hl_rd_u64(&rd, &out->time_ms) != HL_OK ||
	    hl_rd_end(&rd) != HL_OK) {
		memset(out, 0, sizeof(*out));
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

static int
receipt_kind_ok(uint8_t kind)
{
	return kind >= HL_RECEIPT_DELIVERED && kind <= HL_RECEIPT_REJECTED;
}

int
hl_receipt_ack_encode(const struct hl_receipt_ack *a, struct hl_buf *out)
{
	int r;

	if (!receipt_kind_ok(a->kind))
		return HL_ERR_INVALID;
	hl_buf_put(out, a->id, HL_ID_BYTES);
	hl_buf_u8(out, a->kind);
	if ((r = put_node(out, a->from)) != HL_OK || (r = put_node(out, a->issuer)) != HL_OK)
		return r;
	return hl_buf_error(out);
}

int
hl_receipt_ack_decode(const uint8_t *p, size_t len, struct hl_receipt_ack *out)
{
	struct hl_rd rd;
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	hl_rd_init(&rd, p, len);
	if (hl_rd_copy(&rd, out->id, HL_ID_BYTES) != HL_OK || hl_rd_u8(&rd, &out->kind) != HL_OK ||
	    !receipt_kind_ok(out->kind))
		goto out;
	if ((r = rd_node(&rd, out->from)) != HL_OK || (r = rd_node(&rd, out->issuer)) != HL_OK)
		goto out;
	r = hl_rd_end(&rd) == HL_OK ? HL_OK : HL_ERR_MALFORMED;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_descriptor_ack_encode(uint32_t epoch, struct hl_buf *out)
{
	hl_buf_u32(out, epoch);
	return hl_buf_error(out);
}

int
hl_descriptor_ack_decode(const uint8_t *p, size_t len, uint32_t *epoch)
{
	struct hl_rd rd;

	*epoch = 0;
	if (len > 4)
		return HL_ERR_TOO_BIG;
	hl_rd_init(&rd, p, len);
	if (hl_rd_u32(&rd, epoch) != HL_OK || hl_rd_end(&rd) != HL_OK) {
		*epoch = 0;
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_relay_encode(const char *final, const uint8_t *env, size_t env_len, struct hl_buf *out)
{
	int r;

	if (env == NULL || env_len == 0)
		return HL_ERR_INVALID;
	if (env_len > HL_ENVELOPE_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((r = put_node(out, final)) != HL_OK)
		return r;
	hl_buf_put(out, env, env_len);
	return hl_buf_error(out);
}

int
hl_relay_decode(const uint8_t *p, size_t len, struct hl_relay *out)
{
	struct hl_rd rd;
	int r;

	memset(out, 0, sizeof(*out));
	hl_rd_init(&rd, p, len);
	if ((r = rd_node(&rd, out->final)) != HL_OK)
		goto out;
	out->env_len = hl_rd_left(&rd);
	if (out->env_len == 0) {
		r = HL_ERR_MALFORMED;
		goto out;
	}
	if (out->env_len > HL_ENVELOPE_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	r = hl_rd_ptr(&rd, out->env_len, &out->env) == HL_OK ? HL_OK : HL_ERR_MALFORMED;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_routes_encode(const struct hl_routes *rt, struct hl_buf *out)
{
	unsigned i;
	int r;

	if (rt->n > HL_ROUTES_MAX)
		return HL_ERR_TOO_BIG;
	hl_buf_u8(out, (uint8_t)rt->n);
	for (i = 0; i < rt->n; i++)
		if ((r = put_node(out, rt->node[i])) != HL_OK)
			return r;
	return hl_buf_error(out);
}

int
hl_routes_decode(const uint8_t *p, size_t len, struct hl_routes *out)
{
	struct hl_rd rd;
	uint8_t cnt;
	unsigned i;
	int r = HL_ERR_MALFORMED;

	out->n = 0;
	hl_rd_init(&rd, p, len);
	if (hl_rd_u8(&rd, &cnt) != HL_OK)
		goto out;
	if (cnt > HL_ROUTES_MAX) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	for (i = 0; i < cnt; i++)
		if ((r = rd_node(&rd, out->node[i])) != HL_OK)
			goto out;
	if (hl_rd_end(&rd) != HL_OK) {
		r = HL_ERR_MALFORMED;
		goto out;
	}
	out->n = cnt;
	r = HL_OK;
out:
	return r;
}

int
hl_consistency_req_encode(uint64_t old_size, uint64_t new_size, struct hl_buf *out)
{
	hl_buf_u64(out, old_size);
	hl_buf_u64(out, new_size);
	return hl_buf_error(out);
}

int
hl_consistency_req_decode(const uint8_t *p, size_t len, struct hl_consistency *out)
{
	struct hl_rd rd;

	memset(out, 0, sizeof(*out));
	if (len > 16)
		return HL_ERR_TOO_BIG;
	hl_rd_init(&rd, p, len);
	if (hl_rd_u64(&rd, &out->old_size) != HL_OK || hl_rd_u64(&rd, &out->new_size) != HL_OK ||
	    hl_rd_end(&rd) != HL_OK) {
		memset(out, 0, sizeof(*out));
		return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

int
hl_consistency_encode(uint64_t old_size, uint64_t new_size, const uint8_t (*hashes)[HL_SHA256],
    size_t n, struct hl_buf *out)
{
	size_t i;

	if (n > HL_PROOF_HASHES_MAX)
		return HL_ERR_TOO_BIG;
	if (n > 0 && hashes == NULL)
		return HL_ERR_INVALID;
	hl_buf_u64(out, old_size);
	hl_buf_u64(out, new_size);
	hl_buf_u8(out, (uint8_t)n);
	for (i = 0; i < n; i++)
		hl_buf_put(out, hashes[i], HL_SHA256);
	return hl_buf_error(out);
}

int
hl_consistency_decode(const uint8_t *p, size_t len, struct hl_consistency *out)
{
	struct hl_rd rd;
	uint8_t cnt;
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	hl_rd_init(&rd, p, len);
	if (hl_rd_u64(&rd, &out->old_size) != HL_OK || hl_rd_u64(&rd, &out->new_size) != HL_OK ||
	    hl_rd_u8(&rd, &cnt) != HL_OK)
		goto out;
	if (cnt > HL_PROOF_HASHES_MAX) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if (hl_rd_ptr(&rd, (size_t)cnt * HL_SHA256, &out->hashes) != HL_OK ||
	    hl_rd_end(&rd) != HL_OK)
		goto out;
	out->n = cnt;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

const char *
hl_witness_result_name(uint8_t result)
{
	switch (result) {
	case HL_WITNESS_OK:
		return "ok";
	case HL_WITNESS_FORK:
		return "fork";
	default:
		return "?";
	}
}

int
hl_checkpoint_ack_encode(const struct hl_checkpoint_ack *a, struct hl_buf *out)
{
	int r;

	if (a->version != HL_CHECKPOINT_ACK_VERSION && a->version != HL_CHECKPOINT_ACK_VERSION_HYBRID)
		return HL_ERR_VERSION;
	if ((a->result != HL_WITNESS_OK && a->result != HL_WITNESS_FORK) ||
	    a->size > (uint64_t)INT64_MAX)
		return HL_ERR_INVALID;
	hl_buf_put(out, cpack_magic, sizeof(cpack_magic));
	hl_buf_u8(out, a->version);
	if ((r = put_node(out, a->witness)) != HL_OK || (r = put_node(out, a->origin)) != HL_OK)
		return r;
	hl_buf_u64(out, a->size);
	hl_buf_put(out, a->root, HL_SHA256);
	hl_buf_u8(out, a->result);
	hl_buf_u64(out, a->time_ms);
	if (a->version == HL_CHECKPOINT_ACK_VERSION)
		hl_buf_put(out, a->sig, HL_ED25519_SIG);
	else if ((r = hl_hsig_put(&a->hsig, out)) != HL_OK)
		return r;
	return hl_buf_error(out);
}

int
hl_checkpoint_ack_decode(const uint8_t *p, size_t len, struct hl_checkpoint_ack *out)
{
	struct hl_rd rd;
	uint8_t magic[4];
	int r = HL_ERR_MALFORMED;

	memset(out, 0, sizeof(*out));
	if (len > HL_CHECKPOINT_ACK_MAX_BYTES) {
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	hl_rd_init(&rd, p, len);
	if (hl_rd_copy(&rd, magic, sizeof(magic)) != HL_OK ||
	    memcmp(magic, cpack_magic, sizeof(magic)) != 0 ||
	    hl_rd_u8(&rd, &out->version) != HL_OK)
		goto out;
	if (out->version != HL_CHECKPOINT_ACK_VERSION &&
	    out->version != HL_CHECKPOINT_ACK_VERSION_HYBRID) {
		r = HL_ERR_VERSION;
		goto out;
	}
	if ((r = rd_node(&rd, out->witness)) != HL_OK || (r = rd_node(&rd, out->origin)) != HL_OK)
		goto out;
	r = HL_ERR_MALFORMED;
	if (hl_rd_u64(&rd, &out->size) != HL_OK || out->size > (uint64_t)INT64_MAX ||
	    hl_rd_copy(&rd, out->root, HL_SHA256) != HL_OK ||
	    hl_rd_u8(&rd, &out->result) != HL_OK ||
	    (out->result != HL_WITNESS_OK && out->result != HL_WITNESS_FORK) ||
	    hl_rd_u64(&rd, &out->time_ms) != HL_OK)
		goto out;
	out->signed_len = rd.off;
	if (out->version == HL_CHECKPOINT_ACK_VERSION ?
	    hl_rd_copy(&rd, out->sig, HL_ED25519_SIG) != HL_OK :
	    hl_hsig_read(&rd, &out->hsig) != HL_OK)
		goto out;
	if (hl_rd_end(&rd) != HL_OK)
		goto out;
	r = HL_OK;
out:
	if (r != HL_OK)
		memset(out, 0, sizeof(*out));
	return r;
}

int
hl_checkpoint_ack_digest(const uint8_t *p, size_t signed_len, uint8_t out[64])
{
	return digest("hotline checkpoint ack v1", p, signed_len, out);
}
