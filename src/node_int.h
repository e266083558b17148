/* node_int.h: what the files of the node module share (not for use outside
 * src/node*.c). The node is split by concern, each file with its part of
 * the state below:
 *   node.c          state, life cycle, the post-commit hook list, helpers
 *   node_link.c     link callbacks, the frame table and its dispatcher,
 *                   HELLO, heartbeats, descriptors on the link, reassembly
 *   node_recv.c     ENVELOPE, RECEIPT, RECEIPT_ACK: rules 3 and 5, the
 *                   receipts we issue
 *   node_batch.c    group commit: one transaction per loop pass
 *   node_pump.c     the send queue: in-flight set, precedence slots, chunks
 *   node_relay.c    routes, RELAY (store-and-forward), descriptor gossip
 *   node_witness.c  audit checkpoints and consistency proofs
 *   node_kem.c      KEM keys, descriptors, rotation and re-sealing
 *   node_timer.c    the tick: heartbeats, retries, deadlines, link tests
 *   node_ops.c      the operations of node.h (send, ack, peers) */
#ifndef HL_NODE_INT_H
#define HL_NODE_INT_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "envelope.h"
#include "keys.h"
#include "link.h"
#include "merkle.h"
#include "node.h"
#include "sigbatch.h"
#include "seal.h"
#include "store.h"

struct event;
struct x509_st;

#define NODE_TICK_MS 100
#define PUMP_HIGH_BYTES (2u * HL_CHUNK_BYTES)
#define RETRANSMIT_MS 15000u
#define PUMP_BATCH 512
#define RECEIPTS_BATCH 256
#define BATCH_MAX 128
#define NODE_SUBSCRIBERS_MAX 8
#define NODE_CRYPTO_JOBS 4096     /* crypto pool: jobs queued or running */
/* jobs a crypto worker runs as one batch (one batch signature per kind):
 * small, since a FLASH waits for at most one running batch per worker, but
 * 16 rather than 8 since a root's hybrid signature costs ML-DSA (make bench,
 * BENCH_QUICK: sustained hybrid/Ed25519-only 0.71 -> 0.80 with one recipient,
 * no worse FLASH while a bulk transfer runs) */
#define NODE_CRYPTO_BATCH 16
#define NODE_SIGCACHE_ROOTS 256   /* verified batch roots remembered */
#define NODE_REFUSED_BURST 10     /* refused connections audited one by one per window */
#define NODE_REFUSED_WINDOW_MS 10000
#define NODE_FILES_JOBS 256       /* files thread: large envelopes queued; full: the store writes */
#define NODE_FILES_NICE 10        /* files thread: below the loop and the crypto workers */
#define NODE_FLASH_WINDOW_MS 30   /* a FLASH seen: its work is under way this long */

/* A set of envelope ids (open addressing on the id's random bytes). */
struct node_idset {
	uint8_t (*keys)[HL_ID_BYTES];
	uint8_t *state;                /* 0 empty, 1 used, 2 deleted */
	size_t cap;                    /* a power of two, or 0 */
	size_t n;                      /* used */
	size_t tomb;                   /* deleted */
};

/* One precedence of a peer's send queue: a ring of ids, oldest first. */
struct node_lane {
	uint8_t (*ids)[HL_ID_BYTES];
	size_t head;                   /* index of the oldest */
	size_t n;
	size_t cap;                    /* a power of two, or 0 */
};

/* A frame (u8 type || payload: ENVELOPE or RELAY) being written to a link,
 * one per precedence per recipient. */
struct out_xfer {
	uint8_t id[HL_ID_BYTES];
	uint8_t *raw;                  /* the frame bytes; owned; NULL: slot free */
	size_t len;
	size_t off;                    /* bytes already queued */
	struct peer_state *via;        /* relay whose link carries it; NULL: direct */
	uint8_t xid[HL_ID_BYTES];      /* transfer id for CHUNK frames (random) */
};

/* A chunked envelope being received. */
struct in_reasm {
	uint8_t id[HL_ID_BYTES];
	uint8_t *buf;                  /* owned; grows with what arrived */
	size_t cap;
	size_t got;
	uint32_t total;
};

