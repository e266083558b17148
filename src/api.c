/* api.c: the operator API (docs/API.md): the envelope, status, key and
 * track endpoints, registered into the HTTP layer (http.h) at start.
 * Operators authenticate through the layer (auth.c: HTTP Basic, or the
 * console's session). Rule 4: an operator only ever sees envelopes whose
 * label its clearance and nationality allow; anything else is 404.
 * Parsing and JSON building are in apijson.c. */
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include <event2/http.h>
#include <event2/keyvalq_struct.h>
#include <jansson.h>

#include "alloc.h"
#include "api.h"
#include "apijson.h"
#include "auth.h"
#include "clock.h"
#include "envelope.h"
#include "http.h"
#include "hybsig.h"
#include "log.h"
#include "node.h"
#include "revoke.h"
#include "store.h"
#include "track.h"
#include "version.h"
#include "workq.h"

#define API_FETCH_MAX 20000          /* store rows examined per list request */

struct hl_api {
	struct hl_node *node;
	const struct hl_config *cfg;
	struct hl_store *store;
	struct hl_auth *auth;
	const char *extra_key;            /* hl_api_status_extra */
	json_t *(*extra)(void *arg);
	void *extra_arg;
};

/* ---- helpers ---- */

/* Load one message and apply rule 4. HL_ERR_NOT_FOUND when it does not
 * exist or the operator may not see it. OUT: *m, *l. */
static int
load_visible(struct hl_api *a, const struct hl_operator_conf *op,
    const uint8_t id[static HL_ID_BYTES], struct hl_msg *m, struct hl_label *l)
{
	uint8_t lab[HL_LABEL_MAX_BYTES];
	size_t ll = 0;
	int r;

	memset(m, 0, sizeof(*m));
	/* rule 4 on the label first: one the operator may not see is 404
	 * whatever state its content is in */
	if ((r = hl_store_get_label(a->store, id, lab, &ll)) != HL_OK)
		return r;
	if (!hl_apijson_visible(lab, ll, &a->cfg->policy, op, l))
		return HL_ERR_NOT_FOUND;
	if ((r = hl_store_get(a->store, id, 0, m)) != HL_OK)
		return r;
	if (!hl_apijson_visible(m->label, m->label_len, &a->cfg->policy, op, l)) {
		hl_msg_clear(m);
		return HL_ERR_NOT_FOUND;
	}
	return HL_OK;
}

static void
reply_store_error(struct evhttp_request *req, int r)
{
	if (r == HL_ERR_NOT_FOUND)
		hl_http_reply_error(req, 404, "not_found", "no such envelope");
	else if (r == HL_ERR_CORRUPT)
		hl_http_reply_error(req, 500, "integrity", "the stored envelope fails its integrity "
		    "check: its sealed content does not open (altered on disk, or sealed under "
		    "another node's key)");
	else
		hl_http_reply_error(req, 500, "internal", "store: %s", hl_strerror(r));
}

/* ---- additions to the delivery and status replies (for the console,
 * docs/API.md "Additions to existing replies") ---- */

/* Each recipient of a delivery reply gets "overdue": delivered, not
 * acknowledged and past its acknowledgement deadline (the node's deadline
 * scan moved the delivery to HL_DLV_OVERDUE). */
static void
annotate_delivery(struct hl_api *c, const uint8_t id[static HL_ID_BYTES], json_t *reply)
{
	json_t *recips = json_object_get(reply, "recipients"), *r;
	struct hl_delivery *d = NULL;
	size_t i, k, n = 0;
	int overdue;

	if (c == NULL || !json_is_array(recips) ||
	    hl_store_deliveries(c->store, id, &d, &n) != HL_OK)
		n = 0;
	json_array_foreach(recips, i, r) {
		const char *node = json_string_value(json_object_get(r, "node"));

		overdue = 0;
		for (k = 0; node != NULL && k < n; k++)
			if (strcmp(d[k].node, node) == 0)
				overdue = d[k].state == HL_DLV_OVERDUE;
		json_object_set_new(r, "overdue", json_boolean(overdue));
	}
	hl_free(d);
}

/* A status peer gets "queue_by_precedence": {"FLASH": n, ...}, this node's
 * own envelopes still queued for it (relayed ones count in queue_depth only). */
static void
annotate_peer(struct hl_api *c, const char *node, json_t *peer)
{
	uint64_t cnt[HL_PRECEDENCES];
	json_t *o;
	unsigned p;

	if (c == NULL || hl_store_queue_by_precedence(c->store, node, cnt) != HL_OK ||
	    (o = json_object()) == NULL)
		return;
	for (p = 0; p < HL_PRECEDENCES; p++)
		json_object_set_new(o, hl_precedence_name((uint8_t)p), json_integer((json_int_t)cnt[p]));
	json_object_set_new(peer, "queue_by_precedence", o);
}

/* ---- handlers ---- */

/* ---- sending: one envelope, or a batch of them ---- */

#define API_RETRY_AFTER_S 5          /* a recipient's keys are not known yet */

/* What the send endpoint answers for one envelope; the batch endpoint
 * gives the same per item. */
struct api_outcome {
	int status;                       /* 201, or the refusal's */
	const char *ecode;                /* NULL with 201 */
	int retry_after_s;                /* with 503 */
	char id[HL_API_ID_HEX + 1];       /* with 201 */
	char msg[512];                    /* with a refusal: one line */
};

static void __attribute__((format(printf, 4, 5)))
outcome_refuse(struct api_outcome *o, int status, const char *ecode, const char *fmt, ...)
{
	va_list ap;
	size_t i;

	o->status = status;
	o->ecode = ecode;
	va_start(ap, fmt);
	vsnprintf(o->msg, sizeof(o->msg), fmt, ap);
	va_end(ap);
	for (i = 0; o->msg[i] != '\0'; i++)   /* one line */
		if (o->msg[i] == '\n' || o->msg[i] == '\r')
			o->msg[i] = ' ';
}

/* The API's own checks of a parsed send by op: its clearance and its
 * nationality against the label. 1 if allowed, else 0 with *o set. */
static int
send_allowed(struct hl_api *a, const struct hl_operator_conf *op, const struct hl_api_send *s,
    struct api_outcome *o)
{
	if (s->label.classification > op->clearance) {
		outcome_refuse(o, 403, "denied", "your clearance (%s) does not allow sending %s",
		    hl_policy_level_name(&a->cfg->policy, op->clearance),
		    hl_policy_level_name(&a->cfg->policy, s->label.classification));
		return 0;
	}
	if (!hl_label_releasable_to(&s->label, op->nationality)) {
		outcome_refuse(o, 403, "denied",
		    "releasable-to must include your own nationality (%s), or you could not read it back",
		    op->nationality);
		return 0;
	}
	return 1;
}

/* The node's request for s sent by op; points into s, op and to[]. */
static void
send_request(const struct hl_api_send *s, const struct hl_operator_conf *op,
    const char *to[static HL_RECIPIENTS_MAX], struct hl_send_req *sr)
{
	unsigned i;

	memset(sr, 0, sizeof(*sr));
	for (i = 0; i < s->nto; i++)
		to[i] = s->to[i];
	sr->to = to;
	sr->nto = s->nto;
	sr->to_all = s->to_all;
	sr->precedence = s->precedence;
	sr->label = s->label;
	sr->content_type = s->content_type;
	sr->flags = s->flags;
	sr->content = s->content;
	sr->content_len = s->content_len;
	sr->originator = op->name;
	sr->ttl_s = s->ttl_s;
}

