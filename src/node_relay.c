/* node_relay.c: reaching nodes through others. ROUTES (which links a peer
 * has up), rule 2 (who may carry an envelope), RELAY frames (one hop of
 * store-and-forward: stored in transit, forwarded when the final link is
 * up), receipts passing back through us, and descriptors passed on for
 * nodes we have no link to. The pump (node_pump.c) picks the relay. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"

int
node_route_has(const struct peer_state *via, const char *node)
{
	unsigned i;

	for (i = 0; i < via->nroutes; i++)
		if (strcmp(via->routes[i], node) == 0)
			return 1;
	return 0;
}

/* Rule 2: a relay must itself be a recipient of the envelope or belong to a
 * partner in its releasable-to. */
int
node_relay_allowed(const struct hl_envelope *e, const struct peer_state *via)
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
struct peer_state *
node_pick_relay(struct hl_node *n, struct peer_state *ps, const struct hl_envelope *e)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++) {
		struct peer_state *v = &n->peers[i];

		if (v != ps && v->up && node_route_has(v, ps->conf->node) &&
		    node_relay_allowed(e, v) && (ps->inflight_via == NULL || ps->inflight_via == v))
			return v;
	}
	return NULL;
}

/* A receipt that passes through us (we relayed the envelope): end our
 * transit delivery and pass it on to the origin if its link is up; if not,
 * the origin sends the envelope again, we forward it once more
 * (node_handle_relay, hl_store_transit_requeue) and the final recipient
 * answers from its seen-id table. */
void
node_relay_receipt(struct hl_node *n, struct peer_state *ps, const struct hl_receipt *rc,
    const uint8_t *p, size_t len)
{
	struct peer_state *to = node_peer_by_name(n, rc->to);
	struct peer_state *from = node_peer_by_name(n, rc->from);
	int state;

	if (to == NULL || from == NULL || from != ps || !from->have_pub ||
	    hl_verify_receipt_cached(n->sigcache, rc, p, &from->sig) != HL_OK) {
		log_warnx("link %s: receipt for another node does not verify: ignored", ps->conf->node);
		return;
	}
	state = node_receipt_state(rc->kind);
	if (rc->kind != HL_RECEIPT_ACKNOWLEDGED &&
	    hl_store_transit_done(n->store, rc->id, rc->from, state) == HL_OK)
		node_inflight_del(from, rc->id);
	if (to->up && hl_link_send(to->link, HL_FRAME_RECEIPT, p, len) != HL_OK)
		log_debug("relayed receipt to %s not sent", to->conf->node);
}

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
void
node_broadcast_routes(struct hl_node *n)
{
	unsigned i;

	for (i = 0; i < n->npeers; i++)
		if (n->peers[i].up)
			send_routes(n, &n->peers[i]);
}

int
node_handle_routes(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_routes rt;
	unsigned i, k = 0;

	if (hl_routes_decode(p, len, &rt) != HL_OK) {
		f->why = "malformed routes";
		return HL_ERR_MALFORMED;
	}
	/* only nodes we know can be reached through it */
	for (i = 0; i < rt.n; i++)
		if (node_peer_by_name(n, rt.node[i]) != NULL &&
		    strcmp(rt.node[i], n->cfg.node) != 0)
			memcpy(ps->routes[k++], rt.node[i], strlen(rt.node[i]) + 1);
	ps->nroutes = k;
	for (i = 0; i < n->npeers; i++)
		if (!n->peers[i].up && node_route_has(ps, n->peers[i].conf->node)) {
			node_pump(n, &n->peers[i]);
			node_send_receipts(n, &n->peers[i]);
		}
	return HL_OK;
}

/* A descriptor of a node we have no link up to, passed on by a peer. */
void
node_third_party_descriptor(struct hl_node *n, struct peer_state *via, const uint8_t *p,
    size_t len, const struct hl_descriptor *d)
{
	struct peer_state *ps = node_peer_by_name(n, d->node);
	struct hl_signer *s;
	uint8_t *copy;
	char why[200];
	int r;

	(void)via;
	if (ps == NULL || ps->up || strcmp(d->node, n->cfg.node) == 0)
		return;   /* unknown node, or we hear from it directly */
	if (ps->desc_raw != NULL && (d->epoch < ps->desc.epoch ||
	    (ps->desc_len == len && memcmp(ps->desc_raw, p, len) == 0)))
		return;
	if ((s = hl_malloc(sizeof(*s))) == NULL)
		return;
	if (node_verify_peer_cert(n, ps, d->cert, d->cert_len) != HL_OK ||
	    hl_verify_descriptor(d, p, hl_now_ms(), s) != HL_OK) {
		hl_free(s);
		log_warnx("descriptor of %s relayed by %s does not verify: ignored", d->node,
		    via->conf->node);
		return;
	}
	r = node_descriptor_acceptable(n, ps, d, s, why, sizeof(why));
	hl_free(s);
	if (r != HL_OK) {
		log_warnx("descriptor of %s relayed by %s refused: %s", d->node, via->conf->node,
		    why);
		return;
	}
	if ((copy = hl_malloc(len)) == NULL)
		return;
	memcpy(copy, p, len);
	if (hl_store_peer_put(n->store, ps->conf->node, p, len, hl_now_ms()) != HL_OK)
		log_warnx("cannot store the descriptor of %s", ps->conf->node);
	if (node_peer_set_descriptor(n, ps, copy, len) != HL_OK)
		return;
	log_info("descriptor of %s (epoch %u) learned through %s", ps->conf->node,
	    (unsigned)ps->desc.epoch, via->conf->node);
	node_reseal_for_peer(n, ps);
	node_pump(n, ps);
}

