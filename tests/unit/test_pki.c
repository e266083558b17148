/* test_pki.c: partner CAs, node certificates and the federation generator
 * (pki.h), checked with OpenSSL's own verifier. */
#include <sys/stat.h>

#include <ftw.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "alloc.h"
#include "config.h"
#include "pki.h"
#include "sealfile.h"
#include "pwhash.h"

static char tmp[64];

static int
setup(void **state)
{
	(void)state;
	snprintf(tmp, sizeof(tmp), "/tmp/hl-pki-XXXXXX");
	return mkdtemp(tmp) == NULL ? -1 : 0;
}

static int
rm_cb(const char *p, const struct stat *sb, int flag, struct FTW *ftw)
{
	(void)sb;
	(void)flag;
	(void)ftw;
	return remove(p);
}

static int
teardown(void **state)
{
	(void)state;
	return nftw(tmp, rm_cb, 16, FTW_DEPTH | FTW_PHYS);
}

static void
pth(char *out, size_t n, const char *rel)
{
	snprintf(out, n, "%s/%s", tmp, rel);
}

static void
mkd(const char *rel)
{
	char p[256];

	pth(p, sizeof(p), rel);
	assert_int_equal(mkdir(p, 0700), 0);
}

static X509 *
load(const char *rel)
{
	char p[256];
	FILE *f;
	X509 *x;

	pth(p, sizeof(p), rel);
	f = fopen(p, "r");
	assert_non_null(f);
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	assert_non_null(x);
	return x;
}

static mode_t
mode_of(const char *rel)
{
	char p[256];
	struct stat st;

	pth(p, sizeof(p), rel);
	assert_int_equal(stat(p, &st), 0);
	return st.st_mode & 07777;
}

/* X509_V_OK or the verification error of leaf against ca at time t, for
 * a TLS purpose (X509_PURPOSE_SSL_CLIENT, _SERVER). */
static int
verify_for(X509 *ca, X509 *leaf, time_t t, int purpose)
{
	X509_STORE *st = X509_STORE_new();
	X509_STORE_CTX *ctx = X509_STORE_CTX_new();
	int ok, e;

	assert_non_null(st);
	assert_non_null(ctx);
	assert_int_equal(X509_STORE_add_cert(st, ca), 1);
	assert_int_equal(X509_STORE_CTX_init(ctx, st, leaf, NULL), 1);
	if (t != 0)
		X509_STORE_CTX_set_time(ctx, 0, t);
	X509_STORE_CTX_set_purpose(ctx, purpose);
	ok = X509_verify_cert(ctx);
	e = X509_STORE_CTX_get_error(ctx);
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	return ok == 1 ? X509_V_OK : (e == X509_V_OK ? -1 : e);
}

/* As a node's certificate is checked: as a TLS client's. */
static int
verify_at(X509 *ca, X509 *leaf, time_t t)
{
	return verify_for(ca, leaf, t, X509_PURPOSE_SSL_CLIENT);
}

static void
issue(const char *ca, const char *node, int64_t nb, int64_t na, const char *key,
    const char *crt)
{
	char cad[256], kp[256], cp[256], err[512];
	int r;

	pth(cad, sizeof(cad), ca);
	pth(kp, sizeof(kp), key);
	pth(cp, sizeof(cp), crt);
	r = hl_pki_issue_node(cad, node, nb, na, kp, cp, err, sizeof(err));
	if (r != 0)
		print_error("%s\n", err);
	assert_int_equal(r, HL_OK);
}

