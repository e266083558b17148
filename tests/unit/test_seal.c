/* test_seal.c: keys, sealing, verifying and opening envelopes, receipts and
 * descriptors, and the deterministic mutation test (style rule 31): every
 * single-bit change and every truncation of a sealed envelope is rejected. */
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <fcntl.h>
#include <unistd.h>
#include <dirent.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "envelope.h"
#include "errors.h"
#include "kemcache.h"
#include "keys.h"
#include "label.h"
#include "seal.h"
#include "csig.h"

struct node {
	const char *name;
	char key_path[512];
	char kem_dir[512];
	struct hl_keys *keys;
	uint8_t pub[HL_ED25519_PUB];
	uint8_t *cert;
	size_t cert_len;
};



static char tmpdir[256];
static struct node na = { .name = "JPN/tokyo-1" };
static struct node nb = { .name = "KOR/seoul-1" };
static struct node nc = { .name = "USA/node-2" };

static void
write_pem(const char *path, EVP_PKEY *pk, mode_t mode)
{
	FILE *f;
	int fd;

	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);
	assert_true(fd >= 0);
	assert_int_equal(fchmod(fd, mode), 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	assert_int_equal(PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL), 1);
	assert_int_equal(fclose(f), 0);
}

/* A self-signed Ed25519 certificate for pk, DER. */
static void
make_cert(EVP_PKEY *pk, const char *cn, uint8_t **der, size_t *len)
{
	X509 *x = X509_new();
	X509_NAME *n;
	unsigned char *p = NULL;
	int l;

	assert_non_null(x);
	assert_int_equal(X509_set_version(x, 2), 1);
	assert_int_equal(ASN1_INTEGER_set(X509_get_serialNumber(x), 1), 1);
	assert_non_null(X509_gmtime_adj(X509_getm_notBefore(x), 0));
	assert_non_null(X509_gmtime_adj(X509_getm_notAfter(x), 3600));
	assert_int_equal(X509_set_pubkey(x, pk), 1);
	n = X509_get_subject_name(x);
	assert_int_equal(X509_NAME_add_entry_by_txt(n, "CN", MBSTRING_ASC,
	    (const unsigned char *)cn, -1, -1, 0), 1);
	assert_int_equal(X509_set_issuer_name(x, n), 1);
	assert_true(X509_sign(x, pk, NULL) > 0);
	l = i2d_X509(x, &p);
	assert_true(l > 0);
	*der = hl_malloc((size_t)l);
	memcpy(*der, p, (size_t)l);
	*len = (size_t)l;
	OPENSSL_free(p);
	X509_free(x);
}

static void
node_setup(struct node *n, const char *tag)
{
	EVP_PKEY *pk;
	char err[256];

	snprintf(n->key_path, sizeof(n->key_path), "%s/%s.key", tmpdir, tag);
	snprintf(n->kem_dir, sizeof(n->kem_dir), "%s/%s-kem", tmpdir, tag);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	write_pem(n->key_path, pk, 0600);
	make_cert(pk, n->name, &n->cert, &n->cert_len);
	EVP_PKEY_free(pk);
	assert_int_equal(hl_keys_open(n->key_path, n->kem_dir, &n->keys, err, sizeof(err)),
	    HL_OK);
	hl_keys_sign_pub(n->keys, n->pub);
}

static int
setup(void **state)
{
	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hl-test-seal-XXXXXX");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	node_setup(&na, "a");
	node_setup(&nb, "b");
	node_setup(&nc, "c");
	return 0;
}

static void
rm_rf(const char *path)
{
	DIR *d;
	struct dirent *de;
	char p[1024];
	struct stat st;

	if (lstat(path, &st) == -1)
		return;
	if (S_ISDIR(st.st_mode) && (d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(p, sizeof(p), "%s/%s", path, de->d_name);
			rm_rf(p);
		}
		closedir(d);
		rmdir(path);
	} else {
		unlink(path);
	}
}

static int
teardown(void **state)
{
	(void)state;
	hl_keys_free(na.keys);
	hl_keys_free(nb.keys);
	hl_keys_free(nc.keys);
	hl_free(na.cert);
	hl_free(nb.cert);
	hl_free(nc.cert);
	rm_rf(tmpdir);
	return 0;
}

static void
recipient(struct node *n, struct hl_seal_recipient *r)
{
	memset(r, 0, sizeof(*r));
	r->node = n->name;
	assert_int_equal(hl_keys_kem_current(n->keys, HL_SUITE_X25519, &r->epoch, &r->pub,
	    &r->publen), HL_OK);
	assert_int_equal(r->epoch, 1);
	assert_int_equal(r->publen, 32);
}

static struct hl_label label;
static struct hl_seal_recipient rcpts[2];

static void
params(struct hl_seal_params *sp)
{
	struct hl_policy p;
	char err[128];

	hl_policy_default(&p);
	assert_int_equal(hl_label_make(&p,
	    &(struct hl_label_spec){ .classification = "CONFIDENTIAL", .releasable = "KOR,USA",
	    .tlp = "amber" }, &label, err, sizeof(err)), HL_OK);
	recipient(&nb, &rcpts[0]);
	recipient(&nc, &rcpts[1]);
	memset(sp, 0, sizeof(*sp));
	sp->suite = HL_SUITE_X25519;
	sp->precedence = HL_PREC_IMMEDIATE;
	sp->content_type = HL_CT_TEXT;
	sp->created_ms = 1700000000000ull;
	sp->expires_ms = 1700000000000ull + 86400000;
	sp->origin = na.name;
	sp->originator = "Sato";
	sp->label = &label;
	sp->nrecipients = 2;
	sp->recipients = rcpts;
}

static const uint8_t msg[] = "Track 4711: two contacts bearing 270, closing.";

