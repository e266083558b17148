/* sandbox.c: dropping root and the seccomp allow-lists (libseccomp) of the
 * key keeper and the network process (sandbox.h, docs/SECURITY.md).
 *
 * Key keeper: the shortest list that serves requests and rotates KEM keys;
 * anything else is trapped: a log line naming the call, then the process
 * exits (the network process sees it die and exits non-zero too).
 * Network process: what libevent, OpenSSL, SQLite and glibc use; anything
 * else (execve, fork, ptrace, process_vm_readv, mount, setuid, ...) fails
 * with EPERM, because a kill on a call an unusual code path makes (a library
 * update, a DNS lookup) would take the whole node down. */
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/types.h>

#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <seccomp.h>

#include "log.h"
#include "sandbox.h"

#if defined(__SANITIZE_ADDRESS__) || defined(__SANITIZE_THREAD__)
#define HL_SANITIZER_BUILD 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer) || __has_feature(thread_sanitizer) || \
    __has_feature(memory_sanitizer)
#define HL_SANITIZER_BUILD 1
#endif
#endif

int
hl_sandbox_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen)
{
	struct passwd *pw;

	*uid = (uid_t)-1;
	*gid = (gid_t)-1;
	errno = 0;
	if ((pw = getpwnam(name)) == NULL) {
		snprintf(err, errlen, "user '%s' does not exist: create it (useradd --system "
		    "--no-create-home --shell /usr/sbin/nologin %s) or set privsep = no", name, name);
		return HL_ERR_NOT_FOUND;
	}
	if (pw->pw_uid == 0) {
		snprintf(err, errlen, "user '%s' is uid 0: choose an unprivileged user", name);
		return HL_ERR_CONFIG;
	}
	*uid = pw->pw_uid;
	*gid = pw->pw_gid;
	return HL_OK;
}

int
hl_sandbox_drop(uid_t uid, gid_t gid, char *err, size_t errlen)
{
	uid_t ru, eu, su;
	gid_t rg, eg, sg, groups[2];
	int n;

	if (setgroups(1, &gid) == -1 || setgid(gid) == -1 || setuid(uid) == -1) {
		snprintf(err, errlen, "cannot drop privileges to uid %lu gid %lu: %s",
		    (unsigned long)uid, (unsigned long)gid, strerror(errno));
		return HL_ERR_IO;
	}
	/* verify: every id changed, one group, and root is gone for good */
	if (getresuid(&ru, &eu, &su) == -1 || getresgid(&rg, &eg, &sg) == -1 ||
	    ru != uid || eu != uid || su != uid || rg != gid || eg != gid || sg != gid ||
	    (n = getgroups(2, groups)) != 1 || groups[0] != gid ||
	    setuid(0) != -1 || seteuid(0) != -1 || setgid(0) != -1) {
		snprintf(err, errlen, "privilege drop to uid %lu gid %lu did not hold",
		    (unsigned long)uid, (unsigned long)gid);
		return HL_ERR_INTERNAL;
	}
	return HL_OK;
}

int
hl_sandbox_unavailable(void)
{
#ifdef HL_SANITIZER_BUILD
	return 1;
#else
	const char *pre = getenv("LD_PRELOAD");

	/* valgrind runs the program's system calls itself: a filter would stop it */
	return pre != NULL && strstr(pre, "vgpreload") != NULL;
#endif
}

/* One argument compared for equality. libseccomp's SCMP_An(SCMP_CMP_EQ, v)
 * leaves the unused second datum to default initialisation, which clang's
 * -Wmissing-field-initializers rejects; this names every field. */
static struct scmp_arg_cmp
arg_eq(unsigned int arg, scmp_datum_t value)
{
	struct scmp_arg_cmp c = { .arg = arg, .op = SCMP_CMP_EQ, .datum_a = value, .datum_b = 0 };

	return c;
}

static int
unavailable_notice(const char *who)
{
	log_info("%s: seccomp allow-list NOT installed: sanitizer or valgrind build/run "
	    "(their runtimes make system calls the list does not allow)", who);
	return HL_OK;
}

