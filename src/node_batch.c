/* node_batch.c: group commit. Inbound envelopes, their rejections and the
 * receipts we get back are stored in one transaction per pass of the event
 * loop (node_batch_join opens it and schedules node_batch_flush right after
 * the current callbacks). Nothing is sent for them before the batch has
 * committed (rule 5: no receipt before the envelope is durable); a failure
 * anywhere rolls the whole batch back and sends nothing (the origins send
 * again, and get exactly-once answers from the seen-id table). Another
 * writer that comes while the batch is open (the API, the tick) has the
 * store commit it first (hl_store_hold); the store calls nothing back, so
 * what waited for that commit is sent here, when the batch is flushed.
 *
 * The interface (node_int.h) is narrow on purpose: begin / commit for a
 * transaction of one's own, join / item / abort for frame handlers, flush,
 * idle; a store writer thread can replace this file. */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <event2/event.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"

static void
batch_cb(evutil_socket_t fd, short what, void *arg)
{
	(void)fd;
	(void)what;
	node_batch_flush(arg);
}

int
node_batch_init(struct hl_node *n)
{
	if ((n->batch_ev = event_new(n->base, -1, 0, batch_cb, n)) == NULL ||
	    (n->batch = hl_calloc(BATCH_MAX, sizeof(*n->batch))) == NULL)
		return HL_ERR_NOMEM;
	return HL_OK;
}

int
node_begin(struct hl_node *n)
{
	if (n->batch_open)
		node_batch_flush(n);   /* keep order: the batch commits first */
	n->audit_failed = 0;
	return hl_store_begin(n->store);
}

int
node_commit(struct hl_node *n)
{
	if (n->audit_failed) {
		n->audit_failed = 0;
		log_warnx("transaction rolled back: its audit entry could not be written");
		return HL_ERR_STORE;
	}
	return hl_store_commit(n->store);
}

int
node_commit_nowait(struct hl_node *n)
{
	if (n->audit_failed) {
		n->audit_failed = 0;
		log_warnx("transaction rolled back: its audit entry could not be written");
		return HL_ERR_STORE;
	}
	return hl_store_commit_nowait(n->store);
}

static void
batch_drop(struct hl_node *n)
{
	size_t i;

	for (i = 0; i < n->nbatch; i++)
		hl_free(n->batch[i].raw);
	n->nbatch = 0;
}

void
node_batch_abort(struct hl_node *n)
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

int
node_batch_join(struct hl_node *n)
{
	int r;

	if (n->batch == NULL || n->batch_flushing)
		return HL_ERR_STORE;   /* cannot happen (no frames are read meanwhile) */
	if (n->batch_open && n->nbatch < BATCH_MAX && hl_store_hold_open(n->store)) {
		hl_store_hold_active(n->store, 1);
		return HL_OK;
	}
	/* full, or another writer had the store commit it: send what it holds
	 * and start a new one */
	if (n->batch_open)
		node_batch_flush(n);
	n->audit_failed = 0;
	if ((r = hl_store_begin(n->store)) != HL_OK)
		return r;
	n->batch_open = 1;
	/* other writers (the API, the tick) have the store commit the batch
	 * before theirs */
	hl_store_hold(n->store);
	event_active(n->batch_ev, EV_TIMEOUT, 1);
	return HL_OK;
}

struct batch_item *
node_batch_item(struct hl_node *n, enum batch_kind kind, struct peer_state *ps)
{
	struct batch_item *b = &n->batch[n->nbatch++];

	memset(b, 0, sizeof(*b));
	b->kind = kind;
	b->ps = ps;
	return b;
}

/* bench_tap (a benchmarking aid, docs/CONFIG.md): after an inbound envelope
 * commits, one write(2) of "<id hex> <CLOCK_REALTIME us>\n" to the file or
 * FIFO, opened once (append, non-blocking). Errors are ignored. */
static void
bench_tap(struct hl_node *n, const char *idh)
{
	char line[64];
	int k;

	if (n->cfg.bench_tap[0] == '\0')
		return;
	if (n->bench_fd < 0 && (n->bench_fd = open(n->cfg.bench_tap, O_WRONLY | O_APPEND |
	    O_CREAT | O_NONBLOCK | O_CLOEXEC, 0600)) < 0)
		return;
	k = snprintf(line, sizeof(line), "%s %llu\n", idh, (unsigned long long)hl_now_us());
	if (k > 0 && (size_t)k < sizeof(line) && write(n->bench_fd, line, (size_t)k) < 0)
		return;
}

