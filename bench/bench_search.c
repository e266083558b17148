/* bench_search.c: search latency (hl_stixdb_find) with many objects
 * stored. Fills a database in a mkdtemp directory with N indicators
 * (default 1,000,000, or argv[1]): mostly single IPv4 addresses, some
 * /16../28 CIDRs, IPv6, domains and SHA-256 hashes, in batches of 10,000
 * per transaction; then N / 50 named objects shaped like ATT&CK / DISARM
 * (techniques with T ids and sub-technique ids, groups with aliases,
 * malware, tools, campaigns) and a sighting for one in ten of them. Times
 * LOOKUPS observable searches (hits and misses of every kind) and LOOKUPS
 * name searches (technique ids, names, aliases, prefixes, words, misses),
 * rule 4 applied for an operator, and prints p50, p99 and the maximum in
 * microseconds of wall time; then the time to index everything stored for
 * search once more, as a node does at start after the search migration. Prints figures only (no timed asserts); the
 * directory is removed at exit. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>
#include <sqlite3.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "label.h"
#include "stixdb.h"
#include "store.h"

#define DEFAULT_N 1000000u
#define BATCH 10000u
#define LOOKUPS 20000u

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint32_t rng = 2463534242u;

static uint32_t
xr(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 17;
	rng ^= rng << 5;
	return rng;
}

/* The pattern of indicator i (deterministic, so lookups can aim at it). */
static void
pattern_of(uint32_t i, char *out, size_t len)
{
	uint32_t a = i * 2654435761u;

	switch (i % 20) {
	case 0:
		(void)snprintf(out, len, "[ipv4-addr:value = '%u.%u.0.0/16']", 10 + (a >> 28),
		    (a >> 8) & 255);
		break;
	case 1:
		(void)snprintf(out, len, "[ipv4-addr:value = '%u.%u.%u.0/24']", 100 + (a >> 28),
		    (a >> 16) & 255, (a >> 8) & 255);
		break;
	case 2:
		(void)snprintf(out, len, "[ipv6-addr:value = '2001:db8:%x:%x::1']", a >> 16,
		    a & 0xffff);
		break;
	case 3:
		(void)snprintf(out, len, "[domain-name:value = 'h%u.example.net']", i);
		break;
	case 4:
		(void)snprintf(out, len, "[file:hashes.'SHA-256' = '%08x%056x']", i, 0);
		break;
	default:
		(void)snprintf(out, len, "[ipv4-addr:value = '%u.%u.%u.%u'] OR "
		    "[domain-name:value = 'c2-%u.example.org']", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255, i);
		break;
	}
}

static int
cmp_u64(const void *x, const void *y)
{
	uint64_t a = *(const uint64_t *)x, b = *(const uint64_t *)y;

	return a < b ? -1 : a > b;
}

/* Lookup k (of the mix) aimed at indicator j. */
static void
observable_lookup(uint32_t k, uint32_t j, char *value, size_t len)
{
	uint32_t a = j * 2654435761u;

	switch (k % 8) {
	case 0: /* an address inside a stored /16 or /24 */
		if (j % 20 == 0)
			(void)snprintf(value, len, "%u.%u.7.9", 10 + (a >> 28), (a >> 8) & 255);
		else
			(void)snprintf(value, len, "%u.%u.%u.77", 100 + (a >> 28), (a >> 16) & 255,
			    (a >> 8) & 255);
		break;
	case 1: /* a stored address (or a miss) */
	case 2:
		(void)snprintf(value, len, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		    a & 255);
		break;
	case 3:
		(void)snprintf(value, len, "h%u.example.net", j);
		break;
	case 4:
		(void)snprintf(value, len, "%08x%056x", j, 0);
		break;
	case 5:
		(void)snprintf(value, len, "2001:db8:%x:%x::1", a >> 16, a & 0xffff);
		break;
	case 6: /* a miss */
		(void)snprintf(value, len, "192.0.2.%u", j & 255);
		break;
	default: /* a CIDR: ranges inside and around it */
		(void)snprintf(value, len, "%u.%u.%u.0/24", a >> 24, (a >> 16) & 255, (a >> 8) & 255);
		break;
	}
}

/* Technique id of named object i (one in five is an attack-pattern):
 * T1000..T9999, then sub-techniques .001.. of them. */
