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

struct hl_config;
struct hl_keys;
struct hl_kem_info;

#define HL_KEEPER_MSG_MAX 4096     /* one request or response, bytes */
#define HL_KEEPER_KEYS_MAX 48      /* entries in an INFO response */

enum hl_keeper_op {
	HL_KEEPER_SIGN = 1,          /* u8 ctx, digest[64] -> sig[64] */
	HL_KEEPER_UNWRAP = 2,        /* u8 suite, u32 epoch, id[16], str8 node, bytes16 wrap -> ck[32] */
	HL_KEEPER_KEM_CURRENT = 3,   /* u8 suite -> u32 epoch, bytes16 pub */
	HL_KEEPER_ROTATE = 4,        /* -> u32 epoch */
	HL_KEEPER_ERASE_BEFORE = 5,  /* u32 keep_from -> u32 erased */
	HL_KEEPER_INFO = 6,          /* -> sign_pub[32], u8 n, n x (u8 suite, u32 epoch, u64 created_ms) */
};

/* A decoded request (the keeper's view of untrusted input). */
struct hl_keeper_req {
	uint8_t op;
	uint8_t ctx;                          /* SIGN */
	uint8_t digest[64];                   /* SIGN */
	uint8_t suite;                        /* UNWRAP, KEM_CURRENT */
	uint32_t epoch;                       /* UNWRAP; ERASE_BEFORE: keep_from */
	uint8_t id[HL_ID_BYTES];              /* UNWRAP */
	char node[HL_NODE_NAME_MAX + 1];      /* UNWRAP */
	uint8_t wrap[HL_WRAP_MAX_BYTES];      /* UNWRAP */
	size_t wraplen;
};

/* 1 when the keeper signs in this context (the contexts the protocol uses),
 * 0 otherwise. */
int hl_keeper_ctx_allowed(unsigned ctx);

/* Encode / decode one request. Decode is strict: unknown op, a sign context
 * outside hl_keeper_ctx_allowed, a length over its limit or trailing bytes are
 * HL_ERR_MALFORMED (or HL_ERR_DENIED for a refused context). */
HL_WUR int hl_keeper_req_encode(const struct hl_keeper_req *q, struct hl_buf *out);
HL_WUR int hl_keeper_req_decode(const uint8_t *p, size_t len, struct hl_keeper_req *q);

/* Answer one request message with the keys in k (a local hl_keys);
 * rotation and erasure use kem_dir. Appends the response (u32 status, body)
 * to resp; returns HL_OK when a response was written (even an error one). */
HL_WUR int hl_keeper_handle(struct hl_keys *k, const char *kem_dir, const uint8_t *msg,
    size_t len, struct hl_buf *resp);

/* Client side: one request/response round trip on fd. OUT: resp[*resplen]
 * (body after the status); returns the keeper's status or a transport error
 * (HL_ERR_IO: the keeper is gone). */
HL_WUR int hl_keeper_call(int fd, const struct hl_keeper_req *q, uint8_t *resp,
    size_t respmax, size_t *resplen);

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
