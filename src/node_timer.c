/* node_timer.c: what the node does on its own, every NODE_TICK_MS:
 * heartbeats, retransmission, relaying what waits, dialing with back-off,
 * KEM rotation and descriptor refresh, acknowledgement deadlines (audit
 * and ALERT once per overdue envelope), the scheduled end-to-end link
 * tests, and audit checkpoints. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include <event2/event.h>

#include "alloc.h"
#include "clock.h"
#include "log.h"
#include "node_int.h"

/* Acknowledgement deadlines: audit each newly overdue envelope once, and
 * re-alert the watch for those we received. */
static void
scan_overdue(struct hl_node *n, uint64_t now)
{
	struct hl_overdue *o = NULL;
	uint64_t dl[HL_PRECEDENCES];
	size_t cnt = 0, i;
	char idh[33], ad[HL_AUDIT_DETAIL_MAX];
	unsigned p;

	for (p = 0; p < HL_PRECEDENCES; p++)
		dl[p] = 1000ull * n->cfg.ack_deadline_s[p];
	if (hl_store_mark_overdue(n->store, now, dl, &o, &cnt, 256) != HL_OK)
		return;
	for (i = 0; i < cnt; i++) {
		hl_hex_id(o[i].id, idh);
		if (o[i].inbound) {
			log_warnx("ALERT: %s envelope %s from %s not acknowledged within %us: "
			    "OVERDUE", hl_precedence_name(o[i].precedence), idh, o[i].node,
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
			snprintf(ad, sizeof(ad), "received from %s, %s, no operator acknowledgement "
			    "within %us; watch re-alerted", o[i].node,
			    hl_precedence_name(o[i].precedence),
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
		} else {
			log_warnx("envelope %s to %s: delivered but not acknowledged within %us: "
			    "overdue", idh, o[i].node,
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
			snprintf(ad, sizeof(ad), "sent to %s, %s, delivered but not acknowledged "
			    "within %us", o[i].node, hl_precedence_name(o[i].precedence),
			    (unsigned)n->cfg.ack_deadline_s[o[i].precedence]);
		}
		node_audit(n, "ack-overdue", o[i].id, n->cfg.node, ad);
		node_event(n, &(struct hl_node_event){ .kind = o[i].inbound ?
		    HL_NODE_EV_ENVELOPE : HL_NODE_EV_DELIVERY, .id = o[i].id, .peer = o[i].node,
		    .overdue = 1 });   /* console: overdue shown live */
	}
	hl_free(o);
}

/* The scheduled end-to-end test of a partner link (as the Washington-Moscow
 * line is tested every hour): a real envelope, sealed to the peer's current
 * keys, stored, signed, receipted; result = its delivered receipt. */
static void
link_test(struct hl_node *n, struct peer_state *ps, uint64_t now)
{
	struct hl_send_req req;
	struct hl_label label;
	const char *to[1];
	char rel[2 * (HL_PARTNER_MAX + 1)], why[200], text[128];
	uint8_t id[HL_ID_BYTES];
	int r;

	if (n->cfg.link_test_s == 0 || ps->desc_raw == NULL)
		return;
	if (ps->test_sent_ms != 0 && now - ps->test_sent_ms < 1000ull * n->cfg.link_test_s)
		return;
	if (ps->test_sent_ms == 0 && now - n->started_ms < 3000)
		return;   /* give the links a moment after start */
	if (ps->test_sent_ms != 0 && ps->test_done_ms == 0) {
		snprintf(ps->test_result, sizeof(ps->test_result),
		    "failed: no receipt within %us", (unsigned)n->cfg.link_test_s);
		ps->test_done_ms = now;
		node_audit(n, "link-test-failed", ps->test_id, ps->conf->node, ps->test_result);
	}
	snprintf(rel, sizeof(rel), "%s,%s", n->cfg.partner, ps->conf->partner);
	if (hl_label_make(&n->cfg.policy,
	    &(struct hl_label_spec){ .classification = n->cfg.policy.levels[0],
	    .releasable = rel, .tlp = "clear" }, &label, why, sizeof(why)) != HL_OK)
		return;
	snprintf(text, sizeof(text), "hotline link test %s -> %s", n->cfg.node, ps->conf->node);
	memset(&req, 0, sizeof(req));
	to[0] = ps->conf->node;
	req.to = to;
	req.nto = 1;
	req.precedence = HL_PREC_ROUTINE;
	req.label = label;
	req.content_type = HL_CT_TEXT;
	req.flags = HL_ENV_FLAG_LINK_TEST;
	req.content = (const uint8_t *)text;
	req.content_len = strlen(text);
	req.originator = "link-test";
	req.ttl_s = n->cfg.link_test_s;
	ps->test_sent_ms = now;
	ps->test_done_ms = 0;
	ps->test_rtt_ms = 0;
	if ((r = hl_node_send(n, &req, id, why, sizeof(why))) != HL_OK) {
		snprintf(ps->test_result, sizeof(ps->test_result), "failed: %s", why);
		ps->test_done_ms = now;
		return;
	}
	memcpy(ps->test_id, id, HL_ID_BYTES);
	snprintf(ps->test_result, sizeof(ps->test_result), "pending");
}

/* Certificates near their end (cert_warn): logged and audited at start
 * and once a day, until renewed. */
static void
check_certs(struct hl_node *n, uint64_t now)
{
	const int64_t warn = (int64_t)n->cfg.cert_warn_s, t = (int64_t)(now / 1000);
	char ad[HL_AUDIT_DETAIL_MAX];
	struct tm tm;
	char when[32];
	time_t na;
	size_t i;

	for (i = 0; i < n->ncerts; i++) {
		const struct hl_cert_info *c = &n->certs[i];

		if (c->not_after_s == 0 || c->not_after_s - t > warn)
			continue;
		na = (time_t)c->not_after_s;
		if (gmtime_r(&na, &tm) == NULL ||
		    strftime(when, sizeof(when), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
			snprintf(when, sizeof(when), "?");
		if (c->not_after_s <= t)
			snprintf(ad, sizeof(ad), "%s %s EXPIRED at %s: renew it (hotline pki renew, "
			    "docs/INSTALL.md)", c->role, c->path, when);
		else
			snprintf(ad, sizeof(ad), "%s %s expires at %s, in %lld day(s): renew it "
			    "(hotline pki renew, docs/INSTALL.md)", c->role, c->path, when,
			    (long long)((c->not_after_s - t + 86399) / 86400));
		log_warnx("certificate: %s", ad);
		node_audit(n, "certificate-expiring", NULL, n->cfg.node, ad);
	}
}

static void
node_tick(evutil_socket_t fd, short what, void *arg)
{
	struct hl_node *n = arg;
	struct peer_state *ps;
	uint64_t now = hl_now_ms();
	unsigned i;

	(void)fd;
	(void)what;
	node_refused_flush(n, hl_mono_us() / 1000);
	for (i = 0; i < n->npeers; i++) {
		ps = &n->peers[i];
		if (ps->up && now - ps->last_ping_ms >= n->cfg.heartbeat_ms)
			node_send_ping(ps, now);
		node_pump_retransmit(n, ps, now);
		if (!ps->up && now - ps->receipts_relay_ms >= 1000) {
			ps->receipts_relay_ms = now;
			node_pump(n, ps);
			node_send_receipts(n, ps);
		}
		if (ps->dialer && n->lctx != NULL && ps->link == NULL && ps->dialing == NULL &&
		    now >= ps->retry_at_ms) {
			if (hl_link_connect(n->lctx, ps->conf, &ps->dialing) != HL_OK) {
				ps->dialing = NULL;
				ps->retry_at_ms = now + n->cfg.reconnect_max_ms;
			} else {
				hl_link_set_udata(ps->dialing, ps);
			}
		}
	}
	if (now - hl_keys_epoch_created_ms(n->keys) >= 1000ull * n->cfg.kem_rotate_s) {
		char err[200];

		if (hl_node_rotate(n, err, sizeof(err)) != HL_OK)
			log_warnx("scheduled KEM key rotation failed: %s", err);
	} else if (now - n->desc_at_ms > node_desc_validity_ms(n) / 2 &&
	    node_refresh_descriptor(n) == HL_OK) {
		node_broadcast_descriptor(n);
	}
	node_erase_old_kem_keys(n, now);
	if (n->cert_check_ms == 0 || now - n->cert_check_ms >= 86400000ull) {
		n->cert_check_ms = now;
		check_certs(n, now);
	}
	if (now - n->overdue_scan_ms >= 1000) {
		n->overdue_scan_ms = now;
		scan_overdue(n, now);
		for (i = 0; i < n->npeers; i++)
			if (!n->peers[i].conf->removed)
				link_test(n, &n->peers[i], now);
	}
	if (n->cfg.audit_checkpoint_s != 0 &&
	    now - n->checkpoint_ms >= 1000ull * n->cfg.audit_checkpoint_s)
		node_audit_checkpoint(n, now);
}

int
node_timer_start(struct hl_node *n)
{
	struct timeval tv;

	if ((n->tick = event_new(n->base, -1, EV_PERSIST, node_tick, n)) == NULL)
		return HL_ERR_NOMEM;
	tv.tv_sec = 0;
	tv.tv_usec = NODE_TICK_MS * 1000;
	if (event_add(n->tick, &tv) != 0)
		return HL_ERR_INTERNAL;
	return HL_OK;
}
