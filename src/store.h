/* store.h: the node's durable state (SQLite in WAL mode, synchronous=FULL,
 * schema versioned with PRAGMA user_version) and its hash-chained audit log,
 * which lives in the same database so that an event and its audit entry
 * commit together. Every function that changes state runs in its own
 * transaction unless the caller has opened one with hl_store_begin(). The
 * store holds all SQL of hotline (docs/internals/store.md); its other
 * interfaces are store_accounts.h and store_stix.h. None carries a SQLite
 * type. */
#ifndef HL_STORE_H
#define HL_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "envelope.h"
#include "errors.h"
#include "hl_limits.h"
#include "merkle.h"

struct hl_store;
struct event_base;
struct hl_keys;

/* Stored in deliveries.state: the values are part of the schema (the SQL
 * of store_msg.c and store_queue.c writes them as literals, checked there). */
enum hl_delivery_state {
	HL_DLV_QUEUED = 0,        /* waiting for the link / a receipt */
	HL_DLV_DELIVERED = 1,     /* signed delivered receipt received */
	HL_DLV_ACKNOWLEDGED = 2,  /* signed acknowledged receipt received */
	HL_DLV_REJECTED = 3,      /* signed rejected receipt received */
	HL_DLV_AWAITING_KEY = 4,  /* not sealed to it yet: no valid KEM descriptor */
	HL_DLV_OVERDUE = 5,       /* delivered, not acknowledged within its deadline */
};
const char *hl_delivery_state_name(int state);   /* "queued", ... */

/* An envelope row as the inbox, show and delivery commands need it. */
struct hl_msg {
	uint8_t id[HL_ID_BYTES];
	int inbound;                         /* 1 received, 0 sent by us */
	char origin[HL_NODE_NAME_MAX + 1];
	char originator[HL_OPERATOR_MAX + 1];
	uint8_t precedence;
	uint8_t content_type;
	uint8_t flags;
	uint8_t suite;
	uint8_t label[HL_LABEL_MAX_BYTES];   /* encoded label (label.h) */
	size_t label_len;
	uint64_t created_ms;
	uint64_t expires_ms;
	uint64_t stored_ms;                  /* received (in) or sent (out) */
	uint64_t acked_ms;                   /* inbound: operator ack time, 0 if none */
	uint64_t overdue_ms;                 /* inbound: when its ack deadline passed, 0 if not */
	char acked_by[HL_OPERATOR_MAX + 1];
	int sig_ok;                          /* signature verified on receipt */
	uint8_t *content;                    /* plaintext; owned, free with hl_msg_clear */
	size_t content_len;
	uint8_t *raw;                        /* encoded envelope; owned; only if asked */
	size_t raw_len;
	/* keys of files holding content / raw (store_blob.c), 0 if none: set
	 * by a writer that wrote them already (hl_blob_prewrite) */
	uint64_t content_file, raw_file;
};
void hl_msg_clear(struct hl_msg *m);     /* frees content and raw (wiping) */

struct hl_delivery {
	char node[HL_NODE_NAME_MAX + 1];     /* recipient */
	int state;                           /* enum hl_delivery_state */
	uint8_t reason;                      /* enum hl_reject_reason */
	char detail[HL_REASON_MAX + 1];
	uint64_t queued_ms, delivered_ms, acked_ms, rejected_ms;
	char acked_by[HL_OPERATOR_MAX + 1];
	int receipt_suite;                   /* enum hl_sig_suite of its last receipt, 0: none */
};

/* Open (creating if needed) the database at path; runs integrity checks
 * (PRAGMA quick_check, known user_version) and refuses a corrupt or
 * unknown-version file with HL_ERR_CORRUPT / HL_ERR_VERSION and a message in
 * err. Caller frees with hl_store_close(). */
HL_WUR int hl_store_open(const char *path, struct hl_store **out, char *err, size_t errlen);
void hl_store_close(struct hl_store *s);
/* Explicit transactions for grouping (nesting not allowed). */
HL_WUR int hl_store_begin(struct hl_store *s);
HL_WUR int hl_store_commit(struct hl_store *s);

