/* node_pump.c: the send side of the link protocol. Queued envelopes go
 * out FLASH first, then oldest first, as ENVELOPE frames or 64 KiB CHUNKs
 * (the highest precedence always next), directly or through a relay as
 * RELAY frames; ids sent and not yet receipted are the link's in-flight
 * set. Its interface (node_int.h: node_pump, node_inflight_del, reset,
 * via_lost, retransmit, free) is all the rest of the node uses, so per-peer
 * in-memory queues can replace this file without touching the others. */
#include <string.h>

#include <openssl/rand.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"

/* Candidates for the transfer slots: one store query, used up in order. */
struct pump_cands {
	uint8_t (*ids)[HL_ID_BYTES];
	uint8_t *precs;
	size_t n;
	size_t used[HL_PRECEDENCES];   /* next index to look at, per precedence */
};

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

void
node_inflight_del(struct peer_state *ps, const uint8_t id[HL_ID_BYTES])
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

/* Drop the transfers in progress on a link (it went away). */
static void
xfers_clear(struct peer_state *ps)
{
	unsigned p;

	for (p = 0; p < HL_PRECEDENCES; p++) {
		hl_free(ps->xfer[p].raw);
		memset(&ps->xfer[p], 0, sizeof(ps->xfer[p]));
	}
}

void
node_pump_reset(struct peer_state *ps)
{
	ps->ninflight = 0;
	xfers_clear(ps);
}

/* What was in flight or in transfer through via to other recipients is
 * sent again later. */
void
node_pump_via_lost(struct hl_node *n, struct peer_state *via)
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
				    (via = node_pick_relay(n, ps, &e)) == NULL ||
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
void
node_pump(struct hl_node *n, struct peer_state *ps)
{
	struct pump_cands c;
	unsigned i;
	int any = 0;

	if (!ps->up) {
		/* through a relay: only when one links to it now */
		for (i = 0; i < n->npeers; i++)
			if (n->peers[i].up && &n->peers[i] != ps &&
			    node_route_has(&n->peers[i], ps->conf->node))
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

void
node_pump_retransmit(struct hl_node *n, struct peer_state *ps, uint64_t now)
{
	/* no receipt for anything in flight for a while (the receiver could
	 * not store it, say): send it all again; duplicates are answered from
	 * the receiver's seen-id table */
	if (ps->ninflight == 0 || now - ps->inflight_progress_ms < RETRANSMIT_MS)
		return;
	log_warnx("link %s: no receipt for %zu envelope(s) in %u s: sending again",
	    ps->conf->node, ps->ninflight, RETRANSMIT_MS / 1000);
	ps->ninflight = 0;
	ps->inflight_via = NULL;
	node_pump(n, ps);
}

void
node_pump_free(struct peer_state *ps)
{
	xfers_clear(ps);
	HL_FREE(ps->inflight);
	HL_FREE(ps->qids);
	HL_FREE(ps->qprecs);
	ps->ninflight = ps->capinflight = ps->qn = 0;
	ps->qvalid = 0;
}