struct peer_state {
	const struct hl_peer_conf *conf;
	struct hl_link *link;          /* authenticated connection, or NULL */
	struct hl_link *dialing;       /* our outgoing attempt, or NULL */
	int up;                        /* HELLO received on link */
	unsigned proto;                /* link protocol last negotiated (link.h), 0 not yet */
	/* receipts from this peer that match no delivery of ours: audited once
	 * a minute with the count since, so a peer cannot fill the audit log */
	uint64_t unmatched_audit_ms;
	unsigned unmatched_since;
	int dialer;                    /* we dial this peer (our name sorts first) */
	uint64_t retry_at_ms;
	uint32_t backoff_ms;
	uint8_t *desc_raw;             /* last verified descriptor (owned) */
	size_t desc_len;
	struct hl_descriptor desc;     /* decoded from desc_raw */
	uint8_t pub[HL_ED25519_PUB];   /* the peer's signing key */
	int have_pub;
	struct hl_signer sig;          /* the same and its ML-DSA keys (node_peer_set_descriptor) */
	struct x509_st *ca;            /* its partner's pinned CA, read at start (owned) */
	uint64_t last_heard_ms;
	uint64_t last_ping_ms;
	uint64_t ping_nonce;
	uint64_t ping_sent_us;
	uint64_t rtt_us;
	uint64_t up_since_ms;
	uint32_t acked_epoch;          /* our descriptor epoch it adopted on this link */
	char last_error[128];
	struct out_xfer xfer[HL_PRECEDENCES];   /* by precedence */
	struct peer_state *inflight_via; /* relay used for the in-flight ids, or NULL */
	uint64_t inflight_progress_ms; /* last in-flight addition or receipt */
	char routes[HL_PEERS_MAX][HL_NODE_NAME_MAX + 1]; /* its links that are up */
	unsigned nroutes;
	uint64_t receipts_relay_ms;    /* last try to send owed receipts via a relay */
	uint64_t revoked_audit_ms;     /* last audit of a refused revoked certificate */
	uint8_t test_id[HL_ID_BYTES];  /* the scheduled end-to-end test in progress */
	uint64_t test_sent_ms;
	uint64_t test_done_ms;
	uint64_t test_rtt_ms;
	char test_result[96];
	struct in_reasm reasm[HL_REASM_MAX];
	struct node_idset inflight;    /* sent on this link, no receipt yet */
	/* witnessing its audit log: its latest checkpoint we kept */
	int wit_have;
	uint64_t wit_size;
	uint64_t wit_time_ms;
	uint8_t wit_root[HL_MERKLE_HASH];
	int wit_pending;               /* a larger one waits for its consistency proof */
	uint8_t wit_new_raw[HL_CHECKPOINT_MAX_BYTES];
	size_t wit_new_len;
	struct hl_checkpoint wit_new;
	int fork;                      /* its log contradicts what we witnessed */
	char fork_why[128];
	/* what it witnessed of OUR log: its latest CHECKPOINT_ACK (0: none) */
	uint64_t ours_size;
	uint64_t ours_ms;              /* when it witnessed (its clock, signed) */
	uint8_t ours_result;           /* enum hl_witness_result, 0 none */
	/* the send queue in memory (node_pump.c): ids by precedence, oldest
	 * first, loaded from the store at start and after a link reset, then
	 * fed by what this node queues (node_pump_add) */
	struct node_lane lanes[HL_PRECEDENCES];
	struct node_idset queued;      /* the ids in lanes */
	int reload;                    /* list the queue from the store first */
	uint64_t loaded_gen;           /* hl_store_queue_gen at the last listing */
	uint64_t loaded_ms;
};

/* ---- group commit (node_batch.c) ---- */

enum batch_kind {
	BATCH_SEND_RECEIPT = 1,   /* send raw on ps's link (rejected, duplicate) */
	BATCH_ENVELOPE,           /* an envelope stored: delivered receipt and events */
	BATCH_RECEIPT,            /* a receipt for our envelope stored */
};

/* What one item of the open batch does once the batch committed. */
struct batch_item {
	enum batch_kind kind;
	struct peer_state *ps;         /* the link it came on */
	uint8_t *raw;                  /* receipt to send (owned) */
	size_t len;
	uint8_t id[HL_ID_BYTES];
	char origin[HL_NODE_NAME_MAX + 1];
	uint8_t precedence;
	uint8_t content_type;
	uint16_t flags;
	size_t clen;
	struct hl_receipt rc;          /* BATCH_RECEIPT */
	struct peer_state *from;       /* BATCH_RECEIPT: the issuer */
};