/* The answer for the node's result r (id with HL_OK, why otherwise).
 * This is the completion an asynchronous send would call. */
static void
send_outcome(int r, const uint8_t id[static HL_ID_BYTES], const char *why,
    struct api_outcome *o)
{
	if (why == NULL || why[0] == '\0')
		why = hl_strerror(r);
	switch (r) {
	case HL_OK:
		o->status = 201;
		o->ecode = NULL;
		hl_hex_id(id, o->id);
		break;
	case HL_ERR_DENIED:
		outcome_refuse(o, 403, "denied", "%s", why);
		break;
	case HL_ERR_UNKNOWN_PEER:
		outcome_refuse(o, 422, "unknown_recipient", "%s", why);
		break;
	case HL_ERR_INVALID:
	case HL_ERR_MALFORMED:
		outcome_refuse(o, 422, "invalid", "%s", why);
		break;
	case HL_ERR_TOO_BIG:
		outcome_refuse(o, 413, "payload_too_large", "%s", why);
		break;
	case HL_ERR_AGAIN:
		outcome_refuse(o, 503, "unavailable", "%s", why);
		o->retry_after_s = API_RETRY_AFTER_S;
		break;
	case HL_ERR_FULL:
		/* the node's disk is full: it still receives what it can and serves reads */
		outcome_refuse(o, 507, "storage_full", "storage full: the node cannot store new "
		    "envelopes until space is freed (%s)", why);
		break;
	default:
		outcome_refuse(o, 500, "internal", "%s", why);
		break;
	}
}

/* A send handed to the node, until its completion: the answer goes into
 * *o, then done(ctx) runs (on the loop). */
struct api_pending {
	struct api_outcome *o;
	void (*done)(void *ctx);
	void *ctx;
};

static void
send_completed(void *arg, int r, const uint8_t *id, const char *why)
{
	struct api_pending *p = arg;
	static const uint8_t none[HL_ID_BYTES];

	send_outcome(r, id != NULL ? id : none, why, p->o);
	p->done(p->ctx);
	hl_free(p);
}

/* One parsed send by op, all the way: the API's checks, then the node's
 * (rule 1, whose refusals it audits as send-refused), then sealing on a
 * crypto worker and the durable store (hl_node_send_async). The single
 * and the batch endpoint both send through here. Returns 0 when *o holds
 * the answer now (a refusal), 1 when done(ctx) will be called with it
 * (possibly before this returns). */
static int
send_start(struct hl_api *a, const struct hl_operator_conf *op, const struct hl_api_send *s,
    struct api_outcome *o, void (*done)(void *ctx), void *ctx)
{
	struct hl_send_req sr;
	struct api_pending *p;
	const char *to[HL_RECIPIENTS_MAX];
	static const uint8_t none[HL_ID_BYTES];
	char why[512];
	int r;

	memset(o, 0, sizeof(*o));
	if (!send_allowed(a, op, s, o))
		return 0;
	if ((p = hl_calloc(1, sizeof(*p))) == NULL) {
		send_outcome(HL_ERR_NOMEM, none, "out of memory", o);
		return 0;
	}
	p->o = o;
	p->done = done;
	p->ctx = ctx;
	send_request(s, op, to, &sr);
	why[0] = '\0';
	if ((r = hl_node_send_async(a->node, &sr, send_completed, p, why, sizeof(why))) != HL_OK) {
		hl_free(p);
		send_outcome(r, none, why, o);
		return 0;
	}
	return 1;
}

static void
reply_outcome(struct evhttp_request *req, const struct api_outcome *o)
{
	char ra[16];

	if (o->status == 201) {
		hl_http_reply_json(req, 201, json_pack("{s:s}", "id", o->id));
		return;
	}
	if (o->retry_after_s > 0) {
		snprintf(ra, sizeof(ra), "%d", o->retry_after_s);
		evhttp_add_header(evhttp_request_get_output_headers(req), "Retry-After", ra);
	}
	hl_http_reply_error(req, o->status, o->ecode, "%s", o->msg);
}

/* A send body that does not parse: 400, or 413 / 500. */
static void
reply_parse_error(struct evhttp_request *req, int r, const char *err)
{
	if (r == HL_ERR_TOO_BIG)
		hl_http_reply_error(req, 413, "payload_too_large", "%s", err);
	else if (r == HL_ERR_NOMEM)
		hl_http_reply_error(req, 500, "internal", "out of memory");
	else
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
}

/* One single send whose answer comes from its completion. */
struct api_single {
	struct hl_http_defer *d;
	struct api_outcome o;
};

static void
single_done(void *ctx)
{
	struct api_single *x = ctx;
	struct evhttp_request *req = hl_http_defer_take(x->d);

	if (req != NULL)   /* NULL: the client went away meanwhile */
		reply_outcome(req, &x->o);
	hl_free(x);
}

static void send_parsed(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, struct hl_api_send *s);

static void
handle_send(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const uint8_t *body, size_t len)
{
	struct hl_api_send s;
	char err[256];
	int r;

	if ((r = hl_apijson_parse_send(body, len, &a->cfg->policy, &s, err, sizeof(err))) != HL_OK) {
		reply_parse_error(req, r, err);
		return;
	}
	send_parsed(a, op, req, &s);
}

/* POST /api/v1/envelopes/upload?to=...: the body is the content itself
 * (application/octet-stream), the fields are in the query string. A large
 * file costs the loop one copy out of the connection's buffer, instead of
 * a base64 JSON body's scan, decode and copies (docs/API.md). */
static void
handle_upload(struct hl_api *a, const struct hl_operator_conf *op, struct hl_http_req *x)
{
	struct hl_api_send s;
	char err[256];
	int r;

	r = hl_apijson_parse_upload(x->query, x->own, x->body_len, &a->cfg->policy, &s, err,
	    sizeof(err));
	x->own = NULL;   /* s holds it, or it was freed */
	if (r != HL_OK) {
		reply_parse_error(x->req, r, err);
		return;
	}
	send_parsed(a, op, x->req, &s);
}

/* A parsed send (s is cleared here): the rest is the same for a JSON body
 * and an upload. */