/* Add each named call (names unknown on this architecture are skipped). */
static int
allow_names(scmp_filter_ctx ctx, const char *const *names, size_t n, char *err, size_t errlen)
{
	size_t i;
	int nr;

	for (i = 0; i < n; i++) {
		if ((nr = seccomp_syscall_resolve_name(names[i])) == __NR_SCMP_ERROR)
			continue;
		if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, nr, 0) != 0) {
			snprintf(err, errlen, "seccomp: cannot allow %s", names[i]);
			return HL_ERR_INTERNAL;
		}
	}
	return HL_OK;
}

/* mmap/mprotect never with PROT_EXEC (no code is generated at run time). */
static int
allow_noexec_memory(scmp_filter_ctx ctx, int with_mprotect)
{
	if (seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mmap), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0)
		return -1;
	if (with_mprotect && seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(mprotect), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, PROT_EXEC, 0)) != 0)
		return -1;
	return 0;
}

static int
load(scmp_filter_ctx ctx, const char *who, char *err, size_t errlen)
{
	int rc;

	/* every thread (the store's checkpoint thread runs already) */
	if (seccomp_attr_set(ctx, SCMP_FLTATR_CTL_TSYNC, 1) != 0 ||
	    seccomp_attr_set(ctx, SCMP_FLTATR_CTL_NNP, 1) != 0) {
		snprintf(err, errlen, "%s: seccomp attributes cannot be set", who);
		return HL_ERR_INTERNAL;
	}
	if ((rc = seccomp_load(ctx)) != 0) {
		snprintf(err, errlen, "%s: cannot load the seccomp filter: %s", who, strerror(-rc));
		return HL_ERR_INTERNAL;
	}
	return HL_OK;
}

/* ---- key keeper ---- */

static const char *const keeper_calls[] = {
	/* requests on the socketpair, log lines to stderr */
	"read", "write", "recvmsg", "sendmsg", "recvfrom", "sendto",
	/* allocation (mmap: see allow_noexec_memory) */
	"brk", "munmap", "mremap", "madvise", "futex",
	/* randomness (OpenSSL's DRBG checks getpid for a fork) and time for key
	 * generation and log lines */
	"getrandom", "getpid", "clock_gettime", "gettimeofday",
	/* rotation: write a new key file (openat restricted below) and sync it,
	 * an ML-DSA key's renamed over the old one; erasure: unlink old ones;
	 * geteuid: keys.c give_to_owner asks it for every new key file */
	"close", "fsync", "unlink", "unlinkat", "fstat", "newfstatat",
	"rename", "renameat", "renameat2", "geteuid",
	"rt_sigreturn", "exit", "exit_group",
};

static void
on_sigsys(int sig, siginfo_t *si, void *uc)
{
	static const char pre[] = "hotlined: seccomp: forbidden system call ";
	char num[16], msg[96];
	size_t pl = sizeof(pre) - 1, n = 0, i;
	unsigned v = (unsigned)si->si_syscall;

	(void)sig;
	(void)uc;
	do
		num[n++] = (char)('0' + v % 10);
	while ((v /= 10) != 0 && n < sizeof(num));
	memcpy(msg, pre, pl);
	for (i = 0; i < n; i++)
		msg[pl + i] = num[n - 1 - i];
	msg[pl + n] = '\n';
	(void)!write(2, msg, pl + n + 1);
	_exit(70);
}

static int
trap_handler(char *err, size_t errlen)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = on_sigsys;
	sa.sa_flags = SA_SIGINFO;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGSYS, &sa, NULL) == -1) {
		snprintf(err, errlen, "sigaction SIGSYS: %s", strerror(errno));
		return HL_ERR_IO;
	}
	return HL_OK;
}

int
hl_sandbox_keeper(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = NULL;
	int r = HL_ERR_INTERNAL;

	if (hl_sandbox_unavailable())
		return unavailable_notice("key keeper");
	if ((r = trap_handler(err, errlen)) != HL_OK)
		return r;
	r = HL_ERR_INTERNAL;
	if ((ctx = seccomp_init(SCMP_ACT_TRAP)) == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		goto out;
	}
	if ((r = allow_names(ctx, keeper_calls, sizeof(keeper_calls) / sizeof(keeper_calls[0]),
	    err, errlen)) != HL_OK)
		goto out;
	r = HL_ERR_INTERNAL;
	/* new key files only: O_WRONLY|O_CREAT|O_EXCL (keys.c write_secret_file) */
	if (allow_noexec_memory(ctx, 0) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(openat), 1,
	    SCMP_A2(SCMP_CMP_MASKED_EQ, O_ACCMODE | O_CREAT | O_EXCL,
	    O_WRONLY | O_CREAT | O_EXCL)) != 0) {
		snprintf(err, errlen, "seccomp: cannot add a conditional rule");
		goto out;
	}
	r = load(ctx, "key keeper", err, errlen);
