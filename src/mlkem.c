/* mlkem.c: ML-KEM-768 and ML-KEM-1024 (FIPS 203, August 2024).
 *
 * Hand-written cryptography, like mldsa.c. Hash functions come from
 * OpenSSL 3.0 through EVP (sha3.h: SHA3-256 = H, SHA3-512 = G, SHAKE256 = J
 * and PRF, SHAKE128 = XOF); everything else (NTT, sampling, compression, K-PKE and the
 * Fujisaki-Okamoto wrapper) is here. The arithmetic follows the structure of
 * the public-domain Kyber reference (pq-crystals/kyber): signed 16-bit
 * coefficients, Montgomery multiplication, Barrett reduction.
 *
 * Side channels (KyberSlash): no branch, table index, division or modulo
 * depends on secret data. Reductions use multiplications and shifts;
 * Compress_d is one 64-bit multiply and shift (see compress()); the
 * decapsulation compares the re-encrypted ciphertext with CRYPTO_memcmp and
 * picks the secret with a mask. Only public data branches: lengths, the
 * rejection sampling of the matrix from rho, and the input checks on ek/dk
 * (public parts). Secret intermediates are wiped with OPENSSL_cleanse.
 * tests/integration/10-mlkem-ct.sh checks this under valgrind.
 *
 * Map of FIPS 203 algorithms to functions:
 *   Alg 5/6  ByteEncode/ByteDecode             poly_encode, poly_decode (encodeD, decodeD)
 *   Alg 7    SampleNTT                          sample_ntt
 *   Alg 8    SamplePolyCBD_2                    sample_cbd2
 *   Alg 9/10 NTT, NTT^-1                        ntt, invntt (ntt_layer, invntt_layer)
 *   Alg 11/12 MultiplyNTTs, BaseCaseMultiply     basemul_add
 *   Alg 13-15 K-PKE.KeyGen/Encrypt/Decrypt     pke_keygen, pke_encrypt, pke_decrypt
 *   Alg 16-18 ML-KEM.*_internal                hl_mlkem_keygen_derand,
 *                                               hl_mlkem_encaps_derand, decaps_internal
 *   Alg 19-21 ML-KEM.KeyGen/Encaps/Decaps      hl_mlkem_keygen, hl_mlkem_encaps, hl_mlkem_decaps
 *   Sec 7.2/7.3 input checks                   hl_mlkem_check_ek, hl_mlkem_check_dk
 */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include "ct.h"
#include "errors.h"
#include "mlkem.h"
#include "sha3.h"

/* Constant-time validation (ct.h): tests/tools/ct_mlkem.c marks secret
 * inputs as undefined for valgrind memcheck. Values that FIPS 203 makes
 * public but that are computed from secrets (rho, derived from d in KeyGen)
 * are declared defined again with HL_DECLASSIFY. */
#ifdef HL_MLKEM_CT_NO_DECLASSIFY
/* HL_MLKEM_CT_NO_DECLASSIFY: checker self-test (mk/mlkem.mk) showing that
 * valgrind tracks secrets through OpenSSL's SHA3 (rho is then flagged). */
#undef HL_DECLASSIFY
#define HL_DECLASSIFY(p, n) ((void)(p), (void)(n))
#endif

#define N 256
#define Q 3329
#define QINV (-3327)          /* q^-1 mod 2^16 */
#define K_MAX 4
#define POLY_BYTES 384        /* ByteEncode_12 of one polynomial */

/* SHAKE128 output for SampleNTT. OpenSSL 3.0 has no EVP_DigestSqueeze, and
 * EVP_DigestFinalXOF may be called once per absorb. So we squeeze XOF_FIRST
 * bytes (3 blocks, enough for about 99% of matrix entries) and, if rejection
 * sampling runs out, absorb rho||i||j again and squeeze twice as much: a
 * SHAKE output is a prefix of every longer output from the same input, so
 * sampling continues where it stopped. XOF_MAX (24 blocks) cannot run out
 * except with probability far below 2^-200; if it does we fail cleanly. */
#define XOF_BLOCK 168
#define XOF_FIRST (3 * XOF_BLOCK)
#define XOF_MAX (24 * XOF_BLOCK)

struct poly {
	int16_t c[N];
};

struct mlkem_params {
	unsigned k;
	unsigned du;
	unsigned dv;
	size_t ek_len;
	size_t dk_len;
	size_t ct_len;
};

static const struct mlkem_params params_768 = {
	3, 10, 4, HL_MLKEM768_EK_BYTES, HL_MLKEM768_DK_BYTES, HL_MLKEM768_CT_BYTES
};
static const struct mlkem_params params_1024 = {
	4, 11, 5, HL_MLKEM1024_EK_BYTES, HL_MLKEM1024_DK_BYTES, HL_MLKEM1024_CT_BYTES
};

