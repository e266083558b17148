/* mldsa.c: ML-DSA-44, ML-DSA-65 and ML-DSA-87 (FIPS 204, August 2024).
 *
 * Hash functions come from OpenSSL 3.0 through EVP (SHAKE256 = H, SHAKE128 =
 * G); everything else (NTT, sampling, rounding, hints, encodings, the
 * signing loop) is here. Coefficients are signed 32-bit; products are
 * reduced with Montgomery multiplication (R = 2^32) and sums with a
 * Barrett-style reduction by 2^23 ~ q; there is no division instruction.
 *
 * Side channels: key generation and signing have no branch or memory index
 * on secret data, with these values declared public to valgrind
 * (HL_DECLASSIFY; tests/integration/11-mldsa-ct.sh checks the rest):
 *  - rho, which is part of the public key (it seeds the matrix A);
 *  - the accept/reject decision of each rejection-sampling step: one bit
 *    per iteration of the signing loop (FIPS 204 3.6.3 lets the number of
 *    iterations leak), one bit per half-byte in ExpandS (which half-bytes
 *    are rejected says nothing about the accepted ones), and the "SHAKE
 *    output ran out" bit of SampleInBall (probability below 2^-40);
 *  - the hint of the accepted signature, which is written into it verbatim.
 * SampleInBall itself runs in constant time (masked scans over the 256
 * coefficients), so the challenge of a rejected iteration does not leak
 * (Karabulut et al. 2021, Zhou et al. 2025 use rejected challenges).
 * Verification works on public data only. Secret intermediates are wiped
 * with OPENSSL_cleanse.
 *
 * Map of FIPS 204 algorithms to functions:
 *   Alg 1/6  KeyGen, KeyGen_internal          hl_mldsa_keygen, hl_mldsa_keygen_seed
 *   Alg 2/7  Sign, Sign_internal              hl_mldsa_sign, hl_mldsa_sign_internal,
 *                                             sign_parts, sign_mu
 *   Alg 3/8  Verify, Verify_internal          hl_mldsa_verify, hl_mldsa_verify_internal,
 *                                             verify_parts, verify_mu
 *   Alg 16-19 SimpleBitPack, BitPack, ...     pack_bits, unpack_bits (+ offsets)
 *   Alg 20/21 HintBitPack, HintBitUnpack      hint_pack, hint_unpack
 *   Alg 22-27 pk/sk/sig encodings, w1Encode   keygen_seed, sign_mu, verify_mu
 *   Alg 29   SampleInBall                     sample_in_ball (ball_step)
 *   Alg 30/31 RejNTTPoly, RejBoundedPoly      rej_ntt_poly, rej_bounded_poly
 *   Alg 32-34 ExpandA, ExpandS, ExpandMask    expand_a_row, (keygen_seed), expand_mask
 *   Alg 35   Power2Round                      power2round
 *   Alg 36-40 Decompose, HighBits, LowBits,   decompose, (sign_mu), (sign_mu),
 *            MakeHint, UseHint                 make_hints, use_hint
 *   Alg 41/42 NTT, NTT^-1                     ntt, invntt_tomont
 *   Alg 45   MultiplyNTT                      poly_mul_acc
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "alloc.h"
#include "ct.h"
#include "errors.h"
#include "mldsa.h"
#include "sha3.h"

/* The NTT and the pointwise products, the signer's hot loops, are compiled
 * twice: for AVX2 and for the baseline, the better chosen at load time
 * (GCC and clang target_clones; the arithmetic is the same, branch-free
 * code either way). Off under the sanitizers and the fuzz builds. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__SANITIZE_ADDRESS__) && \
    !defined(__SANITIZE_THREAD__) && !defined(HL_MLDSA_NO_CLONES)
#define HL_MLDSA_VEC __attribute__((target_clones("avx2", "default")))
#else
#define HL_MLDSA_VEC
#endif

/* Constant-time validation (ct.h): tests/tools/ct_mldsa.c marks xi, sk
 * and rnd undefined for valgrind memcheck; the values listed at the top of
 * this file are declared defined again with HL_DECLASSIFY.
 * HL_MLDSA_CT_NO_DECLASSIFY: checker self-test (mk/mldsa.mk): rho stays
 * secret, so valgrind must flag the matrix sampling, showing that it tracks
 * secrets through OpenSSL's SHAKE256. */
#ifdef HL_MLDSA_CT_NO_DECLASSIFY
#define DECLASSIFY_RHO(p, n) ((void)(p), (void)(n))
#else
#define DECLASSIFY_RHO(p, n) HL_DECLASSIFY(p, n)
#endif

#define N 256
#define Q 8380417
#define QINV 58728449         /* q^-1 mod 2^32 */
#define D 13                  /* dropped bits of t */
#define K_MAX 8
#define L_MAX 7
#define MU_BYTES 64
#define TR_BYTES 64
#define T1_BITS 10            /* bitlen(q - 1) - d */
#define T0_BITS 13
#define W1_MAX_BYTES (K_MAX * 32 * 6)
/* FIPS 204 Appendix C: a limit on the signing loop shall not be lower than
 * 814 iterations (reached with probability about 2^-256 or less); with
 * l <= 7 the counter kappa stays far below 2^16. */
#define SIGN_MAX_ITERATIONS 1000

/* SHAKE outputs for the rejection samplers. OpenSSL 3.0 has no
 * EVP_DigestSqueeze, and EVP_DigestFinalXOF may be called once per absorb.
 * So a sampler squeezes a first size that nearly always suffices and, if it
 * runs out, absorbs the same input again and squeezes twice as much: a SHAKE
 * output is a prefix of every longer output from the same input, so sampling
 * continues where it stopped. Running out of the maximum is below 2^-200
 * and fails cleanly (HL_ERR_CRYPTO). */
#define G_BLOCK 168           /* SHAKE128 rate */
#define H_BLOCK 136           /* SHAKE256 rate */
#define A_FIRST (5 * G_BLOCK) /* 280 candidates for 256 coefficients */
#define A_MAX (40 * G_BLOCK)
#define S_FIRST (2 * H_BLOCK)
#define S_MAX (16 * H_BLOCK)
#define BALL_FIRST H_BLOCK
#define BALL_MAX (8 * H_BLOCK)

struct poly {
	int32_t c[N];
};

struct mldsa_params {
	unsigned k, l, eta, tau, beta, omega;
	int32_t gamma1, gamma2;
	unsigned ctilde_len;  /* lambda / 4 */
	unsigned eta_bits;    /* bitlen(2 eta) */
	unsigned z_bits;      /* 1 + bitlen(gamma1 - 1) */
	unsigned w1_bits;     /* bitlen((q - 1) / (2 gamma2) - 1) */
	int32_t w1_max;       /* (q - 1) / (2 gamma2) */
	/* Decompose: floor(x / (2 gamma2)) = ((x >> s1) * m + a) >> s2 for
	 * every x < q + gamma2 (2 gamma2 = 2^9 * 1023 or 2^11 * 93; checked
	 * for every x by the unit test) */
	unsigned div_s1, div_s2;
	uint32_t div_m, div_a;
	size_t pk_len, sk_len, sig_len;
};

