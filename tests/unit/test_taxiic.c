/* test_taxiic.c: the TAXII client's response parsers (discovery,
 * collections, envelope, status, error bodies), the header lookup and the
 * URL parser, each with valid and malformed inputs and the limits; the
 * pager against a model of the OASIS reference server (medallion) and of
 * servers that ignore next, send more without next, repeat next or expire
 * their tokens, with random configurations checked against the rule that
 * the kept position never passes an object not received; the objects path
 * the client and the poll bridge ask for. The transport is httpc.c's
 * (tests/unit/test_httpc.c), exercised against servers in
 * tests/integration/62-stix-flow.sh and 64-taxii-pull.sh. */
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
	assert_int_equal(hl_httpc_header(U(head), "X-TAXII-Date-Added-Last", v, sizeof(v)), HL_OK);
	assert_string_equal(v, "2026-11-23T10:05:00.123Z");
	assert_int_equal(hl_httpc_header(U(head), "X-TAXII-Date-Added-First", v, sizeof(v)), HL_OK);
	assert_string_equal(v, "2026-11-23T10:00:00.000Z");
	assert_int_equal(hl_httpc_header(U(head), "X-TAXII-Date-Added", v, sizeof(v)),
	    HL_ERR_NOT_FOUND);
	assert_int_equal(hl_httpc_header(U(head), "X-TAXII-Date-Added-Last", small, sizeof(small)),
	    HL_ERR_TOO_BIG);
	assert_int_equal(hl_httpc_header(U("HTTP/1.1 200 OK\r\nX: a\001b\r\n\r\n"), "X", v,
	    sizeof(v)), HL_ERR_MALFORMED);
	assert_int_equal(hl_httpc_header((const uint8_t *)"", 0, "X", v, sizeof(v)),
	    HL_ERR_NOT_FOUND);
	/* the status line itself is not a header */
	assert_int_equal(hl_httpc_header(U("X: y\r\n\r\n"), "X", v, sizeof(v)), HL_ERR_NOT_FOUND);
}

/* The page a request asks for (the CLI's client and the poll bridge), and
 * a page's positions from its head. */
