/* simtext_eval.c: how well simtext tells "the same narrative, reported by
 * another partner" from "another narrative", on the DISARM incident pages
 * (docs/DETECTION.md, "Text similarity" says what the figures mean and what they
 * cannot show).
 *
 * usage: simtext_eval [-s SEED] [--sweep] [DIR]
 *   DIR     the incident pages (default $HOTLINE_SHARED_DATA/disarm-incidents/incidents)
 *   -s      the seed of the rewrites (default 1)
 *   --sweep also compare shingle sizes 1..5 with and without stop words
 *
 * Each page goes through the DISARM converter; its incident's narrative
 * text (hl_simtext_stix_text: name and summary) is the original. A partner's
 * version of it is made by rewriting: its sentences shuffled, some words
 * dropped, some replaced by other words of the corpus (standing for
 * synonyms, spelling and translation choices), a partner's own sentence or
 * two added, the title replaced; "heavy" also leaves sentences out.
 * Pairs:
 *   same    original and its partner version (light, medium, heavy)
 *   diff    two different incidents' originals; two different incidents'
 *           partner versions (they share the partners' added sentences)
 *   related two different incidents that cite the same reference, share a
 *           DISARM technique, or share a country (not "World"): related, not
 *           the same narrative
 * The threshold is the one that makes fewest errors over same light and
 * medium against every different pair. Deterministic for a seed. */
#include <dirent.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "disarm.h"
#include "simtext.c"

#define PAGES_MAX 512
#define TEXT_MAX (64u * 1024)
#define WORDS_MIN 15               /* a summary shorter than this is not rewritten */
#define STRENGTHS 3

struct page {
	char id[HL_DISARM_ID_MAX + 1];
	char *text;                    /* name, newline, summary */
	size_t len;
	int summary;                   /* it has one */
	size_t words;
	char *tech[HL_DISARM_TECHNIQUES_MAX];
	size_t ntech;
	char *country[HL_DISARM_COUNTRIES_MAX];
	size_t ncountry;
	char *ref[HL_DISARM_REFS_MAX];
	size_t nref;
	char *rewrite[STRENGTHS];
	size_t rwlen[STRENGTHS];
};

static const struct {
	const char *name;
	unsigned drop, change;        /* percent of words */
	unsigned keep;                /* percent of sentences kept */
	unsigned added;               /* partner sentences */
} strengths[STRENGTHS] = {
	{ "light", 10, 5, 100, 1 },
	{ "medium", 20, 10, 100, 1 },
	{ "heavy", 30, 20, 70, 2 },
};

/* What an analyst of another partner adds (written for this tool). */
static const char *const partner_lines[] = {
	"Our analysts assess with moderate confidence that this activity is still ongoing.",
	"The accounts involved were reported to the platforms concerned the same week.",
	"This assessment draws on open sources and on reporting shared by a partner service.",
	"Similar content was observed in our national information space shortly afterwards.",
	"No attribution is made in this report beyond what the sources cited state.",
	"We recommend that partners monitor for reuse of the same material in coming elections.",
};

static uint64_t rng_state;

static uint64_t
rng(void)
{
	rng_state += GOLDEN;
	return hl_mix64(rng_state);
}

static unsigned
pct(void)
{
	return (unsigned)(rng() % 100);
}

/* ---- loading ---- */

static char *
xdup(const char *s)
{
	char *d = hl_strdup(s);

	if (d == NULL) {
		fprintf(stderr, "simtext_eval: out of memory\n");
		exit(2);
	}
	return d;
}

static size_t
count_words(const char *s)
{
	size_t n = 0;
	int in = 0;

	for (; *s != '\0'; s++) {
		if (*s == ' ' || *s == '\n' || *s == '\t')
			in = 0;
		else if (!in) {
			in = 1;
			n++;
		}
	}
	return n;
}

