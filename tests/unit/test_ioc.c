/* test_ioc.c: the indicator set (src/ioc.c): each supported pattern form
 * matches and its near misses do not; subdomains; CIDR edges (/1, /31,
 * /32, /128, /0 refused, IPv4-mapped IPv6 both ways); expiry; remove and
 * re-add; shared values; refusals with their reasons; a naive matcher
 * compared on random indicators and events; each allocation failing in
 * turn. */
#include <arpa/inet.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "ioc.h"

static struct hl_sensor_event ev;
static char err[256];

/* What a match reported. */
#define HITS_MAX 64
static struct {
	size_t n;
	char id[HITS_MAX][64];
	char ivalue[HITS_MAX][128];
	uint64_t tag[HITS_MAX];
	int64_t time_ms[HITS_MAX];
} got;

static void
on_hit(void *arg, const struct hl_ioc_hit *h)
{
	(void)arg;
	assert_true(got.n < HITS_MAX);
	snprintf(got.id[got.n], sizeof(got.id[0]), "%s", h->indicator_id);
	snprintf(got.ivalue[got.n], sizeof(got.ivalue[0]), "%s", h->indicator_value);
	got.tag[got.n] = h->tag;
	got.time_ms[got.n] = h->time_ms;
	assert_ptr_equal(h->event, &ev);
	assert_true(h->value >= ev.text && h->value < ev.text + ev.textlen);
	got.n++;
}

/* An event of one observable (as a sensor would give it: normalised). */
static void
one(uint8_t kind, const char *value)
{
	struct hl_sensor_obs *o = &ev.obs[0];

	memset(o, 0, sizeof(*o));
	ev.nobs = 1;
	ev.has_time = 1;
	ev.time_ms = 1700000000123;
	o->kind = kind;
	o->role = HL_SENSOR_DST;
	o->len = (uint16_t)strlen(value);
	o->off = 0;
	memcpy(ev.text, value, o->len + 1u);
	ev.textlen = o->len + 1u;
	if (kind == HL_OBS_IPV4)
		assert_int_equal(inet_pton(AF_INET, value, o->addr), 1);
	else if (kind == HL_OBS_IPV6)
		assert_int_equal(inet_pton(AF_INET6, value, o->addr), 1);
}

/* Match one observable at now; the number of hits. */
static size_t
match(const struct hl_ioc_set *set, uint8_t kind, const char *value, int64_t now)
{
	size_t n;

	one(kind, value);
	memset(&got, 0, sizeof(got));
	n = hl_ioc_match(set, &ev, now, on_hit, NULL);
	assert_int_equal(n, got.n);
	return n;
}

static void
add(struct hl_ioc_set *set, const char *id, const char *pattern)
{
	if (hl_ioc_add(set, id, pattern, 0, 7, err, sizeof(err)) != HL_OK)
		fail_msg("%s refused: %s", pattern, err);
}

