/* node.c: the node's logic on one libevent loop: peer state, the link
 * protocol (HELLO, PING/PONG, ENVELOPE, RECEIPT, RECEIPT_ACK), the receive
 * rules (brief rules 3 and 5), sending (rule 1) and acknowledgement. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/x509.h>

#include "alloc.h"
#include "api.h"
#include "buf.h"
#include "envelope.h"
#include "keys.h"
#include "link.h"
#include "log.h"
#include "merkle.h"
#include "node.h"
#include "nodeinit.h"
#include "pki.h"
#include "seal.h"
#include "stixdb.h"
#include "taxii.h"
#include "track.h"

_Static_assert(HL_PROOF_HASHES_MAX == HL_MERKLE_PROOF_MAX, "CONSISTENCY frame limit");

#define NODE_TICK_MS 100
#define PUMP_HIGH_BYTES (2u * HL_CHUNK_BYTES)
#define HL_PRECEDENCES 4
#define RETRANSMIT_MS 15000u
#define PUMP_BATCH 512
#define RECEIPTS_BATCH 256

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
	int dialer;                    /* we dial this peer (our name sorts first) */
	uint64_t retry_at_ms;
	uint32_t backoff_ms;
	uint8_t *desc_raw;             /* last verified descriptor (owned) */
	size_t desc_len;
	struct hl_descriptor desc;     /* decoded from desc_raw */
	uint8_t pub[HL_ED25519_PUB];   /* the peer's signing key */
	int have_pub;
	X509 *ca;                      /* its partner's pinned CA, read at start (owned) */
	uint64_t last_heard_ms;
	uint64_t last_ping_ms;
	uint64_t ping_nonce;
	uint64_t ping_sent_us;
	uint64_t rtt_us;
	uint64_t up_since_ms;
	uint32_t acked_epoch;          /* our descriptor epoch it adopted on this link */
	char last_error[128];
	struct out_xfer xfer[4];       /* by precedence */
	struct peer_state *inflight_via; /* relay used for the in-flight ids, or NULL */
	uint64_t inflight_progress_ms; /* last in-flight addition or receipt */
	char routes[HL_PEERS_MAX][HL_NODE_NAME_MAX + 1]; /* its links that are up */
	unsigned nroutes;
	uint64_t receipts_relay_ms;    /* last try to send owed receipts via a relay */
	uint8_t test_id[HL_ID_BYTES];  /* the scheduled end-to-end test in progress */
	uint64_t test_sent_ms;
	uint64_t test_done_ms;
	uint64_t test_rtt_ms;
	char test_result[96];
	struct in_reasm reasm[HL_REASM_MAX];
	uint8_t (*inflight)[HL_ID_BYTES];  /* sent on this link, no receipt yet */
	size_t ninflight;
	size_t capinflight;
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
	/* perf: the pump's last queue listing, current while the store's
	 * queue generation is still qgen (hl_store_queue_gen) */
	uint8_t (*qids)[HL_ID_BYTES];
	uint8_t *qprecs;
	size_t qn;
	uint64_t qgen;
	int qvalid;
};

struct hl_node {
	struct hl_config cfg;
	struct event_base *base;
	struct hl_keys *keys;
	struct hl_store *store;
	struct hl_link_ctx *lctx;
	struct hl_api *api;
	struct event *tick;
	uint8_t *cert_der;
	size_t cert_len;
	uint8_t *desc;                 /* our own descriptor */
	size_t desc_len;
	uint64_t desc_at_ms;
	uint64_t started_ms;
	uint64_t overdue_scan_ms;
	int audit_failed;              /* an audit append failed in this transaction */
	/* perf: group commit (batch_join): the frames one pass of the event
	 * loop receives share one transaction; what each must do after its
	 * commit (receipts, events) waits in batch[] until batch_flush */
	struct event *batch_ev;
	int batch_open;
	struct batch_item *batch;      /* BATCH_MAX slots */
	size_t nbatch;
	int batch_flushing;            /* batch_flush is sending its items */
	uint64_t checkpoint_ms;        /* last audit checkpoint attempt */
	int checkpoint_refused;        /* the log does not extend our last checkpoint */
	char kem_dir[HL_PATH_MAX + 8];
	/* live events for the console (hl_node_set_event_hook) */
	void (*event_fn)(void *arg, int kind, const uint8_t *id, const char *peer);
	void *event_arg;
	unsigned npeers;
	struct peer_state peers[HL_PEERS_MAX];
};

/* ---- live events (console server-sent events): one hook, called after
 * each change below has committed ---- */
void
hl_node_set_event_hook(struct hl_node *n,
    void (*fn)(void *arg, int kind, const uint8_t *id, const char *peer), void *arg)
{
	n->event_fn = fn;
	n->event_arg = arg;
}

static void
node_event(struct hl_node *n, int kind, const uint8_t *id, const char *peer)
{
	if (n->event_fn != NULL)
		n->event_fn(n->event_arg, kind, id, peer);
}

uint64_t
hl_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000 + (uint64_t)ts.tv_nsec / 1000000;
}

uint64_t
hl_mono_us(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000 + (uint64_t)ts.tv_nsec / 1000;
}

static void
hex_id(const uint8_t id[HL_ID_BYTES], char out[2 * HL_ID_BYTES + 1])
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < HL_ID_BYTES; i++) {
		out[2 * i] = hx[id[i] >> 4];
		out[2 * i + 1] = hx[id[i] & 15];
	}
	out[2 * HL_ID_BYTES] = '\0';
}

/* Record an event. Inside a transaction a failure poisons it: node_commit
 * then rolls back, so no state change commits without its audit entry. */
static void
audit(struct hl_node *n, const char *event, const uint8_t *id, const char *actor,
    const char *detail)
{
	int r;

	if ((r = hl_store_audit(n->store, event, id, actor, detail, hl_now_ms())) != HL_OK) {
		log_warnx("audit: cannot record %s: %s", event, hl_strerror(r));
		n->audit_failed = 1;
	}
}

/* ---- group commit ----
 * Inbound envelopes, their rejections and the receipts we get back are
 * stored in one transaction per pass of the event loop (batch_join opens it
 * and schedules batch_flush right after the current callbacks). Nothing is
 * sent for them before batch_flush has committed (rule 5: no receipt before
 * the envelope is durable); a failure anywhere rolls the whole batch back
 * and sends nothing (the origins send again, and get exactly-once answers
 * from the seen-id table). */

#define BATCH_MAX 128

enum batch_kind {
	BATCH_SEND_RECEIPT = 1,   /* send raw on ps's link (rejected, duplicate) */
	BATCH_ENVELOPE,           /* an envelope stored: delivered receipt and events */
	BATCH_RECEIPT,            /* a receipt for our envelope stored */
};

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

static void batch_flush(struct hl_node *n);
static void pump(struct hl_node *n, struct peer_state *ps);
static void inflight_del(struct peer_state *ps, const uint8_t id[HL_ID_BYTES]);

static int
node_begin(struct hl_node *n)
{
	if (n->batch_open)
		batch_flush(n);   /* keep order: the batch commits first */
	n->audit_failed = 0;
	return hl_store_begin(n->store);
}

static int
node_commit(struct hl_node *n)
{
	if (n->audit_failed) {
		n->audit_failed = 0;
		log_warnx("transaction rolled back: its audit entry could not be written");
		return HL_ERR_STORE;
	}
	return hl_store_commit(n->store);
}

static void
batch_drop(struct hl_node *n)
{
	size_t i;

	for (i = 0; i < n->nbatch; i++)
		hl_free(n->batch[i].raw);
	n->nbatch = 0;
}

/* Roll the open batch back; nothing in it is answered. */
static void
batch_abort(struct hl_node *n)
{
	if (!n->batch_open)
		return;
	n->batch_open = 0;
	hl_store_rollback(n->store);
	if (n->nbatch > 0)
		log_warnx("%zu received item(s) rolled back: no receipts sent (origins retry)",
		    n->nbatch);
	batch_drop(n);
}

static void
batch_hold_cb(void *arg)
{
	batch_flush(arg);
}

/* Make sure a batch transaction is open with room for one more item, and
 * that store writes join it until the frame handler returns. */
static int
batch_join(struct hl_node *n)
{
	int r;

	if (n->batch == NULL || n->batch_flushing)
		return HL_ERR_STORE;   /* cannot happen (no frames are read meanwhile) */
	if (n->batch_open && n->nbatch < BATCH_MAX) {
		hl_store_hold_active(n->store, 1);
		return HL_OK;
	}
	if (n->batch_open)
		batch_flush(n);
	n->audit_failed = 0;
	if ((r = hl_store_begin(n->store)) != HL_OK)
		return r;
	n->batch_open = 1;
	/* other writers (the API, the tick) commit the batch before theirs */
	hl_store_hold(n->store, batch_hold_cb, n);
	event_active(n->batch_ev, EV_TIMEOUT, 1);
	return HL_OK;
}

/* The next free item, zeroed (batch_join made room). */
static struct batch_item *
batch_item(struct hl_node *n, enum batch_kind kind, struct peer_state *ps)
{
	struct batch_item *b = &n->batch[n->nbatch++];

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->ps = ps;
	return b;
}

static void bench_tap(const struct hl_node *n, const char *idh);
static void send_receipt_ack(struct peer_state *ps, const struct hl_receipt *rc,
    const char *me);

/* After the commit: what one received envelope does. */
static void
batch_envelope_done(struct hl_node *n, struct batch_item *b)
{
	char idh[33];
	int r;

	hex_id(b->id, idh);
	bench_tap(n, idh);
	log_info("envelope %s from %s stored (%s, %zu bytes)%s", idh, b->origin,
	    hl_precedence_name(b->precedence), b->clen,
	    (b->flags & HL_ENV_FLAG_EXERCISE) ? " [EXERCISE]" : "");
	if (b->ps->link == NULL ||
	    hl_link_send(b->ps->link, HL_FRAME_RECEIPT, b->raw, b->len) != HL_OK)
		log_warnx("envelope %s: cannot send delivered receipt", idh);
	node_event(n, HL_NODE_EV_ENVELOPE, b->id, b->origin);   /* console: live inbox */
	/* the track picture (a failure is caught up by GET /api/v1/tracks) */
	if (b->content_type == HL_CT_TRACK && (r = hl_tracks_ingest(n->store, b->id)) != HL_OK)
		log_warnx("envelope %s: track picture not updated: %s", idh, hl_strerror(r));
	/* STIX objects into the local copy of their collection (taxii.c), right
	 * after the commit; idempotent, so a retry after a failure is safe */
	if (b->content_type == HL_CT_STIX && (r = hl_taxii_ingest(n->store, b->id)) != HL_OK)
		log_warnx("envelope %s: STIX objects not ingested: %s", idh, hl_strerror(r));
}

/* After the commit: what one receipt for our envelope does. */
static void
batch_receipt_done(struct hl_node *n, struct batch_item *b)
{
	const struct hl_receipt *rc = &b->rc;
	struct peer_state *from = b->from;
	char idh[33];

	hex_id(rc->id, idh);
	log_info("envelope %s: %s by %s%s%s", idh, hl_receipt_kind_name(rc->kind), rc->from,
	    rc->kind == HL_RECEIPT_REJECTED ? ": " : "",
	    rc->kind == HL_RECEIPT_REJECTED ? rc->detail : "");
	inflight_del(from, rc->id);
	node_event(n, HL_NODE_EV_DELIVERY, rc->id, rc->from);   /* console: sent tracker */
	from->inflight_progress_ms = hl_now_ms();
	if (from->test_sent_ms != 0 && from->test_done_ms == 0 &&
	    memcmp(from->test_id, rc->id, HL_ID_BYTES) == 0) {
		from->test_done_ms = hl_now_ms();
		from->test_rtt_ms = from->test_done_ms - from->test_sent_ms;
		snprintf(from->test_result, sizeof(from->test_result), "%s",
		    rc->kind == HL_RECEIPT_REJECTED ? "failed: rejected" : "ok");
	}
	if (b->ps->link != NULL)
		send_receipt_ack(b->ps, rc, n->cfg.node);
}

/* Commit the open batch, then send and announce what it holds. */
static void
batch_flush(struct hl_node *n)
{
	struct peer_state *topump[HL_PEERS_MAX];
	unsigned npump = 0, k;
	size_t i, cnt;
	int r;

	if (!n->batch_open)
		return;
	n->batch_open = 0;
	if ((r = node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		log_warnx("commit of %zu received item(s) failed: %s (no receipts sent; origins "
		    "retry)", n->nbatch, hl_strerror(r));
		batch_drop(n);
		return;
	}
	cnt = n->nbatch;
	n->nbatch = 0;
	n->batch_flushing = 1;
	for (i = 0; i < cnt; i++) {
		struct batch_item *b = &n->batch[i];

		switch (b->kind) {
		case BATCH_SEND_RECEIPT:
			if (b->ps->link == NULL ||
			    hl_link_send(b->ps->link, HL_FRAME_RECEIPT, b->raw, b->len) != HL_OK)
				log_warnx("link %s: cannot send receipt", b->ps->conf->node);
			break;
		case BATCH_ENVELOPE:
			batch_envelope_done(n, b);
			break;
		case BATCH_RECEIPT:
			batch_receipt_done(n, b);
			for (k = 0; k < npump && topump[k] != b->from; k++)
				;
			if (k == npump && npump < HL_PEERS_MAX)
				topump[npump++] = b->from;
			break;
		}
		hl_free(b->raw);
		b->raw = NULL;
	}
	n->batch_flushing = 0;
	/* one pump per peer for all the receipts (not one per receipt) */
	for (k = 0; k < npump; k++)
		pump(n, topump[k]);
}

static void
batch_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	batch_flush(arg);
}

static struct peer_state *
peer_by_name(struct hl_node *n, const char *node)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++)
		if (strcmp(n->peers[i].conf->node, node) == 0)
			return &n->peers[i];
	return NULL;
}

/* ---- in-flight set (ids sent on the current link, awaiting a receipt) ---- */

static int
inflight_has(const struct peer_state *ps, const uint8_t id[HL_ID_BYTES])
{
	size_t i;

	for (i = 0; i < ps->ninflight; i++)
		if (memcmp(ps->inflight[i], id, HL_ID_BYTES) == 0)
			return 1;
	return 0;
}

static int
inflight_add(struct peer_state *ps, const uint8_t id[HL_ID_BYTES])
{
	void *p;
	size_t ncap;

	if (ps->ninflight == ps->capinflight) {
		ncap = ps->capinflight == 0 ? 64 : ps->capinflight * 2;
		if ((p = hl_realloc(ps->inflight, ncap * HL_ID_BYTES)) == NULL)
			return HL_ERR_NOMEM;
		ps->inflight = p;
		ps->capinflight = ncap;
	}
	memcpy(ps->inflight[ps->ninflight++], id, HL_ID_BYTES);
	return HL_OK;
}

static void
inflight_del(struct peer_state *ps, const uint8_t id[HL_ID_BYTES])
{
	size_t i;

	for (i = 0; i < ps->ninflight; i++) {
		if (memcmp(ps->inflight[i], id, HL_ID_BYTES) == 0) {
			memmove(ps->inflight[i], ps->inflight[ps->ninflight - 1], HL_ID_BYTES);
			ps->ninflight--;
			return;
		}
	}
}

