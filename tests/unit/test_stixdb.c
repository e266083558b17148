/* test_stixdb.c: STIX objects in the store (stixdb.h): versions and
 * idempotence, date_added order and paging, match filters, search by
 * address, CIDR containment, domain and hash, rule 4 filtering, status and
 * bridge bookkeeping. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "config.h"
#include "errors.h"
#include "label.h"
#include "stix.h"
#include "stixdb.h"
#include "store.h"

struct fx {
	char dir[64];
	char path[128];
	struct hl_store *s;
	struct hl_stixdb *d;
	struct hl_policy pol;
	uint8_t lab_u[HL_LABEL_MAX_BYTES], lab_s[HL_LABEL_MAX_BYTES];
	size_t lab_u_len, lab_s_len;
};

static void
encode_label(const struct hl_policy *p, const char *cls, uint8_t *out, size_t *outlen)
{
	struct hl_label l;
	struct hl_buf b;
	uint8_t *q;
	char err[128];

	assert_int_equal(hl_label_from_strings(p, cls, "JPN,KOR", "green", &l, err, sizeof(err)),
	    HL_OK);
	hl_buf_init(&b, HL_LABEL_MAX_BYTES);
	assert_int_equal(hl_label_encode(&l, &b), HL_OK);
	q = hl_buf_steal(&b, outlen);
	assert_non_null(q);
	memcpy(out, q, *outlen);
	hl_free(q);
	hl_buf_free(&b);
}

static int
setup(void **state)
{
	struct fx *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return -1;
	hl_apijson_init();
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hl_stixdb_XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	(void)snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	if (hl_store_open(f->path, &f->s, err, sizeof(err)) != HL_OK)
		return -1;
	if (hl_stixdb_open(f->s, &f->d) != HL_OK)
		return -1;
	hl_policy_default(&f->pol);
	encode_label(&f->pol, "UNCLASSIFIED", f->lab_u, &f->lab_u_len);
	encode_label(&f->pol, "SECRET", f->lab_s, &f->lab_s_len);
	*state = f;
	return 0;
}

static int
teardown(void **state)
{
	struct fx *f = *state;
	char p[160];

	hl_stixdb_close(f->d);
	hl_store_close(f->s);
	(void)unlink(f->path);
	(void)snprintf(p, sizeof(p), "%s-wal", f->path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", f->path);
	(void)unlink(p);
	(void)rmdir(f->dir);
	free(f);
	return 0;
}

static json_t *
indicator(unsigned n, const char *modified, const char *pattern)
{
	char id[80];
	json_t *o;

	(void)snprintf(id, sizeof(id), "indicator--%08x-0000-4000-8000-000000000000", n);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
	    "spec_version", "2.1", "id", id, "created", "2024-01-01T00:00:00.000Z",
	    "modified", modified, "pattern", pattern, "pattern_type", "stix",
	    "valid_from", "2024-01-01T00:00:00Z", "x_custom_z", "kept");
	assert_non_null(o);
	return o;
}

static void
put(struct fx *f, const char *coll, json_t *o, int secret, int expect_added)
{
	struct hl_stix_prov prov;
	char err[HL_STIX_ERR_MAX];
	uint64_t da = 0;
	int added = -1;

	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_PARTNER;
	memcpy(prov.partner, "KOR", 4);
	(void)snprintf(prov.node, sizeof(prov.node), "KOR/node-1");
	memset(prov.envelope, 0xab, sizeof(prov.envelope));
	prov.received_us = 1700000000000000ull;
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_stixdb_put(f->d, coll, o, secret ? f->lab_s : f->lab_u,
	    secret ? f->lab_s_len : f->lab_u_len, &prov, &da, &added), HL_OK);
	assert_int_equal(added, expect_added);
	assert_true(da > 0);
	json_decref(o);
}

static void
op_init(struct hl_operator_conf *op, uint8_t clearance, const char *nat)
{
	memset(op, 0, sizeof(*op));
	(void)snprintf(op->name, sizeof(op->name), "analyst");
	op->clearance = clearance;
	(void)snprintf(op->nationality, sizeof(op->nationality), "%s", nat);
}

static void
test_versions(void **state)
{
	struct fx *f = *state;
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	size_t n;
	int more;
	uint64_t cnt;

	put(f, "c1", indicator(1, "2024-01-01T00:00:00.000Z", "[ipv4-addr:value = '10.0.0.1']"),
	    0, 1);
	put(f, "c1", indicator(1, "2024-02-01T00:00:00Z", "[ipv4-addr:value = '10.0.0.2']"), 0, 1);
	/* the same version, written with fewer digits: idempotent */
	put(f, "c1", indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '10.0.0.1']"), 0, 0);
	put(f, "c1", indicator(1, "2024-01-15T00:00:00.5Z", "[ipv4-addr:value = '10.0.0.3']"), 0, 1);
	/* same id in another collection is another object */
	put(f, "c2", indicator(1, "2024-01-01T00:00:00.000Z", "[ipv4-addr:value = '10.0.0.1']"),
	    0, 1);
	assert_int_equal(hl_stixdb_count(f->d, "c1", &cnt), HL_OK);
	assert_true(cnt == 3);
	assert_int_equal(hl_stixdb_count(f->d, NULL, &cnt), HL_OK);
	assert_true(cnt == 4);

	memset(&q, 0, sizeof(q));
	q.collection = "c1";
	q.limit = 10;
	q.vsel = HL_STIX_V_ALL;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 3 && more == 0);
	assert_true(rows[0].date_added_us < rows[1].date_added_us);
	assert_true(rows[1].date_added_us < rows[2].date_added_us);
	/* kept as received: key order and the custom property */
	assert_non_null(strstr(rows[0].json, "\"type\":\"indicator\",\"spec_version\""));
	assert_non_null(strstr(rows[0].json, "\"x_custom_z\":\"kept\""));
	assert_string_equal(rows[0].prov.node, "KOR/node-1");
	assert_true(rows[0].prov.envelope[0] == 0xab && rows[0].prov.source == HL_STIX_PARTNER);
	hl_stixdb_rows_free(rows, n);

	q.vsel = HL_STIX_V_LAST;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 1);
	assert_string_equal(rows[0].version, "2024-02-01T00:00:00Z");
	hl_stixdb_rows_free(rows, n);

	q.vsel = HL_STIX_V_FIRST;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 1);
	assert_string_equal(rows[0].version, "2024-01-01T00:00:00.000Z");
	hl_stixdb_rows_free(rows, n);

	q.vsel = HL_STIX_V_LIST;
	q.nvkeys = 1;
	assert_int_equal(hl_stix_time("2024-01-15T00:00:00.500Z", q.vkeys[0], NULL), HL_OK);
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 1);
	assert_string_equal(rows[0].version, "2024-01-15T00:00:00.5Z");
	hl_stixdb_rows_free(rows, n);

	/* the newest version is what get_latest gives */
	assert_int_equal(hl_stixdb_get_latest(f->d, "c1",
	    "indicator--00000001-0000-4000-8000-000000000000", NULL, NULL, &rows), HL_OK);
	assert_string_equal(rows->version, "2024-02-01T00:00:00Z");
	hl_stixdb_rows_free(rows, 1);
	assert_int_equal(hl_stixdb_get_latest(f->d, "c1",
	    "indicator--00000009-0000-4000-8000-000000000000", NULL, NULL, &rows),
	    HL_ERR_NOT_FOUND);
	assert_null(rows);
}