/* After the commit: what one received envelope does. */
static void
batch_envelope_done(struct hl_node *n, struct batch_item *b)
{
	char idh[33];

	hl_hex_id(b->id, idh);
	bench_tap(n, idh);
	log_info("envelope %s from %s stored (%s, %zu bytes)%s", idh, b->origin,
	    hl_precedence_name(b->precedence), b->clen,
	    (b->flags & HL_ENV_FLAG_EXERCISE) ? " [EXERCISE]" : "");
	if (b->ps->link == NULL ||
	    hl_link_send(b->ps->link, HL_FRAME_RECEIPT, b->raw, b->len) != HL_OK)
		log_warnx("envelope %s: cannot send delivered receipt", idh);
	/* the services that subscribed: the console's live inbox, the track
	 * picture, STIX ingest (hotlined.c wires them) */
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_ENVELOPE, .id = b->id,
	    .peer = b->origin, .content_type = b->content_type });
}

/* After the commit: what one receipt for our envelope does. */
static void
batch_receipt_done(struct hl_node *n, struct batch_item *b)
{
	const struct hl_receipt *rc = &b->rc;
	struct peer_state *from = b->from;
	char idh[33];

	hl_hex_id(rc->id, idh);
	log_info("envelope %s: %s by %s%s%s", idh, hl_receipt_kind_name(rc->kind), rc->from,
	    rc->kind == HL_RECEIPT_REJECTED ? ": " : "",
	    rc->kind == HL_RECEIPT_REJECTED ? rc->detail : "");
	node_inflight_del(from, rc->id);
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_DELIVERY, .id = rc->id,
	    .peer = rc->from });   /* console: sent tracker */
	from->inflight_progress_ms = hl_now_ms();
	if (from->test_sent_ms != 0 && from->test_done_ms == 0 &&
	    memcmp(from->test_id, rc->id, HL_ID_BYTES) == 0) {
		from->test_done_ms = hl_now_ms();
		from->test_rtt_ms = from->test_done_ms - from->test_sent_ms;
		snprintf(from->test_result, sizeof(from->test_result), "%s",
		    rc->kind == HL_RECEIPT_REJECTED ? "failed: rejected" : "ok");
	}
	if (b->ps->link != NULL)
		node_send_receipt_ack(b->ps, rc, n->cfg.node);
}

/* A committed batch waiting to be on disk (store_sync.c): its items. */
struct batch_done {
	struct hl_node *n;
	size_t cnt;
	struct batch_item items[];
};

/* Once the batch is on disk: send and announce what it holds. */
static void
batch_durable(void *arg, int rr)
{
	struct batch_done *d = arg;
	struct hl_node *n = d->n;
	struct peer_state *topump[HL_PEERS_MAX];
	unsigned npump = 0, k;
	size_t i;

	if (rr != HL_OK) {
		log_warnx("%zu received item(s) committed but not known to be on disk (%s): no "
		    "receipts sent (origins retry)", d->cnt, hl_strerror(rr));
		goto out;
	}
	n->batch_flushing = 1;
	for (i = 0; i < d->cnt; i++) {
		struct batch_item *b = &d->items[i];

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
	}
	n->batch_flushing = 0;
	/* one pump per peer for all the receipts (not one per receipt) */
	for (k = 0; k < npump; k++)
		node_pump(n, topump[k]);
out:
	for (i = 0; i < d->cnt; i++)
		hl_free(d->items[i].raw);
	hl_free(d);
}

void
node_batch_flush(struct hl_node *n)
{
	struct batch_done *d;
	int r;

	if (!n->batch_open)
		return;
	n->batch_open = 0;
	/* committed now, or already by the store for another writer; rolled
	 * back when an audit entry of it failed (node_audit) */
	if ((r = hl_store_hold_end(n->store)) != HL_OK) {
		log_warnx("commit of %zu received item(s) failed: %s (no receipts sent; origins "
		    "retry)", n->nbatch, hl_strerror(r));
		batch_drop(n);
		return;
	}
	/* written; what it answers waits until the syncer has it on disk
	 * (rule 5), together with every other commit of this fsync */
	if ((d = hl_malloc(sizeof(*d) + n->nbatch * sizeof(d->items[0]))) == NULL) {
		log_warnx("%zu received item(s) committed, out of memory: no receipts sent "
		    "(origins retry and get them then)", n->nbatch);
		batch_drop(n);
		return;
	}
	d->n = n;
	d->cnt = n->nbatch;
	memcpy(d->items, n->batch, n->nbatch * sizeof(d->items[0]));
	n->nbatch = 0;   /* the items' receipts are d's now */
	if (hl_store_when_durable(n->store, batch_durable, d) != HL_OK)
		batch_durable(d, HL_ERR_NOMEM);
}

void
node_batch_idle(struct hl_node *n)
{
	hl_store_hold_active(n->store, 0);
}

void
node_batch_free(struct hl_node *n)
{
	if (n->batch_open)
		node_batch_flush(n);
	if (n->batch_ev != NULL)
		event_free(n->batch_ev);
	n->batch_ev = NULL;
	batch_drop(n);
	HL_FREE(n->batch);
	if (n->bench_fd >= 0)
		close(n->bench_fd);
	n->bench_fd = -1;
}
