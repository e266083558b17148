/* node_pump.c: the send side of the link protocol. Queued envelopes go
 * out FLASH first, then oldest first, as ENVELOPE frames or 64 KiB CHUNKs
 * (the highest precedence always next), directly or through a relay as
 * RELAY frames; ids sent and not yet receipted are the link's in-flight
 * set. The queue is in memory: one lane per precedence, listed from the
 * store at start and after a link reset, fed by node_pump_add with what
 * this node queues once it is durable; an id is checked against the store
 * when it is loaded for sending (it may have had its receipt meanwhile).
 * Listing the store's queue after every change, as before, cost 85 % of a
 * busy node's CPU (docs/BENCHMARKS.md). */
#include <string.h>

#include <openssl/rand.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"

#define IDSET_MIN 64
#define LANE_MIN 64
#define QUEUE_LOAD_MAX 65536        /* ids listed from the store at a time */
#define QUEUE_RELOAD_MS 10000       /* the safety net's period (below) */

/* ---- id sets ---- */

static size_t
idset_slot(const uint8_t id[HL_ID_BYTES], size_t cap)
{
	uint64_t h;

	memcpy(&h, id, sizeof(h));   /* ids are random (RAND_bytes) */
	return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static int
idset_has(const struct node_idset *s, const uint8_t id[HL_ID_BYTES])
{
	size_t i, k;

	if (s->cap == 0)
		return 0;
	for (k = 0, i = idset_slot(id, s->cap); k < s->cap; k++, i = (i + 1) & (s->cap - 1)) {
		if (s->state[i] == 0)
			return 0;
		if (s->state[i] == 1 && memcmp(s->keys[i], id, HL_ID_BYTES) == 0)
			return 1;
	}
	return 0;
}

static int idset_add(struct node_idset *s, const uint8_t id[HL_ID_BYTES]);

/* Rebuild at cap (drops the deleted slots). */
static int
idset_resize(struct node_idset *s, size_t cap)
{
	struct node_idset t;
	size_t i;

	memset(&t, 0, sizeof(t));
	if ((t.keys = hl_calloc(cap, HL_ID_BYTES)) == NULL ||
	    (t.state = hl_calloc(cap, 1)) == NULL) {
		hl_free(t.keys);
		return HL_ERR_NOMEM;
	}
	t.cap = cap;
	for (i = 0; i < s->cap; i++)
		if (s->state[i] == 1)
			(void)idset_add(&t, s->keys[i]);
	hl_free(s->keys);
	hl_free(s->state);
	*s = t;
	return HL_OK;
}

/* 1 added, 0 there already, <0 out of memory. */
static int
idset_add(struct node_idset *s, const uint8_t id[HL_ID_BYTES])
{
	size_t i;
	int r;

	if ((s->n + s->tomb + 1) * 2 > s->cap &&
	    (r = idset_resize(s, s->cap == 0 ? IDSET_MIN : (s->n + 1) * 4 > s->cap ? s->cap * 2 :
	    s->cap)) != HL_OK)
		return r;
	if (idset_has(s, id))
		return 0;
	for (i = idset_slot(id, s->cap); s->state[i] == 1; i = (i + 1) & (s->cap - 1))
		;
	if (s->state[i] == 2)
		s->tomb--;
	memcpy(s->keys[i], id, HL_ID_BYTES);
	s->state[i] = 1;
	s->n++;
	return 1;
}

static int
idset_del(struct node_idset *s, const uint8_t id[HL_ID_BYTES])
{
	size_t i, k;

	if (s->cap == 0)
		return 0;
	for (k = 0, i = idset_slot(id, s->cap); k < s->cap; k++, i = (i + 1) & (s->cap - 1)) {
		if (s->state[i] == 0)
			return 0;
		if (s->state[i] == 1 && memcmp(s->keys[i], id, HL_ID_BYTES) == 0) {
			s->state[i] = 2;
			s->n--;
			s->tomb++;
			return 1;
		}
	}
	return 0;
}

static void
idset_clear(struct node_idset *s)
{
	HL_FREE(s->keys);
	HL_FREE(s->state);
	s->cap = s->n = s->tomb = 0;
}

/* ---- lanes ---- */

static int
lane_push(struct node_lane *l, const uint8_t id[HL_ID_BYTES])
{
	uint8_t (*ids)[HL_ID_BYTES];
	size_t ncap, i;

	if (l->n == l->cap) {
		ncap = l->cap == 0 ? LANE_MIN : l->cap * 2;
		if ((ids = hl_calloc(ncap, HL_ID_BYTES)) == NULL)
			return HL_ERR_NOMEM;
		for (i = 0; i < l->n; i++)
			memcpy(ids[i], l->ids[(l->head + i) & (l->cap - 1)], HL_ID_BYTES);
		hl_free(l->ids);
		l->ids = ids;
		l->cap = ncap;
		l->head = 0;
	}
	memcpy(l->ids[(l->head + l->n) & (l->cap - 1)], id, HL_ID_BYTES);
	l->n++;
	return HL_OK;
}

static const uint8_t *
lane_front(const struct node_lane *l)
{
	return l->n > 0 ? l->ids[l->head] : NULL;
}

static void
lane_pop(struct node_lane *l)
{
	if (l->n == 0)
		return;
	l->head = (l->head + 1) & (l->cap - 1);
	l->n--;
}

static void
lanes_clear(struct peer_state *ps)
{
	unsigned p;

	for (p = 0; p < HL_PRECEDENCES; p++) {
		HL_FREE(ps->lanes[p].ids);
		memset(&ps->lanes[p], 0, sizeof(ps->lanes[p]));
	}
	idset_clear(&ps->queued);
}

void
node_pump_add(struct peer_state *ps, const uint8_t id[HL_ID_BYTES], uint8_t precedence)
{
	int r;

	if (precedence >= HL_PRECEDENCES)
		return;
	if (idset_has(&ps->inflight, id))
		return;   /* sent already, its receipt is awaited */
	if ((r = idset_add(&ps->queued, id)) == 0)
		return;
	if (r < 0 || lane_push(&ps->lanes[precedence], id) != HL_OK) {
		(void)idset_del(&ps->queued, id);
		ps->reload = 1;   /* out of memory: list it from the store later */
	}
}

/* List the queue from the store (the truth): every queued id not in flight,
 * FLASH first, then oldest first; at most QUEUE_LOAD_MAX (the next listing
 * brings the rest once these are sent). */
static void
queue_load(struct hl_node *n, struct peer_state *ps)
{
	uint8_t (*ids)[HL_ID_BYTES] = NULL;
	uint8_t *precs = NULL;
	size_t cnt = 0, i;

	ps->loaded_gen = hl_store_queue_gen(n->store);
	ps->loaded_ms = hl_now_ms();
	if (hl_store_queue_list(n->store, ps->conf->node, &ids, &precs, &cnt,
	    QUEUE_LOAD_MAX + ps->inflight.n) != HL_OK)
		return;   /* reload stays set: next time */
	lanes_clear(ps);
	ps->reload = 0;
	for (i = 0; i < cnt; i++)
		if (!idset_has(&n->undurable, ids[i]))   /* their durable callback adds them */
			node_pump_add(ps, ids[i], precs[i]);
	hl_free(ids);
	hl_free(precs);
}
int
node_undurable_add(struct hl_node *n, const uint8_t id[HL_ID_BYTES])
{
	return idset_add(&n->undurable, id) < 0 ? HL_ERR_NOMEM : HL_OK;
}

void
node_undurable_del(struct hl_node *n, const uint8_t id[HL_ID_BYTES])
{
	(void)idset_del(&n->undurable, id);
	if (n->undurable.n == 0)
		idset_clear(&n->undurable);   /* give the memory back after a burst */
}

void
node_inflight_del(struct peer_state *ps, const uint8_t id[HL_ID_BYTES])
{
	(void)idset_del(&ps->inflight, id);
}

/* What was in flight goes back to the queue: listed again from the store
 * on the next pump (the store still has it queued, in order). */
static void
inflight_requeue(struct peer_state *ps)
{
	idset_clear(&ps->inflight);
	ps->reload = 1;
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
	inflight_requeue(ps);
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
			inflight_requeue(ps);
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

/* Fill empty precedence slots from the lanes, oldest first; direct when
 * the link to ps is up, else through a relay that links to it. An id whose
 * delivery is no longer queued in the store (its receipt came, it expired)
 * is dropped here. */
static void
xfers_refill(struct hl_node *n, struct peer_state *ps)
{
	struct peer_state *via = NULL;
	struct hl_envelope e;
	const uint8_t *front;
	uint8_t id[HL_ID_BYTES];
	uint8_t *raw;
	size_t len;
	unsigned p;
	int r;

	for (p = 0; p < HL_PRECEDENCES; p++) {
		struct out_xfer *x = &ps->xfer[p];
		struct node_lane *l = &ps->lanes[p];
		size_t skipped = 0;

		/* skipped: ids no relay may carry now, moved to the lane's end so
		 * that they do not hold back the others; each is looked at once */
		while (x->raw == NULL && skipped < l->n && (front = lane_front(l)) != NULL) {
			memcpy(id, front, HL_ID_BYTES);
			if (idset_has(&ps->inflight, id) || xfer_busy(ps, id)) {
				lane_pop(l);
				(void)idset_del(&ps->queued, id);
				continue;
			}
			via = NULL;
			if ((r = hl_store_get_queued_raw(n->store, id, ps->conf->node, &raw,
			    &len)) != HL_OK) {
				if (r != HL_ERR_NOT_FOUND)
					log_warnx("pump %s: cannot load envelope: %s", ps->conf->node,
					    hl_strerror(r));
				lane_pop(l);
				(void)idset_del(&ps->queued, id);
				continue;
			}
			if (!ps->up) {
				if (hl_envelope_decode(raw, len, &e) != HL_OK ||
				    (via = node_pick_relay(n, ps, &e)) == NULL) {
					/* no relay may carry it now (rule 2): later */
					hl_free(raw);
					lane_pop(l);
					if (lane_push(l, id) != HL_OK) {
						(void)idset_del(&ps->queued, id);
						ps->reload = 1;
					}
					skipped++;
					continue;
				}
				if (hl_link_outq(via->link) >= PUMP_HIGH_BYTES) {
					/* the relay's link is full: it stays first */
					hl_free(raw);
					break;
				}
			}
			lane_pop(l);
			(void)idset_del(&ps->queued, id);
			if (xfer_load(x, raw, len, via, ps->conf->node) != HL_OK) {
				ps->reload = 1;   /* still queued in the store */
				continue;
			}
			memcpy(x->id, id, HL_ID_BYTES);
		}
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
		if (ps->inflight.n == 0)
			ps->inflight_progress_ms = hl_now_ms();
		if (idset_add(&ps->inflight, x->id) < 0)
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
	/* the store is listed at start, after a link reset, and, as a safety
	 * net for a queue change this node did not add (none is known), when
	 * the lanes are empty and the store's queue changed over the last
	 * QUEUE_RELOAD_MS */
	if (ps->reload || (ps->queued.n == 0 && ps->loaded_gen != hl_store_queue_gen(n->store) &&
	    hl_now_ms() - ps->loaded_ms >= QUEUE_RELOAD_MS))
		queue_load(n, ps);
	for (;;) {
		if (ps->up && hl_link_outq(ps->link) >= PUMP_HIGH_BYTES)
			break;
		xfers_refill(n, ps);
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
	if (ps->inflight.n == 0 || now - ps->inflight_progress_ms < RETRANSMIT_MS)
		return;
	log_warnx("link %s: no receipt for %zu envelope(s) in %u s: sending again",
	    ps->conf->node, ps->inflight.n, RETRANSMIT_MS / 1000);
	inflight_requeue(ps);
	ps->inflight_via = NULL;
	node_pump(n, ps);
}

void
node_pump_free(struct peer_state *ps)
{
	xfers_clear(ps);
	idset_clear(&ps->inflight);
	lanes_clear(ps);
}
