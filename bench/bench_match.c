/* bench_match.c: the detection core (sensor.c, ioc.c) at scale, one thread.
 *
 * Builds a set of N indicators (default 1,000,000): single IPv4 addresses,
 * IPv4 CIDRs from /16 to /28, IPv6 addresses and /64s, domains, URLs,
 * SHA-256 and MD5 hashes, JA3 fingerprints; about 1% already expired.
 * Times the load and reads the process RSS before and after. Then LINES
 * (default 2,000,000) Suricata EVE lines shaped as Suricata 7 writes them
 * (flow, dns queries and answers, http, tls with JA3/JA3S, fileinfo; a
 * tenth of the flows IPv6), all distinct, mostly benign: one line in a
 * thousand carries a value an indicator names (a tenth of those an expired
 * one's). Lines are made in chunks of 100,000 outside the clock; each chunk
 * is parsed only (hl_sensor_parse), then parsed and matched
 * (hl_ioc_match), so the two rates see the same lines. Repeated RUNS times
 * (default 3); figures are medians with min and max. Hits found must equal
 * the hits planted, exactly. For comparison, the first chunk is also
 * parsed with jansson (json_loadb), the DOM parser the sensor does not use.
 *
 * usage: bench_match [N [LINES [RUNS]]]. Prints key=value lines (read by
 * scripts/bench.sh) and a summary on stderr. Figures only, no asserts; the
 * exit status is 1 when the hits differ from those planted. */
#include <inttypes.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <jansson.h>

#include "alloc.h"
#include "ioc.h"
#include "sensor.h"

#define CHUNK 100000u
#define LINE_MAX_BYTES 2048u
#define NOW_MS INT64_C(1714564800000)           /* 2024-05-01T12:00:00Z */
#define PLANT_EVERY 1000u

static uint64_t
mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static long
rss_kib(const char *what)
{
	char line[256];
	long v = -1;
	FILE *f = fopen("/proc/self/status", "r");

	if (f == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, what, strlen(what)) == 0)
			v = strtol(line + strlen(what), NULL, 10);
	fclose(f);
	return v;
}

static uint64_t
mix(uint64_t x)
{
	x ^= x >> 33;
	x *= 0xff51afd7ed558ccdull;
	x ^= x >> 33;
	x *= 0xc4ceb9fe1a85ec53ull;
	x ^= x >> 33;
	return x;
}

/* ---- the indicators: kind by i % 20 ---- */

enum { K_IP, K_CIDR, K_NET16, K_IP6, K_NET6, K_DOMAIN, K_URL, K_SHA256, K_MD5, K_JA3 };

static unsigned
kind_of(uint32_t i)
{
	unsigned m = i % 20;

	if (m == 8)
		return i % 400 == 8 ? K_NET16 : K_IP6;
	return m <= 5 ? K_IP : m <= 7 ? K_CIDR : m == 9 ? K_IP6 : m == 10 ? K_NET6 :
	    m <= 15 ? K_DOMAIN : m <= 17 ? K_URL : m == 18 ? (i % 40 == 18 ? K_SHA256 : K_MD5) :
	    K_JA3;
}

static int
expired(uint32_t i)
{
	return i % 97 == 0;
}

/* hex digits of indicator i, ending "dead" (benign ones end "0000") */
static void
ind_hex(uint32_t i, char *out, size_t digits)
{
	size_t k;

	for (k = 0; k + 4 < digits; k++)
		out[k] = "0123456789abcdef"[(mix(i * 64u + k / 16) >> (4 * (k % 16))) & 15];
	memcpy(out + digits - 4, "dead", 5);
}

/* The pattern of indicator i; *probe a value (as an event would carry it)
 * that the indicator names and no other does. */