/* ---- descriptors ---- */

/* The Ed25519 key of a DER certificate. */
static int
cert_pub(const uint8_t *der, size_t len, uint8_t pub[HL_ED25519_PUB])
{
	const unsigned char *p = der;
	X509 *x = d2i_X509(NULL, &p, (long)len);
	size_t pl = HL_ED25519_PUB;
	int r = HL_ERR_MALFORMED;

	if (x == NULL || p != der + len)
		goto out;
	if (EVP_PKEY_get_id(X509_get0_pubkey(x)) != EVP_PKEY_ED25519)
		goto out;
	if (EVP_PKEY_get_raw_public_key(X509_get0_pubkey(x), pub, &pl) != 1 || pl != HL_ED25519_PUB)
		goto out;
	r = HL_OK;
out:
	X509_free(x);
	return r;
}

/* Adopt a descriptor that has already been verified (or that we stored after
 * verifying it). Takes ownership of raw. */
static int
peer_set_descriptor(struct peer_state *ps, uint8_t *raw, size_t len)
{
	struct hl_descriptor d;
	uint8_t pub[HL_ED25519_PUB];
	int r;

	if ((r = hl_descriptor_decode(raw, len, &d)) != HL_OK ||
	    (r = cert_pub(d.cert, d.cert_len, pub)) != HL_OK) {
		hl_free(raw);
		return r;
	}
	hl_free(ps->desc_raw);
	ps->desc_raw = raw;
	ps->desc_len = len;
	ps->desc = d;
	memcpy(ps->pub, pub, sizeof(pub));
	ps->have_pub = 1;
	return HL_OK;
}

/* A descriptor is valid for two rotation periods: long enough that peers
 * always hold a current one while we run, short enough that a node that has
 * been away long is not sealed to (its envelopes wait for a fresh one). */
static uint64_t
desc_validity_ms(const struct hl_node *n)
{
	return 2ull * 1000 * n->cfg.kem_rotate_s;
}

static int
node_refresh_descriptor(struct hl_node *n)
{
	uint8_t *d = NULL;
	size_t dl = 0;
	uint64_t now = hl_now_ms();
	int r;

	if ((r = hl_seal_descriptor(n->keys, n->cfg.node, n->cert_der, n->cert_len, now,
	    desc_validity_ms(n), &d, &dl)) != HL_OK)
		return r;
	hl_free(n->desc);
	n->desc = d;
	n->desc_len = dl;
	n->desc_at_ms = now;
	return HL_OK;
}

/* ---- sending frames ---- */

static int route_has(const struct peer_state *via, const char *node);

/* Receipts we owe to ps's node, on its link, or through a linked peer that
 * reaches it. */
static void
send_receipts(struct hl_node *n, struct peer_state *ps)
{
	uint8_t **raws = NULL;
	size_t *lens = NULL, cnt = 0, i;
	struct hl_link *l = ps->up ? ps->link : NULL;

	for (i = 0; l == NULL && i < n->npeers; i++)
		if (n->peers[i].up && &n->peers[i] != ps && route_has(&n->peers[i], ps->conf->node))
			l = n->peers[i].link;
	if (l == NULL)
		return;
	if (hl_store_receipts_pending(n->store, ps->conf->node, &raws, &lens, &cnt,
	    RECEIPTS_BATCH) != HL_OK)
		return;
	for (i = 0; i < cnt; i++) {
		if (hl_link_send(l, HL_FRAME_RECEIPT, raws[i], lens[i]) != HL_OK)
			log_warnx("link %s: cannot queue receipt", ps->conf->node);
		hl_free(raws[i]);
	}
	hl_free(raws);
	hl_free(lens);
}

/* Drop the transfers in progress on a link (it went away). */
static void
xfers_clear(struct peer_state *ps)
{
	unsigned p;

	for (p = 0; p < HL_PRECEDENCES; p++) {
		hl_free(ps->xfer[p].raw);
		memset(&ps->xfer[p], 0, sizeof(ps->xfer[p]));
	}
	for (p = 0; p < HL_REASM_MAX; p++) {
		hl_free(ps->reasm[p].buf);
		memset(&ps->reasm[p], 0, sizeof(ps->reasm[p]));
	}
}

/* The relay link of via went away: what was in flight or in transfer
 * through it to other recipients is sent again later. */
static void
via_lost(struct hl_node *n, struct peer_state *via)
{
	unsigned i, p;

	for (i = 0; i < n->npeers; i++) {
		struct peer_state *ps = &n->peers[i];

		if (ps->inflight_via == via) {
			ps->ninflight = 0;
			ps->inflight_via = NULL;
		}
		for (p = 0; p < HL_PRECEDENCES; p++) {
			if (ps->xfer[p].raw != NULL && ps->xfer[p].via == via) {
				hl_free(ps->xfer[p].raw);
				memset(&ps->xfer[p], 0, sizeof(ps->xfer[p]));
			}
		}
	}
}

static int
xfer_busy(const struct peer_state *ps, const uint8_t id[HL_ID_BYTES])
{
	unsigned p;

	for (p = 0; p < HL_PRECEDENCES; p++)
		if (ps->xfer[p].raw != NULL && memcmp(ps->xfer[p].id, id, HL_ID_BYTES) == 0)
			return 1;
	return 0;
}

/* Candidates for the transfer slots: one store query, used up in order. */
struct pump_cands {
	uint8_t (*ids)[HL_ID_BYTES];
	uint8_t *precs;
	size_t n;
	size_t used[HL_PRECEDENCES];   /* next index to look at, per precedence */
};

static int
route_has(const struct peer_state *via, const char *node)
{
	unsigned i;

	for (i = 0; i < via->nroutes; i++)
		if (strcmp(via->routes[i], node) == 0)
			return 1;
	return 0;
}

/* Rule 2: a relay must itself be a recipient of the envelope or belong to a
 * partner in its releasable-to. */
static int
relay_allowed(const struct hl_envelope *e, const struct peer_state *via)
{
	unsigned w;

	if (hl_label_releasable_to(&e->label, via->conf->partner))
		return 1;
	for (w = 0; w < e->nwraps; w++)
		if (strcmp(e->wraps[w].node, via->conf->node) == 0)
			return 1;
	return 0;
}

/* A linked peer that reaches ps and that rule 2 allows for e, or NULL. */
static struct peer_state *
pick_relay(struct hl_node *n, struct peer_state *ps, const struct hl_envelope *e)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++) {
		struct peer_state *v = &n->peers[i];

		if (v != ps && v->up && route_has(v, ps->conf->node) && relay_allowed(e, v) &&
		    (ps->inflight_via == NULL || ps->inflight_via == v))
			return v;
	}
	return NULL;
}

/* Build the frame bytes for raw: ENVELOPE || raw when direct, RELAY ||
 * str8 final || raw through a relay. Takes ownership of raw. */
static int
xfer_load(struct out_xfer *x, uint8_t *raw, size_t len, struct peer_state *via,
    const char *final)
{
	struct hl_buf b;
	size_t flen;
	uint8_t *f;
	int r;

	hl_buf_init(&b, HL_FRAME_MAX_BYTES);
	if ((r = hl_buf_reserve(&b, len + 2 + strlen(final))) == HL_OK) {
		hl_buf_u8(&b, via != NULL ? HL_FRAME_RELAY : HL_FRAME_ENVELOPE);
		if (via != NULL)
			r = hl_relay_encode(final, raw, len, &b);
		else
			hl_buf_put(&b, raw, len);
		if (r == HL_OK)
			r = hl_buf_error(&b);
	}
	hl_free(raw);
	if (r != HL_OK) {
		hl_buf_free(&b);
		return r;
	}
	f = hl_buf_steal(&b, &flen);
	hl_buf_free(&b);
	if (RAND_bytes(x->xid, sizeof(x->xid)) != 1) {
		hl_free(f);
		return HL_ERR_CRYPTO;
	}
	x->raw = f;
	x->len = flen;
	x->off = 0;
	x->via = via;
	return HL_OK;
}

/* Fill empty precedence slots from the candidates; direct when the link to
 * ps is up, else through a relay that links to it. */
static void
xfers_refill(struct hl_node *n, struct peer_state *ps, struct pump_cands *c)
{
	struct peer_state *via = NULL;
	struct hl_envelope e;
	uint8_t *raw;
	size_t len;
	unsigned p;
	size_t i;
	int r;

	for (p = 0; p < HL_PRECEDENCES; p++) {
		struct out_xfer *x = &ps->xfer[p];

		for (i = c->used[p]; x->raw == NULL && i < c->n; i++) {
			if (c->precs[i] != p || inflight_has(ps, c->ids[i]) || xfer_busy(ps, c->ids[i]))
				continue;
			if ((r = hl_store_get_raw(n->store, c->ids[i], ps->conf->node, &raw,
			    &len)) != HL_OK) {
				log_warnx("pump %s: cannot load envelope: %s", ps->conf->node,
				    hl_strerror(r));
				continue;
			}
			via = NULL;
			if (!ps->up) {
				if (hl_envelope_decode(raw, len, &e) != HL_OK ||
				    (via = pick_relay(n, ps, &e)) == NULL ||
				    hl_link_outq(via->link) >= PUMP_HIGH_BYTES) {
					hl_free(raw);
					continue;
				}
			}
			if (xfer_load(x, raw, len, via, ps->conf->node) != HL_OK)
				continue;
			memcpy(x->id, c->ids[i], HL_ID_BYTES);
		}
		c->used[p] = i;
	}
}

/* Send the next frame of the highest-precedence transfer. 0 when idle. */
static int
xfers_step(struct peer_state *ps)
{
	struct out_xfer *x = NULL;
	struct hl_link *l;
	struct hl_buf b;
	size_t n;
	unsigned p;
	int r;

	for (p = 0; p < HL_PRECEDENCES && x == NULL; p++)
		if (ps->xfer[p].raw != NULL)
			x = &ps->xfer[p];
	if (x == NULL)
		return 0;
	l = x->via != NULL ? x->via->link : ps->link;
	if (l == NULL || (x->via == NULL && !ps->up) || (x->via != NULL && !x->via->up)) {
		hl_free(x->raw);
		memset(x, 0, sizeof(*x));
		return 0;
	}
	if (x->via != NULL && hl_link_outq(l) >= PUMP_HIGH_BYTES)
		return 0;   /* the relay's link is full; on_writable resumes */
	if (x->len <= HL_CHUNK_BYTES) {
		r = hl_link_send(l, x->raw[0], x->raw + 1, x->len - 1);
		x->off = x->len;
	} else {
		n = x->len - x->off < HL_CHUNK_BYTES ? x->len - x->off : HL_CHUNK_BYTES;
		hl_buf_init(&b, HL_CHUNK_BYTES + 64);
		r = hl_chunk_encode(x->xid, (uint32_t)x->len, (uint32_t)x->off, x->raw + x->off, n,
		    &b);
		if (r == HL_OK)
			r = hl_link_send(l, HL_FRAME_CHUNK, b.data, b.len);
		hl_buf_free(&b);
		x->off += n;
	}
	if (r != HL_OK) {
		log_warnx("pump %s: cannot queue a frame: %s", ps->conf->node, hl_strerror(r));
		hl_free(x->raw);
		memset(x, 0, sizeof(*x));
		return 0;
	}
	if (x->off == x->len) {
		if (ps->ninflight == 0)
			ps->inflight_progress_ms = hl_now_ms();
		if (inflight_add(ps, x->id) != HL_OK)
			log_warnx("pump %s: out of memory", ps->conf->node);
		ps->inflight_via = x->via;
		hl_free(x->raw);
		memset(x, 0, sizeof(*x));
	}
	return 1;
}

/* Send queued envelopes for this peer. Every precedence has at most one
 * envelope in transfer; each frame written is the next one of the highest
 * precedence in transfer, and the link's output queue is kept below about
 * two chunks, so a FLASH waits for at most one chunk of a bulk transfer
 * (plus what the kernel socket buffers already hold). Resumes from
 * on_writable. */
static void
pump(struct hl_node *n, struct peer_state *ps)
{
	struct pump_cands c;
	unsigned i;
	int any = 0;

	if (!ps->up) {
		/* through a relay: only when one links to it now */
		for (i = 0; i < n->npeers; i++)
			if (n->peers[i].up && &n->peers[i] != ps && route_has(&n->peers[i], ps->conf->node))
				any = 1;
		if (!any)
			return;
	} else if (hl_link_outq(ps->link) >= PUMP_HIGH_BYTES) {
		return;
	}
	/* list the queue again only when the store says it may have changed
	 * (the list is the same as a fresh one otherwise) */
	if (!ps->qvalid || ps->qgen != hl_store_queue_gen(n->store)) {
		hl_free(ps->qids);
		hl_free(ps->qprecs);
		ps->qids = NULL;
		ps->qprecs = NULL;
		ps->qn = 0;
		ps->qvalid = 0;
		ps->qgen = hl_store_queue_gen(n->store);
		if (hl_store_queue_list(n->store, ps->conf->node, &ps->qids, &ps->qprecs, &ps->qn,
		    PUMP_BATCH) != HL_OK)
			return;
		ps->qvalid = 1;
	}
	memset(&c, 0, sizeof(c));
	c.ids = ps->qids;
	c.precs = ps->qprecs;
	c.n = ps->qn;
	for (;;) {
		if (ps->up && hl_link_outq(ps->link) >= PUMP_HIGH_BYTES)
			break;
		xfers_refill(n, ps, &c);
		if (!xfers_step(ps))
			break;
	}
}

static void
send_ping(struct peer_state *ps, uint64_t now_ms)
{
	struct hl_buf b;
	struct hl_ping pg;
	size_t len;
	uint8_t *p;

	hl_buf_init(&b, 16);
	RAND_bytes((unsigned char *)&ps->ping_nonce, sizeof(ps->ping_nonce));
	ps->ping_sent_us = hl_mono_us();
	ps->last_ping_ms = now_ms;
	pg.nonce = ps->ping_nonce;
	pg.time_ms = now_ms;
	if (hl_ping_encode(&pg, &b) == HL_OK) {
		p = hl_buf_steal(&b, &len);
		if (hl_link_send(ps->link, HL_FRAME_PING, p, len) != HL_OK)
			log_debug("ping %s: not sent", ps->conf->node);
		hl_free(p);
	}
	hl_buf_free(&b);
}

/* ---- receipts we issue ---- */

static int
make_receipt(struct hl_node *n, uint8_t kind, const uint8_t id[HL_ID_BYTES], const char *to,
    uint8_t reason, const char *detail, const char *op, uint8_t **raw, size_t *len)
{
	struct hl_receipt rc;

	memset(&rc, 0, sizeof(rc));
	rc.version = 1;
	rc.kind = kind;
	memcpy(rc.id, id, HL_ID_BYTES);
	snprintf(rc.from, sizeof(rc.from), "%s", n->cfg.node);
	snprintf(rc.to, sizeof(rc.to), "%s", to);
	rc.time_ms = hl_now_ms();
	rc.reason = reason;
	snprintf(rc.operator_name, sizeof(rc.operator_name), "%s", op != NULL ? op : "");
	snprintf(rc.detail, sizeof(rc.detail), "%s", detail != NULL ? detail : "");
	return hl_seal_receipt(n->keys, &rc, raw, len);
}