static void
test_forms(void **state)
{
	static const struct {
		const char *pattern;
		uint8_t kind;
		const char *hit, *miss;
	} c[] = {
		{ "[ipv4-addr:value = '198.51.100.7']", HL_OBS_IPV4, "198.51.100.7", "198.51.100.8" },
		{ "[ipv4-addr:value = '10.0.0.0/8']", HL_OBS_IPV4, "10.255.255.255", "11.0.0.1" },
		{ "[ipv4-addr:value ISSUBSET '192.0.2.0/24']", HL_OBS_IPV4, "192.0.2.200", "192.0.3.0" },
		{ "[network-traffic:dst_ref.value = '203.0.113.9']", HL_OBS_IPV4, "203.0.113.9",
		  "203.0.113.90" },
		{ "[ipv6-addr:value = '2001:DB8::1']", HL_OBS_IPV6, "2001:db8::1", "2001:db8::2" },
		{ "[ipv6-addr:value = '2001:db8:1::/48']", HL_OBS_IPV6, "2001:db8:1:ffff::9",
		  "2001:db8:2::1" },
		{ "[domain-name:value = 'Evil.Example.']", HL_OBS_DOMAIN, "evil.example",
		  "notevil.example" },
		{ "[url:value = 'HTTP://Dl.Evil.Example/Payload.exe']", HL_OBS_URL,
		  "http://dl.evil.example/Payload.exe", "http://dl.evil.example/payload.exe" },
		{ "[file:hashes.MD5 = '70041821ACF87389E40DDCB092004184']", HL_OBS_MD5,
		  "70041821acf87389e40ddcb092004184", "70041821acf87389e40ddcb092004185" },
		{ "[file:hashes.'SHA-1' = '10395ab3566395ca050232d2c1a0dbad69eb5fd2']", HL_OBS_SHA1,
		  "10395ab3566395ca050232d2c1a0dbad69eb5fd2", "10395ab3566395ca050232d2c1a0dbad69eb5fd3" },
		{ "[file:hashes.'SHA-256' = '2E4C462B3424AFCC04F43429D5F001E4EF9A28143BFEEFB9AF2254B4DF3A7C1A']",
		  HL_OBS_SHA256, "2e4c462b3424afcc04f43429d5f001e4ef9a28143bfeefb9af2254b4df3a7c1a",
		  "2e4c462b3424afcc04f43429d5f001e4ef9a28143bfeefb9af2254b4df3a7c1b" },
		{ "[x509-certificate:hashes.'SHA-1' = '28c15a60d5cba4894b07c64cd867e7f176efdaaa']",
		  HL_OBS_SHA1, "28c15a60d5cba4894b07c64cd867e7f176efdaaa",
		  "28c15a60d5cba4894b07c64cd867e7f176efdaab" },
		{ "[network-traffic:extensions.'x-ja3'.hash = 'E7D705A3286E19EA42F587B344EE6865']",
		  HL_OBS_JA3, "e7d705a3286e19ea42f587b344ee6865", "e7d705a3286e19ea42f587b344ee6866" },
		{ "[network-traffic:extensions.'x-ja3s'.hash = 'f4febc55ea12b31ae17cfb7e614afda8']",
		  HL_OBS_JA3S, "f4febc55ea12b31ae17cfb7e614afda8", "e7d705a3286e19ea42f587b344ee6865" },
		{ "[network-traffic:extensions.'x-ja4'.hash = 't13d1516h2_8daaf6152771_e5627efa2ab1']",
		  HL_OBS_JA4, "t13d1516h2_8daaf6152771_e5627efa2ab1", "t13d1516h2_8daaf6152771_e5627efa2ab2" },
		{ "[email-addr:value = 'Spy@Evil.Example']", HL_OBS_EMAIL, "spy@evil.example",
		  "spy@evil.example.org" },
		{ "[email-message:from_ref.value = 'boss@corp.example']", HL_OBS_EMAIL,
		  "boss@corp.example", "boss@corp.example.net" },
	};
	struct hl_ioc_set *set;
	char id[64];
	size_t i;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(id, sizeof(id), "indicator--%zu", i);
		add(set, id, c[i].pattern);
	}
	assert_int_equal(hl_ioc_count(set), sizeof(c) / sizeof(c[0]));
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(id, sizeof(id), "indicator--%zu", i);
		if (match(set, c[i].kind, c[i].hit, 0) != 1 || strcmp(got.id[0], id) != 0)
			fail_msg("%s does not match %s", c[i].pattern, c[i].hit);
		assert_int_equal(got.tag[0], 7);
		assert_int_equal(got.time_ms[0], 1700000000123);
		if (match(set, c[i].kind, c[i].miss, 0) != 0)
			fail_msg("%s matches %s", c[i].pattern, c[i].miss);
	}
	/* a hash of one kind does not match another kind of the same text */
	assert_int_equal(match(set, HL_OBS_JA3, "70041821acf87389e40ddcb092004184", 0), 0);
	/* OR and IN: each value matches, as the one indicator */
	add(set, "indicator--or", "[domain-name:value = 'a.example' OR ipv4-addr:value = "
	    "'192.0.2.77'] OR [domain-name:value IN ('b.example', 'c.example')]");
	assert_int_equal(match(set, HL_OBS_DOMAIN, "c.example", 0), 1);
	assert_string_equal(got.id[0], "indicator--or");
	assert_int_equal(match(set, HL_OBS_IPV4, "192.0.2.77", 0), 2);
	hl_ioc_free(set);
}

