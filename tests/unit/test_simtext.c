/* test_simtext.c: MinHash signatures of narratives and their index. What
 * normalisation makes equal (case of Latin, Greek, Cyrillic; punctuation,
 * quotes, markup, stop words, fullwidth forms, sentence order) is equal;
 * the estimate is within its error of a Jaccard similarity built exactly;
 * signatures are pinned (a change of hashing would silently make stored
 * ones incomparable); limits; the STIX text of each type; and the index
 * against comparing every pair (the reference model), its limits and
 * allocation failures. Includes simtext.c for its helpers. */
#include <inttypes.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "apijson.h"
#include "disarm.h"
#include "simtext.c"
#include "testfile.h"

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

static double
sim(const char *a, const char *b)
{
	struct hl_simtext_sig x, y;

	assert_int_equal(hl_simtext_sign(a, strlen(a), &x), HL_OK);
	assert_int_equal(hl_simtext_sign(b, strlen(b), &y), HL_OK);
	return hl_simtext_similarity(&x, &y);
}

static void
test_stop_words_sorted(void **state)
{
	size_t i;

	(void)state;
	for (i = 1; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
		assert_true(strcmp(stop_words[i - 1], stop_words[i]) < 0);
	for (i = 0; i < sizeof(stop_words) / sizeof(stop_words[0]); i++)
		assert_true(strlen(stop_words[i]) <= STOP_KEY_MAX);
}

static void
test_lower(void **state)
{
	static const uint32_t pairs[][2] = {
		{ 'A', 'a' }, { 'z', 'z' }, { 0xc9, 0xe9 }, { 0xd7, 0xd7 }, { 0xde, 0xfe },
		{ 0x100, 0x101 }, { 0x101, 0x101 }, { 0x130, 'i' }, { 0x141, 0x142 },
		{ 0x142, 0x142 }, { 0x178, 0xff }, { 0x17d, 0x17e }, { 0x386, 0x3ac },
		{ 0x391, 0x3b1 }, { 0x3a3, 0x3c3 }, { 0x3c2, 0x3c3 }, { 0x38f, 0x3ce },
		{ 0x401, 0x451 }, { 0x410, 0x430 }, { 0x42f, 0x44f }, { 0x490, 0x491 },
		{ 0x4c1, 0x4c2 }, { 0x531, 0x561 }, { 0x1e9e, 0x1e9e }, { 0x1ea0, 0x1ea1 },
		{ 0x4e00, 0x4e00 },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++)
		if (lower(pairs[i][0]) != pairs[i][1])
			fail_msg("lower(U+%04X) = U+%04X, want U+%04X", pairs[i][0],
			    lower(pairs[i][0]), pairs[i][1]);
}

static void
test_normalisation(void **state)
{
	(void)state;
	/* case, punctuation, apostrophes of either kind, stop words, markup */
	assert_true(sim("The Kremlin's NEWS outlet, RT, said: \"vaccines kill\"!",
	    "kremlins news outlet rt said vaccines kill") == 1.0);
	assert_true(sim("\xe2\x80\x9cThe Kremlin\xe2\x80\x99s news outlet\xe2\x80\x9d said so.",
	    "Kremlin's news outlet said so") == 1.0);
	assert_true(sim("<i>Fake accounts</i><br>spread claims", "Fake accounts. Spread claims")
	    == 1.0);
	/* Cyrillic and Greek capitals, final sigma */
	assert_true(sim("\xd0\x9c\xd0\x9e\xd0\xa1\xd0\x9a\xd0\x92\xd0\x90 \xd0\x97\xd0\x90\xd0\xaf"
	    "\xd0\x92\xd0\x98\xd0\x9b\xd0\x90", "\xd0\xbc\xd0\xbe\xd1\x81\xd0\xba\xd0\xb2\xd0\xb0 "
	    "\xd0\xb7\xd0\xb0\xd1\x8f\xd0\xb2\xd0\xb8\xd0\xbb\xd0\xb0") == 1.0);
	assert_true(sim("\xce\x9b\xce\x9f\xce\x93\xce\x9f\xce\xa3 \xce\xb1",
	    "\xce\xbb\xce\xbf\xce\xb3\xce\xbf\xcf\x82 \xce\xb1") == 1.0);
	/* fullwidth letters are their ASCII ones */
	assert_true(sim("\xef\xbc\xb2\xef\xbc\xb4 news today", "rt news today") == 1.0);
	/* sentence order does not matter: shingles stay inside a sentence */
	assert_true(sim("Troll farm buys ads. Bots amplify hashtag quickly.",
	    "Bots amplify hashtag quickly. Troll farm buys ads.") == 1.0);
	/* a decimal point or a dotted name does not end a sentence; a full stop does */
	assert_true(sim("grew 3.5 percent at example.org", "grew 3 5 percent at example org")
	    == 1.0);
	assert_true(sim("grew 3. 5 percent at example. org", "grew 3 5 percent at example org")
	    < 1.0);
	/* what is not UTF-8 separates words */
	assert_true(sim("fake\xffnews site", "fake news site") == 1.0);
	/* Han characters are words of one character */
	assert_true(sim("\xe6\x9d\xb1\xe4\xba\xac\xe9\x83\xbd", "\xe6\x9d\xb1 \xe4\xba\xac "
	    "\xe9\x83\xbd") == 1.0);
	/* word order inside a sentence does matter */
	assert_true(sim("troll farm buys ads", "ads buys farm troll") < 0.2);
	/* unrelated texts */
	assert_true(sim("Troll farm buys political ads on social platforms ahead of vote.",
	    "Deepfake audio of a minister circulated on messaging apps in spring.") < 0.1);
}

static void
test_empty(void **state)
{
	static const char *const texts[] = { "", "   ", "...!?", "the of and a to",
		"<br><i></i>", "\xff\xfe" };
	struct hl_simtext_sig s, t;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(hl_simtext_sign(texts[i], strlen(texts[i]), &s), HL_OK);
		assert_int_equal(s.shingles, 0);
		/* similar to nothing, not even itself */
		assert_true(hl_simtext_similarity(&s, &s) == 0.0);
	}
	assert_int_equal(hl_simtext_sign(NULL, 0, &s), HL_OK);
	assert_int_equal(s.shingles, 0);
	assert_int_equal(hl_simtext_sign("one", 3, &t), HL_OK);
	assert_int_equal(t.shingles, 1);
	assert_true(hl_simtext_similarity(&t, &t) == 1.0);
	assert_true(hl_simtext_similarity(&s, &t) == 0.0);
}

