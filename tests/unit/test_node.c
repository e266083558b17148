/* test_node.c: the link protocol of real nodes (real keys, certificates,
 * stores, sealing) over an in-memory transport: struct hl_link_ops (link.h)
 * implemented by queues, driven through the node's own link callbacks
 * (hl_node_link_cbs), with no sockets and no TLS. Frames one node sends are
 * queued on its side of a pair and delivered to the other node when the
 * test runs the "network" (world_run), after which the event loop runs
 * once so each group commit is flushed. Each test asserts on the store
 * (envelopes, deliveries, audit), on the frames each side sent, on the
 * post-commit events, and on links the dispatcher closed. */
#include <dirent.h>
#include <ftw.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <setjmp.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <event2/event.h>

#include "alloc.h"
#include "clock.h"
#include "config.h"
#include "envelope.h"
#include "label.h"
#include "link.h"
#include "log.h"
#include "node.h"
#include "nodeinit.h"
#include "pki.h"
#include "seal.h"
#include "stixdb.h"
#include "stixshare.h"
#include "store.h"

#define JPN "JPN/node-1"
#define KOR "KOR/node-1"
#define USA "USA/node-1"
#define NODES 3
#define LINKS_MAX 64
#define EVENTS_MAX 64

static const char *const partners[NODES] = { "JPN", "KOR", "USA" };
static char topdir[] = "/tmp/hotline-test-node.XXXXXX";
static unsigned world_seq;
/* crypto_threads of the nodes: the suite runs with the seal and open on
 * the loop (0), then on two crypto workers (completions come back through
 * the loop, and world_run settles them) */
static int crypto_threads;

/* ---- the in-memory transport ---- */

struct mem_frame {
	uint8_t type;
	uint8_t *p;
	size_t len;
	struct mem_frame *next;
};

struct fx_node;

struct mem_link {
	struct hl_link base;             /* first: the node sees this */
	struct fx_node *owner;           /* the node on this side */
	struct mem_link *other;          /* the other side */
	struct mem_frame *head, *tail;   /* sent by owner, not yet delivered */
	size_t queued;
	int closing, reported;
	char why[200];
	size_t frame_max;
	uint32_t idle_ms;
	unsigned sent[256];              /* frames sent, by type */
	uint8_t *last_env;               /* the last ENVELOPE payload sent (owned) */
	size_t last_env_len;
};

static int
mem_send(struct hl_link *b, uint8_t type, const uint8_t *p, size_t len)
{
	struct mem_link *l = (struct mem_link *)(void *)b;
	struct mem_frame *f;

	if (l->closing)
		return HL_ERR_AGAIN;
	if (len + 1 > HL_FRAME_MAX_BYTES)
		return HL_ERR_TOO_BIG;
	if ((f = hl_calloc(1, sizeof(*f))) == NULL || (f->p = hl_malloc(len + 1)) == NULL) {
		hl_free(f);
		return HL_ERR_NOMEM;
	}
	f->type = type;
	if (len > 0)
		memcpy(f->p, p, len);
	f->len = len;
	if (l->tail != NULL)
		l->tail->next = f;
	else
		l->head = f;
	l->tail = f;
	l->queued += len + HL_FRAME_HEADER;
	l->sent[type]++;
	if (type == HL_FRAME_ENVELOPE) {
		hl_free(l->last_env);
		if ((l->last_env = hl_malloc(len)) != NULL)
			memcpy(l->last_env, p, len);
		l->last_env_len = len;
	}
	return HL_OK;
}

static size_t
mem_outq(const struct hl_link *b)
{
	return ((const struct mem_link *)(const void *)b)->queued;
}

static void
mem_close(struct hl_link *b, const char *why)
{
	struct mem_link *l = (struct mem_link *)(void *)b;

	if (l->closing)
		return;
	l->closing = 1;
	snprintf(l->why, sizeof(l->why), "%s", why);
}

static void
mem_set_frame_max(struct hl_link *b, size_t max)
{
	((struct mem_link *)(void *)b)->frame_max = max;
}

static void
mem_set_idle_timeout(struct hl_link *b, uint32_t ms)
{
	((struct mem_link *)(void *)b)->idle_ms = ms;
}

static const struct hl_link_ops mem_ops = {
	.send = mem_send,
	.outq = mem_outq,
	.close = mem_close,
	.set_frame_max = mem_set_frame_max,
	.set_idle_timeout = mem_set_idle_timeout,
};

/* ---- a world of nodes ---- */

struct rec_event {
	int kind;
	uint8_t id[HL_ID_BYTES];
	int has_id;
	char peer[HL_NODE_NAME_MAX + 1];
	uint8_t content_type;
	int overdue;
};

struct fx_node {
	struct hl_config *cfg;
	struct hl_node *n;
	const char *name;
	struct rec_event ev[EVENTS_MAX];
	unsigned nev;
};

struct world {
	struct event_base *base;
	struct fx_node node[NODES];
	struct mem_link *link[LINKS_MAX];
	unsigned nlinks;
};

static void
record_event(void *arg, const struct hl_node_event *ev)
{
	struct fx_node *x = arg;
	struct rec_event *r;

	if (x->nev >= EVENTS_MAX)
		return;
	r = &x->ev[x->nev++];
	memset(r, 0, sizeof(*r));
	r->kind = ev->kind;
	if (ev->id != NULL) {
		memcpy(r->id, ev->id, HL_ID_BYTES);
		r->has_id = 1;
	}
	snprintf(r->peer, sizeof(r->peer), "%s", ev->peer != NULL ? ev->peer : "");
	r->content_type = ev->content_type;
	r->overdue = ev->overdue;
}

static unsigned
count_events(const struct fx_node *x, int kind, const uint8_t *id)
{
	unsigned i, k = 0;

	for (i = 0; i < x->nev; i++)
		if (x->ev[i].kind == kind &&
		    (id == NULL || (x->ev[i].has_id && memcmp(x->ev[i].id, id, HL_ID_BYTES) == 0)))
			k++;
	return k;
}

