/* test_label.c: labels, their binary form, and the release rules, the last
 * checked against a naive reference model on random input. */
#include <stdlib.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "buf.h"
#include "envelope.h"
#include "errors.h"
#include "label.h"

static uint64_t rng_state;

static uint64_t
rng(void)
{
	uint64_t x = rng_state;

	x ^= x << 13;
	x ^= x >> 7;
	x ^= x << 17;
	return rng_state = x;
}

static unsigned
rnd(unsigned n)
{
	return (unsigned)(rng() % n);
}

/* sorted */
static const char *const pool[] = {
	"AUS", "CAN", "DEU", "FRA", "GBR", "JPN", "KOR", "NATO", "NZL", "USA",
};
#define NPOOL (sizeof(pool) / sizeof(pool[0]))

static void
make_label(struct hl_label *l, const char *policy, uint8_t cls, uint8_t tlp, const char *csv)
{
	memset(l, 0, sizeof(*l));
	snprintf(l->policy, sizeof(l->policy), "%s", policy);
	l->classification = cls;
	l->tlp = tlp;
	assert_int_equal(hl_partner_list_parse(csv, l->rel, HL_RELEASABLE_MAX, &l->nrel), HL_OK);
}

static void
test_policy_and_names(void **state)
{
	struct hl_policy p;
	uint8_t v;
	char partner[HL_PARTNER_MAX + 1];
	char longname[100];

	(void)state;
	hl_policy_default(&p);
	assert_string_equal(p.id, "hotline-default");
	assert_int_equal(p.nlevels, 4);
	assert_int_equal(hl_policy_level(&p, "secret", &v), HL_OK);
	assert_int_equal(v, 3);
	assert_int_equal(hl_policy_level(&p, "UNCLASSIFIED", &v), HL_OK);
	assert_int_equal(v, 0);
	assert_int_not_equal(hl_policy_level(&p, "TOP SECRET", &v), HL_OK);
	assert_string_equal(hl_policy_level_name(&p, 2), "CONFIDENTIAL");
	assert_string_equal(hl_policy_level_name(&p, 4), "?");

	assert_true(hl_partner_valid("USA"));
	assert_true(hl_partner_valid("NATO"));
	assert_true(hl_partner_valid("AB12CD34"));
	assert_false(hl_partner_valid("U"));
	assert_false(hl_partner_valid("usa"));
	assert_false(hl_partner_valid("ABCDEFGHI"));
	assert_false(hl_partner_valid("US-A"));
	assert_false(hl_partner_valid(""));

	assert_true(hl_label_node_name_valid("JPN/tokyo-1", partner));
	assert_string_equal(partner, "JPN");
	assert_true(hl_label_node_name_valid("NATO/a.b_c-D", NULL));
	assert_false(hl_label_node_name_valid("JPN", partner));
	assert_string_equal(partner, "");
	assert_false(hl_label_node_name_valid("JPN/", NULL));
	assert_false(hl_label_node_name_valid("jpn/tokyo", NULL));
	assert_false(hl_label_node_name_valid("JPN/to kyo", NULL));
	assert_false(hl_label_node_name_valid("JPN/a/b", NULL));
	assert_false(hl_label_node_name_valid("/tokyo", NULL));
	memset(longname, 'a', sizeof(longname));
	memcpy(longname, "JPN/", 4);
	longname[HL_NODE_NAME_MAX] = '\0';   /* exactly 64 bytes */
	assert_true(hl_label_node_name_valid(longname, NULL));
	longname[HL_NODE_NAME_MAX] = 'a';
	longname[HL_NODE_NAME_MAX + 1] = '\0';
	assert_false(hl_label_node_name_valid(longname, NULL));
}