static void
test_seal_open_roundtrip(void **state)
{
	struct hl_seal_params sp;
	struct hl_envelope e;
	uint8_t id[HL_ID_BYTES], *raw = NULL, *pt = NULL;
	size_t len = 0, ptlen = 0;

	(void)state;
	params(&sp);
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len), HL_OK);
	assert_int_equal(hl_envelope_decode(raw, len, &e), HL_OK);
	assert_memory_equal(e.id, id, HL_ID_BYTES);
	assert_string_equal(e.origin, na.name);
	assert_int_equal(e.nwraps, 2);
	assert_int_equal(e.wraps[0].len, 80);
	assert_int_equal(e.ct_len, sizeof(msg) + HL_GCM_TAG);
	/* the content does not appear in clear */
	assert_null(memmem(raw, len, "Track 4711", 10));
	assert_int_equal(hl_verify_envelope(&e, raw, na.pub), HL_OK);
	assert_int_equal(hl_verify_envelope(&e, raw, nb.pub), HL_ERR_BAD_SIGNATURE);

	assert_int_equal(hl_open_envelope(nb.keys, &e, raw, nb.name, &pt, &ptlen), HL_OK);
	assert_int_equal(ptlen, sizeof(msg));
	assert_memory_equal(pt, msg, sizeof(msg));
	hl_free_secret(pt, ptlen);
	assert_int_equal(hl_open_envelope(nc.keys, &e, raw, nc.name, &pt, &ptlen), HL_OK);
	assert_memory_equal(pt, msg, sizeof(msg));
	hl_free_secret(pt, ptlen);
	/* not addressed */
	assert_int_equal(hl_open_envelope(na.keys, &e, raw, na.name, &pt, &ptlen),
	    HL_ERR_NOT_FOUND);
	assert_null(pt);
	/* someone else's wrap with my keys */
	assert_int_equal(hl_open_envelope(nb.keys, &e, raw, nc.name, &pt, &ptlen),
	    HL_ERR_DECRYPT);
	assert_null(pt);
	assert_int_equal(ptlen, 0);
	hl_free(raw);

	/* a fresh id, key and nonce each time */
	{
		uint8_t id2[HL_ID_BYTES], *raw2 = NULL;
		size_t len2 = 0;

		assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id2, &raw2,
		    &len2), HL_OK);
		assert_memory_not_equal(id, id2, HL_ID_BYTES);
		hl_free(raw2);
	}
	/* empty content */
	assert_int_equal(hl_seal_envelope(na.keys, &sp, NULL, 0, id, &raw, &len), HL_OK);
	assert_int_equal(hl_envelope_decode(raw, len, &e), HL_OK);
	assert_int_equal(hl_open_envelope(nb.keys, &e, raw, nb.name, &pt, &ptlen), HL_OK);
	assert_int_equal(ptlen, 0);
	hl_free_secret(pt, ptlen);
	hl_free(raw);
}

/* KEM sessions (kemcache.h) with the hybrid suite: two envelopes to the
 * same recipients reuse its encapsulation (the same ciphertexts) but not
 * its key-wrapping key (the wrapped keys differ); the recipient
 * decapsulates once; a re-seal under an old id encapsulates afresh; a
 * modified ciphertext is refused and spoils nothing. */
static void
test_kem_sessions(void **state)
{
	struct hl_seal_params sp;
	struct hl_seal_recipient hr[2];
	struct hl_envelope e1, e2, e3;
	struct hl_kem_cache_stats st_s, st_r0, st_r;
	uint8_t id1[HL_ID_BYTES], id2[HL_ID_BYTES], *r1 = NULL, *r2 = NULL, *r3 = NULL;
	uint8_t *pt = NULL, ck[HL_AES_KEY], bad[HL_WRAP_MAX_BYTES];
	size_t l1 = 0, l2 = 0, l3 = 0, ptlen = 0, ctl = 32 + 1088;

	(void)state;
	params(&sp);
	sp.suite = HL_SUITE_X25519_MLKEM768;
	memset(hr, 0, sizeof(hr));
	hr[0].node = nb.name;
	hr[1].node = nc.name;
	assert_int_equal(hl_keys_kem_current(nb.keys, sp.suite, &hr[0].epoch, &hr[0].pub,
	    &hr[0].publen), HL_OK);
	assert_int_equal(hl_keys_kem_current(nc.keys, sp.suite, &hr[1].epoch, &hr[1].pub,
	    &hr[1].publen), HL_OK);
	sp.recipients = hr;
	hl_keys_session_stats(nb.keys, &st_s, &st_r0);
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id1, &r1, &l1), HL_OK);
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id2, &r2, &l2), HL_OK);
	assert_int_equal(hl_envelope_decode(r1, l1, &e1), HL_OK);
	assert_int_equal(hl_envelope_decode(r2, l2, &e2), HL_OK);
	assert_int_equal(e1.wraps[0].len, 1168);
	/* the same encapsulation to KOR's key, another wrapped key */
	assert_memory_equal(e1.wraps[0].data, e2.wraps[0].data, ctl);
	assert_memory_not_equal(e1.wraps[0].data + ctl, e2.wraps[0].data + ctl, 48);
	/* and another to the other recipient */
	assert_memory_not_equal(e1.wraps[0].data, e1.wraps[1].data, 32);
	hl_keys_session_stats(na.keys, &st_s, &st_r);
	assert_true(st_s.hits >= 2 && st_s.live >= 2);
	/* each opens; the recipient decapsulated once */
	assert_int_equal(hl_open_envelope(nb.keys, &e1, r1, nb.name, &pt, &ptlen), HL_OK);
	assert_memory_equal(pt, msg, sizeof(msg));
	hl_free_secret(pt, ptlen);
	assert_int_equal(hl_open_envelope(nb.keys, &e2, r2, nb.name, &pt, &ptlen), HL_OK);
	assert_memory_equal(pt, msg, sizeof(msg));
	hl_free_secret(pt, ptlen);
	hl_keys_session_stats(nb.keys, &st_s, &st_r);
	assert_int_equal(st_r.hits - st_r0.hits, 1);
	assert_int_equal(st_r.misses - st_r0.misses, 1);
	/* a modified ciphertext: refused, and the session still opens */
	memcpy(bad, e2.wraps[0].data, e2.wraps[0].len);
	bad[40] ^= 1;
	assert_int_equal(hl_keys_unwrap(nb.keys, sp.suite, hr[0].epoch, id2, nb.name, bad,
	    e2.wraps[0].len, ck), HL_ERR_DECRYPT);
	bad[40] ^= 1;
	bad[3] ^= 1;   /* ct_x */
	assert_int_equal(hl_keys_unwrap(nb.keys, sp.suite, hr[0].epoch, id2, nb.name, bad,
	    e2.wraps[0].len, ck), HL_ERR_DECRYPT);
	assert_int_equal(hl_keys_unwrap(nb.keys, sp.suite, hr[0].epoch, id2, nb.name,
	    e2.wraps[0].data, e2.wraps[0].len, ck), HL_OK);
	/* another envelope's id with this wrap: another KWK, refused */
	assert_int_equal(hl_keys_unwrap(nb.keys, sp.suite, hr[0].epoch, id1, nb.name,
	    e2.wraps[0].data, e2.wraps[0].len, ck), HL_ERR_DECRYPT);
	/* a re-seal under id1 encapsulates afresh */
	sp.id = id1;
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id1, &r3, &l3), HL_OK);
	assert_int_equal(hl_envelope_decode(r3, l3, &e3), HL_OK);
	assert_memory_not_equal(e3.wraps[0].data, e1.wraps[0].data, 32);
	assert_int_equal(hl_open_envelope(nb.keys, &e3, r3, nb.name, &pt, &ptlen), HL_OK);
	hl_free_secret(pt, ptlen);
	OPENSSL_cleanse(ck, sizeof(ck));
	hl_free(r1);
	hl_free(r2);
	hl_free(r3);
}

