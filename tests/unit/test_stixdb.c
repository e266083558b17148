/* test_stixdb.c: STIX objects in the store (stixdb.h): versions and
 * idempotence, date_added order and paging, match filters, search by
 * address, CIDR containment, domain and hash, by technique / tactic id,
 * name, alias, word and STIX id, with the sightings of each result (defect
 * 6), rule 4 and read lists on results and sightings, the backfill after
 * the migration, status and bridge bookkeeping. */
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
#include "schema_undo.h"
#include "stixshare.h"
#include "teststore.h"

struct fx {
	char dir[64];
	char path[128];
	struct hl_store *s;
	struct hl_stixdb *d;
	struct hl_policy pol;
	uint8_t lab_u[HL_LABEL_MAX_BYTES], lab_s[HL_LABEL_MAX_BYTES];
	size_t lab_u_len, lab_s_len;
};

/* Change the database behind the store's back, as a migration or an
 * attacker with the file would: on a connection of the test's own (the
 * store lends out none). */


static void
raw_exec(struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_exec(db, sql, NULL, NULL, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
}

/* The one integer a query of the database gives. */
static int64_t
raw_int(struct fx *f, const char *sql)
{
	sqlite3 *db = NULL;
	sqlite3_stmt *st = NULL;
	int64_t v;

	assert_int_equal(sqlite3_open(f->path, &db), SQLITE_OK);
	assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &st, NULL), SQLITE_OK);
	assert_int_equal(sqlite3_step(st), SQLITE_ROW);
	v = sqlite3_column_int64(st, 0);
	assert_int_equal(sqlite3_finalize(st), SQLITE_OK);
	assert_int_equal(sqlite3_close(db), SQLITE_OK);
	return v;
}

/* A label of the default policy: partners csv, TLP, level; encoded into
 * enc when it is not NULL. */
static void
mklabel(const struct hl_policy *p, const char *rel, const char *tlp, const char *cls,
    struct hl_label *l, uint8_t *enc, size_t *enclen)
{
	char err[128];

	assert_int_equal(hl_label_make(p, &(struct hl_label_spec){ .classification = cls,
	    .releasable = rel, .tlp = tlp }, l, err, sizeof(err)), HL_OK);
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

	test_store_remove(f->d, f->s, f->dir, f->path);
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

/* Store o (taking it) as received from partner's node. */
static void
put_from(struct fx *f, const char *partner, const char *coll, json_t *o, int secret,
    int expect_added)
{
	struct hl_stix_prov prov;
	char err[HL_STIX_ERR_MAX];
	uint64_t da = 0;
	int added = -1;

	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_PARTNER;
	(void)snprintf(prov.partner, sizeof(prov.partner), "%s", partner);
	(void)snprintf(prov.node, sizeof(prov.node), "%s/node-1", partner);
	memset(prov.envelope, 0xab, sizeof(prov.envelope));
	prov.received_us = 1700000000000000ull;
	assert_int_equal(hl_stix_validate(o, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_stixdb_put(f->d, coll, o, secret ? f->lab_s : f->lab_u,
	    secret ? f->lab_s_len : f->lab_u_len, &prov, &da, &added), HL_OK);
	if (expect_added >= 0)
		assert_int_equal(added, expect_added);
	assert_true(da > 0);
	json_decref(o);
}

static void
put(struct fx *f, const char *coll, json_t *o, int secret, int expect_added)
{
	put_from(f, "KOR", coll, o, secret, expect_added);
}

static void
op_init(struct hl_operator_conf *op, uint8_t clearance, const char *nat)
{
	memset(op, 0, sizeof(*op));
	(void)snprintf(op->name, sizeof(op->name), "analyst");
	op->clearance = clearance;
	(void)snprintf(op->nationality, sizeof(op->nationality), "%s", nat);
}

/* Search as op (NULL: no rule 4). */
static int
find(struct fx *f, const char *value, const struct hl_operator_conf *op, size_t max,
    const char **kind, struct hl_stix_hit **hits, size_t *n)
{
	struct hl_stix_search q;

	memset(&q, 0, sizeof(q));
	q.value = value;
	q.max = max;
	q.policy = &f->pol;
	q.op = op;
	return hl_stixdb_find(f->d, &q, kind, hits, n);
}

/* The result for object id, NULL when absent. */
static const struct hl_stix_hit *
hit_of(const struct hl_stix_hit *hits, size_t n, const char *id)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(hits[i].row.id, id) == 0)
			return &hits[i];
	return NULL;
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

