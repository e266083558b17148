/* test_taxiic.c: the TAXII client's response parsers (discovery,
 * collections, envelope, status, error bodies), the header lookup and the
 * URL parser, each with valid and malformed inputs and the limits. The
 * transport is exercised against a node in tests/integration/62-stix-flow.sh. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "config.h"
#include "errors.h"
#include "taxiic.h"

static int
setup(void **state)
{
	(void)state;
	hl_apijson_init();
	return 0;
}

#define U(s) (const uint8_t *)(s), strlen(s)

static void
test_discovery(void **state)
{
	static struct hl_taxii_discovery d;
	char err[256];

	(void)state;
	assert_int_equal(hl_taxiic_parse_discovery(U("{\"title\":\"JPN node\",\"default\":"
	    "\"https://n/taxii2/hotline/\",\"api_roots\":[\"https://n/taxii2/hotline/\","
	    "\"/other/\"]}"), &d, err, sizeof(err)), HL_OK);
	assert_string_equal(d.title, "JPN node");
	assert_string_equal(d.def, "https://n/taxii2/hotline/");
	assert_int_equal(d.nroots, 2);
	assert_string_equal(d.roots[1], "/other/");
	assert_int_equal(hl_taxiic_parse_discovery(U("{\"title\":\"x\"}"), &d, err, sizeof(err)),
	    HL_OK);
	assert_int_equal(d.nroots, 0);
	assert_int_equal(hl_taxiic_parse_discovery(U("{\"default\":\"x\"}"), &d, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "title"));
	assert_int_equal(hl_taxiic_parse_discovery(U("{\"title\":\"x\",\"api_roots\":[1]}"), &d,
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(d.nroots, 0);
	assert_int_equal(hl_taxiic_parse_discovery(U("{\"title\":\"x\",\"api_roots\":\"a\"}"), &d,
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_discovery(U("[]"), &d, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_discovery(U("{\"title\":\"a\\u0001b\"}"), &d, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_discovery((const uint8_t *)"", 0, &d, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_null(strchr(err, '\n'));
}

static void
test_discovery_limits(void **state)
{
	static struct hl_taxii_discovery d;
	char err[256], *big;
	size_t i, off = 0, cap = 64 + (HL_TAXIIC_ROOTS_MAX + 1) * 6;

	(void)state;
	big = malloc(cap);
	assert_non_null(big);
	off += (size_t)snprintf(big, cap, "{\"title\":\"t\",\"api_roots\":[\"/a/\"");
	for (i = 0; i < HL_TAXIIC_ROOTS_MAX; i++)
		off += (size_t)snprintf(big + off, cap - off, ",\"/a/\"");
	snprintf(big + off, cap - off, "]}");
	assert_int_equal(hl_taxiic_parse_discovery(U(big), &d, err, sizeof(err)), HL_ERR_TOO_BIG);
	free(big);
	big = malloc(HL_TAXIIC_TITLE_MAX + 64);
	assert_non_null(big);
	memset(big, 'a', HL_TAXIIC_TITLE_MAX + 63);
	memcpy(big, "{\"title\":\"", 10);
	memcpy(big + HL_TAXIIC_TITLE_MAX + 61, "\"}", 2);
	big[HL_TAXIIC_TITLE_MAX + 63] = '\0';
	assert_int_equal(hl_taxiic_parse_discovery(U(big), &d, err, sizeof(err)), HL_ERR_TOO_BIG);
	free(big);
}

static void
test_collections(void **state)
{
	struct hl_taxii_collections c;
	char err[256];

	(void)state;
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":[{\"id\":\"intel\","
	    "\"title\":\"Shared intel\",\"can_read\":true,\"can_write\":false},{\"id\":\"b\","
	    "\"title\":\"B\",\"can_read\":false,\"can_write\":true,\"media_types\":[\"x\"]}]}"), &c,
	    err, sizeof(err)), HL_OK);
	assert_int_equal(c.n, 2);
	assert_string_equal(c.c[0].id, "intel");
	assert_string_equal(c.c[0].title, "Shared intel");
	assert_true(c.c[0].can_read && !c.c[0].can_write);
	assert_true(!c.c[1].can_read && c.c[1].can_write);
	hl_taxiic_collections_clear(&c);
	assert_null(c.c);
	/* none at all is valid */
	assert_int_equal(hl_taxiic_parse_collections(U("{}"), &c, err, sizeof(err)), HL_OK);
	assert_int_equal(c.n, 0);
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":[{\"title\":\"x\"}]}"), &c,
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "collections[0]"));
	assert_int_equal(c.n, 0);
	assert_null(c.c);
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":[{\"id\":\"a/b\","
	    "\"title\":\"x\"}]}"), &c, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":[{\"id\":\"a\","
	    "\"title\":\"x\",\"can_read\":\"yes\"}]}"), &c, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":[7]}"), &c, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":{}}"), &c, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_collections(U("{\"collections\":[],\"collections\":[]}"),
	    &c, err, sizeof(err)), HL_ERR_MALFORMED);
}

