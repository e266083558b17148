/* bench_stixput.c: where a TAXII POST's time goes, stage by stage, in
 * process (no HTTPS, no event loop). For N generated indicators (default
 * 50,000, or argv[1]) with random UUIDs, in envelopes of 1000 as
 * bench/bench_taxii.py sends them, it times per object: the JSON parse of
 * the envelope text (json_loadb), validation (hl_stix_validate), one
 * json_dumps of the object (what hl_stixdb_put does to store it as
 * received; the put includes it, the total does not count it twice), and
 * hl_stixdb_put_bulk (the node's put, without a savepoint per object) in
 * one transaction per envelope plus its
 * commit (durable, as the node), once with SQLite's default page cache and
 * once with a 64 MiB one (PRAGMA cache_size, the proposed fix). Prints
 * key=value lines (microseconds per object); the directory is removed at
 * exit. Figures only, no timed asserts. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "alloc.h"
#include "apijson.h"
#include "buf.h"
#include "label.h"
#include "stix.h"
#include "stixdb.h"
#include "store.h"

#define DEFAULT_N 50000u
#define ENVELOPE 1000u

static uint64_t
mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static uint64_t rng = 88172645463325252ull;

static uint64_t
xr(void)
{
	rng ^= rng << 13;
	rng ^= rng >> 7;
	rng ^= rng << 17;
	return rng;
}

/* One envelope's text: ENVELOPE indicators like bench_taxii.py's. */
static char *
envelope_text(uint32_t first, uint32_t count)
{
	struct hl_buf b;
	char o[512];
	size_t len;
	uint32_t i;
	char *out;

	hl_buf_init(&b, 4u * 1024 * 1024);
	hl_buf_put(&b, "{\"objects\":[", 12);
	for (i = 0; i < count; i++) {
		uint64_t a = xr(), c = xr();
		uint32_t ip = (uint32_t)(a >> 32);
		int n = snprintf(o, sizeof(o), "%s{\"type\":\"indicator\",\"spec_version\":\"2.1\","
		    "\"id\":\"indicator--%08" PRIx32 "-%04" PRIx32 "-4%03" PRIx32 "-8%03" PRIx32
		    "-%012" PRIx64 "\",\"created\":\"2026-11-23T00:00:00.000Z\","
		    "\"modified\":\"2026-11-23T00:00:00.000Z\",\"name\":\"bench %" PRIu32 "\","
		    "\"pattern_type\":\"stix\",\"valid_from\":\"2026-11-23T00:00:00.000Z\","
		    "\"pattern\":\"[ipv4-addr:value = '%u.%u.%u.%u']\"}", i > 0 ? "," : "",
		    (uint32_t)a, (uint32_t)(a >> 16) & 0xffff, (uint32_t)(c >> 52) & 0xfff,
		    (uint32_t)(c >> 40) & 0xfff, (uint64_t)(c & 0xffffffffffull), first + i,
		    11 + (ip >> 24) % 200, (ip >> 16) & 255, (ip >> 8) & 255, ip & 255);

		if (n < 0 || (size_t)n >= sizeof(o))
			break;
		hl_buf_put(&b, o, (size_t)n);
	}
	hl_buf_put(&b, "]}", 3);    /* with the NUL */
	if (hl_buf_error(&b) != HL_OK) {
		hl_buf_free(&b);
		return NULL;
	}
	out = (char *)hl_buf_steal(&b, &len);
	hl_buf_free(&b);
	return out;
}

struct stage {
	uint64_t parse, validate, dumps, put, commit;
	uint32_t n;
};

/* Run the stages over total objects into a fresh store at path; cache_kib
 * 0 = SQLite's default page cache. */
static int
run(const char *path, uint32_t total, long cache_kib, const uint8_t *label, size_t label_len,
    struct stage *s)
{
	char err[256], verr[HL_STIX_ERR_MAX];
	struct hl_store *st = NULL;
	struct hl_stixdb *d = NULL;
	struct hl_stix_prov prov;
	uint32_t first;
	int rc = -1;

