/* test_mldsa.c: ML-DSA-44/65/87 against NIST ACVP vectors (the committed
 * subset always, the full sets from $HOTLINE_SHARED_DATA/acvp-ml-dsa when
 * present), round trips, tampering (every byte of a signature), contexts,
 * input checks, and naive reference models of the NTT, the rounding
 * functions and SampleInBall. Includes src/mldsa.c to reach its static
 * helpers (style rule 29). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "acvp.h"
#include "alloc.h"
#include "errors.h"
#include "mldsa.c"

/* ---- ACVP runner ---- */

enum kind {
	K_KEYGEN,
	K_SIGGEN,
	K_SIGVER,
	K_COUNT
};

static const char *const kind_name[K_COUNT] = { "keyGen", "sigGen", "sigVer" };

/* how M' is formed: ACVP's signatureInterface / preHash / externalMu */
enum iface {
	I_INTERNAL,     /* message is M' (Sign_internal / Verify_internal) */
	I_EXTERNAL,     /* pure ML-DSA: M' = 0 || len(ctx) || ctx || message */
	I_MU,           /* internal with mu given ("externalMu") */
	I_PREHASH,      /* HashML-DSA: not implemented, counted as skipped */
	I_COUNT
};

static const char *const iface_name[I_COUNT] = {
	"internal", "external pure", "external mu", "HashML-DSA pre-hash",
};

static const char *const pset_name[3] = {
	"ML-DSA-44", "ML-DSA-65", "ML-DSA-87",
};
static const int pset_param[3] = { HL_MLDSA_44, HL_MLDSA_65, HL_MLDSA_87 };

struct tally {
	unsigned pass[K_COUNT][3][I_COUNT];
	unsigned fail[K_COUNT][3][I_COUNT];
	unsigned skip[K_COUNT][3][I_COUNT];
};

static int
pset_index(const char *name)
{
	int i;

	for (i = 0; name != NULL && i < 3; i++)
		if (strcmp(name, pset_name[i]) == 0)
			return i;
	return -1;
}

static int
kind_index(const char *mode)
{
	int i;

	for (i = 0; mode != NULL && i < K_COUNT; i++)
		if (strcmp(mode, kind_name[i]) == 0)
			return i;
	return -1;
}

/* The group's interface; -1 for values this runner does not know. The
 * 2024-08 files have none of these fields: internal. */
static int
iface_index(json_t *g)
{
	const char *si = json_string_value(json_object_get(g, "signatureInterface"));
	const char *ph = json_string_value(json_object_get(g, "preHash"));

	if (si == NULL || strcmp(si, "internal") == 0)
		return json_is_true(json_object_get(g, "externalMu")) ? I_MU :
		    I_INTERNAL;
	if (strcmp(si, "external") != 0)
		return -1;
	if (ph == NULL || strcmp(ph, "pure") == 0)
		return I_EXTERNAL;
	return strcmp(ph, "preHash") == 0 ? I_PREHASH : -1;
}

/* Sign per interface: M' (internal), msg + ctx (external) or mu. */
static int
acvp_sign(int param, int iface, const uint8_t *sk, size_t skl,
    const uint8_t *m, size_t ml, const uint8_t *ctx, size_t ctxl,
    const uint8_t rnd[32], uint8_t *sig)
{
	if (iface == I_INTERNAL)
		return hl_mldsa_sign_internal(param, sk, skl, m, ml, rnd, sig);
	if (iface == I_EXTERNAL)
		return sign_ctx(param, sk, skl, m, ml, ctx, ctxl, rnd, sig);
	if (ml != MU_BYTES)
		return HL_ERR_MALFORMED;
	return sign_parts(param, sk, skl, NULL, 0, m, rnd, sig);
}

static int
acvp_verify(int param, int iface, const uint8_t *pk, size_t pkl,
    const uint8_t *m, size_t ml, const uint8_t *ctx, size_t ctxl,
    const uint8_t *sig, size_t sigl)
{
	if (iface == I_INTERNAL)
		return hl_mldsa_verify_internal(param, pk, pkl, m, ml, sig, sigl);
	if (iface == I_EXTERNAL)
		return hl_mldsa_verify(param, pk, pkl, m, ml, ctx, ctxl, sig,
		    sigl);
	if (ml != MU_BYTES)
		return HL_ERR_MALFORMED;
	return verify_parts(param, pk, pkl, NULL, 0, m, sig, sigl);
}