static void
indicator(uint32_t i, char *pat, size_t plen, char *probe, size_t prlen)
{
	char hex[72];
	uint32_t a, b;

	switch (kind_of(i)) {
	case K_IP:
		a = 0x64000000u + i;            /* 100.0.0.0 and up */
		snprintf(pat, plen, "[ipv4-addr:value = '%u.%u.%u.%u']", a >> 24, (a >> 16) & 255,
		    (a >> 8) & 255, a & 255);
		snprintf(probe, prlen, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		    a & 255);
		break;
	case K_CIDR:
		a = 0xa0000000u + (i << 8);     /* a /24 block of its own in 160/4 */
		b = 24 + i % 5;
		snprintf(pat, plen, "[ipv4-addr:value %s '%u.%u.%u.0/%u']", i % 2 ? "=" : "ISSUBSET",
		    a >> 24, (a >> 16) & 255, (a >> 8) & 255, b);
		snprintf(probe, prlen, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, (a >> 8) & 255,
		    1 + i % 7);
		break;
	case K_NET16:
		a = 0xb0000000u + ((i / 400) << 16);
		snprintf(pat, plen, "[ipv4-addr:value = '%u.%u.0.0/16']", a >> 24, (a >> 16) & 255);
		snprintf(probe, prlen, "%u.%u.%u.%u", a >> 24, (a >> 16) & 255, i & 255, 1 + i % 200);
		break;
	case K_IP6:
		snprintf(pat, plen, "[ipv6-addr:value = '2001:db8:%x:%x::1']", i >> 16, i & 0xffff);
		snprintf(probe, prlen, "2001:0db8:%04x:%04x:0000:0000:0000:0001", i >> 16, i & 0xffff);
		break;
	case K_NET6:
		snprintf(pat, plen, "[ipv6-addr:value = '2001:db8:%x:%x::/64']", 0x100 + (i >> 16),
		    i & 0xffff);
		snprintf(probe, prlen, "2001:db8:%x:%x:aa::7", 0x100 + (i >> 16), i & 0xffff);
		break;
	case K_DOMAIN:
		snprintf(pat, plen, "[domain-name:value = 'h%u.bad%u.example']", i, i % 1000);
		snprintf(probe, prlen, "cdn%u.h%u.bad%u.example", i % 3, i, i % 1000);
		break;
	case K_URL:
		snprintf(pat, plen, "[url:value = 'http://u%u.evil.example/gate/%u.php']", i, i);
		snprintf(probe, prlen, "u%u.evil.example|/gate/%u.php", i, i);
		break;
	case K_SHA256:
		ind_hex(i, hex, 64);
		snprintf(pat, plen, "[file:hashes.'SHA-256' = '%s']", hex);
		snprintf(probe, prlen, "%s", hex);
		break;
	case K_MD5:
		ind_hex(i, hex, 32);
		snprintf(pat, plen, "[file:hashes.MD5 = '%s']", hex);
		snprintf(probe, prlen, "%s", hex);
		break;
	default:
		ind_hex(i, hex, 32);
		snprintf(pat, plen, "[network-traffic:extensions.'x-ja3'.hash = '%s']", hex);
		snprintf(probe, prlen, "%s", hex);
		break;
	}
}

/* ---- the events ---- */

static const char *const ja3s[] = {
	"e7d705a3286e19ea42f587b344ee6865", "b32309a26951912be7dba376398abc3b",
	"579ccef312d18482fc42e2b822ca2430", "cd08e31494f9531f560d64c695473da9",
};

/* A benign hex string of n digits (ends "0000"). */
static void
benign_hex(uint64_t seed, char *out, size_t n)
{
	size_t k;

	for (k = 0; k + 4 < n; k++)
		out[k] = "0123456789abcdef"[(mix(seed + k / 16) >> (4 * (k % 16))) & 15];
	memcpy(out + n - 4, "0000", 5);
}