/* Nodes of the partners named (a subset of partners[]), each with a fresh
 * data directory, subscribed to record their events. */
static void
world_new(struct world *w, unsigned count)
{
	char path[600], err[600];
	unsigned i;

	memset(w, 0, sizeof(*w));
	assert_non_null(w->base = event_base_new());
	world_seq++;
	for (i = 0; i < count; i++) {
		struct fx_node *x = &w->node[i];

		assert_non_null(x->cfg = hl_calloc(1, sizeof(*x->cfg)));
		snprintf(path, sizeof(path), "%s/fed/%s/node.conf", topdir, partners[i]);
		if (hl_config_load(path, x->cfg, err, sizeof(err)) != HL_OK)
			fail_msg("%s", err);
		x->cfg->crypto_threads = crypto_threads;
		assert_true((size_t)snprintf(x->cfg->data_dir, sizeof(x->cfg->data_dir),
		    "%s/fed/%s/data-%u", topdir, partners[i], world_seq) < sizeof(x->cfg->data_dir));
		if (hl_node_new(x->cfg, w->base, &x->n, err, sizeof(err)) != HL_OK)
			fail_msg("%s", err);
		x->name = hl_node_config(x->n)->node;
		assert_int_equal(hl_node_subscribe(x->n, record_event, x), HL_OK);
	}
}

static void
frames_free(struct mem_link *l)
{
	struct mem_frame *f, *next;

	for (f = l->head; f != NULL; f = next) {
		next = f->next;
		hl_free(f->p);
		hl_free(f);
	}
	l->head = l->tail = NULL;
	l->queued = 0;
}

static void
world_free(struct world *w)
{
	unsigned i;

	/* the nodes first: a node flushes its batch (sending) when freed */
	for (i = 0; i < NODES; i++) {
		hl_node_free(w->node[i].n);
		hl_free(w->node[i].cfg);
	}
	for (i = 0; i < w->nlinks; i++) {
		frames_free(w->link[i]);
		hl_free(w->link[i]->last_env);
		hl_free(w->link[i]);
	}
	event_base_free(w->base);
}

static struct fx_node *
node_of(struct world *w, const char *name)
{
	unsigned i;

	for (i = 0; i < NODES; i++)
		if (w->node[i].n != NULL && strcmp(w->node[i].name, name) == 0)
			return &w->node[i];
	fail_msg("no node %s", name);
	return NULL;
}

static struct mem_link *
link_new(struct world *w, struct fx_node *owner, struct fx_node *to)
{
	struct mem_link *l;

	assert_true(w->nlinks < LINKS_MAX);
	assert_non_null(l = hl_calloc(1, sizeof(*l)));
	l->base.ops = &mem_ops;
	l->base.peer = hl_config_peer(hl_node_config(owner->n), to->name);
	l->base.proto = HL_LINK_PROTO;
	assert_non_null(l->base.peer);
	snprintf(l->base.addr, sizeof(l->base.addr), "mem:%s", to->name);
	l->owner = owner;
	l->frame_max = HL_FRAME_PREAUTH_MAX_BYTES;
	w->link[w->nlinks++] = l;
	return l;
}

/* A connection between a and b, authenticated on both sides: each node
 * hears on_open (and sends its HELLO). OUT: a's side and b's side. */
static void
connect_pair(struct world *w, const char *a, const char *b, struct mem_link **la,
    struct mem_link **lb)
{
	struct fx_node *na = node_of(w, a), *nb = node_of(w, b);
	struct mem_link *x = link_new(w, na, nb), *y = link_new(w, nb, na);

	x->other = y;
	y->other = x;
	hl_node_link_cbs.on_open(na->n, &x->base, x->base.peer);
	hl_node_link_cbs.on_open(nb->n, &y->base, y->base.peer);
	if (la != NULL)
		*la = x;
	if (lb != NULL)
		*lb = y;
}

/* Deliver one frame to l's node the way link.c does: over the link's
 * current limit the link closes, else the node's on_frame. */
static void
deliver(struct mem_link *to, const struct mem_frame *f)
{
	if (to->closing)
		return;
	if (f->len + 1 > to->frame_max) {
		mem_close(&to->base, "frame larger than allowed");
		return;
	}
	hl_node_link_cbs.on_frame(to->owner->n, &to->base, f->type, f->p, f->len);
}

/* Move the frames queued on l to its other side, nothing else. 1 if any
 * moved. */
static int
move_frames(struct mem_link *l)
{
	struct mem_frame *f;
	int moved = 0;

	while (!l->closing && (f = l->head) != NULL) {
		l->head = f->next;
		if (l->head == NULL)
			l->tail = NULL;
		l->queued -= f->len + HL_FRAME_HEADER;
		if (l->other != NULL)
			deliver(l->other, f);
		hl_free(f->p);
		hl_free(f);
		moved = 1;
	}
	return moved;
}

/* Move every queued frame to the other side, let the loop flush batches,
 * report closed links (on_close, and the other side sees the close), until
 * nothing moves. */
static void
world_run(struct world *w)
{
	unsigned i, rounds = 0;
	int moved;

	do {
		moved = 0;
		for (i = 0; i < w->nlinks; i++) {
			struct mem_link *l = w->link[i];
			int sent = move_frames(l);

			moved |= sent;
			if (sent && !l->closing)
				hl_node_link_cbs.on_writable(l->owner->n, &l->base);
		}
		assert_int_not_equal(event_base_loop(w->base, EVLOOP_NONBLOCK), -1);
		/* what the crypto workers are opening or sealing, done; their
		 * completions open a batch, which the next loop pass flushes */
		for (i = 0; i < NODES; i++)
			if (w->node[i].n != NULL && hl_node_settle(w->node[i].n) > 0) {
				moved = 1;
				assert_int_not_equal(event_base_loop(w->base, EVLOOP_NONBLOCK), -1);
			}
		for (i = 0; i < w->nlinks; i++) {
			struct mem_link *l = w->link[i];

			if (!l->closing || l->reported)
				continue;
			l->reported = 1;
			frames_free(l);
			hl_node_link_cbs.on_close(l->owner->n, &l->base, 1, l->why);
			if (l->other != NULL && !l->other->closing)
				mem_close(&l->other->base, "closed by peer");
			moved = 1;
		}
	} while (moved && ++rounds < 1000);
	assert_true(rounds < 1000);
}

