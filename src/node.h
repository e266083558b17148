/* node.h: one running node: configuration, keys, store and peer links (the
 * link protocol, docs/PROTOCOL.md) on one libevent loop. Services above it
 * (operator API, console, TAXII, tracks) call these and subscribe to its
 * post-commit events; the node includes none of their headers. */
#ifndef HL_NODE_H
#define HL_NODE_H

#include <stddef.h>
#include <stdint.h>

#include "config.h"
#include "envelope.h"
#include "keys.h"
#include "label.h"
#include "store.h"

struct hl_node;
struct event_base;

struct hl_send_req {
	const char *const *to;      /* recipient node names or partner codes */
	unsigned nto;
	int to_all;                 /* every peer the label allows (not named) */
	uint8_t precedence;
	struct hl_label label;
	uint8_t content_type;
	uint8_t flags;              /* HL_ENV_FLAG_EXERCISE */
	const uint8_t *content;
	size_t content_len;
	const char *originator;     /* operator name */
	uint32_t ttl_s;             /* 0: config default */
};

/* Check rule 1, seal, store durably (with audit), queue to each recipient.
 * HL_ERR_DENIED when the label forbids a recipient (why names it; audited);
 * HL_ERR_UNKNOWN_PEER for a recipient not configured; HL_ERR_AGAIN when a
 * recipient's KEM keys are not known yet. OUT: id. */
HL_WUR int hl_node_send(struct hl_node *n, const struct hl_send_req *req,
    uint8_t id[static HL_ID_BYTES], char *why, size_t whylen);
/* An envelope to this node itself (req->to is ignored): sealed to our own
 * KEM key, stored durably as received (it shows in the inbox, audited
 * envelope-received, announced as HL_NODE_EV_ENVELOPE), sent nowhere. For
 * the node's own alerts (the detector's correlation, docs/DETECTION.md).
 * OUT: id. */
HL_WUR int hl_node_notify_self(struct hl_node *n, const struct hl_send_req *req,
    uint8_t id[static HL_ID_BYTES], char *why, size_t whylen);
/* The same, asynchronous: rule 1 and the recipients are checked now (a
 * refusal returns here, with why, and cb is not called); the seal runs on
 * a crypto worker; cb(arg, r, id, why) is called on the loop once the
 * envelope is stored and queued (r = HL_OK, id set) or could not be (r an
 * error, id NULL, why a reason). cb is called exactly once when this
 * returns HL_OK, possibly before it returns (no pool, or a full one). */
#define HL_SEND_WHY_MAX 256
typedef void (*hl_node_send_cb)(void *arg, int r, const uint8_t *id, const char *why);
HL_WUR int hl_node_send_async(struct hl_node *n, const struct hl_send_req *req,
    hl_node_send_cb cb, void *arg, char *why, size_t whylen);
/* Apply the [peer] sections of a configuration loaded again (SIGHUP): peers
 * added are dialed or accepted from now on (their CAs trusted), peers whose
 * address, CA or accreditation changed reconnect, peers gone have their
 * link closed and are refused; the other links are left alone. Each is
 * audited (peer-added, peer-changed, peer-removed). Nothing else of nc is
 * applied. OUT: the counts. */
HL_WUR int hl_node_reload_peers(struct hl_node *n, const struct hl_config *nc,
    unsigned *added, unsigned *changed, unsigned *removed, char *err, size_t errlen);
/* A revocation notice an operator gives (revoke.h): verified against the
 * CA pinned for its partner, kept, applied at once (links with that
 * certificate closed, descriptors carrying it refused) and passed on to
 * every peer. HL_ERR_EXISTS: known already; else why says why not. */
HL_WUR int hl_node_revoke(struct hl_node *n, const uint8_t *p, size_t len, const char *who,
    char *why, size_t whylen);