/* Group commit with the fsync off the loop (src/store_sync.c,
 * docs/internals/pipeline.md). After hl_store_sync_start, commits are
 * written by the caller and made durable by a syncer thread's fdatasync of
 * the WAL, which covers every commit written before it: hl_store_commit
 * still returns once its commit is on disk (it waits for the syncer);
 * hl_store_commit_nowait returns once written, and the caller acknowledges
 * from fn, which hl_store_when_durable runs on base's loop, in order, once
 * everything committed before the call is on disk (r = HL_OK; HL_ERR_IO if
 * an fdatasync failed). Without the syncer both commit durably before they
 * return, and hl_store_when_durable calls fn at once. */
typedef void (*hl_store_durable_fn)(void *arg, int r);
HL_WUR int hl_store_sync_start(struct hl_store *s, struct event_base *base, const char *db_path);
HL_WUR int hl_store_commit_nowait(struct hl_store *s);
HL_WUR int hl_store_when_durable(struct hl_store *s, hl_store_durable_fn fn, void *arg);
struct hl_store_sync_stats {
	uint64_t commits;      /* commits written with the syncer running */
	uint64_t synced;       /* of them, on disk */
	uint64_t fsyncs;       /* fdatasync calls (commits / fsyncs: the group size) */
	size_t waiting;        /* durable callbacks not yet run */
	int failed;            /* an fdatasync failed */
};
void hl_store_sync_stats(struct hl_store *s, struct hl_store_sync_stats *st);
/* Wait until every commit so far is on disk and run the durable callbacks
 * that are due, here; returns how many ran (tests, shutdown). */
size_t hl_store_sync_settle(struct hl_store *s);
void hl_store_rollback(struct hl_store *s);
/* One snapshot for several reads (a search's lookups): a read transaction
 * unless one is open already (then that one is the snapshot). OUT: *began,
 * to give to hl_store_read_end, which ends it when this call began it. */
HL_WUR int hl_store_read_begin(struct hl_store *s, int *began);
void hl_store_read_end(struct hl_store *s, int began);

/* ---- outbound ---- */
/* Store a sealed envelope we originate, plus one queued delivery per
 * recipient. m->raw and m->content must be set. */
HL_WUR int hl_store_put_outbound(struct hl_store *s, const struct hl_msg *m,
    const char *const *recipients, unsigned nrecipients, uint64_t now_ms);
/* Ids of envelopes still queued for peer, FLASH first, then oldest first.
 * OUT: ids (caller frees with hl_free), *n. */
HL_WUR int hl_store_queued_for(struct hl_store *s, const char *peer,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n, size_t max);
/* Number of queued deliveries for peer. */
HL_WUR int hl_store_queue_depth(struct hl_store *s, const char *peer, uint64_t *n);
/* Our own envelopes still to go to peer (queued or awaiting its key), by
 * precedence (relayed ones count in the queue depth only). */
HL_WUR int hl_store_queue_by_precedence(struct hl_store *s, const char *peer,
    uint64_t counts[static HL_PRECEDENCES]);
/* Apply a receipt to a delivery. Never moves backwards: delivered after
 * acknowledged is ignored; HL_ERR_NOT_FOUND if no such delivery. */
/* The signature suite (hybsig.h) of the receipt last applied to id's
 * delivery to node. */
HL_WUR int hl_store_delivery_suite(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int suite);
HL_WUR int hl_store_delivery_update(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int state, uint8_t reason, const char *detail,
    const char *acked_by, uint64_t time_ms);
/* OUT: *d (caller frees with hl_free), *n. */
HL_WUR int hl_store_deliveries(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    struct hl_delivery **d, size_t *n);

/* Re-sealing after a recipient's KEM keys changed: replace the encoded
 * envelope of an outbound id (same id, content and label). */
HL_WUR int hl_store_replace_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *raw, size_t len);
/* Move a delivery between queued (waiting = 0) and awaiting-key (1). */
HL_WUR int hl_store_delivery_wait(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *node, int waiting);
/* Ids still undelivered to peer (queued or awaiting-key; only awaiting-key
 * when waiting_only), oldest first. OUT: ids (hl_free), *n. */