static const struct mldsa_params params_44 = {
	4, 4, 2, 39, 78, 80, 1 << 17, (Q - 1) / 88, 32, 3, 18, 6, 44,
	11, 18, 2819, 0,
	HL_MLDSA44_PK_BYTES, HL_MLDSA44_SK_BYTES, HL_MLDSA44_SIG_BYTES
};
static const struct mldsa_params params_65 = {
	6, 5, 4, 49, 196, 55, 1 << 19, (Q - 1) / 32, 48, 4, 20, 4, 16,
	9, 20, 1025, 512,
	HL_MLDSA65_PK_BYTES, HL_MLDSA65_SK_BYTES, HL_MLDSA65_SIG_BYTES
};
static const struct mldsa_params params_87 = {
	8, 7, 2, 60, 120, 75, 1 << 19, (Q - 1) / 32, 64, 3, 20, 4, 16,
	9, 20, 1025, 512,
	HL_MLDSA87_PK_BYTES, HL_MLDSA87_SK_BYTES, HL_MLDSA87_SIG_BYTES
};

/* zetas[m] = zeta^brv8(m) * 2^32 mod q, centred, zeta = 1753 (FIPS 204
 * Appendix B, in the Montgomery domain). The unit test recomputes it. */
static const int32_t zetas[N] = {
	-4186625,    25847, -2608894,  -518909,   237124,  -777960,
	 -876248,   466468,  1826347,  2353451,  -359251, -2091905,
	 3119733, -2884855,  3111497,  2680103,  2725464,  1024112,
	-1079900,  3585928,  -549488, -1119584,  2619752, -2108549,
	-2118186, -3859737, -1399561, -3277672,  1757237,   -19422,
	 4010497,   280005,  2706023,    95776,  3077325,  3530437,
	-1661693, -3592148, -2537516,  3915439, -3861115, -3043716,
	 3574422, -2867647,  3539968,  -300467,  2348700,  -539299,
	-1699267, -1643818,  3505694, -3821735,  3507263, -2140649,
	-1600420,  3699596,   811944,   531354,   954230,  3881043,
	 3900724, -2556880,  2071892, -2797779, -3930395, -1528703,
	-3677745, -3041255, -1452451,  3475950,  2176455, -1585221,
	-1257611,  1939314, -4083598, -1000202, -3190144, -3157330,
	-3632928,   126922,  3412210,  -983419,  2147896,  2715295,
	-2967645, -3693493,  -411027, -2477047,  -671102, -1228525,
	  -22981, -1308169,  -381987,  1349076,  1852771, -1430430,
	-3343383,   264944,   508951,  3097992,    44288, -1100098,
	  904516,  3958618, -3724342,    -8578,  1653064, -3249728,
	 2389356,  -210977,   759969, -1316856,   189548, -3553272,
	 3159746, -1851402, -2409325,  -177440,  1315589,  1341330,
	 1285669, -1584928,  -812732, -1439742, -3019102, -3881060,
	-3628969,  3839961,  2091667,  3407706,  2316500,  3817976,
	-3342478,  2244091, -2446433, -3562462,   266997,  2434439,
	-1235728,  3513181, -3520352, -3759364, -1197226, -3193378,
	  900702,  1859098,   909542,   819034,   495491, -1613174,
	  -43260,  -522500,  -655327, -3122442,  2031748,  3207046,
	-3556995,  -525098,  -768622, -3595838,   342297,   286988,
	-2437823,  4108315,  3437287, -3342277,  1735879,   203044,
	 2842341,  2691481, -2590150,  1265009,  4055324,  1247620,
	 2486353,  1595974, -3767016,  1250494,  2635921, -3548272,
	-2994039,  1869119,  1903435, -1050970, -1333058,  1237275,
	-3318210, -1430225,  -451100,  1312455,  3306115, -1962642,
	-1279661,  1917081, -2546312, -1374803,  1500165,   777191,
	 2235880,  3406031,  -542412, -2831860, -1671176, -1846953,
	-2584293, -3724270,   594136, -3776993, -2013608,  2432395,
	 2454455,  -164721,  1957272,  3369112,   185531, -1207385,
	-3183426,   162844,  1616392,  3014001,   810149,  1652634,
	-3694233, -1799107, -3038916,  3523897,  3866901,   269760,
	 2213111,  -975884,  1717735,   472078,  -426683,  1723600,
	-1803090,  1910376, -1667432, -1104333,  -260646, -3833893,
	-2939036, -2235985,  -420899, -2286327,   183443,  -976891,
	 1612842, -3545687,  -554416,  3919660,   -48306, -1362209,
	 3937738,  1400424,  -846154,  1976782,
};

#ifdef HL_MLDSA_CT_BROKEN
/* Deliberately broken build for the constant-time checker's self-test
 * (mk/mldsa.mk builds build/tests/ct_mldsa_broken with it). Never in the
 * library. */
static volatile unsigned broken_hits;
#endif

/* ---- hash functions: fetched for each operation (sha3.h) ---- */

/* No part is NULL with a non-zero length. */
static int
parts_valid(const struct hl_sha3_in *in, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (in[i].p == NULL && in[i].len != 0)
			return 0;
	return 1;
}

/* ---- arithmetic mod q, constant time ---- */

/* Optimisation barrier: the compiler cannot see through it, so it cannot
 * turn mask arithmetic back into a branch. */
static int32_t
value_barrier_i32(int32_t v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

/* -1 if a == b, else 0. */
static int32_t
mask_eq(int32_t a, int32_t b)
{
	uint32_t x = (uint32_t)(a ^ b);

	return value_barrier_i32(-(int32_t)((x - 1) >> 31 & ~x >> 31));
}

/* a b 2^-32 mod q, in (-q, q), for |a b| < q 2^31. */
static int32_t
mont_mul(int32_t a, int32_t b)
{
	int64_t p = (int64_t)a * b;
	int32_t t = (int32_t)(uint32_t)((uint32_t)p * (uint32_t)QINV);

	return (int32_t)((p - (int64_t)t * Q) >> 32);
}

/* a - round(a / 2^23) q, in [-6283009, 6283008], for a <= 2^31 - 2^22. */
static int32_t
reduce32(int32_t a)
{
	int32_t t = (a + (1 << 22)) >> 23;

	return a - t * Q;
}

/* Standard representative in [0, q) of a, |a| <= 2^31 - 2^22. */
static int32_t
freeze(int32_t a)
{
	a = reduce32(a);
	return a + ((a >> 31) & Q);
}

/* a mod+- q, in [-(q - 1) / 2, (q - 1) / 2], for a in [0, q). */
static int32_t
centre(int32_t a)
{
	return a - (Q & ((((Q - 1) / 2) - a) >> 31));
}

/* -1 if |a| >= bound, else 0 (|a| < 2^30). */
static int32_t
exceeds(int32_t a, int32_t bound)
{
	int32_t s = a >> 31;

	return (bound - 1 - ((a ^ s) - s)) >> 31;
}

/* -1 if some coefficient of p (any representative, see freeze) has
 * |c mod+- q| >= bound, else 0; no early exit. */
static int32_t
poly_norm_exceeds(const struct poly *p, int32_t bound)
{
	int32_t bad = 0;
	size_t i;

	for (i = 0; i < N; i++)
		bad |= exceeds(centre(freeze(p->c[i])), bound);
	return bad;
}

static void
poly_freeze(struct poly *p)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = freeze(p->c[i]);
}

