/* test_mlkem.c: ML-KEM-768/1024 against NIST ACVP vectors (the committed
 * subset always, the full sets from $HOTLINE_SHARED_DATA/acvp-ml-kem when
 * present), round trips, implicit rejection, input checks. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include <cmocka.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "acvp.h"
#include "alloc.h"
#include "errors.h"
#include "mlkem.h"

/* ---- ACVP runner ---- */

enum kind {
	K_KEYGEN,
	K_ENCAPS,
	K_DECAPS,
	K_DKCHECK,
	K_EKCHECK,
	K_COUNT
};

static const char *const kind_name[K_COUNT] = {
	"keyGen", "encapsulation", "decapsulation",
	"decapsulationKeyCheck", "encapsulationKeyCheck",
};

/* index 0 = ML-KEM-512 (skipped), 1 = 768, 2 = 1024 */
static const char *const pset_name[3] = {
	"ML-KEM-512", "ML-KEM-768", "ML-KEM-1024",
};
static const int pset_param[3] = { 512, HL_MLKEM_768, HL_MLKEM_1024 };

struct tally {
	unsigned pass[K_COUNT][3];
	unsigned fail[K_COUNT][3];
	unsigned skip[K_COUNT][3];
};

static int
pset_index(const char *name)
{
	int i;

	for (i = 0; i < 3; i++)
		if (strcmp(name, pset_name[i]) == 0)
			return i;
	return -1;
}

static int
kind_index(const char *mode, const char *function)
{
	int i;

	if (strcmp(mode, "keyGen") == 0)
		return K_KEYGEN;
	if (function == NULL)
		return -1;
	for (i = K_ENCAPS; i < K_COUNT; i++)
		if (strcmp(function, kind_name[i]) == 0)
			return i;
	return -1;
}

