/* nodelay.c: LD_PRELOAD shim for the benchmark's "what if" row. Sets
 * TCP_NODELAY on every TCP socket the process accepts or connects, to
 * measure what the proposed fix (setsockopt TCP_NODELAY in src/link.c and
 * src/api.c) would gain without editing those files. Bench only. */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>

static void
nodelay(int fd)
{
	int one = 1;

	if (fd >= 0)
		(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
}

int
accept(int fd, struct sockaddr *sa, socklen_t *len)
{
	int (*real)(int, struct sockaddr *, socklen_t *) =
	    (int (*)(int, struct sockaddr *, socklen_t *))dlsym(RTLD_NEXT, "accept");
	int c = real(fd, sa, len);

	nodelay(c);
	return c;
}

int
accept4(int fd, struct sockaddr *sa, socklen_t *len, int flags)
{
	int (*real)(int, struct sockaddr *, socklen_t *, int) =
	    (int (*)(int, struct sockaddr *, socklen_t *, int))dlsym(RTLD_NEXT, "accept4");
	int c = real(fd, sa, len, flags);

	nodelay(c);
	return c;
}

int
connect(int fd, const struct sockaddr *sa, socklen_t len)
{
	int (*real)(int, const struct sockaddr *, socklen_t) =
	    (int (*)(int, const struct sockaddr *, socklen_t))dlsym(RTLD_NEXT, "connect");

	nodelay(fd);
	return real(fd, sa, len);
}