HL_WUR int hl_store_pending_for(struct hl_store *s, const char *peer, int waiting_only,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n, size_t max);

/* Queued (state queued) ids for peer with their precedence, FLASH first,
 * then oldest first. OUT: ids, precs (hl_free each), *n. */
HL_WUR int hl_store_queue_list(struct hl_store *s, const char *peer,
    uint8_t (**ids)[HL_ID_BYTES], uint8_t **precs, size_t *n, size_t max);
/* A counter that changes whenever any send queue may have changed (a
 * delivery or transit row written, a rollback): while it stays the same, a
 * hl_store_queue_list answer is still current. */
uint64_t hl_store_queue_gen(const struct hl_store *s);
/* Group commit: the caller's open transaction (hl_store_begin) is held
 * across callbacks. While active (set on hold, changed with
 * hl_store_hold_active), store writes join it; otherwise any other write or
 * hl_store_begin first ends it: commits it, or rolls it back when
 * hl_store_hold_fail was called. The store calls nobody: the holder learns
 * the outcome from hl_store_hold_end. hl_store_commit or hl_store_rollback
 * by the holder itself also end the hold. */
void hl_store_hold(struct hl_store *s);
void hl_store_hold_active(struct hl_store *s, int active);
/* The held transaction must not commit (say, an audit entry of it was not
 * written). */
void hl_store_hold_fail(struct hl_store *s);
/* 1 while the held transaction is still open (no other writer ended it). */
int hl_store_hold_open(const struct hl_store *s);
/* End the hold: commit (or roll back after hl_store_hold_fail) what is still
 * open, and return that result, or the result of the commit another writer
 * caused. HL_ERR_INVALID when there is no hold. */
HL_WUR int hl_store_hold_end(struct hl_store *s);
/* The encoded envelope to send to final: the bytes held in transit for it
 * if we relay it, else our own copy. OUT: *raw (hl_free), *len. */
HL_WUR int hl_store_get_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final, uint8_t **raw, size_t *len);
/* The same, only while the delivery to final (or the transit to it) is
 * still queued: HL_ERR_NOT_FOUND once its receipt came or it expired. */
HL_WUR int hl_store_get_queued_raw(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final, uint8_t **raw, size_t *len);

/* Relay: keep an envelope in transit to final (store-and-forward), queued
 * for final's link; the pump sends it like our own. OUT: *added = 0 when it
 * was already held (its bytes are replaced by the newer sealing). */
HL_WUR int hl_store_put_transit(struct hl_store *s, const struct hl_msg *m, const char *final,
    uint64_t now_ms, int *added);

/* The final recipient's receipt (state delivered or rejected) passed through
 * us: stop forwarding. */
HL_WUR int hl_store_transit_done(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final, int state);
/* A relayed envelope the origin sent again although we saw it delivered:
 * queue it to final once more (its receipt was lost on the way back). */
HL_WUR int hl_store_transit_requeue(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *final);

/* Acknowledgement deadlines (per precedence, from the envelope's creation):
 * mark received envelopes not acknowledged in time, and our deliveries that
 * are delivered but not acknowledged in time (state overdue). OUT: the ones
 * newly marked (caller frees *out with hl_free), to audit and alert. */
struct hl_overdue {
	uint8_t id[HL_ID_BYTES];
	char node[HL_NODE_NAME_MAX + 1];   /* origin (inbound) or recipient (ours) */
	uint8_t precedence;
	int inbound;
};
HL_WUR int hl_store_mark_overdue(struct hl_store *s, uint64_t now_ms,
    const uint64_t deadline_ms[HL_PRECEDENCES], struct hl_overdue **out, size_t *n, size_t max);

/* ---- inbound ---- */
enum hl_inbound_status { HL_IN_ACCEPTED = 1, HL_IN_REJECTED = 2 };
/* Have we seen this id from this origin? HL_ERR_NOT_FOUND if never. OUT:
 * *status, and the receipt we answered with (caller frees) to send again. */