/* One test case; 1 if it passed. */
static int
run_case(int kind, int param, json_t *t, json_t *g)
{
	uint8_t *d = NULL, *z = NULL, *ek = NULL, *dk = NULL, *c = NULL;
	uint8_t *k = NULL, *m = NULL;
	size_t dl, zl, ekl, dkl, cl, kl, ml;
	uint8_t ek2[HL_MLKEM_MAX_EK_BYTES], dk2[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct2[HL_MLKEM_MAX_CT_BYTES], ss[32];
	json_t *tp;
	int ok = 0, rc;

	switch (kind) {
	case K_KEYGEN:
		d = acvp_hex(t, g, "d", &dl);
		z = acvp_hex(t, g, "z", &zl);
		ek = acvp_hex(t, g, "ek", &ekl);
		dk = acvp_hex(t, g, "dk", &dkl);
		if (d == NULL || z == NULL || ek == NULL || dk == NULL ||
		    dl != 32 || zl != 32)
			break;
		rc = hl_mlkem_keygen_derand(param, d, z, ek2, dk2);
		ok = rc == HL_OK && ekl == hl_mlkem_ek_bytes(param) &&
		    dkl == hl_mlkem_dk_bytes(param) &&
		    memcmp(ek, ek2, ekl) == 0 && memcmp(dk, dk2, dkl) == 0;
		break;
	case K_ENCAPS:
		ek = acvp_hex(t, g, "ek", &ekl);
		m = acvp_hex(t, g, "m", &ml);
		c = acvp_hex(t, g, "c", &cl);
		k = acvp_hex(t, g, "k", &kl);
		if (ek == NULL || m == NULL || c == NULL || k == NULL ||
		    ml != 32 || kl != 32)
			break;
		rc = hl_mlkem_encaps_derand(param, ek, ekl, m, ct2, ss);
		ok = rc == HL_OK && cl == hl_mlkem_ct_bytes(param) &&
		    memcmp(c, ct2, cl) == 0 && memcmp(k, ss, 32) == 0;
		break;
	case K_DECAPS:
		dk = acvp_hex(t, g, "dk", &dkl);
		c = acvp_hex(t, g, "c", &cl);
		k = acvp_hex(t, g, "k", &kl);
		if (dk == NULL || c == NULL || k == NULL || kl != 32)
			break;
		rc = hl_mlkem_decaps(param, dk, dkl, c, cl, ss);
		ok = rc == HL_OK && memcmp(k, ss, 32) == 0;
		break;
	case K_DKCHECK:
		dk = acvp_hex(t, g, "dk", &dkl);
		tp = json_object_get(t, "testPassed");
		if (dk == NULL || !json_is_boolean(tp))
			break;
		rc = hl_mlkem_check_dk(param, dk, dkl);
		ok = (rc == HL_OK) == json_is_true(tp) &&
		    (rc == HL_OK || rc == HL_ERR_MALFORMED);
		break;
	case K_EKCHECK:
		ek = acvp_hex(t, g, "ek", &ekl);
		tp = json_object_get(t, "testPassed");
		if (ek == NULL || !json_is_boolean(tp))
			break;
		rc = hl_mlkem_check_ek(param, ek, ekl);
		ok = (rc == HL_OK) == json_is_true(tp) &&
		    (rc == HL_OK || rc == HL_ERR_MALFORMED);
		break;
	default:
		break;
	}
	hl_free(d);
	hl_free(z);
	hl_free(ek);
	hl_free(dk);
	hl_free(c);
	hl_free(k);
	hl_free(m);
	return ok;
}

/* Run one ACVP internalProjection-layout file; fails the test on parse
 * errors or unknown groups. Prints one line per group type and parameter
 * set. Returns the number of test cases executed (passed or failed). */
static unsigned
run_acvp_file(const char *label, const char *path)
{
	json_error_t jerr;
	json_t *root, *groups, *g, *t, *tests;
	const char *mode, *fn;
	struct tally ty;
	size_t gi, ti;
	int kind, ps;
	unsigned ran = 0, total;

	memset(&ty, 0, sizeof(ty));
	root = json_load_file(path, 0, &jerr);
	if (root == NULL)
		fail_msg("acvp: cannot parse %s: %s line %d", path, jerr.text,
		    jerr.line);
	mode = json_string_value(json_object_get(root, "mode"));
	groups = json_object_get(root, "testGroups");
	assert_non_null(mode);
	assert_true(json_is_array(groups));
	json_array_foreach(groups, gi, g) {
		fn = json_string_value(json_object_get(g, "function"));
		kind = kind_index(mode, fn);
		ps = pset_index(json_string_value(json_object_get(g,
		    "parameterSet")) != NULL ? json_string_value(
		    json_object_get(g, "parameterSet")) : "");
		if (kind < 0 || ps < 0)
			fail_msg("acvp: %s: unknown group %zu", path, gi);
		tests = json_object_get(g, "tests");
		assert_true(json_is_array(tests));
		json_array_foreach(tests, ti, t) {
			if (ps == 0) {
				ty.skip[kind][ps]++;
				continue;
			}
			if (run_case(kind, pset_param[ps], t, g))
				ty.pass[kind][ps]++;
			else {
				ty.fail[kind][ps]++;
				print_message("acvp: [%s] FAIL %s %s tcId %lld\n",
				    label, kind_name[kind], pset_name[ps],
				    (long long)json_integer_value(
				    json_object_get(t, "tcId")));
			}
		}
	}
	json_decref(root);
	for (kind = 0; kind < K_COUNT; kind++) {
		for (ps = 0; ps < 3; ps++) {
			total = ty.pass[kind][ps] + ty.fail[kind][ps];
			if (ty.skip[kind][ps] != 0)
				print_message("acvp: [%s] %s %s %u skipped "
				    "(not implemented)\n", label,
				    kind_name[kind], pset_name[ps],
				    ty.skip[kind][ps]);
			if (total != 0)
				print_message("acvp: [%s] %s %s %u/%u passed\n",
				    label, kind_name[kind], pset_name[ps],
				    ty.pass[kind][ps], total);
			assert_int_equal(ty.fail[kind][ps], 0);
			ran += total;
		}
	}
	return ran;
}

static void
test_acvp_committed(void **state)
{
	char kg[4096], ed[4096];
	unsigned n;

	(void)state;
	acvp_committed_path("acvp-ml-kem", "keyGen.json", kg, sizeof(kg));
	acvp_committed_path("acvp-ml-kem", "encapDecap.json", ed, sizeof(ed));
	n = run_acvp_file("subset", kg);
	assert_int_equal(n, 4);
	n = run_acvp_file("subset", ed);
	assert_int_equal(n, 16);
}

static void
test_acvp_shared(void **state)
{
	static const char *const files[] = {
		"acvp-v1.1.0.40/ML-KEM-keyGen-FIPS203/internalProjection.json",
		"acvp-v1.1.0.40/ML-KEM-encapDecap-FIPS203/internalProjection.json",
		"acvp-2024-08/ML-KEM-keyGen-FIPS203/internalProjection.json",
		"acvp-2024-08/ML-KEM-encapDecap-FIPS203/internalProjection.json",
	};
	static const char *const labels[] = {
		"v1.1.0.40", "v1.1.0.40", "2024-08", "2024-08",
	};
	/* 768 + 1024 cases per file (ML-KEM-512 is counted as skipped) */
	static const unsigned expect[] = { 50, 110, 50, 70 };
	char dir[4096], path[4096];
	size_t i;

	(void)state;
	acvp_shared_dir("acvp-ml-kem", dir, sizeof(dir));
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		assert_true(snprintf(path, sizeof(path), "%s/%s", dir,
		    files[i]) < (int)sizeof(path));
		assert_int_equal(run_acvp_file(labels[i], path), expect[i]);
	}
}

