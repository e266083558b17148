/* node_link.c: the link protocol's entry points (docs/PROTOCOL.md). The
 * link callbacks (open, frame, writable, close), the frame table and the
 * one dispatcher that closes a link when a handler says so; the handlers
 * of HELLO, PING/PONG, DESCRIPTOR, DESCRIPTOR_ACK and CHUNK (reassembly).
 * The other handlers are in node_recv.c, node_relay.c and node_witness.c;
 * all are declared once, in NODE_FRAMES (node_int.h). */
#include <stdio.h>
#include <string.h>

#include <openssl/rand.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"
#include "nodeinit.h"

void
node_send_ping(struct peer_state *ps, uint64_t now_ms)
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

int
node_handle_hello(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	int r;

	if ((r = node_adopt_descriptor(n, ps, f->p, f->len)) != HL_OK) {
		log_warnx("link %s: bad HELLO descriptor: %s", ps->conf->node, hl_strerror(r));
		node_audit(n, "link-refused", NULL, ps->conf->node,
		    "descriptor certificate not from the pinned CA for this node, or bad signature");
		f->why = "bad descriptor";
		return r;
	}
	ps->up = 1;
	ps->up_since_ms = ps->last_heard_ms = hl_now_ms();
	ps->backoff_ms = 0;
	ps->last_error[0] = '\0';
	hl_link_set_frame_max(ps->link, HL_FRAME_LINK_MAX_BYTES);
	log_info("link %s up (%s)", ps->conf->node, hl_link_addr(ps->link));
	node_audit(n, "link-up", NULL, ps->conf->node, hl_link_addr(ps->link));
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_LINK,
	    .peer = ps->conf->node });   /* console: link board */
	node_send_ping(ps, hl_now_ms());
	node_broadcast_routes(n);
	node_gossip_descriptors(n, ps, NULL);
	node_gossip_descriptors(n, NULL, ps);
	node_send_receipts(n, ps);
	node_pump(n, ps);
	node_send_last_checkpoint(n, ps);
	node_send_revocations(n, ps);
	return HL_OK;
}

int
node_handle_descriptor(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	struct hl_descriptor d;
	char ad[64];
	int r;

	if (hl_descriptor_decode(f->p, f->len, &d) == HL_OK &&
	    strcmp(d.node, ps->conf->node) != 0) {
		node_third_party_descriptor(n, ps, f->p, f->len, &d);
		return HL_OK;
	}
	if ((r = node_adopt_descriptor(n, ps, f->p, f->len)) != HL_OK) {
		log_warnx("link %s: bad descriptor update: %s", ps->conf->node, hl_strerror(r));
		f->why = "bad descriptor update";
		return r;
	}
	snprintf(ad, sizeof(ad), "epoch %u", (unsigned)ps->desc.epoch);
	node_audit(n, "peer-keys-updated", NULL, ps->conf->node, ad);
	node_gossip_descriptors(n, NULL, ps);
	node_pump(n, ps);
	return HL_OK;
}

int
node_handle_descriptor_ack(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	uint32_t epoch;

	(void)n;
	if (hl_descriptor_ack_decode(f->p, f->len, &epoch) != HL_OK) {
		f->why = "malformed descriptor acknowledgement";
		return HL_ERR_MALFORMED;
	}
	if (epoch > ps->acked_epoch)
		ps->acked_epoch = epoch;
	return HL_OK;
}

