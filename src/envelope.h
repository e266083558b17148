/* envelope.h: the envelope, receipt, node descriptor and link frame codecs.
 * Byte layouts are in docs/PROTOCOL.md. Decoders borrow from their input
 * (pointers stay valid as long as the input does) and validate everything
 * before returning; they never allocate. */
#ifndef HL_ENVELOPE_H
#define HL_ENVELOPE_H

#include <stddef.h>
#include <stdint.h>

#include "buf.h"
#include "errors.h"
#include "label.h"
#include "reason.h"
#include "hl_limits.h"
#include "hybsig.h"

#define HL_ENVELOPE_VERSION 1          /* one Ed25519 signature of its own */
#define HL_ENVELOPE_VERSION_BATCH 2    /* a signed batch root and an inclusion path (link protocol 3) */
#define HL_ENVELOPE_VERSION_HYBRID 3   /* the same, the root signed Ed25519 + ML-DSA (protocol 5) */
#define HL_RECEIPT_VERSION 1
#define HL_RECEIPT_VERSION_BATCH 2
#define HL_RECEIPT_VERSION_HYBRID 3
#define HL_DESCRIPTOR_VERSION 1          /* Ed25519 */
#define HL_DESCRIPTOR_VERSION_HYBRID 2   /* an ML-DSA key, signed Ed25519 + ML-DSA */

/* The signature block of a version 2 envelope or receipt: the item is leaf
 * index of a batch of count leaves (RFC 9162 tree), path is its inclusion
 * path, and sig (in the envelope or receipt) signs the batch root. */
struct hl_batch_sig {
	uint16_t index;
	uint16_t count;                /* 1 .. HL_SIGBATCH_MAX */
	uint8_t npath;                 /* exactly hl_batch_path_len(index, count) */
	uint8_t path[HL_SIGBATCH_DEPTH_MAX][HL_SHA256];
};

/* Hashes in the inclusion path of leaf index in a tree of count leaves. */
unsigned hl_batch_path_len(unsigned index, unsigned count);
/* count 1..HL_SIGBATCH_MAX, index < count, npath exactly its path length */
int hl_batch_sig_valid(const struct hl_batch_sig *bs);
/* Bytes of a version 2 signature block (index, count, npath, path, sig). */
size_t hl_batch_sig_size(unsigned npath);
/* Append the block, then the root signature sig (siglen bytes: 64 for
 * version 2, a hybrid signature for version 3). */
void hl_batch_sig_encode(const struct hl_batch_sig *bs, const uint8_t *sig, size_t siglen,
    struct hl_buf *out);

enum hl_precedence {
	HL_PREC_FLASH = 0,
	HL_PREC_IMMEDIATE = 1,
	HL_PREC_PRIORITY = 2,
	HL_PREC_ROUTINE = 3,
};
#define HL_PRECEDENCES 4               /* precedences 0 .. HL_PRECEDENCES - 1 */
_Static_assert(HL_PREC_ROUTINE == HL_PRECEDENCES - 1, "HL_PRECEDENCES counts enum hl_precedence");

enum hl_content_type {
	HL_CT_TEXT = 1,
	HL_CT_STIX = 2,
	HL_CT_TRACK = 3,
	HL_CT_FILE = 4,
	HL_CT_TRACKS = 5,              /* a batch of track updates (the track stream) */
};

enum hl_suite {
	HL_SUITE_X25519 = 1,           /* X25519 + HKDF-SHA256 (classical) */
	HL_SUITE_X25519_MLKEM768 = 2,  /* hybrid, default once issue 3 lands */
	HL_SUITE_X25519_MLKEM1024 = 3,
};

#define HL_ENV_FLAG_EXERCISE 0x01u
#define HL_ENV_FLAG_LINK_TEST 0x02u  /* scheduled end-to-end test: not for operators */
#define HL_ENV_FLAGS_KNOWN 0x03u