/* ---- properties ---- */

static const int params[] = { HL_MLKEM_768, HL_MLKEM_1024 };

static void
test_sizes(void **state)
{
	(void)state;
	assert_int_equal(hl_mlkem_ek_bytes(HL_MLKEM_768), 1184);
	assert_int_equal(hl_mlkem_dk_bytes(HL_MLKEM_768), 2400);
	assert_int_equal(hl_mlkem_ct_bytes(HL_MLKEM_768), 1088);
	assert_int_equal(hl_mlkem_ek_bytes(HL_MLKEM_1024), 1568);
	assert_int_equal(hl_mlkem_dk_bytes(HL_MLKEM_1024), 3168);
	assert_int_equal(hl_mlkem_ct_bytes(HL_MLKEM_1024), 1568);
	assert_int_equal(hl_mlkem_ek_bytes(512), 0);
	assert_int_equal(hl_mlkem_dk_bytes(0), 0);
	assert_int_equal(hl_mlkem_ct_bytes(-1), 0);
}

static void
test_bad_param(void **state)
{
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES], dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES], seed[32] = { 0 }, ss[32];

	(void)state;
	assert_int_equal(hl_mlkem_keygen_derand(512, seed, seed, ek, dk),
	    HL_ERR_INVALID);
	assert_int_equal(hl_mlkem_keygen(0, ek, dk), HL_ERR_INVALID);
	assert_int_equal(hl_mlkem_encaps_derand(512, ek, 800, seed, ct, ss),
	    HL_ERR_INVALID);
	assert_int_equal(hl_mlkem_encaps(1023, ek, 1568, ct, ss),
	    HL_ERR_INVALID);
	assert_int_equal(hl_mlkem_decaps(512, dk, 1632, ct, 768, ss),
	    HL_ERR_INVALID);
	assert_int_equal(hl_mlkem_check_ek(512, ek, 800), HL_ERR_INVALID);
	assert_int_equal(hl_mlkem_check_dk(512, dk, 1632), HL_ERR_INVALID);
}

static void
test_roundtrip(void **state)
{
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES], dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES], ss1[32], ss2[32], zero[32] = { 0 };
	size_t p;
	int i;

	(void)state;
	for (p = 0; p < 2; p++) {
		int prm = params[p];
		size_t ekl = hl_mlkem_ek_bytes(prm), dkl = hl_mlkem_dk_bytes(prm);
		size_t ctl = hl_mlkem_ct_bytes(prm);

		for (i = 0; i < 25; i++) {
			assert_int_equal(hl_mlkem_keygen(prm, ek, dk), HL_OK);
			assert_int_equal(hl_mlkem_check_ek(prm, ek, ekl), HL_OK);
			assert_int_equal(hl_mlkem_check_dk(prm, dk, dkl), HL_OK);
			/* ek is embedded in dk after the secret vector */
			assert_memory_equal(dk + 384 * (ekl / 384), ek, ekl);
			assert_int_equal(hl_mlkem_encaps(prm, ek, ekl, ct, ss1),
			    HL_OK);
			assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, ct, ctl,
			    ss2), HL_OK);
			assert_memory_equal(ss1, ss2, 32);
			assert_memory_not_equal(ss1, zero, 32);
		}
	}
}