static void
test_tlp(void **state)
{
	uint8_t t;

	(void)state;
	assert_int_equal(hl_tlp_parse("red", &t), HL_OK);
	assert_int_equal(t, HL_TLP_RED);
	assert_int_equal(hl_tlp_parse("TLP:AMBER+STRICT", &t), HL_OK);
	assert_int_equal(t, HL_TLP_AMBER_STRICT);
	assert_int_equal(hl_tlp_parse("tlp:white", &t), HL_OK);
	assert_int_equal(t, HL_TLP_CLEAR);
	assert_int_equal(hl_tlp_parse("Green", &t), HL_OK);
	assert_int_equal(t, HL_TLP_GREEN);
	assert_int_not_equal(hl_tlp_parse("purple", &t), HL_OK);
	assert_int_not_equal(hl_tlp_parse("", &t), HL_OK);
	assert_int_not_equal(hl_tlp_parse("TLP:", &t), HL_OK);
	assert_string_equal(hl_tlp_name(HL_TLP_AMBER_STRICT), "AMBER+STRICT");
	assert_string_equal(hl_tlp_name(HL_TLP_CLEAR), "CLEAR");
	assert_string_equal(hl_tlp_name(9), "?");
}

static void
test_partner_list(void **state)
{
	char out[HL_RELEASABLE_MAX][HL_PARTNER_MAX + 1];
	char big[512];
	unsigned n, i;
	size_t off = 0;

	(void)state;
	assert_int_equal(hl_partner_list_parse(" usa, JPN ,kor,USA", out, HL_RELEASABLE_MAX, &n),
	    HL_OK);
	assert_int_equal(n, 3);
	assert_string_equal(out[0], "JPN");
	assert_string_equal(out[1], "KOR");
	assert_string_equal(out[2], "USA");
	assert_int_equal(hl_partner_list_parse("", out, HL_RELEASABLE_MAX, &n), HL_OK);
	assert_int_equal(n, 0);
	assert_int_equal(hl_partner_list_parse("USA,,JPN", out, HL_RELEASABLE_MAX, &n),
	    HL_ERR_INVALID);
	assert_int_equal(n, 0);
	assert_int_equal(hl_partner_list_parse("USA,J", out, HL_RELEASABLE_MAX, &n),
	    HL_ERR_INVALID);
	assert_int_equal(hl_partner_list_parse("USA,ABCDEFGHI", out, HL_RELEASABLE_MAX, &n),
	    HL_ERR_INVALID);
	assert_int_equal(hl_partner_list_parse("US A", out, HL_RELEASABLE_MAX, &n),
	    HL_ERR_INVALID);
	assert_int_equal(hl_partner_list_parse("USA,JPN,KOR", out, 2, &n), HL_ERR_TOO_BIG);
	for (i = 0; i < HL_RELEASABLE_MAX + 1; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "%sP%02u", i ? "," : "", i);
	assert_int_equal(hl_partner_list_parse(big, out, HL_RELEASABLE_MAX, &n), HL_ERR_TOO_BIG);
}

static void
test_make_and_format(void **state)
{
	struct hl_policy p;
	struct hl_label l;
	char err[200], f[200];

	(void)state;
	hl_policy_default(&p);
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "secret",
	    .releasable = "usa,kor,jpn", .tlp = "amber" }, &l, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_label_check_policy(&l, &p), HL_OK);
	hl_label_format(&l, &p, f, sizeof(f));
	assert_string_equal(f, "SECRET//REL TO JPN, KOR, USA//TLP:AMBER");
	assert_true(hl_label_releasable_to(&l, "KOR"));
	assert_false(hl_label_releasable_to(&l, "GBR"));
	/* truncated output stays a NUL-terminated prefix */
	hl_label_format(&l, &p, f, 10);
	assert_string_equal(f, "SECRET//R");

	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "cosmic",
	    .releasable = "USA", .tlp = "red" }, &l, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "cosmic"));
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "", .tlp = "red" }, &l, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "releasable"));
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "USA", .tlp = "pink" }, &l, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "pink"));
	assert_int_not_equal(hl_label_make(&p,
	    &(struct hl_label_spec){ .classification = "SECRET", .releasable = "U$A",
	    .tlp = "red" }, &l, err, sizeof(err)), HL_OK);
	assert_true(err[0] != '\0');

	/* foreign policy: checked and formatted without a level name */
	make_label(&l, "other-policy", 2, HL_TLP_GREEN, "USA");
	assert_int_equal(hl_label_check_policy(&l, &p), HL_ERR_INVALID);
	hl_label_format(&l, &p, f, sizeof(f));
	assert_string_equal(f, "other-policy:2//REL TO USA//TLP:GREEN");
	make_label(&l, "hotline-default", 4, HL_TLP_GREEN, "USA");
	assert_int_equal(hl_label_check_policy(&l, &p), HL_ERR_INVALID);
}

