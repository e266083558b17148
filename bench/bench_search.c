/* bench_search.c: observable search latency (hl_stixdb_search) with many
 * indicators stored. Fills a database in a mkdtemp directory with N
 * indicators (default 1,000,000, or argv[1]): mostly single IPv4
 * addresses, some /16../28 CIDRs, IPv6, domains and SHA-256 hashes, in
 * batches of 10,000 per transaction; then times LOOKUPS searches (hits and
 * misses of every kind, rule 4 applied for an operator) and prints p50, p99
 * and the maximum in microseconds of wall time. Prints figures only (no
 * timed asserts); the directory is removed at exit. */
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

int
main(int argc, char **argv)
{
	char dir[] = "/tmp/hl_bench_search_XXXXXX", path[128], err[256], id[80], pat[160];
	char value[160], cmd[200];
	struct hl_store *s = NULL;
	struct hl_stixdb *d = NULL;
	struct hl_policy pol;
	struct hl_label l;
	struct hl_operator_conf op;
	struct hl_stix_prov prov;
	struct hl_buf lb;
	uint8_t *label = NULL;
	size_t label_len = 0, n, hits = 0;
	uint64_t *lat = NULL, t0, t1;
	uint32_t total = DEFAULT_N, i, k;
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
	if (hl_label_from_strings(&pol, "CONFIDENTIAL", "JPN,KOR", "amber", &l, err,
	    sizeof(err)) != HL_OK)
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
	if ((lat = calloc(LOOKUPS, sizeof(*lat))) == NULL)
		goto out;
	for (k = 0; k < LOOKUPS; k++) {
		struct hl_stix_row *rows = NULL;
		struct hl_stix_matched *m = NULL;
		const char *kind;
		uint32_t j = xr() % total, a = j * 2654435761u;

		switch (k % 8) {
		case 0: /* an address inside a stored /16 or /24 */
			if (j % 20 == 0)
				(void)snprintf(value, sizeof(value), "%u.%u.7.9", 10 + (a >> 28),
				    (a >> 8) & 255);
			else
				(void)snprintf(value, sizeof(value), "%u.%u.%u.77", 100 + (a >> 28),
				    (a >> 16) & 255, (a >> 8) & 255);
			break;
		case 1: /* a stored address (or a miss) */
		case 2:
			(void)snprintf(value, sizeof(value), "%u.%u.%u.%u", a >> 24, (a >> 16) & 255,
			    (a >> 8) & 255, a & 255);
			break;
		case 3:
			(void)snprintf(value, sizeof(value), "h%u.example.net", j);
			break;
		case 4:
			(void)snprintf(value, sizeof(value), "%08x%056x", j, 0);
			break;
		case 5:
			(void)snprintf(value, sizeof(value), "2001:db8:%x:%x::1", a >> 16, a & 0xffff);
			break;
		case 6: /* a miss */
			(void)snprintf(value, sizeof(value), "192.0.2.%u", j & 255);
			break;
		default: /* a CIDR: ranges inside and around it */
			(void)snprintf(value, sizeof(value), "%u.%u.%u.0/24", a >> 24, (a >> 16) & 255,
			    (a >> 8) & 255);
			break;
		}
		t0 = mono_us();
		if (hl_stixdb_search(d, value, &pol, &op, 100, &kind, &rows, &m, &n) != HL_OK) {
			fprintf(stderr, "bench_search: search %s failed\n", value);
			goto out;
		}
		lat[k] = mono_us() - t0;
		hits += n > 0;
		hl_stixdb_rows_free(rows, n);
		hl_free(m);
	}
	qsort(lat, LOOKUPS, sizeof(*lat), cmp_u64);
	printf("search: %u lookups over %u indicators (%zu with matches): p50 %" PRIu64
	    " us, p99 %" PRIu64 " us, max %" PRIu64 " us\n", LOOKUPS, total, hits,
	    lat[LOOKUPS / 2], lat[LOOKUPS * 99 / 100], lat[LOOKUPS - 1]);
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
	(void)rmdir(dir);
	return rc;
}