static void
test_domains(void **state)
{
	struct hl_ioc_set *set;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	add(set, "indicator--evil", "[domain-name:value = 'evil.com']");
	add(set, "indicator--deep", "[domain-name:value = 'x.cdn.evil.com']");
	assert_int_equal(match(set, HL_OBS_DOMAIN, "evil.com", 0), 1);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "a.evil.com", 0), 1);
	assert_string_equal(got.ivalue[0], "evil.com");
	assert_int_equal(match(set, HL_OBS_DOMAIN, "a.b.c.d.evil.com", 0), 1);
	/* two indicators, the most specific first */
	assert_int_equal(match(set, HL_OBS_DOMAIN, "y.x.cdn.evil.com", 0), 2);
	assert_string_equal(got.id[0], "indicator--deep");
	assert_string_equal(got.id[1], "indicator--evil");
	assert_int_equal(match(set, HL_OBS_DOMAIN, "notevil.com", 0), 0);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "evil.com.au", 0), 0);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "evilcom", 0), 0);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "com", 0), 0);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "cdn.evil.com", 0), 1);
	/* a URL or an e-mail on the domain is not the domain */
	assert_int_equal(match(set, HL_OBS_URL, "http://evil.com/", 0), 0);
	assert_int_equal(match(set, HL_OBS_EMAIL, "a@evil.com", 0), 0);
	/* one indicator naming a domain and its parent: reported once */
	add(set, "indicator--both", "[domain-name:value = 'bad.org' OR domain-name:value = "
	    "'www.bad.org']");
	assert_int_equal(match(set, HL_OBS_DOMAIN, "www.bad.org", 0), 1);
	assert_string_equal(got.ivalue[0], "www.bad.org");
	hl_ioc_free(set);
}

