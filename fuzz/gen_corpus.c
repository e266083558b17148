/* gen_corpus.c: writes the seed corpora fuzz/corpus/{envelope,receipt,
 * descriptor,label,frame,linkmsg}/ from real sealed objects (fresh keys in a
 * temporary directory), and fuzz/corpus/mldsa/ (fixed keys). Run by scripts/fuzz.sh --gen-seeds; the seeds are
 * committed. usage: gen_corpus CORPUS_DIR */
#include <stdlib.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "envelope.h"
#include "keys.h"
#include "label.h"
#include "mldsa_fixed.h"
#include "seal.h"

static const char *corpus;

static void
die(const char *what)
{
	fprintf(stderr, "gen_corpus: %s\n", what);
	exit(1);
}

static void
put(const char *dir, const char *name, const uint8_t *p, size_t n)
{
	char path[1024];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", corpus, dir);
	mkdir(path, 0755);
	snprintf(path, sizeof(path), "%s/%s/%s", corpus, dir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(p, 1, n, f) != n || fclose(f) != 0)
		die(path);
}

/* fuzz/corpus/mldsa/: per parameter set (first byte 0, 1, 2) the fixed valid
 * signature, one with a bad hint count, the public key, a context-and-message
 * split and the internal M' that verify; an empty and a short input. */
static void
mldsa_seeds(void)
{
	static uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	static uint8_t in[1 + HL_MLDSA_MAX_SIG_BYTES];
	const size_t ml = strlen(FUZZ_MLDSA_MSG), cl = strlen(FUZZ_MLDSA_CTX);
	char name[32];
	size_t sigl, pkl;
	int i;

	for (i = 0; i < 3; i++) {
		sigl = hl_mldsa_sig_bytes(fuzz_mldsa_params[i]);
		pkl = hl_mldsa_pk_bytes(fuzz_mldsa_params[i]);
		in[0] = (uint8_t)i;
		if (fuzz_mldsa_fixed(fuzz_mldsa_params[i], pk, sk, in + 1) != HL_OK)
			die("mldsa");
		snprintf(name, sizeof(name), "sig%d", fuzz_mldsa_params[i]);
		put("mldsa", name, in, 1 + sigl);
		in[sigl] ^= 0x7f;         /* the last hint count */
		snprintf(name, sizeof(name), "sig%d-hint", fuzz_mldsa_params[i]);
		put("mldsa", name, in, 1 + sigl);
		memcpy(in + 1, pk, pkl);
		snprintf(name, sizeof(name), "pk%d", fuzz_mldsa_params[i]);
		put("mldsa", name, in, 1 + pkl);
		in[1] = (uint8_t)cl;
		memcpy(in + 2, FUZZ_MLDSA_CTX, cl);
		memcpy(in + 2 + cl, FUZZ_MLDSA_MSG, ml);
		snprintf(name, sizeof(name), "ctx%d", fuzz_mldsa_params[i]);
		put("mldsa", name, in, 2 + cl + ml);
		in[1] = 0;
		in[2] = (uint8_t)cl;
		memcpy(in + 3, FUZZ_MLDSA_CTX, cl);
		memcpy(in + 3 + cl, FUZZ_MLDSA_MSG, ml);
		snprintf(name, sizeof(name), "mprime%d", fuzz_mldsa_params[i]);
		put("mldsa", name, in, 3 + cl + ml);
	}
	put("mldsa", "empty", in, 0);
	memset(in, 0xa5, 101);
	in[0] = 1;
	put("mldsa", "short", in, 101);
}

static void
frame(const char *name, uint8_t type, const uint8_t *p, size_t n)
{
	struct hl_buf b;

	hl_buf_init(&b, HL_FRAME_MAX_BYTES);
	if (hl_frame_encode(type, p, n, &b) != HL_OK)
		die("frame");
	put("frame", name, b.data, b.len);
	hl_buf_free(&b);
}

