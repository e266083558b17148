/* node_ops.c: what the node does for its operators (node.h): send (rule 1
 * for every recipient, seal, store with audit, queue), acknowledge (signed
 * acknowledged receipt queued to the origin), and the state of each peer. */
#include <stdio.h>
#include <string.h>

#include "alloc.h"
#include "buf.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"
#include "workq.h"

/* The peers that to names: a node, a partner code (its nodes), or a
 * releasability group (the nodes of its members that are our peers). */
static int
to_matches(const struct hl_group *g, const char *to, const struct hl_peer_conf *pc)
{
	unsigned m;

	if (g == NULL)
		return strcmp(to, pc->node) == 0 || strcmp(to, pc->partner) == 0;
	for (m = 0; m < g->n; m++)
		if (strcmp(g->members[m], pc->partner) == 0)
			return 1;
	return 0;
}

static int
resolve_recipients(struct hl_node *n, const struct hl_send_req *req,
    struct peer_state **out, int *named, unsigned *nout, char *why, size_t whylen)
{
	const struct hl_group *g;
	unsigned i, j, k;
	int found;

	*nout = 0;
	if (req->to_all) {
		for (i = 0; i < n->npeers; i++) {
			if (n->peers[i].conf->removed ||
			    !hl_label_releasable_to(&req->label, n->peers[i].conf->partner))
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
		g = strchr(req->to[j], '/') == NULL ? hl_policy_group(&n->cfg.policy, req->to[j]) :
		    NULL;
		for (i = 0; i < n->npeers; i++) {
			if (n->peers[i].conf->removed || !to_matches(g, req->to[j], n->peers[i].conf))
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
		if (!found && g != NULL) {
			snprintf(why, whylen, "%s: no member of the group is a configured peer",
			    req->to[j]);
			return HL_ERR_UNKNOWN_PEER;
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

/* ---- send: prepare (loop) -> seal (crypto worker, or here) -> store (loop) ----
 * A send job owns copies of everything the seal needs (label, names, the
 * recipients' KEM keys, the content), so that a worker touches nothing of
 * the node's but its keys (under their lock) and the loop may go on
 * changing peers and descriptors meanwhile. */

#define SEND_PUB_MAX (32 + 1568)        /* X25519 || ML-KEM-1024 encapsulation key */

struct send_job {
	struct hl_job j;                /* first: the workq hands back &j */
	struct hl_node *n;
	/* what was prepared on the loop */
	unsigned nr, nsr, nwait;
	int waiting[HL_RECIPIENTS_MAX];
	char names[HL_RECIPIENTS_MAX][HL_NODE_NAME_MAX + 1];
	char sr_names[HL_RECIPIENTS_MAX][HL_NODE_NAME_MAX + 1];
	uint8_t pubs[HL_RECIPIENTS_MAX][SEND_PUB_MAX];
	struct hl_seal_recipient sr[HL_RECIPIENTS_MAX];
	struct hl_seal_params sp;
	struct hl_label label;
	char origin[HL_NODE_NAME_MAX + 1];
	char originator[HL_OPERATOR_MAX + 1];
	uint8_t *content;               /* owned copy (hl_free_secret) */
	size_t content_len;
	/* what the seal made */
	int r;
	uint8_t id[HL_ID_BYTES];
	uint8_t *raw;
	size_t rawlen;
	uint64_t content_file, raw_file;   /* the large parts' files, 0 if none */
	/* the asynchronous caller */
	hl_node_send_cb cb;
	void *arg;
};

static void
send_job_free(struct send_job *sj)
{
	if (sj == NULL)
		return;
	hl_free_secret(sj->content, sj->content_len);
	hl_free(sj->raw);
	hl_free(sj);
}

/* Rule 1 for every recipient, their KEM keys; nothing sealed yet. Refusals
 * are audited (send-refused). OUT: *out, owned by the caller. */
static int
send_prepare(struct hl_node *n, const struct hl_send_req *req, int self, struct send_job **out,
    char *why, size_t whylen)
{
	struct peer_state *rp[HL_RECIPIENTS_MAX];
	int named[HL_RECIPIENTS_MAX];
	struct hl_seal_recipient k;
	struct send_job *sj = NULL;
	uint64_t now = hl_now_ms();
	unsigned nr = 0, i, minproto;
	char ad[HL_AUDIT_DETAIL_MAX];
	int r;

	*out = NULL;
	why[0] = '\0';
	if (req->content_len > HL_CONTENT_MAX_BYTES) {
		snprintf(why, whylen, "content larger than %u bytes", HL_CONTENT_MAX_BYTES);
		return HL_ERR_TOO_BIG;
	}
	if (strlen(req->originator) > HL_OPERATOR_MAX) {
		snprintf(why, whylen, "originator name longer than %d bytes", HL_OPERATOR_MAX);
		return HL_ERR_INVALID;
	}
	if ((r = hl_label_check_policy(&req->label, &n->cfg.policy)) != HL_OK) {
		snprintf(why, whylen, "label does not fit policy %s", n->cfg.policy.id);
		return r;
	}
	/* self: to this node alone (hl_node_notify_self), sealed to our key */
	if (!self && (r = resolve_recipients(n, req, rp, named, &nr, why, whylen)) != HL_OK)
		goto refused;
	/* rule 1, for every recipient, before anything is sealed */
	for (i = 0; i < nr; i++) {
		if ((r = hl_label_may_send(&req->label, &n->cfg.policy, rp[i]->conf->node,
		    rp[i]->conf->partner, rp[i]->conf->accreditation, named[i], why, whylen)) != HL_OK)
			goto refused;
	}
	/* more than 32 partners or recipients: only for nodes that spoke this
	 * release's protocol on their last link (the previous one cannot
	 * decode such an envelope and would drop it unanswered) */
	if (req->label.nrel > HL_PROTO1_RELEASABLE_MAX || nr > HL_PROTO1_RELEASABLE_MAX) {
		for (i = 0; i < nr; i++) {
			if (rp[i]->proto >= 2)
				continue;
			snprintf(why, whylen, "%s: %s; an envelope with more than %d partners or "
			    "recipients needs this release's protocol (2)", rp[i]->conf->node,
			    rp[i]->proto == 1 ? "its last link spoke protocol 1 (the previous release)" :
			    "no link to it since this node started, so its protocol is not known",
			    HL_PROTO1_RELEASABLE_MAX);
			r = HL_ERR_DENIED;
			goto refused;
		}
	}
	if ((sj = hl_calloc(1, sizeof(*sj))) == NULL)
		return HL_ERR_NOMEM;
	/* a batch signature when every recipient's last link spoke protocol 3
	 * (the release before reads only version 1), hybrid from 5 */
	minproto = HL_LINK_PROTO;
	for (i = 0; i < nr; i++)
		if (node_peer_proto(rp[i]) < minproto)
			minproto = node_peer_proto(rp[i]);
	/* hybrid (3) when every recipient reads it (protocol 5) */
	sj->sp.version = node_sig_version(n, minproto);
	sj->sp.sig_suite = n->cfg.sig_suite;
	if (req->content_len > 0) {
		if ((sj->content = hl_malloc(req->content_len)) == NULL) {
			hl_free(sj);
			return HL_ERR_NOMEM;
		}
		memcpy(sj->content, req->content, req->content_len);
	}
	sj->content_len = req->content_len;
	sj->n = n;
	sj->nr = nr;
	sj->label = req->label;
	snprintf(sj->origin, sizeof(sj->origin), "%s", n->cfg.node);
	snprintf(sj->originator, sizeof(sj->originator), "%s", req->originator);
	/* seal to every recipient whose KEM descriptor is valid; the others
	 * wait visibly (awaiting-key) and are sealed to when a fresh one comes */
	for (i = 0; i < nr; i++) {
		snprintf(sj->names[i], sizeof(sj->names[i]), "%s", rp[i]->conf->node);
		sj->waiting[i] = node_peer_kem_key(n, rp[i], now, &k) != HL_OK;
		if (sj->waiting[i]) {
			sj->nwait++;
			continue;
		}
		if (k.publen > SEND_PUB_MAX) {
			send_job_free(sj);
			return HL_ERR_INTERNAL;
		}
		snprintf(sj->sr_names[sj->nsr], sizeof(sj->sr_names[0]), "%s", k.node);
		memcpy(sj->pubs[sj->nsr], k.pub, k.publen);
		sj->sr[sj->nsr].node = sj->sr_names[sj->nsr];
		sj->sr[sj->nsr].epoch = k.epoch;
		sj->sr[sj->nsr].pub = sj->pubs[sj->nsr];
		sj->sr[sj->nsr].publen = k.publen;
		sj->nsr++;
	}
	if (sj->nsr == 0) {
		if ((r = node_self_kem_key(n, &k)) != HL_OK || k.publen > SEND_PUB_MAX) {
			snprintf(why, whylen, "no KEM key of our own for suite %s",
			    hl_suite_name(n->cfg.suite));
			send_job_free(sj);
			return r != HL_OK ? r : HL_ERR_INTERNAL;
		}
		snprintf(sj->sr_names[0], sizeof(sj->sr_names[0]), "%s", k.node);
		memcpy(sj->pubs[0], k.pub, k.publen);
		sj->sr[0].node = sj->sr_names[0];
		sj->sr[0].epoch = k.epoch;
		sj->sr[0].pub = sj->pubs[0];
		sj->sr[0].publen = k.publen;
		sj->nsr = 1;
	}
	sj->sp.suite = n->cfg.suite;
	sj->sp.flags = req->flags;
	sj->sp.precedence = req->precedence;
	if (req->precedence == HL_PREC_FLASH)
		node_flash_seen(n);
	sj->sp.content_type = req->content_type;
	sj->sp.created_ms = now;
	sj->sp.expires_ms = now + 1000ull * (req->ttl_s != 0 ? req->ttl_s : n->cfg.default_ttl_s);
	sj->sp.origin = sj->origin;
	sj->sp.originator = sj->originator;
	sj->sp.label = &sj->label;
	sj->sp.nrecipients = sj->nsr;
	sj->sp.recipients = sj->sr;
	sj->j.lane = req->precedence < HL_WORKQ_LANES ? req->precedence : HL_WORKQ_LANES - 1;
	*out = sj;
	return HL_OK;
refused:
	snprintf(ad, sizeof(ad), "refused: %s", why);
	node_audit(n, "send-refused", NULL, req->originator, ad);
	log_warnx("send by %s refused: %s", req->originator, why);
	return r;
}

/* The seal: one wrap per recipient, AES-GCM, the signature (version 2:
 * the worker's batch signs it after its last job). On a crypto worker (or
 * on the loop when there is no pool). */
static void
send_seal(struct hl_job *j, void *ctx)
{
	struct send_job *sj = (struct send_job *)j;

	/* ctx: the worker's signature batch (node_crypto_batch), or NULL */
	sj->sp.batch = ctx;
	sj->sp.batch_result = &sj->r;
	sj->r = hl_seal_envelope(sj->n->keys, &sj->sp, sj->content, sj->content_len, sj->id,
	    &sj->raw, &sj->rawlen);
}

/* On the files thread: a large content and envelope go to files of their
 * own, so the loop's commit names them instead of copying them into the
 * WAL; if this fails the store tries again and reports why. */
static void
send_files(struct hl_job *j, void *ctx)
{
	struct send_job *sj = (struct send_job *)j;

	(void)ctx;
	if (hl_blob_prewrite(sj->n->store, sj->id, sj->content, sj->content_len, sj->raw,
	    sj->rawlen, &sj->content_file, &sj->raw_file) != HL_OK)
		sj->content_file = sj->raw_file = 0;
}

/* Does a sealed send have parts for the files thread? */
static int
send_has_files(const struct send_job *sj)
{
	return sj->r == HL_OK && sj->content_file == 0 && sj->raw_file == 0 &&
	    (sj->content_len >= HL_BLOB_MIN_BYTES || sj->rawlen >= HL_BLOB_MIN_BYTES);
}

/* A stored send on disk: into each recipient's lane (not the ones waiting
 * for a KEM key), pumped, and announced. */
static void
send_queue(struct hl_node *n, struct send_job *sj)
{
	unsigned i;

	for (i = 0; i < sj->nr; i++) {
		struct peer_state *ps = node_peer_by_name(n, sj->names[i]);

		if (ps == NULL)
			continue;
		if (!sj->waiting[i])
			node_pump_add(ps, sj->id, sj->sp.precedence);
		node_pump(n, ps);
	}
	/* subscribers: our own reports are part of our track picture too */
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_SENT, .id = sj->id,
	    .content_type = sj->sp.content_type });
}

/* Once the envelope is on disk: it leaves (the pump), the subscribers
 * hear of it, and the caller gets its answer. */
static void
send_durable(void *arg, int rr)
{
	struct send_job *sj = arg;
	struct hl_node *n = sj->n;
	char why[HL_SEND_WHY_MAX] = "";

	node_undurable_del(n, sj->id);
	if (rr == HL_OK) {
		send_queue(n, sj);
	} else {
		snprintf(why, sizeof(why), "stored, but not known to be on disk: %s",
		    hl_strerror(rr));
	}
	if (sj->cb != NULL)
		sj->cb(sj->arg, rr, rr == HL_OK ? sj->id : NULL, why);
	send_job_free(sj);
}

/* The store's row of a sealed send (its content and raw are sj's). */
static void
send_msg(const struct hl_node *n, const struct send_job *sj, const uint8_t *lp, size_t ll,
    uint64_t now, int inbound, struct hl_msg *m)
{
	memset(m, 0, sizeof(*m));
	memcpy(m->id, sj->id, HL_ID_BYTES);
	m->inbound = inbound;
	snprintf(m->origin, sizeof(m->origin), "%s", n->cfg.node);
	snprintf(m->originator, sizeof(m->originator), "%s", sj->originator);
	m->precedence = sj->sp.precedence;
	m->content_type = sj->sp.content_type;
	m->flags = sj->sp.flags;
	m->suite = n->cfg.suite;
	memcpy(m->label, lp, ll);
	m->label_len = ll;
	m->created_ms = sj->sp.created_ms;
	m->expires_ms = sj->sp.expires_ms;
	m->stored_ms = now;
	m->sig_ok = 1;
	m->content = sj->content;
	m->content_len = sj->content_len;
	m->raw = sj->raw;
	m->raw_len = sj->rawlen;
	m->content_file = sj->content_file;
	m->raw_file = sj->raw_file;
}

/* Store the sealed envelope, its deliveries and audit entry (one
 * transaction). Synchronous (sj->cb NULL): on disk when this returns, then
 * queued. Asynchronous: written; send_durable queues it and answers the
 * caller once the store's syncer has it on disk, and takes sj over. On the
 * loop. */
static int
send_store(struct hl_node *n, struct send_job *sj, char *why, size_t whylen)
{
	struct hl_msg m;
	struct hl_buf lb;
	const char *names[HL_RECIPIENTS_MAX];
	uint8_t *lp = NULL;
	size_t ll = 0;
	uint64_t now = hl_now_ms();
	char idh[33], ad[HL_AUDIT_DETAIL_MAX], lt[HL_LABEL_TEXT_MAX];
	unsigned i;
	int r;

	why[0] = '\0';
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if (sj->r != HL_OK) {
		r = sj->r;
		snprintf(why, whylen, "cannot seal envelope: %s", hl_strerror(r));
		goto out;
	}
	if ((r = hl_label_encode(&sj->label, &lb)) != HL_OK ||
	    (r = hl_buf_error(&lb)) != HL_OK)
		goto out;
	lp = hl_buf_steal(&lb, &ll);
	for (i = 0; i < sj->nr; i++)
		names[i] = sj->names[i];
	send_msg(n, sj, lp, ll, now, 0, &m);
	hl_hex_id(sj->id, idh);
	hl_label_format(&sj->label, &n->cfg.policy, lt, sizeof(lt));
	snprintf(ad, sizeof(ad), "to=%u recipients precedence=%s label=%s%s size=%zu", sj->nr,
	    hl_precedence_name(sj->sp.precedence), lt,
	    (sj->sp.flags & HL_ENV_FLAG_EXERCISE) ? " EXERCISE" : "", sj->content_len);
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	/* asynchronous: not sent before it is on disk (send_durable) */
	if (sj->cb != NULL && (r = node_undurable_add(n, sj->id)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "out of memory");
		goto out;
	}
	if ((r = hl_store_put_outbound(n->store, &m, names, sj->nr, now)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		log_warnx("send by %s refused: %s", sj->originator, why);
		goto out;
	}
	for (i = 0; i < sj->nr; i++) {
		if (sj->waiting[i] && (r = hl_store_delivery_wait(n->store, sj->id, names[i],
		    1)) != HL_OK) {
			hl_store_rollback(n->store);
			snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
			goto out;
		}
	}
	node_audit(n, "envelope-sent", sj->id, sj->originator, ad);
	if ((r = sj->cb != NULL ? node_commit_nowait(n) : node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		goto out;
	}
	if (sj->sp.precedence == HL_PREC_FLASH)
		node_flash_seen(n);   /* until it is on disk and on the link */
	log_info("envelope %s queued to %u recipient(s) (%s)%s", idh, sj->nr - sj->nwait,
	    hl_precedence_name(sj->sp.precedence),
	    sj->nwait > 0 ? "; some await a fresh KEM key" : "");
	if (sj->cb == NULL) {
		send_queue(n, sj);
	} else if (hl_store_when_durable(n->store, send_durable, sj) != HL_OK) {
		/* out of memory for the callback: wait for the disk here */
		(void)hl_store_sync_settle(n->store);
		send_durable(sj, HL_OK);
	}
	r = HL_OK;
out:
	if (r != HL_OK && sj->cb != NULL)
		node_undurable_del(n, sj->id);
	hl_buf_free(&lb);
	hl_free(lp);
	return r;
}

int
hl_node_send(struct hl_node *n, const struct hl_send_req *req, uint8_t id[static HL_ID_BYTES],
    char *why, size_t whylen)
{
	struct send_job *sj = NULL;
	int r;

	memset(id, 0, HL_ID_BYTES);
	if ((r = send_prepare(n, req, 0, &sj, why, whylen)) != HL_OK)
		return r;
	send_seal(&sj->j, NULL);
	if ((r = send_store(n, sj, why, whylen)) == HL_OK)
		memcpy(id, sj->id, HL_ID_BYTES);
	send_job_free(sj);
	return r;
}

int
hl_node_notify_self(struct hl_node *n, const struct hl_send_req *req,
    uint8_t id[static HL_ID_BYTES], char *why, size_t whylen)
{
	struct hl_send_req self = *req;
	struct send_job *sj = NULL;
	struct hl_buf lb;
	struct hl_msg m;
	uint8_t *lp = NULL;
	size_t ll = 0;
	char ad[HL_AUDIT_DETAIL_MAX];
	int r;

	memset(id, 0, HL_ID_BYTES);
	self.to = NULL;
	self.nto = 0;
	self.to_all = 0;
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	/* no recipient: sealed to our own KEM key, in our inbox */
	if ((r = send_prepare(n, &self, 1, &sj, why, whylen)) != HL_OK)
		goto out;
	send_seal(&sj->j, NULL);
	if ((r = sj->r) != HL_OK) {
		snprintf(why, whylen, "cannot seal envelope: %s", hl_strerror(r));
		goto out;
	}
	if ((r = hl_label_encode(&sj->label, &lb)) != HL_OK || (r = hl_buf_error(&lb)) != HL_OK)
		goto out;
	lp = hl_buf_steal(&lb, &ll);
	send_msg(n, sj, lp, ll, hl_now_ms(), 1, &m);
	snprintf(ad, sizeof(ad), "origin=%s originator=%s precedence=%s size=%zu (to itself)",
	    n->cfg.node, sj->originator, hl_precedence_name(sj->sp.precedence), sj->content_len);
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	if ((r = hl_store_put_inbound(n->store, &m, NULL, 0)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		goto out;
	}
	node_audit(n, "envelope-received", sj->id, n->cfg.node, ad);
	if ((r = node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		goto out;
	}
	memcpy(id, sj->id, HL_ID_BYTES);
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_ENVELOPE, .id = sj->id,
	    .peer = n->cfg.node, .content_type = sj->sp.content_type });
	r = HL_OK;
out:
	hl_buf_free(&lb);
	hl_free(lp);
	send_job_free(sj);
	return r;
}

static void send_stored(struct hl_job *j);

/* Back on the loop from a crypto worker: a large one's files on the files
 * thread first, then store, queue, answer. */
static void
send_done(struct hl_job *j)
{
	struct send_job *sj = (struct send_job *)j;

	/* handed back unrun by a stopping pool: sealed here, so that a send
	 * once accepted is not dropped (a STIX bundle has no client to retry) */
	if (sj->j.cancelled)
		send_seal(&sj->j, NULL);
	if (sj->n->files != NULL && send_has_files(sj)) {
		sj->j.run = send_files;
		sj->j.done = send_stored;
		sj->j.cancelled = 0;
		if (hl_workq_submit(sj->n->files, &sj->j) == HL_OK)
			return;
		/* full: the store writes them */
	}
	send_stored(j);
}

/* Store, queue, answer (cancelled by the files thread's stop: the store
 * writes the files). */
static void
send_stored(struct hl_job *j)
{
	struct send_job *sj = (struct send_job *)j;
	char why[HL_SEND_WHY_MAX];
	int r;

	/* stored: send_durable answers and frees sj once it is on disk */
	if ((r = send_store(sj->n, sj, why, sizeof(why))) == HL_OK)
		return;
	sj->cb(sj->arg, r, NULL, why);
	send_job_free(sj);
}

int
hl_node_send_async(struct hl_node *n, const struct hl_send_req *req, hl_node_send_cb cb,
    void *arg, char *why, size_t whylen)
{
	struct send_job *sj = NULL;
	int r;

	if ((r = send_prepare(n, req, 0, &sj, why, whylen)) != HL_OK)
		return r;
	sj->cb = cb;
	sj->arg = arg;
	sj->j.run = send_seal;
	sj->j.batch_ok = 1;
	sj->j.done = send_done;
	if (n->crypto == NULL || hl_workq_submit(n->crypto, &sj->j) != HL_OK) {
		/* no pool, or a full one: seal here (the caller's answer waits
		 * for this one; the pool's bound is what holds a flood back) */
		send_seal(&sj->j, NULL);
		send_done(&sj->j);
	}
	return HL_OK;
}

void
hl_node_send_burst(struct hl_node *n, int begin)
{
	if (begin)
		hl_workq_plug(n->crypto);
	else
		hl_workq_unplug(n->crypto);
}

int
hl_node_recheck(struct hl_node *n, const struct hl_msg *m, char *why, size_t whylen)
{
	struct hl_envelope e;
	struct peer_state *ps;
	struct hl_signer signer;
	uint8_t *pt = NULL;
	size_t ptlen = 0;
	char form[64];
	int r, same;

	if (m->raw == NULL || hl_envelope_decode(m->raw, m->raw_len, &e) != HL_OK) {
		snprintf(why, whylen, "the stored envelope is missing or does not decode");
		return 0;
	}
	if (memcmp(e.id, m->id, HL_ID_BYTES) != 0 || strcmp(e.origin, m->origin) != 0) {
		snprintf(why, whylen, "the stored envelope is not this message's");
		return 0;
	}
	if (strcmp(e.origin, n->cfg.node) == 0) {
		signer = n->self_sig;
		signer.allow_classical = 1;   /* what we signed before hybrid signatures */
	} else if ((ps = node_peer_by_name(n, e.origin)) != NULL && ps->have_pub) {
		node_envelope_signer(n, ps, &e, &signer);
	} else {
		snprintf(why, whylen, "the origin's signing key is not known to this node");
		return 0;
	}
	if (e.version == HL_ENVELOPE_VERSION_HYBRID)
		snprintf(form, sizeof(form), "%s batch signature (item %u of %u)",
		    hl_sig_suite_name(e.hsig.suite), (unsigned)e.bs.index + 1, (unsigned)e.bs.count);
	else if (e.version == HL_ENVELOPE_VERSION_BATCH)
		snprintf(form, sizeof(form), "batch signature (item %u of %u)",
		    (unsigned)e.bs.index + 1, (unsigned)e.bs.count);
	else
		snprintf(form, sizeof(form), "signature");
	if (hl_verify_envelope_cached(n->sigcache, &e, m->raw, &signer) != HL_OK) {
		snprintf(why, whylen, "the stored envelope's %s does not verify with %s's key", form,
		    e.origin);
		return 0;
	}
	if (!m->inbound) {
		snprintf(why, whylen, "%s verified with %s's key; the content is not re-checked "
		    "(this node sent it and holds no key to open it)", form, e.origin);
		return 1;
	}
	if ((r = hl_open_envelope(n->keys, &e, m->raw, n->cfg.node, &pt, &ptlen)) != HL_OK) {
		snprintf(why, whylen, "%s verified with %s's key; the content is not re-checked "
		    "(it cannot be opened again: %s, e.g. its KEM key was erased after rotation)",
		    form, e.origin, hl_strerror(r));
		return 1;
	}
	same = ptlen == m->content_len && (ptlen == 0 || memcmp(pt, m->content, ptlen) == 0);
	hl_free_secret(pt, ptlen);
	if (!same) {
		snprintf(why, whylen, "the stored content differs from what the signed envelope "
		    "holds");
		return 0;
	}
	snprintf(why, whylen, "%s verified with %s's key, and the stored content is what it "
	    "holds", form, e.origin);
	return 1;
}

int
hl_node_ack(struct hl_node *n, const uint8_t id[static HL_ID_BYTES], const char *operator_name)
{
	struct hl_msg m;
	struct peer_state *ps;
	uint8_t *raw = NULL;
	size_t len = 0;
	char ad[HL_AUDIT_DETAIL_MAX];
	int r, self;

	memset(&m, 0, sizeof(m));
	if ((r = hl_store_get(n->store, id, 0, &m)) != HL_OK)
		return r;
	if (!m.inbound) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	/* one of our own (hl_node_notify_self): nobody to send a receipt to */
	self = strcmp(m.origin, n->cfg.node) == 0;
	if (!self && (r = node_make_receipt(n, HL_RECEIPT_ACKNOWLEDGED, id, m.origin, 0, NULL,
	    operator_name, &raw, &len)) != HL_OK)
		goto out;
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	if ((r = hl_store_ack(n->store, id, operator_name, hl_now_ms())) != HL_OK ||
	    (!self && (r = hl_store_receipt_queue(n->store, id, HL_RECEIPT_ACKNOWLEDGED, m.origin,
	    raw, len)) != HL_OK)) {
		hl_store_rollback(n->store);
		goto out;
	}
	snprintf(ad, sizeof(ad), "origin=%s", m.origin);
	node_audit(n, "envelope-acknowledged", id, operator_name, ad);
	if ((r = node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		goto out;
	}
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_ACK, .id = id,
	    .peer = m.origin });   /* console: clear the FLASH cue */
	if ((ps = node_peer_by_name(n, m.origin)) != NULL)
		node_send_receipts(n, ps);
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
		s[i].protocol = ps->proto;
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
