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
#include <sqlite3.h>

#include "alloc.h"
#include "apijson.h"
#include "config.h"
#include "errors.h"
#include "label.h"
#include "stix.h"
#include "stixdb.h"
#include "store.h"
#include "taxii.h"

struct fx {
	char dir[64];
	char path[128];
	struct hl_store *s;
	struct hl_stixdb *d;
	struct hl_policy pol;
	uint8_t lab_u[HL_LABEL_MAX_BYTES], lab_s[HL_LABEL_MAX_BYTES];
	size_t lab_u_len, lab_s_len;
};

/* A label of the default policy: partners csv, TLP, level; encoded into
 * enc when it is not NULL. */
static void
mklabel(const struct hl_policy *p, const char *rel, const char *tlp, const char *cls,
    struct hl_label *l, uint8_t *enc, size_t *enclen)
{
	char err[128];

	assert_int_equal(hl_label_from_strings(p, cls, rel, tlp, l, err, sizeof(err)), HL_OK);
	if (enc != NULL)
		assert_int_equal(hl_label_encode_to(l, enc, enclen), HL_OK);
}

static void
encode_label(const struct hl_policy *p, const char *cls, uint8_t *out, size_t *outlen)
{
	struct hl_label l;

	mklabel(p, "JPN,KOR", "green", cls, &l, out, outlen);
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


/* An inbound STIX envelope stored as node.c stores it, ingested by the
 * catch-up (as after a crash between commit and ingest), exactly once. */
static void
inbound_from(struct fx *f, uint8_t idbyte, const char *origin, const uint8_t *lab,
    size_t lablen, const char *content)
{
	struct hl_msg m;
	uint8_t raw[32];

	memset(&m, 0, sizeof(m));
	memset(m.id, idbyte, HL_ID_BYTES);
	memset(raw, 0x5a, sizeof(raw));
	m.inbound = 1;
	(void)snprintf(m.origin, sizeof(m.origin), "%s", origin);
	(void)snprintf(m.originator, sizeof(m.originator), "analyst");
	m.precedence = 3;
	m.content_type = 2;   /* HL_CT_STIX */
	m.suite = 2;
	memcpy(m.label, lab, lablen);
	m.label_len = lablen;
	m.created_ms = 1700000000000ull;
	m.expires_ms = m.created_ms + 3600000;
	m.stored_ms = m.created_ms + 5;
	m.sig_ok = 1;
	m.content = (uint8_t *)(uintptr_t)content;
	m.content_len = strlen(content);
	m.raw = raw;
	m.raw_len = sizeof(raw);
	assert_int_equal(hl_store_put_inbound(f->s, &m, raw, 8), HL_OK);
}

static void
inbound(struct fx *f, uint8_t idbyte, const char *content)
{
	inbound_from(f, idbyte, "KOR/node-1", f->lab_u, f->lab_u_len, content);
}

static void
test_ingest(void **state)
{
	struct fx *f = *state;
	struct hl_stix_row *rows = NULL;
	struct hl_stix_matched *m = NULL;
	const char *kind;
	uint8_t (*ids)[HL_ID_BYTES] = NULL;
	size_t n, done;
	uint64_t cnt;

	inbound(f, 1, "{\"type\":\"bundle\",\"id\":\"bundle--6f1a4c1e-0d1b-4d5e-8f00-3b8f7f6d2a10\","
	    "\"x_hotline_collection\":\"intel\",\"objects\":[{\"type\":\"indicator\","
	    "\"spec_version\":\"2.1\",\"id\":\"indicator--0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d\","
	    "\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\","
	    "\"pattern\":\"[domain-name:value = 'c2.example']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2026-01-01T00:00:00Z\",\"x_kept\":[1,{\"b\":2,\"a\":1}]},"
	    "{\"type\":\"indicator\",\"id\":\"broken\"}]}");
	inbound(f, 2, "{\"type\":\"bundle\",\"objects\":[]}");          /* no collection */
	inbound(f, 3, "not json");
	assert_int_equal(hl_stixdb_ingest_pending(f->d, 10, &ids, &n), HL_OK);
	assert_true(n == 3);
	hl_free(ids);
	assert_int_equal(hl_taxii_catch_up(f->s, &done), HL_OK);
	assert_true(done == 3);
	/* all three done (two refused, audited), none pending */
	assert_int_equal(hl_stixdb_ingest_pending(f->d, 10, &ids, &n), HL_OK);
	assert_true(n == 0 && ids == NULL);
	assert_int_equal(hl_taxii_catch_up(f->s, &done), HL_OK);
	assert_true(done == 0);
	assert_int_equal(hl_stixdb_count(f->d, "intel", &cnt), HL_OK);
	assert_true(cnt == 1);
	/* provenance from the envelope */
	assert_int_equal(hl_stixdb_search(f->d, "C2.example", &f->pol, NULL, 10, &kind, &rows, &m,
	    &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(rows[0].prov.partner, "KOR");
	assert_string_equal(rows[0].prov.node, "KOR/node-1");
	assert_true(rows[0].prov.envelope[0] == 1 && rows[0].prov.source == HL_STIX_PARTNER);
	assert_true(rows[0].prov.received_us == 1700000000005000ull);
	assert_memory_equal(rows[0].label, f->lab_u, f->lab_u_len);
	hl_stixdb_rows_free(rows, n);
	hl_free(m);
	/* the same envelope again is idempotent */
	assert_int_equal(hl_taxii_ingest(f->s, (const uint8_t[HL_ID_BYTES]){ 1, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1 }), HL_OK);
	assert_int_equal(hl_stixdb_count(f->d, "intel", &cnt), HL_OK);
	assert_true(cnt == 1);
	assert_int_equal(hl_taxii_ingest(f->s, (const uint8_t[HL_ID_BYTES]){ 9 }), HL_ERR_NOT_FOUND);
}

/* ---- sticky releasability: releases read from the rows, hl_stixdb_release_check ---- */

/* Put o (not consumed) in coll as if it came from partner ("" external,
 * "KOR" the local node in these tests) with that label. */
static void
put_from(struct fx *f, const char *coll, const json_t *o, const char *partner, const char *rel,
    const char *tlp, const char *cls, int expect_added)
{
	struct hl_stix_prov prov;
	struct hl_label l;
	uint8_t enc[HL_LABEL_MAX_BYTES];
	size_t elen = 0;
	int added = -1;

	mklabel(&f->pol, rel, tlp, cls, &l, enc, &elen);
	memset(&prov, 0, sizeof(prov));
	prov.source = partner[0] == '\0' ? HL_STIX_EXTERNAL : strcmp(partner, "KOR") == 0 ?
	    HL_STIX_LOCAL : HL_STIX_PARTNER;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", partner);
	if (partner[0] == '\0')
		(void)snprintf(prov.node, sizeof(prov.node), "https://feed.example/taxii2/");
	else
		(void)snprintf(prov.node, sizeof(prov.node), "%s/node-1", partner);
	assert_int_equal(hl_stixdb_put(f->d, coll, o, enc, elen, &prov, NULL, &added), HL_OK);
	assert_int_equal(added, expect_added);
}

/* The check for o from poster (this node is KOR) with that label. */
static int
check(struct fx *f, const json_t *o, const char *poster, const char *rel, const char *tlp,
    const char *cls, struct hl_stix_first *deny, unsigned *w)
{
	struct hl_label l;

	mklabel(&f->pol, rel, tlp, cls, &l, NULL, NULL);
	return hl_stixdb_release_check(f->d, o, poster, "KOR", &l, deny, w);
}

static void
expect_release(struct fx *f, const char *id, const char *vkey, const char *partner,
    const char *rel, uint8_t tlp)
{
	struct hl_stix_first r;
	struct hl_label want;

	assert_int_equal(hl_stixdb_release_get(f->d, id, vkey, &r), HL_OK);
	assert_string_equal(r.partner, partner);
	mklabel(&f->pol, rel, "clear", "UNCLASSIFIED", &want, NULL, NULL);
	assert_int_equal(r.label.nrel, want.nrel);
	assert_memory_equal(r.label.rel, want.rel, sizeof(want.rel[0]) * want.nrel);
	assert_int_equal(r.label.tlp, tlp);
	assert_true(r.first_us > 0);
}

#define XID "indicator--00000001-0000-4000-8000-000000000000"
#define V1 "2024-01-01T00:00:00.000000000Z"
#define V2 "2024-02-01T00:00:00.000000000Z"

static void
test_release_record(void **state)
{
	struct fx *f = *state;
	struct hl_stix_first r;
	json_t *x1 = indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']");

	/* JPN gives it to KOR; KOR's own re-post (a subset) is no new release */
	put_from(f, "jk", x1, "JPN", "JPN,KOR", "amber", "RESTRICTED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	put_from(f, "kj", x1, "KOR", "JPN,KOR", "amber", "RESTRICTED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	/* the same collection again: idempotent, nothing changes */
	put_from(f, "jk", x1, "JPN", "JPN,KOR,NATO", "amber", "RESTRICTED", 0);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	/* another partner giving it wider does not widen JPN's release */
	put_from(f, "nk", x1, "NATO", "KOR,NATO,USA", "green", "UNCLASSIFIED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	/* JPN itself giving it wider does, and narrower again does not narrow */
	put_from(f, "intel", x1, "JPN", "JPN,KOR,NATO,USA", "amber", "UNCLASSIFIED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR,NATO,USA", HL_TLP_AMBER);
	assert_int_equal(hl_stixdb_release_get(f->d, XID, V1, &r), HL_OK);
	assert_int_equal(r.label.classification, 0);
	put_from(f, "jk2", x1, "JPN", "JPN,KOR", "red", "SECRET", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR,NATO,USA", HL_TLP_AMBER);
	assert_int_equal(hl_stixdb_release_get(f->d, XID, V2, &r), HL_ERR_NOT_FOUND);
	json_decref(x1);
}

static void
test_release_check(void **state)
{
	struct fx *f = *state;
	struct hl_stix_first d;
	unsigned w;
	json_t *x1 = indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']");
	json_t *x2 = indicator(1, "2024-02-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.2']");
	json_t *x3 = indicator(1, "2024-03-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.3']");
	json_t *x4 = indicator(1, "2024-04-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.4']");
	json_t *p1 = indicator(2, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.9']");

	/* nothing stored yet: anything goes */
	assert_int_equal(check(f, x1, "KOR", "KOR,NATO,USA", "clear", "UNCLASSIFIED", &d, &w),
	    HL_OK);
	assert_int_equal(w, 0);
	put_from(f, "jk", x1, "JPN", "JPN,KOR", "amber", "RESTRICTED", 1);
	/* issue 12, defect 2: KOR re-posting it for NATO and USA */
	assert_int_equal(check(f, x1, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", &d, &w),
	    HL_ERR_DENIED);
	assert_int_equal(w, HL_STIX_WIDENS_REL);
	assert_string_equal(d.partner, "JPN");
	assert_string_equal(d.node, "JPN/node-1");
	assert_string_equal(d.vkey, V1);
	/* a new version of it, too */
	assert_int_equal(check(f, x2, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", &d, &w),
	    HL_ERR_DENIED);
	assert_string_equal(d.vkey, V1);
	/* a subset of the release, or none: allowed */
	assert_int_equal(check(f, x1, "KOR", "JPN,KOR", "amber", "RESTRICTED", &d, &w), HL_OK);
	assert_int_equal(check(f, x1, "KOR", "KOR", "red", "SECRET", &d, &w), HL_OK);
	assert_int_equal(check(f, x2, "KOR", "KOR", "amber", "RESTRICTED", NULL, NULL), HL_OK);
	/* a lower TLP or level */
	assert_int_equal(check(f, x1, "KOR", "JPN,KOR", "green", "RESTRICTED", &d, &w),
	    HL_ERR_DENIED);
	assert_int_equal(w, HL_STIX_WIDENS_TLP);
	assert_int_equal(check(f, x2, "KOR", "KOR,USA", "clear", "UNCLASSIFIED", &d, &w),
	    HL_ERR_DENIED);
	assert_int_equal(w, HL_STIX_WIDENS_REL | HL_STIX_WIDENS_TLP | HL_STIX_WIDENS_CLASS);
	/* the originator may widen its own (an envelope from JPN, a new version too) */
	assert_int_equal(check(f, x1, "JPN", "JPN,KOR,NATO,USA", "clear", "UNCLASSIFIED", &d, &w),
	    HL_OK);
	assert_int_equal(check(f, x2, "JPN", "JPN,KOR,NATO,USA", "clear", "UNCLASSIFIED", &d, &w),
	    HL_OK);
	/* NATO's wide version 3: that version is NATO's to release, ... */
	put_from(f, "nk", x3, "NATO", "KOR,NATO,USA", "amber", "RESTRICTED", 1);
	assert_int_equal(check(f, x3, "KOR", "KOR,NATO,USA", "amber", "RESTRICTED", &d, &w), HL_OK);
	assert_int_equal(check(f, x3, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", &d, &w),
	    HL_ERR_DENIED);
	assert_string_equal(d.partner, "NATO");
	assert_string_equal(d.vkey, "2024-03-01T00:00:00.000000000Z");
	/* ... but a version of KOR's own making still answers to JPN's version 1 */
	assert_int_equal(check(f, x4, "KOR", "KOR,NATO,USA", "amber", "RESTRICTED", &d, &w),
	    HL_ERR_DENIED);
	assert_string_equal(d.partner, "JPN");
	/* an envelope from USA with version 1 may not widen JPN's release; that
	 * USA itself holds it widens nothing */
	assert_int_equal(check(f, x1, "USA", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", &d, &w),
	    HL_ERR_DENIED);
	assert_int_equal(check(f, x1, "USA", "JPN,KOR,USA", "amber", "RESTRICTED", &d, &w), HL_OK);
	/* an external source is this node's: KOR may widen what it pulled, a
	 * partner's envelope may not */
	put_from(f, "feed", p1, "", "KOR", "green", "UNCLASSIFIED", 1);
	expect_release(f, "indicator--00000002-0000-4000-8000-000000000000", V1, "", "KOR",
	    HL_TLP_GREEN);
	assert_int_equal(check(f, p1, "KOR", "JPN,KOR,NATO,USA", "green", "UNCLASSIFIED", &d, &w),
	    HL_OK);
	{
		struct hl_label l;

		/* JPN's envelope with the same object: JPN holds it, fine; JPN
		 * passing it to NATO is not */
		mklabel(&f->pol, "JPN,KOR", "green", "UNCLASSIFIED", &l, NULL, NULL);
		assert_int_equal(hl_stixdb_release_check(f->d, p1, "JPN", NULL, &l, &d, &w), HL_OK);
		mklabel(&f->pol, "JPN,KOR,NATO", "green", "UNCLASSIFIED", &l, NULL, NULL);
		assert_int_equal(hl_stixdb_release_check(f->d, p1, "JPN", NULL, &l, &d, &w),
		    HL_ERR_DENIED);
		assert_string_equal(d.partner, "");
		assert_int_equal(w, HL_STIX_WIDENS_REL);
	}
	/* bad arguments, a stored label that does not decode */
	assert_int_equal(hl_stixdb_release_check(f->d, p1, NULL, "KOR", &d.label, NULL, NULL),
	    HL_ERR_INVALID);
	assert_int_equal(sqlite3_exec(hl_store_db(f->s), "UPDATE stix_objects SET label = x'00'"
	    " WHERE collection = 'jk'", NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(check(f, x1, "KOR", "KOR", "red", "SECRET", &d, &w), HL_ERR_CORRUPT);
	json_decref(x1);
	json_decref(x2);
	json_decref(x3);
	json_decref(x4);
	json_decref(p1);
}

/* A node from before schema 9: its objects get their releases from the
 * earliest row of each version when it opens. */
static void
test_release_migration(void **state)
{
	struct fx *f = *state;
	char err[256];
	sqlite3_stmt *st;
	json_t *x1 = indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']");
	json_t *x2 = indicator(1, "2024-02-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.2']");

	put_from(f, "jk", x1, "JPN", "JPN,KOR", "amber", "RESTRICTED", 1);
	put_from(f, "wide", x1, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", 1);
	put_from(f, "wide", x2, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", 1);
	hl_stixdb_close(f->d);
	assert_int_equal(sqlite3_exec(hl_store_db(f->s), "DROP TABLE stix_collections;"
	    " PRAGMA user_version = 8", NULL, NULL, NULL), SQLITE_OK);
	hl_store_close(f->s);
	assert_int_equal(hl_store_open(f->path, &f->s, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_stixdb_open(f->s, &f->d), HL_OK);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	expect_release(f, XID, V2, "KOR", "JPN,KOR,NATO,USA", HL_TLP_AMBER);
	assert_int_equal(sqlite3_prepare_v2(hl_store_db(f->s), "SELECT count(*) FROM stix_collections",
	    -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	assert_int_equal(sqlite3_column_int(st, 0), 2);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	/* and the rule holds on it */
	assert_int_equal(check(f, x1, "KOR", "KOR,USA", "amber", "RESTRICTED", NULL, NULL),
	    HL_ERR_DENIED);
	json_decref(x1);
	json_decref(x2);
}

/* ---- the sticky rule against a reference model on random input ---- */

#define M_PARTNERS 5   /* "" (an external source: this node's), JPN, KOR (self), NATO, USA */
#define M_IDS 3
#define M_VERS 4
#define M_COLLS 32

static const char *const m_partner[M_PARTNERS] = { "", "JPN", "KOR", "NATO", "USA" };
static const char *const m_rel[4] = { "JPN", "KOR", "NATO", "USA" };

struct m_rec {
	int present, ctl;          /* ctl: index into m_partner as stored */
	unsigned rel;              /* bit i: m_rel[i] */
	uint8_t tlp, cls;
};

static void
m_csv(unsigned rel, char *out, size_t outlen)
{
	size_t o = 0;
	unsigned i;

	out[0] = '\0';
	for (i = 0; i < 4; i++)
		if (rel & (1u << i))
			o += (size_t)snprintf(out + o, outlen - o, "%s%s", o ? "," : "", m_rel[i]);
}

/* The rule in docs/SECURITY.md, written out plainly. */
static int
m_allowed(struct m_rec recs[M_VERS], unsigned v, int poster, unsigned rel, uint8_t tlp,
    uint8_t cls)
{
	unsigned k, pbit = poster == 0 ? 0 : 1u << (poster - 1);   /* the poster does not count */

#define CTL(r) ((r)->ctl == 0 ? 2 : (r)->ctl)       /* "" stands for self, KOR */
#define NARROWER(r) ((rel & ~(r)->rel & ~pbit) == 0 && tlp >= (r)->tlp && cls >= (r)->cls)
	if (recs[v].present && CTL(&recs[v]) != poster)
		return NARROWER(&recs[v]);
	for (k = 0; k < M_VERS; k++)
		if (recs[k].present && CTL(&recs[k]) != poster && !NARROWER(&recs[k]))
			return 0;
	return 1;
#undef NARROWER
#undef CTL
}

static void
test_release_random(void **state)
{
	static const char *const tlps[5] = { "clear", "green", "amber", "amber+strict", "red" };
	static const char *const lvls[4] = { "UNCLASSIFIED", "RESTRICTED", "CONFIDENTIAL",
	    "SECRET" };
	struct fx *f = *state;
	struct m_rec recs[M_IDS][M_VERS];
	unsigned char rows[M_COLLS][M_IDS][M_VERS];
	struct hl_stix_first got;
	char csv[64], coll[8], ver[32], vkey[HL_STIX_TS_KEY];
	unsigned step, v, i, c, rel, denied = 0, puts = 0, widened = 0;
	uint8_t tlp, cls;
	int p, poster, want;
	json_t *o;

	(void)state;
	memset(recs, 0, sizeof(recs));
	memset(rows, 0, sizeof(rows));
	srand(9);
	for (step = 0; step < 6000; step++) {
		i = (unsigned)rand() % M_IDS;
		v = (unsigned)rand() % M_VERS;
		c = (unsigned)rand() % M_COLLS;
		p = rand() % M_PARTNERS;
		rel = 1u + (unsigned)rand() % 15;
		tlp = (uint8_t)(rand() % 5);
		cls = (uint8_t)(rand() % 4);
		poster = p == 0 ? 2 : p;
		(void)snprintf(ver, sizeof(ver), "2024-0%u-01T00:00:00Z", v + 1);
		(void)snprintf(vkey, sizeof(vkey), "2024-0%u-01T00:00:00.000000000Z", v + 1);
		o = indicator(i + 1, ver, "[ipv4-addr:value = '192.0.2.1']");
		m_csv(rel, csv, sizeof(csv));
		want = m_allowed(recs[i], v, poster, rel, tlp, cls);
		if (check(f, o, m_partner[poster], csv, tlps[tlp], lvls[cls], NULL, NULL) !=
		    (want ? HL_OK : HL_ERR_DENIED))
			fail_msg("step %u: id %u version %u from %s rel %s tlp %u cls %u: model says "
			    "%s", step, i, v, m_partner[p], csv, tlp, cls, want ? "allowed" :
			    "denied");
		denied += !want;
		/* store what is allowed (and now and then what a partner's
		 * envelope brings), then compare the release as stored */
		if (want || rand() % 4 == 0) {
			(void)snprintf(coll, sizeof(coll), "c%u", c);
			put_from(f, coll, o, m_partner[p], csv, tlps[tlp], lvls[cls],
			    rows[c][i][v] ? 0 : 1);
			puts++;
			if (!rows[c][i][v]) {
				struct m_rec *r = &recs[i][v];

				rows[c][i][v] = 1;
				if (!r->present) {
					r->present = 1;
					r->ctl = p;
					r->rel = rel;
					r->tlp = tlp;
					r->cls = cls;
				} else if (r->ctl == p && ((rel & ~r->rel) != 0 || tlp < r->tlp ||
				    cls < r->cls)) {
					r->rel |= rel;
					r->tlp = tlp < r->tlp ? tlp : r->tlp;
					r->cls = cls < r->cls ? cls : r->cls;
					widened++;
				}
			}
			assert_int_equal(hl_stixdb_release_get(f->d, json_string_value(
			    json_object_get(o, "id")), vkey, &got), HL_OK);
			assert_string_equal(got.partner, m_partner[recs[i][v].ctl]);
			m_csv(recs[i][v].rel, csv, sizeof(csv));
			{
				struct hl_label l;

				mklabel(&f->pol, csv, tlps[recs[i][v].tlp], lvls[recs[i][v].cls], &l,
				    NULL, NULL);
				assert_int_equal(got.label.nrel, l.nrel);
				assert_memory_equal(got.label.rel, l.rel, sizeof(l.rel[0]) * l.nrel);
				assert_int_equal(got.label.tlp, l.tlp);
				assert_int_equal(got.label.classification, l.classification);
			}
		}
		json_decref(o);
	}
	/* every branch was taken many times */
	assert_true(denied > 600 && denied < 5400);
	printf("random: %u denied, %u puts, %u widened\n", denied, puts, widened);
	assert_true(puts > 500 && widened > 10);
}

/* An envelope whose sender widens a release another partner gave: that
 * object is refused and audited, the rest of the envelope is ingested. */
static void
test_ingest_sticky(void **state)
{
	struct fx *f = *state;
	struct hl_audit_entry *a = NULL;
	struct hl_stix_row *row = NULL;
	struct hl_label l;
	uint8_t wide[HL_LABEL_MAX_BYTES];
	size_t wlen = 0, n = 0, i, refused = 0, received = 0;
	json_t *x1 = indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']");
	char *xs, content[4096];

	put_from(f, "jk", x1, "JPN", "JPN,KOR", "amber", "UNCLASSIFIED", 1);
	xs = json_dumps(x1, JSON_COMPACT);
	assert_non_null(xs);
	(void)snprintf(content, sizeof(content), "{\"type\":\"bundle\",\"id\":\"bundle--"
	    "6f1a4c1e-0d1b-4d5e-8f00-3b8f7f6d2a10\",\"x_hotline_collection\":\"wide\","
	    "\"objects\":[%s,{\"type\":\"identity\",\"spec_version\":\"2.1\",\"id\":"
	    "\"identity--0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d\",\"created\":"
	    "\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\",\"name\":\"u\"}]}",
	    xs);
	free(xs);
	mklabel(&f->pol, "KOR,NATO,USA", "amber", "UNCLASSIFIED", &l, wide, &wlen);
	inbound_from(f, 7, "USA/node-1", wide, wlen, content);
	assert_int_equal(hl_taxii_catch_up(f->s, &n), HL_OK);
	assert_true(n == 1);
	assert_int_equal(hl_stixdb_get_latest(f->d, "wide", XID, &f->pol, NULL, &row),
	    HL_ERR_NOT_FOUND);
	assert_int_equal(hl_stixdb_get_latest(f->d, "wide",
	    "identity--0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3d", &f->pol, NULL, &row), HL_OK);
	hl_stixdb_rows_free(row, 1);
	assert_int_equal(hl_store_audit_list(f->s, 1, 100, &a, &n), HL_OK);
	for (i = 0; i < n; i++) {
		if (strcmp(a[i].event, "stix-release-refused") == 0) {
			refused++;
			assert_string_equal(a[i].actor, "USA/node-1");
			assert_non_null(strstr(a[i].detail, "id=" XID));
			assert_non_null(strstr(a[i].detail, "origin=JPN (JPN/node-1)"));
			/* NATO only: USA, the sender, holds it already */
			assert_non_null(strstr(a[i].detail, "releasable=JPN, KOR tlp=AMBER "
			    "widens=NATO"));
			assert_int_equal(strlen(strstr(a[i].detail, "widens=")), strlen("widens=NATO"));
		} else if (strcmp(a[i].event, "stix-received") == 0) {
			received++;
			assert_non_null(strstr(a[i].detail, "stored=1 already=0 invalid=0 refused=1"));
		}
	}
	assert_true(refused == 1 && received == 1);
	hl_free(a);
	/* the sender that gave it first may widen it */
	mklabel(&f->pol, "JPN,KOR,NATO,USA", "amber", "UNCLASSIFIED", &l, wide, &wlen);
	xs = json_dumps(x1, JSON_COMPACT);
	(void)snprintf(content, sizeof(content), "{\"type\":\"bundle\",\"id\":\"bundle--"
	    "6f1a4c1e-0d1b-4d5e-8f00-3b8f7f6d2a11\",\"x_hotline_collection\":\"wide\","
	    "\"objects\":[%s]}", xs);
	free(xs);
	inbound_from(f, 8, "JPN/node-1", wide, wlen, content);
	assert_int_equal(hl_taxii_catch_up(f->s, &n), HL_OK);
	assert_int_equal(hl_stixdb_get_latest(f->d, "wide", XID, &f->pol, NULL, &row), HL_OK);
	assert_string_equal(row->prov.partner, "JPN");
	hl_stixdb_rows_free(row, 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR,NATO,USA", HL_TLP_AMBER);
	json_decref(x1);
}

/* Partners name the collections their envelopes fill: a new name is
 * taken while fewer than HL_STIXDB_INGEST_COLLECTIONS_MAX collections hold
 * objects, then refused (audited), while the existing ones still fill. */
static void
test_ingest_collections_cap(void **state)
{
	struct fx *f = *state;
	struct hl_audit_entry *a = NULL;
	char coll[16], content[1024];
	size_t n = 0, i, invalid = 0;
	uint64_t cnt;
	unsigned k;
	int ok;

	for (k = 0; k < HL_STIXDB_INGEST_COLLECTIONS_MAX; k++) {
		assert_int_equal(hl_stixdb_collection_room(f->d, "fresh", &ok), HL_OK);
		assert_true(ok);
		(void)snprintf(coll, sizeof(coll), "c%u", k);
		put(f, coll, indicator(k + 1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']"),
		    0, 1);
	}
	assert_int_equal(hl_stixdb_collection_room(f->d, "fresh", &ok), HL_OK);
	assert_false(ok);
	assert_int_equal(hl_stixdb_collection_room(f->d, "c7", &ok), HL_OK);
	assert_true(ok);
#define BUNDLE(c, u) "{\"type\":\"bundle\",\"id\":\"bundle--6f1a4c1e-0d1b-4d5e-8f00-3b8f7f6d2a1" u \
	"\",\"x_hotline_collection\":\"" c "\",\"objects\":[{\"type\":\"identity\"," \
	"\"spec_version\":\"2.1\",\"id\":\"identity--0b1c2d3e-4f50-4a6b-8c7d-8e9f0a1b2c3" u \
	"\",\"created\":\"2026-01-01T00:00:00Z\",\"modified\":\"2026-01-01T00:00:00Z\"," \
	"\"name\":\"u\"}]}"
	(void)snprintf(content, sizeof(content), "%s", BUNDLE("fresh", "1"));
	inbound(f, 1, content);
	(void)snprintf(content, sizeof(content), "%s", BUNDLE("c7", "2"));
	inbound(f, 2, content);
#undef BUNDLE
	assert_int_equal(hl_taxii_catch_up(f->s, &n), HL_OK);
	assert_true(n == 2);
	assert_int_equal(hl_stixdb_count(f->d, "fresh", &cnt), HL_OK);
	assert_true(cnt == 0);
	assert_int_equal(hl_stixdb_count(f->d, "c7", &cnt), HL_OK);
	assert_true(cnt == 2);
	assert_int_equal(hl_store_audit_list(f->s, 1, 100, &a, &n), HL_OK);
	for (i = 0; i < n; i++)
		if (strcmp(a[i].event, "stix-invalid") == 0) {
			invalid++;
			assert_non_null(strstr(a[i].detail, "collection=fresh: objects are in 224 "
			    "collections here already"));
		}
	assert_true(invalid == 1);
	hl_free(a);
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
	expect_conf_error(c, "[collection x]\nwrite = mal lory\n", "operator names");
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
		cmocka_unit_test_setup_teardown(test_ingest, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_sticky, setup, teardown),
		cmocka_unit_test_setup_teardown(test_ingest_collections_cap, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_record, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_check, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_migration, setup, teardown),
		cmocka_unit_test_setup_teardown(test_release_random, setup, teardown),
		cmocka_unit_test(test_collection_config),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