static void
test_seal_refusals(void **state)
{
	struct hl_seal_params sp;
	struct hl_seal_recipient bad[2];
	struct hl_envelope e;
	uint8_t id[HL_ID_BYTES], *raw = NULL, *pt = NULL;
	size_t len = 0, ptlen = 0;

	(void)state;
	params(&sp);
	sp.suite = 9;   /* no such suite */
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len),
	    HL_ERR_VERSION);
	assert_null(raw);
	params(&sp);
	sp.suite = HL_SUITE_X25519_MLKEM768;   /* recipients' keys are X25519-only */
	assert_int_not_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len),
	    HL_OK);
	assert_null(raw);
	params(&sp);
	memcpy(bad, rcpts, sizeof(bad));
	bad[1].publen = 31;
	sp.recipients = bad;
	assert_int_not_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len),
	    HL_OK);
	params(&sp);
	sp.nrecipients = 0;
	assert_int_not_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len),
	    HL_OK);
	params(&sp);
	sp.flags = 0x80;
	assert_int_not_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len),
	    HL_OK);
	params(&sp);
	sp.expires_ms = sp.created_ms - 1;
	assert_int_not_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len),
	    HL_OK);
	assert_null(raw);
	/* a wrap for a KEM epoch the recipient no longer (or never) had */
	params(&sp);
	memcpy(bad, rcpts, sizeof(bad));
	bad[0].epoch = 2;
	sp.recipients = bad;
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len), HL_OK);
	assert_int_equal(hl_envelope_decode(raw, len, &e), HL_OK);
	assert_int_equal(hl_open_envelope(nb.keys, &e, raw, nb.name, &pt, &ptlen),
	    HL_ERR_DECRYPT);
	hl_free(raw);
}