static void
poly_reduce(struct poly *p)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = reduce32(p->c[i]);
}

/* The NTT layers are inlined with a constant len, so that each inner loop
 * has a constant trip count (gcc unrolls and schedules it). */
#define HL_INLINE static inline __attribute__((always_inline))

/* One layer of Alg 41: blocks of 2 len coefficients, zeta index m + 1, ... */
HL_INLINE void
ntt_layer(int32_t *restrict c, unsigned len, unsigned m)
{
	unsigned start, j;
	int32_t z, t;

	for (start = 0; start < N; start += 2 * len) {
		z = zetas[++m];
		for (j = start; j < start + len; j++) {
			t = mont_mul(z, c[j + len]);
			c[j + len] = c[j] - t;
			c[j] = c[j] + t;
		}
	}
}

/* Alg 41: NTT in place. Input |c| < q, output |c| < 9 q. */
HL_MLDSA_VEC static void
ntt(struct poly *p)
{
	ntt_layer(p->c, 128, 0);
	ntt_layer(p->c, 64, 1);
	ntt_layer(p->c, 32, 3);
	ntt_layer(p->c, 16, 7);
	ntt_layer(p->c, 8, 15);
	ntt_layer(p->c, 4, 31);
	ntt_layer(p->c, 2, 63);
	ntt_layer(p->c, 1, 127);
}

/* One layer of Alg 42: blocks of 2 len coefficients, zeta index m - 1, ... */
HL_INLINE void
invntt_layer(int32_t *restrict c, unsigned len, unsigned m)
{
	unsigned start, j;
	int32_t z, t;

	for (start = 0; start < N; start += 2 * len) {
		z = -zetas[--m];
		for (j = start; j < start + len; j++) {
			t = c[j];
			c[j] = t + c[j + len];
			c[j + len] = mont_mul(z, t - c[j + len]);
		}
	}
}

/* Alg 42: inverse NTT in place, times 2^32 (undoes the 2^-32 of one
 * Montgomery product). Input |c| < q: the sums stay below 256 q < 2^31;
 * output |c| < q. 41978 = 2^64 / 256 mod q. */
HL_MLDSA_VEC static void
invntt_tomont(struct poly *p)
{
	size_t j;

	invntt_layer(p->c, 1, 256);
	invntt_layer(p->c, 2, 128);
	invntt_layer(p->c, 4, 64);
	invntt_layer(p->c, 8, 32);
	invntt_layer(p->c, 16, 16);
	invntt_layer(p->c, 32, 8);
	invntt_layer(p->c, 64, 4);
	invntt_layer(p->c, 128, 2);
	for (j = 0; j < N; j++)
		p->c[j] = mont_mul(41978, p->c[j]);
}

/* Alg 45 accumulated: r += a o b 2^-32 (each term in (-q, q)). */
HL_MLDSA_VEC static void
poly_mul_acc(struct poly *restrict r, const struct poly *restrict a,
    const struct poly *restrict b)
{
	size_t i;

	for (i = 0; i < N; i++)
		r->c[i] += mont_mul(a->c[i], b->c[i]);
}

/* r = a o b 2^-32 */
HL_MLDSA_VEC static void
poly_mul(struct poly *restrict r, const struct poly *restrict a,
    const struct poly *restrict b)
{
	size_t i;

	for (i = 0; i < N; i++)
		r->c[i] = mont_mul(a->c[i], b->c[i]);
}

/* p = NTT^-1(p) for p the sum of fewer than 256 products: reduce first. */
HL_MLDSA_VEC static void
poly_back(struct poly *p)
{
	poly_reduce(p);
	invntt_tomont(p);
}

/* ---- rounding (Alg 35-40), constant time ---- */

/* Alg 35: a in [0, q) = r1 2^d + r0, r0 in (-2^(d-1), 2^(d-1)]. */
static void
power2round(int32_t a, int32_t *r1, int32_t *r0)
{
	*r1 = (a + (1 << (D - 1)) - 1) >> D;
	*r0 = a - (*r1 << D);
}

/* Alg 36: a in [0, q) = r1 2 gamma2 + r0, r0 in (-gamma2, gamma2], except
 * at the top (r1 would be w1_max): r1 = 0 and r0 one less. */
static void
decompose(const struct mldsa_params *pp, int32_t a, int32_t *r1,
    int32_t *r0)
{
	uint32_t x = (uint32_t)(a + pp->gamma2 - 1) >> pp->div_s1;
	int32_t t = (int32_t)((x * pp->div_m + pp->div_a) >> pp->div_s2);
	int32_t top = mask_eq(t, pp->w1_max);

	*r0 = a - t * 2 * pp->gamma2 + top;
	*r1 = t & ~top;
}

/* Alg 40: UseHint(h, a), a in [0, q), h in {0, 1}. */
static int32_t
use_hint(const struct mldsa_params *pp, int32_t h, int32_t a)
{
	int32_t r1, r0, up;

	decompose(pp, a, &r1, &r0);
	up = (-r0) >> 31;                    /* -1 if r0 > 0 */
	r1 += -h & ((up & 1) | ~up);         /* +1 if r0 > 0, else -1 */
	r1 += pp->w1_max & (r1 >> 31);       /* -1 -> w1_max - 1 */
	return r1 & ~mask_eq(r1, pp->w1_max); /* w1_max -> 0 */
}

/* Alg 39 for every coefficient: h = [HighBits(r) != HighBits(v)] with r,
 * v in [0, q). Returns the number of ones. */
static int32_t
make_hints(const struct mldsa_params *pp, struct poly *h,
    const struct poly *r, const struct poly *v)
{
	int32_t r1, v1, r0, ones = 0;
	size_t i;

	for (i = 0; i < N; i++) {
		decompose(pp, r->c[i], &r1, &r0);
		decompose(pp, v->c[i], &v1, &r0);
		h->c[i] = ~mask_eq(r1, v1) & 1;
		ones += h->c[i];
	}
	return ones;
}

/* ---- encodings (Alg 16-21) ---- */

/* SimpleBitPack: 256 values in [0, 2^bits), least significant bit first,
 * 32 bits bytes. Control flow depends on bits only. */
