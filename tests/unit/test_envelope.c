/* test_envelope.c: envelope, receipt, descriptor and frame codecs, names and
 * digests. Codec-level only (no keys): test_seal.c covers the crypto. */
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <openssl/evp.h>

#include "alloc.h"
#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "label.h"

/* offsets of the fixed envelope header fields (docs/PROTOCOL.md) */
#define OFF_VERSION 4
#define OFF_SUITE 5
#define OFF_FLAGS 6
#define OFF_PREC 7
#define OFF_CT 8
#define OFF_CREATED 25
#define OFF_ORIGIN 41

static uint8_t wrap_a[80], wrap_b[80], ctbytes[16 + 5];

static void
make_env(struct hl_envelope *e)
{
	unsigned i;

	memset(e, 0, sizeof(*e));
	e->version = HL_ENVELOPE_VERSION;
	e->suite = HL_SUITE_X25519;
	e->flags = HL_ENV_FLAG_EXERCISE;
	e->precedence = HL_PREC_FLASH;
	e->content_type = HL_CT_STIX;
	for (i = 0; i < HL_ID_BYTES; i++)
		e->id[i] = (uint8_t)(0xa0 + i);
	e->created_ms = 1700000000000ull;
	e->expires_ms = 1700000000000ull + 3600000;
	snprintf(e->origin, sizeof(e->origin), "JPN/tokyo-1");
	snprintf(e->originator, sizeof(e->originator), "Sato Hanako");
	snprintf(e->label.policy, sizeof(e->label.policy), "hotline-default");
	e->label.classification = 2;
	e->label.tlp = HL_TLP_AMBER;
	e->label.nrel = 2;
	snprintf(e->label.rel[0], sizeof(e->label.rel[0]), "KOR");
	snprintf(e->label.rel[1], sizeof(e->label.rel[1]), "USA");
	for (i = 0; i < HL_GCM_NONCE; i++)
		e->nonce[i] = (uint8_t)i;
	memset(wrap_a, 0x11, sizeof(wrap_a));
	memset(wrap_b, 0x22, sizeof(wrap_b));
	memset(ctbytes, 0x33, sizeof(ctbytes));
	e->nwraps = 2;
	snprintf(e->wraps[0].node, sizeof(e->wraps[0].node), "KOR/seoul-1");
	e->wraps[0].kem_epoch = 7;
	e->wraps[0].data = wrap_a;
	e->wraps[0].len = sizeof(wrap_a);
	snprintf(e->wraps[1].node, sizeof(e->wraps[1].node), "USA/node-2");
	e->wraps[1].kem_epoch = 1;
	e->wraps[1].data = wrap_b;
	e->wraps[1].len = sizeof(wrap_b);
	e->ct = ctbytes;
	e->ct_len = sizeof(ctbytes);
	memset(e->sig, 0x5a, sizeof(e->sig));
}

static void
encode_env(const struct hl_envelope *e, struct hl_buf *b)
{
	hl_buf_init(b, HL_ENVELOPE_MAX_BYTES);
	assert_int_equal(hl_envelope_encode(e, b), HL_OK);
}

static void
test_envelope_roundtrip(void **state)
{
	struct hl_envelope e, d;
	struct hl_buf b, h, b2;
	int64_t live = hl_alloc_live();

	(void)state;
	make_env(&e);
	encode_env(&e, &b);
	hl_buf_init(&h, HL_ENVELOPE_MAX_BYTES);
	assert_int_equal(hl_envelope_encode_header(&e, &h), HL_OK);
	assert_memory_equal(b.data, "HLEN", 4);
	assert_memory_equal(b.data, h.data, h.len);

	assert_int_equal(hl_envelope_decode(b.data, b.len, &d), HL_OK);
	assert_int_equal(hl_alloc_live(), live + 2);   /* decode allocated nothing */
	assert_int_equal(d.header_len, h.len);
	assert_int_equal(d.signed_len, b.len - HL_ED25519_SIG);
	assert_int_equal(d.signed_len, h.len + 4 + sizeof(ctbytes));
	assert_int_equal(d.suite, HL_SUITE_X25519);
	assert_int_equal(d.flags, HL_ENV_FLAG_EXERCISE);
	assert_int_equal(d.precedence, HL_PREC_FLASH);
	assert_int_equal(d.content_type, HL_CT_STIX);
	assert_memory_equal(d.id, e.id, HL_ID_BYTES);
	assert_int_equal(d.created_ms, e.created_ms);
	assert_int_equal(d.expires_ms, e.expires_ms);
	assert_string_equal(d.origin, "JPN/tokyo-1");
	assert_string_equal(d.originator, "Sato Hanako");
	assert_memory_equal(&d.label, &e.label, sizeof(e.label));
	assert_memory_equal(d.nonce, e.nonce, HL_GCM_NONCE);
	assert_int_equal(d.nwraps, 2);
	assert_string_equal(d.wraps[1].node, "USA/node-2");
	assert_int_equal(d.wraps[0].kem_epoch, 7);
	assert_int_equal(d.wraps[0].len, 80);
	assert_memory_equal(d.wraps[0].data, wrap_a, 80);
	/* borrowed pointers point into the input */
	assert_true(d.ct >= b.data && d.ct + d.ct_len <= b.data + b.len);
	assert_memory_equal(d.ct, ctbytes, sizeof(ctbytes));
	assert_memory_equal(d.sig, e.sig, HL_ED25519_SIG);
	/* re-encoding the decoded form gives the same bytes */
	encode_env(&d, &b2);
	assert_int_equal(b2.len, b.len);
	assert_memory_equal(b2.data, b.data, b.len);
	hl_buf_free(&b);
	hl_buf_free(&b2);
	hl_buf_free(&h);
	assert_int_equal(hl_alloc_live(), live);
}

static void
expect_env_fail(const struct hl_buf *b, size_t off, uint8_t val, int want)
{
	uint8_t *c = hl_malloc(b->len);
	struct hl_envelope d;

	assert_non_null(c);
	memcpy(c, b->data, b->len);
	c[off] = val;
	if (want == 0)
		assert_int_not_equal(hl_envelope_decode(c, b->len, &d), HL_OK);
	else
		assert_int_equal(hl_envelope_decode(c, b->len, &d), want);
	hl_free(c);
}