static void
test_paging(void **state)
{
	struct fx *f = *state;
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	unsigned i, seen[60];
	size_t n, total = 0, k;
	int more = 1, pages = 0;

	memset(seen, 0, sizeof(seen));
	for (i = 0; i < 60; i++) {
		char pat[64];

		(void)snprintf(pat, sizeof(pat), "[domain-name:value = 'd%u.example']", i);
		put(f, "p", indicator(i, "2024-01-01T00:00:00Z", pat), 0, 1);
	}
	memset(&q, 0, sizeof(q));
	q.collection = "p";
	q.limit = 7;
	while (more) {
		assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
		for (k = 0; k < n; k++) {
			unsigned idx = (unsigned)strtoul(rows[k].id + strlen("indicator--"), NULL, 16);

			assert_true(idx < 60);
			seen[idx]++;
			assert_true(rows[k].date_added_us > q.after_us);
		}
		total += n;
		if (n > 0)
			q.after_us = rows[n - 1].date_added_us;
		hl_stixdb_rows_free(rows, n);
		pages++;
		assert_true(pages < 20);
	}
	assert_true(total == 60);
	for (i = 0; i < 60; i++)
		assert_int_equal(seen[i], 1);
	assert_int_equal(pages, 9);

	/* match[id] and match[type] */
	memset(&q, 0, sizeof(q));
	q.collection = "p";
	q.limit = 100;
	q.nids = 2;
	q.ids[0] = "indicator--00000003-0000-4000-8000-000000000000";
	q.ids[1] = "indicator--00000005-0000-4000-8000-000000000000";
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 2);
	hl_stixdb_rows_free(rows, n);
	q.nids = 0;
	q.ntypes = 1;
	q.types[0] = "malware";
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 0 && rows == NULL);
	q.types[0] = "indicator";
	q.nspec = 1;
	q.spec[0] = "2.1";
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 60);
	hl_stixdb_rows_free(rows, n);
	/* bad queries */
	q.limit = 0;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_ERR_INVALID);
}

