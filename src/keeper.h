/* keeper.h: the key keeper (privilege separation, docs/SECURITY.md
 * "Processes and privileges"). hotlined forks a small process that holds the
 * node's private keys and answers a fixed list of requests over a
 * SOCK_SEQPACKET socketpair; the network process talks to it through the
 * proxy struct hl_keys (keys.h hl_keys_remote). One request = one datagram of
 * at most HL_KEEPER_MSG_MAX bytes; one response per request. */
#ifndef HL_KEEPER_H
#define HL_KEEPER_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"
#include "keeperproto.h"

struct hl_config;
struct hl_keys;
struct hl_kem_info;

/* keeper.c: answer one request message with the keys in k (a local hl_keys);
 * rotation and erasure use kem_dir. Appends the response (u32 status, body)
 * to resp; returns HL_OK when a response was written (even an error one). */
HL_WUR int hl_keeper_handle(struct hl_keys *k, const char *kem_dir, const uint8_t *msg,
    size_t len, struct hl_buf *resp);

/* Options of hl_keeper_spawn (filled by hotlined from the configuration). */
struct hl_keeper_opts {
	const char *key_path;        /* node.key */
	const char *kem_dir;         /* <data>/kem */
	int drop;                    /* 1: started as root, drop to uid/gid */
	uid_t uid;
	gid_t gid;
	int sandbox;                 /* install the seccomp allow-list */
	int keep_fd;                 /* stderr stays open; every other fd but the socket is closed */
};

/* socketpair + fork. The child opens the keys (as root: expecting them owned
 * by opts->uid, then drops), installs its sandbox and serves until the
 * network process closes its end; it never returns. The parent gets the
 * child's pid and its end of the socket. */
HL_WUR int hl_keeper_spawn(const struct hl_keeper_opts *o, pid_t *pid, int *fd,
    char *err, size_t errlen);

/* Check that a secret file is a regular file of mode 0600 or stricter owned
 * by uid. err names the file, its mode and owner and what is expected. */
HL_WUR int hl_keeper_check_secret(const char *path, uid_t uid, char *err, size_t errlen);
/* The same for the signing key, every file in the KEM key directory (when it
 * exists) and the TLS key. */
HL_WUR int hl_keeper_check_files(const struct hl_config *c, uid_t uid, char *err,
    size_t errlen);

#endif