static void
test_objects_path(void **state)
{
	static const char head[] = "HTTP/1.1 200 OK\r\nX-TAXII-Date-Added-First: "
	    "2026-11-23T10:00:00Z\r\nX-TAXII-Date-Added-Last: 2026-11-23T10:05:00\001Z\r\n\r\n";
	struct hl_taxii_page pg;
	char *p = NULL, big[HL_TAXIIC_NEXT_MAX * 8];

	(void)state;
	assert_int_equal(hl_taxiic_objects_path("/r/collections/c/objects/", NULL, 0, NULL, &p),
	    HL_OK);
	assert_string_equal(p, "/r/collections/c/objects/");
	hl_free(p);
	assert_int_equal(hl_taxiic_objects_path("/o/", "2026-11-23T10:00:00.5+00:00", 1000,
	    "a b&c=d/é", &p), HL_OK);
	assert_string_equal(p, "/o/?added_after=2026-11-23T10:00:00.5%2B00:00&limit=1000"
	    "&next=a%20b%26c%3Dd%2F%C3%A9");
	hl_free(p);
	assert_int_equal(hl_taxiic_objects_path("/o/", "", 5, "", &p), HL_OK);
	assert_string_equal(p, "/o/?limit=5");
	hl_free(p);
	/* a next token longer than the client ever keeps */
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	assert_int_equal(hl_taxiic_objects_path("/o/", NULL, 0, big, &p), HL_ERR_TOO_BIG);
	assert_null(p);
	memset(&pg, 0, sizeof(pg));
	hl_taxiic_page_headers(U(head), &pg);
	assert_string_equal(pg.date_added_first, "2026-11-23T10:00:00Z");
	assert_string_equal(pg.date_added_last, "");   /* a control character: not kept */
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

/* ---- the pager against a model server ----
 *
 * Object i was added by POST group[i] (non-decreasing); every object of a
 * POST has the same date_added. The model pages like medallion: at most
 * `page` objects, a next token for the rest of the answer, 400 when
 * added_after changes while next is followed or the token is unknown. */

enum model_mode { M_MEDALLION, M_IGNORES, M_NONEXT, M_LOOPS, M_EXPIRES };

#define MODEL_MAX 4096
#define MODEL_SESSIONS 4096

struct model_session {
	char after[HL_TAXIIC_TIME_MAX + 1];
	unsigned page_start, next_start, served;
};

struct model {
	enum model_mode mode;
	unsigned n, page, expires_after;
	unsigned group[MODEL_MAX];
	unsigned received[MODEL_MAX];
	struct model_session s[MODEL_SESSIONS];
	unsigned nsessions, requests, refused;
};

static void
model_time(unsigned g, char out[HL_TAXIIC_TIME_MAX + 1])
{
	snprintf(out, HL_TAXIIC_TIME_MAX + 1, "2026-01-01T%02u:%02u:%02u.123456Z", g / 3600,
	    g / 60 % 60, g % 60);
}

/* n objects in POSTs of the sizes given in turn */
static void
model_init(struct model *m, enum model_mode mode, unsigned n, unsigned page,
    const unsigned *sizes, size_t nsizes)
{
	unsigned i = 0, g = 0, k;

	memset(m, 0, sizeof(*m));
	m->mode = mode;
	m->n = n;
	m->page = page;
	m->expires_after = 2;
	assert_true(n <= MODEL_MAX);
	while (i < n) {
		for (k = 0; k < sizes[g % nsizes] && i < n; k++)
			m->group[i++] = g;
		g++;
	}
}

static unsigned
model_max_group(const struct model *m)
{
	unsigned i, run = 0, best = 0;

	for (i = 0; i < m->n; i++) {
		run = i > 0 && m->group[i] == m->group[i - 1] ? run + 1 : 1;
		if (run > best)
			best = run;
	}
	return best;
}

/* Answer GET ?added_after=after&next=next. OUT: *status, and with 200 *pg
 * (objects, more, next, headers). */
static void
model_get(struct model *m, const char *after, const char *next, struct hl_taxii_page *pg,
    int *status)
{
	struct model_session *s = NULL;
	char t[HL_TAXIIC_TIME_MAX + 1];
	unsigned from = 0, to, i, tok;

	memset(pg, 0, sizeof(*pg));
	m->requests++;
	*status = 400;
	if (next[0] != '\0' && m->mode != M_IGNORES) {
		tok = (unsigned)strtoul(next, NULL, 10);
		if (m->mode == M_NONEXT || tok >= m->nsessions) {
			m->refused++;
			return;
		}
		s = &m->s[tok];
		if (strcmp(s->after, after) != 0 ||
		    (m->mode == M_EXPIRES && s->served > m->expires_after)) {
			m->refused++;
			return;
		}
		from = m->mode == M_LOOPS ? s->page_start : s->next_start;
	} else {
		while (after[0] != '\0' && from < m->n) {
			model_time(m->group[from], t);
			if (strcmp(t, after) > 0)
				break;
			from++;
		}
		assert_true(m->nsessions < MODEL_SESSIONS);
		s = &m->s[m->nsessions];
		snprintf(s->after, sizeof(s->after), "%s", after);
		tok = m->nsessions++;
	}
	to = from + m->page < m->n ? from + m->page : m->n;
	pg->objects = json_array();
	assert_non_null(pg->objects);
	for (i = from; i < to; i++) {
		char id[64];

		snprintf(id, sizeof(id), "indicator--%08u-0000-4000-8000-000000000000", i);
		assert_int_equal(json_array_append_new(pg->objects, json_pack("{s:s,s:s,s:s}",
		    "type", "indicator", "id", id, "modified", "2025-01-01T00:00:00.000Z")), 0);
		m->received[i]++;
	}
	if (to > from) {
		model_time(m->group[from], pg->date_added_first);
		model_time(m->group[to - 1], pg->date_added_last);
	}
	pg->more = to < m->n;
	if (pg->more && m->mode != M_NONEXT)
		snprintf(pg->next, sizeof(pg->next), "%u", tok);
	s->page_start = from;
	s->next_start = to;
	s->served++;
	*status = 200;
}

/* Every object added at or before pos has been received. */
static void
check_position(const struct model *m, const char *pos)
{
	char t[HL_TAXIIC_TIME_MAX + 1];
	unsigned i;

	for (i = 0; pos[0] != '\0' && i < m->n; i++) {
		model_time(m->group[i], t);
		if (strcmp(t, pos) <= 0 && m->received[i] == 0)
			fail_msg("position %s passes object %u (added %s), never received", pos, i, t);
	}
}

/* Run a round to its end (or max_steps requests). OUT: *first_after, the
 * first request's added_after. */
static enum hl_taxii_pager_step
drive(struct model *m, struct hl_taxii_pager *pg, unsigned max_steps, char *first_after)
{
	enum hl_taxii_pager_step step = HL_TAXII_PAGER_ASK;
	struct hl_taxii_page page;
	const char *after, *next;
	unsigned steps = 0;
	int status;

	while (step == HL_TAXII_PAGER_ASK) {
		if (++steps > max_steps)
			return HL_TAXII_PAGER_ASK;
		hl_taxiic_pager_request(pg, &after, &next);
		if (steps == 1 && first_after != NULL)
			snprintf(first_after, HL_TAXIIC_TIME_MAX + 1, "%s", after);
		model_get(m, after, next, &page, &status);
		if (status != 200)
			step = hl_taxiic_pager_refused(pg, status, "ProcessingError: 'next' not valid");
		else
			assert_int_equal(hl_taxiic_pager_page(pg, &page, &step), HL_OK);
		hl_taxiic_page_clear(&page);
		check_position(m, pg->pos);
	}
	return step;
}

static unsigned
model_received(const struct model *m)
{
	unsigned i, k = 0;

	for (i = 0; i < m->n; i++)
		k += m->received[i] > 0;
	return k;
}

static const unsigned posts[] = { 250, 7, 200, 1, 150, 99, 100, 101 };

/* The poll bridge before issue 12: added_after moved to each page's
 * X-TAXII-Date-Added-Last, next still followed; a refusal ends the round.
 * OUT: objects newly received in the round. */
static unsigned
old_bridge_round(struct model *m, char cursor[HL_TAXIIC_TIME_MAX + 1])
{
	struct hl_taxii_page pg;
	char next[HL_TAXIIC_NEXT_MAX + 1] = "";
	unsigned before = model_received(m), pages;
	int status;

	for (pages = 0; pages < 1000; pages++) {
		model_get(m, cursor, next, &pg, &status);
		if (status != 200)
			break;
		if (pg.date_added_last[0] != '\0')
			snprintf(cursor, HL_TAXIIC_TIME_MAX + 1, "%s", pg.date_added_last);
		snprintf(next, sizeof(next), "%s", pg.more ? pg.next : "");
		hl_taxiic_page_clear(&pg);
		if (next[0] == '\0')
			break;
	}
	hl_taxiic_page_clear(&pg);
	return model_received(m) - before;
}

static void
test_pager_defect(void **state)
{
	static struct model m;
	struct hl_taxii_pager pg;
	char cursor[HL_TAXIIC_TIME_MAX + 1] = "", t[HL_TAXIIC_TIME_MAX + 1];
	unsigned r, got = 0;

	(void)state;
	/* the model reproduces the defect as filed: 929 objects, pages of 100,
	 * the old bridge loses objects for good and later rounds fetch 0 */
	model_init(&m, M_MEDALLION, 929, 100, posts, 8);
	for (r = 0; r < 13; r++)
		got += old_bridge_round(&m, cursor);
	assert_true(got < 929);
	assert_true(m.refused > 0);
	assert_int_equal(old_bridge_round(&m, cursor), 0);
	assert_int_equal(model_received(&m), got);

	/* the pager: one round, one sequence of 10 pages, nothing refused */
	model_init(&m, M_MEDALLION, 929, 100, posts, 8);
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
	assert_int_equal(drive(&m, &pg, 100, NULL), HL_TAXII_PAGER_DONE);
	assert_int_equal(model_received(&m), 929);
	assert_int_equal(m.refused, 0);
	assert_int_equal(pg.pages, 10);
	assert_int_equal(pg.sequences, 1);
	assert_int_equal(pg.fetched, 929);
	assert_int_equal(pg.repeated, 0);
	assert_string_equal(pg.note, "");
	model_time(m.group[928], t);
	assert_string_equal(pg.pos, t);
	/* the next round asks from there and gets nothing */
	snprintf(cursor, sizeof(cursor), "%s", pg.pos);
	hl_taxiic_pager_clear(&pg);
	assert_int_equal(hl_taxiic_pager_start(&pg, cursor, 1000), HL_OK);
	assert_int_equal(drive(&m, &pg, 10, t), HL_TAXII_PAGER_DONE);
	assert_string_equal(t, cursor);
	assert_int_equal(pg.fetched, 0);
	assert_string_equal(pg.pos, cursor);
	hl_taxiic_pager_clear(&pg);
}

static void
test_pager_restart(void **state)
{
	static struct model m;
	struct hl_taxii_pager pg;
	char kept[HL_TAXIIC_TIME_MAX + 1], first[HL_TAXIIC_TIME_MAX + 1];
	unsigned cut;

	(void)state;
	/* a round cut after `cut` pages (the node killed); the next round starts
	 * from the position kept then, and nothing is missing */
	for (cut = 1; cut <= 12; cut++) {
		model_init(&m, M_MEDALLION, 1200, 100, posts, 8);
		assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
		assert_int_equal(drive(&m, &pg, cut, NULL), cut < 12 ? HL_TAXII_PAGER_ASK :
		    HL_TAXII_PAGER_DONE);
		snprintf(kept, sizeof(kept), "%s", pg.pos);
		hl_taxiic_pager_clear(&pg);
		memset(m.received, 0, sizeof(m.received));
		/* what the cut round stored is there; mark it so */
		{
			char t[HL_TAXIIC_TIME_MAX + 1];
			unsigned i;

			for (i = 0; i < m.n && kept[0] != '\0'; i++) {
				model_time(m.group[i], t);
				if (strcmp(t, kept) <= 0)
					m.received[i] = 1;
			}
		}
		assert_int_equal(hl_taxiic_pager_start(&pg, kept, 1000), HL_OK);
		assert_int_equal(drive(&m, &pg, 100, first), HL_TAXII_PAGER_DONE);
		assert_string_equal(first, kept);
		assert_int_equal(model_received(&m), 1200);
		if (cut >= 4)
			assert_true(kept[0] != '\0');   /* by then a date_added was complete */
		hl_taxiic_pager_clear(&pg);
	}
}

static void
test_pager_without_next(void **state)
{
	static struct model m;
	static const unsigned forty[] = { 40 }, big[] = { 300 };
	static const enum model_mode modes[] = { M_IGNORES, M_NONEXT, M_LOOPS };
	static const char *const why[] = { "ignores or repeats next", "more without a next",
		"ignores or repeats next" };
	struct hl_taxii_pager pg;
	unsigned i;

	(void)state;
	for (i = 0; i < 3; i++) {
		/* POSTs of 40, pages of 100: paging by added_after gets everything */
		model_init(&m, modes[i], 600, 100, forty, 1);
		assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
		assert_int_equal(drive(&m, &pg, 100, NULL), HL_TAXII_PAGER_DONE);
		assert_int_equal(model_received(&m), 600);
		assert_non_null(strstr(pg.note, why[i]));
		assert_true(pg.sequences > 1);
		hl_taxiic_pager_clear(&pg);
		/* 300 objects of one date_added: a clear error, at once */
		model_init(&m, modes[i], 300, 100, big, 1);
		assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
		assert_int_equal(drive(&m, &pg, 5, NULL), HL_TAXII_PAGER_FAILED);
		assert_non_null(strstr(pg.error, "cannot page past them"));
		assert_non_null(strstr(pg.error, why[i]));
		assert_true(pg.pages <= 2);
		assert_string_equal(pg.pos, "");
		hl_taxiic_pager_clear(&pg);
	}
}

static void
test_pager_refused(void **state)
{
	static struct model m;
	static const unsigned big[] = { 400 };
	struct hl_taxii_pager pg;

	(void)state;
	/* tokens refused after 3 pages: a new sequence from the position */
	model_init(&m, M_EXPIRES, 1200, 100, posts, 8);
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
	assert_int_equal(drive(&m, &pg, 200, NULL), HL_TAXII_PAGER_DONE);
	assert_int_equal(model_received(&m), 1200);
	assert_true(m.refused > 0);
	assert_non_null(strstr(pg.note, "refused a next token (HTTP 400: ProcessingError"));
	hl_taxiic_pager_clear(&pg);
	/* no progress: after HL_TAXIIC_PAGER_RETRIES_MAX retries, an error */
	model_init(&m, M_EXPIRES, 400, 100, big, 1);
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
	assert_int_equal(drive(&m, &pg, 100, NULL), HL_TAXII_PAGER_FAILED);
	assert_int_equal(m.refused, HL_TAXIIC_PAGER_RETRIES_MAX + 1);
	assert_non_null(strstr(pg.error, "HTTP 400"));
	assert_non_null(strstr(pg.error, "again"));
	hl_taxiic_pager_clear(&pg);
	/* a refusal of a first page (no next) is an error at once */
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
	assert_int_equal(hl_taxiic_pager_refused(&pg, 401, "Unauthorized"), HL_TAXII_PAGER_FAILED);
	assert_string_equal(pg.error, "HTTP 401: Unauthorized");
	hl_taxiic_pager_clear(&pg);
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000), HL_OK);
	assert_int_equal(hl_taxiic_pager_refused(&pg, 400, ""), HL_TAXII_PAGER_FAILED);
	assert_string_equal(pg.error, "HTTP 400");
	hl_taxiic_pager_clear(&pg);
}