static void
test_search(void **state)
{
	struct fx *f = *state;
	struct hl_stix_row *rows = NULL;
	struct hl_stix_matched *m = NULL;
	const char *kind;
	size_t n;

	put(f, "s", indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '198.51.100.0/24']"),
	    0, 1);
	put(f, "s", indicator(2, "2024-01-01T00:00:00Z",
	    "[ipv4-addr:value = '198.51.100.7'] OR [domain-name:value = 'Evil.Example.']"), 0, 1);
	put(f, "s", indicator(3, "2024-01-01T00:00:00Z",
	    "[file:hashes.'SHA-256' = 'AABBCCDDEEFF00112233445566778899AABBCCDDEEFF00112233445566778899']"),
	    0, 1);
	put(f, "s", indicator(4, "2024-01-01T00:00:00Z", "[ipv6-addr:value = '2001:db8::/32']"), 0, 1);
	put(f, "s", indicator(5, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '203.0.113.9']"), 1, 1);

	/* an address finds the CIDR containing it and itself */
	assert_int_equal(hl_stixdb_search(f->d, "198.51.100.7", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_string_equal(kind, "ipv4");
	assert_true(n == 2);
	assert_true((strcmp(m[0].value, "198.51.100.0/24") == 0 &&
	    strcmp(m[1].value, "198.51.100.7") == 0) ||
	    (strcmp(m[1].value, "198.51.100.0/24") == 0 && strcmp(m[0].value, "198.51.100.7") == 0));
	assert_string_equal(rows[0].prov.partner, "KOR");
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	/* only the /24 contains .200 */
	assert_int_equal(hl_stixdb_search(f->d, "198.51.100.200", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(rows[0].id, "indicator--00000001-0000-4000-8000-000000000000");
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	/* a CIDR finds what lies inside it and what contains it */
	assert_int_equal(hl_stixdb_search(f->d, "198.51.0.0/16", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_string_equal(kind, "cidr");
	assert_true(n == 2);
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	assert_int_equal(hl_stixdb_search(f->d, "198.51.100.0/28", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_true(n == 2);   /* the /24 contains it, .7 is inside it */
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	assert_int_equal(hl_stixdb_search(f->d, "10.0.0.0/8", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_true(n == 0 && rows == NULL);
	/* IPv6 */
	assert_int_equal(hl_stixdb_search(f->d, "2001:DB8:0:1::5", &f->pol, NULL, 100, &kind,
	    &rows, &m, &n), HL_OK);
	assert_string_equal(kind, "ipv6");
	assert_true(n == 1);
	assert_string_equal(m[0].value, "2001:db8::/32");
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	/* domain (case and final dot), hash (case) */
	assert_int_equal(hl_stixdb_search(f->d, "evil.EXAMPLE", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_string_equal(kind, "domain");
	assert_true(n == 1);
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	assert_int_equal(hl_stixdb_search(f->d,
	    "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899", &f->pol, NULL, 100,
	    &kind, &rows, &m, &n), HL_OK);
	assert_string_equal(kind, "sha256");
	assert_true(n == 1);
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	/* malformed search values */
	assert_int_equal(hl_stixdb_search(f->d, "not a value", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_stixdb_search(f->d, "10.0.0.1/33", &f->pol, NULL, 100, &kind, &rows,
	    &m, &n), HL_ERR_MALFORMED);
	assert_int_equal(hl_stixdb_search(f->d, "", &f->pol, NULL, 100, &kind, &rows, &m, &n),
	    HL_ERR_MALFORMED);
}

static void
test_rule4(void **state)
{
	struct fx *f = *state;
	struct hl_operator_conf low, high, foreign;
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	struct hl_stix_matched *m = NULL;
	const char *kind;
	size_t n;
	int more;

	op_init(&low, 0, "JPN");
	op_init(&high, 3, "JPN");
	op_init(&foreign, 3, "USA");
	put(f, "r", indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']"), 1, 1);
	put(f, "r", indicator(2, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']"), 0, 1);
	put(f, "r", indicator(3, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']"), 1, 1);

	memset(&q, 0, sizeof(q));
	q.collection = "r";
	q.limit = 1;
	q.policy = &f->pol;
	q.op = &low;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 1 && more == 0);   /* the SECRET ones are skipped, also for *more */
	assert_string_equal(rows[0].id, "indicator--00000002-0000-4000-8000-000000000000");
	hl_stixdb_rows_free(rows, n);
	q.op = &high;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 1 && more == 1);
	hl_stixdb_rows_free(rows, n);
	q.op = &foreign;   /* not releasable to USA */
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 0);

	assert_int_equal(hl_stixdb_search(f->d, "192.0.2.1", &f->pol, &low, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_true(n == 1);
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	assert_int_equal(hl_stixdb_search(f->d, "192.0.2.1", &f->pol, &high, 100, &kind, &rows,
	    &m, &n), HL_OK);
	assert_true(n == 3);
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	assert_int_equal(hl_stixdb_get_latest(f->d, NULL,
	    "indicator--00000001-0000-4000-8000-000000000000", &f->pol, &low, &rows),
	    HL_ERR_NOT_FOUND);
}

static void
test_status_bridge(void **state)
{
	struct fx *f = *state;
	char *js = NULL, acct[HL_OPERATOR_MAX + 1], cur[64];

	assert_int_equal(hl_stixdb_status_put(f->d, "s-1", "c", "alice", "{\"status\":\"complete\"}"),
	    HL_OK);
	assert_int_equal(hl_stixdb_status_get(f->d, "s-1", &js, acct), HL_OK);
	assert_string_equal(js, "{\"status\":\"complete\"}");
	assert_string_equal(acct, "alice");
	hl_free(js);
	assert_int_equal(hl_stixdb_status_get(f->d, "s-2", &js, acct), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_stixdb_bridge_get(f->d, "ext", cur, sizeof(cur)), HL_OK);
	assert_string_equal(cur, "");
	assert_int_equal(hl_stixdb_bridge_set(f->d, "ext", "2024-01-01T00:00:00Z", 1), HL_OK);
	assert_int_equal(hl_stixdb_bridge_set(f->d, "ext", "2024-02-01T00:00:00Z", 2), HL_OK);
	assert_int_equal(hl_stixdb_bridge_get(f->d, "ext", cur, sizeof(cur)), HL_OK);
	assert_string_equal(cur, "2024-02-01T00:00:00Z");
}

static void
test_put_in_transaction(void **state)
{
	struct fx *f = *state;
	uint64_t cnt;

	/* a batch in the caller's transaction, rolled back: nothing stays */
	assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
	put(f, "t", indicator(1, "2024-01-01T00:00:00Z", "[url:value = 'HTTP://Evil.Example/a']"),
	    0, 1);
	put(f, "t", indicator(2, "2024-01-01T00:00:00Z", "[email-addr:value = 'x@evil.example']"),
	    0, 1);
	hl_stixdb_rollback(f->d);
	assert_int_equal(hl_stixdb_count(f->d, "t", &cnt), HL_OK);
	assert_true(cnt == 0);
	assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
	put(f, "t", indicator(1, "2024-01-01T00:00:00Z", "[url:value = 'HTTP://Evil.Example/a']"),
	    0, 1);
	assert_int_equal(hl_stixdb_commit(f->d), HL_OK);
	assert_int_equal(hl_stixdb_count(f->d, "t", &cnt), HL_OK);
	assert_true(cnt == 1);
	{
		struct hl_stix_row *rows = NULL;
		struct hl_stix_matched *m = NULL;
		const char *kind;
		size_t n;

		assert_int_equal(hl_stixdb_search(f->d, "http://evil.example/a", &f->pol, NULL, 10,
		    &kind, &rows, &m, &n), HL_OK);
		assert_string_equal(kind, "url");
		assert_true(n == 1);
		hl_stixdb_rows_free(rows, n);
		hl_free(m);
	}
}


/* ---- [collection NAME] in node.conf (config.c), which the store serves ---- */

#define CONF_BASE "[node]\nname = JPN/node-1\nlisten = 127.0.0.1:7401\napi = 127.0.0.1:8401\n" \
	"data = data\ncertificate = node.crt\nkey = node.key\nca = ca.crt\n" \
	"[operator alice]\nrole = analyst\nclearance = SECRET\nnationality = JPN\n" \
	"password = $scrypt$ln=10,r=8,p=1$Mxtp23+0vZZdefzMnvOlrg==$" \
	"fz1/qYSajZLjVqjEciHZGx82LAeeL5Fd1T29mIthM/o=\n"

static int
conf_parse(struct hl_config *c, const char *extra, char *err, size_t errlen)
{
	char text[4096];

	(void)snprintf(text, sizeof(text), "%s%s", CONF_BASE, extra);
	return hl_config_parse((const uint8_t *)text, strlen(text), "t.conf", "/srv", c, err,
	    errlen);
}

static void
expect_conf_error(struct hl_config *c, const char *extra, const char *want)
{
	char err[512];

	if (conf_parse(c, extra, err, sizeof(err)) != HL_ERR_CONFIG)
		fail_msg("'%s' was accepted", extra);
	if (strstr(err, want) == NULL)
		fail_msg("error '%s' lacks '%s'", err, want);
}

static void
test_collection_config(void **state)
{
	struct hl_config *c = hl_calloc(1, sizeof(*c));
	const struct hl_collection_conf *k;
	char err[512];

	(void)state;
	assert_non_null(c);
	if (conf_parse(c, "[collection intel]\ntitle = Shared intel\n"
	    "description = what we share\nmembers = USA, KOR\nceiling = confidential\n"
	    "read = *\nwrite = alice\n[collection local]\n", err, sizeof(err)) != HL_OK)
		fail_msg("%s", err);
	assert_int_equal(c->ncollections, 2);
	k = hl_config_collection(c, "intel");
	assert_non_null(k);
	assert_string_equal(k->title, "Shared intel");
	assert_string_equal(k->description, "what we share");
	assert_int_equal(k->nmembers, 2);
	assert_string_equal(k->members[0], "KOR");   /* sorted */
	assert_int_equal(k->ceiling, 2);
	assert_true(hl_config_list_has(k->read, "anyone"));
	assert_true(hl_config_list_has(k->write, "alice"));
	assert_false(hl_config_list_has(k->write, "alic"));
	k = hl_config_collection(c, "local");
	assert_non_null(k);
	assert_string_equal(k->title, "local");
	assert_int_equal(k->ceiling, 0);
	assert_false(hl_config_list_has(k->read, "alice"));
	assert_null(hl_config_collection(c, "nope"));
	assert_true(hl_config_list_has(" bob , alice ", "alice"));
	assert_false(hl_config_list_has("", "alice"));

	/* malformed sections and values */
	expect_conf_error(c, "[collection]\n", "[collection NAME]");
	expect_conf_error(c, "[collection a/b]\n", "[collection NAME]");
	expect_conf_error(c, "[collection x]\n[collection x]\n", "duplicate section [collection x]");
	expect_conf_error(c, "[collection x]\nmembers = U\n", "members");
	expect_conf_error(c, "[collection x]\nceiling = COSMIC\n", "ceiling: 'COSMIC'");
	expect_conf_error(c, "[collection x]\nread = alice,,bob\n", "read");
	expect_conf_error(c, "[collection x]\nwrite = mallory\n", "no [operator mallory]");
	expect_conf_error(c, "[collection x]\ncolour = red\n", "unknown key 'colour'");
	expect_conf_error(c, "[collection x]\ntitle = a\ntitle = b\n", "duplicate key 'title'");
	hl_free(c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_paging, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search, setup, teardown),
		cmocka_unit_test_setup_teardown(test_rule4, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_in_transaction, setup, teardown),
		cmocka_unit_test(test_collection_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