/* One test case; 1 if it passed. */
static int
run_case(int kind, int param, int iface, json_t *t, json_t *g)
{
	uint8_t *seed = NULL, *pk = NULL, *sk = NULL, *m = NULL, *ctx = NULL;
	uint8_t *rnd = NULL, *sig = NULL;
	size_t seedl, pkl, skl, ml, ctxl, rndl, sigl;
	uint8_t pk2[HL_MLDSA_MAX_PK_BYTES], sk2[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig2[HL_MLDSA_MAX_SIG_BYTES], zero[32] = { 0 };
	json_t *tp;
	int ok = 0, rc, det;

	switch (kind) {
	case K_KEYGEN:
		seed = acvp_hex(t, g, "seed", &seedl);
		pk = acvp_hex(t, g, "pk", &pkl);
		sk = acvp_hex(t, g, "sk", &skl);
		if (seed == NULL || pk == NULL || sk == NULL || seedl != 32)
			break;
		rc = hl_mldsa_keygen_seed(param, seed, pk2, sk2);
		ok = rc == HL_OK && pkl == hl_mldsa_pk_bytes(param) &&
		    skl == hl_mldsa_sk_bytes(param) &&
		    memcmp(pk, pk2, pkl) == 0 && memcmp(sk, sk2, skl) == 0;
		break;
	case K_SIGGEN:
		sk = acvp_hex(t, g, "sk", &skl);
		m = acvp_hex(t, g, iface == I_MU ? "mu" : "message", &ml);
		ctx = acvp_hex(t, g, "context", &ctxl);
		sig = acvp_hex(t, g, "signature", &sigl);
		det = json_is_true(json_object_get(g, "deterministic"));
		rnd = det ? NULL : acvp_hex(t, g, "rnd", &rndl);
		if (sk == NULL || m == NULL || sig == NULL ||
		    (!det && (rnd == NULL || rndl != 32)))
			break;
		rc = acvp_sign(param, iface, sk, skl, m, ml, ctx, ctxl,
		    det ? zero : rnd, sig2);
		ok = rc == HL_OK && sigl == hl_mldsa_sig_bytes(param) &&
		    memcmp(sig, sig2, sigl) == 0;
		/* the deterministic external cases through the public API */
		if (ok && det && iface == I_EXTERNAL)
			ok = hl_mldsa_sign(param, sk, skl, m, ml, ctx, ctxl,
			    HL_MLDSA_DETERMINISTIC, sig2) == HL_OK &&
			    memcmp(sig, sig2, sigl) == 0;
		break;
	case K_SIGVER:
		pk = acvp_hex(t, g, "pk", &pkl);
		m = acvp_hex(t, g, iface == I_MU ? "mu" : "message", &ml);
		ctx = acvp_hex(t, g, "context", &ctxl);
		sig = acvp_hex(t, g, "signature", &sigl);
		tp = json_object_get(t, "testPassed");
		if (pk == NULL || m == NULL || sig == NULL || !json_is_boolean(tp))
			break;
		rc = acvp_verify(param, iface, pk, pkl, m, ml, ctx, ctxl, sig,
		    sigl);
		ok = (rc == HL_OK) == json_is_true(tp) && (rc == HL_OK ||
		    rc == HL_ERR_BAD_SIGNATURE || rc == HL_ERR_MALFORMED);
		break;
	default:
		break;
	}
	hl_free(seed);
	hl_free(pk);
	hl_free(sk);
	hl_free(m);
	hl_free(ctx);
	hl_free(rnd);
	hl_free(sig);
	return ok;
}

/* The element of array a whose key equals v (tgId, tcId); NULL if none. */
static json_t *
find_by(json_t *a, const char *key, json_t *v)
{
	json_t *e;
	size_t i;

	json_array_foreach(a, i, e)
		if (json_equal(json_object_get(e, key), v))
			return e;
	return NULL;
}

/* A test file: internalProjection.json as it is; for a prompt.json, the
 * answers of the expectedResults.json beside it merged into its tests (by
 * tgId and tcId), which gives the same layout. Caller frees with
 * json_decref. */
static json_t *
acvp_load(const char *path)
{
	json_error_t jerr;
	json_t *root, *exp, *g, *eg, *t, *et;
	const char *slash = strrchr(path, '/');
	char epath[4096];
	size_t gi, ti;

	if ((root = json_load_file(path, 0, &jerr)) == NULL)
		fail_msg("acvp: cannot parse %s: %s line %d", path, jerr.text,
		    jerr.line);
	if (slash == NULL || strcmp(slash + 1, "prompt.json") != 0)
		return root;
	assert_true(snprintf(epath, sizeof(epath), "%.*s/expectedResults.json",
	    (int)(slash - path), path) < (int)sizeof(epath));
	if ((exp = json_load_file(epath, 0, &jerr)) == NULL)
		fail_msg("acvp: cannot parse %s: %s line %d", epath, jerr.text,
		    jerr.line);
	json_array_foreach(json_object_get(root, "testGroups"), gi, g) {
		eg = find_by(json_object_get(exp, "testGroups"), "tgId",
		    json_object_get(g, "tgId"));
		assert_non_null(eg);
		json_array_foreach(json_object_get(g, "tests"), ti, t) {
			et = find_by(json_object_get(eg, "tests"), "tcId",
			    json_object_get(t, "tcId"));
			assert_non_null(et);
			assert_int_equal(json_object_update_missing(t, et), 0);
		}
	}
	json_decref(exp);
	return root;
}

/* Run one ACVP internalProjection-layout file (2024-08 or v1.1.0.40), or a
 * prompt.json with its expectedResults.json (acvp_load);
 * fails the test on parse errors or unknown groups. Prints one line per
 * mode, parameter set and interface. Returns the number of test cases
 * executed (passed or failed); *skipped gets the HashML-DSA ones. */
static unsigned
run_acvp_file(const char *label, const char *path, unsigned *skipped)
{
	json_t *root, *groups, *g, *t, *tests;
	struct tally ty;
	size_t gi, ti;
	int kind, ps, ifc;
	unsigned ran = 0, total;

	memset(&ty, 0, sizeof(ty));
	*skipped = 0;
	root = acvp_load(path);
	kind = kind_index(json_string_value(json_object_get(root, "mode")));
	groups = json_object_get(root, "testGroups");
	if (kind < 0 || !json_is_array(groups))
		fail_msg("acvp: %s: unknown mode or no groups", path);
	json_array_foreach(groups, gi, g) {
		ps = pset_index(json_string_value(json_object_get(g,
		    "parameterSet")));
		ifc = kind == K_KEYGEN ? I_INTERNAL : iface_index(g);
		if (ps < 0 || ifc < 0)
			fail_msg("acvp: %s: unknown group %zu", path, gi);
		tests = json_object_get(g, "tests");
		assert_true(json_is_array(tests));
		json_array_foreach(tests, ti, t) {
			if (ifc == I_PREHASH) {
				ty.skip[kind][ps][ifc]++;
				continue;
			}
			if (run_case(kind, pset_param[ps], ifc, t, g))
				ty.pass[kind][ps][ifc]++;
			else {
				ty.fail[kind][ps][ifc]++;
				print_message("acvp: [%s] FAIL %s %s %s tcId %lld\n",
				    label, kind_name[kind], pset_name[ps],
				    iface_name[ifc], (long long)json_integer_value(
				    json_object_get(t, "tcId")));
			}
		}
	}
	json_decref(root);
	for (ps = 0; ps < 3; ps++) {
		for (ifc = 0; ifc < I_COUNT; ifc++) {
			total = ty.pass[kind][ps][ifc] + ty.fail[kind][ps][ifc];
			if (ty.skip[kind][ps][ifc] != 0)
				print_message("acvp: [%s] %s %s %s: %u skipped "
				    "(not implemented)\n", label, kind_name[kind],
				    pset_name[ps], iface_name[ifc],
				    ty.skip[kind][ps][ifc]);
			if (total != 0)
				print_message("acvp: [%s] %s %s %s: %u/%u passed\n",
				    label, kind_name[kind], pset_name[ps],
				    iface_name[ifc], ty.pass[kind][ps][ifc], total);
			assert_int_equal(ty.fail[kind][ps][ifc], 0);
			ran += total;
			*skipped += ty.skip[kind][ps][ifc];
		}
	}
	return ran;
}

static void
test_acvp_committed(void **state)
{
	static const char *const files[] = { "keyGen.json", "sigGen.json",
	    "sigVer.json" };
	static const unsigned expect[] = { 5, 6, 15 };
	char path[4096];
	unsigned skipped;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		acvp_committed_path("acvp-ml-dsa", files[i], path, sizeof(path));
		assert_int_equal(run_acvp_file("subset", path, &skipped),
		    expect[i]);
		assert_int_equal(skipped, 0);
	}
}