/* JPN and KOR with their link up. */
static void
world_two(struct world *w, struct fx_node **j, struct fx_node **k, struct mem_link **la,
    struct mem_link **lb)
{
	world_new(w, 2);
	*j = node_of(w, JPN);
	*k = node_of(w, KOR);
	connect_pair(w, JPN, KOR, la, lb);
	world_run(w);
}

/* The last ENVELOPE the node of `from` sent, received again on `to`. */
static void
resend_envelope(const struct mem_link *from, struct mem_link *to)
{
	assert_non_null(from->last_env);
	hl_node_link_cbs.on_frame(to->owner->n, &to->base, HL_FRAME_ENVELOPE, from->last_env,
	    from->last_env_len);
}

/* ---- what the nodes say ---- */

static int
peer_up(struct fx_node *x, const char *peer, char *last_error, size_t errlen)
{
	struct hl_peer_status *st = NULL;
	size_t n = 0, i;
	int up = -1;

	assert_int_equal(hl_node_peers(x->n, &st, &n), HL_OK);
	for (i = 0; i < n; i++) {
		if (strcmp(st[i].node, peer) != 0)
			continue;
		up = st[i].up;
		if (last_error != NULL)
			snprintf(last_error, errlen, "%s", st[i].last_error);
	}
	hl_free(st);
	assert_int_not_equal(up, -1);
	return up;
}

static unsigned
audit_count(struct fx_node *x, const char *event)
{
	struct hl_audit_entry *a = NULL;
	size_t n = 0, i;
	unsigned k = 0;

	assert_int_equal(hl_store_audit_list(hl_node_store(x->n), 1, 100000, &a, &n), HL_OK);
	for (i = 0; i < n; i++)
		if (strcmp(a[i].event, event) == 0)
			k++;
	hl_free(a);
	return k;
}

static int
delivery_state(struct fx_node *x, const uint8_t id[HL_ID_BYTES], const char *to)
{
	struct hl_delivery *d = NULL;
	size_t n = 0, i;
	int state = -1;

	assert_int_equal(hl_store_deliveries(hl_node_store(x->n), id, &d, &n), HL_OK);
	for (i = 0; i < n; i++)
		if (strcmp(d[i].node, to) == 0)
			state = d[i].state;
	hl_free(d);
	return state;
}

static uint64_t
inbound_count(struct fx_node *x)
{
	uint64_t in = 0;

	assert_int_equal(hl_store_counts(hl_node_store(x->n), &in, NULL, NULL), HL_OK);
	return in;
}

/* Send a text from node `from` to node `to` with a label releasable to rel
 * (partner codes, comma-separated). */
static int
send_text(struct fx_node *from, const char *to, const char *rel, const char *text,
    uint8_t id[HL_ID_BYTES])
{
	const struct hl_config *cfg = hl_node_config(from->n);
	struct hl_send_req req;
	const char *names[1];
	char why[256];
	int r;

	memset(&req, 0, sizeof(req));
	assert_int_equal(hl_label_make(&cfg->policy,
	    &(struct hl_label_spec){ .classification = cfg->policy.levels[0], .releasable = rel,
	    .tlp = "clear" }, &req.label, why, sizeof(why)), HL_OK);
	names[0] = to;
	req.to = names;
	req.nto = 1;
	req.precedence = HL_PREC_ROUTINE;
	req.content_type = HL_CT_TEXT;
	req.content = (const uint8_t *)text;
	req.content_len = strlen(text);
	req.originator = "admin";
	r = hl_node_send(from->n, &req, id, why, sizeof(why));
	if (r != HL_OK)
		print_message("send %s -> %s: %s\n", from->name, to, why);
	return r;
}

/* ---- tests ---- */

/* HELLO both ways: descriptors verified and stored, links up, the frame
 * limit raised, heartbeat and routes sent, link-up audited and announced. */
static void
test_hello(void **state)
{
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j, *k;
	uint8_t *d = NULL;
	size_t dl = 0;

	(void)state;
	world_new(&w, 2);
	j = node_of(&w, JPN);
	k = node_of(&w, KOR);
	connect_pair(&w, JPN, KOR, &la, &lb);
	assert_int_equal(la->sent[HL_FRAME_HELLO], 1);
	assert_int_equal(peer_up(j, KOR, NULL, 0), 0);   /* not before the peer's HELLO */
	world_run(&w);
	assert_int_equal(peer_up(j, KOR, NULL, 0), 1);
	assert_int_equal(peer_up(k, JPN, NULL, 0), 1);
	assert_false(la->closing);
	assert_false(lb->closing);
	assert_int_equal(la->frame_max, HL_FRAME_LINK_MAX_BYTES);
	assert_int_equal(la->idle_ms, hl_node_config(j->n)->dead_after_ms);
	assert_int_equal(la->sent[HL_FRAME_DESCRIPTOR_ACK], 1);
	assert_true(la->sent[HL_FRAME_PING] >= 1);
	assert_true(lb->sent[HL_FRAME_PONG] >= 1);
	assert_true(la->sent[HL_FRAME_ROUTES] >= 1);
	/* KOR stored JPN's descriptor (it seals to the KEM key in it) */
	assert_int_equal(hl_store_peer_get(hl_node_store(k->n), JPN, &d, &dl), HL_OK);
	assert_true(dl > 0);
	hl_free(d);
	assert_int_equal(audit_count(j, "link-up"), 1);
	assert_int_equal(count_events(j, HL_NODE_EV_LINK, NULL), 1);
	assert_string_equal(j->ev[0].peer, KOR);
	world_free(&w);
}

