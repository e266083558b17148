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

static int
resolve_recipients(struct hl_node *n, const struct hl_send_req *req,
    struct peer_state **out, int *named, unsigned *nout, char *why, size_t whylen)
{
	unsigned i, j, k;
	int found;

	*nout = 0;
	if (req->to_all) {
		for (i = 0; i < n->npeers; i++) {
			if (!hl_label_releasable_to(&req->label, n->peers[i].conf->partner))
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
		for (i = 0; i < n->npeers; i++) {
			if (strcmp(req->to[j], n->peers[i].conf->node) != 0 &&
			    strcmp(req->to[j], n->peers[i].conf->partner) != 0)
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

int
hl_node_send(struct hl_node *n, const struct hl_send_req *req, uint8_t id[static HL_ID_BYTES],
    char *why, size_t whylen)
{
	struct peer_state *rp[HL_RECIPIENTS_MAX];
	int named[HL_RECIPIENTS_MAX];
	struct hl_seal_recipient sr[HL_RECIPIENTS_MAX];
	const char *names[HL_RECIPIENTS_MAX];
	struct hl_seal_params sp;
	struct hl_msg m;
	struct hl_buf lb;
	uint8_t *raw = NULL, *lp = NULL;
	size_t rawlen = 0, ll = 0;
	int waiting[HL_RECIPIENTS_MAX];
	unsigned nr = 0, nsr = 0, nwait = 0, i;
	uint64_t now = hl_now_ms();
	char idh[33], ad[HL_AUDIT_DETAIL_MAX], lt[200];
	int r;

	memset(id, 0, HL_ID_BYTES);
	why[0] = '\0';
	hl_buf_init(&lb, HL_LABEL_MAX_BYTES);
	if (req->content_len > HL_CONTENT_MAX_BYTES) {
		snprintf(why, whylen, "content larger than %u bytes", HL_CONTENT_MAX_BYTES);
		r = HL_ERR_TOO_BIG;
		goto out;
	}
	if ((r = hl_label_check_policy(&req->label, &n->cfg.policy)) != HL_OK) {
		snprintf(why, whylen, "label does not fit policy %s", n->cfg.policy.id);
		goto out;
	}
	if ((r = resolve_recipients(n, req, rp, named, &nr, why, whylen)) != HL_OK)
		goto refused;
	/* rule 1, for every recipient, before anything is sealed */
	for (i = 0; i < nr; i++) {
		if ((r = hl_label_may_send(&req->label, &n->cfg.policy, rp[i]->conf->node,
		    rp[i]->conf->partner, rp[i]->conf->accreditation, named[i], why, whylen)) != HL_OK)
			goto refused;
	}
	/* seal to every recipient whose KEM descriptor is valid; the others
	 * wait visibly (awaiting-key) and are sealed to when a fresh one comes */
	for (i = 0; i < nr; i++) {
		names[i] = rp[i]->conf->node;
		waiting[i] = node_peer_kem_key(n, rp[i], now, &sr[nsr]) != HL_OK;
		if (!waiting[i])
			nsr++;
		else
			nwait++;
	}
	if (nsr == 0 && (r = node_self_kem_key(n, &sr[nsr++])) != HL_OK) {
		snprintf(why, whylen, "no KEM key of our own for suite %s", hl_suite_name(n->cfg.suite));
		goto out;
	}
	memset(&sp, 0, sizeof(sp));
	sp.suite = n->cfg.suite;
	sp.flags = req->flags;
	sp.precedence = req->precedence;
	sp.content_type = req->content_type;
	sp.created_ms = now;
	sp.expires_ms = now + 1000ull * (req->ttl_s != 0 ? req->ttl_s : n->cfg.default_ttl_s);
	sp.origin = n->cfg.node;
	sp.originator = req->originator;
	sp.label = &req->label;
	sp.nrecipients = nsr;
	sp.recipients = sr;
	if ((r = hl_seal_envelope(n->keys, &sp, req->content, req->content_len, id, &raw,
	    &rawlen)) != HL_OK) {
		snprintf(why, whylen, "cannot seal envelope: %s", hl_strerror(r));
		goto out;
	}
	if ((r = hl_label_encode(&req->label, &lb)) != HL_OK ||
	    (r = hl_buf_error(&lb)) != HL_OK)
		goto out;
	lp = hl_buf_steal(&lb, &ll);
	memset(&m, 0, sizeof(m));
	memcpy(m.id, id, HL_ID_BYTES);
	m.inbound = 0;
	snprintf(m.origin, sizeof(m.origin), "%s", n->cfg.node);
	snprintf(m.originator, sizeof(m.originator), "%s", req->originator);
	m.precedence = req->precedence;
	m.content_type = req->content_type;
	m.flags = req->flags;
	m.suite = n->cfg.suite;
	memcpy(m.label, lp, ll);
	m.label_len = ll;
	m.created_ms = sp.created_ms;
	m.expires_ms = sp.expires_ms;
	m.stored_ms = now;
	m.sig_ok = 1;
	m.content = (uint8_t *)(uintptr_t)req->content;
	m.content_len = req->content_len;
	m.raw = raw;
	m.raw_len = rawlen;
	hl_hex_id(id, idh);
	hl_label_format(&req->label, &n->cfg.policy, lt, sizeof(lt));
	snprintf(ad, sizeof(ad), "to=%u recipients precedence=%s label=%s%s size=%zu", nr,
	    hl_precedence_name(req->precedence), lt,
	    (req->flags & HL_ENV_FLAG_EXERCISE) ? " EXERCISE" : "", req->content_len);
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	if ((r = hl_store_put_outbound(n->store, &m, names, nr, now)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		log_warnx("send by %s refused: %s", req->originator, why);
		goto out;
	}
	for (i = 0; i < nr; i++) {
		if (waiting[i] && (r = hl_store_delivery_wait(n->store, id, names[i], 1)) != HL_OK) {
			hl_store_rollback(n->store);
			snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
			goto out;
		}
	}
	node_audit(n, "envelope-sent", id, req->originator, ad);
	if ((r = node_commit(n)) != HL_OK) {
		hl_store_rollback(n->store);
		snprintf(why, whylen, "cannot store envelope: %s", hl_strerror(r));
		goto out;
	}
	log_info("envelope %s queued to %u recipient(s) (%s)%s", idh, nr - nwait,
	    hl_precedence_name(req->precedence), nwait > 0 ? "; some await a fresh KEM key" : "");
	for (i = 0; i < nr; i++)
		node_pump(n, rp[i]);
	/* subscribers: our own reports are part of our track picture too */
	node_event(n, &(struct hl_node_event){ .kind = HL_NODE_EV_SENT, .id = id,
	    .content_type = req->content_type });
	r = HL_OK;
	goto out;
refused:
	snprintf(ad, sizeof(ad), "refused: %s", why);
	node_audit(n, "send-refused", NULL, req->originator, ad);
	log_warnx("send by %s refused: %s", req->originator, why);
out:
	hl_buf_free(&lb);
	hl_free(lp);
	hl_free(raw);
	if (r != HL_OK)
		memset(id, 0, HL_ID_BYTES);
	return r;
}

int
hl_node_ack(struct hl_node *n, const uint8_t id[static HL_ID_BYTES], const char *operator_name)
{
	struct hl_msg m;
	struct peer_state *ps;
	uint8_t *raw = NULL;
	size_t len = 0;
	char ad[HL_AUDIT_DETAIL_MAX];
	int r;

	memset(&m, 0, sizeof(m));
	if ((r = hl_store_get(n->store, id, 0, &m)) != HL_OK)
		return r;
	if (!m.inbound) {
		r = HL_ERR_NOT_FOUND;
		goto out;
	}
	if ((r = node_make_receipt(n, HL_RECEIPT_ACKNOWLEDGED, id, m.origin, 0, NULL,
	    operator_name, &raw, &len)) != HL_OK)
		goto out;
	if ((r = node_begin(n)) != HL_OK)
		goto out;
	if ((r = hl_store_ack(n->store, id, operator_name, hl_now_ms())) != HL_OK ||
	    (r = hl_store_receipt_queue(n->store, id, HL_RECEIPT_ACKNOWLEDGED, m.origin, raw,
	    len)) != HL_OK) {
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
