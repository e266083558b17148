/* test_merkle.c: the RFC 9162 Merkle tree (merkle.c) against the published
 * RFC 6962 / Certificate Transparency vectors and a naive recursive
 * reference model written straight from the RFC text; the checkpoint codec
 * (strict decode, every mutation rejected); and the Merkle log in the store
 * (checkpoints, proofs, witnesses, verify catching a rewritten log, the
 * schema 1 -> 2 upgrade). */
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
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sqlite3.h>

#include "alloc.h"
#include "buf.h"
#include "errors.h"
#include "keys.h"
#include "merkle.h"
#include "store.h"
#include "schema_undo.h"
#include "csig.h"

#define H HL_MERKLE_HASH

/* ---- helpers ---- */





static void
unhex(const char *s, uint8_t *out, size_t n)
{
	size_t i;
	unsigned v;

	assert_int_equal(strlen(s), 2 * n);
	for (i = 0; i < n; i++) {
		char b[3] = { s[2 * i], s[2 * i + 1], 0 };

		v = (unsigned)strtoul(b, NULL, 16);
		out[i] = (uint8_t)v;
	}
}

static void
sha256(const uint8_t *p, size_t n, uint8_t out[H])
{
	static EVP_MD_CTX *c;     /* reused: the model runs millions of hashes */
	static EVP_MD *md;
	unsigned int olen = 0;

	if (c == NULL) {
		c = EVP_MD_CTX_new();
		md = EVP_MD_fetch(NULL, "SHA256", NULL);
		assert_true(c != NULL && md != NULL);
	}
	assert_int_equal(EVP_DigestInit_ex(c, md, NULL), 1);
	assert_int_equal(EVP_DigestUpdate(c, p, n), 1);
	assert_int_equal(EVP_DigestFinal_ex(c, out, &olen), 1);
}

/* xorshift, deterministic */
static uint64_t rng_state = 0x9e3779b97f4a7c15ull;

static uint64_t
rnd(void)
{
	rng_state ^= rng_state << 13;
	rng_state ^= rng_state >> 7;
	rng_state ^= rng_state << 17;
	return rng_state;
}

/* ---- the reference model: RFC 9162 2.1, recursive, no cleverness ---- */

static void
ref_leaf(const uint8_t *p, size_t n, uint8_t out[H])
{
	uint8_t buf[512];

	assert_true(n + 1 <= sizeof(buf));
	buf[0] = 0x00;
	memcpy(buf + 1, p, n);
	sha256(buf, n + 1, out);
}

static void
ref_node(const uint8_t l[H], const uint8_t r[H], uint8_t out[H])
{
	uint8_t buf[1 + 2 * H];

	buf[0] = 0x01;
	memcpy(buf + 1, l, H);
	memcpy(buf + 1 + H, r, H);
	sha256(buf, sizeof(buf), out);
}

static uint64_t
ref_k(uint64_t n)
{
	uint64_t k = 1;

	while (2 * k < n)
		k *= 2;
	return k;
}

static void
ref_mth(const uint8_t (*d)[H], uint64_t n, uint8_t out[H])
{
	uint8_t l[H], r[H];
	uint64_t k;

	if (n == 0) {
		sha256(NULL, 0, out);
		return;
	}
	if (n == 1) {
		memcpy(out, d[0], H);
		return;
	}
	k = ref_k(n);
	ref_mth(d, k, l);
	ref_mth(d + k, n - k, r);
	ref_node(l, r, out);
}

static void
ref_path(uint64_t m, const uint8_t (*d)[H], uint64_t n, uint8_t (*out)[H], size_t *len)
{
	uint64_t k;

	if (n <= 1)
		return;
	k = ref_k(n);
	if (m < k) {
		ref_path(m, d, k, out, len);
		ref_mth(d + k, n - k, out[(*len)++]);
	} else {
		ref_path(m - k, d + k, n - k, out, len);
		ref_mth(d, k, out[(*len)++]);
	}
}

static void
ref_subproof(uint64_t m, const uint8_t (*d)[H], uint64_t n, int b, uint8_t (*out)[H], size_t *len)
{
	uint64_t k;

	if (m == n) {
		if (!b)
			ref_mth(d, n, out[(*len)++]);
		return;
	}
	k = ref_k(n);
	if (m <= k) {
		ref_subproof(m, d, k, b, out, len);
		ref_mth(d + k, n - k, out[(*len)++]);
	} else {
		ref_subproof(m - k, d + k, n - k, 0, out, len);
		ref_mth(d, k, out[(*len)++]);
	}
}

/* ---- known vectors ---- */

static const char *const ct_leaves[8] = {
	"", "00", "10", "2021", "3031", "40414243", "5051525354555657",
	"606162636465666768696a6b6c6d6e6f",
};
static const char *const ct_roots[9] = {
	"e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
	"6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
	"fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
	"aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
	"d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
	"4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
	"76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
	"ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
	"5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
};

static void
ct_leaf_hashes(uint8_t leaves[8][H])
{
	uint8_t raw[16];
	size_t i, n;

	for (i = 0; i < 8; i++) {
		n = strlen(ct_leaves[i]) / 2;
		unhex(ct_leaves[i], raw, n);
		assert_int_equal(hl_merkle_leaf_hash(raw, n, leaves[i]), HL_OK);
	}
}