static void
test_envelope(void **state)
{
	struct hl_taxii_page pg;
	char err[256];

	(void)state;
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"more\":true,\"next\":\"tok+/=\","
	    "\"objects\":[{\"type\":\"indicator\",\"id\":\"indicator--1\",\"x_custom\":[1,2]},"
	    "{\"type\":\"note\",\"id\":\"note--2\"}]}"), &pg, err, sizeof(err)), HL_OK);
	assert_true(pg.more);
	assert_string_equal(pg.next, "tok+/=");
	assert_int_equal(json_array_size(pg.objects), 2);
	assert_string_equal(json_string_value(json_object_get(json_array_get(pg.objects, 0),
	    "id")), "indicator--1");
	assert_non_null(json_object_get(json_array_get(pg.objects, 0), "x_custom"));
	hl_taxiic_page_clear(&pg);
	assert_null(pg.objects);
	/* an empty envelope {} is a valid last page */
	assert_int_equal(hl_taxiic_parse_envelope(U("{}"), &pg, err, sizeof(err)), HL_OK);
	assert_false(pg.more);
	assert_int_equal(json_array_size(pg.objects), 0);
	hl_taxiic_page_clear(&pg);
	/* more without next: some servers send it; the pager pages by added_after */
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"more\":true,\"objects\":[{\"type\":"
	    "\"x\",\"id\":\"x--1\"}]}"), &pg, err, sizeof(err)), HL_OK);
	assert_true(pg.more);
	assert_string_equal(pg.next, "");
	hl_taxiic_page_clear(&pg);
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"more\":true,\"next\":7}"), &pg, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "next"));
	assert_null(pg.objects);
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"objects\":[{\"id\":\"x--1\"}]}"), &pg, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "objects[0]"));
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"objects\":[{\"type\":\"x\",\"id\":5}]}"),
	    &pg, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"objects\":[[]]}"), &pg, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"more\":1,\"objects\":[]}"), &pg, err,
	    sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"objects\":[] "), &pg, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_envelope(U("{\"objects\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[["
	    "[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}"), &pg, err, sizeof(err)),
	    HL_ERR_MALFORMED);
}