/* The two forms of releasable-to give the same label; a field left out is
 * named in the error; both forms at once are refused. */
static void
test_make_spec_forms(void **state)
{
	static const char *const codes[] = { "USA", "JPN", "USA", "KOR" };
	static const char *const bad[] = { "JPN", "jpn" };
	const char *many[HL_RELEASABLE_MAX + 1];
	char names[HL_RELEASABLE_MAX + 1][8];
	struct hl_policy p;
	struct hl_label a, b;
	char err[200];
	unsigned i;

	(void)state;
	hl_policy_default(&p);
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "USA,JPN,USA,KOR", .tlp = "amber" }, &a, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .rel = codes, .nrel = 4, .tlp = "amber" }, &b, err, sizeof(err)), HL_OK);
	assert_memory_equal(&a, &b, sizeof(a));
	assert_int_equal(b.nrel, 3);
	assert_string_equal(b.rel[0], "JPN");
	assert_string_equal(b.rel[2], "USA");

	/* the array form takes codes as they are: no case folding */
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .rel = bad, .nrel = 2, .tlp = "amber" }, &b, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "releasable-to"));
	assert_int_equal(b.nrel, 0);
	for (i = 0; i <= HL_RELEASABLE_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "P%02u", i);
		many[i] = names[i];
	}
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .rel = many, .nrel = HL_RELEASABLE_MAX, .tlp = "amber" }, &b, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .rel = many, .nrel = HL_RELEASABLE_MAX + 1, .tlp = "amber" }, &b, err,
	    sizeof(err)), HL_ERR_TOO_BIG);
	assert_non_null(strstr(err, "more than"));

	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .releasable = "USA",
	    .tlp = "amber" }, &b, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "classification"));
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .tlp = "amber" }, &b, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "releasable-to"));
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "USA" }, &b, err, sizeof(err)), HL_ERR_INVALID);
	assert_non_null(strstr(err, "TLP"));
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "USA", .rel = codes, .nrel = 1, .tlp = "red" }, &b, err, sizeof(err)),
	    HL_ERR_INVALID);
	assert_non_null(strstr(err, "twice"));
	/* no error buffer: still refused, nothing written */
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "x",
	    .releasable = "USA", .tlp = "red" }, &b, NULL, 0), HL_ERR_INVALID);
}

static void
test_may_send_messages(void **state)
{
	struct hl_policy p;
	struct hl_label l;
	char why[HL_REASON_MAX + 1];

	(void)state;
	hl_policy_default(&p);
	make_label(&l, p.id, 2, HL_TLP_RED, "USA,JPN");
	assert_int_equal(hl_label_may_send(&l, &p, "KOR/node-1", "KOR", 3, 1, why, sizeof(why)),
	    HL_ERR_DENIED);
	assert_string_equal(why, "KOR/node-1: partner KOR is not in releasable-to (JPN, USA)");
	assert_int_equal(hl_label_may_send(&l, &p, "JPN/tokyo-1", "JPN", 1, 1, why, sizeof(why)),
	    HL_ERR_DENIED);
	assert_non_null(strstr(why, "JPN/tokyo-1"));
	assert_non_null(strstr(why, "CONFIDENTIAL"));
	assert_non_null(strstr(why, "RESTRICTED"));
	assert_int_equal(hl_label_may_send(&l, &p, "JPN/tokyo-1", "JPN", 2, 0, why, sizeof(why)),
	    HL_ERR_DENIED);
	assert_non_null(strstr(why, "JPN/tokyo-1: TLP:RED"));
	assert_int_equal(hl_label_may_send(&l, &p, "JPN/tokyo-1", "JPN", 2, 1, why, sizeof(why)),
	    HL_OK);
	assert_string_equal(why, "");
}

/* ---- reference model (style rule 30) ---- */

static int
naive_releasable(const struct hl_label *l, const char *partner)
{
	unsigned i;
	int found = 0;

	for (i = 0; i < l->nrel; i++)
		found |= strcmp(l->rel[i], partner) == 0;
	return found;
}