/* Pass the descriptors we hold of other nodes to a peer (on link-up), or
 * one node's new descriptor to every other linked peer. */
void
node_gossip_descriptors(struct hl_node *n, struct peer_state *to, struct peer_state *about)
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
			/* a link of protocol < 5 cannot read a version 2 descriptor */
			if (a->desc.version == HL_DESCRIPTOR_VERSION_HYBRID &&
			    t->proto < HL_LINK_PROTO_HYBRID)
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
int
node_handle_relay(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	const uint8_t *p = f->p;
	size_t len = f->len;
	struct hl_relay rl;
	struct hl_envelope e;
	struct hl_signer sgb, *sg = &sgb;
	struct peer_state *fin;
	struct hl_msg m;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX];
	const char *final;
	const uint8_t *env;
	size_t elen;
	unsigned w;
	int named = 0, added = 0, r;

	if (hl_relay_decode(p, len, &rl) != HL_OK) {
		f->why = "malformed relay frame";
		return HL_ERR_MALFORMED;
	}
	final = rl.final;
	env = rl.env;
	elen = rl.env_len;
	if (hl_envelope_decode(env, elen, &e) != HL_OK) {
		node_audit(n, "relay-refused", NULL, ps->conf->node, "malformed envelope");
		return HL_OK;
	}
	hl_hex_id(e.id, idh);
	for (w = 0; w < e.nwraps; w++)
		if (strcmp(e.wraps[w].node, final) == 0)
			named = 1;
	fin = node_peer_by_name(n, final);
	if (strcmp(e.origin, ps->conf->node) != 0 || fin == NULL || fin == ps || !named ||
	    (node_envelope_signer(n, ps, &e, sg),
	    hl_verify_envelope_cached(n->sigcache, &e, env, sg)) != HL_OK) {
		snprintf(ad, sizeof(ad), "to %s: not from its origin, unknown or unnamed final "
		    "recipient, or bad signature", final);
		log_warnx("relay of %s from %s refused: %s", idh, ps->conf->node, ad);
		node_audit(n, "relay-refused", e.id, ps->conf->node, ad);
		return HL_OK;
	}
	if (!hl_label_releasable_to(&e.label, n->cfg.partner)) {
		for (w = 0; w < e.nwraps && strcmp(e.wraps[w].node, n->cfg.node) != 0; w++)
			;
		if (w == e.nwraps) {
			snprintf(ad, sizeof(ad), "to %s: our partner %s is not releasable for it (rule 2)",
			    final, n->cfg.partner);
			log_warnx("relay of %s refused: %s", idh, ad);
			node_audit(n, "relay-refused", e.id, ps->conf->node, ad);
			return HL_OK;
		}
	}
	if (node_msg_from_envelope(&m, &e, env, elen) != HL_OK)
		return HL_OK;
	if ((r = node_begin(n)) != HL_OK)
		return HL_OK;
	if ((r = hl_store_put_transit(n->store, &m, final, hl_now_ms(), &added)) != HL_OK) {
		hl_store_rollback(n->store);
		log_warnx("relay of %s: cannot store: %s", idh, hl_strerror(r));
		return HL_OK;
	}
	if (added) {
		snprintf(ad, sizeof(ad), "origin=%s to=%s precedence=%s size=%zu", e.origin, final,
		    hl_precedence_name(e.precedence), elen);
		node_audit(n, "relay-accepted", e.id, ps->conf->node, ad);
	} else if (hl_store_transit_requeue(n->store, e.id, final) == HL_OK) {
		/* the origin still has no receipt: the one we passed on was lost
		 * (its link was down then); forward once more for a fresh one */
		log_info("envelope %s from %s sent again: relaying it to %s once more", idh,
		    e.origin, final);
	}
	if (node_commit(n) != HL_OK) {
		hl_store_rollback(n->store);
		return HL_OK;
	}
	if (added)
		log_info("envelope %s from %s accepted for relay to %s", idh, e.origin, final);
	node_pump_add(fin, e.id, e.precedence);
	node_pump(n, fin);
	return HL_OK;
}