/* ENVELOPE, delivered RECEIPT after the commit, RECEIPT_ACK; then the
 * operator's acknowledgement as a signed acknowledged receipt. */
static void
test_envelope_receipt(void **state)
{
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j, *k;
	struct hl_msg m;
	uint8_t id[HL_ID_BYTES];
	unsigned i;

	(void)state;
	world_two(&w, &j, &k, &la, &lb);
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "first words", id), HL_OK);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_QUEUED);
	assert_int_equal(la->sent[HL_FRAME_ENVELOPE], 1);   /* pumped at once: the link is up */
	world_run(&w);
	/* the receiver stored it, with its content */
	memset(&m, 0, sizeof(m));
	assert_int_equal(hl_store_get(hl_node_store(k->n), id, 0, &m), HL_OK);
	assert_true(m.inbound);
	assert_string_equal(m.origin, JPN);
	assert_int_equal(m.content_len, strlen("first words"));
	assert_memory_equal(m.content, "first words", m.content_len);
	hl_msg_clear(&m);
	assert_int_equal(audit_count(k, "envelope-received"), 1);
	/* one delivered receipt, acknowledged by the origin */
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 1);
	assert_int_equal(la->sent[HL_FRAME_RECEIPT_ACK], 1);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_DELIVERED);
	assert_int_equal(audit_count(j, "receipt-delivered"), 1);
	/* post-commit events: the receiver's names the content type */
	assert_int_equal(count_events(k, HL_NODE_EV_ENVELOPE, id), 1);
	for (i = 0; i < k->nev; i++)
		if (k->ev[i].kind == HL_NODE_EV_ENVELOPE) {
			assert_int_equal(k->ev[i].content_type, HL_CT_TEXT);
			assert_string_equal(k->ev[i].peer, JPN);
			assert_false(k->ev[i].overdue);
		}
	assert_int_equal(count_events(j, HL_NODE_EV_SENT, id), 1);
	assert_int_equal(count_events(j, HL_NODE_EV_DELIVERY, id), 1);
	/* the operator acknowledges: receipt queued to the origin, sent on the link */
	assert_int_equal(hl_node_ack(k->n, id, "admin"), HL_OK);
	assert_int_equal(count_events(k, HL_NODE_EV_ACK, id), 1);
	world_run(&w);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 2);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_ACKNOWLEDGED);
	assert_int_equal(count_events(j, HL_NODE_EV_DELIVERY, id), 2);
	world_free(&w);
}

/* Frames the dispatcher refuses: the link is closed with the handler's
 * reason (and nothing else happens); a malformed envelope is audited and
 * dropped but the link stays. */
static void
test_malformed_frames(void **state)
{
	static const uint8_t junk[] = { 0x01, 0x02, 0x03 };
	static const struct {
		uint8_t type;
		int before_hello;
		const char *why;
	} cases[] = {
		{ HL_FRAME_PING, 0, "malformed heartbeat" },
		{ HL_FRAME_ROUTES, 0, "malformed routes" },
		{ HL_FRAME_RECEIPT_ACK, 0, "malformed receipt acknowledgement" },
		{ HL_FRAME_DESCRIPTOR_ACK, 0, "malformed descriptor acknowledgement" },
		{ HL_FRAME_CHUNK, 0, "malformed chunk" },
		{ HL_FRAME_RELAY, 0, "malformed relay frame" },
		{ HL_FRAME_CHECKPOINT, 0, "malformed checkpoint" },
		{ HL_FRAME_CONSISTENCY_REQ, 0, "malformed consistency request" },
		{ HL_FRAME_CONSISTENCY, 0, "malformed consistency proof" },
		{ HL_FRAME_CHECKPOINT_ACK, 0, "malformed checkpoint acknowledgement" },
		{ HL_FRAME_DESCRIPTOR, 0, "bad descriptor update" },
		{ HL_FRAME_HELLO, 0, "second HELLO" },
		{ 99, 0, "unexpected frame type" },
		{ HL_FRAME_ENVELOPE, 1, "frame before HELLO" },
		{ HL_FRAME_HELLO, 1, "bad descriptor" },
	};
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j;
	char last[128];
	unsigned c, down = 0;

	(void)state;
	world_new(&w, 2);
	j = node_of(&w, JPN);
	for (c = 0; c < sizeof(cases) / sizeof(cases[0]); c++) {
		connect_pair(&w, JPN, KOR, &la, &lb);
		if (!cases[c].before_hello) {
			world_run(&w);
			assert_int_equal(peer_up(j, KOR, NULL, 0), 1);
		}
		/* as if KOR sent it: JPN's side of the link receives it */
		hl_node_link_cbs.on_frame(j->n, &la->base, cases[c].type, junk, sizeof(junk));
		assert_true(la->closing);
		assert_string_equal(la->why, cases[c].why);
		world_run(&w);
		assert_int_equal(peer_up(j, KOR, last, sizeof(last)), 0);
		assert_string_equal(last, cases[c].why);
		assert_true(lb->closing);   /* KOR saw the close */
		if (!cases[c].before_hello)
			down++;
	}
	assert_int_equal(audit_count(j, "link-down"), down);
	assert_int_equal(audit_count(j, "checkpoint-invalid"), 1);   /* the bad checkpoint */
	assert_int_equal(audit_count(j, "link-refused"), 1);         /* the bad HELLO */
	/* a malformed envelope: audited and dropped; the link stays up */
	connect_pair(&w, JPN, KOR, &la, &lb);
	world_run(&w);
	hl_node_link_cbs.on_frame(j->n, &la->base, HL_FRAME_ENVELOPE, junk, sizeof(junk));
	world_run(&w);
	assert_false(la->closing);
	assert_int_equal(peer_up(j, KOR, NULL, 0), 1);
	assert_int_equal(audit_count(j, "envelope-malformed"), 1);
	assert_int_equal(inbound_count(j), 0);
	world_free(&w);
}