static void
test_ct_vectors(void **state)
{
	uint8_t leaves[8][H], root[H], want[H], proof[HL_MERKLE_PROOF_MAX][H];
	struct hl_merkle_frontier f;
	size_t plen, i;
	uint64_t n;
	static const struct {
		uint64_t index, size;
		size_t n;
		const char *p[3];
	} incl[] = {
		{ 0, 8, 3, { "96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
		    "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 5, 8, 3, { "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
		    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	};
	static const struct {
		uint64_t m, n;
		size_t len;
		const char *p[3];
	} cons[] = {
		{ 2, 8, 2, { "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
		    "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4" } },
		{ 6, 8, 3, { "0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
		    "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
		    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7" } },
	};

	(void)state;
	ct_leaf_hashes(leaves);
	hl_merkle_frontier_init(&f);
	for (n = 0; n <= 8; n++) {
		unhex(ct_roots[n], want, H);
		assert_int_equal(hl_merkle_root((const uint8_t (*)[H])leaves, n, root), HL_OK);
		assert_memory_equal(root, want, H);
		assert_int_equal(hl_merkle_frontier_root(&f, root), HL_OK);
		assert_memory_equal(root, want, H);
		if (n < 8)
			assert_int_equal(hl_merkle_frontier_add(&f, leaves[n]), HL_OK);
	}
	assert_int_equal(hl_merkle_empty_root(root), HL_OK);
	unhex(ct_roots[0], want, H);
	assert_memory_equal(root, want, H);
	for (i = 0; i < sizeof(incl) / sizeof(incl[0]); i++) {
		assert_int_equal(hl_merkle_inclusion_proof((const uint8_t (*)[H])leaves,
		    incl[i].size, incl[i].index, proof, &plen), HL_OK);
		assert_int_equal(plen, incl[i].n);
		for (n = 0; n < plen; n++) {
			unhex(incl[i].p[n], want, H);
			assert_memory_equal(proof[n], want, H);
		}
		unhex(ct_roots[incl[i].size], want, H);
		assert_int_equal(hl_merkle_inclusion_verify(incl[i].index, incl[i].size,
		    leaves[incl[i].index], (const uint8_t (*)[H])proof, plen, want), HL_OK);
	}
	for (i = 0; i < sizeof(cons) / sizeof(cons[0]); i++) {
		uint8_t old[H];

		assert_int_equal(hl_merkle_consistency_proof((const uint8_t (*)[H])leaves,
		    cons[i].m, cons[i].n, proof, &plen), HL_OK);
		assert_int_equal(plen, cons[i].len);
		for (n = 0; n < plen; n++) {
			unhex(cons[i].p[n], want, H);
			assert_memory_equal(proof[n], want, H);
		}
		unhex(ct_roots[cons[i].m], old, H);
		unhex(ct_roots[cons[i].n], want, H);
		assert_int_equal(hl_merkle_consistency_verify(cons[i].m, cons[i].n, old, want,
		    (const uint8_t (*)[H])proof, plen), HL_OK);
	}
}

/* ---- reference model comparison ---- */

#define MAXN 300

static uint8_t big[MAXN][H];

static void
fill_random_leaves(uint64_t n)
{
	uint8_t raw[40];
	uint64_t i;
	size_t j, len;

	for (i = 0; i < n; i++) {
		len = (size_t)(rnd() % sizeof(raw));
		for (j = 0; j < len; j++)
			raw[j] = (uint8_t)rnd();
		ref_leaf(raw, len, big[i]);
	}
}

static void
test_roots_and_inclusion_vs_reference(void **state)
{
	uint8_t root[H], want[H], proof[HL_MERKLE_PROOF_MAX][H], rp[HL_MERKLE_PROOF_MAX][H];
	uint8_t leaf0[H];
	struct hl_merkle_frontier f;
	size_t plen, rlen, k;
	uint64_t n, i;
	unsigned checked = 0;

	(void)state;
	fill_random_leaves(MAXN);
	/* leaf hash agrees with the model */
	assert_int_equal(hl_merkle_leaf_hash((const uint8_t *)"abc", 3, leaf0), HL_OK);
	ref_leaf((const uint8_t *)"abc", 3, root);
	assert_memory_equal(leaf0, root, H);
	hl_merkle_frontier_init(&f);
	for (n = 1; n <= MAXN; n++) {
		assert_int_equal(hl_merkle_frontier_add(&f, big[n - 1]), HL_OK);
		ref_mth((const uint8_t (*)[H])big, n, want);
		assert_int_equal(hl_merkle_root((const uint8_t (*)[H])big, n, root), HL_OK);
		assert_memory_equal(root, want, H);
		assert_int_equal(hl_merkle_frontier_root(&f, root), HL_OK);
		assert_memory_equal(root, want, H);
		/* every index up to 64, a few random ones beyond */
		for (i = 0; i < n; i++) {
			if (n > 64 && i % 17 != 0 && i != n - 1)
				continue;
			assert_int_equal(hl_merkle_inclusion_proof((const uint8_t (*)[H])big, n, i,
			    proof, &plen), HL_OK);
			rlen = 0;
			ref_path(i, (const uint8_t (*)[H])big, n, rp, &rlen);
			assert_int_equal(plen, rlen);
			if (plen > 0)
				assert_memory_equal(proof, rp, plen * H);
			assert_int_equal(hl_merkle_inclusion_verify(i, n, big[i],
			    (const uint8_t (*)[H])proof, plen, want), HL_OK);
			/* the wrong index, size, leaf or root fails */
			if (n > 1)
				assert_int_not_equal(hl_merkle_inclusion_verify((i + 1) % n, n,
				    big[i], (const uint8_t (*)[H])proof, plen, want), HL_OK);
			/* A claimed size whose proof shape differs is rejected. (Sizes
			 * with the same shape verify the same hashes: the size is bound
			 * to the root only by the signed checkpoint.) */
			for (k = 0; k < 2; k++) {
				uint64_t n2 = k == 0 ? n + 1 : n - 1;

				if (n2 <= i || n2 > MAXN)
					continue;
				rlen = 0;
				ref_path(i, (const uint8_t (*)[H])big, n2, rp, &rlen);
				if (rlen != plen)
					assert_int_equal(hl_merkle_inclusion_verify(i, n2, big[i],
					    (const uint8_t (*)[H])proof, plen, want),
					    HL_ERR_BAD_SIGNATURE);
			}
			if (n > 1)
				assert_int_equal(hl_merkle_inclusion_verify(i, n, big[(i + 1) % n],
				    (const uint8_t (*)[H])proof, plen, want), HL_ERR_BAD_SIGNATURE);
			/* truncated and extended proofs fail */
			if (plen > 0)
				assert_int_equal(hl_merkle_inclusion_verify(i, n, big[i],
				    (const uint8_t (*)[H])proof, plen - 1, want),
				    HL_ERR_BAD_SIGNATURE);
			memcpy(proof[plen], big[0], H);
			assert_int_equal(hl_merkle_inclusion_verify(i, n, big[i],
			    (const uint8_t (*)[H])proof, plen + 1, want), HL_ERR_BAD_SIGNATURE);
			/* every byte of the proof flipped fails (for larger trees one
			 * byte of each hash, at varying positions) */
			for (k = 0; k < plen * H; k++) {
				if (n > 24 && k % H != (i + k / H) % H)
					continue;
				{
					proof[k / H][k % H] ^= 0x01;
					assert_int_equal(hl_merkle_inclusion_verify(i, n, big[i],
					    (const uint8_t (*)[H])proof, plen, want),
					    HL_ERR_BAD_SIGNATURE);
					proof[k / H][k % H] ^= 0x01;
				}
			}
			checked++;
		}
	}
	assert_int_equal(hl_merkle_inclusion_verify(5, 5, big[0], NULL, 0, want),
	    HL_ERR_INVALID);
	assert_int_equal(hl_merkle_inclusion_proof((const uint8_t (*)[H])big, 5, 5, proof, &plen),
	    HL_ERR_INVALID);
	assert_true(plen == 0);
	assert_true(checked > 2000);
}

static void
check_consistency(uint64_t m, uint64_t n, const uint8_t roots[][H], int flip_all)
{
	uint8_t proof[HL_MERKLE_PROOF_MAX + 1][H], rp[HL_MERKLE_PROOF_MAX][H];
	size_t plen, rlen, k;

	assert_int_equal(hl_merkle_consistency_proof((const uint8_t (*)[H])big, m, n, proof,
	    &plen), HL_OK);
	rlen = 0;
	ref_subproof(m, (const uint8_t (*)[H])big, n, 1, rp, &rlen);
	assert_int_equal(plen, rlen);
	if (plen > 0)
		assert_memory_equal(proof, rp, plen * H);
	assert_int_equal(hl_merkle_consistency_verify(m, n, roots[m], roots[n],
	    (const uint8_t (*)[H])proof, plen), HL_OK);
	/* wrong sizes, swapped roots */
	if (m < n) {
		/* claimed sizes whose proof shape differs are rejected */
		for (k = 0; k < 3; k++) {
			uint64_t m2 = k == 0 ? m + 1 : k == 1 ? m - 1 : m;
			uint64_t n2 = k == 2 ? n + 1 : n;

			if (m2 == 0 || m2 > n2 || n2 > MAXN)
				continue;
			rlen = 0;
			ref_subproof(m2, (const uint8_t (*)[H])big, n2, 1, rp, &rlen);
			if (rlen != plen)
				assert_int_not_equal(hl_merkle_consistency_verify(m2, n2, roots[m],
				    roots[n], (const uint8_t (*)[H])proof, plen), HL_OK);
		}
		assert_int_not_equal(hl_merkle_consistency_verify(m, n, roots[n], roots[m],
		    (const uint8_t (*)[H])proof, plen), HL_OK);
		assert_int_not_equal(hl_merkle_consistency_verify(m, n, roots[m], roots[n - 1],
		    (const uint8_t (*)[H])proof, plen), HL_OK);
		/* truncated / extended */
		assert_int_equal(hl_merkle_consistency_verify(m, n, roots[m], roots[n],
		    (const uint8_t (*)[H])proof, plen - 1), HL_ERR_BAD_SIGNATURE);
		memcpy(proof[plen], roots[0], H);
		assert_int_equal(hl_merkle_consistency_verify(m, n, roots[m], roots[n],
		    (const uint8_t (*)[H])proof, plen + 1), HL_ERR_BAD_SIGNATURE);
	} else {
		assert_int_equal(plen, 0);
		memcpy(proof[0], roots[m], H);
		assert_int_equal(hl_merkle_consistency_verify(m, n, roots[m], roots[n],
		    (const uint8_t (*)[H])proof, 1), HL_ERR_BAD_SIGNATURE);
		if (m > 1)
			assert_int_equal(hl_merkle_consistency_verify(m, n, roots[m - 1], roots[n],
			    NULL, 0), HL_ERR_BAD_SIGNATURE);
	}
	for (k = 0; k < plen * H; k++) {
		if (!flip_all && k % H != (m + k / H) % H)
			continue;
		{
			proof[k / H][k % H] ^= 0x80;
			assert_int_equal(hl_merkle_consistency_verify(m, n, roots[m], roots[n],
			    (const uint8_t (*)[H])proof, plen), HL_ERR_BAD_SIGNATURE);
			proof[k / H][k % H] ^= 0x80;
		}
	}
}

static void
test_consistency_vs_reference(void **state)
{
	static uint8_t roots[MAXN + 1][H];
	uint64_t m, n, i;

	(void)state;
	fill_random_leaves(MAXN);
	for (n = 0; n <= MAXN; n++)
		ref_mth((const uint8_t (*)[H])big, n, roots[n]);
	/* every (m, n) pair up to 64; every byte flipped up to 24, one byte of
	 * each proof hash beyond */
	for (n = 1; n <= 64; n++)
		for (m = 1; m <= n; m++)
			check_consistency(m, n, (const uint8_t (*)[H])roots, n <= 24);
	/* random pairs beyond */
	for (i = 0; i < 400; i++) {
		n = 65 + rnd() % (MAXN - 65);
		m = 1 + rnd() % n;
		check_consistency(m, n, (const uint8_t (*)[H])roots, 0);
	}
	assert_int_equal(hl_merkle_consistency_verify(0, 5, roots[0], roots[5], NULL, 0),
	    HL_ERR_INVALID);
	assert_int_equal(hl_merkle_consistency_verify(6, 5, roots[6], roots[5], NULL, 0),
	    HL_ERR_INVALID);
	{
		uint8_t proof[HL_MERKLE_PROOF_MAX][H];
		size_t plen = 9;

		assert_int_equal(hl_merkle_consistency_proof((const uint8_t (*)[H])big, 0, 5,
		    proof, &plen), HL_ERR_INVALID);
		assert_true(plen == 0);
		assert_int_equal(hl_merkle_consistency_proof((const uint8_t (*)[H])big, 6, 5,
		    proof, &plen), HL_ERR_INVALID);
	}
}

static void
test_frontier_codec(void **state)
{
	struct hl_merkle_frontier f, g;
	struct hl_buf b;
	uint8_t r1[H], r2[H];
	uint64_t i;

	(void)state;
	fill_random_leaves(MAXN);
	hl_merkle_frontier_init(&f);
	for (i = 0; i < 77; i++)
		assert_int_equal(hl_merkle_frontier_add(&f, big[i]), HL_OK);
	hl_buf_init(&b, 4096);
	assert_int_equal(hl_merkle_frontier_encode(&f, &b), HL_OK);
	assert_int_equal(b.len, 8 + 4 * H);   /* 77 = 1001101b */
	assert_int_equal(hl_merkle_frontier_decode(b.data, b.len, &g), HL_OK);
	assert_int_equal(hl_merkle_frontier_root(&f, r1), HL_OK);
	assert_int_equal(hl_merkle_frontier_root(&g, r2), HL_OK);
	assert_memory_equal(r1, r2, H);
	/* appending after a round trip continues the same tree */
	assert_int_equal(hl_merkle_frontier_add(&g, big[77]), HL_OK);
	assert_int_equal(hl_merkle_root((const uint8_t (*)[H])big, 78, r1), HL_OK);
	assert_int_equal(hl_merkle_frontier_root(&g, r2), HL_OK);
	assert_memory_equal(r1, r2, H);
	/* exact length only */
	assert_int_equal(hl_merkle_frontier_decode(b.data, b.len - 1, &g), HL_ERR_MALFORMED);
	assert_int_equal(hl_merkle_frontier_decode(b.data, 7, &g), HL_ERR_MALFORMED);
	b.data[7] ^= 0x02;   /* size 79: five hashes expected */
	assert_int_equal(hl_merkle_frontier_decode(b.data, b.len, &g), HL_ERR_MALFORMED);
	hl_buf_free(&b);
}

static void
test_entry_encoding(void **state)
{
	struct hl_merkle_entry e;
	struct hl_buf b;
	uint8_t leaf[H], leaf2[H], want[H];
	static const uint8_t expect[] = {
		0, 0, 0, 0, 0, 0, 0, 7,                 /* seq */
		0, 0, 0, 0, 0, 0, 1, 0,                 /* time */
		0, 0, 0, 2, 'e', 'v',                   /* event */
		1, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,
		0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa,   /* has_id, id */
		0, 0, 0, 1, 'a',                        /* actor */
		0, 0, 0, 0,                             /* detail */
	};

	(void)state;
	memset(&e, 0, sizeof(e));
	e.seq = 7;
	e.time_ms = 256;
	e.event = "ev";
	e.event_len = 2;
	e.has_id = 1;
	memset(e.id, 0xaa, sizeof(e.id));
	e.actor = "a";
	e.actor_len = 1;
	e.detail = "";
	hl_buf_init(&b, 1024);
	assert_int_equal(hl_merkle_entry_encode(&e, &b), HL_OK);
	assert_int_equal(b.len, sizeof(expect));
	assert_memory_equal(b.data, expect, sizeof(expect));
	ref_leaf(b.data, b.len, want);
	assert_int_equal(hl_merkle_entry_leaf(&e, leaf), HL_OK);
	assert_memory_equal(leaf, want, H);
	/* has_id 0 and an all-zero id hash differently (unlike the chain) */
	e.has_id = 0;
	assert_int_equal(hl_merkle_entry_leaf(&e, leaf), HL_OK);
	e.has_id = 1;
	memset(e.id, 0, sizeof(e.id));
	assert_int_equal(hl_merkle_entry_leaf(&e, leaf2), HL_OK);
	assert_memory_not_equal(leaf, leaf2, H);
	/* a length cannot move bytes between fields */
	e.event = "eva";
	e.event_len = 3;
	e.actor = "";
	e.actor_len = 0;
	assert_int_equal(hl_merkle_entry_leaf(&e, leaf), HL_OK);
	assert_memory_not_equal(leaf, want, H);
	e.event = NULL;
	assert_int_equal(hl_merkle_entry_leaf(&e, leaf), HL_ERR_INVALID);
	hl_buf_free(&b);
	/* node hash with aliasing output */
	memset(leaf, 1, H);
	memset(leaf2, 2, H);
	ref_node(leaf, leaf2, want);
	assert_int_equal(hl_merkle_node_hash(leaf, leaf2, leaf), HL_OK);
	assert_memory_equal(leaf, want, H);
}

/* ---- checkpoints ---- */

static EVP_PKEY *
gen_ed25519(uint8_t pub[HL_ED25519_PUB])
{
	EVP_PKEY *pk = NULL;
	size_t n = HL_ED25519_PUB;

	pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	assert_non_null(pk);
	assert_int_equal(EVP_PKEY_get_raw_public_key(pk, pub, &n), 1);
	return pk;
}

/* Sign like keys.c does ("hotline-sig-v1" || ctx || digest). */
static void
sign_digest(EVP_PKEY *pk, int ctx, const uint8_t d[64], uint8_t sig[HL_ED25519_SIG])
{
	uint8_t m[14 + 1 + 64];
	EVP_MD_CTX *mc = EVP_MD_CTX_new();
	size_t sl = HL_ED25519_SIG;

	memcpy(m, "hotline-sig-v1", 14);
	m[14] = (uint8_t)ctx;
	memcpy(m + 15, d, 64);
	assert_non_null(mc);
	assert_int_equal(EVP_DigestSignInit(mc, NULL, NULL, NULL, pk), 1);
	assert_int_equal(EVP_DigestSign(mc, sig, &sl, m, sizeof(m)), 1);
	EVP_MD_CTX_free(mc);
}

static void
make_checkpoint(EVP_PKEY *pk, int ctx, struct hl_buf *b)
{
	struct hl_checkpoint c;
	uint8_t d[64];

	memset(&c, 0, sizeof(c));
	c.version = HL_CHECKPOINT_VERSION;
	(void)snprintf(c.node, sizeof(c.node), "JPN/node-1");
	c.size = 1234;
	memset(c.root, 0x5a, H);
	c.time_ms = 1700000000123ull;
	hl_buf_init(b, HL_CHECKPOINT_MAX_BYTES);
	assert_int_equal(hl_checkpoint_encode(&c, b), HL_OK);
	assert_int_equal(hl_checkpoint_digest(b->data, b->len - HL_ED25519_SIG, d), HL_OK);
	sign_digest(pk, ctx, d, b->data + b->len - HL_ED25519_SIG);
}

static void
test_checkpoint_codec(void **state)
{
	struct hl_checkpoint c, c2;
	struct hl_buf b, b2;
	uint8_t pub[HL_ED25519_PUB], pub2[HL_ED25519_PUB], d[64], d2[64], *copy;
	EVP_PKEY *pk, *pk2;
	size_t i, len;
	int bit;

	(void)state;
	pk = gen_ed25519(pub);
	pk2 = gen_ed25519(pub2);
	make_checkpoint(pk, HL_SIGN_CHECKPOINT, &b);
	len = b.len;
	assert_int_equal(len, 4 + 1 + 1 + 10 + 8 + 32 + 8 + 64);
	assert_memory_equal(b.data, "HLCP\x01\x0aJPN/node-1", 16);
	assert_int_equal(hl_checkpoint_decode(b.data, len, &c), HL_OK);
	assert_string_equal(c.node, "JPN/node-1");
	assert_true(c.size == 1234 && c.time_ms == 1700000000123ull);
	assert_int_equal(c.signed_len, len - 64);
	hl_buf_init(&b2, HL_CHECKPOINT_MAX_BYTES);
	assert_int_equal(hl_checkpoint_encode(&c, &b2), HL_OK);
	assert_int_equal(b2.len, len);
	assert_memory_equal(b2.data, b.data, len);
	hl_buf_free(&b2);
	assert_int_equal(hl_checkpoint_verify(b.data, len, "JPN/node-1", csig(pub), &c2), HL_OK);
	assert_int_equal(hl_checkpoint_verify(b.data, len, NULL, csig(pub), &c2), HL_OK);
	assert_int_equal(hl_checkpoint_verify(b.data, len, "KOR/node-1", csig(pub), &c2), HL_ERR_AUTH);
	assert_int_equal(hl_checkpoint_verify(b.data, len, "JPN/node-1", csig(pub2), &c2),
	    HL_ERR_BAD_SIGNATURE);
	/* the digest is domain-separated from the other objects */
	assert_int_equal(hl_checkpoint_digest(b.data, c.signed_len, d), HL_OK);
	copy = hl_malloc(len + 1);
	assert_non_null(copy);
	memcpy(copy, b.data, len);
	copy[0] ^= 1;
	assert_int_equal(hl_checkpoint_digest(copy, c.signed_len, d2), HL_OK);
	assert_memory_not_equal(d, d2, 64);
	/* every single-bit change of a valid checkpoint is rejected */
	memcpy(copy, b.data, len);
	for (i = 0; i < len; i++) {
		for (bit = 0; bit < 8; bit++) {
			copy[i] ^= (uint8_t)(1u << bit);
			assert_int_not_equal(hl_checkpoint_verify(copy, len, "JPN/node-1", csig(pub), &c2),
			    HL_OK);
			copy[i] ^= (uint8_t)(1u << bit);
		}
	}
	/* every truncation, and one byte more */
	for (i = 0; i < len; i++)
		assert_int_not_equal(hl_checkpoint_decode(copy, i, &c2), HL_OK);
	copy[len] = 0;
	assert_int_equal(hl_checkpoint_decode(copy, len + 1, &c2), HL_ERR_MALFORMED);
	assert_int_equal(hl_checkpoint_decode(NULL, 0, &c2), HL_ERR_MALFORMED);
	/* unknown version, bad node name */
	copy[4] = 3;
	assert_int_equal(hl_checkpoint_decode(copy, len, &c2), HL_ERR_VERSION);
	copy[4] = 2;   /* hybrid, but an Ed25519 signature */
	assert_int_equal(hl_checkpoint_decode(copy, len, &c2), HL_ERR_MALFORMED);
	copy[4] = 1;
	copy[9] = '?';   /* "JPN?node-1" */
	assert_int_equal(hl_checkpoint_decode(copy, len, &c2), HL_ERR_MALFORMED);
	memcpy(copy, b.data, len);
	copy[5] = 0;     /* empty node name */
	assert_int_not_equal(hl_checkpoint_decode(copy, len, &c2), HL_OK);
	hl_free(copy);
	/* signed in another context: refused */
	hl_buf_free(&b);
	make_checkpoint(pk, HL_SIGN_AUDIT, &b);
	assert_int_equal(hl_checkpoint_verify(b.data, b.len, NULL, csig(pub), &c2),
	    HL_ERR_BAD_SIGNATURE);
	hl_buf_free(&b);
	/* encode refuses what decode would refuse */
	memset(&c, 0, sizeof(c));
	c.version = 1;
	hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
	assert_int_equal(hl_checkpoint_encode(&c, &b), HL_ERR_MALFORMED);
	c.version = 9;
	assert_int_equal(hl_checkpoint_encode(&c, &b), HL_ERR_VERSION);
	hl_buf_free(&b);
	EVP_PKEY_free(pk);
	EVP_PKEY_free(pk2);
}

/* ---- the Merkle log in the store ---- */

struct sfx {
	char dir[64];
	char path[128];
	char path2[128];
	char keypath[128];
	char kemdir[128];
	struct hl_store *s;
	struct hl_keys *k;
	uint8_t pub[HL_ED25519_PUB];
};

static void
rm_db(const char *path)
{
	char p[160];

	(void)unlink(path);
	(void)snprintf(p, sizeof(p), "%s-wal", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-journal", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s.blobs", path);
	(void)rmdir(p);   /* the envelope files' directory, empty here */
}

static int
store_setup(void **state)
{
	struct sfx *f = calloc(1, sizeof(*f));
	EVP_PKEY *pk = NULL;
	FILE *fp;
	char err[256];

	if (f == NULL)
		return -1;
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hl_merkle_XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	(void)snprintf(f->path2, sizeof(f->path2), "%s/forged.db", f->dir);
	(void)snprintf(f->keypath, sizeof(f->keypath), "%s/node.key", f->dir);
	(void)snprintf(f->kemdir, sizeof(f->kemdir), "%s/kem", f->dir);
	if ((pk = EVP_PKEY_Q_keygen(NULL, NULL, "ED25519")) == NULL)
		return -1;
	if ((fp = fopen(f->keypath, "w")) == NULL)
		return -1;
	(void)chmod(f->keypath, 0600);
	if (PEM_write_PrivateKey(fp, pk, NULL, NULL, 0, NULL, NULL) != 1 || fclose(fp) != 0)
		return -1;
	EVP_PKEY_free(pk);
	if (hl_keys_open(f->keypath, f->kemdir, &f->k, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "keys: %s\n", err);
		return -1;
	}
	hl_keys_sign_pub(f->k, f->pub);
	*state = f;
	return 0;
}

static int
store_teardown(void **state)
{
	struct sfx *f = *state;
	char cmd[300];

	hl_store_close(f->s);
	hl_keys_free(f->k);
	rm_db(f->path);
	rm_db(f->path2);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	assert_int_equal(system(cmd), 0);
	free(f);
	return 0;
}

static void
sopen(struct sfx *f)
{
	char err[256];

	assert_null(f->s);
	assert_int_equal(hl_store_open(f->path, &f->s, err, sizeof(err)), HL_OK);
}

static void
sclose(struct sfx *f)
{
	hl_store_close(f->s);
	f->s = NULL;
}

static void
raw_exec(const char *path, const char *sql)
{
	sqlite3 *db = NULL;
	char *emsg = NULL;
	int rc;

	assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
	rc = sqlite3_exec(db, sql, NULL, NULL, &emsg);
	if (rc != SQLITE_OK)
		print_error("sql: %s: %s\n", sql, emsg != NULL ? emsg : "?");
	sqlite3_free(emsg);
	assert_int_equal(rc, SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

static void
mk_id(uint8_t id[HL_ID_BYTES], unsigned n)
{
	memset(id, 0xb0, HL_ID_BYTES);
	id[15] = (uint8_t)n;
}

/* Append entries from..to (1-based) with deterministic contents; entry 15's
 * detail depends on alt (for building a rewritten twin). */
static void
add_entries(struct hl_store *s, unsigned from, unsigned to, int alt)
{
	uint8_t id[HL_ID_BYTES];
	char d[64];
	unsigned i;

	for (i = from; i <= to; i++) {
		mk_id(id, i % 4);
		(void)snprintf(d, sizeof(d), "entry %u%s", i, alt && i == 15 ? " (rewritten)" : "");
		assert_int_equal(hl_store_audit(s, i % 3 ? "envelope-sent" : "link-up",
		    i % 3 ? id : NULL, "JPN/node-1", d, 1700000000000ull + i), HL_OK);
	}
}

/* Leaves computed independently from the listed entries. */
static void
leaves_of(struct hl_store *s, uint64_t n, uint8_t (*leaves)[H])
{
	struct hl_audit_entry *a = NULL;
	struct hl_merkle_entry e;
	size_t cnt = 0, i;

	assert_int_equal(hl_store_audit_list(s, 1, (size_t)n, &a, &cnt), HL_OK);
	assert_int_equal(cnt, n);
	for (i = 0; i < cnt; i++) {
		memset(&e, 0, sizeof(e));
		e.seq = a[i].seq;
		e.time_ms = a[i].time_ms;
		e.event = a[i].event;
		e.event_len = strlen(a[i].event);
		e.has_id = a[i].has_id;
		memcpy(e.id, a[i].id, HL_ID_BYTES);
		e.actor = a[i].actor;
		e.actor_len = strlen(a[i].actor);
		e.detail = a[i].detail;
		e.detail_len = strlen(a[i].detail);
		assert_int_equal(hl_merkle_entry_leaf(&e, leaves[i]), HL_OK);
	}
	hl_free(a);
}

static void
expect_sverify(struct sfx *f, int use_pub, int want, uint64_t want_bad, const char *want_msg)
{
	char err[256];
	uint64_t cnt = 0, bad = 0;
	int r;

	sopen(f);
	if (use_pub)
		r = hl_store_audit_verify_signed(f->s, csig(f->pub), &cnt, &bad, err, sizeof(err));
	else
		r = hl_store_audit_verify(f->s, &cnt, &bad, err, sizeof(err));
	if (r != want || (want_msg != NULL && strcmp(err, want_msg) != 0))
		print_error("verify: %d (%s) bad=%llu\n", r, err, (unsigned long long)bad);
	assert_int_equal(r, want);
	if (want != HL_OK) {
		assert_true(bad == want_bad);
		assert_true(cnt == want_bad - 1);
	}
	if (want_msg != NULL)
		assert_string_equal(err, want_msg);
	sclose(f);
}

static void
test_store_checkpoints_and_proofs(void **state)
{
	struct sfx *f = *state;
	static uint8_t leaves[40][H];
	uint8_t *raw = NULL, *raw2 = NULL, root[H], root10[H], proof[HL_MERKLE_PROOF_MAX][H];
	struct hl_checkpoint c10, c25;
	char err[256];
	size_t len = 0, len2 = 0, plen;
	uint64_t seq, m;
	int64_t live;

	live = hl_alloc_live();
	sopen(f);
	/* empty log: nothing to sign; the empty root */
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 5, &raw, &len),
	    HL_ERR_NOT_FOUND);
	assert_null(raw);
	assert_int_equal(hl_store_audit_checkpoint_last(f->s, &raw, &len), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_store_audit_root(f->s, 0, root), HL_OK);
	unhex(ct_roots[0], root10, H);
	assert_memory_equal(root, root10, H);
	add_entries(f->s, 1, 10, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 1000, &raw, &len),
	    HL_OK);
	assert_int_equal(hl_checkpoint_verify(raw, len, "JPN/node-1", csig(f->pub), &c10), HL_OK);
	assert_true(c10.size == 10 && c10.time_ms == 1000);
	leaves_of(f->s, 10, leaves);
	assert_int_equal(hl_merkle_root((const uint8_t (*)[H])leaves, 10, root10), HL_OK);
	assert_memory_equal(c10.root, root10, H);
	assert_int_equal(hl_store_audit_root(f->s, 10, root), HL_OK);
	assert_memory_equal(root, root10, H);
	/* no growth: nothing new, the last one is still there */
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 2000, &raw2, &len2),
	    HL_ERR_EXISTS);
	assert_null(raw2);
	assert_int_equal(hl_store_audit_checkpoint_last(f->s, &raw2, &len2), HL_OK);
	assert_int_equal(len2, len);
	assert_memory_equal(raw2, raw, len);
	HL_FREE(raw2);
	/* grow inside a caller's batch: the checkpoint joins it */
	assert_int_equal(hl_store_begin(f->s), HL_OK);
	add_entries(f->s, 11, 25, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 3000, &raw2, &len2),
	    HL_OK);
	assert_int_equal(hl_store_commit(f->s), HL_OK);
	assert_int_equal(hl_checkpoint_verify(raw2, len2, "JPN/node-1", csig(f->pub), &c25), HL_OK);
	assert_true(c25.size == 25);
	HL_FREE(raw2);
	leaves_of(f->s, 25, leaves);
	assert_int_equal(hl_merkle_root((const uint8_t (*)[H])leaves, 25, root), HL_OK);
	assert_memory_equal(c25.root, root, H);
	/* every entry's inclusion proof verifies against the signed heads */
	for (seq = 1; seq <= 25; seq++) {
		assert_int_equal(hl_store_audit_inclusion(f->s, seq, 25, proof, &plen), HL_OK);
		assert_int_equal(hl_merkle_inclusion_verify(seq - 1, 25, leaves[seq - 1],
		    (const uint8_t (*)[H])proof, plen, c25.root), HL_OK);
		if (seq <= 10) {
			assert_int_equal(hl_store_audit_inclusion(f->s, seq, 10, proof, &plen),
			    HL_OK);
			assert_int_equal(hl_merkle_inclusion_verify(seq - 1, 10, leaves[seq - 1],
			    (const uint8_t (*)[H])proof, plen, c10.root), HL_OK);
		}
	}
	/* the two heads are consistent, and so is every intermediate size */
	assert_int_equal(hl_store_audit_consistency(f->s, 10, 25, proof, &plen), HL_OK);
	assert_int_equal(hl_merkle_consistency_verify(10, 25, c10.root, c25.root,
	    (const uint8_t (*)[H])proof, plen), HL_OK);
	for (m = 1; m <= 25; m++) {
		assert_int_equal(hl_store_audit_root(f->s, m, root), HL_OK);
		assert_int_equal(hl_store_audit_consistency(f->s, m, 25, proof, &plen), HL_OK);
		assert_int_equal(hl_merkle_consistency_verify(m, 25, root, c25.root,
		    (const uint8_t (*)[H])proof, plen), HL_OK);
	}
	/* bad arguments */
	assert_int_equal(hl_store_audit_inclusion(f->s, 0, 25, proof, &plen), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_inclusion(f->s, 26, 25, proof, &plen), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_inclusion(f->s, 1, 26, proof, &plen), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_consistency(f->s, 0, 25, proof, &plen), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_consistency(f->s, 20, 10, proof, &plen), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_consistency(f->s, 10, 26, proof, &plen), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_root(f->s, 26, root), HL_ERR_INVALID);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "bad name", HL_SUITE_ED25519, 1, &raw2, &len2),
	    HL_ERR_EXISTS);   /* nothing new: checked before the name is encoded */
	add_entries(f->s, 26, 26, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "bad name", HL_SUITE_ED25519, 1, &raw2, &len2),
	    HL_ERR_MALFORMED);
	assert_null(raw2);
	/* entries by envelope id */
	{
		struct hl_audit_entry *a = NULL;
		uint8_t id[HL_ID_BYTES];
		size_t n = 0, i;

		mk_id(id, 1);
		assert_int_equal(hl_store_audit_by_id(f->s, id, 100, &a, &n), HL_OK);
		assert_true(n > 3);
		for (i = 0; i < n; i++)
			assert_true(a[i].has_id && a[i].seq % 4 == 1 && a[i].seq % 3 != 0);
		hl_free(a);
		mk_id(id, 9);
		assert_int_equal(hl_store_audit_by_id(f->s, id, 100, &a, &n), HL_OK);
		assert_true(n == 0 && a == NULL);
	}
	sclose(f);
	expect_sverify(f, 0, HL_OK, 0, "");
	expect_sverify(f, 1, HL_OK, 0, "");
	/* read-only: proofs yes, new checkpoints no */
	assert_int_equal(hl_store_open_readonly(f->path, &f->s, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_store_audit_inclusion(f->s, 3, 25, proof, &plen), HL_OK);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 9, &raw2, &len2),
	    HL_ERR_DENIED);
	sclose(f);
	hl_free(raw);
	assert_int_equal(hl_alloc_live(), live);
}