struct node_subscriber {
	void (*fn)(void *arg, const struct hl_node_event *ev);
	void *arg;
};

struct hl_workq;

/* An envelope being opened on a crypto worker, and the links on which
 * copies of it came meanwhile (each gets the answer once it is stored). */
#define RECV_WAITERS_MAX 4
struct recv_inflight {
	uint8_t id[HL_ID_BYTES];
	unsigned nwait;
	struct peer_state *wait[RECV_WAITERS_MAX];
};

struct hl_node {
	struct hl_config cfg;
	struct event_base *base;
	struct hl_keys *keys;
	struct hl_store *store;
	/* crypto workers: seal (node_ops.c), verify and open (node_recv.c);
	 * NULL with crypto_threads = 0 (then on the loop) */
	struct hl_workq *crypto;
	/* batch signatures: roots of peers' batches already verified (shared by
	 * the crypto workers, its own mutex); what this node signed in batches
	 * (counters the workers add to atomically) */
	struct hl_sigcache *sigcache;
	uint64_t sig_roots, sig_leaves;
	/* refused link connections: at most NODE_REFUSED_BURST audit entries
	 * (and log lines) per NODE_REFUSED_WINDOW_MS, the rest counted and
	 * written as one entry when the window ends (node_refused_flush) */
	uint64_t refused_window_ms;
	unsigned refused_in_window, refused_suppressed;
	/* one thread that writes and fdatasyncs large envelopes' files
	 * (store_blob.c) between their crypto and their commit, so that a
	 * crypto worker is never held by a disk write a FLASH waits behind;
	 * NULL without an event loop (then the store writes them) */
	struct hl_workq *files;
	struct recv_inflight *recv;    /* envelopes being opened (node_recv.c) */
	struct node_idset undurable;   /* our sends written, not yet on disk (node_ops.c) */
	size_t nrecv;
	uint64_t flash_until_ms;       /* FLASH work under way until then (node_flash_seen) */
	struct hl_link_ctx *lctx;      /* TLS links (hl_node_listen); NULL in tests */
	struct event *tick;
	uint8_t *cert_der;
	size_t cert_len;
	uint8_t *desc;                 /* our own descriptor (version 2 under a hybrid sig_suite) */
	size_t desc_len;
	uint8_t *desc_classic;         /* version 1, for links of protocol < 5; NULL if desc is */
	size_t desc_classic_len;
	uint64_t desc_at_ms;
	struct hl_signer self_sig;     /* our own keys, as partners verify them */
	/* the ML-DSA public key our last rotation replaced (kept in the store),
	 * announced beside the current one; NULL: none */
	uint8_t *sig_prev_pk;
	size_t sig_prev_len;
	uint64_t started_ms;
	uint64_t overdue_scan_ms;
	/* revoked certificates (node_revoke.c): SHA-256 of their DER, from the
	 * notices kept in the store */
	uint8_t revoked[HL_STORE_REVOCATIONS_MAX][32];
	size_t nrevoked;
	struct x509_st *own_ca;            /* our partner's CA (its notices) */
	/* certificates to renew in time (node_timer.c): read at start */
	struct hl_cert_info certs[4 + HL_PEERS_MAX];
	size_t ncerts;
	uint64_t cert_check_ms;            /* last renewal check (daily) */
	int audit_failed;              /* an audit append failed in this transaction */
	/* perf: group commit (node_batch_join): the frames one pass of the
	 * event loop receives share one transaction; what each must do after
	 * its commit (receipts, events) waits in batch[] until node_batch_flush */
	struct event *batch_ev;
	int batch_open;
	struct batch_item *batch;      /* BATCH_MAX slots */
	size_t nbatch;
	int batch_flushing;            /* node_batch_flush is sending its items */
	uint64_t checkpoint_ms;        /* last audit checkpoint attempt */
	int checkpoint_refused;        /* the log does not extend our last checkpoint */
	char kem_dir[HL_PATH_MAX + 8];
	int bench_fd;                  /* bench_tap, opened on first use; -1 */
	/* post-commit events (hl_node_subscribe) */
	struct node_subscriber subs[NODE_SUBSCRIBERS_MAX];
	unsigned nsubs;
	unsigned npeers;
	struct peer_state peers[HL_PEERS_MAX];
};

