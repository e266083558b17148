/* node_recv.c: ENVELOPE, RECEIPT and RECEIPT_ACK. The receive rules
 * (brief rules 3 and 5: exactly once, known origin, signature, expiry,
 * addressed to us, releasable, within the link's accreditation), the
 * receipts we issue (delivered only after the commit, rejected with a
 * reason), and the receipts our envelopes get back. What is stored goes
 * into the loop pass's batch (node_batch.c). */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"
#include "workq.h"

/* Receipts we owe to ps's node, on its link, or through a linked peer that
 * reaches it. */
void
node_send_receipts(struct hl_node *n, struct peer_state *ps)
{
	uint8_t **raws = NULL;
	size_t *lens = NULL, cnt = 0, i;
	struct hl_link *l = ps->up ? ps->link : NULL;

	for (i = 0; l == NULL && i < n->npeers; i++)
		if (n->peers[i].up && &n->peers[i] != ps &&
		    node_route_has(&n->peers[i], ps->conf->node))
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

int
node_make_receipt(struct hl_node *n, uint8_t kind, const uint8_t id[HL_ID_BYTES],
    const char *to, uint8_t reason, const char *detail, const char *op, uint8_t **raw,
    size_t *len)
{
	const struct peer_state *ps = node_peer_by_name(n, to);
	uint8_t version = HL_RECEIPT_VERSION;

	/* a node of this release refuses Ed25519-only receipts from us */
	if (ps != NULL && node_sig_version(n, node_peer_proto(ps)) == HL_ENVELOPE_VERSION_HYBRID)
		version = HL_RECEIPT_VERSION_HYBRID;
	return node_make_receipt_batch(n, kind, id, to, reason, detail, op, version,
	    NULL, NULL, raw, len);
}

/* version HL_RECEIPT_VERSION_BATCH: a batch signature, in batch when not
 * NULL (a worker's: *result is its outcome once the batch is signed),
 * else a batch of one now */
int
node_make_receipt_batch(struct hl_node *n, uint8_t kind, const uint8_t id[HL_ID_BYTES],
    const char *to, uint8_t reason, const char *detail, const char *op, uint8_t version,
    struct hl_sigbatch *batch, int *result, uint8_t **raw, size_t *len)
{
	struct hl_receipt rc;

	memset(&rc, 0, sizeof(rc));
	rc.version = version;
	rc.hsig.suite = (uint8_t)n->cfg.sig_suite;   /* version 3: signed in our suite */
	rc.kind = kind;
	memcpy(rc.id, id, HL_ID_BYTES);
	snprintf(rc.from, sizeof(rc.from), "%s", n->cfg.node);
	snprintf(rc.to, sizeof(rc.to), "%s", to);
	rc.time_ms = hl_now_ms();
	rc.reason = reason;
	snprintf(rc.operator_name, sizeof(rc.operator_name), "%s", op != NULL ? op : "");
	snprintf(rc.detail, sizeof(rc.detail), "%s", detail != NULL ? detail : "");
	return hl_seal_receipt_batch(n->keys, &rc, batch, result, raw, len);
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

	hl_hex_id(e->id, idh);
	log_warnx("envelope %s from %s rejected: %s: %s", idh, e->origin, hl_reason_name(reason),
	    detail);
	if ((r = node_make_receipt(n, HL_RECEIPT_REJECTED, e->id, e->origin, reason, detail,
	    NULL, &raw, &len)) != HL_OK) {
		log_warnx("envelope %s: cannot sign rejected receipt: %s", idh, hl_strerror(r));
		return;
	}
	snprintf(ad, sizeof(ad), "origin=%s via=%s reason=%s: %s", e->origin, from->conf->node,
	    hl_reason_name(reason), detail);
	/* in the loop pass's batch; the receipt goes out after its commit */
	if (node_batch_join(n) != HL_OK)
		goto out;
	if ((r = hl_store_put_rejected(n->store, e->id, e->origin, reason, raw, len,
	    hl_now_ms())) != HL_OK && r != HL_ERR_EXISTS) {
		log_warnx("envelope %s: cannot store rejection: %s", idh, hl_strerror(r));
		node_batch_abort(n);
		goto out;
	}
	node_audit(n, "envelope-rejected", e->id, from->conf->node, ad);
	b = node_batch_item(n, BATCH_SEND_RECEIPT, from);
	b->raw = raw;
	b->len = len;
	raw = NULL;
out:
	hl_free(raw);
}

/* The stored answer to a replay, sent once the first copy is on disk. */
struct dup_answer {
	struct peer_state *ps;
	uint8_t id[HL_ID_BYTES];
	uint8_t *raw;
	size_t len;
};

static void
duplicate_durable(void *arg, int r)
{
	struct dup_answer *d = arg;
	char idh[33];

	if (r == HL_OK && d->ps->link != NULL &&
	    hl_link_send(d->ps->link, HL_FRAME_RECEIPT, d->raw, d->len) != HL_OK) {
		hl_hex_id(d->id, idh);
		log_warnx("envelope %s: cannot resend receipt", idh);
	}
	hl_free(d->raw);
	hl_free(d);
}

/* A replay (or a copy that was opened while the first was): the answer we
 * gave the first time. Takes ownership of receipt. */
static void
answer_duplicate(struct hl_node *n, struct peer_state *ps, const struct hl_envelope *e,
    uint8_t *receipt, size_t rlen)
{
	struct batch_item *b;
	struct dup_answer *d;
	char idh[33];

	hl_hex_id(e->id, idh);
	log_info("envelope %s from %s: duplicate, receipt sent again", idh, e->origin);
	if (receipt != NULL && n->batch_open && n->nbatch < BATCH_MAX &&
	    hl_store_hold_open(n->store)) {
		/* the first copy may be in the open batch: answer after its
		 * commit (it is rolled back with it otherwise) */
		b = node_batch_item(n, BATCH_SEND_RECEIPT, ps);
		b->raw = receipt;
		b->len = rlen;
		return;
	}
	if (n->batch_open)
		node_batch_flush(n);
	if (receipt == NULL)
		return;
	/* the first copy is committed; it may not be on disk yet: the answer
	 * goes out once it is (rule 5) */
	if ((d = hl_malloc(sizeof(*d))) == NULL) {
		hl_free(receipt);
		return;   /* the origin sends it again */
	}
	d->ps = ps;
	d->raw = receipt;
	d->len = rlen;
	memcpy(d->id, e->id, HL_ID_BYTES);
	if (hl_store_when_durable(n->store, duplicate_durable, d) != HL_OK)
		duplicate_durable(d, HL_ERR_NOMEM);
}

/* ---- the crypto part of a receive: verify, open, sign the delivered
 * receipt; on a crypto worker (node_recv_open) or on the loop ---- */

struct recv_job {
	struct hl_job j;               /* first: the workq hands back &j */
	struct hl_node *n;
	struct peer_state *ps;         /* the link's peer (lives as long as the node) */
	uint8_t *alloc;                /* owned: the buffer raw points into */
	const uint8_t *raw;
	size_t len;
	struct hl_signer pub;          /* the origin's signing keys */
	int hybrid_receipt;            /* the origin signs hybrid: so does our receipt */
	uint64_t now_ms;
	uint64_t t_start, t_verify, t_open, t_crypto_end;
	/* results */
	int verify_r, open_r, receipt_r;
	uint8_t *content;              /* hl_free_secret */
	size_t clen;
	uint8_t *receipt;
	size_t rlen;
	uint64_t content_file, raw_file;   /* the large parts' files, 0 if none */
	int files_tried;                   /* handed to the files thread once */
};

static void
recv_job_free(struct recv_job *rj)
{
	if (rj == NULL)
		return;
	if (rj->content != NULL)
		hl_free_secret(rj->content, rj->clen);
	hl_free(rj->receipt);
	hl_free(rj->alloc);
	hl_free(rj);
}

static void
recv_open(struct hl_job *j, void *ctx)
{
	struct recv_job *rj = (struct recv_job *)j;
	struct hl_node *n = rj->n;
	struct hl_envelope e;

	rj->verify_r = rj->open_r = rj->receipt_r = HL_ERR_INTERNAL;
	rj->t_verify = hl_mono_us();
	/* the loop decoded the same bytes already; pointers into raw are ours */
	if (hl_envelope_decode(rj->raw, rj->len, &e) != HL_OK)
		return;
	if ((rj->verify_r = hl_verify_envelope_cached(n->sigcache, &e, rj->raw, &rj->pub)) != HL_OK)
		return;
	rj->hybrid_receipt = e.version == HL_ENVELOPE_VERSION_HYBRID || rj->pub.npk > 0;
	rj->t_open = hl_mono_us();
	if ((rj->open_r = hl_open_envelope(n->keys, &e, rj->raw, n->cfg.node, &rj->content,
	    &rj->clen)) != HL_OK)
		return;
	/* a batch-signed envelope's origin reads batch-signed receipts: ours
	 * join the worker's batch (ctx; NULL on the loop: a batch of one) */
	/* the origin reads hybrid receipts when it signs hybrid (this release);
	 * else batch-signed ones when its envelope was */
	if ((rj->hybrid_receipt && hl_sig_suite_mldsa(n->cfg.sig_suite) > 0) ||
	    e.version == HL_ENVELOPE_VERSION_BATCH)
		rj->receipt_r = node_make_receipt_batch(n, HL_RECEIPT_DELIVERED, e.id, e.origin, 0,
		    NULL, NULL, rj->hybrid_receipt && hl_sig_suite_mldsa(n->cfg.sig_suite) > 0 ?
		    HL_RECEIPT_VERSION_HYBRID : HL_RECEIPT_VERSION_BATCH, ctx, &rj->receipt_r,
		    &rj->receipt, &rj->rlen);
	else
		rj->receipt_r = node_make_receipt(n, HL_RECEIPT_DELIVERED, e.id, e.origin, 0,
		    NULL, NULL, &rj->receipt, &rj->rlen);
	rj->t_crypto_end = hl_mono_us();
}

/* On the files thread: a large opened envelope's content and bytes go to
 * files of their own (store_blob.c), written and fdatasynced before the
 * loop commits the row that names them; if this fails, the store tries
 * again. */
static void
recv_files(struct hl_job *j, void *ctx)
{
	struct recv_job *rj = (struct recv_job *)j;
	struct hl_store *s = rj->n->store;
	struct hl_envelope e;

	(void)ctx;
	if (hl_envelope_decode(rj->raw, rj->len, &e) != HL_OK ||
	    hl_blob_prewrite(s, e.id, rj->content, rj->clen, rj->raw, rj->len, &rj->content_file,
	    &rj->raw_file) != HL_OK)
		rj->content_file = rj->raw_file = 0;
}

/* Ids being opened now: a second copy arriving meanwhile (a retransmission,
 * or through a relay) waits for the first's answer instead of being opened
 * twice. */
static struct recv_inflight *
recv_inflight_find(struct hl_node *n, const uint8_t id[HL_ID_BYTES])
{
	size_t i;

	for (i = 0; i < n->nrecv; i++)
		if (memcmp(n->recv[i].id, id, HL_ID_BYTES) == 0)
			return &n->recv[i];
	return NULL;
}

/* Take id's entry out; OUT: *w, its waiters. */
static void
recv_inflight_take(struct hl_node *n, const uint8_t id[HL_ID_BYTES], struct recv_inflight *w)
{
	struct recv_inflight *e = recv_inflight_find(n, id);

	memset(w, 0, sizeof(*w));
	if (e == NULL)
		return;
	*w = *e;
	*e = n->recv[n->nrecv - 1];
	n->nrecv--;
}

/* The copies that came while it was opened get the same answer, after the
 * same commit. */
static void
recv_answer_waiters(struct hl_node *n, const struct recv_inflight *w, const uint8_t *receipt,
    size_t rlen)
{
	struct batch_item *b;
	unsigned i;

	for (i = 0; i < w->nwait && n->batch_open && n->nbatch < BATCH_MAX; i++) {
		uint8_t *copy = hl_malloc(rlen);

		if (copy == NULL)
			return;   /* the origin sends it again */
		memcpy(copy, receipt, rlen);
		b = node_batch_item(n, BATCH_SEND_RECEIPT, w->wait[i]);
		b->raw = copy;
		b->len = rlen;
	}
}

/* Back on the loop: the answers of rule 3 that needed crypto, then durable
 * first and the delivered receipt after the commit (rule 5). */
static void
recv_done(struct hl_job *j)
{
	struct recv_job *rj = (struct recv_job *)j;
	struct hl_node *n = rj->n;
	struct peer_state *ps = rj->ps;
	struct hl_envelope e;
	struct batch_item *b;
	struct hl_msg m;
	struct recv_inflight waiters;
	uint8_t *receipt = NULL;
	size_t rlen = 0;
	int status, r;
	uint64_t t_store, t_commit;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX];

	if (hl_envelope_decode(rj->raw, rj->len, &e) != HL_OK) {
		recv_job_free(rj);   /* cannot happen: the loop decoded it before */
		return;
	}
	/* a large one opened: its files on the files thread first (copies
	 * arriving meanwhile still wait for its answer) */
	if (!rj->j.cancelled && !rj->files_tried && n->files != NULL &&
	    rj->receipt_r == HL_OK && (rj->clen >= HL_BLOB_MIN_BYTES ||
	    rj->len >= HL_BLOB_MIN_BYTES)) {
		rj->files_tried = 1;
		rj->j.run = recv_files;
		if (hl_workq_submit(n->files, &rj->j) == HL_OK)
			return;
		/* full: the store writes them */
	}
	recv_inflight_take(n, e.id, &waiters);
	if (rj->j.cancelled)
		goto out;   /* shutting down: no receipt, the origin sends it again */
	hl_hex_id(e.id, idh);
	/* a copy that came another way may have been stored meanwhile */
	r = hl_store_inbound_seen(n->store, e.id, &status, &receipt, &rlen);
	if (r == HL_OK) {
		answer_duplicate(n, ps, &e, receipt, rlen);
		goto out;
	}
	if (r != HL_ERR_NOT_FOUND) {
		log_warnx("envelope %s: store lookup failed: %s", idh, hl_strerror(r));
		goto out;
	}
	if (rj->verify_r != HL_OK) {
		reject_envelope(n, ps, &e, HL_REASON_BAD_SIGNATURE, "origin signature does not verify");
		goto out;
	}
	if (rj->open_r != HL_OK) {
		reject_envelope(n, ps, &e, HL_REASON_DECRYPT, "content key unwrap or decryption failed");
		goto out;
	}
	if (rj->receipt_r != HL_OK) {
		log_warnx("envelope %s: cannot sign the delivered receipt: %s (the origin will "
		    "send it again)", idh, hl_strerror(rj->receipt_r));
		goto out;
	}
	if ((r = node_msg_from_envelope(&m, &e, rj->raw, rj->len)) != HL_OK)
		goto out;
	m.inbound = 1;
	m.stored_ms = rj->now_ms;
	m.sig_ok = 1;
	m.content = rj->content;
	m.content_len = rj->clen;
	m.content_file = rj->content_file;
	m.raw_file = rj->raw_file;
	snprintf(ad, sizeof(ad), "origin=%s originator=%s precedence=%s%s size=%zu", e.origin,
	    e.originator, hl_precedence_name(e.precedence),
	    (e.flags & HL_ENV_FLAG_EXERCISE) ? " EXERCISE" : "", rj->clen);
	t_store = hl_mono_us();
	/* in the loop pass's batch: committed (one fsync for all of them) by
	 * node_batch_flush, which then sends the delivered receipt */
	if ((r = node_batch_join(n)) != HL_OK)
		goto out;
	if ((r = hl_store_put_inbound(n->store, &m, rj->receipt, rj->rlen)) != HL_OK) {
		log_warnx("envelope %s: cannot store: %s (no receipt; origin will retry)", idh,
		    hl_strerror(r));
		node_batch_abort(n);
		goto out;
	}
	node_audit(n, "envelope-received", e.id, e.origin, ad);
	t_commit = hl_mono_us();
	recv_answer_waiters(n, &waiters, rj->receipt, rj->rlen);
	b = node_batch_item(n, BATCH_ENVELOPE, ps);
	b->raw = rj->receipt;
	b->len = rj->rlen;
	rj->receipt = NULL;
	memcpy(b->id, e.id, HL_ID_BYTES);
	snprintf(b->origin, sizeof(b->origin), "%s", e.origin);
	b->precedence = e.precedence;
	b->content_type = e.content_type;
	b->flags = e.flags;
	b->clen = rj->clen;
	if (e.precedence == HL_PREC_FLASH)
		node_flash_seen(n);   /* until it is on disk and its receipt sent */
	if (rj->len > HL_CHUNK_BYTES) {
		/* a large one: do not hold its receipt behind others. Its times
		 * go to the log: the verify and open on a crypto worker, the
		 * store and commit on the loop (what frames arriving meanwhile
		 * wait for). */
		uint64_t t_end;

		node_batch_flush(n);
		t_end = hl_mono_us();
		log_info("envelope %s: %zu bytes: queued %llu us, verify %llu us, open %llu us, "
		    "store %llu us, commit %llu us, total %llu us, on the loop %llu us", idh, rj->len,
		    (unsigned long long)(rj->t_verify - rj->t_start),
		    (unsigned long long)(rj->t_open - rj->t_verify),
		    (unsigned long long)(rj->t_crypto_end - rj->t_open),
		    (unsigned long long)(t_commit - t_store), (unsigned long long)(t_end - t_commit),
		    (unsigned long long)(t_end - rj->t_start), (unsigned long long)(t_end - t_store));
	}
out:
	/* as after a frame handler: other writers commit the batch first */
	node_batch_idle(n);
	recv_job_free(rj);
}