/* Line j of a run: a Suricata EVE line; *planted the hits it must give. */
static size_t
gen_line(uint64_t j, uint32_t nind, char *out, size_t cap, unsigned *planted)
{
	char src[64], dst[64], host[128], url[160], sni[128], qname[128], answer[64], ja3[40];
	char h256[72], h1[48], md5[40], probe[160], pat[256], ts[40];
	uint64_t r = mix(j + 0x5eed), flow = r >> 12;
	unsigned type = (unsigned)(r % 100), slot, k, sport = 32768 + (unsigned)(r % 28000);
	int query = (r >> 7) & 1, n;
	uint32_t ind;
	char *bar;

	*planted = 0;
	slot = type < 38 ? 0 : type < 63 ? 1 : type < 78 ? 2 : type < 98 ? 3 : 4;
	snprintf(ts, sizeof(ts), "2024-05-01T12:%02u:%02u.%06u+0000", (unsigned)(j / 60000 % 60),
	    (unsigned)(j / 1000 % 60), (unsigned)(j % 1000000));
	snprintf(src, sizeof(src), "192.168.%u.%u", (unsigned)(r >> 8 & 255),
	    (unsigned)(r >> 16 & 127) + 1);
	snprintf(dst, sizeof(dst), "%u.%u.%u.%u", 20 + (unsigned)(r >> 24 & 63),
	    (unsigned)(r >> 32 & 255), (unsigned)(r >> 40 & 255), (unsigned)(r >> 48 & 255));
	if (slot == 0 && type < 4) {
		snprintf(src, sizeof(src), "2001:db8:ffff::%x", (unsigned)(r >> 8 & 0xffff));
		snprintf(dst, sizeof(dst), "2001:db8:fffe::%x", (unsigned)(r >> 24 & 0xffff));
	}
	snprintf(answer, sizeof(answer), "%s", dst);
	k = (unsigned)(r >> 20) % 100000;
	snprintf(host, sizeof(host), "www.site%u.com", k);
	snprintf(qname, sizeof(qname), "%s", host);
	snprintf(sni, sizeof(sni), "%s%u.cdn-site%u.net", k % 2 ? "api" : "img", k % 7, k);
	snprintf(url, sizeof(url), "/index.php?id=%u&page=%u", (unsigned)(r >> 30 & 0xffff), k % 50);
	snprintf(ja3, sizeof(ja3), "%s", ja3s[r % 4]);
	benign_hex(r, h256, 64);
	benign_hex(r + 1, h1, 40);
	benign_hex(r + 2, md5, 32);
	/* one line in PLANT_EVERY names an indicator of a kind its type carries;
	 * a tenth of those an expired one's */
	if (j % PLANT_EVERY == PLANT_EVERY / 2) {
		static const unsigned want[][4] = {
			{ K_IP, K_CIDR, K_NET16, K_IP6 },       /* flow: the destination */
			{ K_DOMAIN, K_DOMAIN, K_IP, K_CIDR },   /* dns: the name, the answer */
			{ K_URL, K_URL, K_DOMAIN, K_NET6 },     /* http: URL, Host */
			{ K_JA3, K_JA3, K_DOMAIN, K_IP },       /* tls: JA3, SNI, destination */
			{ K_SHA256, K_MD5, K_SHA256, K_MD5 },   /* fileinfo */
		};
		unsigned kind = want[slot][(j / PLANT_EVERY) % 4];
		int old = (j / PLANT_EVERY) % 10 == 3;

		for (ind = (uint32_t)(mix(j) % nind);; ind = (ind + 1) % nind)
			if (kind_of(ind) == kind && expired(ind) == old)
				break;
		indicator(ind, pat, sizeof(pat), probe, sizeof(probe));
		*planted = old ? 0 : 1;
		switch (kind) {
		case K_IP: case K_CIDR: case K_NET16: case K_IP6:
			if (slot == 1) {
				snprintf(answer, sizeof(answer), "%s", probe);
				query = 0;
			} else {
				snprintf(dst, sizeof(dst), "%s", probe);
			}
			break;
		case K_NET6:
			snprintf(host, sizeof(host), "[%s]", probe);
			break;
		case K_DOMAIN:
			snprintf(slot == 1 ? qname : slot == 3 ? sni : host, 128, "%s", probe);
			break;
		case K_URL:
			bar = strchr(probe, '|');
			*bar = '\0';
			snprintf(host, sizeof(host), "%s", probe);
			snprintf(url, sizeof(url), "%s", bar + 1);
			break;
		case K_JA3:
			snprintf(ja3, sizeof(ja3), "%s", probe);
			break;
		case K_SHA256:
			snprintf(h256, sizeof(h256), "%s", probe);
			break;
		default:
			snprintf(md5, sizeof(md5), "%s", probe);
			break;
		}
	}
	switch (slot) {
	case 0:
		n = snprintf(out, cap, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":\"eth0\","
		    "\"event_type\":\"flow\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\","
		    "\"dest_port\":443,\"proto\":\"TCP\",\"app_proto\":\"tls\",\"flow\":{\"pkts_toserver\":%u,"
		    "\"pkts_toclient\":%u,\"bytes_toserver\":%u,\"bytes_toclient\":%u,\"start\":\"%s\","
		    "\"end\":\"%s\",\"age\":%u,\"state\":\"closed\",\"reason\":\"timeout\",\"alerted\":false},"
		    "\"community_id\":\"1:%.27s=\",\"tcp\":{\"tcp_flags\":\"1b\",\"tcp_flags_ts\":\"1b\","
		    "\"tcp_flags_tc\":\"1b\",\"syn\":true,\"fin\":true,\"psh\":true,\"ack\":true,"
		    "\"state\":\"closed\"}}", ts, flow, src, sport, dst, (unsigned)(r % 40) + 5,
		    (unsigned)(r % 50) + 4, (unsigned)(r % 9000) + 400, (unsigned)(r % 90000) + 900, ts, ts,
		    (unsigned)(r % 120), h1);
		break;
	case 1:
		if (query)
			n = snprintf(out, cap, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":"
			    "\"eth0\",\"event_type\":\"dns\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":"
			    "\"192.168.1.1\",\"dest_port\":53,\"proto\":\"UDP\",\"dns\":{\"type\":\"query\","
			    "\"id\":%u,\"rrname\":\"%s\",\"rrtype\":\"A\",\"tx_id\":0,\"opcode\":0}}", ts, flow,
			    src, sport, (unsigned)(r & 0xffff), qname);
		else
			n = snprintf(out, cap, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":"
			    "\"eth0\",\"event_type\":\"dns\",\"src_ip\":\"192.168.1.1\",\"src_port\":53,"
			    "\"dest_ip\":\"%s\",\"dest_port\":%u,\"proto\":\"UDP\",\"dns\":{\"version\":2,"
			    "\"type\":\"answer\",\"id\":%u,\"flags\":\"8180\",\"qr\":true,\"rd\":true,\"ra\":true,"
			    "\"rrname\":\"%s\",\"rrtype\":\"A\",\"rcode\":\"NOERROR\",\"answers\":[{"
			    "\"rrname\":\"%s\",\"rrtype\":\"A\",\"ttl\":300,\"rdata\":\"%s\"}],"
			    "\"grouped\":{\"A\":[\"%s\"]}}}", ts, flow, src, sport, (unsigned)(r & 0xffff),
			    qname, qname, answer, answer);
		break;
	case 2:
		n = snprintf(out, cap, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":\"eth0\","
		    "\"event_type\":\"http\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\","
		    "\"dest_port\":80,\"proto\":\"TCP\",\"tx_id\":0,\"http\":{\"hostname\":\"%s\","
		    "\"url\":\"%s\",\"http_user_agent\":\"Mozilla/5.0 (Windows NT 10.0; Win64; x64) "
		    "AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\","
		    "\"http_content_type\":\"text/html\",\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\","
		    "\"status\":200,\"length\":%u}}", ts, flow, src, sport, dst, host, url,
		    (unsigned)(r % 100000));
		break;
	case 3:
		n = snprintf(out, cap, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":\"eth0\","
		    "\"event_type\":\"tls\",\"src_ip\":\"%s\",\"src_port\":%u,\"dest_ip\":\"%s\","
		    "\"dest_port\":443,\"proto\":\"TCP\",\"tls\":{\"subject\":\"CN=%s\",\"issuerdn\":"
		    "\"C=US, O=Let's Encrypt, CN=R3\",\"serial\":\"04:%.2s:%.2s:%.2s:%.2s\","
		    "\"fingerprint\":\"%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:"
		    "%.2s:%.2s:%.2s:%.2s:%.2s:%.2s:%.2s\",\"sni\":\"%s\",\"version\":\"TLS 1.3\","
		    "\"notbefore\":\"2024-03-01T00:00:00\",\"notafter\":\"2024-05-30T00:00:00\",\"ja3\":"
		    "{\"hash\":\"%s\",\"string\":\"771,4865-4866-4867-49195-49199-49196-49200-52393-52392,"
		    "0-23-65281-10-11-35-16-5-13-18-51-45-43-27-17513,29-23-24,0\"},\"ja3s\":{\"hash\":"
		    "\"f4febc55ea12b31ae17cfb7e614afda8\",\"string\":\"771,4865,51-43\"}}}", ts, flow, src,
		    sport, dst, sni, h1, h1 + 2, h1 + 4, h1 + 6, h1, h1 + 2, h1 + 4, h1 + 6, h1 + 8,
		    h1 + 10, h1 + 12, h1 + 14, h1 + 16, h1 + 18, h1 + 20, h1 + 22, h1 + 24, h1 + 26,
		    h1 + 28, h1 + 30, h1 + 32, h1 + 34, h1 + 34, h1 + 34, sni, ja3);
		break;
	default:
		n = snprintf(out, cap, "{\"timestamp\":\"%s\",\"flow_id\":%" PRIu64 ",\"in_iface\":\"eth0\","
		    "\"event_type\":\"fileinfo\",\"src_ip\":\"%s\",\"src_port\":80,\"dest_ip\":\"%s\","
		    "\"dest_port\":%u,\"proto\":\"TCP\",\"http\":{\"hostname\":\"%s\",\"url\":\"%s\","
		    "\"http_user_agent\":\"curl/8.5.0\",\"http_content_type\":\"application/octet-stream\","
		    "\"http_method\":\"GET\",\"protocol\":\"HTTP/1.1\",\"status\":200,\"length\":%u},"
		    "\"app_proto\":\"http\",\"fileinfo\":{\"filename\":\"/download.bin\",\"gaps\":false,"
		    "\"state\":\"CLOSED\",\"md5\":\"%s\",\"sha1\":\"%s\",\"sha256\":\"%s\",\"stored\":false,"
		    "\"size\":%u,\"tx_id\":0}}", ts, flow, dst, src, sport, host, url,
		    (unsigned)(r % 100000), md5, h1, h256, (unsigned)(r % 100000));
		break;
	}
	return n < 0 || (size_t)n >= cap ? 0 : (size_t)n;
}