HL_WUR int hl_store_inbound_seen(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    int *status, uint8_t **receipt, size_t *receipt_len);
/* Store an accepted envelope (m->raw, m->content set) together with the
 * delivered receipt we will send; HL_ERR_EXISTS if the id was seen. */
HL_WUR int hl_store_put_inbound(struct hl_store *s, const struct hl_msg *m,
    const uint8_t *receipt, size_t receipt_len);
/* Record a rejected envelope id with the rejected receipt. */
HL_WUR int hl_store_put_rejected(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *origin, uint8_t reason, const uint8_t *receipt, size_t receipt_len,
    uint64_t now_ms);
/* Operator acknowledgement: HL_ERR_NOT_FOUND if no such inbound envelope,
 * HL_ERR_EXISTS if already acknowledged (first ack wins). */
HL_WUR int hl_store_ack(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const char *operator_name, uint64_t time_ms);

/* ---- reading messages ---- */
/* One message by id (inbound or outbound). want_raw: also load raw. */
HL_WUR int hl_store_get(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    int want_raw, struct hl_msg *out);
/* Only the encoded label of one message (rule 4 without loading its
 * content). HL_ERR_NOT_FOUND when there is none. */
HL_WUR int hl_store_get_label(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint8_t label[static HL_LABEL_MAX_BYTES], size_t *label_len);
/* Newest first; inbound only when inbound_only. Content is not loaded.
 * OUT: *msgs (free each with hl_msg_clear, then the array with hl_free). */
HL_WUR int hl_store_list(struct hl_store *s, int inbound_only, size_t limit,
    struct hl_msg **msgs, size_t *n);

/* ---- receipts this node owes to origins (resent until acked) ---- */
HL_WUR int hl_store_receipt_queue(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint8_t kind, const char *to_node, const uint8_t *raw, size_t len);
/* OUT: arrays of raw receipts for to_node (caller frees each and the arrays). */
HL_WUR int hl_store_receipts_pending(struct hl_store *s, const char *to_node,
    uint8_t ***raws, size_t **lens, size_t *n, size_t max);
HL_WUR int hl_store_receipt_done(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    uint8_t kind);

/* ---- peers: the last verified descriptor of each node ---- */
HL_WUR int hl_store_peer_put(struct hl_store *s, const char *node, const uint8_t *desc,
    size_t len, uint64_t now_ms);
/* OUT: *desc (caller frees). HL_ERR_NOT_FOUND if none. */
HL_WUR int hl_store_peer_get(struct hl_store *s, const char *node, uint8_t **desc, size_t *len);
/* This node's own public items (at most HL_DESCRIPTOR_MAX_BYTES), kept
 * beside the peers' descriptors under "<node>#<what>": what is
 * "descriptor" (our latest, which hotline audit verify and proof bundles
 * read our ML-DSA keys from) or "sigkey-prev" (the ML-DSA public key our
 * last rotation replaced). HL_ERR_NOT_FOUND if none. */
HL_WUR int hl_store_own_put(struct hl_store *s, const char *node, const char *what,
    const uint8_t *raw, size_t len, uint64_t now_ms);
HL_WUR int hl_store_own_get(struct hl_store *s, const char *node, const char *what,
    uint8_t **raw, size_t *len);

/* ---- audit log: hash-chained entries ----
 * entry hash = SHA-256(prev_hash || u64 seq || u64 time_ms || str event ||
 * id[16] (zeros if none) || str actor || str detail) with u32 length
 * prefixes on strings; the first prev_hash is 32 zero bytes. */
HL_WUR int hl_store_audit(struct hl_store *s, const char *event,
    const uint8_t *id /* may be NULL */, const char *actor, const char *detail,
    uint64_t time_ms);
/* Walk the chain. On the first bad entry: HL_ERR_CORRUPT, *bad_seq set and a
 * message in err. OUT: *count entries checked. Also checks each entry's
 * cached Merkle leaf and every stored own checkpoint's root against the tree
 * recomputed at its size (entries rewritten after a checkpoint covered them,
 * or a log truncated below one, are reported). */
HL_WUR int hl_store_audit_verify(struct hl_store *s, uint64_t *count, uint64_t *bad_seq,
    char *err, size_t errlen);