/* Style rule 31: every single-bit flip and every truncation is rejected. */
static void
test_every_bit_flip_rejected(void **state)
{
	struct hl_seal_params sp;
	struct hl_envelope e;
	uint8_t id[HL_ID_BYTES], *raw = NULL, *m = NULL, *pt = NULL;
	size_t len = 0, ptlen = 0, bit, i;
	unsigned decode_fail = 0, verify_fail = 0, open_fail = 0;
	int64_t live;
	int dr, vr, or;

	(void)state;
	params(&sp);
	assert_int_equal(hl_seal_envelope(na.keys, &sp, (const uint8_t *)"hi", 2, id, &raw,
	    &len), HL_OK);
	m = hl_malloc(len);
	live = hl_alloc_live();
	for (bit = 0; bit < len * 8; bit++) {
		memcpy(m, raw, len);
		m[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		dr = hl_envelope_decode(m, len, &e);
		if (dr != HL_OK) {
			decode_fail++;
			continue;
		}
		vr = hl_verify_envelope(&e, m, na.pub);
		or = hl_open_envelope(nb.keys, &e, m, nb.name, &pt, &ptlen);
		if (or == HL_OK)
			hl_free_secret(pt, ptlen);
		/* never accepted */
		assert_false(vr == HL_OK && or == HL_OK);
		verify_fail += vr != HL_OK;
		/* and the AEAD alone binds the whole header and ciphertext */
		if (bit / 8 < e.signed_len) {
			assert_int_not_equal(or, HL_OK);
			open_fail++;
		} else {
			assert_int_not_equal(vr, HL_OK);
		}
	}
	assert_int_equal(hl_alloc_live(), live);
	/* every flip was caught somewhere; each layer caught some */
	assert_int_equal(decode_fail + verify_fail, len * 8);
	assert_true(decode_fail > 0 && verify_fail > 0 && open_fail > 0);
	/* every truncation */
	for (i = 0; i < len; i++)
		assert_int_not_equal(hl_envelope_decode(raw, i, &e), HL_OK);
	print_message("bit flips: %zu, caught by decode %u, by signature %u (AEAD alone %u)\n",
	    len * 8, decode_fail, verify_fail, open_fail);
	hl_free(m);
	hl_free(raw);
}

/* ---- batch signatures (version 2, link protocol 3) ---- */

#define NB 7   /* leaves of the test batch: not a power of two */

/* A batch of NB envelopes and 3 receipts signed as one batch per kind;
 * each verifies alone, in any order, with or without the root cache. */
static void
test_batch_signatures(void **state)
{
	struct hl_seal_params sp;
	struct hl_sigbatch *b = hl_malloc(sizeof(*b));
	struct hl_sigcache *cache = NULL;
	struct hl_envelope e[NB], x;
	struct hl_receipt rc[3], rd;
	uint8_t id[NB][HL_ID_BYTES], *raw[NB], *rr[3], *pt = NULL, *m;
	size_t len[NB], rl[3], ptlen = 0;
	uint64_t roots = 0, leaves = 0, verified, hits;
	int res[NB], rres[3];
	unsigned i;

	(void)state;
	assert_non_null(b);
	hl_sigbatch_init(b);
	params(&sp);
	sp.version = HL_ENVELOPE_VERSION_BATCH;
	sp.batch = b;
	for (i = 0; i < NB; i++) {
		res[i] = HL_OK;
		sp.batch_result = &res[i];
		assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id[i], &raw[i],
		    &len[i]), HL_OK);
		/* not signed yet: the signed part only, no block */
		assert_int_not_equal(hl_envelope_decode(raw[i], len[i], &x), HL_OK);
	}
	for (i = 0; i < 3; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].version = HL_RECEIPT_VERSION_BATCH;
		rc[i].kind = HL_RECEIPT_DELIVERED;
		memset(rc[i].id, (int)i + 1, HL_ID_BYTES);
		snprintf(rc[i].from, sizeof(rc[i].from), "%s", na.name);
		snprintf(rc[i].to, sizeof(rc[i].to), "%s", nb.name);
		rc[i].time_ms = 1700000000999ull + i;
		rres[i] = HL_OK;
		assert_int_equal(hl_seal_receipt_batch(na.keys, &rc[i], b, &rres[i], &rr[i], &rl[i]),
		    HL_OK);
	}
	hl_sigbatch_finish(b, na.keys, &roots, &leaves);
	assert_int_equal(roots, 2);                  /* one root per kind */
	assert_int_equal(leaves, NB + 3);
	assert_int_equal(hl_sigcache_new(16, &cache), HL_OK);
	for (i = 0; i < NB; i++) {
		unsigned j = (i * 3) % NB;           /* out of order */

		assert_int_equal(res[j], HL_OK);
		assert_int_equal(hl_envelope_decode(raw[j], len[j], &e[j]), HL_OK);
		assert_int_equal(e[j].version, HL_ENVELOPE_VERSION_BATCH);
		assert_int_equal(e[j].bs.count, NB);
		assert_int_equal(e[j].bs.index, j);
		assert_int_equal(e[j].bs.npath, hl_batch_path_len(j, NB));
		assert_memory_equal(e[j].id, id[j], HL_ID_BYTES);
		/* alone, without the cache; then through it */
		assert_int_equal(hl_verify_envelope(&e[j], raw[j], na.pub), HL_OK);
		assert_int_equal(hl_verify_envelope_cached(cache, &e[j], raw[j], csig(na.pub)), HL_OK);
		assert_int_equal(hl_verify_envelope_cached(cache, &e[j], raw[j], csig(nb.pub)),
		    HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_open_envelope(nb.keys, &e[j], raw[j], nb.name, &pt, &ptlen),
		    HL_OK);
		assert_memory_equal(pt, msg, sizeof(msg));
		hl_free_secret(pt, ptlen);
	}
	hl_sigcache_stats(cache, &verified, &hits);
	assert_int_equal(verified, 1);               /* one root checked, */
	assert_int_equal(hits, NB - 1);              /* the others from the cache */
	for (i = 0; i < 3; i++) {
		assert_int_equal(rres[i], HL_OK);
		assert_int_equal(hl_receipt_decode(rr[i], rl[i], &rd), HL_OK);
		assert_int_equal(rd.version, HL_RECEIPT_VERSION_BATCH);
		assert_int_equal(rd.bs.count, 3);
		assert_int_equal(hl_verify_receipt_cached(cache, &rd, rr[i], csig(na.pub)), HL_OK);
		assert_int_equal(hl_verify_receipt(&rd, rr[i], nb.pub), HL_ERR_BAD_SIGNATURE);
	}
	/* a path moved to another leaf, or another leaf's index, fails */
	x = e[1];
	memcpy(x.bs.path, e[2].bs.path, sizeof(x.bs.path));
	assert_int_equal(hl_verify_envelope(&x, raw[1], na.pub), HL_ERR_BAD_SIGNATURE);
	x = e[1];
	x.bs.index = 0;
	assert_int_not_equal(hl_verify_envelope(&x, raw[1], na.pub), HL_OK);
	/* the root's signature does not verify as an envelope's or a receipt
	 * batch's: the receipt root's signature on the envelope root fails */
	x = e[0];
	assert_int_equal(hl_receipt_decode(rr[0], rl[0], &rd), HL_OK);
	memcpy(x.sig, rd.sig, HL_ED25519_SIG);
	assert_int_equal(hl_verify_envelope_cached(cache, &x, raw[0], csig(na.pub)),
	    HL_ERR_BAD_SIGNATURE);
	/* the cache never accepts a cached root under other signature bytes */
	x = e[0];
	x.sig[5] ^= 0x40;
	assert_int_equal(hl_verify_envelope_cached(cache, &x, raw[0], csig(na.pub)),
	    HL_ERR_BAD_SIGNATURE);
	/* every single-bit flip of a batch-signed envelope is rejected by
	 * the decoder or the signature check; every truncation by the decoder */
	m = hl_malloc(len[3]);
	assert_non_null(m);
	for (i = 0; i < len[3] * 8; i++) {
		memcpy(m, raw[3], len[3]);
		m[i / 8] ^= (uint8_t)(1u << (i % 8));
		if (hl_envelope_decode(m, len[3], &x) == HL_OK)
			assert_int_not_equal(hl_verify_envelope_cached(cache, &x, m, csig(na.pub)), HL_OK);
	}
	for (i = 0; i < len[3]; i++)
		assert_int_not_equal(hl_envelope_decode(raw[3], i, &x), HL_OK);
	/* the block's fields, one by one: count 0 and 65, index = count, a
	 * path one hash short (the length byte), each malformed */
	{
		size_t sl = e[3].signed_len;
		static const struct { size_t off; uint8_t hi, lo; } bad[] = {
			{ 2, 0, 0 }, { 2, 0, HL_SIGBATCH_MAX + 1 }, { 0, 0, NB }, { 0, 0xff, 0xff },
		};

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			memcpy(m, raw[3], len[3]);
			m[sl + bad[i].off] = bad[i].hi;
			m[sl + bad[i].off + 1] = bad[i].lo;
			assert_int_equal(hl_envelope_decode(m, len[3], &x), HL_ERR_MALFORMED);
		}
		memcpy(m, raw[3], len[3]);
		m[sl + 4]--;
		assert_int_equal(hl_envelope_decode(m, len[3], &x), HL_ERR_MALFORMED);
		/* a version 1 reading of a version 2 envelope: refused */
		memcpy(m, raw[3], len[3]);
		m[4] = HL_ENVELOPE_VERSION;
		assert_int_equal(hl_envelope_decode(m, len[3], &x), HL_ERR_MALFORMED);
	}
	hl_free(m);
	for (i = 0; i < NB; i++)
		hl_free(raw[i]);
	for (i = 0; i < 3; i++)
		hl_free(rr[i]);
	hl_sigcache_free(cache);
	hl_free(b);
}