/* zeta^brv7(i) * 2^16 mod q, centred, zeta = 17 (Kyber reference table). */
static const int16_t zetas[128] = {
	-1044,  -758,  -359, -1517,  1493,  1422,   287,   202,
	 -171,   622,  1577,   182,   962, -1202, -1474,  1468,
	  573, -1325,   264,   383,  -829,  1458, -1602,  -130,
	 -681,  1017,   732,   608, -1542,   411,  -205, -1571,
	 1223,   652,  -552,  1015, -1293,  1491,  -282, -1544,
	  516,    -8,  -320,  -666, -1618, -1162,   126,  1469,
	 -853,   -90,  -271,   830,   107, -1421,  -247,  -951,
	 -398,   961, -1508,  -725,   448, -1065,   677, -1275,
	-1103,   430,   555,   843, -1251,   871,  1550,   105,
	  422,   587,   177,  -235,  -291,  -460,  1574,  1653,
	 -246,   778,  1159,  -147,  -777,  1483,  -602,  1119,
	-1590,   644,  -872,   349,   418,   329,  -156,   -75,
	  817,  1097,   603,   610,  1322, -1285, -1465,   384,
	-1215,  -136,  1218, -1335,  -874,   220, -1187, -1659,
	-1185, -1530, -1278,   794, -1510,  -854,  -870,   478,
	 -108,  -308,   996,   991,   958, -1460,  1522,  1628,
};

#ifdef HL_MLKEM_CT_BROKEN
/* Deliberately broken build for the constant-time checker's self-test
 * (mk/mlkem.mk builds build/tests/ct_mlkem_broken with it). Never in the
 * library. */
static volatile unsigned broken_hits;
#endif

/* ---- hash functions: fetched for each operation (sha3.h) ---- */

/* out = md(a || b), outlen bytes (the XOF's, or the digest's size). */
static int
digest(const struct hl_sha3 *hs, const EVP_MD *md, const uint8_t *a,
    size_t alen, const uint8_t *b, size_t blen, uint8_t *out, size_t outlen)
{
	const struct hl_sha3_in in[2] = { { a, alen }, { b, blen } };

	return hl_sha3_hash(hs, md, in, 2, out, outlen);
}

/* ---- arithmetic mod q, constant time ---- */

/* Optimisation barrier: the compiler cannot see through it, so it cannot
 * turn mask arithmetic back into a branch. */
static uint8_t
value_barrier_u8(uint8_t v)
{
	__asm__ volatile("" : "+r"(v));
	return v;
}

/* Loops over polynomial coefficients are written so that gcc -O2 (whose
 * "very cheap" vectoriser only takes loops with a constant trip count and no
 * aliasing check) turns them into SSE2 code: 16-bit lanes, restrict
 * pointers, helpers inlined with constant loop bounds. Every function
 * computes exactly the values of the Kyber reference's scalar code. */
#define HL_INLINE static inline __attribute__((always_inline))

/* Montgomery multiplication: a b 2^-16 mod q, in (-q, q), for
 * |a b| < q 2^15. Computed as mulhi(a, b) - mulhi(t, q) with
 * t = a b q^-1 mod 2^16 (signed): a b and t q agree in their low 16 bits, so
 * this is exactly (a b - t q) >> 16, and each product is one 16x16-bit
 * high or low half, which gcc maps onto pmulhw/pmullw. */
HL_INLINE int16_t
fqmul(int16_t a, int16_t b)
{
	int16_t lo, hi, t;

	lo = (int16_t)((int32_t)a * b);
	hi = (int16_t)(((int32_t)a * b) >> 16);
	t = (int16_t)((int32_t)lo * QINV);
	return (int16_t)(hi - (int16_t)(((int32_t)t * Q) >> 16));
}

/* Centred representative of a mod q, about in [-q/2, q/2]: a - t q with
 * t = floor((20159 a + 2^25) / 2^26), 20159 = round(2^26 / q). Computed as
 * (mulhi(a, 20159) + 2^9) >> 10, the same t (floor(floor(x) / m) =
 * floor(x / m)), in 16-bit lanes. */
HL_INLINE int16_t
barrett_reduce(int16_t a)
{
	int16_t t;

	t = (int16_t)(((int32_t)a * 20159) >> 16);
	t = (int16_t)((t + 512) >> 10);
	return (int16_t)(a - (int16_t)(t * Q));
}

/* Standard representative in [0, q), without a branch. */
static int16_t
to_std(int16_t a)
{
	a = barrett_reduce(a);
	a = (int16_t)(a + ((a >> 15) & Q));
	a = (int16_t)(a - Q);
	a = (int16_t)(a + ((a >> 15) & Q));
	return a;
}

/* Compress_d(x) = round(2^d x / q) mod 2^d for x in [0, q), d <= 11:
 * floor(n / q) with n = 2^d x + 1664 < 2^23 equals (n * ceil(2^35 / q)) >> 35
 * (error below 2^-12 < 1/q; checked for every x and d by the ACVP tests and
 * offline). No division instruction. The product is taken as the high half
 * of a 32x32-bit multiply, then shifted by 3 (same value), which gcc
 * vectorises. */
HL_INLINE int16_t
compress(int16_t x, unsigned d)
{
	uint32_t n, t;

	n = ((uint32_t)(uint16_t)x << d) + 1664;
	t = (uint32_t)(((uint64_t)n * 10321340u) >> 32) >> 3;
	return (int16_t)(t & ((1u << d) - 1));
}

/* Decompress_d(y) = round(q y / 2^d). */
static int16_t
decompress(int16_t y, unsigned d)
{
	return (int16_t)(((uint32_t)(uint16_t)y * Q + (1u << (d - 1))) >> d);
}

static void
poly_reduce(struct poly *p)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = barrett_reduce(p->c[i]);
}

static void
poly_to_std(struct poly *p)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = to_std(p->c[i]);
}

static void
poly_add(struct poly *restrict r, const struct poly *restrict a)
{
	size_t i;

	for (i = 0; i < N; i++)
		r->c[i] = (int16_t)(r->c[i] + a->c[i]);
}