static void
test_acvp_shared(void **state)
{
	static const char *const files[] = {
		"acvp-v1.1.0.40/ML-DSA-keyGen-FIPS204/internalProjection.json",
		"acvp-v1.1.0.40/ML-DSA-sigGen-FIPS204/internalProjection.json",
		"acvp-v1.1.0.40/ML-DSA-sigVer-FIPS204/internalProjection.json",
		"acvp-2024-08/ML-DSA-keyGen-FIPS204/internalProjection.json",
		"acvp-2024-08/ML-DSA-sigGen-FIPS204/internalProjection.json",
		"acvp-2024-08/ML-DSA-sigVer-FIPS204/internalProjection.json",
		"acvp-2024-08/ML-DSA-keyGen-FIPS204/prompt.json",
		"acvp-2024-08/ML-DSA-sigGen-FIPS204/prompt.json",
		"acvp-2024-08/ML-DSA-sigVer-FIPS204/prompt.json",
	};
	static const char *const labels[] = {
		"v1.1.0.40", "v1.1.0.40", "v1.1.0.40", "2024-08", "2024-08",
		"2024-08", "2024-08 prompt", "2024-08 prompt", "2024-08 prompt",
	};
	/* cases per file (all three parameter sets); 0: the file may be
	 * absent (its SOURCE.md: not in the snapshot), any count if there.
	 * The 2024-08 prompt + expectedResults files hold the same cases as
	 * its internalProjection files, in NIST's other layout. */
	static const unsigned expect[] = { 75, 0, 0, 75, 60, 45, 75, 60, 45 };
	char dir[4096], path[4096];
	unsigned n, skipped, ran = 0, skips = 0, absent = 0;
	struct stat st;
	size_t i;

	(void)state;
	acvp_shared_dir("acvp-ml-dsa", dir, sizeof(dir));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_true(snprintf(path, sizeof(path), "%s/%s", dir,
		    files[i]) < (int)sizeof(path));
		if (expect[i] == 0 && stat(path, &st) != 0) {
			print_message("acvp: [%s] %s: not in the shared data "
			    "(see its SOURCE.md)\n", labels[i], files[i]);
			absent++;
			continue;
		}
		n = run_acvp_file(labels[i], path, &skipped);
		print_message("acvp: [%s] %s: %u passed, %u skipped\n",
		    labels[i], files[i], n, skipped);
		if (expect[i] != 0)
			assert_int_equal(n, expect[i]);
		else
			assert_true(n + skipped > 0);
		ran += n;
		skips += skipped;
	}
	print_message("acvp: %u shared vectors passed, %u skipped (HashML-DSA), "
	    "%u files absent\n", ran, skips, absent);
}

static json_t *
hexstr(const uint8_t *p, size_t n)
{
	char *h = hl_malloc(2 * n + 1);
	json_t *v;

	assert_non_null(h);
	hl_hex_encode(p, n, h);
	v = json_string(h);
	hl_free(h);
	return v;
}

/* A group of the v1.1.0.40 sigGen/sigVer layout with one test. */
static json_t *
layout_group(int tg, int det, const char *si, const char *ph, int emu,
    json_t *test)
{
	json_t *g = json_pack("{s:i, s:s, s:s, s:b, s:[o]}", "tgId", tg,
	    "testType", "AFT", "parameterSet", "ML-DSA-65", "deterministic", det,
	    "tests", test);

	assert_non_null(g);
	if (si != NULL)
		json_object_set_new(g, "signatureInterface", json_string(si));
	if (ph != NULL)
		json_object_set_new(g, "preHash", json_string(ph));
	if (emu)
		json_object_set_new(g, "externalMu", json_true());
	return g;
}

/* The v1.1.0.40 sigGen/sigVer layout (external pure with a context,
 * HashML-DSA, internal with external mu), which the shared data lacks:
 * files in that layout, made here with answers from this implementation,
 * go through run_acvp_file. This checks how the runner reads them (which
 * groups run through which interface, HashML-DSA counted as skipped), not
 * the answers, which NIST's files would. */