/* Without a batch (on the loop, or a worker's batch full), a version 2
 * item is signed at once as a batch of one; a full batch refuses more. */
static void
test_batch_of_one(void **state)
{
	struct hl_seal_params sp;
	struct hl_sigbatch *b = hl_malloc(sizeof(*b));
	struct hl_envelope e;
	uint8_t id[HL_ID_BYTES], *raw = NULL, one = 1;
	uint8_t *p = &one;
	size_t len = 0, pl = 1;
	int res = HL_OK;
	unsigned i;

	(void)state;
	params(&sp);
	sp.version = HL_ENVELOPE_VERSION_BATCH;
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id, &raw, &len), HL_OK);
	assert_int_equal(hl_envelope_decode(raw, len, &e), HL_OK);
	assert_int_equal(e.bs.count, 1);
	assert_int_equal(e.bs.npath, 0);
	assert_int_equal(hl_verify_envelope(&e, raw, na.pub), HL_OK);
	hl_free(raw);
	assert_non_null(b);
	hl_sigbatch_init(b);
	for (i = 0; i < HL_SIGBATCH_MAX; i++)
		assert_int_equal(hl_sigbatch_add(b, HL_SIGBATCH_ENVELOPE, 0, &p, &pl, &res), HL_OK);
	assert_int_equal(hl_sigbatch_add(b, HL_SIGBATCH_ENVELOPE, 0, &p, &pl, &res), HL_ERR_FULL);
	assert_false(hl_sigbatch_has_room(b, HL_SIGBATCH_ENVELOPE));
	assert_true(hl_sigbatch_has_room(b, HL_SIGBATCH_RECEIPT));
	hl_free(b);
	/* the path lengths of RFC 9162 trees */
	assert_int_equal(hl_batch_path_len(0, 1), 0);
	assert_int_equal(hl_batch_path_len(0, 2), 1);
	assert_int_equal(hl_batch_path_len(2, 3), 1);
	assert_int_equal(hl_batch_path_len(0, 3), 2);
	assert_int_equal(hl_batch_path_len(63, 64), 6);
	assert_int_equal(hl_batch_path_len(64, 65), 1);
}

static void
test_receipt_sign_verify(void **state)
{
	struct hl_receipt r, d;
	uint8_t *raw = NULL, dg[64];
	size_t len = 0, i;

	(void)state;
	memset(&r, 0, sizeof(r));
	r.version = 1;
	r.kind = HL_RECEIPT_DELIVERED;
	memset(r.id, 7, HL_ID_BYTES);
	snprintf(r.from, sizeof(r.from), "%s", nb.name);
	snprintf(r.to, sizeof(r.to), "%s", na.name);
	r.time_ms = 1700000000999ull;
	assert_int_equal(hl_seal_receipt(nb.keys, &r, &raw, &len), HL_OK);
	assert_int_equal(r.signed_len, len - HL_ED25519_SIG);
	assert_int_equal(hl_receipt_decode(raw, len, &d), HL_OK);
	assert_memory_equal(d.sig, r.sig, HL_ED25519_SIG);
	assert_int_equal(hl_verify_receipt(&d, raw, nb.pub), HL_OK);
	assert_int_equal(hl_verify_receipt(&d, raw, na.pub), HL_ERR_BAD_SIGNATURE);
	/* a receipt signature never verifies in another context */
	assert_int_equal(hl_receipt_digest(raw, d.signed_len, dg), HL_OK);
	assert_int_equal(hl_verify_sig(nb.pub, HL_SIGN_RECEIPT, dg, d.sig), HL_OK);
	assert_int_equal(hl_verify_sig(nb.pub, HL_SIGN_ENVELOPE, dg, d.sig), HL_ERR_BAD_SIGNATURE);
	assert_int_equal(hl_verify_sig(nb.pub, HL_SIGN_DESCRIPTOR, dg, d.sig),
	    HL_ERR_BAD_SIGNATURE);
	
/* tampering: every byte of the receipt */
	for (i = 0; i < len; i++) {
		raw[i] ^= 0x01;
		if (hl_receipt_decode(raw, len, &d) == HL_OK)
			assert_int_equal(hl_verify_receipt(&d, raw, nb.pub), HL_ERR_BAD_SIGNATURE);
		raw[i] ^= 0x01;
	}
	hl_free(raw);
}

static void
test_sign_contexts(void **state)
{
	uint8_t dg[64], sig[HL_ED25519_SIG];

	(void)state;
	memset(dg, 0x42, sizeof(dg));
	assert_int_equal(hl_keys_sign(na.keys, HL_SIGN_AUDIT, dg, sig), HL_OK);
	assert_int_equal(hl_verify_sig(na.pub, HL_SIGN_AUDIT, dg, sig), HL_OK);
	assert_int_equal(hl_verify_sig(na.pub, HL_SIGN_ENVELOPE, dg, sig), HL_ERR_BAD_SIGNATURE);
	dg[0] ^= 1;
	assert_int_equal(hl_verify_sig(na.pub, HL_SIGN_AUDIT, dg, sig), HL_ERR_BAD_SIGNATURE);
	assert_int_equal(hl_keys_sign(na.keys, (enum hl_sign_ctx)9, dg, sig), HL_ERR_INVALID);
	assert_int_equal(hl_verify_sig(na.pub, (enum hl_sign_ctx)0, dg, sig), HL_ERR_INVALID);
}

/* The signer na is to its partners: its descriptor of suite, verified. */
static void
signer_of(struct node *nd, int suite, struct hl_signer *out)
{
	struct hl_descriptor d;
	uint8_t *raw = NULL;
	size_t len = 0;
	uint64_t now = 1700000000000ull;

	assert_int_equal(hl_seal_descriptor(nd->keys, nd->name, nd->cert, nd->cert_len, now, 60000,
	    suite, NULL, 0, &raw, &len), HL_OK);
	assert_int_equal(hl_descriptor_decode(raw, len, &d), HL_OK);
	assert_int_equal(hl_verify_descriptor(&d, raw, now + 1, out), HL_OK);
	hl_free(raw);
}

/* Version 3: NB envelopes and 3 receipts in one batch, each root signed
 * Ed25519 + ML-DSA-65. Each verifies under the origin's descriptor keys;
 * a flipped byte in either half of the signature, another suite, another
 * ML-DSA key, or an Ed25519-only item from a hybrid signer is refused. */