/* Exactly once: a replayed ENVELOPE gets the stored receipt again and is
 * not stored twice; a duplicate inside the same loop pass (its first copy
 * still in the open batch) is answered after the batch committed. */
static void
test_replay(void **state)
{
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j, *k;
	uint8_t id[HL_ID_BYTES], id2[HL_ID_BYTES];

	(void)state;
	world_two(&w, &j, &k, &la, &lb);
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "once only", id), HL_OK);
	world_run(&w);
	assert_int_equal(inbound_count(k), 1);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 1);
	/* the same bytes again, later */
	resend_envelope(la, lb);
	world_run(&w);
	assert_false(lb->closing);
	assert_int_equal(inbound_count(k), 1);
	assert_int_equal(audit_count(k, "envelope-received"), 1);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 2);   /* the stored receipt, again */
	assert_int_equal(count_events(k, HL_NODE_EV_ENVELOPE, id), 1);
	/* twice in one pass: the first copy is in the open batch */
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "twice in a row", id2), HL_OK);
	resend_envelope(la, lb);
	resend_envelope(la, lb);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 2);   /* nothing before the commit */
	world_run(&w);   /* also delivers JPN's queued copy: a third, answered too */
	assert_int_equal(inbound_count(k), 2);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 5);
	assert_int_equal(audit_count(k, "envelope-received"), 2);
	assert_int_equal(delivery_state(j, id2, KOR), HL_DLV_DELIVERED);
	world_free(&w);
}

/* Group commit without a call back into the node: another writer's store
 * write commits the open batch by itself and sends nothing; the receipt
 * goes out when the node flushes the batch. */
static void
test_batch_other_writer(void **state)
{
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j, *k;
	struct hl_store *ks;
	uint8_t id[HL_ID_BYTES], id2[HL_ID_BYTES];
	unsigned rcpt;

	(void)state;
	world_two(&w, &j, &k, &la, &lb);
	ks = hl_node_store(k->n);
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "held batch", id), HL_OK);
	resend_envelope(la, lb);
	(void)hl_node_settle(k->n);   /* opened (on a worker, or already here) */
	assert_int_equal(hl_store_hold_open(ks), 1);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 0);
	/* the API (say) writes: the store commits the batch first, itself */
	assert_int_equal(hl_store_audit(ks, "test-write", NULL, "test", "another writer",
	    hl_now_ms()), HL_OK);
	assert_int_equal(hl_store_hold_open(ks), 0);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 0);   /* a store write sends nothing */
	assert_int_equal(count_events(k, HL_NODE_EV_ENVELOPE, id), 0);
	assert_int_equal(inbound_count(k), 1);
	/* the loop pass ends: the batch is flushed; once it is on disk (the
	 * store's syncer) the node sends and announces what it held */
	assert_int_not_equal(event_base_loop(w.base, EVLOOP_NONBLOCK), -1);
	(void)hl_node_settle(k->n);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], 1);
	assert_int_equal(count_events(k, HL_NODE_EV_ENVELOPE, id), 1);
	world_run(&w);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_DELIVERED);
	assert_int_equal(inbound_count(k), 1);
	/* the next frame after such a write finds the batch already committed:
	 * it is flushed first, and a duplicate is answered at once */
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "held again", id2), HL_OK);
	resend_envelope(la, lb);
	(void)hl_node_settle(k->n);
	assert_int_equal(hl_store_audit(ks, "test-write", NULL, "test", "another writer",
	    hl_now_ms()), HL_OK);
	rcpt = lb->sent[HL_FRAME_RECEIPT];
	resend_envelope(la, lb);
	(void)hl_node_settle(k->n);   /* on disk: both answers go */
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], rcpt + 2);
	assert_int_equal(count_events(k, HL_NODE_EV_ENVELOPE, id2), 1);
	assert_int_not_equal(event_base_loop(w.base, EVLOOP_NONBLOCK), -1);
	assert_int_equal(lb->sent[HL_FRAME_RECEIPT], rcpt + 2);
	world_run(&w);
	assert_int_equal(inbound_count(k), 2);
	assert_int_equal(delivery_state(j, id2, KOR), HL_DLV_DELIVERED);
	world_free(&w);
}

/* A receipt verified on a crypto worker joins the origin's batch from the
 * pool's completion, not from a frame: it must leave the batch idle, so
 * that another writer (the STIX queue, the API) can still begin (it had
 * such a writer fail with "invalid argument"). */
static void
test_receipt_leaves_batch_idle(void **state)
{
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j, *k;
	struct hl_store *js;
	uint8_t id[HL_ID_BYTES];

	(void)state;
	world_two(&w, &j, &k, &la, &lb);
	js = hl_node_store(j->n);
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "receipt please", id), HL_OK);
	(void)move_frames(la);              /* the envelope to KOR */
	(void)hl_node_settle(k->n);
	assert_int_not_equal(event_base_loop(w.base, EVLOOP_NONBLOCK), -1);
	(void)hl_node_settle(k->n);         /* KOR's batch on disk: its receipt goes */
	assert_true(lb->sent[HL_FRAME_RECEIPT] >= 1);
	(void)move_frames(lb);              /* the receipt to JPN */
	(void)hl_node_settle(j->n);         /* verified (on a worker, or already here) */
	/* a writer with a transaction of its own, as the STIX queue's slices */
	assert_int_equal(hl_store_begin(js), HL_OK);
	assert_int_equal(hl_store_audit(js, "test-write", NULL, "test", "another writer",
	    hl_now_ms()), HL_OK);
	assert_int_equal(hl_store_commit(js), HL_OK);
	world_run(&w);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_DELIVERED);
	world_free(&w);
}

static int rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw);

/* A receipt signed by KOR for an envelope JPN never sent to KOR (issue 17:
 * a hostile peer planted "receipt-acknowledged" entries this way): no
 * delivery changes, it is never audited as an acknowledgement, and a flood
 * of them makes one "receipt-unmatched" entry a minute, not one each. */