static void
test_envelope_malformed(void **state)
{
	struct hl_envelope e, d;
	struct hl_buf b, x;
	uint8_t *big;
	size_t i, hl;

	(void)state;
	make_env(&e);
	encode_env(&e, &b);
	/* every truncation */
	for (i = 0; i < b.len; i++)
		assert_int_not_equal(hl_envelope_decode(b.data, i, &d), HL_OK);
	/* the struct is cleared on failure */
	assert_int_equal(d.nwraps, 0);
	assert_null(d.ct);
	/* trailing byte */
	big = hl_malloc(b.len + 1);
	memcpy(big, b.data, b.len);
	big[b.len] = 0;
	assert_int_equal(hl_envelope_decode(big, b.len + 1, &d), HL_ERR_MALFORMED);
	hl_free(big);
	/* oversized input is refused before it is read */
	assert_int_equal(hl_envelope_decode(b.data, (size_t)HL_ENVELOPE_MAX_BYTES + 1, &d),
	    HL_ERR_TOO_BIG);

	expect_env_fail(&b, 0, 'X', HL_ERR_MALFORMED);           /* magic */
	expect_env_fail(&b, OFF_VERSION, 4, HL_ERR_VERSION);
	expect_env_fail(&b, OFF_VERSION, 2, HL_ERR_MALFORMED);   /* no batch block */
	expect_env_fail(&b, OFF_VERSION, 3, HL_ERR_MALFORMED);   /* nor a hybrid signature */
	expect_env_fail(&b, OFF_VERSION, 0, HL_ERR_VERSION);
	expect_env_fail(&b, OFF_SUITE, 0, HL_ERR_VERSION);
	expect_env_fail(&b, OFF_SUITE, 4, HL_ERR_VERSION);
	expect_env_fail(&b, OFF_FLAGS, 0x04, HL_ERR_MALFORMED);  /* unknown flag bit */
	expect_env_fail(&b, OFF_FLAGS, 0x81, HL_ERR_MALFORMED);
	expect_env_fail(&b, OFF_PREC, 4, HL_ERR_MALFORMED);
	expect_env_fail(&b, OFF_CT, 0, HL_ERR_MALFORMED);
	expect_env_fail(&b, OFF_CT, 6, HL_ERR_MALFORMED);   /* 5 is the track stream */
	expect_env_fail(&b, OFF_CREATED, 0xff, HL_ERR_MALFORMED);  /* created > expires */
	expect_env_fail(&b, OFF_ORIGIN + 1 + 3, '_', 0);         /* "JPN_tokyo-1" */
	expect_env_fail(&b, OFF_ORIGIN + 1 + 4, 0, 0);           /* embedded NUL */
	expect_env_fail(&b, OFF_ORIGIN, 200, 0);                 /* origin length */
	/* ciphertext length fields: larger than what is there, larger than the limit */
	hl = b.len - HL_ED25519_SIG - sizeof(ctbytes) - 4;
	expect_env_fail(&b, hl, 0x7f, 0);
	expect_env_fail(&b, hl + 3, 0x10, HL_ERR_MALFORMED);     /* ct shorter than the tag */
	expect_env_fail(&b, hl + 3, 0x00, HL_ERR_MALFORMED);

	/* recipients: 0, more than the maximum, duplicates */
	e.nwraps = 0;
	hl_buf_init(&x, HL_ENVELOPE_MAX_BYTES);
	assert_int_not_equal(hl_envelope_encode(&e, &x), HL_OK);
	hl_buf_free(&x);
	make_env(&e);
	e.nwraps = HL_RECIPIENTS_MAX + 1;
	hl_buf_init(&x, HL_ENVELOPE_MAX_BYTES);
	assert_int_not_equal(hl_envelope_encode(&e, &x), HL_OK);
	hl_buf_free(&x);
	make_env(&e);
	snprintf(e.wraps[1].node, sizeof(e.wraps[1].node), "KOR/seoul-1");
	hl_buf_init(&x, HL_ENVELOPE_MAX_BYTES);
	assert_int_equal(hl_envelope_encode(&e, &x), HL_ERR_MALFORMED);
	hl_buf_free(&x);
	/* the same on the wire: two names of equal length, then made equal */
	make_env(&e);
	snprintf(e.wraps[0].node, sizeof(e.wraps[0].node), "KOR/node-1");
	snprintf(e.wraps[1].node, sizeof(e.wraps[1].node), "KOR/node-2");
	encode_env(&e, &x);
	assert_int_equal(hl_envelope_decode(x.data, x.len, &d), HL_OK);
	big = hl_malloc(x.len);
	memcpy(big, x.data, x.len);
	for (i = 0; i + 10 <= x.len; i++)
		if (memcmp(big + i, "KOR/node-2", 10) == 0)
			big[i + 9] = '1';
	assert_int_equal(hl_envelope_decode(big, x.len, &d), HL_ERR_MALFORMED);
	hl_free(big);
	hl_buf_free(&x);
	/* wrap larger than the limit and a recipient count byte of 0 */
	make_env(&e);
	e.wraps[0].len = HL_WRAP_MAX_BYTES + 1;
	big = hl_calloc(1, HL_WRAP_MAX_BYTES + 1);
	e.wraps[0].data = big;
	hl_buf_init(&x, HL_ENVELOPE_MAX_BYTES);
	assert_int_not_equal(hl_envelope_encode(&e, &x), HL_OK);
	hl_buf_free(&x);
	hl_free(big);
	/* an unknown-policy label still decodes (syntax only), an invalid one does not */
	make_env(&e);
	e.label.tlp = 9;
	hl_buf_init(&x, HL_ENVELOPE_MAX_BYTES);
	assert_int_not_equal(hl_envelope_encode(&e, &x), HL_OK);
	hl_buf_free(&x);
	/* bad originator text (control character) */
	make_env(&e);
	e.originator[0] = '\n';
	hl_buf_init(&x, HL_ENVELOPE_MAX_BYTES);
	assert_int_not_equal(hl_envelope_encode(&e, &x), HL_OK);
	hl_buf_free(&x);
	hl_buf_free(&b);
}