struct count {
	uint64_t hits;
};

static void
on_hit(void *arg, const struct hl_ioc_hit *hit)
{
	(void)hit;
	((struct count *)arg)->hits++;
}

static int
cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int
main(int argc, char **argv)
{
	static struct hl_sensor_event ev;
	uint32_t nind = argc > 1 ? (uint32_t)strtoul(argv[1], NULL, 10) : 1000000u;
	uint64_t nlines = argc > 2 ? strtoull(argv[2], NULL, 10) : 2000000u;
	unsigned runs = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 3u, run;
	double parse_rate[16], match_rate[16], jansson_rate = 0;
	char pat[256], probe[160], id[64], err[256];
	uint64_t t0, t1, bytes = 0, planted = 0, hits = 0, skipped = 0, bad = 0, c;
	struct hl_ioc_set *set = NULL;
	long rss0, rss1, hwm;
	size_t *off = NULL;
	char *buf = NULL;
	uint32_t i, refused = 0;
	int exact = 1;

	if (runs < 1 || runs > 16 || nind < 1000 || nlines < CHUNK) {
		fprintf(stderr, "usage: bench_match [N>=1000 [LINES>=%u [RUNS 1..16]]]\n", CHUNK);
		return 2;
	}
	rss0 = rss_kib("VmRSS:");
	if (hl_ioc_new(&set) != HL_OK)
		return 1;
	t0 = mono_ns();
	for (i = 0; i < nind; i++) {
		indicator(i, pat, sizeof(pat), probe, sizeof(probe));
		snprintf(id, sizeof(id), "indicator--%08x-%04x-4%03x-8000-%012x", i, i & 0xffff, i & 0xfff,
		    i);
		if (hl_ioc_add(set, id, pat, expired(i) ? NOW_MS - 86400000 : i % 3 ? 0 :
		    NOW_MS + 86400000, i, err, sizeof(err)) != HL_OK) {
			if (refused++ == 0)
				fprintf(stderr, "refused %s: %s\n", pat, err);
		}
	}
	t1 = mono_ns();
	rss1 = rss_kib("VmRSS:");
	printf("indicators=%u\nrefused=%u\nvalues=%zu\nload_s=%.3f\nadds_per_s=%.0f\n"
	    "rss_before_kib=%ld\nrss_after_kib=%ld\nbytes_per_indicator=%.0f\n", nind, refused,
	    hl_ioc_values(set), (double)(t1 - t0) / 1e9, nind / ((double)(t1 - t0) / 1e9), rss0, rss1,
	    (double)(rss1 - rss0) * 1024.0 / nind);
	fprintf(stderr, "load: %u indicators (%zu values) in %.2f s, RSS %ld -> %ld KiB\n", nind,
	    hl_ioc_values(set), (double)(t1 - t0) / 1e9, rss0, rss1);
	if ((buf = hl_malloc((size_t)CHUNK * LINE_MAX_BYTES)) == NULL ||
	    (off = hl_malloc(((size_t)CHUNK + 1) * sizeof(*off))) == NULL)
		return 1;
	for (run = 0; run < runs; run++) {
		uint64_t tp = 0, tm = 0, run_hits = 0, run_planted = 0;
		struct count cnt = { 0 };

		for (c = 0; c < nlines; c += CHUNK) {
			uint64_t m = nlines - c < CHUNK ? nlines - c : CHUNK, k;
			unsigned p;

			off[0] = 0;
			for (k = 0; k < m; k++) {
				size_t n = gen_line(c + k, nind, buf + off[k], LINE_MAX_BYTES, &p);

				run_planted += p;
				off[k + 1] = off[k] + n;
			}
			if (run == 0)
				bytes += off[m];
			t0 = mono_ns();
			for (k = 0; k < m; k++)
				if (hl_sensor_parse(HL_SENSOR_SURICATA_EVE, buf + off[k], off[k + 1] - off[k],
				    &ev, err, sizeof(err)) != 0)
					bad++;
			t1 = mono_ns();
			tp += t1 - t0;
			t0 = mono_ns();
			for (k = 0; k < m; k++) {
				int r = hl_sensor_parse(HL_SENSOR_SURICATA_EVE, buf + off[k],
				    off[k + 1] - off[k], &ev, err, sizeof(err));

				if (r == 0)
					hl_ioc_match(set, &ev, NOW_MS, on_hit, &cnt);
				else
					skipped++;
			}
			t1 = mono_ns();
			tm += t1 - t0;
			if (run == 0 && c == 0) {
				/* the DOM parser, for comparison */
				t0 = mono_ns();
				for (k = 0; k < m; k++) {
					json_error_t je;
					json_t *o = json_loadb(buf + off[k], off[k + 1] - off[k], 0, &je);

					json_decref(o);
				}
				t1 = mono_ns();
				jansson_rate = (double)m / ((double)(t1 - t0) / 1e9);
			}
		}
		run_hits = cnt.hits;
		parse_rate[run] = (double)nlines / ((double)tp / 1e9);
		match_rate[run] = (double)nlines / ((double)tm / 1e9);
		if (run == 0) {
			planted = run_planted;
			hits = run_hits;
		}
		if (run_hits != run_planted)
			exact = 0;
		fprintf(stderr, "run %u: parse %.0f/s, parse+match %.0f/s, hits %" PRIu64 " of %" PRIu64
		    " planted\n", run + 1, parse_rate[run], match_rate[run], run_hits, run_planted);
	}
	printf("lines=%" PRIu64 "\nruns=%u\navg_line_bytes=%.0f\nunparsed=%" PRIu64 "\n", nlines, runs,
	    (double)bytes / (double)nlines, bad / runs);
	printf("hits=%" PRIu64 "\nplanted=%" PRIu64 "\nexact=%s\n", hits, planted, exact ? "yes" : "no");
	printf("jansson_parse_per_s=%.0f\n", jansson_rate);
	qsort(parse_rate, runs, sizeof(double), cmp_double);
	qsort(match_rate, runs, sizeof(double), cmp_double);
	printf("parse_per_s=%.0f\nparse_per_s_min=%.0f\nparse_per_s_max=%.0f\n", parse_rate[runs / 2],
	    parse_rate[0], parse_rate[runs - 1]);
	printf("match_per_s=%.0f\nmatch_per_s_min=%.0f\nmatch_per_s_max=%.0f\n", match_rate[runs / 2],
	    match_rate[0], match_rate[runs - 1]);
	hwm = rss_kib("VmHWM:");
	printf("rss_peak_kib=%ld\n", hwm);
	fprintf(stderr, "median: parse %.0f lines/s, parse+match %.0f lines/s (jansson json_loadb "
	    "alone %.0f/s); hits %" PRIu64 ", planted %" PRIu64 " (%s)\n", parse_rate[runs / 2],
	    match_rate[runs / 2], jansson_rate, hits, planted, exact ? "exact" : "NOT EXACT");
	hl_free(buf);
	hl_free(off);
	hl_ioc_free(set);
	(void)skipped;
	return exact ? 0 : 1;
}
