/* bench_kem.c: ML-KEM-768/1024 keygen, encaps, decaps per second on one core,
 * beside OpenSSL X25519 (keygen, derive) and Ed25519 (sign, verify) measured
 * in the same run. Each figure is the median of RUNS runs of about
 * RUN_SECONDS each. Prints figures only (no timed asserts). */
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>

#include "errors.h"
#include "mlkem.h"

#define RUNS 7
#define RUN_SECONDS 0.25

enum op {
	OP_KEYGEN,
	OP_ENCAPS,
	OP_DECAPS,
	OP_X25519_KEYGEN,
	OP_X25519_DERIVE,
	OP_ED25519_SIGN,
	OP_ED25519_VERIFY,
};

struct ctx {
	int param;
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES];
	uint8_t dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES];
	uint8_t ss[32];
	EVP_PKEY *xa;        /* X25519 ours */
	EVP_PKEY *xb;        /* X25519 peer */
	EVP_PKEY *ed;        /* Ed25519 */
	uint8_t msg[64];
	uint8_t sig[64];
};

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static void
die(const char *what)
{
	fprintf(stderr, "bench_kem: %s failed\n", what);
	exit(1);
}

static EVP_PKEY *
keygen_raw(const char *name)
{
	EVP_PKEY *k = EVP_PKEY_Q_keygen(NULL, NULL, name);

	if (k == NULL)
		die(name);
	return k;
}

static void
one(struct ctx *c, enum op op)
{
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	EVP_PKEY *k = NULL;
	uint8_t out[64];
	size_t len = sizeof(out);

	switch (op) {
	case OP_KEYGEN:
		if (hl_mlkem_keygen(c->param, c->ek, c->dk) != HL_OK)
			die("keygen");
		break;
	case OP_ENCAPS:
		if (hl_mlkem_encaps(c->param, c->ek, hl_mlkem_ek_bytes(c->param),
		    c->ct, c->ss) != HL_OK)
			die("encaps");
		break;
	case OP_DECAPS:
		if (hl_mlkem_decaps(c->param, c->dk, hl_mlkem_dk_bytes(c->param),
		    c->ct, hl_mlkem_ct_bytes(c->param), c->ss) != HL_OK)
			die("decaps");
		break;
	case OP_X25519_KEYGEN:
		k = keygen_raw("X25519");
		break;
	case OP_X25519_DERIVE:
		if ((pc = EVP_PKEY_CTX_new_from_pkey(NULL, c->xa, NULL)) == NULL ||
		    EVP_PKEY_derive_init(pc) != 1 ||
		    EVP_PKEY_derive_set_peer(pc, c->xb) != 1 ||
		    EVP_PKEY_derive(pc, out, &len) != 1)
			die("X25519 derive");
		break;
	case OP_ED25519_SIGN:
		len = sizeof(c->sig);
		if ((mc = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestSignInit_ex(mc, NULL, NULL, NULL, NULL, c->ed,
		    NULL) != 1 ||
		    EVP_DigestSign(mc, c->sig, &len, c->msg, sizeof(c->msg)) != 1)
			die("Ed25519 sign");
		break;
	case OP_ED25519_VERIFY:
		if ((mc = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestVerifyInit_ex(mc, NULL, NULL, NULL, NULL, c->ed,
		    NULL) != 1 ||
		    EVP_DigestVerify(mc, c->sig, sizeof(c->sig), c->msg,
		    sizeof(c->msg)) != 1)
			die("Ed25519 verify");
		break;
	}
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(k);
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Median operations per second over RUNS runs. */
static double
rate(struct ctx *c, enum op op)
{
	double r[RUNS], t0, t;
	unsigned long n;
	int i;

	for (i = 0; i < 10; i++)    /* warm-up */
		one(c, op);
	for (i = 0; i < RUNS; i++) {
		n = 0;
		t0 = now();
		do {
			one(c, op);
			one(c, op);
			one(c, op);
			one(c, op);
			n += 4;
			t = now() - t0;
		} while (t < RUN_SECONDS);
		r[i] = (double)n / t;
	}
	qsort(r, RUNS, sizeof(r[0]), cmp_double);
	return r[RUNS / 2];
}

static void
pin_one_core(void)
{
	cpu_set_t set;
	int cpu;

	if (sched_getaffinity(0, sizeof(set), &set) != 0)
		return;
	for (cpu = 0; cpu < CPU_SETSIZE; cpu++) {
		if (CPU_ISSET(cpu, &set)) {
			CPU_ZERO(&set);
			CPU_SET(cpu, &set);
			if (sched_setaffinity(0, sizeof(set), &set) == 0)
				printf("bench_kem: pinned to cpu %d\n", cpu);
			return;
		}
	}
}

int
main(void)
{
	static const int params[] = { HL_MLKEM_768, HL_MLKEM_1024 };
	static struct ctx c;
	double xkg, xdh, eds, edv, kg, en, de;
	size_t i;

	pin_one_core();
	printf("bench_kem: %s; median of %d runs of %.2f s; ops/s on one core\n",
	    OPENSSL_VERSION_TEXT, RUNS, RUN_SECONDS);
	c.xa = keygen_raw("X25519");
	c.xb = keygen_raw("X25519");
	c.ed = keygen_raw("ED25519");
	memset(c.msg, 0x42, sizeof(c.msg));
	one(&c, OP_ED25519_SIGN);

	xkg = rate(&c, OP_X25519_KEYGEN);
	xdh = rate(&c, OP_X25519_DERIVE);
	eds = rate(&c, OP_ED25519_SIGN);
	edv = rate(&c, OP_ED25519_VERIFY);
	printf("%-22s %12.0f ops/s\n", "X25519 keygen", xkg);
	printf("%-22s %12.0f ops/s\n", "X25519 derive", xdh);
	printf("%-22s %12.0f ops/s\n", "Ed25519 sign", eds);
	printf("%-22s %12.0f ops/s\n", "Ed25519 verify", edv);

	for (i = 0; i < sizeof(params) / sizeof(params[0]); i++) {
		c.param = params[i];
		if (hl_mlkem_keygen(c.param, c.ek, c.dk) != HL_OK ||
		    hl_mlkem_encaps(c.param, c.ek, hl_mlkem_ek_bytes(c.param),
		    c.ct, c.ss) != HL_OK)
			die("setup");
		kg = rate(&c, OP_KEYGEN);
		one(&c, OP_ENCAPS);
		en = rate(&c, OP_ENCAPS);
		de = rate(&c, OP_DECAPS);
		printf("ML-KEM-%-4d keygen      %12.0f ops/s  (%.2fx X25519 keygen)\n",
		    c.param, kg, kg / xkg);
		printf("ML-KEM-%-4d encaps      %12.0f ops/s  (%.2fx X25519 derive,"
		    " %.2fx Ed25519 sign)\n", c.param, en, en / xdh, en / eds);
		printf("ML-KEM-%-4d decaps      %12.0f ops/s  (%.2fx X25519 derive,"
		    " %.2fx Ed25519 verify)\n", c.param, de, de / xdh, de / edv);
	}
	printf("bench_kem: ratio = ML-KEM ops/s divided by the OpenSSL op's "
	    "ops/s (> 1: ML-KEM is faster)\n");
	EVP_PKEY_free(c.xa);
	EVP_PKEY_free(c.xb);
	EVP_PKEY_free(c.ed);
	return 0;
}