/* r = a - r */
static void
poly_rsub(struct poly *restrict r, const struct poly *restrict a)
{
	size_t i;

	for (i = 0; i < N; i++)
		r->c[i] = (int16_t)(a->c[i] - r->c[i]);
}

/* Multiply by 2^16 (leave the Montgomery domain of a basemul result). */
static void
poly_tomont(struct poly *p)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = fqmul(p->c[i], 1353);     /* 2^32 mod q */
}

static void
poly_compress(struct poly *p, unsigned d)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = compress(p->c[i], d);
}

static void
poly_decompress(struct poly *p, unsigned d)
{
	size_t i;

	for (i = 0; i < N; i++)
		p->c[i] = decompress(p->c[i], d);
}

/* One layer of Alg 9: blocks of 2 len coefficients starting with zeta
 * index k; butterflies (c[j], c[j + len]). Inlined with a constant len, the
 * inner loop has a constant trip count and is vectorised (len >= 4). */
HL_INLINE void
ntt_layer(int16_t *restrict c, unsigned len, unsigned k)
{
	unsigned start, j;
	int16_t t, zeta;

	for (start = 0; start < N; start += 2 * len) {
		zeta = zetas[k++];
		for (j = 0; j < len; j++) {
			t = fqmul(zeta, c[start + j + len]);
			c[start + j + len] = (int16_t)(c[start + j] - t);
			c[start + j] = (int16_t)(c[start + j] + t);
		}
	}
}

/* Alg 9: NTT in place; output bit-reversed, Barrett reduced. */
static void
ntt(struct poly *p)
{
	ntt_layer(p->c, 128, 1);
	ntt_layer(p->c, 64, 2);
	ntt_layer(p->c, 32, 4);
	ntt_layer(p->c, 16, 8);
	ntt_layer(p->c, 8, 16);
	ntt_layer(p->c, 4, 32);
	ntt_layer(p->c, 2, 64);
	poly_reduce(p);
}

/* One layer of Alg 10 (Gentleman-Sande), zeta indices k, k - 1, ... */
HL_INLINE void
invntt_layer(int16_t *restrict c, unsigned len, unsigned k)
{
	unsigned start, j;
	int16_t t, zeta;

	for (start = 0; start < N; start += 2 * len) {
		zeta = zetas[k--];
		for (j = 0; j < len; j++) {
			t = c[start + j];
			c[start + j] = barrett_reduce((int16_t)(t +
			    c[start + j + len]));
			c[start + j + len] = fqmul(zeta,
			    (int16_t)(c[start + j + len] - t));
		}
	}
}

/* Alg 10: inverse NTT in place, times 2^16 (1441 = 2^32 / 128 mod q). */
static void
invntt(struct poly *p)
{
	size_t j;

	invntt_layer(p->c, 2, 127);
	invntt_layer(p->c, 4, 63);
	invntt_layer(p->c, 8, 31);
	invntt_layer(p->c, 16, 15);
	invntt_layer(p->c, 32, 7);
	invntt_layer(p->c, 64, 3);
	invntt_layer(p->c, 128, 1);
	for (j = 0; j < N; j++)
		p->c[j] = fqmul(p->c[j], 1441);
}

/* Alg 11/12: r += a o b in the NTT domain (result carries 2^-16): for each
 * pair, (a0 + a1 X)(b0 + b1 X) mod (X^2 - zeta), zeta = +-zetas[64 + i]. At
 * most K_MAX products are accumulated before poly_reduce: |r| < 8q < 2^15.
 * One loop over groups of four coefficients: gcc vectorises it. */
static void
basemul_add(struct poly *restrict r, const struct poly *restrict a,
    const struct poly *restrict b)
{
	const int16_t *x = a->c, *y = b->c;
	int16_t *z = r->c;
	int16_t zeta;
	size_t i;

	for (i = 0; i < N / 4; i++) {
		zeta = zetas[64 + i];
		z[4 * i] = (int16_t)(z[4 * i] +
		    fqmul(fqmul(x[4 * i + 1], y[4 * i + 1]), zeta) +
		    fqmul(x[4 * i], y[4 * i]));
		z[4 * i + 1] = (int16_t)(z[4 * i + 1] +
		    fqmul(x[4 * i], y[4 * i + 1]) +
		    fqmul(x[4 * i + 1], y[4 * i]));
		z[4 * i + 2] = (int16_t)(z[4 * i + 2] +
		    fqmul(fqmul(x[4 * i + 3], y[4 * i + 3]), (int16_t)-zeta) +
		    fqmul(x[4 * i + 2], y[4 * i + 2]));
		z[4 * i + 3] = (int16_t)(z[4 * i + 3] +
		    fqmul(x[4 * i + 2], y[4 * i + 3]) +
		    fqmul(x[4 * i + 3], y[4 * i + 2]));
	}
}

/* Alg 5/6, ByteEncode_d / ByteDecode_d, for the d that ML-KEM-768/1024 use:
 * a group of g coefficients (d bits each, least significant bit first) is
 * g d / 8 bytes, packed with fixed shifts (the Kyber reference's layout).
 * Loop bounds and indices depend only on d. Encoders take coefficients in
 * [0, 2^d); decoders return them in [0, 2^d). */
static void
encode12(uint8_t *out, const struct poly *p)
{
	uint16_t a0, a1;
	size_t i;

	for (i = 0; i < N / 2; i++) {
		a0 = (uint16_t)p->c[2 * i];
		a1 = (uint16_t)p->c[2 * i + 1];
		out[3 * i] = (uint8_t)a0;
		out[3 * i + 1] = (uint8_t)((a0 >> 8) | (a1 << 4));
		out[3 * i + 2] = (uint8_t)(a1 >> 4);
	}
}