struct hl_wrap {
	char node[HL_NODE_NAME_MAX + 1];  /* recipient node */
	uint32_t kem_epoch;               /* recipient descriptor epoch used */
	const uint8_t *data;              /* borrowed */
	size_t len;
};

struct hl_envelope {
	uint8_t version;
	uint8_t suite;
	uint8_t flags;
	uint8_t precedence;
	uint8_t content_type;
	uint8_t id[HL_ID_BYTES];
	uint64_t created_ms;   /* unix time, milliseconds */
	uint64_t expires_ms;
	char origin[HL_NODE_NAME_MAX + 1];
	char originator[HL_OPERATOR_MAX + 1];
	struct hl_label label;
	uint8_t nonce[HL_GCM_NONCE];
	unsigned nwraps;
	struct hl_wrap wraps[HL_RECIPIENTS_MAX];
	const uint8_t *ct;     /* ciphertext || 16-byte tag, borrowed */
	size_t ct_len;
	uint8_t sig[HL_ED25519_SIG];   /* version 2: the signature of the batch root */
	struct hl_batch_sig bs;        /* versions 2 and 3 */
	struct hl_hsig hsig;           /* version 3: the hybrid signature of the batch root */
	/* filled by decode / encode: */
	size_t header_len;     /* bytes [0, header_len) are the AEAD AAD */
	size_t signed_len;     /* bytes [0, signed_len) are covered by sig */
};

const char *hl_precedence_name(uint8_t prec);     /* "FLASH", ... */
HL_WUR int hl_precedence_parse(const char *s, uint8_t *out);
const char *hl_content_type_name(uint8_t ct);     /* "text", ... */
const char *hl_suite_name(uint8_t suite);         /* "x25519", "x25519-mlkem768", ... */
HL_WUR int hl_suite_parse(const char *s, uint8_t *out);

/* Header only (what the AEAD binds: everything before the ciphertext), appended to out. */
HL_WUR int hl_envelope_encode_header(const struct hl_envelope *e, struct hl_buf *out);
/* Whole envelope, signature included. */
HL_WUR int hl_envelope_encode(const struct hl_envelope *e, struct hl_buf *out);
/* Parse and validate syntax (magic, version, known suite/precedence/type/
 * flags, name syntax, label, recipients unique, sizes, nothing trailing).
 * Does not verify the signature. */
HL_WUR int hl_envelope_decode(const uint8_t *p, size_t len, struct hl_envelope *out);

/* The 64-byte digest the origin signs: SHA-512 of "hotline envelope v1" || 0
 * || p[0, e->signed_len). */
HL_WUR int hl_envelope_digest(const uint8_t *p, size_t signed_len, uint8_t out[64]);
/* Version 2: the leaf of a batch, SHA-256(0x00 || "hotline envelope v2" || 0
 * || p[0, signed_len)). */
HL_WUR int hl_envelope_leaf(const uint8_t *p, size_t signed_len, uint8_t out[static HL_SHA256]);

/* ---- receipts ---- */

enum hl_receipt_kind {
	HL_RECEIPT_DELIVERED = 1,
	HL_RECEIPT_ACKNOWLEDGED = 2,
	HL_RECEIPT_REJECTED = 3,
};

/* (enum hl_reject_reason: reason.h) */

struct hl_receipt {
	uint8_t version;
	uint8_t kind;
	uint8_t id[HL_ID_BYTES];                 /* envelope id */
	char from[HL_NODE_NAME_MAX + 1];         /* node issuing the receipt */
	char to[HL_NODE_NAME_MAX + 1];           /* envelope origin */
	uint64_t time_ms;
	uint8_t reason;                          /* enum hl_reject_reason */
	char operator_name[HL_OPERATOR_MAX + 1]; /* for acknowledged */
	char detail[HL_REASON_MAX + 1];
	uint8_t sig[HL_ED25519_SIG];             /* version 2: of the batch root */
	struct hl_batch_sig bs;                  /* versions 2 and 3 */
	struct hl_hsig hsig;                     /* version 3: hybrid, of the batch root */
	size_t signed_len;
};