/* Build the log with checkpoints at 10 and 20, and beside it a twin whose
 * entry 15 says something else, with a perfectly consistent chain and head
 * (what an attacker who can write the file and recompute hashes makes). */
static void
build_with_twin(struct sfx *f)
{
	uint8_t *raw = NULL;
	size_t len;
	char err[256];
	struct hl_store *t = NULL;

	rm_db(f->path);
	rm_db(f->path2);
	sopen(f);
	add_entries(f->s, 1, 10, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 1, &raw, &len), HL_OK);
	HL_FREE(raw);
	add_entries(f->s, 11, 20, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 2, &raw, &len), HL_OK);
	HL_FREE(raw);
	sclose(f);
	assert_int_equal(hl_store_open(f->path2, &t, err, sizeof(err)), HL_OK);
	add_entries(t, 1, 20, 1);
	hl_store_close(t);
}

/* Replace our audit rows and head by the twin's. */
static void
swap_in_twin(struct sfx *f)
{
	char sql[512];

	(void)snprintf(sql, sizeof(sql), "ATTACH '%s' AS t; DELETE FROM audit;"
	    " INSERT INTO audit SELECT * FROM t.audit; DELETE FROM audit_head;"
	    " INSERT INTO audit_head SELECT * FROM t.audit_head;", f->path2);
	raw_exec(f->path, sql);
}

