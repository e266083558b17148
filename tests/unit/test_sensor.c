/* test_sensor.c: sensor lines to events (src/sensor.c). Real output first:
 * Suricata EVE and Zeek JSON lines published by Tenzir and the Zeek
 * documentation, tshark -T ek lines captured here
 * (tests/fixtures/sensors/SOURCE.md); then lines written for this test in
 * the documented shapes the fixtures lack (DNS version 3, TLS fingerprints);
 * then broken input of every kind for each format: truncated, too long,
 * wrong types, too deep, not UTF-8, every one-byte change. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "alloc.h"
#include "sensor.h"

static struct hl_sensor_event ev;
static char err[256];

/* The lines of a fixture file: a NULL-terminated array into one buffer
 * (free both with free_lines). */
static char **
fixture_lines(const char *name, size_t *count)
{
	const char *root = getenv("HOTLINE_ROOT");
	char path[1024], *buf, **lines, *p;
	size_t n = 0, cap = 64;
	FILE *f;
	long len;

	snprintf(path, sizeof(path), "%s/tests/fixtures/sensors/%s", root != NULL ? root : ".",
	    name);
	if ((f = fopen(path, "rb")) == NULL)
		fail_msg("cannot read fixture %s", path);
	fseek(f, 0, SEEK_END);
	len = ftell(f);
	rewind(f);
	buf = hl_malloc((size_t)len + 1);
	lines = hl_malloc(cap * sizeof(*lines));
	assert_non_null(buf);
	assert_non_null(lines);
	assert_int_equal(fread(buf, 1, (size_t)len, f), (size_t)len);
	fclose(f);
	buf[len] = '\0';
	lines[0] = buf;
	for (p = buf; *p != '\0';) {
		char *nl = strchr(p, '\n');

		if (n + 2 >= cap) {
			cap *= 2;
			assert_non_null(lines = hl_realloc(lines, cap * sizeof(*lines)));
		}
		lines[n++] = p;
		if (nl == NULL)
			break;
		*nl = '\0';
		p = nl + 1;
	}
	lines[n] = NULL;
	*count = n;
	return lines;
}

static void
free_lines(char **lines)
{
	hl_free(lines[0]);
	hl_free(lines);
}

static int
parse(int format, const char *line)
{
	return hl_sensor_parse(format, line, strlen(line), &ev, err, sizeof(err));
}

/* The observable of this kind and value, or -1. */
static int
find(uint8_t kind, const char *value)
{
	size_t i;

	for (i = 0; i < ev.nobs; i++)
		if (ev.obs[i].kind == kind && strcmp(hl_sensor_value(&ev, i), value) == 0)
			return (int)i;
	return -1;
}

static void
expect(uint8_t kind, uint8_t role, const char *value)
{
	int i = find(kind, value);

	if (i < 0)
		fail_msg("no %s observable %s", hl_stix_obs_kind_name(kind), value);
	assert_int_equal(ev.obs[i].role, role);
}

/* Each of the n lines is an event of types[i], or skipped where it is 0. */
static void
expect_types(int format, char **l, size_t n, const uint8_t *types, size_t ntypes)
{
	size_t i;

	assert_int_equal(n, ntypes);
	for (i = 0; i < n; i++) {
		assert_int_equal(parse(format, l[i]), types[i] ? 0 : HL_SENSOR_SKIPPED);
		assert_int_equal(ev.type, types[i]);
	}
}

