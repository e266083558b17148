/* bench_simtext.c: what narrative signatures cost (docs/DETECTION-similarity.md).
 *
 * usage: bench_simtext [N]   N signatures in the index (default 50000)
 *
 * Prints: the word hash simtext uses (FNV-1a over the characters, finished
 * with splitmix64's mixer) against keyed SipHash-2-4 through OpenSSL 3's
 * EVP_MAC "SIPHASH", per word; signing speed over text (the DISARM pages
 * under $HOTLINE_SHARED_DATA when present, else generated words); and
 * adding to and querying an index of N signatures. Figures, no verdicts. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <openssl/core_names.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "alloc.h"
#include "simtext.c"

#define WORDS 200000
#define TEXT_BYTES (4u * 1024 * 1024)

static double
now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Made-up words of 2..11 letters, and the text they make. */
static char *
words_text(size_t bytes, uint64_t seed)
{
	char *t = malloc(bytes + 1);
	size_t i = 0, k, n;

	if (t == NULL)
		exit(2);
	while (i + 13 < bytes) {
		seed += GOLDEN;
		n = 2 + hl_mix64(seed) % 10;
		for (k = 0; k < n; k++)
			t[i++] = (char)('a' + hl_mix64(seed + k) % 26);
		t[i++] = hl_mix64(seed ^ 7) % 12 == 0 ? '.' : ' ';
		if (t[i - 1] == '.')
			t[i++] = ' ';
	}
	t[i] = '\0';
	return t;
}

static uint64_t
own_hash(const char *w, size_t n)
{
	uint64_t h = FNV_OFFSET;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)w[i]) * FNV_PRIME;
	return hl_mix64(h);
}

static void
word_hashes(const char *text)
{
	static const unsigned char key[16] = "hotline-simtext";
	const char *w[WORDS];
	size_t len[WORDS], n = 0, i, outl;
	const char *p = text, *e;
	uint64_t acc = 0, out;
	double t0, own, sip;
	EVP_MAC *mac;
	EVP_MAC_CTX *ctx;
	OSSL_PARAM params[2];

	while (n < WORDS && (e = strchr(p, ' ')) != NULL) {
		w[n] = p;
		len[n++] = (size_t)(e - p);
		p = e + 1;
	}
	t0 = now_s();
	for (i = 0; i < n; i++)
		acc ^= own_hash(w[i], len[i]);
	own = now_s() - t0;
	if ((mac = EVP_MAC_fetch(NULL, "SIPHASH", NULL)) == NULL ||
	    (ctx = EVP_MAC_CTX_new(mac)) == NULL) {
		printf("SipHash: not available from this OpenSSL\n");
		return;
	}
	params[0] = OSSL_PARAM_construct_size_t(OSSL_MAC_PARAM_SIZE, &(size_t){ 8 });
	params[1] = OSSL_PARAM_construct_end();
	t0 = now_s();
	for (i = 0; i < n; i++) {
		/* a keyed init per word: what hashing each word separately costs */
		if (EVP_MAC_init(ctx, key, sizeof(key), params) != 1 ||
		    EVP_MAC_update(ctx, (const unsigned char *)w[i], len[i]) != 1 ||
		    EVP_MAC_final(ctx, (unsigned char *)&out, &outl, sizeof(out)) != 1) {
			printf("SipHash: failed\n");
			break;
		}
		acc ^= out;
	}
	sip = now_s() - t0;
	EVP_MAC_CTX_free(ctx);
	EVP_MAC_free(mac);
	printf("word hash, %zu words: FNV-1a + mix64 %.1f ns/word; SipHash-2-4 (EVP_MAC, "
	    "keyed init per word) %.1f ns/word (%.0fx) [%llx]\n", n, own * 1e9 / (double)n,
	    sip * 1e9 / (double)n, sip / own, (unsigned long long)(acc & 0xf));
}