static void
test_store_rewrite_detected(void **state)
{
	struct sfx *f = *state;
	uint8_t *raw = NULL;
	size_t len = 0;

	/* the case docs/internals/store.md called undetectable: the tail
	 * deleted and the head rewritten to match. A checkpoint covered it. */
	build_with_twin(f);
	raw_exec(f->path, "DELETE FROM audit WHERE seq = 20;"
	    "UPDATE audit_head SET seq = 19, hash = (SELECT hash FROM audit WHERE seq = 19)");
	expect_sverify(f, 0, HL_ERR_CORRUPT, 20, "audit log truncated: the signed checkpoint at "
	    "size 20 covers entries up to 20 but the log ends at entry 19");
	/* and a new checkpoint is refused rather than signing the shorter log */
	sopen(f);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 3, &raw, &len),
	    HL_ERR_CORRUPT);
	sclose(f);
	/* the whole chain rewritten from entry 15 on, hashes and head fixed up:
	 * the chain alone is happy, the checkpoint at 20 is not */
	build_with_twin(f);
	swap_in_twin(f);
	expect_sverify(f, 0, HL_ERR_CORRUPT, 11, "audit entries 11..20 do not match the signed "
	    "checkpoint at size 20: rewritten after it was signed");
	expect_sverify(f, 1, HL_ERR_CORRUPT, 11, NULL);
	/* same with the checkpoints' roots forged to match: only the signature
	 * check (with the node's public key) can tell */
	raw_exec(f->path, "DELETE FROM audit_checkpoints WHERE size = 20");
	sopen(f);
	add_entries(f->s, 21, 21, 0);   /* so that the node (unknowingly) signs 21 */
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 3, &raw, &len),
	    HL_OK);
	HL_FREE(raw);
	sclose(f);
	/* entry 15 rewritten before the checkpoint at 21: it signs what it sees,
	 * but extends the frontier of 10, so it is consistent with it */
	expect_sverify(f, 0, HL_OK, 0, "");
	/* a forged checkpoint row: right root, no valid signature */
	build_with_twin(f);
	swap_in_twin(f);
	{
		struct hl_store *t = NULL;
		struct hl_checkpoint c;
		struct hl_buf b;
		uint8_t root[H];
		char err[256], sql[1024];
		size_t i, o;

		assert_int_equal(hl_store_open(f->path2, &t, err, sizeof(err)), HL_OK);
		assert_int_equal(hl_store_audit_root(t, 20, root), HL_OK);
		hl_store_close(t);
		memset(&c, 0, sizeof(c));
		c.version = 1;
		(void)snprintf(c.node, sizeof(c.node), "JPN/node-1");
		c.size = 20;
		memcpy(c.root, root, H);
		hl_buf_init(&b, HL_CHECKPOINT_MAX_BYTES);
		assert_int_equal(hl_checkpoint_encode(&c, &b), HL_OK);
		o = (size_t)snprintf(sql, sizeof(sql), "UPDATE audit_checkpoints SET raw = x'");
		for (i = 0; i < b.len; i++)
			o += (size_t)snprintf(sql + o, sizeof(sql) - o, "%02x", b.data[i]);
		(void)snprintf(sql + o, sizeof(sql) - o, "' WHERE size = 20");
		hl_buf_free(&b);
		raw_exec(f->path, sql);
		raw_exec(f->path, "DELETE FROM audit_checkpoints WHERE size = 10");
	}
	expect_sverify(f, 0, HL_OK, 0, "");   /* documented limit without the key */
	expect_sverify(f, 1, HL_ERR_CORRUPT, 1, "audit checkpoint at size 20: signature does "
	    "not verify with the node key");
	/* a damaged checkpoint record */
	build_with_twin(f);
	raw_exec(f->path, "UPDATE audit_checkpoints SET raw = x'00' WHERE size = 20");
	expect_sverify(f, 0, HL_ERR_CORRUPT, 11, "audit checkpoint at size 20: malformed record");
	build_with_twin(f);
	raw_exec(f->path, "UPDATE audit_checkpoints SET frontier = x'00' WHERE size = 20");
	sopen(f);
	add_entries(f->s, 21, 21, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 3, &raw, &len),
	    HL_ERR_CORRUPT);
	assert_non_null(strstr(hl_store_errmsg(f->s), "frontier"));
	sclose(f);
	/* the cached leaf edited */
	build_with_twin(f);
	raw_exec(f->path, "UPDATE audit SET leaf = zeroblob(32) WHERE seq = 5");
	expect_sverify(f, 0, HL_ERR_CORRUPT, 5, "audit entry 5: cached leaf hash does not match "
	    "its contents");
	/* the chain's own checks still come first, with their messages */
	build_with_twin(f);
	raw_exec(f->path, "UPDATE audit SET detail = 'nothing happened' WHERE seq = 17");
	expect_sverify(f, 0, HL_ERR_CORRUPT, 17, "audit entry 17: hash does not match its "
	    "contents");
}