static void
test_acvp_layouts(void **state)
{
	static uint8_t pk[HL_MLDSA65_PK_BYTES], sk[HL_MLDSA65_SK_BYTES];
	static uint8_t sig[HL_MLDSA65_SIG_BYTES], sigmu[HL_MLDSA65_SIG_BYTES];
	const uint8_t msg[] = "hello", ctx[] = "ctx", xi[32] = { 7 };
	uint8_t mp[2 + 3 + 5], tr[64], mu[64], rnd[32];
	struct hl_sha3 h;
	json_t *gen, *ver, *t;
	char path[] = "/tmp/hl-test-mldsa-XXXXXX";
	unsigned n, skipped;
	int fd;

	(void)state;
	memset(rnd, 0x42, sizeof(rnd));
	mp[0] = 0;
	mp[1] = 3;
	memcpy(mp + 2, ctx, 3);
	memcpy(mp + 5, msg, 5);
	assert_int_equal(hl_mldsa_keygen_seed(HL_MLDSA_65, xi, pk, sk), HL_OK);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_65, sk, sizeof(sk), msg, 5, ctx,
	    3, HL_MLDSA_DETERMINISTIC, sig), HL_OK);
	/* mu = H(H(pk, 64) || M', 64), and the hedged signature of M' */
	assert_int_equal(hl_sha3_open(&h), HL_OK);
	assert_int_equal(hl_sha3_hash(&h, h.shake256, (const struct hl_sha3_in[]){
	    { pk, sizeof(pk) } }, 1, tr, sizeof(tr)), HL_OK);
	assert_int_equal(hl_sha3_hash(&h, h.shake256, (const struct hl_sha3_in[]){
	    { tr, sizeof(tr) }, { mp, sizeof(mp) } }, 2, mu, sizeof(mu)), HL_OK);
	hl_sha3_close(&h);
	assert_int_equal(hl_mldsa_sign_internal(HL_MLDSA_65, sk, sizeof(sk), mp,
	    sizeof(mp), rnd, sigmu), HL_OK);

	gen = json_pack("{s:s, s:s, s:[]}", "algorithm", "ML-DSA", "mode",
	    "sigGen", "testGroups");
	ver = json_pack("{s:s, s:s, s:[]}", "algorithm", "ML-DSA", "mode",
	    "sigVer", "testGroups");
	assert_non_null(gen);
	assert_non_null(ver);
	t = json_pack("{s:i, s:o, s:o, s:o, s:o}", "tcId", 1, "sk",
	    hexstr(sk, sizeof(sk)), "message", hexstr(msg, 5), "context",
	    hexstr(ctx, 3), "signature", hexstr(sig, sizeof(sig)));
	json_array_append_new(json_object_get(gen, "testGroups"),
	    layout_group(1, 1, "external", "pure", 0, t));
	t = json_pack("{s:i, s:o, s:o, s:s, s:s, s:s}", "tcId", 2, "sk",
	    hexstr(sk, sizeof(sk)), "message", hexstr(msg, 5), "context", "",
	    "hashAlg", "SHA2-256", "signature", "00");
	json_array_append_new(json_object_get(gen, "testGroups"),
	    layout_group(2, 1, "external", "preHash", 0, t));
	t = json_pack("{s:i, s:o, s:o, s:o, s:o}", "tcId", 3, "sk",
	    hexstr(sk, sizeof(sk)), "mu", hexstr(mu, sizeof(mu)), "rnd",
	    hexstr(rnd, sizeof(rnd)), "signature", hexstr(sigmu, sizeof(sigmu)));
	json_array_append_new(json_object_get(gen, "testGroups"),
	    layout_group(3, 0, "internal", NULL, 1, t));
	t = json_pack("{s:i, s:b, s:o, s:o, s:o, s:o}", "tcId", 4, "testPassed", 1,
	    "pk", hexstr(pk, sizeof(pk)), "message", hexstr(msg, 5), "context",
	    hexstr(ctx, 3), "signature", hexstr(sig, sizeof(sig)));
	json_array_append_new(json_object_get(ver, "testGroups"),
	    layout_group(4, 0, "external", "pure", 0, t));
	t = json_pack("{s:i, s:b, s:o, s:o, s:s, s:o}", "tcId", 5, "testPassed", 0,
	    "pk", hexstr(pk, sizeof(pk)), "message", hexstr(msg, 5), "context",
	    "637479", "signature", hexstr(sig, sizeof(sig)));
	json_array_append_new(json_object_get(ver, "testGroups"),
	    layout_group(5, 0, "external", "pure", 0, t));
	t = json_pack("{s:i, s:b, s:o, s:o, s:o}", "tcId", 6, "testPassed", 1,
	    "pk", hexstr(pk, sizeof(pk)), "mu", hexstr(mu, sizeof(mu)),
	    "signature", hexstr(sigmu, sizeof(sigmu)));
	json_array_append_new(json_object_get(ver, "testGroups"),
	    layout_group(6, 0, "internal", NULL, 1, t));
	t = json_pack("{s:i, s:b, s:o, s:o, s:s, s:s, s:s}", "tcId", 7,
	    "testPassed", 1, "pk", hexstr(pk, sizeof(pk)), "message",
	    hexstr(msg, 5), "context", "", "hashAlg", "SHA2-256", "signature", "00");
	json_array_append_new(json_object_get(ver, "testGroups"),
	    layout_group(7, 0, "external", "preHash", 0, t));

	assert_true((fd = mkstemp(path)) >= 0);
	close(fd);
	assert_int_equal(json_dump_file(gen, path, JSON_COMPACT), 0);
	n = run_acvp_file("layout", path, &skipped);
	assert_int_equal(n, 2);
	assert_int_equal(skipped, 1);
	assert_int_equal(json_dump_file(ver, path, JSON_COMPACT), 0);
	n = run_acvp_file("layout", path, &skipped);
	assert_int_equal(n, 3);
	assert_int_equal(skipped, 1);
	unlink(path);
	json_decref(gen);
	json_decref(ver);
}

/* ---- reference models ---- */

static const int params[] = { HL_MLDSA_44, HL_MLDSA_65, HL_MLDSA_87 };
#define NPARAMS (sizeof(params) / sizeof(params[0]))

static int64_t
modq(int64_t a)
{
	a %= Q;
	return a < 0 ? a + Q : a;
}

static int64_t
powmod(int64_t b, unsigned e)
{
	int64_t r = 1;

	for (; e != 0; e >>= 1, b = modq(b * b))
		if (e & 1)
			r = modq(r * b);
	return r;
}

static unsigned
brv8(unsigned x)
{
	unsigned r = 0, i;

	for (i = 0; i < 8; i++)
		r |= ((x >> i) & 1) << (7 - i);
	return r;
}

/* zetas[m] = 1753^brv8(m) 2^32 mod q, centred */
static void
test_zetas(void **state)
{
	int64_t z;
	unsigned m;

	(void)state;
	for (m = 0; m < N; m++) {
		z = modq(powmod(1753, brv8(m)) * modq((int64_t)1 << 32));
		if (z > (Q - 1) / 2)
			z -= Q;
		assert_int_equal(zetas[m], z);
	}
	assert_int_equal(powmod(1753, 256), Q - 1);     /* primitive 512th */
	assert_int_equal((uint32_t)QINV * (uint32_t)Q, 1u);
	/* invntt_tomont's factor: 2^64 / 256 mod q */
	assert_int_equal(modq(41978 * (int64_t)256), modq(powmod(2, 32) *
	    powmod(2, 32)));
}

/* Deterministic test input: SHAKE128 of a counter, one block at a time. */
static uint32_t
rng(void)
{
	static uint8_t block[168];
	static size_t pos = sizeof(block);
	static uint32_t counter;
	struct hl_sha3 h;
	const struct hl_sha3_in in[1] = { { (const uint8_t *)&counter,
	    sizeof(counter) } };
	uint32_t v;

	if (pos + 4 > sizeof(block)) {
		assert_int_equal(hl_sha3_open(&h), HL_OK);
		assert_int_equal(hl_sha3_hash(&h, h.shake128, in, 1, block,
		    sizeof(block)), HL_OK);
		hl_sha3_close(&h);
		counter++;
		pos = 0;
	}
	memcpy(&v, block + pos, 4);
	pos += 4;
	return v;
}