static void
pack_bits(uint8_t *out, const int32_t *v, unsigned bits)
{
	uint64_t acc = 0;
	unsigned have = 0;
	size_t i, o = 0;

	for (i = 0; i < N; i++) {
		acc |= (uint64_t)(uint32_t)v[i] << have;
		for (have += bits; have >= 8; have -= 8) {
			out[o++] = (uint8_t)acc;
			acc >>= 8;
		}
	}
}

/* SimpleBitUnpack: reads 32 bits bytes; values in [0, 2^bits). */
static void
unpack_bits(int32_t *v, const uint8_t *in, unsigned bits)
{
	uint64_t acc = 0;
	uint32_t mask = (1u << bits) - 1;
	unsigned have = 0;
	size_t i, p = 0;

	for (i = 0; i < N; i++) {
		for (; have < bits; have += 8)
			acc |= (uint64_t)in[p++] << have;
		v[i] = (int32_t)(acc & mask);
		acc >>= bits;
		have -= bits;
	}
}

/* BitPack(w, a, b): each coefficient w in [-a, b] is stored as b - w. */
static void
pack_offset(uint8_t *out, const struct poly *p, int32_t b, unsigned bits)
{
	struct poly t;
	size_t i;

	for (i = 0; i < N; i++)
		t.c[i] = b - p->c[i];
	pack_bits(out, t.c, bits);
	OPENSSL_cleanse(&t, sizeof(t));
}

/* BitUnpack(v, a, b) */
static void
unpack_offset(struct poly *p, const uint8_t *in, int32_t b, unsigned bits)
{
	size_t i;

	unpack_bits(p->c, in, bits);
	for (i = 0; i < N; i++)
		p->c[i] = b - p->c[i];
}

/* Alg 20: HintBitPack into omega + k bytes; h is public (it is the
 * accepted signature's hint) and has at most omega ones. */
static void
hint_pack(const struct mldsa_params *pp, uint8_t *y, const struct poly *h)
{
	unsigned i, j, index = 0;

	memset(y, 0, pp->omega + pp->k);
	for (i = 0; i < pp->k; i++) {
		for (j = 0; j < N; j++)
			if (h[i].c[j] != 0)
				y[index++] = (uint8_t)j;
		y[pp->omega + i] = (uint8_t)index;
	}
}

/* Alg 21: HintBitUnpack; HL_ERR_MALFORMED where FIPS 204 returns bottom:
 * counts out of order or over omega, indices not strictly increasing
 * within a polynomial, padding not zero. */
static int
hint_unpack(const struct mldsa_params *pp, struct poly *h, const uint8_t *y)
{
	unsigned i, index = 0, first, end;

	memset(h, 0, sizeof(*h) * pp->k);
	for (i = 0; i < pp->k; i++) {
		end = y[pp->omega + i];
		if (end < index || end > pp->omega)
			return HL_ERR_MALFORMED;
		for (first = index; index < end; index++) {
			if (index > first && y[index - 1] >= y[index])
				return HL_ERR_MALFORMED;
			h[i].c[y[index]] = 1;
		}
	}
	for (; index < pp->omega; index++)
		if (y[index] != 0)
			return HL_ERR_MALFORMED;
	return HL_OK;
}

/* ---- sampling (Alg 29-34) ---- */

/* Alg 30: RejNTTPoly(rho || s || r) = A[r][s]. rho is public: may branch. */
static int
rej_ntt_poly(const struct hl_sha3 *hs, const uint8_t rho[32], unsigned s,
    unsigned r, struct poly *a)
{
	uint8_t buf[A_MAX];
	const uint8_t sr[2] = { (uint8_t)s, (uint8_t)r };
	const struct hl_sha3_in in[2] = { { rho, 32 }, { sr, 2 } };
	int32_t c[N + 1];       /* a candidate is stored before it is counted */
	size_t have = A_FIRST, pos = 0;
	unsigned n = 0;
	int32_t z;
	int rc = HL_ERR_CRYPTO;

	if (hl_sha3_hash(hs, hs->shake128, in, 2, buf, have) != HL_OK)
		goto out;
	for (;;) {
		for (; pos + 3 <= have && n < N; pos += 3) {
			z = (int32_t)(buf[pos] | (buf[pos + 1] << 8) |
			    ((buf[pos + 2] & 0x7f) << 16));
			c[n] = z;
			n += (unsigned)(z < Q);
		}
		if (n >= N)
			break;
		if (hl_sha3_more(hs, hs->shake128, in, 2, buf, &have, A_MAX) !=
		    HL_OK)
			goto out;
	}
	memcpy(a->c, c, sizeof(a->c));
	rc = HL_OK;
out:
	return rc;
}

/* Alg 32, one row at a time: a[s] = A[r][s] for s < l. */
static int
expand_a_row(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    const uint8_t rho[32], unsigned r, struct poly *a)
{
	unsigned s;
	int rc;

	for (s = 0; s < pp->l; s++)
		if ((rc = rej_ntt_poly(hs, rho, s, r, &a[s])) != HL_OK)
			return rc;
	return HL_OK;
}

/* Alg 31: RejBoundedPoly(rho' || nonce), coefficients in [-eta, eta]. The
 * half-bytes are secret; whether each is accepted is declassified (the
 * rejected ones are independent of the accepted ones), so the count of
 * accepted coefficients may index memory. */