static void
test_limits(void **state)
{
	struct hl_simtext_sig s;
	char *big = malloc(HL_SIMTEXT_MAX_BYTES + 1);
	size_t i;

	(void)state;
	assert_non_null(big);
	for (i = 0; i < HL_SIMTEXT_MAX_BYTES + 1; i++)
		big[i] = i % 8 == 7 ? ' ' : (char)('a' + (i / 8) % 26);
	assert_int_equal(hl_simtext_sign(big, HL_SIMTEXT_MAX_BYTES + 1, &s), HL_ERR_TOO_BIG);
	assert_int_equal(s.shingles, 0);
	assert_int_equal(hl_simtext_sign(big, HL_SIMTEXT_MAX_BYTES, &s), HL_OK);
	assert_true(s.shingles > 100000);
	assert_int_equal(hl_simtext_sign(NULL, 1, &s), HL_ERR_INVALID);
	assert_int_equal(sign_with("a b", 3, 0, 1, &s), HL_ERR_INVALID);
	assert_int_equal(sign_with("a b", 3, SHINGLE_MAX + 1, 1, &s), HL_ERR_INVALID);
	free(big);
}

/* A text of sentences, each three made-up words no other sentence has:
 * one shingle set per sentence, so Jaccard is known exactly. */
static char *
sentences_text(unsigned from, unsigned to)
{
	char *t = malloc((size_t)(to - from) * 40 + 1), *p = t;
	unsigned i;

	assert_non_null(t);
	for (i = from; i < to; i++)
		p += sprintf(p, "zq%ua zq%ub zq%uc. ", i, i, i);
	*p = '\0';
	return t;
}