static void
test_suricata_fixture(void **state)
{
	static const uint8_t types[] = { HL_SENSOR_ALERT, HL_SENSOR_DNS, HL_SENSOR_FILE,
		HL_SENSOR_FLOW, HL_SENSOR_HTTP, 0, HL_SENSOR_DNS, HL_SENSOR_DNS, HL_SENSOR_DNS };
	size_t n;
	char **l = fixture_lines("suricata-eve.jsonl", &n);

	(void)state;
	expect_types(HL_SENSOR_SURICATA_EVE, l, n, types, sizeof(types));
	/* alert: 2011-08-12T14:52:57.716360+0200 */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, l[0]), 0);
	assert_true(ev.has_time);
	assert_int_equal(ev.time_ms, 1313153577716);
	expect(HL_OBS_IPV4, HL_SENSOR_SRC, "147.32.84.165");
	expect(HL_OBS_IPV4, HL_SENSOR_DST, "78.40.125.4");
	assert_int_equal(ev.nobs, 2);
	/* fileinfo: the HTTP request that carried the file, and its hashes */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, l[2]), 0);
	expect(HL_OBS_DOMAIN, HL_SENSOR_HTTP_HOST, "www.nmap.org");
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://www.nmap.org/");
	expect(HL_OBS_MD5, HL_SENSOR_FILE_HASH, "70041821acf87389e40ddcb092004184");
	expect(HL_OBS_SHA1, HL_SENSOR_FILE_HASH, "10395ab3566395ca050232d2c1a0dbad69eb5fd2");
	expect(HL_OBS_SHA256, HL_SENSOR_FILE_HASH,
	    "2e4c462b3424afcc04f43429d5f001e4ef9a28143bfeefb9af2254b4df3a7c1a");
	/* http: the query string kept as sent */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, l[4]), 0);
	assert_true(find(HL_OBS_URL, "http://cr-tools.clients.google.com/service/check2?appid="
	    "%7B430FD4D0-B729-4F61-AA34-91526481799D%7D&appversion=1.3.21.65&applang=&machine=0"
	    "&version=1.3.21.65&osversion=5.1&servicepack=Service%20Pack%202") >= 0);
	/* dns version 2 answer: detailed and grouped answers, one observable each */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, l[7]), 0);
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_QUERY, "google.com");
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_ANSWER, "alt4.aspmx.l.google.com");
	assert_int_equal(ev.nobs, 2 + 1 + 5);
	/* a custom field and spaces around ':' */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, l[8]), 0);
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_QUERY, "irc.freenode.net");
	free_lines(l);
}