/* NTT^-1(NTT(a) o NTT(b)) equals the schoolbook product mod X^256 + 1. */
static void
test_ntt_model(void **state)
{
	struct poly a, b, r;
	int64_t want[N];
	size_t i, j, round;

	(void)state;
	for (round = 0; round < 20; round++) {
		for (i = 0; i < N; i++) {
			a.c[i] = (int32_t)(rng() % Q) - (Q - 1) / 2;
			b.c[i] = round < 10 ? (int32_t)(rng() % Q) - (Q - 1) / 2 :
			    (int32_t)(rng() % 9) - 4;
		}
		memset(want, 0, sizeof(want));
		for (i = 0; i < N; i++)
			for (j = 0; j < N; j++) {
				if (i + j < N)
					want[i + j] = modq(want[i + j] +
					    (int64_t)a.c[i] * b.c[j]);
				else
					want[i + j - N] = modq(want[i + j - N] -
					    (int64_t)a.c[i] * b.c[j]);
			}
		ntt(&a);
		ntt(&b);
		poly_mul(&r, &a, &b);
		invntt_tomont(&r);
		for (i = 0; i < N; i++) {
			assert_true(r.c[i] > -Q && r.c[i] < Q);
			assert_int_equal(modq(r.c[i]), want[i]);
		}
	}
}

/* Decompose, Power2Round, HighBits/LowBits, UseHint and MakeHint against
 * the FIPS 204 formulas, for every a in [0, q) and both gamma2. */
static void
test_rounding_model(void **state)
{
	static const struct mldsa_params *const pps[2] = { &params_44,
	    &params_65 };
	int32_t a, r1, r0, w1, w0, m, want1, want0, alpha, h, u, p1, p0;
	size_t k;

	(void)state;
	for (a = 0; a < Q; a++) {
		power2round(a, &p1, &p0);
		want0 = a % (1 << D);
		if (want0 > (1 << (D - 1)))
			want0 -= 1 << D;
		if (p0 != want0 || p1 != (a - want0) >> D)
			fail_msg("power2round(%d) = %d, %d", a, p1, p0);
	}
	for (k = 0; k < 2; k++) {
		alpha = 2 * pps[k]->gamma2;
		m = (Q - 1) / alpha;
		for (a = 0; a < Q; a++) {
			want0 = a % alpha;
			if (want0 > alpha / 2)
				want0 -= alpha;
			if (a - want0 == Q - 1) {
				want1 = 0;
				want0 -= 1;
			} else {
				want1 = (a - want0) / alpha;
			}
			decompose(pps[k], a, &r1, &r0);
			if (r1 != want1 || r0 != want0)
				fail_msg("decompose(%d) gamma2 %d: %d, %d want %d, %d",
				    a, pps[k]->gamma2, r1, r0, want1, want0);
			for (h = 0; h < 2; h++) {
				u = use_hint(pps[k], h, a);
				if (h == 0)
					w1 = want1;
				else if (want0 > 0)
					w1 = (want1 + 1) % m;
				else
					w1 = (want1 - 1 + m) % m;
				if (u != w1)
					fail_msg("use_hint(%d, %d) = %d want %d", h,
					    a, u, w1);
			}
		}
		/* MakeHint then UseHint recovers HighBits(r + z) for
		 * |z| <= gamma2 (FIPS 204 section 2.4), random r and z */
		for (a = 0; a < 1000; a++) {
			struct poly hp, rp, vp;
			int32_t z, ones = 0;
			size_t i;

			for (i = 0; i < N; i++) {
				rp.c[i] = (int32_t)(rng() % Q);
				z = (int32_t)(rng() % (2 * (uint32_t)pps[k]->gamma2 +
				    1)) - pps[k]->gamma2;
				vp.c[i] = (int32_t)modq((int64_t)rp.c[i] + z);
			}
			h = make_hints(pps[k], &hp, &vp, &rp);
			for (i = 0; i < N; i++) {
				decompose(pps[k], vp.c[i], &w1, &w0);
				assert_int_equal(use_hint(pps[k], hp.c[i],
				    rp.c[i]), w1);
				ones += hp.c[i];
			}
			assert_int_equal(h, ones);
		}
	}
}