/* The same, and each checkpoint's signature by the node's keys pub (its
 * certificate's key, and the ML-DSA keys of its descriptor), so that a
 * forged checkpoint row is reported too. */
HL_WUR int hl_store_audit_verify_signed(struct hl_store *s,
    const struct hl_signer *pub, uint64_t *count, uint64_t *bad_seq,
    char *err, size_t errlen);

/* Open read-only for offline verification (hotline audit verify). */
HL_WUR int hl_store_open_readonly(const char *path, struct hl_store **out, char *err, size_t errlen);
/* A consistent copy of the database at db_path as it is now (VACUUM INTO
 * out_path, which must not exist), while a node may be writing it. */
HL_WUR int hl_store_snapshot(const char *db_path, const char *out_path, char *err,
    size_t errlen);

/* One audit entry as "hotline audit list" shows it (fields longer than the
 * arrays, which only a tampered file can hold, are cut). */
#define HL_AUDIT_EVENT_MAX 63
struct hl_audit_entry {
	uint64_t seq, time_ms;
	char event[HL_AUDIT_EVENT_MAX + 1];
	uint8_t id[HL_ID_BYTES];
	int has_id;
	char actor[HL_NODE_NAME_MAX + 1];
	char detail[HL_AUDIT_DETAIL_MAX + 1];
};
/* The highest entry number in the log (0: empty). */
HL_WUR int hl_store_audit_last_seq(struct hl_store *s, uint64_t *seq);
/* Up to limit entries with seq >= from_seq, ascending. OUT: *out (caller
 * frees with hl_free; NULL when *n is 0), *n. */
HL_WUR int hl_store_audit_list(struct hl_store *s, uint64_t from_seq, size_t limit,
    struct hl_audit_entry **out, size_t *n);
/* ---- the Merkle log over the audit entries (docs/internals/audit.md) ----
 * Leaf i (0-based) is entry seq i + 1, hashed as merkle.h's canonical entry
 * encoding. Tree size n = entries 1..n. */

/* Sign and store a checkpoint (merkle.h, context HL_SIGN_CHECKPOINT, key k)
 * over all current entries, extending the frontier stored with the last
 * checkpoint (new entries are hashed from their contents). HL_ERR_EXISTS
 * when the log did not grow since the last checkpoint (nothing stored),
 * HL_ERR_NOT_FOUND when it is empty, HL_ERR_CORRUPT when the last
 * checkpoint's record is damaged or the log is shorter than it. Runs in its
 * own transaction or a savepoint. OUT: *raw, *len: the encoded checkpoint
 * (caller frees with hl_free). */
HL_WUR int hl_store_audit_checkpoint(struct hl_store *s, struct hl_keys *k, const char *node,
    int sig_suite, uint64_t now_ms, uint8_t **raw, size_t *len);
/* Our latest checkpoint. HL_ERR_NOT_FOUND if none. OUT: caller frees *raw. */
HL_WUR int hl_store_audit_checkpoint_last(struct hl_store *s, uint8_t **raw, size_t *len);
/* Merkle tree head over entries 1..size (size <= entries; 0: empty tree). */
HL_WUR int hl_store_audit_root(struct hl_store *s, uint64_t size, uint8_t root[static HL_SHA256]);
/* Inclusion proof of entry seq in the tree of size tree_size (1 <= seq <=
 * tree_size <= entries). Leaf index is seq - 1. OUT: proof[*plen]. */
HL_WUR int hl_store_audit_inclusion(struct hl_store *s, uint64_t seq, uint64_t tree_size,
    uint8_t proof[HL_MERKLE_PROOF_MAX][HL_SHA256], size_t *plen);
/* Consistency proof between tree sizes 0 < old_size <= new_size <= entries. */
HL_WUR int hl_store_audit_consistency(struct hl_store *s, uint64_t old_size, uint64_t new_size,
    uint8_t proof[HL_MERKLE_PROOF_MAX][HL_SHA256], size_t *plen);
/* Up to limit entries whose envelope id is id, ascending. OUT: *out (caller
 * frees with hl_free; NULL when *n is 0), *n. */