static void
test_suricata_shapes(void **state)
{
	(void)state;
	/* DNS version 3 (Suricata 8): queries[] and answers[] */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"timestamp\":\"2025-01-02T03:04:05.123456"
	    "+0000\",\"event_type\":\"dns\",\"src_ip\":\"10.0.0.2\",\"dest_ip\":\"10.0.0.1\",\"dns\":"
	    "{\"version\":3,\"type\":\"response\",\"queries\":[{\"rrname\":\"WWW.Example.COM.\","
	    "\"rrtype\":\"A\"}],\"answers\":[{\"rrname\":\"www.example.com\",\"rrtype\":\"CNAME\","
	    "\"rdata\":\"cdn.example.net\"},{\"rrname\":\"cdn.example.net\",\"rrtype\":\"A\","
	    "\"rdata\":\"203.0.113.8\"},{\"rrname\":\"cdn.example.net\",\"rrtype\":\"AAAA\","
	    "\"rdata\":\"2001:db8::8\"},{\"rrname\":\"x\",\"rrtype\":\"TXT\",\"rdata\":\"v=spf1 -all\"}],"
	    "\"grouped\":{\"SOA\":[{\"mname\":\"ns.example.net\"}]}}}"), 0);
	assert_int_equal(ev.time_ms, 1735787045123);
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_QUERY, "www.example.com");
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_ANSWER, "cdn.example.net");
	expect(HL_OBS_IPV4, HL_SENSOR_DNS_ANSWER, "203.0.113.8");
	expect(HL_OBS_IPV6, HL_SENSOR_DNS_ANSWER, "2001:db8::8");
	assert_int_equal(find(HL_OBS_DOMAIN, "v=spf1 -all"), -1);
	assert_int_equal(ev.obs[find(HL_OBS_IPV4, "203.0.113.8")].addr[3], 8);
	/* TLS: SNI, JA3, JA3S, JA4 and the certificate's SHA-1 */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"timestamp\":\"2024-02-29T23:59:59.5-0130\","
	    "\"event_type\":\"tls\",\"src_ip\":\"2001:0db8:0000:0000:0000:0000:0000:0001\","
	    "\"dest_ip\":\"198.51.100.9\",\"tls\":{\"sni\":\"C2.Evil.Example\",\"version\":\"TLS 1.3\","
	    "\"fingerprint\":\"28:C1:5a:60:d5:cb:a4:89:4b:07:c6:4c:d8:67:e7:f1:76:ef:da:aa\","
	    "\"ja3\":{\"hash\":\"E7D705A3286E19EA42F587B344EE6865\",\"string\":\"771,4865\"},"
	    "\"ja3s\":{\"hash\":\"f4febc55ea12b31ae17cfb7e614afda8\"},"
	    "\"ja4\":\"T13D1516H2_8DAAF6152771_E5627EFA2AB1\"}}"), 0);
	assert_int_equal(ev.type, HL_SENSOR_TLS);
	assert_int_equal(ev.time_ms, 1709256599500);
	expect(HL_OBS_IPV6, HL_SENSOR_SRC, "2001:0db8:0000:0000:0000:0000:0000:0001");
	assert_int_equal(ev.obs[find(HL_OBS_IPV6, "2001:0db8:0000:0000:0000:0000:0000:0001")].addr[15], 1);
	expect(HL_OBS_DOMAIN, HL_SENSOR_TLS_SNI, "c2.evil.example");
	expect(HL_OBS_JA3, HL_SENSOR_TLS_JA3, "e7d705a3286e19ea42f587b344ee6865");
	expect(HL_OBS_JA3S, HL_SENSOR_TLS_JA3S, "f4febc55ea12b31ae17cfb7e614afda8");
	expect(HL_OBS_JA4, HL_SENSOR_TLS_JA4, "t13d1516h2_8daaf6152771_e5627efa2ab1");
	expect(HL_OBS_SHA1, HL_SENSOR_TLS_CERT, "28c15a60d5cba4894b07c64cd867e7f176efdaaa");
	/* HTTP: escaped slashes, a Host port, an absolute request target */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"timestamp\":\"2009-11-24T21:27:09.534255\","
	    "\"event_type\":\"http\",\"src_ip\":\"10.0.0.5\",\"dest_ip\":\"10.0.0.6\",\"http\":{"
	    "\"http_port\":1337,\"hostname\":\"www.Test.org\",\"url\":\"\\/this\\/is\\/Test.tar.gz\"}}"), 0);
	assert_int_equal(ev.time_ms, 1259098029534);
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://www.test.org:1337/this/is/Test.tar.gz");
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"http\",\"http\":{"
	    "\"hostname\":\"proxy.example\",\"url\":\"HTTP://Evil.Example/A?b=1\"}}"), 0);
	assert_false(ev.has_time);
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://evil.example/A?b=1");
	/* \u escapes decoded; an IP literal host is an address */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"http\",\"http\":{"
	    "\"hostname\":\"192.0.2.1\",\"url\":\"/caf\\u00e9/\\ud83d\\ude00\"}}"), 0);
	expect(HL_OBS_IPV4, HL_SENSOR_HTTP_HOST, "192.0.2.1");
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://192.0.2.1/caf\xc3\xa9/\xf0\x9f\x98\x80");
	/* not read, so skipped; a tolerated null */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"stats\",\"stats\":{}}"),
	    HL_SENSOR_SKIPPED);
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"flow\",\"src_ip\":null}"), 0);
	assert_int_equal(ev.nobs, 0);
}