/* a linkmsg seed: u8 frame type || payload, from b (freed) */
static void
linkmsg(const char *name, uint8_t type, struct hl_buf *b)
{
	uint8_t m[HL_FRAME_LINK_MAX_BYTES];

	if (hl_buf_error(b) != HL_OK || b->len + 1 > sizeof(m))
		die(name);
	m[0] = type;
	memcpy(m + 1, b->data, b->len);
	put("linkmsg", name, m, b->len + 1);
	hl_buf_free(b);
}

/* Real encodings of every payload fuzz_linkmsg decodes; the checkpoint
 * acknowledgement is signed by k as node KOR/seoul-1. */
static void
linkmsg_seeds(struct hl_keys *k, const uint8_t id[HL_ID_BYTES], const uint8_t *env,
    size_t envlen)
{
	static struct hl_routes rt;
	uint8_t proof[3][HL_SHA256], dg[64];
	struct hl_ping pg = { 0x0123456789abcdefull, 1700000000000ull };
	struct hl_receipt_ack ra;
	struct hl_checkpoint_ack ca;
	struct hl_buf b;
	unsigned i;

	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_ping_encode(&pg, &b) != HL_OK)
		die("ping");
	linkmsg("ping", HL_FRAME_PING, &b);
	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_ping_encode(&pg, &b) != HL_OK)
		die("pong");
	linkmsg("pong", HL_FRAME_PONG, &b);

	memset(&ra, 0, sizeof(ra));
	memcpy(ra.id, id, HL_ID_BYTES);
	ra.kind = HL_RECEIPT_DELIVERED;
	snprintf(ra.from, sizeof(ra.from), "JPN/tokyo-1");
	snprintf(ra.issuer, sizeof(ra.issuer), "KOR/seoul-1");
	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_receipt_ack_encode(&ra, &b) != HL_OK)
		die("receipt ack");
	linkmsg("receipt-ack", HL_FRAME_RECEIPT_ACK, &b);

	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_descriptor_ack_encode(3, &b) != HL_OK)
		die("descriptor ack");
	linkmsg("descriptor-ack", HL_FRAME_DESCRIPTOR_ACK, &b);

	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_relay_encode("KOR/seoul-1", env, envlen, &b) != HL_OK)
		die("relay");
	linkmsg("relay", HL_FRAME_RELAY, &b);

	rt.n = 3;
	snprintf(rt.node[0], sizeof(rt.node[0]), "KOR/seoul-1");
	snprintf(rt.node[1], sizeof(rt.node[1]), "USA/dc-2");
	snprintf(rt.node[2], sizeof(rt.node[2]), "AUS/canberra.ops_1");
	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_routes_encode(&rt, &b) != HL_OK)
		die("routes");
	linkmsg("routes", HL_FRAME_ROUTES, &b);
	rt.n = 0;
	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_routes_encode(&rt, &b) != HL_OK)
		die("routes");
	linkmsg("routes-empty", HL_FRAME_ROUTES, &b);

	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_consistency_req_encode(13, 25, &b) != HL_OK)
		die("consistency req");
	linkmsg("consistency-req", HL_FRAME_CONSISTENCY_REQ, &b);
	for (i = 0; i < 3; i++)
		memset(proof[i], 0x40 + (int)i, HL_SHA256);
	hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
	if (hl_consistency_encode(13, 25, (const uint8_t (*)[HL_SHA256])proof, 3, &b) != HL_OK)
		die("consistency");
	linkmsg("consistency", HL_FRAME_CONSISTENCY, &b);

	memset(&ca, 0, sizeof(ca));
	ca.version = HL_CHECKPOINT_ACK_VERSION;
	snprintf(ca.witness, sizeof(ca.witness), "KOR/seoul-1");
	snprintf(ca.origin, sizeof(ca.origin), "JPN/tokyo-1");
	ca.size = 25;
	memset(ca.root, 0x5c, sizeof(ca.root));
	ca.result = HL_WITNESS_OK;
	ca.time_ms = 1700000002000ull;
	for (i = 0; i < 2; i++) {
		hl_buf_init(&b, HL_FRAME_LINK_MAX_BYTES);
		if (hl_checkpoint_ack_encode(&ca, &b) != HL_OK ||
		    hl_checkpoint_ack_digest(b.data, b.len - HL_ED25519_SIG, dg) != HL_OK ||
		    hl_keys_sign(k, HL_SIGN_CHECKPOINT_ACK, dg, b.data + b.len - HL_ED25519_SIG) !=
		    HL_OK)
			die("checkpoint ack");
		if (i == 0)
			frame("checkpoint-ack", HL_FRAME_CHECKPOINT_ACK, b.data, b.len);
		linkmsg(i == 0 ? "checkpoint-ack-ok" : "checkpoint-ack-fork",
		    HL_FRAME_CHECKPOINT_ACK, &b);
		ca.result = HL_WITNESS_FORK;
	}
}