	memset(s, 0, sizeof(*s));
	if (hl_store_open(path, &st, err, sizeof(err)) != HL_OK ||
	    hl_stixdb_open(st, &d) != HL_OK) {
		fprintf(stderr, "bench_stixput: %s\n", err);
		goto out;
	}
	if (cache_kib > 0 && hl_store_cache_kib(st, cache_kib) != HL_OK)
		goto out;
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	memcpy(prov.partner, "JPN", 4);
	(void)snprintf(prov.node, sizeof(prov.node), "JPN/node-1");
	(void)snprintf(prov.added_by, sizeof(prov.added_by), "admin");
	for (first = 0; first < total; first += ENVELOPE) {
		uint32_t cnt = total - first < ENVELOPE ? total - first : ENVELOPE;
		char *text = envelope_text(first, cnt);
		json_t *env, *objs, *o;
		json_error_t je;
		uint64_t t;
		size_t i;

		if (text == NULL)
			goto out;
		t = mono_us();
		env = json_loads(text, JSON_REJECT_DUPLICATES, &je);
		s->parse += mono_us() - t;
		hl_free(text);
		objs = json_object_get(env, "objects");
		if (env == NULL || !json_is_array(objs)) {
			fprintf(stderr, "bench_stixput: parse: %s\n", je.text);
			json_decref(env);
			goto out;
		}
		t = mono_us();
		json_array_foreach(objs, i, o) {
			if (hl_stix_validate(o, verr, sizeof(verr)) != HL_OK) {
				fprintf(stderr, "bench_stixput: invalid: %s\n", verr);
				json_decref(env);
				goto out;
			}
		}
		s->validate += mono_us() - t;
		t = mono_us();
		json_array_foreach(objs, i, o) {
			char *j = json_dumps(o, JSON_PRESERVE_ORDER | JSON_COMPACT);

			free(j);    /* jansson's allocator: the default one */
		}
		s->dumps += mono_us() - t;
		t = mono_us();
		if (hl_stixdb_begin(d) != HL_OK) {
			json_decref(env);
			goto out;
		}
		json_array_foreach(objs, i, o) {
			uint64_t da;
			int added;

			/* as the node's STIX queue does: no savepoint per object */
			if (hl_stixdb_put_bulk(d, "bench", o, NULL, 0, label, label_len, &prov, &da,
			    &added) != HL_OK) {
				fprintf(stderr, "bench_stixput: put: %s\n", hl_store_errmsg(st));
				hl_stixdb_rollback(d);
				json_decref(env);
				goto out;
			}
		}
		s->put += mono_us() - t;
		t = mono_us();
		if (hl_stixdb_commit(d) != HL_OK) {
			json_decref(env);
			goto out;
		}
		s->commit += mono_us() - t;
		s->n += cnt;
		json_decref(env);
	}
	rc = 0;
out:
	hl_stixdb_close(d);
	hl_store_close(st);
	return rc;
}

static void
print_stage(const char *p, const struct stage *s)
{
	double n = s->n > 0 ? (double)s->n : 1.0;

	printf("%s_objects=%" PRIu32 "\n", p, s->n);
	printf("%s_parse_us=%.1f\n", p, (double)s->parse / n);
	printf("%s_validate_us=%.1f\n", p, (double)s->validate / n);
	printf("%s_dumps_us=%.1f\n", p, (double)s->dumps / n);
	printf("%s_put_us=%.1f\n", p, (double)s->put / n);
	printf("%s_commit_us=%.1f\n", p, (double)s->commit / n);
	/* dumps is inside put already (hl_stixdb_put dumps the object): not added */
	printf("%s_total_us=%.1f\n", p, (double)(s->parse + s->validate + s->put + s->commit) / n);
}

static void
rm_db(const char *path)
{
	char p[300];

	(void)unlink(path);
	(void)snprintf(p, sizeof(p), "%s-wal", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s-shm", path);
	(void)unlink(p);
	(void)snprintf(p, sizeof(p), "%s.blobs", path);
	(void)rmdir(p);
}

int
main(int argc, char **argv)
{
	char dir[] = "/var/tmp/hlstixput.XXXXXX", path[256], err[256];
	struct hl_policy pol;
	struct hl_label l;
	struct hl_buf lb;
	struct stage s1, s2;
	uint8_t *label = NULL;
	size_t label_len = 0;
	uint32_t total = DEFAULT_N;
	int rc = 1;

	if (argc > 1) {
		char *end;
		unsigned long v = strtoul(argv[1], &end, 10);

		if (*end != '\0' || v == 0 || v > 10000000ul) {
			fprintf(stderr, "usage: bench_stixput [N]\n");
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
	hl_policy_default(&pol);
	if (hl_label_make(&pol, &(struct hl_label_spec){ .classification = "UNCLASSIFIED",
	    .releasable = "JPN", .tlp = "clear" }, &l, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "bench_stixput: label: %s\n", err);
		goto out;
	}
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if (hl_label_encode(&l, &lb) != HL_OK || (label = hl_buf_steal(&lb, &label_len)) == NULL) {
		hl_buf_free(&lb);
		goto out;
	}
	hl_buf_free(&lb);
	if (run(path, total, 0, label, label_len, &s1) != 0)
		goto out;
	rm_db(path);
	if (run(path, total, 65536, label, label_len, &s2) != 0)
		goto out;
	print_stage("default_cache", &s1);
	print_stage("cache64m", &s2);
	rc = 0;
out:
	hl_free(label);
	rm_db(path);
	(void)rmdir(dir);
	return rc;
}