int
node_handle_envelope(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_envelope e;
	struct peer_state *origin;
	struct recv_inflight *inf;
	struct recv_job *rj = NULL;
	uint8_t acc;
	uint8_t *receipt = NULL;
	size_t rlen = 0;
	int status, r, reason, named = 0;
	unsigned i;
	uint64_t now = hl_now_ms(), t_start = hl_mono_us();
	char idh[33], why[HL_REASON_MAX + 1], ad[HL_AUDIT_DETAIL_MAX];

	if ((r = hl_envelope_decode(p, len, &e)) != HL_OK) {
		log_warnx("link %s: malformed envelope (%s): dropped", ps->conf->node, hl_strerror(r));
		snprintf(ad, sizeof(ad), "from=%s: %s (%zu bytes)", ps->conf->node, hl_strerror(r), len);
		node_audit(n, "envelope-malformed", NULL, ps->conf->node, ad);
		return HL_OK;
	}
	hl_hex_id(e.id, idh);
	/* rule 5: exactly once. A replay gets the answer we gave the first time. */
	r = hl_store_inbound_seen(n->store, e.id, &status, &receipt, &rlen);
	if (r == HL_OK) {
		answer_duplicate(n, ps, &e, receipt, rlen);
		return HL_OK;
	}
	if (r != HL_ERR_NOT_FOUND) {
		log_warnx("envelope %s: store lookup failed: %s", idh, hl_strerror(r));
		return HL_OK;  /* no receipt: the origin will send it again */
	}
	if ((inf = recv_inflight_find(n, e.id)) != NULL) {
		/* the first copy is being opened: this link gets its answer too */
		log_debug("envelope %s from %s: a copy is being opened", idh, e.origin);
		if (inf->nwait < RECV_WAITERS_MAX)
			inf->wait[inf->nwait++] = ps;
		return HL_OK;
	}
	/* rule 3: known origin, valid signature, not expired, for us, releasable */
	if ((origin = node_peer_by_name(n, e.origin)) == NULL || !origin->have_pub) {
		reject_envelope(n, ps, &e, HL_REASON_UNKNOWN_ORIGIN, "origin node is not a known peer");
		return HL_OK;
	}
	if (origin != ps && !node_relay_allowed(&e, ps)) {
		/* rule 2, checked again here: the relay must be allowed to carry it */
		reject_envelope(n, ps, &e, HL_REASON_POLICY,
		    "relayed through a node the label does not allow");
		return HL_OK;
	}
	/* relayed: the label must fit both the origin's and the relay's link */
	acc = origin->conf->accreditation < ps->conf->accreditation ?
	    origin->conf->accreditation : ps->conf->accreditation;
	if (e.expires_ms < now) {
		reject_envelope(n, ps, &e, HL_REASON_EXPIRED, "envelope expired before it arrived");
		return HL_OK;
	}
	/* created ahead of our clock by more than the skew we allow: refused,
	 * or its lifetime and acknowledgement deadline would stretch */
	if (e.created_ms > now + 1000ull * n->cfg.max_clock_skew_s) {
		snprintf(why, sizeof(why), "created %llu s ahead of this node's clock "
		    "(max_clock_skew %u s)", (unsigned long long)((e.created_ms - now) / 1000),
		    (unsigned)n->cfg.max_clock_skew_s);
		reject_envelope(n, ps, &e, HL_REASON_POLICY, why);
		return HL_OK;
	}
	for (i = 0; i < e.nwraps; i++)
		if (strcmp(e.wraps[i].node, n->cfg.node) == 0)
			named = 1;
	if (!named) {
		reject_envelope(n, ps, &e, HL_REASON_NOT_RECIPIENT, "this node is not a recipient");
		return HL_OK;
	}
	if (hl_label_may_receive(&e.label, &n->cfg.policy, n->cfg.partner, acc, &reason) != HL_OK) {
		char lt[HL_LABEL_TEXT_MAX];

		hl_label_format(&e.label, &n->cfg.policy, lt, sizeof(lt));
		snprintf(why, sizeof(why), "label %s not acceptable on link from %s (accredited %s)",
		    lt, origin->conf->node, hl_policy_level_name(&n->cfg.policy, acc));
		reject_envelope(n, ps, &e, (uint8_t)reason, why);
		return HL_OK;
	}
	/* the signature (the rest of rule 3) and the decryption need crypto:
	 * a worker of the envelope's precedence does them */
	if ((rj = hl_calloc(1, sizeof(*rj))) == NULL) {
		log_warnx("envelope %s: out of memory (no receipt; the origin will retry)", idh);
		return HL_OK;
	}
	rj->n = n;
	rj->ps = ps;
	rj->len = len;
	rj->now_ms = now;
	rj->t_start = t_start;
	node_envelope_signer(n, origin, &e, &rj->pub);
	if (f->owned != NULL) {
		/* a reassembled envelope: its buffer is handed over, not copied */
		rj->alloc = f->owned;
		rj->raw = p;
		f->owned = NULL;
	} else {
		if ((rj->alloc = hl_malloc(len > 0 ? len : 1)) == NULL) {
			hl_free(rj);
			log_warnx("envelope %s: out of memory (no receipt; the origin will retry)", idh);
			return HL_OK;
		}
		memcpy(rj->alloc, p, len);
		rj->raw = rj->alloc;
	}
	rj->j.lane = e.precedence < HL_WORKQ_LANES ? e.precedence : HL_WORKQ_LANES - 1;
	if (e.precedence == HL_PREC_FLASH)
		node_flash_seen(n);
	rj->j.run = recv_open;
	rj->j.batch_ok = 1;
	rj->j.done = recv_done;
	if (n->nrecv < NODE_CRYPTO_JOBS) {
		memset(&n->recv[n->nrecv], 0, sizeof(n->recv[0]));
		memcpy(n->recv[n->nrecv++].id, e.id, HL_ID_BYTES);
	}
	if (n->crypto == NULL || hl_workq_submit(n->crypto, &rj->j) != HL_OK) {
		/* no pool, or a full one: here and now (back-pressure on the link) */
		recv_open(&rj->j, NULL);
		recv_done(&rj->j);
	}
	return HL_OK;
}