/* Alg 29 as written: squeeze one byte at a time (from a long output). */
static void
naive_ball(const struct mldsa_params *pp, const uint8_t *ct, int32_t c[N])
{
	uint8_t buf[BALL_MAX];
	EVP_MD_CTX *x = EVP_MD_CTX_new();
	size_t pos = 8;
	unsigned i, j;

	assert_non_null(x);
	assert_int_equal(EVP_DigestInit_ex(x, EVP_shake256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(x, ct, pp->ctilde_len), 1);
	assert_int_equal(EVP_DigestFinalXOF(x, buf, sizeof(buf)), 1);
	EVP_MD_CTX_free(x);
	memset(c, 0, sizeof(int32_t) * N);
	for (i = N - pp->tau; i < N; i++) {
		do
			j = buf[pos++];
		while (j > i);
		c[i] = c[j];
		c[j] = (buf[(i + pp->tau - N) / 8] >> ((i + pp->tau - N) % 8)) & 1 ?
		    -1 : 1;
	}
}

static void
test_ball_model(void **state)
{
	struct hl_sha3 hm;
	struct poly c;
	int32_t want[N];
	uint8_t ct[64];
	size_t p, i, round, ones;

	(void)state;
	assert_int_equal(hl_sha3_open(&hm), HL_OK);
	for (p = 0; p < NPARAMS; p++) {
		const struct mldsa_params *pp = params_get(params[p]);

		for (round = 0; round < 300; round++) {
			for (i = 0; i < sizeof(ct); i++)
				ct[i] = (uint8_t)rng();
			naive_ball(pp, ct, want);
			assert_int_equal(sample_in_ball(&hm, pp, ct, &c), HL_OK);
			assert_memory_equal(c.c, want, sizeof(want));
			for (i = ones = 0; i < N; i++)
				ones += c.c[i] != 0;
			assert_int_equal(ones, pp->tau);
		}
	}
	hl_sha3_close(&hm);
}

/* ---- properties ---- */

/* FIPS 204 Table 2 */
static void
test_sizes(void **state)
{
	static const size_t want[NPARAMS][3] = {
		{ 1312, 2560, 2420 }, { 1952, 4032, 3309 }, { 2592, 4896, 4627 },
	};
	static const int bad[] = { 0, 44 + 1, 66, -1, 768 };
	size_t p;

	(void)state;
	for (p = 0; p < NPARAMS; p++) {
		assert_int_equal(hl_mldsa_pk_bytes(params[p]), want[p][0]);
		assert_int_equal(hl_mldsa_sk_bytes(params[p]), want[p][1]);
		assert_int_equal(hl_mldsa_sig_bytes(params[p]), want[p][2]);
	}
	for (p = 0; p < sizeof(bad) / sizeof(bad[0]); p++)
		assert_int_equal(hl_mldsa_pk_bytes(bad[p]) +
		    hl_mldsa_sk_bytes(bad[p]) + hl_mldsa_sig_bytes(bad[p]), 0);
}

static void
test_bad_param(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES], seed[32] = { 0 };
	uint8_t ctx[256];

	(void)state;
	memset(ctx, 0, sizeof(ctx));
	assert_int_equal(hl_mldsa_keygen_seed(66, seed, pk, sk), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_keygen(0, pk, sk), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_keygen(HL_MLDSA_65, NULL, sk), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_keygen_seed(HL_MLDSA_65, seed, pk, sk), HL_OK);
	assert_int_equal(hl_mldsa_sign(64, sk, 4032, seed, 1, NULL, 0,
	    HL_MLDSA_HEDGED, sig), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_65, sk, 4032, seed, 1, NULL, 0,
	    2, sig), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_65, sk, 4032, seed, 1, NULL, 0,
	    HL_MLDSA_HEDGED, NULL), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_65, sk, 4032, NULL, 1, NULL, 0,
	    HL_MLDSA_HEDGED, sig), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_65, sk, 4032, seed, 1, NULL, 1,
	    HL_MLDSA_HEDGED, sig), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_65, sk, 4032, seed, 1, ctx, 256,
	    HL_MLDSA_HEDGED, sig), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_sign_internal(HL_MLDSA_65, sk, 4032, NULL, 3,
	    seed, sig), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_verify(87, pk, 1952, seed, 1, NULL, 0, sig,
	    3309), HL_ERR_MALFORMED);
	assert_int_equal(hl_mldsa_verify(88, pk, 1952, seed, 1, NULL, 0, sig,
	    3309), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_verify(HL_MLDSA_65, pk, 1952, seed, 1, ctx,
	    256, sig, 3309), HL_ERR_INVALID);
	assert_int_equal(hl_mldsa_verify_internal(HL_MLDSA_65, pk, 1952, NULL,
	    1, sig, 3309), HL_ERR_INVALID);
}

static void
test_roundtrip(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES], sig2[HL_MLDSA_MAX_SIG_BYTES];
	uint8_t msg[100], ctx[HL_MLDSA_CTX_MAX_BYTES];
	size_t p, i;

	(void)state;
	for (i = 0; i < sizeof(ctx); i++)
		ctx[i] = (uint8_t)i;
	for (p = 0; p < NPARAMS; p++) {
		int prm = params[p];
		size_t pkl = hl_mldsa_pk_bytes(prm), skl = hl_mldsa_sk_bytes(prm);
		size_t sigl = hl_mldsa_sig_bytes(prm);

		for (i = 0; i < 10; i++) {
			memset(msg, (int)i, sizeof(msg));
			assert_int_equal(hl_mldsa_keygen(prm, pk, sk), HL_OK);
			/* pk's rho starts sk */
			assert_memory_equal(pk, sk, 32);
			assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg, i * 10,
			    ctx, i * 25, HL_MLDSA_HEDGED, sig), HL_OK);
			assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, i * 10,
			    ctx, i * 25, sig, sigl), HL_OK);
			/* hedged: a second signature differs, both verify */
			assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg, i * 10,
			    ctx, i * 25, HL_MLDSA_HEDGED, sig2), HL_OK);
			assert_memory_not_equal(sig, sig2, sigl);
			assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, i * 10,
			    ctx, i * 25, sig2, sigl), HL_OK);
			/* deterministic: twice the same, and verifies */
			assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg, i * 10,
			    ctx, i * 25, HL_MLDSA_DETERMINISTIC, sig), HL_OK);
			assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg, i * 10,
			    ctx, i * 25, HL_MLDSA_DETERMINISTIC, sig2), HL_OK);
			assert_memory_equal(sig, sig2, sigl);
			assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, i * 10,
			    ctx, i * 25, sig, sigl), HL_OK);
		}
		/* the longest context */
		assert_int_equal(hl_mldsa_sign(prm, sk, skl, NULL, 0, ctx,
		    sizeof(ctx), HL_MLDSA_HEDGED, sig), HL_OK);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, NULL, 0, ctx,
		    sizeof(ctx), sig, sigl), HL_OK);
	}
}

/* Sign(sk, M, ctx) is Sign_internal(sk, 0 || len(ctx) || ctx || M, rnd)
 * (FIPS 204 Alg 2), here with rnd = 0 (deterministic). */
static void
test_external_is_internal(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES], sig2[HL_MLDSA_MAX_SIG_BYTES];
	uint8_t seed[32], mp[2 + 7 + 5], zero[32] = { 0 };
	size_t p;

	(void)state;
	memset(seed, 0x5e, sizeof(seed));
	mp[0] = 0;
	mp[1] = 7;
	memcpy(mp + 2, "context", 7);
	memcpy(mp + 9, "hello", 5);
	for (p = 0; p < NPARAMS; p++) {
		int prm = params[p];
		size_t pkl = hl_mldsa_pk_bytes(prm), skl = hl_mldsa_sk_bytes(prm);
		size_t sigl = hl_mldsa_sig_bytes(prm);

		assert_int_equal(hl_mldsa_keygen_seed(prm, seed, pk, sk), HL_OK);
		assert_int_equal(hl_mldsa_sign(prm, sk, skl,
		    (const uint8_t *)"hello", 5, (const uint8_t *)"context", 7,
		    HL_MLDSA_DETERMINISTIC, sig), HL_OK);
		assert_int_equal(hl_mldsa_sign_internal(prm, sk, skl, mp,
		    sizeof(mp), zero, sig2), HL_OK);
		assert_memory_equal(sig, sig2, sigl);
		assert_int_equal(hl_mldsa_verify_internal(prm, pk, pkl, mp,
		    sizeof(mp), sig, sigl), HL_OK);
		/* the empty context is not "no context": M' = 0 || 0 || M */
		assert_int_equal(hl_mldsa_verify_internal(prm, pk, pkl, mp + 9, 5,
		    sig, sigl), HL_ERR_BAD_SIGNATURE);
	}
}