static void
technique_id(uint32_t i, char *out, size_t len)
{
	uint32_t t = i / 5;

	if (t < 9000)
		(void)snprintf(out, len, "T%04u", 1000 + t);
	else
		(void)snprintf(out, len, "T%04u.%03u", 1000 + t % 9000, 1 + (t / 9000) % 999);
}

static const char *const named_types[] = { "attack-pattern", "intrusion-set", "malware",
	"tool", "campaign" };

static void
named_id(uint32_t i, char *out, size_t len)
{
	(void)snprintf(out, len, "%s--%08x-1111-4000-8000-%012x", named_types[i % 5], i, i);
}

/* Named object i: an attack-pattern, intrusion-set, malware, tool or
 * campaign, with names, aliases and words to find it by. */
static json_t *
named_object(uint32_t i)
{
	char id[80], name[96], a1[64], a2[64], ext[32];
	json_t *o;

	named_id(i, id, sizeof(id));
	technique_id(i, ext, sizeof(ext));
	if (i % 5 == 0)
		(void)snprintf(name, sizeof(name), "Technique %u Firmware Update", i);
	else if (i % 5 == 1)
		(void)snprintf(name, sizeof(name), "Group%u", i);
	else
		(void)snprintf(name, sizeof(name), "%s %u", named_types[i % 5], i);
	(void)snprintf(a1, sizeof(a1), "Alias%u", i);
	(void)snprintf(a2, sizeof(a2), "Fancy Bear %u", i);
	o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:[s, s, s], s:[{s:s, s:s}]}", "type",
	    named_types[i % 5], "spec_version", "2.1", "id", id, "created",
	    "2025-01-01T00:00:00.000Z", "modified", "2025-01-01T00:00:00.000Z", "name", name,
	    "aliases", name, a1, a2, "external_references", "source_name", "mitre-attack",
	    "external_id", i % 5 == 0 ? ext : a1);
	if (o != NULL && i % 5 == 2)
		(void)json_object_set_new(o, "is_family", json_true());
	return o;
}

/* The named objects, and a sighting of one in ten, in one transaction. */
static int
fill_named(struct hl_stixdb *d, uint32_t named, const uint8_t *label, size_t label_len,
    const struct hl_stix_prov *prov)
{
	char id[80], of[80];
	json_t *o;
	uint32_t i;
	int added, r;

	if ((r = hl_stixdb_begin(d)) != HL_OK)
		return r;
	for (i = 0; i < named && r == HL_OK; i++) {
		if ((o = named_object(i)) == NULL) {
			r = HL_ERR_NOMEM;
			break;
		}
		r = hl_stixdb_put(d, "bench", o, label, label_len, prov, NULL, &added);
		json_decref(o);
		if (r != HL_OK || i % 10 != 0)
			continue;
		(void)snprintf(id, sizeof(id), "sighting--%08x-2222-4000-8000-%012x", i, i);
		named_id(i, of, sizeof(of));
		if ((o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:i}", "type", "sighting",
		    "spec_version", "2.1", "id", id, "created", "2025-02-01T00:00:00.000Z",
		    "modified", "2025-02-01T00:00:00.000Z", "sighting_of_ref", of, "count", 3)) ==
		    NULL) {
			r = HL_ERR_NOMEM;
			break;
		}
		r = hl_stixdb_put(d, "bench", o, label, label_len, prov, NULL, &added);
		json_decref(o);
	}
	if (r != HL_OK) {
		hl_stixdb_rollback(d);
		return r;
	}
	return hl_stixdb_commit(d);
}

#define NAME_KINDS 6
static const char *const name_kinds[NAME_KINDS] = {
	"technique id (T1234):", "group name, other case:", "alias:",
	"name prefix (a few results):", "word (100 of thousands):", "miss:",
};

/* Lookup k (of the mix) aimed at named object j. */
static void
name_lookup(uint32_t k, uint32_t j, char *value, size_t len)
{
	switch (k % NAME_KINDS) {
	case 0: /* a technique id */
		technique_id(j - j % 5, value, len);
		break;
	case 1: /* a group's name, another case */
		(void)snprintf(value, len, "group%u", j - j % 5 + 1);
		break;
	case 2: /* an alias */
		(void)snprintf(value, len, "ALIAS%u", j);
		break;
	case 3: /* a name's prefix (a few matches) */
		(void)snprintf(value, len, "malware %u", j / 10);
		break;
	case 4: /* a word of a name: many matches, the first 100 */
		(void)snprintf(value, len, "firmware");
		break;
	default: /* a miss */
		(void)snprintf(value, len, "Nothing Like It %u", j);
		break;
	}
}

