/* bench_mqtt.c: Mosquitto peer row of docs/BENCHMARKS.md (libmosquitto).
 *
 *   bench_mqtt PORT CA CERT KEY lat N INTERVAL_US [RAW]
 *   bench_mqtt PORT CA CERT KEY tput SECONDS
 *
 * Two clients on 127.0.0.1:PORT with TLS client certificates: a subscriber
 * (QoS 1) and a publisher (QoS 1, 1 KiB payloads). "lat" publishes N
 * messages paced every INTERVAL_US and times each from the publish call to
 * its arrival at the subscriber (CLOCK_MONOTONIC stamped in the payload);
 * "tput" publishes as fast as the broker acknowledges (at most WINDOW
 * unacknowledged) for SECONDS and counts what the subscriber received.
 * Prints "key=value" lines; figures only. */
#include <pthread.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <mosquitto.h>

#define PAYLOAD 1024
#define WINDOW 1000
#define MAX_N 1000000
#define TOPIC "bench/hotline"

static pthread_mutex_t mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t cv = PTHREAD_COND_INITIALIZER;
static long received, acked, subscribed;
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
on_message(struct mosquitto *m, void *u, const struct mosquitto_message *msg)
{
	int64_t t = now_us(), t0;

	(void)m;
	(void)u;
	if (msg->payloadlen < (int)sizeof(t0))
		return;
	memcpy(&t0, msg->payload, sizeof(t0));
	pthread_mutex_lock(&mu);
	received++;
	last_rx = t;
	if (lat != NULL && nlat < maxlat)
		lat[nlat++] = t - t0;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void
on_publish(struct mosquitto *m, void *u, int mid)
{
	(void)m;
	(void)u;
	(void)mid;
	pthread_mutex_lock(&mu);
	acked++;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static void
on_subscribe(struct mosquitto *m, void *u, int mid, int n, const int *q)
{
	(void)m;
	(void)u;
	(void)mid;
	(void)n;
	(void)q;
	pthread_mutex_lock(&mu);
	subscribed = 1;
	pthread_cond_broadcast(&cv);
	pthread_mutex_unlock(&mu);
}

static struct mosquitto *
client(const char *id, const char *port, char **argv)
{
	struct mosquitto *m = mosquitto_new(id, true, NULL);

	if (m == NULL || mosquitto_tls_set(m, argv[2], NULL, argv[3], argv[4], NULL) != 0 ||
	    mosquitto_tls_insecure_set(m, true) != 0 ||
	    mosquitto_connect(m, "127.0.0.1", (int)strtol(port, NULL, 10), 30) != 0) {
		fprintf(stderr, "bench_mqtt: cannot connect %s\n", id);
		exit(1);
	}
	return m;
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

int
main(int argc, char **argv)
{
	struct mosquitto *sub, *pub;
	unsigned char payload[PAYLOAD];
	int64_t t, t_start, t_end;
	long i, n;

	if (argc < 7) {
		fprintf(stderr, "usage: see bench/peers/bench_mqtt.c\n");
		return 2;
	}
	mosquitto_lib_init();
	memset(payload, 'm', sizeof(payload));
	sub = client("bench-sub", argv[1], argv);
	pub = client("bench-pub", argv[1], argv);
	mosquitto_message_callback_set(sub, on_message);
	mosquitto_subscribe_callback_set(sub, on_subscribe);
	mosquitto_publish_callback_set(pub, on_publish);
	mosquitto_max_inflight_messages_set(pub, WINDOW);
	if (mosquitto_loop_start(sub) != 0 || mosquitto_loop_start(pub) != 0 ||
	    mosquitto_subscribe(sub, NULL, TOPIC, 1) != 0)
		return 1;
	pthread_mutex_lock(&mu);
	while (!subscribed)
		pthread_cond_wait(&cv, &mu);
	pthread_mutex_unlock(&mu);
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

			if (d > 0)
				usleep((useconds_t)d);
			next += iv;
			t = now_us();
			memcpy(payload, &t, sizeof(t));
			if (mosquitto_publish(pub, NULL, TOPIC, PAYLOAD, payload, 1, false) != 0)
				return 1;
		}
		t = now_us();
		pthread_mutex_lock(&mu);
		while (received < n && now_us() - t < 10000000) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&cv, &mu, &ts);
		}
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
		long sent = 0;

		t_start = now_us();
		t_end = t_start + (int64_t)(secs * 1e6);
		while (now_us() < t_end) {
			pthread_mutex_lock(&mu);
			while (sent - acked >= WINDOW)
				pthread_cond_wait(&cv, &mu);
			pthread_mutex_unlock(&mu);
			t = now_us();
			memcpy(payload, &t, sizeof(t));
			if (mosquitto_publish(pub, NULL, TOPIC, PAYLOAD, payload, 1, false) != 0)
				return 1;
			sent++;
		}
		t = now_us();
		pthread_mutex_lock(&mu);
		while (received < sent && now_us() - t < 10000000) {
			struct timespec ts;

			clock_gettime(CLOCK_REALTIME, &ts);
			ts.tv_sec += 1;
			pthread_cond_timedwait(&cv, &mu, &ts);
		}
		printf("sent=%ld\nreceived=%ld\ntput_per_s=%.1f\n", sent, received,
		    (double)received / ((double)(last_rx - t_start) / 1e6));
		pthread_mutex_unlock(&mu);
	}
	mosquitto_disconnect(pub);
	mosquitto_disconnect(sub);
	mosquitto_loop_stop(pub, false);
	mosquitto_loop_stop(sub, false);
	mosquitto_lib_cleanup();
	return 0;
}