/* node key + self-signed certificate + keys */
static struct hl_keys *
node(const char *tmp, const char *tag, const char *cn, uint8_t **cert, size_t *certlen)
{
	char kp[512], kd[512], err[256];
	EVP_PKEY *pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509 *x = X509_new();
	X509_NAME *nm;
	unsigned char *der = NULL;
	struct hl_keys *k = NULL;
	FILE *f;
	int fd, l;

	snprintf(kp, sizeof(kp), "%s/%s.key", tmp, tag);
	snprintf(kd, sizeof(kd), "%s/%s-kem", tmp, tag);
	if (pk == NULL || x == NULL || (fd = open(kp, O_WRONLY | O_CREAT | O_EXCL, 0600)) < 0 ||
	    (f = fdopen(fd, "w")) == NULL ||
	    PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1 || fclose(f) != 0)
		die("key");
	X509_set_version(x, 2);
	ASN1_INTEGER_set(X509_get_serialNumber(x), 1);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 86400);
	X509_set_pubkey(x, pk);
	nm = X509_get_subject_name(x);
	X509_NAME_add_entry_by_txt(nm, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1, -1, 0);
	X509_set_issuer_name(x, nm);
	if (X509_sign(x, pk, NULL) <= 0 || (l = i2d_X509(x, &der)) <= 0)
		die("cert");
	*cert = hl_malloc((size_t)l);
	memcpy(*cert, der, (size_t)l);
	*certlen = (size_t)l;
	OPENSSL_free(der);
	X509_free(x);
	EVP_PKEY_free(pk);
	if (hl_keys_open(kp, kd, &k, err, sizeof(err)) != HL_OK)
		die(err);
	return k;
}