static void
test_hybrid_batch(void **state)
{
	struct hl_seal_params sp;
	struct hl_sigbatch *b = hl_malloc(sizeof(*b));
	struct hl_sigcache *cache = NULL;
	struct hl_signer *sa = hl_malloc(sizeof(*sa)), *sx = hl_malloc(sizeof(*sx));
	struct hl_envelope e[NB], x;
	struct hl_receipt rc[3], rd;
	uint8_t id[NB][HL_ID_BYTES], *raw[NB], *rr[3], *m, *pt = NULL;
	size_t len[NB], rl[3], i, off, ptlen = 0;
	uint64_t roots = 0, leaves = 0;
	int res[NB], rres[3];

	(void)state;
	assert_non_null(b);
	assert_non_null(sa);
	assert_non_null(sx);
	signer_of(&na, HL_SUITE_ED25519_MLDSA65, sa);
	assert_int_equal(sa->npk, 1);
	assert_int_equal(sa->suite, HL_SUITE_ED25519_MLDSA65);
	assert_int_equal(sa->allow_classical, 0);
	assert_int_equal(hl_sigcache_new(64, &cache), HL_OK);
	hl_sigbatch_init(b);
	params(&sp);
	sp.version = HL_ENVELOPE_VERSION_HYBRID;
	sp.sig_suite = HL_SUITE_ED25519_MLDSA65;
	sp.batch = b;
	for (i = 0; i < NB; i++) {
		res[i] = HL_OK;
		sp.batch_result = &res[i];
		assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id[i], &raw[i],
		    &len[i]), HL_OK);
	}
	for (i = 0; i < 3; i++) {
		memset(&rc[i], 0, sizeof(rc[i]));
		rc[i].version = HL_RECEIPT_VERSION_HYBRID;
		rc[i].hsig.suite = HL_SUITE_ED25519_MLDSA65;
		rc[i].kind = HL_RECEIPT_DELIVERED;
		memset(rc[i].id, (int)i + 1, HL_ID_BYTES);
		snprintf(rc[i].from, sizeof(rc[i].from), "%s", na.name);
		snprintf(rc[i].to, sizeof(rc[i].to), "%s", nb.name);
		rc[i].time_ms = 1700000000999ull + i;
		rres[i] = HL_OK;
		assert_int_equal(hl_seal_receipt_batch(na.keys, &rc[i], b, &rres[i], &rr[i], &rl[i]),
		    HL_OK);
	}
	hl_sigbatch_finish(b, na.keys, &roots, &leaves);
	assert_int_equal(roots, 2);
	assert_int_equal(leaves, NB + 3);
	for (i = 0; i < NB; i++) {
		assert_int_equal(res[i], HL_OK);
		assert_int_equal(hl_envelope_decode(raw[i], len[i], &e[i]), HL_OK);
		assert_int_equal(e[i].version, HL_ENVELOPE_VERSION_HYBRID);
		assert_int_equal(e[i].hsig.suite, HL_SUITE_ED25519_MLDSA65);
		assert_int_equal(e[i].hsig.len, 1 + 64 + HL_MLDSA65_SIG_BYTES);
		assert_int_equal(hl_verify_envelope_cached(cache, &e[i], raw[i], sa), HL_OK);
		/* Ed25519 alone (the old API) cannot take it */
		assert_int_not_equal(hl_verify_envelope(&e[i], raw[i], na.pub), HL_OK);
		assert_int_equal(hl_open_envelope(nb.keys, &e[i], raw[i], nb.name, &pt, &ptlen),
		    HL_OK);
		assert_memory_equal(pt, msg, sizeof(msg));
		hl_free_secret(pt, ptlen);
	}
	for (i = 0; i < 3; i++) {
		assert_int_equal(rres[i], HL_OK);
		assert_int_equal(hl_receipt_decode(rr[i], rl[i], &rd), HL_OK);
		assert_int_equal(rd.version, HL_RECEIPT_VERSION_HYBRID);
		assert_int_equal(hl_verify_receipt_cached(cache, &rd, rr[i], sa), HL_OK);
	}
	/* every byte of the signature, Ed25519 half and ML-DSA half, flipped:
	 * refused (by the decoder for the suite byte, else by the check),
	 * with and without the cache of verified roots */
	m = hl_malloc(len[2]);
	assert_non_null(m);
	off = len[2] - e[2].hsig.len;
	for (i = off; i < len[2]; i++) {
		memcpy(m, raw[2], len[2]);
		m[i] ^= 0x01;
		if (hl_envelope_decode(m, len[2], &x) != HL_OK)
			continue;
		assert_int_equal(hl_verify_envelope_cached(NULL, &x, m, sa), HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_verify_envelope_cached(cache, &x, m, sa), HL_ERR_BAD_SIGNATURE);
	}
	/* the Ed25519 half alone, or the ML-DSA half zeroed */
	memcpy(m, raw[2], len[2]);
	memset(m + off + 1, 0, 64);
	assert_int_equal(hl_envelope_decode(m, len[2], &x), HL_OK);
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, m, sa), HL_ERR_BAD_SIGNATURE);
	memcpy(m, raw[2], len[2]);
	memset(m + off + 65, 0, len[2] - off - 65);
	assert_int_equal(hl_envelope_decode(m, len[2], &x), HL_OK);
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, m, sa), HL_ERR_BAD_SIGNATURE);
	/* relabelled as ML-DSA-87: the length no longer fits */
	memcpy(m, raw[2], len[2]);
	m[off] = HL_SUITE_ED25519_MLDSA87;
	assert_int_not_equal(hl_envelope_decode(m, len[2], &x), HL_OK);
	/* relabelled as classical: refused */
	m[off] = HL_SUITE_ED25519;
	assert_int_not_equal(hl_envelope_decode(m, len[2], &x), HL_OK);
	hl_free(m);
	/* another node's ML-DSA key with na's Ed25519 key: refused */
	signer_of(&nb, HL_SUITE_ED25519_MLDSA65, sx);
	memcpy(sx->ed, sa->ed, sizeof(sx->ed));
	assert_int_equal(hl_verify_envelope_cached(NULL, &e[0], raw[0], sx), HL_ERR_BAD_SIGNATURE);
	/* the suite na announced is ML-DSA-87: a 65 signature is not its */
	signer_of(&na, HL_SUITE_ED25519_MLDSA87, sx);
	assert_int_equal(hl_verify_envelope_cached(NULL, &e[0], raw[0], sx), HL_ERR_BAD_SIGNATURE);
	/* the previous key (second) still verifies what it signed */
	*sx = *sa;
	memcpy(sx->pk[1], sa->pk[0], sa->pk_len[0]);
	sx->pk_len[1] = sa->pk_len[0];
	memset(sx->pk[0], 0x5a, sx->pk_len[0]);
	sx->npk = 2;
	assert_int_equal(hl_verify_envelope_cached(NULL, &e[0], raw[0], sx), HL_OK);
	for (i = 0; i < NB; i++)
		hl_free(raw[i]);
	for (i = 0; i < 3; i++)
		hl_free(rr[i]);
	/* a version 2 (Ed25519-only) envelope from a hybrid signer: a downgrade */
	params(&sp);
	sp.version = HL_ENVELOPE_VERSION_BATCH;
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id[0], &raw[0], &len[0]),
	    HL_OK);
	assert_int_equal(hl_envelope_decode(raw[0], len[0], &x), HL_OK);
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, raw[0], sa), HL_ERR_DENIED);
	sa->allow_classical = 1;   /* allow_classical_signatures, or an old-release recipient */
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, raw[0], sa), HL_OK);
	hl_free(raw[0]);
	/* version 1 too */
	params(&sp);
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id[0], &raw[0], &len[0]),
	    HL_OK);
	assert_int_equal(hl_envelope_decode(raw[0], len[0], &x), HL_OK);
	sa->allow_classical = 0;
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, raw[0], sa), HL_ERR_DENIED);
	hl_free(raw[0]);
	/* ML-DSA-87 (CNSA 2.0), a batch of one */
	params(&sp);
	sp.version = HL_ENVELOPE_VERSION_HYBRID;
	sp.sig_suite = HL_SUITE_ED25519_MLDSA87;
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id[0], &raw[0], &len[0]),
	    HL_OK);
	assert_int_equal(hl_envelope_decode(raw[0], len[0], &x), HL_OK);
	assert_int_equal(x.hsig.len, 1 + 64 + HL_MLDSA87_SIG_BYTES);
	signer_of(&na, HL_SUITE_ED25519_MLDSA87, sx);
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, raw[0], sx), HL_OK);
	assert_int_equal(hl_verify_envelope_cached(NULL, &x, raw[0], sa), HL_ERR_BAD_SIGNATURE);
	hl_free(raw[0]);
	/* version 3 without a hybrid suite is refused at sealing */
	params(&sp);
	sp.version = HL_ENVELOPE_VERSION_HYBRID;
	sp.sig_suite = HL_SUITE_ED25519;
	assert_int_equal(hl_seal_envelope(na.keys, &sp, msg, sizeof(msg), id[0], &raw[0], &len[0]),
	    HL_ERR_INVALID);
	hl_sigcache_free(cache);
	hl_free(sa);
	hl_free(sx);
	hl_free(b);
}