static void
test_store_migrate_v1(void **state)
{
	struct sfx *f = *state;
	static uint8_t leaves[40][H];
	uint8_t *raw = NULL, root[H], proof[HL_MERKLE_PROOF_MAX][H];
	struct hl_checkpoint c;
	char err[256];
	size_t len = 0, plen;
	uint64_t cnt = 0, bad = 0;

	/* a version-1 database: this build's schema with the version-2 parts
	 * taken out again */
	rm_db(f->path);
	sopen(f);
	add_entries(f->s, 1, 12, 0);
	sclose(f);
	raw_exec(f->path, DROP_V16 DROP_V15 DROP_V14 DROP_V13 DROP_V12 "ALTER TABLE audit DROP COLUMN leaf; DROP TABLE audit_checkpoints;"
	    " DROP TABLE witness_checkpoints; DROP TABLE tracks; DROP TABLE track_updates;"
	    " DROP INDEX envelopes_content_type; DROP TABLE transit;"
	    " DROP INDEX envelopes_unacked_in; DROP INDEX deliveries_delivered;"   /* v8 */
	    " ALTER TABLE envelopes DROP COLUMN overdue_ms; ALTER TABLE deliveries DROP COLUMN overdue_ms;"
	    " " DROP_V11 "PRAGMA user_version = 1;");
	/* read-only refuses to migrate */
	assert_int_equal(hl_store_open_readonly(f->path, &f->s, err, sizeof(err)), HL_ERR_VERSION);
	assert_null(f->s);
	sopen(f);
	assert_int_equal(hl_store_audit_verify(f->s, &cnt, &bad, err, sizeof(err)), HL_OK);
	assert_true(cnt == 12);
	/* old rows have no cached leaf: computed from their contents */
	add_entries(f->s, 13, 20, 0);
	assert_int_equal(hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, 1, &raw, &len), HL_OK);
	assert_int_equal(hl_checkpoint_verify(raw, len, "JPN/node-1", csig(f->pub), &c), HL_OK);
	leaves_of(f->s, 20, leaves);
	assert_int_equal(hl_merkle_root((const uint8_t (*)[H])leaves, 20, root), HL_OK);
	assert_memory_equal(root, c.root, H);
	assert_int_equal(hl_store_audit_inclusion(f->s, 4, 20, proof, &plen), HL_OK);
	assert_int_equal(hl_merkle_inclusion_verify(3, 20, leaves[3], (const uint8_t (*)[H])proof,
	    plen, c.root), HL_OK);
	HL_FREE(raw);
	sclose(f);
	raw_exec(f->path, "SELECT leaf FROM audit");   /* the column exists now */
	expect_sverify(f, 1, HL_OK, 0, "");
}