static void
test_zeek_fixtures(void **state)
{
	static const uint8_t docs[] = { 0, HL_SENSOR_FLOW, HL_SENSOR_FLOW, HL_SENSOR_DNS,
		HL_SENSOR_DNS, HL_SENSOR_FILE, HL_SENSOR_HTTP };
	static const uint8_t tenzir[] = { HL_SENSOR_FLOW, HL_SENSOR_DNS, HL_SENSOR_FILE,
		HL_SENSOR_HTTP, 0, 0, HL_SENSOR_TLS, HL_SENSOR_FLOW };
	size_t n;
	char **l = fixture_lines("zeek-docs.jsonl", &n);

	(void)state;
	expect_types(HL_SENSOR_ZEEK_JSON, l, n, docs, sizeof(docs));
	/* the answered A query: ts in seconds, the answer an address */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, l[4]), 0);
	assert_int_equal(ev.time_ms, 1591367999306);
	expect(HL_OBS_IPV4, HL_SENSOR_SRC, "192.168.4.76");
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_QUERY, "testmyids.com");
	expect(HL_OBS_IPV4, HL_SENSOR_DNS_ANSWER, "31.3.245.133");
	/* files.log of Zeek 3: tx_hosts and rx_hosts */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, l[5]), 0);
	expect(HL_OBS_IPV4, HL_SENSOR_SRC, "31.3.245.133");
	expect(HL_OBS_IPV4, HL_SENSOR_DST, "192.168.4.76");
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, l[6]), 0);
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://testmyids.com/");
	free_lines(l);

	l = fixture_lines("zeek-tenzir.jsonl", &n);
	expect_types(HL_SENSOR_ZEEK_JSON, l, n, tenzir, sizeof(tenzir));
	/* ISO ts; hashes in files.log; an SNI that is an address; JA3 */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, l[2]), 0);
	assert_int_equal(ev.time_ms, 1585758008463);
	expect(HL_OBS_SHA256, HL_SENSOR_FILE_HASH,
	    "71f1ccc6b26b0bef243ab93502c15b137d2c1b05a4456318c9bef7f767a96aeb");
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, l[6]), 0);
	expect(HL_OBS_IPV4, HL_SENSOR_TLS_SNI, "23.101.173.219");
	expect(HL_OBS_JA3, HL_SENSOR_TLS_JA3, "248a2544f4221c0f02f877e42fe67853");
	/* "id":0 beside the flat keys: not the id record, passed over */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, l[7]), 0);
	assert_false(ev.has_time);
	expect(HL_OBS_IPV4, HL_SENSOR_DST, "141.9.217.223");
	free_lines(l);
}

static void
test_zeek_shapes(void **state)
{
	(void)state;
	/* a nested id record; a Host header with a port; no _path */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, "{\"ts\":1700000000,\"id\":{\"orig_h\":\"10.1.1.1\","
	    "\"orig_p\":5,\"resp_h\":\"fe80::1%eth0\",\"resp_p\":80},\"method\":\"GET\",\"host\":"
	    "\"Dl.Evil.Example:8080\",\"uri\":\"/x\"}"), 0);
	assert_int_equal(ev.type, HL_SENSOR_HTTP);
	assert_int_equal(ev.time_ms, 1700000000000);
	expect(HL_OBS_IPV6, HL_SENSOR_DST, "fe80::1%eth0");
	expect(HL_OBS_DOMAIN, HL_SENSOR_HTTP_HOST, "dl.evil.example");
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://dl.evil.example:8080/x");
	/* ssl.log with the JA3 and JA4 packages' fields */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, "{\"ts\":1.5,\"id.orig_h\":\"10.0.0.1\",\"cipher\":"
	    "\"TLS_AES_128_GCM_SHA256\",\"ja3s\":\"F4FEBC55EA12B31AE17CFB7E614AFDA8\",\"ja4\":"
	    "\"t13d1516h2_8daaf6152771_e5627efa2ab1\"}"), 0);
	assert_int_equal(ev.type, HL_SENSOR_TLS);
	assert_int_equal(ev.time_ms, 1500);
	expect(HL_OBS_JA3S, HL_SENSOR_TLS_JA3S, "f4febc55ea12b31ae17cfb7e614afda8");
	/* conn.log needs proto and conn_state; anything else is skipped */
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, "{\"proto\":\"tcp\",\"conn_state\":\"S0\"}"), 0);
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, "{\"proto\":\"tcp\"}"), HL_SENSOR_SKIPPED);
	assert_int_equal(parse(HL_SENSOR_ZEEK_JSON, "{\"_path\":\"weird\",\"query\":\"x.com\"}"),
	    HL_SENSOR_SKIPPED);
}