/* The delivery state a receipt kind moves a delivery to (the one place a
 * receipt kind is mapped): every kind is named, so a new one is a compiler
 * warning here (-Wswitch), not a silent "rejected"; a value outside the
 * enum (the decoder lets none through) gives -1, which the store refuses. */
int
node_receipt_state(uint8_t kind)
{
	switch ((enum hl_receipt_kind)kind) {
	case HL_RECEIPT_DELIVERED: return HL_DLV_DELIVERED;
	case HL_RECEIPT_ACKNOWLEDGED: return HL_DLV_ACKNOWLEDGED;
	case HL_RECEIPT_REJECTED: return HL_DLV_REJECTED;
	}
	return -1;
}

void
node_send_receipt_ack(struct peer_state *ps, const struct hl_receipt *rc, const char *me)
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

/* A receipt addressed to us, its signature checked: the delivery
 * advances (never backwards) and is audited in the loop pass's batch, and
 * the issuer gets RECEIPT_ACK after the commit (node_batch_flush). */
static void
receipt_apply(struct hl_node *n, struct peer_state *ps, struct peer_state *from,
    const struct hl_receipt *rc, int verified)
{
	struct batch_item *b;
	int state, r;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX], ev[40];

	hl_hex_id(rc->id, idh);
	if (!verified) {
		log_warnx("link %s: receipt for %s does not verify: ignored", ps->conf->node, idh);
		snprintf(ad, sizeof(ad), "from=%s to=%s kind=%s", rc->from, rc->to,
		    hl_receipt_kind_name(rc->kind));
		node_audit(n, "receipt-invalid", rc->id, ps->conf->node, ad);
		return;
	}
	state = node_receipt_state(rc->kind);
	snprintf(ev, sizeof(ev), "receipt-%s", hl_receipt_kind_name(rc->kind));
	snprintf(ad, sizeof(ad), "from=%s%s%s%s%s", rc->from,
	    rc->kind == HL_RECEIPT_REJECTED ? " reason=" : "",
	    rc->kind == HL_RECEIPT_REJECTED ? hl_reason_name(rc->reason) : "",
	    rc->operator_name[0] != '\0' ? " operator=" : "", rc->operator_name);
	if ((r = node_batch_join(n)) != HL_OK)
		return;
	r = hl_store_delivery_update(n->store, rc->id, rc->from, state, rc->reason, rc->detail,
	    rc->operator_name, rc->time_ms);
	if (r == HL_OK)
		r = hl_store_delivery_suite(n->store, rc->id, rc->from,
		    rc->version == HL_RECEIPT_VERSION_HYBRID ? rc->hsig.suite : HL_SUITE_ED25519);
	if (r != HL_OK && r != HL_ERR_NOT_FOUND) {
		log_warnx("receipt %s: cannot store: %s", idh, hl_strerror(r));
		node_batch_abort(n);
		return;
	}
	if (r == HL_ERR_NOT_FOUND) {
		/* signed by its issuer, but we sent it no such envelope: never
		 * audited as a receipt (a hostile peer would plant entries that
		 * read as deliveries), and audited as what it is at most once a
		 * minute per peer, with the count since */
		uint64_t now = hl_mono_us() / 1000;

		from->unmatched_since++;
		if (from->unmatched_audit_ms == 0 || now - from->unmatched_audit_ms >= 60000) {
			snprintf(ad, sizeof(ad), "from=%s kind=%s: no delivery of this envelope to "
			    "it (%u such receipts from it since the last entry)", rc->from,
			    hl_receipt_kind_name(rc->kind), from->unmatched_since);
			node_audit(n, "receipt-unmatched", rc->id, rc->from, ad);
			log_warnx("receipt %s from %s: no such delivery", idh, rc->from);
			from->unmatched_audit_ms = now;
			from->unmatched_since = 0;
		}
	} else {
		node_audit(n, ev, rc->id, rc->from, ad);
	}
	b = node_batch_item(n, BATCH_RECEIPT, ps);
	b->rc = *rc;
	b->from = from;
}