/* One page of ids a..b-1, as given. */
static void
make_page(struct hl_taxii_page *pg, unsigned a, unsigned b, const char *first,
    const char *last, int more, const char *next)
{
	char id[64];

	memset(pg, 0, sizeof(*pg));
	pg->objects = json_array();
	assert_non_null(pg->objects);
	for (; a < b; a++) {
		snprintf(id, sizeof(id), "x--%u", a);
		assert_int_equal(json_array_append_new(pg->objects, json_pack("{s:s,s:s}", "type",
		    "x", "id", id)), 0);
	}
	snprintf(pg->date_added_first, sizeof(pg->date_added_first), "%s", first);
	snprintf(pg->date_added_last, sizeof(pg->date_added_last), "%s", last);
	pg->more = more;
	snprintf(pg->next, sizeof(pg->next), "%s", next);
}

#define T1 "2026-01-01T00:00:01Z"
#define T2 "2026-01-01T00:00:02.5Z"
#define T3 "2026-01-01T00:00:03.000000001Z"

static void
test_pager_bad_pages(void **state)
{
	struct hl_taxii_pager pg;
	struct hl_taxii_page p;
	enum hl_taxii_pager_step step;
	const char *after, *next;

	(void)state;
	/* the kept position must be a time */
	assert_int_equal(hl_taxiic_pager_start(&pg, "yesterday", 10), HL_ERR_MALFORMED);
	assert_non_null(strstr(pg.error, "yesterday"));
	hl_taxiic_pager_clear(&pg);
	/* a header that is not a time */
	assert_int_equal(hl_taxiic_pager_start(&pg, T1, 10), HL_OK);
	hl_taxiic_pager_request(&pg, &after, &next);
	assert_string_equal(after, T1);
	assert_string_equal(next, "");
	make_page(&p, 0, 2, T2, "soon", 0, "");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_FAILED);
	assert_non_null(strstr(pg.error, "X-TAXII-Date-Added-Last \"soon\""));
	assert_string_equal(pg.pos, T1);
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
	/* pages out of date_added order */
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 10), HL_OK);
	make_page(&p, 0, 2, T2, T3, 1, "n1");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_ASK);
	assert_string_equal(pg.pos, T2);   /* T2 < T3: everything at T2 is in */
	hl_taxiic_page_clear(&p);
	make_page(&p, 2, 4, T1, T3, 0, "");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_FAILED);
	assert_non_null(strstr(pg.error, "not in date_added order"));
	assert_string_equal(pg.pos, T2);
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
	/* no headers: everything is fetched, the position stays */
	assert_int_equal(hl_taxiic_pager_start(&pg, T1, 10), HL_OK);
	make_page(&p, 0, 2, "", "", 1, "n1");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_ASK);
	assert_non_null(strstr(pg.note, "no X-TAXII-Date-Added"));
	hl_taxiic_page_clear(&p);
	make_page(&p, 2, 3, "", "", 0, "");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_DONE);
	assert_string_equal(pg.pos, T1);
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
	/* no headers and more without next: cannot go on */
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 10), HL_OK);
	make_page(&p, 0, 2, "", "", 1, "");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_FAILED);
	assert_non_null(strstr(pg.error, "cannot page further"));
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
	/* empty pages with more: an error once next brings nothing */
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 10), HL_OK);
	make_page(&p, 0, 0, "", "", 1, "n1");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_ASK);
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_FAILED);
	assert_non_null(strstr(pg.error, "empty page"));
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
	/* pages_max: the round ends there, the next goes on from the position */
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 2), HL_OK);
	make_page(&p, 0, 2, T1, T2, 1, "n1");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_ASK);
	hl_taxiic_page_clear(&p);
	make_page(&p, 2, 4, T2, T3, 1, "n1");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_DONE);
	assert_string_equal(pg.pos, T2);
	assert_non_null(strstr(pg.note, "stopped after 2 pages; the next round goes on from " T2));
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
	/* an empty last page ends the sequence where the one before ended */
	assert_int_equal(hl_taxiic_pager_start(&pg, "", 10), HL_OK);
	make_page(&p, 0, 2, T1, T2, 1, "n1");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	hl_taxiic_page_clear(&p);
	make_page(&p, 0, 0, "", "", 0, "");
	assert_int_equal(hl_taxiic_pager_page(&pg, &p, &step), HL_OK);
	assert_int_equal(step, HL_TAXII_PAGER_DONE);
	assert_string_equal(pg.pos, T2);
	hl_taxiic_page_clear(&p);
	hl_taxiic_pager_clear(&pg);
}