/* The DISARM pages' text, or generated words. */
static char *
corpus(size_t *len, const char **what)
{
	const char *sd = getenv("HOTLINE_SHARED_DATA");
	char path[1024];
	char *t = NULL;
	size_t n = 0;
	unsigned i;
	FILE *f;

	if (sd != NULL && (t = malloc(TEXT_BYTES + 1)) != NULL) {
		for (i = 1; i <= 129; i++) {
			snprintf(path, sizeof(path), "%s/disarm-incidents/incidents/I%05u.md", sd, i);
			if ((f = fopen(path, "rb")) == NULL)
				continue;
			n += fread(t + n, 1, TEXT_BYTES - n, f);
			fclose(f);
		}
		if (n > 0) {
			t[n] = '\0';
			*len = n;
			*what = "the 129 DISARM pages";
			return t;
		}
		free(t);
	}
	t = words_text(TEXT_BYTES / 4, 1);
	*len = strlen(t);
	*what = "generated words";
	return t;
}

static int
count(void *arg, uint64_t item, double sim)
{
	(void)item;
	(void)sim;
	(*(uint64_t *)arg)++;
	return 0;
}

int
main(int argc, char **argv)
{
	struct hl_simtext_index *idx = NULL;
	struct hl_simtext_sig *sigs, s;
	size_t n = argc > 1 ? strtoul(argv[1], NULL, 10) : 50000, i, len, reps;
	char *text, *doc;
	const char *what;
	double t0, dt;
	uint64_t hits = 0;

	if (n < 1 || n > HL_SIMTEXT_INDEX_MAX) {
		fprintf(stderr, "usage: bench_simtext [N: 1..%u]\n", HL_SIMTEXT_INDEX_MAX);
		return 2;
	}
	text = words_text(WORDS * 8, 2);
	word_hashes(text);
	free(text);

	text = corpus(&len, &what);
	reps = 0;
	t0 = now_s();
	do {
		if (hl_simtext_sign(text, len < HL_SIMTEXT_MAX_BYTES ? len : HL_SIMTEXT_MAX_BYTES,
		    &s) != HL_OK)
			return 1;
		reps++;
	} while ((dt = now_s() - t0) < 1.0);
	printf("signing %s: %.1f MB/s (%u shingles in %zu bytes, %.0f ns a shingle)\n", what,
	    (double)(len < HL_SIMTEXT_MAX_BYTES ? len : HL_SIMTEXT_MAX_BYTES) * (double)reps / dt /
	    1e6, s.shingles, len < HL_SIMTEXT_MAX_BYTES ? len : HL_SIMTEXT_MAX_BYTES,
	    dt * 1e9 / (double)reps / (double)s.shingles);
	free(text);

	/* an index of n narratives of about 150 words each */
	if ((sigs = calloc(n, sizeof(*sigs))) == NULL)
		return 2;
	t0 = now_s();
	for (i = 0; i < n; i++) {
		doc = words_text(1000, 1000 + i);
		if (hl_simtext_sign(doc, strlen(doc), &sigs[i]) != HL_OK)
			return 1;
		free(doc);
	}
	printf("signing %zu narratives of ~1 KB: %.1f us each\n", n,
	    (now_s() - t0) * 1e6 / (double)n);
	if (hl_simtext_index_new(n, &idx) != HL_OK)
		return 1;
	t0 = now_s();
	for (i = 0; i < n; i++)
		if (hl_simtext_index_add(idx, i, &sigs[i]) != HL_OK)
			return 1;
	dt = now_s() - t0;
	printf("index: %zu added in %.3f s (%.2f us each), about %zu bytes a signature\n", n, dt,
	    dt * 1e6 / (double)n, sizeof(struct hl_simtext_sig) + sizeof(uint64_t) +
	    sizeof(uint32_t) + HL_SIMTEXT_BANDS * (sizeof(struct band_entry) + 2 * sizeof(uint32_t)));
	t0 = now_s();
	for (i = 0; i < 1000; i++)
		if (hl_simtext_index_query(idx, &sigs[(i * 7919) % n], HL_SIMTEXT_THRESHOLD_DEFAULT,
		    count, &hits) != HL_OK)
			return 1;
	dt = now_s() - t0;
	printf("index: 1000 queries at %.2f over %zu in %.3f s (%.1f us each), %zu candidates "
	    "checked (all pairs: %zu), %llu matches\n", HL_SIMTEXT_THRESHOLD_DEFAULT, n, dt,
	    dt * 1e3, idx->checked, 1000 * n, (unsigned long long)hits);
	hl_simtext_index_free(idx);
	free(sigs);
	return 0;
}
