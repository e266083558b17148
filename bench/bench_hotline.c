/* bench_hotline.c: load generator for a running hotline federation.
 *
 * Talks HTTPS to one node's operator API (POST /api/v1/envelopes, or with
 * --batch N POST /api/v1/envelopes/batch carrying N envelopes a request;
 * Basic auth) over keep-alive TLS connections (OpenSSL, one blocking connection per
 * thread), and reads the partners' bench_tap files (docs/CONFIG.md: one line
 * "<id hex> <CLOCK_REALTIME us>" per inbound envelope committed) to time each
 * envelope from the start of its API call to "stored, verified and in the
 * inbox" at each partner.
 *
 *   bench_hotline --api 127.0.0.1:PORT --user U --passfile F [--ca CA]
 *       --to KOR,USA [--releasable-to JPN,KOR,USA,NATO] [--tap KOR=PATH ...] [--pid NAME=PID ...]
 *       [--count N | --seconds S] [--conns C] [--interval-us US]
 *       [--size BYTES] [--precedence flash] [--batch N] [--upload yes] [--tracks N]
 *       [--raw PREFIX]
 *       [--quiet]
 *
 * --count N sends N envelopes; --seconds S sends for S seconds. --interval-us
 * paces the sends of each connection (open loop, a late send goes at once);
 * 0 = closed loop. --batch N (1..1000) sends N envelopes a request (the
 * last request of a --count run may carry fewer); every envelope of a
 * request counts from the start of that request, and one refused item
 * stops the run as a refused single send does. --upload yes sends each
 * envelope's content as the body of POST /api/v1/envelopes/upload (not
 * base64 in JSON; not with --batch). --tracks N (1..1000) posts batches of N
 * track updates to POST /api/v1/tracks (the track stream) instead; each
 * batch is one envelope. Results are "key=value"
 * lines on stdout:
 *   sent, api_per_s (accepted and durable at the origin per second),
 *   requests, batch (with --batch), api_p50_us.. (per request),
 *   lat_<TAP>_{n,p50,p99,p999,max}_us for each tap,
 *   lat_all_... (the last of the taps: "at every partner"),
 *   deliv_<TAP>_per_s (envelopes stored at that partner per second, first
 *   API call to last commit), cpu_<NAME>_pct and rss_<NAME>_kib per --pid.
 * --raw PREFIX writes PREFIX<tap>.txt with one latency (us) a line, sorted.
 * Figures only, no asserts; exit 1 on a setup or protocol error. */
#include <sys/socket.h>

#include <errno.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>

#include "alloc.h"

#define MAX_TAPS 64                /* a FLASH to every partner of a 36-node mesh */
#define MAX_PIDS 64
#define MAX_CONNS 64
#define MAX_SENDS 2000000
#define MAX_BATCH 1000            /* HL_API_BATCH_MAX */
#define REQ_HEAD_MAX 1024
#define RESP_MAX 65536            /* a single send's answer */
#define RESP_ITEM_MAX 160         /* and each result of a batch answer */
#define TAP_WAIT_S 30

struct tap {
	char name[32];
	char path[512];
};

struct pidw {
	char name[32];
	long pid;
	unsigned long long ticks0;
};

struct sendrec {
	uint8_t id[16];
	int64_t t0_us;       /* realtime at the start of the API call */
	int64_t api_us;      /* API call duration */
	int ok;
};

static struct {
	char host[256];
	char port[16];
	char user[64];
	char pass[256];
	char ca[512];
	char to[512];
	char rel[1024];            /* --releasable-to: the label's partners (comma list) */
	const char *prec;
	size_t size;
	long count;
	double seconds;
	int conns;
	long interval_us;
	long batch;                /* 0: the single endpoint */
	int upload;                /* --upload: POST /api/v1/envelopes/upload, raw body */
	long tracks;               /* --tracks N: POST /api/v1/tracks, N updates a request */
	char upath[1024];          /* its path and query string */
	const char *raw;
	int quiet;
	struct tap taps[MAX_TAPS];
	int ntaps;
	struct pidw pids[MAX_PIDS];
	int npids;
	/* shared */
	char *body;                /* one envelope's send body */
	size_t bodylen;
	size_t resp_max;
	char auth[512];
	SSL_CTX *ctx;
	struct sendrec *recs;
	long nrecs;
	long nreqs;
	pthread_mutex_t mu;
	int64_t start_us;
	int64_t stop_us;
	int failed;
} g;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static _Noreturn void
die(const char *msg)
{
	fprintf(stderr, "bench_hotline: %s\n", msg);
	exit(1);
}