static void
make_receipt(struct hl_receipt *r)
{
	memset(r, 0, sizeof(*r));
	r->version = 1;
	r->kind = HL_RECEIPT_REJECTED;
	memset(r->id, 0xab, HL_ID_BYTES);
	snprintf(r->from, sizeof(r->from), "KOR/seoul-1");
	snprintf(r->to, sizeof(r->to), "JPN/tokyo-1");
	r->time_ms = 1700000001234ull;
	r->reason = HL_REASON_ACCREDITATION;
	snprintf(r->detail, sizeof(r->detail), "classification SECRET exceeds CONFIDENTIAL");
	memset(r->sig, 0x77, sizeof(r->sig));
}

static void
test_receipt(void **state)
{
	struct hl_receipt r, d;
	struct hl_buf b;
	uint8_t *c;
	size_t i;

	(void)state;
	make_receipt(&r);
	hl_buf_init(&b, HL_RECEIPT_MAX_BYTES);
	assert_int_equal(hl_receipt_encode(&r, &b), HL_OK);
	assert_memory_equal(b.data, "HLRC", 4);
	assert_int_equal(hl_receipt_decode(b.data, b.len, &d), HL_OK);
	assert_int_equal(d.kind, HL_RECEIPT_REJECTED);
	assert_int_equal(d.reason, HL_REASON_ACCREDITATION);
	assert_string_equal(d.from, "KOR/seoul-1");
	assert_string_equal(d.to, "JPN/tokyo-1");
	assert_string_equal(d.detail, r.detail);
	assert_string_equal(d.operator_name, "");
	assert_int_equal(d.time_ms, r.time_ms);
	assert_memory_equal(d.id, r.id, HL_ID_BYTES);
	assert_memory_equal(d.sig, r.sig, HL_ED25519_SIG);
	assert_int_equal(d.signed_len, b.len - HL_ED25519_SIG);
	for (i = 0; i < b.len; i++)
		assert_int_not_equal(hl_receipt_decode(b.data, i, &d), HL_OK);
	c = hl_malloc(b.len + 1);
	memcpy(c, b.data, b.len);
	c[b.len] = 1;
	assert_int_equal(hl_receipt_decode(c, b.len + 1, &d), HL_ERR_MALFORMED);
	c[4] = 9;   /* version */
	assert_int_equal(hl_receipt_decode(c, b.len, &d), HL_ERR_VERSION);
	c[4] = 1;
	c[5] = 4;   /* kind */
	assert_int_equal(hl_receipt_decode(c, b.len, &d), HL_ERR_MALFORMED);
	c[5] = HL_RECEIPT_DELIVERED;   /* delivered with a rejection reason */
	assert_int_equal(hl_receipt_decode(c, b.len, &d), HL_ERR_MALFORMED);
	hl_free(c);
	assert_int_equal(hl_receipt_decode(b.data, HL_RECEIPT_MAX_BYTES + 1, &d), HL_ERR_TOO_BIG);
	hl_buf_free(&b);

	/* encoder refuses what the decoder would refuse */
	hl_buf_init(&b, HL_RECEIPT_MAX_BYTES);
	make_receipt(&r);
	r.reason = HL_REASON_LAST + 1;
	assert_int_not_equal(hl_receipt_encode(&r, &b), HL_OK);
	make_receipt(&r);
	r.reason = HL_REASON_NONE;
	assert_int_not_equal(hl_receipt_encode(&r, &b), HL_OK);
	make_receipt(&r);
	snprintf(r.to, sizeof(r.to), "nobody");
	assert_int_not_equal(hl_receipt_encode(&r, &b), HL_OK);
	make_receipt(&r);
	r.detail[3] = '\033';
	assert_int_not_equal(hl_receipt_encode(&r, &b), HL_OK);
	hl_buf_free(&b);
	hl_buf_init(&b, HL_RECEIPT_MAX_BYTES);
	make_receipt(&r);
	r.kind = HL_RECEIPT_ACKNOWLEDGED;
	r.reason = HL_REASON_NONE;
	snprintf(r.operator_name, sizeof(r.operator_name), "Kim Min-jun");
	assert_int_equal(hl_receipt_encode(&r, &b), HL_OK);
	assert_int_equal(hl_receipt_decode(b.data, b.len, &d), HL_OK);
	assert_string_equal(d.operator_name, "Kim Min-jun");
	hl_buf_free(&b);
}

static uint8_t cert_bytes[300], kem_pub[32];

static void
make_desc(struct hl_descriptor *d)
{
	memset(d, 0, sizeof(*d));
	d->version = 1;
	snprintf(d->node, sizeof(d->node), "USA/node-2");
	d->epoch = 3;
	d->not_before_ms = 1000;
	d->not_after_ms = 2000;
	memset(cert_bytes, 0x30, sizeof(cert_bytes));
	memset(kem_pub, 0x44, sizeof(kem_pub));
	d->cert = cert_bytes;
	d->cert_len = sizeof(cert_bytes);
	d->nkeys = 1;
	d->keys[0].suite = HL_SUITE_X25519;
	d->keys[0].pub = kem_pub;
	d->keys[0].len = sizeof(kem_pub);
	memset(d->sig, 0x66, sizeof(d->sig));
}