/* Refuse an envelope: signed rejected receipt, stored (so a replay gets the
 * same answer) and audited in one transaction, then sent back. */
static void
reject_envelope(struct hl_node *n, struct peer_state *from, const struct hl_envelope *e,
    uint8_t reason, const char *detail)
{
	struct batch_item *b;
	uint8_t *raw = NULL;
	size_t len = 0;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX];
	int r;

	hex_id(e->id, idh);
	log_warnx("envelope %s from %s rejected: %s: %s", idh, e->origin, hl_reason_name(reason),
	    detail);
	if ((r = make_receipt(n, HL_RECEIPT_REJECTED, e->id, e->origin, reason, detail, NULL,
	    &raw, &len)) != HL_OK) {
		log_warnx("envelope %s: cannot sign rejected receipt: %s", idh, hl_strerror(r));
		return;
	}
	snprintf(ad, sizeof(ad), "origin=%s via=%s reason=%s: %s", e->origin, from->conf->node,
	    hl_reason_name(reason), detail);
	/* in the loop pass's batch; the receipt goes out after its commit */
	if (batch_join(n) != HL_OK)
		goto out;
	if ((r = hl_store_put_rejected(n->store, e->id, e->origin, reason, raw, len,
	    hl_now_ms())) != HL_OK && r != HL_ERR_EXISTS) {
		log_warnx("envelope %s: cannot store rejection: %s", idh, hl_strerror(r));
		batch_abort(n);
		goto out;
	}
	audit(n, "envelope-rejected", e->id, from->conf->node, ad);
	b = batch_item(n, BATCH_SEND_RECEIPT, from);
	b->raw = raw;
	b->len = len;
	raw = NULL;
out:
	hl_free(raw);
}

/* ---- frame handlers ---- */

/* bench_tap (a benchmarking aid, docs/CONFIG.md): after an inbound envelope
 * commits, one write(2) of "<id hex> <CLOCK_REALTIME us>\n" to the file or
 * FIFO, opened once (append, non-blocking). Errors are ignored. */
static void
bench_tap(const struct hl_node *n, const char *idh)
{
	static int fd = -1;
	struct timespec ts;
	char line[64];
	int k;

	if (n->cfg.bench_tap[0] == '\0')
		return;
	if (fd < 0 && (fd = open(n->cfg.bench_tap, O_WRONLY | O_APPEND | O_CREAT | O_NONBLOCK |
	    O_CLOEXEC, 0600)) < 0)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	k = snprintf(line, sizeof(line), "%s %lld\n", idh,
	    (long long)ts.tv_sec * 1000000 + ts.tv_nsec / 1000);
	if (k > 0 && (size_t)k < sizeof(line) && write(fd, line, (size_t)k) < 0)
		return;
}

static void
on_envelope(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_envelope e;
	struct peer_state *origin;
	struct batch_item *b;
	uint8_t acc;
	struct hl_msg m;
	uint8_t *receipt = NULL, *content = NULL;
	size_t rlen = 0, clen = 0;
	int status, r, reason, named = 0;
	unsigned i;
	uint64_t now = hl_now_ms(), t_start = hl_mono_us(), t_verify = 0, t_open = 0, t_store = 0;
	uint64_t t_commit = 0;
	char idh[33], why[HL_REASON_MAX + 1], ad[HL_AUDIT_DETAIL_MAX];

	if ((r = hl_envelope_decode(p, len, &e)) != HL_OK) {
		log_warnx("link %s: malformed envelope (%s): dropped", ps->conf->node, hl_strerror(r));
		snprintf(ad, sizeof(ad), "from=%s: %s (%zu bytes)", ps->conf->node, hl_strerror(r), len);
		audit(n, "envelope-malformed", NULL, ps->conf->node, ad);
		return;
	}
	hex_id(e.id, idh);
	/* rule 5: exactly once. A replay gets the answer we gave the first time. */
	r = hl_store_inbound_seen(n->store, e.id, &status, &receipt, &rlen);
	if (r == HL_OK) {
		log_info("envelope %s from %s: duplicate, receipt sent again", idh, e.origin);
		if (receipt != NULL && n->batch_open && n->nbatch < BATCH_MAX) {
			/* the first copy may be in the open batch: answer after its
			 * commit (it is rolled back with it otherwise) */
			b = batch_item(n, BATCH_SEND_RECEIPT, ps);
			b->raw = receipt;
			b->len = rlen;
			return;
		}
		if (n->batch_open)
			batch_flush(n);
		if (receipt != NULL && hl_link_send(ps->link, HL_FRAME_RECEIPT, receipt, rlen) != HL_OK)
			log_warnx("envelope %s: cannot resend receipt", idh);
		hl_free(receipt);
		return;
	}
	if (r != HL_ERR_NOT_FOUND) {
		log_warnx("envelope %s: store lookup failed: %s", idh, hl_strerror(r));
		return;  /* no receipt: the origin will send it again */
	}
	/* rule 3: known origin, valid signature, not expired, for us, releasable */
	if ((origin = peer_by_name(n, e.origin)) == NULL || !origin->have_pub) {
		reject_envelope(n, ps, &e, HL_REASON_UNKNOWN_ORIGIN, "origin node is not a known peer");
		return;
	}
	if (origin != ps && !relay_allowed(&e, ps)) {
		/* rule 2, checked again here: the relay must be allowed to carry it */
		reject_envelope(n, ps, &e, HL_REASON_POLICY,
		    "relayed through a node the label does not allow");
		return;
	}
	/* relayed: the label must fit both the origin's and the relay's link */
	acc = origin->conf->accreditation < ps->conf->accreditation ?
	    origin->conf->accreditation : ps->conf->accreditation;
	t_verify = hl_mono_us();
	if (hl_verify_envelope(&e, p, origin->pub) != HL_OK) {
		reject_envelope(n, ps, &e, HL_REASON_BAD_SIGNATURE, "origin signature does not verify");
		return;
	}
	if (e.expires_ms < now) {
		reject_envelope(n, ps, &e, HL_REASON_EXPIRED, "envelope expired before it arrived");
		return;
	}
	for (i = 0; i < e.nwraps; i++)
		if (strcmp(e.wraps[i].node, n->cfg.node) == 0)
			named = 1;
	if (!named) {
		reject_envelope(n, ps, &e, HL_REASON_NOT_RECIPIENT, "this node is not a recipient");
		return;
	}
	if (hl_label_may_receive(&e.label, &n->cfg.policy, n->cfg.partner, acc, &reason) != HL_OK) {
		char lt[200];

		hl_label_format(&e.label, &n->cfg.policy, lt, sizeof(lt));
		snprintf(why, sizeof(why), "label %s not acceptable on link from %s (accredited %s)",
		    lt, origin->conf->node, hl_policy_level_name(&n->cfg.policy, acc));
		reject_envelope(n, ps, &e, (uint8_t)reason, why);
		return;
	}
	t_open = hl_mono_us();
	if ((r = hl_open_envelope(n->keys, &e, p, n->cfg.node, &content, &clen)) != HL_OK) {
		reject_envelope(n, ps, &e, HL_REASON_DECRYPT, "content key unwrap or decryption failed");
		return;
	}
	/* durable first, then the delivered receipt (rule 5) */
	if ((r = make_receipt(n, HL_RECEIPT_DELIVERED, e.id, e.origin, 0, NULL, NULL, &receipt,
	    &rlen)) != HL_OK)
		goto out;
	memset(&m, 0, sizeof(m));
	memcpy(m.id, e.id, HL_ID_BYTES);
	m.inbound = 1;
	snprintf(m.origin, sizeof(m.origin), "%s", e.origin);
	snprintf(m.originator, sizeof(m.originator), "%s", e.originator);
	m.precedence = e.precedence;
	m.content_type = e.content_type;
	m.flags = e.flags;
	m.suite = e.suite;
	{
		struct hl_buf lb;
		uint8_t *lp;
		size_t ll;

		hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
		if (hl_label_encode(&e.label, &lb) != HL_OK || hl_buf_error(&lb) != HL_OK) {
			hl_buf_free(&lb);
			goto out;
		}
		lp = hl_buf_steal(&lb, &ll);
		memcpy(m.label, lp, ll);
		m.label_len = ll;
		hl_free(lp);
	}
	m.created_ms = e.created_ms;
	m.expires_ms = e.expires_ms;
	m.stored_ms = now;
	m.sig_ok = 1;
	m.content = content;
	m.content_len = clen;
	m.raw = (uint8_t *)(uintptr_t)p;
	m.raw_len = len;
	snprintf(ad, sizeof(ad), "origin=%s originator=%s precedence=%s%s size=%zu", e.origin,
	    e.originator, hl_precedence_name(e.precedence),
	    (e.flags & HL_ENV_FLAG_EXERCISE) ? " EXERCISE" : "", clen);
	t_store = hl_mono_us();
	/* in the loop pass's batch: committed (one fsync for all of them) by
	 * batch_flush, which then sends the delivered receipt */
	if ((r = batch_join(n)) != HL_OK)
		goto out;
	if ((r = hl_store_put_inbound(n->store, &m, receipt, rlen)) != HL_OK) {
		log_warnx("envelope %s: cannot store: %s (no receipt; origin will retry)", idh,
		    hl_strerror(r));
		batch_abort(n);
		goto out;
	}
	audit(n, "envelope-received", e.id, e.origin, ad);
	t_commit = hl_mono_us();
	b = batch_item(n, BATCH_ENVELOPE, ps);
	b->raw = receipt;
	b->len = rlen;
	receipt = NULL;
	memcpy(b->id, e.id, HL_ID_BYTES);
	snprintf(b->origin, sizeof(b->origin), "%s", e.origin);
	b->precedence = e.precedence;
	b->content_type = e.content_type;
	b->flags = e.flags;
	b->clen = clen;
	if (len > HL_CHUNK_BYTES) {
		/* a large one: do not hold its receipt behind others. The whole
		 * time this loop spent on it, which is what frames arriving
		 * meanwhile wait for, goes to the log. */
		uint64_t t_end;

		batch_flush(n);
		t_end = hl_mono_us();
		log_info("envelope %s: %zu bytes: decode %llu us, verify %llu us, open %llu us, "
		    "store %llu us, commit %llu us, total %llu us", idh, len,
		    (unsigned long long)(t_verify - t_start), (unsigned long long)(t_open - t_verify),
		    (unsigned long long)(t_store - t_open), (unsigned long long)(t_commit - t_store),
		    (unsigned long long)(t_end - t_commit), (unsigned long long)(t_end - t_start));
	}
out:
	if (content != NULL)
		hl_free_secret(content, clen);
	hl_free(receipt);
}

static void
send_receipt_ack(struct peer_state *ps, const struct hl_receipt *rc, const char *me)
{
	struct hl_buf b;
	struct hl_receipt_ack a;
	uint8_t *p;
	size_t len;

	memset(&a, 0, sizeof(a));
	memcpy(a.id, rc->id, HL_ID_BYTES);
	a.kind = rc->kind;
	snprintf(a.from, sizeof(a.from), "%s", me);
	snprintf(a.issuer, sizeof(a.issuer), "%s", rc->from); /* so a relay can pass it on */
	hl_buf_init(&b, 256);
	if (hl_receipt_ack_encode(&a, &b) == HL_OK) {
		p = hl_buf_steal(&b, &len);
		if (hl_link_send(ps->link, HL_FRAME_RECEIPT_ACK, p, len) != HL_OK)
			log_debug("receipt ack to %s not sent", ps->conf->node);
		hl_free(p);
	}
	hl_buf_free(&b);
}

/* A receipt that passes through us (we relayed the envelope): end our
 * transit delivery and pass it on to the origin if its link is up; if not,
 * the origin sends the envelope again, we forward it once more (on_relay,
 * hl_store_transit_requeue) and the final recipient answers from its
 * seen-id table. */
static void
relay_receipt(struct hl_node *n, struct peer_state *ps, const struct hl_receipt *rc,
    const uint8_t *p, size_t len)
{
	struct peer_state *to = peer_by_name(n, rc->to), *from = peer_by_name(n, rc->from);
	int state;

	if (to == NULL || from == NULL || from != ps || !from->have_pub ||
	    hl_verify_receipt(rc, p, from->pub) != HL_OK) {
		log_warnx("link %s: receipt for another node does not verify: ignored", ps->conf->node);
		return;
	}
	state = rc->kind == HL_RECEIPT_REJECTED ? HL_DLV_REJECTED : HL_DLV_DELIVERED;
	if (rc->kind != HL_RECEIPT_ACKNOWLEDGED &&
	    hl_store_transit_done(n->store, rc->id, rc->from, state) == HL_OK)
		inflight_del(from, rc->id);
	if (to->up && hl_link_send(to->link, HL_FRAME_RECEIPT, p, len) != HL_OK)
		log_debug("relayed receipt to %s not sent", to->conf->node);
}

static void
on_receipt(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_receipt rc;
	struct peer_state *from;
	struct batch_item *b;
	int state, r;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX], ev[40];

	if ((r = hl_receipt_decode(p, len, &rc)) != HL_OK) {
		log_warnx("link %s: malformed receipt: %s", ps->conf->node, hl_strerror(r));
		audit(n, "receipt-malformed", NULL, ps->conf->node, hl_strerror(r));
		return;
	}
	hex_id(rc.id, idh);
	if (strcmp(rc.to, n->cfg.node) != 0) {
		relay_receipt(n, ps, &rc, p, len);
		return;
	}
	if ((from = peer_by_name(n, rc.from)) == NULL ||
	    !from->have_pub || hl_verify_receipt(&rc, p, from->pub) != HL_OK) {
		log_warnx("link %s: receipt for %s does not verify: ignored", ps->conf->node, idh);
		snprintf(ad, sizeof(ad), "from=%s to=%s kind=%s", rc.from, rc.to,
		    hl_receipt_kind_name(rc.kind));
		audit(n, "receipt-invalid", rc.id, ps->conf->node, ad);
		return;
	}
	switch (rc.kind) {
	case HL_RECEIPT_DELIVERED: state = HL_DLV_DELIVERED; break;
	case HL_RECEIPT_ACKNOWLEDGED: state = HL_DLV_ACKNOWLEDGED; break;
	default: state = HL_DLV_REJECTED; break;
	}
	snprintf(ev, sizeof(ev), "receipt-%s", hl_receipt_kind_name(rc.kind));
	snprintf(ad, sizeof(ad), "from=%s%s%s%s%s", rc.from,
	    rc.kind == HL_RECEIPT_REJECTED ? " reason=" : "",
	    rc.kind == HL_RECEIPT_REJECTED ? hl_reason_name(rc.reason) : "",
	    rc.operator_name[0] != '\0' ? " operator=" : "", rc.operator_name);
	/* in the loop pass's batch; acknowledged to the issuer (and the
	 * queue pumped) after its commit, by batch_flush */
	if ((r = batch_join(n)) != HL_OK)
		return;
	r = hl_store_delivery_update(n->store, rc.id, rc.from, state, rc.reason, rc.detail,
	    rc.operator_name, rc.time_ms);
	if (r != HL_OK && r != HL_ERR_NOT_FOUND) {
		log_warnx("receipt %s: cannot store: %s", idh, hl_strerror(r));
		batch_abort(n);
		return;
	}
	if (r == HL_ERR_NOT_FOUND)
		log_warnx("receipt %s from %s: no such delivery", idh, rc.from);
	audit(n, ev, rc.id, rc.from, ad);
	b = batch_item(n, BATCH_RECEIPT, ps);
	b->rc = rc;
	b->from = from;
}

