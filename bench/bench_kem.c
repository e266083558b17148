/* bench_kem.c: ML-KEM-768/1024 keygen, encaps, decaps per second of CPU time,
 * and the full per-recipient key wrap / unwrap of every suite (hl_keys_wrap,
 * hl_keys_unwrap: x25519, x25519-mlkem768, x25519-mlkem1024), beside OpenSSL
 * X25519 (keygen, derive) and Ed25519 (keygen, sign, verify) measured in the
 * same run. Also the signatures: ML-DSA-44/65/87 keygen, sign (hedged, pure,
 * with a context) and verify, and a hybrid Ed25519 + ML-DSA-65 signature
 * (both signed, both verified) of the same 64-byte message; then the sizes
 * ("size:" lines) and what a hybrid signature adds to an envelope.
 *
 * The machine is shared and noisy, so time is this thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID: waiting for a busy core does not count) and the
 * measurements are interleaved: each round measures every operation once for
 * about RUN_SECONDS of CPU time, and there are
 * `rounds` rounds (default DEFAULT_ROUNDS, or argv[1]). A figure is the median
 * over the rounds; a ratio is the median over the rounds of the ratio within
 * each round (so slow phases of the machine cancel out). Prints figures only
 * (no timed asserts).
 *
 * The wrap/unwrap keys come from hl_keys_open on a 0600 Ed25519 PEM key and a
 * KEM directory in a mkdtemp directory, removed at exit. */
#include <sys/stat.h>

#include <dirent.h>
#include <fcntl.h>
#include <sched.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/evp.h>
#include <openssl/opensslv.h>
#include <openssl/pem.h>

#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "keys.h"
#include "mldsa.h"
#include "mlkem.h"

#define DEFAULT_ROUNDS 7
#define MAX_ROUNDS 99
#define RUN_SECONDS 0.2
#define BENCH_NODE "bench/node-1"
#define WRAP_MAX 4096
#define SIG_CTX "hotline/bench"

enum op {
	OP_X25519_KEYGEN,
	OP_X25519_DERIVE,
	OP_ED25519_KEYGEN,
	OP_ED25519_SIGN,
	OP_ED25519_VERIFY,
	OP_KEYGEN,
	OP_ENCAPS,
	OP_DECAPS,
	OP_WRAP,
	OP_UNWRAP,
	OP_SIG_KEYGEN,
	OP_SIG_SIGN,
	OP_SIG_VERIFY,
	OP_HYBRID_SIGN,          /* Ed25519 and ML-DSA-65 */
	OP_HYBRID_VERIFY,
};

/* ML-DSA state of one parameter set */
struct sig_state {
	int param;
	uint8_t pk[HL_MLDSA_MAX_PK_BYTES];
	uint8_t sk[HL_MLDSA_MAX_SK_BYTES];
	uint8_t sig[HL_MLDSA_MAX_SIG_BYTES];
};

/* ML-KEM state of one parameter set */
struct kem_state {
	int param;
	uint8_t ek[HL_MLKEM_MAX_EK_BYTES];
	uint8_t dk[HL_MLKEM_MAX_DK_BYTES];
	uint8_t ct[HL_MLKEM_MAX_CT_BYTES];
	uint8_t ss[32];
};

/* wrap state of one suite: the recipient is our own hl_keys */
struct wrap_state {
	uint8_t suite;
	const char *name;
	uint32_t epoch;
	const uint8_t *pub;      /* points into keys */
	size_t publen;
	uint8_t wrap[WRAP_MAX];  /* one wrap made at setup, for unwrap */
	size_t wraplen;
};

struct ctx {
	EVP_PKEY *xa;            /* X25519 ours */
	EVP_PKEY *xb;            /* X25519 peer */
	EVP_PKEY *ed;            /* Ed25519 */
	uint8_t msg[64];
	uint8_t sig[64];
	struct hl_keys *keys;
	uint8_t id[HL_ID_BYTES];
	uint8_t ck[HL_AES_KEY];
	struct kem_state kem[2];
	struct wrap_state wrap[3];
	struct sig_state sig_ml[3];      /* ML-DSA-44, 65, 87 */
};