static void
decode12(struct poly *p, const uint8_t *in)
{
	size_t i;

	for (i = 0; i < N / 2; i++) {
		p->c[2 * i] = (int16_t)(in[3 * i] | ((in[3 * i + 1] & 0x0f) << 8));
		p->c[2 * i + 1] = (int16_t)((in[3 * i + 1] >> 4) |
		    (in[3 * i + 2] << 4));
	}
}

static void
encode10(uint8_t *out, const struct poly *p)
{
	const int16_t *c;
	size_t i;

	for (i = 0; i < N / 4; i++) {
		c = &p->c[4 * i];
		out[5 * i] = (uint8_t)c[0];
		out[5 * i + 1] = (uint8_t)((c[0] >> 8) | (c[1] << 2));
		out[5 * i + 2] = (uint8_t)((c[1] >> 6) | (c[2] << 4));
		out[5 * i + 3] = (uint8_t)((c[2] >> 4) | (c[3] << 6));
		out[5 * i + 4] = (uint8_t)(c[3] >> 2);
	}
}

static void
decode10(struct poly *p, const uint8_t *in)
{
	const uint8_t *b;
	size_t i;

	for (i = 0; i < N / 4; i++) {
		b = in + 5 * i;
		p->c[4 * i] = (int16_t)((b[0] | (b[1] << 8)) & 0x3ff);
		p->c[4 * i + 1] = (int16_t)(((b[1] >> 2) | (b[2] << 6)) & 0x3ff);
		p->c[4 * i + 2] = (int16_t)(((b[2] >> 4) | (b[3] << 4)) & 0x3ff);
		p->c[4 * i + 3] = (int16_t)(((b[3] >> 6) | (b[4] << 2)) & 0x3ff);
	}
}

static void
encode11(uint8_t *out, const struct poly *p)
{
	const int16_t *c;
	uint8_t *o;
	size_t i;

	for (i = 0; i < N / 8; i++) {
		c = &p->c[8 * i];
		o = out + 11 * i;
		o[0] = (uint8_t)c[0];
		o[1] = (uint8_t)((c[0] >> 8) | (c[1] << 3));
		o[2] = (uint8_t)((c[1] >> 5) | (c[2] << 6));
		o[3] = (uint8_t)(c[2] >> 2);
		o[4] = (uint8_t)((c[2] >> 10) | (c[3] << 1));
		o[5] = (uint8_t)((c[3] >> 7) | (c[4] << 4));
		o[6] = (uint8_t)((c[4] >> 4) | (c[5] << 7));
		o[7] = (uint8_t)(c[5] >> 1);
		o[8] = (uint8_t)((c[5] >> 9) | (c[6] << 2));
		o[9] = (uint8_t)((c[6] >> 6) | (c[7] << 5));
		o[10] = (uint8_t)(c[7] >> 3);
	}
}

static void
decode11(struct poly *p, const uint8_t *in)
{
	const uint8_t *b;
	int16_t *c;
	size_t i;

	for (i = 0; i < N / 8; i++) {
		b = in + 11 * i;
		c = &p->c[8 * i];
		c[0] = (int16_t)((b[0] | (b[1] << 8)) & 0x7ff);
		c[1] = (int16_t)(((b[1] >> 3) | (b[2] << 5)) & 0x7ff);
		c[2] = (int16_t)(((b[2] >> 6) | (b[3] << 2) | (b[4] << 10)) & 0x7ff);
		c[3] = (int16_t)(((b[4] >> 1) | (b[5] << 7)) & 0x7ff);
		c[4] = (int16_t)(((b[5] >> 4) | (b[6] << 4)) & 0x7ff);
		c[5] = (int16_t)(((b[6] >> 7) | (b[7] << 1) | (b[8] << 9)) & 0x7ff);
		c[6] = (int16_t)(((b[8] >> 2) | (b[9] << 6)) & 0x7ff);
		c[7] = (int16_t)(((b[9] >> 5) | (b[10] << 3)) & 0x7ff);
	}
}

static void
encode5(uint8_t *out, const struct poly *p)
{
	const int16_t *c;
	uint8_t *o;
	size_t i;

	for (i = 0; i < N / 8; i++) {
		c = &p->c[8 * i];
		o = out + 5 * i;
		o[0] = (uint8_t)(c[0] | (c[1] << 5));
		o[1] = (uint8_t)((c[1] >> 3) | (c[2] << 2) | (c[3] << 7));
		o[2] = (uint8_t)((c[3] >> 1) | (c[4] << 4));
		o[3] = (uint8_t)((c[4] >> 4) | (c[5] << 1) | (c[6] << 6));
		o[4] = (uint8_t)((c[6] >> 2) | (c[7] << 3));
	}
}

static void
decode5(struct poly *p, const uint8_t *in)
{
	const uint8_t *b;
	int16_t *c;
	size_t i;

	for (i = 0; i < N / 8; i++) {
		b = in + 5 * i;
		c = &p->c[8 * i];
		c[0] = (int16_t)(b[0] & 0x1f);
		c[1] = (int16_t)(((b[0] >> 5) | (b[1] << 3)) & 0x1f);
		c[2] = (int16_t)((b[1] >> 2) & 0x1f);
		c[3] = (int16_t)(((b[1] >> 7) | (b[2] << 1)) & 0x1f);
		c[4] = (int16_t)(((b[2] >> 4) | (b[3] << 4)) & 0x1f);
		c[5] = (int16_t)((b[3] >> 1) & 0x1f);
		c[6] = (int16_t)(((b[3] >> 6) | (b[4] << 2)) & 0x1f);
		c[7] = (int16_t)(b[4] >> 3);
	}
}