/* Descriptor version 2: the ML-DSA key (and the one a rotation replaced)
 * announced and bound by the hybrid signature under the certificate's key. */
static void
test_descriptor_hybrid(void **state)
{
	struct hl_descriptor d;
	struct hl_signer *s = hl_malloc(sizeof(*s));
	uint8_t *raw = NULL, pk[HL_MLDSA_MAX_PK_BYTES], prev[HL_MLDSA65_PK_BYTES];
	size_t len = 0, pkl = 0, i;
	uint64_t now = 1700000000000ull;

	(void)state;
	assert_non_null(s);
	assert_int_equal(hl_keys_mldsa_pub(nb.keys, HL_MLDSA_65, pk, sizeof(pk), &pkl), HL_OK);
	memset(prev, 0x33, sizeof(prev));
	assert_int_equal(hl_seal_descriptor(nb.keys, nb.name, nb.cert, nb.cert_len, now, 60000,
	    HL_SUITE_ED25519_MLDSA65, prev, sizeof(prev), &raw, &len), HL_OK);
	assert_int_equal(hl_descriptor_decode(raw, len, &d), HL_OK);
	assert_int_equal(d.version, HL_DESCRIPTOR_VERSION_HYBRID);
	assert_int_equal(d.npk, 2);
	assert_memory_equal(d.mldsa_pk[0], pk, pkl);
	assert_memory_equal(d.mldsa_pk[1], prev, sizeof(prev));
	assert_int_equal(hl_verify_descriptor(&d, raw, now + 1, s), HL_OK);
	assert_int_equal(s->npk, 2);
	assert_memory_equal(s->pk[0], pk, pkl);
	assert_memory_equal(s->ed, nb.pub, HL_ED25519_PUB);
	/* tampering anywhere is refused (the ML-DSA keys included) */
	for (i = 0; i < len; i += 13) {
		raw[i] ^= 0x08;
		if (hl_descriptor_decode(raw, len, &d) == HL_OK)
			assert_int_not_equal(hl_verify_descriptor(&d, raw, now + 1, s), HL_OK);
		raw[i] ^= 0x08;
	}
	hl_free(raw);
	/* signed by b, carrying c's certificate: the Ed25519 half fails */
	assert_int_equal(hl_seal_descriptor(nb.keys, nb.name, nc.cert, nc.cert_len, now, 60000,
	    HL_SUITE_ED25519_MLDSA87, NULL, 0, &raw, &len), HL_OK);
	assert_int_equal(hl_descriptor_decode(raw, len, &d), HL_OK);
	assert_int_equal(d.npk, 1);
	assert_int_equal(hl_verify_descriptor(&d, raw, now + 1, s), HL_ERR_BAD_SIGNATURE);
	hl_free(raw);
	hl_free(s);
}