static void
on_receipt_ack(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_receipt_ack a;
	struct peer_state *issuer;

	if (hl_receipt_ack_decode(p, len, &a) != HL_OK) {
		hl_link_close(ps->link, "malformed receipt acknowledgement");
		return;
	}
	if (strcmp(a.issuer, n->cfg.node) != 0) {
		/* relayed receipt: pass the acknowledgement back to its issuer */
		if ((issuer = peer_by_name(n, a.issuer)) != NULL && issuer->up && issuer != ps &&
		    hl_link_send(issuer->link, HL_FRAME_RECEIPT_ACK, p, len) != HL_OK)
			log_debug("receipt ack for %s not forwarded", a.issuer);
		return;
	}
	/* in the loop pass's batch when one can be opened (losing it in a
	 * crash only means the receipt is sent once more) */
	(void)batch_join(n);
	if (hl_store_receipt_done(n->store, a.id, a.kind) != HL_OK)
		log_debug("receipt ack from %s: nothing pending", a.from);
}

/* The KEM key of a peer's current descriptor for our suite, if the
 * descriptor is still valid. Never seal to an expired descriptor. */
static int
peer_kem_key(const struct hl_node *n, const struct peer_state *ps, uint64_t now,
    struct hl_seal_recipient *out)
{
	unsigned k;

	if (ps->desc_raw == NULL || ps->desc.not_after_ms < now || ps->desc.not_before_ms > now)
		return HL_ERR_AGAIN;
	for (k = 0; k < ps->desc.nkeys; k++) {
		if (ps->desc.keys[k].suite != n->cfg.suite)
			continue;
		out->node = ps->conf->node;
		out->epoch = ps->desc.epoch;
		out->pub = ps->desc.keys[k].pub;
		out->publen = ps->desc.keys[k].len;
		return HL_OK;
	}
	return HL_ERR_AGAIN;
}

/* Our own current key, used as a placeholder wrap when no recipient has a
 * valid descriptor yet: the envelope is stored, sealed, and waits. */
static int
self_kem_key(struct hl_node *n, struct hl_seal_recipient *out)
{
	out->node = n->cfg.node;
	return hl_keys_kem_current(n->keys, n->cfg.suite, &out->epoch, &out->pub, &out->publen);
}

/* Seal m (content, label, times) under its id to every pending recipient
 * with a valid key; the others wait (awaiting-key). Stores the new raw and
 * delivery states and audits, in the caller's transaction. */
static int
reseal(struct hl_node *n, const struct hl_msg *m, const struct hl_label *label,
    struct hl_delivery *dl, size_t ndl, unsigned *nsealed)
{
	struct hl_seal_recipient sr[HL_RECIPIENTS_MAX];
	int waiting[HL_RECIPIENTS_MAX];
	struct hl_seal_params sp;
	struct peer_state *ps;
	uint8_t id[HL_ID_BYTES], *raw = NULL;
	size_t rawlen = 0, i;
	unsigned nr = 0;
	uint64_t now = hl_now_ms();
	char ad[HL_AUDIT_DETAIL_MAX];
	int r;

	*nsealed = 0;
	for (i = 0; i < ndl && i < HL_RECIPIENTS_MAX; i++) {
		waiting[i] = 0;
		if (dl[i].state != HL_DLV_QUEUED && dl[i].state != HL_DLV_AWAITING_KEY)
			continue;
		if ((ps = peer_by_name(n, dl[i].node)) == NULL ||
		    peer_kem_key(n, ps, now, &sr[nr]) != HL_OK) {
			waiting[i] = 1;
			continue;
		}
		nr++;
	}
	if (nr == 0 && self_kem_key(n, &sr[nr]) == HL_OK)
		nr = 1;   /* placeholder: nobody can be reached yet */
	memset(&sp, 0, sizeof(sp));
	sp.suite = n->cfg.suite;
	sp.flags = m->flags;
	sp.precedence = m->precedence;
	sp.content_type = m->content_type;
	sp.created_ms = m->created_ms;
	sp.expires_ms = m->expires_ms;
	sp.origin = n->cfg.node;
	sp.originator = m->originator;
	sp.label = label;
	sp.nrecipients = nr;
	sp.recipients = sr;
	sp.id = m->id;
	if ((r = hl_seal_envelope(n->keys, &sp, m->content, m->content_len, id, &raw,
	    &rawlen)) != HL_OK)
		goto out;
	if ((r = hl_store_replace_raw(n->store, m->id, raw, rawlen)) != HL_OK)
		goto out;
	for (i = 0; i < ndl && i < HL_RECIPIENTS_MAX; i++) {
		if (dl[i].state != HL_DLV_QUEUED && dl[i].state != HL_DLV_AWAITING_KEY)
			continue;
		if (waiting[i] != (dl[i].state == HL_DLV_AWAITING_KEY) &&
		    (r = hl_store_delivery_wait(n->store, m->id, dl[i].node, waiting[i])) != HL_OK)
			goto out;
		if (!waiting[i])
			(*nsealed)++;
	}
	snprintf(ad, sizeof(ad), "sealed to %u pending recipient(s) with current keys, "
	    "%zu waiting", *nsealed, ndl - *nsealed);
	audit(n, "envelope-resealed", m->id, n->cfg.node, ad);
	r = HL_OK;
out:
	hl_free(raw);
	return r;
}

/* Re-seal every envelope pending for ps whose wrap for it is older than its
 * current descriptor (or missing: awaiting-key). */
static void
reseal_for_peer(struct hl_node *n, struct peer_state *ps)
{
	uint8_t (*ids)[HL_ID_BYTES] = NULL;
	struct hl_delivery *dl = NULL;
	struct hl_envelope e;
	struct hl_label label;
	struct hl_msg m;
	size_t cnt = 0, ndl = 0, i;
	unsigned w, sealed, done = 0;
	int need, r;

	if (ps->desc_raw == NULL ||
	    hl_store_pending_for(n->store, ps->conf->node, 0, &ids, &cnt, 100000) != HL_OK)
		return;
	for (i = 0; i < cnt; i++) {
		memset(&m, 0, sizeof(m));
		if (hl_store_get(n->store, ids[i], 1, &m) != HL_OK)
			continue;
		need = 1;
		if (hl_envelope_decode(m.raw, m.raw_len, &e) == HL_OK) {
			for (w = 0; w < e.nwraps; w++)
				if (strcmp(e.wraps[w].node, ps->conf->node) == 0 &&
				    e.wraps[w].kem_epoch >= ps->desc.epoch && e.suite == n->cfg.suite)
					need = 0;
		}
		if (need && hl_label_decode(m.label, m.label_len, &label) == HL_OK &&
		    hl_store_deliveries(n->store, ids[i], &dl, &ndl) == HL_OK) {
			if ((r = node_begin(n)) == HL_OK &&
			    (r = reseal(n, &m, &label, dl, ndl, &sealed)) == HL_OK &&
			    (r = node_commit(n)) == HL_OK) {
				done++;
				inflight_del(ps, ids[i]);
			} else {
				hl_store_rollback(n->store);
				log_warnx("re-seal for %s failed: %s", ps->conf->node, hl_strerror(r));
			}
			HL_FREE(dl);
		}
		hl_msg_clear(&m);
	}
	hl_free(ids);
	if (done > 0)
		log_info("re-sealed %u envelope(s) to %s's KEM keys of epoch %u", done,
		    ps->conf->node, (unsigned)ps->desc.epoch);
}

static int verify_third_party_cert(const struct peer_state *ps, const uint8_t *der,
    size_t len);

/* Verify a descriptor the peer sent on its link (HELLO or DESCRIPTOR) and
 * adopt it: stored, queue re-sealed, DESCRIPTOR_ACK sent. Its certificate
 * certifies the peer's signing key, not its TLS key (issue 7): it must chain
 * to the CA pinned for the link's peer and name that node. */
static int
adopt_descriptor(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_descriptor d;
	struct hl_buf b;
	size_t al;
	uint8_t pub[HL_ED25519_PUB], *copy, *ap;
	int r;

	if ((r = hl_descriptor_decode(p, len, &d)) != HL_OK ||
	    strcmp(d.node, ps->conf->node) != 0 ||
	    verify_third_party_cert(ps, d.cert, d.cert_len) != HL_OK ||
	    (r = hl_verify_descriptor(&d, p, hl_now_ms(), pub)) != HL_OK)
		return HL_ERR_AUTH;
	if (ps->desc_raw != NULL && d.epoch < ps->desc.epoch)
		return HL_ERR_INVALID;   /* KEM epochs never go backwards */
	if (ps->desc_raw == NULL || ps->desc_len != len || memcmp(ps->desc_raw, p, len) != 0) {
		if ((copy = hl_malloc(len)) == NULL)
			return HL_ERR_NOMEM;
		memcpy(copy, p, len);
		if ((r = hl_store_peer_put(n->store, ps->conf->node, p, len, hl_now_ms())) != HL_OK)
			log_warnx("link %s: cannot store descriptor: %s", ps->conf->node, hl_strerror(r));
		if ((r = peer_set_descriptor(ps, copy, len)) != HL_OK)
			return r;
	}
	reseal_for_peer(n, ps);
	hl_buf_init(&b, 8);
	if (hl_descriptor_ack_encode(ps->desc.epoch, &b) == HL_OK) {
		ap = hl_buf_steal(&b, &al);
		if (hl_link_send(ps->link, HL_FRAME_DESCRIPTOR_ACK, ap, al) != HL_OK)
			log_debug("descriptor ack to %s not sent", ps->conf->node);
		hl_free(ap);
	}
	hl_buf_free(&b);
	return HL_OK;
}

static void
broadcast_descriptor(struct hl_node *n)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].up &&
		    hl_link_send(n->peers[i].link, HL_FRAME_DESCRIPTOR, n->desc, n->desc_len) != HL_OK)
			log_warnx("link %s: cannot send our new descriptor", n->peers[i].conf->node);
}

/* Old KEM secret keys go once every peer that is up has adopted our current
 * descriptor (frames on a link are ordered, so nothing sealed to an older
 * epoch can still arrive on it; a peer that is down re-seals to the current
 * descriptor it receives in HELLO before it sends), and never later than
 * kem_keep after the rotation. */
static void
erase_old_kem_keys(struct hl_node *n, uint64_t now)
{
	struct hl_kem_info info[4];
	uint32_t cur = hl_keys_epoch(n->keys);
	unsigned i, erased = 0;
	char ad[128];
	int all_acked = 1;

	if (hl_keys_list(n->keys, info, 1) == 0 || info[0].epoch >= cur)
		return;
	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].up && n->peers[i].acked_epoch < cur)
			all_acked = 0;
	if (!all_acked && now - hl_keys_epoch_created_ms(n->keys) < 1000ull * n->cfg.kem_keep_s)
		return;
	if (hl_keys_erase_before(n->keys, n->kem_dir, cur, &erased) != HL_OK)
		log_warnx("KEM keys: could not unlink every old key file");
	if (erased == 0)
		return;
	snprintf(ad, sizeof(ad), "erased %u key pair(s) of epochs before %u (%s)", erased,
	    (unsigned)cur, all_acked ? "every linked peer adopted the new keys" :
	    "kem_keep bound reached");
	log_info("KEM keys: %s", ad);
	audit(n, "kem-erased", NULL, n->cfg.node, ad);
}

int
hl_node_rotate(struct hl_node *n, char *err, size_t errlen)
{
	uint32_t epoch;
	char ad[64];
	int r;

	if ((r = hl_keys_rotate(n->keys, n->kem_dir, &epoch, err, errlen)) != HL_OK)
		return r;
	if ((r = node_refresh_descriptor(n)) != HL_OK) {
		snprintf(err, errlen, "cannot sign the new descriptor: %s", hl_strerror(r));
		return r;
	}
	snprintf(ad, sizeof(ad), "new epoch %u", (unsigned)epoch);
	log_info("KEM keys rotated: %s", ad);
	audit(n, "kem-rotated", NULL, n->cfg.node, ad);
	broadcast_descriptor(n);
	return HL_OK;
}

int
hl_node_keys(struct hl_node *n, struct hl_kem_info *out, size_t max, size_t *count,
    uint64_t *next_rotation_ms)
{
	*count = hl_keys_list(n->keys, out, max);
	*next_rotation_ms = hl_keys_epoch_created_ms(n->keys) + 1000ull * n->cfg.kem_rotate_s;
	return HL_OK;
}

static void broadcast_routes(struct hl_node *n);
static void send_last_checkpoint(struct hl_node *n, struct peer_state *ps);
static void gossip_descriptors(struct hl_node *n, struct peer_state *to,
    struct peer_state *about);

static void
on_hello(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	int r;

	if ((r = adopt_descriptor(n, ps, p, len)) != HL_OK) {
		log_warnx("link %s: bad HELLO descriptor: %s", ps->conf->node, hl_strerror(r));
		audit(n, "link-refused", NULL, ps->conf->node,
		    "descriptor certificate not from the pinned CA for this node, or bad signature");
		hl_link_close(ps->link, "bad descriptor");
		return;
	}
	ps->up = 1;
	ps->up_since_ms = ps->last_heard_ms = hl_now_ms();
	ps->backoff_ms = 0;
	ps->last_error[0] = '\0';
	hl_link_set_frame_max(ps->link, HL_FRAME_LINK_MAX_BYTES);
	log_info("link %s up (%s)", ps->conf->node, hl_link_addr(ps->link));
	audit(n, "link-up", NULL, ps->conf->node, hl_link_addr(ps->link));
	node_event(n, HL_NODE_EV_LINK, NULL, ps->conf->node);   /* console: link board */
	send_ping(ps, hl_now_ms());
	broadcast_routes(n);
	gossip_descriptors(n, ps, NULL);
	gossip_descriptors(n, NULL, ps);
	send_receipts(n, ps);
	pump(n, ps);
	send_last_checkpoint(n, ps);
}

/* ---- routes and descriptors of nodes we reach through others ---- */