static int
load(const char *dir, struct page *pages, size_t *npages)
{
	static const struct hl_disarm_opts o = { "2026-01-01T00:00:00Z", NULL };
	struct hl_disarm_incident *inc;
	struct dirent **names;
	char path[2048], err[256];
	uint8_t *buf;
	int n, i;
	size_t k, len;
	json_t *b;
	FILE *f;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		fprintf(stderr, "simtext_eval: %s: cannot read the folder\n", dir);
		return -1;
	}
	*npages = 0;
	for (i = 0; i < n; i++) {
		struct page *p = &pages[*npages];

		if (names[i]->d_name[0] != 'I' || strstr(names[i]->d_name, ".md") == NULL ||
		    *npages == PAGES_MAX) {
			free(names[i]);
			continue;
		}
		snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name);
		free(names[i]);
		if ((f = fopen(path, "rb")) == NULL || (buf = hl_malloc(HL_DISARM_MAX_BYTES)) == NULL)
			return -1;
		len = fread(buf, 1, HL_DISARM_MAX_BYTES, f);
		fclose(f);
		if (hl_disarm_parse(buf, len, &inc, err, sizeof(err)) != HL_OK ||
		    hl_disarm_bundle(inc, &o, &b, err, sizeof(err)) != HL_OK) {
			fprintf(stderr, "simtext_eval: %s: %s\n", path, err);
			return -1;
		}
		hl_free(buf);
		/* the text the converter's incident gives simtext */
		if (hl_simtext_stix_text(json_array_get(json_object_get(b, "objects"), 0), &p->text,
		    &p->len) != HL_OK)
			return -1;
		json_decref(b);
		snprintf(p->id, sizeof(p->id), "%s", inc->id);
		p->summary = inc->summary[0] != '\0';
		p->words = count_words(inc->summary);
		for (k = 0; k < inc->ntech; k++)
			p->tech[p->ntech++] = xdup(inc->tech[k].id);
		for (k = 0; k < inc->ncountries; k++)
			if (strcmp(inc->countries[k], "World") != 0 &&
			    strcmp(inc->countries[k], "Unknown") != 0)
				p->country[p->ncountry++] = xdup(inc->countries[k]);
		for (k = 0; k < inc->nrefs; k++)
			p->ref[p->nref++] = xdup(inc->refs[k].url);
		hl_disarm_free(inc);
		(*npages)++;
	}
	free(names);
	return 0;
}

/* ---- rewriting ---- */

struct words {
	char **w;
	size_t n, cap;
};

static void
words_add(struct words *ws, char *w)
{
	if (ws->n == ws->cap) {
		ws->cap = ws->cap == 0 ? 1024 : ws->cap * 2;
		if ((ws->w = hl_realloc(ws->w, ws->cap * sizeof(*ws->w))) == NULL) {
			fprintf(stderr, "simtext_eval: out of memory\n");
			exit(2);
		}
	}
	ws->w[ws->n++] = w;
}

/* The corpus's words, the stand-ins for changed ones. */
static void
vocabulary(const struct page *pages, size_t n, struct words *vocab)
{
	char *t, *save, *w;
	size_t i;

	for (i = 0; i < n; i++) {
		t = xdup(pages[i].text);
		for (w = strtok_r(t, " \n\t", &save); w != NULL; w = strtok_r(NULL, " \n\t", &save))
			words_add(vocab, xdup(w));
		hl_free(t);
	}
}

/* Sentences of a summary: cut after ". ", "! ", "? " and at line breaks. */
static size_t
sentences(char *s, char **out, size_t max)
{
	size_t n = 0;
	char *p = s;

	while (*p != '\0' && n < max) {
		while (*p == ' ' || *p == '\n')
			p++;
		if (*p == '\0')
			break;
		out[n++] = p;
		while (*p != '\0' && *p != '\n' && !((*p == '.' || *p == '!' || *p == '?') &&
		    (p[1] == ' ' || p[1] == '\n' || p[1] == '\0')))
			p++;
		if (*p != '\0' && *p != '\n')
			p++;         /* the sentence keeps its full stop */
		if (*p == '\0')
			break;
		*p++ = '\0';
	}
	return n;
}

static void
put(char *out, size_t *n, const char *s)
{
	size_t k = strlen(s);

	if (*n + k + 1 < TEXT_MAX) {
		memcpy(out + *n, s, k);
		*n += k;
		out[*n] = '\0';
	}
}