/* ---- frames (node_link.c dispatches) ----
 * The one place a frame type is declared: X(type, state, heard, handler).
 * state: the link state it needs (LINK_OPEN: authenticated, before HELLO;
 * LINK_UP: after HELLO); heard: it counts as traffic for last_heard_ms
 * before the handler runs. A handler returns 0 when the link stays (the
 * frame was used, or refused with an answer or an audit entry) and an
 * HL_ERR_* with f->why set when the dispatcher must close the link. */
enum node_link_state { LINK_OPEN = 0, LINK_UP = 1 };

struct node_frame {
	uint8_t type;
	const uint8_t *p;              /* payload, valid during the call */
	size_t len;
	uint8_t *owned;                /* when not NULL: the allocation p points into,
	                                * which a handler may take (setting this NULL) */
	const char *why;               /* OUT: why the link is closed (a literal) */
};

#define NODE_FRAMES(X) \
	X(HL_FRAME_HELLO, LINK_OPEN, 0, node_handle_hello) \
	X(HL_FRAME_PING, LINK_UP, 0, node_handle_ping) \
	X(HL_FRAME_PONG, LINK_UP, 0, node_handle_ping) \
	X(HL_FRAME_ENVELOPE, LINK_UP, 1, node_handle_envelope) \
	X(HL_FRAME_RECEIPT, LINK_UP, 1, node_handle_receipt) \
	X(HL_FRAME_RECEIPT_ACK, LINK_UP, 0, node_handle_receipt_ack) \
	X(HL_FRAME_DESCRIPTOR, LINK_UP, 0, node_handle_descriptor) \
	X(HL_FRAME_DESCRIPTOR_ACK, LINK_UP, 0, node_handle_descriptor_ack) \
	X(HL_FRAME_CHUNK, LINK_UP, 0, node_handle_chunk) \
	X(HL_FRAME_RELAY, LINK_UP, 1, node_handle_relay) \
	X(HL_FRAME_ROUTES, LINK_UP, 0, node_handle_routes) \
	X(HL_FRAME_CHECKPOINT, LINK_UP, 0, node_handle_checkpoint) \
	X(HL_FRAME_CONSISTENCY_REQ, LINK_UP, 0, node_handle_consistency_req) \
	X(HL_FRAME_CONSISTENCY, LINK_UP, 0, node_handle_consistency) \
	X(HL_FRAME_CHECKPOINT_ACK, LINK_UP, 0, node_handle_checkpoint_ack) \
	X(HL_FRAME_REVOCATION, LINK_UP, 0, node_handle_revocation)

#define NODE_FRAME_PROTO(type, state, heard, fn) \
	HL_WUR int fn(struct hl_node *n, struct peer_state *ps, struct node_frame *f);
NODE_FRAMES(NODE_FRAME_PROTO)
#undef NODE_FRAME_PROTO

/* ---- node_revoke.c ---- */
/* Load the kept notices into n->revoked (at start). */
HL_WUR int node_revoke_load(struct hl_node *n, char *err, size_t errlen);
/* Is the certificate der revoked? */
int node_revoked(const struct hl_node *n, const uint8_t *der, size_t len);
/* Verify a notice against the CA pinned for its partner, keep it, apply
 * it (links with that certificate closed), audit it, and pass it on to
 * every linked peer that speaks protocol 4 but from. HL_ERR_EXISTS when
 * known already (then nothing is done or passed on); why says why not. */
HL_WUR int node_revocation_apply(struct hl_node *n, const uint8_t *p, size_t len,
    struct peer_state *from, const char *via, char *why, size_t whylen);
/* Send the kept notices to ps (its link just came up, protocol 4). */
void node_send_revocations(struct hl_node *n, struct peer_state *ps);

/* ---- node.c ---- */
/* Announce a committed change to every subscriber. */
/* A FLASH was sent, received or stored: for NODE_FLASH_WINDOW_MS the node
 * has FLASH work under way (hl_node_flash_busy). */