/* Certificates renewed for the keys the node holds (SIGHUP after `pki
 * renew`): links present the new TLS certificate from now on, and a new
 * descriptor carries the new signing certificate to every peer. */
HL_WUR int hl_node_reload_certs(struct hl_node *n, char *err, size_t errlen);
/* Around a burst of hl_node_send_async calls (a batch request, a STIX
 * share): the seals are queued whole before a crypto worker wakes, so
 * they are signed in batches (hl_workq_plug). Nest; always pair. */
void hl_node_send_burst(struct hl_node *n, int begin);
/* Wait for the crypto jobs submitted so far and run their completions on
 * the calling (loop) thread; returns how many completed. For tests and
 * tools that drive a node without running its event loop. */
size_t hl_node_settle(struct hl_node *n);
/* Operator acknowledgement of an inbound envelope: stored, audited, and a
 * signed acknowledged receipt queued to the origin. */
/* Check a stored message again against its stored signed envelope (m
 * loaded with its raw bytes): the envelope decodes and is this message's,
 * its signature verifies with the origin's key (ours, or the peer's
 * current one), and, when received, opening it again gives the stored
 * content. 1 when it holds (why says what was checked, and what could not
 * be: an outbound content, or a KEM key erased since), 0 when not (why
 * says what failed). Shown to operators instead of a flag kept from
 * receipt (issue 17). */
int hl_node_recheck(struct hl_node *n, const struct hl_msg *m, char *why, size_t whylen);

HL_WUR int hl_node_ack(struct hl_node *n, const uint8_t id[static HL_ID_BYTES],
    const char *operator_name);

/* Rotate our KEM keys now: new epoch for every suite, new descriptor sent
 * to every linked peer; old keys are erased once the peers adopted it. */
HL_WUR int hl_node_rotate(struct hl_node *n, char *err, size_t errlen);
/* KEM key pairs held (oldest first) and when the next rotation is due. */
HL_WUR int hl_node_keys(struct hl_node *n, struct hl_kem_info *out, size_t max,
    size_t *count, uint64_t *next_rotation_ms);
/* ML-DSA signing key pairs held (keys.h hl_keys_sig_list: 65 first) and
 * the signature suite the node signs with (enum hl_sig_suite, hybsig.h). */
HL_WUR int hl_node_sig_keys(struct hl_node *n, struct hl_sigkey_info *out, size_t max,
    size_t *count, int *suite);
/* Replace our ML-DSA key pair of param (65, 87; 0: the one of the suite we
 * sign with, ML-DSA-65 while that is Ed25519 alone), audited
 * "sig-key-rotated" with its fingerprint; the descriptor is signed again
 * and sent to every linked peer. */
HL_WUR int hl_node_rotate_sig(struct hl_node *n, int param, char *err, size_t errlen);

struct hl_peer_status {
	char node[HL_NODE_NAME_MAX + 1];
	char partner[HL_PARTNER_MAX + 1];
	int up;
	unsigned protocol;            /* link protocol last negotiated, 0 not yet */
	uint64_t last_heartbeat_ms;   /* last PONG or PING seen, 0 never */
	uint64_t rtt_us;              /* last round trip, 0 unknown */
	uint64_t queue_depth;
	uint64_t up_since_ms;
	char last_error[128];
	/* the scheduled end-to-end test (link_test) */
	uint64_t test_sent_ms;        /* 0: none yet */
	uint64_t test_done_ms;        /* when its result came, 0 pending */
	uint64_t test_rtt_ms;         /* send to delivered receipt */
	char test_result[96];         /* "none", "pending", "ok", "failed: ..." */
	/* what we witnessed of the peer's audit log (its signed checkpoints) */
	uint64_t witness_size;        /* size of its latest checkpoint we kept, 0 none */
	uint64_t witness_time_ms;     /* when it signed that checkpoint */
	int fork;                     /* its log contradicts what we witnessed */
	char witness_state[160];      /* "none", "ok", "FORK: ..." */
	/* what the peer witnessed of OUR log (its signed CHECKPOINT_ACK) */
	uint64_t our_witnessed_size;  /* size of our checkpoint it acknowledged, 0 none */
	uint64_t our_witnessed_ms;    /* when it witnessed it */
	char our_witness_state[8];    /* "none", "ok", "fork" */
};
/* OUT: *st (caller frees with hl_free), *n. */
HL_WUR int hl_node_peers(struct hl_node *n, struct hl_peer_status **st, size_t *count);