/* A partner's version of page p's text at strength st. */
static void
rewrite(struct page *p, unsigned st, const struct words *vocab, size_t serial)
{
	char *body, *sent[4096], *save, *w, *out, title[64];
	size_t ns, i, j, n = 0, kept = 0;

	body = xdup(strchr(p->text, '\n') + 1);
	ns = sentences(body, sent, sizeof(sent) / sizeof(sent[0]));
	for (i = ns; i > 1; i--) {          /* shuffled */
		j = (size_t)(rng() % i);
		w = sent[i - 1];
		sent[i - 1] = sent[j];
		sent[j] = w;
	}
	if ((out = hl_malloc(TEXT_MAX)) == NULL)
		exit(2);
	out[0] = '\0';
	snprintf(title, sizeof(title), "Partner report %zu\n", serial);
	put(out, &n, title);
	for (i = 0; i < ns; i++) {
		if (pct() >= strengths[st].keep && kept > 0)
			continue;
		kept++;
		for (w = strtok_r(sent[i], " \n\t", &save); w != NULL;
		    w = strtok_r(NULL, " \n\t", &save)) {
			if (pct() < strengths[st].drop)
				continue;
			put(out, &n, pct() < strengths[st].change ?
			    vocab->w[rng() % vocab->n] : w);
			put(out, &n, " ");
		}
		put(out, &n, ". ");
	}
	for (i = 0; i < strengths[st].added; i++) {
		put(out, &n, partner_lines[rng() % (sizeof(partner_lines) /
		    sizeof(partner_lines[0]))]);
		put(out, &n, " ");
	}
	p->rewrite[st] = out;
	p->rwlen[st] = n;
	hl_free(body);
}

/* ---- figures ---- */

struct dist {
	double *v;
	size_t n, cap;
	const char *name;
};