static int
naive_policy_ok(const struct hl_label *l, const struct hl_policy *p)
{
	return strcmp(l->policy, p->id) == 0 && l->classification < p->nlevels &&
	    l->tlp <= HL_TLP_RED && l->nrel >= 1;
}

static int
naive_may_send(const struct hl_label *l, const struct hl_policy *p, const char *partner,
    uint8_t acc, int named)
{
	if (!naive_policy_ok(l, p))
		return 0;
	if (!naive_releasable(l, partner))
		return 0;
	if (l->classification > acc)
		return 0;
	if (l->tlp == HL_TLP_RED && !named)
		return 0;
	return 1;
}

static int
naive_may_receive(const struct hl_label *l, const struct hl_policy *p, const char *partner,
    uint8_t acc)
{
	if (!naive_policy_ok(l, p))
		return HL_REASON_POLICY;
	if (!naive_releasable(l, partner))
		return HL_REASON_NOT_RELEASABLE;
	if (l->classification > acc)
		return HL_REASON_ACCREDITATION;
	return HL_REASON_NONE;
}

static void
random_label(struct hl_label *l)
{
	unsigned i;

	memset(l, 0, sizeof(*l));
	snprintf(l->policy, sizeof(l->policy), "%s",
	    rnd(10) == 0 ? "other-policy" : "hotline-default");
	l->classification = (uint8_t)rnd(5);   /* 4 is outside the default policy */
	l->tlp = (uint8_t)rnd(5);
	for (i = 0; i < NPOOL; i++)
		if (rnd(3) == 0)
			snprintf(l->rel[l->nrel++], HL_PARTNER_MAX + 1, "%s", pool[i]);
	if (l->nrel == 0)
		snprintf(l->rel[l->nrel++], HL_PARTNER_MAX + 1, "%s", pool[rnd(NPOOL)]);
}

static void
test_reference_model(void **state)
{
	struct hl_policy p;
	struct hl_label l, d;
	struct hl_buf b;
	char why[HL_REASON_MAX + 1], node[HL_NODE_NAME_MAX + 1];
	const char *partner;
	unsigned iter, denied = 0, allowed = 0;
	uint8_t acc;
	int named, got, want, reason;

	(void)state;
	rng_state = 0x9e3779b97f4a7c15ull;
	hl_policy_default(&p);
	for (iter = 0; iter < 20000; iter++) {
		random_label(&l);
		partner = rnd(12) == 0 ? "ITA" : pool[rnd(NPOOL)];
		snprintf(node, sizeof(node), "%s/n%u", partner, iter);
		acc = (uint8_t)rnd(4);
		named = (int)rnd(2);
		got = hl_label_may_send(&l, &p, node, partner, acc, named, why, sizeof(why));
		want = naive_may_send(&l, &p, partner, acc, named);
		assert_int_equal(got == HL_OK, want);
		if (got == HL_OK) {
			allowed++;
			assert_string_equal(why, "");
		} else {
			denied++;
			assert_int_equal(got, HL_ERR_DENIED);
			/* the reason names the offending recipient node */
			assert_memory_equal(why, node, strlen(node));
			assert_int_equal(why[strlen(node)], ':');
		}
		got = hl_label_may_receive(&l, &p, partner, acc, &reason);
		want = naive_may_receive(&l, &p, partner, acc);
		assert_int_equal(reason, want);
		assert_int_equal(got, want == HL_REASON_NONE ? HL_OK : HL_ERR_DENIED);

		/* and the binary form round-trips */
		hl_buf_init(&b, HL_LABEL_MAX_BYTES);
		assert_int_equal(hl_label_encode(&l, &b), HL_OK);
		assert_int_equal(hl_label_decode(b.data, b.len, &d), HL_OK);
		assert_memory_equal(&l, &d, sizeof(l));
		hl_buf_free(&b);
	}
	/* the random input exercised both outcomes */
	assert_true(allowed > 1000);
	assert_true(denied > 1000);
}

/* hl_label_meet against the naive stricter label, and the stricter one
 * goes nowhere either of the two may not go. */