void node_flash_seen(struct hl_node *n);
void node_event(struct hl_node *n, const struct hl_node_event *ev);
/* Record an event. Inside a transaction a failure poisons it: node_commit
 * (or the batch) then rolls back, so no state change commits without its
 * audit entry. */
void node_audit(struct hl_node *n, const char *event, const uint8_t *id, const char *actor,
    const char *detail);
struct peer_state *node_peer_by_name(struct hl_node *n, const char *node);
/* The store's row for a decoded envelope: its header and encoded label,
 * raw pointing at raw (borrowed); content, inbound and times of storing
 * are the caller's. Zeroes *m first. */
HL_WUR int node_msg_from_envelope(struct hl_msg *m, const struct hl_envelope *e,
    const uint8_t *raw, size_t rawlen);

/* ---- node_batch.c: group commit ---- */
HL_WUR int node_batch_init(struct hl_node *n);
void node_batch_free(struct hl_node *n);
/* A transaction of our own (the open batch commits first). */
HL_WUR int node_begin(struct hl_node *n);
HL_WUR int node_commit(struct hl_node *n);
/* The same, returning once written: acknowledge from hl_store_when_durable. */
int node_commit_nowait(struct hl_node *n);
/* Make sure a batch transaction is open with room for one more item, and
 * that store writes join it until the frame handler returns. */
HL_WUR int node_batch_join(struct hl_node *n);
/* The next free item, zeroed (node_batch_join made room). */
struct batch_item *node_batch_item(struct hl_node *n, enum batch_kind kind,
    struct peer_state *ps);
/* Roll the open batch back; nothing in it is answered. */
void node_batch_abort(struct hl_node *n);
/* Commit the open batch, then send and announce what it holds. */
void node_batch_flush(struct hl_node *n);
/* The frame handler returned: writers other than frame handlers commit
 * the open batch before theirs from now on. */
void node_batch_idle(struct hl_node *n);

/* ---- node_pump.c: the send queue ---- */
/* Send queued envelopes for ps (directly, or through a relay). */
void node_pump(struct hl_node *n, struct peer_state *ps);
/* id (durable, queued for ps) at the end of its precedence's lane. */
void node_pump_add(struct peer_state *ps, const uint8_t id[HL_ID_BYTES], uint8_t precedence);
/* Our sends between their commit and the fsync that makes them durable:
 * not sent before (a listing from the store skips them). */
int node_undurable_add(struct hl_node *n, const uint8_t id[HL_ID_BYTES]);
void node_undurable_del(struct hl_node *n, const uint8_t id[HL_ID_BYTES]);
void node_inflight_del(struct peer_state *ps, const uint8_t id[HL_ID_BYTES]);
/* ps's link went away or was replaced: forget what was sent on it. */
void node_pump_reset(struct peer_state *ps);
/* The relay link of via went away: what went through it is sent again. */
void node_pump_via_lost(struct hl_node *n, struct peer_state *via);
/* No receipt for what is in flight for RETRANSMIT_MS: send it all again. */
void node_pump_retransmit(struct hl_node *n, struct peer_state *ps, uint64_t now);
void node_pump_free(struct peer_state *ps);

/* ---- node_recv.c: envelopes and receipts ---- */
/* Refused link connections (node_link.c): audit one, or count it. */
void node_refused(struct hl_node *n, const char *peer, const char *addr, const char *why);
/* From the tick: write the count of a window that ended. */
void node_refused_flush(struct hl_node *n, uint64_t now_ms);
HL_WUR int node_make_receipt(struct hl_node *n, uint8_t kind, const uint8_t id[HL_ID_BYTES],
    const char *to, uint8_t reason, const char *detail, const char *op, uint8_t **raw,
    size_t *len);
HL_WUR int node_make_receipt_batch(struct hl_node *n, uint8_t kind,
    const uint8_t id[HL_ID_BYTES], const char *to, uint8_t reason, const char *detail,
    const char *op, uint8_t version, struct hl_sigbatch *batch, int *result, uint8_t **raw,
    size_t *len);
/* Receipts we owe to ps's node, on its link or through a linked relay. */
void node_send_receipts(struct hl_node *n, struct peer_state *ps);
void node_send_receipt_ack(struct peer_state *ps, const struct hl_receipt *rc, const char *me);
/* The delivery state (HL_DLV_*) a receipt kind moves a delivery to. */
int node_receipt_state(uint8_t kind);