static void
test_store_witness(void **state)
{
	struct sfx *f = *state;
	struct hl_checkpoint c;
	struct hl_buf b1, b2, b3;
	uint8_t *raw = NULL;
	size_t len = 0;

	rm_db(f->path);
	sopen(f);
	memset(&c, 0, sizeof(c));
	c.version = 1;
	(void)snprintf(c.node, sizeof(c.node), "KOR/node-1");
	c.size = 7;
	memset(c.root, 7, H);
	c.time_ms = 77;
	hl_buf_init(&b1, HL_CHECKPOINT_MAX_BYTES);
	hl_buf_init(&b2, HL_CHECKPOINT_MAX_BYTES);
	hl_buf_init(&b3, HL_CHECKPOINT_MAX_BYTES);
	assert_int_equal(hl_checkpoint_encode(&c, &b1), HL_OK);
	c.root[0] ^= 1;   /* same size, another root: equivocation */
	assert_int_equal(hl_checkpoint_encode(&c, &b2), HL_OK);
	c.size = 9;
	assert_int_equal(hl_checkpoint_encode(&c, &b3), HL_OK);
	assert_int_equal(hl_store_witness_last(f->s, "KOR/node-1", &raw, &len), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_store_witness_put(f->s, "KOR/node-1", b1.data, b1.len), HL_OK);
	assert_int_equal(hl_store_witness_put(f->s, "KOR/node-1", b1.data, b1.len), HL_ERR_EXISTS);
	assert_int_equal(hl_store_witness_put(f->s, "KOR/node-1", b2.data, b2.len),
	    HL_ERR_CORRUPT);
	assert_non_null(strstr(hl_store_errmsg(f->s), "two different audit trees"));
	assert_int_equal(hl_store_witness_put(f->s, "USA/node-1", b1.data, b1.len),
	    HL_ERR_INVALID);
	assert_int_equal(hl_store_witness_put(f->s, "KOR/node-1", b1.data, b1.len - 1),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_store_witness_put(f->s, "KOR/node-1", b3.data, b3.len), HL_OK);
	assert_int_equal(hl_store_witness_last(f->s, "KOR/node-1", &raw, &len), HL_OK);
	assert_int_equal(len, b3.len);
	assert_memory_equal(raw, b3.data, len);
	HL_FREE(raw);
	/* an older one arriving late does not become the last */
	assert_int_equal(hl_store_begin(f->s), HL_OK);
	assert_int_equal(hl_store_witness_put(f->s, "KOR/node-1", b2.data, b2.len),
	    HL_ERR_CORRUPT);   /* inside a batch: undoes only itself */
	assert_int_equal(hl_store_audit(f->s, "witness-fork", NULL, "KOR/node-1", "size 7", 1),
	    HL_OK);
	assert_int_equal(hl_store_commit(f->s), HL_OK);
	assert_int_equal(hl_store_witness_last(f->s, "KOR/node-1", &raw, &len), HL_OK);
	assert_memory_equal(raw, b3.data, len);
	HL_FREE(raw);
	assert_int_equal(hl_store_witness_last(f->s, "USA/node-1", &raw, &len), HL_ERR_NOT_FOUND);
	hl_buf_free(&b1);
	hl_buf_free(&b2);
	hl_buf_free(&b3);
	sclose(f);
	expect_sverify(f, 0, HL_OK, 0, "");
}