static void
test_tshark_fixture(void **state)
{
	size_t n, i, events = 0;
	char **l = fixture_lines("tshark-ek.jsonl", &n);

	(void)state;
	assert_int_equal(n, 20);
	for (i = 0; i < n; i++) {
		int r = parse(HL_SENSOR_TSHARK_EK, l[i]);

		/* index lines and packet lines alternate */
		assert_int_equal(r, i % 2 == 0 ? HL_SENSOR_IGNORED : 0);
		events += r == 0;
	}
	assert_int_equal(events, 10);
	/* the DNS answer */
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, l[3]), 0);
	assert_int_equal(ev.type, HL_SENSOR_DNS);
	assert_int_equal(ev.time_ms, 1796671814804);
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_QUERY, "beacon.c2.evil.example");
	expect(HL_OBS_IPV4, HL_SENSOR_DNS_ANSWER, "198.51.100.7");
	/* the ClientHello: SNI and JA3; over IPv6 too */
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, l[9]), 0);
	assert_int_equal(ev.type, HL_SENSOR_TLS);
	expect(HL_OBS_DOMAIN, HL_SENSOR_TLS_SNI, "c2.evil.example");
	expect(HL_OBS_JA3, HL_SENSOR_TLS_JA3, "0149f47eabf9a20d0893e2a44e5a6323");
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, l[11]), 0);
	expect(HL_OBS_JA3S, HL_SENSOR_TLS_JA3S, "15af977ce25de452b96affa2addb1036");
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, l[13]), 0);
	expect(HL_OBS_IPV6, HL_SENSOR_SRC, "::1");
	expect(HL_OBS_DOMAIN, HL_SENSOR_TLS_SNI, "v6.evil.example");
	/* the HTTP request: the full URI as tshark gives it, the Host's name */
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, l[17]), 0);
	assert_int_equal(ev.type, HL_SENSOR_HTTP);
	expect(HL_OBS_URL, HL_SENSOR_HTTP_URL, "http://dl.evil.example:8080/drop/stage2.bin?id=42");
	expect(HL_OBS_DOMAIN, HL_SENSOR_HTTP_HOST, "dl.evil.example");
	free_lines(l);
	/* repeated fields as arrays; no IP layer: skipped */
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, "{\"timestamp\":\"1000\",\"layers\":{\"ip\":"
	    "{\"ip_ip_src\":\"192.0.2.1\",\"ip_ip_dst\":\"192.0.2.2\"},\"dns\":{\"dns_dns_qry_name\":"
	    "\"a.example\",\"dns_dns_a\":[\"192.0.2.10\",\"192.0.2.11\"],\"dns_dns_cname\":[\"b.example\"]}}}"),
	    0);
	expect(HL_OBS_IPV4, HL_SENSOR_DNS_ANSWER, "192.0.2.11");
	expect(HL_OBS_DOMAIN, HL_SENSOR_DNS_ANSWER, "b.example");
	assert_int_equal(parse(HL_SENSOR_TSHARK_EK, "{\"timestamp\":\"1000\",\"layers\":{\"arp\":{}}}"),
	    HL_SENSOR_SKIPPED);
}