static void
test_cidr_edges(void **state)
{
	struct hl_ioc_set *set;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	add(set, "indicator--32", "[ipv4-addr:value = '10.1.2.3/32']");
	add(set, "indicator--31", "[ipv4-addr:value = '64.16.0.4/31']");
	add(set, "indicator--1", "[ipv4-addr:value = '128.0.0.0/1']");
	add(set, "indicator--128", "[ipv6-addr:value = '2001:db8::5/128']");
	add(set, "indicator--v6-64", "[ipv6-addr:value = '2001:db8:0:1::/64']");
	add(set, "indicator--mapped", "[ipv6-addr:value = '::ffff:100.64.0.0/106']");
	assert_int_equal(match(set, HL_OBS_IPV4, "10.1.2.3", 0), 1);
	assert_int_equal(match(set, HL_OBS_IPV4, "10.1.2.2", 0), 0);
	assert_int_equal(match(set, HL_OBS_IPV4, "64.16.0.5", 0), 1);
	assert_string_equal(got.ivalue[0], "64.16.0.4/31");
	assert_int_equal(match(set, HL_OBS_IPV4, "64.16.0.6", 0), 0);
	assert_int_equal(match(set, HL_OBS_IPV4, "64.16.0.3", 0), 0);
	assert_int_equal(match(set, HL_OBS_IPV4, "128.0.0.0", 0), 1);
	assert_int_equal(match(set, HL_OBS_IPV4, "255.255.255.255", 0), 1);
	assert_int_equal(match(set, HL_OBS_IPV4, "127.255.255.255", 0), 0);
	assert_int_equal(match(set, HL_OBS_IPV6, "2001:db8::5", 0), 1);
	assert_int_equal(match(set, HL_OBS_IPV6, "2001:db8::4", 0), 0);
	assert_int_equal(match(set, HL_OBS_IPV6, "2001:db8:0:1:ffff:ffff:ffff:ffff", 0), 1);
	assert_int_equal(match(set, HL_OBS_IPV6, "2001:db8:0:2::", 0), 0);
	/* ::ffff:100.64.0.0/106 is 100.64.0.0/10 */
	assert_int_equal(match(set, HL_OBS_IPV4, "100.127.255.1", 0), 1);
	assert_string_equal(got.ivalue[0], "100.64.0.0/10");
	assert_int_equal(match(set, HL_OBS_IPV4, "100.128.0.1", 0), 0);
	/* an IPv4-mapped event address matches IPv4 indicators */
	assert_int_equal(match(set, HL_OBS_IPV6, "::ffff:10.1.2.3", 0), 1);
	assert_string_equal(got.id[0], "indicator--32");
	assert_int_equal(match(set, HL_OBS_IPV6, "::ffff:10.1.2.4", 0), 0);
	/* an IPv6 prefix shorter than /96 holding the mapped range matches IPv4 */
	add(set, "indicator--v6-short", "[ipv6-addr:value = '::/8']");
	assert_int_equal(match(set, HL_OBS_IPV4, "10.1.2.3", 0), 2);
	assert_int_equal(match(set, HL_OBS_IPV6, "::ffff:9.9.9.9", 0), 1);
	assert_int_equal(match(set, HL_OBS_IPV6, "100::1", 0), 0);
	/* /0 is refused: it would match every address */
	assert_int_equal(hl_ioc_add(set, "indicator--0", "[ipv4-addr:value = '0.0.0.0/0']", 0, 0,
	    err, sizeof(err)), HL_ERR_UNSUPPORTED);
	assert_non_null(strstr(err, "every IPv4 address"));
	assert_int_equal(hl_ioc_add(set, "indicator--0", "[ipv6-addr:value = '::/0']", 0, 0, err,
	    sizeof(err)), HL_ERR_UNSUPPORTED);
	assert_int_equal(hl_ioc_add(set, "indicator--0", "[ipv6-addr:value = '::ffff:0:0/96']", 0,
	    0, err, sizeof(err)), HL_ERR_UNSUPPORTED);
	/* a CIDR and an address inside it in one indicator: reported once
	 * (beside 128.0.0.0/1 and ::/8) */
	add(set, "indicator--nest", "[ipv4-addr:value IN ('198.18.0.0/15', '198.18.7.7')]");
	assert_int_equal(match(set, HL_OBS_IPV4, "198.18.7.7", 0), 3);
	assert_string_equal(got.id[0], "indicator--nest");
	assert_string_equal(got.ivalue[0], "198.18.7.7");
	hl_ioc_free(set);
}

