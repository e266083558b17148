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

int
node_handle_envelope(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
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
		node_audit(n, "envelope-malformed", NULL, ps->conf->node, ad);
		return HL_OK;
	}
	hl_hex_id(e.id, idh);
	/* rule 5: exactly once. A replay gets the answer we gave the first time. */
	r = hl_store_inbound_seen(n->store, e.id, &status, &receipt, &rlen);
	if (r == HL_OK) {
		log_info("envelope %s from %s: duplicate, receipt sent again", idh, e.origin);
		if (receipt != NULL && n->batch_open && n->nbatch < BATCH_MAX &&
		    hl_store_hold_open(n->store)) {
			/* the first copy may be in the open batch: answer after its
			 * commit (it is rolled back with it otherwise) */
			b = node_batch_item(n, BATCH_SEND_RECEIPT, ps);
			b->raw = receipt;
			b->len = rlen;
			return HL_OK;
		}
		if (n->batch_open)
			node_batch_flush(n);
		if (receipt != NULL && hl_link_send(ps->link, HL_FRAME_RECEIPT, receipt, rlen) != HL_OK)
			log_warnx("envelope %s: cannot resend receipt", idh);
		hl_free(receipt);
		return HL_OK;
	}
	if (r != HL_ERR_NOT_FOUND) {
		log_warnx("envelope %s: store lookup failed: %s", idh, hl_strerror(r));
		return HL_OK;  /* no receipt: the origin will send it again */
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
	t_verify = hl_mono_us();
	if (hl_verify_envelope(&e, p, origin->pub) != HL_OK) {
		reject_envelope(n, ps, &e, HL_REASON_BAD_SIGNATURE, "origin signature does not verify");
		return HL_OK;
	}
	if (e.expires_ms < now) {
		reject_envelope(n, ps, &e, HL_REASON_EXPIRED, "envelope expired before it arrived");
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
		char lt[200];

		hl_label_format(&e.label, &n->cfg.policy, lt, sizeof(lt));
		snprintf(why, sizeof(why), "label %s not acceptable on link from %s (accredited %s)",
		    lt, origin->conf->node, hl_policy_level_name(&n->cfg.policy, acc));
		reject_envelope(n, ps, &e, (uint8_t)reason, why);
		return HL_OK;
	}
	t_open = hl_mono_us();
	if ((r = hl_open_envelope(n->keys, &e, p, n->cfg.node, &content, &clen)) != HL_OK) {
		reject_envelope(n, ps, &e, HL_REASON_DECRYPT, "content key unwrap or decryption failed");
		return HL_OK;
	}
	/* durable first, then the delivered receipt (rule 5) */
	if ((r = node_make_receipt(n, HL_RECEIPT_DELIVERED, e.id, e.origin, 0, NULL, NULL,
	    &receipt, &rlen)) != HL_OK)
		goto out;
	if ((r = node_msg_from_envelope(&m, &e, p, len)) != HL_OK)
		goto out;
	m.inbound = 1;
	m.stored_ms = now;
	m.sig_ok = 1;
	m.content = content;
	m.content_len = clen;
	snprintf(ad, sizeof(ad), "origin=%s originator=%s precedence=%s%s size=%zu", e.origin,
	    e.originator, hl_precedence_name(e.precedence),
	    (e.flags & HL_ENV_FLAG_EXERCISE) ? " EXERCISE" : "", clen);
	t_store = hl_mono_us();
	/* in the loop pass's batch: committed (one fsync for all of them) by
	 * node_batch_flush, which then sends the delivered receipt */
	if ((r = node_batch_join(n)) != HL_OK)
		goto out;
	if ((r = hl_store_put_inbound(n->store, &m, receipt, rlen)) != HL_OK) {
		log_warnx("envelope %s: cannot store: %s (no receipt; origin will retry)", idh,
		    hl_strerror(r));
		node_batch_abort(n);
		goto out;
	}
	node_audit(n, "envelope-received", e.id, e.origin, ad);
	t_commit = hl_mono_us();
	b = node_batch_item(n, BATCH_ENVELOPE, ps);
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

		node_batch_flush(n);
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

int
node_handle_receipt(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_receipt rc;
	struct peer_state *from;
	struct batch_item *b;
	int state, r;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX], ev[40];

	if ((r = hl_receipt_decode(p, len, &rc)) != HL_OK) {
		log_warnx("link %s: malformed receipt: %s", ps->conf->node, hl_strerror(r));
		node_audit(n, "receipt-malformed", NULL, ps->conf->node, hl_strerror(r));
		return HL_OK;
	}
	hl_hex_id(rc.id, idh);
	if (strcmp(rc.to, n->cfg.node) != 0) {
		node_relay_receipt(n, ps, &rc, p, len);
		return HL_OK;
	}
	if ((from = node_peer_by_name(n, rc.from)) == NULL ||
	    !from->have_pub || hl_verify_receipt(&rc, p, from->pub) != HL_OK) {
		log_warnx("link %s: receipt for %s does not verify: ignored", ps->conf->node, idh);
		snprintf(ad, sizeof(ad), "from=%s to=%s kind=%s", rc.from, rc.to,
		    hl_receipt_kind_name(rc.kind));
		node_audit(n, "receipt-invalid", rc.id, ps->conf->node, ad);
		return HL_OK;
	}
	state = node_receipt_state(rc.kind);
	snprintf(ev, sizeof(ev), "receipt-%s", hl_receipt_kind_name(rc.kind));
	snprintf(ad, sizeof(ad), "from=%s%s%s%s%s", rc.from,
	    rc.kind == HL_RECEIPT_REJECTED ? " reason=" : "",
	    rc.kind == HL_RECEIPT_REJECTED ? hl_reason_name(rc.reason) : "",
	    rc.operator_name[0] != '\0' ? " operator=" : "", rc.operator_name);
	/* in the loop pass's batch; acknowledged to the issuer (and the
	 * queue pumped) after its commit, by node_batch_flush */
	if ((r = node_batch_join(n)) != HL_OK)
		return HL_OK;
	r = hl_store_delivery_update(n->store, rc.id, rc.from, state, rc.reason, rc.detail,
	    rc.operator_name, rc.time_ms);
	if (r != HL_OK && r != HL_ERR_NOT_FOUND) {
		log_warnx("receipt %s: cannot store: %s", idh, hl_strerror(r));
		node_batch_abort(n);
		return HL_OK;
	}
	if (r == HL_ERR_NOT_FOUND)
		log_warnx("receipt %s from %s: no such delivery", idh, rc.from);
	node_audit(n, ev, rc.id, rc.from, ad);
	b = node_batch_item(n, BATCH_RECEIPT, ps);
	b->rc = rc;
	b->from = from;
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
