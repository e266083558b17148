/* test_taxii.c: the TAXII query-string parser and the signed "next" token,
 * the two parts of the TAXII server that read untrusted request text
 * before any database work. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include <openssl/hmac.h>

#include "taxii.h"

static struct hl_taxii_query tq;
static char err[320];

static int
parse(const char *qs, unsigned allowed)
{
	err[0] = '\0';
	return hl_taxii_parse_query(qs, allowed, &tq, err, sizeof(err));
}

static void
test_query_valid(void **state)
{
	(void)state;
	assert_int_equal(parse(NULL, 31), HL_OK);
	assert_int_equal(tq.limit, HL_TAXII_LIMIT_DEFAULT);
	assert_int_equal(parse("added_after=2026-01-02T03:04:05.5Z&limit=50", 1), HL_OK);
	assert_true(tq.has_added_after);
	assert_true(tq.added_after == 1767323045500000ull);
	assert_int_equal(tq.limit, 50);
	assert_int_equal(parse("limit=999999999", 1), HL_OK);
	assert_int_equal(tq.limit, HL_TAXII_LIMIT_MAX);
	assert_int_equal(parse("match%5Btype%5D=indicator,attack-pattern&match[spec_version]=2.1",
	    31), HL_OK);
	assert_int_equal(tq.q.ntypes, 2);
	assert_string_equal(tq.q.types[1], "attack-pattern");
	assert_int_equal(tq.q.nspec, 1);
	assert_int_equal(parse("match[id]=indicator--8e2e2d2b-17d4-4cbf-938f-98ee46b3cd3f", 2),
	    HL_OK);
	assert_int_equal(tq.q.nids, 1);
	assert_int_equal(parse("match[version]=first", 8), HL_OK);
	assert_int_equal(tq.q.vsel, HL_STIX_V_FIRST);
	assert_int_equal(parse("match[version]=2016-04-06T20:03:48.000Z,2017-01-01T00:00:00Z", 8),
	    HL_OK);
	assert_int_equal(tq.q.vsel, HL_STIX_V_LIST);
	assert_int_equal(tq.q.nvkeys, 2);
	assert_int_equal(parse("match[version]=all", 8), HL_OK);
	assert_int_equal(tq.q.vsel, HL_STIX_V_ALL);
}

static void
expect_refused(const char *qs, unsigned allowed, const char *why)
{
	int r = parse(qs, allowed);

	if (r == HL_OK)
		fail_msg("accepted: %s", qs);
	if (strstr(err, why) == NULL)
		fail_msg("%s: reason '%s' lacks '%s'", qs, err, why);
	assert_null(strchr(err, '\n'));
}

static void
test_query_malformed(void **state)
{
	static char big[HL_TAXII_QUERY_MAX + 16];
	char many[2048];
	size_t i, n = 0;

	(void)state;
	expect_refused("limit=0", 1, "limit");
	expect_refused("limit=-3", 1, "limit");
	expect_refused("limit=12abc", 1, "limit");
	expect_refused("limit=5&limit=6", 1, "twice");
	expect_refused("colour=red", 31, "unsupported");
	expect_refused("limit=5", 2, "unsupported");          /* paging not allowed here */
	expect_refused("match[type]=indicator", 1, "unsupported");
	expect_refused("added_after=yesterday", 1, "added_after");
	expect_refused("added_after=2026-13-01T00:00:00Z", 1, "added_after");
	expect_refused("match[id]=not-an-id", 2, "match[id]");
	expect_refused("match[id]=indicator--1,,x", 2, "match[id]");
	expect_refused("match[type]=", 4, "match[type]");
	expect_refused("match[version]=sometime", 8, "match[version]");
	expect_refused("next=", 1, "next");
	memset(big, 'a', sizeof(big) - 1);
	memcpy(big, "limit=", 6);
	assert_int_equal(parse(big, 1), HL_ERR_TOO_BIG);
	/* more match values than the parser keeps */
	n += (size_t)snprintf(many + n, sizeof(many) - n, "match[type]=t0");
	for (i = 1; i <= HL_STIX_MATCH_VALUES; i++)
		n += (size_t)snprintf(many + n, sizeof(many) - n, ",t%zu", i);
	expect_refused(many, 4, "match[type]");
}

static void
make_token(const uint8_t key[32], const uint8_t fh[32], unsigned long long after, char *out,
    size_t outlen)
{
	char body[96];
	uint8_t mac[32];
	unsigned int ml = 0;
	size_t i, n;

	n = (size_t)snprintf(body, sizeof(body), "1.%llu.", after);
	for (i = 0; i < 16; i++)
		n += (size_t)snprintf(body + n, sizeof(body) - n, "%02x", fh[i]);
	assert_non_null(HMAC(EVP_sha256(), key, 32, (const unsigned char *)body, strlen(body), mac,
	    &ml));
	n = (size_t)snprintf(out, outlen, "%s.", body);
	for (i = 0; i < 32; i++)
		n += (size_t)snprintf(out + n, outlen - n, "%02x", mac[i]);
}

static void
test_token(void **state)
{
	uint8_t key[32] = { 7 }, other[32] = { 8 }, fh[32] = { 1, 2 }, fh2[32] = { 3 };
	char tok[200], bad[200];
	uint64_t after = 99;

	(void)state;
	make_token(key, fh, 1763900000123456ull, tok, sizeof(tok));
	assert_int_equal(hl_taxii_token_check(key, tok, fh, &after), HL_OK);
	assert_true(after == 1763900000123456ull);
	/* another query's token: a clear refusal, not a silent restart */
	assert_int_equal(hl_taxii_token_check(key, tok, fh2, &after), HL_ERR_INVALID);
	assert_true(after == 0);
	/* another server's key, an altered position, garbage */
	assert_int_equal(hl_taxii_token_check(other, tok, fh, &after), HL_ERR_MALFORMED);
	memcpy(bad, tok, sizeof(bad));
	bad[3] = bad[3] == '1' ? '2' : '1';
	assert_int_equal(hl_taxii_token_check(key, bad, fh, &after), HL_ERR_MALFORMED);
	assert_true(after == 0);
	assert_int_equal(hl_taxii_token_check(key, "", fh, &after), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxii_token_check(key, "1.2.3", fh, &after), HL_ERR_MALFORMED);
	tok[strlen(tok) - 1] = '\0';
	assert_int_equal(hl_taxii_token_check(key, tok, fh, &after), HL_ERR_MALFORMED);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_valid),
		cmocka_unit_test(test_query_malformed),
		cmocka_unit_test(test_token),
	};

	return cmocka_run_group_tests_name("taxii", tests, NULL, NULL);
}