static void
test_expiry_remove_shared(void **state)
{
	struct hl_ioc_set *set;
	size_t values;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	assert_int_equal(hl_ioc_add(set, "indicator--a", "[domain-name:value = 'c2.example']",
	    1000, 1, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_ioc_add(set, "indicator--b", "[domain-name:value = 'c2.example' OR "
	    "ipv4-addr:value = '192.0.2.1']", 0, 2, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_ioc_values(set), 2);
	/* valid until 1000: at 999 yes, from 1000 no */
	assert_int_equal(match(set, HL_OBS_DOMAIN, "www.c2.example", 999), 2);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "www.c2.example", 1000), 1);
	assert_string_equal(got.id[0], "indicator--b");
	/* the same id again */
	assert_int_equal(hl_ioc_add(set, "indicator--a", "[domain-name:value = 'x.example']", 0, 0,
	    err, sizeof(err)), HL_ERR_EXISTS);
	/* remove one of two indicators sharing a value */
	assert_int_equal(hl_ioc_remove(set, "indicator--b"), HL_OK);
	assert_int_equal(hl_ioc_remove(set, "indicator--b"), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_ioc_remove(set, "indicator--never"), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_ioc_count(set), 1);
	assert_int_equal(hl_ioc_values(set), 1);
	assert_int_equal(match(set, HL_OBS_IPV4, "192.0.2.1", 0), 0);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "c2.example", 0), 1);
	/* replaced: removed, then added with another pattern */
	assert_int_equal(hl_ioc_remove(set, "indicator--a"), HL_OK);
	assert_int_equal(hl_ioc_count(set), 0);
	assert_int_equal(hl_ioc_values(set), 0);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "c2.example", 0), 0);
	add(set, "indicator--a", "[domain-name:value = 'c3.example']");
	assert_int_equal(match(set, HL_OBS_DOMAIN, "c3.example", 0), 1);
	assert_int_equal(match(set, HL_OBS_DOMAIN, "c2.example", 0), 0);
	/* many indicators on one value: every one reported */
	values = hl_ioc_values(set);
	add(set, "indicator--s1", "[ipv4-addr:value = '203.0.113.5']");
	add(set, "indicator--s2", "[ipv4-addr:value = '203.0.113.5']");
	add(set, "indicator--s3", "[ipv4-addr:value = '203.0.113.0/24']");
	assert_int_equal(hl_ioc_values(set), values + 2);
	assert_int_equal(match(set, HL_OBS_IPV4, "203.0.113.5", 0), 3);
	hl_ioc_free(set);
}

