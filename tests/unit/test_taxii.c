/* test_taxii.c: the TAXII query-string parser and the signed "next" token
 * (taxii_query.c), the two parts of the TAXII server that read untrusted
 * request text before any database work; and what a collection takes from
 * a POST, a push, an import or the poll bridge (stixshare.c's add_objects,
 * without a running node): markings at property level (issue 12, defect 1:
 * the OASIS granular-markings example) and sticky releasability (defect
 * 2), with the status each refusal gets, the audit, and what would go to
 * the members. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/hmac.h>
#include <sqlite3.h>

#include "taxii_query.c"
/* the static add_objects() and admit() */
#include "stixshare.c"
#include "teststore.h"

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

/* ---- add_objects: markings and sticky releasability ---- */

#define CONF "[node]\nname = KOR/node-1\nlisten = 127.0.0.1:7401\napi = 127.0.0.1:8401\n" \
	"data = data\ncertificate = node.crt\nkey = node.key\nca = ca.crt\n" \
	"[operator alice]\nrole = analyst\nclearance = SECRET\nnationality = KOR\n" \
	"password = $scrypt$ln=10,r=8,p=1$Mxtp23+0vZZdefzMnvOlrg==$" \
	"fz1/qYSajZLjVqjEciHZGx82LAeeL5Fd1T29mIthM/o=\n" \
	"[collection intel]\nmembers = JPN,USA\nwrite = alice\n" \
	"[collection jk]\nmembers = JPN\nwrite = alice\n" \
	"[collection wide]\nmembers = JPN,NATO,USA\nwrite = alice\n" \
	"[collection vault]\nwrite = alice\n"

#define AMBER2 "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421"
#define GREEN2 "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb"

struct afx {
	char dir[64], path[128];
	struct hl_config *cfg;
	struct hl_store *s;
	struct hl_stixdb *d;
};

static int
add_setup(void **state)
{
	struct afx *f = calloc(1, sizeof(*f));
	char e[256];

	if (f == NULL)
		return -1;
	hl_apijson_init();
	(void)snprintf(f->dir, sizeof(f->dir), "/tmp/hl_taxii_XXXXXX");
	if (mkdtemp(f->dir) == NULL || (f->cfg = hl_calloc(1, sizeof(*f->cfg))) == NULL)
		return -1;
	if (hl_config_parse((const uint8_t *)CONF, strlen(CONF), "t.conf", "/srv", f->cfg, e,
	    sizeof(e)) != HL_OK) {
		print_error("%s\n", e);
		return -1;
	}
	(void)snprintf(f->path, sizeof(f->path), "%s/node.db", f->dir);
	if (hl_store_open(f->path, &f->s, e, sizeof(e)) != HL_OK ||
	    hl_stixdb_open(f->s, &f->d) != HL_OK)
		return -1;
	*state = f;
	return 0;
}

static int
add_teardown(void **state)
{
	struct afx *f = *state;

	test_store_remove(f->d, f->s, f->dir, f->path);
	hl_free(f->cfg);
	free(f);
	return 0;
}

static json_t *
jload(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_REJECT_DUPLICATES, &je);

	if (j == NULL)
		fail_msg("%s: %s", text, je.text);
	return j;
}

static void
prov_local(struct hl_stix_prov *p)
{
	memset(p, 0, sizeof(*p));
	p->source = HL_STIX_LOCAL;
	(void)snprintf(p->partner, sizeof(p->partner), "KOR");
	(void)snprintf(p->node, sizeof(p->node), "KOR/node-1");
	(void)snprintf(p->added_by, sizeof(p->added_by), "alice");
}

/* add_objects into coll; OUT: the status (caller decrefs) and sh (caller
 * frees with to_share_free(sh, json_array_size(objs))). */
static json_t *
add(struct afx *f, const char *coll, const json_t *objs, const struct hl_stix_prov *p,
    struct to_share *sh)
{
	json_t *st = NULL;

	assert_int_equal(add_objects(f->cfg, f->s, f->d, hl_config_collection(f->cfg, coll), objs,
	    p, &st, sh), HL_OK);
	assert_non_null(st);
	assert_int_equal(json_integer_value(json_object_get(st, "total_count")),
	    json_array_size(objs));
	return st;
}