static void
test_derand_deterministic(void **state)
{
	uint8_t ek1[HL_MLKEM_MAX_EK_BYTES], dk1[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ek2[HL_MLKEM_MAX_EK_BYTES], dk2[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct1[HL_MLKEM_MAX_CT_BYTES], ct2[HL_MLKEM_MAX_CT_BYTES];
	uint8_t d[32], z[32], z2[32], m[32], ss1[32], ss2[32];
	size_t p;

	(void)state;
	memset(d, 0x11, sizeof(d));
	memset(z, 0x22, sizeof(z));
	memset(z2, 0x23, sizeof(z2));
	memset(m, 0x33, sizeof(m));
	for (p = 0; p < 2; p++) {
		int prm = params[p];
		size_t ekl = hl_mlkem_ek_bytes(prm), dkl = hl_mlkem_dk_bytes(prm);
		size_t ctl = hl_mlkem_ct_bytes(prm);

		assert_int_equal(hl_mlkem_keygen_derand(prm, d, z, ek1, dk1),
		    HL_OK);
		assert_int_equal(hl_mlkem_keygen_derand(prm, d, z2, ek2, dk2),
		    HL_OK);
		/* z only lands in the last 32 bytes of dk */
		assert_memory_equal(ek1, ek2, ekl);
		assert_memory_equal(dk1, dk2, dkl - 32);
		assert_memory_equal(dk1 + dkl - 32, z, 32);
		assert_int_equal(hl_mlkem_encaps_derand(prm, ek1, ekl, m, ct1,
		    ss1), HL_OK);
		assert_int_equal(hl_mlkem_encaps_derand(prm, ek1, ekl, m, ct2,
		    ss2), HL_OK);
		assert_memory_equal(ct1, ct2, ctl);
		assert_memory_equal(ss1, ss2, 32);
		assert_int_equal(hl_mlkem_decaps(prm, dk1, dkl, ct1, ctl, ss2),
		    HL_OK);
		assert_memory_equal(ss1, ss2, 32);
	}
}

/* J(z || c) computed independently with EVP SHAKE256. */
static void
shake256_jzc(const uint8_t z[32], const uint8_t *c, size_t clen,
    uint8_t out[32])
{
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	assert_non_null(ctx);
	assert_int_equal(EVP_DigestInit_ex(ctx, EVP_shake256(), NULL), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, z, 32), 1);
	assert_int_equal(EVP_DigestUpdate(ctx, c, clen), 1);
	assert_int_equal(EVP_DigestFinalXOF(ctx, out, 32), 1);
	EVP_MD_CTX_free(ctx);
}

static void
test_implicit_rejection(void **state)
{
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES], dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES], bad[HL_MLKEM_MAX_CT_BYTES];
	uint8_t ss[32], ss2[32], ss3[32], j[32];
	size_t p, i;

	(void)state;
	for (p = 0; p < 2; p++) {
		int prm = params[p];
		size_t ekl = hl_mlkem_ek_bytes(prm), dkl = hl_mlkem_dk_bytes(prm);
		size_t ctl = hl_mlkem_ct_bytes(prm);
		const size_t pos[] = { 0, 1, ctl / 2, ctl - 33, ctl - 1 };

		assert_int_equal(hl_mlkem_keygen(prm, ek, dk), HL_OK);
		assert_int_equal(hl_mlkem_encaps(prm, ek, ekl, ct, ss), HL_OK);
		for (i = 0; i < sizeof(pos) / sizeof(pos[0]); i++) {
			memcpy(bad, ct, ctl);
			bad[pos[i]] ^= 0x01;
			assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, bad, ctl,
			    ss2), HL_OK);
			assert_memory_not_equal(ss, ss2, 32);
			shake256_jzc(dk + dkl - 32, bad, ctl, j);
			assert_memory_equal(ss2, j, 32);
			/* deterministic */
			assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, bad, ctl,
			    ss3), HL_OK);
			assert_memory_equal(ss2, ss3, 32);
		}
		/* the genuine ciphertext still works */
		assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, ct, ctl, ss2),
		    HL_OK);
		assert_memory_equal(ss, ss2, 32);
	}
}

/* Set the 12-bit coefficient idx of polynomial area p to v. */
static void
set_coef(uint8_t *p, size_t idx, unsigned v)
{
	uint8_t *b = p + 3 * (idx / 2);

	if (idx % 2 == 0) {
		b[0] = (uint8_t)v;
		b[1] = (uint8_t)((b[1] & 0xf0) | ((v >> 8) & 0x0f));
	} else {
		b[1] = (uint8_t)((b[1] & 0x0f) | ((v & 0x0f) << 4));
		b[2] = (uint8_t)(v >> 4);
	}
}