/* One measured line: op on kem or wrap state, ratios against ref1/ref2. */
struct entry {
	const char *name;
	enum op op;
	int idx;                 /* index into ctx.kem, ctx.wrap or ctx.sig_ml */
	int ref1, ref2;          /* entry indices, -1: none */
	double r[MAX_ROUNDS];    /* ops/s per round */
};

static char tmpdir[64];

static double
now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Remove tmpdir/kem/<files>, tmpdir/kem, tmpdir/ed25519.pem and tmpdir. */
static void
cleanup(void)
{
	char path[256];
	struct dirent *de;
	DIR *d;

	if (tmpdir[0] == '\0')
		return;
	snprintf(path, sizeof(path), "%s/kem", tmpdir);
	if ((d = opendir(path)) != NULL) {
		while ((de = readdir(d)) != NULL) {
			if (strcmp(de->d_name, ".") == 0 || strcmp(de->d_name, "..") == 0)
				continue;
			snprintf(path, sizeof(path), "%s/kem/%s", tmpdir, de->d_name);
			unlink(path);
		}
		closedir(d);
	}
	snprintf(path, sizeof(path), "%s/kem", tmpdir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/ed25519.pem", tmpdir);
	unlink(path);
	rmdir(tmpdir);
	tmpdir[0] = '\0';
}

static _Noreturn void
die(const char *what)
{
	fprintf(stderr, "bench_kem: %s failed\n", what);
	cleanup();
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

/* The signature operations: ML-DSA on ss, or the hybrid (Ed25519 through
 * one(), then ML-DSA-65 in ss) of the same message. */
static void one(struct ctx *c, enum op op, int idx);

static void
one_sig(struct ctx *c, enum op op, struct sig_state *ss)
{
	const uint8_t *ctx = (const uint8_t *)SIG_CTX;
	const size_t ctxl = strlen(SIG_CTX);

	if (op == OP_HYBRID_SIGN)
		one(c, OP_ED25519_SIGN, 0);
	if (op == OP_HYBRID_VERIFY)
		one(c, OP_ED25519_VERIFY, 0);
	switch (op) {
	case OP_SIG_KEYGEN:
		if (hl_mldsa_keygen(ss->param, ss->pk, ss->sk) != HL_OK)
			die("ML-DSA keygen");
		break;
	case OP_SIG_SIGN:
	case OP_HYBRID_SIGN:
		if (hl_mldsa_sign(ss->param, ss->sk, hl_mldsa_sk_bytes(ss->param),
		    c->msg, sizeof(c->msg), ctx, ctxl, HL_MLDSA_HEDGED,
		    ss->sig) != HL_OK)
			die("ML-DSA sign");
		break;
	case OP_SIG_VERIFY:
	case OP_HYBRID_VERIFY:
		if (hl_mldsa_verify(ss->param, ss->pk, hl_mldsa_pk_bytes(ss->param),
		    c->msg, sizeof(c->msg), ctx, ctxl, ss->sig,
		    hl_mldsa_sig_bytes(ss->param)) != HL_OK)
			die("ML-DSA verify");
		break;
	default:
		break;
	}
}

static void
one(struct ctx *c, enum op op, int idx)
{
	struct kem_state *ks = NULL;
	struct wrap_state *ws = NULL;
	EVP_PKEY_CTX *pc = NULL;
	EVP_MD_CTX *mc = NULL;
	EVP_PKEY *k = NULL;
	struct hl_buf b;
	uint8_t out[64];
	size_t len = sizeof(out);

	if (op == OP_KEYGEN || op == OP_ENCAPS || op == OP_DECAPS)
		ks = &c->kem[idx];
	if (op == OP_WRAP || op == OP_UNWRAP)
		ws = &c->wrap[idx];
	if (op >= OP_SIG_KEYGEN) {
		one_sig(c, op, &c->sig_ml[op >= OP_HYBRID_SIGN ? 1 : idx]);
		return;
	}
	switch (op) {
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
	case OP_ED25519_KEYGEN:
		k = keygen_raw("ED25519");
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
	case OP_KEYGEN:
		if (hl_mlkem_keygen(ks->param, ks->ek, ks->dk) != HL_OK)
			die("keygen");
		break;
	case OP_ENCAPS:
		if (hl_mlkem_encaps(ks->param, ks->ek, hl_mlkem_ek_bytes(ks->param),
		    ks->ct, ks->ss) != HL_OK)
			die("encaps");
		break;
	case OP_DECAPS:
		if (hl_mlkem_decaps(ks->param, ks->dk, hl_mlkem_dk_bytes(ks->param),
		    ks->ct, hl_mlkem_ct_bytes(ks->param), ks->ss) != HL_OK)
			die("decaps");
		break;
	case OP_WRAP:
		hl_buf_init(&b, WRAP_MAX);
		if (hl_keys_wrap(NULL, ws->suite, ws->pub, ws->publen, c->id, BENCH_NODE,
		    c->ck, &b) != HL_OK)
			die("hl_keys_wrap");
		hl_buf_free(&b);
		break;
	case OP_UNWRAP:
		if (hl_keys_unwrap(c->keys, ws->suite, ws->epoch, c->id, BENCH_NODE,
		    ws->wrap, ws->wraplen, out) != HL_OK ||
		    memcmp(out, c->ck, HL_AES_KEY) != 0)
			die("hl_keys_unwrap");
		break;
	default:
		break;
	}
	EVP_PKEY_CTX_free(pc);
	EVP_MD_CTX_free(mc);
	EVP_PKEY_free(k);
}

/* Key and signature sizes, and the bytes a hybrid Ed25519 + ML-DSA
 * signature takes in an envelope (the two signatures side by side). */
static void
print_sizes(void)
{
	static const int ps[3] = { HL_MLDSA_44, HL_MLDSA_65, HL_MLDSA_87 };
	int i;

	printf("size: Ed25519 pk 32 sig 64\n");
	for (i = 0; i < 3; i++)
		printf("size: ML-DSA-%d pk %zu sig %zu\n", ps[i],
		    hl_mldsa_pk_bytes(ps[i]), hl_mldsa_sig_bytes(ps[i]));
	for (i = 1; i < 3; i++)
		printf("size: hybrid Ed25519+ML-DSA-%d pk %zu sig %zu "
		    "(per envelope: +%zu bytes over Ed25519 alone)\n", ps[i],
		    32 + hl_mldsa_pk_bytes(ps[i]), 64 + hl_mldsa_sig_bytes(ps[i]),
		    hl_mldsa_sig_bytes(ps[i]));
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

static double
median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(v[0]), cmp_double);
	return v[n / 2];
}

/* Operations per CPU second over about RUN_SECONDS of CPU time. */
static double
measure(struct ctx *c, enum op op, int idx)
{
	double t0, t;
	unsigned long n = 0;

	t0 = now();
	do {
		one(c, op, idx);
		one(c, op, idx);
		n += 2;
		t = now() - t0;
	} while (t < RUN_SECONDS);
	return (double)n / t;
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

/* Ed25519 PEM key (0600) in tmpdir, hl_keys_open with tmpdir/kem, the current
 * public key of every suite, and one wrap per suite for the unwrap runs. */
static void
keys_setup(struct ctx *c)
{
	static const uint8_t suites[3] = { HL_SUITE_X25519, HL_SUITE_X25519_MLKEM768,
	    HL_SUITE_X25519_MLKEM1024 };
	static const char *names[3] = { "x25519", "x25519-mlkem768", "x25519-mlkem1024" };
	char key[128], kem[128], err[256];
	EVP_PKEY *pk = NULL;
	struct hl_buf b;
	FILE *f;
	int fd, i;

	snprintf(tmpdir, sizeof(tmpdir), "/tmp/hl-bench-kem.XXXXXX");
	if (mkdtemp(tmpdir) == NULL) {
		tmpdir[0] = '\0';
		die("mkdtemp");
	}
	snprintf(key, sizeof(key), "%s/ed25519.pem", tmpdir);
	snprintf(kem, sizeof(kem), "%s/kem", tmpdir);
	pk = keygen_raw("ED25519");
	if ((fd = open(key, O_WRONLY | O_CREAT | O_EXCL, 0600)) == -1 ||
	    (f = fdopen(fd, "w")) == NULL)
		die("creating the Ed25519 key file");
	if (PEM_write_PrivateKey(f, pk, NULL, NULL, 0, NULL, NULL) != 1 ||
	    fclose(f) != 0)
		die("writing the Ed25519 key file");
	EVP_PKEY_free(pk);
	if (hl_keys_open(key, kem, &c->keys, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "bench_kem: hl_keys_open: %s\n", err);
		die("hl_keys_open");
	}
	memset(c->id, 0x11, sizeof(c->id));
	memset(c->ck, 0x22, sizeof(c->ck));
	for (i = 0; i < 3; i++) {
		c->wrap[i].suite = suites[i];
		c->wrap[i].name = names[i];
		if (hl_keys_kem_current(c->keys, suites[i], &c->wrap[i].epoch,
		    &c->wrap[i].pub, &c->wrap[i].publen) != HL_OK)
			die("hl_keys_kem_current");
		hl_buf_init(&b, WRAP_MAX);
		if (hl_keys_wrap(NULL, suites[i], c->wrap[i].pub, c->wrap[i].publen, c->id,
		    BENCH_NODE, c->ck, &b) != HL_OK || b.len > WRAP_MAX)
			die("hl_keys_wrap (setup)");
		memcpy(c->wrap[i].wrap, b.data, b.len);
		c->wrap[i].wraplen = b.len;
		hl_buf_free(&b);
	}
}

int
main(int argc, char **argv)
{
	/* ref indices below refer to positions in this table */
	enum { X_KG, X_DH, ED_KG, ED_S, ED_V };
	static struct entry e[] = {
		{ "X25519 keygen", OP_X25519_KEYGEN, 0, -1, -1, { 0 } },
		{ "X25519 derive", OP_X25519_DERIVE, 0, -1, -1, { 0 } },
		{ "Ed25519 keygen", OP_ED25519_KEYGEN, 0, -1, -1, { 0 } },
		{ "Ed25519 sign", OP_ED25519_SIGN, 0, -1, -1, { 0 } },
		{ "Ed25519 verify", OP_ED25519_VERIFY, 0, -1, -1, { 0 } },
		{ "ML-KEM-768 keygen", OP_KEYGEN, 0, X_KG, -1, { 0 } },
		{ "ML-KEM-768 encaps", OP_ENCAPS, 0, X_DH, ED_S, { 0 } },
		{ "ML-KEM-768 decaps", OP_DECAPS, 0, X_DH, ED_V, { 0 } },
		{ "ML-KEM-1024 keygen", OP_KEYGEN, 1, X_KG, -1, { 0 } },
		{ "ML-KEM-1024 encaps", OP_ENCAPS, 1, X_DH, ED_S, { 0 } },
		{ "ML-KEM-1024 decaps", OP_DECAPS, 1, X_DH, ED_V, { 0 } },
		{ "wrap x25519", OP_WRAP, 0, X_DH, ED_S, { 0 } },
		{ "wrap x25519-mlkem768", OP_WRAP, 1, X_DH, ED_S, { 0 } },
		{ "wrap x25519-mlkem1024", OP_WRAP, 2, X_DH, ED_S, { 0 } },
		{ "unwrap x25519", OP_UNWRAP, 0, X_DH, ED_V, { 0 } },
		{ "unwrap x25519-mlkem768", OP_UNWRAP, 1, X_DH, ED_V, { 0 } },
		{ "unwrap x25519-mlkem1024", OP_UNWRAP, 2, X_DH, ED_V, { 0 } },
		{ "ML-DSA-44 keygen", OP_SIG_KEYGEN, 0, ED_KG, -1, { 0 } },
		{ "ML-DSA-44 sign", OP_SIG_SIGN, 0, ED_S, -1, { 0 } },
		{ "ML-DSA-44 verify", OP_SIG_VERIFY, 0, ED_V, -1, { 0 } },
		{ "ML-DSA-65 keygen", OP_SIG_KEYGEN, 1, ED_KG, -1, { 0 } },
		{ "ML-DSA-65 sign", OP_SIG_SIGN, 1, ED_S, -1, { 0 } },
		{ "ML-DSA-65 verify", OP_SIG_VERIFY, 1, ED_V, -1, { 0 } },
		{ "ML-DSA-87 keygen", OP_SIG_KEYGEN, 2, ED_KG, -1, { 0 } },
		{ "ML-DSA-87 sign", OP_SIG_SIGN, 2, ED_S, -1, { 0 } },
		{ "ML-DSA-87 verify", OP_SIG_VERIFY, 2, ED_V, -1, { 0 } },
		{ "hybrid sign ed25519-mldsa65", OP_HYBRID_SIGN, 1, ED_S, -1, { 0 } },
		{ "hybrid verify ed25519-mldsa65", OP_HYBRID_VERIFY, 1, ED_V, -1, { 0 } },
	};
	const size_t ne = sizeof(e) / sizeof(e[0]);
	static struct ctx c;
	double v[MAX_ROUNDS], med;
	char *end = NULL;
	unsigned long ul;
	int rounds = DEFAULT_ROUNDS, i, w;
	size_t j;

	if (argc > 1) {
		ul = strtoul(argv[1], &end, 10);
		if (end == argv[1] || *end != '\0' || ul < 1 || ul > MAX_ROUNDS) {
			fprintf(stderr, "usage: bench_kem [rounds 1..%d]\n", MAX_ROUNDS);
			return 2;
		}
		rounds = (int)ul;
	}
	pin_one_core();
	printf("bench_kem: %s; %d interleaved rounds of %.2f s per figure; "
	    "medians; ops per CPU second, one thread\n", OPENSSL_VERSION_TEXT, rounds, RUN_SECONDS);
	c.xa = keygen_raw("X25519");
	c.xb = keygen_raw("X25519");
	c.ed = keygen_raw("ED25519");
	memset(c.msg, 0x42, sizeof(c.msg));
	one(&c, OP_ED25519_SIGN, 0);
	c.kem[0].param = HL_MLKEM_768;
	c.kem[1].param = HL_MLKEM_1024;
	for (i = 0; i < 2; i++)
		if (hl_mlkem_keygen(c.kem[i].param, c.kem[i].ek, c.kem[i].dk) != HL_OK ||
		    hl_mlkem_encaps(c.kem[i].param, c.kem[i].ek,
		    hl_mlkem_ek_bytes(c.kem[i].param), c.kem[i].ct, c.kem[i].ss) != HL_OK)
			die("ML-KEM setup");
	for (i = 0; i < 3; i++) {
		c.sig_ml[i].param = i == 0 ? HL_MLDSA_44 : i == 1 ? HL_MLDSA_65 :
		    HL_MLDSA_87;
		one(&c, OP_SIG_KEYGEN, i);
		one(&c, OP_SIG_SIGN, i);
	}
	keys_setup(&c);

	for (j = 0; j < ne; j++)     /* warm-up */
		for (w = 0; w < 10; w++)
			one(&c, e[j].op, e[j].idx);
	for (i = 0; i < rounds; i++)
		for (j = 0; j < ne; j++)
			e[j].r[i] = measure(&c, e[j].op, e[j].idx);

	for (j = 0; j < ne; j++) {
		memcpy(v, e[j].r, sizeof(double) * (size_t)rounds);
		med = median(v, rounds);
		printf("%-30s %10.0f ops/s", e[j].name, med);
		if (e[j].ref1 >= 0) {
			for (i = 0; i < rounds; i++)
				v[i] = e[j].r[i] / e[e[j].ref1].r[i];
			printf("  %.2fx %s", median(v, rounds), e[e[j].ref1].name);
		}
		if (e[j].ref2 >= 0) {
			for (i = 0; i < rounds; i++)
				v[i] = e[j].r[i] / e[e[j].ref2].r[i];
			printf(", %.2fx %s", median(v, rounds), e[e[j].ref2].name);
		}
		printf("\n");
	}
	printf("bench_kem: ratio = ops/s divided by the reference op's ops/s in the "
	    "same round, median over rounds (> 1: faster than the reference)\n");
	print_sizes();
	hl_keys_free(c.keys);
	cleanup();
	EVP_PKEY_free(c.xa);
	EVP_PKEY_free(c.xb);
	EVP_PKEY_free(c.ed);
	return 0;
}
