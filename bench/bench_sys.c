/* bench_sys.c: the machine's limits on the envelope path.
 *
 *   bench_sys rtt N        loopback TCP round trip of 64 bytes (TCP_NODELAY,
 *                          a forked echo server), N round trips
 *   bench_sys fsync DIR N  append 128 bytes to a file in DIR and fdatasync,
 *                          N times (DIR: the filesystem of the nodes' data)
 *
 * Prints "key=value" lines: <what>_p50_us, _p99_us, _per_s (for fsync),
 * and with a third argument PATH writes the sorted samples (us), one a line.
 * Figures only, no asserts. */
#include <sys/socket.h>
#include <sys/wait.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "alloc.h"

#define MSG 64
#define APPEND 128
#define MAX_N 1000000

static double
now_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e6 + (double)ts.tv_nsec / 1e3;
}

static int
cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double
pct(const double *v, long n, double q)
{
	long i = (long)(q * (double)(n - 1) + 0.5);

	return v[i < n ? i : n - 1];
}

static void
report(const char *what, double *v, long n, double wall_us, const char *raw)
{
	qsort(v, (size_t)n, sizeof(*v), cmpd);
	printf("%s_n=%ld\n%s_p50_us=%.1f\n%s_p99_us=%.1f\n%s_per_s=%.0f\n", what, n, what,
	    pct(v, n, 0.5), what, pct(v, n, 0.99), what, (double)n / (wall_us / 1e6));
	if (raw != NULL) {
		FILE *f = fopen(raw, "w");

		if (f != NULL) {
			for (long i = 0; i < n; i++)
				fprintf(f, "%.1f\n", v[i]);
			fclose(f);
		}
	}
}

static int
full_io(int fd, char *p, size_t n, int wr)
{
	while (n > 0) {
		ssize_t k = wr ? write(fd, p, n) : read(fd, p, n);

		if (k <= 0)
			return -1;
		p += k;
		n -= (size_t)k;
	}
	return 0;
}

static int
rtt(long n, const char *raw)
{
	struct sockaddr_in sa;
	socklen_t sl = sizeof(sa);
	int ls, c, one = 1, st;
	pid_t pid;
	char buf[MSG];
	double *v, t0, w0;

	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((ls = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 1) != 0 ||
	    getsockname(ls, (struct sockaddr *)&sa, &sl) != 0)
		return 1;
	if ((pid = fork()) < 0)
		return 1;
	if (pid == 0) {
		int s = accept(ls, NULL, NULL);

		setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
		while (full_io(s, buf, MSG, 0) == 0 && full_io(s, buf, MSG, 1) == 0)
			;
		_exit(0);
	}
	close(ls);
	if ((c = socket(AF_INET, SOCK_STREAM, 0)) < 0 ||
	    connect(c, (struct sockaddr *)&sa, sizeof(sa)) != 0)
		return 1;
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	v = hl_calloc((size_t)n, sizeof(*v));
	if (v == NULL)
		return 1;
	memset(buf, 'x', sizeof(buf));
	w0 = now_us();
	for (long i = 0; i < n; i++) {
		t0 = now_us();
		if (full_io(c, buf, MSG, 1) != 0 || full_io(c, buf, MSG, 0) != 0)
			return 1;
		v[i] = now_us() - t0;
	}
	report("rtt", v, n, now_us() - w0, raw);
	close(c);
	waitpid(pid, &st, 0);
	hl_free(v);
	return 0;
}

static int
fsyncs(const char *dir, long n, const char *raw)
{
	char path[4096], rec[APPEND];
	int fd;
	double *v, t0, w0;

	snprintf(path, sizeof(path), "%s/bench_sys.fsync", dir);
	if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_APPEND, 0600)) < 0)
		return 1;
	v = hl_calloc((size_t)n, sizeof(*v));
	if (v == NULL)
		return 1;
	memset(rec, 'r', sizeof(rec));
	w0 = now_us();
	for (long i = 0; i < n; i++) {
		t0 = now_us();
		if (full_io(fd, rec, sizeof(rec), 1) != 0 || fdatasync(fd) != 0)
			return 1;
		v[i] = now_us() - t0;
	}
	report("fsync", v, n, now_us() - w0, raw);
	close(fd);
	unlink(path);
	hl_free(v);
	return 0;
}

int
main(int argc, char **argv)
{
	long n;

	if (argc >= 3 && strcmp(argv[1], "rtt") == 0) {
		n = strtol(argv[2], NULL, 10);
		if (n < 1 || n > MAX_N)
			return 2;
		return rtt(n, argc > 3 ? argv[3] : NULL);
	}
	if (argc >= 4 && strcmp(argv[1], "fsync") == 0) {
		n = strtol(argv[3], NULL, 10);
		if (n < 1 || n > MAX_N)
			return 2;
		return fsyncs(argv[2], n, argc > 4 ? argv[4] : NULL);
	}
	fprintf(stderr, "usage: bench_sys rtt N [RAW] | bench_sys fsync DIR N [RAW]\n");
	return 2;
}