static void
test_refused(void **state)
{
	static const struct {
		const char *pattern;
		int code;
		const char *reason;
	} c[] = {
		{ "[ipv4-addr:value = '1.2.3.4' AND domain-name:value = 'x.com']", HL_ERR_UNSUPPORTED,
		  "AND" },
		{ "[ipv4-addr:value = '1.2.3.4'] AND [domain-name:value = 'x.com']",
		  HL_ERR_UNSUPPORTED, "AND" },
		{ "[ipv4-addr:value = '1.2.3.4'] FOLLOWEDBY [ipv4-addr:value = '1.2.3.5']",
		  HL_ERR_UNSUPPORTED, "FOLLOWEDBY" },
		{ "[ipv4-addr:value != '1.2.3.4']", HL_ERR_UNSUPPORTED, "operator !=" },
		{ "[ipv4-addr:value NOT = '1.2.3.4']", HL_ERR_UNSUPPORTED, "NOT" },
		{ "[domain-name:value LIKE '%.evil.com']", HL_ERR_UNSUPPORTED, "operator LIKE" },
		{ "[domain-name:value MATCHES '^evil']", HL_ERR_UNSUPPORTED, "operator MATCHES" },
		{ "[ipv4-addr:value ISSUPERSET '1.2.3.4']", HL_ERR_UNSUPPORTED, "ISSUPERSET" },
		{ "[domain-name:value ISSUBSET 'evil.com']", HL_ERR_UNSUPPORTED, "not an address" },
		{ "[ipv4-addr:value = '1.2.3.4'] WITHIN 60 SECONDS", HL_ERR_UNSUPPORTED, "WITHIN" },
		{ "[ipv4-addr:value = '1.2.3.4'] REPEATS 5 TIMES", HL_ERR_UNSUPPORTED, "REPEATS" },
		{ "[ipv4-addr:value = '1.2.3.4'] START t'2020-01-01T00:00:00Z' STOP "
		  "t'2021-01-01T00:00:00Z'", HL_ERR_UNSUPPORTED, "START" },
		{ "[file:name = 'evil.exe']", HL_ERR_UNSUPPORTED, "file:name" },
		{ "[file:size = 100]", HL_ERR_UNSUPPORTED, "file:size" },
		{ "[ipv4-addr:value = '1.2.3.4' OR process:name = 'x']", HL_ERR_UNSUPPORTED,
		  "process:name" },
		{ "[EXISTS ipv4-addr:value]", HL_ERR_UNSUPPORTED, "EXISTS" },
		{ "[ipv4-addr:value = 16909060]", HL_ERR_UNSUPPORTED, "not a 'string'" },
		{ "[ipv4-addr:value = '1.2.3.400']", HL_ERR_UNSUPPORTED, "not a valid ipv4" },
		{ "[file:hashes.MD5 = 'abc']", HL_ERR_UNSUPPORTED, "not a valid md5" },
		{ "[network-traffic:extensions.'x-ja4'.hash = 'nope']", HL_ERR_UNSUPPORTED,
		  "not a valid ja4" },
		{ "[domain-name:value = '*.evil.com']", HL_ERR_UNSUPPORTED, "wildcard" },
		{ "[domain-name:value IN ()]", HL_ERR_UNSUPPORTED, "no value" },
		{ "[ipv4-addr:value = '1.2.3.4'", HL_ERR_MALFORMED, "expected" },
		{ "", HL_ERR_MALFORMED, "expected" },
	};
	struct hl_ioc_set *set;
	size_t i;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	for (i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		int r = hl_ioc_add(set, "indicator--x", c[i].pattern, 0, 0, err, sizeof(err));

		if (r != c[i].code || strstr(err, c[i].reason) == NULL)
			fail_msg("%s: %d '%s'", c[i].pattern, r, err);
	}
	assert_int_equal(hl_ioc_count(set), 0);
	assert_int_equal(hl_ioc_values(set), 0);
	/* an IN list longer than the limit */
	{
		char p[HL_IOC_VALUES_MAX * 20 + 64];
		size_t n = (size_t)snprintf(p, sizeof(p), "[ipv4-addr:value IN (");

		for (i = 0; i <= HL_IOC_VALUES_MAX; i++)
			n += (size_t)snprintf(p + n, sizeof(p) - n, "%s'10.0.%zu.%zu'", i ? "," : "",
			    i / 256, i % 256);
		snprintf(p + n, sizeof(p) - n, ")]");
		assert_int_equal(hl_ioc_add(set, "indicator--x", p, 0, 0, err, sizeof(err)),
		    HL_ERR_UNSUPPORTED);
		assert_non_null(strstr(err, "more than"));
	}
	/* ids */
	assert_int_equal(hl_ioc_add(set, "", "[ipv4-addr:value = '1.2.3.4']", 0, 0, err,
	    sizeof(err)), HL_ERR_INVALID);
	assert_int_equal(hl_ioc_add(set, "bad id", "[ipv4-addr:value = '1.2.3.4']", 0, 0, err,
	    sizeof(err)), HL_ERR_INVALID);
	assert_int_equal(hl_ioc_add(set, NULL, "[ipv4-addr:value = '1.2.3.4']", 0, 0, err,
	    sizeof(err)), HL_ERR_INVALID);
	assert_int_equal(hl_ioc_add(set, "indicator--x", NULL, 0, 0, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_ioc_count(set), 0);
	hl_ioc_free(set);
}

/* ---- a naive matcher on random indicators ---- */

#define NREF 400

static struct {
	int v6;
	uint8_t a[16];
	unsigned plen;
	char domain[64];
	int64_t until;
} ref[NREF];

static uint32_t rng = 12345;

static uint32_t
rnd(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

static int
ref_in(int i, const uint8_t *a, int v6)
{
	unsigned b;

	if (ref[i].domain[0] != '\0' || ref[i].v6 != v6)
		return 0;
	for (b = 0; b < ref[i].plen; b++)
		if (((a[b / 8] ^ ref[i].a[b / 8]) >> (7 - b % 8)) & 1u)
			return 0;
	return 1;
}

static int
ref_domain(int i, const char *d)
{
	size_t n = strlen(d), m = strlen(ref[i].domain);

	if (m == 0 || m > n || strcmp(d + n - m, ref[i].domain) != 0)
		return 0;
	return m == n || d[n - m - 1] == '.';
}

static void
test_reference(void **state)
{
	static const char *const names[] = { "a", "b", "ab", "evil", "c2", "x" };
	struct hl_ioc_set *set;
	char id[32], pat[128], txt[64];
	size_t t, k;
	int i, want, hits;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	/* small address ranges and names, so that events often hit */
	for (i = 0; i < NREF; i++) {
		unsigned kind = rnd() % 3;

		memset(&ref[i], 0, sizeof(ref[i]));
		ref[i].until = rnd() % 4 == 0 ? 500 : 0;
		if (kind == 2) {
			snprintf(ref[i].domain, sizeof(ref[i].domain), "%s.%s", names[rnd() % 6],
			    rnd() % 2 ? "example" : "test");
			snprintf(pat, sizeof(pat), "[domain-name:value = '%s']", ref[i].domain);
		} else {
			ref[i].v6 = kind == 1;
			ref[i].a[0] = ref[i].v6 ? 0x20 : 10;
			ref[i].a[1] = (uint8_t)(rnd() % 4);
			ref[i].a[2] = (uint8_t)(rnd() % 4);
			ref[i].plen = ref[i].v6 ? 8 + rnd() % 121 : 8 + rnd() % 25;
			for (k = 0; k < 16; k++)
				if (k * 8 >= ref[i].plen)
					ref[i].a[k] = 0;
				else if (k * 8 + 8 > ref[i].plen)
					ref[i].a[k] &= (uint8_t)(0xffu << (8 - (ref[i].plen - k * 8)));
			inet_ntop(ref[i].v6 ? AF_INET6 : AF_INET, ref[i].a, txt, sizeof(txt));
			snprintf(pat, sizeof(pat), "[%s:value = '%s/%u']", ref[i].v6 ? "ipv6-addr" :
			    "ipv4-addr", txt, ref[i].plen);
		}
		snprintf(id, sizeof(id), "indicator--%d", i);
		if (hl_ioc_add(set, id, pat, ref[i].until, 0, err, sizeof(err)) != HL_OK)
			fail_msg("%s: %s", pat, err);
	}
	for (t = 0; t < 20000; t++) {
		int64_t now = rnd() % 1000;
		uint8_t a[16] = { 0 };
		unsigned kind = rnd() % 3;

		if (kind == 2) {
			snprintf(txt, sizeof(txt), "%s%s.%s", rnd() % 2 ? "www." : "",
			    names[rnd() % 6], rnd() % 2 ? "example" : "test");
			one(HL_OBS_DOMAIN, txt);
		} else {
			a[0] = kind == 1 ? 0x20 : 10;
			a[1] = (uint8_t)(rnd() % 4);
			a[2] = (uint8_t)(rnd() % 4);
			a[3] = (uint8_t)(rnd() % 4);
			if (kind == 1)
				a[15] = (uint8_t)rnd();
			inet_ntop(kind == 1 ? AF_INET6 : AF_INET, a, txt, sizeof(txt));
			one(kind == 1 ? HL_OBS_IPV6 : HL_OBS_IPV4, txt);
		}
		for (want = 0, i = 0; i < NREF; i++)
			if ((ref[i].until == 0 || now < ref[i].until) &&
			    (kind == 2 ? ref_domain(i, txt) : ref_in(i, a, kind == 1)))
				want++;
		memset(&got, 0, sizeof(got));
		hits = (int)hl_ioc_match(set, &ev, now, on_hit, NULL);
		if (hits != want)
			fail_msg("%s at %d: %d hits, the naive matcher %d", txt, (int)now, hits, want);
	}
	/* remove half, compare again on a few */
	for (i = 0; i < NREF; i += 2) {
		snprintf(id, sizeof(id), "indicator--%d", i);
		assert_int_equal(hl_ioc_remove(set, id), HL_OK);
		ref[i].domain[0] = '\0';
		ref[i].plen = 200;      /* matches nothing */
		ref[i].v6 = 2;
	}
	for (t = 0; t < 5000; t++) {
		uint8_t a[16] = { 10, (uint8_t)(rnd() % 4), (uint8_t)(rnd() % 4), (uint8_t)(rnd() % 4) };

		inet_ntop(AF_INET, a, txt, sizeof(txt));
		one(HL_OBS_IPV4, txt);
		for (want = 0, i = 0; i < NREF; i++)
			want += ref[i].until == 0 && ref_in(i, a, 0);
		memset(&got, 0, sizeof(got));
		assert_int_equal(hl_ioc_match(set, &ev, 600, on_hit, NULL), (size_t)want);
	}
	hl_ioc_free(set);
}

/* Each allocation of an add failing in turn: HL_ERR_NOMEM, the set as it
 * was, nothing leaked. */
static void
test_alloc_failures(void **state)
{
	struct hl_ioc_set *set;
	int64_t live;
	uint64_t k;
	int r;

	(void)state;
	for (k = 1; k < 8; k++) {
		hl_alloc_fail_at(k);
		r = hl_ioc_new(&set);
		hl_alloc_fail_at(0);
		if (r == HL_OK)
			hl_ioc_free(set);
		else
			assert_int_equal(r, HL_ERR_NOMEM);
	}
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	add(set, "indicator--base", "[domain-name:value = 'base.example']");
	live = hl_alloc_live();
	for (k = 1; k < 64; k++) {
		hl_alloc_fail_at(k);
		r = hl_ioc_add(set, "indicator--new", "[domain-name:value IN ('a.example', "
		    "'base.example', 'c.example') OR ipv4-addr:value = '10.9.0.0/16']", 0, 0, err,
		    sizeof(err));
		hl_alloc_fail_at(0);
		if (r == HL_OK) {
			assert_int_equal(hl_ioc_count(set), 2);
			assert_int_equal(hl_ioc_values(set), 4);
			assert_int_equal(hl_ioc_remove(set, "indicator--new"), HL_OK);
		} else {
			assert_int_equal(r, HL_ERR_NOMEM);
		}
		assert_int_equal(hl_ioc_count(set), 1);
		assert_int_equal(hl_ioc_values(set), 1);
		assert_int_equal(match(set, HL_OBS_DOMAIN, "base.example", 0), 1);
		assert_int_equal(match(set, HL_OBS_DOMAIN, "a.example", 0), 0);
		assert_true(hl_alloc_live() <= live);
	}
	hl_ioc_free(set);
}

/* Events straight from the sensor: the fixture lines and indicators on them. */
static void
test_with_sensor(void **state)
{
	static const char line[] = "{\"timestamp\":\"2011-08-12T16:59:22.181050+0200\","
	    "\"event_type\":\"fileinfo\",\"src_ip\":\"74.207.254.18\",\"dest_ip\":\"147.32.84.165\","
	    "\"http\":{\"hostname\":\"www.nmap.org\",\"url\":\"/\"},\"fileinfo\":{\"md5\":"
	    "\"70041821acf87389e40ddcb092004184\"}}";
	struct hl_ioc_set *set;
	size_t n;

	(void)state;
	assert_int_equal(hl_ioc_new(&set), HL_OK);
	add(set, "indicator--host", "[ipv4-addr:value = '147.32.84.0/24']");
	add(set, "indicator--site", "[domain-name:value = 'nmap.org']");
	add(set, "indicator--page", "[url:value = 'http://www.nmap.org/']");
	add(set, "indicator--file", "[file:hashes.MD5 = '70041821acf87389e40ddcb092004184']");
	add(set, "indicator--other", "[domain-name:value = 'map.org']");
	assert_int_equal(hl_sensor_parse(HL_SENSOR_SURICATA_EVE, line, sizeof(line) - 1, &ev, err,
	    sizeof(err)), 0);
	memset(&got, 0, sizeof(got));
	n = hl_ioc_match(set, &ev, 0, on_hit, NULL);
	assert_int_equal(n, 4);
	hl_ioc_free(set);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_forms),
		cmocka_unit_test(test_domains),
		cmocka_unit_test(test_cidr_edges),
		cmocka_unit_test(test_expiry_remove_shared),
		cmocka_unit_test(test_refused),
		cmocka_unit_test(test_reference),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_with_sensor),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