static void
test_meet_reference(void **state)
{
	struct hl_policy p;
	struct hl_label a, b, m;
	unsigned iter, i, n, empty = 0, met = 0;
	uint8_t acc;
	int got, named;

	(void)state;
	rng_state = 0x2545f4914f6cdd1dull;
	hl_policy_default(&p);
	for (iter = 0; iter < 20000; iter++) {
		random_label(&a);
		random_label(&b);
		got = hl_label_meet(&a, &b, iter % 2 ? "JPN" : NULL, &m);
		if (strcmp(a.policy, b.policy) != 0) {
			assert_int_equal(got, HL_ERR_INVALID);
			continue;
		}
		n = 0;
		for (i = 0; i < NPOOL; i++)
			n += naive_releasable(&a, pool[i]) && naive_releasable(&b, pool[i]);
		if (n == 0) {
			empty++;
			assert_int_equal(got, iter % 2 ? HL_OK : HL_ERR_DENIED);
			if (got == HL_OK) {
				assert_int_equal(m.nrel, 1);
				assert_string_equal(m.rel[0], "JPN");
			}
			continue;
		}
		met++;
		assert_int_equal(got, HL_OK);
		assert_string_equal(m.policy, a.policy);
		assert_int_equal(m.classification, a.classification > b.classification ?
		    a.classification : b.classification);
		assert_int_equal(m.tlp, a.tlp > b.tlp ? a.tlp : b.tlp);
		assert_int_equal(m.nrel, n);
		for (i = 0; i < NPOOL; i++) {
			assert_int_equal(naive_releasable(&m, pool[i]),
			    naive_releasable(&a, pool[i]) && naive_releasable(&b, pool[i]));
			acc = (uint8_t)rnd(4);
			named = (int)rnd(2);
			if (naive_may_send(&m, &p, pool[i], acc, named))
				assert_true(naive_may_send(&a, &p, pool[i], acc, named) &&
				    naive_may_send(&b, &p, pool[i], acc, named));
		}
	}
	assert_true(empty > 100);
	assert_true(met > 1000);
	/* a malformed label */
	random_label(&a);
	b = a;
	b.nrel = 0;
	assert_int_equal(hl_label_meet(&a, &b, "JPN", &m), HL_ERR_INVALID);
}

/* ---- binary form ---- */

static size_t
raw_label(uint8_t *out, uint8_t version, const char *policy, uint8_t cls, uint8_t tlp,
    unsigned n, const char *const *partners)
{
	size_t off = 0, k;
	unsigned i;

	out[off++] = version;
	k = strlen(policy);
	out[off++] = (uint8_t)k;
	memcpy(out + off, policy, k);
	off += k;
	out[off++] = cls;
	out[off++] = tlp;
	out[off++] = (uint8_t)n;
	for (i = 0; i < n; i++) {
		k = strlen(partners[i]);
		out[off++] = (uint8_t)k;
		memcpy(out + off, partners[i], k);
		off += k;
	}
	return off;
}