static void
encode4(uint8_t *out, const struct poly *p)
{
	size_t i;

	for (i = 0; i < N / 2; i++)
		out[i] = (uint8_t)(p->c[2 * i] | (p->c[2 * i + 1] << 4));
}

static void
decode4(struct poly *p, const uint8_t *in)
{
	size_t i;

	for (i = 0; i < N / 2; i++) {
		p->c[2 * i] = (int16_t)(in[i] & 0x0f);
		p->c[2 * i + 1] = (int16_t)(in[i] >> 4);
	}
}

static void
encode1(uint8_t *out, const struct poly *p)
{
	const int16_t *c;
	size_t i;

	for (i = 0; i < N / 8; i++) {
		c = &p->c[8 * i];
		out[i] = (uint8_t)(c[0] | (c[1] << 1) | (c[2] << 2) |
		    (c[3] << 3) | (c[4] << 4) | (c[5] << 5) | (c[6] << 6) |
		    (c[7] << 7));
	}
}

/* Alg 5: ByteEncode_d, d in {1, 4, 5, 10, 11, 12}; writes 32 d bytes. */
static void
poly_encode(uint8_t *out, const struct poly *p, unsigned d)
{
	switch (d) {
	case 1:
		encode1(out, p);
		break;
	case 4:
		encode4(out, p);
		break;
	case 5:
		encode5(out, p);
		break;
	case 10:
		encode10(out, p);
		break;
	case 11:
		encode11(out, p);
		break;
	default:
		encode12(out, p);
		break;
	}
}

/* Alg 6: ByteDecode_d, d in {4, 5, 10, 11, 12}; reads 32 d bytes. */
static void
poly_decode(struct poly *p, const uint8_t *in, unsigned d)
{
	switch (d) {
	case 4:
		decode4(p, in);
		break;
	case 5:
		decode5(p, in);
		break;
	case 10:
		decode10(p, in);
		break;
	case 11:
		decode11(p, in);
		break;
	default:
		decode12(p, in);
		break;
	}
}

/* Decompress_1(ByteDecode_1(m)) with masks. */
static void
poly_frommsg(struct poly *p, const uint8_t m[32])
{
	size_t i, j;
	int16_t mask;

	for (i = 0; i < 32; i++) {
		for (j = 0; j < 8; j++) {
			mask = (int16_t)-(int16_t)((m[i] >> j) & 1);
			p->c[8 * i + j] = (int16_t)(mask & ((Q + 1) / 2));
		}
	}
}

/* Alg 7: SampleNTT(rho || b0 || b1). Public data: may branch. */
static int
sample_ntt(const struct hl_sha3 *hs, const uint8_t rho[32], uint8_t b0,
    uint8_t b1, struct poly *a)
{
	uint8_t buf[XOF_MAX];
	int16_t c[N + 1];       /* a candidate is stored before it is counted */
	const uint8_t ij[2] = { b0, b1 };
	const struct hl_sha3_in in[2] = { { rho, 32 }, { ij, 2 } };
	size_t have = XOF_FIRST, pos = 0;
	unsigned n = 0;
	uint16_t d1, d2;
	int r = HL_ERR_CRYPTO;

	if (hl_sha3_hash(hs, hs->shake128, in, 2, buf, have) != HL_OK)
		goto out;
	for (;;) {
		/* no branch on the candidate (rejections are unpredictable):
		 * store it, count it if < q; c[n] with n <= N fits */
		for (; pos + 3 <= have && n < N; pos += 3) {
			d1 = (uint16_t)(buf[pos] | ((buf[pos + 1] & 0x0f) << 8));
			d2 = (uint16_t)((buf[pos + 1] >> 4) | (buf[pos + 2] << 4));
			c[n] = (int16_t)d1;
			n += (unsigned)(d1 < Q);
			c[n] = (int16_t)d2;
			n += (unsigned)(d2 < Q);
		}
		if (n >= N)
			break;
		if (hl_sha3_more(hs, hs->shake128, in, 2, buf, &have, XOF_MAX) !=
		    HL_OK)
			goto out;
	}
	memcpy(a->c, c, sizeof(a->c));
	r = HL_OK;
out:
	return r;
}

/* Alg 8 with eta = 2 (both parameter sets here): CBD of PRF_2(seed, nonce). */
static int
sample_cbd2(const struct hl_sha3 *hs, const uint8_t seed[32], unsigned nonce,
    struct poly *p)
{
	uint8_t buf[128];
	uint8_t b = (uint8_t)nonce, d;
	size_t i;
	int r;

	r = digest(hs, hs->shake256, seed, 32, &b, 1, buf, sizeof(buf));
	if (r != HL_OK)
		goto out;
	/* each byte gives two coefficients (a0 + a1) - (b0 + b1) of 4 bits */
	for (i = 0; i < N / 2; i++) {
		d = (uint8_t)((buf[i] & 0x55) + ((buf[i] >> 1) & 0x55));
		p->c[2 * i] = (int16_t)((d & 3) - ((d >> 2) & 3));
		p->c[2 * i + 1] = (int16_t)(((d >> 4) & 3) - ((d >> 6) & 3));
	}
out:
	OPENSSL_cleanse(buf, sizeof(buf));
	return r;
}

