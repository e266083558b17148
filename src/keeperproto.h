/* keeperproto.h: the key keeper's wire protocol (keeper.h): requests, their
 * codec and the client's round trip. The network process's proxy (keys.c)
 * needs only this; the keeper's side of it is keeper.c. */
#ifndef HL_KEEPERPROTO_H
#define HL_KEEPERPROTO_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "hl_limits.h"

#define HL_KEEPER_MSG_MAX 8192     /* one request or response, bytes (an
                                    * ML-DSA-87 hybrid signature: 4692) */
#define HL_KEEPER_KEYS_MAX 48      /* entries in an INFO response */

enum hl_keeper_op {
	HL_KEEPER_SIGN = 1,          /* u8 ctx, digest[64] -> sig[64] */
	HL_KEEPER_UNWRAP = 2,        /* u8 suite, u32 epoch, id[16], str8 node, bytes16 wrap -> ck[32] */
	HL_KEEPER_KEM_CURRENT = 3,   /* u8 suite -> u32 epoch, bytes16 pub */
	HL_KEEPER_ROTATE = 4,        /* -> u32 epoch */
	HL_KEEPER_ERASE_BEFORE = 5,  /* u32 keep_from -> u32 erased */
	HL_KEEPER_INFO = 6,          /* -> sign_pub[32], u8 n, n x (u8 suite, u32 epoch, u64 created_ms) */
	HL_KEEPER_HYBSIGN = 7,       /* u8 suite, u8 ctx, digest[64] -> sig (hl_hybsig_len(suite)) */
	HL_KEEPER_SIG_PUB = 8,       /* u8 param -> pk (hl_mldsa_pk_bytes(param)), u64 created_ms */
	HL_KEEPER_SIG_ROTATE = 9,    /* u8 param -> (nothing) */
};

/* A decoded request (the keeper's view of untrusted input). */
struct hl_keeper_req {
	uint8_t op;
	uint8_t ctx;                          /* SIGN, HYBSIGN */
	uint8_t digest[64];                   /* SIGN, HYBSIGN */
	uint8_t suite;                        /* UNWRAP, KEM_CURRENT; HYBSIGN: hl_sig_suite */
	uint8_t param;                        /* SIG_PUB, SIG_ROTATE: 65, 87 */
	uint32_t epoch;                       /* UNWRAP; ERASE_BEFORE: keep_from */
	uint8_t id[HL_ID_BYTES];              /* UNWRAP */
	char node[HL_NODE_NAME_MAX + 1];      /* UNWRAP */
	uint8_t wrap[HL_WRAP_MAX_BYTES];      /* UNWRAP */
	size_t wraplen;
};

/* 1 when the keeper signs in this context (the contexts the protocol uses),
 * 0 otherwise. */
int hl_keeper_ctx_allowed(unsigned ctx);

/* Encode / decode one request. Decode is strict: unknown op, signature
 * suite or ML-DSA parameter set, a sign context outside
 * hl_keeper_ctx_allowed, a length over its limit or trailing bytes are
 * HL_ERR_MALFORMED (or HL_ERR_DENIED for a refused context). */
HL_WUR int hl_keeper_req_encode(const struct hl_keeper_req *q, struct hl_buf *out);
HL_WUR int hl_keeper_req_decode(const uint8_t *p, size_t len, struct hl_keeper_req *q);

/* Client side: one request/response round trip on fd. OUT: resp[*resplen]
 * (body after the status); returns the keeper's status or a transport error
 * (HL_ERR_IO: the keeper is gone). */
HL_WUR int hl_keeper_call(int fd, const struct hl_keeper_req *q, uint8_t *resp,
    size_t respmax, size_t *resplen);

#endif
