/* whatif.c: LD_PRELOAD shim for the benchmark's "what if" rows: measures two
 * fixes proposed in docs/BENCHMARKS.md without editing src/ (bench only).
 *
 * 1. TCP_NODELAY on every TCP socket the node accepts or connects (the
 *    peer links and the operator API): no Nagle stall behind a delayed ACK
 *    when a reply goes out as two TLS records.
 * 2. The WAL checkpoint thread's connection reads the database once before
 *    its first sqlite3_wal_checkpoint_v2: on a connection that has never
 *    read the file, the checkpoint is a no-op (nLog = -1) and the WAL grows
 *    without bound. The shim runs one read on that connection first. */
#define _GNU_SOURCE
#include <sys/socket.h>

#include <dlfcn.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stddef.h>

#include <sqlite3.h>

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

int
sqlite3_wal_checkpoint_v2(sqlite3 *db, const char *name, int mode, int *nlog, int *nckpt)
{
	int (*real)(sqlite3 *, const char *, int, int *, int *) =
	    (int (*)(sqlite3 *, const char *, int, int *, int *))dlsym(RTLD_NEXT,
	    "sqlite3_wal_checkpoint_v2");

	/* a read makes the connection open the WAL (cheap when already open) */
	(void)sqlite3_exec(db, "SELECT 1 FROM sqlite_master LIMIT 1", NULL, NULL, NULL);
	return real(db, name, mode, nlog, nckpt);
}