static void
test_check_ek(void **state)
{
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES + 1], dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t bad[HL_MLKEM_MAX_EK_BYTES + 1], ct[HL_MLKEM_MAX_CT_BYTES];
	uint8_t ss[32], zero[HL_MLKEM_MAX_CT_BYTES];
	size_t p, i;
	const unsigned badv[] = { 3329, 3330, 4095 };

	(void)state;
	memset(zero, 0, sizeof(zero));
	for (p = 0; p < 2; p++) {
		int prm = params[p];
		size_t ekl = hl_mlkem_ek_bytes(prm);
		size_t ncoef = (ekl - 32) / 12 * 8;   /* 256 k */
		const size_t idx[] = { 0, 1, ncoef / 2, ncoef - 2, ncoef - 1 };
		size_t j;

		assert_int_equal(hl_mlkem_keygen(prm, ek, dk), HL_OK);
		assert_int_equal(hl_mlkem_check_ek(prm, ek, ekl), HL_OK);
		/* lengths */
		assert_int_equal(hl_mlkem_check_ek(prm, ek, ekl - 1),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_check_ek(prm, ek, ekl + 1),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_check_ek(prm, ek, 0), HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_check_ek(prm, NULL, ekl),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_check_ek(prm == HL_MLKEM_768 ?
		    HL_MLKEM_1024 : HL_MLKEM_768, ek, ekl), HL_ERR_MALFORMED);
		/* q - 1 is the largest legal coefficient; rho is not checked */
		memcpy(bad, ek, ekl);
		set_coef(bad, 0, 3328);
		set_coef(bad, ncoef - 1, 3328);
		memset(bad + ekl - 32, 0xff, 32);
		assert_int_equal(hl_mlkem_check_ek(prm, bad, ekl), HL_OK);
		/* any coefficient >= q anywhere fails the modulus check */
		for (i = 0; i < sizeof(idx) / sizeof(idx[0]); i++) {
			for (j = 0; j < sizeof(badv) / sizeof(badv[0]); j++) {
				memcpy(bad, ek, ekl);
				set_coef(bad, idx[i], badv[j]);
				assert_int_equal(hl_mlkem_check_ek(prm, bad, ekl),
				    HL_ERR_MALFORMED);
				memset(ss, 0xaa, sizeof(ss));
				memset(ct, 0xaa, sizeof(ct));
				assert_int_equal(hl_mlkem_encaps(prm, bad, ekl, ct,
				    ss), HL_ERR_MALFORMED);
				assert_memory_equal(ss, zero, 32);
				assert_memory_equal(ct, zero,
				    hl_mlkem_ct_bytes(prm));
			}
		}
		assert_int_equal(hl_mlkem_encaps(prm, ek, ekl - 1, ct, ss),
		    HL_ERR_MALFORMED);
	}
}

static void
test_check_dk(void **state)
{
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES], dk[HL_MLKEM_MAX_DK_BYTES + 1];
	uint8_t bad[HL_MLKEM_MAX_DK_BYTES + 1], ct[HL_MLKEM_MAX_CT_BYTES];
	uint8_t ss[32], ss2[32], zero[32] = { 0 };
	size_t p, i;

	(void)state;
	for (p = 0; p < 2; p++) {
		int prm = params[p];
		size_t ekl = hl_mlkem_ek_bytes(prm), dkl = hl_mlkem_dk_bytes(prm);
		size_t ctl = hl_mlkem_ct_bytes(prm);
		size_t dkpke = dkl - ekl - 64;
		/* a byte of ek, of rho, of h: all covered by the hash check */
		const size_t flip[] = { dkpke, dkpke + ekl - 1, dkpke + ekl,
		    dkpke + ekl + 31 };

		assert_int_equal(hl_mlkem_keygen(prm, ek, dk), HL_OK);
		assert_int_equal(hl_mlkem_encaps(prm, ek, ekl, ct, ss), HL_OK);
		assert_int_equal(hl_mlkem_check_dk(prm, dk, dkl), HL_OK);
		assert_int_equal(hl_mlkem_check_dk(prm, dk, dkl - 1),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_check_dk(prm, dk, dkl + 1),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_check_dk(prm, NULL, dkl),
		    HL_ERR_MALFORMED);
		for (i = 0; i < sizeof(flip) / sizeof(flip[0]); i++) {
			memcpy(bad, dk, dkl);
			bad[flip[i]] ^= 0x80;
			assert_int_equal(hl_mlkem_check_dk(prm, bad, dkl),
			    HL_ERR_MALFORMED);
			memset(ss2, 0xaa, sizeof(ss2));
			assert_int_equal(hl_mlkem_decaps(prm, bad, dkl, ct, ctl,
			    ss2), HL_ERR_MALFORMED);
			assert_memory_equal(ss2, zero, 32);
		}
		/* the secret vector and z are not covered by H: still "valid" */
		memcpy(bad, dk, dkl);
		bad[0] ^= 1;
		bad[dkl - 1] ^= 1;
		assert_int_equal(hl_mlkem_check_dk(prm, bad, dkl), HL_OK);
		/* ciphertext length by type */
		assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, ct, ctl - 1, ss2),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, ct, ctl + 1, ss2),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, NULL, ctl, ss2),
		    HL_ERR_MALFORMED);
		assert_int_equal(hl_mlkem_decaps(prm, dk, dkl - 1, ct, ctl, ss2),
		    HL_ERR_MALFORMED);
		assert_memory_equal(ss2, zero, 32);
		assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, ct, ctl, ss2),
		    HL_OK);
		assert_memory_equal(ss, ss2, 32);
	}
}

