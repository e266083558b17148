/* bench_nats.c: NATS JetStream peer row of docs/BENCHMARKS.md (libnats).
 *
 *   bench_nats URL CA CERT KEY lat N INTERVAL_US [RAW]
 *   bench_nats URL CA CERT KEY tput SECONDS
 *
 * URL is tls://127.0.0.1:PORT. Creates (or reuses) stream BENCH on subject
 * bench.msg with file storage, subscribes with a JetStream push consumer
 * (deliver new, explicit acks sent by the library after the callback), and
 * publishes 1 KiB messages. "lat": N synchronous publishes (each waits for
 * the stream's PubAck: stored), paced every INTERVAL_US, each timed from the
 * publish call to its delivery to the subscriber. "tput": asynchronous
 * publishes (at most WINDOW awaiting a PubAck) for SECONDS; counts what the
 * subscriber received. Prints "key=value" lines; figures only. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nats/nats.h>

#define PAYLOAD 1024
#define WINDOW 1000
#define MAX_N 1000000

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static long received;
static int64_t *lat;
static long nlat, maxlat;
static int64_t last_rx;

static int64_t
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
}

static void
on_msg(natsConnection *nc, natsSubscription *sub, natsMsg *msg, void *closure)
{
	int64_t t = now_us(), t0;

	(void)nc;
	(void)sub;
	(void)closure;
	if (natsMsg_GetDataLength(msg) >= (int)sizeof(t0)) {
		memcpy(&t0, natsMsg_GetData(msg), sizeof(t0));
		pthread_mutex_lock(&mu);
		received++;
		last_rx = t;
		if (lat != NULL && nlat < maxlat)
			lat[nlat++] = t - t0;
		pthread_mutex_unlock(&mu);
	}
	natsMsg_Destroy(msg);
}

static void
check(natsStatus s, const char *what)
{
	if (s != NATS_OK) {
		fprintf(stderr, "bench_nats: %s: %s\n", what, natsStatus_GetText(s));
		nats_PrintLastErrorStack(stderr);
		exit(1);
	}
}

static int
cmp64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static int64_t
pct(long n, double q)
{
	long i = (long)(q * (double)(n - 1) + 0.5);

	return n > 0 ? lat[i < n ? i : n - 1] : 0;
}

static long
wait_received(long want)
{
	int64_t t = now_us();
	long r;

	for (;;) {
		pthread_mutex_lock(&mu);
		r = received;
		pthread_mutex_unlock(&mu);
		if (r >= want || now_us() - t > 10000000)
			return r;
		usleep(1000);
	}
}

int
main(int argc, char **argv)
{
	natsOptions *o = NULL;
	natsConnection *nc = NULL;
	jsCtx *js = NULL;
	jsOptions jo;
	jsStreamConfig sc;
	jsSubOptions so;
	jsErrCode je = 0;
	natsSubscription *sub = NULL;
	const char *subjects[1] = { "bench.msg" };
	unsigned char payload[PAYLOAD];
	int64_t t, t_start;
	long i, n;

	if (argc < 7) {
		fprintf(stderr, "usage: see bench/peers/bench_nats.c\n");
		return 2;
	}
	memset(payload, 'n', sizeof(payload));
	check(natsOptions_Create(&o), "options");
	check(natsOptions_SetURL(o, argv[1]), "url");
	check(natsOptions_SetSecure(o, true), "secure");
	check(natsOptions_LoadCATrustedCertificates(o, argv[2]), "ca");
	check(natsOptions_LoadCertificatesChain(o, argv[3], argv[4]), "client certificate");
	check(natsOptions_SkipServerVerification(o, true), "verification");
	check(natsConnection_Connect(&nc, o), "connect");
	jsOptions_Init(&jo);
	jo.PublishAsync.MaxPending = WINDOW;
	check(natsConnection_JetStream(&js, nc, &jo), "jetstream");
	jsStreamConfig_Init(&sc);
	sc.Name = "BENCH";
	sc.Subjects = subjects;
	sc.SubjectsLen = 1;
	sc.Storage = js_FileStorage;
	(void)js_DeleteStream(js, "BENCH", NULL, NULL);
	check(js_AddStream(NULL, js, &sc, NULL, &je), "add stream");
	jsSubOptions_Init(&so);
	so.Config.DeliverPolicy = js_DeliverNew;
	check(js_Subscribe(&sub, js, "bench.msg", on_msg, NULL, NULL, &so, &je), "subscribe");
	if (strcmp(argv[5], "lat") == 0 && argc >= 8) {
		int64_t iv = strtol(argv[7], NULL, 10), next;

		n = strtol(argv[6], NULL, 10);
		if (n < 1 || n > MAX_N)
			return 2;
		lat = calloc((size_t)n, sizeof(*lat));
		maxlat = n;
		next = now_us();
		for (i = 0; i < n; i++) {
			int64_t d = next - now_us();
			jsPubAck *pa = NULL;

			if (d > 0)
				usleep((useconds_t)d);
			next += iv;
			t = now_us();
			memcpy(payload, &t, sizeof(t));
			check(js_Publish(&pa, js, "bench.msg", payload, PAYLOAD, NULL, &je), "publish");
			jsPubAck_Destroy(pa);
		}
		wait_received(n);
		pthread_mutex_lock(&mu);
		n = nlat;
		pthread_mutex_unlock(&mu);
		qsort(lat, (size_t)n, sizeof(*lat), cmp64);
		printf("lat_n=%ld\nlat_p50_us=%lld\nlat_p99_us=%lld\nlat_p999_us=%lld\n", n,
		    (long long)pct(n, 0.5), (long long)pct(n, 0.99), (long long)pct(n, 0.999));
		if (argc > 8) {
			FILE *f = fopen(argv[8], "w");

			for (i = 0; f != NULL && i < n; i++)
				fprintf(f, "%lld\n", (long long)lat[i]);
			if (f != NULL)
				fclose(f);
		}
	} else {
		double secs = strtod(argv[6], NULL);
		long sent = 0, r;
		int64_t t_end;

		t_start = now_us();
		t_end = t_start + (int64_t)(secs * 1e6);
		while (now_us() < t_end) {
			t = now_us();
			memcpy(payload, &t, sizeof(t));
			check(js_PublishAsync(js, "bench.msg", payload, PAYLOAD, NULL), "publish");
			sent++;
		}
		(void)js_PublishAsyncComplete(js, NULL);
		r = wait_received(sent);
		pthread_mutex_lock(&mu);
		printf("sent=%ld\nreceived=%ld\ntput_per_s=%.1f\n", sent, r,
		    (double)r / ((double)(last_rx - t_start) / 1e6));
		pthread_mutex_unlock(&mu);
	}
	natsSubscription_Unsubscribe(sub);
	natsSubscription_Destroy(sub);
	jsCtx_Destroy(js);
	natsConnection_Destroy(nc);
	natsOptions_Destroy(o);
	nats_Close();
	return 0;
}