const struct hl_config *hl_node_config(const struct hl_node *n);
struct hl_store *hl_node_store(struct hl_node *n);
/* FLASH first beyond the node: while the node has FLASH work under way (a
 * FLASH send, or a FLASH envelope received, in the last few ms, until its
 * commit is on disk), the ms it is expected to take still; 0: none. Bulk
 * work on the loop (the STIX queue) yields to it. */
uint64_t hl_node_flash_busy(struct hl_node *n);
/* Pure work off the loop: j (lane, run, done set; run touches only what
 * the job owns and read-only configuration) runs on a crypto worker and
 * comes back in done on the loop, after the FLASH work queued before it.
 * Without a pool, or with a full one, it runs here and now (run, then
 * done) before this returns. */
struct hl_job;
void hl_node_offload(struct hl_node *n, struct hl_job *j);
uint64_t hl_node_started_ms(const struct hl_node *n);
/* The certificates the node depends on, read at start (docs/CONFIG.md,
 * cert_warn): its own, its partner's CA, each peer's CA. */
struct hl_cert_info {
	char role[HL_NODE_NAME_MAX + 24];   /* "certificate", "peer KOR/node-1 ca", ... */
	char path[HL_PATH_MAX];
	int64_t not_after_s;                /* 0: could not be read */
};
size_t hl_node_certs(const struct hl_node *n, const struct hl_cert_info **out);

/* ---- post-commit events ----
 * The node announces each change once it has committed, on its loop, to
 * every subscriber in the order they subscribed; it knows nothing of them
 * (hotlined.c wires the console, the track picture and STIX ingest). A
 * subscriber may use the store, but must not call back into the node. */
enum hl_node_event_kind {
	HL_NODE_EV_ENVELOPE = 1,   /* an inbound envelope stored, or overdue (peer = origin) */
	HL_NODE_EV_DELIVERY = 2,   /* a receipt or overdue mark changed a delivery (peer =
	                            * recipient) */
	HL_NODE_EV_ACK = 3,        /* a local acknowledgement (peer = origin) */
	HL_NODE_EV_LINK = 4,       /* a link up or down (id NULL) */
	HL_NODE_EV_SENT = 5,       /* an envelope of ours stored and queued (peer NULL) */
};

struct hl_node_event {
	int kind;                  /* enum hl_node_event_kind */
	const uint8_t *id;         /* the envelope (HL_ID_BYTES), NULL for LINK */
	const char *peer;
	uint8_t content_type;      /* ENVELOPE stored now, SENT: HL_CT_*; else 0 */
	int overdue;               /* ENVELOPE, DELIVERY: from the deadline scan */
};

/* Add a subscriber (at most 8; HL_ERR_FULL). */
HL_WUR int hl_node_subscribe(struct hl_node *n,
    void (*fn)(void *arg, const struct hl_node_event *ev), void *arg);
void hl_node_unsubscribe(struct hl_node *n,
    void (*fn)(void *arg, const struct hl_node_event *ev), void *arg);

/* Batch signatures so far (sigbatch.h): roots this node signed and the
 * envelopes and receipts they covered; peers' roots verified, and items
 * whose root was already verified (the cache). */
struct hl_node_sig_stats {
	uint64_t roots_signed, leaves_signed, roots_verified, cache_hits;
};
void hl_node_sig_stats(struct hl_node *n, struct hl_node_sig_stats *out);

#endif