static void
test_decode_malformed(void **state)
{
	static const char *const ok[] = { "JPN", "KOR", "USA" };
	static const char *const unsorted[] = { "KOR", "JPN" };
	static const char *const dup[] = { "JPN", "JPN" };
	static const char *const lower[] = { "jpn" };
	static const char *const shortc[] = { "J" };
	static const char *const longc[] = { "ABCDEFGHI" };
	static const char *const badc[] = { "J-N" };
	const char *many[HL_RELEASABLE_MAX + 1];
	char names[HL_RELEASABLE_MAX + 1][8];
	uint8_t raw[2048];
	struct hl_label l;
	size_t n, i;

	(void)state;
	n = raw_label(raw, 1, "hotline-default", 3, HL_TLP_AMBER, 3, ok);
	assert_int_equal(hl_label_decode(raw, n, &l), HL_OK);
	assert_int_equal(l.nrel, 3);
	assert_string_equal(l.rel[2], "USA");
	/* every truncation */
	for (i = 0; i < n; i++)
		assert_int_not_equal(hl_label_decode(raw, i, &l), HL_OK);
	/* trailing byte */
	raw[n] = 0;
	assert_int_equal(hl_label_decode(raw, n + 1, &l), HL_ERR_MALFORMED);
	/* the decoder leaves nothing behind on failure */
	assert_int_equal(l.nrel, 0);
	assert_string_equal(l.policy, "");

	n = raw_label(raw, 2, "hotline-default", 3, 0, 3, ok);
	assert_int_equal(hl_label_decode(raw, n, &l), HL_ERR_VERSION);
	n = raw_label(raw, 1, "", 3, 0, 3, ok);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "bad policy", 3, 0, 3, ok);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", HL_LEVELS_MAX, 0, 3, ok);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, HL_TLP_RED + 1, 3, ok);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 0, ok);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 2, unsorted);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 2, dup);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 1, lower);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 1, shortc);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 1, longc);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	n = raw_label(raw, 1, "p", 0, 0, 1, badc);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	/* a policy id longer than HL_POLICY_MAX */
	n = raw_label(raw, 1, "p23456789012345678901234567890123", 0, 0, 3, ok);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	/* 32 partners is the maximum, 33 is refused */
	for (i = 0; i <= HL_RELEASABLE_MAX; i++) {
		snprintf(names[i], sizeof(names[i]), "P%02zu", i);
		many[i] = names[i];
	}
	n = raw_label(raw, 1, "p", 0, 0, HL_RELEASABLE_MAX, many);
	assert_int_equal(hl_label_decode(raw, n, &l), HL_OK);
	assert_int_equal(l.nrel, HL_RELEASABLE_MAX);
	n = raw_label(raw, 1, "p", 0, 0, HL_RELEASABLE_MAX + 1, many);
	assert_int_not_equal(hl_label_decode(raw, n, &l), HL_OK);
	/* oversized input */
	memset(raw, 0, sizeof(raw));
	assert_int_equal(hl_label_decode(raw, HL_LABEL_MAX_BYTES + 1, &l), HL_ERR_TOO_BIG);
}

static void
test_encode_refuses_invalid(void **state)
{
	struct hl_label l;
	struct hl_buf b;

	(void)state;
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	make_label(&l, "hotline-default", 1, 0, "USA,JPN");
	assert_int_equal(hl_label_encode(&l, &b), HL_OK);
	assert_true(b.len > 0);
	l.nrel = 0;
	assert_int_equal(hl_label_encode(&l, &b), HL_ERR_INVALID);
	make_label(&l, "hotline-default", 1, 0, "USA,JPN");
	memcpy(l.rel[0], "USA", 4);   /* unsorted now: USA, USA */
	assert_int_equal(hl_label_encode(&l, &b), HL_ERR_INVALID);
	make_label(&l, "hotline-default", 1, 7, "USA");
	assert_int_equal(hl_label_encode(&l, &b), HL_ERR_INVALID);
	hl_buf_free(&b);
}

/* Releasability groups: a group name in releasable-to (text or array)
 * stands for its members; the label holds the members only; a marking
 * names a group whose members are all in it (largest first), then the
 * rest; 64 partners fit, 65 do not. */