static void
test_unmatched_receipt(void **state)
{
	struct world w;
	struct mem_link *la, *lb;
	struct fx_node *j, *k;
	struct hl_keys *kk = NULL;
	struct hl_receipt rc;
	char kem[700], err[256];
	uint8_t id[HL_ID_BYTES], *raw = NULL;
	size_t len = 0;
	unsigned i;

	(void)state;
	world_two(&w, &j, &k, &la, &lb);
	assert_int_equal(send_text(j, KOR, "JPN,KOR", "a real one", id), HL_OK);
	world_run(&w);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_DELIVERED);
	assert_int_equal(audit_count(j, "receipt-acknowledged"), 0);
	/* KOR's own signing keys, as a hostile KOR would use them */
	snprintf(kem, sizeof(kem), "%s/kem", k->cfg->data_dir);
	assert_int_equal(hl_keys_open(k->cfg->key_path, kem, &kk, err, sizeof(err)), HL_OK);
	for (i = 0; i < 20; i++) {
		memset(&rc, 0, sizeof(rc));
		rc.version = HL_RECEIPT_VERSION_HYBRID;
		rc.hsig.suite = HL_SUITE_ED25519_MLDSA65;
		rc.kind = HL_RECEIPT_ACKNOWLEDGED;
		memset(rc.id, 0x5a, HL_ID_BYTES);        /* not an envelope JPN sent KOR */
		rc.id[0] = (uint8_t)i;
		snprintf(rc.from, sizeof(rc.from), "%s", KOR);
		snprintf(rc.to, sizeof(rc.to), "%s", JPN);
		rc.time_ms = hl_now_ms();
		snprintf(rc.operator_name, sizeof(rc.operator_name), "mallory");
		assert_int_equal(hl_seal_receipt(kk, &rc, &raw, &len), HL_OK);
		hl_node_link_cbs.on_frame(j->n, &la->base, HL_FRAME_RECEIPT, raw, len);
		hl_free(raw);
		raw = NULL;
		(void)hl_node_settle(j->n);
	}
	world_run(&w);
	assert_int_equal(audit_count(j, "receipt-acknowledged"), 0);
	assert_int_equal(audit_count(j, "receipt-unmatched"), 1);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_DELIVERED);
	assert_int_equal(peer_up(j, KOR, NULL, 0), 1);   /* a signed receipt: the link stays */
	/* KOR announced an ML-DSA key: its Ed25519-only receipt, even for the
	 * real envelope, is a downgrade and changes nothing */
	memset(&rc, 0, sizeof(rc));
	rc.version = HL_RECEIPT_VERSION;
	rc.kind = HL_RECEIPT_ACKNOWLEDGED;
	memcpy(rc.id, id, HL_ID_BYTES);
	snprintf(rc.from, sizeof(rc.from), "%s", KOR);
	snprintf(rc.to, sizeof(rc.to), "%s", JPN);
	rc.time_ms = hl_now_ms();
	snprintf(rc.operator_name, sizeof(rc.operator_name), "mallory");
	assert_int_equal(hl_seal_receipt(kk, &rc, &raw, &len), HL_OK);
	hl_node_link_cbs.on_frame(j->n, &la->base, HL_FRAME_RECEIPT, raw, len);
	hl_free(raw);
	(void)hl_node_settle(j->n);
	world_run(&w);
	assert_int_equal(audit_count(j, "receipt-acknowledged"), 0);
	assert_int_equal(delivery_state(j, id, KOR), HL_DLV_DELIVERED);
	hl_keys_free(kk);
	world_free(&w);
}

/* Relay: JPN reaches USA only through KOR. KOR's ROUTES and the gossiped
 * descriptors let JPN seal to USA and send a RELAY frame; KOR stores it in
 * transit and forwards it; USA's receipt comes back through KOR. Rule 2: a
 * label KOR may not carry stays queued. */
static void
test_relay(void **state)
{
	struct world w;
	struct mem_link *jk, *kj, *ku, *uk;
	struct fx_node *j, *k, *u;
	struct hl_msg m;
	uint8_t id[HL_ID_BYTES], id2[HL_ID_BYTES], *raw = NULL, *d = NULL;
	size_t len = 0, dl = 0;

	(void)state;
	world_new(&w, 3);
	j = node_of(&w, JPN);
	k = node_of(&w, KOR);
	u = node_of(&w, USA);
	connect_pair(&w, JPN, KOR, &jk, &kj);
	world_run(&w);
	connect_pair(&w, KOR, USA, &ku, &uk);
	world_run(&w);
	assert_int_equal(peer_up(j, USA, NULL, 0), 0);
	/* JPN learned USA's descriptor through KOR, and USA JPN's */
	assert_int_equal(hl_store_peer_get(hl_node_store(j->n), USA, &d, &dl), HL_OK);
	hl_free(d);
	assert_int_equal(hl_store_peer_get(hl_node_store(u->n), JPN, &d, &dl), HL_OK);
	hl_free(d);
	assert_int_equal(send_text(j, USA, "JPN,KOR,USA", "via Seoul", id), HL_OK);
	world_run(&w);
	assert_int_equal(jk->sent[HL_FRAME_RELAY], 1);
	assert_int_equal(jk->sent[HL_FRAME_ENVELOPE], 0);
	assert_int_equal(audit_count(k, "relay-accepted"), 1);
	assert_int_equal(hl_store_get_raw(hl_node_store(k->n), id, USA, &raw, &len), HL_OK);
	assert_true(len > 0);
	hl_free(raw);
	assert_int_equal(ku->sent[HL_FRAME_ENVELOPE], 1);
	memset(&m, 0, sizeof(m));
	assert_int_equal(hl_store_get(hl_node_store(u->n), id, 0, &m), HL_OK);
	assert_string_equal(m.origin, JPN);
	assert_memory_equal(m.content, "via Seoul", m.content_len);
	hl_msg_clear(&m);
	assert_int_equal(kj->sent[HL_FRAME_RECEIPT], 1);   /* USA's receipt, passed on */
	assert_int_equal(delivery_state(j, id, USA), HL_DLV_DELIVERED);
	assert_int_equal(ku->sent[HL_FRAME_RECEIPT_ACK], 1);   /* JPN's ack, passed back */
	/* rule 2: KOR is neither releasable nor a recipient: no relay */
	assert_int_equal(send_text(j, USA, "JPN,USA", "not through Seoul", id2), HL_OK);
	world_run(&w);
	assert_int_equal(jk->sent[HL_FRAME_RELAY], 1);
	assert_int_equal(delivery_state(j, id2, USA), HL_DLV_QUEUED);
	assert_int_equal(inbound_count(u), 1);
	world_free(&w);
}