static void
send_routes(struct hl_node *n, struct peer_state *to)
{
	struct hl_buf b;
	struct hl_routes rt;
	unsigned i;

	hl_buf_init(&b, 2 + HL_ROUTES_MAX * (HL_NODE_NAME_MAX + 1));
	rt.n = 0;
	for (i = 0; i < n->npeers && rt.n < HL_ROUTES_MAX; i++)
		if (n->peers[i].up && &n->peers[i] != to)
			snprintf(rt.node[rt.n++], sizeof(rt.node[0]), "%s", n->peers[i].conf->node);
	if (hl_routes_encode(&rt, &b) == HL_OK &&
	    hl_link_send(to->link, HL_FRAME_ROUTES, b.data, b.len) != HL_OK)
		log_debug("routes to %s not sent", to->conf->node);
	hl_buf_free(&b);
}

/* Our set of links changed: tell every linked peer. */
static void
broadcast_routes(struct hl_node *n)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].up)
			send_routes(n, &n->peers[i]);
}

static void
on_routes(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_routes rt;
	unsigned i, k = 0;

	if (hl_routes_decode(p, len, &rt) != HL_OK) {
		hl_link_close(ps->link, "malformed routes");
		return;
	}
	/* only nodes we know can be reached through it */
	for (i = 0; i < rt.n; i++)
		if (peer_by_name(n, rt.node[i]) != NULL && strcmp(rt.node[i], n->cfg.node) != 0)
			memcpy(ps->routes[k++], rt.node[i], strlen(rt.node[i]) + 1);
	ps->nroutes = k;
	for (i = 0; i < n->npeers; i++)
		if (!n->peers[i].up && route_has(ps, n->peers[i].conf->node)) {
			pump(n, &n->peers[i]);
			send_receipts(n, &n->peers[i]);
		}
}

/* The certificate in a descriptor (sent by the peer itself or relayed to us)
 * must chain to the CA configured (and pinned) for that node's partner and
 * name that node. The CA was read at start (the network process may not be
 * able to read the configuration directory once it has dropped privileges). */
static int
verify_third_party_cert(const struct peer_state *ps, const uint8_t *der, size_t len)
{
	const unsigned char *q = der;
	X509 *x = NULL;
	X509_STORE *st = NULL;
	X509_STORE_CTX *ctx = NULL;
	char name[HL_NODE_NAME_MAX + 1];
	int r = HL_ERR_AUTH;

	if (ps->ca == NULL || (x = d2i_X509(NULL, &q, (long)len)) == NULL || q != der + len)
		goto out;
	if ((st = X509_STORE_new()) == NULL || X509_STORE_add_cert(st, ps->ca) != 1 ||
	    (ctx = X509_STORE_CTX_new()) == NULL || X509_STORE_CTX_init(ctx, st, x, NULL) != 1)
		goto out;
	if (X509_verify_cert(ctx) != 1)
		goto out;
	if (hl_pki_cert_node_name(x, name) != HL_OK || strcmp(name, ps->conf->node) != 0)
		goto out;
	r = HL_OK;
out:
	X509_STORE_CTX_free(ctx);
	X509_STORE_free(st);
	X509_free(x);
	ERR_clear_error();
	return r;
}

/* Read the peer partner's CA (hl_config_load checked it against its pin). */
static int
read_peer_ca(struct peer_state *ps, char *err, size_t errlen)
{
	FILE *f;

	if ((f = fopen(ps->conf->ca_path, "r")) != NULL) {
		ps->ca = PEM_read_X509(f, NULL, NULL, NULL);
		fclose(f);
	}
	ERR_clear_error();
	if (ps->ca == NULL) {
		snprintf(err, errlen, "%s: cannot read the CA certificate of peer %s",
		    ps->conf->ca_path, ps->conf->node);
		return HL_ERR_CONFIG;
	}
	return HL_OK;
}

/* A descriptor of a node we have no link up to, passed on by a peer. */
static void
on_third_party_descriptor(struct hl_node *n, struct peer_state *via, const uint8_t *p,
    size_t len, const struct hl_descriptor *d)
{
	struct peer_state *ps = peer_by_name(n, d->node);
	uint8_t pub[HL_ED25519_PUB], *copy;

	(void)via;
	if (ps == NULL || ps->up || strcmp(d->node, n->cfg.node) == 0)
		return;   /* unknown node, or we hear from it directly */
	if (ps->desc_raw != NULL && (d->epoch < ps->desc.epoch ||
	    (ps->desc_len == len && memcmp(ps->desc_raw, p, len) == 0)))
		return;
	if (verify_third_party_cert(ps, d->cert, d->cert_len) != HL_OK ||
	    hl_verify_descriptor(d, p, hl_now_ms(), pub) != HL_OK) {
		log_warnx("descriptor of %s relayed by %s does not verify: ignored", d->node,
		    via->conf->node);
		return;
	}
	if ((copy = hl_malloc(len)) == NULL)
		return;
	memcpy(copy, p, len);
	if (hl_store_peer_put(n->store, ps->conf->node, p, len, hl_now_ms()) != HL_OK)
		log_warnx("cannot store the descriptor of %s", ps->conf->node);
	if (peer_set_descriptor(ps, copy, len) != HL_OK)
		return;
	log_info("descriptor of %s (epoch %u) learned through %s", ps->conf->node,
	    (unsigned)ps->desc.epoch, via->conf->node);
	reseal_for_peer(n, ps);
	pump(n, ps);
}

/* Pass the descriptors we hold of other nodes to a peer (on link-up), or
 * one node's new descriptor to every other linked peer. */
static void
gossip_descriptors(struct hl_node *n, struct peer_state *to, struct peer_state *about)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++) {
		struct peer_state *a = &n->peers[i], *t = to;
		unsigned j;

		if (about != NULL && a != about)
			continue;
		if (a->desc_raw == NULL)
			continue;
		for (j = 0; j < n->npeers; j++) {
			if (to == NULL)
				t = &n->peers[j];
			else if (j > 0)
				break;
			if (t == a || !t->up)
				continue;
			if (hl_link_send(t->link, HL_FRAME_DESCRIPTOR, a->desc_raw, a->desc_len) != HL_OK)
				log_debug("descriptor of %s not passed to %s", a->conf->node, t->conf->node);
		}
	}
}

/* RELAY: one hop of store-and-forward. The envelope must come from the
 * node that sent the frame (never relayed twice: no loops), rule 2 must
 * allow us, and the final recipient must be a node we know and named in
 * the envelope. Stored durably, then forwarded when its link is up. */
static void
on_relay(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_relay rl;
	struct hl_envelope e;
	struct peer_state *fin;
	struct hl_buf lb;
	struct hl_msg m;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX];
	const char *final;
	const uint8_t *env;
	uint8_t *lp;
	size_t elen, ll;
	unsigned w;
	int named = 0, added = 0, r;

	if (hl_relay_decode(p, len, &rl) != HL_OK) {
		hl_link_close(ps->link, "malformed relay frame");
		return;
	}
	final = rl.final;
	env = rl.env;
	elen = rl.env_len;
	if (hl_envelope_decode(env, elen, &e) != HL_OK) {
		audit(n, "relay-refused", NULL, ps->conf->node, "malformed envelope");
		return;
	}
	hex_id(e.id, idh);
	for (w = 0; w < e.nwraps; w++)
		if (strcmp(e.wraps[w].node, final) == 0)
			named = 1;
	fin = peer_by_name(n, final);
	if (strcmp(e.origin, ps->conf->node) != 0 || fin == NULL || fin == ps || !named ||
	    hl_verify_envelope(&e, env, ps->pub) != HL_OK) {
		snprintf(ad, sizeof(ad), "to %s: not from its origin, unknown or unnamed final "
		    "recipient, or bad signature", final);
		log_warnx("relay of %s from %s refused: %s", idh, ps->conf->node, ad);
		audit(n, "relay-refused", e.id, ps->conf->node, ad);
		return;
	}
	if (!hl_label_releasable_to(&e.label, n->cfg.partner)) {
		for (w = 0; w < e.nwraps && strcmp(e.wraps[w].node, n->cfg.node) != 0; w++)
			;
		if (w == e.nwraps) {
			snprintf(ad, sizeof(ad), "to %s: our partner %s is not releasable for it (rule 2)",
			    final, n->cfg.partner);
			log_warnx("relay of %s refused: %s", idh, ad);
			audit(n, "relay-refused", e.id, ps->conf->node, ad);
			return;
		}
	}
	memset(&m, 0, sizeof(m));
	memcpy(m.id, e.id, HL_ID_BYTES);
	snprintf(m.origin, sizeof(m.origin), "%s", e.origin);
	snprintf(m.originator, sizeof(m.originator), "%s", e.originator);
	m.precedence = e.precedence;
	m.content_type = e.content_type;
	m.flags = e.flags;
	m.suite = e.suite;
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if (hl_label_encode(&e.label, &lb) != HL_OK || hl_buf_error(&lb) != HL_OK) {
		hl_buf_free(&lb);
		return;
	}
	lp = hl_buf_steal(&lb, &ll);
	memcpy(m.label, lp, ll);
	m.label_len = ll;
	hl_free(lp);
	m.created_ms = e.created_ms;
	m.expires_ms = e.expires_ms;
	m.raw = (uint8_t *)(uintptr_t)env;
	m.raw_len = elen;
	if ((r = node_begin(n)) != HL_OK)
		return;
	if ((r = hl_store_put_transit(n->store, &m, final, hl_now_ms(), &added)) != HL_OK) {
		hl_store_rollback(n->store);
		log_warnx("relay of %s: cannot store: %s", idh, hl_strerror(r));
		return;
	}
	if (added) {
		snprintf(ad, sizeof(ad), "origin=%s to=%s precedence=%s size=%zu", e.origin, final,
		    hl_precedence_name(e.precedence), elen);
		audit(n, "relay-accepted", e.id, ps->conf->node, ad);
	} else if (hl_store_transit_requeue(n->store, e.id, final) == HL_OK) {
		/* the origin still has no receipt: the one we passed on was lost
		 * (its link was down then); forward once more for a fresh one */
		log_info("envelope %s from %s sent again: relaying it to %s once more", idh,
		    e.origin, final);
	}
	if (node_commit(n) != HL_OK) {
		hl_store_rollback(n->store);
		return;
	}
	if (added)
		log_info("envelope %s from %s accepted for relay to %s", idh, e.origin, final);
	pump(n, fin);
}

static void
on_descriptor(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_descriptor d;
	char ad[64];
	int r;

	if (hl_descriptor_decode(p, len, &d) == HL_OK && strcmp(d.node, ps->conf->node) != 0) {
		on_third_party_descriptor(n, ps, p, len, &d);
		return;
	}
	if ((r = adopt_descriptor(n, ps, p, len)) != HL_OK) {
		log_warnx("link %s: bad descriptor update: %s", ps->conf->node, hl_strerror(r));
		hl_link_close(ps->link, "bad descriptor update");
		return;
	}
	snprintf(ad, sizeof(ad), "epoch %u", (unsigned)ps->desc.epoch);
	audit(n, "peer-keys-updated", NULL, ps->conf->node, ad);
	gossip_descriptors(n, NULL, ps);
	pump(n, ps);
}

static void
on_descriptor_ack(struct peer_state *ps, const uint8_t *p, size_t len)
{
	uint32_t epoch;

	if (hl_descriptor_ack_decode(p, len, &epoch) != HL_OK) {
		hl_link_close(ps->link, "malformed descriptor acknowledgement");
		return;
	}
	if (epoch > ps->acked_epoch)
		ps->acked_epoch = epoch;
}

static void
on_ping(struct peer_state *ps, uint8_t type, const uint8_t *p, size_t len)
{
	struct hl_ping pg;

	if (hl_ping_decode(p, len, &pg) != HL_OK) {
		hl_link_close(ps->link, "malformed heartbeat");
		return;
	}
	ps->last_heard_ms = hl_now_ms();
	if (type == HL_FRAME_PING) {
		if (hl_link_send(ps->link, HL_FRAME_PONG, p, len) != HL_OK)
			log_debug("pong to %s not sent", ps->conf->node);
	} else if (pg.nonce == ps->ping_nonce && ps->ping_sent_us != 0) {
		ps->rtt_us = hl_mono_us() - ps->ping_sent_us;
		ps->ping_sent_us = 0;
	}
}

static struct in_reasm *
reasm_slot(struct peer_state *ps, const uint8_t id[HL_ID_BYTES], int create)
{
	unsigned i;

	for (i = 0; i < HL_REASM_MAX; i++)
		if (ps->reasm[i].total != 0 && memcmp(ps->reasm[i].id, id, HL_ID_BYTES) == 0)
			return &ps->reasm[i];
	if (!create)
		return NULL;
	for (i = 0; i < HL_REASM_MAX; i++)
		if (ps->reasm[i].total == 0)
			return &ps->reasm[i];
	return NULL;
}

/* One chunk of a large envelope; the whole envelope is processed like an
 * ENVELOPE frame once its last chunk arrived. Memory grows with what
 * arrived, never with the claimed total. */
static void
on_chunk(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_chunk c;
	struct in_reasm *ra;
	uint8_t *nb;
	size_t ncap;

	if (hl_chunk_decode(p, len, &c) != HL_OK) {
		hl_link_close(ps->link, "malformed chunk");
		return;
	}
	if ((ra = reasm_slot(ps, c.id, c.offset == 0)) == NULL) {
		hl_link_close(ps->link, c.offset == 0 ? "too many chunked transfers at once" :
		    "chunk of an unknown transfer");
		return;
	}
	if (ra->total == 0) {
		memcpy(ra->id, c.id, HL_ID_BYTES);
		ra->total = c.total;
	}
	if (ra->total != c.total || c.offset != ra->got) {
		hl_link_close(ps->link, "chunk out of order");
		return;
	}
	if (ra->got + c.len > ra->cap) {
		ncap = ra->cap == 0 ? 4 * HL_CHUNK_BYTES : ra->cap * 2;
		if (ncap > ra->total)
			ncap = ra->total;
		if ((nb = hl_realloc(ra->buf, ncap)) == NULL) {
			hl_link_close(ps->link, "out of memory reassembling an envelope");
			return;
		}
		ra->buf = nb;
		ra->cap = ncap;
	}
	memcpy(ra->buf + ra->got, c.data, c.len);
	ra->got += c.len;
	ps->last_heard_ms = hl_now_ms();
	if (ra->got < ra->total)
		return;
	nb = ra->buf;
	ncap = ra->got;
	memset(ra, 0, sizeof(*ra));
	/* the reassembled bytes are one frame: ENVELOPE or RELAY */
	if (nb[0] == HL_FRAME_ENVELOPE)
		on_envelope(n, ps, nb + 1, ncap - 1);
	else if (nb[0] == HL_FRAME_RELAY)
		on_relay(n, ps, nb + 1, ncap - 1);
	else
		hl_link_close(ps->link, "chunked frame of a type that is never chunked");
	hl_free(nb);
}

/* ---- link callbacks ---- */

/* ---- witnessing: our signed audit checkpoints go to every partner, and we
 * keep theirs, each new one only once it is proved to extend the last we
 * kept (docs/internals/audit.md, "Witnessing") ---- */

static void
hex_bytes(const uint8_t *p, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[p[i] >> 4];
		out[2 * i + 1] = hx[p[i] & 15];
	}
	out[2 * len] = '\0';
}