static void
test_estimate(void **state)
{
	static const struct {
		unsigned a0, a1, b0, b1;
	} v[] = {
		{ 0, 100, 50, 150 },   /* 50 / 150 */
		{ 0, 200, 0, 100 },    /* 100 / 200 */
		{ 0, 100, 90, 190 },   /* 10 / 190 */
		{ 0, 300, 30, 300 },   /* 270 / 300 */
	};
	char *a, *b;
	double want, got;
	size_t i;
	unsigned k;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		a = sentences_text(v[i].a0, v[i].a1);
		b = sentences_text(v[i].b0, v[i].b1);
		k = (v[i].a1 < v[i].b1 ? v[i].a1 : v[i].b1) - (v[i].a0 > v[i].b0 ? v[i].a0 : v[i].b0);
		want = (double)k / (double)((v[i].a1 > v[i].b1 ? v[i].a1 : v[i].b1) -
		    (v[i].a0 < v[i].b0 ? v[i].a0 : v[i].b0));
		got = sim(a, b);
		/* four standard errors (sqrt(J(1-J)/128) <= 0.044) */
		if (got < want - 0.18 || got > want + 0.18)
			fail_msg("pair %zu: estimate %.3f, Jaccard %.3f", i, got, want);
		free(a);
		free(b);
	}
}

/* The hashing pinned: signatures made before a change must compare with
 * those made after, so a change here is a format change. */
static void
test_pinned(void **state)
{
	struct hl_simtext_sig s;
	uint64_t h = FNV_OFFSET;
	size_t i;

	(void)state;
	assert_int_equal(hl_simtext_sign("Troll farm buys political ads. Bots amplify it.", 47,
	    &s), HL_OK);
	assert_int_equal(s.shingles, 5);   /* troll farm buys political ads; bots amplify */
	for (i = 0; i < HL_SIMTEXT_HASHES; i++)
		h = (h ^ s.min[i]) * FNV_PRIME;
	if (h != 0x0e3ee4a82b35d409ull)
		print_message("signature digest now %#" PRIx64 "\n", h);
	assert_true(h == 0x0e3ee4a82b35d409ull);
}