/* The subscriber list: order, removal, the limit. */
static int order_log[16];
static unsigned order_n;

static void
sub_a(void *arg, const struct hl_node_event *ev)
{
	(void)ev;
	if (order_n < 16)
		order_log[order_n++] = *(int *)arg;
}

static void
test_subscribers(void **state)
{
	static int one = 1, two = 2;
	struct world w;
	struct fx_node *j;
	unsigned i;
	int r = HL_OK;

	(void)state;
	world_new(&w, 2);
	j = node_of(&w, JPN);
	order_n = 0;
	assert_int_equal(hl_node_subscribe(j->n, sub_a, &one), HL_OK);
	assert_int_equal(hl_node_subscribe(j->n, sub_a, &two), HL_OK);
	assert_int_equal(hl_node_subscribe(j->n, NULL, NULL), HL_ERR_INVALID);
	connect_pair(&w, JPN, KOR, NULL, NULL);
	world_run(&w);
	assert_int_equal(order_n, 2);   /* one LINK event, both in order */
	assert_int_equal(order_log[0], 1);
	assert_int_equal(order_log[1], 2);
	hl_node_unsubscribe(j->n, sub_a, &one);
	order_n = 0;
	hl_node_link_cbs.on_frame(j->n, &w.link[0]->base, 99, NULL, 0);
	world_run(&w);   /* link down: one LINK event */
	assert_int_equal(order_n, 1);
	assert_int_equal(order_log[0], 2);
	/* room for 8 (the recorder and sub_a hold two) */
	for (i = 0; i < 8 && r == HL_OK; i++)
		r = hl_node_subscribe(j->n, sub_a, &one);
	assert_int_equal(r, HL_ERR_FULL);
	assert_int_equal(i, 7);
	world_free(&w);
}


/* ---- the STIX queue (stixshare.h): a slice per loop pass ---- */

struct added {
	int called;
	int r;
	long long ok, failed;
};

static void
on_added(void *arg, int r, json_t *status)
{
	struct added *a = arg;

	a->called++;
	a->r = r;
	a->ok = json_integer_value(json_object_get(status, "success_count"));
	a->failed = json_integer_value(json_object_get(status, "failure_count"));
	json_decref(status);
}

/* An envelope of n TLP:GREEN indicators (or n nulls, which fail). */
static json_t *
indicators(size_t n, unsigned tag, int nulls)
{
	json_t *env = json_object(), *objs = json_array();
	char id[80], pat[80];
	size_t i;

	assert_non_null(env);
	assert_non_null(objs);
	for (i = 0; i < n; i++) {
		if (nulls) {
			assert_int_equal(json_array_append_new(objs, json_null()), 0);
			continue;
		}
		snprintf(id, sizeof(id), "indicator--%08x-0000-4000-8000-%012zx", tag, i);
		snprintf(pat, sizeof(pat), "[ipv4-addr:value = '10.0.%zu.%zu']", i >> 8 & 255,
		    i & 255);
		assert_int_equal(json_array_append_new(objs, json_pack("{s:s, s:s, s:s, s:s, s:s,"
		    " s:s, s:s, s:s, s:s, s:[s]}", "type", "indicator", "spec_version", "2.1", "id",
		    id, "created", "2026-12-01T00:00:00.000Z", "modified", "2026-12-01T00:00:00.000Z",
		    "pattern_type", "stix", "pattern", pat, "valid_from", "2026-12-01T00:00:00Z",
		    "name", "q", "object_marking_refs",
		    "marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da")), 0);
	}
	assert_int_equal(json_object_set_new(env, "objects", objs), 0);
	return env;
}