/* The latest checkpoint of ps we kept, into ps->wit_*. */
static void
witness_load(struct hl_node *n, struct peer_state *ps)
{
	struct hl_checkpoint cp;
	uint8_t *raw = NULL;
	size_t len = 0;

	if (hl_store_witness_last(n->store, ps->conf->node, &raw, &len) == HL_OK &&
	    hl_checkpoint_decode(raw, len, &cp) == HL_OK) {
		ps->wit_have = 1;
		ps->wit_size = cp.size;
		ps->wit_time_ms = cp.time_ms;
		memcpy(ps->wit_root, cp.root, sizeof(ps->wit_root));
	}
	hl_free(raw);
}

/* ---- CHECKPOINT_ACK: tell the origin what we made of its checkpoint, signed
 * by our node key so it is evidence; and keep what partners tell us about
 * ours ---- */

static void
send_checkpoint_ack(struct hl_node *n, struct peer_state *ps, const struct hl_checkpoint *cp,
    uint8_t result)
{
	struct hl_checkpoint_ack a;
	struct hl_buf b;
	uint8_t dg[64];
	size_t sl;

	if (!ps->up)
		return;
	memset(&a, 0, sizeof(a));
	a.version = HL_CHECKPOINT_ACK_VERSION;
	snprintf(a.witness, sizeof(a.witness), "%s", n->cfg.node);
	snprintf(a.origin, sizeof(a.origin), "%s", ps->conf->node);
	a.size = cp->size;
	memcpy(a.root, cp->root, HL_SHA256);
	a.result = result;
	a.time_ms = hl_now_ms();
	hl_buf_init(&b, HL_CHECKPOINT_ACK_MAX_BYTES);
	/* encode with a blank signature, sign the bytes before it, fill it in */
	if (hl_checkpoint_ack_encode(&a, &b) != HL_OK || b.len < HL_ED25519_SIG)
		goto out;
	sl = b.len - HL_ED25519_SIG;
	if (hl_checkpoint_ack_digest(b.data, sl, dg) != HL_OK ||
	    hl_keys_sign(n->keys, HL_SIGN_CHECKPOINT_ACK, dg, b.data + sl) != HL_OK) {
		log_warnx("checkpoint acknowledgement to %s not signed", ps->conf->node);
		goto out;
	}
	if (hl_link_send(ps->link, HL_FRAME_CHECKPOINT_ACK, b.data, b.len) != HL_OK)
		log_debug("checkpoint acknowledgement to %s not sent", ps->conf->node);
out:
	hl_buf_free(&b);
}

static void
ours_set(struct peer_state *ps, const struct hl_checkpoint_ack *a)
{
	ps->ours_size = a->size;
	ps->ours_ms = a->time_ms;
	ps->ours_result = a->result;
}

/* At start: the latest acknowledgement each partner sent us. */
static void
witnessed_load(struct hl_node *n, struct peer_state *ps)
{
	struct hl_checkpoint_ack a;
	uint8_t *raw = NULL, dg[64];
	size_t len = 0;

	if (hl_store_witnessed_get(n->store, ps->conf->node, &raw, &len) == HL_OK &&
	    hl_checkpoint_ack_decode(raw, len, &a) == HL_OK &&
	    strcmp(a.witness, ps->conf->node) == 0 && strcmp(a.origin, n->cfg.node) == 0 &&
	    (!ps->have_pub || (hl_checkpoint_ack_digest(raw, a.signed_len, dg) == HL_OK &&
	    hl_verify_sig(ps->pub, HL_SIGN_CHECKPOINT_ACK, dg, a.sig) == HL_OK)))
		ours_set(ps, &a);
	hl_free(raw);
}

/* A partner's word on our checkpoint: verified with its node key, kept when
 * it is about a checkpoint at least as large as the last one (a fork is
 * always kept), audited and logged as an ALERT when it says fork. An old
 * partner never sends one: its status stays "none". */
static void
on_checkpoint_ack(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_checkpoint_ack a;
	uint8_t dg[64];
	char ad[HL_AUDIT_DETAIL_MAX], root[2 * HL_SHA256 + 1];
	int r;

	if ((r = hl_checkpoint_ack_decode(p, len, &a)) != HL_OK) {
		hl_link_close(ps->link, "malformed checkpoint acknowledgement");
		return;
	}
	if (strcmp(a.witness, ps->conf->node) != 0 || strcmp(a.origin, n->cfg.node) != 0 ||
	    !ps->have_pub || hl_checkpoint_ack_digest(p, a.signed_len, dg) != HL_OK ||
	    hl_verify_sig(ps->pub, HL_SIGN_CHECKPOINT_ACK, dg, a.sig) != HL_OK) {
		log_warnx("link %s: checkpoint acknowledgement does not verify: dropped",
		    ps->conf->node);
		audit(n, "checkpoint-ack-invalid", NULL, ps->conf->node,
		    "not signed by the peer's node key, or not about our checkpoint");
		return;
	}
	if (a.result == HL_WITNESS_FORK) {
		hex_bytes(a.root, HL_SHA256, root);
		snprintf(ad, sizeof(ad), "size %" PRIu64 " root %s", a.size, root);
		log_warnx("ALERT: %s says our audit log contradicts the checkpoint it witnessed: %s",
		    ps->conf->node, ad);
		audit(n, "checkpoint-disputed", NULL, ps->conf->node, ad);
	} else if (ps->ours_result != 0 && a.size < ps->ours_size) {
		return;   /* an older one, after a newer one */
	}
	if ((r = hl_store_witnessed_put(n->store, ps->conf->node, p, len, hl_now_ms())) != HL_OK)
		log_warnx("checkpoint acknowledgement of %s not kept: %s", ps->conf->node,
		    hl_strerror(r));
	ours_set(ps, &a);
}

/* ps's log contradicts what we witnessed of it: evidence in our audit log,
 * an ALERT for the watch, and its later checkpoints are ignored until we
 * restart (when the link comes up again it is checked afresh). */
static void
witness_fork(struct hl_node *n, struct peer_state *ps, const struct hl_checkpoint *cp,
    const char *what)
{
	char had[2 * HL_MERKLE_HASH + 1], got[2 * HL_MERKLE_HASH + 1], ad[HL_AUDIT_DETAIL_MAX];

	hex_bytes(ps->wit_root, HL_MERKLE_HASH, had);
	hex_bytes(cp->root, HL_MERKLE_HASH, got);
	snprintf(ad, sizeof(ad), "%s: witnessed size %" PRIu64 " root %s; now size %" PRIu64
	    " root %s", what, ps->wit_size, had, cp->size, got);
	log_warnx("ALERT: audit log of %s contradicts its checkpoint we witnessed: %s",
	    ps->conf->node, ad);
	audit(n, "witness-fork", NULL, ps->conf->node, ad);
	ps->fork = 1;
	ps->wit_pending = 0;
	snprintf(ps->fork_why, sizeof(ps->fork_why), "%s at size %" PRIu64 " (witnessed %" PRIu64
	    ")", what, cp->size, ps->wit_size);
	send_checkpoint_ack(n, ps, cp, HL_WITNESS_FORK);
}

/* Keep a verified checkpoint of ps that is consistent with what we kept. */
static void
witness_keep(struct hl_node *n, struct peer_state *ps, const uint8_t *raw, size_t len,
    const struct hl_checkpoint *cp)
{
	int r = hl_store_witness_put(n->store, ps->conf->node, raw, len);

	if (r == HL_ERR_CORRUPT) {
		witness_fork(n, ps, cp, "two different roots signed at one size");
		return;
	}
	if (r != HL_OK && r != HL_ERR_EXISTS) {
		log_warnx("checkpoint of %s at size %" PRIu64 " not kept: %s", ps->conf->node,
		    cp->size, hl_strerror(r));
		return;
	}
	if (!ps->wit_have || cp->size >= ps->wit_size) {
		ps->wit_have = 1;
		ps->wit_size = cp->size;
		ps->wit_time_ms = cp->time_ms;
		memcpy(ps->wit_root, cp->root, sizeof(ps->wit_root));
	}
	send_checkpoint_ack(n, ps, cp, HL_WITNESS_OK);
}

static void
send_checkpoint(struct peer_state *ps, const uint8_t *raw, size_t len)
{
	if (ps->up && hl_link_send(ps->link, HL_FRAME_CHECKPOINT, raw, len) != HL_OK)
		log_debug("checkpoint to %s not sent", ps->conf->node);
}

/* On link-up: our latest checkpoint, if any. */
static void
send_last_checkpoint(struct hl_node *n, struct peer_state *ps)
{
	uint8_t *raw = NULL;
	size_t len = 0;

	if (hl_store_audit_checkpoint_last(n->store, &raw, &len) == HL_OK)
		send_checkpoint(ps, raw, len);
	hl_free(raw);
}

/* Sign a checkpoint over our audit log when it grew and send it to every
 * linked peer. No audit entry per checkpoint (it would grow the log it
 * signs). */
static void
audit_checkpoint(struct hl_node *n, uint64_t now)
{
	uint8_t *raw = NULL;
	size_t len = 0;
	unsigned i;
	int r;

	if (n->checkpoint_refused)
		return;
	n->checkpoint_ms = now;
	r = hl_store_audit_checkpoint(n->store, n->keys, n->cfg.node, now, &raw, &len);
	if (r == HL_OK) {
		for (i = 0; i < n->npeers; i++)
			send_checkpoint(&n->peers[i], raw, len);
	} else if (r == HL_ERR_CORRUPT) {
		n->checkpoint_refused = 1;
		log_warnx("ERROR: audit checkpoint refused: the audit log does not extend the last "
		    "signed checkpoint (run hotline audit verify); no more checkpoints");
		audit(n, "checkpoint-refused", NULL, n->cfg.node,
		    "the audit log does not extend the last signed checkpoint");
	} else if (r != HL_ERR_EXISTS && r != HL_ERR_NOT_FOUND) {
		log_warnx("audit checkpoint failed: %s", hl_strerror(r));
	}
	hl_free(raw);
}

static void
on_checkpoint(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	struct hl_checkpoint cp;
	struct hl_buf b;
	int r;

	if (hl_checkpoint_decode(p, len, &cp) != HL_OK) {
		audit(n, "checkpoint-invalid", NULL, ps->conf->node, "malformed checkpoint");
		hl_link_close(ps->link, "malformed checkpoint");
		return;
	}
	if (!ps->have_pub ||
	    (r = hl_checkpoint_verify(p, len, ps->conf->node, ps->pub, &cp)) != HL_OK) {
		log_warnx("link %s: checkpoint does not verify: dropped", ps->conf->node);
		audit(n, "checkpoint-invalid", NULL, ps->conf->node,
		    "checkpoint not signed by the peer's node key for its name");
		return;
	}
	if (ps->fork || cp.size == 0)
		return;
	if (!ps->wit_have || cp.size == ps->wit_size) {
		witness_keep(n, ps, p, len, &cp);
		return;
	}
	if (cp.size < ps->wit_size) {
		witness_fork(n, ps, &cp, "log truncated");
		return;
	}
	/* larger: keep it pending until its consistency proof verifies */
	memcpy(ps->wit_new_raw, p, len);
	ps->wit_new_len = len;
	ps->wit_new = cp;
	ps->wit_pending = 1;
	hl_buf_init(&b, 16);
	if (hl_consistency_req_encode(ps->wit_size, cp.size, &b) != HL_OK ||
	    hl_link_send(ps->link, HL_FRAME_CONSISTENCY_REQ, b.data, b.len) != HL_OK)
		log_debug("consistency request to %s not sent", ps->conf->node);
	hl_buf_free(&b);
}

static void
on_consistency_req(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH];
	struct hl_checkpoint cp;
	struct hl_consistency req;
	struct hl_buf b;
	uint8_t *raw = NULL;
	size_t rl = 0, plen = 0;
	uint64_t m, nn;
	int r;

	if (hl_consistency_req_decode(p, len, &req) != HL_OK) {
		hl_link_close(ps->link, "malformed consistency request");
		return;
	}
	m = req.old_size;
	nn = req.new_size;
	if ((r = hl_store_audit_checkpoint_last(n->store, &raw, &rl)) != HL_OK ||
	    (r = hl_checkpoint_decode(raw, rl, &cp)) != HL_OK || m == 0 || m > nn ||
	    nn > cp.size) {
		log_warnx("link %s: consistency request %" PRIu64 " -> %" PRIu64
		    " not answered (our latest checkpoint: %s)", ps->conf->node, m, nn,
		    r == HL_OK ? "smaller" : hl_strerror(r));
		hl_free(raw);
		return;
	}
	hl_free(raw);
	if ((r = hl_store_audit_consistency(n->store, m, nn, proof, &plen)) != HL_OK) {
		log_warnx("consistency proof %" PRIu64 " -> %" PRIu64 " for %s: %s", m, nn,
		    ps->conf->node, hl_strerror(r));
		return;
	}
	hl_buf_init(&b, 17 + sizeof(proof));
	if (hl_consistency_encode(m, nn, (const uint8_t (*)[HL_SHA256])proof, plen, &b) != HL_OK ||
	    hl_link_send(ps->link, HL_FRAME_CONSISTENCY, b.data, b.len) != HL_OK)
		log_debug("consistency proof to %s not sent", ps->conf->node);
	hl_buf_free(&b);
}

static void
on_consistency(struct hl_node *n, struct peer_state *ps, const uint8_t *p, size_t len)
{
	uint8_t proof[HL_MERKLE_PROOF_MAX][HL_MERKLE_HASH];
	struct hl_consistency c;
	uint64_t m, nn;
	unsigned cnt;

	if (hl_consistency_decode(p, len, &c) != HL_OK) {
		hl_link_close(ps->link, "malformed consistency proof");
		return;
	}
	m = c.old_size;
	nn = c.new_size;
	cnt = c.n;
	if (cnt > 0)
		memcpy(proof, c.hashes, (size_t)cnt * HL_MERKLE_HASH);
	if (!ps->wit_pending || ps->fork || m != ps->wit_size || nn != ps->wit_new.size) {
		log_debug("link %s: unexpected consistency proof %" PRIu64 " -> %" PRIu64,
		    ps->conf->node, m, nn);
		return;
	}
	ps->wit_pending = 0;
	if (hl_merkle_consistency_verify(m, nn, ps->wit_root, ps->wit_new.root,
	    (const uint8_t (*)[HL_MERKLE_HASH])proof, cnt) != HL_OK) {
		witness_fork(n, ps, &ps->wit_new, "log rewritten: not an extension of the witnessed one");
		return;
	}
	witness_keep(n, ps, ps->wit_new_raw, ps->wit_new_len, &ps->wit_new);
}

static void
node_on_open(void *arg, struct hl_link *l, const struct hl_peer_conf *peer)
{
	struct hl_node *n = arg;
	struct peer_state *ps = peer_by_name(n, peer->node);

	if (ps == NULL) {
		hl_link_close(l, "no state for peer");
		return;
	}
	if (ps->dialing == l)
		ps->dialing = NULL;
	if (ps->link != NULL && ps->link != l) {
		/* a new connection replaces the old: the old one is likely dead */
		hl_link_set_udata(ps->link, NULL);
		hl_link_close(ps->link, "replaced by a new connection");
		ps->up = 0;
		ps->ninflight = 0;
		xfers_clear(ps);
	}
	ps->link = l;
	ps->acked_epoch = 0;
	hl_link_set_udata(l, ps);
	hl_link_set_idle_timeout(l, n->cfg.dead_after_ms);
	if (hl_link_send(l, HL_FRAME_HELLO, n->desc, n->desc_len) != HL_OK)
		hl_link_close(l, "cannot send HELLO");
}