static void
send_parsed(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    struct hl_api_send *sp)
{
	struct hl_api_send s = *sp;
	struct api_single *x = NULL;
	char err[256];
	int r;

	memset(sp, 0, sizeof(*sp));
	/* a track must be a valid record; it travels canonical and at FLASH */
	if ((r = hl_apijson_send_track(&s, err, sizeof(err))) != HL_OK) {
		reply_parse_error(req, r == HL_ERR_NOMEM ? r : HL_ERR_MALFORMED, err);
		goto out;
	}
	if ((x = hl_calloc(1, sizeof(*x))) == NULL || (x->d = hl_http_defer(req)) == NULL) {
		hl_free(x);
		hl_http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	/* the answer (201 once the envelope is on disk) comes from the
	 * completion; a refusal comes at once */
	if (!send_start(a, op, &s, &x->o, single_done, x))
		single_done(x);
out:
	hl_apijson_send_clear(&s);
}

/* One batch request and everything its items need until the last one is
 * answered. The handler hands every item to the node; batch_item_done,
 * called from each completion on the loop (or at once for a refusal),
 * sends the reply after the last, so nothing here points into the
 * handler's frame or the layer's request struct (whose operator is wiped
 * when the handler returns). */
struct api_batch {
	struct hl_api *a;
	struct evhttp_request *req;       /* until the handler defers it */
	struct hl_http_defer *d;
	struct hl_operator_conf op;       /* a copy, without the password hash */
	struct hl_api_batch items;        /* parsed; owns each item's content */
	struct api_outcome *res;          /* one per item, in request order */
	size_t pending;                   /* items not answered yet */
	size_t accepted, refused;
};

static void
batch_free(struct api_batch *b)
{
	if (b == NULL)
		return;
	hl_apijson_batch_clear(&b->items);
	hl_free(b->res);
	hl_free_secret(b, sizeof(*b));
}

/* {"results": [...], "accepted": N, "refused": M}, then b is freed. */
static void
batch_reply(struct api_batch *b)
{
	json_t *results = NULL, *it;
	const struct api_outcome *o;
	int retry = 0;
	size_t i;

	if ((b->req = hl_http_defer_take(b->d)) == NULL) {
		/* the client went away meanwhile: the envelopes are sent, nobody
		 * waits for the list */
		batch_free(b);
		return;
	}

	if ((results = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < b->items.n; i++) {
		o = &b->res[i];
		if (o->status == 201)
			it = json_pack("{s:I, s:i, s:s}", "index", (json_int_t)i, "status", o->status,
			    "id", o->id);
		else if (o->retry_after_s > 0)
			it = json_pack("{s:I, s:i, s:s, s:s, s:i}", "index", (json_int_t)i,
			    "status", o->status, "error", o->ecode, "message", o->msg,
			    "retry_after_s", o->retry_after_s);
		else
			it = json_pack("{s:I, s:i, s:s, s:s}", "index", (json_int_t)i,
			    "status", o->status, "error", o->ecode, "message", o->msg);
		if (it == NULL || json_array_append_new(results, it) != 0)
			goto nomem;
		if (o->retry_after_s > retry)
			retry = o->retry_after_s;
	}
	if (retry > 0) {
		char ra[16];

		snprintf(ra, sizeof(ra), "%d", retry);
		evhttp_add_header(evhttp_request_get_output_headers(b->req), "Retry-After", ra);
	}
	hl_http_reply_json(b->req, 200, json_pack("{s:o, s:I, s:I}", "results", results,
	    "accepted", (json_int_t)b->accepted, "refused", (json_int_t)b->refused));
	results = NULL;
	goto out;
nomem:
	hl_http_reply_error(b->req, 500, "internal", "out of memory");
out:
	json_decref(results);
	batch_free(b);
}

/* Item i has its answer in b->res[i]; the last one sends the reply. */
static void
batch_item_done(struct api_batch *b, size_t i)
{
	if (b->res[i].status == 201)
		b->accepted++;
	else
		b->refused++;
	if (--b->pending == 0)
		batch_reply(b);
}

/* A completion's view of one item. */
struct api_batch_slot {
	struct api_batch *b;
	size_t i;
};

static void
batch_slot_done(void *ctx)
{
	struct api_batch_slot *sl = ctx;
	struct api_batch *b = sl->b;
	size_t i = sl->i;

	hl_free(sl);
	batch_item_done(b, i);
}

static void
handle_send_batch(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, const uint8_t *body, size_t len)
{
	struct api_batch *b = NULL;
	char err[320];
	size_t i, n;
	int r;

	if ((b = hl_calloc(1, sizeof(*b))) == NULL) {
		hl_http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	b->a = a;
	b->req = req;
	snprintf(b->op.name, sizeof(b->op.name), "%s", op->name);
	snprintf(b->op.nationality, sizeof(b->op.nationality), "%s", op->nationality);
	b->op.role = op->role;
	b->op.clearance = op->clearance;
	if ((r = hl_apijson_parse_batch(body, len, &a->cfg->policy, &b->items, err,
	    sizeof(err))) != HL_OK) {
		if (r == HL_ERR_NOMEM)
			hl_http_reply_error(req, 500, "internal", "out of memory");
		else if (b->items.bad != HL_API_BATCH_NONE)
			hl_http_reply_json(req, r == HL_ERR_TOO_BIG ? 413 : 400, json_pack(
			    "{s:s, s:s, s:I}", "error", r == HL_ERR_TOO_BIG ? "payload_too_large" :
			    "bad_request", "message", err, "index", (json_int_t)b->items.bad));
		else
			reply_parse_error(req, r, err);
		batch_free(b);
		return;
	}
	if ((b->res = hl_calloc(b->items.n, sizeof(*b->res))) == NULL) {
		hl_http_reply_error(req, 500, "internal", "out of memory");
		batch_free(b);
		return;
	}
	if ((b->d = hl_http_defer(req)) == NULL) {
		hl_http_reply_error(req, 500, "internal", "out of memory");
		batch_free(b);
		return;
	}
	/* items go to the node in request order; the reply is sent (and b
	 * freed) by the last batch_item_done, so n is read before the loop
	 * and b is not touched after the last item */
	n = b->pending = b->items.n;
	hl_node_send_burst(a->node, 1);
	for (i = 0; i < n; i++) {
		struct api_batch_slot *sl = hl_calloc(1, sizeof(*sl));

		if (sl == NULL) {
			static const uint8_t none[HL_ID_BYTES];

			send_outcome(HL_ERR_NOMEM, none, "out of memory", &b->res[i]);
			batch_item_done(b, i);
			continue;
		}
		sl->b = b;
		sl->i = i;
		if (!send_start(a, &b->op, &b->items.item[i], &b->res[i], batch_slot_done, sl))
			batch_slot_done(sl);
	}
	hl_node_send_burst(a->node, 0);
}

static int
exercise_ok(const struct hl_msg *m, int filter)
{
	int ex = (m->flags & HL_ENV_FLAG_EXERCISE) != 0;

	if (m->flags & HL_ENV_FLAG_LINK_TEST)
		return 0;   /* scheduled link tests are shown in status, not as traffic */
	if (m->content_type == HL_CT_TRACKS && m->inbound)
		return 0;   /* the track stream feeds the picture and its alerts, not the inbox */
	if (filter == HL_EXERCISE_EXCLUDE)
		return !ex;
	if (filter == HL_EXERCISE_ONLY)
		return ex;
	return 1;
}

static void
free_msgs(struct hl_msg *msgs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		hl_msg_clear(&msgs[i]);
	hl_free(msgs);
}

/* inbox (inbound) or sent (outbound) */
static void
handle_list(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const char *query, int inbound)
{
	struct hl_api_query q;
	struct hl_msg *msgs = NULL;
	struct hl_delivery *d = NULL;
	struct hl_label l;
	json_t *items = NULL, *it;
	char err[160];
	size_t n = 0, i, nd, fetch, count;
	int r;

	if (hl_apijson_parse_query(query, inbound ? HL_QUERY_LIMIT | HL_QUERY_EXERCISE :
	    HL_QUERY_LIMIT | HL_QUERY_EXERCISE, &q, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	fetch = q.limit < API_FETCH_MAX ? q.limit : API_FETCH_MAX;
	for (;;) {
		json_decref(items);
		if ((items = json_array()) == NULL)
			goto nomem;
		if ((r = hl_store_list(a->store, inbound, fetch, &msgs, &n)) != HL_OK) {
			reply_store_error(req, r);
			goto out;
		}
		count = 0;
		for (i = 0; i < n && count < q.limit; i++) {
			if (msgs[i].inbound != inbound || !exercise_ok(&msgs[i], q.exercise) ||
			    !hl_apijson_visible(msgs[i].label, msgs[i].label_len, &a->cfg->policy, op,
			    &l))
				continue;
			if ((it = hl_apijson_msg(&msgs[i], &l, &a->cfg->policy, 0)) == NULL ||
			    json_array_append_new(items, it) != 0)
				goto nomem;
			if (!inbound) {
				if ((r = hl_store_deliveries(a->store, msgs[i].id, &d, &nd)) != HL_OK) {
					reply_store_error(req, r);
					goto out;
				}
				if (json_object_set_new(it, "delivery",
				    hl_apijson_delivery_summary(d, nd)) != 0)
					goto nomem;
				HL_FREE(d);
			}
			count++;
		}
		/* filtered rows took room: look further back, within bounds */
		if (count >= q.limit || n < fetch || fetch >= API_FETCH_MAX)
			break;
		free_msgs(msgs, n);
		msgs = NULL;
		fetch = fetch > API_FETCH_MAX / 4 ? API_FETCH_MAX : fetch * 4;
	}
	hl_http_reply_json(req, 200, json_pack("{s:O}", "items", items));
	goto out;
nomem:
	hl_http_reply_error(req, 500, "internal", "out of memory");
out:
	hl_free(d);
	free_msgs(msgs, n);
	json_decref(items);
}

/* The signature suite of a stored envelope: its hybrid suite (version 3),
 * "ed25519" (versions 1 and 2), null if it does not decode. */
static json_t *
envelope_sig_suite(const struct hl_msg *m)
{
	struct hl_envelope *e;
	const char *name = NULL;

	if (m->raw == NULL || (e = hl_malloc(sizeof(*e))) == NULL)
		return json_null();
	if (hl_envelope_decode(m->raw, m->raw_len, e) == HL_OK)
		name = hl_sig_suite_name(e->version == HL_ENVELOPE_VERSION_HYBRID ? e->hsig.suite :
		    HL_SUITE_ED25519);
	hl_free(e);
	return name != NULL ? json_string(name) : json_null();
}

static void
handle_show(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const uint8_t id[static HL_ID_BYTES])
{
	struct hl_msg m;
	struct hl_label l;
	char why[320];
	json_t *o;
	int r;

	if ((r = load_visible(a, op, id, &m, &l)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	/* not the flag kept from receipt: the stored envelope, checked now */
	hl_msg_clear(&m);
	if ((r = hl_store_get(a->store, id, 1, &m)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	m.sig_ok = hl_node_recheck(a->node, &m, why, sizeof(why));
	if ((o = hl_apijson_msg(&m, &l, &a->cfg->policy, 1)) != NULL &&
	    (json_object_set_new(o, "signature_check", json_string(why)) != 0 ||
	    json_object_set_new(o, "signature_suite", envelope_sig_suite(&m)) != 0)) {
		json_decref(o);
		o = NULL;
	}
	hl_http_reply_json(req, 200, o);
	hl_msg_clear(&m);
}

static void
handle_ack(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const uint8_t id[static HL_ID_BYTES], const uint8_t *body, size_t len)
{
	struct hl_msg m;
	struct hl_label l;
	char err[160], t[HL_API_TIME_LEN], hid[HL_API_ID_HEX + 1];
	int r;

	memset(&m, 0, sizeof(m));
	if (hl_apijson_parse_empty(body, len, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	if ((r = load_visible(a, op, id, &m, &l)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if (!m.inbound) {
		hl_http_reply_error(req, 404, "not_found", "no such received envelope");
		goto out;
	}
	hl_msg_clear(&m);
	r = hl_node_ack(a->node, id, op->name);
	if (r != HL_OK && r != HL_ERR_EXISTS) {
		reply_store_error(req, r);
		goto out;
	}
	if (hl_store_get(a->store, id, 0, &m) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "cannot read the envelope back");
		goto out;
	}
	hl_apijson_format_time(m.acked_ms, t);
	if (r == HL_ERR_EXISTS) {
		hl_http_reply_error(req, 409, "conflict", "already acknowledged by %s at %s", m.acked_by, t);
		goto out;
	}
	hl_hex_id(id, hid);
	hl_http_reply_json(req, 200, json_pack("{s:s, s:s, s:o}", "id", hid, "acknowledged_by",
	    m.acked_by, "acknowledged", hl_apijson_time(m.acked_ms)));
out:
	hl_msg_clear(&m);
}

static void
handle_delivery(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, const uint8_t id[static HL_ID_BYTES])
{
	struct hl_msg m;
	struct hl_label l;
	struct hl_delivery *d = NULL;
	json_t *dj;
	size_t n = 0;
	int r;

	if ((r = load_visible(a, op, id, &m, &l)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if (m.inbound) {
		hl_http_reply_error(req, 404, "not_found", "no delivery record: this node did not send it");
		goto out;
	}
	if ((r = hl_store_deliveries(a->store, id, &d, &n)) != HL_OK) {
		reply_store_error(req, r);
		goto out;
	}
	/* console: "overdue" per recipient */
	if ((dj = hl_apijson_deliveries(id, d, n)) != NULL)
		annotate_delivery(a, id, dj);
	hl_http_reply_json(req, 200, dj);
out:
	hl_free(d);
	hl_msg_clear(&m);
}

/* The certificates to renew in time: "renew" within cert_warn. */
static json_t *
status_certs(struct hl_api *a)
{
	const struct hl_cert_info *c;
	int64_t now = (int64_t)(hl_now_ms() / 1000), left;
	json_t *arr = json_array(), *e;
	size_t n = hl_node_certs(a->node, &c), i;

	for (i = 0; arr != NULL && i < n; i++) {
		left = c[i].not_after_s - now;
		e = json_pack("{s:s, s:s, s:o, s:o, s:s}", "role", c[i].role, "path", c[i].path,
		    "not_after", c[i].not_after_s != 0 ?
		    hl_apijson_time((uint64_t)c[i].not_after_s * 1000) : json_null(),
		    "days_left", c[i].not_after_s != 0 ?
		    json_integer((json_int_t)(left >= 0 ? (left + 86399) / 86400 : left / 86400)) :
		    json_null(),
		    "state", c[i].not_after_s == 0 ? "unreadable" : left <= 0 ? "expired" :
		    left <= (int64_t)a->cfg->cert_warn_s ? "renew" : "ok");
		if (e == NULL || json_array_append_new(arr, e) != 0) {
			json_decref(arr);
			arr = NULL;
		}
	}
	return arr;
}

void
hl_api_status_extra(struct hl_api *a, const char *key, json_t *(*fn)(void *arg), void *arg)
{
	a->extra_key = key;
	a->extra = fn;
	a->extra_arg = arg;
}

static void
handle_status(struct hl_api *a, struct evhttp_request *req)
{
	struct hl_node_sig_stats sg;
	struct hl_peer_status *st = NULL;
	json_t *o = NULL, *peers = NULL, *certs = NULL, *p;
	size_t n = 0, i;
	int r;

	if ((r = hl_node_peers(a->node, &st, &n)) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "%s", hl_strerror(r));
		return;
	}
	if ((peers = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		p = json_pack("{s:s, s:s, s:s, s:o, s:o, s:o, s:I, s:o, s:o, s:{s:o, s:s, s:o, s:o}, "
		    "s:{s:o, s:o, s:s}, s:b, s:I, s:I, s:o, s:s}",
		    "node", st[i].node, "partner", st[i].partner,
		    "link", st[i].up ? "up" : "down",
		    "protocol", st[i].protocol != 0 ? json_integer((json_int_t)st[i].protocol) :
		    json_null(),
		    "last_heartbeat", hl_apijson_time(st[i].last_heartbeat_ms),
		    "rtt_ms", st[i].rtt_us != 0 ? json_real((double)(st[i].rtt_us / 10) / 100.0) :
		    json_null(),
		    "queue_depth", (json_int_t)st[i].queue_depth,
		    "up_since", hl_apijson_time(st[i].up_since_ms),
		    "last_error", st[i].last_error[0] != '\0' ? json_string(st[i].last_error) :
		    json_null(),
		    "link_test", "last_sent", hl_apijson_time(st[i].test_sent_ms),
		    "result", st[i].test_result,
		    "completed", hl_apijson_time(st[i].test_done_ms),
		    "round_trip_ms", st[i].test_rtt_ms != 0 ? json_integer((json_int_t)st[i].test_rtt_ms) :
		    json_null(),
		    "witness", "size", st[i].witness_size != 0 ?
		    json_integer((json_int_t)st[i].witness_size) : json_null(),
		    "checkpoint_time", hl_apijson_time(st[i].witness_time_ms),
		    "state", st[i].witness_state,
		    "fork", st[i].fork,
		    /* what the peer witnessed of our log (its CHECKPOINT_ACK) */
		    "our_witnessed_size", (json_int_t)st[i].our_witnessed_size,
		    "our_witnessed_ms", (json_int_t)st[i].our_witnessed_ms,
		    "our_witnessed_time", hl_apijson_time(st[i].our_witnessed_ms),
		    "our_witness_state", st[i].our_witness_state);
		if (p == NULL || json_array_append_new(peers, p) != 0)
			goto nomem;
		annotate_peer(a, st[i].node, p);
	}
	if ((certs = status_certs(a)) == NULL)
		goto nomem;
	hl_node_sig_stats(a->node, &sg);
	o = json_pack("{s:s, s:s, s:s, s:o, s:o, s:s, s:{s:I, s:I, s:I, s:I}, s:O}",
	    "node", a->cfg->node, "partner", a->cfg->partner, "version", HL_VERSION,
	    "started", hl_apijson_time(hl_node_started_ms(a->node)),
	    "now", hl_apijson_time(hl_now_ms()),
	    "suite", hl_suite_name(a->cfg->suite),
	    "batch_signatures", "roots_signed", (json_int_t)sg.roots_signed,
	    "leaves_signed", (json_int_t)sg.leaves_signed,
	    "roots_verified", (json_int_t)sg.roots_verified,
	    "root_cache_hits", (json_int_t)sg.cache_hits,
	    "peers", peers);
	if (o == NULL || json_object_set(o, "certificates", certs) != 0)
		goto nomem;
	if (a->extra != NULL && a->extra_key != NULL) {
		json_t *ex = a->extra(a->extra_arg);

		if (ex != NULL && json_object_set_new(o, a->extra_key, ex) != 0)
			goto nomem;
	}
	hl_http_reply_json(req, 200, o);
	goto out;
nomem:
	json_decref(o);
	hl_http_reply_error(req, 500, "internal", "out of memory");
out:
	json_decref(peers);
	json_decref(certs);
	hl_free(st);
}

static void
handle_audit_verify(struct hl_api *a, struct evhttp_request *req)
{
	uint64_t count = 0, bad = 0;
	char err[256], msg[300];
	int r;

	err[0] = '\0';
	r = hl_store_audit_verify(a->store, &count, &bad, err, sizeof(err));
	if (r == HL_OK) {
		snprintf(msg, sizeof(msg), "%" PRIu64 " entries verified", count);
		hl_http_reply_json(req, 200, json_pack("{s:b, s:I, s:n, s:s}", "ok", 1,
		    "entries", (json_int_t)count, "first_bad_seq", "message", msg));
	} else if (r == HL_ERR_CORRUPT) {
		hl_http_reply_json(req, 200, json_pack("{s:b, s:I, s:I, s:s}", "ok", 0,
		    "entries", (json_int_t)count, "first_bad_seq", (json_int_t)bad,
		    "message", err[0] != '\0' ? err : "audit log corrupt"));
	} else {
		hl_http_reply_error(req, 500, "internal", "cannot verify the audit log: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
	}
}

/* "signing_keys": our ML-DSA key pairs, and whether we sign with each. */
static json_t *
sig_keys_json(struct hl_api *a, int *suite)
{
	struct hl_sigkey_info si[4];
	json_t *arr, *k;
	size_t n = 0, i;
	char fp[65];

	*suite = HL_SUITE_ED25519;
	if (hl_node_sig_keys(a->node, si, 4, &n, suite) != HL_OK || (arr = json_array()) == NULL)
		return NULL;
	for (i = 0; i < n; i++) {
		hl_hex_encode(si[i].fp, sizeof(si[i].fp), fp);
		k = json_pack("{s:s, s:s, s:o, s:b}", "suite", si[i].param == HL_MLDSA_87 ?
		    "ml-dsa-87" : "ml-dsa-65", "sha256", fp, "created",
		    hl_apijson_time(si[i].created_ms), "signing",
		    hl_sig_suite_mldsa(*suite) == si[i].param);
		if (k == NULL || json_array_append_new(arr, k) != 0) {
			json_decref(arr);
			return NULL;
		}
	}
	return arr;
}

static void
handle_keys(struct hl_api *a, struct evhttp_request *req)
{
	struct hl_kem_info info[64];
	json_t *arr = NULL, *k, *sig = NULL;
	size_t n = 0, i;
	uint64_t next = 0;
	uint32_t cur = 0;
	int suite = HL_SUITE_ED25519;

	if (hl_node_keys(a->node, info, 64, &n, &next) != HL_OK || (arr = json_array()) == NULL ||
	    (sig = sig_keys_json(a, &suite)) == NULL) {
		json_decref(arr);
		hl_http_reply_error(req, 500, "internal", "cannot list keys");
		return;
	}
	for (i = 0; i < n; i++)
		if (info[i].epoch > cur)
			cur = info[i].epoch;
	for (i = 0; i < n; i++) {
		k = json_pack("{s:s, s:I, s:o, s:b}", "suite", hl_suite_name(info[i].suite),
		    "epoch", (json_int_t)info[i].epoch, "created", hl_apijson_time(info[i].created_ms),
		    "current", info[i].epoch == cur);
		if (k == NULL || json_array_append_new(arr, k) != 0) {
			json_decref(arr);
			json_decref(sig);
			hl_http_reply_error(req, 500, "internal", "out of memory");
			return;
		}
	}
	hl_http_reply_json(req, 200, json_pack("{s:I, s:s, s:o, s:I, s:I, s:o, s:s, s:o}",
	    "current_epoch", (json_int_t)cur, "suite", hl_suite_name(a->cfg->suite),
	    "next_rotation", hl_apijson_time(next),
	    "rotate_every_s", (json_int_t)a->cfg->kem_rotate_s,
	    "keep_at_most_s", (json_int_t)a->cfg->kem_keep_s, "keys", arr,
	    "signature_suite", hl_sig_suite_name(suite), "signing_keys", sig));
}

static void
handle_keys_rotate(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req)
{
	char err[256];
	int r;

	err[0] = '\0';
	if ((r = hl_node_rotate(a->node, err, sizeof(err))) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "rotation failed: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
		return;
	}
	if (hl_store_audit(a->store, "kem-rotate-requested", NULL, op->name, "by operator",
	    hl_now_ms()) != HL_OK)
		log_warnx("audit: cannot record the rotation request");
	handle_keys(a, req);
}

/* POST /api/v1/keys/rotate-sig: body none, {} or {"param": 65|87} (none:
 * the key of the suite the node signs with, ML-DSA-65 while Ed25519 alone). */
static void
handle_keys_rotate_sig(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, const uint8_t *body, size_t len)
{
	json_t *o = NULL, *v;
	json_int_t param = 0;
	char err[256], ad[64];
	int r;

	err[0] = '\0';
	if (len > 0) {
		if (hl_apijson_load_object(body, len, 256, &o, err, sizeof(err)) != HL_OK) {
			hl_http_reply_error(req, 400, "bad_request", "%s", err);
			return;
		}
		v = json_object_get(o, "param");
		if (json_object_size(o) != (v != NULL ? 1u : 0u) || (v != NULL &&
		    (!json_is_integer(v) || (json_integer_value(v) != HL_MLDSA_65 &&
		    json_integer_value(v) != HL_MLDSA_87)))) {
			json_decref(o);
			hl_http_reply_error(req, 400, "bad_request", "expected {\"param\": 65|87}");
			return;
		}
		if (v != NULL)
			param = json_integer_value(v);
		json_decref(o);
	}
	if ((r = hl_node_rotate_sig(a->node, (int)param, err, sizeof(err))) != HL_OK) {
		hl_http_reply_error(req, 500, "internal", "rotation failed: %s",
		    err[0] != '\0' ? err : hl_strerror(r));
		return;
	}
	snprintf(ad, sizeof(ad), "by operator, ml-dsa-%s", param != 0 ?
	    (param == HL_MLDSA_87 ? "87" : "65") : "default");
	if (hl_store_audit(a->store, "sig-key-rotate-requested", NULL, op->name, ad,
	    hl_now_ms()) != HL_OK)
		log_warnx("audit: cannot record the signing key rotation request");
	handle_keys(a, req);
}

/* ---- tracks: the current picture (docs/internals/tracks.md) ---- */

#define API_TRACKS_CATCH_UP 1000     /* envelopes ingested late per request */

static int
track_exercise_ok(const struct hl_track_row *row, int filter)
{
	if (filter == HL_EXERCISE_EXCLUDE)
		return !row->exercise;
	if (filter == HL_EXERCISE_ONLY)
		return row->exercise;
	return 1;
}

/* The node's track alert rules (hotline.conf: track_alerts, ...). */
static void
api_track_rules(const struct hl_api *a, struct hl_track_rules *r)
{
	r->alerts = a->cfg->track_alerts;
	r->own = a->cfg->node;
	r->confidence = a->cfg->track_alert_confidence;
	r->stale_s = a->cfg->track_stale_s;
}

/* POST /api/v1/tracks: a batch of track updates as one envelope of the
 * track stream; the answer names the envelope and each record's fate. */
struct api_tracks {
	struct hl_http_defer *d;
	struct api_outcome o;
	json_t *results;
	size_t accepted, refused;
};

static void
tracks_done(void *ctx)
{
	struct api_tracks *x = ctx;
	struct evhttp_request *req = hl_http_defer_take(x->d);

	if (req != NULL && x->o.status == 201)
		hl_http_reply_json(req, 201, json_pack("{s:s, s:I, s:I, s:O}", "id", x->o.id,
		    "accepted", (json_int_t)x->accepted, "refused", (json_int_t)x->refused,
		    "results", x->results));
	else if (req != NULL)
		reply_outcome(req, &x->o);
	json_decref(x->results);
	hl_free(x);
}

/* The batch's parse (about 14 ms for 1,000 records) runs on a crypto
 * worker, not on the loop, where a FLASH request arriving meanwhile would
 * wait for it: the job owns the body and a copy of the operator, reads
 * only the configuration's policy, and comes back to tracks_parsed. */
struct api_tracks_parse {
	struct hl_job j;                  /* first: the pool hands back &j */
	struct hl_api *a;
	struct hl_http_defer *d;
	struct hl_operator_conf op;
	uint8_t *body;                    /* owned */
	size_t len;
	/* the worker's results */
	int r;
	struct hl_api_send s;
	json_t *results;
	size_t accepted;
	char err[256];
};

static void
tracks_parse_run(struct hl_job *j, void *ctx)
{
	struct api_tracks_parse *p = (struct api_tracks_parse *)j;

	(void)ctx;
	p->r = hl_apijson_parse_tracks(p->body, p->len, &p->a->cfg->policy, &p->s, &p->results,
	    &p->accepted, p->err, sizeof(p->err));
	hl_free_secret(p->body, p->len + 1);
	p->body = NULL;
}

static void
tracks_parse_free(struct api_tracks_parse *p)
{
	if (p->body != NULL)
		hl_free_secret(p->body, p->len + 1);
	json_decref(p->results);
	hl_apijson_send_clear(&p->s);
	hl_free_secret(p, sizeof(*p));   /* the operator's copy with it */
}

static void
tracks_parsed(struct hl_job *j)
{
	struct api_tracks_parse *p = (struct api_tracks_parse *)j;
	struct evhttp_request *req;
	struct api_tracks *x = NULL;

	/* the client may have gone meanwhile, or the HTTP server with the
	 * whole API (a stop): then nothing more is done */
	if ((req = hl_http_defer_take(p->d)) == NULL)
		goto out;
	if (j->cancelled) {
		hl_http_reply_error(req, 503, "unavailable", "the node is stopping");
		goto out;
	}
	if (p->r != HL_OK) {
		if (p->results != NULL && p->r == HL_ERR_MALFORMED)
			hl_http_reply_json(req, 400, json_pack("{s:s, s:s, s:O}", "error",
			    "bad_request", "message", p->err, "results", p->results));
		else
			reply_parse_error(req, p->r, p->err);
		goto out;
	}
	if ((x = hl_calloc(1, sizeof(*x))) == NULL || (x->d = hl_http_defer(req)) == NULL) {
		hl_free(x);
		hl_http_reply_error(req, 500, "internal", "out of memory");
		goto out;
	}
	x->results = p->results;
	p->results = NULL;
	x->accepted = p->accepted;
	x->refused = json_array_size(x->results) - x->accepted;
	if (!send_start(p->a, &p->op, &p->s, &x->o, tracks_done, x))
		tracks_done(x);
out:
	tracks_parse_free(p);
}

static void
handle_tracks_post(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, uint8_t **body, size_t len)
{
	struct api_tracks_parse *p = NULL;

	if ((p = hl_calloc(1, sizeof(*p))) == NULL || (p->d = hl_http_defer(req)) == NULL) {
		hl_free(p);
		hl_http_reply_error(req, 500, "internal", "out of memory");
		return;
	}
	p->a = a;
	p->op = *op;
	p->body = *body;   /* taken: the layer no longer frees it */
	*body = NULL;
	p->len = len;
	p->j.lane = HL_PREC_IMMEDIATE;
	p->j.run = tracks_parse_run;
	p->j.done = tracks_parsed;
	hl_node_offload(a->node, &p->j);
}

/* GET /api/v1/tracks/alerts[?open=yes]: the duty officer's track alerts,
 * unacknowledged first (rule 4 on the track's latest envelope). */
static void
handle_track_alerts(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, const char *query)
{
	struct hl_track_alert *al = NULL;
	struct hl_label l;
	json_t *items = NULL, *it;
	size_t n = 0, i, open = 0;
	int r, open_only = 0;

	if (query != NULL && strcmp(query, "open=yes") == 0)
		open_only = 1;
	else if (query != NULL && strcmp(query, "open=no") != 0) {
		hl_http_reply_error(req, 400, "bad_request", "the only query is open=yes or open=no");
		return;
	}
	if ((r = hl_store_track_alerts(a->store, open_only, API_FETCH_MAX, &al, &n)) != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if ((items = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n; i++) {
		if (!hl_apijson_visible(al[i].label, al[i].label_len, &a->cfg->policy, op, &l))
			continue;
		it = json_pack("{s:s, s:s, s:b, s:s, s:s, s:o, s:I, s:b}", "origin", al[i].origin,
		    "track_id", al[i].track_id, "exercise", al[i].exercise, "kind", al[i].kind,
		    "detail", al[i].detail, "raised", hl_apijson_time(al[i].raised_ms),
		    "events", (json_int_t)al[i].events, "acknowledged", al[i].acked_ms != 0);
		if (it != NULL && al[i].acked_ms != 0 &&
		    (json_object_set_new(it, "acked", hl_apijson_time(al[i].acked_ms)) != 0 ||
		    json_object_set_new(it, "acked_by", json_string(al[i].acked_by)) != 0)) {
			json_decref(it);
			it = NULL;
		}
		if (it == NULL || json_array_append_new(items, it) != 0)
			goto nomem;
		open += al[i].acked_ms == 0;
	}
	hl_http_reply_json(req, 200, json_pack("{s:o, s:I}", "items", items, "open",
	    (json_int_t)open));
	items = NULL;
	goto out;
nomem:
	json_decref(items);
	hl_http_reply_error(req, 500, "internal", "out of memory");
out:
	hl_free(al);
}

/* POST /api/v1/tracks/alerts/ack {"origin", "track_id", "exercise"}: one
 * acknowledgement covers the track's alert until its next event. */
static void
handle_track_alert_ack(struct hl_api *a, const struct hl_operator_conf *op,
    struct evhttp_request *req, const uint8_t *body, size_t len)
{
	struct hl_track_alert al;
	struct hl_label l;
	json_t *o = NULL, *vo, *vt, *ve;
	char err[160], ad[HL_AUDIT_DETAIL_MAX];
	int r, ex;

	if (hl_apijson_load_object(body, len, 4096, &o, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	vo = json_object_get(o, "origin");
	vt = json_object_get(o, "track_id");
	ve = json_object_get(o, "exercise");
	if (!json_is_string(vo) || !json_is_string(vt) || (ve != NULL && !json_is_boolean(ve)) ||
	    json_object_size(o) != 2u + (ve != NULL)) {
		hl_http_reply_error(req, 400, "bad_request", "expected {\"origin\": NODE, "
		    "\"track_id\": ID, \"exercise\": true|false}");
		goto out;
	}
	ex = ve != NULL && json_is_true(ve);
	/* rule 4: only an alert the operator may see */
	r = hl_store_track_alert_open(a->store, json_string_value(vo), json_string_value(vt), ex,
	    &al);
	if (r != HL_OK && r != HL_ERR_NOT_FOUND) {
		reply_store_error(req, r);
		goto out;
	}
	if (r == HL_ERR_NOT_FOUND ||
	    !hl_apijson_visible(al.label, al.label_len, &a->cfg->policy, op, &l)) {
		hl_http_reply_error(req, 404, "not_found", "no open alert for that track");
		goto out;
	}
	if ((r = hl_store_begin(a->store)) != HL_OK)
		goto store_err;
	if ((r = hl_store_track_alert_ack(a->store, json_string_value(vo), json_string_value(vt),
	    ex, op->name, hl_now_ms())) != HL_OK) {
		hl_store_rollback(a->store);
		goto store_err;
	}
	snprintf(ad, sizeof(ad), "track %s from %s%s", json_string_value(vt),
	    json_string_value(vo), ex ? " EXERCISE" : "");
	if ((r = hl_store_audit(a->store, "track-alert-acknowledged", NULL, op->name, ad,
	    hl_now_ms())) != HL_OK || (r = hl_store_commit(a->store)) != HL_OK) {
		hl_store_rollback(a->store);
		goto store_err;
	}
	hl_http_reply_json(req, 200, json_pack("{s:b}", "acknowledged", 1));
	goto out;
store_err:
	reply_store_error(req, r);
out:
	json_decref(o);
}

static void
handle_tracks(struct hl_api *a, const struct hl_operator_conf *op, struct evhttp_request *req,
    const char *query)
{
	struct hl_api_tracks_query q;
	struct hl_track_row *rows = NULL;
	struct hl_track_rules rules;
	struct hl_label l;
	json_t *items = NULL, *it;
	char err[160];
	size_t n = 0, i, count = 0, done = 0;
	int r;

	if (hl_apijson_parse_tracks_query(query, &q, err, sizeof(err)) != HL_OK) {
		hl_http_reply_error(req, 400, "bad_request", "%s", err);
		return;
	}
	/* track envelopes stored but not yet in the picture (a crash between
	 * storing and ingesting, or a failed ingest) are taken in now */
	api_track_rules(a, &rules);
	if ((r = hl_tracks_catch_up(a->store, &rules, API_TRACKS_CATCH_UP, &done)) != HL_OK)
		log_warnx("tracks: catching up failed: %s", hl_strerror(r));
	else if (done > 0)
		log_info("tracks: %zu stored track envelope(s) taken into the picture late", done);
	if (q.history[0] != '\0')
		r = hl_store_track_history(a->store, q.history, API_FETCH_MAX, &rows, &n);
	else
		r = hl_store_tracks(a->store, API_FETCH_MAX, &rows, &n);
	if (r != HL_OK) {
		reply_store_error(req, r);
		return;
	}
	if ((items = json_array()) == NULL)
		goto nomem;
	for (i = 0; i < n && count < q.limit; i++) {
		/* rule 4 on the update shown: a track whose latest update the
		 * operator may not see is left out, not shown with an older one */
		if (!track_exercise_ok(&rows[i], q.exercise) ||
		    !hl_apijson_visible(rows[i].label, rows[i].label_len, &a->cfg->policy, op, &l))
			continue;
		if ((it = hl_apijson_track(&rows[i], &l, &a->cfg->policy,
		    q.history[0] != '\0')) == NULL) {
			log_warnx("tracks: stored record of %s from %s does not parse: skipped",
			    rows[i].track_id, rows[i].origin);
			continue;
		}
		if (json_array_append_new(items, it) != 0)
			goto nomem;
		count++;
	}
	hl_http_reply_json(req, 200, json_pack("{s:O}", "items", items));
	goto out;
nomem:
	hl_http_reply_error(req, 500, "internal", "out of memory");
out:
	json_decref(items);
	hl_store_track_rows_free(rows, n);
}

/* ---- routes ---- */

/* The envelope id of the path ({id}); 0 after a 404. */
static int
path_id(struct hl_http_req *x, uint8_t id[static HL_ID_BYTES])
{
	if (x->nparams < 1 || hl_hex_parse_id(x->param[0], id) != HL_OK) {
		hl_http_reply_error(x->req, 404, "not_found", "no such endpoint");
		return 0;
	}
	return 1;
}

static void
r_send(struct hl_http_req *x)
{
	handle_send(x->arg, x->op, x->req, x->body, x->body_len);
}

static void
r_upload(struct hl_http_req *x)
{
	handle_upload(x->arg, x->op, x);
}

static void
r_send_batch(struct hl_http_req *x)
{
	handle_send_batch(x->arg, x->op, x->req, x->body, x->body_len);
}

static void
r_inbox(struct hl_http_req *x)
{
	handle_list(x->arg, x->op, x->req, x->query, 1);
}

static void
r_sent(struct hl_http_req *x)
{
	handle_list(x->arg, x->op, x->req, x->query, 0);
}

static void
r_show(struct hl_http_req *x)
{
	uint8_t id[HL_ID_BYTES];

	if (path_id(x, id))
		handle_show(x->arg, x->op, x->req, id);
}

static void
r_ack(struct hl_http_req *x)
{
	uint8_t id[HL_ID_BYTES];

	if (path_id(x, id))
		handle_ack(x->arg, x->op, x->req, id, x->body, x->body_len);
}

static void
r_delivery(struct hl_http_req *x)
{
	uint8_t id[HL_ID_BYTES];

	if (path_id(x, id))
		handle_delivery(x->arg, x->op, x->req, id);
}

static void
r_status(struct hl_http_req *x)
{
	handle_status(x->arg, x->req);
}

static void
r_audit_verify(struct hl_http_req *x)
{
	handle_audit_verify(x->arg, x->req);
}

static void
r_keys(struct hl_http_req *x)
{
	handle_keys(x->arg, x->req);
}

/* POST /api/v1/revocations: a notice signed by a partner's CA (the file
 * `hotline pki revoke` writes), applied and passed on to the federation. */
static void
r_revoke(struct hl_http_req *x)
{
	struct hl_api *a = x->arg;
	struct hl_revocation rv;
	char why[200], hex[65];
	int r;

	if (x->body == NULL || hl_revocation_decode(x->body, x->body_len, &rv) != HL_OK) {
		hl_http_reply_error(x->req, 400, "bad_request", "the body is not a revocation notice");
		return;
	}
	r = hl_node_revoke(a->node, x->body, x->body_len, x->op->name, why, sizeof(why));
	if (r != HL_OK && r != HL_ERR_EXISTS) {
		hl_http_reply_error(x->req, r == HL_ERR_UNKNOWN_PEER || r == HL_ERR_BAD_SIGNATURE ?
		    422 : 500, r == HL_ERR_BAD_SIGNATURE ? "bad_signature" : "refused", "%s", why);
		return;
	}
	hl_hex_encode(rv.cert_sha256, 32, hex);
	hl_http_reply_json(x->req, r == HL_OK ? 201 : 200, json_pack("{s:s, s:s, s:s, s:s, s:b}",
	    "partner", rv.partner, "node", rv.node, "certificate_sha256", hex, "reason", rv.reason,
	    "new", r == HL_OK));
}

/* GET /api/v1/revocations: the notices kept. */
static void
r_revocations(struct hl_http_req *x)
{
	struct hl_api *a = x->arg;
	struct hl_revocation rv;
	uint8_t **notices = NULL;
	size_t *lens = NULL, n = 0, i;
	char hex[65];
	json_t *arr;

	if (hl_store_revocations(a->store, &notices, &lens, &n) != HL_OK ||
	    (arr = json_array()) == NULL) {
		hl_http_reply_error(x->req, 500, "internal", "cannot read the revocations");
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (hl_revocation_decode(notices[i], lens[i], &rv) != HL_OK)
			continue;
		hl_hex_encode(rv.cert_sha256, 32, hex);
		(void)json_array_append_new(arr, json_pack("{s:s, s:s, s:s, s:s, s:o}",
		    "partner", rv.partner, "node", rv.node, "certificate_sha256", hex,
		    "reason", rv.reason, "time", hl_apijson_time(rv.time_ms)));
	}
	hl_http_reply_json(x->req, 200, json_pack("{s:o}", "revocations", arr));
out:
	for (i = 0; i < n; i++)
		hl_free(notices[i]);
	hl_free(notices);
	hl_free(lens);
}

static void
r_keys_rotate(struct hl_http_req *x)
{
	handle_keys_rotate(x->arg, x->op, x->req);
}

static void
r_keys_rotate_sig(struct hl_http_req *x)
{
	handle_keys_rotate_sig(x->arg, x->op, x->req, x->body, x->body_len);
}

static void
r_tracks(struct hl_http_req *x)
{
	handle_tracks(x->arg, x->op, x->req, x->query);
}

static void
r_tracks_post(struct hl_http_req *x)
{
	handle_tracks_post(x->arg, x->op, x->req, &x->own, x->body_len);
}

static void
r_track_alerts(struct hl_http_req *x)
{
	handle_track_alerts(x->arg, x->op, x->req, x->query);
}

static void
r_track_alert_ack(struct hl_http_req *x)
{
	handle_track_alert_ack(x->arg, x->op, x->req, x->body, x->body_len);
}

#define A HL_HTTP_AUTH
#define Q HL_HTTP_QUERY
#define B HL_HTTP_BODY
static const struct hl_http_route api_routes[] = {
	{ HL_HTTP_POST, "/api/v1/envelopes", r_send, A | B, 0, NULL, HL_HTTP_DUTY },
	/* before {id}, which would take the path */
	{ HL_HTTP_POST, "/api/v1/envelopes/batch", r_send_batch, A | B,
	    HL_API_BATCH_BODY_MAX_BYTES, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_POST, "/api/v1/envelopes/upload", r_upload, A | Q | B | HL_HTTP_BODY_OWN,
	    HL_CONTENT_MAX_BYTES, "application/octet-stream", HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/envelopes/{id}", r_show, A, 0, NULL, HL_HTTP_DUTY },
	/* the body is none or {} */
	{ HL_HTTP_POST, "/api/v1/envelopes/{id}/ack", r_ack, A | B, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/envelopes/{id}/delivery", r_delivery, A, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/inbox", r_inbox, A | Q, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/sent", r_sent, A | Q, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/status", r_status, A, 0, NULL, HL_HTTP_ANYONE },
	{ HL_HTTP_GET, "/api/v1/audit/verify", r_audit_verify, A, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/keys", r_keys, A, 0, NULL, HL_HTTP_DUTY },
	/* a body (JSON) is taken and ignored, as before the route table */
	{ HL_HTTP_POST, "/api/v1/keys/rotate", r_keys_rotate, A | B, 0, NULL, HL_HTTP_ADMIN },
	{ HL_HTTP_POST, "/api/v1/keys/rotate-sig", r_keys_rotate_sig, A | B, 256, NULL,
	    HL_HTTP_ADMIN },
	{ HL_HTTP_POST, "/api/v1/revocations", r_revoke, A | B, HL_REVOKE_MAX_BYTES,
	    "application/octet-stream", HL_HTTP_ADMIN },
	{ HL_HTTP_GET, "/api/v1/revocations", r_revocations, A, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/tracks", r_tracks, A | Q, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_POST, "/api/v1/tracks", r_tracks_post, A | B | HL_HTTP_BODY_OWN,
	    HL_API_TRACKS_BODY_MAX_BYTES, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_GET, "/api/v1/tracks/alerts", r_track_alerts, A | Q, 0, NULL, HL_HTTP_DUTY },
	{ HL_HTTP_POST, "/api/v1/tracks/alerts/ack", r_track_alert_ack, A | B, 4096, NULL, HL_HTTP_DUTY },
};
#undef A
#undef Q
#undef B

/* ---- life cycle ---- */

int
hl_api_register(struct hl_api *a, struct hl_http_table *t)
{
	return hl_http_table_add(t, api_routes, sizeof(api_routes) / sizeof(api_routes[0]), NULL,
	    a);
}

int
hl_api_new(struct hl_node *node, struct hl_auth *auth, struct hl_api **out)
{
	struct hl_api *a;

	*out = NULL;
	if ((a = hl_calloc(1, sizeof(*a))) == NULL)
		return HL_ERR_NOMEM;
	a->node = node;
	a->cfg = hl_node_config(node);
	a->store = hl_node_store(node);
	a->auth = auth;
	*out = a;
	return HL_OK;
}

void
hl_api_free(struct hl_api *a)
{
	hl_free(a);
}