static void
test_descriptor(void **state)
{
	struct hl_descriptor s, d;
	struct hl_buf b;
	uint8_t *c, big[1300];
	size_t i;

	(void)state;
	make_desc(&s);
	hl_buf_init(&b, HL_DESCRIPTOR_MAX_BYTES);
	assert_int_equal(hl_descriptor_encode(&s, &b), HL_OK);
	assert_memory_equal(b.data, "HLDS", 4);
	assert_int_equal(hl_descriptor_decode(b.data, b.len, &d), HL_OK);
	assert_string_equal(d.node, "USA/node-2");
	assert_int_equal(d.epoch, 3);
	assert_int_equal(d.not_before_ms, 1000);
	assert_int_equal(d.not_after_ms, 2000);
	assert_int_equal(d.cert_len, sizeof(cert_bytes));
	assert_memory_equal(d.cert, cert_bytes, sizeof(cert_bytes));
	assert_int_equal(d.nkeys, 1);
	assert_int_equal(d.keys[0].len, 32);
	assert_memory_equal(d.keys[0].pub, kem_pub, 32);
	assert_int_equal(d.signed_len, b.len - HL_ED25519_SIG);
	for (i = 0; i < b.len; i++)
		assert_int_not_equal(hl_descriptor_decode(b.data, i, &d), HL_OK);
	c = hl_malloc(b.len + 1);
	memcpy(c, b.data, b.len);
	c[b.len] = 0;
	assert_int_equal(hl_descriptor_decode(c, b.len + 1, &d), HL_ERR_MALFORMED);
	c[4] = 3;
	assert_int_equal(hl_descriptor_decode(c, b.len, &d), HL_ERR_VERSION);
	c[4] = 2;   /* no ML-DSA key nor hybrid signature */
	assert_int_equal(hl_descriptor_decode(c, b.len, &d), HL_ERR_MALFORMED);
	hl_free(c);
	assert_int_equal(hl_descriptor_decode(b.data, HL_DESCRIPTOR_MAX_BYTES + 1, &d),
	    HL_ERR_TOO_BIG);
	hl_buf_free(&b);

	hl_buf_init(&b, HL_DESCRIPTOR_MAX_BYTES);
	make_desc(&s);
	s.keys[0].len = 31;                       /* wrong key size for the suite */
	assert_int_not_equal(hl_descriptor_encode(&s, &b), HL_OK);
	make_desc(&s);
	s.keys[0].suite = 9;                      /* unknown suite */
	assert_int_equal(hl_descriptor_encode(&s, &b), HL_ERR_VERSION);
	make_desc(&s);
	s.not_before_ms = 3000;                   /* window inverted */
	assert_int_not_equal(hl_descriptor_encode(&s, &b), HL_OK);
	make_desc(&s);
	s.nkeys = 0;
	assert_int_not_equal(hl_descriptor_encode(&s, &b), HL_OK);
	make_desc(&s);
	s.cert_len = 0;
	assert_int_not_equal(hl_descriptor_encode(&s, &b), HL_OK);
	/* two keys of one suite, or suites out of order */
	make_desc(&s);
	s.nkeys = 2;
	s.keys[1] = s.keys[0];
	assert_int_not_equal(hl_descriptor_encode(&s, &b), HL_OK);
	memset(big, 0x55, sizeof(big));
	s.keys[0].suite = HL_SUITE_X25519_MLKEM768;
	s.keys[0].pub = big;
	s.keys[0].len = 32 + 1184;
	s.keys[1].suite = HL_SUITE_X25519;
	assert_int_not_equal(hl_descriptor_encode(&s, &b), HL_OK);
	/* in order it is fine */
	s.keys[1] = s.keys[0];
	s.keys[0].suite = HL_SUITE_X25519;
	s.keys[0].pub = kem_pub;
	s.keys[0].len = 32;
	assert_int_equal(hl_buf_error(&b), HL_OK);
	assert_int_equal(hl_descriptor_encode(&s, &b), HL_OK);
	assert_int_equal(hl_descriptor_decode(b.data, b.len, &d), HL_OK);
	assert_int_equal(d.nkeys, 2);
	assert_int_equal(d.keys[1].len, 32 + 1184);
	hl_buf_free(&b);
}

static void
test_frames(void **state)
{
	struct hl_buf b;
	const uint8_t *pl;
	uint8_t type, raw[16];
	size_t plen, used, i;

	(void)state;
	hl_buf_init(&b, 1024);
	assert_int_equal(hl_frame_encode(HL_FRAME_PING, (const uint8_t *)"0123456789abcdef", 16,
	    &b), HL_OK);
	assert_int_equal(hl_frame_encode(HL_FRAME_RECEIPT_ACK, NULL, 0, &b), HL_OK);
	assert_int_equal(b.len, 5 + 16 + 5);
	assert_int_equal(b.data[3], 17);
	assert_int_equal(b.data[4], HL_FRAME_PING);
	/* incremental: every prefix of the first frame asks for more */
	for (i = 0; i < 21; i++)
		assert_int_equal(hl_frame_parse(b.data, i, 1024, &type, &pl, &plen, &used),
		    HL_ERR_AGAIN);
	assert_int_equal(hl_frame_parse(b.data, b.len, 1024, &type, &pl, &plen, &used), HL_OK);
	assert_int_equal(type, HL_FRAME_PING);
	assert_int_equal(plen, 16);
	assert_memory_equal(pl, "0123456789abcdef", 16);
	assert_int_equal(used, 21);
	assert_int_equal(hl_frame_parse(b.data + used, b.len - used, 1024, &type, &pl, &plen,
	    &used), HL_OK);
	assert_int_equal(type, HL_FRAME_RECEIPT_ACK);
	assert_int_equal(plen, 0);
	assert_int_equal(used, 5);
	/* the size limit is enforced as soon as the length is known */
	assert_int_equal(hl_frame_parse(b.data, 4, 16, &type, &pl, &plen, &used), HL_ERR_TOO_BIG);
	assert_int_equal(hl_frame_parse(b.data, b.len, 17, &type, &pl, &plen, &used), HL_OK);
	hl_buf_free(&b);

	memset(raw, 0, sizeof(raw));
	assert_int_equal(hl_frame_parse(raw, sizeof(raw), 1024, &type, &pl, &plen, &used),
	    HL_ERR_MALFORMED);   /* length 0 */
	raw[3] = 1;
	raw[4] = 0;
	assert_int_equal(hl_frame_parse(raw, sizeof(raw), 1024, &type, &pl, &plen, &used),
	    HL_ERR_VERSION);
	raw[4] = HL_FRAME_LAST + 1;
	assert_int_equal(hl_frame_parse(raw, sizeof(raw), 1024, &type, &pl, &plen, &used),
	    HL_ERR_VERSION);
	assert_int_equal(type, 0);
	assert_null(pl);
	assert_int_equal(used, 0);
	raw[0] = 0xff;   /* 4 GB claim */
	assert_int_equal(hl_frame_parse(raw, sizeof(raw), HL_FRAME_MAX_BYTES, &type, &pl, &plen,
	    &used), HL_ERR_TOO_BIG);
	hl_buf_init(&b, 1024);
	assert_int_equal(hl_frame_encode(0, NULL, 0, &b), HL_ERR_VERSION);
	assert_int_equal(hl_frame_encode(HL_FRAME_LAST + 1, NULL, 0, &b), HL_ERR_VERSION);
	hl_buf_free(&b);
}