static const struct mlkem_params *
params_get(int param)
{
	if (param == HL_MLKEM_768)
		return &params_768;
	if (param == HL_MLKEM_1024)
		return &params_1024;
	return NULL;
}

size_t
hl_mlkem_ek_bytes(int param)
{
	const struct mlkem_params *pp = params_get(param);

	return pp == NULL ? 0 : pp->ek_len;
}

size_t
hl_mlkem_dk_bytes(int param)
{
	const struct mlkem_params *pp = params_get(param);

	return pp == NULL ? 0 : pp->dk_len;
}

size_t
hl_mlkem_ct_bytes(int param)
{
	const struct mlkem_params *pp = params_get(param);

	return pp == NULL ? 0 : pp->ct_len;
}

/* ---- K-PKE ---- */

/* Alg 13 with (rho, sigma) given: ek = ByteEncode_12(t) || rho,
 * dk_pke = ByteEncode_12(s). */
static int
pke_keygen(const struct hl_sha3 *hs, const struct mlkem_params *pp,
    const uint8_t rho[32], const uint8_t sigma[32], uint8_t *ek, uint8_t *dk)
{
	struct poly s[K_MAX], e, t, a;
	unsigned i, j, k = pp->k;
	int r;

	for (i = 0; i < k; i++) {
		if ((r = sample_cbd2(hs, sigma, i, &s[i])) != HL_OK)
			goto out;
		ntt(&s[i]);
	}
	for (i = 0; i < k; i++) {
		memset(&t, 0, sizeof(t));
		for (j = 0; j < k; j++) {
			/* A[i][j] = SampleNTT(rho || j || i) */
			if ((r = sample_ntt(hs, rho, (uint8_t)j, (uint8_t)i,
			    &a)) != HL_OK)
				goto out;
			basemul_add(&t, &a, &s[j]);
		}
		poly_reduce(&t);
		poly_tomont(&t);
		if ((r = sample_cbd2(hs, sigma, k + i, &e)) != HL_OK)
			goto out;
		ntt(&e);
		poly_add(&t, &e);
		poly_to_std(&t);
		poly_encode(ek + POLY_BYTES * i, &t, 12);
	}
	memcpy(ek + POLY_BYTES * k, rho, 32);
	for (i = 0; i < k; i++) {
		poly_to_std(&s[i]);
		poly_encode(dk + POLY_BYTES * i, &s[i], 12);
	}
	r = HL_OK;
out:
	OPENSSL_cleanse(s, sizeof(s));
	OPENSSL_cleanse(&e, sizeof(e));
	OPENSSL_cleanse(&t, sizeof(t));
	return r;
}

/* Alg 14: ct = K-PKE.Encrypt(ek, m, coins). ek has passed the modulus check
 * (encaps) or is the one stored in dk (decaps). */
static int
pke_encrypt(const struct hl_sha3 *hs, const struct mlkem_params *pp, const uint8_t *ek,
    const uint8_t m[32], const uint8_t coins[32], uint8_t *ct)
{
	struct poly th[K_MAX], y[K_MAX], u, a, e;
	const uint8_t *rho = ek + POLY_BYTES * pp->k;
	unsigned i, j, k = pp->k;
	int r;

	for (i = 0; i < k; i++)
		poly_decode(&th[i], ek + POLY_BYTES * i, 12);
	for (i = 0; i < k; i++) {
		if ((r = sample_cbd2(hs, coins, i, &y[i])) != HL_OK)
			goto out;
		ntt(&y[i]);
	}
	/* u = NTT^-1(A^T o y) + e1 */
	for (i = 0; i < k; i++) {
		memset(&u, 0, sizeof(u));
		for (j = 0; j < k; j++) {
			/* A^T[i][j] = A[j][i] = SampleNTT(rho || i || j) */
			if ((r = sample_ntt(hs, rho, (uint8_t)i, (uint8_t)j,
			    &a)) != HL_OK)
				goto out;
			basemul_add(&u, &a, &y[j]);
		}
		poly_reduce(&u);
		invntt(&u);
		if ((r = sample_cbd2(hs, coins, k + i, &e)) != HL_OK)
			goto out;
		poly_add(&u, &e);
		poly_to_std(&u);
		poly_compress(&u, pp->du);
		poly_encode(ct + 32 * pp->du * i, &u, pp->du);
	}
	/* v = NTT^-1(t^T o y) + e2 + Decompress_1(m) */
	memset(&u, 0, sizeof(u));
	for (j = 0; j < k; j++)
		basemul_add(&u, &th[j], &y[j]);
	poly_reduce(&u);
	invntt(&u);
	if ((r = sample_cbd2(hs, coins, 2 * k, &e)) != HL_OK)
		goto out;
	poly_add(&u, &e);
	poly_frommsg(&a, m);
	poly_add(&u, &a);
	poly_to_std(&u);
	poly_compress(&u, pp->dv);
	poly_encode(ct + 32 * pp->du * k, &u, pp->dv);
	r = HL_OK;
out:
	OPENSSL_cleanse(y, sizeof(y));
	OPENSSL_cleanse(&u, sizeof(u));
	OPENSSL_cleanse(&a, sizeof(a));
	OPENSSL_cleanse(&e, sizeof(e));
	return r;
}