const char *hl_receipt_kind_name(uint8_t kind);   /* "delivered", ... */
const char *hl_reason_name(uint8_t reason);       /* "not-releasable", ... */
HL_WUR int hl_receipt_encode(const struct hl_receipt *r, struct hl_buf *out);
HL_WUR int hl_receipt_decode(const uint8_t *p, size_t len, struct hl_receipt *out);
/* SHA-512("hotline receipt v1" || 0 || p[0, signed_len)) */
HL_WUR int hl_receipt_digest(const uint8_t *p, size_t signed_len, uint8_t out[64]);
/* Version 2: SHA-256(0x00 || "hotline receipt v2" || 0 || p[0, signed_len)) */
HL_WUR int hl_receipt_leaf(const uint8_t *p, size_t signed_len, uint8_t out[static HL_SHA256]);
/* The digest a batch root is signed as: SHA-512(domain || 0 || u16 count ||
 * root), domain "hotline envelope batch v2" or "hotline receipt batch v2"
 * (receipts != 0). */
HL_WUR int hl_batch_root_digest(int receipts, unsigned count,
    const uint8_t root[static HL_SHA256], uint8_t out[static 64]);

/* ---- node descriptor: certificate + KEM public keys, signed by the node ---- */

#define HL_DESC_KEYS_MAX 4
#define HL_DESC_MLDSA_KEYS 2

struct hl_desc_key {
	uint8_t suite;
	const uint8_t *pub;   /* borrowed: suite 1: 32 bytes X25519; hybrid: X25519 || ML-KEM ek */
	size_t len;
};

struct hl_descriptor {
	uint8_t version;
	char node[HL_NODE_NAME_MAX + 1];
	uint32_t epoch;
	uint64_t not_before_ms;
	uint64_t not_after_ms;
	const uint8_t *cert;  /* DER, borrowed */
	size_t cert_len;
	unsigned nkeys;
	struct hl_desc_key keys[HL_DESC_KEYS_MAX];
	/* version 2: u8 sig_suite || u8 npk (1, 2) || npk x bytes16 ML-DSA
	 * public key of that suite (the current one, then the one it replaced)
	 * before the signature, which is then hybrid (hsig) */
	uint8_t sig_suite;
	unsigned npk;
	const uint8_t *mldsa_pk[HL_DESC_MLDSA_KEYS];   /* borrowed */
	size_t mldsa_pk_len[HL_DESC_MLDSA_KEYS];
	uint8_t sig[HL_ED25519_SIG];   /* version 1 */
	struct hl_hsig hsig;           /* version 2, of suite sig_suite */
	size_t signed_len;
};

HL_WUR int hl_descriptor_encode(const struct hl_descriptor *d, struct hl_buf *out);
HL_WUR int hl_descriptor_decode(const uint8_t *p, size_t len, struct hl_descriptor *out);
HL_WUR int hl_descriptor_digest(const uint8_t *p, size_t signed_len, uint8_t out[64]);

/* ---- link frames: u32 length || u8 type || payload ---- */

enum hl_frame_type {
	HL_FRAME_HELLO = 1,        /* payload: descriptor */
	HL_FRAME_PING = 2,         /* u64 nonce, u64 sender time ms */
	HL_FRAME_PONG = 3,         /* echo of PING payload */
	HL_FRAME_ENVELOPE = 4,     /* payload: envelope */
	HL_FRAME_RECEIPT = 5,      /* payload: receipt */
	HL_FRAME_RECEIPT_ACK = 6,  /* id[16], u8 kind, str8 from, str8 issuer: receipt stored */
	HL_FRAME_DESCRIPTOR = 7,   /* payload: descriptor (our KEM keys changed) */
	HL_FRAME_DESCRIPTOR_ACK = 8, /* u32 epoch: your descriptor adopted, queue re-sealed */
	HL_FRAME_CHUNK = 9,        /* id[16], u32 total, u32 offset, data: part of a large frame */
	HL_FRAME_RELAY = 10,       /* str8 final recipient, envelope: forward it (one hop) */
	HL_FRAME_ROUTES = 11,      /* u8 n, n x str8 node: nodes I have a link up to */
	HL_FRAME_CHECKPOINT = 12,  /* payload: our signed audit checkpoint (merkle.h) */
	HL_FRAME_CONSISTENCY_REQ = 13, /* u64 old_size, u64 new_size */
	HL_FRAME_CONSISTENCY = 14, /* u64 old_size, u64 new_size, u8 n, n x 32-byte hashes */
	HL_FRAME_CHECKPOINT_ACK = 15, /* payload: signed checkpoint acknowledgement (below) */
	HL_FRAME_REVOCATION = 16,  /* payload: a revocation notice (revoke.h); link protocol 4 */
	HL_FRAME_LAST = 16,
};