static int
rej_bounded_poly(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    const uint8_t rhop[64], unsigned nonce, struct poly *a)
{
	uint8_t buf[S_MAX], ok[2 * S_MAX];
	const uint8_t nb[2] = { (uint8_t)nonce, (uint8_t)(nonce >> 8) };
	const struct hl_sha3_in in[2] = { { rhop, 64 }, { nb, 2 } };
	const uint32_t bound = pp->eta == 2 ? 15 : 9;
	size_t have = S_FIRST, pos = 0, i;
	uint32_t b;
	unsigned n = 0;
	int rc = HL_ERR_CRYPTO;

	if (hl_sha3_hash(hs, hs->shake256, in, 2, buf, have) != HL_OK)
		goto out;
	for (;;) {
		for (i = 2 * pos; i < 2 * have; i++)
			ok[i] = (uint8_t)(((uint32_t)(buf[i / 2] >> (4 * (i & 1)) &
			    0x0f) - bound) >> 31);
		HL_DECLASSIFY(ok + 2 * pos, 2 * (have - pos));
		for (i = 2 * pos; i < 2 * have && n < N; i++) {
			if (!ok[i])
				continue;
			b = (uint32_t)(buf[i / 2] >> (4 * (i & 1))) & 0x0f;
			/* eta 2: 2 - (b mod 5), b < 15; eta 4: 4 - b, b < 9 */
			if (pp->eta == 2)
				a->c[n++] = 2 - (int32_t)(b - 5 * ((b * 205) >> 10));
			else
				a->c[n++] = 4 - (int32_t)b;
		}
		if (n >= N)
			break;
		pos = have;
		if (hl_sha3_more(hs, hs->shake256, in, 2, buf, &have, S_MAX) !=
		    HL_OK)
			goto out;
	}
	rc = HL_OK;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* Alg 34 for one polynomial: y = ExpandMask's polynomial kappa. */
static int
expand_mask(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    const uint8_t rhopp[64], unsigned kappa, struct poly *y)
{
	uint8_t buf[32 * 20];
	const uint8_t kb[2] = { (uint8_t)kappa, (uint8_t)(kappa >> 8) };
	const struct hl_sha3_in in[2] = { { rhopp, 64 }, { kb, 2 } };
	int rc;

	rc = hl_sha3_hash(hs, hs->shake256, in, 2, buf, 32 * pp->z_bits);
	if (rc == HL_OK)
		unpack_offset(y, buf, pp->gamma1, pp->z_bits);
	OPENSSL_cleanse(buf, sizeof(buf));
	return rc;
}

/* One byte b of SampleInBall: if b <= i < 256 then v[i] = v[b], v[b] =
 * (-1)^(next sign bit), i++. Without branch or index on b, i or the signs:
 * every coefficient is read and written under byte masks (v holds 0, 1 or
 * 0xff for -1; idx[p] = p), in loops gcc vectorises 16 bytes at a time. */
static void
ball_step(uint8_t v[N], const uint8_t idx[N], uint8_t b, uint32_t *i,
    uint64_t *signs)
{
	uint32_t ii = *i;
	/* accept: i < 256 and b <= i; at i = 256 the byte compare below
	 * would see 0, but m is 0 then */
	uint32_t acc = ((ii - N) >> 31) & (((uint32_t)b - ii - 1) >> 31);
	uint8_t m = (uint8_t)-acc, bi = (uint8_t)ii, vb = 0, s, eb, ei;
	size_t p;

	s = (uint8_t)(1 | -(uint8_t)(*signs & 1));      /* 1 or 0xff */
	for (p = 0; p < N; p++)
		vb |= v[p] & (uint8_t)-(uint8_t)(idx[p] == b);
	for (p = 0; p < N; p++) {
		eb = (uint8_t)(m & -(uint8_t)(idx[p] == b));
		ei = (uint8_t)(m & -(uint8_t)(idx[p] == bi) & ~eb);
		v[p] = (uint8_t)((v[p] & ~(eb | ei)) | (vb & ei) | (s & eb));
	}
	*signs >>= acc;
	*i = ii + acc;
}

/* Alg 29: SampleInBall(ct): tau coefficients +-1, the rest 0. Constant
 * time in ct: the bytes of H(ct) after the 8 sign bytes all go through
 * ball_step; only "were BALL_FIRST bytes enough" is declassified. */
static int
sample_in_ball(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    const uint8_t *ct, struct poly *c)
{
	uint8_t buf[BALL_MAX], v[N], idx[N];
	const struct hl_sha3_in in[1] = { { ct, pp->ctilde_len } };
	size_t have = BALL_FIRST, pos = 8, j;
	uint32_t i = N - pp->tau, done;
	uint64_t signs = 0;
	int rc = HL_ERR_CRYPTO;

	for (j = 0; j < N; j++) {
		v[j] = 0;
		idx[j] = (uint8_t)j;
	}
	if (hl_sha3_hash(hs, hs->shake256, in, 1, buf, have) != HL_OK)
		goto out;
	for (j = 0; j < 8; j++)
		signs |= (uint64_t)buf[j] << (8 * j);
	for (;;) {
		for (; pos < have; pos++)
			ball_step(v, idx, buf[pos], &i, &signs);
		done = i >> 8;          /* i == 256 */
		HL_DECLASSIFY(&done, sizeof(done));
		if (done)
			break;
		if (hl_sha3_more(hs, hs->shake256, in, 1, buf, &have, BALL_MAX) !=
		    HL_OK)
			goto out;
	}
	for (j = 0; j < N; j++)
		c->c[j] = (int8_t)v[j];
	rc = HL_OK;
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	OPENSSL_cleanse(v, sizeof(v));
	OPENSSL_cleanse(&signs, sizeof(signs));
	return rc;
}

static const struct mldsa_params *
params_get(int param)
{
	if (param == HL_MLDSA_44)
		return &params_44;
	if (param == HL_MLDSA_65)
		return &params_65;
	if (param == HL_MLDSA_87)
		return &params_87;
	return NULL;
}

enum size_kind {
	SIZE_PK,
	SIZE_SK,
	SIZE_SIG,
};

/* One of the three sizes of a parameter set; 0 for a bad param. */
static size_t
param_size(int param, enum size_kind which)
{
	const struct mldsa_params *pp = params_get(param);

	if (pp == NULL)
		return 0;
	if (which == SIZE_PK)
		return pp->pk_len;
	return which == SIZE_SK ? pp->sk_len : pp->sig_len;
}

size_t
hl_mldsa_pk_bytes(int param)
{
	return param_size(param, SIZE_PK);
}

size_t
hl_mldsa_sk_bytes(int param)
{
	return param_size(param, SIZE_SK);
}

size_t
hl_mldsa_sig_bytes(int param)
{
	return param_size(param, SIZE_SIG);
}

/* ---- key generation ---- */

/* Alg 6 after the parameter checks. */
static int
keygen_seed(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    const uint8_t xi[32], uint8_t *pk, uint8_t *sk)
{
	struct poly s1h[L_MAX], a[L_MAX], t, s2;
	uint8_t seed[128], kl[2] = { (uint8_t)pp->k, (uint8_t)pp->l };
	const uint8_t *rho = seed, *rhop = seed + 32, *key = seed + 96;
	const size_t sbytes = 32 * pp->eta_bits;
	uint8_t *s1p = sk + 128, *s2p = s1p + pp->l * sbytes;
	uint8_t *t0p = s2p + pp->k * sbytes;
	int32_t t1[N], t0[N];
	unsigned i, j;
	int rc;

	/* (rho, rho', K) = H(xi || k || l, 128) */
	if ((rc = hl_sha3_hash(hs, hs->shake256, (const struct hl_sha3_in[]){ { xi, 32 },
	    { kl, 2 } }, 2, seed, sizeof(seed))) != HL_OK)
		goto out;
	DECLASSIFY_RHO(seed, 32);       /* rho is public: it is in pk */
	memcpy(pk, rho, 32);
	memcpy(sk, rho, 32);
	memcpy(sk + 32, key, 32);
	/* s1 = ExpandS first half: packed into sk, then NTT */
	for (j = 0; j < pp->l; j++) {
		if ((rc = rej_bounded_poly(hs, pp, rhop, j, &s1h[j])) != HL_OK)
			goto out;
		pack_offset(s1p + j * sbytes, &s1h[j], (int32_t)pp->eta,
		    pp->eta_bits);
		ntt(&s1h[j]);
	}
	/* t = NTT^-1(A o NTT(s1)) + s2, one row at a time */
	for (i = 0; i < pp->k; i++) {
		if ((rc = rej_bounded_poly(hs, pp, rhop, pp->l + i, &s2)) !=
		    HL_OK)
			goto out;
		pack_offset(s2p + i * sbytes, &s2, (int32_t)pp->eta,
		    pp->eta_bits);
		if ((rc = expand_a_row(hs, pp, rho, i, a)) != HL_OK)
			goto out;
		memset(&t, 0, sizeof(t));
		for (j = 0; j < pp->l; j++)
			poly_mul_acc(&t, &a[j], &s1h[j]);
		poly_back(&t);
		for (j = 0; j < N; j++) {
			power2round(freeze(t.c[j] + s2.c[j]), &t1[j], &t0[j]);
			t0[j] = (1 << (T0_BITS - 1)) - t0[j];
		}
		pack_bits(pk + 32 + i * 32 * T1_BITS, t1, T1_BITS);
		pack_bits(t0p + i * 32 * T0_BITS, t0, T0_BITS);
	}
	/* tr = H(pk, 64) */
	rc = hl_sha3_hash(hs, hs->shake256, (const struct hl_sha3_in[]){ { pk, pp->pk_len } },
	    1, sk + 64, TR_BYTES);
out:
	OPENSSL_cleanse(seed, sizeof(seed));
	OPENSSL_cleanse(s1h, sizeof(s1h));
	OPENSSL_cleanse(&s2, sizeof(s2));
	OPENSSL_cleanse(&t, sizeof(t));
	OPENSSL_cleanse(t0, sizeof(t0));
	return rc;
}

int
hl_mldsa_keygen_seed(int param, const uint8_t xi[static 32], uint8_t *pk,
    uint8_t *sk)
{
	const struct mldsa_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	int rc = HL_ERR_INTERNAL;

	if (pp == NULL || pk == NULL || sk == NULL)
		return HL_ERR_INVALID;
	memset(pk, 0, pp->pk_len);
	memset(sk, 0, pp->sk_len);
	if ((rc = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	rc = keygen_seed(&hm, pp, xi, pk, sk);
out:
	if (rc != HL_OK) {
		OPENSSL_cleanse(sk, pp->sk_len);
		memset(pk, 0, pp->pk_len);
	}
	hl_sha3_close(&hm);
	return rc;
}

int
hl_mldsa_keygen(int param, uint8_t *pk, uint8_t *sk)
{
	uint8_t xi[32];
	int rc = HL_ERR_INTERNAL;

	if (params_get(param) == NULL || pk == NULL || sk == NULL)
		return HL_ERR_INVALID;
	if (RAND_priv_bytes(xi, sizeof(xi)) != 1) {
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	rc = hl_mldsa_keygen_seed(param, xi, pk, sk);
out:
	OPENSSL_cleanse(xi, sizeof(xi));
	return rc;
}

/* ---- signing ---- */

/* Everything Sign_internal keeps across iterations (on the heap: about
 * 120 KiB for ML-DSA-87, most of it the matrix A). */
struct sign_ws {
	struct poly a[K_MAX][L_MAX];
	struct poly s1h[L_MAX], s2h[K_MAX], t0h[K_MAX];
	struct poly y[L_MAX], z[L_MAX], w[K_MAX], h[K_MAX];
	struct poly c, r, v;
	uint8_t seeds[32 + 32 + TR_BYTES + MU_BYTES + 64];
	uint8_t w1[W1_MAX_BYTES];
	uint8_t ct[64];
};

/* skDecode (Alg 25) into the workspace: rho, K, tr, and the NTTs of s1,
 * s2 and t0. sk has the exact length. */
static void
sk_decode(const struct mldsa_params *pp, struct sign_ws *ws,
    const uint8_t *sk)
{
	const size_t sbytes = 32 * pp->eta_bits;
	const uint8_t *s1p = sk + 128, *s2p = s1p + pp->l * sbytes;
	const uint8_t *t0p = s2p + pp->k * sbytes;
	unsigned i;

	memcpy(ws->seeds, sk, 128);
	for (i = 0; i < pp->l; i++) {
		unpack_offset(&ws->s1h[i], s1p + i * sbytes, (int32_t)pp->eta,
		    pp->eta_bits);
		ntt(&ws->s1h[i]);
	}
	for (i = 0; i < pp->k; i++) {
		unpack_offset(&ws->s2h[i], s2p + i * sbytes, (int32_t)pp->eta,
		    pp->eta_bits);
		ntt(&ws->s2h[i]);
		unpack_offset(&ws->t0h[i], t0p + i * 32 * T0_BITS,
		    1 << (T0_BITS - 1), T0_BITS);
		ntt(&ws->t0h[i]);
	}
}

/* One iteration of Alg 7's loop with counter kappa. Returns -1 (as an
 * int32 mask) if the candidate is rejected, else 0, computed without
 * branches; the caller declassifies it. */
static int
sign_attempt(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    struct sign_ws *ws, unsigned kappa, int32_t *reject)
{
	const uint8_t *mu = ws->seeds + 128, *rhopp = mu + MU_BYTES;
	const size_t w1bytes = 32 * pp->w1_bits;
	int32_t bad, r0, ones = 0;
	unsigned i, j;
	size_t n;
	int rc;

	/* y = ExpandMask(rho'', kappa); w = NTT^-1(A o NTT(y)) */
	for (j = 0; j < pp->l; j++) {
		if ((rc = expand_mask(hs, pp, rhopp, kappa + j, &ws->y[j])) !=
		    HL_OK)
			return rc;
#ifdef HL_MLDSA_CT_BROKEN
		/* The secret-dependent branch valgrind must find (self-test). */
		if (ws->y[j].c[0] > 0)
			broken_hits++;
#endif
		ws->z[j] = ws->y[j];
		ntt(&ws->z[j]);
	}
	/* w1 = HighBits(w); ct = H(mu || w1Encode(w1), lambda / 4) */
	for (i = 0; i < pp->k; i++) {
		memset(&ws->w[i], 0, sizeof(ws->w[i]));
		for (j = 0; j < pp->l; j++)
			poly_mul_acc(&ws->w[i], &ws->a[i][j], &ws->z[j]);
		poly_back(&ws->w[i]);
		poly_freeze(&ws->w[i]);
		for (n = 0; n < N; n++)
			decompose(pp, ws->w[i].c[n], &ws->r.c[n], &r0);
		pack_bits(ws->w1 + i * w1bytes, ws->r.c, pp->w1_bits);
	}
	if ((rc = hl_sha3_hash(hs, hs->shake256, (const struct hl_sha3_in[]){ { mu, MU_BYTES },
	    { ws->w1, pp->k * w1bytes } }, 2, ws->ct, pp->ctilde_len)) !=
	    HL_OK)
		return rc;
	if ((rc = sample_in_ball(hs, pp, ws->ct, &ws->c)) != HL_OK)
		return rc;
	ntt(&ws->c);
	/* z = y + NTT^-1(c o s1); ||z|| < gamma1 - beta */
	bad = 0;
	for (j = 0; j < pp->l; j++) {
		poly_mul(&ws->r, &ws->c, &ws->s1h[j]);
		invntt_tomont(&ws->r);
		for (n = 0; n < N; n++) {
			ws->z[j].c[n] = centre(freeze(ws->y[j].c[n] +
			    ws->r.c[n]));
			bad |= exceeds(ws->z[j].c[n], pp->gamma1 -
			    (int32_t)pp->beta);
		}
	}
	for (i = 0; i < pp->k; i++) {
		/* r = w - NTT^-1(c o s2); ||LowBits(r)|| < gamma2 - beta */
		poly_mul(&ws->r, &ws->c, &ws->s2h[i]);
		invntt_tomont(&ws->r);
		for (n = 0; n < N; n++)
			ws->r.c[n] = freeze(ws->w[i].c[n] - ws->r.c[n]);
		for (n = 0; n < N; n++) {
			decompose(pp, ws->r.c[n], &ws->v.c[n], &r0);
			bad |= exceeds(r0, pp->gamma2 - (int32_t)pp->beta);
		}
		/* ct0 = NTT^-1(c o t0); ||ct0|| < gamma2;
		 * h = MakeHint(-ct0, r + ct0) = [HighBits(r) != HighBits(r + ct0)] */
		poly_mul(&ws->v, &ws->c, &ws->t0h[i]);
		invntt_tomont(&ws->v);
		bad |= poly_norm_exceeds(&ws->v, pp->gamma2);
		for (n = 0; n < N; n++)
			ws->v.c[n] = freeze(ws->r.c[n] + ws->v.c[n]);
		ones += make_hints(pp, &ws->h[i], &ws->v, &ws->r);
	}
	/* at most omega ones in h */
	bad |= ((int32_t)pp->omega - ones) >> 31;
	*reject = bad;
	return HL_OK;
}

/* Alg 7 from mu on: ws holds the decoded key and mu; rnd is secret. */
static int
sign_mu(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    struct sign_ws *ws, const uint8_t rnd[32], uint8_t *sig)
{
	const uint8_t *key = ws->seeds + 32, *mu = ws->seeds + 128;
	uint8_t *rhopp = ws->seeds + 128 + MU_BYTES;
	const size_t zbytes = 32 * pp->z_bits;
	unsigned i, it, kappa = 0;
	int32_t reject = -1;
	int rc;

	/* rho'' = H(K || rnd || mu, 64) */
	if ((rc = hl_sha3_hash(hs, hs->shake256, (const struct hl_sha3_in[]){ { key, 32 },
	    { rnd, 32 }, { mu, MU_BYTES } }, 3, rhopp, 64)) != HL_OK)
		return rc;
	DECLASSIFY_RHO(ws->seeds, 32);  /* rho is public: it is in pk */
	for (i = 0; i < pp->k; i++)
		if ((rc = expand_a_row(hs, pp, ws->seeds, i, ws->a[i])) != HL_OK)
			return rc;
	for (it = 0; it < SIGN_MAX_ITERATIONS; it++, kappa += pp->l) {
		if ((rc = sign_attempt(hs, pp, ws, kappa, &reject)) != HL_OK)
			return rc;
		/* the one secret-derived decision FIPS 204 lets leak */
		HL_DECLASSIFY(&reject, sizeof(reject));
		if (!reject)
			break;
	}
	if (reject)
		return HL_ERR_CRYPTO;
	/* sigEncode (Alg 26): ct || BitPack(z, gamma1 - 1, gamma1) || hint;
	 * the hint is the signature's, public from here */
	HL_DECLASSIFY(ws->h, sizeof(ws->h));
	memcpy(sig, ws->ct, pp->ctilde_len);
	for (i = 0; i < pp->l; i++)
		pack_offset(sig + pp->ctilde_len + i * zbytes, &ws->z[i],
		    pp->gamma1, pp->z_bits);
	hint_pack(pp, sig + pp->ctilde_len + pp->l * zbytes, ws->h);
	return HL_OK;
}

/* Alg 7: Sign_internal(sk, M', rnd) with M' given as parts, or with mu
 * itself when mu != NULL (FIPS 204's "external mu", for ACVP). */
static int
sign_parts(int param, const uint8_t *sk, size_t sk_len,
    const struct hl_sha3_in *mp, size_t nparts, const uint8_t *mu,
    const uint8_t rnd[32], uint8_t *sig)
{
	const struct mldsa_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	struct hl_sha3_in in[4];
	struct sign_ws *ws = NULL;
	size_t i;
	int rc = HL_ERR_INTERNAL;

	if (pp == NULL || sig == NULL || nparts > 3)
		return HL_ERR_INVALID;
	memset(sig, 0, pp->sig_len);
	if (!parts_valid(mp, nparts))
		return HL_ERR_INVALID;
	if (sk == NULL || sk_len != pp->sk_len)
		return HL_ERR_MALFORMED;
	if ((ws = hl_calloc(1, sizeof(*ws))) == NULL) {
		rc = HL_ERR_NOMEM;
		goto out;
	}
	if ((rc = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	sk_decode(pp, ws, sk);
	if (mu != NULL) {
		memcpy(ws->seeds + 128, mu, MU_BYTES);
	} else {
		/* mu = H(tr || M', 64) */
		in[0].p = ws->seeds + 64;
		in[0].len = TR_BYTES;
		for (i = 0; i < nparts; i++)
			in[i + 1] = mp[i];
		if ((rc = hl_sha3_hash(&hm, hm.shake256, in, nparts + 1, ws->seeds + 128,
		    MU_BYTES)) != HL_OK)
			goto out;
	}
	rc = sign_mu(&hm, pp, ws, rnd, sig);
out:
	if (rc != HL_OK)
		memset(sig, 0, pp->sig_len);
	hl_free_secret(ws, sizeof(*ws));
	hl_sha3_close(&hm);
	return rc;
}

int
hl_mldsa_sign_internal(int param, const uint8_t *sk, size_t sk_len,
    const uint8_t *mp, size_t mp_len, const uint8_t rnd[static 32],
    uint8_t *sig)
{
	const struct hl_sha3_in in[1] = { { mp, mp_len } };

	return sign_parts(param, sk, sk_len, in, 1, NULL, rnd, sig);
}

/* Alg 2 with rnd given: M' = 0 || len(ctx) || ctx || msg. */
static int
sign_ctx(int param, const uint8_t *sk, size_t sk_len, const uint8_t *msg,
    size_t msg_len, const uint8_t *ctx, size_t ctx_len,
    const uint8_t rnd[32], uint8_t *sig)
{
	const uint8_t head[2] = { 0, (uint8_t)ctx_len };
	const struct hl_sha3_in in[3] = { { head, 2 }, { ctx, ctx_len },
	    { msg, msg_len } };

	if (ctx_len > HL_MLDSA_CTX_MAX_BYTES) {
		if (sig != NULL && params_get(param) != NULL)
			memset(sig, 0, hl_mldsa_sig_bytes(param));
		return HL_ERR_INVALID;
	}
	return sign_parts(param, sk, sk_len, in, 3, NULL, rnd, sig);
}

int
hl_mldsa_sign(int param, const uint8_t *sk, size_t sk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *ctx, size_t ctx_len,
    int mode, uint8_t *sig)
{
	uint8_t rnd[32];
	int rc = HL_ERR_INTERNAL;

	memset(rnd, 0, sizeof(rnd));
	if (params_get(param) == NULL || sig == NULL ||
	    (mode != HL_MLDSA_HEDGED && mode != HL_MLDSA_DETERMINISTIC))
		return HL_ERR_INVALID;
	if (mode == HL_MLDSA_HEDGED && RAND_priv_bytes(rnd, sizeof(rnd)) != 1) {
		memset(sig, 0, hl_mldsa_sig_bytes(param));
		rc = HL_ERR_CRYPTO;
		goto out;
	}
	rc = sign_ctx(param, sk, sk_len, msg, msg_len, ctx, ctx_len, rnd, sig);
out:
	OPENSSL_cleanse(rnd, sizeof(rnd));
	return rc;
}

/* ---- verification (public data only) ---- */

/* Alg 8 from mu on; sig has the exact length. */
static int
verify_mu(const struct hl_sha3 *hs, const struct mldsa_params *pp,
    const uint8_t *pk, const uint8_t *mu, const uint8_t *sig)
{
	struct poly zh[L_MAX], h[K_MAX], a[L_MAX], c, w, t;
	uint8_t w1[W1_MAX_BYTES], ct2[64];
	const size_t zbytes = 32 * pp->z_bits, w1bytes = 32 * pp->w1_bits;
	const uint8_t *rho = pk;
	unsigned i, j;
	size_t n;
	int rc;

	/* sigDecode (Alg 27) */
	if ((rc = hint_unpack(pp, h, sig + pp->ctilde_len + pp->l * zbytes)) !=
	    HL_OK)
		return rc;
	for (j = 0; j < pp->l; j++) {
		unpack_offset(&zh[j], sig + pp->ctilde_len + j * zbytes,
		    pp->gamma1, pp->z_bits);
		if (poly_norm_exceeds(&zh[j], pp->gamma1 - (int32_t)pp->beta))
			return HL_ERR_BAD_SIGNATURE;
		ntt(&zh[j]);
	}
	if ((rc = sample_in_ball(hs, pp, sig, &c)) != HL_OK)
		return rc;
	ntt(&c);
	/* w'_approx = NTT^-1(A o NTT(z) - NTT(c) o NTT(t1 2^d)), row by row;
	 * w1' = UseHint(h, w'_approx) */
	for (i = 0; i < pp->k; i++) {
		if ((rc = expand_a_row(hs, pp, rho, i, a)) != HL_OK)
			return rc;
		memset(&w, 0, sizeof(w));
		for (j = 0; j < pp->l; j++)
			poly_mul_acc(&w, &a[j], &zh[j]);
		unpack_bits(t.c, pk + 32 + i * 32 * T1_BITS, T1_BITS);
		for (n = 0; n < N; n++)
			t.c[n] <<= D;
		ntt(&t);
		for (n = 0; n < N; n++)
			w.c[n] -= mont_mul(c.c[n], t.c[n]);
		poly_back(&w);
		for (n = 0; n < N; n++)
			t.c[n] = use_hint(pp, h[i].c[n], freeze(w.c[n]));
		pack_bits(w1 + i * w1bytes, t.c, pp->w1_bits);
	}
	/* ct' = H(mu || w1Encode(w1'), lambda / 4) == ct */
	if ((rc = hl_sha3_hash(hs, hs->shake256, (const struct hl_sha3_in[]){ { mu, MU_BYTES },
	    { w1, pp->k * w1bytes } }, 2, ct2, pp->ctilde_len)) != HL_OK)
		return rc;
	if (CRYPTO_memcmp(ct2, sig, pp->ctilde_len) != 0)
		return HL_ERR_BAD_SIGNATURE;
	return HL_OK;
}

/* Alg 8 with M' given as parts, or with mu itself when mu != NULL. */
static int
verify_parts(int param, const uint8_t *pk, size_t pk_len,
    const struct hl_sha3_in *mp, size_t nparts, const uint8_t *mu,
    const uint8_t *sig, size_t sig_len)
{
	const struct mldsa_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	struct hl_sha3_in in[4];
	uint8_t tr[TR_BYTES], m[MU_BYTES];
	size_t i;
	int rc = HL_ERR_INTERNAL;

	if (pp == NULL || nparts > 3 || !parts_valid(mp, nparts))
		return HL_ERR_INVALID;
	if (pk == NULL || pk_len != pp->pk_len || sig == NULL ||
	    sig_len != pp->sig_len)
		return HL_ERR_MALFORMED;
	if ((rc = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	if (mu == NULL) {
		/* tr = H(pk, 64); mu = H(tr || M', 64) */
		in[0].p = pk;
		in[0].len = pk_len;
		if ((rc = hl_sha3_hash(&hm, hm.shake256, in, 1, tr, sizeof(tr))) != HL_OK)
			goto out;
		in[0].p = tr;
		in[0].len = sizeof(tr);
		for (i = 0; i < nparts; i++)
			in[i + 1] = mp[i];
		if ((rc = hl_sha3_hash(&hm, hm.shake256, in, nparts + 1, m, sizeof(m))) !=
		    HL_OK)
			goto out;
		mu = m;
	}
	rc = verify_mu(&hm, pp, pk, mu, sig);
out:
	hl_sha3_close(&hm);
	return rc;
}

int
hl_mldsa_verify_internal(int param, const uint8_t *pk, size_t pk_len,
    const uint8_t *mp, size_t mp_len, const uint8_t *sig, size_t sig_len)
{
	const struct hl_sha3_in in[1] = { { mp, mp_len } };

	return verify_parts(param, pk, pk_len, in, 1, NULL, sig, sig_len);
}

int
hl_mldsa_verify(int param, const uint8_t *pk, size_t pk_len,
    const uint8_t *msg, size_t msg_len, const uint8_t *ctx, size_t ctx_len,
    const uint8_t *sig, size_t sig_len)
{
	const uint8_t head[2] = { 0, (uint8_t)ctx_len };
	const struct hl_sha3_in in[3] = { { head, 2 }, { ctx, ctx_len },
	    { msg, msg_len } };

	if (ctx_len > HL_MLDSA_CTX_MAX_BYTES)
		return HL_ERR_INVALID;
	return verify_parts(param, pk, pk_len, in, 3, NULL, sig, sig_len);
}