/* Cross-check with OpenSSL's own ML-KEM when the build has it (3.5+).
 * On OpenSSL 3.0 (Debian 12) this is compiled out and reports SKIPPED. */
static void
test_openssl_crosscheck(void **state)
{
	(void)state;
#if OPENSSL_VERSION_NUMBER >= 0x30500000L
	static const char *const names[] = { "ML-KEM-768", "ML-KEM-1024" };
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES], dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES], ss1[32], ss2[32];
	size_t p, ctlen, sslen;
	int i;

	for (p = 0; p < 2; p++) {
		int prm = params[p];
		size_t ekl = hl_mlkem_ek_bytes(prm), dkl = hl_mlkem_dk_bytes(prm);

		for (i = 0; i < 5; i++) {
			EVP_PKEY *pub, *priv;
			EVP_PKEY_CTX *c;

			assert_int_equal(hl_mlkem_keygen(prm, ek, dk), HL_OK);
			pub = EVP_PKEY_new_raw_public_key_ex(NULL, names[p],
			    NULL, ek, ekl);
			assert_non_null(pub);
			/* OpenSSL encapsulates, we decapsulate */
			c = EVP_PKEY_CTX_new_from_pkey(NULL, pub, NULL);
			assert_non_null(c);
			assert_int_equal(EVP_PKEY_encapsulate_init(c, NULL), 1);
			ctlen = sizeof(ct);
			sslen = sizeof(ss1);
			assert_int_equal(EVP_PKEY_encapsulate(c, ct, &ctlen, ss1,
			    &sslen), 1);
			assert_int_equal(ctlen, hl_mlkem_ct_bytes(prm));
			assert_int_equal(hl_mlkem_decaps(prm, dk, dkl, ct, ctlen,
			    ss2), HL_OK);
			assert_memory_equal(ss1, ss2, 32);
			EVP_PKEY_CTX_free(c);
			/* we encapsulate, OpenSSL decapsulates */
			priv = EVP_PKEY_new_raw_private_key_ex(NULL, names[p],
			    NULL, dk, dkl);
			assert_non_null(priv);
			assert_int_equal(hl_mlkem_encaps(prm, ek, ekl, ct, ss1),
			    HL_OK);
			c = EVP_PKEY_CTX_new_from_pkey(NULL, priv, NULL);
			assert_non_null(c);
			assert_int_equal(EVP_PKEY_decapsulate_init(c, NULL), 1);
			sslen = sizeof(ss2);
			assert_int_equal(EVP_PKEY_decapsulate(c, ss2, &sslen, ct,
			    hl_mlkem_ct_bytes(prm)), 1);
			assert_memory_equal(ss1, ss2, 32);
			EVP_PKEY_CTX_free(c);
			EVP_PKEY_free(pub);
			EVP_PKEY_free(priv);
		}
	}
	print_message("openssl: ML-KEM cross-check 10/10 passed\n");
#else
	print_message("openssl: SKIPPED (built against %s: no ML-KEM; cross-check "
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
		cmocka_unit_test(test_acvp_committed),
		cmocka_unit_test(test_acvp_shared),
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_derand_deterministic),
		cmocka_unit_test(test_implicit_rejection),
		cmocka_unit_test(test_check_ek),
		cmocka_unit_test(test_check_dk),
		cmocka_unit_test(test_openssl_crosscheck),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