/* The signature check of a receipt on a crypto worker: a FLASH to 35
 * partners brings 35 receipts, about 4 ms of Ed25519 that held the loop
 * (and the next FLASH) when it ran there. */
struct receipt_job {
	struct hl_job j;               /* first: the workq hands back &j */
	struct hl_node *n;
	struct peer_state *ps, *from;  /* live as long as the node */
	struct hl_receipt rc;
	struct hl_signer pub;
	size_t len;
	int verified;
	uint8_t raw[];                 /* the receipt as received */
};

static void
receipt_verify(struct hl_job *j, void *ctx)
{
	struct receipt_job *rj = (struct receipt_job *)j;

	(void)ctx;
	rj->verified = hl_verify_receipt_cached(rj->n->sigcache, &rj->rc, rj->raw, &rj->pub) ==
	    HL_OK;
}

static void
receipt_verified(struct hl_job *j)
{
	struct receipt_job *rj = (struct receipt_job *)j;

	/* cancelled at a stop: dropped unacknowledged, so the issuer sends it
	 * again on the next link */
	if (!j->cancelled) {
		receipt_apply(rj->n, rj->ps, rj->from, &rj->rc, rj->verified);
		/* out of the batch again (as after a frame), so that another
		 * writer, such as the STIX queue, may have it committed */
		node_batch_idle(rj->n);
	}
	hl_free(rj);
}