HL_WUR int hl_store_audit_by_id(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    size_t limit, struct hl_audit_entry **out, size_t *n);
/* Keep a checkpoint received from partner node from_node (witnessing). The
 * caller has verified its signature with from_node's certificate key
 * (hl_checkpoint_verify); here it is decoded strictly and its node must be
 * from_node (HL_ERR_INVALID). The same (node, size) again: HL_ERR_EXISTS
 * when the root is the same, HL_ERR_CORRUPT when it differs (the partner
 * signed two different histories; nothing stored: audit it). */
HL_WUR int hl_store_witness_put(struct hl_store *s, const char *from_node, const uint8_t *raw,
    size_t len);
/* The largest checkpoint kept from from_node. HL_ERR_NOT_FOUND if none.
 * OUT: *raw (caller frees with hl_free), *len. */
HL_WUR int hl_store_witness_last(struct hl_store *s, const char *from_node, uint8_t **raw,
    size_t *len);

/* What partner node witnessed of OUR log: its latest signed CHECKPOINT_ACK
 * (envelope.h), at most HL_CHECKPOINT_ACK_MAX_BYTES, replacing the one kept.
 * Kept in the peers table under the key "<node>#checkpoint-ack" (no schema
 * change; '#' is not allowed in node names). The caller verified it. */
HL_WUR int hl_store_witnessed_put(struct hl_store *s, const char *node, const uint8_t *raw,
    size_t len, uint64_t now_ms);
/* HL_ERR_NOT_FOUND if none. OUT: *raw (caller frees with hl_free), *len. */
HL_WUR int hl_store_witnessed_get(struct hl_store *s, const char *node, uint8_t **raw,
    size_t *len);

/* Row counts for status and metrics; any out-pointer may be NULL. */
HL_WUR int hl_store_counts(struct hl_store *s, uint64_t *inbound, uint64_t *outbound,
    uint64_t *audit_entries);
/* The SQLite message of the last failure on s ("" if none); static storage
 * inside s, valid until the next call on s. */
const char *hl_store_errmsg(const struct hl_store *s);

/* ---- revocation notices (store_revoke.c; revoke.h) ---- */
#define HL_STORE_REVOCATIONS_MAX 1024
/* Keep a verified notice for the certificate cert_sha256: HL_ERR_EXISTS
 * when one is kept already. */
HL_WUR int hl_store_revocation_put(struct hl_store *s, const uint8_t cert_sha256[static 32],
    const char *partner, const char *node, const uint8_t *notice, size_t len, uint64_t now_ms);
/* Every notice kept, oldest first. OUT: arrays (caller frees each notice
 * and both arrays with hl_free), *n. */
HL_WUR int hl_store_revocations(struct hl_store *s, uint8_t ***notices, size_t **lens,
    size_t *n);

/* ---- large contents and envelopes in files (store_blob.c) ---- */
enum { HL_BLOB_CONTENT = 1, HL_BLOB_RAW = 2 };
/* The directory of the files ("<db>.blobs"), NULL if none; fixed while the
 * store is open, so any thread may use it. */
const char *hl_store_blob_dir(const struct hl_store *s);
/* Are the files fsynced (not after hl_store_no_fsync)? */
int hl_store_blob_durable(const struct hl_store *s);
/* Thread-safe, no SQLite: write p[0..n) as a new file of envelope id under
 * a fresh key, fdatasynced and its name fsynced when durable.
 * OUT: *key. HL_ERR_FULL when the disk is full. */
HL_WUR int hl_blob_write(const char *dir, int durable, const uint8_t id[static HL_ID_BYTES],
    int kind, const uint8_t *p, size_t n, uint64_t *key);
/* Thread-safe: read the file of (id, kind, key), which must hold len
 * bytes (HL_ERR_CORRUPT otherwise). OUT: *out, caller frees. */
HL_WUR int hl_blob_read(const char *dir, const uint8_t id[static HL_ID_BYTES], int kind,
    uint64_t key, size_t len, uint8_t **out);