/* Every single-byte change of a signature (each byte XOR 0x01 and XOR
 * 0x80) is rejected: c-tilde, z and the hint area alike. */
static void
test_tamper_every_byte(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES], bad[HL_MLDSA_MAX_SIG_BYTES + 1];
	const uint8_t msg[] = "FLASH: test";
	unsigned counts[3];
	size_t p, i, f;
	/* every byte in the plain run; a sanitizer run (slow verifies, the
	 * same code) flips every 7th */
	size_t stride = getenv("HOTLINE_SANITIZER_RUN") != NULL ? 7 : 1;
	int rc;

	(void)state;
	for (p = 0; p < NPARAMS; p++) {
		int prm = params[p];
		size_t pkl = hl_mldsa_pk_bytes(prm), skl = hl_mldsa_sk_bytes(prm);
		size_t sigl = hl_mldsa_sig_bytes(prm);

		memset(counts, 0, sizeof(counts));
		assert_int_equal(hl_mldsa_keygen(prm, pk, sk), HL_OK);
		assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg, sizeof(msg),
		    NULL, 0, HL_MLDSA_HEDGED, sig), HL_OK);
		for (i = 0; i < sigl; i += stride) {
			for (f = 0; f < 2; f++) {
				memcpy(bad, sig, sigl);
				bad[i] ^= f == 0 ? 0x01 : 0x80;
				rc = hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
				    NULL, 0, bad, sigl);
				if (rc == HL_OK)
					fail_msg("ML-DSA-%d: byte %zu changed, still "
					    "valid", prm, i);
				assert_true(rc == HL_ERR_BAD_SIGNATURE ||
				    rc == HL_ERR_MALFORMED);
				counts[rc == HL_ERR_MALFORMED]++;
			}
		}
		print_message("tamper: ML-DSA-%d: %u changes rejected (%u bad "
		    "signature, %u malformed hint)%s\n", prm, counts[0] + counts[1], counts[0],
		    counts[1], stride > 1 ? " (every 7th byte under a sanitizer: the plain run "
		    "flips every byte)" : "");
		/* truncated, extended, empty */
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, sig, sigl - 1), HL_ERR_MALFORMED);
		memcpy(bad, sig, sigl);
		bad[sigl] = 0;
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl + 1), HL_ERR_MALFORMED);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, sig, 0), HL_ERR_MALFORMED);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, NULL, sigl), HL_ERR_MALFORMED);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, sig, sigl), HL_OK);
	}
}

static void
test_wrong_inputs(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t pk2[HL_MLDSA_MAX_PK_BYTES], sk2[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES];
	const uint8_t msg[] = "release to KOR", ctx[] = "hotline/v1";
	size_t p;

	(void)state;
	for (p = 0; p < NPARAMS; p++) {
		int prm = params[p];
		size_t pkl = hl_mldsa_pk_bytes(prm), skl = hl_mldsa_sk_bytes(prm);
		size_t sigl = hl_mldsa_sig_bytes(prm);

		assert_int_equal(hl_mldsa_keygen(prm, pk, sk), HL_OK);
		assert_int_equal(hl_mldsa_keygen(prm, pk2, sk2), HL_OK);
		assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg, sizeof(msg),
		    ctx, sizeof(ctx), HL_MLDSA_HEDGED, sig), HL_OK);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    ctx, sizeof(ctx), sig, sigl), HL_OK);
		/* wrong context: other bytes, shorter, none */
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    (const uint8_t *)"hotline/v2", sizeof(ctx), sig, sigl),
		    HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    ctx, sizeof(ctx) - 1, sig, sigl), HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, sig, sigl), HL_ERR_BAD_SIGNATURE);
		/* wrong message, wrong key, the internal interface */
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg,
		    sizeof(msg) - 1, ctx, sizeof(ctx), sig, sigl),
		    HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_mldsa_verify(prm, pk2, pkl, msg, sizeof(msg),
		    ctx, sizeof(ctx), sig, sigl), HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_mldsa_verify_internal(prm, pk, pkl, msg,
		    sizeof(msg), sig, sigl), HL_ERR_BAD_SIGNATURE);
		/* key lengths */
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl - 1, msg,
		    sizeof(msg), ctx, sizeof(ctx), sig, sigl), HL_ERR_MALFORMED);
		assert_int_equal(hl_mldsa_verify(prm, NULL, pkl, msg,
		    sizeof(msg), ctx, sizeof(ctx), sig, sigl), HL_ERR_MALFORMED);
		assert_int_equal(hl_mldsa_sign(prm, sk, skl + 1, msg, sizeof(msg),
		    ctx, sizeof(ctx), HL_MLDSA_HEDGED, sig), HL_ERR_MALFORMED);
		assert_int_equal(hl_mldsa_sign(prm, NULL, skl, msg, sizeof(msg),
		    ctx, sizeof(ctx), HL_MLDSA_HEDGED, sig), HL_ERR_MALFORMED);
		/* another set's sizes */
		assert_int_equal(hl_mldsa_verify(prm == HL_MLDSA_65 ?
		    HL_MLDSA_87 : HL_MLDSA_65, pk, pkl, msg, sizeof(msg), ctx,
		    sizeof(ctx), sig, sigl), HL_ERR_MALFORMED);
	}
}