/* Alg 15: m = K-PKE.Decrypt(dk_pke, ct). No failure. */
static void
pke_decrypt(const struct mlkem_params *pp, const uint8_t *dk,
    const uint8_t *ct, uint8_t m[32])
{
	struct poly s, u, w, v;
	unsigned i, k = pp->k;

	memset(&w, 0, sizeof(w));
	for (i = 0; i < k; i++) {
		poly_decode(&u, ct + 32 * pp->du * i, pp->du);
		poly_decompress(&u, pp->du);
		ntt(&u);
		poly_decode(&s, dk + POLY_BYTES * i, 12);
		basemul_add(&w, &s, &u);
	}
	poly_reduce(&w);
	invntt(&w);
	poly_decode(&v, ct + 32 * pp->du * k, pp->dv);
	poly_decompress(&v, pp->dv);
	poly_rsub(&w, &v);          /* w = v - NTT^-1(s^T o NTT(u)) */
	poly_to_std(&w);
#ifdef HL_MLKEM_CT_BROKEN
	/* The secret-dependent branch valgrind must find (self-test only). */
	if (w.c[0] > Q / 2)
		broken_hits++;
#endif
	poly_compress(&w, 1);
	poly_encode(m, &w, 1);
	OPENSSL_cleanse(&s, sizeof(s));
	OPENSSL_cleanse(&w, sizeof(w));
}

/* ---- input checks ---- */

int
hl_mlkem_check_ek(int param, const uint8_t *ek, size_t ek_len)
{
	const struct mlkem_params *pp = params_get(param);
	size_t i;
	uint16_t d1, d2;

	if (pp == NULL)
		return HL_ERR_INVALID;
	if (ek == NULL || ek_len != pp->ek_len)
		return HL_ERR_MALFORMED;
	/* ByteEncode_12(ByteDecode_12(ek)) == ek <=> every value < q */
	for (i = 0; i < POLY_BYTES * pp->k; i += 3) {
		d1 = (uint16_t)(ek[i] | ((ek[i + 1] & 0x0f) << 8));
		d2 = (uint16_t)((ek[i + 1] >> 4) | (ek[i + 2] << 4));
		if (d1 >= Q || d2 >= Q)
			return HL_ERR_MALFORMED;
	}
	return HL_OK;
}

/* H(ek) == h inside dk; dk has the right length. ek and h are public. */
static int
dk_hash_check(const struct hl_sha3 *hs, const struct mlkem_params *pp,
    const uint8_t *dk)
{
	uint8_t h[32];
	const uint8_t *ek = dk + POLY_BYTES * pp->k;
	int r;

	r = digest(hs, hs->sha3_256, ek, pp->ek_len, NULL, 0, h, sizeof(h));
	if (r != HL_OK)
		return r;
	if (CRYPTO_memcmp(h, ek + pp->ek_len, sizeof(h)) != 0)
		return HL_ERR_MALFORMED;
	return HL_OK;
}