/* Thread-safe: the files of an envelope about to be stored, for each part
 * of HL_BLOB_MIN_BYTES or more (a worker's share of the store's work; the
 * content sealed under the store's content key when it has one).
 * OUT: the keys to put in its hl_msg (0: that part stays in the row).
 * A store without a file directory: nothing to do. */
HL_WUR int hl_blob_prewrite(const struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    const uint8_t *content, size_t clen, const uint8_t *raw, size_t rlen,
    uint64_t *content_file, uint64_t *raw_file);

/* ---- envelope contents sealed at rest (store_blob.c; docs/SECURITY.md,
 * "Sealed storage") ----
 * With a content key set, every content stored from then on (in its row or
 * its file) is AES-256-GCM sealed (sealfile.h, role "content <id hex>");
 * hl_store_get opens it. Contents stored before stay readable as they are.
 * The key itself is kept in the database wrapped under the node's seal key
 * (data_keys): hl_node_new unwraps it. */
#define HL_STORE_CONTENT_KEY 32
/* Set once after open, before any other thread uses s. */
void hl_store_set_content_key(struct hl_store *s, const uint8_t key[static HL_STORE_CONTENT_KEY]);
/* 1 when contents are sealed as they are stored. */
int hl_store_seals_contents(const struct hl_store *s);
/* The wrapped content key. OUT: *wrapped (hl_free). HL_ERR_NOT_FOUND. */
HL_WUR int hl_store_data_key_get(struct hl_store *s, uint8_t **wrapped, size_t *len);
/* Keep the wrapped content key (once: HL_ERR_EXISTS after). */
HL_WUR int hl_store_data_key_put(struct hl_store *s, const uint8_t *wrapped, size_t len,
    uint64_t now_ms);
/* At the daemon's start: remove the files no row names (a crash between a
 * file and its row's commit, a failed insert, a replaced sealing).
 * OUT: how many were removed and kept. */
HL_WUR int hl_store_blob_sweep(struct hl_store *s, unsigned *removed, unsigned *kept);
/* Benchmarks only (bench_no_fsync): synchronous=OFF, nothing is fsynced. */
HL_WUR int hl_store_no_fsync(struct hl_store *s);
/* Benchmarks only (bench_stixput): SQLite's page cache, kib KiB (1 ..
 * 16 GiB). */
HL_WUR int hl_store_cache_kib(struct hl_store *s, long kib);

/* ---- tracks: the current picture of live warning tracks ----
 * (docs/internals/tracks.md) Every update (one track envelope) is recorded
 * in track_updates; tracks holds, per (origin node, track_id, exercise),
 * the latest update by observed time (equal observed: the one stored
 * later). Labels and the exercise flag come from the envelope row. The
 * records themselves are parsed and encoded by track.c. */
struct hl_track_row {
	uint8_t id[HL_ID_BYTES];              /* envelope of this update */
	char origin[HL_NODE_NAME_MAX + 1];
	char track_id[HL_TRACK_ID_MAX + 1];
	int exercise;
	uint8_t label[HL_LABEL_MAX_BYTES];    /* the envelope's encoded label */
	size_t label_len;
	uint64_t received_ms;                 /* envelope stored */
	uint64_t updates;                     /* picture: updates recorded; history: 0 */
	uint8_t *record;                      /* canonical record, owned */
	size_t record_len;
};
/* Frees each row's record, then the array. Accepts NULL. */
void hl_store_track_rows_free(struct hl_track_row *rows, size_t n);
/* What orders an update in the picture. */
struct hl_store_track_obs {
	const char *track_id;                 /* 1..HL_TRACK_ID_MAX bytes */
	int64_t observed_s;                   /* seconds since 1970 */
	uint32_t observed_ns;                 /* 0..999 999 999 */
	unsigned idx;                         /* its place in its envelope (0: a track envelope) */
};
/* What recording an update did. */
struct hl_store_track_put_out {
	char origin[HL_NODE_NAME_MAX + 1];    /* of its envelope */
	int exercise;
	int advanced;                         /* it is now the track's latest */
	uint8_t *prev;                        /* the latest record before it (hl_free), NULL: a new track */
	size_t prev_len;
};
/* Record update idx (0 .. HL_TRACKS_BATCH_MAX - 1) carried by the stored
 * envelope id: o (with o->idx = idx) and record (its canonical encoding)
 * from a record that parsed, or o NULL when it did not (kept as invalid
 * with why, outside the picture). HL_ERR_NOT_FOUND: no such envelope;
 * HL_ERR_EXISTS: already recorded. OUT: *res (may be NULL; free res->prev). */