#define HL_FRAME_HEADER 5

/* Look at the start of a stream buffer. HL_ERR_AGAIN when more bytes are
 * needed; HL_ERR_TOO_BIG when the length exceeds max; HL_ERR_VERSION for an
 * unknown type; else OUT: type, payload (borrowed), plen, consumed. */
HL_WUR int hl_frame_parse(const uint8_t *p, size_t len, size_t max, uint8_t *type,
    const uint8_t **payload, size_t *plen, size_t *consumed);
HL_WUR int hl_frame_encode(uint8_t type, const uint8_t *payload, size_t plen, struct hl_buf *out);

/* CHUNK payload. A frame (u8 type || payload, ENVELOPE or RELAY) of total >
 * HL_CHUNK_BYTES bytes travels as chunks of 1..HL_CHUNK_BYTES bytes at
 * increasing offsets. Decode checks HL_CHUNK_BYTES < total <=
 * HL_FRAME_MAX_BYTES, offset + len <= total. */
struct hl_chunk {
	uint8_t id[HL_ID_BYTES];
	uint32_t total;
	uint32_t offset;
	const uint8_t *data;   /* borrowed */
	size_t len;
};
HL_WUR int hl_chunk_decode(const uint8_t *p, size_t len, struct hl_chunk *out);
HL_WUR int hl_chunk_encode(const uint8_t id[static HL_ID_BYTES], uint32_t total,
    uint32_t offset, const uint8_t *data, size_t len, struct hl_buf *out);

/* ---- the other link frame payloads (docs/PROTOCOL.md, "Link frames").
 * Each decoder is strict: exact length, nothing trailing, counts within
 * their limit, node names valid (label.h) and at most HL_NODE_NAME_MAX
 * bytes; HL_ERR_MALFORMED or HL_ERR_TOO_BIG otherwise. Encoders validate
 * the same and append to out. ---- */

/* PING and PONG: u64 nonce || u64 sender time ms */
struct hl_ping {
	uint64_t nonce;
	uint64_t time_ms;
};
HL_WUR int hl_ping_encode(const struct hl_ping *p, struct hl_buf *out);
HL_WUR int hl_ping_decode(const uint8_t *p, size_t len, struct hl_ping *out);

/* RECEIPT_ACK: id[16] || u8 kind || str8 from (the acknowledging origin) ||
 * str8 issuer (the receipt's from). kind is an enum hl_receipt_kind. */
struct hl_receipt_ack {
	uint8_t id[HL_ID_BYTES];
	uint8_t kind;
	char from[HL_NODE_NAME_MAX + 1];
	char issuer[HL_NODE_NAME_MAX + 1];
};
HL_WUR int hl_receipt_ack_encode(const struct hl_receipt_ack *a, struct hl_buf *out);
HL_WUR int hl_receipt_ack_decode(const uint8_t *p, size_t len, struct hl_receipt_ack *out);

/* DESCRIPTOR_ACK: u32 epoch */
HL_WUR int hl_descriptor_ack_encode(uint32_t epoch, struct hl_buf *out);
HL_WUR int hl_descriptor_ack_decode(const uint8_t *p, size_t len, uint32_t *epoch);