	/* match[id] with the other filters: every version of the id, of that
	 * type and spec_version; two listed versions; another type none */
	q.vsel = HL_STIX_V_ALL;
	q.nvkeys = 0;
	q.nids = 1;
	q.ids[0] = "indicator--00000001-0000-4000-8000-000000000000";
	q.ntypes = 2;
	q.types[0] = "malware";
	q.types[1] = "indicator";
	q.nspec = 1;
	q.spec[0] = "2.1";
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 3 && more == 0);
	hl_stixdb_rows_free(rows, n);
	q.vsel = HL_STIX_V_LIST;
	q.nvkeys = 2;
	assert_int_equal(hl_stix_time("2024-02-01T00:00:00Z", q.vkeys[1], NULL), HL_OK);
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 2);   /* in the order added */
	assert_string_equal(rows[0].version, "2024-02-01T00:00:00Z");
	assert_string_equal(rows[1].version, "2024-01-15T00:00:00.5Z");
	hl_stixdb_rows_free(rows, n);
	q.ntypes = 1;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 0 && rows == NULL);
	q.types[0] = "indicator";
	q.spec[0] = "2.0";
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
	assert_true(n == 0 && rows == NULL);
	/* a version list that is empty, or a selector out of range: refused */
	q.spec[0] = "2.1";
	q.nvkeys = 0;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_ERR_INVALID);
	q.vsel = HL_STIX_V_LIST + 1;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_ERR_INVALID);
	memset(&q, 0, sizeof(q));
	q.collection = "c1";
	q.limit = 10;

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
	/* as many ids as a match may name: each list slot is used */
	q.nids = HL_STIX_MATCH_VALUES;
	{
		static char ids[HL_STIX_MATCH_VALUES][64];

		for (i = 0; i < HL_STIX_MATCH_VALUES; i++) {
			(void)snprintf(ids[i], sizeof(ids[i]),
			    "indicator--%08x-0000-4000-8000-000000000000", i * 3);
			q.ids[i] = ids[i];
		}
		assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_OK);
		assert_true(n == HL_STIX_MATCH_VALUES);
		for (k = 0; k < n; k++)
			assert_int_equal(strtoul(rows[k].id + strlen("indicator--"), NULL, 16) % 3, 0);
		hl_stixdb_rows_free(rows, n);
	}
	q.nids = HL_STIX_MATCH_VALUES + 1;
	assert_int_equal(hl_stixdb_objects(f->d, &q, &rows, &n, &more), HL_ERR_INVALID);
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
	struct hl_stix_hit *hits = NULL;
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
	assert_int_equal(find(f, "198.51.100.7", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "ipv4");
	assert_true(n == 2);
	assert_true((strcmp(hits[0].matched, "198.51.100.0/24") == 0 &&
	    strcmp(hits[1].matched, "198.51.100.7") == 0) ||
	    (strcmp(hits[1].matched, "198.51.100.0/24") == 0 &&
	    strcmp(hits[0].matched, "198.51.100.7") == 0));
	assert_string_equal(hits[0].row.prov.partner, "KOR");
	assert_int_equal(hits[0].field, HL_STIX_F_OBSERVABLE);
	hl_stixdb_hits_free(hits, n);
	/* only the /24 contains .200 */
	assert_int_equal(find(f, "198.51.100.200", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(hits[0].row.id, "indicator--00000001-0000-4000-8000-000000000000");
	hl_stixdb_hits_free(hits, n);
	/* a CIDR finds what lies inside it and what contains it */
	assert_int_equal(find(f, "198.51.0.0/16", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "cidr");
	assert_true(n == 2);
	hl_stixdb_hits_free(hits, n);
	assert_int_equal(find(f, "198.51.100.0/28", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 2);   /* the /24 contains it, .7 is inside it */
	hl_stixdb_hits_free(hits, n);
	assert_int_equal(find(f, "10.0.0.0/8", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 0 && hits == NULL);
	/* IPv6 */
	assert_int_equal(find(f, "2001:DB8:0:1::5", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "ipv6");
	assert_true(n == 1);
	assert_string_equal(hits[0].matched, "2001:db8::/32");
	hl_stixdb_hits_free(hits, n);
	/* domain (case and final dot), hash (case) */
	assert_int_equal(find(f, "evil.EXAMPLE", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "domain");
	assert_true(n == 1);
	assert_string_equal(hits[0].matched, "evil.example");
	hl_stixdb_hits_free(hits, n);
	assert_int_equal(find(f, "aabbccddeeff00112233445566778899aabbccddeeff00112233445566778899",
	    NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "sha256");
	assert_true(n == 1);
	hl_stixdb_hits_free(hits, n);
	/* max */
	assert_int_equal(find(f, "198.51.100.7", NULL, 1, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	hl_stixdb_hits_free(hits, n);
	/* malformed search values: an address that is not one, blank, control
	 * characters, too long; text is a name, not an error */
	assert_int_equal(find(f, "10.0.0.1/33", NULL, 100, &kind, &hits, &n), HL_ERR_MALFORMED);
	assert_int_equal(find(f, "2001:db8::1::2", NULL, 100, &kind, &hits, &n), HL_ERR_MALFORMED);
	assert_int_equal(find(f, "", NULL, 100, &kind, &hits, &n), HL_ERR_MALFORMED);
	assert_int_equal(find(f, "  \t ", NULL, 100, &kind, &hits, &n), HL_ERR_MALFORMED);
	assert_int_equal(find(f, "a\nb", NULL, 100, &kind, &hits, &n), HL_ERR_MALFORMED);
	{
		char big[HL_STIX_SEARCH_MAX + 2];

		memset(big, 'a', sizeof(big) - 1);
		big[sizeof(big) - 1] = '\0';
		assert_int_equal(find(f, big, NULL, 100, &kind, &hits, &n), HL_ERR_TOO_BIG);
	}
	assert_int_equal(find(f, "not a value", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "name");
	assert_true(n == 0 && hits == NULL);
}

static void
test_rule4(void **state)
{
	struct fx *f = *state;
	struct hl_operator_conf low, high, foreign;
	struct hl_stix_query q;
	struct hl_stix_row *rows = NULL;
	struct hl_stix_hit *hits = NULL;
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

	assert_int_equal(find(f, "192.0.2.1", &low, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	hl_stixdb_hits_free(hits, n);
	assert_int_equal(find(f, "192.0.2.1", &high, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 3);
	hl_stixdb_hits_free(hits, n);
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
		struct hl_stix_hit *hits = NULL;
		const char *kind;
		size_t n;

		assert_int_equal(find(f, "http://evil.example/a", NULL, 10, &kind, &hits, &n), HL_OK);
		assert_string_equal(kind, "url");
		assert_true(n == 1);
		hl_stixdb_hits_free(hits, n);
	}
}



/* hl_stixdb_put_bulk (the STIX queue's slices): in the caller's
 * transaction only; the same version again is no error and adds nothing;
 * a failure part way through an object rolls the whole transaction back,
 * so the commit reports it and nothing of the batch stays. */
static void
test_put_bulk(void **state)
{
	struct fx *f = *state;
	struct hl_stix_prov prov;
	json_t *a, *b;
	uint64_t cnt, k, da;
	int r = HL_OK, added, ok = 0;

	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	a = indicator(11, "2024-01-01T00:00:00Z", "[url:value = 'http://bulk.example/a']");
	b = indicator(12, "2024-01-01T00:00:00Z", "[url:value = 'http://bulk.example/b']");
	assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", a, NULL, 0, f->lab_u, f->lab_u_len,
	    &prov, &da, &added), HL_ERR_INVALID);
	assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
	assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", a, NULL, 0, f->lab_u, f->lab_u_len,
	    &prov, &da, &added), HL_OK);
	assert_int_equal(added, 1);
	assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", a, NULL, 0, f->lab_u, f->lab_u_len,
	    &prov, &da, &added), HL_OK);
	assert_int_equal(added, 0);
	assert_int_equal(hl_stixdb_commit(f->d), HL_OK);
	assert_int_equal(hl_stixdb_count(f->d, "bulk", &cnt), HL_OK);
	assert_true(cnt == 1);
	/* allocation failures at every step of putting b after a new c (its
	 * own id each round) in the same transaction: they all come before
	 * b's first write, so the transaction goes on and keeps c */
	for (k = 1; k < 400 && !ok; k++) {
		json_t *c = indicator(1000 + (unsigned)k, "2024-01-01T00:00:00Z",
		    "[url:value = 'http://bulk.example/c']");
		uint64_t before, after;

		assert_int_equal(hl_stixdb_count(f->d, "bulk", &before), HL_OK);
		assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
		assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", c, NULL, 0, f->lab_u,
		    f->lab_u_len, &prov, &da, &added), HL_OK);
		hl_alloc_fail_at(k);
		r = hl_stixdb_put_bulk(f->d, "bulk", b, NULL, 0, f->lab_u, f->lab_u_len, &prov, &da,
		    &added);
		hl_alloc_fail_at(0);
		if (r == HL_OK)
			ok = 1;
		else
			assert_int_equal(r, HL_ERR_NOMEM);
		assert_int_equal(hl_stixdb_commit(f->d), HL_OK);
		assert_int_equal(hl_stixdb_count(f->d, "bulk", &after), HL_OK);
		assert_true(after == before + (r == HL_OK ? 2 : 1));
		json_decref(c);
	}
	assert_true(ok && k > 2);
	/* a failure after an object's first write (its row is in, an index
	 * row is refused: a trigger of the test's): the whole transaction is
	 * rolled back, the earlier object of the batch with it, and the next
	 * put and the commit fail */
	raw_exec(f, "CREATE TRIGGER bulk_fail BEFORE INSERT ON stix_terms "
	    "WHEN NEW.text LIKE '%bulkfail%' BEGIN SELECT RAISE(ABORT, 'test'); END;");
	{
		json_t *c = indicator(2000, "2024-01-01T00:00:00Z",
		    "[url:value = 'http://bulk.example/d']");
		json_t *e = indicator(2001, "2024-01-01T00:00:00Z",
		    "[url:value = 'http://bulk.example/e']");
		json_t *bad = indicator(2002, "2024-01-01T00:00:00Z",
		    "[url:value = 'http://bulk.example/f']");
		uint64_t before, after;

		assert_int_equal(json_object_set_new(bad, "name", json_string("bulkfail")), 0);
		assert_int_equal(hl_stixdb_count(f->d, "bulk", &before), HL_OK);
		assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
		assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", c, NULL, 0, f->lab_u,
		    f->lab_u_len, &prov, &da, &added), HL_OK);
		assert_int_not_equal(hl_stixdb_put_bulk(f->d, "bulk", bad, NULL, 0, f->lab_u,
		    f->lab_u_len, &prov, &da, &added), HL_OK);
		assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", e, NULL, 0, f->lab_u,
		    f->lab_u_len, &prov, &da, &added), HL_ERR_STORE);
		assert_int_not_equal(hl_stixdb_commit(f->d), HL_OK);
		hl_stixdb_rollback(f->d);
		assert_int_equal(hl_stixdb_count(f->d, "bulk", &after), HL_OK);
		assert_true(after == before);
		/* and the store takes the next transaction as before */
		assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
		assert_int_equal(hl_stixdb_put_bulk(f->d, "bulk", c, NULL, 0, f->lab_u,
		    f->lab_u_len, &prov, &da, &added), HL_OK);
		assert_int_equal(added, 1);
		assert_int_equal(hl_stixdb_commit(f->d), HL_OK);
		assert_int_equal(hl_stixdb_count(f->d, "bulk", &after), HL_OK);
		assert_true(after == before + 1);
		json_decref(c);
		json_decref(e);
		json_decref(bad);
	}
	json_decref(a);
	json_decref(b);
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
	struct hl_stix_hit *hits = NULL;
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
	assert_int_equal(hl_stixshare_catch_up(f->s, &done), HL_OK);
	assert_true(done == 3);
	/* all three done (two refused, audited), none pending */
	assert_int_equal(hl_stixdb_ingest_pending(f->d, 10, &ids, &n), HL_OK);
	assert_true(n == 0 && ids == NULL);
	assert_int_equal(hl_stixshare_catch_up(f->s, &done), HL_OK);
	assert_true(done == 0);
	assert_int_equal(hl_stixdb_count(f->d, "intel", &cnt), HL_OK);
	assert_true(cnt == 1);
	/* provenance from the envelope */
	assert_int_equal(find(f, "C2.example", NULL, 10, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(hits[0].row.prov.partner, "KOR");
	assert_string_equal(hits[0].row.prov.node, "KOR/node-1");
	assert_true(hits[0].row.prov.envelope[0] == 1 && hits[0].row.prov.source == HL_STIX_PARTNER);
	assert_true(hits[0].row.prov.received_us == 1700000000005000ull);
	assert_memory_equal(hits[0].row.label, f->lab_u, f->lab_u_len);
	hl_stixdb_hits_free(hits, n);
	/* the same envelope again is idempotent */
	assert_int_equal(hl_stixshare_ingest(f->s, (const uint8_t[HL_ID_BYTES]){ 1, 1, 1, 1, 1, 1, 1,
	    1, 1, 1, 1, 1, 1, 1, 1, 1 }), HL_OK);
	assert_int_equal(hl_stixdb_count(f->d, "intel", &cnt), HL_OK);
	assert_true(cnt == 1);
	assert_int_equal(hl_stixshare_ingest(f->s, (const uint8_t[HL_ID_BYTES]){ 9 }), HL_ERR_NOT_FOUND);
}

/* ---- search by technique id, tactic id, name, alias, id; sightings ---- */

#define SDO_HEAD(type, uuid) "{\"type\":\"" type "\",\"spec_version\":\"2.1\"," \
	"\"id\":\"" type "--" uuid "\",\"created\":\"2024-01-01T00:00:00.000Z\"," \
	"\"modified\":\"2024-01-01T00:00:00.000Z\","
#define EXT(src, id) "{\"source_name\":\"" src "\",\"external_id\":\"" id "\"}"

#define AP_T0800 "attack-pattern--19a71d1e-6334-4233-8260-b749cae37953"
#define AP_T0085 "attack-pattern--8ea2fcce-e27e-4019-a773-70f3dddfab34"
#define AP_T0085_003 "attack-pattern--330de45e-8e37-4b57-95e4-fa75580b36a8"
#define IS_APT28 "intrusion-set--bef4c620-0787-42a8-a96d-b7eb6e85917c"

static json_t *
obj(const char *text)
{
	json_error_t e;
	json_t *o = json_loads(text, JSON_REJECT_DUPLICATES, &e);

	if (o == NULL)
		fail_msg("%s: %s", text, e.text);
	return o;
}

/* The ATT&CK / DISARM shaped objects the name tests search. */
static void
put_named(struct fx *f)
{
	put(f, "n", obj(SDO_HEAD("attack-pattern", "19a71d1e-6334-4233-8260-b749cae37953")
	    "\"name\":\"Activate Firmware Update Mode\",\"external_references\":["
	    EXT("mitre-attack", "T0800") ",{\"source_name\":\"cite\",\"url\":\"https://x.example/\"}]}"),
	    0, 1);
	put(f, "n", obj(SDO_HEAD("attack-pattern", "8ea2fcce-e27e-4019-a773-70f3dddfab34")
	    "\"name\":\"Develop Text-Based Content\",\"external_references\":["
	    EXT("mitre-attack", "T0085") "]}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("attack-pattern", "330de45e-8e37-4b57-95e4-fa75580b36a8")
	    "\"name\":\"Develop Inauthentic News Articles\",\"external_references\":["
	    EXT("mitre-attack", "T0085.003") "]}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("x-mitre-tactic", "69da72d2-f550-41c5-ab9e-e8255707f28a")
	    "\"name\":\"Initial Access\",\"x_mitre_shortname\":\"initial-access\","
	    "\"external_references\":[" EXT("mitre-attack", "TA0108") "]}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("intrusion-set", "bef4c620-0787-42a8-a96d-b7eb6e85917c")
	    "\"name\":\"APT28\",\"aliases\":[\"APT28\",\"Sofacy\",\"Fancy Bear\"],"
	    "\"external_references\":[" EXT("mitre-attack", "G0007") "]}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("malware", "083bb47b-02c8-4423-81a2-f9ef58572974")
	    "\"name\":\"Backdoor.Oldrea\",\"is_family\":true,"
	    "\"x_mitre_aliases\":[\"Backdoor.Oldrea\",\"Havex\"]}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("intrusion-set", "6a6b3bd0-a4bd-4d68-8da6-2b3ba9b1c3d1")
	    "\"name\":\"TA505\"}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("intrusion-set", "381fcf73-60f6-4ab2-9991-6af3cbc35192")
	    "\"name\":\"Sandworm Team\",\"aliases\":[\"ELECTRUM\"]}"), 1, 1);
	put(f, "n", obj(SDO_HEAD("incident", "7c2d9f0e-1b3a-4e6c-8d5f-2a9b0c1d2e03")
	    "\"name\":\"Inauthentic news network ahead of a regional vote\"}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("tool", "a2e6f2e5-1b6d-4f1e-9c6b-2d2c2b7b1a01")
	    "\"name\":\"Mimikatz\"}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("campaign", "4c2a7e6f-3b1d-4f0e-8a9b-7c6d5e4f3a21")
	    "\"name\":\"Operation Caf\\u00e9\",\"aliases\":[\"CAF\\u00c9 NOIR\"]}"), 0, 1);
	put(f, "n", obj(SDO_HEAD("threat-actor", "9d5b7c3e-2a1f-4e0d-8c9b-1a2b3c4d5e6f")
	    "\"name\":\"Adversary Bravo\"}"), 0, 1);
	/* an SCO's name is not a name to search for */
	put(f, "n", obj("{\"type\":\"file\",\"id\":\"file--ff26c055-6336-5bc5-b98d-13d6226742dd\","
	    "\"name\":\"Mimikatz Loader.exe\"}"), 0, 1);
}

/* One search that must find exactly ids (in order, NULL-terminated). */
static void
expect_found(struct fx *f, const char *value, const char *want_kind, const char *const *ids)
{
	struct hl_stix_hit *hits = NULL;
	const char *kind;
	size_t n, i;

	assert_int_equal(find(f, value, NULL, 100, &kind, &hits, &n), HL_OK);
	if (strcmp(kind, want_kind) != 0)
		fail_msg("%s: kind %s, expected %s", value, kind, want_kind);
	for (i = 0; ids[i] != NULL; i++)
		if (i >= n || strcmp(hits[i].row.id, ids[i]) != 0)
			fail_msg("%s: result %zu is %s, expected %s", value, i,
			    i < n ? hits[i].row.id : "none", ids[i]);
	if (n != i)
		fail_msg("%s: %zu results, expected %zu", value, n, i);
	hl_stixdb_hits_free(hits, n);
}

static void
test_search_names(void **state)
{
	struct fx *f = *state;
	struct hl_operator_conf low;
	struct hl_stix_hit *hits = NULL;
	const struct hl_stix_hit *h;
	const char *kind;
	size_t n;

	put_named(f);
	/* defect 6: technique ids, a DISARM sub-technique, a name */
	assert_int_equal(find(f, "T0800", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "technique");
	assert_true(n == 1);
	assert_string_equal(hits[0].row.id, AP_T0800);
	assert_string_equal(hits[0].name, "Activate Firmware Update Mode");
	assert_string_equal(hits[0].matched, "T0800");
	assert_int_equal(hits[0].field, HL_STIX_F_EXTID);
	assert_true(hits[0].exact);
	assert_string_equal(hits[0].row.prov.partner, "KOR");
	assert_string_equal(hits[0].row.prov.node, "KOR/node-1");
	hl_stixdb_hits_free(hits, n);
	expect_found(f, "t0800", "technique", (const char *[]){ AP_T0800, NULL });
	expect_found(f, " T0800 ", "technique", (const char *[]){ AP_T0800, NULL });
	expect_found(f, "T0085.003", "technique", (const char *[]){ AP_T0085_003, NULL });
	/* a technique, then its sub-techniques as prefix matches */
	assert_int_equal(find(f, "T0085", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 2);
	assert_string_equal(hits[0].row.id, AP_T0085);
	assert_true(hits[0].exact);
	assert_string_equal(hits[1].row.id, AP_T0085_003);
	assert_false(hits[1].exact);
	assert_string_equal(hits[1].matched, "T0085.003");
	hl_stixdb_hits_free(hits, n);
	expect_found(f, "TA0108", "tactic", (const char *[]){
	    "x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a", NULL });
	expect_found(f, "initial-access", "name", (const char *[]){
	    "x-mitre-tactic--69da72d2-f550-41c5-ab9e-e8255707f28a", NULL });
	expect_found(f, "G0007", "name", (const char *[]){ IS_APT28, NULL });
	/* shaped like a tactic id, but a group's name */
	expect_found(f, "TA505", "tactic", (const char *[]){
	    "intrusion-set--6a6b3bd0-a4bd-4d68-8da6-2b3ba9b1c3d1", NULL });
	expect_found(f, "T9999", "technique", (const char *[]){ NULL });
	/* names and aliases, any case, as written in the result */
	assert_int_equal(find(f, "sofacy", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "name");
	assert_true(n == 1);
	assert_string_equal(hits[0].row.id, IS_APT28);
	assert_string_equal(hits[0].name, "APT28");
	assert_string_equal(hits[0].matched, "Sofacy");
	assert_int_equal(hits[0].field, HL_STIX_F_ALIAS);
	hl_stixdb_hits_free(hits, n);
	expect_found(f, "APT28", "name", (const char *[]){ IS_APT28, NULL });
	expect_found(f, "mimikatz", "name", (const char *[]){
	    "tool--a2e6f2e5-1b6d-4f1e-9c6b-2d2c2b7b1a01", NULL });
	expect_found(f, "Adversary Bravo", "name", (const char *[]){
	    "threat-actor--9d5b7c3e-2a1f-4e0d-8c9b-1a2b3c4d5e6f", NULL });
	expect_found(f, "HAVEX", "name", (const char *[]){
	    "malware--083bb47b-02c8-4423-81a2-f9ef58572974", NULL });
	/* a dotted name is also a domain: both are looked up */
	expect_found(f, "Backdoor.Oldrea", "domain", (const char *[]){
	    "malware--083bb47b-02c8-4423-81a2-f9ef58572974", NULL });
	/* prefixes (3 bytes or more) and words of names */
	assert_int_equal(find(f, "Fancy", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(hits[0].matched, "Fancy Bear");
	assert_int_equal(hits[0].field, HL_STIX_F_ALIAS);
	assert_false(hits[0].exact);
	hl_stixdb_hits_free(hits, n);
	assert_int_equal(find(f, "bear", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(hits[0].matched, "Bear");
	assert_int_equal(hits[0].field, HL_STIX_F_WORD);
	hl_stixdb_hits_free(hits, n);
	expect_found(f, "apt", "name", (const char *[]){ IS_APT28, NULL });
	expect_found(f, "ap", "name", (const char *[]){ NULL });
	expect_found(f, "inauthentic", "name", (const char *[]){
	    "incident--7c2d9f0e-1b3a-4e6c-8d5f-2a9b0c1d2e03", AP_T0085_003, NULL });
	expect_found(f, "firmware update", "name", (const char *[]){ NULL });
	expect_found(f, "Activate Firmware", "name", (const char *[]){ AP_T0800, NULL });
	/* non-ASCII: bytes kept, ASCII folded */
	expect_found(f, "operation caf\xc3\xa9", "name", (const char *[]){
	    "campaign--4c2a7e6f-3b1d-4f0e-8a9b-7c6d5e4f3a21", NULL });
	expect_found(f, "caf\xc3\x89 noir", "name", (const char *[]){
	    "campaign--4c2a7e6f-3b1d-4f0e-8a9b-7c6d5e4f3a21", NULL });
	/* an SCO's name is an observable, not a name */
	expect_found(f, "Mimikatz Loader.exe", "name", (const char *[]){ NULL });
	/* a STIX id */
	assert_int_equal(find(f, IS_APT28, NULL, 100, &kind, &hits, &n), HL_OK);
	assert_string_equal(kind, "id");
	assert_true(n == 1 && hits[0].field == HL_STIX_F_ID);
	hl_stixdb_hits_free(hits, n);
	/* rule 4: the SECRET group only for who may see it */
	expect_found(f, "electrum", "name", (const char *[]){
	    "intrusion-set--381fcf73-60f6-4ab2-9991-6af3cbc35192", NULL });
	op_init(&low, 0, "JPN");
	assert_int_equal(find(f, "Sandworm Team", &low, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 0);
	assert_int_equal(find(f, "sandworm", &low, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 0);
	/* a result is found once even when several of its terms match */
	assert_int_equal(find(f, "develop", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 2);
	h = hit_of(hits, n, AP_T0085);
	assert_non_null(h);
	assert_int_equal(h->field, HL_STIX_F_NAME);   /* its name starts so */
	assert_false(h->exact);
	hl_stixdb_hits_free(hits, n);
}

/* A newer version replaces what the older one was found by; revoked
 * objects are not found; a collection the reader may not read is left
 * out. */
static int
deny_n2(void *arg, const char *collection)
{
	(void)arg;
	return strcmp(collection, "n2") != 0;
}

static void
test_search_versions(void **state)
{
	struct fx *f = *state;
	struct hl_stix_search q;
	struct hl_stix_hit *hits = NULL;
	const char *kind;
	size_t n;

	put(f, "n", obj(SDO_HEAD("malware", "083bb47b-02c8-4423-81a2-f9ef58572974")
	    "\"name\":\"Oldname\",\"is_family\":true}"), 0, 1);
	expect_found(f, "oldname", "name", (const char *[]){
	    "malware--083bb47b-02c8-4423-81a2-f9ef58572974", NULL });
	put(f, "n", obj("{\"type\":\"malware\",\"spec_version\":\"2.1\","
	    "\"id\":\"malware--083bb47b-02c8-4423-81a2-f9ef58572974\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-02-01T00:00:00.000Z\","
	    "\"name\":\"Newname\",\"is_family\":true}"), 0, 1);
	expect_found(f, "oldname", "name", (const char *[]){ NULL });
	expect_found(f, "newname", "name", (const char *[]){
	    "malware--083bb47b-02c8-4423-81a2-f9ef58572974", NULL });
	put(f, "n", obj("{\"type\":\"malware\",\"spec_version\":\"2.1\","
	    "\"id\":\"malware--083bb47b-02c8-4423-81a2-f9ef58572974\","
	    "\"created\":\"2024-01-01T00:00:00.000Z\",\"modified\":\"2024-03-01T00:00:00.000Z\","
	    "\"name\":\"Newname\",\"is_family\":true,\"revoked\":true}"), 0, 1);
	expect_found(f, "newname", "name", (const char *[]){ NULL });
	/* the same object in two collections: one result each, unless a
	 * collection may not be read */
	put(f, "n", obj(SDO_HEAD("tool", "a2e6f2e5-1b6d-4f1e-9c6b-2d2c2b7b1a01")
	    "\"name\":\"Mimikatz\"}"), 0, 1);
	put(f, "n2", obj(SDO_HEAD("tool", "a2e6f2e5-1b6d-4f1e-9c6b-2d2c2b7b1a01")
	    "\"name\":\"Mimikatz\"}"), 0, 1);
	assert_int_equal(find(f, "mimikatz", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 2);
	hl_stixdb_hits_free(hits, n);
	memset(&q, 0, sizeof(q));
	q.value = "mimikatz";
	q.max = 100;
	q.policy = &f->pol;
	q.may_read = deny_n2;
	assert_int_equal(hl_stixdb_find(f->d, &q, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	assert_string_equal(hits[0].row.collection, "n");
	hl_stixdb_hits_free(hits, n);
}

static json_t *
sighting(const char *uuid, const char *of, int count, const char *first, const char *last)
{
	json_t *o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s}", "type", "sighting",
	    "spec_version", "2.1", "id", uuid, "created", "2024-05-01T00:00:00.000Z",
	    "modified", "2024-05-01T00:00:00.000Z", "sighting_of_ref", of);

	assert_non_null(o);
	if (count >= 0)
		(void)json_object_set_new(o, "count", json_integer(count));
	if (first != NULL)
		(void)json_object_set_new(o, "first_seen", json_string(first));
	if (last != NULL)
		(void)json_object_set_new(o, "last_seen", json_string(last));
	return o;
}

/* Defect 6: sightings that arrive show with the object they sight. */
static void
test_search_sightings(void **state)
{
	struct fx *f = *state;
	struct hl_operator_conf low;
	struct hl_stix_hit *hits = NULL;
	const struct hl_stix_sighted *sg;
	const char *kind;
	size_t n, i;

	put_named(f);
	put(f, "i", indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '198.51.100.7']"), 0, 1);
	assert_int_equal(find(f, "APT28", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1 && hits[0].sighted.sightings == 0 && hits[0].sighted.nby == 0);
	assert_string_equal(hits[0].sighted.first_seen, "");
	hl_stixdb_hits_free(hits, n);
	put_from(f, "JPN", "n", sighting("sighting--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", IS_APT28,
	    3, "2024-04-01T10:00:00Z", "2024-04-02T10:00:00Z"), 0, 1);
	/* the same sighting in another collection counts once */
	put_from(f, "JPN", "mirror", sighting("sighting--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
	    IS_APT28, 3, "2024-04-01T10:00:00Z", "2024-04-02T10:00:00Z"), 0, 1);
	put_from(f, "USA", "n", sighting("sighting--1f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", IS_APT28,
	    -1, NULL, NULL), 0, 1);
	put_from(f, "JPN", "n", sighting("sighting--2f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", IS_APT28,
	    4, "2024-03-01T00:00:00Z", "2024-06-01T00:00:00.5Z"), 0, 1);
	/* a SECRET one, for who may see it */
	put_from(f, "GBR", "n", sighting("sighting--3f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", IS_APT28,
	    100, NULL, NULL), 1, 1);
	/* a sighting of something else */
	put_from(f, "JPN", "n", sighting("sighting--4f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0",
	    "indicator--00000001-0000-4000-8000-000000000000", 2, NULL, NULL), 0, 1);
	op_init(&low, 0, "JPN");
	assert_int_equal(find(f, "sofacy", &low, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	sg = &hits[0].sighted;
	assert_int_equal(sg->sightings, 3);
	assert_true(sg->count == 3 + 1 + 4);
	assert_string_equal(sg->first_seen, "2024-03-01T00:00:00Z");
	assert_string_equal(sg->last_seen, "2024-06-01T00:00:00.5Z");
	assert_true(sg->nby == 2 && !sg->more_by);
	for (i = 0; i < sg->nby; i++) {
		if (strcmp(sg->by[i].partner, "JPN") == 0) {
			assert_string_equal(sg->by[i].node, "JPN/node-1");
			assert_true(sg->by[i].sightings == 2 && sg->by[i].count == 7);
		} else {
			assert_string_equal(sg->by[i].partner, "USA");
			assert_true(sg->by[i].sightings == 1 && sg->by[i].count == 1);
		}
	}
	hl_stixdb_hits_free(hits, n);
	assert_int_equal(find(f, "sofacy", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1 && hits[0].sighted.sightings == 4 && hits[0].sighted.count == 108);
	hl_stixdb_hits_free(hits, n);
	/* an observable search shows them too */
	assert_int_equal(find(f, "198.51.100.7", &low, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1 && hits[0].sighted.sightings == 1 && hits[0].sighted.count == 2);
	assert_string_equal(hits[0].sighted.by[0].partner, "JPN");
	/* no first_seen: created */
	assert_string_equal(hits[0].sighted.first_seen, "2024-05-01T00:00:00.000Z");
	hl_stixdb_hits_free(hits, n);
}

/* Each allocation of a search failing in turn: HL_ERR_NOMEM, nothing
 * returned, nothing leaked; a put whose indexing fails leaves nothing. */
static void
test_search_alloc_failures(void **state)
{
	struct fx *f = *state;
	struct hl_stix_hit *hits = NULL;
	struct hl_stix_prov prov;
	const char *kind;
	int64_t live;
	uint64_t k, before, after;
	size_t n;
	json_t *o;
	int r, ok = 0, added;

	put_named(f);
	put_from(f, "JPN", "n", sighting("sighting--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", IS_APT28,
	    3, NULL, NULL), 0, 1);
	live = hl_alloc_live();
	for (k = 1; k < 200 && !ok; k++) {
		hl_alloc_fail_at(k);
		r = find(f, "sofacy", NULL, 100, &kind, &hits, &n);
		hl_alloc_fail_at(0);
		if (r == HL_OK) {
			ok = 1;
			assert_true(n == 1 && hits[0].sighted.sightings == 1);
			hl_stixdb_hits_free(hits, n);
		} else {
			assert_int_equal(r, HL_ERR_NOMEM);
			assert_true(hits == NULL && n == 0);
		}
		assert_int_equal(hl_alloc_live(), live);
	}
	assert_true(ok);
	/* a put: the object and its index rows, or nothing */
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	o = obj(SDO_HEAD("campaign", "0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
	    "\"name\":\"Operation Torture Test\",\"aliases\":[\"OTT\"]}");
	assert_int_equal(hl_stixdb_count(f->d, NULL, &before), HL_OK);
	for (ok = 0, k = 1; k < 200 && !ok; k++) {
		hl_alloc_fail_at(k);
		r = hl_stixdb_put(f->d, "n", o, f->lab_u, f->lab_u_len, &prov, NULL, &added);
		hl_alloc_fail_at(0);
		assert_int_equal(hl_stixdb_count(f->d, NULL, &after), HL_OK);
		if (r == HL_OK) {
			ok = 1;
			assert_true(after == before + 1);
		} else {
			assert_int_equal(r, HL_ERR_NOMEM);
			assert_true(after == before);
			expect_found(f, "operation torture", "name", (const char *[]){ NULL });
		}
	}
	assert_true(ok);
	json_decref(o);
	/* and what was stored is whole JSON (jansson's json_dumps under a
	 * failed allocation can leave a key out) */
	assert_int_equal(raw_int(f, "SELECT count(*) FROM stix_objects WHERE json_valid(json) = 0"),
	    0);
	expect_found(f, "OTT", "name", (const char *[]){
	    "campaign--0a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d", NULL });
}

/* Objects stored before the search index existed are indexed when the
 * store is opened after the migration. */
static void
test_search_backfill(void **state)
{
	struct fx *f = *state;
	struct hl_stix_hit *hits = NULL;
	const char *kind;
	size_t n;

	put_named(f);
	put_from(f, "JPN", "n", sighting("sighting--0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0", IS_APT28,
	    3, NULL, NULL), 0, 1);
	hl_stixdb_close(f->d);
	f->d = NULL;
	/* as a version-9 database migrates: nothing indexed, the last seq noted */
	raw_exec(f, "DELETE FROM stix_terms; DELETE FROM stix_links;"
	    " INSERT INTO stix_search_backfill SELECT max(seq) FROM stix_objects");
	assert_int_equal(hl_stixdb_backfill(f->s, &n), HL_OK);
	assert_true(n == 14);   /* put_named's 13 and the sighting */
	assert_int_equal(hl_stixdb_backfill(f->s, &n), HL_OK);
	assert_true(n == 0);    /* once */
	assert_int_equal(hl_stixdb_open(f->s, &f->d), HL_OK);
	assert_int_equal(find(f, "sofacy", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1 && hits[0].sighted.sightings == 1);
	hl_stixdb_hits_free(hits, n);
	expect_found(f, "T0085.003", "technique", (const char *[]){ AP_T0085_003, NULL });
	/* once */
	hl_stixdb_close(f->d);
	f->d = NULL;
	assert_int_equal(hl_stixdb_open(f->s, &f->d), HL_OK);
	assert_int_equal(find(f, "T0800", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n == 1);
	hl_stixdb_hits_free(hits, n);
}

/* Every object of a bundle file, as received from partner. Returns how
 * many. */
static size_t
put_bundle(struct fx *f, const char *path, const char *partner)
{
	json_error_t e;
	json_t *b = json_load_file(path, JSON_REJECT_DUPLICATES, &e), *o;
	size_t i, n = 0;

	if (b == NULL)
		fail_msg("%s: %s", path, e.text);
	assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
	json_array_foreach(json_object_get(b, "objects"), i, o) {
		/* the same identity and marking again in the next bundle: stored once */
		put_from(f, partner, "intel", json_incref(o), 0, -1);
		n++;
	}
	assert_int_equal(hl_stixdb_commit(f->d), HL_OK);
	json_decref(b);
	return n;
}

/* The first result's name for value, with the expected kind and count. */
static void
expect_named(struct fx *f, const char *value, const char *want_kind, size_t want_n,
    const char *want_type, const char *want_name)
{
	struct hl_stix_hit *hits = NULL;
	const char *kind;
	size_t n;

	assert_int_equal(find(f, value, NULL, 100, &kind, &hits, &n), HL_OK);
	if (strcmp(kind, want_kind) != 0 || n != want_n || (n > 0 &&
	    (strcmp(hits[0].row.type, want_type) != 0 || strcmp(hits[0].name, want_name) != 0)))
		fail_msg("%s: %s, %zu results (%s \"%s\"); expected %s, %zu (%s \"%s\")", value, kind,
		    n, n > 0 ? hits[0].row.type : "-", n > 0 ? hits[0].name : "-", want_kind, want_n,
		    want_type, want_name);
	hl_stixdb_hits_free(hits, n);
}

/* The committed subsets of ATT&CK for ICS and DISARM (tests/fixtures/attack)
 * and the DISARM incident report that uses T0085.003. */
static void
test_search_fixtures(void **state)
{
	struct fx *f = *state;
	const char *root = getenv("HOTLINE_ROOT");
	char p[1024];

	(void)snprintf(p, sizeof(p), "%s/tests/fixtures/attack/ics-attack-18.1-subset.json",
	    root != NULL ? root : ".");
	assert_true(put_bundle(f, p, "JPN") == 12);
	(void)snprintf(p, sizeof(p), "%s/tests/fixtures/attack/disarm-1.6-subset.json",
	    root != NULL ? root : ".");
	assert_true(put_bundle(f, p, "JPN") == 6);
	(void)snprintf(p, sizeof(p), "%s/tests/fixtures/disarm/incident-bundle.json",
	    root != NULL ? root : ".");
	assert_true(put_bundle(f, p, "JPN") == 7);
	expect_named(f, "T0800", "technique", 1, "attack-pattern", "Activate Firmware Update Mode");
	/* the technique, then the incident report that cites it */
	expect_named(f, "T0085.003", "technique", 2, "attack-pattern",
	    "Develop Inauthentic News Articles");
	expect_named(f, "T0085", "technique", 3, "attack-pattern", "Develop Text-Based Content");
	expect_named(f, "TA0108", "tactic", 1, "x-mitre-tactic", "Initial Access");
	expect_named(f, "TA06", "tactic", 1, "x-mitre-tactic", "Develop Content");
	expect_named(f, "CRASHOVERRIDE", "name", 2, "malware", "Industroyer");
	expect_named(f, "Win32/Industroyer", "name", 1, "malware", "Industroyer");
	expect_named(f, "sandworm", "name", 1, "intrusion-set", "Sandworm Team");
	expect_named(f, "voodoo bear", "name", 1, "intrusion-set", "Sandworm Team");
	expect_named(f, "G0034", "name", 1, "intrusion-set", "Sandworm Team");
	expect_named(f, "2016 Ukraine", "name", 1, "campaign", "2016 Ukraine Electric Power Attack");
	expect_named(f, "inauthentic news network", "name", 1, "incident",
	    "Inauthentic news network ahead of a regional vote (example)");
}

/* The real ATT&CK (ICS 18.1, Mobile 17.1) and DISARM bundles. */
static void
test_search_real_data(void **state)
{
	struct fx *f = *state;
	const char *sd = getenv("HOTLINE_SHARED_DATA");
	static const char *const files[] = {
		"mitre-attack-stix21/ics-attack-18.1.json",
		"mitre-attack-stix21/mobile-attack-17.1.json",
		"disarm-stix21/DISARM.json",
	};
	struct hl_stix_hit *hits = NULL;
	const char *kind;
	char p[1024];
	size_t i, n, total = 0;

	if (sd == NULL || access(sd, R_OK) != 0) {
		printf("SKIPPED: HOTLINE_SHARED_DATA not set or absent (real ATT&CK and DISARM)\n");
		skip();
	}
	for (i = 0; i < sizeof(files) / sizeof(files[0]); i++) {
		(void)snprintf(p, sizeof(p), "%s/%s", sd, files[i]);
		total += put_bundle(f, p, "JPN");
	}
	assert_true(total > 4600);
	expect_named(f, "T0800", "technique", 1, "attack-pattern", "Activate Firmware Update Mode");
	expect_named(f, "T0855", "technique", 1, "attack-pattern", "Unauthorized Command Message");
	/* with its two sub-techniques */
	expect_named(f, "T1406", "technique", 3, "attack-pattern", "Obfuscated Files or Information");
	expect_named(f, "TA0108", "tactic", 1, "x-mitre-tactic", "Initial Access");
	expect_named(f, "T0085.003", "technique", 1, "attack-pattern",
	    "Develop Inauthentic News Articles");
	expect_named(f, "Sofacy", "name", 1, "intrusion-set", "APT28");
	/* a technique with its sub-techniques: T0085 and T0085.001.. */
	assert_int_equal(find(f, "T0085", NULL, 100, &kind, &hits, &n), HL_OK);
	assert_true(n >= 5);
	assert_true(hits[0].exact && !hits[n - 1].exact);
	assert_non_null(strstr(hits[n - 1].matched, "T0085."));
	hl_stixdb_hits_free(hits, n);
	printf("real data: %zu objects indexed\n", total);
}

/* ---- sticky releasability: releases read from the rows, hl_stixdb_release_check ---- */

/* Put o (not consumed) in coll as if it came from partner ("" external,
 * "KOR" the local node in these tests) with that label. */
static void
put_released(struct fx *f, const char *coll, const json_t *o, const char *partner, const char *rel,
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
	put_released(f, "jk", x1, "JPN", "JPN,KOR", "amber", "RESTRICTED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	put_released(f, "kj", x1, "KOR", "JPN,KOR", "amber", "RESTRICTED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	/* the same collection again: idempotent, nothing changes */
	put_released(f, "jk", x1, "JPN", "JPN,KOR,NATO", "amber", "RESTRICTED", 0);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	/* another partner giving it wider does not widen JPN's release */
	put_released(f, "nk", x1, "NATO", "KOR,NATO,USA", "green", "UNCLASSIFIED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	/* JPN itself giving it wider does, and narrower again does not narrow */
	put_released(f, "intel", x1, "JPN", "JPN,KOR,NATO,USA", "amber", "UNCLASSIFIED", 1);
	expect_release(f, XID, V1, "JPN", "JPN,KOR,NATO,USA", HL_TLP_AMBER);
	assert_int_equal(hl_stixdb_release_get(f->d, XID, V1, &r), HL_OK);
	assert_int_equal(r.label.classification, 0);
	put_released(f, "jk2", x1, "JPN", "JPN,KOR", "red", "SECRET", 1);
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
	put_released(f, "jk", x1, "JPN", "JPN,KOR", "amber", "RESTRICTED", 1);
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
	put_released(f, "nk", x3, "NATO", "KOR,NATO,USA", "amber", "RESTRICTED", 1);
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
	put_released(f, "feed", p1, "", "KOR", "green", "UNCLASSIFIED", 1);
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
	raw_exec(f, "UPDATE stix_objects SET label = x'00' WHERE collection = 'jk'");
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
	json_t *x1 = indicator(1, "2024-01-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.1']");
	json_t *x2 = indicator(1, "2024-02-01T00:00:00Z", "[ipv4-addr:value = '192.0.2.2']");

	put_released(f, "jk", x1, "JPN", "JPN,KOR", "amber", "RESTRICTED", 1);
	put_released(f, "wide", x1, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", 1);
	put_released(f, "wide", x2, "KOR", "JPN,KOR,NATO,USA", "amber", "RESTRICTED", 1);
	hl_stixdb_close(f->d);
	hl_store_close(f->s);
	/* back to version 8: without stix_collections, nor the envelope
	 * files' columns of version 11 */
	raw_exec(f, DROP_V16 DROP_V15 DROP_V14 DROP_V13 DROP_V12 DROP_V11 "DROP TABLE stix_collections; PRAGMA user_version = 8");
	assert_int_equal(hl_store_open(f->path, &f->s, err, sizeof(err)), HL_OK);
	assert_int_equal(hl_stixdb_open(f->s, &f->d), HL_OK);
	expect_release(f, XID, V1, "JPN", "JPN,KOR", HL_TLP_AMBER);
	expect_release(f, XID, V2, "KOR", "JPN,KOR,NATO,USA", HL_TLP_AMBER);
	assert_int_equal(raw_int(f, "SELECT count(*) FROM stix_collections"), 2);
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
			put_released(f, coll, o, m_partner[p], csv, tlps[tlp], lvls[cls],
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

	put_released(f, "jk", x1, "JPN", "JPN,KOR", "amber", "UNCLASSIFIED", 1);
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
	assert_int_equal(hl_stixshare_catch_up(f->s, &n), HL_OK);
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
	assert_int_equal(hl_stixshare_catch_up(f->s, &n), HL_OK);
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
	assert_int_equal(hl_stixshare_catch_up(f->s, &n), HL_OK);
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
		cmocka_unit_test_setup_teardown(test_search_names, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_versions, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_sightings, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_backfill, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_alloc_failures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_fixtures, setup, teardown),
		cmocka_unit_test_setup_teardown(test_search_real_data, setup, teardown),
		cmocka_unit_test_setup_teardown(test_status_bridge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_in_transaction, setup, teardown),
		cmocka_unit_test_setup_teardown(test_put_bulk, setup, teardown),
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