static void
test_names(void **state)
{
	uint8_t v;

	(void)state;
	assert_string_equal(hl_precedence_name(HL_PREC_FLASH), "FLASH");
	assert_string_equal(hl_precedence_name(HL_PREC_ROUTINE), "ROUTINE");
	assert_string_equal(hl_precedence_name(4), "?");
	assert_int_equal(hl_precedence_parse("immediate", &v), HL_OK);
	assert_int_equal(v, HL_PREC_IMMEDIATE);
	assert_int_not_equal(hl_precedence_parse("urgent", &v), HL_OK);
	assert_string_equal(hl_content_type_name(HL_CT_TEXT), "text");
	assert_string_equal(hl_content_type_name(HL_CT_FILE), "file");
	assert_string_equal(hl_content_type_name(0), "?");
	assert_string_equal(hl_content_type_name(5), "?");
	assert_string_equal(hl_suite_name(HL_SUITE_X25519), "x25519");
	assert_string_equal(hl_suite_name(HL_SUITE_X25519_MLKEM768), "x25519-mlkem768");
	assert_string_equal(hl_suite_name(0), "?");
	assert_int_equal(hl_suite_parse("X25519-MLKEM1024", &v), HL_OK);
	assert_int_equal(v, HL_SUITE_X25519_MLKEM1024);
	assert_int_not_equal(hl_suite_parse("rsa", &v), HL_OK);
	assert_string_equal(hl_receipt_kind_name(HL_RECEIPT_ACKNOWLEDGED), "acknowledged");
	assert_string_equal(hl_receipt_kind_name(0), "?");
	assert_string_equal(hl_reason_name(HL_REASON_NOT_RELEASABLE), "not-releasable");
	assert_string_equal(hl_reason_name(HL_REASON_POLICY), "policy");
	assert_string_equal(hl_reason_name(HL_REASON_LAST + 1), "unknown");
}

static void
sha512_domain(const char *dom, const uint8_t *p, size_t n, uint8_t out[64])
{
	EVP_MD_CTX *c = EVP_MD_CTX_new();

	assert_non_null(c);
	assert_int_equal(EVP_DigestInit_ex(c, EVP_sha512(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, dom, strlen(dom) + 1), 1);
	assert_int_equal(EVP_DigestUpdate(c, p, n), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, NULL), 1);
	EVP_MD_CTX_free(c);
}

static void
test_digests(void **state)
{
	static const uint8_t data[] = "some signed bytes";
	uint8_t a[64], b[64], c[64], want[64];

	(void)state;
	assert_int_equal(hl_envelope_digest(data, sizeof(data), a), HL_OK);
	assert_int_equal(hl_receipt_digest(data, sizeof(data), b), HL_OK);
	assert_int_equal(hl_descriptor_digest(data, sizeof(data), c), HL_OK);
	sha512_domain("hotline envelope v1", data, sizeof(data), want);
	assert_memory_equal(a, want, 64);
	sha512_domain("hotline receipt v1", data, sizeof(data), want);
	assert_memory_equal(b, want, 64);
	sha512_domain("hotline descriptor v1", data, sizeof(data), want);
	assert_memory_equal(c, want, 64);
	/* domain separation */
	assert_memory_not_equal(a, b, 64);
	assert_memory_not_equal(a, c, 64);
	assert_memory_not_equal(b, c, 64);
}

/* CHUNK payloads: a valid one round-trips; every truncation of the header,
 * an empty or oversize chunk, a total that needs no chunking or exceeds the
 * frame limit, and data past the total are all refused. */
static void
test_chunks(void **state)
{
	static uint8_t data[HL_CHUNK_BYTES + 1];
	uint8_t id[HL_ID_BYTES];
	struct hl_chunk c;
	struct hl_buf b;
	size_t i;

	(void)state;
	memset(id, 7, sizeof(id));
	memset(data, 9, sizeof(data));
	hl_buf_init(&b, 2 * HL_CHUNK_BYTES);
	assert_int_equal(hl_chunk_encode(id, 200000, 65536, data, 1000, &b), HL_OK);
	assert_int_equal(hl_chunk_decode(b.data, b.len, &c), HL_OK);
	assert_memory_equal(c.id, id, HL_ID_BYTES);
	assert_int_equal(c.total, 200000);
	assert_int_equal(c.offset, 65536);
	assert_int_equal(c.len, 1000);
	assert_ptr_equal(c.data, b.data + 24);
	for (i = 0; i <= 24; i++)   /* header cut short, or no data at all */
		assert_int_not_equal(hl_chunk_decode(b.data, i, &c), HL_OK);
	hl_buf_free(&b);
	hl_buf_init(&b, 2 * HL_CHUNK_BYTES);
	assert_int_equal(hl_chunk_encode(id, 200000, 0, data, HL_CHUNK_BYTES + 1, &b),
	    HL_ERR_INVALID);
	assert_int_equal(hl_chunk_encode(id, HL_CHUNK_BYTES, 0, data, 10, &b), HL_ERR_INVALID);
	assert_int_equal(hl_chunk_encode(id, 70000, 69999, data, 2, &b), HL_ERR_INVALID);
	hl_buf_free(&b);
	/* hand-built bad payloads */
	{
		uint8_t p[24 + 2];

		memcpy(p, id, HL_ID_BYTES);
		/* total too small to need chunks */
		p[16] = 0; p[17] = 0; p[18] = 0; p[19] = 100;
		p[20] = 0; p[21] = 0; p[22] = 0; p[23] = 0;
		p[24] = p[25] = 1;
		assert_int_equal(hl_chunk_decode(p, sizeof(p), &c), HL_ERR_TOO_BIG);
		/* total beyond the frame limit */
		p[16] = 0xff; p[17] = 0xff; p[18] = 0xff; p[19] = 0xff;
		assert_int_equal(hl_chunk_decode(p, sizeof(p), &c), HL_ERR_TOO_BIG);
		/* data runs past the total */
		p[16] = 0; p[17] = 1; p[18] = 0; p[19] = 1;      /* 65537 */
		p[20] = 0; p[21] = 1; p[22] = 0; p[23] = 0;      /* offset 65536 */
		assert_int_equal(hl_chunk_decode(p, sizeof(p), &c), HL_ERR_MALFORMED);
		/* offset past the total */
		p[20] = 0; p[21] = 2; p[22] = 0; p[23] = 0;
		assert_int_equal(hl_chunk_decode(p, sizeof(p), &c), HL_ERR_MALFORMED);
	}
}