static void
test_status(void **state)
{
	struct hl_taxii_status s;
	char err[256];

	(void)state;
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"2d086da7-4bdc-4f91-900e-d77486753710\","
	    "\"status\":\"complete\",\"request_timestamp\":\"2026-11-23T10:00:00Z\","
	    "\"total_count\":4,\"success_count\":2,\"failure_count\":1,\"pending_count\":1,"
	    "\"successes\":[{\"id\":\"indicator--1\"}],\"failures\":[{\"id\":\"indicator--2\","
	    "\"version\":\"2026-11-23T10:00:00Z\",\"message\":\"created: not an RFC 3339 "
	    "timestamp\\nsecond line\"}]}"), &s, err, sizeof(err)), HL_OK);
	assert_string_equal(s.id, "2d086da7-4bdc-4f91-900e-d77486753710");
	assert_true(s.complete);
	assert_true(s.total == 4 && s.success == 2 && s.failure == 1 && s.pending == 1);
	assert_int_equal(s.nfail, 1);
	assert_string_equal(s.fail[0].id, "indicator--2");
	assert_string_equal(s.fail[0].message, "created: not an RFC 3339 timestamp second line");
	hl_taxiic_status_clear(&s);
	assert_null(s.fail);
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"a\",\"status\":\"pending\","
	    "\"total_count\":1,\"success_count\":0,\"failure_count\":0,\"pending_count\":1}"), &s,
	    err, sizeof(err)), HL_OK);
	assert_false(s.complete);
	hl_taxiic_status_clear(&s);
	/* counts must add up, be present and not negative; status known */
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"a\",\"status\":\"complete\","
	    "\"total_count\":3,\"success_count\":1,\"failure_count\":0,\"pending_count\":0}"), &s,
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "add up"));
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"a\",\"status\":\"complete\","
	    "\"total_count\":1,\"success_count\":1,\"failure_count\":0}"), &s, err, sizeof(err)),
	    HL_ERR_MALFORMED);
	assert_non_null(strstr(err, "pending_count"));
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"a\",\"status\":\"complete\","
	    "\"total_count\":-1,\"success_count\":-1,\"failure_count\":0,\"pending_count\":0}"), &s,
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"a\",\"status\":\"done\","
	    "\"total_count\":0,\"success_count\":0,\"failure_count\":0,\"pending_count\":0}"), &s,
	    err, sizeof(err)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_parse_status(U("{\"id\":\"a\",\"status\":\"complete\","
	    "\"total_count\":1,\"success_count\":0,\"failure_count\":1,\"pending_count\":0,"
	    "\"failures\":[{\"message\":\"no id\"}]}"), &s, err, sizeof(err)), HL_ERR_MALFORMED);
	assert_null(s.fail);
	assert_int_equal(hl_taxiic_parse_status(U("{\"status\":\"complete\"}"), &s, err,
	    sizeof(err)), HL_ERR_MALFORMED);
}

static void
test_error_text(void **state)
{
	char t[64];

	(void)state;
	hl_taxiic_error_text(U("{\"title\":\"Unsupported media type\",\"description\":\"use taxii\","
	    "\"http_status\":\"415\"}"), t, sizeof(t));
	assert_string_equal(t, "Unsupported media type: use taxii");
	hl_taxiic_error_text(U("{\"message\":\"denied\"}"), t, sizeof(t));
	assert_string_equal(t, "denied");
	hl_taxiic_error_text(U("<html>"), t, sizeof(t));
	assert_string_equal(t, "");
	hl_taxiic_error_text(U("{\"title\":\"a\\nb\"}"), t, sizeof(t));
	assert_string_equal(t, "a b");
	/* an empty description adds nothing */
	hl_taxiic_error_text(U("{\"title\":\"'next' not valid\",\"description\":\"\"}"), t,
	    sizeof(t));
	assert_string_equal(t, "'next' not valid");
}

static void
test_header(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nContent-Type: application/taxii+json;"
	    "version=2.1\r\nx-taxii-date-added-first:2026-11-23T10:00:00.000Z\r\n"
	    "X-TAXII-Date-Added-Last:   2026-11-23T10:05:00.123Z  \r\n\r\n";
	char v[64], small[8];

	(void)state;
	assert_int_equal(hl_taxiic_header(U(head), "X-TAXII-Date-Added-Last", v, sizeof(v)), HL_OK);
	assert_string_equal(v, "2026-11-23T10:05:00.123Z");
	assert_int_equal(hl_taxiic_header(U(head), "X-TAXII-Date-Added-First", v, sizeof(v)), HL_OK);
	assert_string_equal(v, "2026-11-23T10:00:00.000Z");
	assert_int_equal(hl_taxiic_header(U(head), "X-TAXII-Date-Added", v, sizeof(v)),
	    HL_ERR_NOT_FOUND);
	assert_int_equal(hl_taxiic_header(U(head), "X-TAXII-Date-Added-Last", small, sizeof(small)),
	    HL_ERR_TOO_BIG);
	assert_int_equal(hl_taxiic_header(U("HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n"), "X", v,
	    sizeof(v)), HL_ERR_MALFORMED);
	assert_int_equal(hl_taxiic_header((const uint8_t *)"", 0, "X", v, sizeof(v)),
	    HL_ERR_NOT_FOUND);
	/* the status line itself is not a header */
	assert_int_equal(hl_taxiic_header(U("X: y\r\n\r\n"), "X", v, sizeof(v)), HL_ERR_NOT_FOUND);
}