static void
test_ca_and_node(void **state)
{
	char p[256], err[512], name[HL_NODE_NAME_MAX + 1];
	X509 *ca, *leaf;
	int64_t now = (int64_t)time(NULL);
	BASIC_CONSTRAINTS *bc;
	ASN1_BIT_STRING *ku;
	int crit;
	char *s;

	(void)state;
	mkd("jpn");
	pth(p, sizeof(p), "jpn");
	assert_int_equal(hl_pki_make_ca(p, "JPN", 10, err, sizeof(err)), HL_OK);
	issue("jpn", "JPN/node-1", now - 60, now + 86400, "jpn/n1.key", "jpn/n1.crt");
	assert_int_equal(mode_of("jpn/ca.key"), 0600);
	assert_int_equal(mode_of("jpn/n1.key"), 0600);

	ca = load("jpn/ca.crt");
	leaf = load("jpn/n1.crt");
	assert_int_equal(verify_at(ca, leaf, 0), X509_V_OK);

	/* CA fields */
	s = X509_NAME_oneline(X509_get_subject_name(ca), NULL, 0);
	assert_string_equal(s, "/O=JPN/CN=hotline JPN CA");
	OPENSSL_free(s);
	bc = X509_get_ext_d2i(ca, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_true(bc->ca);
	assert_int_equal(ASN1_INTEGER_get(bc->pathlen), 0);
	BASIC_CONSTRAINTS_free(bc);
	assert_int_equal(X509_get_key_usage(ca), KU_KEY_CERT_SIGN | KU_CRL_SIGN);
	assert_non_null(X509_get0_subject_key_id(ca));
	assert_int_equal(EVP_PKEY_get_id(X509_get0_pubkey(ca)), EVP_PKEY_ED25519);
	assert_int_equal(X509_get_version(ca), X509_VERSION_3);
	assert_int_equal(ASN1_INTEGER_get_int64(&(int64_t){0},
	    X509_get0_serialNumber(ca)), 0);   /* 128-bit: does not fit int64 */

	/* node fields */
	{
		char cn[80], o[16];

		assert_int_equal(X509_NAME_get_text_by_NID(X509_get_subject_name(leaf),
		    NID_commonName, cn, sizeof(cn)), 10);
		assert_string_equal(cn, "JPN/node-1");
		assert_int_equal(X509_NAME_get_text_by_NID(X509_get_subject_name(leaf),
		    NID_organizationName, o, sizeof(o)), 3);
		assert_string_equal(o, "JPN");
		assert_int_equal(X509_NAME_cmp(X509_get_issuer_name(leaf),
		    X509_get_subject_name(ca)), 0);
	}
	bc = X509_get_ext_d2i(leaf, NID_basic_constraints, &crit, NULL);
	assert_non_null(bc);
	assert_int_equal(crit, 1);
	assert_false(bc->ca);
	BASIC_CONSTRAINTS_free(bc);
	ku = X509_get_ext_d2i(leaf, NID_key_usage, &crit, NULL);
	assert_non_null(ku);
	assert_int_equal(crit, 1);
	ASN1_BIT_STRING_free(ku);
	assert_int_equal(X509_get_key_usage(leaf), KU_DIGITAL_SIGNATURE);
	assert_int_equal(X509_get_extended_key_usage(leaf), XKU_SSL_SERVER | XKU_SSL_CLIENT);
	assert_non_null(X509_get0_authority_key_id(leaf));
	assert_int_equal(ASN1_OCTET_STRING_cmp(X509_get0_authority_key_id(leaf),
	    X509_get0_subject_key_id(ca)), 0);
	assert_int_equal(X509_check_host(leaf, "localhost", 0, 0, NULL), 1);
	assert_int_equal(X509_check_ip_asc(leaf, "127.0.0.1", 0), 1);
	assert_int_equal(X509_cmp_time(X509_get0_notBefore(leaf), &(time_t){now - 61}), 1);
	assert_int_equal(X509_cmp_time(X509_get0_notBefore(leaf), &(time_t){now - 60}), -1);
	assert_int_equal(X509_cmp_time(X509_get0_notAfter(leaf),
	    &(time_t){now + 86400}), -1);
	assert_int_equal(X509_cmp_time(X509_get0_notAfter(leaf),
	    &(time_t){now + 86399}), 1);
	assert_int_equal(hl_pki_cert_node_name(leaf, name), HL_OK);
	assert_string_equal(name, "JPN/node-1");
	/* a CA certificate has no node name */
	assert_int_equal(hl_pki_cert_node_name(ca, name), HL_ERR_NOT_FOUND);
	assert_string_equal(name, "");

	/* the pin is the SHA-256 of the DER */
	{
		uint8_t pin[HL_SHA256], want[HL_SHA256];
		unsigned n = 0;

		pth(p, sizeof(p), "jpn/ca.crt");
		assert_int_equal(hl_pki_cert_sha256(p, pin, err, sizeof(err)), HL_OK);
		assert_int_equal(X509_digest(ca, EVP_sha256(), want, &n), 1);
		assert_memory_equal(pin, want, HL_SHA256);
		pth(p, sizeof(p), "jpn/ca.key");
		assert_int_equal(hl_pki_cert_sha256(p, pin, err, sizeof(err)),
		    HL_ERR_MALFORMED);
		pth(p, sizeof(p), "jpn/none.crt");
		assert_int_equal(hl_pki_cert_sha256(p, pin, err, sizeof(err)), HL_ERR_IO);
	}
	X509_free(leaf);
	X509_free(ca);
}

static void
test_bad_certs(void **state)
{
	char p[256], err[512];
	X509 *ca, *other, *x;
	int64_t now = (int64_t)time(NULL);

	(void)state;
	mkd("kor");
	mkd("evil");
	pth(p, sizeof(p), "kor");
	assert_int_equal(hl_pki_make_ca(p, "KOR", 10, err, sizeof(err)), HL_OK);
	pth(p, sizeof(p), "evil");
	assert_int_equal(hl_pki_make_ca(p, "KOR", 10, err, sizeof(err)), HL_OK);
	ca = load("kor/ca.crt");
	other = load("evil/ca.crt");

	/* expired */
	issue("kor", "KOR/old", now - 86400 * 10, now - 86400, "kor/old.key", "kor/old.crt");
	x = load("kor/old.crt");
	assert_int_equal(verify_at(ca, x, 0), X509_V_ERR_CERT_HAS_EXPIRED);
	X509_free(x);
	/* not yet valid */
	issue("kor", "KOR/new", now + 86400, now + 86400 * 2, "kor/new.key", "kor/new.crt");
	x = load("kor/new.crt");
	assert_int_equal(verify_at(ca, x, 0), X509_V_ERR_CERT_NOT_YET_VALID);
	assert_int_equal(verify_at(ca, x, (time_t)(now + 86400 + 60)), X509_V_OK);
	X509_free(x);
	/* issued by another CA with the same name: signature does not verify */
	issue("evil", "KOR/node-1", now - 60, now + 86400, "evil/n.key", "evil/n.crt");
	x = load("evil/n.crt");
	assert_int_not_equal(verify_at(ca, x, 0), X509_V_OK);
	assert_int_equal(verify_at(other, x, 0), X509_V_OK);
	X509_free(x);
	/* a wrong-partner name can be issued (for tests); the name is read back */
	{
		char name[HL_NODE_NAME_MAX + 1];

		issue("kor", "JPN/node-1", now - 60, now + 86400, "kor/w.key", "kor/w.crt");
		x = load("kor/w.crt");
		assert_int_equal(hl_pki_cert_node_name(x, name), HL_OK);
		assert_string_equal(name, "JPN/node-1");
		X509_free(x);
	}
	/* key files are never overwritten */
	pth(p, sizeof(p), "kor");
	assert_int_equal(hl_pki_make_ca(p, "KOR", 10, err, sizeof(err)), HL_ERR_EXISTS);
	assert_non_null(strstr(err, "ca.key already exists"));
	{
		char kp[256], cp[256];

		pth(kp, sizeof(kp), "kor/old.key");
		pth(cp, sizeof(cp), "kor/x.crt");
		assert_int_equal(hl_pki_issue_node(p, "KOR/x", now, now + 1, kp, cp, err,
		    sizeof(err)), HL_ERR_EXISTS);
		assert_int_not_equal(access(cp, F_OK), 0);
		/* bad arguments */
		pth(kp, sizeof(kp), "kor/y.key");
		assert_int_equal(hl_pki_issue_node(p, "KOR/a,URI:x", now, now + 1, kp, cp,
		    err, sizeof(err)), HL_ERR_INVALID);
		assert_int_equal(hl_pki_issue_node(p, "kor/a", now, now + 1, kp, cp,
		    err, sizeof(err)), HL_ERR_INVALID);
		assert_int_equal(hl_pki_issue_node(p, "KOR/a", now, now, kp, cp,
		    err, sizeof(err)), HL_ERR_INVALID);
		pth(cp, sizeof(cp), "nowhere");
		assert_int_equal(hl_pki_issue_node(cp, "KOR/a", now, now + 1, kp, kp,
		    err, sizeof(err)), HL_ERR_IO);
		assert_int_equal(hl_pki_make_ca(p, "kor", 10, err, sizeof(err)),
		    HL_ERR_INVALID);
		assert_int_equal(hl_pki_make_ca(p, "KOR", 0, err, sizeof(err)),
		    HL_ERR_INVALID);
	}
	X509_free(other);
	X509_free(ca);
}

/* A certificate with hand-made SANs to check the name reader. */
static X509 *
cert_with_san(const char *san)
{
	X509 *x = X509_new();
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	X509V3_CTX ctx;
	X509_EXTENSION *ext;

	assert_non_null(x);
	assert_non_null(k);
	assert_int_equal(X509_set_pubkey(x, k), 1);
	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	ext = X509V3_EXT_nconf_nid(NULL, &ctx, NID_subject_alt_name, san);
	assert_non_null(ext);
	assert_int_equal(X509_add_ext(x, ext, -1), 1);
	X509_EXTENSION_free(ext);
	EVP_PKEY_free(k);
	return x;
}

static void
test_node_name(void **state)
{
	static const struct {
		const char *san;
		int r;
		const char *name;
	} cases[] = {
		{ "URI:urn:hotline:node:USA/a.b_c-1", HL_OK, "USA/a.b_c-1" },
		{ "DNS:x,URI:https://x,URI:urn:hotline:node:NATO/n", HL_OK, "NATO/n" },
		{ "DNS:localhost", HL_ERR_NOT_FOUND, "" },
		{ "URI:urn:hotline:nodes:USA/a", HL_ERR_NOT_FOUND, "" },
		{ "URI:urn:hotline:node:", HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:usa/a", HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:USA/", HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:USA/a b", HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:USA", HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:USA/a,URI:urn:hotline:node:USA/b",
		    HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:USA/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:node:USA/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		    HL_OK, "USA/aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	};
	char name[HL_NODE_NAME_MAX + 1];
	size_t i;
	X509 *x;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x = cert_with_san(cases[i].san);
		if (hl_pki_cert_node_name(x, name) != cases[i].r)
			print_error("case %zu: %s\n", i, cases[i].san);
		assert_int_equal(hl_pki_cert_node_name(x, name), cases[i].r);
		assert_string_equal(name, cases[i].name);
		X509_free(x);
	}
	/* no SAN extension at all */
	x = X509_new();
	assert_int_equal(hl_pki_cert_node_name(x, name), HL_ERR_NOT_FOUND);
	X509_free(x);
}

/* A certificate with the SAN, extended key usage (NULL: none) and basic
 * constraints (NULL: none) given, to check the operator reader. */
static X509 *
cert_with(const char *san, const char *eku, const char *bc)
{
	X509 *x = cert_with_san(san);
	X509V3_CTX ctx;
	X509_EXTENSION *ext;
	int i;
	const struct {
		int nid;
		const char *v;
	} more[] = { { NID_ext_key_usage, eku }, { NID_basic_constraints, bc } };

	X509V3_set_ctx_nodb(&ctx);
	X509V3_set_ctx(&ctx, x, x, NULL, NULL, 0);
	for (i = 0; i < 2; i++) {
		if (more[i].v == NULL)
			continue;
		ext = X509V3_EXT_nconf_nid(NULL, &ctx, more[i].nid, more[i].v);
		assert_non_null(ext);
		assert_int_equal(X509_add_ext(x, ext, -1), 1);
		X509_EXTENSION_free(ext);
	}
	return x;
}

static void
test_operator_name(void **state)
{
	static const struct {
		const char *san, *eku, *bc;
		int r;
		const char *name;
	} cases[] = {
		{ "URI:urn:hotline:operator:JPN/ann.b_c-1", "clientAuth", NULL, HL_OK, "ann.b_c-1" },
		{ "DNS:x,URI:urn:hotline:operator:JPN/ann", "serverAuth,clientAuth", "CA:FALSE", HL_OK,
		    "ann" },
		/* this node's partner only */
		{ "URI:urn:hotline:operator:KOR/ann", "clientAuth", NULL, HL_ERR_DENIED, "" },
		/* for client authentication only */
		{ "URI:urn:hotline:operator:JPN/ann", "serverAuth", NULL, HL_ERR_DENIED, "" },
		{ "URI:urn:hotline:operator:JPN/ann", NULL, NULL, HL_ERR_DENIED, "" },
		{ "URI:urn:hotline:operator:JPN/ann", "clientAuth", "CA:TRUE", HL_ERR_DENIED, "" },
		/* a node's certificate is not an operator's, nor both */
		{ "URI:urn:hotline:node:JPN/node-1", "clientAuth", NULL, HL_ERR_NOT_FOUND, "" },
		{ "URI:urn:hotline:node:JPN/n,URI:urn:hotline:operator:JPN/ann", "clientAuth", NULL,
		    HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/a,URI:urn:hotline:operator:JPN/b", "clientAuth", NULL,
		    HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:jpn/ann", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/a b", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/-ann", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/a/b", "clientAuth", NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "clientAuth",
		    NULL, HL_ERR_MALFORMED, "" },
		{ "URI:urn:hotline:operator:JPN/"
		    "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "clientAuth",
		    NULL, HL_OK, "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" },
	};
	char name[HL_OPERATOR_MAX + 1];
	const char *why = NULL;
	size_t i;
	X509 *x;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		x = cert_with(cases[i].san, cases[i].eku, cases[i].bc);
		if (hl_pki_cert_operator(x, "JPN", name, &why) != cases[i].r)
			print_error("case %zu: %s (%s)\n", i, cases[i].san, why);
		assert_int_equal(hl_pki_cert_operator(x, "JPN", name, &why), cases[i].r);
		assert_string_equal(name, cases[i].name);
		if (cases[i].r == HL_OK)
			assert_null(why);
		else
			assert_non_null(why);
		X509_free(x);
	}
}

/* hl_pki_issue_operator: chains to the CA, named, its validity and usage
 * as asked (the integration tests' expired and other-usage certificates) */
static void
test_issue_operator(void **state)
{
	char cad[256], kp[256], cp[256], err[512], name[HL_OPERATOR_MAX + 1];
	const char *why;
	int64_t now = (int64_t)time(NULL);
	X509 *ca, *x;

	(void)state;
	mkd("opca");
	pth(cad, sizeof(cad), "opca");
	assert_int_equal(hl_pki_make_ca(cad, "KOR", 10, err, sizeof(err)), HL_OK);
	pth(kp, sizeof(kp), "op.key");
	pth(cp, sizeof(cp), "op.crt");
	assert_int_equal(hl_pki_issue_operator(cad, "KOR/dana", now - 60, now + 3600, NULL, kp, cp,
	    err, sizeof(err)), HL_OK);
	assert_int_equal(mode_of("op.key"), 0600);
	ca = load("opca/ca.crt");
	x = load("op.crt");
	assert_int_equal(verify_at(ca, x, 0), X509_V_OK);
	assert_int_equal(verify_at(ca, x, (time_t)(now + 7200)), X509_V_ERR_CERT_HAS_EXPIRED);
	assert_int_equal(hl_pki_cert_operator(x, "KOR", name, &why), HL_OK);
	assert_string_equal(name, "dana");
	X509_free(x);
	/* another usage */
	pth(kp, sizeof(kp), "op2.key");
	pth(cp, sizeof(cp), "op2.crt");
	assert_int_equal(hl_pki_issue_operator(cad, "KOR/dana", now - 60, now + 3600,
	    "emailProtection", kp, cp, err, sizeof(err)), HL_OK);
	x = load("op2.crt");
	assert_int_not_equal(verify_at(ca, x, 0), X509_V_OK);
	assert_int_equal(hl_pki_cert_operator(x, "KOR", name, &why), HL_ERR_DENIED);
	X509_free(x);
	X509_free(ca);
	/* bad names */
	assert_int_equal(hl_pki_issue_operator(cad, "dana", now - 60, now + 3600, NULL, kp, cp, err,
	    sizeof(err)), HL_ERR_INVALID);
	assert_int_equal(hl_pki_issue_operator(cad, "KOR/da na", now - 60, now + 3600, NULL, kp, cp,
	    err, sizeof(err)), HL_ERR_INVALID);
}

static void
test_federation(void **state)
{
	static const char *const partners[] = { "JPN", "NATO", "USA" };
	char p[256], err[1024], pw[64];
	struct hl_config *c;
	uint8_t pins[3][HL_SHA256];
	FILE *f;
	unsigned i, j;

	(void)state;
	c = hl_calloc(1, sizeof(*c));
	assert_non_null(c);
	pth(p, sizeof(p), "fed");
	assert_int_equal(hl_pki_init_federation(p, partners, 3, 0, err, sizeof(err)), HL_OK);
	for (i = 0; i < 3; i++) {
		snprintf(p, sizeof(p), "%s/fed/%s/ca.crt", tmp, partners[i]);
		assert_int_equal(hl_pki_cert_sha256(p, pins[i], err, sizeof(err)), HL_OK);
	}
	for (i = 0; i < 3; i++) {
		const struct hl_operator_conf *op;
		char rel[64], node[32];

		snprintf(rel, sizeof(rel), "fed/%s", partners[i]);
		assert_int_equal(mode_of(rel), 0700);
		/* the CA key apart from the node: DIR/ca/P, never in DIR/P */
		snprintf(rel, sizeof(rel), "fed/ca/%s/ca.key", partners[i]);
		assert_int_equal(mode_of(rel), 0600);
		snprintf(rel, sizeof(rel), "fed/ca/%s", partners[i]);
		assert_int_equal(mode_of(rel), 0700);
		snprintf(p, sizeof(p), "%s/fed/%s/ca.key", tmp, partners[i]);
		assert_int_equal(access(p, F_OK), -1);
		snprintf(rel, sizeof(rel), "fed/%s/ca.crt", partners[i]);
		assert_int_equal(mode_of(rel), 0644);
		snprintf(rel, sizeof(rel), "fed/%s/node.key", partners[i]);
		assert_int_equal(mode_of(rel), 0600);
		snprintf(rel, sizeof(rel), "fed/%s/admin.password", partners[i]);
		assert_int_equal(mode_of(rel), 0600);
		snprintf(rel, sizeof(rel), "fed/%s/data", partners[i]);
		assert_int_equal(mode_of(rel), 0700);

		snprintf(p, sizeof(p), "%s/fed/%s/node.conf", tmp, partners[i]);
		assert_int_equal(hl_config_load(p, c, err, sizeof(err)), HL_OK);
		snprintf(node, sizeof(node), "%s/node-1", partners[i]);
		assert_string_equal(c->node, node);
		assert_string_equal(c->partner, partners[i]);
		assert_string_equal(c->listen_host, "127.0.0.1");
		assert_int_equal(c->listen_port, 7400 + i);
		assert_int_equal(c->api_port, 7500 + i);
		assert_int_equal(c->npeers, 2);
		for (j = 0; j < 3; j++) {
			const struct hl_peer_conf *pc;

			snprintf(node, sizeof(node), "%s/node-1", partners[j]);
			pc = hl_config_peer(c, node);
			if (i == j) {
				assert_null(pc);
				continue;
			}
			assert_non_null(pc);
			assert_int_equal(pc->port, 7400 + j);
			assert_memory_equal(pc->ca_sha256, pins[j], HL_SHA256);
			assert_int_equal(pc->accreditation, 3);   /* SECRET */
			assert_string_equal(pc->partner, partners[j]);
		}
		op = hl_config_operator(c, "admin");
		assert_non_null(op);
		assert_int_equal(op->role, HL_ROLE_ADMIN);
		assert_int_equal(op->clearance, 3);
		assert_string_equal(op->nationality, partners[i]);
		assert_string_equal(c->cli_user, "admin");
		/* the password file holds the password that matches the hash */
		f = fopen(c->cli_password_file, "r");
		assert_non_null(f);
		assert_non_null(fgets(pw, sizeof(pw), f));
		fclose(f);
		assert_int_equal(strlen(pw), 25);
		assert_int_equal(pw[24], '\n');
		pw[24] = '\0';
		assert_int_equal(hl_pwhash_check(pw, op->password_hash), HL_OK);
		assert_int_equal(strncmp(op->password_hash, "$scrypt$ln=15,", 14), 0);
		/* node certificate chains to its own CA and names the node */
		{
			X509 *ca, *leaf;
			char nm[HL_NODE_NAME_MAX + 1];

			snprintf(rel, sizeof(rel), "fed/%s/ca.crt", partners[i]);
			ca = load(rel);
			snprintf(rel, sizeof(rel), "fed/%s/node.crt", partners[i]);
			leaf = load(rel);
			assert_int_equal(verify_at(ca, leaf, 0), X509_V_OK);
			assert_int_equal(hl_pki_cert_node_name(leaf, nm), HL_OK);
			assert_string_equal(nm, c->node);
			X509_free(leaf);
			X509_free(ca);
		}
		/* the admin's operator certificate, which [cli] names */
		{
			X509 *ca, *leaf;
			char nm[HL_OPERATOR_MAX + 1];
			const char *why;

			snprintf(rel, sizeof(rel), "fed/%s/admin.key", partners[i]);
			assert_int_equal(mode_of(rel), 0600);
			snprintf(p, sizeof(p), "%s/fed/%s/admin.crt", tmp, partners[i]);
			assert_string_equal(c->cli_cert_path, p);
			snprintf(p, sizeof(p), "%s/fed/%s/admin.key", tmp, partners[i]);
			assert_string_equal(c->cli_key_path, p);
			snprintf(rel, sizeof(rel), "fed/%s/ca.crt", partners[i]);
			ca = load(rel);
			snprintf(rel, sizeof(rel), "fed/%s/admin.crt", partners[i]);
			leaf = load(rel);
			assert_int_equal(verify_at(ca, leaf, 0), X509_V_OK);
			/* for a client only */
			assert_int_not_equal(verify_for(ca, leaf, 0, X509_PURPOSE_SSL_SERVER), X509_V_OK);
			assert_int_equal(hl_pki_cert_operator(leaf, partners[i], nm, &why), HL_OK);
			assert_string_equal(nm, "admin");
			X509_free(leaf);
			X509_free(ca);
		}
	}
	/* nothing secret of another partner in a partner's directory */
	snprintf(p, sizeof(p), "%s/fed/JPN", tmp);
	{
		static const char *const want[] = {
			"admin.password", "ca.crt", "data", "node.conf",
			"node.crt", "node.key", "tls.crt", "tls.key", "admin.crt", "admin.key",
		};
		char q[300];

		for (i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			snprintf(q, sizeof(q), "%s/%s", p, want[i]);
			assert_int_equal(access(q, F_OK), 0);
		}
	}
	/* a second run refuses, and says why */
	pth(p, sizeof(p), "fed");
	assert_int_equal(hl_pki_init_federation(p, partners, 3, 0, err, sizeof(err)),
	    HL_ERR_EXISTS);
	assert_non_null(strstr(err, "JPN/node.conf already exists"));
	/* also when only a later partner is already there */
	{
		static const char *const two[] = { "KOR", "USA" };

		assert_int_equal(hl_pki_init_federation(p, two, 2, 0, err, sizeof(err)),
		    HL_ERR_EXISTS);
		snprintf(p, sizeof(p), "%s/fed/KOR", tmp);
		assert_int_not_equal(access(p, F_OK), 0);   /* nothing created */
	}
	/* bad arguments */
	pth(p, sizeof(p), "fed2");
	{
		static const char *const dup[] = { "JPN", "JPN" };
		static const char *const bad[] = { "JPN", "jp" };

		assert_int_equal(hl_pki_init_federation(p, dup, 2, 0, err, sizeof(err)),
		    HL_ERR_INVALID);
		assert_int_equal(hl_pki_init_federation(p, bad, 2, 0, err, sizeof(err)),
		    HL_ERR_INVALID);
		assert_int_equal(hl_pki_init_federation(p, partners, 3, 65500, err,
		    sizeof(err)), HL_ERR_INVALID);
		assert_int_equal(hl_pki_init_federation(p, partners, 0, 0, err,
		    sizeof(err)), HL_ERR_INVALID);
	}
	hl_free(c);
}

/* pki init's separate TLS pair: tls.key (0600) + tls.crt, same CA, same
 * node name and TLS key usages as node.crt, a different key; node.conf
 * names it in tls_certificate/tls_key. */
static void
test_federation_tls(void **state)
{
	static const char *const partners[] = { "JPN", "KOR" };
	char p[256], rel[64], nm[HL_NODE_NAME_MAX + 1], err[1024];
	struct hl_config *c;
	X509 *ca, *other_ca, *tls, *sig;
	EVP_PKEY *tk, *nk;
	FILE *f;
	unsigned i;

	(void)state;
	c = hl_calloc(1, sizeof(*c));
	assert_non_null(c);
	pth(p, sizeof(p), "fedtls");
	assert_int_equal(hl_pki_init_federation(p, partners, 2, 0, err, sizeof(err)), HL_OK);
	for (i = 0; i < 2; i++) {
		snprintf(rel, sizeof(rel), "fedtls/%s/tls.key", partners[i]);
		assert_int_equal(mode_of(rel), 0600);
		snprintf(rel, sizeof(rel), "fedtls/%s/tls.crt", partners[i]);
		assert_int_equal(mode_of(rel), 0644);
		snprintf(p, sizeof(p), "%s/fedtls/%s/node.conf", tmp, partners[i]);
		assert_int_equal(hl_config_load(p, c, err, sizeof(err)), HL_OK);
		snprintf(p, sizeof(p), "%s/fedtls/%s/tls.crt", tmp, partners[i]);
		assert_string_equal(c->tls_cert_path, p);
		snprintf(p, sizeof(p), "%s/fedtls/%s/tls.key", tmp, partners[i]);
		assert_string_equal(c->tls_key_path, p);
		assert_string_not_equal(c->tls_key_path, c->key_path);

		snprintf(rel, sizeof(rel), "fedtls/%s/ca.crt", partners[i]);
		ca = load(rel);
		snprintf(rel, sizeof(rel), "fedtls/%s/ca.crt", partners[1 - i]);
		other_ca = load(rel);
		snprintf(rel, sizeof(rel), "fedtls/%s/tls.crt", partners[i]);
		tls = load(rel);
		snprintf(rel, sizeof(rel), "fedtls/%s/node.crt", partners[i]);
		sig = load(rel);
		/* chains to its partner's CA only, names the node, TLS usages */
		assert_int_equal(verify_at(ca, tls, 0), X509_V_OK);
		assert_int_not_equal(verify_at(other_ca, tls, 0), X509_V_OK);
		assert_int_equal(hl_pki_cert_node_name(tls, nm), HL_OK);
		assert_string_equal(nm, c->node);
		assert_true((X509_get_extended_key_usage(tls) & (XKU_SSL_SERVER | XKU_SSL_CLIENT)) ==
		    (XKU_SSL_SERVER | XKU_SSL_CLIENT));
		assert_true((X509_get_key_usage(tls) & KU_DIGITAL_SIGNATURE) != 0);
		assert_int_equal(EVP_PKEY_get_id(X509_get0_pubkey(tls)), EVP_PKEY_ED25519);
		/* both keys sealed: no PEM for OpenSSL alone; they open with the
		 * node's seal key, kept outside the node's directory */
		f = fopen(c->tls_key_path, "r");
		assert_non_null(f);
		assert_null(PEM_read_PrivateKey(f, NULL, NULL, NULL));
		fclose(f);
		ERR_clear_error();
		assert_int_equal(strncmp(c->seal_key, "file:", 5), 0);
		assert_non_null(strstr(c->seal_key, "/seal/"));
		assert_int_equal(hl_seal_kek_load(c->seal_key, err, sizeof(err)), HL_OK);
		assert_int_equal(hl_seal_read_pkey(c->tls_key_path, &tk, err, sizeof(err)), HL_OK);
		assert_int_equal(hl_seal_read_pkey(c->key_path, &nk, err, sizeof(err)), HL_OK);
		/* the console's pair: ECDSA (browsers take no Ed25519), sealed too,
		 * chaining to the partner's console CA, not to its node CA */
		{
			EVP_PKEY *ck = NULL;
			X509 *cc, *cca;

			assert_int_equal(hl_seal_read_pkey(c->console_key_path, &ck, err,
			    sizeof(err)), HL_OK);
			assert_int_equal(EVP_PKEY_get_id(ck), EVP_PKEY_EC);
			snprintf(rel, sizeof(rel), "fedtls/%s/console.crt", partners[i]);
			cc = load(rel);
			snprintf(rel, sizeof(rel), "fedtls/%s/console-ca.crt", partners[i]);
			cca = load(rel);
			assert_int_equal(X509_check_private_key(cc, ck), 1);
			assert_int_equal(verify_for(cca, cc, 0, X509_PURPOSE_SSL_SERVER), X509_V_OK);
			assert_int_not_equal(verify_for(ca, cc, 0, X509_PURPOSE_SSL_SERVER), X509_V_OK);
			assert_true((X509_get_extended_key_usage(cc) & XKU_SSL_SERVER) != 0);
			EVP_PKEY_free(ck);
			X509_free(cc);
			X509_free(cca);
		}
		hl_seal_kek_wipe();
		/* node.crt still certifies node.key; tls.key is another key */
		assert_int_equal(X509_check_private_key(tls, tk), 1);
		assert_int_equal(X509_check_private_key(sig, nk), 1);
		assert_int_not_equal(X509_check_private_key(tls, nk), 1);
		assert_int_not_equal(EVP_PKEY_eq(X509_get0_pubkey(tls), X509_get0_pubkey(sig)), 1);
		EVP_PKEY_free(tk);
		EVP_PKEY_free(nk);
		X509_free(sig);
		X509_free(tls);
		X509_free(other_ca);
		X509_free(ca);
	}
	hl_free(c);
}

/* tls_certificate/tls_key in [node]: both or neither; neither = the signing
 * pair (configurations written before issue 7 keep working). */
static void
test_config_tls_keys(void **state)
{
	static const char head[] =
	    "[node]\nname = JPN/node-1\nlisten = 127.0.0.1:7401\napi = 127.0.0.1:7501\n"
	    "data = data\ncertificate = node.crt\nkey = node.key\nca = ca.crt\n";
	char conf[1024], err[512];
	struct hl_config *c;

	(void)state;
	c = hl_calloc(1, sizeof(*c));
	assert_non_null(c);
	/* absent: default to certificate/key */
	snprintf(conf, sizeof(conf), "%s", head);
	assert_int_equal(hl_config_parse((const uint8_t *)conf, strlen(conf), "t.conf", "/etc/hl",
	    c, err, sizeof(err)), HL_OK);
	assert_string_equal(c->tls_cert_path, "/etc/hl/node.crt");
	assert_string_equal(c->tls_key_path, "/etc/hl/node.key");
	/* present: resolved like the other paths */
	snprintf(conf, sizeof(conf), "%stls_certificate = tls.crt\ntls_key = /k/tls.key\n", head);
	assert_int_equal(hl_config_parse((const uint8_t *)conf, strlen(conf), "t.conf", "/etc/hl",
	    c, err, sizeof(err)), HL_OK);
	assert_string_equal(c->tls_cert_path, "/etc/hl/tls.crt");
	assert_string_equal(c->tls_key_path, "/k/tls.key");
	assert_string_equal(c->key_path, "/etc/hl/node.key");
	/* only one of the two: refused, with the line */
	snprintf(conf, sizeof(conf), "%stls_key = tls.key\n", head);
	assert_int_equal(hl_config_parse((const uint8_t *)conf, strlen(conf), "t.conf", "/etc/hl",
	    c, err, sizeof(err)), HL_ERR_CONFIG);
	assert_string_equal(err, "t.conf:9: tls_certificate and tls_key go together: set both "
	    "or neither");
	snprintf(conf, sizeof(conf), "%stls_certificate = tls.crt\n", head);
	assert_int_equal(hl_config_parse((const uint8_t *)conf, strlen(conf), "t.conf", "/etc/hl",
	    c, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "t.conf:9: tls_certificate and tls_key"));
	/* twice, or empty: refused like any other key */
	snprintf(conf, sizeof(conf), "%stls_certificate = a\ntls_key = b\ntls_key = c\n", head);
	assert_int_equal(hl_config_parse((const uint8_t *)conf, strlen(conf), "t.conf", "/etc/hl",
	    c, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "t.conf:11:"));
	snprintf(conf, sizeof(conf), "%stls_certificate =\ntls_key = b\n", head);
	assert_int_equal(hl_config_parse((const uint8_t *)conf, strlen(conf), "t.conf", "/etc/hl",
	    c, err, sizeof(err)), HL_ERR_CONFIG);
	assert_non_null(strstr(err, "t.conf:9:"));
	hl_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ca_and_node),
		cmocka_unit_test(test_bad_certs),
		cmocka_unit_test(test_node_name),
		cmocka_unit_test(test_operator_name),
		cmocka_unit_test(test_issue_operator),
		cmocka_unit_test(test_federation),
		cmocka_unit_test(test_federation_tls),
		cmocka_unit_test(test_config_tls_keys),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