int
main(int argc, char **argv)
{
	char tmp[] = "/tmp/hl-gen-corpus-XXXXXX", cmd[600], err[128];
	struct hl_keys *ka, *kb;
	uint8_t *ca, *cb, *raw, id[HL_ID_BYTES];
	size_t cal, cbl, len;
	struct hl_policy pol;
	struct hl_label lab;
	struct hl_seal_recipient rc;
	struct hl_seal_params sp;
	struct hl_receipt r;
	struct hl_buf b;
	uint8_t ping[16] = { 1, 2, 3, 4, 5, 6, 7, 8, 0, 0, 1, 0x8b, 0xcf, 0xe5, 0x68, 0 };

	if (argc != 2)
		die("usage: gen_corpus CORPUS_DIR");
	corpus = argv[1];
	mldsa_seeds();
	if (mkdtemp(tmp) == NULL)
		die("mkdtemp");
	ka = node(tmp, "a", "JPN/tokyo-1", &ca, &cal);
	kb = node(tmp, "b", "KOR/seoul-1", &cb, &cbl);
	hl_policy_default(&pol);

	/* labels */
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	if (hl_label_make(&pol, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "JPN,KOR,USA", .tlp = "amber" }, &lab, err,
	    sizeof(err)) != HL_OK || hl_label_encode(&lab, &b) != HL_OK)
		die("label");
	put("label", "secret-rel3-amber", b.data, b.len);
	hl_buf_free(&b);
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	if (hl_label_make(&pol, &(struct hl_label_spec){ .classification = "UNCLASSIFIED",
	    .releasable = "NATO", .tlp = "red" }, &lab, err,
	    sizeof(err)) != HL_OK || hl_label_encode(&lab, &b) != HL_OK)
		die("label");
	put("label", "unclass-nato-red", b.data, b.len);
	hl_buf_free(&b);

	/* envelopes */
	if (hl_label_make(&pol, &(struct hl_label_spec){ .classification = "CONFIDENTIAL",
	    .releasable = "KOR,USA", .tlp = "green" }, &lab, err, sizeof(err)) != HL_OK)
		die("label");
	memset(&rc, 0, sizeof(rc));
	rc.node = "KOR/seoul-1";
	if (hl_keys_kem_current(kb, HL_SUITE_X25519, &rc.epoch, &rc.pub, &rc.publen) != HL_OK)
		die("kem");
	memset(&sp, 0, sizeof(sp));
	sp.suite = HL_SUITE_X25519;
	sp.precedence = HL_PREC_FLASH;
	sp.content_type = HL_CT_TEXT;
	sp.created_ms = 1700000000000ull;
	sp.expires_ms = 1700086400000ull;
	sp.origin = "JPN/tokyo-1";
	sp.originator = "Sato";
	sp.label = &lab;
	sp.nrecipients = 1;
	sp.recipients = &rc;
	if (hl_seal_envelope(ka, &sp, (const uint8_t *)"hello", 5, id, &raw, &len) != HL_OK)
		die("seal");
	put("envelope", "text-1rcpt", raw, len);
	frame("envelope", HL_FRAME_ENVELOPE, raw, len);
	linkmsg_seeds(kb, id, raw, len);
	hl_free(raw);
	sp.flags = HL_ENV_FLAG_EXERCISE;
	sp.content_type = HL_CT_STIX;
	if (hl_seal_envelope(ka, &sp, NULL, 0, id, &raw, &len) != HL_OK)
		die("seal");
	put("envelope", "empty-exercise", raw, len);
	hl_free(raw);
	/* version 2: the second of a batch of three, and a batch of one */
	{
		struct hl_sigbatch *sb = calloc(1, sizeof(*sb));
		uint8_t *br[3];
		size_t bl[3];
		int res[3] = { 0, 0, 0 };
		unsigned i;

		if (sb == NULL)
			die("batch");
		hl_sigbatch_init(sb);
		sp.version = HL_ENVELOPE_VERSION_BATCH;
		sp.batch = sb;
		for (i = 0; i < 3; i++) {
			sp.batch_result = &res[i];
			if (hl_seal_envelope(ka, &sp, (const uint8_t *)"batch", 5, id, &br[i],
			    &bl[i]) != HL_OK)
				die("seal v2");
		}
		hl_sigbatch_finish(sb, ka, NULL, NULL);
		if (res[0] != HL_OK || res[1] != HL_OK || res[2] != HL_OK)
			die("batch sign");
		put("envelope", "v2-batch-1of3", br[1], bl[1]);
		frame("envelope-v2", HL_FRAME_ENVELOPE, br[1], bl[1]);
		for (i = 0; i < 3; i++)
			hl_free(br[i]);
		sp.batch = NULL;
		sp.batch_result = NULL;
		if (hl_seal_envelope(ka, &sp, (const uint8_t *)"one", 3, id, &raw, &len) != HL_OK)
			die("seal v2 one");
		put("envelope", "v2-batch-of-one", raw, len);
		hl_free(raw);
		/* version 3: hybrid roots, ML-DSA-65 (a batch of one) and -87 */
		sp.version = HL_ENVELOPE_VERSION_HYBRID;
		sp.sig_suite = HL_SUITE_ED25519_MLDSA65;
		if (hl_seal_envelope(ka, &sp, (const uint8_t *)"hybrid", 6, id, &raw, &len) != HL_OK)
			die("seal v3");
		put("envelope", "v3-mldsa65", raw, len);
		frame("envelope-v3", HL_FRAME_ENVELOPE, raw, len);
		hl_free(raw);
		sp.sig_suite = HL_SUITE_ED25519_MLDSA87;
		if (hl_seal_envelope(ka, &sp, (const uint8_t *)"cnsa", 4, id, &raw, &len) != HL_OK)
			die("seal v3 87");
		put("envelope", "v3-mldsa87", raw, len);
		hl_free(raw);
		sp.version = 0;
		sp.sig_suite = 0;
		free(sb);
	}

	/* receipts */
	memset(&r, 0, sizeof(r));
	r.version = 1;
	r.kind = HL_RECEIPT_REJECTED;
	memcpy(r.id, id, HL_ID_BYTES);
	snprintf(r.from, sizeof(r.from), "KOR/seoul-1");
	snprintf(r.to, sizeof(r.to), "JPN/tokyo-1");
	r.time_ms = 1700000001000ull;
	r.reason = HL_REASON_NOT_RELEASABLE;
	snprintf(r.detail, sizeof(r.detail), "partner KOR is not in releasable-to (USA)");
	if (hl_seal_receipt(kb, &r, &raw, &len) != HL_OK)
		die("receipt");
	put("receipt", "rejected", raw, len);
	frame("receipt", HL_FRAME_RECEIPT, raw, len);
	hl_free(raw);
	r.kind = HL_RECEIPT_ACKNOWLEDGED;
	r.reason = HL_REASON_NONE;
	r.detail[0] = '\0';
	snprintf(r.operator_name, sizeof(r.operator_name), "Kim");
	if (hl_seal_receipt(kb, &r, &raw, &len) != HL_OK)
		die("receipt");
	put("receipt", "acknowledged", raw, len);
	hl_free(raw);
	r.version = HL_RECEIPT_VERSION_BATCH;
	if (hl_seal_receipt(kb, &r, &raw, &len) != HL_OK)
		die("receipt v2");
	put("receipt", "v2-acknowledged", raw, len);
	frame("receipt-v2", HL_FRAME_RECEIPT, raw, len);
	hl_free(raw);
	r.version = HL_RECEIPT_VERSION_HYBRID;
	r.hsig.suite = HL_SUITE_ED25519_MLDSA65;
	if (hl_seal_receipt(kb, &r, &raw, &len) != HL_OK)
		die("receipt v3");
	put("receipt", "v3-acknowledged", raw, len);
	frame("receipt-v3", HL_FRAME_RECEIPT, raw, len);
	hl_free(raw);

	/* descriptors */
	if (hl_seal_descriptor(kb, "KOR/seoul-1", cb, cbl, 1700000000000ull, 86400000ull,
	    HL_SUITE_ED25519, NULL, 0, &raw, &len) != HL_OK)
		die("descriptor");
	put("descriptor", "seoul", raw, len);
	frame("hello", HL_FRAME_HELLO, raw, len);
	hl_free(raw);
	if (hl_seal_descriptor(kb, "KOR/seoul-1", cb, cbl, 1700000000000ull, 86400000ull,
	    HL_SUITE_ED25519_MLDSA65, NULL, 0, &raw, &len) != HL_OK)
		die("descriptor v2");
	put("descriptor", "seoul-v2-mldsa65", raw, len);
	frame("hello-v2", HL_FRAME_HELLO, raw, len);
	hl_free(raw);

	/* other frames */
	frame("ping", HL_FRAME_PING, ping, sizeof(ping));
	frame("pong", HL_FRAME_PONG, ping, sizeof(ping));
	frame("receipt-ack", HL_FRAME_RECEIPT_ACK, id, sizeof(id));

	hl_keys_free(ka);
	hl_keys_free(kb);
	hl_free(ca);
	hl_free(cb);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmp);
	return system(cmd) == 0 ? 0 : 1;
}