/* A line for each format that yields an event. */
static const char *const good[] = {
	NULL,
	"{\"timestamp\":\"2011-08-12T14:55:22.154618+0200\",\"event_type\":\"dns\",\"src_ip\":"
	"\"147.32.84.165\",\"dest_ip\":\"147.32.80.9\",\"dns\":{\"type\":\"query\",\"rrname\":"
	"\"irc.freenode.net\",\"answers\":[{\"rdata\":\"1.2.3.4\"}]}}",
	"{\"ts\":1591367999.305988,\"id.orig_h\":\"192.168.4.76\",\"id.resp_h\":\"192.168.4.1\","
	"\"query\":\"testmyids.com\",\"answers\":[\"31.3.245.133\"]}",
	"{\"timestamp\":\"1796671814804\",\"layers\":{\"ip\":{\"ip_ip_src\":\"127.0.0.2\"},\"dns\":"
	"{\"dns_dns_qry_name\":\"beacon.c2.evil.example\",\"dns_dns_a\":\"198.51.100.7\"}}}",
};

static void
expect_error(int format, const char *line, size_t len, int code, const char *words)
{
	int r = hl_sensor_parse(format, line, len, &ev, err, sizeof(err));

	if (r != code)
		fail_msg("%s: %d, not %d (%s) for %.60s", hl_sensor_format_name(format), r, code,
		    err, line);
	if (words != NULL && strstr(err, words) == NULL)
		fail_msg("'%s' does not say '%s'", err, words);
	assert_int_equal(ev.nobs, 0);
}