static void
test_stix_queue(void **state)
{
	struct world w;
	struct fx_node *j;
	struct hl_stixshare_q *q;
	struct hl_stixdb *d;
	struct hl_stix_prov prov;
	struct added a = { 0 }, small[HL_STIXSHARE_QUEUE_ADDS + 1], big = { 0 }, over = { 0 };
	json_t *env, *envs[HL_STIXSHARE_QUEUE_ADDS + 1];
	size_t adds, ingests, i;
	uint64_t slices, cnt;
	unsigned k;

	(void)state;
	world_new(&w, 1);
	j = node_of(&w, JPN);
	assert_int_equal(hl_stixshare_q_new(j->n, w.base, &q), HL_OK);
	assert_int_equal(hl_stixdb_open(hl_node_store(j->n), &d), HL_OK);
	memset(&prov, 0, sizeof(prov));
	prov.source = HL_STIX_LOCAL;
	snprintf(prov.partner, sizeof(prov.partner), "JPN");
	snprintf(prov.node, sizeof(prov.node), "%s", JPN);
	snprintf(prov.added_by, sizeof(prov.added_by), "alice");
	/* 150 objects: three slices, nothing done before the loop runs */
	env = indicators(150, 1, 0);
	assert_int_equal(hl_stixshare_add_async(q, d, "nosuch", env, json_object_get(env,
	    "objects"), &prov, on_added, &a), HL_ERR_NOT_FOUND);
	assert_int_equal(hl_stixshare_add_async(q, d, "intel", env, json_object_get(env,
	    "objects"), &prov, on_added, &a), HL_OK);
	json_decref(env);   /* the job holds its own reference */
	hl_stixshare_q_stats(q, &adds, &ingests, &slices);
	assert_true(adds == 1 && ingests == 0 && slices == 0);
	assert_int_equal(hl_stixdb_count(d, "intel", &cnt), HL_OK);
	assert_true(cnt == 0);
	/* one pass of the loop: one slice of HL_STIXSHARE_SLICE_OBJECTS */
	assert_int_not_equal(event_base_loop(w.base, EVLOOP_ONCE), -1);
	hl_stixshare_q_stats(q, &adds, &ingests, &slices);
	assert_true(slices == 1);
	assert_int_equal(hl_stixdb_count(d, "intel", &cnt), HL_OK);
	assert_true(cnt == HL_STIXSHARE_SLICE_OBJECTS);
	assert_int_equal(a.called, 0);
	for (k = 0; k < 20 && a.called == 0; k++) {
		assert_int_not_equal(event_base_loop(w.base, EVLOOP_ONCE), -1);
		(void)hl_node_settle(j->n);
	}
	assert_int_equal(a.called, 1);
	assert_int_equal(a.r, HL_OK);
	assert_true(a.ok == 150 && a.failed == 0);
	hl_stixshare_q_stats(q, &adds, &ingests, &slices);
	assert_true(adds == 0 && slices == 3);
	assert_int_equal(hl_stixdb_count(d, "intel", &cnt), HL_OK);
	assert_true(cnt == 150);
	/* bounded in adds: the one past HL_STIXSHARE_QUEUE_ADDS is refused */
	memset(small, 0, sizeof(small));
	for (i = 0; i <= HL_STIXSHARE_QUEUE_ADDS; i++) {
		envs[i] = indicators(1, 100 + (unsigned)i, 0);
		assert_int_equal(hl_stixshare_add_async(q, d, "intel", envs[i],
		    json_object_get(envs[i], "objects"), &prov, on_added, &small[i]),
		    i < HL_STIXSHARE_QUEUE_ADDS ? HL_OK : HL_ERR_FULL);
		json_decref(envs[i]);
	}
	/* a stop: every queued add done and answered here */
	assert_true(hl_stixshare_q_finish(q) == HL_STIXSHARE_QUEUE_ADDS);
	for (i = 0; i < HL_STIXSHARE_QUEUE_ADDS; i++)
		assert_true(small[i].called == 1 && small[i].r == HL_OK && small[i].ok == 1);
	assert_int_equal(small[HL_STIXSHARE_QUEUE_ADDS].called, 0);
	assert_int_equal(hl_stixdb_count(d, "intel", &cnt), HL_OK);
	assert_true(cnt == 150 + HL_STIXSHARE_QUEUE_ADDS);
	/* bounded in objects held: one large add fits, a second past the
	 * bound does not */
	env = indicators(HL_STIXSHARE_QUEUE_OBJECTS - 1000, 0, 1);
	assert_int_equal(hl_stixshare_add_async(q, d, "intel", env, json_object_get(env,
	    "objects"), &prov, on_added, &big), HL_OK);
	json_decref(env);
	env = indicators(1001, 0, 1);
	assert_int_equal(hl_stixshare_add_async(q, d, "intel", env, json_object_get(env,
	    "objects"), &prov, on_added, &over), HL_ERR_FULL);
	json_decref(env);
	hl_stixshare_q_free(q);   /* finishes first */
	assert_true(big.called == 1 && big.r == HL_OK && big.ok == 0 &&
	    big.failed == HL_STIXSHARE_QUEUE_OBJECTS - 1000);
	assert_int_equal(over.called, 0);
	hl_stixdb_close(d);
	world_free(&w);
}

static int
rm_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw)
{
	(void)st;
	(void)flag;
	(void)ftw;
	return remove(path);
}

static int
group_setup(void **state)
{
	char fed[sizeof(topdir) + 8], err[600];

	(void)state;
	hl_log_init("test_node", 0);
	/* a fresh directory for each group run (mkdtemp fills the X's in) */
	memcpy(topdir + sizeof(topdir) - 7, "XXXXXX", 6);
	if (mkdtemp(topdir) == NULL)
		return -1;
	snprintf(fed, sizeof(fed), "%s/fed", topdir);
	if (hl_pki_init_federation(fed, partners, NODES, 0, err, sizeof(err)) != HL_OK) {
		fprintf(stderr, "pki: %s\n", err);
		return -1;
	}
	/* JPN's own collection for test_stix_queue (no members: nothing shared) */
	{
		char path[sizeof(topdir) + 32];
		FILE *f;

		snprintf(path, sizeof(path), "%s/fed/JPN/node.conf", topdir);
		if ((f = fopen(path, "a")) == NULL)
			return -1;
		fputs("\n[collection intel]\ntitle = intel\nread = *\nwrite = *\n", f);
		if (fclose(f) != 0)
			return -1;
	}
	return 0;
}

static int
group_teardown(void **state)
{
	(void)state;
	return nftw(topdir, rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_hello),
		cmocka_unit_test(test_envelope_receipt),
		cmocka_unit_test(test_malformed_frames),
		cmocka_unit_test(test_replay),
		cmocka_unit_test(test_batch_other_writer),
		cmocka_unit_test(test_receipt_leaves_batch_idle),
		cmocka_unit_test(test_unmatched_receipt),
		cmocka_unit_test(test_relay),
		cmocka_unit_test(test_subscribers),
		cmocka_unit_test(test_stix_queue),
	};

	int fails;

	crypto_threads = 0;
	fails = cmocka_run_group_tests_name("crypto on the loop", tests, group_setup,
	    group_teardown);
	crypto_threads = 2;
	fails += cmocka_run_group_tests_name("crypto on two workers", tests, group_setup,
	    group_teardown);
	return fails;
}