/* The pager's memory (the ids seen in a sequence, grown as pages come)
 * failing at each allocation in turn: HL_ERR_NOMEM, nothing leaked, and
 * the pager can still be cleared. */
static void
test_pager_alloc_failures(void **state)
{
	struct hl_taxii_pager pg;
	struct hl_taxii_page p;
	enum hl_taxii_pager_step step;
	int64_t live;
	uint64_t n;
	int r, ok = 0;

	(void)state;
	make_page(&p, 0, 3000, T1, T2, 1, "n1");
	live = hl_alloc_live();
	for (n = 1; n < 100 && !ok; n++) {
		assert_int_equal(hl_taxiic_pager_start(&pg, "", 10), HL_OK);
		hl_alloc_fail_at(n);
		r = hl_taxiic_pager_page(&pg, &p, &step);
		hl_alloc_fail_at(0);
		assert_true(r == HL_OK || r == HL_ERR_NOMEM);
		if (r == HL_OK) {
			ok = 1;
			assert_int_equal(step, HL_TAXII_PAGER_ASK);
			assert_int_equal(pg.fetched, 3000);
		}
		hl_taxiic_pager_clear(&pg);
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(ok);
	hl_taxiic_page_clear(&p);
}

/* Reference check on random servers: the position never passes an object
 * not received, a round always ends within a bound, and a round that
 * fails does so only where the server leaves no way forward. */
static void
test_pager_random(void **state)
{
	static struct model m;
	static const enum model_mode modes[] = { M_MEDALLION, M_IGNORES, M_NONEXT, M_LOOPS,
		M_EXPIRES };
	struct hl_taxii_pager pg;
	enum hl_taxii_pager_step step;
	unsigned sizes[16], it, k, nsizes, ngroups, bound, maxg;

	(void)state;
	srand(12);
	for (it = 0; it < 400; it++) {
		nsizes = 1 + (unsigned)rand() % 16;
		for (k = 0; k < nsizes; k++)
			sizes[k] = 1 + (unsigned)rand() % (rand() % 4 == 0 ? 300 : 60);
		model_init(&m, modes[rand() % 5], 1 + (unsigned)rand() % 1500,
		    1 + (unsigned)rand() % 120, sizes, nsizes);
		m.expires_after = (unsigned)rand() % 4;
		ngroups = m.group[m.n - 1] + 1;
		bound = (ngroups + 1) * (m.n / m.page + 3) * (HL_TAXIIC_PAGER_RETRIES_MAX + 2);
		assert_int_equal(hl_taxiic_pager_start(&pg, "", 1000000), HL_OK);
		step = drive(&m, &pg, bound, NULL);
		maxg = model_max_group(&m);
		if (step == HL_TAXII_PAGER_ASK)
			fail_msg("case %u: no end after %u requests", it, bound);
		if (step == HL_TAXII_PAGER_DONE) {
			if (model_received(&m) != m.n)
				fail_msg("case %u: %u of %u objects", it, model_received(&m), m.n);
		} else if (m.mode == M_MEDALLION) {
			fail_msg("case %u: medallion-like server, failed: %s", it, pg.error);
		} else if (m.mode == M_EXPIRES) {
			if (strstr(pg.error, "HTTP 400") == NULL || maxg < m.page * (m.expires_after + 1))
				fail_msg("case %u: failed (%s) though groups of %u fit in %u pages of %u",
				    it, pg.error, maxg, m.expires_after + 1, m.page);
		} else if (strstr(pg.error, "cannot page past them") == NULL || maxg < m.page) {
			fail_msg("case %u: failed (%s) though groups of %u fit on a page of %u", it,
			    pg.error, maxg, m.page);
		}
		hl_taxiic_pager_clear(&pg);
	}
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
		cmocka_unit_test(test_objects_path),
		cmocka_unit_test(test_url),
		cmocka_unit_test(test_alloc_failures),
		cmocka_unit_test(test_source_config),
		cmocka_unit_test(test_source_config_bad),
		cmocka_unit_test(test_pager_defect),
		cmocka_unit_test(test_pager_restart),
		cmocka_unit_test(test_pager_without_next),
		cmocka_unit_test(test_pager_refused),
		cmocka_unit_test(test_pager_bad_pages),
		cmocka_unit_test(test_pager_alloc_failures),
		cmocka_unit_test(test_pager_random),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