static void
node_on_frame(void *arg, struct hl_link *l, uint8_t type, const uint8_t *p, size_t len)
{
	struct hl_node *n = arg;
	struct peer_state *ps = hl_link_udata(l);

	if (ps == NULL || ps->link != l)
		return;
	if (!ps->up && type != HL_FRAME_HELLO) {
		hl_link_close(l, "frame before HELLO");
		return;
	}
	switch (type) {
	case HL_FRAME_HELLO:
		if (ps->up) {
			hl_link_close(l, "second HELLO");
			return;
		}
		on_hello(n, ps, p, len);
		break;
	case HL_FRAME_PING:
	case HL_FRAME_PONG:
		on_ping(ps, type, p, len);
		break;
	case HL_FRAME_ENVELOPE:
		ps->last_heard_ms = hl_now_ms();
		on_envelope(n, ps, p, len);
		break;
	case HL_FRAME_RECEIPT:
		ps->last_heard_ms = hl_now_ms();
		on_receipt(n, ps, p, len);
		break;
	case HL_FRAME_RECEIPT_ACK:
		on_receipt_ack(n, ps, p, len);
		break;
	case HL_FRAME_DESCRIPTOR:
		on_descriptor(n, ps, p, len);
		break;
	case HL_FRAME_DESCRIPTOR_ACK:
		on_descriptor_ack(ps, p, len);
		break;
	case HL_FRAME_CHUNK:
		on_chunk(n, ps, p, len);
		break;
	case HL_FRAME_RELAY:
		ps->last_heard_ms = hl_now_ms();
		on_relay(n, ps, p, len);
		break;
	case HL_FRAME_ROUTES:
		on_routes(n, ps, p, len);
		break;
	case HL_FRAME_CHECKPOINT:
		on_checkpoint(n, ps, p, len);
		break;
	case HL_FRAME_CONSISTENCY_REQ:
		on_consistency_req(n, ps, p, len);
		break;
	case HL_FRAME_CHECKPOINT_ACK:
		on_checkpoint_ack(n, ps, p, len);
		break;
	case HL_FRAME_CONSISTENCY:
		on_consistency(n, ps, p, len);
		break;
	default:
		hl_link_close(l, "unexpected frame type");
	}
	/* the batch (if any) stays open until the end of this loop pass, but
	 * other writers commit it before theirs from now on */
	hl_store_hold_active(n->store, 0);
}

static void
node_on_writable(void *arg, struct hl_link *l)
{
	struct hl_node *n = arg;
	struct peer_state *ps = hl_link_udata(l);
	unsigned i;

	if (ps == NULL || ps->link != l)
		return;
	pump(n, ps);
	for (i = 0; i < n->npeers; i++)   /* envelopes relayed over this link */
		if (!n->peers[i].up && route_has(ps, n->peers[i].conf->node))
			pump(n, &n->peers[i]);
}

static void
node_on_close(void *arg, struct hl_link *l, int opened, const char *why)
{
	struct hl_node *n = arg;
	struct peer_state *ps = hl_link_udata(l);
	char ad[HL_AUDIT_DETAIL_MAX];

	if (!opened) {
		log_warnx("link %s refused: %s", hl_link_addr(l), why);
		snprintf(ad, sizeof(ad), "%s: %s", hl_link_addr(l), why);
		audit(n, "link-refused", NULL, ps != NULL ? ps->conf->node : "-", ad);
	}
	if (ps == NULL)
		return;
	snprintf(ps->last_error, sizeof(ps->last_error), "%s", why);
	if (ps->dialing == l) {
		ps->dialing = NULL;
	}
	if (ps->link == l) {
		if (ps->up) {
			log_warnx("link %s down: %s", ps->conf->node, why);
			audit(n, "link-down", NULL, ps->conf->node, why);
			node_event(n, HL_NODE_EV_LINK, NULL, ps->conf->node);   /* console */
		}
		ps->link = NULL;
		ps->up = 0;
		ps->ninflight = 0;
		ps->rtt_us = 0;
		ps->acked_epoch = 0;
		ps->nroutes = 0;
		xfers_clear(ps);
		via_lost(n, ps);
		broadcast_routes(n);
	}
	if (ps->dialer && ps->link == NULL && ps->dialing == NULL) {
		ps->backoff_ms = ps->backoff_ms == 0 ? 250 : ps->backoff_ms * 2;
		if (ps->backoff_ms > n->cfg.reconnect_max_ms)
			ps->backoff_ms = n->cfg.reconnect_max_ms;
		ps->retry_at_ms = hl_now_ms() + ps->backoff_ms;
	}
}

/* Acknowledgement deadlines: audit each newly overdue envelope once, and
 * re-alert the watch for those we received. */