out:
	seccomp_release(ctx);
	return r;
}

/* ---- network process ---- */

static const char *const network_calls[] = {
	/* files (SQLite, certificates, configuration re-reads) */
	"read", "write", "readv", "writev", "pread64", "pwrite64", "preadv", "pwritev",
	"lseek", "open", "openat", "close", "stat", "lstat", "fstat", "newfstatat", "statx",
	"fcntl", "flock", "fsync", "fdatasync", "ftruncate", "fallocate", "rename", "renameat",
	"renameat2", "unlink", "unlinkat", "mkdir", "mkdirat", "access", "faccessat",
	"faccessat2", "getcwd", "readlink", "readlinkat", "getdents64", "fchmod", "umask",
	"dup", "dup2", "dup3", "pipe2", "eventfd2",
	/* memory and threads (mmap/mprotect: see allow_noexec_memory) */
	"brk", "munmap", "mremap", "madvise", "futex", "set_robust_list", "rseq",
	"sched_yield", "sched_getaffinity",
	/* sockets (socket itself is restricted below) */
	"bind", "listen", "accept", "accept4", "connect", "getsockname", "getpeername",
	"setsockopt", "getsockopt", "sendto", "recvfrom", "sendmsg", "recvmsg", "shutdown",
	/* the event loop */
	"epoll_create1", "epoll_ctl", "epoll_wait", "epoll_pwait", "epoll_pwait2", "poll",
	"ppoll", "select", "pselect6", "timerfd_create", "timerfd_settime",
	/* time, randomness, identity */
	"clock_gettime", "clock_getres", "gettimeofday", "time", "nanosleep",
	"clock_nanosleep", "getrandom", "getpid", "gettid", "getuid", "geteuid", "getgid",
	"getegid", "uname", "getrlimit", "prlimit64",
	/* signals; the keeper's exit (SIGCHLD, wait4) */
	"rt_sigaction", "rt_sigprocmask", "rt_sigreturn", "sigaltstack", "restart_syscall",
	"wait4", "waitid", "tgkill", "exit", "exit_group",
};

int
hl_sandbox_network(char *err, size_t errlen)
{
	scmp_filter_ctx ctx = NULL;
	int r = HL_ERR_INTERNAL;

	if (hl_sandbox_unavailable())
		return unavailable_notice("network process");
#ifdef HL_SECCOMP_NET_TRAP     /* development: find missing calls loudly */
	if ((r = trap_handler(err, errlen)) != HL_OK)
		return r;
	r = HL_ERR_INTERNAL;
	ctx = seccomp_init(SCMP_ACT_TRAP);
#else
	ctx = seccomp_init(SCMP_ACT_ERRNO(EPERM));
#endif
	if (ctx == NULL) {
		snprintf(err, errlen, "seccomp_init failed");
		goto out;
	}
	if ((r = allow_names(ctx, network_calls, sizeof(network_calls) / sizeof(network_calls[0]),
	    err, errlen)) != HL_OK)
		goto out;
	r = HL_ERR_INTERNAL;
	if (allow_noexec_memory(ctx, 1) != 0 ||
	    /* IPv4/IPv6 for links and the API, AF_UNIX for the resolver */
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    arg_eq(0, AF_INET)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    arg_eq(0, AF_INET6)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(socket), 1,
	    arg_eq(0, AF_UNIX)) != 0 ||
	    /* libevent asks how many bytes a socket holds */
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    arg_eq(1, FIONREAD)) != 0 ||
	    seccomp_rule_add(ctx, SCMP_ACT_ALLOW, SCMP_SYS(ioctl), 1,
	    arg_eq(1, FIONBIO)) != 0) {
		snprintf(err, errlen, "seccomp: cannot add a conditional rule");
		goto out;
	}
	r = load(ctx, "network process", err, errlen);
out:
	seccomp_release(ctx);
	return r;
}