/* ---- the other link frame payloads ---- */

/* Every proper prefix of a valid payload is refused, and so is one extra byte. */
static void
assert_strict(int (*dec)(const uint8_t *, size_t, void *), const uint8_t *p, size_t len)
{
	static uint8_t tmp[HL_CHECKPOINT_ACK_MAX_BYTES + 4096];
	static uint8_t out[8192];
	size_t i;

	assert_true(len + 1 <= sizeof(tmp));
	for (i = 0; i < len; i++)
		assert_int_not_equal(dec(p, i, out), HL_OK);
	memcpy(tmp, p, len);
	tmp[len] = 0;
	assert_int_not_equal(dec(tmp, len + 1, out), HL_OK);
	assert_int_equal(dec(p, len, out), HL_OK);
}

static int dec_ping(const uint8_t *p, size_t n, void *o) { return hl_ping_decode(p, n, o); }
static int dec_rack(const uint8_t *p, size_t n, void *o) { return hl_receipt_ack_decode(p, n, o); }
static int dec_dack(const uint8_t *p, size_t n, void *o) { return hl_descriptor_ack_decode(p, n, o); }
static int dec_routes(const uint8_t *p, size_t n, void *o) { return hl_routes_decode(p, n, o); }
static int dec_creq(const uint8_t *p, size_t n, void *o) { return hl_consistency_req_decode(p, n, o); }
static int dec_cons(const uint8_t *p, size_t n, void *o) { return hl_consistency_decode(p, n, o); }
static int dec_cpack(const uint8_t *p, size_t n, void *o) { return hl_checkpoint_ack_decode(p, n, o); }

static void
test_ping_descriptor_ack(void **state)
{
	struct hl_ping pg = { 0x0102030405060708ull, 1700000000123ull }, pg2;
	struct hl_buf b;
	uint32_t ep;
	static const uint8_t want[16] = { 1, 2, 3, 4, 5, 6, 7, 8,
	    0, 0, 0x01, 0x8b, 0xcf, 0xe5, 0x68, 0x7b };

	(void)state;
	hl_buf_init(&b, 64);
	assert_int_equal(hl_ping_encode(&pg, &b), HL_OK);
	assert_int_equal(b.len, 16);
	assert_memory_equal(b.data, want, 16);   /* big-endian, PROTOCOL.md */
	assert_int_equal(hl_ping_decode(b.data, b.len, &pg2), HL_OK);
	assert_true(pg2.nonce == pg.nonce && pg2.time_ms == pg.time_ms);
	assert_strict(dec_ping, b.data, b.len);
	hl_buf_free(&b);

	hl_buf_init(&b, 64);
	assert_int_equal(hl_descriptor_ack_encode(0xdeadbeefu, &b), HL_OK);
	assert_int_equal(b.len, 4);
	assert_int_equal(b.data[0], 0xde);
	assert_int_equal(hl_descriptor_ack_decode(b.data, b.len, &ep), HL_OK);
	assert_int_equal(ep, 0xdeadbeefu);
	assert_strict(dec_dack, b.data, b.len);
	assert_int_equal(hl_descriptor_ack_decode(b.data, 3, &ep), HL_ERR_MALFORMED);
	assert_int_equal(ep, 0);
	hl_buf_free(&b);
}