static void
scan_overdue(struct hl_node *n, uint64_t now)
{
	struct hl_overdue *o = NULL;
	uint64_t dl[4];
	size_t cnt = 0, i;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX];
	unsigned p;

	for (p = 0; p < 4; p++)
		dl[p] = 1000ull * n->cfg.ack_deadline_s[p];
	if (hl_store_mark_overdue(n->store, now, dl, &o, &cnt, 256) != HL_OK)
		return;
	for (i = 0; i < cnt; i++) {
		hex_id(o[i].id, idh);
		if (o[i].inbound) {
			log_warnx("ALERT: %s envelope %s from %s not acknowledged within %us: "
			    "OVERDUE", hl_precedence_name(o[i].precedence), idh, o[i].node,
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
			snprintf(ad, sizeof(ad), "received from %s, %s, no operator acknowledgement "
			    "within %us; watch re-alerted", o[i].node,
			    hl_precedence_name(o[i].precedence),
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
		} else {
			log_warnx("envelope %s to %s: delivered but not acknowledged within %us: "
			    "overdue", idh, o[i].node,
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
			snprintf(ad, sizeof(ad), "sent to %s, %s, delivered but not acknowledged "
			    "within %us", o[i].node, hl_precedence_name(o[i].precedence),
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
		}
		audit(n, "ack-overdue", o[i].id, n->cfg.node, ad);
		node_event(n, o[i].inbound ? HL_NODE_EV_ENVELOPE : HL_NODE_EV_DELIVERY, o[i].id,
		    o[i].node);   /* console: overdue shown live */
	}
	hl_free(o);
}

/* The scheduled end-to-end test of a partner link (as the Washington-Moscow
 * line is tested every hour): a real envelope, sealed to the peer's current
 * keys, stored, signed, receipted; result = its delivered receipt. */
static void
link_test(struct hl_node *n, struct peer_state *ps, uint64_t now)
{
	struct hl_send_req req;
	struct hl_label label;
	const char *to[1];
	char rel[2 * (HL_PARTNER_MAX + 1)], why[200], text[128];
	uint8_t id[HL_ID_BYTES];
	int r;

	if (n->cfg.link_test_s == 0 || ps->desc_raw == NULL)
		return;
	if (ps->test_sent_ms != 0 && now - ps->test_sent_ms < 1000ull * n->cfg.link_test_s)
		return;
	if (ps->test_sent_ms == 0 && now - n->started_ms < 3000)
		return;   /* give the links a moment after start */
	if (ps->test_sent_ms != 0 && ps->test_done_ms == 0) {
		snprintf(ps->test_result, sizeof(ps->test_result),
		    "failed: no receipt within %us", (unsigned)n->cfg.link_test_s);
		ps->test_done_ms = now;
		audit(n, "link-test-failed", ps->test_id, ps->conf->node, ps->test_result);
	}
	snprintf(rel, sizeof(rel), "%s,%s", n->cfg.partner, ps->conf->partner);
	if (hl_label_from_strings(&n->cfg.policy, n->cfg.policy.levels[0], rel, "clear", &label,
	    why, sizeof(why)) != HL_OK)
		return;
	snprintf(text, sizeof(text), "hotline link test %s -> %s", n->cfg.node, ps->conf->node);
	memset(&req, 0, sizeof(req));
	to[0] = ps->conf->node;
	req.to = to;
	req.nto = 1;
	req.precedence = HL_PREC_ROUTINE;
	req.label = label;
	req.content_type = HL_CT_TEXT;
	req.flags = HL_ENV_FLAG_LINK_TEST;
	req.content = (const uint8_t *)text;
	req.content_len = strlen(text);
	req.originator = "link-test";
	req.ttl_s = n->cfg.link_test_s;
	ps->test_sent_ms = now;
	ps->test_done_ms = 0;
	ps->test_rtt_ms = 0;
	if ((r = hl_node_send(n, &req, id, why, sizeof(why))) != HL_OK) {
		snprintf(ps->test_result, sizeof(ps->test_result), "failed: %s", why);
		ps->test_done_ms = now;
		return;
	}
	memcpy(ps->test_id, id, HL_ID_BYTES);
	snprintf(ps->test_result, sizeof(ps->test_result), "pending");
}

static void
node_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hl_node *n = arg;
	struct peer_state *ps;
	uint64_t now = hl_now_ms();
	unsigned i;

	(void)fd;
	(void)what;
	for (i = 0; i < n->npeers; i++) {
		ps = &n->peers[i];
		if (ps->up && now - ps->last_ping_ms >= n->cfg.heartbeat_ms)
			send_ping(ps, now);
		/* no receipt for anything in flight for a while (the receiver could
		 * not store it, say): send it all again; duplicates are answered from
		 * the receiver's seen-id table */
		if (ps->ninflight > 0 && now - ps->inflight_progress_ms >= RETRANSMIT_MS) {
			log_warnx("link %s: no receipt for %zu envelope(s) in %u s: sending again",
			    ps->conf->node, ps->ninflight, RETRANSMIT_MS / 1000);
			ps->ninflight = 0;
			ps->inflight_via = NULL;
			pump(n, ps);
		}
		if (!ps->up && now - ps->receipts_relay_ms >= 1000) {
			ps->receipts_relay_ms = now;
			pump(n, ps);
			send_receipts(n, ps);
		}
		if (ps->dialer && ps->link == NULL && ps->dialing == NULL && now >= ps->retry_at_ms) {
			if (hl_link_connect(n->lctx, ps->conf, &ps->dialing) != HL_OK) {
				ps->dialing = NULL;
				ps->retry_at_ms = now + n->cfg.reconnect_max_ms;
			} else {
				hl_link_set_udata(ps->dialing, ps);
			}
		}
	}
	if (now - hl_keys_epoch_created_ms(n->keys) >= 1000ull * n->cfg.kem_rotate_s) {
		char err[200];

		if (hl_node_rotate(n, err, sizeof(err)) != HL_OK)
			log_warnx("scheduled KEM key rotation failed: %s", err);
	} else if (now - n->desc_at_ms > desc_validity_ms(n) / 2 &&
	    node_refresh_descriptor(n) == HL_OK) {
		broadcast_descriptor(n);
	}
	erase_old_kem_keys(n, now);
	if (now - n->overdue_scan_ms >= 1000) {
		n->overdue_scan_ms = now;
		scan_overdue(n, now);
		for (i = 0; i < n->npeers; i++)
			link_test(n, &n->peers[i], now);
	}
	if (n->cfg.audit_checkpoint_s != 0 &&
	    now - n->checkpoint_ms >= 1000ull * n->cfg.audit_checkpoint_s)
		audit_checkpoint(n, now);
}

/* ---- operations for the API ---- */

static int
resolve_recipients(struct hl_node *n, const struct hl_send_req *req,
    struct peer_state **out, int *named, unsigned *nout, char *why, size_t whylen)
{
	unsigned i, j, k;
	int found;

	*nout = 0;
	if (req->to_all) {
		for (i = 0; i < n->npeers; i++) {
			if (!hl_label_releasable_to(&req->label, n->peers[i].conf->partner))
				continue;
			out[*nout] = &n->peers[i];
			named[(*nout)++] = 0;
		}
		if (*nout == 0) {
			snprintf(why, whylen, "no peer is releasable for this label");
			return HL_ERR_DENIED;
		}
		return HL_OK;
	}
	for (j = 0; j < req->nto; j++) {
		found = 0;
		for (i = 0; i < n->npeers; i++) {
			if (strcmp(req->to[j], n->peers[i].conf->node) != 0 &&
			    strcmp(req->to[j], n->peers[i].conf->partner) != 0)
				continue;
			found = 1;
			for (k = 0; k < *nout; k++)
				if (out[k] == &n->peers[i])
					break;
			if (k < *nout)
				continue;
			if (*nout >= HL_RECIPIENTS_MAX) {
				snprintf(why, whylen, "too many recipients (at most %d)", HL_RECIPIENTS_MAX);
				return HL_ERR_INVALID;
			}
			out[*nout] = &n->peers[i];
			named[(*nout)++] = 1;
		}
		if (!found) {
			snprintf(why, whylen, "%s: not a configured peer node or partner", req->to[j]);
			return HL_ERR_UNKNOWN_PEER;
		}
	}
	if (*nout == 0) {
		snprintf(why, whylen, "no recipients");
		return HL_ERR_INVALID;
	}
	return HL_OK;
}

int
hl_node_send(struct hl_node *n, const struct hl_send_req *req, uint8_t id[static HL_ID_BYTES],
    char *why, size_t whylen)
{
	struct peer_state *rp[HL_RECIPIENTS_MAX];
	int named[HL_RECIPIENTS_MAX];
	struct hl_seal_recipient sr[HL_RECIPIENTS_MAX];
	const char *names[HL_RECIPIENTS_MAX];
	struct hl_seal_params sp;
	struct hl_msg m;
	struct hl_buf lb;
	uint8_t *raw = NULL, *lp = NULL;
	size_t rawlen = 0, ll = 0;
	int waiting[HL_RECIPIENTS_MAX];
	unsigned nr = 0, nsr = 0, nwait = 0, i;
	uint64_t now = hl_now_ms();
	char idh[33], ad[HL_AUDIT_DETAIL_MAX], lt[200];
	int r;

	memset(id, 0, HL_ID_BYTES);
	why[0] = '\0';
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if (req->content_len > HL_CONTENT_MAX_BYTES) {
		snprintf(why, whylen, "content larger than %u bytes", HL_CONTENT_MAX_BYTES);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if ((r = hl_label_check_policy(&req->label, &n->cfg.policy)) != HL_OK) {
		snprintf(why, whylen, "label does not fit policy %s", n->cfg.policy.id);
		goto out;
	}
	if ((r = resolve_recipients(n, req, rp, named, &nr, why, whylen)) != HL_OK)
		goto refused;
	/* rule 1, for every recipient, before anything is sealed */
	for (i = 0; i < nr; i++) {
		if ((r = hl_label_may_send(&req->label, &n->cfg.policy, rp[i]->conf->node,
		    rp[i]->conf->partner, rp[i]->conf->accreditation, named[i], why, whylen)) != HL_OK)
			goto refused;
	}
	/* seal to every recipient whose KEM descriptor is valid; the others
	 * wait visibly (awaiting-key) and are sealed to when a fresh one comes */
	for (i = 0; i < nr; i++) {
		names[i] = rp[i]->conf->node;
		waiting[i] = peer_kem_key(n, rp[i], now, &sr[nsr]) != HL_OK;
		if (!waiting[i])
			nsr++;
		else
			nwait++;
	}
	if (nsr == 0 && (r = self_kem_key(n, &sr[nsr++])) != HL_OK) {
		snprintf(why, whylen, "no KEM key of our own for suite %s", hl_suite_name(n->cfg.suite));
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.suite = n->cfg.suite;
	sp.flags = req->flags;
	sp.precedence = req->precedence;
	sp.content_type = req->content_type;
	sp.created_ms = now;
	sp.expires_ms = now + 1000ull * (req->ttl_s != 0 ? req->ttl_s : n->cfg.default_ttl_s);
	sp.origin = n->cfg.node;
	sp.originator = req->originator;
	sp.label = &req->label;
	sp.nrecipients = nsr;
	sp.recipients = sr;
	if ((r = hl_seal_envelope(n->keys, &sp, req->content, req->content_len, id, &raw,
	    &rawlen)) != HL_OK) {
		snprintf(why, whylen, "cannot seal envelope: %s", hl_strerror(r));
		goto out;
	}
	if ((r = hl_label_encode(&req->label, &lb)) != HL_OK ||
	    (r = hl_buf_error(&lb)) != HL_OK)
		goto out;
	lp = hl_buf_steal(&lb, &ll);
	memset(&m, 0, sizeof(m));
	memcpy(m.id, id, HL_ID_BYTES);
	m.inbound = 0;
	snprintf(m.origin, sizeof(m.origin), "%s", n->cfg.node);
	snprintf(m.originator, sizeof(m.originator), "%s", req->originator);
	m.precedence = req->precedence;
	m.content_type = req->content_type;
	m.flags = req->flags;
	m.suite = n->cfg.suite;
	memcpy(m.label, lp, ll);
	m.label_len = ll;
	m.created_ms = sp.created_ms;
	m.expires_ms = sp.expires_ms;
	m.stored_ms = now;
	m.sig_ok = 1;
	m.content = (uint8_t *)(uintptr_t)req->content;
	m.content_len = req->content_len;
	m.raw = raw;
	m.raw_len = rawlen;
	hex_id(id, idh);
	hl_label_format(&req->label, &n->cfg.policy, lt, sizeof(lt));
	snprintf(ad, sizeof(ad), "to=%u recipients precedence=%s label=%s%s size=%zu", nr,
	    hl_precedence_name(req->precedence), lt,
	    (req->flags & HL_ENV_FLAG_EXERCISE) ? " EXERCISE" : "", req->content_len);
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	if ((r = hl_store_put_outbound(n->store, &m, names, nr, now)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		log_warnx("send by %s refused: %s", req->originator, why);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (waiting[i] && (r = hl_store_delivery_wait(n->store, id, names[i], 1)) != HL_OK) {
			hl_store_rollback(n->store);
			snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
			goto out;
		}
	}
	audit(n, "envelope-sent", id, req->originator, ad);
	if ((r = node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		goto out;
	}
	log_info("envelope %s queued to %u recipient(s) (%s)%s", idh, nr - nwait,
	    hl_precedence_name(req->precedence), nwait > 0 ? "; some await a fresh KEM key" : "");
	for (i = 0; i < nr; i++)
		pump(n, rp[i]);
	/* our own reports are part of our picture too */
	if (req->content_type == HL_CT_TRACK && (r = hl_tracks_ingest(n->store, id)) != HL_OK)
		log_warnx("envelope %s: track picture not updated: %s", idh, hl_strerror(r));
	r = HL_OK;
	goto out;
refused:
	snprintf(ad, sizeof(ad), "refused: %s", why);
	audit(n, "send-refused", NULL, req->originator, ad);
	log_warnx("send by %s refused: %s", req->originator, why);
out:
	hl_buf_free(&lb);
	hl_free(lp);
	hl_free(raw);
	if (r != HL_OK)
		memset(id, 0, HL_ID_BYTES);
	return r;
}

int
hl_node_ack(struct hl_node *n, const uint8_t id[static HL_ID_BYTES], const char *operator_name)
{
	struct hl_msg m;
	struct peer_state *ps;
	uint8_t *raw = NULL;
	size_t len = 0;
	char ad[HL_AUDIT_DETAIL_MAX];
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = hl_store_get(n->store, id, 0, &m)) != HL_OK)
		return r;
	if (!m.inbound) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = make_receipt(n, HL_RECEIPT_ACKNOWLEDGED, id, m.origin, 0, NULL, operator_name,
	    &raw, &len)) != HL_OK)
		goto out;
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	if ((r = hl_store_ack(n->store, id, operator_name, hl_now_ms())) != HL_OK ||
	    (r = hl_store_receipt_queue(n->store, id, HL_RECEIPT_ACKNOWLEDGED, m.origin, raw,
	    len)) != HL_OK) {
		hl_store_rollback(n->store);
		goto out;
	}
	snprintf(ad, sizeof(ad), "origin=%s", m.origin);
	audit(n, "envelope-acknowledged", id, operator_name, ad);
	if ((r = node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		goto out;
	}
	node_event(n, HL_NODE_EV_ACK, id, m.origin);   /* console: clear the FLASH cue */
	if ((ps = peer_by_name(n, m.origin)) != NULL)
		send_receipts(n, ps);
	r = HL_OK;
out:
	hl_free(raw);
	hl_msg_clear(&m);
	return r;
}

int
hl_node_peers(struct hl_node *n, struct hl_peer_status **st, size_t *count)
{
	struct hl_peer_status *s;
	unsigned i;

	*st = NULL;
	*count = 0;
	if ((s = hl_calloc(n->npeers == 0 ? 1 : n->npeers, sizeof(*s))) == NULL)
		return HL_ERR_NOMEM;
	for (i = 0; i < n->npeers; i++) {
		struct peer_state *ps = &n->peers[i];

		snprintf(s[i].node, sizeof(s[i].node), "%s", ps->conf->node);
		snprintf(s[i].partner, sizeof(s[i].partner), "%s", ps->conf->partner);
		s[i].up = ps->up;
		s[i].last_heartbeat_ms = ps->last_heard_ms;
		s[i].rtt_us = ps->rtt_us;
		s[i].up_since_ms = ps->up ? ps->up_since_ms : 0;
		if (hl_store_queue_depth(n->store, ps->conf->node, &s[i].queue_depth) != HL_OK)
			s[i].queue_depth = 0;
		snprintf(s[i].last_error, sizeof(s[i].last_error), "%s", ps->up ? "" : ps->last_error);
		s[i].test_sent_ms = ps->test_sent_ms;
		s[i].test_done_ms = ps->test_done_ms;
		s[i].test_rtt_ms = ps->test_rtt_ms;
		snprintf(s[i].test_result, sizeof(s[i].test_result), "%s",
		    ps->test_sent_ms == 0 ? "none" : ps->test_result);
		s[i].witness_size = ps->wit_have ? ps->wit_size : 0;
		s[i].witness_time_ms = ps->wit_have ? ps->wit_time_ms : 0;
		s[i].fork = ps->fork;
		if (ps->fork)
			snprintf(s[i].witness_state, sizeof(s[i].witness_state), "FORK: %s",
			    ps->fork_why);
		else
			snprintf(s[i].witness_state, sizeof(s[i].witness_state), "%s",
			    ps->wit_have ? "ok" : "none");
		s[i].our_witnessed_size = ps->ours_size;
		s[i].our_witnessed_ms = ps->ours_ms;
		snprintf(s[i].our_witness_state, sizeof(s[i].our_witness_state), "%s",
		    ps->ours_result == 0 ? "none" : hl_witness_result_name(ps->ours_result));
	}
	*st = s;
	*count = n->npeers;
	return HL_OK;
}

const struct hl_config *
hl_node_config(const struct hl_node *n)
{
	return &n->cfg;
}

struct hl_store *
hl_node_store(struct hl_node *n)
{
	return n->store;
}

uint64_t
hl_node_started_ms(const struct hl_node *n)
{
	return n->started_ms;
}

/* ---- life cycle ---- */

static int
read_cert_der(const char *path, uint8_t **der, size_t *len, char *err, size_t errlen)
{
	FILE *f;
	X509 *x;
	int r;

	if ((f = fopen(path, "r")) == NULL) {
		snprintf(err, errlen, "%s: cannot open certificate", path);
		return HL_ERR_CONFIG;
	}
	x = PEM_read_X509(f, NULL, NULL, NULL);
	fclose(f);
	if (x == NULL) {
		snprintf(err, errlen, "%s: not a PEM certificate", path);
		return HL_ERR_CONFIG;
	}
	{
		unsigned char *p = NULL;
		int nl = i2d_X509(x, &p);

		r = HL_ERR_CONFIG;
		if (nl > 0 && (size_t)nl <= HL_CERT_MAX_BYTES && (*der = hl_malloc((size_t)nl)) != NULL) {
			memcpy(*der, p, (size_t)nl);
			*len = (size_t)nl;
			r = HL_OK;
		} else {
			snprintf(err, errlen, "%s: certificate too large", path);
		}
		OPENSSL_free(p);
	}
	X509_free(x);
	return r;
}

int
hl_node_new(const struct hl_config *cfg, struct event_base *base, struct hl_node **out,
    char *err, size_t errlen)
{
	struct hl_node *n = NULL;
	struct hl_link_cbs cbs = { node_on_open, node_on_frame, node_on_writable, node_on_close };
	char path[HL_PATH_MAX + 32];
	struct timeval tv;
	uint8_t *d;
	size_t dl, nidx;
	unsigned i;
	int r = HL_ERR_INTERNAL;

	*out = NULL;
	if ((n = hl_calloc(1, sizeof(*n))) == NULL)
		return HL_ERR_NOMEM;
	n->cfg = *cfg;
	n->base = base;
	n->started_ms = hl_now_ms();
	n->checkpoint_ms = n->started_ms;   /* first checkpoint one interval after start */
	if (mkdir(n->cfg.data_dir, 0700) != 0 && errno != EEXIST) {
		snprintf(err, errlen, "%s: cannot create data directory", n->cfg.data_dir);
		r = HL_ERR_IO;
		goto out;
	}
	snprintf(n->kem_dir, sizeof(n->kem_dir), "%s/kem", n->cfg.data_dir);
	if ((r = hl_keys_open(n->cfg.key_path, n->kem_dir, &n->keys, err, errlen)) != HL_OK)
		goto out;
	snprintf(path, sizeof(path), "%s/hotline.db", n->cfg.data_dir);
	if ((r = hl_store_open(path, &n->store, err, errlen)) != HL_OK)
		goto out;
	/* after the STIX search migration: index what was stored before it,
	 * now rather than on the event loop (src/stixdb.h) */
	if ((r = hl_stixdb_backfill(n->store, &nidx)) != HL_OK) {
		snprintf(err, errlen, "STIX search index: %s", hl_strerror(r));
		goto out;
	}
	if (nidx > 0)
		log_info("stix: search index built for %zu objects stored before it", nidx);
	if (n->cfg.bench_no_fsync) {
		/* benchmarking aid (docs/CONFIG.md): acknowledged data may be lost */
		log_warnx("WARNING: bench_no_fsync = yes: SQLite synchronous=OFF, NOT DURABLE; "
		    "a crash or power loss loses acknowledged envelopes. Benchmarks only.");
		if (hl_store_no_fsync(n->store) != HL_OK)
			log_warnx("bench_no_fsync: cannot set synchronous=OFF");
	}
	if ((r = read_cert_der(n->cfg.cert_path, &n->cert_der, &n->cert_len, err, errlen)) != HL_OK)
		goto out;
	if ((r = node_refresh_descriptor(n)) != HL_OK) {
		snprintf(err, errlen, "cannot sign our node descriptor: %s", hl_strerror(r));
		goto out;
	}
	n->npeers = n->cfg.npeers;
	for (i = 0; i < n->npeers; i++) {
		struct peer_state *ps = &n->peers[i];

		ps->conf = &n->cfg.peers[i];
		if ((r = read_peer_ca(ps, err, errlen)) != HL_OK)
			goto out;
		ps->dialer = ps->conf->port != 0 && strcmp(n->cfg.node, ps->conf->node) < 0;
		if (hl_store_peer_get(n->store, ps->conf->node, &d, &dl) == HL_OK &&
		    peer_set_descriptor(ps, d, dl) != HL_OK)
			log_warnx("stored descriptor of %s is unusable; waiting for its link",
			    ps->conf->node);
		witness_load(n, ps);
		witnessed_load(n, ps);
	}
	if ((r = hl_link_ctx_new(&n->cfg, base, &cbs, n, &n->lctx, err, errlen)) != HL_OK)
		goto out;
	if ((r = hl_link_listen(n->lctx, err, errlen)) != HL_OK)
		goto out;
	if ((r = hl_api_start(base, n, &n->api, err, errlen)) != HL_OK)
		goto out;
	if ((n->tick = event_new(base, -1, EV_PERSIST, node_tick, n)) == NULL ||
	    (n->batch_ev = event_new(base, -1, 0, batch_cb, n)) == NULL ||
	    (n->batch = hl_calloc(BATCH_MAX, sizeof(*n->batch))) == NULL) {
		r = HL_ERR_NOMEM;
		goto out;
	}
	tv.tv_sec = 0;
	tv.tv_usec = NODE_TICK_MS * 1000;
	event_add(n->tick, &tv);
	audit(n, "node-start", NULL, n->cfg.node, "started");
	*out = n;
	n = NULL;
	r = HL_OK;
out:
	hl_node_free(n);
	return r;
}

void
hl_node_free(struct hl_node *n)
{
	unsigned i;

	if (n == NULL)
		return;
	if (n->batch_open)
		batch_flush(n);
	if (n->batch_ev != NULL)
		event_free(n->batch_ev);
	batch_drop(n);
	hl_free(n->batch);
	if (n->tick != NULL)
		event_free(n->tick);
	hl_api_free(n->api);
	hl_link_ctx_free(n->lctx);
	for (i = 0; i < n->npeers; i++) {
		xfers_clear(&n->peers[i]);
		hl_free(n->peers[i].desc_raw);
		hl_free(n->peers[i].inflight);
		hl_free(n->peers[i].qids);
		hl_free(n->peers[i].qprecs);
		X509_free(n->peers[i].ca);
	}
	hl_store_close(n->store);
	hl_keys_free(n->keys);
	hl_free(n->cert_der);
	hl_free(n->desc);
	hl_free(n);
}

void
hl_node_shutdown(struct hl_node *n)
{
	audit(n, "node-stop", NULL, n->cfg.node, "stopped");
	if (n->cfg.audit_checkpoint_s != 0)
		audit_checkpoint(n, hl_now_ms());
}