static void
test_malformed(void **state)
{
	static char big[HL_SENSOR_LINE_MAX + 64];
	char line[512];
	int f;
	size_t i, n;

	(void)state;
	for (f = HL_SENSOR_SURICATA_EVE; f <= HL_SENSOR_TSHARK_EK; f++) {
		n = strlen(good[f]);
		assert_int_equal(parse(f, good[f]), 0);
		/* every truncation */
		for (i = 1; i < n; i++)
			expect_error(f, good[f], i, HL_ERR_MALFORMED, "at byte");
		/* a huge line: whitespace inside a valid object */
		memset(big, ' ', sizeof(big));
		big[0] = '{';
		big[HL_SENSOR_LINE_MAX] = '}';
		expect_error(f, big, HL_SENSOR_LINE_MAX + 1, HL_ERR_TOO_BIG, "longer than");
		/* as deep as allowed, and one more */
		for (n = 0; n < HL_SENSOR_DEPTH_MAX - 1; n++)
			big[n] = '[';
		snprintf(line, sizeof(line), "{\"x\":%.*s%.*s}", (int)n, big, (int)n,
		    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
		assert_int_not_equal(parse(f, line), HL_ERR_TOO_BIG);
		snprintf(line, sizeof(line), "{\"x\":[%.*s%.*s]}", (int)n, big, (int)n,
		    "]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]");
		expect_error(f, line, strlen(line), HL_ERR_TOO_BIG, "deeper");
		/* not UTF-8: a bare 0xff, an overlong '/', a UTF-16 surrogate */
		expect_error(f, "{\"a\":\"\xff\"}", 9, HL_ERR_MALFORMED, "UTF-8");
		expect_error(f, "{\"a\":\"\xc0\xaf\"}", 10, HL_ERR_MALFORMED, "UTF-8");
		expect_error(f, "{\"a\":\"\xed\xa0\x80\"}", 11, HL_ERR_MALFORMED, "UTF-8");
		expect_error(f, "{\"a\":\"\\ud800\"}", 14, HL_ERR_MALFORMED, "escape");
		expect_error(f, "{\"a\":\"\\x\"}", 10, HL_ERR_MALFORMED, "escape");
		expect_error(f, "{\"a\":\"\t\"}", 9, HL_ERR_MALFORMED, "control");
		expect_error(f, "{\"a\":1}\0", 8, HL_ERR_MALFORMED, "after");
		/* JSON, but not an object; not JSON */
		expect_error(f, "[1]", 3, HL_ERR_MALFORMED, "object");
		expect_error(f, "{\"a\":01}", 8, HL_ERR_MALFORMED, NULL);
		expect_error(f, "{\"a\":1.}", 8, HL_ERR_MALFORMED, NULL);
		expect_error(f, "{\"a\":tru}", 9, HL_ERR_MALFORMED, NULL);
		expect_error(f, "{\"a\" 1}", 7, HL_ERR_MALFORMED, "':'");
		expect_error(f, "{\"a\":1,}", 8, HL_ERR_MALFORMED, "key");
		expect_error(f, "{\"a\":1} x", 9, HL_ERR_MALFORMED, "after");
		assert_int_equal(parse(f, " \r\n"), HL_SENSOR_IGNORED);
	}
	/* wrong types, named */
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"dns\",\"src_ip\":5}", 31,
	    HL_ERR_MALFORMED, "src_ip is a number");
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"dns\",\"dns\":\"x\"}", 30,
	    HL_ERR_MALFORMED, "dns is a string");
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"event_type\":true}", 19, HL_ERR_MALFORMED,
	    "event_type is true or false");
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"dns\",\"dns\":{\"answers\":[\"x\"]}}",
	    44, HL_ERR_MALFORMED, "dns.answers is a string");
	expect_error(HL_SENSOR_ZEEK_JSON, "{\"query\":[\"a\"]}", 15, HL_ERR_MALFORMED,
	    "query is an array");
	expect_error(HL_SENSOR_ZEEK_JSON, "{\"answers\":[1]}", 15, HL_ERR_MALFORMED,
	    "answers is a number");
	expect_error(HL_SENSOR_TSHARK_EK, "{\"layers\":[]}", 13, HL_ERR_MALFORMED,
	    "layers is an array");
	expect_error(HL_SENSOR_TSHARK_EK, "{\"layers\":{\"ip\":{\"ip_ip_src\":{}}}}", 34,
	    HL_ERR_MALFORMED, "ip.src is an object");
	/* values that must parse */
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"flow\",\"src_ip\":\"x.x.250.50\"}", 43,
	    HL_ERR_MALFORMED, "not an IP address");
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"flow\",\"timestamp\":"
	    "\"2011-02-29T00:00:00Z\"}", 56, HL_ERR_MALFORMED, "not a time");
	expect_error(HL_SENSOR_ZEEK_JSON, "{\"ts\":-1,\"proto\":\"tcp\",\"conn_state\":\"S0\"}", 41,
	    HL_ERR_MALFORMED, "not a time");
	expect_error(HL_SENSOR_TSHARK_EK, "{\"timestamp\":\"12ab\",\"layers\":{}}", 32,
	    HL_ERR_MALFORMED, "not a time");
	expect_error(HL_SENSOR_SURICATA_EVE, "{\"src_ip\":\"1.2.3.4\"}", 20, HL_ERR_MALFORMED,
	    "no event_type");
	expect_error(HL_SENSOR_TSHARK_EK, "{\"timestamp\":\"1\"}", 17, HL_ERR_MALFORMED,
	    "no layers");
	expect_error(0, "{}", 2, HL_ERR_INVALID, "format");
}