/* ---- node_relay.c: routes, relay, gossip ---- */
int node_route_has(const struct peer_state *via, const char *node);
/* Rule 2: may via carry e? */
int node_relay_allowed(const struct hl_envelope *e, const struct peer_state *via);
struct peer_state *node_pick_relay(struct hl_node *n, struct peer_state *ps,
    const struct hl_envelope *e);
/* A receipt addressed to another node (we relayed its envelope). */
void node_relay_receipt(struct hl_node *n, struct peer_state *ps, const struct hl_receipt *rc,
    const uint8_t *p, size_t len);
void node_broadcast_routes(struct hl_node *n);
void node_gossip_descriptors(struct hl_node *n, struct peer_state *to,
    struct peer_state *about);
void node_third_party_descriptor(struct hl_node *n, struct peer_state *via, const uint8_t *p,
    size_t len, const struct hl_descriptor *d);

/* ---- node_kem.c: keys, descriptors, re-sealing ---- */
HL_WUR int node_peer_set_descriptor(const struct hl_node *n, struct peer_state *ps,
    uint8_t *raw, size_t len);
HL_WUR int node_descriptor_acceptable(struct hl_node *n, struct peer_state *ps,
    const struct hl_descriptor *d, const struct hl_signer *s, char *why, size_t whylen);
/* Our descriptor for a link of protocol proto. OUT: *len. */
const uint8_t *node_descriptor_for(const struct hl_node *n, unsigned proto, size_t *len);
/* Keep our descriptor in the store (public: hotline audit verify and proof
 * bundles read our ML-DSA keys from it). */
void node_write_descriptor(struct hl_node *n);
/* At start: the ML-DSA public key our last rotation replaced (the store's
 * "sigkey-prev"). */
void node_sig_prev_load(struct hl_node *n);
/* The version of an envelope or receipt for recipients whose lowest link
 * protocol is proto: 3 (hybrid) from protocol 5 under a hybrid sig_suite,
 * 2 from protocol 3, else 1. receipts: receipt versions. */
uint8_t node_sig_version(const struct hl_node *n, unsigned proto);
/* The link protocol a peer speaks: its last link's, or before any link
 * since start, HL_LINK_PROTO_HYBRID when its stored descriptor announced
 * ML-DSA keys (only this release does), else 0 (not known). */
unsigned node_peer_proto(const struct peer_state *ps);
/* The origin's signer for envelope e: ps->sig, whose Ed25519-only
 * signatures are also accepted when e is addressed to a node we know to
 * run a release without ML-DSA (its descriptor announces none): one
 * envelope goes to every recipient, so a mixed federation signs it the
 * old way. OUT: *out. */
void node_envelope_signer(const struct hl_node *n, const struct peer_state *ps,
    const struct hl_envelope *e, struct hl_signer *out);
uint64_t node_desc_validity_ms(const struct hl_node *n);
HL_WUR int node_refresh_descriptor(struct hl_node *n);
void node_broadcast_descriptor(struct hl_node *n);
HL_WUR int node_adopt_descriptor(struct hl_node *n, struct peer_state *ps, const uint8_t *p,
    size_t len);
HL_WUR int node_verify_peer_cert(const struct hl_node *n, const struct peer_state *ps,
    const uint8_t *der, size_t len);
void node_reseal_for_peer(struct hl_node *n, struct peer_state *ps);
HL_WUR int node_peer_kem_key(const struct hl_node *n, const struct peer_state *ps,
    uint64_t now, struct hl_seal_recipient *out);
HL_WUR int node_self_kem_key(struct hl_node *n, struct hl_seal_recipient *out);
void node_erase_old_kem_keys(struct hl_node *n, uint64_t now);

/* ---- node_link.c ---- */
void node_send_ping(struct peer_state *ps, uint64_t now_ms);
void node_reasm_clear(struct peer_state *ps);

/* ---- node_witness.c ---- */
void node_witness_load(struct hl_node *n, struct peer_state *ps);
void node_send_last_checkpoint(struct hl_node *n, struct peer_state *ps);
void node_audit_checkpoint(struct hl_node *n, uint64_t now);

/* ---- node_timer.c ---- */
HL_WUR int node_timer_start(struct hl_node *n);

#endif