static void
dist_add(struct dist *d, double v)
{
	if (d->n == d->cap) {
		d->cap = d->cap == 0 ? 256 : d->cap * 2;
		if ((d->v = hl_realloc(d->v, d->cap * sizeof(*d->v))) == NULL)
			exit(2);
	}
	d->v[d->n++] = v;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
quantile(const struct dist *d, double q)
{
	return d->n == 0 ? 0.0 : d->v[(size_t)(q * (double)(d->n - 1) + 0.5)];
}

static void
dist_print(struct dist *d)
{
	printf("| %-28s | %5zu | %.3f | %.3f | %.3f | %.3f | %.3f |\n", d->name, d->n,
	    quantile(d, 0), quantile(d, 0.05), quantile(d, 0.5), quantile(d, 0.95), quantile(d, 1));
}

static size_t
below(const struct dist *d, double t)
{
	size_t i, n = 0;

	for (i = 0; i < d->n; i++)
		n += d->v[i] < t;
	return n;
}

static int
shares(char *const *a, size_t na, char *const *b, size_t nb)
{
	size_t i, k;

	for (i = 0; i < na; i++)
		for (k = 0; k < nb; k++)
			if (strcmp(a[i], b[k]) == 0)
				return 1;
	return 0;
}

enum {
	D_SAME0, D_SAME1, D_SAME2, D_DIFF_ORIG, D_DIFF_PARTNER, D_REL_TECH, D_REL_COUNTRY,
	D_REL_REF, D_N
};

/* Sign everything with k-word shingles (stop words out or not), fill the
 * distributions. */
static void
measure(struct page *pages, size_t n, unsigned k, int stop, struct dist *d,
    struct hl_simtext_sig *orig, struct hl_simtext_sig (*rw)[STRENGTHS])
{
	size_t i, j;
	unsigned st;
	double s;

	for (i = 0; i < D_N; i++)
		d[i].n = 0;
	for (i = 0; i < n; i++) {
		if (sign_with(pages[i].text, pages[i].len, k, stop, &orig[i]) != HL_OK)
			exit(2);
		for (st = 0; st < STRENGTHS; st++)
			if (pages[i].rewrite[st] != NULL && sign_with(pages[i].rewrite[st],
			    pages[i].rwlen[st], k, stop, &rw[i][st]) != HL_OK)
				exit(2);
	}
	for (i = 0; i < n; i++) {
		if (!pages[i].summary)
			continue;
		for (st = 0; st < STRENGTHS; st++)
			if (pages[i].rewrite[st] != NULL)
				dist_add(&d[D_SAME0 + st], hl_simtext_similarity(&orig[i], &rw[i][st]));
		for (j = i + 1; j < n; j++) {
			if (!pages[j].summary)
				continue;
			s = hl_simtext_similarity(&orig[i], &orig[j]);
			if (shares(pages[i].ref, pages[i].nref, pages[j].ref, pages[j].nref))
				dist_add(&d[D_REL_REF], s);
			else if (shares(pages[i].tech, pages[i].ntech, pages[j].tech, pages[j].ntech))
				dist_add(&d[D_REL_TECH], s);
			else if (shares(pages[i].country, pages[i].ncountry, pages[j].country,
			    pages[j].ncountry))
				dist_add(&d[D_REL_COUNTRY], s);
			else
				dist_add(&d[D_DIFF_ORIG], s);
			if (pages[i].rewrite[1] != NULL && pages[j].rewrite[1] != NULL)
				dist_add(&d[D_DIFF_PARTNER], hl_simtext_similarity(&rw[i][1], &rw[j][1]));
		}
	}
	for (i = 0; i < D_N; i++)
		if (d[i].n > 0)
			qsort(d[i].v, d[i].n, sizeof(*d[i].v), cmp_double);
}

/* The threshold (a multiple of 1/128) with the fewest errors: same light
 * and medium below it, any different or related pair at or above it; the
 * middle of the best run. */
static double
best_threshold(const struct dist *d, size_t *errors)
{
	size_t m, e, best = SIZE_MAX, lo = 1, hi = 1, k;
	double t;

	for (m = 1; m <= HL_SIMTEXT_HASHES; m++) {
		t = (double)m / HL_SIMTEXT_HASHES;
		e = below(&d[D_SAME0], t) + below(&d[D_SAME1], t);
		for (k = D_DIFF_ORIG; k < D_N; k++)
			e += d[k].n - below(&d[k], t);
		if (e < best) {
			best = e;
			lo = hi = m;
		} else if (e == best && hi == m - 1) {
			hi = m;
		}
	}
	*errors = best;
	return (double)((lo + hi) / 2) / HL_SIMTEXT_HASHES;
}

static int
mark_found(void *arg, uint64_t item, double sim)
{
	(void)sim;
	((unsigned char *)arg)[item] = 1;
	return 0;
}

int
main(int argc, char **argv)
{
	static struct page pages[PAGES_MAX];
	static struct hl_simtext_sig orig[PAGES_MAX], rw[PAGES_MAX][STRENGTHS];
	static struct dist d[D_N] = {
		[D_SAME0] = { .name = "same: light rewrite" },
		[D_SAME1] = { .name = "same: medium rewrite" },
		[D_SAME2] = { .name = "same: heavy rewrite" },
		[D_DIFF_ORIG] = { .name = "different: originals" },
		[D_DIFF_PARTNER] = { .name = "different: partner versions" },
		[D_REL_TECH] = { .name = "related: shared technique" },
		[D_REL_COUNTRY] = { .name = "related: shared country" },
		[D_REL_REF] = { .name = "related: same reference" },
	};
	const char *dir = NULL, *sd;
	char defdir[1024];
	struct words vocab = { NULL, 0, 0 };
	struct hl_simtext_index *idx = NULL;
	static unsigned char found[PAGES_MAX];
	size_t n, i, j, withsum = 0, rewritten = 0, errors, want, got, checked, fn;
	unsigned k, st, seed = 1;
	int sweep = 0, a, stop;
	double t, s;

	for (a = 1; a < argc; a++) {
		if (strcmp(argv[a], "--sweep") == 0)
			sweep = 1;
		else if (strcmp(argv[a], "-s") == 0 && a + 1 < argc)
			seed = (unsigned)strtoul(argv[++a], NULL, 10);
		else if (argv[a][0] != '-')
			dir = argv[a];
		else {
			fprintf(stderr, "usage: simtext_eval [-s SEED] [--sweep] [DIR]\n");
			return 2;
		}
	}
	if (dir == NULL) {
		if ((sd = getenv("HOTLINE_SHARED_DATA")) == NULL) {
			fprintf(stderr, "simtext_eval: give DIR or set HOTLINE_SHARED_DATA\n");
			return 2;
		}
		snprintf(defdir, sizeof(defdir), "%s/disarm-incidents/incidents", sd);
		dir = defdir;
	}
	hl_apijson_init();
	rng_state = seed;
	if (load(dir, pages, &n) != 0)
		return 1;
	vocabulary(pages, n, &vocab);
	for (i = 0; i < n; i++) {
		withsum += pages[i].summary;
		if (!pages[i].summary || pages[i].words < WORDS_MIN)
			continue;
		rewritten++;
		for (st = 0; st < STRENGTHS; st++)
			rewrite(&pages[i], st, &vocab, i * STRENGTHS + st);
	}
	printf("pages: %zu, with a summary: %zu, rewritten (summary of %d words or more): %zu; "
	    "seed %u\n\n", n, withsum, WORDS_MIN, rewritten, seed);

	if (sweep) {
		printf("| k | stop words out | light 5%% | light median | medium 5%% | medium median "
		    "| heavy median | different 99.9%% | partner versions max | related max "
		    "| best threshold | FN light+medium | FP |\n"
		    "|---|---|---|---|---|---|---|---|---|---|---|---|---|\n");
		for (k = 1; k <= 5; k++)
			for (stop = 1; stop >= 0; stop--) {
				measure(pages, n, k, stop, d, orig, rw);
				t = best_threshold(d, &errors);
				fn = below(&d[D_SAME0], t) + below(&d[D_SAME1], t);
				s = quantile(&d[D_REL_TECH], 1);
				if (quantile(&d[D_REL_COUNTRY], 1) > s)
					s = quantile(&d[D_REL_COUNTRY], 1);
				printf("| %u | %s | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f | %.3f "
				    "| %.3f | %zu | %zu |\n", k, stop ? "yes" : "no",
				    quantile(&d[D_SAME0], 0.05), quantile(&d[D_SAME0], 0.5),
				    quantile(&d[D_SAME1], 0.05), quantile(&d[D_SAME1], 0.5),
				    quantile(&d[D_SAME2], 0.5), quantile(&d[D_DIFF_ORIG], 0.999),
				    quantile(&d[D_DIFF_PARTNER], 1), s, t, fn, errors - fn);
			}
		printf("\n");
	}

	measure(pages, n, HL_SIMTEXT_SHINGLE_WORDS, 1, d, orig, rw);
	printf("similarity (k = %d, stop words out, %d hashes):\n\n", HL_SIMTEXT_SHINGLE_WORDS,
	    HL_SIMTEXT_HASHES);
	printf("| pairs | n | min | 5%% | median | 95%% | max |\n|---|---|---|---|---|---|---|\n");
	for (i = 0; i < D_N; i++)
		dist_print(&d[i]);
	t = best_threshold(d, &errors);
	printf("\nbest threshold on these pairs: %.3f (%zu errors)\n", t, errors);
	printf("different incidents at 0.15 or more:\n");
	for (i = 0; i < n; i++)
		for (j = i + 1; j < n; j++)
			if (pages[i].summary && pages[j].summary &&
			    (s = hl_simtext_similarity(&orig[i], &orig[j])) >= 0.15)
				printf("  %s %s %.3f\n", pages[i].id, pages[j].id, s);
	t = HL_SIMTEXT_THRESHOLD_DEFAULT;
	printf("at the default threshold %.2f:\n", t);
	for (i = D_SAME0; i <= D_SAME2; i++)
		printf("  %-28s false negatives %zu of %zu\n", d[i].name, below(&d[i], t), d[i].n);
	for (i = D_DIFF_ORIG; i < D_N; i++)
		printf("  %-28s false positives %zu of %zu\n", d[i].name, d[i].n - below(&d[i], t),
		    d[i].n);

	/* the index finds what comparing every pair finds */
	if (hl_simtext_index_new(PAGES_MAX, &idx) != HL_OK)
		return 1;
	for (i = 0; i < n; i++)
		if (pages[i].summary && hl_simtext_index_add(idx, i, &orig[i]) != HL_OK)
			return 1;
	printf("\nLSH index (%d bands of %d): a pair of similarity s is a candidate with "
	    "probability 1-(1-s^%d)^%d:", HL_SIMTEXT_BANDS, HL_SIMTEXT_ROWS, HL_SIMTEXT_ROWS,
	    HL_SIMTEXT_BANDS);
	for (s = 0.1; s < 0.75; s += 0.1)
		printf(" %.1f: %.3f%s", s, 1 - pow(1 - pow(s, HL_SIMTEXT_ROWS), HL_SIMTEXT_BANDS),
		    s < 0.65 ? "," : "\n");
	for (st = 0; st < STRENGTHS; st++) {
		want = got = 0;
		checked = idx->checked;
		for (i = 0; i < n; i++) {
			if (pages[i].rewrite[st] == NULL)
				continue;
			memset(found, 0, sizeof(found));
			if (hl_simtext_index_query(idx, &rw[i][st], t, mark_found, found) != HL_OK)
				return 1;
			for (k = 0; k < n; k++) {
				if (!pages[k].summary || hl_simtext_similarity(&rw[i][st], &orig[k]) < t)
					continue;
				want++;
				got += found[k];
			}
		}
		printf("  %-6s partner versions as queries: the index found %zu of the %zu "
		    "originals at or above the threshold, checking %zu candidates (all pairs: "
		    "%zu)\n", strengths[st].name, got, want, idx->checked - checked,
		    rewritten * hl_simtext_index_count(idx));
	}
	hl_simtext_index_free(idx);
	for (i = 0; i < vocab.n; i++)
		hl_free(vocab.w[i]);
	hl_free(vocab.w);
	return 0;
}