static void
test_stix_text(void **state)
{
	static const char *const kinds[] = { "report", "incident", "campaign" };
	static const char *const others[] = { "indicator", "attack-pattern", "x-narrative",
		"note", "threat-actor" };
	struct hl_simtext_sig s;
	json_t *o;
	char *t = (char *)1;
	size_t n = 9, i;

	(void)state;
	for (i = 0; i < 3; i++) {
		o = json_pack("{s:s,s:s,s:s}", "type", kinds[i], "name", "Name",
		    "description", "Text here.");
		assert_int_equal(hl_simtext_stix_text(o, &t, &n), HL_OK);
		assert_string_equal(t, "Name\nText here.");
		assert_int_equal(n, 15);
		hl_free(t);
		assert_int_equal(hl_simtext_sign_stix(o, &s), HL_OK);
		assert_int_equal(s.shingles, 2);
		json_decref(o);
	}
	for (i = 0; i < sizeof(others) / sizeof(others[0]); i++) {
		o = json_pack("{s:s,s:s}", "type", others[i], "name", "x");
		assert_int_equal(hl_simtext_stix_text(o, &t, &n), HL_ERR_NOT_APPLICABLE);
		assert_null(t);
		assert_int_equal(n, 0);
		assert_int_equal(hl_simtext_sign_stix(o, &s), HL_ERR_NOT_APPLICABLE);
		json_decref(o);
	}
	o = json_pack("{s:s}", "type", "report");   /* neither: an empty text */
	assert_int_equal(hl_simtext_stix_text(o, &t, &n), HL_OK);
	assert_string_equal(t, "\n");
	hl_free(t);
	json_decref(o);
	o = json_pack("{s:s,s:i}", "type", "incident", "name", 3);
	assert_int_equal(hl_simtext_stix_text(o, &t, &n), HL_ERR_MALFORMED);
	json_decref(o);
	o = json_pack("{s:i}", "type", 3);
	assert_int_equal(hl_simtext_stix_text(o, &t, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_simtext_stix_text(NULL, &t, &n), HL_ERR_MALFORMED);
	json_decref(o);
	/* allocation failure */
	o = json_pack("{s:s,s:s}", "type", "report", "name", "x");
	hl_alloc_fail_at(1);
	assert_int_equal(hl_simtext_stix_text(o, &t, &n), HL_ERR_NOMEM);
	hl_alloc_fail_at(0);
	json_decref(o);
}

/* The converter's incident of a real page is a narrative: its report and
 * incident say the same. */
static void
test_disarm_incident(void **state)
{
	static const struct hl_disarm_opts opts = { "2026-01-02T03:04:05Z", NULL };
	struct hl_simtext_sig a, b;
	json_t *bundle = NULL, *objs;
	size_t len;
	char *p = test_fixture("disarm/incidents", "I00005.md", &len), err[256];

	(void)state;
	assert_int_equal(hl_disarm_convert((uint8_t *)p, len, &opts, &bundle, err, sizeof(err)),
	    HL_OK);
	objs = json_object_get(bundle, "objects");
	assert_int_equal(hl_simtext_sign_stix(json_array_get(objs, 0), &a), HL_OK);
	assert_int_equal(hl_simtext_sign_stix(json_array_get(objs, json_array_size(objs) - 1),
	    &b), HL_OK);
	assert_true(a.shingles > 100);
	/* the report's name says more than the incident's: nearly the same */
	assert_true(hl_simtext_similarity(&a, &b) > 0.9);
	json_decref(bundle);
	free(p);
}

/* ---- the index against every pair ---- */

#define CORPUS 400

/* Families of texts: each family a base text and versions with a share
 * of its words replaced, so that similarities spread from 0 to 1. */
static char *
family_text(unsigned fam, unsigned version, uint64_t *rs)
{
	char *t = malloc(4096), *p = t;
	unsigned i;

	assert_non_null(t);
	for (i = 0; i < 60; i++) {
		*rs += GOLDEN;
		if (version > 0 && hl_mix64(*rs) % 10 < version)
			p += sprintf(p, "w%u ", (unsigned)(hl_mix64(*rs ^ 1) % 5000));
		else
			p += sprintf(p, "f%uw%u ", fam, i);
		if (i % 12 == 11)
			p += sprintf(p, ". ");
	}
	*p = '\0';
	return t;
}

struct hits {
	unsigned char seen[CORPUS];
	size_t n;
	int stop_after;
};

static int
hit(void *arg, uint64_t item, double s)
{
	struct hits *h = arg;

	assert_true(item < CORPUS);
	assert_false(h->seen[item]);
	(void)s;
	h->seen[item] = 1;
	h->n++;
	return h->stop_after > 0 && h->n >= (size_t)h->stop_after;
}

static void
test_index_vs_all_pairs(void **state)
{
	static struct hl_simtext_sig sigs[CORPUS];
	struct hl_simtext_index *idx = NULL;
	struct hits h;
	uint64_t rs = 7;
	size_t i, j, want, missed = 0, found = 0, high = 0;
	double t = HL_SIMTEXT_THRESHOLD_DEFAULT, s;
	char *txt;

	(void)state;
	for (i = 0; i < CORPUS; i++) {
		txt = family_text((unsigned)(i / 8), (unsigned)(i % 8), &rs);
		assert_int_equal(hl_simtext_sign(txt, strlen(txt), &sigs[i]), HL_OK);
		free(txt);
	}
	assert_int_equal(hl_simtext_index_new(CORPUS, &idx), HL_OK);
	for (i = 0; i < CORPUS; i++)
		assert_int_equal(hl_simtext_index_add(idx, i, &sigs[i]), HL_OK);
	assert_int_equal(hl_simtext_index_count(idx), CORPUS);
	assert_int_equal(hl_simtext_index_add(idx, 0, &sigs[0]), HL_ERR_FULL);
	for (i = 0; i < CORPUS; i++) {
		memset(&h, 0, sizeof(h));
		assert_int_equal(hl_simtext_index_query(idx, &sigs[i], t, hit, &h), HL_OK);
		assert_true(h.seen[i]);   /* itself */
		for (j = 0; j < CORPUS; j++) {
			s = hl_simtext_similarity(&sigs[i], &sigs[j]);
			want = s >= t;
			/* never anything below the threshold */
			if (h.seen[j] && !want)
				fail_msg("%zu ~ %zu: %.3f reported below %.2f", i, j, s, t);
			if (want && !h.seen[j])
				missed++;
			found += want && h.seen[j];
			if (s >= 0.4) {
				high++;
				/* 1-(1-0.16)^64: a miss here is a one in 10^5 event */
				assert_true(h.seen[j]);
			}
		}
	}
	print_message("index: %zu pairs found at >= %.2f, %zu missed; %zu at >= 0.4, none missed; "
	    "%zu candidates checked (all pairs: %d)\n", found, t, missed, high, idx->checked,
	    CORPUS * CORPUS);
	/* LSH misses some pairs near the threshold, by design: few */
	assert_true(missed * 20 < found);
	assert_true(idx->checked < (size_t)CORPUS * CORPUS / 4);
	/* a callback may stop the query */
	memset(&h, 0, sizeof(h));
	h.stop_after = 1;
	assert_int_equal(hl_simtext_index_query(idx, &sigs[0], 0.01, hit, &h), HL_OK);
	assert_int_equal(h.n, 1);
	hl_simtext_index_free(idx);
}

static void
test_index_args(void **state)
{
	struct hl_simtext_index *idx = (struct hl_simtext_index *)1;
	struct hl_simtext_sig s, empty;
	struct hits h;

	(void)state;
	assert_int_equal(hl_simtext_index_new(0, &idx), HL_ERR_INVALID);
	assert_null(idx);
	assert_int_equal(hl_simtext_index_new(HL_SIMTEXT_INDEX_MAX + 1, &idx), HL_ERR_INVALID);
	assert_int_equal(hl_simtext_index_new(2, &idx), HL_OK);
	assert_int_equal(hl_simtext_sign("bots amplify hashtag", 20, &s), HL_OK);
	assert_int_equal(hl_simtext_sign("", 0, &empty), HL_OK);
	memset(&h, 0, sizeof(h));
	/* an empty index, a bad threshold */
	assert_int_equal(hl_simtext_index_query(idx, &s, 0.5, hit, &h), HL_OK);
	assert_int_equal(h.n, 0);
	assert_int_equal(hl_simtext_index_query(idx, &s, 0.0, hit, &h), HL_ERR_INVALID);
	assert_int_equal(hl_simtext_index_query(idx, &s, 1.5, hit, &h), HL_ERR_INVALID);
	assert_int_equal(hl_simtext_index_query(idx, &s, NAN, hit, &h), HL_ERR_INVALID);
	/* a signature without words is kept but similar to nothing */
	assert_int_equal(hl_simtext_index_add(idx, 1, &empty), HL_OK);
	assert_int_equal(hl_simtext_index_add(idx, 0, &s), HL_OK);
	assert_int_equal(hl_simtext_index_query(idx, &empty, 0.5, hit, &h), HL_OK);
	assert_int_equal(h.n, 0);
	assert_int_equal(hl_simtext_index_query(idx, &s, 1.0, hit, &h), HL_OK);
	assert_int_equal(h.n, 1);
	assert_true(h.seen[0]);
	/* the query stamps wrap without a candidate looking checked */
	idx->query = UINT32_MAX;
	memset(&h, 0, sizeof(h));
	assert_int_equal(hl_simtext_index_query(idx, &s, 1.0, hit, &h), HL_OK);
	assert_int_equal(h.n, 1);
	hl_simtext_index_free(idx);
	hl_simtext_index_free(NULL);
}

/* Each allocation of a growing index failing in turn: an error, the index
 * still usable and nothing leaked. */
static void
test_index_alloc_failures(void **state)
{
	struct hl_simtext_index *idx = NULL;
	struct hl_simtext_sig s;
	int64_t live = hl_alloc_live();
	uint64_t n;
	size_t i;
	int r;

	(void)state;
	assert_int_equal(hl_simtext_sign("bots amplify hashtag", 20, &s), HL_OK);
	for (n = 1; n < 12; n++) {
		assert_int_equal(hl_simtext_index_new(1000, &idx), HL_OK);
		hl_alloc_fail_at(n);
		for (i = 0, r = HL_OK; i < 200 && r == HL_OK; i++)
			r = hl_simtext_index_add(idx, i, &s);
		hl_alloc_fail_at(0);
		assert_true(r == HL_OK || r == HL_ERR_NOMEM);
		/* what was added is still found */
		for (; i < 200; i++)
			assert_int_equal(hl_simtext_index_add(idx, i, &s), HL_OK);
		assert_int_equal(hl_simtext_index_count(idx), r == HL_OK ? 200 : 199);
		hl_simtext_index_free(idx);
		assert_int_equal(hl_alloc_live(), live);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stop_words_sorted),
		cmocka_unit_test(test_lower),
		cmocka_unit_test(test_normalisation),
		cmocka_unit_test(test_empty),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_estimate),
		cmocka_unit_test(test_pinned),
		cmocka_unit_test(test_stix_text),
		cmocka_unit_test(test_disarm_incident),
		cmocka_unit_test(test_index_vs_all_pairs),
		cmocka_unit_test(test_index_args),
		cmocka_unit_test(test_index_alloc_failures),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