/* The failure message for object id in status st ("" when it succeeded). */
static const char *
failure_of(const json_t *st, const char *id)
{
	const json_t *e;
	size_t i;

	json_array_foreach(json_object_get(st, "failures"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
			return json_string_value(json_object_get(e, "message"));
	json_array_foreach(json_object_get(st, "successes"), i, e)
		if (strcmp(json_string_value(json_object_get(e, "id")), id) == 0)
			return "";
	fail_msg("%s is not in the status", id);
	return NULL;
}

static void
expect_failure(const json_t *st, const char *id, const char *part)
{
	const char *m = failure_of(st, id);

	if (strstr(m, part) == NULL)
		fail_msg("%s: '%s' lacks '%s'", id, m, part);
	assert_null(strchr(m, '\n'));
}

/* Audit entries of event with detail containing part. */
static size_t
audits(struct afx *f, const char *event, const char *actor, const char *part)
{
	struct hl_audit_entry *a = NULL;
	size_t n = 0, i, k = 0;

	assert_int_equal(hl_store_audit_list(f->s, 1, 10000, &a, &n), HL_OK);
	for (i = 0; i < n; i++)
		if (strcmp(a[i].event, event) == 0 && (actor == NULL ||
		    strcmp(a[i].actor, actor) == 0) && strstr(a[i].detail, part) != NULL)
			k++;
	hl_free(a);
	return k;
}

static uint8_t
stored_tlp(struct afx *f, const char *coll, const char *id)
{
	struct hl_stix_row *row = NULL;
	struct hl_label l;

	assert_int_equal(hl_stixdb_get_latest(f->d, coll, id, &f->cfg->policy, NULL, &row), HL_OK);
	assert_int_equal(hl_label_decode(row->label, row->label_len, &l), HL_OK);
	hl_stixdb_rows_free(row, 1);
	return l.tlp;
}

#define GIND "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca1"
#define GACT "threat-actor--8b6297fe-cae7-47c6-9256-5584b417849c"
#define GREL "relationship--3d1dd3cc-eb47-4704-9c77-ceff2971b95c"
#define GIDN "identity--b38dfe21-7477-40d1-aa90-5c8671ce51ca"

static void
test_add_markings(void **state)
{
	struct afx *f = *state;
	struct hl_stix_prov p;
	struct to_share sh;
	const char *root = getenv("HOTLINE_ROOT");
	char path[1024];
	json_error_t je;
	json_t *bundle, *b, *objs, *st, *o;
	uint64_t cnt;
	size_t i;

	(void)snprintf(path, sizeof(path), "%s/tests/fixtures/stix/granular-markings.json",
	    root != NULL ? root : ".");
	assert_non_null(bundle = json_load_file(path, JSON_REJECT_DUPLICATES, &je));
	objs = json_object_get(bundle, "objects");
	prov_local(&p);
	/* defect 1: pushed to a collection with members, the indicator whose
	 * description is TLP:RED is refused, naming the granular marking */
	st = add(f, "intel", objs, &p, &sh);
	assert_int_equal(json_integer_value(json_object_get(st, "success_count")), 1);
	assert_string_equal(failure_of(st, GIDN), "");
	expect_failure(st, GIND, "refused (granular_markings[0] marks 'description' TLP:RED): "
	    "TLP:RED may not be shared with the members of collection intel");
	expect_failure(st, GACT, "refused: TLP:RED may not be shared");
	expect_failure(st, GREL, "refused: TLP:RED may not be shared");
	/* what the members receive: the identity alone, nothing of the red text */
	assert_int_equal(sh.n, 1);
	assert_non_null(strstr(sh.json[0], GIDN));
	assert_int_equal(sh.tlps[0], HL_TLP_CLEAR);
	for (i = 0; i < sh.n; i++)
		assert_null(strstr(sh.json[i], "Known to be used by The Joker"));
	to_share_free(&sh, json_array_size(objs));
	json_decref(st);
	assert_int_equal(hl_stixdb_count(f->d, "intel", &cnt), HL_OK);
	assert_true(cnt == 1);
	assert_int_equal(audits(f, "stix-added", "alice", "collection=intel objects=4 stored=1 "
	    "refused=3"), 1);
	/* a collection without members keeps it here, labelled TLP:RED */
	st = add(f, "vault", objs, &p, &sh);
	assert_int_equal(json_integer_value(json_object_get(st, "success_count")), 4);
	assert_int_equal(stored_tlp(f, "vault", GIND), HL_TLP_RED);
	assert_int_equal(stored_tlp(f, "vault", GIDN), HL_TLP_CLEAR);
	to_share_free(&sh, json_array_size(objs));
	json_decref(st);
	/* an AMBER property in a GREEN object: shared at AMBER */
	o = json_deep_copy(json_array_get(objs, 1));
	(void)json_object_set_new(o, "id", json_string("indicator--1ed8caa7-a708-4706-b651-"
	    "f1186ede6ca2"));
	(void)json_object_set_new(o, "object_marking_refs", json_pack("[s]", GREEN2));
	(void)json_object_set_new(o, "granular_markings", json_pack("[{s:[s], s:s}]",
	    "selectors", "indicator_types.[1]", "marking_ref", AMBER2));
	b = json_pack("[o]", o);
	st = add(f, "intel", b, &p, &sh);
	assert_int_equal(json_integer_value(json_object_get(st, "success_count")), 1);
	assert_int_equal(sh.n, 1);
	assert_int_equal(sh.tlps[0], HL_TLP_AMBER);
	assert_int_equal(stored_tlp(f, "intel", "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca2"),
	    HL_TLP_AMBER);
	to_share_free(&sh, 1);
	json_decref(st);
	/* a malformed selector: refused, named, nothing stored */
	(void)json_object_set_new(o, "id", json_string("indicator--1ed8caa7-a708-4706-b651-"
	    "f1186ede6ca3"));
	(void)json_object_set_new(o, "granular_markings", json_pack("[{s:[s], s:s}]",
	    "selectors", "indicator_types.[7]", "marking_ref", AMBER2));
	st = add(f, "vault", b, &p, &sh);
	expect_failure(st, "indicator--1ed8caa7-a708-4706-b651-f1186ede6ca3",
	    "granular_markings[0].selectors[0] 'indicator_types.[7]': [7] is beyond the list's 2 "
	    "item(s)");
	assert_int_equal(sh.n, 0);
	to_share_free(&sh, 1);
	json_decref(st);
	assert_int_equal(hl_stixdb_count(f->d, "vault", &cnt), HL_OK);
	assert_true(cnt == 4);
	json_decref(b);
	json_decref(bundle);
}

#define XID "indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000001"

static json_t *
xobj(const char *id, const char *modified, const char *marking)
{
	char t[1024];

	(void)snprintf(t, sizeof(t), "[{\"type\":\"indicator\",\"spec_version\":\"2.1\","
	    "\"id\":\"%s\",\"created\":\"2026-01-01T00:00:00.000Z\",\"modified\":\"%s\","
	    "\"pattern\":\"[ipv4-addr:value = '192.0.2.7']\",\"pattern_type\":\"stix\","
	    "\"valid_from\":\"2026-01-01T00:00:00Z\",\"object_marking_refs\":[\"%s\"]}]", id,
	    modified, marking);
	return jload(t);
}

static void
test_add_sticky(void **state)
{
	struct afx *f = *state;
	struct hl_stix_prov p, jp;
	struct hl_stix_first r;
	struct hl_label l;
	struct hl_buf lb;
	struct to_share sh;
	uint8_t *enc;
	size_t elen;
	char e[128];
	json_t *x1 = xobj(XID, "2026-01-01T00:00:00.000Z", AMBER2), *st, *o;

	/* JPN gave X to KOR only (its collection jk, members KOR) */
	assert_int_equal(hl_label_make(&f->cfg->policy,
	    &(struct hl_label_spec){ .classification = "UNCLASSIFIED", .releasable = "JPN,KOR",
	    .tlp = "amber" }, &l, e, sizeof(e)), HL_OK);
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	assert_int_equal(hl_label_encode(&l, &lb), HL_OK);
	enc = hl_buf_steal(&lb, &elen);
	hl_buf_free(&lb);
	memset(&jp, 0, sizeof(jp));
	jp.source = HL_STIX_PARTNER;
	(void)snprintf(jp.partner, sizeof(jp.partner), "JPN");
	(void)snprintf(jp.node, sizeof(jp.node), "JPN/node-1");
	assert_int_equal(hl_stixdb_put(f->d, "from-jpn", json_array_get(x1, 0), enc, elen, &jp,
	    NULL, NULL), HL_OK);
	hl_free(enc);
	prov_local(&p);
	/* defect 2: KOR's analyst posts it unchanged into KOR's collection for
	 * JPN, NATO and USA */
	st = add(f, "wide", x1, &p, &sh);
	expect_failure(st, XID, "refused (sticky releasability): version "
	    "2026-01-01T00:00:00.000000000Z came from JPN (JPN/node-1) releasable to JPN, KOR at "
	    "TLP:AMBER; collection wide would also release it to NATO, USA; only JPN may widen "
	    "the release of its objects");
	assert_int_equal(sh.n, 0);
	to_share_free(&sh, 1);
	json_decref(st);
	assert_int_equal(audits(f, "stix-release-refused", "alice", "collection=wide id=" XID
	    " version=2026-01-01T00:00:00.000000000Z origin=JPN (JPN/node-1) releasable=JPN, KOR "
	    "tlp=AMBER widens=NATO, USA"), 1);
	/* a new version of it, too */
	o = xobj(XID, "2026-02-01T00:00:00.000Z", AMBER2);
	st = add(f, "wide", o, &p, &sh);
	expect_failure(st, XID, "came from JPN (JPN/node-1)");
	to_share_free(&sh, 1);
	json_decref(st);
	/* a lower TLP in a collection JPN already releases it to */
	json_decref(o);
	o = xobj(XID, "2026-02-01T00:00:00.000Z", GREEN2);
	st = add(f, "jk", o, &p, &sh);
	expect_failure(st, XID, "this copy is marked TLP:GREEN, lower than TLP:AMBER");
	to_share_free(&sh, 1);
	json_decref(st);
	json_decref(o);
	/* subsets: back to JPN, or kept here */
	st = add(f, "jk", x1, &p, &sh);
	assert_string_equal(failure_of(st, XID), "");
	assert_int_equal(sh.n, 1);
	to_share_free(&sh, 1);
	json_decref(st);
	st = add(f, "vault", x1, &p, &sh);
	assert_string_equal(failure_of(st, XID), "");
	to_share_free(&sh, 1);
	json_decref(st);
	assert_int_equal(audits(f, "stix-release-refused", NULL, ""), 3);

	/* the poll bridge from JPN's node (node = JPN/node-1): what it serves
	 * stays JPN's, releasable to JPN and us */
	memset(&jp, 0, sizeof(jp));
	jp.source = HL_STIX_EXTERNAL;
	(void)snprintf(jp.partner, sizeof(jp.partner), "JPN");
	(void)snprintf(jp.node, sizeof(jp.node), "https://jpn.example:8401/taxii2/hotline/");
	o = xobj("indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000002", "2026-01-01T00:00:00.000Z",
	    AMBER2);
	st = add(f, "wide", o, &jp, &sh);
	expect_failure(st, "indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000002", "refused (sticky "
	    "releasability): served by JPN's node (https://jpn.example:8401/taxii2/hotline/), so "
	    "releasable to JPN, KOR only; collection wide would also release it to NATO, USA");
	assert_int_equal(audits(f, "stix-release-refused", "https://jpn.example:8401/taxii2/"
	    "hotline/", "origin=JPN"), 1);
	to_share_free(&sh, 1);
	json_decref(st);
	st = add(f, "vault", o, &jp, &sh);
	assert_string_equal(failure_of(st, "indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000002"), "");
	to_share_free(&sh, 1);
	json_decref(st);
	assert_int_equal(hl_stixdb_release_get(f->d, "indicator--7a1c2d3e-4f50-4a6b-8c7d-"
	    "000000000002", "2026-01-01T00:00:00.000000000Z", &r), HL_OK);
	assert_string_equal(r.partner, "JPN");
	st = add(f, "wide", o, &p, &sh);   /* and KOR's analyst cannot widen it later */
	expect_failure(st, "indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000002", "came from JPN");
	to_share_free(&sh, 1);
	json_decref(st);
	json_decref(o);
	/* any other TAXII server is this node's own source: shared as posted
	 * (its URL, longer than an audit actor, is cut there) */
	jp.partner[0] = '\0';
	(void)snprintf(jp.node, sizeof(jp.node), "https://feed.example/taxii2/api1/collections/"
	    "91a7b528-80eb-42ed-a74d-c6fbd5a26116/objects/");
	o = xobj("indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000003", "2026-01-01T00:00:00.000Z",
	    AMBER2);
	st = add(f, "wide", o, &jp, &sh);
	assert_string_equal(failure_of(st, "indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000003"), "");
	assert_int_equal(sh.n, 1);
	to_share_free(&sh, 1);
	json_decref(st);
	json_decref(o);
	json_decref(x1);
	assert_int_equal(audits(f, "stix-added", "https://feed.example/taxii2/api1/collections/"
	    "91a7b528-80eb-42ed-", "collection=wide objects=1 stored=1"), 1);
}

/* An id held in more rows than the check reads: the object is refused,
 * the rest of the POST goes on. */
static void
test_add_too_many_versions(void **state)
{
	struct afx *f = *state;
	struct hl_stix_prov p;
	struct hl_stix_first r;
	struct hl_label l;
	struct to_share sh;
	uint8_t lab[HL_LABEL_MAX_BYTES];
	size_t lablen;
	char coll[16];
	json_t *o, *other, *st;
	unsigned i;

	prov_local(&p);
	assert_int_equal(local_label(f->cfg, hl_config_collection(f->cfg, "vault"), HL_TLP_AMBER,
	    &l, lab, &lablen), HL_OK);
	/* one version in more collections than the check reads rows (versions
	 * would count the same; these are quicker to store) */
	o = xobj(XID, "2026-01-01T00:00:00.000Z", AMBER2);
	assert_int_equal(hl_stixdb_begin(f->d), HL_OK);
	for (i = 0; i <= HL_STIXDB_RELEASE_ROWS_MAX; i++) {
		(void)snprintf(coll, sizeof(coll), "c%u", i);
		assert_int_equal(hl_stixdb_put(f->d, coll, json_array_get(o, 0), lab, lablen, &p,
		    NULL, NULL), HL_OK);
	}
	assert_int_equal(hl_stixdb_commit(f->d), HL_OK);
	json_decref(o);
	assert_int_equal(hl_stixdb_release_get(f->d, XID, "2026-01-01T00:00:00.000000000Z", &r),
	    HL_ERR_TOO_BIG);
	o = xobj(XID, "2026-02-01T00:00:00.000Z", AMBER2);
	other = xobj("indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000009", "2026-01-01T00:00:00.000Z",
	    AMBER2);
	(void)json_array_extend(o, other);
	json_decref(other);
	st = add(f, "intel", o, &p, &sh);
	expect_failure(st, XID, "refused: more than 10000 stored versions and copies of this "
	    "object to check its release against");
	assert_string_equal(failure_of(st, "indicator--7a1c2d3e-4f50-4a6b-8c7d-000000000009"), "");
	to_share_free(&sh, 2);
	json_decref(st);
	json_decref(o);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_query_valid),
		cmocka_unit_test(test_query_malformed),
		cmocka_unit_test(test_token),
		cmocka_unit_test_setup_teardown(test_add_markings, add_setup, add_teardown),
		cmocka_unit_test_setup_teardown(test_add_sticky, add_setup, add_teardown),
		cmocka_unit_test_setup_teardown(test_add_too_many_versions, add_setup, add_teardown),
	};

	return cmocka_run_group_tests_name("taxii", tests, NULL, NULL);
}