int
node_handle_receipt(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_receipt rc;
	struct peer_state *from;
	struct receipt_job *rj;
	int r;

	if ((r = hl_receipt_decode(p, len, &rc)) != HL_OK) {
		log_warnx("link %s: malformed receipt: %s", ps->conf->node, hl_strerror(r));
		node_audit(n, "receipt-malformed", NULL, ps->conf->node, hl_strerror(r));
		return HL_OK;
	}
	if (strcmp(rc.to, n->cfg.node) != 0) {
		node_relay_receipt(n, ps, &rc, p, len);
		return HL_OK;
	}
	if ((from = node_peer_by_name(n, rc.from)) == NULL || !from->have_pub) {
		receipt_apply(n, ps, from, &rc, 0);
		return HL_OK;
	}
	if (n->crypto == NULL || (rj = hl_malloc(sizeof(*rj) + len)) == NULL) {
		receipt_apply(n, ps, from, &rc,
		    hl_verify_receipt_cached(n->sigcache, &rc, p, &from->sig) == HL_OK);
		return HL_OK;
	}
	memset(rj, 0, sizeof(*rj));
	rj->n = n;
	rj->ps = ps;
	rj->from = from;
	rj->rc = rc;
	rj->pub = from->sig;
	rj->len = len;
	memcpy(rj->raw, p, len);
	/* the decoded receipt borrows its hybrid signature: from our copy now */
	if (rc.hsig.p != NULL)
		rj->rc.hsig.p = rj->raw + (rc.hsig.p - p);
	rj->j.lane = HL_PREC_IMMEDIATE;
	rj->j.run = receipt_verify;
	rj->j.batch_ok = 1;
	rj->j.done = receipt_verified;
	if (hl_workq_submit(n->crypto, &rj->j) != HL_OK) {
		/* a full pool: here (its bound holds a flood back) */
		receipt_verify(&rj->j, NULL);
		receipt_verified(&rj->j);
	}
	return HL_OK;
}

int
node_handle_receipt_ack(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_receipt_ack a;
	struct peer_state *issuer;

	if (hl_receipt_ack_decode(p, len, &a) != HL_OK) {
		f->why = "malformed receipt acknowledgement";
		return HL_ERR_MALFORMED;
	}
	if (strcmp(a.issuer, n->cfg.node) != 0) {
		/* relayed receipt: pass the acknowledgement back to its issuer */
		if ((issuer = node_peer_by_name(n, a.issuer)) != NULL && issuer->up &&
		    issuer != ps && hl_link_send(issuer->link, HL_FRAME_RECEIPT_ACK, p, len) != HL_OK)
			log_debug("receipt ack for %s not forwarded", a.issuer);
		return HL_OK;
	}
	/* in the loop pass's batch when one can be opened (losing it in a
	 * crash only means the receipt is sent once more) */
	if (node_batch_join(n) != HL_OK)
		log_debug("receipt ack from %s: stored outside the batch", a.from);
	if (hl_store_receipt_done(n->store, a.id, a.kind) != HL_OK)
		log_debug("receipt ack from %s: nothing pending", a.from);
	return HL_OK;
}