static int
timed_find(struct hl_stixdb *d, const struct hl_stix_search *q, uint64_t *lat, size_t *hits)
{
	struct hl_stix_hit *h = NULL;
	const char *kind;
	uint64_t t0 = mono_us();
	size_t n = 0;
	int r;

	r = hl_stixdb_find(d, q, &kind, &h, &n);
	*lat = mono_us() - t0;
	*hits += n > 0;
	hl_stixdb_hits_free(h, n);
	return r;
}

static void
report(const char *what, uint32_t lookups, uint32_t over, const char *of, size_t hits,
    uint64_t *lat)
{
	qsort(lat, lookups, sizeof(*lat), cmp_u64);
	printf("%s: %u lookups over %u %s (%zu with matches): p50 %" PRIu64 " us, p99 %" PRIu64
	    " us, max %" PRIu64 " us\n", what, lookups, over, of, hits, lat[lookups / 2],
	    lat[lookups * 99 / 100], lat[lookups - 1]);
}

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/hl_bench_search_XXXXXX", path[128], err[256], id[80], pat[160];
	char value[160], cmd[200];
	struct hl_stix_search q;
	struct hl_store *s = NULL;
	struct hl_stixdb *d = NULL;
	struct hl_policy pol;
	struct hl_label l;
	struct hl_operator_conf op;
	struct hl_stix_prov prov;
	struct hl_buf lb;
	uint8_t *label = NULL;
	size_t label_len = 0, hits = 0, backfilled = 0;
	uint64_t *lat = NULL, t0, t1, kind_lat[LOOKUPS / NAME_KINDS + 1];
	uint32_t total = DEFAULT_N, i, k, named;
	int rc = 1;

	if (argc > 1) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end != '\0' || v == 0 || v > 50000000ul) {
			fprintf(stderr, "usage: bench_search [N]\n");
			return 2;
		}
		total = (uint32_t)v;
	}
	hl_apijson_init();
	if (mkdtemp(dir) == NULL) {
		perror("mkdtemp");
		return 1;
	}
	(void)snprintf(path, sizeof(path), "%s/node.db", dir);
	if (hl_store_open(path, &s, err, sizeof(err)) != HL_OK ||
	    hl_stixdb_open(s, &d) != HL_OK) {
		fprintf(stderr, "bench_search: %s\n", err);
		goto out;
	}
	hl_policy_default(&pol);
	if (hl_label_make(&pol, &(struct hl_label_spec){ .classification = "CONFIDENTIAL",
	    .releasable = "JPN,KOR", .tlp = "amber" }, &l, err, sizeof(err)) != HL_OK)
		goto out;
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if (hl_label_encode(&l, &lb) != HL_OK || (label = hl_buf_steal(&lb, &label_len)) == NULL)
		goto out;
	hl_buf_free(&lb);
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_PARTNER;
	memcpy(prov.partner, "KOR", 4);
	(void)snprintf(prov.node, sizeof(prov.node), "KOR/node-1");

	t0 = mono_us();
	for (i = 0; i < total; i++) {
		json_t *o;
		int added;

		if (i % BATCH == 0 && hl_stixdb_begin(d) != HL_OK)
			goto out;
		(void)snprintf(id, sizeof(id), "indicator--%08x-0000-4000-8000-%012x", i, i);
		pattern_of(i, pat, sizeof(pat));
		o = json_pack("{s:s, s:s, s:s, s:s, s:s, s:s, s:s, s:s}", "type", "indicator",
		    "spec_version", "2.1", "id", id, "created", "2025-01-01T00:00:00.000Z",
		    "modified", "2025-01-01T00:00:00.000Z", "pattern", pat, "pattern_type", "stix",
		    "valid_from", "2025-01-01T00:00:00Z");
		if (o == NULL || hl_stixdb_put(d, "bench", o, label, label_len, &prov, NULL,
		    &added) != HL_OK) {
			fprintf(stderr, "bench_search: put %u failed: %s\n", i, hl_store_errmsg(s));
			json_decref(o);
			goto out;
		}
		json_decref(o);
		if ((i + 1) % BATCH == 0 || i + 1 == total) {
			if (hl_stixdb_commit(d) != HL_OK)
				goto out;
		}
		if ((i + 1) % 100000 == 0)
			fprintf(stderr, "  %u indicators stored (%.1f s)\n", i + 1,
			    (double)(mono_us() - t0) / 1e6);
	}
	t1 = mono_us();
	printf("fill: %u indicators in %.1f s (%.0f per second)\n", total,
	    (double)(t1 - t0) / 1e6, (double)total * 1e6 / (double)(t1 - t0));

	memset(&op, 0, sizeof(op));
	(void)snprintf(op.name, sizeof(op.name), "analyst");
	op.clearance = 3;
	memcpy(op.nationality, "JPN", 4);
	memset(&q, 0, sizeof(q));
	q.value = value;
	q.max = 100;
	q.policy = &pol;
	q.op = &op;
	if ((lat = calloc(LOOKUPS, sizeof(*lat))) == NULL)
		goto out;
	for (k = 0; k < LOOKUPS; k++) {
		uint32_t j = xr() % total;

		observable_lookup(k, j, value, sizeof(value));
		if (timed_find(d, &q, &lat[k], &hits) != HL_OK) {
			fprintf(stderr, "bench_search: search %s failed\n", value);
			goto out;
		}
	}
	report("search", LOOKUPS, total, "indicators", hits, lat);

	/* names, ids and aliases */
	named = total / 50 > 0 ? total / 50 : 1;
	t0 = mono_us();
	if (fill_named(d, named, label, label_len, &prov) != HL_OK)
		goto out;
	t1 = mono_us();
	printf("fill named: %u named objects and %u sightings in %.1f s\n", named,
	    (named + 9) / 10, (double)(t1 - t0) / 1e6);
	hits = 0;
	for (k = 0; k < LOOKUPS; k++) {
		uint32_t j = xr() % named;

		name_lookup(k, j, value, sizeof(value));
		if (timed_find(d, &q, &lat[k], &hits) != HL_OK) {
			fprintf(stderr, "bench_search: search %s failed\n", value);
			goto out;
		}
	}
	/* per kind of lookup too (the mix is k % NAME_KINDS) */
	for (i = 0; i < NAME_KINDS; i++) {
		uint32_t m = 0;

		for (k = i; k < LOOKUPS; k += NAME_KINDS)
			kind_lat[m++] = lat[k];
		qsort(kind_lat, m, sizeof(*kind_lat), cmp_u64);
		printf("  %-34s p50 %" PRIu64 " us, p99 %" PRIu64 " us\n", name_kinds[i],
		    kind_lat[m / 2], kind_lat[m * 99 / 100]);
	}
	report("search names", LOOKUPS, named, "named objects", hits, lat);

	/* the one-time indexing at start after the search migration, over
	 * everything stored so far */
	hl_stixdb_close(d);
	d = NULL;
	/* as a version-9 database migrates (on a connection of its own: the
	 * store lends out none) */
	{
		sqlite3 *db = NULL;
		int ok = sqlite3_open(path, &db) == SQLITE_OK &&
		    sqlite3_exec(db, "DELETE FROM stix_terms; DELETE FROM stix_links;"
		    " INSERT INTO stix_search_backfill SELECT max(seq) FROM stix_objects", NULL,
		    NULL, NULL) == SQLITE_OK;

		(void)sqlite3_close(db);
		if (!ok)
			goto out;
	}
	t0 = mono_us();
	if (hl_stixdb_backfill(s, &backfilled) != HL_OK)
		goto out;
	t1 = mono_us();
	printf("backfill: %zu stored objects indexed for search in %.1f s\n", backfilled,
	    (double)(t1 - t0) / 1e6);
	rc = 0;
out:
	free(lat);
	hl_free(label);
	hl_stixdb_close(d);
	hl_store_close(s);
	(void)snprintf(cmd, sizeof(cmd), "%s/node.db", dir);
	(void)unlink(cmd);
	(void)snprintf(cmd, sizeof(cmd), "%s/node.db-wal", dir);
	(void)unlink(cmd);
	(void)snprintf(cmd, sizeof(cmd), "%s/node.db-shm", dir);
	(void)unlink(cmd);
	(void)snprintf(cmd, sizeof(cmd), "%s/node.db.blobs", dir);
	(void)rmdir(cmd);
	(void)rmdir(dir);
	return rc;
}