static int
hexval(int c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

static int
parse_id(const char *s, uint8_t id[16])
{
	int i, hi, lo;

	for (i = 0; i < 16; i++) {
		hi = hexval((unsigned char)s[2 * i]);
		lo = hexval((unsigned char)s[2 * i + 1]);
		if (hi < 0 || lo < 0)
			return -1;
		id[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void
b64(const uint8_t *in, size_t n, char *out)
{
	EVP_EncodeBlock((unsigned char *)out, in, (int)n);
}

/* JSON body: 1 KiB (or --size) of content as base64, file content type */
/* "KOR,USA" -> "\"KOR\",\"USA\"" (the elements of a JSON array). */
static void
json_list(const char *csv, char *out, size_t outlen)
{
	const char *p = csv, *c;
	size_t ol = 0, n;
	int k;

	out[0] = '\0';
	while (*p != '\0') {
		c = strchr(p, ',');
		n = c != NULL ? (size_t)(c - p) : strlen(p);
		k = snprintf(out + ol, outlen - ol, "%s\"%.*s\"", ol ? "," : "", (int)n, p);
		if (k < 0 || (size_t)k >= outlen - ol)
			die("--to or --releasable-to too long");
		ol += (size_t)k;
		p += n;
		if (*p == ',')
			p++;
	}
}

static void
make_body(void)
{
	uint8_t *content;
	char *enc;
	size_t enclen = 4 * ((g.size + 2) / 3) + 1, cap;
	char recips[1024], rels[1200];
	int k;

	content = hl_malloc(g.size);
	enc = hl_malloc(enclen);
	if (content == NULL || enc == NULL)
		die("out of memory");
	for (size_t i = 0; i < g.size; i++)
		content[i] = (uint8_t)('A' + i % 26);
	if (g.upload) {
		/* the content as the body, the fields in the query string */
		k = snprintf(g.upath, sizeof(g.upath), "/api/v1/envelopes/upload?to=%s&precedence=%s"
		    "&classification=UNCLASSIFIED&releasable_to=%s&tlp=green"
		    "&content_type=file&ttl_s=3600", g.to, g.prec, g.rel);
		if (k < 0 || (size_t)k >= sizeof(g.upath))
			die("--to too long");
		g.body = (char *)content;
		g.bodylen = g.size;
		hl_free(enc);
		return;
	}
	b64(content, g.size, enc);
	json_list(g.to, recips, sizeof(recips));
	json_list(g.rel, rels, sizeof(rels));
	if (g.tracks > 0) {
		/* a batch of the track stream: N updates of N tracks (the same
		 * batch each time: each is recorded; the picture stays put) */
		size_t cap2 = (size_t)g.tracks * 220 + 1024, o;

		if ((g.body = hl_malloc(cap2)) == NULL)
			die("out of memory");
		k = snprintf(g.body, cap2, "{\"to\":[%s],\"classification\":\"UNCLASSIFIED\","
		    "\"releasable_to\":[%s],\"tlp\":\"green\",\"exercise\":true,\"updates\":[",
		    recips, rels);
		o = (size_t)k;
		for (long i = 0; i < g.tracks; i++) {
			k = snprintf(g.body + o, cap2 - o, "%s{\"track_id\":\"BENCH-%04ld\","
			    "\"observed\":\"2026-12-07T00:00:00.%03ldZ\",\"position\":{\"lat\":%.3f,"
			    "\"lon\":135.5,\"alt_m\":90000},\"velocity\":{\"speed_mps\":2000,"
			    "\"heading_deg\":90},\"confidence\":0.8}", i > 0 ? "," : "", i, i % 1000,
			    30.0 + (double)i * 0.001);
			if (k < 0 || (size_t)k >= cap2 - o)
				die("tracks body too long");
			o += (size_t)k;
		}
		if (o + 3 > cap2)
			die("tracks body too long");
		memcpy(g.body + o, "]}", 3);
		g.bodylen = o + 2;
		hl_free(content);
		hl_free(enc);
		return;
	}
	cap = enclen + 1024;
	g.body = hl_malloc(cap);
	if (g.body == NULL)
		die("out of memory");
	k = snprintf(g.body, cap, "{\"to\":[%s],\"precedence\":\"%s\","
	    "\"classification\":\"UNCLASSIFIED\",\"releasable_to\":[%s],\"tlp\":\"green\","
	    "\"content_type\":\"file\",\"content_b64\":\"%s\",\"ttl_s\":3600}", recips, g.prec,
	    rels, enc);
	if (k < 0 || (size_t)k >= cap)
		die("body too long");
	g.bodylen = (size_t)k;
	hl_free(content);
	hl_free(enc);
}

struct conn {
	int fd;
	SSL *ssl;
};

static void
conn_close(struct conn *c)
{
	if (c->ssl != NULL)
		SSL_free(c->ssl);
	if (c->fd >= 0)
		close(c->fd);
	c->ssl = NULL;
	c->fd = -1;
}

static int
conn_open(struct conn *c)
{
	struct addrinfo hints, *ai = NULL;
	int one = 1;

	c->fd = -1;
	c->ssl = NULL;
	memset(&hints, 0, sizeof(hints));
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(g.host, g.port, &hints, &ai) != 0 || ai == NULL)
		return -1;
	c->fd = socket(ai->ai_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (c->fd < 0 || connect(c->fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		freeaddrinfo(ai);
		conn_close(c);
		return -1;
	}
	freeaddrinfo(ai);
	setsockopt(c->fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c->ssl = SSL_new(g.ctx)) == NULL || SSL_set_fd(c->ssl, c->fd) != 1 ||
	    SSL_connect(c->ssl) != 1) {
		ERR_print_errors_fp(stderr);
		conn_close(c);
		return -1;
	}
	return 0;
}

static int
write_all(struct conn *c, const char *p, size_t n)
{
	while (n > 0) {
		int k = SSL_write(c->ssl, p, n > INT32_MAX ? INT32_MAX : (int)n);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

/* The request of k envelopes (the single body, or k of them in a batch)
 * into req, head and body together (one write: no small-segment stall).
 * OUT: its length. -1 if it does not fit. */
static long
request(char *req, size_t cap, long k)
{
	char head[REQ_HEAD_MAX];
	size_t blen = g.batch > 0 ? 15 + (size_t)k * (g.bodylen + 1) : g.bodylen, o;
	int n;
	long i;

	n = snprintf(head, sizeof(head), "POST %s HTTP/1.1\r\n"
	    "Host: %s\r\nAuthorization: Basic %s\r\nContent-Type: %s\r\n"
	    "Content-Length: %zu\r\nConnection: keep-alive\r\n\r\n", g.upload ? g.upath :
	    g.tracks > 0 ? "/api/v1/tracks" :
	    g.batch > 0 ? "/api/v1/envelopes/batch" : "/api/v1/envelopes", g.host, g.auth,
	    g.upload ? "application/octet-stream" : "application/json", blen);
	if (n < 0 || (size_t)n >= sizeof(head) || (size_t)n + blen > cap)
		return -1;
	memcpy(req, head, (size_t)n);
	o = (size_t)n;
	if (g.batch == 0) {
		memcpy(req + o, g.body, g.bodylen);
		return (long)(o + g.bodylen);
	}
	memcpy(req + o, "{\"envelopes\":[", 14);
	o += 14;
	for (i = 0; i < k; i++) {
		if (i > 0)
			req[o++] = ',';
		memcpy(req + o, g.body, g.bodylen);
		o += g.bodylen;
	}
	memcpy(req + o, "]}", 2);
	o += 2;
	return o == (size_t)n + blen ? (long)o : -1;
}

/* k envelopes in one request; returns the HTTP status (201 for a single
 * send, 200 for a batch whose k items were all accepted: else the batch's
 * refusal, or 207 when an item was refused) and the ids in order. */
static int
post(struct conn *c, char *req, size_t reqcap, char *resp, long k, uint8_t (*ids)[16])
{
	size_t have = 0, need;
	int status;
	char *eoh, *cl, *idp, want[48];
	long clen, len, i;

	if ((len = request(req, reqcap, k)) < 0 || write_all(c, req, (size_t)len) != 0)
		return -1;
	for (;;) {
		if (have >= g.resp_max - 1)
			return -1;
		status = SSL_read(c->ssl, resp + have, (int)(g.resp_max - 1 - have));
		if (status <= 0)
			return -1;
		have += (size_t)status;
		resp[have] = '\0';
		if ((eoh = strstr(resp, "\r\n\r\n")) != NULL)
			break;
	}
	cl = strstr(resp, "Content-Length:");
	if (cl == NULL)
		cl = strstr(resp, "content-length:");
	if (cl == NULL || cl > eoh)
		return -1;
	clen = strtol(cl + 15, NULL, 10);
	if (clen < 0 || (size_t)clen > g.resp_max / 2)
		return -1;
	need = (size_t)(eoh + 4 - resp) + (size_t)clen;
	if (need >= g.resp_max)
		return -1;
	while (have < need) {
		status = SSL_read(c->ssl, resp + have, (int)(need - have));
		if (status <= 0)
			return -1;
		have += (size_t)status;
	}
	resp[have] = '\0';
	if (strncmp(resp, "HTTP/1.1 ", 9) != 0)
		return -1;
	status = (int)strtol(resp + 9, NULL, 10);
	if (status != (g.batch > 0 ? 200 : 201))
		return status;
	if (g.batch > 0) {
		/* the results are in request order; every one accepted */
		snprintf(want, sizeof(want), "\"accepted\": %ld,", k);
		if (strstr(eoh, want) == NULL)
			return 207;
	}
	idp = eoh;
	for (i = 0; i < k; i++) {
		if ((idp = strstr(idp, "\"id\"")) == NULL || (idp = strchr(idp + 4, '"')) == NULL ||
		    parse_id(idp + 1, ids[i]) != 0)
			return -1;
		idp += 33;
	}
	return status;
}

static void *
worker(void *arg)
{
	struct conn c;
	long per = g.batch > 0 ? g.batch : 1, max = g.count > 0 ? g.count : MAX_SENDS;
	size_t reqcap = (size_t)per * (g.bodylen + 1) + REQ_HEAD_MAX + 64;
	char *resp = hl_malloc(g.resp_max);
	char *req = hl_malloc(reqcap);	/* head + body */
	uint8_t (*ids)[16] = hl_calloc((size_t)per, sizeof(*ids));
	long slot, k, j;
	int64_t t0, t1, next;
	int st;

	(void)arg;
	if (resp == NULL || req == NULL || ids == NULL || conn_open(&c) != 0) {
		fprintf(stderr, "bench_hotline: cannot connect to the API\n");
		g.failed = 1;
		hl_free(resp);
		hl_free(req);
		hl_free(ids);
		return NULL;
	}
	next = now_us();
	for (;;) {
		if (g.interval_us > 0) {
			int64_t d = next - now_us();

			if (d > 0)
				usleep((useconds_t)d);
			next += g.interval_us;
		}
		t0 = now_us();
		if (g.seconds > 0 && t0 >= g.stop_us)
			break;
		pthread_mutex_lock(&g.mu);
		k = max - g.nrecs < per ? max - g.nrecs : per;
		slot = g.nrecs;
		g.nrecs += k;
		if (k > 0)
			g.nreqs++;
		pthread_mutex_unlock(&g.mu);
		if (k <= 0)
			break;
		st = post(&c, req, reqcap, resp, k, ids);
		t1 = now_us();
		if (st < 0) {
			/* the server may close a keep-alive connection: retry once */
			conn_close(&c);
			if (conn_open(&c) != 0) {
				g.failed = 1;
				break;
			}
			t0 = now_us();
			st = post(&c, req, reqcap, resp, k, ids);
			t1 = now_us();
		}
		if (st != (g.batch > 0 ? 200 : 201)) {
			fprintf(stderr, "bench_hotline: API answered %d: %.300s\n", st, resp);
			g.failed = 1;
			break;
		}
		for (j = 0; j < k; j++) {
			memcpy(g.recs[slot + j].id, ids[j], 16);
			g.recs[slot + j].t0_us = t0;
			g.recs[slot + j].api_us = t1 - t0;
			g.recs[slot + j].ok = 1;
		}
	}
	conn_close(&c);
	hl_free(resp);
	hl_free(req);
	hl_free(ids);
	return NULL;
}

/* id -> record index, open addressing */
static long *tbl;
static size_t tblsz;

static size_t
idhash(const uint8_t id[16])
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));
	return (size_t)(h % tblsz);
}

static void
tbl_build(void)
{
	tblsz = (size_t)g.nrecs * 2 + 1;
	tbl = hl_malloc(tblsz * sizeof(*tbl));
	if (tbl == NULL)
		die("out of memory");
	for (size_t i = 0; i < tblsz; i++)
		tbl[i] = -1;
	for (long i = 0; i < g.nrecs; i++) {
		size_t h;

		if (!g.recs[i].ok)
			continue;
		h = idhash(g.recs[i].id);
		while (tbl[h] >= 0)
			h = (h + 1) % tblsz;
		tbl[h] = i;
	}
}

static long
tbl_find(const uint8_t id[16])
{
	size_t h = idhash(id);

	while (tbl[h] >= 0) {
		if (memcmp(g.recs[tbl[h]].id, id, 16) == 0)
			return tbl[h];
		h = (h + 1) % tblsz;
	}
	return -1;
}

/* read a tap file: arrival[i] = commit time of record i (0 = not seen);
 * returns how many of ours were seen */
static long
read_tap(const char *path, int64_t *arrival)
{
	FILE *f = fopen(path, "r");
	char line[128];
	uint8_t id[16];
	long seen = 0, idx;

	if (f == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL) {
		char *sp = strchr(line, ' ');

		if (sp == NULL || sp - line != 32 || parse_id(line, id) != 0)
			continue;
		if ((idx = tbl_find(id)) < 0)
			continue;
		if (arrival[idx] == 0)
			seen++;
		arrival[idx] = strtoll(sp + 1, NULL, 10);
	}
	fclose(f);
	return seen;
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t
pct(const int64_t *v, long n, double q)
{
	long i;

	if (n <= 0)
		return 0;
	i = (long)(q * (double)(n - 1) + 0.5);
	return v[i < n ? i : n - 1];
}

static void
report(const char *name, int64_t *v, long n, long total)
{
	qsort(v, (size_t)n, sizeof(*v), cmp64);
	printf("lat_%s_n=%ld\nlat_%s_lost=%ld\n", name, n, name, total - n);
	printf("lat_%s_p50_us=%lld\nlat_%s_p99_us=%lld\nlat_%s_p999_us=%lld\nlat_%s_max_us=%lld\n",
	    name, (long long)pct(v, n, 0.5), name, (long long)pct(v, n, 0.99), name,
	    (long long)pct(v, n, 0.999), name, (long long)(n > 0 ? v[n - 1] : 0));
	if (g.raw != NULL) {
		char path[600];
		FILE *f;

		snprintf(path, sizeof(path), "%s%s.txt", g.raw, name);
		if ((f = fopen(path, "w")) != NULL) {
			for (long i = 0; i < n; i++)
				fprintf(f, "%lld\n", (long long)v[i]);
			fclose(f);
		}
	}
}

static unsigned long long
proc_ticks(long pid)
{
	char path[64], buf[2048], *p;
	FILE *f;
	size_t n;
	unsigned long long ut = 0, st = 0;
	int field;

	snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL)
		return 0;
	/* fields after ")": 3 state ... 14 utime 15 stime */
	for (field = 2; *p != '\0' && field < 14; p++)
		if (*p == ' ')
			field++;
	ut = strtoull(p, &p, 10);
	st = strtoull(p, NULL, 10);
	return ut + st;
}

static long
proc_rss_kib(long pid)
{
	char path[64], line[256];
	FILE *f;
	long v = 0;

	snprintf(path, sizeof(path), "/proc/%ld/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return 0;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			v = strtol(line + 6, NULL, 10);
	fclose(f);
	return v;
}

static void
split_kv(const char *arg, char *k, size_t kl, char *v, size_t vl)
{
	const char *eq = strchr(arg, '=');

	if (eq == NULL || (size_t)(eq - arg) >= kl || strlen(eq + 1) >= vl)
		die("expected NAME=VALUE");
	memcpy(k, arg, (size_t)(eq - arg));
	k[eq - arg] = '\0';
	memcpy(v, eq + 1, strlen(eq + 1) + 1);
}

static void
copyarg(char *dst, size_t n, const char *src)
{
	if (strlen(src) >= n)
		die("argument too long");
	memcpy(dst, src, strlen(src) + 1);
}

int
main(int argc, char **argv)
{
	pthread_t th[MAX_CONNS];
	char up[400], passfile[512] = "", v[512];
	int64_t *arr[MAX_TAPS], *lat, *api, end_us;
	long total = 0, n, i;
	int t;
	double wall;

	g.prec = "flash";
	g.size = 1024;
	snprintf(g.rel, sizeof(g.rel), "JPN,KOR,USA,NATO");
	g.conns = 1;
	pthread_mutex_init(&g.mu, NULL);
	for (t = 1; t < argc; t++) {
		const char *a = argv[t], *b = t + 1 < argc ? argv[t + 1] : NULL;

		if (strcmp(a, "--quiet") == 0) {
			g.quiet = 1;
			continue;
		}
		if (b == NULL)
			die("missing argument value");
		t++;
		if (strcmp(a, "--api") == 0) {
			const char *c = strrchr(b, ':');

			if (c == NULL || (size_t)(c - b) >= sizeof(g.host))
				die("--api HOST:PORT");
			memcpy(g.host, b, (size_t)(c - b));
			copyarg(g.port, sizeof(g.port), c + 1);
		} else if (strcmp(a, "--user") == 0)
			copyarg(g.user, sizeof(g.user), b);
		else if (strcmp(a, "--passfile") == 0)
			copyarg(passfile, sizeof(passfile), b);
		else if (strcmp(a, "--ca") == 0)
			copyarg(g.ca, sizeof(g.ca), b);
		else if (strcmp(a, "--to") == 0)
			copyarg(g.to, sizeof(g.to), b);
		else if (strcmp(a, "--releasable-to") == 0)
			copyarg(g.rel, sizeof(g.rel), b);
		else if (strcmp(a, "--precedence") == 0)
			g.prec = b;
		else if (strcmp(a, "--size") == 0)
			g.size = strtoul(b, NULL, 10);
		else if (strcmp(a, "--count") == 0)
			g.count = strtol(b, NULL, 10);
		else if (strcmp(a, "--seconds") == 0)
			g.seconds = strtod(b, NULL);
		else if (strcmp(a, "--conns") == 0)
			g.conns = (int)strtol(b, NULL, 10);
		else if (strcmp(a, "--interval-us") == 0)
			g.interval_us = strtol(b, NULL, 10);
		else if (strcmp(a, "--batch") == 0)
			g.batch = strtol(b, NULL, 10);
		else if (strcmp(a, "--raw") == 0)
			g.raw = b;
		else if (strcmp(a, "--upload") == 0)
			g.upload = strcmp(b, "yes") == 0;
		else if (strcmp(a, "--tracks") == 0)
			g.tracks = strtol(b, NULL, 10);
		else if (strcmp(a, "--tap") == 0) {
			if (g.ntaps == MAX_TAPS)
				die("too many --tap");
			split_kv(b, g.taps[g.ntaps].name, sizeof(g.taps[0].name),
			    g.taps[g.ntaps].path, sizeof(g.taps[0].path));
			g.ntaps++;
		} else if (strcmp(a, "--pid") == 0) {
			if (g.npids == MAX_PIDS)
				die("too many --pid");
			split_kv(b, g.pids[g.npids].name, sizeof(g.pids[0].name), v, sizeof(v));
			g.pids[g.npids].pid = strtol(v, NULL, 10);
			g.npids++;
		} else
			die("unknown option");
	}
	if (g.host[0] == '\0' || g.user[0] == '\0' || passfile[0] == '\0' || g.to[0] == '\0' ||
	    g.size == 0 || g.conns < 1 || g.conns > MAX_CONNS ||
	    (g.count <= 0 && g.seconds <= 0) || g.count > MAX_SENDS || g.batch < 0 ||
	    g.batch > MAX_BATCH || (g.upload && g.batch > 0) || g.tracks < 0 || g.tracks > 1000 ||
	    (g.tracks > 0 && (g.batch > 0 || g.upload)))
		die("usage: see the comment at the top of bench/bench_hotline.c");
	{
		FILE *f = fopen(passfile, "r");

		if (f == NULL || fgets(g.pass, sizeof(g.pass), f) == NULL)
			die("cannot read --passfile");
		fclose(f);
		g.pass[strcspn(g.pass, "\r\n")] = '\0';
	}
	snprintf(up, sizeof(up), "%s:%s", g.user, g.pass);
	b64((const uint8_t *)up, strlen(up), g.auth);
	make_body();
	g.resp_max = RESP_MAX + (size_t)(g.batch + g.tracks) * RESP_ITEM_MAX;
	if ((g.ctx = SSL_CTX_new(TLS_client_method())) == NULL)
		die("SSL_CTX_new");
	SSL_CTX_set_min_proto_version(g.ctx, TLS1_3_VERSION);
	if (g.ca[0] != '\0') {
		if (SSL_CTX_load_verify_locations(g.ctx, g.ca, NULL) != 1)
			die("cannot load --ca");
		SSL_CTX_set_verify(g.ctx, SSL_VERIFY_PEER, NULL);
	}
	g.recs = hl_calloc(g.count > 0 ? (size_t)g.count : MAX_SENDS, sizeof(*g.recs));
	if (g.recs == NULL)
		die("out of memory");
	for (i = 0; i < g.npids; i++)
		g.pids[i].ticks0 = proc_ticks(g.pids[i].pid);
	g.start_us = now_us();
	g.stop_us = g.start_us + (int64_t)(g.seconds * 1e6);
	for (t = 0; t < g.conns; t++)
		if (pthread_create(&th[t], NULL, worker, NULL) != 0)
			die("pthread_create");
	for (t = 0; t < g.conns; t++)
		pthread_join(th[t], NULL);
	end_us = now_us();
	wall = (double)(end_us - g.start_us) / 1e6;
	if (g.failed && g.nrecs == 0)
		die("no envelope sent");
	api = hl_calloc((size_t)g.nrecs + 1, sizeof(*api));
	for (i = 0; i < g.nrecs; i++)
		if (g.recs[i].ok)
			api[total++] = g.recs[i].api_us;
	printf("sent=%ld\napi_per_s=%.1f\n", total, (double)total / wall);
	if (g.tracks > 0)
		printf("tracks=%ld\ntrack_updates_per_s=%.1f\n", g.tracks,
		    (double)total * (double)g.tracks / wall);
	if (g.batch > 0)
		printf("batch=%ld\nrequests=%ld\n", g.batch, g.nreqs);
	qsort(api, (size_t)total, sizeof(*api), cmp64);
	printf("api_p50_us=%lld\napi_p99_us=%lld\n", (long long)pct(api, total, 0.5),
	    (long long)pct(api, total, 0.99));
	for (i = 0; i < g.npids; i++) {
		double ticks = (double)(proc_ticks(g.pids[i].pid) - g.pids[i].ticks0);

		printf("cpu_%s_pct=%.1f\nrss_%s_kib=%ld\n", g.pids[i].name,
		    100.0 * ticks / (double)sysconf(_SC_CLK_TCK) / wall, g.pids[i].name,
		    proc_rss_kib(g.pids[i].pid));
	}
	if (g.ntaps == 0)
		return g.failed;
	tbl_build();
	/* wait until every tap saw every envelope (or TAP_WAIT_S without progress) */
	for (t = 0; t < g.ntaps; t++) {
		long last = -1, seen;
		int64_t since = now_us();

		if ((arr[t] = hl_calloc((size_t)g.nrecs + 1, sizeof(int64_t))) == NULL)
			die("out of memory");
		for (;;) {
			memset(arr[t], 0, ((size_t)g.nrecs + 1) * sizeof(int64_t));
			seen = read_tap(g.taps[t].path, arr[t]);
			if (seen >= total)
				break;
			if (seen != last) {
				last = seen;
				since = now_us();
			} else if (now_us() - since > TAP_WAIT_S * 1000000LL)
				break;
			usleep(100000);
		}
	}
	lat = hl_calloc((size_t)g.nrecs + 1, sizeof(*lat));
	for (t = 0; t < g.ntaps; t++) {
		int64_t last_arr = 0;

		n = 0;
		for (i = 0; i < g.nrecs; i++)
			if (g.recs[i].ok && arr[t][i] != 0) {
				lat[n++] = arr[t][i] - g.recs[i].t0_us;
				if (arr[t][i] > last_arr)
					last_arr = arr[t][i];
			}
		printf("deliv_%s_per_s=%.1f\n", g.taps[t].name, n > 0 ?
		    (double)n / ((double)(last_arr - g.start_us) / 1e6) : 0.0);
		report(g.taps[t].name, lat, n, total);
	}
	/* at every partner: the latest of the taps */
	n = 0;
	for (i = 0; i < g.nrecs; i++) {
		int64_t mx = 0;
		int all = g.recs[i].ok;

		for (t = 0; t < g.ntaps && all; t++) {
			if (arr[t][i] == 0)
				all = 0;
			else if (arr[t][i] > mx)
				mx = arr[t][i];
		}
		if (all)
			lat[n++] = mx - g.recs[i].t0_us;
	}
	report("all", lat, n, total);
	return 0;
}