/* Each allocation failing in turn over checkpoint and proof. */
static void
test_store_alloc_failures(void **state)
{
	struct sfx *f = *state;
	uint8_t *raw = NULL, proof[HL_MERKLE_PROOF_MAX][H];
	size_t len, plen;
	uint64_t i;
	int64_t live;
	int r, done = 0;

	rm_db(f->path);
	sopen(f);
	add_entries(f->s, 1, 9, 0);
	live = hl_alloc_live();
	for (i = 1; i < 200 && !done; i++) {
		hl_alloc_fail_at(i);
		r = hl_store_audit_checkpoint(f->s, f->k, "JPN/node-1", HL_SUITE_ED25519, i, &raw, &len);
		hl_alloc_fail_at(0);
		if (r == HL_OK) {
			HL_FREE(raw);
			done = 1;
		} else {
			assert_int_equal(r, HL_ERR_NOMEM);
			assert_null(raw);
		}
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(done);
	for (i = 1, done = 0; i < 200 && !done; i++) {
		hl_alloc_fail_at(i);
		r = hl_store_audit_inclusion(f->s, 3, 9, proof, &plen);
		hl_alloc_fail_at(0);
		done = r == HL_OK;
		assert_true(r == HL_OK || r == HL_ERR_NOMEM);
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(done);
	sclose(f);
	expect_sverify(f, 1, HL_OK, 0, "");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ct_vectors),
		cmocka_unit_test(test_roots_and_inclusion_vs_reference),
		cmocka_unit_test(test_consistency_vs_reference),
		cmocka_unit_test(test_frontier_codec),
		cmocka_unit_test(test_entry_encoding),
		cmocka_unit_test(test_checkpoint_codec),
		cmocka_unit_test_setup_teardown(test_store_checkpoints_and_proofs, store_setup,
		    store_teardown),
		cmocka_unit_test_setup_teardown(test_store_rewrite_detected, store_setup,
		    store_teardown),
		cmocka_unit_test_setup_teardown(test_store_migrate_v1, store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_store_witness, store_setup, store_teardown),
		cmocka_unit_test_setup_teardown(test_store_alloc_failures, store_setup,
		    store_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