/* Hint encodings FIPS 204 Alg 21 refuses, and a z over the bound. */
static void
test_malformed_hint(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES], bad[HL_MLDSA_MAX_SIG_BYTES];
	const uint8_t msg[] = "m";
	size_t p, tries;

	(void)state;
	for (p = 0; p < NPARAMS; p++) {
		int prm = params[p];
		const struct mldsa_params *pp = params_get(prm);
		size_t pkl = pp->pk_len, skl = pp->sk_len, sigl = pp->sig_len;
		uint8_t *y = bad + pp->ctilde_len + pp->l * 32 * pp->z_bits;
		const uint8_t *ys = sig + (y - bad);
		unsigned k = pp->k, om = pp->omega;

		assert_int_equal(hl_mldsa_keygen(prm, pk, sk), HL_OK);
		/* a signature with at least two hints in its first polynomial
		 * and padding after the last (nearly always the first one) */
		for (tries = 0;; tries++) {
			assert_true(tries < 50);
			assert_int_equal(hl_mldsa_sign(prm, sk, skl, msg,
			    sizeof(msg), NULL, 0, HL_MLDSA_HEDGED, sig), HL_OK);
			if (ys[om] >= 2 && ys[om + k - 1] < om)
				break;
		}
		/* indices not strictly increasing within a polynomial */
		memcpy(bad, sig, sigl);
		y[1] = y[0];
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl), HL_ERR_MALFORMED);
		memcpy(bad, sig, sigl);
		y[0] = ys[1];
		y[1] = ys[0];
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl), HL_ERR_MALFORMED);
		/* a count above omega */
		memcpy(bad, sig, sigl);
		y[om + k - 1] = (uint8_t)(om + 1);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl), HL_ERR_MALFORMED);
		/* counts decreasing */
		memcpy(bad, sig, sigl);
		y[om + 1] = (uint8_t)(ys[om] - 1);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl), HL_ERR_MALFORMED);
		/* padding after the last index not zero */
		memcpy(bad, sig, sigl);
		y[om - 1] = 1;
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl), HL_ERR_MALFORMED);
		/* z = gamma1 (stored as 0) in the first coefficient: over the
		 * bound gamma1 - beta */
		memcpy(bad, sig, sigl);
		memset(bad + pp->ctilde_len, 0, 2);
		bad[pp->ctilde_len + 2] &= (uint8_t)~((1u << (pp->z_bits - 16)) - 1);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, bad, sigl), HL_ERR_BAD_SIGNATURE);
		assert_int_equal(hl_mldsa_verify(prm, pk, pkl, msg, sizeof(msg),
		    NULL, 0, sig, sigl), HL_OK);
	}
}

/* An allocation failure in signing: HL_ERR_NOMEM, no signature. */
static void
test_sign_nomem(void **state)
{
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES], zero[HL_MLDSA_MAX_SIG_BYTES];
	int64_t live;

	(void)state;
	memset(zero, 0, sizeof(zero));
	assert_int_equal(hl_mldsa_keygen(HL_MLDSA_87, pk, sk), HL_OK);
	live = hl_alloc_live();
	memset(sig, 0xaa, sizeof(sig));
	hl_alloc_fail_at(1);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_87, sk, HL_MLDSA87_SK_BYTES,
	    zero, 10, NULL, 0, HL_MLDSA_HEDGED, sig), HL_ERR_NOMEM);
	hl_alloc_fail_at(0);
	assert_memory_equal(sig, zero, HL_MLDSA87_SIG_BYTES);
	assert_int_equal(hl_alloc_live(), live);
	assert_int_equal(hl_mldsa_sign(HL_MLDSA_87, sk, HL_MLDSA87_SK_BYTES,
	    zero, 10, NULL, 0, HL_MLDSA_HEDGED, sig), HL_OK);
	assert_int_equal(hl_alloc_live(), live);
}

/* Cross-check with OpenSSL's own ML-DSA when the build has it (3.5+).
 * On OpenSSL 3.0 (Debian 12) this reports SKIPPED. */
static void
test_openssl_crosscheck(void **state)
{
	(void)state;
#if OPENSSL_VERSION_NUMBER >= 0x30500000L
	static const char *const names[3] = { "ML-DSA-44", "ML-DSA-65",
	    "ML-DSA-87" };
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES], sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES];
	const uint8_t msg[] = "cross-check";
	size_t p, sigl;

	for (p = 0; p < NPARAMS; p++) {
		int prm = params[p];
		EVP_PKEY *pub, *priv;
		EVP_MD_CTX *mc;

		assert_int_equal(hl_mldsa_keygen(prm, pk, sk), HL_OK);
		pub = EVP_PKEY_new_raw_public_key_ex(NULL, names[p], NULL, pk,
		    hl_mldsa_pk_bytes(prm));
		priv = EVP_PKEY_new_raw_private_key_ex(NULL, names[p], NULL, sk,
		    hl_mldsa_sk_bytes(prm));
		assert_non_null(pub);
		assert_non_null(priv);
		/* OpenSSL signs (empty context), we verify */
		assert_non_null(mc = EVP_MD_CTX_new());
		sigl = sizeof(sig);
		assert_int_equal(EVP_DigestSignInit_ex(mc, NULL, NULL, NULL, NULL,
		    priv, NULL), 1);
		assert_int_equal(EVP_DigestSign(mc, sig, &sigl, msg, sizeof(msg)),
		    1);
		EVP_MD_CTX_free(mc);
		assert_int_equal(hl_mldsa_verify(prm, pk, hl_mldsa_pk_bytes(prm),
		    msg, sizeof(msg), NULL, 0, sig, sigl), HL_OK);
		/* we sign, OpenSSL verifies */
		assert_int_equal(hl_mldsa_sign(prm, sk, hl_mldsa_sk_bytes(prm),
		    msg, sizeof(msg), NULL, 0, HL_MLDSA_HEDGED, sig), HL_OK);
		assert_non_null(mc = EVP_MD_CTX_new());
		assert_int_equal(EVP_DigestVerifyInit_ex(mc, NULL, NULL, NULL,
		    NULL, pub, NULL), 1);
		assert_int_equal(EVP_DigestVerify(mc, sig, hl_mldsa_sig_bytes(prm),
		    msg, sizeof(msg)), 1);
		EVP_MD_CTX_free(mc);
		EVP_PKEY_free(pub);
		EVP_PKEY_free(priv);
	}
	print_message("openssl: ML-DSA cross-check 3/3 passed\n");
#else
	print_message("openssl: SKIPPED (built against %s: no ML-DSA; cross-check "
	    "needs 3.5+)\n", OPENSSL_VERSION_TEXT);
	skip();
#endif
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sizes),
		cmocka_unit_test(test_bad_param),
		cmocka_unit_test(test_zetas),
		cmocka_unit_test(test_ntt_model),
		cmocka_unit_test(test_rounding_model),
		cmocka_unit_test(test_ball_model),
		cmocka_unit_test(test_acvp_committed),
		cmocka_unit_test(test_acvp_shared),
		cmocka_unit_test(test_acvp_layouts),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_external_is_internal),
		cmocka_unit_test(test_tamper_every_byte),
		cmocka_unit_test(test_wrong_inputs),
		cmocka_unit_test(test_malformed_hint),
		cmocka_unit_test(test_sign_nomem),
		cmocka_unit_test(test_openssl_crosscheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