static void
test_receipt_ack(void **state)
{
	struct hl_receipt_ack a, a2;
	struct hl_buf b;
	uint8_t p[128];
	size_t n;

	(void)state;
	memset(&a, 0, sizeof(a));
	memset(a.id, 0x5a, HL_ID_BYTES);
	a.kind = HL_RECEIPT_ACKNOWLEDGED;
	snprintf(a.from, sizeof(a.from), "JPN/tokyo-1");
	snprintf(a.issuer, sizeof(a.issuer), "KOR/seoul-1");
	hl_buf_init(&b, 256);
	assert_int_equal(hl_receipt_ack_encode(&a, &b), HL_OK);
	assert_int_equal(b.len, 16 + 1 + 1 + 11 + 1 + 11);
	assert_int_equal(hl_receipt_ack_decode(b.data, b.len, &a2), HL_OK);
	assert_memory_equal(a2.id, a.id, HL_ID_BYTES);
	assert_int_equal(a2.kind, a.kind);
	assert_string_equal(a2.from, "JPN/tokyo-1");
	assert_string_equal(a2.issuer, "KOR/seoul-1");
	assert_strict(dec_rack, b.data, b.len);
	/* unknown kind */
	memcpy(p, b.data, b.len);
	n = b.len;
	p[16] = 4;
	assert_int_equal(hl_receipt_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	p[16] = 0;
	assert_int_equal(hl_receipt_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	/* a name that is not a node name */
	memcpy(p, b.data, b.len);
	p[18 + 3] = '|';
	assert_int_equal(hl_receipt_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	/* a NUL inside a name */
	memcpy(p, b.data, b.len);
	p[18 + 5] = 0;
	assert_int_equal(hl_receipt_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	hl_buf_free(&b);
	/* over-long name: 65 bytes */
	memset(p, 0, sizeof(p));
	p[16] = HL_RECEIPT_DELIVERED;
	p[17] = HL_NODE_NAME_MAX + 1;
	memset(p + 18, 'a', HL_NODE_NAME_MAX + 1);
	assert_int_equal(hl_receipt_ack_decode(p, sizeof(p), &a2), HL_ERR_TOO_BIG);
	/* encoder refuses what the decoder would */
	hl_buf_init(&b, 256);
	a.kind = 9;
	assert_int_not_equal(hl_receipt_ack_encode(&a, &b), HL_OK);
	a.kind = HL_RECEIPT_DELIVERED;
	snprintf(a.from, sizeof(a.from), "no-partner");
	assert_int_not_equal(hl_receipt_ack_encode(&a, &b), HL_OK);
	hl_buf_free(&b);
}

static void
test_relay_routes(void **state)
{
	static struct hl_routes rt, rt2;
	struct hl_relay rl;
	struct hl_buf b;
	static const uint8_t env[5] = { 'H', 'L', 'E', 'N', 1 };
	static uint8_t big[1 + (HL_ROUTES_MAX + 1) * 12];
	unsigned i;
	size_t n;

	(void)state;
	hl_buf_init(&b, 256);
	assert_int_equal(hl_relay_encode("USA/dc-1", env, sizeof(env), &b), HL_OK);
	assert_int_equal(b.len, 1 + 8 + sizeof(env));
	assert_int_equal(hl_relay_decode(b.data, b.len, &rl), HL_OK);
	assert_string_equal(rl.final, "USA/dc-1");
	assert_int_equal(rl.env_len, sizeof(env));
	assert_ptr_equal(rl.env, b.data + 9);
	/* no envelope; cut name; bad name */
	assert_int_equal(hl_relay_decode(b.data, 9, &rl), HL_ERR_MALFORMED);
	assert_int_equal(hl_relay_decode(b.data, 5, &rl), HL_ERR_MALFORMED);
	assert_int_equal(hl_relay_decode(b.data, 0, &rl), HL_ERR_MALFORMED);
	b.data[4] = '\\';
	assert_int_equal(hl_relay_decode(b.data, b.len, &rl), HL_ERR_MALFORMED);
	assert_true(rl.env == NULL && rl.final[0] == '\0');
	assert_int_equal(hl_relay_encode("USA/dc-1", env, 0, &b), HL_ERR_INVALID);
	hl_buf_free(&b);

	memset(&rt, 0, sizeof(rt));
	rt.n = 3;
	snprintf(rt.node[0], sizeof(rt.node[0]), "JPN/a");
	snprintf(rt.node[1], sizeof(rt.node[1]), "KOR/b");
	snprintf(rt.node[2], sizeof(rt.node[2]), "USA/c.d_e-f");
	hl_buf_init(&b, 4096);
	assert_int_equal(hl_routes_encode(&rt, &b), HL_OK);
	assert_int_equal(hl_routes_decode(b.data, b.len, &rt2), HL_OK);
	assert_int_equal(rt2.n, 3);
	for (i = 0; i < 3; i++)
		assert_string_equal(rt2.node[i], rt.node[i]);
	assert_strict(dec_routes, b.data, b.len);
	/* the count says more names than follow */
	b.data[0] = 4;
	assert_int_equal(hl_routes_decode(b.data, b.len, &rt2), HL_ERR_MALFORMED);
	assert_int_equal(rt2.n, 0);
	hl_buf_free(&b);
	/* empty list is fine */
	big[0] = 0;
	assert_int_equal(hl_routes_decode(big, 1, &rt2), HL_OK);
	assert_int_equal(rt2.n, 0);
	/* one name more than the limit, all valid */
	big[0] = HL_ROUTES_MAX + 1;
	for (i = 0, n = 1; i < HL_ROUTES_MAX + 1; i++) {
		big[n++] = 10;
		memcpy(big + n, "JPN/n", 5);
		snprintf((char *)big + n + 5, 6, "%05u", i);
		n += 10;
	}
	assert_int_equal(hl_routes_decode(big, n, &rt2), HL_ERR_TOO_BIG);
	big[0] = HL_ROUTES_MAX;
	assert_int_equal(hl_routes_decode(big, n - 11, &rt2), HL_OK);
	assert_int_equal(rt2.n, HL_ROUTES_MAX);
	rt.n = HL_ROUTES_MAX + 1;
	hl_buf_init(&b, 16384);
	assert_int_equal(hl_routes_encode(&rt, &b), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
}

static void
test_consistency(void **state)
{
	uint8_t h[HL_PROOF_HASHES_MAX + 1][HL_SHA256];
	struct hl_consistency c;
	struct hl_buf b;
	uint8_t p[17];
	unsigned i;

	(void)state;
	for (i = 0; i < HL_PROOF_HASHES_MAX + 1; i++)
		memset(h[i], (int)i, HL_SHA256);
	hl_buf_init(&b, 64);
	assert_int_equal(hl_consistency_req_encode(5, 9, &b), HL_OK);
	assert_int_equal(hl_consistency_req_decode(b.data, b.len, &c), HL_OK);
	assert_true(c.old_size == 5 && c.new_size == 9 && c.n == 0);
	assert_strict(dec_creq, b.data, b.len);
	hl_buf_free(&b);

	hl_buf_init(&b, 4096);
	assert_int_equal(hl_consistency_encode(5, 9, (const uint8_t (*)[HL_SHA256])h, 3, &b),
	    HL_OK);
	assert_int_equal(b.len, 17 + 3 * HL_SHA256);
	assert_int_equal(hl_consistency_decode(b.data, b.len, &c), HL_OK);
	assert_true(c.old_size == 5 && c.new_size == 9 && c.n == 3);
	assert_memory_equal(c.hashes + 2 * HL_SHA256, h[2], HL_SHA256);
	assert_strict(dec_cons, b.data, b.len);
	hl_buf_free(&b);
	/* 65 hashes: refused by both sides */
	hl_buf_init(&b, 8192);
	assert_int_equal(hl_consistency_encode(1, 2, (const uint8_t (*)[HL_SHA256])h,
	    HL_PROOF_HASHES_MAX + 1, &b), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
	memset(p, 0, sizeof(p));
	p[16] = HL_PROOF_HASHES_MAX + 1;
	assert_int_equal(hl_consistency_decode(p, sizeof(p), &c), HL_ERR_TOO_BIG);
	p[16] = 0;
	assert_int_equal(hl_consistency_decode(p, sizeof(p), &c), HL_OK);
	p[16] = 1;   /* says one hash, has none */
	assert_int_equal(hl_consistency_decode(p, sizeof(p), &c), HL_ERR_MALFORMED);
}

static void
make_cpack(struct hl_checkpoint_ack *a)
{
	memset(a, 0, sizeof(*a));
	a->version = HL_CHECKPOINT_ACK_VERSION;
	snprintf(a->witness, sizeof(a->witness), "KOR/seoul-1");
	snprintf(a->origin, sizeof(a->origin), "JPN/tokyo-1");
	a->size = 42;
	memset(a->root, 0xab, sizeof(a->root));
	a->result = HL_WITNESS_OK;
	a->time_ms = 1700000000000ull;
	memset(a->sig, 0xcd, sizeof(a->sig));
}

static void
test_checkpoint_ack(void **state)
{
	struct hl_checkpoint_ack a, a2;
	struct hl_buf b;
	uint8_t p[HL_CHECKPOINT_ACK_MAX_BYTES + 1], d1[64], d2[64];
	size_t n;

	(void)state;
	make_cpack(&a);
	hl_buf_init(&b, 512);
	assert_int_equal(hl_checkpoint_ack_encode(&a, &b), HL_OK);
	assert_int_equal(b.len, 4 + 1 + 12 + 12 + 8 + 32 + 1 + 8 + 64);
	assert_memory_equal(b.data, "HLCA", 4);
	assert_int_equal(hl_checkpoint_ack_decode(b.data, b.len, &a2), HL_OK);
	assert_string_equal(a2.witness, a.witness);
	assert_string_equal(a2.origin, a.origin);
	assert_true(a2.size == 42 && a2.time_ms == a.time_ms && a2.result == HL_WITNESS_OK);
	assert_memory_equal(a2.root, a.root, HL_SHA256);
	assert_memory_equal(a2.sig, a.sig, HL_ED25519_SIG);
	assert_int_equal(a2.signed_len, b.len - HL_ED25519_SIG);
	assert_strict(dec_cpack, b.data, b.len);
	assert_string_equal(hl_witness_result_name(HL_WITNESS_FORK), "fork");
	assert_string_equal(hl_witness_result_name(0), "?");
	/* digest: domain separated, covers the signed part only */
	assert_int_equal(hl_checkpoint_ack_digest(b.data, a2.signed_len, d1), HL_OK);
	assert_int_equal(hl_checkpoint_ack_digest(b.data, a2.signed_len - 1, d2), HL_OK);
	assert_memory_not_equal(d1, d2, 64);
	assert_int_equal(hl_receipt_digest(b.data, a2.signed_len, d2), HL_OK);
	assert_memory_not_equal(d1, d2, 64);

	n = b.len;
	memcpy(p, b.data, n);
	p[0] = 'X';                                      /* magic */
	assert_int_equal(hl_checkpoint_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	memcpy(p, b.data, n);
	p[4] = 3;                                        /* version */
	assert_int_equal(hl_checkpoint_ack_decode(p, n, &a2), HL_ERR_VERSION);
	p[4] = 2;                                        /* hybrid, but Ed25519 only */
	assert_int_equal(hl_checkpoint_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	memcpy(p, b.data, n);
	p[4 + 1 + 12 + 12 + 8 + 32] = 3;                 /* result */
	assert_int_equal(hl_checkpoint_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	memcpy(p, b.data, n);
	p[4 + 1 + 12 + 12] = 0x80;                       /* size >= 2^63 */
	assert_int_equal(hl_checkpoint_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	memcpy(p, b.data, n);
	p[4 + 1 + 1 + 3] = '?';                          /* witness name syntax */
	assert_int_equal(hl_checkpoint_ack_decode(p, n, &a2), HL_ERR_MALFORMED);
	assert_int_equal(a2.size, 0);
	memset(p, 0, sizeof(p));
	assert_int_equal(hl_checkpoint_ack_decode(p, sizeof(p), &a2), HL_ERR_TOO_BIG);
	memcpy(p, "HLCA\1", 5);
	p[5] = HL_NODE_NAME_MAX + 1;                     /* over-long name */
	memset(p + 6, 'a', HL_NODE_NAME_MAX + 1);
	assert_int_equal(hl_checkpoint_ack_decode(p, 200, &a2), HL_ERR_TOO_BIG);
	hl_buf_free(&b);
	/* the encoder refuses invalid fields */
	hl_buf_init(&b, 512);
	a.result = 0;
	assert_int_equal(hl_checkpoint_ack_encode(&a, &b), HL_ERR_INVALID);
	make_cpack(&a);
	a.version = 3;
	assert_int_equal(hl_checkpoint_ack_encode(&a, &b), HL_ERR_VERSION);
	a.version = 2;                                   /* hybrid without its signature */
	assert_int_equal(hl_checkpoint_ack_encode(&a, &b), HL_ERR_INVALID);
	make_cpack(&a);
	snprintf(a.origin, sizeof(a.origin), "JPN");
	assert_int_not_equal(hl_checkpoint_ack_encode(&a, &b), HL_OK);
	hl_buf_free(&b);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_envelope_roundtrip),
		cmocka_unit_test(test_envelope_malformed),
		cmocka_unit_test(test_receipt),
		cmocka_unit_test(test_descriptor),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_chunks),
		cmocka_unit_test(test_ping_descriptor_ack),
		cmocka_unit_test(test_receipt_ack),
		cmocka_unit_test(test_relay_routes),
		cmocka_unit_test(test_consistency),
		cmocka_unit_test(test_checkpoint_ack),
		cmocka_unit_test(test_names),
		cmocka_unit_test(test_digests),
	};

	return cmocka_run_group_tests_name("envelope", tests, NULL, NULL);
}
