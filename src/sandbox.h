/* sandbox.h: dropping root and the seccomp allow-lists of the two hotlined
 * processes (docs/SECURITY.md, "Processes and privileges"). */
#ifndef HL_SANDBOX_H
#define HL_SANDBOX_H

#include <stddef.h>
#include <sys/types.h>

#include "errors.h"

/* Look up a user. HL_ERR_NOT_FOUND with a clear err when it does not exist. */
HL_WUR int hl_sandbox_user(const char *name, uid_t *uid, gid_t *gid, char *err, size_t errlen);
/* setgroups(gid only), setgid, setuid; then verify that real, effective and
 * saved ids are uid/gid, the only group is gid and root cannot be regained. */
HL_WUR int hl_sandbox_drop(uid_t uid, gid_t gid, char *err, size_t errlen);
/* Install the key keeper's allow-list (default: kill the process after a log
 * line naming the system call). */
HL_WUR int hl_sandbox_keeper(char *err, size_t errlen);
/* Install the network process's allow-list (default: the call fails EPERM). */
HL_WUR int hl_sandbox_network(char *err, size_t errlen);
/* 1 when this build cannot run under seccomp (sanitizer runtimes, valgrind):
 * hl_sandbox_keeper/network then install nothing and log why, once. */
int hl_sandbox_unavailable(void);

#endif