HL_WUR int hl_store_track_put(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    unsigned idx, const struct hl_store_track_obs *o, const uint8_t *record, size_t record_len,
    const char *why, struct hl_store_track_put_out *res);

/* A tracks envelope ingested a slice at a time: marked open until its
 * last slice (so that a stop part way is caught up at the next start). */
HL_WUR int hl_store_track_ingest_mark(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    int open);

/* A track's alert for the duty officer (docs/internals/tracks.md): its
 * last event, and whether it is acknowledged. */
struct hl_track_alert {
	char origin[HL_NODE_NAME_MAX + 1];
	char track_id[HL_TRACK_ID_MAX + 1];
	int exercise;
	char kind[HL_TRACK_ALERT_KIND_MAX + 1];     /* new, threat, dropped, stale */
	char detail[HL_TRACK_ALERT_DETAIL_MAX + 1];
	uint64_t raised_ms, acked_ms, events;
	char acked_by[HL_OPERATOR_MAX + 1];
	uint8_t label[HL_LABEL_MAX_BYTES];    /* of the track's latest envelope (rule 4) */
	size_t label_len;
};
/* Raise (or raise again: unacknowledged, one more event) a track's alert. */
HL_WUR int hl_store_track_alert_raise(struct hl_store *s, const char *origin,
    const char *track_id, int exercise, const char *kind, const char *detail, uint64_t now_ms);
/* Alerts, unacknowledged first, newest first (open_only: those only).
 * OUT: *out (hl_free), *n. */
HL_WUR int hl_store_track_alerts(struct hl_store *s, int open_only, size_t max,
    struct hl_track_alert **out, size_t *n);
/* One track's open alert, with the label of its latest envelope.
 * HL_ERR_NOT_FOUND: none open. OUT: *out. */
HL_WUR int hl_store_track_alert_open(struct hl_store *s, const char *origin,
    const char *track_id, int exercise, struct hl_track_alert *out);
/* Acknowledge a track's alert. HL_ERR_NOT_FOUND: none open. */
HL_WUR int hl_store_track_alert_ack(struct hl_store *s, const char *origin,
    const char *track_id, int exercise, const char *by, uint64_t now_ms);
/* Tracks whose latest update was stored before before_ms and that had no
 * stale (or dropped) alert since (origin, track_id, exercise; raised_ms =
 * when that update was stored). OUT: *out (hl_free), *n. */
HL_WUR int hl_store_track_stale(struct hl_store *s, uint64_t before_ms, size_t max,
    struct hl_track_alert **out, size_t *n);
/* The picture: one row per track, newest observation first, at most max.
 * OUT: *rows (free with hl_store_track_rows_free), *n. */
HL_WUR int hl_store_tracks(struct hl_store *s, size_t max, struct hl_track_row **rows,
    size_t *n);
/* The tracks whose latest update is in envelope id at an index in
 * [from, to): those an ingest slice moved (the picture's columns), at most
 * max, in the envelope's order. */
HL_WUR int hl_store_tracks_changed(struct hl_store *s, const uint8_t id[static HL_ID_BYTES],
    unsigned from, unsigned to, size_t max, struct hl_track_row **rows, size_t *n);
/* Every valid update of track_id (any origin), newest observation first. */
HL_WUR int hl_store_track_history(struct hl_store *s, const char *track_id, size_t max,
    struct hl_track_row **rows, size_t *n);
/* Ids of stored envelopes of content_type not yet recorded (or, for a
 * tracks envelope, recorded part way), oldest first.
 * OUT: *ids (hl_free), *n. */
HL_WUR int hl_store_track_pending(struct hl_store *s, uint8_t content_type, size_t max,
    uint8_t (**ids)[HL_ID_BYTES], size_t *n);

#endif