static void
test_url(void **state)
{
	char host[HL_HOST_MAX + 1], path[HL_TAXIIC_URL_MAX + 1], *big;
	uint16_t port;

	(void)state;
	assert_int_equal(hl_taxiic_parse_url("https://taxii.example.org/api1/collections/abc/objects",
	    host, &port, path), HL_OK);
	assert_string_equal(host, "taxii.example.org");
	assert_int_equal(port, 443);
	assert_string_equal(path, "/api1/collections/abc/objects/");
	assert_int_equal(hl_taxiic_parse_url("https://127.0.0.1:8402/taxii2/hotline/", host, &port,
	    path), HL_OK);
	assert_string_equal(host, "127.0.0.1");
	assert_int_equal(port, 8402);
	assert_string_equal(path, "/taxii2/hotline/");
	assert_int_equal(hl_taxiic_parse_url("https://[::1]:9000", host, &port, path), HL_OK);
	assert_string_equal(host, "::1");
	assert_int_equal(port, 9000);
	assert_string_equal(path, "/");
	assert_int_equal(hl_taxiic_parse_url("http://a/", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://a:0/", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://a:65536/", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://a:x/", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://:80/", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://u@a/", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://a/b?c=d", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://a/b c", host, &port, path), HL_ERR_INVALID);
	assert_int_equal(hl_taxiic_parse_url("https://[::1/", host, &port, path), HL_ERR_INVALID);
	assert_string_equal(host, "");
	big = malloc(HL_TAXIIC_URL_MAX + 32);
	assert_non_null(big);
	memset(big, 'a', HL_TAXIIC_URL_MAX + 31);
	memcpy(big, "https://h/", 10);
	big[HL_TAXIIC_URL_MAX + 31] = '\0';
	assert_int_equal(hl_taxiic_parse_url(big, host, &port, path), HL_ERR_INVALID);
	free(big);
}

static void
test_alloc_failures(void **state)
{
	static const char env[] = "{\"more\":false,\"objects\":[{\"type\":\"a\",\"id\":\"a--1\"}]}";
	static const char st[] = "{\"id\":\"a\",\"status\":\"complete\",\"total_count\":1,"
	    "\"success_count\":0,\"failure_count\":1,\"pending_count\":0,\"failures\":"
	    "[{\"id\":\"x--1\",\"message\":\"m\"}]}";
	struct hl_taxii_page pg;
	struct hl_taxii_status s;
	int64_t live = hl_alloc_live();
	uint64_t n;
	char err[128];
	int r, ok1 = 0, ok2 = 0;

	(void)state;
	for (n = 1; n < 200 && !(ok1 && ok2); n++) {
		hl_alloc_fail_at(n);
		r = hl_taxiic_parse_envelope(U(env), &pg, err, sizeof(err));
		hl_alloc_fail_at(0);
		assert_true(r == HL_OK || r == HL_ERR_NOMEM || r == HL_ERR_MALFORMED);
		if (r == HL_OK) {
			ok1 = 1;
			hl_taxiic_page_clear(&pg);
		}
		hl_alloc_fail_at(n);
		r = hl_taxiic_parse_status(U(st), &s, err, sizeof(err));
		hl_alloc_fail_at(0);
		assert_true(r == HL_OK || r == HL_ERR_NOMEM || r == HL_ERR_MALFORMED);
		if (r == HL_OK) {
			ok2 = 1;
			hl_taxiic_status_clear(&s);
		}
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(ok1 && ok2);
}

/* ---- [taxii_source NAME] in the node configuration (config.c) ---- */

#define CONF_HEAD \
    "[node]\nname = KOR/node-1\nlisten = 127.0.0.1:7402\napi = 127.0.0.1:8402\n" \
    "data = data\ncertificate = node.crt\nkey = node.key\nca = ca.crt\n" \
    "[collection mirror]\n"

static int
parse_conf(const char *tail, struct hl_config *c, char *err, size_t errlen)
{
	char text[4096];

	snprintf(text, sizeof(text), "%s%s", CONF_HEAD, tail);
	return hl_config_parse((const uint8_t *)text, strlen(text), "node.conf", "/etc/hl", c,
	    err, errlen);
}

static void
test_source_config(void **state)
{
	static struct hl_config c;
	const struct hl_taxii_source_conf *s;
	char err[512];

	(void)state;
	assert_int_equal(parse_conf("[taxii_source jpn]\n"
	    "url = https://127.0.0.1:8401/taxii2/hotline/\n"
	    "collection_id = 48df6fde-1223-85d5-b312-22903c7816ef\n"
	    "user = admin\npassword_file = jpn.password\nca = ../JPN/ca.crt\n"
	    "node = JPN/node-1\ninterval = 15m\ncollection = mirror\n"
	    "[taxii_source vendor]\n"
	    "url = https://taxii.example/api1/collections/abc/objects/\n"
	    "user = u\npassword_file = /secret/pw\nca = v.pem\ncollection = mirror\n",
	    &c, err, sizeof(err)), HL_OK);
	assert_int_equal(c.nsources, 2);
	assert_non_null(s = hl_config_taxii_source(&c, "jpn"));
	assert_string_equal(s->url, "https://127.0.0.1:8401/taxii2/hotline/");
	assert_string_equal(s->collection_id, "48df6fde-1223-85d5-b312-22903c7816ef");
	assert_string_equal(s->password_file, "/etc/hl/jpn.password");
	assert_string_equal(s->ca_path, "/etc/hl/../JPN/ca.crt");
	assert_string_equal(s->node, "JPN/node-1");
	assert_int_equal(s->interval_s, 900);
	assert_string_equal(s->collection, "mirror");
	assert_non_null(s = hl_config_taxii_source(&c, "vendor"));
	assert_int_equal(s->interval_s, 3600);   /* default */
	assert_string_equal(s->password_file, "/secret/pw");
	assert_null(hl_config_taxii_source(&c, "other"));
}

static void
expect_conf_bad(const char *tail, const char *want)
{
	static struct hl_config c;
	char err[512];

	if (parse_conf(tail, &c, err, sizeof(err)) == HL_OK)
		fail_msg("accepted: %s", tail);
	if (strstr(err, want) == NULL)
		fail_msg("error \"%s\" lacks \"%s\"", err, want);
	assert_null(strchr(err, '\n'));
}

#define SRC_OK "url = https://h/r/\ncollection_id = c\nuser = u\npassword_file = p\n" \
    "ca = a\ncollection = mirror\n"

static void
test_source_config_bad(void **state)
{
	(void)state;
	expect_conf_bad("[taxii_source a]\nuser = u\npassword_file = p\nca = a\n"
	    "collection = mirror\n", "missing key 'url'");
	expect_conf_bad("[taxii_source a]\nurl = https://h/r/\nuser = u\npassword_file = p\n"
	    "ca = a\ncollection = mirror\n", "collection_id");
	expect_conf_bad("[taxii_source a]\nurl = http://h/r/\n", "expected https://");
	expect_conf_bad("[taxii_source a]\nurl = https://h/r/?x=1\n", "no query");
	expect_conf_bad("[taxii_source a]\nurl = https:///r/\n", "expected https://");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "interval = 0s\n", "interval");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "interval = 8d\n", "interval");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "node = nobody\n", "node");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "user = x\n", "duplicate key 'user'");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "colour = red\n", "unknown key 'colour'");
	expect_conf_bad("[taxii_source a]\nurl = https://h/r/\ncollection_id = c\nuser = u\n"
	    "password_file = p\nca = a\ncollection = elsewhere\n", "is not a [collection]");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "collection_id = a/b\n", "collection_id");
	expect_conf_bad("[taxii_source a]\n" SRC_OK "[taxii_source a]\n" SRC_OK,
	    "duplicate section [taxii_source a]");
	expect_conf_bad("[taxii_source a b]\n" SRC_OK, "taxii_source");
	expect_conf_bad("[taxii_source a]\nurl = https://h/r/\ncollection_id = c\n"
	    "user = u:v\n", "without ':'");
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_discovery),
		cmocka_unit_test(test_discovery_limits),
		cmocka_unit_test(test_collections),
		cmocka_unit_test(test_envelope),
		cmocka_unit_test(test_status),
		cmocka_unit_test(test_error_text),
		cmocka_unit_test(test_header),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_source_config),
		cmocka_unit_test(test_source_config_bad),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