/* PING (answered with PONG) and PONG (a round trip measured). */
int
node_handle_ping(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	struct hl_ping pg;

	(void)n;
	if (hl_ping_decode(f->p, f->len, &pg) != HL_OK) {
		f->why = "malformed heartbeat";
		return HL_ERR_MALFORMED;
	}
	ps->last_heard_ms = hl_now_ms();
	if (f->type == HL_FRAME_PING) {
		if (hl_link_send(ps->link, HL_FRAME_PONG, f->p, f->len) != HL_OK)
			log_debug("pong to %s not sent", ps->conf->node);
	} else if (pg.nonce == ps->ping_nonce && ps->ping_sent_us != 0) {
		ps->rtt_us = hl_mono_us() - ps->ping_sent_us;
		ps->ping_sent_us = 0;
	}
	return HL_OK;
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

/* Drop the envelopes being reassembled on ps's link. */
void
node_reasm_clear(struct peer_state *ps)
{
	unsigned p;

	for (p = 0; p < HL_REASM_MAX; p++) {
		hl_free(ps->reasm[p].buf);
		memset(&ps->reasm[p], 0, sizeof(ps->reasm[p]));
	}
}

/* One chunk of a large envelope; the whole envelope is processed like an
 * ENVELOPE frame once its last chunk arrived. Memory grows with what
 * arrived, never with the claimed total. */
int
node_handle_chunk(struct hl_node *n, struct peer_state *ps, struct node_frame *f)
{
	struct node_frame whole;
	struct hl_chunk c;
	struct in_reasm *ra;
	uint8_t *nb;
	size_t ncap;
	int r;

	if (hl_chunk_decode(f->p, f->len, &c) != HL_OK) {
		f->why = "malformed chunk";
		return HL_ERR_MALFORMED;
	}
	if ((ra = reasm_slot(ps, c.id, c.offset == 0)) == NULL) {
		f->why = c.offset == 0 ? "too many chunked transfers at once" :
		    "chunk of an unknown transfer";
		return c.offset == 0 ? HL_ERR_FULL : HL_ERR_MALFORMED;
	}
	if (ra->total == 0) {
		memcpy(ra->id, c.id, HL_ID_BYTES);
		ra->total = c.total;
	}
	if (ra->total != c.total || c.offset != ra->got) {
		f->why = "chunk out of order";
		return HL_ERR_MALFORMED;
	}
	if (ra->got + c.len > ra->cap) {
		ncap = ra->cap == 0 ? 4 * HL_CHUNK_BYTES : ra->cap * 2;
		if (ncap > ra->total)
			ncap = ra->total;
		if ((nb = hl_realloc(ra->buf, ncap)) == NULL) {
			f->why = "out of memory reassembling an envelope";
			return HL_ERR_NOMEM;
		}
		ra->buf = nb;
		ra->cap = ncap;
	}
	memcpy(ra->buf + ra->got, c.data, c.len);
	ra->got += c.len;
	ps->last_heard_ms = hl_now_ms();
	if (ra->got < ra->total)
		return HL_OK;
	nb = ra->buf;
	ncap = ra->got;
	memset(ra, 0, sizeof(*ra));
	/* the reassembled bytes are one frame: ENVELOPE or RELAY */
	memset(&whole, 0, sizeof(whole));
	whole.type = nb[0];
	whole.p = nb + 1;
	whole.len = ncap - 1;
	whole.owned = nb;
	if (whole.type == HL_FRAME_ENVELOPE) {
		r = node_handle_envelope(n, ps, &whole);
	} else if (whole.type == HL_FRAME_RELAY) {
		r = node_handle_relay(n, ps, &whole);
	} else {
		whole.why = "chunked frame of a type that is never chunked";
		r = HL_ERR_MALFORMED;
	}
	hl_free(whole.owned);   /* unless a handler took it */
	f->why = whole.why;
	return r;
}

/* ---- link callbacks ---- */

static void
node_on_open(void *arg, struct hl_link *l, const struct hl_peer_conf *peer)
{
	struct hl_node *n = arg;
	struct peer_state *ps = node_peer_by_name(n, peer->node);
	const uint8_t *der, *desc;
	size_t len, dl = 0;

	if (ps == NULL) {
		hl_link_close(l, "no state for peer");
		return;
	}
	/* a revoked certificate: refused (audited at most once a minute) */
	if (hl_link_peer_cert(l, &der, &len) == HL_OK && node_revoked(n, der, len)) {
		uint64_t now = hl_now_ms();

		if (now - ps->revoked_audit_ms >= 60000) {
			ps->revoked_audit_ms = now;
			log_warnx("link %s refused: its certificate is revoked", peer->node);
			node_audit(n, "link-refused", NULL, peer->node, "certificate revoked");
		}
		snprintf(ps->last_error, sizeof(ps->last_error), "certificate revoked");
		hl_link_close(l, "certificate revoked");
		return;
	}
	if (ps->dialing == l)
		ps->dialing = NULL;
	if (ps->link != NULL && ps->link != l) {
		/* a new connection replaces the old: the old one is likely dead */
		hl_link_set_udata(ps->link, NULL);
		hl_link_close(ps->link, "replaced by a new connection");
		ps->up = 0;
		node_pump_reset(ps);
		node_reasm_clear(ps);
	}
	ps->link = l;
	ps->proto = l->proto;
	ps->acked_epoch = 0;
	hl_link_set_udata(l, ps);
	hl_link_set_idle_timeout(l, n->cfg.dead_after_ms);
	desc = node_descriptor_for(n, l->proto, &dl);
	if (hl_link_send(l, HL_FRAME_HELLO, desc, dl) != HL_OK)
		hl_link_close(l, "cannot send HELLO");
}

/* The frame table, by type: the link state a frame needs, whether it
 * counts as traffic, its handler (NODE_FRAMES in node_int.h). */
struct frame_entry {
	int state;
	int heard;
	int (*fn)(struct hl_node *n, struct peer_state *ps, struct node_frame *f);
};

#define NODE_FRAME_ROW(type, st, hd, handler) [type] = { st, hd, handler },
static const struct frame_entry frames[HL_FRAME_LAST + 1] = { NODE_FRAMES(NODE_FRAME_ROW) };
#undef NODE_FRAME_ROW

/* The dispatcher: the only place a frame closes a link. */
static void
node_on_frame(void *arg, struct hl_link *l, uint8_t type, const uint8_t *p, size_t len)
{
	struct hl_node *n = arg;
	struct peer_state *ps = hl_link_udata(l);
	const struct frame_entry *e = NULL;
	struct node_frame f;
	int r;

	if (ps == NULL || ps->link != l)
		return;
	if (type <= HL_FRAME_LAST && frames[type].fn != NULL)
		e = &frames[type];
	memset(&f, 0, sizeof(f));
	f.type = type;
	f.p = p;
	f.len = len;
	if (!ps->up && (e == NULL || e->state != LINK_OPEN)) {
		f.why = "frame before HELLO";
		r = HL_ERR_INVALID;
	} else if (e == NULL) {
		f.why = "unexpected frame type";
		r = HL_ERR_VERSION;
	} else if (ps->up && e->state == LINK_OPEN) {
		f.why = "second HELLO";   /* HELLO is the only frame of an open link */
		r = HL_ERR_INVALID;
	} else {
		if (e->heard)
			ps->last_heard_ms = hl_now_ms();
		r = e->fn(n, ps, &f);
	}
	if (r != HL_OK)
		hl_link_close(l, f.why != NULL ? f.why : hl_strerror(r));
	/* the batch (if any) stays open until the end of this loop pass, but
	 * other writers commit it before theirs from now on */
	node_batch_idle(n);
}

static void
node_on_writable(void *arg, struct hl_link *l)
{
	struct hl_node *n = arg;
	struct peer_state *ps = hl_link_udata(l);
	unsigned i;

	if (ps == NULL || ps->link != l)
		return;
	node_pump(n, ps);
	for (i = 0; i < n->npeers; i++)   /* envelopes relayed over this link */
		if (!n->peers[i].up && node_route_has(ps, n->peers[i].conf->node))
			node_pump(n, &n->peers[i]);
}

/* A connection refused before it opened (TLS, certificate, identity): each
 * costs an audit entry, that is a durable write, so a flood of them must
 * not become a flood of writes (issue 17: 37,000 connections wrote 29,000
 * entries and held the real links back). The first NODE_REFUSED_BURST of a
 * window are audited and logged one by one; the others are counted, and
 * the count is audited as one entry when the window ends. */
void
node_refused(struct hl_node *n, const char *peer, const char *addr, const char *why)
{
	uint64_t now = hl_mono_us() / 1000;
	char ad[HL_AUDIT_DETAIL_MAX];

	node_refused_flush(n, now);
	if (n->refused_window_ms == 0) {
		n->refused_window_ms = now;
		n->refused_in_window = 0;
	}
	if (n->refused_in_window >= NODE_REFUSED_BURST) {
		n->refused_suppressed++;
		return;
	}
	n->refused_in_window++;
	log_warnx("link %s refused: %s", addr, why);
	snprintf(ad, sizeof(ad), "%s: %s", addr, why);
	node_audit(n, "link-refused", NULL, peer, ad);
}

void
node_refused_flush(struct hl_node *n, uint64_t now_ms)
{
	char ad[HL_AUDIT_DETAIL_MAX];

	if (n->refused_window_ms == 0 || now_ms - n->refused_window_ms < NODE_REFUSED_WINDOW_MS)
		return;
	if (n->refused_suppressed > 0) {
		snprintf(ad, sizeof(ad), "%u more connections refused in %u s, not recorded one by one",
		    n->refused_suppressed, NODE_REFUSED_WINDOW_MS / 1000);
		log_warnx("links: %s", ad);
		node_audit(n, "link-refused", NULL, "-", ad);
	}
	n->refused_window_ms = 0;
	n->refused_in_window = n->refused_suppressed = 0;
}

static void
node_on_close(void *arg, struct hl_link *l, int opened, const char *why)
{
	struct hl_node *n = arg;
	struct peer_state *ps = hl_link_udata(l);

	if (!opened)
		node_refused(n, ps != NULL ? ps->conf->node : "-", hl_link_addr(l), why);
	if (ps == NULL)
		return;
	snprintf(ps->last_error, sizeof(ps->last_error), "%s", why);
	if (ps->dialing == l) {
		ps->dialing = NULL;
	}
	if (ps->link == l) {
		if (ps->up) {
			log_warnx("link %s down: %s", ps->conf->node, why);
			node_audit(n, "link-down", NULL, ps->conf->node, why);
			node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_LINK,
			    .peer = ps->conf->node });   /* console */
		}
		ps->link = NULL;
		ps->up = 0;
		ps->rtt_us = 0;
		ps->acked_epoch = 0;
		ps->nroutes = 0;
		node_pump_reset(ps);
		node_reasm_clear(ps);
		node_pump_via_lost(n, ps);
		node_broadcast_routes(n);
	}
	if (ps->dialer && ps->link == NULL && ps->dialing == NULL) {
		ps->backoff_ms = ps->backoff_ms == 0 ? 250 : ps->backoff_ms * 2;
		if (ps->backoff_ms > n->cfg.reconnect_max_ms)
			ps->backoff_ms = n->cfg.reconnect_max_ms;
		ps->retry_at_ms = hl_now_ms() + ps->backoff_ms;
	}
}

const struct hl_link_cbs hl_node_link_cbs = {
	.on_open = node_on_open,
	.on_frame = node_on_frame,
	.on_writable = node_on_writable,
	.on_close = node_on_close,
};