static void
test_descriptor_sign_verify(void **state)
{
	struct hl_descriptor d;
	uint8_t *raw = NULL;
	struct hl_signer sgd;
	const uint8_t *kp;
	size_t len = 0, kl, i;
	uint32_t ep;
	uint64_t now = 1700000000000ull;

	(void)state;
	assert_int_equal(hl_seal_descriptor(nb.keys, nb.name, nb.cert, nb.cert_len, now, 60000,
	    HL_SUITE_ED25519, NULL, 0, &raw, &len), HL_OK);
	assert_int_equal(hl_descriptor_decode(raw, len, &d), HL_OK);
	assert_string_equal(d.node, nb.name);
	assert_int_equal(d.epoch, 1);
	assert_int_equal(d.nkeys, 3);   /* x25519, x25519-mlkem768, x25519-mlkem1024 */
	assert_int_equal(d.keys[1].suite, HL_SUITE_X25519_MLKEM768);
	assert_int_equal(d.keys[1].len, 32 + 1184);
	assert_int_equal(d.keys[2].len, 32 + 1568);
	assert_int_equal(hl_keys_kem_current(nb.keys, HL_SUITE_X25519, &ep, &kp, &kl), HL_OK);
	assert_int_equal(d.keys[0].len, kl);
	assert_memory_equal(d.keys[0].pub, kp, kl);
	assert_int_equal(hl_verify_descriptor(&d, raw, now + 1, &sgd), HL_OK);
	assert_memory_equal(sgd.ed, nb.pub, HL_ED25519_PUB);
	assert_int_equal(sgd.npk, 0);
	assert_int_equal(hl_verify_descriptor(&d, raw, now - 1, &sgd), HL_ERR_EXPIRED);
	assert_int_equal(hl_verify_descriptor(&d, raw, now + 60001, &sgd), HL_ERR_EXPIRED);
	for (i = 0; i < HL_ED25519_PUB; i++)
		assert_int_equal(sgd.ed[i], 0);
	/* tampering anywhere is refused */
	for (i = 0; i < len; i += 7) {
		raw[i] ^= 0x10;
		if (hl_descriptor_decode(raw, len, &d) == HL_OK)
			assert_int_not_equal(hl_verify_descriptor(&d, raw, now + 1, &sgd), HL_OK);
		raw[i] ^= 0x10;
	}
	hl_free(raw);
	/* signed by b, but carrying c's certificate */
	assert_int_equal(hl_seal_descriptor(nb.keys, nb.name, nc.cert, nc.cert_len, now, 60000,
	    HL_SUITE_ED25519, NULL, 0, &raw, &len), HL_OK);
	assert_int_equal(hl_descriptor_decode(raw, len, &d), HL_OK);
	assert_int_equal(hl_verify_descriptor(&d, raw, now + 1, &sgd), HL_ERR_BAD_SIGNATURE);
	hl_free(raw);
	/* a certificate that is not DER */
	{
		uint8_t junk[40];

		memset(junk, 0x30, sizeof(junk));
		assert_int_equal(hl_seal_descriptor(nb.keys, nb.name, junk, sizeof(junk), now,
		    60000, HL_SUITE_ED25519, NULL, 0, &raw, &len), HL_OK);
		assert_int_equal(hl_descriptor_decode(raw, len, &d), HL_OK);
		assert_int_equal(hl_verify_descriptor(&d, raw, now + 1, &sgd), HL_ERR_MALFORMED);
		hl_free(raw);
	}
}

static void
test_key_files(void **state)
{
	char path[600], kdir[600], err[256], f[700];
	struct hl_keys *k = NULL;
	const uint8_t *p1, *p2;
	size_t l1, l2;
	uint32_t e1, e2;
	EVP_PKEY *pk;
	struct stat st;

	(void)state;
	/* group-readable signing key */
	snprintf(path, sizeof(path), "%s/loose.key", tmpdir);
	snprintf(kdir, sizeof(kdir), "%s/loose-kem", tmpdir);
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	write_pem(path, pk, 0640);
	EVP_PKEY_free(pk);
	assert_int_equal(hl_keys_open(path, kdir, &k, err, sizeof(err)), HL_ERR_CONFIG);
	assert_null(k);
	assert_non_null(strstr(err, "group/world"));
	assert_non_null(strstr(err, "loose.key"));
	/* not Ed25519 */
	pk = EVP_PKEY_Q_keygen(NULL, NULL, "X25519");
	write_pem(path, pk, 0600);
	EVP_PKEY_free(pk);
	assert_int_equal(hl_keys_open(path, kdir, &k, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "Ed25519"));
	/* missing file */
	snprintf(f, sizeof(f), "%s/none.key", tmpdir);
	assert_int_equal(hl_keys_open(f, kdir, &k, err, sizeof(err)), HL_ERR_IO);
	/* KEM directory with the wrong mode */
	assert_int_equal(mkdir(kdir, 0755), 0);
	assert_int_equal(chmod(kdir, 0755), 0);
	assert_int_equal(hl_keys_open(na.key_path, kdir, &k, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "KEM key directory"));
	/* KEM key file with the wrong mode */
	snprintf(f, sizeof(f), "%s/x25519-1.key", na.kem_dir);
	assert_int_equal(stat(f, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal(stat(na.kem_dir, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0700);
	assert_int_equal(chmod(f, 0644), 0);
	assert_int_equal(hl_keys_open(na.key_path, na.kem_dir, &k, err, sizeof(err)),
	    HL_ERR_CONFIG);
	assert_non_null(strstr(err, "x25519-1.key"));
	assert_int_equal(chmod(f, 0600), 0);
	/* reopening finds the same KEM key (epoch 1 persisted) */
	assert_int_equal(hl_keys_open(na.key_path, na.kem_dir, &k, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_keys_kem_current(k, HL_SUITE_X25519, &e1, &p1, &l1), HL_OK);
	assert_int_equal(hl_keys_kem_current(na.keys, HL_SUITE_X25519, &e2, &p2, &l2), HL_OK);
	assert_int_equal(e1, e2);
	assert_int_equal(l1, l2);
	assert_memory_equal(p1, p2, l1);
	assert_int_equal(hl_keys_kem_current(k, 9, &e1, &p1, &l1), HL_ERR_VERSION);
	hl_keys_free(k);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_seal_open_roundtrip),
		cmocka_unit_test(test_kem_sessions),
		cmocka_unit_test(test_seal_refusals),
		cmocka_unit_test(test_every_bit_flip_rejected),
		cmocka_unit_test(test_batch_signatures),
		cmocka_unit_test(test_batch_of_one),
		cmocka_unit_test(test_receipt_sign_verify),
		cmocka_unit_test(test_sign_contexts),
		cmocka_unit_test(test_descriptor_sign_verify),
		cmocka_unit_test(test_hybrid_batch),
		cmocka_unit_test(test_descriptor_hybrid),
		cmocka_unit_test(test_key_files),
	};

	return cmocka_run_group_tests_name("seal", tests, setup, teardown);
}