/* RELAY: str8 final recipient || envelope (1..HL_ENVELOPE_MAX_BYTES bytes,
 * borrowed; its own syntax is hl_envelope_decode's business). */
struct hl_relay {
	char final[HL_NODE_NAME_MAX + 1];
	const uint8_t *env;
	size_t env_len;
};
HL_WUR int hl_relay_encode(const char *final, const uint8_t *env, size_t env_len,
    struct hl_buf *out);
HL_WUR int hl_relay_decode(const uint8_t *p, size_t len, struct hl_relay *out);

/* ROUTES: u8 n (<= HL_ROUTES_MAX) || n x str8 node */
struct hl_routes {
	unsigned n;
	char node[HL_ROUTES_MAX][HL_NODE_NAME_MAX + 1];
};
HL_WUR int hl_routes_encode(const struct hl_routes *r, struct hl_buf *out);
HL_WUR int hl_routes_decode(const uint8_t *p, size_t len, struct hl_routes *out);

/* CONSISTENCY_REQ: u64 old_size || u64 new_size. CONSISTENCY: the same ||
 * u8 n (<= HL_PROOF_HASHES_MAX) || n x 32-byte hashes (borrowed). Sizes are
 * not checked here: the node answers or ignores by its own state. */
struct hl_consistency {
	uint64_t old_size;
	uint64_t new_size;
	unsigned n;                 /* 0 in a request */
	const uint8_t *hashes;      /* n x HL_SHA256 bytes, borrowed */
};
HL_WUR int hl_consistency_req_encode(uint64_t old_size, uint64_t new_size, struct hl_buf *out);
HL_WUR int hl_consistency_req_decode(const uint8_t *p, size_t len, struct hl_consistency *out);
HL_WUR int hl_consistency_encode(uint64_t old_size, uint64_t new_size,
    const uint8_t (*hashes)[HL_SHA256], size_t n, struct hl_buf *out);
HL_WUR int hl_consistency_decode(const uint8_t *p, size_t len, struct hl_consistency *out);

/* CHECKPOINT_ACK: a partner's signed statement that it verified and kept
 * (ok) or found contradicting (fork) the origin's checkpoint:
 * "HLCA" || u8 version 1 || str8 witness || str8 origin || u64 size ||
 * root[32] || u8 result || u64 time_ms (when witnessed) || sig[64]
 * (Ed25519, HL_SIGN_CHECKPOINT_ACK, by witness). Exact length. */
enum hl_witness_result {
	HL_WITNESS_OK = 1,
	HL_WITNESS_FORK = 2,
};
#define HL_CHECKPOINT_ACK_VERSION 1
#define HL_CHECKPOINT_ACK_VERSION_HYBRID 2  /* the same ending in a hybrid signature */
struct hl_checkpoint_ack {
	uint8_t version;
	char witness[HL_NODE_NAME_MAX + 1];
	char origin[HL_NODE_NAME_MAX + 1];
	uint64_t size;
	uint8_t root[HL_SHA256];
	uint8_t result;                     /* enum hl_witness_result */
	uint64_t time_ms;
	uint8_t sig[HL_ED25519_SIG];        /* version 1 */
	struct hl_hsig hsig;                /* version 2 */
	size_t signed_len;                  /* bytes [0, signed_len) are signed */
};
const char *hl_witness_result_name(uint8_t result);   /* "ok", "fork", "?" */
HL_WUR int hl_checkpoint_ack_encode(const struct hl_checkpoint_ack *a, struct hl_buf *out);
HL_WUR int hl_checkpoint_ack_decode(const uint8_t *p, size_t len, struct hl_checkpoint_ack *out);
/* SHA-512("hotline checkpoint ack v1" || 0 || p[0, signed_len)) */
HL_WUR int hl_checkpoint_ack_digest(const uint8_t *p, size_t signed_len, uint8_t out[64]);

#endif