int
hl_mlkem_check_dk(int param, const uint8_t *dk, size_t dk_len)
{
	const struct mlkem_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	const struct hl_sha3 *hs = &hm;
	int r = HL_ERR_INTERNAL;

	if (pp == NULL)
		return HL_ERR_INVALID;
	if (dk == NULL || dk_len != pp->dk_len)
		return HL_ERR_MALFORMED;
	if ((r = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	r = dk_hash_check(hs, pp, dk);
out:
	hl_sha3_close(&hm);
	return r;
}

/* ---- ML-KEM ---- */

int
hl_mlkem_keygen_derand(int param, const uint8_t d[static 32],
    const uint8_t z[static 32], uint8_t *ek, uint8_t *dk)
{
	const struct mlkem_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	const struct hl_sha3 *hs = &hm;
	uint8_t in[33], g[64];
	uint8_t *h;
	int r = HL_ERR_INTERNAL;

	if (pp == NULL || ek == NULL || dk == NULL)
		return HL_ERR_INVALID;
	memset(ek, 0, pp->ek_len);
	memset(dk, 0, pp->dk_len);
	if ((r = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	/* (rho, sigma) = G(d || k) */
	memcpy(in, d, 32);
	in[32] = (uint8_t)pp->k;
	if ((r = digest(hs, hs->sha3_512, in, sizeof(in), NULL, 0, g,
	    sizeof(g))) != HL_OK)
		goto out;
	HL_DECLASSIFY(g, 32);            /* rho is public: it ends up in ek */
	if ((r = pke_keygen(hs, pp, g, g + 32, ek, dk)) != HL_OK)
		goto out;
	/* dk = dk_pke || ek || H(ek) || z */
	memcpy(dk + POLY_BYTES * pp->k, ek, pp->ek_len);
	h = dk + POLY_BYTES * pp->k + pp->ek_len;
	if ((r = digest(hs, hs->sha3_256, ek, pp->ek_len, NULL, 0, h,
	    32)) != HL_OK)
		goto out;
	memcpy(h + 32, z, 32);
	r = HL_OK;
out:
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(g, sizeof(g));
	if (r != HL_OK) {
		OPENSSL_cleanse(dk, pp->dk_len);
		memset(ek, 0, pp->ek_len);
	}
	hl_sha3_close(&hm);
	return r;
}

int
hl_mlkem_keygen(int param, uint8_t *ek, uint8_t *dk)
{
	uint8_t dz[64];
	int r = HL_ERR_INTERNAL;

	if (params_get(param) == NULL || ek == NULL || dk == NULL)
		return HL_ERR_INVALID;
	if (RAND_priv_bytes(dz, sizeof(dz)) != 1) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	r = hl_mlkem_keygen_derand(param, dz, dz + 32, ek, dk);
out:
	OPENSSL_cleanse(dz, sizeof(dz));
	return r;
}

int
hl_mlkem_encaps_derand(int param, const uint8_t *ek, size_t ek_len,
    const uint8_t m[static 32], uint8_t *ct, uint8_t ss[static 32])
{
	const struct mlkem_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	const struct hl_sha3 *hs = &hm;
	uint8_t in[64], g[64];
	int r = HL_ERR_INTERNAL;

	if (pp == NULL || ct == NULL)
		return HL_ERR_INVALID;
	memset(ss, 0, 32);
	memset(ct, 0, pp->ct_len);
	if ((r = hl_mlkem_check_ek(param, ek, ek_len)) != HL_OK)
		return r;
	if ((r = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	/* (K, r) = G(m || H(ek)) */
	memcpy(in, m, 32);
	if ((r = digest(hs, hs->sha3_256, ek, ek_len, NULL, 0, in + 32,
	    32)) != HL_OK)
		goto out;
	if ((r = digest(hs, hs->sha3_512, in, sizeof(in), NULL, 0, g,
	    sizeof(g))) != HL_OK)
		goto out;
	if ((r = pke_encrypt(hs, pp, ek, m, g + 32, ct)) != HL_OK)
		goto out;
	memcpy(ss, g, 32);
	r = HL_OK;
out:
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(g, sizeof(g));
	if (r != HL_OK) {
		OPENSSL_cleanse(ss, 32);
		memset(ct, 0, pp->ct_len);
	}
	hl_sha3_close(&hm);
	return r;
}

int
hl_mlkem_encaps(int param, const uint8_t *ek, size_t ek_len, uint8_t *ct,
    uint8_t ss[static 32])
{
	uint8_t m[32];
	int r = HL_ERR_INTERNAL;

	if (params_get(param) == NULL || ct == NULL)
		return HL_ERR_INVALID;
	memset(ss, 0, 32);
	if (RAND_priv_bytes(m, sizeof(m)) != 1) {
		r = HL_ERR_CRYPTO;
		goto out;
	}
	r = hl_mlkem_encaps_derand(param, ek, ek_len, m, ct, ss);
out:
	OPENSSL_cleanse(m, sizeof(m));
	return r;
}

/* Alg 18: ML-KEM.Decaps_internal; the caller has checked the inputs. */
static int
decaps_internal(const struct hl_sha3 *hs, const struct mlkem_params *pp,
    const uint8_t *dk, const uint8_t *ct, uint8_t ss[32])
{
	const uint8_t *dk_pke = dk;
	const uint8_t *ek = dk + POLY_BYTES * pp->k;
	const uint8_t *h = ek + pp->ek_len;
	const uint8_t *z = h + 32;
	uint8_t in[64], g[64], kbar[32], ct2[HL_MLKEM_MAX_CT_BYTES];
	uint32_t diff;
	uint8_t mask;
	size_t i;
	int r;

	/* m' = Decrypt(dk_pke, c); (K', r') = G(m' || h) */
	pke_decrypt(pp, dk_pke, ct, in);
	memcpy(in + 32, h, 32);
	if ((r = digest(hs, hs->sha3_512, in, sizeof(in), NULL, 0, g,
	    sizeof(g))) != HL_OK)
		goto out;
	/* K-bar = J(z || c) */
	if ((r = digest(hs, hs->shake256, z, 32, ct, pp->ct_len, kbar,
	    sizeof(kbar))) != HL_OK)
		goto out;
	/* c' = Encrypt(ek, m', r') */
	if ((r = pke_encrypt(hs, pp, ek, in, g + 32, ct2)) != HL_OK)
		goto out;
	/* if c != c' then K' = K-bar: mask is 0xff iff they differ */
	diff = (uint32_t)CRYPTO_memcmp(ct, ct2, pp->ct_len);
	mask = value_barrier_u8((uint8_t)(0u - ((diff | (0u - diff)) >> 31)));
	for (i = 0; i < 32; i++)
		ss[i] = (uint8_t)(g[i] ^ (mask & (g[i] ^ kbar[i])));
	r = HL_OK;
out:
	OPENSSL_cleanse(in, sizeof(in));
	OPENSSL_cleanse(g, sizeof(g));
	OPENSSL_cleanse(kbar, sizeof(kbar));
	OPENSSL_cleanse(ct2, sizeof(ct2));
	return r;
}

int
hl_mlkem_decaps(int param, const uint8_t *dk, size_t dk_len,
    const uint8_t *ct, size_t ct_len, uint8_t ss[static 32])
{
	const struct mlkem_params *pp = params_get(param);
	struct hl_sha3 hm = { NULL, NULL, NULL, NULL, NULL };
	const struct hl_sha3 *hs = &hm;
	int r = HL_ERR_INTERNAL;

	if (pp == NULL)
		return HL_ERR_INVALID;
	memset(ss, 0, 32);
	/* FIPS 203 7.3: ciphertext and key type checks, then hash check */
	if (ct == NULL || ct_len != pp->ct_len || dk == NULL ||
	    dk_len != pp->dk_len)
		return HL_ERR_MALFORMED;
	if ((r = hl_sha3_open(&hm)) != HL_OK)
		goto out;
	if ((r = dk_hash_check(hs, pp, dk)) != HL_OK)
		goto out;
	r = decaps_internal(hs, pp, dk, ct, ss);
out:
	if (r != HL_OK)
		OPENSSL_cleanse(ss, 32);
	hl_sha3_close(&hm);
	return r;
}