static void
test_limits(void **state)
{
	static char line[HL_SENSOR_LINE_MAX];
	size_t n, i;

	(void)state;
	/* HL_SENSOR_OBS_MAX distinct observables fit, one more does not */
	for (i = 0; i < 2; i++) {
		size_t k, want = HL_SENSOR_OBS_MAX - 2 + i;

		n = (size_t)snprintf(line, sizeof(line), "{\"event_type\":\"dns\",\"src_ip\":\"10.0.0.1\","
		    "\"dest_ip\":\"10.0.0.2\",\"dns\":{\"grouped\":{\"A\":[");
		for (k = 0; k < want; k++)
			n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\"10.1.%zu.%zu\"",
			    k ? "," : "", k / 256, k % 256);
		n += (size_t)snprintf(line + n, sizeof(line) - n, "]}}}");
		if (i == 0) {
			assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, line), 0);
			assert_int_equal(ev.nobs, HL_SENSOR_OBS_MAX);
		} else {
			expect_error(HL_SENSOR_SURICATA_EVE, line, n, HL_ERR_TOO_BIG, "observables");
		}
	}
	/* the same answer many times: one observable */
	n = (size_t)snprintf(line, sizeof(line), "{\"event_type\":\"dns\",\"dns\":{\"grouped\":"
	    "{\"A\":[");
	for (i = 0; i < 200; i++)
		n += (size_t)snprintf(line + n, sizeof(line) - n, "%s\"10.0.0.9\"", i ? "," : "");
	snprintf(line + n, sizeof(line) - n, "]}}}");
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, line), 0);
	assert_int_equal(ev.nobs, 1);
	/* values longer than any indicator's are left out, not errors */
	n = (size_t)snprintf(line, sizeof(line), "{\"event_type\":\"http\",\"http\":{\"hostname\":"
	    "\"a.example\",\"url\":\"/");
	memset(line + n, 'x', 2000);
	snprintf(line + n + 2000, sizeof(line) - n - 2000, "\"}}");
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, line), 0);
	assert_int_equal(ev.nobs, 1);
	/* names that are no domain, hashes that are no hash: left out */
	assert_int_equal(parse(HL_SENSOR_SURICATA_EVE, "{\"event_type\":\"fileinfo\",\"fileinfo\":"
	    "{\"md5\":\"a\",\"sha1\":\"zz\"},\"http\":{\"hostname\":\"bad name..x\"},\"dns\":{\"rrname\":"
	    "\"<Root>\"}}"), 0);
	assert_int_equal(ev.nobs, 0);
}

/* Every one-byte change of each good line: an event, a skip or an error
 * with a message, never a crash or a read past the line (ASan runs). */
static void
test_mutations(void **state)
{
	static const uint8_t bytes[] = { 0, '"', '\\', '{', '}', '[', ']', ':', ',', '0', 'a', ' ',
		0x7f, 0x80, 0xc3, 0xff };
	char line[512];
	size_t i, b, n;
	int f, r;

	(void)state;
	for (f = HL_SENSOR_SURICATA_EVE; f <= HL_SENSOR_TSHARK_EK; f++) {
		n = strlen(good[f]);
		for (i = 0; i < n; i++) {
			for (b = 0; b < sizeof(bytes); b++) {
				char *copy = hl_malloc(n);

				assert_non_null(copy);
				memcpy(copy, good[f], n);
				copy[i] = (char)bytes[b];
				r = hl_sensor_parse(f, copy, n, &ev, err, sizeof(err));
				if (r < 0)
					assert_true(err[0] != '\0');
				assert_true(ev.nobs <= HL_SENSOR_OBS_MAX);
				hl_free(copy);
			}
		}
		(void)line;
	}
}

static void
test_names(void **state)
{
	(void)state;
	assert_int_equal(hl_sensor_format_parse("suricata-eve"), HL_SENSOR_SURICATA_EVE);
	assert_int_equal(hl_sensor_format_parse("zeek-json"), HL_SENSOR_ZEEK_JSON);
	assert_int_equal(hl_sensor_format_parse("tshark-ek"), HL_SENSOR_TSHARK_EK);
	assert_int_equal(hl_sensor_format_parse("zeek"), 0);
	assert_int_equal(hl_sensor_format_parse(NULL), 0);
	assert_string_equal(hl_sensor_format_name(HL_SENSOR_TSHARK_EK), "tshark-ek");
	assert_string_equal(hl_sensor_type_name(HL_SENSOR_FILE), "file");
	assert_string_equal(hl_sensor_role_name(HL_SENSOR_TLS_CERT), "tls-cert");
	assert_string_equal(hl_sensor_role_name(99), "unknown");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_suricata_fixture),
		cmocka_unit_test(test_suricata_shapes),
		cmocka_unit_test(test_zeek_fixtures),
		cmocka_unit_test(test_zeek_shapes),
		cmocka_unit_test(test_tshark_fixture),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_mutations),
		cmocka_unit_test(test_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