static void
test_groups(void **state)
{
	static const char *const arr[] = { "IP4", "GBR" };
	static const char *const nato[] = { "ALB", "BEL", "BGR", "CAN", "HRV", "CZE", "DNK",
	    "EST", "FIN", "FRA", "DEU", "GRC", "HUN", "ISL", "ITA", "LVA", "LTU", "LUX", "MNE",
	    "NLD", "MKD", "NOR", "POL", "PRT", "ROU", "SVK", "SVN", "ESP", "SWE", "TUR", "GBR",
	    "USA" };
	struct hl_policy p;
	struct hl_label l, l2;
	struct hl_group *g;
	uint8_t enc[HL_LABEL_MAX_BYTES];
	size_t elen = 0;
	char err[200], f[HL_LABEL_TEXT_MAX], big[1024];
	unsigned i;
	size_t off = 0;

	(void)state;
	hl_policy_default(&p);
	assert_int_equal(p.ngroups, 0);
	g = &p.groups[p.ngroups++];
	snprintf(g->name, sizeof(g->name), "NATO");
	for (i = 0; i < 32; i++)
		snprintf(g->members[g->n++], sizeof(g->members[0]), "%s", nato[i]);
	qsort(g->members, g->n, sizeof(g->members[0]), (int (*)(const void *, const void *))strcmp);
	g = &p.groups[p.ngroups++];
	snprintf(g->name, sizeof(g->name), "IP4");
	g->n = 4;
	snprintf(g->members[0], 9, "AUS");
	snprintf(g->members[1], 9, "JPN");
	snprintf(g->members[2], 9, "KOR");
	snprintf(g->members[3], 9, "NZL");
	assert_ptr_equal(hl_policy_group(&p, "nato"), &p.groups[0]);
	assert_null(hl_policy_group(&p, "FVEY"));

	/* REL TO NATO, IP4: 36 partners, formatted by group */
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "nato, IP4, JPN", .tlp = "amber" }, &l, err, sizeof(err)), HL_OK);
	assert_int_equal(l.nrel, 36);
	assert_true(hl_label_releasable_to(&l, "EST"));
	assert_true(hl_label_releasable_to(&l, "NZL"));
	assert_false(hl_label_releasable_to(&l, "NATO"));   /* members, not the name */
	hl_label_format(&l, &p, f, sizeof(f));
	assert_string_equal(f, "SECRET//REL TO NATO, IP4//TLP:AMBER");
	/* it travels as 36 codes, and decodes to the same */
	assert_int_equal(hl_label_encode_to(&l, enc, &elen), HL_OK);
	assert_int_equal(hl_label_decode(enc, elen, &l2), HL_OK);
	assert_int_equal(l2.nrel, 36);
	assert_memory_equal(l2.rel, l.rel, sizeof(l.rel));
	/* a receiver without the groups shows every partner */
	{
		struct hl_policy bare;

		hl_policy_default(&bare);
		hl_label_format(&l, &bare, f, sizeof(f));
		assert_int_equal(strncmp(f, "SECRET//REL TO ALB, AUS, BEL, ", 30), 0);
		assert_non_null(strstr(f, ", USA//TLP:AMBER"));
	}
	/* the array form; a group not all present is not named */
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .rel = arr, .nrel = 2, .tlp = "green" }, &l, err, sizeof(err)), HL_OK);
	assert_int_equal(l.nrel, 5);
	hl_label_format(&l, &p, f, sizeof(f));
	assert_string_equal(f, "SECRET//REL TO IP4, GBR//TLP:GREEN");
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "JPN,KOR,AUS", .tlp = "green" }, &l, err, sizeof(err)), HL_OK);
	hl_label_format(&l, &p, f, sizeof(f));
	assert_string_equal(f, "SECRET//REL TO AUS, JPN, KOR//TLP:GREEN");
	/* 64 partners fit; 65 do not */
	for (i = 0; i < HL_RELEASABLE_MAX; i++)
		off += (size_t)snprintf(big + off, sizeof(big) - off, "%sQ%02u", i ? "," : "", i);
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = big, .tlp = "green" }, &l, err, sizeof(err)), HL_OK);
	assert_int_equal(l.nrel, HL_RELEASABLE_MAX);
	assert_int_equal(hl_label_encode_to(&l, enc, &elen), HL_OK);
	assert_int_equal(hl_label_decode(enc, elen, &l2), HL_OK);
	hl_label_format(&l, &p, f, sizeof(f));
	assert_non_null(strstr(f, "Q63//TLP:GREEN"));   /* the whole marking fits */
	assert_int_equal(hl_label_make(&p, &(struct hl_label_spec){ .classification = "SECRET",
	    .releasable = "NATO, IP4, Q00, Q01, Q02, Q03, Q04, Q05, Q06, Q07, Q08, Q09, Q10, Q11, "
	    "Q12, Q13, Q14, Q15, Q16, Q17, Q18, Q19, Q20, Q21, Q22, Q23, Q24, Q25, Q26, Q27, Q28",
	    .tlp = "green" }, &l, err, sizeof(err)), HL_ERR_TOO_BIG);
	assert_non_null(strstr(err, "more than 64"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_policy_and_names),
		cmocka_unit_test(test_tlp),
		cmocka_unit_test(test_partner_list),
		cmocka_unit_test(test_make_and_format),
		cmocka_unit_test(test_make_spec_forms),
		cmocka_unit_test(test_may_send_messages),
		cmocka_unit_test(test_reference_model),
		cmocka_unit_test(test_meet_reference),
		cmocka_unit_test(test_groups),
		cmocka_unit_test(test_decode_malformed),
		cmocka_unit_test(test_encode_refuses_invalid),
	};

	return cmocka_run_group_tests_name("label", tests, NULL, NULL);
}
